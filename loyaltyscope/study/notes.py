"""The report's sentences about a step's results, in the study's language: the fit verdict,
the invariance level, the wave comparison, the Dick & Basu segments and the driver ranking.

Every sentence is a catalogue phrase (:mod:`loyaltyscope.report.i18n`) filled with numbers
from the result's tables; the result's own English ``summary()`` is left as it is. The fit
verdict states its cut-offs (Hu & Bentler 1999: CFI and TLI ≥ .95, RMSEA ≤ .06, SRMR ≤ .08).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from loyaltyscope.analyses.inputs import fmt_p
from loyaltyscope.report.i18n import cell, phrase

__all__ = ["FIT_CUTOFFS", "fit_verdict", "fit_note", "invariance_note", "waves_note", "loyalty_note",
           "drivers_note"]

FIT_CUTOFFS = {"cfi": (">=", 0.95), "tli": (">=", 0.95), "rmsea": ("<=", 0.06), "srmr": ("<=", 0.08)}


def fit_verdict(fm) -> pd.DataFrame:
    """One row per index: value, the cut-off used and whether it is met (Hu & Bentler 1999);
    the robust version of an index is used when the fit has one."""
    rows = []
    for key, (op, cut) in FIT_CUTOFFS.items():
        val = fm.get(f"{key}.robust", np.nan)
        name = f"{key}.robust"
        if not np.isfinite(val):
            val, name = fm.get(key, np.nan), key
        ok = (val >= cut) if op == ">=" else (val <= cut)
        rows.append({"index": name, "value": val, "cutoff": f"{op} {cut}",
                     "verdict": "met" if np.isfinite(val) and ok else ("not met" if np.isfinite(val) else "")})
    return pd.DataFrame(rows).set_index("index")


def fit_note(verdict: pd.DataFrame, language: str) -> str:
    """'Fit verdict: cfi = 0.998 (>= 0.95: met); ... Cut-offs: Hu & Bentler (1999).'"""
    sep = phrase("list_sep", language)
    items = sep.join(phrase("fit_item", language, index=i, value=r.value, cutoff=_cutoff(r.cutoff, language),
                            verdict=phrase(r.verdict, language))
                     for i, r in verdict.iterrows() if np.isfinite(r.value))
    return phrase("fit_note", language, items=items)


def _cutoff(text: str, language: str) -> str:
    return text if language == "en" else text.replace(">=", "≥").replace("<=", "≤")


def _and(values, language: str) -> str:
    return ("、" if language == "zh" else ", ").join(map(str, values))


def _level(name: str, language: str) -> str:
    return name if language == "en" else cell(name, language) + "不变性"


def invariance_note(res, language: str) -> str:
    """The highest invariance level whose step keeps ΔCFI and ΔRMSEA within the cut-offs
    (as ``ls.invariance`` judges them), with the cut-offs."""
    t, cuts = res.table, dict(res.cutoffs)
    if not len(t):
        return phrase("invariance_none", language)
    level = str(t.index[0])
    for lvl in t.index[1:]:
        r = t.loc[lvl]
        if not (np.isfinite(r["delta_cfi"]) and r["delta_cfi"] >= -cuts.get("delta_cfi", 0.01)
                and r["delta_rmsea"] <= cuts.get("delta_rmsea", 0.015)):
            break
        level = str(lvl)
    note = phrase("invariance_note", language, level=_level(level, language))
    if "delta_cfi" in cuts and "delta_rmsea" in cuts:
        note += phrase("invariance_cutoffs", language, delta_cfi=cuts["delta_cfi"], delta_rmsea=cuts["delta_rmsea"])
    return note


def waves_note(res, language: str) -> str:
    """Waves compared, the invariance level, and each construct's difference (latent means
    with d under scalar invariance, else Welch's test of the scale scores)."""
    sep = phrase("list_sep", language)
    note = phrase("waves_note", language, waves=_and(res.waves, language), level=_level(res.level, language))
    if not res.latent_means.empty:
        items = sep.join(phrase("waves_latent_item", language, construct=r.construct, wave=r.wave, vs=r.vs, d=r.d,
                                size=cell(r.size, language), p=fmt_p(r.pvalue))
                         for r in res.latent_means.itertuples(index=False))
        note += phrase("waves_latent", language, items=items)
    elif not res.scale_tests.empty:
        items = sep.join(phrase("waves_scale_item", language, construct=c, p=fmt_p(r["pvalue"]))
                         for c, r in res.scale_tests.iterrows())
        note += phrase("waves_scale", language, items=items)
    return note


def loyalty_note(res, language: str) -> str:
    """The four Dick & Basu segments with their sizes."""
    total = max(int(res.counts.sum()), 1)
    items = phrase("list_sep", language).join(
        phrase("loyalty_item", language, segment=cell(str(s), language), n=int(n), share=n / total)
        for s, n in res.counts.items())
    return phrase("loyalty_note", language, items=items)


def drivers_note(res, language: str) -> str:
    """The outcome, R² and the drivers ranked by their Shapley share."""
    ranking = res.importance.sort_values("shapley_pct", ascending=False).index
    return phrase("drivers_note", language, outcome=res.outcome, r2=res.r2, ranking=_and(ranking, language))
