"""Compatibility re-exports: the PLS reference helpers live in ``tests/reference.py`` (the one
reference loader)."""

from reference import (MOBI4, PLS_REF, SCHEME_DIRS, load_corp_rep, load_mobi, lookup, max_abs,  # noqa: F401
                       seminr_table, smartpls_table)
