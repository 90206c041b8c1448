"""The fit-measure catalogue shared by every estimator: the model test, the baseline test and
the indices computed from them, under lavaan's ``fitMeasures`` names.

An estimator plug-in supplies the numbers that are its own (chi-square and baseline
chi-square with their degrees of freedom; for a robust test the scaled statistics and scaling
factors; the N its RMSEA uses: N for ML, N - G for (D)WLS as lavaan's
``lav_utils_get_ntotal``); the formulas are :mod:`loyaltyscope.cbsem.fit_indices`.

- ``test_measures``: ``npar, chisq, df, pvalue, baseline.chisq, baseline.df,
  baseline.pvalue, cfi, tli, rmsea, rmsea.ci.lower, rmsea.ci.upper, rmsea.pvalue``;
- ``scaled_measures``: the same for the scaled statistics (``*.scaled``) plus
  ``chisq.scaling.factor`` and ``baseline.chisq.scaling.factor``.

- ``other_measures``: what lavaan's ``fitMeasures(fit)`` adds from those numbers and the
  covariance matrices: ``nnfi, rfi, nfi, pnfi, ifi, rni`` (and ``*.scaled``, ``nnfi.robust``,
  ``rni.robust``), ``mfi, ecvi, cn_05, cn_01``, the covariance-part residual summaries
  ``rmr_nomean, srmr_bentler_nomean, crmr_nomean, srmr_mplus_nomean``, ``srmr_bentler`` (= ``srmr``)
  and, without a mean structure, ``rmr``, ``crmr`` and ``srmr_mplus`` (equal to the ``_nomean`` ones), ``gfi, agfi, pgfi`` without a mean structure.

R equivalent: ``lavaan::fitMeasures(fit)`` (``lav_fit_measures``).
"""

from __future__ import annotations

import numpy as np

from loyaltyscope.cbsem import fit_indices as fi

__all__ = ["test_measures", "scaled_measures", "robust_rmsea_interval", "other_measures"]


def test_measures(chisq, df, bchisq, bdf, npar, n_rmsea, ngroups) -> dict:
    """The standard test of the user and baseline models and the indices built on them."""
    lo, hi = fi.rmsea_ci(chisq, df, n_rmsea, ngroups)
    return {"npar": float(npar), "chisq": chisq, "df": float(df), "pvalue": fi.chisq_pvalue(chisq, df),
            "baseline.chisq": bchisq, "baseline.df": float(bdf), "baseline.pvalue": fi.chisq_pvalue(bchisq, bdf),
            "cfi": fi.cfi(chisq, df, bchisq, bdf), "tli": fi.tli(chisq, df, bchisq, bdf),
            "rmsea": fi.rmsea(chisq, df, n_rmsea, ngroups), "rmsea.ci.lower": lo, "rmsea.ci.upper": hi,
            "rmsea.pvalue": fi.rmsea_pvalue(chisq, df, n_rmsea, ngroups)}


def scaled_measures(xs, c, bxs, bc, df, bdf, n_rmsea, ngroups, shifted: bool = False) -> dict:
    """The scaled test (statistic ``xs``, scaling factor ``c``; baseline ``bxs``, ``bc``) and
    the indices computed from the scaled statistics (lavaan's ``*.scaled``).

    The scaled RMSEA's interval and close-fit p-value follow lavaan 0.6-14: for a mean-scaled
    test (Satorra-Bentler, Yuan-Bentler) they are those of the unscaled X2 = c xs on
    df = tr(UGamma) = c df; for the scaled-and-shifted test (``shifted``) those of xs on df."""
    x2, d2 = (xs, df) if shifted else (xs * c, df * c)
    lo, hi = fi.rmsea_ci(x2, d2, n_rmsea, ngroups)
    pv = fi.rmsea_pvalue(x2, d2, n_rmsea, ngroups)
    return {"chisq.scaled": xs, "df.scaled": float(df), "pvalue.scaled": fi.chisq_pvalue(xs, df),
            "chisq.scaling.factor": c,
            "baseline.chisq.scaled": bxs, "baseline.df.scaled": float(bdf),
            "baseline.pvalue.scaled": fi.chisq_pvalue(bxs, bdf), "baseline.chisq.scaling.factor": bc,
            "cfi.scaled": fi.cfi(xs, df, bxs, bdf), "tli.scaled": fi.tli(xs, df, bxs, bdf),
            "rmsea.scaled": fi.rmsea(xs, df, n_rmsea, ngroups), "rmsea.ci.lower.scaled": lo,
            "rmsea.ci.upper.scaled": hi, "rmsea.pvalue.scaled": pv}


def robust_rmsea_interval(x2_scaled, df, n_rmsea, ngroups, c_hat) -> dict:
    """The robust RMSEA's confidence limits and close-fit p-value (Brosseau-Liard, Savalei & Li
    2012; lavaan's ``lav_fit_rmsea_ci`` / ``lav_fit_rmsea_closefit`` with ``X2 = XX3.scaled`` and
    ``c.hat``): the noncentrality bounds of the scaled statistic on df, rescaled by c_hat.
    R: ``fitMeasures(fit, c("rmsea.ci.lower.robust", "rmsea.ci.upper.robust", "rmsea.pvalue.robust"))``."""
    lo, hi = fi.rmsea_ci(x2_scaled, df, n_rmsea, ngroups, c_hat=c_hat)
    return {"rmsea.ci.lower.robust": lo, "rmsea.ci.upper.robust": hi,
            "rmsea.pvalue.robust": fi.rmsea_pvalue(x2_scaled, df, n_rmsea, ngroups, c_hat=c_hat)}


