"""The DuckDB engine: an embedded, multi-threaded, out-of-core SQL engine reading Parquet, CSV
or a pandas DataFrame in place (nothing is loaded into pandas but the per-customer result).

R equivalent: ``duckdb::dbGetQuery`` on the same SQL. Each call opens its own in-memory
connection with ``TimeZone`` set to the caller's zone, so naive timestamps are read as local
times there; instants (``TIMESTAMPTZ``, tz-aware pandas columns) keep their meaning.
"""

from __future__ import annotations

import os
import queue
import threading
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from loyaltyscope.behavior import metric_sql as q
from loyaltyscope.behavior.metric_sql import DUCKDB
from loyaltyscope.behavior.sql_runner import SQLSteps
from loyaltyscope.behavior.transaction_checks import TransactionError

__all__ = ["DuckDBEngine", "source_kind"]

_PERFECT_HASH_BITS = (12, 20)   # DuckDB's default is 12 bits (4096 groups)
_END = object()   # end of a batch stream
_NAIVE = ("TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S", "DATE")


def source_kind(source) -> str:
    """'parquet' or 'csv' for a path or glob, judged by its extension."""
    s = str(source).lower()
    if s.endswith((".parquet", ".pq", ".parquet/*", "/*.parquet")):
        return "parquet"
    if s.endswith((".csv", ".csv.gz", ".txt", ".tsv")):
        return "csv"
    if os.path.isdir(str(source)):
        return "parquet-dir"
    raise TransactionError(f"source {str(source)!r}: expected a .parquet or .csv path or glob, a pandas "
                           "DataFrame, or (engine='spark') a Spark DataFrame")


def _literal(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


class DuckDBEngine(SQLSteps):
    """A source registered as the view ``raw``; ``query`` runs SQL and returns pandas."""

    dialect = DUCKDB
    raw, tx = "raw", "tx"     # view names (private connection)

    def __init__(self, source, tz: str = "UTC", threads: int | None = None):
        self.con = duckdb.connect()
        self.con.execute(f"SET TimeZone = {_literal(tz)}")
        try:
            self.con.execute("SET enable_progress_bar = false")
        except duckdb.Error:   # inside Jupyter without ipywidgets DuckDB refuses to touch the setting
            pass
        self.con.execute("SET preserve_insertion_order = false")   # results are sorted afterwards
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        self.parquet_files: list[str] | None = None     # the files read, for a Parquet source
        if isinstance(source, pd.DataFrame):
            self.name = "the DataFrame"
            self.con.register("raw_frame", source)
            self.con.execute("CREATE TEMP VIEW raw AS SELECT * FROM raw_frame")
        elif isinstance(source, (str, Path)):
            self.name = str(source)
            kind = source_kind(source)
            path = str(source)
            if kind == "parquet-dir":
                path = os.path.join(path, "*.parquet")
            reader = (f"read_csv({_literal(path)}, header = true, all_varchar = true)" if kind == "csv"
                      else f"read_parquet({_literal(path)})")
            try:
                self.con.execute(f"CREATE TEMP VIEW raw AS SELECT * FROM {reader}")
            except duckdb.IOException as e:
                raise TransactionError(f"source {path!r}: cannot read it ({e})") from None
            if kind != "csv":
                self.parquet_files = [r[0] for r in self.con.sql(f"SELECT file FROM glob({_literal(path)})").fetchall()]
        else:
            raise TransactionError(f"source of type {type(source).__name__}: expected a path, a glob or a pandas "
                                   "DataFrame (engine='duckdb')")
        self.types = dict(self.con.execute("SELECT column_name, column_type FROM (DESCRIBE raw)").fetchall())

    @property
    def columns(self) -> list[str]:
        return list(self.types)

    def time_kind(self, col: str) -> str:
        t = self.types[col].upper()
        if t.startswith("TIMESTAMP WITH TIME ZONE") or t == "TIMESTAMPTZ":
            return "instant"
        if t in _NAIVE:
            return "naive"
        if t == "VARCHAR":
            return "text"
        raise TransactionError(f"{self.name}: column {col!r} has type {self.types[col]}; expected timestamps "
                               "(or ISO 8601 text)")

    def validate(self, cols: dict, tz: str, transaction: str | None) -> dict:
        """As :meth:`SQLSteps.validate`; then lets DuckDB group customers by direct indexing
        ("perfect hash") when their integer ids span at most 2^b values (from the Parquet
        statistics), with b = log2(rows) between 12 and 20: a table of 2^b aggregate states per
        thread is then no larger than the log. About a quarter less CPU for the per-customer
        aggregate of 20 M rows over ids 1..1 M; small logs with sparse ids keep hashing."""
        summary = super().validate(cols, tz, transaction)
        lo, hi = _PERFECT_HASH_BITS
        bits = min(max(int(summary["n_rows"]).bit_length() - 1, lo), hi)
        self.con.execute(f"SET perfect_ht_threshold = {bits}")
        return summary

    def metrics(self, **params) -> pa.Table:
        """The customer table as Arrow, unsorted: the caller sorts it by id and converts it after
        the engine is closed, so DuckDB's working memory is given back first (5 M customers: peak
        RSS of the call 2.15 GB; ORDER BY in DuckDB and converting before closing: 2.78 GB)."""
        return self.con.sql(q.metrics_sql(self.tx, **params)).to_arrow_table()

    def view(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {sql}")

    def query(self, sql: str) -> pd.DataFrame:
        """The answer as pandas, through Arrow (columnar; cheaper than ``.df()`` for 1 M rows)."""
        return self.con.sql(sql).to_arrow_table().to_pandas()

    def batches(self, sql: str, rows: int = 1_000_000, ahead: int = 2):
        """The answer of ``sql`` as a stream of Arrow record batches (bounded memory).

        A helper thread reads up to ``ahead`` batches ahead (DuckDB releases the GIL while it
        scans), so the scan of the next batch overlaps the caller's work on this one."""
        reader = self.con.sql(sql).to_arrow_reader(rows)
        box: queue.Queue = queue.Queue(maxsize=max(int(ahead), 1))
        stop = threading.Event()

        def produce():
            try:
                for b in reader:
                    while not stop.is_set():
                        try:
                            box.put(b, timeout=0.1)
                            break
                        except queue.Full:
                            continue
                    if stop.is_set():
                        return
                box.put(_END)
            except BaseException as e:     # handed to the caller, raised there
                box.put(e)

        worker = threading.Thread(target=produce, name="duckdb-batches", daemon=True)
        worker.start()
        try:
            while True:
                b = box.get()
                if b is _END:
                    return
                if isinstance(b, BaseException):
                    raise b
                yield b
        finally:
            stop.set()
            worker.join()

    def close(self) -> None:
        self.con.close()
