"""The expected information and the analytic Hessian of the FIML discrepancy, batched over
the missing-data patterns of each size.

Expected information (per unit N, as in :mod:`loyaltyscope.cbsem.estimate`)::

    I_ab = sum_p w_p [ 1/2 tr(Sigma_p^-1 Sigma_a,p Sigma_p^-1 Sigma_b,p) + mu_a,p' Sigma_p^-1 mu_b,p ]

The Hessian (the observed information under missing data) follows.

Why by hand: no library differentiates a structural-equation likelihood; lavaan itself takes
this Hessian by 4-point numerical differences of its analytic gradient
(``lavaan:::lav_model_hessian``), which costs four gradient evaluations per parameter. The
analytic form below gives the same matrix (to the accuracy of lavaan's differences) at the
cost of about one gradient evaluation per missing-data pattern.

With the FIML discrepancy F = sum_p w_p F_p over the patterns p (rows with the same observed
variables o_p; w_p = n_p / N), F_p = log|Sigma_p| + tr(S_p Sigma_p^-1) + d_p' Sigma_p^-1 d_p,
Sigma_p = Sigma[o_p, o_p], d_p = ybar_p - mu[o_p], the Hessian of each F_p has the complete-data
form (see :func:`loyaltyscope.cbsem.estimate.ml_hessian`)::

    H_ab = tr(W Sigma_ab) - tr(X_a X_b) + 2 tr(X_a Y X_b) + 2 (R_ab + R_ba)
           + 2 mu_a' Sigma^-1 mu_b - 2 mu_ab' z

restricted to o_p (X_a = Sigma_p^-1 Sigma_a[o_p, o_p], Y = Sigma_p^-1 S*_p, z = Sigma_p^-1 d_p,
R_ab = mu_a' Sigma_p^-1 Sigma_b z). The terms with second derivatives of the implied moments are
linear in W_p and z_p, so they are taken once per group from sum_p w_p W_p and sum_p w_p z_p
(embedded in p x p); the others are batched over the patterns of each size.

Observed information = H / 2 (lavaan's ``observed.information = "hessian"``, h1 "structured").
R equivalent: ``lavInspect(fit, "information.observed")`` with ``missing = "ml"``.
"""

from __future__ import annotations

import numpy as np

from loyaltyscope.cbsem.ram import _matrices, implied_with_derivatives, second_order_traces

__all__ = ["fiml_hessian", "fiml_information"]

_CHUNK_BYTES = 64 * 2 ** 20     # per chunk of patterns: the (patterns, k, m, m) derivative stack


