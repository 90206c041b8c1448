"""Internal consistency of a scale: coefficient alpha and item statistics (psych::alpha), omega
hierarchical and total via Schmid–Leiman (psych::omega). (Composite reliability and AVE from a
CFA are in :mod:`loyaltyscope.psychometrics.composite_reliability`; HTMT and Fornell–Larcker
in :mod:`loyaltyscope.psychometrics.validity`.)

Formulas (C = item covariance matrix, R = cov2cor(C), k items):

- raw alpha = k/(k-1) (1 - tr C / 1ᵀC1); standardized alpha = k/(k-1) (1 - k / 1ᵀR1);
  average r = (1ᵀR1 - k)/(k(k-1)); Guttman's λ6 = 1 - (k - Σ smc)/1ᵀR1; S/N = k r̄/(1 - r̄);
  ASE = sqrt(Q/n) with Duhachek & Iacobucci's (2004) Q (Hattori's correction, as psych).
- per item: r_drop (corrected item-total) = (C_i·1 - C_ii)/sqrt(C_ii · 1ᵀC_{-i}1); raw_r =
  correlation with the mean score; std_r = (R1)_i/sqrt(1ᵀR1); r_cor = the same with SMCs on
  the diagonal; alpha if deleted = alpha of C_{-i} (psych's ``alpha.drop``).
- ``check_keys`` (psych ``check.keys = TRUE``): the items whose loading on the first principal
  component of R (signed so that its loadings sum positive, as ``psych::principal``) is
  negative are reversed; if there are any, they replace ``reverse``, as in psych.
- Feldt's interval: 1 - (1 - α) F_{1-p/2; n-1, (n-1)(k-1)} .. 1 - (1 - α) F_{p/2; ...}
  (psych ``alpha.ci``); bootstrap: percentile interval of raw alpha over row resamples. With a
  correlation matrix, n is ``nobs``; psych 2.2.9 passes the number of *items* as n there (its
  ``nsub`` is the matrix's row count), an interval we do not reproduce.
- psych computes C as ``cov(x, use = "pairwise")`` — kept as the default (``use="pairwise"``).
- an item without variance is left out of C and of the item statistics but counted in the total
  score at its one value (psych: "deleted but still is counted in the score"; psych takes the
  value from the first row, 0 when that row is missing — we take the item's value).
- omega (psych::omega): an orthogonal (varimax) solution, oblimin on it, a one-factor
  solution of the factor correlations gives g loadings of the group factors, the
  Schmid–Leiman transformation gives general loadings g_i and group loadings;
  ω_h = (Σ g_i)²/1ᵀR1, ω_t = (1ᵀR1 - Σ u²_i)/1ᵀR1.
- scale: covariances are computed on columns divided by powers of two (exact) and the raw
  quantities rebuilt from them, so an item recorded as 1e-300 × its answers neither underflows
  to a zero variance nor breaks the SVD of the SMCs; a pairwise covariance matrix that is not
  positive definite (no data set could produce it) is named on ``.warnings``.

References: Cronbach (1951); Guttman (1945); Feldt, Woodruff & Salih (1987); Duhachek &
Iacobucci (2004); McDonald (1999); Schmid & Leiman (1957); Zinbarg, Revelle, Yovel & Li
(2005).

R equivalents: ``psych::alpha(x)``, ``psych::omega(x, nfactors = 3)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from loyaltyscope.numerics.display import ResultProtocol
from loyaltyscope.psychometrics import correlations as corr
from loyaltyscope.psychometrics.exploratory import efa as _efa, extract_minres, extract_ml, extract_pa
from loyaltyscope.psychometrics.itemdata import (ItemDataError, PsychometricWarning, correlation_input, emit,
                                                 item_matrix, nonpositive_definite_items, prepare_correlations,
                                                 quiet_emission)
from loyaltyscope.psychometrics.rotation import OBLIQUE, canonical_rotation, rotate

__all__ = ["alpha", "AlphaResult", "omega", "OmegaResult", "alpha_from_cov", "feldt_interval"]


# ---- numeric cores ----------------------------------------------------------------------------------

def alpha_from_cov(C: np.ndarray, R: np.ndarray | None = None) -> dict:
    """psych's ``alpha.1``: raw and standardized alpha, λ6, average and median r, S/N, Q."""
    if R is None:
        R = corr.cov2cor(C)
    n = C.shape[0]
    sC = C.sum()
    trC = np.trace(C)
    raw = (1 - trC / sC) * n / (n - 1)
    sumR = R.sum()
    std = (1 - n / sumR) * n / (n - 1)
    g6 = 1 - (n - corr.smc(R).sum()) / sumR
    av_r = (sumR - n) / (n * (n - 1))
    lower = R[np.tril_indices(n, -1)]
    CC = C @ C
    Q = (2 * n ** 2 / ((n - 1) ** 2 * sC ** 3)) * (sC * (np.trace(CC) + trC ** 2) - 2 * (trC * CC.sum()))
    return {"raw_alpha": raw, "std_alpha": std, "g6": g6, "average_r": av_r, "s_n": n * av_r / (1 - av_r),
            "median_r": float(np.median(lower)), "var_r": float(np.var(lower, ddof=1)) if lower.size > 1 else np.nan,
            "Q": Q}


