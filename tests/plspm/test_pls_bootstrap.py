"""Bootstrap of the PLS model: against R seminr's bootstrap summaries (fixtures boot_report_*,
500 resamples, path weighting, the four-construct mobi model) up to Monte-Carlo error, and
reproducibility for any chunking / worker count."""

import numpy as np
import pytest

import loyaltyscope as ls
from loyaltyscope.plspm.resampling import bootstrap_stack
from loyaltyscope.plspm.specification import specify
from reference import MOBI4, load_mobi, seminr_table



@pytest.fixture(scope="module")
def boot_fit():
    return ls.pls(MOBI4, load_mobi(), bootstrap=2000, seed=123)


def test_paths_against_seminr(boot_fit):
    """seminr (R, RNG differs): point estimates to 2e-3; SE within 12 %, interval bounds
    within 0.03 (Monte-Carlo error of 500 vs 2000 resamples)."""
    ref = seminr_table("boot_report_paths.csv", index_col=0)
    p = boot_fit.paths.set_index("rhs")
    for name, row in ref.iterrows():
        frm = name.split("->")[0].strip()
        assert p.loc[frm, "est"] == pytest.approx(row["Original Est."], abs=2e-3)
        assert p.loc[frm, "se"] == pytest.approx(row["Bootstrap SD"], rel=0.12)
        assert p.loc[frm, "ci_lower"] == pytest.approx(row["2.5% CI"], abs=0.03)
        assert p.loc[frm, "ci_upper"] == pytest.approx(row["97.5% CI"], abs=0.03)


def test_htmt_against_seminr(boot_fit):
    ref = seminr_table("boot_report_htmt.csv", index_col=0)
    h = boot_fit.htmt_intervals.set_index(["construct_1", "construct_2"])
    for name, row in ref.iterrows():
        a, b = (s.strip() for s in name.split("->"))
        assert h.loc[(a, b), "htmt"] == pytest.approx(row["Original Est."], abs=2e-3)
        assert h.loc[(a, b), "se"] == pytest.approx(row["Bootstrap SD"], rel=0.2)
        assert h.loc[(a, b), "ci_lower"] == pytest.approx(row["2.5% CI"], abs=0.04)


def test_reproducible_for_any_chunking_and_workers():
    spec = specify(MOBI4)
    d = load_mobi()[list(spec.unique_items)].to_numpy(float)
    Z = (d - d.mean(0)) / d.std(0, ddof=1)
    pos = np.array([spec.unique_items.index(x) for x in spec.items])
    a = bootstrap_stack(Z, pos, spec, 60, 7, "path", False, 300, 1e-7, chunk=60)
    b = bootstrap_stack(Z, pos, spec, 60, 7, "path", False, 300, 1e-7, chunk=7, workers=3)
    for f in a.draws:
        np.testing.assert_array_equal(a.draws[f], b.draws[f])
    c = bootstrap_stack(Z, pos, spec, 60, 8, "path", False, 300, 1e-7)
    assert not np.array_equal(a.draws["paths"], c.draws["paths"])


def test_effects_r2_and_bca():
    fit = ls.pls(MOBI4 + "Value ~ Image\n", load_mobi(), bootstrap=300, seed=1, boot_ci="bca")
    assert fit.n_boot == 300 and fit.n_failed == 0
    eff = fit.effects.set_index(["from", "to"])
    row = eff.loc[("Image", "Satisfaction")]
    assert row["indirect"] != 0 and row["indirect_ci_lower"] < row["indirect"] < row["indirect_ci_upper"]
    assert (fit.r2["ci_lower"] < fit.r2["r2"]).all() and (fit.r2["r2"] < fit.r2["ci_upper"]).all()
    perc = ls.pls(MOBI4 + "Value ~ Image\n", load_mobi(), bootstrap=300, seed=1)
    # same draws, different interval rule
    np.testing.assert_allclose(fit.params["se"], perc.params["se"])
    assert not np.allclose(fit.params["ci_lower"], perc.params["ci_lower"])
    assert "bca" in fit.summary()


