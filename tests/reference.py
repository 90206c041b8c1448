"""The one loader of the reference cases (tests/reference, see SOURCE.md there) and the
comparisons with them: SEM cases (lavaan), psych/semTools cases (factor alignment), PLS files.
(``tests/psych_reference.py`` only re-exports names from here.)

- ``load_case(name, folder="cases")`` — one case file (a dict, with its ``tolerances``);
  ``load_case_set(name, folder)`` — a file holding several cases (``extra_psych/efa.json``, ...)
  as a dict of cases whose ``.tolerances`` are the file's.
- ``case_names(folder, kind=None)`` — the case files of a folder; an empty list is an error
  (a parametrize over nothing would pass silently).
- ``tolerances(case)`` / ``tol(case, stat)`` — the per-statistic tolerances stored in the case
  file (``tests/reference/write_tolerances.py`` wrote them from ``DEFAULT_TOLERANCES``); a
  case without them falls back to ``DEFAULT_TOLERANCES`` of its kind.
- ``load_data(case_or_file)`` — the bundled data sets come from the package
  (``loyaltyscope/datasets/data``, one copy), the derived ones from ``tests/reference/data``.
- ``compare_sem(fit, case)`` — parameters and fit measures against a lavaan case.
- ``max_abs_diff(ours, ref)`` — a NaN on our side where the reference is finite is an error
  (returns inf), NaN only matches NaN (R's NA / null).
"""

from __future__ import annotations

import json
import math
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

REF = Path(__file__).parent / "reference"
PLS_REF = REF / "pls"
DATA = REF / "data"

# folders that hold reference case files (*.json); each must be non-empty
CASE_FOLDERS = ("cases", "extra", "extra_core", "extra_sweep", "extra_esem", "extra_ordinal", "extra_ordinal_x",
                "extra_wlsmv", "extra_options", "extra_outputs", "extra_psych", "extra_psych2", "extra_reliability",
                "extra_drivers", "extra_study",
                "analyses", "partable", "pls/boot_bca", "pls/seminr_py", "pls/sweep")

