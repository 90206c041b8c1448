"""Estimator plug-ins of the SEM pipeline (:mod:`loyaltyscope.cbsem.pipeline`).

- ``ml``: maximum likelihood (ML, MLR, MLM; FIML with missing data);
- ``dwls``: DWLS / WLSMV for ordinal items;
- ``batched_ml``: ML refits of many bootstrap resamples at once (stacked Newton steps).

A new estimator is a module here with a ``fit(spec, ..., options)`` that returns a
:class:`Fitted`; the pipeline's results stage (:func:`loyaltyscope.cbsem.pipeline.finish`)
does the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

__all__ = ["Fitted"]


@dataclass
class Fitted:
    """What an estimator plug-in hands to the results stage."""

    table: dict                       # parameter table columns with est and se filled in
    theta: np.ndarray
    vcov: np.ndarray | None
    theta_names: tuple
    values_of: Callable               # theta -> {label or defined name: value}
    converged: bool
    iterations: int
    sample_covs: tuple                # per group: S (ordinal: polychoric R)
    implied_covs: tuple               # per group: Sigma of the observed (ordinal: y*) variables
    all_covs: tuple                   # per group: implied covariance of observed + latent variables
    fit_measures: Callable[[], dict]
    warnings: list
    extra: dict = field(default_factory=dict)
    modindices: Callable | None = None
    params_hook: Callable | None = None       # e.g. bootstrap SEs and intervals written into params
