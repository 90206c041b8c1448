"""Consistent PLS (PLSc; Dijkstra & Henseler 2015) for reflective (Mode A) blocks.

PLS composites of reflective blocks carry measurement error, so their correlations
understate the constructs' correlations. PLSc corrects them with the reliability
``rho_A`` (see :func:`loyaltyscope.plspm.quality.rho_a`):

- construct correlations ``R_c[i, j] = R[i, j] / sqrt(q_i q_j)`` with ``q = rho_A`` for
  multi-item Mode A blocks and 1 otherwise (Mode B blocks, single items);
- consistent loadings ``λ_j = w_j · sqrt(rho_A_j) / (w_j' w_j)`` (Dijkstra & Henseler 2015,
  eq. 12, ``ĉ ŵ``);
- path coefficients and R² are then OLS on ``R_c``.

R equivalent: ``seminr::estimate_pls`` with ``reflective()`` constructs (it applies PLSc to
them); ``cSEM::csem(..., .disattenuate = TRUE)``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["disattenuate", "consistent_loadings"]


def disattenuate(R: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``R_c = R / sqrt(q q')`` with unit diagonal, for stacks R (B, m, m) and q (B, m)."""
    s = np.sqrt(q)
    Rc = R / (s[:, :, None] * s[:, None, :])
    idx = np.arange(R.shape[-1])
    Rc[:, idx, idx] = 1.0
    return Rc


def consistent_loadings(w: np.ndarray, block: np.ndarray, q: np.ndarray, reflective: np.ndarray) -> np.ndarray:
    """Consistent loadings (B, p) for the columns of reflective blocks; ``w`` elsewhere
    is replaced by the caller's PLS loadings (this returns NaN there)."""
    out = np.full_like(w, np.nan)
    for j in np.flatnonzero(reflective):
        c = np.flatnonzero(block == j)
        wj = w[:, c]
        out[:, c] = wj * (np.sqrt(q[:, j]) / np.einsum("bi,bi->b", wj, wj))[:, None]
    return out
