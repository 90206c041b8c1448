"""Ready-made models for demos and notebooks: the ECSI model on ``mobi`` and the corporate
reputation model on ``corp_rep_data``, plus a one-call demo with index scores and IPMA.

``ECSI_MOBI_MODEL`` is the ECSI model of Tenenhaus et al. (2005) as shipped with semPLS
(``ECSImobi``) and seminr (``demo/seminr-pls-ecsi.R``): seven constructs, 24 items on 1–10.
"""

from __future__ import annotations

__all__ = ["ECSI_MOBI_MODEL", "CORP_REP_MODEL", "ecsi_demo"]

ECSI_MOBI_MODEL = """
Image        =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation  =~ CUEX1 + CUEX2 + CUEX3
Quality      =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
Value        =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Complaints   =~ CUSCO
Loyalty      =~ CUSL1 + CUSL2 + CUSL3
Expectation  ~ Image
Quality      ~ Expectation
Value        ~ Expectation + Quality
Satisfaction ~ Image + Expectation + Quality + Value
Complaints   ~ Satisfaction
Loyalty      ~ Image + Satisfaction + Complaints
"""

# Hair et al. (2021), PLS-SEM Using R, chapters 5-6: the extended corporate reputation model
CORP_REP_MODEL = """
QUAL <~ qual_1 + qual_2 + qual_3 + qual_4 + qual_5 + qual_6 + qual_7 + qual_8
PERF <~ perf_1 + perf_2 + perf_3 + perf_4 + perf_5
CSOR <~ csor_1 + csor_2 + csor_3 + csor_4 + csor_5
ATTR <~ attr_1 + attr_2 + attr_3
COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSA =~ cusa
CUSL =~ cusl_1 + cusl_2 + cusl_3
COMP ~ QUAL + PERF + CSOR + ATTR
LIKE ~ QUAL + PERF + CSOR + ATTR
CUSA ~ COMP + LIKE
CUSL ~ COMP + LIKE + CUSA
"""


def ecsi_demo(bootstrap: int = 0, seed: int = 2026) -> dict:
    """The ECSI model on mobi with its 0–100 indices and the IPMA for Loyalty.

    Returns ``{"fit": PLSResult, "index": IndexResult, "ipma": IPMAResult}`` — each prints a
    summary and renders as HTML in a notebook; ``ipma.plot()`` draws the map.
    """
    from loyaltyscope.datasets import load_dataset
    from loyaltyscope.plspm.api import pls

    fit = pls(ECSI_MOBI_MODEL, load_dataset("mobi"), bootstrap=bootstrap, seed=seed)
    return {"fit": fit, "index": fit.index(scale_min=1, scale_max=10),
            "ipma": fit.ipma(target="Loyalty", scale_min=1, scale_max=10)}
