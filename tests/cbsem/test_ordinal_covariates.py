"""Ordinal items with observed exogenous covariates (lavaan's ``conditional.x``), WLSMV as lavaan 0.6-14.

Reference values: ``tests/reference/extra_ordinal_x/*.json``, computed with lavaan 0.6-14 by
``extra_ordinal_x/generate.R`` on ``tests/reference/data/holzinger_swineford_ordinal.csv`` (the
Holzinger-Swineford tests cut into 4, 3 and 2 categories; covariates sex and ageyr): MIMIC
models with one and two factors, std.lv, regressions of an ordinal item on covariates, a direct
effect, groups with and without equal loadings and thresholds, binary and mixed-category items,
and a bfi MIMIC (ten six-category items on age and education in two groups).
Each case also stores lavaan's statistics vector (``wls.obs``) and the diagonal of its NACOV.
"""

import numpy as np
import pytest

import loyaltyscope as ls
from loyaltyscope.cbsem import DataError
from loyaltyscope.cbsem.ordinal_conditional import conditional_sample_stats, probit_regression
from reference import case_names, compare_sem, load_case, load_data, sem_kwargs

CASES = case_names("extra_ordinal_x")
MIMIC = "visual =~ x1 + x2 + x3\nvisual ~ sex + ageyr"


@pytest.fixture(scope="module")
def hso():
    return load_data("holzinger_swineford_ordinal.csv")


def _names(case):
    """Items and covariates in lavaan's order, read from the names of its wls.obs."""
    first = next(iter(case["wls_obs"].values())) if isinstance(case["wls_obs"], dict) else case["wls_obs"][0]
    ys = list(dict.fromkeys(k.split("|")[0] for k in first if "|" in k))
    xs = list(dict.fromkeys(k.split("~")[1] for k in first if "~" in k and "~~" not in k))
    return ys, xs


def test_cases_present():
    assert len(CASES) >= 20


@pytest.mark.parametrize("name", CASES)
def test_fit_matches_lavaan(name):
    case = load_case(name, "extra_ordinal_x")
    fit = ls.sem(case["model"], load_data(case), **sem_kwargs(case))
    assert fit.converged
    assert fit.estimator == case["options"].get("estimator", "WLSMV")
    assert list(fit.nobs) == list(np.atleast_1d(case["nobs"]))
    compare_sem(fit, case)
    lavaan_says_ordered_x = any("declared as ordered" in w for w in case["warnings"])
    assert lavaan_says_ordered_x == any("declared ordered" in w for w in fit.warnings)


@pytest.mark.parametrize("name", ["ordx_mimic2", "ordx_three_covariates", "ordx_groups_loadings", "ordx_direct"])
def test_tests_and_srmr_match_lavaan_closely(name, hso):
    """The chi-squares, scaling factor and SRMR closer than the case tolerances (the SRMR divides
    by the correlations plus all observed variables, covariates included, as lavaan)."""
    case = load_case(name, "extra_ordinal_x")
    fm = ls.sem(case["model"], hso, **sem_kwargs(case)).fit_measures
    for key in ("chisq", "chisq.scaled", "chisq.scaling.factor", "baseline.chisq", "baseline.chisq.scaled", "srmr"):
        assert fm[key] == pytest.approx(case["fit"][key], rel=1e-5), key


@pytest.mark.parametrize("name", ["ordx_mimic2", "ordx_groups", "ordx_binary", "ordx_mixed_categories"])
def test_sample_statistics_match_lavaan(name, hso):
    """Thresholds, slopes (vec, item within covariate) and residual polychorics, and the NACOV
    diagonal (DWLS weights), against lavInspect(fit, "wls.obs") / diag(lavInspect(fit, "gamma"))."""
    case = load_case(name, "extra_ordinal_x")
    ys, xs = _names(case)
    ss = conditional_sample_stats(hso, ys, xs, case["options"].get("group"))
    wls = case["wls_obs"]
    wls = list(wls.values()) if isinstance(wls, dict) else wls
    nacov = case["nacov_diag"]
    nacov = list(nacov.values()) if isinstance(nacov, dict) else nacov
    assert ss.ngroups == len(wls)
    for g in range(ss.ngroups):
        assert np.allclose(ss.wls_obs[g], list(wls[g].values()), atol=1e-6, rtol=0)
        assert np.allclose(np.diag(ss.gamma[g]), nacov[g], rtol=1e-5, atol=0)


def test_probit_step_matches_statsmodels(hso):
    """Step 1 is the ML ordinal probit: the same estimates as statsmodels' OrderedModel."""
    from statsmodels.miscmodels.ordinal_model import OrderedModel
    X = hso[["sex", "ageyr"]].to_numpy(float)
    y = hso["x1"].to_numpy() - 1
    theta, *_, converged = probit_regression(y, 4, X)
    res = OrderedModel(y, X, distr="probit").fit(method="newton", disp=False, tol=1e-12, maxiter=500)
    cuts = res.model.transform_threshold_params(res.params)[1:-1]
    assert converged
    assert np.allclose(theta[3:], res.params[:2], atol=1e-6)
    assert np.allclose(theta[:3], cuts, atol=1e-6)


