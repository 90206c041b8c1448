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

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

import numpy as np
import pandas as pd
from scipy import special

from loyaltyscope.cbsem import pipeline
from loyaltyscope.cbsem.esem import has_efa_blocks
from loyaltyscope.cbsem.options import resolve_options
from loyaltyscope.cbsem.samplestats import DataError
from loyaltyscope.numerics.display import ResultProtocol, frame_html, para_html
from loyaltyscope.numerics.threads import one_blas_thread

__all__ = ["invariance", "InvarianceResult", "LEVELS"]

LEVELS = {
    "configural": (),
    "metric": ("loadings",),
    "scalar": ("loadings", "intercepts"),
    "strict": ("loadings", "intercepts", "residuals"),
}
_COUNTS = ("npar", "df", "delta_df")


@dataclass(frozen=True, eq=False)
class InvarianceResult(ResultProtocol):
    """Result of :func:`invariance`.

    table : one row per level (``npar, chisq, df, pvalue, cfi, tli, rmsea, srmr``, with a
        robust estimator the scaled/robust columns, then ``delta_chisq, delta_df,
        delta_pvalue, delta_cfi, delta_rmsea, verdict``).
    fits : the :class:`~loyaltyscope.cbsem.results.SemResult` of every level.
    group : the grouping column; ``nobs`` observations per group; ``cutoffs`` of the verdicts.
    warnings : every level's warnings, prefixed ``[level]`` (Heywood cases, non-convergence...).
    """

    table: pd.DataFrame
    fits: Mapping[str, object]
    group: str
    cutoffs: Mapping[str, float] = field(default_factory=dict)
    nobs: tuple = ()
    warnings: tuple[str, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "fits", MappingProxyType(dict(self.fits)))
        object.__setattr__(self, "cutoffs", MappingProxyType(dict(self.cutoffs)))

    @property
    def title(self) -> str:
        kind = "scaled" if "chisq.scaled" in self.table.columns else "ML"
        return f"Measurement invariance across {self.group!r} ({kind} chi-square difference tests)"

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"ladder": self.table}

    def _headline(self) -> list[str]:
        groups = ", ".join(str(n) for n in self.nobs)
        return [f"{len(self.table)} levels; observations per group: {groups}"] if self.nobs else []

    def summary(self, digits: int = 3) -> str:
        t = self.table
        cols = ["npar", "chisq", "df", "cfi", "tli", "rmsea", "srmr", "delta_chisq", "delta_df",
                "delta_pvalue", "delta_cfi", "delta_rmsea"]
        lines = [self.title, ""]
        lines.append(f"{'':<11}" + "".join(f"{c:>13}" for c in cols))
        for lvl, r in t.iterrows():
            cells = []
            for c in cols:
                v = r.get(c, np.nan)
                cells.append(f"{'':>13}" if pd.isna(v) else (f"{int(v):>13d}" if c in _COUNTS
                                                            else f"{v:>13.{digits}f}"))
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
        if self.warnings:
            lines += ["", "Warnings:"] + [f"  ! {w}" for w in self.warnings]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return self._html(warnings=True)

    def _html(self, warnings: bool = True) -> str:
        """The HTML rendering (reports pass ``warnings=False``)."""
        shown = self.table.copy()
        for c in _COUNTS:
            if c in shown.columns:
                shown[c] = pd.Series([int(v) if pd.notna(v) else "" for v in shown[c]], index=shown.index,
                                     dtype=object)
        for c in ("delta_chisq", "delta_pvalue", "delta_cfi", "delta_rmsea"):
            if c in shown.columns:
                shown[c] = pd.Series(["" if pd.isna(v) else float(v) for v in shown[c]], index=shown.index,
                                     dtype=object)
        parts = [para_html(self.title, bold=True)] + [para_html(h) for h in self._headline()]
        parts.append(frame_html(shown.reset_index(), "ladder", index=False))
        if warnings:
            parts += [para_html("Warning: " + w) for w in self.warnings]
        return "<div class='loyaltyscope-result'>" + "".join(parts) + "</div>"


