"""One SEM pipeline: the named stages of every fit, from model text to a frozen result, as
lavaan's ``lavaan()``:

options (:func:`~loyaltyscope.cbsem.options.resolve_options`) -> data (columns, groups) ->
parameter table (:func:`model_spec`, memoised) -> sample statistics (moments, or thresholds,
polychorics and NACOV for ordinal items) -> estimator plug-in (start -> optimise -> vcov ->
test -> baseline) -> results (:func:`finish`: the one params table, R², diagnostics, warnings
shared by every estimator).

Estimator plug-ins live in :mod:`loyaltyscope.cbsem.estimators`: ``ml`` (ML, MLR, MLM, FIML),
``dwls`` (DWLS/WLSMV for ordinal items) and ``batched_ml`` (the bootstrap's stacked refits).
They differ only in their sample statistics, objective/gradient, weight matrix and test; each
returns a :class:`Fitted` and the results stage is the same for all.

The parameter table is a pure function of the model text and a few options and costs far more
than a small fit, so :func:`model_spec` memoises it; every caller gets its own copy of the
table (no state shared between fits or threads).

R equivalent: ``lavaan::lavaan()`` (``lav_options_set``, ``lav_data``, ``lav_partable``,
``lav_samplestats``, ``lav_model_estimate``, ``lav_model_vcov``, ``lav_model_test``).
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pandas as pd

from loyaltyscope.cbsem.data_checks import check_data, check_moments
from loyaltyscope.cbsem.estimates import diagnostics, params_table, r_square
from loyaltyscope.cbsem.estimators import Fitted
from loyaltyscope.cbsem.options import SemOptions
from loyaltyscope.cbsem.model_checks import check_formulas, check_spec, definition_warnings
from loyaltyscope.cbsem.partable import ModelSpec, build_partable
from loyaltyscope.cbsem.results import SemResult
from loyaltyscope.cbsem.samplestats import DataError, SampleStats, from_data, from_moments, listwise_message
from loyaltyscope.cbsem.syntax import parse_model
from loyaltyscope.numerics.threads import one_blas_thread

__all__ = ["run", "data_stage", "model_spec", "finish", "ml_sample_stats", "fit_ml_stage"]


@functools.lru_cache(maxsize=64)
def _cached_spec(model, columns, ngroups, std_lv, meanstructure, fixed_x, group_equal, group_partial,
                 ordered, orthogonal=False, int_free=(True, False)) -> ModelSpec:
    formulas = parse_model(model)
    check_formulas(formulas, columns)
    spec = build_partable(formulas, data_columns=None if columns is None else list(columns),
                          ngroups=ngroups, std_lv=std_lv, meanstructure=meanstructure, fixed_x=fixed_x,
                          group_equal=group_equal, group_partial=group_partial, ordered=ordered,
                          orthogonal=orthogonal, int_free=int_free)
    check_spec(spec, ngroups)
    for a in spec.columns.values():      # shared by every fit of this model: read-only
        a.setflags(write=False)
    return spec


def model_spec(model: str, columns, ngroups: int, options: SemOptions, meanstructure: bool) -> ModelSpec:
    """Parse + parameter table, memoised on the arguments (all immutable). Nothing shared can
    be changed by a fit: the numpy columns are read-only (an estimator copies what it fills
    in) and each caller gets its own (copy-on-write) table."""
    spec = _cached_spec(model, None if columns is None else tuple(columns), int(ngroups),
                        options.std_lv, bool(meanstructure), options.fixed_x, options.group_equal,
                        options.group_partial, options.ordered, options.orthogonal,
                        (options.int_ov_free, options.int_lv_free))
    own = dataclasses.replace(spec, table=spec.table.copy(deep=False))
    own.__dict__["columns"] = spec.columns          # the cached_property, already computed
    return own


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


def data_stage(model: str, data, options: SemOptions, sample_cov, sample_mean=None):
    """Columns, number of groups and the mean structure (lavaan: ``meanstructure = "default"``:
    with groups, ``~ 1`` rows, ``sample.mean =`` given, FIML or ordinal items)."""
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
        if options.group is not None and options.group not in data.columns:
            raise DataError(f"group column {options.group!r} not found in the data; columns: {list(data.columns)}")
        ngroups = 1 if options.group is None else int(data[options.group].nunique())   # missing labels not counted
        if ngroups == 0:
            raise DataError(f"group column {options.group!r} has no observed value in the {len(data)} row(s) of the "
                            "data: there is no group to fit (expected a label per row)")
        columns = list(data.columns)
    if options.categorical or options.fiml:
        ms = True
    elif options.meanstructure is not None:
        ms = options.meanstructure
    else:
        ms = ngroups > 1 or sample_mean is not None or any(f.op == "~1" for f in _parsed(model))
    return columns, ngroups, ms


@functools.lru_cache(maxsize=64)
def _parsed(model: str) -> tuple:
    return tuple(parse_model(model))


def ml_sample_stats(spec: ModelSpec, data, options: SemOptions, sample_cov=None, sample_nobs=None,
                    sample_mean=None) -> SampleStats:
    """Sample moments per group (listwise or FIML patterns), checked for what cannot be fitted."""
    if sample_cov is not None:
        if sample_nobs is None:
            raise ValueError("sample_cov= needs sample_nobs=")
        if spec.meanstructure and sample_mean is None:
            raise ValueError("a model with a mean structure fitted from moments needs sample_mean=")
        check_moments(sample_cov, spec.ov_names)
        ss = from_moments(sample_cov, sample_nobs, spec.ov_names, sample_mean)
    else:
        ss = from_data(data, spec.ov_names, options.group, "fiml" if options.fiml else "listwise", x_names=spec.ov_x)
    _data_checks(spec, ss)
    return ss



def continuous_wls_stage(spec, data, options, sample_cov, sample_nobs, sample_mean):
    """(sample statistics, fitted pieces) of WLSMV/DWLS/WLS on continuous items
    (:mod:`loyaltyscope.cbsem.estimators.continuous_wls`)."""
    from loyaltyscope.cbsem.estimators import continuous_wls
    table = {c: v.copy() for c, v in spec.columns.items()}
    if options.missing == "pairwise":
        ss = continuous_wls.pairwise_sample_stats(data, spec.ov_names, options.group)
    else:
        ss = continuous_wls.unbiased(ml_sample_stats(spec, data, options, sample_cov, sample_nobs, sample_mean))
    _fill_exo(table, spec, ss)
    return ss, continuous_wls.fit(spec, table, ss, options)

def standardized_data(data: pd.DataFrame, spec: ModelSpec, options: SemOptions) -> pd.DataFrame:
    """lavaan's ``std.ov = TRUE``: per group, the observed variables that are not fixed.x
    covariates centred and divided by their sd (N - 1), over the rows that enter the fit (the
    complete rows under listwise deletion; each column's observed values under FIML), as
    ``lav_data_full``'s ``scale(X[[g]])`` on the data after listwise deletion."""
    cols = [v for v in spec.ov_names if v not in set(spec.ov_x)]
    out = data.copy()
    out[cols] = out[cols].astype(float)
    keys = data[options.group] if options.group is not None else pd.Series(0, index=data.index)
    rows_in = data[list(spec.ov_names)].notna().all(axis=1) if options.missing == "listwise" else True
    for _, idx in keys[keys.notna()].groupby(keys[keys.notna()], sort=False).groups.items():
        part = out.loc[idx, cols]
        used = part[rows_in[idx]] if options.missing == "listwise" else part
        out.loc[idx, cols] = (part - used.mean()) / used.std(ddof=1)
    return out


def run(model: str, data, options: SemOptions, *, sample_cov=None, sample_nobs=None, sample_mean=None,
        start: SemResult | None = None) -> SemResult:
    """Every stage of one fit, in order (with one BLAS thread: the matrices are small, and a
    BLAS thread pool costs more than it saves, several-fold on a busy machine)."""
    columns, ngroups, ms = data_stage(model, data, options, sample_cov, sample_mean)
    notes = ()
    if options.categorical:              # ordered covariates are numeric covariates (lavaan)
        from loyaltyscope.cbsem.estimators import dwls
        options, notes = dwls.numeric_covariates(_parsed(model), options)
    spec = model_spec(model, columns, ngroups, options, ms)
    with one_blas_thread():
        if options.categorical:
            ss = dwls.sample_stats(spec, data, options)
            return finish(spec, dwls.fit(spec, ss, options), options, ss, notes)
        data_warnings = check_data(data, spec.ov_names, options.group, options.missing) if sample_cov is None else []
        if options.std_ov:
            data = standardized_data(data, spec, options)
        if options.continuous_wls:
            ss, fitted = continuous_wls_stage(spec, data, options, sample_cov, sample_nobs, sample_mean)
            return finish(spec, fitted, options, ss, data_warnings)
        ss = ml_sample_stats(spec, data, options, sample_cov, sample_nobs, sample_mean)
        if options.likelihood == "wishart":
            from loyaltyscope.cbsem.wishart import wishart_result, wishart_stats
            if spec.ov_x:
                raise NotImplementedError("likelihood='wishart' with fixed.x covariates is not implemented "
                                          f"({', '.join(spec.ov_x)}); use fixed_x=False or likelihood='normal'")
            return wishart_result(fit_ml_stage(spec, wishart_stats(ss), options, start, data_warnings), ss)
        return fit_ml_stage(spec, ss, options, start, data_warnings)


def fit_ml_stage(spec: ModelSpec, ss: SampleStats, options: SemOptions, start=None, data_warnings=()) -> SemResult:
    """The ML plug-in on finished sample statistics (the invariance ladder reuses them);
    ``data_warnings`` (badly scaled data) come first on the result."""
    from loyaltyscope.cbsem.estimators import ml
    table = {c: v.copy() for c, v in spec.columns.items()}
    _fill_exo(table, spec, ss)
    return finish(spec, ml.fit(spec, table, ss, options, start), options, ss, data_warnings)


def _one_thread(fn):
    def wrapper():
        with one_blas_thread():
            return fn()
    return wrapper


def finish(spec: ModelSpec, fitted: Fitted, options: SemOptions, ss, data_warnings=()) -> SemResult:
    """The results stage shared by every estimator: improper-solution diagnostics, defined
    parameters that are not finite, the dropped-rows note (first), the data warnings, and the
    lazy params table, fit measures and R²."""
    table = fitted.table
    vals = np.asarray(table["est"], dtype=float)
    warnings = list(data_warnings) + list(fitted.warnings)
    warnings.extend(diagnostics(spec, table, fitted.implied_covs, ss.ngroups, ss.group_labels))
    warnings.extend(definition_warnings(spec, fitted.values_of, fitted.theta))
    if ss.dropped_rows:
        warnings.insert(0, getattr(ss, "exclusion_message", None)
                        or listwise_message(len(ss.dropped_rows), ss.n_input_rows))
    Cs = fitted.all_covs

    def params():
        p = params_table(spec, table, vals, fitted.vcov, fitted.theta, Cs, ss.ngroups, fitted.values_of)
        return fitted.params_hook(p) if fitted.params_hook is not None else p

    lazy = {"fit_measures": _one_thread(fitted.fit_measures),
            "params": _one_thread(params),
            "r2": lambda: r_square(spec, table, Cs, ss)}
    return SemResult(warnings=tuple(warnings), converged=bool(fitted.converged), iterations=int(fitted.iterations),
                     nobs=tuple(int(n) for n in ss.nobs), group_labels=tuple(ss.group_labels),
                     estimator=options.estimator, options=options, dropped_rows=tuple(ss.dropped_rows),
                     ov_names=tuple(spec.ov_names), extra=fitted.extra, _lazy=lazy, _table=table,
                     _sample_covs=tuple(fitted.sample_covs), _implied_covs=tuple(fitted.implied_covs),
                     _vcov_theta=fitted.vcov, _theta_names=tuple(fitted.theta_names),
                     _modindices=fitted.modindices)
