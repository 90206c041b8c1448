"""Reading and validating survey responses against an instrument.

:func:`read_responses` reads a file (CSV, Qualtrics CSV, XLSX, SPSS, Stata, Parquet) or a
DataFrame, checks every value against its item's scale and returns a frozen
:class:`Responses`: the items as numbers, the log of every problem, and the log of every
excluded row. Every data row of the source ends up in exactly one of ``.data`` and
``.excluded`` (checked on construction).

Validation runs in named stages (:mod:`loyaltyscope.survey.validation`) into one problem log
(:mod:`loyaltyscope.survey.problem_log`); files are read by :mod:`loyaltyscope.survey.files`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from loyaltyscope.numerics.display import ResultProtocol, frame_html, para_html
from loyaltyscope.survey.files import read_table
from loyaltyscope.survey.instrument import Instrument, load_instrument
from loyaltyscope.survey.problem_log import EXCLUDED_COLUMNS, PROBLEM_COLUMNS, PROBLEM_TYPES
from loyaltyscope.survey.validation import norm_name, validate_table

__all__ = ["Responses", "ValidationError", "read_responses", "PROBLEM_TYPES", "PROBLEM_COLUMNS", "EXCLUDED_COLUMNS"]


class ValidationError(ValueError):
    """Raised by ``read_responses(..., strict=True)`` when anything is wrong.

    Attributes
    ----------
    problems : pandas.DataFrame
        Every problem found (columns ``row, respondent, column, value, problem, expected,
        action``), not only the first.
    source : str
        The file (or ``DataFrame``) read.
    """

    def __init__(self, message: str, problems: pd.DataFrame, source: str):
        super().__init__(message)
        self.problems = problems
        self.source = source


# --------------------------------------------------------------------------- the result


@dataclass(frozen=True, eq=False)
class Responses(ResultProtocol):
    """Validated answers to an instrument, with the log of every problem and exclusion.

    Attributes
    ----------
    instrument : Instrument
    data : pandas.DataFrame
        One row per kept respondent (index: respondent id, or the source row number when
        there is no id column), one float column per item in questionnaire order; missing
        answers, declared missing codes and invalid values are NaN.
    problems : pandas.DataFrame
        ``row`` (where to find it in the source), ``respondent``, ``column``, ``value`` (as
        read), ``problem`` (one of :data:`PROBLEM_TYPES`), ``expected``, ``action``.
    excluded : pandas.DataFrame
        ``row``, ``respondent``, ``reason``, ``stage`` (``reading`` or ``screening``).
    other : pandas.DataFrame
        Non-item columns of the kept rows (duration, weights, metadata, unexpected columns),
        as read.
    checks : pandas.DataFrame
        Attention-check answers of the kept rows, validated like the items.
    weights : pandas.Series or None
        Survey weights of the kept rows (``weight_column``); invalid weights are NaN.
    rows : pandas.Series
        The source row of every kept respondent.
    n_read : int
        Data rows in the source. Invariant: ``nobs + n_excluded == n_read``.
    nobs, n_excluded : int (properties)
        Respondents kept (rows of ``data``) and rows excluded.
    source : str
    info : mapping
        What the reader detected (format, encoding, BOM, delimiter, header rows, blank rows
        skipped, id column, declared missing codes found, ...).
    warnings : tuple of str
        What the user should know that is not a row's problem (e.g. a file whose name says
        another format than its content).

    Tables (``tables()``, ``to_frame(name)``, ``to_dict()``): ``problems``, ``excluded``.
    """

    instrument: Instrument
    data: pd.DataFrame
    problems: pd.DataFrame
    excluded: pd.DataFrame
    other: pd.DataFrame
    checks: pd.DataFrame
    weights: pd.Series | None
    rows: pd.Series
    n_read: int
    source: str
    info: Mapping = field(default_factory=dict)
    id_column: str | None = None
    weight_column: str | None = None
    duration_column: str | None = None
    warnings: tuple = ()

    title = "Survey responses"

    def __post_init__(self):
        self.check_accounting()

    def check_accounting(self) -> None:
        """Raise ``RuntimeError`` unless every source row is kept or excluded exactly once."""
        if len(self.data) + len(self.excluded) != self.n_read:
            raise RuntimeError(
                f"row accounting broken for {self.source}: {len(self.data)} kept + "
                f"{len(self.excluded)} excluded != {self.n_read} rows read"
            )
        kept = self.rows.to_numpy()
        gone = self.excluded["row"].to_numpy(dtype=np.int64)
        if len(kept) > 1 and not np.all(np.diff(kept) > 0):
            kept = np.sort(kept)
            if not np.all(np.diff(kept) > 0):
                raise RuntimeError(f"row accounting broken for {self.source}: a source row is kept twice")
        if len(np.unique(gone)) != len(gone) or np.isin(gone, kept).any():
            raise RuntimeError(f"row accounting broken for {self.source}: a source row is kept or excluded twice")

    # -- derived views ------------------------------------------------------------------
    @property
    def nobs(self) -> int:
        """Respondents kept."""
        return len(self.data)

    @property
    def n_excluded(self) -> int:
        return len(self.excluded)

    @property
    def items(self) -> tuple[str, ...]:
        return tuple(self.data.columns)

    def construct_data(self, construct: str) -> pd.DataFrame:
        """The items of one construct."""
        return self.data.loc[:, list(self.instrument.items_of(construct))]

    @property
    def duration(self) -> pd.Series | None:
        """Response time in seconds (``duration_column``) of the kept rows, or None."""
        if self.duration_column is None or self.duration_column not in self.other:
            return None
        return pd.to_numeric(self.other[self.duration_column], errors="coerce")

    def problem_counts(self) -> pd.Series:
        return self.problems["problem"].value_counts()

    # -- exclusions after reading ------------------------------------------------------
    def exclude(self, which, reason: str | Iterable[str], stage: str = "screening") -> "Responses":
        """A new :class:`Responses` without some respondents, each logged in ``excluded``.

        Parameters
        ----------
        which : boolean mask aligned with ``data`` (array or Series), or respondent ids
        reason : str, or one reason per excluded respondent
        stage : str
            Recorded in ``excluded.stage``.
        """
        if isinstance(which, pd.Series) and which.dtype == bool:
            mask = which.reindex(self.data.index).fillna(False).to_numpy(dtype=bool)
        else:
            arr = np.asarray(which)
            if arr.dtype == bool:
                if len(arr) != len(self.data):
                    raise ValueError(f"exclusion mask has {len(arr)} entries, data has {len(self.data)} rows")
                mask = arr
            else:
                unknown = [x for x in arr.tolist() if x not in self.data.index]
                if unknown:
                    raise ValueError(f"not respondents of these responses: {unknown[:10]}")
                mask = self.data.index.isin(arr)
        if isinstance(reason, str):
            reasons = [reason] * int(mask.sum())
        else:
            reasons = [r for r, m in zip(reason, mask) if m] if len(list(reason)) == len(mask) else list(reason)
            if len(reasons) != int(mask.sum()):
                raise ValueError("give one reason, or one reason per row of data")
        add = pd.DataFrame({
            "row": self.rows.to_numpy()[mask],
            "respondent": np.asarray(self.data.index, dtype=object)[mask],
            "reason": reasons,
            "stage": stage,
        })
        keep = ~mask
        excluded = pd.concat([self.excluded, add], ignore_index=True) if len(add) else self.excluded
        return replace(
            self,
            data=self.data.loc[keep],
            other=self.other.loc[keep],
            checks=self.checks.loc[keep],
            weights=None if self.weights is None else self.weights.loc[keep],
            rows=self.rows.loc[keep],
            excluded=excluded,
        )

    # -- display (results protocol) -------------------------------------------------------
    def tables(self) -> dict[str, pd.DataFrame]:
        return {"problems": self.problems, "excluded": self.excluded}

    def _headline(self) -> list[str]:
        i = self.info
        lines = [f"Responses to {self.instrument.name} v{self.instrument.version} from {self.source}"]
        det = [f"{lab} {i[key]!r}" for key, lab in (("encoding", "encoding"), ("bom", "BOM"),
                                                     ("delimiter", "delimiter"), ("sheet", "sheet"))
               if i.get(key) is not None]
        if i.get("header_rows"):
            det.append(f"{i['header_rows']} header row(s)")
        lines.append(f"  format: {i.get('format', '?')}" + (f" ({', '.join(det)})" if det else ""))
        lines.append(f"  row numbers: {i.get('row_numbering', '')}")
        lines.append(f"  respondent id: {self.id_column or 'none (index = source row)'}"
                     + (f"; weights: {self.weight_column}" if self.weight_column else "")
                     + (f"; duration: {self.duration_column}" if self.duration_column else ""))
        lines.append(f"  data rows read: {self.n_read}   kept: {self.nobs}   excluded: {self.n_excluded}")
        if i.get("blank_rows_skipped"):
            lines.append(f"  blank lines skipped (not data rows): {i['blank_rows_skipped']}")
        if self.n_excluded:
            lines += [f"    excluded, {reason}: {n}" for reason, n in _reason_kinds(self.excluded["reason"]).items()]
        found = i.get("missing_codes_found") or {}
        if found:
            lines.append("  declared missing codes found: " + ", ".join(f"{k}: {v}" for k, v in found.items()))
        if len(self.problems):
            lines.append(f"  problems: {len(self.problems)}")
            lines += [f"    {kind}: {n}" for kind, n in self.problem_counts().items()]
        else:
            lines.append("  problems: none")
        miss = self.data.isna().to_numpy().mean() if self.data.size else 0.0
        lines.append(f"  items: {self.data.shape[1]}; missing cells in kept rows: {miss:.1%}")
        return lines

    def summary(self, digits: int = 3, max_rows: int = 0) -> str:
        """Plain-text account of what was read, kept, excluded and found wrong; with
        ``max_rows``, the first rows of the problem and exclusion logs too."""
        lines = [self.title, "=" * len(self.title)] + self._headline()
        if max_rows:
            from loyaltyscope.numerics.display import frame_text

            for name, df in self.tables().items():
                if len(df):
                    lines += ["", f"{name} (first {min(max_rows, len(df))} of {len(df)}):",
                              frame_text(df.head(max_rows), digits, index=False)]
        if self.warnings:
            lines += ["", "Warnings:"] + [f"  - {w}" for w in self.warnings]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"<Responses {self.instrument.name}: {self.nobs} kept, {self.n_excluded} excluded, "
                f"{len(self.problems)} problems from {self.source}>")

    def _repr_html_(self) -> str:
        parts = [para_html(self.title, bold=True)] + [para_html(h) for h in self._headline()]
        for name, df in self.tables().items():
            parts.append(frame_html(df.head(20), f"{name} (first {min(20, len(df))} of {len(df)})", index=False))
        parts += [para_html("Warning: " + w) for w in self.warnings]
        return "<div class='loyaltyscope-result'>" + "".join(parts) + "</div>"


def _reason_kinds(reasons: pd.Series) -> pd.Series:
    return reasons.astype(str).str.split(":", n=1).str[0].value_counts()

# --------------------------------------------------------------------------- the reader


def read_responses(
    source,
    instrument,
    id_column: str | None = None,
    missing_codes=None,
    strict: bool = False,
    *,
    columns: Mapping[str, str] | None = None,
    weight_column: str | None = None,
    duration_column: str | None = None,
    other_columns: Iterable[str] = (),
    sheet=None,
    format: str | None = None,
) -> Responses:
    """Read survey answers and check every value against the instrument.

    Parameters
    ----------
    source : path, file object or pandas.DataFrame
        CSV/TSV/semicolon text (encoding, byte-order mark and delimiter detected; Qualtrics
        exports with their question-text and ``ImportId`` header rows recognised), ``.xlsx``,
        SPSS ``.sav`` (value labels and user-missing values honoured), Stata ``.dta``,
        Parquet, or a DataFrame. The format is recognised from the file's first bytes.
    instrument : Instrument or str
        An :class:`~loyaltyscope.survey.instrument.Instrument` or a name/path for
        :func:`~loyaltyscope.survey.instrument.load_instrument`.
    id_column : str, optional
        Column of respondent ids (the index of ``.data``). If omitted, a column named like
        ``ResponseId``, ``respondent_id``, ``respondent``, ``id`` (any case) is used when
        present; otherwise the index is the source row number.
    missing_codes : list or dict, optional
        Extra declared missing codes (numbers, or text such as ``"refused"``), for every item
        (list) or per column (``{column: [codes]}``), on top of the instrument's
        ``missing_codes`` and, for SPSS files, each variable's user-missing values.
        Declared missing values become NaN and are counted in ``info["missing_codes_found"]``,
        not reported as problems. A code that is a valid answer of an item's scale is refused.
    strict : bool
        If True, raise :class:`ValidationError` listing every problem when there is any.
        If False (default), an invalid value becomes missing, a problem row becomes an
        excluded row, and both are logged.
    columns : dict, optional
        Rename source columns before matching, ``{source name: item id}``.
    weight_column, duration_column : str, optional
        Survey weights (kept on ``.weights``) and response time in seconds (used by
        screening); Qualtrics' ``Duration (in seconds)`` is recognised by itself.
    other_columns : list of str
        Further non-item columns that are expected (kept in ``.other``, not reported).
    sheet : str or int, optional
        Worksheet of an XLSX file (default: the first).
    format : {None, "auto", "csv", "xlsx", "sav", "dta", "parquet"}
        The format the file must have. None (default): the one its name says (``.csv``,
        ``.xlsx``, ``.sav``...; a name without a known extension says nothing); a file whose
        content is another format (a workbook saved as ``answers.csv``, a ZIP archive named
        ``.sav``) raises :class:`~loyaltyscope.survey.formats.SurveyFileError` naming the file,
        the format found in its content and what to do. ``"auto"``: read whatever the content
        is (a mismatch with the name is noted on ``.warnings``).

    Returns
    -------
    Responses

    Notes
    -----
    Text answers are matched to the scale labels of every language of the instrument
    ignoring case, width (full-width characters) and whitespace; ``"5 - Like very much"``
    (code and label) is accepted when code and label agree. Source columns are matched to
    item ids exactly, else ignoring case and whitespace.

    Rows are excluded (and logged in ``.excluded``, with the problem in ``.problems``) when
    every cell is empty; when the respondent id is empty; when the row is an exact copy of an
    earlier row (the first copy is kept; without any id or other column, identical answer
    patterns are only reported, not excluded); when a respondent id repeats with the same
    answers (first kept) or with different answers (every row of that id excluded); and when
    no item has a valid answer. Blank lines of a CSV file and empty rows of a sheet are not
    data rows (as in ``pandas.read_csv`` and R's ``read.csv``); their number is in
    ``info["blank_rows_skipped"]``.

    ``row`` in ``.problems`` and ``.excluded`` is the row a person would look up: the
    spreadsheet row for CSV and XLSX (header rows counted, so the first data row of a plain
    CSV is row 2 and of a Qualtrics export row 4), the 1-based record number for SPSS, Stata
    and Parquet, and the 0-based position (``df.iloc[row]``) for a DataFrame.

    Raises
    ------
    ValidationError
        With ``strict=True`` and any problem; or whenever no item of the instrument is found
        in the source (the wrong instrument or file).

    Examples
    --------
    >>> import loyaltyscope as ls
    >>> r = ls.read_responses("survey.csv", "channel_preferences")   # doctest: +SKIP
    >>> r.data.head(); r.problems; r.excluded; print(r.summary())    # doctest: +SKIP
    """
    inst = load_instrument(instrument)
    expect = {norm_name(i) for i in (*inst.item_ids, *inst.check_ids, *(columns or {}))}
    raw, label = read_table(source, sheet=sheet, expect=expect, format=format)
    r = validate_table(raw, inst, label, id_column=id_column, missing_codes=missing_codes, columns=columns,
                       weight_column=weight_column, duration_column=duration_column, other_columns=other_columns)
    if strict and len(r.problems):
        raise ValidationError(_strict_message(label, r.problems), r.problems, label)
    return r


def _strict_message(label: str, problems: pd.DataFrame, limit: int = 25) -> str:
    counts = problems["problem"].value_counts()
    head = f"{label}: {len(problems)} problem(s) — " + ", ".join(f"{k}: {v}" for k, v in counts.items())
    lines = [head]
    for rec in problems.head(limit).itertuples(index=False):
        where = [label]
        if not pd.isna(rec.row):
            where.append(f"row {rec.row}")
        if rec.column:
            where.append(f"column {rec.column!r}")
        val = f"value {rec.value!r}: " if rec.value not in ("", None) else ""
        lines.append(f"  {', '.join(where)}: {val}{rec.problem} — expected {rec.expected}")
    if len(problems) > limit:
        lines.append(f"  ... and {len(problems) - limit} more (see the .problems of this error)")
    return "\n".join(lines)
