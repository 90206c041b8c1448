"""The parameter table: the single source of truth of a model.

One row per ``lhs op rhs`` (and group), with ``user`` (1 = written by the user, 0 = added
by default), ``free`` (0 = fixed, k > 0 = k-th free parameter after equality labels are
merged), ``ustart`` (fixed value or user start), ``label``, ``exo`` (fixed exogenous
covariate moments). Defaults follow ``lavaan::sem()`` / ``lavaan::cfa()`` (lavaan 0.6,
``lav_partable_flat``):

- first loading of every latent variable fixed to 1 (``auto.fix.first``), unless ``std_lv``,
  which fixes every latent (residual) variance to 1 instead (in the first group only when
  ``group_equal`` holds the loadings but not the latent variances, as lavaan);
- residual variances of observed and latent variables free (``auto.var``), except that of the
  only indicator of a latent variable, fixed to 0 (``auto.fix.single``);
- covariances among exogenous latent variables free (``auto.cov.lv.x``);
- covariances among pure dependent variables, observed or latent, free (``auto.cov.y``);
- composites ``f <~ x1 + x2`` (lavaan 0.6 semantics): f is a latent variable defined by free
  weights on its (fixed.x) parts, without disturbance (``f ~~ 0*f``); fix one weight or the
  scale of f some other way (as in lavaan, the model is not identified otherwise);
- observed exogenous covariates of regressions: variances, covariances (and means) fixed at
  their sample values (``fixed.x = TRUE``); with ``fixed_x=False`` their variances,
  covariances (and means) are free parameters;
- with a mean structure: observed intercepts free, latent means fixed to 0.

Several groups: the table is repeated per group; ``c(...)`` modifiers give one value per
group; a plain label means the same parameter in every group; ``group_equal`` ties the named
kinds of parameters across groups with labels ``.pN.`` (N = the row of the first group's
parameter) as lavaan does; ``group_partial`` exempts named parameters.

R equivalent: ``lavaan::lavaanify(model, ...)`` / ``parTable(fit)``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cached_property
from itertools import combinations

import numpy as np
import pandas as pd

from loyaltyscope.cbsem.expressions import Expression
from loyaltyscope.cbsem.syntax import Formula, ModelSyntaxError

__all__ = ["ModelSpec", "build_partable", "GROUP_EQUAL_KINDS", "ModelSpecError"]

GROUP_EQUAL_KINDS = ("loadings", "intercepts", "means", "thresholds", "regressions", "residuals",
                     "residual.covariances", "lv.variances", "lv.covariances")


class ModelSpecError(ValueError):
    """A model that parses but cannot be built: unknown variables, bad labels, bad options."""


@dataclass(frozen=True)
class ModelSpec:
    """Parameter table plus the variable bookkeeping the estimator needs.

    Attributes
    ----------
    table : DataFrame with columns id, lhs, op, rhs, user, group, free, ustart, label, exo,
        plabel. ``free`` numbers free parameters 1..npar; equal labels share a number.
    ov_names : observed variables in model order (rows/columns of Sigma).
    lv_names : latent variables.
    ov_x : observed exogenous covariates handled as fixed (``fixed.x``).
    ngroups, meanstructure, std_lv : as used.
    definitions : list of (name, Expression) for ``:=``.
    constraints : list of (lhs Expression, op, rhs Expression) for ``==``, ``<``, ``>``.
    """

    table: pd.DataFrame
    ov_names: tuple[str, ...]
    lv_names: tuple[str, ...]
    ov_x: tuple[str, ...]
    ordered: tuple[str, ...]
    ngroups: int
    meanstructure: bool
    std_lv: bool
    definitions: tuple
    constraints: tuple
    ov_x_free: tuple[str, ...] = ()   # exogenous covariates with free moments (fixed_x=False)

    @cached_property
    def columns(self) -> dict[str, np.ndarray]:
        """The table as numpy columns (what the estimator works on; copy before changing)."""
        return {c: self.table[c].to_numpy() for c in self.table.columns}

    @property
    def npar_free(self) -> int:
        return int(self.table["free"].max()) if len(self.table) else 0


def _unique(seq):
    out = []
    for s in seq:
        if s not in out:
            out.append(s)
    return out


def _variable_sets(formulas: list[Formula]):
    meas = [f for f in formulas if f.op in ("=~", "<~", "~", "~~", "~1", "|")]
    lv = _unique(f.lhs for f in meas if f.op in ("=~", "<~"))
    v_ind = _unique(f.rhs for f in meas if f.op == "=~")
    eqs_y = _unique(f.lhs for f in meas if f.op in ("~", "<~"))      # a composite is a function of its parts
    eqs_x = _unique(f.rhs for f in meas if f.op in ("~", "<~"))
    ov_ind = [v for v in v_ind if v not in lv]
    ov_y = [v for v in eqs_y if v not in lv and v not in ov_ind]
    ov_x = [v for v in eqs_x if v not in lv and v not in ov_ind and v not in ov_y]
    extra = _unique([f.lhs for f in meas if f.op in ("~~", "~1", "|") and f.lhs not in lv]
                    + [f.rhs for f in meas if f.op == "~~" and f.rhs not in lv])
    base = _unique(ov_ind + ov_y + ov_x)
    ov = base + [v for v in extra if v not in base]
    lv_x = [v for v in lv if v not in v_ind and v not in eqs_y]
    lv_y = [v for v in lv if v in eqs_y and v not in v_ind and v not in eqs_x]
    ov_y_pure = [v for v in ov if v in eqs_y and v not in v_ind and v not in eqs_x and v not in lv]
    return lv, ov, ov_ind, ov_x, lv_x, lv_y, ov_y_pure


def _group_value(values, g: int, ngroups: int, what: str, f: Formula):
    if values is None:
        return None
    if len(values) == 1:
        return values[0]
    if len(values) != ngroups:
        raise ModelSyntaxError(
            f"{what} c(...) has {len(values)} values but the data have {ngroups} group(s) "
            f"({f.lhs} {f.op} {f.rhs})", f.line, 1)
    return values[g]


def build_partable(formulas: list[Formula], *, data_columns=None, ngroups: int = 1,
                   std_lv: bool = False, meanstructure: bool = False, fixed_x: bool = True,
                   group_equal=(), group_partial=(), ordered=(), orthogonal: bool = False,
                   int_free: tuple[bool, bool] = (True, False)) -> ModelSpec:
    """Build the lavaan-style parameter table from parsed formulas (see module docstring).
    ``orthogonal``: the covariances among latent variables that the table adds by default are
    fixed to 0 (lavaan's ``orthogonal = TRUE`` in ``lav_partable_flat``: rows with ``user == 0``
    only; a covariance written in the model stays as written). ``int_free``: lavaan's
    (``int.ov.free``, ``int.lv.free``) for the intercepts and means the table adds by default."""
    lv, ov, ov_ind, ov_x, lv_x, lv_y, ov_y = _variable_sets(formulas)
    ordered = tuple(v for v in ov if v in set(ordered or ()))
    user_var_names = set()
    for f in formulas:
        if f.op in ("~~", "~1") and f.lhs in ov_x:
            user_var_names.add(f.lhs)
        if f.op == "~~" and f.rhs in ov_x:
            user_var_names.add(f.rhs)
    free_x = []                 # fixed_x=False: exogenous covariates with free (co)variances
    if not fixed_x:
        free_x = [v for v in ov_x if v not in set(ordered)]
        ov_x = []
    else:
        ov_x = [v for v in ov_x if v not in user_var_names]
    ov_x = [v for v in ov_x if v not in ordered]

    _check_self_indicators(formulas)
    if data_columns is not None:
        cols = [str(c) for c in data_columns]
        missing = [v for v in ov if v not in cols]
        if missing:
            msgs = []
            regressed = {f.lhs for f in formulas if f.op == "~"}
            for v in missing:
                close = difflib.get_close_matches(v, cols, n=3, cutoff=0.5)
                hint = f" (close: {', '.join(close)})" if close else ""
                if v in regressed:
                    preds = [f.rhs for f in formulas if f.op == "~" and f.lhs == v]
                    if preds and all(p in cols for p in preds):
                        hint += (f" — did you mean `{v} =~ {' + '.join(preds)}`? `~` regresses {v!r} on "
                                 f"them and needs {v!r} in the data; `=~` defines a latent variable "
                                 "measured by them")
                msgs.append(f"{v!r}{hint}")
            raise ModelSpecError(
                "observed variable(s) not found in the data: " + "; ".join(msgs)
                + f". Data columns: {', '.join(cols[:30])}{' ...' if len(cols) > 30 else ''}")
    bad_order = [v for v in (ordered or ()) if v in lv]
    if bad_order:
        raise ModelSpecError(f"latent variables cannot be ordered: {bad_order}")
    unknown_kinds = [k for k in group_equal if k not in GROUP_EQUAL_KINDS]
    if unknown_kinds:
        raise ModelSpecError(f"unknown group_equal kind(s) {unknown_kinds}; expected any of "
                             f"{', '.join(GROUP_EQUAL_KINDS)}")

    ov_nox = [v for v in ov if v not in ov_x]
    user = [f for f in formulas if f.op in ("=~", "<~", "~", "~~", "~1", "|")]
    composites = {f.lhs for f in user if f.op == "<~"}

    # the user part, de-duplicated (symmetric ~~ counted once)
    seen, user_rows = set(), []
    for f in user:
        key = (f.lhs, f.op, f.rhs)
        if f.op == "~~" and (f.rhs, f.op, f.lhs) in seen:
            key = (f.rhs, f.op, f.lhs)
        if key in seen:
            continue
        seen.add(key)
        user_rows.append(f)

    defaults: list[tuple[str, str, str]] = []
    for v in ov_nox + lv:
        defaults.append((v, "~~", v))
    for a, b in combinations(lv_x, 2):
        defaults.append((a, "~~", b))
    for a, b in combinations(lv_y + ov_y, 2):
        defaults.append((a, "~~", b))
    for i, a in enumerate(ov_x):
        for b in ov_x[i:]:
            defaults.append((a, "~~", b))
    for a, b in combinations(free_x, 2):
        defaults.append((a, "~~", b))
    if meanstructure:
        for v in ov + lv:
            defaults.append((v, "~1", ""))

    def _present(key):
        lhs, op, rhs = key
        return key in seen or (op == "~~" and (rhs, op, lhs) in seen)

    defaults = [d for d in defaults if not _present(d)]
    single = _single_indicators(user_rows, ordered)
    rows = []
    first_seen: set[str] = set()
    for g in range(ngroups):
        for f in user_rows:
            mod = f.modifier
            fixed = _group_value(mod.fixed, g, ngroups, "fixed value", f)
            label = _group_value(mod.label, g, ngroups, "label", f)
            start = _group_value(mod.start, g, ngroups, "start value", f)
            row = dict(lhs=f.lhs, op=f.op, rhs=f.rhs, user=1, group=g + 1, free=1,
                       ustart=np.nan, label=label or "", exo=0)
            if f.op == "=~" and not std_lv and (f.lhs, g) not in first_seen:
                row.update(free=0, ustart=1.0)
            if f.op == "=~":
                first_seen.add((f.lhs, g))
            if mod.fixed is not None:
                if fixed is None:  # NA*x: free
                    row.update(free=1, ustart=np.nan)
                else:
                    row.update(free=0, ustart=float(fixed))
            if start is not None and row["free"]:
                row["ustart"] = float(start)
            if f.op == "~1" and f.lhs in ov_x:
                row.update(free=0, exo=1)
            rows.append(row)
        for lhs, op, rhs in defaults:
            rows.append(_default_row(lhs, op, rhs, g, lv=lv, ov_x=ov_x, ordered=ordered, composites=composites,
                                     single=single, std_lv=std_lv, group_equal=group_equal, orthogonal=orthogonal,
                                     int_free=int_free))
    cols = ["lhs", "op", "rhs", "user", "group", "free", "ustart", "label", "exo"]
    table = pd.DataFrame({c: pd.array([r[c] for r in rows], dtype=object) if c in ("lhs", "op", "rhs", "label")
                          else np.array([r[c] for r in rows]) for c in cols})
    table.insert(0, "id", np.arange(1, len(table) + 1))

    _apply_group_equal(table, lv, ov, ngroups, group_equal, group_partial)
    definitions, constraints = _definitions_and_constraints(formulas, table)
    _number_free(table)
    return ModelSpec(table=table, ov_names=tuple(ov), lv_names=tuple(lv), ov_x=tuple(ov_x),
                     ordered=tuple(ordered), ngroups=ngroups, meanstructure=meanstructure,
                     std_lv=std_lv, definitions=tuple(definitions), constraints=tuple(constraints),
                     ov_x_free=tuple(free_x))


def _default_row(lhs, op, rhs, g, *, lv, ov_x, ordered, composites, single, std_lv, group_equal, orthogonal,
                 int_free) -> dict:
    """One row the table adds by default (``user = 0``) in group ``g`` (0-based), with lavaan's
    rules for what is fixed: composites' disturbances, auto.fix.single, std.lv, orthogonal,
    fixed.x covariates, latent means (free after group 1 with equal intercepts, or everywhere
    with int.lv.free), observed intercepts (fixed to 0 without int.ov.free, and for ordinal
    items)."""
    row = dict(lhs=lhs, op=op, rhs=rhs, user=0, group=g + 1, free=1, ustart=np.nan, label="", exo=0)
    if op == "~~" and lhs == rhs and lhs in composites:
        row.update(free=0, ustart=0.0)   # lavaan 0.6: a composite has no disturbance (f ~~ 0*f)
    elif op == "~~" and lhs == rhs and lhs in single:
        row.update(free=0, ustart=0.0)   # auto.fix.single: the only indicator of a factor
    elif op == "~~" and lhs == rhs and lhs in lv and std_lv and not (
            g > 0 and "loadings" in group_equal and "lv.variances" not in group_equal):
        row.update(free=0, ustart=1.0)   # lavaan frees them after group 1 when loadings are equal
    elif op == "~~" and lhs != rhs and orthogonal and lhs in lv and rhs in lv:
        row.update(free=0, ustart=0.0)   # orthogonal = TRUE
    if lhs in ov_x or rhs in ov_x:
        row.update(free=0, exo=1)
    if op == "~1" and lhs in lv:
        free_mean = int_free[1] or (g > 0 and "intercepts" in group_equal and "means" not in group_equal)
        row.update(free=1 if free_mean else 0, ustart=np.nan if free_mean else 0.0)
    elif op == "~1" and (lhs in ordered or (not int_free[0] and lhs not in ov_x)):
        row.update(free=0, ustart=0.0)
    return row


def _single_indicators(user_rows, ordered) -> set[str]:
    """Indicators whose default residual variance is fixed to 0 (lavaan's ``auto.fix.single``,
    ``lav_partable_flat``): the only indicator of a latent variable that indicates no other
    one. A residual variance the user writes is left as written; ordered indicators keep the
    fixed residual variance of their parameterization (lavaan's ordered rule comes later)."""
    loadings = [(f.lhs, f.rhs) for f in user_rows if f.op == "=~" and f.lhs != f.rhs]
    per_factor: dict[str, int] = {}
    per_indicator: dict[str, int] = {}
    for lhs, rhs in loadings:
        per_factor[lhs] = per_factor.get(lhs, 0) + 1
        per_indicator[rhs] = per_indicator.get(rhs, 0) + 1
    return {rhs for lhs, rhs in loadings
            if per_factor[lhs] == 1 and per_indicator[rhs] == 1 and rhs not in set(ordered)}


def self_indicator_message(name: str, where: str) -> str:
    """The one message for ``x1 =~ x1 + x2`` (lavaan: "latent variable `x1' can not be measured
    by itself"), used here and by :func:`loyaltyscope.cbsem.model_checks.check_formulas`."""
    return (f"latent variable {name!r} cannot be measured by itself ({where}): it is both a latent variable "
            "and one of its own indicators; give the latent variable its own name (e.g. `F1 =~ x1 + x2 + x3`; "
            "`=~` reads 'is measured by')")


def _check_self_indicators(formulas):
    """``x1 =~ x1 + x2``: a variable cannot measure itself; say so, with the line."""
    bad = [f for f in formulas if f.op == "=~" and f.lhs == f.rhs]
    if bad:
        raise ModelSpecError("the model cannot be used:\n  - " + "\n  - ".join(
            self_indicator_message(f.lhs, f"line {f.line}: {f.lhs} =~ ... + {f.rhs}") for f in bad))


def _kind(lhs, op, rhs, lv, ov):
    if op == "=~":
        return "loadings"
    if op == "|":
        return "thresholds"
    if op == "~":
        return "regressions"
    if op == "<~":
        return "composites"
    if op == "~1":
        return "means" if lhs in lv else "intercepts"
    if op == "~~":
        if lhs in lv and rhs in lv:
            return "lv.variances" if lhs == rhs else "lv.covariances"
        return "residuals" if lhs == rhs else "residual.covariances"
    return ""


def _normalise_partial(items) -> set[tuple[str, str, str]]:
    out = set()
    for it in items or ():
        txt = it.replace(" ", "")
        for op in ("=~", "~~", "~1", "~", "|"):
            if op in txt:
                lhs, rhs = txt.split(op, 1)
                out.add((lhs, op, rhs))
                if op == "~~":
                    out.add((rhs, op, lhs))
                break
        else:
            raise ModelSpecError(f"group_partial entry {it!r} is not of the form 'lhs op rhs'")
    return out


def _apply_group_equal(table, lv, ov, ngroups, group_equal, group_partial):
    if ngroups < 2 or not group_equal:
        return
    partial = _normalise_partial(group_partial)
    g1 = table[table["group"] == 1]
    for idx, row in g1.iterrows():
        key = (row["lhs"], row["op"], row["rhs"])
        if _kind(*key, lv, ov) not in group_equal or key in partial:
            continue
        if row["free"] == 0 or row["exo"] == 1:
            continue
        label = row["label"] or f".p{row['id']}."
        same = (table["lhs"] == row["lhs"]) & (table["op"] == row["op"]) & (table["rhs"] == row["rhs"])
        for g in range(1, ngroups + 1):
            m = same & (table["group"] == g)
            if m.any() and table.loc[m, "free"].iloc[0] and not (g > 1 and table.loc[m, "label"].iloc[0]):
                table.loc[m, "label"] = label


def _definitions_and_constraints(formulas, table):
    labels = {lab for lab in table["label"].to_numpy() if lab}
    definitions, constraints = [], []
    for f in formulas:
        if f.op == ":=":
            expr = Expression.parse(f.rhs)
            unknown = [n for n in expr.names if n not in labels and n not in {d[0] for d in definitions}]
            if unknown:
                raise ModelSpecError(
                    f"line {f.line}: defined parameter {f.lhs!r} uses unknown label(s) {unknown}; "
                    f"labels in the model: {sorted(labels) or 'none'}")
            definitions.append((f.lhs, expr))
        elif f.op in ("==", "<", ">"):
            lhs, rhs = Expression.parse(f.lhs), Expression.parse(f.rhs)
            unknown = [n for n in lhs.names + rhs.names
                       if n not in labels and n not in {d[0] for d in definitions}]
            if unknown:
                raise ModelSpecError(f"line {f.line}: constraint uses unknown label(s) {unknown}")
            constraints.append((lhs, f.op, rhs))
    return definitions, constraints


def number_free_rows(free, labels) -> np.ndarray:
    """Number free rows 1..k in table order; rows sharing a label share one number. A label
    given to both a fixed and a free row is an error."""
    free = np.asarray(free)
    out = np.zeros(len(free), dtype=int)
    by_label: dict[str, int] = {}
    k = 0
    for i in np.flatnonzero(free):
        lab = labels[i]
        if lab and lab in by_label:
            out[i] = by_label[lab]
            continue
        k += 1
        out[i] = k
        if lab:
            by_label[lab] = k
    fixed_labels = {labels[i] for i in np.flatnonzero(free == 0) if labels[i]}
    clash = sorted(lab for lab in fixed_labels if lab in by_label)
    if clash:
        raise ModelSpecError(f"label(s) {clash} are given to both a fixed and a free parameter")
    return out


def _fix_labels_of_fixed(table) -> None:
    """A label shared with a fixed row fixes every row carrying it at that value (lavaan's
    ``lavaanify``: ``textual =~ a*x4 + a*x5`` with x4's loading fixed to 1 by auto.fix.first
    fixes x5's to 1 too). lavaan warns and keeps the first value when the fixed rows disagree;
    that contradiction is an error here."""
    labels = table["label"].to_numpy()
    free = table["free"].to_numpy()
    ustart = table["ustart"].to_numpy(dtype=float)
    for lab in {lab for lab, f in zip(labels, free) if lab and f == 0}:
        rows = np.flatnonzero(labels == lab)
        fixed = rows[free[rows] == 0]
        values = np.unique(ustart[fixed])
        if len(values) > 1:
            raise ModelSpecError(f"label {lab!r} ties parameters fixed at different values "
                                 f"({', '.join(f'{v:g}' for v in values)}); fix them at one value or use other labels")
        table.loc[table.index[rows], "free"] = 0
        table.loc[table.index[rows], "ustart"] = ustart[fixed[0]]


def _number_free(table):
    """Number free parameters 1..k; rows with the same label share one number."""
    _fix_labels_of_fixed(table)
    table["free"] = number_free_rows(table["free"].to_numpy(), table["label"].to_numpy())
