"""Preferences for relationship-marketing contact channels (``ls.channel_preferences``).

After Sorce (2002): 160 adults rated sixteen ways a company may keep in touch; four factors
(printed mail, e-mail, telemarketing, face-to-face). The analysis, in order:

1. Sampling adequacy: KMO (Kaiser 1974) and Bartlett's sphericity test (``ls.kmo``,
   ``ls.bartlett``).
2. Retention: parallel analysis (Horn 1965; ``ls.parallel_analysis``, FA eigenvalues) and
   Velicer's MAP (``ls.velicer_map``); ``n_factors`` from parallel analysis unless given.
3. EFA (``ls.efa``, minres, oblimin by default) on polychoric correlations when every item is
   a Likert item with at most 7 points (``cor="auto"``), else Pearson.
4. Naming: each factor is matched to a channel of the instrument by Tucker's congruence
   coefficient ``φ = Σ λ h / sqrt(Σ λ² Σ h²)`` between its loadings and the channel's
   hypothesized 0/1 pattern, one channel per factor (Hungarian assignment maximising |φ|);
   factors left over are named ``factor k``. Each item is assigned to the factor where its
   absolute loading is largest.
5. CFA of the hypothesized channel model against models with fewer factors, made by merging
   the two most correlated channels step by step down to one factor (a merged model is the
   hypothesized one with that correlation fixed at 1); each is compared with the hypothesized
   model by the (scaled) chi-square difference (``ls.compare``) and by AIC/BIC.
6. Scores: each channel's item mean (reverse-keyed items reversed first); ``preferred`` is the
   channel with the highest score ("tie" when several share it); profiles by a grouping column
   when given.

R: ``psych::KMO``, ``psych::cortest.bartlett``, ``psych::fa.parallel``, ``psych::VSS`` (MAP),
``psych::fa(cor = "poly")``, ``psych::factor.congruence``, ``lavaan::cfa`` + ``lavTestLRT``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from loyaltyscope.analyses.inputs import (AnalysisError, as_frame, construct_items, extreme_values, item_means,
                                          require_columns, resolve_instrument)
from loyaltyscope.analyses.nested import compare
from loyaltyscope.analyses.figures import loadings_figure
from loyaltyscope.numerics.display import ResultProtocol
from loyaltyscope.numerics.options import check_choice, check_count, check_seed

__all__ = ["channel_preferences", "ChannelPreferencesResult", "tucker_congruence"]


def tucker_congruence(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Tucker's congruence coefficients between the columns of A and of B (R:
    ``psych::factor.congruence``)."""
    A, B = np.asarray(A, float), np.asarray(B, float)
    return (A.T @ B) / np.sqrt(np.outer((A ** 2).sum(0), (B ** 2).sum(0)))


