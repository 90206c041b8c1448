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

import dataclasses
import math
import os
import sys
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from loyaltyscope.cbsem.estimate import MLProblem, fit_ml, row_values
from loyaltyscope.numerics.threads import limit_blas_in_worker, one_blas_thread
from loyaltyscope.cbsem.ram import _has_loop, _matrices, implied, paths_inverse

__all__ = ["BootstrapSetup", "BootstrapResult", "CHUNK", "resample_counts", "weighted_moments",
           "bollen_stine_data", "refit_batch", "run_resamples", "norm_inter", "percentile_interval",
           "bca_interval", "jackknife_acceleration", "bootstrap_fit", "CI_KINDS"]

CHUNK = 25                       # resamples per task; fixed, so results do not depend on workers
CI_KINDS = ("perc", "bca", "bca.simple", "norm", "basic")

OK, NONADMISSIBLE, NOT_CONVERGED, ERROR = 0, 1, 2, 3
_STATUS = {OK: "ok", NONADMISSIBLE: "nonadmissible", NOT_CONVERGED: "not converged",
           ERROR: "unusable resample"}


# --------------------------------------------------------------------------- the numeric core
@dataclass(frozen=True)
class BootstrapSetup:
    """Everything a worker needs to refit one resample (arrays; picklable unless ``nonlinear``
    holds closures, in which case only fork-based or in-process execution is possible)."""

    problem: MLProblem                       # the full-sample problem (layouts, K, theta0, ...)
    theta_hat: np.ndarray                    # full-sample estimate: start of every refit
    data: dict                               # name -> per-group row arrays (NaN = missing, FIML)
    table: dict                              # parameter table columns (fallback start values)
    ov_names: tuple
    lv_names: tuple
    exo: tuple = ()                          # (table row, group, i, j, is_mean) of fixed.x rows
    nonlinear: Any = None                    # (eq_fun, ineq_fun) for SLSQP, or None
    max_iter: int = 500

    @property
    def fiml(self) -> bool:
        return self.problem.patterns is not None


def resample_counts(rng: np.random.Generator, n_rows: int, size: int) -> np.ndarray:
    """Counts (size, n_rows): how often each row is drawn in each of ``size`` resamples of
    ``n_rows`` rows with replacement (R: ``sample.int(n, replace = TRUE)``)."""
    idx = rng.integers(0, n_rows, size=(size, n_rows))
    flat = (idx + (np.arange(size) * n_rows)[:, None]).ravel()
    return np.bincount(flat, minlength=size * n_rows).reshape(size, n_rows)


def weighted_moments(X: np.ndarray, W: np.ndarray):
    """Means (B, p) and covariances (B, p, p), divisor sum(w), of the rows of X (n, p) weighted
    by each row of W (B, n) — all resamples at once."""
    W = np.asarray(W, float)
    center = X.mean(axis=0)
    Xc = X - center
    tot = W.sum(axis=1)
    d = (W @ Xc) / tot[:, None]
    M2 = np.einsum("bn,ni,nj->bij", W, Xc, Xc, optimize=True) / tot[:, None, None]
    covs = M2 - d[:, :, None] * d[:, None, :]
    return d + center, covs


def _sym_sqrt(A: np.ndarray, inverse: bool = False) -> np.ndarray:
    vals, vecs = np.linalg.eigh(A)
    vals = np.clip(vals, 0, None)
    f = np.where(vals > 0, 1 / np.sqrt(np.where(vals > 0, vals, 1)), 0) if inverse else np.sqrt(vals)
    return (vecs * f) @ vecs.T


def bollen_stine_data(problem: MLProblem, theta: np.ndarray, data: Sequence[np.ndarray]):
    """Per group Z = (X - xbar) S^-1/2 Sigma_hat^1/2 (+ mu_hat with a mean structure): data whose
    moments equal the model-implied ones (Bollen & Stine, 1992; lavaan's ``bollen.stine``)."""
    v = row_values(problem, theta)
    out = []
    for lay, X, S in zip(problem.layouts, data, problem.covs):
        Sigma, mu = implied(lay, v)[:2]
        Z = (X - X.mean(axis=0)) @ _sym_sqrt(S, inverse=True) @ _sym_sqrt(Sigma)
        out.append(Z + mu if problem.meanstructure else Z)
    return tuple(out)


def _positive_definite(S: np.ndarray) -> bool:
    """S is a usable sample covariance matrix: positive variances and a correlation matrix
    whose smallest eigenvalue exceeds 1e-10 (the check the full-sample fit makes)."""
    d = np.diag(S)
    if not np.all(d > 0):
        return False
    R = S / np.sqrt(np.outer(d, d))
    return bool(np.linalg.eigvalsh(R)[0] > 1e-10)


def _admissible(problem: MLProblem, theta: np.ndarray) -> bool:
    """lavaan's ``post.check``: no negative variance, and positive semi-definite residual
    covariance matrices of the observed (Theta) and latent (Psi) variables."""
    v = row_values(problem, theta)
    for lay in problem.layouts:
        S = _matrices(lay, v)[1]
        p = lay.p
        for B in (S[:p, :p], S[p:, p:]):
            if B.size == 0:
                continue
            if np.any(np.diag(B) < 0):
                return False
            scale = max(1.0, float(np.abs(B).max()))
            if np.linalg.eigvalsh(B)[0] < -1e-8 * scale:
                return False
    return True


