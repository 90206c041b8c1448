"""Start values, in several strategies tried in turn by the optimiser.

- ``"moments"``: per latent variable, a one-factor principal-axis approximation on its
  observed indicators gives loadings (rescaled to the marker when the first loading is fixed)
  and the factor variance; residual variances are half the observed variances (lavaan's
  rule); regressions and covariances start at 0; intercepts at the sample means. The
  loadings are oriented so that the first indicator loads positively: under ``std.lv`` (no
  marker) the sign of a factor is not identified, and lavaan's FABIN 3 start (the first
  indicator's loading sqrt(psi) > 0) decides which of the two reflections its optimiser
  reports; starting on the same side gives the same signs (a factor of reverse-keyed first
  items keeps lavaan's sign).
- ``"simple"``: lavaan's ``start = "simple"``: loadings 1, latent variances 0.05, residual
  variances half the observed variances, everything else 0.
- ``"jitter"``: the moment start multiplied by uniform(0.5, 1.5) noise from a fixed seed.
- ``"lavaan"``: lavaan's own default start (``lav_start``, start.initial = "lavaan"): loadings
  of each factor with observed indicators by FABIN 3 (Hagglund, 1982; lavaan's
  ``lav_cfa_1fac_fabin``, with its bounds: the marker's reliability at least 0.1), latent
  variances 0.05, residual variances half the observed variances, everything else 0,
  intercepts at the sample means. On misspecified models with several local optima, starting
  where lavaan starts is what leads to the optimum lavaan reports.

User ``start()`` values and fixed values always win.

R equivalent: ``lavaan:::lav_start`` (``start = "default"`` / ``"simple"``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["start_values", "fabin3"]


def _one_factor(S_block: np.ndarray, iterations: int = 3):
    """One-factor loadings by a few iterations of principal axis factoring (SMC start)."""
    k = S_block.shape[0]
    d = S_block.diagonal().copy()
    try:
        h = d - 1.0 / np.linalg.inv(S_block).diagonal()
    except np.linalg.LinAlgError:
        h = 0.5 * d
    lo, hi = 1e-3 * d, 0.995 * d
    R = S_block.copy()
    diag = np.arange(k), np.arange(k)
    lam = np.zeros(k)
    for _ in range(iterations):
        R[diag] = np.minimum(np.maximum(h, lo), hi)          # = np.clip(h, lo, hi)
        vals, vecs = np.linalg.eigh(R)
        lam = vecs[:, -1] * np.sqrt(max(vals[-1], 1e-6))
        h = lam * lam
    if lam[0] < 0:      # lavaan's orientation: the first indicator loads positively (see module docstring)
        lam = -lam
    return lam


def _one_factor_three(S: np.ndarray, std_lv: bool):
    """Closed-form one-factor solution of (at most) three indicators (lavaan's
    ``lav_cfa_1fac_3ind`` with bounds): psi = s21 s31 / s32, l2 = s32 / s31, l3 = s32 / s21;
    all loadings 1 (0.7 with std.lv) when the triad s21 s31 s32 is negative."""
    k = S.shape[0]
    if k == 1:
        S = np.ones((3, 3))
    elif k == 2:
        extra = np.array([np.mean(np.diag(S)), S[1, 0]])
        S = np.block([[S, extra[:, None]], [extra[None, :], np.array([[np.max(np.diag(S))]])]])
    s11, s22, s33, s21, s31, s32 = S[0, 0], S[1, 1], S[2, 2], S[1, 0], S[2, 0], S[2, 1]
    if s21 * s31 * s32 < 0:
        return np.full(k, 0.7 if std_lv else 1.0)
    with np.errstate(all="ignore"):
        psi, l2, l3 = s21 * s31 / s32, s32 / s31, s32 / s21
    lower = 0.1 * s11
    psi = min(max(psi, lower), s11)
    b2, b3 = np.sqrt(s22 / lower), np.sqrt(s33 / lower)
    lam = np.array([1.0, min(max(-b2, l2), b2), min(max(-b3, l3), b3)])
    if std_lv:
        lam = lam * np.sign(psi) * np.sqrt(abs(psi))
    return lam[:k]


def fabin3(S: np.ndarray, std_lv: bool = False) -> np.ndarray:
    """One-factor loadings by FABIN 3 (Hagglund, 1982), the first indicator the marker, as
    lavaan's ``lav_cfa_1fac_fabin(S, method = "fabin3")``: for indicator i, with the other
    non-marker indicators as instruments J, ``lambda_i = s_iJ S_JJ^-1 s_J1 / (s_1J S_JJ^-1 s_J1)``,
    bounded by ``sqrt(s_ii / (0.1 s_11))``. With std.lv the loadings are rescaled by sqrt(psi),
    psi from the least-squares residual variances. Three or fewer indicators: the closed form."""
    k = S.shape[0]
    if k < 4:
        return _one_factor_three(S, std_lv)
    lam = np.ones(k)
    for i in range(1, k):
        J = [j for j in range(1, k) if j != i]
        s_J1, s_iJ = S[J, 0], S[i, J]
        try:
            w = np.linalg.solve(S[np.ix_(J, J)], s_J1)
            lam[i] = (s_iJ @ w) / (s_J1 @ w)
        except np.linalg.LinAlgError:
            lam[i] = (s_iJ @ s_J1) / (s_J1 @ s_J1)
    lower = 0.1 * S[0, 0]
    for i in range(1, k):
        bound = np.sqrt(S[i, i] / lower)
        lam[i] = min(max(-bound, lam[i]), bound)
    lam[~np.isfinite(lam)] = 1.0
    if std_lv:
        D = np.outer(lam, lam) / (lam @ lam)
        theta = np.linalg.solve(np.eye(k) - D * D, np.diag(S - D @ S @ D))
        l2 = lam @ lam
        psi = float(lam @ (S - np.diag(theta)) @ lam) / (l2 * l2)
        lam = lam * np.sign(psi) * np.sqrt(abs(psi))
    return lam


def _lavaan_start(table, ov_names, lv_names, covs, means) -> np.ndarray:
    """lavaan's default start values (see the module docstring); fixed and user values win."""
    n = len(table["lhs"])
    start = np.zeros(n)
    lhs, op, rhs = np.asarray(table["lhs"]), np.asarray(table["op"]), np.asarray(table["rhs"])
    grp, free = np.asarray(table["group"]), np.asarray(table["free"])
    ustart = np.asarray(table["ustart"], dtype=float)
    ov_pos = {v: i for i, v in enumerate(ov_names)}
    lv_set = set(lv_names)
    start[op == "=~"] = 1.0
    start[(op == "~~") & (lhs == rhs) & np.isin(lhs, list(lv_set))] = 0.05
    start[op == "<~"] = 1.0
    for g in range(1, len(covs) + 1):
        S, ybar = covs[g - 1], means[g - 1]
        gm = grp == g
        for r in np.flatnonzero(gm & (op == "~~") & (lhs == rhs)):
            if lhs[r] in ov_pos:
                start[r] = 0.5 * S[ov_pos[lhs[r]], ov_pos[lhs[r]]]
        for r in np.flatnonzero(gm & (op == "~1")):
            if lhs[r] in ov_pos:
                start[r] = ybar[ov_pos[lhs[r]]]
        for f in lv_names:
            rows = np.flatnonzero(gm & (op == "=~") & (lhs == f))
            if not len(rows) or any(rhs[r] not in ov_pos for r in rows):
                continue            # second-order factors keep 1
            var_f = np.flatnonzero(gm & (op == "~~") & (lhs == f) & (rhs == f))
            std_lv = len(var_f) > 0 and all(free[var_f] == 0) and all(ustart[var_f] == 1)
            idx = [ov_pos[rhs[r]] for r in rows]
            lam = fabin3(S[np.ix_(idx, idx)], std_lv)
            if not std_lv and np.isfinite(ustart[rows[0]]) and ustart[rows[0]] < 0:
                lam = -lam
            start[rows] = lam
    user = np.isfinite(ustart)
    start[user] = ustart[user]
    return start


