"""``loyalty_profitability``: Reinartz & Kumar's loyalty-profitability matrix.

Reinartz, W. & Kumar, V. (2002), "The mismanagement of customer loyalty", Harvard Business
Review 80(7): customers split by the length of the relationship (tenure) and by profitability:

==============  ==============  ==============
                short tenure    long tenure
==============  ==============  ==============
high profit     butterflies     true friends
low profit      strangers       barnacles
==============  ==============  ==============

The cut-offs are parameters; by default each is the median over customers with purchases
(long: tenure >= cut-off; high: value >= cut-off). Customers without any purchase have no
tenure and no segment: they are counted in the warnings, not dropped silently.
R equivalent: none packaged (``dplyr::mutate(segment = case_when(...))``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from loyaltyscope.behavior.customer_frame import customer_metrics
from loyaltyscope.behavior.results import LoyaltyProfitabilityResult
from loyaltyscope.behavior.transaction_checks import TransactionError, warn_all

__all__ = ["loyalty_profitability", "SEGMENTS"]

SEGMENTS = {  # (long tenure, high profit) -> (segment, what Reinartz & Kumar advise)
    (True, True): ("true friends", "communicate consistently but not too often; build attitudinal loyalty"),
    (False, True): ("butterflies", "enjoy them while they last; stop investing once they go quiet"),
    (True, False): ("barnacles", "measure the size of their wallet: up-/cross-sell when large, cut cost to serve "
                                 "when small"),
    (False, False): ("strangers", "no relationship investment; make a profit on every transaction"),
}


def loyalty_profitability(data, *, tenure: str = "tenure_days", value: str | None = None,
                          tenure_cutoff: float | None = None, value_cutoff: float | None = None,
                          **metric_kwargs) -> LoyaltyProfitabilityResult:
    """Reinartz & Kumar's 2 x 2 of tenure (long/short) x profitability (high/low).

    Parameters
    ----------
    data : a frame from :func:`customer_metrics` (indexed by customer), or a transaction source
        passed on to :func:`customer_metrics` with ``metric_kwargs`` (customer=, time=, amount=,
        profit=, as_of=, engine=, ...).
    tenure : column of relationship length (default ``tenure_days``).
    value : profitability column (default ``profit`` when present, else ``monetary``).
    tenure_cutoff, value_cutoff : long means ``tenure >= tenure_cutoff`` and high means
        ``value >= value_cutoff``; default: the medians over customers with purchases.
    """
    is_metrics = isinstance(data, pd.DataFrame) and tenure in data.columns and not metric_kwargs
    m = data if is_metrics else customer_metrics(data, **metric_kwargs)
    if value is None:
        value = "profit" if "profit" in m.columns else "monetary"
    for c in (tenure, value):
        if c not in m.columns:
            raise TransactionError(f"loyalty_profitability: no column {c!r}; the frame has {list(m.columns)}")
    t = pd.to_numeric(m[tenure], errors="coerce").astype("float64")
    v = pd.to_numeric(m[value], errors="coerce").astype("float64")
    ok = t.notna() & v.notna()
    notes = []
    if (~ok).any():
        notes.append(f"{int((~ok).sum())} customer(s) without {tenure} or {value} (no purchase) have no segment; "
                     f"e.g. {list(m.index[~ok][:5])}")
    if not ok.any():
        raise TransactionError("loyalty_profitability: no customer has both a tenure and a value")
    tc = float(np.median(t[ok])) if tenure_cutoff is None else float(tenure_cutoff)
    vc = float(np.median(v[ok])) if value_cutoff is None else float(value_cutoff)
    long_, high = t >= tc, v >= vc
    seg = pd.Series([SEGMENTS[(bool(a), bool(b))][0] if o else None for a, b, o in zip(long_, high, ok)],
                    index=m.index, name="segment", dtype=object)
    rows = []
    for (is_long, is_high), (name, advice) in SEGMENTS.items():
        sel = seg == name
        rows.append({"segment": name, "tenure": "long" if is_long else "short", "profit": "high" if is_high else "low",
                     "customers": int(sel.sum()), "share_customers": sel.sum() / ok.sum(),
                     f"{value}_sum": float(v[sel].sum()),
                     "share_value": float(v[sel].sum() / v[ok].sum()) if v[ok].sum() else np.nan,
                     f"mean_{value}": float(v[sel].mean()) if sel.any() else np.nan,
                     f"mean_{tenure}": float(t[sel].mean()) if sel.any() else np.nan, "advice": advice})
    warn_all(notes)
    return LoyaltyProfitabilityResult(segments=seg, matrix=pd.DataFrame(rows).set_index("segment"),
                                      tenure_cutoff=tc, value_cutoff=vc, tenure=tenure, value=value,
                                      nobs=int(ok.sum()), warnings=tuple(notes))
