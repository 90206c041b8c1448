"""How many factors? Parallel analysis and Velicer's MAP — as psych. (KMO and Bartlett's test,
which ask whether to factor at all, are in :mod:`loyaltyscope.psychometrics.factorability`.)

- :func:`parallel_analysis` — ``psych::fa.parallel`` (Horn, 1965): eigenvalues of the observed
  correlation matrix (components) and of its one-factor minres reduced matrix (factors),
  against the ``quantile`` of the same eigenvalues from ``n_iter`` data sets of independent
  normal variables of the same size (and, for raw data, of column-wise resampled data). The
  suggested number is the count of leading observed eigenvalues above the simulated quantile
  (psych's ``nfact`` / ``ncomp``). Every draw comes from ``numpy.random.default_rng(seed)``.
- :func:`velicer_map` — Velicer's (1976) minimum average partial, as ``psych::VSS``'s ``map``:
  after removing i principal components, the mean squared off-diagonal partial correlation.

Sparse data. Column-wise resampling keeps each column's missing values, so a pair of items
is answered together in about n·f_i·f_j rows of a resample (f = share of rows answered).
When that is below :data:`MIN_RESAMPLED_PAIR_ROWS` for some pair the resampled part is skipped
with a warning (psych would return NaN eigenvalues); resamples whose correlations are still
undefined are redrawn at most ``n_iter + 20`` times in all, then the resampled part is dropped
with a warning. The suggestion never depends on it (psych's uses the normal simulations).

Speed (parallel analysis). The normal-data correlation matrices are drawn directly: for n
independent N(0, I_p) rows, (n - 1)S ~ Wishart_p(n - 1, I), sampled by Bartlett's
decomposition (lower-triangular T with T_ii² ~ χ²_{n-i}, T_ij ~ N(0, 1) below the diagonal),
S = TTᵀ/(n - 1), R = cov2cor(S) — the same distribution as ``cor(matrix(rnorm(n * p), n))``
in psych, without generating n × p numbers. The one-factor minres fits of all simulated
matrices are done together by Newton's method on the loadings (the same minimum as psych's
optimisation over uniquenesses; any fit that would reach psych's 0.005 bound is redone with
the exact bounded routine of :mod:`loyaltyscope.psychometrics.exploratory`).

R equivalents: ``psych::fa.parallel(x, n.iter = 100)``, ``psych::VSS(x)$map``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.linalg import lapack

from loyaltyscope.numerics.display import ResultProtocol
from loyaltyscope.psychometrics import correlations as corr
from loyaltyscope.psychometrics.exploratory import PSI_LOWER, extract_minres
from loyaltyscope.psychometrics.itemdata import (ItemDataError, PsychometricWarning, emit, prepare_correlations,
                                                 quiet_emission)

__all__ = ["parallel_analysis", "velicer_map", "ParallelAnalysisResult", "MAPResult", "minres_one_factor_values",
           "map_values", "MIN_RESAMPLED_PAIR_ROWS"]

MIN_RESAMPLED_PAIR_ROWS = 10   # expected rows answering both items of a pair in a column-wise resample


# ---- numeric cores -------------------------------------------------------------------------------------

def minres_one_factor_values(rs: np.ndarray, tol: float = 1e-10, max_iter: int = 30, warm: int = 2,
                             max_step: float = np.inf) -> np.ndarray:
    """Eigenvalues of the one-factor minres reduced matrices of a batch of correlation matrices.

    ``rs``: (B, p, p). For each R, the loadings l minimise Σ_{i≠j}(r_ij - l_i l_j)²: psych's
    start (the leading eigenvector of R with SMCs on the diagonal), ``warm`` principal-axis
    steps (monotone, so the iteration stays in the start's basin — the one-factor minres
    criterion of nearly uncorrelated data has several local minima, and psych's optimiser
    stays near its start too), then Newton's method on l with step halving (a Levenberg–Marquardt
    shift where the Hessian is indefinite); fits that would reach psych's bound (Heywood) or
    have not converged after ``max_iter`` Newton steps are redone with the exact bounded
    routine :func:`loyaltyscope.psychometrics.exploratory.extract_minres`;
    returned are the eigenvalues (descending) of R with l² on the diagonal — psych's
    ``fa(R, nfactors = 1, fm = "minres")$values``. Shape (B, p).
    """
    rs = np.asarray(rs, float)
    B, p, _ = rs.shape
    eye = np.eye(p, dtype=bool)
    try:
        inv = np.linalg.inv(rs)
    except np.linalg.LinAlgError:
        inv = np.linalg.pinv(rs, hermitian=True)
    smc = np.clip(1 - 1 / np.einsum("bii->bi", inv), 0, 1)
    start = rs.copy()
    start[:, eye] = smc
    l = _leading_loadings(start)
    for _ in range(warm):          # principal-axis steps: monotone descent that stays in the start's basin
        start[:, eye] = l * l
        l = _leading_loadings(start)
    dR = np.einsum("bii->bi", rs)
    c0 = (rs * rs).sum(axis=(1, 2)) - (dR * dR).sum(axis=1)      # Σ_{i≠j} r_ij²
    f = _offdiag_loss(rs, dR, c0, l)
    active = np.ones(B, bool)
    for _ in range(max_iter):
        idx = np.nonzero(active)[0]
        if idx.size == 0:
            break
        L, R, fi, dRi, c0i = l[idx], rs[idx], f[idx], dR[idx], c0[idx]
        L2 = L * L
        s2 = L2.sum(axis=1, keepdims=True)
        # gradient of ¼Σ_{i≠j}(r_ij - l_i l_j)²: -Σ_{j≠i}(r_ij - l_i l_j) l_j
        g = -(np.einsum("bij,bj->bi", R, L) - dRi * L - L * (s2 - L2))
        H = 2 * (L[:, :, None] * L[:, None, :]) - R
        H[:, eye] = s2 - L2
        try:
            step = -np.linalg.solve(H, g[:, :, None])[:, :, 0]
        except np.linalg.LinAlgError:
            step = -g
        ascent = ((step * g).sum(axis=1) >= 0) | ~np.isfinite(step).all(axis=1)
        if ascent.any():     # indefinite Hessian: shift it to positive definite (Levenberg-Marquardt)
            Ha = H[ascent]
            mu = np.maximum(-np.linalg.eigvalsh(Ha)[:, 0], 0.0) + 1e-3 * (1 + np.abs(Ha).max(axis=(1, 2)))
            Ha = Ha + mu[:, None, None] * np.eye(p)[None]
            step[ascent] = -np.linalg.solve(Ha, g[ascent][:, :, None])[:, :, 0]
        big = np.abs(step).max(axis=1, keepdims=True)
        step = step * np.minimum(1.0, max_step / np.maximum(big, 1e-300))   # trust region: stay near the start
        t = np.ones(idx.size)
        for _h in range(40):
            new = L + t[:, None] * step
            fn = _offdiag_loss(R, dRi, c0i, new)
            worse = fn > fi + 1e-13 * (1 + np.abs(fi))
            if not worse.any():
                break
            t = np.where(worse, t / 2, t)
        ok = ~worse                                   # accepted steps (no increase beyond rounding)
        moved = np.where(ok, np.abs(t[:, None] * step).max(axis=1), 0.0)
        l[idx] = np.where(ok[:, None], new, L)
        f[idx] = np.where(ok, fn, fi)
        # converged, or heading for a Heywood case (communality > 1): that one is redone below with
        # psych's bounded routine, so there is no point iterating further
        done = (moved < tol) | (np.abs(g).max(axis=1) < tol) | ((l[idx] ** 2).max(axis=1) > 1.0)
        active[idx[done]] = False
    h2 = l * l
    # Heywood cases (psych's bound 0.005 is active) and the rare slow Newton runs: psych's exact routine
    for b in np.nonzero((h2.max(axis=1) > 1 - PSI_LOWER) | active)[0]:
        Lb = extract_minres(rs[b], 1, ftol=1e-11, gtol=1e-7)[0]     # still tighter than psych's optim
        h2[b] = (Lb * Lb).sum(axis=1)
    S = rs.copy()
    S[:, eye] = h2
    return np.linalg.eigvalsh(S)[:, ::-1]


def _leading_loadings(a: np.ndarray) -> np.ndarray:
    """sqrt(λ₁) v₁ of each matrix of a batch (LAPACK dsyevr for the top eigenpair only: about
    twice as fast as a full batched eigen decomposition at 25 × 25)."""
    B, p, _ = a.shape
    out = np.empty((B, p))
    for b in range(B):
        w, v, _m, _isuppz, info = lapack.dsyevr(a[b], range="I", il=p, iu=p, compute_v=1)
        if info != 0:
            ww, vv = np.linalg.eigh(a[b])
            w, v = ww[-1:], vv[:, -1:]
        out[b] = v[:, 0] * np.sqrt(max(w[0], 0.0))
    return out


def _offdiag_loss(rs, dr, c0, l):
    """¼ Σ_{i≠j}(r_ij - l_i l_j)² = ¼ (Σ_{i≠j} r²_ij - 2(lᵀRl - Σ r_ii l_i²) + (Σl²)² - Σl⁴)."""
    l2 = l * l
    cross = np.einsum("bi,bij,bj->b", l, rs, l) - (dr * l2).sum(axis=1)
    return 0.25 * (c0 - 2 * cross + l2.sum(axis=1) ** 2 - (l2 * l2).sum(axis=1))


def map_values(r: np.ndarray, n: int = 8, power: int = 2) -> np.ndarray:
    """Velicer's MAP: mean (squared, or 4th power) partial correlation after 0..n components.

    Element 0 is the mean of the observed off-diagonal r^power; element i (1..min(n, p-1)) is
    psych's ``map[i]``.
    """
    p = r.shape[0]
    w, v = np.linalg.eigh(r)
    w, v = w[::-1], v[:, ::-1]
    comp = v * np.sqrt(np.maximum(w, 0))
    n1 = min(n, p - 1)
    out = np.full(n + 1, np.nan)
    off = ~np.eye(p, dtype=bool)
    out[0] = (np.abs(r[off]) ** power).sum() / (p * (p - 1))
    for i in range(1, n1 + 1):
        c = r - comp[:, :i] @ comp[:, :i].T
        with np.errstate(invalid="ignore", divide="ignore"):    # a residual variance <= 0: NaN (callers warn)
            d = 1 / np.sqrt(np.diag(c))
        rs = c * d[:, None] * d[None, :]
        out[i] = (np.abs(rs[off]) ** power).sum() / (p * (p - 1))
    return out


# ---- results ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ParallelAnalysisResult(ResultProtocol):
    """Parallel analysis (psych ``fa.parallel``).

    ``n_factors`` / ``n_components``: psych's ``nfact`` / ``ncomp`` suggestions (None if that
    part was not run). ``eigenvalues``: one row per eigenvalue number with the observed PC and
    FA eigenvalues and the mean and quantile of the simulated (normal data) and resampled ones —
    the data of psych's scree plot.
    """

    title = "Parallel analysis"

    n_factors: int | None
    n_components: int | None
    eigenvalues: pd.DataFrame
    n_iter: int
    quantile: float
    seed: int | None
    fa: str
    nobs: float
    warnings: tuple[str, ...] = field(default=())

    def _headline(self) -> list[str]:
        return [f"{self.n_iter} iterations, {self.quantile:g} quantile, seed {self.seed}: number of factors = "
                f"{self.n_factors}, number of components = {self.n_components}"]

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"eigenvalues": self.eigenvalues}


@dataclass(frozen=True)
class MAPResult(ResultProtocol):
    """Velicer's minimum average partial: ``map`` indexed by the number of components removed
    (0 = the observed correlations); ``n_factors`` = psych's choice (the minimum over 1..n)."""

    title = "Velicer's minimum average partial (MAP)"

    n_factors: int
    map: pd.Series
    power: int
    nobs: float
    warnings: tuple[str, ...] = field(default=())

    def _headline(self) -> list[str]:
        kind = "squared" if self.power == 2 else f"power {self.power}"
        return [f"{kind} partial correlations: minimum with {self.n_factors} component(s)"]

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"map": self.map.to_frame("average partial")}


