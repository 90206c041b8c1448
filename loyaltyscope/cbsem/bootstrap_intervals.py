"""Bootstrap confidence intervals: percentile (normal-scale interpolation between order
statistics, ``boot:::norm.inter``), BCa with jackknife acceleration, and the helpers
(Efron & Tibshirani, 1993, ch. 13-14; Davison & Hinkley, 1997, ch. 5).

R equivalent: ``boot::boot.ci``; lavaan's ``parameterEstimates(boot.ci.type = ...)``.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["norm_inter", "percentile_interval", "bca_interval", "jackknife_acceleration"]

def norm_inter(t: np.ndarray, alpha) -> np.ndarray:
    """Quantiles of t at probabilities ``alpha``, interpolated on the normal scale between the
    order statistics (Davison & Hinkley, 1997, ch. 5; R: ``boot:::norm.inter``, used by
    lavaan). Non-finite values of t are dropped."""
    t = np.sort(np.asarray(t, float)[np.isfinite(t)])
    alpha = np.atleast_1d(np.asarray(alpha, float))
    R = len(t)
    out = np.full(alpha.shape, np.nan)
    if R == 0:
        return out
    rk = (R + 1) * alpha
    for i, (a, r) in enumerate(zip(alpha, rk)):
        if not np.isfinite(r):
            continue
        k = int(np.trunc(r))
        if k <= 0:
            out[i] = t[0]
        elif k >= R:
            out[i] = t[-1]
        elif k == r:
            out[i] = t[k - 1]
        else:
            z1, z2, z3 = stats.norm.ppf([a, k / (R + 1), (k + 1) / (R + 1)])
            out[i] = t[k - 1] + (z1 - z2) / (z3 - z2) * (t[k] - t[k - 1])
    return out


def percentile_interval(t: np.ndarray, level: float = 0.95) -> np.ndarray:
    """Percentile interval (lower, upper) of bootstrap values t (lavaan ``boot.ci.type = "perc"``)."""
    return norm_inter(t, [(1 - level) / 2, (1 + level) / 2])


def bca_interval(t: np.ndarray, t0: float, level: float = 0.95, acceleration: float = 0.0) -> np.ndarray:
    """Bias-corrected and accelerated interval (Efron & Tibshirani, 1993, ch. 14); with
    ``acceleration = 0`` the bias-corrected interval (lavaan ``boot.ci.type = "bca.simple"``)."""
    t = np.asarray(t, float)
    t = t[np.isfinite(t)]
    if len(t) < 2 or np.var(t) == 0:
        return np.array([t0, t0], float)
    z0 = stats.norm.ppf(np.mean(t < t0))
    za = stats.norm.ppf([(1 - level) / 2, (1 + level) / 2])
    with np.errstate(divide="ignore", invalid="ignore"):
        adj = stats.norm.cdf(z0 + (z0 + za) / (1 - acceleration * (z0 + za)))
    return norm_inter(t, adj)


def jackknife_acceleration(jack: np.ndarray) -> np.ndarray:
    """a = sum L^3 / (6 (sum L^2)^1.5), L_i = mean(theta_(.)) - theta_(i), per column of the
    leave-one-out estimates ``jack`` (n, k) (rows with NaN are dropped per column)."""
    jack = np.asarray(jack, float)
    out = np.zeros(jack.shape[1])
    for j in range(jack.shape[1]):
        x = jack[:, j]
        x = x[np.isfinite(x)]
        L = x.mean() - x if len(x) else x
        den = 6 * np.sum(L ** 2) ** 1.5
        out[j] = np.sum(L ** 3) / den if den > 0 else 0.0
    return out
