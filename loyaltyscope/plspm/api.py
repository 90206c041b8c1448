"""``pls()``: fit a PLS path model (PLS-SEM) to indicator data.

Stages: syntax -> blocks and paths (:mod:`.specification`) -> checked, standardized data
(:mod:`.indicator_data`) -> correlation matrix -> PLS algorithm and every statistic
(:mod:`.estimates`) -> optional bootstrap (:mod:`.resampling`) -> tables (:mod:`.tables`)
-> :class:`~loyaltyscope.plspm.results.PLSResult`.

R equivalent: ``seminr::estimate_pls(data, measurement_model, structural_model,
inner_weights = path_weighting, missing = mean_replacement)`` followed by
``bootstrap_model(model, nboot, seed)``; SmartPLS's "PLS Algorithm" and "Bootstrapping".
"""

from __future__ import annotations

import dataclasses
from functools import partial

import numpy as np
import pandas as pd

from loyaltyscope.numerics.options import (check_choice, check_count, check_level, check_positive,
                                            check_seed)
from loyaltyscope.plspm.algorithm import SCHEMES
from loyaltyscope.plspm.errors import MAX_ITER, MAX_RESAMPLES, PLSError
from loyaltyscope.plspm.effect_size import f_squared_refit, f_squared_reestimated
from loyaltyscope.plspm.estimates import estimate_stack
from loyaltyscope.plspm.higher_order import HIGHER_ORDER_METHODS, fit_higher_order, higher_order_constructs
from loyaltyscope.plspm.interactions import INTERACTION_METHODS, fit_with_interactions
from loyaltyscope.plspm.indicator_data import DataError, prepare_indicators
from loyaltyscope.plspm.resampling import CI_METHODS, BootstrapDraws, bootstrap_stack, jackknife_stack
from loyaltyscope.plspm.results import PLSResult
from loyaltyscope.plspm.specification import ModelSpecError, PLSSpec, specify
from loyaltyscope.plspm.tables import build_tables

__all__ = ["pls", "fit_spec"]


def _check_options(scheme, boot_ci, bootstrap, max_iter, tol, level, seed=None, workers=1,
                   higher_order="two_stage", interaction="two_stage", consistent=False):
    """Every bad option at once, as one :class:`PLSError` naming option, value and expectation."""
    checks = [lambda: check_choice(scheme, "scheme", SCHEMES, PLSError),
              lambda: check_choice(boot_ci, "boot_ci", CI_METHODS, PLSError),
              lambda: check_count(bootstrap, "bootstrap (number of resamples)", 2, PLSError, zero_ok=True,
                                  maximum=MAX_RESAMPLES),
              lambda: check_count(max_iter, "max_iter", 1, PLSError, maximum=MAX_ITER),
              lambda: check_positive(tol, "tol", PLSError),
              lambda: check_level(level, "level", PLSError),
              lambda: check_seed(seed, PLSError),
              lambda: check_count(workers, "workers", 1, PLSError),
              lambda: check_choice(higher_order, "higher_order", HIGHER_ORDER_METHODS, PLSError),
              lambda: check_choice(interaction, "interaction", INTERACTION_METHODS, PLSError),
              lambda: check_choice(consistent, "consistent", (True, False), PLSError)]
    problems = []
    for check in checks:
        try:
            check()
        except PLSError as e:
            problems.append(str(e))
    if problems:
        raise PLSError("; ".join(problems))


