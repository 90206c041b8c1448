"""How many factors? KMO, Bartlett's sphericity test, parallel analysis, Velicer's MAP — as psych.

- :func:`kmo` — Kaiser–Meyer–Olkin measure of sampling adequacy (Kaiser, 1974; ``psych::KMO``):
  with Q the anti-image correlations (R⁻¹ scaled to unit diagonal),
  MSA = Σ_{i≠j} r_ij² / (Σ_{i≠j} r_ij² + Σ_{i≠j} q_ij²), per item over column i.
- :func:`bartlett` — ``psych::cortest.bartlett``: χ² = -ln|R| (n - 1 - (2p + 5)/6),
  df = p(p - 1)/2, on the pairwise correlation matrix with n = number of rows.
- :func:`parallel_analysis` — ``psych::fa.parallel`` (Horn, 1965): eigenvalues of the observed
  correlation matrix (components) and of its one-factor minres reduced matrix (factors),
  against the ``quantile`` of the same eigenvalues from ``n_iter`` data sets of independent
  normal variables of the same size (and, for raw data, of column-wise resampled data). The
  suggested number is the count of leading observed eigenvalues above the simulated quantile
  (psych's ``nfact`` / ``ncomp``). Every draw comes from ``numpy.random.default_rng(seed)``.
- :func:`velicer_map` — Velicer's (1976) minimum average partial, as ``psych::VSS``'s ``map``:
  after removing i principal components, the mean squared off-diagonal partial correlation.

Speed (parallel analysis). The normal-data correlation matrices are drawn directly: for n
independent N(0, I_p) rows, (n - 1)S ~ Wishart_p(n - 1, I), sampled by Bartlett's
decomposition (lower-triangular T with T_ii² ~ χ²_{n-i}, T_ij ~ N(0, 1) below the diagonal),
S = TTᵀ/(n - 1), R = cov2cor(S) — the same distribution as ``cor(matrix(rnorm(n * p), n))``
in psych, without generating n × p numbers. The one-factor minres fits of all simulated
matrices are done together by Newton's method on the loadings (the same minimum as psych's
optimisation over uniquenesses; any fit that would reach psych's 0.005 bound is redone with
the exact bounded routine of :mod:`loyaltyscope.psychometrics.exploratory`).

R equivalents: ``psych::KMO(x)``, ``psych::cortest.bartlett(x)``,
``psych::fa.parallel(x, n.iter = 100)``, ``psych::VSS(x)$map``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from scipy.linalg import lapack

from loyaltyscope.psychometrics import correlations as corr
from loyaltyscope.psychometrics.exploratory import PSI_LOWER, extract_minres, prepare_correlations
from loyaltyscope.psychometrics.itemdata import ItemDataError, PsychometricWarning, emit, nonpositive_definite_items
from loyaltyscope.numerics.display import frame_html, frame_text, para_html

__all__ = ["kmo", "bartlett", "parallel_analysis", "velicer_map", "KMOResult", "BartlettResult",
           "ParallelAnalysisResult", "MAPResult", "kmo_matrix", "bartlett_statistic", "minres_one_factor_values",
           "map_values"]


# ---- numeric cores -------------------------------------------------------------------------------------

def kmo_matrix(r: np.ndarray) -> tuple[float, np.ndarray]:
    """KMO overall and per item of a correlation matrix (Kaiser 1974 formula, as psych::KMO)."""
    q = np.linalg.inv(r)
    d = 1.0 / np.sqrt(np.diag(q))
    qc = q * d[:, None] * d[None, :]
    np.fill_diagonal(qc, 0.0)
    r0 = r.copy()
    np.fill_diagonal(r0, 0.0)
    r2, q2 = r0 * r0, qc * qc
    overall = r2.sum() / (r2.sum() + q2.sum())
    return float(overall), r2.sum(axis=0) / (r2.sum(axis=0) + q2.sum(axis=0))


def bartlett_statistic(r: np.ndarray, n: float) -> tuple[float, float, float]:
    """Bartlett's test that R is an identity matrix: (chisq, df, p)."""
    p = r.shape[0]
    sign, logdet = np.linalg.slogdet(r)
    if sign <= 0:
        return float("nan"), p * (p - 1) / 2, float("nan")
    chisq = -logdet * (n - 1 - (2 * p + 5) / 6)
    df = p * (p - 1) / 2
    return float(chisq), float(df), float(stats.chi2.sf(chisq, df))


