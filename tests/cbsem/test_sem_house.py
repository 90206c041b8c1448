"""The SEM room's house rules: options resolved once (lavaan's lavOptions), the results
protocol of SemResult and InvarianceResult, and fits from several threads.

The thread tests compare with single-threaded runs of the same code (bit for bit: the same
seed must give the same numbers whatever else runs at the same time), not with a reference.
"""

import dataclasses
import threading

import numpy as np
import pandas as pd
import pytest

import loyaltyscope as ls
from loyaltyscope.cbsem.options import SemOptions, resolve_options
from reference import data_path, REF

HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
AC = ["A1", "A2", "A3", "A4", "A5", "C1", "C2", "C3", "C4", "C5"]
BFI_MODEL = "agree =~ A1 + A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3 + C4 + C5"


@pytest.fixture(scope="module")
def hs():
    return ls.load_dataset("holzinger_swineford")


@pytest.fixture(scope="module")
def hs_fit(hs):
    return ls.sem(HS, hs)


# ------------------------------------------------------------------------------ options
def test_options_defaults_as_lavaan():
    o = resolve_options()
    assert (o.estimator, o.se, o.test, o.missing) == ("ML", "standard", "standard", "listwise")
    o = resolve_options(ordered=["a", "b"])
    assert (o.estimator, o.test, o.ordered, o.parameterization) == ("WLSMV", "scaled.shifted", ("a", "b"), "delta")
    assert resolve_options(estimator="mlr").test == "yuan.bentler.mplus"
    assert resolve_options(estimator="MLM").test == "satorra.bentler"
    assert resolve_options(missing="ml").missing == "fiml"
    assert resolve_options(ordered=True, data_columns=["a", "b"]).ordered == ("a", "b")
    assert resolve_options(group_equal="loadings").group_equal == ("loadings",)
    with pytest.raises(dataclasses.FrozenInstanceError):
        o.estimator = "ML"


@pytest.mark.parametrize("est", ["ML", "MLR", "MLM", "ml"])
def test_ordered_with_an_ml_estimator_is_an_error(est):
    with pytest.raises(ValueError, match="cannot be used with ordered="):
        resolve_options(estimator=est, ordered=["A1"])


@pytest.mark.parametrize("est", ["WLSMV", "DWLS"])
def test_wlsmv_without_ordered_is_continuous_wls(hs, est):
    """Without ordered= the (D)WLS family fits the covariances (tests/cbsem/test_wlsmv_more.py
    compares with lavaan)."""
    fit = ls.sem(HS, hs, estimator=est)
    assert fit.options.continuous_wls and fit.estimator == est
    assert ("chisq.scaled" in fit.fit_measures) == (est == "WLSMV")


def test_combinations_lavaan_refuses_are_refused(hs):
    S = hs[["x1", "x2", "x3"]].cov()
    with pytest.raises(ValueError, match="needs complete data"):
        ls.sem(HS, hs, estimator="MLM", missing="fiml")
    with pytest.raises(ValueError, match="needs the raw data"):
        ls.sem("f =~ x1 + x2 + x3", sample_cov=S, sample_nobs=301, missing="fiml")
    with pytest.raises(ValueError, match="ordered=.*raw data"):
        ls.sem("f =~ x1 + x2 + x3", sample_cov=S, sample_nobs=301, ordered=["x1", "x2", "x3"])
    with pytest.raises(NotImplementedError, match="bootstrap"):
        resolve_options(ordered=["x1"], se="bootstrap")
    with pytest.raises(ValueError, match="at least 2 resamples"):
        resolve_options(se="bootstrap", bootstrap=1)


def test_all_option_problems_reported_together():
    with pytest.raises(ValueError) as e:
        resolve_options(estimator="XYZ", missing="pairwise", boot_ci="student", max_iter=0)
    msg = str(e.value)
    for word in ("estimator='XYZ'", "missing='pairwise'", "boot_ci='student'", "max_iter=0"):
        assert word in msg


def test_fit_carries_its_resolved_options(hs_fit):
    assert isinstance(hs_fit.options, SemOptions)
    assert hs_fit.options.estimator == "ML" and hs_fit.options.group is None


