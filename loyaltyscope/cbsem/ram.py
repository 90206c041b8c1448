"""Model-implied moments and their derivatives in the RAM (reticular action model) form.

All variables, observed first then latent, sit in one vector v = A v + e, with
``A`` the directed paths (``=~`` loadings and ``~`` regressions), ``S = cov(e)`` the
(residual) variances and covariances (``~~``), ``m`` the intercepts (``~1``) and ``F`` the
filter that keeps the observed ones (McArdle & McDonald, 1984). With B = (I - A)^-1::

    Sigma = F B S B' F'        mu = F B m

Derivatives (used for the gradient, the expected information and the delta method), with
U = F B and G = F B S B' (observed rows of the full implied covariance C):

    dSigma/dA_ij = U[:, i] G[:, j]' + G[:, j] U[:, i]'      dmu/dA_ij = U[:, i] (B m)_j
    dSigma/dS_ij = U[:, i] U[:, j]' + U[:, j] U[:, i]'      dmu/dm_i  = U[:, i]

The numbers equal lavaan's LISREL-form matrices (Lambda, Theta, Psi, Beta, nu, alpha):
both are exact representations of the same moment structure.

Pure functions over arrays; :class:`RamLayout` records where each table row goes.

Non-recursive models (loops of directed paths) are allowed, but when the path coefficients
make (I - A) singular (a loop whose coefficients multiply to 1, e.g. ``y1 ~ 1*y2; y2 ~ 1*y1``)
the model implies no covariance matrix: :func:`implied` then returns NaN matrices (never a
``LinAlgError``), so that the optimiser treats the point as impossible (F = inf, the step is
halved) and :mod:`loyaltyscope.cbsem.model_checks` can name the loop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["RamLayout", "make_layout", "implied", "implied_with_derivatives", "paths_inverse"]

# (I - A) is taken as singular when its condition number exceeds this (the inverse would
# carry no correct digit).
SINGULAR_CONDITION = 1e14


@dataclass(frozen=True)
class RamLayout:
    """Positions of one group's parameter-table rows in the RAM matrices.

    ``rows`` are positions in the full table; each ``*_idx`` array indexes ``rows``.
    ``names`` = observed then latent variable names; ``p`` observed, ``m`` total.
    """

    names: tuple[str, ...]
    p: int
    rows: np.ndarray           # table row positions of this group (A, S, M rows concatenated)
    kind: np.ndarray           # 0 = A, 1 = S, 2 = m
    r: np.ndarray              # matrix row (A: dependent, S: lhs, m: variable)
    c: np.ndarray              # matrix column (A: predictor, S: rhs, m: unused 0)

    @property
    def m(self) -> int:
        return len(self.names)


def make_layout(table, group: int, ov_names, lv_names) -> RamLayout:
    """Layout of ``group``'s rows (ops ``=~ ~ ~~ ~1``) of a parameter table."""
    names = tuple(ov_names) + tuple(lv_names)
    pos = {n: i for i, n in enumerate(names)}
    rows, kind, r, c = [], [], [], []
    g = np.asarray(table["group"])
    for k, (lhs, op, rhs) in enumerate(zip(table["lhs"], table["op"], table["rhs"])):
        if g[k] != group:
            continue
        if op == "=~":
            rows.append(k), kind.append(0), r.append(pos[rhs]), c.append(pos[lhs])
        elif op in ("~", "<~"):     # f <~ x: composite weight, a path x -> f as lavaan 0.6
            rows.append(k), kind.append(0), r.append(pos[lhs]), c.append(pos[rhs])
        elif op == "~~":
            rows.append(k), kind.append(1), r.append(pos[lhs]), c.append(pos[rhs])
        elif op == "~1":
            rows.append(k), kind.append(2), r.append(pos[lhs]), c.append(0)
    return RamLayout(names, len(ov_names), np.array(rows, int), np.array(kind, int),
                     np.array(r, int), np.array(c, int))


def _matrices(layout: RamLayout, values: np.ndarray):
    m = layout.m
    A = np.zeros((m, m))
    S = np.zeros((m, m))
    M = np.zeros(m)
    v = values[layout.rows]
    ka, ks, km = layout.kind == 0, layout.kind == 1, layout.kind == 2
    A[layout.r[ka], layout.c[ka]] = v[ka]
    S[layout.r[ks], layout.c[ks]] = v[ks]
    S[layout.c[ks], layout.r[ks]] = v[ks]
    M[layout.r[km]] = v[km]
    return A, S, M


