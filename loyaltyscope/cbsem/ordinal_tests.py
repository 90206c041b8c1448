"""Test statistics and fit measures of the DWLS/WLSMV estimator (ordinal items), as lavaan 0.6-14.

- **Test** ``scaled.shifted`` (lavaan 0.6-14's WLSMV default; Asparouhov & Muthen, 2010):
  ``U = V - V D E^-1 D' V`` (V = bdiag(f_g W)), ``UG = U bdiag(Gamma_g / f_g)``,
  ``a = sqrt(df / tr(UG^2))``, ``chisq.scaled = a chisq + df - a tr(UG)``,
  ``chisq.scaling.factor = 1/a``. The baseline (thresholds free, correlations 0) the same way.
- **Robust CFI/TLI/RMSEA** as 0.6-14 computes them for categorical data (Savalei, 2021;
  ``lav_fit_catml_dwls``): ``XX3 = sum_g n_g F_ML(R_g, Sigma*_g)``, ``c3 = tr(WiU' V_ML WiU Gamma)
  / df3`` with ``WiU = I - D E^-1 D' W`` on the correlation rows and ``V_ML`` the normal-theory
  information of a correlation structure; baseline ``XX3_0 = -sum n_g log|R_g|``,
  ``c3_0 = tr(Gamma_cor) / df3_0``. Not available (NA, as lavaan) when thresholds carry
  equality constraints or a polychoric matrix is not positive definite.
- **Other fit measures**: RMSEA (all versions) with ``N - G`` as lavaan's
  ``lav_utils_get_ntotal`` for (D)WLS; SRMR from the residual correlations, the mean square
  over p(p-1)/2 + nvar elements, nvar the observed variables including covariates (lavaan's
  ``srmr_bentler_nomean`` for categorical data, ``lav_residuals_summary``: ``pstar + nvar``).
  CFI, TLI, RMSEA and the p-values are the shared formulas of
  :mod:`loyaltyscope.cbsem.fit_indices`; with df < 1 the RMSEA limits are 0 (``lav_fit_rmsea_ci``).

R equivalent: ``fitMeasures(cfa(model, data, ordered = items))``;
``lavaan:::lav_test_satorra_bentler_trace_original``, ``lavaan:::lav_fit_catml_dwls``.
"""

from __future__ import annotations

from math import sqrt

import numpy as np

from loyaltyscope.cbsem import fit_indices as fi
from loyaltyscope.cbsem.fit_measures import robust_rmsea_interval, scaled_measures, test_measures

__all__ = ["ugamma_traces", "scaled_shifted", "ordinal_fit_measures", "block_diagonal"]

_SQRT_EPS = sqrt(np.finfo(float).eps)


def ugamma_traces(jacs, vds, gammas, nobs, Einv):
    """tr(U Gamma) and tr((U Gamma)^2) with U = V - V D E^-1 D' V, V = bdiag(f_g W_g), Gamma
    = bdiag(Gamma_g / f_g) (R: ``lavaan:::lav_test_satorra_bentler_trace_original``)."""
    N = float(sum(nobs))
    fg = np.array(nobs) / N
    V = np.concatenate([f * vd for f, vd in zip(fg, vds)])
    D = np.vstack(jacs)
    Gam = block_diagonal([G / f for G, f in zip(gammas, fg)])
    VD = D * V[:, None]
    U = np.diag(V) - VD @ Einv @ VD.T
    UG = U @ Gam
    return float(np.trace(UG)), float(np.sum(UG * UG.T))


def block_diagonal(mats):
    n = sum(m.shape[0] for m in mats)
    out = np.zeros((n, n))
    o = 0
    for m in mats:
        k = m.shape[0]
        out[o:o + k, o:o + k] = m
        o += k
    return out


def scaled_shifted(chisq, df, tr1, tr2):
    """lavaan's ``scaled.shifted`` test: (stat, scaling factor 1/a, shift b)."""
    a = np.sqrt(df / tr2)
    b = df - a * tr1
    return a * chisq + b, 1.0 / a, b


def _catml_information(Sigma: np.ndarray, I, J) -> np.ndarray:
    """Normal-theory information of a correlation structure for the off-diagonal elements:
    the (I, J) rows/columns of ``0.5 D' (S^-1 x S^-1) D``, i.e. ``Si_ik Si_jl + Si_il Si_jk``."""
    Si = np.linalg.inv(Sigma)
    return Si[np.ix_(I, I)] * Si[np.ix_(J, J)] + Si[np.ix_(I, J)] * Si[np.ix_(J, I)]


