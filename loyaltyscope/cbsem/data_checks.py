"""Checks of the data handed to :func:`loyaltyscope.sem`, before any moment is computed.

Refused with a :class:`~loyaltyscope.cbsem.samplestats.DataError` that names the column
(and rows) and says what was expected, all problems at once:

- duplicated column names among the model variables or the group column (which of the
  columns would be analysed is ambiguous);
- columns that are not real numbers: complex numbers, dates, durations;
- infinite values (``inf``) in model variables;
- extreme magnitudes: a value with ``|x| > MAX_MAGNITUDE`` (its square, in the covariance,
  overflows or swamps every other column: one cell of 1e300 made the eigen-decomposition
  fail), or a column whose spread is below ``MIN_SPREAD`` without being constant (a column
  scaled by 1e-300: its variance underflows to 0) — rescale such a column; a value farther
  from its column's median than 1/machine epsilon times the typical distance (one cell of 1e20
  among answers 1..9: the other values vanish in every sum and the fit failed inside a matrix
  inverse), as for the psychometric analyses;
- a constant column (zero variance; under FIML the EM algorithm would divide by it);
- too few complete rows: listwise deletion (or, under FIML, the rows with any observed
  value) leaves fewer rows than observed variables + 1 in a group (the sample covariance
  matrix is then singular by construction).

The same limits apply to moments given directly (``sample_cov``, :func:`check_moments`):
finite entries, variances positive and within [MIN_SPREAD^2, MAX_MAGNITUDE^2].

Returned as warnings (the fit goes on), as lavaan does: observed variances that differ by a
factor above 1000 (lavaan: "some observed variances are (at least) a factor 1000 times larger
than others; use varTable(fit) to investigate").

Written by hand: pandas and numpy do not check these; the limits are those of IEEE doubles.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from loyaltyscope.cbsem.samplestats import DataError
from loyaltyscope.numerics.magnitudes import EXTREME_RATIO, farthest_value, not_real_numbers

__all__ = ["check_data", "check_moments", "MAX_MAGNITUDE", "MIN_SPREAD"]

MAX_MAGNITUDE = 1e50    # fourth powers (robust SEs) up to 1e200 stay finite
MIN_SPREAD = 1e-50     # fourth powers down to 1e-200 stay normal doubles


def _duplicates(df: pd.DataFrame, wanted) -> list[str]:
    cols = [str(c) for c in df.columns]
    out = []
    for name in dict.fromkeys(wanted):
        where = [i for i, c in enumerate(cols) if c == str(name)]
        if len(where) > 1:
            out.append(f"column name {name!r} appears {len(where)} times (positions "
                       f"{', '.join(str(i + 1) for i in where)}); give each column a unique name")
    return out


def _column_problems(name, x: np.ndarray, index) -> list[str]:
    out = []
    bad = np.flatnonzero(np.isinf(x))
    if bad.size:
        ex = ", ".join(f"row {index[i]!r}: {x[i]}" for i in bad[:3])
        out.append(f"column {name!r} has {bad.size} infinite value(s) ({ex}); expected finite numbers or missing")
    fin = x[np.isfinite(x)]
    if not fin.size:
        return out
    big = np.flatnonzero(np.isfinite(x) & (np.abs(x) > MAX_MAGNITUDE))
    if big.size:
        ex = ", ".join(f"row {index[i]!r}: {x[i]:.6g}" for i in big[:3])
        out.append(f"column {name!r} has {big.size} value(s) of extreme magnitude ({ex}); values beyond "
                   f"{MAX_MAGNITUDE:g} overflow when squared in the covariance matrix: rescale the column "
                   "or correct the value(s)")
        return out
    far = farthest_value(x)
    if far is not None:
        k, ratio = far
        out.append(f"column {name!r} has the value {x[k]:.6g} in row {index[k]!r}, {ratio:.3g} times the column's "
                   "typical distance from its median: beyond 1/machine epsilon every other value of the column is "
                   "lost to rounding (expected values of comparable magnitude; check for a coding error)")
        return out
    spread = float(fin.max() - fin.min())
    if spread == 0:
        out.append(f"column {name!r} has zero variance (constant value {fin[0]:.6g} in its {fin.size} observed "
                   "row(s)); it cannot be analysed")
        return out
    if 0 < spread < MIN_SPREAD * max(1.0, float(np.abs(fin).max())) or 0 < np.abs(fin).max() < MIN_SPREAD:
        out.append(f"column {name!r} varies only by {spread:.3g} (values of magnitude "
                   f"{np.abs(fin).max():.3g}); its variance underflows to zero: rescale the column "
                   f"(e.g. multiply by {10 ** -np.floor(np.log10(max(spread, 1e-300))):.0e})")
    return out


def _suspect_columns(M: np.ndarray) -> np.ndarray:
    """Columns of M (rows x variables) that :func:`_column_problems` could flag (infinite or
    extreme values, a constant column, a tiny spread), from column-wise reductions; the others
    need no closer look."""
    with np.errstate(all="ignore"):
        # NaN for all-missing (or no) rows: fmin/fmax skip NaN, the NaN start value included
        lo, hi = np.fmin.reduce(M, axis=0, initial=np.nan), np.fmax.reduce(M, axis=0, initial=np.nan)
        absmax = np.fmax(np.abs(lo), np.abs(hi))
        spread = hi - lo
        odd = ((absmax > MAX_MAGNITUDE) | (spread == 0) | (spread < MIN_SPREAD * np.fmax(1.0, absmax))
               | (absmax < MIN_SPREAD))
        odd |= _far_from_median(M)
    return (~np.isnan(lo) & odd) | np.isinf(M).any(axis=0)


def _far_from_median(M: np.ndarray) -> np.ndarray:
    """Columns whose farthest value lies more than EXTREME_RATIO typical distances from the
    median (:func:`~loyaltyscope.numerics.magnitudes.farthest_value`, column-wise; a superset is
    fine: flagged columns are looked at value by value)."""
    if not M.size:
        return np.zeros(M.shape[1], bool)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)      # all-missing columns
        if np.isnan(M).any():
            dist = np.abs(M - np.nanmedian(M, axis=0))
            typical = np.nanmedian(np.where(dist > 0, dist, np.nan), axis=0)
        else:     # complete data: np.median is ~10x faster; the median of all distances (zeros
            dist = np.abs(M - np.median(M, axis=0))        # included) is a lower bound of the typical one
            typical = np.median(dist, axis=0)
        return np.fmax.reduce(dist, axis=0, initial=np.nan) > 0.5 * EXTREME_RATIO * typical


def check_data(data: pd.DataFrame, ov_names, group=None, missing: str = "listwise") -> list[str]:
    """Raise :class:`DataError` for data that cannot give a meaningful covariance matrix
    (see the module docstring); return warnings for data that can but are badly scaled.

    The checks run on column-wise reductions of one array; only the columns (and groups)
    they flag are looked at value by value for the messages."""
    if not isinstance(data, pd.DataFrame):
        return []
    problems = _duplicates(data, list(ov_names) + ([group] if group is not None else []))
    if problems:
        raise DataError("cannot use the data:\n  - " + "\n  - ".join(problems))
    ov_names = list(ov_names)
    p = len(ov_names)
    cols = []
    for v in ov_names:
        s = data[v]
        kind = not_real_numbers(s)
        if kind:
            problems.append(f"column {v!r} {kind}")
            continue
        if not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)):
            s = pd.to_numeric(s, errors="coerce")    # the non-numeric cells are reported later
        with np.errstate(all="ignore"):
            cols.append(s.to_numpy(dtype=float, na_value=np.nan))
    M = np.column_stack(cols) if p else np.empty((len(data), 0))
    for j in np.flatnonzero(_suspect_columns(M)):
        problems += _column_problems(ov_names[j], M[:, j], data.index)
    if problems:
        raise DataError("cannot use the data:\n  - " + "\n  - ".join(problems))
    if group is None:
        groups = [("", np.ones(len(data), bool))]
    else:
        codes, labels = pd.factorize(data[group])       # order of appearance; missing -> -1
        groups = [(g, codes == i) for i, g in enumerate(labels)]
    seen = ~np.isnan(M)
    for label, sel in groups if group is not None else ():
        Mg = M[sel]
        with np.errstate(all="ignore"):
            lo, hi = np.fmin.reduce(Mg, axis=0, initial=np.nan), np.fmax.reduce(Mg, axis=0, initial=np.nan)
            const = (seen[sel].sum(axis=0) > 1) & (lo == hi)
        for j in np.flatnonzero(const):
            x = Mg[:, j][~np.isnan(Mg[:, j])]
            problems.append(f"column {ov_names[j]!r} has zero variance in group {label!r} (constant value "
                            f"{x[0]:.6g}); it cannot be analysed")
    listwise = str(missing).lower() == "listwise"
    if p:
        rows = seen.all(axis=1) if listwise else seen.any(axis=1)
        for label, sel in groups:
            n = int((rows & sel).sum())
            if n < p + 1:
                gname = f" in group {label!r}" if group is not None else ""
                problems.append(
                    f"only {n} complete row(s){gname} of {int(sel.sum())} after listwise deletion for {p} observed "
                    f"variables; a covariance matrix of {p} variables needs at least {p + 1} complete rows (use "
                    "missing='fiml' to keep incomplete rows)" if listwise else
                    f"only {n} row(s) with observed values{gname} for {p} observed variables; the saturated (EM) "
                    f"covariance matrix of {p} variables needs at least {p + 1} rows")
    if problems:
        raise DataError("cannot use the data:\n  - " + "\n  - ".join(problems))
    if not p:
        return []
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)          # all-missing columns (skipped below)
        variances = np.nanvar(M, axis=0)
    count = seen.sum(axis=0)
    var = {v: float(variances[j]) for j, v in enumerate(ov_names) if count[j] > 1}
    pos = {v: s for v, s in var.items() if s > 0}
    if len(pos) > 1 and max(pos.values()) > 1000 * min(pos.values()):
        hi, lo = max(pos, key=pos.get), min(pos, key=pos.get)
        return [f"some observed variances are (at least) a factor 1000 times larger than others "
                f"({hi}: {pos[hi]:.4g}, {lo}: {pos[lo]:.4g}); estimation may be unstable: consider rescaling"]
    return []


def check_moments(sample_cov, ov_names) -> None:
    """Raise :class:`DataError` when a given covariance matrix has non-finite entries or
    variances that are not positive or of extreme magnitude (naming the variables); shapes
    and names are checked by :func:`loyaltyscope.cbsem.samplestats.from_moments`."""
    covs = sample_cov if isinstance(sample_cov, (list, tuple)) else [sample_cov]
    problems = []
    for g, S in enumerate(covs):
        names = list(ov_names)
        if isinstance(S, pd.DataFrame):
            if not all(v in S.columns and v in S.index for v in names) or S.columns.duplicated().any():
                continue
            S = S.loc[names, names]
        try:
            M = np.asarray(S, dtype=float)
        except (TypeError, ValueError):
            problems.append(f"sample_cov (group {g + 1}) is not a numeric matrix")
            continue
        if M.ndim != 2 or M.shape != (len(names), len(names)):
            continue
        gname = f" (group {g + 1})" if len(covs) > 1 else ""
        bad = [names[i] for i in range(len(names)) if not np.isfinite(M[i]).all()]
        if bad:
            problems.append(f"sample_cov{gname} has non-finite entries in the rows of {', '.join(bad)}; "
                            "expected finite numbers")
            continue
        var = np.diag(M)
        for i, v in enumerate(names):
            if not var[i] > 0:
                problems.append(f"sample_cov{gname}: the variance of {v!r} is {var[i]:.6g}; expected a positive number")
            elif not MIN_SPREAD ** 2 <= var[i] <= MAX_MAGNITUDE ** 2:
                problems.append(f"sample_cov{gname}: the variance of {v!r} is {var[i]:.3g}, an extreme magnitude "
                                f"(expected between {MIN_SPREAD ** 2:g} and {MAX_MAGNITUDE ** 2:g}): rescale the variable")
    if problems:
        raise DataError("cannot use sample_cov:\n  - " + "\n  - ".join(problems))
