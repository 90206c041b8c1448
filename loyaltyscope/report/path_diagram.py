"""Path diagrams of fitted models, as semPlot draws them: latent variables as ellipses,
observed variables as rectangles, standardized coefficients on the edges, edge width by size,
dashed edges for fixed or non-significant paths, covariances between latent variables as
two-headed dashed curves; laid out by rank (exogenous left, outcomes right).

Layout: the ``graphviz`` Python package with Graphviz's ``dot`` program (Debian's
``graphviz``) when the program is installed; otherwise a pure-Python rank layout drawn with
matplotlib (:func:`engine` says which one is used). Every name is passed to Graphviz as plain
text (never as an HTML-like label), so names such as ``<script>`` come out escaped in the SVG.

Input: a tidy parameter table with lavaan's columns ``lhs, op, rhs, est`` and, when present,
``std_all`` and ``pvalue`` (``SemResult.params``; PLS ``params`` have the same names).
R equivalent: ``semPlot::semPaths(fit, "std", layout = "tree2", rotation = 2)``.
"""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd

__all__ = ["engine", "path_diagram_svg"]


def engine() -> str:
    """``"graphviz"`` when the dot program and the Python package are available, else ``"matplotlib"``."""
    try:
        import graphviz  # noqa: F401
    except ImportError:
        return "matplotlib"
    return "graphviz" if shutil.which("dot") else "matplotlib"


def _edges(params: pd.DataFrame, alpha: float):
    p = params.copy()
    if "group" in p.columns:
        p = p[p["group"] == p["group"].iloc[0]]
    coef = p["std_all"] if "std_all" in p.columns else p["est"]
    pval = p["pvalue"] if "pvalue" in p.columns else pd.Series(np.nan, index=p.index)
    latents = list(dict.fromkeys(p.loc[p["op"].isin(["=~", "<~"]), "lhs"]))
    reflective = set(zip(p.loc[p["op"] == "=~", "lhs"], p.loc[p["op"] == "=~", "rhs"]))
    rows = []
    for (_, r), c, pv in zip(p.iterrows(), coef, pval):
        if r["op"] == "<~" and (r["lhs"], r["rhs"]) in reflective:
            continue                     # PLS: a Mode A block's weights; its loadings are drawn
        if r["op"] in ("=~", "<~"):
            src, dst = (r["lhs"], r["rhs"]) if r["op"] == "=~" else (r["rhs"], r["lhs"])
            kind = "measure"
        elif r["op"] == "~":
            src, dst, kind = r["rhs"], r["lhs"], "path"
        elif r["op"] == "~~" and r["lhs"] != r["rhs"] and r["lhs"] in latents and r["rhs"] in latents:
            src, dst, kind = r["lhs"], r["rhs"], "cov"
        else:
            continue
        dashed = bool(not np.isfinite(pv) or pv > alpha)
        rows.append((str(src), str(dst), kind, float(c) if np.isfinite(c) else np.nan, dashed))
    return latents, rows


def _ranks(latents, edges):
    """Rank of each node: exogenous constructs 0, each structural path one rank further."""
    nodes = list(dict.fromkeys([e[0] for e in edges] + [e[1] for e in edges]))
    rank = {n: 0 for n in nodes}
    paths = [(s, d) for s, d, k, _, _ in edges if k == "path"]
    for _ in range(len(nodes)):
        changed = False
        for s, d in paths:
            if rank[d] < rank[s] + 1 and rank[s] + 1 <= len(nodes):
                rank[d] = rank[s] + 1
                changed = True
        if not changed:
            break
    return nodes, rank


def path_diagram_svg(params: pd.DataFrame, *, alpha: float = 0.05, title: str = "") -> str:
    """The model's path diagram as an inline SVG string."""
    latents, edges = _edges(params, alpha)
    if not edges:
        return ""
    if engine() == "graphviz":
        return _graphviz_svg(latents, edges, title)
    return _matplotlib_svg(latents, edges, title)


def _label(c):
    return "" if not np.isfinite(c) else f"{c:.2f}"


