"""Checking item data before a psychometric analysis, and the correlation input of every analysis.

Every psychometric entry point (:func:`loyaltyscope.alpha`, :func:`loyaltyscope.efa`,
:func:`loyaltyscope.polychoric`, :func:`loyaltyscope.kmo`, ...) passes its input through
:func:`item_matrix` (raw responses) or :func:`correlation_input` (a correlation matrix).
Problems are *collected* and reported together, each naming the column, the offending value
and what was expected, as an :class:`ItemDataError` (a :class:`ValueError`).

Extreme magnitudes are refused up front (:func:`item_matrix`): a value whose distance from its
column's median exceeds 1/machine-epsilon (4.5e15) times the column's typical distance leaves
every other value of the column below the rounding error of any sum it enters (one cell of
1e300 among answers 1..5), so nothing computed from that column would mean anything.

:func:`prepare_correlations` turns raw responses or a correlation matrix into the
:class:`CorrelationInput` every factor-analytic procedure works on (Pearson pairwise or
listwise, or polychoric), with its warnings. :func:`emit` issues a procedure's messages as
:class:`PsychometricWarning` and returns them for ``result.warnings``; inside
:func:`quiet_emission` it only returns them (a procedure called by another).

Soft problems (a constant item, an item with a single observed category) are not raised here:
they are returned in :attr:`ItemMatrix.constant` so that each procedure can decide whether
it can still compute something (alpha drops the item and marks its row, a factor analysis
cannot and raises through :func:`require_variance`).
"""

from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from loyaltyscope.psychometrics import correlations as corr
from loyaltyscope.numerics.magnitudes import EXTREME_RATIO, farthest_value, not_real_numbers

__all__ = ["ItemDataError", "PsychometricWarning", "HeywoodWarning", "emit", "quiet_emission", "ItemMatrix", "item_matrix",
           "correlation_input", "require_variance",
           "nonpositive_definite_items", "CorrelationInput",
           "prepare_correlations", "extreme_values", "EXTREME_RATIO"]



class ItemDataError(ValueError):
    """Item data that a psychometric procedure cannot use.

    Attributes
    ----------
    problems : list of (item, message)
        Every problem found, not only the first; ``item`` is ``None`` for problems of the
        whole data set.
    """

    def __init__(self, problems: list[tuple[str | None, str]], context: str = "item data"):
        self.problems = list(problems)
        lines = [f"  - {m}" for _, m in self.problems]
        head = f"{context}: {len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}"
        super().__init__(head + "\n" + "\n".join(lines))


class PsychometricWarning(UserWarning):
    """Something a psychometric result should be read with (also kept in ``result.warnings``)."""


class HeywoodWarning(PsychometricWarning):
    """A communality at or above 1 / a uniqueness at its lower bound in a factor solution."""


def _caller_stacklevel() -> int:
    """Stack level of the first frame outside the loyaltyscope package (so a warning points at
    the user's call)."""
    import os
    import sys

    pkg = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    f = sys._getframe(1)
    level = 1
    while f is not None and os.path.abspath(f.f_code.co_filename).startswith(pkg):
        f = f.f_back
        level += 1
    return level


_QUIET: contextvars.ContextVar[bool] = contextvars.ContextVar("psychometric_warnings_quiet", default=False)


@contextlib.contextmanager
def quiet_emission():
    """Inside: :func:`emit` records messages without issuing Python warnings — for a procedure
    that calls another and reports that one's messages on its own result. A context variable,
    so other threads keep issuing theirs (``warnings.catch_warnings`` is process-wide)."""
    token = _QUIET.set(True)
    try:
        yield
    finally:
        _QUIET.reset(token)


def emit(messages, category=PsychometricWarning) -> tuple[str, ...]:
    """Issue each message as a Python warning (so it is printed, pointing at the user's call)
    and return them as a tuple (so the result records them)."""
    import warnings

    out = tuple(messages)
    if out and not _QUIET.get():
        level = _caller_stacklevel()
        for m in out:
            warnings.warn(m, category, stacklevel=level)
    return out


