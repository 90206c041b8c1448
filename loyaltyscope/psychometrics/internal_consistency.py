"""Reliability and discriminant validity: coefficient alpha and item statistics (psych::alpha),
omega hierarchical and total via Schmid–Leiman (psych::omega), composite reliability and AVE
from a CFA (semTools::compRelSEM, semTools::AVE), HTMT (semTools::htmt), Fornell–Larcker.

Formulas (C = item covariance matrix, R = cov2cor(C), k items):

- raw alpha = k/(k-1) (1 - tr C / 1ᵀC1); standardized alpha = k/(k-1) (1 - k / 1ᵀR1);
  average r = (1ᵀR1 - k)/(k(k-1)); Guttman's λ6 = 1 - (k - Σ smc)/1ᵀR1; S/N = k r̄/(1 - r̄);
  ASE = sqrt(Q/n) with Duhachek & Iacobucci's (2004) Q (Hattori's correction, as psych).
- per item: r_drop (corrected item-total) = (C_i·1 - C_ii)/sqrt(C_ii · 1ᵀC_{-i}1); raw_r =
  correlation with the mean score; std_r = (R1)_i/sqrt(1ᵀR1); r_cor = the same with SMCs on
  the diagonal; alpha if deleted = alpha of C_{-i} (psych's ``alpha.drop``).
- Feldt's interval: 1 - (1 - α) F_{1-p/2; n-1, (n-1)(k-1)} .. 1 - (1 - α) F_{p/2; ...}
  (psych ``alpha.ci``); bootstrap: percentile interval of raw alpha over row resamples.
- psych computes C as ``cov(x, use = "pairwise")`` — kept as the default (``use="pairwise"``).
- omega (psych::omega): an orthogonal (varimax) solution, oblimin on it, a one-factor
  solution of the factor correlations gives g loadings of the group factors, the
  Schmid–Leiman transformation gives general loadings g_i and group loadings;
  ω_h = (Σ g_i)²/1ᵀR1, ω_t = (1ᵀR1 - Σ u²_i)/1ᵀR1.
- composite reliability (semTools::compRelSEM, ``obs.var = TRUE``): ω = (Σλ)² φ / 1ᵀS1, S the
  sample covariance (divisor n, listwise) of the construct's items, λ, φ from an ML CFA.
- AVE (semTools::AVE): Σλ² φ / tr S (NaN when an item of the construct cross-loads).
- HTMT (semTools::htmt, defaults ``missing = "listwise"``, ``absolute = TRUE``,
  ``htmt2 = TRUE``): mean |r| between the items of two constructs over the square root of
  the product of the mean within-construct |r|, geometric means (HTMT2, Roemer et al. 2021)
  or arithmetic means (``htmt2=False``, Henseler et al. 2015).
- Fornell–Larcker: sqrt(AVE) on the diagonal, CFA factor correlations off the diagonal; the
  criterion holds when each sqrt(AVE) exceeds the construct's correlations.

References: Cronbach (1951); Guttman (1945); Feldt, Woodruff & Salih (1987); Duhachek &
Iacobucci (2004); McDonald (1999); Schmid & Leiman (1957); Zinbarg, Revelle, Yovel & Li
(2005); Fornell & Larcker (1981); Henseler, Ringle & Sarstedt (2015); Roemer, Schuberth &
Henseler (2021).

R equivalents: ``psych::alpha(x)``, ``psych::omega(x, nfactors = 3)``,
``semTools::compRelSEM(cfa(model, data))``, ``semTools::AVE(fit)``,
``semTools::htmt(model, data)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from loyaltyscope.psychometrics import correlations as corr
from loyaltyscope.psychometrics.exploratory import efa as _efa, extract_minres, extract_ml, extract_pa
from loyaltyscope.psychometrics.itemdata import ItemDataError, PsychometricWarning, emit, item_matrix, require_variance
from loyaltyscope.numerics.display import frame_html, frame_text, para_html
from loyaltyscope.psychometrics.rotation import rotate

__all__ = ["alpha", "AlphaResult", "omega", "OmegaResult", "reliability", "htmt", "htmt_intervals",
           "fornell_larcker", "alpha_from_cov", "feldt_interval", "constructs_from_model"]


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


def feldt_interval(alpha_value: float, n_obs: float, n_items: int, p: float = 0.05) -> tuple[float, float]:
    """Feldt's confidence interval of alpha (psych ``alpha.ci``)."""
    d1, d2 = n_obs - 1, (n_obs - 1) * (n_items - 1)
    low = 1 - (1 - alpha_value) * stats.f.ppf(1 - p / 2, d1, d2)
    high = 1 - (1 - alpha_value) * stats.f.ppf(p / 2, d1, d2)
    return float(low), float(high)


