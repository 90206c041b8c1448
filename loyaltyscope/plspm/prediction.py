"""PLSpredict (Shmueli, Ray, Velasquez Estrada & Chatla 2016; Shmueli et al. 2019).

k-fold cross-validation, repeated ``repeats`` times:

1. rows are shuffled (repetition 0: ``default_rng(seed).permutation(n)``, as seminr's
   ``predict_pls(seed=)``; repetition r > 0: ``default_rng([seed, r])``) and cut into k folds
   as R's ``cut(seq_len(n), breaks = k)``;
2. the model is re-estimated on the training rows; the hold-out indicators are standardized
   with the training means and SDs and weighted into construct scores;
3. endogenous construct scores are predicted from their direct antecedents' scores
   (``technique="DA"``, seminr's default ``predict_DA``) or propagated from the exogenous
   constructs (``"EA"``, ``predict_EA``); an indicator's prediction is its loading times
   the predicted score, brought back to the item's scale with the training mean and SD;
4. the linear benchmark (LM) regresses every indicator of an endogenous construct on the
   indicators of its antecedent constructs (DA) or of all exogenous constructs (EA), with an
   intercept, on the training rows; the naive benchmark is the training mean.

Out-of-sample predictions are averaged over the repetitions; per indicator we report
``RMSE = sqrt(mean(e²))``, ``MAE = mean|e|`` for PLS and LM, and
``Q²predict = 1 − Σ e²_PLS / Σ e²_naive`` (SmartPLS).

R equivalent: ``seminr::predict_pls(model, technique = predict_DA, noFolds = 10, reps = 10)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyaltyscope.numerics.display import ResultProtocol
from loyaltyscope.plspm.effects import total_effects
from loyaltyscope.plspm.estimates import estimate_stack
from loyaltyscope.numerics.options import check_count, check_seed
from loyaltyscope.plspm.errors import PLSError

__all__ = ["PredictResult", "pls_predict", "fold_ids", "TECHNIQUES"]

TECHNIQUES = ("DA", "EA")


@dataclass(frozen=True)
class PredictResult(ResultProtocol):
    """Per-indicator out-of-sample errors: indicator, construct, pls_rmse, pls_mae, lm_rmse,
    lm_mae, q2_predict; ``predictions`` holds the averaged PLS and LM predictions."""

    title = "PLSpredict"

    metrics: pd.DataFrame
    predictions: pd.DataFrame
    k: int                # folds
    repeats: int          # repetitions of the k-fold split
    technique: str        # "DA" or "EA"
    seed: int | None
    warnings: tuple[str, ...] = ()

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"metrics": self.metrics}

    def _headline(self) -> list[str]:
        better = int((self.metrics["pls_rmse"] < self.metrics["lm_rmse"]).sum())
        return [f"{self.k}-fold cross-validation x {self.repeats}, technique {self.technique}; "
                f"PLS beats the linear benchmark (RMSE) on {better} of {len(self.metrics)} indicators"]


def fold_ids(n: int, k: int) -> np.ndarray:
    """Fold (0-based) of each position 0..n-1, as R's ``cut(seq_len(n), breaks = k, labels = FALSE)``."""
    fuzz = (n - 1) / 1000
    breaks = 1 + np.arange(k + 1) * (n - 1) / k
    breaks[0], breaks[k] = 1 - fuzz, n + fuzz
    return np.searchsorted(breaks[1:], np.arange(1, n + 1), side="left")


def _propagate(Y, beta, exo, technique):
    if technique == "DA":
        out = Y @ beta
        out[:, exo] = Y[:, exo]
        return out
    T = total_effects(beta)
    out = Y[:, exo] @ T[exo]
    out[:, exo] = Y[:, exo]
    return out


