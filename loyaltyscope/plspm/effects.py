"""Direct, indirect and total effects of a recursive path model.

With ``B[i, j]`` the path coefficient of i on j, the total effects are
``T = (I - B)^{-1} - I = B + B² + ...`` (the series ends because the model is recursive),
the indirect effects ``T - B`` (Alwin & Hauser 1975; SmartPLS "Total Effects").

R equivalent: ``summary(seminr::estimate_pls(...))$total_effects`` /
``$total_indirect_effects``; ``semPLS::totalEffects``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["total_effects"]


def total_effects(beta: np.ndarray) -> np.ndarray:
    """Total effects ``(I - B)^{-1} - I`` for a stack of path matrices (B, m, m) or one (m, m)."""
    beta = np.asarray(beta, dtype=float)
    eye = np.eye(beta.shape[-1])
    return np.linalg.inv(eye - beta) - eye
