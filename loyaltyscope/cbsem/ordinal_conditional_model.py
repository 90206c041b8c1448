"""The DWLS model of ordinal items given observed covariates (lavaan's ``conditional.x``).

The covariates stay in the RAM model as fixed exogenous variables (their variances,
covariances and means fixed at the sample values, lavaan's ``exo`` rows). From the implied
moments ``Sigma``, ``mu`` of (y*, x) the statistics given x follow by the normal regression
identities (equal to lavaan's LISREL ``computePI`` / ``computeTH`` / ``res.cov``):

- slopes ``PI = Sigma_yx Sigma_xx^-1`` (lavaan: ``Lambda (I - B)^-1 Gamma``),
- residual covariance ``R = Sigma_yy - PI Sigma_xy``,
- intercepts at x = 0: ``m0 = mu_y - PI mu_x`` (lavaan: ``nu + Lambda (I - B)^-1 alpha``),

and per group ``sigma_g = ((tau - m0) delta, vec(delta PI), vech_offdiag(D R D))`` in the order
of :mod:`loyaltyscope.cbsem.ordinal_conditional`. Delta parameterization: the residual
variances of the items are ``1/delta^2 - diag(R | theta_ii = 0)`` (lavaan's
``setResidualElements`` on the conditional covariance). The Jacobian differentiates these with
``dPI = dSigma_yx Sigma_xx^-1``, ``dR = dSigma_yy - dPI Sigma_xy - (dPI Sigma_xy)'``,
``dm0 = dmu_y - dPI mu_x`` (Sigma_xx and mu_x are fixed); the computed residual variances are
held constant, as lavaan's ``computeDelta``.

Because the covariates are in the RAM model, the full implied covariance of (y*, x, latent)
gives lavaan's ``std.all`` (the covariates' variances are the sample ones, divisor n - 1).

R equivalent: ``lavaan:::lav_model_wls_est`` with ``conditional.x = TRUE``,
``lavInspect(fit, "implied")`` (``res.th``, ``res.slopes``, ``res.cov``).
"""

from __future__ import annotations

import numpy as np

from loyaltyscope.cbsem.estimators.dwls import OrdinalModel, add_direct_derivatives
from loyaltyscope.cbsem.ordinal_conditional import ConditionalStats
from loyaltyscope.cbsem.ram import implied, implied_with_derivatives

__all__ = ["ConditionalOrdinalModel", "conditional_model", "start_moments", "scale_rows_std_all"]


class ConditionalOrdinalModel(OrdinalModel):
    """Implied ``(thresholds, slopes, residual correlations)`` and their Jacobian.

    ``p`` is the number of items, ``q`` of covariates, ``n_uni = T + p q`` the number of
    threshold and slope rows before the correlations."""

    def __init__(self, table: dict, ov_names, y_names, x_names, lv_names, nlevels: dict, ngroups: int):
        ov = list(ov_names)
        pos = {v: i for i, v in enumerate(ov)}
        super().__init__(table, ov, lv_names, {**{x: 1 for x in x_names}, **nlevels}, ngroups)
        self.yi = np.array([pos[v] for v in y_names], int)
        self.xi = np.array([pos[v] for v in x_names], int)
        py, self.q = len(self.yi), len(self.xi)
        ymap = np.full(len(ov), -1)
        ymap[self.yi] = np.arange(py)
        for gr in self.groups:
            keep = ymap[gr["res_var"]] >= 0
            gr["res_rows"], gr["res_var"] = gr["res_rows"][keep], ymap[gr["res_var"][keep]]
            gr["d_var"], gr["th_var"] = ymap[gr["d_var"]], ymap[gr["th_var"]]
        self.p = py
        self.I = np.array([i for j in range(py) for i in range(j + 1, py)], int)
        self.J = np.array([j for j in range(py) for i in range(j + 1, py)], int)
        self.n_uni = self.T + py * self.q
        self.nvar = py + self.q

    def _conditional(self, Sig, mu):
        yi, xi = self.yi, self.xi
        Sxx_inv = np.linalg.inv(Sig[np.ix_(xi, xi)])
        Syx = Sig[np.ix_(yi, xi)]
        PI = Syx @ Sxx_inv
        R = Sig[np.ix_(yi, yi)] - PI @ Syx.T
        return PI, R, mu[yi] - PI @ mu[xi], Syx, Sxx_inv

    def _diagonal(self, layout, vals) -> np.ndarray:
        """Implied variances of the items given the covariates (residual variances at 0): the
        diagonal of ``R``, which the delta parameterization sets to ``1/delta^2``."""
        Sig0, mu0 = implied(layout, vals)[:2]
        return np.diag(self._conditional(Sig0, mu0)[1])

    def moments(self, theta: np.ndarray, jacobian: bool = True):
        """Per group: dict(est, jac, Sigma_star (scaled residual correlations), Sigma_joint
        (implied covariance of (y* scaled, x) in model order), C, delta, mu, vals)."""
        vals = self.values(theta)
        out = []
        p, I, J = self.p, self.I, self.J
        for gr in self.groups:
            Sig, mu, dS, dmu, C = _group_moments(gr, vals, jacobian)
            PI, R, m0, Syx, Sxx_inv = self._conditional(Sig, mu)
            delta = _scales(gr, vals, p)
            tau, tv = vals[gr["th_rows"]], gr["th_var"]
            Rstar = R * np.outer(delta, delta)
            est = np.concatenate([(tau - m0[tv]) * delta[tv], (PI * delta[:, None]).ravel(order="F"),
                                  Rstar[I, J]])
            scale = np.ones(len(Sig))
            scale[self.yi] = delta
            res = dict(est=est, Sigma_star=Rstar, Sigma_joint=Sig * np.outer(scale, scale), C=C, delta=delta,
                       mu=mu, vals=vals)
            if jacobian:
                res["jac"] = self._jacobian(gr, dS, dmu, mu, PI, R, m0, Syx, Sxx_inv, delta, tau)
            out.append(res)
        return out

    def _jacobian(self, gr, dS, dmu, mu, PI, R, m0, Syx, Sxx_inv, delta, tau):
        T, p, q, I, J = self.T, self.p, self.q, self.I, self.J
        yi, xi = self.yi, self.xi
        tv = gr["th_var"]
        jac = np.zeros((self.n_uni + len(I), self.ntheta))
        if len(gr["fpos"]):
            dPI = dS[:, yi][:, :, xi] @ Sxx_inv
            dPS = dPI @ Syx.T
            dR = dS[:, yi][:, :, yi] - dPS - dPS.transpose(0, 2, 1)
            dm0 = dmu[:, yi] - dPI @ mu[xi]
            k = dS.shape[0]
            block = np.concatenate([-(dm0[:, tv] * delta[tv]),
                                    (dPI * delta[None, :, None]).transpose(0, 2, 1).reshape(k, p * q),
                                    dR[:, I, J] * (delta[I] * delta[J])], axis=1)
            np.add.at(jac.T, gr["ftheta"], block)
        add_direct_derivatives(jac, self.free, gr, delta, tau, m0, R, I, J, self.n_uni)
        for k, v in zip(gr["d_rows"], gr["d_var"]):      # free scales: d (delta_v PI_v) / d delta_v
            if self.free[k] >= 0:
                jac[T + v + p * np.arange(q), self.free[k]] += PI[v]
        return jac


