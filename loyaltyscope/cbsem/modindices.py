"""Modification indices (score tests of fixed-to-zero parameters) with expected parameter change.

For a candidate parameter j, with F's gradient g and the unit expected information I at the
estimates (free block f, possibly reparametrised by constraints)::

    V_j  = I_jj - I_jf I_ff^-1 I_fj
    MI_j = N g_j^2 / (4 V_j)          EPC_j = -g_j / (2 V_j)

(Sorbom, 1989; lavaan's ``modindices`` with ``information = "expected"``). Candidates per
group: cross-loadings ``f =~ x`` and covariances ``a ~~ b`` among observed (residuals) and among
latent variables that are not yet in the model. ``sepc_all`` is the EPC on the ``std.all``
scale. Candidates whose V_j < eps^(1/3) cannot be separated from the model's own parameters
(e.g. a cross-loading on the single indicator of a construct, whose residual variance is fixed
at 0): lavaan's MI is NA there and ``modindices`` drops the row (``na.remove = TRUE``); so do we.

R equivalent: ``lavaan::modindices(fit)``.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from loyaltyscope.cbsem.estimate import MLProblem, ml_gradient_information
from loyaltyscope.cbsem.ram import make_layout
from loyaltyscope.cbsem.standardized_solution import standardize_rows
from loyaltyscope.numerics.threads import single_blas_thread

__all__ = ["modification_indices"]

_V_TOL = np.finfo(float).eps ** (1 / 3)     # lavaan: V.diag < .Machine$double.eps^(1/3) -> NA


def _candidates(spec, table, g):
    sub = table[table["group"] == g]
    present = set(zip(sub["lhs"], sub["op"], sub["rhs"]))
    has = lambda a, op, b: (a, op, b) in present or (op == "~~" and (b, op, a) in present)
    ov = [v for v in spec.ov_names if v not in spec.ov_x]
    out = []
    for f in spec.lv_names:
        for x in ov:
            if not has(f, "=~", x):
                out.append((f, "=~", x))
    for a, b in combinations(ov, 2):
        if not has(a, "~~", b):
            out.append((a, "~~", b))
    for a, b in combinations(spec.lv_names, 2):
        if not has(a, "~~", b):
            out.append((a, "~~", b))
    return out


@single_blas_thread
def modification_indices(spec, table: pd.DataFrame, ss, Cs) -> pd.DataFrame:
    cand_rows = []
    for g in range(1, ss.ngroups + 1):
        for lhs, op, rhs in _candidates(spec, table, g):
            cand_rows.append(dict(lhs=lhs, op=op, rhs=rhs, group=g))
    if not cand_rows:
        return pd.DataFrame(columns=["lhs", "op", "rhs", "group", "mi", "epc", "sepc_all"])
    cand = pd.DataFrame(cand_rows)
    base = table[["lhs", "op", "rhs", "group", "free", "est"]].copy()
    ntheta = int(base["free"].max())
    ext = pd.concat([base, cand.assign(free=np.arange(ntheta + 1, ntheta + 1 + len(cand)), est=0.0)],
                    ignore_index=True)
    layouts = tuple(make_layout(ext, g + 1, spec.ov_names, spec.lv_names) for g in range(ss.ngroups))
    values = ext["est"].to_numpy(dtype=float)
    q = ntheta + len(cand)
    free_theta = np.zeros(ntheta)
    fidx = ext["free"].to_numpy() - 1
    for k in np.flatnonzero(fidx[: len(base)] >= 0):
        free_theta[fidx[k]] = values[k]
    theta = np.concatenate([free_theta, np.zeros(len(cand))])
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
    sol = np.linalg.lstsq(Iff, Ifc, rcond=None)[0]
    V = np.diag(info[np.ix_(c, c)]) - np.einsum("fc,fc->c", Ifc, sol)
    g = grad[c]
    with np.errstate(divide="ignore", invalid="ignore"):
        mi = N * g ** 2 / (4 * V)
        epc = -g / (2 * V)
    names = list(spec.ov_names) + list(spec.lv_names)
    sd = {k + 1: dict(zip(names, np.sqrt(np.clip(np.diag(Cs[k]), 0, None)))) for k in range(len(Cs))}
    all_rows = pd.concat([base[["lhs", "op", "rhs", "group", "est"]], cand.assign(est=epc)], ignore_index=True)
    sepc = standardize_rows(all_rows["lhs"].to_numpy(), all_rows["op"].to_numpy(), all_rows["rhs"].to_numpy(),
                            all_rows["group"].to_numpy(), all_rows["est"].to_numpy(), sd, spec.lv_names,
                            "std.all")[len(base):]
    out = cand.assign(mi=mi, epc=epc, sepc_all=sepc)
    # not identified given the model (e.g. a loading on a single indicator whose residual is fixed
    # at zero duplicates a structural path): lavaan sets MI to NA and drops the row (na.remove)
    out = out[V >= _V_TOL].reset_index(drop=True)
    if ss.ngroups == 1:
        out = out.drop(columns="group")
    return out
