"""Maximum-likelihood estimation: the discrepancy function, its gradient, the expected
information, and the optimiser.

Discrepancy (lavaan's ``fmin`` is half of F; Joreskog, 1969; Bollen, 1989, ch. 4)::

    F_g = log|Sigma_g| + tr(S_g Sigma_g^-1) - log|S_g| - p + (ybar_g - mu_g)' Sigma_g^-1 (ybar_g - mu_g)
    F   = sum_g (N_g / N) F_g          chisq = N F

with S_g divided by N_g. Gradient and expected (Fisher) information per case::

    dF/dtheta_a = tr(W dSigma_a) - 2 dmu_a' Sigma^-1 (ybar - mu),  W = Sigma^-1 - Sigma^-1 S* Sigma^-1,
                  S* = S + (ybar - mu)(ybar - mu)'
    I_ab        = 1/2 tr(Sigma^-1 dSigma_a Sigma^-1 dSigma_b) + dmu_a' Sigma^-1 dmu_b

The optimiser is Fisher scoring (theta += I^-1 (-dF/2)) with step halving, then Newton steps,
from several start strategies before giving up; the standard errors use the same expected
information, ``vcov = (N I)^-1`` — lavaan's ``information = "expected"``. The second strategy
starts from lavaan's own start values and keeps every Newton step within a trust region
(SciPy's ``trust-exact``): on a misspecified model where the first search ran onto a ridge
(parameters growing without bound while F creeps down), this finds the local optimum that
lavaan's nlminb reports from the same start.

Linear equality constraints (shared labels, ``a == 2*b``) are handled by
reparametrisation theta = theta0 + K phi; non-linear equalities and inequalities by SLSQP.

R equivalent: ``lavaan:::lav_model_estimate`` (nlminb on the same objective).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import optimize

from loyaltyscope.numerics.threads import one_blas_thread

from loyaltyscope.cbsem.fiml_derivatives import fiml_gradient, fiml_objective, pattern_batches
from loyaltyscope.cbsem.ram import (RamLayout, derivative_plan, implied, implied_derivatives,
                                  implied_with_derivatives, second_order_traces)

__all__ = ["MLProblem", "ml_objective", "ml_gradient_information", "fit_ml", "row_values", "optimiser_warning"]


@dataclass(frozen=True)
class MLProblem:
    """Arrays that define one ML estimation problem (no pandas, no names)."""

    layouts: tuple[RamLayout, ...]
    base_values: np.ndarray         # table-row values, fixed ones filled in
    free_index: np.ndarray          # per table row: index into theta, or -1
    covs: tuple[np.ndarray, ...]
    means: tuple[np.ndarray, ...]
    nobs: tuple[int, ...]
    meanstructure: bool
    K: np.ndarray                   # theta = theta0 + K phi
    theta0: np.ndarray
    patterns: tuple | None = None   # FIML: per group, tuple of (observed index, n, S_p, ybar_p)
    x_idx: tuple = ()               # positions of the fixed.x covariates among the observed variables
    blocks: tuple = field(init=False, repr=False)
    row_maps: tuple = field(init=False, repr=False)
    pattern_batches: tuple = field(init=False, repr=False)   # FIML: the blocks stacked by size
    scatter: tuple = field(init=False, repr=False)   # per group: (theta index of each free row, index grid or None)

    def __post_init__(self):
        n_total = float(sum(self.nobs))
        blocks = []
        for g, (S, ybar, n) in enumerate(zip(self.covs, self.means, self.nobs)):
            if self.patterns is None:
                const = float(np.linalg.slogdet(S)[1]) + S.shape[0]
                blocks.append((g, None, n / n_total, S, ybar, const))
            else:
                for obs, n_p, S_p, y_p in self.patterns[g]:
                    full = len(obs) == S.shape[0]
                    blocks.append((g, None if full else np.asarray(obs), n_p / n_total, S_p, y_p, 0.0))
        object.__setattr__(self, "blocks", tuple(blocks))
        object.__setattr__(self, "pattern_batches", pattern_batches(self) if self.patterns is not None else ())
        maps, scatter = [], []
        for lay in self.layouts:
            fi = self.free_index[lay.rows]
            pos = np.flatnonzero(fi >= 0)
            M = np.zeros((len(pos), self.K.shape[0]))
            M[np.arange(len(pos)), fi[pos]] = 1.0
            maps.append((pos, M, _plan(lay, pos)))
            t = fi[pos]
            # rows of a group with distinct parameters: M' x M is a scatter into the theta grid
            scatter.append((t, (t[:, None], t[None, :]) if len(np.unique(t)) == len(t) else None))
        object.__setattr__(self, "row_maps", tuple(maps))
        object.__setattr__(self, "scatter", tuple(scatter))

    @property
    def logdet_covs(self) -> tuple:
        return tuple(b[5] - b[3].shape[0] for b in self.blocks) if self.patterns is None else ()

    @property
    def weights(self) -> np.ndarray:
        n = np.asarray(self.nobs, float)
        return n / n.sum()

    @property
    def ntheta(self) -> int:
        return self.K.shape[0]

    def theta(self, phi: np.ndarray) -> np.ndarray:
        return self.theta0 + self.K @ phi


def _plan(lay: RamLayout, pos: np.ndarray):
    """:func:`derivative_plan` of (lay, pos), cached on the (frozen, shared) layout."""
    plans = lay.__dict__.get("_plans")
    if plans is None:
        plans = {}
        object.__setattr__(lay, "_plans", plans)
    key = pos.tobytes()
    if key not in plans:
        plans[key] = derivative_plan(lay, pos)
    return plans[key]


def _add_rows(out: np.ndarray, w: float, rows: np.ndarray, scatter, M: np.ndarray) -> None:
    """out += w M' rows (a group's per-row gradient into theta)."""
    if scatter[1] is not None:
        out[scatter[0]] += w * rows
    else:
        out += w * (M.T @ rows)


def _add_block(out: np.ndarray, w: float, block: np.ndarray, scatter, M: np.ndarray) -> None:
    """out += w M' block M (a group's per-row Hessian or information into theta)."""
    if scatter[1] is not None:
        out[scatter[1]] += w * block
    else:
        out += w * (M.T @ block @ M)


def row_values(problem: MLProblem, theta: np.ndarray) -> np.ndarray:
    v = problem.base_values.copy()
    free = problem.free_index >= 0
    v[free] = theta[problem.free_index[free]]
    return v


def _group_F(Sigma, mu, S, ybar, meanstructure, const, Sinv_out=None):
    """F_b = log|Sigma| + tr(S Sigma^-1) + (ybar - mu)' Sigma^-1 (ybar - mu) - const
    (const = log|S| + p for complete data); inf when Sigma is not positive definite."""
    try:
        L = np.linalg.cholesky(Sigma)
    except np.linalg.LinAlgError:
        return np.inf
    logdet = 2.0 * np.log(np.diag(L)).sum()
    Linv = np.linalg.inv(L)
    Sinv = Linv.T @ Linv
    if Sinv_out is not None:
        Sinv_out.append(Sinv)
    F = logdet + np.sum(S * Sinv) - const
    if meanstructure:
        d = ybar - mu
        F += d @ Sinv @ d
    return F


def _group_F_and_inverse(Sigma, mu, S, ybar, meanstructure, const):
    """(F_b, Sigma^-1), or (inf, None) when F_b is not finite (Sigma not positive definite)."""
    holder = []
    Fb = _group_F(Sigma, mu, S, ybar, meanstructure, const, holder)
    return (Fb, holder[0]) if np.isfinite(Fb) and holder else (np.inf, None)


def ml_objective(problem: MLProblem, theta: np.ndarray) -> float:
    """F(theta) = sum over blocks (groups, or missing-data patterns) of w_b F_b."""
    v = row_values(problem, theta)
    implied_g = [implied(lay, v)[:2] for lay in problem.layouts]
    if problem.pattern_batches:
        return fiml_objective(problem, implied_g)
    total = 0.0
    for (_g, _obs, w, S, ybar, const), (Sigma, mu) in zip(problem.blocks, implied_g):   # one block per group
        Fb = _group_F(Sigma, mu, S, ybar, problem.meanstructure, const)
        if not np.isfinite(Fb):
            return np.inf
        total += w * Fb
    return float(total)


def group_derivatives(problem: MLProblem, theta: np.ndarray):
    """Per group: (Sigma, mu, dSigma/dtheta (q, p, p), dmu/dtheta (q, p))."""
    v = row_values(problem, theta)
    out = []
    for lay, (pos, M, plan) in zip(problem.layouts, problem.row_maps):
        Sigma, mu, dS, dmu, C, B = implied_with_derivatives(lay, v, pos, plan)
        p = lay.p
        dS_t = (M.T @ dS.reshape(len(pos), -1)).reshape(-1, p, p)
        dmu_t = M.T @ dmu
        out.append((Sigma, mu, dS_t, dmu_t))
    return out


def ml_gradient_information(problem: MLProblem, theta: np.ndarray, with_info: bool = True):
    """Return (F, dF/dtheta, unit expected information I or None) at theta (w.r.t. theta).

    Derivatives are taken per group with respect to that group's free table rows and then
    summed into theta (rows sharing a parameter add up), so a group costs what its own
    parameters cost.
    """
    F = 0.0
    q = problem.ntheta
    grad = np.zeros(q)
    info = np.zeros((q, q)) if with_info else None
    v = row_values(problem, theta)
    ms = problem.meanstructure
    per_group = []
    for lay, (pos, M, plan) in zip(problem.layouts, problem.row_maps):
        Sigma, mu, dS, dmu, _C, _B = implied_with_derivatives(lay, v, pos, plan)
        per_group.append((Sigma, mu, dS, dmu, M))
    if problem.pattern_batches:
        F, g_rows, I_rows = fiml_gradient(problem, per_group, with_info)
        if g_rows is None:
            return np.inf, None, None
        for g, pg in enumerate(per_group):
            _add_rows(grad, 1.0, g_rows[g], problem.scatter[g], pg[4])
            if with_info:
                _add_block(info, 1.0, I_rows[g], problem.scatter[g], pg[4])
        return F, grad, info
    for (g, _obs, w, S, ybar, const), (Sigma, mu, dS, dmu, M) in zip(problem.blocks, per_group):  # one block per group
        Fb, Sinv = _group_F_and_inverse(Sigma, mu, S, ybar, ms, const)
        if Sinv is None:
            return np.inf, None, None
        F += w * Fb
        Sstar = S
        if ms:
            d = ybar - mu
            Sstar = S + np.outer(d, d)
        W = Sinv - Sinv @ Sstar @ Sinv
        kq = dS.shape[0]
        gb = dS.reshape(kq, -1) @ W.ravel()
        if ms:
            gb -= 2.0 * dmu @ (Sinv @ d)
        _add_rows(grad, w, gb, problem.scatter[g], M)
        if with_info:
            X = Sinv @ dS                                  # (k, p, p)
            I = 0.5 * (X.reshape(kq, -1) @ X.transpose(0, 2, 1).reshape(kq, -1).T)
            if ms:
                I += dmu @ Sinv @ dmu.T
            _add_block(info, w, I, problem.scatter[g], M)
    return F, grad, info


def ml_hessian(problem: MLProblem, theta: np.ndarray):
    """(F, dF/dtheta, Hessian of F) for complete data (one block per group), analytically::

        H_ab = tr(W Sigma_ab) - tr(X_a X_b) + 2 tr(X_a Y X_b) + 2 (R_ab + R_ba)
               + 2 mu_a' Sigma^-1 mu_b - 2 mu_ab' z

    with X_a = Sigma^-1 Sigma_a, Y = Sigma^-1 S*, z = Sigma^-1 (ybar - mu),
    R_ab = mu_a' Sigma^-1 Sigma_b z (the second-derivative terms come from
    :func:`loyaltyscope.cbsem.ram.second_order_traces`). The observed information is H / 2.
    """
    if problem.patterns is not None:
        raise ValueError("ml_hessian handles complete data; use robust.observed_information for FIML")
    q = problem.ntheta
    v = row_values(problem, theta)
    ms = problem.meanstructure
    F = 0.0
    grad = np.zeros(q)
    hess = np.zeros((q, q))
    for (g, obs, w, S, ybar, const), lay, (pos, M, plan) in zip(problem.blocks, problem.layouts, problem.row_maps):
        Sigma, mu, dS, dmu, C, B, Mvec = implied_derivatives(lay, v, pos, plan)
        Fb, Sinv = _group_F_and_inverse(Sigma, mu, S, ybar, ms, const)
        if Sinv is None:
            return np.inf, None, None
        F += w * Fb
        kq = dS.shape[0]
        Sstar, z = S, None
        if ms:
            d = ybar - mu
            Sstar = S + np.outer(d, d)
            z = Sinv @ d
        Y = Sinv @ Sstar
        W = Sinv - Y @ Sinv
        gb = dS.reshape(kq, -1) @ W.ravel()
        X = Sinv @ dS
        Xr = X.reshape(kq, -1)
        # tr(X_a X_b) and tr(X_a Y X_b) as matrix products (X_b transposed, flattened)
        Hb = Xr @ (2 * (Y @ X) - X).transpose(0, 2, 1).reshape(kq, -1).T
        if ms:
            gb -= 2.0 * dmu @ z
            R = (dmu @ Sinv) @ (dS @ z).T
            Hb += 2 * (R + R.T) + 2 * dmu @ Sinv @ dmu.T
        Hb += second_order_traces(lay, plan, W, z, B, C, Mvec)
        _add_rows(grad, w, gb, problem.scatter[g], M)
        _add_block(hess, w, Hb, problem.scatter[g], M)
    return F, grad, hess


def _evaluate(problem: MLProblem, theta: np.ndarray, mode: str):
    """(F, gradient, curvature) with curvature = 2 I (``"fisher"``), the exact Hessian
    (``"newton"``, complete data only) or None (``"gradient"``)."""
    if mode == "newton":
        return ml_hessian(problem, theta)
    F, g, I = ml_gradient_information(problem, theta, with_info=(mode == "fisher"))
    return F, g, (None if I is None else 2.0 * I)


_WINDOW = 15            # iterations over which progress is judged
_FISHER_GMAX = 1e-1     # Fisher scoring while the gradient is larger than this, Newton afterwards
_FINAL_GMAX = 1e-3      # below this gradient the next Newton point is expected to be the optimum (quadratic
                        # convergence: |g_next| ~ c |g|^2 with c of a few units), so it is evaluated with the
                        # expected information (which the standard errors need) instead of the Hessian
_MIN_ITER = 30          # no verdict before this many iterations (ordinary fits converge well before)
_TRUST_MAX = 60         # iterations of the trust-region search from lavaan's start values (the benchmark's
                        # misspecified model where lavaan finds a local optimum needs 22)


def _verdict(F_hist, amax_hist, phi, phi_start, N) -> str:
    """'' while the search makes progress; 'runaway' when parameters grow without bound while F
    barely falls (empirical under-identification: a factor's loadings run away while its
    variance goes to zero; the infimum is not attained); 'stalled' when F no longer falls by
    a meaningful amount (less than 0.5 on the chi-square scale N F over the window: creeping
    along a ridge, which the L-BFGS fallback then takes over)."""
    if len(F_hist) < max(_MIN_ITER, _WINDOW + 1):
        return ""
    dF = F_hist[-_WINDOW - 1] - F_hist[-1]
    scale0 = 1.0 + float(np.max(np.abs(phi_start))) if phi_start.size else 1.0
    growth = amax_hist[-1] / max(amax_hist[-_WINDOW - 1], 1e-300)
    if amax_hist[-1] > 5 * scale0 and growth > 1.05 and dF < 1e-2 * (1 + abs(F_hist[-1])):
        return "runaway"
    if dF <= 1e-12 * (1 + abs(F_hist[-1])) or N * dF < 0.5:
        return "stalled"
    return ""


def _fisher_scoring(problem: MLProblem, phi: np.ndarray, max_iter: int = 500, tol: float = 1e-6):
    """Minimise F: Fisher scoring while far from the optimum (robust: 2 I is positive
    definite), then Newton steps with the analytic Hessian (complete data; quadratic
    convergence) or BFGS updates started from 2 I (missing-data patterns), falling back to
    Fisher scoring whenever the Hessian is not positive definite. Step halving throughout;
    the line search evaluates F only (derivatives once per accepted step).

    The work is bounded: besides ``max_iter``, the search stops when, over the last
    ``_WINDOW`` iterations, parameters keep growing (beyond 5x the start scale) while F falls by
    less than 1 % (``"runaway"``), or F stops falling (``"stalled"``).

    When the gradient is small enough that the next Newton point should be the optimum
    (``_FINAL_GMAX``), that point is evaluated with the expected information instead of the
    Hessian: the standard errors need it, so a converged search hands it back and saves one
    evaluation (if that point is not yet the optimum, the next step is a Fisher step).

    Returns (phi, F, converged, iterations, status, index of the largest parameter, unit
    expected information in theta at phi or None)."""
    K = problem.K
    N = float(sum(problem.nobs))
    newton_ok = problem.patterns is None
    phi_start = phi.copy()
    F, g, H = _evaluate(problem, problem.theta(phi), "fisher")
    if not np.isfinite(F):
        return phi, np.inf, False, 0, "failed", -1, None
    info_at_phi = H / 2.0
    gphi = K.T @ g
    H = K.T @ H @ K
    fisher_phase = True
    final_tried = False
    converged = False
    status = "max_iter"
    F_hist, amax_hist = [F], [float(np.max(np.abs(phi))) if phi.size else 0.0]
    it = 0
    for it in range(1, max_iter + 1):
        try:
            step = np.linalg.solve(H, -gphi)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(H, -gphi, rcond=None)[0]
        gmax = np.max(np.abs(gphi))
        if gmax < tol or (gmax < 1e-4 and np.max(np.abs(step)) < 1e-6 * (1 + np.max(np.abs(phi)))):
            converged = True      # gradient zero, or the Newton step to the optimum negligible
            break
        fisher_phase = fisher_phase and gmax > _FISHER_GMAX
        mode = "fisher" if fisher_phase else ("newton" if newton_ok else "gradient")
        final_tried = mode == "newton" and gmax < _FINAL_GMAX and not final_tried
        if final_tried:
            mode = "fisher"
        t = 1.0
        slope = gphi @ step
        if slope >= 0:            # not a descent direction (indefinite curvature): Fisher step
            Fi, gi, Hi = _evaluate(problem, problem.theta(phi), "fisher")
            H = K.T @ Hi @ K
            step = np.linalg.lstsq(H, -gphi, rcond=None)[0]
            slope = gphi @ step
        cand = phi + step
        Fn, gn, Hn = _evaluate(problem, problem.theta(cand), mode)
        if not (np.isfinite(Fn) and Fn <= F + 1e-4 * min(slope, 0.0) + 1e-15 * max(1.0, abs(F))):
            for _ in range(40):
                t *= 0.5
                cand = phi + t * step
                Fc = ml_objective(problem, problem.theta(cand))
                if np.isfinite(Fc) and Fc <= F + 1e-4 * t * min(slope, 0.0) + 1e-15 * max(1.0, abs(F)):
                    break
            else:
                converged = gmax < 1e-6
                status = "converged" if converged else "stalled"
                break
            Fn, gn, Hn = _evaluate(problem, problem.theta(cand), mode)
        if np.max(np.abs(t * step)) < 1e-12 * (1 + np.max(np.abs(phi))) and gmax < 1e-6:
            converged = True
            break
        gn_phi = K.T @ gn
        info_new = Hn / 2.0 if mode == "fisher" else None
        if Hn is not None:
            Hn = K.T @ Hn @ K
            if mode == "newton":
                try:
                    np.linalg.cholesky(Hn)
                except np.linalg.LinAlgError:
                    # indefinite (e.g. near a saddle point): modified Newton, |eigenvalues| with a
                    # floor, which keeps the curvature information and gives a descent direction
                    ev, V = np.linalg.eigh(Hn)
                    floor = 1e-6 * max(1.0, float(np.abs(ev).max()))
                    Hn = (V * np.maximum(np.abs(ev), floor)) @ V.T
            H = Hn
        else:
            s_, y_ = cand - phi, gn_phi - gphi
            sy = s_ @ y_
            if sy > 1e-300:
                Hs = H @ s_
                H = H - np.outer(Hs, Hs) / (s_ @ Hs) + np.outer(y_, y_) / sy
        phi, F, gphi, info_at_phi = cand, Fn, gn_phi, info_new
        F_hist.append(F)
        amax_hist.append(float(np.max(np.abs(phi))))
        verdict = _verdict(F_hist, amax_hist, phi, phi_start, N)
        if verdict:
            status = verdict
            break
    if converged:
        status = "converged"
    big = int(np.argmax(np.abs(phi) - np.abs(phi_start))) if phi.size else -1
    return phi, F, converged, it, status, big, info_at_phi


def _trust_region_newton(problem: MLProblem, phi: np.ndarray, max_iter: int = 200, tol: float = 1e-6):
    """Minimise F by Newton steps within a trust region (SciPy's ``trust-exact``: the exact
    solution of the trust-region subproblem, Moré & Sorensen, 1983; Nocedal & Wright, 2006,
    ch. 4) with the analytic gradient and Hessian (complete data). The step never leaves the
    region where the quadratic model is trusted, so the search settles in the local optimum
    of the basin it starts in instead of following a long step onto a ridge. The work is
    bounded as in :func:`_fisher_scoring` (runaway / stalled verdicts, checked after every
    iteration). SciPy rather than a hand-written loop: its subproblem solver is the standard
    one, and it is what found lavaan's optimum on the misspecified benchmark models.

    Returns (phi, F, converged, iterations, status, index of the largest parameter, None)."""
    K = problem.K
    N = float(sum(problem.nobs))
    phi_start = phi.copy()
    cache = {}

    def evaluate(x):
        key = x.tobytes()
        if key not in cache:
            cache.clear()
            F, g, H = ml_hessian(problem, problem.theta(x))
            cache[key] = (F, K.T @ g, K.T @ H @ K) if np.isfinite(F) else (np.inf, None, None)
        return cache[key]

    F0 = evaluate(phi)[0]
    if not np.isfinite(F0):
        return phi, np.inf, False, 0, "failed", -1, None
    F_hist, amax_hist = [F0], [float(np.max(np.abs(phi))) if phi.size else 0.0]
    state = {"verdict": "", "x": phi}

    def fun(x):
        F, g, _H = evaluate(x)
        return (F, g) if g is not None else (1e10, np.zeros_like(x))

    def hess(x):
        H = evaluate(x)[2]
        return H if H is not None else np.eye(len(x))

    def watch(intermediate_result):
        x = intermediate_result.x
        state["x"] = x.copy()
        F_hist.append(float(intermediate_result.fun))
        amax_hist.append(float(np.max(np.abs(x))) if x.size else 0.0)
        state["verdict"] = _verdict(F_hist, amax_hist, x, phi_start, N)
        if state["verdict"]:
            raise StopIteration

    res = optimize.minimize(fun, phi, jac=True, hess=hess, method="trust-exact", callback=watch,
                            options=dict(maxiter=max_iter, gtol=tol))
    x = res.x if not state["verdict"] else state["x"]
    F, g, _H = evaluate(x)
    converged = g is not None and bool(np.max(np.abs(g)) < tol) and not state["verdict"]
    status = "converged" if converged else (state["verdict"] or ("max_iter" if res.nit >= max_iter else "stalled"))
    big = int(np.argmax(np.abs(x) - np.abs(phi_start))) if x.size else -1
    return x, F, converged, int(res.nit), status, big, None


def _quasi_newton(problem: MLProblem, phi: np.ndarray, max_iter: int = 5000):
    """L-BFGS on F with the analytic gradient only (no information matrix per call)."""
    K = problem.K

    def fun(x):
        th = problem.theta(x)
        F, g, _ = ml_gradient_information(problem, th, with_info=False)
        if not np.isfinite(F):
            return 1e10, np.zeros_like(x)
        return F, K.T @ g

    res = optimize.minimize(fun, phi, jac=True, method="L-BFGS-B",
                            options=dict(maxiter=max_iter, ftol=1e-15, gtol=1e-9))
    F, g, _ = ml_gradient_information(problem, problem.theta(res.x), with_info=False)
    ok = np.isfinite(F) and np.max(np.abs(K.T @ g)) < 1e-5
    return res.x, F, bool(ok), int(res.nit)


@dataclass(frozen=True)
class MLFit:
    theta: np.ndarray
    F: float
    converged: bool
    iterations: int
    strategy: str
    status: str = ""                # converged / runaway / stalled / max_iter / failed
    runaway: int = -1               # theta index of the parameter that ran away (status "runaway")
    info: np.ndarray | None = None  # unit expected information at theta, when the optimiser ended with it


def fit_ml(problem: MLProblem, starts, nonlinear=None, max_iter: int = 500) -> MLFit:
    """Minimise F from each start in turn until one converges.

    Parameters
    ----------
    starts : iterable of (strategy name, theta start).
    nonlinear : optional (eq_fun, ineq_fun) of theta for SLSQP (non-linear constraints).
    max_iter : iterations allowed per start and optimiser (lavaan: ``control = list(iter.max = )``).

    A start whose parameters run away (empirical under-identification) is not handed to the
    L-BFGS fallback (it would follow the same ridge); after two starts that ran away or stalled
    the search stops and the best point is returned with ``status = "runaway"`` and the index of the parameter
    that grew most, for the caller's warning (:func:`optimiser_warning`).
    """
    with one_blas_thread():      # tiny matrices: BLAS threads only contend (2-core machine under load)
        return _fit_ml(problem, starts, nonlinear, max_iter)


def _fit_ml(problem: MLProblem, starts, nonlinear, max_iter: int) -> MLFit:
    best = None
    square = problem.K.shape[0] == problem.K.shape[1] and not problem.theta0.any()
    failed = 0
    for name, theta_start in starts:
        if square:          # no linear constraints: K is the identity
            phi0 = theta_start.copy()
        else:
            phi0 = np.linalg.lstsq(problem.K, theta_start - problem.theta0, rcond=None)[0]
        if nonlinear is not None:
            fit = _slsqp(problem, theta_start, *nonlinear, max_iter=max_iter)
            fit = MLFit(fit[0], fit[1], fit[2], fit[3], name + "+slsqp", "converged" if fit[2] else "max_iter")
        elif name == "lavaan":
            if problem.patterns is not None:
                continue            # the trust region needs the Hessian of complete data
            phi, F, ok, it, status, _big, info = _trust_region_newton(problem, phi0, max_iter=min(max_iter, _TRUST_MAX))
            theta = problem.theta(phi)
            big = int(np.argmax(np.abs(theta) - np.abs(theta_start))) if status == "runaway" else -1
            fit = MLFit(theta, F, ok, it, "lavaan start, trust region", status, big, info)
        else:
            phi, F, ok, it, status, _big, info = _fisher_scoring(problem, phi0, max_iter=max_iter)
            if not ok and status != "runaway":
                phi2, F2, ok2, it2 = _quasi_newton(problem, phi if np.isfinite(F) else phi0, min(max_iter, 200))
                if np.isfinite(F2) and (ok2 or not np.isfinite(F) or F2 < F):
                    phi, F, ok, it, info = phi2, F2, ok2, it + it2, None
                if ok:
                    phi, F, ok3, it3, _st, _b, info = _fisher_scoring(problem, phi, max_iter=max_iter)
                    ok = ok or ok3
                status = "converged" if ok else status
            theta = problem.theta(phi)
            big = int(np.argmax(np.abs(theta) - np.abs(theta_start))) if status == "runaway" else -1
            fit = MLFit(theta, F, ok, it, name, status, big, info)
        if fit.converged:
            return fit
        if best is None or (np.isfinite(fit.F) and fit.F < best.F):
            best = fit
        failed += fit.status in ("runaway", "stalled")
        if failed >= 2:
            break
    return best


def optimiser_warning(fit: MLFit, names, lv_names=()) -> str:
    """The warning for a fit that did not converge: what went wrong and where."""
    if fit.converged:
        return ""
    if fit.status == "runaway" and 0 <= fit.runaway < len(names):
        par = names[fit.runaway]
        lv = next((f for f in lv_names if par.startswith(f"{f}=~") or par.startswith(f"{f}~~")), None)
        where = (f"the loadings of {lv} run away while its variance shrinks to zero (e.g. {par} = "
                 f"{fit.theta[fit.runaway]:.4g})" if lv else f"{par} grows without bound "
                 f"({fit.theta[fit.runaway]:.4g})")
        return ("the optimiser stopped early: the model is empirically under-identified on these data — "
                f"{where}; the likelihood has no maximum here. Estimates are the best point reached and "
                "are not trustworthy; check the item assignment of that factor or drop it")
    return (f"the optimiser did not converge ({fit.status or 'not converged'}; last start strategy: "
            f"{fit.strategy}); estimates are not trustworthy")


def _slsqp(problem: MLProblem, theta_start, eq_fun, ineq_fun, max_iter: int = 2000):
    def fun(th):
        F, g, _ = ml_gradient_information(problem, th, with_info=False)
        if not np.isfinite(F):
            return 1e10, np.zeros_like(th)
        return F, g

    cons = []
    if eq_fun is not None:
        cons.append({"type": "eq", "fun": eq_fun})
    if ineq_fun is not None:
        cons.append({"type": "ineq", "fun": ineq_fun})
    res = optimize.minimize(fun, theta_start, jac=True, method="SLSQP", constraints=cons,
                            options=dict(maxiter=max_iter, ftol=1e-14))
    F = ml_objective(problem, res.x)
    return res.x, F, bool(res.success), int(res.nit)