def _resample_problem(setup: BootstrapSetup, dataset: str, counts: Sequence[np.ndarray], moments):
    """The MLProblem of one resample: same layouts, new moments (and fixed.x values)."""
    prob = setup.problem
    nobs = tuple(int(c.sum()) for c in counts)
    means, covs = moments
    changes: dict = {"covs": tuple(covs), "means": tuple(means), "nobs": nobs}
    if setup.fiml:
        from loyaltyscope.cbsem.fiml import em_saturated, missing_patterns
        pats = []
        emc, emm = [], []
        for g, (X, c) in enumerate(zip(setup.data[dataset], counts)):
            Xr = X[np.repeat(np.arange(len(c)), c)]
            Xr = Xr[~np.isnan(Xr).all(axis=1)]
            if np.isnan(Xr).all(axis=0).any():
                raise ValueError(f"a variable has no observed value in the resample of group {g + 1}")
            pg = missing_patterns(Xr)
            pats.append(tuple((o, n, S, y) for o, _r, n, S, y in pg))
            if setup.exo:
                Sg, mg, *_ = em_saturated(Xr, pg)
                emc.append(Sg), emm.append(mg)
        changes["patterns"] = tuple(pats)
        changes["nobs"] = tuple(sum(n for _o, n, _S, _y in pg) for pg in pats)
        if setup.exo:
            changes["covs"], changes["means"] = tuple(emc), tuple(emm)
    if setup.exo:
        base = prob.base_values.copy()
        for row, g, i, j, is_mean in setup.exo:
            base[row] = changes["means"][g][i] if is_mean else changes["covs"][g][i, j]
        changes["base_values"] = base
    return dataclasses.replace(prob, **changes)


def _starts(setup: BootstrapSetup, prob: MLProblem):
    yield "full-sample estimate", setup.theta_hat.copy()
    from loyaltyscope.cbsem.start import start_values
    free = np.asarray(setup.table["free"]) - 1
    sv = start_values(setup.table, setup.ov_names, setup.lv_names, prob.covs, prob.means, "moments")
    th = setup.theta_hat.copy()
    th[free[free >= 0]] = sv[free >= 0]
    yield "moments", th


# --------------------------------------------------------------------------- batched Newton
# The refits of a chunk share the model: their implied moments, gradients and Hessians are
# computed for all resamples at once (stacked arrays, the formulas of
# :func:`loyaltyscope.cbsem.estimate.ml_hessian` and :func:`loyaltyscope.cbsem.ram.second_order_traces`
# with a leading resample axis). Newton steps with the exact Hessian from theta_hat converge in
# 3-5 iterations; a resample whose Hessian is not positive definite, whose line search fails or
# that needs more than ``_NEWTON_MAX`` iterations goes to the full optimiser (:func:`fit_ml`).
_NEWTON_MAX = 30
_TOL = 1e-6                      # max |dF/dphi| at convergence, as the optimiser
_FISHER_PHASE = 0.1              # Fisher scoring while max |dF/dphi| exceeds this, as the optimiser


def _batch_values(problem: MLProblem, base: np.ndarray, theta: np.ndarray) -> np.ndarray:
    v = np.array(base, dtype=float, copy=True)
    fr = problem.free_index >= 0
    v[:, fr] = theta[:, problem.free_index[fr]]
    return v


def _batch_implied(lay, v: np.ndarray):
    """Stacked :func:`loyaltyscope.cbsem.ram.implied`: (Sigma, mu, C, B, m) for rows v (nb, nrows)."""
    nb, m, p = v.shape[0], lay.m, lay.p
    vals = v[:, lay.rows]
    ka, ks, km = lay.kind == 0, lay.kind == 1, lay.kind == 2
    A = np.zeros((nb, m, m))
    S = np.zeros((nb, m, m))
    M = np.zeros((nb, m))
    A[:, lay.r[ka], lay.c[ka]] = vals[:, ka]
    S[:, lay.r[ks], lay.c[ks]] = vals[:, ks]
    S[:, lay.c[ks], lay.r[ks]] = vals[:, ks]
    M[:, lay.r[km]] = vals[:, km]
    B = paths_inverse(A) if _has_loop(lay) else np.linalg.inv(np.eye(m) - A)
    C = B @ S @ B.transpose(0, 2, 1)
    bm = np.einsum("bij,bj->bi", B, M)
    return C[:, :p, :p], bm[:, :p], C, B, M, bm


