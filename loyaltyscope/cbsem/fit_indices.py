"""Fit measures: pure formulas, numbers in and number out (lavaan's ``lav_fit_*.R``).

Names are lavaan's ``fitMeasures`` names. N is the total sample size, G the number of
groups, X2 the model chi-square (N F_ML), X2_0 / df_0 those of the baseline
(independence) model.

- CFI  = 1 - max(X2 - df, 0) / max(X2 - df, X2_0 - df_0, 0)      (Bentler, 1990)
- TLI  = (X2_0/df_0 - X2/df) / (X2_0/df_0 - 1)                    (Tucker & Lewis, 1973)
- RMSEA = sqrt(max(X2/N/df - 1/N, 0)) * sqrt(G)                   (Steiger, 1990), its 90 % CI
  from the non-central chi-square (lambda with P(X2; df, lambda) = .95 / .05), and the
  p-value of close fit H0: RMSEA <= .05.
- SRMR (Bentler): per group, residuals of S - Sigma (and ybar - mu with a mean structure)
  scaled by the observed standard deviations, root mean square over the p(p+1)/2 (+ p)
  moments; groups weighted by N_g / N.
- logl = -N/2 (p log 2 pi + log|Sigma| + tr(S Sigma^-1) + (ybar - mu)' Sigma^-1 (ybar - mu)),
  AIC = -2 logl + 2 npar, BIC = -2 logl + log(N) npar, BIC2 with (N + 2) / 24.

R equivalent: ``lavaan::fitMeasures(fit)``.
"""

from __future__ import annotations

import numpy as np
from scipy import special

__all__ = ["cfi", "tli", "rmsea", "rmsea_ci", "rmsea_pvalue", "srmr_bentler", "loglik", "chisq_pvalue"]


def chisq_pvalue(chisq: float, df: float) -> float:
    if df <= 0:
        return np.nan
    return float(special.chdtrc(df, chisq))          # = stats.chi2.sf, without its argument handling


def cfi(chisq, df, base_chisq, base_df, c_hat=1.0, c_hat_null=1.0) -> float:
    """CFI; with scaling factors c_hat (model) and c_hat_null (baseline) the robust CFI
    of Brosseau-Liard & Savalei (2014): the non-centralities become X2 - c_hat * df."""
    if not (np.isfinite(c_hat) and np.isfinite(c_hat_null)):
        return np.nan
    if df > 0 and c_hat != 1 and c_hat_null != 1:
        df, base_df = c_hat * df, c_hat_null * base_df
    t1 = max(chisq - df, 0.0)
    t2 = max(chisq - df, base_chisq - base_df, 0.0)
    if t1 == 0 and t2 == 0:
        return 1.0
    return float(1.0 - t1 / t2)


def tli(chisq, df, base_chisq, base_df, c_hat=1.0, c_hat_null=1.0) -> float:
    """TLI = 1 - (X2 - c df) df_0 / ((X2_0 - c_0 df_0) df); c = c_0 = 1 gives the usual TLI."""
    if not (np.isfinite(c_hat) and np.isfinite(c_hat_null)):
        return np.nan
    if df <= 0 or base_df <= 0:
        return 1.0 if df == 0 else np.nan
    if not (c_hat != 1 and c_hat_null != 1):
        c_hat = c_hat_null = 1.0
    t1 = (chisq - c_hat * df) * base_df
    t2 = (base_chisq - c_hat_null * base_df) * df
    return float(1 - t1 / t2) if t2 != 0 else np.nan


def rmsea(chisq, df, n, ngroups=1, c_hat=1.0) -> float:
    """RMSEA; with the scaling factor c_hat of a robust test, the robust RMSEA
    sqrt(max(X2 / N / df - c_hat / N, 0)) * sqrt(G) (Brosseau-Liard, Savalei & Li, 2012)."""
    if df <= 0:
        return 0.0 if df == 0 else np.nan
    return float(np.sqrt(max(chisq / n / df - c_hat / n, 0.0)) * np.sqrt(ngroups))


def _ncp_for(chisq, df, prob):
    """lambda such that P(X <= chisq; df, lambda) = prob (0 if even lambda = 0 is below prob)."""
    if special.chdtr(df, chisq) < prob:
        return 0.0
    return float(special.chndtrinc(chisq, df, prob))


def rmsea_ci(chisq, df, n, ngroups=1, level=0.90, c_hat=1.0) -> tuple[float, float]:
    """Confidence limits of the RMSEA from the noncentral chi-square (lavaan's
    ``lav_fit_rmsea_ci``): lambda_l, lambda_u with P(X <= X2; df, lambda) = 1 - a, a
    (a = (1 - level) / 2), limit = sqrt(c_hat lambda / (N df)) sqrt(G). As lavaan, a limit is 0
    when df < 1, when even lambda = 0 leaves X2 inside the tail, or (upper) when the root lies
    beyond max(N, 4 X2); ``df`` need not be a whole number (lavaan's scaled RMSEA of MLR/MLM
    uses df = tr(UGamma))."""
    if not (np.isfinite(chisq) and np.isfinite(df) and np.isfinite(n)):
        return (np.nan, np.nan)
    if df < 1:
        return (0.0, 0.0)
    a = (1 - level) / 2
    scale = np.sqrt(ngroups * c_hat / (n * df))
    lo = 0.0
    if special.chdtr(df, chisq) >= 1 - a:
        lo = float(np.sqrt(special.chndtrinc(chisq, df, 1 - a)) * scale)
    hi = 0.0
    n_rmsea = max(n, 4 * chisq)
    if special.chdtr(df, chisq) >= a and special.chndtr(chisq, df, n_rmsea) <= a:
        hi = float(np.sqrt(special.chndtrinc(chisq, df, a)) * scale)
    return (lo, hi)


def rmsea_pvalue(chisq, df, n, ngroups=1, h0=0.05, c_hat=1.0) -> float:
    """P-value of close fit, 1 - P(X <= X2; df, N df h0^2 / (c_hat G)) (lavaan's
    ``lav_fit_rmsea_closefit``)."""
    if not (df > 0 and np.isfinite(chisq)):
        return np.nan
    ncp = n * df * h0 ** 2 / (ngroups * c_hat)
    return float(1.0 - special.chndtr(chisq, df, ncp))     # lavaan: 1 - pchisq(X2, df, ncp)


def srmr_bentler(covs, means, sigmas, mus, nobs, meanstructure: bool) -> float:
    total = 0.0
    n = float(sum(nobs))
    for S, ybar, Sig, mu, ng in zip(covs, means, sigmas, mus, nobs):
        sd = np.sqrt(np.diag(S))
        R = (S - Sig) / np.outer(sd, sd)
        iu = np.tril_indices_from(R)
        ss = np.sum(R[iu] ** 2)
        k = len(iu[0])
        if meanstructure:
            ss += np.sum(((ybar - mu) / sd) ** 2)
            k += len(sd)
        total += ng / n * np.sqrt(ss / k)
    return float(total)


def loglik(S, ybar, Sigma, mu, n, meanstructure=True) -> float:
    p = S.shape[0]
    sign, logdet = np.linalg.slogdet(Sigma)
    Sinv = np.linalg.inv(Sigma)
    q = np.trace(S @ Sinv)
    if meanstructure:
        d = ybar - mu
        q += d @ Sinv @ d
    return float(-n / 2 * (p * np.log(2 * np.pi) + logdet + q))
