"""Checks of a model before (and right after) estimation: names, repeats, contradictions,
size, loops of paths, and why an estimation could not start.

Each check names the model lines involved and says what was expected. They run at the
stages of :func:`loyaltyscope.cbsem.api.sem`:

- :func:`check_formulas` on the parsed formulas (with the data's column names when given):
  an element written twice (lavaan: "duplicate model element"), a latent variable measured
  by itself (lavaan: "latent variable `x1' can not be measured by itself"), a variable regressed
  on itself (lavaan warns "lhs and rhs are the same"), a latent variable
  with the name of a data column (lavaan: "some latent variable names collide with observed
  variable names"), a defined parameter written twice or named like a label or a variable,
  linear equality constraints that contradict each other or a fixed value (``a == 1; a == 2``);
- :func:`check_spec` on the parameter table, before any matrix is allocated: more free
  parameters than sample moments, a working memory beyond :func:`memory_limit` (counts given),
  and loops of fixed paths whose coefficients make (I - B) singular whatever the free values;
- :func:`check_start` after the optimiser when no start value gave a finite discrepancy:
  which fixed values make the implied covariance matrix impossible (a singular loop, a fixed
  latent or residual covariance matrix that is not positive definite);
- :func:`definition_warnings` after the fit: defined parameters that are not finite, with
  the reason (``d := 1/0``: division by zero).

Written by hand: these are lavaan's own checks (``lav_partable_flat``,
``lav_model_partable``, ``lavaan()``) plus ones lavaan lacks (it fits ``a == 1; a == 2`` to
``a = 1`` silently and reports ``d := 1/0`` as ``Inf`` without a warning).
"""

from __future__ import annotations

import os

import numpy as np

from loyaltyscope.cbsem.expressions import Expression, ExpressionError
from loyaltyscope.cbsem.partable import ModelSpecError, self_indicator_message
from loyaltyscope.cbsem.ram import find_loops, make_layout, paths_inverse, _matrices

__all__ = ["check_formulas", "check_spec", "check_start", "definition_warnings", "memory_limit"]


def _where(f) -> str:
    return f"line {f.line}: {f.text!r}" if f.text else f"line {f.line}"


def _key(f):
    if f.op == "~~" and f.rhs < f.lhs:
        return (f.rhs, f.op, f.lhs)
    return (f.lhs, f.op, f.rhs)


def _element(f) -> str:
    return f"{f.lhs} ~ 1" if f.op == "~1" else f"{f.lhs} {f.op} {f.rhs}"


def check_formulas(formulas, data_columns=None) -> None:
    """Raise :class:`ModelSpecError` listing every repeated, self-referring, colliding or
    contradictory element of the parsed model (see the module docstring)."""
    problems: list[str] = []
    first: dict = {}
    lvs: dict[str, object] = {}
    for f in formulas:
        if f.op == "=~":
            lvs.setdefault(f.lhs, f)
            if f.lhs == f.rhs:
                problems.append(self_indicator_message(f.lhs, _where(f)))
        if f.op == "~" and f.lhs == f.rhs:
            problems.append(f"lhs and rhs are the same in {f.lhs} ~ {f.rhs} ({_where(f)}): a variable cannot be "
                            "regressed on itself")
        if f.op in ("=~", "~", "~~", "~1", "|"):
            k = _key(f)
            if k in first:
                problems.append(f"duplicate model element {_element(f)}: {_where(f)} repeats "
                                f"{_where(first[k])}; write each parameter once")
            else:
                first[k] = f
    if data_columns is not None:
        cols = {str(c) for c in data_columns}
        clash = [name for name in lvs if name in cols]
        if clash:
            problems.append("some latent variable names collide with observed variable names (data columns): "
                            + ", ".join(f"{n!r} ({_where(lvs[n])})" for n in clash)
                            + "; rename the latent variable(s)")
    problems += _definition_problems(formulas)
    problems += _equality_conflicts(formulas)
    if problems:
        raise ModelSpecError("the model cannot be used:\n  - " + "\n  - ".join(problems))
    # sizes before the parameter table is built: at least one parameter per element written
    # and a variance per variable (the exact count follows in check_spec)
    names = {f.lhs for f in formulas if f.op in ("=~", "~", "~~", "~1")} | {
        f.rhs for f in formulas if f.op in ("=~", "~", "~~")}
    p = len(names - set(lvs))
    _check_memory(p, len(lvs), len(first) + len(names), [len(first) + len(names)])


