"""Sweep of the psychometrics against psych 2.2.9 / GPArotation 2022.10-2: ``efa`` (psych::fa,
every extraction and rotation we accept, 1–5 factors, raw / pairwise-missing / correlation-matrix
input, polychoric input, regression and Bartlett scores), ``kmo`` / ``bartlett``, ``alpha``
(keys, check.keys, missing data, matrix input), ``omega``, ``polychoric`` (missing data, unequal
categories, ``correct``, global vs per-pair thresholds), ``velicer_map`` and the observed
eigenvalues of ``parallel_analysis``.

Reference: tests/reference/extra_psych2/*.json, written by generate.R beside them. Each case
names its data by a spec (file, items, first rows, recodes, deterministic holes, empty rows,
reversed items) that :func:`make_data` rebuilds exactly as the R script does. Tolerances per
statistic are stored in each file (``tolerances``); cases psych cannot compute, or where we
deliberately differ, are listed in the file's ``excluded`` with the reason (see
docs/psychometrics.md) and checked for what they are (an error of ours where psych errs).
"""

from __future__ import annotations

import dataclasses
import json
import warnings

import numpy as np
import pandas as pd
import pytest
from reference import REF, align_factors, align_phi, as_matrix, data_path, max_abs_diff

import loyaltyscope as ls

FOLDER = REF / "extra_psych2"


def _load(name: str) -> tuple[dict, dict, dict]:
    raw = json.loads((FOLDER / f"{name}.json").read_text())
    tolerances = raw.pop("tolerances")
    excluded = raw.pop("excluded", {})
    assert raw, f"tests/reference/extra_psych2/{name}.json holds no cases"
    return raw, tolerances, excluded


def make_data(spec: dict) -> pd.DataFrame:
    """The case's data, built as generate.R's ``make_data``."""
    d = pd.read_csv(data_path(spec["data"]))
    for v in spec.get("reversed") or []:
        d[v] = 7 - d[v]
    if spec.get("rows") is not None:
        d = d.iloc[: int(spec["rows"])]
    x = d[list(spec["items"])].astype(float).reset_index(drop=True)
    for col, frm, to in spec.get("recode") or []:
        x.loc[x[col] == frm, col] = to
    i = np.arange(len(x))
    for col, every, offset in spec.get("holes") or []:
        x.loc[i % int(every) == int(offset), col] = np.nan
    empty = spec.get("empty") or []
    if empty:
        x.iloc[np.asarray(empty, int) - 1, :] = np.nan
    if spec.get("complete"):
        x = x.dropna().reset_index(drop=True)             # na.omit(x)
    return x


