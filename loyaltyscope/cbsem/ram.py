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

__all__ = ["RamLayout", "make_layout", "implied", "implied_with_derivatives", "implied_derivatives",
           "paths_inverse"]

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


def _kind_index(layout: RamLayout):
    """Per kind (A, S, m): the table rows and matrix positions, and the identity of size m,
    computed once and cached on the frozen layout (every evaluation of the objective needs them)."""
    cached = layout.__dict__.get("_kind_index")
    if cached is None:
        ka, ks, km = (np.flatnonzero(layout.kind == k) for k in range(3))
        cached = (layout.rows[ka], layout.r[ka], layout.c[ka], layout.rows[ks], layout.r[ks], layout.c[ks],
                  layout.rows[km], layout.r[km], np.eye(layout.m))
        object.__setattr__(layout, "_kind_index", cached)
    return cached


def _matrices(layout: RamLayout, values: np.ndarray):
    m = layout.m
    rows_a, ra, ca, rows_s, rs, cs, rows_m, rm, _eye = _kind_index(layout)
    A = np.zeros((m, m))
    S = np.zeros((m, m))
    M = np.zeros(m)
    A[ra, ca] = values[rows_a]
    vs = values[rows_s]
    S[rs, cs] = vs
    S[cs, rs] = vs
    M[rm] = values[rows_m]
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
    """Return (Sigma, mu, C_full, B, m) for the row values ``values`` of the whole table
    (NaN when (I - A) is singular, see :func:`paths_inverse`)."""
    A, S, M = _matrices(layout, values)
    p = layout.p
    with np.errstate(all="ignore"):
        if _has_loop(layout) or not np.isfinite(A).all():
            B = paths_inverse(A)
        else:
            B = _acyclic_inverse(A, _kind_index(layout)[8], _path_depth(layout))
        C = B @ S @ B.T
        mu = (B @ M)[:p]
    return C[:p, :p], mu, C, B, M


def _acyclic_inverse(A: np.ndarray, eye: np.ndarray, depth: int) -> np.ndarray:
    """(I - A)^-1 = I + A + A^2 + ... + A^depth for paths without loops (A is nilpotent:
    A^(depth + 1) = 0 when the longest chain of paths has ``depth`` steps), by Horner's rule;
    a measurement model (depth 1) gives I + A without any factorisation."""
    B = eye + A
    for _ in range(depth - 1):
        B = eye + A @ B
    return B


def _path_depth(layout: RamLayout) -> int:
    """Number of steps of the longest chain of directed paths (0 without paths), cached on the
    frozen layout; only meaningful without loops (:func:`_has_loop`)."""
    cached = layout.__dict__.get("_depth")
    if cached is None:
        ka = layout.kind == 0
        step = np.zeros((layout.m, layout.m), bool)
        step[layout.r[ka], layout.c[ka]] = True
        reach, cached = step, 0
        while reach.any() and cached <= layout.m:
            cached += 1
            reach = (reach.astype(np.int64) @ step.astype(np.int64)) > 0
        object.__setattr__(layout, "_depth", cached)
    return cached


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
    """Index arrays for :func:`implied_with_derivatives` and :func:`second_order_traces`,
    computed once per layout (including the index grids of the Hessian blocks)."""
    kind, r, c = layout.kind[free_rows], layout.r[free_rows], layout.c[free_rows]
    a, s, mm = kind == 0, kind == 1, kind == 2
    ia, is_, im = np.flatnonzero(a), np.flatnonzero(s), np.flatnonzero(mm)
    ra, ca, rs, cs, rm = r[a], c[a], r[s], c[s], r[mm]
    def ix(i, j):               # np.ix_ of two index vectors, without its generality
        return i[:, None], j[None, :]

    grids = dict(ci_ri=ix(ca, ra), ci_ci=ix(ca, ca), ri_ri=ix(ra, ra), ci_rs=ix(ca, rs), ri_cs=ix(ra, cs),
                 ci_cs=ix(ca, cs), ri_rs=ix(ra, rs), ci_rm=ix(ca, rm), H_aa=ix(ia, ia), H_as=ix(ia, is_),
                 H_sa=ix(is_, ia), H_am=ix(ia, im), H_ma=ix(im, ia),
                 half_s=np.where(rs == cs, 0.5, 1.0)[None, :])
    return dict(a=a, s=s, m=mm, ra=ra, ca=ca, rs=rs, cs=cs, rm=rm, ia=ia, is_=is_, im=im,
                sdiag=(rs == cs)[:, None, None], any_a=bool(a.any()), any_s=bool(s.any()),
                any_m=bool(mm.any()), k=len(free_rows), grids=grids)


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
    return implied_derivatives(layout, values, free_rows, plan)[:6]


def implied_derivatives(layout: RamLayout, values: np.ndarray, free_rows: np.ndarray, plan=None):
    """:func:`implied_with_derivatives` plus the intercept vector m (7 items)."""
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
        ia, ca = plan["ia"], plan["ca"]
        Ui, Gj = U[:, plan["ra"]].T, G[:, ca].T            # (ka, p)
        outer = Ui[:, :, None] * Gj[:, None, :]
        dS[ia] = outer + outer.transpose(0, 2, 1)
        dmu[ia] = Ui * (B @ M)[ca][:, None]
    if plan["any_s"]:
        Ui, Uj = U[:, plan["rs"]].T, U[:, plan["cs"]].T
        outer = Ui[:, :, None] * Uj[:, None, :]
        dS[plan["is_"]] = np.where(plan["sdiag"], outer, outer + outer.transpose(0, 2, 1))
    if plan["any_m"]:
        im = plan["im"]
        dS[im] = 0.0
        dmu[im] = U[:, plan["rm"]].T
    return Sigma, mu, dS, dmu, C, B, M


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
    WU = W @ U
    P = U.T @ WU
    Q = G.T @ WU
    k = plan["k"]
    H = np.zeros((k, k))
    if plan["any_a"]:
        gr = plan["grids"]
        ri, ci = plan["ra"], plan["ca"]
        Bci = B[gr["ci_ri"]]
        Qci = Q[gr["ci_ri"]]
        HAA = 2 * (Bci.T * Qci + C[gr["ci_ci"]] * P[gr["ri_ri"]] + Bci * Qci.T)
        u = None
        if z is not None:
            u = U.T @ z
            bm = B @ M
            bc, ur = bm[ci], u[ri]
            HAA -= 2 * (Bci.T * (bc[:, None] * ur[None, :]) + Bci * (ur[:, None] * bc[None, :]))
        H[gr["H_aa"]] = HAA
        if plan["any_s"]:
            HAS = 2 * (B[gr["ci_rs"]] * P[gr["ri_cs"]] + B[gr["ci_cs"]] * P[gr["ri_rs"]])
            HAS *= gr["half_s"]
            H[gr["H_as"]] = HAS
            H[gr["H_sa"]] = HAS.T
        if plan["any_m"] and z is not None:
            HAm = -2 * B[gr["ci_rm"]] * u[ri][:, None]
            H[gr["H_am"]] = HAm
            H[gr["H_ma"]] = HAm.T
    return H
