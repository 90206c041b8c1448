"""Parser for lavaan's model syntax.

Turns model text into a flat list of :class:`Formula` records, one per ``lhs op rhs``
element, with the modifiers written in front of each right-hand term. Nothing here knows
about data or defaults; :mod:`loyaltyscope.cbsem.partable` turns the records into a parameter
table.

Supported (lavaan 0.6, ``?model.syntax``):

- operators ``=~`` (measured by), ``~`` (regressed on), ``~~`` (covaries with), ``~ 1``
  (intercept), ``:=`` (defined parameter), ``==``, ``<``, ``>`` (constraints), ``|``
  (thresholds, ``y | t1 + t2``);
- several left-hand variables (``y1 + y2 ~ x``);
- modifiers ``a*x`` (label), ``1*x`` / ``0*x`` (fixed value), ``NA*x`` (free),
  ``start(0.5)*x``, ``label("a")*x``, ``equal("a")*x``, ``c(a, b)*x`` (one per group),
  and chains of them (``start(1)*a*x``);
- ``#`` and ``!`` comments, ``;`` as a separator, and formulas split over lines (a line that
  ends with an operator, or a line that starts with ``+``, continues the previous one).

Written by hand: no maintained Python package parses lavaan syntax with lavaan's semantics
(semopy's parser differs in defaults and modifiers). Errors are :class:`ModelSyntaxError` and
name the line, the column and what was expected.

R equivalent: ``lavaan::lavParseModelString(model)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from loyaltyscope.cbsem.expressions import Expression, ExpressionError

__all__ = ["Formula", "Modifier", "ModelSyntaxError", "parse_model", "OPERATORS", "LARGEST_MODIFIER"]

# A fixed or start value beyond this magnitude is refused: loadings enter Sigma squared and
# multiplied by variances, so 1e308*x overflows and even 1e20*x leaves no precision to estimate
# the other parameters (rescale the data instead).
LARGEST_MODIFIER = 1e15

# longest first so that "=~" is found before "~", "~~" before "~"
OPERATORS = ("=~", "~~", ":=", "==", "<~", "~*~", "~", "<", ">", "|")
_OP_RE = re.compile(r"(~\*~|=~|~~|:=|==|<~|~|<|>|\|)")
_IDENT = r"[A-Za-z_.][A-Za-z0-9_.]*"
_IDENT_RE = re.compile(rf"^{_IDENT}$")
_NUMBER_RE = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


class ModelSyntaxError(ValueError):
    """A model string that lavaan's grammar does not accept.

    Attributes
    ----------
    line, column : 1-based position of the problem in the model text.
    """

    def __init__(self, message: str, line: int, column: int, text: str = ""):
        self.line, self.column, self.text = line, column, text
        where = f"line {line}, column {column}"
        caret = ""
        if text:
            caret = f"\n    {text}\n    {' ' * max(column - 1, 0)}^"
        super().__init__(f"model syntax error at {where}: {message}{caret}")


@dataclass(frozen=True)
class Modifier:
    """What stands in front of a right-hand term: ``fixed``, ``free`` (NA), ``label``,
    ``start`` values, each either one value or one per group (``c(...)``)."""

    fixed: tuple | None = None  # tuple of float | None (None = NA, i.e. free) per group
    label: tuple | None = None  # tuple of str | None per group
    start: tuple | None = None  # tuple of float per group


@dataclass(frozen=True)
class Formula:
    """One ``lhs op rhs`` element of the model, with its modifier and source position."""

    lhs: str
    op: str
    rhs: str
    modifier: Modifier = field(default_factory=Modifier)
    line: int = 0
    expression: str = ""  # for ":=", "==", "<", ">": the right-hand expression text
    text: str = ""        # the source line, for messages that name it


def _strip_comment(line: str) -> str:
    out = []
    in_quote = None
    for ch in line:
        if in_quote:
            out.append(ch)
            if ch == in_quote:
                in_quote = None
            continue
        if ch in "\"'":
            in_quote = ch
        elif ch in "#!":
            break
        out.append(ch)
    return "".join(out)


def _logical_lines(text: str) -> list[tuple[str, int, str]]:
    """Split into (statement, first line number, original line text), joining continued lines."""
    pieces: list[tuple[str, int, str]] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        body = _strip_comment(raw)
        for part in body.split(";"):
            if part.strip():
                pieces.append((part.strip(), lineno, raw))
    joined: list[tuple[str, int, str]] = []
    for stmt, lineno, raw in pieces:
        if joined:
            prev, pl, praw = joined[-1]
            continues = re.search(r"(\+|\*|=~|~~|~|:=|==|\||,|\()$", prev) or stmt.startswith(("+", "*"))
            if continues:
                joined[-1] = (prev + " " + stmt, pl, praw)
                continue
        joined.append((stmt, lineno, raw))
    return joined


def _split_top(s: str, sep: str) -> list[str]:
    """Split on ``sep`` outside parentheses and quotes."""
    parts, depth, cur, quote = [], 0, [], None
    for ch in s:
        if quote:
            cur.append(ch)
            if ch == quote:
                quote = None
            continue
        if ch in "\"'":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def _parse_value_list(tok: str, err) -> list[str]:
    inner = tok.strip()
    if inner.startswith("c(") and inner.endswith(")"):
        return [x.strip() for x in _split_top(inner[2:-1], ",")]
    return [inner]


def _number(tok: str) -> float | None:
    tok = tok.strip()
    if _NUMBER_RE.match(tok):
        return float(tok)
    return None


def _checked_number(tok: str, err, where: str) -> float | None:
    """A modifier's number, refused (naming the token) when it is not finite or too large."""
    value = _number(tok)
    if value is not None and not abs(value) <= LARGEST_MODIFIER:
        shown = tok.strip() if len(tok.strip()) <= 40 else tok.strip()[:37] + "..."
        what = "overflows to infinity" if not np.isfinite(value) else f"is larger than {LARGEST_MODIFIER:g}"
        err(f"the {where} {shown} {what}: a model parameter cannot take such a value "
            f"(|value| <= {LARGEST_MODIFIER:g}; rescale the data instead)", tok.strip())
    return value


