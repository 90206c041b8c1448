"""Reliability per construct of a measurement model: alpha, composite reliability (omega) and
AVE, as semTools 0.5-6 (``compRelSEM``, ``AVE``).

Everything is read from one CFA (:func:`loyaltyscope.cfa` with the options given), as semTools
reads a lavaan fit, per group: λ (loadings), Φ (model-implied latent covariances,
``lavInspect(fit, "cov.lv")`` — for a construct that is regressed on others its total variance,
not its disturbance), S (``lavInspect(fit, "sampstat")$cov``: listwise covariances with divisor
n; with ``missing="fiml"`` the EM estimate; ordinal items: polychoric correlations) and Σ
(``fitted(fit)$cov``). For construct c with items I:

- ``omega`` (compRelSEM): 1ᵀ(λ_c φ_cc λ_cᵀ)1 / 1ᵀV_I1 with V = S (``obs_var=True``, default)
  or V = Σ (``obs_var=False``); with ``tau_eq=True`` coefficient alpha of V_I,
  k/(k-1)(1 - tr V_I / 1ᵀV_I1), instead. Only the loadings on c count (an item that cross-loads
  keeps its other loadings out of c's numerator, as semTools).
- ordinal items (``ordered=``, WLSMV) with ``ord_scale=True`` (default): Green & Yang's (2009)
  categorical omega on the response scale, Σ_jj' [Σ_cc' Φ₂(τ_jc, τ_j'c'; ρᵀ_jj') - Φ(τ_j)Φ(τ_j')] /
  Σ_jj' [Σ_cc' Φ₂(τ_jc, τ_j'c'; ρ_jj') - Φ(τ_j)Φ(τ_j')] with ρᵀ = D λφλᵀ D the true-score part
  (D the latent-response scales, ``~*~``) and ρ the polychoric correlations (semTools'
  ``omegaCat``); ``ord_scale=False``: the linear formula on the latent responses y*.
- ``ave`` (AVE): Σλ² φ_cc / tr V_I (NaN when an item of the construct cross-loads, as
  semTools' NA).
- ``return_total=True``: a row ``total`` — the same omega for the sum of all items of the
  constructs with two or more items, common part 1ᵀΛΦΛᵀ1 (all loadings, cross-loadings included).
- ``higher=``: higher-order constructs (measured by constructs; semTools' ``higher``): omega of the sum of
  the items of their first-order constructs, common part 1ᵀ L B Φ Bᵀ Lᵀ 1 (B the loadings of the
  first-order on the higher-order construct); alpha and AVE are NaN there.
- ``alpha``: psych's raw alpha of the construct's items (pairwise, as :func:`loyaltyscope.alpha`;
  per group with ``group=``).

Deliberate differences from semTools 0.5-6 (bugs there; see docs/reliability-sweep.md):
semTools' AVE indexes the indicators of the kept constructs by row numbers of all indicators,
so with a single-indicator construct placed before others its denominators are shifted (ours
uses each construct's own items); semTools' ``return.total`` and ``higher`` fail for ordinal
items (a scalar passed as a matrix to ``omegaCat``); ours computes them with the true-score
matrix.

A Heywood case in the CFA (negative residual or latent variance, standardized loading above 1)
makes omega and AVE of that construct meaningless (omega can exceed 1): it is named on
``.warnings`` and in ``summary()``, with the CFA's own warnings.

References: McDonald (1999); Fornell & Larcker (1981); Green & Yang (2009); Jorgensen et al.,
semTools 0.5-6.
R equivalent: ``semTools::compRelSEM(cfa(model, data, ...), obs.var =, tau.eq =, ord.scale =,
return.total =, higher =)``, ``semTools::AVE(fit, obs.var =)``, ``psych::alpha(data[items])``
(``cfa(model, sample.cov = S, sample.nobs = n)`` and ``psych::alpha(S[items, items])`` with
``sample_cov=``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from loyaltyscope.numerics.bivariate_normal import bvn_cdf, norm_cdf
from loyaltyscope.numerics.display import ResultProtocol
from loyaltyscope.psychometrics import correlations as corr
from loyaltyscope.psychometrics.constructs import (average_variance_extracted, block_cov, constructs_from_model,
                                                   first_order_constructs, improper_warnings, measurement_fit)
from loyaltyscope.psychometrics.internal_consistency import alpha
from loyaltyscope.psychometrics.itemdata import PsychometricWarning, emit, quiet_emission

__all__ = ["reliability", "ReliabilityResult", "omega_linear", "omega_categorical", "alpha_of_cov"]


@dataclass(frozen=True)
class ReliabilityResult(ResultProtocol):
    """Alpha, composite reliability and AVE per construct.

    ``table``: index ``construct`` (``group``, ``construct`` with ``group=``), columns
    ``alpha``, ``omega``, ``ave``, ``n_items``; ``nobs``: rows used by the CFA (all groups);
    ``options``: the semTools options followed (``obs_var``, ``tau_eq``, ``ord_scale``,
    ``return_total``).
    """

    title = "Reliability per construct (alpha, composite reliability omega, AVE)"

    table: pd.DataFrame
    nobs: int
    options: dict = field(default_factory=dict)
    warnings: tuple[str, ...] = field(default=())

    def _headline(self) -> list[str]:
        single = int((self.table["n_items"] < 2).sum())
        kind = "alpha of the CFA's covariances (tau_eq)" if self.options.get("tau_eq") else "omega"
        return [f"{len(self.table)} rows ({single} with a single indicator); {kind}; CFA on n = {self.nobs} rows"]

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"reliability": self.table}


# ---- numeric cores ------------------------------------------------------------------------------------

def alpha_of_cov(V: np.ndarray) -> float:
    """Coefficient alpha of a covariance matrix, k/(k-1)(1 - tr V / 1ᵀV1) (semTools ``computeAlpha``)."""
    k = V.shape[0]
    return float(k / (k - 1) * (1 - np.trace(V) / V.sum()))


def omega_linear(common: np.ndarray, V: np.ndarray) -> float:
    """Composite reliability 1ᵀC1 / 1ᵀV1 of the sum score (C the common, model-implied part)."""
    return float(np.sum(common) / np.sum(V))


def omega_categorical(common: np.ndarray, V: np.ndarray, thresholds: list, scales: np.ndarray) -> float:
    """Green & Yang's (2009) omega of the sum of ordinal items on their response scale.

    ``common``: true-score covariances of the latent responses (λφλᵀ), ``V``: their total
    covariances (polychoric correlations), ``thresholds[j]``: the item's thresholds, ``scales``:
    the latent-response scales (1 in the delta parameterization). R: ``semTools:::omegaCat``.
    """
    R_true = common * np.outer(scales, scales)
    R_tot = corr.cov2cor(V)
    t = [np.asarray(thresholds[j], float) * scales[j] for j in range(len(scales))]
    marg = [float(norm_cdf(tj).sum()) for tj in t]
    num = den = 0.0
    for j in range(len(t)):            # both matrices are symmetric: each pair j < j' counts twice
        for jp in range(j, len(t)):
            h, k = np.meshgrid(t[j], t[jp], indexing="ij")
            w = 1.0 if jp == j else 2.0
            pp = marg[j] * marg[jp]
            num += w * (bvn_cdf(h, k, np.full(h.shape, R_true[j, jp])).sum() - pp)
            den += w * (bvn_cdf(h, k, np.full(h.shape, R_tot[j, jp])).sum() - pp)
    return float(num / den)


# ---- per group ------------------------------------------------------------------------------------------

def _alpha_quietly(items: pd.DataFrame) -> tuple[float, tuple[str, ...]]:
    with quiet_emission():                       # alpha's messages are issued once, by reliability()
        a = alpha(items)
    return a.raw_alpha, a.warnings


def _composite(blk, its, common, V, opts, categorical, raw_cov):
    """omega (or alpha with tau_eq) of the sum of ``its`` from the common part ``common``."""
    if opts["tau_eq"]:
        return alpha_of_cov(raw_cov(its) if (categorical and opts["ord_scale"]) else V)
    if categorical and opts["ord_scale"]:
        return omega_categorical(common, V, [blk.thresholds[i] for i in its],
                                 np.array([blk.scales.get(i, 1.0) for i in its]))
    return omega_linear(common, V)


def _block_rows(blk, first, higher, mf, opts, data_rows, warns) -> dict:
    """Rows (alpha, omega, ave, n_items) of one group (``data_rows`` None: alpha of the given
    covariance matrix)."""
    M = blk.S if opts["obs_var"] else blk.implied
    ordered = mf.ordered

    def raw_cov(its):
        used = data_rows[list(blk.S.index)].apply(pd.to_numeric, errors="coerce").dropna()   # the CFA's rows
        x = used[its].to_numpy(float)
        s = np.array([blk.scales.get(i, 1.0) for i in its])
        return np.cov(x, rowvar=False) / np.outer(s, s)

    rows, multi = {}, [c for c, its in first.items() if len(its) >= 2]
    for c, its in first.items():
        if len(its) < 2:
            rows[c] = (np.nan, np.nan, np.nan, len(its))
            continue
        n_cat = sum(i in ordered for i in its)
        categorical = n_cat == len(its)
        if data_rows is None:                    # psych::alpha of a covariance matrix: its raw alpha
            a = alpha_of_cov(blk.S.loc[its, its].to_numpy(float))
        else:
            a, aw = _alpha_quietly(data_rows[its])
            warns += [f"alpha of {c!r}: {w}" for w in aw]
        L = np.array([blk.lam[(c, i)] for i in its])
        ph = blk.phi[(c, c)]
        V = block_cov(M, blk, its, categorical)
        if 0 < n_cat < len(its):
            warns.append(f"construct {c!r} mixes ordinal and continuous items: omega is not defined (as semTools)")
            om = np.nan
        else:
            om = _composite(blk, its, np.outer(L, L) * ph, V, opts, categorical, raw_cov)
        ave = average_variance_extracted(blk, c, its, mf, opts["obs_var"])
        rows[c] = (a, om, ave, len(its))
    for h, lats in higher.items():
        own = [i for i in lats if (i, h) in blk.beta and (i, i) not in blk.phi]   # observed indicators of h
        lats = [x for x in lats if (x, h) in blk.beta and (x, x) in blk.phi]
        its = list(own)
        for x in lats:
            its += [i for i in first.get(x, []) if i not in its]
        if not its:
            continue
        cols = [h] + lats
        L = np.array([[blk.lam.get((x, i), blk.beta.get((i, x), 0.0) if x == h else 0.0) for x in cols]
                      for i in its])
        B = np.array([[blk.beta.get((a, b), 0.0) for b in cols] for a in cols])
        Phi = np.array([[blk.phi[(a, b)] for b in cols] for a in cols])
        categorical = all(i in ordered for i in its)
        V = block_cov(M, blk, its, categorical)
        rows[h] = (np.nan, _composite(blk, its, L @ B @ Phi @ B.T @ L.T, V, opts, categorical, raw_cov), np.nan,
                   len(its))
    if opts["return_total"] and len(multi) > 1:
        its = []
        for c in multi:
            its += [i for i in first[c] if i not in its]
        L = np.array([[blk.lam.get((c, i), 0.0) for c in multi] for i in its])
        Phi = np.array([[blk.phi[(a, b)] for b in multi] for a in multi])
        n_cat = sum(i in ordered for i in its)
        if 0 < n_cat < len(its):
            warns.append("the total mixes ordinal and continuous items: its omega is not defined (as semTools)")
            rows["total"] = (np.nan, np.nan, np.nan, len(its))
        else:
            categorical = n_cat == len(its)
            rows["total"] = (np.nan, _composite(blk, its, L @ Phi @ L.T, block_cov(M, blk, its, categorical), opts,
                                                categorical, raw_cov), np.nan, len(its))
    return rows


@corr.small_blas
def reliability(model: str, data: pd.DataFrame | None = None, *, obs_var: bool = True, tau_eq: bool = False,
                ord_scale: bool = True, return_total: bool = False, higher=(), group: str | None = None,
                group_equal=None, missing: str = "listwise", ordered=None, std_lv: bool = False,
                parameterization: str = "delta", sample_cov=None, sample_nobs: int | None = None) -> ReliabilityResult:
    """Alpha, composite reliability (omega) and AVE per construct of a measurement model.

    ``alpha``: psych's raw alpha of the construct's items (pairwise, as :func:`alpha`);
    ``omega``: semTools::compRelSEM, 1ᵀλφλᵀ1 / 1ᵀS1 from the CFA (φ the implied latent
    variance, S the CFA's sample covariances); ``ave``: semTools::AVE, Σλ²φ / tr S (NaN if an
    item cross-loads). Constructs with a single indicator get NaN (semTools drops them);
    ``higher=`` adds higher-order constructs (the omega of all their items, semTools' ``higher``).
    Heywood cases of the CFA are named on ``.warnings``. Formulas: module docstring.

    Parameters
    ----------
    obs_var : S (``True``, semTools' default) or the model-implied Σ (``False``) in the denominators.
    tau_eq : coefficient alpha of S (semTools' ``tau.eq = TRUE``) in the ``omega`` column.
    ord_scale : ordinal items: omega of the item scores (``True``, Green & Yang) or of the latent
        responses (``False``).
    return_total : add a row ``total``: omega of the sum of all items.
    higher : higher-order constructs to add a row for (omega of the sum of the items of their
        first-order constructs; semTools' ``higher``), or ``True`` for all of them.
    group, group_equal, missing, ordered, std_lv, parameterization : the CFA's options
        (:func:`loyaltyscope.cfa`); ``ordered=True`` treats every item as ordinal.
    sample_cov, sample_nobs : a covariance matrix (DataFrame with item names, divisor n - 1) and
        its number of respondents instead of ``data`` (one group, continuous items; ``alpha`` is
        then psych's raw alpha of the matrix).

    Returns a :class:`ReliabilityResult` whose ``.table`` is indexed by construct (by group and
    construct with ``group=``) with columns ``alpha``, ``omega``, ``ave``, ``n_items``.

    R equivalent: ``semTools::compRelSEM(cfa(model, data, ...), obs.var =, tau.eq =,
    ord.scale =, return.total =, higher =)``, ``semTools::AVE(fit)``, ``psych::alpha(data[items])``.
    """
    from loyaltyscope.cbsem.data_input import as_data_frame
    cfa_options = {"missing": missing, "std_lv": std_lv}
    if sample_cov is not None:
        if data is not None or group is not None or ordered is not None or sample_nobs is None:
            raise ValueError("sample_cov= needs sample_nobs= and goes without data=, group= and ordered= (raw data "
                             "are needed for those)")
        cfa_options.update(sample_cov=sample_cov, sample_nobs=sample_nobs)
        first, items = first_order_constructs(model, pd.DataFrame(columns=list(sample_cov.columns)), "reliability")
    else:
        data = as_data_frame(data)   # DataFrame, path to a data file, or validated Responses
        first, items = first_order_constructs(model, data, "reliability")
    for k, v in (("group", group), ("group_equal", group_equal), ("ordered", ordered)):
        if v is not None:
            cfa_options[k] = v
    if ordered is not None:
        cfa_options["parameterization"] = parameterization
    mf = measurement_fit(model, data, first, items, **cfa_options)
    cons = constructs_from_model(model)
    second = {c: its for c, its in cons.items() if c not in first and any(i in cons for i in its)}
    wanted = list(second) if higher is True else [higher] if isinstance(higher, str) else list(higher or ())
    unknown = [h for h in wanted if h not in second]
    if unknown:
        raise ValueError(f"higher={higher!r}: {', '.join(map(repr, unknown))} is not a higher-order construct of the "
                         f"model (one measured by constructs); these are: {', '.join(map(repr, second)) or 'none'}")
    higher = {h: second[h] for h in wanted}
    opts = {"obs_var": bool(obs_var), "tau_eq": bool(tau_eq), "ord_scale": bool(ord_scale),
            "return_total": bool(return_total)}
    warns = improper_warnings(mf, "omega and AVE")
    warns += [f"construct {c!r} has a single indicator; alpha, omega and AVE are not defined"
              for c, its in first.items() if len(its) < 2]
    crossing = [c for c, its in first.items() if len(its) >= 2 and any(i in mf.cross for i in its)]
    warns += [f"construct {c!r} has cross-loading items; AVE is not defined (semTools returns NA)" for c in crossing]
    parts = []
    for blk in mf.blocks:
        data_rows = data if group is None or data is None else data[data[group].astype(str) == str(blk.label)]
        rows = _block_rows(blk, first, higher, mf, opts, data_rows, warns)
        out = pd.DataFrame(rows, index=["alpha", "omega", "ave", "n_items"]).T
        out["n_items"] = out["n_items"].astype(int)
        out.index.name = "construct"
        parts.append(out)
    if group is None:
        table = parts[0]
    else:
        table = pd.concat(parts, keys=[b.label for b in mf.blocks], names=["group", "construct"])
    return ReliabilityResult(table, mf.nobs, opts, emit(list(dict.fromkeys(warns)), PsychometricWarning))