def pls(model: str, data: pd.DataFrame, *, scheme: str = "path", missing: str = "listwise", bootstrap: int = 0,
        seed: int | None = None, boot_ci: str = "percentile", consistent: bool = False, max_iter: int = 300,
        tol: float = 1e-7, level: float = 0.95, workers: int = 1,
        higher_order: str = "two_stage", interaction: str = "two_stage",
        progress: bool | None = None) -> PLSResult:
    """Fit a PLS path model.

    Parameters
    ----------
    model : lavaan-style syntax: ``C =~ x1 + x2`` Mode A (reflective) block, ``C <~ x1 + x2``
        Mode B (formative) block, ``y ~ a + b`` structural paths.
    data : one row per respondent, one numeric column per indicator.
    scheme : inner weighting, "path" (SmartPLS's default), "centroid" or "factorial".
    missing : "listwise" (drop incomplete rows, listed in ``warnings``) or "mean" (mean replacement).
    bootstrap : number of bootstrap resamples (0: none); ``seed`` makes them reproducible.
    boot_ci : "percentile" or "bca"; ``level`` the confidence level.
    consistent : PLSc (Dijkstra & Henseler 2015) for the multi-item Mode A blocks.
    max_iter, tol : stop when the sum of absolute weight changes is below ``tol``.
    workers : threads for the bootstrap (results are identical for any number).
    progress : bootstrap progress bar (tqdm); ``None``: shown for 2000+ resamples on a terminal.
    higher_order : for blocks of constructs (``HOC =~ A + B``): "two_stage" (seminr's default)
        or "repeated_indicators"; see :mod:`loyaltyscope.plspm.higher_order`.
    interaction : for interaction terms ``y ~ A + B + A:B``: "two_stage" (seminr's
        recommendation), "product_indicator" or "orthogonal"; see :mod:`loyaltyscope.plspm.interactions`.

    Returns
    -------
    PLSResult

    Examples
    --------
    >>> import loyaltyscope as ls
    >>> from loyaltyscope.plspm.demo import ECSI_MOBI_MODEL
    >>> fit = ls.pls(ECSI_MOBI_MODEL, ls.load_dataset("mobi"))  # doctest: +SKIP

    R: ``seminr::estimate_pls(mobi, mobi_mm, mobi_sm)``.
    """
    _check_options(scheme, boot_ci, bootstrap, max_iter, tol, level, seed, workers, higher_order, interaction,
                   consistent)
    spec = specify(model)
    kw = dict(scheme=scheme, missing=missing, bootstrap=int(bootstrap), seed=seed, boot_ci=boot_ci,
              consistent=consistent, max_iter=max_iter, tol=tol, level=level, workers=workers, progress=progress)
    two_stage = bool((higher_order == "two_stage" and higher_order_constructs(spec)) or
                     (interaction == "two_stage" and any(name not in spec.blocks for name in spec.interactions)))
    res = _fit_routed(spec, data, higher_order, interaction, effect_sizes=not two_stage, **kw)
    if two_stage:   # f² with stage 1 estimated again too (seminr's fSquared re-runs estimate_pls), same rows
        kw0 = {**kw, "bootstrap": 0, "progress": False, "effect_sizes": False}
        rows = data.loc[res.scores.index]
        f2, notes = f_squared_refit(spec, res.r2["r2"],
                                    lambda sub: _fit_routed(sub, rows, higher_order, interaction, **kw0))
        res = dataclasses.replace(res, f2=f2, warnings=res.warnings + tuple(notes))
    return res


def _fit_routed(spec: PLSSpec, data: pd.DataFrame, higher_order: str, interaction: str, **kw) -> PLSResult:
    fit = partial(_fit_with_terms, interaction=interaction)
    if higher_order_constructs(spec):
        return fit_higher_order(spec, data, higher_order, fit, **kw)
    return fit(spec, data, **kw)


def _fit_with_terms(spec: PLSSpec, data: pd.DataFrame, *, interaction: str, **kw) -> PLSResult:
    if any(name not in spec.blocks for name in spec.interactions):
        return fit_with_interactions(spec, data, interaction, fit_spec, **kw)
    return fit_spec(spec, data, **kw)


