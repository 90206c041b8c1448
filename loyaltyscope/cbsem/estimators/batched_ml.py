"""Batched ML refits for the bootstrap: many resamples of one model refitted at once.

The refits of a chunk share the model: their implied moments, ML discrepancies, gradients,
exact Hessians and expected informations are computed for all resamples at once (stacked
arrays with a leading resample axis; the formulas of
:func:`loyaltyscope.cbsem.estimate.ml_hessian` and
:func:`loyaltyscope.cbsem.ram.second_order_traces`, with dSigma_a = x_a y_a' + y_a x_a' so
that every trace is a product of small Gram matrices). Steps are taken for all resamples
together: Fisher scoring while max |dF/dphi| > 0.1, then Newton, step halving, convergence at
max |dF/dphi| < 1e-6 (the optimiser's rule, :mod:`loyaltyscope.cbsem.estimate`). A resample
this does not settle is left to the full optimiser by the caller
(:func:`loyaltyscope.cbsem.bootstrap_resampling.refit_batch`).

Written by hand because no library fits thousands of small SEMs as one stacked problem; the
per-fit optimiser would spend most of its time in Python overhead.

R equivalent: none (lavaan refits each resample with ``lavaan()``; ``bootstrapLavaan``).
"""

from __future__ import annotations

import numpy as np

from loyaltyscope.cbsem.estimate import MLProblem
from loyaltyscope.cbsem.ram import _has_loop, _path_depth, paths_inverse

__all__ = ["batch_hessian", "newton_batch"]

# --------------------------------------------------------------------------- batched Newton
# The refits of a chunk share the model: their implied moments, gradients and Hessians are
# computed for all resamples at once (stacked arrays, the formulas of
# :func:`loyaltyscope.cbsem.estimate.ml_hessian` and :func:`loyaltyscope.cbsem.ram.second_order_traces`
# with a leading resample axis). Newton steps with the exact Hessian from theta_hat converge in
# 3-5 iterations; a resample whose Hessian is not positive definite, whose line search fails or
# that needs more than ``_NEWTON_MAX`` iterations goes to the full optimiser (:func:`fit_ml`).
_NEWTON_MAX = 30
_TOL = 1e-6                      # max |dF/dphi| at convergence, as the optimiser
_FISHER_PHASE = 0.1              # Fisher scoring while max |dF/dphi| exceeds this, as the optimiser


def _batch_values(problem: MLProblem, base: np.ndarray, theta: np.ndarray) -> np.ndarray:
    v = np.array(base, dtype=float, copy=True)
    fr = problem.free_index >= 0
    v[:, fr] = theta[:, problem.free_index[fr]]
    return v


def _batch_implied(lay, v: np.ndarray):
    """Stacked :func:`loyaltyscope.cbsem.ram.implied`: (Sigma, mu, C, B, m) for rows v (nb, nrows)."""
    nb, m, p = v.shape[0], lay.m, lay.p
    vals = v[:, lay.rows]
    ka, ks, km = lay.kind == 0, lay.kind == 1, lay.kind == 2
    A = np.zeros((nb, m, m))
    S = np.zeros((nb, m, m))
    M = np.zeros((nb, m))
    A[:, lay.r[ka], lay.c[ka]] = vals[:, ka]
    S[:, lay.r[ks], lay.c[ks]] = vals[:, ks]
    S[:, lay.c[ks], lay.r[ks]] = vals[:, ks]
    M[:, lay.r[km]] = vals[:, km]
    if _has_loop(lay):
        B = paths_inverse(A)
    else:
        eye = np.eye(m)
        B = eye + A                    # (I - A)^-1 = I + A + ... + A^depth without loops
        for _ in range(_path_depth(lay) - 1):
            B = eye + A @ B
    C = B @ S @ B.transpose(0, 2, 1)
    bm = np.einsum("bij,bj->bi", B, M)
    return C[:, :p, :p], bm[:, :p], C, B, M, bm


