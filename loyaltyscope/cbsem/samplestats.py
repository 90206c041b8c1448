"""Sample statistics computed once per fit: per group N, means, covariance matrices.

Covariances divide by N (not N - 1), lavaan's convention for ``likelihood = "normal"``.
A covariance matrix given by the user (``sample_cov``) is taken as the usual unbiased
estimate and rescaled by (N - 1) / N, as lavaan's ``sample.cov.rescale = TRUE`` does.

Listwise deletion records every dropped row (its index and the variables missing) so that
the fit can report it; nothing is dropped silently.

R equivalent: ``lavInspect(fit, "sampstat")``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyaltyscope.cbsem.fiml import em_saturated, missing_patterns

__all__ = ["SampleStats", "DataError", "from_data", "from_moments", "listwise_message"]


class DataError(ValueError):
    """Data that cannot be analysed as asked; the message names the columns, rows and values."""


def listwise_message(k: int, n: int) -> str:
    """The warning for rows excluded by listwise deletion (in words a report reader follows)."""
    return (f"{k} of {n} rows excluded by listwise deletion (missing values); the excluded rows are "
            "kept with the results")


@dataclass(frozen=True)
class SampleStats:
    """Per-group sample moments (lists indexed by group)."""

    group_labels: tuple
    nobs: tuple[int, ...]
    cov: tuple[np.ndarray, ...]
    mean: tuple[np.ndarray, ...]
    data: tuple[np.ndarray | None, ...]           # complete-case data per group (None if moments only)
    dropped_rows: tuple = ()                      # (row label, group, reason) per excluded row
    n_input_rows: int = 0
    patterns: tuple | None = None                 # FIML: per group, fiml.missing_patterns(...)
    h1_logl: tuple | None = None                  # FIML: per group, EM log-likelihood of the saturated model

    @property
    def dropped(self) -> pd.DataFrame:
        return pd.DataFrame(list(self.dropped_rows), columns=["row", "group", "reason"])

    @property
    def exclusion_message(self) -> str:
        """One sentence on the excluded rows (empty when none), for the fit's warnings."""
        if not self.dropped_rows:
            return ""
        k, n = len(self.dropped_rows), self.n_input_rows
        if self.patterns is None:
            return listwise_message(k, n)
        nx = sum("fixed.x" in r for _, _, r in self.dropped_rows)
        parts = []
        if nx:
            parts.append(f"{nx} with a missing covariate (FIML conditions on covariates held fixed; "
                         "modelling the covariates instead would keep these rows)")
        if k - nx:
            parts.append(f"{k - nx} with every model variable missing")
        return (f"{k} of {n} rows excluded before FIML: " + "; ".join(parts)
                + "; the excluded rows and the reasons are kept with the results")

    @property
    def ntotal(self) -> int:
        return int(sum(self.nobs))

    @property
    def ngroups(self) -> int:
        return len(self.nobs)


def _check_numeric(df: pd.DataFrame, cols) -> list[str]:
    problems = []
    for c in cols:
        s = df[c]
        if not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)):
            conv = pd.to_numeric(s, errors="coerce")
            bad = s[conv.isna() & s.notna()]
            if len(bad):
                ex = ", ".join(f"row {i}: {v!r}" for i, v in list(bad.items())[:3])
                problems.append(f"column {c!r} is not numeric ({len(bad)} non-numeric value(s), e.g. {ex}); "
                                "expected numbers")
    return problems