def paths_inverse(A: np.ndarray) -> np.ndarray:
    """B = (I - A)^-1, or NaN where (I - A) is singular or the values are not finite; ``A``
    is one (m, m) matrix or a stack (nb, m, m) (one per bootstrap resample).

    A model without loops (acyclic A) is always invertible; only loops of paths can fail.
    R equivalent: lavaan's ``lav_matrix_inverse(IB)`` in ``computeSigmaHat``, which stops
    with an error instead."""
    if A.ndim == 3:
        out = np.full(A.shape, np.nan)
        ok = np.isfinite(A).all(axis=(1, 2))
        if ok.any():
            IA = np.eye(A.shape[1]) - A[ok]
            try:
                with np.errstate(all="ignore"):
                    B = np.linalg.inv(IA)
            except np.linalg.LinAlgError:
                B = np.stack([paths_inverse(a) for a in A[ok]])
            good = np.isfinite(B).all(axis=(1, 2)) & (np.linalg.cond(IA) <= SINGULAR_CONDITION)
            B[~good] = np.nan
            out[ok] = B
        return out
    m = A.shape[0]
    IA = np.eye(m) - A
    if not np.isfinite(A).all():
        return np.full((m, m), np.nan)
    try:
        with np.errstate(all="ignore"):
            B = np.linalg.inv(IA)
    except np.linalg.LinAlgError:
        return np.full((m, m), np.nan)
    if not np.isfinite(B).all() or (A.any() and np.linalg.cond(IA) > SINGULAR_CONDITION):
        return np.full((m, m), np.nan)
    return B


def implied(layout: RamLayout, values: np.ndarray):
    """Return (Sigma, mu, C_full, B) for the row values ``values`` of the whole table
    (NaN when (I - A) is singular, see :func:`paths_inverse`)."""
    A, S, M = _matrices(layout, values)
    B = paths_inverse(A) if _has_loop(layout) or not np.isfinite(A).all() else np.linalg.inv(np.eye(layout.m) - A)
    with np.errstate(all="ignore"):
        C = B @ S @ B.T
    p = layout.p
    with np.errstate(all="ignore"):
        mu = (B @ M)[:p]
    return C[:p, :p], mu, C, B, M


def _has_loop(layout: RamLayout) -> bool:
    """Whether the directed paths of the layout contain a loop (then (I - A) may be singular),
    cached on the frozen layout."""
    cached = layout.__dict__.get("_loop")
    if cached is None:
        ka = layout.kind == 0
        cached = bool(find_loops(layout.m, layout.r[ka], layout.c[ka]))
        object.__setattr__(layout, "_loop", cached)
    return cached


def find_loops(m: int, dependent, predictor) -> list[list[int]]:
    """Strongly connected sets of variables (size > 1, or a variable with a path to itself)
    in the graph of directed paths predictor -> dependent (Tarjan's algorithm, iterative)."""
    succ = [[] for _ in range(m)]
    self_loop = set()
    for r, c in zip(dependent, predictor):
        succ[int(c)].append(int(r))
        if r == c:
            self_loop.add(int(r))
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = 0
    for root in range(m):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            v, i = work.pop()
            if i == 0:
                index[v] = low[v] = counter
                counter += 1
                stack.append(v)
                on.add(v)
            if i < len(succ[v]):
                work.append((v, i + 1))
                w = succ[v][i]
                if w not in index:
                    work.append((w, 0))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1 or v in self_loop:
                    out.append(sorted(comp))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
    return out


def derivative_plan(layout: RamLayout, free_rows: np.ndarray):
    """Index arrays for :func:`implied_with_derivatives`, computed once per layout."""
    kind, r, c = layout.kind[free_rows], layout.r[free_rows], layout.c[free_rows]
    a, s, mm = kind == 0, kind == 1, kind == 2
    return dict(a=a, s=s, m=mm, ra=r[a], ca=c[a], rs=r[s], cs=c[s], rm=r[mm],
                sdiag=(r[s] == c[s])[:, None, None], any_a=bool(a.any()), any_s=bool(s.any()),
                any_m=bool(mm.any()), k=len(free_rows))


