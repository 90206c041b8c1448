"""Indicator data for a PLS path model: checked, missing values handled as asked, standardized.

- every indicator column must exist and be numeric; all problems are collected into one
  :class:`DataError` naming the columns (and the first offending rows/values);
- ``missing="listwise"`` drops incomplete rows and records each dropped row label;
  ``missing="mean"`` replaces a missing value by its column mean (SmartPLS's "mean
  replacement", seminr ``missing = mean_replacement``) and records how many were replaced;
- a constant indicator (zero variance) is an error: it cannot be standardized;
- indicators are standardized with the n - 1 standard deviation (R's ``scale``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyaltyscope.cbsem.samplestats import DataError

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
    problems = []
    absent = [c for c in columns if c not in data.columns]
    if absent:
        problems.append(f"indicator column(s) not in the data: {', '.join(absent)}")
    for c in columns:
        if c in data.columns and not (pd.api.types.is_numeric_dtype(data[c]) or pd.api.types.is_bool_dtype(data[c])):
            bad = pd.to_numeric(data[c], errors="coerce").isna() & data[c].notna()
            first = data.index[bad.to_numpy()][:3].tolist()
            problems.append(f"column {c!r} is not numeric (rows {first}: "
                            f"{[data.at[r, c] for r in first]}); expected numbers")
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
    sd = arr.std(axis=0, ddof=1)
    const = [c for c, s in zip(columns, sd) if not s > 0]
    if const:
        raise DataError(f"indicator(s) with zero variance cannot be standardized: {', '.join(const)}")
    return IndicatorData(tuple(columns), arr, arr.mean(axis=0), sd, frame.index, dropped, replaced)
