"""Start values, in several strategies tried in turn by the optimiser.

- ``"moments"``: per latent variable, a one-factor principal-axis approximation on its
  observed indicators gives loadings (rescaled to the marker when the first loading is fixed)
  and the factor variance; residual variances are half the observed variances (lavaan's
  rule); regressions and covariances start at 0; intercepts at the sample means.
- ``"simple"``: lavaan's ``start = "simple"``: loadings 1, latent variances 0.05, residual
  variances half the observed variances, everything else 0.
- ``"jitter"``: the moment start multiplied by uniform(0.5, 1.5) noise from a fixed seed.

User ``start()`` values and fixed values always win.

R equivalent: ``lavaan:::lav_start`` (``start = "default"`` / ``"simple"``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["start_values"]


def _one_factor(S_block: np.ndarray, iterations: int = 3):
    """One-factor loadings by a few iterations of principal axis factoring (SMC start)."""
    k = S_block.shape[0]
    try:
        h = np.diag(S_block) - 1.0 / np.diag(np.linalg.inv(S_block))
    except np.linalg.LinAlgError:
        h = 0.5 * np.diag(S_block)
    R = S_block.copy()
    lam = np.zeros(k)
    for _ in range(iterations):
        R[np.diag_indices(k)] = np.clip(h, 1e-3 * np.diag(S_block), 0.995 * np.diag(S_block))
        vals, vecs = np.linalg.eigh(R)
        lam = vecs[:, -1] * np.sqrt(max(vals[-1], 1e-6))
        h = lam ** 2
    if lam.sum() < 0:
        lam = -lam
    return lam


def start_values(table: pd.DataFrame, ov_names, lv_names, covs, means, strategy: str = "moments",
                 seed: int = 12345) -> np.ndarray:
    """Return start values for every table row (fixed rows keep their value)."""
    n = len(table["lhs"])
    start = np.zeros(n)
    lhs, op, rhs = np.asarray(table["lhs"]), np.asarray(table["op"]), np.asarray(table["rhs"])
    grp = np.asarray(table["group"])
    free = np.asarray(table["free"])
    ustart = np.asarray(table["ustart"], dtype=float)
    ov_pos = {v: i for i, v in enumerate(ov_names)}
    lv_set = set(lv_names)
    for g in range(1, len(covs) + 1):
        S, ybar = covs[g - 1], means[g - 1]
        gm = grp == g
        lam_start: dict[tuple[str, str], float] = {}
        lv_var: dict[str, float] = {}
        std_load: dict[str, dict[int, float]] = {}
        if strategy in ("moments", "jitter"):
            for f in lv_names:
                rows = np.flatnonzero(gm & (op == "=~") & (lhs == f))
                inds = [rhs[r] for r in rows if rhs[r] in ov_pos]
                if len(inds) < 2:
                    continue
                idx = [ov_pos[v] for v in inds]
                lam = _one_factor(S[np.ix_(idx, idx)])
                std_load[f] = dict(zip(idx, lam))
                marker = rows[0]
                if not free[marker] and rhs[marker] in ov_pos and abs(lam[0]) > 1e-3 and np.isfinite(ustart[marker]) \
                        and ustart[marker] != 0:
                    scale = lam[0] / ustart[marker]
                    lv_var[f] = scale ** 2
                    for v, l in zip(inds, lam):
                        lam_start[(f, v)] = l / scale
                else:
                    lv_var[f] = 1.0
                    for v, l in zip(inds, lam):
                        lam_start[(f, v)] = l
        for r in np.flatnonzero(gm):
            if not free[r]:
                start[r] = ustart[r] if np.isfinite(ustart[r]) else 0.0
                continue
            if np.isfinite(ustart[r]):
                start[r] = ustart[r]
                continue
            o = op[r]
            if o == "=~":
                start[r] = lam_start.get((lhs[r], rhs[r]), 1.0 if strategy != "moments" else 0.7)
            elif o == "~~" and lhs[r] == rhs[r]:
                if lhs[r] in lv_set:
                    start[r] = lv_var.get(lhs[r], 0.05) if strategy != "simple" else 0.05
                else:
                    j = ov_pos[lhs[r]]
                    common = max((d.get(j, 0.0) ** 2 for d in std_load.values()), default=0.0)
                    if strategy == "simple" or common == 0.0:
                        start[r] = 0.5 * S[j, j]
                    else:
                        start[r] = max(S[j, j] - common, 0.05 * S[j, j])
            elif o == "~1":
                start[r] = ybar[ov_pos[lhs[r]]] if lhs[r] in ov_pos else 0.0
            elif o == "<~":
                start[r] = 1.0          # composite weight: 0 would start on a saddle (f = 0)
            elif o == "~~" and strategy != "simple" and lhs[r] in std_load and rhs[r] in std_load:
                a, b = std_load[lhs[r]], std_load[rhs[r]]
                ratios = [S[i, j] / (a[i] * b[j]) for i in a for j in b if i != j and abs(a[i] * b[j]) > 1e-6]
                corr = float(np.clip(np.mean(ratios), -0.9, 0.9)) if ratios else 0.0
                start[r] = corr * np.sqrt(lv_var[lhs[r]] * lv_var[rhs[r]])
            else:
                start[r] = 0.0
        if strategy == "jitter":
            rng = np.random.default_rng(seed + g)
            sel = gm & (free > 0) & ~np.isfinite(ustart)
            start[sel] *= rng.uniform(0.5, 1.5, sel.sum())
    return start
