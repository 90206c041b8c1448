"""The constructs of a measurement model, and the CFA that composite reliability, AVE and the
Fornell–Larcker table are computed from.

- :func:`constructs_from_model` — construct → indicators from the ``=~`` lines of lavaan syntax.
- :func:`first_order_constructs` — the constructs measured by observed items, checked against
  the data's columns.
- :func:`measurement_fit` — one CFA (:func:`loyaltyscope.cfa`, lavaan's defaults, with the
  options given: groups, FIML, ordinal items, ``std_lv``) of the model and, per group, what
  semTools reads from a lavaan fit: loadings λ, the model-implied latent covariances
  (:func:`implied_latent_cov`, R ``lavInspect(fit, "cov.lv")``), the sample covariances S
  (``lavInspect(fit, "sampstat")$cov``: listwise with divisor n, the EM estimate with FIML,
  polychoric correlations for ordinal items), the implied Σ, thresholds and scales of ordinal
  items; and every improper part of the solution (Heywood cases: a negative residual or latent
  variance, a standardized loading above 1) named per construct, so that no statistic built on
  it passes silently. lavaan's ``auto.fix.single`` (the only indicator of a construct gets a
  zero residual variance) applies, as in every :func:`loyaltyscope.cfa` fit.
- :func:`average_variance_extracted` — semTools::AVE of one construct (shared by
  :func:`loyaltyscope.reliability` and :func:`loyaltyscope.fornell_larcker`).

The latent covariances were once taken from the ``~~`` rows of the estimates, which for a
construct regressed on others (structural models, MIMIC covariates, first-order constructs of
a higher-order one) are disturbance variances, not the variances semTools uses.

R equivalent: ``lavaan::cfa(model, data, ...)`` as semTools' ``compRelSEM``/``AVE`` read it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyaltyscope.psychometrics.itemdata import ItemDataError, item_matrix

_CFA_MAGNITUDE = 1e40       # beyond it (or below its inverse) the CFA's higher moments over- or underflow

__all__ = ["constructs_from_model", "first_order_constructs", "measurement_fit", "MeasurementFit", "MeasurementBlock",
           "implied_latent_cov", "improper_warnings", "block_cov", "average_variance_extracted"]


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
class MeasurementBlock:
    """One group of the CFA, as semTools reads it from a lavaan fit.

    ``lam[(construct, item)]`` (loadings of first-order constructs), ``beta[(to, from)]`` (loadings
    on higher-order constructs, regressions among constructs), ``phi[(c1, c2)]`` (the model-implied latent
    covariances, R ``lavInspect(fit, "cov.lv")``: for an endogenous construct its total variance,
    not its disturbance), ``S`` (``lavInspect(fit, "sampstat")$cov``: listwise covariances with
    divisor n, the EM estimate with ``missing="fiml"``, polychoric correlations for ordinal items),
    ``implied`` (``fitted(fit)$cov``), ``thresholds[item]`` and ``scales[item]`` (ordinal items),
    ``label`` and ``nobs`` of the group.
    """

    label: object
    lam: dict
    beta: dict
    phi: dict
    S: pd.DataFrame
    implied: pd.DataFrame
    thresholds: dict
    scales: dict
    nobs: int


@dataclass(frozen=True)
class MeasurementFit:
    """What composite reliability, AVE and Fornell–Larcker need from the CFA.

    ``blocks`` (one :class:`MeasurementBlock` per group), ``cross`` (items loading on more than
    one construct), ``improper[construct]`` (messages about Heywood cases touching the
    construct), ``warnings`` (the CFA's own), ``nobs`` (rows used by the CFA, all groups),
    ``ordered`` (the ordinal items). ``lam``, ``phi``, ``S`` are those of the first group.
    """

    blocks: tuple
    cross: frozenset
    improper: dict
    warnings: tuple[str, ...]
    nobs: int
    ordered: frozenset = frozenset()


def implied_latent_cov(rows, latent: list) -> np.ndarray:
    """Model-implied covariance matrix of the latent variables (R ``lavInspect(fit, "cov.lv")``).

    ``rows``: ``(lhs, op, rhs, est)`` of one group. All variables v = A v + e (RAM form):
    ``=~`` and ``~`` give A, ``~~`` gives cov(e) = P; cov(v) = (I - A)⁻¹ P (I - A)⁻ᵀ. Regressions
    on latent or observed predictors (with their ``fixed.x`` variances) count, so an endogenous
    construct gets its total variance and not its disturbance variance.
    """
    names = list(latent)
    for lhs, op, rhs, _ in rows:
        if op in ("=~", "~", "~~"):
            names += [v for v in (lhs, rhs) if v not in names]
    ix = {v: i for i, v in enumerate(names)}
    m = len(names)
    A = np.zeros((m, m))
    P = np.zeros((m, m))
    for lhs, op, rhs, est in rows:
        if op == "=~":
            A[ix[rhs], ix[lhs]] = est
        elif op == "~":
            A[ix[lhs], ix[rhs]] = est
        elif op == "~~":
            P[ix[lhs], ix[rhs]] = P[ix[rhs], ix[lhs]] = est
    B = np.linalg.inv(np.eye(m) - A)
    k = len(latent)
    return (B @ P @ B.T)[:k, :k]


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


def _block(P: pd.DataFrame, label, S: pd.DataFrame, implied: pd.DataFrame, nobs: int, first: dict,
           latent: list) -> MeasurementBlock:
    rows = list(zip(P["lhs"], P["op"], P["rhs"], P["est"].astype(float)))
    lam = {(l, r): e for l, op, r, e in rows if op == "=~" and l in first}
    # beta[(to, from)]: loadings on higher-order constructs (of constructs, and of observed items
    # measuring a higher-order construct directly) and regressions among constructs (lavaan's BETA)
    beta = {(r, l): e for l, op, r, e in rows if op == "=~" and l not in first}
    beta.update({(l, r): e for l, op, r, e in rows if op == "~" and l in latent and r in latent})
    cov_lv = implied_latent_cov(rows, latent)
    phi = {(a, b): float(cov_lv[i, j]) for i, a in enumerate(latent) for j, b in enumerate(latent)}
    thr: dict = {}
    for l, op, r, e in rows:
        if op == "|":
            thr.setdefault(l, []).append(e)
    scales = {l: e for l, op, r, e in rows if op == "~*~"}
    return MeasurementBlock(label, lam, beta, phi, S, implied, {k: np.array(v) for k, v in thr.items()}, scales, nobs)


def measurement_fit(model: str, data: pd.DataFrame, first: dict, items: list,
                    context: str = "reliability", **cfa_options) -> MeasurementFit:
    """Fit the CFA of ``model`` to ``data`` (``cfa_options``: those of :func:`loyaltyscope.cfa`,
    e.g. ``group``, ``missing``, ``ordered``, ``std_lv``, or ``sample_cov`` and ``sample_nobs``
    with ``data=None``) and collect, per group, λ, the implied
    latent covariances, the sample and implied covariances and the improper parts."""
    from loyaltyscope.cbsem import cfa

    ordered = cfa_options.get("ordered")
    if ordered is True:
        ordered = list(items)
    if ordered:
        cfa_options["ordered"] = list(ordered)
    numeric = [i for i in items if i not in set(ordered or ())]
    if numeric and data is not None:
        _check_cfa_items(data, numeric, context)
    fit = cfa(model, data, se="none", **cfa_options)   # lavaan's auto.fix.single applies
    P = fit.params
    latent = list(constructs_from_model(model))
    blocks = []
    for g, label in enumerate(fit.group_labels, start=1):
        Pg = P[P["group"] == g] if "group" in P.columns and fit.ngroups > 1 else P
        blocks.append(_block(Pg, label, fit.sample_cov[label], fit.implied[label], int(fit.nobs[g - 1]), first, latent))
    lam = blocks[0].lam
    cross = frozenset(i for i in items if sum(1 for c in first if (c, i) in lam) > 1)
    return MeasurementFit(tuple(blocks), cross, _improper_parts(P, first), tuple(fit.warnings), int(sum(fit.nobs)),
                          frozenset(ordered or ()))


def block_cov(M: pd.DataFrame, blk: MeasurementBlock, its: list, categorical: bool) -> np.ndarray:
    """V_I of the items ``its`` from ``M`` (S or Σ); ordinal items divided by their latent-response
    scales (semTools' SIGMA)."""
    V = M.loc[its, its].to_numpy(float)
    if categorical:
        s = np.array([blk.scales.get(i, 1.0) for i in its])
        V = V / np.outer(s, s)
    return V


def average_variance_extracted(blk: MeasurementBlock, construct: str, its: list, mf: MeasurementFit,
                               obs_var: bool = True) -> float:
    """semTools::AVE of one construct: Σλ² φ / tr V_I (V = S, or Σ with ``obs_var=False``); NaN
    when an item of the construct cross-loads or the construct has fewer than two items."""
    if len(its) < 2 or any(i in mf.cross for i in its):
        return float("nan")
    L = np.array([blk.lam[(construct, i)] for i in its])
    V = block_cov(blk.S if obs_var else blk.implied, blk, its, all(i in mf.ordered for i in its))
    return float((L ** 2).sum() * blk.phi[(construct, construct)] / np.trace(V))


def improper_warnings(mf: MeasurementFit, what: str) -> list[str]:
    """The CFA's own warnings (prefixed ``CFA:``; its result is not handed back, so pointers to it
    are turned into the call that gives it) and one warning per construct whose solution is
    improper, saying which statistic it spoils."""
    out = [f"CFA: {w}".replace("see result.", "see ls.cfa(model, data).") for w in mf.warnings]
    return out + [f"construct {c!r}: improper CFA solution (Heywood case: {'; '.join(msgs)}); its {what} "
                  f"come from an impossible solution and must not be reported as they are"
                  for c, msgs in mf.improper.items() if msgs]