def feldt_interval(alpha_value: float, nobs: float, n_items: int, p: float = 0.05) -> tuple[float, float]:
    """Feldt's confidence interval of alpha (psych ``alpha.ci``)."""
    d1, d2 = nobs - 1, (nobs - 1) * (n_items - 1)
    low = 1 - (1 - alpha_value) * stats.f.ppf(1 - p / 2, d1, d2)
    high = 1 - (1 - alpha_value) * stats.f.ppf(p / 2, d1, d2)
    return float(low), float(high)


def _scaled_cov(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairwise covariances C = Cs ∘ d dᵀ as ``(Cs, d)`` with d relative powers of two (max 1)."""
    cs, d = corr.pairwise_cov(x, scaled=True)
    return cs, d / d.max()


def _rebuild(cs: np.ndarray, d: np.ndarray) -> np.ndarray:
    with np.errstate(under="ignore"):
        return cs * np.outer(d, d)


def _row_means(x: np.ndarray) -> np.ndarray:
    """Mean of each row's answers (psych: ``rowMeans(x, na.rm = TRUE)``); NaN for a row without
    any answer, without numpy's empty-slice warning."""
    n = (~np.isnan(x)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, np.nansum(x, axis=1) / np.maximum(n, 1), np.nan)


def _sd(x: np.ndarray) -> np.ndarray:
    """Column standard deviations (ddof 1, NaN ignored) without under- or overflow."""
    dev = x - np.nanmean(x, axis=0)
    s = corr.power_of_two_scales(dev)
    return np.nanstd(dev / s, axis=0, ddof=1) * s


# ---- alpha ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AlphaResult(ResultProtocol):
    """Coefficient alpha with item statistics (psych ``alpha``).

    Attributes
    ----------
    raw_alpha, std_alpha, g6, average_r, median_r, s_n, ase : float
        Scale statistics (psych's ``$total``); ``mean``, ``sd`` of the mean score.
    item_stats : DataFrame (index item)
        ``n``, ``raw_r``, ``std_r``, ``r_cor``, ``r_drop``, ``mean``, ``sd``,
        ``alpha_if_deleted``, ``std_alpha_if_deleted``, ``average_r_if_deleted``; items without
        variance have NaN rows (see ``warnings``).
    ci : DataFrame
        ``lower``, ``upper`` of the Feldt interval and, with ``n_boot``, the bootstrap interval.
    nobs : int
        Respondents (rows used).
    """

    raw_alpha: float
    std_alpha: float
    g6: float
    average_r: float
    median_r: float
    s_n: float
    ase: float
    mean: float
    sd: float
    item_stats: pd.DataFrame
    ci: pd.DataFrame
    nobs: int
    n_items: int
    use: str
    n_boot: int = 0
    seed: int | None = None
    reversed_items: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())

    @property
    def title(self) -> str:
        return f"Coefficient alpha ({self.n_items} items, n = {self.nobs}, {self.use} covariances)"

    @property
    def feldt(self) -> tuple[float, float]:
        return float(self.ci.loc["feldt", "lower"]), float(self.ci.loc["feldt", "upper"])

    @property
    def bootstrap(self) -> tuple[float, float] | None:
        if "bootstrap" not in self.ci.index:
            return None
        return float(self.ci.loc["bootstrap", "lower"]), float(self.ci.loc["bootstrap", "upper"])

    def _headline(self) -> list[str]:
        return [f"raw alpha = {self.raw_alpha:.3f}   std alpha = {self.std_alpha:.3f}   G6(smc) = {self.g6:.3f}   "
                f"average r = {self.average_r:.3f}   S/N = {self.s_n:.2f}   ase = {self.ase:.3f}   "
                f"mean = {self.mean:.2f}   sd = {self.sd:.2f}"]

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"confidence intervals of raw alpha": self.ci, "item statistics": self.item_stats}


