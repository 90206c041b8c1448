"""ls.channel_preferences on data simulated from the four-channel model (160 respondents,
5-point answers, as the original study): four factors, every item on its own channel."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import loyaltyscope as ls
from loyaltyscope.analyses.channels import tucker_congruence

INST = ls.load_instrument("channel_preferences")


def population(loading=0.8, r=0.3) -> str:
    cs = list(INST.constructs)
    lines = [f"{c} =~ " + " + ".join(f"{loading}*{i}" for i in INST.items_of(c)) for c in cs]
    lines += [f"{a} ~~ {r}*{b}" for j, a in enumerate(cs) for b in cs[j + 1:]]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def result():
    d = ls.simulate(population(), 160, seed=11, ordinal_levels=5)
    d["age"] = np.where(np.arange(160) % 2, "under 40", "40 and over")
    return ls.channel_preferences(d, group="age")


@pytest.mark.slow
def test_four_channels_every_item_on_its_own(result):
    assert result.n_factors == 4 and result.cor == "poly"
    hyp = pd.Series({i: INST.constructs[c].label["en"] for c in INST.constructs for i in INST.items_of(c)})
    pd.testing.assert_series_equal(result.assignment.sort_index(), hyp.sort_index(), check_names=False)
    assert set(result.loadings.columns[:4]) == {"Print mail", "E-mail", "Telemarketing", "Face-to-face"}
    assert (np.diag(result.congruence.loc[:, result.congruence.index]) > 0.85).all()
    mc = result.model_comparison
    assert mc.index[0].startswith("hypothesized") and mc.iloc[0]["best_aic"] and mc.iloc[0]["best_bic"]
    assert (mc["pvalue_diff"].iloc[1:] < 0.05).all() and list(mc["n_factors"]) == [4, 3, 2, 1]
    assert list(result.profiles.index) == ["40 and over", "under 40"] and result.profiles["n"].sum() == 160
    assert "loyalty_program" in result.assignment.index
    from matplotlib.figure import Figure
    assert isinstance(result.plot(), Figure)


@pytest.mark.slow
def test_preferred_in_result_matches_scores(result):
    s = result.scores
    for i in s.index[:40]:
        row = s.loc[i]
        want = "tie" if (row == row.max()).sum() > 1 else row.idxmax()
        assert result.preferred[i] == want


def test_tucker_congruence_formula():
    A = np.array([[0.8, 0.1], [0.7, 0.0], [0.1, 0.9]])
    B = np.array([[1, 0], [1, 0], [0, 1.0]])
    phi = tucker_congruence(A, B)
    assert phi[0, 0] == pytest.approx(1.5 / np.sqrt(1.14 * 2))
    assert phi[1, 1] == pytest.approx(0.9 / np.sqrt(0.82))


def test_missing_items_named():
    d = ls.simulate(population(), 50, seed=1, ordinal_levels=5).drop(columns=["catalog"])
    with pytest.raises(ls.AnalysisError, match="catalog"):
        ls.channel_preferences(d)