def minres_one_factor_values(rs: np.ndarray, tol: float = 1e-10, max_iter: int = 30, warm: int = 2,
                             max_step: float = np.inf) -> np.ndarray:
    """Eigenvalues of the one-factor minres reduced matrices of a batch of correlation matrices.

    ``rs``: (B, p, p). For each R, the loadings l minimise Σ_{i≠j}(r_ij - l_i l_j)²: psych's
    start (the leading eigenvector of R with SMCs on the diagonal), ``warm`` principal-axis
    steps (monotone, so the iteration stays in the start's basin — the one-factor minres
    criterion of nearly uncorrelated data has several local minima, and psych's optimiser
    stays near its start too), then Newton's method on l with step halving (a Levenberg–Marquardt
    shift where the Hessian is indefinite); fits that would reach psych's bound (Heywood) or
    have not converged after ``max_iter`` Newton steps are redone with the exact bounded
    routine :func:`loyaltyscope.psychometrics.exploratory.extract_minres`;
    returned are the eigenvalues (descending) of R with l² on the diagonal — psych's
    ``fa(R, nfactors = 1, fm = "minres")$values``. Shape (B, p).
    """
    rs = np.asarray(rs, float)
    B, p, _ = rs.shape
    eye = np.eye(p, dtype=bool)
    try:
        inv = np.linalg.inv(rs)
    except np.linalg.LinAlgError:
        inv = np.linalg.pinv(rs, hermitian=True)
    smc = np.clip(1 - 1 / np.einsum("bii->bi", inv), 0, 1)
    start = rs.copy()
    start[:, eye] = smc
    l = _leading_loadings(start)
    for _ in range(warm):          # principal-axis steps: monotone descent that stays in the start's basin
        start[:, eye] = l * l
        l = _leading_loadings(start)
    dR = np.einsum("bii->bi", rs)
    c0 = (rs * rs).sum(axis=(1, 2)) - (dR * dR).sum(axis=1)      # Σ_{i≠j} r_ij²
    f = _offdiag_loss(rs, dR, c0, l)
    active = np.ones(B, bool)
    for _ in range(max_iter):
        idx = np.nonzero(active)[0]
        if idx.size == 0:
            break
        L, R, fi, dRi, c0i = l[idx], rs[idx], f[idx], dR[idx], c0[idx]
        L2 = L * L
        s2 = L2.sum(axis=1, keepdims=True)
        # gradient of ¼Σ_{i≠j}(r_ij - l_i l_j)²: -Σ_{j≠i}(r_ij - l_i l_j) l_j
        g = -(np.einsum("bij,bj->bi", R, L) - dRi * L - L * (s2 - L2))
        H = 2 * (L[:, :, None] * L[:, None, :]) - R
        H[:, eye] = s2 - L2
        try:
            step = -np.linalg.solve(H, g[:, :, None])[:, :, 0]
        except np.linalg.LinAlgError:
            step = -g
        ascent = ((step * g).sum(axis=1) >= 0) | ~np.isfinite(step).all(axis=1)
        if ascent.any():     # indefinite Hessian: shift it to positive definite (Levenberg-Marquardt)
            Ha = H[ascent]
            mu = np.maximum(-np.linalg.eigvalsh(Ha)[:, 0], 0.0) + 1e-3 * (1 + np.abs(Ha).max(axis=(1, 2)))
            Ha = Ha + mu[:, None, None] * np.eye(p)[None]
            step[ascent] = -np.linalg.solve(Ha, g[ascent][:, :, None])[:, :, 0]
        big = np.abs(step).max(axis=1, keepdims=True)
        step = step * np.minimum(1.0, max_step / np.maximum(big, 1e-300))   # trust region: stay near the start
        t = np.ones(idx.size)
        for _h in range(40):
            new = L + t[:, None] * step
            fn = _offdiag_loss(R, dRi, c0i, new)
            worse = fn > fi + 1e-13 * (1 + np.abs(fi))
            if not worse.any():
                break
            t = np.where(worse, t / 2, t)
        ok = ~worse                                   # accepted steps (no increase beyond rounding)
        moved = np.where(ok, np.abs(t[:, None] * step).max(axis=1), 0.0)
        l[idx] = np.where(ok[:, None], new, L)
        f[idx] = np.where(ok, fn, fi)
        # converged, or heading for a Heywood case (communality > 1): that one is redone below with
        # psych's bounded routine, so there is no point iterating further
        done = (moved < tol) | (np.abs(g).max(axis=1) < tol) | ((l[idx] ** 2).max(axis=1) > 1.0)
        active[idx[done]] = False
    h2 = l * l
    # Heywood cases (psych's bound 0.005 is active) and the rare slow Newton runs: psych's exact routine
    for b in np.nonzero((h2.max(axis=1) > 1 - PSI_LOWER) | active)[0]:
        Lb = extract_minres(rs[b], 1, ftol=1e-11, gtol=1e-7)[0]     # still tighter than psych's optim
        h2[b] = (Lb * Lb).sum(axis=1)
    S = rs.copy()
    S[:, eye] = h2
    return np.linalg.eigvalsh(S)[:, ::-1]


