"""Reading survey files into a column table, before any validation.

One reader per format — CSV/TSV (encoding, BOM and delimiter detected; Qualtrics' extra
header rows), XLSX (openpyxl), SPSS ``.sav`` (pyreadstat, user-missing values kept and
reported), Stata ``.dta``, Parquet (pyarrow) and pandas DataFrames — each returning a
:class:`RawTable`: the column names as in the file, one :class:`Column` per column, and for
every data row the row number a person would look up (the spreadsheet row for CSV/XLSX,
counting header rows; the 1-based record number for SPSS/Stata/Parquet; the 0-based position
for a DataFrame).

Columns are kept cheap to validate: numbers as a NumPy array, text as integer codes into the
column's distinct values (so text answers are interpreted once per distinct value, never
once per cell).

Blank lines (CSV) and entirely empty sheet rows (XLSX) are not data rows — as in
``pandas.read_csv`` and R's ``read.csv`` — and are counted in ``RawTable.info``; a row of
empty cells (``,,,``) is a data row.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Column", "RawTable", "read_table", "QUALTRICS_METADATA"]

_FLOAT_IDS: set = set()


def _float_ids() -> set:
    import pyarrow as pa

    if not _FLOAT_IDS:
        _FLOAT_IDS.update({pa.float64().id, pa.float32().id, pa.float16().id})
    return _FLOAT_IDS

#: Qualtrics metadata columns: expected in Qualtrics exports, never reported as unexpected.
QUALTRICS_METADATA = frozenset(
    s.casefold()
    for s in (
        "StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
        "Finished", "RecordedDate", "ResponseId", "ResponseID", "RecipientLastName",
        "RecipientFirstName", "RecipientEmail", "ExternalReference", "ExternalDataReference",
        "LocationLatitude", "LocationLongitude", "DistributionChannel", "UserLanguage",
        "Q_RecaptchaScore", "Q_RelevantIDDuplicate", "Q_RelevantIDDuplicateScore",
        "Q_RelevantIDFraudScore", "Q_RelevantIDLastStartDate", "Q_BallotBoxStuffing",
        "Q_TotalDuration", "Q_DuplicateRespondent", "ResponseSet", "Name", "EmailAddress",
    )
)

_DELIMITERS = [",", ";", "\t", "|"]


# --------------------------------------------------------------------------- containers


class Column:
    """One column as read: numbers or text codes (``codes`` into ``uniques``).

    Numbers are a NumPy array (``values``) or, straight from pyarrow, a list of numeric arrow
    chunks that :meth:`fill_float` copies into a caller's buffer without intermediate copies.
    ``codes`` use -1 for an empty cell; ``uniques`` are the distinct non-empty values as read
    (``str`` for text files; any Python scalar for spreadsheets and DataFrames). ``integral``
    says the numbers are integers by type (no fractional check needed).
    """

    def __init__(self, name, values=None, codes=None, uniques=None, chunks=None, integral=None):
        self.name = name
        self._values = values
        self.codes = codes
        self.uniques = uniques
        self.chunks = chunks
        if integral is None:
            integral = values is not None and values.dtype.kind in "iub"
        self.integral = integral
        self._null = None

    def __repr__(self) -> str:
        kind = "text" if self.is_text else "numbers"
        return f"<Column {self.name!r}: {len(self)} {kind}>"

    @property
    def is_text(self) -> bool:
        return self.codes is not None

    def __len__(self) -> int:
        if self.is_text:
            return len(self.codes)
        if self._values is not None:
            return len(self._values)
        return sum(len(c) for c in self.chunks)

    @property
    def values(self) -> np.ndarray:
        """The numbers (NaN when empty) as one array."""
        if self._values is None and self.chunks is not None:
            out = np.empty(len(self), dtype=np.float64)
            self.fill_float(out)
            self._values = out
        return self._values

    def has_nulls(self) -> bool:
        if self.chunks is not None and self._values is None:
            return any(c.null_count for c in self.chunks)
        return bool(self.null_mask().any())

    def _chunk_views(self):
        """(start, zero-copy NumPy view of the numbers, arrow chunk) per chunk."""
        pos = 0
        for c in self.chunks:
            k = len(c)
            if k:
                width = c.type.bit_width // 8
                raw = np.frombuffer(c.buffers()[1], dtype=np.dtype(f"{'f' if c.type.id in _float_ids() else 'i'}{width}"),
                                    count=c.offset + k)[c.offset:]
                yield pos, raw, c
            pos += k

    def take_float(self, idx: np.ndarray) -> np.ndarray:
        """The numbers at ``idx`` (NaN when empty), without building the whole column."""
        if self.chunks is None or self._values is not None:
            return self.values[idx].astype(np.float64)
        out = np.full(len(idx), np.nan)
        for start, raw, c in self._chunk_views():
            sel = np.flatnonzero((idx >= start) & (idx < start + len(raw)))
            if not len(sel):
                continue
            local = idx[sel] - start
            vals = raw[local].astype(np.float64)
            if c.null_count:
                vals[c.is_null().to_numpy(zero_copy_only=False)[local]] = np.nan
            out[sel] = vals
        return out

    def fill_float(self, out: np.ndarray) -> None:
        """Write the numbers into ``out`` (float64, NaN for empty cells)."""
        if self.chunks is None or self._values is not None:
            np.copyto(out, self.values, casting="unsafe")
            return
        pos = 0
        for c in self.chunks:
            k = len(c)
            if k:
                buf = c.buffers()[1]
                width = c.type.bit_width // 8
                raw = np.frombuffer(buf, dtype=np.dtype(f"{'f' if c.type.id in _float_ids() else 'i'}{width}"),
                                    count=c.offset + k)[c.offset:]
                np.copyto(out[pos:pos + k], raw, casting="unsafe")
                if c.null_count:
                    nulls = c.is_null().to_numpy(zero_copy_only=False)
                    out[pos:pos + k][nulls] = np.nan
            pos += k

    def blank_uniques(self) -> np.ndarray:
        """For text columns: which distinct values are blank (whitespace only), plus a final
        ``True`` so that code -1 indexes it."""
        out = np.zeros(len(self.uniques) + 1, dtype=bool)
        out[-1] = True
        for k, u in enumerate(self.uniques):
            if u is None or (isinstance(u, str) and not u.strip()) or (isinstance(u, float) and np.isnan(u)):
                out[k] = True
        return out

    def null_mask(self) -> np.ndarray:
        if self._null is None:
            if self.is_text:
                self._null = self.blank_uniques()[self.codes]
            elif self._values is None and self.chunks is not None:
                if not any(c.null_count for c in self.chunks):
                    self._null = np.zeros(len(self), dtype=bool)
                else:
                    parts = []
                    for _, raw, c in self._chunk_views():
                        m = c.is_null().to_numpy(zero_copy_only=False)
                        if raw.dtype.kind == "f":
                            m = m | np.isnan(raw)
                        parts.append(m)
                    self._null = np.concatenate(parts) if parts else np.zeros(0, dtype=bool)
            elif self._values.dtype.kind == "f":
                self._null = np.isnan(self._values)
            else:
                self._null = np.zeros(len(self._values), dtype=bool)
        return self._null

    def key(self) -> np.ndarray:
        """uint64 per cell, equal exactly when the cells are equal (blank cells equal)."""
        if self.is_text:
            blank = self.blank_uniques()
            codes = np.where(blank[self.codes], -1, self.codes).astype(np.int64)
            return codes.view(np.uint64)
        v = self.values
        if v.dtype.kind in "iu":
            return v.astype(np.int64, copy=False).view(np.uint64)
        v = v.astype(np.float64, copy=False)
        v = np.where(np.isnan(v), np.nan, v) + 0.0  # one NaN bit pattern, -0.0 -> 0.0
        return v.view(np.uint64)

    def key_at(self, idx: np.ndarray) -> np.ndarray:
        """:meth:`key` of the cells at ``idx`` only."""
        if self.is_text:
            blank = self.blank_uniques()
            c = self.codes[idx]
            return np.where(blank[c], -1, c).astype(np.int64).view(np.uint64)
        if self.chunks is not None and self._values is None:
            v = self.take_float(idx)
        else:
            v = self._values[idx]
            if v.dtype.kind in "iu":
                return v.astype(np.int64).view(np.uint64)
        v = np.where(np.isnan(v), np.nan, v.astype(np.float64)) + 0.0
        return v.view(np.uint64)

    def cell_text(self, idx: np.ndarray) -> np.ndarray:
        """The cells at ``idx`` as display text (object array)."""
        if self.is_text:
            u = np.array([_display(x) for x in self.uniques] + [""], dtype=object)
            return u[self.codes[idx]]
        v = self.take_float(idx) if self.chunks is not None else self.values[idx]
        return np.array([_display(x) for x in v.tolist()], dtype=object)

    def as_objects(self) -> np.ndarray:
        """Every cell as a Python object (None when empty) — for non-item columns."""
        if self.is_text:
            blank = self.blank_uniques()
            u = np.empty(len(self.uniques) + 1, dtype=object)
            for k, x in enumerate(self.uniques):
                u[k] = None if blank[k] else (x.strip() if isinstance(x, str) else x)
            u[-1] = None
            return u[self.codes]
        return self.values

    def as_series(self, index=None) -> pd.Series:
        """Non-item column for ``Responses.other``: numbers when every value is a number."""
        if not self.is_text:
            return pd.Series(self.values, index=index, name=self.name)
        objs = self.as_objects()
        num = pd.to_numeric(pd.Series(objs, dtype=object), errors="coerce")
        if num.notna().sum() == pd.notna(objs).sum():
            return pd.Series(num.to_numpy(), index=index, name=self.name)
        return pd.Series(objs, index=index, name=self.name, dtype=object)


def _display(x: Any) -> str:
    if x is None:
        return ""
    if isinstance(x, float):
        if np.isnan(x):
            return ""
        return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)
    return str(x)


@dataclass
class RawTable:
    """Columns as read from a source, before validation.

    Attributes
    ----------
    names : list of str
        Column names as in the file (surrounding whitespace removed).
    columns : list of Column
    rows : ndarray of int
        For each data row, the row number to report (see the module docstring).
    info : dict
        What was detected: ``format``, ``encoding``, ``bom``, ``delimiter``,
        ``header_rows``, ``blank_rows_skipped``, ``qualtrics``, ``row_numbering``.
    value_labels : dict
        ``{column: {code: label}}`` from SPSS/Stata files.
    user_missing : dict
        ``{column: [(lo, hi), ...]}`` declared missing values/ranges from SPSS files.
    row_notes : list of (row index, problem, value, action)
        Row-level findings of the reader itself (e.g. a row with too many fields).
    """

    names: list
    columns: list
    rows: np.ndarray
    info: dict
    value_labels: dict = field(default_factory=dict)
    user_missing: dict = field(default_factory=dict)
    row_notes: list = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        return len(self.rows)


# --------------------------------------------------------------------------- columns from libraries


def _column_from_arrow(name: str, arr) -> Column:
    import pyarrow as pa
    import pyarrow.compute as pc

    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    t = arr.type
    if pa.types.is_dictionary(t):
        arr = pa.chunked_array([c.cast(t.value_type) for c in chunks], type=t.value_type)
        return _column_from_arrow(name, arr)
    if pa.types.is_integer(t) and t.bit_width == 64 and sum(c.null_count for c in chunks) == 0:
        if len(chunks) == 1:
            return Column(name, values=chunks[0].to_numpy(zero_copy_only=False).astype(np.int64, copy=False))
        return Column(name, values=np.concatenate([c.to_numpy(zero_copy_only=False) for c in chunks]).astype(np.int64, copy=False))
    if (pa.types.is_integer(t) and not pa.types.is_unsigned_integer(t)) or pa.types.is_float64(t) or pa.types.is_float32(t):
        return Column(name, chunks=list(chunks), integral=pa.types.is_integer(t))
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        cast = [pc.cast(c, pa.float64()) for c in chunks]
        return Column(name, chunks=cast, integral=pa.types.is_integer(t))
    if pa.types.is_null(t):
        return Column(name, values=np.full(len(arr), np.nan))
    full = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    if not (pa.types.is_string(t) or pa.types.is_large_string(t)):
        full = pc.cast(full, pa.string()) if not pa.types.is_boolean(t) else pc.if_else(full, "true", "false")
    enc = pc.dictionary_encode(full)
    codes = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    return Column(name, codes=codes, uniques=enc.dictionary.to_pylist())


def _column_from_series(name: str, s: pd.Series) -> Column:
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes = s.cat.codes.to_numpy().astype(np.int64)
        return Column(name, codes=codes, uniques=list(s.cat.categories))
    if pd.api.types.is_bool_dtype(s.dtype):
        s = s.map({True: "true", False: "false"})
    elif pd.api.types.is_numeric_dtype(s.dtype):
        if pd.api.types.is_integer_dtype(s.dtype) and not s.hasnans:
            return Column(name, values=s.to_numpy(dtype=np.int64))
        return Column(name, values=s.to_numpy(dtype=np.float64, na_value=np.nan))
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    return Column(name, codes=np.asarray(codes, dtype=np.int64), uniques=list(uniques))


def _from_dataframe(df: pd.DataFrame, rows: np.ndarray, info: dict) -> RawTable:
    names, cols = [], []
    for j in range(df.shape[1]):
        name = str(df.columns[j]).strip()
        names.append(name)
        cols.append(_column_from_series(name, df.iloc[:, j]))
    return RawTable(names=names, columns=cols, rows=rows, info=info)


# --------------------------------------------------------------------------- CSV


def _decode(raw: bytes) -> tuple[bytes, str, str | None]:
    """Return (UTF-8 bytes without BOM, detected encoding, BOM name or None)."""
    for bom, enc, name in (
        (codecs.BOM_UTF8, "utf-8", "UTF-8"),
        (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32LE"),
        (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32BE"),
        (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16LE"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16BE"),
    ):
        if raw.startswith(bom):
            body = raw[len(bom):]
            if enc == "utf-8":
                try:
                    body.decode("utf-8")
                    return body, "utf-8", name
                except UnicodeDecodeError:
                    pass
            else:
                return body.decode(enc, errors="replace").encode("utf-8"), enc, name
    if raw.isascii():
        return raw, "ascii", None
    try:
        raw.decode("utf-8")
        return raw, "utf-8", None
    except UnicodeDecodeError:
        pass
    # UTF-16 without BOM: every other byte zero in ASCII-heavy text
    head = raw[:4096]
    if len(head) >= 4 and head[1::2].count(0) > 0.4 * len(head[1::2]):
        return raw.decode("utf-16-le", errors="replace").encode("utf-8"), "utf-16-le", None
    if len(head) >= 4 and head[0::2].count(0) > 0.4 * len(head[0::2]):
        return raw.decode("utf-16-be", errors="replace").encode("utf-8"), "utf-16-be", None
    for enc in ("gb18030", "cp1252"):
        try:
            return raw.decode(enc).encode("utf-8"), enc, None
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1").encode("utf-8"), "latin-1", None


def _sniff_delimiter(sample: str) -> str:
    """Pick the delimiter that splits the first lines into the most consistent number (>1)
    of fields; commas win ties."""
    lines = [ln for ln in sample.splitlines() if ln.strip()][:30]
    if len(sample) >= 65536 and len(lines) > 1:
        lines = lines[:-1]  # the last line of a cut sample may be partial
    if not lines:
        return ","
    best, best_score = ",", (-1.0, 0)
    for d in _DELIMITERS:
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=d)]
        except csv.Error:
            continue
        if not counts or max(counts) < 2:
            continue
        mode = max(set(counts), key=counts.count)
        consistency = counts.count(mode) / len(counts)
        score = (consistency, mode)
        if score > best_score:
            best, best_score = d, score
    return best


def _header_records(sample: str, delimiter: str, n: int = 4) -> tuple[list[list[str]], list[int]]:
    """First ``n`` non-blank records and the physical line count consumed after each."""
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    recs, lines = [], []
    try:
        for rec in reader:
            if not rec or (len(rec) <= 1 and all(not c.strip() for c in rec)):
                continue  # blank lines are not records (as in the csv-module reader below)
            recs.append(rec)
            lines.append(reader.line_num)
            if len(recs) >= n:
                break
    except csv.Error:
        pass
    return recs, lines


def _norm(s) -> str:
    import unicodedata

    return "".join(unicodedata.normalize("NFKC", "" if s is None else str(s)).casefold().split())


def _header_index(recs: list, expect) -> int:
    """Which of the first records is the header: the first one, unless it names none of the
    expected columns and a later one (title or note rows above the header) names some."""
    if not expect or not recs:
        return 0
    counts = [sum(_norm(c) in expect for c in rec) for rec in recs[:12]]
    if counts[0] == 0 and max(counts) > 0:
        return counts.index(max(counts))
    return 0


def _is_import_id_row(rec: list[str]) -> bool:
    hits = 0
    for cell in rec:
        c = cell.strip()
        if c.startswith("{") and "importid" in c.casefold():
            try:
                json.loads(c)
                hits += 1
            except ValueError:
                pass
    return hits > 0 and hits >= 0.5 * sum(1 for c in rec if c.strip())


def _utf8_head(head: bytes) -> bool:
    """The first bytes are UTF-8 (a character cut at the end of the sample is fine)."""
    for cut in range(4):
        try:
            head[: len(head) - cut].decode("utf-8")
            return True
        except UnicodeDecodeError:
            if len(head) - cut <= 0:
                break
    return False


def read_csv_bytes(raw, label: str = "<csv>", expect=None) -> RawTable:
    """Read delimited text: detect encoding/BOM, delimiter and Qualtrics header rows.

    ``raw`` is ``bytes`` (or any buffer with ``find``). UTF-8 files (with or without a
    BOM) are handed to pyarrow without copying; anything else, and any file pyarrow cannot
    read as is, is decoded in full and read again (by pyarrow, else by the csv module).
    """
    head = bytes(raw[:65536])
    if not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and _utf8_head(head):
        bom = "UTF-8" if head.startswith(codecs.BOM_UTF8) else None
        t = _parse_delimited(raw, 3 if bom else 0, "utf-8", bom, label, fast_only=True, expect=expect)
        if t is not None:
            return t
    data, encoding, bom = _decode(bytes(raw))
    return _parse_delimited(data, 0, encoding, bom, label, fast_only=False, expect=expect)


def _parse_delimited(buf, start: int, encoding: str, bom, label: str, fast_only: bool,
                     file: tuple | None = None, expect=None) -> RawTable | None:
    """Detect delimiter and header rows from ``buf`` and read the data with pyarrow, else
    (unless ``fast_only``) with the csv module. With ``file=(path, scan)``, ``buf`` is only
    the head of the file and pyarrow reads the file itself."""
    if file is not None:
        path, scan = file
        end = min(len(buf), scan["last_content"] + 1)
        trailing_blank = 0
        if scan["size"] - scan["last_content"] - 1 > 0:
            with open(path, "rb") as fh:
                fh.seek(scan["last_content"] + 1)
                tail = fh.read()
            trailing_blank = max(tail.count(b"\n"), tail.count(b"\r")) - 1
    else:
        end = len(buf)
        while end > start and buf[end - 1] in (10, 13):
            end -= 1
        tail = bytes(buf[end:])
        trailing_blank = max(tail.count(b"\n"), tail.count(b"\r")) - 1
    sample = bytes(buf[start:min(end, start + 65536)]).decode("utf-8", errors="ignore")
    delimiter = _sniff_delimiter(sample)
    recs, lines = _header_records(sample, delimiter, n=14)
    info = {
        "format": "csv",
        "encoding": encoding,
        "bom": bom,
        "delimiter": delimiter,
        "qualtrics": False,
        "header_rows": 1,
        "blank_rows_skipped": max(trailing_blank, 0),
        "row_numbering": "spreadsheet row (header rows counted)",
    }
    if not recs:
        return RawTable(names=[], columns=[], rows=np.zeros(0, dtype=np.int64), info=info)
    h = _header_index(recs, expect)
    if h:
        info["title_rows_skipped"] = h
    header_rows = h + 1
    for k in (2, 1):  # ImportId row as 3rd record (current exports) or 2nd
        if len(recs) > h + k and _is_import_id_row(recs[h + k]):
            header_rows = h + k + 1
            info["qualtrics"] = True
            break
    info["header_rows"] = header_rows
    if info["qualtrics"]:
        info["format"] = "qualtrics csv"
    names = [c.strip() for c in recs[h]]
    header_lines = lines[header_rows - 1]
    # Leading blank lines before the header shift the spreadsheet rows: csv module path.
    lead = len(sample) - len(sample.lstrip("\r\n"))
    if file is not None:
        has_blank_lines = False  # checked after parsing, only if there are all-empty rows
    else:
        has_blank_lines = any(buf.find(p, start, end) != -1 for p in (b"\n\n", b"\n\r\n", b"\r\r"))
    table = None
    if not has_blank_lines and lead == 0 and names and len(set(names)) == len(names):
        if file is not None:
            table = _read_csv_arrow(str(path), names, header_lines, delimiter, scan["quote"])
            if table is not None and trailing_blank > 0:
                table = table.slice(0, max(table.num_rows - trailing_blank, 0))
            if table is not None and _has_all_null_row(table):
                # a row of empty cells, or a blank line? only a scan for blank lines tells
                again = _scan_file(path, blank_lines=True)
                if 0 <= again["first_blank"] < again["last_content"]:
                    table = None
        else:
            quoted = buf.find(b'"', start, end) != -1
            table = _read_csv_arrow(memoryview(buf)[start:end], names, header_lines, delimiter, quoted)
    if table is not None:
        info["reader"] = "pyarrow"
        cols = [_column_from_arrow(n, table.column(j)) for j, n in enumerate(names)]
        rows = np.arange(table.num_rows, dtype=np.int64) + header_rows + 1
        return RawTable(names=names, columns=cols, rows=rows, info=info)
    if fast_only:
        return None
    info["reader"] = "python csv"
    return _read_csv_python(bytes(buf[start:end]) + b"\n", delimiter, header_rows, info, name_record=h)


def _has_all_null_row(table) -> bool:
    if table.num_rows == 0 or any(c.null_count == 0 for c in table.columns):
        return False
    mask = None
    for c in table.columns:
        m = c.is_null().to_numpy(zero_copy_only=False) if hasattr(c, "is_null") else None
        if m is None:
            import pyarrow.compute as pc

            m = pc.is_null(c).to_numpy(zero_copy_only=False)
        mask = m if mask is None else (mask & m)
        if not mask.any():
            return False
    return True


def _read_csv_arrow(data, names: list[str], header_lines: int, delimiter: str, quoted: bool,
                    ignore_empty: bool = False):
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        return pacsv.read_csv(
            data if isinstance(data, str) else pa.BufferReader(pa.py_buffer(data)),
            read_options=pacsv.ReadOptions(column_names=[f"c{j}" for j in range(len(names))],
                                           skip_rows=header_lines, use_threads=True),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=quoted,
                                             ignore_empty_lines=ignore_empty),
            convert_options=pacsv.ConvertOptions(strings_can_be_null=True, quoted_strings_can_be_null=True),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
        return None


def _read_csv_python(data: bytes, delimiter: str, header_rows: int, info: dict, name_record: int = 0) -> RawTable:
    text = data.decode("utf-8", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    names: list[str] | None = None
    records: list[list[str]] = []
    rows: list[int] = []
    notes = []
    sheet_row = 0
    headers_seen = 0
    blank = 0
    try:
        for rec in reader:
            sheet_row += 1
            if not rec or all(not c.strip() for c in rec) and len(rec) <= 1:
                if headers_seen >= header_rows:
                    blank += 1
                continue
            if headers_seen < header_rows:
                if headers_seen == name_record:
                    names = [c.strip() for c in rec]
                headers_seen += 1
                continue
            k = len(names)
            if len(rec) != k:
                extra = rec[k:]
                if len(rec) > k and not any(c.strip() for c in extra):
                    rec = rec[:k]
                else:
                    notes.append((len(records), "wrong number of fields",
                                  f"{len(rec)} fields",
                                  f"{'missing cells treated as blank' if len(rec) < k else 'cells beyond the header ignored'} "
                                  f"(header has {k})"))
                    rec = (rec + [""] * k)[:k]
            records.append(rec)
            rows.append(sheet_row)
    except csv.Error as exc:
        raise ValueError(f"{info.get('source', 'file')}: cannot be parsed as delimited text near row {sheet_row + 1}: {exc}") from None
    info["blank_rows_skipped"] = info.get("blank_rows_skipped", 0) + blank
    names = names or []
    if not records:
        cols = [Column(n, values=np.zeros(0)) for n in names]
        return RawTable(names=names, columns=cols, rows=np.zeros(0, dtype=np.int64), info=info, row_notes=notes)
    arr = np.array(records, dtype=object)
    cols = []
    for j, n in enumerate(names):
        codes, uniques = pd.factorize(arr[:, j])
        col = Column(n, codes=np.asarray(codes, dtype=np.int64), uniques=list(uniques))
        cols.append(col)
    return RawTable(names=names, columns=cols, rows=np.asarray(rows, dtype=np.int64), info=info, row_notes=notes)


# --------------------------------------------------------------------------- XLSX


def read_xlsx(source, sheet=None, expect=None) -> RawTable:
    from openpyxl import load_workbook

    wb = load_workbook(source, read_only=True, data_only=True)
    try:
        ws = wb[sheet] if isinstance(sheet, str) else wb.worksheets[sheet or 0]
        all_rows = []
        for r, values in enumerate(ws.iter_rows(values_only=True), start=1):
            all_rows.append((r, values))
    finally:
        wb.close()

    def blank(vals):
        return all(v is None or (isinstance(v, str) and not v.strip()) for v in vals)

    info = {"format": "xlsx", "sheet": ws.title, "qualtrics": False, "header_rows": 1,
            "blank_rows_skipped": 0, "row_numbering": "spreadsheet row (header rows counted)"}
    nonblank = [(r, v) for r, v in all_rows if not blank(v)]
    if not nonblank:
        return RawTable(names=[], columns=[], rows=np.zeros(0, dtype=np.int64), info=info)
    h = _header_index([list(v) for _, v in nonblank[:12]], expect)
    if h:
        info["title_rows_skipped"] = h
    header_rows = h + 1
    for k in (2, 1):
        if len(nonblank) > h + k and _is_import_id_row(["" if c is None else str(c) for c in nonblank[h + k][1]]):
            header_rows = h + k + 1
            info["qualtrics"] = True
            info["format"] = "qualtrics xlsx"
            break
    info["header_rows"] = header_rows
    head_row = nonblank[h][1]
    last_header_r = nonblank[header_rows - 1][0]
    data = [(r, v) for r, v in all_rows if r > last_header_r]
    width = len(head_row)
    while width > 0 and (head_row[width - 1] is None or not str(head_row[width - 1]).strip()) and not any(
        len(v) >= width and v[width - 1] is not None and str(v[width - 1]).strip() for _, v in data
    ):
        width -= 1  # unnamed, empty columns at the right edge are formatting
    names = [("" if c is None else str(c)).strip() for c in head_row[:width]]
    notes = []
    recs, rows = [], []
    while data and blank(list(data[-1][1])):
        data.pop()  # trailing empty rows are formatting, not data
    for r, v in data:
        v = list(v)
        if blank(v):
            info["blank_rows_skipped"] += 1
            continue
        if len(v) > width and any(x is not None and str(x).strip() for x in v[width:]):
            notes.append((len(recs), "wrong number of fields", f"{len(v)} cells", f"cells beyond the header ignored (header has {width})"))
        recs.append((v + [None] * width)[:width])
        rows.append(r)
    df = pd.DataFrame.from_records(recs, columns=range(width)) if recs else pd.DataFrame(columns=range(width))
    cols = []
    for j, n in enumerate(names):
        s = df.iloc[:, j] if recs else pd.Series([], dtype=object)
        cols.append(_column_from_series(n, s))
    return RawTable(names=names, columns=cols, rows=np.asarray(rows, dtype=np.int64), info=info, row_notes=notes)


# --------------------------------------------------------------------------- SPSS / Stata / Parquet


def read_sav(path) -> RawTable:
    import pyreadstat

    df, meta = pyreadstat.read_sav(str(path), user_missing=True)
    rows = np.arange(len(df), dtype=np.int64) + 1
    info = {"format": "spss sav", "encoding": getattr(meta, "file_encoding", None), "header_rows": 0,
            "row_numbering": "record number (1-based, as in SPSS Data View)"}
    t = _from_dataframe(df, rows, info)
    t.value_labels = {k: dict(v) for k, v in (meta.variable_value_labels or {}).items()}
    um = {}
    for var, ranges in (getattr(meta, "missing_ranges", None) or {}).items():
        um[var] = [(r["lo"], r["hi"]) for r in ranges]
    for var, vals in (getattr(meta, "missing_user_values", None) or {}).items():
        um.setdefault(var, []).extend((v, v) for v in vals)
    t.user_missing = um
    return t


def read_dta(path) -> RawTable:
    import pyreadstat

    df, meta = pyreadstat.read_dta(str(path))
    rows = np.arange(len(df), dtype=np.int64) + 1
    info = {"format": "stata dta", "header_rows": 0, "row_numbering": "record number (1-based)"}
    t = _from_dataframe(df, rows, info)
    t.value_labels = {k: dict(v) for k, v in (meta.variable_value_labels or {}).items()}
    return t


def read_parquet(source) -> RawTable:
    import pyarrow.parquet as pq

    table = pq.read_table(source)
    names = [n for n in table.column_names if n != "__index_level_0__"]
    cols = [_column_from_arrow(str(n).strip(), table.column(n)) for n in names]
    rows = np.arange(table.num_rows, dtype=np.int64) + 1
    info = {"format": "parquet", "header_rows": 0, "row_numbering": "record number (1-based)"}
    return RawTable(names=[str(n).strip() for n in names], columns=cols, rows=rows, info=info)


def read_frame(df: pd.DataFrame) -> RawTable:
    info = {"format": "DataFrame", "header_rows": 0, "row_numbering": "position (0-based, as df.iloc)"}
    return _from_dataframe(df, np.arange(len(df), dtype=np.int64), info)


# --------------------------------------------------------------------------- dispatch


def _sniff_format(head: bytes, suffix: str) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"$FL2") or head.startswith(b"$FL3"):
        return "sav"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"<stata_dta>") or (suffix == ".dta" and head[:1] in (b"\x71", b"\x72", b"\x73")):
        return "dta"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    return "csv"


def read_table(source, sheet=None, expect=None) -> tuple[RawTable, str]:
    """Read any supported source; returns the table and a label naming the source.

    ``expect``: normalized names of the columns looked for (item ids); lets text and sheet
    readers find a header row below title rows."""
    if isinstance(source, pd.DataFrame):
        return read_frame(source), "DataFrame"
    if hasattr(source, "read"):
        raw = source.read()
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        label = getattr(source, "name", None) or "<stream>"
        return _read_bytes(raw, str(label), "", sheet, expect), str(label)
    path = Path(os.fspath(source))
    if not path.is_file():
        raise FileNotFoundError(f"survey file {str(path)!r} not found")
    with open(path, "rb") as fh:
        head = fh.read(16)
    fmt = _sniff_format(head, path.suffix.lower())
    label = str(path)
    if fmt == "sav":
        t = read_sav(path)
    elif fmt == "dta":
        t = read_dta(path)
    elif fmt == "parquet":
        t = read_parquet(path)
    elif fmt == "xlsx":
        t = read_xlsx(path, sheet, expect)
    elif fmt == "xls":
        raise ValueError(f"{label}: old binary Excel (.xls) files are not read; save it as .xlsx or CSV")
    else:
        t = _read_csv_path(path, label, expect)
    t.info["source"] = label
    return t, label


def _scan_file(path: Path, chunk: int = 8 << 20, blank_lines: bool = False) -> dict:
    """One pass over a text file in a reused buffer: its first 64 KiB, whether it has a
    double quote, where its content ends (trailing newlines excluded) and, with
    ``blank_lines``, where the first blank line is (-1: none)."""
    buf = bytearray(chunk)
    head = b""
    quote = False
    first_blank = -1
    last_content = -1
    pos = 0
    prev = b""
    with open(path, "rb") as fh:
        while True:
            n = fh.readinto(buf)
            if not n:
                break
            if not head:
                head = bytes(buf[: min(n, 65536)])
            if not quote and buf.find(b'"', 0, n) != -1:
                quote = True
            if blank_lines and first_blank < 0:
                joint = prev + bytes(buf[: min(n, 2)])
                for pat in (b"\n\n", b"\n\r\n", b"\r\r"):
                    k = joint.find(pat)
                    if k != -1:
                        first_blank = pos - len(prev) + k if first_blank < 0 else min(first_blank, pos - len(prev) + k)
                    k = buf.find(pat, 0, n)
                    if k != -1:
                        first_blank = pos + k if first_blank < 0 else min(first_blank, pos + k)
            end = n
            while end > 0 and buf[end - 1] in (10, 13):
                end -= 1
            if end > 0:
                last_content = pos + end - 1
            prev = bytes(buf[max(0, n - 2): n])
            pos += n
    return {"head": head, "quote": quote, "first_blank": first_blank, "last_content": last_content, "size": pos}


def _read_csv_path(path: Path, label: str, expect=None) -> RawTable:
    """UTF-8 files that pyarrow can read as they are: parsed straight from the file (no copy
    of the file in memory); anything else through :func:`read_csv_bytes`."""
    sc = _scan_file(path)
    head = sc["head"]
    if sc["size"] and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and _utf8_head(head):
        bom = "UTF-8" if head.startswith(codecs.BOM_UTF8) else None
        t = _parse_delimited(head, 3 if bom else 0, "utf-8", bom, label, fast_only=True,
                             file=(path, sc), expect=expect)
        if t is not None:
            return t
    return read_csv_bytes(path.read_bytes(), label, expect)


def _read_bytes(raw: bytes, label: str, suffix: str, sheet=None, expect=None) -> RawTable:
    fmt = _sniff_format(raw[:16], suffix)
    if fmt == "xlsx":
        t = read_xlsx(io.BytesIO(raw), sheet, expect)
    elif fmt == "parquet":
        t = read_parquet(io.BytesIO(raw))
    elif fmt in ("sav", "dta"):
        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / f"data.{fmt}"
            p.write_bytes(raw)
            t = read_sav(p) if fmt == "sav" else read_dta(p)
    elif fmt == "xls":
        raise ValueError(f"{label}: old binary Excel (.xls) files are not read; save it as .xlsx or CSV")
    else:
        t = read_csv_bytes(raw, label, expect)
    t.info["source"] = label
    return t
