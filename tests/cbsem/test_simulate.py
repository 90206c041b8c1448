"""ls.simulate: data from a population model with known truth."""

import numpy as np
import pytest

import loyaltyscope as ls

POP = """
attitudinal =~ 1*al1 + 0.8*al2 + 0.7*al3
behavioral  =~ 1*bl1 + 0.9*bl2 + 0.6*bl3
behavioral ~ 0.5*attitudinal
attitudinal ~~ 1*attitudinal
behavioral ~~ 0.75*behavioral
al1 ~~ 0.5*al1
al2 ~~ 0.5*al2
al3 ~~ 0.5*al3
bl1 ~~ 0.5*bl1
bl2 ~~ 0.5*bl2
bl3 ~~ 0.5*bl3
"""


def test_same_seed_same_data_and_different_seed_differs():
    a = ls.simulate(POP, 50, seed=7)
    b = ls.simulate(POP, 50, seed=7)
    c = ls.simulate(POP, 50, seed=8)
    assert a.equals(b)
    assert not a.equals(c)


def test_population_moments_follow_the_model():
    Sigma, mu = ls.population_moments(POP)
    # var(bl1) = 1^2 * (0.5^2 * 1 + 0.75) + 0.5
    assert Sigma.loc["bl1", "bl1"] == pytest.approx(0.25 + 0.75 + 0.5)
    assert Sigma.loc["al2", "bl2"] == pytest.approx(0.8 * 0.5 * 0.9)
    assert np.allclose(mu, 0)


def test_fitting_simulated_data_recovers_the_truth():
    data = ls.simulate(POP, 20000, seed=3)
    fit = ls.sem("attitudinal =~ al1 + al2 + al3\nbehavioral =~ bl1 + bl2 + bl3\nbehavioral ~ attitudinal", data)
    p = fit.params.set_index(["lhs", "op", "rhs"])["est"]
    assert p[("attitudinal", "=~", "al2")] == pytest.approx(0.8, abs=0.03)
    assert p[("behavioral", "~", "attitudinal")] == pytest.approx(0.5, abs=0.03)
    assert fit.fit_measures["rmsea"] < 0.02


def test_ordinal_levels_give_likert_codes():
    data = ls.simulate(POP, 2000, seed=1, ordinal_levels=7)
    assert set(np.unique(data.to_numpy())) <= set(range(1, 8))
    # equally spaced in probability: each category near 1/7 of the answers
    share = data["al1"].value_counts(normalize=True).sort_index()
    assert np.allclose(share, 1 / 7, atol=0.03)


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match="positive integer"):
        ls.simulate(POP, 0)
    with pytest.raises(ValueError, match="not an observed variable"):
        ls.simulate(POP, 10, ordinal_levels={"zz": 5})