def _quietly(run, case: dict):
    """run(case) with the package's warnings silenced (the results keep them on .warnings)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run(case)


def _excluded_statistics(excluded: dict, name: str) -> set[str]:
    """Statistics of a case kept out of the comparison: ``"case:stat1,stat2"`` keys."""
    out: set[str] = set()
    for key in excluded:
        case, _, stats = key.partition(":")
        if case == name and stats:
            out.update(stats.split(","))
    return out


def _cor(x: pd.DataFrame) -> pd.DataFrame:
    return x.corr(min_periods=1)                         # pairwise-complete, as cor(x, use = "pairwise")


def _matrix(x: pd.DataFrame, kind: str) -> pd.DataFrame:
    return _cor(x) if kind == "cor" else x.cov(min_periods=1)


def _vec(v) -> np.ndarray:
    return np.asarray([np.nan if a is None else a for a in (v if isinstance(v, list) else [v])], float)


def _check(errors: list, what: str, ours, ref, tol: float, rel: bool = False, skip=()):
    if what in skip:
        return None
    ours, ref = np.asarray(ours, float).ravel(), _vec(list(np.ravel(np.asarray(ref, dtype=object))))
    same_inf = np.isinf(ref) & (ours == ref)             # equal infinite thresholds (empty end categories)
    ours, ref = np.where(same_inf, 0.0, ours), np.where(same_inf, 0.0, ref)
    if rel:
        scale = np.maximum(np.abs(ref), 1.0)
        d = max_abs_diff(ours / scale, ref / scale)
    else:
        d = max_abs_diff(ours, ref)
    if not d <= tol:
        errors.append(f"{what}: max |diff| {d:.3g} > {tol:g} (ours {np.round(ours[:6], 6)}, psych "
                      f"{np.round(ref[:6], 6)})")
    return d


# ----------------------------------------------------------------------------- EFA
EFA, EFA_TOL, EFA_EXCLUDED = _load("efa")
_FIT = (("rms", "rmsr", "rmsr", False), ("crms", "crms", "rmsr", False), ("chi", "echisq", "chisq_rel", True),
        ("EBIC", "ebic", "chisq_rel", True), ("STATISTIC", "chisq", "chisq_rel", True),
        ("PVAL", "pvalue", "pvalue", False), ("objective", "objective", "objective_rel", True),
        ("TLI", "tli", "tli", False), ("BIC", "bic", "chisq_rel", True), ("null_chisq", "null_chisq", "chisq_rel", True),
        ("fit", "fit", "fit", False), ("fit_off", "fit_off", "fit", False))


def _data_and_use(spec: dict) -> tuple[pd.DataFrame, str]:
    """A spec with ``complete`` (psych on na.omit(x)) is ours with use="listwise" on the data with holes."""
    if spec.get("complete"):
        return make_data({**spec, "complete": False}), "listwise"
    return make_data(spec), "pairwise"


def run_efa(case: dict):
    o = case["options"]
    x, use = _data_and_use(case["spec"])
    scores = {"regression": "regression", "Bartlett": "bartlett", "tenBerge": "tenberge"}.get(o.get("scores"))
    kw = dict(rotation=o["rotate"], method=o["fm"], cor="poly" if o.get("cor") == "poly" else "pearson",
              nobs=o.get("n.obs"))
    if o.get("input") in ("cor", "cov"):
        return ls.efa(_matrix(x, o["input"]), o["nfactors"], **kw)
    return ls.efa(x, o["nfactors"], scores=scores, use=use, **kw)


def compare_efa(name: str) -> list[str]:
    case, t = EFA[name], EFA_TOL
    e = _quietly(run_efa, case)
    errors: list[str] = []
    p, k = len(case["spec"]["items"]), case["options"]["nfactors"]
    ref_l = as_matrix(case["loadings"], p)
    L, cols, signs = align_factors(ref_l, e.loadings.to_numpy())
    _check(errors, "loadings", L, ref_l, t["loading"])
    _check(errors, "communality", e.communalities, case["communality"], t["communality"])
    _check(errors, "uniquenesses", e.uniquenesses, case["uniquenesses"], t["communality"])
    if case.get("phi") is not None and k > 1:
        _check(errors, "phi", align_phi(e.phi.to_numpy(), cols, signs), as_matrix(case["phi"], k), t["phi"])
    if case.get("Structure") is not None:
        _check(errors, "structure", e.structure.to_numpy()[:, cols] * signs, as_matrix(case["Structure"], p),
               t["loading"])
    va = as_matrix(case["Vaccounted"], len(case["Vaccounted"]))        # psych: 2 rows for one factor, else 5
    _check(errors, "Vaccounted", e.variance.to_numpy()[: va.shape[0], cols], va, t["variance"])
    # Hoffman's complexity amplifies the loadings' differences (psych's optimiser stops ~1e-4 early on
    # near-Heywood solutions): its definition is checked on psych's own loadings, the values more loosely
    own = dataclasses.replace(e, loadings=pd.DataFrame(ref_l, index=e.loadings.index))
    _check(errors, "complexity of psych's loadings", own.complexity, case["complexity"], t["complexity_definition"])
    _check(errors, "complexity", e.complexity, case["complexity"], t["complexity"])
    _check(errors, "values (reduced eigenvalues)", e.eigenvalues["reduced"], case["values"], t["eigenvalue"])
    _check(errors, "e_values", e.eigenvalues["correlation"], case["e_values"], t["eigenvalue"])
    fm = e.fit_measures
    if fm["df"] != case["dof"]:
        errors.append(f"dof: ours {fm['df']} vs psych {case['dof']}")
    for rk, ok, tk, rel in _FIT:
        if rk in case:
            _check(errors, rk, fm[ok], case[rk], t[tk], rel)
    if case.get("RMSEA") is not None:
        _check(errors, "RMSEA", fm[["rmsea", "rmsea_lower", "rmsea_upper"]], case["RMSEA"], t["rmsea"])
    skip = _excluded_statistics(EFA_EXCLUDED, name)
    if e.score_weights is not None and case.get("weights") is not None:
        W = e.score_weights.to_numpy()[:, cols] * signs
        _check(errors, "score weights", W, as_matrix(case["weights"], p), t["scores"], skip=skip)
        rows = np.asarray(case["score_rows"], int) - 1
        S = e.scores.to_numpy()[rows][:, cols] * signs
        _check(errors, "scores", S, as_matrix(case["scores"], len(rows)), t["scores"], skip=skip)
    return errors


EFA_CASES = [n for n in EFA if n not in EFA_EXCLUDED and "r_error" not in EFA[n]]   # "case:stat" keys skip stats


@pytest.mark.parametrize("name", EFA_CASES)
def test_efa_equals_psych(name):
    errors = compare_efa(name)
    assert not errors, f"{name}:\n" + "\n".join(errors)


@pytest.mark.parametrize("name", [n for n in EFA if "r_error" in EFA[n]])
def test_efa_where_psych_fails_is_an_error_or_a_warning_here(name):
    """psych stops with an error (principal axis with an 'imaginary eigen value'); ours must not
    return a silent result: an ItemDataError, or a result whose warnings say what went wrong."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            e = run_efa(EFA[name])
    except ls.ItemDataError as err:
        assert "undefined" in str(err) or "eigenvalue" in str(err)
        return
    assert e.warnings, f"{name}: psych fails ({EFA[name]['r_error']}); ours returned without a warning"


