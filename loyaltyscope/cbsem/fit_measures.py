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

R equivalent: ``lavaan::fitMeasures(fit)`` (``lav_fit_measures``).
"""

from __future__ import annotations

from loyaltyscope.cbsem import fit_indices as fi

__all__ = ["test_measures", "scaled_measures", "robust_rmsea_interval"]


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
