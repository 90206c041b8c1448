"""Reading delimited text (CSV, TSV, semicolon; Qualtrics exports) into a :class:`RawTable`.

Encoding and byte-order mark (see :mod:`loyaltyscope.survey.encodings`), delimiter, title rows
above the header and Qualtrics' extra header rows are detected. UTF-8 files are parsed by
pyarrow straight from the file (no copy in memory); anything pyarrow cannot read as is goes
through Python's ``csv`` module, row by row, with every irregular row reported.

Blank lines are not data rows — as in ``pandas.read_csv`` and R's ``read.csv`` — and are
counted in ``RawTable.info``; a row of empty cells (``,,,``) is a data row.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from loyaltyscope.survey.columns import Column, RawTable, arrow_pool, column_from_arrow
from loyaltyscope.survey.encodings import decode_text

__all__ = ["read_csv_bytes", "read_csv_path", "header_index", "is_import_id_row"]

_DELIMITERS = [",", ";", "\t", "|"]
_BIG_BLOCK = 256 << 20
#: Lines one quoted cell may span before its quote is taken as unterminated.
MAX_CELL_LINES = 1000
#: The largest cell the csv-module reader accepts (a long open-text answer is valid data).
MAX_CELL_CHARS = 1 << 30
#: The most bytes read to find the header rows (first 15 lines) of a text file.
MAX_HEADER_BYTES = 256 << 20
_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+\Z")  # as encodings.LINE, on text
_BLINE = re.compile(rb"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+\Z")

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


def header_index(recs: list, expect) -> int:
    """Which of the first records is the header: the first one, unless it names none of the
    expected columns and a later one (title or note rows above the header) names some."""
    if not expect or not recs:
        return 0
    if any(_norm(c) in expect for c in recs[0]):
        return 0  # the first record names an expected column: it is the header
    counts = [sum(_norm(c) in expect for c in rec) for rec in recs[1:12]]
    if counts and max(counts) > 0:
        return counts.index(max(counts)) + 1
    return 0


def is_import_id_row(rec: list[str]) -> bool:
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


def _sample_end(buf, start: int, end: int, lines: int = 15) -> int:
    """End of the sample used to detect delimiter and header: 64 KiB, or more when the first
    ``lines`` lines are longer (a header of a million columns), up to :data:`MAX_HEADER_BYTES`."""
    pos = start
    for _ in range(lines):
        k = buf.find(b"\n", pos, min(end, start + MAX_HEADER_BYTES))
        if k == -1:
            return min(end, start + MAX_HEADER_BYTES)
        pos = k + 1
    return min(end, max(pos, start + 65536))


def read_csv_bytes(raw, label: str = "<csv>", expect=None, try_arrow: bool = True) -> RawTable:
    """Read delimited text: detect encoding/BOM, delimiter and Qualtrics header rows.

    ``raw`` is ``bytes`` (or any buffer with ``find``). UTF-8 files (with or without a
    BOM) are handed to pyarrow without copying; anything else, and any file pyarrow cannot
    read as is, is decoded in full and read again (by pyarrow, else by the csv module).
    """
    head = bytes(raw[:_sample_end(raw, 0, len(raw))])
    if try_arrow and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and _utf8_head(head):
        bom = "UTF-8" if head.startswith(codecs.BOM_UTF8) else None
        t = _parse_delimited(raw, 3 if bom else 0, "utf-8", bom, label, fast_only=True, expect=expect)
        if t is not None:
            return t
    d = decode_text(bytes(raw))
    return _parse_delimited(d.data, 0, d.encoding, d.bom, label, fast_only=False, expect=expect,
                            mixed_lines=d.mixed_lines)


def _parse_delimited(buf, start: int, encoding: str, bom, label: str, fast_only: bool,
                     file: tuple | None = None, expect=None, mixed_lines=None) -> RawTable | None:
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
    sample = bytes(buf[start:_sample_end(buf, start, end)]).decode("utf-8", errors="ignore")
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
    h = header_index(recs, expect)
    if h:
        info["title_rows_skipped"] = h
    header_rows = h + 1
    for k in (2, 1):  # ImportId row as 3rd record (current exports) or 2nd
        if len(recs) > h + k and is_import_id_row(recs[h + k]):
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
    # ... and so do blank lines between title rows and the header (pyarrow numbers rows by records)
    above = sample[:_line_end(sample, 0, header_lines)]
    lead += sum(above.count(p) for p in ("\n\n", "\n\r", "\r\r"))
    if file is not None:
        has_blank_lines = False  # checked after parsing, only if there are all-empty rows
    else:
        has_blank_lines = any(buf.find(p, start, end) != -1 for p in (b"\n\n", b"\n\r", b"\r\r"))
    table = None
    size = scan["size"] if file is not None else end - start
    # very wide and short (a header of 1e6 columns): pyarrow's per-column cost dominates; the
    # csv module reads the few rows faster
    wide_short = len(names) > 10_000 and size < 50 * max(len(sample.split("\n", 1)[0]), 1)
    if not has_blank_lines and lead == 0 and names and len(set(names)) == len(names) and not mixed_lines \
            and not wide_short:
        if file is not None:
            # quotes in the header only (as pyarrow and many exporters write it) do not make the
            # data rows quoted: the parser's serial multi-line mode is for quoted data cells
            quoted = scan["last_quote"] >= _line_end(buf, start, header_lines)
            table = _read_csv_arrow(str(path), names, header_lines, delimiter, quoted,
                                    types=_small_int_columns(sample, delimiter, header_lines, names, expect))
            if table is not None and trailing_blank > 0:
                table = table.slice(0, max(table.num_rows - trailing_blank, 0))
            if table is not None and _has_all_null_row(table):
                # a row of empty cells, or a blank line? only a scan for blank lines tells
                again = _scan_file(path, blank_lines=True)
                if 0 <= again["first_blank"] < again["last_content"]:
                    table = None
        else:
            quoted = buf.find(b'"', _line_end(buf, start, header_lines), end) != -1
            table = _read_csv_arrow(memoryview(buf)[start:end], names, header_lines, delimiter, quoted,
                                    types=_small_int_columns(sample, delimiter, header_lines, names, expect))
    if table is not None and quoted and _has_line_breaks(table):
        table = None  # a cell over several lines: an unterminated quote? the csv path checks
    if table is not None:
        import pyarrow as pa

        try:
            cols = [column_from_arrow(n, table.column(j)) for j, n in enumerate(names)]
        except pa.ArrowInvalid:  # e.g. invalid UTF-8 pyarrow let through: decode and read again
            cols = None
        if cols is not None:
            info["reader"] = "pyarrow"
            rows = np.arange(table.num_rows, dtype=np.int64) + header_rows + 1
            return RawTable(names=names, columns=cols, rows=rows, info=info)
    if fast_only:
        return None  # the caller decodes the whole file and comes back with fast_only False
    info["reader"] = "python csv"
    return _read_csv_python(bytes(buf[start:end]) + b"\n", delimiter, header_rows, info, name_record=h,
                            mixed_lines=mixed_lines)


def _line_end(buf, start: int, lines: int) -> int:
    """Offset (in bytes, or characters for text) just after the first ``lines`` physical lines from ``start`` (``\\n``, ``\\r\\n``
    or ``\\r`` endings, as the csv module counts them); ``len(buf)`` when there are fewer."""
    pos, pattern = start, (_LINE if isinstance(buf, str) else _BLINE)
    for _ in range(lines):
        m = pattern.match(buf, pos)
        if m is None or m.end() == pos:
            return len(buf)
        pos = m.end()
    return pos


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


_SMALL_INT = re.compile(r"-?[0-9]{1,4}")
#: Sample records looked at to choose the types of item columns.
_TYPE_SAMPLE_RECORDS = 2000


def _small_int_columns(sample: str, delimiter: str, header_lines: int, names: list[str], expect) -> dict:
    """Item columns (names in ``expect``) whose cells in the sample are all integers of at
    most 4 digits or blank: ``{position: int16}``, the type pyarrow parses them as.

    Survey answers are small codes; parsed as int16 instead of int64 they take a quarter of
    the memory and time to convert. A later cell that is not such an integer (text, a
    decimal) makes the typed read fail, and the file is read again without types — so types
    change how fast a file is read, never what is read."""
    import pyarrow as pa

    if not expect or len(names) > 10_000:  # a very wide file: matching names costs more than it saves
        return {}
    cand = [j for j, n in enumerate(names) if _norm(n) in expect]
    if not cand:
        return {}
    body = sample[_line_end(sample, 0, header_lines):]
    recs = []
    try:
        for rec in csv.reader(io.StringIO(body, newline=""), delimiter=delimiter):
            recs.append(rec)
            if len(recs) > _TYPE_SAMPLE_RECORDS:
                break
    except csv.Error:
        return {}
    recs = recs[:-1]  # the last record of a cut sample may be partial
    if not recs or any(len(r) != len(names) for r in recs):
        return {}
    out = {}
    for j in cand:
        cells = [r[j] for r in recs]
        if all(c == "" or _SMALL_INT.fullmatch(c) for c in cells) and any(cells):
            out[j] = pa.int16()
    return out


def _read_csv_arrow(data, names: list[str], header_lines: int, delimiter: str, quoted: bool,
                    ignore_empty: bool = False, types: dict | None = None):
    """The file parsed by pyarrow (all columns, named ``c0, c1, ...``), or None when pyarrow
    cannot read it as is. ``types``: ``{position: arrow type}`` tried first (see
    :func:`_small_int_columns`); when a cell does not fit, the file is read without them."""
    if types:
        t = _read_csv_arrow_typed(data, names, header_lines, delimiter, quoted, ignore_empty,
                                  {f"c{j}": ty for j, ty in types.items()})
        if t is not None:
            return t
    return _read_csv_arrow_typed(data, names, header_lines, delimiter, quoted, ignore_empty, {})


def _read_csv_arrow_typed(data, names, header_lines, delimiter, quoted, ignore_empty, column_types):
    import pyarrow as pa
    import pyarrow.csv as pacsv

    for block in (1 << 20, _BIG_BLOCK):  # a cell larger than a block (a 10 MB comment): bigger blocks
        try:
            return pacsv.read_csv(
                data if isinstance(data, str) else pa.BufferReader(pa.py_buffer(data)),
                read_options=pacsv.ReadOptions(column_names=[f"c{j}" for j in range(len(names))],
                                               skip_rows=header_lines, use_threads=True, block_size=block),
                parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=quoted,
                                                 ignore_empty_lines=ignore_empty),
                convert_options=pacsv.ConvertOptions(strings_can_be_null=True, quoted_strings_can_be_null=True,
                                                     column_types=column_types),
                memory_pool=arrow_pool(),
            )
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError) as exc:
            if "straddling" not in str(exc) and "block" not in str(exc).lower():
                return None
    return None


def _has_line_breaks(table) -> bool:
    """Whether any text cell holds a line break (a quoted cell over several lines)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for col in table.columns:
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            try:
                if pc.any(pc.match_substring_regex(col, "[\r\n]")).as_py():
                    return True
            except pa.ArrowInvalid:  # invalid UTF-8: the csv-module path decodes it
                return True
    return False


