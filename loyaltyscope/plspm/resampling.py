"""Bootstrap of a PLS path model: percentile and BCa intervals, reproducible for any worker count.

- Resample b draws its rows from its own generator, ``default_rng(SeedSequence(seed).spawn(B)[b])``,
  so its numbers depend only on ``(seed, b)``: the same seed gives the same draws whatever
  the chunk size or the number of workers.
- Resamples are estimated in chunks on stacks of correlation matrices
  (:func:`loyaltyscope.plspm.estimates.estimate_stack`); chunks may run on threads
  (``workers``); a progress bar (tqdm) shows for long runs when stderr is a terminal.
- A resample whose algorithm does not converge or gives non-finite numbers is *failed*:
  counted, reported, and left out of the summaries.
- No sign-change correction (as seminr's ``bootstrap_model``; SmartPLS's default "no sign
  changes"): with a stable sign, as on the ECSI data, it makes no difference.
- Percentile interval: R's ``quantile(type = 7)`` of the draws at α/2 and 1 − α/2 (seminr).
  BCa (Efron 1987): bias correction ``z0 = Φ⁻¹(#{θ*_b < θ̂}/B)``, acceleration
  ``a = Σ(θ̄ − θ_(i))³ / (6 [Σ(θ̄ − θ_(i))²]^{3/2})`` from the n leave-one-out (jackknife) fits,
  then the quantiles ``Φ(z0 + (z0 + z_α)/(1 − a(z0 + z_α)))``.
- SE is the standard deviation of the draws (n − 1); ``t = est / se``; the p-value is
  two-sided from Student's t with ``B − 1`` degrees of freedom (seminr's convention).

R equivalent: ``seminr::bootstrap_model(model, nboot, seed)``; ``boot::boot.ci(type = "bca")``.
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy import stats

from loyaltyscope.plspm.estimates import StackEstimates, estimate_stack
from loyaltyscope.plspm.specification import PLSSpec
from loyaltyscope.plspm.errors import PLSError

__all__ = ["BootstrapDraws", "bootstrap_stack", "jackknife_stack", "interval", "CI_METHODS",
           "correlation_stack"]

CI_METHODS = ("percentile", "bca")
_FIELDS = ("weights", "loadings", "paths", "r2", "total", "htmt")


@dataclass(frozen=True)
class BootstrapDraws:
    """Draws of every bootstrapped statistic (first axis: successful resamples)."""

    draws: dict              # field -> array (B_ok, ...)
    jackknife: dict | None   # field -> array (n, ...) for BCa, else None
    n_boot: int
    n_failed: int
    seed: int | None


def chunk_size(n: int, q: int, cap: int = 250) -> int:
    """Resamples per batch so that a batch's rows (chunk × n × q floats) stay near 32 MB."""
    return int(max(1, min(cap, 4_000_000 // max(n * q, 1))))


def correlation_stack(Z: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Correlation matrices (B, q, q) of the rows ``idx`` (B, m) of ``Z`` (n, q)."""
    Xb = Z[idx]
    Xb = Xb - Xb.mean(axis=1, keepdims=True)
    C = np.swapaxes(Xb, 1, 2) @ Xb
    d = np.sqrt(np.einsum("bii->bi", C))
    with np.errstate(divide="ignore", invalid="ignore"):
        return C / (d[:, :, None] * d[:, None, :])


def _expand(Sq: np.ndarray, pos: np.ndarray) -> np.ndarray:
    return Sq[:, pos[:, None], pos]


def _fields(est: StackEstimates) -> dict:
    return {f: getattr(est, f) for f in _FIELDS + ("converged",)}


def _one_by_one(S, spec, scheme, consistent, max_iter, tol, sd):
    """Estimates of each resample alone; a resample with a singular matrix is failed (NaN)."""
    parts, converged = [], np.zeros(len(S), dtype=bool)
    template = None
    for b in range(len(S)):
        try:
            with np.errstate(all="ignore"):
                f = _fields(estimate_stack(S[b:b + 1], spec, scheme, consistent, max_iter, tol,
                                           None if sd is None else sd[b:b + 1]))
            converged[b] = bool(f.pop("converged")[0])
            template = template or f
        except np.linalg.LinAlgError:
            f = None
        parts.append(f)
    if template is None:
        template = {k: np.zeros((1,) + _shape(spec, k)) for k in _FIELDS}
    nan = {k: np.full_like(v, np.nan) for k, v in template.items()}
    return {k: np.concatenate([(p or nan)[k] for p in parts]) for k in _FIELDS}, converged


def _shape(spec: PLSSpec, field: str) -> tuple:
    p, m = len(spec.items), len(spec.constructs)
    return {"weights": (p,), "loadings": (p,), "paths": (m, m), "r2": (m,), "total": (m, m), "htmt": (m, m)}[field]


def resample_sd(Z: np.ndarray, rows: np.ndarray, pos: np.ndarray, item_sd: np.ndarray | None):
    """Indicator SDs (B, p) within each row set, from the full-sample SDs ``item_sd`` (q,)."""
    if item_sd is None:
        return None
    return (Z[rows].std(axis=1, ddof=1) * item_sd)[:, pos]


def _chunk(Z, pos, spec, rows, scheme, consistent, max_iter, tol, item_sd=None):
    S = _expand(correlation_stack(Z, rows), pos)
    ok = np.isfinite(S).all(axis=(1, 2))
    S = np.where(ok[:, None, None], S, np.eye(S.shape[1]))
    sd = resample_sd(Z, rows, pos, item_sd)
    try:
        with np.errstate(all="ignore"):    # a degenerate resample is counted as failed, not warned
            out = _fields(estimate_stack(S, spec, scheme, consistent, max_iter, tol, sd))
        converged = out.pop("converged")
    except np.linalg.LinAlgError:     # a singular resample (few distinct rows): fit one by one
        out, converged = _one_by_one(S, spec, scheme, consistent, max_iter, tol, sd)
        ok &= converged
    good = ok & converged
    for f in ("weights", "loadings", "paths", "r2", "total"):
        good &= np.isfinite(out[f].reshape(len(good), -1)).all(axis=1)
    return out, good


def bootstrap_stack(Z: np.ndarray, pos: np.ndarray, spec: PLSSpec, n_boot: int, seed: int | None,
                    scheme: str, consistent: bool, max_iter: int, tol: float, chunk: int | None = None,
                    workers: int = 1, progress: bool | None = None, item_sd: np.ndarray | None = None,
                    rows: np.ndarray | None = None) -> BootstrapDraws:
    """Bootstrap draws of every statistic. ``Z`` (n, q) standardized unique indicators,
    ``pos`` the column of ``Z`` behind each block indicator; ``rows`` (n_boot, n) replays
    given resamples instead of drawing them (e.g. another program's, for a parity check)."""
    n = Z.shape[0]
    children = np.random.SeedSequence(seed).spawn(n_boot) if rows is None else None
    chunk = chunk or chunk_size(n, Z.shape[1])
    starts = list(range(0, n_boot, chunk))
    if progress is None:
        progress = n_boot >= 2000 and sys.stderr.isatty()

    def run(s):   # a chunk's rows are drawn when it runs: memory stays bounded for any n_boot
        part = rows[s:s + chunk] if children is None else \
            np.stack([np.random.default_rng(c).integers(0, n, size=n) for c in children[s:s + chunk]])
        return _chunk(Z, pos, spec, part, scheme, consistent, max_iter, tol, item_sd)

    if workers > 1:
        with ThreadPoolExecutor(workers) as ex:
            parts = list(ex.map(run, starts))
    else:
        parts = []
        bar = None
        if progress:
            from tqdm import tqdm
            bar = tqdm(total=n_boot, desc="PLS bootstrap", file=sys.stderr)
        for s in starts:
            parts.append(run(s))
            if bar is not None:
                bar.update(min(chunk, n_boot - s))
        if bar is not None:
            bar.close()
    good = np.concatenate([g for _, g in parts])
    draws = {f: np.concatenate([p[f] for p, _ in parts])[good] for f in _FIELDS}
    return BootstrapDraws(draws, None, n_boot, int((~good).sum()), seed)


def jackknife_stack(Z: np.ndarray, pos: np.ndarray, spec: PLSSpec, scheme: str, consistent: bool,
                    max_iter: int, tol: float, item_sd: np.ndarray | None = None) -> dict:
    """Leave-one-out estimates of every statistic (n, ...), for the BCa acceleration."""
    n = Z.shape[0]
    out: dict = {f: [] for f in _FIELDS}
    step = chunk_size(n, Z.shape[1])
    for s in range(0, n, step):
        rows = np.array([np.delete(np.arange(n), i) for i in range(s, min(s + step, n))])
        S = _expand(correlation_stack(Z, rows), pos)
        sd = resample_sd(Z, rows, pos, item_sd)
        try:
            got = _fields(estimate_stack(S, spec, scheme, consistent, max_iter, tol, sd))
        except np.linalg.LinAlgError:
            got, _ = _one_by_one(S, spec, scheme, consistent, max_iter, tol, sd)
        for f in _FIELDS:
            out[f].append(got[f])
    return {f: np.concatenate(v) for f, v in out.items()}


def interval(draws: np.ndarray, est: np.ndarray, level: float, method: str,
             jack: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds (shape of ``est``) from the draws (B, ...)."""
    alpha = 1 - level
    if method == "percentile":
        lo = np.quantile(draws, alpha / 2, axis=0)
        hi = np.quantile(draws, 1 - alpha / 2, axis=0)
        return lo, hi
    if method != "bca":
        raise PLSError(f"boot_ci must be one of {CI_METHODS}, got {method!r}")
    if jack is None:
        raise PLSError("BCa intervals need the jackknife estimates")
    with np.errstate(divide="ignore", invalid="ignore"):
        z0 = stats.norm.ppf(np.mean(draws < est[None], axis=0))
        d = jack.mean(axis=0)[None] - jack
        a = (d ** 3).sum(axis=0) / (6 * ((d ** 2).sum(axis=0)) ** 1.5)
    bounds = []
    for q in (alpha / 2, 1 - alpha / 2):
        zq = stats.norm.ppf(q)
        adj = stats.norm.cdf(z0 + (z0 + zq) / (1 - a * (z0 + zq)))
        flat_d = draws.reshape(draws.shape[0], -1)
        flat_q = np.nan_to_num(adj.reshape(-1), nan=q)
        bounds.append(np.array([np.quantile(flat_d[:, k], flat_q[k]) for k in range(flat_d.shape[1])]
                               ).reshape(est.shape))
    return bounds[0], bounds[1]
