"""MICOM: measurement invariance of composites across two groups (Henseler, Ringle &
Sarstedt 2016, *International Marketing Review* 33(3), 405–431).

- Step 1, configural invariance: the same model, indicators and data treatment in both
  groups — established by construction here (one model, one data frame); reported.
- Step 2, compositional invariance: with ``w⁽¹⁾``, ``w⁽²⁾`` the weights estimated in each
  group and ``X`` the indicators standardized on the pooled sample,
  ``c_j = cor(X w⁽¹⁾_j, X w⁽²⁾_j)``. The group labels are permuted ``n_perm`` times (each
  permutation refits both groups); compositional invariance holds when ``c_j`` is not
  below the 5 % quantile of the permuted ``c*_j`` (one-sided test, p-value
  ``(1 + #{c* ≤ c}) / (1 + n_perm)``).
- Step 3, equal composite means and variances: scores from the pooled model (weights from
  all rows, unit variance over the pooled sample); the group difference of the means and
  the log ratio of the variances, ``log(var₁ / var₂)``, against their permutation
  distribution (the pooled scores stay fixed, the labels move): equal when the observed
  value lies inside the central ``level`` interval; two-sided p-value
  ``(1 + #{|d*| ≥ |d|}) / (1 + n_perm)``.

Full invariance: steps 1–3 hold; partial: steps 1–2 hold (group paths may be compared).

R equivalent: ``cSEM::testMICOM(csem(data, model, .id = "group"), .R = 1000)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyaltyscope.numerics.display import ResultProtocol
from loyaltyscope.plspm.algorithm import SCHEMES
from loyaltyscope.plspm.groups import fit_subsets, permutation_map, two_groups
from loyaltyscope.plspm.specification import specify
from loyaltyscope.numerics.options import check_choice, check_count, check_level, check_positive, check_seed
from loyaltyscope.plspm.errors import MAX_ITER, MAX_RESAMPLES, PLSError

__all__ = ["MICOMResult", "micom", "compositional_correlation"]


@dataclass(frozen=True)
class MICOMResult(ResultProtocol):
    """MICOM steps 2 and 3 per construct, and the resulting invariance verdict."""

    title = "MICOM: measurement invariance of composites"

    compositional: pd.DataFrame
    means: pd.DataFrame
    variances: pd.DataFrame
    verdict: pd.DataFrame
    groups: tuple        # group labels, first and second
    nobs: tuple          # complete rows per group
    n_perm: int
    seed: int | None     # of the permutations
    warnings: tuple[str, ...] = ()

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"compositional": self.compositional, "means": self.means, "variances": self.variances,
                "verdict": self.verdict}

    def _headline(self) -> list[str]:
        return [f"groups {self.groups[0]!s} (n = {self.nobs[0]}) vs {self.groups[1]!s} (n = {self.nobs[1]}); "
                f"{self.n_perm} permutations",
                "step 1 (configural invariance): established — same model, indicators and data treatment"]


def compositional_correlation(S: np.ndarray, w1: np.ndarray, w2: np.ndarray, block: np.ndarray, m: int) -> np.ndarray:
    """``c_j = w1_j' S w2_j / sqrt(w1_j' S w1_j · w2_j' S w2_j)`` for stacks w1, w2 (P, p) -> (P, m)."""
    o = np.zeros((len(block), m))
    o[np.arange(len(block)), block] = 1.0
    W1, W2 = w1[..., None] * o, w2[..., None] * o
    c12 = np.einsum("bkj,kl,blj->bj", W1, S, W2)
    c11 = np.einsum("bkj,kl,blj->bj", W1, S, W1)
    c22 = np.einsum("bkj,kl,blj->bj", W2, S, W2)
    return c12 / np.sqrt(c11 * c22)


def _perm_p(obs: np.ndarray, perm: np.ndarray) -> np.ndarray:
    return (1 + (np.abs(perm) >= np.abs(obs) - 1e-12).sum(axis=0)) / (1 + len(perm))


