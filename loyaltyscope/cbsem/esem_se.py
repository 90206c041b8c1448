"""Standard errors of a rotated ESEM solution, as lavaan 0.6-14 (``lavaan()``, the block after
``lav_model_efa_rotate``): ``rotation.se = "bordered"`` (lavaan's default) or ``"delta"``.

**bordered** (Jennrich 1973; Archer & Jennrich 1973): the rotated model is a model in its own
right, the echelon zeros and within-block covariances of the unrotated form freed (lavaan
``user == 7 | 77``), identified by the rotation criterion's stationarity conditions c(θ*) = 0
(:func:`loyaltyscope.cbsem.esem_rotation.border_constraints`). lavaan borders the information
with their Jacobian C = dc/dθ* (numDeriv, Richardson) and takes the top-left block of the
generalised inverse of [[I + C'C, C'], [C, 0]]; that block equals Z (Z' I Z)^-1 Z' with Z a
basis of the null space of C, which is what is computed here. The information I is that of the
fit (expected; observed under FIML; the MLR/MLM sandwich E^-1 B E^-1 is formed the same way,
with E^-1 bordered)::

    vcov(θ*) = K Z (Z' K' I K Z)^-1 Z' K' / N        (K: the basis of the equality constraints)

**delta**: vcov(r) = J V J' with J = dr/dθ the Jacobian of the rotated values with respect to
the unrotated free parameters (central differences, each point re-rotated from the estimate's
T and converged tightly). lavaan takes forward steps of 0.005 and stops each re-rotation at
GPA's tolerance (1e-5), so its delta standard errors of near-zero geomin cross-loadings carry
a numerical error of a few per cent (up to 3 % on the reference cases); this one is the
accurate derivative.

R equivalent: ``sem(..., rotation.se = "bordered")`` (default) / ``rotation.se = "delta"``.
"""

from __future__ import annotations

import numpy as np

from loyaltyscope.cbsem.estimate import ml_gradient_information
from loyaltyscope.cbsem.expressions import numeric_jacobian
from loyaltyscope.cbsem.esem_rotation import border_constraints, rotate_model
from loyaltyscope.cbsem.robust import observed_information, robust_ml

__all__ = ["bordered_vcov", "delta_jacobian"]


def _null_space(C: np.ndarray) -> np.ndarray:
    if C.shape[0] == 0:
        return np.eye(C.shape[1])
    _u, s, Vt = np.linalg.svd(C)
    rank = int((s > 1e-10 * max(1.0, s.max())).sum())
    return Vt[rank:].T


def bordered_vcov(problem, theta, layouts, blocks, args, estimator: str, ss, df: float):
    """vcov of the rotated free parameters θ* (``problem``: the rotated model's ML problem, its
    ``K`` the equality-constraint basis)."""
    def c_of(th):
        v = problem.base_values.copy()
        fr = problem.free_index >= 0
        v[fr] = th[problem.free_index[fr]]
        return border_constraints(layouts, blocks, v, args)

    C = numeric_jacobian(c_of, theta)
    KZ = problem.K @ _null_space(C @ problem.K)
    N = float(sum(problem.nobs))
    if estimator in ("MLR", "MLM"):
        return robust_ml(problem, theta, ss.data, estimator, df, K=KZ)[0]
    if problem.patterns is not None:
        info = observed_information(problem, theta)
    else:
        info = ml_gradient_information(problem, theta)[2]
    return KZ @ np.linalg.inv(KZ.T @ info @ KZ) @ KZ.T / N


def delta_jacobian(layouts, blocks, base_values, free_index, theta, args, Ts):
    """d(rotated row values)/dθ by central differences, each point re-rotated from the
    estimate's T (``Ts``) and converged tightly."""
    fr = free_index >= 0

    def rot(th):
        v = base_values.copy()
        v[fr] = th[free_index[fr]]
        return rotate_model(layouts, blocks, v, args, T_start=Ts)[0]

    return numeric_jacobian(rot, theta)
