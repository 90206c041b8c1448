"""Columns of any magnitude: moments without overflow or underflow, and values that dominate.

A column multiplied by 1e300 or 1e-300 describes the same respondents; correlations, R²
shares and PLS weights must not change (issue 14: "HTMT must be scale invariant"). Squaring
such values overflows to inf or underflows to 0, so every moment here is computed on the
column centred by its mean and divided by its largest absolute deviation, then scaled back.
A single row holding more than 90 % of a column's sum of squared deviations (one cell of
1e300, a missing-value code 99 among 1-7 answers) gives finite but meaningless results: it
is named in a note that the calling analysis puts on ``.warnings``.

Pure functions over arrays (numpy's ``std`` squares the raw values, hence written here).
"""

from __future__ import annotations

import numpy as np

__all__ = ["unit_scaled", "scaled_moments", "dominating_values", "DOMINANCE_SHARE", "not_real_numbers",
           "farthest_value", "EXTREME_RATIO"]

#: 1/machine epsilon (4.5e15): a value farther than this many typical distances from its
#: column's median leaves every other value of the column below the rounding error of any
#: sum it enters.
EXTREME_RATIO = 1.0 / np.finfo(float).eps

DOMINANCE_SHARE = 0.9


def unit_scaled(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(xs, center, unit)`` with ``xs = (arr - center) / unit`` in [-1, 1] per column.

    ``center`` is the column mean computed on the column divided by its largest absolute
    value; ``unit`` the largest absolute deviation from it (1 for a constant column)."""
    arr = np.asarray(arr, dtype=float)
    if arr.shape[0] == 0:
        return arr.copy(), np.zeros(arr.shape[1]), np.ones(arr.shape[1])
    big = np.abs(arr).max(axis=0)
    big = np.where((big > 0) & np.isfinite(big), big, 1.0)
    center = (arr / big).mean(axis=0) * big
    dev = arr - center
    unit = np.abs(dev).max(axis=0)
    unit = np.where((unit > 0) & np.isfinite(unit), unit, 1.0)
    return dev / unit, center, unit


def scaled_moments(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column means and n - 1 standard deviations (0 for a constant column), for any magnitude."""
    xs, center, unit = unit_scaled(arr)
    n = xs.shape[0]
    m = xs.mean(axis=0) if n else np.zeros(xs.shape[1])
    sd = np.sqrt(((xs - m) ** 2).sum(axis=0) / max(n - 1, 1)) * unit
    return center + m * unit, sd


def dominating_values(arr: np.ndarray, columns, rows, min_rows: int = 10) -> tuple[str, ...]:
    """Notes naming each column in which one row holds > 90 % of the squared deviations
    (checked from ``min_rows`` rows on: in tiny samples one value often does)."""
    xs, _c, _u = unit_scaled(arr)
    if xs.shape[0] < min_rows:
        return ()
    dev2 = (xs - xs.mean(axis=0)) ** 2
    tot = dev2.sum(axis=0)
    notes = []
    for k, c in enumerate(columns):
        if tot[k] > 0:
            i = int(dev2[:, k].argmax())
            share = dev2[i, k] / tot[k]
            if share > DOMINANCE_SHARE:
                notes.append(f"column {c!r}: row {rows[i]!r} (value {arr[i, k]:.6g}) holds {100 * share:.1f} % of "
                             "the column's variance; results involving it are driven by that one value "
                             "(a typing error or a missing-value code?)")
    return tuple(notes)


def not_real_numbers(column) -> str | None:
    """Why a data column (a pandas Series) that numpy would convert to floats does not hold
    real numbers — complex numbers (the imaginary part would be dropped), dates or durations
    (they would become nanoseconds since 1970) — or None. Issue 14: such columns were
    analysed as numbers with no warning."""
    import pandas as pd

    t = column.dtype
    if pd.api.types.is_complex_dtype(t):
        return "holds complex numbers; expected real numbers"
    if pd.api.types.is_datetime64_any_dtype(t) or isinstance(t, pd.PeriodDtype):
        return "holds dates or times; expected numbers (convert them to a number such as days first)"
    if pd.api.types.is_timedelta64_dtype(t):
        return "holds durations; expected numbers (convert them to seconds or days first)"
    if isinstance(t, pd.IntervalDtype):
        return "holds intervals; expected numbers"
    return None


def farthest_value(v: np.ndarray) -> tuple[int, float] | None:
    """``(position, ratio)`` of the observed value of ``v`` farthest from the median, when its
    distance exceeds :data:`EXTREME_RATIO` times the median of the non-zero distances (the
    typical distance); None otherwise or with fewer than 3 observed values. NaN is missing.
    The column is divided by a power of two first (exact), so nothing overflows."""
    ok = np.flatnonzero(~np.isnan(v))
    if len(ok) < 3:
        return None
    x = v[ok]
    big = np.abs(x).max()
    x = x / np.ldexp(1.0, np.frexp(big if big > 0 else 1.0)[1])
    dist = np.abs(x - np.median(x))
    nz = dist[dist > 0]
    typical = np.median(nz) if nz.size else 0.0
    if typical > 0 and dist.max() > EXTREME_RATIO * typical:
        k = int(np.argmax(dist))
        return int(ok[k]), float(dist[k] / typical)
    return None