# The documented defaults, per kind of case (the acceptance criteria of the estimation issues).
# Meanings: ``*_rel`` relative, else absolute; "est" is relative to max(|est|, est_floor).
# write_tolerances.py copies them (or a file's own entry in its FILE_TOLERANCES) into every case
# file; the tests read the file's copy.
DEFAULT_TOLERANCES = {
    "sem": {"est_rel": 1e-3, "est_floor": 0.1, "se_rel": 0.01, "std_all": 2e-3, "chisq_rel": 0.002,
            "index": 0.002},
    "bootstrap": {"est_rel": 1e-3, "est": 1e-4, "se_rel": 0.15, "ci_se_frac": 0.35, "defined_ci": 0.1},
    "bollen_stine": {"stat_rel": 1e-4, "pvalue": 0.06},
    "boot_intervals": {"interval_rel": 1e-10},
    "efa": {"loading": 1e-2, "kmo": 1e-3, "bartlett_chisq_rel": 1e-6, "bartlett_p": 1e-12, "eigenvalue": 1e-3,
            "rmsr": 1e-3, "chisq_rel": 2e-3, "tli": 2e-3, "rmsea": 2e-3, "objective_rel": 2e-3},
    "polychoric": {"rho": 5e-3, "tau": 5e-3},
    "reliability": {"alpha": 2e-3, "omega": 3e-3, "ave": 3e-3, "htmt": 3e-3, "loading": 1e-2},
    "retention": {"kmo": 1e-3, "bartlett_chisq_rel": 1e-6, "map": 1e-6, "pc_eigenvalue": 1e-8,
                  "fa_eigenvalue": 1e-3},
    "drivers": {"r2": 1e-6, "importance": 1e-6},
    "lrt": {"chisq_rel": 0.002, "aic_rel": 1e-4, "chisq_diff_rel": 0.005, "pvalue_rel": 0.05},
    "partable": {"ustart": 1e-12},
    "modindices": {"est_rel": 1e-3, "est_floor": 0.1, "se_rel": 0.01, "std_all": 2e-3, "chisq_rel": 0.002,
                   "index": 0.002, "mi_rel": 2e-3, "mi": 2e-3, "epc_rel": 2e-3, "epc": 1e-3},
    # post-estimation outputs (extra_outputs, tests/cbsem/test_outputs_sweep.py)
    "outputs": {"std_all": 2e-3, "chisq_rel": 1e-4, "index": 1e-4, "mi_rel": 2e-3, "mi": 2e-3, "epc_rel": 2e-3,
                "epc": 1e-3, "moment": 1e-4, "moment_rel": 1e-4, "std_se_rel": 2e-3, "std_se": 1e-5},
    "outputs_lrt": {"chisq_rel": 1e-4, "aic_rel": 1e-6, "chisq_diff_rel": 1e-3, "pvalue_rel": 1e-3, "pvalue": 1e-8},
    "pls_bootstrap": {"interval": 2e-3, "mean": 2e-3, "sd": 2e-3, "predict": 2e-3},
    "pls_sweep": {"bootstrap": 1e-6, "predict": 1e-6, "weight": 1e-6, "loading": 1e-6, "path": 1e-6, "r2": 1e-6, "effect": 1e-6, "f2": 1e-6,
                  "vif": 1e-6, "reliability": 1e-6, "htmt": 1e-6, "fornell_larcker": 1e-6, "cross_loading": 1e-6,
                  "score": 1e-6},
    # the psych sweep (extra_psych2, tests/psychometrics/test_psych_sweep.py)
    "psych_efa": {"loading": 1e-3, "communality": 1e-3, "phi": 1e-3, "eigenvalue": 1e-3, "rmsr": 1e-4,
                  "chisq_rel": 1e-3, "pvalue": 1e-3, "objective_rel": 1e-3, "tli": 1e-3, "fit": 1e-4, "rmsea": 1e-3,
                  "scores": 2e-3, "variance": 1e-3, "complexity": 5e-3,
                  "complexity_definition": 1e-10},
    "psych_factorability": {"kmo": 1e-8, "bartlett_chisq_rel": 1e-8, "bartlett_p": 1e-10},
    "psych_alpha": {"alpha": 1e-8, "ase": 1e-8},
    "psych_omega": {"omega": 2e-3, "loading": 5e-3},
    "psych_polychoric": {"rho": 5e-4, "tau": 1e-8},
    "psych_retention": {"map": 1e-8, "pc_eigenvalue": 1e-8, "fa_eigenvalue": 1e-3,
                        # on polychoric input: psych's rho stops ~1e-4 short (optimize), as "rho" above
                        "map_poly": 5e-4, "eigenvalue_poly": 5e-4},
}
# kind of the files that carry no "kind" field (several cases in one file, or raw R output)
FILE_KINDS = {"extra_outputs/lrt_sweep": "outputs_lrt", "extra/boot_intervals": "boot_intervals", "extra_psych/efa": "efa",
              "extra_psych/polychoric": "polychoric",
              "extra_psych/reliability": "reliability", "extra_reliability/reliability_sweep": "reliability", "extra_psych/retention": "retention", "analyses/lrt": "lrt",
              "partable/lavaanify": "partable", "pls/boot_bca/bca_reference": "pls_bootstrap",
              "pls/seminr_py/seminr_py_reference": "pls_bootstrap",
              **{f"extra_psych2/{f}": f"psych_{f}" for f in ("efa", "factorability", "alpha", "omega", "polychoric",
                                                             "retention")}}
INDEX_KEYS = ("cfi", "tli", "rmsea", "srmr", "cfi.robust", "tli.robust", "rmsea.robust", "cfi.scaled",
              "rmsea.scaled", "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.pvalue", "pvalue", "pvalue.scaled",
              "tli.scaled", "rmsea.ci.lower.scaled", "rmsea.ci.upper.scaled", "rmsea.pvalue.scaled",
              "rmsea.ci.lower.robust", "rmsea.ci.upper.robust", "rmsea.pvalue.robust")
EXACT_KEYS = ("df", "npar", "baseline.df", "df.scaled")

# the package's data files (tests read them from the package, never from a copy)
_PACKAGE_DATA = resources.files("loyaltyscope.datasets").joinpath("data")


# ----------------------------------------------------------------------------- files
def _path(name: str, folder: str) -> Path:
    return REF / folder / (name if name.endswith(".json") else f"{name}.json")


def case_files(folder: str) -> list[Path]:
    """The case files of a folder, sorted; fails when there are none."""
    files = sorted((REF / folder).glob("*.json"))
    assert files, f"no reference case files in tests/reference/{folder}"
    return files


