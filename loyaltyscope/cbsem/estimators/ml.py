"""The ML estimator plug-in (ML, MLR, MLM; FIML with missing data): the stages of a fit after
the sample statistics, as lavaan's ``lavaan()``:

problem (RAM layout, constraint basis) -> start values -> optimise -> vcov (expected
information; observed under FIML; robust sandwich for MLR/MLM) -> bootstrap (optional) ->
test and fit measures (with the baseline model) -> the shared results stage
(:func:`loyaltyscope.cbsem.pipeline.finish`: params table, R², diagnostics).

The objective, gradient and information are :mod:`loyaltyscope.cbsem.estimate`; the robust
corrections :mod:`loyaltyscope.cbsem.robust`; the formulas of the fit indices
:mod:`loyaltyscope.cbsem.fit_indices`.

R equivalent: ``lavaan::sem(model, data, estimator = "ML" | "MLR" | "MLM", missing = ...)``.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from loyaltyscope.cbsem import fit_indices as fi
from loyaltyscope.cbsem.constraints import constraint_functions, linear_basis
from loyaltyscope.cbsem.baseline import baseline_chisq_df, baseline_problem
from loyaltyscope.cbsem.estimate import MLProblem, fit_ml, ml_gradient_information, optimiser_warning, row_values
from loyaltyscope.cbsem.estimates import theta_names
from loyaltyscope.cbsem.estimators import Fitted
from loyaltyscope.cbsem.fit_measures import robust_rmsea_interval, scaled_measures, test_measures
from loyaltyscope.cbsem.expressions import numeric_jacobian
from loyaltyscope.cbsem.model_checks import check_start
from loyaltyscope.cbsem.modindices import modification_indices
from loyaltyscope.cbsem.partable import ModelSpec, ModelSpecError
from loyaltyscope.cbsem.ram import implied, make_layout
from loyaltyscope.cbsem.robust import fiml_corrected, observed_information, robust_ml
from loyaltyscope.cbsem.samplestats import SampleStats
from loyaltyscope.cbsem.start import start_values

__all__ = ["fit", "ml_problem", "degrees_of_freedom"]


def ml_problem(spec, table, ss, K, theta0) -> MLProblem:
    """The arrays the ML objective needs: RAM layouts per group, base row values, free
    numbering, sample moments (and FIML patterns), the constraint basis."""
    layouts = _layouts(tuple(table["lhs"]), tuple(table["op"]), tuple(table["rhs"]), tuple(table["group"]),
                       tuple(spec.ov_names), tuple(spec.lv_names), ss.ngroups)
    base = np.asarray(table["ustart"], dtype=float).copy()
    base[~np.isfinite(base)] = 0.0
    patterns = None
    if ss.patterns is not None:
        patterns = tuple(tuple((o, n, S, y) for o, _rows, n, S, y in pg) for pg in ss.patterns)
    return MLProblem(layouts, base, np.asarray(table["free"]) - 1, ss.cov, ss.mean, ss.nobs,
                     spec.meanstructure, K, theta0, patterns, tuple(spec.ov_names.index(v) for v in spec.ov_x))


@functools.lru_cache(maxsize=128)
def _layouts(lhs, op, rhs, group, ov_names, lv_names, ngroups) -> tuple:
    """RAM layouts per group, memoised on the rows of the table (a ladder or a refit of the same
    model reuses them, with what they cache: loops, path depth, derivative plans). Read-only."""
    table = {"lhs": lhs, "op": op, "rhs": rhs, "group": np.asarray(group)}
    out = tuple(make_layout(table, g + 1, ov_names, lv_names) for g in range(ngroups))
    for lay in out:
        for a in (lay.rows, lay.kind, lay.r, lay.c):
            a.setflags(write=False)
    return out


def degrees_of_freedom(spec: ModelSpec, ngroups: int, npar: int) -> int:
    """Sample moments (without those of fixed.x covariates) minus free parameters; an error
    when negative."""
    p, nx = len(spec.ov_names), len(spec.ov_x)
    moments_g = p * (p + 1) // 2 + (p if spec.meanstructure else 0)
    fixed_x_g = nx * (nx + 1) // 2 + (nx if spec.meanstructure else 0)
    df = ngroups * (moments_g - fixed_x_g) - npar
    if df < 0:
        raise ModelSpecError(f"the model has more free parameters ({npar}) than sample moments "
                             f"({ngroups * (moments_g - fixed_x_g)}): it is not identified (df = {df})")
    return df


def _starts(spec, table, ss, free, ntheta, previous):
    """Start values in the order tried: a previous fit (``start=``), then the moment-based
    values, lavaan's own start values (optimised within a trust region: on a misspecified model
    whose first search ran onto a ridge, this finds the local optimum lavaan reports), the
    simple ones and jittered ones."""
    if previous is not None:
        th, covered = _start_from_fit(previous, table, free, np.zeros(ntheta))
        if not covered.all():      # parameters the previous fit does not have: simple start values
            sv = start_values(table, spec.ov_names, spec.lv_names, ss.cov, ss.mean, "simple")
            fill = np.zeros(ntheta)
            fill[free[free >= 0]] = sv[free >= 0]
            th[~covered] = fill[~covered]
        yield "previous fit", th
    for strat in ("moments", "lavaan", "simple", "jitter"):
        sv = start_values(table, spec.ov_names, spec.lv_names, ss.cov, ss.mean, strat)
        th = np.zeros(ntheta)
        th[free[free >= 0]] = sv[free >= 0]
        yield strat, th


def _standard_errors(vcov_theta, free, theta, nonlinear, ineq, spec, warnings):
    """Per-row standard errors (0 for fixed rows); under non-linear constraints the parameters
    an active constraint pins get NA, with a warning naming the constraint."""
    se_rows = np.zeros(len(free))
    fr = free >= 0
    se_rows[fr] = np.sqrt(np.clip(np.diag(vcov_theta)[free[fr]], 0, None)) if vcov_theta is not None else np.nan
    if nonlinear is not None and vcov_theta is not None:
        pinned = np.diag(vcov_theta) <= 1e-14 * max(1.0, float(np.abs(np.diag(vcov_theta)).max()))
        se_rows[fr & pinned[np.clip(free, 0, None)]] = np.nan
        if ineq is not None:
            active = np.abs(ineq(theta)) < 1e-6
            for (lhs_e, op_e, rhs_e), act in zip([c for c in spec.constraints if c[1] != "=="], active):
                if act:
                    warnings.append(f"the constraint {lhs_e.text} {op_e} {rhs_e.text} is active: the estimate lies "
                                    "on its boundary; standard errors of the parameters it pins are not available")
    return se_rows


def fit(spec: ModelSpec, table: dict, ss: SampleStats, options, start=None):
    """Estimate by ML and return the pieces the results stage needs (a dict); ``table`` is the
    parameter table as a dict of numpy columns (this fit's own copy)."""
    warnings: list[str] = []
    est_name = options.estimator
    free = np.asarray(table["free"]) - 1
    ntheta = int(free.max()) + 1 if len(free) else 0      # spec.npar_free, without pandas
    values_of, h, ineq = constraint_functions(spec, table, ntheta)
    K, theta0, linear = linear_basis(h, ntheta) if ineq is None else (np.eye(ntheta), np.zeros(ntheta), False)
    nonlinear = None if (linear and ineq is None) else (h, ineq)
    if nonlinear is not None:
        if est_name in ("MLR", "MLM"):      # refused before any fitting
            raise NotImplementedError(f"estimator={est_name!r} with non-linear or inequality constraints is not "
                                      "implemented yet (the robust corrections need linear equality constraints); "
                                      "use estimator='ML', or write the constraints as linear equalities")
        K, theta0 = np.eye(ntheta), np.zeros(ntheta)
    problem = ml_problem(spec, table, ss, K, theta0)
    n_eq = 0 if h is None else len(h(np.zeros(ntheta)))
    npar = K.shape[1] if nonlinear is None else ntheta - n_eq
    df = degrees_of_freedom(spec, ss.ngroups, npar)

    result = fit_ml(problem, _starts(spec, table, ss, free, ntheta, start), nonlinear, max_iter=options.max_iter)
    check_start(result, problem, spec, table)
    theta = result.theta
    if not result.converged:
        warnings.append(optimiser_warning(result, theta_names(table, free, ntheta), spec.lv_names))

    N = ss.ntotal
    if result.info is not None and nonlinear is None:
        F, info = result.F, result.info        # the optimiser ended with the expected information
    else:
        F, _grad, info = ml_gradient_information(problem, theta)
    vcov_theta, ident_msgs = _vcov(problem, info, N, theta, h, ineq, nonlinear is not None, table, free)
    warnings.extend(ident_msgs)
    identified = vcov_theta is not None
    if options.se == "none":
        vcov_theta = None        # asked for no standard errors (the identification check still ran)
    robust = None
    se_kind = {"robust.sem": "MLM", "robust.huber.white": "MLR"}.get(options.se)
    test_kind = {"satorra.bentler": "MLM", "yuan.bentler.mplus": "MLR"}.get(options.test)
    if se_kind is None and options.information == "observed" and vcov_theta is not None:
        # lavaan's information = "observed" (the default under missing = "ml"): the Hessian
        Hphi = problem.K.T @ observed_information(problem, theta) @ problem.K
        vcov_theta = problem.K @ np.linalg.inv(N * Hphi) @ problem.K.T
    if identified and (se_kind or test_kind):     # the scaled test also under se = "none" (lavaan)
        # se = "robust.sem" / "robust.huber.white" and test = "satorra.bentler" / "yuan.bentler.mplus"
        # (MLM and MLR are ML with both of one kind); the bread is the information asked for
        done = {}
        for kind in {k for k in (se_kind, test_kind) if k}:
            done[kind] = robust_ml(problem, theta, ss.data, kind, df, information=options.information)
        if se_kind and vcov_theta is not None:
            vcov_theta = done[se_kind][0]
        if test_kind:
            robust = {"kind": test_kind, "c_hat": done[test_kind][1], "information": options.information}
    pnames = theta_names(table, free, ntheta)
    extra = dict(start_strategy=result.strategy, fmin=F / 2)
    boot = None
    if options.se == "bootstrap" or options.bollen_stine:
        from loyaltyscope.cbsem.bootstrap import bootstrap_fit
        boot, boot_msgs = bootstrap_fit(problem, theta, F, ss, table, spec, values_of, nonlinear, options, pnames)
        warnings.extend(boot_msgs)
        if options.se == "bootstrap" and vcov_theta is not None:
            vcov_theta = boot.vcov_theta
        extra["bootstrap"] = boot
        if boot.bollen_stine is not None:
            extra["bollen_stine"] = boot.bollen_stine

    vals = row_values(problem, theta)
    table["est"] = vals
    table["se"] = _standard_errors(vcov_theta, free, theta, nonlinear, ineq, spec, warnings)
    sigmas, mus, Cs = [], [], []
    for lay in problem.layouts:
        Sig, mu, C, *_ = implied(lay, vals)
        sigmas.append(Sig), mus.append(mu), Cs.append(C)
    if ss.patterns is not None:
        extra.update(_missing_report(spec, ss))
        n_pat = sum(len(p) for p in ss.patterns)
        warnings.append(f"FIML over {n_pat} missing-data pattern(s) (the patterns and the coverage of each "
                        "pair of variables are kept with the fit)")

    def measures():
        return _fit_measures(spec, ss, sigmas, mus, F, df, npar, N, robust, problem, theta)

    def mi():
        return modification_indices(spec, pd.DataFrame(table), ss, Cs)

    params_hook = None
    if boot is not None and options.se == "bootstrap" and vcov_theta is not None:
        params_hook = boot.apply_to_params
    return Fitted(table=table, theta=theta, vcov=vcov_theta, theta_names=tuple(pnames), values_of=values_of,
                  converged=result.converged, iterations=result.iterations, sample_covs=tuple(ss.cov),
                  implied_covs=tuple(sigmas), all_covs=tuple(Cs), fit_measures=measures, warnings=warnings,
                  extra=extra, modindices=mi, params_hook=params_hook)


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


def _start_from_fit(previous, table, free, theta):
    """Start values taken from a previous fit for every (lhs, op, rhs, group) it has; a
    parameter shared by several rows (equality) starts at the mean of their previous values.
    Returns the start values and which parameters the previous fit covered."""
    old = previous._table
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
    return out, counts > 0


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
    inv = _well_conditioned_inverse(Iphi)
    if inv is not None:
        return K @ inv @ K.T / N, msgs
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


def _well_conditioned_inverse(Iphi: np.ndarray):
    """Iphi^-1 when Iphi is positive definite and clearly far from singular, else None (the
    caller then takes the eigen-decomposition to name the parameters that cannot be
    separated). The 1-norm condition number from the inverse bounds the 2-norm one,
    cond_2 <= n cond_1, so cond_1 < 1e10 / n guarantees lambda_min > 1e-10 lambda_max, the
    identification criterion, without an eigen-decomposition."""
    try:
        L = np.linalg.cholesky(Iphi)
    except np.linalg.LinAlgError:
        return None
    Linv = np.linalg.inv(L)
    inv = Linv.T @ Linv
    cond1 = np.abs(Iphi).sum(axis=0).max() * np.abs(inv).sum(axis=0).max()
    return inv if np.isfinite(cond1) and cond1 < 1e10 / len(Iphi) else None


def _baseline_problem(spec, ss):
    """The baseline (independence) model at its ML estimates (:mod:`loyaltyscope.cbsem.baseline`)."""
    return baseline_problem(spec, ss, ml_problem)


def _on_sample(ss, key, compute):
    """A baseline-model quantity memoised on the (frozen) sample statistics: the baseline depends
    only on the data, the groups and which variables are observed / fixed.x, not on the model's
    constraints, so an invariance ladder computes it once for all its levels."""
    cache = ss.__dict__.get("_baseline_cache")
    if cache is None:
        cache = {}
        object.__setattr__(ss, "_baseline_cache", cache)
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def _baseline_key(spec, *extra):
    return (tuple(spec.ov_names), tuple(spec.ov_x), tuple(getattr(spec, "ov_x_free", ())), spec.meanstructure) + extra


def _baseline_scaling(spec, ss, kind, bdf, information=None):
    """Scaling factor of the robust test of the baseline model."""
    def compute():
        prob, theta = _baseline_problem(spec, ss)
        return robust_ml(prob, theta, ss.data, kind, bdf, information=information)[1]
    return _on_sample(ss, _baseline_key(spec, "scaling", kind, bdf, information), compute)


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
    ms = spec.meanstructure
    xi = [spec.ov_names.index(v) for v in spec.ov_x]
    bchisq, bdf = baseline_chisq_df(spec, ss, fiml)
    if fiml:
        logl, ulogl = logl_h0, float(sum(ss.h1_logl))
    else:
        # logl_g = -n_g/2 (p log 2 pi + log|S_g| + p + F_g): from F, without inverting Sigma again
        ulogl = sum(-n / 2 * (S.shape[0] * np.log(2 * np.pi) + np.linalg.slogdet(S)[1] + S.shape[0])
                    for S, n in zip(ss.cov, ss.nobs))
        logl = ulogl - N * F / 2
    if xi:  # fixed.x: lavaan reports the likelihood conditional on the exogenous covariates
        lx = sum(fi.loglik(S[np.ix_(xi, xi)], m[xi], S[np.ix_(xi, xi)], m[xi], n, True)
                 for S, m, n in zip(ss.cov, ss.mean, ss.nobs))
        logl, ulogl = logl - lx, ulogl - lx
    out = {"fmin": chisq / (2 * N) if fiml else F / 2,   # lavaan: X2 / 2N under FIML
           **test_measures(chisq, df, bchisq, bdf, npar, N, G),
           "logl": logl, "unrestricted.logl": ulogl,
           "aic": -2 * logl + 2 * npar, "bic": -2 * logl + np.log(N) * npar,
           "bic2": -2 * logl + np.log((N + 2) / 24) * npar, "ntotal": float(N),
           "srmr": fi.srmr_bentler(ss.cov, ss.mean, sigmas, mus, ss.nobs, ms)}
    if robust is not None:
        c, c0 = robust["c_hat"], _baseline_scaling(spec, ss, robust["kind"], bdf, robust["information"])
        out.update(scaled_measures(chisq / c, c, bchisq / c0, c0, df, bdf, N, G))
        out.update({
            "cfi.robust": fi.cfi(chisq, df, bchisq, bdf, c, c0), "tli.robust": fi.tli(chisq, df, bchisq, bdf, c, c0),
            "rmsea.robust": fi.rmsea(chisq, df, N, G, c_hat=c), **robust_rmsea_interval(chisq / c, df, N, G, c),
        })
    if fiml and df > 0:
        version = "V3" if robust is not None else "V6"
        # lavaan refits the model to the EM moments with its default fixed.x, so the complete-data
        # information Wc leaves out the covariates' own moments even when fixed.x = FALSE
        wc_x = tuple(spec.ov_names.index(v) for v in (*spec.ov_x, *spec.ov_x_free))
        xx3, k = fiml_corrected(problem, theta, ss.data, version=version, wc_x=wc_x)

        def baseline_corrected():
            bprob, btheta = _baseline_problem(spec, ss)
            return fiml_corrected(bprob, btheta, ss.data, version=version, wc_x=wc_x)
        xx3_0, k0 = _on_sample(ss, _baseline_key(spec, "fiml", version), baseline_corrected)
        c3, c30 = k / df, k0 / bdf
        out.update({"cfi.robust": fi.cfi(xx3, df, xx3_0, bdf, c3, c30),
                    "tli.robust": fi.tli(xx3, df, xx3_0, bdf, c3, c30),
                    "rmsea.robust": fi.rmsea(xx3, df, N, G, c_hat=c3), **robust_rmsea_interval(xx3 / c3, df, N, G, c3)})
    return out

