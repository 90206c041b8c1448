"""The FIML discrepancy, its gradient, expected information and analytic Hessian, batched over
the missing-data patterns of each size (one batched Cholesky per size instead of a Python loop
per pattern).

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

__all__ = ["pattern_batches", "pattern_inverses", "fiml_objective", "fiml_gradient", "fiml_hessian"]

_CHUNK_BYTES = 64 * 2 ** 20     # per chunk of patterns: the (patterns, k, m, m) derivative stack


def pattern_batches(problem) -> tuple:
    """FIML blocks stacked by group and number of observed variables: per batch
    (g, observed index (nb, m), weights (nb,), S_p (nb, m, m), ybar_p (nb, m))."""
    p_g = [S.shape[0] for S in problem.covs]
    by_key: dict = {}
    for g, obs, w, S, ybar, _const in problem.blocks:
        o = np.arange(p_g[g]) if obs is None else np.asarray(obs)
        by_key.setdefault((g, len(o)), []).append((o, w, S, ybar))
    return tuple((g, np.stack([b[0] for b in bl]), np.array([b[1] for b in bl]),
                  np.stack([b[2] for b in bl]), np.stack([b[3] for b in bl]))
                 for (g, _m), bl in by_key.items())


def _chunks(obs, k):
    """Slices of a batch whose (patterns, k, m, m) derivative stack stays under _CHUNK_BYTES."""
    m = obs.shape[1]
    step = max(1, int(_CHUNK_BYTES // max(8 * k * m * m, 1)))
    return [slice(lo, lo + step) for lo in range(0, len(obs), step)]


def pattern_inverses(Sigma, mu, obs, S, ybar):
    """Per pattern of a batch: (F_p, Sigma_p^-1, z_p, Y_p, W_p) with d_p = ybar_p - mu[o_p],
    z_p = Sigma_p^-1 d_p, Y_p = Sigma_p^-1 (S_p + d_p d_p'), W_p = Sigma_p^-1 - Y_p Sigma_p^-1 and
    F_p = log|Sigma_p| + tr Y_p; None when some Sigma_p is not positive definite."""
    try:
        L = np.linalg.cholesky(Sigma[obs[:, :, None], obs[:, None, :]])
    except np.linalg.LinAlgError:
        return None
    Linv = np.linalg.inv(L)
    Sinv = np.swapaxes(Linv, 1, 2) @ Linv
    d = ybar - mu[obs]
    z = np.einsum("bij,bj->bi", Sinv, d)
    Y = Sinv @ (S + d[:, :, None] * d[:, None, :])
    F = 2.0 * np.log(np.diagonal(L, axis1=1, axis2=2)).sum(axis=1) + np.trace(Y, axis1=1, axis2=2)
    return F, Sinv, z, Y, Sinv - Y @ Sinv


def fiml_objective(problem, implied_g) -> float:
    """F = sum_p w_p F_p from each group's implied (Sigma, mu); inf if some Sigma_p is not
    positive definite."""
    total = 0.0
    for g, obs, w, S, ybar in problem.pattern_batches:
        terms = pattern_inverses(implied_g[g][0], implied_g[g][1], obs, S, ybar)
        if terms is None or not np.all(np.isfinite(terms[0])):
            return np.inf
        total += float(w @ terms[0])
    return total


def fiml_gradient(problem, per_group, with_info: bool = False):
    """(F, per group the gradient w.r.t. its free table rows, per group the expected information
    or None) from ``per_group`` = (Sigma, mu, dSigma, dmu, ...). The gradient is linear in W_p and
    z_p, so they are summed (embedded in p x p, p) before one product with dSigma and dmu; the
    information is ``sum_p w_p [1/2 tr(X_a X_b) + mu_a' Sigma_p^-1 mu_b]`` (X_a = Sigma_p^-1
    Sigma_a). (inf, None, None) if some Sigma_p is not positive definite."""
    F = 0.0
    W_sum = [np.zeros(pg[0].shape) for pg in per_group]
    z_sum = [np.zeros(pg[0].shape[0]) for pg in per_group]
    info = [np.zeros((pg[2].shape[0],) * 2) for pg in per_group] if with_info else None
    for g, obs, w, S, ybar in problem.pattern_batches:
        terms = pattern_inverses(per_group[g][0], per_group[g][1], obs, S, ybar)
        if terms is None or not np.all(np.isfinite(terms[0])):
            return np.inf, None, None
        Fb, Sinv, z, _Y, W = terms
        F += float(w @ Fb)
        np.add.at(W_sum[g], (obs[:, :, None], obs[:, None, :]), w[:, None, None] * W)
        np.add.at(z_sum[g], obs, w[:, None] * z)
        if with_info:
            info[g] += _information_terms(Sinv, per_group[g][2], per_group[g][3], obs, w)
    rows = [pg[2].reshape(pg[2].shape[0], -1) @ W_sum[g].ravel() - 2.0 * pg[3] @ z_sum[g]
            for g, pg in enumerate(per_group)]
    return F, rows, info


def _information_terms(Sinv, dS, dmu, obs, w):
    """sum_p w_p I_p over the patterns of one batch, chunked to bound the derivative stack."""
    k, m = dS.shape[0], obs.shape[1]
    out = np.zeros((k, k))
    for sl in _chunks(obs, k):
        o, b = obs[sl], len(obs[sl])
        X = Sinv[sl][:, None] @ np.moveaxis(dS[:, o[:, :, None], o[:, None, :]], 0, 1)
        I = 0.5 * (X.reshape(b, k, m * m) @ np.swapaxes(X, 2, 3).reshape(b, k, m * m).transpose(0, 2, 1))
        dmuo = np.moveaxis(dmu[:, o], 0, 1)
        I += (dmuo @ Sinv[sl]) @ np.swapaxes(dmuo, 1, 2)
        out += np.tensordot(w[sl], I, axes=1)
    return out


def _pattern_terms(Sigma, mu, dS, dmu, obs, w, S, ybar):
    """Sum over the patterns of one batch of w_p * (first-order Hessian terms), and the
    weighted W_p and z_p embedded in the group's p x p (p)."""
    p = Sigma.shape[0]
    k, m = dS.shape[0], obs.shape[1]
    H = np.zeros((k, k))
    W_sum = np.zeros((p, p))
    z_sum = np.zeros(p)
    for sl in _chunks(obs, k):
        o, wc = obs[sl], w[sl]
        terms = pattern_inverses(Sigma, mu, o, S[sl], ybar[sl])
        if terms is None:
            raise np.linalg.LinAlgError("an implied covariance matrix of a missing-data pattern is not "
                                        "positive definite at the estimates")
        _F, Sinv, z, Y, W = terms
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
                                          _matrices(gr["lay"], v)[2])
        hess += gr["M"].T @ H @ gr["M"]
    return hess
