"""Fixtures of the behavioral tests: one local Spark session for the whole test session
(startup takes ~15 s), and the constructed transaction log with hand-computed expectations."""

import shutil
import warnings

import pandas as pd
import pytest


@pytest.fixture(scope="session")
def spark():
    """A local[2] Spark session shared by every Spark test (CI installs Java and pyspark)."""
    pytest.importorskip("pyspark", reason="pyspark is the 'spark' extra; CI installs it")
    if shutil.which("java") is None:
        pytest.fail("Spark tests need Java 17 (Debian: openjdk-17-jre-headless)")
    from pyspark.sql import SparkSession
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = (SparkSession.builder.master("local[2]").appName("loyaltyscope-tests")
             .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
             .config("spark.sql.execution.arrow.pyspark.enabled", "true")
             .config("spark.driver.memory", "1g").getOrCreate())
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()


@pytest.fixture
def quiet():
    """Silence BehaviorWarning and pyspark's pandas-version notice (results keep the warnings)."""
    import loyaltyscope as ls
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ls.BehaviorWarning)
        warnings.simplefilter("ignore", FutureWarning)
        yield


def _t(s):
    return pd.Timestamp(s, tz="UTC")


@pytest.fixture
def shop_log():
    """Seven customers, as_of 2024-04-01 00:00 UTC (see test_behavior_metrics for the arithmetic)."""
    rows = [
        (1, "2024-01-01 10:00", 10.0), (1, "2024-02-01 10:00", 20.0), (1, "2024-03-15 10:00", 30.0),
        (1, "2024-03-20 08:00", -5.0),
        (2, "2024-03-20 12:00", 100.0),
        (3, "2024-02-10 00:00", -10.0),
        (4, "2024-01-05 00:00", 40.0), (4, "2024-01-20 00:00", 40.0), (4, "2024-02-10 00:00", 40.0),
        (5, "2024-02-15 09:00", 27.5), (5, "2024-02-15 09:00", 27.5),
        (6, "2024-03-01 12:00", 20.0), (6, "2024-04-05 00:00", 999.0),
        (7, "2024-03-25 00:00", 5.0),
    ]
    return pd.DataFrame({"tx_id": range(1, len(rows) + 1), "customer_id": [r[0] for r in rows],
                         "timestamp": [_t(r[1]) for r in rows], "amount": [r[2] for r in rows]})
