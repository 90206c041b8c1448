"""0–100 construct indices (ACSI/ECSI) and the importance–performance map (IPMA).

Index convention (Fornell et al. 1996, ACSI; ECSI Technical Committee 1998; SmartPLS IPMA,
Ringle & Sarstedt 2016), ``weights="unstandardized"`` (default):

1. unstandardized outer weights ``w̃_k = w_k / sd_k`` (the PLS weight of the standardized
   indicator divided by the indicator's standard deviation),
2. rescaled to sum to 1 within the block: ``v_k = w̃_k / Σ w̃``,
3. respondent score ``s_i = Σ v_k x_ik`` on the items' scale; the construct index is the mean
   score mapped to 0–100: ``100 · (mean(s) − min) / (max − min)`` with ``min``/``max`` the
   items' scale end points (``scale_min``/``scale_max``; when not given, the smallest and
   largest value observed in the block, stated in the result's warnings).

``weights="standardized"`` is seminr's variant: the standardized weights ``w_k`` themselves
rescaled to sum to 1.

IPMA for a target construct: *performance* is each construct's index; *importance* its
unstandardized total effect on the target, from OLS path coefficients re-estimated on the
0–100 respondent scores (SmartPLS's IPMA); the standardized total effect is reported
alongside (``importance_std``).

R equivalent: no seminr/semPLS function; SmartPLS "Importance-Performance Map Analysis".
"""

from __future__ import annotations

from dataclasses import dataclass

import numbers

import numpy as np
import pandas as pd

from loyaltyscope.numerics.display import ResultProtocol
from loyaltyscope.plspm.effects import total_effects
from loyaltyscope.plspm.errors import PLSError

__all__ = ["IndexResult", "IPMAResult", "construct_index", "ipma_from_fit", "rescaled_weights",
           "INDEX_WEIGHTS"]

INDEX_WEIGHTS = ("unstandardized", "standardized")


@dataclass(frozen=True)
class IndexResult(ResultProtocol):
    """0–100 construct indices. ``indices``: construct, index, scale_min, scale_max;
    ``weights``: the rescaled indicator weights; ``scores``: respondents' 0–100 scores."""

    title = "Construct indices (0-100)"

    indices: pd.DataFrame
    weights: pd.DataFrame
    scores: pd.DataFrame
    method: str = "unstandardized"
    warnings: tuple[str, ...] = ()

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"indices": self.indices, "weights": self.weights}

    def _headline(self) -> list[str]:
        return [f"weights: {self.method} outer weights rescaled to sum to 1; index = 100 (mean score - min)"
                " / (max - min)"]


@dataclass(frozen=True)
class IPMAResult(ResultProtocol):
    """Importance (total effect on ``target``) and performance (index) per construct."""

    title = "Importance-performance map (IPMA)"

    target: str
    map: pd.DataFrame
    method: str = "unstandardized"
    warnings: tuple[str, ...] = ()

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"map": self.map}

    def _headline(self) -> list[str]:
        return [f"target: {self.target}; importance = unstandardized total effect on 0-100 scores "
                "(importance_std: standardized); performance = index"]

    def plot(self, ax=None, language: str = "en"):
        """Scatter of importance (x) against performance (y), constructs labelled (matplotlib);
        title and axis labels in ``language`` (``"en"`` or ``"zh"``, in a font with CJK glyphs)."""
        import matplotlib.pyplot as plt

        from loyaltyscope.report.figures import set_fonts
        from loyaltyscope.report.i18n import phrase

        set_fonts()                    # the report's fonts (CJK first) before anything is drawn
        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4.5))
        m = self.map
        ax.scatter(m["importance"], m["performance"])
        for name, r in m.iterrows():
            ax.annotate(str(name), (r["importance"], r["performance"]), textcoords="offset points", xytext=(4, 4))
        ax.axvline(m["importance"].mean(), ls="--", lw=0.8, color="grey")
        ax.axhline(m["performance"].mean(), ls="--", lw=0.8, color="grey")
        ax.set_xlabel(phrase("fig_ipma_x", language, target=self.target))
        ax.set_ylabel(phrase("fig_ipma_y", language))
        ax.set_title(phrase("fig_ipma", language, target=self.target))
        return ax


def rescaled_weights(w: np.ndarray, sd: np.ndarray, block: np.ndarray, m: int, method: str) -> np.ndarray:
    """Indicator weights ``v`` that sum to 1 in each block (see the module docstring)."""
    if method not in INDEX_WEIGHTS:
        raise PLSError(f"weights must be one of {INDEX_WEIGHTS}, got {method!r}")
    raw = w / sd if method == "unstandardized" else w.copy()
    sums = np.bincount(block, weights=raw, minlength=m)
    return raw / sums[block]


