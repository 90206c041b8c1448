"""Benchmark: read and fully validate 1,000,000 respondents x 40 items.

Generates (in a temporary folder) a CSV and a Parquet file with an id column and 40 items on
a 7-point scale, with a few blanks, declared missing codes (-99) and out-of-range values,
then times (median of ``--repeat`` runs after one untimed warm-up run each, which also
warms the page cache; the cold first-run times are printed as well)

- ``pandas.read_csv(path)`` (the baseline),
- ``ls.read_responses(csv_path, instrument)`` (detection, parsing, full validation, logs),
- ``ls.read_responses(parquet_path, instrument)``,

and prints JSON with the median timings and the ratios to the baseline. Target: each ratio
at most 3.

    .venv/bin/python benchmarks/bench_ingest.py [--rows N] [--repeat R]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import report  # noqa: E402

import loyaltyscope as ls  # noqa: E402

K = 40


def make_instrument():
    labels = {c: {"en": f"point {c}"} for c in range(1, 8)}
    labels[1] = {"en": "Strongly disagree"}
    labels[7] = {"en": "Strongly agree"}
    return ls.load_instrument({
        "schema_version": 1,
        "instrument": {"name": "bench40", "version": "1", "title": {"en": "benchmark"},
                       "citation": "synthetic", "languages": ["en"], "wording": "adaptation"},
        "scales": {"agree7": {"type": "likert", "min": 1, "max": 7, "labels": labels}},
        "constructs": {f"f{g}": {"label": {"en": f"factor {g}"}} for g in range(5)},
        "items": [{"id": f"q{j + 1}", "text": {"en": f"item {j + 1}"}, "scale": "agree7", "construct": f"f{j // 8}"}
                  for j in range(K)],
        "missing_codes": {-99: {"en": "no answer"}},
    })


def make_files(folder: Path, n: int, seed: int = 1) -> tuple[Path, Path, int]:
    rng = np.random.default_rng(seed)
    X = rng.integers(1, 8, size=(n, K)).astype(np.float64)
    flat = X.reshape(-1)
    m = flat.size
    flat[rng.choice(m, size=m // 2000, replace=False)] = np.nan   # 0.05% blank
    flat[rng.choice(m, size=m // 5000, replace=False)] = -99      # declared missing
    n_bad = m // 20000
    flat[rng.choice(m, size=n_bad, replace=False)] = 9            # out of range
    cols = {"respondent_id": pa.array(np.arange(1, n + 1))}
    for j in range(K):
        v = X[:, j]
        cols[f"q{j + 1}"] = pa.array(np.where(np.isnan(v), 0, v).astype(np.int64), mask=np.isnan(v))
    table = pa.table(cols)
    csv_path, pq_path = folder / "bench.csv", folder / "bench.parquet"
    pacsv.write_csv(table, csv_path, write_options=pacsv.WriteOptions(quoting_style="none"))
    pq.write_table(table, pq_path)
    return csv_path, pq_path, n_bad


def median_time(fn, repeat, warmup=1):
    """Median wall time of ``repeat`` calls after ``warmup`` untimed calls (as
    ``_common.median_time``); each call's result is dropped before the next call (as a
    program reading one file would), the last one is returned. The first (cold) call's time
    is returned too."""
    times, out = [], None
    t = time.perf_counter()
    for _ in range(warmup):
        fn()
    cold = time.perf_counter() - t if warmup else float("nan")
    for _ in range(repeat):
        out = None
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out, {"cold": round(cold, 3), "warm": [round(x, 3) for x in times]}


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    inst = make_instrument()
    with tempfile.TemporaryDirectory() as d:
        csv_path, pq_path, n_bad = make_files(Path(d), args.rows)
        t_pandas, df, runs_pandas = median_time(lambda: pd.read_csv(csv_path), args.repeat)
        del df
        t_csv, r_csv, runs_csv = median_time(lambda: ls.read_responses(csv_path, inst), args.repeat)
        t_pq, r_pq, runs_pq = median_time(lambda: ls.read_responses(pq_path, inst), args.repeat)
        same = bool(r_csv.data.equals(r_pq.data))
        res = {
            "rows": args.rows,
            "items": K,
            "csv_mb": round(csv_path.stat().st_size / 2**20, 1),
            "pandas_read_csv_s": round(t_pandas, 3),
            "read_responses_csv_s": round(t_csv, 3),
            "read_responses_parquet_s": round(t_pq, 3),
            "runs_s": {"pandas_read_csv": runs_pandas, "read_responses_csv": runs_csv,
                       "read_responses_parquet": runs_pq},
            "ratio_csv": round(t_csv / t_pandas, 2),
            "ratio_parquet": round(t_pq / t_pandas, 2),
            "target_ratio": 3.0,
            "meets_target": bool(t_csv <= 3 * t_pandas and t_pq <= 3 * t_pandas),
            "problems_logged": int(len(r_csv.problems)),
            "out_of_range_injected": n_bad,
            "csv_and_parquet_data_equal": same,
            "kept": int(len(r_csv.data)),
            "excluded": int(len(r_csv.excluded)),
        }
        report(res)
        return res


if __name__ == "__main__":
    main()
