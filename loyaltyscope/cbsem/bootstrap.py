"""Nonparametric bootstrap of a SEM fit: standard errors, percentile and BCa intervals of every
parameter (defined ones such as indirect and total effects included), and the Bollen–Stine
bootstrap p-value of the model test.

Resampling
    Per group g, draw N_g rows with replacement (``b = 1..B``); the resample is represented by
    counts w_b (how often each row was drawn), so the moments of all resamples of a chunk come
    from a few matrix products (rows centred at the full-sample mean xbar)::

        ybar_b = xbar + W Xc / N_g          S_b = (Xc' diag(w_b) Xc) / N_g - d_b d_b',  d_b = ybar_b - xbar

    (divisor N_g: ``likelihood = "normal"``, as the full-sample fit). Each resample is refitted
    from the full-sample estimate theta_hat with the same parameter layout; nothing else
    (parsing, tables, fit measures, standardization) is redone. With complete data and linear
    constraints the refits of a chunk run together: the ML discrepancy, its gradient, its exact
    Hessian and the expected information of all resamples are computed as stacked arrays (the
    formulas of :func:`loyaltyscope.cbsem.estimate.ml_hessian`, with dSigma_a = x_a y_a' + y_a x_a'
    so that every trace is a product of small Gram matrices), and the optimiser's steps are taken
    for all of them at once: Fisher scoring while max |dF/dphi| > 0.1, then Newton, step halving,
    convergence at max |dF/dphi| < 1e-6 (the optimiser's rule). A resample this does not settle
    (indefinite curvature, failed line search, 30 iterations) and every resample under FIML or
    non-linear constraints is refitted by the full optimiser
    (:func:`loyaltyscope.cbsem.estimate.fit_ml`, from theta_hat then from moment start values).
    Under FIML the resampled rows keep their missing values and their missing-data patterns are
    recomputed. Exogenous covariates with ``fixed.x`` take the resample's own moments, as lavaan
    refits them.

Statistics (over the B' successful resamples theta*_1..theta*_B')
    SE             sd of theta*_b; lavaan's conventions: divisor B' for the free parameters
                   (``cov(COEF) * (B' - 1) / B'``), B' - 1 for defined ones (``cov(BOOT.def)``).
    percentile CI  the alpha/2 and 1 - alpha/2 quantiles of theta*_b, interpolated on the normal
                   scale between order statistics (``boot:::norm.inter``, which lavaan's
                   ``parameterEstimates(boot.ci.type = "perc")`` uses): with r = (B' + 1) alpha,
                   k = floor(r), t_(k) the order statistics,
                   q = t_(k) + (Phi^-1(alpha) - Phi^-1(k/(B'+1))) / (Phi^-1((k+1)/(B'+1)) - Phi^-1(k/(B'+1))) (t_(k+1) - t_(k)).
    BCa CI         (Efron, 1987) z0 = Phi^-1(#{theta*_b < theta_hat} / B'),
                   alpha' = Phi(z0 + (z0 + z_alpha) / (1 - a (z0 + z_alpha))), quantile alpha' as above;
                   acceleration a = sum L_i^3 / (6 (sum L_i^2)^(3/2)), L_i = mean(theta_(.)) - theta_(i)
                   from the N leave-one-out (jackknife) refits (Efron & Tibshirani, 1993, eq. 14.15),
                   computed on first use. ``"bca.simple"``: a = 0 (lavaan's bias-corrected interval).
                   lavaan's ``"bca"`` estimates the empirical influence by regressing the
                   bootstrap estimates on the resampling counts instead of the jackknife; both
                   estimate the same a.
    Bollen–Stine   the data of group g are rotated to fit the model exactly before resampling,
                   Z = (X - 1 xbar') S^-1/2 Sigma_hat^1/2 + 1 mu_hat' (symmetric square roots;
                   Bollen & Stine, 1992), then p = #{T*_b > T} / B' with T = N F_ML the observed
                   test statistic and T*_b the statistic of the model refitted to resample b of Z
                   (lavaan: strict ">", ``test = "bollen.stine"``). Complete data only.

Failed resamples
    A resample whose sample covariance matrix is singular (lavaan stops on those too), or
    whose refit does not converge (from theta_hat, then from moment-based start values; the
    fit's ``max_iter`` per start and optimiser) is *failed*: excluded from every statistic,
    counted, and reported (a warning in ``fit.warnings``; ``BootstrapResult.n_failed``). A
    converged resample with an improper solution (a negative variance, a non-positive-definite
    residual or latent covariance matrix: lavaan's ``post.check``) is *nonadmissible*: kept, as
    lavaan keeps it, and counted.

In the fit
    ``sem(..., se="bootstrap", bootstrap=B, seed=, boot_ci="perc", workers=, progress=)``:
    ``fit.params`` has ``se`` = bootstrap SE, ``z = est / se`` and its normal p-value (as
    lavaan), ``ci_lower``/``ci_upper`` = the ``boot_ci`` interval (``"perc"`` default,
    ``"bca"``, ``"bca.simple"``, ``"norm"``, ``"basic"``; fixed parameters: se 0 and the
    estimate); ``fit.vcov`` is the bootstrap covariance; ``fit.extra["bootstrap"]`` is a
    :class:`BootstrapResult` with the resample estimates (``samples``), the counts, ``ci(kind,
    level)`` and ``apply_to_params``. ``bollen_stine=True`` adds ``fit.extra["bollen_stine"]``.

Reproducibility and parallelism
    ``np.random.SeedSequence(seed)`` spawns one stream for the ordinary bootstrap and one for
    Bollen–Stine; each is split into fixed chunks of ``CHUNK`` resamples with their own child
    seeds. Chunks are independent of the number of worker processes, so the same seed gives
    the same numbers with 1, 2 or 16 workers. Chunks run in a process pool (``fork`` where the
    platform has it; elsewhere the setup is pickled, or the chunks run in-process when it
    cannot be). With ``seed=None`` fresh entropy is drawn and recorded (``BootstrapResult.seed``)
    so the run can be repeated.

References
    Efron, B., & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*. Chapman & Hall
    (ch. 6, 13, 14). Bollen, K. A., & Stine, R. A. (1992). Bootstrapping goodness-of-fit measures
    in structural equation models. *Sociological Methods & Research*, 21, 205–229. Davison, A.
    C., & Hinkley, D. V. (1997). *Bootstrap Methods and their Application*. Cambridge University
    Press (ch. 5; R package boot). Efron, B. (1987). Better bootstrap confidence intervals.
    *Journal of the American Statistical Association*, 82, 171–185.

R equivalent: ``fit <- sem(model, data, se = "bootstrap", bootstrap = B, test = "bollen.stine")``;
``parameterEstimates(fit, boot.ci.type = "perc" | "bca.simple" | "bca")``;
``lavInspect(fit, "boot")``; ``fit@test$bollen.stine$pvalue``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd
from scipy import stats

from loyaltyscope.cbsem.bootstrap_intervals import (bca_interval, jackknife_acceleration, norm_inter,
                                                    percentile_interval)
from loyaltyscope.cbsem.bootstrap_resampling import (CHUNK, NONADMISSIBLE, STATUS, BootstrapSetup,
                                                     bollen_stine_data, boot_tasks, collect, jack_tasks,
                                                     refit_batch, resample_counts, run_resamples,
                                                     weighted_moments)
from loyaltyscope.cbsem.estimate import MLProblem
from loyaltyscope.cbsem.options import CI_KINDS

__all__ = ["BootstrapSetup", "BootstrapResult", "CHUNK", "resample_counts", "weighted_moments",
           "bollen_stine_data", "refit_batch", "run_resamples", "norm_inter", "percentile_interval",
           "bca_interval", "jackknife_acceleration", "bootstrap_fit", "CI_KINDS"]

# --------------------------------------------------------------------------- the result
@dataclass(frozen=True, eq=False)
class BootstrapResult:
    """The bootstrap of one fit (``fit.extra["bootstrap"]``).

    Attributes
    ----------
    samples : DataFrame, one row per *successful* resample (index: resample number 1..B, so
        gaps are the failed ones), columns the free parameters (``fit.theta_names``) then the
        defined parameters. Intervals of any function f of the parameters:
        ``percentile_interval(f(samples))``.
    estimate : Series, the full-sample values of the same columns.
    status : per requested resample ``"ok"``, ``"nonadmissible"`` (kept), ``"not converged"``
        or ``"unusable resample"`` (sample covariance matrix not positive definite, a variable
        without observed values, or a numerical error; both excluded).
    n_requested, n_ok, n_failed, n_nonadmissible : counts (``n_ok`` = used = requested - failed).
    seed : the entropy of the ``SeedSequence``; ``sem(..., seed=result.seed)`` repeats the run.
    workers : processes used. elapsed : seconds.
    bollen_stine : None or dict(stat, pvalue, boot_larger, boot_length, n_failed,
        n_nonadmissible, statistics).
    ci_kind, level : the interval type and level written into ``fit.params``.
    """

    samples: pd.DataFrame
    estimate: pd.Series
    status: np.ndarray
    seed: int
    workers: int
    elapsed: float
    n_free: int
    ci_kind: str = "perc"
    level: float = 0.95
    bollen_stine: dict | None = None
    _jackknife: Callable[[], pd.DataFrame] | None = field(default=None, repr=False)
    _row_map: Callable[[pd.DataFrame], np.ndarray] | None = field(default=None, repr=False)
    _jack_cache: pd.DataFrame | None = field(default=None, repr=False)

    # -- counts
    @property
    def n_requested(self) -> int:
        return int(len(self.status))

    @property
    def n_failed(self) -> int:
        return int(np.sum(np.isin(self.status, ["not converged", "unusable resample"])))

    @property
    def n_nonadmissible(self) -> int:
        return int(np.sum(self.status == "nonadmissible"))

    @property
    def n_ok(self) -> int:
        return self.n_requested - self.n_failed

    def __repr__(self) -> str:
        bs = "" if self.bollen_stine is None else f", Bollen-Stine p = {self.bollen_stine['pvalue']:.4f}"
        return (f"BootstrapResult({self.n_requested} requested, {self.n_ok} used, {self.n_failed} failed, "
                f"{self.n_nonadmissible} nonadmissible kept; seed={self.seed}, workers={self.workers}, "
                f"{self.elapsed:.2f} s{bs})")

    # -- statistics
    @property
    def vcov_theta(self) -> np.ndarray:
        """Covariance of the free parameters, divisor B' (lavaan's bootstrap ``vcov``)."""
        X = self.samples.iloc[:, :self.n_free].to_numpy(float)
        if len(X) < 2:
            return np.full((self.n_free, self.n_free), np.nan)
        return np.cov(X, rowvar=False, ddof=0).reshape(self.n_free, self.n_free)

    def se(self) -> pd.Series:
        """Bootstrap standard errors: sd of the resample estimates (divisor B' for free
        parameters, B' - 1 for defined ones, as lavaan)."""
        X = self.samples.to_numpy(float)
        if len(X) < 2:
            return pd.Series(np.nan, index=self.samples.columns)
        sd = X.std(axis=0, ddof=1)
        sd[:self.n_free] = X[:, :self.n_free].std(axis=0, ddof=0)
        return pd.Series(sd, index=self.samples.columns)

    def jackknife(self) -> pd.DataFrame:
        """Leave-one-out estimates (rows: left-out row per group; NaN = refit failed), computed
        once (N refits, in parallel) and cached; used for the BCa acceleration."""
        if self._jack_cache is None:
            if self._jackknife is None:
                raise ValueError("no jackknife available for this bootstrap")
            # computed on first use and kept (the result is otherwise immutable)
            object.__setattr__(self, "_jack_cache", self._jackknife())
        return self._jack_cache

    def ci(self, kind: str | None = None, level: float | None = None) -> pd.DataFrame:
        """Intervals (``lower``, ``upper``) per column of :attr:`samples`.

        kind : ``"perc"`` (default), ``"bca"`` (jackknife acceleration), ``"bca.simple"``
            (bias-corrected, a = 0), ``"norm"`` (bias-corrected normal) or ``"basic"``
            — lavaan's ``boot.ci.type`` values.
        """
        kind = self.ci_kind if kind is None else kind
        level = self.level if level is None else float(level)
        if kind not in CI_KINDS:
            raise ValueError(f"unknown interval type {kind!r}; expected one of {CI_KINDS}")
        X = self.samples.to_numpy(float)
        est = self.estimate.to_numpy(float)
        out = np.full((X.shape[1], 2), np.nan)
        if kind == "bca":
            acc = jackknife_acceleration(self.jackknife().to_numpy(float))
        for j in range(X.shape[1]):
            t = X[:, j]
            if kind == "perc":
                out[j] = percentile_interval(t, level)
            elif kind == "basic":
                out[j] = 2 * est[j] - percentile_interval(t, level)[::-1]
            elif kind == "norm":
                s = self.se().iloc[j]
                bias = np.nanmean(t) - est[j]
                out[j] = est[j] - bias + s * stats.norm.ppf([(1 - level) / 2, (1 + level) / 2])
            else:
                out[j] = bca_interval(t, est[j], level, acc[j] if kind == "bca" else 0.0)
        return pd.DataFrame(out, index=self.samples.columns, columns=["lower", "upper"])

    def apply_to_params(self, params: pd.DataFrame, kind: str | None = None,
                        level: float | None = None) -> pd.DataFrame:
        """``params`` with ``se``, ``z``, ``pvalue``, ``ci_lower``, ``ci_upper`` from the
        bootstrap (fixed parameters: se 0, interval = estimate, as lavaan)."""
        cols = self._row_map(params)            # column of samples per params row, -1 = fixed
        se_all, ci_all = self.se().to_numpy(float), self.ci(kind, level).to_numpy(float)
        out = params.copy()
        est = out["est"].to_numpy(float)
        has = cols >= 0
        se = np.zeros(len(out))
        lo, hi = est.copy(), est.copy()
        se[has] = se_all[cols[has]]
        lo[has], hi[has] = ci_all[cols[has], 0], ci_all[cols[has], 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(se < np.sqrt(np.finfo(float).eps), np.nan, est / se)
        out["se"], out["z"], out["pvalue"] = se, z, 2 * stats.norm.sf(np.abs(z))
        out["ci_lower"], out["ci_upper"] = lo, hi
        return out


# --------------------------------------------------------------------------- glue for api._fit
def _exo_rows(table, ov_names):
    exo = np.asarray(table["exo"]) if "exo" in table else np.zeros(len(table["lhs"]), int)
    pos = {v: i for i, v in enumerate(ov_names)}
    out = []
    for k in np.flatnonzero(exo == 1):
        g = int(table["group"][k]) - 1
        lhs, op, rhs = table["lhs"][k], table["op"][k], table["rhs"][k]
        if op == "~~":
            out.append((int(k), g, pos[lhs], pos[rhs], False))
        elif op == "~1":
            out.append((int(k), g, pos[lhs], 0, True))
    return tuple(out)


def _row_mapper(table, theta_names, def_names, ngroups):
    """params DataFrame -> index into the samples columns (free: theta index; := by name)."""
    free = np.asarray(table["free"]) - 1
    key = {}
    for k in range(len(free)):
        lhs, op, rhs, g = table["lhs"][k], table["op"][k], table["rhs"][k], int(table["group"][k])
        key.setdefault((lhs, op, rhs, g), free[k])
    nfree = len(theta_names)
    dpos = {n: nfree + i for i, n in enumerate(def_names)}

    def mapper(params: pd.DataFrame) -> np.ndarray:
        out = np.full(len(params), -1, dtype=int)
        grp = params["group"].to_numpy() if "group" in params.columns else np.ones(len(params), int)
        for i, (lhs, op, rhs, g) in enumerate(zip(params["lhs"], params["op"], params["rhs"], grp)):
            if op == ":=":
                out[i] = dpos.get(lhs, -1)
            else:
                out[i] = key.get((lhs, op, rhs, int(g) if g else 1), -1)
        return out

    return mapper


def bootstrap_fit(problem: MLProblem, theta: np.ndarray, F: float, ss, table, spec, values_of, nonlinear,
                  options: dict, theta_names) -> tuple[BootstrapResult, list[str]]:
    """Run the bootstrap of a finished fit (called by the ML plug-in, :func:`loyaltyscope.cbsem.estimators.ml.fit`).

    ``options``: the fit's :class:`~loyaltyscope.cbsem.options.SemOptions` (``se``,
    ``bootstrap`` (B), ``seed``, ``boot_ci``, ``level``, ``bollen_stine``, ``workers``,
    ``progress``, ``max_iter``). Returns the result and warning lines.
    """
    t0 = time.perf_counter()
    B = int(options.bootstrap)
    if B < 2:
        raise ValueError(f"bootstrap={B}: at least 2 resamples are needed")
    kind = str(options.boot_ci or "perc")
    if kind not in CI_KINDS:
        raise ValueError(f"boot_ci={kind!r} is not known; expected one of {CI_KINDS}")
    do_params = options.se == "bootstrap"
    do_bs = bool(options.bollen_stine)
    if any(X is None for X in ss.data):
        raise ValueError("the bootstrap resamples rows: it needs data=, not sample_cov=")
    if do_bs and problem.patterns is not None:
        raise ValueError("the Bollen-Stine bootstrap needs complete data (missing='listwise'), as in lavaan")
    seq = np.random.SeedSequence(options.seed)
    entropy = seq.entropy
    s_ord, s_bs = seq.spawn(2)
    data = {"ordinary": tuple(np.asarray(X, float) for X in ss.data)}
    if do_bs:
        data["bollen_stine"] = bollen_stine_data(problem, theta, data["ordinary"])
    setup = BootstrapSetup(problem, np.asarray(theta, float), data, dict(table), tuple(spec.ov_names),
                           tuple(spec.lv_names), _exo_rows(table, spec.ov_names), nonlinear,
                           int(options.max_iter))
    tasks = (boot_tasks(s_ord, B, "ordinary") if do_params else []) + \
            (boot_tasks(s_bs, B, "bollen_stine") if do_bs else [])
    results, used = run_resamples(setup, tasks, options.workers, options.progress)
    n_ord = math.ceil(B / CHUNK) if do_params else 0
    def_names = [n for n, _ in spec.definitions]

    def with_defs(th: np.ndarray) -> np.ndarray:
        if not def_names:
            return th
        d = np.full((len(th), len(def_names)), np.nan)
        for i, row in enumerate(th):
            if np.all(np.isfinite(row)):
                v = values_of(row)
                d[i] = [v[n] for n in def_names]
        return np.hstack([th, d])

    columns = list(theta_names) + def_names
    messages: list[str] = []
    if do_params:
        th, st, _ = collect(results[:n_ord])
        good = st <= NONADMISSIBLE
        samples = pd.DataFrame(with_defs(th[good]), index=np.flatnonzero(good) + 1, columns=columns)
        status = np.array([STATUS[s] for s in st], dtype=object)
    else:
        samples = pd.DataFrame(np.empty((0, len(columns))), columns=columns)
        status = np.array([], dtype=object)
    estimate = pd.Series(with_defs(np.asarray(theta, float)[None])[0], index=columns)

    bs = None
    if do_bs:
        _, st_bs, T = collect(results[n_ord:])
        okb = st_bs <= NONADMISSIBLE
        T_obs = float(sum(problem.nobs)) * F
        Tb = T[okb]
        larger = int(np.sum(Tb > T_obs))
        bs = {"stat": T_obs, "pvalue": larger / len(Tb) if len(Tb) else np.nan, "boot_larger": larger,
              "boot_length": int(len(Tb)), "n_requested": B, "n_failed": int(np.sum(~okb)),
              "n_nonadmissible": int(np.sum(st_bs == NONADMISSIBLE)), "statistics": Tb}
        if bs["n_failed"]:
            messages.append(f"Bollen-Stine bootstrap: {bs['n_failed']} of {B} resamples failed (did not converge) "
                            f"and are excluded; the p-value uses the other {bs['boot_length']}")

    mapper = _row_mapper(table, theta_names, def_names, ss.ngroups)

    def jackknife():
        jt = jack_tasks(setup)
        res, _ = run_resamples(setup, jt, options.workers, options.progress, desc="jackknife")
        th_j, st_j, _ = collect(res)
        th_j[st_j > NONADMISSIBLE] = np.nan
        return pd.DataFrame(with_defs(th_j), columns=columns)

    result = BootstrapResult(samples, estimate, status, int(entropy) if isinstance(entropy, int) else entropy,
                             used, time.perf_counter() - t0, len(theta_names), kind,
                             float(options.level), bs, jackknife, mapper)
    if do_params:
        if result.n_failed:
            words = {"not converged": "did not converge",
                     "unusable resample": "unusable: singular sample covariance matrix or numerical error"}
            reasons = pd.Series(status[np.isin(status, list(words))]).value_counts()
            detail = "; ".join(f"{n} {words[r]}" for r, n in reasons.items())
            messages.append(f"bootstrap: {result.n_failed} of {B} resamples failed ({detail}) and are excluded; "
                            f"standard errors and intervals use the other {result.n_ok}")
        if result.n_nonadmissible:
            messages.append(f"bootstrap: {result.n_nonadmissible} of {B} resamples gave nonadmissible solutions "
                            "(negative variances or non-positive-definite covariance matrices); they are kept, "
                            "as lavaan keeps them")
        if result.n_ok < 2:
            messages.append("bootstrap: fewer than 2 successful resamples; standard errors are not available")
    return result, messages
