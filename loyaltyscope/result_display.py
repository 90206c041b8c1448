"""Text and HTML rendering of tidy tables for the psychometric results' ``summary()`` and
``_repr_html_()``. Every label and cell that is not a number goes through ``html.escape``;
numbers are rounded only here, at display time."""

from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd

__all__ = ["frame_text", "frame_html", "para_html"]


def _fmt(v, digits: int) -> str:
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if math.isnan(v):
            return "NA"
        return f"{v:.{digits}f}"
    return str(v)


def frame_text(df: pd.DataFrame, digits: int = 3, index: bool = True) -> str:
    """A fixed-width text table (numbers rounded to ``digits``)."""
    t = df.copy()
    cols = [str(c) for c in t.columns]
    rows = [[_fmt(v, digits) for v in row] for row in t.itertuples(index=False)]
    idx = [str(i) for i in t.index] if index else []
    widths = [max([len(c)] + [len(r[j]) for r in rows]) for j, c in enumerate(cols)]
    iw = max([len(i) for i in idx] + [0]) if index else 0
    lines = [(" " * iw + "  " if index else "") + "  ".join(c.rjust(w) for c, w in zip(cols, widths))]
    for k, r in enumerate(rows):
        lead = (idx[k].ljust(iw) + "  ") if index else ""
        lines.append(lead + "  ".join(v.rjust(w) for v, w in zip(r, widths)))
    return "\n".join(lines)


def frame_html(df: pd.DataFrame, caption: str = "", digits: int = 3, index: bool = True) -> str:
    """An HTML table with every label and text cell escaped."""
    esc = html.escape
    head = ("<th></th>" if index else "") + "".join(f"<th>{esc(str(c))}</th>" for c in df.columns)
    body = []
    for i, row in zip(df.index, df.itertuples(index=False)):
        cells = "".join(f"<td>{esc(_fmt(v, digits))}</td>" for v in row)
        lead = f"<th>{esc(str(i))}</th>" if index else ""
        body.append(f"<tr>{lead}{cells}</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return f"<table>{cap}<tr>{head}</tr>{''.join(body)}</table>"


def para_html(text: str, bold: bool = False) -> str:
    t = html.escape(text)
    return f"<p><b>{t}</b></p>" if bold else f"<p>{t}</p>"
