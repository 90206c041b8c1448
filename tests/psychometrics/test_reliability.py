"""Alpha, omega, composite reliability, AVE, HTMT against psych and semTools
(bfi_reliability and extra_psych/reliability)."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

import loyaltyscope as ls
from reference import as_matrix, bfi_reversed, load_case, load_case_set, load_data, max_abs_diff, tolerances

CASE = load_case("bfi_reliability")
EXTRA = load_case_set("reliability", "extra_psych")
T, XT = tolerances(CASE), tolerances(EXTRA)
TOL_ALPHA, TOL_OMEGA = T["alpha"], T["omega"]   # stored in the case file
BFI = load_data("bfi.csv")
BFIR = bfi_reversed()
HS = load_data("holzinger_swineford_1939.csv")


pytestmark = pytest.mark.usefixtures("quiet_psychometric_warnings")


def test_reversal_matches_case():
    assert sorted(CASE["reversed_items"]) == sorted(["A1", "C4", "C5", "E1", "E2", "O2", "O5"])


@pytest.mark.parametrize("scale", list(CASE["scales"]))
def test_alpha_equals_psych(scale):
    d = CASE["scales"][scale]
    a = ls.alpha(BFIR[d["items"]])
    assert abs(a.raw_alpha - d["raw_alpha"]) < T["alpha"]
    assert abs(a.std_alpha - d["std_alpha"]) < T["alpha"]
    assert abs(a.average_r - d["average_r"]) < T["alpha"]
    assert list(a.item_stats.index) == d["items"]
    assert max_abs_diff(a.item_stats["r_drop"], [d["r_drop"][i] for i in d["items"]]) < T["alpha"]
    assert max_abs_diff(a.item_stats["alpha_if_deleted"], [d["alpha_if_deleted"][i] for i in d["items"]]) < T["alpha"]
    assert {"r_drop", "alpha_if_deleted", "std_alpha_if_deleted", "mean", "sd", "n"} <= set(a.item_stats.columns)


@pytest.mark.parametrize("scale", list(CASE["scales"]))
def test_alpha_with_reverse_argument_equals_prereversed(scale):
    d = CASE["scales"][scale]
    a = ls.alpha(BFI[d["items"]], reverse=d["reversed"])
    assert abs(a.raw_alpha - d["raw_alpha"]) < T["alpha"]


def test_reliability_table_equals_semtools():
    t = ls.reliability(CASE["cfa_model"], BFIR).table
    assert list(t.index) == list(CASE["omega"])
    assert {"alpha", "omega", "ave"} <= set(t.columns)
    assert max_abs_diff(t["omega"], list(CASE["omega"].values())) < T["omega"]
    assert max_abs_diff(t["ave"], list(CASE["ave"].values())) < T["ave"]
    assert max_abs_diff(t["alpha"], [CASE["scales"][c]["raw_alpha"] for c in t.index]) < T["alpha"]


def test_htmt_equals_semtools():
    h = ls.htmt(CASE["cfa_model"], BFIR).htmt
    assert list(h.index) == CASE["htmt_names"] == list(h.columns)
    assert max_abs_diff(h, as_matrix(CASE["htmt"], 5)) < T["htmt"]


def test_htmt_bootstrap_intervals_reproducible():
    model = "A =~ A1 + A2 + A3 + A4 + A5\nE =~ E1 + E2 + E3 + E4 + E5\nN =~ N1 + N2 + N3 + N4 + N5"
    h1 = ls.htmt(model, BFIR, n_boot=40, seed=3)
    h2 = ls.htmt(model, BFIR, n_boot=40, seed=3)
    iv = h1.intervals
    pd.testing.assert_frame_equal(iv, h2.intervals)
    assert len(iv) == 3 and ((iv["lower"] <= iv["htmt"]) & (iv["htmt"] <= iv["upper"])).all()
    assert h1.lower.loc["A", "E"] == iv.loc[0, "lower"]
    pd.testing.assert_frame_equal(ls.htmt_intervals(model, BFIR, 40, 3).intervals, iv)


def test_fornell_larcker():
    fl = ls.fornell_larcker(CASE["cfa_model"], BFIR)
    t = fl.table
    assert np.allclose(np.diag(t.to_numpy()), np.sqrt(list(CASE["ave"].values())), atol=TOL_OMEGA)
    assert np.allclose(t.to_numpy(), t.to_numpy().T)
    assert set(fl.satisfied.index) == set(CASE["omega"])


SRC = {"hs_visual": HS, "hs_all": HS, "bfi_N": BFIR, "bfi_unreversed_A": BFI, "bfi_all_reversed": BFIR}


def test_extra_cases_present():
    assert len(EXTRA["alpha"]) >= 5 and len(EXTRA["omega"]) >= 2 and len(CASE["scales"]) == 5


@pytest.mark.parametrize("name", list(EXTRA["alpha"]))
def test_extra_alpha_all_statistics(name):
    cs = EXTRA["alpha"][name]
    a = ls.alpha(SRC[name][cs["items"]])
    for ours, ref in [(a.raw_alpha, "raw_alpha"), (a.std_alpha, "std_alpha"), (a.g6, "g6"), (a.average_r, "average_r"),
                      (a.s_n, "s_n"), (a.ase, "ase"), (a.mean, "mean"), (a.sd, "sd"), (a.median_r, "median_r")]:
        assert abs(ours - cs[ref]) < XT["alpha"], ref
    assert abs(a.feldt[0] - cs["feldt"]["lower"]) < XT["alpha"] and abs(a.feldt[1] - cs["feldt"]["upper"]) < XT["alpha"]
    for col in ("n", "raw_r", "std_r", "r_cor", "r_drop", "mean", "sd"):
        assert max_abs_diff(a.item_stats[col], list(cs["item_stats"][col].values())) < XT["alpha"], col
    for ref, col in (("raw_alpha", "alpha_if_deleted"), ("std_alpha", "std_alpha_if_deleted"),
                     ("average_r", "average_r_if_deleted")):
        assert max_abs_diff(a.item_stats[col], list(cs["alpha_drop"][ref].values())) < XT["alpha"], col


def test_negative_item_rest_correlation_is_named():
    with pytest.warns(ls.PsychometricWarning, match="A1"):
        a = ls.alpha(BFI[[f"A{i}" for i in range(1, 6)]])
    assert any("A1" in w and "reverse" in w for w in a.warnings)


def test_alpha_bootstrap_interval_reproducible():
    x = BFIR[[f"N{i}" for i in range(1, 6)]]
    a = ls.alpha(x, n_boot=200, seed=1)
    b = ls.alpha(x, n_boot=200, seed=1)
    assert a.bootstrap == b.bootstrap
    lo, hi = a.bootstrap
    assert lo < a.raw_alpha < hi
    assert abs(lo - a.feldt[0]) < 0.02 and abs(hi - a.feldt[1]) < 0.02


def test_alpha_listwise_uses_complete_rows():
    x = BFIR[[f"C{i}" for i in range(1, 6)]]
    a = ls.alpha(x, use="listwise")
    b = ls.alpha(x.dropna())
    assert a.raw_alpha == pytest.approx(b.raw_alpha, abs=1e-12) and a.nobs == len(x.dropna())


@pytest.mark.parametrize("name", list(EXTRA["omega"]))
def test_omega_equals_psych(name):
    cs = EXTRA["omega"][name]
    data = HS if name.startswith("hs") else BFIR
    o = ls.omega(data[cs["items"]], cs["n_factors"], method=cs["fm"])
    assert abs(o.omega_h - cs["omega_h"]) < XT["omega"]
    assert abs(o.omega_total - cs["omega_tot"]) < XT["omega"]
    assert abs(o.alpha - cs["alpha"]) < XT["omega"]
    assert abs(o.omega_limit - cs["omega_lim"]) < XT["omega"]
    assert abs(o.g6 - cs["g6"]) < XT["omega"]
    assert abs(o.ecv - cs["ecv"]) < XT["omega"]
    assert max_abs_diff(o.loadings["g"], cs["g_loadings"]) < XT["loading"]
    assert max_abs_diff(o.loadings["h2"], cs["h2"]) < XT["loading"]


def test_extra_cfa_reliability_htmt():
    cs = EXTRA["cfa_hs"]
    t = ls.reliability(cs["model"], HS).table
    assert max_abs_diff(t["omega"], list(cs["omega"].values())) < TOL_OMEGA
    assert max_abs_diff(t["ave"], list(cs["ave"].values())) < TOL_OMEGA
    assert max_abs_diff(ls.htmt(cs["model"], HS).htmt, as_matrix(cs["htmt"], 3)) < TOL_OMEGA
    assert max_abs_diff(ls.htmt(cs["model"], HS, htmt2=False).htmt, as_matrix(cs["htmt_arith"], 3)) < TOL_OMEGA
    m3 = "A =~ A1 + A2 + A3 + A4 + A5\nC =~ C1 + C2 + C3 + C4 + C5\nN =~ N1 + N2 + N3 + N4 + N5"
    assert max_abs_diff(ls.htmt(m3, BFIR, use="pairwise").htmt, as_matrix(cs["htmt_pairwise_bfi"], 3)) < TOL_OMEGA


def test_results_render_and_escape():
    x = BFIR[[f"N{i}" for i in range(1, 6)]].rename(columns={"N1": "<i>N1</i>"})
    a = ls.alpha(x)
    assert "<i>N1</i>" in a.summary()
    assert "&lt;i&gt;N1&lt;/i&gt;" in a._repr_html_() and "<i>N1</i>" not in a._repr_html_()
    o = ls.omega(HS[[f"x{i}" for i in range(1, 10)]])
    assert "omega_h" in o.summary() and o._repr_html_().startswith("<div")


def test_alpha_from_a_correlation_matrix_equals_psych():
    cs = EXTRA["alpha_matrix"]
    a = ls.alpha(BFIR[cs["items"]].corr(), nobs=cs["n_obs"])
    assert abs(a.raw_alpha - cs["raw_alpha"]) < TOL_ALPHA and abs(a.std_alpha - cs["std_alpha"]) < TOL_ALPHA
    assert abs(a.ase - cs["ase"]) < TOL_ALPHA
    assert max_abs_diff(a.item_stats["r_drop"], cs["r_drop"]) < TOL_ALPHA
    assert max_abs_diff(a.item_stats["alpha_if_deleted"], cs["alpha_if_deleted"]) < TOL_ALPHA
    # psych's Feldt interval for matrix input uses the matrix's row count as n (a psych slip); ours uses nobs
    lo, hi = a.feldt
    assert lo < a.raw_alpha < hi and hi - lo < 0.03
