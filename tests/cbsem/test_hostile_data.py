"""Issue 14, SEM room: pathological data into ``ls.sem`` (reproductions of the adversarial
run). Each case is refused up front with a DataError naming the column (and row), or fitted
with a warning; never LinAlgError / AttributeError."""

import numpy as np
import pandas as pd
import pytest

import loyaltyscope as ls
from loyaltyscope.cbsem.data_checks import check_data

HS3 = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"
OV = [f"x{i}" for i in range(1, 10)]


@pytest.fixture(scope="module")
def hs():
    return ls.load_dataset("holzinger_swineford")


def _msg(data, model=HS3, **kw):
    with pytest.raises(ls.DataError) as info:
        ls.sem(model, data, **kw)
    return str(info.value)


def test_one_huge_cell_names_column_and_row(hs):
    d = hs.copy()
    d.loc[d.index[5], "x4"] = 1e300
    msg = _msg(d)
    assert "'x4'" in msg and "1e+300" in msg and f"row {d.index[5]!r}" in msg


def test_infinite_cell_is_refused(hs):
    d = hs.copy()
    d.loc[d.index[2], "x7"] = -np.inf
    assert "infinite" in _msg(d) and "'x7'" in _msg(d)


def test_column_scaled_by_1e_minus_300_is_refused_not_called_constant(hs):
    d = hs.copy()
    d["x2"] = d["x2"] * 1e-300
    msg = _msg(d)
    assert "'x2'" in msg and "rescale" in msg and "zero variance" not in msg


def test_moderately_rescaled_column_fits_with_lavaans_variance_warning(hs):
    d = hs.copy()
    d["x2"] = d["x2"] * 1e3
    res = ls.sem(HS3, d)
    assert any("factor 1000 times larger" in w and "x2" in w for w in res.warnings)
    ref = ls.sem(HS3, hs).params.query("lhs == 'visual' and rhs == 'x2'")["est"].iloc[0]
    got = res.params.query("lhs == 'visual' and rhs == 'x2'")["est"].iloc[0]
    assert got == pytest.approx(1e3 * ref, rel=1e-5)       # a loading scales with its indicator


def test_duplicated_column_names_are_refused(hs):
    d = pd.concat([hs, hs[["x1"]]], axis=1)
    msg = _msg(d)
    assert "'x1' appears 2 times" in msg


def test_duplicated_column_outside_the_model_is_harmless(hs):
    d = pd.concat([hs, hs[["id"]]], axis=1) if "id" in hs.columns else hs.assign(extra=1).rename(
        columns={"extra": "x1b"})
    assert ls.sem(HS3, d).converged


def test_too_few_complete_rows_says_so(hs):
    d = hs.copy()
    d.loc[d.index[4:], "x5"] = np.nan
    msg = _msg(d)
    assert "only 4 complete row(s)" in msg and "at least 10" in msg and "fiml" in msg


def test_too_few_complete_rows_in_one_group(hs):
    d = hs.copy()
    sch = d["school"].iloc[0]
    idx = d.index[d["school"] == sch][3:]
    d.loc[idx, "x1"] = np.nan
    msg = _msg(d, group="school")
    assert f"in group {sch!r}" in msg


def test_check_data_collects_every_problem(hs):
    d = hs.copy()
    d.loc[d.index[0], "x1"] = 1e200
    d["x3"] = d["x3"] * 1e-250
    with pytest.raises(ls.DataError) as info:
        check_data(d, OV)
    assert "'x1'" in str(info.value) and "'x3'" in str(info.value)
    assert check_data(hs, OV) == []


@pytest.mark.parametrize("change, words", [
    (lambda S: S.where(~np.eye(9, dtype=bool), S * 1e300), "extreme magnitude"),
    (lambda S: S.where(~np.eye(9, dtype=bool), S * 1e-300), "extreme magnitude"),
    (lambda S: S.replace(S.loc["x2", "x2"], np.inf), "non-finite entries in the rows of x2"),
    (lambda S: S - np.eye(9) * 5, "expected a positive number"),
])
def test_hostile_sample_cov_is_refused_naming_the_variable(hs, change, words):
    S = change(hs[OV].cov())
    with pytest.raises(ls.DataError, match=words):
        ls.sem(HS3, sample_cov=S, sample_nobs=301)


def test_constant_column_refused_before_fiml_em(hs):
    d = hs.copy()
    d["x1"] = 0.0
    d.loc[d.index[3], "x8"] = np.nan
    msg = _msg(d, missing="fiml", estimator="MLR")
    assert "'x1' has zero variance" in msg


def test_column_constant_in_one_group_refused_before_fiml_em(hs):
    d = hs.copy()
    d.loc[d["school"] == "Pasteur", "x2"] = 3.0
    msg = _msg(d, missing="fiml", group="school")
    assert "'x2' has zero variance in group 'Pasteur'" in msg


def test_too_few_rows_under_fiml_says_so(hs):
    msg = _msg(hs.iloc[:5], missing="fiml")
    assert "only 5 row(s) with observed values" in msg and "at least 10" in msg
