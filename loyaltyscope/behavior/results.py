"""Result objects of the behavioral functions (frozen; the results protocol of
:class:`loyaltyscope.numerics.display.ResultProtocol`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyaltyscope.numerics.display import ResultProtocol

__all__ = ["RetentionResult", "LoyaltyProfitabilityResult", "MomentsResult"]


@dataclass(frozen=True)
class RetentionResult(ResultProtocol):
    """Retention and churn by period and cohort, and Kotler's four steps (:func:`retention`)."""

    by_period: pd.DataFrame
    cohorts: pd.DataFrame
    kotler: pd.DataFrame
    causes: pd.DataFrame | None
    retention_rate: float          # pooled over periods: sum retained / sum active before
    churned_ids: tuple             # customers churned in the newest period
    as_of: pd.Timestamp
    time_zone: str
    period_days: float
    engine: str
    warnings: tuple[str, ...] = ()
    title = "Customer retention and churn"

    @property
    def churn_rate(self) -> float:
        """Pooled churn rate: 1 - retention_rate."""
        return 1.0 - self.retention_rate

    def _headline(self) -> list[str]:
        return [f"as of {self.as_of} ({self.time_zone}); periods of {self.period_days:g} days, newest = 0; "
                f"engine {self.engine}",
                f"pooled retention rate {self.retention_rate:.3f}, churn rate {self.churn_rate:.3f}; "
                f"{len(self.churned_ids)} customers churned in the newest period"]

    def tables(self) -> dict[str, pd.DataFrame]:
        t = {"by_period": self.by_period, "cohorts": self.cohorts, "kotler": self.kotler}
        if self.causes is not None:
            t["causes"] = self.causes
        return t


@dataclass(frozen=True)
class LoyaltyProfitabilityResult(ResultProtocol):
    """Reinartz & Kumar's loyalty-profitability matrix (:func:`loyalty_profitability`)."""

    segments: pd.Series            # per customer: true friend / butterfly / barnacle / stranger (None: no purchase)
    matrix: pd.DataFrame           # one row per segment: customers, shares, value, tenure
    tenure_cutoff: float
    value_cutoff: float
    tenure: str
    value: str
    nobs: int
    warnings: tuple[str, ...] = ()
    title = "Loyalty-profitability matrix (Reinartz & Kumar)"

    def _headline(self) -> list[str]:
        return [f"{self.nobs} customers; long tenure: {self.tenure} >= {self.tenure_cutoff:g}; "
                f"high profit: {self.value} >= {self.value_cutoff:g}"]

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"matrix": self.matrix}


@dataclass(frozen=True)
class MomentsResult(ResultProtocol):
    """n, means and the listwise (unbiased, N - 1) covariance matrix of items (:func:`moments`)."""

    nobs: int                      # complete rows (lavaan: sample.nobs)
    mean: pd.Series                # item means of the complete rows
    cov: pd.DataFrame              # unbiased (N - 1) covariance matrix
    n_rows: int                    # all rows read
    engine: str
    warnings: tuple[str, ...] = ()
    title = "Sample moments (listwise complete rows)"

    @property
    def n_incomplete(self) -> int:
        """Rows left out because an item is missing (listwise deletion)."""
        return self.n_rows - self.nobs

    def sem_inputs(self) -> dict:
        """Keyword arguments for ``ls.sem(model, **m.sem_inputs())``."""
        return {"sample_cov": self.cov, "sample_nobs": self.nobs, "sample_mean": self.mean}

    def _headline(self) -> list[str]:
        return [f"{self.nobs} complete rows of {self.n_rows} ({self.n_incomplete} with a missing item, listwise "
                f"deleted); {len(self.mean)} items; engine {self.engine}"]

    def tables(self) -> dict[str, pd.DataFrame]:
        sd = np.sqrt(np.diag(self.cov.to_numpy()))
        return {"items": pd.DataFrame({"mean": self.mean, "sd": sd}, index=self.mean.index), "cov": self.cov}
