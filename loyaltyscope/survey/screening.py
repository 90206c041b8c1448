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

import math
from dataclasses import dataclass
from typing import Iterable

import numpy as np
import pandas as pd
from scipy import stats

from loyaltyscope.numerics.display import ResultProtocol
from loyaltyscope.survey.scoring import reverse_score

__all__ = ["longstring", "irv", "mahalanobis", "evenodd", "screen", "Screening", "FLAGS", "EVENODD_MIN_ITEMS",
           "EVENODD_MIN_CONSTRUCTS"]

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


#: Default rule for the even-odd index: computed only when every construct has at least
#: ``EVENODD_MIN_ITEMS`` items (halves of two or more items) and there are at least
#: ``EVENODD_MIN_CONSTRUCTS`` constructs. Johnson (2005) used 30 facets of 10 items; on honest
#: simulated respondents (loadings .7, factor correlations .4, 7-point items, n = 1,000) the
#: cut-off 0.30 flags 25–30 % with 4–6 constructs of 3–4 items, 10–17 % with 8–12 constructs
#: of 4 items, 3.5 % with 25 constructs of 4 items and 1.4 % with 20 of 6 (see
#: tests/survey/test_screening_defaults.py).
EVENODD_MIN_ITEMS = 4
EVENODD_MIN_CONSTRUCTS = 25

_VALUE_COLUMN = {"longstring": "longstring", "irv": "irv", "mahalanobis": "mahalanobis_p", "evenodd": "evenodd",
                 "speeder": "duration", "attention": "attention_failed"}


@dataclass(frozen=True, eq=False)
class Screening(ResultProtocol):
    """Careless-responding indices and flags.

    Attributes
    ----------
    flags : DataFrame
        Index: respondent. For each index its value and a boolean ``*_flag`` column
        (``longstring``, ``irv``, ``mahalanobis_d2``, ``mahalanobis_p``, ``evenodd``,
        ``duration``, ``attention_failed``), and ``n_flags``.
    thresholds : DataFrame
        ``flag, statistic, rule, threshold, reference, n_flagged`` — the rule each flag used
        (a rule that was not computed has ``n_flagged`` NA and says why in ``rule``).
    responses : Responses
        The responses after any exclusion asked for with ``exclude=`` (each exclusion is in
        ``responses.excluded`` with stage ``screening`` and the rule that fired).
    exclude_flags : tuple of str
        The flags used for exclusion (empty when nothing was excluded).
    notes : tuple of str
        Rules skipped and why (e.g. the even-odd index with too few constructs).
    warnings : tuple of str
    nobs : int (property)
        Respondents screened.

    Tables: ``rules`` (the thresholds with the number flagged by each).
    """

    flags: pd.DataFrame
    thresholds: pd.DataFrame
    responses: object
    exclude_flags: tuple = ()
    notes: tuple = ()
    warnings: tuple = ()

    title = "Careless-responding screen"

    @property
    def nobs(self) -> int:
        return len(self.flags)

    def flagged(self, which: Iterable[str] | str = "any") -> pd.Index:
        """Respondents raising any of the given flags."""
        cols = _flag_columns(self.flags, which)
        return self.flags.index[self.flags[cols].any(axis=1).to_numpy()] if cols else self.flags.index[:0]

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"rules": self.thresholds}

    def _headline(self) -> list[str]:
        lines = [f"{self.nobs} respondents; any flag: {int((self.flags['n_flags'] > 0).sum())}"]
        if self.exclude_flags:
            n_ex = int((self.responses.excluded["stage"] == "screening").sum())
            lines.append(f"excluded on {', '.join(self.exclude_flags)}: {n_ex} (logged in responses.excluded)")
        else:
            lines.append("nothing excluded (pass exclude=[...] to exclude flagged respondents)")
        return lines + [f"note: {x}" for x in self.notes]


def _flag_columns(flags: pd.DataFrame, which) -> list[str]:
    if which == "any" or which is True:
        names = [f for f in FLAGS if f"{f}_flag" in flags]
    else:
        names = [which] if isinstance(which, str) else list(which)
        for f in names:
            if f not in FLAGS:
                raise ValueError(f"unknown flag {f!r}; flags are {', '.join(FLAGS)} or 'any'")
    return [f"{f}_flag" for f in names if f"{f}_flag" in flags]


def _pattern_rules(X: np.ndarray, flags: pd.DataFrame, th: list, longstring_min, irv_max, mahalanobis_alpha) -> None:
    """Longstring, IRV and Mahalanobis distance (answers as read)."""
    n, k = X.shape
    ls_min = max(2, math.ceil(0.75 * k)) if longstring_min is None else int(longstring_min)
    flags["longstring"] = ls_ = longstring(X)
    flags["longstring_flag"] = ls_ >= ls_min
    th.append(("longstring", "longest run of identical consecutive answers",
               f"longstring >= {ls_min} (of {k} items)", ls_min, "careless::longstring; Curran (2016)"))
    flags["irv"] = v = irv(X)
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