def fit_spec(spec: PLSSpec, data: pd.DataFrame, *, scheme: str = "path", missing: str = "listwise",
             bootstrap: int = 0, seed: int | None = None, boot_ci: str = "percentile", consistent: bool = False,
             max_iter: int = 300, tol: float = 1e-7, level: float = 0.95, workers: int = 1,
             progress: bool | None = None, effect_sizes: bool = True) -> PLSResult:
    """:func:`pls` for an already built :class:`PLSSpec` (used by groups and higher-order models);
    ``effect_sizes=False`` leaves the f² table empty (the caller computes it)."""
    isolated = [c for k, c in enumerate(spec.constructs)
                if spec.adjacency[k].sum() + spec.adjacency[:, k].sum() == 0]
    if isolated:
        raise ModelSpecError(f"construct(s) {', '.join(isolated)} take part in no structural path; "
                             "every construct of a PLS path model needs at least one")
    ind = prepare_indicators(data, spec.unique_items, missing)
    _check_rows(spec, ind.nobs)
    pos = np.array([spec.unique_items.index(x) for x in spec.items])
    Z = ind.z
    Sq = np.corrcoef(Z, rowvar=False)
    S = Sq[np.ix_(pos, pos)]
    _check_mode_b_rank(spec, S)
    item_sd = ind.sd if spec.interactions else None
    try:
        est = estimate_stack(S, spec, scheme, consistent, max_iter, tol,
                             None if item_sd is None else item_sd[pos][None])
    except np.linalg.LinAlgError:
        raise DataError(_singular_message(spec, S)) from None
    warnings = list(ind.notes)
    if ind.dropped:
        shown = ", ".join(map(str, ind.dropped[:10])) + (" ..." if len(ind.dropped) > 10 else "")
        warnings.append(f"{len(ind.dropped)} row(s) with missing indicator values dropped (listwise): {shown}")
    if ind.replaced:
        warnings.append("missing values replaced by the column mean: "
                        + ", ".join(f"{c} ({k})" for c, k in ind.replaced.items()))
    if not est.converged[0]:
        warnings.append(f"the PLS algorithm did not converge in {max_iter} iterations (tol {tol})")
    boot = None
    if bootstrap:
        boot = bootstrap_stack(Z, pos, spec, bootstrap, seed, scheme, consistent, max_iter, tol, workers=workers,
                               item_sd=item_sd, progress=progress)
        if boot_ci == "bca":
            jack = jackknife_stack(Z, pos, spec, scheme, consistent, max_iter, tol, item_sd)
            boot = BootstrapDraws(boot.draws, jack,
                                  boot.n_boot, boot.n_failed, boot.seed)
        if boot.n_failed:
            warnings.append(f"{boot.n_failed} of {bootstrap} bootstrap resamples failed (no convergence or "
                            "singular data) and are left out")
    if consistent:
        bad = [c for c, q in zip(spec.constructs, est.rho_a[0]) if not (0 < q <= 1)]
        if bad:
            warnings.append("PLSc: rho_A outside (0, 1] for " + ", ".join(bad) + " (improper solution)")
        R = est.lv_cor[0] - np.eye(len(spec.constructs))
        if (np.abs(R) > 1).any() or (np.abs(est.loadings[0]) > 1).any():
            warnings.append("PLSc: a corrected construct correlation or loading exceeds 1 in absolute value "
                            "(improper solution)")
    f2 = f_squared_reestimated(S, spec, est.r2[0], scheme, consistent, max_iter, tol,
                               None if item_sd is None else item_sd[pos][None]) if effect_sizes \
        else np.full((len(spec.constructs),) * 2, np.nan)
    tabs = build_tables(spec, S, est, ind.nobs, boot, level, boot_ci, f2)
    warnings += _nonfinite_warnings(tabs)
    block = spec.item_block
    Wm = np.zeros((len(block), len(spec.constructs)))
    Wm[np.arange(len(block)), block] = est.weights[0]
    scores = pd.DataFrame(Z[:, pos] @ Wm, index=ind.rows, columns=list(spec.constructs))
    return PLSResult(spec=spec, nobs=ind.nobs, scheme=scheme, consistent=consistent,
                     iterations=int(est.iterations[0]), converged=bool(est.converged[0]), scores=scores,
                     n_boot=bootstrap, n_failed=boot.n_failed if boot else 0, boot_ci=boot_ci, missing=missing,
                     max_iter=max_iter, tol=tol, warnings=tuple(warnings), _data=ind, _est=est, _boot=boot,
                     **tabs)


