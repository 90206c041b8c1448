"""Issue 14, ingest and export: damaged files, data loss, resource bombs, formula injection.

Each test reproduces one finding of the adversarial run and asserts the fixed behaviour:
a clear error naming the file, the format detected from the content and what is wrong; or
every row kept with its problem reported."""

from __future__ import annotations

import io
import time
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest

import loyaltyscope as ls
from loyaltyscope.survey import formats
from loyaltyscope.survey.exports import is_formula_start

INST = ls.load_instrument("channel_preferences")
ITEMS = list(INST.item_ids)
ZH = {1: "非常不喜欢", 2: "不喜欢", 3: "既不喜欢也不讨厌", 4: "喜欢", 5: "非常喜欢"}


def frame(n=10, comment=None, seed=1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.integers(1, 6, size=(n, len(ITEMS))), columns=ITEMS)
    df.insert(0, "respondent", np.arange(1, n + 1))
    if comment is not None:
        df["comment"] = comment
    return df


def read(path, **kw):
    return ls.read_responses(path, INST, other_columns=["comment"], **kw)


# ---------------------------------------------------------------- damaged files


@pytest.fixture
def xlsx_bytes(tmp_path) -> bytes:
    p = tmp_path / "good.xlsx"
    frame(10).to_excel(p, index=False)
    return p.read_bytes()


