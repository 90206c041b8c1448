"""Compatibility re-exports: the psychometrics helpers live in ``tests/reference.py`` (the one
reference loader). ``load_extra(name)`` is ``load_case_set(name, "extra_psych")``; the ``TOL_*``
names are read from the case files' stored tolerances."""

from __future__ import annotations

from reference import (REVERSED, align_factors, align_phi, as_matrix, bfi_reversed, load_case,  # noqa: F401
                       load_case_set, load_data, max_abs_diff, tol)


def load_extra(name: str):
    return load_case_set(name, "extra_psych")


TOL_ALPHA = tol(load_case("bfi_reliability"), "alpha")
TOL_OMEGA = tol(load_case("bfi_reliability"), "omega")
TOL_LOADING = tol(load_case("bfi_efa"), "loading")
TOL_KMO = tol(load_case("bfi_efa"), "kmo")
TOL_POLY = tol(load_case("bfi_polychoric"), "rho")
