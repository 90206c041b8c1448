"""Benchmark: misspecified models (wrong item assignment, omitted cross-loadings, too few
factors, structured models on noise) at n = 80 ... 3,000, in loyaltyscope and (when
installed) lavaan in the same run, on the same simulated data (written to CSV, seeded).

Target (issue 9): >= 5x faster than lavaan over the set (sum of median times), no single
fit over 1 s. Wall-clock and CPU times are both reported (R's CPU time: user + system of
``system.time``), with the load average: on a shared machine the CPU figures are the fair ones.

    .venv/bin/python benchmarks/bench_misspecified.py [--repeat 3] [--no-r]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import loyaltyscope as ls

from _common import r_available, report, run_r

NS = (80, 300, 1000, 3000)


def _simulate(loadings: np.ndarray, phi: np.ndarray, n: int, rng) -> pd.DataFrame:
    """x = Lambda eta + e, eta ~ N(0, Phi), unit-variance items."""
    k = loadings.shape[0]
    eta = rng.multivariate_normal(np.zeros(phi.shape[0]), phi, size=n)
    common = np.einsum("ij,jk,ik->i", loadings, phi, loadings)
    e = rng.normal(size=(n, k)) * np.sqrt(np.clip(1 - common, 0.05, None))
    x = eta @ loadings.T + e
    return pd.DataFrame(np.round(x * 1.3 + 4, 3), columns=[f"y{i + 1}" for i in range(k)])


def _block(nf, per, lam=0.7):
    L = np.zeros((nf * per, nf))
    for f in range(nf):
        L[f * per:(f + 1) * per, f] = lam
    return L


def _cfa(groups):
    return "\n".join(f"f{j + 1} =~ " + " + ".join(f"y{i}" for i in items) for j, items in enumerate(groups))


def cases():
    """(name, model, data generator) of every workload."""
    phi3 = np.full((3, 3), 0.4) + 0.6 * np.eye(3)
    phi4 = np.full((4, 4), 0.3) + 0.7 * np.eye(4)
    cross = _block(3, 4)
    cross[[1, 5, 9], [1, 2, 0]] = 0.5
    wrong = [[1, 2, 5, 6], [3, 4, 7, 8], [9, 10, 11, 12]]
    ecsi = ("IMAG =~ y1 + y2 + y3\nEXPE =~ y4 + y5 + y6\nQUAL =~ y7 + y8 + y9\nVAL =~ y10 + y11\n"
            "SAT =~ y12 + y13 + y14\nLOY =~ y15 + y16\nEXPE ~ IMAG\nQUAL ~ EXPE\nVAL ~ QUAL + EXPE\n"
            "SAT ~ IMAG + EXPE + QUAL + VAL\nLOY ~ SAT + IMAG")
    chain = ("QUAL =~ y1 + y2 + y3 + y4\nSAT =~ y5 + y6 + y7 + y8\nLOY =~ y9 + y10 + y11 + y12\n"
             "SAT ~ QUAL\nLOY ~ SAT + QUAL")
    return [
        ("wrong item assignment", _cfa(wrong), lambda n, r: _simulate(_block(3, 4), phi3, n, r)),
        ("omitted cross-loadings", _cfa([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]),
         lambda n, r: _simulate(cross, phi3, n, r)),
        ("too few factors", _cfa([list(range(1, 9)), list(range(9, 17))]), lambda n, r: _simulate(_block(4, 4), phi4, n, r)),
        ("ECSI model on 2-factor data", ecsi,
         lambda n, r: _simulate(_block(2, 8), np.array([[1, .3], [.3, 1]]), n, r)),
        ("satisfaction chain on noise", chain, lambda n, r: _simulate(np.zeros((12, 1)), np.eye(1), n, r)),
        ("ECSI model on noise", ecsi, lambda n, r: _simulate(np.zeros((16, 1)), np.eye(1), n, r)),
    ]


R_CODE = r"""
suppressMessages({{library(lavaan); library(jsonlite)}})
jobs <- fromJSON("{jobs}", simplifyDataFrame = FALSE)
out <- lapply(jobs, function(j) {{
  d <- read.csv(j$path)
  f <- function() suppressWarnings(sem(j$model, d))
  fit <- f()
  ok <- lavInspect(fit, "converged")
  t <- sapply(1:{repeat}, function(i) system.time(f()))
  list(time = median(t["elapsed", ]), cpu = median(t["user.self", ] + t["sys.self", ]), converged = ok,
       chisq = if (ok) unname(fitMeasures(fit, "chisq")) else NA)
}})
cat(toJSON(list(fits = out), digits = NA, auto_unbox = TRUE, na = "null"), "\n")
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-r", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench_missp_"))
    rows, jobs = [], []
    load_before = os.getloadavg()[0]
    for ci, (name, model, gen) in enumerate(cases()):
        for n in NS:
            data = gen(n, np.random.default_rng(1000 * ci + n))
            path = tmp / f"case{ci}_{n}.csv"
            data.to_csv(path, index=False)
            ls.sem(model, data)   # warm-up (parsing caches)
            times, cpus, fit = [], [], None
            for _ in range(args.repeat):
                t, c = time.perf_counter(), time.process_time()
                fit = ls.sem(model, data)
                times.append(time.perf_counter() - t)
                cpus.append(time.process_time() - c)
            rows.append({"case": name, "n": n, "loyaltyscope_s": float(np.median(times)),
                         "loyaltyscope_cpu_s": float(np.median(cpus)),
                         "converged": bool(fit.converged), "chisq": float(fit.fit_measures["chisq"]),
                         "warnings": len(fit.warnings)})
            jobs.append({"path": str(path), "model": model})
    out = {"workload": "misspecified models, n = 80..3000", "fits": rows,
           "loyaltyscope_total_s": sum(r["loyaltyscope_s"] for r in rows),
           "loyaltyscope_max_s": max(r["loyaltyscope_s"] for r in rows),
           "loyaltyscope_total_cpu_s": sum(r["loyaltyscope_cpu_s"] for r in rows),
           "loyaltyscope_max_cpu_s": max(r["loyaltyscope_cpu_s"] for r in rows)}
    if not args.no_r and r_available("lavaan", "jsonlite"):
        (tmp / "jobs.json").write_text(json.dumps(jobs))
        r = run_r(R_CODE.format(jobs=tmp / "jobs.json", repeat=args.repeat))
        for row, rf in zip(rows, r["fits"]):
            row.update(lavaan_s=rf["time"], lavaan_cpu_s=rf["cpu"], lavaan_converged=rf["converged"],
                       lavaan_chisq=rf["chisq"])
        total_r = sum(rf["time"] for rf in r["fits"])
        out["lavaan_total_cpu_s"] = sum(rf["cpu"] for rf in r["fits"])
        out["cpu_ratio"] = out["lavaan_total_cpu_s"] / out["loyaltyscope_total_cpu_s"]
        conv = [row for row in rows if row["lavaan_converged"]]
        tol = lambda row: 2e-3 * max(1.0, row["lavaan_chisq"])
        out["where_lavaan_converged"] = {
            "fits": len(conv),
            "same_chisq": sum(row["converged"] and abs(row["chisq"] - row["lavaan_chisq"]) <= tol(row) for row in conv),
            "lower_chisq_ours": sum(row["chisq"] < row["lavaan_chisq"] - tol(row) for row in conv),
            "not_reached": sum(not (row["converged"] and row["chisq"] <= row["lavaan_chisq"] + tol(row)) for row in conv)}
        out.update(lavaan_total_s=total_r, ratio=total_r / out["loyaltyscope_total_s"], target_ratio=5,
                   meets_target=total_r / out["loyaltyscope_total_s"] >= 5 and out["loyaltyscope_max_s"] <= 1.0)
    out["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    report(out)


if __name__ == "__main__":
    main()
