"""ls.key_drivers against R reference values (Shapley/LMG, relative weights, betas, R²) and
against independent implementations written here (brute-force subset regressions)."""

from __future__ import annotations

import itertools
from math import factorial

import numpy as np
import pandas as pd
import pytest

import loyaltyscope as ls
from reference import load_case, load_data, tol


@pytest.mark.parametrize("case", ["hs_drivers_x9", "pd_drivers_y5"])
def test_against_reference(case):
    c = load_case(case)
    d = load_data(c["data"])
    r = ls.key_drivers(d, c["outcome"], c["drivers"])
    assert r.nobs == c["nobs"]
    assert r.r2 == pytest.approx(c["r2"], abs=tol(c, "r2"))
    for col, key in (("shapley", "shapley"), ("relative_weight", "relative_weights"), ("beta", "beta")):
        want = pd.Series(c[key])
        np.testing.assert_allclose(r.importance.loc[want.index, col], want, atol=tol(c, "importance"))
    assert r.importance["shapley"].sum() == pytest.approx(r.r2, abs=1e-10)
    assert r.importance["relative_weight"].sum() == pytest.approx(r.r2, abs=1e-10)
    assert r.importance["shapley_pct"].sum() == pytest.approx(100)


def _r2(X, y, cols):
    if not cols:
        return 0.0
    A = np.column_stack([np.ones(len(y)), X[:, cols]])
    b, *_ = np.linalg.lstsq(A, y, rcond=None)
    res = y - A @ b
    return 1 - res @ res / ((y - y.mean()) @ (y - y.mean()))


def _brute_shapley(X, y):
    """Shapley values by definition: average marginal R² over all orderings (subset form)."""
    p = X.shape[1]
    out = np.zeros(p)
    for j in range(p):
        others = [k for k in range(p) if k != j]
        for s in range(p):
            w = factorial(s) * factorial(p - s - 1) / factorial(p)
            for S in itertools.combinations(others, s):
                out[j] += w * (_r2(X, y, list(S) + [j]) - _r2(X, y, list(S)))
    return out


def _johnson(X, y):
    """Johnson (2000) from the SVD of the standardized data (a different route from ours)."""
    Z = (X - X.mean(0)) / X.std(0)
    zy = (y - y.mean()) / y.std()
    U, s, Vt = np.linalg.svd(Z, full_matrices=False)
    Zs = U @ Vt * np.sqrt(len(y))       # the orthogonal counterpart of Z, unit variances
    beta, *_ = np.linalg.lstsq(Zs, zy, rcond=None)
    Lam = np.linalg.lstsq(Zs, Z, rcond=None)[0]   # Z regressed on Zs
    return (Lam.T ** 2) @ (beta ** 2)


@pytest.mark.parametrize("seed", [3, 11])
def test_against_independent_implementations(seed):
    rng = np.random.default_rng(seed)
    n, p = 200, 6
    C = 0.3 + 0.7 * np.eye(p)
    X = rng.multivariate_normal(np.zeros(p), C, size=n)
    y = X @ np.array([0.6, 0.4, 0.3, 0.1, 0.0, 0.2]) + rng.normal(size=n)
    cols = [f"d{j}" for j in range(p)]
    d = pd.DataFrame(X, columns=cols).assign(y=y)
    r = ls.key_drivers(d, "y", cols)
    np.testing.assert_allclose(r.importance["shapley"], _brute_shapley(X, y), atol=1e-6)
    np.testing.assert_allclose(r.importance["relative_weight"], _johnson(X, y), atol=1e-6)
    assert r.r2 == pytest.approx(_r2(X, y, list(range(p))), abs=1e-10)
    # HC3 SEs equal statsmodels' own OLS (the declared dependency does the work)
    import statsmodels.api as sm
    ols = sm.OLS(y, sm.add_constant(X)).fit(cov_type="HC3")
    np.testing.assert_allclose(r.coefficients["se"], ols.bse[1:], rtol=1e-10)


def test_ranking_recovered_on_known_truth():
    """Independent drivers: the population Shapley share of driver j is b_j² (unit variances)."""
    rng = np.random.default_rng(5)
    n, b = 3000, np.array([0.7, 0.5, 0.3, 0.1])
    X = rng.normal(size=(n, 4))
    y = X @ b + rng.normal(size=n)
    d = pd.DataFrame(X, columns=["price", "quality", "service", "design"]).assign(overall=y)
    r = ls.key_drivers(d, "overall", ["price", "quality", "service", "design"], bootstrap=200, seed=2)
    assert list(r.importance.sort_values("rank").index) == ["price", "quality", "service", "design"]
    truth = b ** 2 / (b @ b + 1)
    assert ((r.importance["shapley_lower"] <= truth) & (truth <= r.importance["shapley_upper"])).all()


