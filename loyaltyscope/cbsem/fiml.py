"""Full-information ML with missing data: patterns, the saturated (H1) model by EM, coverage.

Cases are grouped by their pattern of observed variables o. Per pattern (n_p cases, sample
moments ybar_p and S_p of the observed part, divided by n_p) the log-likelihood is::

    logl_p = -n_p / 2 [ |o| log 2 pi + log|Sigma_oo| + tr(Sigma_oo^-1 (S_p + d d')) ],  d = ybar_p - mu_o

so FIML is ML over blocks (patterns) with sub-matrices of the implied moments
(:mod:`loyaltyscope.cbsem.estimate`). The unrestricted H1 moments are found by the EM algorithm
(Dempster, Laird & Rubin, 1977; Little & Rubin, 2002, ch. 11): E-step conditional means and
covariances of the missing part given the observed, M-step mu = E[x], Sigma = E[x x'] - mu mu'.
The chi-square is 2 (logl_H1 - logl_H0), as lavaan's ``missing = "ml"``.

R equivalent: ``lavaan::sem(model, data, missing = "fiml")``; ``lavInspect(fit, "patterns")``,
``lavInspect(fit, "coverage")``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["missing_patterns", "em_saturated", "pattern_loglik", "coverage"]

_LOG2PI = np.log(2 * np.pi)


def missing_patterns(X: np.ndarray):
    """Group the rows of X (NaN = missing) by pattern.

    Returns a list of (observed column indices, row indices, n, S_p, ybar_p) with biased S_p.
    Rows with no observed value must be removed before.
    """
    obs = ~np.isnan(X)
    keys, inverse = np.unique(obs, axis=0, return_inverse=True)
    out = []
    for k, key in enumerate(keys):
        rows = np.flatnonzero(inverse.ravel() == k)
        o = np.flatnonzero(key)
        Xo = X[np.ix_(rows, o)]
        ybar = Xo.mean(axis=0)
        D = Xo - ybar
        out.append((o, rows, len(rows), D.T @ D / len(rows), ybar))
    # most complete pattern first (stable presentation)
    out.sort(key=lambda t: (-len(t[0]), -t[2]))
    return out


def pattern_loglik(patterns, Sigma, mu) -> float:
    """Sum over patterns of logl_p (see module docstring)."""
    total = 0.0
    for o, _rows, n, S, ybar in patterns:
        Soo = Sigma[np.ix_(o, o)]
        sign, logdet = np.linalg.slogdet(Soo)
        if sign <= 0:
            return -np.inf
        Sinv = np.linalg.inv(Soo)
        d = ybar - mu[o]
        total += -n / 2 * (len(o) * _LOG2PI + logdet + np.sum(Sinv * S) + d @ Sinv @ d)
    return float(total)


def em_saturated(X: np.ndarray, patterns=None, max_iter: int = 10000, tol: float = 1e-10):
    """EM estimates of the unrestricted mean vector and covariance matrix.

    Returns (Sigma, mu, logl, iterations, converged).
    """
    if patterns is None:
        patterns = missing_patterns(X)
    n, p = X.shape
    mu = np.nanmean(X, axis=0)
    Sigma = np.diag(np.nanvar(X, axis=0))
    old = -np.inf
    it = 0
    for it in range(1, max_iter + 1):
        T1 = np.zeros(p)
        T2 = np.zeros((p, p))
        for o, rows, n_p, S_p, ybar in patterns:
            m = np.setdiff1d(np.arange(p), o)
            # sufficient statistics of the observed part
            sum_x = n_p * ybar
            sum_xx = n_p * (S_p + np.outer(ybar, ybar))
            if len(m) == 0:
                T1 += sum_x
                T2 += sum_xx
                continue
            Soo_inv = np.linalg.inv(Sigma[np.ix_(o, o)])
            B = Sigma[np.ix_(m, o)] @ Soo_inv                   # regression of missing on observed
            C = Sigma[np.ix_(m, m)] - B @ Sigma[np.ix_(o, m)]   # residual covariance
            c0 = mu[m] - B @ mu[o]
            # E[x_m] = c0 + B x_o
            sum_m = n_p * c0 + B @ sum_x
            T1[o] += sum_x
            T1[m] += sum_m
            T2[np.ix_(o, o)] += sum_xx
            xm_xo = np.outer(c0, sum_x) + B @ sum_xx              # sum E[x_m] x_o'
            T2[np.ix_(m, o)] += xm_xo
            T2[np.ix_(o, m)] += xm_xo.T
            T2[np.ix_(m, m)] += (n_p * (C + np.outer(c0, c0)) + np.outer(c0, B @ sum_x)
                                 + np.outer(B @ sum_x, c0) + B @ sum_xx @ B.T)
        mu = T1 / n
        Sigma = T2 / n - np.outer(mu, mu)
        ll = pattern_loglik(patterns, Sigma, mu)
        if abs(ll - old) < tol * max(1.0, abs(ll)):
            return Sigma, mu, ll, it, True
        old = ll
    return Sigma, mu, old, it, False


def coverage(X: np.ndarray) -> np.ndarray:
    """Proportion of cases observing each pair of variables (lavaan's ``coverage``)."""
    O = (~np.isnan(X)).astype(float)
    return O.T @ O / X.shape[0]
