"""Safe arithmetic for defined parameters (``:=``) and constraints (``==``, ``<``, ``>``).

An expression is parsed with :func:`ast.parse` into a tree and evaluated by walking it with
a whitelist of nodes (numbers, names, ``+ - * / ^ **``, unary minus, and the functions
``exp log sqrt abs sin cos tan pnorm qnorm``). Nothing is ever passed to ``eval``: model text
is user input. R's ``^`` is accepted as power.

R equivalent: lavaan evaluates ``:=`` right-hand sides as R expressions of parameter labels.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np
from scipy.stats import norm

__all__ = ["Expression", "ExpressionError"]


class ExpressionError(ValueError):
    """An expression with a construct outside the arithmetic whitelist or an unknown name."""


_FUNCS: dict[str, Callable[[float], float]] = {
    "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "abs": np.abs,
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "pnorm": norm.cdf, "qnorm": norm.ppf,
}
_BIN = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b, ast.Pow: lambda a, b: a ** b,
}


@dataclass(frozen=True)
class Expression:
    """A parsed arithmetic expression over parameter labels."""

    text: str
    tree: ast.AST
    names: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> "Expression":
        src = text.replace("^", "**")
        try:
            tree = ast.parse(src, mode="eval").body
        except SyntaxError as exc:
            raise ExpressionError(f"cannot read expression {text!r}: {exc.msg}") from None
        names: list[str] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                if node.id not in _FUNCS and node.id not in names:
                    names.append(node.id)
            elif isinstance(node, ast.Call):
                if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCS or node.keywords:
                    raise ExpressionError(
                        f"only the functions {', '.join(sorted(_FUNCS))} are allowed in {text!r}")
            elif not isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Constant, ast.Load,
                                       ast.USub, ast.UAdd, *_BIN.keys())):
                raise ExpressionError(f"{type(node).__name__} is not allowed in {text!r}")
            if isinstance(node, ast.Constant) and not isinstance(node.value, (int, float)):
                raise ExpressionError(f"only numbers are allowed as constants in {text!r}")
        # names used as callables are functions, not parameters
        calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call)}
        return cls(text, tree, tuple(n for n in names if n not in calls))

    def evaluate(self, values: Mapping[str, float]) -> float:
        def ev(node):
            if isinstance(node, ast.Constant):
                return float(node.value)
            if isinstance(node, ast.Name):
                try:
                    return values[node.id]
                except KeyError:
                    raise ExpressionError(f"unknown label {node.id!r} in {self.text!r}") from None
            if isinstance(node, ast.BinOp):
                return _BIN[type(node.op)](ev(node.left), ev(node.right))
            if isinstance(node, ast.UnaryOp):
                v = ev(node.operand)
                return -v if isinstance(node.op, ast.USub) else v
            if isinstance(node, ast.Call):
                return _FUNCS[node.func.id](*[ev(a) for a in node.args])
            raise ExpressionError(f"{type(node).__name__} is not allowed in {self.text!r}")

        with np.errstate(all="ignore"):
            return float(ev(self.tree))


def numeric_jacobian(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    """Central-difference Jacobian of a vector function (rows: outputs, columns: inputs)."""
    x = np.asarray(x, float)
    f0 = np.atleast_1d(f(x))
    jac = np.empty((f0.size, x.size))
    for j in range(x.size):
        h = 1e-6 * max(1.0, abs(x[j]))
        xp, xm = x.copy(), x.copy()
        xp[j] += h
        xm[j] -= h
        jac[:, j] = (np.atleast_1d(f(xp)) - np.atleast_1d(f(xm))) / (2 * h)
    return jac

