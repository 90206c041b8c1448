"""Nested-model comparison as lavaan's ``lavTestLRT`` (``ls.compare``).

Models are ordered by their degrees of freedom (freest first); each model is compared with
the one before it:

- ML: the likelihood-ratio (chi-square difference) test ``T0 − T1`` on ``d0 − d1`` df.
- robust estimators (MLR, MLM — a scaled test statistic): the scaled difference test of
  Satorra & Bentler (2001), lavaan's default ``method = "satorra.bentler.2001"``: with the
  standard statistics T, df d and scaling factors c,
  ``c_d = (d0 c0 − d1 c1) / (d0 − d1)``, ``T_d = (T0 − T1) / c_d`` on ``d0 − d1`` df
  (a saturated model has c = 0). A negative ``c_d`` makes the test meaningless: it is
  reported as NA with a warning, never bounded.

AIC and BIC of each model are listed beside the tests (lower is better).
R: ``lavaan::lavTestLRT(fit0, fit1, ...)`` (``anova(fit0, fit1)``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from loyaltyscope.analyses.inputs import AnalysisError, fmt_p
from loyaltyscope.numerics.display import ResultProtocol

__all__ = ["compare", "NestedComparison", "scaled_difference"]

ROBUST = ("MLR", "MLM", "MLMV", "MLMVS")


def scaled_difference(T0: float, d0: float, c0: float, T1: float, d1: float, c1: float) -> tuple[float, float]:
    """Satorra–Bentler (2001) scaled difference ``(T_d, c_d)`` of nested model 0 against 1."""
    c0 = 0.0 if d0 == 0 else c0
    c1 = 0.0 if d1 == 0 else c1
    cd = (d0 * c0 - d1 * c1) / (d0 - d1)
    return ((T0 - T1) / cd if np.isfinite(cd) and cd > 0 else np.nan), cd


@dataclass(frozen=True, eq=False)
class NestedComparison(ResultProtocol):
    """Result of :func:`compare`. ``table`` has one row per model (freest first): ``df``,
    ``npar``, ``aic``, ``bic``, ``chisq`` (standard), ``chisq_scaled`` (robust only),
    ``chisq_diff`` (scaled for robust estimators), ``df_diff``, ``pvalue``, ``scaling_diff``.
    ``statistic``, ``df`` and ``pvalue`` are those of the last comparison."""
    title = "Nested model comparison (as lavTestLRT)"

    table: pd.DataFrame
    method: str
    statistic: float
    df: float
    pvalue: float
    warnings: tuple[str, ...] = ()

    def _headline(self) -> list[str]:
        return [f"Method: {self.method}. Models ordered by df (freest first); each row is tested against "
                "the row above.",
                f"Last comparison: chi-square difference = {self.statistic:.3f} on {self.df:g} df, "
                f"{fmt_p(self.pvalue)}."]

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"comparison": self.table}


def _fit_of(x):
    if not hasattr(x, "fit_measures"):
        raise AnalysisError(f"compare takes fitted models (ls.sem results), got {type(x).__name__}")
    return x


def compare(*fits, names=None, method: str = "default") -> NestedComparison:
    """Compare nested models fitted to the same data (R: ``lavaan::lavTestLRT``).

    Parameters
    ----------
    *fits : two or more ``ls.sem`` results (any order; they are sorted by df).
    names : labels of the models (default ``model1``, ``model2`` ... in the order given).
    method : ``"default"``: chi-square difference for ML, Satorra–Bentler (2001) scaled
        difference for robust estimators; ``"standard"`` forces the unscaled difference.

    The caller is responsible for the models being nested; models with equal df, different
    estimators or different numbers of observations are refused.
    """
    if len(fits) == 1 and isinstance(fits[0], (list, tuple)):
        fits = tuple(fits[0])
    fits = [_fit_of(f) for f in fits]
    if len(fits) < 2:
        raise AnalysisError("compare needs at least two fitted models")
    if method not in ("default", "standard"):
        raise AnalysisError(f"method must be 'default' or 'standard', got {method!r}")
    names = list(names) if names is not None else [f"model{i + 1}" for i in range(len(fits))]
    if len(names) != len(fits):
        raise AnalysisError(f"{len(names)} names for {len(fits)} models")
    est = {str(f.estimator).upper() for f in fits}
    if len(est) > 1:
        raise AnalysisError(f"models were fitted with different estimators {sorted(est)}; refit with one")
    nobs = {tuple(f.nobs) for f in fits}
    if len(nobs) > 1:
        raise AnalysisError(f"models were fitted to different numbers of observations {sorted(nobs)}")
    robust = est.pop() in ROBUST and method == "default"
    fm = [f.fit_measures for f in fits]
    order = sorted(range(len(fits)), key=lambda i: fm[i]["df"])
    dfs = [fm[i]["df"] for i in order]
    if len(set(dfs)) < len(dfs):
        raise AnalysisError(f"models with equal degrees of freedom cannot be nested: df {dfs}")
    warns, rows = [], []
    for k, i in enumerate(order):
        m = fm[i]
        row = {"df": m["df"], "npar": m.get("npar", np.nan), "aic": m.get("aic", np.nan),
               "bic": m.get("bic", np.nan), "chisq": m["chisq"]}
        if robust:
            row["chisq_scaled"] = m.get("chisq.scaled", np.nan)
        row.update(chisq_diff=np.nan, df_diff=np.nan, pvalue=np.nan)
        if robust:
            row["scaling_diff"] = np.nan
        if k > 0:
            j = order[k - 1]
            m1 = fm[j]
            d = m["df"] - m1["df"]
            if robust:
                T, cd = scaled_difference(m["chisq"], m["df"], m.get("chisq.scaling.factor", np.nan), m1["chisq"],
                                          m1["df"], m1.get("chisq.scaling.factor", np.nan))
                row["scaling_diff"] = cd
                if not np.isfinite(T):
                    warns.append(f"{names[i]} vs {names[j]}: the scaling factor of the difference is {cd:.3f} "
                                 "(not positive); the scaled test is not available")
            else:
                T = m["chisq"] - m1["chisq"]
            if np.isfinite(T) and T < 0:
                warns.append(f"{names[i]} vs {names[j]}: negative chi-square difference {T:.3f}; "
                             "the models may not be nested or one did not converge")
            row.update(chisq_diff=T, df_diff=d, pvalue=float(stats.chi2.sf(T, d)) if np.isfinite(T) and T >= 0
                       else np.nan)
        rows.append(row)
    for f, nm in zip(fits, names):
        if not getattr(f, "converged", True):
            warns.append(f"{nm} did not converge")
    table = pd.DataFrame(rows, index=pd.Index([names[i] for i in order], name="model"))
    last = table.iloc[-1]
    how = ("Satorra-Bentler (2001) scaled chi-square difference" if robust else "chi-square difference")
    return NestedComparison(table, how, float(last["chisq_diff"]), float(last["df_diff"]), float(last["pvalue"]),
                            tuple(warns))
