"""Covariance-based structural equation modelling with lavaan's conventions (R: lavaan).

The room is called ``cbsem`` rather than ``sem`` so that the public function
:func:`loyaltyscope.sem` does not shadow a module (``import loyaltyscope.cbsem.api`` always
works).

One pipeline (:mod:`~loyaltyscope.cbsem.pipeline`), as lavaan's ``lavaan()``:

- ``api``: ``sem()`` / ``cfa()``, the front door; ``options``: one frozen ``SemOptions``
  resolved once (lavaan's ``lavOptions``);
- ``syntax`` (model text -> formulas), ``partable`` (the parameter table and its defaults);
- sample statistics: ``samplestats`` (moments, FIML patterns; ``fiml``),
  ``ordinal_samplestats`` (thresholds, polychorics, NACOV);
- ``estimators/``: the plug-ins ``ml`` (ML, MLR, MLM, FIML), ``dwls`` (DWLS/WLSMV for ordinal
  items), ``batched_ml`` (the bootstrap's stacked refits); their shared pieces: ``ram``
  (implied moments and derivatives), ``start``, ``estimate`` (ML objective, optimiser),
  ``constraints`` (labels, ``:=``, ``==``/``<``/``>``), ``robust`` (MLR/MLM sandwich and
  scaled tests), ``ordinal_tests`` (WLSMV scaled-shifted test, catML);
- results: ``fit_indices`` (pure formulas), ``fit_measures`` (the catalogue under lavaan's
  names), ``estimates`` (params table, R², improper-solution diagnostics), ``standardized_solution``,
  ``modindices``, ``results`` (the frozen ``SemResult``);
- on top: ``bootstrap`` (+ ``bootstrap_resampling``, ``bootstrap_intervals``),
  ``measurement_invariance`` (the configural -> strict ladder), ``simulation``.

A new estimator goes into ``estimators/`` (a ``fit`` returning ``estimators.Fitted``); a new fit
index into ``fit_indices`` (formula) and ``fit_measures`` (its name in the catalogue).
"""

from loyaltyscope.cbsem.api import cfa, sem
from loyaltyscope.cbsem.measurement_invariance import InvarianceResult, invariance
from loyaltyscope.cbsem.options import SemOptions
from loyaltyscope.cbsem.partable import ModelSpecError, build_partable
from loyaltyscope.cbsem.results import SemResult
from loyaltyscope.cbsem.samplestats import DataError
from loyaltyscope.cbsem.simulation import population_moments, simulate
from loyaltyscope.cbsem.syntax import ModelSyntaxError, parse_model

__all__ = ["sem", "cfa", "SemResult", "SemOptions", "ModelSyntaxError", "ModelSpecError", "DataError",
           "parse_model", "build_partable", "invariance", "InvarianceResult", "simulate", "population_moments"]
