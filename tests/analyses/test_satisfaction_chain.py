"""ls.satisfaction_chain on data simulated from a known chain: paths recovered, effects equal
(I − B)⁻¹ − I of the fitted B, alternatives compared."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import loyaltyscope as ls
from loyaltyscope.analyses.path_effects import effect_matrix, effects_syntax
from reference import load_case, load_data, tol

TRUE = {("desires_congruency", "desires"): -0.3, ("desires_congruency", "performance"): 0.5,
        ("expectations_congruency", "expectations"): -0.3, ("expectations_congruency", "performance"): 0.4,
        ("attribute_satisfaction", "desires_congruency"): 0.5,
        ("attribute_satisfaction", "expectations_congruency"): 0.3,
        ("information_satisfaction", "desires_congruency"): 0.25,
        ("information_satisfaction", "expectations_congruency"): 0.4,
        ("overall_satisfaction", "attribute_satisfaction"): 0.5,
        ("overall_satisfaction", "information_satisfaction"): 0.3}


def population() -> str:
    inst = ls.load_instrument("satisfaction_chain")
    lines = [f"{c} =~ " + " + ".join(f"0.8*{i}" for i in inst.items_of(c)) for c in inst.constructs]
    lines += [f"{y} ~ {b}*{x}" for (y, x), b in TRUE.items()]
    lines += ["desires ~~ 0.3*expectations + 0.2*performance", "expectations ~~ 0.4*performance"]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def chain():
    d = ls.simulate(population(), 600, seed=7)
    return ls.satisfaction_chain(d)


@pytest.mark.slow
def test_paths_recovered_and_effects_are_matrix_totals(chain):
    p = chain.fit.params
    reg = p[p["op"] == "~"]
    for (y, x), b in TRUE.items():
        r = reg[(reg["lhs"] == y) & (reg["rhs"] == x)].iloc[0]
        # the population model fixes the first loading at 0.8, the fitted one at 1: rescale
        assert abs(r["std_all"] - _std_truth(y, x)) < 3 * r["se"] * abs(r["std_all"] / r["est"]), (y, x)
        assert r["ci_lower"] - 0.05 < r["est"] < r["ci_upper"] + 0.05
    B, T = effect_matrix(p)
    for r in chain.effects.itertuples(index=False):
        src, dst = r[0], r[1]
        assert r.total == pytest.approx(T.loc[dst, src], abs=1e-8)
        assert r.total == pytest.approx(r.direct + r.indirect, abs=1e-10)
        assert r.direct == pytest.approx(B.loc[dst, src], abs=1e-10)
    assert set(chain.r2["variable"]) == {y for y, _ in TRUE}
    assert list(chain.comparison.index) == ["chain", "narrower", "expectations_performance",
                                            "performance_attribute"]
    # the narrower reading drops a true path: rejected
    assert chain.comparison.loc["narrower", "pvalue_diff"] < 0.05
    assert "Spreng" in chain.summary() and "not available" in chain.summary()


def _std_truth(y, x):
    """Standardized population coefficient: from the population moments of the latents."""
    lv = list(ls.load_instrument("satisfaction_chain").constructs)
    Bm = pd.DataFrame(0.0, index=lv, columns=lv)
    for (yy, xx), b in TRUE.items():
        Bm.loc[yy, xx] = b
    Psi = pd.DataFrame(np.eye(len(lv)), index=lv, columns=lv)
    Psi.loc["desires", "expectations"] = Psi.loc["expectations", "desires"] = 0.3
    Psi.loc["desires", "performance"] = Psi.loc["performance", "desires"] = 0.2
    Psi.loc["expectations", "performance"] = Psi.loc["performance", "expectations"] = 0.4
    A = np.linalg.inv(np.eye(len(lv)) - Bm.to_numpy())
    V = pd.DataFrame(A @ Psi.to_numpy() @ A.T, index=lv, columns=lv)
    return TRUE[(y, x)] * np.sqrt(V.loc[x, x] / V.loc[y, y])


def test_effect_syntax_recursive_only_and_labels_kept():
    text, key = effects_syntax("a =~ x1 + x2\nb =~ x3 + x4\nc =~ x5 + x6\nb ~ k*a\nc ~ b + 0.5*a")
    assert "b ~ k*a" in text and "c ~ 0.5*a" in text
    row = key[(key["from"] == "a") & (key["to"] == "c")].iloc[0]
    assert row["direct"] == "0.5" and row["indirect"].startswith("chain_ind")
    with pytest.raises(ls.AnalysisError, match="non-recursive"):
        effects_syntax("a =~ x1 + x2\nb =~ x3 + x4\nb ~ a\na ~ b")


def test_custom_model_bootstrap_intervals():
    hs = load_data("holzinger_swineford_1939.csv")
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\ntextual ~ visual\nspeed ~ textual + visual"
    r = ls.satisfaction_chain(hs, model=model, estimator="ML", bootstrap=100, seed=3, instrument=None)
    e = r.effects.set_index(["from", "to"])
    assert "bootstrap" in r.interval
    row = e.loc[("visual", "speed")]
    assert row["total_lower"] < row["total"] < row["total_upper"]
    B, T = effect_matrix(r.fit.params)
    assert row["total"] == pytest.approx(T.loc["speed", "visual"], abs=1e-8)
    again = ls.satisfaction_chain(hs, model=model, estimator="ML", bootstrap=100, seed=3, instrument=None)
    pd.testing.assert_frame_equal(r.effects, again.effects)


def test_missing_items_named():
    d = ls.simulate(population(), 50, seed=1).drop(columns=["os3", "dc1"])
    with pytest.raises(ls.AnalysisError, match="dc1.*os3|os3.*dc1"):
        ls.satisfaction_chain(d)


def test_effects_equal_lavaan_defined_parameters():
    """Real data (Bollen's political democracy): the indirect and total effect of ind60 on
    dem65 with delta-method SEs equal lavaan 0.6-14's ``indirect := a*b``, ``total := c + a*b``
    (tests/reference/cases/pd_sem_ml.json)."""
    case = load_case("pd_sem_ml")
    d = load_data(case)
    r = ls.satisfaction_chain(d, model=case["model"], estimator="ML", instrument=None)
    want = {p["lhs"]: p for p in case["params"] if p["op"] == ":="}
    e = r.effects.set_index(["from", "to"]).loc[("ind60", "dem65")]
    for part in ("indirect", "total"):
        assert e[part] == pytest.approx(want[part]["est"], rel=tol(case, "est_rel"))
        assert e[f"{part}_se"] == pytest.approx(want[part]["se"], rel=tol(case, "se_rel"))
    a = [p for p in case["params"] if p["op"] == "~" and p["lhs"] == "dem60"][0]
    direct = r.effects.set_index(["from", "to"]).loc[("ind60", "dem60"), "direct"]
    assert direct == pytest.approx(a["est"], rel=tol(case, "est_rel"))
