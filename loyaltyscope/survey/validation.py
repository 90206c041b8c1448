"""Validating a raw table against an instrument, stage by stage, into one problem log.

:func:`validate_table` runs the stages of :func:`~loyaltyscope.survey.responses.read_responses`
in order, each a named function writing into the same :class:`ProblemLog`:

1. :func:`match_columns` — items, attention checks, id, weight and duration columns; missing,
   duplicate and unexpected columns;
2. :func:`respondent_ids` — the id of every row (or its source row number);
3. :func:`rows_without_content` — empty rows, rows without an id, the reader's row notes;
4. :func:`validate_answers` — every item and check value against its scale (declared missing
   codes from the instrument, the call and SPSS user-missing values);
5. :func:`duplicate_rows` — exact copies, repeated ids with the same or other answers;
6. :func:`survey_weights` — weights that are not positive finite numbers;
7. :func:`assemble` — kept rows, the exclusion log and the problems table.

Every stage is vectorised: text answers are interpreted once per distinct value, numeric
columns checked with NumPy masks, and rows looked at one by one only where they fail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np
import pandas as pd

from loyaltyscope.survey.answer_checks import (NONNUM, NUMBER, STATUS_NAME, UNKNOWN, ScaleCheck, check_column,
                                               fmt_code, parse_missing_codes, value_label_recode)
from loyaltyscope.survey.columns import RawTable, arrow_pool
from loyaltyscope.survey.files import QUALTRICS_METADATA
from loyaltyscope.survey.instrument import Instrument, normalize_label
from loyaltyscope.survey.problem_log import EXCLUDED_COLUMNS, ProblemLog

__all__ = ["validate_table", "ColumnMap", "norm_name", "ID_CANDIDATES"]

ID_CANDIDATES = ("responseid", "respondent_id", "respondentid", "respondent", "response_id",
                 "participant_id", "participant", "case_id", "caseid", "record_id", "_recordid", "id", "uuid")

# why a row is excluded (0: kept)
EMPTY, NOID, EXACT, DUPID, COLLIDE, NOANSWER = 1, 2, 3, 4, 5, 6
_REASON = {EMPTY: "empty row", NOID: "missing id",
           NOANSWER: "no item answered: every item blank, a missing code or invalid"}


def norm_name(s: str) -> str:
    import unicodedata

    return "".join(unicodedata.normalize("NFKC", str(s)).casefold().split())


# --------------------------------------------------------------------------- 1. columns


@dataclass
class ColumnMap:
    """Which source column (position) plays which part."""

    names: list
    item_pos: dict = field(default_factory=dict)
    check_pos: dict = field(default_factory=dict)
    id_pos: int | None = None
    w_pos: int | None = None
    d_pos: int | None = None
    other_pos: list = field(default_factory=list)
    used: dict = field(default_factory=dict)
    by_norm: dict = field(default_factory=dict)
    dup_of: dict = field(default_factory=dict)
    exact: dict = field(default_factory=dict)

    def find(self, name: str) -> int | None:
        j = self.exact.get(name)
        return self.by_norm.get(norm_name(name)) if j is None else j


def _index_names(names: list[str]) -> ColumnMap:
    cm = ColumnMap(names=names)
    for j, nm in enumerate(names):
        cm.exact.setdefault(nm, j)
        key = norm_name(nm)
        if key and key in cm.by_norm:
            cm.dup_of[j] = cm.by_norm[key]
        else:
            cm.by_norm.setdefault(key, j)
    return cm


def _no_item_found(inst: Instrument, names: list[str], label: str):
    from loyaltyscope.survey.responses import ValidationError
    from loyaltyscope.survey.problem_log import PROBLEM_COLUMNS

    problems = pd.DataFrame([{"row": pd.NA, "respondent": None, "column": iid, "value": "",
                              "problem": "missing column", "expected": f"an item of {inst.name}",
                              "action": "none"} for iid in inst.item_ids], columns=PROBLEM_COLUMNS)
    return ValidationError(
        f"{label}: none of the {len(inst.item_ids)} items of instrument {inst.name!r} "
        f"({', '.join(inst.item_ids[:8])}{', ...' if len(inst.item_ids) > 8 else ''}) is a column of the source; "
        f"its columns are: {', '.join(map(repr, names[:20]))}{', ...' if len(names) > 20 else ''}. "
        "Wrong instrument or file? (columns= renames source columns)", problems, label)


def _role_columns(cm: ColumnMap, label: str, info: dict, id_column, weight_column, duration_column,
                  other_columns) -> None:
    """The id, weight, duration and declared other columns."""
    names = cm.names
    if id_column is not None:
        cm.id_pos = cm.find(id_column)
        if cm.id_pos is None:
            raise ValueError(f"{label}: id_column {id_column!r} is not a column of the source "
                             f"(columns: {', '.join(map(repr, names[:30]))})")
        if cm.used.get(cm.id_pos):
            raise ValueError(f"{label}: id_column {id_column!r} is an item of the instrument")
    else:
        for cand in ID_CANDIDATES:
            j = cm.by_norm.get(cand)
            if j is not None and j not in cm.used:
                cm.id_pos = j
                info["id_column_detected"] = names[j]
                break
    if cm.id_pos is not None:
        cm.used[cm.id_pos] = "id"
    if weight_column is not None:
        cm.w_pos = cm.find(weight_column)
        if cm.w_pos is None:
            raise ValueError(f"{label}: weight_column {weight_column!r} is not a column of the source")
        cm.used[cm.w_pos] = "weight"
    if duration_column is not None:
        cm.d_pos = cm.find(duration_column)
        if cm.d_pos is None:
            raise ValueError(f"{label}: duration_column {duration_column!r} is not a column of the source")
    else:
        cm.d_pos = cm.by_norm.get(norm_name("Duration (in seconds)"))
    if cm.d_pos is not None:
        cm.used.setdefault(cm.d_pos, "duration")
    for oc in other_columns:
        j = cm.find(oc)
        if j is not None:
            cm.used.setdefault(j, "other")


def _log_column_problems(cm: ColumnMap, raw: RawTable, inst: Instrument, info: dict, log: ProblemLog) -> None:
    for iid, j in cm.item_pos.items():
        if j is None:
            log.add_column(iid, "", "missing column", f"a column {iid!r} ({inst.scale_of(iid).describe()})",
                           "item set to missing for every respondent")
    for cid, j in cm.check_pos.items():
        if j is None:
            log.add_column(cid, "", "missing column", f"attention-check column {cid!r}", "attention check not available")
    empty_unnamed = 0
    qualtrics = bool(info.get("qualtrics"))
    for j, nm in enumerate(cm.names):
        role = cm.used.get(j)
        if j in cm.dup_of and role is None:
            log.add_column(nm, "", "duplicate column", "column names that differ (ignoring case and spaces)",
                           f"ignored; source column {cm.dup_of[j] + 1} of the same name is used")
            continue
        if role is not None and role not in ("duration", "other"):
            continue
        if not nm and raw.n_rows and raw.columns[j].null_mask().all():
            empty_unnamed += 1
            continue
        cm.other_pos.append(j)
        if role in ("duration", "other") or (qualtrics and nm.casefold() in QUALTRICS_METADATA):
            continue
        log.add_column(nm if nm else f"(unnamed column {j + 1})", "", "unexpected column",
                       f"an item of {inst.name}, the id, weight or duration column, or one listed in other_columns",
                       "kept in .other, not checked")
    if empty_unnamed:
        info["empty_unnamed_columns_ignored"] = empty_unnamed


def match_columns(raw: RawTable, inst: Instrument, label: str, info: dict, log: ProblemLog, *, columns,
                  id_column, weight_column, duration_column, other_columns) -> ColumnMap:
    """Stage 1: find every item, check and role column (exactly, else ignoring case, width and
    spaces) and log missing, duplicate and unexpected columns."""
    if columns:
        unknown = [k for k in columns if k not in raw.names]
        if unknown:
            raise ValueError(f"{label}: columns= renames {unknown}, which are not columns of the source "
                             f"(columns: {raw.names[:30]})")
    names = [columns.get(nm, nm) if columns else nm for nm in raw.names]
    cm = _index_names(names)
    for ids, pos, role in ((inst.item_ids, cm.item_pos, "item"), (inst.check_ids, cm.check_pos, "check")):
        for iid in ids:
            pos[iid] = j = cm.find(iid)
            if j is not None:
                cm.used[j] = role
    if not any(j is not None for j in cm.item_pos.values()):
        raise _no_item_found(inst, names, label)
    _role_columns(cm, label, info, id_column, weight_column, duration_column, other_columns)
    _log_column_problems(cm, raw, inst, info, log)
    return cm


# --------------------------------------------------------------------------- 2-3. ids and rows


def respondent_ids(raw: RawTable, cm: ColumnMap) -> tuple[np.ndarray, np.ndarray, str]:
    """Stage 2: (id per row — integers when every id is a whole number —, id missing, the id
    column's name); without an id column the source row numbers."""
    n = raw.n_rows
    if cm.id_pos is None:
        return raw.rows.copy(), np.zeros(n, dtype=bool), "row"
    idcol = raw.columns[cm.id_pos]
    id_missing = idcol.null_mask().copy()
    if idcol.is_text:
        objs = idcol.as_objects()
        as_num = pd.to_numeric(pd.Series(objs, dtype=object), errors="coerce").to_numpy(dtype=np.float64)
        ok = ~id_missing
        if ok.any() and np.all(np.isfinite(as_num[ok])) and np.all(np.mod(as_num[ok], 1) == 0) \
                and np.all(np.abs(as_num[ok]) < 2 ** 53):
            ids = np.where(ok, as_num, -1).astype(np.int64)
        else:
            ids = np.array([None if x is None else str(x) for x in objs], dtype=object)
    else:
        v = idcol.values
        if v.dtype.kind == "f":
            ok = ~np.isnan(v)
            if np.all(np.isfinite(v[ok])) and np.all(np.mod(v[ok], 1) == 0) and np.all(np.abs(v[ok]) < 2 ** 53):
                ids = np.where(ok, v, -1).astype(np.int64)
            else:
                ids = v.astype(object)
        else:
            ids = v
    return ids, id_missing, cm.names[cm.id_pos]


def rows_without_content(raw: RawTable, id_missing: np.ndarray, id_name: str, reason: np.ndarray,
                         log: ProblemLog) -> np.ndarray:
    """Stage 3: exclude empty rows and rows without an id; log the reader's row notes.
    Returns the empty-row mask."""
    all_null = np.ones(raw.n_rows, dtype=bool)
    for col in raw.columns:
        if not all_null.any():
            break
        all_null &= col.null_mask()
    idx = np.flatnonzero(all_null)
    reason[idx] = EMPTY
    log.add(idx, "", "", "empty row", "at least one answer", "row excluded")
    idx = np.flatnonzero(id_missing & ~all_null)
    reason[idx] = NOID
    log.add(idx, id_name, "", "missing id", f"a respondent id in column {id_name!r}", "row excluded")
    for rec_idx, problem, value, action in raw.row_notes:
        expected = {"unterminated quote": "every quoted cell closed by a quote",
                    "mixed encoding": "one text encoding for the whole file"}.get(problem,
                                                                                   "as many cells as header columns")
        log.add([rec_idx], "", value, problem, expected, action)
    return all_null


# --------------------------------------------------------------------------- 4. answers


class _Checkers:
    """One :class:`ScaleCheck` per (scale, declared missing codes), built on first use."""

    def __init__(self, inst: Instrument, raw: RawTable, cm: ColumnMap, missing_codes, label: str):
        self.inst, self.label = inst, label
        self.g_nums, g_texts, self.per_col = parse_missing_codes(missing_codes)
        self.inst_codes = [float(c) for c in inst.missing_codes]
        self.missing_labels = {normalize_label(t): float(code)
                               for code, texts in inst.missing_codes.items() for t in texts.values()}
        self.missing_labels.update({t: np.nan for t in g_texts})
        for colname in self.per_col:
            if colname not in raw.names and cm.find(colname) is None:
                raise ValueError(f"{label}: missing_codes names column {colname!r}, which is not in the source")
        self.cache: dict[tuple, ScaleCheck] = {}

    def __call__(self, item_id: str, colname: str) -> ScaleCheck:
        scale = self.inst.scale_of(item_id)
        extra = list(self.g_nums)
        extra_texts = {}
        for c in self.per_col.get(colname, []) + self.per_col.get(item_id, []):
            if isinstance(c, str) and not NUMBER.fullmatch(c.strip()):
                extra_texts[normalize_label(c)] = np.nan
            else:
                extra.append(float(c))
        for c in extra:
            if c in scale.values:
                raise ValueError(
                    f"{self.label}: missing code {fmt_code(c)} is a valid answer of item {item_id!r} "
                    f"(scale {scale.id}: {scale.describe()}); it cannot also mean 'missing'")
        declared = np.array(sorted(set(self.inst_codes + extra)), dtype=np.float64)
        key = (scale.id, tuple(declared), tuple(sorted(extra_texts)))
        if key not in self.cache:
            desc = ", ".join(fmt_code(c) for c in declared)
            self.cache[key] = ScaleCheck(scale, declared, {**self.missing_labels, **extra_texts}, desc)
        return self.cache[key]


@dataclass
class Answers:
    """Validated items (``M``) and attention checks (``C``), rows × columns, NaN where not a
    valid answer; declared missing codes found; how many item columns were text."""

    M: np.ndarray
    C: np.ndarray
    missing_found: dict
    text_columns: int


def validate_answers(raw: RawTable, inst: Instrument, cm: ColumnMap, checkers: _Checkers,
                     log: ProblemLog) -> Answers:
    """Stage 4: every item and attention-check value against its scale."""
    n = raw.n_rows
    out = Answers(_matrix(n, len(inst.item_ids)), np.full((n, len(inst.check_ids)), np.nan, order="F"), {}, 0)

    def one(target: np.ndarray, t: int, item_id: str, j: int) -> None:
        col, colname = raw.columns[j], raw.names[j]
        chk = checkers(item_id, colname)
        extra_decl = [(float(lo), float(hi)) for lo, hi in raw.user_missing.get(colname, [])]
        recode = None
        if colname in raw.value_labels and not col.is_text:
            recode = value_label_recode(raw.value_labels[colname], chk)
            if recode:
                log.add_column(cm.names[j], ", ".join(f"{fmt_code(a)}→{fmt_code(b)}" for a, b in recode.items()),
                               "recoded by value labels", f"file codes with the instrument's labels "
                               f"({chk.scale.describe()})", "recoded through the file's value labels")
        bad, st, counts = check_column(col, chk, extra_decl, recode, target[:, t])
        for key, c in counts.items():
            out.missing_found[key] = out.missing_found.get(key, 0) + c
        out.text_columns += int(col.is_text)
        if len(bad):
            problem = np.array([STATUS_NAME[s] for s in st.tolist()], dtype=object)
            expected = np.where(np.isin(st, (UNKNOWN, NONNUM)), chk.expected_text, chk.expected).astype(object)
            log.add(bad, cm.names[j], col.cell_text(bad), problem, expected, "set to missing")

    for t, iid in enumerate(inst.item_ids):
        j = cm.item_pos[iid]
        if j is not None:
            one(out.M, t, iid, j)
        else:
            out.M[:, t] = np.nan
    for t, cid in enumerate(inst.check_ids):
        j = cm.check_pos[cid]
        if j is not None:
            one(out.C, t, cid, j)
    return out


def _matrix(n: int, k: int) -> np.ndarray:
    """An uninitialised n x k float64 matrix in column-major order.

    Large matrices come from the pyarrow memory pool of the readers
    (:func:`~loyaltyscope.survey.columns.arrow_pool`, jemalloc), which reuses memory between
    reads instead of returning it to the system and faulting it in again; the array keeps the
    buffer alive.
    """
    if n * k < 1 << 16:
        return np.empty((n, k), order="F")
    import pyarrow as pa

    buf = pa.allocate_buffer(n * k * 8, memory_pool=arrow_pool())
    return np.frombuffer(buf, dtype=np.float64).reshape((k, n)).T


# --------------------------------------------------------------------------- 5. duplicates


def _full_keys(raw: RawTable, idx: np.ndarray) -> np.ndarray:
    """Exact per-cell keys of the rows at ``idx`` (every column)."""
    if not raw.columns:
        return np.zeros((len(idx), 0), np.uint64)
    return np.stack([c.key_at(idx) for c in raw.columns], axis=1)


def _duplicates_by_id(raw: RawTable, ans: Answers, ids: np.ndarray, id_name: str, reason: np.ndarray,
                      detail: dict, log: ProblemLog) -> None:
    """Rows sharing an id: exact copies and same answers excluded after the first; different
    answers (an id collision) exclude every row of that id."""
    active = reason == 0
    if ids.dtype.kind in "iu" and len(ids) > 1 and np.all(np.diff(ids) > 0):
        return  # strictly increasing ids: all distinct
    act_idx = np.flatnonzero(active)
    cand = act_idx[pd.Series(ids[act_idx]).duplicated(keep=False).to_numpy()]
    if not len(cand):
        return
    FK = _full_keys(raw, cand)
    A = np.concatenate([ans.M[cand], ans.C[cand]], axis=1)
    AK = np.where(np.isnan(A), np.inf, A)
    pos_of = {r: t for t, r in enumerate(cand.tolist())}
    groups: dict[Any, list[int]] = {}
    for r in cand.tolist():
        groups.setdefault(ids[r], []).append(r)
    rows = raw.rows
    for gid, g in groups.items():
        distinct: list[int] = []
        for r in g:
            twin = next((q for q in distinct if np.array_equal(FK[pos_of[q]], FK[pos_of[r]])), None)
            if twin is None:
                distinct.append(r)
                continue
            reason[r] = EXACT
            detail[r] = f"exact duplicate row: copy of row {rows[twin]}"
            log.add([r], "", "", "exact duplicate row", "each row once", f"row excluded (copy of row {rows[twin]})")
        if len(distinct) < 2:
            continue
        first = distinct[0]
        if all(np.array_equal(AK[pos_of[first]], AK[pos_of[r]]) for r in distinct[1:]):
            for r in distinct[1:]:
                reason[r] = DUPID
                detail[r] = f"duplicate id: {gid!s} with the same answers as row {rows[first]}"
                log.add([r], id_name, str(gid), "duplicate id", "a respondent id used once",
                        f"row excluded (same answers as row {rows[first]})")
        else:
            rows_txt = ", ".join(str(rows[r]) for r in distinct)
            for r in distinct:
                reason[r] = COLLIDE
                detail[r] = f"id collision: {gid!s} in rows {rows_txt} with different answers"
                log.add([r], id_name, str(gid), "id collision", "a respondent id used once",
                        f"row excluded (rows {rows_txt} share this id with different answers)")


def _duplicates_without_id(raw: RawTable, cm: ColumnMap, inst: Instrument, ans: Answers, reason: np.ndarray,
                           detail: dict, log: ProblemLog) -> None:
    """Exact copies of an earlier row: rows are hashed on cheap keys (the validated value for
    items and checks, the raw cell otherwise), candidates compared exactly. With only item
    columns, identical patterns may be different people: reported, not excluded."""
    n = raw.n_rows
    if n <= 1 or not raw.columns:
        return
    item_col = {j: t for t, iid in enumerate(inst.item_ids) if (j := cm.item_pos[iid]) is not None}
    check_col = {j: t for t, cid in enumerate(inst.check_ids) if (j := cm.check_pos[cid]) is not None}
    only_items = all(cm.used.get(j) in ("item", "check") for j in range(len(cm.names))) and not cm.other_pos
    act_idx = np.flatnonzero(reason == 0)
    every = len(act_idx) == n
    h = np.full(len(act_idx), np.uint64(14695981039346656037))
    prime = np.uint64(1099511628211)
    for j in range(len(raw.columns)):
        if j in item_col:
            kj = ans.M[:, item_col[j]].view(np.uint64)
        elif j in check_col:
            kj = ans.C[:, check_col[j]].view(np.uint64)
        else:
            kj = raw.columns[j].key()
        h ^= kj if every else kj[act_idx]
        h *= prime
        h ^= h >> np.uint64(29)
    cand = act_idx[pd.Series(h).duplicated(keep=False).to_numpy()]
    if not len(cand):
        return
    _, first_pos, inv = np.unique(_full_keys(raw, cand), axis=0, return_index=True, return_inverse=True)
    inv = inv.ravel()
    for t, r in enumerate(cand.tolist()):
        f = cand[first_pos[inv[t]]]
        if f == r:
            continue
        if only_items:
            log.add([r], "", "", "exact duplicate row", "each row once",
                    f"kept: copy of row {raw.rows[f]}, but with no id or other column identical "
                    "answer patterns may be different people")
        else:
            reason[r] = EXACT
            detail[r] = f"exact duplicate row: copy of row {raw.rows[f]}"
            log.add([r], "", "", "exact duplicate row", "each row once", f"row excluded (copy of row {raw.rows[f]})")


def duplicate_rows(raw, cm, inst, ans, ids, id_name, reason, detail, log) -> None:
    """Stage 5: duplicated rows and ids (see the two helpers)."""
    if cm.id_pos is not None:
        _duplicates_by_id(raw, ans, ids, id_name, reason, detail, log)
    else:
        _duplicates_without_id(raw, cm, inst, ans, reason, detail, log)


# --------------------------------------------------------------------------- 6. weights


def survey_weights(raw: RawTable, cm: ColumnMap, reason: np.ndarray, log: ProblemLog) -> np.ndarray | None:
    """Stage 6: weights as numbers; a weight that is not positive and finite becomes NaN."""
    if cm.w_pos is None:
        return None
    wc = raw.columns[cm.w_pos]
    if wc.is_text:
        wv = pd.to_numeric(pd.Series(wc.as_objects(), dtype=object), errors="coerce").to_numpy(dtype=np.float64)
    else:
        wv = wc.values.astype(np.float64)
    with np.errstate(invalid="ignore"):
        badw = ~(np.isfinite(wv) & (wv > 0))
    if badw.any():
        bi = np.flatnonzero(badw & (reason != EMPTY))
        log.add(bi, cm.names[cm.w_pos], wc.cell_text(bi), "invalid weight", "a positive finite number",
                "weight set to missing")
        wv = np.where(badw, np.nan, wv)
    return wv


# --------------------------------------------------------------------------- 7. assemble


def _excluded_frame(raw, ids, id_missing, has_id, reason, detail) -> pd.DataFrame:
    eidx = np.flatnonzero(reason != 0)
    resp = np.empty(len(eidx), dtype=object)
    resp[:] = [None if (has_id and id_missing[r]) else ids[r] for r in eidx.tolist()]
    why = np.empty(len(eidx), dtype=object)
    why[:] = [detail.get(r) or _REASON[reason[r]] for r in eidx.tolist()]
    return pd.DataFrame({"row": raw.rows[eidx], "respondent": resp, "reason": why, "stage": "reading"},
                        columns=EXCLUDED_COLUMNS)


def _other_frame(raw: RawTable, cm: ColumnMap, kidx: np.ndarray, index: pd.Index) -> pd.DataFrame:
    """Non-item columns of the kept rows; all-number columns stacked at once (a file of
    thousands of extra columns builds one block, not one per column)."""
    if not cm.other_pos:
        return pd.DataFrame(index=index)
    labels = [cm.names[j] if cm.names[j] else f"(unnamed column {j + 1})" for j in cm.other_pos]
    arrays = [raw.columns[j].as_array()[kidx] for j in cm.other_pos]
    if len(arrays) > 100 and all(a.dtype.kind == "f" for a in arrays):
        return pd.DataFrame(np.column_stack(arrays), index=index, columns=labels)
    return pd.DataFrame(dict(zip(labels, arrays)), index=index)


def assemble(raw: RawTable, inst: Instrument, cm: ColumnMap, ans: Answers, ids, id_missing, id_name: str,
             reason: np.ndarray, detail: dict, weights_all, log: ProblemLog, info: dict, label: str):
    """Stage 7: the kept rows, the exclusion log and the problems table, as ``Responses``."""
    from loyaltyscope.survey.responses import Responses

    k_items = len(inst.item_ids)
    keep = reason == 0
    all_kept = bool(keep.all())
    kidx = np.flatnonzero(keep)
    index = pd.Index(ids if all_kept else ids[kidx], name=id_name)
    M = ans.M if all_kept else np.take(ans.M, kidx, axis=0, out=_matrix(len(kidx), k_items))
    data = pd.DataFrame(M, index=index, columns=list(inst.item_ids), copy=False)
    checks = pd.DataFrame(ans.C if all_kept else ans.C[kidx], index=index, columns=list(inst.check_ids))
    names = cm.names
    other = _other_frame(raw, cm, kidx, index)
    weights = None if weights_all is None else pd.Series(weights_all[kidx], index=index, name=names[cm.w_pos])
    problems = log.frame(raw.rows, ids, id_missing if cm.id_pos is not None else None, names)
    info.update({"id_column": names[cm.id_pos] if cm.id_pos is not None else None,
                 "missing_codes_found": ans.missing_found, "text_item_columns": ans.text_columns})
    warnings = tuple(w for w in (info.get("format_note"),) if w)
    return Responses(
        instrument=inst, data=data, problems=problems,
        excluded=_excluded_frame(raw, ids, id_missing, cm.id_pos is not None, reason, detail),
        other=other, checks=checks, weights=weights, rows=pd.Series(raw.rows[kidx], index=index, name="row"),
        n_read=raw.n_rows, source=label, info=MappingProxyType(info),
        id_column=names[cm.id_pos] if cm.id_pos is not None else None,
        weight_column=names[cm.w_pos] if cm.w_pos is not None else None,
        duration_column=(names[cm.d_pos] or f"(unnamed column {cm.d_pos + 1})") if cm.d_pos is not None else None,
        warnings=warnings,
    )


def validate_table(raw: RawTable, inst: Instrument, label: str, *, id_column=None, missing_codes=None,
                   columns: Mapping[str, str] | None = None, weight_column=None, duration_column=None,
                   other_columns=()):
    """Run the stages (module docstring) on ``raw``; returns ``Responses``."""
    info = dict(raw.info)
    log = ProblemLog()
    cm = match_columns(raw, inst, label, info, log, columns=columns, id_column=id_column,
                       weight_column=weight_column, duration_column=duration_column, other_columns=other_columns)
    checkers = _Checkers(inst, raw, cm, missing_codes, label)
    ids, id_missing, id_name = respondent_ids(raw, cm)
    reason = np.zeros(raw.n_rows, dtype=np.int8)
    detail: dict[int, str] = {}
    rows_without_content(raw, id_missing, id_name, reason, log)
    ans = validate_answers(raw, inst, cm, checkers, log)
    duplicate_rows(raw, cm, inst, ans, ids, id_name, reason, detail, log)
    if len(inst.item_ids):
        reason[(reason == 0) & ~(~np.isnan(ans.M)).any(axis=1)] = NOANSWER
    weights_all = survey_weights(raw, cm, reason, log)
    return assemble(raw, inst, cm, ans, ids, id_missing, id_name, reason, detail, weights_all, log, info, label)