def _difference(f0, f1, robust: bool):
    """Chi-square difference of nested fit f0 (more constrained) against f1."""
    m0, m1 = f0._estimator_fit_measures, f1._estimator_fit_measures
    d = m0["df"] - m1["df"]
    if d <= 0:
        return np.nan, np.nan, np.nan
    T = m0["chisq"] - m1["chisq"]
    if robust:
        c0, c1 = m0["chisq.scaling.factor"], m1["chisq.scaling.factor"]
        cd = (m0["df"] * c0 - m1["df"] * c1) / d
        T = T / cd
    return T, d, float(special.chdtrc(d, T)) if T >= 0 else np.nan


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
    if str(estimator).upper() in ("WLSMV", "DWLS", "WLS"):
        raise NotImplementedError(f"the invariance ladder with estimator={estimator!r} is not implemented (its "
                                  "difference tests need lavaan's scaled-shifted difference method); fit the "
                                  "levels with ls.sem(..., group_equal=...) or use estimator='MLR'")
    if isinstance(data, pd.DataFrame) and group in data.columns:
        labels = data[group].dropna().unique()
        if len(labels) == 1:
            raise DataError(f"group column {group!r} holds one group only ({labels[0]!r}): measurement invariance "
                            "compares two or more groups")
    if has_efa_blocks(model):
        raise NotImplementedError("the invariance ladder for models with EFA blocks (efa(\"b\")*f1 + ...) is not "
                                  "implemented; fit each level with ls.sem(model, data, group=..., "
                                  "group_equal=[...]) and compare them with ls.compare")
    robust = estimator.upper() in ("MLR", "MLM")
    fits, rows = {}, []
    prev = None
    with one_blas_thread():
        for lvl, fit in _fit_ladder(model, data, group, levels, estimator, missing, group_partial, std_lv):
            fits[lvl] = fit
            rows.append(_ladder_row(lvl, fit, fits.get(prev), prev, robust, delta_cfi, delta_rmsea, alpha))
            prev = lvl
    table = pd.DataFrame(rows, index=pd.Index(list(levels), name="level"))
    warnings = tuple(f"[{lvl}] {w}" for lvl, f in fits.items() for w in f.warnings)
    first = next(iter(fits.values()))
    return InvarianceResult(table, fits, group, {"delta_cfi": delta_cfi, "delta_rmsea": delta_rmsea, "alpha": alpha},
                            nobs=tuple(first.nobs), warnings=warnings)


def _fit_ladder(model, data, group, levels, estimator, missing, group_partial, std_lv):
    """Fit the levels in order. The stages that do not depend on the equality constraints run
    once and are shared by every level: the data stage (columns, groups, mean structure), the
    data checks and the sample statistics; only the parameter table changes (``model_spec`` is
    memoised). Each level starts from the previous level's estimates (lavaan: ``start = fit``)
    and reuses the baseline model, which depends only on the data and the groups."""
    from loyaltyscope.cbsem.data_checks import check_data
    ss = data_warnings = columns = None
    prev = None
    data_columns = list(data.columns) if isinstance(data, pd.DataFrame) else None
    for lvl in levels:
        options = resolve_options(estimator=estimator, missing=missing, group=group, group_equal=LEVELS[lvl],
                                  group_partial=group_partial if lvl != "configural" else None, std_lv=std_lv,
                                  data_columns=data_columns)
        if columns is None:
            columns, ngroups, ms = pipeline.data_stage(model, data, options, None)
        spec = pipeline.model_spec(model, columns, ngroups, options, ms)
        if ss is None:
            data_warnings = check_data(data, spec.ov_names, group, options.missing)
            ss = pipeline.ml_sample_stats(spec, data, options)
        prev = pipeline.fit_ml_stage(spec, ss, options, start=prev, data_warnings=data_warnings)
        yield lvl, prev


def _ladder_row(lvl, fit, previous, prev, robust, delta_cfi, delta_rmsea, alpha) -> dict:
    """The row of one level: its fit measures and the comparison with the previous level."""
    m = fit._estimator_fit_measures
    row = {k: m.get(k, np.nan) for k in ("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr")}
    if robust:
        row.update({k: m.get(k, np.nan) for k in ("chisq.scaled", "chisq.scaling.factor", "cfi.robust",
                                                  "tli.robust", "rmsea.robust")})
    row.update(delta_chisq=np.nan, delta_df=np.nan, delta_pvalue=np.nan, delta_cfi=np.nan,
               delta_rmsea=np.nan, verdict="")
    if prev is not None:
        T, d, p = _difference(fit, previous, robust)
        cfi_key, rmsea_key = ("cfi.robust", "rmsea.robust") if robust else ("cfi", "rmsea")
        dc = m[cfi_key] - previous._estimator_fit_measures[cfi_key]
        dr = m[rmsea_key] - previous._estimator_fit_measures[rmsea_key]
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
    return row
