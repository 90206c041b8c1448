"""The baseline (independence) model: what CFI/TLI and their robust versions compare against.

lavaan 0.6 (``lav_partable_independence``): every observed variable has a free variance (and,
with a mean structure, a free mean), no covariances — except the fixed.x covariates, whose
variances, covariances (and means) stay fixed at their sample values, as in the model itself.
Its ML estimates are the sample variances and means (under FIML: the ML estimates from each
variable's observed values), so no optimisation is needed.

Under FIML the baseline log-likelihood is the sum of the univariate log-likelihoods of the
non-x variables plus the joint log-likelihood of the x block (complete: rows with a missing
fixed.x covariate are dropped before fitting)::

    logl_0 = sum_j -n_j / 2 (log 2 pi + log s_j^2 + 1)  -  N / 2 (k log 2 pi + log|S_xx| + k)

R equivalent: ``fitMeasures(fit, c("baseline.chisq", "baseline.df"))``; ``lavaan:::lav_object_independence``.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import combinations_with_replacement

import numpy as np

from loyaltyscope.cbsem.partable import build_partable, number_free_rows
from loyaltyscope.cbsem.syntax import parse_model

__all__ = ["baseline_problem", "fiml_baseline_logl"]


def baseline_problem(spec, ss, make_problem):
    """(problem, theta at its ML estimates) of the baseline model of ``spec`` on ``ss``.

    ``make_problem(spec, table, ss, K, theta0)`` builds the estimation problem (the caller's).
    """
    ov = list(spec.ov_names)
    xs = [v for v in ov if v in set(spec.ov_x)]
    lines = [f"{v} ~~ {v}" for v in ov if v not in xs]
    lines += [f"{a} ~~ {b}" for a, b in combinations_with_replacement(xs, 2)]
    bspec = build_partable(parse_model("\n".join(lines)), ngroups=ss.ngroups, meanstructure=spec.meanstructure)
    t = {c: v.copy() for c, v in bspec.columns.items()}
    pos = {v: i for i, v in enumerate(ov)}
    xset = set(xs)
    free_flag = np.asarray(t["free"]) > 0
    ustart = np.asarray(t["ustart"], dtype=float).copy()
    exo = np.asarray(t["exo"]).copy()
    for k in range(len(free_flag)):
        lhs, op, rhs, g = t["lhs"][k], t["op"][k], t["rhs"][k], t["group"][k] - 1
        if lhs in xset and (op == "~1" or rhs in xset):
            free_flag[k] = False
            exo[k] = 1
            ustart[k] = ss.mean[g][pos[lhs]] if op == "~1" else ss.cov[g][pos[lhs], pos[rhs]]
    t["free"] = number_free_rows(free_flag.astype(int), t["label"])
    t["ustart"], t["exo"] = ustart, exo
    free = t["free"] - 1
    theta = np.zeros(int(free.max()) + 1)
    for k in np.flatnonzero(free >= 0):
        g = t["group"][k] - 1
        x = ss.data[g][:, pos[t["lhs"][k]]]
        x = x[~np.isnan(x)]
        theta[free[k]] = x.var() if t["op"][k] == "~~" else x.mean()
    q = len(theta)
    problem = make_problem(bspec, t, ss, np.eye(q), np.zeros(q))
    return replace(problem, x_idx=tuple(pos[v] for v in xs)), theta


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
            d = Xx - Xx.mean(axis=0)
            Sxx = d.T @ d / len(Xx)
            total += -len(Xx) / 2 * (len(x_idx) * np.log(2 * np.pi) + np.linalg.slogdet(Sxx)[1] + len(x_idx))
    return total
