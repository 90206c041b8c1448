"""DuckDB, Spark and pandas give equal customer metrics on the same data (one Spark session
for the whole test run: the ``spark`` fixture in conftest.py)."""

import numpy as np
import pandas as pd
import pytest

import loyaltyscope as ls


def random_log(n=3000, customers=150, seed=7, tz=None):
    """Integer-cent amounts (so sums are exact in any order), refunds, tied timestamps, zeros."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2023-01-01").value // 1000
    ts = start + rng.integers(0, 400 * 86_400, n) * 1_000_000     # whole seconds over 400 days
    ts[::50] = ts[1::50][: len(ts[::50])]                         # tied timestamps
    amount = rng.integers(1, 20_000, n) / 100.0
    amount[rng.random(n) < 0.08] *= -1                            # refunds
    amount[::97] = 0.0
    cid = rng.integers(1, customers + 1, n)
    cid[:3] = customers + 1                                       # a customer with refunds only
    amount[:3] = [-5.0, -2.5, -1.0]
    cid[3:8] = customers + 2 + np.arange(5)                       # new customers: one recent purchase
    ts[3:8] = start + (378 + np.arange(5)) * 86_400_000_000
    amount[3:8] = 10.0
    t = pd.to_datetime(ts, unit="us")
    t = t.tz_localize("UTC") if tz is None else t
    return pd.DataFrame({"customer_id": cid, "timestamp": t, "amount": amount,
                         "margin": np.round(amount * 0.25, 2)})


KW = dict(profit="margin", period_days=60, n_periods=4, as_of="2024-01-20 12:00")


@pytest.mark.slow
def test_three_engines_equal(spark, quiet):
    log = random_log()
    ref = ls.customer_metrics(log, engine="pandas", **KW)
    assert set(ref["lifecycle_stage"].dropna()) == {"exploration", "formation", "stability", "decline"}
    assert set(ref["abc_class"]) == {"A", "B", "C"}
    for engine in ("duckdb", "spark"):
        m = ls.customer_metrics(log, engine=engine, **KW)
        pd.testing.assert_frame_equal(m, ref, check_exact=False, rtol=1e-9)


@pytest.mark.slow
def test_three_engines_equal_on_local_times_and_files(spark, quiet, tmp_path):
    log = random_log(n=1500, seed=3, tz="naive")
    log = log[~log.timestamp.between("2023-10-29 01:00", "2023-10-29 04:00")]   # no ambiguous local hour
    log = log[~log.timestamp.between("2023-03-26 01:00", "2023-03-26 04:00")]
    log.to_parquet(tmp_path / "log.parquet")
    kw = dict(KW, tz="Europe/Berlin", window=300, abc_by="profit")
    ref = ls.customer_metrics(log, engine="pandas", **kw)
    assert str(ref["last_purchase"].dt.tz) == "Europe/Berlin"
    for engine in ("duckdb", "spark"):
        m = ls.customer_metrics(tmp_path / "log.parquet", engine=engine, **kw)
        pd.testing.assert_frame_equal(m, ref, check_exact=False, rtol=1e-9)


@pytest.mark.slow
def test_spark_reads_spark_frames_and_csv_and_reports_problems(spark, quiet, shop_log, tmp_path):
    ref = ls.customer_metrics(shop_log, engine="duckdb", as_of="2024-04-01")
    sdf = spark.createDataFrame(shop_log)
    pd.testing.assert_frame_equal(ls.customer_metrics(sdf, engine="spark", as_of="2024-04-01"), ref)
    shop_log.assign(timestamp=shop_log.timestamp.dt.strftime("%Y-%m-%d %H:%M:%S")).to_csv(tmp_path / "l.csv",
                                                                                        index=False)
    pd.testing.assert_frame_equal(ls.customer_metrics(tmp_path / "l.csv", engine="spark", as_of="2024-04-01"), ref)
    bad = pd.DataFrame({"tx": [1, 1], "customer_id": [1, 2], "timestamp": ["2024-01-01", "soon"],
                        "amount": ["x", "2"]})
    with pytest.raises(ls.TransactionError) as e:
        ls.customer_metrics(bad, engine="spark", transaction="tx")
    msg = str(e.value)
    assert "1 timestamps that cannot be parsed" in msg and "e.g. 'soon'" in msg and "1 amounts that are not finite numbers" in msg
    assert "1 transaction ids occur more than once" in msg
    assert spark.conf.get("spark.sql.session.timeZone") != "Europe/Berlin"


@pytest.mark.slow
def test_spark_local_times_from_pandas_and_dst_errors(spark, quiet):
    log = pd.DataFrame({"customer_id": ["a", "a", "b"],
                        "timestamp": pd.to_datetime(["2024-03-30 12:00", "2024-03-31 11:30", "2024-03-30 11:00"]),
                        "amount": [5.0, 6.0, 7.0]})
    kw = dict(tz="Europe/Berlin", as_of="2024-03-31 12:00")
    pd.testing.assert_frame_equal(ls.customer_metrics(log, engine="spark", **kw),
                                  ls.customer_metrics(log, engine="pandas", **kw))
    bad = pd.DataFrame({"customer_id": [1, 2], "timestamp": ["2024-03-31 02:30:00", "2024-10-27 02:30:00"],
                        "amount": [1.0, 1.0]})
    with pytest.raises(ls.TransactionError) as e:
        ls.customer_metrics(bad, engine="spark", tz="Europe/Berlin")
    assert "1 local times that do not exist" in str(e.value) and "1 local times that occur twice" in str(e.value)


def test_duckdb_perfect_hash_grouping_equals_pandas(tmp_path, quiet):
    """A log of 2^14 rows over ids 1..2^14 lets DuckDB group by direct indexing (threshold 14
    bits, from the row count); the metrics still equal the pandas engine's. Sparse ids of a
    small log keep the default (12 bits)."""
    from loyaltyscope.behavior.duckdb_engine import DuckDBEngine
    log = random_log(n=2 ** 14, customers=2 ** 14 - 10, seed=11)
    log.to_parquet(tmp_path / "log.parquet")
    eng = DuckDBEngine(tmp_path / "log.parquet")
    try:
        eng.validate({"customer": "customer_id", "time": "timestamp", "amount": "amount", "profit": None}, "UTC", None)
        assert eng.con.execute("SELECT current_setting('perfect_ht_threshold')").fetchone()[0] == 14
        plan = str(eng.con.execute("EXPLAIN SELECT customer_id, COUNT(*) FROM raw GROUP BY customer_id").fetchall())
        assert "Perfect Hash Group By" in plan
    finally:
        eng.close()
    kw = dict(KW, abc_by="profit")
    pd.testing.assert_frame_equal(ls.customer_metrics(tmp_path / "log.parquet", **kw),
                                  ls.customer_metrics(log, engine="pandas", **kw), check_exact=False, rtol=1e-9)