# ---- parallel analysis, step by step ---------------------------------------------------------------------

def _check_parallel_arguments(fa, quantile, n_iter) -> None:
    if fa not in ("both", "fa", "pc"):
        raise ValueError(f"fa={fa!r}: expected 'both', 'fa' or 'pc'")
    if not 0 < quantile < 1:
        raise ValueError(f"quantile={quantile!r}: expected a number between 0 and 1")
    if int(n_iter) < 1:
        raise ValueError(f"n_iter={n_iter!r}: expected a positive integer")


def _wishart_correlations(rng, n: int, p: int, B: int) -> np.ndarray:
    dfs = (n - 1) - np.arange(p)
    T = np.zeros((B, p, p))
    iu = np.tril_indices(p, -1)
    T[:, iu[0], iu[1]] = rng.standard_normal((B, len(iu[0])))
    T[:, np.arange(p), np.arange(p)] = np.sqrt(rng.chisquare(dfs, size=(B, p)))
    S = T @ T.transpose(0, 2, 1)
    d = 1 / np.sqrt(np.einsum("bii->bi", S))
    R = S * d[:, :, None] * d[:, None, :]
    R[:, np.arange(p), np.arange(p)] = 1.0
    return R


def _sparse_data_warnings(x: np.ndarray, names) -> tuple[list[str], bool]:
    """Warnings about empty rows and whether column-wise resamples can have defined correlations."""
    n, p = x.shape
    warns = []
    empty = int(np.isnan(x).all(axis=1).sum())
    if empty:
        warns.append(f"{empty} of {n} rows have no answer to any item; they count as respondents in the simulated "
                     f"data (n = {n}, as psych's nrow(x)), which overstates the information in the data — drop them "
                     f"or give nobs")
    f = (~np.isnan(x)).mean(axis=0)
    expected = n * np.outer(f, f)
    np.fill_diagonal(expected, np.inf)
    i, j = np.unravel_index(np.argmin(expected), expected.shape)
    if expected[i, j] < MIN_RESAMPLED_PAIR_ROWS:
        warns.append(f"too few complete rows to resample: items {names[i]!r} and {names[j]!r} would be answered "
                     f"together in about {expected[i, j]:.1f} rows of a column-wise resample (at least "
                     f"{MIN_RESAMPLED_PAIR_ROWS} needed for a defined correlation); the resampled eigenvalues are "
                     f"not computed (the suggestion uses the normal simulations, as psych's)")
        return warns, False
    return warns, True