def test_tables_of_a_mimic_fit(hso):
    fit = ls.sem(MIMIC, hso, ordered=["x1", "x2", "x3"])
    p = fit.params
    x_rows = p[(p["lhs"] == "sex") & (p["op"] == "~~") & (p["rhs"] == "sex")]
    assert x_rows["est"].iloc[0] == pytest.approx(hso["sex"].var(ddof=1))      # lavaan's cov.x (n - 1)
    assert x_rows["se"].iloc[0] == 0
    assert np.allclose(p.loc[p["op"] == "~*~", "std_all"], 1.0)
    slopes = fit.extra["slopes"][""]
    assert list(slopes.columns) == ["sex", "ageyr"] and list(slopes.index) == ["x1", "x2", "x3"]
    # the (y*, x) matrices: items and covariates; the covariate block fits exactly
    S, Sig = fit.sample_cov[""], fit.implied[""]
    assert list(S.columns) == ["x1", "x2", "x3", "sex", "ageyr"]
    assert np.allclose(S.loc[["sex", "ageyr"], ["sex", "ageyr"]], Sig.loc[["sex", "ageyr"], ["sex", "ageyr"]])
    fm = fit.fit_measures
    assert np.isnan(fm["cfi.robust"])                 # lavaan 0.6-14: no robust CFI with conditional.x
    assert fm["baseline.df"] == 3                     # residual correlations only
    assert "Thresholds:" in fit.summary()


def test_rows_with_missing_covariates_are_dropped_and_named(hso):
    d = hso.copy()
    d.loc[[3, 10], "ageyr"] = np.nan
    fit = ls.sem(MIMIC, d, ordered=["x1", "x2", "x3"])
    assert fit.nobs == (299,)
    assert [r[2] for r in fit.dropped_rows] == ["listwise deletion: missing ageyr"] * 2


def test_non_numeric_covariate_is_named(hso):
    d = hso.copy()
    d["sex"] = d["sex"].map({1: "boy", 2: "girl"})
    with pytest.raises(DataError, match="'sex'.*not numeric"):
        ls.sem(MIMIC, d, ordered=["x1", "x2", "x3"])


def test_constant_or_collinear_covariates_are_named(hso):
    d = hso.assign(pasteur=(hso["school"] == "Pasteur").astype(int), sex2=hso["sex"] * 2)
    with pytest.raises(DataError, match=r"constant \('pasteur'\) in group 'Pasteur'"):
        ls.sem("visual =~ x1 + x2 + x3\nvisual ~ sex + pasteur", d, ordered=["x1", "x2", "x3"], group="school")
    with pytest.raises(DataError, match="linearly dependent"):
        ls.sem("visual =~ x1 + x2 + x3\nvisual ~ sex + sex2", d, ordered=["x1", "x2", "x3"])


def test_pairwise_missing_with_covariates_is_refused(hso):
    """Covariates use listwise deletion only: pairwise is refused, not silently made listwise."""
    with pytest.raises((ValueError, NotImplementedError), match="pairwise"):
        ls.sem(MIMIC, hso, ordered=["x1", "x2", "x3"], missing="pairwise")


def test_all_ordered_variables_exogenous_is_refused(hso):
    """No ordinal item would remain: a clear error rather than another model."""
    with pytest.raises(NotImplementedError, match="x7"):
        ls.sem("x1 ~ x7", hso.assign(x1=hso["x1"] * 1.5), ordered=["x7"])


def test_empty_category_in_a_group_names_it(hso):
    d = hso.copy()
    d.loc[(d["school"] == "Pasteur") & (d["x1"] == 4), "x1"] = 3
    with pytest.raises(DataError, match="'x1'.*Pasteur"):
        ls.sem(MIMIC, d, ordered=["x1", "x2", "x3"], group="school")


def test_same_result_for_any_row_order(hso):
    a = ls.sem(MIMIC, hso, ordered=["x1", "x2", "x3"])
    b = ls.sem(MIMIC, hso.sample(frac=1.0, random_state=3).reset_index(drop=True), ordered=["x1", "x2", "x3"])
    pa, pb = a.params.set_index(["lhs", "op", "rhs"]), b.params.set_index(["lhs", "op", "rhs"])
    assert np.allclose(pa["est"], pb.loc[pa.index, "est"], atol=1e-7)
    assert a.fit_measures["chisq.scaled"] == pytest.approx(b.fit_measures["chisq.scaled"], rel=1e-7)