def _leading_loadings(a: np.ndarray) -> np.ndarray:
    """sqrt(λ₁) v₁ of each matrix of a batch (LAPACK dsyevr for the top eigenpair only: about
    twice as fast as a full batched eigen decomposition at 25 × 25)."""
    B, p, _ = a.shape
    out = np.empty((B, p))
    for b in range(B):
        w, v, _m, _isuppz, info = lapack.dsyevr(a[b], range="I", il=p, iu=p, compute_v=1)
        if info != 0:
            ww, vv = np.linalg.eigh(a[b])
            w, v = ww[-1:], vv[:, -1:]
        out[b] = v[:, 0] * np.sqrt(max(w[0], 0.0))
    return out


def _offdiag_loss(rs, dr, c0, l):
    """¼ Σ_{i≠j}(r_ij - l_i l_j)² = ¼ (Σ_{i≠j} r²_ij - 2(lᵀRl - Σ r_ii l_i²) + (Σl²)² - Σl⁴)."""
    l2 = l * l
    cross = np.einsum("bi,bij,bj->b", l, rs, l) - (dr * l2).sum(axis=1)
    return 0.25 * (c0 - 2 * cross + l2.sum(axis=1) ** 2 - (l2 * l2).sum(axis=1))


def map_values(r: np.ndarray, n: int = 8, power: int = 2) -> np.ndarray:
    """Velicer's MAP: mean (squared, or 4th power) partial correlation after 0..n components.

    Element 0 is the mean of the observed off-diagonal r^power; element i (1..min(n, p-1)) is
    psych's ``map[i]``.
    """
    p = r.shape[0]
    w, v = np.linalg.eigh(r)
    w, v = w[::-1], v[:, ::-1]
    comp = v * np.sqrt(np.maximum(w, 0))
    n1 = min(n, p - 1)
    out = np.full(n + 1, np.nan)
    off = ~np.eye(p, dtype=bool)
    out[0] = (np.abs(r[off]) ** power).sum() / (p * (p - 1))
    for i in range(1, n1 + 1):
        c = r - comp[:, :i] @ comp[:, :i].T
        d = 1 / np.sqrt(np.diag(c))
        rs = c * d[:, None] * d[None, :]
        out[i] = (np.abs(rs[off]) ** power).sum() / (p * (p - 1))
    return out


# ---- results ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class KMOResult:
    """Kaiser–Meyer–Olkin sampling adequacy. Unpacks as ``overall, per_item = ls.kmo(x)``."""

    overall: float
    per_item: pd.Series
    warnings: tuple[str, ...] = ()

    def __iter__(self):
        return iter((self.overall, self.per_item))

    @staticmethod
    def label(v: float) -> str:
        """Kaiser's (1974) verbal labels."""
        for cut, lab in ((0.9, "marvelous"), (0.8, "meritorious"), (0.7, "middling"), (0.6, "mediocre"),
                         (0.5, "miserable")):
            if v >= cut:
                return lab
        return "unacceptable"

    def summary(self, digits: int = 3) -> str:
        t = self.per_item.to_frame("MSA")
        t["label"] = [self.label(v) for v in self.per_item]
        lines = [f"Kaiser-Meyer-Olkin factor adequacy: overall MSA = {self.overall:.{digits}f} "
                 f"({self.label(self.overall)})", "", frame_text(t, digits)]
        if self.warnings:
            lines += ["", "Warnings:"] + [f"  - {w}" for w in self.warnings]
        return "\n".join(lines)

    def __str__(self):
        return self.summary()

    def _repr_html_(self):
        return ("<div>" + para_html(f"KMO overall MSA = {self.overall:.3f} ({self.label(self.overall)})", bold=True)
                + frame_html(self.per_item.to_frame("MSA")) + "".join(para_html("Warning: " + w) for w in self.warnings)
                + "</div>")


