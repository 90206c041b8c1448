"""ls.invariance: the group.equal ladder, difference tests as lavTestLRT, verdicts with cut-offs."""

import numpy as np
import pytest

import loyaltyscope as ls
from reference import compare_sem, load_case, load_data

HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


@pytest.fixture(scope="module")
def ladder():
    return ls.invariance(HS, ls.load_dataset("holzinger_swineford"), "school")


def test_each_level_matches_lavaan(ladder):
    for lvl in ("configural", "metric", "scalar", "strict"):
        case = load_case(f"hs_invariance_{lvl}")
        compare_sem(ladder.fits[lvl], case)


def test_ml_difference_tests(ladder):
    t = ladder.table
    # chi-square differences of the lavaan reference fits
    chisq = {lvl: load_case(f"hs_invariance_{lvl}")["fit"]["chisq"] for lvl in t.index}
    assert t.loc["metric", "delta_chisq"] == pytest.approx(chisq["metric"] - chisq["configural"], rel=2e-3)
    assert t.loc["metric", "delta_df"] == 6
    assert t.loc["scalar", "delta_pvalue"] < 1e-5
    assert "NOT supported" in t.loc["scalar", "verdict"]
    assert "supported" in t.loc["metric", "verdict"] and "NOT" not in t.loc["metric", "verdict"]
    assert "Cheung & Rensvold" in ladder.summary()


def test_scaled_difference_test_matches_lavaan():
    # lavTestLRT(configural, metric, scalar) with estimator = "MLR" (lavaan 0.6-14):
    # Chisq diff 6.567 (df 6) and 40.838 (df 6)
    r = ls.invariance(HS, ls.load_dataset("holzinger_swineford"), "school", estimator="MLR",
                      levels=("configural", "metric", "scalar"))
    assert r.table.loc["metric", "delta_chisq"] == pytest.approx(6.567, abs=2e-3)
    assert r.table.loc["scalar", "delta_chisq"] == pytest.approx(40.838, abs=2e-3)
    assert "chisq.scaled" in r.table.columns


def test_unknown_level_is_rejected():
    with pytest.raises(ValueError, match="unknown invariance level"):
        ls.invariance(HS, ls.load_dataset("holzinger_swineford"), "school", levels=("configural", "weak"))
