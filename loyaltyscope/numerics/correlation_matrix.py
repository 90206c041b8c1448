"""Correlation matrix of a covariance matrix, shared by the SEM results (correlation residuals,
latent correlations) and the psychometrics (alpha, omega, HTMT).

R equivalent: ``stats::cov2cor``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["cov2cor"]


def cov2cor(c: np.ndarray) -> np.ndarray:
    """``D^-1/2 C D^-1/2`` with D = diag(C), the diagonal set to exactly 1 (``stats::cov2cor``)."""
    s = 1.0 / np.sqrt(np.diag(c))
    r = c * s[:, None] * s[None, :]
    np.fill_diagonal(r, 1.0)
    return r
