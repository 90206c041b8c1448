"""Exploratory SEM blocks: ``efa("b")*f1 + efa("b")*f2 =~ x1 + ... + x6`` (lavaan 0.6-14).

The factors of a block load on every indicator of the block; the block is estimated in an
identified, unrotated form and then rotated, as lavaan does:

1. unrotated fit — factor variances 1, factor covariances 0 within the block, loadings
   Λ[i, j] = 0 for i < j (indicator i, factor j: m(m - 1)/2 zeros), everything else free. The
   chi-square, df and every fit index do not depend on the rotation.
2. rotation of the standardized loadings A = D⁻¹ Λ (D = model-implied SDs of the indicators;
   lavaan ``rotation.args$std.ov = TRUE``) by the oblique GPA of
   :mod:`loyaltyscope.psychometrics.rotation` (``geomin``: geominQ with ε = 0.001,
   lavaan's ``geomin.epsilon``; ``oblimin``: quartimin), best of 30 starts (``rstarts``):
   L = A (T')⁻¹, Φ = T'T; columns reflected to a positive loading sum (``reflect = TRUE``).
3. rotated parameters: Λ* = D L, the block's factor correlations Φ, the block factors'
   covariances with other latent variables T' Cov(f, g).
4. standard errors by the delta method, vcov(r) = J V J' with J = dr/dθ by central
   differences (each evaluation re-rotates from the estimate's T, converged tightly by BFGS):
   lavaan's ``rotation.se = "delta"``. lavaan's default, ``"bordered"`` (the information
   bordered by the rotation constraints), gives standard errors up to ~8 % different on small
   samples and is not implemented.

Written here because no Python SEM library offers lavaan's ESEM; the rotation criteria are
the package's own (psych/GPArotation-compatible). Limits: one group; block factors may not be
regressed on or predict other variables (their structural paths would rotate too).

R equivalent: ``lavaan::sem('efa("b")*f1 + efa("b")*f2 =~ x1 + ...', data, rotation = "geomin")``.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pandas as pd
from scipy import optimize, stats

from loyaltyscope.cbsem.ram import implied, make_layout
from loyaltyscope.cbsem.syntax import ModelSyntaxError
from loyaltyscope.psychometrics.rotation import criterion, rotate

__all__ = ["has_efa_blocks", "expand_efa_blocks", "fit_esem"]

_EFA = re.compile(r"""efa\(\s*["']([^"']+)["']\s*\)\s*\*\s*([A-Za-z_.][\w.]*)""")
_ROT = {"geomin": ("geominQ", 0.001), "geominq": ("geominQ", 0.001), "oblimin": ("oblimin", 0.0),
        "quartimin": ("quartimin", 0.0)}


def has_efa_blocks(model) -> bool:
    return isinstance(model, str) and _EFA.search(model) is not None


def expand_efa_blocks(model: str):
    """Model text with every EFA block written out in its identified unrotated form, and the
    blocks as ``{name: (factors, indicators)}``."""
    blocks: dict[str, tuple[list[str], list[str]]] = {}
    out = []
    for lineno, line in enumerate(model.splitlines(), 1):
        if not _EFA.search(line):
            out.append(line)
            continue
        if "=~" not in line:
            raise ModelSyntaxError('efa("block")* is a modifier of the factors on the left of =~', lineno, 1, line)
        lhs, rhs = line.split("=~", 1)
        terms = [t.strip() for t in lhs.split("+")]
        found = [_EFA.fullmatch(t) for t in terms]
        if not all(found):
            raise ModelSyntaxError('every factor of an EFA line needs its efa("block")* modifier', lineno, 1, line)
        inds = [t.strip() for t in rhs.split("#")[0].split("+") if t.strip()]
        if any(not re.fullmatch(r"[A-Za-z_.][\w.]*", t) for t in inds):
            raise ModelSyntaxError("the indicators of an EFA block take no modifiers", lineno, 1, line)
        for m in found:
            name, fac = m.group(1), m.group(2)
            facs, old = blocks.setdefault(name, ([], inds))
            if old != inds:
                raise ModelSyntaxError(f"EFA block {name!r}: all its factors must load on the same indicators",
                                       lineno, 1, line)
            facs.append(fac)
    for name, (facs, inds) in blocks.items():
        if len(inds) < len(facs) + 1:
            raise ModelSyntaxError(f"EFA block {name!r}: {len(facs)} factors need more than {len(facs)} indicators", 1, 1)
        for j, f in enumerate(facs):
            out.append(f"{f} =~ " + " + ".join(("0*" if i < j else "NA*") + x for i, x in enumerate(inds)))
            out.append(f"{f} ~~ 1*{f}")
            out += [f"{f} ~~ 0*{g}" for g in facs[j + 1:]]
    return "\n".join(out), blocks


def _row(table, lhs, op, rhs):
    L, O, R, G = (np.asarray(table[c]) for c in ("lhs", "op", "rhs", "group"))
    k = np.flatnonzero((L == lhs) & (O == op) & (R == rhs) & (G == 1))
    if not len(k) and op == "~~":
        k = np.flatnonzero((L == rhs) & (O == op) & (R == lhs) & (G == 1))
    return int(k[0]) if len(k) else -1


def _polish(A, T, crit):
    """The oblique rotation from a nearby T, converged tightly (for numerical derivatives): BFGS
    on the criterion over unnormalised columns t_j (T = t D^-1), with the GPA gradient
    G = dQ/dT = -(L' Gq T^-1)' projected through the column normalisation."""
    k = T.shape[1]

    def fg(x):
        t = x.reshape(k, k)
        n = np.linalg.norm(t, axis=0)
        Tn = t / n
        Ti = np.linalg.inv(Tn)
        L = A @ Ti.T
        f, Gq = crit(L)
        G = -(L.T @ Gq @ Ti).T
        return f, ((G - Tn * (Tn * G).sum(axis=0)) / n).ravel()

    res = optimize.minimize(fg, T.ravel(), jac=True, method="BFGS", options=dict(gtol=1e-13, maxiter=500))
    t = res.x.reshape(k, k)
    Tn = t / np.linalg.norm(t, axis=0)
    return A @ np.linalg.inv(Tn).T, Tn


class _Rotator:
    """r(θ): the rotated block parameters as a function of the free parameters."""

    def __init__(self, fit, blocks, method, delta):
        t = fit._table
        self.t, self.blocks, self.method, self.delta = t, blocks, method, delta
        self.free = np.asarray(t["free"]) - 1
        self.base = np.asarray(t["est"], dtype=float).copy()
        self.ov = list(fit.ov_names)
        self.lv = [v for v in dict.fromkeys(np.asarray(t["lhs"])[np.asarray(t["op"]) == "=~"])]
        self.layout = make_layout(t, 1, self.ov, self.lv)
        self.others = [g for g in self.lv if not any(g in f for f, _ in blocks.values())]
        self.T = {}

    def values(self, theta):
        v = self.base.copy()
        m = self.free >= 0
        v[m] = theta[self.free[m]]
        return v

    def rotated(self, theta, starts=1):
        """{(lhs, op, rhs): value} of the rotated rows (std_all values in a second dict)."""
        v = self.values(theta)
        Sigma, _mu, C, *_ = implied(self.layout, v)
        names = self.ov + self.lv
        sd_all = np.sqrt(np.clip(np.diag(C), 0, None))
        out, std = {}, {}
        for name, (facs, inds) in self.blocks.items():
            Lam = np.array([[v[_row(self.t, f, "=~", x)] for f in facs] for x in inds])
            d = np.array([sd_all[names.index(x)] for x in inds])
            A = Lam / d[:, None]
            if starts > 1 or name not in self.T:
                r = rotate(A, self.method, n_starts=starts, seed=0, delta=self.delta)
                L, T = r.loadings, r.rotmat
            else:
                L, T = _polish(A, self.T[name], criterion(self.method, *A.shape, self.delta))
            sign = np.where(L.sum(axis=0) < 0, -1.0, 1.0)
            L, T = L * sign, T * sign
            if starts > 1 or name not in self.T:
                self.T[name] = T
            Phi = T.T @ T
            for j, f in enumerate(facs):
                for i, x in enumerate(inds):
                    out[(f, "=~", x)] = d[i] * L[i, j]
                    std[(f, "=~", x)] = L[i, j]
                for k in range(j + 1, len(facs)):
                    out[(f, "~~", facs[k])] = std[(f, "~~", facs[k])] = Phi[j, k]
            cov_fg = np.array([[C[names.index(f), names.index(g)] for g in self.others] for f in facs])
            if cov_fg.size:
                rot = T.T @ cov_fg
                for j, f in enumerate(facs):
                    for k, g in enumerate(self.others):
                        out[(f, "~~", g)] = rot[j, k]
                        std[(f, "~~", g)] = rot[j, k] / sd_all[names.index(g)]
        return out, std


def fit_esem(model: str, data, *, rotation: str = "geomin", sem_function, **kwargs):
    """Fit a model with EFA blocks (see the module docstring); ``sem_function`` fits the
    expanded model (``ls.sem``)."""
    text, blocks = expand_efa_blocks(model)
    if kwargs.get("group") is not None:
        raise NotImplementedError("EFA blocks with groups are not implemented yet")
    facs = {f for fs, _ in blocks.values() for f in fs}
    key = str(rotation).lower()
    if key not in _ROT:
        raise ValueError(f"rotation={rotation!r} is not available for EFA blocks; expected geomin or oblimin")
    fit = sem_function(text, data, **kwargs)
    t = fit._table
    ops, lhs, rhs = (np.asarray(t[c]) for c in ("op", "lhs", "rhs"))
    if any((o == "~" or o == "<~") and (a in facs or b in facs) for o, a, b in zip(ops, lhs, rhs)):
        raise NotImplementedError("structural paths to or from the factors of an EFA block are not "
                                  "implemented yet (only covariances with other factors)")
    method, delta = _ROT[key]
    rot = _Rotator(fit, blocks, method, delta)
    theta = np.zeros(len(fit._theta_names))
    fr = rot.free >= 0
    theta[rot.free[fr]] = rot.base[fr]
    est, std = rot.rotated(theta, starts=30)
    keys = list(est)
    se = {k: np.nan for k in keys}
    V = fit._vcov_theta
    if V is not None:
        h = 1e-6 * np.maximum(1.0, np.abs(theta))
        J = np.zeros((len(keys), len(theta)))
        for a in range(len(theta)):
            e = np.zeros_like(theta)
            e[a] = h[a]
            up, _ = rot.rotated(theta + e)
            dn, _ = rot.rotated(theta - e)
            J[:, a] = [(up[k] - dn[k]) / (2 * h[a]) for k in keys]
        se = dict(zip(keys, np.sqrt(np.clip(np.diag(J @ V @ J.T), 0, None))))
    base_params = fit.params

    def params():
        P = base_params.copy()
        z_crit = stats.norm.ppf(0.975)
        for k in keys:
            a, o, b = k
            m = (P.lhs == a) & (P.op == o) & (P.rhs == b)
            if not m.any() and o == "~~":
                m = (P.lhs == b) & (P.op == o) & (P.rhs == a)
            s = se[k]
            z = est[k] / s if s and np.isfinite(s) and s > 0 else np.nan
            P.loc[m, ["est", "se", "z", "pvalue", "ci_lower", "ci_upper"]] = [
                est[k], s, z, 2 * stats.norm.sf(abs(z)), est[k] - z_crit * s, est[k] + z_crit * s]
            P.loc[m, "std_all"] = std[k]
            P.loc[m, "std_lv"] = std[k] if o == "~~" else est[k]
        efa = {f: n for n, (fs, _) in blocks.items() for f in fs}
        P.insert(3, "efa", [efa.get(a, "") if o == "=~" else "" for a, o in zip(P.lhs, P.op)])
        return P

    msg = (f"EFA block(s) {', '.join(blocks)}: loadings, factor correlations and covariances rotated "
           f"({rotation}, oblique, standardized indicators, best of 30 starts); standard errors by the delta method")
    options = replace(fit.options, rotation=rotation, efa_blocks=tuple((n, tuple(fs)) for n, (fs, _) in blocks.items()))
    return replace(fit, _lazy={**fit._lazy, "params": params}, warnings=fit.warnings + (msg,), options=options)
