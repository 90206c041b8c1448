"""The survey front door: what was asked (instruments), what was answered (validated
responses with the log of every exclusion), screening, scoring and safe exports.

Modules: ``instrument`` (YAML questionnaires and their schema), ``files`` (reading CSV,
XLSX, SPSS, Stata, Parquet and Qualtrics exports into raw tables), ``responses`` (validation
against an instrument), ``screening`` (careless responding), ``scoring`` (reverse keys,
scale scores, NPS), ``exports`` (CSV/XLSX with formula injection neutralised).
"""

from loyaltyscope.survey.exports import export, neutralize_formulas
from loyaltyscope.survey.formats import SurveyFileError
from loyaltyscope.survey.instrument import Instrument, InstrumentError, list_instruments, load_instrument
from loyaltyscope.survey.responses import Responses, ValidationError, read_responses
from loyaltyscope.survey.scoring import NPSResult, Scores, nps, reverse_score, score, standardize
from loyaltyscope.survey.screening import Screening, screen

__all__ = ["export", "neutralize_formulas", "Instrument", "InstrumentError", "list_instruments",
           "load_instrument", "Responses", "ValidationError", "read_responses", "NPSResult", "Scores", "nps",
           "reverse_score", "score", "standardize", "Screening", "screen", "SurveyFileError"]
