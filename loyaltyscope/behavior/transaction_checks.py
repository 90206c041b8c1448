"""Checks of a transaction log and of the arguments of the behavioral functions.

Every problem of the input is counted (with up to five example values) by the engine that
reads the log, then turned here into one :class:`TransactionError` listing all of them; nothing
is dropped or repaired silently. Conditions that are not errors (customers with refunds only,
rows after ``as_of``, zero amounts) become warnings with counts.
"""

from __future__ import annotations

import warnings as _warnings
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

__all__ = ["TransactionError", "BehaviorWarning", "PROBLEM_TEXT", "raise_problems", "check_zone", "to_us",
           "window_us", "warn_all", "check_columns"]


class TransactionError(ValueError):
    """A transaction log or survey-moment source that cannot be used as given; the message lists
    every problem found, with counts and examples."""


class BehaviorWarning(UserWarning):
    """Something in a transaction log that the user should know (kept, counted, not dropped)."""


PROBLEM_TEXT = {
    "customer_missing": ("customer", "rows without a customer id"),
    "time_missing": ("time", "rows without a timestamp"),
    "time_unparseable": ("time", "timestamps that cannot be parsed (expected ISO 8601, e.g. 2024-03-31 14:05:00)"),
    "time_nonexistent": ("time", "local times that do not exist in the time zone (skipped by a DST change); "
                                 "give UTC or zone-aware timestamps"),
    "time_ambiguous": ("time", "local times that occur twice in the time zone (repeated at a DST change); "
                               "give UTC or zone-aware timestamps"),
    "amount_missing": ("amount", "rows without an amount"),
    "amount_non_numeric": ("amount", "amounts that are not finite numbers"),
    "profit_missing": ("profit", "rows without a profit"),
    "profit_non_numeric": ("profit", "profits that are not finite numbers"),
}


def raise_problems(source_name: str, cols: dict, counts: dict, examples: dict, duplicates=None) -> None:
    """Raise one :class:`TransactionError` naming every problem (count, column, examples)."""
    lines = []
    for key, (role, text) in PROBLEM_TEXT.items():
        n = int(counts.get(key) or 0)
        if n:
            ex = examples.get(key) or []
            shown = f"; e.g. {', '.join(repr(v) for v in ex)}" if ex else ""
            lines.append(f"column {cols[role]!r}: {n} {text}{shown}")
    if duplicates is not None and duplicates[0]:
        ids, surplus, ex = duplicates
        shown = ", ".join(f"{t!r} x{n}" for t, n in ex)
        lines.append(f"column {cols['transaction']!r}: {ids} transaction ids occur more than once "
                     f"({surplus} surplus rows); e.g. {shown}")
    if lines:
        raise TransactionError(f"{source_name}: {len(lines)} problem(s) in the transaction log; nothing was "
                               "computed:\n  - " + "\n  - ".join(lines))


def check_columns(source_name: str, available, cols: dict) -> None:
    missing = [f"{role}={name!r}" for role, name in cols.items() if name is not None and name not in available]
    if missing:
        raise TransactionError(f"{source_name}: missing column(s) {', '.join(missing)}; the source has "
                               f"{list(available)}")


def check_zone(tz: str) -> str:
    try:
        ZoneInfo(str(tz))
    except (ZoneInfoNotFoundError, ValueError):
        raise TransactionError(f"tz={tz!r} is not a known IANA time zone (e.g. 'UTC', 'Europe/Berlin')") from None
    return str(tz)


def to_us(value, tz: str, what: str) -> int:
    """A date/time given by the user as microseconds since the epoch (naive = local time in tz)."""
    try:
        t = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise TransactionError(f"{what}={value!r} is not a date/time") from None
    if t.tzinfo is None:
        try:
            t = t.tz_localize(tz, ambiguous="raise", nonexistent="raise")
        except Exception:  # pytz/pandas raise several classes for ambiguous/nonexistent
            raise TransactionError(f"{what}={value!r} does not exist or is ambiguous in {tz}; give a "
                                   "zone-aware time") from None
    return int(t.tz_convert("UTC").value // 1000)


def window_us(window) -> int | None:
    """A window length (days as a number, a pandas Timedelta or a string like '365D') in microseconds."""
    if window is None:
        return None
    if isinstance(window, (int, float)) and not isinstance(window, bool):
        td = pd.Timedelta(days=window)
    else:
        try:
            td = pd.Timedelta(window)
        except (ValueError, TypeError):
            raise TransactionError(f"window={window!r}: expected days as a number or a Timedelta") from None
    if td <= pd.Timedelta(0):
        raise TransactionError(f"window={window!r} must be positive")
    return int(td.value // 1000)


def warn_all(messages) -> None:
    for m in messages:
        _warnings.warn(m, BehaviorWarning, stacklevel=3)
