"""Index scores and IPMA on the ECSI model. The expected indices are computed in the test from
SmartPLS 2's published outer weights (smartpls_ecsi/pathWeighting) and the raw mobi data with
the ACSI convention, independently of our weights."""

import numpy as np
import pandas as pd
import pytest

import loyaltyscope as ls
from loyaltyscope.plspm.demo import ECSI_MOBI_MODEL, ecsi_demo
from reference import load_mobi, smartpls_table


@pytest.fixture(scope="module")
def fit():
    return ls.pls(ECSI_MOBI_MODEL, load_mobi())


def _expected_index(data, weights_std, items, standardized=False):
    x = data[items]
    w = np.asarray(weights_std, float)
    raw = w if standardized else w / x.std(ddof=1).to_numpy()
    v = raw / raw.sum()
    return 100 * ((x.to_numpy() @ v).mean() - 1) / 9


@pytest.mark.parametrize("method", ["unstandardized", "standardized"])
def test_index_from_smartpls_weights(fit, method):
    data = load_mobi()
    ow = smartpls_table("path", "outerWeights")
    res = fit.index(scale_min=1, scale_max=10, weights=method)
    for lv in fit.spec.constructs:
        items = list(fit.spec.blocks[lv])
        exp = _expected_index(data, ow.loc[items, lv], items, standardized=(method == "standardized"))
        assert res.indices.loc[lv, "index"] == pytest.approx(exp, abs=1e-3)
    # a single item: the index is the rescaled item mean
    assert res.indices.loc["Complaints", "index"] == pytest.approx(100 * (data["CUSCO"].mean() - 1) / 9, abs=1e-9)
    assert res.weights.groupby("construct")["weight"].sum().to_numpy() == pytest.approx(1.0)
    assert ((res.scores >= -1e-9) & (res.scores <= 100 + 1e-9)).all().all()
    assert not res.warnings


def test_observed_scale_is_stated(fit):
    res = fit.index()
    assert any("observed minimum" in w for w in res.warnings)


def test_ipma(fit):
    res = fit.ipma(target="Loyalty", scale_min=1, scale_max=10)
    m = res.map
    assert set(m.index) == {"Image", "Expectation", "Quality", "Value", "Satisfaction", "Complaints"}
    eff = fit.effects.set_index(["from", "to"])
    for lv in m.index:
        assert m.loc[lv, "importance_std"] == pytest.approx(eff.loc[(lv, "Loyalty"), "total"])
    idx = fit.index(scale_min=1, scale_max=10).indices
    assert m["performance"].to_numpy() == pytest.approx(idx.loc[m.index, "index"].to_numpy())
    # unstandardized importance = standardized total effect × sd(target score) / sd(source score) for a
    # direct single path, here Complaints -> Loyalty (its only route)
    scores = fit.index(scale_min=1, scale_max=10).scores
    ratio = scores["Loyalty"].std() / scores["Complaints"].std()
    assert m.loc["Complaints", "importance"] == pytest.approx(m.loc["Complaints", "importance_std"] * ratio, rel=0.05)
    with pytest.raises(ValueError, match="not a construct"):
        fit.ipma(target="Nope")


def test_demo_runs():
    out = ecsi_demo()
    assert set(out) == {"fit", "index", "ipma"}
    assert "IPMA" in out["ipma"].summary() and "<table>" in out["ipma"]._repr_html_()
    matplotlib = pytest.importorskip("matplotlib", reason="matplotlib (extra 'notebooks') draws the IPMA map")
    matplotlib.use("Agg")
    ax = out["ipma"].plot()
    assert ax.get_xlabel().startswith("Importance")