def _fold(fit, raw, train, test, technique, targets, lm_sets):
    spec = fit.spec
    pos = np.array([spec.unique_items.index(x) for x in spec.items])
    block, m = spec.item_block, len(spec.constructs)
    mu, sd = raw[train].mean(axis=0), raw[train].std(axis=0, ddof=1)
    z_train, z_test = (raw[train] - mu) / sd, (raw[test] - mu) / sd
    S = np.corrcoef(z_train, rowvar=False)[np.ix_(pos, pos)]
    est = estimate_stack(S, spec, fit.scheme, False, fit.max_iter, fit.tol)
    Wm = np.zeros((len(block), m))
    Wm[np.arange(len(block)), block] = est.weights[0]
    exo = np.array([c not in spec.endogenous for c in spec.constructs])
    Yhat = _propagate(z_test[:, pos] @ Wm, est.paths[0], exo, technique)
    pls_pred = np.empty((len(test), len(targets)))
    lm_pred = np.empty_like(pls_pred)
    for t, (k, q) in enumerate(targets):
        pls_pred[:, t] = Yhat[:, block[k]] * est.loadings[0][k] * sd[q] + mu[q]
        X = np.column_stack([np.ones(len(train)), raw[np.ix_(train, lm_sets[t])]])
        coef = np.linalg.lstsq(X, raw[train, q], rcond=None)[0]
        lm_pred[:, t] = np.column_stack([np.ones(len(test)), raw[np.ix_(test, lm_sets[t])]]) @ coef
    return pls_pred, lm_pred, mu[[q for _, q in targets]]


def pls_predict(fit, k: int = 10, repeats: int = 10, seed: int | None = None,
                technique: str = "DA") -> PredictResult:
    """PLSpredict for a fitted model (``PLSResult.predict``); see the module docstring."""
    spec = fit.spec
    if technique not in TECHNIQUES:
        raise PLSError(f"technique must be one of {TECHNIQUES}, got {technique!r}")
    if len(set(spec.items)) != len(spec.items):
        raise PLSError("PLSpredict is not defined for models that repeat an indicator in two blocks")
    if fit.consistent:
        raise PLSError("PLSpredict uses the PLS (not PLSc) estimates; refit with consistent=False")
    raw = fit._data.raw
    n = raw.shape[0]
    check_count(k, "k", 2, PLSError, maximum=n)
    check_count(repeats, "repeats", 1, PLSError, maximum=1000)
    check_seed(seed, PLSError)
    C = spec.constructs
    items_of = {c: [spec.unique_items.index(x) for x in spec.blocks[c]] for c in C}
    exo = [c for c in C if c not in spec.endogenous]
    targets, lm_sets, names = [], [], []
    for k_col, (x, b) in enumerate(zip(spec.items, spec.item_block)):
        if C[b] in spec.endogenous:
            targets.append((k_col, spec.unique_items.index(x)))
            src = spec.predecessors(C[b]) if technique == "DA" else exo
            lm_sets.append([q for c in src for q in items_of[c]])
            names.append((x, C[b]))
    folds = fold_ids(n, k)
    pls_sum = np.zeros((n, len(targets)))
    lm_sum, naive_sum = np.zeros_like(pls_sum), np.zeros_like(pls_sum)
    for r in range(repeats):
        rng = np.random.default_rng(seed if r == 0 else (None if seed is None else [seed, r]))
        order = rng.permutation(n)
        for f in range(k):
            test, train = order[folds == f], order[folds != f]
            p, l, naive = _fold(fit, raw, train, test, technique, targets, lm_sets)
            pls_sum[test] += p
            lm_sum[test] += l
            naive_sum[test] += naive
    y = raw[:, [q for _, q in targets]]
    e_pls, e_lm, e_naive = y - pls_sum / repeats, y - lm_sum / repeats, y - naive_sum / repeats
    metrics = pd.DataFrame({
        "indicator": [a for a, _ in names], "construct": [b for _, b in names],
        "pls_rmse": np.sqrt((e_pls ** 2).mean(axis=0)), "pls_mae": np.abs(e_pls).mean(axis=0),
        "lm_rmse": np.sqrt((e_lm ** 2).mean(axis=0)), "lm_mae": np.abs(e_lm).mean(axis=0),
        "q2_predict": 1 - (e_pls ** 2).sum(axis=0) / (e_naive ** 2).sum(axis=0)})
    preds = pd.DataFrame(np.column_stack([pls_sum, lm_sum]) / repeats, index=fit._data.rows,
                         columns=[f"pls:{a}" for a, _ in names] + [f"lm:{a}" for a, _ in names])
    return PredictResult(metrics, preds, k, repeats, technique, seed, ())
