"""Measurement and structural quality of a PLS path model, as pure formulas on correlations.

All inputs are the indicators' correlation matrix ``S`` (one column per block indicator),
outer weights ``w`` scaled to unit-variance construct scores, the block index of every
column, and the construct correlations ``R``. Conventions are seminr's (Hair et al. 2021,
*PLS-SEM Using R*):

- Cronbach's alpha on standardized items: ``k r̄ / (1 + (k - 1) r̄)`` with r̄ the mean
  inter-item correlation (seminr ``cronbachs_alpha`` on the scaled data).
- composite reliability ``rho_C = (Σλ)² / ((Σλ)² + Σ(1 - λ²))``, ``AVE = mean(λ²)``, with
  λ the loadings cor(x, Y). A single-item construct has alpha = rho_A = rho_C = AVE = 1 (R
  seminr's ``cronbachs_alpha`` / ``rhoC_AVE``, SmartPLS's construct reliability table).
- Dijkstra–Henseler ``rho_A = (w'w)² · w'(S - diag S)w / w'(ww' - diag(ww'))w``
  (Dijkstra & Henseler 2015, eq. 13; seminr ``rho_A``).
- HTMT (Henseler, Ringle & Sarstedt 2015): mean heterotrait-heteromethod correlation over
  the geometric mean of the two mean monotrait-heteromethod correlations, all on absolute
  correlations, with a monotrait mean of 1 for a single item (R seminr ``HTMT``; an item
  keyed in reverse then counts as any other).
- VIF: outer ``diag(S_jj^{-1})`` per block; inner ``diag(R_PP^{-1})`` per endogenous
  construct over its predecessors P.
- f² is in :mod:`loyaltyscope.plspm.effect_size` (the model re-estimated without the path).
- Fornell–Larcker: √AVE on the diagonal, construct correlations below.

R equivalent: ``summary(seminr::estimate_pls(...))$reliability``, ``$validity$htmt``,
``$validity$vif_items``, ``$vif_antecedents``, ``$fSquare``, ``$validity$fl_criteria``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["block_loadings", "alpha_std", "rho_c_and_ave", "rho_a", "htmt_matrix", "outer_vif",
           "inner_vif", "fornell_larcker_matrix"]


def block_loadings(S: np.ndarray, w: np.ndarray, block: np.ndarray, m: int) -> np.ndarray:
    """Cross-loadings ``cor(x_k, Y_j) = (S W)[k, j]`` (B, p, m) for unit-variance scores."""
    o = np.zeros((len(block), m))
    o[np.arange(len(block)), block] = 1.0
    return S @ (w[..., None] * o)


def alpha_std(S: np.ndarray, block: np.ndarray, m: int) -> np.ndarray:
    """Standardized Cronbach's alpha per construct (1 for a single item, as R seminr and SmartPLS)."""
    out = np.ones(m)
    for j in range(m):
        c = np.flatnonzero(block == j)
        k = c.size
        if k > 1:
            rbar = (S[np.ix_(c, c)].sum() - k) / (k * (k - 1))
            out[j] = k * rbar / (1 + (k - 1) * rbar)
    return out


def rho_c_and_ave(lam: np.ndarray, block: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """``rho_C`` and AVE per construct from the block loadings ``lam`` (p,)."""
    rc, ave = np.full(m, np.nan), np.full(m, np.nan)
    for j in range(m):
        l = lam[block == j]
        s = l.sum() ** 2
        rc[j] = s / (s + np.sum(1 - l ** 2))
        ave[j] = np.mean(l ** 2)
    return rc, ave


def rho_a(S: np.ndarray, w: np.ndarray, block: np.ndarray, m: int) -> np.ndarray:
    """Dijkstra–Henseler rho_A per construct, stacked over B: (B, m); 1 for single items."""
    S = S if S.ndim == 3 else S[None]
    w = w if w.ndim == 2 else w[None]
    out = np.ones((S.shape[0], m))
    for j in range(m):
        c = np.flatnonzero(block == j)
        if c.size < 2:
            continue
        wj = w[:, c]
        Sj = S[:, c[:, None], c].copy()
        Sj[:, np.arange(c.size), np.arange(c.size)] = 0.0
        num = np.einsum("bi,bij,bj->b", wj, Sj, wj)
        ww = np.einsum("bi,bj->bij", wj, wj)
        ww[:, np.arange(c.size), np.arange(c.size)] = 0.0
        den = np.einsum("bi,bij,bj->b", wj, ww, wj)
        out[:, j] = np.einsum("bi,bi->b", wj, wj) ** 2 * num / den
    return out


def htmt_matrix(S: np.ndarray, block: np.ndarray, m: int) -> np.ndarray:
    """HTMT (B, m, m), symmetric, NaN on the diagonal, on absolute correlations; the
    monotrait mean of a single-item construct is 1 (R seminr ``HTMT``)."""
    A = np.abs(S if S.ndim == 3 else S[None])
    cols = [np.flatnonzero(block == j) for j in range(m)]
    mono = np.ones((A.shape[0], m))
    for j, c in enumerate(cols):
        k = c.size
        if k > 1:
            mono[:, j] = (A[:, c[:, None], c].sum(axis=(1, 2)) - np.trace(A[:, c[:, None], c], axis1=1, axis2=2)) \
                / (k * (k - 1))
    out = np.full((A.shape[0], m, m), np.nan)
    for i in range(m):
        for j in range(i + 1, m):
            het = A[:, cols[i][:, None], cols[j]].mean(axis=(1, 2))
            with np.errstate(divide="ignore", invalid="ignore"):  # uncorrelated items: 0/0, as in R
                out[:, i, j] = out[:, j, i] = het / np.sqrt(mono[:, i] * mono[:, j])
    return out


def outer_vif(S: np.ndarray, block: np.ndarray, m: int) -> np.ndarray:
    """Indicator VIF within its block, ``diag(S_jj^{-1})`` (p,); 1 for single items."""
    out = np.ones(len(block))
    for j in range(m):
        c = np.flatnonzero(block == j)
        if c.size > 1:
            out[c] = _inverse_diagonal(S[np.ix_(c, c)])
    return out


def _inverse_diagonal(A: np.ndarray) -> np.ndarray:
    """``diag(A^{-1})``; infinite for a singular ``A`` (perfect collinearity: VIF = inf), also
    when rounding hides the singularity (numerical rank below the size, ``np.linalg.matrix_rank``:
    an indicator that is an exact linear combination of others would otherwise get a VIF of
    about 1e14)."""
    if np.linalg.matrix_rank(A) < A.shape[0]:
        return np.full(A.shape[0], np.inf)
    return np.diag(np.linalg.inv(A))


def _equations(D: np.ndarray):
    """(j, predecessors of j) for every endogenous construct j."""
    for j in range(D.shape[0]):
        pred = np.flatnonzero(D[:, j])
        if pred.size:
            yield j, pred


def inner_vif(R: np.ndarray, D: np.ndarray) -> np.ndarray:
    """Inner VIF ``V[i, j]`` of predictor i in the equation of j (NaN where no path)."""
    out = np.full(D.shape, np.nan)
    for j, pred in _equations(D):
        out[pred, j] = _inverse_diagonal(R[np.ix_(pred, pred)])
    return out


def fornell_larcker_matrix(R: np.ndarray, ave: np.ndarray) -> np.ndarray:
    """√AVE on the diagonal, construct correlations below it, NaN above."""
    out = np.tril(R, -1).astype(float)
    out[np.triu_indices_from(out, 1)] = np.nan
    np.fill_diagonal(out, np.sqrt(ave))
    return out
