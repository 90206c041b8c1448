"""Benchmark: one ML CFA (Holzinger-Swineford) and the political-democracy SEM.

Prints JSON with the median time per fit (of >= 20) in loyaltyscope and, when Rscript with
lavaan is installed, lavaan's median for the same model and data measured in the same run,
and the ratio lavaan / loyaltyscope. Target (issue: estimation core): >= 10x.

    .venv/bin/python benchmarks/bench_sem.py [--repeat 20]
"""

from __future__ import annotations

import argparse
from importlib import resources

import loyaltyscope as ls

from _common import median_time, r_available, report, run_r

HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
PD_MODEL = """ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
dem60 ~ a*ind60
dem65 ~ c*ind60 + b*dem60
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8
indirect := a*b
total := c + a*b"""

R_TEMPLATE = r"""
suppressMessages(library(lavaan))
d <- read.csv("{path}")
m <- '{model}'
f <- function() sem(m, data = d)
invisible(f()); invisible(f())
t <- sapply(1:{repeat}, function(i) system.time(f())[["elapsed"]])
cat(sprintf('{{"median": %.6f}}\n', median(t)))
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    data_dir = resources.files("loyaltyscope.datasets").joinpath("data")
    workloads = {
        "hs_cfa_ml": (HS_MODEL, "holzinger_swineford", "holzinger_swineford_1939.csv"),
        "pd_sem_ml": (PD_MODEL, "political_democracy", "political_democracy.csv"),
    }
    have_r = r_available("lavaan")
    out = {"repeat": args.repeat, "r_available": have_r}
    for name, (model, ds, fname) in workloads.items():
        data = ls.load_dataset(ds)
        ours = median_time(lambda: ls.sem(model, data), repeat=args.repeat)
        # the same plus building the parameter table and every fit measure (lazy in a result)
        full = median_time(lambda: (lambda f: (f.params, f.fit_measures))(ls.sem(model, data)), repeat=args.repeat)
        row = {"loyaltyscope_s": ours, "loyaltyscope_with_params_and_fit_measures_s": full}
        if have_r:
            r = run_r(R_TEMPLATE.format(path=data_dir.joinpath(fname), model=model, repeat=args.repeat))
            row["lavaan_s"] = r["median"]
            row["ratio"] = r["median"] / ours
            row["target_ratio"] = 10
            row["meets_target"] = row["ratio"] >= 10
        out[name] = row
    report(out)


if __name__ == "__main__":
    main()
