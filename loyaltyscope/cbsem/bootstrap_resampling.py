"""Resampling and refitting for the bootstrap (see :mod:`loyaltyscope.cbsem.bootstrap` for the
method): the setup every worker needs, resample counts and their moments (the sample-statistics
stage for all resamples of a chunk at once), the Bollen-Stine rotation, one chunk's refits
(batched ML first, :mod:`loyaltyscope.cbsem.estimators.batched_ml`, then the full optimiser for
the rest), and the process pool that runs the chunks.

Reproducibility: chunks of ``CHUNK`` resamples with their own child seeds, so the numbers do
not depend on the number of workers. Threads: the serial path passes the setup explicitly;
pools fork only from a single-threaded process (else from a fork server, else fresh
interpreters), so fits from several threads never share state or deadlock.
"""

from __future__ import annotations

import dataclasses
import math
import os
import sys
import time
import warnings
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from loyaltyscope.cbsem.estimate import MLProblem, fit_ml, row_values
from loyaltyscope.cbsem.estimators.batched_ml import newton_batch
from loyaltyscope.cbsem.ram import _matrices, implied
from loyaltyscope.numerics.threads import limit_blas_in_worker, one_blas_thread

__all__ = ["BootstrapSetup", "CHUNK", "resample_counts", "weighted_moments", "bollen_stine_data", "refit_batch",
           "run_resamples", "boot_tasks", "jack_tasks", "collect", "OK", "NONADMISSIBLE", "STATUS"]

CHUNK = 25                       # resamples per task; fixed, so results do not depend on workers

OK, NONADMISSIBLE, NOT_CONVERGED, ERROR = 0, 1, 2, 3


STATUS = {OK: "ok", NONADMISSIBLE: "nonadmissible", NOT_CONVERGED: "not converged",
           ERROR: "unusable resample"}


@dataclass(frozen=True)
class BootstrapSetup:
    """Everything a worker needs to refit one resample (arrays; picklable unless ``nonlinear``
    holds closures, in which case only fork-based or in-process execution is possible)."""

    problem: MLProblem                       # the full-sample problem (layouts, K, theta0, ...)
    theta_hat: np.ndarray                    # full-sample estimate: start of every refit
    data: dict                               # name -> per-group row arrays (NaN = missing, FIML)
    table: dict                              # parameter table columns (fallback start values)
    ov_names: tuple
    lv_names: tuple
    exo: tuple = ()                          # (table row, group, i, j, is_mean) of fixed.x rows
    nonlinear: Any = None                    # (eq_fun, ineq_fun) for SLSQP, or None
    max_iter: int = 500

    @property
    def fiml(self) -> bool:
        return self.problem.patterns is not None


def resample_counts(rng: np.random.Generator, n_rows: int, size: int) -> np.ndarray:
    """Counts (size, n_rows): how often each row is drawn in each of ``size`` resamples of
    ``n_rows`` rows with replacement (R: ``sample.int(n, replace = TRUE)``)."""
    idx = rng.integers(0, n_rows, size=(size, n_rows))
    flat = (idx + (np.arange(size) * n_rows)[:, None]).ravel()
    return np.bincount(flat, minlength=size * n_rows).reshape(size, n_rows)


def weighted_moments(X: np.ndarray, W: np.ndarray):
    """Means (B, p) and covariances (B, p, p), divisor sum(w), of the rows of X (n, p) weighted
    by each row of W (B, n) — all resamples at once."""
    W = np.asarray(W, float)
    center = X.mean(axis=0)
    Xc = X - center
    tot = W.sum(axis=1)
    d = (W @ Xc) / tot[:, None]
    M2 = np.einsum("bn,ni,nj->bij", W, Xc, Xc, optimize=True) / tot[:, None, None]
    covs = M2 - d[:, :, None] * d[:, None, :]
    return d + center, covs


def _sym_sqrt(A: np.ndarray, inverse: bool = False) -> np.ndarray:
    vals, vecs = np.linalg.eigh(A)
    vals = np.clip(vals, 0, None)
    f = np.where(vals > 0, 1 / np.sqrt(np.where(vals > 0, vals, 1)), 0) if inverse else np.sqrt(vals)
    return (vecs * f) @ vecs.T