def _incremental(fm, suffix=""):
    x2, d, b, bd = (fm.get(k + suffix) for k in ("chisq", "df", "baseline.chisq", "baseline.df"))
    if any(v is None for v in (x2, d, b, bd)):
        return {}
    return {"nnfi" + suffix: fi.tli(x2, d, b, bd), "rfi" + suffix: fi.rfi(x2, d, b, bd),
            "nfi" + suffix: fi.nfi(x2, d, b, bd), "pnfi" + suffix: fi.pnfi(x2, d, b, bd),
            "ifi" + suffix: fi.ifi(x2, d, b, bd), "rni" + suffix: fi.rni(x2, d, b, bd)}


def other_measures(fm, covs, sigmas, nobs, *, meanstructure: bool, categorical: bool, ml: bool,
                   plain_robust: bool, x_idx=(), n_wls_obs=None) -> dict:
    """The remaining ``fitMeasures`` names computed from the reported ones (``fm``: chisq, df,
    baseline.*, npar, their ``.scaled`` versions, the scaling factors) and the per-group sample
    and implied covariance matrices. ``ml``: N is the total sample size (else N - G, as lavaan's
    ``lav_utils_get_ntotal``); ``plain_robust``: a Satorra-Bentler / Yuan-Bentler test on
    complete data, whose ``rni.robust`` uses X2 and the two scaling factors (with FIML or ordinal
    data lavaan's robust X2 is another statistic, not reported here); ``x_idx``: the fixed
    exogenous covariates (their moments carry no weight in the GFI); ``n_wls_obs``: for ordinal
    data, the number of sample statistics of the first group (thresholds and polychoric
    correlations), giving lavaan's WRMR = sqrt(X2 / n) (``lav_fit_wrmr``). ``nnfi`` is the TLI."""
    if "chisq" not in fm:
        return {}
    G = len(nobs)
    n = float(sum(nobs)) - (0 if ml else G)
    x2, d = fm["chisq"], fm["df"]
    out = {**_incremental(fm)}
    if "chisq.scaled" in fm:
        out.update(_incremental(fm, ".scaled"))
    if "tli.robust" in fm:
        out["nnfi.robust"] = fm["tli.robust"]
    if plain_robust and "baseline.chisq.scaling.factor" in fm:
        out["rni.robust"] = fi.rni(x2, d, fm["baseline.chisq"], fm["baseline.df"], fm["chisq.scaling.factor"],
                                   fm["baseline.chisq.scaling.factor"])
    out.update(_notclose(fm, n, G, ml and "chisq.scaling.factor" in fm, plain_robust))
    if categorical and "chisq.scaled" in fm:      # scaled-and-shifted: the scaled X2 on df
        out["rmsea.notclose.pvalue.scaled"] = 1 - fi.rmsea_pvalue(fm["chisq.scaled"], d, n, G, h0=0.08)
    out.update({"cn_05": fi.hoelter_cn(x2, d, n, 0.05), "cn_01": fi.hoelter_cn(x2, d, n, 0.01),
                "mfi": fi.mfi(x2, d, n)})
    if categorical and n_wls_obs:
        out["wrmr"] = float(np.sqrt(x2 / n_wls_obs))
    if not categorical:
        out["ecvi"] = fi.ecvi(x2, fm["npar"], n)
        rms = fi.residual_rms(covs, sigmas, nobs)
        out.update(rms)
        if "srmr" in fm:        # lavaan's srmr is Bentler's (mimic = "lavaan")
            out["srmr_bentler"] = fm["srmr"]
        if not meanstructure:
            out.update({"rmr": rms["rmr_nomean"], "crmr": rms["crmr_nomean"], "srmr_mplus": rms["srmr_mplus_nomean"]})
            gfi = fi.gfi_ml(covs, sigmas, nobs, x_idx) if ml else np.nan
            if np.isfinite(gfi):
                p = covs[0].shape[0]
                nel = G * p * (p + 1) / 2
                out.update({"gfi": gfi, "agfi": fi.agfi(gfi, nel, d), "pgfi": fi.pgfi(gfi, nel, d)})
    return out


def _notclose(fm, n, G, mean_scaled: bool, plain_robust: bool) -> dict:
    """RMSEA test of not-close fit, P(X <= X2; df, N df .08^2 / (c G)) (lavaan's
    ``lav_fit_rmsea_notclosefit``), with lavaan's constants ``rmsea.ci.level`` (.90),
    ``rmsea.close.h0`` (.05), ``rmsea.notclose.h0`` (.08). The scaled version uses the X2 and df
    of the scaled RMSEA interval (mean-scaled tests: c X2_scaled on c df), the robust one the
    scaled X2 with c_hat."""
    x2, d = fm["chisq"], fm["df"]
    out = {"rmsea.ci.level": 0.90, "rmsea.close.h0": 0.05, "rmsea.notclose.h0": 0.08,
           "rmsea.notclose.pvalue": 1 - fi.rmsea_pvalue(x2, d, n, G, h0=0.08)}
    if mean_scaled:
        c = fm["chisq.scaling.factor"]
        out["rmsea.notclose.pvalue.scaled"] = 1 - fi.rmsea_pvalue(fm["chisq.scaled"] * c, d * c, n, G, h0=0.08)
        if plain_robust:
            out["rmsea.notclose.pvalue.robust"] = 1 - fi.rmsea_pvalue(x2 / c, d, n, G, h0=0.08, c_hat=c)
    return out
