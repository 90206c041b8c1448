"""WLSMV, DWLS and WLS on continuous items (``ls.sem(model, data, estimator="WLSMV")`` without
``ordered=``), as lavaan 0.6-14.

Sample statistics per group g (n_g complete rows, listwise): ``s_g = (ybar, vech S)`` (the
means only with a mean structure; S divides by n_g - 1: lavaan's ``sample.cov.rescale`` is
FALSE for the (D)WLS family, so ``stats::cov`` is used as it is) and their asymptotic covariance, the ADF
matrix ``Gamma_g = cov_N(z_i)`` with ``z_i = (y_i, vech (y_i - ybar)(y_i - ybar)')`` (divisor
n_g: lavaan's ``gamma.n.minus.one = FALSE``; :func:`loyaltyscope.cbsem.robust.sample_gamma`;
R: ``lavaan:::lav_samplestats_Gamma``). With ``fixed_x=True`` Gamma is the fixed.x Gamma and
the moments of the covariates get weight 0 (lavaan's ``idacov[zero.idx] <- 0``).

- **Estimator** ``"DWLS"`` / ``"WLSMV"``: ``W_g = diag(Gamma_g)^-1``; ``"WLS"``: ``W_g =
  Gamma_g^-1`` (full ADF weight). Objective ``F = sum_g (n_g - 1) (s_g - sigma_g)' W_g
  (s_g - sigma_g)`` with ``sigma_g = (mu(theta), vech Sigma(theta))``, minimised by
  Gauss-Newton (:func:`loyaltyscope.cbsem.estimators.dwls.fit_dwls`; WLS by the same steps on
  the whitened residuals ``C_g^-1 (s_g - sigma_g)``, ``Gamma_g = C_g C_g'``). ``chisq = F``.
- **Standard errors**: ``"robust.sem"`` for WLSMV (the sandwich of
  :func:`~loyaltyscope.cbsem.estimators.dwls.robust_vcov`), else ``E^-1 / (N - G)`` with
  ``E = sum_g f_g D_g' W_g D_g``.
- **Test** (WLSMV): ``scaled.shifted`` from ``tr(U Gamma)`` and ``tr((U Gamma)^2)``
  (:mod:`loyaltyscope.cbsem.ordinal_tests`). The baseline model (variances and means free, the
  covariates' block saturated, other covariances 0) is linear in its parameters: its (D)WLS
  fit is a weighted least-squares solve.
- **Robust CFI/TLI/RMSEA** (lavaan 0.6-14 ``lav_fit_cfi_lavobject`` /
  ``lav_fit_rmsea_lavobject`` for a continuous ``scaled.shifted`` test):
  ``c = a (df - b) / df = tr(U Gamma) / df`` (a = the scaling factor, b the shift) for the
  model and the baseline; ``cfi.robust = cfi(X2, df, X2_0, df_0, c, c_0)``,
  ``rmsea.robust = rmsea(X2, df, c)``; the robust RMSEA interval and close-fit p-value use the
  scaled statistic with the scaling factor a, as lavaan does.
- **Other measures**: RMSEA with N - G (``lav_utils_get_ntotal``), SRMR as for ML
  (``srmr_bentler``). No log-likelihood (lavaan reports none for (D)WLS).

Defaults (lavaan ``lav_options_set``): ``fixed.x = FALSE`` for the (D)WLS family on
continuous data (covariates' variances and covariances are free parameters);
``meanstructure`` only with groups or ``~ 1`` rows.

``missing="pairwise"`` (:func:`pairwise_sample_stats`, lavaan's ``missing = "pairwise"``):
means from each variable's observed values, covariances from the pairwise-complete rows
(divisor n_jk - 1, R's ``cov(use = "pairwise")``), Gamma from the available products (a
missing product counts 0; divisor: the group's rows, the empty ones included, as lavaan's
``lav_samplestats_Gamma`` on its data matrix), n_g = the rows with an observed value.

Not implemented (a clear error): inequality and non-linear constraints, ``missing="fiml"``,
fixed.x covariates with ``missing="pairwise"``, fits from moments (``sample_cov=``; the ADF Gamma needs the rows), the
bootstrap.

R equivalent: ``lavaan::sem(model, data, estimator = "WLSMV" | "DWLS" | "WLS")``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from loyaltyscope.cbsem import fit_indices as fi
from loyaltyscope.cbsem.baseline import baseline_chisq_df
from loyaltyscope.cbsem.constraints import constraint_functions, linear_basis
from loyaltyscope.cbsem.estimate import group_derivatives, row_values
from loyaltyscope.cbsem.estimates import theta_names
from loyaltyscope.cbsem.estimators import Fitted
from loyaltyscope.cbsem.estimators.dwls import _reflect_factors, fit_from_starts, information_and_vcov
from loyaltyscope.cbsem.estimators.ml import degrees_of_freedom, ml_problem
from loyaltyscope.cbsem.fit_measures import robust_rmsea_interval, scaled_measures, test_measures
from loyaltyscope.cbsem.ordinal_samplestats import _pairwise_coverage
from loyaltyscope.cbsem.ordinal_tests import scaled_shifted, ugamma_traces
from loyaltyscope.cbsem.ram import implied
from loyaltyscope.cbsem.robust import sample_gamma
from loyaltyscope.cbsem.samplestats import DataError, SampleStats
from loyaltyscope.cbsem.start import start_values

__all__ = ["WlsStats", "unbiased", "pairwise_sample_stats", "wls_sample_stats", "MomentModel", "fit"]


@dataclass(frozen=True)
class WlsStats:
    """Per group: ``wls_obs`` = s_g, ``gamma`` = Gamma_g, ``wls_vd`` = the diagonal weights (DWLS;
    all 1 for WLS, whose residuals are whitened by ``whiten`` = C_g^-1)."""

    nobs: tuple
    wls_obs: tuple
    wls_vd: tuple
    gamma: tuple
    whiten: tuple | None = None
    ngroups: int = field(init=False)
    ntotal: int = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "ngroups", len(self.nobs))
        object.__setattr__(self, "ntotal", int(sum(self.nobs)))


def _vech(p: int):
    return np.tril_indices(p)            # the order of robust.sample_gamma


def unbiased(ss: SampleStats) -> SampleStats:
    """The sample statistics with the covariances divided by n - 1 (lavaan's (D)WLS)."""
    return replace(ss, cov=tuple(S * n / (n - 1) for S, n in zip(ss.cov, ss.nobs)))


@dataclass(frozen=True)
class PairwiseStats(SampleStats):
    """:class:`~loyaltyscope.cbsem.samplestats.SampleStats` under ``missing="pairwise"``, with
    the notes on the rows behind each statistic."""

    notes: tuple = ()

    @property
    def exclusion_message(self) -> str:
        if not self.dropped_rows:
            return ""
        return (f"{len(self.dropped_rows)} of {self.n_input_rows} rows excluded: every model variable missing "
                "(lavaan ignores such empty rows under missing='pairwise'); the excluded rows are kept with the "
                "results")


def pairwise_sample_stats(data: pd.DataFrame, ov_names, group=None) -> PairwiseStats:
    """Sample statistics under ``missing="pairwise"`` (see the module docstring). ``data[g]``
    keeps the group's rows with NaN (empty rows too: they count in Gamma's divisor only);
    rows with every variable missing, or a missing group, are listed in ``dropped_rows``."""
    ov_names = list(ov_names)
    X = data[ov_names].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    if group is None:
        labels, gidx = ("",), np.zeros(len(data), int)
    else:
        codes, uniques = pd.factorize(data[group], sort=False)
        labels, gidx = tuple(uniques), np.asarray(codes, int)
    empty = np.isnan(X).all(axis=1)
    dropped = [(data.index[i], labels[gidx[i]] if gidx[i] >= 0 else None,
                f"missing group ({group})" if gidx[i] < 0 else
                "every model variable missing: the row carries no information (lavaan ignores empty cases)")
               for i in np.flatnonzero(empty | (gidx < 0))]
    covs, means, datas, nobs, notes, problems = [], [], [], [], [], []
    for g in range(len(labels)):
        Xg = X[gidx == g]
        miss = np.isnan(Xg)
        if miss.any():
            _pairwise_coverage(np.where(miss, -1, 0)[~miss.all(axis=1)], ov_names,
                               f" in group {labels[g]!r}" if group is not None else "", notes, problems,
                               ("means and variances", "covariances"))
        covs.append(pd.DataFrame(Xg).cov().to_numpy())          # pairwise complete, n_jk - 1
        means.append(np.nanmean(Xg, axis=0))
        datas.append(Xg)
        nobs.append(int((~np.isnan(Xg).all(axis=1)).sum()))
    if problems:
        raise DataError("cannot fit the model:\n  - " + "\n  - ".join(problems))
    return PairwiseStats(labels, tuple(nobs), tuple(covs), tuple(means), tuple(datas), tuple(dropped), len(data),
                         notes=tuple(notes))


def _gamma_available(X: np.ndarray, meanstructure: bool) -> np.ndarray:
    """ADF Gamma from the available values: products with a missing value count 0, divisor
    the number of rows (lavaan's ``lav_samplestats_Gamma`` with ``lav_matrix_crossprod``)."""
    r, c = _vech(X.shape[1])
    Yc = X - np.nanmean(X, axis=0)
    Z = Yc[:, r] * Yc[:, c]
    if meanstructure:
        Z = np.hstack([X, Z])
    Zc = np.nan_to_num(Z - np.nanmean(Z, axis=0))
    return Zc.T @ Zc / X.shape[0]


def wls_sample_stats(ss: SampleStats, x_idx, meanstructure: bool, estimator: str, group_labels=()) -> WlsStats:
    """s_g, Gamma_g and the weights of every group (see the module docstring); ``ss`` holds
    the unbiased covariances (:func:`unbiased`)."""
    obs, vds, gammas, whiten, problems = [], [], [], [], []
    for g, (X, S, ybar) in enumerate(zip(ss.data, ss.cov, ss.mean)):
        r, c = _vech(S.shape[0])
        s = np.concatenate([ybar, S[r, c]]) if meanstructure else S[r, c]
        G = _gamma_available(X, meanstructure) if np.isnan(X).any() else sample_gamma(X, meanstructure, x_idx)
        where = f" in group {group_labels[g]!r}" if len(group_labels) > 1 else ""
        if X.shape[0] < len(s):
            problems.append(f"{X.shape[0]} rows{where} are fewer than the {len(s)} sample moments: the ADF "
                            f"matrix Gamma cannot be estimated (lavaan: 'too small to compute Gamma')")
        d = np.diag(G).copy()
        zero = d <= 1e-14 * max(float(d.max()), 1e-300)
        if estimator == "WLS":
            keep = ~zero
            C = np.zeros_like(G)
            try:
                L = np.linalg.cholesky(G[np.ix_(keep, keep)])
            except np.linalg.LinAlgError:
                problems.append(f"the ADF matrix Gamma{where} is not positive definite; estimator='WLS' "
                                "needs its inverse (use 'WLSMV' or 'DWLS')")
                L = np.eye(int(keep.sum()))
            C[np.ix_(keep, keep)] = np.linalg.inv(L)
            whiten.append(C)
            vds.append(np.ones(len(s)))
        else:
            vds.append(np.where(zero, 0.0, 1.0 / np.where(zero, 1.0, d)))
        obs.append(s), gammas.append(G)
    if problems:
        raise DataError("cannot fit the model:\n  - " + "\n  - ".join(problems))
    wl = tuple(whiten) if estimator == "WLS" else None
    return WlsStats(tuple(ss.nobs), tuple(obs) if wl is None else tuple(C @ s for C, s in zip(wl, obs)),
                    tuple(vds), tuple(gammas), wl)


class MomentModel:
    """``sigma_g(theta) = (mu, vech Sigma)`` and its Jacobian per group (whitened for WLS), in the
    interface :func:`~loyaltyscope.cbsem.estimators.dwls.fit_dwls` uses."""

    def __init__(self, problem, meanstructure: bool, whiten=None):
        self.problem = problem
        self.ms = meanstructure
        self.whiten = whiten
        self.ntheta = problem.ntheta

    def moments(self, theta: np.ndarray, jacobian: bool = True):
        out = []
        for g, (Sig, mu, dS, dmu) in enumerate(group_derivatives(self.problem, theta)):
            r, c = _vech(Sig.shape[0])
            est = np.concatenate([mu, Sig[r, c]]) if self.ms else Sig[r, c]
            jac = np.vstack([dmu.T, dS[:, r, c].T]) if self.ms else dS[:, r, c].T
            res = dict(raw_est=est, raw_jac=jac, Sigma=Sig, mu=mu)
            if self.whiten is not None:
                est, jac = self.whiten[g] @ est, self.whiten[g] @ jac
            res.update(est=est, jac=jac)
            out.append(res)
        return out


def _baseline(spec, ss, st: WlsStats, ms: bool):
    """(chisq_0, df_0, Jacobians of the baseline): free moments are the means and variances of
    every variable and the covariances among the exogenous covariates; the fit is linear."""
    ov = list(spec.ov_names)
    xs = [ov.index(v) for v in tuple(spec.ov_x) + tuple(getattr(spec, "ov_x_free", ()))]
    fixed = {ov.index(v) for v in spec.ov_x}
    p = len(ov)
    r, c = _vech(p)
    free_rows = [k for k in range(p) if k not in fixed] if ms else []
    off = p if ms else 0
    for k, (i, j) in enumerate(zip(r, c)):
        if i in fixed and j in fixed:
            continue
        if i == j or (i in xs and j in xs):
            free_rows.append(off + k)
    _, bdf = baseline_chisq_df(spec, ss, False)
    bchisq, jacs = 0.0, []
    k = len(free_rows)
    for g, (n, s, vd) in enumerate(zip(st.nobs, st.wls_obs, st.wls_vd)):
        J = np.zeros((len(vd), k))
        J[free_rows, np.arange(k)] = 1.0
        if st.whiten is not None:
            J = st.whiten[g] @ J
        WJ = J * vd[:, None]
        b = np.linalg.lstsq(J.T @ WJ, WJ.T @ s, rcond=None)[0]
        res = s - J @ b
        bchisq += (n - 1) * float(np.sum(vd * res ** 2))
        Jg = np.zeros((len(vd), k * st.ngroups))         # each group its own parameters
        Jg[:, g * k:(g + 1) * k] = J
        jacs.append(Jg)
    return bchisq, bdf, jacs


def _start(spec, table, ss, free, ntheta, strategy):
    sv = start_values(table, spec.ov_names, spec.lv_names, ss.cov, ss.mean, strategy)
    th = np.zeros(ntheta)
    th[free[free >= 0]] = sv[free >= 0]
    return th


def fit(spec, table: dict, ss: SampleStats, options) -> Fitted:
    """Estimate by WLSMV / DWLS / WLS and return the pieces of the shared results stage."""
    est_name = options.estimator
    if any(op != "==" for _, op, _ in spec.constraints):
        raise NotImplementedError(f"inequality constraints (<, >) are not implemented with estimator={est_name!r}")
    if options.missing == "pairwise" and spec.ov_x:
        raise NotImplementedError("fixed.x covariates with missing='pairwise' are not implemented with "
                                  f"estimator={est_name!r}; use fixed_x=False (lavaan's default here)")
    free = np.asarray(table["free"]) - 1
    ntheta = int(free.max()) + 1 if len(free) else 0
    values_of, h, _ = constraint_functions(spec, table, ntheta)
    K, theta0, linear = linear_basis(h, ntheta)
    if not linear:
        raise NotImplementedError(f"non-linear constraints are not implemented with estimator={est_name!r}")
    problem = ml_problem(spec, table, ss, np.eye(ntheta), np.zeros(ntheta))
    ms = spec.meanstructure
    x_idx = [spec.ov_names.index(v) for v in spec.ov_x]
    st = wls_sample_stats(ss, x_idx, ms, est_name, ss.group_labels)
    model = MomentModel(problem, ms, st.whiten)
    npar = K.shape[1]
    df = degrees_of_freedom(spec, ss.ngroups, npar)
    theta, F, converged, iterations, strategy = fit_from_starts(
        model, st, lambda strategy: _start(spec, table, ss, free, ntheta, strategy), options.max_iter, K, theta0)
    if options.std_lv:
        theta = _reflect_factors(table, spec.lv_names, theta)
    warnings = list(getattr(ss, "notes", ()))
    if not converged:
        warnings.append("the optimiser did not converge; estimates are not trustworthy")
    mom = model.moments(theta)
    N = st.ntotal
    Einv, vcov = information_and_vcov(model, st, mom, K, options.se != "none",
                                      options.se in ("robust", "robust.sem"), warnings)
    vals = row_values(problem, theta)
    table["est"] = vals
    se_rows = np.zeros(len(vals))
    fr = free >= 0
    se_rows[fr] = np.sqrt(np.clip(np.diag(vcov)[free[fr]], 0, None)) if vcov is not None else np.nan
    table["se"] = se_rows
    sigmas, mus, Cs = [], [], []
    for lay in problem.layouts:
        Sig, mu, C, *_ = implied(lay, vals)
        sigmas.append(Sig), mus.append(mu), Cs.append(C)
    chisq = float(F)

    def measures():
        return _fit_measures(spec, ss, st, mom, sigmas, mus, chisq, df, npar, Einv, est_name == "WLSMV")

    return Fitted(table=table, theta=theta, vcov=vcov, theta_names=tuple(theta_names(table, free, ntheta)),
                  values_of=values_of, converged=bool(converged), iterations=int(iterations),
                  sample_covs=tuple(ss.cov), implied_covs=tuple(sigmas), all_covs=tuple(Cs),
                  fit_measures=measures, warnings=warnings,
                  extra=dict(start_strategy=strategy, fmin=chisq / (2 * N),
                             nacov={lab: Gm for lab, Gm in zip(ss.group_labels, st.gamma)}))


def _fit_measures(spec, ss, st, mom, sigmas, mus, chisq, df, npar, Einv, robust: bool) -> dict:
    G = st.ngroups
    N = st.ntotal - G                    # lavaan's lav_utils_get_ntotal for (D)WLS
    bchisq, bdf, bjacs = _baseline(spec, ss, st, spec.meanstructure)
    out = {"fmin": chisq / (2 * st.ntotal), **test_measures(chisq, df, bchisq, bdf, npar, N, G),
           "ntotal": float(st.ntotal), "rmsea.ci.level": 0.90, "rmsea.close.h0": 0.05,
           "srmr": fi.srmr_bentler(ss.cov, ss.mean, sigmas, mus, ss.nobs, spec.meanstructure)}
    out["nnfi"] = out["tli"]
    if not robust:
        return out
    jacs = [m["jac"] for m in mom]
    tr1 = tr2 = np.nan
    if df > 0:
        tr1, tr2 = ugamma_traces(jacs, st.wls_vd, st.gamma, st.nobs, Einv)
        xs, a_inv, shift = scaled_shifted(chisq, df, tr1, tr2)
    else:
        xs, a_inv, shift = chisq, np.nan, np.nan
    Eb = sum(n / st.ntotal * (J.T @ (J * vd[:, None])) for n, vd, J in zip(st.nobs, st.wls_vd, bjacs))
    btr1, btr2 = ugamma_traces(bjacs, st.wls_vd, st.gamma, st.nobs, np.linalg.pinv(Eb))
    bxs, b_inv, _ = scaled_shifted(bchisq, bdf, btr1, btr2)
    out.update(scaled_measures(xs, a_inv, bxs, b_inv, df, bdf, N, G, shifted=True))
    c3, c30 = (tr1 / df if df > 0 else np.nan), btr1 / bdf    # lavaan: a (df - b) / df
    cfi_r, tli_r = _robust_cfi_tli(chisq, df, bchisq, bdf, c3, c30)
    out.update({"chisq.shift.parameter": shift, "nnfi.scaled": out["tli.scaled"],
                "cfi.robust": cfi_r, "tli.robust": tli_r,
                "rmsea.robust": fi.rmsea(chisq, df, N, G, c_hat=c3),
                **robust_rmsea_interval(xs, df, N, G, a_inv)})
    out["nnfi.robust"] = out["tli.robust"]
    return out


def _robust_cfi_tli(X2, df, X2_0, df_0, c, c0):
    """Robust CFI and TLI with the non-centralities ``X2 - c df`` (lavaan's ``lav_fit_cfi`` /
    ``lav_fit_tli`` with ``c.hat``, ``c.hat.null``).

    For a continuous DWLS baseline ``c0 = tr(U_0 Gamma) / df_0`` is 1 in exact arithmetic
    (W = diag(Gamma)^-1). lavaan computes it as ``a (df_0 - b) / df_0`` and takes the robust
    formula only when that differs from 1, so its choice turns on the last bit of a
    floating-point number (HS: 1 + 2e-16, robust formula; bfi: exactly 1, the standard CFI).
    The robust formula, the intended one, is always applied here (a documented difference
    from lavaan when its rounding lands on 1)."""
    if not (df > 0 and np.isfinite(c) and np.isfinite(c0)):
        return fi.cfi(X2, df, X2_0, df_0), fi.tli(X2, df, X2_0, df_0)
    t1 = max(X2 - c * df, 0.0)
    t2 = max(X2 - c * df, X2_0 - c0 * df_0, 0.0)
    cfi = 1.0 if (t1 == 0 and t2 == 0) else 1.0 - t1 / t2
    u2 = (X2_0 - c0 * df_0) * df
    return float(cfi), float(1.0 - (X2 - c * df) * df_0 / u2) if u2 != 0 else 1.0
