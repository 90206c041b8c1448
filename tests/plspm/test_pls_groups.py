"""PLS-MGA against seminr's estimate_pls_mga fixture (pls-mga-mobi-100.RDS: the ECSI model on
mobi, groups from R's set.seed(798234); sample(c(TRUE, FALSE), 250, replace = TRUE)), and MICOM
checked against its definition with separately fitted groups and on data built to violate it."""

import numpy as np
import pandas as pd
import pytest

import loyaltyscope as ls
from loyaltyscope.plspm.demo import ECSI_MOBI_MODEL
from reference import PLS_REF, load_mobi, seminr_table


@pytest.fixture(scope="module")
def groups():
    cond = pd.read_csv(PLS_REF / "seminr" / "mga_condition.csv")["group1"].to_numpy()
    return np.where(cond, "g1", "g2")


@pytest.fixture(scope="module")
def ref():
    return seminr_table("pls_mga_mobi_100.csv").set_index(["target", "source"])


def test_mga_group_paths_equal_seminr(groups, ref):
    res = ls.pls_mga(ECSI_MOBI_MODEL, load_mobi(), groups, seed=3, n_perm=200)
    assert res.nobs == (115, 135)
    t = res.paths.set_index(["lhs", "rhs"])
    assert len(t) == 12
    for key, row in ref.iterrows():
        assert t.loc[key, "est_group1"] == pytest.approx(row["group1_beta"], abs=2e-3)
        assert t.loc[key, "est_group2"] == pytest.approx(row["group2_beta"], abs=2e-3)
        assert t.loc[key, "diff"] == pytest.approx(row["diff"], abs=2e-3)
    assert t.loc[("Complaints", "Satisfaction"), "pvalue"] < 0.01
    assert ((t["pvalue"] > 0) & (t["pvalue"] <= 1)).all()
    again = ls.pls_mga(ECSI_MOBI_MODEL, load_mobi(), groups, seed=3, n_perm=200)
    pd.testing.assert_frame_equal(res.paths, again.paths)


def test_mga_henseler_p_close_to_seminr(groups, ref):
    """seminr's p-values come from 100 bootstrap resamples per group (R's RNG): we use 2000
    and allow 0.08 of Monte-Carlo difference."""
    res = ls.pls_mga(ECSI_MOBI_MODEL, load_mobi(), groups, method="henseler", n_boot=2000, seed=5)
    t = res.paths.set_index(["lhs", "rhs"])
    for key, row in ref.iterrows():
        assert t.loc[key, "pvalue"] == pytest.approx(row["pls_mga_p"], abs=0.08), key


def _weights(fit):
    return fit.params[fit.params["op"] == "<~"]["est"].to_numpy()


def test_micom_definition_and_random_split(groups):
    data = load_mobi()
    res = ls.micom(ECSI_MOBI_MODEL, data, groups, n_perm=200, seed=11)
    # c from two separate ls.pls fits applied to the pooled standardized data
    f1 = ls.pls(ECSI_MOBI_MODEL, data[groups == "g1"].reset_index(drop=True))
    f2 = ls.pls(ECSI_MOBI_MODEL, data[groups == "g2"].reset_index(drop=True))
    items = list(f1.spec.items)
    Z = (data[items] - data[items].mean()) / data[items].std()
    w1, w2 = _weights(f1), _weights(f2)
    for lv in f1.spec.constructs:
        sel = [k for k, b in enumerate(f1.spec.item_block) if f1.spec.constructs[b] == lv]
        y1, y2 = Z.iloc[:, sel].to_numpy() @ w1[sel], Z.iloc[:, sel].to_numpy() @ w2[sel]
        assert res.compositional.loc[lv, "c"] == pytest.approx(np.corrcoef(y1, y2)[0, 1], abs=1e-9)
    assert (res.verdict["invariance"] == "full").all()   # a random split
    assert "MICOM" in res.summary()


def test_micom_detects_violations():
    data = load_mobi().copy()
    g = np.where(np.arange(len(data)) % 2 == 0, "a", "b")
    rng = np.random.default_rng(0)
    b = g == "b"
    data.loc[b, "CUEX1"] = np.clip(data.loc[b, "CUEX1"] + 3, 1, 13)         # shifted mean
    data.loc[b, "IMAG1"] = rng.integers(1, 11, b.sum())                     # a different composite
    data.loc[b, "IMAG4"] = rng.integers(1, 11, b.sum())
    res = ls.micom(ECSI_MOBI_MODEL, data, g, n_perm=200, seed=2)
    assert not res.compositional.loc["Image", "invariant"]
    assert not res.means.loc["Expectation", "equal"]
    assert res.verdict.loc["Image", "invariance"] == "none"


def test_group_errors():
    data = load_mobi()
    with pytest.raises(ls.DataError, match="exactly two"):
        ls.micom(ECSI_MOBI_MODEL, data, np.arange(len(data)) % 3)
    with pytest.raises(ls.DataError, match="not in the data"):
        ls.pls_mga(ECSI_MOBI_MODEL, data, "nope")
