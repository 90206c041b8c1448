"""Regression tests for the psychometric faults of issue 14 (hostile data, numerical faults,
threads): no hang, no crash other than the package's own errors, no silent non-finite or
improper numbers, BLAS limits restored."""

from __future__ import annotations

import dataclasses
import threading
import warnings

import numpy as np
import pandas as pd
import pytest

import loyaltyscope as ls
from loyaltyscope.numerics.display import ResultProtocol
from psych_reference import bfi_reversed, load_data

pytestmark = pytest.mark.usefixtures("quiet_psychometric_warnings")

BFIR = bfi_reversed()
HS = load_data("holzinger_swineford_1939.csv")
MODEL3 = "A =~ A1 + A2 + A3 + A4 + A5\nC =~ C1 + C2 + C3 + C4 + C5\nN =~ N1 + N2 + N3 + N4 + N5"
HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


def _run_with_timeout(fn, seconds: float):
    out = {}

    def target():
        try:
            out["value"] = fn()
        except Exception as e:  # noqa: BLE001 - handed back to the test
            out["error"] = e

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"did not return within {seconds} s"
    if "error" in out:
        raise out["error"]
    return out["value"]


# ---- parallel analysis on sparse data ----------------------------------------------------------------------

def test_parallel_analysis_with_20_answered_rows_of_300_returns_with_a_warning():
    x = HS[[f"x{i}" for i in range(1, 10)]].iloc[:300].copy()
    x.iloc[20:] = np.nan                                  # 280 rows never answered
    pa = _run_with_timeout(lambda: ls.parallel_analysis(x, n_iter=20, seed=1), 60)
    assert any("too few complete rows to resample" in w for w in pa.warnings)
    assert any("280 of 300 rows have no answer" in w for w in pa.warnings)
    assert "resampled_pc_mean" not in pa.eigenvalues
    assert np.isfinite(pa.eigenvalues.to_numpy()).all() and pa.n_factors is not None


def test_parallel_analysis_resampling_is_capped():
    from loyaltyscope.psychometrics import factor_retention as fr

    x = np.full((40, 3), np.nan)
    x[:2, :] = [[1, 2, 3], [2, 1, 3]]                      # resamples almost never have a defined correlation
    warns: list[str] = []
    out = _run_with_timeout(lambda: fr._resampled_correlations(np.random.default_rng(0), x, 50, "pearson", warns), 30)
    assert out is None and "only" in warns[0] and "at most 90 draws" in warns[0]   # 50 + 20 spare per chunk of 25


# ---- HTMT and alpha: scale, extreme values, too few rows -----------------------------------------------------

def test_htmt_is_scale_invariant_for_extreme_scales():
    ref = ls.htmt(HS_MODEL, HS).htmt.to_numpy()
    for factor in (1e-300, 1e300, 3.7e-200):
        d = HS.copy()
        d["x5"] = d["x5"] * factor
        h = ls.htmt(HS_MODEL, d)
        assert np.abs(h.htmt.to_numpy() - ref).max() < 1e-12, factor
        assert np.abs(ls.htmt(HS_MODEL, d, use="pairwise").htmt.to_numpy()
                      - ls.htmt(HS_MODEL, HS, use="pairwise").htmt.to_numpy()).max() < 1e-12


def test_alpha_with_a_tiny_column_is_finite_and_scale_free_where_it_should_be():
    items = HS[[f"x{i}" for i in range(1, 10)]]
    d = items.copy()
    d["x2"] = d["x2"] * 1e-300
    a0, a1 = ls.alpha(items), ls.alpha(d)
    for stat in ("std_alpha", "average_r", "g6", "median_r"):
        assert getattr(a1, stat) == pytest.approx(getattr(a0, stat), abs=1e-12), stat
    for col in ("std_r", "r_cor", "std_alpha_if_deleted"):         # standardized: scale free
        assert np.allclose(a1.item_stats[col], a0.item_stats[col], atol=1e-12), col
    # x2's correlation with the rest does not depend on x2's own scale
    assert a1.item_stats.loc["x2", "r_drop"] == pytest.approx(a0.item_stats.loc["x2", "r_drop"], abs=1e-12)
    assert np.isfinite(a1.item_stats.drop(columns=["raw_r"]).to_numpy()).all()
    assert a1.item_stats.loc["x2", "sd"] == pytest.approx(a0.item_stats.loc["x2", "sd"] * 1e-300, rel=1e-12)
    # raw alpha of items on these scales: the tiny item contributes nothing (alpha of 8 items, 9 counted)
    assert np.isfinite(a1.raw_alpha) and a1.raw_alpha < a0.raw_alpha


