"""BLAS thread limits, safe to use from several threads at once.

The package's matrices are small (tens of variables, hundreds of rows): a multi-threaded
OpenBLAS spends more on thread start-up and synchronisation than on arithmetic, and on two
cores a busy BLAS thread pool slows everything down several-fold. So the hot loops run with
one BLAS thread, through threadpoolctl.

BLAS limits are process-wide, so the limit is reference-counted: the first caller to enter
sets it, the last to leave restores the limits that were in force before — whatever the
interleaving of threads. (A plain ``threadpool_limits`` per call would let one thread restore
the limits while another is still inside, or leave the process at one thread for good.)
"""

from __future__ import annotations

import contextlib
import functools
import threading

__all__ = ["one_blas_thread", "single_blas_thread", "limit_blas_in_worker"]

_LOCK = threading.Lock()
_STATE = {"depth": 0, "limiter": None, "controller": None}


def _controller():
    if _STATE["controller"] is None:
        from threadpoolctl import ThreadpoolController
        _STATE["controller"] = ThreadpoolController()
    return _STATE["controller"]


@contextlib.contextmanager
def one_blas_thread():
    """Context manager: BLAS limited to one thread while any caller is inside."""
    with _LOCK:
        if _STATE["depth"] == 0:
            try:
                _STATE["limiter"] = _controller().limit(limits=1, user_api="blas")
            except Exception:  # noqa: BLE001 - BLAS not inspectable: run as is
                _STATE["limiter"] = None
        _STATE["depth"] += 1
    try:
        yield
    finally:
        with _LOCK:
            _STATE["depth"] -= 1
            if _STATE["depth"] == 0 and _STATE["limiter"] is not None:
                _STATE["limiter"].restore_original_limits()
                _STATE["limiter"] = None


def single_blas_thread(fn):
    """Decorator: run ``fn`` inside :func:`one_blas_thread`."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with one_blas_thread():
            return fn(*args, **kwargs)

    return wrapper


def limit_blas_in_worker() -> None:
    """In a worker process of our own (bootstrap pools): one BLAS thread for its lifetime."""
    try:
        _controller().limit(limits=1, user_api="blas")
    except Exception:  # noqa: BLE001
        pass
