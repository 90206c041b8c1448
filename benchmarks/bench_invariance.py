"""Benchmark: the three-model invariance ladder (configural, metric, scalar) on
Holzinger-Swineford by school, in loyaltyscope and (when installed) lavaan, in the same run.

Target (issue 9): >= 15x faster than lavaan on a quiet machine. Both wall-clock and CPU
times are reported (medians over the repeats; R's CPU time is ``user + system`` of
``system.time``): on a shared, loaded machine the wall-clock ratio swings with the load, the
CPU ratio much less; the load average is printed with the result.

    .venv/bin/python benchmarks/bench_invariance.py [--repeat 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from importlib import resources

import loyaltyscope as ls

from _common import r_available, report, run_r

MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
R_CODE = r"""
suppressMessages(library(lavaan))
d <- read.csv("{path}")
m <- '{model}'
f <- function() {{
  a <- cfa(m, d, group = "school")
  b <- cfa(m, d, group = "school", group.equal = "loadings")
  s <- cfa(m, d, group = "school", group.equal = c("loadings", "intercepts"))
  lavTestLRT(a, b, s)
}}
invisible(f())
t <- sapply(1:{repeat}, function(i) system.time(f()))
cat(sprintf('{{"median": %.6f, "cpu_median": %.6f}}\n', median(t["elapsed", ]),
            median(t["user.self", ] + t["sys.self", ])))
"""


def wall_and_cpu(fn, repeat: int, warmup: int = 2) -> tuple[float, float]:
    """Median wall-clock and median CPU (process) time of fn()."""
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return statistics.median(wall), statistics.median(cpu)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=10)
    args = ap.parse_args()
    data = ls.load_dataset("holzinger_swineford")

    def ours():
        r = ls.invariance(MODEL, data, "school", levels=("configural", "metric", "scalar"))
        return r.table

    load_before = os.getloadavg()[0]
    t, cpu = wall_and_cpu(ours, args.repeat)
    out = {"workload": "invariance ladder configural/metric/scalar, HS by school", "loyaltyscope_s": t,
           "loyaltyscope_cpu_s": cpu}
    if r_available("lavaan"):
        path = resources.files("loyaltyscope.datasets").joinpath("data", "holzinger_swineford_1939.csv")
        r = run_r(R_CODE.format(path=path, model=MODEL, repeat=args.repeat))
        out.update(lavaan_s=r["median"], lavaan_cpu_s=r["cpu_median"], ratio=r["median"] / t,
                   cpu_ratio=r["cpu_median"] / cpu, target_ratio=15, meets_target=r["median"] / t >= 15)
    out["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    report(out)


if __name__ == "__main__":
    main()