def _batch_inverse(Sigma: np.ndarray):
    """(log|Sigma|, Sigma^-1, ok) per resample via Cholesky; not positive definite -> ok False."""
    nb, p = Sigma.shape[0], Sigma.shape[1]
    ok = np.ones(nb, bool)
    try:
        L = np.linalg.cholesky(Sigma)
    except np.linalg.LinAlgError:
        L = np.empty_like(Sigma)
        for b in range(nb):
            try:
                L[b] = np.linalg.cholesky(Sigma[b])
            except np.linalg.LinAlgError:
                ok[b] = False
                L[b] = np.eye(p)
    logdet = 2.0 * np.log(np.abs(np.diagonal(L, axis1=1, axis2=2))).sum(axis=1)
    Linv = np.linalg.inv(L)
    return logdet, Linv.transpose(0, 2, 1) @ Linv, ok


def _batch_F(problem: MLProblem, v, covs, means, consts, weights, implied_g=None):
    """F per resample (inf where an implied matrix is not positive definite), and per group
    (Sigma, mu, Sinv, C, B, M, bm) for the derivatives."""
    nb = v.shape[0]
    F = np.zeros(nb)
    parts = []
    for g, lay in enumerate(problem.layouts):
        Sigma, mu, C, B, M, bm = _batch_implied(lay, v) if implied_g is None else implied_g[g]
        logdet, Sinv, ok = _batch_inverse(Sigma)
        Fg = logdet + np.einsum("bij,bij->b", covs[g], Sinv) - consts[g]
        if problem.meanstructure:
            d = means[g] - mu
            Fg += np.einsum("bi,bij,bj->b", d, Sinv, d)
        Fg[~ok] = np.inf
        F += weights[g] * Fg
        parts.append((Sigma, mu, Sinv, C, B, M, bm))
    return F, parts


def _batch_derivatives(lay, plan, U, G, bm):
    """Derivatives of the implied moments in outer-product form, for stacked resamples:
    dSigma_a = x_a y_a' + y_a x_a' with (x, y) = (U_i, G_j) for A[i, j], (U_i, U_j) for
    S[i, j] (y halved when i = j) and 0 for intercepts; returns x (nb, p, k), y (nb, p, k) and
    dmu (nb, k, p) (see :func:`loyaltyscope.cbsem.ram.implied_with_derivatives`)."""
    nb, p = U.shape[0], lay.p
    k = plan["k"]
    x = np.zeros((nb, p, k))
    y = np.zeros((nb, p, k))
    dmu = np.zeros((nb, k, p))
    if plan["any_a"]:
        a = plan["a"]
        x[:, :, a] = U[:, :, plan["ra"]]
        y[:, :, a] = G[:, :, plan["ca"]]
        dmu[:, a] = U[:, :, plan["ra"]].transpose(0, 2, 1) * bm[:, plan["ca"]][..., None]
    if plan["any_s"]:
        s = plan["s"]
        half = np.where(plan["rs"] == plan["cs"], 0.5, 1.0)
        x[:, :, s] = U[:, :, plan["rs"]]
        y[:, :, s] = U[:, :, plan["cs"]] * half
    if plan["any_m"]:
        dmu[:, plan["m"]] = U[:, :, plan["rm"]].transpose(0, 2, 1)
    return x, y, dmu


def _gram(Z, MZ):
    """Z' M Z (nb, 2k, 2k) for Z = [x, y] and MZ = M Z."""
    return Z.transpose(0, 2, 1) @ MZ


def _pair_traces(GL, GR, k):
    """T[a, b] = tr(L dSigma_a R dSigma_b) for dSigma_a = x_a y_a' + y_a x_a' (L, R symmetric),
    from the Gram matrices GL = Z'L Z and GR = Z'R Z of Z = [x, y]:
    (y_a'R x_b)(y_b'L x_a) + (y_a'R y_b)(x_b'L x_a) + (x_a'R x_b)(y_b'L y_a) + (x_a'R y_b)(x_b'L y_a)."""
    LXX, LXY, LYX, LYY = GL[:, :k, :k], GL[:, :k, k:], GL[:, k:, :k], GL[:, k:, k:]
    RXX, RXY, RYX, RYY = GR[:, :k, :k], GR[:, :k, k:], GR[:, k:, :k], GR[:, k:, k:]
    # L symmetric: (y_b'L x_a) = LXY[a, b], (x_b'L x_a) = LXX[a, b], ...
    return RYX * LXY + RYY * LXX + RXX * LYY + RXY * LYX


