"""Screening for careless responding.

Pure index functions over a respondents × items array — :func:`longstring`, :func:`irv`,
:func:`mahalanobis`, :func:`evenodd` — and :func:`screen`, which computes them for a
:class:`~loyaltyscope.survey.responses.Responses` together with speeders and failed attention
checks, flags respondents against recorded thresholds, and excludes them only when asked
(logging each exclusion in ``Responses.excluded``).

References: Meade, A. W. & Craig, S. B. (2012). Identifying careless responses in survey
data. Psychological Methods, 17(3), 437–455. Curran, P. G. (2016). Methods for the detection
of carelessly invalid responses in survey data. Journal of Experimental Social Psychology,
66, 4–19. R: package ``careless`` (Yentes & Wilhelm).
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Iterable

import numpy as np
import pandas as pd
from scipy import stats

from loyaltyscope.survey.scoring import reverse_score

__all__ = ["longstring", "irv", "mahalanobis", "evenodd", "screen", "Screening", "FLAGS"]

#: Flag names accepted by ``screen(..., exclude=...)``.
FLAGS = ("longstring", "irv", "mahalanobis", "evenodd", "speeder", "attention")


def longstring(x) -> np.ndarray:
    """Longest run of identical consecutive answers of each respondent.

    A missing answer ends a run and starts none; a respondent with no answers gets 0.
    R: ``careless::longstring(x)``.
    """
    X = np.asarray(x, dtype=np.float64)
    n, k = X.shape
    if k == 0:
        return np.zeros(n, dtype=np.int64)
    answered = ~np.isnan(X)
    cur = answered[:, 0].astype(np.int64)
    best = cur.copy()
    for j in range(1, k):
        same = X[:, j] == X[:, j - 1]  # NaN == anything is False
        cur = np.where(same, cur + 1, answered[:, j].astype(np.int64))
        np.maximum(best, cur, out=best)
    return best


def irv(x) -> np.ndarray:
    """Intra-individual response variability: each respondent's standard deviation over the
    answered items (n − 1 denominator; NaN with fewer than two answers).

    Dunn, A. M., Heggestad, E. D., Shanock, L. R. & Theilgard, N. (2018). Journal of Business
    and Psychology, 33(1), 105–121. R: ``careless::irv(x)``.
    """
    X = np.asarray(x, dtype=np.float64)
    cnt = np.sum(~np.isnan(X), axis=1)
    out = np.full(X.shape[0], np.nan)
    ok = cnt >= 2
    if ok.any():
        with np.errstate(invalid="ignore", divide="ignore"):
            out[ok] = np.nanstd(X[ok], axis=1, ddof=1)
    return out


def mahalanobis(x) -> tuple[np.ndarray, np.ndarray]:
    """Squared Mahalanobis distance of each respondent from the item means, and its df.

    The mean vector and covariance matrix are estimated from the complete rows (pairwise
    complete covariances when fewer than ``2 k`` rows are complete); a respondent with
    missing answers is measured on the answered items only, with the matching sub-vector and
    sub-matrix (as ``psych::outlier``). A pseudo-inverse is used for singular matrices.

    Returns
    -------
    d2 : ndarray
        ``D² = (x - m)' S⁻¹ (x - m)`` (NaN with no answers).
    df : ndarray
        Items answered (degrees of freedom of the chi-square reference).

    Notes
    -----
    R: ``careless::mahad(x)`` / ``psych::outlier(x, plot = FALSE)``.
    """
    X = np.asarray(x, dtype=np.float64)
    n, k = X.shape
    obs = ~np.isnan(X)
    complete = obs.all(axis=1)
    if complete.sum() >= 2 * k:
        m = X[complete].mean(axis=0)
        S = np.cov(X[complete], rowvar=False).reshape(k, k)
    else:
        df = pd.DataFrame(X)
        m = df.mean().to_numpy()
        S = df.cov().to_numpy()
    d2 = np.full(n, np.nan)
    dfree = obs.sum(axis=1)
    patterns, inv = np.unique(obs, axis=0, return_inverse=True)
    inv = inv.ravel()
    for p, pat in enumerate(patterns):
        if not pat.any():
            continue
        rows = np.flatnonzero(inv == p)
        sub = S[np.ix_(pat, pat)]
        if not np.all(np.isfinite(sub)):
            continue
        Si = np.linalg.pinv(sub)
        D = X[np.ix_(rows, np.flatnonzero(pat))] - m[pat]
        d2[rows] = np.einsum("ij,jk,ik->i", D, Si, D)
    return d2, dfree


def evenodd(x, groups: list[list[int]], min_pairs: int = 3) -> np.ndarray:
    """Even-odd consistency (Johnson 2005): within each respondent, the correlation across
    constructs between the mean of the odd-numbered and the mean of the even-numbered items,
    Spearman-Brown corrected ``2r / (1 + r)`` and bounded below by −1.

    Parameters
    ----------
    x : array, respondents × items, already reverse-keyed
    groups : list of lists of column positions, one list per construct, in item order
        (constructs with fewer than two items are skipped).
    min_pairs : int
        Constructs with both halves answered needed for a value (else NaN).

    Returns
    -------
    ndarray
        Higher is more consistent. R: ``careless::evenodd(x, factors)``, which since
        version 1.2.0 returns the negative of this value (higher = more careless).

    References
    ----------
    Johnson, J. A. (2005). Ascertaining the validity of individual protocols from web-based
    personality inventories. Journal of Research in Personality, 39(1), 103–129.
    """
    X = np.asarray(x, dtype=np.float64)
    n = X.shape[0]
    odd_means, even_means = [], []
    for g in groups:
        if len(g) < 2:
            continue
        odd = X[:, g[0::2]]
        even = X[:, g[1::2]]
        with np.errstate(invalid="ignore"):
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                odd_means.append(np.nanmean(odd, axis=1))
                even_means.append(np.nanmean(even, axis=1))
    if not odd_means:
        return np.full(n, np.nan)
    O = np.column_stack(odd_means)
    E = np.column_stack(even_means)
    ok = ~np.isnan(O) & ~np.isnan(E)
    cnt = ok.sum(axis=1)
    O0 = np.where(ok, O, 0.0)
    E0 = np.where(ok, E, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mo = O0.sum(axis=1) / cnt
        me = E0.sum(axis=1) / cnt
        do = np.where(ok, O - mo[:, None], 0.0)
        de = np.where(ok, E - me[:, None], 0.0)
        r = (do * de).sum(axis=1) / np.sqrt((do ** 2).sum(axis=1) * (de ** 2).sum(axis=1))
        sb = 2 * r / (1 + r)
    sb = np.where(sb < -1, -1.0, sb)
    sb[cnt < min_pairs] = np.nan
    sb[~np.isfinite(sb)] = np.nan
    return sb


@dataclass(frozen=True, eq=False)
class Screening:
    """Careless-responding indices and flags.

    Attributes
    ----------
    flags : DataFrame
        Index: respondent. For each index its value and a boolean ``*_flag`` column
        (``longstring``, ``irv``, ``mahalanobis_d2``, ``mahalanobis_p``, ``evenodd``,
        ``duration``, ``attention_failed``), and ``n_flags``.
    thresholds : DataFrame
        ``flag, statistic, rule, threshold, reference`` — the rule each flag used.
    responses : Responses
        The responses after any exclusion asked for with ``exclude=`` (each exclusion is in
        ``responses.excluded`` with stage ``screening`` and the rule that fired).
    excluded : list of str
        The flags used for exclusion (empty when nothing was excluded).
    """

    flags: pd.DataFrame
    thresholds: pd.DataFrame
    responses: object
    excluded: tuple = ()

    def flagged(self, which: Iterable[str] | str = "any") -> pd.Index:
        """Respondents raising any of the given flags."""
        cols = _flag_columns(self.flags, which)
        return self.flags.index[self.flags[cols].any(axis=1).to_numpy()] if cols else self.flags.index[:0]

    def summary(self) -> str:
        lines = [f"Careless-responding screen: {len(self.flags)} respondents"]
        for rec in self.thresholds.itertuples(index=False):
            col = f"{rec.flag}_flag"
            n = int(self.flags[col].sum()) if col in self.flags else 0
            lines.append(f"  {rec.flag:<12} {n:>6} flagged   rule: {rec.rule}")
        lines.append(f"  any flag     {int((self.flags['n_flags'] > 0).sum()):>6}")
        if self.excluded:
            n_ex = int((self.responses.excluded["stage"] == "screening").sum())
            lines.append(f"  excluded on {', '.join(self.excluded)}: {n_ex} (logged in responses.excluded)")
        else:
            lines.append("  nothing excluded (pass exclude=[...] to exclude flagged respondents)")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return (f"<pre>{html.escape(self.summary())}</pre>"
                + self.thresholds.to_html(index=False, escape=True)
                + self.flags.head(20).to_html(escape=True))


def _flag_columns(flags: pd.DataFrame, which) -> list[str]:
    if which == "any" or which is True:
        names = [f for f in FLAGS if f"{f}_flag" in flags]
    else:
        names = [which] if isinstance(which, str) else list(which)
        for f in names:
            if f not in FLAGS:
                raise ValueError(f"unknown flag {f!r}; flags are {', '.join(FLAGS)} or 'any'")
    return [f"{f}_flag" for f in names if f"{f}_flag" in flags]


def screen(
    responses,
    *,
    longstring_min: int | None = None,
    irv_max: float = 0.0,
    mahalanobis_alpha: float = 0.001,
    evenodd_min: float = 0.30,
    min_seconds: float | None = None,
    seconds_per_item: float = 2.0,
    max_failed_checks: int = 0,
    exclude: Iterable[str] | str | None = None,
) -> Screening:
    """Flag careless responding; exclude flagged respondents only when asked.

    Parameters
    ----------
    responses : Responses
    longstring_min : int, optional
        Flag when the longest run of identical consecutive answers (items in questionnaire
        order, as answered) is at least this long. Default: more than half the items,
        ``k // 2 + 1`` (a common rule of thumb; Curran 2016 advises a survey-specific cut).
    irv_max : float
        Flag when the within-person SD of the answers is at most this (default 0: no
        variability at all over two or more answers; Dunn et al. 2018).
    mahalanobis_alpha : float
        Flag when ``P(chi2(df) > D²) < alpha`` with df = items answered (default 0.001,
        Tabachnick & Fidell; Meade & Craig 2012).
    evenodd_min : float
        Flag when the even-odd consistency is below this (default 0.30; Johnson 2005).
        Needs at least three constructs with two or more items (else not computed).
    min_seconds : float, optional
        Flag speeders faster than this, when the responses have a duration column.
        Default: ``seconds_per_item`` × items (2 s per item; Huang, Curran, Keeney, Poposki &
        DeShon 2012).
    max_failed_checks : int
        Flag when more attention checks than this are failed (default 0: any failure). A
        blank attention check counts as failed.
    exclude : 'any', or list of flag names, optional
        Exclude respondents raising these flags (``longstring``, ``irv``, ``mahalanobis``,
        ``evenodd``, ``speeder``, ``attention``); each exclusion is logged with the rule.

    Returns
    -------
    Screening

    Notes
    -----
    Indices use the items' answers as read (reverse-keyed items are re-keyed only for the
    even-odd index, whose halves must point the same way).
    """
    data = responses.data
    inst = responses.instrument
    X = data.to_numpy(dtype=np.float64)
    n, k = X.shape
    flags = pd.DataFrame(index=data.index)
    th = []

    ls_ = longstring(X)
    ls_min = (k // 2 + 1) if longstring_min is None else int(longstring_min)
    flags["longstring"] = ls_
    flags["longstring_flag"] = ls_ >= ls_min
    th.append(("longstring", "longest run of identical consecutive answers",
               f"longstring >= {ls_min} (of {k} items)", ls_min, "careless::longstring; Curran (2016)"))

    v = irv(X)
    flags["irv"] = v
    flags["irv_flag"] = v <= irv_max  # NaN -> False
    th.append(("irv", "within-person SD of the answers", f"irv <= {irv_max:g}", irv_max,
               "careless::irv; Dunn et al. (2018)"))

    d2, dfree = mahalanobis(X) if n > 1 else (np.full(n, np.nan), np.zeros(n))
    with np.errstate(invalid="ignore"):
        p = np.where(dfree > 0, stats.chi2.sf(d2, np.maximum(dfree, 1)), np.nan)
    flags["mahalanobis_d2"] = d2
    flags["mahalanobis_p"] = p
    flags["mahalanobis_flag"] = p < mahalanobis_alpha
    th.append(("mahalanobis", "squared Mahalanobis distance, chi-square(df = items answered)",
               f"p < {mahalanobis_alpha:g}", mahalanobis_alpha, "careless::mahad; Meade & Craig (2012)"))

    rev = reverse_score(data, inst).to_numpy(dtype=np.float64)
    pos = {c: t for t, c in enumerate(data.columns)}
    groups = [[pos[i] for i in inst.items_of(c) if i in pos] for c in inst.constructs]
    usable = sum(1 for g in groups if len(g) >= 2)
    if usable >= 3:
        eo = evenodd(rev, groups)
        flags["evenodd"] = eo
        flags["evenodd_flag"] = eo < evenodd_min
        th.append(("evenodd", "even-odd consistency (Spearman-Brown corrected)",
                   f"evenodd < {evenodd_min:g}", evenodd_min, "careless::evenodd (sign reversed); Johnson (2005)"))

    dur = responses.duration
    if dur is not None:
        cut = seconds_per_item * k if min_seconds is None else float(min_seconds)
        flags["duration"] = dur.to_numpy(dtype=np.float64)
        flags["speeder_flag"] = flags["duration"].to_numpy() < cut
        th.append(("speeder", f"response time in seconds ({responses.duration_column})",
                   f"duration < {cut:g} s", cut, "Huang et al. (2012): 2 s per item"))

    if inst.attention_checks:
        C = responses.checks
        failed = np.zeros(n, dtype=np.int64)
        for chk in inst.attention_checks:
            a = C[chk.id].to_numpy(dtype=np.float64)
            failed += ~np.isin(a, np.asarray(chk.pass_values, dtype=np.float64))
        flags["attention_failed"] = failed
        flags["attention_flag"] = failed > max_failed_checks
        th.append(("attention", f"attention checks failed (of {len(inst.attention_checks)})",
                   f"failed > {max_failed_checks}", max_failed_checks, "instructed-response items; Meade & Craig (2012)"))

    fcols = [c for c in flags.columns if c.endswith("_flag")]
    flags["n_flags"] = flags[fcols].sum(axis=1).astype(np.int64)
    thresholds = pd.DataFrame(th, columns=["flag", "statistic", "rule", "threshold", "reference"])

    used: tuple = ()
    out = responses
    if exclude:
        cols = _flag_columns(flags, exclude)
        used = tuple(c[:-5] for c in cols)
        if exclude != "any":
            absent = [f for f in ([exclude] if isinstance(exclude, str) else list(exclude)) if f"{f}_flag" not in flags]
            if absent:
                raise ValueError(f"cannot exclude on {absent}: not computed for these responses "
                                 f"(computed: {', '.join(c[:-5] for c in fcols)})")
        mask = flags[cols].any(axis=1).to_numpy() if cols else np.zeros(n, dtype=bool)
        rules = dict(zip(thresholds["flag"], thresholds["rule"]))
        value_col = {"longstring": "longstring", "irv": "irv", "mahalanobis": "mahalanobis_p",
                     "evenodd": "evenodd", "speeder": "duration", "attention": "attention_failed"}
        reasons = []
        sub = flags.loc[mask]
        for rid, rec in zip(sub.index, sub.itertuples(index=False)):
            rd = rec._asdict()
            parts = [f"{f} {_fmt(rd[value_col[f]])} ({rules[f]})" for f in used if rd[f"{f}_flag"]]
            reasons.append("screening: " + "; ".join(parts))
        out = responses.exclude(mask, reasons, stage="screening")
    return Screening(flags=flags, thresholds=thresholds, responses=out, excluded=used)


def _fmt(x) -> str:
    if isinstance(x, (float, np.floating)):
        return "NaN" if math.isnan(x) else f"{x:.4g}"
    return str(x)
