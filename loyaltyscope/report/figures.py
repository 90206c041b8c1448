"""Figures for reports and notebooks, drawn with matplotlib (Agg backend) and returned as
``Figure`` objects or as SVG text to embed in a self-contained HTML file.

Every function takes plain tables (DataFrames/Series), not result objects, so that a figure
can be drawn from any result that holds the table: scree plot with the parallel-analysis
curve, loadings heat map, response distributions, importance–performance map, Dick & Basu
segment chart, wave means with intervals. The path diagram is in :mod:`.path_diagram`.

Text in figures is set in a font that also covers Chinese (Noto Sans CJK when installed,
then other CJK fonts), so reports in ``zh`` render their labels instead of empty boxes.
Titles, axis labels and legends are catalogue phrases (:mod:`.i18n`) in ``language``.
"""

from __future__ import annotations

import functools
import io
import re

import numpy as np
import pandas as pd

from loyaltyscope.report.i18n import phrase

__all__ = ["svg", "new_figure", "set_fonts", "scree_plot", "loadings_heatmap", "response_distributions"]

_CJK_FONTS = ["Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Serif CJK SC", "WenQuanYi Zen Hei",
              "Source Han Sans SC", "SimHei", "Microsoft YaHei"]


@functools.lru_cache(maxsize=1)
def set_fonts() -> None:
    """Fonts that cover Chinese first, set once per process (rcParams are read when text is
    drawn; scanning the font list on every figure was measurable on reports with many)."""
    import matplotlib
    from matplotlib import font_manager
    available = {f.name for f in font_manager.fontManager.ttflist}
    family = [f for f in _CJK_FONTS if f in available] + ["DejaVu Sans"]
    rc = matplotlib.rcParams
    rc["font.family"] = "sans-serif"
    rc["font.sans-serif"] = family + [f for f in rc["font.sans-serif"] if f not in family]
    rc["axes.unicode_minus"] = False
    rc["svg.fonttype"] = "none"      # text stays text (searchable, escaped by matplotlib)


def new_figure(size=(6.4, 4.4), ax=None):
    """(Figure, Axes): a new ``matplotlib.figure.Figure`` (no pyplot state, no GUI backend,
    safe from threads), or the figure of the ``ax`` given."""
    set_fonts()
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure
    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.subplots()


def svg(fig) -> str:
    """The figure (or an Axes' figure) as an inline SVG element (no XML prolog)."""
    set_fonts()
    if not hasattr(fig, "savefig") and hasattr(fig, "figure"):
        fig = fig.figure
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    text = buf.getvalue()
    text = re.sub(r"^.*?(<svg)", r"\1", text, count=1, flags=re.S)
    return text


def scree_plot(eigenvalues: pd.Series, simulated: pd.Series | None = None, n_factors: int | None = None,
               title: str | None = None, labels: dict | None = None, kaiser: bool = False, language: str = "en"):
    """Observed eigenvalues against their number, with the parallel-analysis reference curve
    (the chosen quantile of eigenvalues of random data) when given, and the retained number
    marked. ``labels`` overrides the words (keys x, y, observed, simulated)."""
    lab = {"x": phrase("fig_factor", language), "y": phrase("fig_eigenvalue", language),
           "observed": phrase("fig_observed", language), "simulated": phrase("fig_parallel", language)}
    lab.update(labels or {})
    title = phrase("fig_scree", language) if title is None else title
    fig, ax = new_figure((6, 3.6))
    x = np.arange(1, len(eigenvalues) + 1)
    ax.plot(x, np.asarray(eigenvalues, float), "o-", color="#1f5fa8", label=lab["observed"])
    if simulated is not None:
        ax.plot(x[:len(simulated)], np.asarray(simulated, float), "s--", color="#c0392b", label=lab["simulated"])
    if n_factors:
        ax.axvline(n_factors + 0.5, color="#888", lw=1, ls=":")
    if kaiser:
        ax.axhline(1.0, color="#bbb", lw=0.8)      # eigenvalue 1 (meaningful for components only)
    ax.set_xlabel(lab["x"])
    ax.set_ylabel(lab["y"])
    ax.set_title(title)
    ax.set_xticks(x)
    ax.legend(frameon=False)
    return fig


def loadings_heatmap(loadings: pd.DataFrame, title: str | None = None, cut: float = 0.3, ax=None,
                     language: str = "en"):
    """Items × factors, colour by loading (−1 blue … +1 red), values printed, |λ| < cut grey."""
    title = phrase("fig_loadings", language) if title is None else title
    L = loadings.astype(float)
    fig, ax = new_figure((1.2 + 0.9 * L.shape[1], 0.8 + 0.32 * L.shape[0]), ax)
    im = ax.imshow(L.to_numpy(), cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
    for i in range(L.shape[0]):
        for j in range(L.shape[1]):
            v = L.iat[i, j]
            if np.isfinite(v):
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=8,
                        color="#999" if abs(v) < cut else ("white" if abs(v) > 0.6 else "black"))
    ax.set_xticks(range(L.shape[1]), [_plain(c) for c in L.columns], rotation=30, ha="right")
    ax.set_yticks(range(L.shape[0]), [_plain(r) for r in L.index])
    ax.set_title(_plain(title))
    fig.colorbar(im, ax=ax, shrink=0.6, label=phrase("fig_loading", language))
    return fig


def _plain(s) -> str:
    """A label drawn as text: matplotlib's mathtext ($...$) switched off."""
    return str(s).replace("$", r"\$")


def response_distributions(items: pd.DataFrame, title: str | None = None, max_items: int = 40,
                           language: str = "en"):
    """One stacked horizontal bar per item: the share of each answer category (missing shown
    as its own grey segment)."""
    title = phrase("fig_responses", language) if title is None else title
    from matplotlib import colormaps
    items = items.iloc[:, :max_items]
    cats = sorted({v for c in items for v in pd.unique(items[c].dropna())})
    fig, ax = new_figure((7, 0.6 + 0.28 * items.shape[1]))
    cmap = colormaps["RdYlGn"].resampled(max(len(cats), 2))
    left = np.zeros(items.shape[1])
    n = len(items)
    for k, cat in enumerate(cats):
        share = np.array([(items[c] == cat).sum() / n for c in items])
        ax.barh(range(items.shape[1]), share, left=left, color=cmap(k), label=_num(cat))
        left += share
    miss = items.isna().mean().to_numpy()
    if miss.any():
        ax.barh(range(items.shape[1]), miss, left=left, color="#cccccc", label=phrase("fig_missing", language))
    ax.set_yticks(range(items.shape[1]), [_plain(c) for c in items.columns])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel(phrase("fig_share_resp", language))
    ax.set_title(title)
    ax.legend(ncol=min(len(cats) + 1, 8), fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.5 / max(items.shape[1], 1)),
              frameon=False)
    return fig


def _num(v):
    try:
        f = float(v)
        return str(int(f)) if f.is_integer() else f"{f:g}"
    except (TypeError, ValueError):
        return str(v)


