"""``ls.sem()``: the named stages of a fit, from model text to a frozen result.

Stages (as lavaan's ``lavaan()``): options -> parse -> parameter table -> sample statistics ->
data checks -> constraints -> start values -> optimise -> vcov -> tests and fit measures ->
standardized solution -> diagnostics. Each stage is a function of the previous ones' outputs.

R equivalent: ``lavaan::sem(model, data, ...)``.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from loyaltyscope._version import __version__
from loyaltyscope.cbsem import fit_indices as fi
from loyaltyscope.cbsem.data_input import as_data_frame
from loyaltyscope.cbsem.esem import fit_esem, has_efa_blocks
from loyaltyscope.cbsem.baseline import baseline_chisq_df, baseline_problem
from loyaltyscope.cbsem.estimates import label_rows, parameter_estimates, r_square, theta_names
from loyaltyscope.cbsem.estimate import MLProblem, fit_ml, ml_gradient_information, optimiser_warning, row_values
from loyaltyscope.cbsem.expressions import numeric_jacobian
from loyaltyscope.cbsem.partable import ModelSpec, ModelSpecError, build_partable
from loyaltyscope.cbsem.modindices import modification_indices
from loyaltyscope.cbsem.ram import implied, make_layout
from loyaltyscope.cbsem.robust import fiml_corrected, observed_information, robust_ml
from loyaltyscope.cbsem.results import SemResult
from loyaltyscope.cbsem.samplestats import DataError, SampleStats, from_data, from_moments
from loyaltyscope.cbsem.standardize import standardize_rows
from loyaltyscope.cbsem.start import start_values
from loyaltyscope.cbsem.syntax import parse_model
from loyaltyscope.numerics.threads import single_blas_thread

__all__ = ["sem", "cfa"]



@functools.lru_cache(maxsize=64)
def _parse_cached(model: str):
    return tuple(parse_model(model))


@functools.lru_cache(maxsize=64)
def _spec_cached(model, columns, ngroups, std_lv, meanstructure, fixed_x, group_equal, group_partial) -> ModelSpec:
    """Parse + parameter table, memoised: both are pure functions of these arguments, and
    refitting one model to many data sets (waves, groups, simulations) should not redo them.
    The table is never mutated afterwards (``_fit`` works on copies of its columns)."""
    return build_partable(list(_parse_cached(model)), data_columns=columns, ngroups=ngroups, std_lv=std_lv,
                          meanstructure=meanstructure, fixed_x=fixed_x, group_equal=group_equal,
                          group_partial=group_partial)


def _check_options(estimator, missing, se, ordered, data, sample_cov):
    est = str(estimator).upper()
    if est not in ("ML", "MLR", "MLM", "WLSMV", "DWLS"):
        raise ValueError(f"estimator={estimator!r} is not known; expected ML, MLR, MLM or WLSMV")
    if est in ("WLSMV", "DWLS"):
        raise ValueError(f"estimator={estimator!r} is for ordinal items: give ordered=[...] as well")
    if est == "MLM" and str(missing).lower() != "listwise":
        raise ValueError("estimator='MLM' (Satorra-Bentler) needs complete data; use missing='listwise' "
                         "or estimator='MLR' with missing='fiml'")
    if str(missing).lower() not in ("listwise", "fiml", "ml"):
        raise ValueError(f"missing={missing!r} is not known; expected 'listwise' or 'fiml'")
    if se not in ("standard", "bootstrap", "none"):
        raise ValueError(f"se={se!r} is not known; expected 'standard', 'bootstrap' or 'none'")
    if se == "bootstrap" and data is None:
        raise ValueError("se='bootstrap' resamples rows of the data: give data=, not sample_cov=")
    if data is None and sample_cov is None:
        raise ValueError("give either data= or sample_cov= with sample_nobs=")
    return est


def _data_checks(spec: ModelSpec, ss: SampleStats):
    problems = []
    for g, (n, S) in enumerate(zip(ss.nobs, ss.cov)):
        gname = f" in group {ss.group_labels[g]!r}" if ss.ngroups > 1 else ""
        if n < 2:
            problems.append(f"only {n} complete row(s){gname}; at least 2 are needed")
            continue
        var = np.diag(S)
        for j, v in enumerate(spec.ov_names):
            if not var[j] > 0:
                problems.append(f"column {v!r} has zero variance{gname} (constant value "
                                f"{ss.mean[g][j]:.6g}); it cannot be analysed")
    if problems:
        raise DataError("cannot fit the model:\n  - " + "\n  - ".join(problems))
    for g, S in enumerate(ss.cov):
        vals, vecs = np.linalg.eigh(S / np.sqrt(np.outer(np.diag(S), np.diag(S))))
        if vals[0] < 1e-10:
            involved = [spec.ov_names[j] for j in np.flatnonzero(np.abs(vecs[:, 0]) > 0.1)]
            gname = f" in group {ss.group_labels[g]!r}" if ss.ngroups > 1 else ""
            raise DataError(f"the sample covariance matrix{gname} is not positive definite "
                            f"(smallest eigenvalue {vals[0]:.2e}); these variables are linearly "
                            f"dependent: {', '.join(involved)}")


def _fill_exo(table: pd.DataFrame, spec: ModelSpec, ss: SampleStats):
    pos = {v: i for i, v in enumerate(spec.ov_names)}
    ust = np.asarray(table["ustart"], dtype=float).copy()
    for k in np.flatnonzero(np.asarray(table["exo"]) == 1):
        g = table["group"][k] - 1
        lhs, op, rhs = table["lhs"][k], table["op"][k], table["rhs"][k]
        if op == "~~":
            ust[k] = ss.cov[g][pos[lhs], pos[rhs]]
        elif op == "~1":
            ust[k] = ss.mean[g][pos[lhs]]
    table["ustart"] = ust


def _constraint_functions(spec: ModelSpec, table: pd.DataFrame, ntheta: int):
    labels = label_rows(table)
    free = np.asarray(table["free"]) - 1
    ustart = np.asarray(table["ustart"], dtype=float)

    def values_of(theta):
        vals = {}
        for lab, k in labels.items():
            vals[lab] = theta[free[k]] if free[k] >= 0 else ustart[k]
        for name, expr in spec.definitions:
            vals[name] = expr.evaluate(vals)
        return vals

    eqs = [(l, r) for l, op, r in spec.constraints if op == "=="]
    ineqs = [(l, op, r) for l, op, r in spec.constraints if op != "=="]

    def h(theta):
        v = values_of(theta)
        return np.array([l.evaluate(v) - r.evaluate(v) for l, r in eqs])

    def ineq(theta):
        v = values_of(theta)
        return np.array([(l.evaluate(v) - r.evaluate(v)) if op == ">" else (r.evaluate(v) - l.evaluate(v))
                         for l, op, r in ineqs])

    return values_of, (h if eqs else None), (ineq if ineqs else None)


def _linear_reparam(h, ntheta, rng):
    """If h(theta) = J theta + c is linear, return (K, theta0) with theta = theta0 + K phi."""
    if h is None:
        return np.eye(ntheta), np.zeros(ntheta), True
    x1, x2 = rng.normal(size=ntheta), rng.normal(size=ntheta)
    J1, J2 = numeric_jacobian(h, x1), numeric_jacobian(h, x2)
    if not np.allclose(J1, J2, atol=1e-6):
        return np.eye(ntheta), np.zeros(ntheta), False
    c = h(np.zeros(ntheta))
    U, s, Vt = np.linalg.svd(J1)
    rank = int((s > 1e-8 * max(1.0, s.max() if s.size else 1.0)).sum())
    K = Vt[rank:].T
    theta0 = -np.linalg.pinv(J1) @ c
    return K, theta0, True


@single_blas_thread   # small matrices: extra BLAS threads only contend (issue 9: 2.6x on the ladder)
def sem(model: str, data: pd.DataFrame | None = None, *, estimator: str = "ML",
        missing: str = "listwise", group: str | None = None, group_equal=None, group_partial=None,
        ordered=None, std_lv: bool = False, se: str = "standard", bootstrap: int = 1000,
        seed: int | None = None, sample_cov=None, sample_nobs=None, sample_mean=None,
        meanstructure: bool | None = None, fixed_x: bool = True, max_iter: int = 500,
        start: SemResult | None = None, boot_ci: str = "perc", bollen_stine: bool = False,
        workers: int | None = None, progress: bool | None = None) -> SemResult:
    """Fit a structural equation / confirmatory factor model by maximum likelihood.

    Parameters
    ----------
    model : lavaan model syntax (``=~ ~ ~~ ~1 := == < >``, labels and modifiers).
    data : DataFrame with the observed variables (and ``group``), a path to a data file, or
        validated ``Responses`` (:mod:`loyaltyscope.cbsem.data_input`).
    estimator : ``"ML"``.
    missing : ``"listwise"`` (rows with any missing model variable are dropped and listed in
        ``result.dropped``).
    group : column whose values define groups (labels in order of first appearance).
    group_equal : kinds of parameters held equal across groups (``"loadings"``,
        ``"intercepts"``, ``"means"``, ``"residuals"``, ``"residual.covariances"``,
        ``"lv.variances"``, ``"lv.covariances"``, ``"regressions"``).
    group_partial : parameters exempt from ``group_equal``, e.g. ``["visual =~ x2"]``.
    ordered : ordinal (Likert) items: polychoric correlations, thresholds as ``|`` rows, WLSMV
        (:mod:`loyaltyscope.cbsem.ordinal`; R: ``ordered = c(...)``).
    std_lv : identify latent variables by fixing their variances to 1 (all loadings free).
    sample_cov, sample_nobs, sample_mean : fit from moments instead of raw data (the
        covariance matrix is taken as unbiased and rescaled by (N-1)/N, as lavaan does).
    meanstructure : add intercepts/means (default: with groups or ``~ 1`` in the model).
    fixed_x : treat exogenous observed covariates as fixed (lavaan's ``fixed.x = TRUE``).
    max_iter : iterations allowed to the optimiser per start (lavaan: ``control = list(iter.max = )``).
    start : a previous fit whose estimates start this one (lavaan: ``start = fit``), e.g. the
        freer model of a nested sequence; the usual start values remain the fallback.
    se : ``"standard"``, ``"none"``, or ``"bootstrap"``: ``bootstrap`` nonparametric resamples
        (reproducible with ``seed``, in ``workers`` processes, default all cores; a progress
        bar when ``progress`` or stderr is a terminal) give ``se``, ``z``, ``pvalue`` and the
        ``boot_ci`` interval (``"perc"``, ``"bca"``, ``"bca.simple"``, ``"norm"``, ``"basic"``)
        of every parameter, defined ones included; ``result.extra["bootstrap"]`` holds the
        resample estimates, counts of failed resamples and ``.ci(kind)``
        (:mod:`loyaltyscope.cbsem.bootstrap`). R: ``se = "bootstrap", bootstrap = 1000``.
    bollen_stine : also the Bollen-Stine bootstrap p-value of the model test
        (``result.extra["bollen_stine"]``; R: ``test = "bollen.stine"``).

    Returns
    -------
    SemResult

    Notes
    -----
    Follows lavaan 0.6 (``sem()``/``cfa()`` defaults; ``likelihood = "normal"``;
    ``information = "expected"``). R: ``lavaan::sem(model, data, std.lv = ...)``.
    """
    data = as_data_frame(data)   # DataFrame, path to a data file, or validated Responses
    if has_efa_blocks(model):    # ESEM: the unrotated form is fitted, then rotated (cbsem/esem.py)
        return fit_esem(model, data, sem_function=sem, estimator=estimator, missing=missing, group=group,
                        std_lv=std_lv, se=se, fixed_x=fixed_x, max_iter=max_iter)
    if ordered:  # ordinal items: DWLS + robust SEs + scaled-shifted test (WLSMV), lavaan 0.6-14
        from loyaltyscope.cbsem.ordinal import fit_ordinal
        return fit_ordinal(model, data, ordered=ordered, estimator=estimator, group=group, group_equal=group_equal,
                           group_partial=group_partial, std_lv=std_lv, missing=missing, se=se,
                           max_iter=max_iter, sample_cov=sample_cov)
    est_name = _check_options(estimator, missing, se, ordered, data, sample_cov)
    if isinstance(group_equal, str):
        group_equal = [group_equal]
    group_equal = tuple(group_equal or ())
    formulas = _parse_cached(model)
    if sample_cov is not None:
        ngroups = len(sample_cov) if isinstance(sample_cov, (list, tuple)) else 1
        columns = None
        if isinstance(sample_cov, pd.DataFrame):
            columns = list(sample_cov.columns)
        elif isinstance(sample_cov, (list, tuple)) and isinstance(sample_cov[0], pd.DataFrame):
            columns = list(sample_cov[0].columns)
    else:
        if not isinstance(data, pd.DataFrame):
            raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
        if group is not None and group not in data.columns:
            raise DataError(f"group column {group!r} not found in the data; columns: {list(data.columns)}")
        ngroups = 1 if group is None else int(data[group].dropna().nunique())
        columns = list(data.columns)
    has_int = any(f.op == "~1" for f in formulas)
    fiml = str(missing).lower() in ("fiml", "ml")
    if fiml and str(estimator).upper() == "MLM":
        raise ValueError("estimator='MLM' (Satorra-Bentler) needs complete data; use estimator='MLR' with "
                         "missing='fiml'")
    if fiml and sample_cov is not None:
        raise ValueError("missing='fiml' needs the raw data, not sample_cov=")
    ms = True if fiml else (bool(meanstructure) if meanstructure is not None else (ngroups > 1 or has_int))
    spec = _spec_cached(model, None if columns is None else tuple(columns), ngroups, bool(std_lv), ms,
                        bool(fixed_x), group_equal, tuple(group_partial or ()))
    if sample_cov is not None:
        if sample_nobs is None:
            raise ValueError("sample_cov= needs sample_nobs=")
        ss = from_moments(sample_cov, sample_nobs, spec.ov_names, sample_mean)
        if ms and sample_mean is None:
            raise ValueError("a model with a mean structure fitted from moments needs sample_mean=")
    else:
        ss = from_data(data, spec.ov_names, group, "fiml" if fiml else "listwise", x_names=spec.ov_x)
    _data_checks(spec, ss)
    table = {c: v.copy() for c, v in spec.columns.items()}
    _fill_exo(table, spec, ss)
    return _fit(spec, table, ss, est_name, dict(std_lv=std_lv, group=group, group_equal=group_equal,
                                                missing=missing, estimator=est_name, seed=seed,
                                                max_iter=int(max_iter), start=start, se=se,
                                                bootstrap=int(bootstrap), boot_ci=boot_ci,
                                                bollen_stine=bool(bollen_stine), workers=workers,
                                                progress=progress))


def cfa(model: str, data: pd.DataFrame | None = None, **kwargs) -> SemResult:
    """Confirmatory factor analysis: :func:`sem` with the same defaults (R: ``lavaan::cfa``)."""
    return sem(model, data, **kwargs)


def _problem(spec, table, ss, K, theta0) -> MLProblem:
    layouts = tuple(make_layout(table, g + 1, spec.ov_names, spec.lv_names) for g in range(ss.ngroups))
    base = np.asarray(table["ustart"], dtype=float).copy()
    base[~np.isfinite(base)] = 0.0
    patterns = None
    if ss.patterns is not None:
        patterns = tuple(tuple((o, n, S, y) for o, _rows, n, S, y in pg) for pg in ss.patterns)
    return MLProblem(layouts, base, np.asarray(table["free"]) - 1, ss.cov, ss.mean, ss.nobs,
                     spec.meanstructure, K, theta0, patterns, tuple(spec.ov_names.index(v) for v in spec.ov_x))


def _fit(spec: ModelSpec, table: dict, ss: SampleStats, est_name: str, options: dict) -> SemResult:
    """Estimate and summarise; ``table`` is the parameter table as a dict of numpy columns."""
    warnings: list[str] = []
    ntheta = spec.npar_free
    free = np.asarray(table["free"]) - 1
    values_of, h, ineq = _constraint_functions(spec, table, ntheta)
    rng = np.random.default_rng(0)
    K, theta0, linear = _linear_reparam(h, ntheta, rng) if ineq is None else (np.eye(ntheta), np.zeros(ntheta), False)
    nonlinear = None if (linear and ineq is None) else (h, ineq)
    if nonlinear is not None:
        K, theta0 = np.eye(ntheta), np.zeros(ntheta)
    problem = _problem(spec, table, ss, K, theta0)

    n_eq = 0 if h is None else len(h(np.zeros(ntheta)))
    npar = K.shape[1] if nonlinear is None else ntheta - n_eq
    p = len(spec.ov_names)
    nx = len(spec.ov_x)
    moments_g = p * (p + 1) // 2 + (p if spec.meanstructure else 0)
    fixed_x_g = nx * (nx + 1) // 2 + (nx if spec.meanstructure else 0)
    df = ss.ngroups * (moments_g - fixed_x_g) - npar
    if df < 0:
        raise ModelSpecError(f"the model has more free parameters ({npar}) than sample moments "
                             f"({ss.ngroups * (moments_g - fixed_x_g)}): it is not identified (df = {df})")

    def starts():
        previous = options.get("start")
        if previous is not None:
            sv = start_values(table, spec.ov_names, spec.lv_names, ss.cov, ss.mean, "simple")
            th = np.zeros(ntheta)
            th[free[free >= 0]] = sv[free >= 0]
            yield "previous fit", _start_from_fit(previous, table, free, th)
        for strat in ("moments", "simple", "jitter"):
            sv = start_values(table, spec.ov_names, spec.lv_names, ss.cov, ss.mean, strat)
            th = np.zeros(ntheta)
            th[free[free >= 0]] = sv[free >= 0]
            yield strat, th
    fit = fit_ml(problem, starts(), nonlinear, max_iter=options.get("max_iter", 500))
    theta = fit.theta
    if not fit.converged:
        warnings.append(optimiser_warning(fit, theta_names(table, free, ntheta), spec.lv_names))

    N = ss.ntotal
    F, grad, info = ml_gradient_information(problem, theta)
    vcov_theta, ident_msgs = _vcov(problem, info, N, theta, h, ineq, nonlinear is not None, table, free)
    warnings.extend(ident_msgs)
    if options.get("se") == "none":
        vcov_theta = None        # asked for no standard errors (the identification check still ran)
    robust = None
    if ss.patterns is not None and est_name == "ML" and vcov_theta is not None:
        # lavaan: missing = "ml" uses the observed information (the Hessian) for standard errors
        Hphi = problem.K.T @ observed_information(problem, theta) @ problem.K
        vcov_theta = problem.K @ np.linalg.inv(N * Hphi) @ problem.K.T
    if est_name in ("MLR", "MLM") and vcov_theta is not None:
        if nonlinear is not None:
            raise NotImplementedError(f"estimator={est_name!r} with non-linear or inequality constraints "
                                      "is not implemented yet")
        vcov_theta, c_hat, _ = robust_ml(problem, theta, ss.data, est_name, df)
        robust = {"kind": est_name, "c_hat": c_hat}
    boot = None
    if options.get("se") == "bootstrap" or options.get("bollen_stine"):
        from loyaltyscope.cbsem.bootstrap import bootstrap_fit
        boot, boot_msgs = bootstrap_fit(problem, theta, F, ss, table, spec, values_of, nonlinear, options,
                                        theta_names(table, free, ntheta))
        warnings.extend(boot_msgs)
        if options.get("se") == "bootstrap" and vcov_theta is not None:
            vcov_theta = boot.vcov_theta

    vals = row_values(problem, theta)
    table["est"] = vals
    se_rows = np.zeros(len(vals))
    fr = free >= 0
    se_rows[fr] = np.sqrt(np.clip(np.diag(vcov_theta)[free[fr]], 0, None)) if vcov_theta is not None else np.nan
    if nonlinear is not None and vcov_theta is not None:
        # parameters pinned by active constraints have no sampling variance here: NA, as lavaan
        pinned = np.diag(vcov_theta) <= 1e-14 * max(1.0, float(np.abs(np.diag(vcov_theta)).max()))
        se_rows[fr & pinned[np.clip(free, 0, None)]] = np.nan
        if ineq is not None:
            active = np.abs(ineq(theta)) < 1e-6
            for (lhs_e, op_e, rhs_e), act in zip([c for c in spec.constraints if c[1] != "=="], active):
                if act:
                    warnings.append(f"the constraint {lhs_e.text} {op_e} {rhs_e.text} is active: the estimate lies "
                                    "on its boundary; standard errors of the parameters it pins are not available")
    table["se"] = se_rows

    sigmas, mus, Cs = [], [], []
    for lay in problem.layouts:
        Sig, mu, C, *_ = implied(lay, vals)
        sigmas.append(Sig), mus.append(mu), Cs.append(C)

    warnings.extend(_diagnostics(spec, table, sigmas, Cs, ss))
    if ss.dropped_rows:
        warnings.insert(0, ss.exclusion_message)
    pnames = theta_names(table, free, ntheta)

    def mi():
        return modification_indices(spec, pd.DataFrame(table), ss, Cs)

    extra = dict(start_strategy=fit.strategy, fmin=F / 2)
    if ss.patterns is not None:
        extra.update(_missing_report(spec, ss))
        n_pat = sum(len(p) for p in ss.patterns)
        warnings.append(f"FIML over {n_pat} missing-data pattern(s); see result.extra['missing_patterns'] "
                        "and result.extra['coverage']")
    lazy = {"fit_measures": lambda: _fit_measures(spec, ss, sigmas, mus, F, df, npar, N, robust, problem, theta),
            "params": lambda: _params_table(spec, table, vals, vcov_theta, theta, free, Cs, problem, values_of, ss),
            "r2": lambda: r_square(spec, table, Cs, ss)}
    if boot is not None:
        extra["bootstrap"] = boot
        if boot.bollen_stine is not None:
            extra["bollen_stine"] = boot.bollen_stine
        if options.get("se") == "bootstrap" and vcov_theta is not None:
            _params = lazy["params"]
            lazy["params"] = lambda: boot.apply_to_params(_params())
    opts = {k: v for k, v in options.items() if k != "start"}
    opts["version"] = __version__
    return SemResult(lazy=lazy, warnings=tuple(warnings), converged=fit.converged,
                     iterations=fit.iterations, nobs=ss.nobs, group_labels=ss.group_labels,
                     estimator=est_name, options=opts, dropped_rows=ss.dropped_rows, table=table,
                     ov_names=spec.ov_names, sample_covs=ss.cov, implied_covs=tuple(sigmas),
                     vcov_theta=vcov_theta, theta_names=tuple(pnames), _modindices=mi,
                     extra=extra)


def _missing_report(spec, ss):
    """Missing-data patterns (1 = observed) with their counts, and pairwise coverage, per group."""
    from loyaltyscope.cbsem.fiml import coverage
    rows, cov = [], {}
    names = list(spec.ov_names)
    for g, (pg, X) in enumerate(zip(ss.patterns, ss.data)):
        for o, _r, n, _S, _y in pg:
            flags = np.zeros(len(names), int)
            flags[o] = 1
            rows.append({"group": ss.group_labels[g], "n": n, **dict(zip(names, flags))})
        cov[ss.group_labels[g]] = pd.DataFrame(coverage(X), index=names, columns=names)
    pats = pd.DataFrame(rows)
    if ss.ngroups == 1:
        pats = pats.drop(columns="group")
    return {"missing_patterns": pats, "coverage": cov if ss.ngroups > 1 else cov[ss.group_labels[0]]}


def _start_from_fit(previous: SemResult, table, free, theta):
    """Start values taken from a previous fit for every (lhs, op, rhs, group) it has; a
    parameter shared by several rows (equality) starts at the mean of their previous values."""
    old = previous.table
    lookup = {(a, o, b, g): v for a, o, b, g, v in zip(old["lhs"], old["op"], old["rhs"], old["group"], old["est"])}
    sums = np.zeros(len(theta))
    counts = np.zeros(len(theta))
    for k in np.flatnonzero(free >= 0):
        key = (table["lhs"][k], table["op"][k], table["rhs"][k], table["group"][k])
        if key in lookup:
            sums[free[k]] += lookup[key]
            counts[free[k]] += 1
    out = theta.copy()
    out[counts > 0] = sums[counts > 0] / counts[counts > 0]
    return out


def _vcov(problem, info, N, theta, h, ineq, used_slsqp, table, free):
    msgs = []
    K = problem.K
    if used_slsqp:
        rows = []
        if h is not None:
            rows.append(numeric_jacobian(h, theta))
        if ineq is not None:
            act = np.abs(ineq(theta)) < 1e-6
            if act.any():
                rows.append(numeric_jacobian(ineq, theta)[act])
        if rows:
            J = np.vstack(rows)
            U, s, Vt = np.linalg.svd(J)
            rank = int((s > 1e-8).sum())
            K = Vt[rank:].T
    Iphi = K.T @ info @ K
    if Iphi.size == 0:
        return np.zeros((len(theta), len(theta))), msgs
    evals, evecs = np.linalg.eigh(Iphi)
    if evals[0] <= 1e-10 * max(evals[-1], 1e-300):
        null = K @ evecs[:, evals <= 1e-10 * max(evals[-1], 1e-300)]
        involved = np.flatnonzero(np.abs(null).max(axis=1) > 1e-3)
        names = theta_names(table, free, len(theta))
        msgs.append("the model is not identified: the information matrix is singular; these "
                    "parameters cannot be separated: " + ", ".join(names[j] for j in involved)
                    + ". Standard errors are not available.")
        return None, msgs
    V = K @ np.linalg.inv(Iphi) @ K.T / N
    return V, msgs


def _baseline_problem(spec, ss):
    """The baseline (independence) model at its ML estimates (:mod:`loyaltyscope.cbsem.baseline`)."""
    return baseline_problem(spec, ss, _problem)


def _baseline_scaling(spec, ss, kind, bdf):
    """Scaling factor of the robust test of the baseline model."""
    prob, theta = _baseline_problem(spec, ss)
    return robust_ml(prob, theta, ss.data, kind, bdf)[1]


def _fiml_logl(problem, F):
    """H0 log-likelihood from the FIML discrepancy (F = -2 logl / N - sum_b w_b |o_b| log 2 pi)."""
    const = sum(w * S.shape[0] for _, _, w, S, _, _ in problem.blocks) * np.log(2 * np.pi)
    N = float(sum(problem.nobs))
    return -N / 2 * (F + const)


def _fit_measures(spec, ss, sigmas, mus, F, df, npar, N, robust=None, problem=None, theta=None):
    G = ss.ngroups
    chisq = N * F
    fiml = ss.patterns is not None
    if fiml:
        logl_h0 = _fiml_logl(problem, F)
        chisq = 2 * (sum(ss.h1_logl) - logl_h0)
    p = len(spec.ov_names)
    ms = spec.meanstructure
    xi = [spec.ov_names.index(v) for v in spec.ov_x]
    bchisq, bdf = baseline_chisq_df(spec, ss, fiml)
    logl = sum(fi.loglik(S, m, Sig, mu if ms else m, n, True)
               for S, m, Sig, mu, n in zip(ss.cov, ss.mean, sigmas, mus, ss.nobs))
    ulogl = sum(fi.loglik(S, m, S, m, n, True) for S, m, n in zip(ss.cov, ss.mean, ss.nobs))
    if fiml:
        logl, ulogl = logl_h0, float(sum(ss.h1_logl))
    if xi:  # fixed.x: lavaan reports the likelihood conditional on the exogenous covariates
        lx = sum(fi.loglik(S[np.ix_(xi, xi)], m[xi], S[np.ix_(xi, xi)], m[xi], n, True)
                 for S, m, n in zip(ss.cov, ss.mean, ss.nobs))
        logl, ulogl = logl - lx, ulogl - lx
    lo, hi = fi.rmsea_ci(chisq, df, N, G)
    out = {
        "npar": float(npar), "fmin": F / 2, "chisq": chisq, "df": float(df),
        "pvalue": fi.chisq_pvalue(chisq, df),
        "baseline.chisq": bchisq, "baseline.df": float(bdf), "baseline.pvalue": fi.chisq_pvalue(bchisq, bdf),
        "cfi": fi.cfi(chisq, df, bchisq, bdf), "tli": fi.tli(chisq, df, bchisq, bdf),
        "logl": logl, "unrestricted.logl": ulogl,
        "aic": -2 * logl + 2 * npar, "bic": -2 * logl + np.log(N) * npar,
        "bic2": -2 * logl + np.log((N + 2) / 24) * npar,
        "ntotal": float(N),
        "rmsea": fi.rmsea(chisq, df, N, G), "rmsea.ci.lower": lo, "rmsea.ci.upper": hi,
        "rmsea.pvalue": fi.rmsea_pvalue(chisq, df, N, G),
        "srmr": fi.srmr_bentler(ss.cov, ss.mean, sigmas, mus, ss.nobs, ms),
    }
    if robust is not None:
        c, c0 = robust["c_hat"], _baseline_scaling(spec, ss, robust["kind"], bdf)
        xs, bxs = chisq / c, bchisq / c0
        lo_s, hi_s = fi.rmsea_ci(xs, df, N, G)
        out.update({
            "chisq.scaled": xs, "df.scaled": float(df), "pvalue.scaled": fi.chisq_pvalue(xs, df),
            "chisq.scaling.factor": c,
            "baseline.chisq.scaled": bxs, "baseline.df.scaled": float(bdf),
            "baseline.pvalue.scaled": fi.chisq_pvalue(bxs, bdf), "baseline.chisq.scaling.factor": c0,
            "cfi.scaled": fi.cfi(xs, df, bxs, bdf), "tli.scaled": fi.tli(xs, df, bxs, bdf),
            "cfi.robust": fi.cfi(chisq, df, bchisq, bdf, c, c0), "tli.robust": fi.tli(chisq, df, bchisq, bdf, c, c0),
            "rmsea.scaled": fi.rmsea(xs, df, N, G), "rmsea.ci.lower.scaled": lo_s, "rmsea.ci.upper.scaled": hi_s,
            "rmsea.pvalue.scaled": fi.rmsea_pvalue(xs, df, N, G),
            "rmsea.robust": fi.rmsea(chisq, df, N, G, c_hat=c),
        })
    if fiml and df > 0:
        version = "V3" if robust is not None else "V6"
        xx3, k = fiml_corrected(problem, theta, ss.data,
                                version=version)
        bprob, btheta = _baseline_problem(spec, ss)
        xx3_0, k0 = fiml_corrected(bprob, btheta, ss.data, version=version)
        c3, c30 = k / df, k0 / bdf
        out.update({"cfi.robust": fi.cfi(xx3, df, xx3_0, bdf, c3, c30),
                    "tli.robust": fi.tli(xx3, df, xx3_0, bdf, c3, c30),
                    "rmsea.robust": fi.rmsea(xx3, df, N, G, c_hat=c3)})
    return out


def _params_table(spec, table, vals, vcov, theta, free, Cs, problem, values_of, ss):
    ops = np.asarray(table["op"])
    lhs, rhs, grp = np.asarray(table["lhs"]), np.asarray(table["rhs"]), np.asarray(table["group"])
    names = list(spec.ov_names) + list(spec.lv_names)
    sd = {g + 1: dict(zip(names, np.sqrt(np.clip(np.diag(Cs[g]), 0, None)))) for g in range(len(Cs))}
    std_lv = standardize_rows(lhs, ops, rhs, grp, vals, sd, spec.lv_names, "std.lv")
    std_all = standardize_rows(lhs, ops, rhs, grp, vals, sd, spec.lv_names, "std.all")
    return parameter_estimates(table, vals, np.asarray(table["se"], dtype=float), std_lv, std_all,
                               definitions=spec.definitions, values_of=values_of, theta=theta, vcov=vcov,
                               ngroups=ss.ngroups)


def _diagnostics(spec, table, sigmas, Cs, ss):
    msgs = []
    lv = set(spec.lv_names)
    ops, lhs, rhs, grp = (np.asarray(table[c]) for c in ("op", "lhs", "rhs", "group"))
    est = np.asarray(table["est"])
    gname = (lambda g: f" (group {ss.group_labels[g - 1]})") if ss.ngroups > 1 else (lambda g: "")
    for k in np.flatnonzero((ops == "~~") & (lhs == rhs)):
        if est[k] < -1e-12:    # not a variance held at 0 by an active bound (numerically -1e-17)
            kind = "latent" if lhs[k] in lv else "residual"
            msgs.append(f"Heywood case: negative {kind} variance {lhs[k]} ~~ {lhs[k]} = {est[k]:.4g}{gname(grp[k])}")
    names = list(spec.ov_names) + list(spec.lv_names)
    nov = len(spec.ov_names)
    for g in range(ss.ngroups):
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