def first_component_negative(R: np.ndarray) -> np.ndarray:
    """Mask of the items loading negatively on the first principal component of R, the
    component signed so that its loadings sum positive (psych ``principal``; ``check.keys``)."""
    _, v = np.linalg.eigh(R)
    v1 = v[:, -1]
    return (v1 if v1.sum() >= 0 else -v1) < 0


def _checked_keys(items, reverse) -> tuple[list[str], list[str]]:
    """psych's ``check.keys``: the items to reverse (replacing ``reverse``) and the warnings."""
    if corr.is_matrix_input(items):
        R, names = correlation_input(items, context="alpha")
        names = list(names)
    else:
        m = item_matrix(items, context="alpha")
        keep = [j for j, nm in enumerate(m.names) if nm not in m.constant]
        names = [m.names[j] for j in keep]
        R = corr.pairwise_cor(m.x[:, keep])[0]
    if np.isnan(R).any():
        return list(reverse or ()), []         # undefined correlations: reported by alpha itself
    found = [names[i] for i in np.nonzero(first_component_negative(R))[0]]
    if not found:                               # psych: keys are replaced only when an item loads negatively
        return list(reverse or ()), []
    warns = [f"check_keys: {', '.join(found)} loaded negatively on the first principal component and were "
             f"reversed (psych: 'automatically reversed')"]
    if reverse is not None and sorted(reverse) != sorted(found):
        warns.append(f"check_keys replaced reverse={list(reverse)} by {found} (as psych's check.keys replaces keys)")
    return found, warns


def _alpha_items(items, reverse):
    """Validated item matrix, reverse-keyed as psych's ``keys``: ``(m, x, reversed)``."""
    m = item_matrix(items, context="alpha")
    names = list(m.names)
    x = m.x.copy()
    rev = tuple(reverse or ())
    unknown = [r for r in rev if r not in names]
    if unknown:
        raise ItemDataError([(u, f"reverse: item {u!r} is not a column of the data") for u in unknown], "alpha")
    if rev:
        adjust = np.nanmax(x) + np.nanmin(x)
        for r in rev:
            x[:, names.index(r)] = adjust - x[:, names.index(r)]
    return m, x, rev


def _alpha_drops(cs, d, R) -> list[tuple[float, float, float]]:
    """(raw alpha, std alpha, average r) with each item left out (psych's ``alpha.drop``), from
    scaled covariances ``cs`` and scales ``d`` (the rest rescaled to its own largest scale)."""
    k = cs.shape[0]
    if k == 2:
        return [(cs[0, 1] / cs[1, 1] * (d[0] / d[1]), R[0, 1], R[0, 1]),
                (cs[0, 1] / cs[0, 0] * (d[1] / d[0]), R[0, 1], R[0, 1])]
    out = []
    for i in range(k):
        s = np.delete(np.arange(k), i)
        a = alpha_from_cov(_rebuild(cs[np.ix_(s, s)], d[s] / d[s].max()), R[np.ix_(s, s)])
        out.append((a["raw_alpha"], a["std_alpha"], a["average_r"]))
    return out


