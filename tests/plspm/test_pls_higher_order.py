"""Higher-order constructs: the two-stage approach against seminr's test-hoc.R fixtures
(hoc-paths.csv, hoc-weights.csv, hoc-loadings.csv), and repeated indicators by construction."""

import numpy as np
import pytest

import loyaltyscope as ls
from reference import load_mobi, seminr_table

HOC = """
Image        =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation  =~ CUEX1 + CUEX2 + CUEX3
Quality      =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
Value        =~ PERV1 + PERV2
Satisfaction =~ Image + Value
Complaints   =~ CUSCO
Loyalty      =~ CUSL1 + CUSL2 + CUSL3
Satisfaction ~ Expectation + Quality
Complaints   ~ Satisfaction
Loyalty      ~ Satisfaction
"""


def test_two_stage_equals_seminr():
    fit = ls.pls(HOC, load_mobi())
    ref = seminr_table("hoc-paths.csv", index_col=0)
    for r in fit.paths.itertuples():
        assert r.est == pytest.approx(ref.loc[r.rhs, r.lhs], abs=2e-3)
    w = seminr_table("hoc-weights.csv", index_col=0)
    ours = fit.params[fit.params["op"] == "<~"]
    assert len(ours) == int((w != 0).to_numpy().sum())
    for r in ours.itertuples():
        assert r.est == pytest.approx(w.loc[r.rhs, r.lhs], abs=2e-3), (r.lhs, r.rhs)
    lam = seminr_table("hoc-loadings.csv", index_col=0)
    for r in fit.params[fit.params["op"] == "=~"].itertuples():
        assert r.est == pytest.approx(lam.loc[r.rhs, r.lhs], abs=2e-3), (r.lhs, r.rhs)
    assert {"Image", "Value", "Satisfaction"} <= set(fit.scores.columns)
    assert any("two-stage" in w for w in fit.warnings)


def test_repeated_indicators():
    fit = ls.pls(HOC, load_mobi(), higher_order="repeated_indicators")
    block = fit.params[(fit.params["op"] == "<~") & (fit.params["lhs"] == "Satisfaction")]["rhs"].tolist()
    assert block == ["IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5", "PERV1", "PERV2"]
    p = fit.paths.set_index(["lhs", "rhs"])["est"]
    assert ("Image", "Satisfaction") in p.index and ("Value", "Satisfaction") in p.index
    # the HOC -> dimension path is the correlation of the two composites (single predictor)
    R = fit.construct_correlations
    assert p[("Image", "Satisfaction")] == pytest.approx(R.loc["Image", "Satisfaction"], abs=1e-12)
    assert abs(p[("Satisfaction", "Quality")] - 0.72) < 0.05


def test_higher_order_errors():
    with pytest.raises(ls.ModelSpecError, match="mixes"):
        ls.pls(HOC.replace("Image + Value", "Image + PERV1"), load_mobi())
    with pytest.raises(ValueError, match="higher_order"):
        ls.pls(HOC, load_mobi(), higher_order="nope")
    clash = HOC + "Loyalty ~ Image\n"
    with pytest.raises(ls.ModelSpecError, match="repeated_indicators"):
        ls.pls(clash, load_mobi())
    assert np.isfinite(ls.pls(clash, load_mobi(), higher_order="repeated_indicators").paths["est"]).all()


def test_plsc_fornell_larcker_uses_the_fits_construct_correlations():
    """Under PLSc the HOC is disattenuated with its dimensions' composite reliability; the
    Fornell–Larcker table over stage 2 and the dimensions shows the same correlations as the fit
    (it once used the HOC's plain rho_A: Satisfaction–Quality 0.99 against 0.89)."""
    res = ls.pls(HOC, load_mobi(), consistent=True)
    cc, fl = res.construct_correlations, res.fornell_larcker
    names = list(cc.index)
    for i, a in enumerate(names):
        for b in names[:i]:
            got = fl.loc[a, b] if np.isfinite(fl.loc[a, b]) else fl.loc[b, a]
            assert got == pytest.approx(cc.loc[a, b], abs=1e-12), (a, b)
