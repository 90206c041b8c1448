"""PLS path modelling (PLS-SEM), SmartPLS/seminr-compatible: ``pls()``, its results, bootstrap,
index scores and IPMA, PLSpredict, MICOM and multigroup analysis."""

from loyaltyscope.plspm.api import pls
from loyaltyscope.plspm.group_invariance import MICOMResult, micom
from loyaltyscope.plspm.index_scores import IndexResult, IPMAResult
from loyaltyscope.plspm.multigroup import MGAResult, pls_mga
from loyaltyscope.plspm.prediction import PredictResult
from loyaltyscope.plspm.results import PLSResult
from loyaltyscope.plspm.specification import PLSSpec, specify

__all__ = ["pls", "micom", "pls_mga", "PLSResult", "MICOMResult", "MGAResult", "IndexResult", "IPMAResult",
           "PredictResult", "PLSSpec", "specify"]
