"""Modification indices (score tests of fixed-to-zero parameters) with expected parameter change.

For a candidate parameter j, with F's gradient g and the unit expected information I at the
estimates (free block f, possibly reparametrised by constraints)::

    V_j  = I_jj - I_jf I_ff^-1 I_fj
    MI_j = N g_j^2 / (4 V_j)          EPC_j = -g_j / (2 V_j)

(Sorbom, 1989; lavaan's ``modindices`` with ``information = "expected"``). Candidates per
group: cross-loadings ``f =~ x`` and covariances ``a ~~ b`` among observed (residuals) and among
latent variables that are not yet in the model. ``sepc_all`` is the EPC on the ``std.all``
scale (also ``sepc_lv``, ``sepc_nox``). Candidates whose V_j < eps^(1/3) cannot be separated from the model's own parameters
(e.g. a cross-loading on the single indicator of a construct, whose residual variance is fixed
at 0): lavaan's MI is NA there and ``modindices`` drops the row (``na.remove = TRUE``); so do we.
The candidates are lavaan's (``lav_partable_full`` plus every fixed parameter of the model,
``lav_object_extended(all.free = TRUE)``): see :func:`_candidates`. ``sepc_lv``, ``sepc_all``,
``sepc_nox``: the EPC on the ``std.lv``, ``std.all`` and ``std.nox`` scales.

R equivalent: ``lavaan::modindices(fit)``.
"""

from __future__ import annotations

from itertools import combinations_with_replacement

import numpy as np
import pandas as pd

from loyaltyscope.cbsem.estimate import MLProblem, ml_gradient_information
from loyaltyscope.cbsem.ram import make_layout
from loyaltyscope.cbsem.standardized_solution import standardize_rows
from loyaltyscope.numerics.threads import single_blas_thread

__all__ = ["modification_indices"]

_V_TOL = np.finfo(float).eps ** (1 / 3)     # lavaan: V.diag < .Machine$double.eps^(1/3) -> NA


def _variable_sets(spec, table):
    """lavaan's ``lav_partable_full`` sets: exogenous observed covariates, indicators, and the
    names in regressions."""
    ov_x = list(spec.ov_x) + list(getattr(spec, "ov_x_free", ()))
    op, lhs, rhs = (np.asarray(table[c], dtype=object) for c in ("op", "lhs", "rhs"))
    ov = set(spec.ov_names)
    ov_ind = {v for v in rhs[op == "=~"] if v in ov}
    eqs = list(dict.fromkeys(list(lhs[op == "~"]) + list(rhs[op == "~"])))
    return ov_x, ov_ind, eqs


def _candidates(spec, table, g, meanstructure):
    """Parameters not in group ``g``'s table that lavaan's ``modindices`` considers (its
    ``lav_partable_full``): loadings of every latent variable on every observed non-covariate
    that is not in a regression; covariances and variances among the observed non-covariates
    that are indicators, among the covariates, and among the latent variables; every
    regression between two names in a regression (but no indicator on a latent variable); with a
    mean structure every intercept."""
    ov_x, ov_ind, eqs = _variable_sets(spec, table)
    sub = table[table["group"] == g]
    present = set(zip(sub["lhs"], sub["op"], sub["rhs"]))
    has = lambda a, op, b: (a, op, b) in present or (op == "~~" and (b, op, a) in present)
    lv = list(spec.lv_names)
    ov_nox = [v for v in spec.ov_names if v not in ov_x]
    eq_set = set(eqs)
    out = [(f, "=~", x) for f in lv for x in ov_nox if x not in eq_set]
    ind_nox = [v for v in ov_nox if v in ov_ind]
    out += [(a, "~~", b) for a, b in combinations_with_replacement(ind_nox, 2)]
    out += [(a, "~~", b) for a, b in combinations_with_replacement(ov_x, 2)]
    out += [(a, "~~", b) for a, b in combinations_with_replacement(lv, 2)]
    out += [(y, "~", x) for y in eqs for x in eqs if x != y and not (y in ov_ind and x in lv)]
    if meanstructure:
        out += [(v, "~1", "") for v in list(spec.ov_names) + lv]
    return [c for c in out if not has(*c) and not (lv and _on_fixed_x(c, spec.ov_x))]


def _on_fixed_x(cand, fixed_x) -> bool:
    """A (co)variance or mean of the fixed covariates or a regression of one: with latent
    variables in the model lavaan 0.6-14 reports no MI for these (NA, dropped); without (a path
    model of observed variables) it does (zero for the covariates' own moments)."""
    lhs, op, rhs = cand
    return lhs in fixed_x and (op in ("~", "~1") or (op == "~~" and rhs in fixed_x))


