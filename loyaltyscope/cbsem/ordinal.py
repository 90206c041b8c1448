"""Ordinal (Likert) indicators: polychoric correlations, DWLS and the WLSMV test, as lavaan 0.6-14.

``ls.sem(model, data, ordered=[...])`` treats the listed items as coarsened standard-normal
variables y* with thresholds (lavaan's ``cfa(..., ordered = ...)``, estimator ``"WLSMV"``).
The stages, each a pure function below:

1. **Categories.** Each ordered column's categories are its sorted distinct values in the whole
   data frame (or the categories of an ordered pandas ``Categorical``), as R's ``ordered()``;
   every category must occur in every group (lavaan's rule), else a :class:`DataError` names
   the group, the variable and the frequencies.
2. **Thresholds** (one-way margins): ``tau_k = Phi^-1(P(y <= k))`` per group.
3. **Polychoric correlations** given the thresholds (two-step ML, Olsson 1979): per pair,
   ``max_rho sum_ab n_ab log pi_ab(rho)`` with ``pi_ab`` rectangle probabilities of the
   bivariate normal, all pairs at once by Newton steps (``lav_bvord_cor_twostep_fit``; a
   2 x 2 table with one empty cell gets 0.5 added keeping the margins, as lavaan's
   ``zero.add = c(0.5, 0)``).
4. **NACOV** (Muthen, 1984; ``lav_muthen1984.R``): with casewise scores ``s_i`` of the
   univariate threshold likelihoods and ``r_ij`` of the bivariate rho likelihoods,
   ``INNER = SC' SC``, ``A11`` = the per-variable blocks of INNER, ``A22 = diag(sum r_ij^2)``,
   ``A21 = sum r_ij * d l_ij / d tau`` and ``Gamma = n B^-1 INNER B^-T`` with
   ``B^-1 = [[A11^-1, 0], [-A22^-1 A21 A11^-1, A22^-1]]``.
5. **DWLS** (delta parameterization): sample statistics ``s = (tau, vech_offdiag(R))``, model
   ``sigma = ((tau - mu) * delta, vech_offdiag(D Sigma D))`` where ``Sigma`` is the RAM-implied
   covariance whose ordered residual variances are ``1/delta^2 - diag(Sigma | theta_ii = 0)``
   (lavaan's ``setResidualElements``). Objective ``F = sum_g (n_g - 1) (s - sigma)' W (s - sigma)``,
   ``W = diag(Gamma)^-1``; the minimum is found by Gauss-Newton. ``chisq = F`` at the minimum.
6. **Robust standard errors** (``se = "robust.sem"``):
   ``V = E^-1 (sum_g f_g D' W Gamma W D) E^-1 / (N - G)``, ``E = sum_g f_g D' W D``, f_g = n_g/N.
7. **Test** ``scaled.shifted`` (lavaan 0.6-14's WLSMV default; Asparouhov & Muthen, 2010):
   ``U = V - V D E^-1 D' V`` (V = bdiag(f_g W)), ``UG = U bdiag(Gamma_g / f_g)``,
   ``a = sqrt(df / tr(UG^2))``, ``chisq.scaled = a chisq + df - a tr(UG)``,
   ``chisq.scaling.factor = 1/a``. The baseline (thresholds free, correlations 0) the same way.
8. **Robust CFI/TLI/RMSEA** as 0.6-14 computes them for categorical data (Savalei, 2021;
   ``lav_fit_catml_dwls``): ``XX3 = sum_g n_g F_ML(R_g, Sigma*_g)``, ``c3 = tr(WiU' V_ML WiU Gamma)
   / df3`` with ``WiU = I - D E^-1 D' W`` on the correlation rows and ``V_ML`` the normal-theory
   information of a correlation structure; baseline ``XX3_0 = -sum n_g log|R_g|``,
   ``c3_0 = tr(Gamma_cor) / df3_0``. Not available (NA, as lavaan) when thresholds carry
   equality constraints or a polychoric matrix is not positive definite.
9. **Other fit measures**: RMSEA (all versions) with ``N - G`` as lavaan's
   ``lav_utils_get_ntotal`` for (D)WLS; SRMR from the residual correlations, the mean square
   over the p(p+1)/2 elements (lavaan's ``srmr_bentler_nomean`` for categorical data).

Not implemented yet (a clear error instead of a different model): observed exogenous
covariates next to ordinal items (lavaan's ``conditional.x``), models mixing ordinal and
continuous observed variables, ``missing="fiml"``/pairwise, the theta parameterization,
inequality and non-linear constraints, modification indices.

R equivalent: ``lavaan::cfa(model, data, ordered = items)`` (lavaan 0.6-14: estimator
``"WLSMV"`` = DWLS + ``se = "robust.sem"`` + ``test = "scaled.shifted"``), ``fitMeasures(fit)``,
``lavInspect(fit, "sampstat")`` (thresholds, polychorics), ``lavInspect(fit, "gamma")``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from math import pi, sqrt

import numpy as np
import pandas as pd
from scipy import special, stats

from loyaltyscope.numerics.bivariate_normal import bvn_cdf, bvn_pdf, norm_cdf as _ncdf, norm_pdf as _npdf
from loyaltyscope.numerics.threads import one_blas_thread as _one_blas_thread, single_blas_thread
from loyaltyscope.cbsem import fit_indices as fi
from loyaltyscope.cbsem.estimates import parameter_estimates, r_square, theta_names
from loyaltyscope.cbsem.expressions import numeric_jacobian
from loyaltyscope.cbsem.partable import ModelSpec, ModelSpecError, build_partable, number_free_rows
from loyaltyscope.cbsem.ram import derivative_plan, implied, implied_with_derivatives, make_layout
from loyaltyscope.cbsem.samplestats import DataError
from loyaltyscope.cbsem.standardize import standardize_rows
from loyaltyscope.cbsem.model_checks import check_formulas, check_spec
from loyaltyscope.cbsem.syntax import parse_model

__all__ = ["bvn_cdf", "bvn_pdf", "univariate_thresholds", "polychoric_pairs", "muthen1984_nacov",
           "ordinal_sample_stats", "ordinal_partable", "fit_ordinal", "OrdinalStats"]

_SQRT_EPS = sqrt(np.finfo(float).eps)
_BIG = 40.0                       # stands in for +/- infinity in thresholds (Phi(40) == 1 in double)


def _guv(u, v, rho):
    """d phi2(u, v; rho) / d rho divided by phi2 (lavaan's ``guv``)."""
    r = 1.0 - rho * rho
    return (u * v * r - rho * (u * u - 2.0 * rho * u * v + v * v) + rho * r) / (r * r)


# ---------------------------------------------------------------------------- univariate step
def univariate_thresholds(counts: np.ndarray) -> np.ndarray:
    """Thresholds of one ordinal variable from its category counts: ``Phi^-1(cumsum(p))[:-1]``.

    This is the ML estimate without covariates (R: ``lavaan:::lav_uvord_th``; lavaan's
    ``lav_uvord_fit`` converges to it).
    """
    counts = np.asarray(counts, float)
    return special.ndtri(np.cumsum(counts)[:-1] / counts.sum())


def _univariate_scores(th: np.ndarray) -> np.ndarray:
    """Score table (K x nth) of the univariate probit log-likelihood for a case in category c:
    ``d log pi_c / d tau_k = ([c == k] phi(tau_c) - [c - 1 == k] phi(tau_{c-1})) / pi_c``
    (R: ``lavaan:::lav_uvord_scores``)."""
    K = len(th) + 1
    up = np.concatenate([th, [np.inf]])
    lo = np.concatenate([[-np.inf], th])
    p = _ncdf(up) - _ncdf(lo)
    T = np.zeros((K, K - 1))
    dth = _npdf(th)
    idx = np.arange(K - 1)
    T[idx, idx] = dth / p[:-1]
    T[idx + 1, idx] = -dth / p[1:]
    return T


# ---------------------------------------------------------------------------- bivariate step
@dataclass
class _PairGrid:
    """The pairs (i, j), i > j, in lavaan's order (column-major lower triangle) with padded
    threshold arrays: the first variable of a pair is i (lavaan's ``y1``), the second j."""

    I: np.ndarray
    J: np.ndarray
    t1: np.ndarray            # (P, kmax - 1) thresholds of i (padded with BIG)
    t2: np.ndarray            # (P, kmax - 1) thresholds of j
    kmax: int


def _pair_grid(ths: list[np.ndarray]) -> _PairGrid:
    p = len(ths)
    I = np.array([i for j in range(p) for i in range(j + 1, p)], int)
    J = np.array([j for j in range(p) for i in range(j + 1, p)], int)
    kmax = max(len(t) for t in ths) + 1
    T = np.full((p, kmax - 1), _BIG)
    for v, t in enumerate(ths):
        T[v, :len(t)] = t
    return _PairGrid(I, J, T[I], T[J], kmax)


def _cell_probs(grid: _PairGrid, rho: np.ndarray, order: int = 0):
    """Cell probabilities pi (P, kmax, kmax) and, for order >= 1, d pi / d rho (and d2 for 2)."""
    P, km = len(rho), grid.kmax
    t1, t2 = grid.t1[:, :, None], grid.t2[:, None, :]
    r3 = rho[:, None, None]
    inner = bvn_cdf(np.broadcast_to(t1, (P, km - 1, km - 1)), np.broadcast_to(t2, (P, km - 1, km - 1)),
                    np.broadcast_to(r3, (P, km - 1, km - 1)))
    F = np.zeros((P, km + 1, km + 1))
    F[:, 1:km, 1:km] = inner
    F[:, 1:km, km] = _ncdf(grid.t1)
    F[:, km, 1:km] = _ncdf(grid.t2)
    F[:, km, km] = 1.0
    pis = np.diff(np.diff(F, axis=1), axis=2)
    out = [pis]
    if order >= 1:
        dens = bvn_pdf(t1, t2, r3)
        D = np.zeros((P, km + 1, km + 1))
        D[:, 1:km, 1:km] = dens
        out.append(np.diff(np.diff(D, axis=1), axis=2))
        if order >= 2:
            D[:, 1:km, 1:km] = dens * _guv(t1, t2, r3)
            out.append(np.diff(np.diff(D, axis=1), axis=2))
    return out


def polychoric_pairs(freq: np.ndarray, grid: _PairGrid, rho0: np.ndarray, max_iter: int = 100,
                     tol: float = 1e-12):
    """Two-step ML polychoric correlations of all pairs at once, thresholds fixed.

    ``freq`` (P, kmax, kmax) are the (possibly zero-adjusted) bivariate tables. Maximises
    ``sum n_ab log pi_ab(rho)`` by Newton steps (Fisher scoring where the curvature is not
    negative, step halving when the log-likelihood drops), within lavaan's bounds
    (-0.999, 0.999). Cells with pi <= sqrt(eps) are floored and left out of the derivatives,
    as ``lav_bvord_noexo_pi`` / ``lav_bvord_gradient_cache`` do.

    Returns (rho, converged flags, iterations).
    """
    rho = np.clip(np.asarray(rho0, float), -0.995, 0.995).copy()
    P = len(rho)
    active = np.ones(P, bool)
    prev_rho = rho.copy()
    prev_ll = np.full(P, -np.inf)
    it = 0
    for it in range(1, max_iter + 1):
        pis, dp, d2p = _cell_probs(grid, rho, order=2)
        ok = pis > _SQRT_EPS
        pf = np.where(ok, pis, _SQRT_EPS)
        ll = np.sum(freq * np.log(pf), axis=(1, 2))
        worse = active & (ll < prev_ll - 1e-10 * np.abs(prev_ll))
        if worse.any():                                   # back-track half way
            rho[worse] = 0.5 * (rho[worse] + prev_rho[worse])
            continue
        w = np.where(ok, freq / pf, 0.0)
        g = np.sum(w * dp, axis=(1, 2))
        h = np.sum(w * (d2p - dp * dp / pf), axis=(1, 2))
        info = np.sum(np.where(ok, dp * dp / pf, 0.0), axis=(1, 2)) * freq.sum(axis=(1, 2))
        step = np.where(h < 0, -g / np.where(h < 0, h, -1.0), g / np.maximum(info, 1e-300))
        step = np.where(active, step, 0.0)
        prev_rho, prev_ll = rho.copy(), np.where(active, ll, prev_ll)
        at_bound = ((rho >= 0.999) & (step > 0)) | ((rho <= -0.999) & (step < 0))   # optimum on the bound
        rho = np.clip(rho + step, -0.999, 0.999)
        done = (np.abs(step) < tol) | at_bound
        active &= ~done
        if not active.any():
            break
    return rho, ~active, it


def _zero_adjust(freq: np.ndarray, k1: int, k2: int):
    """lavaan's handling of empty cells (``zero.add = c(0.5, 0)``, ``zero.keep.margins``): only
    a 2 x 2 table is changed. Returns (freq, fixed rho or None, warning or None)."""
    if k1 != 2 or k2 != 2:
        return freq, None, None
    f = freq[:2, :2].astype(float).copy()
    zero = f == 0
    if zero.sum() == 2:
        rho = 1.0 if f[0, 0] > 0 else -1.0
        return freq, rho, "two empty cells in a 2 x 2 table"
    if zero.sum() == 1:
        if zero[0, 0] or zero[1, 1]:
            f += np.array([[0.5, -0.5], [-0.5, 0.5]])
        else:
            f += np.array([[-0.5, 0.5], [0.5, -0.5]])
    out = freq.astype(float).copy()
    out[:2, :2] = f
    if f[0, 0] * f[1, 1] == f[0, 1] * f[1, 0]:
        return out, 0.0, None
    return out, None, None


# ---------------------------------------------------------------------------- NACOV (Muthen 1984)
def _cell_index(codes: np.ndarray, grid: _PairGrid) -> np.ndarray:
    """(n, P) index of each case's cell in the flattened (P, kmax, kmax) pair tables."""
    km = grid.kmax
    return np.arange(len(grid.I))[None, :] * (km * km) + codes[:, grid.I] * km + codes[:, grid.J]


def muthen1984_nacov(codes: np.ndarray, ths: list[np.ndarray], rho: np.ndarray, grid: _PairGrid,
                     cells: np.ndarray | None = None) -> np.ndarray:
    """Asymptotic covariance matrix Gamma (= n * ACOV) of (thresholds, polychorics).

    ``codes`` (n, p) are 0-based categories. Casewise scores: ``SC = [s_tau | r_rho]`` with
    ``s_tau`` the univariate probit scores and ``r_ij = (d pi_ab / d rho) / pi_ab`` for the
    case's cell (a, b); ``INNER = SC' SC``; ``A11`` the per-variable diagonal blocks of INNER;
    ``A22 = diag(r' r)``; ``A21[ij, tau] = sum_cases r_ij * d log pi_ab / d tau`` (bivariate
    threshold scores). ``W = B^-1 INNER B^-T`` with ``B^-1 = [[A11^-1, 0], [-A22^-1 A21
    A11^-1, A22^-1]]``; ``Gamma = n W`` (lavaan's ``NACOV = WLS.W * nobs``).

    ``cells`` is :func:`_cell_index` (computed when not given).

    Reference: Muthen (1984); R: ``lavaan:::muthen1984`` / ``lavInspect(fit, "gamma")``.
    """
    n, p = codes.shape
    if cells is None:
        cells = _cell_index(codes, grid)
    nth = np.array([len(t) for t in ths])
    off = np.concatenate([[0], np.cumsum(nth)])
    T = int(off[-1])
    P = len(grid.I)
    km = grid.kmax
    # univariate scores
    SC = np.empty((n, T + P))
    for v in range(p):
        SC[:, off[v]:off[v + 1]] = _univariate_scores(ths[v])[codes[:, v]]
    # bivariate: cell probabilities, rho scores and threshold scores per cell
    with np.errstate(divide="ignore", invalid="ignore"):
        pis, dp = _cell_probs(grid, rho, order=1)
    dp = np.where(np.isfinite(dp), dp, 0.0)
    ok = pis > _SQRT_EPS
    lik = np.where(ok, pis, 1.0)
    rtab = np.where(ok, dp / lik, 0.0)                       # (P, km, km)
    SC[:, T:] = rtab.ravel()[cells]
    INNER = SC.T @ SC
    # bivariate threshold scores d log pi_ab / d tau for y1 (= i) and y2 (= j)
    R = np.sqrt(np.maximum(1.0 - rho * rho, 0.0))[:, None, None]
    r3 = rho[:, None, None]
    Rs = np.where(R > 0, R, 1.0)
    up1 = np.concatenate([grid.t1, np.full((P, 1), 100.0)], axis=1)      # z1 of y1 per category
    lo1 = np.concatenate([np.full((P, 1), -100.0), grid.t1], axis=1)     # z2 of y1
    up2 = np.concatenate([grid.t2, np.full((P, 1), 100.0)], axis=1)
    lo2 = np.concatenate([np.full((P, 1), -100.0), grid.t2], axis=1)
    u1, l1 = up1[:, :, None], lo1[:, :, None]
    u2, l2 = up2[:, None, :], lo2[:, None, :]
    y1Z1 = _npdf(u1) * (_ncdf((u2 - r3 * u1) / Rs) - _ncdf((l2 - r3 * u1) / Rs))
    y1Z2 = _npdf(l1) * (_ncdf((u2 - r3 * l1) / Rs) - _ncdf((l2 - r3 * l1) / Rs))
    y2Z1 = _npdf(u2) * (_ncdf((u1 - r3 * u2) / Rs) - _ncdf((l1 - r3 * u2) / Rs))
    y2Z2 = _npdf(l2) * (_ncdf((u1 - r3 * l2) / Rs) - _ncdf((l1 - r3 * l2) / Rs))
    if np.any(R == 0):                     # |rho| = 1 (two empty cells): lavaan's half densities
        one = np.broadcast_to(R == 0, y1Z1.shape)
        y1Z1 = np.where(one, 0.5 * _npdf(u1), y1Z1)
        y1Z2 = np.where(one, 0.5 * _npdf(l1), y1Z2)
        y2Z1 = np.where(one, 0.5 * _npdf(u2), y2Z1)
        y2Z2 = np.where(one, 0.5 * _npdf(l2), y2Z2)
    freq = np.bincount(cells.ravel(), minlength=P * km * km).reshape(P, km, km)
    wr = np.where(ok, freq * rtab / lik, 0.0)
    a1 = np.sum(wr * y1Z1, axis=2)            # (P, km): to tau_a of i
    a2 = np.sum(wr * y1Z2, axis=2)            # to tau_{a-1} of i (negative)
    b1 = np.sum(wr * y2Z1, axis=1)            # to tau_b of j
    b2 = np.sum(wr * y2Z2, axis=1)
    A21 = np.zeros((P, T))
    for q in range(P):
        i, j = grid.I[q], grid.J[q]
        ki, kj = nth[i], nth[j]
        A21[q, off[i]:off[i] + ki] += a1[q, :ki] - a2[q, 1:ki + 1]
        A21[q, off[j]:off[j] + kj] += b1[q, :kj] - b2[q, 1:kj + 1]
    A11inv = np.zeros((T, T))
    for v in range(p):
        s = slice(off[v], off[v + 1])
        A11inv[s, s] = np.linalg.inv(INNER[s, s])
    a22 = np.diag(INNER)[T:]
    if np.any(a22 == 0):
        A22inv = np.diag(np.where(a22 == 0, 0.0, 1.0 / np.where(a22 == 0, 1.0, a22)))
    else:
        A22inv = np.diag(1.0 / a22)
    Binv = np.zeros((T + P, T + P))
    Binv[:T, :T] = A11inv
    Binv[T:, :T] = -A22inv @ A21 @ A11inv
    Binv[T:, T:] = A22inv
    return n * (Binv @ INNER @ Binv.T)


# ---------------------------------------------------------------------------- sample statistics
@dataclass(frozen=True)
class OrdinalStats:
    """Per-group sample statistics of ordinal data (lists indexed by group).

    ``th[g]`` thresholds (variables in model order, t1..tK-1 each), ``th_var`` the variable
    index of each threshold, ``cor[g]`` the polychoric matrix, ``gamma[g]`` NACOV,
    ``wls_obs[g] = (th, vech_offdiag(cor))``, ``wls_vd[g] = 1/diag(gamma)``.
    """

    group_labels: tuple
    nobs: tuple
    nlevels: tuple
    levels: tuple
    th: tuple
    th_var: np.ndarray
    cor: tuple
    gamma: tuple
    wls_obs: tuple
    wls_vd: tuple
    pairs: tuple
    freq_tables: tuple
    warnings: tuple = ()
    dropped_rows: tuple = ()
    n_input_rows: int = 0

    @property
    def ngroups(self) -> int:
        return len(self.nobs)

    @property
    def ntotal(self) -> int:
        return int(sum(self.nobs))


def _category_codes(col: pd.Series, name: str):
    """0-based category codes (-1 = missing) and the category values, as R's ``ordered()``."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = list(col.cat.categories)
        if not col.cat.ordered:
            try:
                cats = sorted(cats)
            except TypeError:
                pass
            col = col.cat.reorder_categories(cats)
        codes = col.cat.codes.to_numpy().astype(int)
        used = np.unique(codes[codes >= 0])
        remap = np.full(len(cats), -1)
        remap[used] = np.arange(len(used))
        codes = np.where(codes >= 0, remap[np.clip(codes, 0, None)], -1)
        return codes, [cats[u] for u in used]
    if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
        x = col.to_numpy(dtype=float, na_value=np.nan)
        ok = ~np.isnan(x)
        cats = np.unique(x[ok])
        codes = np.full(len(x), -1, int)
        codes[ok] = np.searchsorted(cats, x[ok])
        cats = [int(c) if float(c).is_integer() else float(c) for c in cats]
        return codes, cats
    vals = col.to_numpy()
    notna = ~pd.isna(vals)
    uniq = pd.unique(vals[notna])
    try:
        cats = sorted(uniq)
    except TypeError:
        cats = sorted(uniq, key=str)
    lookup = {v: i for i, v in enumerate(cats)}
    codes = np.full(len(vals), -1, int)
    codes[notna] = [lookup[v] for v in vals[notna]]
    return codes, cats


def ordinal_sample_stats(data: pd.DataFrame, ov_names, group: str | None = None) -> OrdinalStats:
    """Categories, listwise deletion, thresholds, polychorics and NACOV per group.

    Raises :class:`DataError` for an item with a single category, or a category that is empty
    in some group (lavaan: "some categories of variable ... are empty in group ...").
    """
    ov_names = list(ov_names)
    problems = []
    codes_all, levels = [], []
    for v in ov_names:
        c, cats = _category_codes(data[v], v)
        codes_all.append(c)
        levels.append(tuple(cats))
        if len(cats) < 2:
            shown = f"only the value {cats[0]!r}" if cats else "no observed value"
            problems.append(f"ordered variable {v!r} has {shown}: an ordinal item needs at least two "
                            "categories (drop it or do not declare it ordered)")
    if problems:
        raise DataError("cannot use the data:\n  - " + "\n  - ".join(problems))
    C = np.column_stack(codes_all)
    if group is None:
        labels = ("",)
        gidx = np.zeros(len(data), int)
    else:
        codes, uniques = pd.factorize(data[group], sort=False)
        gidx = np.asarray(codes, int)
        labels = tuple(uniques)
    incomplete = (C < 0).any(axis=1)
    gmiss = gidx < 0
    dropped = []
    for i in np.flatnonzero(incomplete | gmiss):
        if gmiss[i]:
            reason = f"missing group ({group})"
        else:
            reason = "listwise deletion: missing " + ", ".join(ov_names[j] for j in np.flatnonzero(C[i] < 0))
        dropped.append((data.index[i], labels[gidx[i]] if gidx[i] >= 0 else None, reason))
    keep = ~(incomplete | gmiss)
    nlev = [len(l) for l in levels]
    ths, cors, gammas, obs, vds, nobs, tables, warns = [], [], [], [], [], [], [], []
    grid0 = None
    for g in range(len(labels)):
        Cg = C[keep & (gidx == g)]
        n = Cg.shape[0]
        gname = f" in group {labels[g]!r}" if group is not None else ""
        if n < 2:
            problems.append(f"only {n} complete row(s){gname}; at least 2 are needed")
            continue
        th_g = []
        for j, v in enumerate(ov_names):
            cnt = np.bincount(Cg[:, j], minlength=nlev[j])
            if np.any(cnt == 0):
                empty = [repr(levels[j][k]) for k in np.flatnonzero(cnt == 0)]
                freqs = ", ".join(f"{levels[j][k]!r}: {cnt[k]}" for k in range(nlev[j]))
                where = f"in group {labels[g]!r} ({group} = {labels[g]!r})" if group is not None else "in the data"
                problems.append(f"ordered variable {v!r} has an empty category {where}: "
                                f"value(s) {', '.join(empty)} never occur (frequencies {{{freqs}}}); "
                                "lavaan requires every category in every group - merge sparse categories "
                                "or drop the variable")
                continue
            th_g.append(univariate_thresholds(cnt))
        if len(th_g) < len(ov_names):
            continue
        p = len(ov_names)
        grid = _pair_grid(th_g)
        grid0 = grid
        km = grid.kmax
        P = len(grid.I)
        cells = _cell_index(Cg, grid)
        freq = np.bincount(cells.ravel(), minlength=P * km * km).reshape(P, km, km).astype(float)
        raw = freq.copy()
        fixed = np.full(P, np.nan)
        for q in range(P):
            i, j = grid.I[q], grid.J[q]
            f2, r_fixed, warn = _zero_adjust(freq[q], nlev[i], nlev[j])
            freq[q] = f2
            if warn:
                warns.append(f"{warn} of {ov_names[i]} x {ov_names[j]}{gname}; polychoric set to {r_fixed:+.0f}")
            if r_fixed is not None:
                fixed[q] = r_fixed
            elif nlev[i] == 2 and nlev[j] == 2 and th_g[i][0] == 0 and th_g[j][0] == 0:
                fixed[q] = -np.cos(2 * pi * freq[q][0, 0] / freq[q][:2, :2].sum())
        # start: Pearson correlation of the codes (lavaan: cor(Y1, Y2)), from the pair tables
        a = np.arange(km, dtype=float)
        m1 = np.einsum("pab,a->p", raw, a) / n
        m2 = np.einsum("pab,b->p", raw, a) / n
        v1 = np.einsum("pab,a->p", raw, a * a) / n - m1 ** 2
        v2 = np.einsum("pab,b->p", raw, a * a) / n - m2 ** 2
        cxy = np.einsum("pab,a,b->p", raw, a, a) / n - m1 * m2
        with np.errstate(divide="ignore", invalid="ignore"):
            pear = cxy / np.sqrt(v1 * v2)
        pear = np.where(np.isfinite(pear) & (np.abs(pear) < 1), pear, 0.0)
        est = ~np.isfinite(fixed)
        rho = fixed.copy()
        if est.any():
            sub = _PairGrid(grid.I[est], grid.J[est], grid.t1[est], grid.t2[est], km)
            r_est, conv, _ = polychoric_pairs(freq[est], sub, pear[est])
            rho[est] = r_est
            for q in np.flatnonzero(est)[~conv]:
                warns.append(f"the polychoric correlation of {ov_names[grid.I[q]]} and {ov_names[grid.J[q]]}"
                             f"{gname} did not converge")
        for q in np.flatnonzero(np.abs(rho) > 0.99):
            warns.append(f"the polychoric correlation of {ov_names[grid.I[q]]} and {ov_names[grid.J[q]]}"
                         f"{gname} is (nearly) 1.0 ({rho[q]:.4f})")
        R = np.eye(p)
        R[grid.I, grid.J] = rho
        R[grid.J, grid.I] = rho
        with _one_blas_thread():
            G = muthen1984_nacov(Cg, th_g, rho, grid, cells)
        dG = np.diag(G)
        if not np.all(np.isfinite(dG)) or np.any(dG <= 0):
            problems.append(f"the asymptotic covariance matrix (NACOV) of the thresholds and polychoric "
                            f"correlations{gname} has non-positive or non-finite diagonal elements")
            continue
        th_flat = np.concatenate(th_g)
        ths.append(th_flat), cors.append(R), gammas.append(G), nobs.append(n)
        obs.append(np.concatenate([th_flat, rho])), vds.append(1.0 / dG)
        tables.append(freq)
    if problems:
        raise DataError("cannot fit the model:\n  - " + "\n  - ".join(problems))
    th_var = np.repeat(np.arange(len(ov_names)), [k - 1 for k in nlev])
    return OrdinalStats(labels, tuple(nobs), tuple(nlev), tuple(levels), tuple(ths), th_var, tuple(cors),
                        tuple(gammas), tuple(obs), tuple(vds), (grid0.I, grid0.J), tuple(tables),
                        tuple(warns), tuple(dropped), len(data))


# ---------------------------------------------------------------------------- parameter table
def ordinal_partable(spec: ModelSpec, nlevels: dict, group_equal=(), group_partial=()) -> dict:
    """Add lavaan's categorical rows to a table built with ``meanstructure=True, ordered=...``.

    As ``lav_partable_flat`` (lavaan 0.6-14, delta parameterization): per group, after the user
    rows, thresholds ``v | t1 .. tK-1`` (free) for every ordered variable; residual variances of
    ordered variables fixed (their value follows from the model: ``1/delta^2 - diag``); scale
    rows ``v ~*~ v`` fixed to 1, placed before the intercepts; ordered intercepts fixed 0. With
    several groups and ``"thresholds"`` in ``group_equal``: thresholds equal across groups
    (except ``group_partial``), and in groups 2.. the scales and the latent means are free.
    Returns the table as a dict of numpy columns (``id lhs op rhs user group free ustart label
    exo``; ``free`` numbered 1..npar, equal labels sharing a number).
    """
    src = spec.columns
    ordered = list(spec.ordered)
    ordset = set(ordered)
    lvset = set(spec.lv_names)
    partial = set()
    for it in group_partial or ():
        txt = it.replace(" ", "")
        if "|" in txt:
            a, b = txt.split("|", 1)
            partial.add((a, b))
    s_lhs, s_op, s_rhs, s_grp, s_user = (src[c] for c in ("lhs", "op", "rhs", "group", "user"))
    for k in np.flatnonzero(s_op == "|"):
        v, t = s_lhs[k], s_rhs[k]
        kk = int(t[1:]) if re.match(r"^t\d+$", t) else 0
        if v not in ordset:
            raise ModelSpecError(f"threshold {v} | {t}: {v!r} is not declared ordered")
        if not 1 <= kk < nlevels[v]:
            raise ModelSpecError(f"threshold {v} | {t}: {v!r} has {nlevels[v]} categories, so thresholds "
                                 f"t1..t{nlevels[v] - 1}")
    cols = {c: [] for c in ("src", "lhs", "op", "rhs", "user", "group", "free", "ustart", "label", "exo")}

    def add(k, lhs, op, rhs, user, g, free, ustart, label="", exo=0):
        for c, v in zip(cols, (k, lhs, op, rhs, user, g, free, ustart, label, exo)):
            cols[c].append(v)

    def copy(k):
        add(k, s_lhs[k], s_op[k], s_rhs[k], int(s_user[k]), int(s_grp[k]), int(src["free"][k] != 0),
            float(src["ustart"][k]), src["label"][k], int(src["exo"][k]))

    for g in range(1, spec.ngroups + 1):
        rows = np.flatnonzero(s_grp == g)
        user_th = {(s_lhs[k], s_rhs[k]) for k in rows if s_op[k] == "|"}
        defaults = [k for k in rows if s_user[k] == 0]
        first_default = rows.tolist().index(defaults[0]) if defaults else len(rows)
        for k in rows[:first_default]:
            copy(k)
        for v in ordered:
            for t in range(1, nlevels[v]):
                if (v, f"t{t}") not in user_th:
                    add(-1, v, "|", f"t{t}", 0, g, 1, np.nan)
        delta_free = g > 1 and "thresholds" in group_equal
        placed = False
        for k in rows[first_default:]:
            if not placed and s_op[k] == "~1":
                for v in ordered:
                    add(-1, v, "~*~", v, 0, g, int(delta_free), np.nan if delta_free else 1.0)
                placed = True
            copy(k)
        if not placed:
            for v in ordered:
                add(-1, v, "~*~", v, 0, g, int(delta_free), np.nan if delta_free else 1.0)
    n = len(cols["lhs"])
    table = {"id": np.arange(1, n + 1)}
    for c in ("lhs", "op", "rhs", "label"):
        table[c] = np.array(cols[c], dtype=object)
    for c in ("user", "group", "free", "exo"):
        table[c] = np.array(cols[c], dtype=int)
    table["ustart"] = np.array(cols["ustart"], dtype=float)
    lhs, op, rhs, grp, user = (table[c] for c in ("lhs", "op", "rhs", "group", "user"))
    free, ust, lab = table["free"], table["ustart"], table["label"]
    is_ord = np.isin(lhs, ordered)
    resv = (op == "~~") & (lhs == rhs) & is_ord
    free[resv], ust[resv] = 0, 1.0
    oint = (op == "~1") & is_ord & (user == 0)
    free[oint], ust[oint] = 0, 0.0
    if "thresholds" in group_equal and "means" not in group_equal:
        lmean = (op == "~1") & (user == 0) & (grp > 1) & np.isin(lhs, list(lvset))
        free[lmean], ust[lmean] = 1, np.nan
    # lavaan's automatic equality labels .pN. refer to row ids: renumber them to the new ids
    old_id = np.asarray(src["id"])
    idmap = {int(old_id[k]): i + 1 for i, k in enumerate(cols["src"]) if k >= 0}
    for k, l in enumerate(lab):
        m = re.match(r"^\.p(\d+)\.$", l or "")
        if m and int(m.group(1)) in idmap:
            lab[k] = f".p{idmap[int(m.group(1))]}."
    if spec.ngroups > 1 and "thresholds" in group_equal:
        for k in np.flatnonzero((op == "|") & (grp == 1)):
            if (lhs[k], rhs[k]) in partial or not free[k]:
                continue
            name = lab[k] or f".p{k + 1}."
            for s_ in np.flatnonzero((op == "|") & (lhs == lhs[k]) & (rhs == rhs[k])):
                if free[s_] and not (grp[s_] > 1 and lab[s_]):
                    lab[s_] = name
    table["free"] = number_free_rows(free, lab)
    return table


# ---------------------------------------------------------------------------- the model
class _OrdinalModel:
    """Implied WLS statistics and their Jacobian for one parameter table.

    Per group g: ``sigma_g(theta) = ((tau - mu_v) delta_v, vech_offdiag(D Sigma D))`` in the order
    of the sample statistics; ``jacobian`` is lavaan's ``computeDelta`` (the computed residual
    variances of ordered variables are held constant in the derivatives, as lavaan does).
    """

    def __init__(self, table: dict, ov_names, lv_names, nlevels, ngroups: int):
        self.table = table
        self.ov = list(ov_names)
        self.lv = list(lv_names)
        self.p = len(self.ov)
        self.G = ngroups
        free = np.asarray(table["free"]) - 1
        self.free = free
        self.ntheta = int(free.max()) + 1 if len(free) and free.max() >= 0 else 0
        base = np.asarray(table["ustart"], float).copy()
        base[~np.isfinite(base)] = 0.0
        self.base = base
        self.free_rows = np.flatnonzero(free >= 0)
        ops, lhs, rhs, grp = (np.asarray(table[c]) for c in ("op", "lhs", "rhs", "group"))
        pos = {v: i for i, v in enumerate(self.ov)}
        nth = np.array([nlevels[v] - 1 for v in self.ov])
        self.th_off = np.concatenate([[0], np.cumsum(nth)])
        self.T = int(self.th_off[-1])
        self.I = np.array([i for j in range(self.p) for i in range(j + 1, self.p)], int)
        self.J = np.array([j for j in range(self.p) for i in range(j + 1, self.p)], int)
        self.groups = []
        for g in range(1, ngroups + 1):
            lay = make_layout(table, g, self.ov, self.lv)
            fpos = np.flatnonzero(free[lay.rows] >= 0)
            th_rows = np.flatnonzero((ops == "|") & (grp == g))
            th_pos = np.array([self.th_off[pos[lhs[k]]] + int(rhs[k][1:]) - 1 for k in th_rows], int)
            th_var = np.array([pos[lhs[k]] for k in th_rows], int)
            order = np.argsort(th_pos)
            th_rows, th_pos, th_var = th_rows[order], th_pos[order], th_var[order]
            if len(th_pos) != self.T or np.any(th_pos != np.arange(self.T)):
                raise ModelSpecError("every ordered variable needs all its thresholds t1..tK-1 in each group")
            d_rows = np.flatnonzero((ops == "~*~") & (grp == g))
            d_var = np.array([pos[lhs[k]] for k in d_rows], int)
            res_rows = np.flatnonzero((ops == "~~") & (lhs == rhs) & (grp == g) & np.isin(lhs, self.ov))
            res_var = np.array([pos[lhs[k]] for k in res_rows], int)
            self.groups.append(dict(layout=lay, fpos=fpos, ftheta=free[lay.rows[fpos]],
                                    plan=derivative_plan(lay, fpos), th_rows=th_rows, th_var=th_var,
                                    d_rows=d_rows, d_var=d_var, res_rows=res_rows, res_var=res_var))

    def values(self, theta: np.ndarray) -> np.ndarray:
        """All row values: free ones from theta; ordered residual variances computed."""
        vals = self.base.copy()
        vals[self.free_rows] = theta[self.free[self.free_rows]]
        for gr in self.groups:
            if not len(gr["res_rows"]):
                continue
            vals[gr["res_rows"]] = 0.0
            Sig0 = implied(gr["layout"], vals)[0]
            delta = np.ones(self.p)
            delta[gr["d_var"]] = vals[gr["d_rows"]]
            vals[gr["res_rows"]] = 1.0 / delta[gr["res_var"]] ** 2 - np.diag(Sig0)[gr["res_var"]]
        return vals

    def moments(self, theta: np.ndarray, jacobian: bool = True):
        """Per group: dict(est, jac, Sigma (unscaled), Sigma_star, C, delta, mu)."""
        vals = self.values(theta)
        out = []
        for gr in self.groups:
            lay = gr["layout"]
            if jacobian:
                Sig, mu, dS, dmu, C, B = implied_with_derivatives(lay, vals, gr["fpos"], gr["plan"])
            else:
                Sig, mu, C, B, _ = implied(lay, vals)
            delta = np.ones(self.p)
            delta[gr["d_var"]] = vals[gr["d_rows"]]
            tau = vals[gr["th_rows"]]
            tv = gr["th_var"]
            th = (tau - mu[tv]) * delta[tv]
            Sstar = Sig * np.outer(delta, delta)
            est = np.concatenate([th, Sstar[self.I, self.J]])
            res = dict(est=est, Sigma=Sig, Sigma_star=Sstar, C=C, delta=delta, mu=mu, vals=vals)
            if jacobian:
                nrow = self.T + len(self.I)
                jac = np.zeros((nrow, self.ntheta))
                dd = delta[self.I] * delta[self.J]
                if len(gr["fpos"]):
                    block = np.concatenate([-(dmu[:, tv] * delta[tv]).T, (dS[:, self.I, self.J] * dd).T], axis=0)
                    np.add.at(jac.T, gr["ftheta"], block.T)
                free = self.free
                fth = free[gr["th_rows"]]
                sel = fth >= 0
                np.add.at(jac, (np.flatnonzero(sel), fth[sel]), delta[tv[sel]])
                for k, v in zip(gr["d_rows"], gr["d_var"]):
                    if free[k] < 0:
                        continue
                    t = free[k]
                    sel = tv == v
                    jac[np.flatnonzero(sel), t] += tau[sel] - mu[v]
                    hit_i = self.I == v
                    hit_j = self.J == v
                    jac[self.T + np.flatnonzero(hit_i), t] += delta[self.J[hit_i]] * Sig[v, self.J[hit_i]]
                    jac[self.T + np.flatnonzero(hit_j), t] += delta[self.I[hit_j]] * Sig[self.I[hit_j], v]
                res["jac"] = jac
            out.append(res)
        return out


def fit_dwls(model: _OrdinalModel, ss: OrdinalStats, theta_start: np.ndarray, max_iter: int = 500,
             tol: float = 1e-8, K: np.ndarray | None = None, theta0: np.ndarray | None = None):
    """Minimise ``F = sum_g (n_g - 1) (s_g - sigma_g)' W_g (s_g - sigma_g)`` by Gauss-Newton
    (step ``(J'WJ)^-1 J'W r``), halving the step while F does not decrease. Linear equality
    constraints enter as ``theta = theta0 + K phi`` (the optimiser works on phi).
    Returns (theta, F, converged, iterations)."""
    theta_start = np.asarray(theta_start, float)
    if K is None:
        K, theta0 = np.eye(model.ntheta), np.zeros(model.ntheta)
    phi = np.linalg.lstsq(K, theta_start - theta0, rcond=None)[0]
    theta = theta0 + K @ phi
    converged = False
    F_prev = np.inf
    t = 1.0
    step = None
    it = 0
    for it in range(1, max_iter + 1):
        mom = model.moments(theta)
        F = sum((n - 1) * np.sum(vd * (s - m["est"]) ** 2)
                for n, vd, s, m in zip(ss.nobs, ss.wls_vd, ss.wls_obs, mom))
        if not np.isfinite(F) or F > F_prev + 1e-12 * abs(F_prev):
            if step is None or t < 1e-10:
                break
            t /= 2.0                                  # back-track from the previous point
            theta = theta - t * (K @ step)
            continue
        A = np.zeros((K.shape[1], K.shape[1]))
        b = np.zeros(K.shape[1])
        for n, vd, s, m in zip(ss.nobs, ss.wls_vd, ss.wls_obs, mom):
            Jk = m["jac"] @ K
            WJ = Jk * (vd * (n - 1))[:, None]
            A += Jk.T @ WJ
            b += WJ.T @ (s - m["est"])
        try:
            step = np.linalg.solve(A, b)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(A, b, rcond=None)[0]
        if not np.all(np.isfinite(step)):
            break
        F_prev = F
        if np.max(np.abs(step)) < tol:
            converged = True
            break
        t = 1.0
        theta = theta + K @ step
    return theta, F_prev, converged, it


def _constraint_basis(spec, table, ntheta):
    """Linear equality constraints (``==`` between labels) as ``theta = theta0 + K phi``.
    Returns (K, theta0, labels the constraints use)."""
    if not spec.constraints:
        return np.eye(ntheta), np.zeros(ntheta), set()
    if any(op != "==" for _, op, _ in spec.constraints):
        raise NotImplementedError("inequality constraints (<, >) are not implemented yet with ordered=")
    free = np.asarray(table["free"]) - 1
    ust = np.asarray(table["ustart"], float)
    first = {}
    for k, lab in enumerate(table["label"]):
        if lab and lab not in first:
            first[lab] = k

    def h(theta):
        v = {lab: (theta[free[k]] if free[k] >= 0 else ust[k]) for lab, k in first.items()}
        for name, expr in spec.definitions:
            v[name] = expr.evaluate(v)
        return np.array([l.evaluate(v) - r.evaluate(v) for l, _, r in spec.constraints])

    rng = np.random.default_rng(0)
    J1 = numeric_jacobian(h, rng.normal(size=ntheta))
    J2 = numeric_jacobian(h, rng.normal(size=ntheta))
    if not np.allclose(J1, J2, atol=1e-6):
        raise NotImplementedError("non-linear constraints are not implemented yet with ordered=")
    _, sv, Vt = np.linalg.svd(J1)
    rank = int((sv > 1e-8 * max(1.0, sv.max() if sv.size else 1.0)).sum())
    K = Vt[rank:].T
    theta0 = -np.linalg.pinv(J1) @ h(np.zeros(ntheta))
    used = set()
    for l, _, r in spec.constraints:
        used |= set(l.names) | set(r.names)
    return K, theta0, used


# ---------------------------------------------------------------------------- robust statistics
def _information(model, ss, mom):
    """E = sum_g f_g D_g' W_g D_g (lavaan's expected information for DWLS)."""
    N = ss.ntotal
    E = np.zeros((model.ntheta, model.ntheta))
    for n, vd, m in zip(ss.nobs, ss.wls_vd, mom):
        E += n / N * (m["jac"].T @ (m["jac"] * vd[:, None]))
    return E


def robust_vcov(model, ss, mom, Einv):
    """``robust.sem`` sandwich: ``E^-1 (sum_g f_g D' W Gamma W D) E^-1 / (N - G)``
    (R: ``lavaan:::lav_model_nvcov_robust_sem`` and ``lav_model_vcov``)."""
    N = ss.ntotal
    mid = np.zeros_like(Einv)
    for n, vd, G, m in zip(ss.nobs, ss.wls_vd, ss.gamma, mom):
        WD = m["jac"] * vd[:, None]
        mid += n / N * (WD.T @ G @ WD)
    return Einv @ mid @ Einv / (N - ss.ngroups)


def ugamma_traces(jacs, vds, gammas, nobs, Einv):
    """tr(U Gamma) and tr((U Gamma)^2) with U = V - V D E^-1 D' V, V = bdiag(f_g W_g), Gamma
    = bdiag(Gamma_g / f_g) (R: ``lavaan:::lav_test_satorra_bentler_trace_original``)."""
    N = float(sum(nobs))
    fg = np.array(nobs) / N
    V = np.concatenate([f * vd for f, vd in zip(fg, vds)])
    D = np.vstack(jacs)
    Gam = _bdiag([G / f for G, f in zip(gammas, fg)])
    VD = D * V[:, None]
    U = np.diag(V) - VD @ Einv @ VD.T
    UG = U @ Gam
    return float(np.trace(UG)), float(np.sum(UG * UG.T))


def _bdiag(mats):
    n = sum(m.shape[0] for m in mats)
    out = np.zeros((n, n))
    o = 0
    for m in mats:
        k = m.shape[0]
        out[o:o + k, o:o + k] = m
        o += k
    return out


def scaled_shifted(chisq, df, tr1, tr2):
    """lavaan's ``scaled.shifted`` test: (stat, scaling factor 1/a, shift b)."""
    a = np.sqrt(df / tr2)
    b = df - a * tr1
    return a * chisq + b, 1.0 / a, b


def _catml_information(Sigma: np.ndarray, I, J) -> np.ndarray:
    """Normal-theory information of a correlation structure for the off-diagonal elements:
    the (I, J) rows/columns of ``0.5 D' (S^-1 x S^-1) D``, i.e. ``Si_ik Si_jl + Si_il Si_jk``."""
    Si = np.linalg.inv(Sigma)
    return Si[np.ix_(I, I)] * Si[np.ix_(J, J)] + Si[np.ix_(I, J)] * Si[np.ix_(J, I)]


def _catml_robust(model, ss, mom, Einv, npar_catml: int):
    """Savalei's (2021) catML statistics as ``lavaan:::lav_fit_catml_dwls`` (lavaan 0.6-14)."""
    G = ss.ngroups
    N = ss.ntotal
    pstar = len(model.I)
    for R in ss.cor:
        if np.linalg.eigvalsh(R)[0] < _SQRT_EPS:
            return None
    XX3 = 0.0
    XX3_0 = 0.0
    for n, R, m in zip(ss.nobs, ss.cor, mom):
        S = m["Sigma_star"]
        sign, ld = np.linalg.slogdet(S)
        if sign <= 0:
            return None
        XX3 += n * (ld - np.linalg.slogdet(R)[1] + np.trace(R @ np.linalg.inv(S)) - model.p)
        XX3_0 += n * (-np.linalg.slogdet(R)[1])
    df3 = G * pstar - npar_catml
    fg = np.array(ss.nobs) / N
    T = model.T
    D = np.vstack([m["jac"][T:] for m in mom])
    W = np.concatenate([f * vd[T:] for f, vd in zip(fg, ss.wls_vd)])
    V = _bdiag([f * _catml_information(m["Sigma_star"], model.I, model.J) for f, m in zip(fg, mom)])
    Gam = _bdiag([Gm[T:, T:] / f for Gm, f in zip(ss.gamma, fg)])
    WiU = np.eye(len(W)) - D @ Einv @ (D * W[:, None]).T
    ks = float(np.trace(WiU.T @ V @ WiU @ Gam))
    c3 = ks / df3 if df3 > 0 else np.nan
    df3_0 = G * pstar
    c3_0 = float(np.trace(Gam)) / df3_0
    return dict(XX3=XX3, df3=df3, c3=c3, XX3_scaled=XX3 / c3 if df3 > 0 else np.nan,
                XX3_0=XX3_0, df3_0=df3_0, c3_0=c3_0)


# ---------------------------------------------------------------------------- fit measures
def _rmsea_ci(chisq, df, N, G, c_hat=1.0):
    """lavaan's ``lav_fit_rmsea_ci`` (with the scaling factor of the robust version)."""
    lo, hi = fi.rmsea_ci(chisq, df, N, G)
    return lo * np.sqrt(c_hat), hi * np.sqrt(c_hat)


def _rmsea_pvalue(chisq, df, N, G, c_hat=1.0, h0=0.05):
    if not (df > 0 and np.isfinite(chisq)):
        return np.nan
    return float(stats.ncx2.sf(chisq, df, N * df / c_hat * h0 ** 2 / G))


def _fit_measures(model, ss, mom, chisq, df, npar, Einv, robust: bool, npar_catml, catml_ok: bool):
    G = ss.ngroups
    N = ss.ntotal - G              # lavaan's lav_utils_get_ntotal for (D)WLS: N - G in the RMSEA
    T = model.T
    P = len(model.I)
    # baseline: thresholds free, correlations 0 (thresholds then fit exactly)
    bchisq = sum((n - 1) * np.sum(vd[T:] * s[T:] ** 2) for n, vd, s in zip(ss.nobs, ss.wls_vd, ss.wls_obs))
    bdf = G * P
    out = {"npar": float(npar), "fmin": chisq / (2 * ss.ntotal), "chisq": chisq, "df": float(df),
           "pvalue": fi.chisq_pvalue(chisq, df),
           "baseline.chisq": bchisq, "baseline.df": float(bdf), "baseline.pvalue": fi.chisq_pvalue(bchisq, bdf),
           "cfi": fi.cfi(chisq, df, bchisq, bdf), "tli": fi.tli(chisq, df, bchisq, bdf),
           "nnfi": fi.tli(chisq, df, bchisq, bdf),
           "rmsea": fi.rmsea(chisq, df, N, G), "ntotal": float(ss.ntotal)}
    lo, hi = _rmsea_ci(chisq, df, N, G)
    out.update({"rmsea.ci.lower": lo, "rmsea.ci.upper": hi, "rmsea.ci.level": 0.90,
                "rmsea.pvalue": _rmsea_pvalue(chisq, df, N, G), "rmsea.close.h0": 0.05})
    # SRMR (lavaan's srmr_bentler_nomean for categorical data): residual correlations, the
    # mean square taken over the p(p+1)/2 elements of the matrix (the diagonal residuals are 0)
    srmr = 0.0
    for n, R, m in zip(ss.nobs, ss.cor, mom):
        res = (R - m["Sigma_star"])[model.I, model.J]
        srmr += n / ss.ntotal * np.sqrt(np.sum(res ** 2) / (model.p * (model.p + 1) / 2))
    out["srmr"] = srmr
    out["srmr_bentler_nomean"] = srmr
    out["crmr_nomean"] = srmr
    if not robust:
        return out
    jacs = [m["jac"] for m in mom]
    if df > 0:
        tr1, tr2 = ugamma_traces(jacs, ss.wls_vd, ss.gamma, ss.nobs, Einv)
        xs, c, shift = scaled_shifted(chisq, df, tr1, tr2)
    else:
        xs, c, shift = chisq, np.nan, np.nan
    # baseline model: free thresholds per group; its Jacobian picks the threshold rows
    bj = []
    for g in range(G):
        J = np.zeros((T + P, G * T))
        J[np.arange(T), g * T + np.arange(T)] = 1.0
        bj.append(J)
    Eb = sum(n / ss.ntotal * (J.T @ (J * vd[:, None])) for n, vd, J in zip(ss.nobs, ss.wls_vd, bj))
    btr1, btr2 = ugamma_traces(bj, ss.wls_vd, ss.gamma, ss.nobs, np.linalg.inv(Eb))
    bxs, bc, bshift = scaled_shifted(bchisq, bdf, btr1, btr2)
    out.update({"chisq.scaled": xs, "df.scaled": float(df), "pvalue.scaled": fi.chisq_pvalue(xs, df),
                "chisq.scaling.factor": c, "chisq.shift.parameter": shift,
                "baseline.chisq.scaled": bxs, "baseline.df.scaled": float(bdf),
                "baseline.pvalue.scaled": fi.chisq_pvalue(bxs, bdf), "baseline.chisq.scaling.factor": bc,
                "cfi.scaled": fi.cfi(xs, df, bxs, bdf), "tli.scaled": fi.tli(xs, df, bxs, bdf),
                "nnfi.scaled": fi.tli(xs, df, bxs, bdf),
                "rmsea.scaled": fi.rmsea(xs, df, N, G)})
    lo, hi = _rmsea_ci(xs, df, N, G)
    out.update({"rmsea.ci.lower.scaled": lo, "rmsea.ci.upper.scaled": hi,
                "rmsea.pvalue.scaled": _rmsea_pvalue(xs, df, N, G)})
    cat = _catml_robust(model, ss, mom, Einv, npar_catml) if catml_ok else None
    if cat is None or not np.isfinite(cat["c3"]):
        for k in ("cfi.robust", "tli.robust", "nnfi.robust", "rmsea.robust", "rmsea.ci.lower.robust",
                  "rmsea.ci.upper.robust", "rmsea.pvalue.robust"):
            out[k] = np.nan
        return out
    c3, c30 = cat["c3"], cat["c3_0"]
    lo, hi = _rmsea_ci(cat["XX3_scaled"], cat["df3"], N, G, c3)
    out.update({"cfi.robust": fi.cfi(cat["XX3"], df, cat["XX3_0"], bdf, c3, c30),
                "tli.robust": fi.tli(cat["XX3"], df, cat["XX3_0"], bdf, c3, c30),
                "nnfi.robust": fi.tli(cat["XX3"], df, cat["XX3_0"], bdf, c3, c30),
                "rmsea.robust": fi.rmsea(cat["XX3"], cat["df3"], N, G, c_hat=c3),
                "rmsea.ci.lower.robust": lo, "rmsea.ci.upper.robust": hi,
                "rmsea.pvalue.robust": _rmsea_pvalue(cat["XX3_scaled"], cat["df3"], N, G, c3)})
    return out


# ---------------------------------------------------------------------------- the front door
_ESTIMATORS = {"ML": "WLSMV", "WLSMV": "WLSMV", "DWLS": "DWLS"}




def _single_threaded(fn):
    return single_blas_thread(fn)


def fit_ordinal(model: str, data: pd.DataFrame, *, ordered, estimator: str = "ML", group: str | None = None,
                group_equal=(), group_partial=(), std_lv: bool = False, missing: str = "listwise",
                se: str = "standard", max_iter: int = 500, sample_cov=None, **ignored):
    """Fit a model with ordinal indicators (called by ``ls.sem(..., ordered=[...])``).

    ``estimator``: ``"WLSMV"`` (also the default ``"ML"``, as lavaan switches to WLSMV when
    ``ordered`` is given): DWLS estimates, robust standard errors, scaled-and-shifted test;
    ``"DWLS"``: the same estimates with standard errors from the expected information and the
    standard test only.

    R equivalent: ``lavaan::sem(model, data, ordered = items, group = ..., group.equal = ...)``.
    """
    est_in = str(estimator).upper()
    if est_in not in _ESTIMATORS:
        raise ValueError(f"estimator={estimator!r} cannot be used with ordered= (ordinal items); use 'WLSMV' "
                         "(the default) or 'DWLS'")
    est_name = _ESTIMATORS[est_in]
    if str(missing).lower() != "listwise":
        raise NotImplementedError("ordered= (ordinal items) supports missing='listwise' only")
    if sample_cov is not None or data is None:
        raise ValueError("ordered= (ordinal items) needs the raw data (data=), not sample_cov=")
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    if se not in ("standard", "none", "robust", "robust.sem"):
        raise NotImplementedError(f"se={se!r} is not available with ordered= (use 'standard' or 'none')")
    if isinstance(ordered, str):
        ordered = [ordered]
    if ordered is True:
        ordered = list(data.columns)
    ordered = [str(v) for v in ordered]
    group_equal = tuple([group_equal] if isinstance(group_equal, str) else (group_equal or ()))
    group_partial = tuple(group_partial or ())
    if group is not None and group not in data.columns:
        raise DataError(f"group column {group!r} not found in the data; columns: {list(data.columns)}")
    ngroups = 1 if group is None else int(data[group].dropna().nunique())
    spec = _spec_cached(model, tuple(str(c) for c in data.columns), ngroups, bool(std_lv), group_equal,
                        group_partial, tuple(ordered))
    lvs = set(spec.lv_names)
    t = spec.columns
    reg = t["op"] == "~"
    dependent = set(t["lhs"][reg]) | set(t["rhs"][t["op"] == "=~"])
    exo_x = sorted({v for v in t["rhs"][reg] if v not in lvs and v not in dependent})
    if exo_x:
        raise NotImplementedError(
            f"observed exogenous covariates ({', '.join(exo_x)}) with ordinal items are not implemented yet "
            "(lavaan treats them as fixed numeric covariates with conditional.x = TRUE, probit regressions)")
    numeric = [v for v in spec.ov_names if v not in spec.ordered]
    if numeric:
        raise NotImplementedError(
            "models mixing ordinal and continuous observed variables are not implemented yet; "
            f"not declared ordered: {', '.join(numeric)} (declare them in ordered= or leave ordered= out)")
    with _one_blas_thread():
        return _fit_ordinal_core(spec, data, group, group_equal, group_partial, std_lv, est_name, se, max_iter,
                                 missing)


@functools.lru_cache(maxsize=64)
def _spec_cached(model, columns, ngroups, std_lv, group_equal, group_partial, ordered) -> ModelSpec:
    """Parse + lavaan's parameter table (with a mean structure, as lavaan forces for ordinal
    data), memoised: a pure function of its arguments; never mutated afterwards."""
    formulas = parse_model(model)
    check_formulas(formulas, columns)
    spec = build_partable(formulas, data_columns=list(columns), ngroups=ngroups, std_lv=std_lv,
                          meanstructure=True, fixed_x=True, group_equal=group_equal,
                          group_partial=group_partial, ordered=ordered)
    check_spec(spec, ngroups)
    return spec


def _fit_ordinal_core(spec, data, group, group_equal, group_partial, std_lv, est_name, se, max_iter, missing):
    from loyaltyscope._version import __version__
    from loyaltyscope.cbsem.results import SemResult
    from loyaltyscope.cbsem.start import start_values

    ss = ordinal_sample_stats(data, spec.ov_names, group)
    table = ordinal_partable(spec, dict(zip(spec.ov_names, ss.nlevels)), group_equal, group_partial)
    mdl = _OrdinalModel(table, spec.ov_names, spec.lv_names, dict(zip(spec.ov_names, ss.nlevels)), ss.ngroups)
    free = mdl.free
    K, theta0, con_labels = _constraint_basis(spec, table, mdl.ntheta)
    npar = K.shape[1]
    T, P = mdl.T, len(mdl.I)
    df = ss.ngroups * (T + P) - npar
    if df < 0:
        raise ModelSpecError(f"the model has more free parameters ({npar}) than sample statistics "
                             f"({ss.ngroups * (T + P)}): it is not identified (df = {df})")
    warnings = list(ss.warnings)

    def start(strategy):
        sv = start_values(table, spec.ov_names, spec.lv_names, list(ss.cor),
                          [np.zeros(mdl.p)] * ss.ngroups, strategy)
        ops = table["op"]
        for g in range(ss.ngroups):
            rows = mdl.groups[g]["th_rows"]
            sv[rows] = np.where(free[rows] >= 0, ss.th[g], sv[rows])
        sv[(ops == "~*~") & (free >= 0)] = 1.0
        th = np.zeros(mdl.ntheta)
        for k in np.flatnonzero(free >= 0)[::-1]:
            th[free[k]] = sv[k]
        return th

    best = None
    for strategy in ("moments", "simple"):
        theta, F, conv, iters = fit_dwls(mdl, ss, start(strategy), max_iter=max_iter, K=K, theta0=theta0)
        if best is None or (conv and not best[2]) or (conv == best[2] and F < best[1]):
            best = (theta, F, conv, iters, strategy)
        if conv:
            break
    theta, F, converged, iterations, strategy = best
    if std_lv:
        theta = _reflect_factors(table, spec.lv_names, theta)
    if not converged:
        warnings.append("the optimiser did not converge; estimates are not trustworthy")
    mom = mdl.moments(theta)
    chisq = float(F)
    E = K.T @ _information(mdl, ss, mom) @ K
    N = ss.ntotal
    vcov = None
    evals = np.linalg.eigvalsh(E) if npar else np.array([1.0])
    if npar and evals[0] <= 1e-10 * max(evals[-1], 1e-300):
        warnings.append("the model is not identified: the information matrix is singular; standard errors "
                        "are not available")
        Einv = K @ np.linalg.pinv(E) @ K.T
    else:
        # with equality constraints: K (K' E K)^-1 K' (= lavaan's augmented inverse)
        Einv = K @ np.linalg.inv(E) @ K.T if npar else np.zeros((mdl.ntheta, mdl.ntheta))
        if se != "none":
            vcov = robust_vcov(mdl, ss, mom, Einv) if est_name == "WLSMV" else Einv / (N - ss.ngroups)
    vals = mom[0]["vals"]
    table["est"] = vals
    se_rows = np.zeros(len(vals))
    fr = free >= 0
    se_rows[fr] = np.sqrt(np.clip(np.diag(vcov)[free[fr]], 0, None)) if vcov is not None else np.nan
    table["se"] = se_rows
    Cs = [m["C"] for m in mom]
    # catML (robust CFI/RMSEA) exists in lavaan unless an equality constraint involves the
    # thresholds or intercepts it removes (lavaan then fails and reports NA)
    labels = np.asarray(table["label"])
    ops = np.asarray(table["op"])
    shared = {}
    for k in np.flatnonzero(fr):
        shared.setdefault(free[k], []).append(k)
    catml_ok = not any(len(ks) > 1 and any(ops[k] in ("|", "~1") for k in ks) for ks in shared.values())
    catml_ok &= not any(ops[k] in ("|", "~1") for k, lab in enumerate(labels) if lab in con_labels)
    npar_catml = len({free[k] for k in np.flatnonzero(fr) if ops[k] not in ("|", "~1")}) - (mdl.ntheta - npar)
    for k in np.flatnonzero((ops == "~~") & (np.asarray(table["lhs"]) == np.asarray(table["rhs"]))):
        if vals[k] < 0:
            kind = "latent" if table["lhs"][k] in spec.lv_names else "residual"
            gtxt = f" (group {ss.group_labels[table['group'][k] - 1]})" if ss.ngroups > 1 else ""
            warnings.append(f"Heywood case: negative {kind} variance {table['lhs'][k]} ~~ {table['lhs'][k]} = "
                            f"{vals[k]:.4g}{gtxt}")
    if ss.dropped_rows:
        warnings.insert(0, f"{len(ss.dropped_rows)} of {ss.n_input_rows} rows excluded by listwise deletion "
                           "(missing values); see result.dropped")
    names = theta_names(table, free, mdl.ntheta)

    def values_of(th):
        v = mdl.values(th)
        out = {}
        for k, lab in enumerate(labels):
            if lab and lab not in out:
                out[lab] = v[k]
        for name, expr in spec.definitions:
            out[name] = expr.evaluate(out)
        return out

    lazy = {
        "fit_measures": _single_threaded(lambda: _fit_measures(mdl, ss, mom, chisq, df, npar, Einv,
                                                               est_name == "WLSMV", npar_catml, catml_ok)),
        "params": _single_threaded(lambda: _params_table(spec, table, vals, vcov, theta, Cs, ss, values_of)),
        "r2": lambda: r_square(spec, table, Cs, ss),
    }
    opts = dict(std_lv=std_lv, group=group, group_equal=group_equal, missing=missing, estimator=est_name,
                ordered=tuple(spec.ordered), se=se, max_iter=int(max_iter), version=__version__,
                parameterization="delta", test="scaled.shifted" if est_name == "WLSMV" else "standard")
    extra = dict(start_strategy=strategy, fmin=chisq / (2 * N),
                 thresholds={lab: pd.Series(th, index=_th_names(spec.ov_names, ss.nlevels))
                             for lab, th in zip(ss.group_labels, ss.th)},
                 levels=dict(zip(spec.ov_names, ss.levels)),
                 nacov={lab: G for lab, G in zip(ss.group_labels, ss.gamma)})
    return SemResult(lazy=lazy, warnings=tuple(warnings), converged=bool(converged), iterations=int(iterations),
                     nobs=tuple(ss.nobs), group_labels=ss.group_labels, estimator=est_name, options=opts,
                     dropped_rows=tuple(ss.dropped_rows), table=table, ov_names=tuple(spec.ov_names),
                     sample_covs=tuple(ss.cor), implied_covs=tuple(m["Sigma_star"] for m in mom),
                     vcov_theta=vcov, theta_names=tuple(names), _modindices=None, extra=extra)


def _reflect_factors(table, lv_names, theta):
    """With ``std_lv`` a factor's sign is arbitrary; lavaan's start values make the first
    loading positive. Reflect every factor whose first (group 1) loading is negative: negate its
    loadings, its covariances and regressions with other variables and its mean (the fit is
    unchanged)."""
    theta = theta.copy()
    free = np.asarray(table["free"]) - 1
    ops, lhs, rhs, grp = (np.asarray(table[c]) for c in ("op", "lhs", "rhs", "group"))
    ust = np.asarray(table["ustart"], float)
    for f in lv_names:
        first = np.flatnonzero((ops == "=~") & (lhs == f) & (grp == 1))
        if not len(first) or free[first[0]] < 0 or theta[free[first[0]]] >= 0:
            continue
        rows = np.flatnonzero(((ops == "=~") & (lhs == f)) | ((ops == "~1") & (lhs == f))
                              | (np.isin(ops, ["~~", "~"]) & ((lhs == f) ^ (rhs == f))))
        fixed_nonzero = [k for k in rows if free[k] < 0 and np.isfinite(ust[k]) and ust[k] != 0]
        if fixed_nonzero:
            continue
        idx = np.unique(free[rows][free[rows] >= 0])
        theta[idx] = -theta[idx]
    return theta


def _th_names(ov_names, nlevels):
    return [f"{v}|t{k}" for v, K in zip(ov_names, nlevels) for k in range(1, K)]


def _params_table(spec, table, vals, vcov, theta, Cs, ss, values_of):
    """lavaan's ``parameterEstimates(fit, standardized = TRUE)`` incl. ``|`` and ``~*~`` rows."""
    ops = np.asarray(table["op"])
    lhs, rhs = np.asarray(table["lhs"]), np.asarray(table["rhs"])
    grp = np.asarray(table["group"])
    names = list(spec.ov_names) + list(spec.lv_names)
    sd = {g + 1: dict(zip(names, np.sqrt(np.clip(np.diag(C), 0, None)))) for g, C in enumerate(Cs)}
    std_lv = standardize_rows(lhs, ops, rhs, grp, vals, sd, spec.lv_names, "std.lv")
    std_all = standardize_rows(lhs, ops, rhs, grp, vals, sd, spec.lv_names, "std.all")
    dl = ops == "~*~"
    std_lv[dl] = vals[dl]
    std_all[dl] = [vals[k] * sd[grp[k]][lhs[k]] for k in np.flatnonzero(dl)]
    return parameter_estimates(table, vals, np.asarray(table["se"], float), std_lv, std_all,
                               definitions=spec.definitions, values_of=values_of, theta=theta, vcov=vcov,
                               ngroups=ss.ngroups, ops=("=~", "~", "~~", "~1", "|", "~*~"))


