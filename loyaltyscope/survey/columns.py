"""The column table every survey reader returns, before any validation.

:class:`RawTable` holds the column names as in the file, one :class:`Column` per column, and
for every data row the row number a person would look up (the spreadsheet row for CSV/XLSX,
counting header rows; the 1-based record number for SPSS/Stata/Parquet; the 0-based position
for a DataFrame).

Columns are kept cheap to validate: numbers as a NumPy array (or pyarrow chunks copied once
into the caller's buffer), text as integer codes into the column's distinct values (so text
answers are interpreted once per distinct value, never once per cell).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")

__all__ = ["Column", "RawTable", "column_from_arrow", "column_from_series", "tabletable_from_dataframe"]

_FLOAT_IDS: set = set()


def _float_ids() -> set:
    import pyarrow as pa

    if not _FLOAT_IDS:
        _FLOAT_IDS.update({pa.float64().id, pa.float32().id, pa.float16().id})
    return _FLOAT_IDS


def arrow_pool():
    """The pyarrow memory pool survey files are read into: jemalloc where pyarrow has it,
    else the system allocator — not pyarrow's default mimalloc, which in a fresh process
    spends about twice the system time faulting in the memory of a big file (measured with
    ``benchmarks/bench_ingest.py --big``). jemalloc keeps freed memory for the next read."""
    import pyarrow as pa

    if not _POOL:
        try:
            _POOL.append(pa.jemalloc_memory_pool())
        except NotImplementedError:  # pragma: no cover - a pyarrow built without jemalloc
            _POOL.append(pa.system_memory_pool())
    return _POOL[0]


_POOL: list = []

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

    def as_array(self) -> np.ndarray:
        """Non-item column for ``Responses.other``: float numbers when every non-blank value
        is a number, else objects (stripped text, None when blank). Distinct values are
        converted once, not every cell."""
        if not self.is_text:
            return self.values
        blank = self.blank_uniques()
        u = np.empty(len(self.uniques) + 1, dtype=object)
        for k, x in enumerate(self.uniques):
            u[k] = None if blank[k] else (x.strip() if isinstance(x, str) else x)
        u[-1] = None
        num = np.full(len(u), np.nan)
        numeric = True
        for k, x in enumerate(u.tolist()):
            if x is None:
                continue
            if isinstance(x, bool) or (isinstance(x, str) and not _NUMBER.fullmatch(x)):
                numeric = False
                break
            try:
                num[k] = float(x)
            except (TypeError, ValueError):
                numeric = False
                break
        return num[self.codes] if numeric else u[self.codes]

    def as_series(self, index=None) -> pd.Series:
        """:meth:`as_array` as a Series."""
        return pd.Series(self.as_array(), index=index, name=self.name)


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


def column_from_arrow(name: str, arr) -> Column:
    import pyarrow as pa
    import pyarrow.compute as pc

    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    t = arr.type
    if pa.types.is_dictionary(t):
        arr = pa.chunked_array([c.cast(t.value_type) for c in chunks], type=t.value_type)
        return column_from_arrow(name, arr)
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


def column_from_series(name: str, s: pd.Series) -> Column:
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


def table_from_dataframe(df: pd.DataFrame, rows: np.ndarray, info: dict) -> RawTable:
    names, cols = [], []
    for j in range(df.shape[1]):
        name = str(df.columns[j]).strip()
        names.append(name)
        cols.append(column_from_series(name, df.iloc[:, j]))
    return RawTable(names=names, columns=cols, rows=rows, info=info)
