"""Shared helpers for the benchmark scripts: timing, running R, printing JSON."""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import time


def median_time(fn, repeat: int = 20, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def r_available(*packages: str) -> bool:
    if shutil.which("Rscript") is None:
        return False
    libs = "; ".join(f"suppressMessages(library({p}))" for p in packages)
    return subprocess.run(["Rscript", "-e", libs], capture_output=True).returncode == 0


def run_r(code: str, timeout: float = 1800) -> dict:
    """Run R code that prints one JSON object on its last line (via cat(sprintf(...)))."""
    out = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(results: dict) -> None:
    print(json.dumps(results, indent=2))
