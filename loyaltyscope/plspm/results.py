"""The result of :func:`loyaltyscope.pls`: a frozen :class:`PLSResult` owning its tables."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from loyaltyscope.numerics.display import ResultProtocol
from loyaltyscope.plspm.estimates import StackEstimates
from loyaltyscope.plspm.indicator_data import IndicatorData
from loyaltyscope.plspm.resampling import BootstrapDraws
from loyaltyscope.plspm.specification import PLSSpec

__all__ = ["PLSResult"]


@dataclass(frozen=True)
class PLSResult(ResultProtocol):
    """A fitted PLS path model.

    Attributes (tables are DataFrames)
    ----------------------------------
    params : lhs, op, rhs, est [, boot_mean, se, t, pvalue, ci_lower, ci_upper]: ``~`` paths,
        ``=~`` loadings (Mode A blocks), ``<~`` outer weights (every block).
    r2 : construct -> r2, r2_adj [, ci_lower, ci_upper].
    reliability : alpha, rho_A, rho_C, AVE per construct (Mode A blocks).
    htmt, fornell_larcker, cross_loadings, vif (outer and inner), f2, effects, scores.
    nobs, scheme, consistent, iterations, converged, n_boot, n_failed, warnings.
    """

    title = "PLS path model (PLS-SEM)"

    spec: PLSSpec
    nobs: int
    scheme: str
    consistent: bool
    iterations: int
    converged: bool
    params: pd.DataFrame
    r2: pd.DataFrame
    reliability: pd.DataFrame
    htmt: pd.DataFrame
    fornell_larcker: pd.DataFrame
    cross_loadings: pd.DataFrame
    vif: pd.DataFrame
    f2: pd.DataFrame
    effects: pd.DataFrame
    construct_correlations: pd.DataFrame
    scores: pd.DataFrame
    htmt_intervals: pd.DataFrame | None = None
    n_boot: int = 0
    n_failed: int = 0
    boot_ci: str = "percentile"
    missing: str = "listwise"
    max_iter: int = 300
    tol: float = 1e-7
    warnings: tuple[str, ...] = ()
    _data: IndicatorData | None = field(default=None, repr=False, compare=False)
    _est: StackEstimates | None = field(default=None, repr=False, compare=False)
    _boot: BootstrapDraws | None = field(default=None, repr=False, compare=False)

    def tables(self) -> dict[str, pd.DataFrame]:
        out = {"params": self.params, "r2": self.r2, "reliability": self.reliability, "htmt": self.htmt,
               "fornell_larcker": self.fornell_larcker, "vif": self.vif, "f2": self.f2, "effects": self.effects,
               "cross_loadings": self.cross_loadings}
        if self.htmt_intervals is not None:
            out["htmt_intervals"] = self.htmt_intervals
        return out

    def _headline(self) -> list[str]:
        kind = "PLSc (consistent)" if self.consistent else "PLS"
        lines = [f"{kind}, {self.scheme} weighting scheme; {self.nobs} observations "
                 f"(missing: {self.missing}); converged after {self.iterations} iterations"
                 if self.converged else f"{kind}: NOT converged after {self.iterations} iterations"]
        if self.n_boot:
            lines.append(f"bootstrap: {self.n_boot} resamples, {self.n_failed} failed; {self.boot_ci} intervals")
        return lines

    @property
    def paths(self) -> pd.DataFrame:
        """The ``~`` rows of :attr:`params` (a copy)."""
        return self.params[self.params["op"] == "~"].reset_index(drop=True)

    def index(self, scale_min: float | None = None, scale_max: float | None = None,
              weights: str = "unstandardized"):
        """0–100 construct indices (ACSI/ECSI convention); see :mod:`loyaltyscope.plspm.index_scores`."""
        from loyaltyscope.plspm.index_scores import construct_index
        return construct_index(self, scale_min, scale_max, weights)

    def ipma(self, target: str, scale_min: float | None = None, scale_max: float | None = None,
             weights: str = "unstandardized"):
        """Importance–performance map for ``target``; see :mod:`loyaltyscope.plspm.index_scores`."""
        from loyaltyscope.plspm.index_scores import ipma_from_fit
        return ipma_from_fit(self, target, scale_min, scale_max, weights)

    def predict(self, k: int = 10, repeats: int = 10, seed: int | None = None, technique: str = "DA"):
        """PLSpredict (Shmueli et al. 2016); see :mod:`loyaltyscope.plspm.prediction`."""
        from loyaltyscope.plspm.prediction import pls_predict
        return pls_predict(self, k=k, repeats=repeats, seed=seed, technique=technique)

    def weights_vector(self) -> np.ndarray:
        return self._est.weights[0].copy()