def bollen_stine_data(problem: MLProblem, theta: np.ndarray, data: Sequence[np.ndarray]):
    """Per group Z = (X - xbar) S^-1/2 Sigma_hat^1/2 (+ mu_hat with a mean structure): data whose
    moments equal the model-implied ones (Bollen & Stine, 1992; lavaan's ``bollen.stine``)."""
    v = row_values(problem, theta)
    out = []
    for lay, X, S in zip(problem.layouts, data, problem.covs):
        Sigma, mu = implied(lay, v)[:2]
        Z = (X - X.mean(axis=0)) @ _sym_sqrt(S, inverse=True) @ _sym_sqrt(Sigma)
        out.append(Z + mu if problem.meanstructure else Z)
    return tuple(out)


def _positive_definite(S: np.ndarray) -> bool:
    """S is a usable sample covariance matrix: positive variances and a correlation matrix
    whose smallest eigenvalue exceeds 1e-10 (the check the full-sample fit makes)."""
    d = np.diag(S)
    if not np.all(d > 0):
        return False
    R = S / np.sqrt(np.outer(d, d))
    return bool(np.linalg.eigvalsh(R)[0] > 1e-10)


def _admissible(problem: MLProblem, theta: np.ndarray) -> bool:
    """lavaan's ``post.check``: no negative variance, and positive semi-definite residual
    covariance matrices of the observed (Theta) and latent (Psi) variables."""
    v = row_values(problem, theta)
    for lay in problem.layouts:
        S = _matrices(lay, v)[1]
        p = lay.p
        for B in (S[:p, :p], S[p:, p:]):
            if B.size == 0:
                continue
            if np.any(np.diag(B) < 0):
                return False
            scale = max(1.0, float(np.abs(B).max()))
            if np.linalg.eigvalsh(B)[0] < -1e-8 * scale:
                return False
    return True


def _resample_problem(setup: BootstrapSetup, dataset: str, counts: Sequence[np.ndarray], moments):
    """The MLProblem of one resample: same layouts, new moments (and fixed.x values)."""
    prob = setup.problem
    nobs = tuple(int(c.sum()) for c in counts)
    means, covs = moments
    changes: dict = {"covs": tuple(covs), "means": tuple(means), "nobs": nobs}
    if setup.fiml:
        from loyaltyscope.cbsem.fiml import em_saturated, missing_patterns
        pats = []
        emc, emm = [], []
        for g, (X, c) in enumerate(zip(setup.data[dataset], counts)):
            Xr = X[np.repeat(np.arange(len(c)), c)]
            Xr = Xr[~np.isnan(Xr).all(axis=1)]
            if np.isnan(Xr).all(axis=0).any():
                raise ValueError(f"a variable has no observed value in the resample of group {g + 1}")
            pg = missing_patterns(Xr)
            pats.append(tuple((o, n, S, y) for o, _r, n, S, y in pg))
            if setup.exo:
                Sg, mg, *_ = em_saturated(Xr, pg)
                emc.append(Sg), emm.append(mg)
        changes["patterns"] = tuple(pats)
        changes["nobs"] = tuple(sum(n for _o, n, _S, _y in pg) for pg in pats)
        if setup.exo:
            changes["covs"], changes["means"] = tuple(emc), tuple(emm)
    if setup.exo:
        base = prob.base_values.copy()
        for row, g, i, j, is_mean in setup.exo:
            base[row] = changes["means"][g][i] if is_mean else changes["covs"][g][i, j]
        changes["base_values"] = base
    return dataclasses.replace(prob, **changes)


def _starts(setup: BootstrapSetup, prob: MLProblem):
    yield "full-sample estimate", setup.theta_hat.copy()
    from loyaltyscope.cbsem.start import start_values
    free = np.asarray(setup.table["free"]) - 1
    sv = start_values(setup.table, setup.ov_names, setup.lv_names, prob.covs, prob.means, "moments")
    th = setup.theta_hat.copy()
    th[free[free >= 0]] = sv[free >= 0]
    yield "moments", th


