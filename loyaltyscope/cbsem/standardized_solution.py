"""Standardized solutions, lavaan's ``std.lv`` and ``std.all`` (``lav_standardize.R``).

With a scale s_v per variable — std.lv: s = sd of latent variables and 1 for observed ones;
std.all: s = model-implied sd of every variable; std.nox: as std.all but s = 1 for the observed
exogenous covariates — each row is rescaled as:

- ``f =~ x``: est * s_f / s_x;   ``y ~ x``: est * s_x / s_y;   ``v ~1`` and ``v | t``: est / s_v
- ``v ~~ v``: est / s_v^2
- ``a ~~ b``: est / (sqrt|theta_aa| sqrt|theta_bb|) where theta is the (residual) variance row
  of each scaled variable (``cov.std = TRUE``: residual covariances become residual correlations)
- ``:=``: the definition evaluated on the standardized values of its labels.

R equivalent: ``standardizedSolution(fit)`` / ``parameterEstimates(fit, standardized = TRUE)``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["standardize_rows"]


def standardize_rows(lhs, op, rhs, group, est, implied_sd: dict, lv_names, kind: str, ov_x=()) -> np.ndarray:
    """Standardize the model rows (ops ``=~ ~ ~~ ~1 |``) of a table.

    Parameters
    ----------
    implied_sd : {group: {variable: model-implied sd}} for all variables.
    kind : ``"std.lv"``, ``"std.all"`` or ``"std.nox"`` (std.all with the observed exogenous
        covariates ``ov_x`` left unscaled).
    """
    lv = set(lv_names)
    xs = set(ov_x) if kind == "std.nox" else set()
    out = np.full(len(est), np.nan)
    resvar = {}
    for i in range(len(est)):
        if op[i] == "~~" and lhs[i] == rhs[i]:
            resvar[(group[i], lhs[i])] = est[i]

    def s(g, v):
        if (kind == "std.lv" and v not in lv) or v in xs:
            return 1.0
        return implied_sd[g].get(v, np.nan)

    with np.errstate(divide="ignore", invalid="ignore"):
        for i in range(len(est)):
            g, o, a, b, e = group[i], op[i], lhs[i], rhs[i], est[i]
            if o == "=~":
                out[i] = e * s(g, a) / s(g, b)
            elif o in ("~", "<~"):
                out[i] = e * s(g, b) / s(g, a)
            elif o in ("~1", "|"):
                out[i] = e / s(g, a)
            elif o == "~~" and a == b:
                out[i] = e / s(g, a) ** 2
            elif o == "~~":
                da = np.sqrt(abs(resvar.get((g, a), np.nan))) if (kind != "std.lv" or a in lv) and a not in xs else 1.0
                db = np.sqrt(abs(resvar.get((g, b), np.nan))) if (kind != "std.lv" or b in lv) and b not in xs else 1.0
                out[i] = e / (da * db)
    return out