def from_data(df: pd.DataFrame, ov_names, group: str | None = None, missing: str = "listwise",
              x_names=()) -> SampleStats:
    """Compute per-group moments from a data frame.

    ``missing="listwise"`` deletes incomplete rows (each one logged in ``dropped_rows``);
    ``missing="fiml"`` keeps every row with at least one observed model variable and computes
    the missing-data patterns and the EM (H1) moments per group — except rows with a missing
    fixed.x covariate (``x_names``), which are dropped (and logged) as lavaan does (its
    warning "cases were deleted due to missing values in exogenous variable(s), while
    fixed.x = TRUE").
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(df).__name__}")
    ov_names = list(ov_names)
    numeric = all(pd.api.types.is_numeric_dtype(df[c].dtype) for c in ov_names)
    problems = [] if numeric else _check_numeric(df, ov_names)
    if group is not None and group not in df.columns:
        problems.append(f"group column {group!r} not found in the data")
    if problems:
        raise DataError("cannot use the data:\n  - " + "\n  - ".join(problems))
    if numeric:
        X = np.column_stack([df[c].to_numpy(dtype=float, na_value=np.nan) for c in ov_names])
    else:
        X = df[ov_names].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    if group is None:
        labels = ("",)
        gidx = np.zeros(len(df), dtype=int)
        gmiss = np.zeros(len(df), dtype=bool)
    else:
        codes, uniques = pd.factorize(df[group], sort=False)   # order of first appearance, as lavaan
        gidx = np.asarray(codes, dtype=int)                       # -1 = missing group
        gmiss = gidx < 0
        labels = tuple(uniques)
    fiml = missing in ("fiml", "ml")
    allmiss = np.isnan(X).all(axis=1)
    xcols = [ov_names.index(v) for v in x_names]
    xmiss = np.isnan(X[:, xcols]).any(axis=1) if (fiml and xcols) else np.zeros(len(X), bool)
    incomplete = (allmiss | xmiss) if fiml else np.isnan(X).any(axis=1)
    dropped_rows = []
    for i in np.flatnonzero(incomplete | gmiss) if (incomplete.any() or gmiss.any()) else ():
        miss = [ov_names[j] for j in np.flatnonzero(np.isnan(X[i]))]
        if gmiss[i]:
            reason = f"missing group ({group})"
        elif fiml and xmiss[i] and not allmiss[i]:
            reason = ("missing fixed.x covariate(s) " + ", ".join(v for v in miss if v in x_names)
                      + ": FIML conditions on the covariates (held fixed)")
        elif fiml:
            reason = "all model variables missing: the row carries no information for FIML"
        else:
            reason = "listwise deletion: missing " + ", ".join(miss)
        dropped_rows.append((df.index[i], labels[gidx[i]] if gidx[i] >= 0 else None, reason))
    keep = ~(incomplete | gmiss)
    covs, means, datas, nobs, pats, h1 = [], [], [], [], [], []
    problems = []
    for g in range(len(labels)):
        Xg = X[keep & (gidx == g)]
        n = Xg.shape[0]
        nobs.append(n)
        datas.append(Xg)
        gname = f" in group {labels[g]!r}" if group is not None else ""
        if fiml and n > 0:
            empty = [ov_names[j] for j in np.flatnonzero(np.isnan(Xg).all(axis=0))]
            if empty:
                problems.append(f"column(s) {', '.join(map(repr, empty))} have no observed value{gname}; "
                                "FIML cannot estimate their moments")
                covs.append(None), means.append(None), pats.append(()), h1.append(np.nan)
                continue
            pg = missing_patterns(Xg)
            Sigma, mu, ll, it, ok = em_saturated(Xg, pg)
            if not ok:
                problems.append(f"the EM algorithm for the unrestricted model did not converge{gname}")
            covs.append(Sigma), means.append(mu), pats.append(tuple(pg)), h1.append(ll)
            continue
        if n == 0:
            covs.append(np.full((len(ov_names), len(ov_names)), np.nan))
            means.append(np.full(len(ov_names), np.nan))
            continue
        mu = Xg.mean(axis=0)
        d = Xg - mu
        covs.append(d.T @ d / n)
        means.append(mu)
    if problems:
        raise DataError("cannot use the data:\n  - " + "\n  - ".join(problems))
    return SampleStats(labels, tuple(nobs), tuple(covs), tuple(means), tuple(datas), tuple(dropped_rows), len(df),
                       patterns=tuple(pats) if fiml else None, h1_logl=tuple(h1) if fiml else None)


def from_moments(sample_cov, sample_nobs, ov_names, sample_mean=None, rescale: bool = True) -> SampleStats:
    """Moments given directly (one matrix, or a list per group)."""
    covs = sample_cov if isinstance(sample_cov, (list, tuple)) else [sample_cov]
    nobs = sample_nobs if isinstance(sample_nobs, (list, tuple)) else [sample_nobs]
    means = sample_mean if isinstance(sample_mean, (list, tuple)) else [sample_mean] * len(covs)
    if len(nobs) != len(covs):
        raise DataError(f"sample_nobs has {len(nobs)} value(s) for {len(covs)} covariance matrices")
    out_c, out_m = [], []
    for g, (S, n, mu) in enumerate(zip(covs, nobs, means)):
        if isinstance(S, pd.DataFrame):
            missing = [v for v in ov_names if v not in S.columns or v not in S.index]
            if missing:
                raise DataError(f"sample_cov (group {g + 1}) lacks variable(s) {missing}; "
                                f"it has {list(S.columns)}")
            S = S.loc[list(ov_names), list(ov_names)].to_numpy(float)
        else:
            S = np.asarray(S, float)
            if S.shape != (len(ov_names), len(ov_names)):
                raise DataError(f"sample_cov (group {g + 1}) is {S.shape}; the model has "
                                f"{len(ov_names)} observed variables {list(ov_names)} — pass a "
                                "DataFrame with row and column names to select them")
        if not np.allclose(S, S.T, atol=1e-10 * max(1.0, np.abs(S).max())):
            raise DataError(f"sample_cov (group {g + 1}) is not symmetric")
        if not (isinstance(n, (int, np.integer)) and n > 1):
            raise DataError(f"sample_nobs must be an integer > 1, got {n!r}")
        if rescale:
            S = S * (n - 1) / n
        out_c.append(S)
        if mu is None:
            out_m.append(np.zeros(len(ov_names)))
        elif isinstance(mu, pd.Series):
            out_m.append(mu[list(ov_names)].to_numpy(float))
        else:
            out_m.append(np.asarray(mu, float))
    labels = tuple(range(1, len(covs) + 1)) if len(covs) > 1 else ("",)
    return SampleStats(labels, tuple(int(n) for n in nobs), tuple(out_c), tuple(out_m),
                       tuple(None for _ in covs), n_input_rows=0)