def test_one_factor_tenberge_scores_have_unit_variance():
    """Excluded from the equality test (psych's diag() of a scalar): ours are the regression
    weights scaled to unit score variance, i.e. psych's weights / sqrt(λᵀR⁻¹λ)."""
    case = EFA["bfiN_1f_minres_tenberge"]
    e = _quietly(run_efa, case)
    W, R, lam = e.score_weights.to_numpy(), e.correlation.to_numpy(), e.loadings.to_numpy()
    assert abs((W.T @ R @ W)[0, 0] - 1) < 1e-10
    reg = np.linalg.solve(R, lam)
    assert max_abs_diff(W, reg / np.sqrt(lam.T @ reg)[0, 0]) < 1e-10
    assert max_abs_diff(reg, as_matrix(case["weights"], 5)) < EFA_TOL["scores"]    # psych's = regression


@pytest.mark.parametrize("name", [n for n in EFA_EXCLUDED if ":" not in n and EFA[n]["dof"] <= 0])
def test_efa_without_degrees_of_freedom_says_so(name):
    """Excluded from the equality test (not identified); ours must warn that the fit statistics
    are undefined and leave them NaN, and the model-free numbers must still equal psych's."""
    e = _quietly(run_efa, EFA[name])
    assert any("degrees of freedom" in w for w in e.warnings)
    assert np.isnan(e.fit_measures[["pvalue", "rmsea", "bic"]].astype(float)).all()
    assert max_abs_diff(e.eigenvalues["correlation"], EFA[name]["e_values"]) < EFA_TOL["eigenvalue"]


def test_efa_sweep_is_wide():
    assert len(EFA) >= 150 and len(EFA_CASES) >= 120
    methods = {EFA[n]["options"]["fm"] for n in EFA_CASES}
    rotations = {EFA[n]["options"]["rotate"] for n in EFA_CASES}
    assert methods == {"minres", "ml", "pa"} and rotations >= {"none", "varimax", "Varimax", "quartimax", "equamax",
                                                             "geominT", "promax", "Promax", "oblimin", "quartimin",
                                                             "geominQ"}


# ----------------------------------------------------------------------------- KMO, Bartlett
FAC, FAC_TOL, _ = _load("factorability")


