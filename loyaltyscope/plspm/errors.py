"""The PLS room's error for bad options and arguments (bad data is a ``DataError``, a bad
model a ``ModelSpecError`` / ``ModelSyntaxError``, as in the SEM room)."""

from __future__ import annotations

__all__ = ["PLSError", "MAX_RESAMPLES", "MAX_ITER"]

MAX_RESAMPLES = 100_000   # bootstrap / permutation resamples accepted (time and memory stay bounded)
MAX_ITER = 10_000         # PLS iterations (seminr's default is 300; a non-converging model stops here)


class PLSError(ValueError):
    """A bad option or argument of a PLS function (``ls.pls``, ``ls.micom``, ``ls.pls_mga``,
    ``.index``, ``.ipma``, ``.predict``): names the option, the value and what was expected."""
