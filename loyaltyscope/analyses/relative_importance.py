"""Numeric cores of key-driver analysis: R² of every subset of drivers, the Shapley / LMG
decomposition of R², Johnson's relative weights, weighted correlation matrices of bootstrap
resamples. Pure functions over arrays; every function takes a stack of ``B`` correlation
matrices (shape ``(B, q, q)``, the outcome last) so that a bootstrap is one call.

Why by hand: the decompositions are a few lines of linear algebra, but the bootstrap needs
R² of all 2^p subsets for each of 1,000 resamples; no Python library computes that fast
(R's relaimpo ``calc.relimp(type = "lmg")`` is the reference definition we test against).

- Subset R²: with the correlation matrix of (x_S, y), ``R²(S) = r_Sy' R_SS⁻¹ r_Sy``, here by
  Beaton's sweep operator along a depth-first enumeration of subsets (each subset is its
  parent with one more driver, swept in O(q²)), vectorised over the B matrices.
- Shapley / LMG (Lindeman, Merenda & Gold 1980; Grömping 2006):
  ``φ_j = Σ_{S ⊆ P∖{j}} |S|! (p − |S| − 1)! / p! · [R²(S ∪ {j}) − R²(S)]``; the φ_j sum to R².
  Exact over all subsets up to ``EXACT_MAX`` drivers; beyond, the average over ``n_perm``
  random orderings of the drivers (Monte Carlo; stated in the result).
- Relative weights (Johnson 2000): ``R_xx = Q Λ Q'``, ``Λ_½ = Q Λ^{1/2} Q'``,
  ``β* = Λ_½⁻¹ r_xy``, ``ε_j = Σ_k (Λ_½)_{jk}² β*_k²``; the ε_j sum to R².
"""

from __future__ import annotations

from math import factorial

import numpy as np

__all__ = ["EXACT_MAX", "weighted_correlations", "subset_r2", "shapley_from_subsets", "shapley_sampled",
           "relative_weights", "standardized_betas", "bootstrap_counts"]

EXACT_MAX = 15