def _batch_inverse(Sigma: np.ndarray):
    """(log|Sigma|, Sigma^-1, ok) per resample via Cholesky; not positive definite -> ok False."""
    nb, p = Sigma.shape[0], Sigma.shape[1]
    ok = np.ones(nb, bool)
    try:
        L = np.linalg.cholesky(Sigma)
    except np.linalg.LinAlgError:
        L = np.empty_like(Sigma)
        for b in range(nb):
            try:
                L[b] = np.linalg.cholesky(Sigma[b])
            except np.linalg.LinAlgError:
                ok[b] = False
                L[b] = np.eye(p)
    logdet = 2.0 * np.log(np.abs(np.diagonal(L, axis1=1, axis2=2))).sum(axis=1)
    Linv = np.linalg.inv(L)
    return logdet, Linv.transpose(0, 2, 1) @ Linv, ok


def _batch_F(problem: MLProblem, v, covs, means, consts, weights, implied_g=None):
    """F per resample (inf where an implied matrix is not positive definite), and per group
    (Sigma, mu, Sinv, C, B, M, bm) for the derivatives."""
    nb = v.shape[0]
    F = np.zeros(nb)
    parts = []
    for g, lay in enumerate(problem.layouts):
        Sigma, mu, C, B, M, bm = _batch_implied(lay, v) if implied_g is None else implied_g[g]
        logdet, Sinv, ok = _batch_inverse(Sigma)
        Fg = logdet + np.einsum("bij,bij->b", covs[g], Sinv) - consts[g]
        if problem.meanstructure:
            d = means[g] - mu
            Fg += np.einsum("bi,bij,bj->b", d, Sinv, d)
        Fg[~ok] = np.inf
        F += weights[g] * Fg
        parts.append((Sigma, mu, Sinv, C, B, M, bm))
    return F, parts


def _batch_derivatives(lay, plan, U, G, bm):
    """Derivatives of the implied moments in outer-product form, for stacked resamples:
    dSigma_a = x_a y_a' + y_a x_a' with (x, y) = (U_i, G_j) for A[i, j], (U_i, U_j) for
    S[i, j] (y halved when i = j) and 0 for intercepts; returns x (nb, p, k), y (nb, p, k) and
    dmu (nb, k, p) (see :func:`loyaltyscope.cbsem.ram.implied_with_derivatives`)."""
    nb, p = U.shape[0], lay.p
    k = plan["k"]
    x = np.zeros((nb, p, k))
    y = np.zeros((nb, p, k))
    dmu = np.zeros((nb, k, p))
    if plan["any_a"]:
        a = plan["a"]
        x[:, :, a] = U[:, :, plan["ra"]]
        y[:, :, a] = G[:, :, plan["ca"]]
        dmu[:, a] = U[:, :, plan["ra"]].transpose(0, 2, 1) * bm[:, plan["ca"]][..., None]
    if plan["any_s"]:
        s = plan["s"]
        half = np.where(plan["rs"] == plan["cs"], 0.5, 1.0)
        x[:, :, s] = U[:, :, plan["rs"]]
        y[:, :, s] = U[:, :, plan["cs"]] * half
    if plan["any_m"]:
        dmu[:, plan["m"]] = U[:, :, plan["rm"]].transpose(0, 2, 1)
    return x, y, dmu


def _gram(Z, MZ):
    """Z' M Z (nb, 2k, 2k) for Z = [x, y] and MZ = M Z."""
    return Z.transpose(0, 2, 1) @ MZ


def _pair_traces(GL, GR, k):
    """T[a, b] = tr(L dSigma_a R dSigma_b) for dSigma_a = x_a y_a' + y_a x_a' (L, R symmetric),
    from the Gram matrices GL = Z'L Z and GR = Z'R Z of Z = [x, y]:
    (y_a'R x_b)(y_b'L x_a) + (y_a'R y_b)(x_b'L x_a) + (x_a'R x_b)(y_b'L y_a) + (x_a'R y_b)(x_b'L y_a)."""
    LXX, LXY, LYX, LYY = GL[:, :k, :k], GL[:, :k, k:], GL[:, k:, :k], GL[:, k:, k:]
    RXX, RXY, RYX, RYY = GR[:, :k, :k], GR[:, :k, k:], GR[:, k:, :k], GR[:, k:, k:]
    # L symmetric: (y_b'L x_a) = LXY[a, b], (x_b'L x_a) = LXX[a, b], ...
    return RYX * LXY + RYY * LXX + RXX * LYY + RXY * LYX


