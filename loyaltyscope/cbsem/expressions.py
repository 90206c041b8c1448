"""Safe arithmetic for defined parameters (``:=``) and constraints (``==``, ``<``, ``>``).

An expression is parsed with :func:`ast.parse` into a tree and evaluated by walking it with
a whitelist of nodes (numbers, names, ``+ - * / ^ **``, unary minus, and the functions
``exp log sqrt abs sin cos tan pnorm qnorm``). Nothing is ever passed to ``eval``: model text
is user input. R's ``^`` is accepted as power.

Hostile input is refused before :func:`ast.parse` sees it or answered with a number: a text
longer than :data:`MAX_LENGTH` characters or nested deeper than :data:`MAX_DEPTH` (brackets,
runs of signs) is an :class:`ExpressionError` (Python's parser would raise ``RecursionError``);
a literal that overflows to infinity (``1e309``, a 400-digit integer) is an error naming the
token. Arithmetic is IEEE (numpy float64, never Python's ``ZeroDivisionError`` /
``OverflowError``); a value that comes out non-finite (``1/0``, ``9^9^9``, ``log(-1)``) is
returned as NaN and :meth:`Expression.explain` says why, for the fit's warnings.

R equivalent: lavaan evaluates ``:=`` right-hand sides as R expressions of parameter labels
(R would give ``Inf`` for ``1/0``; we give NaN with a warning, never a silent infinity).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np
from scipy.stats import norm

__all__ = ["Expression", "ExpressionError", "MAX_LENGTH", "MAX_DEPTH"]

MAX_LENGTH = 10_000   # characters of one expression
MAX_DEPTH = 100       # nesting: open brackets plus consecutive signs


class ExpressionError(ValueError):
    """An expression with a construct outside the arithmetic whitelist or an unknown name.

    ``token`` is the offending piece of text when there is one (for the caret of the
    model syntax error)."""

    def __init__(self, message: str, token: str = ""):
        self.token = token
        super().__init__(message)


_FUNCS: dict[str, Callable[[float], float]] = {
    "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "abs": np.abs,
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "pnorm": norm.cdf, "qnorm": norm.ppf,
}
_BIN = {
    ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply,
    ast.Div: np.divide, ast.Pow: np.power,
}
_SYMBOL = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "^"}


def _nesting(text: str) -> int:
    """Deepest nesting of brackets plus runs of unary signs (an upper bound of the tree depth
    that Python's recursive parser would need)."""
    depth = run = worst = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch in "+-":
            run += 1
        elif not ch.isspace():
            run = 0
        worst = max(worst, depth + run)
    return worst


def _check_tree(tree: ast.AST, src: str, text: str) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if node.id not in _FUNCS and node.id not in names:
                names.append(node.id)
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCS or node.keywords:
                raise ExpressionError(
                    f"only the functions {', '.join(sorted(_FUNCS))} are allowed in {text!r}")
            if len(node.args) != 1 or any(isinstance(a, ast.Starred) for a in node.args):
                raise ExpressionError(f"{node.func.id}() takes exactly one argument in {text!r}",
                                      node.func.id)
        elif not isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Constant, ast.Load,
                                   ast.USub, ast.UAdd, *_BIN.keys())):
            raise ExpressionError(f"{type(node).__name__} is not allowed in {text!r}")
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise ExpressionError(f"only numbers are allowed as constants in {text!r}")
            token = ast.get_source_segment(src, node) or repr(node.value)
            try:
                value = float(node.value)
            except OverflowError:
                value = np.inf
            if not np.isfinite(value):
                raise ExpressionError(f"the number {token[:40]} is too large: it overflows to infinity "
                                      f"(largest is about 1.8e308) in {text[:200]!r}", token)
    return names


@dataclass(frozen=True)
class Expression:
    """A parsed arithmetic expression over parameter labels."""

    text: str
    tree: ast.AST
    names: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> "Expression":
        if len(text) > MAX_LENGTH:
            raise ExpressionError(f"expression of {len(text)} characters is too long "
                                  f"(at most {MAX_LENGTH}): {text[:60]!r}...")
        if _nesting(text) > MAX_DEPTH:
            raise ExpressionError(f"expression is nested too deeply ({_nesting(text)} levels of brackets "
                                  f"or signs; at most {MAX_DEPTH}): {text[:60]!r}...", text[:60])
        src = text.replace("^", "**")
        try:
            tree = ast.parse(src, mode="eval").body
        except SyntaxError as exc:
            raise ExpressionError(f"cannot read expression {text!r}: {exc.msg}") from None
        except (RecursionError, MemoryError, ValueError) as exc:
            raise ExpressionError(f"cannot read expression {text[:60]!r}: {type(exc).__name__}") from None
        names = _check_tree(tree, src, text)
        # names used as callables are functions, not parameters
        calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call)}
        return cls(text, tree, tuple(n for n in names if n not in calls))

    def _walk(self, values: Mapping[str, float], reasons: list[str] | None) -> float:
        src = self.text.replace("^", "**")

        def piece(node) -> str:
            return (ast.get_source_segment(src, node) or "").replace("**", "^")

        def note(node, why):
            if reasons is not None and not reasons:
                reasons.append(f"{why} in {piece(node)!r}")

        def ev(node):
            if isinstance(node, ast.Constant):
                return np.float64(node.value)
            if isinstance(node, ast.Name):
                try:
                    return np.float64(values[node.id])
                except KeyError:
                    raise ExpressionError(f"unknown label {node.id!r} in {self.text!r}") from None
            if isinstance(node, ast.BinOp):
                a, b = ev(node.left), ev(node.right)
                out = _BIN[type(node.op)](a, b)
                if np.isfinite(a) and np.isfinite(b) and not np.isfinite(out):
                    if isinstance(node.op, ast.Div) and b == 0:
                        note(node, "division by zero")
                    elif isinstance(node.op, ast.Pow) and np.isnan(out):
                        note(node, "a negative number to a fractional power")
                    else:
                        note(node, "overflow (the result exceeds 1.8e308)")
                return out
            if isinstance(node, ast.UnaryOp):
                v = ev(node.operand)
                return -v if isinstance(node.op, ast.USub) else v
            if isinstance(node, ast.Call):
                a = ev(node.args[0])
                out = np.float64(_FUNCS[node.func.id](a))
                if np.isfinite(a) and not np.isfinite(out):
                    note(node, f"{node.func.id}() of {a:.6g} is not defined or overflows")
                return out
            raise ExpressionError(f"{type(node).__name__} is not allowed in {self.text!r}")

        with np.errstate(all="ignore"):
            return float(ev(self.tree))

    def evaluate(self, values: Mapping[str, float]) -> float:
        """The value for the given labels; NaN (never an exception, never an infinity) when
        the arithmetic does not give a finite number (see :meth:`explain`)."""
        out = self._walk(values, None)
        return out if np.isfinite(out) else float("nan")

    def explain(self, values: Mapping[str, float]) -> str | None:
        """Why the value is not finite (the first failing operation), or None when it is."""
        reasons: list[str] = []
        out = self._walk(values, reasons)
        if np.isfinite(out):
            return None
        if reasons:
            return reasons[0]
        bad = [n for n in self.names if n in values and not np.isfinite(values[n])]
        return f"it uses non-finite value(s) of {', '.join(bad)}" if bad else "the value is not finite"


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
