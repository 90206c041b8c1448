"""The theta parameterization of ordinal items (lavaan's ``parameterization = "theta"``).

In the delta parameterization (the default, :mod:`loyaltyscope.cbsem.estimators.dwls`) the
scale factors ``delta`` of the latent responses y* are parameters (fixed to 1 in the first
group) and the residual variances of y* follow from them. In the theta parameterization the
roles swap, as lavaan 0.6-14 (``lav_partable_flat``, ``computeDelta``):

- the residual variances ``y ~~ y`` of the ordered items are parameters: fixed to 1, and free
  in the groups after the first when the thresholds are held equal (``group.equal`` with
  ``"thresholds"``, where the delta parameterization frees the scales instead);
- the scales ``y ~*~ y`` are computed: ``delta = diag(Sigma)^-1/2`` with ``Sigma`` the
  RAM-implied covariance of y* (reported with SE 0, as lavaan);
- the model statistics are the same functions of (Sigma, mu, tau, delta) as in the delta
  parameterization: ``((tau - mu) delta, vech_offdiag(D Sigma D))``. Their Jacobian includes
  the dependence of delta on every parameter: ``d delta_i = -delta_i^3 dSigma_ii / 2``.

Estimates of the two parameterizations map one to one; the test statistics and fit measures
are the same (lavaan's too, up to its convergence tolerance).

R equivalent: ``lavaan::cfa(model, data, ordered = items, parameterization = "theta")``.
"""

from __future__ import annotations

import numpy as np

from loyaltyscope.cbsem.estimators.dwls import OrdinalModel
from loyaltyscope.cbsem.partable import number_free_rows
from loyaltyscope.cbsem.ram import implied

__all__ = ["theta_partable", "ThetaModel"]


def theta_partable(table: dict, ordered, ngroups: int, group_equal=()) -> dict:
    """Turn the delta-parameterization table of ``ordinal_partable`` into lavaan's theta one:
    scales fixed (computed), ordered residual variances fixed to 1 (free in groups 2.. with
    equal thresholds). Free parameters are renumbered."""
    op, lhs, rhs, grp = (np.asarray(table[c]) for c in ("op", "lhs", "rhs", "group"))
    free = np.asarray(table["free"]) > 0
    ust = np.asarray(table["ustart"], float).copy()
    scale = op == "~*~"
    free[scale], ust[scale] = False, 1.0
    resv = (op == "~~") & (lhs == rhs) & np.isin(lhs, list(ordered))
    open_ = resv & (grp > 1) & (ngroups > 1) & ("thresholds" in tuple(group_equal))
    free[resv] = open_[resv]
    ust[resv] = np.where(open_[resv], np.nan, 1.0)
    out = dict(table)
    out["ustart"] = ust
    out["free"] = number_free_rows(free.astype(int), table["label"])
    return out


class ThetaModel(OrdinalModel):
    """:class:`~loyaltyscope.cbsem.estimators.dwls.OrdinalModel` with the scales computed from
    the implied variances (see the module docstring)."""

    def values(self, theta: np.ndarray) -> np.ndarray:
        vals = self.base.copy()
        vals[self.free_rows] = theta[self.free[self.free_rows]]
        for gr in self.groups:
            Sig = implied(gr["layout"], vals)[0]
            with np.errstate(invalid="ignore", divide="ignore"):   # a trial step with a variance <= 0:
                vals[gr["d_rows"]] = 1.0 / np.sqrt(np.diag(Sig)[gr["d_var"]])   # NaN, the step is halved
        return vals

    def moments(self, theta: np.ndarray, jacobian: bool = True):
        """The delta-parameterization statistics at the computed scales; the Jacobian adds the
        terms of the scales' dependence on the parameters (``d delta_i = -delta_i^3 dSigma_ii / 2``)."""
        out = super().moments(theta, jacobian)
        if not jacobian:
            return out
        I, J = self.I, self.J
        for gr, res in zip(self.groups, out):
            if not len(gr["fpos"]):
                continue
            dS, delta, Sig, dv, tv = res["dSigma"], res["delta"], res["Sigma"], gr["d_var"], gr["th_var"]
            dd = np.zeros((len(gr["fpos"]), self.p))
            dd[:, dv] = -0.5 * delta[dv] ** 3 * dS[:, dv, dv]
            tau = res["vals"][gr["th_rows"]]
            dth = (tau - res["mu"][tv]) * dd[:, tv]
            dcor = Sig[I, J] * (dd[:, I] * delta[J] + delta[I] * dd[:, J])
            np.add.at(res["jac"].T, gr["ftheta"], np.concatenate([dth, dcor], axis=1))
        return out
