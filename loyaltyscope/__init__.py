"""loyaltyscope — survey-based customer loyalty measurement.

Public API (everything a user, the CLI or a notebook calls lives here):

- SEM / CFA (lavaan-compatible, room ``cbsem``): :func:`sem`, :func:`cfa`, :func:`invariance`,
  :func:`simulate`
- Psychometrics (psych / semTools-compatible, room ``psychometrics``): reliability, EFA,
  retention, polychoric
- Survey front door (room ``survey``): instruments, reading and validating responses,
  screening, scoring, exports
- Reports (room ``report``)
"""

from __future__ import annotations

from loyaltyscope._version import __version__
from loyaltyscope.datasets import load_dataset

# --- SEM engine -------------------------------------------------------------
from loyaltyscope.cbsem import (DataError, InvarianceResult, ModelSpecError, ModelSyntaxError, SemResult, cfa,
                                invariance, parse_model, population_moments, sem, simulate)
from loyaltyscope.report import Section, write_report

# --- psychometrics ------------------------------------------------------------
from loyaltyscope.psychometrics import (AlphaResult, BartlettResult, EFAResult, HeywoodWarning, ItemDataError,
                                        KMOResult, MAPResult, OmegaResult, ParallelAnalysisResult,
                                        PolychoricResult, PsychometricWarning, alpha, bartlett, efa,
                                        fornell_larcker, htmt, htmt_intervals, kmo, omega, parallel_analysis,
                                        polychoric, reliability, velicer_map)

# --- survey front door --------------------------------------------------------
from loyaltyscope.survey import (Instrument, InstrumentError, NPSResult, Responses, Scores, Screening,
                                 ValidationError, export, list_instruments, load_instrument, neutralize_formulas,
                                 nps, read_responses, reverse_score, score, screen, standardize)

__all__ = [
    "__version__", "load_dataset",
    # SEM
    "sem", "cfa", "invariance", "simulate", "population_moments", "parse_model", "SemResult",
    "InvarianceResult",
    # psychometrics
    "alpha", "omega", "reliability", "htmt", "htmt_intervals", "fornell_larcker", "efa", "kmo", "bartlett",
    "parallel_analysis", "velicer_map", "polychoric", "AlphaResult", "OmegaResult", "EFAResult", "KMOResult",
    "BartlettResult", "ParallelAnalysisResult", "MAPResult", "PolychoricResult",
    # survey
    "Instrument", "load_instrument", "list_instruments", "Responses", "read_responses", "Screening", "screen",
    "Scores", "NPSResult", "score", "reverse_score", "standardize", "nps", "export", "neutralize_formulas",
    # report
    "Section", "write_report",
    # errors and warnings
    "ModelSyntaxError", "ModelSpecError", "DataError", "ItemDataError", "InstrumentError", "ValidationError",
    "PsychometricWarning", "HeywoodWarning",
]

# --- cbsem-house: the resolved options of a fit (fit.options)
from loyaltyscope.cbsem.options import SemOptions  # noqa: E402

__all__ += ["SemOptions"]