def weighted_correlations(X: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Correlation matrices of ``X`` (n × q) under each row of weights ``W`` (B × n).

    Frequency weights (bootstrap counts times survey weights); the divisor cancels in a
    correlation. Returns (B, q, q).
    """
    X = np.asarray(X, dtype=float)
    W = np.atleast_2d(np.asarray(W, dtype=float))
    q = X.shape[1]
    tot = W.sum(axis=1)
    mean = (W @ X) / tot[:, None]
    if len(X) * q * q <= 20_000_000:     # all products at once: fast for survey-sized data
        XX = (X[:, :, None] * X[:, None, :]).reshape(len(X), q * q)
        M2 = ((W @ XX) / tot[:, None]).reshape(-1, q, q)
    else:                                # many rows x many drivers: one weighted cross-product at a time
        M2 = np.stack([(X * (w / t)[:, None]).T @ X for w, t in zip(W, tot)])
    C = M2 - mean[:, :, None] * mean[:, None, :]
    d = np.sqrt(np.einsum("bii->bi", C))
    with np.errstate(divide="ignore", invalid="ignore"):   # a constant column in a resample: NaN, left out
        return C / d[:, :, None] / d[:, None, :]


def subset_r2(R: np.ndarray) -> np.ndarray:
    """R² of the outcome (last variable) on every subset of the drivers.

    ``R``: (B, q, q) correlation matrices, drivers first, outcome last (p = q − 1).
    Returns (B, 2^p): column ``m`` is the R² for the drivers whose bits are set in ``m``.
    """
    R = np.asarray(R, dtype=float)
    B, q, _ = R.shape
    p = q - 1
    out = np.zeros((1 << p, B))
    # stack entries: (mask, A over [candidate drivers..., outcome] laid out (q, q, B) so that each
    # element operation runs over the B matrices contiguously, candidate driver ids); the
    # candidates after a pivot are the trailing block of A, so every step is a slice.
    stack = [(0, np.ascontiguousarray(R.transpose(1, 2, 0)), list(range(p)))]
    while stack:
        mask, A, cand = stack.pop()
        k = len(cand)
        diag = A[np.arange(k), np.arange(k)]
        masks = [mask | (1 << j) for j in cand]
        out[masks] = 1.0 - (A[-1, -1] - A[:k, -1] ** 2 / diag)     # R² after sweeping each candidate
        for pos in range(k - 1):
            col = A[pos + 1:, pos] / np.sqrt(diag[pos])
            stack.append((masks[pos], A[pos + 1:, pos + 1:] - col[:, None] * col[None, :], cand[pos + 1:]))
    return out.T


def _shapley_weights(p: int) -> np.ndarray:
    return np.array([factorial(s) * factorial(p - s - 1) / factorial(p) for s in range(p)])


def shapley_from_subsets(r2: np.ndarray, p: int) -> np.ndarray:
    """Shapley values (B, p) from the subset R² table (B, 2^p) of :func:`subset_r2`.

    Written as one product ``r2 @ M``: ``M[m, j] = w(|m| − 1)`` when driver j is in subset m
    and ``−w(|m|)`` when it is not (``w(s) = s! (p − s − 1)! / p!``; w(p) = 0)."""
    r2 = np.atleast_2d(r2)
    masks = np.arange(1 << p)
    size = np.array([bin(m).count("1") for m in masks])
    w = np.append(_shapley_weights(p), 0.0)
    has = ((masks[:, None] >> np.arange(p)[None, :]) & 1).astype(bool)
    M = np.where(has, w[np.maximum(size - 1, 0)][:, None], -w[size][:, None])
    return r2 @ M


def shapley_sampled(R: np.ndarray, n_perm: int, rng: np.random.Generator) -> np.ndarray:
    """Monte Carlo Shapley values (one correlation matrix ``R``, q × q, outcome last): the mean
    increment in R² of each driver over ``n_perm`` random orderings."""
    q = R.shape[0]
    p = q - 1
    perms = np.array([rng.permutation(p) for _ in range(n_perm)])
    A = np.broadcast_to(R, (n_perm, q, q)).copy()
    idx = np.arange(n_perm)
    prev = np.zeros(n_perm)
    acc = np.zeros((n_perm, p))
    for t in range(p):
        piv = perms[:, t]
        col = A[idx, :, piv]
        a = A[idx, piv, piv]
        A = A - col[:, :, None] * col[:, None, :] / a[:, None, None]
        A[idx, piv, :] = 0.0
        A[idx, :, piv] = 0.0
        r2 = 1.0 - A[:, -1, -1]
        acc[idx, piv] = r2 - prev
        prev = r2
    return acc.mean(axis=0)


def relative_weights(R: np.ndarray) -> np.ndarray:
    """Johnson's (2000) raw relative weights (B, p) from (B, q, q) correlation matrices."""
    R = R[None] if R.ndim == 2 else R
    Rxx, rxy = R[:, :-1, :-1], R[:, :-1, -1]
    ev, Q = np.linalg.eigh(Rxx)
    half = (Q * np.sqrt(np.clip(ev, 0, None))[:, None, :]) @ np.swapaxes(Q, 1, 2)
    beta_star = np.linalg.solve(half, rxy[:, :, None])[:, :, 0]
    return np.einsum("bjk,bk->bj", half ** 2, beta_star ** 2)


def standardized_betas(R: np.ndarray) -> np.ndarray:
    """Standardized regression coefficients ``R_xx⁻¹ r_xy`` (B, p)."""
    return np.linalg.solve(R[:, :-1, :-1], R[:, :-1, -1:])[:, :, 0]


def bootstrap_counts(n: int, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """How often each row is drawn in each of ``n_boot`` resamples with replacement (B × n)."""
    draws = rng.integers(0, n, size=(n_boot, n))
    counts = np.zeros((n_boot, n))
    np.add.at(counts, (np.repeat(np.arange(n_boot), n), draws.ravel()), 1.0)
    return counts
