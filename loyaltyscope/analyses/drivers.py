"""Key-driver analysis: which drivers matter most for an outcome (``ls.key_drivers``).

Methods (each a column of ``.importance``):

- ``shapley``: the Shapley value / LMG share of R² (Lindeman, Merenda & Gold 1980; Grömping
  2006) — the average increase in R² when the driver is added, over all orderings; exact over
  all 2^p subsets up to 15 drivers, a stated Monte Carlo over random orderings beyond.
  R: ``relaimpo::calc.relimp(lm(y ~ ., d), type = "lmg")``.
- ``relative_weight``: Johnson's (2000) relative weights (raw R² shares).
  R: ``rwa::rwa`` (``Raw.RelWeight``).
- ``beta``: standardized OLS coefficients with heteroskedasticity-consistent HC3 standard
  errors (MacKinnon & White 1985) from ``statsmodels`` OLS/WLS; ``t = est / se`` referred to
  Student's t on the residual df (rows of positive weight − p − 1); ``vif = diag(R_xx⁻¹)`` of
  the (weighted) driver correlations. R: ``lmtest::coeftest(fit, vcov. = sandwich::vcovHC(fit,
  type = "HC3"))`` of ``lm(y ~ ., weights = w)``, ``car::vif(fit)``.
- ``performance``: the driver's (weighted) mean on its own scale, for the
  importance–performance map (:func:`loyaltyscope.ipa`).

Percentage columns are the shares of R² (they sum to 100). With ``bootstrap=B`` rows are
resampled B times (seeded), every decomposition is recomputed on each resample and the
percentile intervals of the shares are reported. Rows with a missing outcome or driver are
left out (listwise) and counted on ``.warnings``; rows of weight 0 are counted there too and
not in ``nobs`` (as R's ``nobs()`` of a weighted ``lm``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyaltyscope.analyses import relative_importance as ri
from loyaltyscope.analyses.inputs import (AnalysisError, as_frame, complete_rows, name_list, one_blas_thread,
                                          require_columns, resolve_instrument, resolve_weights)
from loyaltyscope.analyses.figures import drivers_figure
from loyaltyscope.numerics.display import ResultProtocol
from loyaltyscope.numerics.magnitudes import dominating_values, scaled_moments, unit_scaled
from loyaltyscope.numerics.options import check_count, check_level, check_seed

__all__ = ["key_drivers", "KeyDriversResult"]


@dataclass(frozen=True, eq=False)
class KeyDriversResult(ResultProtocol):
    """Result of :func:`key_drivers`.

    ``importance`` (indexed by driver): ``beta``, ``shapley``, ``relative_weight`` (raw R²
    shares), ``shapley_pct``, ``relative_weight_pct`` (% of R²), ``rank`` (by Shapley),
    ``performance`` (driver mean) and, with a bootstrap, ``*_lower`` / ``*_upper`` percentile
    limits. ``coefficients``: unstandardized OLS ``est``, HC3 ``se``, ``t`` (``est / se``),
    ``pvalue`` (Student's t on the residual df, as ``lmtest::coeftest``), ``beta``, ``beta_se``,
    ``vif`` (from the weighted driver correlations when weighted, as ``car::vif``).
    """
    title = "Key drivers: decomposition of R²"

    outcome: str
    drivers: tuple[str, ...]
    r2: float
    importance: pd.DataFrame
    coefficients: pd.DataFrame
    nobs: int
    method: str
    bootstrap: int = 0
    seed: int | None = None
    confidence: float = 0.95
    r2_interval: tuple[float, float] | None = None
    warnings: tuple[str, ...] = ()

    def _headline(self) -> list[str]:
        lines = [f"Outcome {self.outcome!r}; {len(self.drivers)} drivers; N = {self.nobs}; R² = {self.r2:.3f}"
                 + (f" ({self.confidence:.0%} bootstrap interval {self.r2_interval[0]:.3f} to "
                    f"{self.r2_interval[1]:.3f})" if self.r2_interval else ""),
                 f"Shapley/LMG: {self.method}. Relative weights: Johnson (2000). Betas: OLS with HC3 SEs "
                 "and t tests on the residual df (statsmodels; as lmtest::coeftest).",
                 f"Ranking by Shapley share: {', '.join(self.importance.sort_values('rank').index)}"]
        if self.bootstrap:
            lines.append(f"Intervals: percentile, {self.bootstrap} bootstrap resamples of rows (seed {self.seed}).")
        return lines

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"importance": self.importance, "coefficients": self.coefficients}

    def ipa(self, rule: str = "means", **kwargs):
        """The importance–performance map of these drivers (:func:`loyaltyscope.ipa`)."""
        from loyaltyscope.analyses.importance_performance import ipa
        return ipa(self, rule=rule, **kwargs)

    def plot(self, ax=None, language: str = "en"):
        """Bar chart of the R² shares (Shapley and relative weights); returns the Figure.
        Titles, axis labels and legends in ``language`` (``"en"`` or ``"zh"``)."""
        return drivers_figure(self, ax=ax, language=language)


def _ols(y: np.ndarray, X: np.ndarray, names: list[str], w: np.ndarray | None, Rxx: np.ndarray) -> pd.DataFrame:
    """OLS/WLS with HC3 SEs, fitted on columns centred and divided by their largest absolute
    deviation (no overflow for values near 1e300, no underflow near 1e-300); ``est`` and ``se``
    are scaled back to the raw units (HC3 is equivariant under rescaling a column).

    ``t = est / se`` is referred to Student's t with the residual df, ``(rows of positive
    weight) − p − 1``, as R's ``lmtest::coeftest(fit, vcov. = sandwich::vcovHC(fit, "HC3"))``
    (``lm`` leaves rows of weight 0 out of ``df.residual``). ``vif = diag(R_xx⁻¹)`` of the
    (weighted) driver correlations ``Rxx``, as ``car::vif`` of the weighted ``lm``.

    A row with leverage 1 (``h_ii > 1 − 10 ε``, the rounding of R's ``lm.influence``) makes HC3
    undefined (``e_i² / (1 − h_ii)²`` is 0/0): every SE is then NaN, as ``sandwich::vcovHC``
    gives, instead of the rounding noise a direct evaluation returns."""
    import statsmodels.api as sm
    from scipy import stats
    Xs, _cx, ux = unit_scaled(X)
    ys, _cy, uy = unit_scaled(y[:, None])
    exog = sm.add_constant(Xs, has_constant="add")
    model = sm.OLS(ys[:, 0], exog) if w is None else sm.WLS(ys[:, 0], exog, weights=w)
    with np.errstate(divide="ignore", invalid="ignore"):   # leverage 1: HC3 undefined, warned by the caller
        res = model.fit(cov_type="HC3")
    ww = np.ones(len(y)) if w is None else w
    def wsd(v):
        m = np.average(v, weights=ww)
        return np.sqrt(np.average((v - m) ** 2, weights=ww))
    sy = wsd(ys[:, 0])
    sx = np.array([wsd(Xs[:, j]) for j in range(X.shape[1])])
    est, se = np.asarray(res.params)[1:], np.asarray(res.bse)[1:]
    if _max_leverage(exog, ww) > 1 - 10 * np.finfo(float).eps:
        se = np.full_like(se, np.nan)       # HC3 divides by (1 - h_ii) = 0: undefined, as R's NaN
    df_resid = int((ww > 0).sum()) - X.shape[1] - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        t = est / se
    back = uy[0] / ux
    return pd.DataFrame({"est": est * back, "se": se * back, "t": t, "pvalue": 2 * stats.t.sf(np.abs(t), df_resid),
                         "beta": est * sx / sy, "beta_se": se * sx / sy, "vif": np.diag(np.linalg.inv(Rxx))},
                        index=pd.Index(names, name="driver"))


def _max_leverage(exog: np.ndarray, w: np.ndarray) -> float:
    """Largest hat value of the (weighted) least-squares fit: ``h = rowsums(Q²)`` of the thin QR
    of ``diag(√w) X``."""
    q, _ = np.linalg.qr(np.sqrt(w)[:, None] * exog)
    return float((q ** 2).sum(axis=1).max())


def _construct_scores(df: pd.DataFrame, inst, names: list[str]) -> pd.DataFrame:
    """Names that are constructs of the instrument (not columns) become their scale scores
    (``ls.score``: reverse keys applied, mean of at least half the items)."""
    todo = [n for n in names if n not in df.columns and inst is not None and n in inst.constructs]
    if not todo:
        return df
    from loyaltyscope import score
    sc = score(df, inst, constructs=todo)
    return df.assign(**{n: sc.scores[n].reindex(df.index) for n in todo})


def key_drivers(data, outcome: str, drivers, bootstrap: int = 0, seed: int | None = None, weights=None,
                confidence: float = 0.95, n_perm: int = 5000, instrument=None) -> KeyDriversResult:
    """Relative importance of ``drivers`` for ``outcome``: Shapley/LMG, relative weights, betas.

    Parameters
    ----------
    data : DataFrame or Responses (with Responses, its survey weights are used by default).
    outcome : column of the outcome (e.g. overall satisfaction or a loyalty score), or a
        construct of the instrument (its scale score, ``ls.score``).
    drivers : list of driver columns or constructs (at least 2).
    bootstrap : number of bootstrap resamples of rows for percentile intervals (0 = none).
    seed : seed of the bootstrap (and of the Monte Carlo Shapley beyond 15 drivers).
    weights : survey weights (column name or array); used as frequency weights in the
        correlations and as WLS weights for the betas.
    confidence : level of the bootstrap intervals.
    n_perm : random orderings for the Monte Carlo Shapley values (more than 15 drivers only).
    instrument : name or Instrument whose constructs may be named as drivers/outcome
        (default: the responses' own instrument).

    Formulas and references: module docstring of :mod:`loyaltyscope.analyses.drivers`.
    R: ``relaimpo::calc.relimp(..., type = "lmg")``, ``rwa::rwa``, ``lm`` with
    ``sandwich::vcovHC(type = "HC3")``.
    """
    with one_blas_thread():
        return _key_drivers(data, outcome, drivers, bootstrap, seed, weights, confidence, n_perm, instrument)


def _key_drivers(data, outcome: str, drivers, bootstrap: int = 0, seed: int | None = None, weights=None,
                confidence: float = 0.95, n_perm: int = 5000, instrument=None) -> KeyDriversResult:
    df, inst_r, resp_w = as_frame(data)
    _inst = resolve_instrument(instrument, inst_r)
    drivers = name_list(drivers, "drivers")
    bootstrap = check_count(bootstrap, "bootstrap", 10, AnalysisError, zero_ok=True, maximum=MAX_RESAMPLES)
    check_seed(seed, AnalysisError)
    check_level(confidence, "confidence", AnalysisError)
    check_count(n_perm, "n_perm", 1, AnalysisError, maximum=MAX_RESAMPLES)
    if len(drivers) < 2:
        raise AnalysisError(f"key_drivers needs at least 2 drivers, got {drivers}")
    if outcome in drivers:
        raise AnalysisError(f"the outcome {outcome!r} is also listed as a driver")
    dup = sorted({d for d in drivers if drivers.count(d) > 1})
    if dup:
        raise AnalysisError(f"drivers listed more than once: {dup}")
    df = _construct_scores(df, _inst, drivers + [outcome])
    require_columns(df, drivers + [outcome])
    w_all = resolve_weights(df, weights, resp_w)
    if w_all is not None:
        df = df.assign(__w=w_all)
    sub, warns = complete_rows(df, drivers + [outcome])
    n, p = len(sub), len(drivers)
    if n <= p + 1:
        raise AnalysisError(f"{n} complete rows for {p} drivers: need more than {p + 1}")
    X = sub[drivers + [outcome]].to_numpy(dtype=float)
    Xs, center, unit = unit_scaled(X)
    w = sub["__w"].to_numpy(dtype=float) if w_all is not None else None
    if w is not None:
        w = w / w.max() if w.max() > 0 else w
        n_eff = w.sum() ** 2 / (w ** 2).sum() if w.max() > 0 else 0.0
        if (w > 0).sum() <= p + 1 or n_eff <= p + 1:
            raise AnalysisError(f"the weights leave {int((w > 0).sum())} complete rows with a positive weight "
                                f"(Kish effective sample size {n_eff:.3g}) for {p} drivers: need more than {p + 1}")
        if (w == 0).any():
            zero = sub.index[w == 0]
            warns.append(f"{len(zero)} of {n} complete rows have weight 0 and do not count (N = {n - len(zero)}, as "
                         f"R's nobs() of the weighted lm): rows {', '.join(map(str, zero[:10]))}"
                         + (" ..." if len(zero) > 10 else ""))
    _, sd = scaled_moments(X if w is None else X[w > 0])
    const = [c for c, s in zip(drivers + [outcome], sd) if not s > 0]
    if const:
        raise AnalysisError(f"column(s) {const} are constant in the complete rows; nothing to decompose")
    warns += list(dominating_values(X, drivers + [outcome], sub.index))
    R = ri.weighted_correlations(Xs, np.ones((1, n)) if w is None else w[None, :])
    _check_dependence(R[0, :-1, :-1], drivers)
    rng = np.random.default_rng(seed)
    exact = p <= ri.EXACT_MAX
    if not exact and n_perm * (p + 1) ** 2 > _CHUNK_FLOATS * 5:
        raise AnalysisError(f"{p} drivers with n_perm={n_perm} random orderings need {n_perm * (p + 1) ** 2:.3g} "
                            f"floats at once; lower n_perm to at most {_CHUNK_FLOATS * 5 // (p + 1) ** 2}")
    def shap(Rs):
        if exact:
            return ri.shapley_from_subsets(ri.subset_r2(Rs), p)
        return np.array([ri.shapley_sampled(Rb, n_perm, rng) for Rb in Rs])
    sh = shap(R)[0]
    rw = ri.relative_weights(R)[0]
    r2 = float(sh.sum())
    coef = _ols(X[:, -1], X[:, :-1], drivers, w, R[0, :-1, :-1])
    perf = center[:-1] + unit[:-1] * np.average(Xs[:, :-1], axis=0, weights=w)
    imp = pd.DataFrame({"beta": coef["beta"].to_numpy(), "shapley": sh, "relative_weight": rw,
                        "shapley_pct": 100 * sh / r2, "relative_weight_pct": 100 * rw / r2},
                       index=pd.Index(drivers, name="driver"))
    imp["rank"] = imp["shapley"].rank(ascending=False, method="min").astype(int)
    imp["performance"] = perf
    method = (f"exact over all {1 << p} subsets" if exact else
              f"Monte Carlo approximation over {n_perm} random orderings (more than {ri.EXACT_MAX} drivers)")
    r2_int = None
    if bootstrap:
        Rb, shb, rwb, n_bad = _bootstrap(Xs, w, int(bootstrap), rng, shap, p, exact)
        if n_bad:
            warns.append(f"{n_bad} of {bootstrap} bootstrap resamples had singular driver "
                         "correlations and were left out")
        r2b = shb.sum(axis=1)
        a = (1 - confidence) / 2
        for name, vals in (("shapley", shb), ("relative_weight", rwb), ("shapley_pct", 100 * shb / r2b[:, None]),
                           ("relative_weight_pct", 100 * rwb / r2b[:, None]),
                           ("beta", ri.standardized_betas(Rb))):
            imp[f"{name}_lower"] = np.quantile(vals, a, axis=0)
            imp[f"{name}_upper"] = np.quantile(vals, 1 - a, axis=0)
        r2_int = (float(np.quantile(r2b, a)), float(np.quantile(r2b, 1 - a)))
    bad = coef.index[~np.isfinite(coef[["est", "se", "t", "pvalue"]].to_numpy(dtype=float)).all(axis=1)].tolist()
    if bad:
        warns.append(f"the HC3 standard errors of {bad} are not finite (a row with leverage 1: one respondent "
                     "alone determines a coefficient); read the betas with care")
    high_vif = coef.index[coef["vif"] > 5].tolist()
    if high_vif:
        warns.append(f"VIF above 5 for {high_vif}: betas are unstable; the R² shares remain interpretable")
    n_used = n if w is None else int((w > 0).sum())
    return KeyDriversResult(outcome, tuple(drivers), r2, imp, coef, n_used, method, int(bootstrap), seed, confidence,
                            r2_int, tuple(warns))


_DEPENDENT = 1e-10   # smallest eigenvalue of the driver correlation matrix, relative to p


def _full_rank(Rxx: np.ndarray) -> np.ndarray:
    """Per matrix of the stack (B, p, p): the drivers are not (numerically) linearly dependent."""
    ok = np.all(np.isfinite(Rxx), axis=(1, 2))
    ev = np.full(len(Rxx), -1.0)
    ev[ok] = np.linalg.eigvalsh(Rxx[ok])[:, 0]
    return ok & (ev > _DEPENDENT * Rxx.shape[-1])


def _check_dependence(Rxx: np.ndarray, drivers: list) -> None:
    """Refuse linearly dependent drivers, naming those in the dependence (smallest eigenvector)."""
    ev, vec = np.linalg.eigh(Rxx)
    if ev[0] > _DEPENDENT * len(drivers):
        return
    v = np.abs(vec[:, 0])
    names = [d for d, x in zip(drivers, v) if x > 0.1 * v.max()]
    raise AnalysisError(f"the drivers {drivers} are linearly dependent (singular correlation matrix, smallest "
                        f"eigenvalue {ev[0]:.2g}): {names} are (nearly) a linear combination of each other; "
                        "drop or combine one of them")


MAX_RESAMPLES = 100_000
_CHUNK_FLOATS = 20_000_000    # floats per bootstrap chunk (counts, subset R², correlations): ~160 MB


def _bootstrap(Xs, w, n_boot, rng, shap, p, exact):
    """Correlations, Shapley values and relative weights of the resamples with full-rank driver
    correlations, in chunks so that memory stays bounded (the 2^p subset table and the B × n
    counts); the row draws are the same as in one call (one generator, drawn in order)."""
    n, q = Xs.shape
    per = (1 << p if exact else 0) + n + q * q
    chunk = int(max(1, min(n_boot, _CHUNK_FLOATS // per)))
    parts, n_bad = [], 0
    for start in range(0, n_boot, chunk):
        counts = ri.bootstrap_counts(n, min(chunk, n_boot - start), rng)
        if w is not None:
            counts = counts * w[None, :]
        Rb = ri.weighted_correlations(Xs, counts)
        ok = _full_rank(Rb[:, :-1, :-1])
        n_bad += int((~ok).sum())
        Rb = Rb[ok]
        parts.append((Rb, shap(Rb), ri.relative_weights(Rb)))
    return tuple(np.concatenate([pt[k] for pt in parts]) for k in range(3)) + (n_bad,)
