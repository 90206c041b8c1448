"""Benchmark: ESEM fits (EFA blocks, geomin, lavaan's default bordered rotation SEs) against
lavaan 0.6-14 in the same run.

Workloads: the Holzinger-Swineford two-factor block with a CFA factor it predicts (one group,
and two groups); three factors on 15 bfi items regressed on age (n = 2,800 listwise). Times
include the parameter table with standard errors and the fit measures (lazy in a result) —
lavaan computes both inside ``sem()``. Prints JSON with medians and the ratio lavaan / ours
(with the 1-minute load average: the machine is shared, the ratio is the fair figure).

    .venv/bin/python benchmarks/bench_esem.py [--repeat 10]
"""

from __future__ import annotations

import argparse
import os
from importlib import resources

import loyaltyscope as ls

from _common import median_time, r_available, report, run_r

HS = ('efa("b")*f1 + efa("b")*f2 =~ x1 + x2 + x3 + x4 + x5 + x6\\nspeed =~ x7 + x8 + x9\\n'
      'speed ~ f1 + f2')
BFI = ('efa("b")*F1 + efa("b")*F2 + efa("b")*F3 =~ A1 + A2 + A3 + A4 + A5 + C1 + C2 + C3 + C4 + C5 + '
       'E1 + E2 + E3 + E4 + E5\\nF1 + F2 + F3 ~ age')

R_TEMPLATE = r"""
suppressMessages(library(lavaan))
d <- read.csv("{path}")
m <- '{model}'
f <- function() sem(m, data = d{args})
invisible(f())
t <- sapply(1:{repeat}, function(i) system.time(f())[["elapsed"]])
cat(sprintf('{{"median": %.6f}}\n', median(t)))
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=10)
    a = ap.parse_args()
    data_dir = resources.files("loyaltyscope.datasets").joinpath("data")
    workloads = {
        "hs_esem_paths": (HS, "holzinger_swineford", "holzinger_swineford_1939.csv", {}),
        "hs_esem_paths_groups": (HS, "holzinger_swineford", "holzinger_swineford_1939.csv", {"group": "school"}),
        "bfi_esem3_age": (BFI, "bfi", "bfi.csv", {}),
    }
    have_r = r_available("lavaan")
    out = {"repeat": a.repeat, "r_available": have_r, "load_average_1min": os.getloadavg()[0]}
    for name, (model, ds, fname, kw) in workloads.items():
        data = ls.load_dataset(ds)
        text = model.replace("\\n", "\n")
        ours = median_time(lambda: (lambda f: (f.params, f.fit_measures))(ls.sem(text, data, **kw)),
                           repeat=a.repeat, warmup=1)
        row = {"loyaltyscope_s": ours}
        if have_r:
            args = "".join(f', {k} = "{v}"' for k, v in kw.items())
            r = run_r(R_TEMPLATE.format(path=data_dir.joinpath(fname), model=model, args=args, repeat=a.repeat))
            row.update(lavaan_s=r["median"], ratio_lavaan_over_ours=round(r["median"] / ours, 2))
        out[name] = row
    report(out)


if __name__ == "__main__":
    main()