def _parse_modifier(mods: list[str], err) -> Modifier:
    fixed = label = start = None
    for m in mods:
        m = m.strip()
        if not m:
            err("empty modifier before '*'", m)
        fm = re.match(r"^(start|label|equal)\((.*)\)$", m)
        if fm:
            kind, arg = fm.group(1), fm.group(2)
            vals = _parse_value_list(arg, err)
            if kind == "start":
                nums = [_checked_number(v, err, "start value") for v in vals]
                if any(v is None for v in nums):
                    err(f"start() expects numbers, got {arg!r}", m)
                start = tuple(nums)
            else:
                labs = tuple(v.strip().strip("\"'") for v in vals)
                for lab in labs:
                    if not _IDENT_RE.match(lab):
                        err(f"{kind}() expects a label name, got {lab!r}", m)
                label = labs
            continue
        vals = _parse_value_list(m, err)
        nums, labs, kinds = [], [], set()
        for v in vals:
            v = v.strip().strip("\"'")
            if v.upper() == "NA":
                nums.append(None)
                labs.append(None)
                kinds.add("fixed")
            elif _number(v) is not None:
                nums.append(_checked_number(v, err, "fixed value"))
                labs.append(None)
                kinds.add("fixed")
            elif _IDENT_RE.match(v):
                labs.append(v)
                nums.append(None)
                kinds.add("label")
            else:
                err(f"a modifier must be a number, NA, a label, start(), label() or c(...); got {v!r}", m)
        if kinds == {"fixed"}:
            fixed = tuple(nums)
        elif kinds == {"label"}:
            label = tuple(labs)
        else:
            err("c(...) may not mix labels with numbers", m)
    return Modifier(fixed=fixed, label=label, start=start)


