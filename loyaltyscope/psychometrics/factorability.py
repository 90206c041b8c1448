"""Is a correlation matrix worth factoring? KMO and Bartlett's sphericity test, as psych.

- :func:`kmo` — Kaiser–Meyer–Olkin measure of sampling adequacy (Kaiser, 1974; ``psych::KMO``):
  with Q the anti-image correlations (R⁻¹ scaled to unit diagonal),
  MSA = Σ_{i≠j} r_ij² / (Σ_{i≠j} r_ij² + Σ_{i≠j} q_ij²), per item over column i.
- :func:`bartlett` — ``psych::cortest.bartlett``: χ² = -ln|R| (n - 1 - (2p + 5)/6),
  df = p(p - 1)/2, on the pairwise correlation matrix with n = number of rows.

References: Kaiser, H. F. (1974), An index of factorial simplicity, *Psychometrika* 39, 31–36;
Bartlett, M. S. (1951), The effect of standardization on a χ² approximation in factor analysis,
*Biometrika* 38, 337–344.

R equivalents: ``psych::KMO(x)``, ``psych::cortest.bartlett(x)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from loyaltyscope.numerics.display import ResultProtocol
from loyaltyscope.psychometrics import correlations as corr
from loyaltyscope.psychometrics.itemdata import (ItemDataError, PsychometricWarning, emit, nonpositive_definite_items,
                                                 prepare_correlations)

__all__ = ["kmo", "bartlett", "KMOResult", "BartlettResult", "kmo_matrix", "bartlett_statistic", "kaiser_label"]


# ---- numeric cores -------------------------------------------------------------------------------------

def kmo_matrix(r: np.ndarray) -> tuple[float, np.ndarray]:
    """KMO overall and per item of a correlation matrix (Kaiser 1974 formula, as psych::KMO)."""
    q = np.linalg.inv(r)
    d = 1.0 / np.sqrt(np.diag(q))
    qc = q * d[:, None] * d[None, :]
    np.fill_diagonal(qc, 0.0)
    r0 = r.copy()
    np.fill_diagonal(r0, 0.0)
    r2, q2 = r0 * r0, qc * qc
    overall = r2.sum() / (r2.sum() + q2.sum())
    return float(overall), r2.sum(axis=0) / (r2.sum(axis=0) + q2.sum(axis=0))


def bartlett_statistic(r: np.ndarray, n: float) -> tuple[float, float, float]:
    """Bartlett's test that R is an identity matrix: (chisq, df, pvalue)."""
    p = r.shape[0]
    sign, logdet = np.linalg.slogdet(r)
    if sign <= 0:
        return float("nan"), p * (p - 1) / 2, float("nan")
    chisq = -logdet * (n - 1 - (2 * p + 5) / 6)
    df = p * (p - 1) / 2
    return float(chisq), float(df), float(stats.chi2.sf(chisq, df))


def kaiser_label(v: float) -> str:
    """Kaiser's (1974) verbal labels of an MSA value."""
    for cut, lab in ((0.9, "marvelous"), (0.8, "meritorious"), (0.7, "middling"), (0.6, "mediocre"),
                     (0.5, "miserable")):
        if v >= cut:
            return lab
    return "unacceptable"


# ---- results ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class KMOResult(ResultProtocol):
    """Kaiser–Meyer–Olkin sampling adequacy: ``overall`` MSA and ``per_item`` (Series)."""

    title = "Kaiser-Meyer-Olkin factor adequacy"

    overall: float
    per_item: pd.Series
    nobs: float
    warnings: tuple[str, ...] = field(default=())

    def _headline(self) -> list[str]:
        return [f"overall MSA = {self.overall:.3f} ({kaiser_label(self.overall)})"]

    def tables(self) -> dict[str, pd.DataFrame]:
        t = self.per_item.to_frame("MSA")
        t["label"] = [kaiser_label(v) for v in self.per_item]
        return {"msa": t}


@dataclass(frozen=True)
class BartlettResult(ResultProtocol):
    """Bartlett's test of sphericity: ``chisq``, ``df``, ``pvalue``, ``nobs``."""

    title = "Bartlett's test that the correlation matrix is an identity matrix"

    chisq: float
    df: float
    pvalue: float
    nobs: float
    warnings: tuple[str, ...] = field(default=())

    def _headline(self) -> list[str]:
        return [f"chi-square = {self.chisq:.2f}, df = {self.df:.0f}, p = {self.pvalue:.4g} (n = {self.nobs:g})"]

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"test": pd.DataFrame({"chisq": [self.chisq], "df": [self.df], "pvalue": [self.pvalue],
                                      "nobs": [self.nobs]})}


# ---- public functions ----------------------------------------------------------------------------------

@corr.small_blas
def kmo(data, *, use: str = "pairwise") -> KMOResult:
    """Kaiser–Meyer–Olkin measure of sampling adequacy, as ``psych::KMO``.

    MSA = Σ_{i≠j} r²_ij / (Σ_{i≠j} r²_ij + Σ_{i≠j} q²_ij), q = anti-image correlations
    -(R⁻¹)_ij / sqrt((R⁻¹)_ii (R⁻¹)_jj) (Kaiser 1974). Per item: sums over column i.

    Returns a :class:`KMOResult` (``.overall``, ``.per_item``).
    R equivalent: ``psych::KMO(x)``.
    """
    ci = prepare_correlations(data, use=use, context="kmo", require_pd=False)
    if ci.x is not None and ci.x.shape[0] <= len(ci.names):
        raise ItemDataError([(None, f"{ci.x.shape[0]} respondents but {len(ci.names)} items: the correlation matrix "
                                    f"is singular, so the anti-image correlations (its inverse) do not exist")], "kmo")
    bad = nonpositive_definite_items(ci.r, ci.names)
    if bad:
        raise ItemDataError([(None, "the correlation matrix is not positive definite, so the anti-image correlations "
                                    f"are undefined; the items involved are {', '.join(bad)}")], "kmo")
    overall, per = kmo_matrix(ci.r)
    return KMOResult(overall, pd.Series(per, index=list(ci.names), name="MSA"), ci.nobs,
                     emit(ci.warnings, PsychometricWarning))


@corr.small_blas
def bartlett(data, nobs: float | None = None, *, use: str = "pairwise") -> BartlettResult:
    """Bartlett's (1951) test of sphericity, as ``psych::cortest.bartlett``.

    χ² = -ln|R| (n - 1 - (2p + 5)/6), df = p(p - 1)/2. With raw data, R is the pairwise
    correlation matrix and n the number of rows; with a correlation matrix give ``nobs``.
    Returns a :class:`BartlettResult` (``.chisq``, ``.df``, ``.pvalue``).
    R equivalent: ``psych::cortest.bartlett(x)``.
    """
    ci = prepare_correlations(data, use=use, nobs=nobs, context="bartlett", nobs_of_raw_data=False)
    if not np.isfinite(ci.nobs):
        raise ValueError("bartlett: a correlation matrix was given without nobs; the test needs the number of "
                         "respondents (psych silently assumes 100)")
    chisq, df, p = bartlett_statistic(ci.r, ci.nobs)
    if not np.isfinite(chisq):
        bad = nonpositive_definite_items(ci.r, ci.names)
        raise ItemDataError([(None, "the correlation matrix is not positive definite (its determinant is not "
                                    "positive), so -ln|R| is undefined"
                                    + (f"; the items involved are {', '.join(bad)}" if bad else ""))], "bartlett")
    return BartlettResult(chisq, df, p, ci.nobs, emit(ci.warnings, PsychometricWarning))
