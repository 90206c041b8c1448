"""Improper solutions, bad models and bad data are never silent (small constructed cases)."""

import numpy as np
import pandas as pd
import pytest

import loyaltyscope as ls
from loyaltyscope.cbsem import DataError, ModelSpecError, ModelSyntaxError


def _cov_frame(R, names):
    return pd.DataFrame(np.asarray(R, float), index=names, columns=names)


def _simulate(cov, n=400, seed=1, names=None):
    rng = np.random.default_rng(seed)
    X = rng.multivariate_normal(np.zeros(len(cov)), cov, size=n)
    return pd.DataFrame(X, columns=names or [f"x{i + 1}" for i in range(len(cov))])


# ---------------------------------------------------------------- syntax errors
@pytest.mark.parametrize("model, line, col, fragment", [
    ("f =~ x1 + x2 + x3\ng x4 + x5", 2, 1, "expected an operator"),
    ("f =~ x1 + x2 +\n", 1, 15, "expected a term after '+'"),
    ("f =~ x1 + 2a*x2 + x3", 1, 11, "modifier"),
    ("f =~ x1 + x2\nf ~*~ x3", 2, 3, "scaling factors"),
    ("f =~ x1 + x2 + x3\n\n  y ~ 1 + f + $", 3, 15, "expected a variable name"),
])
def test_syntax_errors_name_line_and_column(model, line, col, fragment):
    with pytest.raises(ModelSyntaxError) as err:
        ls.parse_model(model)
    e = err.value
    assert (e.line, e.column) == (line, col)
    assert fragment in str(e)
    assert f"line {line}, column {col}" in str(e)


def test_multiline_formulas_and_comments_parse():
    f = ls.parse_model("""
        # a comment
        visual =~ x1 +   ! another
                  x2 + x3
        textual =~ x4 + x5
                 + x6; speed =~ x7 + x8 + x9
    """)
    assert [(x.lhs, x.rhs) for x in f if x.op == "=~"] == [
        ("visual", "x1"), ("visual", "x2"), ("visual", "x3"), ("textual", "x4"), ("textual", "x5"),
        ("textual", "x6"), ("speed", "x7"), ("speed", "x8"), ("speed", "x9")]


def test_modifiers_parse():
    f = ls.parse_model("f =~ NA*x1 + a*x2 + 0.5*x3 + start(0.7)*x4 + c(l1, l2)*x5\ny ~ b*1")
    mods = {x.rhs: x.modifier for x in f}
    assert mods["x1"].fixed == (None,)
    assert mods["x2"].label == ("a",)
    assert mods["x3"].fixed == (0.5,)
    assert mods["x4"].start == (0.7,)
    assert mods["x5"].label == ("l1", "l2")
    assert [x.op for x in f][-1] == "~1"


def test_unknown_variable_lists_close_columns():
    hs = ls.load_dataset("holzinger_swineford")
    with pytest.raises(ModelSpecError) as err:
        ls.sem("visual =~ x1 + x2 + xx3", hs)
    assert "'xx3'" in str(err.value) and "x3" in str(err.value)


def test_defined_parameter_with_unknown_label():
    hs = ls.load_dataset("holzinger_swineford")
    with pytest.raises(ModelSpecError, match="unknown label"):
        ls.sem("visual =~ x1 + a*x2 + x3\nd := a*zz", hs)


def test_expressions_are_not_evaluated_as_python():
    hs = ls.load_dataset("holzinger_swineford")
    with pytest.raises(ValueError):
        ls.sem("visual =~ x1 + a*x2 + x3\nd := __import__('os').getcwd()", hs)


# ---------------------------------------------------------------- improper solutions
def test_heywood_case_is_flagged():
    # a one-factor model whose implied loading of x1 is > 1 in correlation units
    R = [[1, .8, .8], [.8, 1, .5], [.8, .5, 1]]
    fit = ls.sem("f =~ x1 + x2 + x3", sample_cov=_cov_frame(R, ["x1", "x2", "x3"]), sample_nobs=200)
    heywood = [w for w in fit.warnings if "Heywood" in w]
    assert heywood and "x1 ~~ x1" in heywood[0]
    est = fit.params.query("lhs == 'x1' and op == '~~'")["est"].iloc[0]
    assert est < 0          # never bounded silently
    assert "Heywood" in fit.summary()