@dataclass(frozen=True, eq=False)
class ChannelPreferencesResult(ResultProtocol):
    """Result of :func:`channel_preferences`.

    ``n_factors``; ``assignment`` (Series item → channel label); ``loadings`` (items × named
    factors, sorted, with ``channel`` hypothesized and ``factor`` assigned); ``congruence``
    (factors × channels); ``model_comparison``; ``scores`` (respondent × channel);
    ``preferred`` (Series respondent → channel); ``profiles`` (by group, or empty);
    ``adequacy`` (KMO, Bartlett, parallel analysis, MAP)."""
    title = "Channel preferences: exploratory and confirmatory factor analysis (after Sorce 2002)"

    n_factors: int
    assignment: pd.Series
    loadings: pd.DataFrame
    congruence: pd.DataFrame
    model_comparison: pd.DataFrame
    scores: pd.DataFrame
    preferred: pd.Series
    profiles: pd.DataFrame
    adequacy: pd.DataFrame
    cor: str
    rotation: str
    cut: float = 0.3
    efa: object = None
    fits: dict = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def nobs(self) -> int:
        return len(self.scores)

    def _headline(self) -> list[str]:
        hyp = self.loadings["channel"]
        agree = int((self.assignment == hyp.reindex(self.assignment.index)).sum())
        share = self.preferred.value_counts()
        return [f"N = {self.nobs}; {self.n_factors} factors ({self.cor} correlations, minres, {self.rotation}); "
                f"{agree} of {len(self.assignment)} items load highest on their hypothesized channel.",
                "Factors named by Tucker congruence with the instrument's channels; loadings below "
                f"{self.cut} are blank in the table.",
                "Preferred channel (highest item mean): " + ", ".join(f"{k} {v}" for k, v in share.items())]

    def tables(self) -> dict[str, pd.DataFrame]:
        lt = self.loadings.copy()
        fac = [c for c in lt.columns if c not in ("channel", "factor", "h2")]
        for c in fac:
            lt[c] = [f"{v:.3f}" if abs(v) >= self.cut else "" for v in lt[c]]
        tabs = {"adequacy": self.adequacy, "loadings": lt, "congruence": self.congruence,
                "model_comparison": self.model_comparison, "profiles": self.profiles}
        return {k: v for k, v in tabs.items() if not v.empty}

    def plot(self, ax=None, language: str = "en"):
        """Heat map of the sorted loadings (matplotlib Figure).
        Titles, axis labels and legends in ``language`` (``"en"`` or ``"zh"``)."""
        return loadings_figure(self, ax=ax, language=language)


def _auto_cor(inst, items) -> str:
    likert = all(inst.scale_of(i).type == "likert" and inst.scale_of(i).k <= 7 for i in items)
    return "poly" if likert else "pearson"


def _name_factors(L: pd.DataFrame, H: pd.DataFrame, labels: dict) -> tuple[list[str], pd.DataFrame, list[int]]:
    phi = tucker_congruence(L.to_numpy(), H.to_numpy())
    rows, cols = linear_sum_assignment(-np.abs(phi))
    names = [f"factor {j + 1}" for j in range(L.shape[1])]
    signs = [1] * L.shape[1]
    for r, c in zip(rows, cols):
        names[r] = labels[H.columns[c]]
        signs[r] = -1 if phi[r, c] < 0 else 1
    cong = pd.DataFrame(phi * np.array(signs)[:, None], index=names,
                        columns=[labels[c] for c in H.columns])
    return names, cong, signs


def _merge_models(groups: dict[str, list[str]], fit) -> list[tuple[str, dict[str, list[str]]]]:
    """Successively merge the two channels with the highest latent correlation."""
    p = fit.params
    cov = p[(p["op"] == "~~") & (p["lhs"] != p["rhs"]) & p["lhs"].isin(groups) & p["rhs"].isin(groups)]
    corr = {frozenset((r.lhs, r.rhs)): r.std_all for r in cov.itertuples(index=False)}
    members = {g: [g] for g in groups}
    out = []
    while len(members) > 1:
        best, pair = -np.inf, None
        keys = list(members)
        for i, a in enumerate(keys):
            for b in keys[i + 1:]:
                vals = [corr.get(frozenset((x, y)), 0.0) for x in members[a] for y in members[b]]
                if np.mean(vals) > best:
                    best, pair = np.mean(vals), (a, b)
        a, b = pair
        new = f"{a}+{b}"
        members = {**{k: v for k, v in members.items() if k not in pair}, new: members[a] + members[b]}
        model = {k.replace("+", "_"): [i for g in v for i in groups[g]] for k, v in members.items()}
        out.append((f"{len(members)} factor{'s' if len(members) > 1 else ''} (merged {a} & {b})", model))
    return out


def _syntax(groups: dict[str, list[str]]) -> str:
    return "".join(f"{g} =~ {' + '.join(its)}\n" for g, its in groups.items())