@dataclass(frozen=True)
class BartlettResult:
    """Bartlett's test of sphericity. Unpacks as ``chisq, df, p = ls.bartlett(x)``."""

    chisq: float
    df: float
    p: float
    n_obs: float

    def __iter__(self):
        return iter((self.chisq, self.df, self.p))

    def summary(self) -> str:
        return (f"Bartlett's test that the correlation matrix is an identity matrix: chi-square = {self.chisq:.2f}, "
                f"df = {self.df:.0f}, p = {self.p:.4g} (n = {self.n_obs:g})")

    def __str__(self):
        return self.summary()

    def _repr_html_(self):
        return "<div>" + para_html(self.summary()) + "</div>"


@dataclass(frozen=True)
class ParallelAnalysisResult:
    """Parallel analysis (psych ``fa.parallel``).

    ``n_factors`` / ``n_components``: psych's ``nfact`` / ``ncomp`` suggestions (None if that
    part was not run). ``eigenvalues``: one row per eigenvalue number with the observed PC and
    FA eigenvalues and the mean and quantile of the simulated (normal data) and resampled ones —
    the data of psych's scree plot.
    """

    n_factors: int | None
    n_components: int | None
    eigenvalues: pd.DataFrame
    n_iter: int
    quantile: float
    seed: int | None
    fa: str
    n_obs: float
    warnings: tuple[str, ...] = field(default=())

    def summary(self, digits: int = 3) -> str:
        lines = [f"Parallel analysis ({self.n_iter} iterations, {self.quantile:g} quantile, seed {self.seed}): "
                 f"number of factors = {self.n_factors}, number of components = {self.n_components}", "",
                 frame_text(self.eigenvalues, digits)]
        if self.warnings:
            lines += ["", "Warnings:"] + [f"  - {w}" for w in self.warnings]
        return "\n".join(lines)

    def __str__(self):
        return self.summary()

    def _repr_html_(self):
        return ("<div>" + para_html(f"Parallel analysis: {self.n_factors} factors, {self.n_components} components",
                                    bold=True) + frame_html(self.eigenvalues) + "</div>")


@dataclass(frozen=True)
class MAPResult:
    """Velicer's minimum average partial: ``map`` indexed by the number of components removed
    (0 = the observed correlations); ``n_factors`` = psych's choice (the minimum over 1..n)."""

    n_factors: int
    map: pd.Series
    power: int

    def summary(self, digits: int = 4) -> str:
        return (f"Velicer's MAP (power {self.power}): minimum with {self.n_factors} component(s)\n\n"
                + frame_text(self.map.to_frame("average partial"), digits))

    def __str__(self):
        return self.summary()

    def _repr_html_(self):
        return ("<div>" + para_html(f"Velicer's MAP: {self.n_factors} factor(s)", bold=True)
                + frame_html(self.map.to_frame("average partial"), digits=4) + "</div>")


# ---- public functions ----------------------------------------------------------------------------------

@corr.small_blas
def kmo(data, *, use: str = "pairwise") -> KMOResult:
    """Kaiser–Meyer–Olkin measure of sampling adequacy, as ``psych::KMO``.

    MSA = Σ_{i≠j} r²_ij / (Σ_{i≠j} r²_ij + Σ_{i≠j} q²_ij), q = anti-image correlations
    -(R⁻¹)_ij / sqrt((R⁻¹)_ii (R⁻¹)_jj) (Kaiser 1974). Per item: sums over column i.

    Returns a :class:`KMOResult`; ``overall, per_item = ls.kmo(x)``.
    R equivalent: ``psych::KMO(x)``.
    """
    ci = prepare_correlations(data, use=use, context="kmo", require_pd=False)
    if ci.x is not None and ci.x.shape[0] <= len(ci.names):
        raise ItemDataError([(None, f"{ci.x.shape[0]} respondents but {len(ci.names)} items: the correlation matrix "
                                    f"is singular, so the anti-image correlations (its inverse) do not exist")], "kmo")
    bad = nonpositive_definite_items(ci.r, ci.names)
    if bad:
        raise ItemDataError([(None, "the correlation matrix is not positive definite, so the anti-image correlations "
                                    f"are undefined; the items involved are {', '.join(bad)}")], "kmo")
    overall, per = kmo_matrix(ci.r)
    w = emit(ci.warnings, PsychometricWarning)
    return KMOResult(overall, pd.Series(per, index=list(ci.names), name="MSA"), w)


