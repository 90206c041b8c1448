"""Issue 12: the careless-responding defaults, validated on honest simulated respondents.

Honest respondents are simulated from each built-in instrument's CFA (``ls.simulate``:
loadings .7, factor correlations .4, items cut into the scale's categories — equally likely,
or leaning to agreement as satisfied customers do: thresholds 0.8 SD lower, about 70 % of a
5-point item's answers in its top two categories), n = 1,000. No default rule may flag more
than 5 % of them; the even-odd index is skipped (with a note) where the instrument has too few
constructs or items for it to mean something, and computed — still under 5 % — where it has
enough (25 constructs of 4 items)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

import loyaltyscope as ls
from loyaltyscope.survey.screening import EVENODD_MIN_CONSTRUCTS, EVENODD_MIN_ITEMS

N = 1000
MAX_RATE = 0.05


def _population(constructs: dict[str, list[str]]) -> str:
    lines, cons = [], list(constructs)
    for c, items in constructs.items():
        lines.append(f"{c} =~ " + " + ".join(f"0.7*{i}" for i in items))
        lines.append(f"{c} ~~ 1*{c}")
        lines += [f"{i} ~~ 0.51*{i}" for i in items]
    lines += [f"{a} ~~ 0.4*{b}" for k, a in enumerate(cons) for b in cons[k + 1:]]
    return "\n".join(lines)


def honest(inst: ls.Instrument, seed: int, lean: float = 0.0) -> pd.DataFrame:
    """Honest answers; ``lean`` shifts the category thresholds down (towards agreement)."""
    model = _population({c: list(inst.items_of(c)) for c in inst.constructs})
    levels = {i: inst.scale_of(i).max - inst.scale_of(i).min + 1 for i in inst.item_ids}
    thresholds = {i: list(norm.ppf(np.arange(1, k) / k) - lean) for i, k in levels.items()}
    df = ls.simulate(model, N, seed=seed, ordinal_levels=levels, thresholds=thresholds)
    for i in inst.item_ids:
        df[i] = df[i] + inst.scale_of(i).min - 1
    df = df[list(inst.item_ids)]
    df.insert(0, "respondent", np.arange(1, N + 1))
    return df


@pytest.mark.parametrize("lean", [0.0, 0.8], ids=["uniform", "agreeing"])
@pytest.mark.parametrize("name", ls.list_instruments())
def test_no_default_rule_flags_more_than_5_percent_of_honest_respondents(name, lean):
    inst = ls.load_instrument(name)
    r = ls.read_responses(honest(inst, seed=7, lean=lean), inst)
    assert r.nobs == N and (r.problems["problem"] != "out of range").all()
    s = ls.screen(r)
    computed = [c for c in s.flags.columns if c.endswith("_flag")]
    assert {"longstring_flag", "irv_flag", "mahalanobis_flag"} <= set(computed)
    for c in computed:
        assert s.flags[c].mean() <= MAX_RATE, (name, c, s.flags[c].mean())
    # the built-in instruments have 4–8 constructs of 1–7 items: even-odd is skipped, with a note
    assert "evenodd_flag" not in computed
    assert any("even-odd index not computed" in n for n in s.notes)
    assert "even-odd index not computed" in s.summary()
    rules = s.thresholds.set_index("flag")
    assert rules.loc["evenodd", "rule"].startswith("not computed") and pd.isna(rules.loc["evenodd", "n_flagged"])


def _wide_instrument(n_constructs: int, n_items: int) -> ls.Instrument:
    return ls.load_instrument({
        "schema_version": 1,
        "instrument": {"name": "wide", "version": "1", "title": {"en": "wide"}, "citation": "synthetic",
                       "languages": ["en"], "wording": "adaptation"},
        "scales": {"agree7": {"type": "likert", "min": 1, "max": 7,
                              "labels": {c: {"en": f"point {c}"} for c in range(1, 8)}}},
        "constructs": {f"f{g}": {"label": {"en": f"facet {g}"}} for g in range(n_constructs)},
        "items": [{"id": f"f{g}_{j}", "text": {"en": f"item {g}.{j}"}, "scale": "agree7", "construct": f"f{g}"}
                  for g in range(n_constructs) for j in range(n_items)],
    })


def _honest_numpy(inst: ls.Instrument, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cons = list(inst.constructs)
    k = len(cons)
    F = rng.multivariate_normal(np.zeros(k), 0.4 + 0.6 * np.eye(k), size=N)
    cols = {}
    cuts = norm.ppf(np.arange(1, 7) / 7)
    for t, c in enumerate(cons):
        for i in inst.items_of(c):
            cols[i] = np.searchsorted(cuts, 0.7 * F[:, t] + np.sqrt(0.51) * rng.normal(size=N)) + 1
    return pd.DataFrame(cols)


def test_evenodd_is_computed_and_honest_where_the_instrument_is_wide_enough():
    inst = _wide_instrument(EVENODD_MIN_CONSTRUCTS, EVENODD_MIN_ITEMS)
    s = ls.screen(ls.read_responses(_honest_numpy(inst, 3), inst, id_column=None))
    assert "evenodd_flag" in s.flags and not s.notes
    assert s.flags["evenodd_flag"].mean() <= MAX_RATE
    for c in [c for c in s.flags.columns if c.endswith("_flag")]:
        assert s.flags[c].mean() <= MAX_RATE, c


def test_evenodd_default_would_flag_a_quarter_of_honest_respondents_on_small_instruments():
    """Why the rule exists: forced on 6 constructs of 3 items, the 0.30 cut-off flags ~25 %."""
    inst = ls.load_instrument("brand_loyalty")
    r = ls.read_responses(honest(inst, seed=7), inst)
    forced = ls.screen(r, evenodd_min_constructs=1, evenodd_min_items=2)
    assert forced.flags["evenodd_flag"].mean() > 0.15