def _comparison(df, groups, estimator, warns, fits) -> pd.DataFrame:
    from loyaltyscope import sem
    hyp = sem(_syntax(groups), df, estimator=estimator)
    fits["hypothesized"] = hyp
    warns += [f"hypothesized CFA: {w}" for w in hyp.warnings]
    keys = ("npar", "df", "chisq", "chisq.scaled", "cfi", "tli", "rmsea", "srmr", "aic", "bic")
    rows = {f"hypothesized ({len(groups)} channels)": {k: hyp.fit_measures.get(k, np.nan) for k in keys}}
    for name, model in _merge_models(groups, hyp):
        f = sem(_syntax(model), df, estimator=estimator)
        fits[name] = f
        warns += [f"{name}: {w}" for w in f.warnings]
        row = {k: f.fit_measures.get(k, np.nan) for k in keys}
        c = compare(hyp, f, names=["hypothesized", name])
        warns += list(c.warnings)
        row.update(chisq_diff=c.statistic, df_diff=c.df, pvalue_diff=c.pvalue)
        rows[name] = row
    t = pd.DataFrame(rows).T
    t.index.name = "model"
    t["n_factors"] = [len(groups)] + [int(n.split()[0]) for n in t.index[1:]]
    t["best_aic"] = t["aic"] == t["aic"].min()
    t["best_bic"] = t["bic"] == t["bic"].min()
    return t


