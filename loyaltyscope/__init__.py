"""loyaltyscope — survey-based customer loyalty measurement.

Public API (everything a user, the CLI or a notebook calls lives here):

- SEM / CFA (lavaan-compatible): :func:`sem`, :func:`cfa`
- Psychometrics (psych / semTools-compatible): reliability, EFA, retention, polychoric
- Survey front door: instruments, reading and validating responses, screening, scoring
"""

from __future__ import annotations

__version__ = "0.1.0"

from loyaltyscope.datasets import load_dataset

# --- SEM engine -------------------------------------------------------------
from loyaltyscope.sem import sem, cfa, SemResult, ModelSyntaxError, parse_model
from loyaltyscope.simulate import simulate, population_moments
from loyaltyscope.invariance import invariance, InvarianceResult
from loyaltyscope.report import Section, write_report

# --- psychometrics (section owned by the psychometrics modules) -------------
from loyaltyscope.reliability import (alpha, omega, reliability, htmt, htmt_intervals, fornell_larcker,
                                      AlphaResult, OmegaResult)
from loyaltyscope.efa import efa, EFAResult
from loyaltyscope.retention import (kmo, bartlett, parallel_analysis, velicer_map, KMOResult, BartlettResult,
                                    ParallelAnalysisResult, MAPResult)
from loyaltyscope.polychoric import polychoric, PolychoricResult
from loyaltyscope.itemdata import ItemDataError, PsychometricWarning, HeywoodWarning

# --- survey front door (section owned by the survey modules) ----------------
from loyaltyscope.instrument import Instrument, InstrumentError, load_instrument, list_instruments
from loyaltyscope.responses import Responses, ValidationError, read_responses
from loyaltyscope.screening import Screening, screen
from loyaltyscope.scoring import NPSResult, Scores, nps, reverse_score, score, standardize
from loyaltyscope.exports import export, neutralize_formulas