def test_bootstrap_is_seeded_and_weights_change_the_answer():
    d = load_data("holzinger_swineford_1939.csv")
    drivers = ["x1", "x2", "x3", "x4"]
    a = ls.key_drivers(d, "x9", drivers, bootstrap=50, seed=9)
    b = ls.key_drivers(d, "x9", drivers, bootstrap=50, seed=9)
    pd.testing.assert_frame_equal(a.importance, b.importance)
    w = np.where(d["school"] == "Pasteur", 2.0, 1.0)
    dw = d.assign(w=w)
    rw = ls.key_drivers(dw, "x9", drivers, weights="w")
    # frequency weights of 2 equal duplicating those rows
    dup = pd.concat([d, d[d["school"] == "Pasteur"]], ignore_index=True)
    rd = ls.key_drivers(dup, "x9", drivers)
    np.testing.assert_allclose(rw.importance["shapley"], rd.importance["shapley"], atol=1e-10)
    np.testing.assert_allclose(rw.importance["beta"], rd.importance["beta"], atol=1e-10)


def test_more_than_exact_limit_is_a_stated_approximation():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 16))
    d = pd.DataFrame(X, columns=[f"v{i}" for i in range(16)]).assign(y=X[:, 0] + rng.normal(size=300))
    r = ls.key_drivers(d, "y", [f"v{i}" for i in range(16)], seed=1, n_perm=300)
    assert "Monte Carlo" in r.method and "Monte Carlo" in r.summary()
    assert r.importance["shapley"].idxmax() == "v0"
    assert r.importance["shapley"].sum() == pytest.approx(r.r2, abs=1e-10)


def test_missing_rows_counted_and_bad_input_named():
    d = load_data("holzinger_swineford_1939_missing.csv")
    r = ls.key_drivers(d, "x9", ["x1", "x2", "x3"])
    assert r.nobs < len(d) and any("left out" in w for w in r.warnings)
    with pytest.raises(ls.AnalysisError, match="nope"):
        ls.key_drivers(d, "x9", ["x1", "nope"])
    with pytest.raises(ls.AnalysisError, match="linearly dependent"):
        ls.key_drivers(d.assign(x10=d["x1"] * 2), "x9", ["x1", "x10", "x2"])
    with pytest.raises(ls.AnalysisError, match="also listed"):
        ls.key_drivers(d, "x9", ["x1", "x9"])


def test_summary_and_html_escape():
    d = load_data("holzinger_swineford_1939.csv").rename(columns={"x1": "<b>x1</b>"})
    r = ls.key_drivers(d, "x9", ["<b>x1</b>", "x2"])
    assert "<b>x1</b>" not in r._repr_html_() and "&lt;b&gt;" in r._repr_html_()
    assert "R²" in r.summary() and r.to_dict()["importance"][0]["driver"] == "<b>x1</b>"


def test_real_data_against_brute_force():
    """Unseen real data (bfi agreeableness, complete rows): Shapley and relative weights equal
    the independent implementations above to 1e-6."""
    d = load_data("bfi.csv")
    drivers = ["A2", "A3", "A4", "A5", "E3"]
    sub = d[drivers + ["A1"]].dropna()
    r = ls.key_drivers(d, "A1", drivers)
    assert r.nobs == len(sub) and any("left out" in w for w in r.warnings)
    X, y = sub[drivers].to_numpy(float), sub["A1"].to_numpy(float)
    np.testing.assert_allclose(r.importance["shapley"], _brute_shapley(X, y), atol=1e-6)
    np.testing.assert_allclose(r.importance["relative_weight"], _johnson(X, y), atol=1e-6)


def test_constructs_as_drivers_use_scale_scores():
    inst = ls.load_instrument("satisfaction_chain")
    pop = "\n".join(f"{c} =~ " + " + ".join(f"0.8*{i}" for i in inst.items_of(c)) for c in inst.constructs)
    pop += "\noverall_satisfaction ~ 0.6*attribute_satisfaction + 0.2*information_satisfaction"
    d = ls.simulate(pop, 400, seed=4)
    r = ls.key_drivers(d, "overall_satisfaction", ["attribute_satisfaction", "information_satisfaction"],
                       instrument=inst)
    scores = ls.score(d, inst).scores
    manual = ls.key_drivers(scores, "overall_satisfaction", ["attribute_satisfaction", "information_satisfaction"])
    pd.testing.assert_frame_equal(r.importance, manual.importance)
    assert r.importance["rank"].to_dict() == {"attribute_satisfaction": 1, "information_satisfaction": 2}