def start_values(table: pd.DataFrame, ov_names, lv_names, covs, means, strategy: str = "moments",
                 seed: int = 12345) -> np.ndarray:
    """Return start values for every table row (fixed rows keep their value)."""
    if strategy == "lavaan":
        return _lavaan_start(table, ov_names, lv_names, covs, means)
    n = len(table["lhs"])
    start = np.zeros(n)
    lhs, op, rhs = np.asarray(table["lhs"]), np.asarray(table["op"]), np.asarray(table["rhs"])
    grp = np.asarray(table["group"])
    free = np.asarray(table["free"])
    ustart = np.asarray(table["ustart"], dtype=float)
    ov_pos = {v: i for i, v in enumerate(ov_names)}
    lv_set = set(lv_names)
    lhs_l, op_l, rhs_l = lhs.tolist(), op.tolist(), rhs.tolist()      # Python lists: cheap per-row access
    free_l, ustart_l, finite_l = free.tolist(), ustart.tolist(), np.isfinite(ustart).tolist()
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
        for r in np.flatnonzero(gm).tolist():
            if not free_l[r]:
                start[r] = ustart_l[r] if finite_l[r] else 0.0
                continue
            if finite_l[r]:
                start[r] = ustart_l[r]
                continue
            o, lh, rh = op_l[r], lhs_l[r], rhs_l[r]
            if o == "=~":
                start[r] = lam_start.get((lh, rh), 1.0 if strategy != "moments" else 0.7)
            elif o == "~~" and lh == rh:
                if lh in lv_set:
                    start[r] = lv_var.get(lh, 0.05) if strategy != "simple" else 0.05
                else:
                    j = ov_pos[lh]
                    common = max((d.get(j, 0.0) ** 2 for d in std_load.values()), default=0.0)
                    if strategy == "simple" or common == 0.0:
                        start[r] = 0.5 * S[j, j]
                    else:
                        start[r] = max(S[j, j] - common, 0.05 * S[j, j])
            elif o == "~1":
                start[r] = ybar[ov_pos[lh]] if lh in ov_pos else 0.0
            elif o == "<~":
                start[r] = 1.0          # composite weight: 0 would start on a saddle (f = 0)
            elif o == "~~" and strategy != "simple" and lh in std_load and rh in std_load:
                a, b = std_load[lh], std_load[rh]
                ratios = [S[i, j] / (a[i] * b[j]) for i in a for j in b if i != j and abs(a[i] * b[j]) > 1e-6]
                corr = float(np.clip(np.mean(ratios), -0.9, 0.9)) if ratios else 0.0
                start[r] = corr * np.sqrt(lv_var[lh] * lv_var[rh])
            else:
                start[r] = 0.0
        if strategy == "jitter":
            rng = np.random.default_rng(seed + g)
            sel = gm & (free > 0) & ~np.isfinite(ustart)
            start[sel] *= rng.uniform(0.5, 1.5, sel.sum())
    return start
