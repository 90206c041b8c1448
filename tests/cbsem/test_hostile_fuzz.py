"""Issue 14, SEM room: property-based (hypothesis) tests of the model parser and of
``ls.sem`` on random mutations of valid models (Holzinger-Swineford three-factor model,
a structural model on the political democracy data).

Properties: the only exceptions are the package's own (ModelSyntaxError, ModelSpecError,
DataError, ExpressionError); a fit's estimates, standard errors of free parameters and test
statistic are finite unless ``result.warnings`` says why. Examples are bounded and
derandomised (same examples on every run), each with a deadline; the whole file stays
well under 60 s.
"""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import loyaltyscope as ls
from loyaltyscope.cbsem.expressions import ExpressionError
from loyaltyscope.cbsem.partable import build_partable

OWN = (ls.ModelSyntaxError, ls.ModelSpecError, ls.DataError, ExpressionError)

HS3 = ("visual =~ x1 + a*x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"
       "d := a * 2\n")
LATENT = ["visual", "textual", "speed"]
OBSERVED = [f"x{i}" for i in range(1, 10)]

TOKENS = ["=~", "~", "~~", "*", "+", "(", ")", ":=", "==", "<", ">", "|", "#", ";", "\n", "!",
          "1e309", "1e308", "NA", "c(", "start(", "label(", "equal(", "9^9^9", "1/0", "-" * 3000,
          "0", "1", "-1", "0.5", "1" + "0" * 70, "a", "b", "x1", "visual", "t1", "'", '"', ",", " ",
          "\u00e9", "\x00", "(" * 200, "^", "**", "__import__('os')", "exp(", "log(-1)"]

NUMBERS = st.sampled_from(["0", "1", "-1", "0.5", "2", "1e-300", "1e15", "1e16", "1e308", "1e309",
                           "-1e308", "NA", "1" + "0" * 70, "0.0001", "100"])


def _mutate(text: str, ops) -> str:
    for kind, pos, tok in ops:
        i = pos % (len(text) + 1)
        if kind == "insert":
            text = text[:i] + tok + text[i:]
        elif kind == "delete":
            text = text[:i] + text[i + len(tok):]
        else:                                      # replace a span by the token
            text = text[:i] + tok + text[i + 3:]
    return text


MUTATIONS = st.lists(st.tuples(st.sampled_from(["insert", "delete", "replace"]),
                               st.integers(0, 10_000), st.sampled_from(TOKENS)), min_size=1, max_size=6)


@settings(max_examples=400, deadline=2000, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(MUTATIONS)
def test_parser_raises_only_its_own_errors(ops):
    text = _mutate(HS3, ops)
    try:
        formulas = ls.parse_model(text)
    except ls.ModelSyntaxError as exc:
        assert "line" in str(exc)
        return
    try:
        build_partable(formulas, data_columns=OBSERVED + ["a", "b"])
    except OWN:
        pass


def _elements():
    var = st.sampled_from(LATENT + OBSERVED)
    lat = st.sampled_from(LATENT)
    mod = st.one_of(st.just(""), NUMBERS.map(lambda n: n + "*"), st.sampled_from(["a*", "b*", "start(0.3)*"]))
    loading = st.tuples(lat, mod, st.sampled_from(OBSERVED)).map(lambda t: f"{t[0]} =~ {t[1]}{t[2]}")
    regression = st.tuples(var, mod, var).map(lambda t: f"{t[0]} ~ {t[1]}{t[2]}")
    covariance = st.tuples(var, mod, var).map(lambda t: f"{t[0]} ~~ {t[1]}{t[2]}")
    intercept = st.tuples(var, mod).map(lambda t: f"{t[0]} ~ {t[1]}1")
    expr = st.sampled_from(["a * 2", "a / b", "a / 0", "log(a)", "a ^ 9 ^ 9", "sqrt(b - 10)", "a * 1e308",
                            "exp(a * 1000)", "qnorm(a)", "a - b", "1e15 * b"])
    define = st.tuples(st.sampled_from(["d", "e", "a"]), expr).map(lambda t: f"{t[0]} := {t[1]}")
    constraint = st.tuples(st.sampled_from(["a", "b", "2*a"]), st.sampled_from(["==", "<", ">"]),
                           st.sampled_from(["b", "1", "0.5", "b + 1", "1e308*b"])).map(lambda t: " ".join(t))
    return st.one_of(loading, regression, covariance, intercept, define, constraint)


def _finite_or_warned(res):
    if res.warnings:
        return
    p = res.params
    est = p["est"].to_numpy(float)
    assert np.isfinite(est).all(), "non-finite estimates without a warning"
    free = p[p["op"].isin(["=~", "~", "~~", "~1"]) & (p["se"].to_numpy(float) != 0)]
    assert not np.isinf(free["se"].to_numpy(float)).any()
    fm = res.fit_measures
    assert math.isfinite(fm["chisq"]) and math.isfinite(fm["logl"])


@pytest.mark.slow
@settings(max_examples=30, deadline=60_000, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(_elements(), min_size=1, max_size=3), st.booleans())
def test_sem_on_mutated_models_raises_only_own_errors_or_warns(extra, std_lv):
    hs = _hs()
    model = HS3.replace("x3", "b*x3") + "\n".join(extra)
    try:
        res = ls.sem(model, hs, std_lv=std_lv, max_iter=60)
    except OWN:
        return
    _finite_or_warned(res)


@pytest.mark.slow
@settings(max_examples=25, deadline=60_000, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(OBSERVED), st.integers(0, 300),
                          st.sampled_from([1e300, -1e300, np.inf, np.nan, 1e-300, 0.0, 1e50, -7.0])),
                max_size=4),
       st.sampled_from([None, "x1", "x5"]), st.sampled_from([1.0, 1e-300, 1e-20, 1e20, 1e120]))