def _pattern_terms(Sigma, mu, dS, dmu, obs, w, S, ybar):
    """Sum over the patterns of one batch of w_p * (first-order Hessian terms), and the
    weighted W_p and z_p embedded in the group's p x p (p)."""
    p = Sigma.shape[0]
    k, m = dS.shape[0], obs.shape[1]
    H = np.zeros((k, k))
    W_sum = np.zeros((p, p))
    z_sum = np.zeros(p)
    step = max(1, int(_CHUNK_BYTES // max(8 * k * m * m, 1)))
    for lo in range(0, len(obs), step):
        o, wc, Sc, yc = obs[lo:lo + step], w[lo:lo + step], S[lo:lo + step], ybar[lo:lo + step]
        Sig = Sigma[o[:, :, None], o[:, None, :]]
        L = np.linalg.cholesky(Sig)
        Linv = np.linalg.inv(L)
        Sinv = np.swapaxes(Linv, 1, 2) @ Linv
        d = yc - mu[o]
        z = np.einsum("bij,bj->bi", Sinv, d)
        Y = Sinv @ (Sc + d[:, :, None] * d[:, None, :])
        W = Sinv - Y @ Sinv
        np.add.at(W_sum, (o[:, :, None], o[:, None, :]), wc[:, None, None] * W)
        np.add.at(z_sum, o, wc[:, None] * z)
        dSo = np.moveaxis(dS[:, o[:, :, None], o[:, None, :]], 0, 1)       # (b, k, m, m)
        dmuo = np.moveaxis(dmu[:, o], 0, 1)                                 # (b, k, m)
        X = Sinv[:, None] @ dSo
        Z = 2.0 * (Y[:, None] @ X) - X
        b = len(o)
        Hb = X.reshape(b, k, m * m) @ np.swapaxes(Z, 2, 3).reshape(b, k, m * m).transpose(0, 2, 1)
        mS = dmuo @ Sinv                                                    # (b, k, m)
        V = (dSo @ z[:, None, :, None])[..., 0]                             # (b, k, m): Sigma_b z
        R = mS @ np.swapaxes(V, 1, 2)
        Hb += 2.0 * (R + np.swapaxes(R, 1, 2)) + 2.0 * mS @ np.swapaxes(dmuo, 1, 2)
        H += np.tensordot(wc, Hb, axes=1)
    return H, W_sum, z_sum


def fiml_hessian(problem, theta: np.ndarray) -> np.ndarray:
    """Hessian of the FIML discrepancy F w.r.t. theta (``problem``: an
    :class:`~loyaltyscope.cbsem.estimate.MLProblem` with missing-data patterns)."""
    from loyaltyscope.cbsem.estimate import row_values

    v = row_values(problem, theta)
    groups = []
    for lay, (pos, M, plan) in zip(problem.layouts, problem.row_maps):
        Sigma, mu, dS, dmu, C, B = implied_with_derivatives(lay, v, pos, plan)
        k = dS.shape[0]
        groups.append({"lay": lay, "plan": plan, "M": M, "Sigma": Sigma, "mu": mu, "dS": dS, "dmu": dmu,
                       "C": C, "B": B, "H": np.zeros((k, k)), "W": np.zeros(Sigma.shape),
                       "z": np.zeros(Sigma.shape[0])})
    for g, obs, w, S, ybar in problem.pattern_batches:
        gr = groups[g]
        H, W, z = _pattern_terms(gr["Sigma"], gr["mu"], gr["dS"], gr["dmu"], obs, w, S, ybar)
        gr["H"] += H
        gr["W"] += W
        gr["z"] += z
    hess = np.zeros((problem.ntheta, problem.ntheta))
    for gr in groups:
        H = gr["H"] + second_order_traces(gr["lay"], gr["plan"], gr["W"], gr["z"], gr["B"], gr["C"],
                                          _matrices(gr["lay"], row_values(problem, theta))[2])
        hess += gr["M"].T @ H @ gr["M"]
    return hess


def _chunks(obs, k):
    m = obs.shape[1]
    step = max(1, int(_CHUNK_BYTES // max(8 * k * m * m, 1)))
    return [slice(lo, lo + step) for lo in range(0, len(obs), step)]


def fiml_information(problem, per_group) -> list:
    """Per group, the expected information w.r.t. that group's free table rows (k_g x k_g),
    summed over the patterns with their weights; ``per_group``: (Sigma, mu, dSigma, dmu, ...)
    per group at the current estimates. None when some Sigma_p is not positive definite."""
    out = [np.zeros((pg[2].shape[0], pg[2].shape[0])) for pg in per_group]
    for g, obs, w, _S, _ybar in problem.pattern_batches:
        Sigma, _mu, dS, dmu = per_group[g][:4]
        k, m = dS.shape[0], obs.shape[1]
        for sl in _chunks(obs, k):
            o, wc = obs[sl], w[sl]
            b = len(o)
            try:
                Sinv = np.linalg.inv(Sigma[o[:, :, None], o[:, None, :]])
            except np.linalg.LinAlgError:
                return None
            X = Sinv[:, None] @ np.moveaxis(dS[:, o[:, :, None], o[:, None, :]], 0, 1)
            Xr = X.reshape(b, k, m * m)
            I = 0.5 * (Xr @ np.swapaxes(X, 2, 3).reshape(b, k, m * m).transpose(0, 2, 1))
            dmuo = np.moveaxis(dmu[:, o], 0, 1)
            I += (dmuo @ Sinv) @ np.swapaxes(dmuo, 1, 2)
            out[g] += np.tensordot(wc, I, axes=1)
    return out
