"""Choosing the engine that reads a transaction log or a survey file.

- ``"duckdb"`` (default): embedded, multi-threaded, out of core; Parquet/CSV paths and globs
  or a pandas DataFrame (:mod:`loyaltyscope.behavior.duckdb_engine`);
- ``"spark"``: a Spark session (the active one, or ``spark=``) for data beyond one machine;
  paths, pandas or Spark DataFrames (:mod:`loyaltyscope.behavior.spark_engine`; needs the
  ``spark`` extra and Java);
- ``"pandas"``: everything in memory, written independently as a cross-check on small data
  (:mod:`loyaltyscope.behavior.pandas_engine`).
"""

from __future__ import annotations

from contextlib import contextmanager

from loyaltyscope.behavior.transaction_checks import TransactionError

__all__ = ["ENGINES", "open_engine"]

ENGINES = ("duckdb", "spark", "pandas")


@contextmanager
def open_engine(engine: str, source, tz: str = "UTC", spark=None):
    """An engine holding ``source`` as its raw view; closed (and Spark's zone restored) on exit."""
    if engine == "duckdb":
        from loyaltyscope.behavior.duckdb_engine import DuckDBEngine
        eng = DuckDBEngine(source, tz)
    elif engine == "spark":
        from loyaltyscope.behavior.spark_engine import SparkEngine
        eng = SparkEngine(source, tz, spark)
    elif engine == "pandas":
        from loyaltyscope.behavior.pandas_engine import PandasEngine
        eng = PandasEngine(source, tz)
    else:
        raise TransactionError(f"engine={engine!r}: expected one of {', '.join(ENGINES)}")
    try:
        yield eng
    finally:
        eng.close()
