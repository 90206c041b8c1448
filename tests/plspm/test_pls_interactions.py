"""Interaction terms against seminr's fixtures: product indicator (coefficients2.csv,
weights2.csv) and orthogonal (coefficients.csv, weights.csv) from test-pls.r (path_factorial),
two-stage together with a two-stage higher-order construct (hoc_2si-paths.csv, test-hoc.R)."""

import pytest

import loyaltyscope as ls
from pls_reference import load_mobi, seminr_table

MOD = """
Image        =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation  =~ CUEX1 + CUEX2 + CUEX3
Value        =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Satisfaction ~ Image + Expectation + Value + Image:Expectation + Image:Value
"""


def _check_paths(fit, ref):
    for r in fit.paths.itertuples():
        assert r.est == pytest.approx(ref.loc[r.rhs.replace(":", "*"), r.lhs], abs=2e-3), r.rhs


@pytest.mark.parametrize("method, coef, weights", [("product_indicator", "coefficients2.csv", "weights2.csv"),
                                                   ("orthogonal", "coefficients.csv", "weights.csv")])
def test_product_terms_equal_seminr(method, coef, weights):
    fit = ls.pls(MOD, load_mobi(), scheme="factorial", interaction=method)
    _check_paths(fit, seminr_table(coef, index_col=0))
    w = seminr_table(weights, index_col=0)
    for r in fit.params[fit.params["op"] == "<~"].itertuples():
        assert r.est == pytest.approx(w.loc[r.rhs, r.lhs.replace(":", "*")], abs=2e-3), (r.lhs, r.rhs)
    assert len(fit.params[(fit.params["op"] == "<~") & (fit.params["lhs"] == "Image:Expectation")]) == 15


def test_two_stage_with_higher_order_equals_seminr():
    model = """
    Image        =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
    Expectation  =~ CUEX1 + CUEX2 + CUEX3
    Quality      =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5
    Loyalty      =~ CUSL1 + CUSL2 + CUSL3
    Value        =~ PERV1 + PERV2
    Nick         =~ Quality + Loyalty
    Satisfaction =~ CUSA1 + CUSA2 + CUSA3
    Satisfaction ~ Image + Expectation + Value + Nick + Image:Expectation
    """
    fit = ls.pls(model, load_mobi())
    _check_paths(fit, seminr_table("hoc_2si-paths.csv", index_col=0))
    assert any("two_stage" in w for w in fit.warnings)


def test_two_stage_bootstrap_and_errors():
    fit = ls.pls(MOD, load_mobi(), bootstrap=50, seed=1)
    assert fit.n_boot == 50 and fit.paths["se"].notna().all()
    assert any("stage-1 scores fixed" in w for w in fit.warnings)
    with pytest.raises(ls.ModelSpecError, match="interaction"):
        ls.pls(MOD.replace("Image:Value", "Image:Nope"), load_mobi())
    with pytest.raises(ValueError, match="interaction must be"):
        ls.pls(MOD, load_mobi(), interaction="nope")