def _batch_second_order(plan, W, z, B, C, bm, U, G):
    """Stacked :func:`loyaltyscope.cbsem.ram.second_order_traces`."""
    nb, k = W.shape[0], plan["k"]
    Ut = U.transpose(0, 2, 1)
    P = Ut @ W @ U
    Q = G.transpose(0, 2, 1) @ W @ U
    H = np.zeros((nb, k, k))
    if not plan["any_a"]:
        return H
    ia = np.flatnonzero(plan["a"])
    ri, ci = plan["ra"], plan["ca"]
    Bci = B[:, ci[:, None], ri[None, :]]
    Qci = Q[:, ci[:, None], ri[None, :]]
    HAA = 2 * (Bci.transpose(0, 2, 1) * Qci + C[:, ci[:, None], ci[None, :]] * P[:, ri[:, None], ri[None, :]]
               + Bci * Qci.transpose(0, 2, 1))
    u = np.einsum("bmi,bi->bm", Ut, z) if z is not None else None
    if z is not None:
        bc, ur = bm[:, ci], u[:, ri]
        HAA -= 2 * (Bci.transpose(0, 2, 1) * (bc[:, :, None] * ur[:, None, :])
                    + Bci * (ur[:, :, None] * bc[:, None, :]))
    H[:, ia[:, None], ia[None, :]] = HAA
    if plan["any_s"]:
        is_ = np.flatnonzero(plan["s"])
        rs, cs = plan["rs"], plan["cs"]
        HAS = 2 * (B[:, ci[:, None], rs[None, :]] * P[:, ri[:, None], cs[None, :]]
                   + B[:, ci[:, None], cs[None, :]] * P[:, ri[:, None], rs[None, :]])
        HAS *= np.where(rs == cs, 0.5, 1.0)[None, None, :]
        H[:, ia[:, None], is_[None, :]] = HAS
        H[:, is_[:, None], ia[None, :]] = HAS.transpose(0, 2, 1)
    if plan["any_m"] and z is not None:
        im = np.flatnonzero(plan["m"])
        HAm = -2 * B[:, ci[:, None], plan["rm"][None, :]] * u[:, ri][:, :, None]
        H[:, ia[:, None], im[None, :]] = HAm
        H[:, im[:, None], ia[None, :]] = HAm.transpose(0, 2, 1)
    return H


def batch_hessian(problem: MLProblem, v, covs, means, consts, weights):
    """(F, dF/dtheta, Hessian of F, 2 x expected information) for stacked row values v
    (nb, nrows) and per-group stacked moments — :func:`loyaltyscope.cbsem.estimate.ml_hessian`
    and :func:`~loyaltyscope.cbsem.estimate.ml_gradient_information` for many data sets at once."""
    nb, q = v.shape[0], problem.ntheta
    F, parts = _batch_F(problem, v, covs, means, consts, weights)
    grad = np.zeros((nb, q))
    hess = np.zeros((nb, q, q))
    fisher = np.zeros((nb, q, q))
    ms = problem.meanstructure
    for g, (lay, (pos, Mmap, plan)) in enumerate(zip(problem.layouts, problem.row_maps)):
        Sigma, mu, Sinv, C, B, M, bm = parts[g]
        p = lay.p
        U, G = B[:, :p, :], C[:, :p, :]
        x, y, dmu = _batch_derivatives(lay, plan, U, G, bm)
        Sstar, z = covs[g], None
        if ms:
            d = means[g] - mu
            Sstar = covs[g] + d[:, :, None] * d[:, None, :]
            z = np.einsum("bij,bj->bi", Sinv, d)
        V = Sinv @ Sstar @ Sinv
        W = Sinv - V
        k = x.shape[2]
        Z = np.concatenate([x, y], axis=2)
        SZ, VZ = Sinv @ Z, V @ Z
        gb = 2 * np.einsum("bpk,bpk->bk", y, SZ[:, :, :k] - VZ[:, :, :k])   # tr(W dSigma_a), W = Sinv - V
        GS = _gram(Z, SZ)
        XX = _pair_traces(GS, GS, k)                                # tr(X_a X_b), X_a = Sigma^-1 dSigma_a
        Hb = 2 * _pair_traces(GS, _gram(Z, VZ), k) - XX             # 2 tr(X_a Y X_b) - tr(X_a X_b)
        Ib = XX.copy()                                              # 2 I = tr(X_a X_b) + 2 mu_a' S^-1 mu_b
        if ms:
            gb -= 2.0 * np.einsum("bkp,bp->bk", dmu, z)
            dmuS = dmu @ Sinv
            xz, yz = np.einsum("bpk,bp->bk", x, z), np.einsum("bpk,bp->bk", y, z)
            dSz = (x * yz[:, None, :] + y * xz[:, None, :]).transpose(0, 2, 1)     # dSigma_a z
            R = dmuS @ dSz.transpose(0, 2, 1)
            mm = 2 * dmuS @ dmu.transpose(0, 2, 1)
            Hb += 2 * (R + R.transpose(0, 2, 1)) + mm
            Ib += mm
        Hb += _batch_second_order(plan, W, z, B, C, bm, U, G)
        grad += weights[g] * (gb @ Mmap)
        hess += weights[g] * (Mmap.T @ Hb @ Mmap)
        fisher += weights[g] * (Mmap.T @ Ib @ Mmap)
    return F, grad, hess, fisher


def _cholesky_ok(H: np.ndarray) -> np.ndarray:
    """Per matrix of the stack: positive definite (Cholesky succeeds)."""
    try:
        np.linalg.cholesky(H)
        return np.ones(len(H), bool)
    except np.linalg.LinAlgError:
        out = np.ones(len(H), bool)
        for b, h in enumerate(H):
            try:
                np.linalg.cholesky(h)
            except np.linalg.LinAlgError:
                out[b] = False
        return out


