"""The one problem log of :func:`~loyaltyscope.survey.responses.read_responses`.

Every validation stage writes into one :class:`ProblemLog`: cell and row problems as arrays
of source-row positions (so a million invalid cells cost a few array appends, not a million
dicts), column problems as records. :meth:`ProblemLog.frame` turns it into the ``problems``
table (columns :data:`PROBLEM_COLUMNS`), sorted by source row and column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["ProblemLog", "PROBLEM_TYPES", "PROBLEM_COLUMNS", "EXCLUDED_COLUMNS"]

#: Every kind of problem :func:`read_responses` reports (column ``problem`` of ``.problems``).
PROBLEM_TYPES = (
    "out of range",            # a number outside the scale's min..max (or not finite)
    "not a scale value",       # inside min..max but not one of the scale's codes (e.g. 3.5)
    "unknown label",           # text that is no label of the scale (in any language)
    "non-numeric",             # text on a scale without labels, or a date/other object
    "missing column",          # an item (or attention check) of the instrument is not in the file
    "unexpected column",       # a column that is neither item, id, weight, duration nor declared
    "duplicate column",        # two columns with the same (case-insensitive) name
    "exact duplicate row",     # every cell equal to an earlier row
    "duplicate id",            # same respondent id and same answers as an earlier row
    "id collision",            # same respondent id, different answers
    "empty row",               # every cell of the row is empty
    "missing id",              # the respondent id cell is empty
    "wrong number of fields",  # a CSV/XLSX row with more or fewer cells than the header
    "unterminated quote",      # a quote opened in a CSV row and never closed (the rows below are kept)
    "mixed encoding",          # a CSV row with bytes in another encoding than the rest (decoded as cp1252)
    "invalid weight",          # a weight that is not a positive finite number
    "recoded by value labels",  # SPSS/Stata codes differ from the instrument's; recoded by label
)
PROBLEM_COLUMNS = ["row", "respondent", "column", "value", "problem", "expected", "action"]
EXCLUDED_COLUMNS = ["row", "respondent", "reason", "stage"]


def _full(k: int, x) -> np.ndarray:
    return x if isinstance(x, np.ndarray) else np.full(k, x, dtype=object)


class ProblemLog:
    """Problems found while validating one source (see the module docstring)."""

    def __init__(self):
        self._cells: dict[str, list] = {k: [] for k in PROBLEM_COLUMNS}
        self._columns: list[dict] = []

    def add(self, positions, column: str, values, problem, expected, action) -> None:
        """Problems of the rows at ``positions`` (0-based data-row positions); ``values``,
        ``problem``, ``expected`` and ``action`` are one value or one per position."""
        positions = np.asarray(positions, dtype=np.int64)
        k = len(positions)
        if k == 0:
            return
        self._cells["row"].append(positions)
        self._cells["column"].append(_full(k, column))
        for key, v in (("value", values), ("problem", problem), ("expected", expected), ("action", action)):
            self._cells[key].append(_full(k, v))

    def add_column(self, column: str, value, problem: str, expected: str, action: str) -> None:
        """A problem of a whole column (no row)."""
        self._columns.append({"row": pd.NA, "respondent": None, "column": column, "value": value,
                              "problem": problem, "expected": expected, "action": action})

    def frame(self, source_rows: np.ndarray, ids: np.ndarray, id_missing: np.ndarray | None,
              names: list[str]) -> pd.DataFrame:
        """The ``problems`` table: rows as a person finds them (``source_rows``), respondent
        ids (None where the id is missing), column problems first, then by row and column."""
        parts = []
        if self._columns:
            parts.append(pd.DataFrame(self._columns, columns=PROBLEM_COLUMNS))
        if self._cells["row"]:
            pos = np.concatenate(self._cells["row"])
            resp = ids[pos].astype(object) if len(pos) else np.array([], dtype=object)
            if id_missing is not None and len(pos):
                resp = np.where(id_missing[pos], None, resp)
            cell = pd.DataFrame({"row": source_rows[pos], "respondent": resp,
                                 **{k: np.concatenate(self._cells[k]) for k in PROBLEM_COLUMNS[2:]}})
            rank: dict[str, int] = {}
            for t, c in enumerate(names):
                rank.setdefault(c, t)
            col_rank = (np.fromiter((rank.get(c, -1) for c in cell["column"]), dtype=np.int64, count=len(cell))
                        if len(cell) < 200_000 else np.zeros(len(cell), dtype=np.int64))
            order = np.lexsort((col_rank, cell["row"].to_numpy()))
            parts.append(cell.iloc[order].reset_index(drop=True))
        problems = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=PROBLEM_COLUMNS)
        problems["row"] = problems["row"].astype("Int64")
        problems["value"] = problems["value"].astype(object)
        return problems
