"""Importance–performance analysis (Martilla & James 1977): ``ls.ipa``.

Each driver is a point (importance, performance). The map is cut into four quadrants at the
crosshair — the mean (``rule="means"``) or the median (``rule="medians"``) of the plotted
importances and performances, or values given by the user — and a driver at or above a cut
counts as high:

- high importance, low performance: "Concentrate here"
- high importance, high performance: "Keep up the good work"
- low importance, low performance: "Low priority"
- low importance, high performance: "Possible overkill"

Importance comes from a key-driver result (Shapley share by default), from SEM or PLS total
effects (any table with columns ``from, to, total``, or a result with ``.effects`` in that
shape: the total effect of each construct on ``outcome``), or a Series. Performance is a
Series (driver → mean), or is computed from ``data`` as the mean of each driver's column or,
for a construct, the mean of its items (``items={construct: [item, ...]}`` or an instrument;
an instrument's reverse-keyed items are reversed first).
R: no single function; ``ggplot2`` scatter with ``geom_vline/geom_hline`` at the means.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyaltyscope.analyses.inputs import (AnalysisError, as_frame, construct_items, keyed_items, require_columns,
                                          resolve_instrument)
from loyaltyscope.analyses.path_effects import effect_matrix
from loyaltyscope.analyses.figures import ipa_figure
from loyaltyscope.numerics.display import ResultProtocol

__all__ = ["ipa", "IPAResult", "QUADRANTS"]

QUADRANTS = {(True, False): "Concentrate here", (True, True): "Keep up the good work",
             (False, False): "Low priority", (False, True): "Possible overkill"}


@dataclass(frozen=True, eq=False)
class IPAResult(ResultProtocol):
    """Result of :func:`ipa`: ``table`` (indexed by driver) with ``importance``,
    ``performance``, ``quadrant``; the crosshair ``cut_importance``, ``cut_performance``
    and how it was chosen (``rule``); ``source`` says where the importances came from."""
    title = "Importance-performance analysis (Martilla & James 1977)"

    table: pd.DataFrame
    cut_importance: float
    cut_performance: float
    rule: str
    source: str = "importances given"
    warnings: tuple[str, ...] = ()

    def _headline(self) -> list[str]:
        return [f"Importance: {self.source}.",
                f"Quadrants cut at the {self.rule} (importance {self.cut_importance:.3f}, performance "
                f"{self.cut_performance:.3f}); a value at or above a cut counts as high.",
                "Concentrate here: " + (", ".join(self.table.index[self.table["quadrant"] == "Concentrate here"])
                                        or "none")]

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"ipa": self.table}

    def plot(self, ax=None, language: str = "en"):
        """The importance–performance map (matplotlib Figure).
        Titles, axis labels and legends in ``language`` (``"en"`` or ``"zh"``)."""
        return ipa_figure(self, ax=ax, language=language)


def _from_effects(eff: pd.DataFrame, outcome: str | None) -> tuple[pd.Series, str]:
    missing = [c for c in ("from", "to", "total") if c not in eff.columns]
    if missing:
        raise AnalysisError(f"effects table lacks column(s) {missing}; expected columns from, to, total")
    if outcome is None:
        finals = sorted(set(eff["to"]) - set(eff["from"]))
        if len(finals) != 1:
            raise AnalysisError(f"name the outcome: the effects end in {sorted(set(eff['to']))}")
        outcome = finals[0]
    sub = eff[eff["to"] == outcome]
    if sub.empty:
        raise AnalysisError(f"no effects on {outcome!r}; targets in the table: {sorted(set(eff['to']))}")
    if sub["from"].duplicated().any():
        raise AnalysisError(f"the effects on {outcome!r} list a source twice: {sorted(sub['from'][sub['from'].duplicated()])}")
    return sub.set_index("from")["total"], f"total effects on {outcome!r}"


def _importance(importance, outcome, column):
    from loyaltyscope.analyses.drivers import KeyDriversResult
    if isinstance(importance, KeyDriversResult):
        col = column or "shapley"
        if col not in importance.importance.columns:
            raise AnalysisError(f"column {col!r} not in the key-driver importance table")
        return (importance.importance[col], f"key drivers of {importance.outcome!r} ({col})",
                importance.importance["performance"])
    if isinstance(importance, pd.DataFrame):
        return (*_from_effects(importance, outcome), None)
    if hasattr(importance, "effects") and isinstance(importance.effects, pd.DataFrame):
        return (*_from_effects(importance.effects, outcome), None)
    if hasattr(importance, "params") and isinstance(importance.params, pd.DataFrame):
        _B, T = effect_matrix(importance.params)      # an ls.sem fit: totals (I - B)^-1 - I
        long = T.stack().rename("total").reset_index().set_axis(["to", "from", "total"], axis=1)
        return (*_from_effects(long[long["total"] != 0], outcome), None)
    if isinstance(importance, pd.Series):
        return importance, "importances given", None
    raise AnalysisError("importance must be a key_drivers result, a DataFrame with columns from, to, total, a "
                        f"result with .effects, or a Series; got {type(importance).__name__}")


def _performance(names, data, instrument, items) -> pd.Series:
    df, inst, _w = as_frame(data)
    inst = resolve_instrument(instrument, inst)
    groups = dict(items or {})
    if inst is not None:
        for c, its in construct_items(inst).items():
            groups.setdefault(c, its)
    out, missing = {}, []
    for nm in names:
        if nm in df.columns:
            require_columns(df, [nm])
            out[nm] = float(df[nm].mean())
        elif nm in groups and all(i in df.columns for i in groups[nm]):
            require_columns(df, list(groups[nm]))
            out[nm] = float(keyed_items(df, groups[nm], inst).mean(axis=1).mean())
        else:
            missing.append(nm)
    if missing:
        raise AnalysisError(f"no performance for {missing}: not a column of data and no items given "
                            "(pass items={construct: [items]} or an instrument)")
    return pd.Series(out)


def ipa(importance, performance=None, *, outcome: str | None = None, data=None, instrument=None, items=None,
        rule: str = "means", cut: tuple[float, float] | None = None, column: str | None = None) -> IPAResult:
    """Importance–performance map with quadrants (Martilla & James 1977).

    Parameters
    ----------
    importance : ``ls.key_drivers`` result; a DataFrame with columns ``from, to, total`` (SEM or
        PLS effects); a result with ``.effects`` in that shape; an ``ls.sem`` fit (total effects
        ``(I − B)⁻¹ − I`` of its regressions); or a Series driver → importance.
    performance : Series driver → performance (default: the key-driver means, or computed
        from ``data``).
    outcome : with effects: the construct whose total effects are the importances (default:
        the only construct that is a target but never a source).
    data, instrument, items : to compute performance as column means or construct item means.
    rule : ``"means"`` or ``"medians"`` of the plotted points for the crosshair.
    cut : ``(importance, performance)`` crosshair given by the user (overrides ``rule``).
    column : the key-driver importance column (default ``shapley``).
    """
    if rule not in ("means", "medians"):
        raise AnalysisError(f"rule must be 'means' or 'medians', got {rule!r}")
    imp, source, perf_default = _importance(importance, outcome, column)
    if performance is None:
        if data is not None:
            performance = _performance(list(imp.index), data, instrument, items)
        elif perf_default is not None:
            performance = perf_default
        else:
            raise AnalysisError("performance is needed: pass performance= (Series) or data= to compute it")
    imp = _finite_series(imp, "importance")
    performance = _finite_series(performance, "performance")
    missing = [d for d in imp.index if d not in performance.index]
    if missing:
        raise AnalysisError(f"no performance value for {missing}")
    t = pd.DataFrame({"importance": imp, "performance": performance.reindex(imp.index)})
    t.index.name = "driver"
    warns = []
    if (t["importance"] < 0).any():
        warns.append(f"negative importance for {list(t.index[t['importance'] < 0])}: the driver works against "
                     "the outcome")
    if cut is not None:
        ci, cp = _cut(cut)
        rule_text = "values given"
    else:
        f = np.mean if rule == "means" else np.median
        ci, cp = float(f(t["importance"])), float(f(t["performance"]))
        rule_text = rule
    t["quadrant"] = [QUADRANTS[(bool(i >= ci), bool(p >= cp))] for i, p in zip(t["importance"], t["performance"])]
    return IPAResult(t, ci, cp, rule_text, source, tuple(warns))


def _finite_series(values, what: str) -> pd.Series:
    """``values`` as a float Series with unique, finite entries (else an error naming them)."""
    try:
        ser = pd.Series(values)
    except (TypeError, ValueError) as e:
        raise AnalysisError(f"{what} must be a Series name -> number, got {type(values).__name__} ({e})") from None
    num = pd.to_numeric(ser, errors="coerce")
    problems = []
    if ser.empty:
        problems.append("it is empty")
    if ser.index.duplicated().any():
        problems.append(f"names given twice: {sorted(map(str, ser.index[ser.index.duplicated()]))[:10]}")
    bad = ser.index[~np.isfinite(num.to_numpy(dtype=float))]
    if len(bad):
        problems.append(f"not a finite number for {[str(b) for b in bad[:10]]} "
                        f"(values {[str(ser.loc[b]) if not ser.index.duplicated().any() else '?' for b in bad[:5]]})")
    if problems:
        raise AnalysisError(f"{what}: " + "; ".join(problems))
    return num.astype(float)


def _cut(cut) -> tuple[float, float]:
    """The user's crosshair ``(importance, performance)``: two finite numbers."""
    try:
        ci, cp = (float(v) for v in cut)
    except (TypeError, ValueError):
        raise AnalysisError(f"cut must be two numbers (importance, performance), got {cut!r}") from None
    if not (np.isfinite(ci) and np.isfinite(cp)):
        raise AnalysisError(f"cut must be two finite numbers, got {cut!r}")
    return ci, cp
