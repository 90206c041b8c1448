"""Checking answers against an item's scale, one column at a time.

:class:`ScaleCheck` interprets each *distinct* raw value once (numbers, codes written as
text, labels in any language of the instrument, ``"5 - Like very much"``, declared missing
codes and labels); :func:`check_column` then validates a whole column with a few NumPy masks
and looks further only at the cells that fail them. Missing codes given to
``read_responses`` are parsed by :func:`parse_missing_codes`.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Mapping

import numpy as np

from loyaltyscope.survey.columns import Column
from loyaltyscope.survey.instrument import Scale, normalize_label

__all__ = ["ScaleCheck", "check_column", "value_label_recode", "parse_missing_codes", "fmt_code", "STATUS_NAME",
           "UNKNOWN", "NONNUM", "NUMBER"]

OK, BLANK, DECLARED, NONNUM, UNKNOWN, OUT, NOTVAL = range(7)
STATUS_NAME = {NONNUM: "non-numeric", UNKNOWN: "unknown label", OUT: "out of range", NOTVAL: "not a scale value"}
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d{1,2}")
_CODE_LABEL = re.compile(r"([+-]?\d+)\s*(?:[-=.:)）、]|\s)\s*(\S.*)")


def fmt_code(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


class ScaleCheck:
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
            return np.nan, BLANK
        if isinstance(u, (bool, np.bool_)):
            u = "true" if u else "false"
        elif isinstance(u, (int, float, np.integer, np.floating)):
            f = float(u)
            return (np.nan, BLANK) if np.isnan(f) else (f, OK)
        elif not isinstance(u, str):
            try:
                import decimal

                if isinstance(u, decimal.Decimal):
                    return float(u), OK
            except Exception:  # pragma: no cover
                pass
            return np.nan, NONNUM
        s = unicodedata.normalize("NFKC", u).strip().replace("\u2212", "-")
        if not s:
            return np.nan, BLANK
        if NUMBER.fullmatch(s):
            return float(s), OK
        if _DECIMAL_COMMA.fullmatch(s):
            return float(s.replace(",", ".")), OK
        key = normalize_label(s)
        if key in ("nan", "na", "n/a", "null", "none", "#n/a", "."):
            return np.nan, BLANK
        if key in self.labels:
            return float(self.labels[key]), OK
        if key in self.missing_labels:
            return np.nan, DECLARED
        m = _CODE_LABEL.fullmatch(s)
        if m:
            code, lab = float(m.group(1)), normalize_label(m.group(2))
            if self.labels.get(lab) == code:
                return code, OK
            if self.missing_labels.get(lab) == code:
                return np.nan, DECLARED
        # words on a labelled scale: an unknown label; anything else (a malformed number
        # such as "3..5" or "4/5", a symbol) is non-numeric
        wordy = any(ch.isalpha() for ch in s)
        return np.nan, (UNKNOWN if (self.has_labels and wordy) else NONNUM)


def check_column(col: Column, chk: ScaleCheck, extra_declared: list[tuple[float, float]],
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
        uv[-1], us[-1] = np.nan, BLANK
        np.take(uv, col.codes, out=out)
        if (us >= NONNUM).any() or (us == DECLARED).any():
            st = us[col.codes]
            text_bad = np.flatnonzero(st >= NONNUM)
            text_st = st[text_bad]
            n_decl = int(np.count_nonzero(st == DECLARED))
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
    st = np.full(len(idx), OK, dtype=np.int8)
    st[isnan] = BLANK
    live = ~isnan
    for code in chk.declared:
        m = live & (v == code)
        c = int(np.count_nonzero(m))
        if c:
            counts[fmt_code(code)] = counts.get(fmt_code(code), 0) + c
            st[m] = DECLARED
            live &= ~m
    for lo, hi in extra_declared:
        m = live & (v >= lo) & (v <= hi)
        c = int(np.count_nonzero(m))
        if c:
            key = fmt_code(lo) if lo == hi else f"{fmt_code(lo)}..{fmt_code(hi)}"
            counts[key] = counts.get(key, 0) + c
            st[m] = DECLARED
            live &= ~m
    with np.errstate(invalid="ignore"):
        inrange = (v >= chk.lo) & (v <= chk.hi)
        valid = inrange & ((np.mod(v, 1.0) == 0) if chk.contiguous else np.isin(v, chk.values))
    st[live & ~inrange] = OUT
    st[live & inrange & ~valid] = NOTVAL
    out[idx[st != OK]] = np.nan
    sel = st >= NONNUM
    bad_idx, bad_st = idx[sel], st[sel]
    if text_bad is not None and len(text_bad):
        bad_idx = np.concatenate([bad_idx, text_bad])
        bad_st = np.concatenate([bad_st, text_st])
        order = np.argsort(bad_idx, kind="stable")
        bad_idx, bad_st = bad_idx[order], bad_st[order]
    return bad_idx, bad_st, counts


def value_label_recode(labels: dict, chk: ScaleCheck) -> dict[float, float]:
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


def parse_missing_codes(missing_codes) -> tuple[list[float], list[str], dict[str, list]]:
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
            if NUMBER.fullmatch(s):
                nums.append(float(s))
            else:
                texts.append(normalize_label(s))
        elif isinstance(c, (int, float, np.integer, np.floating)) and not isinstance(c, bool):
            nums.append(float(c))
        else:
            raise TypeError(f"missing_codes: {c!r} is neither a number nor a text marker")
    return nums, texts, per_col
