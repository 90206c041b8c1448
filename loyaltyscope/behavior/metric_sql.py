"""Every behavioral metric written once, as SQL that DuckDB and Spark both run.

The SQL here is the single definition of the customer metrics, the ABC classes, the lifecycle
stage, the validation counts and the period activity behind retention. The only things that
differ between the engines are a handful of names (the instant and naive timestamp types and
the epoch function) filled in from a :class:`Dialect`; the text of every metric is shared.
The pandas engine (:mod:`loyaltyscope.behavior.pandas_engine`) re-implements the same rules
independently, as a cross-check on small data.

Conventions (stated in every result):

- time is absolute: every timestamp is turned into microseconds since 1970-01-01 UTC
  (``ts_us``); naive timestamps are local times in the zone ``tz`` given by the caller;
  a day is 86 400 s of elapsed time, so a purchase 23 h before ``as_of`` across a DST change is
  0 days old;
- a purchase is a row with ``amount > 0``; a refund has ``amount < 0`` (it lowers ``monetary``
  and is not a purchase); a row with ``amount = 0`` counts in neither;
- ``recency_days = floor((as_of - last_purchase) / 1 day)``, ``tenure_days = floor((as_of -
  first_purchase) / 1 day)``, ``mean_interpurchase_days = (last - first) / (frequency - 1)``
  (the mean gap between consecutive purchases; undefined for one purchase);
- periods for the lifecycle trend are ``period_days`` long and counted back from ``as_of``:
  period ``P`` (the newest) is ``(as_of - period, as_of]``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Dialect", "DUCKDB", "SPARK", "quote", "validation_sql", "normalized_sql", "metrics_sql", "examples_sql",
           "duplicate_ids_sql", "duplicate_count_sql", "moments_sql",
           "activity_sql", "DAY_US"]

DAY_US = 86_400_000_000


@dataclass(frozen=True)
class Dialect:
    """The few names that differ between DuckDB and Spark SQL."""

    name: str
    instant: str      # timestamp type holding an instant (naive input is read in the session zone)
    naive: str        # timestamp type holding a wall-clock time without zone
    epoch_us: str     # function: instant -> microseconds since the epoch
    quote_char: str   # identifier quote


DUCKDB = Dialect("duckdb", "TIMESTAMPTZ", "TIMESTAMP", "epoch_us", '"')
SPARK = Dialect("spark", "TIMESTAMP", "TIMESTAMP_NTZ", "unix_micros", "`")


def quote(d: Dialect, name: str) -> str:
    """A column name as a quoted SQL identifier (quotes inside doubled)."""
    q = d.quote_char
    return q + str(name).replace(q, q + q) + q


def _num(x) -> str:
    """A number as an SQL literal (only numbers we computed ourselves are inlined)."""
    if isinstance(x, bool):
        raise TypeError("boolean where a number was expected")
    if isinstance(x, int):
        return str(int(x))
    return f"CAST({float(x)!r} AS DOUBLE)"   # Spark reads a bare 2.0 as DECIMAL


def _ts_expr(d: Dialect, col: str, kind: str) -> str:
    """Microseconds since the epoch of a raw timestamp column of ``kind`` ('instant', 'naive', 'text')."""
    if kind == "instant":
        return f"{d.epoch_us}({col})"
    return f"{d.epoch_us}(TRY_CAST({col} AS {d.instant}))"


def _dst_exprs(d: Dialect, col: str, kind: str) -> tuple[str, str]:
    """(nonexistent, ambiguous) conditions of a naive local time in the session zone.

    A wall-clock time ``t`` is nonexistent when it does not survive local -> instant -> local
    (the hour skipped in spring), ambiguous when the instant one hour earlier or later shows the
    same wall clock (the hour repeated in autumn)."""
    if kind == "instant":
        return "FALSE", "FALSE"
    n = f"TRY_CAST({col} AS {d.naive})"
    u = f"CAST({n} AS {d.instant})"
    nonexistent = f"({n} IS NOT NULL AND CAST({u} AS {d.naive}) <> {n})"
    ambiguous = (f"({n} IS NOT NULL AND (CAST({u} - INTERVAL 1 HOUR AS {d.naive}) = {n} "
                 f"OR CAST({u} + INTERVAL 1 HOUR AS {d.naive}) = {n}))")
    return nonexistent, ambiguous


def _not_finite(col: str) -> str:
    """Present but not a usable number: text, NaN, infinite, or beyond 1e300 (sums overflow)."""
    v = f"TRY_CAST({col} AS DOUBLE)"
    return f"{col} IS NOT NULL AND ({v} IS NULL OR isnan({v}) OR abs({v}) > 1e300)"


def _count(cond: str) -> str:
    return f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)"


def validation_sql(d: Dialect, src: str, cols: dict, ts_kind: str, check_dst: bool) -> tuple[str, dict]:
    """One scan counting every problem of the raw log, plus the conditions (for examples).

    ``cols`` maps roles ('customer', 'time', 'amount', optional 'profit') to column names.
    Returns (sql, {problem: condition}); the SQL also gives n_rows, min_us and max_us."""
    c = {k: quote(d, v) for k, v in cols.items() if v is not None}
    ts = _ts_expr(d, c["time"], ts_kind)
    conds = {
        "customer_missing": f"{c['customer']} IS NULL",
        "time_missing": f"{c['time']} IS NULL",
        "time_unparseable": f"{c['time']} IS NOT NULL AND {ts} IS NULL",
        "amount_missing": f"{c['amount']} IS NULL",
        "amount_non_numeric": _not_finite(c["amount"]),
    }
    if "profit" in c:
        conds["profit_missing"] = f"{c['profit']} IS NULL"
        conds["profit_non_numeric"] = _not_finite(c["profit"])
    if check_dst:
        conds["time_nonexistent"], conds["time_ambiguous"] = _dst_exprs(d, c["time"], ts_kind)
    parts = ["COUNT(*) AS n_rows", f"MIN({ts}) AS min_us", f"MAX({ts}) AS max_us"]
    parts += [f"{_count(cond)} AS {name}" for name, cond in conds.items()]
    return f"SELECT {', '.join(parts)} FROM {src}", conds


def duplicate_ids_sql(d: Dialect, src: str, transaction: str, limit: int = 5) -> str:
    """Duplicate transaction ids: how many ids repeat, the surplus rows, and examples."""
    t = quote(d, transaction)
    return (f"SELECT CAST(tid AS STRING) AS tid, n FROM (SELECT {t} AS tid, COUNT(*) AS n FROM {src} "
            f"WHERE {t} IS NOT NULL GROUP BY {t} HAVING COUNT(*) > 1) ORDER BY n DESC, tid LIMIT {limit}")


def duplicate_count_sql(d: Dialect, src: str, transaction: str) -> str:
    t = quote(d, transaction)
    return (f"SELECT COUNT(*) AS ids, COALESCE(SUM(n - 1), 0) AS surplus FROM (SELECT COUNT(*) AS n FROM {src} "
            f"WHERE {t} IS NOT NULL GROUP BY {t} HAVING COUNT(*) > 1)")


def examples_sql(d: Dialect, src: str, col: str, cond: str, limit: int = 5) -> str:
    return f"SELECT DISTINCT CAST({quote(d, col)} AS STRING) AS v FROM {src} WHERE {cond} LIMIT {limit}"


def normalized_sql(d: Dialect, src: str, cols: dict, ts_kind: str) -> str:
    """The log as (cid, ts_us, amount, profit): the one shape every metric reads."""
    c = {k: quote(d, v) for k, v in cols.items() if v is not None}
    profit = f"CAST({c['profit']} AS DOUBLE)" if "profit" in c else "CAST(NULL AS DOUBLE)"
    return (f"SELECT {c['customer']} AS cid, {_ts_expr(d, c['time'], ts_kind)} AS ts_us, "
            f"CAST({c['amount']} AS DOUBLE) AS amount, {profit} AS profit FROM {src}")


def metrics_sql(tx: str, *, as_of_us: int, start_us: int | None, repeat_min: int, abc_cuts: tuple,
                abc_by: str, period_us: int, n_periods: int, trend_threshold: float,
                has_profit: bool = True, skip_as_of_filter: bool = False) -> str:
    """The customer table: one row per customer with every metric, ABC class and lifecycle stage.

    ABC (Pareto) classes: customers ranked by ``abc_by`` (monetary or profit) descending; with
    ``cum_before`` the value of all customers ranked strictly higher (tied customers share a
    rank and a class), a customer is A when ``cum_before < a * total``, B when ``< b * total``,
    else C; customers with value <= 0 are C and the total is that of positive values.
    So the customer whose value crosses ``a`` of the total is still A. (The running sum runs over
    the distinct values, then joins back: cheaper than a window over every customer.)

    Lifecycle: purchases counted in the last ``P = n_periods`` periods (index t = 1..P, oldest
    first, t = P - floor((as_of - ts) / period)). The least-squares slope of counts on t is
    ``sum_purchases (t - tbar) / Sxx = ((P - tbar) n_recent - sum floor(...)) / Sxx`` with
    ``Sxx = P (P^2 - 1) / 12``; relative trend = slope / mean count. exploration: first purchase
    within the newest period; decline: no purchase in the last P periods or relative trend <
    -threshold; formation: relative trend > +threshold; stability otherwise; NULL without any
    purchase (refunds only). ``skip_as_of_filter``: as_of is the latest transaction, so the
    filter ``ts_us <= as_of`` is true of every row and is left out.

    One scan, one GROUP BY customer: each row carries ``purchase_us`` (its time when it is a
    purchase, else NULL), ``refund`` (1 or NULL) and ``recent_back`` (the period index counted back
    when it is a purchase of the last P periods, else NULL); plain COUNT/MIN/MAX/SUM skip the NULLs,
    so frequency = COUNT(purchase_us), first/last purchase = MIN/MAX(purchase_us), and so on.
    (Measured on 20 M rows: 15 % less CPU than the same aggregates with FILTER clauses; 0/1 flags
    summed instead of NULLs cost 30 % more.)
    """
    P = int(n_periods)
    tbar = (P + 1) / 2
    sxx = P * (P * P - 1) / 12
    span = P * period_us
    a, b = abc_cuts
    conds = ([] if skip_as_of_filter else [f"ts_us <= {_num(as_of_us)}"]) + \
        ([f"ts_us > {_num(start_us)}"] if start_us is not None else [])
    where = (" WHERE " + " AND ".join(conds)) if conds else ""
    back = f"FLOOR(CAST({_num(as_of_us)} - purchase_us AS DOUBLE) / {_num(float(period_us))})"
    value = "monetary" if abc_by == "monetary" else "profit"
    profit = "SUM(profit)" if has_profit else "CAST(NULL AS DOUBLE)"
    day = _num(float(DAY_US))
    trend = f"(((({_num(P - tbar)} * recent_purchases) - back_sum) / {_num(sxx)}) / (recent_purchases / {_num(float(P))}))"
    return f"""
