"""The PLS room's error for bad options and arguments (bad data is a ``DataError``, a bad
model a ``ModelSpecError`` / ``ModelSyntaxError``, as in the SEM room)."""

from __future__ import annotations

__all__ = ["PLSError"]


class PLSError(ValueError):
    """A bad option or argument of a PLS function (``ls.pls``, ``ls.micom``, ``ls.pls_mga``,
    ``.index``, ``.ipma``, ``.predict``): names the option, the value and what was expected."""