def implied_with_derivatives(layout: RamLayout, values: np.ndarray, free_rows: np.ndarray, plan=None):
    """Implied moments and their derivatives with respect to the given table rows.

    Parameters
    ----------
    free_rows : positions in ``layout.rows`` (0..len(rows)-1) to differentiate.
    plan : :func:`derivative_plan` of (layout, free_rows), to skip recomputing index arrays.

    Returns
    -------
    Sigma (p, p), mu (p,), dSigma (k, p, p), dmu (k, p), C (m, m), B (m, m)
    """
    if plan is None:
        plan = derivative_plan(layout, free_rows)
    Sigma, mu, C, B, M = implied(layout, values)
    p = layout.p
    U = B[:p, :]
    G = C[:p, :]
    k = plan["k"]
    dS = np.empty((k, p, p))
    dmu = np.zeros((k, p))
    if plan["any_a"]:
        a = plan["a"]
        Ui, Gj = U[:, plan["ra"]].T, G[:, plan["ca"]].T            # (ka, p)
        outer = Ui[:, :, None] * Gj[:, None, :]
        dS[a] = outer + outer.transpose(0, 2, 1)
        dmu[a] = Ui * (B @ M)[plan["ca"]][:, None]
    if plan["any_s"]:
        Ui, Uj = U[:, plan["rs"]].T, U[:, plan["cs"]].T
        outer = Ui[:, :, None] * Uj[:, None, :]
        dS[plan["s"]] = np.where(plan["sdiag"], outer, outer + outer.transpose(0, 2, 1))
    if plan["any_m"]:
        dS[plan["m"]] = 0.0
        dmu[plan["m"]] = U[:, plan["rm"]].T
    return Sigma, mu, dS, dmu, C, B


def second_order_traces(layout: RamLayout, plan, W: np.ndarray, z: np.ndarray | None, B, C, M):
    """The part of the Hessian of F that needs second derivatives of the implied moments:
    ``H2[a, b] = tr(W d2Sigma/da db) - 2 (d2mu/da db)' z`` for the free rows of ``plan``
    (W = Sigma^-1 - Sigma^-1 S* Sigma^-1, z = Sigma^-1 (ybar - mu), or None without means;
    B = (I - A)^-1, C = B S B', M the intercept vector, from :func:`implied`).

    With U = F B, G = F C (C = B S B'), P = U' W U, Q = G' W U, u = U' z, b = B m, for rows
    a = A[i, j], b = A[k, l], S[k, l], m[k]::

        AA: 2 (B_li Q_jk + C_lj P_ki + B_jk Q_li) - 2 (B_li b_j u_k + B_jk b_l u_i)
        AS: 2 (B_jk P_li + B_jl P_ki) (halved when k = l)
        Am: -2 B_jk u_i;   SS, Sm, mm: 0
    """
    p = layout.p
    U = B[:p, :]
    G = C[:p, :]
    P = U.T @ W @ U
    Q = G.T @ W @ U
    k = plan["k"]
    H = np.zeros((k, k))
    a, s, mm = plan["a"], plan["s"], plan["m"]
    ri, ci = plan["ra"], plan["ca"]
    if plan["any_a"]:
        Bci = B[np.ix_(ci, ri)]
        Qci = Q[np.ix_(ci, ri)]
        HAA = 2 * (Bci.T * Qci + C[np.ix_(ci, ci)] * P[np.ix_(ri, ri)] + Bci * Qci.T)
        if z is not None:
            u = U.T @ z
            bm = B @ M
            HAA -= 2 * (Bci.T * (bm[ci][:, None] * u[ri][None, :]) + Bci * (u[ri][:, None] * bm[ci][None, :]))
        H[np.ix_(a, a)] = HAA
        if plan["any_s"]:
            rs, cs = plan["rs"], plan["cs"]
            HAS = 2 * (B[np.ix_(ci, rs)] * P[np.ix_(ri, cs)] + B[np.ix_(ci, cs)] * P[np.ix_(ri, rs)])
            HAS *= np.where(rs == cs, 0.5, 1.0)[None, :]
            H[np.ix_(a, s)] = HAS
            H[np.ix_(s, a)] = HAS.T
        if plan["any_m"] and z is not None:
            u = U.T @ z
            HAm = -2 * B[np.ix_(ci, plan["rm"])] * u[ri][:, None]
            H[np.ix_(a, mm)] = HAm
            H[np.ix_(mm, a)] = HAm.T
    return H