def refit_batch(setup: BootstrapSetup, dataset: str, counts: Sequence[np.ndarray]):
    """Refit the model to each resample given by per-group count matrices (B, N_g).

    Returns (theta (B, q) with NaN rows for failed resamples, status (B,) int8 codes, test
    statistic N F per resample (B,))."""
    B = counts[0].shape[0]
    q = setup.problem.ntheta
    thetas = np.full((B, q), np.nan)
    status = np.full(B, ERROR, dtype=np.int8)
    chisq = np.full(B, np.nan)
    data = setup.data[dataset]
    if not setup.fiml:
        per_group = [weighted_moments(X, C) for X, C in zip(data, counts)]
    batch_ok = np.zeros(B, bool)
    if not setup.fiml and setup.nonlinear is None:
        nobs_b = np.column_stack([C.sum(axis=1) for C in counts])
        usable = np.array([all(_positive_definite(pg[1][b]) for pg in per_group) for b in range(B)])
        if usable.any() and np.all(nobs_b[usable] == nobs_b[usable][0]):
            u = np.flatnonzero(usable)
            base = np.repeat(setup.problem.base_values[None], len(u), axis=0)
            for row, g, i, j, is_mean in setup.exo:
                base[:, row] = per_group[g][0][u, i] if is_mean else per_group[g][1][u, i, j]
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                th_b, F_b, conv = newton_batch(setup.problem, setup.theta_hat, base, [pg[1][u] for pg in per_group],
                                                [pg[0][u] for pg in per_group], tuple(nobs_b[u[0]]))
            for jj, b in enumerate(u):
                if not conv[jj]:
                    continue
                batch_ok[b] = True
                thetas[b] = th_b[jj]
                chisq[b] = float(nobs_b[b].sum()) * F_b[jj]
                prob_b = dataclasses.replace(setup.problem, base_values=base[jj]) if setup.exo else setup.problem
                status[b] = OK if _admissible(prob_b, th_b[jj]) else NONADMISSIBLE
    for b in range(B):
        if batch_ok[b]:
            continue
        try:
            if setup.fiml:      # moments only start the refit; the patterns carry the data
                means, covs = setup.problem.means, setup.problem.covs
            else:
                means = [pg[0][b] for pg in per_group]
                covs = [pg[1][b] for pg in per_group]
                if not all(_positive_definite(S) for S in covs):
                    continue    # as lavaan: the sample statistics of this resample cannot be used
            prob = _resample_problem(setup, dataset, [C[b] for C in counts], (means, covs))
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                fit = fit_ml(prob, _starts(setup, prob), setup.nonlinear, max_iter=setup.max_iter)
        except (np.linalg.LinAlgError, ValueError, FloatingPointError, ZeroDivisionError):
            continue
        if fit is None or not fit.converged or not np.all(np.isfinite(fit.theta)):
            status[b] = NOT_CONVERGED
            continue
        thetas[b] = fit.theta
        chisq[b] = float(sum(prob.nobs)) * fit.F
        status[b] = OK if _admissible(prob, fit.theta) else NONADMISSIBLE
    return thetas, status, chisq


def _task_counts(setup: BootstrapSetup, task):
    """Per-group count matrices of a task: ("boot", dataset, SeedSequence, size) or
    ("jack", dataset, group, start, stop) (leave one row out)."""
    data = setup.data[task[1]]
    if task[0] == "boot":
        rng = np.random.default_rng(task[2])
        return [resample_counts(rng, len(X), task[3]) for X in data]
    _, _, g, start, stop = task
    out = []
    for h, X in enumerate(data):
        C = np.ones((stop - start, len(X)), dtype=np.int64)
        if h == g:
            C[np.arange(stop - start), np.arange(start, stop)] = 0
        out.append(C)
    return out


_SETUP: BootstrapSetup | None = None


def _init_worker(setup):
    global _SETUP
    _SETUP = setup
    limit_blas_in_worker()


def _run_task(task):
    return refit_batch(_SETUP, task[1], _task_counts(_SETUP, task))


def _cpu_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