@dataclass(frozen=True)
class ItemMatrix:
    """Numeric item responses as a float array (NaN = missing) with the item names.

    ``constant`` lists items with no variance (one distinct observed value, or fewer than two
    observations); ``n_rows`` counts all rows including incomplete ones.
    """

    x: np.ndarray
    names: tuple[str, ...]
    constant: tuple[str, ...] = field(default=())

    @property
    def n_rows(self) -> int:
        return self.x.shape[0]


def _describe(v) -> str:
    s = repr(v)
    return s if len(s) <= 40 else s[:37] + "..."


def item_matrix(data, *, context: str = "item data", min_items: int = 2) -> ItemMatrix:
    """Validate raw item responses and return them as a float matrix.

    Accepts a :class:`pandas.DataFrame` (column names are the item names) or a 2-D array
    (items named ``V1``, ``V2``, ... as R does). Booleans count as 0/1. Raises
    :class:`ItemDataError` listing every non-numeric column (with the first offending value
    and its row label), every infinite value and every completely empty column.
    """
    problems: list[tuple[str | None, str]] = []
    if isinstance(data, pd.Series):
        data = data.to_frame()
    if isinstance(data, pd.DataFrame):
        df = data
    else:
        arr = np.asarray(data)
        if arr.ndim != 2:
            raise ItemDataError([(None, f"expected a 2-D table of item responses (rows = respondents, "
                                        f"columns = items), got an array with {arr.ndim} dimension(s)")], context)
        df = pd.DataFrame(arr, columns=[f"V{j + 1}" for j in range(arr.shape[1])])
    names = [str(c) for c in df.columns]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        problems.append((None, f"duplicated column names {dup}; every item needs a unique name"))
    if df.shape[1] < min_items:
        problems.append((None, f"{df.shape[1]} item column(s) given; at least {min_items} are needed"))
    unreal = {j: not_real_numbers(df.iloc[:, j]) for j in range(df.shape[1])}
    problems += [(names[j], f"column {names[j]!r} {k}") for j, k in unreal.items() if k]
    if all(pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t) for t in df.dtypes) and not problems:
        x = df.to_numpy(dtype=float, na_value=np.nan)
        if np.isinf(x).any():
            for j in np.unique(np.nonzero(np.isinf(x))[1]):
                where = np.nonzero(np.isinf(x[:, j]))[0][0]
                problems.append((names[j], f"column {names[j]!r} has an infinite value in row {df.index[where]!r} "
                                           f"(expected finite numbers, NaN for missing)"))
        cols = None
    else:
        cols = []
    for j, name in enumerate(names if cols is not None else []):
        col = df.iloc[:, j]
        if unreal[j]:
            cols.append(np.full(len(col), np.nan))
            continue
        if pd.api.types.is_bool_dtype(col.dtype):
            cols.append(col.astype(float).to_numpy())
            continue
        if not pd.api.types.is_numeric_dtype(col.dtype):
            num = pd.to_numeric(col, errors="coerce")
            bad = col.notna() & num.isna()
            if bad.any():
                where = bad.to_numpy().nonzero()[0][0]
                problems.append((name, f"column {name!r} is not numeric: value {_describe(col.iloc[where])} in row "
                                       f"{df.index[where]!r} (expected numbers; code the responses numerically "
                                       f"or drop the column)"))
                cols.append(np.full(len(col), np.nan))
                continue
            col = num
        v = col.to_numpy(dtype=float, na_value=np.nan)
        if np.isinf(v).any():
            where = np.isinf(v).nonzero()[0][0]
            problems.append((name, f"column {name!r} has an infinite value in row {df.index[where]!r} "
                                   f"(expected finite numbers, NaN for missing)"))
        cols.append(v)
    if cols is not None:
        x = np.column_stack(cols) if cols else np.empty((len(df), 0))
    for j, name in enumerate(names):
        if any(p[0] == name for p in problems):
            continue
        if np.isnan(x[:, j]).all():
            problems.append((name, f"column {name!r} has no observed values (all missing)"))
    problems += extreme_values(x, names, df.index)
    if problems:
        raise ItemDataError(problems, context)
    constant = []
    for j, name in enumerate(names):
        v = x[:, j][~np.isnan(x[:, j])]
        if v.size < 2 or np.ptp(v) == 0:
            constant.append(name)
    return ItemMatrix(x=x, names=tuple(names), constant=tuple(constant))


