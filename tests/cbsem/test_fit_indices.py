"""Direct tests of the fit-index formulas (loyaltyscope/cbsem/fit_indices.py): numbers in,
number out, without fitting a model.

Two kinds of check:
- lavaan's own inputs -> lavaan's own indices: the chi-squares, df, N and G that lavaan 0.6-14
  reported in the reference cases (tests/reference/cases, full precision) go through our
  formulas and must give the CFI, TLI, RMSEA (+ CI, p of close fit) and p-value lavaan
  reported for the same fit (closed forms to 1e-9, root-finding to 1e-6);
- hand numbers from the definitions (lav_fit_cfi.R, lav_fit_rmsea.R, lav_fit_srmr.R):
  boundary rules (chi-square below df, df = 0) and small worked examples.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from loyaltyscope.cbsem import fit_indices as fi
from reference import load_case, load_data

CASES = ["hs_cfa_ml", "hs_cfa_stdlv", "pd_sem_ml", "hs_cfa_fiml", "hs_invariance_configural", "hs_invariance_metric",
         "hs_invariance_scalar", "hs_invariance_strict", "hs_cfa_mlr"]
CLOSED = 1e-9      # closed-form formulas: only floating-point error
ROOT = 1e-6        # non-central chi-square inversions (RMSEA interval)


def _inputs(case):
    f = case["fit"]
    nobs = case["nobs"] if isinstance(case["nobs"], list) else [case["nobs"]]
    return f, f["chisq"], f["df"], f["baseline.chisq"], f["baseline.df"], sum(nobs), len(nobs)


@pytest.mark.parametrize("name", CASES)
def test_lavaan_inputs_give_lavaans_indices(name):
    f, x2, df, x20, df0, n, g = _inputs(load_case(name))
    assert fi.cfi(x2, df, x20, df0) == pytest.approx(f["cfi"], abs=CLOSED)
    assert fi.tli(x2, df, x20, df0) == pytest.approx(f["tli"], abs=CLOSED)
    assert fi.rmsea(x2, df, n, g) == pytest.approx(f["rmsea"], abs=CLOSED)
    assert fi.chisq_pvalue(x2, df) == pytest.approx(f["pvalue"], rel=1e-9, abs=1e-15)
    lo, hi = fi.rmsea_ci(x2, df, n, g)
    assert lo == pytest.approx(f["rmsea.ci.lower"], abs=ROOT)
    assert hi == pytest.approx(f["rmsea.ci.upper"], abs=ROOT)
    assert fi.rmsea_pvalue(x2, df, n, g) == pytest.approx(f["rmsea.pvalue"], abs=ROOT)


@pytest.mark.parametrize("name", CASES)
def test_information_criteria_from_logl(name):
    """AIC = -2 logl + 2 npar, BIC = -2 logl + log(N) npar (lavaan's fitMeasures)."""
    f, *_, n, _g = _inputs(load_case(name))
    assert -2 * f["logl"] + 2 * f["npar"] == pytest.approx(f["aic"], rel=1e-12)
    assert -2 * f["logl"] + math.log(n) * f["npar"] == pytest.approx(f["bic"], rel=1e-12)


def test_scaled_indices_from_the_scaled_statistic():
    """The 'scaled' RMSEA of lavaan is the usual formula on the scaled chi-square."""
    f, _x2, df, _x20, _df0, n, g = _inputs(load_case("hs_cfa_mlr"))
    assert fi.rmsea(f["chisq.scaled"], df, n, g) == pytest.approx(f["rmsea.scaled"], abs=CLOSED)
    assert fi.chisq_pvalue(f["chisq.scaled"], f["df.scaled"]) == pytest.approx(f["pvalue.scaled"], rel=1e-9)


def test_unrestricted_loglik_equals_lavaan():
    """logl of the saturated model (Sigma = S, mu = ybar, S with divisor N) is lavaan's
    unrestricted.logl for the complete-data cases."""
    for name in ("hs_cfa_ml", "pd_sem_ml"):
        case = load_case(name)
        ov = sorted({r["rhs"] for r in case["params"] if r["op"] == "=~"} - {r["lhs"] for r in case["params"]
                                                                                if r["op"] == "=~"})
        X = load_data(case)[ov].to_numpy(float)
        S, m = np.cov(X, rowvar=False, ddof=0), X.mean(0)
        assert fi.loglik(S, m, S, m, len(X)) == pytest.approx(case["fit"]["unrestricted.logl"], rel=1e-10)


def test_loglik_by_hand():
    # one variable, S = 4, ybar = 1, Sigma = 2, mu = 0, n = 10:
    # -n/2 (log 2 pi + log 2 + 4/2 + 1/2)
    want = -5 * (math.log(2 * math.pi) + math.log(2) + 2 + 0.5)
    got = fi.loglik(np.array([[4.0]]), np.array([1.0]), np.array([[2.0]]), np.array([0.0]), 10)
    assert got == pytest.approx(want, rel=1e-14)
    no_means = fi.loglik(np.array([[4.0]]), np.array([1.0]), np.array([[2.0]]), np.array([0.0]), 10,
                         meanstructure=False)
    assert no_means == pytest.approx(want + 5 * 0.5, rel=1e-14)


def test_cfi_tli_by_hand():
    # X2 = 30 on 10 df, baseline 210 on 15 df
    assert fi.cfi(30, 10, 210, 15) == pytest.approx(1 - 20 / 195, rel=1e-14)
    assert fi.tli(30, 10, 210, 15) == pytest.approx((210 / 15 - 30 / 10) / (210 / 15 - 1), rel=1e-14)
    # chi-square below its df: no misfit, CFI 1 (TLI may exceed 1, lavaan does not truncate it)
    assert fi.cfi(5, 10, 210, 15) == 1.0
    assert fi.tli(5, 10, 210, 15) == pytest.approx((14 - 0.5) / 13, rel=1e-14)
    # a model as bad as the baseline: CFI 0
    assert fi.cfi(300, 10, 210, 15) == 0.0


def test_robust_cfi_with_scaling_factors_by_hand():
    """Brosseau-Liard & Savalei (2014): non-centralities X2 - c df and X2_0 - c_0 df_0."""
    got = fi.cfi(30, 10, 210, 15, c_hat=1.2, c_hat_null=1.5)
    assert got == pytest.approx(1 - (30 - 12) / (210 - 22.5), rel=1e-14)
    got = fi.tli(30, 10, 210, 15, c_hat=1.2, c_hat_null=1.5)
    assert got == pytest.approx(1 - (30 - 12) * 15 / ((210 - 22.5) * 10), rel=1e-14)
    assert math.isnan(fi.cfi(30, 10, 210, 15, c_hat=np.nan))


def test_rmsea_by_hand():
    # sqrt((X2/N/df - 1/N)) * sqrt(G): X2 = 48, df = 20, N = 201, G = 1
    assert fi.rmsea(48, 20, 201) == pytest.approx(math.sqrt(48 / 201 / 20 - 1 / 201), rel=1e-14)
    assert fi.rmsea(48, 20, 201, ngroups=2) == pytest.approx(math.sqrt(2) * math.sqrt(48 / 201 / 20 - 1 / 201))
    assert fi.rmsea(15, 20, 201) == 0.0            # X2 < df
    assert fi.rmsea(0, 0, 201) == 0.0              # saturated
    assert math.isnan(fi.chisq_pvalue(0.0, 0))
    assert fi.rmsea(48, 20, 201, c_hat=1.1) == pytest.approx(math.sqrt(48 / 201 / 20 - 1.1 / 201), rel=1e-14)


def test_rmsea_interval_is_the_noncentral_chisquare_inversion():
    from scipy import stats
    x2, df, n = 85.3, 24, 301
    lo, hi = fi.rmsea_ci(x2, df, n)
    lam_lo, lam_hi = lo ** 2 * n * df, hi ** 2 * n * df
    assert stats.ncx2.cdf(x2, df, lam_lo) == pytest.approx(0.95, abs=1e-8)
    assert stats.ncx2.cdf(x2, df, lam_hi) == pytest.approx(0.05, abs=1e-8)
    # a fit so good that even lambda = 0 leaves P(X2 <= x) below .95: lower limit 0
    assert fi.rmsea_ci(10.0, 24, n)[0] == 0.0
    # p of close fit: P(X2 >= x | lambda = N df .05^2)
    assert fi.rmsea_pvalue(x2, df, n) == pytest.approx(stats.ncx2.sf(x2, df, n * df * 0.0025), rel=1e-12)


def test_srmr_by_hand():
    S = np.array([[4.0, 2.0], [2.0, 9.0]])
    Sig = np.array([[4.0, 1.0], [1.0, 9.0]])
    m, mu = np.array([1.0, 2.0]), np.array([1.0, 2.6])
    # standardised residuals: (2 - 1) / (2 * 3) off the diagonal, 0 on it -> 3 moments
    no_means = fi.srmr_bentler([S], [m], [Sig], [mu], [100], meanstructure=False)
    assert no_means == pytest.approx(math.sqrt((1 / 6) ** 2 / 3), rel=1e-14)
    # with means: + ((2 - 2.6) / 3)^2 over 5 moments
    with_means = fi.srmr_bentler([S], [m], [Sig], [mu], [100], meanstructure=True)
    assert with_means == pytest.approx(math.sqrt(((1 / 6) ** 2 + 0.2 ** 2) / 5), rel=1e-14)
    # two groups weighted by n_g / N: a perfect group 1 (n 300) and the group above (n 100)
    two = fi.srmr_bentler([S, S], [m, m], [S, Sig], [m, mu], [300, 100], meanstructure=False)
    assert two == pytest.approx(0.25 * no_means, rel=1e-14)
    assert fi.srmr_bentler([S], [m], [S], [m], [100], meanstructure=True) == 0.0
