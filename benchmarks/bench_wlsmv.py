"""Benchmark: WLSMV on the 10 bfi items (two-factor CFA, ordinal items, 2632 complete rows).

The reference fit of ``tests/reference/cases/bfi_ordinal_wlsmv.json``: thresholds, polychoric
correlations, NACOV, DWLS, robust standard errors and the scaled-shifted test. Prints JSON
with the median time per fit (of ``--repeat``) in loyaltyscope — the fit alone, the fit plus
its parameter table and every fit measure (robust CFI/RMSEA included), and the same with the
memoised model parse cleared before each fit — and, when Rscript with lavaan is installed,
lavaan's median for ``cfa(model, data, ordered = items)`` (and with ``fitMeasures()``) measured
in the same run, and the ratios. Target (issue 3): >= 10x.

Also (issue 9), each against lavaan in the same run: the same model with
``missing="pairwise"`` on all 2800 rows, and WLSMV on the items taken as continuous
(``estimator="WLSMV"`` without ``ordered=``): ``pairwise_*`` and ``continuous_*`` keys.

    .venv/bin/python benchmarks/bench_wlsmv.py [--repeat 20]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

import loyaltyscope as ls
from loyaltyscope.cbsem import pipeline

from _common import median_time, r_available, report, run_r

ITEMS = ["A1", "A2", "A3", "A4", "A5", "C1", "C2", "C3", "C4", "C5"]
MODEL = "agree =~ A1 + A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3 + C4 + C5"
DATA = Path(__file__).resolve().parents[1] / "loyaltyscope" / "datasets" / "data" / "bfi.csv"   # the bundled copy

R_TEMPLATE = r"""
suppressMessages(library(lavaan))
d <- read.csv("{path}")
m <- '{model}'
items <- c({items})
f <- function() cfa(m, data = d, ordered = items)
g <- function() fitMeasures(cfa(m, data = d, ordered = items))
invisible(f()); invisible(g())
t1 <- sapply(1:{repeat}, function(i) system.time(f())[["elapsed"]])
t2 <- sapply(1:{repeat}, function(i) system.time(g())[["elapsed"]])
cat(sprintf('{{"median": %.6f, "median_with_fit_measures": %.6f}}\n', median(t1), median(t2)))
"""

R_EXTRA = r"""
suppressMessages(library(lavaan))
d <- read.csv("{path}")
m <- '{model}'
items <- c({items})
p <- function() fitMeasures(cfa(m, data = d, ordered = items, missing = "pairwise"))
k <- function() fitMeasures(cfa(m, data = d, estimator = "WLSMV"))
invisible(p()); invisible(k())
t1 <- sapply(1:{repeat}, function(i) system.time(p())[["elapsed"]])
t2 <- sapply(1:{repeat}, function(i) system.time(k())[["elapsed"]])
cat(sprintf('{{"pairwise": %.6f, "continuous": %.6f}}\n', median(t1), median(t2)))
"""


def _extras(data, repeat: int, have_r: bool) -> dict:
    """Pairwise missing data and continuous WLSMV, fit plus fit measures, against lavaan."""
    def pairwise():
        f = ls.sem(MODEL, data, ordered=ITEMS, missing="pairwise")
        return f.params, f.fit_measures

    def continuous():
        f = ls.sem(MODEL, data, estimator="WLSMV")
        return f.params, f.fit_measures

    out = {"pairwise_loyaltyscope_s": median_time(pairwise, repeat=repeat),
           "continuous_loyaltyscope_s": median_time(continuous, repeat=repeat)}
    if have_r:
        items = ", ".join(f'"{v}"' for v in ITEMS)
        r = run_r(R_EXTRA.format(path=DATA, model=MODEL, items=items, repeat=repeat))
        for k in ("pairwise", "continuous"):
            out[f"{k}_lavaan_s"] = r[k]
            out[f"{k}_ratio"] = r[k] / out[f"{k}_loyaltyscope_s"]
    return out



def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    data = pd.read_csv(DATA)

    def fit():
        return ls.sem(MODEL, data, ordered=ITEMS)

    def full():
        f = fit()
        return f.params, f.fit_measures

    def cold():
        pipeline._cached_spec.cache_clear()
        return full()

    ours = median_time(fit, repeat=args.repeat)
    ours_full = median_time(full, repeat=args.repeat)
    ours_cold = median_time(cold, repeat=args.repeat)
    f = fit()
    out = {"repeat": args.repeat, "nobs": f.nobs[0], "chisq": f.fit_measures["chisq"],
           "chisq.scaled": f.fit_measures["chisq.scaled"],
           "loyaltyscope_s": ours, "loyaltyscope_with_params_and_fit_measures_s": ours_full,
           "loyaltyscope_uncached_parse_with_params_and_fit_measures_s": ours_cold}
    have_r = r_available("lavaan")
    out["r_available"] = have_r
    if have_r:
        items = ", ".join(f'"{v}"' for v in ITEMS)
        r = run_r(R_TEMPLATE.format(path=DATA, model=MODEL, items=items, repeat=args.repeat))
        out["lavaan_s"] = r["median"]
        out["lavaan_with_fit_measures_s"] = r["median_with_fit_measures"]
        # like for like, as bench_sem.py: one fit against one fit
        out["ratio"] = r["median"] / ours
        out["ratio_with_fit_measures"] = r["median_with_fit_measures"] / ours_full
        # conservative: lavaan's fit alone against ours with params, fit measures, no parse cache
        out["ratio_conservative"] = r["median"] / ours_cold
        out["target_ratio"] = 10
        out["meets_target"] = out["ratio"] >= 10
    out.update(_extras(data, args.repeat, have_r))
    report(out)


if __name__ == "__main__":
    main()
