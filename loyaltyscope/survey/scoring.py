"""Scoring survey answers: reverse keys, scale scores, standardized scores and the NPS.

All functions accept a :class:`~loyaltyscope.survey.responses.Responses` (the instrument tells the
scales, constructs and reverse-keyed items, and its survey weights are carried along) or a
plain DataFrame with an explicit instrument.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable

import numpy as np
import pandas as pd
from scipy import stats

from loyaltyscope.numerics.display import ResultProtocol
from loyaltyscope.survey.instrument import Instrument, load_instrument

__all__ = ["reverse_score", "score", "Scores", "standardize", "nps", "NPSResult"]


def _data_and_instrument(x, instrument) -> tuple[pd.DataFrame, Instrument | None, pd.Series | None]:
    if hasattr(x, "data") and hasattr(x, "instrument"):
        return x.data, x.instrument, getattr(x, "weights", None)
    if isinstance(x, pd.DataFrame):
        return x, (load_instrument(instrument) if instrument is not None else None), None
    raise TypeError(f"expected Responses or a DataFrame, got {type(x).__name__}")


def reverse_score(x, instrument=None, items: Iterable[str] | None = None) -> pd.DataFrame:
    """Reverse-key items: ``max + min - x`` with ``min``/``max`` of each item's scale.

    Parameters
    ----------
    x : Responses or DataFrame
    instrument : Instrument or name, optional
        Needed when ``x`` is a DataFrame.
    items : list of str, optional
        Items to reverse (default: the instrument's reverse-keyed items present in ``x``).

    Returns
    -------
    DataFrame
        A copy of the data with those items reversed; other columns unchanged.

    Notes
    -----
    R: ``psych::reverse.code(keys, items, mini, maxi)``.
    """
    data, inst, _ = _data_and_instrument(x, instrument)
    if inst is None:
        raise ValueError("reverse_score needs an instrument to know each item's scale")
    explicit = items is not None
    items = list(inst.reverse_keyed if items is None else items)
    out = data.copy()
    for it in items:
        if it not in out.columns:
            if explicit:
                raise KeyError(f"item {it!r} is not a column of the data")
            continue
        sc = inst.scale_of(it)
        out[it] = sc.max + sc.min - out[it]
    return out


@dataclass(frozen=True, eq=False)
class Scores(ResultProtocol):
    """Scale scores of each respondent.

    Attributes
    ----------
    scores : DataFrame
        One column per construct (index: respondent); NaN where fewer than the minimum
        number of items were answered.
    n_answered : DataFrame
        Items answered per construct and respondent.
    rules : DataFrame
        ``construct, items, reversed, method, min_items`` — how each score was made.
    weights : Series or None
        Survey weights carried over from the responses.
    warnings : tuple of str
        E.g. a construct without any score.
    nobs : int (property)
        Respondents scored.

    Tables: ``descriptives`` (per scale: method, min items, n, mean, sd — weighted with
    weights) and ``rules``.
    """

    scores: pd.DataFrame
    n_answered: pd.DataFrame
    rules: pd.DataFrame
    weights: pd.Series | None = None
    warnings: tuple = ()

    title = "Scale scores"

    @property
    def nobs(self) -> int:
        return len(self.scores)

    def standardized(self) -> pd.DataFrame:
        """z-scores of each scale (weighted when there are weights); see :func:`standardize`."""
        return standardize(self.scores, self.weights)

    def descriptives(self) -> pd.DataFrame:
        w = self.weights
        recs = []
        for rec in self.rules.itertuples(index=False):
            s = self.scores[rec.construct]
            ok = s.notna() if w is None else (s.notna() & w.notna())
            m, sd = _wmean_sd(s[ok].to_numpy(), None if w is None else w[ok].to_numpy())
            recs.append({"scale": rec.construct, "method": rec.method, "min_items": int(rec.min_items),
                         "n": int(ok.sum()), "mean": m, "sd": sd})
        return pd.DataFrame(recs, columns=["scale", "method", "min_items", "n", "mean", "sd"]).set_index("scale")

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"descriptives": self.descriptives(), "rules": self.rules}

    def _headline(self) -> list[str]:
        return [f"{self.nobs} respondents, {self.scores.shape[1]} scales"
                + (" (weighted descriptives)" if self.weights is not None else "")]


def _wmean_sd(x: np.ndarray, w: np.ndarray | None, ddof: int = 1) -> tuple[float, float]:
    if len(x) == 0:
        return math.nan, math.nan
    if w is None:
        return float(np.mean(x)), float(np.std(x, ddof=ddof)) if len(x) > ddof else math.nan
    m = float(np.average(x, weights=w))
    v1, v2 = w.sum(), (w ** 2).sum()
    denom = v1 - (v2 / v1 if ddof else 0.0)
    var = float(np.sum(w * (x - m) ** 2) / denom) if denom > 0 else math.nan
    return m, math.sqrt(var) if var == var else math.nan


def score(
    x,
    instrument=None,
    method: str = "mean",
    min_items: float = 0.5,
    constructs: Iterable[str] | None = None,
    reverse: bool = True,
) -> Scores:
    """Scale scores per construct.

    Parameters
    ----------
    x : Responses or DataFrame
    instrument : Instrument or name, optional
        Needed when ``x`` is a DataFrame.
    method : {'mean', 'sum'}
        ``mean`` of the answered items, or ``sum``: the mean of the answered items times the
        number of items (a prorated sum; the plain sum when every item is answered).
    min_items : int or float
        Minimum answered items for a score: an integer count, or a fraction in (0, 1] of the
        construct's items (rounded up). Default 0.5: at least half the items.
    constructs : list of str, optional
        Default: every construct of the instrument.
    reverse : bool
        Reverse-key the instrument's reverse-keyed items first (``max + min - x``).

    Returns
    -------
    Scores

    Notes
    -----
    R: ``psych::scoreItems(keys, items, totals = FALSE, missing = TRUE, impute = "none")``
    gives the mean-of-answered scores (without a minimum-items rule).
    """
    data, inst, weights = _data_and_instrument(x, instrument)
    if inst is None:
        raise ValueError("score needs an instrument to know the constructs")
    if method not in ("mean", "sum"):
        raise ValueError(f"method must be 'mean' or 'sum', got {method!r}")
    if isinstance(min_items, bool) or not isinstance(min_items, (int, float)) or min_items <= 0:
        raise ValueError(f"min_items must be a positive count or a fraction in (0, 1], got {min_items!r}")
    if reverse:
        data = reverse_score(data, inst)
    cons = list(inst.constructs if constructs is None else constructs)
    scores, counts, rules = {}, {}, []
    for c in cons:
        items = [i for i in inst.items_of(c)]
        missing = [i for i in items if i not in data.columns]
        if missing:
            raise KeyError(f"construct {c!r}: items {missing} are not columns of the data")
        k = len(items)
        need = int(min_items) if (isinstance(min_items, int) or min_items > 1) else max(1, math.ceil(min_items * k))
        if need > k:
            raise ValueError(f"construct {c!r} has {k} items; min_items={min_items!r} asks for {need}")
        block = data[items].to_numpy(dtype=np.float64)
        n_ans = np.sum(~np.isnan(block), axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            m = np.nansum(block, axis=1) / n_ans
        m = np.where(n_ans >= need, m, np.nan)
        scores[c] = m * k if method == "sum" else m
        counts[c] = n_ans
        rules.append({"construct": c, "items": ", ".join(items),
                      "reversed": ", ".join(i for i in items if reverse and inst.item(i).reverse),
                      "method": method, "min_items": need})
    idx = data.index
    empty = [c for c in cons if len(idx) and np.isnan(scores[c]).all()]
    return Scores(
        scores=pd.DataFrame(scores, index=idx),
        n_answered=pd.DataFrame(counts, index=idx),
        rules=pd.DataFrame(rules, columns=["construct", "items", "reversed", "method", "min_items"]),
        weights=weights,
        warnings=tuple(f"scale {c!r}: no respondent answered enough items for a score" for c in empty),
    )


def standardize(df: pd.DataFrame, weights: pd.Series | np.ndarray | None = None, ddof: int = 1) -> pd.DataFrame:
    """z-scores per column: ``(x - mean) / sd`` over the non-missing values.

    With ``weights``, the weighted mean and the weighted standard deviation with the
    reliability-weights correction ``sum(w (x - m)^2) / (V1 - V2 / V1)``
    (``V1 = sum(w)``, ``V2 = sum(w^2)``), so unit weights give the ordinary ``sd``.
    R: ``scale(x)`` (unweighted).
    """
    out = {}
    w_all = None
    if weights is not None:
        w_all = pd.Series(np.asarray(weights, dtype=np.float64), index=df.index) if not isinstance(weights, pd.Series) else weights.reindex(df.index)
    for c in df.columns:
        x = pd.to_numeric(df[c], errors="coerce")
        ok = x.notna()
        if w_all is not None:
            ok &= w_all.notna()
        m, sd = _wmean_sd(x[ok].to_numpy(), None if w_all is None else w_all[ok].to_numpy(), ddof)
        out[c] = (x - m) / sd if sd and sd == sd else x * np.nan
    return pd.DataFrame(out, index=df.index)


@dataclass(frozen=True, eq=False)
class NPSResult(ResultProtocol):
    """Net Promoter Score with its confidence interval.

    Attributes
    ----------
    nps : float
        −100..100.
    promoters, passives, detractors : float
        Proportions (weighted with weights).
    nobs : int
        Answers used.
    n_effective : float
        Kish's effective n with weights, else ``nobs``.
    se : float
        Standard error of the NPS, in NPS points.
    ci_low, ci_high, confidence : float
    method : str
    warnings : tuple of str

    Tables: ``nps`` (one row with every number above).
    """

    nps: float
    promoters: float
    passives: float
    detractors: float
    nobs: int
    n_effective: float
    se: float
    ci_low: float
    ci_high: float
    confidence: float
    method: str
    warnings: tuple = ()

    title = "Net Promoter Score"

    def tables(self) -> dict[str, pd.DataFrame]:
        keys = ["nps", "promoters", "passives", "detractors", "nobs", "n_effective", "se", "ci_low", "ci_high",
                "confidence", "method"]
        return {"nps": pd.DataFrame([{k: getattr(self, k) for k in keys}])}

    def _headline(self) -> list[str]:
        return [f"NPS = {self.nps:.1f}  ({self.confidence:.0%} CI {self.ci_low:.1f} to {self.ci_high:.1f}; "
                f"{self.method})",
                f"promoters {self.promoters:.1%}, passives {self.passives:.1%}, detractors {self.detractors:.1%}; "
                f"n = {self.nobs}" + (f", effective n = {self.n_effective:.1f}" if self.n_effective != self.nobs else "")]


def nps(x, item: str | None = None, weights=None, confidence: float = 0.95) -> NPSResult:
    """Net Promoter Score: % promoters (9–10) − % detractors (0–6); passives are 7–8.

    Parameters
    ----------
    x : Responses, DataFrame or Series
        Answers on the 0–10 scale. With Responses, ``item`` defaults to the instrument's only
        item on an ``nps`` scale, and the responses' weights are used.
    item : str, optional
        Column to use (required for a DataFrame with several columns).
    weights : array or Series, optional
        Survey weights (override those of the responses).
    confidence : float
        Level of the interval (default 0.95).

    Returns
    -------
    NPSResult

    Notes
    -----
    With proportions ``P`` (promoters) and ``D`` (detractors) of ``n`` answers, the NPS is
    ``100 (P - D)`` and, treating the three bands as one multinomial draw,
    ``Var(P - D) = (P + D - (P - D)^2) / n``. The interval is the Wald interval
    ``NPS ± z * 100 * sqrt(Var)``, clipped to [−100, 100]. With weights, ``P`` and ``D`` are
    weighted proportions and ``n`` is Kish's effective sample size ``(sum w)^2 / sum w^2``.
    Reference: Rocks, B. (2016). Interval estimation for the "net promoter score".
    The American Statistician, 70(4), 365–372 (the Wald interval, method "wald" there).
    Missing answers are left out; a value that is not an integer 0..10 is an error.
    """
    w = None
    if hasattr(x, "data") and hasattr(x, "instrument"):
        inst = x.instrument
        if item is None:
            cands = [it.id for it in inst.items if inst.scales[it.scale].type == "nps"]
            if len(cands) != 1:
                raise ValueError(f"say which item holds the 0–10 answers (item=...); nps-scale items: {cands}")
            item = cands[0]
        s = x.data[item]
        w = x.weights
    elif isinstance(x, pd.DataFrame):
        if item is None:
            if x.shape[1] != 1:
                raise ValueError("say which column holds the 0–10 answers (item=...)")
            item = x.columns[0]
        s = x[item]
    else:
        s = pd.Series(np.asarray(x, dtype=np.float64)) if not isinstance(x, pd.Series) else x
    if weights is not None:
        w = pd.Series(np.asarray(weights, dtype=np.float64), index=s.index) if not isinstance(weights, pd.Series) else weights.reindex(s.index)
    v = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64)
    ok = ~np.isnan(v)
    wv = np.ones(len(v)) if w is None else np.asarray(w, dtype=np.float64)
    if w is not None:
        ok &= np.isfinite(wv) & (wv > 0)
    v, wv = v[ok], wv[ok]
    bad = (v < 0) | (v > 10) | (np.mod(v, 1) != 0)
    if bad.any():
        raise ValueError(f"NPS answers must be integers 0–10; found {sorted(set(v[bad].tolist()))[:10]}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    n = len(v)
    if n == 0:
        raise ValueError("no NPS answers to score")
    tot = wv.sum()
    P = wv[v >= 9].sum() / tot
    D = wv[v <= 6].sum() / tot
    A = 1.0 - P - D
    n_eff = tot ** 2 / np.sum(wv ** 2)
    var = max(P + D - (P - D) ** 2, 0.0) / n_eff
    se = 100 * math.sqrt(var)
    z = stats.norm.ppf(0.5 + confidence / 2)
    val = 100 * (P - D)
    warn = ()
    if P in (0.0, 1.0) or D in (0.0, 1.0) or n < 30:
        warn = (f"the Wald interval is unreliable with n = {n} or with no (or only) promoters or detractors; "
                "treat the interval as indicative",)
    return NPSResult(nps=float(val), promoters=float(P), passives=float(A), detractors=float(D), nobs=int(n),
                     n_effective=float(n_eff), se=float(se), ci_low=float(max(-100.0, val - z * se)),
                     ci_high=float(min(100.0, val + z * se)), confidence=float(confidence),
                     method="wald (multinomial variance of P - D)", warnings=warn)
