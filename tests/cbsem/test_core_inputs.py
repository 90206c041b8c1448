"""Issue 9: what ls.sem accepts as data, friendlier errors on typical mistakes, and the bounded
optimiser on misspecified models (warnings that say what is wrong)."""

import numpy as np
import pandas as pd
import pytest

import loyaltyscope as ls
from loyaltyscope.cbsem.data_input import apply_missing_codes, suspicious_codes
from loyaltyscope.cbsem.partable import ModelSpecError
from reference import data_path, REF

HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
ITEMS = ["al1", "al2", "al3", "bl1", "bl2", "bl3"]


@pytest.fixture(scope="module")
def hs():
    return pd.read_csv(data_path("holzinger_swineford_1939.csv"))


def test_path_gives_the_same_fit_as_the_frame(hs):
    a = ls.sem(HS, data_path("holzinger_swineford_1939.csv"))
    b = ls.sem(HS, hs)
    assert a.fit_measures["chisq"] == pytest.approx(b.fit_measures["chisq"], rel=1e-10)


def test_bad_path_and_type_are_explained(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        ls.sem(HS, "no_such_file.csv")
    (tmp_path / "data.json").write_text("{}")
    with pytest.raises(ValueError, match="unknown file type"):
        ls.sem(HS, tmp_path / "data.json")
    with pytest.raises(TypeError, match="path to a data file"):
        ls.sem(HS, [[1, 2, 3]])


def _survey(tmp_path, n=240, seed=3):
    rng = np.random.default_rng(seed)
    eta = rng.normal(size=(n, 2)) @ np.linalg.cholesky([[1, .5], [.5, 1]]).T
    x = np.repeat(eta, 3, axis=1) * 0.9 + rng.normal(size=(n, 6)) * 0.8
    items = np.clip(np.round(x + 4), 1, 7).astype(int)
    df = pd.DataFrame(items, columns=ITEMS)
    df.insert(0, "region", np.where(rng.random(n) < 0.5, "north", "south"))
    path = tmp_path / "survey.csv"
    df.to_csv(path, index=False)
    return df, path


def test_validated_responses_are_accepted_with_their_kept_columns(tmp_path):
    df, path = _survey(tmp_path)
    resp = ls.read_responses(path, "brand_loyalty", other_columns=["region"])
    model = "attitudinal =~ al1 + al2 + al3\npurchase =~ bl1 + bl2 + bl3"
    by_hand = pd.concat([resp.data, resp.other], axis=1)
    a = ls.sem(model, resp, group="region")
    b = ls.sem(model, by_hand, group="region")
    assert a.fit_measures["chisq"] == pytest.approx(b.fit_measures["chisq"], rel=1e-10)
    assert sum(a.nobs) == len(resp.data) and len(resp.data) + len(resp.excluded) == len(df)


def test_regression_on_a_missing_latent_suggests_measurement(hs):
    with pytest.raises(ModelSpecError, match=r"did you mean `visual =~ x1 \+ x2 \+ x3`"):
        ls.sem("visual ~ x1 + x2 + x3", hs)


def test_self_indicator_is_named(hs):
    with pytest.raises(ModelSpecError, match="both a latent variable and one of its own indicators"):
        ls.sem("x1 =~ x1 + x2 + x3", hs)


def test_missing_value_codes_are_spotted(hs):
    d = hs[["x1", "x2", "ageyr"]].copy()
    d.loc[[3, 10, 50], "x1"] = -99
    d.loc[[7], "x2"] = 999
    msgs = suspicious_codes(d)
    assert len(msgs) == 2 and "'x1'" in msgs[0] and "-99 (3x)" in msgs[0] and "999 (1x)" in msgs[1]
    assert suspicious_codes(hs[["x1", "ageyr", "grade"]]) == []
    cleaned = apply_missing_codes(d, [-99, 999])
    assert cleaned["x1"].isna().sum() == 3 and cleaned["x2"].isna().sum() == 1 + d["x2"].isna().sum()


def test_runaway_loadings_stop_early_with_a_named_factor():
    """A three-construct chain on pure noise: lavaan 0.6-14 iterates ~2,000 times without
    converging; we stop within a bounded number of iterations and say which factor is to blame."""
    rng = np.random.default_rng(4300)
    d = pd.DataFrame(rng.normal(size=(300, 12)) * 1.3 + 4, columns=[f"y{i}" for i in range(1, 13)])
    model = ("QUAL =~ y1 + y2 + y3 + y4\nSAT =~ y5 + y6 + y7 + y8\nLOY =~ y9 + y10 + y11 + y12\n"
             "SAT ~ QUAL\nLOY ~ SAT + QUAL")
    fit = ls.sem(model, d)
    assert not fit.converged
    assert fit.iterations < 300
    msg = [w for w in fit.warnings if "optimiser" in w]
    assert msg and ("under-identified" in msg[0] or "did not converge" in msg[0])


def test_simulate_warns_when_the_model_states_no_values():
    with pytest.warns(UserWarning, match="states no values"):
        ls.simulate("f =~ x1 + x2 + x3", 50, seed=1)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ls.simulate("f =~ 0.8*x1 + 0.7*x2 + 0.6*x3", 50, seed=1)


def test_invariance_and_reliability_accept_responses(tmp_path):
    _df, path = _survey(tmp_path)
    resp = ls.read_responses(path, "brand_loyalty", other_columns=["region"])
    model = "attitudinal =~ al1 + al2 + al3\npurchase =~ bl1 + bl2 + bl3"
    joined = pd.concat([resp.data, resp.other], axis=1)
    a = ls.invariance(model, resp, "region", levels=("configural", "metric"))
    b = ls.invariance(model, joined, "region", levels=("configural", "metric"))
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(ls.reliability(model, resp).table, ls.reliability(model, joined).table)
    pd.testing.assert_frame_equal(ls.reliability(model, path).table, ls.reliability(model, pd.read_csv(path)).table)


def test_sem_fits_efa_blocks_and_refuses_what_is_not_implemented(hs):
    esem = 'efa("b")*f1 + efa("b")*f2 =~ x1 + x2 + x3 + x4 + x5 + x6\nspeed =~ x7 + x8 + x9'
    fit = ls.sem(esem, hs)
    P = fit.params
    assert P.loc[(P.lhs == "f1") & (P.rhs == "x3"), "est"].iloc[0] == pytest.approx(0.83854828, abs=1e-4)
    assert any("rotated" in w for w in fit.warnings)
    with pytest.raises(NotImplementedError, match="modification indices"):
        fit.modindices()
    with pytest.raises(NotImplementedError, match="bootstrap"):
        ls.sem(esem, hs, se="bootstrap")


@pytest.mark.parametrize("estimator", ["MLR", "MLM"])
@pytest.mark.parametrize("constraint", ["a > 0.5", "a == b^2"])
def test_robust_with_nonlinear_constraints_refused_before_fitting(hs, monkeypatch, estimator, constraint):
    from loyaltyscope.cbsem.estimators import ml

    def no_fit(*args, **kwargs):
        raise AssertionError("the model was fitted before the refusal")
    monkeypatch.setattr(ml, "fit_ml", no_fit)
    model = f"visual =~ x1 + a*x2 + b*x3\ntextual =~ x4 + x5 + x6\n{constraint}"
    with pytest.raises(NotImplementedError, match="non-linear or inequality constraints"):
        ls.sem(model, hs, estimator=estimator)
