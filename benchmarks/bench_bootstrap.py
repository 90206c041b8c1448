"""Benchmark: 1000-resample nonparametric bootstrap of the political-democracy SEM.

Workload (both sides): ``sem(PD_MODEL, data, se = "bootstrap", bootstrap = 1000)`` and the
parameter table with percentile intervals (R: ``parameterEstimates(fit, boot.ci.type = "perc")``).
loyaltyscope uses all cores (``workers=None``); the serial time is reported too. lavaan is run
as the issue states it (its default ``parallel = "no"``); ``--r-parallel`` also times lavaan
with ``parallel = "multicore", ncpus = <cores>``. R runs in the same invocation when Rscript
with lavaan is installed. Target (issue 3): lavaan / loyaltyscope >= 20.

    .venv/bin/python benchmarks/bench_bootstrap.py [--repeat 5] [--resamples 1000] [--r-parallel]
"""

from __future__ import annotations

import argparse
import os
from importlib import resources

import loyaltyscope as ls

from _common import median_time, r_available, report, run_r
from bench_sem import PD_MODEL

R_TEMPLATE = r"""
suppressMessages(library(lavaan))
d <- read.csv("{path}")
m <- '{model}'
t <- system.time({{
  fit <- sem(m, data = d, se = "bootstrap", bootstrap = {resamples}{parallel})
  pe <- parameterEstimates(fit, boot.ci.type = "perc")
}})[["elapsed"]]
nboot <- nrow(lavInspect(fit, "boot"))
cat(sprintf('{{"elapsed": %.6f, "successful": %d}}\n', t, nboot))
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--resamples", type=int, default=1000)
    ap.add_argument("--r-parallel", action="store_true", help="also time lavaan with parallel = 'multicore'")
    args = ap.parse_args()
    B = args.resamples
    data = ls.load_dataset("political_democracy")
    path = resources.files("loyaltyscope.datasets").joinpath("data").joinpath("political_democracy.csv")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()

    last = {}

    def run(workers=None):
        fit = ls.sem(PD_MODEL, data, se="bootstrap", bootstrap=B, seed=2024, workers=workers, progress=False)
        fit.params                       # noqa: B018 - the table with the bootstrap intervals
        last["boot"] = fit.extra["bootstrap"]

    ours = median_time(run, repeat=args.repeat, warmup=1)
    boot = last["boot"]
    serial = median_time(lambda: run(1), repeat=max(1, args.repeat // 2), warmup=0)
    out = {"workload": f"political democracy SEM, se='bootstrap', bootstrap={B}, percentile intervals",
           "cores": cores, "repeat": args.repeat,
           "loyaltyscope_s": ours, "loyaltyscope_workers": boot.workers, "loyaltyscope_serial_s": serial,
           "loyaltyscope_ms_per_resample_serial": 1000 * serial / B,
           "successful": boot.n_ok, "failed": boot.n_failed, "nonadmissible": boot.n_nonadmissible}
    have_r = r_available("lavaan")
    out["r_available"] = have_r
    if have_r:
        r = run_r(R_TEMPLATE.format(path=path, model=PD_MODEL, resamples=B, parallel=""))
        out["lavaan_s"] = r["elapsed"]
        out["lavaan_successful"] = r["successful"]
        out["ratio"] = r["elapsed"] / ours
        out["target_ratio"] = 20
        out["meets_target"] = out["ratio"] >= 20
        if args.r_parallel:
            rp = run_r(R_TEMPLATE.format(path=path, model=PD_MODEL, resamples=B,
                                         parallel=f', parallel = "multicore", ncpus = {cores}'))
            out["lavaan_parallel_s"] = rp["elapsed"]
            out["ratio_vs_lavaan_parallel"] = rp["elapsed"] / ours
    report(out)


if __name__ == "__main__":
    main()
