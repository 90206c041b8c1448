"""Higher-order constructs: ``HOC =~ LOC1 + LOC2`` (or ``<~``) where the right-hand side names
lower-order constructs (dimensions).

``higher_order="two_stage"`` (disjoint two-stage approach, seminr's ``higher_composite(...,
method = two_stage)``; Sarstedt et al. 2019): stage 1 estimates the model without the HOC,
its dimensions taking over the HOC's structural relations (antecedents of the HOC point to
every dimension, every dimension points to the HOC's outcomes); stage 2 estimates the
original structural model with the HOC measured by the dimensions' stage-1 scores. The
result is the stage-2 model, with the dimensions' stage-1 weights and loadings added to
``params`` and their scores to ``scores``; the measurement tables (reliability, HTMT,
Fornell–Larcker, cross-loadings, indicator VIFs) cover the stage-2 constructs and the
dimensions together, the dimensions measured by their stage-1 blocks and the HOC by the
dimensions' scores (as R seminr's ``summary()`` of such a model).

``higher_order="repeated_indicators"`` (Lohmöller 1989; Becker, Klein & Wetzels 2012): the
HOC's block repeats all indicators of its dimensions; a Mode A (``=~``) HOC gets the paths
HOC -> dimension, a Mode B (``<~``) HOC the paths dimension -> HOC.

R equivalent: ``seminr::higher_composite("HOC", dimensions = c("A", "B"), method = two_stage)``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from loyaltyscope.plspm.algorithm import lv_correlations
from loyaltyscope.plspm.consistent import disattenuate
from loyaltyscope.plspm.errors import PLSError
from loyaltyscope.plspm.estimates import hoc_composite_reliability
from loyaltyscope.plspm.quality import block_loadings, htmt_matrix
from loyaltyscope.plspm.specification import ModelSpecError, PLSSpec
from loyaltyscope.plspm.tables import measurement_tables

__all__ = ["HIGHER_ORDER_METHODS", "higher_order_constructs", "repeated_indicator_spec", "two_stage_specs",
           "fit_higher_order"]

HIGHER_ORDER_METHODS = ("two_stage", "repeated_indicators")


def higher_order_constructs(spec: PLSSpec) -> dict:
    """HOC -> tuple of its dimensions (blocks whose indicators are constructs)."""
    out = {}
    for c in spec.blocks:
        names = [x for x in spec.blocks[c] if x in spec.blocks]
        if names and len(names) != len(spec.blocks[c]):
            raise ModelSpecError(f"block {c!r} mixes constructs and indicators: {', '.join(spec.blocks[c])}")
        if names:
            out[c] = tuple(names)
    for h, dims in out.items():
        nested = [d for d in dims if d in out]
        if nested:
            raise ModelSpecError(f"{h}: third-order constructs ({', '.join(nested)} is itself higher-order) "
                                 "are not supported")
    return out


def repeated_indicator_spec(spec: PLSSpec, hocs: dict) -> PLSSpec:
    blocks = dict(spec.blocks)
    paths = list(spec.paths)
    for h, dims in hocs.items():
        blocks[h] = tuple(x for d in dims for x in spec.blocks[d])
        for d in dims:
            paths.append((h, d) if spec.modes[h] == "A" else (d, h))
    return dataclasses.replace(spec, blocks=blocks, paths=tuple(paths))


def two_stage_specs(spec: PLSSpec, hocs: dict) -> tuple[PLSSpec, PLSSpec]:
    """(stage 1, stage 2) specifications of the disjoint two-stage approach."""
    dims_all = [d for dims in hocs.values() for d in dims]
    in_paths = {x for p in spec.paths for x in p}
    clash = [d for d in dims_all if d in in_paths]
    if clash:
        raise ModelSpecError(f"dimension(s) {', '.join(clash)} of a higher-order construct also take part in "
                             "structural paths; use higher_order='repeated_indicators'")
    paths = []
    main = spec.main_effects()
    for a, b in main.paths:
        srcs = hocs.get(a, (a,))
        dsts = hocs.get(b, (b,))
        paths += [(s, t) for t in dsts for s in srcs]
    c1 = tuple(c for c in main.constructs if c not in hocs)
    stage1 = PLSSpec(c1, {c: spec.blocks[c] for c in c1}, {c: spec.modes[c] for c in c1}, tuple(paths))
    c2 = tuple(c for c in spec.constructs if c not in dims_all)
    stage2 = PLSSpec(c2, {c: spec.blocks[c] for c in c2 if c in spec.blocks},
                     {c: spec.modes[c] for c in c2 if c in spec.modes}, spec.paths, dict(spec.interactions))
    return stage1, stage2


def fit_higher_order(spec: PLSSpec, data: pd.DataFrame, method: str, fit, **kw):
    """Fit a model with higher-order constructs; ``fit`` is :func:`loyaltyscope.plspm.api.fit_spec`."""
    if method not in HIGHER_ORDER_METHODS:
        raise PLSError(f"higher_order must be one of {HIGHER_ORDER_METHODS}, got {method!r}")
    hocs = higher_order_constructs(spec)
    if method == "repeated_indicators":
        res = fit(repeated_indicator_spec(spec, hocs), data, **kw)
        return dataclasses.replace(res, warnings=res.warnings + (
            "higher-order constructs by repeated indicators: " + ", ".join(hocs),))
    stage1, stage2 = two_stage_specs(spec, hocs)
    dims = [d for ds in hocs.values() for d in ds]
    clash = [d for d in dims if d in data.columns]
    if clash:
        raise ModelSpecError(f"dimension name(s) {', '.join(clash)} are also data columns; rename them")
    kw1 = {k: v for k, v in kw.items() if k not in ("bootstrap", "boot_ci", "workers", "progress")}
    first = fit(stage1, data, **kw1)
    if kw.get("consistent"):
        stage2 = dataclasses.replace(stage2, loc_reliability=_dimension_reliabilities(first, hocs))
    data2 = data.loc[first.scores.index].copy()
    for d in dims:
        data2[d] = first.scores[d].to_numpy()
    res = fit(stage2, data2, **kw)
    p1 = first.params
    loc_rows = p1[(p1["op"] != "~") & p1["lhs"].isin(dims)]
    params = pd.concat([res.params, loc_rows], ignore_index=True)
    scores = pd.concat([res.scores, first.scores[dims]], axis=1)
    notes = (f"higher-order constructs by the two-stage approach: {', '.join(hocs)}; the dimensions' "
             "weights and loadings are from stage 1",)
    if kw.get("bootstrap"):
        notes += ("bootstrap of stage 2 only: the dimensions' stage-1 scores are held fixed",)
    notes += tuple(w for w in first.warnings if w not in res.warnings)   # rows dropped, data notes of stage 1
    tabs = _measurement_with_dimensions(res, first, dims, kw.get("consistent", False))
    return dataclasses.replace(res, params=params, scores=scores, warnings=res.warnings + notes, **tabs,
                               iterations=max(res.iterations, first.iterations),
                               converged=bool(np.all([res.converged, first.converged])))


def _dimension_reliabilities(first, hocs: dict) -> dict:
    """HOC -> the PLSc reliabilities of its dimensions in stage 1: rho_A of a multi-item Mode A
    block, 1 for a Mode B or single-item block (R seminr ``plsc_disattenuation``)."""
    s1 = first.spec
    sizes = np.bincount(s1.item_block, minlength=len(s1.constructs))
    out = {}
    for h, dims in hocs.items():
        ks = [s1.constructs.index(d) for d in dims]
        out[h] = tuple(float(first._est.rho_a[0][k]) if s1.modes[s1.constructs[k]] == "A" and sizes[k] > 1 else 1.0
                       for k in ks)
    return out


def _measurement_with_dimensions(res, first, dims: list, consistent: bool) -> dict:
    """Measurement tables over the stage-2 constructs and the dimensions (stage-1 blocks)."""
    s2, s1 = res.spec, first.spec
    spec = PLSSpec(s2.constructs + tuple(dims), {**s2.blocks, **{d: s1.blocks[d] for d in dims}},
                   {**s2.modes, **{d: s1.modes[d] for d in dims}}, s2.paths)
    z2 = pd.DataFrame(res._data.z, columns=list(res._data.columns))
    z1 = pd.DataFrame(first._data.z, columns=list(first._data.columns))
    X = np.column_stack([z2[x] for x in s2.items] + [z1[x] for d in dims for x in s1.blocks[d]])
    S = np.corrcoef(X, rowvar=False)
    in_dims = np.isin(np.array(s1.constructs)[s1.item_block], dims)
    w = np.concatenate([res._est.weights[0], first._est.weights[0][in_dims]])
    lam = np.concatenate([res._est.loadings[0], first._est.loadings[0][in_dims]])
    pos1 = [s1.constructs.index(d) for d in dims]
    q = np.concatenate([res._est.rho_a[0], first._est.rho_a[0][pos1]])
    block, m = spec.item_block, len(spec.constructs)
    R = lv_correlations(S, w[None], block, m)
    if consistent:      # the reliabilities estimate_stack used: a HOC's is that of its dimensions' composite
        sizes = np.bincount(block, minlength=m)
        reflective = np.array([spec.modes[c] == "A" and sizes[k] > 1 and c not in s2.loc_reliability
                               for k, c in enumerate(spec.constructs)])
        qq = np.where(reflective, q, 1.0)[None]
        for name, rel in s2.loc_reliability.items():
            j = spec.constructs.index(name)
            qq[:, j] = hoc_composite_reliability(S[None], w[None], block == j, np.asarray(rel, dtype=float))
        R = disattenuate(R, qq)
    tabs = measurement_tables(spec, S, lam, q, block_loadings(S, w[None], block, m)[0], htmt_matrix(S, block, m)[0],
                              R[0])
    vif = pd.concat([tabs.pop("outer_vif"), res.vif[res.vif["kind"] == "inner"]], ignore_index=True)
    return {**tabs, "vif": vif}
