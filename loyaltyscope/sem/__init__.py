"""Structural equation modelling with lavaan's conventions.

Modules: ``syntax`` (model text -> formulas), ``partable`` (the parameter table and its
defaults), ``samplestats`` (moments), ``ram`` (implied moments and derivatives), ``start``,
``estimate`` (ML objective, gradient, information, optimiser), ``fit_indices`` (pure
formulas), ``standardize``, ``modindices``, ``results`` (the frozen result), ``api``
(``sem()``, the stages in order).
"""

from loyaltyscope.sem.api import cfa, sem
from loyaltyscope.sem.partable import ModelSpecError, build_partable
from loyaltyscope.sem.results import SemResult
from loyaltyscope.sem.samplestats import DataError
from loyaltyscope.sem.syntax import ModelSyntaxError, parse_model

__all__ = ["sem", "cfa", "SemResult", "ModelSyntaxError", "ModelSpecError", "DataError", "parse_model",
           "build_partable"]
