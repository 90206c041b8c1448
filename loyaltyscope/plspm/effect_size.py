"""Cohen's f² of every structural path, with the model re-estimated without the path.

``f²(i -> j) = (R²_j,incl − R²_j,excl) / (1 − R²_j,incl)`` (Cohen 1988), where ``R²_j,excl``
is the R² of j when the PLS path model is estimated again without the path i -> j (Hair et
al. 2022, *A Primer on PLS-SEM*, 3rd ed., ch. 6: "requires estimating the PLS path model
twice"). The outer weights, hence the construct scores, change when a path is dropped, so
this differs (by up to about 0.01 on the sweep's models) from regressing the full model's
scores without the predictor; R seminr's ``fSquared`` notes that the latter "is probably
incorrect".

Conventions of R seminr (``fSquared`` / ``model_fsquares``), followed here:

- when j has no other predecessor, ``R²_j,excl = 0`` (no re-estimation);
- a construct left without any structural path by the removal leaves the re-estimated model
  (it cannot influence any other construct's weights);
- the main effects of an interaction term ``A:B`` on j get no f² (NaN): dropping them would
  leave the interaction without its components; the interaction term itself gets one;
- the re-estimation uses the same scheme, PLSc setting, convergence settings and data (after
  missing-value handling); for two-stage interactions and two-stage higher-order constructs
  the whole two-stage estimation is run again without the path (stage 1 included, as seminr
  does: :func:`f_squared_refit`), otherwise the blocks' correlations are re-used
  (:func:`f_squared_reestimated`).

R equivalent: ``seminr::fSquared(model, iv, dv)``; ``summary(model)$fSquare``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from loyaltyscope.plspm.errors import PLSError
from loyaltyscope.plspm.estimates import estimate_stack
from loyaltyscope.plspm.indicator_data import DataError
from loyaltyscope.plspm.specification import ModelSpecError, PLSSpec

__all__ = ["f_squared_reestimated", "f_squared_refit", "without_path"]


def without_path(spec: PLSSpec, path: tuple[str, str]) -> PLSSpec:
    """The model without ``path`` and without the constructs it leaves in no path (a
    higher-order construct keeps its dimensions; an interaction term not yet built as a
    block keeps no block)."""
    paths = tuple(p for p in spec.paths if p != path)
    used = {x for p in paths for x in p}
    used |= {d for c in used for d in spec.blocks.get(c, ()) if d in spec.blocks}   # dimensions of a HOC
    kept = tuple(c for c in spec.constructs if c in used)
    return PLSSpec(kept, {c: spec.blocks[c] for c in kept if c in spec.blocks},
                   {c: spec.modes[c] for c in kept if c in spec.modes}, paths,
                   {k: v for k, v in spec.interactions.items() if k in used},
                   {k: v for k, v in spec.loc_reliability.items() if k in used})


def _components(spec: PLSSpec, dv: str) -> set:
    """The main effects of the interaction terms that point to ``dv``."""
    return {x for name in spec.interactions if (name, dv) in spec.paths for x in spec.interactions[name]}


def f_squared_refit(spec: PLSSpec, r2: pd.Series, refit) -> tuple[pd.DataFrame, list[str]]:
    """f² table (from, to, f2) with ``refit(sub_spec)`` -> fit of the model without a path
    (the whole estimation again); r2 : R² of the full model by construct. A reduced model that
    cannot be estimated gives NaN and a note (returned with the table)."""
    rows, notes = [], []
    for a, b in spec.paths:
        if a in _components(spec, b):
            continue
        full = float(r2[b])
        sub = without_path(spec, (a, b))
        try:
            excl = float(refit(sub).r2.loc[b, "r2"]) if sub.predecessors(b) else 0.0
        except (PLSError, ModelSpecError, DataError) as e:
            excl = np.nan
            notes.append(f"f² of {a} -> {b}: the model without this path could not be estimated ({e})")
        with np.errstate(divide="ignore", invalid="ignore"):
            rows.append({"from": a, "to": b, "f2": np.float64(full - excl) / np.float64(1 - full)})
    return pd.DataFrame(rows, columns=["from", "to", "f2"]), notes


def f_squared_reestimated(S: np.ndarray, spec: PLSSpec, r2: np.ndarray, scheme: str, consistent: bool,
                          max_iter: int, tol: float, item_sd: np.ndarray | None = None) -> np.ndarray:
    """``F[i, j]``: f² of construct i on j (NaN where there is no path, for the components of an
    interaction term on j, and where the reduced model meets a singular matrix).

    S : (p, p) correlations of the columns of ``spec.items``; r2 : (m,) R² of the full model;
    item_sd : (1, p) indicator standard deviations (interaction terms only).
    """
    m = len(spec.constructs)
    pos = {c: k for k, c in enumerate(spec.constructs)}
    out = np.full((m, m), np.nan)
    for a, b in spec.paths:
        if a in _components(spec, b):
            continue
        full = r2[pos[b]]
        sub = without_path(spec, (a, b))
        excl = 0.0
        if sub.predecessors(b):
            cols = np.flatnonzero(np.isin(np.array(spec.constructs)[spec.item_block], sub.constructs))
            sd = None if item_sd is None else np.asarray(item_sd)[:, cols]
            try:
                est = estimate_stack(S[np.ix_(cols, cols)], sub, scheme, consistent, max_iter, tol, sd)
            except np.linalg.LinAlgError:   # not seen: the full model was estimable
                continue
            excl = est.r2[0][sub.constructs.index(b)]
        with np.errstate(divide="ignore", invalid="ignore"):   # R² = 1: f² infinite, warned by pls()
            out[pos[a], pos[b]] = np.float64(full - excl) / np.float64(1 - full)
    return out
