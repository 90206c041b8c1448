"""Tidy tables of a PLS fit (parameters, R², effects, quality), with bootstrap columns.

Names follow lavaan/seminr: ``lhs op rhs est se t pvalue ci_lower ci_upper``; a path
``Satisfaction ~ Image`` is the effect of Image on Satisfaction; ``=~`` rows are the loadings
of Mode A blocks, ``<~`` rows the outer weights of every block.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from loyaltyscope.plspm.estimates import StackEstimates, adjusted_r2
from loyaltyscope.plspm.quality import alpha_std, rho_c_and_ave, fornell_larcker_matrix, inner_vif, outer_vif
from loyaltyscope.plspm.resampling import BootstrapDraws, interval
from loyaltyscope.plspm.specification import PLSSpec

__all__ = ["FitTables", "build_tables", "measurement_tables"]


class FitTables(dict):
    """name -> DataFrame (a plain dict with a name)."""


def _boot_cols(boot: BootstrapDraws | None, field: str, est_full: np.ndarray, sel, level: float, method: str):
    if boot is None or not len(boot.draws[field]):
        return {}
    d = boot.draws[field][(slice(None),) + sel]
    est = est_full[sel]
    se = d.std(axis=0, ddof=1)
    jack = boot.jackknife[field][(slice(None),) + sel] if boot.jackknife else None
    lo, hi = interval(d, est, level, method, jack)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = est / se
    p = 2 * stats.t.sf(np.abs(t), df=max(d.shape[0] - 1, 1))
    return {"boot_mean": d.mean(axis=0), "se": se, "t": t, "pvalue": p, "ci_lower": lo, "ci_upper": hi}


def _params(spec, est, boot, level, method) -> pd.DataFrame:
    pos = {c: k for k, c in enumerate(spec.constructs)}
    items, block = spec.items, spec.item_block
    parts = []
    if spec.paths:
        i = np.array([pos[a] for a, _ in spec.paths])
        j = np.array([pos[b] for _, b in spec.paths])
        df = pd.DataFrame({"lhs": [b for _, b in spec.paths], "op": "~", "rhs": [a for a, _ in spec.paths],
                           "est": est.paths[0][i, j]})
        parts.append(df.assign(**_boot_cols(boot, "paths", est.paths[0], (i, j), level, method)))
    ka = np.array([k for k in range(len(items)) if spec.modes[spec.constructs[block[k]]] == "A"], dtype=int)
    if ka.size:
        df = pd.DataFrame({"lhs": [spec.constructs[block[k]] for k in ka], "op": "=~",
                           "rhs": [items[k] for k in ka], "est": est.loadings[0][ka]})
        parts.append(df.assign(**_boot_cols(boot, "loadings", est.loadings[0], (ka,), level, method)))
    kw = np.arange(len(items))
    df = pd.DataFrame({"lhs": [spec.constructs[b] for b in block], "op": "<~", "rhs": list(items),
                       "est": est.weights[0]})
    parts.append(df.assign(**_boot_cols(boot, "weights", est.weights[0], (kw,), level, method)))
    return pd.concat(parts, ignore_index=True)


def _effects(spec, est, boot, level, method) -> pd.DataFrame:
    C = spec.constructs
    B, T = est.paths[0], est.total[0]
    ii, jj = np.nonzero(np.abs(T) > 0)
    df = pd.DataFrame({"from": [C[i] for i in ii], "to": [C[j] for j in jj], "direct": B[ii, jj],
                       "indirect": T[ii, jj] - B[ii, jj], "total": T[ii, jj]})
    if boot is not None and len(boot.draws["total"]):
        tot = _boot_cols(boot, "total", T, (ii, jj), level, method)
        df["total_se"], df["total_ci_lower"], df["total_ci_upper"] = tot["se"], tot["ci_lower"], tot["ci_upper"]
        ind_d = boot.draws["total"][:, ii, jj] - boot.draws["paths"][:, ii, jj]
        jk = boot.jackknife
        jack = (jk["total"][:, ii, jj] - jk["paths"][:, ii, jj]) if jk else None
        lo, hi = interval(ind_d, df["indirect"].to_numpy(), level, method, jack)
        df["indirect_se"], df["indirect_ci_lower"], df["indirect_ci_upper"] = ind_d.std(axis=0, ddof=1), lo, hi
    return df


def _r2(spec, est, n, boot, level, method) -> pd.DataFrame:
    endo = [k for k, c in enumerate(spec.constructs) if c in spec.endogenous]
    k_pred = spec.adjacency.sum(axis=0)[endo]
    r2 = est.r2[0][endo]
    df = pd.DataFrame({"construct": [spec.constructs[k] for k in endo], "r2": r2,
                       "r2_adj": adjusted_r2(r2, n, k_pred)})
    cols = _boot_cols(boot, "r2", est.r2[0], (np.array(endo, dtype=int),), level, method)
    if cols:
        df["ci_lower"], df["ci_upper"] = cols["ci_lower"], cols["ci_upper"]
    return df.set_index("construct")


def _square(a, names) -> pd.DataFrame:
    return pd.DataFrame(a, index=list(names), columns=list(names))


def _htmt_intervals(spec, est, boot, level, method) -> pd.DataFrame:
    C = spec.constructs
    ii, jj = np.triu_indices(len(C), 1)
    keep = np.isfinite(est.htmt[0][ii, jj])
    ii, jj = ii[keep], jj[keep]
    df = pd.DataFrame({"construct_1": [C[i] for i in ii], "construct_2": [C[j] for j in jj],
                       "htmt": est.htmt[0][ii, jj]})
    cols = _boot_cols(boot, "htmt", est.htmt[0], (ii, jj), level, method)
    if cols:
        df["se"], df["ci_lower"], df["ci_upper"] = cols["se"], cols["ci_lower"], cols["ci_upper"]
    return df


def measurement_tables(spec: PLSSpec, S: np.ndarray, lam: np.ndarray, rho_a: np.ndarray, cross: np.ndarray,
                       htmt: np.ndarray, R: np.ndarray) -> dict:
    """reliability, htmt, fornell_larcker, cross_loadings and the outer VIFs of the blocks of
    ``spec``: S (p, p) indicator correlations, lam (p,) loadings, rho_a (m,), cross (p, m)
    cross-loadings, htmt (m, m), R (m, m) construct correlations."""
    C, items, block, m = spec.constructs, spec.items, spec.item_block, len(spec.constructs)
    rc, ave = rho_c_and_ave(lam, block, m)
    reflective = np.array([spec.modes[c] == "A" for c in C])
    rel = pd.DataFrame({"alpha": alpha_std(S, block, m), "rho_A": rho_a, "rho_C": rc, "AVE": ave}, index=list(C))
    rel.loc[~reflective, ["alpha", "rho_A", "rho_C", "AVE"]] = np.nan
    cl = pd.DataFrame(cross, columns=list(C))
    cl.insert(0, "construct", [C[b] for b in block])
    cl.insert(0, "indicator", list(items))
    outer = pd.DataFrame({"kind": "outer", "construct": [C[b] for b in block], "variable": list(items),
                          "vif": outer_vif(S, block, m)})
    return {"reliability": rel, "htmt": _square(htmt, C), "fornell_larcker": _square(fornell_larcker_matrix(R, ave), C),
            "cross_loadings": cl, "outer_vif": outer}


def _vif_table(outer: pd.DataFrame, spec: PLSSpec, R: np.ndarray) -> pd.DataFrame:
    C = spec.constructs
    ivif = inner_vif(R, spec.adjacency)
    inner = pd.DataFrame([{"kind": "inner", "construct": C[j], "variable": C[i], "vif": ivif[i, j]}
                          for i, j in zip(*np.nonzero(np.isfinite(ivif)))], columns=["kind", "construct", "variable", "vif"])
    return pd.concat([outer, inner], ignore_index=True)


def build_tables(spec: PLSSpec, S: np.ndarray, est: StackEstimates, n: int, boot: BootstrapDraws | None,
                 level: float, method: str, f2: np.ndarray) -> FitTables:
    """Every table of a fit from the expanded correlation matrix ``S``, the point estimates and
    the f² matrix (:func:`loyaltyscope.plspm.effect_size.f_squared_reestimated`)."""
    C = spec.constructs
    mt = measurement_tables(spec, S, est.loadings[0], est.rho_a[0], est.cross_loadings[0], est.htmt[0],
                            est.lv_cor[0])
    f2_df = pd.DataFrame([{"from": C[i], "to": C[j], "f2": f2[i, j]} for i, j in zip(*np.nonzero(np.isfinite(f2)))],
                         columns=["from", "to", "f2"])
    tabs = FitTables(
        params=_params(spec, est, boot, level, method),
        r2=_r2(spec, est, n, boot, level, method),
        reliability=mt["reliability"],
        htmt=mt["htmt"],
        fornell_larcker=mt["fornell_larcker"],
        cross_loadings=mt["cross_loadings"],
        vif=_vif_table(mt["outer_vif"], spec, est.lv_cor[0]),
        f2=f2_df,
        effects=_effects(spec, est, boot, level, method),
        construct_correlations=_square(est.lv_cor[0], C),
    )
    if boot is not None:
        tabs["htmt_intervals"] = _htmt_intervals(spec, est, boot, level, method)
    return tabs
