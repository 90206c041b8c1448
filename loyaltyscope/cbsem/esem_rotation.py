"""The rotation of a fitted ESEM model, as lavaan 0.6-14 (``lav_model_efa_rotate_x``,
``lav_matrix_rotate``, ``lav_model_efa_rotate_border_x``).

Per group and per EFA block (factors F, indicators X), from the unrotated solution:

1. A = Λ[X, F], ov.var = diag(A A' + Θ[X, X]) (lavaan ``rotation.args$std.ov = TRUE``; the
   formula ignores Ψ, also when the block's factors are regressed on other variables or have
   free variances in later groups, exactly as lavaan), A_s = A / sqrt(ov.var).
2. Oblique GPA of A_s (``algorithm = "gpa"``, ``gpa.tol`` 1e-5) from ``rstarts`` = 30 random
   orthogonal starts (Q of the QR of a normal matrix, lavaan ``lav_matrix_rotate_gen``); the
   start with the smallest criterion wins (geomin: ε = ``geomin.epsilon`` = 0.001; oblimin:
   γ = ``oblimin.gamma`` = 0), then polished to a tight optimum. L = A_s T^-T, Φ = T'T.
3. ``reflect = TRUE``: columns whose unstandardized loadings sum below zero change sign (with
   the columns of T); ``order.lv.by = "index"``: factors ordered by the mean row index of their
   loadings of at least 0.8 × the column's largest absolute loading.
4. H = T placed in the block's rows/columns of an identity, and the whole model is transformed
   (lavaan: Λ H^-T, H'ΨH, H'BH^-T, H'α). In the RAM form (v = A v + e over observed and latent
   variables) with M = identity except M[F, F] = H'::

       A* = M A M^-1      S* = M S M'      m* = M m

   so loadings, factor (co)variances, regressions to and from the block's factors, covariances
   with other latent variables and latent means all follow.

The border constraints of lavaan's ``rotation.se = "bordered"`` (groups/blocks whose echelon
zeros are fixed, lavaan ``user == 7``), at rotated values: with A the rotated loadings,
ov.var = diag(A A' + Θ), A_s = A / sqrt(ov.var), Gq = dQ/dL at A_s and Z = A_s' Gq::

    c = offdiag( Z - diag(Z) ∘ Ψ_block )        (Ψ_block[i, j] · Z[i, i]; i ≠ j)

R equivalent: ``lavaan::sem(model, data, rotation = "geomin")`` (the rotation inside).
Written here because no Python SEM library rotates ESEM blocks. The GPA steps and criteria are
those of :mod:`loyaltyscope.psychometrics.rotation` (GPArotation/lavaan), written again over a
stack of matrices so that the 30 random starts run as one batch (one start at a time cost
two thirds of a whole ESEM fit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

from loyaltyscope.cbsem.ram import RamLayout, _matrices

__all__ = ["RotationArgs", "EfaBlock", "rotate_model", "border_constraints"]

_METHODS = {"geomin": "geominQ", "geominq": "geominQ", "oblimin": "oblimin", "quartimin": "quartimin"}


@dataclass(frozen=True)
class RotationArgs:
    """lavaan's ``rotation`` and ``rotation.args`` (defaults of lavaan 0.6-14)."""

    method: str = "geomin"
    geomin_epsilon: float = 0.001
    oblimin_gamma: float = 0.0
    rstarts: int = 30
    gpa_tol: float = 1e-5
    max_iter: int = 10000
    std_ov: bool = True
    seed: int = 0

    def __post_init__(self):
        key = str(self.method).lower()
        if key not in _METHODS:
            raise ValueError(f"rotation={self.method!r} is not available for EFA blocks; expected 'geomin' or "
                             "'oblimin' (lavaan's oblique rotations; orthogonal rotation is not implemented)")
        if self.oblimin_gamma != 0.0 and key != "oblimin":
            raise ValueError("oblimin_gamma is an argument of rotation='oblimin'")
        if int(self.rstarts) < 1:
            raise ValueError(f"rstarts={self.rstarts!r}: expected at least 1 random start")
        object.__setattr__(self, "method", key)

    def crit(self, p: int, k: int):
        """The criterion ``L -> (Q, dQ/dL)`` for one loading matrix (p, k) or a stack (s, p, k)
        (then Q per matrix): lavaan's ``lav_matrix_rotate_geomin`` / ``_oblimin`` (the same
        formulas as GPArotation's, written here over the last two axes so that all random starts
        run as one stack)."""
        if self.method in ("geomin", "geominq"):
            eps = self.geomin_epsilon

            def geomin(L):
                L2 = L * L + eps
                pro = np.exp(np.log(L2).sum(axis=-1) / k)
                return pro.sum(axis=-1), (2.0 / k) * L / L2 * pro[..., None]
            return geomin
        gam = self.oblimin_gamma if self.method == "oblimin" else 0.0

        def oblimin(L):
            L2 = L * L
            X = L2.sum(axis=-1, keepdims=True) - L2
            if gam:
                X = X - gam * X.mean(axis=-2, keepdims=True)
            return (L2 * X).sum(axis=(-2, -1)) / 4, L * X
        return oblimin


