"""Exploratory factor analysis as psych::fa (psych 2.2.9): minres, ML and iterated principal
axis extraction, psych's rotations, sign and order conventions, fit statistics, factor scores.

Extraction (on a correlation matrix R with p items and k factors):

``minres``
    Minimum residual (ULS) factoring: minimise Σ_{i<j}(r_ij - (ΛΛᵀ)_ij)² over the loadings.
    Written, as in psych, as a problem in the uniquenesses ψ: Λ(ψ) holds the k leading
    eigenvectors of R - diag(ψ) scaled by the square roots of their (non-negative)
    eigenvalues, and F(ψ) = ‖R - diag(ψ) - Λ(ψ)Λ(ψ)ᵀ‖² has the exact gradient
    -2 diag(R - diag(ψ) - ΛΛᵀ) — the direction psych's ``FAgr.minres`` passes to ``optim``.
    F is minimised by L-BFGS-B from ψ = 1 - SMC with psych's bounds 0.005 ≤ ψ ≤ 1.
``ml``
    Maximum likelihood as ``factanal``/psych: minimise
    -Σ_{j>k}(log e_j - e_j) - k + p over ψ, e_j the eigenvalues of ψ^{-1/2}Rψ^{-1/2}, with the
    analytic gradient, L-BFGS-B from 1 - SMC, bounds [0.005, 1].
``pa``
    Iterated principal axis exactly as psych ``fm = "pa"``: the diagonal of R is replaced by
    the SMCs, Λ = k leading eigenvectors × sqrt(eigenvalues), the diagonal replaced by
    rowSums(Λ²), until the total communality changes by less than ``min_err`` (0.001) or
    ``max_iter`` (50) iterations — psych's stopping rule, so the result equals psych's even
    when it has not fully converged. (``factor_analyzer``'s ``method="principal"`` is a
    different procedure: it does not iterate to psych's stopping rule.)

Heywood cases are never silent: a uniqueness at the lower bound (``heywood="bound"``, psych's
0.005) or a communality ≥ 1 is named in a :class:`~loyaltyscope.psychometrics.itemdata.HeywoodWarning`,
printed and kept in ``result.warnings`` / ``result.heywood``. ``heywood="free"`` drops the
lower bound for minres (communalities above 1 are then reported as they are).

After extraction psych's conventions are applied in psych's order: columns signed so that
their sums are positive; rotation (:mod:`loyaltyscope.psychometrics.rotation`); columns signed again;
factors ordered by the variance they account for (``diag(Φ ΛᵀΛ)`` for oblique solutions);
communalities = rowSums of the *unrotated* Λ², uniquenesses = 1 - communalities.

Fit statistics follow ``psych::fa.stats``: the RMSR over the off-diagonal residuals (weighted
by the pairwise counts when the correlations come from raw data), the empirical chi-square,
the likelihood-ratio objective tr(Σ̂⁻¹R) - log|Σ̂⁻¹R| - p with Bartlett's correction
(n - 1 - (2p + 5)/6 - 2k/3), Tucker–Lewis index, RMSEA with its 90% interval, BIC.

Factor scores: ``regression`` (Thurstone, W = R⁻¹ΛΦ), ``bartlett`` (W = U⁻²Λ(ΛᵀU⁻²Λ)⁻¹) or
``tenberge`` (correlation-preserving, see :func:`factor_score_weights`), applied to the standardised data as ``psych::factor.scores`` (which,
after ``cor = "poly"``, takes R for the weights from the Pearson correlations of the raw data;
reproduced here). Rows with a missing answer get missing scores, as in psych.

Missing data: ``use="pairwise"`` is psych's default (pairwise-complete correlations, n = all
rows, residuals weighted by the pairwise counts in the RMSR). ``use="listwise"`` analyses the
complete rows only, i.e. ``fa(na.omit(x))`` — not psych's ``fa(x, use = "complete")``, which
keeps n = all rows.

Why not ``factor_analyzer.FactorAnalyzer``: its ``fit`` crashes with scikit-learn ≥ 1.8, its
minres starts and bounds differ from psych's, its ``principal`` method is not psych's
iterated principal axis, and it neither orders nor signs factors as psych does. The numeric
cores here are short pure functions over numpy arrays, checked against psych's numbers.

References: Revelle, W. (2022), psych: Procedures for Psychological, Psychometric, and
Personality Research, version 2.2.9 (``fa``, ``fa.stats``, ``factor.scores``); Harman, H. H. &
Jones, W. H. (1966), Factor analysis by minimizing residuals (minres); Lawley, D. N. &
Maxwell, A. E. (1971), Factor Analysis as a Statistical Method (ML); Tucker, L. R. & Lewis, C.
(1973), A reliability coefficient for maximum likelihood factor analysis.

R equivalent: ``psych::fa(x, nfactors, rotate = "oblimin", fm = "minres")``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, special

from loyaltyscope.psychometrics import correlations as corr
from loyaltyscope.numerics.display import ResultProtocol
from loyaltyscope.psychometrics.itemdata import (CorrelationInput, HeywoodWarning, ItemDataError, PsychometricWarning,
                                                 emit, prepare_correlations)
from loyaltyscope.psychometrics.rotation import ROTATIONS, RotationResult, canonical_rotation, rotate

__all__ = ["efa", "EFAResult", "extract_minres", "extract_ml",
           "extract_pa", "fa_stats", "factor_score_weights", "METHODS"]

METHODS = ("minres", "ml", "pa")
_PREFIX = {"minres": "MR", "ml": "ML", "pa": "PA"}
PSI_LOWER = 0.005


# ---- extraction ----------------------------------------------------------------------------------------

def _kkt_ok(res, lower, upper, tol: float = 1e-6) -> bool:
    """L-BFGS-B result at a bounded stationary point (projected gradient ~ 0)?"""
    if res.success:
        return True
    g = np.asarray(res.jac, float)
    x = np.asarray(res.x, float)
    lo = -np.inf if lower is None else lower
    pg = np.where((x <= lo + 1e-12) & (g > 0), 0.0, np.where((x >= upper - 1e-12) & (g < 0), 0.0, g))
    return bool(np.abs(pg).max() < tol)


def _leading(a: np.ndarray, k: int):
    w, v = np.linalg.eigh(a)
    return w[::-1][:k], v[:, ::-1][:, :k]


def _uls_f(psi, R, k):
    A = R - np.diag(psi)
    w, v = np.linalg.eigh(A)
    top = np.maximum(w[-k:], 0.0)
    L = v[:, -k:] * np.sqrt(top)
    res = A - L @ L.T
    return float((res * res).sum()), -2.0 * np.diag(res).copy()


def extract_minres(R: np.ndarray, k: int, *, lower: float = PSI_LOWER, upper: float = 1.0,
                   start: np.ndarray | None = None, ftol: float = 1e-15, gtol: float = 1e-10):
    """Minres loadings of a correlation matrix (psych ``fm = "minres"``).

    Returns ``(loadings, psi, converged, iterations)``; ``loadings`` are the k leading
    eigenvectors of R - diag(ψ) times sqrt(max(eigenvalue, 0)) (psych's ``FAout.wls``).
    ``ftol``/``gtol`` are L-BFGS-B's tolerances (psych's ``optim`` stops at a relative change
    of about 2e-9, far looser than the defaults here).
    """
    s = corr.smc(R)
    x0 = np.diag(R) - s if start is None else np.asarray(start, float)
    lo = -np.inf if lower is None else lower
    x0 = np.clip(x0, lo if np.isfinite(lo) else -10, upper)
    res = optimize.minimize(_uls_f, x0, args=(R, k), jac=True, method="L-BFGS-B",
                            bounds=[(None if not np.isfinite(lo) else lo, upper)] * len(x0),
                            options={"ftol": ftol, "gtol": gtol, "maxiter": 5000, "maxcor": 20})
    psi = res.x
    w, v = _leading(R - np.diag(psi), k)
    L = v * np.sqrt(np.maximum(w, 0.0))
    return L, psi, _kkt_ok(res, lower, upper), int(res.nit)


def _ml_f(psi, R, k):
    sc = 1.0 / np.sqrt(psi)
    S = R * sc[:, None] * sc[None, :]
    e, V = np.linalg.eigh(S)
    p = len(psi)
    small = e[: p - k]
    f = -(np.sum(np.log(small) - small) - k + p)
    top_e, top_v = e[p - k:], V[:, p - k:]
    load = top_v * np.sqrt(np.maximum(top_e - 1.0, 0.0))
    load = np.sqrt(psi)[:, None] * load
    g = np.einsum("ij,ij->i", load, load) + psi - np.diag(R)
    return float(f), g / psi ** 2


def extract_ml(R: np.ndarray, k: int, *, lower: float = PSI_LOWER, upper: float = 1.0):
    """Maximum likelihood loadings (psych ``fm = "ml"``, the ``factanal`` objective).

    Returns ``(loadings, psi, converged, iterations)`` with loadings ψ^{1/2} V sqrt(max(E - 1, 0))
    from the eigen decomposition of ψ^{-1/2}Rψ^{-1/2}.
    """
    s = corr.smc(R)
    p = R.shape[0]
    x0 = np.full(k, 0.5) if (np.sum(s) == k and k > 1) else np.diag(R) - s
    if len(x0) != p:
        x0 = np.diag(R) - s
    x0 = np.clip(x0, lower, upper)
    res = optimize.minimize(_ml_f, x0, args=(R, k), jac=True, method="L-BFGS-B",
                            bounds=[(lower, upper)] * p,
                            options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 5000, "maxcor": 20})
    psi = res.x
    sc = 1.0 / np.sqrt(psi)
    w, v = _leading(R * sc[:, None] * sc[None, :], k)
    L = np.sqrt(psi)[:, None] * (v * np.sqrt(np.maximum(w - 1.0, 0.0)))
    return L, psi, _kkt_ok(res, lower, upper), int(res.nit)


def extract_pa(R: np.ndarray, k: int, *, min_err: float = 0.001, max_iter: int = 50):
    """Iterated principal axis factoring exactly as psych ``fm = "pa"``.

    Returns ``(loadings, values, converged, iterations, problem)`` where ``values`` are the
    eigenvalues of the last reduced matrix (psych's ``$values``) and ``problem`` a message if
    an eigenvalue became negative (psych's "imaginary eigen value condition") or NaN.
    """
    rm = R.copy()
    np.fill_diagonal(rm, corr.smc(R))
    comm = float(np.trace(rm))
    err = comm
    i = 1
    converged = True
    problem = ""
    L = np.full((R.shape[0], k), np.nan)
    vals = np.full(R.shape[0], np.nan)
    while err > min_err:
        w, v = np.linalg.eigh(rm)
        vals, vecs = w[::-1], v[:, ::-1]
        with np.errstate(invalid="ignore"):
            L = vecs[:, :k] * np.sqrt(vals[:k])
        new = (L * L).sum(axis=1)
        comm1 = float(new.sum())
        np.fill_diagonal(rm, new)
        err = abs(comm - comm1)
        if np.isnan(err):
            problem = ("iterated principal axis: a leading eigenvalue of the reduced correlation matrix became "
                       "negative (psych: 'imaginary eigen value condition'); try fewer factors or method='minres'")
            converged = False
            break
        comm = comm1
        i += 1
        if i > max_iter:
            converged = err <= min_err
            break
    return L, vals, converged, i - 1, problem


# ---- fit statistics (psych::fa.stats) ---------------------------------------------------------------------

def _harmonic_mean(a):
    a = np.asarray(a, float).ravel()
    if (a == 0).any():
        return 0.0
    return float(1.0 / np.mean(1.0 / a))


def fa_stats(r: np.ndarray, L: np.ndarray, phi: np.ndarray | None, nobs: float, np_obs: np.ndarray | None = None,
             alpha: float = 0.1, smooth: bool = True) -> dict:
    """Fit statistics of a factor solution as ``psych::fa.stats``.

    Returns a dict with ``rmsr``, ``crms``, ``echisq`` (empirical chi-square), ``ebic``,
    ``df``, ``objective``, ``chisq`` (likelihood ratio with Bartlett's correction), ``pvalue``,
    ``tli``, ``rmsea`` with ``rmsea_lower``/``rmsea_upper`` (a 1 - ``alpha`` interval), ``bic``,
    ``null_chisq``, ``null_df``, ``fit``, ``fit_off``.
    """
    n, nf = L.shape
    model = L @ L.T if phi is None else L @ phi @ L.T
    residual = r - model
    r2 = float((r * r).sum())
    rstar2 = float((residual * residual).sum())
    dof = n * (n - 1) / 2 - n * nf + nf * (nf - 1) / 2
    r2_off = r2 - float(np.trace(r))
    np.fill_diagonal(residual, 0.0)
    out: dict = {"df": dof}
    nan = float("nan")
    if np_obs is None:
        rstar_off = float((residual ** 2).sum())
        out["echisq"] = rstar_off * nobs
        out["rmsr"] = float(np.sqrt(rstar_off / (n * (n - 1))))
        nh = nobs
        out["crms"] = float(np.sqrt(rstar_off / (2 * dof))) if dof > 0 else nan
        out["ebic"] = out["echisq"] - dof * np.log(nobs) if dof > 0 else nan
    else:
        rstar_off = float((residual ** 2 * np_obs).sum())
        w = r * r * np_obs
        r2_off = float(w.sum() - np.trace(w))
        out["echisq"] = rstar_off
        nh = _harmonic_mean(np_obs)
        out["rmsr"] = float(np.sqrt(rstar_off / (nh * n * (n - 1))))
        out["crms"] = float(np.sqrt(rstar_off / (2 * nh * dof))) if dof > 0 else nan
        out["ebic"] = rstar_off - dof * np.log(nh) if dof > 0 else nan
    out["fit"] = 1 - rstar2 / r2
    out["fit_off"] = 1 - rstar_off / r2_off if r2_off > 0 else nan
    m = model.copy()
    np.fill_diagonal(m, np.diag(r))
    m, _ = corr.cor_smooth(m)
    rs = corr.cor_smooth(r)[0] if smooth else r
    try:
        mir = np.linalg.solve(m, rs)
        sign, logdet = np.linalg.slogdet(mir)
        objective = float(np.trace(mir) - logdet - n) if sign > 0 else nan
    except np.linalg.LinAlgError:
        objective = nan
    out["objective"] = objective
    sign0, logdet0 = np.linalg.slogdet(rs)
    F0 = float(np.trace(rs) - logdet0 - n) if sign0 > 0 else nan
    out.update(chisq=nan, pvalue=nan, tli=nan, rmsea=nan, rmsea_lower=nan, rmsea_upper=nan, bic=nan,
               null_chisq=nan, null_df=n * (n - 1) / 2)
    if np.isfinite(nobs):
        corr_n = (nobs - 1) - (2 * n + 5) / 6 - (2 * nf) / 3
        chisq = objective * corr_n
        if np.isfinite(chisq) and chisq < 0:
            chisq = 0.0
        out["chisq"] = chisq
        out["pvalue"] = float(special.chdtrc(dof, chisq)) if dof > 0 else nan
        Mm = objective / dof if dof != 0 else nan
        M0 = F0 * 2 / (n * (n - 1))
        out["null_chisq"] = F0 * ((nobs - 1) - (2 * n + 5) / 6)
        out["tli"] = (M0 - Mm) / (M0 - 1 / corr_n)
        if dof > 0 and np.isfinite(objective):
            rmsea = float(np.sqrt(max(chisq / (dof * nobs) - 1 / (nobs - 1), 0)))
            tail = alpha / 2
            hi = max(nobs, chisq) + 2 * nobs
            p0 = special.chdtr(dof, chisq)

            def root(target):
                fn = lambda lam: (special.chndtr(chisq, dof, lam) if lam > 0 else p0) - target
                try:
                    return optimize.brentq(fn, 0.0, hi, xtol=1e-10)
                except ValueError:
                    return nan

            upper = lower = 0.0
            if p0 > tail:
                lam = root(tail)
                upper = float(np.sqrt(lam / (nobs - 1) / dof)) if np.isfinite(lam) else (0.0 if rmsea <= 0 else nan)
            if p0 > 1 - tail:
                lam = root(1 - tail)
                lower = float(np.sqrt(lam / (nobs - 1) / dof)) if np.isfinite(lam) else nan
            if np.isfinite(upper) and upper < rmsea:
                upper = nan
            if np.isfinite(lower) and lower > rmsea:
                lower = nan
            out.update(rmsea=rmsea, rmsea_lower=lower, rmsea_upper=upper, bic=chisq - dof * np.log(nobs))
    return out


def factor_score_weights(r: np.ndarray, L: np.ndarray, phi: np.ndarray, method: str) -> np.ndarray:
    """Factor score weights as ``psych::factor.scores``.

    regression (Thurstone): W = R⁻¹ΛΦ (pseudo-inverse if R is singular);
    bartlett: W = U⁻²Λ(ΛᵀU⁻²Λ)⁻¹ with U² = 1 - diag(ΛΦΛᵀ);
    tenberge (ten Berge, Krijnen, Wansbeek & Shapiro 1999, correlation-preserving): with
    L = ΛΦ^{1/2}, W = R^{-1/2} R^{-1/2} L (LᵀR⁻¹L)^{-1/2} Φ^{1/2}.
    """
    if method == "regression":
        S = L @ phi
        try:
            return np.linalg.solve(r, S)
        except np.linalg.LinAlgError:
            return corr.pinv(r) @ S
    if method == "bartlett":
        u2 = 1 - np.einsum("ij,jk,ik->i", L, phi, L)
        Lu = L / u2[:, None]
        return Lu @ np.linalg.inv(L.T @ Lu)
    if method == "tenberge":
        Ls = L @ _mat_sqrt(phi)
        r5 = _inv_mat_sqrt(r)                   # psych: of R before cor.smooth, the inverse after it
        C = r5 @ Ls @ _inv_mat_sqrt(Ls.T @ np.linalg.solve(corr.cor_smooth(r)[0], Ls))
        return r5 @ C @ _mat_sqrt(phi)
    raise ValueError(f"scores={method!r}: expected None, 'regression', 'bartlett' or 'tenberge'")


def _mat_sqrt(a: np.ndarray) -> np.ndarray:
    """Symmetric square root, negative eigenvalues set to machine epsilon (psych ``matSqrt``)."""
    w, v = np.linalg.eigh(a)
    w = np.where(w < 0, np.finfo(float).eps, w)
    return (v * np.sqrt(w)) @ v.T


def _inv_mat_sqrt(a: np.ndarray) -> np.ndarray:
    """Inverse symmetric square root, eigenvalues below eps set to 100 eps (psych ``invMatSqrt``)."""
    w, v = np.linalg.eigh(a)
    eps = np.finfo(float).eps
    w = np.where(w < eps, 100 * eps, w)
    return (v / np.sqrt(w)) @ v.T


# ---- result ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class EFAResult(ResultProtocol):
    """An exploratory factor solution (psych ``fa`` conventions).

    Attributes
    ----------
    loadings : DataFrame (items × factors)
        Pattern loadings, factors ordered by variance accounted for, column sums positive.
    structure : DataFrame
        Structure matrix ΛΦ (equal to ``loadings`` for orthogonal solutions).
    communalities, uniquenesses : Series (index item)
        h² = rowSums(unrotated Λ²) and 1 - h².
    phi : DataFrame
        Factor correlations (identity for orthogonal or unrotated solutions).
    variance : DataFrame
        ``ss_loadings``, ``proportion_var``, ``cumulative_var``, ``proportion_explained``,
        ``cumulative_proportion`` per factor (psych's ``Vaccounted``).
    fit_measures : Series
        ``rmsr``, ``chisq``, ``df``, ``pvalue``, ``tli``, ``rmsea`` (+ 90% bounds), ``bic``,
        ``echisq``, ``objective``, ... (see :func:`fa_stats`; psych's ``dof`` is ``df``).
    eigenvalues : DataFrame
        ``correlation``: eigenvalues of R; ``reduced``: of R with communalities on the diagonal.
    scores, score_weights : DataFrame or None
        Factor scores (respondents × factors) and weights (items × factors) when requested.
    nobs : float
        Respondents (NaN for a correlation matrix without ``nobs``).
    heywood : tuple of str
        Items with a uniqueness at the lower bound or a communality ≥ 1.
    warnings : tuple of str
        Everything the solution should be read with (also issued as Python warnings).
    """

    loadings: pd.DataFrame
    structure: pd.DataFrame
    communalities: pd.Series
    uniquenesses: pd.Series
    phi: pd.DataFrame
    variance: pd.DataFrame
    fit_measures: pd.Series
    eigenvalues: pd.DataFrame
    correlation: pd.DataFrame
    residuals: pd.DataFrame
    scores: pd.DataFrame | None
    score_weights: pd.DataFrame | None
    n_factors: int
    method: str
    rotation: str
    oblique: bool
    nobs: float
    cor: str
    use: str
    converged: bool
    iterations: int
    rotation_info: RotationResult | None
    heywood: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())

    @property
    def complexity(self) -> pd.Series:
        """Hoffman's item complexity (Σλ²)²/Σλ⁴ of the pattern loadings (psych ``com``)."""
        L = self.loadings.to_numpy()
        return pd.Series((L ** 2).sum(1) ** 2 / (L ** 4).sum(1), index=self.loadings.index, name="complexity")

    @property
    def title(self) -> str:
        n = "unknown" if not np.isfinite(self.nobs) else f"{int(self.nobs)}"
        return (f"Exploratory factor analysis: method = {self.method}, rotation = {self.rotation}, "
                f"{self.n_factors} factor(s), {len(self.loadings)} items, n = {n} ({self.cor}, {self.use})")

    def _headline(self) -> list[str]:
        f = self.fit_measures
        lines = [f"Degrees of freedom: {f['df']:.0f}; objective: {f['objective']:.4f}; RMSR: {f['rmsr']:.4f}; "
                 f"empirical chi-square: {f['echisq']:.2f}"]
        if np.isfinite(f["chisq"]):
            lines.append(f"Likelihood chi-square: {f['chisq']:.2f} on {f['df']:.0f} df, p = {f['pvalue']:.4g}; "
                         f"TLI = {f['tli']:.3f}; RMSEA = {f['rmsea']:.4f} "
                         f"[{f['rmsea_lower']:.4f}, {f['rmsea_upper']:.4f}]; BIC = {f['bic']:.2f}")
        ri = self.rotation_info
        if ri is not None and ri.n_starts > 1:
            lines.append(f"Rotation: {ri.n_starts} starts (0 = identity, psych's), lowest criterion at start "
                         f"{ri.best_start}; reported solution's criterion {ri.criterion:.6g}")
        return lines

    def tables(self) -> dict[str, pd.DataFrame]:
        t = self.loadings.copy()
        t["h2"] = self.communalities
        t["u2"] = self.uniquenesses
        t["com"] = self.complexity
        out = {"loadings": t, "variance": self.variance}
        if self.oblique:
            out["phi"] = self.phi
        out["fit_measures"] = self.fit_measures.to_frame("value")
        return out


# ---- efa, step by step -----------------------------------------------------------------------------------

def _check_efa_arguments(method, rotation, scores, keep, heywood) -> str:
    if method not in METHODS:
        raise ValueError(f"method={method!r}: expected one of {', '.join(METHODS)}")
    rotation = canonical_rotation(rotation)
    if rotation not in ROTATIONS:
        raise ValueError(f"rotation={rotation!r}: expected one of {', '.join(ROTATIONS)} (or 'geomin')")
    if scores not in (None, "regression", "bartlett", "tenberge"):
        raise ValueError(f"scores={scores!r}: expected None, 'regression', 'bartlett' or 'tenberge'")
    if keep not in ("identity", "best"):
        raise ValueError(f"keep={keep!r}: expected 'identity' or 'best'")
    if heywood not in ("bound", "free"):
        raise ValueError(f"heywood={heywood!r}: expected 'bound' or 'free'")
    return rotation


def _extract(R, k, method, heywood, min_err, max_iter, warns):
    """Unrotated loadings with psych's signs; returns ``(L0, psi, values, converged, iterations)``."""
    lower = PSI_LOWER if heywood == "bound" else None
    values = psi = None
    if method == "minres":
        L0, psi, conv, its = extract_minres(R, k, lower=lower)
    elif method == "ml":
        L0, psi, conv, its = extract_ml(R, k, lower=PSI_LOWER if heywood == "bound" else 1e-6)
    else:
        L0, values, conv, its, problem = extract_pa(R, k, min_err=min_err, max_iter=max_iter)
        if problem:
            warns.append(problem)
        elif not conv:
            warns.append(f"iterated principal axis: maximum iteration ({max_iter}) exceeded before the total "
                         f"communality changed by less than {min_err} (psych stops there too)")
    if not conv and method != "pa":
        warns.append(f"{method} extraction did not converge in {its} iterations")
    if np.isnan(L0).any():
        raise ItemDataError([(None, "the factor extraction produced undefined loadings (negative eigenvalues of the "
                                    "reduced correlation matrix); try fewer factors or another method")], "efa")
    # psych: signs so that column sums are positive, then exact zeros replaced by 1e-15
    sg = np.sign(L0.sum(axis=0))
    sg[sg == 0] = 1
    L0 = np.where(L0 * sg == 0.0, 1e-15, L0 * sg)
    if values is None:
        S = R.copy()
        np.fill_diagonal(S, (L0 * L0).sum(axis=1))
        values = np.linalg.eigvalsh(S)[::-1]
    return L0, psi, values, conv, its


def _rotate(L0, rotation, n_starts, seed, keep, warns):
    """Rotated loadings and Φ (None if orthogonal), signed and ordered as psych; with the
    rotation's record."""
    k = L0.shape[1]
    L, phi, info = L0, None, None
    if rotation != "none" and k > 1:
        info = rotate(L0, rotation, n_starts=n_starts, seed=seed, keep=keep)
        L = info.loadings
        phi = None if info.orthogonal else info.phi
        if not info.converged:
            warns.append(f"{rotation} rotation did not converge in {info.iterations} iterations "
                         f"(GPArotation's limit); the loadings are those of the last iteration")
        if info.n_starts > 1 and info.best_start != 0:
            c0, cb = info.start_criteria[0], info.start_criteria[info.best_start]
            if keep == "identity":
                warns.append(f"{rotation}: a random start reached a lower criterion ({cb:.6g}) than the identity "
                             f"start psych uses ({c0:.6g}); psych's (identity-start) solution is reported, a local "
                             f"optimum — keep='best' reports the better one")
            else:
                warns.append(f"{rotation}: random start {info.best_start} reached a lower criterion ({cb:.6g}) "
                             f"than the identity start psych uses ({c0:.6g}); the lower one is reported, psych "
                             f"reports the other local optimum")
    sg = np.sign(L.sum(axis=0))
    sg[sg == 0] = 1
    L = L * sg
    if phi is not None:
        phi = phi * np.outer(sg, sg)
    if k > 1:
        ev = np.diag(phi @ L.T @ L) if phi is not None else (L * L).sum(axis=0)
        order = np.argsort(-ev, kind="stable")
        L = L[:, order]
        if phi is not None:
            phi = phi[np.ix_(order, order)]
    return L, phi, info


def _heywood_cases(names, psi, h2, bounded: bool, warns) -> list[str]:
    hey = []
    if psi is not None and bounded:
        hey += [names[i] for i in np.nonzero(psi <= PSI_LOWER * (1 + 1e-6))[0]]
        if hey:
            detail = ", ".join(f"{nm} (communality {h2[names.index(nm)]:.3f})" for nm in hey)
            warns.append(f"Heywood case: the uniqueness parameter of {detail} reached psych's lower bound "
                         f"{PSI_LOWER}; the unbounded estimate would be smaller, possibly negative, so these "
                         f"communalities are not trustworthy (heywood='free' shows the unbounded solution)")
    ultra = [names[i] for i in np.nonzero(h2 >= 1.0)[0] if names[i] not in hey]
    if ultra:
        hey += ultra
        detail = ", ".join(f"{nm} ({h2[names.index(nm)]:.3f})" for nm in ultra)
        warns.append(f"Heywood case: communality ≥ 1 for {detail} (uniqueness ≤ 0); examine these items (too many "
                     f"factors, or a nearly redundant item)")
    return hey


def _variance_accounted(L, phi, R, h2, fnames) -> pd.DataFrame:
    vx = np.diag(phi @ L.T @ L) if phi is not None else (L * L).sum(axis=0)
    vtotal = float(np.sum(h2 + (np.diag(R) - h2)))
    return pd.DataFrame([vx, vx / vtotal, np.cumsum(vx / vtotal), vx / vx.sum(), np.cumsum(vx / vx.sum())],
                        index=["ss_loadings", "proportion_var", "cumulative_var", "proportion_explained",
                               "cumulative_proportion"], columns=fnames)


def _factor_scores(data, ci: CorrelationInput, L, phi_full, scores, fnames, warns):
    """Scores and weights as ``psych::factor.scores`` (None, None without raw data)."""
    if scores is None:
        return None, None
    if ci.x is None:
        warns.append("factor scores need raw data; a correlation matrix was given, so no scores were computed")
        return None, None
    # psych's factor.scores uses Pearson correlations of the raw data (also after cor = "poly")
    rs = ci.r if ci.cor == "pearson" else corr.pairwise_cor(ci.x)[0]
    W = factor_score_weights(rs, L, phi_full, scores)
    x = ci.x
    z = (x - np.nanmean(x, axis=0)) / np.nanstd(x, axis=0, ddof=1)
    sc = pd.DataFrame(z @ W, columns=pd.Index(fnames),
                      index=data.index[ci.rows] if isinstance(data, pd.DataFrame) else None)
    return sc, pd.DataFrame(W, index=list(ci.names), columns=fnames)


@corr.small_blas
def efa(data, n_factors: int = 1, rotation: str = "oblimin", method: str = "minres", *, cor: str = "pearson",
        use: str = "pairwise", nobs: float | None = None, scores: str | None = None, n_starts: int | None = None,
        seed: int | None = 1, keep: str = "identity", heywood: str = "bound", min_err: float = 0.001,
        max_iter: int = 50) -> EFAResult:
    """Exploratory factor analysis equal to ``psych::fa``.

    Parameters
    ----------
    data : DataFrame, array or correlation matrix
        Raw item responses (rows respondents; NaN missing) or a correlation matrix (then give
        ``nobs`` for the chi-square based statistics).
    n_factors : int
        Number of factors.
    rotation : str
        ``none``, ``varimax``, ``quartimax``, ``equamax``, ``geominT`` (orthogonal); ``promax``,
        ``oblimin``, ``quartimin``, ``geominQ`` / ``geomin`` (oblique). See
        :mod:`loyaltyscope.psychometrics.rotation`.
    method : {"minres", "ml", "pa"}
        Extraction (psych ``fm``).
    cor : {"pearson", "poly"}
        Correlations of raw data: Pearson or polychoric (:func:`loyaltyscope.polychoric`).
    use : {"pairwise", "listwise"}
        Missing data: pairwise-complete correlations (psych's default) or complete rows only
        (as ``fa(na.omit(x))``).
    nobs : float, optional
        Respondents behind a correlation or covariance matrix (psych ``n.obs``). With raw data
        n is the number of rows, as in psych; a ``nobs`` given then is ignored with a warning.
    scores : {None, "regression", "bartlett", "tenberge"}
        Factor scores to compute (raw data only; psych ``scores``, ``"tenBerge"`` spelled
        ``"tenberge"``).
    n_starts : int, optional
        Rotation starts (identity first, then random orthogonal matrices drawn with ``seed``);
        default 1 (psych's single identity start) except geomin, whose criterion often has
        local optima: 10.
    seed : int
        Seed of the random starts (default 1: the same call gives the same numbers).
    keep : {"identity", "best"}
        Which rotation start to report: ``identity`` (default) is psych's solution — if a
        random start reaches a lower criterion, a warning gives both values; ``best`` reports
        the lowest criterion found.
    heywood : {"bound", "free"}
        ``bound`` keeps uniquenesses ≥ 0.005 as psych and warns naming the items at the bound;
        ``free`` lets minres uniquenesses go below (ML keeps 1e-6, its likelihood needs ψ > 0).

    Returns
    -------
    EFAResult

    Examples
    --------
    >>> import loyaltyscope as ls
    >>> bfi = ls.load_dataset("bfi")                                 # doctest: +SKIP
    >>> e = ls.efa(bfi.loc[:, "A1":"O5"], 5, rotation="oblimin")      # doctest: +SKIP

    R equivalent: ``psych::fa(bfi[1:25], nfactors = 5, rotate = "oblimin", fm = "minres")``.
    """
    rotation = _check_efa_arguments(method, rotation, scores, keep, heywood)
    ci = prepare_correlations(data, cor=cor, use=use, nobs=nobs, context="efa", nobs_of_raw_data=False,
                              require_pd=(method == "ml"), purpose="a maximum likelihood factor analysis")
    R, names = ci.r, list(ci.names)
    p, k = len(names), int(n_factors)
    if not 1 <= k <= p:
        raise ValueError(f"n_factors={n_factors!r}: expected between 1 and the number of items ({p})")
    if n_starts is None:
        n_starts = 10 if rotation in ("geominT", "geominQ") else 1
    warns = list(ci.warnings)
    L0, psi, values, conv, its = _extract(R, k, method, heywood, min_err, max_iter, warns)
    h2 = (L0 * L0).sum(axis=1)
    L, phi, rot_info = _rotate(L0, rotation, n_starts, seed, keep, warns)
    fnames = [f"{_PREFIX[method]}{j + 1}" for j in range(k)]
    phi_full = phi if phi is not None else np.eye(k)
    st = fa_stats(R, L, phi, ci.nobs, ci.np_obs)
    if st["df"] <= 0:
        warns.append(f"{k} factor(s) of {p} items leave {st['df']:g} degrees of freedom: the model is saturated or "
                     f"over-parameterised (not identified, the loadings are not unique), so the p-value, RMSEA and "
                     f"BIC are undefined (NaN); the chi-square and TLI are reported as psych does, without meaning")
    elif not np.isfinite(ci.nobs):
        warns.append("a correlation matrix without nobs: the chi-square, TLI, RMSEA and BIC need the number of "
                     "respondents and are NaN")
    hey = _heywood_cases(names, psi, h2, heywood == "bound", warns)
    if np.abs(L).max() > 1:
        warns.append("a loading greater than 1 in absolute value was found; examine the loadings carefully")
    sc_df, w_df = _factor_scores(data, ci, L, phi_full, scores, fnames, warns)
    warns_t = tuple(emit([w], HeywoodWarning if w.startswith("Heywood") else PsychometricWarning)[0]
                    for w in warns)
    iidx, fidx = pd.Index(names), pd.Index(fnames)
    return EFAResult(
        loadings=pd.DataFrame(L, index=iidx, columns=fidx),
        structure=pd.DataFrame(L @ phi_full, index=iidx, columns=fidx),
        communalities=pd.Series(h2, index=iidx, name="communality"),
        uniquenesses=pd.Series(np.diag(R) - h2, index=iidx, name="uniqueness"),
        phi=pd.DataFrame(phi_full, index=fidx, columns=fidx),
        variance=_variance_accounted(L, phi, R, h2, fnames),
        fit_measures=pd.Series(st, name="fit_measures"),
        eigenvalues=pd.DataFrame({"correlation": np.linalg.eigvalsh(R)[::-1], "reduced": values},
                                 index=pd.RangeIndex(1, p + 1, name="number")),
        correlation=pd.DataFrame(R, index=iidx, columns=iidx),
        residuals=pd.DataFrame(R - L @ phi_full @ L.T, index=iidx, columns=iidx),
        scores=sc_df, score_weights=w_df, n_factors=k, method=method, rotation=rotation,
        oblique=phi is not None, nobs=ci.nobs, cor=ci.cor, use=ci.use, converged=bool(conv), iterations=int(its),
        rotation_info=rot_info, heywood=tuple(hey), warnings=warns_t)