def _newton_batch(setup: BootstrapSetup, base, covs, means, nobs):
    """Newton from theta_hat for stacked resamples (complete data, linear constraints only).
    Returns (theta (nb, q), F (nb,), converged (nb,) bool); unconverged rows are to be refitted
    by :func:`fit_ml`. The trial point of a step is evaluated with its derivatives, which the
    next iteration reuses when the step is accepted (most are)."""
    prob = setup.problem
    nb = base.shape[0]
    K, th0 = prob.K, prob.theta0
    w = np.asarray(nobs, float) / float(sum(nobs))
    consts = [np.linalg.slogdet(S)[1] + S.shape[1] for S in covs]
    phi = np.linalg.lstsq(K, setup.theta_hat - th0, rcond=None)[0]
    phi = np.repeat(phi[None], nb, axis=0)
    done = np.zeros(nb, bool)
    alive = np.ones(nb, bool)              # still iterating in the batch
    Fout = np.full(nb, np.inf)

    identity = K.shape[0] == K.shape[1] and not th0.any() and np.array_equal(K, np.eye(len(K)))

    def to_theta(ph):
        return ph if identity else th0 + ph @ K.T

    def derivs(rows, ph):                  # F, dF/dphi, Hessian and 2 I (phi) at ph for resamples rows
        sub = [c[rows] for c in covs], [m[rows] for m in means], [c[rows] for c in consts]
        F, g, H, I2 = batch_hessian(prob, _batch_values(prob, base[rows], to_theta(ph)), *sub, w)
        if identity:
            return F, g, H, I2
        return F, g @ K, K.T @ H @ K, K.T @ I2 @ K

    def objective(rows, ph):
        sub = [c[rows] for c in covs], [m[rows] for m in means], [c[rows] for c in consts]
        return _batch_F(prob, _batch_values(prob, base[rows], to_theta(ph)), *sub, w)[0]

    q = K.shape[1]
    cF, cg, cH, cI = np.empty(nb), np.empty((nb, q)), np.empty((nb, q, q)), np.empty((nb, q, q))
    all_rows = np.arange(nb)
    cF[:], cg[:], cH[:], cI[:] = derivs(all_rows, phi)
    for _ in range(_NEWTON_MAX):
        idx = np.flatnonzero(alive)
        if not len(idx):
            break
        F, gphi, Hphi, Iphi = cF[idx], cg[idx], cH[idx].copy(), cI[idx]
        gmax = np.abs(gphi).max(axis=1)
        finite = np.isfinite(F) & np.isfinite(gmax) & np.isfinite(Hphi).all(axis=(1, 2))
        conv = finite & (gmax < _TOL)
        Hphi[~finite] = np.eye(q)
        # as the optimiser: Fisher scoring (2 I) far from the optimum, then Newton where the
        # Hessian is positive definite (else Fisher again)
        fisher = gmax > _FISHER_PHASE
        Hphi[fisher] = Iphi[fisher]
        indefinite = ~_cholesky_ok(Hphi)
        Hphi[indefinite] = Iphi[indefinite]
        good = finite & ~conv & _cholesky_ok(Hphi)
        step = np.zeros_like(gphi)
        if good.any():
            step[good] = np.linalg.solve(Hphi[good], -gphi[good][..., None])[..., 0]
        small = np.abs(step).max(axis=1) < 1e-6 * (1 + np.abs(phi[idx]).max(axis=1))
        conv |= good & (gmax < 1e-4) & small
        Fout[idx[conv]] = F[conv]
        done[idx[conv]] = True
        alive[idx[conv]] = False
        alive[idx[~conv & ~good]] = False          # -> full optimiser
        move = good & ~conv
        if not move.any():
            continue
        mi = idx[move]
        F0, st = F[move], step[move]
        slope = np.minimum(np.einsum("bi,bi->b", gphi[move], st), 0.0)
        slack = 1e-15 * np.maximum(1.0, np.abs(F0))
        # full steps: evaluated with derivatives
        dF, dg, dH, dI = derivs(mi, phi[mi] + st)
        accept = np.isfinite(dF) & (dF <= F0 + 1e-4 * slope + slack)
        acc = mi[accept]
        phi[acc] += st[accept]
        cF[acc], cg[acc], cH[acc], cI[acc] = dF[accept], dg[accept], dH[accept], dI[accept]
        # the others: step halving on F alone, then derivatives at the accepted point
        j = np.flatnonzero(~accept)
        if len(j):
            t = np.ones(len(j))
            ok = np.zeros(len(j), bool)
            for _h in range(30):
                todo = np.flatnonzero(~ok)
                if not len(todo):
                    break
                t[todo] *= 0.5
                jj = j[todo]
                Fn = objective(mi[jj], phi[mi[jj]] + t[todo, None] * st[jj])
                ok[todo] = np.isfinite(Fn) & (Fn <= F0[jj] + 1e-4 * t[todo] * slope[jj] + slack[jj])
            alive[mi[j[~ok]]] = False                # line search failed -> full optimiser
            jo = j[ok]
            if len(jo):
                rows = mi[jo]
                phi[rows] += t[ok, None] * st[jo]
                cF[rows], cg[rows], cH[rows], cI[rows] = derivs(rows, phi[rows])
    return to_theta(phi), Fout, done