@pytest.mark.parametrize("name", list(FAC))
def test_kmo_bartlett_equal_psych(name):
    case, t = FAC[name], FAC_TOL
    x, use = _data_and_use(case["spec"])
    raw = case["options"]["input"] == "raw"
    data = x if raw else _cor(x)
    errors: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        k = ls.kmo(data, use=use)
        b = ls.bartlett(data, nobs=case["options"].get("n"), use=use)
    _check(errors, "KMO overall", k.overall, case["kmo"], t["kmo"])
    _check(errors, "KMO items", k.per_item, case["kmo_items"], t["kmo"])
    _check(errors, "Bartlett chisq", b.chisq / case["chisq"], 1.0, t["bartlett_chisq_rel"])
    _check(errors, "Bartlett df", b.df, case["df"], 0.0)
    _check(errors, "Bartlett p", b.pvalue, case["p"], t["bartlett_p"])
    assert not errors, f"{name}:\n" + "\n".join(errors)


# ----------------------------------------------------------------------------- alpha
ALPHA, ALPHA_TOL, ALPHA_EXCLUDED = _load("alpha")
_ITEM = (("raw_r", "raw_r"), ("std_r", "std_r"), ("r_cor", "r_cor"), ("r_drop", "r_drop"), ("mean", "mean"),
         ("sd", "sd"))
_DROP = (("raw_alpha", "alpha_if_deleted"), ("std_alpha", "std_alpha_if_deleted"),
         ("average_r", "average_r_if_deleted"))


def run_alpha(case: dict):
    o = case["options"]
    x = make_data(case["spec"])
    keys = o.get("keys")
    reverse = [keys] if isinstance(keys, str) else keys
    kw = {}
    if o.get("check.keys"):
        kw["check_keys"] = True
    if o.get("input") in ("cor", "cov"):
        return ls.alpha(_matrix(x, o["input"]), nobs=o.get("n.obs"), reverse=reverse, **kw)
    return ls.alpha(x, reverse=reverse, use="listwise" if o.get("use") == "complete.obs" else "pairwise", **kw)


@pytest.mark.parametrize("name", [n for n in ALPHA if n not in ALPHA_EXCLUDED and "r_error" not in ALPHA[n]])
def test_alpha_equals_psych(name):
    case, t = ALPHA[name], ALPHA_TOL
    a = _quietly(run_alpha, case)
    errors: list[str] = []
    raw = case["options"]["input"] == "raw"
    skip = _excluded_statistics(ALPHA_EXCLUDED, name)
    for stat in ("raw_alpha", "std_alpha", "g6", "average_r", "median_r", "s_n"):
        _check(errors, stat, getattr(a, stat), case[stat], t["alpha"])
    _check(errors, "ase", a.ase, case["ase"], t["ase"], skip=skip)
    if raw:
        _check(errors, "mean", a.mean, case["mean"], t["alpha"], skip=skip)
        _check(errors, "sd", a.sd, case["sd"], t["alpha"], skip=skip)
    if case.get("feldt") is not None:
        _check(errors, "feldt", a.feldt, case["feldt"], t["alpha"], skip=skip)
    ist = a.item_stats.loc[case["item_names"]] if case.get("item_names") else a.item_stats   # psych drops
    for rk, ok in _ITEM:
        ref = case["item_stats"].get(rk)
        if ref is not None:
            _check(errors, f"item {rk}", ist[ok], ref, t["alpha"], skip=skip)
    if raw and case["item_stats"].get("n") is not None:
        _check(errors, "item n", ist["n"], case["item_stats"]["n"], 0.0, skip=skip)
    for rk, ok in _DROP:
        ref = case["alpha_drop"].get(rk)
        if ref is not None:
            _check(errors, f"alpha drop {rk}", ist[ok], ref, t["alpha"])
    rev = sorted(nm.rstrip("-") for nm in _listify(case.get("reversed_names")))
    if rev != sorted(a.reversed_items):
        errors.append(f"reversed items: ours {sorted(a.reversed_items)} vs psych {rev}")
    assert not errors, f"{name}:\n" + "\n".join(errors)


def test_excluded_entries_name_existing_cases():
    for cases, excluded in ((EFA, EFA_EXCLUDED), (ALPHA, ALPHA_EXCLUDED), (OMEGA, OMEGA_EXCLUDED),
                            (POLY, POLY_EXCLUDED)):
        for key, reason in excluded.items():
            assert key.partition(":")[0] in cases and len(reason) > 40, key