def _flat_indices(plan, m: int):
    """Flat positions (into an m x m matrix, and into the k x k Hessian) of the index grids of
    :func:`_batch_second_order`, computed once per plan: taking and putting by flat position
    is much cheaper than fancy indexing with broadcast index grids on stacked arrays."""
    key = ("_flat", m)
    if key not in plan:
        k = plan["k"]
        ia, is_, im = (np.flatnonzero(plan[c]) for c in ("a", "s", "m"))
        ri, ci, rs, cs, rm = plan["ra"], plan["ca"], plan["rs"], plan["cs"], plan["rm"]

        def mm(i, j):
            return (i[:, None] * m + j[None, :]).ravel()

        def kk(i, j):
            return (i[:, None] * k + j[None, :]).ravel()

        plan[key] = dict(ci_ri=mm(ci, ri), ci_ci=mm(ci, ci), ri_ri=mm(ri, ri), ci_rs=mm(ci, rs), ri_cs=mm(ri, cs),
                         ci_cs=mm(ci, cs), ri_rs=mm(ri, rs), ci_rm=mm(ci, rm), H_aa=kk(ia, ia), H_as=kk(ia, is_),
                         H_sa=kk(is_, ia), H_am=kk(ia, im), H_ma=kk(im, ia),
                         half=np.where(rs == cs, 0.5, 1.0)[None, None, :], na=len(ia), ns=len(is_), nm=len(im))
    return plan[key]


def _batch_second_order(plan, W, z, B, C, bm, U, G):
    """Stacked :func:`loyaltyscope.cbsem.ram.second_order_traces`."""
    nb, k, m = W.shape[0], plan["k"], B.shape[1]
    Ut = U.transpose(0, 2, 1)
    WU = W @ U
    P = (Ut @ WU).reshape(nb, -1)
    Q = (G.transpose(0, 2, 1) @ WU).reshape(nb, -1)
    H = np.zeros((nb, k * k))
    if not plan["any_a"]:
        return H.reshape(nb, k, k)
    f = _flat_indices(plan, m)
    na, ns, nm = f["na"], f["ns"], f["nm"]
    Bf, Cf = B.reshape(nb, -1), C.reshape(nb, -1)
    ri, ci = plan["ra"], plan["ca"]
    Bci = Bf[:, f["ci_ri"]].reshape(nb, na, na)
    Qci = Q[:, f["ci_ri"]].reshape(nb, na, na)
    HAA = 2 * (Bci.transpose(0, 2, 1) * Qci + (Cf[:, f["ci_ci"]] * P[:, f["ri_ri"]]).reshape(nb, na, na)
               + Bci * Qci.transpose(0, 2, 1))
    u = np.einsum("bmi,bi->bm", Ut, z) if z is not None else None
    if z is not None:
        bc, ur = bm[:, ci], u[:, ri]
        HAA -= 2 * (Bci.transpose(0, 2, 1) * (bc[:, :, None] * ur[:, None, :])
                    + Bci * (ur[:, :, None] * bc[:, None, :]))
    H[:, f["H_aa"]] = HAA.reshape(nb, -1)
    if plan["any_s"]:
        HAS = 2 * (Bf[:, f["ci_rs"]] * P[:, f["ri_cs"]] + Bf[:, f["ci_cs"]] * P[:, f["ri_rs"]]).reshape(nb, na, ns)
        HAS *= f["half"]
        H[:, f["H_as"]] = HAS.reshape(nb, -1)
        H[:, f["H_sa"]] = HAS.transpose(0, 2, 1).reshape(nb, -1)
    if plan["any_m"] and z is not None:
        HAm = -2 * Bf[:, f["ci_rm"]].reshape(nb, na, nm) * u[:, ri][:, :, None]
        H[:, f["H_am"]] = HAm.reshape(nb, -1)
        H[:, f["H_ma"]] = HAm.transpose(0, 2, 1).reshape(nb, -1)
    return H.reshape(nb, k, k)