def _check_rows(spec: PLSSpec, n: int) -> None:
    """Enough rows for every regression of the model: a structural equation with k predictors
    needs n >= k + 2 (a residual degree of freedom), a Mode B block of k indicators n > k."""
    problems = []
    for c in spec.endogenous:
        k = len(spec.predecessors(c))
        if n < k + 2:
            problems.append(f"{c} has {k} predictor(s) and needs at least {k + 2} rows")
    for c in spec.constructs:
        k = len(spec.blocks[c])
        if spec.modes[c] == "B" and k > 1 and n <= k:
            problems.append(f"the Mode B block {c} has {k} indicators and needs at least {k + 1} rows")
    if problems:
        raise DataError(f"only {n} complete rows for the PLS model: " + "; ".join(problems))


def _check_mode_b_rank(spec: PLSSpec, S: np.ndarray) -> None:
    """A Mode B block whose indicators are linearly dependent has no regression weights; rounding
    can hide the singularity from the solver (weights then are noise), so the numerical rank
    (``np.linalg.matrix_rank``) of every Mode B block is checked first."""
    block = spec.item_block
    bad = [c for k, c in enumerate(spec.constructs) if spec.modes[c] == "B" and (block == k).sum() > 1
           and np.linalg.matrix_rank(S[np.ix_(block == k, block == k)]) < (block == k).sum()]
    if bad:
        raise DataError(f"the indicators of the Mode B block(s) {', '.join(bad)} are linearly dependent (one is an "
                        "exact combination of the others), so their regression weights are not defined; drop or "
                        "merge the redundant indicators, or use =~ (Mode A)")


def _singular_message(spec: PLSSpec, S: np.ndarray) -> str:
    """Why the PLS algorithm met a singular matrix: perfectly correlated indicators."""
    items = spec.items
    pairs = [f"{items[i]} and {items[j]} (r = {S[i, j]:+.6f})" for i in range(len(items))
             for j in range(i + 1, len(items)) if abs(S[i, j]) > 1 - 1e-8 and items[i] != items[j]]
    why = ("perfectly correlated indicators: " + ", ".join(pairs[:10])) if pairs else \
        "linearly dependent indicators in a Mode B block or predictors of one construct"
    return ("the PLS algorithm met a singular matrix (the predictors of a construct, or the indicators of a "
            f"Mode B block, are linearly dependent): {why}; drop or merge the redundant indicators")


def _nonfinite_warnings(tabs: dict) -> list[str]:
    """A warning for every table holding infinite values or a missing estimate (never silent)."""
    out = []
    for name, t in tabs.items():
        if not isinstance(t, pd.DataFrame):
            continue
        num = t.select_dtypes("number")
        inf = np.isinf(num.to_numpy(dtype=float))
        if inf.any():
            r, c = np.argwhere(inf)[0]
            out.append(f"{name}: {int(inf.sum())} infinite value(s), e.g. {num.columns[c]} of row {num.index[r]!r} "
                       "(perfectly collinear indicators or constructs, or an R² of 1)")
    if "params" in tabs and tabs["params"]["est"].isna().any():
        bad = tabs["params"][tabs["params"]["est"].isna()]
        out.append(f"params: {len(bad)} estimate(s) could not be computed (NaN), e.g. "
                   f"{bad.iloc[0]['lhs']} {bad.iloc[0]['op']} {bad.iloc[0]['rhs']}")
    return out