def case_names(folder: str, kind: str | None = None) -> list[str]:
    """Names of a folder's case files (only those of ``kind`` if given); fails when empty."""
    names = [p.stem for p in case_files(folder)
             if kind is None or json.loads(p.read_text()).get("kind") == kind]
    assert names, f"no reference cases of kind {kind!r} in tests/reference/{folder}"
    return names


def load_case(name: str, folder: str = "cases") -> dict:
    """One case file as a dict (``name`` may be ``"folder/name"``)."""
    if "/" in name:
        folder, name = name.rsplit("/", 1)
    case = json.loads(_path(name, folder).read_text())
    case.setdefault("_file", f"{folder}/{Path(name).stem}")
    return case


class CaseSet(dict):
    """A file of several cases: the cases by name, and the file's ``tolerances``."""

    tolerances: dict
    file: str


def load_case_set(name: str, folder: str | None = None) -> CaseSet:
    """A file of several cases (``extra_psych/efa``, ``partable/lavaanify``, ...)."""
    if folder is None:
        folder, name = name.rsplit("/", 1)
    raw = json.loads(_path(name, folder).read_text())
    out = CaseSet((k, v) for k, v in raw.items() if k != "tolerances")
    out.file = f"{folder}/{Path(name).stem}"
    out.tolerances = raw.get("tolerances") or dict(DEFAULT_TOLERANCES[FILE_KINDS[out.file]])
    assert out, f"tests/reference/{out.file}.json holds no cases"
    return out


def case_kind(case) -> str:
    if isinstance(case, CaseSet):
        return FILE_KINDS[case.file]
    return case.get("kind") or FILE_KINDS[case["_file"]]


def tolerances(case) -> dict:
    """The case's stored tolerances; the documented defaults of its kind when it has none."""
    if isinstance(case, CaseSet):
        return case.tolerances
    return case.get("tolerances") or dict(DEFAULT_TOLERANCES[case_kind(case)])


def tol(case, stat: str) -> float:
    t = tolerances(case)
    assert stat in t, f"no tolerance {stat!r} in {getattr(case, 'file', None) or case.get('_file')}: {sorted(t)}"
    return float(t[stat])


def data_path(file: str) -> Path:
    """Path of a data file: the package's copy when the package ships it, else tests/reference/data."""
    packaged = _PACKAGE_DATA.joinpath(file)
    if packaged.is_file():
        return Path(str(packaged))
    return DATA / file


def load_data(case_or_file) -> pd.DataFrame:
    """The data of a case (its ``data`` field) or a data file by name."""
    file = case_or_file if isinstance(case_or_file, str) else case_or_file["data"]
    return pd.read_csv(data_path(file))


def sem_kwargs(case: dict) -> dict:
    opts = case.get("options") or {}
    kw = {}
    if opts.get("std.lv"):
        kw["std_lv"] = True
    for src, dst in (("estimator", "estimator"), ("missing", "missing"), ("group", "group"),
                     ("group.equal", "group_equal"), ("group.partial", "group_partial"),
                     ("ordered", "ordered"), ("se", "se"), ("meanstructure", "meanstructure"),
                     ("fixed.x", "fixed_x"), ("parameterization", "parameterization"),
                     ("rotation", "rotation"), ("rotation.se", "rotation_se"), ("bootstrap", "bootstrap")):
        if src in opts:
            kw[dst] = opts[src]
    return kw