# ------------------------------------------------------------------------------ results protocol
def test_sem_result_protocol(hs_fit):
    tabs = hs_fit.tables()
    assert list(tabs) == ["params", "fit_measures", "r2"]
    fm = tabs["fit_measures"].set_index("measure")["value"]
    assert fm["chisq"] == hs_fit.fit_measures["chisq"] == hs_fit.chisq
    assert hs_fit.df == 24 and hs_fit.pvalue == hs_fit.fit_measures["pvalue"]
    assert hs_fit.nobs == (301,)
    d = hs_fit.to_dict()
    assert set(d) == {"params", "fit_measures", "r2", "warnings"}
    assert hs_fit.to_frame("params").equals(hs_fit.params)
    # internals are private: no public lazy caches or raw tables
    public = {f.name for f in dataclasses.fields(hs_fit) if not f.name.startswith("_")}
    assert not public & {"lazy", "table", "sample_covs", "implied_covs", "vcov_theta", "theta_names"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        hs_fit.converged = False


def test_fixed_parameters_blank_in_display_nan_in_data(hs_fit):
    p = hs_fit.params
    fixed = p[(p["op"] == "=~") & (p["est"] == 1.0)]
    assert len(fixed) == 3 and (fixed["se"] == 0).all() and fixed["z"].isna().all()   # data: lavaan's values
    shown = hs_fit._display_params()
    assert (shown.loc[fixed.index, ["se", "z", "pvalue"]] == "").all().all()
    html = hs_fit._repr_html_()
    assert "<td>NA</td>" not in html
    assert "<td>24</td>" in html and "<td>21</td>" in html         # df and npar as integers
    assert "24.000" not in html


def test_html_escapes_user_strings():
    rng = np.random.default_rng(3)
    f = rng.normal(size=(200, 1))
    d = pd.DataFrame(f @ np.ones((1, 3)) + rng.normal(size=(200, 3)), columns=["a", "b", "c"])
    fit = ls.sem("f =~ a + b + c", d, group=None)
    html = fit._repr_html_()
    assert "<script" not in html
    groups = d.assign(g=np.where(np.arange(200) < 100, "<script>x</script>", "b"))
    fit = ls.sem("f =~ a + b + c", groups, group="g")
    assert "<script>" not in fit._repr_html_()


def _heywood_waves():
    rng = np.random.default_rng(1)
    parts = []
    for g in ("a", "b"):
        f = rng.normal(size=60)
        X = np.column_stack([f * l + rng.normal(scale=s, size=60)
                             for l, s in ((1, 0.05), (0.8, 0.6), (0.7, 0.7), (0.6, 0.8))])
        parts.append(pd.DataFrame(X, columns=["x1", "x2", "x3", "x4"]).assign(wave=g))
    return pd.concat(parts, ignore_index=True)


def test_invariance_result_protocol_and_heywood_warning():
    r = ls.invariance("f =~ x1 + x2 + x3 + x4", _heywood_waves(), "wave", levels=("configural", "metric"))
    assert any(w.startswith("[configural] Heywood case: negative residual variance x1 ~~ x1") for w in r.warnings)
    assert r.warnings == tuple(f"[{lvl}] {w}" for lvl, f in r.fits.items() for w in f.warnings)
    assert "Heywood" in r.summary()
    assert list(r.tables()) == ["ladder"] and r.to_frame().equals(r.table)
    assert r.nobs == (60, 60)
    html = r._repr_html_()
    assert "Heywood" in html and "<td>NA</td>" not in html
    assert "Heywood" not in r._html(warnings=False)           # reports show warnings in their own box
    assert "Heywood" not in r.fits["configural"]._html(warnings=False)
    assert "Heywood" in r.fits["configural"]._repr_html_()
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.group = "x"


def test_ordinal_heywood_and_protocol():
    bfi = pd.read_csv(data_path("bfi.csv"))
    fit = ls.sem(BFI_MODEL, bfi, ordered=AC)
    assert fit.options.estimator == "WLSMV" and fit.options.test == "scaled.shifted"
    assert np.allclose(np.diag(fit.sample_cov[""].to_numpy()), 1.0)
    p = fit._display_params()
    scales = fit.params["op"] == "~*~"
    assert scales.sum() == 10 and (p.loc[scales, "se"] == "").all()


# ------------------------------------------------------------------------------ threads
def _two_waves():
    data = pd.read_csv(data_path("political_democracy.csv"))
    return data.iloc[:38].reset_index(drop=True), data.iloc[37:].reset_index(drop=True)


PD = "ind60 =~ x1 + x2 + x3\ndem60 =~ y1 + y2 + y3 + y4\ndem60 ~ a*ind60\nind2 := a * 2"


def _boot(data, workers=1):
    fit = ls.sem(PD, data, se="bootstrap", bootstrap=50, seed=11, workers=workers)
    return fit.extra["bootstrap"].samples, fit.params


def _in_threads(jobs, timeout):
    out, errors = [None] * len(jobs), []

    def work(i, fn):
        try:
            out[i] = fn()
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=(i, fn), daemon=True) for i, fn in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "a fit from a thread did not finish (deadlock?)"
    assert not errors, errors
    return out


