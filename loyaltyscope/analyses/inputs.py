"""Input handling shared by the mission's analyses: a DataFrame or a validated ``Responses``,
the built-in instrument by name, column checks that name what is missing, listwise deletion
that is counted and reported (never silent), and survey weights.

Only the public API of the engine is used (``ls.load_instrument``, ``ls.Responses``).
"""

from __future__ import annotations

import contextlib
from typing import Iterable

import numpy as np
import pandas as pd

__all__ = ["AnalysisError", "as_frame", "resolve_instrument", "require_columns", "complete_rows",
           "resolve_weights", "construct_items", "fmt_p", "one_blas_thread"]


class AnalysisError(ValueError):
    """Bad input to one of the analyses (names the column, value and what was expected)."""


def as_frame(data) -> tuple[pd.DataFrame, object | None, pd.Series | None]:
    """``(frame, instrument or None, weights or None)`` from a DataFrame or a ``Responses``."""
    from loyaltyscope import Responses
    if isinstance(data, Responses):
        return data.data, data.instrument, data.weights
    if isinstance(data, pd.DataFrame):
        return data, None, None
    raise AnalysisError(f"data must be a pandas DataFrame or a loyaltyscope Responses, got {type(data).__name__}")


def resolve_instrument(instrument, fallback=None):
    """An ``Instrument`` from a name, an Instrument, or the responses' own instrument."""
    from loyaltyscope import Instrument, load_instrument
    if instrument is None:
        return fallback
    if isinstance(instrument, Instrument):
        return instrument
    if isinstance(instrument, str):
        return load_instrument(instrument)
    raise AnalysisError(f"instrument must be a name or an Instrument, got {type(instrument).__name__}")


def construct_items(inst, constructs: Iterable[str] | None = None) -> dict[str, list[str]]:
    """``{construct: [item ids]}`` of an instrument, in the instrument's order."""
    names = list(constructs) if constructs is not None else list(inst.constructs)
    return {c: list(inst.items_of(c)) for c in names if inst.items_of(c)}


def require_columns(df: pd.DataFrame, columns: Iterable[str], what: str = "data") -> None:
    """Raise naming every missing and every non-numeric column at once."""
    cols = list(columns)
    missing = [c for c in cols if c not in df.columns]
    problems = []
    if missing:
        problems.append(f"column(s) {missing} not found in {what} (columns: {list(df.columns)[:30]})")
    bad = [c for c in cols if c in df.columns and not pd.api.types.is_numeric_dtype(df[c])]
    if bad:
        problems.append(f"column(s) {bad} in {what} are not numeric (expected numbers on the item scale)")
    if problems:
        raise AnalysisError("; ".join(problems))


def complete_rows(df: pd.DataFrame, columns: Iterable[str]) -> tuple[pd.DataFrame, list[str]]:
    """Rows complete on ``columns`` and a warning naming how many (and which) were left out."""
    cols = list(columns)
    mask = df[cols].notna().all(axis=1)
    warn = []
    if not mask.all():
        dropped = list(df.index[~mask])
        shown = ", ".join(map(str, dropped[:10])) + (" ..." if len(dropped) > 10 else "")
        warn.append(f"{len(dropped)} of {len(df)} rows left out for missing values in {cols} (listwise): rows {shown}")
    return df.loc[mask], warn


def resolve_weights(df: pd.DataFrame, weights, default: pd.Series | None = None) -> np.ndarray | None:
    """Survey weights as an array aligned with ``df`` (a column name, an array/Series, or None)."""
    if weights is None:
        weights = default
    if weights is None:
        return None
    if isinstance(weights, str):
        if weights not in df.columns:
            raise AnalysisError(f"weights column {weights!r} not found in data")
        w = df[weights]
    elif isinstance(weights, pd.Series):
        w = weights.reindex(df.index)
    else:
        w = pd.Series(np.asarray(weights, dtype=float), index=df.index) if len(weights) == len(df) else None
        if w is None:
            raise AnalysisError(f"weights has {len(weights)} values, data has {len(df)} rows")
    w = pd.to_numeric(w, errors="coerce")
    bad = w.index[~np.isfinite(w.to_numpy(dtype=float)) | (w.to_numpy(dtype=float) < 0)]
    if len(bad):
        raise AnalysisError(f"weights must be finite and non-negative; bad at rows {list(bad[:10])}")
    return w.to_numpy(dtype=float)


def fmt_p(p: float) -> str:
    """A p-value for people: ``p < .001`` or ``p = .034``."""
    if not np.isfinite(p):
        return "p = NA"
    return "p < .001" if p < 0.001 else f"p = {p:.3f}".replace("0.", ".", 1)


def one_blas_thread():
    """A context with one BLAS thread (threadpoolctl, when installed; else nothing changes).

    Key-driver analysis is thousands of small matrix operations (12 × 12, 1,000 × 13), for
    which OpenBLAS threads cost more than they give: on a busy 2-core machine the statsmodels
    VIF regressions ran 40 times slower multi-threaded."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:       # pragma: no cover - threadpoolctl comes with scikit-learn
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")