def test_one_extreme_cell_is_an_error_naming_column_row_and_value():
    d = HS.copy()
    d.loc[17, "x4"] = 1e300
    for fn in (lambda: ls.htmt(HS_MODEL, d), lambda: ls.alpha(d[["x4", "x5", "x6"]]),
               lambda: ls.efa(d[[f"x{i}" for i in range(1, 10)]], 1)):
        with pytest.raises(ls.ItemDataError, match=r"'x4'.*1e\+300.*row 17"):
            fn()


def test_htmt_pairs_never_answered_together_are_named():
    d = HS.copy()
    d.loc[:149, "x1"] = np.nan
    d.loc[151:, "x4"] = np.nan                            # x1 and x4: one row in common
    with pytest.raises(ls.ItemDataError, match="'x1' and 'x4' are answered together in 1 row"):
        ls.htmt(HS_MODEL, d, use="pairwise")
    with pytest.raises(ls.ItemDataError, match="listwise deletion leaves 1 complete row"):
        ls.htmt(HS_MODEL, d)


def test_htmt_zero_complete_rows_is_an_error_not_an_all_nan_table():
    d = HS.copy()
    d.loc[d.index % 2 == 0, "x1"] = np.nan
    d.loc[d.index % 2 == 1, "x9"] = np.nan
    with pytest.raises(ls.ItemDataError, match="listwise deletion leaves 0 complete row.*x1|x9"):
        ls.htmt(HS_MODEL, d)


def test_htmt_undefined_cell_is_warned():
    s = np.array([-1.0, 1.0, -1.0, 1.0] * 25)
    t = np.array([-1.0, -1.0, 1.0, 1.0] * 25)              # exactly uncorrelated with s
    rng = np.random.default_rng(0)
    d = pd.DataFrame({"a1": s, "a2": t, "b1": rng.normal(size=100), "b2": rng.normal(size=100)})
    h = ls.htmt("A =~ a1 + a2\nB =~ b1 + b2", d)
    assert not np.isfinite(h.htmt.loc["A", "B"])
    assert any("HTMT of 'A' and 'B' is undefined" in w for w in h.warnings)


# ---- improper solutions ----------------------------------------------------------------------------------------

def _heywood_data():
    R = np.array([[1, .8, .8], [.8, 1, .5], [.8, .5, 1]])          # lambda_1^2 = .8 * .8 / .5 = 1.28 > 1
    rng = np.random.default_rng(1)
    z = rng.normal(size=(300, 3))
    z -= z.mean(0)
    z = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False))).T
    x = z @ np.linalg.cholesky(R).T
    w = np.random.default_rng(2).normal(size=(300, 3)) + 0.5 * x[:, [0]]
    return pd.DataFrame(np.column_stack([x, w]), columns=["a1", "a2", "a3", "b1", "b2", "b3"])


def test_heywood_case_inside_reliability_is_flagged():
    model = "A =~ a1 + a2 + a3\nB =~ b1 + b2 + b3"
    with pytest.warns(ls.PsychometricWarning, match="improper CFA solution"):
        r = ls.reliability(model, _heywood_data())
    flagged = [w for w in r.warnings if "construct 'A': improper CFA solution" in w]
    assert flagged and "a1 ~~ a1" in flagged[0]
    assert not any("construct 'B': improper" in w for w in r.warnings)
    assert "improper CFA solution" in r.summary()
    fl = ls.fornell_larcker(model, _heywood_data())
    assert any("construct 'A': improper CFA solution" in w for w in fl.warnings)


