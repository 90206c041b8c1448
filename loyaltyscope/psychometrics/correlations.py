"""Correlation matrices as psych computes them: pairwise-complete Pearson, SMCs, smoothing.

Pure functions over numpy arrays (NaN = missing):

- :func:`pairwise_cor` / :func:`pairwise_cov` — R's ``cor(x, use = "pairwise")`` /
  ``cov(x, use = "pairwise")``: each pair uses the rows where both items are observed, with
  the means of those rows; also the pairwise counts (``psych::pairwiseCount``).
- :func:`listwise` — rows without missing values (``na.omit``).
- :func:`smc` — squared multiple correlations ``1 - 1/diag(R^+)`` with the Moore–Penrose
  inverse and clipping to [0, 1] (``psych::smc``).
- :func:`cor_smooth` — eigenvalue smoothing of a non-positive-definite matrix
  (``psych::cor.smooth``): eigenvalues below 1e-12 set to 100·1e-12, rescaled to sum to p,
  back to a correlation matrix.

All pairwise sums are computed at once with four matrix products over the centred data and
its observation mask, so a 2,800 × 25 matrix takes well under a millisecond.

Scale: before any sum of squares, each centred column is divided by a power of two
(:func:`power_of_two_scales`) that brings its largest magnitude into [0.5, 1). Dividing by a
power of two is exact in floating point, so correlations are unchanged — except that a
column recorded as 1e-300 × its values (whose squares would underflow to 0) or 1e+200 × them
(whose squares would overflow) gives the same correlations as the unscaled column.
"""

from __future__ import annotations

import numpy as np

from loyaltyscope.numerics.correlation_matrix import cov2cor
from loyaltyscope.numerics.threads import single_blas_thread

__all__ = ["small_blas", "power_of_two_scales", "listwise_cor", "pairwise_cor", "pairwise_cor_masked", "pairwise_cov", "pairwise_count", "listwise", "smc", "cor_smooth", "pinv",
           "cov2cor", "is_correlation_matrix", "is_covariance_matrix", "is_matrix_input"]


small_blas = single_blas_thread   # run a function with one BLAS thread (see numerics.threads)


def power_of_two_scales(x: np.ndarray) -> np.ndarray:
    """Per column, the power of two 2^e with max |x_j| / 2^e in [0.5, 1) (1 for an all-zero or
    all-missing column). ``x / scales`` is exact: only the exponents change."""
    big = np.fmax.reduce(np.abs(x), axis=0) if x.shape[0] else np.zeros(x.shape[1])   # fmax skips NaN
    _, e = np.frexp(np.where(big > 0, big, 1.0))
    return np.ldexp(1.0, e)


def _pairwise_sums(x: np.ndarray):
    """Pairwise-complete sums over the rows where both items are observed.

    Returns ``((n, sx, sxx, sxy), d)``: n[i, j] (rows), sx[i, j] (sum of item i), sxx[i, j] (sum
    of squares of item i) and sxy[i, j] (cross products), all on data centred by the column
    means and divided by the powers of two ``d`` (:func:`power_of_two_scales`). Sums over all rows
    are corrected by the (usually few) rows that have a missing value, by inclusion–exclusion,
    so only one full-size matrix product is needed.
    """
    nanm = np.isnan(x)
    qf = nanm.astype(float)                          # 1 where missing
    x0 = np.where(nanm, 0.0, x)
    d0 = power_of_two_scales(x0)                     # first the raw magnitude (no overflow in the sums) ...
    x0 /= d0
    miss = qf.sum(axis=0)
    N = x.shape[0]
    mu = np.where(miss < N, x0.sum(axis=0) / np.maximum(N - miss, 1), 0.0)
    x0 -= mu
    x0[nanm] = 0.0
    d1 = power_of_two_scales(x0)                     # ... then the spread (no underflow in the squares)
    x0 /= d1
    return _masked_sums(x0, qf), d0 * d1


def _masked_sums(x0: np.ndarray, qf: np.ndarray):
    """The sums of :func:`_pairwise_sums` from zero-filled (ideally centred) data ``x0`` and the
    missing-value indicator ``qf`` (1.0 = missing). Any centring constant gives the same
    correlations; centring only keeps the sums well conditioned."""
    N, p = x0.shape
    ones = np.ones(N)
    miss = ones @ qf
    sxy = x0.T @ x0
    colsum = ones @ x0
    colsq = ones @ (x0 * x0)
    incomplete = (qf @ np.ones(p)) > 0
    if incomplete.any():
        xs = x0[incomplete]
        qs = qf[incomplete]
        n = float(N) - miss[:, None] - miss[None, :] + qs.T @ qs
        sx = colsum[:, None] - xs.T @ qs
        sxx = colsq[:, None] - (xs * xs).T @ qs
    else:
        n = np.full((p, p), float(N))
        sx = np.repeat(colsum[:, None], p, axis=1)
        sxx = np.repeat(colsq[:, None], p, axis=1)
    return n, sx, sxx, sxy


def pairwise_count(x: np.ndarray) -> np.ndarray:
    """Number of rows in which both items are observed (``psych::pairwiseCount``)."""
    m = (~np.isnan(x)).astype(float)
    return m.T @ m


