"""Attitudinal versus behavioral (purchase) loyalty and Dick & Basu's segments (``ls.loyalty``).

1. Discriminant validity of the two loyalties (survey purchase items): a two-factor CFA
   (attitudinal, purchase) against the one-factor model by the (scaled) chi-square
   difference (``ls.compare``, as lavTestLRT) — for congeneric items this is the
   likelihood-ratio test of φ = 1, as the one-factor model equals the two-factor model with
   φ fixed at 1 —; the Wald test of φ = 1 for the latent
   correlation (std_lv fit: ``z = (1 − φ̂) / se(φ̂)``); HTMT (Henseler, Ringle & Sarstedt 2015;
   ``ls.htmt``) and the Fornell–Larcker (1981) criterion (``ls.fornell_larcker``).
2. Dick & Basu (1994) segments from the two scale scores (item means, the instrument's
   reverse-keyed items reversed first): each score is split at
   the sample median (``split="median"``) or at the scale midpoint (``"midpoint"``); a score
   strictly above the cut is high. High attitude + high behavior: "true loyalty"; high
   attitude + low behavior: "latent loyalty"; low attitude + high behavior: "spurious
   loyalty"; low + low: "no loyalty".
3. ``behavior=``: observed behavior per respondent (e.g. ``ls.customer_metrics``' frequency,
   or share of wallet) replaces the purchase items; it is joined by respondent id, and ids
   without a match (either side) are counted and listed, never dropped silently.
4. Oliver's (1999) four phases (cognitive → affective → conative → action): mean, SD and alpha
   of each phase, overall and by segment, when the instrument's phase items are present.
5. ``by="brand"``: item means per brand, then the two-factor CFA (or ``brand_model``, e.g. the
   Chaudhuri & Holbrook 2001 chain trust/affect → purchase/attitudinal loyalty → market
   share/relative price) fitted at N = number of brands.

R: ``lavaan::cfa``, ``lavTestLRT``, ``semTools::htmt``; segments by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from loyaltyscope.analyses.inputs import (AnalysisError, as_frame, extreme_values, item_means, keyed_items,
                                          name_list, require_columns, resolve_instrument)
from loyaltyscope.analyses.nested import compare
from loyaltyscope.analyses.figures import segments_figure
from loyaltyscope.numerics.display import ResultProtocol
from loyaltyscope.numerics.options import check_choice

__all__ = ["loyalty", "LoyaltyResult", "SEGMENTS", "dick_basu"]

SEGMENTS = ("true loyalty", "latent loyalty", "spurious loyalty", "no loyalty")
PHASES = ("cognitive", "affective", "conative", "action")


def dick_basu(attitude: pd.Series, behavior: pd.Series, cut_attitude: float, cut_behavior: float) -> pd.Series:
    """Dick & Basu segment per respondent (NaN where a score is missing); high = above the cut."""
    ha, hb = attitude > cut_attitude, behavior > cut_behavior
    seg = np.select([ha & hb, ha & ~hb, ~ha & hb, ~ha & ~hb], list(SEGMENTS), default="")
    out = pd.Series(seg, index=attitude.index, dtype=object)
    out[attitude.isna() | behavior.isna()] = np.nan
    return out


@dataclass(frozen=True, eq=False)
class LoyaltyResult(ResultProtocol):
    """Result of :func:`loyalty`: ``segments`` (respondent → segment), ``counts``, ``scores``
    (attitudinal, behavioral), ``cuts`` and ``split``; ``validity`` (CFA tests, φ, HTMT,
    Fornell–Larcker); ``phases`` (Oliver's profile, empty when absent); ``unmatched`` (ids
    without behavior data and behavior ids without a respondent)."""
    title = "Attitudinal and behavioral loyalty (Dick & Basu 1994)"

    segments: pd.Series
    counts: pd.Series
    scores: pd.DataFrame
    cuts: dict
    split: str
    validity: pd.DataFrame
    phases: pd.DataFrame
    unmatched: dict = field(default_factory=dict)
    fits: dict = field(default_factory=dict)
    brand_fit: object = None
    warnings: tuple[str, ...] = ()

    @property
    def nobs(self) -> int:
        return int(self.segments.notna().sum())

    def _headline(self) -> list[str]:
        rule = ("sample median" if self.split == "median" else "scale midpoint")
        lines = [f"Segments of {self.nobs} respondents; scores split at the {rule} (attitudinal "
                 f"{self.cuts['attitudinal']:.3f}, behavioral {self.cuts['behavioral']:.3f}); above the cut is high.",
                 "true = high attitude & high behavior; latent = high attitude & low behavior; "
                 "spurious = low attitude & high behavior; no loyalty = low & low."]
        if not self.phases.empty:
            lines.append("Phases: Oliver (1999) cognitive -> affective -> conative -> action (item means, alpha).")
        if "HTMT" in self.validity.index:
            lines.append("Validity: scaled chi-square difference (Satorra & Bentler 2001), HTMT (Henseler, Ringle & "
                         "Sarstedt 2015), Fornell & Larcker (1981).")
        if self.unmatched:
            lines.append(f"Behavior joined by id: {len(self.unmatched.get('respondents', []))} respondents without "
                         f"behavior, {len(self.unmatched.get('behavior', []))} behavior ids without a respondent.")
        return lines

    def tables(self) -> dict[str, pd.DataFrame]:
        tabs = {"counts": self.counts.to_frame("n").assign(share=self.counts / max(self.counts.sum(), 1)),
                "validity": self.validity, "phases": self.phases}
        return {k: v for k, v in tabs.items() if not v.empty}

    def plot(self, ax=None, language: str = "en"):
        """Scatter of attitudinal against behavioral scores with the cuts (matplotlib Figure).
        Titles, axis labels and legends in ``language`` (``"en"`` or ``"zh"``)."""
        return segments_figure(self, ax=ax, language=language)


def _join_behavior(df: pd.DataFrame, behavior, column: str, id_column: str | None):
    ids = df[id_column] if id_column is not None else pd.Series(df.index, index=df.index)
    if isinstance(behavior, pd.DataFrame):
        if column not in behavior.columns:
            raise AnalysisError(f"behavior has no column {column!r} (columns: {list(behavior.columns)}); "
                                "name it with behavior_column=")
        b = behavior[column]
    elif isinstance(behavior, pd.Series):
        b = behavior
    else:
        raise AnalysisError(f"behavior must be a DataFrame or Series indexed by respondent id, got "
                            f"{type(behavior).__name__}")
    if b.index.duplicated().any():
        raise AnalysisError(f"behavior lists ids more than once: {list(b.index[b.index.duplicated()][:10])}")
    num = pd.to_numeric(b, errors="coerce")
    bad = b.index[(num.isna() & b.notna()).to_numpy() | np.isinf(num.to_numpy(dtype=float))]
    if len(bad):
        raise AnalysisError(f"behavior {column!r} must be finite numbers; ids {list(bad[:10])} have "
                            f"{[str(b.loc[i]) for i in bad[:5]]}")
    b = num
    matched = ids.isin(b.index)
    unmatched = {"respondents": list(ids[~matched]), "behavior": [i for i in b.index if i not in set(ids)]}
    values = pd.Series(b.reindex(ids.to_numpy()).to_numpy(), index=df.index)
    return values, unmatched


def _validity(df, att, beh, estimator, fits, warns) -> pd.DataFrame:
    two = f"attitudinal =~ {' + '.join(att)}\npurchase =~ {' + '.join(beh)}\n"
    one = f"loyalty =~ {' + '.join(att + beh)}\n"
    from loyaltyscope import fornell_larcker, htmt, sem
    f2 = sem(two, df, estimator=estimator)
    f1 = sem(one, df, estimator=estimator)
    fs = sem(two, df, estimator=estimator, std_lv=True)
    fits.update(two_factor=f2, one_factor=f1, two_factor_std_lv=fs)
    for nm, f in fits.items():
        warns += [f"{nm}: {w}" for w in f.warnings]
    if f2.fit_measures["df"] != f1.fit_measures["df"]:
        c = compare(f2, f1, names=["two_factor", "one_factor"])
        warns += list(c.warnings)
        lrt = {"statistic": c.statistic, "df": c.df, "pvalue": c.pvalue, "criterion": c.method}
    else:   # one item on a side: the two models are equivalent (lavaan's auto.fix.single)
        warns.append("the two- and one-factor CFAs have the same degrees of freedom (a construct with a "
                     "single item): they are equivalent models and the chi-square difference test is not available")
        lrt = {"statistic": np.nan, "df": np.nan, "pvalue": np.nan, "criterion": "equivalent models"}
    p = fs.params
    phi = p[(p["op"] == "~~") & (p["lhs"] == "attitudinal") & (p["rhs"] == "purchase")].iloc[0]
    z = (1 - phi["est"]) / phi["se"]
    from scipy import stats
    h = htmt(two, df).htmt.loc["attitudinal", "purchase"]
    fl = fornell_larcker(two, df).table
    sqrt_ave = min(fl.loc["attitudinal", "attitudinal"], fl.loc["purchase", "purchase"])
    rows = [
        {"test": "two- vs one-factor CFA", **lrt,
         "verdict": ("test not available" if not np.isfinite(lrt["pvalue"]) else
                     "two factors" if lrt["pvalue"] < 0.05 else "one factor not rejected")},
        {"test": "phi = 1 (Wald)", "statistic": z, "df": 1.0, "pvalue": float(2 * stats.norm.sf(abs(z))),
         "criterion": f"phi = {phi['est']:.3f} [{phi['ci_lower']:.3f}, {phi['ci_upper']:.3f}]",
         "verdict": "distinct" if phi["ci_upper"] < 1 else "not distinct"},
        {"test": "HTMT", "statistic": h, "df": np.nan, "pvalue": np.nan, "criterion": "< 0.85 (Henseler et al. 2015)",
         "verdict": "distinct" if h < 0.85 else "not distinct"},
        {"test": "Fornell-Larcker", "statistic": fl.loc["attitudinal", "purchase"], "df": np.nan, "pvalue": np.nan,
         "criterion": f"|correlation| < min sqrt(AVE) = {sqrt_ave:.3f}",
         "verdict": "distinct" if abs(fl.loc["attitudinal", "purchase"]) < sqrt_ave else "not distinct"},
    ]
    return pd.DataFrame(rows).set_index("test")


def _phases(df, inst, segments) -> pd.DataFrame:
    if inst is None or not all(ph in inst.constructs and inst.items_of(ph) for ph in PHASES):
        return pd.DataFrame()
    items = {ph: list(inst.items_of(ph)) for ph in PHASES}
    if not all(i in df.columns for its in items.values() for i in its):
        return pd.DataFrame()
    from loyaltyscope import alpha
    rows = []
    for ph, its in items.items():
        keyed = keyed_items(df, its, inst)
        s = keyed.mean(axis=1)
        row = {"phase": ph, "mean": s.mean(), "sd": s.std(), "alpha": alpha(keyed).raw_alpha}
        for seg in SEGMENTS:
            row[f"mean_{seg.split()[0]}"] = s[segments == seg].mean()
        rows.append(row)
    return pd.DataFrame(rows).set_index("phase")


def loyalty(data, attitudinal=None, behavioral=None, split: str = "median", behavior=None, *,
            behavior_column: str = "frequency", id_column: str | None = None, instrument="brand_loyalty",
            estimator: str = "MLR", by: str | None = None, brand_model: str | None = None) -> LoyaltyResult:
    """Attitudinal vs behavioral loyalty: discriminant validity and Dick & Basu segments.

    Parameters
    ----------
    data : DataFrame or Responses (respondent ids: the index, or ``id_column``).
    attitudinal, behavioral : item columns (default: the instrument's ``attitudinal`` and
        ``purchase`` items).
    split : ``"median"`` (sample median of each score) or ``"midpoint"`` (scale midpoint).
    behavior : observed behavior per respondent (DataFrame or Series indexed by respondent id,
        e.g. ``ls.customer_metrics(...)``); replaces the purchase items for the segments.
    behavior_column : the column of ``behavior`` to use (default ``frequency``).
    estimator : of the CFAs (default MLR: scaled difference test).
    by : a column (e.g. ``"brand"``): also fit at the level of its groups (item means).
    brand_model : lavaan syntax fitted to the brand-level means (default: the two-factor CFA).

    Method, cut rule and references: module docstring of
    :mod:`loyaltyscope.analyses.loyalty_segments`.
    """
    if split not in ("median", "midpoint"):
        raise AnalysisError(f"split must be 'median' or 'midpoint', got {split!r}")
    check_choice(estimator, "estimator", ("ML", "MLR", "MLM"), AnalysisError)
    df, inst_r, _w = as_frame(data)
    inst = resolve_instrument(instrument, inst_r)
    att = name_list(attitudinal, "attitudinal") if attitudinal is not None else \
        list(inst.items_of("attitudinal")) if inst else []
    beh = name_list(behavioral, "behavioral") if behavioral is not None else \
        list(inst.items_of("purchase")) if inst else []
    if not att:
        raise AnalysisError("no attitudinal items: pass attitudinal=[...] or an instrument with them")
    require_columns(df, att, "data (attitudinal items)")
    if id_column is not None:
        if id_column not in df.columns:
            raise AnalysisError(f"id column {id_column!r} not found in data")
        if df[id_column].duplicated().any():
            dup = list(df[id_column][df[id_column].duplicated()].unique()[:10])
            raise AnalysisError(f"id column {id_column!r} repeats ids {dup}: one row per respondent is expected")
    warns: list[str] = extreme_values(df, att + [b for b in beh if b in df.columns])
    fits: dict = {}
    unmatched: dict = {}
    scores = item_means(df, {"attitudinal": att}, inst)
    if behavior is not None:
        scores["behavioral"], unmatched = _join_behavior(df, behavior, behavior_column, id_column)
        if unmatched["respondents"]:
            shown = unmatched["respondents"][:10]
            warns.append(f"{len(unmatched['respondents'])} respondents have no behavior data (ids {shown}"
                         f"{' ...' if len(unmatched['respondents']) > 10 else ''}); they are not segmented")
        if unmatched["behavior"]:
            warns.append(f"{len(unmatched['behavior'])} behavior ids match no respondent "
                         f"(ids {unmatched['behavior'][:10]})")
        validity = pd.DataFrame({"statistic": [scores["attitudinal"].corr(scores["behavioral"])],
                                 "criterion": [f"Pearson correlation with observed {behavior_column}"]},
                                index=pd.Index(["attitude-behavior correlation"], name="test"))
    else:
        if not beh:
            raise AnalysisError("no behavioral items and no behavior=: pass behavioral=[...] or behavior=")
        require_columns(df, beh, "data (behavioral items)")
        scores["behavioral"] = item_means(df, {"behavioral": beh}, inst)["behavioral"]
        from loyaltyscope import DataError
        try:
            validity = _validity(df, att, beh, estimator, fits, warns)
        except DataError as e:
            warns.append(f"discriminant validity not assessed: the CFA cannot be fitted ({e})")
            validity = pd.DataFrame(index=pd.Index([], name="test"))
    if split == "median":
        cuts = {k: float(scores[k].median()) for k in ("attitudinal", "behavioral")}
    else:
        if behavior is not None:
            raise AnalysisError("split='midpoint' needs a rating scale; observed behavior has none: use 'median'")
        if inst is None:
            raise AnalysisError("split='midpoint' needs the instrument's scale")
        sc = inst.scale_of(att[0])
        cuts = {"attitudinal": (sc.min + sc.max) / 2, "behavioral": (inst.scale_of(beh[0]).min
                                                                     + inst.scale_of(beh[0]).max) / 2}
    if id_column is not None:
        scores.index = pd.Index(df[id_column], name="respondent")
    seg = dick_basu(scores["attitudinal"], scores["behavioral"], cuts["attitudinal"], cuts["behavioral"])
    if seg.notna().sum() == 0:
        raise AnalysisError(f"no respondent of the {len(df)} rows has both an attitudinal and a behavioral score: "
                            "nothing to segment")
    n_missing = int(seg.isna().sum()) - len(unmatched.get("respondents", []))
    if n_missing > 0:
        warns.append(f"{n_missing} respondents without a score (no answers to the items) are not segmented")
    counts = pd.Series({s: int((seg == s).sum()) for s in SEGMENTS}, name="n")
    counts.index.name = "segment"
    phases = _phases(df, inst, seg.set_axis(df.index))
    brand_fit = None
    if by is not None:
        brand_fit = _brand_level(df, by, att, beh, brand_model, estimator, warns)
    return LoyaltyResult(seg, counts, scores, cuts, split, validity, phases, unmatched, fits, brand_fit,
                         tuple(warns))


def _brand_level(df, by, att, beh, brand_model, estimator, warns):
    from loyaltyscope import sem
    if by not in df.columns:
        raise AnalysisError(f"by column {by!r} not found in data")
    num = df.select_dtypes("number").columns.drop(by, errors="ignore")
    means = df.groupby(by)[list(num)].mean()
    model = brand_model or f"attitudinal =~ {' + '.join(att)}\npurchase =~ {' + '.join(beh)}\n"
    fit = sem(model, means, estimator="ML" if len(means) < 100 else estimator)
    warns.append(f"brand level: fitted at N = {len(means)} {by} means (ML)")
    warns += [f"brand level: {w}" for w in fit.warnings]
    return fit
