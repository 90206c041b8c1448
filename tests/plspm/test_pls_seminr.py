"""PLS and PLSc against seminr 2.x's own test fixtures (R package, tests/fixtures/V_3_6_0),
the mobi and corporate-reputation examples. Tolerance 2e-3 (issue 10) unless stated."""

import numpy as np
import pytest

import loyaltyscope as ls
from reference import MOBI4, load_corp_rep, load_mobi, max_abs, seminr_table

TOL = 2e-3
ORDER = ["Image", "Expectation", "Value", "Satisfaction"]


@pytest.fixture(scope="module")
def mobi():
    return load_mobi()


@pytest.fixture(scope="module")
def fit_path(mobi):
    return ls.pls(MOBI4, mobi, scheme="path")


def _paths_to(fit, target):
    p = fit.paths
    return p[p["lhs"] == target].set_index("rhs")["est"]


@pytest.mark.parametrize("scheme, fixture", [("path", "inner_weights_coefficients.csv"),
                                             ("factorial", "factorial_coefficients.csv")])
def test_paths_by_scheme(mobi, scheme, fixture):
    fit = ls.pls(MOBI4, mobi, scheme=scheme)
    ref = seminr_table(fixture, index_col=0)
    ours = _paths_to(fit, "Satisfaction")
    assert max_abs(ours[ORDER[:3]], ref.loc[ORDER[:3], "Satisfaction"]) < TOL


def test_reliability(fit_path):
    ref = seminr_table("reliability.csv", index_col=0)
    ours = fit_path.reliability.loc[ORDER]
    for a, b in [("alpha", "alpha"), ("rho_C", "rhoC"), ("AVE", "AVE"), ("rho_A", "rhoA")]:
        assert max_abs(ours[a], ref[b]) < TOL, a


def test_htmt_fornell_larcker_cross_loadings(fit_path):
    ref = seminr_table("htmt.csv", index_col=0)
    for i, a in enumerate(ORDER):
        for b in ORDER[i + 1:]:
            assert fit_path.htmt.loc[a, b] == pytest.approx(ref.loc[a, b], abs=TOL)
    fl = seminr_table("fl_table.csv").to_numpy()
    ours = fit_path.fornell_larcker.loc[ORDER, ORDER].to_numpy()
    mask = ~np.isnan(fl)
    assert max_abs(ours[mask], fl[mask]) < TOL
    assert np.isnan(ours[~mask]).all()
    cl = seminr_table("cross_loadings.csv", index_col=0)
    mine = fit_path.cross_loadings.set_index("indicator")
    assert max_abs(mine.loc[cl.index[:13], ORDER], cl.iloc[:13][ORDER]) < TOL


def test_vif(mobi, fit_path):
    items = seminr_table("flat_item_vifs1.csv")
    outer = fit_path.vif[fit_path.vif["kind"] == "outer"].set_index(["construct", "variable"])["vif"]
    for key in items.columns:
        lv, item = key.split("*")
        assert outer[(lv, item)] == pytest.approx(items.loc[0, key], abs=TOL)
    inner = fit_path.vif[fit_path.vif["kind"] == "inner"].set_index(["construct", "variable"])["vif"]
    ref1 = seminr_table("flat_vif_antecedents1.csv")
    for key in ref1.columns:
        assert inner[tuple(key.split("*"))] == pytest.approx(ref1.loc[0, key], abs=TOL)
    fit2 = ls.pls(MOBI4 + "Value ~ Image + Expectation\n", mobi, scheme="path")
    inner2 = fit2.vif[fit2.vif["kind"] == "inner"].set_index(["construct", "variable"])["vif"]
    ref2 = seminr_table("flat_vif_antecedents2.csv")
    for key in ref2.columns:
        assert inner2[tuple(key.split("*"))] == pytest.approx(ref2.loc[0, key], abs=TOL)


