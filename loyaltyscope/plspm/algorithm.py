"""The PLS path modelling algorithm (Wold 1982; Lohmöller 1989) as pure array functions.

Every step is written on the indicators' correlation matrix ``S`` (indicators standardized,
as SmartPLS's "Mean 0, Var 1" and seminr's ``standardize_safely``): with construct scores
``Y = X W`` of unit variance, ``cor(Y) = W' S W``, ``cov(X, Y) = S W`` and the inner proxies
``Z = Y E`` have ``cov(X, Z) = S W E``. Working on ``S`` instead of the raw rows gives the
same numbers and lets the bootstrap run many resamples at once: every function takes a
*stack* of correlation matrices ``S[b]`` (shape ``(B, p, p)``) and returns a stack of
results. A resample that has converged is frozen, so its numbers do not depend on the
other resamples in the batch (same seed -> same numbers for any batch or worker count).

Iteration (Lohmöller's formulation, as in semPLS ``sempls`` and seminr ``simplePLS``):

1. outer proxies ``Y_j = X_j w_j`` scaled to unit variance (``w_j' S_jj w_j = 1``);
2. inner weights ``e_ij`` for adjacent constructs (``scheme``):
   ``centroid``: sign(cor(Y_i, Y_j)); ``factorial``: cor(Y_i, Y_j); ``path``: for the
   predecessors of j the multiple-regression coefficients of Y_j on them, for its
   successors cor(Y_i, Y_j);
3. inner proxies ``Z_j = sum_i e_ij Y_i``;
4. new outer weights: Mode A ``w_j ∝ cov(X_j, Z_j)`` (correlation weights), Mode B
   ``w_j ∝ S_jj^{-1} cov(X_j, Z_j)`` (regression weights); a single-item block keeps 1;
5. stop when ``sum |w_new - w_old| < tol`` (seminr's criterion, 1e-7 by default).

Path coefficients are OLS on the standardized construct scores:
``beta_j = R_PP^{-1} r_Pj`` for the predecessors P of j; ``R²_j = r_Pj' beta_j``.

Written by hand because no maintained Python library implements PLS-SEM with these
conventions in a vectorised form (the ``seminr`` PyPI package loops in Python and is the
benchmark peer). R equivalent: ``seminr::estimate_pls(data, mm, sm, inner_weights =
path_weighting)``; ``semPLS::sempls(model, data, wscheme = "pathWeighting")``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from loyaltyscope.plspm.errors import PLSError

__all__ = ["SCHEMES", "PLSCore", "pls_core", "inner_weights", "path_coefficients", "lv_correlations"]

SCHEMES = ("path", "centroid", "factorial")


@dataclass(frozen=True)
class PLSCore:
    """Result of :func:`pls_core` for a stack of B correlation matrices.

    weights : (B, p) outer weights (construct scores of unit variance);
    iterations : (B,) iterations used; converged : (B,) bool.
    """

    weights: np.ndarray
    iterations: np.ndarray
    converged: np.ndarray


def _onehot(block: np.ndarray, m: int) -> np.ndarray:
    o = np.zeros((len(block), m))
    o[np.arange(len(block)), block] = 1.0
    return o


def lv_correlations(S: np.ndarray, w: np.ndarray, block: np.ndarray, m: int) -> np.ndarray:
    """``W' S W`` for weights ``w`` (B, p) laid out on ``block``: construct covariances."""
    Wm = w[..., None] * _onehot(block, m)
    return np.swapaxes(Wm, -1, -2) @ S @ Wm


def inner_weights(R: np.ndarray, D: np.ndarray, scheme: str) -> np.ndarray:
    """Inner weights ``E`` (B, m, m); ``E[i, j]`` is the weight of ``Y_i`` in the proxy ``Z_j``.

    R : (B, m, m) construct correlations; D : (m, m) adjacency (``D[i, j] = 1`` for i -> j).
    """
    C = D + D.T
    if scheme == "centroid":
        return np.sign(R) * C
    if scheme == "factorial":
        return R * C
    if scheme != "path":
        raise PLSError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
    E = R * D.T  # successors j of i (D[i, j] = 1) enter Z_i with cor(Y_i, Y_j)
    for j in range(D.shape[0]):
        pred = np.flatnonzero(D[:, j])
        if pred.size:
            E[:, pred, j] = np.linalg.solve(R[:, pred[:, None], pred], R[:, pred, j][..., None])[..., 0]
    return E


def _normalize(S, w, block, m):
    var = np.einsum("bkk->bk", lv_correlations(S, w, block, m))
    return w / np.sqrt(var[:, block])


def pls_core(S: np.ndarray, block: np.ndarray, modes: tuple, D: np.ndarray, scheme: str = "path",
             max_iter: int = 300, tol: float = 1e-7) -> PLSCore:
    """Outer weights of a PLS path model for each correlation matrix in the stack ``S``.

    Parameters
    ----------
    S : (B, p, p) or (p, p) indicator correlation matrices (one column per block indicator).
    block : (p,) construct index of every column.
    modes : per construct "A" (correlation weights) or "B" (regression weights).
    D : (m, m) structural adjacency, ``D[i, j] = 1`` when i -> j.
    scheme : "path", "centroid" or "factorial".
    """
    S = np.asarray(S, dtype=float)
    if S.ndim == 2:
        S = S[None]
    block = np.asarray(block, dtype=int)
    m = len(modes)
    B, p = S.shape[0], S.shape[1]
    O = _onehot(block, m)
    sizes = O.sum(axis=0)
    fixed = sizes[block] == 1  # single-item blocks keep weight 1
    b_blocks = [np.flatnonzero(block == j) for j in range(m) if modes[j] == "B" and sizes[j] > 1]
    w = _normalize(S, np.ones((B, p)), block, m)
    active = np.ones(B, dtype=bool)
    iters = np.zeros(B, dtype=int)
    for it in range(1, max_iter + 1):
        idx = np.flatnonzero(active)
        Sa, wa = S[idx], w[idx]
        Wm = wa[..., None] * O
        SW = Sa @ Wm
        R = np.swapaxes(Wm, -1, -2) @ SW
        E = inner_weights(R, D, scheme)
        cov_xz = (SW @ E)[:, np.arange(p), block]  # cov(x_k, Z_block(k))
        new = cov_xz.copy()
        for cols in b_blocks:
            new[:, cols] = np.linalg.solve(Sa[:, cols[:, None], cols], cov_xz[:, cols][..., None])[..., 0]
        new[:, fixed] = 1.0
        new = _normalize(Sa, new, block, m)
        diff = np.abs(new - wa).sum(axis=1)
        w[idx] = new
        iters[idx] = it
        done = diff < tol
        active[idx[done]] = False
        if not active.any():
            break
    return PLSCore(w, iters, ~active)


def path_coefficients(R: np.ndarray, D: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """OLS path coefficients ``beta`` (B, m, m), ``beta[:, i, j]`` the effect of i on j, and
    R² (B, m) (0 for exogenous constructs), from construct correlations ``R`` (B, m, m)."""
    R = np.asarray(R, dtype=float)
    Bn, m = R.shape[0], R.shape[1]
    beta = np.zeros((Bn, m, m))
    r2 = np.zeros((Bn, m))
    for j in range(m):
        pred = np.flatnonzero(D[:, j])
        if pred.size:
            b = np.linalg.solve(R[:, pred[:, None], pred], R[:, pred, j][..., None])[..., 0]
            beta[:, pred, j] = b
            r2[:, j] = np.einsum("bk,bk->b", b, R[:, pred, j])
    return beta, r2
