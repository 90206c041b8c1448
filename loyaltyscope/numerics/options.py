"""Checks of the options every random or iterative procedure takes (seeds, counts, levels).

One place for the rule "a bad option is a clear error of the calling room, naming the
option, the value and what was expected" (issue 14): the PLS room passes its
:class:`~loyaltyscope.plspm.errors.PLSError`, the analyses their ``AnalysisError``. Booleans
are refused where a number is expected (``True`` is an ``int`` in Python, never a count).
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["check_seed", "check_count", "check_level", "check_choice", "check_positive"]


def _is_int(value) -> bool:
    return isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, (bool, np.bool_))


def check_seed(seed, error: type[Exception] = ValueError, name: str = "seed"):
    """``None`` or a non-negative integer (what ``numpy.random.SeedSequence`` accepts)."""
    if seed is None or (_is_int(seed) and seed >= 0):
        return seed
    raise error(f"{name} must be None or a non-negative integer, got {seed!r} ({type(seed).__name__})")


def check_count(value, name: str, minimum: int, error: type[Exception] = ValueError, *,
                zero_ok: bool = False, maximum: int | None = None) -> int:
    """An integer ``>= minimum`` (or exactly 0 when ``zero_ok``), at most ``maximum``."""
    ok = _is_int(value) and ((zero_ok and value == 0) or value >= minimum)
    if ok and maximum is not None and value > maximum:
        ok = False
    if not ok:
        what = f"0 or an integer >= {minimum}" if zero_ok else f"an integer >= {minimum}"
        if maximum is not None:
            what += f" and <= {maximum}"
        raise error(f"{name} must be {what}, got {value!r} ({type(value).__name__})")
    return int(value)


def check_level(value, name: str, error: type[Exception] = ValueError) -> float:
    """A probability strictly between 0 and 1 (a confidence level)."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and 0 < value < 1:
        return float(value)
    raise error(f"{name} must be a number strictly between 0 and 1, got {value!r}")


def check_positive(value, name: str, error: type[Exception] = ValueError) -> float:
    """A finite number > 0 (a tolerance)."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value) and value > 0:
        return float(value)
    raise error(f"{name} must be a finite number > 0, got {value!r}")


def check_choice(value, name: str, choices: tuple, error: type[Exception] = ValueError):
    """One of ``choices`` (compared with ``==`` after checking the type is hashable)."""
    try:
        ok = value in choices
    except TypeError:
        ok = False
    if not ok:
        raise error(f"{name} must be one of {choices}, got {value!r}")
    return value
