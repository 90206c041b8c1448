"""Reading and validating survey responses against an instrument.

:func:`read_responses` reads a file (CSV, Qualtrics CSV, XLSX, SPSS, Stata, Parquet) or a
DataFrame, checks every value against its item's scale and returns a frozen
:class:`Responses`: the items as numbers, the log of every problem, and the log of every
excluded row. Every data row of the source ends up in exactly one of ``.data`` and
``.excluded`` (checked on construction).

Validation is vectorised: text answers are interpreted once per distinct value, numeric
columns are checked with NumPy masks, and the problem log is built only from the cells that
fail.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from loyaltyscope.survey.instrument import Instrument, Scale, load_instrument, normalize_label
from loyaltyscope.survey.columns import Column, RawTable
from loyaltyscope.survey.files import QUALTRICS_METADATA, read_table

__all__ = ["Responses", "ValidationError", "read_responses", "PROBLEM_TYPES", "PROBLEM_COLUMNS", "EXCLUDED_COLUMNS"]

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

_OK, _BLANK, _DECLARED, _NONNUM, _UNKNOWN, _OUT, _NOTVAL = range(7)
_STATUS_NAME = {_NONNUM: "non-numeric", _UNKNOWN: "unknown label", _OUT: "out of range", _NOTVAL: "not a scale value"}
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d{1,2}")
_CODE_LABEL = re.compile(r"([+-]?\d+)\s*(?:[-=.:)）、]|\s)\s*(\S.*)")
_ID_CANDIDATES = ("responseid", "respondent_id", "respondentid", "respondent", "response_id",
                  "participant_id", "participant", "case_id", "caseid", "record_id", "_recordid", "id", "uuid")
_QUALTRICS_DURATION = "duration (in seconds)"


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
class Responses:
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
    n_rows : int
        Data rows in the source. Invariant: ``len(data) + len(excluded) == n_rows``.
    source : str
    info : mapping
        What the reader detected (format, encoding, BOM, delimiter, header rows, blank rows
        skipped, id column, declared missing codes found, ...).
    """

    instrument: Instrument
    data: pd.DataFrame
    problems: pd.DataFrame
    excluded: pd.DataFrame
    other: pd.DataFrame
    checks: pd.DataFrame
    weights: pd.Series | None
    rows: pd.Series
    n_rows: int
    source: str
    info: Mapping = field(default_factory=dict)
    id_column: str | None = None
    weight_column: str | None = None
    duration_column: str | None = None

    def __post_init__(self):
        self.check_accounting()

    def check_accounting(self) -> None:
        """Raise ``RuntimeError`` unless every source row is kept or excluded exactly once."""
        if len(self.data) + len(self.excluded) != self.n_rows:
            raise RuntimeError(
                f"row accounting broken for {self.source}: {len(self.data)} kept + "
                f"{len(self.excluded)} excluded != {self.n_rows} rows read"
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

    # -- display ------------------------------------------------------------------------
    def summary(self) -> str:
        """Plain-text account of what was read, kept, excluded and found wrong."""
        i = self.info
        lines = [f"Responses to {self.instrument.name} v{self.instrument.version} from {self.source}"]
        fmt = i.get("format", "?")
        det = []
        for key, lab in (("encoding", "encoding"), ("bom", "BOM"), ("delimiter", "delimiter"), ("sheet", "sheet")):
            if i.get(key) is not None:
                det.append(f"{lab} {i[key]!r}")
        if i.get("header_rows"):
            det.append(f"{i['header_rows']} header row(s)")
        lines.append(f"  format: {fmt}" + (f" ({', '.join(det)})" if det else ""))
        lines.append(f"  row numbers: {i.get('row_numbering', '')}")
        lines.append(f"  respondent id: {self.id_column or 'none (index = source row)'}"
                     + (f"; weights: {self.weight_column}" if self.weight_column else "")
                     + (f"; duration: {self.duration_column}" if self.duration_column else ""))
        lines.append(f"  data rows read: {self.n_rows}   kept: {len(self.data)}   excluded: {len(self.excluded)}")
        if i.get("blank_rows_skipped"):
            lines.append(f"  blank lines skipped (not data rows): {i['blank_rows_skipped']}")
        if len(self.excluded):
            for reason, n in _reason_kinds(self.excluded["reason"]).items():
                lines.append(f"    excluded, {reason}: {n}")
        found = i.get("missing_codes_found") or {}
        if found:
            lines.append("  declared missing codes found: " + ", ".join(f"{k}: {v}" for k, v in found.items()))
        if len(self.problems):
            lines.append(f"  problems: {len(self.problems)}")
            for kind, n in self.problem_counts().items():
                lines.append(f"    {kind}: {n}")
        else:
            lines.append("  problems: none")
        miss = self.data.isna().to_numpy().mean() if self.data.size else 0.0
        lines.append(f"  items: {self.data.shape[1]}; missing cells in kept rows: {miss:.1%}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"<Responses {self.instrument.name}: {len(self.data)} kept, {len(self.excluded)} excluded, "
                f"{len(self.problems)} problems from {self.source}>")

    def _repr_html_(self) -> str:
        e = html.escape
        summ = e(self.summary())
        probs = self.problems.head(20).to_html(index=False, escape=True, na_rep="")
        excl = self.excluded.head(20).to_html(index=False, escape=True, na_rep="")
        return (f"<div><pre>{summ}</pre><details><summary>problems (first 20 of {len(self.problems)})</summary>"
                f"{probs}</details><details><summary>excluded (first 20 of {len(self.excluded)})</summary>"
                f"{excl}</details></div>")


def _reason_kinds(reasons: pd.Series) -> pd.Series:
    return reasons.astype(str).str.split(":", n=1).str[0].value_counts()


# --------------------------------------------------------------------------- helpers


def _norm_name(s: str) -> str:
    return "".join(unicodedata.normalize("NFKC", str(s)).casefold().split())


def _fmt_code(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


class _ScaleCheck:
    """Everything needed to check one scale's answers, built once per scale."""

    def __init__(self, scale: Scale, declared: np.ndarray, missing_labels: dict[str, float], missing_desc: str):
        self.scale = scale
        self.values = np.asarray(scale.values, dtype=np.float64)
        self.lo, self.hi = float(scale.min), float(scale.max)
        self.contiguous = len(scale.values) == scale.max - scale.min + 1
        self.labels = scale.label_codes()
        self.has_labels = bool(scale.labels)
        self.declared = declared
        self.missing_labels = missing_labels
        miss = f"; or a missing code ({missing_desc})" if missing_desc else ""
        self.expected = f"a code of scale {scale.id}: {scale.describe()}{miss}"
        if self.has_labels:
            self.expected_text = f"a label of scale {scale.id} ({self._label_list()}) or a code {scale.describe()}{miss}"
        else:
            self.expected_text = f"a number, {scale.describe()}{miss}"

    def _label_list(self) -> str:
        labs = [t for texts in self.scale.labels.values() for t in texts.values()]
        return ", ".join(labs[:14]) + (", ..." if len(labs) > 14 else "")

    def classify(self, u: Any) -> tuple[float, int]:
        """Interpret one distinct raw value: (number or NaN, status)."""
        if u is None:
            return np.nan, _BLANK
        if isinstance(u, (bool, np.bool_)):
            u = "true" if u else "false"
        elif isinstance(u, (int, float, np.integer, np.floating)):
            f = float(u)
            return (np.nan, _BLANK) if np.isnan(f) else (f, _OK)
        elif not isinstance(u, str):
            try:
                import decimal

                if isinstance(u, decimal.Decimal):
                    return float(u), _OK
            except Exception:  # pragma: no cover
                pass
            return np.nan, _NONNUM
        s = unicodedata.normalize("NFKC", u).strip().replace("\u2212", "-")
        if not s:
            return np.nan, _BLANK
        if _NUMBER.fullmatch(s):
            return float(s), _OK
        if _DECIMAL_COMMA.fullmatch(s):
            return float(s.replace(",", ".")), _OK
        key = normalize_label(s)
        if key in ("nan", "na", "n/a", "null", "none", "#n/a", "."):
            return np.nan, _BLANK
        if key in self.labels:
            return float(self.labels[key]), _OK
        if key in self.missing_labels:
            return np.nan, _DECLARED
        m = _CODE_LABEL.fullmatch(s)
        if m:
            code, lab = float(m.group(1)), normalize_label(m.group(2))
            if self.labels.get(lab) == code:
                return code, _OK
            if self.missing_labels.get(lab) == code:
                return np.nan, _DECLARED
        # words on a labelled scale: an unknown label; anything else (a malformed number
        # such as "3..5" or "4/5", a symbol) is non-numeric
        wordy = any(ch.isalpha() for ch in s)
        return np.nan, (_UNKNOWN if (self.has_labels and wordy) else _NONNUM)


def _check_column(col: Column, chk: _ScaleCheck, extra_declared: list[tuple[float, float]],
                  recode: dict[float, float] | None, out: np.ndarray):
    """Validate one item column, writing its values into ``out`` (NaN for anything that is
    not a valid answer).

    Whole-column work is a few NumPy comparisons; only the cells that fail them (empty,
    declared missing, invalid — normally few) are looked at further.

    Returns (bad indices, their status codes, per-code counts of declared missing values).
    """
    counts: dict[str, int] = {}
    text_bad = text_st = None
    integral = False
    if col.is_text:
        uv = np.empty(len(col.uniques) + 1)
        us = np.empty(len(col.uniques) + 1, dtype=np.int8)
        for k, u in enumerate(col.uniques):
            uv[k], us[k] = chk.classify(u)
        uv[-1], us[-1] = np.nan, _BLANK
        np.take(uv, col.codes, out=out)
        if (us >= _NONNUM).any() or (us == _DECLARED).any():
            st = us[col.codes]
            text_bad = np.flatnonzero(st >= _NONNUM)
            text_st = st[text_bad]
            n_decl = int(np.count_nonzero(st == _DECLARED))
            if n_decl:
                counts["missing labels"] = n_decl
    else:
        col.fill_float(out)
        integral = col.integral
    if recode:
        src = out.copy()
        for a, b in recode.items():
            out[src == a] = b
    with np.errstate(invalid="ignore"):
        cand = ~((out >= chk.lo) & (out <= chk.hi))  # NaN is a candidate too
        if not integral:
            cand |= np.mod(out, 1.0) != 0
        if not chk.contiguous:
            cand |= ~np.isin(out, chk.values)
        inside = [(lo, hi) for lo, hi in extra_declared if hi >= chk.lo and lo <= chk.hi]
        for lo, hi in inside:
            cand |= (out >= lo) & (out <= hi)
    idx = np.flatnonzero(cand)
    v = out[idx]
    isnan = np.isnan(v)
    st = np.full(len(idx), _OK, dtype=np.int8)
    st[isnan] = _BLANK
    live = ~isnan
    for code in chk.declared:
        m = live & (v == code)
        c = int(np.count_nonzero(m))
        if c:
            counts[_fmt_code(code)] = counts.get(_fmt_code(code), 0) + c
            st[m] = _DECLARED
            live &= ~m
    for lo, hi in extra_declared:
        m = live & (v >= lo) & (v <= hi)
        c = int(np.count_nonzero(m))
        if c:
            key = _fmt_code(lo) if lo == hi else f"{_fmt_code(lo)}..{_fmt_code(hi)}"
            counts[key] = counts.get(key, 0) + c
            st[m] = _DECLARED
            live &= ~m
    with np.errstate(invalid="ignore"):
        inrange = (v >= chk.lo) & (v <= chk.hi)
        valid = inrange & ((np.mod(v, 1.0) == 0) if chk.contiguous else np.isin(v, chk.values))
    st[live & ~inrange] = _OUT
    st[live & inrange & ~valid] = _NOTVAL
    out[idx[st != _OK]] = np.nan
    sel = st >= _NONNUM
    bad_idx, bad_st = idx[sel], st[sel]
    if text_bad is not None and len(text_bad):
        bad_idx = np.concatenate([bad_idx, text_bad])
        bad_st = np.concatenate([bad_st, text_st])
        order = np.argsort(bad_idx, kind="stable")
        bad_idx, bad_st = bad_idx[order], bad_st[order]
    return bad_idx, bad_st, counts


def _value_label_recode(labels: dict, chk: _ScaleCheck) -> dict[float, float]:
    """File code -> instrument code for codes whose label names a different instrument code."""
    out = {}
    for code, lab in labels.items():
        try:
            c = float(code)
        except (TypeError, ValueError):
            continue
        key = normalize_label(lab)
        if key in chk.labels and float(chk.labels[key]) != c:
            out[c] = float(chk.labels[key])
    return out


def _parse_missing_codes(missing_codes) -> tuple[list[float], list[str], dict[str, list]]:
    """(numeric codes for all columns, text markers for all columns, per-column codes)."""
    nums, texts, per_col = [], [], {}
    if missing_codes is None:
        return nums, texts, per_col
    if isinstance(missing_codes, Mapping):
        for colname, codes in missing_codes.items():
            codes = [codes] if isinstance(codes, (str, int, float)) else list(codes)
            per_col[str(colname)] = codes
        return nums, texts, per_col
    if isinstance(missing_codes, (str, int, float)):
        missing_codes = [missing_codes]
    for c in missing_codes:
        if isinstance(c, str):
            s = c.strip()
            if _NUMBER.fullmatch(s):
                nums.append(float(s))
            else:
                texts.append(normalize_label(s))
        elif isinstance(c, (int, float, np.integer, np.floating)) and not isinstance(c, bool):
            nums.append(float(c))
        else:
            raise TypeError(f"missing_codes: {c!r} is neither a number nor a text marker")
    return nums, texts, per_col


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
    expect = {_norm_name(i) for i in (*inst.item_ids, *inst.check_ids, *(columns or {}))}
    raw, label = read_table(source, sheet=sheet, expect=expect)
    return _validate_table(raw, inst, label, id_column=id_column, missing_codes=missing_codes,
                           strict=strict, columns=columns, weight_column=weight_column,
                           duration_column=duration_column, other_columns=other_columns)


def _validate_table(raw: RawTable, inst: Instrument, label: str, *, id_column, missing_codes, strict,
                    columns, weight_column, duration_column, other_columns) -> Responses:
    n = raw.n_rows
    info = dict(raw.info)
    names = [columns.get(nm, nm) if columns else nm for nm in raw.names]
    if columns:
        unknown = [k for k in columns if k not in raw.names]
        if unknown:
            raise ValueError(f"{label}: columns= renames {unknown}, which are not columns of the source "
                             f"(columns: {raw.names[:30]})")

    # problem log pieces: lists of equal-length arrays
    P: dict[str, list] = {k: [] for k in PROBLEM_COLUMNS}

    def log(rows_idx, column, values, problem, expected, action):
        k = len(rows_idx)
        if k == 0:
            return
        P["row"].append(raw.rows[rows_idx] if rows_idx is not None else None)
        P["respondent"].append(rows_idx)  # resolved to ids later
        P["column"].append(np.full(k, column, dtype=object))
        P["value"].append(values if isinstance(values, np.ndarray) else np.full(k, values, dtype=object))
        P["problem"].append(np.full(k, problem, dtype=object) if isinstance(problem, str) else problem)
        P["expected"].append(np.full(k, expected, dtype=object) if isinstance(expected, str) else expected)
        P["action"].append(np.full(k, action, dtype=object) if isinstance(action, str) else action)

    col_problems = []  # column-level problems (no row)

    def log_col(column, value, problem, expected, action):
        col_problems.append({"row": pd.NA, "respondent": None, "column": column, "value": value,
                             "problem": problem, "expected": expected, "action": action})

    # ---- column matching -----------------------------------------------------------
    exact = {}
    normd = {}
    for j, nm in enumerate(names):
        if nm in exact:
            continue
        exact[nm] = j
    used: dict[int, str] = {}
    dup_of: dict[int, int] = {}
    by_norm: dict[str, int] = {}
    for j, nm in enumerate(names):
        key = _norm_name(nm)
        if key and key in by_norm:
            dup_of[j] = by_norm[key]
        else:
            by_norm.setdefault(key, j)
        normd.setdefault(key, j)

    def find(name: str) -> int | None:
        j = exact.get(name)
        if j is None:
            j = by_norm.get(_norm_name(name))
        return j

    item_pos: dict[str, int | None] = {}
    for iid in inst.item_ids:
        j = find(iid)
        item_pos[iid] = j
        if j is not None:
            used[j] = "item"
    check_pos: dict[str, int | None] = {}
    for cid in inst.check_ids:
        j = find(cid)
        check_pos[cid] = j
        if j is not None:
            used[j] = "check"
    if not any(j is not None for j in item_pos.values()):
        problems = pd.DataFrame([{"row": pd.NA, "respondent": None, "column": iid, "value": "",
                                  "problem": "missing column", "expected": f"an item of {inst.name}",
                                  "action": "none"} for iid in inst.item_ids], columns=PROBLEM_COLUMNS)
        raise ValidationError(
            f"{label}: none of the {len(inst.item_ids)} items of instrument {inst.name!r} "
            f"({', '.join(inst.item_ids[:8])}{', ...' if len(inst.item_ids) > 8 else ''}) is a column of the source; "
            f"its columns are: {', '.join(map(repr, names[:20]))}{', ...' if len(names) > 20 else ''}. "
            "Wrong instrument or file? (columns= renames source columns)", problems, label)

    # id column
    qualtrics = bool(info.get("qualtrics"))
    id_pos = None
    if id_column is not None:
        id_pos = find(id_column)
        if id_pos is None:
            raise ValueError(f"{label}: id_column {id_column!r} is not a column of the source "
                             f"(columns: {', '.join(map(repr, names[:30]))})")
        if used.get(id_pos):
            raise ValueError(f"{label}: id_column {id_column!r} is an item of the instrument")
    else:
        for cand in _ID_CANDIDATES:
            j = by_norm.get(cand)
            if j is not None and j not in used:
                id_pos = j
                info["id_column_detected"] = names[j]
                break
    if id_pos is not None:
        used[id_pos] = "id"
    w_pos = None
    if weight_column is not None:
        w_pos = find(weight_column)
        if w_pos is None:
            raise ValueError(f"{label}: weight_column {weight_column!r} is not a column of the source")
        used[w_pos] = "weight"
    d_pos = None
    if duration_column is not None:
        d_pos = find(duration_column)
        if d_pos is None:
            raise ValueError(f"{label}: duration_column {duration_column!r} is not a column of the source")
    else:
        d_pos = by_norm.get(_norm_name("Duration (in seconds)"))
    if d_pos is not None:
        used.setdefault(d_pos, "duration")
    for oc in other_columns:
        j = find(oc)
        if j is not None:
            used.setdefault(j, "other")

    for iid, j in item_pos.items():
        if j is None:
            log_col(iid, "", "missing column",
                    f"a column {iid!r} ({inst.scale_of(iid).describe()})",
                    "item set to missing for every respondent")
    for cid, j in check_pos.items():
        if j is None:
            log_col(cid, "", "missing column", f"attention-check column {cid!r}",
                    "attention check not available")
    other_pos = []
    empty_unnamed = 0
    for j, nm in enumerate(names):
        if j in dup_of and used.get(j) is None:
            log_col(nm, "", "duplicate column", "column names that differ (ignoring case and spaces)",
                    f"ignored; source column {dup_of[j] + 1} of the same name is used")
            continue
        if j in used and used[j] not in ("duration", "other"):
            continue
        col = raw.columns[j]
        if not nm and n and col.null_mask().all():
            empty_unnamed += 1
            continue
        other_pos.append(j)
        if used.get(j) in ("duration", "other"):
            continue
        if qualtrics and (nm.casefold() in QUALTRICS_METADATA):
            continue
        shown = nm if nm else f"(unnamed column {j + 1})"
        log_col(shown, "", "unexpected column",
                f"an item of {inst.name}, the id, weight or duration column, or one listed in other_columns",
                "kept in .other, not checked")
    if empty_unnamed:
        info["empty_unnamed_columns_ignored"] = empty_unnamed

    # ---- declared missing codes ----------------------------------------------------
    g_nums, g_texts, per_col = _parse_missing_codes(missing_codes)
    inst_codes = [float(c) for c in inst.missing_codes]
    missing_labels = {}
    for code, texts in inst.missing_codes.items():
        for t in texts.values():
            missing_labels[normalize_label(t)] = float(code)
    for t in g_texts:
        missing_labels[t] = np.nan
    for colname in per_col:
        if colname not in raw.names and find(colname) is None:
            raise ValueError(f"{label}: missing_codes names column {colname!r}, which is not in the source")
    checks_cache: dict[tuple, _ScaleCheck] = {}

    def checker(item_id: str, colname: str) -> _ScaleCheck:
        scale = inst.scale_of(item_id)
        extra = list(g_nums)
        extra_texts = {}
        for c in per_col.get(colname, []) + per_col.get(item_id, []):
            if isinstance(c, str) and not _NUMBER.fullmatch(c.strip()):
                extra_texts[normalize_label(c)] = np.nan
            else:
                extra.append(float(c))
        for c in extra:
            if c in scale.values:
                raise ValueError(
                    f"{label}: missing code {_fmt_code(c)} is a valid answer of item {item_id!r} "
                    f"(scale {scale.id}: {scale.describe()}); it cannot also mean 'missing'")
        declared = np.array(sorted(set(inst_codes + extra)), dtype=np.float64)
        key = (scale.id, tuple(declared), tuple(sorted(extra_texts)))
        if key not in checks_cache:
            desc = ", ".join(_fmt_code(c) for c in declared)
            ml = {**missing_labels, **extra_texts}
            checks_cache[key] = _ScaleCheck(scale, declared, ml, desc)
        return checks_cache[key]

    # ---- respondent ids ---------------------------------------------------------------
    excl_reason = np.zeros(n, dtype=np.int8)  # 0 kept; codes below
    EMPTY, NOID, EXACT, DUPID, COLLIDE, NOANSWER = 1, 2, 3, 4, 5, 6
    excl_detail: dict[int, str] = {}
    if id_pos is not None:
        idcol = raw.columns[id_pos]
        id_missing = idcol.null_mask().copy()
        if idcol.is_text:
            objs = idcol.as_objects()
            as_num = pd.to_numeric(pd.Series(objs, dtype=object), errors="coerce").to_numpy(dtype=np.float64)
            ok = ~id_missing
            if ok.any() and np.all(np.isfinite(as_num[ok])) and np.all(np.mod(as_num[ok], 1) == 0):
                ids = np.where(ok, as_num, -1).astype(np.int64)
            else:
                ids = np.array([None if x is None else str(x) for x in objs], dtype=object)
        else:
            v = idcol.values
            if v.dtype.kind == "f":
                ok = ~np.isnan(v)
                if np.all(np.mod(v[ok], 1) == 0):
                    ids = np.where(ok, v, -1).astype(np.int64)
                else:
                    ids = v.astype(object)
            else:
                ids = v
        id_name = names[id_pos]
    else:
        ids = raw.rows.copy()
        id_missing = np.zeros(n, dtype=bool)
        id_name = "row"

    # ---- empty rows -------------------------------------------------------------------
    all_null = np.ones(n, dtype=bool)
    for col in raw.columns:
        if not all_null.any():
            break
        all_null &= col.null_mask()
    if all_null.any():
        idx = np.flatnonzero(all_null)
        excl_reason[idx] = EMPTY
        log(idx, "", "", "empty row", "at least one answer", "row excluded")
    idx = np.flatnonzero(id_missing & ~all_null)
    if len(idx):
        excl_reason[idx] = NOID
        log(idx, id_name, "", "missing id", f"a respondent id in column {id_name!r}", "row excluded")

    # reader notes (ragged rows)
    for rec_idx, problem, value, action in raw.row_notes:
        log(np.array([rec_idx]), "", value, problem, "as many cells as header columns", action)

    # ---- items ------------------------------------------------------------------------
    k_items = len(inst.item_ids)
    M = _matrix(n, k_items)  # every column is written below
    missing_found: dict[str, int] = {}
    text_answers = 0

    def validate_into(target: np.ndarray, j_target: int, item_id: str, j: int):
        nonlocal text_answers
        col = raw.columns[j]
        colname = raw.names[j]
        chk = checker(item_id, colname)
        extra_decl = [(float(lo), float(hi)) for lo, hi in raw.user_missing.get(colname, [])]
        recode = None
        if colname in raw.value_labels and not col.is_text:
            recode = _value_label_recode(raw.value_labels[colname], chk)
            if recode:
                log_col(names[j], ", ".join(f"{_fmt_code(a)}→{_fmt_code(b)}" for a, b in recode.items()),
                        "recoded by value labels",
                        f"file codes with the instrument's labels ({chk.scale.describe()})",
                        "recoded through the file's value labels")
        bad, st, counts = _check_column(col, chk, extra_decl, recode, target[:, j_target])
        for key, c in counts.items():
            missing_found[key] = missing_found.get(key, 0) + c
        if col.is_text:
            text_answers += 1
        if len(bad):
            texts = col.cell_text(bad)
            problem = np.array([_STATUS_NAME[s] for s in st.tolist()], dtype=object)
            expected = np.where(np.isin(st, (_UNKNOWN, _NONNUM)), chk.expected_text, chk.expected).astype(object)
            log(bad, names[j], texts, problem, expected, "set to missing")

    for t, iid in enumerate(inst.item_ids):
        j = item_pos[iid]
        if j is not None:
            validate_into(M, t, iid, j)
        else:
            M[:, t] = np.nan
    C = np.full((n, len(inst.check_ids)), np.nan, order="F")
    for t, cid in enumerate(inst.check_ids):
        j = check_pos[cid]
        if j is not None:
            validate_into(C, t, cid, j)

    # ---- duplicates --------------------------------------------------------------------
    active = excl_reason == 0
    only_items = all(used.get(j) in ("item", "check") for j in range(len(names))) and not other_pos

    def full_keys(idx: np.ndarray) -> np.ndarray:
        return np.stack([c.key_at(idx) for c in raw.columns], axis=1) if raw.columns else np.zeros((len(idx), 0), np.uint64)

    item_col = {j: t for t, iid in enumerate(inst.item_ids) if (j := item_pos[iid]) is not None}
    check_col = {j: t for t, cid in enumerate(inst.check_ids) if (j := check_pos[cid]) is not None}

    def hash_key(j: int) -> np.ndarray:
        """Cheap per-cell key for hashing rows: the validated value for items and checks
        (equal cells give equal values), the raw cell for other columns. Candidates are
        then compared exactly with :func:`full_keys`."""
        if j in item_col:
            return M[:, item_col[j]].view(np.uint64)
        if j in check_col:
            return C[:, check_col[j]].view(np.uint64)
        return raw.columns[j].key()

    def answer_keys(idx: np.ndarray) -> np.ndarray:
        A = np.concatenate([M[idx], C[idx]], axis=1)
        return np.where(np.isnan(A), np.inf, A)

    if id_pos is not None:
        if ids.dtype.kind in "iu" and len(ids) > 1 and np.all(np.diff(ids) > 0):
            cand = np.zeros(0, dtype=np.int64)  # strictly increasing ids: all distinct
        else:
            act_idx = np.flatnonzero(active)
            dmask = pd.Series(ids[act_idx]).duplicated(keep=False).to_numpy()
            cand = act_idx[dmask]
        if len(cand):
            FK = full_keys(cand)
            AK = answer_keys(cand)
            pos_of = {r: t for t, r in enumerate(cand.tolist())}
            groups: dict[Any, list[int]] = {}
            for r in cand.tolist():
                groups.setdefault(ids[r], []).append(r)
            for gid, g in groups.items():
                distinct: list[int] = []
                for r in g:
                    twin = next((q for q in distinct if np.array_equal(FK[pos_of[q]], FK[pos_of[r]])), None)
                    if twin is not None:
                        excl_reason[r] = EXACT
                        excl_detail[r] = f"exact duplicate row: copy of row {raw.rows[twin]}"
                        log(np.array([r]), "", "", "exact duplicate row", "each row once",
                            f"row excluded (copy of row {raw.rows[twin]})")
                    else:
                        distinct.append(r)
                if len(distinct) < 2:
                    continue
                first = distinct[0]
                same = all(np.array_equal(AK[pos_of[first]], AK[pos_of[r]]) for r in distinct[1:])
                if same:
                    for r in distinct[1:]:
                        excl_reason[r] = DUPID
                        excl_detail[r] = f"duplicate id: {gid!s} with the same answers as row {raw.rows[first]}"
                        log(np.array([r]), id_name, str(gid), "duplicate id", "a respondent id used once",
                            f"row excluded (same answers as row {raw.rows[first]})")
                else:
                    rows_txt = ", ".join(str(raw.rows[r]) for r in distinct)
                    for r in distinct:
                        excl_reason[r] = COLLIDE
                        excl_detail[r] = f"id collision: {gid!s} in rows {rows_txt} with different answers"
                        log(np.array([r]), id_name, str(gid), "id collision",
                            "a respondent id used once",
                            f"row excluded (rows {rows_txt} share this id with different answers)")
    elif n > 1 and raw.columns:
        act_idx = np.flatnonzero(active)
        every = len(act_idx) == n
        h = np.full(len(act_idx), np.uint64(14695981039346656037))
        prime = np.uint64(1099511628211)
        for j in range(len(raw.columns)):
            kj = hash_key(j)
            h ^= kj if every else kj[act_idx]
            h *= prime
            h ^= h >> np.uint64(29)
        dmask = pd.Series(h).duplicated(keep=False).to_numpy()
        cand = act_idx[dmask]
        if len(cand):
            FK = full_keys(cand)
            _, first_pos, inv = np.unique(FK, axis=0, return_index=True, return_inverse=True)
            inv = inv.ravel()
            for t, r in enumerate(cand.tolist()):
                f = cand[first_pos[inv[t]]]
                if f == r:
                    continue
                if only_items:
                    log(np.array([r]), "", "", "exact duplicate row", "each row once",
                        f"kept: copy of row {raw.rows[f]}, but with no id or other column identical "
                        "answer patterns may be different people")
                else:
                    excl_reason[r] = EXACT
                    excl_detail[r] = f"exact duplicate row: copy of row {raw.rows[f]}"
                    log(np.array([r]), "", "", "exact duplicate row", "each row once",
                        f"row excluded (copy of row {raw.rows[f]})")

    # ---- rows without any valid answer -------------------------------------------------
    active = excl_reason == 0
    if k_items:
        answered = (~np.isnan(M)).any(axis=1)
        noans = active & ~answered
        excl_reason[noans] = NOANSWER

    # ---- weights ------------------------------------------------------------------------
    weights_all = None
    if w_pos is not None:
        wc = raw.columns[w_pos]
        if wc.is_text:
            objs = wc.as_objects()
            wv = pd.to_numeric(pd.Series(objs, dtype=object), errors="coerce").to_numpy(dtype=np.float64)
        else:
            wv = wc.values.astype(np.float64)
        with np.errstate(invalid="ignore"):
            badw = ~(np.isfinite(wv) & (wv > 0))
        if badw.any():
            bi = np.flatnonzero(badw & (excl_reason != EMPTY))
            log(bi, names[w_pos], wc.cell_text(bi), "invalid weight", "a positive finite number", "weight set to missing")
            wv = np.where(badw, np.nan, wv)
        weights_all = wv

    # ---- assemble ------------------------------------------------------------------------
    keep = excl_reason == 0
    all_kept = bool(keep.all())
    kidx = np.flatnonzero(keep)
    index = pd.Index(ids if all_kept else ids[kidx], name=id_name)
    if not all_kept:
        M = np.take(M, kidx, axis=0, out=_matrix(len(kidx), k_items))
    data = pd.DataFrame(M, index=index, columns=list(inst.item_ids), copy=False)
    checks = pd.DataFrame(C if all_kept else C[kidx], index=index, columns=list(inst.check_ids))
    other = pd.DataFrame(
        {names[j] if names[j] else f"(unnamed column {j + 1})": raw.columns[j].as_series().to_numpy()[kidx]
         for j in other_pos},
        index=index,
    ) if other_pos else pd.DataFrame(index=index)
    weights = None
    if weights_all is not None:
        weights = pd.Series(weights_all[kidx], index=index, name=names[w_pos])
    rows = pd.Series(raw.rows[kidx], index=index, name="row")

    eidx = np.flatnonzero(~keep)
    reason_text = {EMPTY: "empty row", NOID: "missing id",
                   NOANSWER: "no item answered: every item blank, a missing code or invalid"}
    excluded = pd.DataFrame({
        "row": raw.rows[eidx],
        "respondent": np.array([None if (id_pos is not None and id_missing[r]) else ids[r] for r in eidx.tolist()], dtype=object)
        if len(eidx) else np.array([], dtype=object),
        "reason": np.array([excl_detail.get(r) or reason_text[excl_reason[r]] for r in eidx.tolist()], dtype=object)
        if len(eidx) else np.array([], dtype=object),
        "stage": "reading",
    }, columns=EXCLUDED_COLUMNS)

    # problems frame
    parts = []
    if col_problems:
        parts.append(pd.DataFrame(col_problems, columns=PROBLEM_COLUMNS))
    if P["row"]:
        ridx = np.concatenate(P["respondent"])
        resp = ids[ridx].astype(object) if len(ridx) else np.array([], dtype=object)
        if id_pos is not None and len(ridx):
            resp = np.where(id_missing[ridx], None, resp)
        cell = pd.DataFrame({
            "row": np.concatenate(P["row"]),
            "respondent": resp,
            "column": np.concatenate(P["column"]),
            "value": np.concatenate(P["value"]),
            "problem": np.concatenate(P["problem"]),
            "expected": np.concatenate(P["expected"]),
            "action": np.concatenate(P["action"]),
        })
        order = np.lexsort((np.asarray([_col_rank(c, names) for c in cell["column"]], dtype=np.int64)
                            if len(cell) < 200_000 else np.zeros(len(cell), dtype=np.int64),
                            cell["row"].to_numpy()))
        parts.append(cell.iloc[order].reset_index(drop=True))
    problems = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=PROBLEM_COLUMNS)
    problems["row"] = problems["row"].astype("Int64")
    problems["value"] = problems["value"].astype(object)

    info.update({
        "id_column": names[id_pos] if id_pos is not None else None,
        "missing_codes_found": missing_found,
        "text_item_columns": text_answers,
    })
    if strict and len(problems):
        raise ValidationError(_strict_message(label, problems), problems, label)
    return Responses(
        instrument=inst, data=data, problems=problems, excluded=excluded, other=other, checks=checks,
        weights=weights, rows=rows, n_rows=n, source=label, info=MappingProxyType(info),
        id_column=names[id_pos] if id_pos is not None else None,
        weight_column=names[w_pos] if w_pos is not None else None,
        duration_column=(names[d_pos] or f"(unnamed column {d_pos + 1})") if d_pos is not None else None,
    )


def _matrix(n: int, k: int) -> np.ndarray:
    """An uninitialised n x k float64 matrix in column-major order.

    Large matrices come from pyarrow's memory pool (mimalloc), which reuses memory between
    reads instead of returning it to the system and faulting it in again; the array keeps the
    buffer alive.
    """
    if n * k < 1 << 16:
        return np.empty((n, k), order="F")
    import pyarrow as pa

    buf = pa.allocate_buffer(n * k * 8)
    return np.frombuffer(buf, dtype=np.float64).reshape((k, n)).T


def _col_rank(c, names):
    try:
        return names.index(c)
    except ValueError:
        return -1


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