def _r_drop(cs, d) -> np.ndarray:
    """Corrected item-total correlations from scaled covariances (scale-free in every item)."""
    k = cs.shape[0]
    out = np.empty(k)
    for i in range(k):
        s = np.delete(np.arange(k), i)
        ds = d[s] / d[s].max()
        with np.errstate(invalid="ignore"):        # NaN for a non-positive-definite matrix (warned)
            out[i] = (cs[i, s] @ ds) / np.sqrt(cs[i, i] * (ds @ cs[np.ix_(s, s)] @ ds))
    return out


def _item_statistics(xk, cs, d, R, names) -> pd.DataFrame:
    k = len(names)
    Vt = R.sum()
    RC = R.copy()
    np.fill_diagonal(RC, corr.smc(R))
    with np.errstate(invalid="ignore"):
        r_cor = RC.sum(axis=0) / np.sqrt(RC.sum())
    total = _row_means(xk)
    raw_r = corr.pairwise_cor(np.column_stack([total, xk]))[0][0, 1:]
    drops = _alpha_drops(cs, d, R)
    return pd.DataFrame({
        "n": (~np.isnan(xk)).sum(axis=0), "raw_r": raw_r, "std_r": R.sum(axis=0) / np.sqrt(Vt), "r_cor": r_cor,
        "r_drop": _r_drop(cs, d), "mean": np.nanmean(xk, axis=0), "sd": _sd(xk),
        "alpha_if_deleted": [t[0] for t in drops], "std_alpha_if_deleted": [t[1] for t in drops],
        "average_r_if_deleted": [t[2] for t in drops]}, index=list(names)[:k])


def _alpha_intervals(raw, xk, nsub, k, ci, n_boot, seed) -> pd.DataFrame:
    p = 1 - ci
    rows = {"feldt": feldt_interval(raw, nsub, k, p)}
    if n_boot and n_boot > 0:
        rng = np.random.default_rng(seed)
        boots = np.empty(int(n_boot))
        for b in range(int(n_boot)):
            C = _rebuild(*_scaled_cov(xk[rng.integers(0, nsub, nsub)]))
            boots[b] = (1 - np.trace(C) / C.sum()) * k / (k - 1)
        boots = boots[np.isfinite(boots)]
        rows["bootstrap"] = (float(np.quantile(boots, p / 2)), float(np.quantile(boots, 1 - p / 2)))
    return pd.DataFrame(rows, index=["lower", "upper"]).T


def _not_pd_warning(R, names, what: str) -> list[str]:
    bad = nonpositive_definite_items(R, list(names))
    if not bad:
        return []
    return [f"the {what} of the items is not positive definite (no set of respondents could produce it; items "
            f"involved: {', '.join(bad)}): alpha, r_drop and the SMC-based statistics (G6, r_cor) come from an "
            f"impossible matrix (NaN where a variance of the rest is negative) — compare with use='listwise'"]


