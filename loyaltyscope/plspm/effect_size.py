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
  missing-value handling); for two-stage interactions and higher-order constructs the
  stage-1 scores are those of the full model (seminr re-runs stage 1 too; see docs/pls-sweep.md).

R equivalent: ``seminr::fSquared(model, iv, dv)``; ``summary(model)$fSquare``.
"""

from __future__ import annotations

import numpy as np

from loyaltyscope.plspm.estimates import estimate_stack
from loyaltyscope.plspm.specification import PLSSpec

__all__ = ["f_squared_reestimated", "without_path"]


def without_path(spec: PLSSpec, path: tuple[str, str]) -> tuple[PLSSpec, np.ndarray]:
    """The model without ``path`` and without constructs left in no path; the kept columns
    of ``spec.items``."""
    paths = tuple(p for p in spec.paths if p != path)
    used = {x for p in paths for x in p}
    kept = tuple(c for c in spec.constructs if c in used)
    sub = PLSSpec(kept, {c: spec.blocks[c] for c in kept}, {c: spec.modes[c] for c in kept}, paths,
                  {k: v for k, v in spec.interactions.items() if k in used})
    cols = np.array([k for k, b in enumerate(spec.item_block) if spec.constructs[b] in used], dtype=int)
    return sub, cols


def f_squared_reestimated(S: np.ndarray, spec: PLSSpec, r2: np.ndarray, scheme: str, consistent: bool,
                          max_iter: int, tol: float, item_sd: np.ndarray | None = None) -> np.ndarray:
    """``F[i, j]``: f² of construct i on j (NaN where there is no path, and for the components
    of an interaction term on j).

    S : (p, p) correlations of the columns of ``spec.items``; r2 : (m,) R² of the full model;
    item_sd : (1, p) indicator standard deviations (interaction terms only).
    """
    m = len(spec.constructs)
    pos = {c: k for k, c in enumerate(spec.constructs)}
    out = np.full((m, m), np.nan)
    for a, b in spec.paths:
        components = {x for name in spec.interactions if (name, b) in spec.paths for x in spec.interactions[name]}
        if a in components:
            continue
        full = r2[pos[b]]
        sub, cols = without_path(spec, (a, b))
        excl = 0.0
        if sub.predecessors(b):
            sd = None if item_sd is None else np.asarray(item_sd)[:, cols]
            est = estimate_stack(S[np.ix_(cols, cols)], sub, scheme, consistent, max_iter, tol, sd)
            excl = est.r2[0][sub.constructs.index(b)]
        with np.errstate(divide="ignore", invalid="ignore"):   # R² = 1: f² infinite, warned by pls()
            out[pos[a], pos[b]] = np.float64(full - excl) / np.float64(1 - full)
    return out
