"""The DWLS/WLSMV estimator plug-in for ordinal (Likert) items, as lavaan 0.6-14.

``ls.sem(model, data, ordered=[...])`` treats the listed items as coarsened standard-normal
variables y* with thresholds (lavaan's ``cfa(..., ordered = ...)``, estimator ``"WLSMV"``).
Sample statistics: :mod:`loyaltyscope.cbsem.ordinal_samplestats`; tests and fit measures:
:mod:`loyaltyscope.cbsem.ordinal_tests`; the results stage is the pipeline's (shared with ML).

- **Table** (``ordinal_partable``): lavaan's categorical rows (thresholds ``|``, scales
  ``~*~``, fixed residual variances and intercepts of the ordered items).
- **DWLS** (delta parameterization): sample statistics ``s = (tau, vech_offdiag(R))``, model
  ``sigma = ((tau - mu) * delta, vech_offdiag(D Sigma D))`` where ``Sigma`` is the RAM-implied
  covariance whose ordered residual variances are ``1/delta^2 - diag(Sigma | theta_ii = 0)``
  (lavaan's ``setResidualElements``). Objective ``F = sum_g (n_g - 1) (s - sigma)' W (s - sigma)``,
  ``W = diag(Gamma)^-1``; the minimum is found by Gauss-Newton. ``chisq = F`` at the minimum.
  Linear equality constraints use the shared basis of :mod:`loyaltyscope.cbsem.constraints`.
- **Robust standard errors** (``se = "robust.sem"``):
  ``V = E^-1 (sum_g f_g D' W Gamma W D) E^-1 / (N - G)``, ``E = sum_g f_g D' W D``, f_g = n_g/N.
  ``estimator="DWLS"``: ``E^-1 / (N - G)`` and the standard test only.

Observed exogenous covariates (numeric, fixed) next to ordinal items follow lavaan's
``conditional.x = TRUE``: sample statistics :mod:`loyaltyscope.cbsem.ordinal_conditional`, model
:mod:`loyaltyscope.cbsem.ordinal_conditional_model` (same optimiser, SEs and tests as here).
Covariates declared ordered are used as numeric covariates with a warning, as lavaan.
``missing="pairwise"``: the sample statistics of :mod:`loyaltyscope.cbsem.ordinal_samplestats`;
``parameterization="theta"``: :mod:`loyaltyscope.cbsem.ordinal_theta`.

Not implemented yet (a clear error instead of a different model): models mixing ordinal and
continuous endogenous observed variables, ``missing="fiml"``, covariates together with pairwise
missing data or the theta parameterization, inequality and non-linear constraints,
modification indices, the bootstrap.

R equivalent: ``lavaan::cfa(model, data, ordered = items)`` (lavaan 0.6-14: estimator
``"WLSMV"`` = DWLS + ``se = "robust.sem"`` + ``test = "scaled.shifted"``).
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd

from loyaltyscope.cbsem.constraints import constraint_functions, constraint_labels, linear_basis
from loyaltyscope.cbsem.estimates import theta_names
from loyaltyscope.cbsem.estimators import Fitted
from loyaltyscope.cbsem.ordinal_samplestats import OrdinalStats, ordinal_sample_stats
from loyaltyscope.cbsem.ordinal_tests import ordinal_fit_measures
from loyaltyscope.cbsem.partable import ModelSpec, ModelSpecError, _variable_sets, number_free_rows
from loyaltyscope.cbsem.ram import derivative_plan, implied, implied_with_derivatives, make_layout
from loyaltyscope.cbsem.start import start_values

__all__ = ["ordinal_partable", "OrdinalModel", "fit_dwls", "fit_from_starts", "information_and_vcov", "robust_vcov",
           "sample_stats", "fit", "numeric_covariates"]


# ---------------------------------------------------------------------------- parameter table
def ordinal_partable(spec: ModelSpec, nlevels: dict, group_equal=(), group_partial=()) -> dict:
    """Add lavaan's categorical rows to a table built with ``meanstructure=True, ordered=...``.

    As ``lav_partable_flat`` (lavaan 0.6-14, delta parameterization): per group, after the user
    rows, thresholds ``v | t1 .. tK-1`` (free) for every ordered variable; residual variances of
    ordered variables fixed (their value follows from the model: ``1/delta^2 - diag``); scale
    rows ``v ~*~ v`` fixed to 1, placed before the intercepts; ordered intercepts fixed 0. With
    several groups and ``"thresholds"`` in ``group_equal``: thresholds equal across groups
    (except ``group_partial``), and in groups 2.. the scales and the latent means are free.
    Returns the table as a dict of numpy columns (``id lhs op rhs user group free ustart label
    exo``; ``free`` numbered 1..npar, equal labels sharing a number).
    """
    src = spec.columns
    ordered = list(spec.ordered)
    ordset = set(ordered)
    lvset = set(spec.lv_names)
    partial = set()
    for it in group_partial or ():
        txt = it.replace(" ", "")
        if "|" in txt:
            a, b = txt.split("|", 1)
            partial.add((a, b))
    s_lhs, s_op, s_rhs, s_grp, s_user = (src[c] for c in ("lhs", "op", "rhs", "group", "user"))
    for k in np.flatnonzero(s_op == "|"):
        v, t = s_lhs[k], s_rhs[k]
        kk = int(t[1:]) if re.match(r"^t\d+$", t) else 0
        if v not in ordset:
            raise ModelSpecError(f"threshold {v} | {t}: {v!r} is not declared ordered")
        if not 1 <= kk < nlevels[v]:
            raise ModelSpecError(f"threshold {v} | {t}: {v!r} has {nlevels[v]} categories, so thresholds "
                                 f"t1..t{nlevels[v] - 1}")
    cols = {c: [] for c in ("src", "lhs", "op", "rhs", "user", "group", "free", "ustart", "label", "exo")}

    def add(k, lhs, op, rhs, user, g, free, ustart, label="", exo=0):
        for c, v in zip(cols, (k, lhs, op, rhs, user, g, free, ustart, label, exo)):
            cols[c].append(v)

    def copy(k):
        add(k, s_lhs[k], s_op[k], s_rhs[k], int(s_user[k]), int(s_grp[k]), int(src["free"][k] != 0),
            float(src["ustart"][k]), src["label"][k], int(src["exo"][k]))

    for g in range(1, spec.ngroups + 1):
        rows = np.flatnonzero(s_grp == g)
        user_th = {(s_lhs[k], s_rhs[k]) for k in rows if s_op[k] == "|"}
        defaults = [k for k in rows if s_user[k] == 0]
        first_default = rows.tolist().index(defaults[0]) if defaults else len(rows)
        for k in rows[:first_default]:
            copy(k)
        for v in ordered:
            for t in range(1, nlevels[v]):
                if (v, f"t{t}") not in user_th:
                    add(-1, v, "|", f"t{t}", 0, g, 1, np.nan)
        delta_free = g > 1 and "thresholds" in group_equal
        placed = False
        for k in rows[first_default:]:
            if not placed and s_op[k] == "~1":
                for v in ordered:
                    add(-1, v, "~*~", v, 0, g, int(delta_free), np.nan if delta_free else 1.0)
                placed = True
            copy(k)
        if not placed:
            for v in ordered:
                add(-1, v, "~*~", v, 0, g, int(delta_free), np.nan if delta_free else 1.0)
    n = len(cols["lhs"])
    table = {"id": np.arange(1, n + 1)}
    for c in ("lhs", "op", "rhs", "label"):
        table[c] = np.array(cols[c], dtype=object)
    for c in ("user", "group", "free", "exo"):
        table[c] = np.array(cols[c], dtype=int)
    table["ustart"] = np.array(cols["ustart"], dtype=float)
    lhs, op, rhs, grp, user = (table[c] for c in ("lhs", "op", "rhs", "group", "user"))
    free, ust, lab = table["free"], table["ustart"], table["label"]
    is_ord = np.isin(lhs, ordered)
    resv = (op == "~~") & (lhs == rhs) & is_ord
    free[resv], ust[resv] = 0, 1.0
    oint = (op == "~1") & is_ord & (user == 0)
    free[oint], ust[oint] = 0, 0.0
    if "thresholds" in group_equal and "means" not in group_equal:
        lmean = (op == "~1") & (user == 0) & (grp > 1) & np.isin(lhs, list(lvset))
        free[lmean], ust[lmean] = 1, np.nan
    # lavaan's automatic equality labels .pN. refer to row ids: renumber them to the new ids
    old_id = np.asarray(src["id"])
    idmap = {int(old_id[k]): i + 1 for i, k in enumerate(cols["src"]) if k >= 0}
    for k, l in enumerate(lab):
        m = re.match(r"^\.p(\d+)\.$", l or "")
        if m and int(m.group(1)) in idmap:
            lab[k] = f".p{idmap[int(m.group(1))]}."
    if spec.ngroups > 1 and "thresholds" in group_equal:
        for k in np.flatnonzero((op == "|") & (grp == 1)):
            if (lhs[k], rhs[k]) in partial or not free[k]:
                continue
            name = lab[k] or f".p{k + 1}."
            for s_ in np.flatnonzero((op == "|") & (lhs == lhs[k]) & (rhs == rhs[k])):
                if free[s_] and not (grp[s_] > 1 and lab[s_]):
                    lab[s_] = name
    table["free"] = number_free_rows(free, lab)
    return table


# ---------------------------------------------------------------------------- the model
class OrdinalModel:
    """Implied WLS statistics and their Jacobian for one parameter table.

    Per group g: ``sigma_g(theta) = ((tau - mu_v) delta_v, vech_offdiag(D Sigma D))`` in the order
    of the sample statistics; ``jacobian`` is lavaan's ``computeDelta`` (the computed residual
    variances of ordered variables are held constant in the derivatives, as lavaan does).
    """

    def __init__(self, table: dict, ov_names, lv_names, nlevels, ngroups: int):
        self.table = table
        self.ov = list(ov_names)
        self.lv = list(lv_names)
        self.p = len(self.ov)
        self.G = ngroups
        free = np.asarray(table["free"]) - 1
        self.free = free
        self.ntheta = int(free.max()) + 1 if len(free) and free.max() >= 0 else 0
        base = np.asarray(table["ustart"], float).copy()
        base[~np.isfinite(base)] = 0.0
        self.base = base
        self.free_rows = np.flatnonzero(free >= 0)
        ops, lhs, rhs, grp = (np.asarray(table[c]) for c in ("op", "lhs", "rhs", "group"))
        pos = {v: i for i, v in enumerate(self.ov)}
        nth = np.array([nlevels[v] - 1 for v in self.ov])
        self.th_off = np.concatenate([[0], np.cumsum(nth)])
        self.T = int(self.th_off[-1])
        self.n_uni = self.T              # rows before the correlations (thresholds; + slopes with covariates)
        self.nvar = self.p               # observed variables (+ covariates): lavaan's nvar in the SRMR
        self.I = np.array([i for j in range(self.p) for i in range(j + 1, self.p)], int)
        self.J = np.array([j for j in range(self.p) for i in range(j + 1, self.p)], int)
        self.groups = []
        for g in range(1, ngroups + 1):
            lay = make_layout(table, g, self.ov, self.lv)
            fpos = np.flatnonzero(free[lay.rows] >= 0)
            th_rows = np.flatnonzero((ops == "|") & (grp == g))
            th_pos = np.array([self.th_off[pos[lhs[k]]] + int(rhs[k][1:]) - 1 for k in th_rows], int)
            th_var = np.array([pos[lhs[k]] for k in th_rows], int)
            order = np.argsort(th_pos)
            th_rows, th_pos, th_var = th_rows[order], th_pos[order], th_var[order]
            if len(th_pos) != self.T or np.any(th_pos != np.arange(self.T)):
                raise ModelSpecError("every ordered variable needs all its thresholds t1..tK-1 in each group")
            d_rows = np.flatnonzero((ops == "~*~") & (grp == g))
            d_var = np.array([pos[lhs[k]] for k in d_rows], int)
            res_rows = np.flatnonzero((ops == "~~") & (lhs == rhs) & (grp == g) & np.isin(lhs, self.ov))
            res_var = np.array([pos[lhs[k]] for k in res_rows], int)
            self.groups.append(dict(layout=lay, fpos=fpos, ftheta=free[lay.rows[fpos]],
                                    plan=derivative_plan(lay, fpos), th_rows=th_rows, th_var=th_var,
                                    d_rows=d_rows, d_var=d_var, res_rows=res_rows, res_var=res_var))

    def values(self, theta: np.ndarray) -> np.ndarray:
        """All row values: free ones from theta; ordered residual variances computed."""
        vals = self.base.copy()
        vals[self.free_rows] = theta[self.free[self.free_rows]]
        for gr in self.groups:
            if not len(gr["res_rows"]):
                continue
            vals[gr["res_rows"]] = 0.0
            diag0 = self._diagonal(gr["layout"], vals)
            delta = np.ones(self.p)
            delta[gr["d_var"]] = vals[gr["d_rows"]]
            vals[gr["res_rows"]] = 1.0 / delta[gr["res_var"]] ** 2 - diag0[gr["res_var"]]
        return vals

    def _diagonal(self, layout, vals) -> np.ndarray:
        """Implied variances of the items (their residual variances at 0)."""
        return np.diag(implied(layout, vals)[0])

    def moments(self, theta: np.ndarray, jacobian: bool = True):
        """Per group: dict(est, jac, Sigma (unscaled), Sigma_star, C, delta, mu)."""
        vals = self.values(theta)
        out = []
        for gr in self.groups:
            lay = gr["layout"]
            if jacobian:
                Sig, mu, dS, dmu, C, B = implied_with_derivatives(lay, vals, gr["fpos"], gr["plan"])
            else:
                Sig, mu, C, B, _ = implied(lay, vals)
            delta = np.ones(self.p)
            delta[gr["d_var"]] = vals[gr["d_rows"]]
            tau = vals[gr["th_rows"]]
            tv = gr["th_var"]
            th = (tau - mu[tv]) * delta[tv]
            Sstar = Sig * np.outer(delta, delta)
            est = np.concatenate([th, Sstar[self.I, self.J]])
            res = dict(est=est, Sigma=Sig, Sigma_star=Sstar, C=C, delta=delta, mu=mu, vals=vals)
            if jacobian:
                nrow = self.T + len(self.I)
                jac = np.zeros((nrow, self.ntheta))
                dd = delta[self.I] * delta[self.J]
                if len(gr["fpos"]):
                    block = np.concatenate([-(dmu[:, tv] * delta[tv]).T, (dS[:, self.I, self.J] * dd).T], axis=0)
                    np.add.at(jac.T, gr["ftheta"], block.T)
                add_direct_derivatives(jac, self.free, gr, delta, tau, mu, Sig, self.I, self.J, self.T)
                res["jac"], res["dSigma"] = jac, dS
            out.append(res)
        return out


def add_direct_derivatives(jac, free, gr, delta, tau, mean0, cov, I, J, cor_offset: int):
    """The Jacobian entries that do not go through the RAM matrices (added to ``jac`` in place):
    ``d th / d tau = delta``; for a free scale ``delta_v``: ``d th_v / d delta_v = tau - mean0_v``
    and ``d (delta_v delta_w cov_vw) / d delta_v = delta_w cov_vw`` on the correlation rows
    (from ``cor_offset``)."""
    tv = gr["th_var"]
    fth = free[gr["th_rows"]]
    sel = fth >= 0
    np.add.at(jac, (np.flatnonzero(sel), fth[sel]), delta[tv[sel]])
    for k, v in zip(gr["d_rows"], gr["d_var"]):
        if free[k] < 0:
            continue
        t = free[k]
        sel = tv == v
        jac[np.flatnonzero(sel), t] += tau[sel] - mean0[v]
        hit_i, hit_j = I == v, J == v
        jac[cor_offset + np.flatnonzero(hit_i), t] += delta[J[hit_i]] * cov[v, J[hit_i]]
        jac[cor_offset + np.flatnonzero(hit_j), t] += delta[I[hit_j]] * cov[I[hit_j], v]


def fit_dwls(model: OrdinalModel, ss: OrdinalStats, theta_start: np.ndarray, max_iter: int = 500,
             tol: float = 1e-8, K: np.ndarray | None = None, theta0: np.ndarray | None = None):
    """Minimise ``F = sum_g (n_g - 1) (s_g - sigma_g)' W_g (s_g - sigma_g)`` by Gauss-Newton
    (step ``(J'WJ)^-1 J'W r``), halving the step while F does not decrease. Linear equality
    constraints enter as ``theta = theta0 + K phi`` (the optimiser works on phi).
    Returns (theta, F, converged, iterations)."""
    theta_start = np.asarray(theta_start, float)
    if K is None:
        K, theta0 = np.eye(model.ntheta), np.zeros(model.ntheta)
    phi = np.linalg.lstsq(K, theta_start - theta0, rcond=None)[0]
    theta = theta0 + K @ phi
    converged = False
    F_prev = np.inf
    t = 1.0
    step = None
    it = 0
    for it in range(1, max_iter + 1):
        mom = model.moments(theta)
        F = sum((n - 1) * np.sum(vd * (s - m["est"]) ** 2)
                for n, vd, s, m in zip(ss.nobs, ss.wls_vd, ss.wls_obs, mom))
        if not np.isfinite(F) or F > F_prev + 1e-12 * abs(F_prev):
            if step is None or t < 1e-10:
                break
            t /= 2.0                                  # back-track from the previous point
            theta = theta - t * (K @ step)
            continue
        A = np.zeros((K.shape[1], K.shape[1]))
        b = np.zeros(K.shape[1])
        for n, vd, s, m in zip(ss.nobs, ss.wls_vd, ss.wls_obs, mom):
            Jk = m["jac"] @ K
            WJ = Jk * (vd * (n - 1))[:, None]
            A += Jk.T @ WJ
            b += WJ.T @ (s - m["est"])
        try:
            step = np.linalg.solve(A, b)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(A, b, rcond=None)[0]
        if not np.all(np.isfinite(step)):
            break
        F_prev = F
        if np.max(np.abs(step)) < tol:
            converged = True
            break
        t = 1.0
        theta = theta + K @ step
    return theta, F_prev, converged, it



def fit_from_starts(model, ss, make_start, max_iter, K, theta0):
    """:func:`fit_dwls` from lavaan's moment-based start values, then the simple ones if that
    did not converge; the best run: (theta, F, converged, iterations, start strategy)."""
    best = None
    for strategy in ("moments", "simple"):
        theta, F, conv, iters = fit_dwls(model, ss, make_start(strategy), max_iter=max_iter, K=K, theta0=theta0)
        if best is None or (conv and not best[2]) or (conv == best[2] and F < best[1]):
            best = (theta, F, conv, iters, strategy)
        if conv:
            break
    return best


# ---------------------------------------------------------------------------- robust statistics
def information_and_vcov(model, ss, mom, K, with_se: bool, robust: bool, warnings: list):
    """``(E^-1, vcov)``: with equality constraints ``E^-1 = K (K' E K)^-1 K'`` (lavaan's augmented
    inverse); vcov the ``robust.sem`` sandwich (WLSMV) or ``E^-1 / (N - G)``, None when not
    asked for or when E is singular (then a warning is appended and E^-1 is a pseudo-inverse)."""
    E = K.T @ _information(model, ss, mom) @ K
    npar = K.shape[1]
    evals = np.linalg.eigvalsh(E) if npar else np.array([1.0])
    if npar and evals[0] <= 1e-10 * max(evals[-1], 1e-300):
        warnings.append("the model is not identified: the information matrix is singular; standard errors "
                        "are not available")
        return K @ np.linalg.pinv(E) @ K.T, None
    Einv = K @ np.linalg.inv(E) @ K.T if npar else np.zeros((model.ntheta, model.ntheta))
    if not with_se:
        return Einv, None
    return Einv, (robust_vcov(model, ss, mom, Einv) if robust else Einv / (ss.ntotal - ss.ngroups))


def _information(model, ss, mom):
    """E = sum_g f_g D_g' W_g D_g (lavaan's expected information for DWLS)."""
    N = ss.ntotal
    E = np.zeros((model.ntheta, model.ntheta))
    for n, vd, m in zip(ss.nobs, ss.wls_vd, mom):
        E += n / N * (m["jac"].T @ (m["jac"] * vd[:, None]))
    return E


def robust_vcov(model, ss, mom, Einv):
    """``robust.sem`` sandwich: ``E^-1 (sum_g f_g D' W Gamma W D) E^-1 / (N - G)``
    (R: ``lavaan:::lav_model_nvcov_robust_sem`` and ``lav_model_vcov``)."""
    N = ss.ntotal
    mid = np.zeros_like(Einv)
    for n, vd, G, m in zip(ss.nobs, ss.wls_vd, ss.gamma, mom):
        WD = m["jac"] * vd[:, None]
        mid += n / N * (WD.T @ G @ WD)
    return Einv @ mid @ Einv / (N - ss.ngroups)



def _reflect_factors(table, lv_names, theta):
    """With ``std_lv`` a factor's sign is arbitrary; lavaan's start values make the first
    loading positive. Reflect every factor whose first (group 1) loading is negative: negate its
    loadings, its covariances and regressions with other variables and its mean (the fit is
    unchanged)."""
    theta = theta.copy()
    free = np.asarray(table["free"]) - 1
    ops, lhs, rhs, grp = (np.asarray(table[c]) for c in ("op", "lhs", "rhs", "group"))
    ust = np.asarray(table["ustart"], float)
    for f in lv_names:
        first = np.flatnonzero((ops == "=~") & (lhs == f) & (grp == 1))
        if not len(first) or free[first[0]] < 0 or theta[free[first[0]]] >= 0:
            continue
        rows = np.flatnonzero(((ops == "=~") & (lhs == f)) | ((ops == "~1") & (lhs == f))
                              | (np.isin(ops, ["~~", "~"]) & ((lhs == f) ^ (rhs == f))))
        fixed_nonzero = [k for k in rows if free[k] < 0 and np.isfinite(ust[k]) and ust[k] != 0]
        if fixed_nonzero:
            continue
        idx = np.unique(free[rows][free[rows] >= 0])
        theta[idx] = -theta[idx]
    return theta


def _th_names(ov_names, nlevels):
    return [f"{v}|t{k}" for v, K in zip(ov_names, nlevels) for k in range(1, K)]


def numeric_covariates(formulas, options):
    """lavaan's rule for observed exogenous covariates declared ordered next to ordinal items: it
    warns ("exogenous variable(s) declared as ordered in data") and uses them as numeric
    covariates (conditional.x), with their values as they are. Returns (options without them in
    ``ordered``, the warnings). Left as they are when no other ordered item would remain."""
    ov_x = set(_variable_sets(list(formulas))[3])
    exo = [v for v in options.ordered if v in ov_x]
    if not exo or len(exo) == len(options.ordered):
        return options, ()
    note = (f"exogenous covariate(s) declared ordered: {', '.join(exo)}; used as numeric covariates with their "
            "values as they are (lavaan: \"exogenous variable(s) declared as ordered in data\")")
    return dataclasses.replace(options, ordered=tuple(v for v in options.ordered if v not in exo)), (note,)


def _check_model(spec: ModelSpec):
    """What the ordinal estimator does not implement yet: a clear error, not another model."""
    lvs = set(spec.lv_names)
    t = spec.columns
    reg = t["op"] == "~"
    dependent = set(t["lhs"][reg]) | set(t["rhs"][t["op"] == "=~"])
    exo_ord = sorted({v for v in t["rhs"][reg] if v not in lvs and v not in dependent and v in spec.ordered})
    if exo_ord:
        raise NotImplementedError(
            f"every variable declared ordered is an exogenous covariate ({', '.join(exo_ord)}): no ordinal item "
            "remains; lavaan treats observed exogenous covariates as fixed numbers (leave them out of ordered=)")
    numeric = [v for v in spec.ov_names if v not in spec.ordered and v not in spec.ov_x]
    if numeric:
        raise NotImplementedError(
            "models mixing ordinal and continuous observed variables are not implemented yet; "
            f"not declared ordered: {', '.join(numeric)} (declare them in ordered= or leave ordered= out)")
    if any(op != "==" for _, op, _ in spec.constraints):
        raise NotImplementedError("inequality constraints (<, >) are not implemented yet with ordered=")


def sample_stats(spec: ModelSpec, data: pd.DataFrame, options) -> OrdinalStats:
    """The sample-statistics stage for ordinal items (after the model checks)."""
    _check_model(spec)
    if spec.ov_x:
        other = {k: v for k, v in (("missing", getattr(options, "missing", "listwise")),
                                   ("parameterization", getattr(options, "parameterization", "delta")))
                 if v not in ("listwise", "delta")}
        if other:
            raise NotImplementedError(
                f"{', '.join(f'{k}={v!r}' for k, v in other.items())} with observed covariates next to ordinal items "
                "is not implemented yet (covariates: listwise deletion and the delta parameterization)")
        from loyaltyscope.cbsem.ordinal_conditional import conditional_sample_stats
        return conditional_sample_stats(data, [v for v in spec.ov_names if v not in spec.ov_x], spec.ov_x,
                                        options.group)
    return ordinal_sample_stats(data, spec.ov_names, options.group, options.missing)


def _start(spec, table, mdl, ss, strategy, moments=None):
    """lavaan's start values on the polychoric matrices (or ``moments`` = (covs, means)); thresholds
    from the sample; scales 1."""
    free = mdl.free
    covs, means = moments or (list(ss.cor), [np.zeros(mdl.p)] * ss.ngroups)
    sv = start_values(table, spec.ov_names, spec.lv_names, covs, means, strategy)
    for g in range(ss.ngroups):
        rows = mdl.groups[g]["th_rows"]
        sv[rows] = np.where(free[rows] >= 0, ss.th[g], sv[rows])
    sv[(table["op"] == "~*~") & (free >= 0)] = 1.0
    th = np.zeros(mdl.ntheta)
    for k in np.flatnonzero(free >= 0)[::-1]:
        th[free[k]] = sv[k]
    return th


def _catml_available(table, free, con_labels, ntheta, npar):
    """catML (robust CFI/RMSEA) exists in lavaan unless an equality constraint involves the
    thresholds or intercepts it removes (lavaan then fails and reports NA); also its npar."""
    labels, ops = np.asarray(table["label"]), np.asarray(table["op"])
    fr = free >= 0
    shared = {}
    for k in np.flatnonzero(fr):
        shared.setdefault(free[k], []).append(k)
    ok = not any(len(ks) > 1 and any(ops[k] in ("|", "~1") for k in ks) for ks in shared.values())
    ok &= not any(ops[k] in ("|", "~1") for k, lab in enumerate(labels) if lab in con_labels)
    npar_catml = len({free[k] for k in np.flatnonzero(fr) if ops[k] not in ("|", "~1")}) - (ntheta - npar)
    return ok, npar_catml


def fit(spec: ModelSpec, ss: OrdinalStats, options):
    """Estimate by DWLS and return the pieces of the shared results stage."""
    est_name, se = options.estimator, options.se
    y_names = [v for v in spec.ov_names if v not in spec.ov_x]
    nlev = dict(zip(y_names, ss.nlevels))
    table = ordinal_partable(spec, nlev, options.group_equal, options.group_partial)
    moments = hook = None
    if spec.ov_x:                     # covariates: lavaan's conditional.x
        from loyaltyscope.cbsem.ordinal_conditional_model import conditional_model, scale_rows_std_all, start_moments
        mdl = conditional_model(spec, table, ss)
        moments, hook = start_moments(mdl, ss), scale_rows_std_all
    else:
        model_class = OrdinalModel
        if options.parameterization == "theta":             # residual variances as parameters
            from loyaltyscope.cbsem.ordinal_theta import ThetaModel, theta_partable
            table = theta_partable(table, spec.ordered, ss.ngroups, options.group_equal)
            model_class = ThetaModel
        mdl = model_class(table, spec.ov_names, spec.lv_names, nlev, ss.ngroups)
    free = mdl.free
    _, h, _ = constraint_functions(spec, table, mdl.ntheta)
    K, theta0, linear = linear_basis(h, mdl.ntheta)
    if not linear:
        raise NotImplementedError("non-linear constraints are not implemented yet with ordered=")
    npar = K.shape[1]
    nstat = ss.ngroups * (mdl.n_uni + len(mdl.I))
    df = nstat - npar
    if df < 0:
        raise ModelSpecError(f"the model has more free parameters ({npar}) than sample statistics "
                             f"({nstat}): it is not identified (df = {df})")
    warnings = list(ss.warnings)
    theta, F, converged, iterations, strategy = fit_from_starts(
        mdl, ss, lambda strategy: _start(spec, table, mdl, ss, strategy, moments), options.max_iter, K, theta0)
    if options.std_lv:
        theta = _reflect_factors(table, spec.lv_names, theta)
    if not converged:
        warnings.append("the optimiser did not converge; estimates are not trustworthy")
    mom = mdl.moments(theta)
    chisq = float(F)
    N = ss.ntotal
    Einv, vcov = information_and_vcov(mdl, ss, mom, K, se != "none", se in ("robust", "robust.sem"), warnings)
    vals = mom[0]["vals"]
    table["est"] = vals
    se_rows = np.zeros(len(vals))
    fr = free >= 0
    se_rows[fr] = np.sqrt(np.clip(np.diag(vcov)[free[fr]], 0, None)) if vcov is not None else np.nan
    table["se"] = se_rows
    catml_ok, npar_catml = _catml_available(table, free, constraint_labels(spec), mdl.ntheta, npar)
    catml_ok &= not spec.ov_x         # lavaan 0.6-14 reports no robust CFI/TLI/RMSEA with conditional.x
    values_of, _, _ = constraint_functions(spec, table, mdl.ntheta, row_values=mdl.values)

    def measures():
        return ordinal_fit_measures(mdl, ss, mom, chisq, df, npar, Einv, est_name == "WLSMV", npar_catml, catml_ok)

    extra = dict(start_strategy=strategy, fmin=chisq / (2 * N),
                 thresholds={lab: pd.Series(th, index=_th_names(y_names, ss.nlevels))
                             for lab, th in zip(ss.group_labels, ss.th)},
                 levels=dict(zip(y_names, ss.levels)),
                 nacov={lab: G for lab, G in zip(ss.group_labels, ss.gamma)})
    if spec.ov_x:                     # the probit slopes of the items on the covariates, per group
        extra["slopes"] = {lab: pd.DataFrame(B, index=y_names, columns=list(ss.x_names))
                           for lab, B in zip(ss.group_labels, ss.slopes)}
    return Fitted(table=table, theta=theta, vcov=vcov, theta_names=tuple(theta_names(table, free, mdl.ntheta)),
                  values_of=values_of, converged=bool(converged), iterations=int(iterations),
                  sample_covs=tuple(getattr(ss, "joint", None) or ss.cor),
                  implied_covs=tuple(m.get("Sigma_joint", m["Sigma_star"]) for m in mom),
                  all_covs=tuple(m["C"] for m in mom), fit_measures=measures, warnings=warnings, extra=extra,
                  params_hook=hook)