def _parse_strict(text: str, delimiter: str):
    """Fields of one record, or None when a quoted cell is still open at the end."""
    try:
        recs = list(csv.reader([text], delimiter=delimiter, strict=True))
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            return None
        try:
            recs = list(csv.reader([text], delimiter=delimiter))  # a stray quote: read leniently
        except csv.Error:  # a line break after a stray quote: one record from all its parts
            parts = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
            recs = [[x for r in parts for x in r]]
    return recs[0] if recs else []


def _is_record(line: str, delimiter: str, k: int) -> bool:
    """A line that parses alone into exactly ``k`` fields (k >= 2), no quote left open."""
    if k < 2 or line.count(delimiter) < k - 1:
        return False
    rec = _parse_strict(line, delimiter)
    return rec is not None and len(rec) == k


def _split_records(lines: list[str], delimiter: str, k_fields):
    """Yield ``(fields, first line, last line, unterminated)`` per record.

    A quoted cell may run over several lines (up to :data:`MAX_CELL_LINES`). A quote that is
    still open at the end of the file, or that closes into a record with another number of
    fields than the header's (``k_fields()``, None while the header is unread) after
    swallowing a line that is a complete row by itself, was never terminated: the record is then its first line alone (``unterminated`` True) and the lines
    after it are read as rows again — never swallowed into one cell."""
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        if '"' not in line:
            body = line.rstrip("\r\n")
            yield (body.split(delimiter) if body else []), i, i, False
            i += 1
            continue
        rec, j = _parse_strict(line, delimiter), i
        while rec is None and j + 1 < n and j - i < MAX_CELL_LINES:
            j += 1
            if lines[j].count('"') % 2:
                rec = _parse_strict("".join(lines[i:j + 1]), delimiter)
        k = k_fields()
        if rec is None or (j > i and k is not None and len(rec) != k
                           and any(_is_record(lines[q], delimiter, k) for q in range(i + 1, j + 1))):
            rec = next(csv.reader([line], delimiter=delimiter), [])
            if rec:
                rec[-1] = rec[-1].rstrip("\r\n")
            yield rec, i, i, True
            i += 1
            continue
        yield rec, i, j, False
        i = j + 1


