"""Bad input to the psychometric functions: clear messages naming the item, everything reported at
once, and what can still be computed is computed with the rest marked."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

import loyaltyscope as ls


def _items(n=200, k=6, seed=0):
    rng = np.random.default_rng(seed)
    f = rng.normal(size=n)
    return pd.DataFrame({f"q{i}": np.clip(np.round(3 + f + rng.normal(size=n)), 1, 5) for i in range(1, k + 1)})


pytestmark = pytest.mark.usefixtures("quiet_psychometric_warnings")


def test_non_numeric_columns_all_named_with_value_and_row():
    d = _items().astype(object)
    d.loc[7, "q5"] = "agree"
    d.loc[3, "q6"] = "n/a"
    for fn in (lambda x: ls.efa(x, 2), ls.alpha, ls.polychoric, ls.kmo, ls.bartlett, ls.velicer_map,
               lambda x: ls.parallel_analysis(x, n_iter=5)):
        with pytest.raises(ls.ItemDataError) as e:
            fn(d)
        msg = str(e.value)
        assert "'q5'" in msg and "'agree'" in msg and "row 7" in msg
        assert "'q6'" in msg and "'n/a'" in msg          # every problem, not only the first
        assert isinstance(e.value, ValueError) and len(e.value.problems) == 2


def test_constant_item_factor_analysis_raises_naming_it():
    d = _items()
    d["q3"] = 4.0
    for fn in (lambda x: ls.efa(x, 2), ls.kmo, ls.bartlett, lambda x: ls.parallel_analysis(x, n_iter=5),
               ls.velicer_map, lambda x: ls.omega(x, 2)):
        with pytest.raises(ls.ItemDataError, match="'q3'.*single response category"):
            fn(d)


def test_constant_item_alpha_and_polychoric_compute_the_rest():
    d = _items()
    d["q3"] = 4.0
    with pytest.warns(ls.PsychometricWarning, match="q3"):
        a = ls.alpha(d)
    assert np.isnan(a.item_stats.loc["q3", "r_drop"]) and a.n_items == 5
    assert a.raw_alpha == pytest.approx(ls.alpha(d.drop(columns="q3")).raw_alpha)
    assert any("q3" in w for w in a.warnings)
    with pytest.warns(ls.PsychometricWarning, match="q3"):
        p = ls.polychoric(d)
    assert p.rho.loc["q3"].isna().all() and np.isfinite(p.rho.drop(index="q3", columns="q3").to_numpy()).all()


def test_item_with_one_response_category_among_missing():
    d = _items()
    d["q2"] = np.where(np.arange(len(d)) % 3 == 0, 5.0, np.nan)     # only "5" ever answered
    with pytest.raises(ls.ItemDataError, match="'q2'"):
        ls.efa(d, 1)
    a = ls.alpha(d)
    assert np.isnan(a.item_stats.loc["q2", "alpha_if_deleted"])


def test_more_items_than_respondents():
    d = _items(n=5, k=8)
    with pytest.raises(ls.ItemDataError, match="5 respondents but 8 items"):
        ls.kmo(d)
    with pytest.raises(ls.ItemDataError, match="5 respondents but 8 items"):
        ls.efa(d, 2, method="ml")
    with pytest.raises(ls.ItemDataError, match="5 respondents but 8 items"):
        ls.parallel_analysis(d, n_iter=5)
    with pytest.raises(ls.ItemDataError):
        ls.bartlett(d)
    a = ls.alpha(d)                                  # computable: computed, with a warning
    assert np.isfinite(a.raw_alpha) and any("5 respondents but 8 items" in w for w in a.warnings)
    e = ls.efa(d, 1)
    assert any("5 respondents but 8 items" in w for w in e.warnings)


def test_non_positive_definite_correlation_matrix_names_items():
    r = _items().corr().to_numpy().copy()
    r[0, 1] = r[1, 0] = 0.99
    r[0, 2] = r[2, 0] = -0.9
    assert np.linalg.eigvalsh(r).min() < 0
    R = pd.DataFrame(r, index=[f"q{i}" for i in range(1, 7)], columns=[f"q{i}" for i in range(1, 7)])
    for fn in (ls.kmo, lambda x: ls.bartlett(x, nobs=200), lambda x: ls.efa(x, 2, method="ml", nobs=200)):
        with pytest.raises(ls.ItemDataError, match="not positive definite.*q1, q2, q3"):
            fn(R)
    e = ls.efa(R, 2, nobs=200)                      # minres is still defined: computed, warned
    assert any("not positive definite" in w for w in e.warnings)


def test_malformed_correlation_matrix():
    r = np.eye(3)
    r[0, 1] = 0.5                                    # not symmetric -> not taken as a correlation matrix ...
    r[1, 0] = 0.5
    r[2, 2] = 1.0
    r[0, 2] = r[2, 0] = 1.7                          # ... but out of range
    with pytest.raises(ls.ItemDataError, match="outside"):
        ls.kmo(pd.DataFrame(r, columns=list("abc"), index=list("abc")))


def test_polychoric_specific_problems():
    d = _items()
    d["q1"] = d["q1"] + 0.5
    with pytest.raises(ls.ItemDataError, match="'q1'.*non-integer"):
        ls.polychoric(d)
    wide = _items()
    wide["q2"] = wide["q2"] * 3                       # codes 3..15: more than 8 categories
    with pytest.raises(ls.ItemDataError, match="max_cat"):
        ls.polychoric(wide)


def test_bad_arguments_are_value_errors():
    d = _items()
    with pytest.raises(ValueError, match="n_factors"):
        ls.efa(d, 9)
    with pytest.raises(ValueError, match="use"):
        ls.alpha(d, use="everything")
    with pytest.raises(ls.ItemDataError, match="'zz'"):
        ls.alpha(d, reverse=["zz"])
    with pytest.raises(ls.ItemDataError, match="'x9'"):
        ls.htmt("F =~ q1 + q2 + x9", d)
