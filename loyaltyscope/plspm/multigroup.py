"""Two-group PLS multigroup analysis (PLS-MGA): per-path group differences and p-values.

``method="permutation"`` (Chin & Dibbern 2010; SmartPLS's permutation test): the model is
fitted in each group; the group labels are permuted ``n_perm`` times (seeded, see
:mod:`.groups`) and both groups refitted; the two-sided p-value of a path difference
``d = β⁽¹⁾ − β⁽²⁾`` is ``(1 + #{|d*| ≥ |d|}) / (1 + n_perm)`` (Phipson & Smyth 2010).

``method="henseler"`` (Henseler, Ringle & Sinkovics 2009; seminr ``estimate_pls_mga``): each
group is bootstrapped ``n_boot`` times; with J = min(successful resamples) and the bootstrap
means ``β̄``, the one-sided p-value for ``β⁽¹⁾ > β⁽²⁾`` is
``1 − #{(i, j): 2β̄⁽¹⁾ − β*⁽¹⁾_i − 2β̄⁽²⁾ + β*⁽²⁾_j > 0} / J²``.

R equivalent: ``seminr::estimate_pls_mga(model, condition, nboot)`` (Henseler);
``cSEM::testMGD(.approach_mgd = "Chin")`` (permutation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyaltyscope.numerics.display import ResultProtocol
from loyaltyscope.plspm.algorithm import SCHEMES
from loyaltyscope.plspm.groups import fit_subsets, permutation_map, two_groups
from loyaltyscope.plspm.resampling import bootstrap_stack
from loyaltyscope.plspm.specification import specify
from loyaltyscope.numerics.options import check_choice, check_count, check_positive, check_seed
from loyaltyscope.plspm.errors import MAX_ITER, MAX_RESAMPLES, PLSError

__all__ = ["MGAResult", "pls_mga", "MGA_METHODS", "henseler_p"]

MGA_METHODS = ("permutation", "henseler")


@dataclass(frozen=True)
class MGAResult(ResultProtocol):
    """Per-path estimates in each group, their difference and p-value."""

    title = "PLS multigroup analysis (PLS-MGA)"

    paths: pd.DataFrame
    groups: tuple           # (label of group 1, label of group 2)
    nobs: tuple             # rows used per group
    method: str
    n_resamples: int        # permutations or bootstrap resamples per group
    seed: int | None
    warnings: tuple[str, ...] = ()

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"paths": self.paths}

    def _headline(self) -> list[str]:
        rule = ("permutation test, two-sided" if self.method == "permutation"
                else "Henseler's bootstrap PLS-MGA, one-sided (group 1 > group 2)")
        return [f"groups {self.groups[0]!s} (n = {self.nobs[0]}) vs {self.groups[1]!s} (n = {self.nobs[1]}); "
                f"{rule}; {self.n_resamples} resamples"]


def henseler_p(b1: np.ndarray, b2: np.ndarray) -> np.ndarray:
    """Henseler's PLS-MGA p-values per column of the bootstrap draws b1 (J, k), b2 (J, k)."""
    J = min(len(b1), len(b2))
    b1, b2 = b1[:J], b2[:J]
    x = 2 * b1.mean(axis=0) - b1        # compare x_i > y_j  <=>  2m1 - b1_i - 2m2 + b2_j > 0
    y = 2 * b2.mean(axis=0) - b2
    out = np.empty(b1.shape[1])
    for k in range(b1.shape[1]):
        ys = np.sort(y[:, k])
        out[k] = 1 - np.searchsorted(ys, x[:, k], side="left").sum() / J ** 2
    return out


def pls_mga(model: str, data: pd.DataFrame, group, *, method: str = "permutation", n_perm: int = 1000,
            n_boot: int = 1000, seed: int | None = None, scheme: str = "path", missing: str = "listwise",
            max_iter: int = 300, tol: float = 1e-7, workers: int = 1) -> MGAResult:
    """Compare the path coefficients of two groups.

    Parameters
    ----------
    model : lavaan-style PLS syntax (as :func:`loyaltyscope.pls`).
    group : a column name of ``data`` or one value per row; exactly two groups.
    method : "permutation" (default) or "henseler" (seminr's bootstrap PLS-MGA).
    n_perm, n_boot : resamples for the two methods; ``seed`` makes them reproducible.
    workers : threads for the resamples (the results are identical for any number).
    """
    check_choice(method, "method", MGA_METHODS, PLSError)
    check_choice(scheme, "scheme", SCHEMES, PLSError)
    check_count(n_perm, "n_perm", 19, PLSError, maximum=MAX_RESAMPLES)
    check_count(n_boot, "n_boot", 19, PLSError, maximum=MAX_RESAMPLES)
    check_seed(seed, PLSError)
    check_count(max_iter, "max_iter", 1, PLSError, maximum=MAX_ITER)
    check_positive(tol, "tol", PLSError)
    check_count(workers, "workers", 1, PLSError, maximum=256)
    spec = specify(model)
    tg = two_groups(spec, data, group, missing)
    C = spec.constructs
    i = np.array([C.index(a) for a, _ in spec.paths])
    j = np.array([C.index(b) for _, b in spec.paths])
    e1 = fit_subsets(tg.Z, tg.pos, spec, tg.in_first[None], scheme, max_iter, tol)
    e2 = fit_subsets(tg.Z, tg.pos, spec, (~tg.in_first)[None], scheme, max_iter, tol)
    b1, b2 = e1.paths[0][i, j], e2.paths[0][i, j]
    d = b1 - b2
    warnings = list(tg.warnings)
    if method == "permutation":
        def one_chunk(masks):
            p1 = fit_subsets(tg.Z, tg.pos, spec, masks, scheme, max_iter, tol)
            p2 = fit_subsets(tg.Z, tg.pos, spec, ~masks, scheme, max_iter, tol)
            return p1.paths[:, i, j] - p2.paths[:, i, j], p1.converged & p2.converged

        dp, ok = permutation_map(tg.in_first, n_perm, seed, tg.Z.shape[1], one_chunk, workers, what="PLS-MGA")
        dp = dp[ok]
        pval = (1 + (np.abs(dp) >= np.abs(d) - 1e-12).sum(axis=0)) / (1 + ok.sum())
        n_res = n_perm
        if (~ok).any():
            warnings.append(f"{int((~ok).sum())} permutation(s) did not converge and are left out")
    else:
        ss = np.random.SeedSequence(seed).spawn(2)
        draws = []
        for mask, s in ((tg.in_first, ss[0]), (~tg.in_first, ss[1])):
            bd = bootstrap_stack(tg.Z[mask], tg.pos, spec, n_boot, s.generate_state(1)[0], scheme, False,
                                 max_iter, tol, workers=workers)
            draws.append(bd.draws["paths"][:, i, j])
        pval = henseler_p(draws[0], draws[1])
        n_res = n_boot
    table = pd.DataFrame({"lhs": [b for _, b in spec.paths], "op": "~", "rhs": [a for a, _ in spec.paths],
                          "est_group1": b1, "est_group2": b2, "diff": d, "pvalue": pval})
    return MGAResult(table, tg.labels, (int(tg.in_first.sum()), int((~tg.in_first).sum())), method, n_res, seed,
                     tuple(warnings))