def _cov(x: np.ndarray, use: str) -> np.ndarray:
    return corr.pairwise_cov(x) if use == "pairwise" else np.cov(x, rowvar=False)


# ---- alpha ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AlphaResult:
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
    n_obs: int
    n_items: int
    use: str
    n_boot: int = 0
    seed: int | None = None
    reversed_items: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())

    @property
    def feldt(self) -> tuple[float, float]:
        return float(self.ci.loc["feldt", "lower"]), float(self.ci.loc["feldt", "upper"])

    @property
    def bootstrap(self) -> tuple[float, float] | None:
        if "bootstrap" not in self.ci.index:
            return None
        return float(self.ci.loc["bootstrap", "lower"]), float(self.ci.loc["bootstrap", "upper"])

    def summary(self, digits: int = 3) -> str:
        lines = [f"Reliability analysis ({self.n_items} items, n = {self.n_obs}, {self.use} covariances)", "",
                 f"raw alpha = {self.raw_alpha:.{digits}f}   std alpha = {self.std_alpha:.{digits}f}   "
                 f"G6(smc) = {self.g6:.{digits}f}   average r = {self.average_r:.{digits}f}   "
                 f"S/N = {self.s_n:.2f}   ase = {self.ase:.{digits}f}   mean = {self.mean:.2f}   sd = {self.sd:.2f}",
                 "", "Confidence intervals of raw alpha:", frame_text(self.ci, digits), "",
                 "Item statistics:", frame_text(self.item_stats, digits)]
        if self.warnings:
            lines += ["", "Warnings:"] + [f"  - {w}" for w in self.warnings]
        return "\n".join(lines)

    def __str__(self):
        return self.summary()

    def _repr_html_(self):
        head = (f"raw alpha = {self.raw_alpha:.3f}, std alpha = {self.std_alpha:.3f}, average r = {self.average_r:.3f} "
                f"({self.n_items} items, n = {self.n_obs})")
        return ("<div>" + para_html("Coefficient alpha", bold=True) + para_html(head)
                + frame_html(self.ci, "Confidence intervals") + frame_html(self.item_stats, "Item statistics")
                + "".join(para_html("Warning: " + w) for w in self.warnings) + "</div>")


