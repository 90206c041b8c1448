"""``se="bootstrap"`` and the Bollen–Stine test against lavaan 0.6-14 and R's boot package.

Monte-Carlo tolerances. Two independent runs of B resamples differ by chance: the SE of a
bootstrap SE is about SE / sqrt(2 B) for normal-ish estimates (1.6 % at B = 2000) and several
times that for heavy-tailed ones (variances near zero, loadings of weak factors); a 2.5 %
quantile varies by about 0.06 SE. Hence: every bootstrap SE within 15 % of lavaan's (B = 2000
both), every percentile limit of the defined effects within 0.1 (the issue's criterion), and
every other limit within 0.35 of lavaan's SE (about 4 Monte-Carlo SDs of a difference).
lavaan's own reruns with other seeds (0.6-14, 2000 resamples) give SE(total) 0.403-0.420 and
limits of ``total`` 1.006-1.066 and 2.621-2.671, the same spread as ours.
"""

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import loyaltyscope as ls
from loyaltyscope.cbsem import bootstrap as bt
from loyaltyscope.cbsem.estimators import batched_ml
from reference import REF, load_case, load_data, match_params, tol

EXTRA = REF / "extra"


def _extra(name):
    return load_case(name, "extra")


@pytest.fixture(scope="module")
def pd_case():
    case = load_case("pd_sem_bootstrap")
    return case, load_data(case)


@pytest.fixture(scope="module")
def pd_boot2000(pd_case):
    case, data = pd_case
    return ls.sem(case["model"], data, se="bootstrap", bootstrap=2000, seed=20240601)


# ----------------------------------------------------------------------------- vs lavaan
@pytest.mark.slow
def test_pd_sem_bootstrap_matches_lavaan(pd_case, pd_boot2000):
    case, _ = pd_case
    fit = pd_boot2000
    boot = fit.extra["bootstrap"]
    assert boot.n_requested == 2000 and boot.n_failed == 0 and len(boot.samples) == 2000
    errors = []
    for ref, ours in match_params(fit.params, case["params"]):
        name = f"{ref['lhs']} {ref['op']} {ref['rhs']}"
        assert ours["est"] == pytest.approx(ref["est"], rel=tol(case, "est_rel"), abs=tol(case, "est")), name
        if ref["se"] == 0:                      # fixed: se 0 and the interval is the estimate
            assert ours["se"] == 0 and ours["ci_lower"] == ours["ci_upper"] == pytest.approx(ref["est"])
            continue
        if abs(ours["se"] / ref["se"] - 1) > tol(case, "se_rel"):
            errors.append(f"se {name}: {ours['se']:.4f} vs lavaan {ref['se']:.4f}")
        lim = tol(case, "defined_ci") if ref["op"] == ":=" else tol(case, "ci_se_frac") * ref["se"]
        for ours_k, ref_k in (("ci_lower", "ci.lower"), ("ci_upper", "ci.upper")):
            if abs(ours[ours_k] - ref[ref_k]) > lim:
                errors.append(f"{ours_k} {name}: {ours[ours_k]:.4f} vs lavaan {ref[ref_k]:.4f} (tol {lim:.3f})")
    assert not errors, "\n".join(errors)


@pytest.mark.slow
def test_defined_effects_percentile_within_0_1(pd_case, pd_boot2000):
    case, _ = pd_case
    ref = {r["lhs"]: r for r in case["params"] if r["op"] == ":="}
    p = pd_boot2000.params.set_index("lhs")
    for name in ("indirect", "total"):
        assert abs(p.loc[name, "ci_lower"] - ref[name]["ci.lower"]) <= tol(case, "defined_ci")
        assert abs(p.loc[name, "ci_upper"] - ref[name]["ci.upper"]) <= tol(case, "defined_ci")
        assert p.loc[name, "op"] == ":="