_RESAMPLE_CHUNK = 25        # resamples per chunk; each chunk draws from its own child of the seed


def _resampled_correlations(rng, x: np.ndarray, n_iter: int, cor: str, warns: list) -> np.ndarray | None:
    """Correlation matrices of ``n_iter`` column-wise resamples (psych: each column resampled with
    replacement on its own, so the correlations are ~0); None if they cannot be had.

    The resamples come in fixed chunks of :data:`_RESAMPLE_CHUNK`, each drawn from its own child
    generator of ``rng`` (``SeedSequence.spawn``), so the numbers depend on the seed only; Pearson
    chunks run on up to two threads (NumPy's gathers and products release the GIL)."""
    n, p = x.shape
    # column-major copies (column j at j*n .. j*n + n - 1) of the centred, zero-filled data and
    # of the missing-value indicator, gathered with the same index in every resample
    nanm = np.isnan(x)
    x0t = np.ascontiguousarray(np.where(nanm, 0.0, x - np.nanmean(x, axis=0)).T).ravel()
    qt = np.ascontiguousarray(nanm.T.astype(float)).ravel()
    xt = np.ascontiguousarray(x.T).ravel()
    offsets = (np.arange(p) * n)[None, :]
    sizes = [min(_RESAMPLE_CHUNK, n_iter - lo) for lo in range(0, n_iter, _RESAMPLE_CHUNK)]
    children = np.random.SeedSequence(int(rng.integers(2 ** 63))).spawn(len(sizes))

    def chunk(k):
        g = np.random.default_rng(children[k])
        out = []
        for _ in range(sizes[k] + 20):                 # a few spare draws for undefined correlations
            if len(out) == sizes[k]:
                break
            flat = g.integers(0, n, size=(n, p), dtype=np.int32 if n * p < 2 ** 31 else np.int64)
            flat += offsets
            if cor == "poly":
                from loyaltyscope.psychometrics.polychoric_correlation import polychoric as _poly
                with quiet_emission():
                    try:
                        c = _poly(np.take(xt, flat)).rho.to_numpy()
                    except ItemDataError:
                        continue
            else:
                c = corr.pairwise_cor_masked(np.take(x0t, flat), np.take(qt, flat))
            if not np.isnan(c).any():
                out.append(c)
        return out

    if cor == "poly" or len(sizes) == 1:
        parts = [chunk(k) for k in range(len(sizes))]
    else:
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(max_workers=2) as pool:
            parts = list(pool.map(chunk, range(len(sizes))))
    res = [c for part in parts for c in part]
    if any(len(part) < size for part, size in zip(parts, sizes)):
        warns.append(f"only {len(res)} of {n_iter} column-wise resamples (in at most {n_iter + 20 * len(sizes)} draws) "
                     "had defined correlations (too few rows answering both items of a pair); the resampled "
                     "eigenvalues are not computed")
        return None
    return np.stack(res)