def test_sem_on_mutated_data_raises_only_own_errors_or_warns(cells, scaled, factor):
    d = _hs().copy()
    for col, row, val in cells:
        d.loc[d.index[row], col] = val
    if scaled:
        d[scaled] = d[scaled] * factor
    try:
        res = ls.sem(HS3, d, max_iter=60)
    except OWN:
        return
    _finite_or_warned(res)


PD = ("ind60 =~ x1 + x2 + x3\ndem60 =~ y1 + a*y2 + y3 + y4\ndem65 =~ y5 + a*y6 + y7 + y8\n"
      "dem60 ~ b*ind60\ndem65 ~ ind60 + c*dem60\ny1 ~~ y5\n")
PD_LAT = ["ind60", "dem60", "dem65"]
PD_OBS = [f"y{i}" for i in range(1, 9)] + ["x1", "x2", "x3"]


def _pd_elements():
    var = st.sampled_from(PD_LAT + PD_OBS)
    mod = st.one_of(st.just(""), st.sampled_from(["0", "1", "-1", "0.99", "100", "1e-300", "NA"]).map(lambda n: n + "*"),
                    st.sampled_from(["a*", "b*", "c*", "start(5)*"]))
    return st.one_of(
        st.tuples(st.sampled_from(PD_LAT), mod, st.sampled_from(PD_OBS)).map(lambda t: f"{t[0]} =~ {t[1]}{t[2]}"),
        st.tuples(var, mod, var).map(lambda t: f"{t[0]} ~ {t[1]}{t[2]}"),   # loops, self paths
        st.tuples(var, mod, var).map(lambda t: f"{t[0]} ~~ {t[1]}{t[2]}"),
        st.sampled_from(["ind := b*c", "r := b/c", "b == c", "b > 0", "c < -1", "q := log(b - 100)"]))


@pytest.mark.slow
@settings(max_examples=12, deadline=60_000, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_pd_elements(), min_size=1, max_size=4), st.sampled_from(["listwise", "fiml"]))
def test_sem_on_mutated_structural_models(extra, missing):
    if "pd" not in _CACHE:
        _CACHE["pd"] = ls.load_dataset("political_democracy")
    try:
        res = ls.sem(PD + "\n".join(extra), _CACHE["pd"], missing=missing, max_iter=60)
    except OWN:
        return
    _finite_or_warned(res)


_CACHE = {}


def _hs():
    if "hs" not in _CACHE:
        _CACHE["hs"] = ls.load_dataset("holzinger_swineford")
    return _CACHE["hs"]
