"""Benchmark: the three-model invariance ladder (configural, metric, scalar) on
Holzinger-Swineford by school, in loyaltyscope and (when installed) lavaan, in the same run.

Target (issue: SEM for real survey data): >= 10x faster than lavaan.

    .venv/bin/python benchmarks/bench_invariance.py [--repeat 10]
"""

from __future__ import annotations

import argparse
from importlib import resources

import loyaltyscope as ls

from _common import median_time, r_available, report, run_r

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
t <- sapply(1:{repeat}, function(i) system.time(f())[["elapsed"]])
cat(sprintf('{{"median": %.6f}}\n', median(t)))
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=10)
    args = ap.parse_args()
    data = ls.load_dataset("holzinger_swineford")

    def ours():
        r = ls.invariance(MODEL, data, "school", levels=("configural", "metric", "scalar"))
        return r.table

    t = median_time(ours, repeat=args.repeat)
    out = {"workload": "invariance ladder configural/metric/scalar, HS by school", "loyaltyscope_s": t}
    if r_available("lavaan"):
        path = resources.files("loyaltyscope.datasets").joinpath("data", "holzinger_swineford_1939.csv")
        r = run_r(R_CODE.format(path=path, model=MODEL, repeat=args.repeat))
        out.update(lavaan_s=r["median"], ratio=r["median"] / t, target_ratio=10, meets_target=r["median"] / t >= 10)
    report(out)


if __name__ == "__main__":
    main()
