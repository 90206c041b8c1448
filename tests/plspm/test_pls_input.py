"""Bad input gives the package's own errors naming what is wrong; results follow the protocol."""

import json

import numpy as np
import pytest

import loyaltyscope as ls
from loyaltyscope.plspm.demo import ECSI_MOBI_MODEL
from reference import MOBI4, load_mobi


def test_data_problems_are_collected_and_named():
    d = load_mobi().drop(columns=["IMAG2", "CUSA1"])
    d["CUEX1"] = d["CUEX1"].astype(str)
    d.loc[3, "CUEX1"] = "ten"
    with pytest.raises(ls.DataError) as e:
        ls.pls(MOBI4, d)
    msg = str(e.value)
    assert "IMAG2" in msg and "CUSA1" in msg and "'CUEX1'" in msg and "ten" in msg


def test_constant_indicator_and_options():
    d = load_mobi()
    d["PERV1"] = 5
    with pytest.raises(ls.DataError, match="PERV1"):
        ls.pls(MOBI4, d)
    with pytest.raises(ValueError, match="scheme"):
        ls.pls(MOBI4, load_mobi(), scheme="horst")
    with pytest.raises(ValueError, match="bootstrap"):
        ls.pls(MOBI4, load_mobi(), bootstrap=1)
    with pytest.raises(ls.DataError, match="missing"):
        ls.pls(MOBI4, load_mobi(), missing="pairwise")


def test_model_problems():
    with pytest.raises(ls.ModelSpecError) as e:
        ls.pls("A =~ IMAG1 + IMAG2\nB =~ CUEX1 + CUEX2\nA ~~ B\nC ~ A\nB ~ A\nA ~ B", load_mobi())
    msg = str(e.value)
    assert "'~~'" in msg and "'C'" in msg
    with pytest.raises(ls.ModelSpecError, match="cycle"):
        ls.pls("A =~ IMAG1 + IMAG2\nB =~ CUEX1 + CUEX2\nB ~ A\nA ~ B", load_mobi())
    with pytest.raises(ls.ModelSpecError, match="no structural path"):
        ls.pls("A =~ IMAG1 + IMAG2\nB =~ CUEX1 + CUEX2\nC =~ PERV1\nB ~ A", load_mobi())
    with pytest.raises(ls.ModelSyntaxError):
        ls.pls("A =~ \nB ~ A", load_mobi())


def test_formative_block_and_cbsem_refuses_a_lone_composite():
    fit = ls.pls(MOBI4.replace("Image        =~", "Image        <~"), load_mobi())
    assert "Image" not in set(fit.params[fit.params["op"] == "=~"]["lhs"])
    assert np.isnan(fit.reliability.loc["Image", "rho_C"])
    # CB-SEM parses composites too (lavaan 0.6 semantics, cbsem-core); a lone composite with no
    # outcome is not identified there
    with pytest.raises(ls.ModelSpecError, match="not identified"):
        ls.sem("F <~ x1 + x2", ls.load_dataset("holzinger_swineford"))


def test_listwise_rows_are_reported():
    d = load_mobi()
    d.loc[[4, 17], "CUSA2"] = np.nan
    fit = ls.pls(MOBI4, d)
    assert fit.nobs == 248 and "4, 17" in fit.warnings[0]


def test_result_protocol():
    fit = ls.pls(ECSI_MOBI_MODEL, load_mobi(), bootstrap=20, seed=1)
    text = fit.summary()
    assert "path weighting" in text and "bootstrap: 20 resamples" in text
    html = fit._repr_html_()
    assert html.count("<table>") == len(fit.tables()) and "Satisfaction" in html
    d = fit.to_dict()
    json.dumps(d)
    assert {"params", "r2", "reliability", "effects", "warnings"} <= set(d)
    assert fit.to_frame("effects").shape[0] == 21
    with pytest.raises(Exception):
        fit.nobs = 3
