"""Data from a population model written in lavaan syntax, for teaching labs and tests.

The model states the population values as fixed modifiers (``f =~ 0.8*x1``); what is left
unspecified gets lavaan's ``simulateData`` defaults: 1 for the first loading of each latent
variable and for (residual) variances, 0 for other loadings, regressions, covariances and
intercepts. Draws are multivariate normal with Sigma and mu implied by the model (RAM form,
:mod:`loyaltyscope.cbsem.ram`), optionally cut into k-point Likert answers at thresholds on the
standardized scale.

R equivalent: ``lavaan::simulateData(model, sample.nobs = n, seed = seed)``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from loyaltyscope.cbsem.partable import build_partable
from loyaltyscope.cbsem.ram import implied, make_layout
from loyaltyscope.cbsem.syntax import parse_model

__all__ = ["simulate", "population_moments"]


def population_moments(model: str) -> tuple[pd.DataFrame, pd.Series]:
    """Model-implied covariance matrix and means of the observed variables of a population model."""
    spec = build_partable(parse_model(model), meanstructure=True)
    t = spec.table
    val = t["ustart"].to_numpy(dtype=float).copy()
    op, lhs, rhs, free = (t[c].to_numpy() for c in ("op", "lhs", "rhs", "free"))
    unspecified = ~np.isfinite(val)
    var_rows = (op == "~~") & (lhs == rhs)
    val[unspecified & var_rows] = 1.0
    val[unspecified & ~var_rows] = 0.0
    layout = make_layout(t, 1, spec.ov_names, spec.lv_names)
    Sigma, mu, *_ = implied(layout, val)
    names = list(spec.ov_names)
    if np.linalg.eigvalsh(Sigma)[0] <= 0:
        raise ValueError("the population model implies a covariance matrix that is not positive definite; "
                         "check the variances and covariances written in the model")
    return pd.DataFrame(Sigma, index=names, columns=names), pd.Series(mu, index=names)


def _warn_without_values(model: str) -> None:
    """Warn when the model states no population value at all (a fitted model's syntax passed as
    is): every unstated loading and regression is 0, so the data are nearly uncorrelated noise."""
    formulas = parse_model(model)
    structural = [f for f in formulas if f.op in ("=~", "~", "~~")]
    if structural and not any(f.modifier.fixed is not None for f in structural):
        warnings.warn("the population model states no values (write them as fixed modifiers, e.g. "
                      "`f =~ 0.8*x1 + 0.7*x2`): lavaan's simulateData defaults apply — the first loading "
                      "of each factor 1, every other loading, regression and covariance 0 — so most "
                      "simulated variables are uncorrelated noise", UserWarning, stacklevel=3)


def simulate(model: str, n: int, seed: int | None = None, ordinal_levels: int | dict | None = None,
             thresholds: dict | None = None) -> pd.DataFrame:
    """Draw ``n`` rows from a population model.

    Parameters
    ----------
    model : lavaan syntax with population values as fixed modifiers.
    n : number of rows.
    seed : random seed (same seed, same data).
    ordinal_levels : k (all observed variables) or {variable: k}: cut into categories 1..k at
        thresholds equally spaced in probability on the standardized scale (or ``thresholds``).
    thresholds : {variable: increasing list of k - 1 cut points on the z scale}.

    Returns
    -------
    DataFrame with one column per observed variable.
    """
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    _warn_without_values(model)
    Sigma, mu = population_moments(model)
    rng = np.random.default_rng(seed)
    X = rng.multivariate_normal(mu.to_numpy(), Sigma.to_numpy(), size=int(n), method="cholesky")
    df = pd.DataFrame(X, columns=Sigma.columns)
    levels = {}
    if isinstance(ordinal_levels, (int, np.integer)):
        levels = {v: int(ordinal_levels) for v in df.columns}
    elif isinstance(ordinal_levels, dict):
        levels = dict(ordinal_levels)
    for v, k in levels.items():
        if v not in df.columns:
            raise ValueError(f"ordinal_levels names {v!r}, which is not an observed variable of the model")
        if k < 2:
            raise ValueError(f"ordinal_levels for {v!r} must be at least 2, got {k}")
        z = (df[v] - mu[v]) / np.sqrt(Sigma.loc[v, v])
        cuts = np.asarray((thresholds or {}).get(v, stats.norm.ppf(np.arange(1, k) / k)), float)
        if len(cuts) != k - 1 or np.any(np.diff(cuts) <= 0):
            raise ValueError(f"thresholds for {v!r} must be {k - 1} increasing values")
        df[v] = np.searchsorted(cuts, z.to_numpy(), side="right") + 1
    return df
