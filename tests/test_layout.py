"""The package layout rules of the common brief, checked on the source with ``ast``:

- no public function (defined at module level in any module, or exported in
  ``loyaltyscope.__all__``) has the name of a module or package of ``loyaltyscope``
  (``ls.sem`` must not shadow a module ``sem``; ``ls.standardize`` a module ``standardize``);
- no module is over 800 lines; no function (or method) is over 150 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

import loyaltyscope

ROOT = Path(loyaltyscope.__file__).resolve().parent
MODULES = sorted(p for p in ROOT.rglob("*.py") if "__pycache__" not in p.parts)


# Clashes in rooms this test's author does not own, left to their owners (the integrator decides):
# each entry must still exist (so the list shrinks when one is fixed), and no new one may appear.
PENDING: set = set()   # clashes known and not yet fixed (none)


def _module_names() -> set[str]:
    names = {p.stem for p in MODULES if p.stem != "__init__"}
    names |= {p.parent.name for p in MODULES if p.stem == "__init__" and p.parent != ROOT}
    return names


def _trees():
    for p in MODULES:
        yield p, ast.parse(p.read_text(encoding="utf-8"), filename=str(p))


def test_modules_are_found():
    names = _module_names()
    assert {"cbsem", "survey", "pipeline", "scoring"} <= names


def test_no_public_function_has_a_module_name():
    modules = _module_names()
    clashes = []
    for p, tree in _trees():
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_"):
                if node.name in modules:
                    clashes.append(f"{p.relative_to(ROOT.parent)}: def {node.name}")
    clashes += [f"loyaltyscope.__all__: {n}" for n in loyaltyscope.__all__ if n in modules]
    new = sorted(set(clashes) - PENDING)
    assert not new, "public functions named like a module:\n" + "\n".join(new)
    fixed = sorted(PENDING - set(clashes))
    assert not fixed, "fixed, remove from PENDING:\n" + "\n".join(fixed)


def test_module_and_function_sizes():
    too_long = []
    for p, tree in _trees():
        n_lines = len(p.read_text(encoding="utf-8").splitlines())
        if n_lines > 800:
            too_long.append(f"{p.relative_to(ROOT.parent)}: {n_lines} lines (at most 800)")
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > 150:
                    too_long.append(f"{p.relative_to(ROOT.parent)}:{node.lineno} {node.name}: {n} lines (at most 150)")
    assert not too_long, "\n".join(too_long)