def _scale_ends(fit, scale_min, scale_max):
    ind = fit._data
    pos = np.array([fit.spec.unique_items.index(x) for x in fit.spec.items])
    block, m, C = fit.spec.item_block, len(fit.spec.constructs), fit.spec.constructs
    lo, hi, notes = np.empty(m), np.empty(m), []
    for name, v in (("scale_min", scale_min), ("scale_max", scale_max)):
        if v is not None and not (isinstance(v, numbers.Real) and not isinstance(v, bool) and np.isfinite(v)):
            raise PLSError(f"{name} must be None or a finite number, got {v!r}")
    for j in range(m):
        x = ind.raw[:, pos[block == j]]
        lo[j] = x.min() if scale_min is None else scale_min
        hi[j] = x.max() if scale_max is None else scale_max
        if scale_min is None or scale_max is None:
            notes.append(C[j])
        if not hi[j] > lo[j]:
            raise PLSError(f"scale_max must exceed scale_min for {C[j]} (got {lo[j]}, {hi[j]})")
        if x.min() < lo[j] or x.max() > hi[j]:
            raise PLSError(f"the indicators of {C[j]} range from {x.min():g} to {x.max():g}, outside the scale "
                           f"[{lo[j]:g}, {hi[j]:g}] given by scale_min/scale_max; the index would leave 0-100")
    warn = ()
    if notes:
        warn = ("scale end points not given: the observed minimum/maximum of each block is used "
                "(pass scale_min= and scale_max= for the questionnaire's scale)",)
    return lo, hi, pos, warn


def _respondent_scores(fit, scale_min, scale_max, method):
    spec, ind = fit.spec, fit._data
    block, m = spec.item_block, len(spec.constructs)
    lo, hi, pos, warn = _scale_ends(fit, scale_min, scale_max)
    v = rescaled_weights(fit._est.weights[0], ind.sd[pos], block, m, method)
    if (v < 0).any():
        neg = sorted({spec.constructs[b] for b in block[v < 0]})
        warn += (f"negative index weights in {', '.join(neg)}: the index may leave 0-100",)
    Wm = np.zeros((len(block), m))
    Wm[np.arange(len(block)), block] = v
    raw_scores = ind.raw[:, pos] @ Wm
    scores = 100 * (raw_scores - lo) / (hi - lo)
    return v, lo, hi, pd.DataFrame(scores, index=ind.rows, columns=list(spec.constructs)), warn


def construct_index(fit, scale_min=None, scale_max=None, weights: str = "unstandardized") -> IndexResult:
    """0–100 index per construct of a fitted PLS model (``PLSResult.index``)."""
    spec = fit.spec
    v, lo, hi, scores, warn = _respondent_scores(fit, scale_min, scale_max, weights)
    indices = pd.DataFrame({"index": scores.mean(axis=0).to_numpy(), "scale_min": lo, "scale_max": hi},
                           index=pd.Index(spec.constructs, name="construct"))
    wt = pd.DataFrame({"construct": [spec.constructs[b] for b in spec.item_block], "indicator": list(spec.items),
                       "weight": v})
    return IndexResult(indices, wt, scores, weights, tuple(warn) + tuple(fit.warnings))


def _ols_paths(scores: np.ndarray, D: np.ndarray) -> np.ndarray:
    m = D.shape[0]
    beta = np.zeros((m, m))
    for j in range(m):
        pred = np.flatnonzero(D[:, j])
        if pred.size:
            X = np.column_stack([np.ones(len(scores)), scores[:, pred]])
            beta[pred, j] = np.linalg.lstsq(X, scores[:, j], rcond=None)[0][1:]
    return beta


def ipma_from_fit(fit, target: str, scale_min=None, scale_max=None,
                           weights: str = "unstandardized") -> IPMAResult:
    """IPMA of ``target`` (``PLSResult.ipma``)."""
    spec = fit.spec
    if target not in spec.constructs:
        raise PLSError(f"target {target!r} is not a construct of the model; constructs: {', '.join(spec.constructs)}")
    j = spec.constructs.index(target)
    _, _, _, scores, warn = _respondent_scores(fit, scale_min, scale_max, weights)
    T = total_effects(_ols_paths(scores.to_numpy(), spec.adjacency))
    Tstd = fit._est.total[0]
    rows = [i for i in range(len(spec.constructs)) if Tstd[i, j] != 0]
    if not rows:
        raise PLSError(f"no construct has an effect on {target!r}")
    perf = scores.mean(axis=0).to_numpy()
    out = pd.DataFrame({"importance": T[rows, j], "importance_std": Tstd[rows, j], "performance": perf[rows]},
                       index=pd.Index([spec.constructs[i] for i in rows], name="construct"))
    return IPMAResult(target, out, weights, tuple(warn))