def refit_batch(setup: BootstrapSetup, dataset: str, counts: Sequence[np.ndarray]):
    """Refit the model to each resample given by per-group count matrices (B, N_g).

    Returns (theta (B, q) with NaN rows for failed resamples, status (B,) int8 codes, test
    statistic N F per resample (B,))."""
    B = counts[0].shape[0]
    q = setup.problem.ntheta
    thetas = np.full((B, q), np.nan)
    status = np.full(B, ERROR, dtype=np.int8)
    chisq = np.full(B, np.nan)
    data = setup.data[dataset]
    if not setup.fiml:
        per_group = [weighted_moments(X, C) for X, C in zip(data, counts)]
    batch_ok = np.zeros(B, bool)
    if not setup.fiml and setup.nonlinear is None:
        nobs_b = np.column_stack([C.sum(axis=1) for C in counts])
        usable = np.array([all(_positive_definite(pg[1][b]) for pg in per_group) for b in range(B)])
        if usable.any() and np.all(nobs_b[usable] == nobs_b[usable][0]):
            u = np.flatnonzero(usable)
            base = np.repeat(setup.problem.base_values[None], len(u), axis=0)
            for row, g, i, j, is_mean in setup.exo:
                base[:, row] = per_group[g][0][u, i] if is_mean else per_group[g][1][u, i, j]
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                th_b, F_b, conv = _newton_batch(setup, base, [pg[1][u] for pg in per_group],
                                                [pg[0][u] for pg in per_group], tuple(nobs_b[u[0]]))
            for jj, b in enumerate(u):
                if not conv[jj]:
                    continue
                batch_ok[b] = True
                thetas[b] = th_b[jj]
                chisq[b] = float(nobs_b[b].sum()) * F_b[jj]
                prob_b = dataclasses.replace(setup.problem, base_values=base[jj]) if setup.exo else setup.problem
                status[b] = OK if _admissible(prob_b, th_b[jj]) else NONADMISSIBLE
    for b in range(B):
        if batch_ok[b]:
            continue
        try:
            if setup.fiml:      # moments only start the refit; the patterns carry the data
                means, covs = setup.problem.means, setup.problem.covs
            else:
                means = [pg[0][b] for pg in per_group]
                covs = [pg[1][b] for pg in per_group]
                if not all(_positive_definite(S) for S in covs):
                    continue    # as lavaan: the sample statistics of this resample cannot be used
            prob = _resample_problem(setup, dataset, [C[b] for C in counts], (means, covs))
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                fit = fit_ml(prob, _starts(setup, prob), setup.nonlinear, max_iter=setup.max_iter)
        except (np.linalg.LinAlgError, ValueError, FloatingPointError, ZeroDivisionError):
            continue
        if fit is None or not fit.converged or not np.all(np.isfinite(fit.theta)):
            status[b] = NOT_CONVERGED
            continue
        thetas[b] = fit.theta
        chisq[b] = float(sum(prob.nobs)) * fit.F
        status[b] = OK if _admissible(prob, fit.theta) else NONADMISSIBLE
    return thetas, status, chisq


def _task_counts(setup: BootstrapSetup, task):
    """Per-group count matrices of a task: ("boot", dataset, SeedSequence, size) or
    ("jack", dataset, group, start, stop) (leave one row out)."""
    data = setup.data[task[1]]
    if task[0] == "boot":
        rng = np.random.default_rng(task[2])
        return [resample_counts(rng, len(X), task[3]) for X in data]
    _, _, g, start, stop = task
    out = []
    for h, X in enumerate(data):
        C = np.ones((stop - start, len(X)), dtype=np.int64)
        if h == g:
            C[np.arange(stop - start), np.arange(start, stop)] = 0
        out.append(C)
    return out


_SETUP: BootstrapSetup | None = None


def _init_worker(setup):
    global _SETUP
    _SETUP = setup
    limit_blas_in_worker()


def _run_task(task):
    return refit_batch(_SETUP, task[1], _task_counts(_SETUP, task))


def _cpu_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


class _Progress:
    """tqdm when installed, else a one-line counter; only when enabled (default: stderr is a
    terminal, or the code runs in a Jupyter kernel)."""

    def __init__(self, total: int, desc: str, enabled: bool | None):
        if enabled is None:
            enabled = sys.stderr.isatty() or "ipykernel" in sys.modules
        self.enabled = bool(enabled)
        self.total, self.done, self.desc, self.bar = total, 0, desc, None
        self.t0 = time.perf_counter()
        if self.enabled:
            try:
                from tqdm.auto import tqdm
                self.bar = tqdm(total=total, desc=desc, unit="resample", file=sys.stderr, leave=False)
            except ImportError:
                self.bar = None

    def update(self, n: int):
        if not self.enabled:
            return
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
        else:
            sys.stderr.write(f"\r{self.desc}: {self.done}/{self.total} ({time.perf_counter() - self.t0:.1f} s)")
            sys.stderr.flush()

    def close(self):
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.close()
        else:
            sys.stderr.write("\r" + " " * 60 + "\r")
            sys.stderr.flush()


def _task_size(task) -> int:
    return task[3] if task[0] == "boot" else task[4] - task[3]