def _minres_values_two_threads(rs: np.ndarray) -> np.ndarray:
    """:func:`minres_one_factor_values` of a batch, its two halves on two threads (each matrix
    is fitted on its own, so the numbers equal the one-batch call's)."""
    if rs.shape[0] < 16:
        return minres_one_factor_values(rs)
    from concurrent.futures import ThreadPoolExecutor
    half = rs.shape[0] // 2
    with ThreadPoolExecutor(max_workers=2) as pool:
        parts = list(pool.map(minres_one_factor_values, (rs[:half], rs[half:])))
    return np.concatenate(parts)


def _eigen_table(R, sims, res, do_fa, quantile) -> pd.DataFrame:
    """Observed, simulated and resampled eigenvalues (components and one-factor minres)."""
    p = R.shape[0]
    pc_obs = np.linalg.eigvalsh(R)[::-1]
    fa_obs = minres_one_factor_values(R[None])[0] if do_fa else np.full(p, np.nan)
    allr = sims if res is None else np.concatenate([sims, res])
    all_pc = np.linalg.eigvalsh(allr)[:, ::-1]
    all_fa = _minres_values_two_threads(allr) if do_fa else None
    B = sims.shape[0]
    cols = {"observed_pc": pc_obs, "observed_fa": fa_obs,
            "simulated_pc_mean": all_pc[:B].mean(0), "simulated_pc_quantile": np.quantile(all_pc[:B], quantile, axis=0)}
    if do_fa:
        cols["simulated_fa_mean"] = all_fa[:B].mean(0)
        cols["simulated_fa_quantile"] = np.quantile(all_fa[:B], quantile, axis=0)
    if res is not None:
        cols["resampled_pc_mean"] = all_pc[B:].mean(0)
        cols["resampled_pc_quantile"] = np.quantile(all_pc[B:], quantile, axis=0)
        if do_fa:
            cols["resampled_fa_mean"] = all_fa[B:].mean(0)
            cols["resampled_fa_quantile"] = np.quantile(all_fa[B:], quantile, axis=0)
    return pd.DataFrame(cols, index=pd.RangeIndex(1, p + 1, name="number"))


