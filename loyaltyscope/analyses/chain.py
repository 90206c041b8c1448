"""The satisfaction chain as an SEM (``ls.satisfaction_chain``).

Constructs and paths come from the built-in ``satisfaction_chain`` instrument, after the
desires-congruency model of Spreng, MacKenzie & Olshavsky (1996): desires, expectations and
perceived performance → desires congruency and expectations congruency → attribute
satisfaction and information satisfaction → overall satisfaction. The default model lets both
congruencies drive both satisfactions. Named alternatives, each compared with the default by
the (scaled) chi-square difference test (``ls.compare``) and by AIC/BIC:

- ``narrower``: information satisfaction driven by expectations congruency only;
- ``expectations_performance``: adds expectations → perceived performance (performance is then
  endogenous, so its covariance with desires is implied rather than free: the default model
  is the freer one and the test has 1 df);
- ``performance_attribute``: adds perceived performance → attribute satisfaction.

``.effects`` lists the direct, indirect and total effect for every pair of constructs joined by
a directed path, as lavaan defined parameters (delta-method SEs, or bootstrap percentile
intervals with ``bootstrap=B``; :mod:`loyaltyscope.analyses.path_effects`). The published
path estimates of Spreng et al. (1996) are not reproduced or printed here: we do not have
them. R: ``lavaan::sem(model, data, estimator = "MLR")``, ``lavTestLRT``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import pandas as pd

from loyaltyscope.analyses.inputs import (AnalysisError, as_frame, extreme_values, require_columns,
                                          resolve_instrument)
from loyaltyscope.analyses.nested import compare
from loyaltyscope.analyses.path_effects import effects_syntax, effects_table, measurement_items
from loyaltyscope.analyses.figures import path_figure
from loyaltyscope.numerics.display import ResultProtocol
from loyaltyscope.numerics.options import check_choice, check_count, check_seed

__all__ = ["satisfaction_chain", "SatisfactionChainResult", "ALTERNATIVES"]

ALTERNATIVES = {
    "narrower": {"drop": [("information_satisfaction", "desires_congruency")], "add": []},
    "expectations_performance": {"drop": [], "add": [("performance", "expectations")]},
    "performance_attribute": {"drop": [], "add": [("attribute_satisfaction", "performance")]},
}

FIT_KEYS = ("npar", "df", "chisq", "pvalue", "chisq.scaled", "pvalue.scaled", "cfi", "tli", "rmsea", "srmr",
            "cfi.robust", "rmsea.robust", "aic", "bic")


@dataclass(frozen=True, eq=False)
class SatisfactionChainResult(ResultProtocol):
    """Result of :func:`satisfaction_chain`: ``model`` (lavaan syntax fitted), ``fit`` (the
    ``ls.sem`` result), ``effects`` (``from, to, direct, indirect, total`` and their ``_se``,
    ``_lower``, ``_upper``, ``_pvalue``, ``_std``), ``r2`` of the constructs, ``comparison``
    with the named alternatives, ``fits`` of the alternatives."""
    title = "Satisfaction chain (after Spreng, MacKenzie & Olshavsky 1996)"

    model: str
    fit: object
    effects: pd.DataFrame
    r2: pd.DataFrame
    comparison: pd.DataFrame
    fits: Mapping[str, object] = field(default_factory=dict)
    interval: str = "delta method"
    warnings: tuple[str, ...] = ()

    @property
    def nobs(self) -> int:
        return int(sum(self.fit.nobs))

    @property
    def fit_measures(self) -> Mapping[str, float]:
        return self.fit.fit_measures

    def _headline(self) -> list[str]:
        m = self.fit.fit_measures
        rob = "chisq.scaled" in m
        chi = m["chisq.scaled"] if rob else m["chisq"]
        p = m["pvalue.scaled"] if rob else m["pvalue"]
        cfi = m.get("cfi.robust", m["cfi"]) if rob else m["cfi"]
        rmsea = m.get("rmsea.robust", m["rmsea"]) if rob else m["rmsea"]
        return [f"Estimator {self.fit.estimator}; N = {self.nobs}; chi-square{' (scaled)' if rob else ''} = {chi:.2f} "
                f"on {m['df']:g} df (p = {p:.3g}); CFI = {cfi:.3f}; RMSEA = {rmsea:.3f}; SRMR = {m['srmr']:.3f}",
                f"Effects: direct, indirect (sums of products of paths) and total, SEs/intervals by the "
                f"{self.interval}.",
                "Published path estimates of Spreng et al. (1996) are not available to this package and are not "
                "shown."]

    def tables(self) -> dict[str, pd.DataFrame]:
        eff = self.effects[["from", "to", "direct", "indirect", "total", "total_se", "total_lower", "total_upper",
                            "total_pvalue"]]
        return {"effects": eff, "r2": self.r2, "comparison": self.comparison}

    def plot(self, ax=None, language: str = "en"):
        """Path diagram of the constructs with standardized coefficients (matplotlib Figure).
        Titles, axis labels and legends in ``language`` (``"en"`` or ``"zh"``)."""
        return path_figure(self.fit, ax=ax, language=language)


def _chain_syntax(inst, drop=(), add=(), extra=()) -> str:
    lines = []
    for c in inst.constructs:
        its = inst.items_of(c)
        if its:
            lines.append(f"{c} =~ " + " + ".join(its))
    regs = [(p.outcome, x) for p in inst.paths for x in p.predictors]
    regs = [r for r in regs if r not in set(drop)] + [r for r in add if r not in regs]
    for y, x in regs:
        lines.append(f"{y} ~ {x}")
    for e in extra:
        lines.append(str(e).strip())
    return "\n".join(lines) + "\n"


def _fit_row(fit) -> dict:
    m = fit.fit_measures
    return {k: m.get(k, np.nan) for k in FIT_KEYS}


def satisfaction_chain(data, model: str | None = None, estimator: str = "MLR", bootstrap: int = 0,
                       seed: int | None = None, extra_paths=(), instrument="satisfaction_chain",
                       alternatives: bool = True) -> SatisfactionChainResult:
    """Fit the satisfaction chain and report effects, R² and the named alternatives.

    Parameters
    ----------
    data : DataFrame or Responses with the instrument's item columns (``des1`` ... ``os3``).
    model : lavaan syntax to fit instead of the instrument's chain (no alternatives then).
    estimator : ``"MLR"`` (default; robust SEs, Yuan–Bentler scaled test), ``"MLM"`` or ``"ML"``.
    bootstrap : resamples for bootstrap percentile intervals of the effects (0: delta method).
    seed : bootstrap seed.
    extra_paths : extra lavaan lines, e.g. ``["overall_satisfaction ~ performance"]``.
    instrument : the instrument (name or Instrument) defining the constructs and paths.
    alternatives : also fit and compare the named alternatives (default model only).
    """
    df, inst_r, _w = as_frame(data)
    inst = resolve_instrument(instrument, inst_r)
    check_choice(estimator, "estimator", ("ML", "MLR", "MLM"), AnalysisError)
    bootstrap = check_count(bootstrap, "bootstrap", 2, AnalysisError, zero_ok=True)
    check_seed(seed, AnalysisError)
    if isinstance(extra_paths, str):
        extra_paths = [extra_paths]
    warns: list[str] = []
    if model is None:
        if inst is None or not inst.paths:
            raise AnalysisError("no model: pass model= or an instrument with structural paths")
        model = _chain_syntax(inst, extra=extra_paths)
    elif extra_paths:
        model = model.rstrip() + "\n" + "\n".join(extra_paths) + "\n"
    text, key = effects_syntax(model)
    lv = measurement_items(text)
    require_columns(df, [i for its in lv.values() for i in its if i not in lv])
    warns += extreme_values(df, [i for its in lv.values() for i in its if i not in lv])
    kw = dict(estimator=estimator)
    interval = "delta method"
    if bootstrap:
        kw.update(se="bootstrap", bootstrap=int(bootstrap), seed=seed)
        interval = f"percentile bootstrap ({bootstrap} resamples, seed {seed})"
    fit = _sem(text, df, **kw)
    warns += [f"model: {w}" for w in fit.warnings]
    eff = effects_table(fit.params, key)
    constructs = set(eff["from"]) | set(eff["to"])
    r2 = fit.r2[fit.r2["variable"].isin(constructs)].reset_index(drop=True)
    rows = {"chain": _fit_row(fit)}
    fits = {"chain": fit}
    comp = pd.DataFrame()
    if alternatives and inst is not None and inst.name == "satisfaction_chain" and model == _chain_syntax(inst):
        tests = {}
        for name, spec in ALTERNATIVES.items():
            alt = _sem(_chain_syntax(inst, spec["drop"], spec["add"]), df, estimator=estimator)
            fits[name] = alt
            rows[name] = _fit_row(alt)
            warns += [f"{name}: {w}" for w in alt.warnings]
            try:
                tests[name] = compare(fit, alt, names=["chain", name])
            except AnalysisError as e:
                warns.append(f"{name}: no difference test ({e})")
        comp = pd.DataFrame(rows).T
        comp.index.name = "model"
        for name, t in tests.items():
            comp.loc[name, "chisq_diff"] = t.statistic
            comp.loc[name, "df_diff"] = t.df
            comp.loc[name, "pvalue_diff"] = t.pvalue
        comp["best_aic"] = comp["aic"] == comp["aic"].min()
        comp["best_bic"] = comp["bic"] == comp["bic"].min()
    else:
        comp = pd.DataFrame(rows).T
        comp.index.name = "model"
    return SatisfactionChainResult(text, fit, eff, r2, comp, fits, interval, tuple(warns))


def _sem(model, data, **kw):
    """``ls.sem`` (imported late: the package imports this module while it loads)."""
    from loyaltyscope import sem
    return sem(model, data, **kw)

