"""Issue 14, big files: the fast pyarrow path (item columns parsed as small integers,
quotes in the header only) reads exactly what the careful path reads.

The typed read is an optimisation only: a cell far below the sample that is not a small
integer (text, a decimal, a 5-digit code) makes it fall back to the untyped read, and the
result — data, problems, row numbers — must equal the csv-module reader's on the same file."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import loyaltyscope as ls
from loyaltyscope.survey import delimited

INST = ls.load_instrument("brand_loyalty")
ITEMS = list(INST.item_ids)


def big_frame(n=6000, seed=2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.integers(1, 8, size=(n, len(ITEMS))).astype(object), columns=ITEMS)
    df.insert(0, "respondent", np.arange(1, n + 1))
    df.iloc[::97, 3] = ""  # blanks
    return df


def same_as_careful(path, monkeypatch):
    fast = ls.read_responses(path, INST)
    assert fast.info["reader"] == "pyarrow"
    monkeypatch.setattr(delimited, "_read_csv_arrow", lambda *a, **k: None)
    slow = ls.read_responses(path, INST)
    assert slow.info["reader"] == "python csv"
    pd.testing.assert_frame_equal(fast.data, slow.data)
    pd.testing.assert_frame_equal(fast.problems.reset_index(drop=True), slow.problems.reset_index(drop=True))
    pd.testing.assert_series_equal(fast.rows, slow.rows)
    return fast


@pytest.mark.parametrize("late", ["agree", "maybe", "4.5", "12345", "-99", " 3"])
def test_a_late_cell_that_is_not_a_small_integer(tmp_path, monkeypatch, late):
    df = big_frame()
    df.iloc[5500, 5] = late  # far below the 64 KiB sample the types are chosen from
    p = tmp_path / "late.csv"
    df.to_csv(p, index=False)
    r = same_as_careful(p, monkeypatch)
    assert r.n_read == 6000
    if late in ("maybe", "4.5", "12345"):  # not an answer of the 7-point scale: missing, reported
        assert not np.isfinite(r.data.iloc[5500, 4])
        assert (r.problems["row"] == 5502).any()  # spreadsheet row: header + 1-based


def test_items_are_parsed_as_small_integers(tmp_path, monkeypatch):
    p = tmp_path / "clean.csv"
    big_frame().to_csv(p, index=False)
    seen = {}
    real = delimited._read_csv_arrow_typed

    def spy(*a):
        seen.setdefault("types", []).append(a[-1])
        return real(*a)

    monkeypatch.setattr(delimited, "_read_csv_arrow_typed", spy)
    r = ls.read_responses(p, INST)
    assert len(seen["types"]) == 1 and len(seen["types"][0]) == len(ITEMS)  # one read, every item typed
    monkeypatch.undo()
    same_as_careful(p, monkeypatch)
    assert r.nobs == 6000


def test_quoted_header_alone_keeps_the_parallel_parser(tmp_path, monkeypatch):
    df = big_frame(300)
    p = tmp_path / "quoted_header.csv"
    df.to_csv(p, index=False, quoting=0)
    text = p.read_text().split("\n", 1)
    p.write_text(",".join(f'"{c}"' for c in text[0].split(",")) + "\n" + text[1])
    calls = []
    real = delimited._read_csv_arrow_typed
    monkeypatch.setattr(delimited, "_read_csv_arrow_typed", lambda *a: calls.append(a[4]) or real(*a))
    r = ls.read_responses(p, INST)
    assert calls == [False]  # no newlines_in_values: no quote below the header
    assert r.nobs == 300


def test_quoted_header_and_a_quoted_multiline_data_cell(tmp_path, monkeypatch):
    df = big_frame(300)
    df["comment"] = "ok"
    df.loc[150, "comment"] = "two\nlines, quoted"
    p = tmp_path / "multi.csv"
    df.to_csv(p, index=False, quoting=1)  # everything quoted
    r = ls.read_responses(p, INST, other_columns=["comment"])
    assert r.n_read == 300 and r.other["comment"].iloc[150] == "two\nlines, quoted"


# ---------------------------------------------------------------- mutated files read from disk

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_BASE = None


def _base_bytes() -> bytes:
    global _BASE
    if _BASE is None:
        df = big_frame(3000, seed=5)
        df["comment"] = ["fine" if i % 7 else "" for i in range(len(df))]
        _BASE = df.to_csv(index=False).encode("utf-8")
    return _BASE


_INSERTS = [b'"', b"\n", b"\r", b"\x00", b"\xe9", b",", b"x", b"4.5", b"99999", b"-1", b"NA", b" ", b"\n\n",
            b'"a\nb"', "é".encode(), b"\xef\xbb\xbf"]


@pytest.mark.slow
@settings(max_examples=40, deadline=60_000, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 10**9), st.sampled_from(_INSERTS)), min_size=1, max_size=4))
def test_mutated_file_on_disk_fast_path_equals_careful_path(tmp_path_factory, edits):
    """Mutations anywhere in a 3,000-row file (most of it beyond the type sample) read from
    disk: the pyarrow path (whatever it decides) and the csv-module reader agree on every
    kept value, every problem and every row number — or both refuse the file."""
    b = bytearray(_base_bytes())
    for pos, ins in edits:
        p = pos % (len(b) + 1)
        b[p:p] = ins
    path = tmp_path_factory.mktemp("mut") / "m.csv"
    path.write_bytes(bytes(b))
    own = (ls.ValidationError, ls.SurveyFileError)
    try:
        fast = ls.read_responses(path, INST, other_columns=["comment"])
    except own as exc:
        fast = exc
    mp = pytest.MonkeyPatch()
    mp.setattr(delimited, "_read_csv_arrow", lambda *a, **k: None)
    try:
        slow = ls.read_responses(path, INST, other_columns=["comment"])
    except own as exc:
        slow = exc
    finally:
        mp.undo()
    if isinstance(fast, Exception) or isinstance(slow, Exception):
        assert type(fast) is type(slow)
        return
    assert fast.nobs + fast.n_excluded == fast.n_read == slow.n_read
    # ids may be typed differently (numbers by pyarrow, text by the csv module): values compared
    np.testing.assert_array_equal(fast.data.to_numpy(), slow.data.to_numpy())
    np.testing.assert_array_equal(fast.rows.to_numpy(), slow.rows.to_numpy())
    cols = ["row", "column", "problem"]
    pd.testing.assert_frame_equal(fast.problems[cols].reset_index(drop=True), slow.problems[cols].reset_index(drop=True))


def test_a_lone_carriage_return_after_a_line_is_a_blank_line(tmp_path):
    """Found by the sweep: ``\\n\\r`` (a line, then a blank line ended by a lone CR) was read
    by pyarrow as one more, empty, data row; the csv-module reader skipped it as blank."""
    raw = bytearray(_base_bytes())
    at = raw.index(b"\n", 30_000) + 1
    raw[at:at] = b"\r"
    p = tmp_path / "cr.csv"
    p.write_bytes(bytes(raw))
    r = ls.read_responses(p, INST, other_columns=["comment"])
    assert r.n_read == 3000 and r.n_excluded == 0 and r.info["blank_rows_skipped"] == 1


def test_blank_line_between_a_title_row_and_the_header(tmp_path):
    """Found by the sweep: title row, blank line, header — the pyarrow path numbered the data
    rows one too low (row 3 for the first data row on spreadsheet row 4)."""
    p = tmp_path / "title.csv"
    p.write_bytes(b"Wave 3 export\n\n" + _base_bytes())
    r = ls.read_responses(p, INST, other_columns=["comment"])
    assert r.info["title_rows_skipped"] == 1 and r.n_read == 3000
    assert r.rows.iloc[0] == 4 and r.rows.iloc[-1] == 3003
