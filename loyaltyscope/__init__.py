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
from loyaltyscope.study import StudyError, StudyResult, StudySpec, load_study, run_study, study_from_dict

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
    # report and studies
    "Section", "write_report", "run_study", "load_study", "study_from_dict", "StudySpec", "StudyResult",
    # errors and warnings
    "ModelSyntaxError", "ModelSpecError", "DataError", "ItemDataError", "InstrumentError", "ValidationError",
    "StudyError",
    "PsychometricWarning", "HeywoodWarning",
]

# --- PLS-SEM (room plspm, issue 10) -------------------------------------------
from loyaltyscope.plspm import (IndexResult, IPMAResult, MGAResult, MICOMResult, PLSResult,  # noqa: E402
                                PredictResult, micom, pls, pls_mga)

__all__ += ["pls", "micom", "pls_mga", "PLSResult", "MICOMResult", "MGAResult", "IndexResult", "IPMAResult",
            "PredictResult"]
# --- the mission's analyses (room ``analyses``) ---------------------------------
from loyaltyscope.analyses import (AnalysisError, ChannelPreferencesResult, IPAResult, KeyDriversResult,
                                   LoyaltyResult, NestedComparison, SatisfactionChainResult, WaveComparison,
                                   channel_preferences, compare, compare_waves, ipa, key_drivers, loyalty,
                                   satisfaction_chain)

__all__ += ["key_drivers", "ipa", "compare", "KeyDriversResult", "IPAResult", "NestedComparison", "AnalysisError",
            "satisfaction_chain", "SatisfactionChainResult", "loyalty", "LoyaltyResult",
            "channel_preferences", "ChannelPreferencesResult", "compare_waves", "WaveComparison"]
# --- behavioral loyalty (room ``behavior``) ---------------------------------------
from loyaltyscope.behavior import (BehaviorWarning, LoyaltyProfitabilityResult, MomentsResult,  # noqa: E402
                                   RetentionResult, TransactionError, customer_metrics, loyalty_profitability,
                                   moments, retention)

__all__ += ["customer_metrics", "retention", "loyalty_profitability", "moments", "RetentionResult",
            "LoyaltyProfitabilityResult", "MomentsResult", "TransactionError", "BehaviorWarning"]
# --- psychometrics: result classes of reliability(), htmt(), fornell_larcker() ---
from loyaltyscope.psychometrics import FornellLarckerResult, HTMTResult, ReliabilityResult  # noqa: E402

__all__ += ["ReliabilityResult", "HTMTResult", "FornellLarckerResult"]
# --- survey room (issue 14): damaged or unsupported survey files -------------
from loyaltyscope.survey import SurveyFileError  # noqa: E402

__all__ += ["SurveyFileError"]
# --- hostile input (issue 14 for the PLS room) -------------------------------------
from loyaltyscope.plspm.errors import PLSError  # noqa: E402

__all__ += ["PLSError"]
# --- cbsem-house: the resolved options of a fit (fit.options)
from loyaltyscope.cbsem.options import SemOptions  # noqa: E402

__all__ += ["SemOptions"]