def _definition_problems(formulas) -> list[str]:
    out = []
    labels = {lab for f in formulas if f.modifier.label for lab in f.modifier.label if lab}
    variables = {f.lhs for f in formulas if f.op in ("=~", "~", "~~", "~1", "|")} | {
        f.rhs for f in formulas if f.op in ("=~", "~", "~~")}
    seen: dict[str, object] = {}
    for f in formulas:
        if f.op != ":=":
            continue
        if f.lhs in seen:
            out.append(f"defined parameter {f.lhs!r} is defined twice: {_where(seen[f.lhs])} and {_where(f)}")
            continue
        seen[f.lhs] = f
        if f.lhs in labels:
            out.append(f"defined parameter {f.lhs!r} ({_where(f)}) has the name of a parameter label; "
                       "give it another name")
        elif f.lhs in variables:
            out.append(f"defined parameter {f.lhs!r} ({_where(f)}) has the name of a model variable; "
                       "give it another name")
    return out


def _linear_rows(formulas, ops=("==",)):
    """Constraints with operator in ``ops`` (and, for equalities, labels given a fixed value)
    as affine rows ``lhs - rhs = coefficients . labels + constant`` over labels:
    [(coefficients, constant, formula)], skipping non-linear ones."""
    defs = {}
    for f in formulas:
        if f.op == ":=" and f.lhs not in defs:
            defs[f.lhs] = Expression.parse(f.rhs)
    rows, fixed_labels = [], []
    for f in formulas:
        mod = f.modifier
        if mod.label and mod.fixed and len(mod.label) == 1 == len(mod.fixed) and mod.label[0] and mod.fixed[0] is not None:
            fixed_labels.append((mod.label[0], float(mod.fixed[0]), f))
    eqs = [(Expression.parse(f.lhs), Expression.parse(f.rhs), f) for f in formulas if f.op in ops]
    names = sorted({n for l, r, _ in eqs for n in l.names + r.names if n not in defs}
                   | {n for e in defs.values() for n in e.names if n not in defs}
                   | {lab for lab, _, _ in fixed_labels})
    pos = {n: i for i, n in enumerate(names)}

    def value(l, r, x):
        vals = dict(zip(names, x))
        for name, e in defs.items():
            vals[name] = e.evaluate(vals)
        try:
            return l.evaluate(vals) - r.evaluate(vals)
        except ExpressionError:  # an unknown name: left to the parameter table's message
            return np.nan

    rng = np.random.default_rng(1)
    n = len(names)
    for l, r, f in eqs:
        c = value(l, r, np.zeros(n))
        coef = np.array([value(l, r, np.eye(n)[j]) - c for j in range(n)])
        ok = np.isfinite(c) and np.isfinite(coef).all()
        for _ in range(2):
            x = rng.normal(size=n)
            v = value(l, r, x)
            ok = ok and np.isfinite(v) and abs(v - (c + coef @ x)) <= 1e-8 * (1 + abs(v))
        if ok:
            rows.append((coef, c, f))
    for lab, v, f in (fixed_labels if "==" in ops else ()):
        coef = np.zeros(n)
        coef[pos[lab]] = 1.0
        rows.append((coef, -v, f))
    return rows


def _consistent(rows) -> bool:
    if not rows:
        return True
    J = np.array([r[0] for r in rows])
    c = np.array([r[1] for r in rows])
    x = np.linalg.lstsq(J, -c, rcond=None)[0] if J.shape[1] else np.zeros(0)
    resid = J @ x + c if J.shape[1] else c
    return bool(np.max(np.abs(resid)) <= 1e-8 * (1 + np.max(np.abs(c))))