@corr.small_blas
def alpha(items, *, use: str = "pairwise", reverse=None, check_keys: bool = False, n_boot: int = 0,
          seed: int | None = None, ci: float = 0.95, nobs: int | None = None) -> AlphaResult:
    """Coefficient alpha and item statistics, as ``psych::alpha``.

    Parameters
    ----------
    items : DataFrame
        Item responses (rows respondents, NaN missing), already reverse-keyed unless
        ``reverse`` is given.
    use : {"pairwise", "listwise"}
        Covariances from pairwise-complete data (psych's default) or complete rows only.
    reverse : list of str, optional
        Items to reverse-key as (max + min) - x, max and min over all items (psych ``keys``).
    check_keys : bool
        Reverse the items that load negatively on the first principal component instead
        (psych ``check.keys = TRUE``; when some item loads negatively, replaces ``reverse``, as in
        psych).
    n_boot, seed : int
        Bootstrap resamples of rows for a percentile interval of raw alpha (0: none).
    ci : float
        Coverage of the intervals (Feldt and bootstrap).
    nobs : int, optional
        Respondents, when ``items`` is a correlation matrix (for Feldt's interval and the ASE);
        then raw = standardized alpha and the statistics that need raw data are NaN.

    Returns
    -------
    AlphaResult
        ``.raw_alpha``, ``.std_alpha``, ``.item_stats`` (``r_drop``, ``alpha_if_deleted``, ...).

    Examples
    --------
    >>> a = ls.alpha(bfi[["A1", "A2", "A3", "A4", "A5"]], reverse=["A1"])   # doctest: +SKIP

    R equivalent: ``psych::alpha(x)`` (``keys = c("A1")`` for ``reverse``, ``check.keys = TRUE`` for
    ``check_keys``).
    """
    if use not in ("pairwise", "listwise"):
        raise ValueError(f"use={use!r}: expected 'pairwise' or 'listwise'")
    key_warns: list[str] = []
    if check_keys:
        reverse, key_warns = _checked_keys(items, reverse)
    if corr.is_matrix_input(items):
        return _alpha_from_matrix(items, nobs, reverse, ci, key_warns)
    m, x, rev = _alpha_items(items, reverse)
    names = list(m.names)
    keep = [j for j, nm in enumerate(names) if nm not in m.constant]
    warns = key_warns + [f"item {nm!r} has no variance (a single response category); it was left out of alpha and its "
             f"statistics are NaN" for nm in m.constant]
    if len(keep) < 2:
        raise ItemDataError([(None, f"alpha needs at least two items with variance; usable: "
                                    f"{[names[j] for j in keep]}")], "alpha")
    kept = [names[j] for j in keep]
    xk = x[:, keep]
    if use == "listwise":
        xk = corr.listwise(xk)
        if xk.shape[0] < 2:
            raise ItemDataError([(None, f"only {xk.shape[0]} complete row(s) of {m.n_rows} for listwise deletion "
                                        f"(at least 2 needed)")], "alpha")
    nsub, k = xk.shape
    cs, d = _scaled_cov(xk)
    if np.isnan(cs).any():
        i, j = np.argwhere(np.isnan(cs))[0]
        raise ItemDataError([(kept[i], f"items {kept[i]!r} and {kept[j]!r} have fewer than two rows in common; their "
                                       f"covariance is undefined")], "alpha")
    if nsub <= k:
        warns.append(f"{nsub} respondents but {k} items: the covariance matrix is singular; alpha is computed, but "
                     f"the SMC-based statistics (G6, r_cor) use a pseudo-inverse")
    C, R = _rebuild(cs, d), corr.cov2cor(cs)
    if nsub > k:
        warns += _not_pd_warning(R, kept, f"{use} covariance matrix")
    tot = alpha_from_cov(C, R)
    item_stats = _item_statistics(xk, cs, d, R, kept).reindex(names)
    item_stats["n"] = item_stats["n"].fillna(0).astype(int) if use == "pairwise" else item_stats["n"]
    for nm in m.constant:
        v = x[:, names.index(nm)]
        item_stats.loc[nm, ["n", "mean", "sd"]] = [int((~np.isnan(v)).sum()), float(np.nanmean(v)), 0.0]
    neg = [nm for nm in kept if item_stats.loc[nm, "r_drop"] < 0]
    if neg:
        warns.append(f"negative corrected item-total (item-rest) correlation for {', '.join(neg)}: "
                     f"probably reverse-keyed items that were not reversed")
    total = _row_means(xk)
    if m.constant:                     # psych: "deleted but still counted in the score", at its one value
        values = [float(np.nanmax(x[:, names.index(nm)])) for nm in m.constant]
        total = (k * total + sum(values)) / (k + len(values))
    return AlphaResult(
        raw_alpha=float(tot["raw_alpha"]), std_alpha=float(tot["std_alpha"]), g6=float(tot["g6"]),
        average_r=float(tot["average_r"]), median_r=float(tot["median_r"]), s_n=float(tot["s_n"]),
        ase=float(np.sqrt(tot["Q"] / nsub)), mean=float(np.nanmean(total)), sd=float(_sd(total[:, None])[0]),
        item_stats=item_stats, ci=_alpha_intervals(tot["raw_alpha"], xk, nsub, k, ci, n_boot, seed),
        nobs=int(nsub), n_items=int(k), use=use, n_boot=int(n_boot or 0), seed=seed, reversed_items=rev,
        warnings=emit(warns, PsychometricWarning))