def extreme_values(x: np.ndarray, names, index) -> list[tuple[str, str]]:
    """Problems for values so far from their column that the column's other values are lost.

    Per column: the distance of each observed value from the column median, against the median
    of the non-zero distances (the typical distance). A ratio above :data:`EXTREME_RATIO`
    (1/machine epsilon) is reported with the row, the value and the ratio.
    """
    problems = []
    with np.errstate(invalid="ignore"):
        # fast path (Likert codes): integer columns spanning less than EXTREME_RATIO / 2 — a median of
        # integers is a half-integer, so every non-zero distance from it is at least 0.5
        integral = np.all(np.isnan(x) | (x == np.round(x)), axis=0)
        span = np.fmax.reduce(x, axis=0) - np.fmin.reduce(x, axis=0) if x.shape[0] else np.zeros(x.shape[1])
    for j, name in enumerate(names):
        if integral[j] and span[j] < EXTREME_RATIO / 2:
            continue
        v = x[:, j]
        far = farthest_value(v)
        if far is not None:
            k, ratio = far
            row = index[k]
            row = row.item() if isinstance(row, np.generic) else row
            problems.append((name, f"column {name!r} has the value {v[k]:.6g} in row {row!r}, "
                                   f"{ratio:.3g} times the column's typical distance from its median: "
                                   f"beyond 1/machine epsilon every other value of the column is lost to rounding "
                                   f"(expected values of comparable magnitude; check for a coding error)"))
    return problems


def require_variance(m: ItemMatrix, context: str) -> None:
    """Raise :class:`ItemDataError` naming every item without variance."""
    if not m.constant:
        return
    problems = []
    for name in m.constant:
        v = m.x[:, m.names.index(name)]
        v = v[~np.isnan(v)]
        what = (f"has a single response category ({_describe(float(v[0]))} for all {v.size} respondents)"
                if v.size >= 2 else f"has only {v.size} observed value(s)")
        problems.append((name, f"item {name!r} {what}: its correlations are undefined; drop it before "
                               f"the analysis"))
    raise ItemDataError(problems, context)


def nonpositive_definite_items(r: np.ndarray, names, tol: float = 1e-8) -> list[str]:
    """Items carrying the near-linear dependencies of a correlation matrix.

    Returns the names of items with a weight of at least 0.2 in an eigenvector whose
    eigenvalue is below ``tol`` (an empty list when the matrix is positive definite).
    """
    w, v = np.linalg.eigh(r)
    bad = set()
    for k in np.nonzero(w < tol)[0]:
        bad.update(np.nonzero(np.abs(v[:, k]) >= 0.2)[0].tolist())
    return [names[i] for i in sorted(bad)]


