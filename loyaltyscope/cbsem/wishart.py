"""lavaan's ``likelihood = "wishart"`` for ML: the normal-theory discrepancy on the unbiased
sample covariance matrix with N - 1 in place of N.

With S_u = S N / (N - 1) (the unbiased covariance matrix) and n = N - 1, lavaan 0.6-14's
Wishart ML minimises the same F_ML(S_u, Sigma) and reports::

    chisq = n F_ML,   vcov(theta) = (n I(theta))^-1,   RMSEA etc. with n
    logl  = -N/2 (p log 2 pi + log|Sigma| + tr(S_u Sigma^-1))   (N, not n)
    AIC = -2 logl + 2 q,   BIC = -2 logl + q log N

i.e. the ML fit of (S_u, n), whose log-likelihoods are those of N rows: they are multiplied by
N / n. This is what the module does (one group, no fixed.x covariates: there lavaan's
log-likelihood is taken per group and conditional on the covariates, which this rescaling does
not cover; those combinations are refused in :mod:`loyaltyscope.cbsem.options`).

R equivalent: ``sem(model, data, likelihood = "wishart")``.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from loyaltyscope.cbsem.samplestats import SampleStats

__all__ = ["wishart_stats", "wishart_result"]


def wishart_stats(ss: SampleStats) -> SampleStats:
    """The sample statistics the Wishart likelihood is fitted on: S_u and n = N - 1."""
    return dataclasses.replace(ss, nobs=tuple(n - 1 for n in ss.nobs),
                               cov=tuple(S * n / (n - 1) for S, n in zip(ss.cov, ss.nobs)))


def wishart_result(result, ss: SampleStats):
    """The result of the ML fit of :func:`wishart_stats`, with the rows' count and the
    log-likelihood, AIC, BIC of the N rows (see the module docstring)."""
    N = ss.ntotal
    k = N / (N - 1)
    fitted_measures = result._lazy["fit_measures"]

    def measures():
        m = dict(fitted_measures())
        for key in ("logl", "unrestricted.logl"):
            m[key] *= k
        q = m["npar"]
        m.update(aic=-2 * m["logl"] + 2 * q, bic=-2 * m["logl"] + np.log(N) * q,
                 bic2=-2 * m["logl"] + np.log((N + 2) / 24) * q, ntotal=float(N))
        return m

    return dataclasses.replace(result, nobs=tuple(int(n) for n in ss.nobs),
                               _lazy={**result._lazy, "fit_measures": measures})
