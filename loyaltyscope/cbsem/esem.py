"""Exploratory SEM blocks: ``efa("b")*f1 + efa("b")*f2 =~ x1 + ... + x6`` (lavaan 0.6-14),
with groups, ``group_equal``, structural paths to and from the block's factors and covariates.

The factors of a block load on every indicator of the block; the model is estimated in an
identified, unrotated form and then rotated, as lavaan does:

1. unrotated fit (lavaan ``lav_partable_efa_constraints``), in every group: factor variances 1
   (residual variances when the factors are regressed on something), their covariances 0 (a
   pair of one regressed and one exogenous factor has no covariance row in lavaan, hence none
   freed after the rotation),
   loadings Λ[i, j] = 0 for i < j (indicator i, factor j: m(m - 1)/2 echelon zeros), the rest
   free. With ``group_equal`` holding ``"loadings"``, later groups keep the loadings equal
   (hence the zeros) but free the block's covariances and, unless ``"lv.variances"`` is held
   equal too, its variances (lavaan ``user = 77``). The test, df and every fit index do not
   depend on the rotation.
2. rotation per group (:mod:`loyaltyscope.cbsem.esem_rotation`): geomin (ε = 0.001) or oblimin,
   oblique, standardized indicators, best of 30 random starts, reflected, ordered; the whole
   model follows (loadings, factor correlations, regressions to and from the block's factors,
   covariances with other factors, latent means).
3. standard errors (:mod:`loyaltyscope.cbsem.esem_se`): ``rotation_se="bordered"`` (lavaan's
   default: the information of the rotated model bordered by the rotation constraints; ML, MLR,
   MLM, FIML, DWLS/WLSMV) or ``"delta"`` (delta method from the unrotated vcov). The standardized solution is
   that of the rotated model.

Ordinal indicators (``ordered=``) go through the DWLS/WLSMV plug-in the same way (the rotation
sees the y* residual variances).

Written here because no Python SEM library offers lavaan's ESEM. Not implemented (clear errors):
bootstrap standard errors, non-linear constraints, orthogonal rotations.

R equivalent: ``lavaan::sem('efa("b")*f1 + efa("b")*f2 =~ x1 + ...', data, rotation = "geomin",
rotation.se = "bordered")``.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from loyaltyscope.cbsem import pipeline
from loyaltyscope.cbsem.constraints import constraint_functions, linear_basis
from loyaltyscope.cbsem.data_checks import check_data
from loyaltyscope.cbsem.esem_rotation import EfaBlock, RotationArgs, rotate_model
from loyaltyscope.cbsem.esem_se import (bordered_basis, bordered_vcov_dwls, bordered_vcov_ml, delta_jacobian,
                                        row_values_fn)
from loyaltyscope.cbsem.estimators import dwls
from loyaltyscope.cbsem.estimators.dwls import OrdinalModel
from loyaltyscope.cbsem.estimates import params_table, r_square, theta_names
from loyaltyscope.cbsem.estimators.ml import ml_problem
from loyaltyscope.cbsem.partable import number_free_rows
from loyaltyscope.cbsem.ram import make_layout, paths_inverse as _paths_inv
from loyaltyscope.cbsem.syntax import ModelSyntaxError, parse_model

__all__ = ["has_efa_blocks", "expand_efa_blocks", "fit_esem", "rotation_args"]

_EFA = re.compile(r"""efa\(\s*["']([^"']+)["']\s*\)\s*\*\s*([A-Za-z_.][\w.]*)""")
ROTATION_SE = ("bordered", "delta")


def has_efa_blocks(model) -> bool:
    return isinstance(model, str) and _EFA.search(model) is not None


def _per_group(first, later, ngroups: int) -> str:
    """A modifier: ``first`` in group 1, ``later`` in the other groups (``c(1, NA)*``)."""
    if ngroups == 1 or first == later:
        return f"{first}*"
    return "c(" + ", ".join([first] + [later] * (ngroups - 1)) + ")*"


def _parse_blocks(model: str):
    blocks: dict[str, tuple[list[str], list[str]]] = {}
    out = []
    for lineno, line in enumerate(model.splitlines(), 1):
        if not _EFA.search(line):
            out.append(line)
            continue
        if "=~" not in line:
            raise ModelSyntaxError('efa("block")* is a modifier of the factors on the left of =~', lineno, 1, line)
        lhs, rhs = line.split("=~", 1)
        terms = [t.strip() for t in lhs.split("+")]
        found = [_EFA.fullmatch(t) for t in terms]
        if not all(found):
            raise ModelSyntaxError('every factor of an EFA line needs its efa("block")* modifier', lineno, 1, line)
        inds = [t.strip() for t in rhs.split("#")[0].split("+") if t.strip()]
        if any(not re.fullmatch(r"[A-Za-z_.][\w.]*", t) for t in inds):
            raise ModelSyntaxError("the indicators of an EFA block take no modifiers", lineno, 1, line)
        for m in found:
            name, fac = m.group(1), m.group(2)
            facs, old = blocks.setdefault(name, ([], inds))
            if old != inds:
                raise ModelSyntaxError(f"EFA block {name!r}: all its factors must load on the same indicators",
                                       lineno, 1, line)
            facs.append(fac)
    return out, blocks


def expand_efa_blocks(model: str, ngroups: int = 1, group_equal=()):
    """Model text with every EFA block written out in its identified unrotated form (step 1 of
    the module docstring), and the blocks as ``{name: (factors, indicators)}``."""
    out, blocks = _parse_blocks(model)
    rest = "\n".join(out)
    endogenous = {f.lhs for f in parse_model(rest) if f.op in ("~", "<~")} if rest.strip() else set()
    equal_loadings = ngroups > 1 and "loadings" in group_equal
    var_mod = _per_group("1", "NA" if equal_loadings and "lv.variances" not in group_equal else "1", ngroups)
    cov_mod = _per_group("0", "NA" if equal_loadings else "0", ngroups)
    for name, (facs, inds) in blocks.items():
        if len(inds) < len(facs) + 1:
            raise ModelSyntaxError(f"EFA block {name!r}: {len(facs)} factors need more than {len(facs)} "
                                   "indicators", 1, 1)
        for j, f in enumerate(facs):
            out.append(f"{f} =~ " + " + ".join(("0*" if i < j else "NA*") + x for i, x in enumerate(inds)))
            out.append(f"{f} ~~ {var_mod}{f}")
            # only where lavaan's default table has the covariance (both exogenous, or both
            # regressed: residual covariance); a mixed pair has no row (not freed by the rotation)
            out += [f"{f} ~~ {cov_mod}{g}" for g in facs[j + 1:] if (f in endogenous) == (g in endogenous)]
    return "\n".join(out), blocks


def rotation_args(rotation="geomin", args=None, seed=None) -> RotationArgs:
    """:class:`RotationArgs` from lavaan-style ``rotation.args`` (``geomin.epsilon``,
    ``oblimin.gamma``, ``rstarts``, ``gpa.tol``, ``max.iter``, ``std.ov``; ``_`` or ``.``)."""
    kw = {}
    known = {"geomin_epsilon", "oblimin_gamma", "rstarts", "gpa_tol", "max_iter", "std_ov", "seed"}
    bad = []
    for k, v in dict(args or {}).items():
        key = str(k).replace(".", "_")
        (kw.__setitem__(key, v) if key in known else bad.append(k))
    if bad:
        raise ValueError(f"rotation_args: unknown or unsupported argument(s) {bad}; expected any of "
                         f"{sorted(k.replace('_', '.') for k in known)}")
    if seed is not None and "seed" not in kw:
        kw["seed"] = int(seed)
    return RotationArgs(method=str(rotation), **kw)


def _efa_rows(table, blocks):
    """Rows fixed by the block identification in some group (echelon zeros, within-block
    covariances): free in the rotated model (lavaan ``user == 7 | 77``)."""
    lhs, op, rhs = (np.asarray(table[c]) for c in ("lhs", "op", "rhs"))
    rows = np.zeros(len(lhs), bool)
    for facs, inds in blocks.values():
        for j, f in enumerate(facs):
            rows |= (lhs == f) & (op == "=~") & np.isin(rhs, inds[:j])
        rows |= (op == "~~") & np.isin(lhs, facs) & np.isin(rhs, facs) & (lhs != rhs)
    return rows


def _group_blocks(layout, blocks, g, equal_loadings):
    pos = {n: i for i, n in enumerate(layout.names)}
    return [EfaBlock(name, tuple(pos[f] for f in facs), tuple(pos[x] for x in inds),
                     constrained=not (g > 0 and equal_loadings))
            for name, (facs, inds) in blocks.items()]


def _unrotated_fit(model, data, options, sample_cov, sample_nobs, sample_mean, start):
    """The unrotated model through the pipeline's stages (as ``pipeline.run``, keeping the parameter
    table and the sample statistics); returns (blocks, spec, ss, fit)."""
    text1, _ = expand_efa_blocks(model)
    columns, ngroups, ms = pipeline.data_stage(text1, data, options, sample_cov, sample_mean)
    text, blocks = expand_efa_blocks(model, ngroups, options.group_equal)
    spec = pipeline.model_spec(text, columns, ngroups, options, ms)
    data_warnings = check_data(data, spec.ov_names, options.group, options.missing) if sample_cov is None else []
    if options.categorical:                 # ordinal indicators: the DWLS/WLSMV plug-in
        ss = dwls.sample_stats(spec, data, options)
        return blocks, spec, ss, pipeline.finish(spec, dwls.fit(spec, ss, options), options, ss)
    if options.continuous_wls:              # WLSMV/DWLS/WLS on continuous indicators
        ss, fitted = pipeline.continuous_wls_stage(spec, data, options, sample_cov, sample_nobs, sample_mean)
        return blocks, spec, ss, pipeline.finish(spec, fitted, options, ss, data_warnings)
    ss = pipeline.ml_sample_stats(spec, data, options, sample_cov, sample_nobs, sample_mean)
    fit = pipeline.fit_ml_stage(spec, ss, options, start, data_warnings)
    return blocks, spec, ss, fit


def _check_supported(options, rotation_se):
    if options.se == "bootstrap":
        raise NotImplementedError("bootstrap standard errors of EFA blocks are not implemented yet; "
                                  "use se='standard' (rotation_se='bordered' or 'delta')")
    if rotation_se not in ROTATION_SE:
        raise ValueError(f"rotation_se={rotation_se!r}: expected 'bordered' (lavaan's default) or 'delta'")


def _first_rows(free_idx, n):
    """Per free parameter, its first table row."""
    first = np.full(n, -1)
    for k in np.flatnonzero(free_idx >= 0)[::-1]:
        first[free_idx[k]] = k
    return first


def _hidden_rows(layouts, mats, n_rows):
    """Fixed rows for the entries of the rotated matrices that no table row carries (lavaan
    keeps them in its model matrices, and they enter the implied moments, the standardized
    solution and the rotated model of the bordered standard errors; they are not reported)."""
    rows = []
    for g, (lay, (A, S, m)) in enumerate(zip(layouts, mats)):
        have = {(int(k), int(r), int(c)) for k, r, c in zip(lay.kind, lay.r, lay.c)}
        have |= {(1, c, r) for k, r, c in have if k == 1}
        tol = 1e-12 * max(1.0, float(np.abs(A).max()), float(np.abs(S).max()))
        names, p = lay.names, lay.p
        for r, c in zip(*np.nonzero(np.abs(A) > tol)):
            if (0, r, c) not in have:
                rows.append((names[c], "=~", names[r], g + 1, A[r, c]) if c >= p > r
                            else (names[r], "~", names[c], g + 1, A[r, c]))
        for r, c in zip(*np.nonzero(np.triu(np.abs(S) > tol))):
            if (1, r, c) not in have:
                rows.append((names[r], "~~", names[c], g + 1, S[r, c]))
        for r in np.flatnonzero(np.abs(m) > tol):
            if (2, r, 0) not in have:
                rows.append((names[r], "~1", "", g + 1, m[r]))
    n = len(rows)
    obj = lambda i: np.array([r[i] for r in rows], dtype=object)      # noqa: E731
    vals = np.array([r[4] for r in rows], dtype=float)
    return {"id": np.arange(n_rows + 1, n_rows + n + 1), "lhs": obj(0), "op": obj(1), "rhs": obj(2),
            "user": np.zeros(n, int), "group": np.array([r[3] for r in rows], dtype=int), "free": np.zeros(n, int),
            "ustart": vals, "label": np.array([""] * n, dtype=object), "exo": np.zeros(n, int), "est": vals,
            "se": np.zeros(n)}


def _rotated_table(table, rot, mats, layouts, blocks, equal_loadings):
    """The rotated model's table: rotated values, the identification rows freed (lavaan ``PT.new``;
    with ``group_equal`` loadings the freed loadings stay equal across groups, as lavaan's
    ``.p7. == .p49.``), hidden fixed rows appended (:func:`_hidden_rows`)."""
    free_old = np.asarray(table["free"]) - 1
    efa = _efa_rows(table, blocks)
    labels = np.asarray(table["label"], dtype=object).copy()
    if equal_loadings:
        for k in np.flatnonzero(efa & (np.asarray(table["op"]) == "=~")):
            labels[k] = labels[k] or f".efa.{table['lhs'][k]}.{table['rhs'][k]}."
    new = {c: np.asarray(v).copy() for c, v in table.items()}
    new.update(label=labels, free=number_free_rows((free_old >= 0) | efa, labels), ustart=rot.copy(), est=rot.copy(),
               se=np.zeros(len(rot)))
    extra = _hidden_rows(layouts, mats, len(rot))
    return {c: np.concatenate([v, extra[c]]) if c in extra else v for c, v in new.items()}


def _rotation_vcov(fit, new, n_visible, spec, ss, layouts, gblocks, args, Ts, rotation_se, K, theta0):
    """(vcov of the rotated free parameters, per-row standard errors) — :mod:`esem_se`."""
    free_new = np.asarray(new["free"]) - 1
    first = _first_rows(free_new, K.shape[0])
    se_rows = np.zeros(len(free_new))
    est_name = fit.options.estimator
    if rotation_se == "bordered":
        if fit.options.continuous_wls:
            raise NotImplementedError("rotation_se='bordered' is not implemented for EFA blocks with "
                                      f"estimator={est_name!r} on continuous items; use rotation_se='delta'")
        theta = new["est"][first]
        if fit.options.categorical:
            mdl = OrdinalModel(new, spec.ov_names, spec.lv_names, dict(zip(spec.ov_names, ss.nlevels)), ss.ngroups)
            vcov = bordered_vcov_dwls(mdl, theta, bordered_basis(mdl.values, theta, K, layouts, gblocks, args),
                                      est_name, ss)
        else:
            problem = ml_problem(spec, new, ss, K, theta0)
            KZ = bordered_basis(row_values_fn(problem.base_values, problem.free_index), theta, K, layouts, gblocks,
                                args)
            vcov = bordered_vcov_ml(problem, theta, KZ, est_name, ss)
        fr = free_new >= 0
        se_rows[fr] = np.sqrt(np.clip(np.diag(vcov), 0, None))[free_new[fr]]
        return vcov, se_rows
    old = fit._table
    est = np.asarray(old["est"], dtype=float)
    free_old = np.asarray(old["free"]) - 1
    th_old = est[_first_rows(free_old, len(fit._theta_names))]
    if fit.options.categorical:
        values = OrdinalModel(old, spec.ov_names, spec.lv_names, dict(zip(spec.ov_names, ss.nlevels)),
                              ss.ngroups).values
    else:
        values = row_values_fn(est, free_old)
    J = delta_jacobian(layouts, gblocks, values, th_old, args, Ts)
    V_rows = J @ fit._vcov_theta @ J.T
    se_rows[:n_visible] = np.sqrt(np.clip(np.diag(V_rows), 0, None))
    se_rows[se_rows < np.finfo(float).eps ** (1 / 3)] = 0.0        # as lavaan
    return V_rows[np.ix_(first, first)], se_rows


def fit_esem(model: str, data, options, args: RotationArgs, *, rotation_se: str = "bordered", sample_cov=None,
             sample_nobs=None, sample_mean=None, start=None):
    """Fit a model with EFA blocks (see the module docstring); ``options`` are the resolved
    :class:`~loyaltyscope.cbsem.options.SemOptions` of ``ls.sem``, ``args`` the rotation
    (:func:`rotation_args`)."""
    _check_supported(options, rotation_se)
    blocks, spec, ss, fit = _unrotated_fit(model, data, options, sample_cov, sample_nobs, sample_mean, start)
    table = {c: np.asarray(v) for c, v in fit._table.items()}
    G, n_visible = ss.ngroups, len(table["est"])
    layouts = [make_layout(table, g + 1, spec.ov_names, spec.lv_names) for g in range(G)]
    equal_loadings = G > 1 and "loadings" in options.group_equal
    gblocks = [_group_blocks(layouts[g], blocks, g, equal_loadings) for g in range(G)]
    rot, Ts, mats = rotate_model(layouts, gblocks, np.asarray(table["est"], dtype=float), args)
    new = _rotated_table(table, rot, mats, layouts, blocks, equal_loadings)
    nth = int(new["free"].max())
    values_of, h, ineq = constraint_functions(spec, new, nth)
    K, theta0, linear = linear_basis(h, nth)
    if ineq is not None or not linear:
        raise NotImplementedError("EFA blocks with non-linear or inequality constraints are not implemented yet")
    vcov, warnings = None, list(fit.warnings)
    new["se"] = np.where(new["free"] > 0, np.nan, 0.0)       # no standard errors (as the pipeline)
    if fit._vcov_theta is not None and options.se != "none":
        try:
            vcov, new["se"] = _rotation_vcov(fit, new, n_visible, spec, ss, layouts, gblocks, args, Ts, rotation_se,
                                             K, theta0)
        except np.linalg.LinAlgError:
            warnings.append("the information of the rotated model, bordered by the rotation constraints, is "
                            "singular: standard errors of the rotated solution are not available")
    free_new = new["free"] - 1
    theta_rot = new["est"][_first_rows(free_new, nth)]
    Cs = tuple(B @ S @ B.T for B, S in ((_paths_inv(A), S) for A, S, _m in mats))   # implied, all variables
    shown = {c: v[:n_visible] for c, v in new.items()}
    efa_of = {f: n for n, (fs, _) in blocks.items() for f in fs}

    def params():
        P = params_table(spec, shown, shown["est"], vcov, theta_rot, Cs, G, values_of)
        P.insert(3, "efa", [efa_of.get(a, "") if o == "=~" else "" for a, o in zip(P.lhs, P.op)])
        return P

    def no_mi():
        raise NotImplementedError("modification indices of models with EFA blocks are not implemented yet")

    msg = (f"EFA block(s) {', '.join(blocks)}: loadings, factor (co)variances and the paths of their factors "
           f"rotated ({args.method}, oblique, standardized indicators, best of {args.rstarts} random starts"
           f"{', per group' if G > 1 else ''}); standard errors: rotation_se={rotation_se!r}")
    opts = replace(fit.options, rotation=args.method,
                   efa_blocks=tuple((n, tuple(fs)) for n, (fs, _) in blocks.items()))
    lazy = {**fit._lazy, "params": params, "r2": lambda: r_square(spec, shown, Cs, ss)}
    return replace(fit, _lazy=lazy, _table=shown, _vcov_theta=vcov, _theta_names=tuple(theta_names(new, free_new, nth)),
                   _modindices=no_mi, warnings=tuple(warnings) + (msg,), options=opts,
                   extra={**fit.extra, "rotation": {"method": args.method, "rotation_se": rotation_se,
                                                   "rotmat": dict(Ts), "est_unrotated": table["est"].copy()}})