def batch_hessian(problem: MLProblem, v, covs, means, consts, weights):
    """(F, dF/dtheta, Hessian of F, 2 x expected information) for stacked row values v
    (nb, nrows) and per-group stacked moments — :func:`loyaltyscope.cbsem.estimate.ml_hessian`
    and :func:`~loyaltyscope.cbsem.estimate.ml_gradient_information` for many data sets at once."""
    nb, q = v.shape[0], problem.ntheta
    F, parts = _batch_F(problem, v, covs, means, consts, weights)
    grad = np.zeros((nb, q))
    hess = np.zeros((nb, q, q))
    fisher = np.zeros((nb, q, q))
    ms = problem.meanstructure
    for g, (lay, (pos, Mmap, plan)) in enumerate(zip(problem.layouts, problem.row_maps)):
        Sigma, mu, Sinv, C, B, M, bm = parts[g]
        p = lay.p
        U, G = B[:, :p, :], C[:, :p, :]
        x, y, dmu = _batch_derivatives(lay, plan, U, G, bm)
        Sstar, z = covs[g], None
        if ms:
            d = means[g] - mu
            Sstar = covs[g] + d[:, :, None] * d[:, None, :]
            z = np.einsum("bij,bj->bi", Sinv, d)
        V = Sinv @ Sstar @ Sinv
        W = Sinv - V
        k = x.shape[2]
        Z = np.concatenate([x, y], axis=2)
        SZ, VZ = Sinv @ Z, V @ Z
        gb = 2 * np.einsum("bpk,bpk->bk", y, SZ[:, :, :k] - VZ[:, :, :k])   # tr(W dSigma_a), W = Sinv - V
        GS = _gram(Z, SZ)
        XX = _pair_traces(GS, GS, k)                                # tr(X_a X_b), X_a = Sigma^-1 dSigma_a
        Hb = 2 * _pair_traces(GS, _gram(Z, VZ), k) - XX             # 2 tr(X_a Y X_b) - tr(X_a X_b)
        Ib = XX.copy()                                              # 2 I = tr(X_a X_b) + 2 mu_a' S^-1 mu_b
        if ms:
            gb -= 2.0 * np.einsum("bkp,bp->bk", dmu, z)
            dmuS = dmu @ Sinv
            xz, yz = np.einsum("bpk,bp->bk", x, z), np.einsum("bpk,bp->bk", y, z)
            dSz = (x * yz[:, None, :] + y * xz[:, None, :]).transpose(0, 2, 1)     # dSigma_a z
            R = dmuS @ dSz.transpose(0, 2, 1)
            mm = 2 * dmuS @ dmu.transpose(0, 2, 1)
            Hb += 2 * (R + R.transpose(0, 2, 1)) + mm
            Ib += mm
        Hb += _batch_second_order(plan, W, z, B, C, bm, U, G)
        grad += weights[g] * (gb @ Mmap)
        hess += weights[g] * (Mmap.T @ Hb @ Mmap)
        fisher += weights[g] * (Mmap.T @ Ib @ Mmap)
    return F, grad, hess, fisher


def _cholesky_ok(H: np.ndarray) -> np.ndarray:
    """Per matrix of the stack: positive definite (Cholesky succeeds)."""
    try:
        np.linalg.cholesky(H)
        return np.ones(len(H), bool)
    except np.linalg.LinAlgError:
        out = np.ones(len(H), bool)
        for b, h in enumerate(H):
            try:
                np.linalg.cholesky(h)
            except np.linalg.LinAlgError:
                out[b] = False
        return out