def correlation_input(r, *, context: str = "correlation matrix", names=None) -> tuple[np.ndarray, tuple[str, ...]]:
    """Validate a correlation (or covariance) matrix given instead of raw data.

    A covariance matrix is converted to correlations (as ``stats::cov2cor``). Problems
    collected: non-square, non-numeric or missing cells, asymmetry, non-positive variances,
    correlations outside [-1, 1].
    """
    problems: list[tuple[str | None, str]] = []
    if isinstance(r, pd.DataFrame):
        names = [str(c) for c in r.columns]
        try:
            a = r.to_numpy(dtype=float)
        except (TypeError, ValueError):
            bad = [str(c) for c in r.columns if not pd.api.types.is_numeric_dtype(r[c].dtype)]
            raise ItemDataError([(b, f"column {b!r} of the correlation matrix is not numeric") for b in bad],
                                context) from None
    else:
        a = np.asarray(r, dtype=float)
        if names is None and a.ndim == 2:
            names = [f"V{j + 1}" for j in range(a.shape[1])]
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ItemDataError([(None, f"expected a square matrix, got shape {a.shape}")], context)
    names = tuple(str(n) for n in names)
    if np.isnan(a).any():
        for j in np.unique(np.nonzero(np.isnan(a))[1]):
            problems.append((names[j], f"item {names[j]!r} has missing (NaN) correlations"))
    elif np.abs(a - a.T).max() > 1e-8 * max(1.0, np.abs(a).max()):
        i, j = np.unravel_index(np.argmax(np.abs(a - a.T)), a.shape)
        problems.append((None, f"matrix is not symmetric: [{names[i]!r}, {names[j]!r}] = {a[i, j]:.6g} but "
                               f"[{names[j]!r}, {names[i]!r}] = {a[j, i]:.6g}"))
    d = np.diag(a)
    for j in np.nonzero(~(d > 0))[0]:
        problems.append((names[j], f"item {names[j]!r} has variance {d[j]!r} on the diagonal (expected > 0)"))
    if problems:
        raise ItemDataError(problems, context)
    s = 1.0 / np.sqrt(d)
    c = a * s[:, None] * s[None, :]
    c = (c + c.T) / 2
    np.fill_diagonal(c, 1.0)
    if np.abs(c).max() > 1 + 1e-8:
        i, j = np.unravel_index(np.argmax(np.abs(c)), c.shape)
        raise ItemDataError([(names[i], f"correlation of {names[i]!r} and {names[j]!r} is {c[i, j]:.6g}, outside "
                                        f"[-1, 1]")], context)
    return c, names


# ---- correlation input ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class CorrelationInput:
    """The correlation matrix an analysis works on, with where it came from.

    ``x`` is the raw data used (None for matrix input), ``np_obs`` the pairwise counts (None for
    matrix input or listwise data), ``nobs`` the number of respondents (NaN if unknown).
    """

    r: np.ndarray
    names: tuple[str, ...]
    nobs: float
    np_obs: np.ndarray | None
    x: np.ndarray | None
    cor: str
    use: str
    warnings: tuple[str, ...] = ()
    rows: np.ndarray | None = None      # positions of the rows of ``x`` in the input data


def _not_pd_message(r, names) -> str:
    bad = nonpositive_definite_items(r, names)
    if not bad:
        return ""
    return (f"the correlation matrix is not positive definite; the items involved in the "
            f"(near-)linear dependency are {', '.join(bad)}")


def _matrix_input(data, nobs, context, require_pd, purpose) -> CorrelationInput:
    r, names = correlation_input(data, context=context)
    n = float(nobs) if nobs is not None else float("nan")
    msg = _not_pd_message(r, names)
    if msg and require_pd:
        raise ItemDataError([(None, f"{msg}, so {purpose} cannot be computed")], context)
    return CorrelationInput(r, names, n, None, None, "matrix", "matrix", (msg,) if msg else ())


def _raw_correlations(x, names, cor, use, context):
    """Correlations of raw data and their warnings; raises naming a pair without a correlation."""
    warns = []
    counts = corr.pairwise_count(x)
    if cor == "poly":
        from loyaltyscope.psychometrics.polychoric_correlation import polychoric as _poly

        with quiet_emission():                   # its messages travel on, issued once by the caller
            pc = _poly(pd.DataFrame(x, columns=list(names)))
        r = pc.rho.to_numpy()
        warns.extend(pc.warnings)
    elif use == "pairwise":
        r, counts = corr.pairwise_cor(x)
    else:
        r = corr.listwise_cor(x)
    if np.isnan(r).any():
        problems = []
        for i, j in zip(*np.nonzero(np.triu(np.isnan(r)))):
            why = [w for w in warns if f"({names[i]}, {names[j]})" in w]
            problems.append((names[i], f"items {names[i]!r} and {names[j]!r} have no correlation: " + (
                why[0] if why else f"{int(counts[i, j])} row(s) in common, without variance in both within them")))
        raise ItemDataError(problems, context)
    return r, counts, warns


