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

__all__ = ["cfi", "tli", "rmsea", "rmsea_ci", "rmsea_pvalue", "srmr_bentler", "loglik", "chisq_pvalue", "nfi", "rfi",
           "pnfi", "ifi", "rni", "mfi", "ecvi", "hoelter_cn", "gfi_ml", "agfi", "pgfi", "residual_rms"]


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


# --------------------------------------------------------------------------- more of lav_fit_*.R
def nfi(chisq, df, base_chisq, base_df) -> float:
    """Normed fit index (X2_0 - X2) / X2_0 (Bentler & Bonett, 1980); NA when df > df_0 or
    X2_0 = 0, 1 when df = 0 (lavaan's ``lav_fit_nfi``)."""
    if df > base_df or abs(base_chisq) <= 1e-8:
        return np.nan
    return float((base_chisq - chisq) / base_chisq) if df > 0 else 1.0


def rfi(chisq, df, base_chisq, base_df) -> float:
    """Relative fit index (X2_0/df_0 - X2/df) / (X2_0/df_0), 1 when negative (Bollen, 1986;
    ``lav_fit_rfi``)."""
    if df > base_df:
        return np.nan
    if not (df > 0 and base_df > 0):
        return 1.0
    t1, t2 = base_chisq / base_df - chisq / df, base_chisq / base_df
    return 1.0 if (t1 < 0 or t2 < 0) else float(t1 / t2)


def pnfi(chisq, df, base_chisq, base_df) -> float:
    """Parsimony normed fit index (df / df_0) NFI without its bounds (James, Mulaik & Brett,
    1982; ``lav_fit_pnfi``)."""
    if not (base_df > 0 and base_chisq > 0):
        return np.nan
    return float(df / base_df * (base_chisq - chisq) / base_chisq)


def ifi(chisq, df, base_chisq, base_df) -> float:
    """Incremental fit index (X2_0 - X2) / (X2_0 - df), 1 when the denominator is negative
    (Bollen, 1989; ``lav_fit_ifi``)."""
    t1, t2 = base_chisq - chisq, base_chisq - df
    if t2 < 0:
        return 1.0
    return np.nan if abs(t2) <= 1e-8 else float(t1 / t2)


def rni(chisq, df, base_chisq, base_df, c_hat=1.0, c_hat_null=1.0) -> float:
    """Relative noncentrality index 1 - (X2 - c df) / (X2_0 - c_0 df_0): the CFI without its
    bounds (McDonald & Marsh, 1990; ``lav_fit_rni``; c = c_0 = 1 unless both differ from 1)."""
    if not (df > 0 and c_hat != 1 and c_hat_null != 1):
        c_hat = c_hat_null = 1.0
    t1, t2 = chisq - c_hat * df, base_chisq - c_hat_null * base_df
    return np.nan if abs(t2) <= 1e-8 else float(1 - t1 / t2)


def mfi(chisq, df, n) -> float:
    """McDonald's fit index exp(-(X2 - df) / (2 N)) (``lav_fit_mfi``)."""
    return float(np.exp(-0.5 * (chisq - df) / n))


def ecvi(chisq, npar, n) -> float:
    """Expected cross-validation index X2 / N + 2 npar / N (Browne & Cudeck, 1989; ``lav_fit_ecvi``)."""
    return float(chisq / n + 2 * npar / n)


def hoelter_cn(chisq, df, n, alpha) -> float:
    """Hoelter's critical N, qchisq(1 - alpha, df) / (X2 / N) + 1 (``lav_fit_cn``)."""
    if df == 0 and chisq < np.finfo(float).eps:
        return np.nan
    return float(special.chdtri(df, alpha) / (chisq / n) + 1) if df > 0 else 1.0     # qchisq(p, 0) = 0


