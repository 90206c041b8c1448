"""Loaders for the PLS-SEM reference files in tests/reference/pls (see SOURCE.md there)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

PLS_REF = Path(__file__).parent / "reference" / "pls"
# seminr's four-construct mobi model (tests/testthat: test-summary.R, test-consistent.R, ...)
MOBI4 = """
Image        =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation  =~ CUEX1 + CUEX2 + CUEX3
Value        =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Satisfaction ~ Image + Expectation + Value
"""
SCHEME_DIRS = {"centroid": "centroid", "factorial": "factorial", "path": "pathWeighting"}


def load_mobi() -> pd.DataFrame:
    return pd.read_csv(PLS_REF / "mobi.csv")


def load_corp_rep() -> pd.DataFrame:
    return pd.read_csv(PLS_REF / "corp_rep_data.csv")


def smartpls_table(scheme: str, name: str) -> pd.DataFrame:
    """A SmartPLS 2.0.M3 export (tab-separated, decimal comma, trailing tab) as a DataFrame."""
    path = PLS_REF / "smartpls_ecsi" / SCHEME_DIRS[scheme] / f"{name}.txt"
    rows = [[c.strip() for c in line.rstrip("\n").split("\t")] for line in path.read_text().splitlines()
            if line.strip()]
    cols = [c for c in rows[0][1:] if c]
    data = [[float(v.replace(",", ".")) for v in r[1:len(cols) + 1]] for r in rows[1:]]
    return pd.DataFrame(data, index=[r[0] for r in rows[1:]], columns=cols)


def seminr_table(name: str, **kw) -> pd.DataFrame:
    """A seminr test fixture (tests/fixtures/V_3_6_0 of sem-in-r/seminr)."""
    return pd.read_csv(PLS_REF / "seminr" / name, **kw)


def lookup(params: pd.DataFrame, op: str) -> dict:
    sel = params[params["op"] == op]
    return {(r.lhs, r.rhs): r.est for r in sel.itertuples()}


def max_abs(a, b) -> float:
    return float(np.max(np.abs(np.asarray(a, float) - np.asarray(b, float))))
