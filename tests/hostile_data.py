"""Hypothesis strategy shared by the hostile-input tests (PLS room and analyses): a valid data
frame mutated once (a hostile cell, a column scaled by 10^±300, made constant, copied onto
another, or holed with missing values)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

HOSTILE_VALUES = st.sampled_from([1e300, -1e300, 1e-300, np.inf, -np.inf, np.nan, "x", True, 0.0, 1e15])


@st.composite
def mutated_frame(draw, make, columns, min_rows: int, max_rows: int):
    """``make(n, draw)`` builds a valid frame of n rows; one mutation of ``columns`` follows."""
    n = draw(st.integers(min_rows, max_rows))
    d = make(n, draw)
    kind = draw(st.sampled_from(["cell", "scale", "constant", "copy", "nan_rows", "none"]))
    col = draw(st.sampled_from(columns))
    if kind == "cell":
        value = draw(HOSTILE_VALUES)
        d = d.astype(object) if isinstance(value, (str, bool)) else d
        d.loc[d.index[draw(st.integers(0, n - 1))], col] = value
    elif kind == "scale":
        d[col] = d[col] * 10.0 ** draw(st.integers(-300, 300))
    elif kind == "constant":
        d[col] = 3.0
    elif kind == "copy":
        d[col] = d[draw(st.sampled_from(columns))]
    elif kind == "nan_rows":
        d.loc[d.index[draw(st.lists(st.integers(0, n - 1), max_size=n))], col] = np.nan
    return d
