"""Benchmark: ``ls.key_drivers`` on 12 drivers with a 1,000-resample bootstrap (target < 2 s).

Workload: 1,000 simulated respondents, 12 correlated drivers and an outcome; exact Shapley/LMG
over all 4,096 subsets, Johnson's relative weights and standardized betas, recomputed on each
of 1,000 bootstrap resamples (seed 1). The peer, when Rscript with relaimpo is installed, is
``relaimpo::boot.relimp(lm(y ~ ., d), b = 1000, type = "lmg")`` in the same run.

    .venv/bin/python benchmarks/bench_key_drivers.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import tempfile

import numpy as np
import pandas as pd

import loyaltyscope as ls

from _common import median_time, r_available, report, run_r


def data(n: int = 1000, p: int = 12, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    C = 0.3 + 0.7 * np.eye(p)
    X = rng.multivariate_normal(np.zeros(p), C, size=n)
    y = X @ np.linspace(0.6, 0.05, p) + rng.normal(size=n)
    return pd.DataFrame(X, columns=[f"d{j + 1}" for j in range(p)]).assign(y=y)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    d = data()
    drivers = [c for c in d.columns if c != "y"]
    secs = median_time(lambda: ls.key_drivers(d, "y", drivers, bootstrap=1000, seed=1), repeat=args.repeat,
                       warmup=1)
    out = {"workload": "key_drivers, 12 drivers, n = 1000, 1000 bootstrap resamples",
           "loyaltyscope_seconds": round(secs, 4), "target_seconds": 2.0, "meets_target": secs < 2.0}
    if r_available("relaimpo"):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "d.csv")
            d.to_csv(path, index=False)
            code = (f'suppressMessages(library(relaimpo)); d <- read.csv("{path}"); '
                    't <- system.time(boot.relimp(lm(y ~ ., d), b = 1000, type = "lmg"))[["elapsed"]]; '
                    'cat(sprintf(\'{"relaimpo_seconds": %.4f}\\n\', t))')
            r = run_r(code)
        out.update(r, ratio=round(r["relaimpo_seconds"] / secs, 1))
    else:
        out["peer"] = "relaimpo not installed: no R timing in this run"
    report(out)


if __name__ == "__main__":
    main()
