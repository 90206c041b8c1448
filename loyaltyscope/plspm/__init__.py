"""PLS path modelling (PLS-SEM), SmartPLS/seminr-compatible: ``pls()``, its results, bootstrap,
index scores and IPMA, PLSpredict, MICOM and multigroup analysis."""

from loyaltyscope.plspm.api import pls
from loyaltyscope.plspm.results import PLSResult
from loyaltyscope.plspm.specification import PLSSpec, specify

__all__ = ["pls", "PLSResult", "PLSSpec", "specify"]
