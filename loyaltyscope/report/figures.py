"""Figures for reports and notebooks, drawn with matplotlib (Agg backend) and returned as
``Figure`` objects or as SVG text to embed in a self-contained HTML file.

Every function takes plain tables (DataFrames/Series), not result objects, so that a figure
can be drawn from any result that holds the table: scree plot with the parallel-analysis
curve, loadings heat map, response distributions, importance–performance map, Dick & Basu
segment chart, wave means with intervals. The path diagram is in :mod:`.path_diagram`.

Text in figures is set in a font that also covers Chinese (Noto Sans CJK when installed,
then other CJK fonts), so reports in ``zh`` render their labels instead of empty boxes.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd

__all__ = ["svg", "scree_plot", "loadings_heatmap", "response_distributions", "ipa_map", "segment_chart",
           "wave_means_chart"]

_CJK_FONTS = ["Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Serif CJK SC", "WenQuanYi Zen Hei",
              "Source Han Sans SC", "SimHei", "Microsoft YaHei"]


def _pyplot():
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib import font_manager
    available = {f.name for f in font_manager.fontManager.ttflist}
    family = [f for f in _CJK_FONTS if f in available] + ["DejaVu Sans"]
    plt.rcParams["font.family"] = "sans-serif"
    plt.rcParams["font.sans-serif"] = family + [f for f in plt.rcParams["font.sans-serif"] if f not in family]
    plt.rcParams["axes.unicode_minus"] = False
    plt.rcParams["svg.fonttype"] = "none"      # text stays text (searchable, escaped by matplotlib)
    return plt


def svg(fig) -> str:
    """The figure (or an Axes' figure) as an inline SVG element (no XML prolog), and the
    figure closed."""
    plt = _pyplot()
    if not hasattr(fig, "savefig") and hasattr(fig, "figure"):
        fig = fig.figure
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buf.getvalue()
    text = re.sub(r"^.*?(<svg)", r"\1", text, count=1, flags=re.S)
    return text


def scree_plot(eigenvalues: pd.Series, simulated: pd.Series | None = None, n_factors: int | None = None,
               title: str = "Scree plot", labels: dict | None = None):
    """Observed eigenvalues against their number, with the parallel-analysis reference curve
    (the chosen quantile of eigenvalues of random data) when given, and the retained number
    marked."""
    lab = {"x": "Factor", "y": "Eigenvalue", "observed": "Observed", "simulated": "Parallel analysis (random data)"}
    lab.update(labels or {})
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.6))
    x = np.arange(1, len(eigenvalues) + 1)
    ax.plot(x, np.asarray(eigenvalues, float), "o-", color="#1f5fa8", label=lab["observed"])
    if simulated is not None:
        ax.plot(x[:len(simulated)], np.asarray(simulated, float), "s--", color="#c0392b", label=lab["simulated"])
    if n_factors:
        ax.axvline(n_factors + 0.5, color="#888", lw=1, ls=":")
    ax.axhline(1.0, color="#bbb", lw=0.8)
    ax.set_xlabel(lab["x"])
    ax.set_ylabel(lab["y"])
    ax.set_title(title)
    ax.set_xticks(x)
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig


def loadings_heatmap(loadings: pd.DataFrame, title: str = "Loadings", cut: float = 0.3):
    """Items × factors, colour by loading (−1 blue … +1 red), values printed, |λ| < cut grey."""
    plt = _pyplot()
    L = loadings.astype(float)
    fig, ax = plt.subplots(figsize=(1.2 + 0.9 * L.shape[1], 0.8 + 0.32 * L.shape[0]))
    im = ax.imshow(L.to_numpy(), cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
    for i in range(L.shape[0]):
        for j in range(L.shape[1]):
            v = L.iat[i, j]
            if np.isfinite(v):
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=8,
                        color="#999" if abs(v) < cut else ("white" if abs(v) > 0.6 else "black"))
    ax.set_xticks(range(L.shape[1]), [str(c) for c in L.columns], rotation=30, ha="right")
    ax.set_yticks(range(L.shape[0]), [str(r) for r in L.index])
    ax.set_title(title)
    fig.colorbar(im, ax=ax, shrink=0.6)
    fig.tight_layout()
    return fig


def response_distributions(items: pd.DataFrame, title: str = "Response distributions", max_items: int = 40):
    """One stacked horizontal bar per item: the share of each answer category (missing shown
    as its own grey segment)."""
    plt = _pyplot()
    items = items.iloc[:, :max_items]
    cats = sorted({v for c in items for v in pd.unique(items[c].dropna())})
    fig, ax = plt.subplots(figsize=(7, 0.6 + 0.28 * items.shape[1]))
    cmap = plt.get_cmap("RdYlGn", max(len(cats), 2))
    left = np.zeros(items.shape[1])
    n = len(items)
    for k, cat in enumerate(cats):
        share = np.array([(items[c] == cat).sum() / n for c in items])
        ax.barh(range(items.shape[1]), share, left=left, color=cmap(k), label=_num(cat))
        left += share
    miss = items.isna().mean().to_numpy()
    if miss.any():
        ax.barh(range(items.shape[1]), miss, left=left, color="#cccccc", label="missing")
    ax.set_yticks(range(items.shape[1]), [str(c) for c in items.columns])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of respondents")
    ax.set_title(title)
    ax.legend(ncol=min(len(cats) + 1, 8), fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.5 / max(items.shape[1], 1)),
              frameon=False)
    fig.tight_layout()
    return fig


def _num(v):
    try:
        f = float(v)
        return str(int(f)) if f.is_integer() else f"{f:g}"
    except (TypeError, ValueError):
        return str(v)


def ipa_map(importance: pd.Series, performance: pd.Series, *, x_cut: float | None = None,
            y_cut: float | None = None, title: str = "Importance–performance map", labels: dict | None = None):
    """Importance (x) against performance (y), one labelled point per driver; the quadrant
    lines at the given cut-offs (default: the means, Martilla & James 1977)."""
    lab = {"x": "Importance", "y": "Performance", "q1": "Concentrate here", "q2": "Keep up the good work",
           "q3": "Low priority", "q4": "Possible overkill"}
    lab.update(labels or {})
    plt = _pyplot()
    imp = importance.astype(float)
    perf = performance.reindex(imp.index).astype(float)
    xc = float(imp.mean()) if x_cut is None else x_cut
    yc = float(perf.mean()) if y_cut is None else y_cut
    fig, ax = plt.subplots(figsize=(6, 4.5))
    ax.scatter(imp, perf, color="#1f5fa8")
    for name in imp.index:
        ax.annotate(str(name), (imp[name], perf[name]), textcoords="offset points", xytext=(4, 4), fontsize=8)
    ax.axvline(xc, color="#888", lw=1, ls="--")
    ax.axhline(yc, color="#888", lw=1, ls="--")
    ax.text(0.98, 0.02, lab["q1"], transform=ax.transAxes, ha="right", va="bottom", fontsize=8, color="#c0392b")
    ax.text(0.98, 0.98, lab["q2"], transform=ax.transAxes, ha="right", va="top", fontsize=8, color="#555")
    ax.text(0.02, 0.02, lab["q3"], transform=ax.transAxes, ha="left", va="bottom", fontsize=8, color="#555")
    ax.text(0.02, 0.98, lab["q4"], transform=ax.transAxes, ha="left", va="top", fontsize=8, color="#555")
    ax.set_xlabel(lab["x"])
    ax.set_ylabel(lab["y"])
    ax.set_title(title)
    fig.tight_layout()
    return fig


def segment_chart(counts: pd.Series, title: str = "Loyalty segments (Dick & Basu 1994)", labels: dict | None = None):
    """The 2 × 2 Dick & Basu matrix: relative attitude (rows: high/low) × repeat patronage
    (columns: high/low), each cell with its segment name, count and share."""
    lab = {"attitude": "Relative attitude", "behavior": "Repeat patronage", "high": "high", "low": "low"}
    lab.update(labels or {})
    plt = _pyplot()
    cells = {("high", "high"): "true loyalty", ("high", "low"): "latent loyalty",
             ("low", "high"): "spurious loyalty", ("low", "low"): "no loyalty"}
    total = max(float(counts.sum()), 1.0)
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    colours = {"true loyalty": "#2e8b57", "latent loyalty": "#8fbc8f", "spurious loyalty": "#f0ad4e",
               "no loyalty": "#d9534f"}
    for (att, beh), seg in cells.items():
        i = 0 if att == "high" else 1
        j = 0 if beh == "high" else 1
        n = int(counts.get(seg, 0))
        ax.add_patch(plt.Rectangle((j, 1 - i), 1, 1, color=colours[seg], alpha=0.35 + 0.6 * n / total))
        ax.text(j + 0.5, 1.5 - i, f"{labels.get(seg, seg) if labels else seg}\n{n} ({100 * n / total:.0f} %)",
                ha="center", va="center", fontsize=10)
    ax.set_xlim(0, 2)
    ax.set_ylim(0, 2)
    ax.set_xticks([0.5, 1.5], [lab["high"], lab["low"]])
    ax.set_yticks([1.5, 0.5], [lab["high"], lab["low"]])
    ax.set_xlabel(lab["behavior"])
    ax.set_ylabel(lab["attitude"])
    ax.set_title(title)
    fig.tight_layout()
    return fig


def wave_means_chart(table: pd.DataFrame, title: str = "Scale means by wave", labels: dict | None = None):
    """Means with 95 % intervals per scale (x) and wave (series). ``table`` has columns
    ``scale, wave, mean, ci_lower, ci_upper``."""
    lab = {"y": "Mean score"}
    lab.update(labels or {})
    plt = _pyplot()
    scales = list(dict.fromkeys(table["scale"]))
    waves = list(dict.fromkeys(table["wave"]))
    fig, ax = plt.subplots(figsize=(1.5 + 1.1 * len(scales), 3.8))
    width = 0.8 / max(len(waves), 1)
    for k, w in enumerate(waves):
        t = table[table["wave"] == w].set_index("scale").reindex(scales)
        x = np.arange(len(scales)) + (k - (len(waves) - 1) / 2) * width
        err = np.vstack([t["mean"] - t["ci_lower"], t["ci_upper"] - t["mean"]])
        ax.errorbar(x, t["mean"], yerr=err, fmt="o", capsize=3, label=str(w))
    ax.set_xticks(range(len(scales)), [str(s) for s in scales], rotation=20, ha="right")
    ax.set_ylabel(lab["y"])
    ax.set_title(title)
    ax.legend(title="wave", frameon=False)
    fig.tight_layout()
    return fig