def _leading_above(obs, ref) -> int:
    above = np.asarray(obs) > np.asarray(ref)
    return int(len(above) if above.all() else np.argmin(above))


@corr.small_blas
def parallel_analysis(data, n_iter: int = 100, quantile: float = 0.95, seed: int | None = 1, fa: str = "both", *,
                      nobs: float | None = None, use: str = "pairwise", cor: str = "pearson",
                      resample: bool = True) -> ParallelAnalysisResult:
    """Parallel analysis (Horn, 1965) as ``psych::fa.parallel``.

    Parameters
    ----------
    data : DataFrame or correlation matrix
        Raw responses, or a correlation matrix with ``nobs``.
    n_iter : int
        Simulated data sets (psych ``n.iter``).
    quantile : float
        Quantile of the simulated eigenvalues to exceed (psych ``quant``, 0.95).
    seed : int
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same numbers.
    fa : {"both", "fa", "pc"}
        Which eigenvalues to compare.
    nobs : float, optional
        Respondents of the simulated data (default: the rows of raw data; 100 with a warning for
        a correlation matrix, as psych).
    resample : bool
        Also resample the observed data column-wise (psych does this for raw data; only
        reported, psych's suggestion uses the normal simulations). Skipped with a warning when
        the data are too sparse for resamples with defined correlations.

    Returns
    -------
    ParallelAnalysisResult
        ``.n_factors`` (psych's ``nfact``), ``.n_components`` (``ncomp``), ``.eigenvalues``.

    R equivalent: ``psych::fa.parallel(x, n.iter = 100, fm = "minres", fa = "both")``.
    """
    _check_parallel_arguments(fa, quantile, n_iter)
    ci = prepare_correlations(data, use=use, cor=cor, nobs=nobs, context="parallel_analysis")
    warns = list(ci.warnings)
    if not np.isfinite(ci.nobs):
        warns.append("a correlation matrix was given without nobs; 100 respondents assumed, as psych does")
    nsub = int(ci.nobs) if np.isfinite(ci.nobs) else 100
    if nsub <= len(ci.names):
        raise ItemDataError([(None, f"{nsub} respondents but {len(ci.names)} items: parallel analysis needs more "
                                    f"respondents than items")], "parallel_analysis")
    rng = np.random.default_rng(seed)
    sims = _wishart_correlations(rng, nsub, len(ci.names), int(n_iter))
    res = None
    if resample and ci.x is not None:
        more, ok = _sparse_data_warnings(ci.x, ci.names)
        warns += more
        res = _resampled_correlations(rng, ci.x, int(n_iter), cor, warns) if ok else None
    eig = _eigen_table(ci.r, sims, res, fa in ("both", "fa"), quantile)
    n_comp = _leading_above(eig["observed_pc"], eig["simulated_pc_quantile"]) if fa in ("both", "pc") else None
    n_fact = _leading_above(eig["observed_fa"], eig["simulated_fa_quantile"]) if fa in ("both", "fa") else None
    return ParallelAnalysisResult(n_fact, n_comp, eig, int(n_iter), float(quantile), seed, fa, ci.nobs,
                                  emit(warns, PsychometricWarning))