@single_blas_thread
def modification_indices(spec, table: pd.DataFrame, ss, Cs) -> pd.DataFrame:
    cols = ["lhs", "op", "rhs", "group", "mi", "epc", "sepc_lv", "sepc_all", "sepc_nox"]
    cand_rows = []
    for g in range(1, ss.ngroups + 1):
        for lhs, op, rhs in _candidates(spec, table, g, spec.meanstructure):
            cand_rows.append(dict(lhs=lhs, op=op, rhs=rhs, group=g))
    base = table[["lhs", "op", "rhs", "group", "free", "est"]].copy().reset_index(drop=True)
    ntheta = int(base["free"].max())
    # lavaan frees every fixed parameter of the model too (all.free = TRUE): marker and growth
    # loadings, fixed intercepts and means, the covariates' fixed (co)variances
    fixed = [k for k in np.flatnonzero((base["free"].to_numpy() == 0) & base["op"].isin(["=~", "~", "~~", "~1"]).to_numpy())
             if not (spec.lv_names and _on_fixed_x(tuple(base.loc[k, ["lhs", "op", "rhs"]]), spec.ov_x))]
    if not cand_rows and not len(fixed):
        return pd.DataFrame(columns=cols if ss.ngroups > 1 else [c for c in cols if c != "group"])
    cand = pd.DataFrame(cand_rows, columns=["lhs", "op", "rhs", "group"])
    nf, nc = len(fixed), len(cand)
    base.loc[fixed, "free"] = np.arange(ntheta + 1, ntheta + 1 + nf)
    ext = pd.concat([base, cand.assign(free=np.arange(ntheta + 1 + nf, ntheta + 1 + nf + nc), est=0.0)],
                    ignore_index=True)
    layouts = tuple(make_layout(ext, g + 1, spec.ov_names, spec.lv_names) for g in range(ss.ngroups))
    values = ext["est"].to_numpy(dtype=float)
    q = ntheta + nf + nc
    fidx = ext["free"].to_numpy() - 1
    theta = np.zeros(q)
    for k in np.flatnonzero(fidx >= 0):
        theta[fidx[k]] = values[k]
    patterns = None     # FIML: the gradient of the FIML discrepancy and the expected information
    if ss.patterns is not None:   # summed over missing-data patterns (lavaan: information = "expected")
        patterns = tuple(tuple((o, n, S, y) for o, _rows, n, S, y in pg) for pg in ss.patterns)
    problem = MLProblem(layouts, values, fidx, ss.cov, ss.mean, ss.nobs, spec.meanstructure,
                        np.eye(q), np.zeros(q), patterns)
    F, grad, info = ml_gradient_information(problem, theta)
    N = ss.ntotal
    f = np.arange(ntheta)
    c = np.arange(ntheta, q)
    Iff = info[np.ix_(f, f)]
    Ifc = info[np.ix_(f, c)]
    try:                  # lavaan: solve() of the model's information
        sol = np.linalg.solve(Iff, Ifc)
    except np.linalg.LinAlgError:
        sol = np.linalg.lstsq(Iff, Ifc, rcond=None)[0]
    V = np.diag(info[np.ix_(c, c)]) - np.einsum("fc,fc->c", Ifc, sol)
    g = grad[c]
    with np.errstate(divide="ignore", invalid="ignore"):
        mi = N * g ** 2 / (4 * V)
        epc = -g / (2 * V)
    rows = pd.concat([base.loc[fixed, ["lhs", "op", "rhs", "group"]], cand], ignore_index=True)
    out = rows.assign(mi=mi, epc=epc, **_standardized_epc(spec, table, base, rows, epc, Cs))
    # not identified given the model (e.g. a loading on a single indicator whose residual is fixed
    # at zero duplicates a structural path): lavaan sets MI to NA and drops the row (na.remove)
    out = out[V >= _V_TOL].reset_index(drop=True)
    if ss.ngroups == 1:
        out = out.drop(columns="group")
    return out


def _standardized_epc(spec, table, base, rows, epc, Cs) -> dict:
    """sepc.lv, sepc.all, sepc.nox: the EPC standardized as its parameter would be (lavaan's
    ``lav_standardize_*`` on the extended table, the model's variances scaling covariances)."""
    names = list(spec.ov_names) + list(spec.lv_names)
    sd = {k + 1: dict(zip(names, np.sqrt(np.clip(np.diag(Cs[k]), 0, None)))) for k in range(len(Cs))}
    model = base[["lhs", "op", "rhs", "group", "est"]]
    all_rows = pd.concat([model, rows.assign(est=epc)], ignore_index=True)
    ov_x = tuple(spec.ov_x) + tuple(getattr(spec, "ov_x_free", ()))
    out = {}
    for col, kind in (("sepc_lv", "std.lv"), ("sepc_all", "std.all"), ("sepc_nox", "std.nox")):
        out[col] = standardize_rows(all_rows["lhs"].to_numpy(), all_rows["op"].to_numpy(),
                                    all_rows["rhs"].to_numpy(), all_rows["group"].to_numpy(),
                                    all_rows["est"].to_numpy(), sd, spec.lv_names, kind, ov_x=ov_x)[len(model):]
    return out
