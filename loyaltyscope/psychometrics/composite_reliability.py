"""Reliability per construct of a measurement model: alpha, composite reliability (omega) and
AVE, as semTools.

Formulas (per first-order construct with items I, λ, φ from an ML CFA, S the listwise sample
covariance matrix with divisor n):

- ``alpha``: psych's raw alpha of the construct's items (pairwise, as :func:`loyaltyscope.alpha`);
- ``omega`` (semTools::compRelSEM, ``obs.var = TRUE``): (Σλ)² φ / 1ᵀS_I1;
- ``ave`` (semTools::AVE): Σλ² φ / tr S_I (NaN when an item of the construct cross-loads, as
  semTools' NA).

A Heywood case in the CFA (negative residual or latent variance, standardized loading above 1)
makes omega and AVE of that construct meaningless (omega can exceed 1): it is named on
``.warnings`` and in ``summary()``, with the CFA's own warnings.

References: McDonald (1999); Fornell & Larcker (1981); Jorgensen et al., semTools 0.5-6.
R equivalent: ``semTools::compRelSEM(cfa(model, data))``, ``semTools::AVE(fit)``,
``psych::alpha(data[items])``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from loyaltyscope.numerics.display import ResultProtocol
from loyaltyscope.psychometrics import correlations as corr
from loyaltyscope.psychometrics.constructs import first_order_constructs, improper_warnings, measurement_fit
from loyaltyscope.psychometrics.internal_consistency import alpha
from loyaltyscope.psychometrics.itemdata import PsychometricWarning, emit, quiet_emission

__all__ = ["reliability", "ReliabilityResult"]


@dataclass(frozen=True)
class ReliabilityResult(ResultProtocol):
    """Alpha, composite reliability and AVE per construct.

    ``table``: index ``construct``, columns ``alpha``, ``omega``, ``ave``, ``n_items``;
    ``nobs``: rows used by the CFA (listwise).
    """

    title = "Reliability per construct (alpha, composite reliability omega, AVE)"

    table: pd.DataFrame
    nobs: int
    warnings: tuple[str, ...] = field(default=())

    def _headline(self) -> list[str]:
        single = int((self.table["n_items"] < 2).sum())
        return [f"{len(self.table)} constructs ({single} with a single indicator); CFA on n = {self.nobs} "
                f"complete rows"]

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"reliability": self.table}


def _alpha_quietly(items: pd.DataFrame) -> tuple[float, tuple[str, ...]]:
    with quiet_emission():                       # alpha's messages are issued once, by reliability()
        a = alpha(items)
    return a.raw_alpha, a.warnings


@corr.small_blas
def reliability(model: str, data: pd.DataFrame) -> ReliabilityResult:
    """Alpha, composite reliability (omega) and AVE per construct of a measurement model.

    ``alpha``: psych's raw alpha of the construct's items (pairwise, as :func:`alpha`);
    ``omega``: semTools::compRelSEM, (Σλ)²φ / 1ᵀS1 from an ML CFA (listwise, S with divisor n);
    ``ave``: semTools::AVE, Σλ²φ / tr S (NaN if an item cross-loads). Constructs with a single
    indicator get NaN (semTools drops them). Heywood cases of the CFA are named on
    ``.warnings``.

    Returns a :class:`ReliabilityResult` whose ``.table`` is indexed by construct with columns
    ``alpha``, ``omega``, ``ave``, ``n_items``.

    R equivalent: ``semTools::compRelSEM(cfa(model, data))``, ``semTools::AVE(fit)``,
    ``psych::alpha(data[items])``.
    """
    from loyaltyscope.cbsem.data_input import as_data_frame
    data = as_data_frame(data)   # DataFrame, path to a data file, or validated Responses
    first, items = first_order_constructs(model, data, "reliability")
    mf = measurement_fit(model, data, first, items)
    rows = {}
    warns = improper_warnings(mf, "omega and AVE")
    for c, its in first.items():
        if len(its) < 2:
            rows[c] = (np.nan, np.nan, np.nan, len(its))
            warns.append(f"construct {c!r} has a single indicator; alpha, omega and AVE are not defined")
            continue
        a, aw = _alpha_quietly(data[its])
        warns += [f"alpha of {c!r}: {w}" for w in aw]
        L = np.array([mf.lam[(c, i)] for i in its])
        ph = mf.phi.get((c, c), np.nan)
        Ss = mf.S.loc[its, its].to_numpy()
        om = (L.sum() ** 2) * ph / Ss.sum()
        crossing = any(i in mf.cross for i in its)
        ave = np.nan if crossing else (L ** 2).sum() * ph / np.trace(Ss)
        if crossing:
            warns.append(f"construct {c!r} has cross-loading items; AVE is not defined (semTools returns NA)")
        rows[c] = (a, om, ave, len(its))
    out = pd.DataFrame(rows, index=["alpha", "omega", "ave", "n_items"]).T
    out["n_items"] = out["n_items"].astype(int)
    out.index.name = "construct"
    return ReliabilityResult(out, mf.nobs, emit(warns, PsychometricWarning))
