"""Warnings are read in reports: they say what happened in words, with no Python hints
(attribute names, keyword arguments, calls)."""

from __future__ import annotations

import re

import numpy as np
import pytest

import loyaltyscope as ls

@pytest.fixture(scope="module")
def hs():
    return ls.load_dataset("holzinger_swineford")


PYTHON_HINT = re.compile(r"result\.|\.dropped|\.extra|\bls\.|\w+=\w|\w+\(\)|see \.")


@pytest.mark.parametrize("missing", ["listwise", "fiml"])
def test_exclusion_warnings_name_no_python(hs, missing):
    d = hs.copy()
    d.loc[[1, 5], ["x1", "x2", "x3", "x4", "x5", "x6"]] = np.nan     # nothing observed under FIML either
    d.loc[[7, 9], "ageyr"] = np.nan                                   # a missing fixed covariate
    fit = ls.sem("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nvisual ~ ageyr", d, missing=missing)
    assert fit.warnings and "rows excluded" in fit.warnings[0]
    assert "kept with the results" in fit.warnings[0]
    for w in fit.warnings:
        assert not PYTHON_HINT.search(w), w
    assert "see ." not in fit.summary()
    assert len(fit.dropped) == (4 if missing == "listwise" else 2)   # FIML keeps rows with ageyr observed