def _factorize(values: np.ndarray) -> tuple[np.ndarray, list]:
    """Codes into the distinct values (first-seen order); a dict for short columns (a very
    wide file of few rows: pandas' per-call cost would dominate), pandas otherwise."""
    if len(values) > 256:
        codes, uniques = pd.factorize(values)
        return np.asarray(codes, dtype=np.int64), list(uniques)
    seen: dict = {}
    codes = np.fromiter((seen.setdefault(v, len(seen)) for v in values.tolist()), dtype=np.int64, count=len(values))
    return codes, list(seen)


def _read_csv_python(data: bytes, delimiter: str, header_rows: int, info: dict, name_record: int = 0,
                     mixed_lines=None) -> RawTable:
    """Read decoded delimited text with the csv module, record by record; ragged rows,
    unterminated quotes and rows in another encoding (``mixed_lines``: 0-based physical
    lines) are kept and noted in ``RawTable.row_notes``."""
    text = data.decode("utf-8", errors="replace")
    lines = _LINE.findall(text)
    if csv.field_size_limit() < MAX_CELL_CHARS:
        csv.field_size_limit(MAX_CELL_CHARS)  # the module's 128 KiB default refuses long comments
    bad_lines = np.asarray(sorted(mixed_lines or []), dtype=np.int64)
    names: list[str] | None = None
    records: list[list[str]] = []
    rows: list[int] = []
    notes = []
    sheet_row = headers_seen = blank = 0
    for rec, first, last, unterminated in _split_records(lines, delimiter, lambda: None if names is None else len(names)):
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
        at = len(records)
        if unterminated:
            notes.append((at, "unterminated quote", f"line {first + 1}",
                          "a quote opened in this row is never closed; the cell ends at the end of the "
                          "line and the rows below are read as rows"))
        if len(bad_lines) and np.any((bad_lines >= first) & (bad_lines <= last)):
            notes.append((at, "mixed encoding", f"line {first + 1}",
                          "bytes that are not UTF-8 (the rest of the file is) decoded as cp1252; check the "
                          "text of this row"))
        if len(rec) != k:
            extra = rec[k:]
            if len(rec) > k and not any(c.strip() for c in extra):
                rec = rec[:k]
            else:
                notes.append((at, "wrong number of fields", f"{len(rec)} fields",
                              f"{'missing cells treated as blank' if len(rec) < k else 'cells beyond the header ignored'} "
                              f"(header has {k})"))
                rec = (rec + [""] * k)[:k]
        records.append(rec)
        rows.append(sheet_row)
    info["blank_rows_skipped"] = info.get("blank_rows_skipped", 0) + blank
    names = names or []
    if not records:
        cols = [Column(n, values=np.zeros(0)) for n in names]
        return RawTable(names=names, columns=cols, rows=np.zeros(0, dtype=np.int64), info=info, row_notes=notes)
    arr = np.empty((len(records), len(names)), dtype=object)
    for t, rec in enumerate(records):
        arr[t, :] = rec
    cols = []
    for j, n in enumerate(names):
        codes, uniques = _factorize(arr[:, j])
        cols.append(Column(n, codes=codes, uniques=uniques))
    return RawTable(names=names, columns=cols, rows=np.asarray(rows, dtype=np.int64), info=info, row_notes=notes)


