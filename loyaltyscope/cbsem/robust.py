"""Robust standard errors and scaled test statistics for ML on non-normal data.

Notation per group g (N_g cases, f_g = N_g / N), with h1 = the saturated model in the
parametrisation (mu, vech Sigma), Delta = d(mu, vech Sigma)/d theta of the structured model:

- casewise scores of the h1 log-likelihood at (Sigma0, mu0), d_i = x_i - mu0::

      s_mu,i = Sigma0^-1 d_i,   s_sigma,i[jl] = M_i[jl] * (1/2 if j == l else 1),
      M_i = Sigma0^-1 d_i d_i' Sigma0^-1 - Sigma0^-1

- A1 = expected h1 information (block diagonal: Sigma^-1 and 1/2 tr(Sigma^-1 E_k Sigma^-1 E_l)),
  B1 = (1/N_g) sum_i s_i s_i' (first-order information);
- B0_g = Delta' B1(model-implied moments) Delta, E = the information of theta (observed =
  Hessian of -loglik / N for MLR, expected for MLM).

MLR (lavaan ``se = "robust.huber.white"``, ``test = "yuan.bentler.mplus"``)::

    vcov  = E^-1 (sum_g f_g B0_g) E^-1 / N
    c     = sum_g [ tr(B1_g A1_g^-1) - f_g tr(B0_g E^-1) ] / df      (A1, B1 at the sample moments)

MLM (``se = "robust.sem"``, ``test = "satorra.bentler"``), with Gamma_g the asymptotic covariance
of the sample moments and A1 at the model-implied moments::

    vcov  = E^-1 (sum_g f_g Delta' A1 Gamma A1 Delta) E^-1 / N
    c     = sum_g f_g [ tr(A1 Gamma) - tr(E^-1 Delta' A1 Gamma A1 Delta) ] / df   (E expected)

``chisq.scaled = chisq / c``. Robust CFI/TLI/RMSEA (Brosseau-Liard & Savalei 2014; Savalei
2018) replace df by c * df in the non-centrality (lavaan's ``lav_fit_cfi``/``lav_fit_rmsea``).

References: Yuan & Bentler (2000); Satorra & Bentler (1994); lavaan 0.6 ``lav_test_yuan_bentler.R``,
``lav_test_satorra_bentler.R``, ``lav_model_vcov.R``.
R equivalent: ``sem(..., estimator = "MLR")`` / ``"MLM"``.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import block_diag

from loyaltyscope.cbsem.estimate import MLProblem, group_derivatives, ml_gradient_information, ml_hessian
from loyaltyscope.cbsem.fiml_derivatives import fiml_hessian
from loyaltyscope.numerics.threads import single_blas_thread

__all__ = ["observed_information", "robust_ml", "fiml_corrected", "sample_gamma"]


def _vech_idx(p):
    r, c = np.tril_indices(p)
    return r, c


def _h1_scores(X, Sigma0, mu0, meanstructure):
    """Casewise h1 scores (N, p [+] p*) at (Sigma0, mu0)."""
    Sinv = np.linalg.inv(Sigma0)
    D = X - mu0
    Z = D @ Sinv                                      # rows: Sigma^-1 d_i
    r, c = _vech_idx(Sigma0.shape[0])
    half = np.where(r == c, 0.5, 1.0)
    s_sigma = (Z[:, r] * Z[:, c] - Sinv[r, c]) * half
    return np.hstack([Z, s_sigma]) if meanstructure else s_sigma


def _h1_scores_missing(X, Sigma0, mu0):
    """Casewise h1 scores (N, p + p*) under missing data: each case contributes through its
    observed variables only (zeros elsewhere)."""
    n, p = X.shape
    r, c = _vech_idx(p)
    half = np.where(r == c, 0.5, 1.0)
    out = np.zeros((n, p + len(r)))
    obs = ~np.isnan(X)
    keys, inverse = np.unique(obs, axis=0, return_inverse=True)
    pos = {(a, b): k for k, (a, b) in enumerate(zip(r, c))}
    for k, key in enumerate(keys):
        rows = np.flatnonzero(inverse.ravel() == k)
        o = np.flatnonzero(key)
        Sinv = np.linalg.inv(Sigma0[np.ix_(o, o)])
        Z = (X[np.ix_(rows, o)] - mu0[o]) @ Sinv
        out[np.ix_(rows, o)] = Z
        ro, co = np.tril_indices(len(o))
        cols = p + np.array([pos[(o[a], o[b])] for a, b in zip(ro, co)], dtype=int)
        out[np.ix_(rows, cols)] = (Z[:, ro] * Z[:, co] - Sinv[ro, co]) * half[cols - p]
    return out


def _pair_traces(A, B, r, c):
    """Q[a, b] = tr(A E_a B E_b) over the vech indices a = (r, c) for symmetric A, B, with
    E_a = e_j e_l' + e_l e_j' (j != l) or e_j e_j'; tr(A e_p e_q' B e_s e_t') = A[t, p] B[q, s]."""
    w = np.where(r == c, 0.5, 1.0)
    Q = (A[np.ix_(r, c)] * B[np.ix_(c, r)] + A[np.ix_(r, r)] * B[np.ix_(c, c)]
         + A[np.ix_(c, c)] * B[np.ix_(r, r)] + A[np.ix_(c, r)] * B[np.ix_(r, c)])
    return Q * np.outer(w, w)