@pytest.mark.slow
def test_hs_cfa_bootstrap_matches_lavaan_perc_and_bca():
    """HS CFA, 2000 resamples: SEs, percentile, bca.simple and BCa limits (lavaan's ``bca`` takes
    the acceleration from a regression on the resampling counts, ours from the jackknife)."""
    case = _extra("hs_cfa_bootstrap")
    data = load_data(case)
    fit = ls.sem(case["model"], data, se="bootstrap", bootstrap=2000, seed=7)
    boot = fit.extra["bootstrap"]
    cis = {k: fit.extra["bootstrap"].apply_to_params(fit.params, kind=k) for k in ("perc", "bca.simple", "bca")}
    errors = []
    for ref, ours in match_params(fit.params, case["params"]):
        if ref["se"] == 0:
            continue
        name = f"{ref['lhs']} {ref['op']} {ref['rhs']}"
        if abs(ours["se"] / ref["se"] - 1) > tol(case, "se_rel"):
            errors.append(f"se {name}: {ours['se']:.4f} vs {ref['se']:.4f}")
        i = ours.name
        for kind, lo, hi in (("perc", "ci.lower", "ci.upper"), ("bca.simple", "bca.simple.lower", "bca.simple.upper"),
                             ("bca", "bca.lower", "bca.upper")):
            for k, r in (("ci_lower", lo), ("ci_upper", hi)):
                if abs(cis[kind].loc[i, k] - ref[r]) > tol(case, "ci_se_frac") * ref["se"]:
                    errors.append(f"{kind} {k} {name}: {cis[kind].loc[i, k]:.4f} vs {ref[r]:.4f}")
    assert not errors, "\n".join(errors)
    assert len(boot.jackknife()) == 301


@pytest.mark.slow
def test_bollen_stine_pvalue_matches_lavaan(pd_case):
    case, data = pd_case
    ref = _extra("pd_sem_bollen_stine")
    fit = ls.sem(case["model"], data, bollen_stine=True, bootstrap=2000, seed=3)
    bs = fit.extra["bollen_stine"]
    assert bs["stat"] == pytest.approx(ref["stat"], rel=tol(ref, "stat_rel"))
    assert bs["boot_length"] == 2000
    # p from 2000 resamples: MC sd ~ 0.011 each, difference of two runs ~ 0.016
    assert abs(bs["pvalue"] - ref["pvalue"]) < tol(ref, "pvalue")
    assert bs["pvalue"] == np.mean(bs["statistics"] > bs["stat"])
    # standard errors untouched by the test-only bootstrap
    assert "bootstrap" in fit.extra and fit.extra["bootstrap"].n_requested == 0
    assert fit.params["se"].equals(ls.sem(case["model"], data).params["se"])


def test_bollen_stine_data_have_the_implied_moments(pd_case, monkeypatch):
    case, data = pd_case
    seen = _spy_on_setup(monkeypatch)
    fit = ls.sem(case["model"], data, bollen_stine=True, bootstrap=30, seed=1)
    Z = seen["setup"].data["bollen_stine"][0]
    np.testing.assert_allclose(np.cov(Z, rowvar=False, ddof=0), fit.implied[fit.group_labels[0]].to_numpy(), atol=1e-9)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-12)          # no mean structure: centred
    model = case["model"] + "\ny1 ~ 1"                                   # with a mean structure
    fit = ls.sem(model, data, bollen_stine=True, bootstrap=30, seed=1)
    Z = seen["setup"].data["bollen_stine"][0]
    mu = fit.params.query("op == '~1' and lhs == 'y1'")["est"].iloc[0]
    assert Z[:, list(fit.ov_names).index("y1")].mean() == pytest.approx(mu, abs=1e-10)


# ----------------------------------------------------------------------------- reproducibility
@pytest.mark.slow
def test_same_seed_same_numbers_any_worker_count(pd_case):
    case, data = pd_case
    runs = [ls.sem(case["model"], data, se="bootstrap", bootstrap=130, seed=42, workers=w) for w in (1, 2, 3)]
    base = runs[0].extra["bootstrap"].samples
    assert len(base) == 130
    for f in runs[1:]:
        pd.testing.assert_frame_equal(f.extra["bootstrap"].samples, base, check_exact=True)
        pd.testing.assert_frame_equal(f.params, runs[0].params, check_exact=True)
    other = ls.sem(case["model"], data, se="bootstrap", bootstrap=130, seed=43, workers=2)
    assert not np.allclose(other.extra["bootstrap"].samples.to_numpy(), base.to_numpy())


def test_seed_none_is_recorded_and_repeats(pd_case):
    case, data = pd_case
    f1 = ls.sem(case["model"], data, se="bootstrap", bootstrap=40)
    seed = f1.extra["bootstrap"].seed
    f2 = ls.sem(case["model"], data, se="bootstrap", bootstrap=40, seed=seed)
    pd.testing.assert_frame_equal(f1.extra["bootstrap"].samples, f2.extra["bootstrap"].samples)


# ----------------------------------------------------------------------------- failed resamples
@pytest.fixture(scope="module")
def tiny_fit():
    """10 rows, 6 indicators: many resamples repeat rows so that their covariance matrix is
    singular (lavaan stops on those too), and some refits do not converge (Heywood)."""
    rng = np.random.default_rng(7)
    f = rng.normal(size=10)
    X = np.column_stack([0.8 * f + 0.6 * rng.normal(size=10) for _ in range(6)])
    data = pd.DataFrame(X, columns=[f"v{i}" for i in range(1, 7)])
    return ls.sem("F =~ v1 + v2 + v3 + v4 + v5 + v6", data, se="bootstrap", bootstrap=60, seed=5)


