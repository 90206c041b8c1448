"""The reference set itself (tests/reference) and its loader (tests/reference.py): no empty
folder, every case file carries its tolerances, every data file it names exists once, and the
comparisons fail on a NaN of ours."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import reference as rf

ALL_FILES = sorted(p for p in rf.REF.rglob("*.json"))


def _rel(p):
    return p.relative_to(rf.REF).with_suffix("").as_posix()


@pytest.mark.parametrize("folder", rf.CASE_FOLDERS)
def test_case_folder_is_not_empty(folder):
    assert len(rf.case_files(folder)) >= 1


def test_every_folder_with_cases_is_checked():
    folders = {p.parent.relative_to(rf.REF).as_posix() for p in ALL_FILES}
    assert folders == set(rf.CASE_FOLDERS)


def test_an_empty_folder_is_an_error(tmp_path, monkeypatch):
    (tmp_path / "empty").mkdir()
    monkeypatch.setattr(rf, "REF", tmp_path)
    with pytest.raises(AssertionError, match="no reference case files"):
        rf.case_names("empty")
    (tmp_path / "empty" / "a.json").write_text('{"kind": "efa"}')
    with pytest.raises(AssertionError, match="no reference cases of kind 'sem'"):
        rf.case_names("empty", kind="sem")


@pytest.mark.parametrize("path", ALL_FILES, ids=_rel)
def test_case_file_stores_its_tolerances(path):
    data = json.loads(path.read_text())
    tol = data.get("tolerances")
    assert isinstance(tol, dict) and tol, f"{_rel(path)} has no tolerances (run tests/reference/write_tolerances.py)"
    kind = data.get("kind") or rf.FILE_KINDS[_rel(path)]
    missing = set(rf.DEFAULT_TOLERANCES[kind]) - set(tol)
    assert not missing, f"{_rel(path)} lacks {missing}"
    assert all(isinstance(v, (int, float)) and 0 < v < 1 for v in tol.values()), tol


def test_loader_reads_the_stored_tolerances_and_falls_back_to_defaults():
    case = rf.load_case("hs_cfa_ml")
    assert rf.tolerances(case) is case["tolerances"]
    bare = {k: v for k, v in case.items() if k != "tolerances"}
    assert rf.tolerances(bare) == rf.DEFAULT_TOLERANCES["sem"]
    assert rf.tol(rf.load_case("bfi_cfa5_study", "extra_study"), "chisq_rel") == 1e-4   # its own, tighter
    s = rf.load_case_set("efa", "extra_psych")
    assert "tolerances" not in s and s.tolerances["loading"] == 0.01
    with pytest.raises(AssertionError, match="no tolerance 'nonsense'"):
        rf.tol(case, "nonsense")


@pytest.mark.parametrize("path", [p for p in ALL_FILES if "data" in json.loads(p.read_text())], ids=_rel)
def test_case_data_file_exists(path):
    file = json.loads(path.read_text())["data"]
    assert rf.data_path(file).is_file(), file


def test_data_files_live_once():
    """The bundled data sets are read from the package; tests/reference/data holds only the
    files derived by the R generators."""
    packaged = {p.name for p in rf.data_path("bfi.csv").parent.glob("*.csv")}
    assert {"bfi.csv", "holzinger_swineford_1939.csv", "political_democracy.csv", "mobi.csv"} <= packaged
    copies = [p for p in rf.REF.rglob("*.csv") if p.name in packaged]
    assert copies == []
    assert rf.load_data("holzinger_swineford_1939.csv").shape == (301, 15)


# ----------------------------------------------------------------------------- NaN handling
def test_max_abs_diff_fails_on_our_nan():
    assert rf.max_abs_diff([1.0, np.nan], [1.0, 2.0]) == math.inf
    assert rf.max_abs_diff([1.0, 2.0], [1.0, None]) == math.inf
    assert rf.max_abs_diff([1.0, np.nan], [1.1, None]) == pytest.approx(0.1)    # NA matches NA
    assert rf.max_abs_diff(pd.Series([np.nan, np.nan]), [None, None]) == 0.0
    assert rf.max_abs([0.5, np.nan], [0.5, 0.7]) == math.inf


def test_close_treats_nan_as_a_value():
    assert not rf.close(np.nan, 1.0, atol=10)
    assert not rf.close(1.0, None, atol=10)
    assert rf.close(np.nan, None) and rf.close(None, np.nan)
    assert rf.close(math.inf, math.inf) and not rf.close(math.inf, 1e300, rtol=1)
    assert rf.close(1.0005, 1.0, rtol=1e-3) and not rf.close(1.002, 1.0, rtol=1e-3)


def _fake_fit(case, changes=None):
    params = pd.DataFrame(case["params"]).rename(columns={"std.all": "std_all"})
    for (row, col), v in (changes or {}).items():
        params.loc[row, col] = v
    return SimpleNamespace(params=params, fit_measures=dict(case["fit"]))


def test_compare_sem_fails_on_a_nan_estimate():
    case = rf.load_case("hs_cfa_ml")
    rf.compare_sem(_fake_fit(case), case)             # the reference against itself passes
    free = next(i for i, r in enumerate(case["params"]) if r["se"])
    for col in ("est", "se", "std_all"):
        with pytest.raises(AssertionError, match=col):
            rf.compare_sem(_fake_fit(case, {(free, col): np.nan}), case)
    with pytest.raises(AssertionError, match="est"):
        rf.compare_sem(_fake_fit(case, {(free, "est"): case["params"][free]["est"] * 1.01}), case)


def test_compare_sem_fails_on_a_nan_fit_measure():
    case = rf.load_case("hs_cfa_ml")
    fit = _fake_fit(case)
    for key in ("chisq", "cfi", "aic"):
        bad = SimpleNamespace(params=fit.params, fit_measures={**fit.fit_measures, key: np.nan})
        with pytest.raises(AssertionError, match=f"fit {key}"):
            rf.compare_sem(bad, case)
