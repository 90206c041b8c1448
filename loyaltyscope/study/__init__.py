"""Studies: a YAML file naming the instrument, the data files (waves) and the analyses;
:func:`run_study` turns it into a report and machine-readable results.

Modules: ``specification`` (the study file schema and its validation), ``steps`` (one
function per analysis step, over the public API), ``runner`` (reading, screening, running
the steps, row accounting), ``outputs`` (report.html, results.json, results.xlsx,
exclusions.csv, methods.md).
"""

from loyaltyscope.study.runner import StudyResult, run_study
from loyaltyscope.study.specification import StudyError, StudySpec, load_study, study_from_dict

__all__ = ["run_study", "load_study", "study_from_dict", "StudySpec", "StudyResult", "StudyError"]
