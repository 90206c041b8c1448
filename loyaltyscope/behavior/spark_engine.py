"""The Spark engine: the same SQL as DuckDB (:mod:`metric_sql`), run by a Spark session for
logs beyond one machine. Needs the ``spark`` extra (``pip install 'loyaltyscope[spark]'``) and
Java 17.

The session is ``spark=`` or the active one (created with Spark's defaults when there is none).
While a call runs, ``spark.sql.session.timeZone`` is set to the caller's ``tz`` (so naive
timestamps are local times there, as on DuckDB) and restored afterwards.
R equivalent: ``sparklyr`` with the same SQL.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd

from loyaltyscope.behavior.duckdb_engine import source_kind
from loyaltyscope.behavior.metric_sql import SPARK
from loyaltyscope.behavior.sql_runner import SQLSteps
from loyaltyscope.behavior.transaction_checks import TransactionError

__all__ = ["SparkEngine"]

_ids = itertools.count(1)


def _session(spark):
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise TransactionError("engine='spark' needs pyspark: pip install 'loyaltyscope[spark]' (and Java 17)") from None
    if spark is not None:
        return spark
    return SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()


class SparkEngine(SQLSteps):
    """A source registered as a temporary view; ``query`` returns pandas (via Arrow)."""

    dialect = SPARK

    def __init__(self, source, tz: str = "UTC", spark=None):
        self.spark = _session(spark)
        self._old_tz = self.spark.conf.get("spark.sql.session.timeZone")
        self.spark.conf.set("spark.sql.session.timeZone", tz)
        tag = f"loyaltyscope_{next(_ids)}_"   # view names per call: concurrent calls on one session do not collide
        self.raw, self.tx = tag + "raw", tag + "tx"
        try:
            frame = self._read(source)
        except Exception:
            self.close()
            raise
        frame.createOrReplaceTempView(self.raw)
        self.types = {f.name: f.dataType.typeName() for f in frame.schema.fields}

    def _read(self, source):
        from pyspark.sql import DataFrame as SparkFrame
        if isinstance(source, SparkFrame):
            self.name = "the Spark DataFrame"
            return source
        if isinstance(source, pd.DataFrame):
            self.name = "the DataFrame"
            return self.spark.createDataFrame(source)
        if isinstance(source, (str, Path)):
            self.name = str(source)
            kind = source_kind(source)
            if kind == "csv":
                return self.spark.read.option("header", True).csv(str(source))
            return self.spark.read.parquet(str(source))
        raise TransactionError(f"source of type {type(source).__name__}: expected a path, a glob, a pandas or a "
                               "Spark DataFrame (engine='spark')")

    @property
    def columns(self) -> list[str]:
        return list(self.types)

    def time_kind(self, col: str) -> str:
        t = self.types[col]
        if t == "timestamp":
            return "instant"
        if t in ("timestamp_ntz", "date"):
            return "naive"
        if t == "string":
            return "text"
        raise TransactionError(f"{self.name}: column {col!r} has type {t}; expected timestamps (or ISO 8601 text)")

    def view(self, name: str, sql: str) -> None:
        self.spark.sql(sql).createOrReplaceTempView(name)

    def query(self, sql: str) -> pd.DataFrame:
        return self.spark.sql(sql).toPandas()

    def close(self) -> None:
        for v in (getattr(self, "raw", None), getattr(self, "tx", None)):
            if v:
                self.spark.catalog.dropTempView(v)
        if self._old_tz is not None:
            self.spark.conf.set("spark.sql.session.timeZone", self._old_tz)