@corr.small_blas
def alpha(items, *, use: str = "pairwise", reverse=None, n_boot: int = 0, seed: int | None = None,
          ci: float = 0.95, n_obs: int | None = None) -> AlphaResult:
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
    n_boot, seed : int
        Bootstrap resamples of rows for a percentile interval of raw alpha (0: none).
    ci : float
        Coverage of the intervals (Feldt and bootstrap).
    n_obs : int, optional
        Respondents, when ``items`` is a correlation matrix (for Feldt's interval and the ASE);
        then raw = standardized alpha and the statistics that need raw data are NaN.

    Returns
    -------
    AlphaResult
        ``.raw_alpha``, ``.std_alpha``, ``.item_stats`` (``r_drop``, ``alpha_if_deleted``, ...).

    Examples
    --------
    >>> a = ls.alpha(bfi[["A1", "A2", "A3", "A4", "A5"]], reverse=["A1"])   # doctest: +SKIP

    R equivalent: ``psych::alpha(x)`` (``keys = c("A1")`` for ``reverse``).
    """
    if use not in ("pairwise", "listwise"):
        raise ValueError(f"use={use!r}: expected 'pairwise' or 'listwise'")
    if corr.is_correlation_matrix(items):
        return _alpha_from_matrix(items, n_obs, reverse, ci)
    m = item_matrix(items, context="alpha")
    names = list(m.names)
    x = m.x.copy()
    warns: list[str] = []
    rev = tuple(reverse or ())
    unknown = [r for r in rev if r not in names]
    if unknown:
        raise ItemDataError([(u, f"reverse: item {u!r} is not a column of the data") for u in unknown], "alpha")
    if rev:
        adjust = np.nanmax(x) + np.nanmin(x)
        for r in rev:
            x[:, names.index(r)] = adjust - x[:, names.index(r)]
    keep = [j for j, nm in enumerate(names) if nm not in m.constant]
    for nm in m.constant:
        warns.append(f"item {nm!r} has no variance (a single response category); it was left out of alpha and "
                     f"its statistics are NaN")
    if len(keep) < 2:
        raise ItemDataError([(None, f"alpha needs at least two items with variance; usable: "
                                    f"{[names[j] for j in keep]}")], "alpha")
    xk = x[:, keep]
    if use == "listwise":
        xk = corr.listwise(xk)
        if xk.shape[0] < 2:
            raise ItemDataError([(None, "fewer than two complete rows for listwise deletion")], "alpha")
    nsub = xk.shape[0]
    k = xk.shape[1]
    if nsub <= k:
        warns.append(f"{nsub} respondents but {k} items: the covariance matrix is singular; alpha is computed, but "
                     f"the SMC-based statistics (G6, r_cor) use a pseudo-inverse")
    C = _cov(xk, use)
    if np.isnan(C).any():
        i, j = np.argwhere(np.isnan(C))[0]
        raise ItemDataError([(names[keep[i]], f"items {names[keep[i]]!r} and {names[keep[j]]!r} have fewer than two "
                                              f"rows in common; their covariance is undefined")], "alpha")
    R = corr.cov2cor(C)
    tot = alpha_from_cov(C, R)
    drops = []
    if k > 2:
        for i in range(k):
            s = np.delete(np.arange(k), i)
            d = alpha_from_cov(C[np.ix_(s, s)], R[np.ix_(s, s)])
            drops.append((d["raw_alpha"], d["std_alpha"], d["average_r"]))
    else:
        drops = [(C[0, 1] / C[1, 1], R[0, 1], R[0, 1]), (C[0, 1] / C[0, 0], R[0, 1], R[0, 1])]
    Vt = R.sum()
    std_r = R.sum(axis=0) / np.sqrt(Vt)
    RC = R.copy()
    np.fill_diagonal(RC, corr.smc(R))
    with np.errstate(invalid="ignore"):
        r_cor = RC.sum(axis=0) / np.sqrt(RC.sum())
    r_drop = np.array([(C[:, i].sum() - C[i, i]) / np.sqrt(C[i, i] * np.delete(np.delete(C, i, 0), i, 1).sum())
                       for i in range(k)])
    with np.errstate(invalid="ignore"):
        total = np.nanmean(xk, axis=1)
    raw_r = []
    for i in range(k):
        ok = ~np.isnan(total) & ~np.isnan(xk[:, i])
        raw_r.append(np.corrcoef(total[ok], xk[ok, i])[0, 1])
    stats_k = pd.DataFrame({
        "n": (~np.isnan(xk)).sum(axis=0), "raw_r": raw_r, "std_r": std_r, "r_cor": r_cor, "r_drop": r_drop,
        "mean": np.nanmean(xk, axis=0), "sd": np.nanstd(xk, axis=0, ddof=1),
        "alpha_if_deleted": [d[0] for d in drops], "std_alpha_if_deleted": [d[1] for d in drops],
        "average_r_if_deleted": [d[2] for d in drops]}, index=[names[j] for j in keep])
    item_stats = stats_k.reindex(names)
    item_stats["n"] = item_stats["n"].fillna(0).astype(int) if use == "pairwise" else item_stats["n"]
    if m.constant:
        for nm in m.constant:
            item_stats.loc[nm, "n"] = int((~np.isnan(x[:, names.index(nm)])).sum())
            item_stats.loc[nm, "mean"] = float(np.nanmean(x[:, names.index(nm)]))
            item_stats.loc[nm, "sd"] = 0.0
    neg = [names[keep[i]] for i in range(k) if r_drop[i] < 0]
    if neg:
        warns.append(f"negative corrected item-total (item-rest) correlation for {', '.join(neg)}: "
                     f"probably reverse-keyed items that were not reversed")
    p = 1 - ci
    lo, hi = feldt_interval(tot["raw_alpha"], nsub, k, p)
    ci_rows = {"feldt": (lo, hi)}
    if n_boot and n_boot > 0:
        rng = np.random.default_rng(seed)
        boots = np.empty(int(n_boot))
        for b in range(int(n_boot)):
            xb = xk[rng.integers(0, nsub, nsub)]
            Cb = _cov(xb, use)
            boots[b] = (1 - np.trace(Cb) / Cb.sum()) * k / (k - 1)
        boots = boots[np.isfinite(boots)]
        ci_rows["bootstrap"] = (float(np.quantile(boots, p / 2)), float(np.quantile(boots, 1 - p / 2)))
    ci_df = pd.DataFrame(ci_rows, index=["lower", "upper"]).T
    return AlphaResult(
        raw_alpha=float(tot["raw_alpha"]), std_alpha=float(tot["std_alpha"]), g6=float(tot["g6"]),
        average_r=float(tot["average_r"]), median_r=float(tot["median_r"]), s_n=float(tot["s_n"]),
        ase=float(np.sqrt(tot["Q"] / nsub)), mean=float(np.nanmean(total)), sd=float(np.nanstd(total, ddof=1)),
        item_stats=item_stats, ci=ci_df, n_obs=int(nsub), n_items=int(k), use=use, n_boot=int(n_boot or 0),
        seed=seed, reversed_items=rev, warnings=emit(warns, PsychometricWarning))


def _alpha_from_matrix(r, n_obs, reverse, ci) -> AlphaResult:
    from loyaltyscope.psychometrics.itemdata import correlation_input

    R, names = correlation_input(r, context="alpha")
    names = list(names)
    rev = tuple(reverse or ())
    unknown = [x for x in rev if x not in names]
    if unknown:
        raise ItemDataError([(u, f"reverse: item {u!r} is not in the correlation matrix") for u in unknown], "alpha")
    key = np.array([-1.0 if nm in rev else 1.0 for nm in names])
    C = R * np.outer(key, key)
    k = len(names)
    tot = alpha_from_cov(C, C)
    drops = []
    for i in range(k):
        s_ = np.delete(np.arange(k), i)
        if k > 2:
            d = alpha_from_cov(C[np.ix_(s_, s_)], C[np.ix_(s_, s_)])
        else:
            d = {"raw_alpha": C[0, 1], "std_alpha": C[0, 1], "average_r": C[0, 1]}
        drops.append((d["raw_alpha"], d["std_alpha"], d["average_r"]))
    RC = C.copy()
    np.fill_diagonal(RC, corr.smc(C))
    r_drop = np.array([(C[:, i].sum() - 1) / np.sqrt(np.delete(np.delete(C, i, 0), i, 1).sum()) for i in range(k)])
    nan = np.full(k, np.nan)
    item_stats = pd.DataFrame({"n": nan, "raw_r": nan, "std_r": C.sum(0) / np.sqrt(C.sum()),
                               "r_cor": RC.sum(0) / np.sqrt(RC.sum()), "r_drop": r_drop, "mean": nan, "sd": nan,
                               "alpha_if_deleted": [d[0] for d in drops], "std_alpha_if_deleted": [d[1] for d in drops],
                               "average_r_if_deleted": [d[2] for d in drops]}, index=names)
    warns = []
    neg = [names[i] for i in range(k) if r_drop[i] < 0]
    if neg:
        warns.append(f"negative corrected item-total (item-rest) correlation for {', '.join(neg)}: "
                     f"probably reverse-keyed items that were not reversed")
    if n_obs is None:
        warns.append("a correlation matrix without n_obs: Feldt's interval and the ASE need the number of respondents")
        lo = hi = ase = np.nan
        n = 0
    else:
        n = int(n_obs)
        lo, hi = feldt_interval(tot["raw_alpha"], n, k, 1 - ci)
        ase = float(np.sqrt(tot["Q"] / n))
    return AlphaResult(raw_alpha=float(tot["raw_alpha"]), std_alpha=float(tot["std_alpha"]), g6=float(tot["g6"]),
                       average_r=float(tot["average_r"]), median_r=float(tot["median_r"]), s_n=float(tot["s_n"]),
                       ase=ase, mean=np.nan, sd=np.nan, item_stats=item_stats,
                       ci=pd.DataFrame({"feldt": (lo, hi)}, index=["lower", "upper"]).T, n_obs=n, n_items=k,
                       use="matrix", reversed_items=rev, warnings=emit(warns, PsychometricWarning))


# ---- omega (Schmid-Leiman) ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class OmegaResult:
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
    reversed_items: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())

    def summary(self, digits: int = 2) -> str:
        lines = [f"Omega (Schmid-Leiman, {self.n_factors} group factors, {self.method})",
                 f"omega_h = {self.omega_h:.{digits}f}   omega_total = {self.omega_total:.{digits}f}   "
                 f"alpha = {self.alpha:.{digits}f}   G6 = {self.g6:.{digits}f}   "
                 f"omega_h/omega_t = {self.omega_limit:.{digits}f}   ECV = {self.ecv:.{digits}f}", "",
                 frame_text(self.loadings, digits), "", frame_text(self.group, digits)]
        if self.warnings:
            lines += ["", "Warnings:"] + [f"  - {w}" for w in self.warnings]
        return "\n".join(lines)

    def __str__(self):
        return self.summary()

    def _repr_html_(self):
        return ("<div>" + para_html(f"omega_h = {self.omega_h:.3f}, omega_total = {self.omega_total:.3f}", bold=True)
                + frame_html(self.loadings, "Schmid-Leiman loadings") + frame_html(self.group, "Omega by group factor")
                + "".join(para_html("Warning: " + w) for w in self.warnings) + "</div>")


def _schmid(R: np.ndarray, nf: int, method: str, rotation: str, warns: list):
    fa_v = _efa(R, nf, rotation="varimax", method=method)     # psych: fa(m, nfactors, rotate = "varimax")
    warns.extend(w for w in fa_v.warnings if w not in warns)
    orth = fa_v.loadings.to_numpy()
    p = R.shape[0]
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
    from loyaltyscope.psychometrics.exploratory import prepare_correlations

    ci = prepare_correlations(data, use=use, context="omega")
    R = ci.r.copy()
    names = list(ci.names)
    warns = list(ci.warnings)
    p = len(names)
    if method == "ml" and p < 6:
        warns.append(f"{n_factors} factors are too many for {p} items with ML; minres used instead (as psych)")
        method = "minres"
    g, sm, h2, u2, phi = _schmid(R, int(n_factors), method, rotation, warns)
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
    # omega per group factor (psych omega.group)
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
    fnames = [f"F{j + 1}" for j in range(phi.shape[0])]
    if rev:
        warns.append(f"items with negative general-factor loadings were reverse-keyed for omega: {', '.join(rev)}")
    return OmegaResult(omega_h=float(gsq / Vt), omega_total=float(om_tot), alpha=float(alpha_v),
                       omega_limit=float(gsq / (Vt - uniq)), g6=float(g6), ecv=float(ev[0] / ev.sum()),
                       loadings=table, phi=pd.DataFrame(phi, index=fnames, columns=fnames), group=group,
                       n_factors=int(n_factors), method=method, reversed_items=rev,
                       warnings=emit(warns, PsychometricWarning))


# ---- CFA based: composite reliability, AVE, HTMT, Fornell-Larcker -----------------------------------------------

def constructs_from_model(model: str) -> dict[str, list[str]]:
    """Construct → indicator names from the ``=~`` lines of a lavaan model (in order).

    Uses :func:`loyaltyscope.cbsem.parse_model`; constructs measured by other constructs
    (higher-order factors) are returned too and filtered by the callers.
    """
    from loyaltyscope.cbsem import parse_model

    out: dict[str, list[str]] = {}
    for f in parse_model(model):
        if f.op == "=~":
            out.setdefault(f.lhs, [])
            if f.rhs not in out[f.lhs]:
                out[f.lhs].append(f.rhs)
    if not out:
        raise ValueError("the model has no measurement ('=~') lines, so it defines no constructs")
    return out


def _first_order(model: str, data: pd.DataFrame, context: str):
    cons = constructs_from_model(model)
    first = {c: items for c, items in cons.items() if not any(i in cons for i in items)}
    items = []
    for c in first.values():
        items += [i for i in c if i not in items]
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{context}: data must be a DataFrame whose columns include the model's items")
    missing = [i for i in items if i not in data.columns]
    if missing:
        raise ItemDataError([(i, f"item {i!r} of the model is not a column of the data") for i in missing], context)
    return first, items


def _cfa_parts(model: str, data: pd.DataFrame, first: dict, items: list):
    from loyaltyscope.cbsem import cfa

    fit = cfa(model, data, se="none")
    P = fit.params
    if "group" in P.columns:
        P = P[P["group"].fillna(1) == 1] if P["group"].notna().any() else P
    lam = {}
    for r in P.itertuples():
        if r.op == "=~":
            lam[(r.lhs, r.rhs)] = float(r.est)
    phi = {}
    for r in P.itertuples():
        if r.op == "~~" and r.lhs in first and r.rhs in first:
            phi[(r.lhs, r.rhs)] = phi[(r.rhs, r.lhs)] = float(r.est)
    all_vars = sorted({i for (c, i) in lam if c in first}, key=items.index)
    block = data[all_vars].apply(pd.to_numeric, errors="coerce").dropna()
    S = pd.DataFrame(np.cov(block.to_numpy(float), rowvar=False, ddof=0), index=all_vars, columns=all_vars)
    return lam, phi, S


@corr.small_blas
def reliability(model: str, data: pd.DataFrame) -> pd.DataFrame:
    """Alpha, composite reliability (omega) and AVE per construct of a measurement model.

    ``alpha``: psych's raw alpha of the construct's items (pairwise, as :func:`alpha`);
    ``omega``: semTools::compRelSEM, (Σλ)²φ / 1ᵀS1 from an ML CFA (listwise, S with divisor n);
    ``ave``: semTools::AVE, Σλ²φ / tr S (NaN if an item cross-loads). Constructs with a single
    indicator get NaN (semTools drops them).

    Returns a DataFrame indexed by construct with columns ``alpha``, ``omega``, ``ave``,
    ``n_items``.

    R equivalent: ``semTools::compRelSEM(cfa(model, data))``, ``semTools::AVE(fit)``,
    ``psych::alpha(data[items])``.
    """
    from loyaltyscope.cbsem.data_input import as_data_frame
    data = as_data_frame(data)   # DataFrame, path to a data file, or validated Responses
    first, items = _first_order(model, data, "reliability")
    lam, phi, S = _cfa_parts(model, data, first, items)
    cross = {i for i in items if sum(1 for c in first if (c, i) in lam) > 1}
    rows = {}
    warns = []
    for c, its in first.items():
        if len(its) < 2:
            rows[c] = (np.nan, np.nan, np.nan, len(its))
            warns.append(f"construct {c!r} has a single indicator; alpha, omega and AVE are not defined")
            continue
        a = alpha(data[its]).raw_alpha
        L = np.array([lam[(c, i)] for i in its])
        ph = phi.get((c, c), np.nan)
        Ss = S.loc[its, its].to_numpy()
        om = (L.sum() ** 2) * ph / Ss.sum()
        ave = np.nan if any(i in cross for i in its) else (L ** 2).sum() * ph / np.trace(Ss)
        if any(i in cross for i in its):
            warns.append(f"construct {c!r} has cross-loading items; AVE is not defined (semTools returns NA)")
        rows[c] = (a, om, ave, len(its))
    out = pd.DataFrame(rows, index=["alpha", "omega", "ave", "n_items"]).T
    out["n_items"] = out["n_items"].astype(int)
    out.index.name = "construct"
    if warns:
        out.attrs["warnings"] = emit(warns, PsychometricWarning)
    return out


def _htmt_matrix(R: np.ndarray, groups: list[np.ndarray], htmt2: bool, absolute: bool) -> np.ndarray:
    A = np.abs(R) if (absolute or htmt2) else R.copy()
    k = len(groups)

    def mean_block(i, j):
        blk = A[np.ix_(groups[i], groups[j])]
        if i == j:
            blk = blk[~np.eye(len(groups[i]), dtype=bool)]
        if blk.size == 0:
            return np.nan
        if htmt2:
            with np.errstate(divide="ignore"):
                return float(np.exp(np.mean(np.log(blk))))
        return float(np.mean(blk))

    w = np.array([mean_block(i, i) for i in range(k)])
    out = np.empty((k, k))
    for i in range(k):
        for j in range(k):
            out[i, j] = mean_block(i, j) / np.sqrt(w[i] * w[j]) if i != j else (1.0 if np.isfinite(w[i]) else np.nan)
    return out


def _htmt_cor(x: np.ndarray, use: str) -> np.ndarray:
    if use == "listwise":
        return np.corrcoef(x, rowvar=False)
    return corr.cov2cor(corr.pairwise_cov(x))     # lavaan::lavCor(missing = "pairwise")


@corr.small_blas
def htmt_intervals(model: str, data: pd.DataFrame, n_boot: int = 1000, seed: int | None = None, *,
                   ci: float = 0.95, use: str = "listwise", htmt2: bool = True, absolute: bool = True) -> pd.DataFrame:
    """Percentile bootstrap intervals of HTMT: one row per pair of constructs.

    Columns ``construct_1``, ``construct_2``, ``htmt``, ``lower``, ``upper``, ``n_boot``; rows
    resampled with ``numpy.random.default_rng(seed)`` (same seed, same intervals).
    """
    first, items = _first_order(model, data, "htmt")
    m = item_matrix(data[items], context="htmt")
    require_variance(m, "htmt")
    x = m.x if use == "pairwise" else corr.listwise(m.x)
    groups = [np.array([items.index(i) for i in its]) for its in first.values()]
    est = _htmt_matrix(_htmt_cor(x, use), groups, htmt2, absolute)
    rng = np.random.default_rng(seed)
    n = x.shape[0]
    boots = np.empty((int(n_boot),) + est.shape)
    for b in range(int(n_boot)):
        boots[b] = _htmt_matrix(_htmt_cor(x[rng.integers(0, n, n)], use), groups, htmt2, absolute)
    p = 1 - ci
    lo = np.nanquantile(boots, p / 2, axis=0)
    hi = np.nanquantile(boots, 1 - p / 2, axis=0)
    names = list(first)
    rows = [(names[i], names[j], est[i, j], lo[i, j], hi[i, j], int(n_boot))
            for i in range(len(names)) for j in range(i + 1, len(names))]
    return pd.DataFrame(rows, columns=["construct_1", "construct_2", "htmt", "lower", "upper", "n_boot"])


@corr.small_blas
def htmt(model: str, data: pd.DataFrame, *, use: str = "listwise", htmt2: bool = True, absolute: bool = True,
         n_boot: int = 0, seed: int | None = None, ci: float = 0.95) -> pd.DataFrame:
    """Heterotrait–monotrait ratio of correlations, as ``semTools::htmt``.

    HTMT_ij = mean |r| between items of i and j / sqrt(mean |r| within i × mean |r| within j),
    geometric means with ``htmt2=True`` (semTools 0.5-6's default), arithmetic otherwise.

    Parameters
    ----------
    model : str
        lavaan syntax; the ``=~`` lines define the constructs.
    data : DataFrame
    use : {"listwise", "pairwise"}
        semTools' ``missing`` (its default ``"listwise"``; ``"pairwise"`` as ``lavCor``).
    n_boot, seed, ci
        With ``n_boot > 0``, percentile bootstrap intervals are attached as
        ``result.attrs["lower"]``, ``result.attrs["upper"]`` (DataFrames) and
        ``result.attrs["intervals"]`` (tidy, see :func:`htmt_intervals`).

    Returns
    -------
    DataFrame (construct × construct), ones on the diagonal.

    R equivalent: ``semTools::htmt(model, data)``.
    """
    if use not in ("pairwise", "listwise"):
        raise ValueError(f"use={use!r}: expected 'listwise' or 'pairwise'")
    first, items = _first_order(model, data, "htmt")
    m = item_matrix(data[items], context="htmt")
    require_variance(m, "htmt")
    x = m.x if use == "pairwise" else corr.listwise(m.x)
    groups = [np.array([items.index(i) for i in its]) for its in first.values()]
    est = _htmt_matrix(_htmt_cor(x, use), groups, htmt2, absolute)
    names = list(first)
    out = pd.DataFrame(est, index=names, columns=names)
    single = [c for c, its in first.items() if len(its) < 2]
    if single:
        out.attrs["warnings"] = emit([f"construct {c!r} has a single indicator; its HTMT values are undefined (NaN)"
                                      for c in single], PsychometricWarning)
    if n_boot and n_boot > 0:
        iv = htmt_intervals(model, data, n_boot, seed, ci=ci, use=use, htmt2=htmt2, absolute=absolute)
        lo = pd.DataFrame(np.eye(len(names)), index=names, columns=names)
        hi = lo.copy()
        for r in iv.itertuples():
            lo.loc[r.construct_1, r.construct_2] = lo.loc[r.construct_2, r.construct_1] = r.lower
            hi.loc[r.construct_1, r.construct_2] = hi.loc[r.construct_2, r.construct_1] = r.upper
        out.attrs.update(lower=lo, upper=hi, intervals=iv)
    return out


@corr.small_blas
def fornell_larcker(model: str, data: pd.DataFrame) -> pd.DataFrame:
    """Fornell–Larcker table: sqrt(AVE) on the diagonal, CFA factor correlations elsewhere.

    Discriminant validity holds for a construct when its sqrt(AVE) exceeds the absolute value
    of each of its correlations; ``result.attrs["satisfied"]`` is a Series of booleans per
    construct. AVE as semTools::AVE, factor correlations from the same ML CFA.
    """
    first, items = _first_order(model, data, "fornell_larcker")
    lam, phi, S = _cfa_parts(model, data, first, items)
    names = list(first)
    cross = {i for i in items if sum(1 for c in first if (c, i) in lam) > 1}
    k = len(names)
    out = np.full((k, k), np.nan)
    for a in range(k):
        for b in range(k):
            ca, cb = names[a], names[b]
            if a == b:
                its = first[ca]
                if len(its) >= 2 and not any(i in cross for i in its):
                    L = np.array([lam[(ca, i)] for i in its])
                    out[a, a] = np.sqrt((L ** 2).sum() * phi[(ca, ca)] / np.trace(S.loc[its, its].to_numpy()))
            elif (ca, cb) in phi:
                out[a, b] = phi[(ca, cb)] / np.sqrt(phi[(ca, ca)] * phi[(cb, cb)])
    df = pd.DataFrame(out, index=names, columns=names)
    ok = {}
    for a in range(k):
        offd = np.abs(np.delete(out[a], a))
        ok[names[a]] = bool(np.isfinite(out[a, a]) and np.all(out[a, a] > offd[np.isfinite(offd)]))
    df.attrs["satisfied"] = pd.Series(ok, name="satisfied")
    return df