def _graphviz_svg(latents, edges, title):
    import graphviz
    g = graphviz.Digraph(graph_attr={"rankdir": "LR", "splines": "true", "nodesep": "0.25", "ranksep": "0.6",
                                     "fontname": "Noto Sans CJK SC,DejaVu Sans,sans-serif"},
                         node_attr={"fontname": "Noto Sans CJK SC,DejaVu Sans,sans-serif", "fontsize": "11"},
                         edge_attr={"fontname": "DejaVu Sans,sans-serif", "fontsize": "9"})
    if title:
        g.attr(label=graphviz.nohtml(title), labelloc="t")
    nodes = dict.fromkeys([e[0] for e in edges] + [e[1] for e in edges])
    for n in nodes:
        g.node(graphviz.escape(n), label=graphviz.nohtml(n), shape="ellipse" if n in latents else "box")
    for s, d, kind, c, dashed in edges:
        width = 0.6 + 2.5 * min(abs(c), 1.0) if np.isfinite(c) else 0.6
        attrs = {"label": graphviz.nohtml(_label(c)), "penwidth": f"{width:.2f}",
                 "style": "dashed" if dashed or kind == "cov" else "solid"}
        if kind == "cov":
            attrs.update(dir="both", constraint="false", color="#777777")
        g.edge(graphviz.escape(s), graphviz.escape(d), **attrs)
    out = g.pipe(format="svg", quiet=True).decode("utf-8")
    start = out.find("<svg")
    return out[start:] if start >= 0 else out


def _matplotlib_svg(latents, edges, title):
    from loyaltyscope.report.figures import new_figure, svg
    nodes, rank = _ranks(latents, edges)
    indicators = {}
    for s, d, kind, _, _ in edges:
        if kind == "measure":
            lat, ind = (s, d) if s in latents else (d, s)
            indicators.setdefault(lat, []).append(ind)
    structural = [n for n in nodes if n in latents or n not in {i for v in indicators.values() for i in v}]
    by_rank = {}
    for n in structural:
        by_rank.setdefault(rank[n], []).append(n)
    pos = {}
    for r, ns in by_rank.items():
        for k, n in enumerate(ns):
            # same-rank constructs one above the other, staggered so paths that skip a rank
            # pass between them rather than through them
            pos[n] = (3.2 * r, -3.0 * k - 0.9 * (r % 2))
    for lat, inds in indicators.items():
        x0, y0 = pos.get(lat, (0.0, 0.0))
        for k, ind in enumerate(inds):          # indicators in a row under their construct (semPlot "tree")
            pos[ind] = (x0 + 0.55 * (k - (len(inds) - 1) / 2), y0 - 1.3)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    fig, ax = new_figure((max(4, 1.2 * (max(xs) - min(xs) + 3)), max(3, 0.9 * (max(ys) - min(ys) + 2))))
    for s, d, kind, c, dashed in edges:
        (x1, y1), (x2, y2) = pos[s], pos[d]
        # covariances and paths that skip a rank are drawn as arcs bending upwards, away from
        # the indicators below; the label sits on the arc (midpoint of the quadratic curve)
        rad = -0.3 if kind == "cov" or (kind == "path" and abs(rank.get(s, 0) - rank.get(d, 0)) > 1) else 0.0
        ax.annotate("", xy=(x2, y2), xytext=(x1, y1),
                    arrowprops=dict(arrowstyle="<->" if kind == "cov" else "->",
                                    lw=0.6 + 2 * min(abs(c), 1) if np.isfinite(c) else 0.6,
                                    ls="--" if dashed or kind == "cov" else "-", color="#555",
                                    connectionstyle=f"arc3,rad={rad}"))
        lx = (x1 + x2) / 2 + 0.5 * rad * (y2 - y1)
        ly = (y1 + y2) / 2 - 0.5 * rad * (x2 - x1)
        ax.text(lx, ly, _label(c), fontsize=7, ha="center", va="bottom")
    for n, (x, y) in pos.items():
        box = dict(boxstyle="round,pad=0.3" if n in latents else "square,pad=0.2",
                   fc="#e8f0fb" if n in latents else "white", ec="#1f5fa8" if n in latents else "#333")
        ax.text(x, y, n, ha="center", va="center", fontsize=8, bbox=box)
    ax.set_xlim(min(xs) - 1, max(xs) + 1)
    ax.set_ylim(min(ys) - 1, max(ys) + 2)
    ax.axis("off")
    if title:
        ax.set_title(title)
    return svg(fig)