def gfi_ml(covs, sigmas, nobs, x_idx=()) -> float:
    """Goodness-of-fit index of the covariance structure with lavaan's weight for ML (the
    expected h1 information at the model-implied Sigma, W = D'(Sigma^-1 x Sigma^-1)D / 2 on
    vech): per group 1 - e'We / s'Ws with e = vech(S - Sigma), s = vech(S), groups weighted by
    N_g / N (Joreskog & Sorbom, 1984; ``lav_fit_gfi``). With fixed exogenous covariates
    (``x_idx``) the rows and columns of W of their own moments are zero (lavaan's
    ``lav_mvnorm_information_expected(x.idx = )``)."""
    out = []
    for S, Sig in zip(covs, sigmas):
        p = S.shape[0]
        Si = np.linalg.inv(Sig)
        r, c = np.tril_indices(p)
        # W[(i,j),(k,l)] for vech elements: 0.5 (dup) * (Si_ik Si_jl + Si_il Si_jk)
        W = 0.5 * (Si[np.ix_(r, r)] * Si[np.ix_(c, c)] + Si[np.ix_(r, c)] * Si[np.ix_(c, r)])
        mult = np.where(r == c, 1.0, 2.0)
        W = W * np.outer(mult, mult) / 2
        if len(x_idx):
            xs = np.isin(r, x_idx) & np.isin(c, x_idx)
            W[xs, :] = 0.0
            W[:, xs] = 0.0
        e, s = (S - Sig)[r, c], S[r, c]
        out.append(1 - (e @ W @ e) / (s @ W @ s))
    w = np.asarray(nobs, float)
    return float(w @ np.asarray(out) / w.sum())


def agfi(gfi, nel, df) -> float:
    """AGFI = 1 - (nel / df)(1 - GFI), nel the number of sample moments (``lav_fit_agfi``)."""
    if not (np.isfinite(gfi) and np.isfinite(nel) and np.isfinite(df)):
        return np.nan
    return float(1 - nel / df * (1 - gfi)) if df > 0 else 1.0


def pgfi(gfi, nel, df) -> float:
    """PGFI = (df / nel) GFI (``lav_fit_pgfi``)."""
    if not (np.isfinite(gfi) and np.isfinite(nel) and np.isfinite(df)) or nel == 0:
        return np.nan
    return float(df / nel * gfi)


def residual_rms(covs, sigmas, nobs) -> dict:
    """Root mean square residuals of the covariance part, groups weighted by N_g / N
    (lavaan's ``lav_residuals_summary``, ``unbiased = FALSE``): ``rmr_nomean`` of S - Sigma,
    ``srmr_bentler_nomean`` of (S - Sigma) / (sd_i sd_j) with the observed sds, both over the
    p(p+1)/2 non-duplicated elements; ``crmr_nomean`` of cor(S) - cor(Sigma) over the
    p(p-1)/2 off-diagonal ones (Bollen, 1989); ``srmr_mplus_nomean`` of the correlation
    residuals and the relative variance residuals (s_ii - sigma_ii) / s_ii over p(p+1)/2
    (lavaan's ``lav_fit_srmr_mplus``)."""
    n = np.asarray(nobs, float)
    parts = {"rmr_nomean": [], "srmr_bentler_nomean": [], "crmr_nomean": [], "srmr_mplus_nomean": []}
    for S, Sig in zip(covs, sigmas):
        # sums over the symmetric matrices: lower triangle with diagonal = (total + trace) / 2,
        # strictly lower = (total - trace) / 2
        p = S.shape[0]
        n_low, n_strict = p * (p + 1) / 2, p * (p - 1) / 2
        d, dh = np.diag(S), np.diag(Sig)
        inv, invh = 1 / np.sqrt(d), 1 / np.sqrt(dh)
        R2 = (S - Sig) ** 2
        Z2 = R2 * np.outer(inv * inv, inv * inv)
        C2 = (S * np.outer(inv, inv) - Sig * np.outer(invh, invh)) ** 2
        off = (C2.sum() - np.trace(C2)) / 2
        parts["rmr_nomean"].append(np.sqrt((R2.sum() + np.trace(R2)) / 2 / n_low))
        parts["srmr_bentler_nomean"].append(np.sqrt((Z2.sum() + np.trace(Z2)) / 2 / n_low))
        parts["crmr_nomean"].append(np.sqrt(off / n_strict) if n_strict else np.nan)
        rel_var = (d - dh) / d
        parts["srmr_mplus_nomean"].append(np.sqrt((off + rel_var @ rel_var) / n_low))
    return {k: float(n @ np.asarray(v) / n.sum()) for k, v in parts.items()}
