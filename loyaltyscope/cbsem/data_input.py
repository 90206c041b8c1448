"""What the fitting functions accept as data, coerced in one place.

``ls.sem``, ``ls.invariance`` and ``ls.reliability`` take ``data`` as

- a pandas DataFrame (used as is);
- a path (``str`` or ``pathlib.Path``) to a data file, read by :func:`read_data_file` — the
  same reader as the ``loyaltyscope sem`` command (.csv/.txt with the delimiter sniffed,
  .tsv, .parquet, .xlsx/.xls, .sav/.zsav, .dta);
- validated survey responses (:class:`loyaltyscope.Responses`): the item data of the kept
  respondents joined with their kept non-item columns (``responses.other``: a grouping
  column, weights, metadata), so nobody has to join them by hand.

:func:`suspicious_codes` finds columns that hold values like -99 / 99 / 999 far outside the
rest of the column — undeclared missing-value codes that would otherwise be analysed as
answers (the CLI says so before fitting; ``--missing-codes`` declares them).

pandas does the reading; this module only dispatches on the extension and turns failures
into :class:`~loyaltyscope.cbsem.samplestats.DataError` messages naming the file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from loyaltyscope.cbsem.samplestats import DataError

__all__ = ["as_data_frame", "read_data_file", "suspicious_codes", "apply_missing_codes"]

READABLE = (".csv", ".txt", ".tsv", ".parquet", ".xlsx", ".xls", ".sav", ".zsav", ".dta")
CODE_CANDIDATES = (-9999, -999, -99, -98, -97, -9, -8, -7, 9, 97, 98, 99, 999, 9999)


def read_data_file(path) -> pd.DataFrame:
    """Read a data file by its extension; a :class:`DataError` names the file and the reason."""
    p = Path(path)
    if not p.exists():
        raise DataError(f"data file {str(p)!r} does not exist")
    ext = p.suffix.lower()
    readers = {".csv": lambda: pd.read_csv(p, sep=None, engine="python"),
               ".txt": lambda: pd.read_csv(p, sep=None, engine="python"),
               ".tsv": lambda: pd.read_csv(p, sep="\t"), ".parquet": lambda: pd.read_parquet(p),
               ".xlsx": lambda: pd.read_excel(p), ".xls": lambda: pd.read_excel(p),
               ".sav": lambda: pd.read_spss(p), ".zsav": lambda: pd.read_spss(p),
               ".dta": lambda: pd.read_stata(p)}
    if ext not in readers:
        raise DataError(f"{str(p)!r}: unknown file type {ext!r}; expected one of {', '.join(READABLE)} "
                        "(or pass a pandas DataFrame)")
    try:
        return readers[ext]()
    except Exception as exc:  # which file and why, not a traceback from deep inside pandas
        raise DataError(f"cannot read {str(p)!r}: {exc}") from None


def as_data_frame(data, what: str = "data"):
    """DataFrame, path or validated Responses -> DataFrame (see the module docstring).

    ``None`` passes through (fits from moments give no data)."""
    if data is None or isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, (str, Path)):
        return read_data_file(data)
    from loyaltyscope.survey.responses import Responses
    if isinstance(data, Responses):
        other = data.other.drop(columns=[c for c in data.other.columns if c in data.data.columns])
        return pd.concat([data.data, other], axis=1)
    raise TypeError(f"{what} must be a pandas DataFrame, a path to a data file ({', '.join(READABLE)}) or "
                    f"validated survey responses (ls.read_responses(...)); got {type(data).__name__}")


def suspicious_codes(df: pd.DataFrame, columns=None) -> list[str]:
    """One message per column whose values include a typical missing-value code (-99, 99, 999,
    ...) lying far outside the rest of the column (more than twice the range of the other
    values beyond them)."""
    out = []
    for c in (columns if columns is not None else df.columns):
        if c not in df.columns:
            continue
        x = pd.to_numeric(df[c], errors="coerce").to_numpy(dtype=float)
        x = x[~np.isnan(x)]
        if x.size < 3:
            continue
        found = []
        for code in CODE_CANDIDATES:
            hit = x == code
            if not hit.any() or hit.all():
                continue
            rest = x[~np.isin(x, CODE_CANDIDATES) | ((x > -7) & (x < 9))]
            if rest.size == 0:
                continue
            span = max(float(rest.max() - rest.min()), 1.0)
            if code > rest.max() + 2 * span or code < rest.min() - 2 * span:
                found.append(f"{code:g} ({int(hit.sum())}x)")
        if found:
            out.append(f"column {c!r} holds {', '.join(found)} far outside its other values "
                       f"({rest.min():g} to {rest.max():g}): probably missing-value codes; declare them "
                       "(CLI: --missing-codes) or they are analysed as answers")
    return out


def apply_missing_codes(df: pd.DataFrame, codes) -> pd.DataFrame:
    """A copy of ``df`` with the given codes (numbers) set to missing in every numeric column."""
    codes = [float(c) for c in codes]
    out = df.copy()
    for c in out.columns:
        if pd.api.types.is_numeric_dtype(out[c]):
            out[c] = out[c].mask(out[c].isin(codes))
    return out
