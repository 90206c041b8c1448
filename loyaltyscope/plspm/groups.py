"""Two-group bookkeeping shared by MICOM and PLS-MGA: the group column, the pooled
standardized indicators, seeded permutations of the group labels, and the batched fit of
many row subsets.

A permutation p draws its labels from ``default_rng(SeedSequence(seed).spawn(P)[p])``: its
numbers depend only on ``(seed, p)``. Permutations are drawn and fitted in chunks
(:func:`permutation_map`), never all held at once, so results are identical for any chunk
size and any number of worker threads; the work ``n × P`` is checked against
:data:`MAX_PERMUTATION_CELLS` before anything is drawn.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyaltyscope.plspm.estimates import StackEstimates, estimate_stack
from loyaltyscope.plspm.indicator_data import DataError, prepare_indicators
from loyaltyscope.plspm.resampling import chunk_size, correlation_stack
from loyaltyscope.plspm.errors import PLSError
from loyaltyscope.plspm.specification import PLSSpec

__all__ = ["TwoGroups", "two_groups", "permutation_map", "fit_subsets", "MAX_PERMUTATION_CELLS"]

#: Most rows × permutations a permutation test may draw (each permutation refits the model on
#: all rows): 2·10⁹ is, e.g., 200,000 respondents × 10,000 permutations. Raise it (module
#: attribute) for a bigger run that is known to be worth the time.
MAX_PERMUTATION_CELLS = 2_000_000_000


@dataclass(frozen=True)
class TwoGroups:
    labels: tuple            # (label of group 1, label of group 2)
    in_first: np.ndarray     # (n,) bool
    Z: np.ndarray            # (n, q) indicators standardized on the pooled sample
    pos: np.ndarray          # column of Z behind each block indicator
    warnings: tuple


def two_groups(spec: PLSSpec, data: pd.DataFrame, group, missing: str) -> TwoGroups:
    """Check the group column (exactly two non-missing values) and prepare pooled indicators."""
    if isinstance(group, str):
        if group not in data.columns:
            raise DataError(f"group column {group!r} is not in the data")
        g = data[group]
    else:
        values = np.asarray(group)
        if values.ndim != 1 or len(values) != len(data):
            raise DataError(f"group must be a column name or one value per row: it has shape {values.shape} but "
                            f"the data have {len(data)} rows")
        g = pd.Series(values, index=data.index)
    if g.isna().any():
        rows = data.index[g.isna().to_numpy()][:5].tolist()
        raise DataError(f"group is missing in {int(g.isna().sum())} row(s) (first: {rows}); "
                        "drop them or give them a group")
    levels = list(pd.unique(g))
    if len(levels) != 2:
        raise DataError(f"MICOM / PLS-MGA compare exactly two groups; the group has {len(levels)}: {levels[:10]}")
    ind = prepare_indicators(data, spec.unique_items, missing)
    first = (g.loc[ind.rows] == levels[0]).to_numpy()
    small = [str(lv) for lv, k in zip(levels, (first.sum(), (~first).sum())) if k < 10]
    if small:
        raise DataError(f"group(s) {', '.join(small)} have fewer than 10 complete rows")
    const = [f"{c} in group {lv}" for lv, mk in zip(levels, (first, ~first))
             for c, sd in zip(ind.columns, ind.raw[mk].std(axis=0)) if not sd > 0]
    if const:
        raise DataError(f"indicator(s) constant within a group (no variance to standardize): {', '.join(const[:10])}")
    warn = (f"{len(ind.dropped)} row(s) with missing indicator values dropped (listwise)",) if ind.dropped else ()
    pos = np.array([spec.unique_items.index(x) for x in spec.items])
    return TwoGroups((levels[0], levels[1]), first, ind.z, pos, warn)


def permutation_map(in_first: np.ndarray, n_perm: int, seed: int | None, q: int, fn, workers: int = 1,
                    chunk: int | None = None, what: str = "permutation test") -> list:
    """``fn(masks)`` on consecutive chunks of the seeded permutations (each chunk drawn when
    it runs), on ``workers`` threads; returns ``fn``'s outputs in permutation order, each
    output a tuple of arrays concatenated over the chunks.

    Refuses (:class:`PLSError`) a run of more than :data:`MAX_PERMUTATION_CELLS` rows ×
    permutations before drawing anything."""
    n = len(in_first)
    if n * n_perm > MAX_PERMUTATION_CELLS:
        raise PLSError(f"{what}: {n:,} rows × {n_perm:,} permutations = {n * n_perm:,} row draws, over the limit of "
                       f"{MAX_PERMUTATION_CELLS:,} (loyaltyscope.plspm.groups.MAX_PERMUTATION_CELLS); use fewer "
                       "permutations (1,000–5,000 are usual) or a random sample of the rows")
    children = np.random.SeedSequence(seed).spawn(n_perm)
    chunk = chunk or chunk_size(n, q)

    def run(s):
        masks = np.stack([np.random.default_rng(c).permutation(in_first) for c in children[s:s + chunk]])
        return fn(masks)

    starts = range(0, n_perm, chunk)
    if workers > 1:
        with ThreadPoolExecutor(workers) as ex:
            parts = list(ex.map(run, starts))
    else:
        parts = [run(s) for s in starts]
    return [np.concatenate([p[k] for p in parts]) for k in range(len(parts[0]))]


def fit_subsets(Z: np.ndarray, pos: np.ndarray, spec: PLSSpec, masks: np.ndarray, scheme: str,
                max_iter: int, tol: float) -> StackEstimates:
    """PLS estimates on the rows selected by each mask (all masks select the same number of rows)."""
    rows = np.stack([np.flatnonzero(mk) for mk in masks])
    parts = []
    chunk = chunk_size(rows.shape[1], Z.shape[1])
    for s in range(0, len(rows), chunk):
        S = correlation_stack(Z, rows[s:s + chunk])[:, pos[:, None], pos]
        parts.append(estimate_stack(S, spec, scheme, False, max_iter, tol))
    return StackEstimates(**{f: np.concatenate([getattr(p, f) for p in parts])
                             for f in StackEstimates.__dataclass_fields__})
