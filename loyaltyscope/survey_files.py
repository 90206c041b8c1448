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


@dataclass
class Column:
    """One column as read: numbers (``values``) or text codes (``codes`` into ``uniques``).

    ``codes`` use -1 for an empty cell; ``uniques`` are the distinct non-empty values as read
    (``str`` for text files; any Python scalar for spreadsheets and DataFrames).
    """

    name: str
    values: np.ndarray | None = None
    codes: np.ndarray | None = None
    uniques: list | None = None
    _null: np.ndarray | None = field(default=None, repr=False)

    @property
    def is_text(self) -> bool:
        return self.codes is not None

    def __len__(self) -> int:
        return len(self.codes) if self.is_text else len(self.values)

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
            elif self.values.dtype.kind == "f":
                self._null = np.isnan(self.values)
            else:
                self._null = np.zeros(len(self.values), dtype=bool)
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

    def cell_text(self, idx: np.ndarray) -> np.ndarray:
        """The cells at ``idx`` as display text (object array)."""
        if self.is_text:
            u = np.array([_display(x) for x in self.uniques] + [""], dtype=object)
            return u[self.codes[idx]]
        v = self.values[idx]
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

    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    t = arr.type
    if pa.types.is_dictionary(t):
        arr = arr.cast(t.value_type)
        t = arr.type
    if pa.types.is_integer(t) and arr.null_count == 0:
        return Column(name, values=arr.to_numpy(zero_copy_only=False).astype(np.int64, copy=False))
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        return Column(name, values=pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False))
    if pa.types.is_null(t):
        return Column(name, values=np.full(len(arr), np.nan))
    if not (pa.types.is_string(t) or pa.types.is_large_string(t)):
        arr = pc.cast(arr, pa.string()) if not pa.types.is_boolean(t) else pc.if_else(arr, "true", "false")
    enc = pc.dictionary_encode(arr)
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
            if not rec or all(not c.strip() for c in rec):
                if not recs:
                    continue
            recs.append(rec)
            lines.append(reader.line_num)
            if len(recs) >= n:
                break
    except csv.Error:
        pass
    return recs, lines


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


def read_csv_bytes(raw: bytes, label: str = "<csv>") -> RawTable:
    """Read delimited text: detect encoding/BOM, delimiter and Qualtrics header rows."""
    data, encoding, bom = _decode(raw)
    stripped = data.rstrip(b"\r\n")
    trailing_blank = max(data[len(stripped):].count(b"\n"), data[len(stripped):].count(b"\r")) - 1
    data = stripped + b"\n" if stripped else b""
    sample = data[:65536].decode("utf-8", errors="ignore")
    delimiter = _sniff_delimiter(sample)
    recs, lines = _header_records(sample, delimiter)
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
    header_rows = 1
    for k in (2, 1):  # ImportId row as 3rd record (current exports) or 2nd
        if len(recs) > k and _is_import_id_row(recs[k]):
            header_rows = k + 1
            info["qualtrics"] = True
            break
    info["header_rows"] = header_rows
    if info["qualtrics"]:
        info["format"] = "qualtrics csv"
    names = [c.strip() for c in recs[0]]
    header_lines = lines[header_rows - 1]
    # Leading blank lines before the header shift the spreadsheet rows.
    lead = len(sample) - len(sample.lstrip("\r\n"))
    table = None
    has_blank_lines = b"\n\n" in data or b"\n\r\n" in data or b"\r\r" in data
    if not has_blank_lines and lead == 0 and names and len(set(names)) == len(names):
        table = _read_csv_arrow(data, names, header_lines, delimiter)
    if table is not None:
        info["reader"] = "pyarrow"
        cols = [_column_from_arrow(n, table.column(j)) for j, n in enumerate(names)]
        rows = np.arange(table.num_rows, dtype=np.int64) + header_rows + 1
        return RawTable(names=names, columns=cols, rows=rows, info=info)
    info["reader"] = "python csv"
    return _read_csv_python(data, delimiter, header_rows, info)


def _read_csv_arrow(data: bytes, names: list[str], header_lines: int, delimiter: str):
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        return pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(column_names=[f"c{j}" for j in range(len(names))],
                                           skip_rows=header_lines, use_threads=True),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=b'"' in data,
                                             ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(strings_can_be_null=True, quoted_strings_can_be_null=True),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
        return None


def _read_csv_python(data: bytes, delimiter: str, header_rows: int, info: dict) -> RawTable:
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
                if headers_seen == 0:
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


def read_xlsx(source, sheet=None) -> RawTable:
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
    header_rows = 1
    for k in (2, 1):
        if len(nonblank) > k and _is_import_id_row(["" if c is None else str(c) for c in nonblank[k][1]]):
            header_rows = k + 1
            info["qualtrics"] = True
            info["format"] = "qualtrics xlsx"
            break
    info["header_rows"] = header_rows
    head_row = nonblank[0][1]
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


def read_table(source, sheet=None) -> tuple[RawTable, str]:
    """Read any supported source; returns the table and a label naming the source."""
    if isinstance(source, pd.DataFrame):
        return read_frame(source), "DataFrame"
    if hasattr(source, "read"):
        raw = source.read()
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        label = getattr(source, "name", None) or "<stream>"
        return _read_bytes(raw, str(label), "", sheet), str(label)
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
        t = read_xlsx(path, sheet)
    elif fmt == "xls":
        raise ValueError(f"{label}: old binary Excel (.xls) files are not read; save it as .xlsx or CSV")
    else:
        t = read_csv_bytes(path.read_bytes(), label)
    t.info["source"] = label
    return t, label


def _read_bytes(raw: bytes, label: str, suffix: str, sheet=None) -> RawTable:
    fmt = _sniff_format(raw[:16], suffix)
    if fmt == "xlsx":
        t = read_xlsx(io.BytesIO(raw), sheet)
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
        t = read_csv_bytes(raw, label)
    t.info["source"] = label
    return t
