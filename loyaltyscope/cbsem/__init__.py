"""Covariance-based structural equation modelling with lavaan's conventions (R: lavaan).

The room is called ``cbsem`` rather than ``sem`` so that the public function
:func:`loyaltyscope.sem` does not shadow a module (``import loyaltyscope.cbsem.api`` always
works).

Modules: ``syntax`` (model text -> formulas), ``partable`` (the parameter table and its
defaults), ``samplestats`` (moments), ``ram`` (implied moments and derivatives), ``start``,
``estimate`` (ML objective, gradient, information, optimiser), ``fit_indices`` (pure
formulas), ``standardize``, ``modindices``, ``results`` (the frozen result), ``api``
(``sem()``, the stages in order), ``simulation`` (data from a population model),
``measurement_invariance`` (the configural -> strict ladder).
"""

from loyaltyscope.cbsem.api import cfa, sem
from loyaltyscope.cbsem.measurement_invariance import InvarianceResult, invariance
from loyaltyscope.cbsem.partable import ModelSpecError, build_partable
from loyaltyscope.cbsem.results import SemResult
from loyaltyscope.cbsem.samplestats import DataError
from loyaltyscope.cbsem.simulation import population_moments, simulate
from loyaltyscope.cbsem.syntax import ModelSyntaxError, parse_model

__all__ = ["sem", "cfa", "SemResult", "ModelSyntaxError", "ModelSpecError", "DataError", "parse_model",
           "build_partable", "invariance", "InvarianceResult", "simulate", "population_moments"]
