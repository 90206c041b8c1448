"""Psychometrics with psych's and semTools' conventions (R: psych, semTools, GPArotation).

Modules, by topic:

- ``itemdata`` — checking item data, the correlation input of every analysis, exceptions;
- ``correlations`` — pairwise moments, SMCs, smoothing (pure array functions);
- ``polychoric_correlation`` — two-step polychoric correlations (:func:`polychoric`);
- ``exploratory`` — EFA extraction, fit statistics, scores (:func:`efa`); ``rotation`` — GPA
  rotations;
- ``factorability`` — KMO and Bartlett's test (:func:`kmo`, :func:`bartlett`);
- ``factor_retention`` — parallel analysis and Velicer's MAP;
- ``internal_consistency`` — alpha and omega (:func:`alpha`, :func:`omega`);
- ``constructs`` — the constructs of a measurement model and its CFA;
- ``composite_reliability`` — alpha, composite reliability and AVE per construct
  (:func:`reliability`);
- ``validity`` — HTMT and the Fornell–Larcker table.

Every result follows :class:`loyaltyscope.numerics.display.ResultProtocol`.
A new psychometric statistic goes into the module of its topic (or a new module named for the
topic, never for the public function).
"""

from loyaltyscope.psychometrics.composite_reliability import ReliabilityResult, reliability
from loyaltyscope.psychometrics.exploratory import EFAResult, efa
from loyaltyscope.psychometrics.factor_retention import (MAPResult, ParallelAnalysisResult, parallel_analysis,
                                                         velicer_map)
from loyaltyscope.psychometrics.factorability import BartlettResult, KMOResult, bartlett, kmo
from loyaltyscope.psychometrics.internal_consistency import AlphaResult, OmegaResult, alpha, omega
from loyaltyscope.psychometrics.itemdata import HeywoodWarning, ItemDataError, PsychometricWarning
from loyaltyscope.psychometrics.polychoric_correlation import PolychoricResult, polychoric
from loyaltyscope.psychometrics.validity import (FornellLarckerResult, HTMTResult, fornell_larcker, htmt,
                                                 htmt_intervals)

__all__ = ["efa", "EFAResult", "kmo", "bartlett", "parallel_analysis", "velicer_map", "KMOResult",
           "BartlettResult", "ParallelAnalysisResult", "MAPResult", "alpha", "omega", "reliability", "htmt",
           "htmt_intervals", "fornell_larcker", "AlphaResult", "OmegaResult", "ReliabilityResult", "HTMTResult",
           "FornellLarckerResult", "polychoric", "PolychoricResult", "ItemDataError", "PsychometricWarning",
           "HeywoodWarning"]
