"""Behavioral loyalty from transaction logs, on DuckDB (default), Spark or pandas.

- :func:`customer_metrics` — RFM, tenure, inter-purchase time, repeat buying, ABC class and
  lifecycle stage per customer (:mod:`customer_frame`, rules in :mod:`metric_sql`);
- :func:`retention` — retention and churn by period and cohort, lost revenue, Kotler's four
  steps (:mod:`churn`);
- :func:`loyalty_profitability` — Reinartz & Kumar's loyalty-profitability matrix
  (:mod:`profitability_matrix`);
- :func:`moments` — n, means and the listwise covariance matrix of survey items in one scan,
  for ``ls.sem(model, sample_cov=, sample_nobs=, sample_mean=)`` (:mod:`scalable_moments`).
"""

from loyaltyscope.behavior.churn import retention
from loyaltyscope.behavior.customer_frame import customer_metrics
from loyaltyscope.behavior.profitability_matrix import loyalty_profitability
from loyaltyscope.behavior.results import LoyaltyProfitabilityResult, MomentsResult, RetentionResult
from loyaltyscope.behavior.scalable_moments import moments
from loyaltyscope.behavior.transaction_checks import BehaviorWarning, TransactionError

__all__ = ["customer_metrics", "retention", "loyalty_profitability", "moments", "RetentionResult",
           "LoyaltyProfitabilityResult", "MomentsResult", "TransactionError", "BehaviorWarning"]