def pairwise_cov(x: np.ndarray, *, scaled: bool = False):
    """Pairwise-complete covariance matrix, divisor n_ij - 1 (R ``cov(use = "pairwise")``).

    With ``scaled=True`` returns ``(c, d)``: the covariances of the columns divided by the
    powers of two ``d`` (so that the true covariances are ``c * outer(d, d)``), for callers
    that must not lose a tiny or huge column to underflow or overflow.
    """
    (n, sx, sxx, sxy), d = _pairwise_sums(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        c = (sxy - sx * sx.T / n) / (n - 1)
    c[n < 2] = np.nan
    c = (c + c.T) / 2
    if scaled:
        return c, d
    with np.errstate(under="ignore", over="ignore"):
        return c * np.outer(d, d)


def pairwise_cor(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairwise-complete Pearson correlations and pairwise counts.

    r_ij = Σ(x_i - x̄_i^(ij))(x_j - x̄_j^(ij)) / sqrt(Σ(x_i - x̄_i^(ij))² Σ(x_j - x̄_j^(ij))²), sums
    over the rows where both are observed, means x̄^(ij) over the same rows.
    R equivalent: ``cor(x, use = "pairwise")``. NaN where a pair has fewer than two rows or a
    zero variance within its rows.
    """
    return _cor_from_sums(*_pairwise_sums(x)[0])


def pairwise_cor_masked(x0: np.ndarray, qf: np.ndarray) -> np.ndarray:
    """:func:`pairwise_cor` of data given as zero-filled values ``x0`` and a missing indicator
    ``qf`` (1.0 where missing) — for resampling loops that gather both with one index."""
    return _cor_from_sums(*_masked_sums(x0, qf))[0]


def _cor_from_sums(n, sx, sxx, sxy):
    with np.errstate(invalid="ignore", divide="ignore"):
        cxy = sxy - sx * sx.T / n
        vx = sxx - sx * sx / n           # variance of i within the rows shared with j
        r = cxy / np.sqrt(vx * vx.T)
    r[(n < 2) | ~(vx > 0) | ~(vx.T > 0)] = np.nan
    r = (r + r.T) / 2
    np.fill_diagonal(r, np.where(np.diag(n) >= 2, 1.0, np.nan))
    return np.clip(r, -1.0, 1.0), n


def listwise_cor(x: np.ndarray) -> np.ndarray:
    """Pearson correlations of complete data (``cor(x)``; equal to ``numpy.corrcoef`` up to
    rounding, but safe for columns of extreme magnitude). NaN where a column is constant."""
    return pairwise_cor(x)[0]


def listwise(x: np.ndarray) -> np.ndarray:
    """Rows without any missing value."""
    return x[~np.isnan(x).any(axis=1)]


def pinv(a: np.ndarray) -> np.ndarray:
    """Moore–Penrose inverse with psych's tolerance (``psych::Pinv``: singular values below
    sqrt(machine eps) times the largest are dropped)."""
    u, d, vt = np.linalg.svd(a)
    keep = d > max(np.sqrt(np.finfo(float).eps) * d[0], 0.0)
    return (vt[keep].T / d[keep]) @ u[:, keep].T


def smc(r: np.ndarray) -> np.ndarray:
    """Squared multiple correlation of each item with all others.

    smc_i = 1 - 1/(R^+)_ii, clipped to [0, 1]; ``R^+`` is the pseudo-inverse, so a singular R
    still gives values. R equivalent: ``psych::smc(R)``.
    """
    rinv = pinv(r)
    with np.errstate(divide="ignore"):
        s = 1.0 - 1.0 / np.diag(rinv)
    return np.clip(s, 0.0, 1.0)


def cor_smooth(r: np.ndarray, eig_tol: float = 1e-12) -> tuple[np.ndarray, bool]:
    """Smooth a non-positive-definite correlation matrix as ``psych::cor.smooth``.

    If the smallest eigenvalue is below machine epsilon, eigenvalues below ``eig_tol`` are set
    to ``100 * eig_tol``, all are rescaled to sum to p, and the rebuilt matrix is turned back
    into a correlation matrix. Returns ``(matrix, smoothed)``.
    """
    w, v = np.linalg.eigh(r)
    if w.min() >= np.finfo(float).eps:
        return r, False
    w = np.where(w < eig_tol, 100 * eig_tol, w)
    w = w * r.shape[0] / w.sum()
    return cov2cor((v * w) @ v.T), True


def _square_float(a) -> np.ndarray | None:
    shape = getattr(a, "shape", None)
    if shape is not None and (len(shape) != 2 or shape[0] != shape[1]):
        return None  # not square: no conversion (which would warn on, e.g., complex data)
    try:
        a = np.asarray(a, dtype=float) if not hasattr(a, "to_numpy") else a.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        return None
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0 or not np.isfinite(a).all():
        return None
    return a


def is_correlation_matrix(a) -> bool:
    """Square, symmetric, unit diagonal (psych's ``isCorrelation`` test)."""
    a = _square_float(a)
    return a is not None and bool(np.allclose(a, a.T) and np.allclose(np.diag(a), 1.0))


def is_covariance_matrix(a) -> bool:
    """Square and symmetric with more than one row (psych's ``isCovariance``, which ``fa``,
    ``omega`` and ``alpha`` use to take a covariance matrix as a matrix, not as data)."""
    a = _square_float(a)
    return a is not None and a.shape[0] > 1 and bool(np.allclose(a, a.T, rtol=1.5e-8, atol=0.0))


def is_matrix_input(a) -> bool:
    """A correlation or covariance matrix given instead of raw data."""
    return is_correlation_matrix(a) or is_covariance_matrix(a)