def _group_moments(gr, vals, jacobian: bool):
    """(Sigma, mu, dSigma, dmu, C) of one group's RAM model; no derivatives (None) without jacobian."""
    if not jacobian:
        Sig, mu, C = implied(gr["layout"], vals)[:3]
        return Sig, mu, None, None, C
    Sig, mu, dS, dmu, C = implied_with_derivatives(gr["layout"], vals, gr["fpos"], gr["plan"])[:5]
    return Sig, mu, dS, dmu, C


def _scales(gr, vals, p: int) -> np.ndarray:
    """The items' scale factors delta (1 unless a ``~*~`` row says otherwise)."""
    delta = np.ones(p)
    delta[gr["d_var"]] = vals[gr["d_rows"]]
    return delta


def conditional_model(spec, table: dict, ss: ConditionalStats) -> ConditionalOrdinalModel:
    """Fill the covariates' fixed rows (``x ~~ x``, ``x ~1``) with the sample values and build
    the model (``table`` is changed in place)."""
    ov = list(spec.ov_names)
    x_names = list(ss.x_names)
    y_names = [v for v in ov if v not in set(x_names)]
    xpos = {v: i for i, v in enumerate(x_names)}
    ops, lhs, rhs, grp = (np.asarray(table[c]) for c in ("op", "lhs", "rhs", "group"))
    ust = table["ustart"]
    for k in np.flatnonzero(np.isin(lhs, x_names) & (table["exo"] == 1)):
        g = grp[k] - 1
        if ops[k] == "~~" and rhs[k] in xpos:
            ust[k] = ss.cov_x[g][xpos[lhs[k]], xpos[rhs[k]]]
        elif ops[k] == "~1":
            ust[k] = ss.mean_x[g][xpos[lhs[k]]]
    return ConditionalOrdinalModel(table, ov, y_names, x_names, spec.lv_names,
                                   dict(zip(y_names, ss.nlevels)), ss.ngroups)


def start_moments(mdl: ConditionalOrdinalModel, ss: ConditionalStats):
    """Per group the sample's (y*, x) covariance and means in model order, for the start values."""
    order = np.concatenate([mdl.yi, mdl.xi])
    covs, means = [], []
    for g in range(ss.ngroups):
        S = np.empty_like(ss.joint[g])
        S[np.ix_(order, order)] = ss.joint[g]
        m = np.zeros(len(order))
        m[mdl.xi] = ss.mean_x[g]
        covs.append(S), means.append(m)
    return covs, means


def scale_rows_std_all(params):
    """lavaan standardizes a scale row ``y ~*~ y`` by the conditional sd of y* (``1/delta``), so
    its ``std.all`` is 1 given covariates (``lav_standardize_all`` on ``res.cov``)."""
    params = params.copy()
    params.loc[params["op"] == "~*~", "std_all"] = 1.0
    return params