def _h1_observed_info_missing(X, Sigma0, mu0):
    """Observed information of the saturated model under missing data, per case (the mean over
    the N cases), in the (mu, vech Sigma) parametrisation, analytic and pattern by pattern
    (lavaan: ``lav_mvnorm_missing_information_observed_samplestats``).

    For the n_k cases of a pattern with observed variables o, S_k = Sigma_o^-1 (embedded in
    p x p with zeros), z_i = S_k (x_io - mu_o), W_k = sum_i z_i z_i', zbar_k = sum_i z_i and
    E_a the symmetric unit direction of vech element a::

        I_mu,mu     = sum_k n_k S_k / N
        I_mu,sig_b  = sum_k S_k E_b zbar_k / N
        I_sig_a,b   = sum_k [ tr(W_k E_a S_k E_b) - n_k / 2 tr(S_k E_a S_k E_b) ] / N

    (minus the mean Hessian of the casewise log-likelihood -1/2 log|Sigma_o| - 1/2 d' Sigma_o^-1 d).
    """
    n, p = X.shape
    r, c = _vech_idx(p)
    w = np.where(r == c, 0.5, 1.0)
    obs = ~np.isnan(X)
    keys, inverse = np.unique(obs, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    I_mm = np.zeros((p, p))
    I_ms = np.zeros((p, len(r)))
    I_ss = np.zeros((len(r), len(r)))
    for k, key in enumerate(keys):
        o = np.flatnonzero(key)
        if len(o) == 0:
            continue
        rows = np.flatnonzero(inverse == k)
        Sf = np.zeros((p, p))
        Sf[np.ix_(o, o)] = np.linalg.inv(Sigma0[np.ix_(o, o)])
        Z = np.zeros((len(rows), p))
        Z[:, o] = (X[np.ix_(rows, o)] - mu0[o]) @ Sf[np.ix_(o, o)]
        W = Z.T @ Z
        zbar = Z.sum(axis=0)
        nk = len(rows)
        I_mm += nk * Sf
        I_ms += (Sf[:, r] * zbar[c] + Sf[:, c] * zbar[r]) * w
        I_ss += _pair_traces(W, Sf, r, c) - nk / 2 * _pair_traces(Sf, Sf, r, c)
    H = np.block([[I_mm, I_ms], [I_ms.T, I_ss]]) / n
    return (H + H.T) / 2


def _h1_expected_info(Sigma0, meanstructure):
    Sinv = np.linalg.inv(Sigma0)
    r, c = _vech_idx(Sigma0.shape[0])
    # 1/2 tr(S^-1 E_k S^-1 E_l) with E_k = e_r e_c' + e_c e_r' (r != c) or e_r e_r'
    A = (Sinv[np.ix_(r, r)] * Sinv[np.ix_(c, c)] + Sinv[np.ix_(r, c)] * Sinv[np.ix_(c, r)])
    wk = np.where(r == c, 0.5, 1.0)
    A = A * np.outer(wk, wk) * 2.0 * 0.5
    if not meanstructure:
        return A
    p = Sigma0.shape[0]
    out = np.zeros((p + len(r), p + len(r)))
    out[:p, :p] = Sinv
    out[p:, p:] = A
    return out


def _delta(dS, dmu, meanstructure):
    """Jacobian of (mu, vech Sigma) w.r.t. theta: (p [+] p*, q)."""
    p = dS.shape[1]
    r, c = _vech_idx(p)
    dsig = dS[:, r, c].T
    return np.vstack([dmu.T, dsig]) if meanstructure else dsig


def observed_information(problem: MLProblem, theta: np.ndarray) -> np.ndarray:
    """Hessian of -loglik / N = F / 2 (lavaan: ``observed.information = "hessian"``), analytic:
    :func:`~loyaltyscope.cbsem.estimate.ml_hessian` for complete data,
    :func:`~loyaltyscope.cbsem.fiml_derivatives.fiml_hessian` under missing data (lavaan takes
    numerical differences of its gradient there; the two agree to about 1e-8)."""
    if problem.patterns is None:
        return ml_hessian(problem, theta)[2] / 2.0
    H = fiml_hessian(problem, theta)
    return (H + H.T) / 4.0


def _inv(M):
    return np.linalg.pinv(M) if np.linalg.cond(M) > 1e12 else np.linalg.inv(M)


def _keep_mask(p: int, x_idx, meanstructure: bool) -> np.ndarray:
    """Which h1 moments (mu, vech Sigma) are not fixed.x moments: lavaan's
    ``eliminate.pstar.idx(type = "all")`` — x means and covariances among x only are dropped."""
    xs = np.zeros(p, bool)
    xs[list(x_idx)] = True
    r, c = _vech_idx(p)
    keep = ~(xs[r] & xs[c])
    return np.concatenate([~xs, keep]) if meanstructure else keep


def _zero_x(A: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """h1 information with the rows/columns of fixed.x moments set to zero (lavaan ``x.idx``)."""
    if keep.all():
        return A
    A = A.copy()
    A[~keep, :] = 0.0
    A[:, ~keep] = 0.0
    return A


def _moment_rows(Y: np.ndarray, meanstructure: bool) -> np.ndarray:
    Yc = Y - Y.mean(axis=0)
    r, c = _vech_idx(Y.shape[1])
    z = Yc[:, r] * Yc[:, c]
    return np.hstack([Y, z]) if meanstructure else z


def sample_gamma(X: np.ndarray, meanstructure: bool, x_idx=()) -> np.ndarray:
    """Asymptotic covariance Gamma of the sample moments (mu, vech S), divided by N.

    With fixed.x covariates (lavaan ``lav_samplestats_Gamma(fixed.x = TRUE)``): each
    non-x column is replaced by its least-squares prediction from (1, x), and Gamma is the
    covariance of z(y_i) - z(yhat_i), so the variability of the x moments is removed::

        Gamma = cov_N( z_i - zhat_i ),   z_i = (y_i, vech (y_i - ybar)(y_i - ybar)')
    """
    n, p = X.shape
    Z = _moment_rows(X, meanstructure)
    if len(x_idx):
        nx = np.setdiff1d(np.arange(p), np.asarray(x_idx))
        Q = np.column_stack([np.ones(n), X[:, list(x_idx)]])
        Yhat = X.copy()
        Yhat[:, nx] = Q @ np.linalg.lstsq(Q, X[:, nx], rcond=None)[0]
        Z = Z - _moment_rows(Yhat, meanstructure)
    Zc = Z - Z.mean(axis=0)
    return Zc.T @ Zc / n


@single_blas_thread
def robust_ml(problem: MLProblem, theta: np.ndarray, datas, kind: str, df: float, K=None,
              information: str | None = None):
    """Robust vcov of theta and the scaling factor of the test (see the module docstring).

    Parameters
    ----------
    datas : complete-case data matrix per group (rows = cases, columns = observed variables).
    kind : ``"MLR"`` or ``"MLM"``.
    K : reparametrisation theta = theta0 + K phi (equality constraints); vcov is for theta.
    information : the information E (the bread, and E^-1 in the trace): ``"observed"`` or
        ``"expected"``; ``None``: lavaan's default of the kind (observed for MLR, expected for MLM).

    With fixed.x covariates (``problem.x_idx``) the h1 information A1 has the rows/columns of
    the x moments set to zero and Gamma is the fixed.x Gamma (:func:`sample_gamma`), as lavaan
    0.6 (``lav_mvnorm_information_expected(x.idx)``, ``lav_test_satorra_bentler_trace_original``,
    ``lav_test_yuan_bentler_mplus_trace``). Per group (f_g = N_g / N)::

        MLM: tr_g = tr(A1 Gamma) - f_g tr(E^-1 Delta' A1 Gamma A1 Delta)
        MLR: tr_g = tr(B1 A1^+) - f_g tr(B0 E^-1),   B1 = A1 Gamma A1  (so tr(B1 A1^+) = tr(A1 Gamma))

    Returns
    -------
    vcov (q, q), scaling factor c (NaN when df == 0), trace of U Gamma.
    """
    K = problem.K if K is None else K
    N = float(sum(problem.nobs))
    ms = problem.meanstructure
    derivs = group_derivatives(problem, theta)
    if (information or ("observed" if kind == "MLR" else "expected")) == "observed":
        Eth = observed_information(problem, theta)
    else:
        Eth = ml_gradient_information(problem, theta)[2]
    E = K.T @ Eth @ K
    Einv = _inv(E)
    meat = np.zeros_like(E)
    trace = 0.0
    for (Sigma, mu, dS, dmu), X, n, S, ybar in zip(derivs, datas, problem.nobs, problem.covs, problem.means):
        f = n / N
        Delta = _delta(dS, dmu, ms) @ K                       # (ndat, q_phi)
        mu_model = mu if ms else ybar
        if kind == "MLR" and problem.patterns is not None:     # FIML: S, ybar are the EM (h1) moments
            s_model = _h1_scores_missing(X, Sigma, mu_model) @ Delta
            B0 = s_model.T @ s_model / n
            meat += f * B0
            s_h1 = _h1_scores_missing(X, S, ybar)
            keep = _keep_mask(X.shape[1], problem.x_idx, True)
            B1 = (s_h1.T @ s_h1 / n)[np.ix_(keep, keep)]
            A1 = _h1_observed_info_missing(X, S, ybar)[np.ix_(keep, keep)]
            trace += np.sum(B1 * _inv(A1).T) - f * np.sum(B0 * Einv.T)
        elif kind == "MLR":
            s_model = _h1_scores(X, Sigma, mu_model, ms) @ Delta
            B0 = s_model.T @ s_model / n
            meat += f * B0
            keep = _keep_mask(X.shape[1], problem.x_idx, ms)
            A1 = _zero_x(_h1_expected_info(S, ms), keep)
            trace += np.sum(A1 * sample_gamma(X, ms, problem.x_idx).T) - f * np.sum(B0 * Einv.T)
        else:
            keep = _keep_mask(X.shape[1], problem.x_idx, ms)
            A1 = _zero_x(_h1_expected_info(Sigma, ms), keep)
            Gamma = sample_gamma(X, ms, problem.x_idx)
            AGA = A1 @ Gamma @ A1
            middle = Delta.T @ AGA @ Delta
            meat += f * middle
            trace += np.sum(A1 * Gamma.T) - f * np.sum(Einv * middle.T)
    V_phi = Einv @ meat @ Einv / N
    V = K @ V_phi @ K.T
    c = trace / df if df > 0 else np.nan
    return V, c, trace


@single_blas_thread
def fiml_corrected(problem: MLProblem, theta: np.ndarray, datas, K=None, version: str = "V6", wc_x=()):
    """FIML-corrected statistic for robust CFI/TLI/RMSEA under missing data (Zhang & Savalei;
    lavaan 0.6-14 ``lav_fit_fiml_corrected``): V6 with plain ML, V3 with a scaled (MLR) test.

    XX3 = N F_ML(Sigma(theta_hat), mu(theta_hat); EM moments taken as complete-data moments).
    With, over groups stacked block-diagonally with f_g = N_g / N, Wm = f Wm_g (observed h1
    information under missing data, at the EM moments), Wc = f Wc_g (complete-data h1
    information at the EM moments), Jm_g the first-order h1 information, Delta the model
    Jacobian and E = Delta' Wm Delta::

        U  = Wm - Wm Delta E^-1 Delta' Wm
        V6: k = tr(Wc Wm^-1 U Wm^-1)
        V3: k = tr(U Wm^-1 Wc Wm^-1 U Gamma),  Gamma = blockdiag(Wm_g^-1 Jm_g Wm_g^-1 / f_g)

    ``wc_x``: positions of the model's exogenous covariates; their own moments are left out of
    Wc (zero rows and columns) also when fixed.x = FALSE, as lavaan's refit to the EM moments
    (``lavaan(parTable(fit), sample.cov = ...)`` with the default fixed.x) does.

    Returns (XX3, k); the scaling factor is k / df.
    """
    K = problem.K if K is None else K
    N = float(sum(problem.nobs))
    derivs = group_derivatives(problem, theta)
    xx3 = 0.0
    Wc_b, Wm_b, Wmi_b, G_b, Deltas = [], [], [], [], []
    for (Sigma, mu, dS, dmu), X, n, S, ybar in zip(derivs, datas, problem.nobs, problem.covs, problem.means):
        f = n / N
        Sinv = np.linalg.inv(Sigma)
        d = ybar - mu
        xx3 += n * (np.linalg.slogdet(Sigma)[1] + np.sum(S * Sinv) - np.linalg.slogdet(S)[1] - S.shape[0]
                    + d @ Sinv @ d)
        keep = np.ix_(*[_keep_mask(X.shape[1], problem.x_idx, True)] * 2)   # fixed.x moments left out
        Wm = _h1_observed_info_missing(X, S, ybar)[keep]
        Wmi = _inv(Wm)
        wc_keep = _keep_mask(X.shape[1], wc_x, True)[keep[0][:, 0]]
        Wc_b.append(f * _zero_x(_h1_expected_info(S, True)[keep], wc_keep))
        Wm_b.append(f * Wm)
        Wmi_b.append(Wmi / f)
        if version == "V3":
            sc = _h1_scores_missing(X, S, ybar)
            G_b.append(Wmi @ (sc.T @ sc / n)[keep] @ Wmi / f)
        Deltas.append((_delta(dS, dmu, True) @ K)[keep[0][:, 0]])
    Wc, Wm, Wmi = block_diag(*Wc_b), block_diag(*Wm_b), block_diag(*Wmi_b)
    Delta = np.vstack(Deltas)
    E = Delta.T @ Wm @ Delta
    WmD = Wm @ Delta
    U = Wm - WmD @ _inv(E) @ WmD.T
    if version == "V6":
        k = np.trace(Wc @ Wmi @ U @ Wmi)
    else:
        k = np.trace(U @ Wmi @ Wc @ Wmi @ U @ block_diag(*G_b))
    return xx3, float(k)