def _alpha_from_matrix(r, nobs, reverse, ci, key_warns=()) -> AlphaResult:
    """alpha of a correlation or covariance matrix (psych: ``C <- x``; raw alpha and r_drop from C,
    the standardized statistics from cov2cor(C))."""
    R, names = correlation_input(r, context="alpha")
    names = list(names)
    rev = tuple(reverse or ())
    unknown = [x for x in rev if x not in names]
    if unknown:
        raise ItemDataError([(u, f"reverse: item {u!r} is not in the correlation matrix") for u in unknown], "alpha")
    key = np.array([-1.0 if nm in rev else 1.0 for nm in names])
    cov = R if corr.is_correlation_matrix(r) else np.asarray(r, dtype=float)
    C, R = cov * np.outer(key, key), R * np.outer(key, key)
    k = len(names)
    tot = alpha_from_cov(C, R)
    drops = _alpha_drops(C, np.ones(k), R)
    RC = R.copy()
    np.fill_diagonal(RC, corr.smc(R))
    r_drop = np.array([(C[:, i].sum() - C[i, i]) / np.sqrt(C[i, i] * np.delete(np.delete(C, i, 0), i, 1).sum())
                       for i in range(k)])
    nan = np.full(k, np.nan)
    item_stats = pd.DataFrame({"n": nan, "raw_r": nan, "std_r": R.sum(0) / np.sqrt(R.sum()),
                               "r_cor": RC.sum(0) / np.sqrt(RC.sum()), "r_drop": r_drop, "mean": nan, "sd": nan,
                               "alpha_if_deleted": [d[0] for d in drops], "std_alpha_if_deleted": [d[1] for d in drops],
                               "average_r_if_deleted": [d[2] for d in drops]}, index=names)
    warns = list(key_warns) + _not_pd_warning(R, names, "correlation matrix")
    neg = [names[i] for i in range(k) if r_drop[i] < 0]
    if neg:
        warns.append(f"negative corrected item-total (item-rest) correlation for {', '.join(neg)}: "
                     f"probably reverse-keyed items that were not reversed")
    if nobs is None:
        warns.append("a correlation matrix without nobs: Feldt's interval and the ASE need the number of respondents")
        lo = hi = ase = np.nan
        n = 0
    else:
        n = int(nobs)
        lo, hi = feldt_interval(tot["raw_alpha"], n, k, 1 - ci)
        ase = float(np.sqrt(tot["Q"] / n))
    return AlphaResult(raw_alpha=float(tot["raw_alpha"]), std_alpha=float(tot["std_alpha"]), g6=float(tot["g6"]),
                       average_r=float(tot["average_r"]), median_r=float(tot["median_r"]), s_n=float(tot["s_n"]),
                       ase=ase, mean=np.nan, sd=np.nan, item_stats=item_stats,
                       ci=pd.DataFrame({"feldt": (lo, hi)}, index=["lower", "upper"]).T, nobs=n, n_items=k,
                       use="matrix", reversed_items=rev, warnings=emit(warns, PsychometricWarning))


