"""The corpus of broken survey files: expected outcome per file, row accounting for all."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

import loyaltyscope as ls
from loyaltyscope.survey.responses import PROBLEM_COLUMNS, PROBLEM_TYPES

CORPUS = Path(__file__).parent / "corpus"
EXPECTED = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))


def _read(folder: Path, name: str, spec: dict, **extra):
    inst = spec.get("instrument", "channel_preferences")
    if inst.endswith(".yaml"):
        inst = CORPUS / inst
    return ls.read_responses(folder / name, inst, **(spec.get("kwargs") or {}), **extra)


def _id(v):
    return v


def check_outcome(r: ls.Responses, spec: dict, name: str) -> None:
    # the invariant, whatever else happens
    assert len(r.data) + len(r.excluded) == r.n_read, name
    assert r.n_read == spec["rows"], (name, r.n_read)
    assert len(r.data) == spec["kept"], (name, r.excluded)
    assert len(r.excluded) == spec["excluded"], (name, r.excluded)
    got = r.problems["problem"].value_counts().to_dict()
    assert got == spec["problems"], (name, r.problems[["row", "column", "value", "problem"]])
    assert list(r.problems.columns) == PROBLEM_COLUMNS
    assert set(r.problems["problem"]) <= set(PROBLEM_TYPES)
    assert list(r.data.columns) == list(r.instrument.item_ids)
    assert r.data.index.is_unique
    # rows of kept and excluded records are distinct and together are all rows
    assert len(set(r.rows.tolist()) | set(r.excluded["row"].tolist())) == r.n_read
    if "excluded_rows" in spec:
        assert sorted(r.excluded["row"].tolist()) == spec["excluded_rows"], (name, r.excluded)
    if "kept_ids" in spec:
        assert [_id(x) for x in r.data.index.tolist()] == spec["kept_ids"], name
    for key, val in (spec.get("info") or {}).items():
        assert r.info.get(key) == val, (name, key, r.info.get(key))
    if "missing_codes_found" in spec:
        assert dict(r.info["missing_codes_found"]) == {str(k): v for k, v in spec["missing_codes_found"].items()}, name
    for resp, item, val in spec.get("values") or []:
        got_v = r.data.loc[resp, item]
        if val is None:
            assert math.isnan(got_v), (name, resp, item, got_v)
        elif val == "*":
            assert not math.isnan(got_v), (name, resp, item)
        else:
            assert got_v == val, (name, resp, item, got_v)
    for row, column, problem in spec.get("problem_cells") or []:
        hit = r.problems[(r.problems["row"] == row) & (r.problems["column"] == column)]
        assert problem in hit["problem"].tolist(), (name, row, column, r.problems)
    # every data value respects its scale
    for item in r.data.columns:
        vals = r.data[item].dropna()
        assert vals.isin(r.instrument.scale_of(item).values).all(), (name, item)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file(name):
    spec = EXPECTED[name]
    r = _read(CORPUS, name, spec)
    check_outcome(r, spec, name)


@pytest.mark.parametrize("name", sorted(n for n, s in EXPECTED.items() if s["problems"]))
def test_corpus_strict_raises_with_every_problem(name):
    spec = EXPECTED[name]
    with pytest.raises(ls.ValidationError) as ei:
        _read(CORPUS, name, spec, strict=True)
    err = ei.value
    assert isinstance(err, ValueError)
    assert err.problems["problem"].value_counts().to_dict() == spec["problems"]
    msg = str(err)
    assert name in msg  # names the file
    first = err.problems.iloc[0]
    if not pd.isna(first["row"]):
        assert f"row {first['row']}" in msg
    if first["column"]:
        assert repr(first["column"]) in msg
    assert "expected" in msg


@pytest.mark.parametrize("name", sorted(n for n, s in EXPECTED.items() if not s["problems"]))
def test_corpus_strict_passes_clean_files(name):
    spec = EXPECTED[name]
    r = _read(CORPUS, name, spec, strict=True)
    assert len(r.data) == spec["kept"]


def test_every_file_in_corpus_has_an_expectation():
    data_files = {p.name for p in CORPUS.iterdir()
                  if p.suffix in (".csv", ".txt", ".xlsx", ".sav", ".dta", ".parquet")}
    assert data_files == set(EXPECTED)


def test_make_corpus_regenerates_the_same_outcomes(tmp_path):
    import importlib.util

    spec_ = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    mod = importlib.util.module_from_spec(spec_)
    spec_.loader.exec_module(mod)
    mod.main(tmp_path)
    shutil.copy(CORPUS / "loyalty_test.yaml", tmp_path / "loyalty_test.yaml")
    for name, spec in EXPECTED.items():
        r = _read(tmp_path, name, spec)
        check_outcome(r, spec, name)
    # text files are byte-for-byte what is committed
    for p in CORPUS.iterdir():
        if p.suffix in (".csv", ".txt"):
            assert (tmp_path / p.name).read_bytes() == p.read_bytes(), p.name


def test_problem_messages_name_row_column_value_and_expectation():
    r = ls.read_responses(CORPUS / "out_of_range.csv", "channel_preferences")
    p = r.problems[(r.problems["row"] == 2) & (r.problems["column"] == "direct_mail")].iloc[0]
    assert p["value"] == "6"
    assert "1–5" in p["expected"] and "-99" in p["expected"]
    assert p["respondent"] == 1
    assert p["action"] == "set to missing"
    with pytest.raises(ls.ValidationError) as ei:
        ls.read_responses(CORPUS / "out_of_range.csv", "channel_preferences", strict=True)
    assert "out_of_range.csv, row 2, column 'direct_mail': value '6': out of range — expected a code of scale like5: 1–5" in str(ei.value)


def test_qualtrics_duration_and_metadata():
    r = ls.read_responses(CORPUS / "qualtrics_text.csv", "channel_preferences")
    assert r.duration_column == "Duration (in seconds)"
    assert r.duration.loc["R_002abcXYZ"] == 20
    # metadata columns are expected, the free-text column is not
    unexpected = r.problems.loc[r.problems["problem"] == "unexpected column", "column"].tolist()
    assert unexpected == ["Q20_TEXT"]
    assert "StartDate" in r.other.columns


def test_spss_value_labels_recode_and_user_missing():
    import pyreadstat

    df, meta = pyreadstat.read_sav(str(CORPUS / "spss_user_missing.sav"))
    r = ls.read_responses(CORPUS / "spss_user_missing.sav", "channel_preferences")
    # direct_mail was stored 0-4 with the instrument's labels: recoded to 1-5 by label
    assert (r.data["direct_mail"].to_numpy() == df["direct_mail"].to_numpy() + 1).all()
    note = r.problems[r.problems["problem"] == "recoded by value labels"].iloc[0]
    assert note["column"] == "direct_mail"


def test_explicit_missing_code_that_is_an_answer_is_refused():
    with pytest.raises(ValueError, match="is a valid answer"):
        ls.read_responses(CORPUS / "clean.csv", "channel_preferences", missing_codes=[3])


def test_wrong_instrument_is_an_error_naming_the_columns():
    with pytest.raises(ls.ValidationError, match="none of the 24 items of instrument 'ecsi'"):
        ls.read_responses(CORPUS / "clean.csv", "ecsi")


def test_unknown_id_column_is_an_error():
    with pytest.raises(ValueError, match="id_column 'who'"):
        ls.read_responses(CORPUS / "clean.csv", "channel_preferences", id_column="who")
