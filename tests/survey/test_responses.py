"""read_responses: every value checked, every row accounted for (also property-based)."""

from __future__ import annotations

import dataclasses
import io
import math
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import loyaltyscope as ls

CORPUS = Path(__file__).parent / "corpus"
INST = ls.load_instrument("channel_preferences")
ITEMS = list(INST.item_ids[:6])  # files with a subset of the items: the rest are 'missing column'
EN = {1: "Dislike very much", 2: "Dislike", 3: "Neither like nor dislike", 4: "Like", 5: "Like very much"}
ZH = {1: "非常不喜欢", 2: "不喜欢", 3: "既不喜欢也不讨厌", 4: "喜欢", 5: "非常喜欢"}

# ---------------------------------------------------------------- generated messy cells


def _case(draw, text):
    how = draw(st.sampled_from(["same", "upper", "lower", "pad", "inner"]))
    if how == "upper":
        return text.upper()
    if how == "lower":
        return text.lower()
    if how == "pad":
        return f"  {text} "
    if how == "inner":
        return text.replace(" ", "  ")
    return text


@st.composite
def cell(draw):
    """(value to write, kind, expected code or None)."""
    kind = draw(st.sampled_from(["code", "code", "code", "label", "zh", "text_code", "blank", "missing",
                                 "missing_text", "out", "between", "junk"]))
    code = draw(st.integers(1, 5))
    if kind == "code":
        return code, "valid", code
    if kind == "label":
        return _case(draw, EN[code]), "valid", code
    if kind == "zh":
        return ZH[code], "valid", code
    if kind == "text_code":
        return draw(st.sampled_from([f"{code}", f" {code} ", f"{code}.0", f"{code} - {EN[code]}"])), "valid", code
    if kind == "blank":
        return draw(st.sampled_from([None, "", "   "])), "missing", None
    if kind == "missing":
        return draw(st.sampled_from([-99, 99, "-99", "99"])), "missing", None
    if kind == "missing_text":
        return draw(st.sampled_from(["Don't know", "不知道", "no answer", "NO ANSWER"])), "missing", None
    if kind == "out":
        return draw(st.one_of(st.integers(-50, 0), st.integers(6, 98), st.integers(100, 10**6))), "bad", None
    if kind == "between":
        return draw(st.sampled_from([1.5, 2.25, 4.5, "3.5"])), "bad", None
    junk = "zz" + draw(st.text(alphabet="abcxyz <>=+-@", max_size=6))
    return junk, "bad", None


@st.composite
def messy_frame(draw, with_id: bool):
    n = draw(st.integers(0, 25))
    cells = [[draw(cell()) for _ in ITEMS] for _ in range(n)]
    # copy some rows to make duplicates
    for _ in range(draw(st.integers(0, 3))):
        if n:
            cells.append(list(cells[draw(st.integers(0, n - 1))]))
    cols = {}
    if with_id:
        pool = draw(st.sampled_from(["int", "str"]))
        ids = [draw(st.one_of(st.none(), st.integers(1, 12))) if pool == "int"
               else draw(st.one_of(st.none(), st.sampled_from(["a", "b", "c", "d", "e", "f", "g", "h"])))
               for _ in cells]
        cols["respondent_id"] = pd.Series(ids, dtype=object)
    for j, it in enumerate(ITEMS):
        cols[it] = pd.Series([c[j][0] for c in cells], dtype=object)
    return pd.DataFrame(cols), cells


def _check_accounting(r, n):
    assert len(r.data) + len(r.excluded) == n == r.n_read
    assert r.data.index.is_unique
    assert not r.data.index.hasnans
    for it in r.data.columns:
        assert r.data[it].dropna().isin(INST.scale_of(it).values).all()