def test_non_positive_definite_pairwise_matrix_inside_alpha_is_flagged():
    rng = np.random.default_rng(0)
    f, g, h = rng.normal(size=(3, 100))
    e = rng.normal(scale=0.2, size=(6, 100))
    x = np.full((300, 3), np.nan)
    x[:100, 0], x[:100, 1] = f + e[0], f + e[1]           # x1, x2 agree
    x[100:200, 1], x[100:200, 2] = g + e[2], g + e[3]     # x2, x3 agree
    x[200:, 0], x[200:, 2] = h + e[4], -h + e[5]          # x1, x3 disagree: no data set has all three
    with pytest.warns(ls.PsychometricWarning, match="not positive definite"):
        a = ls.alpha(pd.DataFrame(x, columns=["x1", "x2", "x3"]))
    assert any("pairwise covariance matrix of the items is not positive definite" in w and "x1" in w
               for w in a.warnings)
    assert "not positive definite" in a.summary()


# ---- BLAS thread limits ---------------------------------------------------------------------------------------

def _blas_threads():
    from threadpoolctl import threadpool_info

    return sorted((d["internal_api"], d["num_threads"]) for d in threadpool_info() if d["user_api"] == "blas")


def test_concurrent_psychometric_calls_restore_the_blas_thread_count():
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=3, user_api="blas"):    # a count the calls' limit (1) differs from
        _concurrent_calls_restore(_blas_threads())


def _concurrent_calls_restore(before):
    assert all(n == 3 for _, n in before)
    x = BFIR[[f"A{i}" for i in range(1, 6)] + [f"C{i}" for i in range(1, 6)]].iloc[:600]
    calls = [lambda: ls.alpha(x), lambda: ls.efa(x, 2), lambda: ls.parallel_analysis(x, n_iter=10, seed=1),
             lambda: ls.kmo(x), lambda: ls.bartlett(x), lambda: ls.polychoric(x), lambda: ls.omega(x, 2),
             lambda: ls.htmt(MODEL3.split("\nN")[0], BFIR)]
    errors = []

    def run(fn):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fn()
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=run, args=(fn,)) for fn in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors and not any(t.is_alive() for t in threads)
    assert _blas_threads() == before


# ---- one results protocol --------------------------------------------------------------------------------------

def test_every_psychometric_result_follows_the_protocol():
    x = HS[[f"x{i}" for i in range(1, 10)]]
    results = [ls.alpha(x), ls.omega(x, 3), ls.efa(x, 3), ls.kmo(x), ls.bartlett(x),
               ls.parallel_analysis(x, n_iter=5), ls.velicer_map(x), ls.polychoric(x.round().clip(0, 7)),
               ls.reliability(HS_MODEL, HS), ls.htmt(HS_MODEL, HS, n_boot=5, seed=1), ls.fornell_larcker(HS_MODEL, HS)]
    for r in results:
        name = type(r).__name__
        assert isinstance(r, ResultProtocol) and dataclasses.is_dataclass(r), name
        with pytest.raises(dataclasses.FrozenInstanceError):
            r.warnings = ()
        assert isinstance(r.warnings, tuple), name
        assert r.summary().startswith(r.title) and r._repr_html_().startswith("<div"), name
        assert isinstance(r.to_frame(), pd.DataFrame) and "warnings" in r.to_dict(), name
        assert not hasattr(r, "__iter__"), name
        fields = {f.name for f in dataclasses.fields(r)}
        assert not fields & {"n_obs", "p", "dof"}, name


# ---- pathological data: no silent non-finite numbers ------------------------------------------------------------

def _likert(n=200, k=6, seed=0):
    rng = np.random.default_rng(seed)
    f = rng.normal(size=n)
    return pd.DataFrame({f"q{i}": np.clip(np.round(3 + f + rng.normal(size=n)), 1, 5) for i in range(1, k + 1)})


def test_alpha_if_deleted_is_finite_next_to_a_huge_column():
    d = _likert()
    d["q1"] = d["q1"] * 1e300
    a = ls.alpha(d)
    ref = ls.alpha(d.drop(columns="q1"))
    assert a.item_stats.loc["q1", "alpha_if_deleted"] == pytest.approx(ref.raw_alpha, abs=1e-12)
    assert np.isfinite(a.item_stats.to_numpy(dtype=float)).all()