# ----------------------------------------------------------------------------- numbers
def _isnan(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def close(ours, ref, atol: float = 0.0, rtol: float = 0.0) -> bool:
    """|ours - ref| <= atol + rtol |ref|; a NaN on either side only matches a NaN (or null)."""
    if _isnan(ref) or _isnan(ours):
        return _isnan(ref) and _isnan(ours)
    if math.isinf(ref) or math.isinf(ours):
        return ours == ref
    return abs(ours - ref) <= atol + rtol * abs(ref)


def max_abs_diff(a, b) -> float:
    """Largest |a - b| over all cells. A NaN in one and not the other gives inf (a failure);
    NaN against NaN (R's NA, null in the JSON) counts as equal."""
    a, b = np.asarray(a, float), np.asarray(b, float)   # None (null) becomes NaN
    if a.size == b.size:
        a, b = a.reshape(-1), b.reshape(-1)
    assert a.shape == b.shape, (a.shape, b.shape)
    na, nb = np.isnan(a), np.isnan(b)
    if (na != nb).any():
        return math.inf
    if not (~na).any():
        return 0.0
    return float(np.max(np.abs(a[~na] - b[~na])))


def as_matrix(rows, n_rows: int) -> np.ndarray:
    """A JSON matrix (list of rows; a one-column matrix may come as a flat list) as an array;
    ``None`` (R's NA / Inf written as null) becomes NaN."""
    a = np.array([[np.nan if v is None else v for v in (r if isinstance(r, list) else [r])] for r in rows], float)
    return a.reshape(n_rows, -1)


# ----------------------------------------------------------------------------- factor solutions
def align_factors(reference: np.ndarray, ours: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Match our factors to the reference ones by the Hungarian algorithm on |Tucker congruence|,
    then flip signs to agree. Returns (aligned loadings, column order, signs)."""
    num = reference.T @ ours
    den = np.sqrt(np.outer((reference ** 2).sum(0), (ours ** 2).sum(0)))
    _, cols = linear_sum_assignment(-np.abs(num / den))
    aligned = ours[:, cols]
    signs = np.sign((reference * aligned).sum(0))
    signs[signs == 0] = 1
    return aligned * signs, cols, signs


def align_phi(phi: np.ndarray, cols, signs) -> np.ndarray:
    return phi[np.ix_(cols, cols)] * np.outer(signs, signs)


REVERSED = ["A1", "C4", "C5", "E1", "E2", "O2", "O5"]


def bfi_reversed() -> pd.DataFrame:
    """bfi with its reverse-keyed items reversed (7 - x), as the reliability cases were computed."""
    d = load_data("bfi.csv")
    for v in REVERSED:
        d[v] = 7 - d[v]
    return d


# ----------------------------------------------------------------------------- SEM cases
def _key(lhs, op, rhs, group):
    if op == "~~":
        lhs, rhs = sorted((lhs, rhs))
    if op == ":=":
        rhs = ""
    return (lhs, op, rhs, 1 if _isnan(group) else int(group))


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


def _param_errors(fit, case: dict, t: dict, check_se: bool) -> list[str]:
    errors = []
    for ref, ours in match_params(fit.params, case["params"]):
        name = f"{ref['lhs']} {ref['op']} {ref['rhs']} (group {ref.get('group', 1)})"
        e, oe = ref["est"], ours["est"]
        if not close(oe, e, atol=t["est_rel"] * max(abs(e), t["est_floor"]) if not _isnan(e) else 0.0):
            errors.append(f"est {name}: ours {oe:.6g} vs {e!r}")
        if check_se and ref.get("se") is not None:
            s, os_ = ref["se"], ours["se"]
            if s == 0:
                if not (os_ == 0 or _isnan(os_)):
                    errors.append(f"se {name}: ours {os_:.6g} vs fixed (0)")
            elif not close(os_, s, rtol=t["se_rel"]):
                errors.append(f"se {name}: ours {os_:.6g} vs {s:.6g}")
        if ref.get("std.all") is not None and not close(ours["std_all"], ref["std.all"], atol=t["std_all"]):
            errors.append(f"std_all {name}: ours {ours['std_all']:.6g} vs {ref['std.all']:.6g}")
    return errors


def compare_sem(fit, case: dict, *, check_se: bool = True):
    """Assert that a fit matches a reference 'sem' case at the case's stored tolerances."""
    t = tolerances(case)
    errors = _param_errors(fit, case, t, check_se)
    fm = fit.fit_measures
    for key, val in case["fit"].items():
        if val is None:
            continue
        assert key in fm, f"fit measure {key!r} missing"
        ours = fm[key]
        if key in EXACT_KEYS:
            ok = ours == val
        elif key in INDEX_KEYS:
            ok = close(ours, val, atol=t["index"])
        else:  # chi-squares, log-likelihoods, information criteria, scaling factors
            ok = close(ours, val, atol=t["chisq_rel"] * max(abs(val), 1e-8))
        if not ok:
            errors.append(f"fit {key}: ours {ours!r} vs {val!r}")
    assert not errors, "\n".join(errors)


# ----------------------------------------------------------------------------- PLS files
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
    return load_data("mobi.csv")


def load_corp_rep() -> pd.DataFrame:
    return load_data("corp_rep_data.csv")


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
    """Largest |a - b|; a NaN on one side only is a failure (inf)."""
    return max_abs_diff(a, b)
