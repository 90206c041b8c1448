"""PLS path model specification from lavaan-style syntax.

``Construct =~ x1 + x2`` is a Mode A (reflective, correlation weights) block, ``Construct <~ x1
+ x2`` a Mode B (formative, regression weights) block, ``y ~ a + b`` structural paths. A block
of one indicator is a single-item construct (weight 1). A block whose right-hand side names
other constructs is a higher-order construct (see :mod:`loyaltyscope.plspm.higher_order`).

The parser is the project's lavaan parser (:func:`loyaltyscope.cbsem.syntax.parse_model`
with ``formative=True``); this module only turns its records into blocks and paths.

An interaction term is written ``A:B`` on the right of ``~`` (lavaan's notation), with A and B
constructs; :mod:`loyaltyscope.plspm.interactions` builds its block.

R equivalent: seminr's ``constructs(composite(..., weights = mode_A / mode_B))`` +
``relationships(paths(from, to))``; semPLS's ``plsm(data, strucmod, measuremod)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from loyaltyscope.cbsem.partable import ModelSpecError
from loyaltyscope.cbsem.syntax import parse_model

__all__ = ["PLSSpec", "specify", "ModelSpecError"]


@dataclass(frozen=True)
class PLSSpec:
    """Blocks and paths of a PLS path model.

    Attributes
    ----------
    constructs : construct names in model order (first appearance).
    blocks : construct -> tuple of indicator names (observed columns, or constructs for a
        higher-order block before it is expanded).
    modes : construct -> "A" or "B".
    paths : (from, to) structural paths in model order.
    """

    constructs: tuple[str, ...]
    blocks: dict
    modes: dict
    paths: tuple[tuple[str, str], ...]
    interactions: dict = field(default_factory=dict)  # "A:B" -> ("A", "B")
    # two-stage HOC under PLSc: HOC -> stage-1 reliabilities of its dimensions (set by higher_order)
    loc_reliability: dict = field(default_factory=dict)

    @property
    def items(self) -> tuple[str, ...]:
        """Indicator columns, block by block (an indicator repeated in two blocks appears twice)."""
        return tuple(x for c in self.constructs for x in self.blocks[c])

    @property
    def unique_items(self) -> tuple[str, ...]:
        seen: dict = {}
        for x in self.items:
            seen.setdefault(x, None)
        return tuple(seen)

    @property
    def item_block(self) -> np.ndarray:
        """Index of the construct of every (block, indicator) column of :attr:`items`."""
        return np.array([k for k, c in enumerate(self.constructs) for _ in self.blocks[c]], dtype=int)

    @property
    def adjacency(self) -> np.ndarray:
        """``D[i, j] = 1`` when construct i points to construct j."""
        m = len(self.constructs)
        pos = {c: k for k, c in enumerate(self.constructs)}
        d = np.zeros((m, m))
        for a, b in self.paths:
            d[pos[a], pos[b]] = 1.0
        return d

    @property
    def endogenous(self) -> tuple[str, ...]:
        targets = {b for _, b in self.paths}
        return tuple(c for c in self.constructs if c in targets)

    def predecessors(self, construct: str) -> tuple[str, ...]:
        return tuple(a for a, b in self.paths if b == construct)

    def main_effects(self) -> "PLSSpec":
        """The model without its interaction terms (constructs, blocks and paths)."""
        keep = tuple(c for c in self.constructs if c not in self.interactions)
        return PLSSpec(keep, {c: self.blocks[c] for c in keep}, {c: self.modes[c] for c in keep},
                       tuple(p for p in self.paths if p[0] not in self.interactions))


def specify(model: str) -> PLSSpec:
    """Blocks and paths from lavaan-style syntax (``=~`` Mode A, ``<~`` Mode B, ``~`` paths).

    Raises :class:`ModelSpecError` listing every problem: operators PLS does not estimate,
    a construct defined twice, paths between names that are not constructs, a construct
    without a block, a structural model with a cycle.
    """
    if not isinstance(model, str):
        raise ModelSpecError(f"model must be a string of lavaan-style syntax, got {type(model).__name__}")
    text = _INTERACTION_RE.sub(lambda mt: f"{mt.group(1)}{_X}{mt.group(2)}", model)
    formulas = parse_model(text, formative=True)
    blocks: dict = {}
    modes: dict = {}
    paths: list = []
    problems: list[str] = []
    for f in formulas:
        if f.op in ("=~", "<~"):
            mode = "A" if f.op == "=~" else "B"
            if modes.setdefault(f.lhs, mode) != mode:
                problems.append(f"line {f.line}: construct {f.lhs!r} is given both =~ (Mode A) and <~ (Mode B)")
            if f.modifier.fixed or f.modifier.label or f.modifier.start:
                problems.append(f"line {f.line}: PLS takes no labels or fixed values ({f.lhs} {f.op} {f.rhs})")
            items = blocks.setdefault(f.lhs, [])
            if f.rhs in items:
                problems.append(f"line {f.line}: indicator {f.rhs!r} appears twice in block {f.lhs!r}")
            items.append(f.rhs)
        elif f.op == "~":
            if f.modifier.fixed or f.modifier.label or f.modifier.start:
                problems.append(f"line {f.line}: PLS estimates every path; no labels or fixed values "
                                f"({f.lhs} ~ {f.rhs.replace(_X, ':')})")
            paths.append((f.rhs.replace(_X, ":"), f.lhs, f.line))
        else:
            problems.append(f"line {f.line}: operator {f.op!r} is not part of a PLS path model "
                            "(use =~, <~ and ~)")
    order: dict = {}
    for f in formulas:
        if f.op in ("=~", "<~"):
            order.setdefault(f.lhs, None)
    interactions = {}
    for a, b, line in paths:
        if ":" in a:
            parts = tuple(a.split(":"))
            bad = [x for x in parts if x not in blocks]
            if len(parts) != 2 or bad:
                problems.append(f"line {line}: interaction {a!r} must join two constructs (A:B)")
            interactions[a] = parts
        for name in (a, b) if ":" not in a else (b,):
            if name not in blocks:
                problems.append(f"line {line}: {name!r} in the path {a} -> {b} is not a construct "
                                "(define it with =~ or <~; a single item is 'Name =~ item')")
    seen = set()
    clean_paths = []
    for a, b, line in paths:
        if (a, b) in seen:
            problems.append(f"line {line}: the path {a} -> {b} is given twice")
        if a == b:
            problems.append(f"line {line}: {a} cannot predict itself")
        seen.add((a, b))
        clean_paths.append((a, b))
    if not problems and _has_cycle(tuple(order), [p for p in clean_paths if p[0] not in interactions]):
        problems.append("the structural model has a cycle; PLS path models must be recursive")
    if not blocks:
        problems.append("the model defines no constructs (use 'Construct =~ item1 + item2')")
    if problems:
        raise ModelSpecError("invalid PLS model:\n  " + "\n  ".join(problems))
    constructs = tuple(order) + tuple(interactions)
    return PLSSpec(constructs, {k: tuple(v) for k, v in blocks.items()}, modes, tuple(clean_paths), interactions)


_X = "__x__"
_INTERACTION_RE = re.compile(r"([A-Za-z_.][A-Za-z0-9_.]*)\s*:\s*([A-Za-z_.][A-Za-z0-9_.]*)")


def _has_cycle(nodes: tuple, paths: list) -> bool:
    succ = {n: [b for a, b in paths if a == n] for n in nodes}
    state = dict.fromkeys(nodes, 0)

    def visit(n) -> bool:
        state[n] = 1
        for s in succ[n]:
            if state[s] == 1 or (state[s] == 0 and visit(s)):
                return True
        state[n] = 2
        return False

    return any(state[n] == 0 and visit(n) for n in nodes)
