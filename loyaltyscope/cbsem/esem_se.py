"""Standard errors of a rotated ESEM solution, as lavaan 0.6-14 (``lavaan()``, the block after
``lav_model_efa_rotate``): ``rotation.se = "bordered"`` (lavaan's default) or ``"delta"``.

**bordered** (Jennrich 1973; Archer & Jennrich 1973): the rotated model is a model in its own
right, the echelon zeros and within-block covariances of the unrotated form freed (lavaan
``user == 7 | 77``), identified by the rotation criterion's stationarity conditions c(θ*) = 0
(:func:`loyaltyscope.cbsem.esem_rotation.border_constraints`). lavaan borders the information
with their Jacobian C = dc/dθ* (numDeriv, Richardson) and takes the top-left block of the
generalised inverse of [[I + C'C, C'], [C, 0]]; that block equals Z (Z' I Z)^-1 Z' with Z a
basis of the null space of C, which is what is computed here. The information I is that of the
fit (expected; observed under FIML; the MLR/MLM sandwich E^-1 B E^-1 and the WLSMV one
E^-1 D'WΓWD E^-1 are formed the same way, with E^-1 bordered)::

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
from loyaltyscope.cbsem.estimators.dwls import _information as dwls_information, robust_vcov as dwls_robust_vcov
from loyaltyscope.cbsem.robust import observed_information, robust_ml

__all__ = ["row_values_fn", "bordered_basis", "bordered_vcov_ml", "bordered_vcov_dwls", "delta_jacobian"]


def _null_space(C: np.ndarray) -> np.ndarray:
    if C.shape[0] == 0:
        return np.eye(C.shape[1])
    _u, s, Vt = np.linalg.svd(C)
    rank = int((s > 1e-10 * max(1.0, s.max())).sum())
    return Vt[rank:].T


def row_values_fn(base_values, free_index):
    """θ -> every table row's value (free rows from θ, the others as in ``base_values``)."""
    fr = free_index >= 0

    def values(th):
        v = base_values.copy()
        v[fr] = th[free_index[fr]]
        return v
    return values


def bordered_basis(values, theta, K, layouts, blocks, args) -> np.ndarray:
    """K Z: the directions of θ* the rotation constraints leave free (Z spans the null space of
    dc/dθ* K); ``values(θ*)`` gives the row values (DWLS: with the computed residual variances
    of ordered items, as lavaan's ``lav_model_set_parameters``)."""
    C = numeric_jacobian(lambda th: border_constraints(layouts, blocks, values(th), args), theta)
    return K @ _null_space(C @ K)


def bordered_vcov_ml(problem, theta, KZ, estimator: str, ss):
    """vcov of θ* for ML/MLR/MLM (``problem``: the rotated model's ML problem)."""
    N = float(sum(problem.nobs))
    if estimator in ("MLR", "MLM"):
        return robust_ml(problem, theta, ss.data, estimator, 1.0, K=KZ)[0]
    if problem.patterns is not None:
        info = observed_information(problem, theta)
    else:
        info = ml_gradient_information(problem, theta)[2]
    return KZ @ np.linalg.inv(KZ.T @ info @ KZ) @ KZ.T / N


def bordered_vcov_dwls(model, theta, KZ, estimator: str, ss):
    """vcov of θ* for DWLS/WLSMV (``model``: the rotated model's
    :class:`~loyaltyscope.cbsem.estimators.dwls.OrdinalModel`): the robust.sem sandwich with
    the bordered E^-1 = K Z (Z' K' E K Z)^-1 Z' K'."""
    mom = model.moments(theta)
    Einv = KZ @ np.linalg.inv(KZ.T @ dwls_information(model, ss, mom) @ KZ) @ KZ.T
    return dwls_robust_vcov(model, ss, mom, Einv) if estimator == "WLSMV" else Einv / (ss.ntotal - ss.ngroups)


def delta_jacobian(layouts, blocks, values, theta, args, Ts):
    """d(rotated row values)/dθ by central differences, each point re-rotated from the
    estimate's T (``Ts``) and converged tightly; ``values(θ)``: the unrotated row values."""
    return numeric_jacobian(lambda th: rotate_model(layouts, blocks, values(th), args, T_start=Ts)[0], theta)