def _check_oracle(r, cells, row_of):
    """Cell-level problems are exactly the bad cells; kept rows have the expected codes."""
    cellp = r.problems[r.problems["column"].isin(ITEMS) & r.problems["row"].notna()]
    got = set(zip(cellp["row"].astype(int), cellp["column"]))
    want = {(row_of(i), ITEMS[j]) for i, row in enumerate(cells) for j, c in enumerate(row) if c[1] == "bad"}
    assert got == want
    kept_rows = dict(zip(r.rows.to_numpy().tolist(), r.data.index.tolist()))
    for i, row in enumerate(cells):
        rr = row_of(i)
        if rr not in kept_rows:
            continue
        rid = kept_rows[rr]
        for j, c in enumerate(row):
            v = r.data.loc[rid, ITEMS[j]]
            if c[1] == "valid":
                assert v == c[2], (rr, ITEMS[j], c, v)
            else:
                assert math.isnan(v), (rr, ITEMS[j], c, v)


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.slow
@SETTINGS
@given(messy_frame(with_id=False))
def test_property_dataframe_rows_accounted(frame_cells):
    df, cells = frame_cells
    r = ls.read_responses(df, INST)
    _check_accounting(r, len(df))
    _check_oracle(r, cells, row_of=lambda i: i)
    missing_cols = set(r.problems.loc[r.problems["problem"] == "missing column", "column"])
    assert missing_cols == set(INST.item_ids) - set(ITEMS)


@pytest.mark.slow
@SETTINGS
@given(messy_frame(with_id=True))
def test_property_ids_duplicates_collisions(frame_cells):
    df, cells = frame_cells
    r = ls.read_responses(df, INST, id_column="respondent_id")
    _check_accounting(r, len(df))
    _check_oracle(r, cells, row_of=lambda i: i)
    ids = df["respondent_id"]
    # rows without id are excluded, and only they carry reason 'missing id'
    noid = set(np.flatnonzero(ids.isna().to_numpy()).tolist())
    assert noid <= set(r.excluded["row"].tolist())
    # an id kept once is unique in the file, or its other rows were copies/duplicates
    for rid in r.data.index:
        rows = set(np.flatnonzero((ids == rid).to_numpy()).tolist())
        gone = rows - {int(r.rows.loc[rid])}
        assert gone <= set(r.excluded["row"].tolist())
    # strict mode raises exactly when there are problems, with all of them
    if len(r.problems):
        with pytest.raises(ls.ValidationError) as ei:
            ls.read_responses(df, INST, id_column="respondent_id", strict=True)
        assert len(ei.value.problems) == len(r.problems)
    else:
        ls.read_responses(df, INST, id_column="respondent_id", strict=True)


@pytest.mark.slow
@SETTINGS
@pytest.mark.slow
@given(messy_frame(with_id=True),
       st.sampled_from([",", ";", "\t", "|"]),
       st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "gb18030"]),
       st.sampled_from(["\n", "\r\n"]))
def test_property_csv_rows_accounted(frame_cells, sep, encoding, newline):
    df, cells = frame_cells
    text = df.to_csv(index=False, sep=sep, lineterminator=newline)
    assume(not any(sep in str(v) for v in df.to_numpy().ravel() if isinstance(v, str)))
    raw = text.encode(encoding)
    r = ls.read_responses(io.BytesIO(raw), INST, id_column="respondent_id")
    _check_accounting(r, len(df))
    assert r.info["delimiter"] == sep or len(df) == 0
    _check_oracle(r, cells, row_of=lambda i: i + 2)


@pytest.mark.slow
@settings(max_examples=80, deadline=None, derandomize=True)
@given(st.lists(st.lists(st.one_of(st.text(max_size=5), st.integers(-3, 9), st.none()), min_size=1, max_size=8),
                max_size=12),
       st.sampled_from([",", ";"]))
def test_property_fuzzed_csv_never_loses_rows(rows, sep):
    """Ragged rows, quotes, newlines inside cells, odd characters: rows are still accounted for."""
    header = sep.join(ITEMS[:3] + ["other"])
    buf = io.StringIO()
    import csv

    w = csv.writer(buf, delimiter=sep, lineterminator="\n")
    for row in rows:
        w.writerow(["" if c is None else c for c in row])
    text = header + "\n" + buf.getvalue()
    try:
        r = ls.read_responses(io.BytesIO(text.encode("utf-8")), INST)
    except ls.ValidationError:
        return
    except ls.SurveyFileError:
        assert "\x00" in text  # many zero bytes: refused as binary, with a clear error
        return
    assert len(r.data) + len(r.excluded) == r.n_read
    if (r.problems["problem"] == "unterminated quote").any():
        # a quote whose continuation line reads as a complete row by itself is taken as never
        # closed (the reader keeps both lines as rows and reports it): the csv module's count
        # of records differs by design there
        return
    # every record the csv module sees that is not blank is a data row
    recs = [x for x in csv.reader(io.StringIO(text, newline=""), delimiter=r.info["delimiter"])][1:]
    nonblank = [x for x in recs if x and not (len(x) == 1 and not x[0].strip())]
    assert r.n_read == len(nonblank)


