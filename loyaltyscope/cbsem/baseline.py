"""The baseline (independence) model: what CFI/TLI and their robust versions compare against.

lavaan 0.6 (``lav_partable_independence``): every observed variable has a free variance (and,
with a mean structure, a free mean), no covariances — except among the exogenous observed
covariates: with ``fixed.x = TRUE`` their variances, covariances (and means) stay fixed at
their sample values, as in the model itself; with ``fixed.x = FALSE`` they are free (the x
block is saturated). Its ML estimates are the sample moments (under FIML: each non-x
variable's univariate ML moments from its observed values; the x block's EM moments), so
no optimisation is needed::

    chisq_0 = sum_g N_g (log|D_g| - log|S_g|),  D_g = diag(S_g) with the x block of S_g
    df_0    = G (p* - p*_x,fixed) - npar_0
    FIML:  logl_0 = sum_j -n_j / 2 (log 2 pi + log s_j^2 + 1) + logl_x,   chisq_0 = 2 (logl_H1 - logl_0)

R equivalent: ``fitMeasures(fit, c("baseline.chisq", "baseline.df"))``; ``lavaan:::lav_object_independence``.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import combinations_with_replacement

import numpy as np

from loyaltyscope.cbsem.fiml import em_saturated
from loyaltyscope.cbsem.partable import build_partable, number_free_rows
from loyaltyscope.cbsem.syntax import parse_model

__all__ = ["baseline_problem", "baseline_chisq_df", "fiml_baseline_logl"]


def _x_sets(spec):
    ov = list(spec.ov_names)
    fixed = [v for v in ov if v in set(spec.ov_x)]
    free = [v for v in ov if v in set(getattr(spec, "ov_x_free", ()))]
    return ov, fixed, free


def baseline_problem(spec, ss, make_problem):
    """(problem, theta at its ML estimates) of the baseline model of ``spec`` on ``ss``.

    ``make_problem(spec, table, ss, K, theta0)`` builds the estimation problem (the caller's).
    """
    ov, xs_fixed, xs_free = _x_sets(spec)
    xs = xs_fixed + xs_free
    lines = [f"{v} ~~ {v}" for v in ov if v not in xs]
    lines += [f"{a} ~~ {b}" for a, b in combinations_with_replacement(xs, 2)]
    bspec = build_partable(parse_model("\n".join(lines)), ngroups=ss.ngroups, meanstructure=spec.meanstructure)
    t = {c: v.copy() for c, v in bspec.columns.items()}
    pos = {v: i for i, v in enumerate(ov)}
    fixed_set = set(xs_fixed)
    free_flag = np.asarray(t["free"]) > 0
    ustart = np.asarray(t["ustart"], dtype=float).copy()
    exo = np.asarray(t["exo"]).copy()
    for k in range(len(free_flag)):
        lhs, op, rhs = t["lhs"][k], t["op"][k], t["rhs"][k]
        if lhs in fixed_set and (op == "~1" or rhs in fixed_set):
            g = t["group"][k] - 1
            free_flag[k] = False
            exo[k] = 1
            ustart[k] = ss.mean[g][pos[lhs]] if op == "~1" else ss.cov[g][pos[lhs], pos[rhs]]
    t["free"] = number_free_rows(free_flag.astype(int), t["label"])
    t["ustart"], t["exo"] = ustart, exo
    free = t["free"] - 1
    theta = np.zeros(int(free.max()) + 1)
    xset = set(xs)
    for k in np.flatnonzero(free >= 0):
        g = t["group"][k] - 1
        lhs, op, rhs = t["lhs"][k], t["op"][k], t["rhs"][k]
        if lhs in xset:     # free x block: its (EM) sample moments
            theta[free[k]] = ss.mean[g][pos[lhs]] if op == "~1" else ss.cov[g][pos[lhs], pos[rhs]]
            continue
        x = ss.data[g][:, pos[lhs]]
        x = x[~np.isnan(x)]
        theta[free[k]] = x.var() if op == "~~" else x.mean()
    q = len(theta)
    problem = make_problem(bspec, t, ss, np.eye(q), np.zeros(q))
    return replace(problem, x_idx=tuple(pos[v] for v in xs_fixed)), theta


def fiml_baseline_logl(ss, x_idx=()) -> float:
    """Log-likelihood of the baseline model under FIML (see the module docstring)."""
    x_idx = list(x_idx)
    total = 0.0
    for X in ss.data:
        for j in range(X.shape[1]):
            if j in x_idx:
                continue
            x = X[:, j][~np.isnan(X[:, j])]
            total += -len(x) / 2 * (np.log(2 * np.pi) + np.log(x.var()) + 1)
        if x_idx:
            Xx = X[:, x_idx]
            Xx = Xx[~np.isnan(Xx).all(axis=1)]
            total += em_saturated(Xx)[2]
    return total


def baseline_chisq_df(spec, ss, fiml: bool):
    """(baseline chi-square, baseline df) as lavaan (see the module docstring)."""
    ov, xs_fixed, xs_free = _x_sets(spec)
    xi = [ov.index(v) for v in xs_fixed + xs_free]
    p, ms, G = len(ov), spec.meanstructure, ss.ngroups
    nxf, nxr = len(xs_fixed), len(xs_free)
    moments_g = p * (p + 1) // 2 + (p if ms else 0)
    fixed_g = nxf * (nxf + 1) // 2 + (nxf if ms else 0)
    npar_g = (p - nxf - nxr) * (2 if ms else 1) + nxr * (nxr + 1) // 2 + (nxr if ms else 0)
    bdf = G * (moments_g - fixed_g - npar_g)
    if fiml:
        return 2 * (sum(ss.h1_logl) - fiml_baseline_logl(ss, xi)), bdf
    bchisq = 0.0
    for S, n in zip(ss.cov, ss.nobs):
        D = np.diag(np.diag(S))
        if xi:
            D[np.ix_(xi, xi)] = S[np.ix_(xi, xi)]
        bchisq += n * (np.linalg.slogdet(D)[1] - np.linalg.slogdet(S)[1])
    return bchisq, bdf