# ---- omega (Schmid-Leiman) ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class OmegaResult(ResultProtocol):
    """McDonald's omega via the Schmid–Leiman transformation (psych ``omega``).

    ``loadings``: the Schmid–Leiman table (``g``, ``F1*``.., ``h2``, ``u2``, ``p2``), items
    keyed so that g loadings are positive; ``phi``: oblique factor correlations;
    ``group``: omega total / general / group per group factor (psych ``omega.group``).
    """

    omega_h: float
    omega_total: float
    alpha: float
    omega_limit: float
    g6: float
    ecv: float
    loadings: pd.DataFrame
    phi: pd.DataFrame
    group: pd.DataFrame
    n_factors: int
    method: str
    nobs: float
    reversed_items: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())

    @property
    def title(self) -> str:
        return f"Omega (Schmid-Leiman, {self.n_factors} group factors, {self.method})"

    def _headline(self) -> list[str]:
        return [f"omega_h = {self.omega_h:.3f}   omega_total = {self.omega_total:.3f}   alpha = {self.alpha:.3f}   "
                f"G6 = {self.g6:.3f}   omega_h/omega_t = {self.omega_limit:.3f}   ECV = {self.ecv:.3f}"]

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"Schmid-Leiman loadings": self.loadings, "omega by group factor": self.group}


def _schmid(R: np.ndarray, nf: int, method: str, rotation: str, warns: list, names=None):
    Rn = R if names is None else pd.DataFrame(R, index=list(names), columns=list(names))   # items named in warnings
    with quiet_emission():                                      # its messages are omega's, issued once by omega
        fa_v = _efa(Rn, nf, rotation="varimax", method=method)  # psych: fa(m, nfactors, rotate = "varimax")
    fit_only = ("a correlation matrix without nobs", "degrees of freedom: the model is saturated")   # not omega's
    warns.extend(w for w in fa_v.warnings if w not in warns and not any(f in w for f in fit_only))
    orth = fa_v.loadings.to_numpy()
    if nf == 1:
        fload, phi = orth, np.eye(1)
        gload = np.array([1.0])
        warns.append("omega_h is not meaningful with one factor; report omega_total (psych says the same)")
    else:
        rr = rotate(orth, rotation)
        fload, phi = rr.loadings, rr.phi
        if nf > 2:
            if method == "ml":
                Lg = extract_ml(phi, 1)[0]
            elif method == "pa":
                Lg = extract_pa(phi, 1)[0]
            else:
                Lg = extract_minres(phi, 1)[0]      # psych: fa(Phi, fm = fm), one factor
            gload = Lg[:, 0] if Lg.sum() >= 0 else -Lg[:, 0]
        else:
            r12 = phi[0, 1]
            gload = np.array([np.sqrt(abs(r12)), np.sign(r12) * np.sqrt(abs(r12))])
            warns.append("three factors are required for identification; with two, the general factor loadings are "
                         "set equal (psych option 'equal')")
    g = fload @ gload
    h2 = (orth * orth).sum(axis=1)
    u2 = np.diag(R) - h2
    uniq2 = np.clip(fload ** 2 - (fload * gload) ** 2, 0, None)
    sm = np.sign(fload) * np.sqrt(uniq2)
    return g, sm, h2, u2, phi


def _omega_groups(R, g, sm, om_tot, Vt, fn) -> pd.DataFrame:
    """Omega total / general / group per group factor (psych ``omega.group``)."""
    k = sm.shape[1]
    sub = np.argmax(np.abs(sm), axis=1)
    rows = {"g": (om_tot, g.sum() ** 2 / Vt, np.nan)}
    grs = 0.0
    for grp in range(k):
        idx = np.nonzero(sub == grp)[0]
        if idx.size == 0:
            rows[fn[grp]] = (np.nan, np.nan, np.nan)
            continue
        Vgr = R[np.ix_(idx, idx)].sum()
        gr = sm[idx, grp].sum()
        grs += gr ** 2
        rows[fn[grp]] = ((gr ** 2 + g[idx].sum() ** 2) / Vgr, g[idx].sum() ** 2 / Vgr, gr ** 2 / Vgr)
    rows["g"] = (om_tot, g.sum() ** 2 / Vt, grs / Vt)
    group = pd.DataFrame(rows, index=["total", "general", "group"]).T
    return group


