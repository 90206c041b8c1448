"""Benchmark: a whole study (issue 12's target: under 60 s on this 2-core machine).

5,000 simulated respondents × 40 seven-point items (eight constructs of five items), one raw
CSV export and a user-written instrument; the study reads and validates every row, screens,
writes descriptives, reliability, parallel analysis + EFA, an MLR CFA, a structural model with
a 1,000-resample bootstrap, and all five outputs (report with figures, JSON, XLSX, CSV, MD).
Prints JSON: total wall time and the time of each step.

Run: python benchmarks/bench_study.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

import loyaltyscope as ls
from _common import report

K, P = 8, 5
NAMES = [f"c{k + 1}" for k in range(K)]


def population() -> str:
    lines = []
    for c in NAMES:
        items = [f"{c}_{i + 1}" for i in range(P)]
        lines.append(f"{c} =~ " + " + ".join(f"{l}*{it}" for l, it in zip((1.0, 0.9, 0.8, 0.85, 0.75), items)))
        lines += [f"{it} ~~ 0.6*{it}" for it in items]
    lines += [f"{NAMES[k + 1]} ~ 0.4*{NAMES[k]}" for k in range(K - 1)]
    return "\n".join(lines)


def instrument() -> dict:
    return {"schema_version": 1,
            "instrument": {"name": "bench40", "version": "1.0.0", "title": {"en": "Benchmark instrument"},
                           "citation": "Simulated for the benchmark.", "languages": ["en"], "wording": "adaptation"},
            "scales": {"a7": {"type": "likert", "min": 1, "max": 7,
                              "labels": {k: {"en": f"point {k}"} for k in range(1, 8)}}},
            "constructs": {c: {"label": {"en": c}} for c in NAMES},
            "items": [{"id": f"{c}_{i + 1}", "text": {"en": f"item {i + 1} of {c}"}, "scale": "a7", "construct": c}
                      for c in NAMES for i in range(P)]}


def main():
    folder = Path(tempfile.mkdtemp(prefix="bench_study_"))
    x = ls.simulate(population(), 5000, seed=7)
    cuts = np.linspace(-1.5, 1.5, 6)
    d = x.apply(lambda s: np.searchsorted(cuts, (s - s.mean()) / s.std(), side="right") + 1)
    d.insert(0, "respondent", [f"R{i:05d}" for i in range(len(d))])
    d.to_csv(folder / "wave.csv", index=False)
    (folder / "bench40.yaml").write_text(yaml.safe_dump(instrument()), encoding="utf-8")
    structural = "\n".join(f"{c} =~ " + " + ".join(f"{c}_{i + 1}" for i in range(P)) for c in NAMES[:4])
    structural += "\n" + "\n".join(f"{NAMES[k + 1]} ~ {NAMES[k]}" for k in range(3))
    study = {"study": {"title": "Benchmark study, 5,000 x 40"}, "instrument": "bench40.yaml",
             "data": [{"path": "wave.csv"}], "id_column": "respondent",
             "analyses": {"reliability": {}, "efa": {"n_factors": None}, "cfa": {"estimator": "MLR"},
                          "sem": {"model": structural, "estimator": "ML", "se": "bootstrap", "bootstrap": 1000,
                                  "seed": 1}}}
    (folder / "study.yaml").write_text(yaml.safe_dump(study), encoding="utf-8")
    t0 = time.perf_counter()
    res = ls.run_study(folder / "study.yaml", folder / "out", progress=False)
    total = time.perf_counter() - t0
    report({"workload": "study: 5,000 respondents x 40 items, EFA, MLR CFA, SEM with 1,000 bootstrap resamples, "
                        "five outputs",
            "seconds_total": round(total, 2), "target_seconds": 60, "meets_target": total < 60,
            "failed_steps": list(res.failed),
            "steps": {k: round(s.seconds, 2) for k, s in res.steps.items()}})


if __name__ == "__main__":
    main()
