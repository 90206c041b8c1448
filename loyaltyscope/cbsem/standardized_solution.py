"""Standardized solutions, lavaan's ``std.lv`` and ``std.all`` (``lav_standardize.R``).

With a scale s_v per variable — std.lv: s = sd of latent variables and 1 for observed ones;
std.all: s = model-implied sd of every variable; std.nox: as std.all but s = 1 for the observed
exogenous covariates — each row is rescaled as:

- ``f =~ x``: est * s_f / s_x;   ``y ~ x``: est * s_x / s_y;   ``v ~1`` and ``v | t``: est / s_v
- ``v ~~ v``: est / s_v^2
- ``a ~~ b``: est / (sqrt|theta_aa| sqrt|theta_bb|) where theta is the (residual) variance row
  of each scaled variable (``cov.std = TRUE``: residual covariances become residual correlations)
- ``:=``: the definition evaluated on the standardized values of its labels.

Standard errors of a standardized value (``standardized_se``): the delta method with the
numerical Jacobian of the standardization (as a function of the free parameters, through the
model-implied covariance matrices of every variable) and the covariance matrix of the free
parameters, SE = sqrt(diag(J V J')) (lavaan's ``standardizedSolution(se = TRUE)``, which uses
the analytic Jacobian).

R equivalent: ``standardizedSolution(fit)`` / ``parameterEstimates(fit, standardized = TRUE)``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["standardize_rows", "standardized_se"]


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


def standardized_se(table, ov_names, lv_names, vcov, kind: str = "std.all", ov_x=()) -> np.ndarray:
    """Delta-method standard errors of the standardized values of the rows ``=~ ~ ~~ ~1`` of
    ``table`` (columns lhs, op, rhs, group, free (1-based, 0 = fixed), est); NaN elsewhere and
    when ``vcov`` is not finite. A fixed row whose standardized value still moves with the free
    parameters (a marker loading) gets its SE as lavaan does."""
    from loyaltyscope.cbsem.expressions import numeric_jacobian
    from loyaltyscope.cbsem.ram import implied, make_layout

    lhs, op, rhs, grp = (np.asarray(table[c]) for c in ("lhs", "op", "rhs", "group"))
    est = np.asarray(table["est"], dtype=float)
    free = np.asarray(table["free"], dtype=int) - 1
    V = np.asarray(vcov, dtype=float)
    if V.size == 0 or not np.isfinite(V).all():
        return np.full(len(est), np.nan)
    theta = np.zeros(V.shape[0])
    for k in np.flatnonzero(free >= 0):
        theta[free[k]] = est[k]
    groups = sorted(set(int(g) for g in grp if g > 0))
    layouts = {g: make_layout(table, g, ov_names, lv_names) for g in groups}
    names = list(ov_names) + list(lv_names)
    rows = np.isin(op, ["=~", "~", "~~", "~1"])

    def std(th):
        v = est.copy()
        v[free >= 0] = th[free[free >= 0]]
        sd = {}
        for g, lay in layouts.items():
            C = implied(lay, v)[2]
            sd[g] = dict(zip(names, np.sqrt(np.clip(np.diag(C), 0, None))))
        return standardize_rows(lhs[rows], op[rows], rhs[rows], grp[rows], v[rows], sd, lv_names, kind, ov_x=ov_x)

    J = numeric_jacobian(std, theta)
    out = np.full(len(est), np.nan)
    out[rows] = np.sqrt(np.clip(np.einsum("ij,jk,ik->i", J, V, J), 0, None))
    return out
