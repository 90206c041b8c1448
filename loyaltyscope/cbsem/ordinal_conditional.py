"""Sample statistics of ordinal items conditional on observed exogenous covariates, as
lavaan 0.6-14 (``conditional.x = TRUE``, the default for categorical data with covariates).

With covariates x (q fixed, numeric, exogenous) the latent responses are modelled given x,
``y* = nu + PI x + e``. Per group (listwise over the items and the covariates):

1. **Step 1** (``lavaan:::lav_samplestats_step1`` / ``lav_uvord_fit``): each item's ordinal
   probit regression on all covariates, ``P(y = c | x) = Phi(tau_c - x'b) - Phi(tau_{c-1} -
   x'b)``, by Newton steps on the log-likelihood -> thresholds ``tau`` and slopes ``b``; the
   casewise scores ``d log pi / d (tau, b)`` (``lav_uvord_scores``).
2. **Step 2** (``lav_samplestats_step2`` / ``lav_bvord_cor_twostep_fit`` with ``eXo``): the
   residual polychoric correlation of every pair given the step-1 estimates, maximising
   ``sum_i log P(y1_i, y2_i | x_i; rho)`` with case-specific limits ``tau - x_i'b`` (cases whose
   probability is below sqrt(eps) left out, as lavaan). Bounds (-0.999, 0.999).
3. **Statistics vector** (``lav_samplestats_wls_obs``): ``(tau, vec(SLOPES), vech_offdiag(R))``
   with ``SLOPES`` the items x covariates matrix taken column by column.
4. **NACOV** (Muthen, 1984; ``lavaan:::muthen1984``): casewise scores ``SC = [s_tau | s_slope |
   s_rho]``, ``INNER = SC' SC``, ``A11`` the per-item blocks (thresholds and slopes of one item)
   of INNER, ``A22 = diag(s_rho' s_rho)``, ``A21`` the cross-products of ``s_rho`` with the
   bivariate threshold and slope scores; ``Gamma = n B^-1 INNER B^-T``,
   ``B^-1 = [[A11^-1, 0], [-A22^-1 A21 A11^-1, A22^-1]]``.
5. Covariate moments: ``mean.x`` and ``cov.x`` (divisor n - 1, as lavaan stores them for
   categorical data); they only enter the standardized solution and the displayed x rows.

Written here, not taken from a library: no Python package fits lavaan's two-step conditional
polychorics or their NACOV (statsmodels' ``OrderedModel`` gives the step-1 probit, but not the
scores layout, the bivariate step or Muthen's weight matrix).

R equivalent: ``lavInspect(fit, "sampstat")`` (``res.th``, ``res.slopes``, ``res.cov``,
``cov.x``, ``mean.x``), ``lavInspect(fit, "wls.obs")``, ``lavInspect(fit, "gamma")``.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import sqrt

import numpy as np
import pandas as pd
from scipy import special

from loyaltyscope.cbsem.ordinal_samplestats import (OrdinalStats, _categories, _guv, _pair_grid, _thresholds)
from loyaltyscope.cbsem.samplestats import DataError
from loyaltyscope.numerics.bivariate_normal import bvn_cdf, bvn_pdf, norm_cdf as _ncdf, norm_pdf as _npdf

__all__ = ["ConditionalStats", "probit_regression", "conditional_polychorics", "conditional_nacov",
           "conditional_sample_stats"]

_SQRT_EPS = sqrt(np.finfo(float).eps)
_BIG = 40.0                       # stands in for +/- infinity (Phi(40) == 1 in double)


@dataclass(frozen=True)
class ConditionalStats(OrdinalStats):
    """:class:`OrdinalStats` given covariates: ``cor[g]`` is the residual polychoric matrix,
    ``wls_obs[g] = (tau, vec(slopes), vech_offdiag(cor))``; ``slopes[g]`` (items x covariates),
    ``mean_x[g]``, ``cov_x[g]`` (divisor n - 1) and ``joint[g]``, the implied-by-the-sample
    covariance of (y*, x): ``[[R + B Sxx B', B Sxx], [Sxx B', Sxx]]`` (for display and starts)."""

    x_names: tuple = ()
    slopes: tuple = ()
    mean_x: tuple = ()
    cov_x: tuple = ()
    joint: tuple = ()


# ---------------------------------------------------------------------------- step 1
def _limits(codes, th, eta):
    """Case-wise upper and lower limits ``tau_c - eta``, ``tau_{c-1} - eta`` (+/- BIG at the ends)."""
    up = np.concatenate([th, [np.inf]])[codes]
    lo = np.concatenate([[-np.inf], th])[codes]
    z1 = np.where(np.isfinite(up), up - eta, _BIG)
    z2 = np.where(np.isfinite(lo), lo - eta, -_BIG)
    return z1, z2


def _interval_prob(z1, z2):
    """Phi(z1) - Phi(z2), from the upper tail where z2 > 1 (as ``lav_uvord_loglik_cache``)."""
    upper = special.ndtr(-z2) - special.ndtr(-z1)
    return np.where(z2 > 1, upper, _ncdf(z1) - _ncdf(z2))


def _design(codes, nth, X):
    """d z1 / d theta and d z2 / d theta (n, nth + q): unit columns for the thresholds, -X."""
    n = len(codes)
    D1 = np.zeros((n, nth + X.shape[1]))
    D2 = np.zeros_like(D1)
    top, bottom = codes < nth, codes > 0
    D1[np.flatnonzero(top), codes[top]] = 1.0
    D2[np.flatnonzero(bottom), codes[bottom] - 1] = 1.0
    D1[:, nth:] = -X
    D2[:, nth:] = -X
    D1[~top, nth:] = 0.0                  # the top limit is +infinity: no slope derivative
    D2[~bottom, nth:] = 0.0
    return D1, D2


def probit_regression(codes: np.ndarray, nlev: int, X: np.ndarray, max_iter: int = 200, tol: float = 1e-10):
    """ML ordinal probit of one item on the covariates (lavaan's ``lav_uvord_fit``).

    ``codes`` 0-based categories (n,), ``X`` (n, q). Newton steps with the analytic Hessian of
    ``sum log(Phi(z1) - Phi(z2))`` (step halving while the log-likelihood drops); start
    ``tau = qnorm(k / K)`` (0 for a binary item), ``b = 0``, as lavaan.
    Returns (theta = (tau, b), z1, z2, scores (n, nth + q), converged).
    """
    nth = nlev - 1
    D1, D2 = _design(codes, nth, X)
    theta = np.concatenate([special.ndtri(np.arange(1, nth + 1) / (nth + 1)) if nth > 1 else [0.0],
                            np.zeros(X.shape[1])])

    def state(t):
        z1, z2 = _limits(codes, t[:nth], X @ t[nth:])
        return z1, z2, _interval_prob(z1, z2)

    z1, z2, p = state(theta)
    ll = np.sum(np.log(p))
    converged = False
    for _ in range(max_iter):
        f1, f2 = _npdf(z1), _npdf(z2)
        dp = f1[:, None] * D1 - f2[:, None] * D2
        g = np.sum(dp / p[:, None], axis=0)
        w1, w2 = -z1 * f1 / p, -z2 * f2 / p
        H = (D1.T * w1) @ D1 - (D2.T * w2) @ D2 - (dp.T / p ** 2) @ dp
        try:
            step = -np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            break
        t, accepted = 1.0, None
        while t > 1e-8 and accepted is None:
            new = theta + t * step
            if nth < 2 or np.all(np.diff(new[:nth]) > 0):
                nz1, nz2, npr = state(new)
                nll = np.sum(np.log(npr)) if np.all(npr > 0) else -np.inf
                if nll >= ll - 1e-12 * abs(ll):
                    accepted = (new, nz1, nz2, npr, nll)
            t /= 2
        if accepted is None:
            converged = bool(np.max(np.abs(g)) < 1e-6 * len(codes))
            break
        theta, z1, z2, p, ll = accepted
        t *= 2
        if np.max(np.abs(t * step)) < tol:
            converged = True
            break
    f1, f2 = _npdf(z1), _npdf(z2)
    scores = (f1[:, None] * D1 - f2[:, None] * D2) / p[:, None]
    return theta, z1, z2, scores, converged


# ---------------------------------------------------------------------------- step 2
def _pair_lik(u1, l1, u2, l2, rho, order=0):
    """Case-wise rectangle probability of a pair (n, P) and its rho derivatives (``d phi2 / d rho
    = phi2 guv``). A limit at +/- BIG stands for infinity: there Phi2(h, k) is Phi(k), Phi(h) or
    0 and the density 0, so the bivariate integral is taken only at the finite corners."""
    r = np.broadcast_to(rho, u1.shape)
    out = [np.zeros(u1.shape) for _ in range(order + 1)]
    for h, k, sign in ((u1, u2, 1.0), (l1, u2, -1.0), (u1, l2, -1.0), (l1, l2, 1.0)):
        hi_h, hi_k = h >= _BIG, k >= _BIG
        inner = ~(hi_h | hi_k | (h <= -_BIG) | (k <= -_BIG))
        only_k, only_h = hi_h & ~hi_k, hi_k & ~hi_h
        out[0][only_k] += sign * _ncdf(k[only_k])
        out[0][only_h] += sign * _ncdf(h[only_h])
        out[0][hi_h & hi_k] += sign
        hi, ki, ri = h[inner], k[inner], r[inner]
        out[0][inner] += sign * bvn_cdf(hi, ki, ri)
        if order >= 1:
            dens = bvn_pdf(hi, ki, ri)
            out[1][inner] += sign * dens
            if order >= 2:
                out[2][inner] += sign * dens * _guv(hi, ki, ri)
    return out


def conditional_polychorics(Z1, Z2, I, J, rho0, max_iter: int = 100, tol: float = 1e-8):
    """Residual polychoric correlations of all pairs (i = I[q], j = J[q]) at once by Newton
    steps on ``sum_i log lik_i(rho)`` (Fisher scoring where the curvature is not negative),
    within (-0.999, 0.999); a pair stops after a step below ``tol`` (quadratic convergence: its
    error is then of the order of tol^2). ``Z1``/``Z2`` (n, p) are the step-1 upper/lower limits.
    Returns (rho, converged flags, (lik, d lik / d rho) (n, P) of each pair's last evaluation)."""
    u1, l1, u2, l2 = Z1[:, I], Z2[:, I], Z1[:, J], Z2[:, J]
    rho = np.clip(np.asarray(rho0, float), -0.995, 0.995).copy()
    LIK, D1 = np.zeros(u1.shape), np.zeros(u1.shape)
    active = np.ones(len(rho), bool)
    prev_rho, prev_ll = rho.copy(), np.full(len(rho), -np.inf)
    for _ in range(max_iter):
        a = np.flatnonzero(active)                     # only the pairs still moving
        if not len(a):
            break
        lik, d1, d2 = _pair_lik(u1[:, a], l1[:, a], u2[:, a], l2[:, a], rho[None, a], order=2)
        LIK[:, a], D1[:, a] = lik, d1
        ok = lik > _SQRT_EPS
        lf = np.where(ok, lik, 1.0)
        ll = np.sum(np.where(ok, np.log(lf), 0.0), axis=0)
        worse = ll < prev_ll[a] - 1e-10 * np.abs(prev_ll[a])
        if worse.any():                                # back-track half way
            w = a[worse]
            rho[w] = 0.5 * (rho[w] + prev_rho[w])
            continue
        sc = np.where(ok, d1 / lf, 0.0)
        g = sc.sum(axis=0)
        info = np.sum(sc * sc, axis=0)
        h = np.sum(np.where(ok, d2 / lf, 0.0), axis=0) - info
        step = np.where(h < 0, -g / np.where(h < 0, h, -1.0), g / np.maximum(info, 1e-300))
        prev_rho[a], prev_ll[a] = rho[a], ll
        at_bound = ((rho[a] >= 0.999) & (step > 0)) | ((rho[a] <= -0.999) & (step < 0))
        rho[a] = np.clip(rho[a] + step, -0.999, 0.999)
        active[a[(np.abs(step) < tol) | at_bound]] = False
    return rho, ~active, (LIK, D1)


# ---------------------------------------------------------------------------- NACOV
def _bivariate_limit_scores(a1, b1, a2, b2, rho, R):
    """lavaan's ``y1.Z1`` / ``y1.Z2`` of ``lav_bvord_cor_scores_cache``: d P / d (upper, lower
    limit of the first variable), for the second variable's limits (a2, b2)."""
    if R == 0:
        return 0.5 * _npdf(a1), 0.5 * _npdf(b1)
    Z1 = _npdf(a1) * (_ncdf((a2 - rho * a1) / R) - _ncdf((b2 - rho * a1) / R))
    Z2 = _npdf(b1) * (_ncdf((a2 - rho * b1) / R) - _ncdf((b2 - rho * b1) / R))
    return Z1, Z2


def conditional_nacov(codes, nths, X, Z1, Z2, uni_scores, I, J, rho, pair_lik=None) -> np.ndarray:
    """Gamma (= n * ACOV) of ``(tau, vec(slopes), rho)`` (Muthen 1984, ``lavaan:::muthen1984``).

    ``uni_scores[v]`` are item v's step-1 scores (n, nth_v + q); ``I``/``J`` the pairs;
    ``pair_lik`` the pairs' (lik, d lik / d rho) at ``rho`` when already computed."""
    n, p = codes.shape
    q = X.shape[1]
    off = np.concatenate([[0], np.cumsum(nths)])
    T, P = int(off[-1]), len(I)
    sl = lambda v: T + v + p * np.arange(q)           # noqa: E731 - vec(SLOPES) positions of item v
    SC = np.zeros((n, T + p * q + P))
    for v in range(p):
        SC[:, off[v]:off[v + 1]] = uni_scores[v][:, :nths[v]]
        SC[:, sl(v)] = uni_scores[v][:, nths[v]:]
    A21 = np.zeros((P, T + p * q))
    lik, d1 = pair_lik or _pair_lik(Z1[:, I], Z2[:, I], Z1[:, J], Z2[:, J], np.asarray(rho)[None, :], order=1)
    OK = lik > _SQRT_EPS
    LF = np.where(OK, lik, 1.0)
    SC[:, T + p * q:] = np.where(OK, d1 / LF, 0.0)
    for k, (i, j) in enumerate(zip(I, J)):
        r = rho[k]
        R = sqrt(max(1.0 - r * r, 0.0))
        ok, lf, s_rho = OK[:, k], LF[:, k], SC[:, T + p * q + k]
        for v, w in ((i, j), (j, i)):
            Zu, Zl = _bivariate_limit_scores(Z1[:, v], Z2[:, v], Z1[:, w], Z2[:, w], r, R)
            Zu, Zl = np.where(ok, Zu / lf, 0.0), np.where(ok, Zl / lf, 0.0)
            c = codes[:, v]
            dth = np.zeros((n, nths[v]))
            top, bottom = c < nths[v], c > 0
            dth[np.flatnonzero(top), c[top]] += Zu[top]
            dth[np.flatnonzero(bottom), c[bottom] - 1] -= Zl[bottom]
            A21[k, off[v]:off[v + 1]] = s_rho @ dth
            A21[k, sl(v)] = s_rho @ ((Zl - Zu)[:, None] * X)
    INNER = SC.T @ SC
    m = T + p * q
    A11inv = np.zeros((m, m))
    for v in range(p):
        idx = np.concatenate([np.arange(off[v], off[v + 1]), sl(v)])
        A11inv[np.ix_(idx, idx)] = np.linalg.inv(INNER[np.ix_(idx, idx)])
    a22 = np.diag(INNER)[m:]
    A22inv = np.diag(np.where(a22 > 0, 1.0 / np.where(a22 > 0, a22, 1.0), 0.0))
    Binv = np.zeros((m + P, m + P))
    Binv[:m, :m] = A11inv
    Binv[m:, :m] = -A22inv @ A21 @ A11inv
    Binv[m:, m:] = A22inv
    return n * (Binv @ INNER @ Binv.T)


# ---------------------------------------------------------------------------- per group
def _covariates(data: pd.DataFrame, x_names) -> np.ndarray:
    """The covariates as a float matrix; a non-numeric column is an error naming it."""
    bad = [v for v in x_names if not pd.api.types.is_numeric_dtype(data[v].dtype)
           or pd.api.types.is_bool_dtype(data[v].dtype)]
    if bad:
        raise DataError(f"covariate(s) {', '.join(map(repr, bad))} are not numeric (dtypes "
                        f"{', '.join(str(data[v].dtype) for v in bad)}): lavaan treats observed exogenous "
                        "covariates as fixed numbers; code them numerically (e.g. 0/1 dummies)")
    return data[list(x_names)].to_numpy(dtype=float, na_value=np.nan)


def _covariates_full_rank(Xg, x_names, gname, problems) -> bool:
    """The covariates with an intercept must have full column rank (lavaan: "X may not be of
    full rank"); a constant or linearly dependent covariate is named."""
    n, q = Xg.shape
    if np.linalg.matrix_rank(np.column_stack([np.ones(n), Xg])) == q + 1:
        return True
    const = [x for x, sd in zip(x_names, Xg.std(axis=0)) if sd == 0]
    what = (f"constant ({', '.join(map(repr, const))})" if const
            else f"linearly dependent ({', '.join(map(repr, x_names))})")
    problems.append(f"the covariates are {what}{gname}: the probit regressions of the items on them are not "
                    "identified; drop or recode a covariate")
    return False


def _group_stats(Cg, Xg, nlev, levels, y_names, x_names, where, problems, warns):
    """Steps 1-4 in one group: (th, slopes, rho, gamma, pairs), or None after adding a problem."""
    gname = f" {where}" if where != "in the data" else ""
    if Cg.shape[0] < 2:
        problems.append(f"only {Cg.shape[0]} complete row(s){gname}; at least 2 are needed")
        return None
    if not _covariates_full_rank(Xg, x_names, gname, problems):
        return None
    if _thresholds(Cg, y_names, levels, nlev, where, problems) is None:
        return None
    n, p = Cg.shape
    fits = [probit_regression(Cg[:, v], nlev[v], Xg) for v in range(p)]
    bad = [y_names[v] for v, f in enumerate(fits) if not f[4]]
    if bad:
        problems.append(f"the probit regression of {', '.join(map(repr, bad))} on the covariates{gname} did not "
                        "converge (are the covariates collinear, or does a category separate perfectly?)")
        return None
    Z1 = np.column_stack([f[1] for f in fits])
    Z2 = np.column_stack([f[2] for f in fits])
    grid = _pair_grid([np.zeros(k - 1) for k in nlev])
    I, J = grid.I, grid.J
    codes_c = Cg - Cg.mean(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        pear = (codes_c[:, I] * codes_c[:, J]).sum(0) / np.sqrt((codes_c[:, I] ** 2).sum(0)
                                                                * (codes_c[:, J] ** 2).sum(0))
    pear = np.where(np.isfinite(pear) & (np.abs(pear) < 1), pear, 0.0)
    rho, conv, pair_lik = conditional_polychorics(Z1, Z2, I, J, pear)
    for k in np.flatnonzero(~conv):
        warns.append(f"the residual polychoric correlation of {y_names[I[k]]} and {y_names[J[k]]}{gname} "
                     "did not converge")
    for k in np.flatnonzero(np.abs(rho) > 0.99):
        warns.append(f"the residual polychoric correlation of {y_names[I[k]]} and {y_names[J[k]]}{gname} "
                     f"is (nearly) 1.0 ({rho[k]:.4f})")
    nths = [k - 1 for k in nlev]
    G = conditional_nacov(Cg, nths, Xg, Z1, Z2, [f[3] for f in fits], I, J, rho, pair_lik)
    th = np.concatenate([f[0][:nths[v]] for v, f in enumerate(fits)])
    slopes = np.array([f[0][nths[v]:] for v, f in enumerate(fits)])
    return th, slopes, rho, G, (I, J)


def conditional_sample_stats(data: pd.DataFrame, y_names, x_names, group: str | None = None) -> ConditionalStats:
    """Thresholds, slopes, residual polychorics and NACOV per group, given the covariates.

    Rows with a missing item, covariate or group are dropped (listwise, each reported). Raises
    :class:`DataError` for a single-category item, a category empty in a group, a non-numeric
    covariate, or a step that cannot be computed; all problems together.
    """
    y_names, x_names = list(y_names), list(x_names)
    C, levels = _categories(data, y_names)
    X = _covariates(data, x_names)
    nlev = [len(lv) for lv in levels]
    if group is None:
        labels, gidx = ("",), np.zeros(len(data), int)
    else:
        codes, uniques = pd.factorize(data[group], sort=False)
        labels, gidx = tuple(uniques), np.asarray(codes, int)
    miss_y, miss_x = C < 0, np.isnan(X)
    keep = ~(miss_y.any(1) | miss_x.any(1) | (gidx < 0))
    dropped = []
    for i in np.flatnonzero(~keep):
        if gidx[i] < 0:
            reason = f"missing group ({group})"
        else:
            names = [y_names[j] for j in np.flatnonzero(miss_y[i])] + [x_names[j] for j in np.flatnonzero(miss_x[i])]
            reason = "listwise deletion: missing " + ", ".join(names)
        dropped.append((data.index[i], labels[gidx[i]] if gidx[i] >= 0 else None, reason))
    problems, warns = [], []
    out = {k: [] for k in ("th", "slopes", "cor", "gamma", "obs", "vd", "nobs", "mean_x", "cov_x", "joint")}
    pairs = (np.zeros(0, int), np.zeros(0, int))
    for g, label in enumerate(labels):
        sel = keep & (gidx == g)
        Xg = X[sel]
        where = f"in group {label!r} ({group} = {label!r})" if group is not None else "in the data"
        res = _group_stats(C[sel], Xg, nlev, levels, y_names, x_names, where, problems, warns)
        if res is None:
            continue
        gname = f" in group {label!r}" if group is not None else ""
        th, B, rho, G, pairs = res
        dG = np.diag(G)
        if not np.all(np.isfinite(dG)) or np.any(dG <= 0):
            problems.append(f"the asymptotic covariance matrix (NACOV) of the thresholds, slopes and residual "
                            f"polychoric correlations{gname} has non-positive or non-finite diagonal elements")
            continue
        R = np.eye(len(y_names))
        R[pairs[0], pairs[1]] = rho
        R[pairs[1], pairs[0]] = rho
        Sxx = np.atleast_2d(np.cov(Xg, rowvar=False, ddof=1))
        joint = np.block([[R + B @ Sxx @ B.T, B @ Sxx], [Sxx @ B.T, Sxx]])
        for k, v in (("th", th), ("slopes", B), ("cor", R), ("gamma", G), ("nobs", len(Xg)), ("mean_x", Xg.mean(0)),
                     ("cov_x", Sxx), ("joint", joint), ("obs", np.concatenate([th, B.ravel(order="F"), rho])),
                     ("vd", 1.0 / dG)):
            out[k].append(v)
    if problems:
        raise DataError("cannot fit the model:\n  - " + "\n  - ".join(problems))
    th_var = np.repeat(np.arange(len(y_names)), [k - 1 for k in nlev])
    return ConditionalStats(group_labels=labels, nobs=tuple(out["nobs"]), nlevels=tuple(nlev), levels=tuple(levels),
                            th=tuple(out["th"]), th_var=th_var, cor=tuple(out["cor"]), gamma=tuple(out["gamma"]),
                            wls_obs=tuple(out["obs"]), wls_vd=tuple(out["vd"]), pairs=pairs, freq_tables=(),
                            warnings=tuple(warns), dropped_rows=tuple(dropped), n_input_rows=len(data),
                            x_names=tuple(x_names), slopes=tuple(out["slopes"]), mean_x=tuple(out["mean_x"]),
                            cov_x=tuple(out["cov_x"]), joint=tuple(out["joint"]))
