"""Property-based check (hypothesis) of the psychometric functions on mutated item data:
each call returns a result whose every non-finite number is explained on ``.warnings``, or
raises the package's own error naming the problem — never another exception, never a hang."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

hypothesis = pytest.importorskip("hypothesis", reason="hypothesis is in the 'test' extra")
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

import loyaltyscope as ls  # noqa: E402

ITEMS = [f"q{i}" for i in range(1, 7)]
MODEL = "F =~ q1 + q2 + q3\nG =~ q4 + q5 + q6"


def _base(n, seed):
    rng = np.random.default_rng(seed)
    f = rng.normal(size=n)
    return pd.DataFrame({c: np.clip(np.round(3 + f + rng.normal(size=n)), 1, 5) for c in ITEMS})


MUTATIONS = {
    "scale_column": lambda d, r: _scale(d, r, 10.0 ** r.choice([-300, -150, 150, 300])),
    "extreme_cell": lambda d, r: _set(d, r, 10.0 ** r.choice([20, 100, 300])),
    "tiny_cell": lambda d, r: _set(d, r, 5e-324),
    "missing_block": lambda d, r: _missing(d, r, r.uniform(0.3, 0.99)),
    "empty_rows": lambda d, r: d.mask(np.broadcast_to(np.arange(len(d))[:, None] >= r.integers(0, len(d) + 1), d.shape)),
    "constant_column": lambda d, r: d.assign(**{d.columns[r.integers(6)]: 3.0}),
    "copy_column": lambda d, r: d.assign(q2=d["q1"]),
    "negate_column": lambda d, r: d.assign(q5=-d["q5"]),
    "few_rows": lambda d, r: d.iloc[: r.integers(0, 8)],
    "never_together": lambda d, r: d.assign(q1=d["q1"].where(np.arange(len(d)) % 2 == 0),
                                            q4=d["q4"].where(np.arange(len(d)) % 2 == 1)),
    "text_cell": lambda d, r: _set(d.astype(object), r, "n/a"),
    "inf_cell": lambda d, r: _set(d, r, -np.inf),
    "bool_column": lambda d, r: d.assign(q3=d["q3"] > 3),
    "non_integer_codes": lambda d, r: d.assign(q6=d["q6"] + 0.5),
    "wide_codes": lambda d, r: d.assign(q2=d["q2"] * 7),
    "offset_column": lambda d, r: d.assign(q4=d["q4"] + 10.0 ** r.choice([8, 15, 17])),
}


def _scale(d, r, factor):
    c = d.columns[r.integers(6)]
    return d.assign(**{c: d[c] * factor})


def _set(d, r, v):
    if len(d) == 0:
        return d
    j = int(r.integers(6))
    d = d.copy()
    if d.dtypes.iloc[j] == bool:
        d[d.columns[j]] = d[d.columns[j]].astype(float)
    d.iloc[r.integers(len(d)), j] = v
    return d


def _missing(d, r, share):
    return d.mask(r.random(d.shape) < share)


CALLS = {
    "alpha": lambda d: ls.alpha(d),
    "omega": lambda d: ls.omega(d, 2),
    "efa": lambda d: ls.efa(d, 2),
    "kmo": ls.kmo,
    "bartlett": ls.bartlett,
    "parallel_analysis": lambda d: ls.parallel_analysis(d, n_iter=5, seed=1),
    "velicer_map": ls.velicer_map,
    "polychoric": ls.polychoric,
    "htmt": lambda d: ls.htmt(MODEL, d, use="pairwise"),
    "reliability": lambda d: ls.reliability(MODEL, d),
}


def _numbers(result):
    for t in result.tables().values():
        yield t.select_dtypes("number").to_numpy(dtype=float)


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), mutations=st.lists(st.sampled_from(sorted(MUTATIONS)), min_size=1, max_size=3),
       call=st.sampled_from(sorted(CALLS)))
def test_mutated_item_data_gives_a_result_or_a_clear_error(seed, mutations, call):
    rng = np.random.default_rng(seed)
    d = _base(int(rng.integers(30, 120)), seed)
    for m in sorted(mutations, key=lambda m: m == "text_cell"):       # arithmetic first, text last
        d = MUTATIONS[m](d, rng)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = CALLS[call](d)
    except (ls.ItemDataError, ls.DataError) as e:
        assert str(e).strip()
        return
    nonfinite = any(not np.isfinite(a).all() for a in _numbers(res))
    assert not nonfinite or res.warnings, f"{call} after {mutations}: non-finite numbers without a warning"
