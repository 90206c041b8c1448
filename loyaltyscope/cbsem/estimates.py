"""The tidy parameter table of a fit (lavaan's ``parameterEstimates(fit, standardized = TRUE)``).

Shared by every estimator (ML, DWLS): model rows of the parameter table, then defined parameters
(``:=``) with delta-method standard errors (the Jacobian of the definitions at theta-hat by
central differences, ``se = sqrt(diag(J V J'))``), their standardized values (the definitions
evaluated on the standardized labelled parameters), and ``z = est / se``,
``pvalue = 2 (1 - Phi(|z|))``, ``ci = est -/+ 1.96 se`` (fixed parameters: se 0, z and p NA).

R equivalent: ``lavaan::parameterEstimates(fit, standardized = TRUE)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from loyaltyscope.cbsem.expressions import numeric_jacobian
from loyaltyscope.cbsem.standardized_solution import standardize_rows

__all__ = ["parameter_estimates", "params_table", "label_rows", "theta_names", "r_square", "diagnostics"]

_Z975 = stats.norm.ppf(0.975)


def label_rows(table) -> dict[str, int]:
    """label -> position of its first row in the table."""
    out = {}
    for k, lab in enumerate(table["label"]):
        if lab and lab not in out:
            out[lab] = k
    return out


def theta_names(table, free, ntheta) -> list[str]:
    """A readable name per free parameter: its label, else ``lhs op rhs`` (``.gK`` for group K)."""
    names = [""] * ntheta
    lhs, op, rhs = np.asarray(table["lhs"]), np.asarray(table["op"]), np.asarray(table["rhs"])
    lab, grp = np.asarray(table["label"]), np.asarray(table["group"])
    for k in np.flatnonzero(free >= 0)[::-1]:       # first row of a parameter wins
        base = f"{lhs[k]}{op[k]}{rhs[k]}"
        names[free[k]] = lab[k] or (base if grp[k] == 1 else f"{base}.g{grp[k]}")
    return names


def parameter_estimates(table, vals, se, std_lv, std_all, *, definitions, values_of, theta, vcov,
                        ngroups: int, ops=("=~", "<~", "~", "~~", "~1", "|"), std_nox=None) -> pd.DataFrame:
    """Assemble the tidy table from the row estimates, standard errors and standardized values.

    Parameters
    ----------
    table : the parameter table (columns lhs, op, rhs, group, label).
    vals, se, std_lv, std_all : per table row; ``std_nox`` too (optional: a ``std_nox`` column).
    definitions : ``(name, Expression)`` of the ``:=`` rows; ``values_of(theta)`` maps labels
        (and defined names) to values; ``vcov`` the covariance matrix of theta (or None).
    ops : which operators' rows to show, in table order.
    """
    lhs, op, rhs = np.asarray(table["lhs"]), np.asarray(table["op"]), np.asarray(table["rhs"])
    grp, lab = np.asarray(table["group"]), np.asarray(table["label"])
    keep = np.isin(op, list(ops))
    cols = {"lhs": lhs[keep], "op": op[keep], "rhs": rhs[keep], "group": grp[keep], "label": lab[keep],
            "est": vals[keep], "se": se[keep], "std_lv": std_lv[keep], "std_all": std_all[keep]}
    if std_nox is not None:
        cols["std_nox"] = std_nox[keep]
    if definitions:
        first = label_rows(table)

        def defs(th, std=None):
            v = values_of(th)
            if std is not None:
                v = {name: std[k] for name, k in first.items()}
                for name, expr in definitions:
                    v[name] = expr.evaluate(v)
            return np.array([v[name] for name, _ in definitions])

        est_d = defs(theta)
        if vcov is not None:
            J = numeric_jacobian(defs, theta)
            se_d = np.sqrt(np.clip(np.diag(J @ vcov @ J.T), 0, None))
        else:
            se_d = np.full(len(est_d), np.nan)
        names = np.array([n for n, _ in definitions], dtype=object)
        extra = {"lhs": names, "op": np.array([":="] * len(names), dtype=object),
                 "rhs": np.array([e.text.replace(" ", "") for _, e in definitions], dtype=object),
                 "group": np.zeros(len(names), int), "label": names, "est": est_d, "se": se_d,
                 "std_lv": defs(theta, std_lv), "std_all": defs(theta, std_all)}
        if std_nox is not None:
            extra["std_nox"] = defs(theta, std_nox)
        cols = {c: np.concatenate([cols[c], extra[c]]) for c in cols}
    est, se_k = cols["est"], cols["se"]
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se_k == 0, np.nan, est / se_k)
    out = {c: cols[c] for c in ("lhs", "op", "rhs", "group", "label", "est", "se")}
    out.update(z=z, pvalue=2 * stats.norm.sf(np.abs(z)), ci_lower=est - _Z975 * se_k,
               ci_upper=est + _Z975 * se_k, std_lv=cols["std_lv"], std_all=cols["std_all"])
    if "std_nox" in cols:
        out["std_nox"] = cols["std_nox"]
    if ngroups == 1:
        del out["group"]
    return pd.DataFrame(out)


def r_square(spec, table, Cs, ss):
    """R-square of endogenous variables: 1 - residual variance / implied variance (for an
    ordinal item, of its latent response y*); NaN above 1 (a negative residual variance), as
    lavaan's ``lavInspect(fit, "rsquare")``."""
    ops, lhs, rhs, grp = (np.asarray(table[c]) for c in ("op", "lhs", "rhs", "group"))
    est = np.asarray(table["est"])
    endo = set(rhs[ops == "=~"]) | set(lhs[ops == "~"])
    names = list(spec.ov_names) + list(spec.lv_names)
    rows = []
    for g in range(ss.ngroups):
        for v in names:
            if v not in endo:
                continue
            k = np.flatnonzero((ops == "~~") & (lhs == v) & (rhs == v) & (grp == g + 1))
            if not len(k):
                continue
            total = Cs[g][names.index(v), names.index(v)]
            r2 = 1 - est[k[0]] / total if total > 0 else np.nan
            rows.append((ss.group_labels[g], v, r2 if r2 <= 1 else np.nan))
    return pd.DataFrame(rows, columns=["group", "variable", "r2"])