def test_latent_covariance_not_positive_definite_is_flagged():
    names = [f"x{i}" for i in range(1, 7)]
    R = np.full((6, 6), 0.45)
    R[:3, :3] = R[3:, 3:] = 0.3
    np.fill_diagonal(R, 1)
    fit = ls.sem("f1 =~ x1 + x2 + x3\nf2 =~ x4 + x5 + x6", sample_cov=_cov_frame(R, names), sample_nobs=300)
    assert any("latent (residual) covariance matrix is not positive definite" in w for w in fit.warnings)
    corr = fit.params.query("lhs == 'f1' and rhs == 'f2'")["std_all"].iloc[0]
    assert corr > 1


def test_non_convergence_is_flagged():
    hs = ls.load_dataset("holzinger_swineford")
    fit = ls.sem("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9", hs, max_iter=1)
    assert not fit.converged
    assert any("did not converge" in w for w in fit.warnings)
    assert "did NOT converge" in fit.summary()


def test_underidentified_model_names_parameters():
    rng_cov = np.eye(4) + 0.3 * (1 - np.eye(4))
    data = _simulate(rng_cov)
    fit = ls.sem("f1 =~ x1 + x2\nf2 =~ x3 + x4\nf1 ~~ 0*f2", data)
    msg = [w for w in fit.warnings if "not identified" in w]
    assert msg, fit.warnings
    assert "f1=~x2" in msg[0] and "f2=~x4" in msg[0]
    assert fit.params["se"].isna().any()


def test_more_parameters_than_moments_is_an_error():
    data = _simulate(np.eye(2) + 0.4 * (1 - np.eye(2)), names=["x1", "x2"])
    with pytest.raises(ModelSpecError, match="more free parameters"):
        ls.sem("f =~ NA*x1 + x2\nf ~~ f", data)


# ---------------------------------------------------------------- bad data
def test_constant_column_is_named():
    data = _simulate(np.eye(3) + 0.4 * (1 - np.eye(3)))
    data["x3"] = 2.0
    with pytest.raises(DataError, match="'x3' has zero variance"):
        ls.sem("f =~ x1 + x2 + x3", data)


def test_constant_column_in_one_group_is_named_with_group():
    data = _simulate(np.eye(3) + 0.4 * (1 - np.eye(3)))
    data["g"] = ["a"] * 200 + ["b"] * 200
    data.loc[data["g"] == "b", "x2"] = 1.0
    with pytest.raises(DataError, match="'x2' has zero variance in group 'b'"):
        ls.sem("f =~ x1 + x2 + x3", data, group="g")


def test_linearly_dependent_columns_are_named():
    data = _simulate(np.eye(3) + 0.4 * (1 - np.eye(3)))
    data["x4"] = data["x1"] + data["x2"]
    with pytest.raises(DataError, match="not positive definite.*x1.*x2.*x4"):
        ls.sem("f =~ x1 + x2 + x3 + x4", data)


def test_non_numeric_column_is_named_with_rows():
    data = _simulate(np.eye(3) + 0.4 * (1 - np.eye(3))).astype(object)
    data.loc[5, "x2"] = "n/a"
    with pytest.raises(DataError, match="'x2' is not numeric.*row 5: 'n/a'"):
        ls.sem("f =~ x1 + x2 + x3", data)


def test_listwise_deletion_is_reported_not_silent():
    hs = ls.load_dataset("holzinger_swineford_missing")
    fit = ls.sem("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9", hs)
    n_incomplete = int(hs[[f"x{i}" for i in range(1, 10)]].isna().any(axis=1).sum())
    assert n_incomplete > 0
    assert len(fit.dropped) == n_incomplete
    assert fit.nobs[0] + len(fit.dropped) == len(hs)
    assert fit.warnings[0].startswith(f"{n_incomplete} of {len(hs)} rows excluded")
    assert set(fit.dropped["row"]) == set(hs.index[hs[[f"x{i}" for i in range(1, 10)]].isna().any(axis=1)])


def test_options_not_yet_available_raise_clearly():
    hs = ls.load_dataset("holzinger_swineford")
    with pytest.raises(ValueError, match="estimator"):
        ls.sem("visual =~ x1 + x2 + x3", hs, estimator="XYZ")


