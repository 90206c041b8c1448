"""Interaction (moderation) terms ``y ~ A + B + A:B`` in PLS path models, as seminr builds them.

``interaction="two_stage"`` (Henseler & Chin 2010; seminr ``two_stage``, its recommended
method): stage 1 estimates the model without interaction terms; the interaction construct
is a single item, the product of the standardized stage-1 scores of A and B; stage 2
estimates the full model with it.

``interaction="product_indicator"`` (Chin, Marcolin & Newsted 2003; seminr
``product_indicator``): a Mode A block of every product ``a_k · b_l`` of the standardized
indicators of A and B (items named ``a_k*b_l``).

``interaction="orthogonal"`` (Little, Bovaird & Widaman 2006; seminr ``orthogonal``): the same
products, each replaced by its OLS residual on all indicators of A and B.

As seminr (``adjust_interaction``), the interaction construct's score is then rescaled by
``Σ sd_k |λ_k| / Σ |λ_k|`` of its items, so its path coefficient is on the scale of the
product term (see :func:`loyaltyscope.plspm.estimates.estimate_stack`); its rho_A is 1 and
PLSc leaves it uncorrected, and under PLSc its path is the standardized one from the
disattenuated correlations (where the rescaling cancels; R seminr's ``PLSc``). Its loadings, rho_C and AVE are from the
correlations (seminr reports covariances with the rescaled score, so those two differ). Product items are
formed once from the full sample; the bootstrap resamples them as data (seminr recomputes
them per resample), and for ``two_stage`` it holds the stage-1 scores fixed.

R equivalent: ``seminr::interaction_term(iv = "A", moderator = "B", method = two_stage)``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from loyaltyscope.plspm.specification import ModelSpecError, PLSSpec
from loyaltyscope.numerics.magnitudes import scaled_moments
from loyaltyscope.plspm.errors import PLSError

__all__ = ["INTERACTION_METHODS", "fit_with_interactions"]

INTERACTION_METHODS = ("two_stage", "product_indicator", "orthogonal")


def _standardized(frame: pd.DataFrame) -> pd.DataFrame:
    """z-scores of the columns (missing values kept), moments without overflow or underflow."""
    out = frame.copy()
    for c in frame.columns:
        x = frame[c].dropna().to_numpy(dtype=float)
        mean, sd = scaled_moments(x[:, None])
        out[c] = (frame[c] - mean[0]) / sd[0]
    return out


def _products(data: pd.DataFrame, a_items, b_items, orthogonal: bool) -> pd.DataFrame:
    za, zb = _standardized(data[list(a_items)].astype(float)), _standardized(data[list(b_items)].astype(float))
    out = pd.DataFrame({f"{x}*{y}": za[x] * zb[y] for x in a_items for y in b_items}, index=data.index)
    if orthogonal:
        X = pd.concat([za, zb], axis=1)   # residuals on z-scores = on raw columns, at any magnitude
        ok = X.notna().all(axis=1) & out.notna().all(axis=1)
        D = np.column_stack([np.ones(int(ok.sum())), X[ok].to_numpy()])
        coef = np.linalg.lstsq(D, out[ok].to_numpy(), rcond=None)[0]
        out.loc[ok] = out[ok].to_numpy() - D @ coef
    return out


def fit_with_interactions(spec: PLSSpec, data: pd.DataFrame, method: str, fit, **kw):
    """Build the interaction blocks and fit; ``fit`` is :func:`loyaltyscope.plspm.api.fit_spec`."""
    if method not in INTERACTION_METHODS:
        raise PLSError(f"interaction must be one of {INTERACTION_METHODS}, got {method!r}")
    blocks, modes = dict(spec.blocks), dict(spec.modes)
    data2 = data
    notes = [f"interaction terms ({method}): {', '.join(spec.interactions)}"]
    if method == "two_stage":
        kw1 = {k: v for k, v in kw.items() if k not in ("bootstrap", "boot_ci", "workers", "progress")}
        first = fit(spec.main_effects(), data, **kw1)
        data2 = data.loc[first.scores.index].copy()
        for name, (a, b) in spec.interactions.items():
            item = f"{a}*{b}"
            if item in data.columns:
                raise ModelSpecError(f"the interaction item name {item!r} is already a data column")
            data2[item] = first.scores[a].to_numpy() * first.scores[b].to_numpy()
            blocks[name], modes[name] = (item,), "A"
        if kw.get("bootstrap"):
            notes.append("two-stage interaction: the bootstrap holds the stage-1 scores fixed")
    else:
        data2 = data.copy()
        for name, (a, b) in spec.interactions.items():
            prods = _products(data, spec.blocks[a], spec.blocks[b], method == "orthogonal")
            clash = [c for c in prods.columns if c in data.columns]
            if clash:
                raise ModelSpecError(f"interaction item name(s) {', '.join(clash)} are already data columns")
            for c in prods.columns:
                data2[c] = prods[c]
            blocks[name], modes[name] = tuple(prods.columns), "A"
    full = dataclasses.replace(spec, blocks=blocks, modes=modes)
    res = fit(full, data2, **kw)
    if method == "two_stage":    # stage 1's rows dropped and data notes belong to the result too
        notes = [w for w in first.warnings if w not in res.warnings] + notes
    return dataclasses.replace(res, warnings=res.warnings + tuple(notes))
