"""Issue 8: every survey result (Responses, Screening, Scores, NPSResult) follows the results
protocol — frozen, ``summary()``, escaped ``_repr_html_()``, ``tables()``/``to_frame()``,
``to_dict()``, ``.warnings``, common names (``nobs``)."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

import loyaltyscope as ls
from loyaltyscope.numerics.display import ResultProtocol

INST = ls.load_instrument("channel_preferences")


@pytest.fixture(scope="module")
def responses():
    rng = np.random.default_rng(2)
    df = pd.DataFrame(rng.integers(1, 6, size=(40, 16)), columns=list(INST.item_ids)).astype(object)
    df.insert(0, "respondent", np.arange(40))
    df.loc[3, "catalog"] = "<script>alert(1)</script>"
    df["<b>note</b>"] = "x"
    return ls.read_responses(df, INST)


def _results(r):
    return {"responses": r, "screening": ls.screen(r), "scores": ls.score(r),
            "nps": ls.nps(pd.Series(np.arange(11).repeat(3)))}


@pytest.mark.parametrize("which", ["responses", "screening", "scores", "nps"])
def test_protocol(responses, which):
    res = _results(responses)[which]
    assert isinstance(res, ResultProtocol)
    assert dataclasses.is_dataclass(res) and type(res).__dataclass_params__.frozen
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.warnings = ("x",)
    assert isinstance(res.warnings, tuple)
    assert isinstance(res.nobs, int) and res.nobs > 0
    assert res.summary().startswith(res.title)
    tabs = res.tables()
    assert tabs and all(isinstance(t, pd.DataFrame) for t in tabs.values())
    first = next(iter(tabs))
    assert res.to_frame(first).equals(tabs[first])
    d = res.to_dict()
    json.dumps(d)  # JSON-ready
    assert set(tabs) <= set(d) and "warnings" in d
    h = res._repr_html_()
    assert "<script>" not in h and "<b>note</b>" not in h


def test_responses_html_escapes_and_is_short(responses):
    h = responses._repr_html_()
    assert "&lt;script&gt;" in h
    assert "unexpected column" in h and "&lt;b&gt;note&lt;/b&gt;" in h
    assert responses.nobs + responses.n_excluded == responses.n_read == 40


def test_nps_has_no_attribute_proxy():
    res = ls.nps(pd.Series([0, 9, 10, 7]))
    with pytest.raises(AttributeError):
        res.table  # noqa: B018 — the one-row table is res.to_frame("nps")
    assert res.to_frame("nps").loc[0, "nobs"] == 4
    assert res.warnings  # n < 30: the interval is flagged as indicative