def _catml_robust(model, ss, mom, Einv, npar_catml: int):
    """Savalei's (2021) catML statistics as ``lavaan:::lav_fit_catml_dwls`` (lavaan 0.6-14)."""
    G = ss.ngroups
    N = ss.ntotal
    pstar = len(model.I)
    for R in ss.cor:
        if np.linalg.eigvalsh(R)[0] < _SQRT_EPS:
            return None
    XX3 = 0.0
    XX3_0 = 0.0
    for n, R, m in zip(ss.nobs, ss.cor, mom):
        S = m["Sigma_star"]
        sign, ld = np.linalg.slogdet(S)
        if sign <= 0:
            return None
        XX3 += n * (ld - np.linalg.slogdet(R)[1] + np.trace(R @ np.linalg.inv(S)) - model.p)
        XX3_0 += n * (-np.linalg.slogdet(R)[1])
    df3 = G * pstar - npar_catml
    fg = np.array(ss.nobs) / N
    T = model.T
    D = np.vstack([m["jac"][T:] for m in mom])
    W = np.concatenate([f * vd[T:] for f, vd in zip(fg, ss.wls_vd)])
    V = block_diagonal([f * _catml_information(m["Sigma_star"], model.I, model.J) for f, m in zip(fg, mom)])
    Gam = block_diagonal([Gm[T:, T:] / f for Gm, f in zip(ss.gamma, fg)])
    WiU = np.eye(len(W)) - D @ Einv @ (D * W[:, None]).T
    ks = float(np.trace(WiU.T @ V @ WiU @ Gam))
    c3 = ks / df3 if df3 > 0 else np.nan
    df3_0 = G * pstar
    c3_0 = float(np.trace(Gam)) / df3_0
    return dict(XX3=XX3, df3=df3, c3=c3, XX3_scaled=XX3 / c3 if df3 > 0 else np.nan,
                XX3_0=XX3_0, df3_0=df3_0, c3_0=c3_0)


# ---------------------------------------------------------------------------- fit measures
def ordinal_fit_measures(model, ss, mom, chisq, df, npar, Einv, robust: bool, npar_catml, catml_ok: bool):
    G = ss.ngroups
    N = ss.ntotal - G              # lavaan's lav_utils_get_ntotal for (D)WLS: N - G in the RMSEA
    T = model.n_uni                # thresholds (and slopes given covariates): free in the baseline
    P = len(model.I)
    # baseline: thresholds free, correlations 0 (thresholds then fit exactly)
    bchisq = sum((n - 1) * np.sum(vd[T:] * s[T:] ** 2) for n, vd, s in zip(ss.nobs, ss.wls_vd, ss.wls_obs))
    bdf = G * P
    out = {"fmin": chisq / (2 * ss.ntotal), **test_measures(chisq, df, bchisq, bdf, npar, N, G),
           "ntotal": float(ss.ntotal), "rmsea.ci.level": 0.90, "rmsea.close.h0": 0.05}
    out["nnfi"] = out["tli"]
    # SRMR (lavaan's srmr_bentler_nomean for categorical data): residual correlations, the
    # mean square taken over the p(p-1)/2 correlations plus nvar (the items and any covariates:
    # lavaan's pta$nvar; the diagonal residuals are 0)
    # (lavaan's crmr_nomean: the same residuals over the p(p-1)/2 correlations alone)
    srmr = crmr = 0.0
    for n, R, m in zip(ss.nobs, ss.cor, mom):
        res = (R - m["Sigma_star"])[model.I, model.J]
        srmr += n / ss.ntotal * np.sqrt(np.sum(res ** 2) / (len(model.I) + model.nvar))
        crmr += n / ss.ntotal * np.sqrt(np.sum(res ** 2) / len(model.I)) if len(model.I) else np.nan
    out["srmr"] = srmr
    out["srmr_bentler_nomean"] = srmr
    out["crmr_nomean"] = crmr
    if not robust:
        return out
    jacs = [m["jac"] for m in mom]
    if df > 0:
        tr1, tr2 = ugamma_traces(jacs, ss.wls_vd, ss.gamma, ss.nobs, Einv)
        xs, c, shift = scaled_shifted(chisq, df, tr1, tr2)
    else:
        xs, c, shift = chisq, np.nan, np.nan
    # baseline model: free thresholds per group; its Jacobian picks the threshold rows
    bj = []
    for g in range(G):
        J = np.zeros((T + P, G * T))
        J[np.arange(T), g * T + np.arange(T)] = 1.0
        bj.append(J)
    Eb = sum(n / ss.ntotal * (J.T @ (J * vd[:, None])) for n, vd, J in zip(ss.nobs, ss.wls_vd, bj))
    if bdf > 0:
        btr1, btr2 = ugamma_traces(bj, ss.wls_vd, ss.gamma, ss.nobs, np.linalg.inv(Eb))
        bxs, bc, bshift = scaled_shifted(bchisq, bdf, btr1, btr2)
    else:                          # a single item: the baseline is saturated too
        bxs, bc = bchisq, np.nan
    out.update(scaled_measures(xs, c, bxs, bc, df, bdf, N, G, shifted=True))
    out.update({"chisq.shift.parameter": shift, "nnfi.scaled": out["tli.scaled"]})
    cat = _catml_robust(model, ss, mom, Einv, npar_catml) if catml_ok else None
    if cat is None or not np.isfinite(cat["c3"]):
        for k in ("cfi.robust", "tli.robust", "nnfi.robust", "rmsea.robust", "rmsea.ci.lower.robust",
                  "rmsea.ci.upper.robust", "rmsea.pvalue.robust"):
            out[k] = np.nan
        return out
    c3, c30 = cat["c3"], cat["c3_0"]
    out.update({"cfi.robust": fi.cfi(cat["XX3"], df, cat["XX3_0"], bdf, c3, c30),
                "tli.robust": fi.tli(cat["XX3"], df, cat["XX3_0"], bdf, c3, c30),
                "nnfi.robust": fi.tli(cat["XX3"], df, cat["XX3_0"], bdf, c3, c30),
                "rmsea.robust": fi.rmsea(cat["XX3"], cat["df3"], N, G, c_hat=c3),
                **robust_rmsea_interval(cat["XX3_scaled"], cat["df3"], N, G, c3)})
    return out
