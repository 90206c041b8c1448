"""Factor rotations as psych::fa calls them: GPArotation's gradient projection, stats::varimax,
psych's Kaiser-normalised Promax.

What each name means (psych 2.2.9 ``fa(rotate = ...)``):

==============  ======================================================================
``none``        no rotation
``varimax``     ``stats::varimax`` (Kaiser normalisation, the classical SVD algorithm,
                stop when the criterion grows by less than 1e-5 relative)
``Varimax``     ``GPArotation::Varimax`` (orthogonal GPA on the varimax criterion, *no*
                Kaiser normalisation — a different solution from ``varimax``)
``quartimax``   ``GPArotation::quartimax`` (orthogonal GPA, no normalisation)
``equamax``     ``psych::equamax`` = ``GPArotation::cfT`` with kappa = k / (2 p)
``geominT``     ``GPArotation::geominT`` (orthogonal, delta = 0.01)
``promax``      ``psych::kaiser(rotate = "Promax")``: rows normalised by sqrt(h²), varimax,
                target ``L |L|^(m-1)`` (m = 4), least-squares fit, columns rescaled so that
                the factors have unit variance, rows de-normalised; Phi = U⁻¹U⁻ᵀ. This
                differs from ``stats::promax``, which builds the target from loadings that
                were *not* row-normalised.
``Promax``      ``psych::Promax``: the same steps without the row normalisation (stats'
                varimax still normalises internally), as ``stats::promax``
``oblimin``     ``GPArotation::oblimin`` (oblique GPA, gamma = 0, i.e. quartimin)
``quartimin``   ``GPArotation::quartimin``
``geominQ``     ``GPArotation::geominQ`` (oblique, delta = 0.01); ``geomin`` is an alias
==============  ======================================================================

``Quartimax`` is taken as ``quartimax`` (psych 2.2.9 does not know the name and leaves the
solution unrotated with a message).

The gradient projection algorithms (GPForth / GPFoblq) follow Bernaards & Jennrich (2005):
step ``T - α G_p`` projected back to orthogonal (SVD) or unit-length-column (oblique)
matrices, α doubled each iteration and halved until the criterion decreases by at least
``½ s² α``; stop when the norm ``s`` of the projected gradient is below ``eps`` (1e-5) or after
1,000 iterations — the same steps and stopping rule as GPArotation 2022.10, so a solution
started from the identity matrix (psych's single start) is psych's solution.

Why written here rather than using ``factor_analyzer.Rotator``: the Rotator always starts
from the identity (no start matrix, hence no random starts), stops after 500 instead of 1,000
iterations, has no orthogonal geomin with psych's normalisation, and its promax is not
psych's Kaiser-normalised Promax. The criteria below are a few lines each; the test suite
checks them against GPArotation's numbers through psych's reference solutions (and against
``factor_analyzer.Rotator`` for oblimin).

Random starts (``n_starts > 1``): start 0 is the identity (psych's), the others are random
orthogonal matrices (Q of the QR decomposition of a standard normal matrix, as
``GPArotation::Random.Start``) from ``numpy.random.default_rng(seed)``; the solution with the
smallest criterion among the converged ones is the best, the identity start winning ties
(criteria within 1e-6 relative count as equal). Local optima are real: on the 25 bfi items
geominQ with 8 factors and geominT with 6 have random starts reaching lower criteria than the
identity start that psych uses. :func:`loyaltyscope.psychometrics.exploratory` by default reports psych's
(identity-start) solution and warns, with both criterion values, when another start is
better; ``keep="best"`` reports the better one.

References: Bernaards, C. A. & Jennrich, R. I. (2005), Gradient projection algorithms and
software for arbitrary rotation criteria in factor analysis, *Educational and Psychological
Measurement* 65, 676–696. Kaiser, H. F. (1958), The varimax criterion. Hendrickson, A. E. &
White, P. O. (1964), Promax. Yates, A. (1987), geomin. Crawford, C. B. & Ferguson, G. A.
(1970), equamax as a member of the Crawford–Ferguson family.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyaltyscope.numerics.display import ResultProtocol

__all__ = ["ROTATIONS", "ORTHOGONAL", "OBLIQUE", "RotationResult", "rotate", "canonical_rotation", "gpa_orthogonal", "gpa_oblique",
           "varimax_kaiser", "promax_kaiser", "criterion"]

ORTHOGONAL = ("varimax", "Varimax", "quartimax", "equamax", "geominT")
OBLIQUE = ("promax", "Promax", "oblimin", "quartimin", "geominQ")
ROTATIONS = ("none",) + ORTHOGONAL + OBLIQUE
_ALIASES = {"geomin": "geominQ", "geomint": "geominT", "geominq": "geominQ", "Quartimax": "quartimax"}


def canonical_rotation(name: str) -> str:
    """The rotation name as psych spells it (``geomin`` → ``geominQ``, ``Quartimax`` → ``quartimax``)."""
    return _ALIASES.get(name, name)


# ---- criteria: (f, dQ/dL) --------------------------------------------------------------------

def _oblimin(L, gam=0.0):
    L2 = L * L
    X = L2.sum(axis=1, keepdims=True) - L2            # L² (1 - I): row sums without own column
    if gam != 0:
        X = X - gam * X.mean(axis=0, keepdims=True)
    return float((L2 * X).sum() / 4), L * X


def _quartimax(L):
    L2 = L * L
    return float(-(L2 * L2).sum() / 4), -L2 * L


def _varimax(L):
    L2 = L * L
    QL = L2 - L2.mean(axis=0, keepdims=True)
    return float(-(QL * QL).sum() / 4), -L * QL


def _cf(L, kappa):
    L2 = L * L
    rowx = L2.sum(axis=1, keepdims=True) - L2          # L² N
    colx = L2.sum(axis=0, keepdims=True) - L2          # M L²
    f = (1 - kappa) * (L2 * rowx).sum() / 4 + kappa * (L2 * colx).sum() / 4
    return float(f), (1 - kappa) * L * rowx + kappa * L * colx


def _geomin(L, delta=0.01):
    k = L.shape[1]
    L2 = L * L + delta
    pro = np.exp(np.log(L2).sum(axis=1) / k)
    return float(pro.sum()), (2.0 / k) * (L / L2) * pro[:, None]


def criterion(method: str, p: int, k: int, delta: float = 0.01):
    """The GPA criterion function ``L -> (f, gradient)`` of a rotation name."""
    method = _ALIASES.get(method, method)
    if method in ("oblimin", "quartimin"):
        return _oblimin
    if method == "quartimax":
        return _quartimax
    if method in ("varimax", "Varimax"):
        return _varimax
    if method == "equamax":
        kappa = k / (2.0 * p)
        return lambda L: _cf(L, kappa)
    if method in ("geominT", "geominQ"):
        return lambda L: _geomin(L, delta)
    raise ValueError(f"no GPA criterion for rotation {method!r}")


# ---- gradient projection ------------------------------------------------------------------------

def gpa_orthogonal(A: np.ndarray, crit, T: np.ndarray | None = None, eps: float = 1e-5, maxit: int = 1000):
    """Orthogonal GPA (GPArotation::GPForth, no normalisation). Returns (L, T, f, converged, iterations)."""
    k = A.shape[1]
    T = np.eye(k) if T is None else T.copy()
    L = A @ T
    f, Gq = crit(L)
    G = A.T @ Gq
    al = 1.0
    s = np.inf
    it = 0
    for it in range(maxit + 1):
        M = T.T @ G
        Gp = G - T @ ((M + M.T) / 2)
        s = np.sqrt((Gp * Gp).sum())
        if s < eps:
            break
        al *= 2
        for _ in range(11):
            u, _d, vt = np.linalg.svd(T - al * Gp)
            Tt = u @ vt
            L = A @ Tt
            ft, Gqt = crit(L)
            if ft < f - 0.5 * s * s * al:
                break
            al /= 2
        T, f = Tt, ft
        G = A.T @ Gqt
    return L, T, f, bool(s < eps), it


def gpa_oblique(A: np.ndarray, crit, T: np.ndarray | None = None, eps: float = 1e-5, maxit: int = 1000):
    """Oblique GPA (GPArotation::GPFoblq, no normalisation). L = A (T⁻¹)ᵀ, Phi = TᵀT.

    Returns (L, T, f, converged, iterations).
    """
    k = A.shape[1]
    T = np.eye(k) if T is None else T.copy()
    Ti = np.linalg.inv(T)
    L = A @ Ti.T
    f, Gq = crit(L)
    G = -(L.T @ Gq @ Ti).T
    al = 1.0
    s = np.inf
    it = 0
    for it in range(maxit + 1):
        Gp = G - T * (T * G).sum(axis=0)
        s = np.sqrt((Gp * Gp).sum())
        if s < eps:
            break
        al *= 2
        for _ in range(11):
            X = T - al * Gp
            Tt = X / np.sqrt((X * X).sum(axis=0))
            Tti = np.linalg.inv(Tt)
            L = A @ Tti.T
            ft, Gqt = crit(L)
            if f - ft > 0.5 * s * s * al:
                break
            al /= 2
        T, f = Tt, ft
        G = -(L.T @ Gqt @ Tti).T
    return L, T, f, bool(s < eps), it


# ---- varimax (stats) and promax (psych) --------------------------------------------------------------

def varimax_kaiser(A: np.ndarray, T: np.ndarray | None = None, eps: float = 1e-5, maxit: int = 1000):
    """``stats::varimax(A, normalize = TRUE, eps = 1e-5)``, optionally from a start rotation.

    Rows are scaled to unit length, then ``T ← UVᵀ`` from the SVD of
    ``Xᵀ(Z³ - Z diag(1ᵀZ²)/p)`` until the sum of singular values grows by less than ``eps``
    (relative). Returns (L, T, f, converged, iterations) with f the (negative) varimax
    criterion of the normalised loadings.
    """
    p, k = A.shape
    sc = np.sqrt((A * A).sum(axis=1))
    sc = np.where(sc > 0, sc, 1.0)
    x = A / sc[:, None]
    TT = np.eye(k) if T is None else T.copy()
    d = 0.0
    converged = False
    i = 0
    for i in range(1, maxit + 1):
        z = x @ TT
        B = x.T @ (z ** 3 - z * ((z * z).sum(axis=0) / p))
        u, sv, vt = np.linalg.svd(B)
        TT = u @ vt
        dpast, d = d, sv.sum()
        if d < dpast * (1 + eps):
            converged = True
            break
    z = x @ TT
    f, _ = _varimax(z)
    return z * sc[:, None], TT, f, converged, i


def promax_kaiser(A: np.ndarray, m: float = 4.0, normalize: bool = True):
    """psych's ``promax``: ``kaiser(A, rotate = "Promax")`` with ``Promax(m = 4)``.

    h_i = sqrt(Σ_j a_ij²); X = A/h; V = varimax(X) (stats); target Q = V|V|^(m-1);
    U = (VᵀV)⁻¹VᵀQ; U ← U diag(sqrt(diag((UᵀU)⁻¹))); loadings = h · V U; the full
    transformation is R U with R the varimax rotation, and Phi = U⁻¹U⁻ᵀ.
    ``normalize=False`` is psych's ``Promax`` (h = 1: the target is built from the varimax
    loadings of A itself). Returns (L, U_full, Phi).
    """
    h = np.sqrt((A * A).sum(axis=1)) if normalize else np.ones(A.shape[0])
    h = np.where(h > 0, h, 1.0)
    W = A / h[:, None]
    V, R, _f, _c, _i = varimax_kaiser(W)
    Q = V * np.abs(V) ** (m - 1)
    U = np.linalg.lstsq(V, Q, rcond=None)[0]
    d = np.diag(np.linalg.inv(U.T @ U))
    U = U * np.sqrt(d)[None, :]
    z = V @ U
    Ufull = R @ U
    ui = np.linalg.inv(Ufull)
    phi = ui @ ui.T
    return z * h[:, None], Ufull, phi


# ---- front ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RotationResult(ResultProtocol):
    """A rotated solution.

    ``loadings`` = pattern matrix; ``phi`` = factor correlations (identity for orthogonal
    rotations); ``rotmat`` = T (orthogonal: L = A T; oblique GPA: L = A (T⁻¹)ᵀ, Phi = TᵀT;
    promax: L = A U); ``criterion`` at the returned solution; ``start_criteria`` per start
    (start 0 is the identity, psych's only start); ``best_start`` the start with the lowest
    criterion (returned unless ``keep="identity"``).
    """

    method: str
    orthogonal: bool
    loadings: np.ndarray
    phi: np.ndarray
    rotmat: np.ndarray
    criterion: float
    converged: bool
    iterations: int
    n_starts: int
    best_start: int
    start_criteria: tuple

    @property
    def title(self) -> str:
        return f"{self.method} rotation ({'orthogonal' if self.orthogonal else 'oblique'})"

    @property
    def warnings(self) -> tuple[str, ...]:
        return () if self.converged else (f"{self.method} did not converge in {self.iterations} iterations",)

    def _headline(self) -> list[str]:
        return [f"criterion {self.criterion:.6g}; {self.n_starts} start(s), best at start {self.best_start}"]

    def tables(self) -> dict[str, pd.DataFrame]:
        names = [f"F{j + 1}" for j in range(self.loadings.shape[1])]
        return {"loadings": pd.DataFrame(self.loadings, columns=names),
                "phi": pd.DataFrame(self.phi, index=names, columns=names)}


def _random_orthogonal(rng, k):
    q, r = np.linalg.qr(rng.standard_normal((k, k)))
    return q


def rotate(A: np.ndarray, method: str = "oblimin", *, n_starts: int = 1, seed: int | None = None,
           keep: str = "best", eps: float = 1e-5, maxit: int = 1000, delta: float = 0.01) -> RotationResult:
    """Rotate an unrotated loading matrix ``A`` (p × k) as psych::fa would.

    Parameters
    ----------
    A : array (p, k)
        Unrotated loadings.
    method : str
        One of :data:`ROTATIONS` (``geomin`` = ``geominQ``).
    n_starts : int
        Number of starts; the first is the identity (psych), the rest random orthogonal
        matrices drawn with ``seed``. Not used by ``none`` and ``promax`` (deterministic).
    keep : {"best", "identity"}
        Which start's solution to return: the lowest criterion, or the identity start's
        (psych's) — the other starts then only diagnose local optima (``start_criteria``,
        ``best_start``).
    eps, maxit, delta
        GPArotation's convergence tolerance, iteration limit and geomin delta.

    R equivalent: ``GPArotation::oblimin(A)`` etc.; ``psych::kaiser(A, "Promax")`` for promax,
    ``psych::Promax(A)`` for Promax; ``stats::varimax(A)`` for varimax, ``GPArotation::Varimax(A)``
    for Varimax.
    """
    method = _ALIASES.get(method, method)
    if method not in ROTATIONS:
        raise ValueError(f"rotation {method!r} is not available; choose one of {', '.join(ROTATIONS)} "
                         f"(or 'geomin' for geominQ)")
    p, k = A.shape
    eye = np.eye(k)
    if method == "none" or k < 2:
        return RotationResult(method, True, A.copy(), eye, eye, float("nan"), True, 0, 1, 0, ())
    if method in ("promax", "Promax"):
        L, U, phi = promax_kaiser(A, normalize=method == "promax")
        return RotationResult(method, False, L, phi, U, float("nan"), True, 0, 1, 0, ())
    rng = np.random.default_rng(seed)
    starts = [None] + [_random_orthogonal(rng, k) for _ in range(max(int(n_starts), 1) - 1)]
    orth = method in ORTHOGONAL
    results = []
    for T0 in starts:
        if method == "varimax":
            results.append(varimax_kaiser(A, T0, eps=eps, maxit=maxit))
        elif orth:
            results.append(gpa_orthogonal(A, criterion(method, p, k, delta), T0, eps=eps, maxit=maxit))
        else:
            results.append(gpa_oblique(A, criterion(method, p, k, delta), T0, eps=eps, maxit=maxit))
    crits = tuple(float(r[2]) for r in results)
    best = 0
    for i, r in enumerate(results):
        ok_best = results[best][3]
        # a lower criterion counts only beyond the convergence noise of GPA (eps = 1e-5 on the gradient)
        margin = 1e-6 * max(1.0, abs(results[best][2]))
        if (r[3] and not ok_best) or (r[3] == ok_best and r[2] < results[best][2] - margin):
            best = i
    if keep not in ("best", "identity"):
        raise ValueError(f"keep={keep!r}: expected 'best' or 'identity'")
    L, T, f, conv, its = results[best if keep == "best" else 0]
    phi = eye if orth else T.T @ T
    return RotationResult(method, orth, L, phi, T, float(f), conv, its, len(starts), best, crits)
