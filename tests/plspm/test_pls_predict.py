"""PLSpredict against the seminr Python package 0.2.1 (values in
tests/reference/pls/seminr_py/seminr_py_reference.json with their generator): same shuffle
(seed 123), 10 folds, one repetition, DA and EA; item RMSE/MAE of PLS and LM to 2e-3."""

import numpy as np
import pytest

import loyaltyscope as ls
from loyaltyscope.plspm.demo import ECSI_MOBI_MODEL
from loyaltyscope.plspm.prediction import fold_ids
from reference import load_case, load_mobi, tol

REF = load_case("seminr_py_reference", "pls/seminr_py")


@pytest.fixture(scope="module")
def fit():
    return ls.pls(ECSI_MOBI_MODEL, load_mobi())


@pytest.mark.parametrize("technique", ["DA", "EA"])
def test_predict_equals_seminr(fit, technique):
    res = fit.predict(k=10, repeats=1, seed=123, technique=technique)
    ref = REF["predict"][technique]["items"]
    met = res.metrics.set_index("indicator")
    assert set(met.index) == set(ref)
    for item, vals in ref.items():
        for col, v in vals.items():
            assert met.loc[item, col] == pytest.approx(v, abs=tol(REF, "predict")), (item, col)
    assert (met["q2_predict"] < 1).all()


def test_fold_ids_like_r_cut():
    # R 4.2.2: cut(seq_len(10), breaks = 3, labels = FALSE) -> 1 1 1 1 2 2 2 3 3 3
    assert (fold_ids(10, 3) + 1).tolist() == [1, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert fold_ids(250, 10).tolist() == np.repeat(np.arange(10), 25).tolist()


def test_repeats_and_errors(fit):
    res = fit.predict(k=5, repeats=3, seed=1)
    assert res.repeats == 3 and len(res.metrics) == 19 and "PLSpredict" in res.summary()
    assert res.metrics.equals(fit.predict(k=5, repeats=3, seed=1).metrics)
    with pytest.raises(ValueError, match="technique"):
        fit.predict(technique="XX")
    with pytest.raises(ValueError, match="k must be"):
        fit.predict(k=1)