def _listify(v) -> list:
    return [] if v is None else ([v] if isinstance(v, str) else list(v))


@pytest.mark.parametrize("name", [n for n in ALPHA if "r_error" in ALPHA[n]])
def test_alpha_where_psych_fails(name):
    """psych stops (keys with an item without variance: 'non-conformable arguments'); ours leaves
    the item out, says so, and reverses the keyed items."""
    case = ALPHA[name]
    a = _quietly(run_alpha, case)
    assert any("no variance" in w for w in a.warnings)
    assert np.isfinite(a.raw_alpha) and sorted(a.reversed_items) == sorted(_listify(case["options"]["keys"]))


# ----------------------------------------------------------------------------- omega
def _align_with_empty_columns(ref: np.ndarray, ours: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """align_factors for Schmid–Leiman group loadings, where a group factor can be all zeros
    (psych's too): such columns are matched among themselves, last. Returns the aligned
    loadings and, per reference column, our column."""
    full = [j for j in range(ref.shape[1]) if np.abs(ref[:, j]).max() > 1e-8]
    mine = [j for j in range(ours.shape[1]) if np.abs(ours[:, j]).max() > 1e-8]
    out, order = ours.copy(), np.arange(ours.shape[1])
    if len(full) == len(mine) and full:
        aligned, cols, _ = align_factors(ref[:, full], ours[:, mine])
        out[:, full] = aligned
        order[full] = np.asarray(mine)[cols]
        rest_r = [j for j in range(ref.shape[1]) if j not in full]
        rest_o = [j for j in range(ours.shape[1]) if j not in mine]
        out[:, rest_r] = ours[:, rest_o]
        order[rest_r] = rest_o
    return out, order


OMEGA, OMEGA_TOL, OMEGA_EXCLUDED = _load("omega")


def run_omega(case: dict):
    o = case["options"]
    x = make_data(case["spec"])
    if o.get("input") == "cov":
        x = _matrix(x, "cov")
    return ls.omega(x, o["nfactors"], method=o["fm"], rotation=o["rotate"])


@pytest.mark.parametrize("name", [n for n in OMEGA if n not in OMEGA_EXCLUDED and "r_error" not in OMEGA[n]])
def test_omega_equals_psych(name):
    case, t = OMEGA[name], OMEGA_TOL
    om = _quietly(run_omega, case)
    errors: list[str] = []
    for ours, rk in ((om.omega_h, "omega_h"), (om.omega_total, "omega_tot"), (om.alpha, "alpha"),
                     (om.omega_limit, "omega_lim"), (om.g6, "g6"), (om.ecv, "ecv")):
        _check(errors, rk, ours, case[rk], t["omega"])
    tab = om.loadings
    _check(errors, "g loadings", tab["g"], case["g_loadings"], t["loading"])
    _check(errors, "h2", tab["h2"], case["h2"], t["loading"])
    _check(errors, "u2", tab["u2"], case["u2"], t["loading"])
    p = len(case["spec"]["items"])
    ref_g = as_matrix(case["group_loadings"], p)
    ours_g = tab[[c for c in tab.columns if c.endswith("*")]].to_numpy()
    if ours_g.shape == ref_g.shape:
        G, order = _align_with_empty_columns(ref_g, ours_g)
        _check(errors, "group loadings", G, ref_g, t["loading"])
        ref_grp = case["omega_group"]
        grp = om.group.to_numpy()                          # rows g, F1*, ...; columns total, general, group
        ours_grp = np.vstack([grp[:1], grp[1:][order]])
        for j, col in enumerate(("total", "general", "group")):
            if len(_vec(ref_grp[col])) == ours_grp.shape[0]:
                _check(errors, f"omega.group {col}", ours_grp[:, j], ref_grp[col], t["omega"])
            else:
                errors.append(f"omega.group {col}: {len(_vec(ref_grp[col]))} rows in psych, {ours_grp.shape[0]} ours")
    else:
        errors.append(f"group factors: ours {ours_g.shape[1]} vs psych {ref_g.shape[1]}")
    flipped = sorted(nm.rstrip("-") for nm in _listify(case.get("flipped")))
    if flipped != sorted(om.reversed_items):
        errors.append(f"flipped items: ours {sorted(om.reversed_items)} vs psych {flipped}")
    assert not errors, f"{name}:\n" + "\n".join(errors)


@pytest.mark.parametrize("rotation", ["varimax", "Varimax", "quartimax", "geominT", "equamax", "none"])
def test_omega_refuses_an_orthogonal_rotation(rotation):
    """psych's schmid() has no orthogonal rotation (it fails); ours says why instead of
    computing g loadings from an identity factor correlation matrix."""
    x = make_data(OMEGA["hs_3_minres"]["spec"])
    with pytest.raises(ValueError, match="oblique"):
        ls.omega(x, 3, rotation=rotation)


# ----------------------------------------------------------------------------- polychoric
POLY, POLY_TOL, POLY_EXCLUDED = _load("polychoric")


def run_polychoric(case: dict):
    o = case["options"]
    return _quietly(lambda c: ls.polychoric(make_data(c["spec"]), correct=o["correct"], global_thresholds=o["global"]),
                    case)


@pytest.mark.parametrize("name", [n for n in POLY if n not in POLY_EXCLUDED and "r_error" not in POLY[n]])
def test_polychoric_equals_psych(name):
    case, t = POLY[name], POLY_TOL
    pc = run_polychoric(case)
    errors: list[str] = []
    names = case.get("names") or case["spec"]["items"]        # psych drops items without variance
    p = len(names)
    _check(errors, "rho", pc.rho.loc[names, names], as_matrix(case["rho"], p), t["rho"])
    tau_ref = as_matrix(case["tau"], p)
    tau = pc.tau.loc[names].to_numpy()
    if tau.shape != tau_ref.shape:
        errors.append(f"tau shape: ours {tau.shape} vs psych {tau_ref.shape}")
    else:
        _check(errors, "tau", tau, tau_ref, t["tau"])
    assert not errors, f"{name}:\n" + "\n".join(errors)


@pytest.mark.parametrize("name", [n for n in POLY if "r_error" in POLY[n]])
def test_polychoric_where_psych_fails(name):
    """psych stops (e.g. cor.smooth of a matrix with undefined cells); ours returns the matrix
    with every undefined cell explained on .warnings, or raises the package's error."""
    try:
        pc = run_polychoric(POLY[name])
    except ls.ItemDataError:
        return
    if np.isnan(pc.rho.to_numpy()).any():
        assert pc.warnings, f"{name}: undefined correlations without a warning"


# ----------------------------------------------------------------------------- MAP, eigenvalues
RET, RET_TOL, _ = _load("retention")


@pytest.mark.parametrize("name", list(RET))
def test_map_and_observed_eigenvalues_equal_psych(name):
    case, t = RET[name], RET_TOL
    x, use = _data_and_use(case["spec"])
    poly = case["options"].get("cor") == "poly"
    errors: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = ls.velicer_map(ls.polychoric(x).rho if poly else x, n=case["options"]["n"], use=use)
        pa = ls.parallel_analysis(x, n_iter=2, seed=1, use=use, cor="poly" if poly else "pearson")
    ref_map = _vec(case["map"])
    ours_map = m.map.to_numpy()[1:]
    n = min(len(ours_map), len(ref_map))
    t = {**t, "map": t["map_poly"], "pc_eigenvalue": t["eigenvalue_poly"]} if poly else t
    _check(errors, "MAP", ours_map[:n], ref_map[:n], t["map"])
    if n < len(ref_map):
        _check(errors, "MAP beyond p - 1 components (psych: NA)", ref_map[n:], np.full(len(ref_map) - n, np.nan), 0)
    if m.n_factors != case["map_nfact"]:
        errors.append(f"MAP suggestion: ours {m.n_factors} vs psych {case['map_nfact']}")
    _check(errors, "observed PC eigenvalues", pa.eigenvalues["observed_pc"], case["pc_values"], t["pc_eigenvalue"])
    _check(errors, "observed FA eigenvalues", pa.eigenvalues["observed_fa"], case["fa_values"], t["fa_eigenvalue"])
    assert not errors, f"{name}:\n" + "\n".join(errors)