@corr.small_blas
def velicer_map(data, n: int = 8, *, power: int = 2, use: str = "pairwise") -> MAPResult:
    """Velicer's (1976) minimum average partial test, as ``psych::VSS(x)$map``.

    After partialling out the first i principal components, MAP(i) is the mean squared
    off-diagonal partial correlation (``power=4``: O'Connor's revised MAP). The suggested
    number of factors is the i in 1..n with the smallest MAP (psych); MAP(0), the mean squared
    observed correlation, is reported too; with p items at most p - 1 components are removed.
    R equivalent: ``psych::VSS(x, n = 8)$map``.
    """
    ci = prepare_correlations(data, use=use, context="velicer_map")
    if ci.x is not None and ci.x.shape[0] <= len(ci.names):
        raise ItemDataError([(None, f"{ci.x.shape[0]} respondents but {len(ci.names)} items: the partial "
                                    f"correlations are undefined")], "velicer_map")
    n_done = min(int(n), len(ci.names) - 1)          # at most p - 1 components can be partialled out
    vals = map_values(ci.r, n=n, power=power)[:n_done + 1]
    s = pd.Series(vals, index=pd.RangeIndex(0, n_done + 1, name="components"), name="map")
    warns = list(ci.warnings)
    undefined = [int(i) for i in s.index[1:] if not np.isfinite(s[i])]
    if len(undefined) == n_done:
        why = [w for w in ci.warnings if "not positive definite" in w]
        raise ItemDataError([(None, "the partial correlations are undefined after every number of components (a "
                                    "residual variance is not positive): "
                                    + (why[0] if why else "the correlation matrix is not positive definite"))],
                            "velicer_map")
    if undefined:
        warns.append(f"the partial correlations are undefined (NaN) after {undefined} component(s): a residual "
                     f"variance is not positive (the correlation matrix is not positive definite)")
    best = int(np.nanargmin(vals[1:]) + 1)
    return MAPResult(best, s, power, ci.nobs, emit(warns, PsychometricWarning))
