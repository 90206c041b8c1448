"""Benchmark: psychometrics on the 25 bfi items (2,800 respondents, some missing values).

Workloads (the same in Python and R, measured in the same run):

- ``polychoric``: the 25 × 25 polychoric matrix — ``ls.polychoric(x)`` vs ``psych::polychoric(x)``;
- ``parallel_100``: parallel analysis with 100 iterations (FA and PC eigenvalues, simulated
  and resampled data) — ``ls.parallel_analysis(x, n_iter=100)`` vs
  ``psych::fa.parallel(x, n.iter = 100, plot = FALSE)``;
- ``efa_5_oblimin``: 5-factor minres EFA with oblimin rotation and regression scores (psych's
  defaults) — ``ls.efa(x, 5, scores="regression")`` vs ``psych::fa(x, 5)``.

Prints JSON with median seconds per call and, when Rscript with psych is installed, psych's
median (``system.time``, elapsed) and the ratio psych / loyaltyscope. psych's ``mclapply``
may use several cores; ours runs on one. Targets (issue 4): polychoric ≥ 10×, parallel
analysis ≥ 10×, EFA ≥ 2×.

    .venv/bin/python benchmarks/bench_psychometrics.py [--repeat-r 3]
"""

from __future__ import annotations

import argparse
import os
import warnings
from importlib import resources

import loyaltyscope as ls

from _common import median_time, r_available, report, run_r

ITEMS = [f"{t}{i}" for t in "ACENO" for i in range(1, 6)]

R_TEMPLATE = r"""
suppressMessages({{library(psych); library(GPArotation)}})
d <- read.csv("{path}")[, c({items})]
tm <- function(f, n) {{ invisible(f()); median(sapply(1:n, function(i) system.time(f())[["elapsed"]])) }}
p <- tm(function() polychoric(d), {rep_slow})
fp <- tm(function() fa.parallel(d, n.iter = 100, plot = FALSE), {rep_slow})
e <- tm(function() fa(d, nfactors = 5, rotate = "oblimin", fm = "minres"), {rep_fast})
cat(sprintf('{{"polychoric": %.6f, "parallel_100": %.6f, "efa_5_oblimin": %.6f, "mc_cores": %d}}\n',
            p, fp, e, getOption("mc.cores", 2L)))
"""

TARGETS = {"polychoric": 10.0, "parallel_100": 10.0, "efa_5_oblimin": 2.0}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=15, help="repeats of the Python workloads")
    ap.add_argument("--repeat-r", type=int, default=3, help="repeats of psych's slow workloads")
    args = ap.parse_args()
    path = resources.files("loyaltyscope.datasets").joinpath("data").joinpath("bfi.csv")
    x = ls.load_dataset("bfi")[ITEMS]
    warnings.simplefilter("ignore", ls.PsychometricWarning)
    ours = {
        "polychoric": median_time(lambda: ls.polychoric(x), repeat=args.repeat),
        "parallel_100": median_time(lambda: ls.parallel_analysis(x, n_iter=100, seed=1),
                                    repeat=max(5, args.repeat // 2)),
        "efa_5_oblimin": median_time(lambda: ls.efa(x, 5, rotation="oblimin", method="minres", scores="regression"),
                                     repeat=args.repeat * 2),
    }
    have_r = r_available("psych", "GPArotation")
    out = {"items": len(ITEMS), "rows": len(x), "r_available": have_r, "cpu_count": os.cpu_count(), "workloads": {}}
    r = None
    if have_r:
        items = ", ".join(f'"{i}"' for i in ITEMS)
        r = run_r(R_TEMPLATE.format(path=str(path), items=items, rep_slow=args.repeat_r, rep_fast=20))
        out["psych_mc_cores"] = r.pop("mc_cores")
    for name, t in ours.items():
        row = {"loyaltyscope_s": t}
        if r is not None:
            row["psych_s"] = r[name]
            row["speedup"] = r[name] / t
            row["target_speedup"] = TARGETS[name]
            row["meets_target"] = row["speedup"] >= TARGETS[name]
        out["workloads"][name] = row
    report(out)


if __name__ == "__main__":
    main()
