"""Helpers to load the reference cases (tests/reference, see SOURCE.md) and compare with them."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

REF = Path(__file__).parent / "reference"

# per-statistic tolerances (the acceptance criteria of the estimation issues)
EST_REL, EST_FLOOR = 1e-3, 0.1
SE_REL = 0.01
STD_ABS = 2e-3
CHISQ_REL = 0.002
INDEX_ABS = 0.002
INDEX_KEYS = ("cfi", "tli", "rmsea", "srmr", "cfi.robust", "tli.robust", "rmsea.robust", "cfi.scaled",
              "rmsea.scaled", "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.pvalue", "pvalue", "pvalue.scaled")
EXACT_KEYS = ("df", "npar", "baseline.df", "df.scaled")


def load_case(name: str) -> dict:
    return json.loads((REF / "cases" / f"{name}.json").read_text())


def load_data(case: dict) -> pd.DataFrame:
    return pd.read_csv(REF / "data" / case["data"])


def sem_kwargs(case: dict) -> dict:
    opts = case.get("options") or {}
    kw = {}
    if opts.get("std.lv"):
        kw["std_lv"] = True
    for src, dst in (("estimator", "estimator"), ("missing", "missing"), ("group", "group"),
                     ("group.equal", "group_equal"), ("group.partial", "group_partial"),
                     ("ordered", "ordered"), ("se", "se"),
                     ("bootstrap", "bootstrap")):
        if src in opts:
            kw[dst] = opts[src]
    return kw


def _key(lhs, op, rhs, group):
    if op == "~~":
        lhs, rhs = sorted((lhs, rhs))
    if op == ":=":
        rhs = ""
    return (lhs, op, rhs, int(group) if group is not None and not (isinstance(group, float) and math.isnan(group)) else 1)


def match_params(ours: pd.DataFrame, ref_rows: list[dict]):
    """Yield (ref_row, our_row) for every reference row; fail if one is missing."""
    idx = {}
    for _, r in ours.iterrows():
        g = r["group"] if "group" in ours.columns else 1
        if r["op"] == ":=":
            g = 1
        idx[_key(r["lhs"], r["op"], r["rhs"], g)] = r
    for ref in ref_rows:
        g = ref.get("group", 1) if ref["op"] != ":=" else 1
        if g in (0, None):
            g = 1
        k = _key(ref["lhs"], ref["op"], ref["rhs"], g)
        assert k in idx, f"reference parameter {k} missing from our table"
        yield ref, idx[k]


def compare_sem(fit, case: dict, *, check_se: bool = True):
    """Assert that a fit matches a reference 'sem' case at the stated tolerances."""
    errors = []
    for ref, ours in match_params(fit.params, case["params"]):
        name = f"{ref['lhs']} {ref['op']} {ref['rhs']} (group {ref.get('group', 1)})"
        e, oe = ref["est"], ours["est"]
        if abs(oe - e) > EST_REL * max(abs(e), EST_FLOOR):
            errors.append(f"est {name}: ours {oe:.6g} vs {e:.6g}")
        if check_se and ref.get("se") is not None:
            s, os_ = ref["se"], ours["se"]
            if s == 0:
                if not (os_ == 0 or np.isnan(os_)):
                    errors.append(f"se {name}: ours {os_:.6g} vs fixed (0)")
            elif not abs(os_ - s) <= SE_REL * abs(s):
                errors.append(f"se {name}: ours {os_:.6g} vs {s:.6g}")
        if ref.get("std.all") is not None:
            sa, osa = ref["std.all"], ours["std_all"]
            if not abs(osa - sa) <= STD_ABS:
                errors.append(f"std_all {name}: ours {osa:.6g} vs {sa:.6g}")
    fm = fit.fit_measures
    for key, val in case["fit"].items():
        if val is None:
            continue
        assert key in fm, f"fit measure {key!r} missing"
        ours = fm[key]
        if key in EXACT_KEYS:
            ok = ours == val
        elif key in INDEX_KEYS:
            ok = abs(ours - val) <= INDEX_ABS
        else:  # chi-squares, log-likelihoods, information criteria, scaling factors
            ok = abs(ours - val) <= CHISQ_REL * max(abs(val), 1e-8)
        if not ok:
            errors.append(f"fit {key}: ours {ours!r} vs {val!r}")
    assert not errors, "\n".join(errors)