def run_resamples(setup: BootstrapSetup, tasks: list, workers: int | None = None,
                  progress: bool | None = None, desc: str = "bootstrap"):
    """Run tasks (see :func:`_task_counts`) in a process pool; results in task order, identical
    for any number of workers. Returns (results, workers actually used)."""
    total = sum(_task_size(t) for t in tasks)
    if workers is None:
        workers = _cpu_count() if total >= 100 else 1
    workers = max(1, min(int(workers), len(tasks)))
    bar = _Progress(total, desc, progress)
    results: list = [None] * len(tasks)
    try:
        if workers > 1:
            try:
                results = _run_pool(setup, tasks, workers, bar)
            except Exception:            # noqa: BLE001 - no pool here (daemon process, no fork + closures, ...)
                workers = 1
                results = [None] * len(tasks)
        if workers == 1:
            # serial: the setup is passed explicitly (no module-level state), so fits bootstrapped
            # from several threads at once never see each other's data
            with one_blas_thread():
                for i, t in enumerate(tasks):
                    results[i] = refit_batch(setup, t[1], _task_counts(setup, t))
                    bar.update(_task_size(t))
    finally:
        bar.close()
    return results, workers


def _run_pool(setup, tasks, workers, bar):
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed
    import threading
    methods = mp.get_all_start_methods()
    # fork only from a single-threaded process: forking while another thread holds a lock
    # (BLAS, the allocator) deadlocks the children; otherwise a fresh interpreter per worker
    if "fork" in methods and threading.active_count() == 1:
        ctx = mp.get_context("fork")
    else:
        import pickle
        pickle.dumps(setup)          # raises for closures: the caller falls back to one process
        ctx = mp.get_context("spawn")
    results: list = [None] * len(tasks)
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                             initargs=(setup,)) as ex:
        futures = {ex.submit(_run_task, t): i for i, t in enumerate(tasks)}
        for fut in as_completed(futures):
            i = futures[fut]
            results[i] = fut.result()
            bar.update(_task_size(tasks[i]))
    return results


def _boot_tasks(seq: np.random.SeedSequence, n: int, dataset: str):
    nchunks = math.ceil(n / CHUNK)
    seeds = seq.spawn(nchunks)
    return [("boot", dataset, s, min(CHUNK, n - k * CHUNK)) for k, s in enumerate(seeds)]


def _jack_tasks(setup: BootstrapSetup, dataset: str = "ordinary"):
    tasks = []
    for g, X in enumerate(setup.data[dataset]):
        for start in range(0, len(X), CHUNK):
            tasks.append(("jack", dataset, g, start, min(start + CHUNK, len(X))))
    return tasks


def _collect(results):
    th = np.vstack([r[0] for r in results])
    st = np.concatenate([r[1] for r in results])
    cs = np.concatenate([r[2] for r in results])
    return th, st, cs


# --------------------------------------------------------------------------- intervals
def norm_inter(t: np.ndarray, alpha) -> np.ndarray:
    """Quantiles of t at probabilities ``alpha``, interpolated on the normal scale between the
    order statistics (Davison & Hinkley, 1997, ch. 5; R: ``boot:::norm.inter``, used by
    lavaan). Non-finite values of t are dropped."""
    t = np.sort(np.asarray(t, float)[np.isfinite(t)])
    alpha = np.atleast_1d(np.asarray(alpha, float))
    R = len(t)
    out = np.full(alpha.shape, np.nan)
    if R == 0:
        return out
    rk = (R + 1) * alpha
    for i, (a, r) in enumerate(zip(alpha, rk)):
        if not np.isfinite(r):
            continue
        k = int(np.trunc(r))
        if k <= 0:
            out[i] = t[0]
        elif k >= R:
            out[i] = t[-1]
        elif k == r:
            out[i] = t[k - 1]
        else:
            z1, z2, z3 = stats.norm.ppf([a, k / (R + 1), (k + 1) / (R + 1)])
            out[i] = t[k - 1] + (z1 - z2) / (z3 - z2) * (t[k] - t[k - 1])
    return out


def percentile_interval(t: np.ndarray, level: float = 0.95) -> np.ndarray:
    """Percentile interval (lower, upper) of bootstrap values t (lavaan ``boot.ci.type = "perc"``)."""
    return norm_inter(t, [(1 - level) / 2, (1 + level) / 2])


def bca_interval(t: np.ndarray, t0: float, level: float = 0.95, acceleration: float = 0.0) -> np.ndarray:
    """Bias-corrected and accelerated interval (Efron & Tibshirani, 1993, ch. 14); with
    ``acceleration = 0`` the bias-corrected interval (lavaan ``boot.ci.type = "bca.simple"``)."""
    t = np.asarray(t, float)
    t = t[np.isfinite(t)]
    if len(t) < 2 or np.var(t) == 0:
        return np.array([t0, t0], float)
    z0 = stats.norm.ppf(np.mean(t < t0))
    za = stats.norm.ppf([(1 - level) / 2, (1 + level) / 2])
    with np.errstate(divide="ignore", invalid="ignore"):
        adj = stats.norm.cdf(z0 + (z0 + za) / (1 - acceleration * (z0 + za)))
    return norm_inter(t, adj)