# ---------------------------------------------------------------- behaviour


def test_responses_is_frozen_and_summarises():
    r = ls.read_responses(CORPUS / "duplicates.csv", INST, other_columns=["submitted"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.data = None
    s = r.summary()
    assert "data rows read: 8   kept: 4   excluded: 4" in s
    assert "id collision: 2" in s
    assert "exact duplicate row" in s
    assert "Responses" in repr(r)


def test_html_escapes_user_strings():
    df = pd.DataFrame({"catalog": [1, "<script>x</script>"], "direct_mail": [2, 3], "<b>evil</b>": ["<i>", "a&b"]})
    r = ls.read_responses(df, INST)
    h = r._repr_html_()
    assert "<script>" not in h and "<b>evil" not in h and "<i>" not in h
    assert "&lt;script&gt;" in h


def test_dataframe_with_categorical_and_nullable_columns():
    df = pd.DataFrame({
        "catalog": pd.Categorical(["Like", "Dislike", None, "Like very much"]),
        "direct_mail": pd.array([1, None, 5, 3], dtype="Int64"),
        "postcard_offer": [1.0, 2.0, np.nan, 4.0],
        "printed_newsletter": pd.array(["1", "5", None, "x"], dtype="string"),
    })
    r = ls.read_responses(df, INST)
    assert r.data["catalog"].tolist()[:2] == [4.0, 2.0]
    assert r.data.loc[3, "catalog"] == 5.0
    assert r.data.loc[1, "direct_mail"] != r.data.loc[1, "direct_mail"]  # NaN
    bad = r.problems[r.problems["problem"] == "unknown label"]
    assert bad["value"].tolist() == ["x"] and bad["row"].tolist() == [3]


def test_weights_are_carried_and_exclusion_keeps_alignment():
    r = ls.read_responses(CORPUS / "attention_nps.csv", CORPUS / "loyalty_test.yaml",
                          weight_column="wt", duration_column="duration_s")
    assert r.weights.tolist()[:3] == [1.0, 2.0, 0.5]
    assert math.isnan(r.weights.loc[4]) and math.isnan(r.weights.loc[5])
    r2 = r.exclude(r.data.index == 2, "test reason")
    assert list(r2.data.index) == [1, 3, 4, 5, 6]
    assert list(r2.weights.index) == [1, 3, 4, 5, 6]
    assert r2.excluded.iloc[-1].to_dict() == {"row": 3, "respondent": 2, "reason": "test reason", "stage": "screening"}
    assert len(r2.data) + len(r2.excluded) == r2.n_read
    with pytest.raises(ValueError):
        r.exclude(["nobody"], "x")


def test_export_neutralises_formulas_csv_and_xlsx(tmp_path):
    r = ls.read_responses(CORPUS / "survey.xlsx", INST)
    df = pd.DataFrame({"text": ["=1+1", "+cmd", "-2", "@SUM(A1)", "\tx", "\rx", "plain", "中文"],
                       "num": [-99, 1, 2, 3, 4, 5, 6, 7]})
    p = ls.export(df, tmp_path / "t.csv")
    back = pd.read_csv(p, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert back["text"].tolist()[:6] == ["'=1+1", "'+cmd", "'-2", "'@SUM(A1)", "'\tx", "'\rx"]
    assert back["text"].tolist()[6:] == ["plain", "中文"]
    assert back["num"].tolist()[0] == "-99"  # numbers stay numbers
    x = ls.export(r, tmp_path / "log.xlsx")
    wb = openpyxl.load_workbook(x)
    assert wb.sheetnames == ["problems", "excluded"]
    ws = wb["problems"]
    values = [c.value for row in ws.iter_rows() for c in row]
    assert "'=1+1" in values
    assert all(not (isinstance(v, str) and v.startswith("=")) for v in values)
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    p2 = ls.export(r, tmp_path / "problems.csv", table="problems")
    assert "'=1+1" in p2.read_text(encoding="utf-8-sig")
    with pytest.raises(ValueError, match="table="):
        ls.export(r, tmp_path / "x.csv")


def test_qualtrics_formula_text_exported_safely(tmp_path):
    r = ls.read_responses(CORPUS / "qualtrics_text.csv", INST)
    assert r.other.loc["R_002abcXYZ", "Q20_TEXT"].startswith("=HYPERLINK")
    p = ls.export(r.other, tmp_path / "other.xlsx")
    ws = openpyxl.load_workbook(p).active
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_columns_rename_and_missing_codes_per_column():
    df = pd.DataFrame({"Q1": [1, 2, 7], "Q2": [3, 0, 4]})
    r = ls.read_responses(df, INST, columns={"Q1": "catalog", "Q2": "direct_mail"},
                          missing_codes={"Q1": [7], "direct_mail": [0]})
    assert r.data["catalog"].tolist()[:2] == [1.0, 2.0] and math.isnan(r.data.loc[2, "catalog"])
    assert math.isnan(r.data.loc[1, "direct_mail"])
    assert r.info["missing_codes_found"] == {"7": 1, "0": 1}
    assert "out of range" not in set(r.problems["problem"])


def test_xlsx_sheet_choice(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "notes"
    wb.active.append(["nothing here"])
    ws = wb.create_sheet("data")
    ws.append(["catalog", "direct_mail"])
    ws.append([1, "Like"])
    wb.save(tmp_path / "two.xlsx")
    r = ls.read_responses(tmp_path / "two.xlsx", INST, sheet="data")
    assert r.data.loc[2, "direct_mail"] == 4.0
    assert r.info["sheet"] == "data"


def test_parquet_and_csv_agree(tmp_path):
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.integers(1, 6, size=(50, 16)), columns=INST.item_ids)
    df.insert(0, "respondent_id", np.arange(50))
    df.iloc[3, 4] = 9
    df.to_csv(tmp_path / "a.csv", index=False)
    df.to_parquet(tmp_path / "a.parquet", index=False)
    a = ls.read_responses(tmp_path / "a.csv", INST)
    b = ls.read_responses(tmp_path / "a.parquet", INST)
    pd.testing.assert_frame_equal(a.data, b.data)
    assert a.problems["row"].tolist() == [5] and b.problems["row"].tolist() == [4]  # sheet row vs record


def test_large_file_takes_the_vectorised_path(tmp_path):
    rng = np.random.default_rng(1)
    n = 50_000
    df = pd.DataFrame(rng.integers(1, 6, size=(n, 16)), columns=INST.item_ids)
    df.iloc[::1000, 2] = 8
    df.to_csv(tmp_path / "big.csv", index=False)
    r = ls.read_responses(tmp_path / "big.csv", INST)
    assert r.info["reader"] == "pyarrow"
    assert (r.problems["problem"] == "out of range").sum() == n // 1000
    assert r.problems["row"].tolist()[:2] == [2, 1002]
    assert len(r.data) == n  # identical answer patterns without id: reported, not excluded


def test_title_rows_above_the_header_are_skipped(tmp_path):
    text = "Channel survey export,,\nDownloaded 2024-05-01,,\nrespondent_id,catalog,direct_mail\n1,2,3\n2,Like,5\n"
    (tmp_path / "t.csv").write_text(text, encoding="utf-8")
    r = ls.read_responses(tmp_path / "t.csv", INST)
    assert r.info["title_rows_skipped"] == 2
    assert r.rows.tolist() == [4, 5]
    assert r.data.loc[2, "catalog"] == 4.0
    assert len(r.data) + len(r.excluded) == r.n_read == 2


def test_xlsx_reading_is_protected_against_xml_bombs():
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML, "defusedxml (a declared dependency) guards openpyxl against XML bombs"