def parse_model(text: str, *, formative: bool = False) -> list[Formula]:
    """Parse lavaan model syntax into a list of :class:`Formula` records.

    Parameters
    ----------
    text : the model, as for ``lavaan::sem(model = ...)``.
    formative : kept for the PLS-SEM room's calls; ``<~`` (formative / composite) is parsed
        either way (CB-SEM fits composites with lavaan 0.6's semantics).

    Raises
    ------
    ModelSyntaxError
        naming the line, the column and what was expected.
    """
    if not isinstance(text, str):
        raise TypeError(f"model must be a string of lavaan syntax, got {type(text).__name__}")
    formulas: list[Formula] = []
    for stmt, lineno, raw in _logical_lines(text):
        col0 = raw.find(stmt.split()[0]) + 1 if stmt.split() else 1

        def err(msg: str, near: str = "", _raw=raw, _lineno=lineno, _col0=col0):
            col = _raw.find(near) + 1 if near and near in _raw else _col0
            raise ModelSyntaxError(msg, _lineno, col, _raw.rstrip())

        m = _OP_RE.search(stmt)
        if not m:
            err("expected an operator (=~, ~, ~~, :=, ==, <, >, |)", stmt)
        op = m.group(1)
        lhs_txt, rhs_txt = stmt[: m.start()].strip(), stmt[m.end():].strip()
        if op == "~*~":
            err("scaling factors (~*~) are not supported", "~*~")
        if not lhs_txt:
            err(f"expected a variable name before '{op}'", op)
        if not rhs_txt:
            col = raw.find(op) + len(op) + 1 if op in raw else col0
            raise ModelSyntaxError(f"expected a term after '{op}'", lineno, col, raw.rstrip())

        if op in (":=", "==", "<", ">"):
            if op == ":=" and not _IDENT_RE.match(lhs_txt):
                err(f"a defined parameter needs a name on the left of ':=', got {lhs_txt!r}", lhs_txt)
            for side in ([rhs_txt] if op == ":=" else [lhs_txt, rhs_txt]):
                try:
                    Expression.parse(side.replace(" ", ""))
                except ExpressionError as exc:
                    err(str(exc), exc.token or side)
            formulas.append(Formula(lhs_txt, op, rhs_txt.replace(" ", ""), Modifier(), lineno, rhs_txt,
                                    raw.strip()))
            continue

        lhs_names = [x.strip() for x in lhs_txt.split("+")]
        for name in lhs_names:
            if not _IDENT_RE.match(name):
                err(f"expected a variable name on the left of '{op}', got {name!r}", name)

        terms = _split_top(rhs_txt, "+")
        for term in terms:
            term = term.strip()
            if not term:
                col = raw.rstrip().rfind("+") + 2
                raise ModelSyntaxError(f"expected a term after '+' in {rhs_txt!r}", lineno, col, raw.rstrip())
            parts = _split_top(term, "*")
            var = parts[-1].strip()
            mod = _parse_modifier(parts[:-1], err) if len(parts) > 1 else Modifier()
            if op == "|":
                if not re.match(r"^t\d+$", var):
                    err(f"thresholds are written t1, t2, ...; got {var!r}", var)
            elif var == "1":
                if op != "~":
                    err(f"'1' (intercept) is only allowed after '~', not after '{op}'", term)
            elif not _IDENT_RE.match(var):
                err(f"expected a variable name, got {var!r}", var)
            for lhs in lhs_names:
                if var == "1":
                    formulas.append(Formula(lhs, "~1", "", mod, lineno, text=raw.strip()))
                else:
                    formulas.append(Formula(lhs, op, var, mod, lineno, text=raw.strip()))
    if not formulas:
        raise ModelSyntaxError("the model is empty", 1, 1)
    return formulas
