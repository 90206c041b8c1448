"""Benchmark: customer metrics of a generated transaction log in Parquet.

Generates ``--rows`` transactions (customer id, UTC timestamp, amount with ~5 % refunds) for
``--rows / 20`` customers into Parquet under ``--dir`` (default /tmp; never committed), then
runs, each in a fresh Python process (imports done before the clock starts; peak RSS is the
process's, imports included):

- baseline: ``pandas.read_parquet(path)`` + ``groupby(customer).agg(count, sum, min, max)``
  (a plain read and group-by, far fewer metrics than ours);
- ``ls.customer_metrics(path)`` on DuckDB (every metric, ABC classes, lifecycle stages, all
  input checks).

Prints JSON with wall times, peak RSS, and the speed ratio. Targets (issue 13): 20 M rows at
least 3x faster than the baseline with peak RSS under 2 GB; ``--rows 100000000 --no-baseline``
within 60 s.

    .venv/bin/python benchmarks/bench_transactions.py [--rows 20000000] [--no-baseline] [--repeat 2]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import generated_file, report, run_fresh  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CHUNK = 5_000_000


def make_log(path: Path, n: int, seed: int = 1) -> None:
    """n transactions over two years, written in row groups of 1 M rows."""
    rng = np.random.default_rng(seed)
    customers = max(n // 20, 1)
    start = np.datetime64("2023-01-01T00:00:00", "us").astype("int64")
    schema = pa.schema([("customer_id", pa.int64()), ("timestamp", pa.timestamp("us", tz="UTC")),
                        ("amount", pa.float64())])
    with pq.ParquetWriter(path, schema) as w:
        for lo in range(0, n, CHUNK):
            m = min(CHUNK, n - lo)
            cid = rng.integers(1, customers + 1, m)
            ts = start + rng.integers(0, 730 * 86_400, m) * 1_000_000
            amount = np.round(rng.gamma(2.0, 30.0, m), 2)
            amount[rng.random(m) < 0.05] *= -1
            w.write_table(pa.table([cid, pa.array(ts, pa.timestamp("us", tz="UTC")), amount], schema=schema),
                          row_group_size=1_000_000)


BASELINE = """
df = pd.read_parquet({path!r})
out = df.groupby("customer_id").agg(frequency=("amount", "size"), monetary=("amount", "sum"),
                                    first=("timestamp", "min"), last=("timestamp", "max"))
n = len(out)
"""

OURS = """
out = ls.customer_metrics({path!r})
n = len(out)
"""

def run(body: str, path: Path) -> dict:
    return run_fresh(body.format(path=str(path)), REPO, '{"customers": n}')


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=20_000_000)
    ap.add_argument("--dir", default="/tmp")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the generated file")
    ap.add_argument("--repeat", type=int, default=1, help="alternate runs; every run and the fastest are reported")
    a = ap.parse_args()
    path = Path(a.dir) / f"loyaltyscope_bench_tx_{a.rows}.parquet"
    with generated_file(path, lambda p: make_log(p, a.rows), a.keep) as machine:
        res = {"rows": a.rows, **machine}
        run(OURS, path)   # warm the page cache (untimed)
        ours_runs, base_runs = [], []
        for _ in range(a.repeat):   # alternated, so both see the same load
            ours_runs.append(run(OURS, path))
            if not a.no_baseline:
                base_runs.append(run(BASELINE, path))
        res["loyaltyscope_duckdb"] = ours = min(ours_runs, key=lambda r: r["seconds"])
        res["runs_ours"] = ours_runs
        if not a.no_baseline:
            res["pandas_read_groupby"] = base = min(base_runs, key=lambda r: r["seconds"])
            res["runs_pandas"] = base_runs
            res["speedup_each_run"] = [round(b["seconds"] / o["seconds"], 2) for o, b in zip(ours_runs, base_runs)]
            res["speedup_vs_pandas"] = round(base["seconds"] / ours["seconds"], 2)
            res["cpu_ratio_pandas_over_ours"] = round(base["cpu_seconds"] / ours["cpu_seconds"], 2)
        res["load_average_1min_end"] = os.getloadavg()[0]
        res["targets"] = {"speedup_vs_pandas >= 3 (20M)": res.get("speedup_vs_pandas"),
                          "peak_rss_mb < 2048": ours["peak_rss_mb"],
                          "100M within 60 s": ours["seconds"] if a.rows >= 100_000_000 else None}
    report(res)


if __name__ == "__main__":
    main()