@dataclass(frozen=True)
class EfaBlock:
    """One EFA block in one group's RAM layout: positions of its factors and indicators among
    the layout's names, and whether its echelon zeros are fixed in this group (lavaan
    ``user == 7``; False for later groups with ``group.equal = "loadings"``, lavaan ``77``)."""

    name: str
    lv: tuple[int, ...]
    ov: tuple[int, ...]
    constrained: bool = True


def _std_var(A, Theta, std_ov: bool):
    return (A * A).sum(axis=1) + np.diag(Theta) if std_ov else np.ones(A.shape[0])


def _polish(A, T, crit, gtol=1e-12):
    """The oblique optimum from a nearby T, converged tightly (BFGS on unnormalised columns
    t_j, T = t / |t|, with the GPA gradient projected through the normalisation)."""
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

    res = optimize.minimize(fg, T.ravel(), jac=True, method="BFGS", options=dict(gtol=gtol, maxiter=1000))
    t = res.x.reshape(k, k)
    return t / np.linalg.norm(t, axis=0)


def _random_orthogonal(rng, k):
    q, _r = np.linalg.qr(rng.standard_normal((k, k)))
    return q


def _gpa_eval(As, T, crit):
    Ti = np.linalg.inv(T)
    L = As @ np.swapaxes(Ti, -1, -2)
    f, Gq = crit(L)
    return f, -np.swapaxes(np.swapaxes(L, -1, -2) @ Gq @ Ti, -1, -2)


def gpa_starts(As, T0, crit, eps: float, maxit: int):
    """Oblique GPA (lavaan ``lav_matrix_rotate_gpa`` / GPArotation ``GPFoblq``: step T - α Gp,
    columns normalised, α doubled each iteration and halved until Q falls by ½ s² α, at most 11
    halvings; stop when the projected gradient's norm s < ``eps``) from every start of the
    stack ``T0`` (s, k, k) at once. Returns the final T (s, k, k) and criteria (s,)."""
    T = np.array(T0, dtype=float)
    f, G = _gpa_eval(As, T, crit)
    al = np.ones(len(T))
    active = np.ones(len(T), bool)
    for _ in range(maxit + 1):
        Gp = G - T * (T * G).sum(axis=-2, keepdims=True)
        sn = np.sqrt((Gp * Gp).sum(axis=(-2, -1)))
        active &= sn >= eps
        idx = np.flatnonzero(active)
        if not len(idx):
            break
        al[idx] *= 2
        newT, newf, newG = T[idx].copy(), f[idx].copy(), G[idx].copy()
        pending = np.ones(len(idx), bool)
        for _h in range(11):
            j = np.flatnonzero(pending)
            X = T[idx[j]] - al[idx[j], None, None] * Gp[idx[j]]
            Tc = X / np.sqrt((X * X).sum(axis=-2, keepdims=True))
            fc, Gc = _gpa_eval(As, Tc, crit)
            newT[j], newf[j], newG[j] = Tc, fc, Gc
            ok = f[idx[j]] - fc > 0.5 * sn[idx[j]] ** 2 * al[idx[j]]
            pending[j[ok]] = False
            al[idx[j[~ok]]] /= 2
            if not pending.any():
                break
        T[idx], f[idx], G[idx] = newT, newf, newG
    return T, f


