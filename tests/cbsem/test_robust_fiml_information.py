"""The analytic h1 observed information under missing data (``robust._h1_observed_info_missing``,
used by MLR with FIML and the FIML-corrected robust indices) equals minus the Jacobian of the
mean casewise h1 score (central differences), the definition lavaan's
``lav_mvnorm_missing_information_observed_samplestats`` implements analytically."""

from __future__ import annotations

import numpy as np
import pytest

from loyaltyscope.cbsem.expressions import numeric_jacobian
from loyaltyscope.cbsem.robust import _h1_observed_info_missing, _h1_scores_missing


def _numeric_information(X, Sigma, mu):
    p = X.shape[1]
    r, c = np.tril_indices(p)

    def mean_score(x):
        S = np.zeros((p, p))
        S[r, c] = S[c, r] = x[p:]
        return _h1_scores_missing(X, S, x[:p]).mean(axis=0)

    H = -numeric_jacobian(mean_score, np.concatenate([mu, Sigma[r, c]]))
    return (H + H.T) / 2


@pytest.mark.parametrize("seed, p, share", [(1, 5, 0.1), (2, 7, 0.25), (3, 4, 0.4)])
def test_analytic_equals_numeric_jacobian_of_the_scores(seed, p, share):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(p, p))
    Sigma = A @ A.T + p * np.eye(p)
    mu = rng.normal(size=p)
    X = rng.multivariate_normal(mu, Sigma, size=200)
    X[rng.random(X.shape) < share] = np.nan
    X[3] = np.nan                                   # a row with nothing observed counts as a zero score
    # away from the sample moments, so every term of the Hessian matters
    S0, m0 = Sigma * 1.2 + 0.1, mu - 0.2
    analytic = _h1_observed_info_missing(X, S0, m0)
    numeric = _numeric_information(X, S0, m0)
    assert np.allclose(analytic, numeric, rtol=1e-6, atol=1e-9)
    assert np.allclose(analytic, analytic.T)
