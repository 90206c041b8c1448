"""Input handling shared by the mission's analyses: a DataFrame or a validated ``Responses``,
the built-in instrument by name, column checks that name what is missing, listwise deletion
that is counted and reported (never silent), and survey weights.

Only the public API of the engine is used (``ls.load_instrument``, ``ls.Responses``).
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

__all__ = ["AnalysisError", "as_frame", "resolve_instrument", "require_columns", "complete_rows",
           "resolve_weights", "construct_items", "keyed_items", "item_means", "fmt_p", "one_blas_thread",
           "name_list", "extreme_values"]


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
        try:
            return load_instrument(instrument)
        except FileNotFoundError as e:
            raise AnalysisError(f"instrument: {e}") from None
    raise AnalysisError(f"instrument must be a name or an Instrument, got {type(instrument).__name__}")


def construct_items(inst, constructs: Iterable[str] | None = None) -> dict[str, list[str]]:
    """``{construct: [item ids]}`` of an instrument, in the instrument's order."""
    names = list(constructs) if constructs is not None else list(inst.constructs)
    return {c: list(inst.items_of(c)) for c in names if inst.items_of(c)}


def keyed_items(df: pd.DataFrame, items: Iterable[str], inst=None) -> pd.DataFrame:
    """``df[items]`` with the instrument's reverse-keyed items among them reversed
    (``max + min − x`` of the item's scale, ``ls.reverse_score``); unchanged without an
    instrument. R: ``psych::reverse.code(keys, items, mini, maxi)``."""
    items = list(items)
    reversed_ = set(inst.reverse_keyed) if inst is not None else set()
    rev = [i for i in items if i in reversed_]
    if not rev:
        return df[items]
    from loyaltyscope import reverse_score
    return reverse_score(df[items], inst, items=rev)


def item_means(df: pd.DataFrame, groups: dict, inst=None) -> pd.DataFrame:
    """Scale scores ``{name: mean of the answered items}`` per respondent, reverse-keyed items of
    the instrument reversed first (NaN where no item is answered). R: ``psych::scoreItems(keys,
    items, totals = FALSE, impute = "none")``."""
    return pd.DataFrame({c: keyed_items(df, its, inst).mean(axis=1) for c, its in groups.items()}, index=df.index)


def name_list(names, what: str) -> list:
    """Column names as a list: one name (a string) is a list of one; anything else must be an
    iterable of strings."""
    if isinstance(names, str):
        return [names]
    if names is None or not hasattr(names, "__iter__"):
        raise AnalysisError(f"{what} must be a list of column names, got {names!r}")
    out = list(names)
    bad = [x for x in out if not isinstance(x, str)]
    if bad:
        raise AnalysisError(f"{what} must be column names (strings); got {bad[:5]}")
    return out


def require_columns(df: pd.DataFrame, columns: Iterable[str], what: str = "data") -> None:
    """Raise naming every missing, duplicated, non-numeric and infinite-valued column at once."""
    cols = list(columns)
    if isinstance(df.columns, pd.MultiIndex):
        raise AnalysisError(f"{what} has multi-level column names; flatten them (one name per column)")
    missing = [c for c in cols if c not in df.columns]
    problems = []
    if missing:
        problems.append(f"column(s) {missing} not found in {what} (columns: {list(df.columns)[:30]})")
    dup = sorted({str(c) for c in df.columns[df.columns.duplicated()] if c in cols})
    if dup:
        problems.append(f"column name(s) {dup} appear more than once in {what}; rename them")
    present = [c for c in cols if c in df.columns and str(c) not in dup]
    bad = [c for c in present if not pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_complex_dtype(df[c])]
    if bad:
        problems.append(f"column(s) {bad} in {what} are not numeric (expected numbers on the item scale)")
    for c in present:
        if c not in bad:
            x = df[c].to_numpy(dtype=float)
            if np.isinf(x).any():
                rows = list(df.index[np.isinf(x)][:5])
                problems.append(f"column {c!r} has {int(np.isinf(x).sum())} infinite value(s) (rows {rows}); "
                                "expected finite numbers")
    if problems:
        raise AnalysisError("; ".join(problems))


EXTREME = 1e100   # beyond this a covariance (squares and products) of the column overflows


def extreme_values(df: pd.DataFrame, columns: Iterable[str], what: str = "data") -> list[str]:
    """For analyses that fit covariance models: raise naming any value beyond ±1e100 (its square
    overflows), and return warnings naming columns in which one row holds > 90 % of the variance."""
    from loyaltyscope.numerics.magnitudes import dominating_values
    cols = [c for c in columns if c in df.columns]
    X = df[cols].to_numpy(dtype=float)
    big = np.abs(np.nan_to_num(X)) > EXTREME
    if big.any():
        shown = [f"{cols[j]!r} row {df.index[i]!r} ({X[i, j]:.3g})" for i, j in np.argwhere(big)[:5]]
        raise AnalysisError(f"{int(big.sum())} value(s) in {what} beyond ±{EXTREME:.0e}, too large for a covariance: "
                            f"{', '.join(shown)}; check the data (a typing error or a missing-value code?)")
    notes = []
    for c in cols:
        x = df[c].dropna()
        notes += list(dominating_values(x.to_numpy(dtype=float)[:, None], [c], x.index))
    return notes


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
    """One BLAS thread while inside (the package's reference-counted limit, safe from several
    threads at once: :func:`loyaltyscope.numerics.threads.one_blas_thread`).

    Key-driver analysis is thousands of small matrix operations (12 × 12, 1,000 × 13), for
    which OpenBLAS threads cost more than they give: on a busy 2-core machine the statsmodels
    VIF regressions ran 40 times slower multi-threaded."""
    from loyaltyscope.numerics.threads import one_blas_thread as limit
    return limit()
