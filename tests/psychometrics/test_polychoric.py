"""Polychoric correlations against psych::polychoric (bfi_polychoric and extra_psych/polychoric)."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from scipy.stats import multivariate_normal

import loyaltyscope as ls
from reference import as_matrix, load_case, load_case_set, load_data, max_abs_diff, tolerances

pc = importlib.import_module("loyaltyscope.psychometrics.polychoric_correlation")   # the module (ls.polychoric is the function)

CASE = load_case("bfi_polychoric")
EXTRA = load_case_set("polychoric", "extra_psych")
T, XT = tolerances(CASE), tolerances(EXTRA)
BFI = load_data("bfi.csv")


pytestmark = pytest.mark.usefixtures("quiet_psychometric_warnings")


def test_bfi_polychoric_equals_psych():
    r = ls.polychoric(BFI[CASE["items"]])
    p = len(CASE["items"])
    assert list(r.rho.index) == CASE["items"]
    assert max_abs_diff(r.rho, as_matrix(CASE["rho"], p)) < T["rho"]
    assert max_abs_diff(r.tau, as_matrix(CASE["tau"], p)) < T["tau"]
    assert r.global_thresholds and not r.smoothed


def _extra_data(name, cs):
    x = BFI[cs["items"]].copy()
    if "rows" in cs:
        x = x.iloc[:cs["rows"]].copy()
    if name == "bfi_C_unequal":
        x.loc[x.C1 == 6, "C1"] = 5
    if name == "bfi_E_empty_cat":
        x.loc[x.E1 == 2, "E1"] = 1
    return x


def test_extra_cases_present():
    assert len(EXTRA) >= 4


@pytest.mark.parametrize("name", list(EXTRA))
def test_extra_polychoric_equals_psych(name):
    cs = EXTRA[name]
    r = ls.polychoric(_extra_data(name, cs))
    p = len(cs["items"])
    assert max_abs_diff(r.rho, as_matrix(cs["rho"], p)) < XT["rho"]
    tau = as_matrix(cs["tau"], p)                    # null = +Inf in the JSON
    ours = r.tau.to_numpy()
    fin = np.isfinite(tau)
    assert max_abs_diff(ours[fin], tau[fin]) < XT["tau"]
    assert np.isinf(ours[~fin]).all()
    assert r.global_thresholds == (not any("global set to FALSE" in w for w in cs["warnings"]))


def test_unequal_categories_report_the_continuity_correction():
    cs = EXTRA["bfi_C_unequal"]
    with pytest.warns(ls.PsychometricWarning, match="continuity"):
        r = ls.polychoric(_extra_data("bfi_C_unequal", cs))
    assert not r.global_thresholds
    n_pairs = int((r.zero_cells["corrected"] > 0).sum())
    assert n_pairs == 10          # psych: "10 cells were adjusted" (it counts pairs)
    assert (r.empty_categories.values.tolist() == [["C1", 6.0]])


def test_global_thresholds_apply_no_correction_and_report_empty_categories():
    r = ls.polychoric(_extra_data("bfi_E_empty_cat", EXTRA["bfi_E_empty_cat"]))
    assert r.global_thresholds
    assert r.empty_categories.values.tolist() == [["E1", 2.0]]
    assert r.tau.loc["E1", "1"] == r.tau.loc["E1", "2"]           # repeated threshold for the empty category
    small = ls.polychoric(BFI[[f"A{i}" for i in range(1, 6)]].iloc[:150])
    assert len(small.zero_cells) > 0 and (small.zero_cells["corrected"] == 0).all()


def test_bvn_cdf_against_scipy():
    rng = np.random.default_rng(1)
    h, k = rng.normal(size=40) * 1.5, rng.normal(size=40) * 1.5
    for rho in (-0.97, -0.6, -0.2, 0.0, 0.35, 0.8, 0.93, 0.999):
        ours = pc.bvn_cdf(h, k, np.full(40, rho))
        ref = [multivariate_normal([0, 0], [[1, rho], [rho, 1]]).cdf([a, b]) for a, b in zip(h, k)]
        assert np.abs(ours - ref).max() < 1e-7
    assert pc.bvn_cdf(np.inf, 0.3, 0.5) == pytest.approx(0.6179114221889527)
    assert pc.bvn_cdf(-np.inf, 0.3, 0.5) == 0.0


def test_pair_core_recovers_a_known_correlation():
    # a large sample from a known bivariate normal cut into categories
    rng = np.random.default_rng(2)
    z = rng.multivariate_normal([0, 0], [[1, 0.6], [0.6, 1]], size=20000)
    cuts = [-1.0, 0.0, 0.8]
    a, b = np.digitize(z[:, 0], cuts), np.digitize(z[:, 1], cuts)
    table = np.zeros((4, 4))
    np.add.at(table, (a, b), 1)
    rho, ll = pc.polychoric_pair(table)
    assert abs(rho - 0.6) < 0.02 and np.isfinite(ll)
    t = pc.thresholds(table.sum(1))
    assert np.allclose(t, cuts, atol=0.05)


def test_pairs_core_is_vectorised_and_consistent():
    x = BFI[["A1", "A2", "A3"]].dropna().astype(int).to_numpy() - 1
    tabs, trs, tcs = [], [], []
    for i, j in ((0, 1), (0, 2), (1, 2)):
        t = np.zeros((6, 6))
        np.add.at(t, (x[:, i], x[:, j]), 1)
        tabs.append(t)
        trs.append(pc.thresholds(np.bincount(x[:, i], minlength=6)))
        tcs.append(pc.thresholds(np.bincount(x[:, j], minlength=6)))
    rho, ll, conv = pc.polychoric_pairs(np.stack(tabs), np.stack(trs), np.stack(tcs))
    assert conv.all()
    for q in range(3):
        assert rho[q] == pytest.approx(pc.polychoric_pair(tabs[q], trs[q], tcs[q])[0], abs=1e-9)


def test_polychoric_is_fast():
    import time

    x = BFI.iloc[:, 1:26]
    t = time.perf_counter()
    ls.polychoric(x)
    assert time.perf_counter() - t < 3.0     # psych ≈ 3-6 s; here a few hundredths (generous bound for CI load)


def test_efa_on_polychoric_correlations():
    items = CASE["items"]
    e = ls.efa(BFI[items], 2, cor="poly")
    r = ls.polychoric(BFI[items]).rho
    assert np.allclose(e.correlation.to_numpy(), r.to_numpy())