def _evenodd_rule(responses, flags: pd.DataFrame, th: list, notes: list, evenodd_min: float, min_items: int,
                  min_constructs: int) -> None:
    """The even-odd index where the instrument has enough constructs and items (see
    :data:`EVENODD_MIN_CONSTRUCTS`), else a note."""
    data, inst = responses.data, responses.instrument
    pos = {c: t for t, c in enumerate(data.columns)}
    groups = [[pos[i] for i in inst.items_of(c) if i in pos] for c in inst.constructs]
    sizes = [len(g) for g in groups]
    stat = "even-odd consistency (Spearman-Brown corrected)"
    ref = "careless::evenodd (sign reversed); Johnson (2005)"
    if len(groups) < min_constructs or min(sizes, default=0) < min_items:
        why = (f"even-odd index not computed: it needs at least {min_constructs} constructs with at least "
               f"{min_items} items each (this instrument: {len(groups)} constructs of {min(sizes, default=0)}–"
               f"{max(sizes, default=0)} items); with fewer, honest respondents' halves correlate too noisily "
               "(evenodd_min_constructs= and evenodd_min_items= override)")
        notes.append(why)
        th.append(("evenodd", stat, "not computed: too few constructs or items", np.nan, ref))
        return
    rev = reverse_score(data, inst).to_numpy(dtype=np.float64)
    flags["evenodd"] = eo = evenodd(rev, groups)
    flags["evenodd_flag"] = eo < evenodd_min
    th.append(("evenodd", stat, f"evenodd < {evenodd_min:g}", evenodd_min, ref))


def _behaviour_rules(responses, flags: pd.DataFrame, th: list, min_seconds, seconds_per_item,
                     max_failed_checks) -> None:
    """Speeders (when there is a duration column) and failed attention checks."""
    inst, k, n = responses.instrument, responses.data.shape[1], len(responses.data)
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


def _apply_exclusion(responses, flags: pd.DataFrame, thresholds: pd.DataFrame, exclude):
    """(responses without the flagged respondents, the flags used)."""
    fcols = [c for c in flags.columns if c.endswith("_flag")]
    cols = _flag_columns(flags, exclude)
    used = tuple(c[:-5] for c in cols)
    if exclude != "any":
        absent = [f for f in ([exclude] if isinstance(exclude, str) else list(exclude)) if f"{f}_flag" not in flags]
        if absent:
            raise ValueError(f"cannot exclude on {absent}: not computed for these responses "
                             f"(computed: {', '.join(c[:-5] for c in fcols)})")
    mask = flags[cols].any(axis=1).to_numpy() if cols else np.zeros(len(flags), dtype=bool)
    rules = dict(zip(thresholds["flag"], thresholds["rule"]))
    reasons = []
    for rec in flags.loc[mask].itertuples(index=False):
        rd = rec._asdict()
        parts = [f"{f} {_fmt(rd[_VALUE_COLUMN[f]])} ({rules[f]})" for f in used if rd[f"{f}_flag"]]
        reasons.append("screening: " + "; ".join(parts))
    return responses.exclude(mask, reasons, stage="screening"), used


def screen(
    responses,
    *,
    longstring_min: int | None = None,
    irv_max: float = 0.0,
    mahalanobis_alpha: float = 0.001,
    evenodd_min: float = 0.30,
    evenodd_min_items: int = EVENODD_MIN_ITEMS,
    evenodd_min_constructs: int = EVENODD_MIN_CONSTRUCTS,
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
        order, as answered) is at least this long. Default: three quarters of the items,
        ``ceil(0.75 k)``. Curran (2016) advises a survey-specific cut; the common "more than
        half the items" flags 9 % of honest, agreement-leaning respondents on a 16-item 5-point
        instrument (tests/survey/test_screening_defaults.py), three quarters 3.5 %.
    irv_max : float
        Flag when the within-person SD of the answers is at most this (default 0: no
        variability at all over two or more answers; Dunn et al. 2018).
    mahalanobis_alpha : float
        Flag when ``P(chi2(df) > D²) < alpha`` with df = items answered (default 0.001,
        Tabachnick & Fidell; Meade & Craig 2012).
    evenodd_min : float
        Flag when the even-odd consistency is below this (default 0.30; Johnson 2005).
    evenodd_min_items, evenodd_min_constructs : int
        The even-odd index is computed only when every construct has at least
        ``evenodd_min_items`` items (default 4) and there are at least
        ``evenodd_min_constructs`` constructs (default 25); otherwise it is skipped with a
        note on ``.notes`` (see :data:`EVENODD_MIN_CONSTRUCTS` for the simulation behind it).
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
    even-odd index, whose halves must point the same way). On honest simulated respondents
    of every built-in instrument (n = 1,000) no default rule flags more than 5 %
    (tests/survey/test_screening_defaults.py).
    """
    X = responses.data.to_numpy(dtype=np.float64)
    flags = pd.DataFrame(index=responses.data.index)
    th: list = []
    notes: list = []
    _pattern_rules(X, flags, th, longstring_min, irv_max, mahalanobis_alpha)
    _evenodd_rule(responses, flags, th, notes, evenodd_min, evenodd_min_items, evenodd_min_constructs)
    _behaviour_rules(responses, flags, th, min_seconds, seconds_per_item, max_failed_checks)
    fcols = [c for c in flags.columns if c.endswith("_flag")]
    flags["n_flags"] = flags[fcols].sum(axis=1).astype(np.int64)
    thresholds = pd.DataFrame(th, columns=["flag", "statistic", "rule", "threshold", "reference"])
    thresholds["n_flagged"] = pd.array([int(flags[f"{f}_flag"].sum()) if f"{f}_flag" in flags else pd.NA
                                        for f in thresholds["flag"]], dtype="Int64")
    out, used = responses, ()
    if exclude:
        out, used = _apply_exclusion(responses, flags, thresholds, exclude)
    return Screening(flags=flags, thresholds=thresholds, responses=out, exclude_flags=used, notes=tuple(notes))


def _fmt(x) -> str:
    if isinstance(x, (float, np.floating)):
        return "NaN" if math.isnan(x) else f"{x:.4g}"
    return str(x)
