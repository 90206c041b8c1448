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

import io
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from loyaltyscope.survey.columns import Column, RawTable, column_from_arrow, column_from_series, table_from_dataframe
from loyaltyscope.survey.delimited import header_index, is_import_id_row, read_csv_bytes, read_csv_path
from loyaltyscope.survey.formats import (READ_ERRORS, READ_FORMATS, SurveyFileError, check_format,
                                         SUFFIX_FORMAT, check_xlsx_archive, file_error,
                                         sniff_format)

__all__ = ["Column", "RawTable", "read_table", "QUALTRICS_METADATA", "SurveyFileError"]

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

# --------------------------------------------------------------------------- XLSX


def read_xlsx(source, sheet=None, expect=None, label: str = "<xlsx>") -> RawTable:
    """Read one worksheet (default: the first) of an XLSX workbook (a path or binary file)."""
    from openpyxl import load_workbook

    wb = load_workbook(source, read_only=True, data_only=True)
    try:
        names = wb.sheetnames
        if (isinstance(sheet, str) and sheet not in names) or (isinstance(sheet, int) and not -len(names) <= sheet < len(names)):
            raise ValueError(f"{label}: no worksheet {sheet!r}; the workbook has {', '.join(map(repr, names))}")
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
    h = header_index([list(v) for _, v in nonblank[:12]], expect)
    if h:
        info["title_rows_skipped"] = h
    header_rows = h + 1
    for k in (2, 1):
        if len(nonblank) > h + k and is_import_id_row(["" if c is None else str(c) for c in nonblank[h + k][1]]):
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
        cols.append(column_from_series(n, s))
    return RawTable(names=names, columns=cols, rows=np.asarray(rows, dtype=np.int64), info=info, row_notes=notes)


# --------------------------------------------------------------------------- SPSS / Stata / Parquet


def read_sav(path) -> RawTable:
    import pyreadstat

    df, meta = pyreadstat.read_sav(str(path), user_missing=True)
    rows = np.arange(len(df), dtype=np.int64) + 1
    info = {"format": "spss sav", "encoding": getattr(meta, "file_encoding", None), "header_rows": 0,
            "row_numbering": "record number (1-based, as in SPSS Data View)"}
    t = table_from_dataframe(df, rows, info)
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
    t = table_from_dataframe(df, rows, info)
    t.value_labels = {k: dict(v) for k, v in (meta.variable_value_labels or {}).items()}
    return t


def read_parquet(source) -> RawTable:
    import pyarrow.parquet as pq

    table = pq.read_table(source)
    names = [n for n in table.column_names if n != "__index_level_0__"]
    cols = [column_from_arrow(str(n).strip(), table.column(n)) for n in names]
    rows = np.arange(table.num_rows, dtype=np.int64) + 1
    info = {"format": "parquet", "header_rows": 0, "row_numbering": "record number (1-based)"}
    return RawTable(names=[str(n).strip() for n in names], columns=cols, rows=rows, info=info)


def read_frame(df: pd.DataFrame) -> RawTable:
    info = {"format": "DataFrame", "header_rows": 0, "row_numbering": "position (0-based, as df.iloc)"}
    return table_from_dataframe(df, np.arange(len(df), dtype=np.int64), info)


# --------------------------------------------------------------------------- dispatch


def _old_format(label: str, fmt: str) -> SurveyFileError:
    what = {"xls": "the old binary Excel format (.xls, Excel 97–2003) is not read: open it in Excel or "
                   "LibreOffice and save it as .xlsx (or CSV), then read that file",
            "zsav": "compressed SPSS files (.zsav) are not read: save the data uncompressed (.sav) in SPSS",
            "gzip": "compressed files are not read: decompress it first",
            "pdf": "a PDF is not a data file: export the survey data as CSV, XLSX, SPSS or Stata",
            "zip": "it is a ZIP archive without a workbook (xl/workbook.xml): extract the data file first",
            "binary": "it is neither text nor a known data format (SPSS, Stata, XLSX, Parquet): damaged, or "
                      "not a survey data file"}[fmt]
    return SurveyFileError(label, fmt, what)


