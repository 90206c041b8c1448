"""Benchmark: WLSMV with ordinal items and observed covariates (lavaan's conditional.x).

A two-factor MIMIC model on the Holzinger-Swineford tests cut into 4 and 3 categories (as
``tests/reference/extra_ordinal_x/generate.R`` cuts them: quantiles, R's type 7), regressed on
sex and age (301 rows): probit thresholds and slopes, residual polychorics, Muthen's NACOV,
DWLS, robust standard errors and the scaled-shifted test. Prints JSON with the median time per
fit (of ``--repeat``) in loyaltyscope, alone and with the parameter table and every fit
measure, and, when Rscript with lavaan is installed, lavaan's median for the same
``sem(model, data, ordered = items)`` (and with ``fitMeasures()``) in the same run, the ratios
and the load average (absolute times under load are not comparable; ratios in one run are).

    .venv/bin/python benchmarks/bench_wlsmv_covariates.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

import loyaltyscope as ls

from _common import median_time, r_available, report, run_r

ITEMS = ["x1", "x2", "x3", "x4", "x5", "x6"]
MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nvisual + textual ~ sex + ageyr"
HS = Path(__file__).resolve().parents[1] / "loyaltyscope" / "datasets" / "data" / "holzinger_swineford_1939.csv"

R_TEMPLATE = r"""
suppressMessages(library(lavaan))
d <- read.csv("{path}")
m <- '{model}'
items <- c({items})
f <- function() sem(m, data = d, ordered = items)
g <- function() fitMeasures(sem(m, data = d, ordered = items))
invisible(f()); invisible(g())
t1 <- sapply(1:{repeat}, function(i) system.time(f())[["elapsed"]])
t2 <- sapply(1:{repeat}, function(i) system.time(g())[["elapsed"]])
cat(sprintf('{{"median": %.6f, "median_with_fit_measures": %.6f}}\n', median(t1), median(t2)))
"""


def ordinal_hs() -> pd.DataFrame:
    """x1-x3 in 4, x4-x6 in 3 categories at their quantiles (R: cut(x, quantile(x, ...),
    include.lowest = TRUE)); sex and ageyr as they are."""
    hs = pd.read_csv(HS)
    d = hs[["sex", "ageyr"]].copy()
    for v, k in zip(ITEMS, (4, 4, 4, 3, 3, 3)):
        edges = np.quantile(hs[v], np.linspace(0, 1, k + 1))
        d[v] = pd.cut(hs[v], edges, include_lowest=True, labels=False) + 1
    return d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    data = ordinal_hs()

    def fit():
        return ls.sem(MODEL, data, ordered=ITEMS)

    def full():
        f = fit()
        return f.params, f.fit_measures

    ours = median_time(fit, repeat=args.repeat)
    ours_full = median_time(full, repeat=args.repeat)
    f = fit()
    out = {"repeat": args.repeat, "nobs": f.nobs[0], "chisq": f.fit_measures["chisq"],
           "chisq.scaled": f.fit_measures["chisq.scaled"], "load_average_1min": os.getloadavg()[0],
           "loyaltyscope_s": ours, "loyaltyscope_with_params_and_fit_measures_s": ours_full}
    have_r = r_available("lavaan")
    out["r_available"] = have_r
    if have_r:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "hs_ordinal.csv"
            data.to_csv(path, index=False)
            items = ", ".join(f'"{v}"' for v in ITEMS)
            r = run_r(R_TEMPLATE.format(path=path, model=MODEL, items=items, repeat=args.repeat))
        out["lavaan_s"] = r["median"]
        out["lavaan_with_fit_measures_s"] = r["median_with_fit_measures"]
        out["ratio"] = r["median"] / ours
        out["ratio_with_fit_measures"] = r["median_with_fit_measures"] / ours_full
    report(out)


if __name__ == "__main__":
    main()