def micom(model: str, data: pd.DataFrame, group, *, n_perm: int = 1000, seed: int | None = None,
          scheme: str = "path", missing: str = "listwise", level: float = 0.95, max_iter: int = 300,
          tol: float = 1e-7, workers: int = 1) -> MICOMResult:
    """MICOM for two groups (``group``: a column name or one label per row).

    ``workers``: threads for the permutations (the results are identical for any number).
    R: ``cSEM::testMICOM``. See the module docstring for the three steps.
    """
    check_choice(scheme, "scheme", SCHEMES, PLSError)
    check_count(n_perm, "n_perm", 19, PLSError, maximum=MAX_RESAMPLES)
    check_seed(seed, PLSError)
    check_level(level, "level", PLSError)
    check_count(max_iter, "max_iter", 1, PLSError, maximum=MAX_ITER)
    check_positive(tol, "tol", PLSError)
    check_count(workers, "workers", 1, PLSError, maximum=256)
    spec = specify(model)
    tg = two_groups(spec, data, group, missing)
    C, block, m = spec.constructs, spec.item_block, len(spec.constructs)
    Zp = tg.Z[:, tg.pos]
    S = np.corrcoef(Zp, rowvar=False)
    g1 = fit_subsets(tg.Z, tg.pos, spec, tg.in_first[None], scheme, max_iter, tol)
    g2 = fit_subsets(tg.Z, tg.pos, spec, (~tg.in_first)[None], scheme, max_iter, tol)
    c_obs = compositional_correlation(S, g1.weights, g2.weights, block, m)[0]
    pooled = fit_subsets(tg.Z, tg.pos, spec, np.ones((1, len(tg.in_first)), dtype=bool), scheme, max_iter, tol)
    Wm = np.zeros((len(block), m))
    Wm[np.arange(len(block)), block] = pooled.weights[0]
    Y = Zp @ Wm
    Y = (Y - Y.mean(axis=0)) / Y.std(axis=0, ddof=1)

    def stats_for(mask):
        a, b = Y[mask], Y[~mask]
        return a.mean(axis=0) - b.mean(axis=0), np.log(a.var(axis=0, ddof=1) / b.var(axis=0, ddof=1))

    def one_chunk(masks):  # step 2 refits and step 3 statistics of a chunk of permutations
        p1 = fit_subsets(tg.Z, tg.pos, spec, masks, scheme, max_iter, tol)
        p2 = fit_subsets(tg.Z, tg.pos, spec, ~masks, scheme, max_iter, tol)
        st = [stats_for(mk) for mk in masks]
        return (p1.weights, p2.weights, p1.converged & p2.converged, np.array([x for x, _ in st]),
                np.array([y for _, y in st]))

    w1, w2, ok, pm, pv = permutation_map(tg.in_first, n_perm, seed, tg.Z.shape[1], one_chunk, workers,
                                         what="MICOM")
    c_perm = compositional_correlation(S, w1[ok], w2[ok], block, m)
    q05 = np.quantile(c_perm, 0.05, axis=0)
    single = np.bincount(block, minlength=m) == 1
    comp = pd.DataFrame({"c": c_obs, "q05": q05,
                         "pvalue": (1 + (c_perm <= c_obs + 1e-12).sum(axis=0)) / (1 + ok.sum()),
                         "invariant": (c_obs >= q05) | single}, index=pd.Index(C, name="construct"))
    d_mean, d_var = stats_for(tg.in_first)
    lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
    tabs = []
    for obs, dist, name in ((d_mean, pm, "diff"), (d_var, pv, "log_var_ratio")):
        lo, hi = np.quantile(dist, lo_q, axis=0), np.quantile(dist, hi_q, axis=0)
        tabs.append(pd.DataFrame({name: obs, "ci_lower": lo, "ci_upper": hi, "pvalue": _perm_p(obs, dist),
                                  "equal": (obs >= lo) & (obs <= hi)}, index=pd.Index(C, name="construct")))
    full = comp["invariant"] & tabs[0]["equal"] & tabs[1]["equal"]
    verdict = pd.DataFrame({"configural": True, "compositional": comp["invariant"], "equal_means": tabs[0]["equal"],
                            "equal_variances": tabs[1]["equal"],
                            "invariance": np.where(full, "full", np.where(comp["invariant"], "partial", "none"))},
                           index=pd.Index(C, name="construct"))
    warnings = list(tg.warnings)
    if (~ok).any():
        warnings.append(f"{int((~ok).sum())} permutation(s) did not converge and are left out")
    return MICOMResult(comp, tabs[0], tabs[1], verdict, tg.labels,
                       (int(tg.in_first.sum()), int((~tg.in_first).sum())), n_perm, seed, tuple(warnings))
