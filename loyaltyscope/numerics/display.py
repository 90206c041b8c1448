"""Text and HTML rendering of tidy tables for the psychometric results' ``summary()`` and
``_repr_html_()``. Every label and cell that is not a number goes through ``html.escape``;
numbers are rounded only here, at display time."""

from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd

__all__ = ["frame_text", "frame_html", "para_html", "ResultProtocol", "jsonable"]


COUNT_NAMES = frozenset({"npar", "df", "nobs", "n", "ntotal", "delta_df", "baseline.df", "count", "n_obs",
                         "n_items", "ngroups", "iterations", "n_factors", "rows", "kept", "excluded", "read",
                         "frequency", "n_iter", "n_boot", "draws", "failed", "dof", "null_dof"})


STATISTIC_NAMES = frozenset({"est", "se", "z", "pvalue", "std_all", "std_lv", "std_nox", "ci_lower", "ci_upper",
                             "value", "mean", "sd", "t"})


def _fmt(v, digits: int, integer: bool = False, blank_nan: bool = False) -> str:
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if math.isnan(v):
            return "" if blank_nan else "NA"
        if integer and v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return f"{v:.{digits}f}"
    if v is None:
        return "" if blank_nan else "NA"
    return str(v)


def _integer_columns(df: pd.DataFrame) -> list[bool]:
    """Columns printed as integers: count-like names, integer dtypes, or all values whole."""
    out = []
    for c in df.columns:
        col = df[c]
        if pd.api.types.is_integer_dtype(col.dtype) or str(c) in COUNT_NAMES:
            out.append(True)
            continue
        whole = False
        if pd.api.types.is_float_dtype(col.dtype) and str(c) not in STATISTIC_NAMES:
            v = col.to_numpy(dtype=float)
            v = v[np.isfinite(v)]
            whole = bool(len(v)) and bool(np.all(v == np.round(v))) and bool(np.any(v != 0)) and bool(np.all(np.abs(v) < 1e15))
        out.append(whole)
    return out


def _integer_rows(df: pd.DataFrame) -> list[bool]:
    return [str(i) in COUNT_NAMES for i in df.index]


def frame_text(df: pd.DataFrame, digits: int = 3, index: bool = True) -> str:
    """A fixed-width text table (numbers rounded to ``digits``, counts as integers)."""
    t = df
    cols = [str(c) for c in t.columns]
    icol, irow = _integer_columns(t), _integer_rows(t)
    rows = [[_fmt(v, digits, icol[j] or irow[k]) for j, v in enumerate(row)]
            for k, row in enumerate(t.itertuples(index=False))]
    idx = [str(i) for i in t.index] if index else []
    widths = [max([len(c)] + [len(r[j]) for r in rows]) for j, c in enumerate(cols)]
    iw = max([len(i) for i in idx] + [0]) if index else 0
    lines = [(" " * iw + "  " if index else "") + "  ".join(c.rjust(w) for c, w in zip(cols, widths))]
    for k, r in enumerate(rows):
        lead = (idx[k].ljust(iw) + "  ") if index else ""
        lines.append(lead + "  ".join(v.rjust(w) for v, w in zip(r, widths)))
    return "\n".join(lines)


def frame_html(df: pd.DataFrame, caption: str = "", digits: int = 3, index: bool = True) -> str:
    """An HTML table with every label and text cell escaped; missing cells (fixed parameters'
    standard errors, undefined statistics) are blank; counts print as integers; the table
    scrolls inside its own box when wider than the page."""
    esc = html.escape
    icol, irow = _integer_columns(df), _integer_rows(df)
    head = ("<th></th>" if index else "") + "".join(f"<th>{esc(str(c))}</th>" for c in df.columns)
    body = []
    for k, (i, row) in enumerate(zip(df.index, df.itertuples(index=False))):
        cells = "".join(f"<td{_cell_class(v)}>{esc(_fmt(v, digits, icol[j] or irow[k], blank_nan=True))}</td>"
                        for j, v in enumerate(row))
        lead = f"<th>{esc(str(i))}</th>" if index else ""
        body.append(f"<tr>{lead}{cells}</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return f"<div class='table-wrap'><table>{cap}<tr>{head}</tr>{''.join(body)}</table></div>"


def _cell_class(v) -> str:
    return " class='txt'" if isinstance(v, str) else ""


def para_html(text: str, bold: bool = False) -> str:
    t = html.escape(text)
    return f"<p><b>{t}</b></p>" if bold else f"<p>{t}</p>"


class ResultProtocol:
    """The results protocol every result object follows (mixin for frozen dataclasses).

    A result owns its tables; text, HTML and JSON are renderings of them, written once here.
    A subclass provides:

    - ``title`` (class attribute or property): a one-line heading;
    - ``_headline()``: lines of key numbers printed under the heading (may be empty);
    - ``tables()``: an ordered ``{name: DataFrame}`` of every table the result owns;
    - a ``warnings`` field (tuple of strings), always present, empty when all is well.

    It then gets ``summary()`` (text), ``__str__``, ``_repr_html_()`` (escaped HTML),
    ``to_frame(name)`` and ``to_dict()`` (JSON-ready numbers, lavaan's names kept).
    """

    title: str = "Result"
    warnings: tuple[str, ...] = ()

    def _headline(self) -> list[str]:
        return []

    def tables(self) -> dict[str, pd.DataFrame]:
        return {}

    def to_frame(self, name: str | None = None) -> pd.DataFrame:
        """The table ``name`` (default: the first table) as a copy."""
        tabs = self.tables()
        if not tabs:
            raise ValueError(f"{type(self).__name__} has no tables")
        if name is None:
            return next(iter(tabs.values())).copy()
        if name not in tabs:
            raise KeyError(f"{type(self).__name__} has no table {name!r}; tables: {', '.join(tabs)}")
        return tabs[name].copy()

    def summary(self, digits: int = 3) -> str:
        lines = [self.title, "=" * min(len(self.title), 78)]
        lines += self._headline()
        for name, df in self.tables().items():
            lines += ["", f"{name}:", frame_text(df, digits)]
        if self.warnings:
            lines += ["", "Warnings:"] + [f"  - {w}" for w in self.warnings]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return self._html(warnings=True)

    def _html(self, warnings: bool = True) -> str:
        """The HTML rendering; reports pass ``warnings=False`` and list the warnings in the
        section's own warning box instead."""
        parts = [para_html(self.title, bold=True)] + [para_html(h) for h in self._headline()]
        parts += [frame_html(df, name) for name, df in self.tables().items()]
        if warnings:
            parts += [para_html("Warning: " + w) for w in self.warnings]
        return "<div class='loyaltyscope-result'>" + "".join(parts) + "</div>"

    def to_dict(self) -> dict:
        """Every table as a list of records (index kept as a column), plus the warnings."""
        out = {}
        for name, df in self.tables().items():
            t = df.reset_index() if not isinstance(df.index, pd.RangeIndex) else df
            out[name] = jsonable(t.to_dict("records"))
        out["warnings"] = list(self.warnings)
        return out


def jsonable(obj):
    """``obj`` with NumPy scalars as Python numbers, NaN/inf as None, timestamps as ISO text,
    recursively through dicts, lists and tuples (keys as text; keys starting with ``_`` are
    internal and left out)."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items() if not str(k).startswith("_")}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, pd.Timestamp):
        return obj.isoformat()
    if obj is None or isinstance(obj, str):
        return obj
    return str(obj)