def jackknife_acceleration(jack: np.ndarray) -> np.ndarray:
    """a = sum L^3 / (6 (sum L^2)^1.5), L_i = mean(theta_(.)) - theta_(i), per column of the
    leave-one-out estimates ``jack`` (n, k) (rows with NaN are dropped per column)."""
    jack = np.asarray(jack, float)
    out = np.zeros(jack.shape[1])
    for j in range(jack.shape[1]):
        x = jack[:, j]
        x = x[np.isfinite(x)]
        L = x.mean() - x if len(x) else x
        den = 6 * np.sum(L ** 2) ** 1.5
        out[j] = np.sum(L ** 3) / den if den > 0 else 0.0
    return out


# --------------------------------------------------------------------------- the result
@dataclass(eq=False)
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
            self._jack_cache = self._jackknife()
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
    """Run the bootstrap of a finished fit (called by :func:`loyaltyscope.cbsem.api._fit`).

    ``options``: ``se``, ``bootstrap`` (B), ``seed``, ``boot_ci``, ``level``, ``bollen_stine``,
    ``workers``, ``progress``, ``max_iter``. Returns the result and warning lines.
    """
    t0 = time.perf_counter()
    B = int(options.get("bootstrap", 1000))
    if B < 2:
        raise ValueError(f"bootstrap={B}: at least 2 resamples are needed")
    kind = str(options.get("boot_ci") or "perc")
    if kind not in CI_KINDS:
        raise ValueError(f"boot_ci={kind!r} is not known; expected one of {CI_KINDS}")
    do_params = options.get("se") == "bootstrap"
    do_bs = bool(options.get("bollen_stine"))
    if any(X is None for X in ss.data):
        raise ValueError("the bootstrap resamples rows: it needs data=, not sample_cov=")
    if do_bs and problem.patterns is not None:
        raise ValueError("the Bollen-Stine bootstrap needs complete data (missing='listwise'), as in lavaan")
    seq = np.random.SeedSequence(options.get("seed"))
    entropy = seq.entropy
    s_ord, s_bs = seq.spawn(2)
    data = {"ordinary": tuple(np.asarray(X, float) for X in ss.data)}
    if do_bs:
        data["bollen_stine"] = bollen_stine_data(problem, theta, data["ordinary"])
    setup = BootstrapSetup(problem, np.asarray(theta, float), data, dict(table), tuple(spec.ov_names),
                           tuple(spec.lv_names), _exo_rows(table, spec.ov_names), nonlinear,
                           int(options.get("max_iter", 500)))
    tasks = (_boot_tasks(s_ord, B, "ordinary") if do_params else []) + \
            (_boot_tasks(s_bs, B, "bollen_stine") if do_bs else [])
    results, used = run_resamples(setup, tasks, options.get("workers"), options.get("progress"))
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
        th, st, _ = _collect(results[:n_ord])
        good = st <= NONADMISSIBLE
        samples = pd.DataFrame(with_defs(th[good]), index=np.flatnonzero(good) + 1, columns=columns)
        status = np.array([_STATUS[s] for s in st], dtype=object)
    else:
        samples = pd.DataFrame(np.empty((0, len(columns))), columns=columns)
        status = np.array([], dtype=object)
    estimate = pd.Series(with_defs(np.asarray(theta, float)[None])[0], index=columns)

    bs = None
    if do_bs:
        _, st_bs, T = _collect(results[n_ord:])
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
        jt = _jack_tasks(setup)
        res, _ = run_resamples(setup, jt, options.get("workers"), options.get("progress"), desc="jackknife")
        th_j, st_j, _ = _collect(res)
        th_j[st_j > NONADMISSIBLE] = np.nan
        return pd.DataFrame(with_defs(th_j), columns=columns)

    result = BootstrapResult(samples, estimate, status, int(entropy) if isinstance(entropy, int) else entropy,
                             used, time.perf_counter() - t0, len(theta_names), kind,
                             float(options.get("level", 0.95)), bs, jackknife, mapper)
    if do_params:
        if result.n_failed:
            words = {"not converged": "did not converge",
                     "unusable resample": "unusable: singular sample covariance matrix or numerical error"}
            reasons = pd.Series(status[np.isin(status, list(words))]).value_counts()
            detail = "; ".join(f"{n} {words[r]}" for r, n in reasons.items())
            messages.append(f"bootstrap: {result.n_failed} of {B} resamples failed ({detail}) and are excluded; "
                            f"standard errors and intervals use the other {result.n_ok}; "
                            "see result.extra['bootstrap']")
        if result.n_nonadmissible:
            messages.append(f"bootstrap: {result.n_nonadmissible} of {B} resamples gave nonadmissible solutions "
                            "(negative variances or non-positive-definite covariance matrices); they are kept, "
                            "as lavaan keeps them")
        if result.n_ok < 2:
            messages.append("bootstrap: fewer than 2 successful resamples; standard errors are not available")
    result.elapsed = time.perf_counter() - t0
    return result, messages
