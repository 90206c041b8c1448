"""EFA and rotations against psych::fa / GPArotation (reference cases bfi_efa and extra_psych/efa)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import loyaltyscope as ls
from loyaltyscope.psychometrics import rotation as rot
from reference import align_factors, align_phi, as_matrix, load_case, load_case_set, load_data, max_abs_diff, tolerances

CASE = load_case("bfi_efa")
EXTRA = load_case_set("efa", "extra_psych")
TOL_LOADING = tolerances(CASE)["loading"]
XT = tolerances(EXTRA)
BFI = load_data("bfi.csv")


pytestmark = pytest.mark.usefixtures("quiet_psychometric_warnings")


@pytest.mark.parametrize("sol", CASE["solutions"], ids=lambda s: f"{s['fm']}-{s['rotate']}")
def test_bfi_solutions_equal_psych(sol):
    e = ls.efa(BFI[CASE["items"]], 5, rotation=sol["rotate"], method=sol["fm"])
    assert list(e.loadings.index) == sol["loadings_rows"]
    ref = as_matrix(sol["loadings"], len(CASE["items"]))
    aligned, cols, signs = align_factors(ref, e.loadings.to_numpy())
    assert max_abs_diff(aligned, ref) < TOL_LOADING
    # psych's own order and signs are reproduced, not only up to permutation
    assert list(cols) == list(range(5)) and (signs > 0).all()
    assert max_abs_diff(e.communalities[sol["loadings_rows"]], list(sol["communalities"].values())) < TOL_LOADING
    assert max_abs_diff(e.uniquenesses[sol["loadings_rows"]], list(sol["uniquenesses"].values())) < TOL_LOADING
    if sol["phi"]:
        assert e.oblique
        assert max_abs_diff(align_phi(e.phi.to_numpy(), cols, signs), as_matrix(sol["phi"], 5)) < TOL_LOADING
    else:
        assert not e.oblique
        assert np.allclose(e.phi.to_numpy(), np.eye(5))


def _extra_input(cs):
    x = (BFI if cs["data"] == "bfi.csv" else load_data(cs["data"]))[cs["items"]].copy()
    for v in cs.get("reversed") or []:
        x[v] = 7 - x[v]
    kw = {}
    if cs.get("input") == "correlation":
        x = x.corr()
        kw["nobs"] = cs["n_obs"]
    sm = {"regression": "regression", "Bartlett": "bartlett"}.get(cs.get("scores_method"))
    if sm:
        kw["scores"] = sm
    kw["cor"] = {"cor": "pearson", "poly": "poly"}[cs.get("cor", "cor")]
    return x, kw


def test_extra_cases_present():
    assert len(EXTRA) >= 20 and len(CASE["solutions"]) >= 3


@pytest.mark.parametrize("name", list(EXTRA))
def test_extra_cases_equal_psych(name):
    cs = EXTRA[name]
    x, kw = _extra_input(cs)
    e = ls.efa(x, cs["n_factors"], rotation=cs["rotate"], method=cs["fm"], **kw)
    p, k = len(cs["items"]), cs["n_factors"]
    ref = as_matrix(cs["loadings"], p)
    aligned, cols, signs = align_factors(ref, e.loadings.to_numpy())
    assert max_abs_diff(aligned, ref) < XT["loading"]
    assert max_abs_diff(e.communalities, list(cs["communality"].values())) < XT["loading"]
    if cs.get("phi") is not None:
        assert max_abs_diff(align_phi(e.phi.to_numpy(), cols, signs), as_matrix(cs["phi"], k)) < TOL_LOADING
    f = e.fit_measures
    assert abs(f["rmsr"] - cs["rms"]) < 1e-3
    assert f["df"] == cs["dof"]
    assert abs(f["chisq"] - cs["statistic"]) <= 2e-3 * max(1.0, cs["statistic"])
    assert abs(f["tli"] - cs["tli"]) < 2e-3
    rmsea = [np.nan if v is None else v for v in cs["rmsea"]]
    assert max_abs_diff([f["rmsea"], f["rmsea_lower"], f["rmsea_upper"]], rmsea) < XT["rmsea"]
    assert abs(f["objective"] - cs["objective"]) <= XT["objective_rel"] * max(1.0, cs["objective"])
    if "values" in cs:
        assert max_abs_diff(e.eigenvalues["reduced"], cs["values"]) < XT["loading"]
        assert max_abs_diff(e.eigenvalues["correlation"], cs["e_values"]) < XT["eigenvalue"]
        assert max_abs_diff(e.variance.loc["ss_loadings"].to_numpy()[cols], cs["ss_loadings"]) < XT["loading"]
    if "echisq" in f and cs.get("chi") is not None:
        assert abs(f["echisq"] - cs["chi"]) <= XT["chisq_rel"] * max(1.0, cs["chi"])
    if cs.get("weights") is not None and e.score_weights is not None:
        w = e.score_weights.to_numpy()[:, cols] * signs
        assert max_abs_diff(w, as_matrix(cs["weights"], p)) < XT["loading"]
        s = e.scores.to_numpy()[:10][:, cols] * signs
        assert max_abs_diff(s, as_matrix(cs["scores_head"], 10)) < XT["loading"]


def test_correlation_matrix_input_equals_raw():
    x = BFI[CASE["items"]]
    e1 = ls.efa(x, 5)
    r = e1.correlation
    e2 = ls.efa(r, 5, nobs=len(x))
    assert np.allclose(e1.loadings, e2.loadings, atol=1e-6)
    assert e2.scores is None and np.isfinite(e2.fit_measures["chisq"])


def test_pa_is_psychs_iterated_principal_axis_not_factor_analyzer_principal():
    # psych's fm="pa" iterates communalities from SMCs until their sum changes by < 0.001
    hs = load_data("holzinger_swineford_1939.csv")[[f"x{i}" for i in range(1, 10)]]
    e = ls.efa(hs, 3, rotation="none", method="pa")
    ref = as_matrix(EXTRA["hs_pa_none"]["loadings"], 9)
    assert max_abs_diff(align_factors(ref, e.loadings.to_numpy())[0], ref) < 1e-10


def test_scores_are_standardised_data_times_weights():
    x = BFI[CASE["items"]]
    e = ls.efa(x, 3, scores="regression")
    z = (x - x.mean()) / x.std()
    expect = z.to_numpy() @ e.score_weights.to_numpy()
    assert np.allclose(e.scores.to_numpy(), expect, equal_nan=True)
    assert e.scores.index.equals(x.index)
    b = ls.efa(x, 3, scores="bartlett")
    assert not np.allclose(b.score_weights, e.score_weights)


def test_listwise_equals_analysis_of_complete_rows():
    x = BFI[CASE["items"]]
    e1 = ls.efa(x, 5, use="listwise")
    e2 = ls.efa(x.dropna(), 5)
    assert np.allclose(e1.loadings, e2.loadings, atol=1e-8)
    assert e1.nobs == len(x.dropna())


def test_heywood_case_is_warned_and_recorded():
    # one factor, r_ab r_ac / r_bc = 1.28 > 1: the communality of a exceeds 1 unless bounded
    r = pd.DataFrame([[1, .8, .8, .3], [.8, 1, .5, .2], [.8, .5, 1, .2], [.3, .2, .2, 1]],
                     index=list("abcd"), columns=list("abcd"), dtype=float)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        e = ls.efa(r, 1, rotation="none", nobs=200)
    hey = [w for w in caught if issubclass(w.category, ls.HeywoodWarning)]
    assert hey and "a" in str(hey[0].message)
    assert e.heywood == ("a",)
    assert any("Heywood" in w and "a" in w for w in e.warnings)
    # psych: uniquenesses = 1 - rowSums(L²) = -0.0552 although the optimiser's bound is 0.005
    assert e.uniquenesses["a"] == pytest.approx(-0.0552, abs=1e-2)
    free = ls.efa(r, 1, rotation="none", nobs=200, heywood="free")
    assert free.communalities["a"] > 1 and "a" in free.heywood


def test_summary_and_html_escape_names():
    x = BFI[CASE["items"][:6]].rename(columns={"A1": "<b>A1</b>"})
    e = ls.efa(x, 2)
    assert "<b>A1</b>" in e.summary()
    html = e._repr_html_()
    assert "&lt;b&gt;A1&lt;/b&gt;" in html and "<b>A1</b>" not in html


def test_variance_table_and_structure():
    e = ls.efa(BFI[CASE["items"]], 5)
    L, phi = e.loadings.to_numpy(), e.phi.to_numpy()
    assert np.allclose(e.structure.to_numpy(), L @ phi)
    assert np.allclose(e.variance.loc["ss_loadings"], np.diag(phi @ L.T @ L))
    # psych orders factors by variance accounted for
    assert (np.diff(e.variance.loc["ss_loadings"].to_numpy()) <= 1e-12).all()
    assert (e.loadings.sum(axis=0) > 0).all()


# ---- rotation component ---------------------------------------------------------------------------------

def _unrotated():
    e = ls.efa(BFI[CASE["items"]], 5, rotation="none")
    return e.loadings.to_numpy()


def test_oblimin_from_identity_equals_factor_analyzer_rotator():
    rotator = pytest.importorskip("factor_analyzer.rotator", reason="factor_analyzer is the optional 'crosscheck' "
                                  "extra (pip install loyaltyscope[crosscheck])")
    Rotator = rotator.Rotator

    A = _unrotated()
    ours = rot.rotate(A, "oblimin")
    fa = Rotator(method="oblimin", normalize=False, max_iter=1000).fit_transform(A)
    assert np.abs(ours.loadings - fa).max() < 1e-4


@pytest.mark.parametrize("method", ["quartimax", "equamax", "geominT", "oblimin", "quartimin", "geominQ"])
def test_gpa_criterion_decreases_and_converges(method):
    A = _unrotated()
    p, k = A.shape
    crit = rot.criterion(method, p, k)
    r = rot.rotate(A, method)
    assert r.converged
    assert r.criterion <= crit(A)[0] + 1e-12
    # the model-implied common part is unchanged by rotation
    assert np.allclose(r.loadings @ r.phi @ r.loadings.T, A @ A.T, atol=1e-8)


def test_random_starts_are_reproducible_and_keep_identity_on_ties():
    A = _unrotated()
    r1 = rot.rotate(A, "geominQ", n_starts=6, seed=11)
    r2 = rot.rotate(A, "geominQ", n_starts=6, seed=11)
    assert r1.start_criteria == r2.start_criteria and np.array_equal(r1.loadings, r2.loadings)
    assert r1.n_starts == 6 and len(r1.start_criteria) == 6
    assert r1.criterion == min(r1.start_criteria) or r1.best_start == 0


def test_promax_is_psychs_kaiser_normalised_promax_not_stats_promax():
    A = _unrotated()
    L, U, phi = rot.promax_kaiser(A)
    # stats::promax builds the target from varimax loadings that are NOT row-normalised
    V, R, _f, _c, _i = rot.varimax_kaiser(A)
    Q = V * np.abs(V) ** 3
    Us = np.linalg.lstsq(V, Q, rcond=None)[0]
    Us = Us * np.sqrt(np.diag(np.linalg.inv(Us.T @ Us)))
    assert np.abs(L - V @ Us).max() > 1e-3
    assert np.allclose(np.diag(phi), 1.0)


def test_unknown_rotation_and_method_are_clear_errors():
    with pytest.raises(ValueError, match="rotation"):
        ls.efa(BFI[CASE["items"]], 2, rotation="simplimax")
    with pytest.raises(ValueError, match="method"):
        ls.efa(BFI[CASE["items"]], 2, method="principal")


def test_geomin_local_optimum_psych_solution_by_default_and_warned():
    cs = EXTRA["bfi_minres_geominQ_8f"]
    x = BFI[cs["items"]]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        e = ls.efa(x, 8, rotation="geominQ")
    ref = as_matrix(cs["loadings"], 25)
    assert max_abs_diff(align_factors(ref, e.loadings.to_numpy())[0], ref) < XT["loading"]     # psych's solution
    ri = e.rotation_info
    assert ri.n_starts == 10 and ri.best_start != 0
    assert min(ri.start_criteria) < ri.start_criteria[0] - 1e-3
    assert any("lower criterion" in str(w.message) for w in caught)
    best = ls.efa(x, 8, rotation="geominQ", keep="best")
    assert best.rotation_info.criterion == pytest.approx(min(ri.start_criteria))
    assert max_abs_diff(align_factors(ref, best.loadings.to_numpy())[0], ref) > 0.05


def test_listwise_scores_keep_the_row_labels_of_complete_rows():
    x = BFI[CASE["items"]]
    e = ls.efa(x, 2, use="listwise", scores="regression")
    assert e.scores.index.equals(x.dropna().index)
