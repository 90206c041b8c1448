"""Direct tests of the parameter table (loyaltyscope/cbsem/partable.py) against lavaan's own
tables: ``parTable(sem(model, data, do.fit = FALSE, ...))`` from lavaan 0.6-14, written by
``tests/reference/partable/generate_partable.R`` into ``lavaanify.json``.

Compared exactly, row by row: which rows the defaults add (auto.fix.first / std.lv, auto.var,
auto.cov.lv.x, auto.cov.y, fixed.x, intercepts and latent means), which are free, fixed values,
``exo``, user labels, and which free rows are one parameter (lavaan: ``==`` rows between
plabels, as group.equal and shared labels write them; ours: a shared ``free`` number).
"""

from __future__ import annotations

import math

import pytest

from loyaltyscope.cbsem.partable import ModelSpecError, build_partable
from loyaltyscope.cbsem.syntax import parse_model
from reference import load_case_set, tol

LAVAAN = load_case_set("partable/lavaanify")
PARAM_OPS = ("=~", "~", "~~", "~1")


def test_lavaanify_cases_present():
    assert len(LAVAAN) >= 10


def _key(lhs, op, rhs, group):
    if op == "~~":
        lhs, rhs = sorted((lhs, rhs))
    return (lhs, op, rhs, int(group))


def _ours(case):
    opts = case["options"]
    ge = opts.get("group.equal", [])
    gp = opts.get("group.partial", [])
    spec = build_partable(parse_model(case["model"]), ngroups=case["ngroups"], std_lv=bool(opts.get("std.lv")),
                          meanstructure=case["meanstructure"], fixed_x=opts.get("fixed.x", True),
                          group_equal=tuple([ge] if isinstance(ge, str) else ge),
                          group_partial=tuple([gp] if isinstance(gp, str) else gp))
    return spec.table


def _lavaan_classes(rows):
    """Free rows that are one parameter: union of rows joined by lavaan's ``==`` rows."""
    by_plabel = {r["plabel"]: _key(r["lhs"], r["op"], r["rhs"], r["group"]) for r in rows if r["op"] in PARAM_OPS}
    parent = {k: k for k in by_plabel.values()}

    def find(k):
        while parent[k] != k:
            k = parent[k]
        return k

    for r in rows:
        if r["op"] == "==":
            a, b = find(by_plabel[r["lhs"]]), find(by_plabel[r["rhs"]])
            parent[b] = a
    free = [_key(r["lhs"], r["op"], r["rhs"], r["group"]) for r in rows if r["op"] in PARAM_OPS and r["free"] > 0]
    classes: dict = {}
    for k in free:
        classes.setdefault(find(k), set()).add(k)
    return {frozenset(c) for c in classes.values()}


# Known differences from lavaan's tables (none: fixed_x=False now frees the exogenous covariances)
KNOWN: dict = {}


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.xfail(reason=KNOWN[n], strict=True))
                                  if n in KNOWN else n for n in LAVAAN])
def test_partable_equals_lavaan(name):
    case = LAVAAN[name]
    ref = {_key(r["lhs"], r["op"], r["rhs"], r["group"]): r for r in case["table"] if r["op"] in PARAM_OPS}
    tab = _ours(case)
    ours = {_key(r.lhs, r.op, r.rhs, r.group): r for r in tab.itertuples()}
    assert sorted(set(ref) - set(ours)) == [], "rows lavaan has and we do not"
    assert sorted(set(ours) - set(ref)) == [], "rows we add and lavaan does not"
    errors = []
    for k, r in ref.items():
        o = ours[k]
        if bool(o.free) != (r["free"] > 0):
            errors.append(f"{k}: free {o.free} vs lavaan {r['free']}")
        if int(o.user) != int(r["user"]):
            errors.append(f"{k}: user {o.user} vs lavaan {r['user']}")
        if int(o.exo) != int(r["exo"]):
            errors.append(f"{k}: exo {o.exo} vs lavaan {r['exo']}")
        if r["free"] == 0 and not r["exo"]:
            u = r["ustart"]
            if u is None or (isinstance(u, float) and math.isnan(u)):
                errors.append(f"{k}: lavaan fixed row without a value")
            elif not (o.ustart == pytest.approx(u, abs=tol(LAVAAN, "ustart"))):
                errors.append(f"{k}: fixed value {o.ustart} vs lavaan {u}")
        if r["label"] and not r["label"].startswith(".p") and o.label != r["label"]:
            errors.append(f"{k}: label {o.label!r} vs lavaan {r['label']!r}")
    ours_classes = {frozenset(k for k, o in ours.items() if o.free == n) for n in set(tab["free"]) if n > 0}
    only_ours = ours_classes - _lavaan_classes(case["table"])
    if only_ours:
        errors.append(f"equality classes differ: ours only {sorted(map(sorted, only_ours))}")
    assert not errors, "\n".join(errors)


def test_free_numbers_are_one_to_npar():
    case = LAVAAN["hs_group_scalar"]
    nums = sorted(set(_ours(case)["free"]) - {0})
    assert nums == list(range(1, len(nums) + 1))
    # npar = lavaan's free rows minus its equality constraints
    rows = case["table"]
    assert len(nums) == sum(r["free"] > 0 for r in rows) - sum(r["op"] == "==" for r in rows)


def test_unknown_group_equal_kind_is_an_error():
    with pytest.raises(ModelSpecError, match="group_equal"):
        build_partable(parse_model("f =~ x1 + x2 + x3"), ngroups=2, group_equal=("loading",))


def test_missing_observed_variable_is_named():
    with pytest.raises(ModelSpecError, match="x7.*close"):
        build_partable(parse_model("f =~ x1 + x2 + x7"), data_columns=["x1", "x2", "x3", "x17"])


def _variance_row(spec, name):
    t = spec.table
    return t[(t.lhs == name) & (t.op == "~~") & (t.rhs == name)].iloc[0]


def test_auto_fix_single_fixes_only_the_sole_indicator_of_one_factor():
    """lavaan's auto.fix.single: x7 (only indicator of speed) gets a residual variance fixed to
    0; x9 indicates two factors and stays free; a variance the user writes is left as written;
    an ordered sole indicator keeps the ordinal rule."""
    spec = build_partable(parse_model("visual =~ x1 + x2 + x3 + x9\nspeed =~ x7\ng =~ x9\nh =~ x4\nx4 ~~ x4\n"
                                      "o =~ x5"), ordered=["x5"])
    x7, x9, x4, x5 = (_variance_row(spec, v) for v in ("x7", "x9", "x4", "x5"))
    assert (x7["free"], x7["ustart"], x7["user"]) == (0, 0.0, 0)
    assert x9["free"] > 0
    assert x4["free"] > 0 and x4["user"] == 1
    assert not (x5["free"] == 0 and x5["ustart"] == 0.0)


def test_label_shared_with_a_fixed_parameter_fixes_them_all():
    """lavaanify: ``textual =~ a*x4 + a*x5`` with x4 fixed to 1 (auto.fix.first) fixes x5 at 1."""
    spec = build_partable(parse_model("textual =~ a*x4 + a*x5 + x6"))
    t = spec.table
    load = t[t.op == "=~"].set_index("rhs")
    assert list(load.loc[["x4", "x5"], "free"]) == [0, 0] and list(load.loc[["x4", "x5"], "ustart"]) == [1.0, 1.0]
    assert load.loc["x6", "free"] > 0