def _replay(consistent, scheme):
    """Our bootstrap on the row indices seminr (PyPI 0.2.1) drew with seed 123."""
    from loyaltyscope.plspm.resampling import interval
    spec = specify(MOBI4)
    d = load_mobi()[list(spec.unique_items)].to_numpy(float)
    Z = (d - d.mean(0)) / d.std(0, ddof=1)
    pos = np.array([spec.unique_items.index(x) for x in spec.items])
    gen = np.random.Generator(np.random.PCG64(123))
    rows = np.stack([gen.integers(0, 250, size=250, dtype=np.intp) for _ in range(200)])
    boot = bootstrap_stack(Z, pos, spec, 200, None, scheme, consistent, 300, 1e-7, rows=rows)
    return spec, boot, interval


@pytest.mark.parametrize("case, consistent, scheme", [("pls_path", False, "path"),
                                                      ("plsc_factorial", True, "factorial")])
def test_bootstrap_replayed_equals_seminr_py(case, consistent, scheme):
    """Same resamples as the seminr Python package -> the same percentile intervals (2e-3),
    for PLS and PLSc (seminr_py_reference.json, generator beside it)."""
    from reference import load_case, tol
    file = load_case("seminr_py_reference", "pls/seminr_py")
    ref, t_mean, t_sd, t_ci = (file["bootstrap"][case], tol(file, "mean"), tol(file, "sd"), tol(file, "interval"))
    spec, boot, interval = _replay(consistent, scheme)
    assert len(boot.draws["paths"]) == ref["boots"] == 200
    C = spec.constructs
    for key, v in ref["paths"].items():
        a, b = (s.strip() for s in key.split("->"))
        d = boot.draws["paths"][:, C.index(a), C.index(b)]
        lo, hi = interval(d[:, None], np.array([0.0]), 0.95, "percentile")
        assert d.mean() == pytest.approx(v["mean"], abs=t_mean)
        assert d.std(ddof=1) == pytest.approx(v["sd"], abs=t_sd)
        assert lo[0] == pytest.approx(v["ci_lower"], abs=t_ci) and hi[0] == pytest.approx(v["ci_upper"], abs=t_ci)
    items = list(spec.items)
    for key, v in ref["loadings"].items():
        item, lv = (s.strip() for s in key.split("->"))
        d = boot.draws["loadings"][:, items.index(item)]
        assert d.mean() == pytest.approx(v["mean"], abs=t_mean), key
    for key, v in ref["htmt"].items():
        a, b = (s.strip() for s in key.split("->"))
        d = boot.draws["htmt"][:, C.index(a), C.index(b)]
        assert d.std(ddof=1) == pytest.approx(v["sd"], abs=t_sd), key


def test_interval_rules_equal_r_boot():
    """BCa and percentile bounds on R's own draws (boot 1.3-28.1, boot.ci with the jackknife
    influence values; tests/reference/pls/boot_bca). boot interpolates order statistics on the
    normal scale, we take R's quantile type 7: equal to 2e-3."""
    from loyaltyscope.plspm.resampling import interval
    from reference import load_case, tol
    ref = load_case("bca_reference", "pls/boot_bca")
    lim = tol(ref, "interval")
    t, t0, jack = np.array(ref["t"])[:, None], np.array([ref["t0"]]), np.array(ref["jack"])[:, None]
    lo, hi = interval(t, t0, 0.95, "bca", jack)
    assert lo[0] == pytest.approx(ref["bca"][0], abs=lim) and hi[0] == pytest.approx(ref["bca"][1], abs=lim)
    lo, hi = interval(t, t0, 0.95, "percentile")
    assert lo[0] == pytest.approx(ref["perc"][0], abs=lim) and hi[0] == pytest.approx(ref["perc"][1], abs=lim)


def test_public_api_same_numbers_for_any_worker_count():
    a = ls.pls(MOBI4, load_mobi(), bootstrap=120, seed=9)
    b = ls.pls(MOBI4, load_mobi(), bootstrap=120, seed=9, workers=3)
    assert a.params.equals(b.params) and a.effects.equals(b.effects) and a.r2.equals(b.r2)
