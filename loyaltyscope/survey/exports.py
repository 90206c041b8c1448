"""Writing logs and tables to spreadsheet files safely.

Survey files carry text that respondents typed. A cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is run as a formula by spreadsheet programs (CSV and
formula injection, OWASP). Spreadsheet programs also skip leading blanks and read the
fullwidth forms ``＝ ＋ － ＠`` (and the small forms ``﹦ ﹢ ﹣ ﹫``) as the ASCII ones, so a cell
counts as a formula start when, after any leading whitespace or control characters (spaces,
no-break and ideographic spaces, tabs, CR, LF, zero-width characters), its first character
is one of those signs after NFKC normalisation, or a minus sign ``−``. :func:`export`
writes tables — the problem and exclusion logs of
:class:`~loyaltyscope.survey.responses.Responses`, screening flags, any DataFrame — as CSV or
XLSX with every such text cell prefixed by ``'``, so it shows as text and never runs.
"""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["export", "neutralize_formulas", "FORMULA_PREFIXES", "is_formula_start"]

#: First characters that make a spreadsheet cell a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


_FORMULA_SIGNS = frozenset("=+-@\u2212")
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u180e")


def is_formula_start(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as a formula (see the module docstring)."""
    if text.startswith(FORMULA_PREFIXES):
        return True
    for ch in text:
        if ch.isspace() or ch in _INVISIBLE or unicodedata.category(ch) == "Cc":
            continue
        return ch in _FORMULA_SIGNS or unicodedata.normalize("NFKC", ch)[:1] in _FORMULA_SIGNS
    return False


def _neutral(x):
    if isinstance(x, str) and is_formula_start(x):
        return "'" + x
    return x


def neutralize_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` in which every text cell, column name and index label that a
    spreadsheet reads as a formula (:func:`is_formula_start`: ``= + - @``, fullwidth forms,
    after leading blanks, tab or carriage return) gets a leading ``'``. Numbers are left as
    numbers (``-99`` stays the number -99; the text ``"-99"`` becomes ``"'-99"``)."""
    out = df.copy()
    for c in out.columns:
        s = out[c]
        if not (pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype)
                or pd.api.types.is_datetime64_any_dtype(s.dtype)):
            out[c] = s.astype(object).map(_neutral)
    out.columns = [_neutral(str(c)) if not isinstance(c, (int, float, np.number)) else c for c in out.columns]
    if not pd.api.types.is_numeric_dtype(out.index.dtype):
        out.index = pd.Index([_neutral(x) for x in out.index])
    out.index = out.index.rename(_neutral(df.index.name))
    return out


def export(obj, path, table: str | None = None, index: bool | None = None) -> Path:
    """Write a table to CSV or XLSX, neutralising spreadsheet formulas.

    Parameters
    ----------
    obj : pandas.DataFrame, Responses, or a result with ``flags``
        With a :class:`~loyaltyscope.survey.responses.Responses`, ``table`` chooses
        ``"problems"``, ``"excluded"`` or ``"data"``; for an ``.xlsx`` path and no ``table``,
        the problems and the exclusions go to two sheets. A screening result writes its
        ``flags`` (or ``table="thresholds"``).
    path : str or Path
        ``.csv`` (UTF-8 with BOM, so spreadsheet programs read Chinese text correctly) or
        ``.xlsx``.
    table : str, optional
    index : bool, optional
        Write the index (default: only for ``data`` and screening flags).

    Returns
    -------
    Path
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValueError(f"export writes .csv or .xlsx files, not {path.name!r}")
    sheets: dict[str, tuple[pd.DataFrame, bool]] = {}
    if isinstance(obj, pd.DataFrame):
        sheets["table"] = (obj, bool(index))
    elif hasattr(obj, "problems") and hasattr(obj, "excluded") and hasattr(obj, "data"):
        if table is None:
            if suffix == ".csv":
                raise ValueError("export of Responses to CSV needs table='problems', 'excluded' or 'data'")
            sheets["problems"] = (obj.problems, bool(index))
            sheets["excluded"] = (obj.excluded, bool(index))
        elif table in ("problems", "excluded", "data"):
            sheets[table] = (getattr(obj, table), True if (table == "data" and index is None) else bool(index))
        else:
            raise ValueError(f"table must be 'problems', 'excluded' or 'data', got {table!r}")
    elif hasattr(obj, "flags"):
        name = table or "flags"
        if name not in ("flags", "thresholds"):
            raise ValueError(f"table must be 'flags' or 'thresholds', got {table!r}")
        df = getattr(obj, name)
        sheets[name] = (df, (name == "flags") if index is None else bool(index))
    elif callable(getattr(obj, "tables", None)):     # any result of the results protocol (SEM, PLS, ...)
        tabs = obj.tables()
        if table is not None:
            if table not in tabs:
                raise ValueError(f"{type(obj).__name__} has no table {table!r}; tables: {', '.join(tabs)}")
            tabs = {table: tabs[table]}
        elif suffix == ".csv" and len(tabs) != 1:
            raise ValueError(f"export of a {type(obj).__name__} to CSV needs table= one of {', '.join(tabs)} "
                             "(or an .xlsx path for all tables)")
        for name, df in tabs.items():
            sheets[name] = (df, (not isinstance(df.index, pd.RangeIndex)) if index is None else bool(index))
    else:
        raise TypeError(f"cannot export a {type(obj).__name__}: give a DataFrame, Responses or a result object")
    if suffix == ".csv":
        (df, idx), = sheets.values()
        # every text cell quoted, so a carriage return inside a cell cannot split a row
        neutralize_formulas(df).to_csv(path, index=idx, encoding="utf-8-sig", quoting=csv.QUOTE_NONNUMERIC)
    else:
        with pd.ExcelWriter(path, engine="openpyxl") as xw:
            used = set()
            for name, (df, idx) in sheets.items():
                safe = neutralize_formulas(df)
                # openpyxl writes text starting with "=" as a formula: after neutralising,
                # none does; pandas' NA becomes an empty cell.
                sheet = _sheet_name(name, used)
                safe.to_excel(xw, sheet_name=sheet, index=idx)
    return path


def _sheet_name(name: str, used: set) -> str:
    """An Excel sheet name: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = "".join(" " if ch in "[]:*?/\\" else ch for ch in str(name))[:31] or "sheet"
    cand, k = base, 2
    while cand.lower() in used:
        suffix = f" {k}"
        cand, k = base[:31 - len(suffix)] + suffix, k + 1
    used.add(cand.lower())
    return cand