@pytest.mark.slow
def test_failed_resamples_are_counted_excluded_and_reported(tiny_fit):
    boot = tiny_fit.extra["bootstrap"]
    status = pd.Series(boot.status)
    assert boot.n_requested == 60 == len(status)
    assert boot.n_failed > 0 and boot.n_ok > 1
    assert boot.n_failed == status.isin(["not converged", "unusable resample"]).sum()
    assert boot.n_ok == len(boot.samples) == boot.n_requested - boot.n_failed
    assert boot.n_nonadmissible == (status == "nonadmissible").sum()
    # the samples' index names the resample: the failed ones are the gaps
    ok_numbers = np.flatnonzero(~status.isin(["not converged", "unusable resample"]).to_numpy()) + 1
    np.testing.assert_array_equal(boot.samples.index.to_numpy(), ok_numbers)
    assert np.isfinite(boot.samples.to_numpy()).all()
    msg = [w for w in tiny_fit.warnings if w.startswith("bootstrap:") and "failed" in w]
    assert len(msg) == 1 and f"{boot.n_failed} of 60 resamples failed" in msg[0]
    assert f"the other {boot.n_ok}" in msg[0]
    # statistics use the successful resamples only
    free = tiny_fit.params[tiny_fit.params["se"] > 0]
    row = free.iloc[1]
    col = f"{row['lhs']}{row['op']}{row['rhs']}"
    assert row["se"] == pytest.approx(boot.samples[col].std(ddof=0), rel=1e-12)
    lo, hi = bt.percentile_interval(boot.samples[col].to_numpy())
    assert (row["ci_lower"], row["ci_upper"]) == pytest.approx((lo, hi), rel=1e-12)
    assert "failed" in repr(boot)


# ----------------------------------------------------------------------------- the statistics
@pytest.mark.slow
def test_se_and_vcov_conventions_of_lavaan(pd_boot2000):
    boot = pd_boot2000.extra["bootstrap"]
    S = boot.samples
    se = boot.se()
    nf = boot.n_free
    np.testing.assert_allclose(se.iloc[:nf], S.iloc[:, :nf].std(ddof=0))      # cov(COEF) * (B-1)/B
    np.testing.assert_allclose(se.iloc[nf:], S.iloc[:, nf:].std(ddof=1))      # cov(BOOT.def)
    np.testing.assert_allclose(np.sqrt(np.diag(pd_boot2000.vcov.to_numpy())), se.iloc[:nf])
    p = pd_boot2000.params
    z = p["est"] / p["se"].where(p["se"] > 0)
    np.testing.assert_allclose(p["z"], z)
    np.testing.assert_allclose(p["pvalue"], 2 * stats.norm.sf(z.abs()))


@pytest.mark.slow
def test_intervals_of_any_function_from_the_samples(pd_boot2000):
    boot = pd_boot2000.extra["bootstrap"]
    S = boot.samples
    ratio = S["indirect"] / S["total"]                 # proportion mediated
    lo, hi = bt.percentile_interval(ratio.to_numpy())
    assert lo < boot.estimate["indirect"] / boot.estimate["total"] < hi
    ci = boot.ci("perc")
    p = pd_boot2000.params.set_index("lhs")
    assert ci.loc["indirect"].tolist() == [p.loc["indirect", "ci_lower"], p.loc["indirect", "ci_upper"]]


@pytest.mark.slow
def test_bca_on_a_fit(pd_case):
    case, data = pd_case
    fit = ls.sem(case["model"], data, se="bootstrap", bootstrap=400, seed=11, boot_ci="bca")
    boot = fit.extra["bootstrap"]
    jack = boot.jackknife()
    assert jack.shape == (75, boot.samples.shape[1]) and np.isfinite(jack.to_numpy()).all()
    acc = bt.jackknife_acceleration(jack.to_numpy())
    assert np.all(np.abs(acc) < 0.2)
    p = fit.params.set_index("lhs")
    ci = boot.ci("bca")
    assert p.loc["indirect", "ci_lower"] == ci.loc["indirect", "lower"]
    # with a = 0 BCa is bca.simple
    simple = boot.ci("bca.simple")
    X = boot.samples["indirect"].to_numpy()
    assert simple.loc["indirect"].tolist() == pytest.approx(
        bt.bca_interval(X, boot.estimate["indirect"], 0.95, 0.0).tolist())
    for kind in bt.CI_KINDS:
        c = boot.ci(kind)
        assert (c["lower"] <= c["upper"]).all(), kind
    with pytest.raises(ValueError, match="interval type"):
        boot.ci("studentized")


