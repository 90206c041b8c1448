"""``retention``: retention and churn by period and by acquisition cohort, the revenue and profit
lost with churned customers, and Kotler's four steps of measuring the cost of retention.

Definitions (periods of ``period_days`` counted back from ``as_of``; k = 0 is the newest):

- a customer is *active* in a period when it has at least one purchase (amount > 0) there;
- retention rate of period k = customers active in k+1 and in k / customers active in k+1;
  churn rate = 1 - retention; churned customers = active in k+1, not in k;
- lost revenue (profit) of period k = what the churned customers spent (earned) in period k+1,
  i.e. the per-period value that left with them;
- cohort = period of the first purchase ever; the cohort table gives the share of each cohort
  active 0, 1, 2, ... periods after acquisition.

Kotler (Marketing Management, "the cost of lost customers"): (1) define and measure the
retention rate; (2) distinguish the causes of attrition (``loss_causes``: a cause per churned
customer, e.g. from exit interviews, or counts per cause); (3) estimate the profit lost when
customers leave (lost customers x profit per customer per year, or ``lifetime_value`` per
customer when given); (4) compare the cost of reducing defection (``retention_cost`` per year)
with that lost profit: spend while it costs less. R equivalent: none packaged; ``dplyr`` over the
same definitions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from loyaltyscope.behavior.customer_frame import resolve_period
from loyaltyscope.behavior.engines import open_engine
from loyaltyscope.behavior.metric_sql import DAY_US
from loyaltyscope.behavior.results import RetentionResult
from loyaltyscope.behavior.transaction_checks import TransactionError, check_zone, warn_all

__all__ = ["retention", "period_table", "cohort_table", "kotler_steps"]


def period_table(act: pd.DataFrame, n_periods: int, value_cols: list[str]) -> pd.DataFrame:
    """Retention, churn and lost value per period from customer x period activity."""
    active = act[act["purchases"] > 0]
    sets = {k: set(active.loc[active["k"] == k, "cid"]) for k in range(n_periods)}
    val = act.set_index(["k", "cid"])
    rows = []
    for k in range(n_periods - 1):
        prev, cur = sets[k + 1], sets[k]
        kept, lost = prev & cur, prev - cur
        new = set(active.loc[(active["k"] == k) & (active["first_k"] == k), "cid"])
        row = {"period": k, "active_before": len(prev), "active": len(cur), "retained": len(kept),
               "churned": len(lost), "new": len(new),
               "retention_rate": len(kept) / len(prev) if prev else np.nan}
        row["churn_rate"] = 1 - row["retention_rate"]
        for c in value_cols:
            row[f"lost_{c}"] = float(val.loc[[(k + 1, x) for x in lost], c].sum()) if lost else 0.0
        rows.append(row)
    return pd.DataFrame(rows).set_index("period")


def cohort_table(act: pd.DataFrame, n_periods: int) -> pd.DataFrame:
    """Share of each acquisition cohort (first purchase in period k) active j periods later."""
    active = act[act["purchases"] > 0]
    cohorts = active[active["first_k"] < n_periods]
    out = {}
    for c in sorted(cohorts["first_k"].unique(), reverse=True):
        members = set(cohorts.loc[cohorts["first_k"] == c, "cid"])
        row = {"size": len(members)}
        for j in range(int(c) + 1):
            row[f"after_{j}"] = len(members & set(active.loc[active["k"] == c - j, "cid"])) / len(members)
        out[int(c)] = row
    df = pd.DataFrame.from_dict(out, orient="index")
    df.index.name = "cohort_period"
    return df


def _causes(loss_causes, churned_ids) -> pd.DataFrame | None:
    if loss_causes is None:
        return None
    if isinstance(loss_causes, dict) and all(isinstance(v, (int, np.integer)) for v in loss_causes.values()):
        counts = pd.Series(loss_causes, dtype="int64")
    else:
        s = pd.Series(loss_causes)
        unknown = set(s.index) - set(churned_ids)
        if unknown:
            raise TransactionError(f"loss_causes names {len(unknown)} customer(s) that did not churn in the newest "
                                   f"period; e.g. {sorted(map(str, unknown))[:5]}")
        counts = s.value_counts()
        missing = len(set(churned_ids) - set(s.index))
        if missing:
            counts["(cause not given)"] = missing
    t = pd.DataFrame({"customers": counts.astype("int64")})
    t["share"] = t["customers"] / t["customers"].sum()
    t.index.name = "cause"
    return t.sort_values("customers", ascending=False, kind="stable")


def kotler_steps(periods: pd.DataFrame, period_days: float, value_col: str, causes, lifetime_value,
                 retention_cost) -> pd.DataFrame:
    """Kotler's four steps as a table (step, quantity, value, how it was obtained)."""
    last = periods.iloc[0]
    per_year = 365.0 / period_days
    rate = last["retention_rate"]
    lost_n = int(last["churned"])
    per_customer = (last[f"lost_{value_col}"] / lost_n) if lost_n else 0.0
    if lifetime_value is not None:
        lost = lost_n * float(lifetime_value)
        how3 = f"{lost_n} lost customers x lifetime value {float(lifetime_value):g} (lifetime_value=)"
    else:
        lost = last[f"lost_{value_col}"] * per_year
        how3 = (f"{value_col} of the {lost_n} lost customers in their last period ({per_customer:.2f} each) x "
                f"{per_year:.3g} periods a year")
    rows = [("1 retention rate", "retention rate, newest period", rate,
             f"{int(last['retained'])} of {int(last['active_before'])} customers active in the period before "
             "bought again"),
            ("2 causes of attrition", "causes given", np.nan if causes is None else float(len(causes)),
             "loss_causes= not given" if causes is None else ", ".join(f"{i}: {n}" for i, n in
                                                                       causes["customers"].items())),
            ("3 lost profit", f"lost {value_col} per year", lost, how3)]
    if retention_cost is None:
        rows.append(("4 cost of retention", "retention cost per year", np.nan,
                     "retention_cost= not given: cannot compare"))
    else:
        verdict = "worth spending (costs less than the lost " if retention_cost < lost else \
            "not worth it at this cost (costs at least the lost "
        rows.append(("4 cost of retention", "retention cost per year", float(retention_cost),
                     verdict + f"{value_col}, {lost:.2f})"))
    return pd.DataFrame(rows, columns=["step", "quantity", "value", "how"]).set_index("step")


