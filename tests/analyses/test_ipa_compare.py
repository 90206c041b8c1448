"""ls.ipa (quadrant rule, inputs from key drivers and from total effects) and ls.compare
against lavaan 0.6-14 lavTestLRT (tests/reference/analyses/lrt.json, generate_lrt.R)."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

import loyaltyscope as ls
from reference import load_case, load_data, tol


def test_ipa_quadrants_by_rule():
    imp = pd.Series({"a": 0.4, "b": 0.3, "c": 0.1, "d": 0.0})
    perf = pd.Series({"a": 2.0, "b": 6.0, "c": 1.0, "d": 5.0})
    r = ls.ipa(imp, perf)
    assert r.cut_importance == pytest.approx(0.2) and r.cut_performance == pytest.approx(3.5)
    assert dict(r.table["quadrant"]) == {"a": "Concentrate here", "b": "Keep up the good work",
                                         "c": "Low priority", "d": "Possible overkill"}
    m = ls.ipa(imp, perf, rule="medians")
    assert m.cut_importance == pytest.approx(0.2) and "medians" in m.summary()
    u = ls.ipa(imp, perf, cut=(0.35, 0))
    assert u.table.loc["b", "quadrant"] == "Possible overkill"


def test_ipa_from_key_drivers_and_effects():
    d = load_data("holzinger_swineford_1939.csv")
    kd = ls.key_drivers(d, "x9", ["x1", "x2", "x3", "x7", "x8"])
    r = kd.ipa()
    assert list(r.table.index) == ["x1", "x2", "x3", "x7", "x8"]
    np.testing.assert_allclose(r.table["performance"], d[["x1", "x2", "x3", "x7", "x8"]].mean())
    eff = pd.DataFrame({"from": ["visual", "textual", "visual"], "to": ["speed", "speed", "textual"],
                        "direct": [0.3, 0.1, 0.4], "indirect": [0.04, 0.0, 0.0], "total": [0.34, 0.1, 0.4]})
    e = ls.ipa(eff, data=d, items={"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"]})
    assert list(e.table.index) == ["visual", "textual"]
    assert e.table.loc["visual", "importance"] == 0.34
    assert e.table.loc["visual", "performance"] == pytest.approx(d[["x1", "x2", "x3"]].mean(axis=1).mean())

    class Pls:  # a result with .effects, as the PLS worker's fit.effects
        effects = eff
    assert ls.ipa(Pls(), performance=pd.Series({"visual": 1, "textual": 2})).table.shape[0] == 2
    with pytest.raises(ls.AnalysisError, match="no performance"):
        ls.ipa(eff, data=d)


def _fits(est):
    case = load_case("lrt", "analyses")
    d = load_data("holzinger_swineford_1939.csv")
    fits = {k: ls.sem(m, d, estimator=est) for k, m in case["models"].items()}
    return case, fits


@pytest.mark.parametrize("est", ["ML", "MLR", "MLM"])
def test_compare_equals_lavTestLRT(est):
    case, fits = _fits(est)
    want = case[est]
    # given in a shuffled order: sorted by df as lavTestLRT
    r = ls.compare(fits["equal"], fits["three"], fits["orthogonal"], names=["equal", "three", "orthogonal"])
    assert list(r.table.index) == want["order"]
    np.testing.assert_array_equal(r.table["df"], want["df"])
    np.testing.assert_allclose(r.table["chisq"], want["chisq"], rtol=tol(case, "chisq_rel"))
    np.testing.assert_allclose(r.table["aic"], want["aic"], rtol=tol(case, "aic_rel"))
    np.testing.assert_allclose(r.table["chisq_diff"].iloc[1:], want["chisq_diff"][1:], rtol=tol(case, "chisq_diff_rel"))
    np.testing.assert_allclose(r.table["pvalue"].iloc[1:], want["pvalue"][1:], rtol=tol(case, "pvalue_rel"))
    assert ("Satorra-Bentler" in r.method) == (est != "ML")


def test_compare_refuses_what_it_cannot_test():
    case, fits = _fits("ML")
    d = load_data("holzinger_swineford_1939.csv")
    with pytest.raises(ls.AnalysisError, match="equal degrees"):
        ls.compare(fits["three"], fits["three"])
    with pytest.raises(ls.AnalysisError, match="estimators"):
        ls.compare(fits["three"], ls.sem(case["models"]["equal"], d, estimator="MLR"))
    with pytest.raises(ls.AnalysisError, match="fitted models"):
        ls.compare(fits["three"], "model")


def test_ipa_from_a_sem_fit_uses_matrix_totals():
    d = load_data("holzinger_swineford_1939.csv")
    fit = ls.sem("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"
                 "textual ~ visual\nspeed ~ textual + visual", d)
    p = fit.params.set_index(["lhs", "op", "rhs"])["est"]
    r = ls.ipa(fit, data=d, items={"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"]})
    assert r.table.loc["visual", "importance"] == pytest.approx(
        p[("speed", "~", "visual")] + p[("textual", "~", "visual")] * p[("speed", "~", "textual")])
    assert "speed" in r.source
