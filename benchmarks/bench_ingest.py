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

Two further scenarios of issue 14 (each reader in its own fresh process, so that its peak
memory — ``ru_maxrss`` of the child — is its own; the file is generated in /tmp):

- ``--big``: a CSV of 4,000,000 respondents x 18 items of the ``brand_loyalty`` instrument
  (id column, 0.1 % blanks; ~175 MB): ``pandas.read_csv`` vs ``ls.read_responses``. Targets:
  time <= 2 x and peak memory <= 1.5 x pandas'.
- ``--wide``: a CSV whose header has 1,000,000 columns (the items plus extra columns) and 3
  data rows: ``pandas.read_csv`` vs ``ls.read_responses``.
"""

from __future__ import annotations

import argparse
import os
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


_CHILD = """
import resource, sys, time


def cpu():  # CPU seconds of this process, every thread, user + system
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def hwm():  # peak resident memory of this process (MB); VmHWM starts afresh at exec
    with open("/proc/self/status") as fh:
        return next(int(ln.split()[1]) for ln in fh if ln.startswith("VmHWM")) / 1024


which, path = sys.argv[1], sys.argv[2]
if which == "pandas":
    import pandas as pd
    base = hwm()
    c = cpu(); t = time.perf_counter(); x = pd.read_csv(path); dt = time.perf_counter() - t; c = cpu() - c
else:
    import loyaltyscope as ls
    inst = ls.load_instrument("brand_loyalty")
    base = hwm()
    c = cpu(); t = time.perf_counter(); x = ls.read_responses(path, inst); dt = time.perf_counter() - t; c = cpu() - c
peak = hwm()
print(dt, peak, peak - base, c)
"""


def _child(which: str, path: Path) -> dict:
    import subprocess

    out = subprocess.run([sys.executable, "-c", _CHILD, which, str(path)], capture_output=True, text=True,
                         check=True, cwd=str(Path(__file__).resolve().parents[1]))
    dt, peak, delta, cpu = map(float, out.stdout.split())
    return {"s": round(dt, 3), "cpu_s": round(cpu, 3), "peak_mb": round(peak, 1),
            "peak_above_imports_mb": round(delta, 1)}


def _best_of(which: str, path: Path, repeat: int) -> dict:
    runs = [_child(which, path) for _ in range(repeat)]
    best = min(runs, key=lambda r: r["s"])
    return {**best, "runs_s": [r["s"] for r in runs], "runs_cpu_s": [r["cpu_s"] for r in runs]}


def make_big(path: Path, n: int = 4_000_000, seed: int = 1) -> None:
    inst = ls.load_instrument("brand_loyalty")
    rng = np.random.default_rng(seed)
    cols = {"respondent": pa.array(np.arange(1, n + 1))}
    for i in inst.item_ids:
        cols[i] = pa.array(rng.integers(1, 8, size=n), mask=rng.random(n) < 0.001)
    pacsv.write_csv(pa.table(cols), path, write_options=pacsv.WriteOptions(quoting_style="none"))


def make_wide(path: Path, k: int = 1_000_000) -> None:
    inst = ls.load_instrument("brand_loyalty")
    names = ["respondent", *inst.item_ids, *[f"x{j}" for j in range(k - len(inst.item_ids) - 1)]]
    with open(path, "w") as fh:
        fh.write(",".join(names) + "\n")
        for r in range(3):
            fh.write(",".join([str(r + 1)] + ["4"] * (len(names) - 1)) + "\n")


def big_or_wide(kind: str, repeat: int) -> dict:
    with tempfile.TemporaryDirectory(dir="/tmp") as d:
        path = Path(d) / f"{kind}.csv"
        (make_big if kind == "big" else make_wide)(path)
        pandas = _best_of("pandas", path, repeat)
        ours = _best_of("ls", path, repeat)
        res = {"scenario": kind, "csv_mb": round(path.stat().st_size / 2**20, 1),
               "pandas_read_csv": pandas, "read_responses": ours,
               "ratio_time": round(ours["s"] / pandas["s"], 2),
               # CPU time (all threads) of the best-of runs: less sensitive to other load on the
               # machine than wall time; pyarrow parses on several threads, pandas on one
               "ratio_cpu": round(min(ours["runs_cpu_s"]) / min(pandas["runs_cpu_s"]), 2),
               "load_average": [round(x, 2) for x in os.getloadavg()],
               "ratio_peak_memory": round(ours["peak_mb"] / pandas["peak_mb"], 2),
               "ratio_peak_memory_above_imports": round(ours["peak_above_imports_mb"] / pandas["peak_above_imports_mb"], 2)}
        if kind == "big":
            res.update({"target_time_ratio": 2.0, "target_memory_ratio": 1.5,
                        "meets_target": bool(res["ratio_time"] <= 2.0 and res["ratio_peak_memory"] <= 1.5)})
        report(res)
        return res


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--big", action="store_true", help="4 M rows x 18 items, time and peak memory vs pandas")
    ap.add_argument("--wide", action="store_true", help="a header of 1,000,000 columns")
    args = ap.parse_args(argv)
    if args.big or args.wide:
        return [big_or_wide(k, args.repeat) for k, on in (("big", args.big), ("wide", args.wide)) if on]
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