def _scan_file(path: Path, chunk: int = 8 << 20, blank_lines: bool = False) -> dict:
    """One pass over a text file in a reused buffer: its first 64 KiB, where its last double
    quote is (-1: none), where its content ends (trailing newlines excluded) and, with
    ``blank_lines``, where the first blank line is (-1: none)."""
    buf = bytearray(chunk)
    head = b""
    last_quote = -1
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
            k = buf.rfind(b'"', 0, n)
            if k != -1:
                last_quote = pos + k
            if blank_lines and first_blank < 0:
                joint = prev + bytes(buf[: min(n, 2)])
                for pat in (b"\n\n", b"\n\r", b"\r\r"):
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
    return {"head": head, "last_quote": last_quote, "first_blank": first_blank, "last_content": last_content, "size": pos}


def read_csv_path(path: Path, label: str, expect=None) -> RawTable:
    """UTF-8 files that pyarrow can read as they are: parsed straight from the file (no copy
    of the file in memory); anything else through :func:`read_csv_bytes`."""
    sc = _scan_file(path)
    head = sc["head"]
    if head.count(b"\n") < 15 and sc["size"] > len(head):  # very long lines: a longer head
        with open(path, "rb") as fh:
            big = fh.read(MAX_HEADER_BYTES)
        head = sc["head"] = big[:_sample_end(big, 0, len(big))]
    if sc["size"] and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and _utf8_head(head):
        bom = "UTF-8" if head.startswith(codecs.BOM_UTF8) else None
        t = _parse_delimited(head, 3 if bom else 0, "utf-8", bom, label, fast_only=True,
                             file=(path, sc), expect=expect)
        if t is not None:
            return t
    return read_csv_bytes(path.read_bytes(), label, expect, try_arrow=False)
