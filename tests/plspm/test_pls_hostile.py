"""Hostile input to the PLS room (issue 14's standard): pathological data, hostile syntax, bad
options and threads give the package's own clear error or finite numbers with a warning;
no row is lost without being counted. One regression test per problem found, then
property-based tests on random valid-then-mutated data and models."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import loyaltyscope as ls
from hostile_data import mutated_frame

MODEL = "A =~ a1 + a2 + a3\nB =~ b1 + b2\nC =~ c1 + c2\nB ~ A\nC ~ A + B\n"
ITEMS = ["a1", "a2", "a3", "b1", "b2", "c1", "c2"]
OWN = (ls.DataError, ls.ModelSpecError, ls.ModelSyntaxError, ls.PLSError)


def _data(n: int = 60, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = rng.normal(size=n)
    return pd.DataFrame({c: (0.7 * f + rng.normal(size=n)).round(2) for c in ITEMS})


BASE = _data()
G = np.array(["x", "y"] * 30)


def _set(col, row, value):
    def mutate(d):
        d = d.astype(object) if isinstance(value, str) else d.copy()
        d.loc[row, col] = value
        return d
    return mutate


# -- regression tests: each was a crash or silent nonsense before --------------------------

ERRORS = [
    ("duplicated column name", lambda d: pd.concat([d, d[["a1"]]], axis=1), ls.DataError, "more than once"),
    ("an infinite value", _set("a1", 0, np.inf), ls.DataError, "infinite value.*rows \\[0\\]"),
    ("a column of numeric text", lambda d: d.assign(a1=d.a1.astype(str)), ls.DataError, "values .*not numbers"),
    ("3 rows for 2 predictors", lambda d: d.iloc[:3], ls.DataError, "C has 2 predictor"),
    ("constructs perfectly collinear", lambda d: d.assign(b1=d.a1), ls.DataError, "singular"),
]


@pytest.mark.parametrize("what,mutate,error,match", ERRORS, ids=[e[0] for e in ERRORS])
def test_pathological_data_is_a_clear_error(what, mutate, error, match):
    model = "A =~ a1\nB =~ b1\nC =~ c1\nC ~ A + B" if "collinear" in what else MODEL
    with pytest.raises(error, match=match):
        ls.pls(model, mutate(BASE))


def test_mode_b_block_needs_more_rows_than_indicators():
    with pytest.raises(ls.DataError, match="Mode B block B has 4 indicators"):
        ls.pls("A <~ a1 + a2 + a3\nB <~ b1 + b2 + c1 + c2\nB ~ A", BASE.iloc[:4])


@pytest.mark.parametrize("factor", [1e300, 1e-300])
def test_scaling_a_column_changes_nothing(factor):
    ref = ls.pls(MODEL, BASE)
    fit = ls.pls(MODEL, BASE.assign(a1=BASE.a1 * factor))
    assert fit.warnings == ()
    np.testing.assert_allclose(fit.params["est"].to_numpy(), ref.params["est"].to_numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(fit.htmt.to_numpy(dtype=float), ref.htmt.to_numpy(dtype=float), rtol=1e-10)


def test_one_huge_cell_is_warned_not_silent():
    fit = ls.pls(MODEL, _set("a1", 0, 1e300)(BASE))
    assert np.isfinite(fit.params["est"]).all()
    assert any("'a1'" in w and "row 0" in w and "variance" in w for w in fit.warnings)


def test_perfectly_collinear_indicators_give_infinite_vif_with_a_warning():
    fit = ls.pls(MODEL, BASE.assign(a2=BASE.a1))
    assert np.isinf(fit.vif.select_dtypes("number").to_numpy(dtype=float)).any()
    assert any(w.startswith("vif:") and "infinite" in w for w in fit.warnings)


def test_singular_bootstrap_resamples_are_counted_not_fatal():
    fit = ls.pls(MODEL, BASE.iloc[:5], bootstrap=50, seed=1)
    assert fit.n_failed > 0 and any("bootstrap resamples failed" in w for w in fit.warnings)
    assert np.isfinite(fit.params["se"]).all()


def test_listwise_rows_are_counted():
    d = BASE.copy()
    d.loc[[3, 7, 11], "b2"] = np.nan
    fit = ls.pls(MODEL, d)
    assert fit.nobs == len(d) - 3 and any(w.startswith("3 row(s)") and "7" in w for w in fit.warnings)


MODELS = [
    ("self loop", "A =~ a1 + a2\nA ~ A", ls.ModelSpecError, "predict itself"),
    ("cycle", "A =~ a1\nB =~ b1\nB ~ A\nA ~ B", ls.ModelSpecError, "cycle"),
    ("unknown item", "A =~ a1 + zz\nB =~ b1\nB ~ A", ls.DataError, "zz"),
    ("construct without indicators", "A =~ a1\nB ~ A", ls.ModelSpecError, "'B'.*not a construct"),
    ("indicator twice in a block", "A =~ a1 + a2\nA =~ a1\nB =~ b1\nB ~ A", ls.ModelSpecError, "twice"),
    ("huge fixed loading", "A =~ 1e309*a1 + a2\nB =~ b1\nB ~ A", ls.ModelSyntaxError, "1e309"),
    ("huge fixed path", "A =~ a1 + a2\nB =~ b1\nB ~ 1e308*A", ls.ModelSyntaxError, "1e308"),
    ("labelled path", "A =~ a1 + a2\nB =~ b1\nB ~ p*A", ls.ModelSpecError, "estimates every path"),
    ("not a string", None, ls.ModelSpecError, "string"),
]


@pytest.mark.parametrize("what,model,error,match", MODELS, ids=[m[0] for m in MODELS])
def test_hostile_syntax_is_a_clear_error(what, model, error, match):
    with pytest.raises(error, match=match):
        ls.pls(model, BASE)


OPTIONS = [
    (dict(bootstrap=-5), "bootstrap"), (dict(bootstrap=10.5), "bootstrap"), (dict(bootstrap=True), "bootstrap"),
    (dict(bootstrap=10, seed="abc"), "seed"), (dict(bootstrap=10, seed=-1), "seed"), (dict(seed=1.5), "seed"),
    (dict(workers=0), "workers"), (dict(workers="2"), "workers"), (dict(tol=float("nan")), "tol"),
    (dict(tol="x"), "tol"), (dict(level="x"), "level"), (dict(max_iter=True), "max_iter"),
    (dict(scheme=None), "scheme"), (dict(higher_order="x"), "higher_order"), (dict(interaction=3), "interaction"),
]


@pytest.mark.parametrize("kw,name", OPTIONS, ids=[f"{k}" for k, _ in OPTIONS])
def test_bad_options_name_the_option(kw, name):
    with pytest.raises(ls.PLSError, match=name):
        ls.pls(MODEL, BASE, **kw)


def test_bad_options_of_index_ipma_predict():
    fit = ls.pls(MODEL, BASE)
    for call, match in [(lambda: fit.index(scale_min=5, scale_max=1), "exceed"),
                        (lambda: fit.index(scale_min="1", scale_max=7), "scale_min"),
                        (lambda: fit.index(scale_min=0, scale_max=1), "outside the scale"),
                        (lambda: fit.ipma("Z", -5, 5), "not a construct"),
                        (lambda: fit.ipma("A", -5, 5), "no construct has an effect"),
                        (lambda: fit.predict(k=1), "k must be"), (lambda: fit.predict(k=100), "k must be"),
                        (lambda: fit.predict(repeats=0), "repeats"), (lambda: fit.predict(seed="x"), "seed")]:
        with pytest.raises(ls.PLSError, match=match):
            call()


def test_groups_hostile():
    with pytest.raises(ls.PLSError, match="n_perm"):
        ls.micom(MODEL, BASE, G, n_perm=-1)
    with pytest.raises(ls.PLSError, match="n_perm"):
        ls.pls_mga(MODEL, BASE, G, n_perm=-3)
    with pytest.raises(ls.PLSError, match="seed"):
        ls.micom(MODEL, BASE, G, n_perm=20, seed="a")
    with pytest.raises(ls.DataError, match="one value per row"):
        ls.micom(MODEL, BASE, G[:10], n_perm=20)
    const = BASE.assign(a1=np.where(G == "x", 1.0, BASE.a1))
    for fn in (ls.micom, ls.pls_mga):         # was NaN compositional correlations, "not invariant", p = .048
        with pytest.raises(ls.DataError, match="a1 in group x"):
            fn(MODEL, const, G, n_perm=20, seed=1)
    with pytest.raises(ls.DataError, match="fewer than 10"):
        ls.pls_mga(MODEL, BASE, np.array(["x"] + ["y"] * 59), n_perm=20)


# -- threads ----------------------------------------------------------------------------

@pytest.mark.slow
def test_threads_give_the_single_threaded_numbers_bit_for_bit():
    def call(seed):
        return ls.pls(MODEL, BASE, bootstrap=40, seed=seed, workers=2).params
    single = {s: call(s) for s in (1, 2, 3)}
    with ThreadPoolExecutor(3) as ex:
        futures = [(s, ex.submit(call, s)) for s in (1, 2, 3, 3, 2, 1)]
        for s, f in futures:
            pd.testing.assert_frame_equal(f.result(timeout=120), single[s], check_exact=True)


# -- property-based: random valid data, then one mutation ---------------------------------

def mutated():
    return mutated_frame(lambda n, draw: _data(n, draw(st.integers(0, 10_000))), ITEMS, 2, 40)


def _check_result(fit, n_rows):
    dropped = next((int(w.split()[0]) for w in fit.warnings if "dropped (listwise)" in w), 0)
    assert fit.nobs + dropped == n_rows                        # every row used or counted
    est = fit.params["est"].to_numpy(dtype=float)
    assert np.isfinite(est).all() or fit.warnings               # never silent nonsense
    tables = [t.select_dtypes("number").to_numpy(dtype=float) for t in fit.tables().values()]
    if any(np.isinf(t).any() for t in tables):
        assert fit.warnings
    assert np.isfinite(fit.r2.select_dtypes("number").to_numpy(dtype=float)[:, 0]).all() or fit.warnings


@pytest.mark.slow
@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated(), st.sampled_from(["listwise", "mean"]), st.sampled_from(["path", "centroid", "factorial"]))
def test_pls_on_mutated_data(data, missing, scheme):
    try:
        fit = ls.pls(MODEL, data, missing=missing, scheme=scheme)
    except OWN:
        return
    _check_result(fit, len(data))


TOKENS = ["~", "=~", "<~", "~~", "1e309*", "9^9^9*", ":", "(", "#", "A", "B", "C", "+", "a1", "zz", "\n", ":=", "-"]


@pytest.mark.slow
@settings(max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(MODEL)), st.sampled_from(TOKENS + ["DEL"])), min_size=1, max_size=4))
def test_pls_on_mutated_syntax(edits):
    text = MODEL
    for pos, tok in edits:
        pos = min(pos, len(text))
        text = text[:pos] + text[pos + 1:] if tok == "DEL" else text[:pos] + tok + text[pos:]
    try:
        fit = ls.pls(text, BASE)
    except OWN:
        return
    _check_result(fit, len(BASE))


INTERACTION = "A =~ a1 + a2 + a3\nB =~ b1 + b2\nC =~ c1 + c2\nC ~ A + B + A:B\n"
HIGHER_ORDER = "A =~ a1 + a2\nB =~ a3 + b1\nH =~ A + B\nC =~ c1 + c2\nC ~ H\n"


@pytest.mark.parametrize("kw", [dict(interaction="two_stage"), dict(interaction="product_indicator"),
                                dict(interaction="orthogonal")])
def test_interactions_scale_invariant_and_rows_counted(kw):
    ref = ls.pls(INTERACTION, BASE, **kw)
    scaled = ls.pls(INTERACTION, BASE.assign(a1=BASE.a1 * 1e300), **kw)   # orthogonal: was off by 0.42
    np.testing.assert_allclose(scaled.params["est"], ref.params["est"], rtol=1e-9, atol=1e-12)
    holes = ls.pls(INTERACTION, BASE.assign(a1=BASE.a1.where(BASE.index > 5)), **kw)
    assert holes.nobs == 54 and any(w.startswith("6 row(s)") for w in holes.warnings)  # two_stage: was silent


@pytest.mark.parametrize("method", ["two_stage", "repeated_indicators"])
def test_higher_order_keeps_the_data_notes(method):
    fit = ls.pls(HIGHER_ORDER, _set("a1", 0, 1e300)(BASE), higher_order=method)
    assert any("'a1'" in w and "row 0" in w for w in fit.warnings)      # two_stage: was dropped


def test_resample_counts_are_capped_before_allocating():
    with pytest.raises(ls.PLSError, match="<= 100000"):
        ls.pls(MODEL, BASE, bootstrap=10**12)
    with pytest.raises(ls.PLSError, match="<= 100000"):
        ls.micom(MODEL, BASE, G, n_perm=10**9)
    with pytest.raises(ls.PLSError, match="repeats"):
        ls.pls(MODEL, BASE).predict(repeats=10**6)


def test_bootstrap_draws_do_not_depend_on_the_chunk_size():
    from loyaltyscope.plspm.resampling import bootstrap_stack
    from loyaltyscope.plspm.specification import specify
    spec = specify(MODEL)
    Z = ((BASE - BASE.mean()) / BASE.std()).to_numpy()[:, [ITEMS.index(x) for x in spec.unique_items]]
    pos = np.arange(len(spec.items))
    a = bootstrap_stack(Z, pos, spec, 30, 7, "path", False, 300, 1e-7, chunk=7)
    b = bootstrap_stack(Z, pos, spec, 30, 7, "path", False, 300, 1e-7, chunk=30)
    np.testing.assert_array_equal(a.draws["paths"], b.draws["paths"])


def test_complex_datetime_and_multilevel_columns_refused():
    with pytest.raises(ls.DataError, match="complex"):               # the imaginary part was dropped silently
        ls.pls(MODEL, BASE.assign(a1=BASE.a1 + 1j))
    with pytest.raises(ls.DataError, match="datetime64"):
        ls.pls(MODEL, BASE.assign(a1=pd.Timestamp("2020-01-01") + pd.to_timedelta(BASE.index, "D")))
    with pytest.raises(ls.DataError, match="multi-level"):
        ls.pls(MODEL, BASE.set_axis(pd.MultiIndex.from_tuples([(c, "x") for c in BASE.columns]), axis=1))
    mixed = BASE.astype(object)                                       # numbers stored as objects are numbers
    np.testing.assert_allclose(ls.pls(MODEL, mixed).params["est"], ls.pls(MODEL, BASE).params["est"])


def test_iterations_capped():
    with pytest.raises(ls.PLSError, match="max_iter"):
        ls.pls(MODEL, BASE, max_iter=10**9)