def _equality_conflicts(formulas) -> list[str]:
    """Equality constraints that no parameter values can satisfy together, named by line."""
    try:
        rows = _linear_rows(formulas)
        inequalities = _linear_rows(formulas, ("<", ">"))
    except ExpressionError:      # unreadable expressions are reported by the parameter table
        return []
    accepted, out = [], []
    for row in rows:
        if _consistent(accepted + [row]):
            accepted.append(row)
            continue
        partners = [a for a in accepted if _consistent([b for b in accepted if b is not a] + [row])]
        lines = [_where(a[2]) for a in partners] + [_where(row[2])]
        out.append("contradictory equality constraints (no parameter values satisfy them together): "
                   + "; ".join(dict.fromkeys(lines)))
    for coef, c, f in inequalities:
        if not np.any(coef) and ((f.op == "<" and c > 0) or (f.op == ">" and c < 0)):
            out.append(f"the constraint {f.lhs} {f.op} {f.rhs} ({_where(f)}) can never hold: "
                       f"its two sides differ by the constant {c:.6g}")
    return out


def memory_limit() -> int:
    """Bytes a fit may plan to use: half the machine's physical memory (8 GiB if unknown)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2)
    except (ValueError, OSError, AttributeError):
        return 8 * 2 ** 30


def _check_memory(p: int, nlat: int, q: int, k: list[int]) -> None:
    """Refuse a fit whose working arrays (derivatives of Sigma, k x p x p per group, and
    their products; the q x q information) would exceed :func:`memory_limit`."""
    m = p + nlat
    need = 8 * (4 * sum(kg * p * p for kg in k) + 3 * q * q + sum(kg * q for kg in k) + 4 * len(k) * m * m)
    limit = memory_limit()
    if need > limit:
        raise ModelSpecError(
            f"the model is too large to fit here: {p} observed and {nlat} latent variables with {q} free "
            f"parameters need about {need / 2 ** 30:.3g} GiB of working memory (derivatives of the implied "
            f"covariance matrix: {max(k)} x {p} x {p} numbers per group), more than the limit of "
            f"{limit / 2 ** 30:.3g} GiB (half the machine's memory); fit smaller parts of the model")


def check_spec(spec, ngroups: int | None = None) -> None:
    """Before allocating: identification by counting, working memory, impossible loops."""
    t = spec.columns
    G = int(ngroups or spec.ngroups)
    p, m = len(spec.ov_names), len(spec.ov_names) + len(spec.lv_names)
    nx = len(spec.ov_x)
    q = spec.npar_free
    n_eq = sum(1 for c in spec.constraints if c[1] == "==")
    moments = G * (p * (p + 1) // 2 + (p if spec.meanstructure else 0)
                   - nx * (nx + 1) // 2 - (nx if spec.meanstructure else 0))
    if q - n_eq > moments:
        raise ModelSpecError(f"the model has more free parameters ({q - n_eq}) than sample moments ({moments}): "
                             f"it is not identified ({p} observed and {m - p} latent variables, {G} group(s))")
    free = np.asarray(t["free"]) > 0
    grp = np.asarray(t["group"])
    _check_memory(p, m - p, q, [int((free & (grp == g + 1)).sum()) for g in range(G)])
    _check_loops(spec, t, G)


def _path_rows(t, group, names_set):
    ops, lhs, rhs, grp = t["op"], t["lhs"], t["rhs"], t["group"]
    for j in range(len(ops)):
        if grp[j] == group and ops[j] in ("=~", "~"):
            dep, pred = (rhs[j], lhs[j]) if ops[j] == "=~" else (lhs[j], rhs[j])
            if dep in names_set and pred in names_set:
                yield j


def _loop_message(spec, t, group, values, loop) -> str:
    rows = list(_path_rows(t, group, set(loop)))
    free = np.asarray(t["free"])
    shown = ", ".join(f"{t['lhs'][j]} {t['op'][j]} {t['rhs'][j]} "
                      f"({'fixed at' if free[j] == 0 else 'at'} {values[j]:.6g})" for j in rows)
    gname = f" in group {group}" if spec.ngroups > 1 else ""
    return (f"the paths {shown}{gname} form a loop among {', '.join(loop)} whose coefficients make "
            "(I - B) singular: each variable of the loop would be its own cause with an infinite total effect "
            "(1 / (1 - product of the loop's coefficients)), so the model implies no covariance matrix; "
            "free one of these paths or fix it to another value")


def _singular_loop(spec, t, group, values):
    """The names of the loop (strongly connected variables) that makes (I - A) singular at
    ``values``, or None."""
    lay = make_layout(t, group, spec.ov_names, spec.lv_names)
    A, _S, _M = _matrices(lay, values)
    ka = lay.kind == 0
    loops = find_loops(lay.m, lay.r[ka], lay.c[ka])
    if not loops or not np.isnan(paths_inverse(A)).any():
        return None
    if not np.isfinite(A).all():
        return None
    for comp in loops:          # (I - A) is singular iff one loop's diagonal block is
        if np.isnan(paths_inverse(A[np.ix_(comp, comp)])).any():
            return [lay.names[i] for i in comp]
    return [lay.names[i] for c in loops for i in c]


def _check_loops(spec, t, G) -> None:
    free = np.asarray(t["free"]) > 0
    ust = np.asarray(t["ustart"], dtype=float)
    rng = np.random.default_rng(0)
    for g in range(G):
        at_zero = np.where(free | ~np.isfinite(ust), 0.0, ust)
        loop = _singular_loop(spec, t, g + 1, at_zero)
        if loop is None:
            continue
        trial = at_zero.copy()
        trial[free] = rng.uniform(0.1, 0.9, int(free.sum()))
        if _singular_loop(spec, t, g + 1, trial) is not None:
            raise ModelSpecError(_loop_message(spec, t, g + 1, at_zero, loop))


def _fixed_block_problem(spec, t, group, latent: bool) -> str | None:
    names = spec.lv_names if latent else spec.ov_names
    pos = {n: i for i, n in enumerate(names)}
    n = len(names)
    S = np.zeros((n, n))
    known = np.zeros((n, n), bool)
    free = np.asarray(t["free"])
    ust = np.asarray(t["ustart"], dtype=float)
    for j in range(len(free)):
        if t["group"][j] == group and t["op"][j] == "~~" and t["lhs"][j] in pos and t["rhs"][j] in pos:
            if free[j] == 0 and np.isfinite(ust[j]):
                a, b = pos[t["lhs"][j]], pos[t["rhs"][j]]
                S[a, b] = S[b, a] = ust[j]
                known[a, b] = known[b, a] = True
    kind = "latent" if latent else "residual"
    for a in range(n):
        for b in range(a + 1, n):
            if known[a, b] and known[a, a] and known[b, b] and S[a, b] != 0:
                if S[a, a] <= 0 or S[b, b] <= 0 or S[a, b] ** 2 > S[a, a] * S[b, b]:
                    r = S[a, b] / np.sqrt(S[a, a] * S[b, b]) if S[a, a] > 0 and S[b, b] > 0 else np.nan
                    return (f"the fixed {kind} covariance {names[a]} ~~ {names[b]} = {S[a, b]:.6g} with variances "
                            f"{S[a, a]:.6g} and {S[b, b]:.6g} implies a correlation of {r:.6g}, outside [-1, 1]: "
                            f"the {kind} covariance matrix is not positive definite")
    return None


def check_start(fit, problem, spec, table) -> None:
    """After the optimiser: raise :class:`ModelSpecError` saying why when no start value gave
    a positive-definite model-implied covariance matrix (``fit.F`` not finite)."""
    if fit is not None and np.isfinite(fit.F):
        return
    t = table
    reasons = []
    from loyaltyscope.cbsem.estimate import row_values
    vals = row_values(problem, fit.theta) if fit is not None else np.asarray(t["ustart"], float)
    for g in range(len(problem.layouts)):
        loop = _singular_loop(spec, t, g + 1, vals)
        if loop is not None:
            reasons.append(_loop_message(spec, t, g + 1, vals, loop))
        for latent in (True, False):
            msg = _fixed_block_problem(spec, t, g + 1, latent)
            if msg:
                reasons.append(msg + (f" (group {g + 1})" if spec.ngroups > 1 else ""))
    if not reasons:
        reasons.append("the fixed values and start values give a model-implied covariance matrix that is not "
                       "positive definite (check fixed variances, covariances and loadings)")
    raise ModelSpecError("estimation failed: from every start value the model-implied covariance matrix "
                         "stayed not positive definite (no finite likelihood):\n  - " + "\n  - ".join(reasons))


def definition_warnings(spec, values_of, theta) -> list[str]:
    """One warning per defined parameter whose value at the estimates is not finite."""
    if not spec.definitions:
        return []
    vals = values_of(theta)
    out = []
    for name, expr in spec.definitions:
        why = expr.explain(vals)
        if why:
            out.append(f"defined parameter {name} := {expr.text} is not finite ({why}); it is reported as NaN")
    return out