def channel_preferences(data, instrument="channel_preferences", n_factors: int | None = None,
                        rotation: str = "oblimin", cor: str = "auto", seed: int | None = 1, *,
                        group: str | None = None, cut: float = 0.3, estimator: str = "MLR",
                        n_iter: int = 100) -> ChannelPreferencesResult:
    """Channel-preference factor analysis: adequacy, retention, EFA named by channel, CFA
    comparison, scores and each respondent's preferred channel.

    Parameters
    ----------
    data : DataFrame or Responses with the instrument's items.
    instrument : the instrument (name or Instrument) whose constructs are the channels.
    n_factors : number of EFA factors (default: parallel analysis).
    rotation : EFA rotation (default oblimin).
    cor : ``"auto"`` (polychoric for Likert items up to 7 points, else Pearson), ``"poly"`` or
        ``"pearson"``.
    seed : seed of parallel analysis and of the rotation starts.
    group : column for channel profiles by group (e.g. age band).
    cut : loadings below this (absolute) are blank in the printed table.
    estimator : of the CFAs (default MLR).
    n_iter : parallel-analysis iterations.

    Steps, formulas and references: module docstring of :mod:`loyaltyscope.analyses.channels`.
    """
    from loyaltyscope import bartlett, efa, kmo, parallel_analysis, velicer_map
    df, inst_r, _w = as_frame(data)
    inst = resolve_instrument(instrument, inst_r)
    if inst is None:
        raise AnalysisError("an instrument defining the channels is needed")
    groups = construct_items(inst)
    items = [i for g in groups.values() for i in g]
    require_columns(df, items, "data (channel items)")
    if group is not None and group not in df.columns:
        raise AnalysisError(f"group column {group!r} not found in data")
    if cor not in ("auto", "poly", "pearson"):
        raise AnalysisError(f"cor must be 'auto', 'poly' or 'pearson', got {cor!r}")
    _check_options(items, n_factors, rotation, seed, cut, estimator, n_iter)
    kind = _auto_cor(inst, items) if cor == "auto" else cor
    X = df[items]
    warns: list[str] = extreme_values(df, items, "data (channel items)")
    if group is not None and df[group].isna().any():
        warns.append(f"{int(df[group].isna().sum())} respondents without a {group!r} value are left out of the "
                     "profiles by group")
    k_stat = kmo(X)
    b_stat = bartlett(X)
    pa = parallel_analysis(X, n_iter=n_iter, seed=seed, fa="fa", cor=kind)
    mp = velicer_map(X)
    warns += list(k_stat.warnings) + list(pa.warnings)
    adequacy = pd.DataFrame({"value": [k_stat.overall, b_stat.chisq, b_stat.pvalue, pa.n_factors, mp.n_factors],
                             "note": ["KMO overall (>= 0.6 adequate)", f"Bartlett chi-square on {b_stat.df:g} df",
                                      "Bartlett p-value", f"parallel analysis ({pa.n_iter} iterations, {kind})",
                                      "Velicer MAP"]},
                            index=pd.Index(["kmo", "bartlett_chisq", "bartlett_pvalue", "parallel_analysis",
                                            "map"], name="statistic"))
    k = n_factors if n_factors is not None else pa.n_factors
    if not k or k < 1:
        k = len(groups)
        warns.append(f"parallel analysis retained no factor; {k} (the number of channels) used")
    e = efa(X, int(k), rotation=rotation, cor=kind, seed=seed)
    warns += [f"EFA: {w}" for w in e.warnings]
    labels = {c: inst.constructs[c].label.get("en", c) for c in groups}
    H = pd.DataFrame({c: [1.0 if i in its else 0.0 for i in items] for c, its in groups.items()}, index=items)
    L = e.loadings.loc[items]
    names, cong, signs = _name_factors(L, H, labels)
    L = pd.DataFrame(L.to_numpy() * np.array(signs)[None, :], index=items, columns=names)
    hyp = pd.Series({i: labels[c] for c, its in groups.items() for i in its})
    assignment = L.abs().idxmax(axis=1).rename("channel")
    assignment.index.name = "item"
    table = L.assign(channel=hyp, factor=assignment, h2=e.communalities.loc[items].to_numpy())
    order = {n: j for j, n in enumerate(names)}
    table = table.assign(_o=[order[f] for f in assignment], _l=[-abs(L.loc[i, f]) for i, f in assignment.items()])
    table = table.sort_values(["_o", "_l"]).drop(columns=["_o", "_l"])
    moved = [i for i in items if assignment[i] != hyp[i]]
    if moved:
        warns.append(f"items loading highest outside their hypothesized channel: {moved}")
    fits: dict = {}
    try:
        comparison = _comparison(df, groups, estimator, warns, fits)
    except ValueError as err:
        warns.append(f"CFA comparison not available: {err}")
        comparison = pd.DataFrame()
    scores = item_means(df, {labels[c]: its for c, its in groups.items()}, inst)
    top = scores.max(axis=1)
    is_top = scores.eq(top, axis=0)
    preferred = pd.Series(np.where(is_top.sum(axis=1) > 1, "tie", scores.idxmax(axis=1).where(top.notna(), "")),
                          index=df.index, name="preferred")
    preferred[top.isna()] = np.nan
    profiles = pd.DataFrame()
    if group is not None:
        profiles = scores.groupby(df[group]).mean()
        shares = pd.crosstab(df[group], preferred, normalize="index").add_prefix("preferred: ")
        profiles = profiles.join(shares).assign(n=df.groupby(group).size())
    return ChannelPreferencesResult(int(k), assignment, table, cong, comparison, scores, preferred, profiles,
                                    adequacy, kind, rotation, cut, e, fits, tuple(warns))


def _check_options(items, n_factors, rotation, seed, cut, estimator, n_iter) -> None:
    """Bad options as an :class:`AnalysisError` before any computation."""
    from loyaltyscope.psychometrics.rotation import ROTATIONS
    if n_factors is not None:
        check_count(n_factors, "n_factors", 1, AnalysisError, maximum=len(items))
    check_choice(rotation, "rotation", tuple(ROTATIONS) + ("none", "geomin"), AnalysisError)
    check_seed(seed, AnalysisError)
    check_count(n_iter, "n_iter", 1, AnalysisError)
    check_choice(estimator, "estimator", ("ML", "MLR", "MLM"), AnalysisError)
    if not (isinstance(cut, (int, float)) and not isinstance(cut, bool) and 0 <= cut < 1):
        raise AnalysisError(f"cut (the smallest loading shown) must be a number in [0, 1), got {cut!r}")