def newton_batch(prob: MLProblem, theta_hat: np.ndarray, base, covs, means, nobs):
    """Newton from theta_hat for stacked resamples (complete data, linear constraints only).
    Returns (theta (nb, q), F (nb,), converged (nb,) bool); unconverged rows are to be refitted
    by :func:`fit_ml`. The trial point of a step is evaluated with its derivatives, which the
    next iteration reuses when the step is accepted (most are)."""
    nb = base.shape[0]
    K, th0 = prob.K, prob.theta0
    w = np.asarray(nobs, float) / float(sum(nobs))
    consts = [np.linalg.slogdet(S)[1] + S.shape[1] for S in covs]
    phi = np.linalg.lstsq(K, theta_hat - th0, rcond=None)[0]
    phi = np.repeat(phi[None], nb, axis=0)
    done = np.zeros(nb, bool)
    alive = np.ones(nb, bool)              # still iterating in the batch
    Fout = np.full(nb, np.inf)

    identity = K.shape[0] == K.shape[1] and not th0.any() and np.array_equal(K, np.eye(len(K)))

    def to_theta(ph):
        return ph if identity else th0 + ph @ K.T

    def derivs(rows, ph):                  # F, dF/dphi, Hessian and 2 I (phi) at ph for resamples rows
        sub = [c[rows] for c in covs], [m[rows] for m in means], [c[rows] for c in consts]
        F, g, H, I2 = batch_hessian(prob, _batch_values(prob, base[rows], to_theta(ph)), *sub, w)
        if identity:
            return F, g, H, I2
        return F, g @ K, K.T @ H @ K, K.T @ I2 @ K

    def objective(rows, ph):
        sub = [c[rows] for c in covs], [m[rows] for m in means], [c[rows] for c in consts]
        return _batch_F(prob, _batch_values(prob, base[rows], to_theta(ph)), *sub, w)[0]

    q = K.shape[1]
    cF, cg, cH, cI = np.empty(nb), np.empty((nb, q)), np.empty((nb, q, q)), np.empty((nb, q, q))
    all_rows = np.arange(nb)
    cF[:], cg[:], cH[:], cI[:] = derivs(all_rows, phi)
    for _ in range(_NEWTON_MAX):
        idx = np.flatnonzero(alive)
        if not len(idx):
            break
        F, gphi, Hphi, Iphi = cF[idx], cg[idx], cH[idx].copy(), cI[idx]
        gmax = np.abs(gphi).max(axis=1)
        finite = np.isfinite(F) & np.isfinite(gmax) & np.isfinite(Hphi).all(axis=(1, 2))
        conv = finite & (gmax < _TOL)
        Hphi[~finite] = np.eye(q)
        # as the optimiser: Fisher scoring (2 I) far from the optimum, then Newton where the
        # Hessian is positive definite (else Fisher again)
        fisher = gmax > _FISHER_PHASE
        Hphi[fisher] = Iphi[fisher]
        indefinite = ~_cholesky_ok(Hphi)
        Hphi[indefinite] = Iphi[indefinite]
        good = finite & ~conv & _cholesky_ok(Hphi)
        step = np.zeros_like(gphi)
        if good.any():
            step[good] = np.linalg.solve(Hphi[good], -gphi[good][..., None])[..., 0]
        small = np.abs(step).max(axis=1) < 1e-6 * (1 + np.abs(phi[idx]).max(axis=1))
        conv |= good & (gmax < 1e-4) & small
        Fout[idx[conv]] = F[conv]
        done[idx[conv]] = True
        alive[idx[conv]] = False
        alive[idx[~conv & ~good]] = False          # -> full optimiser
        move = good & ~conv
        if not move.any():
            continue
        mi = idx[move]
        F0, st = F[move], step[move]
        slope = np.minimum(np.einsum("bi,bi->b", gphi[move], st), 0.0)
        slack = 1e-15 * np.maximum(1.0, np.abs(F0))
        # full steps: evaluated with derivatives
        dF, dg, dH, dI = derivs(mi, phi[mi] + st)
        accept = np.isfinite(dF) & (dF <= F0 + 1e-4 * slope + slack)
        acc = mi[accept]
        phi[acc] += st[accept]
        cF[acc], cg[acc], cH[acc], cI[acc] = dF[accept], dg[accept], dH[accept], dI[accept]
        # the others: step halving on F alone, then derivatives at the accepted point
        j = np.flatnonzero(~accept)
        if len(j):
            t = np.ones(len(j))
            ok = np.zeros(len(j), bool)
            for _h in range(30):
                todo = np.flatnonzero(~ok)
                if not len(todo):
                    break
                t[todo] *= 0.5
                jj = j[todo]
                Fn = objective(mi[jj], phi[mi[jj]] + t[todo, None] * st[jj])
                ok[todo] = np.isfinite(Fn) & (Fn <= F0[jj] + 1e-4 * t[todo] * slope[jj] + slack[jj])
            alive[mi[j[~ok]]] = False                # line search failed -> full optimiser
            jo = j[ok]
            if len(jo):
                rows = mi[jo]
                phi[rows] += t[ok, None] * st[jo]
                cF[rows], cg[rows], cH[rows], cI[rows] = derivs(rows, phi[rows])
    return to_theta(phi), Fout, done