def retention(source, *, customer: str = "customer_id", time: str = "timestamp", amount: str = "amount",
              profit: str | None = None, transaction: str | None = None, as_of=None, tz: str = "UTC",
              period_days: float = 30, n_periods: int = 12, loss_causes=None, lifetime_value: float | None = None,
              retention_cost: float | None = None, engine: str = "duckdb", spark=None) -> RetentionResult:
    """Retention and churn by period and cohort, lost revenue/profit, and Kotler's four steps.

    Parameters
    ----------
    source, customer, time, amount, profit, transaction, as_of, tz, engine, spark : as in
        :func:`customer_metrics` (the same checks of the log apply).
    period_days, n_periods : the table covers ``n_periods`` periods of ``period_days`` ending at
        ``as_of`` (default 12 x 30 days).
    loss_causes : step 2 — a mapping churned customer id -> cause (customers of the newest
        period's churn), or ``{cause: count}``.
    lifetime_value : step 3 — value of a customer over its remaining lifetime; without it the lost
        profit is the yearly run rate of what the churned customers brought per period.
    retention_cost : step 4 — the yearly cost of the retention effort, compared with step 3.

    Returns a :class:`RetentionResult` (tables ``by_period``, ``cohorts``, ``kotler``, ``causes``).
    """
    tz = check_zone(tz)
    if int(n_periods) < 2 or not float(period_days) > 0:
        raise TransactionError("retention needs n_periods >= 2 and period_days > 0")
    cols = {"customer": customer, "time": time, "amount": amount, "profit": profit}
    period_us = int(round(float(period_days) * DAY_US))
    with open_engine(engine, source, tz, spark) as eng:
        summary = eng.validate(cols, tz, transaction)
        as_of_us, _, notes = resolve_period(eng, summary, as_of, None, tz)
        act = eng.activity(as_of_us=as_of_us, period_us=period_us, n_periods=int(n_periods))
    act = act.astype({"k": "int64", "purchases": "int64", "revenue": "float64"})
    value_cols = ["revenue"] + (["profit"] if profit is not None else [])
    periods = period_table(act, int(n_periods), value_cols)
    ends = [pd.Timestamp((as_of_us - k * period_us) * 1000, tz="UTC").tz_convert(tz) for k in periods.index]
    periods.insert(0, "period_end", ends)
    periods.insert(0, "period_start", [e - pd.Timedelta(microseconds=period_us) for e in ends])
    cohorts = cohort_table(act, int(n_periods))
    active = act[act["purchases"] > 0]
    churned_ids = set(active.loc[active["k"] == 1, "cid"]) - set(active.loc[active["k"] == 0, "cid"])
    causes = _causes(loss_causes, churned_ids)
    value_col = "profit" if profit is not None else "revenue"
    kotler = kotler_steps(periods, float(period_days), value_col, causes, lifetime_value, retention_cost)
    if profit is None:
        notes.append("no profit column: lost value is revenue (give profit= for lost profit)")
    warn_all(notes)
    total_before = periods["active_before"].sum()
    return RetentionResult(
        by_period=periods, cohorts=cohorts, kotler=kotler, causes=causes,
        retention_rate=float(periods["retained"].sum() / total_before) if total_before else float("nan"),
        churned_ids=tuple(sorted(churned_ids, key=str)), as_of=pd.Timestamp(as_of_us * 1000, tz="UTC").tz_convert(tz),
        time_zone=tz, period_days=float(period_days), engine=engine, warnings=tuple(notes))