def test_f2(mobi, fit_path):
    """seminr's fSquared re-estimates the model without the path, and so do we (the fixture
    has 6 decimals)."""
    f2 = fit_path.f2.set_index(["from", "to"])["f2"]
    assert f2[("Image", "Satisfaction")] == pytest.approx(seminr_table("fsquared1.csv").iloc[0, 1], abs=1e-6)
    two = ls.pls("Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5\nSatisfaction =~ CUSA1 + CUSA2 + CUSA3\n"
                 "Satisfaction ~ Image", mobi)
    assert two.f2["f2"].iloc[0] == pytest.approx(seminr_table("fsquared2.csv").iloc[0, 1], abs=1e-6)


def test_plsc(mobi):
    """seminr applies PLSc to reflective() constructs (test-consistent.R, path_factorial)."""
    fit = ls.pls(MOBI4, mobi, scheme="factorial", consistent=True)
    ref = seminr_table("path_coef1.csv", index_col=0)
    assert max_abs(_paths_to(fit, "Satisfaction")[ORDER[:3]], ref.loc[ORDER[:3], "Satisfaction"]) < TOL
    lam = seminr_table("loadings1.csv", index_col=0)
    ours = fit.params[fit.params["op"] == "=~"].set_index("rhs")["est"]
    assert max_abs(ours[lam.index], lam.max(axis=1)) < TOL
    r2 = seminr_table("rsquaredplsc.csv", index_col=0)
    assert fit.r2.loc["Satisfaction", "r2"] == pytest.approx(r2.loc["Rsq", "Satisfaction"], abs=TOL)
    assert fit.r2.loc["Satisfaction", "r2_adj"] == pytest.approx(r2.loc["AdjRsq", "Satisfaction"], abs=TOL)
    rho = seminr_table("rho1.csv", index_col=0)
    assert max_abs(fit.reliability.loc[ORDER, "rho_A"], rho.loc[ORDER, "rhoA"]) < TOL


def test_corp_rep_mean_replacement():
    """seminr test_clean_data.R: corp_rep_data, missing = mean_replacement (-99 coded)."""
    model = """
    COMP =~ comp_1 + comp_2 + comp_3
    LIKE =~ like_1 + like_2 + like_3
    CUSA =~ cusa
    CUSL =~ cusl_1 + cusl_2 + cusl_3
    CUSA ~ COMP + LIKE
    CUSL ~ COMP + LIKE + CUSA
    """
    fit = ls.pls(model, load_corp_rep(), missing="mean")
    ref = seminr_table("corp_rep_simple_paths.csv", index_col=0)
    for r in fit.paths.itertuples():
        assert r.est == pytest.approx(ref.loc[r.rhs, r.lhs], abs=TOL)
    assert fit.nobs == 344 and any("mean" in w for w in fit.warnings)
    listwise = ls.pls(model, load_corp_rep())
    assert listwise.nobs < 344 and any("dropped" in w for w in listwise.warnings)


def test_corp_rep_extended_mode_b():
    """The extended corporate reputation model (four Mode B blocks; Hair et al. 2021 ch. 5) as
    in seminr's test-bootstrap.R: path_factorial, mean replacement, stopCriterion = 1 (tol 0.1);
    the 'Original Est.' of missing_cases_paths.csv. Converged (tol 1e-7) it moves < 3e-4."""
    from loyaltyscope.plspm.demo import CORP_REP_MODEL
    ref = seminr_table("missing_cases_paths.csv", index_col=0)
    for tol in (0.1, 1e-7):
        fit = ls.pls(CORP_REP_MODEL, load_corp_rep(), missing="mean", scheme="factorial", tol=tol)
        p = fit.paths.set_index(["rhs", "lhs"])["est"]
        for key, row in ref.iterrows():
            assert p[tuple(s.strip() for s in key.split("->"))] == pytest.approx(row["Original Est."], abs=TOL)
    boot = ls.pls(CORP_REP_MODEL, load_corp_rep(), missing="mean", scheme="factorial", bootstrap=1000, seed=4)
    p = boot.paths.set_index(["rhs", "lhs"])
    for key, row in ref.iterrows():   # R: 200 resamples, its own RNG -> Monte-Carlo tolerance
        k = tuple(s.strip() for s in key.split("->"))
        assert p.loc[k, "se"] == pytest.approx(row["Bootstrap SD"], rel=0.2, abs=0.01)
        assert p.loc[k, "ci_lower"] == pytest.approx(row["2.5% CI"], abs=0.04)
