"""Customer lifecycle stages from the trend of the purchase rate (NumPy; the pandas engine's
cross-check of the SQL rule in :func:`metric_sql.metrics_sql`).

The source texts describe the stages in words only: exploration (a relationship just begun),
formation (growth of the relationship rising), stability (levelling off), decline (reversing).
The operational rule, parameterised:

- purchases are counted in the last ``P`` periods of ``period_days`` before ``as_of`` (period
  ``t = 1..P``, oldest first; period P is ``(as_of - period, as_of]``);
- trend = least-squares slope of the counts on t, ``sum_t (t - tbar) c_t / Sxx`` with
  ``Sxx = P (P^2 - 1) / 12``, divided by the mean count (relative change per period);
- exploration: first purchase within the newest period; decline: no purchase in the last P
  periods or trend < -threshold; formation: trend > +threshold; stability otherwise.
"""

from __future__ import annotations

import numpy as np

__all__ = ["period_counts", "lifecycle_stage"]


def period_counts(cid_codes: np.ndarray, ts_us: np.ndarray, n_customers: int, as_of_us: int, period_us: int,
                  n_periods: int) -> np.ndarray:
    """Purchase counts, customers x periods (column 0 the oldest), of purchases given as arrays."""
    age = as_of_us - ts_us                                # >= 0
    back = age // period_us                               # 0 = newest period
    keep = back < n_periods
    t = n_periods - 1 - back[keep]
    out = np.zeros((n_customers, n_periods))
    np.add.at(out, (cid_codes[keep], t), 1.0)
    return out


def lifecycle_stage(counts: np.ndarray, first_us: np.ndarray, frequency: np.ndarray, as_of_us: int,
                    period_us: int, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """(stage, relative trend) per customer from the counts matrix of :func:`period_counts`."""
    P = counts.shape[1]
    t = np.arange(1, P + 1, dtype=float)
    slope = (counts @ (t - t.mean())) / (P * (P * P - 1) / 12)
    mean = counts.mean(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.where(mean > 0, slope / mean, np.nan)
    stage = np.where(rel > threshold, "formation", np.where(rel < -threshold, "decline", "stability")).astype(object)
    stage[mean == 0] = "decline"
    stage[first_us > as_of_us - period_us] = "exploration"
    stage[frequency == 0] = None
    return stage, rel
