"""Comparing survey waves (``ls.compare_waves``): measurement invariance first, then means.

1. Measurement invariance across waves (``ls.invariance``: configural → metric → scalar, with
   (scaled) chi-square difference tests, ΔCFI and ΔRMSEA; a step is supported when CFI drops
   by at most 0.010 (Cheung & Rensvold 2002) and RMSEA rises by at most 0.015 (Chen 2007)).
2. With scalar invariance: latent mean differences from the scalar model (the first wave's
   latent means fixed at 0; est, SE, z, p), with ``d = κ / sqrt(ψ_first)`` in the first wave's
   latent SD.
3. Always (and the basis of the verdict when scalar invariance fails): scale scores (the mean
   of the answered items, the instrument's reverse-keyed items reversed first) compared by
   Welch's ANOVA and Games–Howell pairwise tests with Hedges' g (pingouin: ``welch_anova``,
   ``pairwise_gameshowell``).
4. NPS per wave (``ls.nps``) and its change from the first wave, with the interval
   ``Δ ± z sqrt(se_1² + se_2²)`` (independent samples).
5. A plain-language verdict stating the cut-offs: |d| < 0.2 negligible, < 0.5 small,
   < 0.8 medium, else large (Cohen 1988); differences at alpha = 0.05.

R: ``semTools::measEq.syntax`` / lavaan ``group.equal``; ``oneway.test(var.equal = FALSE)``,
``rstatix::games_howell_test``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from loyaltyscope.analyses.inputs import (AnalysisError, as_frame, construct_items, extreme_values, fmt_p,
                                          item_means, require_columns, resolve_instrument)
from loyaltyscope.analyses.figures import waves_figure
from loyaltyscope.numerics.display import ResultProtocol
from loyaltyscope.numerics.options import check_choice, check_level, check_positive

__all__ = ["compare_waves", "WaveComparison", "effect_label"]


def effect_label(d: float) -> str:
    a = abs(d)
    return "negligible" if a < 0.2 else "small" if a < 0.5 else "medium" if a < 0.8 else "large"


@dataclass(frozen=True, eq=False)
class WaveComparison(ResultProtocol):
    """Result of :func:`compare_waves`: ``invariance`` (the ladder table), ``level`` (highest
    supported step), ``latent_means`` (scalar model; empty without scalar invariance),
    ``scale_tests`` (Welch ANOVA per construct), ``pairwise`` (Games–Howell), ``nps``
    (per wave and change; empty without an NPS item), ``verdict`` (lines of text)."""
    title = "Comparison of survey waves"

    wave: str
    waves: tuple
    invariance: pd.DataFrame
    level: str
    latent_means: pd.DataFrame
    scale_tests: pd.DataFrame
    pairwise: pd.DataFrame
    nps: pd.DataFrame
    verdict: tuple[str, ...]
    invariance_result: object = None
    warnings: tuple[str, ...] = ()

    def _headline(self) -> list[str]:
        return [f"Waves ({self.wave}): {', '.join(map(str, self.waves))}."] + list(self.verdict)

    def tables(self) -> dict[str, pd.DataFrame]:
        inv = self.invariance.drop(columns=["verdict"], errors="ignore")
        out = {"invariance": inv}
        if not self.latent_means.empty:
            out["latent_means"] = self.latent_means
        out["scale_tests"] = self.scale_tests
        out["pairwise"] = self.pairwise
        if not self.nps.empty:
            out["nps"] = self.nps
        return out

    def plot(self, ax=None, language: str = "en"):
        """Scale-score means by wave (matplotlib Figure).
        Titles, axis labels and legends in ``language`` (``"en"`` or ``"zh"``)."""
        return waves_figure(self, ax=ax, language=language)


def _supported(table: pd.DataFrame, cuts: dict) -> str:
    level = "configural"
    for lvl in [x for x in ("metric", "scalar", "strict") if x in table.index]:
        r = table.loc[lvl]
        if not (np.isfinite(r["delta_cfi"]) and r["delta_cfi"] >= -cuts["delta_cfi"]
                and r["delta_rmsea"] <= cuts["delta_rmsea"]):
            break
        level = lvl
    return level


def _latent_means(fit, waves) -> pd.DataFrame:
    p = fit.params
    lvs = [v for v in p.loc[p["op"] == "=~", "lhs"].unique()]
    rows = []
    for g in range(2, len(waves) + 1):
        for lv in lvs:
            m = p[(p["op"] == "~1") & (p["lhs"] == lv) & (p["group"] == g)].iloc[0]
            var1 = p[(p["op"] == "~~") & (p["lhs"] == lv) & (p["rhs"] == lv) & (p["group"] == 1)].iloc[0]["est"]
            d = m["est"] / np.sqrt(var1)
            rows.append({"construct": lv, "wave": waves[g - 1], "vs": waves[0], "est": m["est"], "se": m["se"],
                         "z": m["z"], "pvalue": m["pvalue"], "ci_lower": m["ci_lower"], "ci_upper": m["ci_upper"],
                         "d": d, "size": effect_label(d)})
    return pd.DataFrame(rows)


def _scale_tests(scores: pd.DataFrame, wave: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    import pingouin as pg
    rows, pairs = [], []
    for c in scores.columns:
        d = pd.DataFrame({"score": scores[c], "wave": wave}).dropna()
        w = pg.welch_anova(data=d, dv="score", between="wave")
        rows.append({"construct": c, "F": float(w["F"].iloc[0]), "df1": float(w["ddof1"].iloc[0]),
                     "df2": float(w["ddof2"].iloc[0]), "pvalue": float(w["p_unc"].iloc[0] if "p_unc" in w else
                                                                       w["p-unc"].iloc[0]),
                     "np2": float(w["np2"].iloc[0]),
                     **{f"mean[{k}]": v for k, v in d.groupby("wave")["score"].mean().items()}})
        gh = pg.pairwise_gameshowell(data=d, dv="score", between="wave", effsize="hedges")
        gh.insert(0, "construct", c)
        pairs.append(gh)
    return pd.DataFrame(rows).set_index("construct"), pd.concat(pairs, ignore_index=True)


def _nps_table(df, item, wave_col, waves, confidence) -> pd.DataFrame:
    from loyaltyscope import nps
    rows = []
    for w in waves:
        try:
            r = nps(df.loc[df[wave_col] == w, item], confidence=confidence)
        except ValueError as e:
            raise AnalysisError(f"NPS item {item!r} in wave {w!r}: {e}") from None
        rows.append({"wave": w, "nps": r.nps, "se": r.se, "ci_low": r.ci_low, "ci_high": r.ci_high, "n": r.nobs})
    t = pd.DataFrame(rows).set_index("wave")
    z = stats.norm.ppf(0.5 + confidence / 2)
    t["change"] = t["nps"] - t["nps"].iloc[0]
    se = np.sqrt(t["se"] ** 2 + t["se"].iloc[0] ** 2)
    t["change_low"] = t["change"] - z * se
    t["change_high"] = t["change"] + z * se
    t.iloc[0, t.columns.get_indexer(["change", "change_low", "change_high"])] = np.nan
    return t


def compare_waves(data, wave: str, model: str | None = None, *, instrument=None, constructs=None,
                  estimator: str = "ML", nps_item: str | None = None, alpha: float = 0.05,
                  delta_cfi: float = 0.010, delta_rmsea: float = 0.015, confidence: float = 0.95) -> WaveComparison:
    """Compare survey waves: invariance, latent or scale-score mean differences, NPS change.

    Parameters
    ----------
    data : DataFrame or Responses with the items and the ``wave`` column.
    wave : column identifying the wave (its values in order of first appearance; the first is
        the reference).
    model : lavaan CFA syntax (default: the instrument's constructs, ``constructs`` if given).
    instrument : name or Instrument (default: the responses' own instrument).
    estimator : of the invariance fits (``"MLR"`` gives scaled difference tests).
    nps_item : column of a 0–10 recommendation item (default: the instrument's NPS item).
    alpha, delta_cfi, delta_rmsea : the cut-offs, printed with the verdict.
    confidence : level of the NPS intervals.
    """
    from loyaltyscope import invariance
    df, inst_r, _w = as_frame(data)
    inst = resolve_instrument(instrument, inst_r)
    check_choice(estimator, "estimator", ("ML", "MLR", "MLM"), AnalysisError)
    for name, v in (("alpha", alpha), ("confidence", confidence)):
        check_level(v, name, AnalysisError)
    for name, v in (("delta_cfi", delta_cfi), ("delta_rmsea", delta_rmsea)):
        check_positive(v, name, AnalysisError)
    if not isinstance(wave, str) or wave not in df.columns:
        raise AnalysisError(f"wave column {wave!r} not found in data")
    waves = tuple(pd.unique(df[wave].dropna()))
    if len(waves) < 2:
        raise AnalysisError(f"column {wave!r} has {len(waves)} wave(s); at least 2 are needed")
    if model is None:
        if inst is None:
            raise AnalysisError("pass model= (lavaan syntax) or an instrument")
        groups = construct_items(inst, constructs)
        groups = {c: its for c, its in groups.items() if all(i in df.columns for i in its) and len(its) >= 2}
        if not groups:
            raise AnalysisError("none of the instrument's constructs has all its items in data")
        model = "".join(f"{c} =~ {' + '.join(its)}\n" for c, its in groups.items())
    else:
        from loyaltyscope.analyses.path_effects import measurement_items
        groups = measurement_items(model)
    require_columns(df, [i for its in groups.values() for i in its])
    warns: list[str] = extreme_values(df, [i for its in groups.values() for i in its])
    inv = invariance(model, df, wave, levels=("configural", "metric", "scalar"), estimator=estimator,
                     delta_cfi=delta_cfi, delta_rmsea=delta_rmsea, alpha=alpha)
    for lvl, f in inv.fits.items():
        warns += [f"{lvl}: {w}" for w in f.warnings]
    level = _supported(inv.table, inv.cutoffs)
    latent = _latent_means(inv.fits["scalar"], waves) if level in ("scalar", "strict") else pd.DataFrame()
    scores = item_means(df, groups, inst)
    scale_tests, pairwise = _scale_tests(scores, df[wave])
    if nps_item is None and inst is not None:
        cand = [i.id for i in inst.items if inst.scales[i.scale].type == "nps" and i.id in df.columns]
        nps_item = cand[0] if cand else None
    if nps_item is not None and nps_item not in df.columns:
        raise AnalysisError(f"nps_item {nps_item!r} is not a column of data")
    nps_t = _nps_table(df, nps_item, wave, waves, confidence) if nps_item else pd.DataFrame()
    verdict = [f"Measurement invariance: highest level supported is {level} (a step fails when CFI drops by more "
               f"than {delta_cfi:.3f} (Cheung & Rensvold 2002) or RMSEA rises by more than {delta_rmsea:.3f} "
               "(Chen 2007))."]
    if not latent.empty:
        verdict.append("Latent means compared in the scalar model (effect d in the first wave's latent SD; "
                       "|d| < 0.2 negligible, < 0.5 small, < 0.8 medium, else large):")
        for r in latent.itertuples(index=False):
            sig = "differs" if r.pvalue < alpha else "does not differ significantly"
            verdict.append(f"  {r.construct}: wave {r.wave} {sig} from {r.vs} (d = {r.d:+.2f}, {r.size}; "
                           f"{fmt_p(r.pvalue)})")
    else:
        verdict.append("Without scalar invariance latent means are not comparable; scale scores are compared by "
                       "Welch's ANOVA and Games-Howell tests (Hedges' g; |g| < 0.2 negligible, < 0.5 small, "
                       "< 0.8 medium, else large), read with caution:")
        for c, r in scale_tests.iterrows():
            g = pairwise.loc[pairwise["construct"] == c, "hedges"]
            gmax = float(g.abs().max())
            sig = "differs across waves" if r["pvalue"] < alpha else "does not differ significantly"
            verdict.append(f"  {c}: {sig} (Welch F = {r['F']:.2f}, {fmt_p(r['pvalue'])}; largest |g| = {gmax:.2f}, "
                           f"{effect_label(gmax)})")
    if not nps_t.empty:
        last = nps_t.iloc[-1]
        moved = "changed" if (last["change_low"] > 0 or last["change_high"] < 0) else "did not change significantly"
        verdict.append(f"NPS {moved} from {waves[0]} to {waves[-1]}: {last['change']:+.1f} points "
                       f"({confidence:.0%} CI {last['change_low']:+.1f} to {last['change_high']:+.1f}).")
    return WaveComparison(wave, waves, inv.table, level, latent, scale_tests, pairwise, nps_t, tuple(verdict),
                          inv, tuple(warns))