class _Progress:
    """tqdm when installed, else a one-line counter; only when enabled (default: stderr is a
    terminal, or the code runs in a Jupyter kernel)."""

    def __init__(self, total: int, desc: str, enabled: bool | None):
        if enabled is None:
            enabled = sys.stderr.isatty() or "ipykernel" in sys.modules
        self.enabled = bool(enabled)
        self.total, self.done, self.desc, self.bar = total, 0, desc, None
        self.t0 = time.perf_counter()
        if self.enabled:
            try:
                from tqdm.auto import tqdm
                self.bar = tqdm(total=total, desc=desc, unit="resample", file=sys.stderr, leave=False)
            except ImportError:
                self.bar = None

    def update(self, n: int):
        if not self.enabled:
            return
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
        else:
            sys.stderr.write(f"\r{self.desc}: {self.done}/{self.total} ({time.perf_counter() - self.t0:.1f} s)")
            sys.stderr.flush()

    def close(self):
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.close()
        else:
            sys.stderr.write("\r" + " " * 60 + "\r")
            sys.stderr.flush()


def _task_size(task) -> int:
    return task[3] if task[0] == "boot" else task[4] - task[3]


def run_resamples(setup: BootstrapSetup, tasks: list, workers: int | None = None,
                  progress: bool | None = None, desc: str = "bootstrap"):
    """Run tasks (see :func:`_task_counts`) in a process pool; results in task order, identical
    for any number of workers. Returns (results, workers actually used)."""
    total = sum(_task_size(t) for t in tasks)
    if workers is None:
        workers = _cpu_count() if total >= 100 else 1
    workers = max(1, min(int(workers), len(tasks)))
    bar = _Progress(total, desc, progress)
    results: list = [None] * len(tasks)
    try:
        if workers > 1:
            try:
                results = _run_pool(setup, tasks, workers, bar)
            except Exception:            # noqa: BLE001 - no pool here (daemon process, no fork + closures, ...)
                workers = 1
                results = [None] * len(tasks)
        if workers == 1:
            # serial: the setup is passed explicitly (no module-level state), so fits bootstrapped
            # from several threads at once never see each other's data
            with one_blas_thread():
                for i, t in enumerate(tasks):
                    results[i] = refit_batch(setup, t[1], _task_counts(setup, t))
                    bar.update(_task_size(t))
    finally:
        bar.close()
    return results, workers


def _run_pool(setup, tasks, workers, bar):
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed
    import threading
    methods = mp.get_all_start_methods()
    # fork only from a single-threaded process: forking while another thread holds a lock
    # (BLAS, the allocator) deadlocks the children; otherwise a fresh interpreter per worker
    if "fork" in methods and threading.active_count() == 1:
        ctx = mp.get_context("fork")
    else:
        # several threads: workers come from a single-threaded fork server (started once per
        # process, with this module preloaded, so later pools start fast), else fresh interpreters
        import pickle
        pickle.dumps(setup)          # raises for closures: the caller falls back to one process
        if "forkserver" in methods:
            ctx = mp.get_context("forkserver")
            ctx.set_forkserver_preload([__name__])
        else:
            ctx = mp.get_context("spawn")
    results: list = [None] * len(tasks)
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                             initargs=(setup,)) as ex:
        futures = {ex.submit(_run_task, t): i for i, t in enumerate(tasks)}
        for fut in as_completed(futures):
            i = futures[fut]
            results[i] = fut.result()
            bar.update(_task_size(tasks[i]))
    return results


def boot_tasks(seq: np.random.SeedSequence, n: int, dataset: str):
    nchunks = math.ceil(n / CHUNK)
    seeds = seq.spawn(nchunks)
    return [("boot", dataset, s, min(CHUNK, n - k * CHUNK)) for k, s in enumerate(seeds)]


def jack_tasks(setup: BootstrapSetup, dataset: str = "ordinary"):
    tasks = []
    for g, X in enumerate(setup.data[dataset]):
        for start in range(0, len(X), CHUNK):
            tasks.append(("jack", dataset, g, start, min(start + CHUNK, len(X))))
    return tasks


def collect(results):
    th = np.vstack([r[0] for r in results])
    st = np.concatenate([r[1] for r in results])
    cs = np.concatenate([r[2] for r in results])
    return th, st, cs