MIN_PAIR_ROWS = 10     # below it a pairwise correlation rests on too few respondents to mean much


def _few_pairwise_rows(counts, names) -> list[str]:
    iu = np.triu_indices(len(names), 1)
    few = [(int(counts[i, j]), names[i], names[j]) for i, j in zip(*iu) if counts[i, j] < MIN_PAIR_ROWS]
    if not few:
        return []
    shown = ", ".join(f"{a}-{b} ({n})" for n, a, b in sorted(few)[:6]) + (", ..." if len(few) > 6 else "")
    return [f"{len(few)} pair(s) of items are answered together by fewer than {MIN_PAIR_ROWS} respondents "
            f"({shown}): their pairwise correlations are unreliable (two rows in common always give ±1)"]


def prepare_correlations(data, *, cor: str = "pearson", use: str = "pairwise", nobs=None,
                         context: str = "factor analysis", require_pd: bool = False,
                         purpose: str = "results that need its inverse", nobs_of_raw_data: bool = True
                         ) -> CorrelationInput:
    """Validate input (raw responses or a correlation matrix) and compute the correlations.

    Raw data: Pearson correlations (pairwise-complete as ``cor(x, use = "pairwise")``, or on the
    complete rows for ``use="listwise"``) or polychoric (``cor="poly"``, psych's two-step
    estimator). A correlation matrix is recognised as psych's ``isCorrelation`` does (square,
    symmetric, unit diagonal), a covariance matrix as its ``isCovariance`` (square, symmetric)
    and converted with ``cov2cor``; give ``nobs`` for the statistics that need a sample size.
    ``nobs_of_raw_data=False``: with raw data n is the number of rows and a given ``nobs`` is
    ignored with a warning (psych's ``fa`` and ``cortest.bartlett`` set n from the data).
    """
    if cor not in ("pearson", "poly"):
        raise ValueError(f"cor={cor!r}: expected 'pearson' or 'poly'")
    if use not in ("pairwise", "listwise"):
        raise ValueError(f"use={use!r}: expected 'pairwise' or 'listwise'")
    if corr.is_matrix_input(data):
        return _matrix_input(data, nobs, context, require_pd, purpose)
    m = item_matrix(data, context=context)
    require_variance(m, context)
    x = m.x
    rows = np.arange(x.shape[0])
    if use == "listwise":
        rows = np.nonzero(~np.isnan(x).any(axis=1))[0]
        x = x[rows]
        if x.shape[0] < 3:
            raise ItemDataError([(None, f"only {x.shape[0]} complete row(s) of {m.n_rows} for listwise deletion "
                                        f"(at least 3 needed for correlations); use='pairwise' uses every answer")],
                                context)
    n = float(x.shape[0]) if (nobs is None or not nobs_of_raw_data) else float(nobs)
    r, counts, warns = _raw_correlations(x, m.names, cor, use, context)
    if nobs is not None and not nobs_of_raw_data and float(nobs) != n:
        warns.insert(0, f"nobs={nobs!r} was ignored: with raw data n is the number of rows used ({n:g}), as in psych; "
                        f"nobs is for a correlation or covariance matrix")
    if x.shape[0] <= x.shape[1]:
        msg = (f"{x.shape[0]} respondents but {x.shape[1]} items: the correlation matrix is singular, so "
               f"{purpose} cannot be computed")
    else:
        msg = _not_pd_message(r, m.names)
        msg = f"{msg}, so {purpose} cannot be computed" if (msg and require_pd) else msg
    if msg and require_pd:
        raise ItemDataError([(None, msg)], context)
    if msg:
        warns.append(msg)
    warns += _few_pairwise_rows(counts, m.names) if use == "pairwise" else []
    np_obs = counts if use == "pairwise" else None
    return CorrelationInput(r, m.names, n, np_obs, x, cor, use, tuple(warns), rows)
