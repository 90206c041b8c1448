"""KMO, Bartlett, parallel analysis and Velicer's MAP against psych (bfi_efa and extra_psych/retention)."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

import loyaltyscope as ls
from loyaltyscope.psychometrics import factor_retention as rt
from reference import load_case, load_case_set, load_data, max_abs_diff, tolerances

CASE = load_case("bfi_efa")
EXTRA = load_case_set("retention", "extra_psych")
T, XT = tolerances(CASE), tolerances(EXTRA)
TOL_KMO = T["kmo"]   # stored in the case file
BFI = load_data("bfi.csv")
HS = load_data("holzinger_swineford_1939.csv")
DATA = {"bfi": BFI, "hs": HS}


pytestmark = pytest.mark.usefixtures("quiet_psychometric_warnings")


def test_kmo_equals_psych():
    k = ls.kmo(BFI[CASE["items"]])
    overall, per_item = k.overall, k.per_item
    assert abs(overall - CASE["kmo_overall"]) < TOL_KMO
    assert list(per_item.index) == list(CASE["kmo_items"])
    assert max_abs_diff(per_item, list(CASE["kmo_items"].values())) < T["kmo"]


def test_bartlett_equals_psych():
    b = ls.bartlett(BFI[CASE["items"]])
    chisq, df, p = b.chisq, b.df, b.pvalue
    ref = CASE["bartlett"]
    assert abs(chisq - ref["chisq"]) < T["bartlett_chisq_rel"] * ref["chisq"]
    assert df == ref["df"]
    assert abs(p - ref["p"]) < T["bartlett_p"]


def test_parallel_analysis_suggestion_equals_psych():
    pa = ls.parallel_analysis(BFI[CASE["items"]], n_iter=100, seed=1)
    assert pa.n_factors == CASE["parallel_nfact"]
    assert max_abs_diff(pa.eigenvalues["observed_fa"], CASE["observed_fa_eigenvalues"]) < T["eigenvalue"]
    # other seeds give the same suggestion (psych's result is itself random)
    assert ls.parallel_analysis(BFI[CASE["items"]], n_iter=100, seed=7).n_factors == CASE["parallel_nfact"]


def test_parallel_analysis_reproducible_with_seed():
    x = HS[[f"x{i}" for i in range(1, 10)]]
    a = ls.parallel_analysis(x, n_iter=30, seed=5)
    b = ls.parallel_analysis(x, n_iter=30, seed=5)
    c = ls.parallel_analysis(x, n_iter=30, seed=6)
    pd.testing.assert_frame_equal(a.eigenvalues, b.eigenvalues)
    assert not np.allclose(a.eigenvalues["simulated_pc_quantile"], c.eigenvalues["simulated_pc_quantile"])
    assert {"observed_pc", "observed_fa", "simulated_fa_quantile", "resampled_pc_mean"} <= set(a.eigenvalues)


def test_extra_cases_present():
    assert set(EXTRA) == {"hs", "bfi"}


@pytest.mark.parametrize("name", ["hs", "bfi"])
def test_extra_retention_equals_psych(name):
    cs = EXTRA[name]
    x = DATA[name][cs["items"]]
    k = ls.kmo(x)
    overall, per = k.overall, k.per_item
    assert abs(overall - cs["kmo_overall"]) < TOL_KMO
    assert max_abs_diff(per, list(cs["kmo_items"].values())) < TOL_KMO
    b = ls.bartlett(x)
    assert abs(b.chisq - cs["bartlett"]["chisq"]) < XT["bartlett_chisq_rel"] * cs["bartlett"]["chisq"]
    assert b.df == cs["bartlett"]["df"]
    m = ls.velicer_map(x)
    ref = np.array(cs["map"], float)
    assert max_abs_diff(m.map.to_numpy()[1:1 + len(ref)], ref) < XT["map"]
    assert m.n_factors == cs["map_nfact"]
    pa = ls.parallel_analysis(x, n_iter=100, seed=1)
    assert max_abs_diff(pa.eigenvalues["observed_pc"], cs["pc_values"]) < XT["pc_eigenvalue"]
    assert max_abs_diff(pa.eigenvalues["observed_fa"], cs["fa_values"]) < XT["fa_eigenvalue"]
    assert pa.n_factors == cs["parallel"]["nfact"] and pa.n_components == cs["parallel"]["ncomp"]


def test_simulated_correlations_have_the_normal_data_distribution():
    # Bartlett-decomposition draws: E r_ij = 0, Var r_ij ≈ 1/(n - 1) for independent normal data
    rng = np.random.default_rng(0)
    R = rt._wishart_correlations(rng, 200, 6, 4000)
    off = R[:, 0, 1]
    assert abs(off.mean()) < 0.005
    assert abs(off.var() * 199 - 1) < 0.06
    assert np.allclose(R[:, np.arange(6), np.arange(6)], 1)


def test_batched_one_factor_minres_equals_the_exact_routine():
    from loyaltyscope.psychometrics.exploratory import extract_minres

    r = HS[[f"x{i}" for i in range(1, 10)]].corr().to_numpy()
    L = extract_minres(r, 1)[0]
    S = r.copy()
    np.fill_diagonal(S, (L * L).sum(1))
    assert max_abs_diff(rt.minres_one_factor_values(r[None])[0], np.linalg.eigvalsh(S)[::-1]) < 1e-7


def test_correlation_matrix_input():
    x = BFI[CASE["items"]]
    r = x.corr()
    o1 = ls.kmo(r).overall
    assert abs(o1 - CASE["kmo_overall"]) < TOL_KMO
    with pytest.raises(ValueError, match="nobs"):
        ls.bartlett(r)
    assert abs(ls.bartlett(r, nobs=2800).chisq - CASE["bartlett"]["chisq"]) < 1e-3


def test_results_render():
    x = HS[[f"x{i}" for i in range(1, 10)]]
    for res in (ls.kmo(x), ls.bartlett(x), ls.parallel_analysis(x, n_iter=10), ls.velicer_map(x)):
        assert isinstance(res.summary(), str) and res._repr_html_().startswith("<div")
