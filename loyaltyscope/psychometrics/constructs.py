"""The constructs of a measurement model, and the CFA that composite reliability, AVE and the
Fornell–Larcker table are computed from.

- :func:`constructs_from_model` — construct → indicators from the ``=~`` lines of lavaan syntax.
- :func:`first_order_constructs` — the constructs measured by observed items, checked against
  the data's columns.
- :func:`measurement_fit` — one ML CFA (:func:`loyaltyscope.cfa`, lavaan's defaults) of the
  model: loadings λ, latent (co)variances φ, the listwise sample covariance S (divisor n, as
  semTools), and every improper part of the solution (Heywood cases: a negative residual or
  latent variance, a standardized loading above 1) named per construct, so that no statistic
  built on it passes silently.

R equivalent: ``lavaan::cfa(model, data)`` as semTools' ``compRelSEM``/``AVE`` call it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyaltyscope.psychometrics.itemdata import ItemDataError, item_matrix

_CFA_MAGNITUDE = 1e40       # beyond it (or below its inverse) the CFA's higher moments over- or underflow

__all__ = ["constructs_from_model", "first_order_constructs", "measurement_fit", "MeasurementFit", "improper_warnings"]


def constructs_from_model(model: str) -> dict[str, list[str]]:
    """Construct → indicator names from the ``=~`` lines of a lavaan model (in order).

    Uses :func:`loyaltyscope.cbsem.parse_model`; constructs measured by other constructs
    (higher-order factors) are returned too and filtered by the callers.
    """
    from loyaltyscope.cbsem import parse_model

    out: dict[str, list[str]] = {}
    for f in parse_model(model):
        if f.op == "=~":
            out.setdefault(f.lhs, [])
            if f.rhs not in out[f.lhs]:
                out[f.lhs].append(f.rhs)
    if not out:
        raise ValueError("the model has no measurement ('=~') lines, so it defines no constructs")
    return out


def first_order_constructs(model: str, data, context: str) -> tuple[dict[str, list[str]], list[str]]:
    """``(constructs, items)``: constructs measured by observed items and all their items, in
    model order; raises naming every item that is not a column of ``data``."""
    cons = constructs_from_model(model)
    first = {c: items for c, items in cons.items() if not any(i in cons for i in items)}
    items: list[str] = []
    for c in first.values():
        items += [i for i in c if i not in items]
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{context}: data must be a DataFrame whose columns include the model's items")
    missing = [i for i in items if i not in data.columns]
    if missing:
        raise ItemDataError([(i, f"item {i!r} of the model is not a column of the data") for i in missing], context)
    return first, items


@dataclass(frozen=True)
class MeasurementFit:
    """What composite reliability, AVE and Fornell–Larcker need from the CFA.

    ``lam[(construct, item)]``, ``phi[(c1, c2)]`` (both orders), ``S`` (listwise covariances,
    divisor n), ``cross`` (items loading on more than one construct), ``improper[construct]``
    (messages about Heywood cases touching the construct), ``warnings`` (the CFA's own),
    ``nobs`` (rows used by the CFA).
    """

    lam: dict
    phi: dict
    S: pd.DataFrame
    cross: frozenset
    improper: dict
    warnings: tuple[str, ...]
    nobs: int


def _improper_parts(P: pd.DataFrame, first: dict) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {c: [] for c in first}
    for r in P.itertuples():
        if r.op == "~~" and r.lhs == r.rhs and r.est < 0:
            for c, its in first.items():
                if r.lhs == c or r.lhs in its:
                    kind = "latent" if r.lhs == c else "residual"
                    out[c].append(f"negative {kind} variance {r.lhs} ~~ {r.lhs} = {r.est:.4g}")
        if r.op == "=~" and r.lhs in first and "std_all" in P.columns and abs(r.std_all) > 1:
            out[r.lhs].append(f"standardized loading {r.lhs} =~ {r.rhs} = {r.std_all:.4g} (above 1)")
    return out


def _check_cfa_items(data: pd.DataFrame, items: list, context: str) -> None:
    """The items' data checks (non-numeric, infinite, extreme cells) and magnitudes a covariance
    matrix can hold: composite reliability and AVE depend on the items' units, so a column
    recorded in units of 1e300 or 1e-300 cannot be rescaled silently."""
    m = item_matrix(data[items], context=context)
    problems = []
    for j, name in enumerate(m.names):
        v = m.x[:, j][~np.isnan(m.x[:, j])]
        dev = np.abs(v - np.median(v)) if v.size else v
        spread = float(np.median(dev[dev > 0])) if (dev > 0).any() else 0.0
        if spread > _CFA_MAGNITUDE or 0 < spread < 1 / _CFA_MAGNITUDE:
            problems.append((name, f"column {name!r} varies by about {spread:.3g}: the CFA's moments of it would "
                                   f"over- or underflow (expected deviations between 1e-40 and 1e40); composite "
                                   f"reliability and AVE depend on the items' units, so rescale the column"))
    if problems:
        raise ItemDataError(problems, context)


def measurement_fit(model: str, data: pd.DataFrame, first: dict, items: list,
                    context: str = "reliability") -> MeasurementFit:
    """Fit the CFA of ``model`` to ``data`` and collect λ, φ, S and the improper parts."""
    from loyaltyscope.cbsem import cfa

    _check_cfa_items(data, items, context)
    fit = cfa(model, data, se="none")
    P = fit.params
    if "group" in P.columns and P["group"].notna().any():
        P = P[P["group"].fillna(1) == 1]
    lam = {(r.lhs, r.rhs): float(r.est) for r in P.itertuples() if r.op == "=~"}
    phi = {}
    for r in P.itertuples():
        if r.op == "~~" and r.lhs in first and r.rhs in first:
            phi[(r.lhs, r.rhs)] = phi[(r.rhs, r.lhs)] = float(r.est)
    all_vars = sorted({i for (c, i) in lam if c in first}, key=items.index)
    block = data[all_vars].apply(pd.to_numeric, errors="coerce").dropna()
    S = pd.DataFrame(np.cov(block.to_numpy(float), rowvar=False, ddof=0), index=all_vars, columns=all_vars)
    cross = frozenset(i for i in items if sum(1 for c in first if (c, i) in lam) > 1)
    return MeasurementFit(lam, phi, S, cross, _improper_parts(P, first), tuple(fit.warnings), int(len(block)))


def improper_warnings(mf: MeasurementFit, what: str) -> list[str]:
    """The CFA's own warnings (prefixed ``CFA:``; its result is not handed back, so pointers to it
    are turned into the call that gives it) and one warning per construct whose solution is
    improper, saying which statistic it spoils."""
    out = [f"CFA: {w}".replace("see result.", "see ls.cfa(model, data).") for w in mf.warnings]
    return out + [f"construct {c!r}: improper CFA solution (Heywood case: {'; '.join(msgs)}); its {what} "
                  f"come from an impossible solution and must not be reported as they are"
                  for c, msgs in mf.improper.items() if msgs]