def _blas_threads():
    from threadpoolctl import threadpool_info
    return [(i["internal_api"], i["num_threads"]) for i in threadpool_info()]


@pytest.mark.slow
def test_bootstraps_from_two_threads_equal_serial_runs_bit_for_bit():
    w1, w2 = _two_waves()
    before = _blas_threads()
    serial = [_boot(w1), _boot(w2)]
    assert not serial[0][0].equals(serial[1][0])
    for _ in range(3):
        threaded = _in_threads([lambda: _boot(w1), lambda: _boot(w2), lambda: _boot(w1)], timeout=120)
        for (samples, params), (s_ref, p_ref) in zip(threaded, [serial[0], serial[1], serial[0]]):
            pd.testing.assert_frame_equal(samples, s_ref, check_exact=True)
            pd.testing.assert_frame_equal(params, p_ref, check_exact=True)
    assert _blas_threads() == before                      # BLAS limits restored after every call


@pytest.mark.slow
def test_process_pools_from_three_threads_do_not_deadlock():
    w1, w2 = _two_waves()
    ref = _boot(w1, workers=1)[0]
    out = _in_threads([lambda: _boot(w1, 2), lambda: _boot(w2, 2), lambda: _boot(w1, 2)], timeout=120)
    pd.testing.assert_frame_equal(out[0][0], ref, check_exact=True)   # same numbers for any worker count
    pd.testing.assert_frame_equal(out[2][0], ref, check_exact=True)


def test_fits_and_ladders_from_threads_equal_serial_runs(hs):
    before = _blas_threads()
    ordered = pd.read_csv(data_path("bfi.csv"))
    serial = [ls.sem(HS, hs).params, ls.sem(HS, hs, group="school", group_equal="loadings").params,
              ls.sem(BFI_MODEL, ordered, ordered=AC).params]
    jobs = [lambda: ls.sem(HS, hs).params,
            lambda: ls.sem(HS, hs, group="school", group_equal="loadings").params,
            lambda: ls.sem(BFI_MODEL, ordered, ordered=AC).params]
    for got, want in zip(_in_threads(jobs, timeout=120), serial):
        pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert _blas_threads() == before


def _module_containers():
    import importlib
    import pkgutil
    import types

    import loyaltyscope.cbsem as room
    out = {}
    for m in pkgutil.walk_packages(room.__path__, room.__name__ + "."):
        mod = importlib.import_module(m.name)
        for name, v in vars(mod).items():
            if not name.startswith("__") and not isinstance(v, (types.ModuleType, type)) and \
                    isinstance(v, (dict, list, set, np.ndarray, bytearray)):
                out[f"{m.name}.{name}"] = v
    return out


def test_fits_leave_no_module_level_state_in_cbsem(hs):
    """Module-level containers of the SEM room are constants: fitting (ML, MLR with groups,
    ordinal, bootstrap, invariance) changes none of them."""
    import copy
    containers = _module_containers()
    before = {k: copy.copy(v) for k, v in containers.items()}
    ls.sem(HS, hs, group="school", estimator="MLR").params
    ls.sem(HS, hs, se="bootstrap", bootstrap=10, seed=1, workers=1).params
    ls.invariance(HS, hs, "school", levels=("configural", "metric"))
    ls.sem(BFI_MODEL, pd.read_csv(data_path("bfi.csv")), ordered=AC).fit_measures
    after = _module_containers()
    assert set(after) == set(before)
    for k, v in before.items():
        w = after[k]
        if isinstance(v, np.ndarray):
            same = np.array_equal(v, w)
        elif isinstance(v, dict):
            same = v.keys() == w.keys() and all(v[i] is w[i] or v[i] == w[i] for i in v)
        else:
            same = len(v) == len(w) and all(a is b or a == b for a, b in zip(v, w))
        assert same, f"{k} changed during a fit"


def test_model_spec_cache_hands_out_copies(hs):
    from loyaltyscope.cbsem import pipeline
    o = resolve_options()
    a = pipeline.model_spec(HS, list(hs.columns), 1, o, False)
    b = pipeline.model_spec(HS, list(hs.columns), 1, o, False)
    assert a.table is not b.table and a.table.equals(b.table)
    a.table.loc[0, "ustart"] = 99.0
    assert pipeline.model_spec(HS, list(hs.columns), 1, o, False).table.loc[0, "ustart"] != 99.0
    with pytest.raises(ValueError, match="read-only"):
        b.columns["ustart"][0] = 99.0