@corr.small_blas
def omega(data, n_factors: int = 3, method: str = "minres", rotation: str = "oblimin", *, use: str = "pairwise",
          flip: bool = True) -> OmegaResult:
    """Omega hierarchical and total via Schmid–Leiman, as ``psych::omega``.

    Parameters
    ----------
    data : DataFrame or correlation matrix
    n_factors : int
        Group factors (psych ``nfactors``, default 3).
    method : {"minres", "ml", "pa"}
        Factor extraction (psych ``fm``).
    rotation : str
        Oblique rotation of the group factors (psych ``rotate``: ``oblimin``, ``promax``,
        ``geominQ``, ...).
    flip : bool
        Reverse-key items with negative general loadings (psych ``flip``).

    Returns
    -------
    OmegaResult
        ``.omega_h``, ``.omega_total``, ``.loadings`` (Schmid–Leiman).

    R equivalent: ``psych::omega(x, nfactors = 3, fm = "minres")``.
    """
    if canonical_rotation(rotation) not in OBLIQUE:
        raise ValueError(f"rotation={rotation!r}: omega's Schmid-Leiman transformation needs an oblique rotation, one "
                         f"of {', '.join(OBLIQUE)} (psych's schmid() knows no orthogonal one)")
    ci = prepare_correlations(data, use=use, context="omega")
    R = ci.r.copy()
    names = list(ci.names)
    warns = list(ci.warnings)
    p = len(names)
    if method == "ml" and p < 6:
        warns.append(f"{n_factors} factors are too many for {p} items with ML; minres used instead (as psych)")
        method = "minres"
    g, sm, h2, u2, phi = _schmid(R, int(n_factors), method, rotation, warns, names)
    key = np.ones(p)
    if flip:
        key = np.sign(g)
        key[key == 0] = 1
        if key.sum() < p:
            R = R * np.outer(key, key)
            g = g * key
            sm = sm * key[:, None]
    rev = tuple(names[i] for i in range(p) if key[i] < 0)
    Vt = R.sum()
    Vitem = np.trace(R)
    gsq = g.sum() ** 2
    uniq = u2.sum()
    om_tot = (Vt - uniq) / Vt
    alpha_v = ((Vt - Vitem) / Vt) * p / (p - 1)
    g6 = (Vt + corr.smc(R).sum() - Vitem) / Vt
    sl = np.column_stack([g, sm])
    ev = (sl ** 2).sum(axis=0)
    fn = [f"F{j + 1}*" for j in range(sm.shape[1])]
    table = pd.DataFrame(sl, index=[n + ("-" if key[i] < 0 else "") for i, n in enumerate(names)], columns=["g"] + fn)
    table["h2"] = h2
    table["u2"] = u2
    table["p2"] = g ** 2 / h2
    group = _omega_groups(R, g, sm, om_tot, Vt, fn)
    fnames = [f"F{j + 1}" for j in range(phi.shape[0])]
    if rev:
        warns.append(f"items with negative general-factor loadings were reverse-keyed for omega: {', '.join(rev)}")
    return OmegaResult(omega_h=float(gsq / Vt), omega_total=float(om_tot), alpha=float(alpha_v),
                       omega_limit=float(gsq / (Vt - uniq)), g6=float(g6), ecv=float(ev[0] / ev.sum()),
                       loadings=table, phi=pd.DataFrame(phi, index=fnames, columns=fnames), group=group,
                       n_factors=int(n_factors), method=method, nobs=ci.nobs, reversed_items=rev,
                       warnings=emit(warns, PsychometricWarning))


