"""Psychometrics with psych's and semTools' conventions (R: psych, semTools, GPArotation).

Modules: ``itemdata`` (item matrices and correlation input), ``correlations`` (pairwise
moments), ``polychoric_correlation`` (two-step polychoric), ``exploratory`` (EFA:
extraction, fit, scores), ``rotation`` (GPA rotations), ``factor_retention`` (KMO, Bartlett,
parallel analysis, MAP), ``internal_consistency`` (alpha, omega, composite reliability, AVE,
HTMT, Fornell–Larcker).
"""

from loyaltyscope.psychometrics.exploratory import EFAResult, efa
from loyaltyscope.psychometrics.factor_retention import (BartlettResult, KMOResult, MAPResult,
                                                         ParallelAnalysisResult, bartlett, kmo,
                                                         parallel_analysis, velicer_map)
from loyaltyscope.psychometrics.internal_consistency import (AlphaResult, OmegaResult, alpha, fornell_larcker,
                                                             htmt, htmt_intervals, omega, reliability)
from loyaltyscope.psychometrics.itemdata import HeywoodWarning, ItemDataError, PsychometricWarning
from loyaltyscope.psychometrics.polychoric_correlation import PolychoricResult, polychoric

__all__ = ["efa", "EFAResult", "kmo", "bartlett", "parallel_analysis", "velicer_map", "KMOResult",
           "BartlettResult", "ParallelAnalysisResult", "MAPResult", "alpha", "omega", "reliability", "htmt",
           "htmt_intervals", "fornell_larcker", "AlphaResult", "OmegaResult", "polychoric", "PolychoricResult",
           "ItemDataError", "PsychometricWarning", "HeywoodWarning"]
