"""ls.compare_waves on two simulated waves with known latent mean shift (scalar invariance
holds) and with a shifted item intercept (scalar invariance fails): the right basis, the
truth inside the interval, pingouin's tests and the NPS change."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import loyaltyscope as ls

INST = ls.load_instrument("brand_loyalty")
ITEMS = list(INST.items_of("attitudinal")) + list(INST.items_of("purchase"))


def population(shift: float, al1_intercept: float = 4.0) -> str:
    s = ("attitudinal =~ " + " + ".join(f"0.8*{i}" for i in INST.items_of("attitudinal"))
         + "\npurchase =~ " + " + ".join(f"0.8*{i}" for i in INST.items_of("purchase"))
         + f"\nattitudinal ~~ 0.5*purchase\nattitudinal ~ {shift}*1\n")
    for i in ITEMS:
        s += f"{i} ~ {al1_intercept if i == 'al1' else 4.0}*1\n"
    return s


def two_waves(shift, al1_intercept=4.0, n=400):
    a = ls.simulate(population(0.0), n, seed=1).assign(wave="2024")
    b = ls.simulate(population(shift, al1_intercept), n, seed=2).assign(wave="2025")
    d = pd.concat([a, b], ignore_index=True)
    rng = np.random.default_rng(0)
    d["recommend"] = np.clip(np.round(rng.normal(7 + (d["wave"] == "2025"), 2)), 0, 10)
    return d


def test_latent_mean_shift_recovered_under_scalar_invariance():
    d = two_waves(0.5)
    r = ls.compare_waves(d, "wave", instrument=INST, constructs=["attitudinal", "purchase"], nps_item="recommend")
    assert r.level == "scalar"
    lm = r.latent_means.set_index("construct")
    # the fitted first loading is 1 where the population's is 0.8: the shift is 0.8 * 0.5 on that scale
    assert lm.loc["attitudinal", "ci_lower"] < 0.4 < lm.loc["attitudinal", "ci_upper"]
    assert lm.loc["purchase", "ci_lower"] < 0 < lm.loc["purchase", "ci_upper"]
    assert "scalar" in r.verdict[0] and "0.010" in r.verdict[0]
    # NPS per wave equals ls.nps; the change interval combines both SEs
    for w in ("2024", "2025"):
        assert r.nps.loc[w, "nps"] == pytest.approx(ls.nps(d.loc[d["wave"] == w, "recommend"]).nps)
    se = np.sqrt((r.nps["se"] ** 2).sum())
    assert r.nps.loc["2025", "change_high"] - r.nps.loc["2025", "change"] == pytest.approx(1.959964 * se, rel=1e-5)


def test_scale_scores_when_scalar_invariance_fails():
    import pingouin as pg
    d = two_waves(0.0, al1_intercept=5.5)
    r = ls.compare_waves(d, "wave", instrument=INST, constructs=["attitudinal", "purchase"], nps_item="recommend")
    assert r.level == "metric" and r.latent_means.empty
    assert any("not comparable" in v for v in r.verdict)
    score = d[list(INST.items_of("attitudinal"))].mean(axis=1)
    w = pg.welch_anova(data=pd.DataFrame({"s": score, "w": d["wave"]}), dv="s", between="w")
    assert r.scale_tests.loc["attitudinal", "F"] == pytest.approx(float(w["F"].iloc[0]))
    assert set(r.pairwise.columns) >= {"construct", "A", "B", "hedges", "pval"}
    assert "Welch" in r.summary()


def test_bad_input():
    d = two_waves(0.0, n=50)
    with pytest.raises(ls.AnalysisError, match="season"):
        ls.compare_waves(d, "season", instrument=INST)
    with pytest.raises(ls.AnalysisError, match="at least 2"):
        ls.compare_waves(d[d["wave"] == "2024"], "wave", instrument=INST)