def bartlett(data, n_obs: float | None = None, *, use: str = "pairwise") -> BartlettResult:
    """Bartlett's (1951) test of sphericity, as ``psych::cortest.bartlett``.

    χ² = -ln|R| (n - 1 - (2p + 5)/6), df = p(p - 1)/2. With raw data, R is the pairwise
    correlation matrix and n the number of rows; with a correlation matrix give ``n_obs``.
    Returns a :class:`BartlettResult`; ``chisq, df, p = ls.bartlett(x)``.
    R equivalent: ``psych::cortest.bartlett(x)``.
    """
    ci = prepare_correlations(data, use=use, n_obs=n_obs, context="bartlett")
    if not np.isfinite(ci.n_obs):
        raise ValueError("bartlett: a correlation matrix was given without n_obs; the test needs the number of "
                         "respondents (psych silently assumes 100)")
    chisq, df, p = bartlett_statistic(ci.r, ci.n_obs)
    if not np.isfinite(chisq):
        bad = nonpositive_definite_items(ci.r, ci.names)
        raise ItemDataError([(None, "the correlation matrix is not positive definite (its determinant is not "
                                    "positive), so -ln|R| is undefined"
                                    + (f"; the items involved are {', '.join(bad)}" if bad else ""))], "bartlett")
    return BartlettResult(chisq, df, p, ci.n_obs)


def _wishart_correlations(rng, n: int, p: int, B: int) -> np.ndarray:
    dfs = (n - 1) - np.arange(p)
    T = np.zeros((B, p, p))
    iu = np.tril_indices(p, -1)
    T[:, iu[0], iu[1]] = rng.standard_normal((B, len(iu[0])))
    T[:, np.arange(p), np.arange(p)] = np.sqrt(rng.chisquare(dfs, size=(B, p)))
    S = T @ T.transpose(0, 2, 1)
    d = 1 / np.sqrt(np.einsum("bii->bi", S))
    R = S * d[:, :, None] * d[:, None, :]
    R[:, np.arange(p), np.arange(p)] = 1.0
    return R


