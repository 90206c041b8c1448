"""Discriminant validity: the heterotrait–monotrait ratio (HTMT, as semTools) and the
Fornell–Larcker table.

- HTMT (semTools::htmt, defaults ``missing = "listwise"``, ``absolute = TRUE``,
  ``htmt2 = TRUE``): mean |r| between the items of two constructs over the square root of the
  product of the mean within-construct |r|, geometric means (HTMT2, Roemer et al. 2021) or
  arithmetic means (``htmt2=False``, Henseler et al. 2015). Correlations are scale invariant
  here also for columns of extreme magnitude (see :mod:`loyaltyscope.psychometrics.correlations`).
  Too few complete rows, a pair of items never answered together and any cell that is still not
  finite are reported (an error naming the items, or a warning naming the cell) — never a
  silent NaN.
- Fornell–Larcker: sqrt(AVE) on the diagonal, CFA factor correlations off the diagonal; the
  criterion holds when each sqrt(AVE) exceeds the construct's correlations. Heywood cases of
  the CFA are named on ``.warnings``.

References: Fornell & Larcker (1981); Henseler, Ringle & Sarstedt (2015); Roemer, Schuberth &
Henseler (2021).
R equivalents: ``semTools::htmt(model, data)``; Fornell–Larcker from ``semTools::AVE`` and
``lavInspect(fit, "cor.lv")``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from loyaltyscope.numerics.display import ResultProtocol
from loyaltyscope.psychometrics import correlations as corr
from loyaltyscope.psychometrics.constructs import (average_variance_extracted, first_order_constructs,
                                                   improper_warnings, measurement_fit)
from loyaltyscope.psychometrics.itemdata import (ItemDataError, PsychometricWarning, correlation_input, emit,
                                                 item_matrix, require_variance)

__all__ = ["htmt", "htmt_intervals", "fornell_larcker", "HTMTResult", "FornellLarckerResult", "htmt_matrix"]


# ---- results ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class HTMTResult(ResultProtocol):
    """HTMT matrix (``htmt``: construct × construct, ones on the diagonal) and, with a
    bootstrap, ``intervals`` (one row per pair: ``construct_1``, ``construct_2``, ``htmt``,
    ``lower``, ``upper``, ``n_boot``) and the ``lower``/``upper`` matrices."""

    title = "Heterotrait-monotrait ratio of correlations (HTMT)"

    htmt: pd.DataFrame
    nobs: int
    use: str
    htmt2: bool
    intervals: pd.DataFrame | None = None
    lower: pd.DataFrame | None = None
    upper: pd.DataFrame | None = None
    n_boot: int = 0
    seed: int | None = None
    warnings: tuple[str, ...] = field(default=())

    def _headline(self) -> list[str]:
        kind = "geometric means (HTMT2)" if self.htmt2 else "arithmetic means"
        source = "a given covariance matrix" if self.use == "sample_cov" else f"{self.use} correlations"
        return [f"{kind}, {source}, n = {self.nobs}"
                + (f"; {self.n_boot} bootstrap resamples (seed {self.seed})" if self.n_boot else "")]

    def tables(self) -> dict[str, pd.DataFrame]:
        out = {"htmt": self.htmt}
        if self.intervals is not None:
            out["intervals"] = self.intervals
        return out


@dataclass(frozen=True)
class FornellLarckerResult(ResultProtocol):
    """Fornell–Larcker table (``table``: sqrt(AVE) on the diagonal, factor correlations
    elsewhere; stacked by group with ``group=``) and ``satisfied`` (Series of booleans per
    construct, or per group and construct)."""

    title = "Fornell-Larcker criterion (sqrt(AVE) on the diagonal, factor correlations below)"

    table: pd.DataFrame
    satisfied: pd.Series
    nobs: int
    warnings: tuple[str, ...] = field(default=())

    def _headline(self) -> list[str]:
        bad = [" / ".join(map(str, c)) if isinstance(c, tuple) else str(c)
               for c, ok in self.satisfied.items() if not ok]
        return ["criterion holds for every construct" if not bad else f"criterion fails for {', '.join(bad)}"]

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"fornell_larcker": self.table, "satisfied": self.satisfied.to_frame("satisfied")}


# ---- HTMT -----------------------------------------------------------------------------------------------

def htmt_matrix(R: np.ndarray, groups: list[np.ndarray], htmt2: bool = True, absolute: bool = True) -> np.ndarray:
    """HTMT of every pair of item groups from a correlation matrix (NaN where undefined).

    As semTools: the diagonal of R is left out of every mean (so an item that belongs to two
    constructs does not bring its correlation 1 with itself into their heterotrait mean), and the
    diagonal of the result is mean_ii / sqrt(mean_ii²) — 1, or -1 for a construct whose items
    correlate negatively on average (arithmetic means of signed correlations).
    """
    A = np.abs(R) if (absolute or htmt2) else R.astype(float).copy()
    np.fill_diagonal(A, np.nan)
    k = len(groups)

    def mean_block(i, j):
        blk = A[np.ix_(groups[i], groups[j])]
        blk = blk[~np.isnan(blk)]
        if blk.size == 0:
            return np.nan
        if htmt2:
            with np.errstate(divide="ignore"):
                return float(np.exp(np.mean(np.log(blk))))
        return float(np.mean(blk))

    w = np.array([mean_block(i, i) for i in range(k)])
    out = np.empty((k, k))
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in range(k):
            for j in range(k):
                out[i, j] = mean_block(i, j) / np.sqrt(w[i] * w[j]) if i != j else w[i] / np.abs(w[i])
    return out


def _htmt_cor(x: np.ndarray, use: str, items=None, ordered: bool = False) -> np.ndarray:
    """The item correlations HTMT is computed from (R: ``lavaan::lavCor(data, missing =, ordered =)``)."""
    if ordered:                                  # lavaan's two-step polychoric correlations
        from loyaltyscope.cbsem.ordinal_samplestats import ordinal_sample_stats
        st = ordinal_sample_stats(pd.DataFrame(x, columns=items), items, missing=use)
        return st.cor[0]
    if use == "listwise":
        return corr.listwise_cor(x)
    if use == "fiml":                            # lavCor(missing = "ml"): the EM estimate of the covariances
        from loyaltyscope.cbsem.fiml import em_saturated
        return corr.cov2cor(em_saturated(x[~np.isnan(x).all(axis=1)])[0])
    c, _ = corr.pairwise_cov(x, scaled=True)     # lavaan::lavCor(missing = "pairwise"): cov2cor of pairwise covariances
    return corr.cov2cor(c)


def _htmt_data(model, data, use):
    """Constructs, item groups and the data HTMT works on, checked: enough complete rows, every
    item with variance in them, every pair of items answered together."""
    if use not in ("pairwise", "listwise", "fiml"):
        raise ValueError(f"use={use!r}: expected 'listwise', 'pairwise' or 'fiml'")
    first, items = first_order_constructs(model, data, "htmt")
    m = item_matrix(data[items], context="htmt")
    require_variance(m, "htmt")
    x = corr.listwise(m.x) if use == "listwise" else m.x
    if use == "listwise" and x.shape[0] < 3:
        most = sorted(items, key=lambda i: -int(np.isnan(m.x[:, items.index(i)]).sum()))[:3]
        raise ItemDataError([(None, f"listwise deletion leaves {x.shape[0]} complete row(s) of {m.n_rows} (at least 3 "
                                    f"are needed for correlations); the items missing most often are "
                                    f"{', '.join(most)} — use='pairwise' uses every answer")], "htmt")
    problems = []
    if use == "listwise":
        for j in np.nonzero(np.ptp(x, axis=0) == 0)[0]:
            problems.append((items[j], f"item {items[j]!r} has no variance in the {x.shape[0]} complete rows"))
    elif use == "pairwise":
        n = corr.pairwise_count(x)
        for i, j in zip(*np.triu_indices(len(items), 1)):
            if n[i, j] < 3:
                problems.append((items[i], f"items {items[i]!r} and {items[j]!r} are answered together in "
                                           f"{int(n[i, j])} row(s) (at least 3 needed for their correlation)"))
    if problems:
        raise ItemDataError(problems, "htmt")
    groups = [np.array([items.index(i) for i in its]) for its in first.values()]
    return list(first), first, groups, x, items


def _nonfinite_cells(est: np.ndarray, names, first) -> list[str]:
    out = []
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            if not np.isfinite(est[i, j]):
                single = [c for c in (names[i], names[j]) if len(first[c]) < 2]
                why = (f"{', '.join(single)} has a single indicator" if single else
                       "a within-construct mean correlation is 0 (an item uncorrelated with the rest of its construct)")
                out.append(f"HTMT of {names[i]!r} and {names[j]!r} is undefined ({why})")
    return out


def _htmt_bootstrap(x, groups, names, est, cor, htmt2, absolute, n_boot, seed, ci, warns) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = x.shape[0]
    boots = np.empty((int(n_boot),) + est.shape)
    for b in range(int(n_boot)):
        with np.errstate(invalid="ignore", divide="ignore"):
            boots[b] = htmt_matrix(cor(x[rng.integers(0, n, n)]), groups, htmt2, absolute)
    iu = np.triu_indices(len(names), 1)
    bad = int((~np.isfinite(boots[:, iu[0], iu[1]])).any(axis=1).sum())
    if bad:
        warns.append(f"{bad} of {int(n_boot)} bootstrap resamples gave an undefined HTMT (an item without variance "
                     f"in the resample); the intervals use the others")
    p = 1 - ci
    with np.errstate(invalid="ignore"):
        lo = np.nanquantile(boots, p / 2, axis=0) if bad < n_boot else np.full(est.shape, np.nan)
        hi = np.nanquantile(boots, 1 - p / 2, axis=0) if bad < n_boot else np.full(est.shape, np.nan)
    rows = [(names[i], names[j], est[i, j], lo[i, j], hi[i, j], int(n_boot)) for i, j in zip(*iu)]
    return pd.DataFrame(rows, columns=["construct_1", "construct_2", "htmt", "lower", "upper", "n_boot"])


def _htmt_warnings(est, names, first) -> list[str]:
    """Single-indicator constructs, then the other non-finite cells of an HTMT table."""
    warns = [f"construct {c!r} has a single indicator; its HTMT values are undefined (NaN)"
             for c, its in first.items() if len(its) < 2]
    return warns + [w for w in _nonfinite_cells(est, names, first) if "single indicator" not in w]


def _htmt_from_matrix(model, sample_cov, sample_nobs, htmt2, absolute, n_boot) -> HTMTResult:
    if n_boot:
        raise ValueError("a bootstrap needs raw data; give data= instead of sample_cov=")
    R, names = correlation_input(sample_cov, context="htmt")
    first, items = first_order_constructs(model, pd.DataFrame(columns=list(names)), "htmt")
    idx = [list(names).index(i) for i in items]
    groups = [np.array([items.index(i) for i in its]) for its in first.values()]
    est = htmt_matrix(R[np.ix_(idx, idx)], groups, htmt2, absolute)
    cons = list(first)
    warns = _htmt_warnings(est, cons, first)
    return HTMTResult(pd.DataFrame(est, index=cons, columns=cons), int(sample_nobs or 0), "sample_cov", bool(htmt2),
                      warnings=emit(warns, PsychometricWarning))


@corr.small_blas
def htmt(model: str, data: pd.DataFrame | None = None, *, use: str = "listwise", htmt2: bool = True,
         absolute: bool = True, ordered=None, sample_cov=None, sample_nobs: int | None = None, n_boot: int = 0,
         seed: int | None = None, ci: float = 0.95) -> HTMTResult:
    """Heterotrait–monotrait ratio of correlations, as ``semTools::htmt``.

    HTMT_ij = mean |r| between items of i and j / sqrt(mean |r| within i × mean |r| within j),
    geometric means with ``htmt2=True`` (semTools 0.5-6's default; always of |r|), arithmetic
    otherwise (of signed r with ``absolute=False``). An item's correlation with itself never
    enters a mean (an item in two constructs).

    Parameters
    ----------
    model : str
        lavaan syntax; the ``=~`` lines define the constructs.
    data : DataFrame
    use : {"listwise", "pairwise", "fiml"}
        semTools' ``missing`` (its default ``"listwise"``; ``"pairwise"`` and ``"fiml"`` — the EM
        estimate, semTools' ``"ml"`` — as ``lavCor``).
    ordered : list of items, or True for all
        Polychoric correlations of ordinal items (``lavCor(ordered = )``; every item ordinal).
    sample_cov, sample_nobs
        A covariance or correlation matrix (DataFrame with item names) instead of ``data``
        (semTools' ``sample.cov``; converted with ``cov2cor``).
    n_boot, seed, ci
        With ``n_boot > 0``, percentile bootstrap intervals (rows resampled with
        ``numpy.random.default_rng(seed)``: same seed, same intervals).

    Returns
    -------
    HTMTResult
        ``.htmt`` (construct × construct), ``.intervals``/``.lower``/``.upper`` with a bootstrap.

    R equivalent: ``semTools::htmt(model, data, missing =, ordered =, absolute =, htmt2 =)`` or
    ``semTools::htmt(model, sample.cov = S)``.
    """
    if sample_cov is not None:
        if data is not None:
            raise ValueError("give data= or sample_cov=, not both")
        return _htmt_from_matrix(model, sample_cov, sample_nobs, htmt2, absolute, n_boot)
    if data is None:
        raise ValueError("give data= (item responses) or sample_cov= (their covariance or correlation matrix)")
    names, first, groups, x, items = _htmt_data(model, data, use)
    if ordered is not None and ordered is not False:
        listed = items if ordered is True else list(ordered)
        if sorted(set(listed) & set(items)) != sorted(items):
            raise ValueError(f"ordered={ordered!r}: HTMT of ordinal items needs every item of the model ordinal "
                             f"(polychoric correlations); missing: {sorted(set(items) - set(listed))}")
        if use == "fiml":
            raise ValueError("use='fiml' is for continuous items; ordinal items use 'listwise' or 'pairwise'")

    def cor(xx):
        return _htmt_cor(xx, use, items, ordered is not None and ordered is not False)

    est = htmt_matrix(cor(x), groups, htmt2, absolute)
    warns = _htmt_warnings(est, names, first)
    iv = lo = hi = None
    if n_boot and n_boot > 0:
        iv = _htmt_bootstrap(x, groups, names, est, cor, htmt2, absolute, n_boot, seed, ci, warns)
        lo = pd.DataFrame(np.eye(len(names)), index=names, columns=names)
        hi = lo.copy()
        for r in iv.itertuples():
            lo.loc[r.construct_1, r.construct_2] = lo.loc[r.construct_2, r.construct_1] = r.lower
            hi.loc[r.construct_1, r.construct_2] = hi.loc[r.construct_2, r.construct_1] = r.upper
    return HTMTResult(pd.DataFrame(est, index=names, columns=names), int(x.shape[0]), use, bool(htmt2), iv, lo, hi,
                      int(n_boot or 0), seed, emit(warns, PsychometricWarning))


def htmt_intervals(model: str, data: pd.DataFrame, n_boot: int = 1000, seed: int | None = None, *,
                   ci: float = 0.95, use: str = "listwise", htmt2: bool = True, absolute: bool = True) -> HTMTResult:
    """HTMT with percentile bootstrap intervals: :func:`htmt` with ``n_boot`` resamples (default
    1,000); the tidy table is ``result.intervals``."""
    if int(n_boot) < 1:
        raise ValueError(f"n_boot={n_boot!r}: expected a positive number of bootstrap resamples")
    return htmt(model, data, use=use, htmt2=htmt2, absolute=absolute, n_boot=n_boot, seed=seed, ci=ci)


# ---- Fornell-Larcker --------------------------------------------------------------------------------------

def _fornell_larcker_block(blk, first: dict, mf) -> tuple[np.ndarray, dict]:
    names = list(first)
    k = len(names)
    out = np.full((k, k), np.nan)
    for a in range(k):
        for b in range(k):
            ca, cb = names[a], names[b]
            with np.errstate(invalid="ignore"):
                out[a, b] = (np.sqrt(average_variance_extracted(blk, ca, first[ca], mf)) if a == b else
                             blk.phi[(ca, cb)] / np.sqrt(blk.phi[(ca, ca)] * blk.phi[(cb, cb)]))
    ok = {}
    for a in range(k):
        offd = np.abs(np.delete(out[a], a))
        ok[names[a]] = bool(np.isfinite(out[a, a]) and np.all(out[a, a] > offd[np.isfinite(offd)]))
    return out, ok


@corr.small_blas
def fornell_larcker(model: str, data: pd.DataFrame, *, group: str | None = None, group_equal=None,
                    missing: str = "listwise", ordered=None, std_lv: bool = False,
                    parameterization: str = "delta") -> FornellLarckerResult:
    """Fornell–Larcker table: sqrt(AVE) on the diagonal, CFA factor correlations elsewhere.

    Discriminant validity holds for a construct when its sqrt(AVE) exceeds the absolute value
    of each of its correlations (``.satisfied``). AVE as semTools::AVE, factor correlations
    (``lavInspect(fit, "cor.lv")``: model-implied, so also for constructs regressed on others)
    from the same CFA (``group``, ``group_equal``, ``missing``, ``ordered``, ``std_lv``,
    ``parameterization`` as :func:`loyaltyscope.cfa`; with ``group=`` the table and
    ``satisfied`` are indexed by group and construct); Heywood cases of the CFA are named on
    ``.warnings``.
    """
    first, items = first_order_constructs(model, data, "fornell_larcker")
    opts = {"missing": missing, "std_lv": std_lv}
    for k, v in (("group", group), ("group_equal", group_equal)):
        if v is not None:
            opts[k] = v
    if ordered is not None:
        opts.update(ordered=ordered, parameterization=parameterization)
    mf = measurement_fit(model, data, first, items, "fornell_larcker", **opts)
    names = list(first)
    tables, sats = [], []
    for blk in mf.blocks:
        out, ok = _fornell_larcker_block(blk, first, mf)
        tables.append(pd.DataFrame(out, index=names, columns=names))
        sats.append(pd.Series(ok, name="satisfied"))
    if group is None:
        table, satisfied = tables[0], sats[0]
    else:
        labels = [b.label for b in mf.blocks]
        table = pd.concat(tables, keys=labels, names=["group", "construct"])
        satisfied = pd.concat(sats, keys=labels, names=["group", "construct"]).rename("satisfied")
    warns = improper_warnings(mf, "sqrt(AVE) and factor correlations")
    return FornellLarckerResult(table, satisfied, mf.nobs, emit(warns, PsychometricWarning))
