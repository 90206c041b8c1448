"""Sample statistics of ordinal (Likert) items, as lavaan 0.6-14: categories, thresholds,
polychoric correlations and their asymptotic covariance matrix (NACOV).

The stages of ``ls.sem(model, data, ordered=[...])`` before estimation (the estimator is
:mod:`loyaltyscope.cbsem.estimators.dwls`, its tests :mod:`loyaltyscope.cbsem.ordinal_tests`):

1. **Categories.** Each ordered column's categories are its sorted distinct values in the whole
   data frame (or the categories of an ordered pandas ``Categorical``), as R's ``ordered()``;
   every category must occur in every group (lavaan's rule), else a :class:`DataError` names
   the group, the variable and the frequencies.
2. **Thresholds** (one-way margins): ``tau_k = Phi^-1(P(y <= k))`` per group.
3. **Polychoric correlations** given the thresholds (two-step ML, Olsson 1979): per pair,
   ``max_rho sum_ab n_ab log pi_ab(rho)`` with ``pi_ab`` rectangle probabilities of the
   bivariate normal (:mod:`loyaltyscope.numerics.bivariate_normal`), all pairs at once by
   Newton steps (``lav_bvord_cor_twostep_fit``; a 2 x 2 table with one empty cell gets 0.5
   added keeping the margins, as lavaan's ``zero.add = c(0.5, 0)``).
4. **NACOV** (Muthen, 1984; ``lav_muthen1984.R``): with casewise scores ``s_i`` of the
   univariate threshold likelihoods and ``r_ij`` of the bivariate rho likelihoods,
   ``INNER = SC' SC``, ``A11`` = the per-variable blocks of INNER, ``A22 = diag(sum r_ij^2)``,
   ``A21 = sum r_ij * d l_ij / d tau`` and ``Gamma = n B^-1 INNER B^-T`` with
   ``B^-1 = [[A11^-1, 0], [-A22^-1 A21 A11^-1, A22^-1]]``.

``missing="pairwise"`` (lavaan's ``missing = "pairwise"``): rows with every item missing are
left out (lavaan: "some cases are empty and will be ignored"; listed in ``dropped_rows``);
the thresholds of an item come from the rows where it is observed, a polychoric from the rows
where both items are; in the NACOV a missing value's score is 0 (lavaan's
``lav_matrix_crossprod`` sums over the available products) and n is the number of rows kept.

The thresholds, polychorics and NACOV are written here rather than taken from a library
because no Python package computes lavaan's two-step estimates and Muthen's NACOV.

R equivalent: ``lavInspect(fit, "sampstat")`` (thresholds, polychorics),
``lavInspect(fit, "gamma")``.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import pi, sqrt

import numpy as np
import pandas as pd
from scipy import special

from loyaltyscope.cbsem.samplestats import DataError
from loyaltyscope.numerics.bivariate_normal import bvn_cdf, bvn_pdf, norm_cdf as _ncdf, norm_pdf as _npdf
from loyaltyscope.numerics.threads import one_blas_thread as _one_blas_thread

__all__ = ["bvn_cdf", "bvn_pdf", "univariate_thresholds", "polychoric_pairs", "muthen1984_nacov",
           "ordinal_sample_stats", "OrdinalStats"]

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
    """(n, P) index of each case's cell in the flattened (P, kmax, kmax) pair tables; a pair
    with a missing value (code -1) gets the overflow index P * kmax^2 (counted nowhere)."""
    km = grid.kmax
    a, b = codes[:, grid.I], codes[:, grid.J]
    idx = np.arange(len(grid.I))[None, :] * (km * km) + a * km + b
    return np.where((a < 0) | (b < 0), len(grid.I) * km * km, idx)


def _pair_counts(cells: np.ndarray, P: int, km: int) -> np.ndarray:
    """(P, kmax, kmax) frequency tables from :func:`_cell_index` (missing pairs left out)."""
    return np.bincount(cells.ravel(), minlength=P * km * km + 1)[:P * km * km].reshape(P, km, km)


def muthen1984_nacov(codes: np.ndarray, ths: list[np.ndarray], rho: np.ndarray, grid: _PairGrid,
                     cells: np.ndarray | None = None) -> np.ndarray:
    """Asymptotic covariance matrix Gamma (= n * ACOV) of (thresholds, polychorics).

    ``codes`` (n, p) are 0-based categories (-1 = missing: that case's scores are 0, as
    lavaan's sums over the available products). Casewise scores: ``SC = [s_tau | r_rho]`` with
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
        T_v = _univariate_scores(ths[v])
        SC[:, off[v]:off[v + 1]] = np.vstack([T_v, np.zeros(T_v.shape[1])])[codes[:, v]]    # -1: zeros
    # bivariate: cell probabilities, rho scores and threshold scores per cell
    with np.errstate(divide="ignore", invalid="ignore"):
        pis, dp = _cell_probs(grid, rho, order=1)
    dp = np.where(np.isfinite(dp), dp, 0.0)
    ok = pis > _SQRT_EPS
    lik = np.where(ok, pis, 1.0)
    rtab = np.where(ok, dp / lik, 0.0)                       # (P, km, km)
    SC[:, T:] = np.append(rtab.ravel(), 0.0)[cells]
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
    freq = _pair_counts(cells, P, km)
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
    missing: str = "listwise"

    @property
    def exclusion_message(self) -> str:
        """One sentence on the excluded rows (empty when none), for the fit's warnings."""
        if not self.dropped_rows or self.missing != "pairwise":
            return ""
        return (f"{len(self.dropped_rows)} of {self.n_input_rows} rows excluded: every item missing (lavaan "
                "ignores such empty rows under missing='pairwise'); the excluded rows are kept with the results")

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


def _categories(data: pd.DataFrame, ov_names: list) -> tuple[np.ndarray, list]:
    """Step 1: category codes (n, p; -1 = missing) and the categories of every item."""
    problems, codes_all, levels = [], [], []
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
    return np.column_stack(codes_all), levels


def _groups_and_listwise(data, C, ov_names, group, missing="listwise"):
    """Group index per row, group labels, the rows kept and the dropped rows with reasons
    (``missing="pairwise"``: only rows with every item missing are dropped)."""
    if group is None:
        labels = ("",)
        gidx = np.zeros(len(data), int)
    else:
        codes, uniques = pd.factorize(data[group], sort=False)
        gidx = np.asarray(codes, int)
        labels = tuple(uniques)
    incomplete = (C < 0).all(axis=1) if missing == "pairwise" else (C < 0).any(axis=1)
    gmiss = gidx < 0
    dropped = []
    for i in np.flatnonzero(incomplete | gmiss):
        if gmiss[i]:
            reason = f"missing group ({group})"
        elif missing == "pairwise":
            reason = "every item missing: the row carries no information (lavaan ignores empty cases)"
        else:
            reason = "listwise deletion: missing " + ", ".join(ov_names[j] for j in np.flatnonzero(C[i] < 0))
        dropped.append((data.index[i], labels[gidx[i]] if gidx[i] >= 0 else None, reason))
    return gidx, labels, ~(incomplete | gmiss), dropped


def _thresholds(Cg, ov_names, levels, nlev, where, problems):
    """Step 2: thresholds of every item in one group (None if a category is empty)."""
    th_g = []
    for j, v in enumerate(ov_names):
        cnt = np.bincount(Cg[:, j][Cg[:, j] >= 0], minlength=nlev[j])
        if np.any(cnt == 0):
            empty = [repr(levels[j][k]) for k in np.flatnonzero(cnt == 0)]
            freqs = ", ".join(f"{levels[j][k]!r}: {cnt[k]}" for k in range(nlev[j]))
            problems.append(f"ordered variable {v!r} has an empty category {where}: "
                            f"value(s) {', '.join(empty)} never occur (frequencies {{{freqs}}}); "
                            "lavaan requires every category in every group - merge sparse categories "
                            "or drop the variable")
            continue
        th_g.append(univariate_thresholds(cnt))
    return th_g if len(th_g) == len(ov_names) else None


def _polychorics(Cg, th_g, grid, nlev, ov_names, gname, warns):
    """Step 3: the pair tables and the polychoric correlation of every pair in one group."""
    km = grid.kmax
    P = len(grid.I)
    cells = _cell_index(Cg, grid)
    freq = _pair_counts(cells, P, km).astype(float)
    n = freq.sum(axis=(1, 2))                  # rows per pair (pairwise complete)
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
    return rho, freq, cells


def ordinal_sample_stats(data: pd.DataFrame, ov_names, group: str | None = None,
                         missing: str = "listwise") -> OrdinalStats:
    """Categories, listwise (or pairwise) deletion, thresholds, polychorics and NACOV per group.

    Raises :class:`DataError` for an item with a single category, or a category that is empty
    in some group (lavaan: "some categories of variable ... are empty in group ..."); all
    problems of all groups are reported together.
    """
    ov_names = list(ov_names)
    C, levels = _categories(data, ov_names)
    gidx, labels, keep, dropped = _groups_and_listwise(data, C, ov_names, group, missing)
    nlev = [len(l) for l in levels]
    p = len(ov_names)
    problems, warns = [], []
    ths, cors, gammas, obs, vds, nobs, tables = [], [], [], [], [], [], []
    grid0 = None
    for g in range(len(labels)):
        Cg = C[keep & (gidx == g)]
        n = Cg.shape[0]
        gname = f" in group {labels[g]!r}" if group is not None else ""
        if n < 2:
            problems.append(f"only {n} complete row(s){gname}; at least 2 are needed")
            continue
        where = f"in group {labels[g]!r} ({group} = {labels[g]!r})" if group is not None else "in the data"
        th_g = _thresholds(Cg, ov_names, levels, nlev, where, problems)
        if th_g is None:
            continue
        if missing == "pairwise" and (Cg < 0).any() and not _pairwise_coverage(Cg, ov_names, gname, warns, problems):
            continue
        grid = grid0 = _pair_grid(th_g)
        rho, freq, cells = _polychorics(Cg, th_g, grid, nlev, ov_names, gname, warns)
        R = np.eye(p)
        R[grid.I, grid.J] = rho
        R[grid.J, grid.I] = rho
        with _one_blas_thread():
            G = muthen1984_nacov(Cg, th_g, rho, grid, cells)        # step 4
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
    th_var = np.repeat(np.arange(p), [k - 1 for k in nlev])
    return OrdinalStats(labels, tuple(nobs), tuple(nlev), tuple(levels), tuple(ths), th_var, tuple(cors),
                        tuple(gammas), tuple(obs), tuple(vds), (grid0.I, grid0.J), tuple(tables),
                        tuple(warns), tuple(dropped), len(data), missing)


def _pairwise_coverage(Cg: np.ndarray, ov_names, gname: str, warns: list, problems: list,
                       kinds=("thresholds", "polychoric correlations")) -> bool:
    """Under ``missing="pairwise"``: a note on the rows behind each statistic (fewest and most;
    ``Cg`` < 0 = missing); lavaan's warning when a pair is observed together in fewer than 10%
    of the rows; a problem (False) when a pair never is (its correlation has no data)."""
    obs = Cg >= 0
    per_item = obs.sum(axis=0)
    both = obs.T.astype(int) @ obs.astype(int)
    iu = np.triu_indices(len(ov_names), 1)
    q = int(np.argmin(both[iu]))
    warns.append(f"missing='pairwise'{gname}: {kinds[0]} from {per_item.min()}-{per_item.max()} observed rows "
                 f"per item (fewest: {ov_names[int(np.argmin(per_item))]}), {kinds[1]} from "
                 f"{both[iu].min()}-{both[iu].max()} pairwise-complete rows (fewest: {ov_names[iu[0][q]]} x "
                 f"{ov_names[iu[1][q]]}) of {len(Cg)}")
    never = [(ov_names[i], ov_names[j]) for i, j in zip(*iu) if both[i, j] == 0]
    if never:
        problems.append(f"items never observed together{gname} (0% pairwise coverage; their {kinds[1]} "
                        f"have no data): " + ", ".join(f"{a} x {b}" for a, b in never))
        return False
    low = [(ov_names[i], ov_names[j]) for i, j in zip(*iu) if both[i, j] < 0.1 * len(Cg)]
    if low:
        warns.append(f"pairs observed together in less than 10% of the rows{gname} (lavaan warns too): "
                     + ", ".join(f"{a} x {b} ({both[ov_names.index(a), ov_names.index(b)]})" for a, b in low))
    return True