def block_rotation(A, Theta, args: RotationArgs, T_start=None):
    """T (k × k, unit columns) of one block, reflected and ordered as lavaan (steps 1-3 of the
    module docstring); ``T_start``: a previous T to polish from instead of random starts."""
    p, k = A.shape
    var = _std_var(A, Theta, args.std_ov)
    As = A / np.sqrt(var)[:, None]
    crit = args.crit(p, k)
    if T_start is not None:
        return _polish(As, T_start, crit)
    rng = np.random.default_rng(args.seed)
    starts = np.stack([_random_orthogonal(rng, k) for _ in range(int(args.rstarts))])
    Tk, f = gpa_starts(As, starts, crit, args.gpa_tol, args.max_iter)
    T = _polish(As, Tk[int(np.argmin(f))], crit)
    L = (As @ np.linalg.inv(T).T) * np.sqrt(var)[:, None]
    sign = np.where(L.sum(axis=0) < 0, -1.0, 1.0)
    L, T = L * sign, T * sign
    absL = np.abs(L)
    big = absL >= 0.8 * absL.max(axis=0)
    index = [np.mean(np.flatnonzero(big[:, j]) + 1) for j in range(k)]
    order = np.argsort(index, kind="stable")
    return T[:, order]


def _transform(layout: RamLayout, values, Ms):
    """Row values after v* = M v (A* = M A M^-1, S* = M S M', m* = M m), and (A*, S*, m*)."""
    A, S, m = _matrices(layout, values)
    Mi = np.linalg.inv(Ms)
    A, S, m = Ms @ A @ Mi, Ms @ S @ Ms.T, Ms @ m
    out = values.copy()
    rows, kind, r, c = layout.rows, layout.kind, layout.r, layout.c
    out[rows[kind == 0]] = A[r[kind == 0], c[kind == 0]]
    out[rows[kind == 1]] = S[r[kind == 1], c[kind == 1]]
    out[rows[kind == 2]] = m[r[kind == 2]]
    return out, (A, S, m)


def rotate_model(layouts, blocks, values, args: RotationArgs, T_start=None):
    """Rotated row values of the whole table, the T of every (group, block) and, per group, the
    rotated RAM matrices (A*, S*, m*) — they may hold entries that no table row carries (e.g.
    paths to a block factor that was exogenous before the rotation mixed it with a regressed
    one; lavaan keeps them in its model matrices).

    ``layouts``: one RAM layout per group; ``blocks``: per group, its :class:`EfaBlock` list;
    ``T_start``: {(group, block name): T} to polish from (derivatives) instead of random starts.
    """
    out = np.asarray(values, dtype=float).copy()
    Ts, mats = {}, []
    for g, (lay, gblocks) in enumerate(zip(layouts, blocks)):
        A_ram, S_ram, _m = _matrices(lay, out)
        Ms = np.eye(lay.m)
        for b in gblocks:
            lv, ov = list(b.lv), list(b.ov)
            if len(lv) < 2:
                continue
            Lam = A_ram[np.ix_(ov, lv)]
            start = None if T_start is None else T_start[(g, b.name)]
            T = block_rotation(Lam, S_ram[np.ix_(ov, ov)], args, start)
            Ts[(g, b.name)] = T
            Ms[np.ix_(lv, lv)] = T.T
        out, m3 = _transform(lay, out, Ms)
        mats.append(m3)
    return out, Ts, mats


def border_constraints(layouts, blocks, values, args: RotationArgs) -> np.ndarray:
    """lavaan's rotation constraints at (rotated) row values (module docstring)."""
    res = []
    for lay, gblocks in zip(layouts, blocks):
        A_ram, S_ram, _m = _matrices(lay, values)
        for b in gblocks:
            lv, ov = list(b.lv), list(b.ov)
            if not b.constrained or len(lv) < 2:
                continue
            A = A_ram[np.ix_(ov, lv)]
            As = A / np.sqrt(_std_var(A, S_ram[np.ix_(ov, ov)], args.std_ov))[:, None]
            _f, Gq = args.crit(*As.shape)(As)
            Z = As.T @ Gq
            tmp = Z - S_ram[np.ix_(lv, lv)] * np.diag(Z)[:, None]
            res.append(tmp[~np.eye(len(lv), dtype=bool)])
    return np.concatenate(res) if res else np.zeros(0)
