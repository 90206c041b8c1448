"""Labels, defined parameters and constraints as functions of the free parameters, shared by
every estimator (ML, DWLS, the bootstrap).

- ``values_of(theta)``: label -> value (the first row carrying the label; fixed rows their
  ``ustart``), then every ``:=`` definition evaluated in order.
- ``h(theta) = lhs - rhs`` of the ``==`` constraints; ``ineq(theta) >= 0`` for ``<``/``>``.
- Linear equality constraints ``J theta + c = 0`` become a basis ``theta = theta0 + K phi``
  (K spans the null space of J from its SVD, ``theta0 = -J^+ c``): the optimiser works on phi
  and standard errors come from ``K (K' I K)^-1 K'`` (lavaan's ``lav_constraints``; R:
  ``lavaan:::lav_constraints_parse``, the ``ceq.simple`` route).
"""

from __future__ import annotations

import numpy as np

from loyaltyscope.cbsem.estimates import label_rows
from loyaltyscope.cbsem.expressions import numeric_jacobian

__all__ = ["constraint_functions", "linear_basis", "constraint_labels"]


def constraint_functions(spec, table, ntheta: int, row_values=None):
    """``(values_of, h, ineq)``; h / ineq are None without such constraints.

    ``row_values(theta)``: every row's value (estimators that compute some rows, as DWLS its
    residual variances); default: free rows from theta, fixed rows their ``ustart``.
    """
    labels = label_rows(table)
    free = np.asarray(table["free"]) - 1
    ustart = np.asarray(table["ustart"], dtype=float)

    def values_of(theta):
        if row_values is not None:
            rv = row_values(theta)
            vals = {lab: rv[k] for lab, k in labels.items()}
        else:
            vals = {lab: (theta[free[k]] if free[k] >= 0 else ustart[k]) for lab, k in labels.items()}
        for name, expr in spec.definitions:
            vals[name] = expr.evaluate(vals)
        return vals

    eqs = [(l, r) for l, op, r in spec.constraints if op == "=="]
    ineqs = [(l, op, r) for l, op, r in spec.constraints if op != "=="]

    def h(theta):
        v = values_of(theta)
        return np.array([l.evaluate(v) - r.evaluate(v) for l, r in eqs])

    def ineq(theta):
        v = values_of(theta)
        return np.array([(l.evaluate(v) - r.evaluate(v)) if op == ">" else (r.evaluate(v) - l.evaluate(v))
                         for l, op, r in ineqs])

    return values_of, (h if eqs else None), (ineq if ineqs else None)


def linear_basis(h, ntheta: int):
    """If h(theta) = J theta + c is linear, ``(K, theta0, True)`` with theta = theta0 + K phi;
    else ``(I, 0, False)``. Linearity is checked by the Jacobian at two fixed random points."""
    if h is None:
        return np.eye(ntheta), np.zeros(ntheta), True
    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(size=ntheta), rng.normal(size=ntheta)
    J1, J2 = numeric_jacobian(h, x1), numeric_jacobian(h, x2)
    if not np.allclose(J1, J2, atol=1e-6):
        return np.eye(ntheta), np.zeros(ntheta), False
    c = h(np.zeros(ntheta))
    _, s, Vt = np.linalg.svd(J1)
    rank = int((s > 1e-8 * max(1.0, s.max() if s.size else 1.0)).sum())
    K = Vt[rank:].T
    theta0 = -np.linalg.pinv(J1) @ c
    return K, theta0, True


def constraint_labels(spec) -> set:
    """Every label or defined name a constraint uses."""
    used = set()
    for l, _, r in spec.constraints:
        used |= set(l.names) | set(r.names)
    return used
