"""Issue 14: property-based tests of ``read_responses`` on random mutations of valid files.

Valid files (CSV in several dialects, XLSX, SPSS) are mutated at random — bytes inserted,
deleted, flipped or duplicated, lines duplicated or cut, stray quotes, zero bytes, cp1252
bytes, carriage returns, truncation — and read. The properties: no crash (only the package's
own errors), no hang (a deadline per example), no silent nonsense (every kept value is a code
of its scale or missing) and every row accounted for (kept + excluded = read; for text
without quotes, every non-blank line after the header is a row)."""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import loyaltyscope as ls

INST = ls.load_instrument("channel_preferences")
ITEMS = list(INST.item_ids)
OWN_ERRORS = (ls.ValidationError, ls.SurveyFileError)


def _frame(n: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    df = pd.DataFrame(rng.integers(1, 6, size=(n, len(ITEMS))), columns=ITEMS).astype(object)
    df.insert(0, "respondent", np.arange(1, n + 1))
    df["comment"] = [f"très bien {i}, 好" if i % 3 else "" for i in range(n)]
    df.loc[2, "catalog"] = "Like"
    df.loc[4, "email_survey"] = -99
    return df


def _csv(sep: str, encoding: str) -> bytes:
    return _frame().to_csv(index=False, sep=sep).encode(encoding)


VALID = {
    "utf8": _csv(",", "utf-8"),
    "bom_semicolon": b"\xef\xbb\xbf" + _csv(";", "utf-8"),
    "tab": _csv("\t", "utf-8"),
    "gb18030": _csv(",", "gb18030"),
}


@st.composite
def mutation(draw, n: int):
    kind = draw(st.sampled_from(["insert", "delete", "flip", "dup_line", "truncate", "quote", "nul", "cp1252",
                                 "cr", "newline"]))
    pos = draw(st.integers(0, max(n - 1, 0)))
    if kind == "insert":
        return kind, pos, draw(st.binary(min_size=1, max_size=6))
    if kind in ("delete", "dup_line"):
        return kind, pos, draw(st.integers(1, 40))
    if kind == "flip":
        return kind, pos, draw(st.integers(1, 255))
    return kind, pos, None


def _apply(raw: bytes, muts) -> bytes:
    b = bytearray(raw)
    for kind, pos, arg in muts:
        pos = min(pos, len(b))
        if kind == "insert":
            b[pos:pos] = arg
        elif kind == "delete":
            del b[pos:pos + arg]
        elif kind == "flip":
            if pos < len(b):
                b[pos] ^= arg
        elif kind == "dup_line":
            a = b.rfind(b"\n", 0, pos) + 1
            e = b.find(b"\n", pos)
            e = len(b) if e == -1 else e + 1
            b[e:e] = b[a:e]
        elif kind == "truncate":
            del b[pos:]
        else:
            b[pos:pos] = {"quote": b'"', "nul": b"\x00", "cp1252": b"\xe9", "cr": b"\r", "newline": b"\n"}[kind]
    return bytes(b)


def _check_result(r: ls.Responses) -> None:
    assert r.nobs + r.n_excluded == r.n_read
    rows = np.concatenate([r.rows.to_numpy(), r.excluded["row"].to_numpy(dtype=np.int64)])
    assert len(np.unique(rows)) == len(rows) == r.n_read
    X = r.data.to_numpy(dtype=np.float64)
    ok = np.isnan(X) | np.isin(X, [1, 2, 3, 4, 5])
    assert ok.all(), "a kept value that is not a code of its scale"
    assert set(r.problems["problem"]) <= set(ls.survey.problem_log.PROBLEM_TYPES)


def _data_lines(raw: bytes) -> int | None:
    """Rows a reader must find in quote-free UTF-8 text: non-blank lines after the header."""
    if b'"' in raw or b"\x00" in raw:
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    lines = re.split(r"\r\n|\r|\n", text)
    nonblank = [ln for ln in lines if ln.strip()]
    return max(len(nonblank) - 1, 0) if nonblank else None


@pytest.mark.slow
@settings(max_examples=120, deadline=20000, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(VALID)), data=st.data())
def test_mutated_text_files(name, data):
    raw = VALID[name]
    muts = data.draw(st.lists(mutation(len(raw)), min_size=1, max_size=5))
    bad = _apply(raw, muts)
    try:
        r = ls.read_responses(io.BytesIO(bad), INST, other_columns=["comment"])
    except OWN_ERRORS:
        return
    _check_result(r)
    expect = _data_lines(bad)
    header_ok = bad.decode("utf-8", "ignore").lstrip("\ufeff").startswith("respondent")
    if expect is not None and header_ok and r.info.get("title_rows_skipped") is None:
        assert r.n_read == expect


def _binary_files() -> dict:
    import tempfile
    from pathlib import Path

    df = _frame().drop(columns=["comment"])
    df.loc[2, "catalog"] = 3
    df = df.astype(float)
    with tempfile.TemporaryDirectory() as d:
        df.to_excel(Path(d) / "ok.xlsx", index=False)
        pyreadstat.write_sav(df, str(Path(d) / "ok.sav"))
        pyreadstat.write_dta(df, str(Path(d) / "ok.dta"))
        return {k: (Path(d) / f"ok.{k}").read_bytes() for k in ("xlsx", "sav", "dta")}


BINARY = _binary_files()


@pytest.mark.slow
@settings(max_examples=90, deadline=20000, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(fmt=st.sampled_from(["xlsx", "sav", "dta"]), data=st.data())
def test_mutated_binary_files(fmt, data):
    raw = BINARY[fmt]
    cut = data.draw(st.integers(1, len(raw) - 1))
    flips = data.draw(st.lists(st.tuples(st.integers(0, len(raw) - 1), st.integers(1, 255)), max_size=3))
    b = bytearray(raw)
    for pos, x in flips:
        b[pos] ^= x
    if data.draw(st.booleans()):
        del b[cut:]
    try:
        r = ls.read_responses(io.BytesIO(bytes(b)), INST)
    except OWN_ERRORS:
        return
    _check_result(r)