def test_truncated_xlsx_is_a_clear_error(tmp_path, xlsx_bytes):
    p = tmp_path / "wave.xlsx"
    p.write_bytes(xlsx_bytes[: len(xlsx_bytes) // 2])
    with pytest.raises(ls.SurveyFileError) as e:
        read(p)
    msg = str(e.value)
    assert str(p) in msg and "XLSX workbook" in msg and "truncated" in msg
    assert e.value.detected == "xlsx"


def test_corrupted_xlsx_is_a_clear_error(tmp_path, xlsx_bytes):
    zf = zipfile.ZipFile(io.BytesIO(xlsx_bytes))
    info = zf.getinfo("xl/worksheets/sheet1.xml")
    # damage the compressed bytes of the worksheet: a CRC or zlib failure on reading
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 5
    b = bytearray(xlsx_bytes)
    b[start:start + 40] = bytes(40)
    p = tmp_path / "wave.xlsx"
    p.write_bytes(bytes(b))
    with pytest.raises(ls.SurveyFileError) as e:
        read(p)
    assert str(p) in str(e.value) and "damaged" in str(e.value) and e.value.detected == "xlsx"


def test_csv_that_is_really_an_xlsx_is_a_clear_error(tmp_path, xlsx_bytes):
    p = tmp_path / "wave.csv"
    p.write_bytes(xlsx_bytes)
    with pytest.raises(ls.SurveyFileError) as e:
        read(p)
    msg = str(e.value)
    assert str(p) in msg and "ends in .csv" in msg and "XLSX workbook" in msg
    assert "rename it to end in .xlsx" in msg and "format='xlsx'" in msg and e.value.detected == "xlsx"
    assert read(p, format="xlsx").nobs == 10  # what the message says to do works
    r = read(p, format="auto")  # read by content whatever the name, with a note
    assert r.nobs == 10 and r.info["format"] == "xlsx"
    assert any("ends in .csv" in w and "xlsx" in w for w in r.warnings)


@pytest.mark.parametrize("suffix, content, detected", [
    ("sav", "zip", "zip"), ("sav", "xlsx", "xlsx"), ("xlsx", "csv", "csv"), ("dta", "sav", "sav"),
    ("parquet", "csv", "csv"), ("xls", "xlsx", "xlsx"), ("csv", "sav", "sav")])
def test_content_and_extension_mismatch(tmp_path, xlsx_bytes, suffix, content, detected):
    src = tmp_path / f"src.{content}"
    if content == "zip":
        with zipfile.ZipFile(src, "w") as zf:
            zf.writestr("data.csv", "a,b\n1,2\n")
    elif content == "xlsx":
        src.write_bytes(xlsx_bytes)
    elif content == "sav":
        pyreadstat.write_sav(frame(5), str(src))
    else:
        frame(5).to_csv(src, index=False)
    p = tmp_path / f"wave.{suffix}"
    p.write_bytes(src.read_bytes())
    with pytest.raises(ls.SurveyFileError, match=f"ends in .{suffix}") as e:
        read(p)
    assert str(p) in str(e.value) and e.value.detected == detected
    if detected != "zip":
        assert f"format={detected!r}" in str(e.value)
        assert read(p, format=detected).n_read == (10 if detected == "xlsx" else 5)


def test_format_argument_is_checked_against_the_content(tmp_path, xlsx_bytes):
    p = tmp_path / "wave.dat"  # a name that promises nothing: read by content
    p.write_bytes(xlsx_bytes)
    assert read(p).nobs == 10
    with pytest.raises(ls.SurveyFileError, match="format='csv' was asked for"):
        read(p, format="csv")
    with pytest.raises(ValueError, match="format='excel'"):
        read(p, format="excel")
    with pytest.raises(ls.SurveyFileError, match="format='sav' was asked for"):
        read(io.BytesIO(xlsx_bytes), format="sav")


def test_old_xls_says_convert(tmp_path):
    p = tmp_path / "old.xls"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    with pytest.raises(ls.SurveyFileError, match=r"old binary Excel.*save it as \.xlsx") as e:
        read(p)
    assert str(p) in str(e.value)


@pytest.mark.parametrize("writer, suffix, name", [(pyreadstat.write_sav, "sav", "SPSS"),
                                                   (pyreadstat.write_dta, "dta", "Stata")])
def test_truncated_sav_and_dta_are_clear_errors(tmp_path, writer, suffix, name):
    good = tmp_path / f"good.{suffix}"
    writer(frame(50), str(good))
    p = tmp_path / f"wave.{suffix}"
    raw = good.read_bytes()
    p.write_bytes(raw[: len(raw) * 2 // 3])
    with pytest.raises(ls.SurveyFileError) as e:
        read(p)
    assert str(p) in str(e.value) and name in str(e.value) and e.value.detected == suffix


def test_binary_garbage_is_not_read_as_text(tmp_path):
    p = tmp_path / "wave.csv"
    p.write_bytes(np.random.default_rng(3).bytes(3000))
    with pytest.raises(ls.SurveyFileError, match="binary"):
        read(p)


def test_zip_without_workbook(tmp_path):
    p = tmp_path / "wave.xlsx"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("data.csv", "a,b\n1,2\n")
    with pytest.raises(ls.SurveyFileError, match="without a workbook"):
        read(p)


# ---------------------------------------------------------------- data loss and mangling


def test_unterminated_quote_loses_no_row(tmp_path):
    lines = frame(10, comment=["fine"] * 10).to_csv(index=False).splitlines()
    lines[3] = lines[3][: -len("fine")] + '"never closed'  # data row 3 = spreadsheet row 4
    p = tmp_path / "quote.csv"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = read(p)
    assert r.n_read == 10 and r.nobs == 10
    pr = r.problems[r.problems["problem"] == "unterminated quote"]
    assert pr["row"].tolist() == [4]
    assert r.other["comment"].iloc[2] == "never closed" and (r.other["comment"].iloc[3:] == "fine").all()


def test_unterminated_quote_before_a_later_quoted_cell(tmp_path):
    com = ["fine"] * 8
    com[6] = "a, quoted, comment"
    lines = frame(8, comment=com).to_csv(index=False).splitlines()
    lines[2] = lines[2][: -len("fine")] + '"oops'
    p = tmp_path / "quote2.csv"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = read(p)
    assert r.n_read == 8 and r.nobs == 8
    assert r.other["comment"].iloc[6] == "a, quoted, comment"
    assert (r.problems["problem"] == "unterminated quote").sum() == 1


def test_multiline_cells_written_properly_stay_one_cell(tmp_path):
    com = [f"line one\nline {i}, two" for i in range(6)]
    p = tmp_path / "multi.csv"
    frame(6, comment=com).to_csv(p, index=False)
    r = read(p)
    assert r.nobs == 6 and (r.problems["problem"] != "unterminated quote").all()
    assert r.other["comment"].tolist() == com


def test_utf8_file_with_three_cp1252_rows(tmp_path):
    com = [f"très bien {i} – naïve" for i in range(100)]
    raw = frame(100, comment=com).to_csv(index=False).encode("utf-8").splitlines()
    for k in (10, 40, 70):
        raw[k] = raw[k].decode("utf-8").encode("cp1252")
    p = tmp_path / "mixed.csv"
    p.write_bytes(b"\n".join(raw) + b"\n")
    r = read(p)
    assert r.nobs == 100
    assert r.other["comment"].tolist() == com  # every comment decoded right, none altered
    pr = r.problems[r.problems["problem"] == "mixed encoding"]
    assert pr["row"].tolist() == [11, 41, 71]  # spreadsheet rows (line k + 1)


def test_chinese_labels_with_one_stray_byte(tmp_path):
    rng = np.random.default_rng(5)
    codes = rng.integers(1, 6, size=(100, len(ITEMS)))
    df = pd.DataFrame([[ZH[c] for c in row] for row in codes], columns=ITEMS)
    df.insert(0, "respondent", np.arange(1, 101))
    df["comment"] = "好"
    raw = df.to_csv(index=False).encode("utf-8").splitlines()
    raw[50] = raw[50].replace("好".encode("utf-8"), b"caf\xe9")  # one cp1252 byte
    p = tmp_path / "zh.csv"
    p.write_bytes(b"\n".join(raw) + b"\n")
    r = read(p)
    assert r.nobs == 100
    assert (r.problems["problem"] == "unknown label").sum() == 0
    np.testing.assert_array_equal(r.data[ITEMS].to_numpy(), codes)
    assert r.other["comment"].iloc[49] == "café"
    assert r.problems.loc[r.problems["problem"] == "mixed encoding", "row"].tolist() == [51]


@pytest.mark.parametrize("how", ["path", "bytes"])
def test_ten_megabyte_text_cell_is_valid(tmp_path, how):
    big = "x" * 10_000_000
    p = tmp_path / "big.csv"
    frame(5, comment=[big, "a", "b", "c", "d"]).to_csv(p, index=False)
    src = p if how == "path" else io.BytesIO(p.read_bytes())
    r = read(src)
    assert r.nobs == 5 and len(r.other["comment"].iloc[0]) == 10_000_000


def test_ten_megabyte_cell_in_a_cp1252_file(tmp_path):
    p = tmp_path / "big1252.csv"
    big = "café crème, très naïve " * 100_000 + "fin"
    frame(3, comment=[big, "a", "b"]).to_csv(p, index=False, encoding="cp1252")
    r = read(p)
    assert r.nobs == 3 and r.other["comment"].iloc[0] == big and r.info["encoding"] == "cp1252"


# ---------------------------------------------------------------- resource bombs


def _alias_bomb(levels: int) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    lines.append(f"instrument: *a{levels - 1}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("levels", [6, 9, 12])
def test_yaml_alias_bomb_is_refused_quickly_with_a_short_message(tmp_path, levels):
    p = tmp_path / "bomb.yaml"
    p.write_text(_alias_bomb(levels))
    t = time.perf_counter()
    with pytest.raises(ls.InstrumentError) as e:
        ls.load_instrument(p)
    assert time.perf_counter() - t < 2.0
    assert len(str(e.value)) < 100_000
    if levels >= 9:
        assert "alias bomb" in str(e.value)


def test_yaml_recursive_alias_and_deep_nesting(tmp_path):
    p = tmp_path / "rec.yaml"
    p.write_text("a: &a [1, *a]\n")
    with pytest.raises(ls.InstrumentError, match="recursive alias"):
        ls.load_instrument(p)
    p.write_text("a: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(ls.InstrumentError, match="nested too deeply"):
        ls.load_instrument(p)


def test_instrument_error_message_is_bounded():
    doc = {"instrument": {"name": "x" * 10_000_000}}
    with pytest.raises(ls.InstrumentError) as e:
        ls.load_instrument(doc)
    assert len(str(e.value)) < 200_000


def _xlsx_with_part(path, xlsx_bytes: bytes, part: str, content: bytes):
    """A valid workbook plus one part (written by hand: openpyxl cuts text at 32,767 characters)."""
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes)) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for zi in src.infolist():
            dst.writestr(zi.filename, src.read(zi.filename))
        dst.writestr(part, content)


def test_xlsx_shared_string_bomb_is_refused_before_decompressing(tmp_path, xlsx_bytes):
    p = tmp_path / "bomb.xlsx"
    _xlsx_with_part(p, xlsx_bytes, "xl/sharedStrings.xml", b"<sst><si><t>" + b"A" * 40_000_000 + b"</t></si></sst>")
    assert p.stat().st_size < 1_000_000  # 40 MB of text compressed to ~40 KB
    with pytest.raises(ls.SurveyFileError, match="ZIP bomb") as e:
        read(p)
    assert str(p) in str(e.value)


def test_xlsx_text_limit(tmp_path, monkeypatch, xlsx_bytes):
    p = tmp_path / "text.xlsx"
    digits = "".join(map(str, np.random.default_rng(1).integers(0, 10, 3_000_000))).encode()
    _xlsx_with_part(p, xlsx_bytes, "xl/sharedStrings.xml", b"<sst><si><t>" + digits + b"</t></si></sst>")
    monkeypatch.setitem(formats.XLSX_LIMITS, "shared_strings", 1 << 20)
    with pytest.raises(ls.SurveyFileError, match="shared_strings"):
        read(p)
    monkeypatch.setitem(formats.XLSX_LIMITS, "shared_strings", 256 << 20)
    assert read(p).nobs == 10


# ---------------------------------------------------------------- formula injection


FORMULAS = ["=1+1", " =1+1", "   =HYPERLINK(\"x\")", "\t=1", "\r=1", "\n=1", "＝SUM(A1)", "＋1", "－1", "＠SUM(A1)",
            "\u3000=1", "\u00a0=1", "\u200b=1", "﹦1", "−1", "+1", "-1", "@x"]


@pytest.mark.parametrize("text", FORMULAS)
def test_every_formula_start_is_neutralised(text):
    assert is_formula_start(text)
    out = ls.neutralize_formulas(pd.DataFrame({"c": [text]}))
    assert out["c"].iloc[0] == "'" + text


@pytest.mark.parametrize("text", ["hello", "1-2", "a=b", "", "名字", "'=quoted"])
def test_plain_text_is_left_alone(text):
    assert not is_formula_start(text)


def test_export_xlsx_writes_no_formula(tmp_path):
    df = pd.DataFrame({"comment": FORMULAS})
    p = ls.export(df, tmp_path / "out.xlsx")
    wb = openpyxl.load_workbook(p)
    cells = [c.value for c in wb.active["A"][1:]]
    assert all(isinstance(v, str) and v.startswith("'") for v in cells)
    assert all(c.data_type != "f" for c in wb.active["A"])


# ---------------------------------------------------------------- big files


def test_header_longer_than_the_sniffing_sample_is_read_whole(tmp_path):
    """A header of 20,000 columns (160 KB, beyond the 64 KiB sample): every column read (the
    header was cut at the sample's end before); very wide, short files take the csv-module
    path (pyarrow's per-column cost dominates there; benchmarks/bench_ingest.py --wide)."""
    k = 20_000
    names = ["respondent", *ITEMS, *[f"extra_{j}" for j in range(k)]]
    rows = [",".join(names)] + [",".join([str(r + 1)] + ["3"] * len(ITEMS) + [str(r)] * k) for r in range(3)]
    p = tmp_path / "wide.csv"
    p.write_text("\n".join(rows) + "\n")
    r = ls.read_responses(p, INST)
    assert r.nobs == 3 and r.other.shape == (3, k)
    assert r.other["extra_19999"].tolist() == [0.0, 1.0, 2.0]
    assert (r.problems["problem"] == "unexpected column").sum() == k
    assert (r.data.to_numpy() == 3).all()