def _read_binary(fh, fmt: str, label: str, sheet, expect) -> RawTable:
    """Read an opened binary source of format ``fmt``; library errors become
    :class:`SurveyFileError`."""
    try:
        if fmt == "xlsx":
            with zipfile.ZipFile(fh) as zf:
                check_xlsx_archive(zf, label)
            fh.seek(0)
            try:
                return read_xlsx(fh, sheet, expect, label=label)
            except (KeyError, ValueError, IndexError, TypeError, AttributeError) as exc:
                # a part missing from the archive, or XML openpyxl cannot make sense of
                if isinstance(exc, ValueError) and str(exc).startswith(f"{label}: no worksheet"):
                    raise
                raise file_error(label, fmt, exc) from None
        if fmt == "parquet":
            return read_parquet(fh)
        reader = read_sav if fmt == "sav" else read_dta
        if getattr(fh, "name", None) and Path(fh.name).is_file():
            return reader(Path(fh.name))  # a file on disk: pyreadstat reads it in place
        with tempfile.TemporaryDirectory() as d:  # pyreadstat reads paths only
            p = Path(d) / f"data.{fmt}"
            p.write_bytes(fh.read())
            return reader(p)
    except SurveyFileError:
        raise
    except READ_ERRORS as exc:
        raise file_error(label, fmt, exc) from None


def read_table(source, sheet=None, expect=None, format: str | None = None) -> tuple[RawTable, str]:
    """Read any supported source; returns the table and a label naming the source.

    The format is told by the content (:func:`~loyaltyscope.survey.formats.sniff_format`);
    a damaged or unsupported file raises :class:`SurveyFileError`. ``expect``: normalized
    names of the columns looked for (item ids); lets text and sheet readers find a header row
    below title rows. ``format``: see :func:`~loyaltyscope.survey.formats.check_format`."""
    if format is not None and format not in READ_FORMATS:
        raise ValueError(f"format={format!r}: expected one of {', '.join(map(repr, READ_FORMATS))} or None "
                         "(the format the file name says)")
    if isinstance(source, pd.DataFrame):
        return read_frame(source), "DataFrame"
    if hasattr(source, "read"):
        raw = source.read()
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        label = str(getattr(source, "name", None) or "<stream>")
        return _read_bytes(raw, label, sheet, expect, format), label
    path = Path(os.fspath(source))
    if not path.is_file():
        raise FileNotFoundError(f"survey file {str(path)!r} not found")
    label = str(path)
    with open(path, "rb") as fh:
        fmt = sniff_format(fh.read(4096))
        fh.seek(0)
        if fmt in ("xlsx", "parquet", "sav", "dta", "csv"):
            check_format(label, fmt, path.suffix.lower(), format, fh)
        if fmt in ("xlsx", "parquet", "sav", "dta"):
            t = _read_binary(fh, fmt, label, sheet, expect)
        elif fmt != "csv":
            raise _old_format(label, fmt)
    if fmt == "csv":
        t = read_csv_path(path, label, expect)
    _note_name(t, fmt, path.suffix.lower())
    t.info["source"] = label
    return t, label


def _note_name(t: RawTable, fmt: str, suffix: str) -> None:
    """A file whose name says another format than its content, read by content
    (``format="auto"``): noted."""
    expected = SUFFIX_FORMAT.get(suffix)
    if expected and expected != fmt:
        t.info["format_note"] = (f"the file name ends in {suffix} but the content is "
                                 f"{t.info.get('format', fmt)}; read as {t.info.get('format', fmt)}")


def _read_bytes(raw: bytes, label: str, sheet=None, expect=None, format=None) -> RawTable:
    fmt = sniff_format(raw[:4096])
    if format not in (None, "auto") and fmt in ("xlsx", "parquet", "sav", "dta", "csv"):
        check_format(label, fmt, "", format, io.BytesIO(raw))
    if fmt in ("xlsx", "parquet", "sav", "dta"):
        t = _read_binary(io.BytesIO(raw), fmt, label, sheet, expect)
    elif fmt != "csv":
        raise _old_format(label, fmt)
    else:
        t = read_csv_bytes(raw, label, expect)
    t.info["source"] = label
    return t
