"""The analytic FIML Hessian equals central differences of the analytic gradient (what lavaan's
``lav_model_hessian`` computes), on models with groups, equality constraints, covariates and
mean structures."""

import numpy as np
import pandas as pd
import pytest

import loyaltyscope as ls
from loyaltyscope.cbsem.estimators import ml as ml_estimator
from loyaltyscope.cbsem.estimate import group_derivatives, ml_gradient_information
from loyaltyscope.cbsem.expressions import numeric_jacobian
from loyaltyscope.cbsem.fiml_derivatives import fiml_hessian
from reference import data_path

HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
CASES = [
    ("holzinger_swineford_1939_missing.csv", HS + "\nvisual + textual + speed ~ ageyr + sex",
     {"group": "school", "group_equal": ["loadings"]}),
    ("political_democracy_missing.csv", "ind60 =~ x1 + x2 + x3\ndem60 =~ y1 + a*y2 + y3 + y4\n"
     "dem65 =~ y5 + a*y6 + y7 + y8\ndem60 ~ ind60\ndem65 ~ ind60 + dem60\ny1 ~~ y5", {}),
    ("demo_growth_missing.csv", "i =~ 1*t1 + 1*t2 + 1*t3 + 1*t4\ns =~ 0*t1 + 1*t2 + 2*t3 + 3*t4\n"
     "t1 ~ 0*1\nt2 ~ 0*1\nt3 ~ 0*1\nt4 ~ 0*1\ni ~ 1\ns ~ 1\ni + s ~ x1 + x2", {}),
]


def _fitted_problem(file, model, kw, monkeypatch):
    """The FIML problem and estimates of a fit (caught where the estimator asks for the
    observed information)."""
    seen = {}
    original = ml_estimator.observed_information

    def spy(problem, theta):
        seen["args"] = (problem, theta)
        return original(problem, theta)

    monkeypatch.setattr(ml_estimator, "observed_information", spy)
    fit = ls.sem(model, pd.read_csv(data_path(file)), missing="fiml", **kw)
    assert fit.converged
    return seen["args"]


@pytest.mark.parametrize("file,model,kw", CASES)
def test_analytic_hessian_equals_differences_of_the_gradient(file, model, kw, monkeypatch):
    problem, theta = _fitted_problem(file, model, kw, monkeypatch)
    H = fiml_hessian(problem, theta)
    Hn = numeric_jacobian(lambda th: ml_gradient_information(problem, th, with_info=False)[1], theta)
    assert np.allclose(H, (Hn + Hn.T) / 2, atol=1e-6 * max(1.0, np.abs(H).max()))


@pytest.mark.parametrize("file,model,kw", CASES)
def test_batched_expected_information_equals_the_sum_over_patterns(file, model, kw, monkeypatch):
    problem, theta = _fitted_problem(file, model, kw, monkeypatch)
    _F, _g, info = ml_gradient_information(problem, theta)
    # one pattern at a time, from the definition
    naive = np.zeros_like(info)
    for g_index, (Sigma, mu, dS, dmu) in enumerate(group_derivatives(problem, theta)):
        for g, obs, w, _S, _ybar, _c in problem.blocks:
            if g != g_index:
                continue
            o = np.arange(Sigma.shape[0]) if obs is None else obs
            Sinv = np.linalg.inv(Sigma[np.ix_(o, o)])
            X = np.einsum("ij,kjl->kil", Sinv, dS[:, o][:, :, o])
            naive += w * (0.5 * np.einsum("aij,bji->ab", X, X) + dmu[:, o] @ Sinv @ dmu[:, o].T)
    assert np.allclose(info, naive, atol=1e-10 * max(1.0, np.abs(naive).max()))
