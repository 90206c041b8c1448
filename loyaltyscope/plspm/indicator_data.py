"""Indicator data for a PLS path model: checked, missing values handled as asked, standardized.

- every indicator column must exist and be numeric; all problems are collected into one
  :class:`DataError` naming the columns (and the first offending rows/values);
- ``missing="listwise"`` drops incomplete rows and records each dropped row label;
  ``missing="mean"`` replaces a missing value by its column mean (SmartPLS's "mean
  replacement", seminr ``missing = mean_replacement``) and records how many were replaced;
- a constant indicator (zero variance) is an error: it cannot be standardized;
- indicators are standardized with the n - 1 standard deviation (R's ``scale``), computed
  without overflow or underflow (:mod:`loyaltyscope.numerics.magnitudes`), so that a column
  multiplied by 1e300 or 1e-300 gives the same standardized data;
- infinite values and duplicated column names are errors naming the column (and rows);
- a column in which one row holds more than 90 % of the sum of squared deviations (a single
  huge value, a missing-value code such as 99 among 1-7 answers) is named in ``notes``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numbers

import numpy as np
import pandas as pd

from loyaltyscope.cbsem.samplestats import DataError
from loyaltyscope.numerics.magnitudes import dominating_values, scaled_moments

__all__ = ["IndicatorData", "prepare_indicators", "DataError", "MISSING"]

MISSING = ("listwise", "mean")


@dataclass(frozen=True)
class IndicatorData:
    """Raw and standardized indicator rows in use (columns = the model's unique indicators)."""

    columns: tuple[str, ...]
    raw: np.ndarray           # (n, q) after missing-value handling
    mean: np.ndarray
    sd: np.ndarray
    rows: pd.Index            # labels of the rows used
    dropped: tuple            # labels of rows dropped (listwise)
    replaced: dict            # column -> count of mean-replaced values
    notes: tuple = ()         # warnings about the data (a single row dominating a column)

    @property
    def z(self) -> np.ndarray:
        return (self.raw - self.mean) / self.sd

    @property
    def nobs(self) -> int:
        return self.raw.shape[0]


def prepare_indicators(data: pd.DataFrame, columns: tuple[str, ...], missing: str = "listwise") -> IndicatorData:
    """Check, clean and standardize the indicator columns of ``data``."""
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    if missing not in MISSING:
        raise DataError(f"missing must be one of {MISSING}, got {missing!r}")
    if isinstance(data.columns, pd.MultiIndex):
        raise DataError("data has multi-level column names; flatten them (one name per indicator column)")
    problems = []
    absent = [c for c in columns if c not in data.columns]
    if absent:
        problems.append(f"indicator column(s) not in the data: {', '.join(map(str, absent))}")
    dup = sorted({str(c) for c in data.columns[data.columns.duplicated()] if c in columns})
    if dup:
        problems.append(f"column name(s) {', '.join(dup)} appear more than once in the data; "
                        "rename them so that each indicator is one column")
    for c in columns:
        if c in data.columns and str(c) not in dup:
            problems += _column_problems(data, c)
    if problems:
        raise DataError("PLS data problems:\n  " + "\n  ".join(problems))
    frame = data.loc[:, list(columns)].astype(float)
    arr = frame.to_numpy()
    nan = np.isnan(arr)
    dropped: tuple = ()
    replaced: dict = {}
    if nan.any():
        if missing == "listwise":
            keep = ~nan.any(axis=1)
            dropped = tuple(frame.index[~keep])
            frame = frame.loc[keep]
            arr = arr[keep]
        else:
            allnan = [c for c, k in zip(columns, nan.all(axis=0)) if k]
            if allnan:
                raise DataError(f"column(s) {', '.join(allnan)} have no values to take a mean of")
            means = np.nanmean(arr, axis=0)
            replaced = {c: int(k) for c, k in zip(columns, nan.sum(axis=0)) if k}
            arr = np.where(nan, means, arr)
    n = arr.shape[0]
    if n < 3:
        raise DataError(f"only {n} complete row(s) remain for the PLS model; at least 3 are needed")
    mean, sd = scaled_moments(arr)
    notes = dominating_values(arr, columns, frame.index)
    const = [c for c, s in zip(columns, sd) if not s > 0]
    if const:
        raise DataError(f"indicator(s) with zero variance cannot be standardized: {', '.join(map(str, const))}")
    return IndicatorData(tuple(columns), arr, mean, sd, frame.index, dropped, replaced, notes)


def _column_problems(data: pd.DataFrame, c) -> list[str]:
    """Why column ``c`` cannot be an indicator (text, infinite values), naming rows and values.
    Numbers stored with dtype object (a mixed frame) are numbers."""
    col = data[c]
    if pd.api.types.is_complex_dtype(col):
        return [f"column {c!r} holds complex numbers; expected real numbers"]
    if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)):
        bad = pd.to_numeric(col, errors="coerce").isna() & col.notna()
        if bad.any():
            first = data.index[bad.to_numpy()][:3].tolist()
            return [f"column {c!r} is not numeric (rows {first}: {[col.loc[r] for r in first]}); expected numbers"]
        values = col.dropna()
        if not values.map(lambda v: isinstance(v, (numbers.Real, np.bool_))).all():
            return [f"column {c!r} holds {col.dtype} values (e.g. {values.head(3).tolist()}), not numbers; "
                    "convert it first (pd.to_numeric)"]
    x = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
    inf = np.isinf(x)
    if inf.any():
        rows = data.index[inf][:3].tolist()
        return [f"column {c!r} has {int(inf.sum())} infinite value(s) (rows {rows}); expected finite numbers"]
    return []
