"""Measurement invariance across groups or survey waves: configural -> metric -> scalar -> strict.

Each step adds equality constraints (lavaan's ``group.equal``): metric = loadings, scalar =
+ intercepts, strict = + residual variances. Each step is compared with the previous one by

- the chi-square difference test, or with a robust estimator the scaled difference test of
  Satorra & Bentler (2001): with unscaled statistics T, degrees of freedom d and scaling
  factors c of the nested (0) and the freer (1) model,
  ``c_d = (d0 c0 - d1 c1) / (d0 - d1)``, ``T_d = (T0 - T1) / c_d`` on ``d0 - d1`` df
  (lavaan's ``lavTestLRT(..., method = "satorra.bentler.2001")``);
- the change in CFI and RMSEA: invariance is rejected when CFI drops by more than 0.010
  (Cheung & Rensvold, 2002) or RMSEA rises by more than 0.015 (Chen, 2007). The cut-offs are
  arguments and are printed with the verdicts.

R equivalent: ``semTools::measEq.syntax`` / fitting the ``group.equal`` ladder with lavaan and
``lavTestLRT(fit1, fit2, ...)``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from loyaltyscope.cbsem import sem

__all__ = ["invariance", "InvarianceResult", "LEVELS"]

LEVELS = {
    "configural": (),
    "metric": ("loadings",),
    "scalar": ("loadings", "intercepts"),
    "strict": ("loadings", "intercepts", "residuals"),
}


@dataclass(frozen=True, eq=False)
class InvarianceResult:
    """Result of :func:`invariance`: one row per level in ``table``; the fits in ``fits``."""

    table: pd.DataFrame
    fits: Mapping[str, object]
    group: str
    cutoffs: Mapping[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        t = self.table
        cols = ["npar", "chisq", "df", "cfi", "tli", "rmsea", "srmr", "delta_chisq", "delta_df",
                "delta_pvalue", "delta_cfi", "delta_rmsea"]
        lines = [f"Measurement invariance across {self.group!r} "
                 f"({'scaled' if 'chisq.scaled' in t.columns else 'ML'} chi-square difference tests)", ""]
        lines.append(f"{'':<11}" + "".join(f"{c:>13}" for c in cols))
        for lvl, r in t.iterrows():
            cells = []
            for c in cols:
                v = r.get(c, np.nan)
                cells.append(f"{'':>13}" if pd.isna(v) else (f"{int(v):>13d}" if c in ("npar", "df", "delta_df")
                                                            else f"{v:>13.3f}"))
            lines.append(f"{lvl:<11}" + "".join(cells))
        lines.append("")
        for lvl, r in t.iterrows():
            if isinstance(r.get("verdict"), str) and r["verdict"]:
                lines.append(f"  {lvl}: {r['verdict']}")
        c = self.cutoffs
        lines.append("")
        lines.append(f"Cut-offs: invariance rejected when CFI drops by more than {c['delta_cfi']:.3f} "
                     f"(Cheung & Rensvold, 2002) or RMSEA rises by more than {c['delta_rmsea']:.3f} (Chen, 2007); "
                     f"difference test at alpha = {c['alpha']}.")
        warn = [f"  ! [{lvl}] {w}" for lvl, f in self.fits.items() for w in f.warnings]
        if warn:
            lines += ["", "Warnings:"] + warn
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        esc = html.escape
        t = self.table.reset_index(names="level")
        head = "".join(f"<th>{esc(str(c))}</th>" for c in t.columns)
        body = "".join("<tr>" + "".join(
            f"<td>{v:.3f}</td>" if isinstance(v, float) else f"<td>{esc(str(v))}</td>" for v in row) + "</tr>"
            for row in t.itertuples(index=False))
        return f"<div><p><b>Measurement invariance across {esc(self.group)}</b></p><table><tr>{head}</tr>{body}</table></div>"


def _difference(f0, f1, robust: bool):
    """Chi-square difference of nested fit f0 (more constrained) against f1."""
    m0, m1 = f0.fit_measures, f1.fit_measures
    d = m0["df"] - m1["df"]
    if d <= 0:
        return np.nan, np.nan, np.nan
    T = m0["chisq"] - m1["chisq"]
    if robust:
        c0, c1 = m0["chisq.scaling.factor"], m1["chisq.scaling.factor"]
        cd = (m0["df"] * c0 - m1["df"] * c1) / d
        T = T / cd
    return T, d, float(stats.chi2.sf(T, d)) if T >= 0 else np.nan


def invariance(model: str, data: pd.DataFrame, group: str, *, levels=("configural", "metric", "scalar", "strict"),
               estimator: str = "ML", missing: str = "listwise", group_partial=None, std_lv: bool = False,
               delta_cfi: float = 0.010, delta_rmsea: float = 0.015, alpha: float = 0.05) -> InvarianceResult:
    """Fit the invariance ladder and compare each step with the previous one.

    Parameters
    ----------
    model : lavaan syntax of the measurement model.
    data, group : the data and the grouping column (e.g. survey wave).
    levels : which steps, in order (``configural``, ``metric``, ``scalar``, ``strict``).
    estimator, missing, std_lv, group_partial : passed to :func:`loyaltyscope.cbsem`.
    delta_cfi, delta_rmsea, alpha : the cut-offs used for the verdicts.
    """
    from loyaltyscope.cbsem.data_input import as_data_frame
    data = as_data_frame(data)   # DataFrame, path to a data file, or validated Responses
    unknown = [lv for lv in levels if lv not in LEVELS]
    if unknown:
        raise ValueError(f"unknown invariance level(s) {unknown}; expected {list(LEVELS)}")
    robust = estimator.upper() in ("MLR", "MLM")
    fits, rows = {}, []
    prev = None
    for lvl in levels:
        fit = sem(model, data, group=group, group_equal=list(LEVELS[lvl]), estimator=estimator, missing=missing,
                  group_partial=group_partial if lvl != "configural" else None, std_lv=std_lv,
                  start=fits[prev] if prev is not None else None)
        fits[lvl] = fit
        m = fit.fit_measures
        row = {k: m.get(k, np.nan) for k in ("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr")}
        if robust:
            row.update({k: m.get(k, np.nan) for k in ("chisq.scaled", "chisq.scaling.factor", "cfi.robust",
                                                      "tli.robust", "rmsea.robust")})
        row.update(delta_chisq=np.nan, delta_df=np.nan, delta_pvalue=np.nan, delta_cfi=np.nan,
                   delta_rmsea=np.nan, verdict="")
        if prev is not None:
            T, d, p = _difference(fit, fits[prev], robust)
            cfi_key, rmsea_key = ("cfi.robust", "rmsea.robust") if robust else ("cfi", "rmsea")
            dc = m[cfi_key] - fits[prev].fit_measures[cfi_key]
            dr = m[rmsea_key] - fits[prev].fit_measures[rmsea_key]
            row.update(delta_chisq=T, delta_df=d, delta_pvalue=p, delta_cfi=dc, delta_rmsea=dr)
            worse = dc < -delta_cfi or dr > delta_rmsea
            sig = p < alpha if np.isfinite(p) else False
            if worse:
                verdict = (f"{lvl} invariance NOT supported against {prev}: CFI changes by {dc:+.3f} and RMSEA "
                           f"by {dr:+.3f}")
            elif sig:
                verdict = (f"{lvl} invariance supported by the change in fit (CFI {dc:+.3f}, RMSEA {dr:+.3f}), "
                           f"although the difference test is significant (p = {p:.3g}); with large samples "
                           "the test is sensitive to trivial differences")
            else:
                verdict = (f"{lvl} invariance supported against {prev} (CFI {dc:+.3f}, RMSEA {dr:+.3f}, "
                           f"p = {p:.3g})")
            if not fit.converged:
                verdict += "; the constrained model did not converge"
            row["verdict"] = verdict
        rows.append(row)
        prev = lvl
    table = pd.DataFrame(rows, index=pd.Index(list(levels), name="level"))
    return InvarianceResult(table, fits, group, {"delta_cfi": delta_cfi, "delta_rmsea": delta_rmsea, "alpha": alpha})
