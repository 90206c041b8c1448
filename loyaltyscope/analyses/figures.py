"""matplotlib figures of the analyses' results (used by their ``.plot()`` and by the report).

Every function draws on a new ``matplotlib.figure.Figure`` (no pyplot state, no GUI backend,
never ``show()``) or on the ``ax`` given, and returns the Figure. Labels are drawn as text,
never interpreted (matplotlib's mathtext is switched off for user strings). Titles, axis labels
and legends are catalogue phrases (:mod:`loyaltyscope.report.i18n`) in ``language``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["drivers_figure", "ipa_figure", "path_figure", "segments_figure", "loadings_figure", "waves_figure"]


from loyaltyscope.report.figures import _plain, new_figure  # noqa: E402  (one figure factory)
from loyaltyscope.report.i18n import cell, phrase  # noqa: E402


def drivers_figure(result, ax=None, language: str = "en"):
    """Horizontal bars of the Shapley and relative-weight shares (% of R²), with bootstrap
    intervals of the Shapley shares when present."""
    fig, ax = new_figure(ax=ax)
    t = result.importance.sort_values("shapley_pct")
    y = np.arange(len(t))
    err = None
    if "shapley_pct_lower" in t:
        err = np.vstack([t["shapley_pct"] - t["shapley_pct_lower"], t["shapley_pct_upper"] - t["shapley_pct"]])
    ax.barh(y + 0.2, t["shapley_pct"], height=0.4, xerr=err, label="Shapley / LMG")
    ax.barh(y - 0.2, t["relative_weight_pct"], height=0.4, label=phrase("fig_relative_weight", language))
    ax.set_yticks(y, [_plain(i) for i in t.index])
    ax.set_xlabel(phrase("fig_r2_share", language))
    ax.set_title(_plain(phrase("fig_drivers", language, outcome=result.outcome, r2=result.r2)))
    ax.legend(loc="lower right")
    return fig


def ipa_figure(result, ax=None, language: str = "en"):
    """Importance–performance map with the crosshair and quadrant names."""
    fig, ax = new_figure(ax=ax)
    t = result.table
    ax.scatter(t["performance"], t["importance"])
    for name, r in t.iterrows():
        ax.annotate(_plain(name), (r["performance"], r["importance"]), textcoords="offset points", xytext=(4, 4))
    ax.axvline(result.cut_performance, color="grey", ls="--")
    ax.axhline(result.cut_importance, color="grey", ls="--")
    for (x, y, ha, va), lab in zip([(0.02, 0.98, "left", "top"), (0.98, 0.98, "right", "top"),
                                    (0.02, 0.02, "left", "bottom"), (0.98, 0.02, "right", "bottom")],
                                   [phrase(k, language) for k in ("fig_concentrate", "fig_keep_up",
                                                                  "fig_low_priority", "fig_overkill")]):
        ax.text(x, y, lab, transform=ax.transAxes, ha=ha, va=va, color="grey", fontsize=8)
    ax.set_xlabel(phrase("fig_performance", language))
    ax.set_ylabel(phrase("fig_importance", language))
    rule = phrase(result.rule, language) if result.rule in ("means", "medians") else result.rule
    ax.set_title(_plain(phrase("fig_ipa", language, rule=rule)))
    return fig


def _ranks(edges: list[tuple[str, str]], nodes: list[str]) -> dict[str, int]:
    rank = {n: 0 for n in nodes}
    for _ in nodes:
        for a, b in edges:
            rank[b] = max(rank[b], rank[a] + 1)
    return rank


def path_figure(fit, ax=None, language: str = "en"):
    """Path diagram of the structural model (semPlot style): latent variables as ellipses laid
    out by rank (exogenous left), standardized coefficients on the arrows, arrow width by
    size, dashed when p >= .05."""
    from matplotlib.patches import Ellipse
    fig, ax = new_figure((9, 5), ax)
    p = fit.params
    reg = p[p["op"] == "~"]
    nodes = list(dict.fromkeys(list(reg["rhs"]) + list(reg["lhs"])))
    edges = list(zip(reg["rhs"], reg["lhs"]))
    rank = _ranks(edges, nodes)
    cols: dict[int, list[str]] = {}
    for n in nodes:
        cols.setdefault(rank[n], []).append(n)
    pos = {}
    for r, ns in cols.items():
        for k, n in enumerate(ns):
            pos[n] = (r * 3.0, -(k - (len(ns) - 1) / 2) * 1.6)
    for n, (x, y) in pos.items():
        ax.add_patch(Ellipse((x, y), 2.4, 0.9, fill=False))
        ax.text(x, y, _plain(n).replace("_", "\n", 1), ha="center", va="center", fontsize=7)
    for r in reg.itertuples(index=False):
        (x0, y0), (x1, y1) = pos[r.rhs], pos[r.lhs]
        std = r.std_all
        dashed = not (r.pvalue < 0.05) if np.isfinite(r.pvalue) else False
        ax.annotate("", xy=(x1 - 1.2, y1), xytext=(x0 + 1.2, y0),
                    arrowprops=dict(arrowstyle="->", lw=0.5 + 3 * min(abs(std), 1), ls="--" if dashed else "-"))
        ax.text((x0 + x1) / 2, (y0 + y1) / 2 + 0.12, f"{std:.2f}", ha="center", fontsize=7, color="darkblue")
    xs = [v[0] for v in pos.values()]
    ys = [v[1] for v in pos.values()]
    ax.set_xlim(min(xs) - 1.5, max(xs) + 1.5)
    ax.set_ylim(min(ys) - 1, max(ys) + 1)
    ax.set_axis_off()
    ax.set_title(phrase("fig_structural", language))
    return fig


def segments_figure(result, ax=None, language: str = "en"):
    """Attitudinal against behavioral scores, coloured by Dick & Basu segment, with the cuts."""
    fig, ax = new_figure(ax=ax)
    s = result.scores
    seg = pd.Series(result.segments.to_numpy(), index=s.index)
    rng = np.random.default_rng(0)   # jitter only for display of tied Likert means
    for name in ("true loyalty", "latent loyalty", "spurious loyalty", "no loyalty"):
        m = (seg == name).to_numpy()
        ax.scatter(s["behavioral"][m] + rng.uniform(-0.05, 0.05, m.sum()),
                   s["attitudinal"][m] + rng.uniform(-0.05, 0.05, m.sum()), s=10,
                   label=f"{cell(name, language)} ({m.sum()})")
    ax.axvline(result.cuts["behavioral"], color="grey", ls="--")
    ax.axhline(result.cuts["attitudinal"], color="grey", ls="--")
    ax.set_xlabel(phrase("fig_behavioral", language))
    ax.set_ylabel(phrase("fig_attitudinal", language))
    split = phrase(result.split, language) if result.split in ("median", "midpoint") else result.split
    ax.set_title(phrase("fig_segments", language, split=split))
    ax.legend(fontsize=7)
    return fig


def loadings_figure(result, ax=None, language: str = "en"):
    """Heat map of the sorted EFA loadings, factors named by channel."""
    from loyaltyscope.report.figures import loadings_heatmap
    L = result.loadings[[c for c in result.loadings.columns if c not in ("channel", "factor", "h2")]]
    return loadings_heatmap(L, phrase("fig_efa_loadings", language), ax=ax, language=language)


def waves_figure(result, ax=None, language: str = "en"):
    """Scale-score means by wave, one line per construct."""
    fig, ax = new_figure(ax=ax)
    cols = [c for c in result.scale_tests.columns if c.startswith("mean[")]
    for c, r in result.scale_tests.iterrows():
        ax.plot([x[5:-1] for x in cols], r[cols].to_numpy(dtype=float), marker="o", label=_plain(c))
    ax.set_xlabel(_plain(result.wave))
    ax.set_ylabel(phrase("fig_scale_score", language))
    ax.set_title(phrase("fig_waves", language))
    ax.legend(fontsize=7)
    return fig