def test_norm_inter_and_bca_match_r_boot():
    ref = _extra("boot_intervals")
    pp = (np.arange(1, 1000) - 0.5) / 999                      # R's ppoints(999)
    t = stats.gamma.ppf(pp, 3)
    t = np.concatenate([t[0::2], t[1::2]])
    rtol = tol(ref, "interval_rel")
    np.testing.assert_allclose(bt.norm_inter(t, ref["gamma_alpha"]), ref["gamma_norm_inter"], rtol=rtol)
    np.testing.assert_allclose(bt.norm_inter(t[:199], ref["gamma199_alpha"]), ref["gamma199_norm_inter"], rtol=rtol)
    x = np.asarray(ref["x"])
    tb = np.asarray(ref["t"])
    jack = np.array([np.delete(x, i).mean() for i in range(len(x))])[:, None]
    a = bt.jackknife_acceleration(jack)[0]
    np.testing.assert_allclose(bt.bca_interval(tb, ref["t0"], 0.95, a), ref["bca"], rtol=rtol)
    np.testing.assert_allclose(bt.percentile_interval(tb), ref["perc"], rtol=rtol)


def test_weighted_moments_equal_direct_resamples():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 4)) @ rng.normal(size=(4, 4)) + 3
    counts = bt.resample_counts(rng, 40, 5)
    assert (counts.sum(axis=1) == 40).all()
    means, covs = bt.weighted_moments(X, counts)
    for b in range(5):
        Xb = X[np.repeat(np.arange(40), counts[b])]
        np.testing.assert_allclose(means[b], Xb.mean(0), atol=1e-12)
        np.testing.assert_allclose(covs[b], np.cov(Xb, rowvar=False, ddof=0), atol=1e-12)


# ----------------------------------------------------------------------------- other fits
HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


@pytest.mark.slow
@pytest.mark.parametrize("kw", [dict(estimator="MLR"), dict(group="school", group_equal="loadings"),
                                dict(missing="fiml")], ids=["mlr", "groups", "fiml"])
def test_bootstrap_other_fits_resemble_robust_ses(kw):
    data = load_data(("holzinger_swineford_1939_missing.csv" if "missing" in kw
                                       else "holzinger_swineford_1939.csv"))
    robust = ls.sem(HS, data, estimator="MLR", **{k: v for k, v in kw.items() if k != "estimator"})
    fit = ls.sem(HS, data, se="bootstrap", bootstrap=150, seed=2, **kw)
    boot = fit.extra["bootstrap"]
    assert boot.n_failed == 0
    # the estimates are the ML ones; bootstrap SEs near the sandwich SEs for all but the
    # weakly determined speed =~ x9 (heavy-tailed: lavaan's bootstrap SE is 0.43 vs 0.27)
    pd.testing.assert_series_equal(fit.params["est"], robust.params["est"])
    sel = (robust.params["se"] > 0) & ~((robust.params["lhs"] == "speed") & (robust.params["rhs"] == "x9"))
    ratio = fit.params["se"][sel] / robust.params["se"][sel]
    assert ratio.between(0.7, 1.4).all(), ratio.describe()


@pytest.mark.slow
def test_fixed_x_covariates_are_resampled(pd_case):
    _, data = pd_case
    model = "y1 ~ x1 + x2\ny5 ~ y1 + x1"
    fit = ls.sem(model, data, se="bootstrap", bootstrap=200, seed=4)
    p = fit.params
    exo = p[(p["op"] == "~~") & p["lhs"].isin(["x1", "x2"])]
    assert (exo["se"] == 0).all()                      # fixed.x: fixed, as lavaan
    slopes = p[p["op"] == "~"]
    std = ls.sem(model, data).params[p["op"] == "~"]
    assert (slopes["se"] / std["se"]).between(0.7, 1.4).all()


def test_bad_input():
    data = load_data("political_democracy.csv")
    S = data[["x1", "x2", "x3"]].cov()
    with pytest.raises(ValueError, match="bootstrap"):
        ls.sem("f =~ x1 + x2 + x3", sample_cov=S, sample_nobs=75, se="bootstrap")
    with pytest.raises(ValueError, match="boot_ci"):
        ls.sem("f =~ x1 + x2 + x3", data, se="bootstrap", bootstrap=10, boot_ci="student")
    hsm = load_data("holzinger_swineford_1939_missing.csv")
    with pytest.raises(ValueError, match="Bollen-Stine"):
        ls.sem(HS, hsm, missing="fiml", bollen_stine=True, bootstrap=10)


