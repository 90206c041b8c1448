"""Every statistic of a PLS path model computed from a stack of indicator correlation matrices.

One function, :func:`estimate_stack`, serves the point estimate (a stack of one) and the
bootstrap (a stack of resamples): outer weights (:mod:`.algorithm`), loadings, construct
correlations, path coefficients, R² and adjusted R², total effects (:mod:`.effects`),
HTMT and rho_A (:mod:`.quality`), with the PLSc correction (:mod:`.consistent`) when asked.
Each resample's numbers depend only on its own correlation matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from loyaltyscope.plspm.algorithm import lv_correlations, path_coefficients, pls_core
from loyaltyscope.plspm.consistent import consistent_loadings, disattenuate
from loyaltyscope.plspm.effects import total_effects
from loyaltyscope.plspm.quality import block_loadings, htmt_matrix, rho_a
from loyaltyscope.plspm.specification import PLSSpec

__all__ = ["StackEstimates", "estimate_stack", "adjusted_r2", "hoc_composite_reliability"]


@dataclass(frozen=True)
class StackEstimates:
    """Statistics for B correlation matrices (first axis B everywhere)."""

    weights: np.ndarray       # (B, p) outer weights, unit-variance scores
    loadings: np.ndarray      # (B, p) loading of each indicator on its own construct
    cross_loadings: np.ndarray  # (B, p, m)
    lv_cor: np.ndarray        # (B, m, m) construct correlations (PLSc-corrected when consistent)
    paths: np.ndarray         # (B, m, m) path coefficients, [i, j] = effect of i on j
    r2: np.ndarray            # (B, m)
    total: np.ndarray         # (B, m, m) total effects
    htmt: np.ndarray          # (B, m, m)
    rho_a: np.ndarray         # (B, m)
    iterations: np.ndarray    # (B,)
    converged: np.ndarray     # (B,)


def estimate_stack(S: np.ndarray, spec: PLSSpec, scheme: str = "path", consistent: bool = False,
                   max_iter: int = 300, tol: float = 1e-7, item_sd: np.ndarray | None = None) -> StackEstimates:
    """All statistics for each correlation matrix in ``S`` (B, p, p), columns as ``spec.items``.

    ``item_sd`` (B, p): the indicators' standard deviations, used only for interaction terms:
    as seminr (``adjust_interaction``), an interaction construct's score is rescaled by
    ``Σ sd_k |λ_k| / Σ |λ_k|`` over its indicators, which divides its path coefficients by
    that factor (R² is unchanged). Under PLSc seminr estimates every path from the
    (disattenuated) construct correlations, where that rescaling cancels: the interaction
    term's path is then standardized, and so it is here.

    PLSc of a two-stage higher-order construct (``spec.loc_reliability``: HOC -> stage-1
    reliabilities of its dimensions): it is a composite of error-laden scores, so its
    loadings are not corrected and its correlations are disattenuated with
    :func:`hoc_composite_reliability` (van Riel et al. 2017; R seminr ``PLSc``).
    """
    S = np.asarray(S, dtype=float)
    S = S if S.ndim == 3 else S[None]
    block, D, m = spec.item_block, spec.adjacency, len(spec.constructs)
    modes = tuple(spec.modes[c] for c in spec.constructs)
    core = pls_core(S, block, modes, D, scheme, max_iter, tol)
    w = core.weights
    cross = block_loadings(S, w, block, m)
    lam = cross[:, np.arange(len(block)), block]
    R = lv_correlations(S, w, block, m)
    q = rho_a(S, w, block, m)
    inter = np.array([c in spec.interactions for c in spec.constructs])
    q[:, inter] = 1.0  # seminr's convention: an interaction term is not disattenuated
    if consistent:
        sizes = np.bincount(block, minlength=m)
        hoc = np.array([c in spec.loc_reliability for c in spec.constructs])
        reflective = np.array([modes[j] == "A" and sizes[j] > 1 and not inter[j] and not hoc[j] for j in range(m)])
        qq = np.where(reflective[None, :], q, 1.0)
        for name, rel in spec.loc_reliability.items():
            j = spec.constructs.index(name)
            qq[:, j] = hoc_composite_reliability(S, w, block == j, np.asarray(rel, dtype=float))
        R = disattenuate(R, qq)
        lam_c = consistent_loadings(w, block, qq, reflective)
        lam = np.where(np.isnan(lam_c), lam, lam_c)
    beta, r2 = path_coefficients(R, D)
    if spec.interactions and item_sd is not None and not consistent:
        for name in spec.interactions:
            j = spec.constructs.index(name)
            cols = block == j
            a = np.abs(lam[:, cols])
            scale = (np.asarray(item_sd)[:, cols] * a).sum(axis=1) / a.sum(axis=1)
            beta[:, j, :] /= scale[:, None]
    return StackEstimates(weights=w, loadings=lam, cross_loadings=cross, lv_cor=R, paths=beta, r2=r2,
                          total=total_effects(beta), htmt=htmt_matrix(S, block, m), rho_a=q,
                          iterations=core.iterations, converged=core.converged)


def hoc_composite_reliability(S: np.ndarray, w: np.ndarray, cols: np.ndarray, rel: np.ndarray) -> np.ndarray:
    """Reliability ``w' S* w / w' S w`` (B,) of a composite of the dimension scores in ``cols``:
    S their correlations, S* the same with the diagonal replaced by the dimensions'
    reliabilities ``rel`` (van Riel, Henseler, Kemény & Sasovova 2017; R seminr
    ``hoc_composite_reliability``; a composite of composites has reliability 1)."""
    Sj = S[:, cols][:, :, cols]
    wj = w[:, cols]
    star = Sj.copy()
    idx = np.arange(Sj.shape[-1])
    star[:, idx, idx] = rel
    return np.einsum("bi,bij,bj->b", wj, star, wj) / np.einsum("bi,bij,bj->b", wj, Sj, wj)


def adjusted_r2(r2: np.ndarray, n: int, k: np.ndarray) -> np.ndarray:
    """``1 - (1 - R²)(n - 1)/(n - k - 1)`` with k predictors (NaN where k = 0)."""
    k = np.asarray(k, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(k > 0, 1 - (1 - r2) * (n - 1) / (n - k - 1), np.nan)
