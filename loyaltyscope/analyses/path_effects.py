"""Direct, indirect and total effects of a recursive structural model, written as lavaan
defined parameters so that the engine gives their delta-method SEs (or bootstrap intervals).

The structural regressions of a model are relabelled (``chain_p1``, ``chain_p2`` ...); for
every ordered pair of variables joined by at least one directed path, the indirect effect is
the sum over the directed paths of length ≥ 2 of the product of their coefficients and the
total effect is direct + indirect (Alwin & Hauser 1975; Bollen 1987). For a recursive model
this equals the matrix form ``T = (I − B)⁻¹ − I`` (tested). Non-recursive models (cycles) are
refused: their effects are infinite series.
R: the same ``:=`` lines in lavaan syntax, ``parameterEstimates(fit)``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from loyaltyscope.analyses.inputs import AnalysisError

__all__ = ["split_structural", "measurement_items", "effects_syntax", "effects_table", "effect_matrix"]

_IDENT = re.compile(r"^[A-Za-z_.][A-Za-z0-9_.]*$")


def _statements(model: str) -> list[str]:
    """Model text as statements: comments dropped, ';' split, '+' continuation lines joined."""
    out: list[str] = []
    for raw in model.splitlines():
        line = raw.split("#", 1)[0].split("!", 1)[0]
        for part in line.split(";"):
            s = part.strip()
            if not s:
                continue
            if out and (out[-1].endswith("+") or s.startswith("+")):
                out[-1] = out[-1] + " " + s
            else:
                out.append(s)
    return out


def split_structural(model: str) -> tuple[list[str], list[tuple[str, str, str | None]]]:
    """``(other statements, regressions)``; a regression is ``(outcome, predictor, modifier)``."""
    other, regs = [], []
    for s in _statements(model):
        m = re.match(r"^([^=~<>:]+?)\s*~(?![~*=])\s*(.+)$", s)
        if not m or "=~" in s or "~~" in s or ":=" in s:
            other.append(s)
            continue
        lhs = m.group(1).strip()
        for term in m.group(2).split("+"):
            term = term.strip()
            if not term:
                continue
            mod, _, var = term.rpartition("*")
            regs.append((lhs, var.strip(), mod.strip() or None))
    return other, regs


def measurement_items(model: str) -> dict[str, list[str]]:
    """``{latent: [indicators]}`` from the ``=~`` statements of a model (modifiers removed)."""
    out: dict[str, list[str]] = {}
    for s in split_structural(model)[0]:
        if "=~" in s:
            lhs, rhs = s.split("=~", 1)
            out.setdefault(lhs.strip(), []).extend(t.split("*")[-1].strip() for t in rhs.split("+") if t.strip())
    return out


def _paths(edges: dict[str, list[str]], a: str, b: str) -> list[list[str]]:
    """Every directed path a -> ... -> b (lists of nodes)."""
    out, stack = [], [[a]]
    while stack:
        path = stack.pop()
        for nxt in edges.get(path[-1], []):
            if nxt == b:
                out.append(path + [b])
            elif nxt not in path:
                stack.append(path + [nxt])
    return out


def _check_recursive(nodes, edges):
    state = {n: 0 for n in nodes}
    def visit(n, trail):
        state[n] = 1
        for m in edges.get(n, []):
            if state.get(m) == 1:
                raise AnalysisError(f"the structural model is non-recursive (cycle {' -> '.join(trail + [n, m])}); "
                                    "effects are computed for recursive models only")
            if state.get(m) == 0:
                visit(m, trail + [n])
        state[n] = 2
    for n in nodes:
        if state[n] == 0:
            visit(n, [])


def _causal_order(nodes, edges):
    """Nodes sorted so that every predictor comes before its outcomes (Kahn's algorithm)."""
    indeg = {n: 0 for n in nodes}
    for a in nodes:
        for b in edges.get(a, []):
            indeg[b] += 1
    ready, out = [n for n in nodes if indeg[n] == 0], []
    while ready:
        n = ready.pop(0)
        out.append(n)
        for b in edges.get(n, []):
            indeg[b] -= 1
            if indeg[b] == 0:
                ready.append(b)
    return out


def effects_syntax(model: str) -> tuple[str, pd.DataFrame]:
    """Relabelled model text with ``:=`` effects, and the key ``(from, to, direct, indirect,
    total)`` naming the parameter (label or fixed value) behind each effect."""
    other, regs = split_structural(model)
    if not regs:
        raise AnalysisError("the model has no structural regressions (lines 'outcome ~ predictor')")
    coef, lines, edges = {}, [], {}
    for k, (y, x, mod) in enumerate(regs):
        if mod is None:
            name = f"chain_p{k + 1}"
            term = f"{name}*{x}"
        elif _IDENT.match(mod):
            name, term = mod, f"{mod}*{x}"
        else:
            try:
                name = repr(float(mod))
            except ValueError:
                raise AnalysisError(f"cannot use the modifier {mod!r} of '{y} ~ {x}' in effect formulas") from None
            term = f"{mod}*{x}"
        coef[(x, y)] = name
        edges.setdefault(x, []).append(y)
        lines.append(f"{y} ~ {term}")
    nodes = list(dict.fromkeys(n for e in coef for n in e))
    _check_recursive(nodes, edges)
    nodes = _causal_order(nodes, edges)
    rows, defs = [], []
    for a in nodes:
        for b in nodes:
            if a == b:
                continue
            paths = _paths(edges, a, b)
            if not paths:
                continue
            direct = coef.get((a, b))
            ind = [" * ".join(coef[(p[i], p[i + 1])] for i in range(len(p) - 1)) for p in paths if len(p) > 2]
            i_name = t_name = None
            if ind:
                i_name = t_name = f"chain_ind{len(rows) + 1}"
                defs.append(f"{i_name} := " + " + ".join(ind))
                if direct:
                    t_name = f"chain_tot{len(rows) + 1}"
                    defs.append(f"{t_name} := {direct} + " + " + ".join(ind))
            rows.append({"from": a, "to": b, "direct": direct, "indirect": i_name, "total": t_name or direct})
    text = "\n".join(other + lines + defs) + "\n"
    return text, pd.DataFrame(rows)


def effects_table(params: pd.DataFrame, key: pd.DataFrame) -> pd.DataFrame:
    """The effects with estimates, SEs and intervals from a fit's parameter table."""
    by_label = {}
    for r in params.itertuples(index=False):
        lab = r.label if isinstance(r.label, str) and r.label else None
        if lab is not None and lab not in by_label:
            by_label[lab] = r
    out = []
    for k in key.itertuples(index=False):
        row = {"from": k[0], "to": k[1]}
        for part in ("direct", "indirect", "total"):
            name = getattr(k, part)
            if name is None or (isinstance(name, float) and np.isnan(name)):
                row.update({part: 0.0, f"{part}_se": np.nan, f"{part}_lower": np.nan, f"{part}_upper": np.nan,
                            f"{part}_pvalue": np.nan, f"{part}_std": 0.0})
                continue
            if name not in by_label:      # a fixed coefficient
                v = float(name)
                row.update({part: v, f"{part}_se": 0.0, f"{part}_lower": v, f"{part}_upper": v,
                            f"{part}_pvalue": np.nan, f"{part}_std": np.nan})
                continue
            r = by_label[name]
            row.update({part: r.est, f"{part}_se": r.se, f"{part}_lower": r.ci_lower, f"{part}_upper": r.ci_upper,
                        f"{part}_pvalue": r.pvalue, f"{part}_std": getattr(r, "std_all", np.nan)})
        out.append(row)
    cols = ["from", "to", "direct", "indirect", "total"]
    t = pd.DataFrame(out)
    return t[cols + [c for c in t.columns if c not in cols]]


def effect_matrix(params: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(B, T)``: the fitted structural coefficients (row = outcome, column = predictor) and
    the total effects ``(I − B)⁻¹ − I`` in the same layout."""
    reg = params[params["op"] == "~"]
    names = sorted(set(reg["lhs"]) | set(reg["rhs"]))
    B = pd.DataFrame(0.0, index=names, columns=names)
    for r in reg.itertuples(index=False):
        B.loc[r.lhs, r.rhs] = r.est
    T = np.linalg.inv(np.eye(len(names)) - B.to_numpy()) - np.eye(len(names))
    return B, pd.DataFrame(T, index=names, columns=names)