def test_progress_line_when_asked(pd_case, capsys):
    case, data = pd_case
    ls.sem(case["model"], data, se="bootstrap", bootstrap=30, seed=1, workers=1, progress=True)
    err = capsys.readouterr().err
    assert "bootstrap" in err or "30" in err
    ls.sem(case["model"], data, se="bootstrap", bootstrap=30, seed=1, workers=1, progress=False)
    assert capsys.readouterr().err == ""


# ----------------------------------------------------------------------------- batched refits
def _spy_on_setup(monkeypatch) -> dict:
    """Record the bootstrap setup handed to the resampling stage (in ``seen["setup"]``)."""
    seen = {}
    original = bt.run_resamples

    def spy(setup, tasks, *a, **k):
        seen["setup"] = setup
        return original(setup, tasks, *a, **k)

    monkeypatch.setattr(bt, "run_resamples", spy)
    return seen


def _capture_setup(monkeypatch, *args, **kwargs):
    seen = _spy_on_setup(monkeypatch)
    fit = ls.sem(*args, se="bootstrap", bootstrap=5, seed=1, workers=1, **kwargs)
    monkeypatch.undo()
    return fit, seen["setup"]


MIMIC = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nvisual + textual ~ sex + ageyr\nx1 ~ 1\nvisual ~ 0.5*1"


@pytest.mark.parametrize("which", ["pd", "groups_equal", "mimic_fixed_x_means", "path"])
def test_batched_derivatives_equal_the_engine(which, pd_case, monkeypatch):
    from loyaltyscope.cbsem.estimate import ml_gradient_information, ml_hessian
    hs = load_data("holzinger_swineford_1939.csv")
    case, pdd = pd_case
    args = {"pd": ((case["model"], pdd), {}),
            "groups_equal": ((HS, hs), dict(group="school", group_equal=["loadings", "intercepts"])),
            "mimic_fixed_x_means": ((MIMIC, hs), {}),
            "path": (("x4 ~ x1 + x2\nx5 ~ x4 + x3\nx6 ~ x5", hs), {})}[which]
    _, setup = _capture_setup(monkeypatch, *args[0], **args[1])
    P = setup.problem
    rng = np.random.default_rng(0)
    th = setup.theta_hat[None] * (1 + 0.05 * rng.normal(size=(3, P.ntheta)))
    base = np.repeat(P.base_values[None], 3, 0)
    covs = [np.repeat(S[None], 3, 0) for S in P.covs]
    means = [np.repeat(m[None], 3, 0) for m in P.means]
    consts = [np.linalg.slogdet(S)[1] + S.shape[1] for S in covs]
    w = np.asarray(P.nobs, float) / sum(P.nobs)
    F, g, H, I2 = batched_ml.batch_hessian(P, batched_ml._batch_values(P, base, th), covs, means, consts, w)
    for b in range(3):
        F1, g1, H1 = ml_hessian(P, th[b])
        _, _, info = ml_gradient_information(P, th[b])
        assert F[b] == pytest.approx(F1, rel=1e-12)
        np.testing.assert_allclose(g[b], g1, atol=1e-12 * max(1, np.abs(g1).max()))
        np.testing.assert_allclose(H[b], H1, atol=1e-12 * np.abs(H1).max())
        np.testing.assert_allclose(I2[b], 2 * info, atol=1e-12 * np.abs(info).max())


def test_batched_newton_agrees_with_the_full_optimiser(pd_case, monkeypatch):
    case, data = pd_case
    fast = ls.sem(case["model"], data, se="bootstrap", bootstrap=100, seed=8, workers=1).extra["bootstrap"]

    def nothing_converges(problem, theta_hat, base, covs, means, nobs):
        n = base.shape[0]
        return np.zeros((n, problem.ntheta)), np.zeros(n), np.zeros(n, bool)

    from loyaltyscope.cbsem import bootstrap_resampling
    monkeypatch.setattr(bootstrap_resampling, "newton_batch", nothing_converges)
    slow = ls.sem(case["model"], data, se="bootstrap", bootstrap=100, seed=8, workers=1).extra["bootstrap"]
    assert list(fast.status) == list(slow.status)
    # both stop at max |dF/dtheta| < 1e-6; the estimates agree far inside Monte-Carlo error
    np.testing.assert_allclose(fast.samples.to_numpy(), slow.samples.to_numpy(), atol=2e-4)
    np.testing.assert_allclose(fast.se().to_numpy(), slow.se().to_numpy(), rtol=1e-4)
