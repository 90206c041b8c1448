"""Ordinal items in ``ls.sem(..., ordered=[...])``: WLSMV as lavaan 0.6-14.

Reference values: ``tests/reference/cases/bfi_ordinal_wlsmv.json`` (shared set) and
``tests/reference/extra_ordinal/*.json`` (computed by the project with lavaan 0.6-14 by
``extra_ordinal/generate_ordinal.R``: several groups, equal thresholds and loadings, std.lv,
an SEM with a defined parameter and a residual covariance, binary items).
"""


import numpy as np
import pandas as pd
import pytest
from scipy.stats import multivariate_normal

import loyaltyscope as ls
from loyaltyscope.cbsem import DataError
from loyaltyscope.cbsem.ordinal_samplestats import bvn_cdf, ordinal_sample_stats
from reference import REF, case_names, compare_sem, load_case, load_data, sem_kwargs

AC = ["A1", "A2", "A3", "A4", "A5", "C1", "C2", "C3", "C4", "C5"]
MODEL = "agree =~ A1 + A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3 + C4 + C5"
EXTRA = case_names("extra_ordinal")


@pytest.fixture(scope="module")
def bfi():
    return load_data("bfi.csv")


@pytest.fixture(scope="module")
def ref_fit():
    case = load_case("bfi_ordinal_wlsmv")
    return case, ls.sem(case["model"], load_data(case), **sem_kwargs(case))


def test_reference_case_matches_lavaan(ref_fit):
    case, fit = ref_fit
    assert fit.converged
    assert fit.estimator == "WLSMV"
    assert fit.nobs == (case["nobs"],)
    compare_sem(fit, case)


def test_ordinal_cases_present():
    assert len(EXTRA) >= 13


@pytest.mark.parametrize("name", EXTRA)
def test_more_ordinal_cases_match_lavaan(name):
    case = load_case(name, "extra_ordinal")
    data = load_data(case)
    fit = ls.sem(case["model"], data, **sem_kwargs(case))
    assert fit.converged
    compare_sem(fit, case)


def test_thresholds_are_bar_rows(ref_fit):
    _, fit = ref_fit
    p = fit.params
    th = p[p["op"] == "|"]
    assert len(th) == 50                                     # 10 items x 5 thresholds (6 categories)
    assert list(th["lhs"].unique()) == AC
    assert list(th.loc[th["lhs"] == "A1", "rhs"]) == ["t1", "t2", "t3", "t4", "t5"]
    for _, sub in th.groupby("lhs"):
        assert np.all(np.diff(sub["est"].to_numpy()) > 0)   # ordered thresholds
        assert np.all(sub["se"] > 0)
    scales = p[p["op"] == "~*~"]
    assert len(scales) == 10 and np.allclose(scales["est"], 1.0)
    # delta parameterization: residual variances fixed at 1 - lambda^2 psi (implied diagonal = 1)
    for name, Sig in fit.implied.items():
        assert np.allclose(np.diag(Sig.to_numpy()), 1.0)
    assert "Thresholds:" in fit.summary()
    # sample statistics: thresholds per group and the polychoric matrix
    assert list(fit.extra["thresholds"][""].index[:2]) == ["A1|t1", "A1|t2"]
    assert np.allclose(np.diag(fit.sample_cov[""].to_numpy()), 1.0)


def test_empty_category_in_one_group_names_group_and_variable(bfi):
    d = bfi.copy()
    d.loc[(d["gender"] == 2) & (d["A1"] == 6), "A1"] = 5
    with pytest.raises(DataError) as e:
        ls.sem(MODEL, d, ordered=AC, group="gender")
    msg = str(e.value)
    assert "'A1'" in msg and "group 2" in msg and "empty category" in msg and "6" in msg


def test_single_category_item_is_named(bfi):
    d = bfi.copy()
    d["A3"] = 4
    with pytest.raises(DataError, match="'A3' has only the value 4"):
        ls.sem(MODEL, d, ordered=AC)


def test_options_that_do_not_apply(bfi):
    with pytest.raises(ValueError, match="ordered"):
        ls.sem(MODEL, bfi, ordered=AC, estimator="MLR")
    with pytest.raises(NotImplementedError, match="C1"):
        ls.sem(MODEL, bfi, ordered=AC[:5])                 # C items continuous: mixed, not yet
    with pytest.raises(NotImplementedError, match="listwise"):
        ls.sem(MODEL, bfi, ordered=AC, missing="fiml")


def test_dwls_estimator_same_estimates_standard_test(bfi, ref_fit):
    case, wlsmv = ref_fit
    fit = ls.sem(MODEL, bfi, ordered=AC, estimator="DWLS")
    a = fit.params.set_index(["lhs", "op", "rhs"])["est"]
    b = wlsmv.params.set_index(["lhs", "op", "rhs"])["est"]
    assert np.allclose(a, b.loc[a.index])
    assert "chisq.scaled" not in fit.fit_measures
    assert fit.fit_measures["chisq"] == pytest.approx(case["fit"]["chisq"], rel=2e-3)


def test_string_categories_follow_sorted_order(bfi):
    """Ordered text categories are used in sorted order (R's ordered() on the data)."""
    d = bfi[AC].dropna().iloc[:800].copy()
    labels = {1: "a", 2: "b", 3: "c", 4: "d", 5: "e", 6: "f"}
    s_num = ordinal_sample_stats(d, AC)
    s_txt = ordinal_sample_stats(d.replace(labels), AC)
    assert np.allclose(s_num.th[0], s_txt.th[0]) and np.allclose(s_num.cor[0], s_txt.cor[0])
    cat = d.astype(pd.CategoricalDtype(categories=[6, 5, 4, 3, 2, 1], ordered=True))
    s_cat = ordinal_sample_stats(cat, AC)                  # reversed order: thresholds mirror
    assert np.allclose(s_cat.th[0][:5], -s_num.th[0][:5][::-1])


def test_bivariate_normal_cdf_accuracy():
    rng = np.random.default_rng(7)
    for r in (-0.97, -0.6, -0.1, 0.0, 0.2, 0.5, 0.8, 0.95, 0.999):
        x, y = rng.normal(size=8) * 1.5, rng.normal(size=8) * 1.5
        ref = [multivariate_normal.cdf([a, b], cov=[[1, r], [r, 1]], abseps=1e-12, releps=1e-12)
               for a, b in zip(x, y)]
        assert np.allclose(bvn_cdf(x, y, np.full(8, r)), ref, atol=1e-10)


def test_covariates_declared_ordered_are_numeric(bfi):
    """lavaan uses observed exogenous covariates declared ordered as numeric covariates
    (conditional.x) and warns; the fit equals the one with only the item declared ordered."""
    a = ls.sem("A1 ~ A2 + A3", bfi, ordered=["A1", "A2", "A3"])
    b = ls.sem("A1 ~ A2 + A3", bfi, ordered=["A1"])
    assert any("declared ordered: A2, A3" in w for w in a.warnings)
    assert np.allclose(a.params["est"], b.params["est"]) and np.allclose(a.params["se"], b.params["se"])