@corr.small_blas
def parallel_analysis(data, n_iter: int = 100, quantile: float = 0.95, seed: int | None = 1, fa: str = "both", *,
                      n_obs: float | None = None, use: str = "pairwise", cor: str = "pearson",
                      resample: bool = True) -> ParallelAnalysisResult:
    """Parallel analysis (Horn, 1965) as ``psych::fa.parallel``.

    Parameters
    ----------
    data : DataFrame or correlation matrix
        Raw responses, or a correlation matrix with ``n_obs``.
    n_iter : int
        Simulated data sets (psych ``n.iter``).
    quantile : float
        Quantile of the simulated eigenvalues to exceed (psych ``quant``, 0.95).
    seed : int
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same numbers.
    fa : {"both", "fa", "pc"}
        Which eigenvalues to compare.
    resample : bool
        Also resample the observed data column-wise (psych does this for raw data; only
        reported, psych's suggestion uses the normal simulations).

    Returns
    -------
    ParallelAnalysisResult
        ``.n_factors`` (psych's ``nfact``), ``.n_components`` (``ncomp``), ``.eigenvalues``.

    R equivalent: ``psych::fa.parallel(x, n.iter = 100, fm = "minres", fa = "both")``.
    """
    if fa not in ("both", "fa", "pc"):
        raise ValueError(f"fa={fa!r}: expected 'both', 'fa' or 'pc'")
    if not 0 < quantile < 1:
        raise ValueError(f"quantile={quantile!r}: expected a number between 0 and 1")
    if int(n_iter) < 1:
        raise ValueError(f"n_iter={n_iter!r}: expected a positive integer")
    ci = prepare_correlations(data, use=use, cor=cor, n_obs=n_obs, context="parallel_analysis")
    warns = list(ci.warnings)
    if not np.isfinite(ci.n_obs):
        warns.append("a correlation matrix was given without n_obs; 100 respondents assumed, as psych does")
        nsub = 100
    else:
        nsub = int(ci.n_obs)
    if nsub <= len(ci.names):
        raise ItemDataError([(None, f"{nsub} respondents but {len(ci.names)} items: parallel analysis needs more "
                                    f"respondents than items")], "parallel_analysis")
    R = ci.r
    p = R.shape[0]
    rng = np.random.default_rng(seed)
    do_fa = fa in ("both", "fa")
    pc_obs = np.linalg.eigvalsh(R)[::-1]
    fa_obs = minres_one_factor_values(R[None])[0] if do_fa else np.full(p, np.nan)
    sims = _wishart_correlations(rng, nsub, p, int(n_iter))
    res = None
    if resample and ci.x is not None:
        x = ci.x
        n = x.shape[0]
        # column-major copies (column j at j*n .. j*n + n - 1) of the centred, zero-filled data and
        # of the missing-value indicator, gathered with the same index in every resample
        nanm = np.isnan(x)
        x0 = np.where(nanm, 0.0, x - np.nanmean(x, axis=0))
        x0t = np.ascontiguousarray(x0.T).ravel()
        qt = np.ascontiguousarray(nanm.T.astype(float)).ravel()
        xt = np.ascontiguousarray(x.T).ravel()
        offsets = (np.arange(p) * n)[None, :]
        res = []
        while len(res) < int(n_iter):
            # psych: each column resampled with replacement on its own (correlations ~ 0)
            flat = rng.integers(0, n, size=(n, p), dtype=np.int32 if n * p < 2 ** 31 else np.int64)
            flat += offsets
            if cor == "poly":
                xs = np.take(xt, flat)
                import warnings as _w

                from loyaltyscope.psychometrics.polychoric_correlation import polychoric as _poly
                with _w.catch_warnings():
                    _w.simplefilter("ignore")
                    c = _poly(xs).rho.to_numpy()
            else:
                c = corr.pairwise_cor_masked(np.take(x0t, flat), np.take(qt, flat))
            if not np.isnan(c).any():
                res.append(c)
        res = np.stack(res)
    allr = sims if res is None else np.concatenate([sims, res])
    all_pc = np.linalg.eigvalsh(allr)[:, ::-1]
    all_fa = minres_one_factor_values(allr) if do_fa else None
    B = sims.shape[0]
    sim_pc = all_pc[:B]
    cols = {"observed_pc": pc_obs, "observed_fa": fa_obs,
            "simulated_pc_mean": sim_pc.mean(0), "simulated_pc_quantile": np.quantile(sim_pc, quantile, axis=0)}
    if do_fa:
        cols["simulated_fa_mean"] = all_fa[:B].mean(0)
        cols["simulated_fa_quantile"] = np.quantile(all_fa[:B], quantile, axis=0)
    if res is not None:
        rs_pc = all_pc[B:]
        cols["resampled_pc_mean"] = rs_pc.mean(0)
        cols["resampled_pc_quantile"] = np.quantile(rs_pc, quantile, axis=0)
        if do_fa:
            cols["resampled_fa_mean"] = all_fa[B:].mean(0)
            cols["resampled_fa_quantile"] = np.quantile(all_fa[B:], quantile, axis=0)

    def leading(obs, ref):
        above = obs > ref
        return int(p if above.all() else np.argmin(above))

    n_comp = leading(pc_obs, cols["simulated_pc_quantile"]) if fa in ("both", "pc") else None
    n_fact = leading(fa_obs, cols["simulated_fa_quantile"]) if do_fa else None
    eig = pd.DataFrame(cols, index=pd.RangeIndex(1, p + 1, name="number"))
    return ParallelAnalysisResult(n_fact, n_comp, eig, int(n_iter), float(quantile), seed, fa, ci.n_obs,
                                  emit(warns, PsychometricWarning))


@corr.small_blas
def velicer_map(data, n: int = 8, *, power: int = 2, use: str = "pairwise") -> MAPResult:
    """Velicer's (1976) minimum average partial test, as ``psych::VSS(x)$map``.

    After partialling out the first i principal components, MAP(i) is the mean squared
    off-diagonal partial correlation (``power=4``: O'Connor's revised MAP). The suggested
    number of factors is the i in 1..n with the smallest MAP (psych); MAP(0), the mean squared
    observed correlation, is reported too.
    R equivalent: ``psych::VSS(x, n = 8)$map``.
    """
    ci = prepare_correlations(data, use=use, context="velicer_map")
    if ci.x is not None and ci.x.shape[0] <= len(ci.names):
        raise ItemDataError([(None, f"{ci.x.shape[0]} respondents but {len(ci.names)} items: the partial "
                                    f"correlations are undefined")], "velicer_map")
    vals = map_values(ci.r, n=n, power=power)
    s = pd.Series(vals, index=pd.RangeIndex(0, n + 1, name="components"), name="map")
    best = int(np.nanargmin(vals[1:]) + 1)
    return MAPResult(best, s, power)