# ---------------------------------------------------------------- FIML bad input and reports
HS3 = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


def test_fiml_reports_patterns_and_coverage():
    hs = ls.load_dataset("holzinger_swineford_missing")
    fit = ls.sem(HS3, hs, missing="fiml")
    pats = fit.extra["missing_patterns"]
    assert pats["n"].sum() == len(hs)
    cov = fit.extra["coverage"]
    x = [f"x{i}" for i in range(1, 10)]
    expected = hs[x].notna().astype(float)
    assert np.allclose(cov.to_numpy(), expected.T @ expected / len(hs))


def test_fiml_all_missing_rows_are_logged_not_dropped_silently():
    hs = ls.load_dataset("holzinger_swineford_missing")
    x = [f"x{i}" for i in range(1, 10)]
    hs.loc[[3, 10], x] = np.nan
    fit = ls.sem(HS3, hs, missing="fiml")
    assert fit.nobs[0] == len(hs) - 2
    assert list(fit.dropped["row"]) == [3, 10]
    assert fit.dropped["reason"].str.contains("all model variables missing").all()


def test_fiml_all_missing_column_in_a_group_is_named():
    hs = ls.load_dataset("holzinger_swineford_missing")
    hs.loc[hs["school"] == "Grant-White", "x4"] = np.nan
    with pytest.raises(DataError, match="'x4' have no observed value in group 'Grant-White'"):
        ls.sem(HS3, hs, missing="fiml", group="school")


def test_group_too_small_is_named():
    hs = ls.load_dataset("holzinger_swineford")
    hs.loc[0, "school"] = "Tiny"
    with pytest.raises(DataError, match="group 'Tiny'"):
        ls.sem(HS3, hs, group="school")


def test_constraints_match_lavaan_and_active_bounds_are_flagged():
    # lavaan 0.6-14: cfa(model, HolzingerSwineford1939) gives a = 0.70, b = 0.98,
    # chisq 88.81 on 25 df with npar 20, and NA standard errors for a and b.
    hs = ls.load_dataset("holzinger_swineford")
    fit = ls.sem("visual =~ x1 + a*x2 + b*x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"
                 "a > 0.7\nb == 2*a^2", hs)
    p = fit.params.set_index("label")
    assert p.loc["a", "est"] == pytest.approx(0.70, abs=1e-4)
    assert p.loc["b", "est"] == pytest.approx(0.98, abs=1e-4)
    assert np.isnan(p.loc["a", "se"]) and np.isnan(p.loc["b", "se"])
    assert fit.fit_measures["df"] == 25 and fit.fit_measures["npar"] == 20
    assert fit.fit_measures["chisq"] == pytest.approx(88.81, abs=0.01)
    assert any("is active" in w for w in fit.warnings)


def test_modification_indices_match_lavaan():
    # lavaan 0.6-14 modindices(cfa(HS model)), largest: visual =~ x9 36.411 (epc 0.577, sepc.all 0.515)
    hs = ls.load_dataset("holzinger_swineford")
    mi = ls.sem(HS3, hs).modindices()
    assert len(mi) == 54
    top = mi.iloc[0]
    assert (top["lhs"], top["op"], top["rhs"]) == ("visual", "=~", "x9")
    assert top["mi"] == pytest.approx(36.411, abs=1e-3)
    assert top["epc"] == pytest.approx(0.577, abs=1e-3)
    assert top["sepc_all"] == pytest.approx(0.515, abs=1e-3)
    row = mi[(mi["lhs"] == "x7") & (mi["rhs"] == "x8")].iloc[0]
    assert row["mi"] == pytest.approx(34.145, abs=1e-3)


def test_fit_from_moments_equals_fit_from_data():
    hs = ls.load_dataset("holzinger_swineford")
    x = [f"x{i}" for i in range(1, 10)]
    raw = ls.sem(HS3, hs)
    mom = ls.sem(HS3, sample_cov=hs[x].cov(), sample_nobs=len(hs))
    assert np.allclose(raw.params["est"], mom.params["est"], atol=1e-6)
    assert mom.fit_measures["chisq"] == pytest.approx(raw.fit_measures["chisq"], rel=1e-8)