WITH base AS (
  SELECT cid,
    COUNT(purchase_us) AS frequency,
    COUNT(refund) AS refunds,
    COUNT(*) AS n_rows,
    SUM(amount) AS monetary,
    {profit} AS profit,
    MIN(purchase_us) AS first_us,
    MAX(purchase_us) AS last_us,
    COUNT(recent_back) AS recent_purchases,
    SUM(recent_back) AS back_sum
  FROM (SELECT cid, amount, {"profit, " if has_profit else ""}purchase_us, refund,
          CASE WHEN purchase_us > {_num(as_of_us - span)} THEN {back} END AS recent_back
        FROM (SELECT cid, amount, {"profit, " if has_profit else ""}CASE WHEN amount > 0 THEN ts_us END AS purchase_us,
                CASE WHEN amount < 0 THEN 1 END AS refund FROM {tx}{where}) AS flagged) AS backed
  GROUP BY cid
), valued AS (
  SELECT *, CASE WHEN {value} > 0 THEN {value} ELSE 0 END AS abc_value FROM base
), tiers AS (
  SELECT abc_value AS tier_value, SUM(abc_value) AS tier_sum FROM valued GROUP BY abc_value
), cumulated AS (
  SELECT tier_value, SUM(tier_sum) OVER (ORDER BY tier_value DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    - tier_sum AS cum_before, SUM(tier_sum) OVER () AS abc_total FROM tiers
), ranked AS (
  SELECT valued.*, cum_before, abc_total FROM valued JOIN cumulated ON valued.abc_value = cumulated.tier_value
)
SELECT cid, frequency, refunds, n_rows - frequency - refunds AS zero_rows, monetary, profit, first_us, last_us,
  FLOOR(CAST({_num(as_of_us)} - last_us AS DOUBLE) / {day}) AS recency_days,
  FLOOR(CAST({_num(as_of_us)} - first_us AS DOUBLE) / {day}) AS tenure_days,
  CASE WHEN frequency > 1 THEN CAST(last_us - first_us AS DOUBLE) / {day} / (frequency - 1) END
    AS mean_interpurchase_days,
  frequency >= {int(repeat_min)} AS repeat_buyer,
  abc_value, CASE WHEN abc_total > 0 THEN cum_before / abc_total END AS abc_share_before,
  CASE WHEN abc_value <= 0 THEN 'C'
       WHEN cum_before < {_num(float(a))} * abc_total THEN 'A'
       WHEN cum_before < {_num(float(b))} * abc_total THEN 'B' ELSE 'C' END AS abc_class,
  recent_purchases,
  CASE WHEN recent_purchases > 0 THEN {trend} END AS lifecycle_trend,
  CASE WHEN frequency = 0 THEN NULL
       WHEN first_us > {_num(as_of_us - period_us)} THEN 'exploration'
       WHEN recent_purchases = 0 THEN 'decline'
       WHEN {trend} < {_num(-float(trend_threshold))} THEN 'decline'
       WHEN {trend} > {_num(float(trend_threshold))} THEN 'formation'
       ELSE 'stability' END AS lifecycle_stage
FROM ranked
"""


def activity_sql(tx: str, *, as_of_us: int, period_us: int, n_periods: int) -> str:
    """Customer x period activity: purchases, revenue and profit of each customer in each period.

    Period k = floor((as_of - ts) / period) counts back from ``as_of`` (k = 0 the newest); only
    purchases (amount > 0) make a customer active; ``revenue`` and ``profit`` sum all rows of the
    period (refunds included). ``first_k`` is the period of the first purchase ever (the
    acquisition cohort; larger than n_periods - 1 for customers acquired before the table)."""
    span = n_periods * period_us
    k = f"CAST(FLOOR(CAST({_num(as_of_us)} - ts_us AS DOUBLE) / {_num(period_us)}) AS BIGINT)"
    first = f"CAST(FLOOR(CAST({_num(as_of_us)} - MIN(ts_us) AS DOUBLE) / {_num(period_us)}) AS BIGINT)"
    return f"""
WITH firsts AS (
  SELECT cid, {first} AS first_k FROM {tx}
  WHERE amount > 0 AND ts_us <= {_num(as_of_us)} GROUP BY cid
), per AS (
  SELECT cid, {k} AS k, {_count('amount > 0')} AS purchases, SUM(amount) AS revenue, SUM(profit) AS profit
  FROM {tx} WHERE ts_us <= {_num(as_of_us)} AND ts_us > {_num(as_of_us - span)} GROUP BY cid, {k}
)
SELECT per.cid AS cid, per.k AS k, per.purchases AS purchases, per.revenue AS revenue, per.profit AS profit,
  firsts.first_k AS first_k
FROM per LEFT JOIN firsts ON per.cid = firsts.cid
"""


def moments_sql(d: Dialect, src: str, columns: list, shift: list) -> str:
    """n, shifted sums and shifted cross-products of complete rows (listwise), in one scan.

    With ``y = x - c`` for a shift ``c`` near the data (the first complete row), the mean is
    ``c + sum(y) / n`` and the unbiased covariance ``(sum(y_i y_j) - sum(y_i) sum(y_j) / n) / (n - 1)``;
    the shift keeps the subtraction free of cancellation. Also counts all rows."""
    q = [quote(d, c) for c in columns]
    y = [f"(CAST({c} AS DOUBLE) - {_num(float(s))})" for c, s in zip(q, shift)]
    complete = " AND ".join(f"{c} IS NOT NULL" for c in q)
    parts = [f"SUM(CASE WHEN {complete} THEN 1 ELSE 0 END) AS n", "COUNT(*) AS n_rows"]
    parts += [f"SUM(CASE WHEN {complete} THEN {y[i]} END) AS s_{i}" for i in range(len(q))]
    parts += [f"SUM(CASE WHEN {complete} THEN {y[i]} * {y[j]} END) AS p_{i}_{j}"
              for i in range(len(q)) for j in range(i, len(q))]
    return f"SELECT {', '.join(parts)} FROM {src}"
