"""ABC (Pareto) customer classes, in NumPy (the pandas engine's cross-check of the SQL rule).

Rule (one statement, shared with :func:`metric_sql.metrics_sql`): rank customers by value
descending; ``cum_before`` is the total value of customers ranked strictly higher (tied values
share a rank, so ties get the same class); A when ``cum_before < a * total``, B when
``< b * total``, else C; value <= 0 is C and ``total`` sums the positive values. The customer
whose value crosses ``a`` of the total is therefore A. Cut-offs differ between texts (80/95 here
by default, 70/90 or 50/80 elsewhere); they are parameters and are stated in every result.
"""

from __future__ import annotations

import numpy as np

__all__ = ["abc_classify"]


def abc_classify(value, cuts=(0.8, 0.95)) -> tuple[np.ndarray, np.ndarray]:
    """(classes, share_before) for an array of customer values."""
    v = np.where(np.asarray(value, float) > 0, np.asarray(value, float), 0.0)
    total = v.sum()
    uniq, inverse = np.unique(-v, return_inverse=True)          # groups of tied values, largest first
    group_sum = np.bincount(inverse, weights=v, minlength=len(uniq))
    before = np.concatenate([[0.0], np.cumsum(group_sum)[:-1]])[inverse]
    a, b = cuts
    cls = np.where(v <= 0, "C", np.where(before < a * total, "A", np.where(before < b * total, "B", "C")))
    share = before / total if total > 0 else np.full(len(v), np.nan)
    return cls.astype(object), share