def test_cfa_based_statistics_refuse_columns_beyond_double_precision():
    d = _likert()
    d["q1"] = d["q1"] * 1e300
    model = "F =~ q1 + q2 + q3\nG =~ q4 + q5 + q6"
    for fn in (ls.reliability, ls.fornell_larcker):
        with pytest.raises(ls.ItemDataError, match="'q1' varies by about .*e\\+300.*rescale"):
            fn(model, d)
    d = _likert()
    d.loc[3, "q2"] = 1e300
    with pytest.raises(ls.ItemDataError, match="'q2' has the value 1e\\+300 in row 3"):
        ls.reliability(model, d)


def test_undefined_numbers_are_explained():
    d = _likert()
    m = ls.velicer_map(d)                                  # 6 items: at most 5 components removed
    assert list(m.map.index) == list(range(6)) and np.isfinite(m.map).all()
    e = ls.efa(d[["q1", "q2"]], 2)
    assert not np.isfinite(e.fit_measures["pvalue"]) and any("degrees of freedom" in w for w in e.warnings)
    e = ls.efa(d.corr(), 2)
    assert any("without nobs" in w for w in e.warnings)
    d.loc[d["q3"] == 1, "q3"] = 2                          # nobody answers 1 to q3
    p = ls.polychoric(d)
    assert any("chosen by nobody" in w and "q3 = 1" in w for w in p.warnings)


def test_nested_procedures_issue_each_message_once():
    x = HS[[f"x{i}" for i in range(1, 10)]]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        o = ls.omega(x, 3)
    assert not any("nobs" in str(w.message) for w in caught) and not any("nobs" in w for w in o.warnings)
    d = BFIR[[f"A{i}" for i in range(1, 6)] + [f"C{i}" for i in range(1, 6)]].copy()
    d.loc[d["A2"] == 1, "A2"] = 2                          # a category nobody chose: polychoric warns
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        e = ls.efa(d, 2, cor="poly")
    issued = [str(w.message) for w in caught if issubclass(w.category, ls.PsychometricWarning)]
    assert any("chosen by nobody" in w for w in e.warnings)
    assert sorted(issued) == sorted(e.warnings) and len(set(issued)) == len(issued)


def test_results_from_threads_equal_the_serial_ones_bit_for_bit():
    x = HS[[f"x{i}" for i in range(1, 10)]]
    calls = {"pa": lambda: ls.parallel_analysis(x, n_iter=15, seed=3).eigenvalues,
             "alpha": lambda: ls.alpha(x, n_boot=40, seed=2).ci,
             "htmt": lambda: ls.htmt(HS_MODEL, HS, n_boot=15, seed=1).intervals,
             "efa": lambda: ls.efa(x, 3, rotation="geomin", n_starts=4, seed=5).loadings}
    serial = {k: f() for k, f in calls.items()}
    out: dict[str, list] = {k: [] for k in calls}

    def run(k):
        out[k].append(calls[k]())

    threads = [threading.Thread(target=run, args=(k,)) for k in list(calls) * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for k, frames in out.items():
        assert len(frames) == 2, k
        for f in frames:
            pd.testing.assert_frame_equal(f, serial[k], check_exact=True)


def test_velicer_map_on_an_impossible_pairwise_matrix_is_a_clear_error():
    rng = np.random.default_rng(0)
    f, g, h = rng.normal(size=(3, 100))
    e = rng.normal(scale=0.2, size=(6, 100))
    x = np.full((300, 3), np.nan)
    x[:100, 0], x[:100, 1] = f + e[0], f + e[1]
    x[100:200, 1], x[100:200, 2] = g + e[2], g + e[3]
    x[200:, 0], x[200:, 2] = h + e[4], -h + e[5]
    with pytest.raises(ls.ItemDataError, match="partial correlations are undefined.*x1, x2, x3"):
        ls.velicer_map(pd.DataFrame(x, columns=["x1", "x2", "x3"]))


def test_pairs_answered_together_by_few_respondents_are_warned():
    d = _likert()
    d.loc[5:, "q1"] = np.nan                               # q1 answered by 5 respondents only
    e = ls.efa(d, 1)
    assert any("fewer than 10 respondents" in w and "q1-q2 (5)" in w for w in e.warnings)
