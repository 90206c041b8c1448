"""The frozen result of a SEM/CFA fit: tidy tables, ``summary()`` text laid out like
lavaan's, and ``_repr_html_()`` from the package's one display helper.

Follows :class:`loyaltyscope.numerics.display.ResultProtocol`: ``tables()`` gives ``params``,
``fit_measures`` (a long table ``measure, value``) and ``r2``; ``to_frame(name)`` and
``to_dict()`` come from the protocol. In the data, a fixed parameter keeps lavaan's values
(``se`` 0, ``z``/``pvalue`` NaN); only the display shows blanks for them, and counts (npar,
df, ntotal) print as integers.

R equivalent: ``summary(fit, fit.measures = TRUE, standardized = TRUE, rsquare = TRUE)``,
``parameterEstimates``, ``fitMeasures``, ``inspect(fit, "rsquare")``, ``fitted``,
``residuals``, ``modindices``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from loyaltyscope._version import __version__
from loyaltyscope.cbsem.fit_measures import other_measures
from loyaltyscope.numerics.correlation_matrix import cov2cor
from loyaltyscope.numerics.display import ResultProtocol, frame_html, para_html

__all__ = ["SemResult", "COUNT_MEASURES"]

# fit measures that are counts: shown as integers
COUNT_MEASURES = frozenset({"npar", "df", "df.scaled", "baseline.df", "baseline.df.scaled", "ntotal",
                            "baseline.df.robust", "df.robust"})
_SHOWN_MEASURES = ("npar", "chisq", "df", "pvalue", "chisq.scaled", "pvalue.scaled", "cfi", "tli", "rmsea",
                   "srmr", "aic", "bic")


@dataclass(frozen=True, eq=False)
class SemResult(ResultProtocol):
    """Result of :func:`loyaltyscope.sem` / :func:`loyaltyscope.cfa`.

    Public attributes
    -----------------
    params : DataFrame ``lhs, op, rhs, [group], label, est, se, z, pvalue, ci_lower, ci_upper,
        std_lv, std_all`` (lavaan's ``parameterEstimates(standardized = TRUE)``).
    fit_measures : read-only mapping keyed by lavaan's ``fitMeasures`` names; ``chisq``,
        ``df`` and ``pvalue`` are also attributes.
    r2 : DataFrame ``group, variable, r2`` for endogenous variables.
    implied, residuals, sample_cov : {group label: DataFrame} model-implied, residual
        (S - Sigma) and sample covariance (ordinal: polychoric correlation) matrices;
        ``residuals_cor`` (correlation residuals), ``implied_mean`` (with a mean structure),
        ``cov_lv`` / ``cor_lv`` (the latent variables' implied covariance / correlation).
    vcov : covariance matrix of the free parameters.
    nobs : observations per group; ``group_labels``; ``estimator``; ``options`` (the resolved
        :class:`~loyaltyscope.cbsem.options.SemOptions`); ``dropped`` (excluded rows).
    warnings : tuple of messages about improper solutions or data handling (also printed by
        :meth:`summary`).
    converged, iterations : the optimiser's outcome.
    extra : read-only mapping of estimator-specific extras (``bootstrap``, ``bollen_stine``,
        ``thresholds``, ``missing_patterns`` ...).
    """

    converged: bool
    iterations: int
    nobs: tuple[int, ...]
    group_labels: tuple
    estimator: str
    options: Any
    dropped_rows: tuple
    ov_names: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)
    # internals: how to make params / fit_measures / r2 (a value or a callable run once)
    _lazy: Mapping[str, Any] = field(default_factory=dict, repr=False)
    _table: Mapping[str, np.ndarray] = field(default_factory=dict, repr=False)
    _sample_covs: tuple = field(default=(), repr=False)
    _implied_covs: tuple = field(default=(), repr=False)
    _vcov_theta: Any = field(default=None, repr=False)
    _theta_names: tuple[str, ...] = field(default=(), repr=False)
    _modindices: Callable[[], pd.DataFrame] | None = field(default=None, repr=False)

    title = "loyaltyscope SEM"

    def __post_init__(self):
        object.__setattr__(self, "extra", MappingProxyType(dict(self.extra)))
        object.__setattr__(self, "_lazy", MappingProxyType(dict(self._lazy)))

    def _lazy_value(self, name):
        v = self._lazy[name]
        return v() if callable(v) else v

    # Statistics are computed on first access (as statsmodels' results and lavaan's
    # fitMeasures()/standardizedSolution() do); the object never changes once made.
    @cached_property
    def params(self) -> pd.DataFrame:
        """Parameter estimates (R: ``parameterEstimates(fit, standardized = TRUE)``)."""
        return self._lazy_value("params")

    @cached_property
    def _estimator_fit_measures(self) -> Mapping[str, float]:
        """The estimator's fit measures (chi-squares, CFI/TLI/RMSEA/SRMR and their scaled and
        robust versions, information criteria): what the invariance ladder and ``ls.compare``
        read, without the descriptive rest of :attr:`fit_measures`."""
        return MappingProxyType({k: float(v) for k, v in dict(self._lazy_value("fit_measures")).items()})

    @cached_property
    def fit_measures(self) -> Mapping[str, float]:
        """Fit measures keyed by lavaan's names (R: ``fitMeasures(fit)``): the estimator's and
        :func:`~loyaltyscope.cbsem.fit_measures.other_measures` computed from them."""
        fm = dict(self._estimator_fit_measures)
        opts = self.options
        categorical = bool(getattr(opts, "ordered", ()))
        ml = self.estimator.upper().startswith("ML")
        fiml = str(getattr(opts, "missing", "")).lower() in ("fiml", "ml", "ml.x")
        meanstructure = "~1" in set(np.asarray(self._table.get("op", ()), dtype=object))
        if self._sample_covs and self._implied_covs:
            t = self._table
            exo = np.asarray(t.get("exo", ()), dtype=float) == 1
            xs = set(np.asarray(t["lhs"], dtype=object)[exo]) if exo.any() else set()
            x_idx = [i for i, v in enumerate(self.ov_names) if v in xs]
            n_wls = None
            if categorical and not xs and set(opts.ordered) >= set(self.ov_names):   # all items ordinal
                p = len(self.ov_names)
                ops, grp = np.asarray(t["op"], dtype=object), np.asarray(t["group"])
                n_wls = int(np.sum((ops == "|") & (grp == 1))) + p * (p - 1) // 2
            more = other_measures(fm, self._sample_covs, self._implied_covs, self.nobs, meanstructure=meanstructure,
                                  categorical=categorical, ml=ml, plain_robust=not (fiml or categorical),
                                  x_idx=x_idx, n_wls_obs=n_wls)
            fm.update({k: float(v) for k, v in more.items() if k not in fm})
        return MappingProxyType(fm)

    @property
    def chisq(self) -> float:
        return self.fit_measures.get("chisq", np.nan)

    @property
    def df(self) -> float:
        return self.fit_measures.get("df", np.nan)

    @property
    def pvalue(self) -> float:
        return self.fit_measures.get("pvalue", np.nan)

    @cached_property
    def r2(self) -> pd.DataFrame:
        """R-square of endogenous variables (R: ``inspect(fit, "rsquare")``)."""
        return self._lazy_value("r2")

    @cached_property
    def dropped(self) -> pd.DataFrame:
        """Input rows excluded from the analysis, with the reason (``row, group, reason``)."""
        return pd.DataFrame(list(self.dropped_rows), columns=["row", "group", "reason"])

    @cached_property
    def partable(self) -> pd.DataFrame:
        """The full parameter table with estimates (R: ``parTable(fit)``)."""
        return pd.DataFrame(dict(self._table))

    def _per_group(self, mats) -> Mapping[Any, pd.DataFrame]:
        n = list(self.ov_names)
        return MappingProxyType({lab: pd.DataFrame(S, index=n, columns=n) for lab, S in zip(self.group_labels, mats)})

    @cached_property
    def implied(self) -> Mapping[Any, pd.DataFrame]:
        """Model-implied covariance matrix per group (R: ``fitted(fit)$cov``)."""
        return self._per_group(self._implied_covs)

    @cached_property
    def sample_cov(self) -> Mapping[Any, pd.DataFrame]:
        """Sample covariance (ordinal items: polychoric correlation) matrix per group
        (R: ``lavInspect(fit, "sampstat")$cov``)."""
        return self._per_group(self._sample_covs)

    @cached_property
    def residuals(self) -> Mapping[Any, pd.DataFrame]:
        """Sample minus implied covariance per group (R: ``resid(fit)$cov``)."""
        return self._per_group([S - Sig for S, Sig in zip(self._sample_covs, self._implied_covs)])

    def standardized_solution(self, type: str = "std.all") -> pd.DataFrame:
        """Standardized estimates with delta-method standard errors, z, p-values and 95 %
        intervals (``lhs, op, rhs, [group], est_std, se, z, pvalue, ci_lower, ci_upper``) for
        the rows ``=~ ~ ~~ ~1`` of continuous-data fits. R equivalent:
        ``standardizedSolution(fit, type = type)`` (``"std.all"``, ``"std.lv"``, ``"std.nox"``)."""
        from scipy import stats
        from loyaltyscope.cbsem.standardized_solution import standardized_se
        col = {"std.all": "std_all", "std.lv": "std_lv", "std.nox": "std_nox"}.get(type)
        if col is None:
            raise ValueError(f"type={type!r}: expected 'std.all', 'std.lv' or 'std.nox'")
        t = pd.DataFrame(dict(self._table))
        t = t[t["op"].isin(["=~", "~", "~~", "~1"])]
        lv = self._latent_moments[0][0]
        exo = t[(t["exo"] == 1) & (t["op"] == "~~")] if "exo" in t else t.iloc[:0]
        p = self.params
        keyed = p if "group" in p.columns else p.assign(group=1)
        keyed = keyed[keyed["op"].isin(["=~", "~", "~~", "~1"])]
        vcov = self._vcov_theta if self._vcov_theta is not None and not self.options.ordered else np.full((1, 1), np.nan)
        se = standardized_se(dict(self._table), self.ov_names, lv, vcov, type, ov_x=tuple(set(exo["lhs"])))
        se_by_key = {(a, o, b, g): s for a, o, b, g, s in zip(self._table["lhs"], self._table["op"], self._table["rhs"],
                                                              self._table["group"], se)}
        group_of = {lab: i + 1 for i, lab in enumerate(self.group_labels)}
        g_num = [group_of.get(g, g) for g in keyed["group"]]
        se_col = np.array([se_by_key.get((a, o, b, g), np.nan) for a, o, b, g in
                           zip(keyed["lhs"], keyed["op"], keyed["rhs"], g_num)], dtype=float)
        est = keyed[col].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(se_col > 0, est / se_col, np.nan)
        out = keyed[["lhs", "op", "rhs", "group"]].assign(est_std=est, se=se_col, z=z,
                                                          pvalue=2 * stats.norm.sf(np.abs(z)),
                                                          ci_lower=est - 1.959963984540054 * se_col,
                                                          ci_upper=est + 1.959963984540054 * se_col)
        out = out.reset_index(drop=True)
        return out.drop(columns="group") if self.ngroups == 1 else out

    @cached_property
    def residuals_cor(self) -> Mapping[Any, pd.DataFrame]:
        """Correlation residuals cor(S) - cor(Sigma) per group (Bollen's; R:
        ``residuals(fit, type = "cor")$cov``)."""
        return self._per_group([cov2cor(S) - cov2cor(Sig) for S, Sig in zip(self._sample_covs, self._implied_covs)])

    @cached_property
    def _latent_moments(self):
        """Per group (latent names, model-implied covariance of the latent variables, implied
        means of the observed variables or None) from the table's estimates (RAM)."""
        from loyaltyscope.cbsem.ram import implied, make_layout
        t = self._table
        op, lhs = np.asarray(t["op"], dtype=object), np.asarray(t["lhs"], dtype=object)
        lv = list(dict.fromkeys(lhs[np.isin(op, ["=~", "<~"])]))
        ms = "~1" in set(op)
        out = []
        for g in range(1, self.ngroups + 1):
            layout = make_layout(t, g, self.ov_names, lv)
            _Sig, mu, C, _B, _M = implied(layout, np.asarray(t["est"], dtype=float))
            p = len(self.ov_names)
            out.append((lv, C[p:, p:], mu if ms else None))
        return out

    @cached_property
    def cov_lv(self) -> Mapping[Any, pd.DataFrame]:
        """Model-implied covariance matrix of the latent variables per group
        (R: ``lavInspect(fit, "cov.lv")``)."""
        return MappingProxyType({lab: pd.DataFrame(C, index=lv, columns=lv)
                                 for lab, (lv, C, _mu) in zip(self.group_labels, self._latent_moments)})

    @cached_property
    def cor_lv(self) -> Mapping[Any, pd.DataFrame]:
        """Model-implied correlation matrix of the latent variables per group
        (R: ``lavInspect(fit, "cor.lv")``)."""
        return MappingProxyType({lab: pd.DataFrame(cov2cor(C.to_numpy()), index=C.index, columns=C.columns)
                                 for lab, C in self.cov_lv.items()})

    @cached_property
    def implied_mean(self) -> Mapping[Any, pd.Series]:
        """Model-implied means of the observed variables per group, with a mean structure
        (R: ``fitted(fit)$mean``); empty without one."""
        return MappingProxyType({lab: pd.Series(mu, index=list(self.ov_names))
                                 for lab, (_lv, _C, mu) in zip(self.group_labels, self._latent_moments)
                                 if mu is not None})

    @cached_property
    def vcov(self) -> pd.DataFrame:
        """Covariance matrix of the free parameters (R: ``vcov(fit)``); NaN if not identified."""
        q = len(self._theta_names)
        V = self._vcov_theta if self._vcov_theta is not None else np.full((q, q), np.nan)
        return pd.DataFrame(V, index=list(self._theta_names), columns=list(self._theta_names))

    @property
    def ngroups(self) -> int:
        return len(self.nobs)

    @cached_property
    def _modindices_table(self) -> pd.DataFrame:
        if self._modindices is None:
            raise NotImplementedError(f"modification indices of {self.estimator} fits are not implemented "
                                      "(ML, MLR, MLM and FIML fits have them; lavaan also gives them for (D)WLS)")
        return self._modindices()

    def modindices(self, minimum: float = 0.0, sort: bool = True) -> pd.DataFrame:
        """Modification indices with expected parameter change (``mi, epc, sepc_lv, sepc_all,
        sepc_nox``).

        R equivalent: ``modindices(fit, minimum.value = minimum, sort. = sort)``.
        """
        mi = self._modindices_table
        if mi.empty:
            return mi
        mi = mi[mi["mi"] >= minimum]
        return mi.sort_values("mi", ascending=False).reset_index(drop=True) if sort else mi

    # ------------------------------------------------------------------ protocol
    def tables(self) -> dict[str, pd.DataFrame]:
        """``params``, ``fit_measures`` (long: ``measure, value``) and ``r2``."""
        fm = self.fit_measures
        return {"params": self.params,
                "fit_measures": pd.DataFrame({"measure": list(fm), "value": list(fm.values())}),
                "r2": self.r2}

    def _headline(self) -> list[str]:
        status = "converged" if self.converged else "did NOT converge"
        fm = self.fit_measures
        line = f"{self.estimator}, N = {sum(self.nobs)}, {status} after {self.iterations} iterations"
        if "chisq" in fm:
            line += f"; chisq = {fm['chisq']:.3f}, df = {int(fm['df'])}, p = {_p_text(fm['pvalue'])}"
        return [line]

    def _display_params(self) -> pd.DataFrame:
        """``params`` for people: blanks for the se, z, p and interval of fixed parameters."""
        p = self.params.copy()
        fixed = ~(p["se"].to_numpy(float) > 0)
        for c in ("se", "z", "pvalue", "ci_lower", "ci_upper"):
            if c in p.columns:
                col = p[c].astype(object)
                col[fixed | p[c].isna().to_numpy()] = ""
                p[c] = col
        if "label" in p.columns and not p["label"].astype(bool).any():
            p = p.drop(columns="label")
        return p

    def _display_fit_measures(self) -> pd.DataFrame:
        fm = self.fit_measures
        keys = [k for k in _SHOWN_MEASURES if k in fm]
        vals = [int(fm[k]) if k in COUNT_MEASURES and np.isfinite(fm[k]) else fm[k] for k in keys]
        return pd.DataFrame({"measure": keys, "value": pd.Series(vals, dtype=object)})

    def _repr_html_(self) -> str:
        return self._html(warnings=True)

    def _html(self, warnings: bool = True) -> str:
        """The HTML rendering (reports pass ``warnings=False`` and show the warnings in their
        own box)."""
        parts = [para_html(self.title, bold=True)] + [para_html(h) for h in self._headline()]
        parts.append(frame_html(self._display_fit_measures(), "fit measures", index=False))
        if warnings:
            parts += [para_html("Warning: " + w) for w in self.warnings]
        parts.append(frame_html(self._display_params(), "parameter estimates", index=False))
        if len(self.r2):
            parts.append(frame_html(self.r2, "R-square", index=False))
        return "<div class='loyaltyscope-result'>" + "".join(parts) + "</div>"

    # ------------------------------------------------------------------ text
    def summary(self, digits: int = 3) -> str:
        fm = self.fit_measures
        w = 54
        out = []
        status = "ended normally" if self.converged else "did NOT converge"
        out.append(f"loyaltyscope {__version__} {status} after {self.iterations} iterations")
        out.append("")
        out.append(f"  {'Estimator':<{w - 12}}{self.estimator:>12}")
        out.append(f"  {'Number of model parameters':<{w - 12}}{int(fm.get('npar', 0)):>12}")
        if self.ngroups > 1:
            out.append(f"  {'Number of observations per group:':<{w}}")
            for lab, n in zip(self.group_labels, self.nobs):
                out.append(f"    {str(lab):<{w - 14}}{n:>12}")
        else:
            out.append(f"  {'Number of observations':<{w - 12}}{self.nobs[0]:>12}")
        if self.dropped_rows:
            out.append(f"  {'Rows excluded (missing values)':<{w - 12}}{len(self.dropped_rows):>12}")
        boot = self.extra.get("bootstrap")
        if boot is not None:
            out.append(f"  {'Standard errors':<{w - 12}}{'Bootstrap':>12}")
            out.append(f"  {'Number of requested bootstrap draws':<{w - 12}}{boot.n_requested:>12}")
            out.append(f"  {'Number of successful bootstrap draws':<{w - 12}}{boot.n_ok:>12}")
            out.append(f"  {'Confidence intervals':<{w - 12}}{boot.ci_kind:>12}")
        bs = self.extra.get("bollen_stine")
        if bs:
            out.append(f"  {'Bollen-Stine bootstrap p-value':<{w - 12}}{bs['pvalue']:>12.{digits}f}")
        out.append("")
        if "chisq" in fm:
            out.extend(_fit_lines(fm, w, digits))
        if self.warnings:
            out.append("Warnings:")
            for msg in self.warnings:
                out.append(f"  ! {msg}")
            out.append("")
        out.append("Parameter Estimates:")
        out.extend(self._param_lines(digits))
        if len(self.r2):
            out.append("")
            out.append("R-Square:")
            for g, sub in self.r2.groupby("group", sort=False):
                if self.ngroups > 1:
                    out.append(f"  [{g}]")
                for _, r in sub.iterrows():
                    out.append(f"    {r['variable']:<20}{r['r2']:>10.{digits}f}")
        return "\n".join(out)

    def _param_lines(self, digits):
        p = self.params
        lines = []
        groups = p["group"].unique() if "group" in p.columns else [None]
        for g in groups:
            sub = p[p["group"] == g] if g is not None else p
            if g is not None and self.ngroups > 1:
                lines.append("")
                lines.append(f"Group {g} [{self.group_labels[int(g) - 1]}]:")
            cov = (sub["op"] == "~~") & (sub["lhs"] != sub["rhs"])
            var = (sub["op"] == "~~") & (sub["lhs"] == sub["rhs"])
            sections = [("Latent Variables", sub["op"] == "=~", "=~"), ("Composites", sub["op"] == "<~", "<~"),
                        ("Regressions", sub["op"] == "~", "~"),
                        ("Covariances", cov, "~~"), ("Intercepts", sub["op"] == "~1", "~1"),
                        ("Thresholds", sub["op"] == "|", "|"), ("Variances", var, "var"),
                        ("Scales y*", sub["op"] == "~*~", "~*~"), ("Defined Parameters", sub["op"] == ":=", ":=")]
            for title, mask, op in sections:
                s = sub[mask]
                if s.empty:
                    continue
                lines.append("")
                lines.append(f"{title}:")
                lines.append(f"{'':<22}{'Estimate':>10}{'Std.Err':>10}{'z-value':>10}{'P(>|z|)':>10}"
                             f"{'Std.lv':>10}{'Std.all':>10}")
                last = None
                for _, r in s.iterrows():
                    if op in ("=~", "<~", "~", "~~") and r["lhs"] != last:      # lavaan: header per lhs
                        lines.append(f"  {r['lhs']} {op}")
                        last = r["lhs"]
                    if op in ("=~", "<~", "~", "~~"):
                        name = f"    {r['rhs']}"
                    elif op == "|":
                        name = f"    {r['lhs']}|{r['rhs']}"
                    else:
                        name = f"    {r['lhs']}"
                    if r.get("label"):
                        name += f" ({r['label']})"
                    lines.append(f"{name:<22}{_fmt(r['est'], digits)}{_fmt(r['se'], digits, blank0=True)}"
                                 f"{_fmt(r['z'], digits)}{_fmt(r['pvalue'], digits)}"
                                 f"{_fmt(r['std_lv'], digits)}{_fmt(r['std_all'], digits)}")
        return lines


def _fit_lines(fm, w, digits):
    """The test and fit-measure block, with a second (scaled) column for robust estimators,
    laid out as lavaan's ``summary(fit, fit.measures = TRUE)``."""
    robust = "chisq.scaled" in fm

    def line(name, key, key_scaled=None, fmt="f"):
        if key not in fm or fm[key] is None or not np.isfinite(fm[key]):
            return None
        left = f"{fm[key]:>12.0f}" if fmt == "d" else f"{fm[key]:>12.{digits}f}"
        right = ""
        if robust and key_scaled and key_scaled in fm and np.isfinite(fm[key_scaled]):
            right = f"{fm[key_scaled]:>12.0f}" if fmt == "d" else f"{fm[key_scaled]:>12.{digits}f}"
        return f"  {name:<{w - 12}}{left}{right}"

    blocks = [
        ("Model Test User Model:", [("Test statistic", "chisq", "chisq.scaled"),
                                    ("Degrees of freedom", "df", "df.scaled", "d"),
                                    ("P-value (Chi-square)", "pvalue", "pvalue.scaled"),
                                    ("Scaling correction factor", "chisq.scaling.factor")]),
        ("Model Test Baseline Model:", [("Test statistic", "baseline.chisq", "baseline.chisq.scaled"),
                                        ("Degrees of freedom", "baseline.df", "baseline.df.scaled", "d")]),
        ("User Model versus Baseline Model:", [("Comparative Fit Index (CFI)", "cfi", "cfi.scaled"),
                                               ("Tucker-Lewis Index (TLI)", "tli", "tli.scaled"),
                                               ("Robust Comparative Fit Index (CFI)", "cfi.robust"),
                                               ("Robust Tucker-Lewis Index (TLI)", "tli.robust")]),
        ("Loglikelihood and Information Criteria:", [("Loglikelihood user model (H0)", "logl"),
                                                     ("Loglikelihood unrestricted model (H1)", "unrestricted.logl"),
                                                     ("Akaike (AIC)", "aic"), ("Bayesian (BIC)", "bic")]),
        ("Root Mean Square Error of Approximation:", [("RMSEA", "rmsea", "rmsea.scaled"),
                                                      ("90 Percent confidence interval - lower", "rmsea.ci.lower",
                                                       "rmsea.ci.lower.scaled"),
                                                      ("90 Percent confidence interval - upper", "rmsea.ci.upper",
                                                       "rmsea.ci.upper.scaled"),
                                                      ("P-value H_0: RMSEA <= 0.050", "rmsea.pvalue",
                                                       "rmsea.pvalue.scaled"),
                                                      ("Robust RMSEA", "rmsea.robust")]),
        ("Standardized Root Mean Square Residual:", [("SRMR", "srmr")]),
    ]
    out = []
    for title, rows in blocks:
        lines = [line(r[0], r[1], r[2] if len(r) > 2 else None, r[3] if len(r) > 3 else "f") for r in rows]
        lines = [x for x in lines if x]
        if not lines:
            continue
        head = title
        if robust and title.startswith("Model Test"):
            head = f"{title:<{w - 10}}{'Standard':>12}{'Scaled':>12}"
        out += [head] + lines + [""]
    return out


def _fmt(x, digits, blank0=False):
    try:
        if x is None or not np.isfinite(x):
            return f"{'':>10}"
    except TypeError:
        return f"{'':>10}"
    if blank0 and x == 0:
        return f"{'':>10}"
    return f"{x:>10.{digits}f}"


def _p_text(p) -> str:
    if p is None or not np.isfinite(p):
        return "NA"
    return "< .001" if p < 0.001 else f"{p:.3f}"
