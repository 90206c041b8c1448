"""The SEM engine against lavaan 0.6-14 (tests/reference/cases, see SOURCE.md)."""

import pytest

import loyaltyscope as ls
from reference import compare_sem, load_case, load_data, sem_kwargs

ML_CASES = ["hs_cfa_ml", "hs_cfa_stdlv", "pd_sem_ml", "hs_invariance_configural", "hs_invariance_metric", "hs_cfa_fiml",
            "hs_invariance_scalar", "hs_invariance_strict", "hs_cfa_mlr"]


@pytest.mark.parametrize("name", ML_CASES)
def test_matches_lavaan(name):
    case = load_case(name)
    fit = ls.sem(case["model"], load_data(case), **sem_kwargs(case))
    assert fit.converged
    nobs = case["nobs"] if isinstance(case["nobs"], list) else [case["nobs"]]
    assert list(fit.nobs) == nobs
    if case.get("group_labels"):
        assert [str(g) for g in fit.group_labels] == case["group_labels"]
    compare_sem(fit, case)


def test_defined_parameters_present():
    case = load_case("pd_sem_ml")
    fit = ls.sem(case["model"], load_data(case))
    defined = fit.params[fit.params["op"] == ":="]
    assert list(defined["lhs"]) == ["indirect", "total"]
    a = fit.params.query("lhs == 'dem60' and op == '~' and rhs == 'ind60'")["est"].iloc[0]
    b = fit.params.query("lhs == 'dem65' and op == '~' and rhs == 'dem60'")["est"].iloc[0]
    assert defined["est"].iloc[0] == pytest.approx(a * b, rel=1e-12)