def params_table(spec, table, vals, vcov, theta, Cs, ngroups, values_of) -> pd.DataFrame:
    """lavaan's ``parameterEstimates(fit, standardized = TRUE)`` (``std.lv``, ``std.all``,
    ``std.nox``) for any estimator: the rows
    ``=~ ~ ~~ ~1 | ~*~`` in table order, then the defined parameters. Standardized values use
    the implied covariance matrices ``Cs`` of all (observed + latent) variables per group; a
    scale row ``y ~*~ y`` is reported unstandardized in ``std_lv`` and times sd(y) in
    ``std_all`` (as lavaan)."""
    ops = np.asarray(table["op"])
    lhs, rhs, grp = np.asarray(table["lhs"]), np.asarray(table["rhs"]), np.asarray(table["group"])
    names = list(spec.ov_names) + list(spec.lv_names)
    sd = {g + 1: dict(zip(names, np.sqrt(np.clip(np.diag(C), 0, None)))) for g, C in enumerate(Cs)}
    std_lv = standardize_rows(lhs, ops, rhs, grp, vals, sd, spec.lv_names, "std.lv")
    std_all = standardize_rows(lhs, ops, rhs, grp, vals, sd, spec.lv_names, "std.all")
    ov_x = tuple(spec.ov_x) + tuple(getattr(spec, "ov_x_free", ()))
    std_nox = standardize_rows(lhs, ops, rhs, grp, vals, sd, spec.lv_names, "std.nox", ov_x=ov_x)
    dl = ops == "~*~"
    if dl.any():
        std_lv[dl] = vals[dl]
        std_all[dl] = std_nox[dl] = [vals[k] * sd[grp[k]][lhs[k]] for k in np.flatnonzero(dl)]
    return parameter_estimates(table, vals, np.asarray(table["se"], dtype=float), std_lv, std_all,
                               definitions=spec.definitions, values_of=values_of, theta=theta, vcov=vcov,
                               ngroups=ngroups, ops=("=~", "<~", "~", "~~", "~1", "|", "~*~"), std_nox=std_nox)


def diagnostics(spec, table, sigmas, ngroups, group_labels) -> list[str]:
    """Improper solutions (lavaan's ``lav_object_post_check``): negative variances (Heywood
    cases), non-positive-definite latent or residual covariance matrices, and a
    non-positive-definite model-implied covariance matrix, per group."""
    msgs = []
    lv = set(spec.lv_names)
    ops, lhs, rhs, grp = (np.asarray(table[c]) for c in ("op", "lhs", "rhs", "group"))
    est = np.asarray(table["est"])
    gname = (lambda g: f" (group {group_labels[g - 1]})") if ngroups > 1 else (lambda g: "")
    for k in np.flatnonzero((ops == "~~") & (lhs == rhs)):
        if est[k] < -1e-12:    # not a variance held at 0 by an active bound (numerically -1e-17)
            kind = "latent" if lhs[k] in lv else "residual"
            msgs.append(f"Heywood case: negative {kind} variance {lhs[k]} ~~ {lhs[k]} = {est[k]:.4g}{gname(grp[k])}")
    names = list(spec.ov_names) + list(spec.lv_names)
    nov = len(spec.ov_names)
    for g in range(ngroups):
        sel = grp == g + 1
        m = len(names)
        S_full = np.zeros((m, m))
        pos = {n: i for i, n in enumerate(names)}
        for k in np.flatnonzero(sel & (ops == "~~")):
            i, j = pos[lhs[k]], pos[rhs[k]]
            S_full[i, j] = S_full[j, i] = est[k]
        for block, label in ((slice(nov, m), "latent (residual) covariance matrix"),
                             (slice(0, nov), "residual covariance matrix of the observed variables")):
            B = S_full[block, block]
            if B.size and np.linalg.eigvalsh(B)[0] < -1e-10:
                msgs.append(f"the {label} is not positive definite{gname(g + 1)}")
        if np.linalg.eigvalsh(sigmas[g])[0] <= 0:
            msgs.append(f"the model-implied covariance matrix is not positive definite{gname(g + 1)}")
    return msgs
