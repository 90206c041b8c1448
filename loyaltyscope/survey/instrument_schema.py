"""The instrument schema (``instruments/SCHEMA.md``), checked section by section.

:func:`validate_document` checks a parsed instrument document — top level, ``instrument``
(metadata), ``scales``, ``constructs``, ``items``, ``missing_codes``, ``attention_checks``,
``paths`` — each section in its own function, all writing into one collector, so that every
problem is reported at once with the field it concerns.
"""

from __future__ import annotations

import difflib
import math
import re
from typing import Any, Iterable, Mapping

from loyaltyscope.survey.instrument import (_IDENT, _LANG, SCALE_TYPES, SCHEMA_VERSION, WORDING_KINDS, AttentionCheck,
                                            Construct, Item, Scale, StructuralPath, normalize_label)

__all__ = ["validate_document"]

class _Collector:
    def __init__(self):
        self.problems: list[str] = []

    def add(self, where: str, msg: str) -> None:
        self.problems.append(f"{where}: {msg}")


def _unknown_keys(c: _Collector, where: str, mapping: Mapping, allowed: Iterable[str]) -> None:
    allowed = list(allowed)
    for k in mapping:
        if k not in allowed:
            close = difflib.get_close_matches(str(k), allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f" (allowed: {', '.join(allowed)})"
            c.add(f"{where}.{k}", f"unknown field{hint}")


def _texts(c: _Collector, where: str, value: Any, languages: tuple, required: bool = True) -> dict:
    """A ``{language: text}`` mapping with every declared language present and non-empty."""
    if value is None:
        if required:
            c.add(where, f"missing (a mapping with wording in {', '.join(languages)})")
        return {}
    if isinstance(value, str):
        c.add(where, f"must be a mapping of language to text, e.g. {{en: ..., zh: ...}}, got the plain text {value!r}")
        return {}
    if not isinstance(value, Mapping):
        c.add(where, f"must be a mapping of language to text, got {type(value).__name__}")
        return {}
    out = {}
    for lang, text in value.items():
        if lang not in languages:
            c.add(f"{where}.{lang}", f"language not declared in instrument.languages ({', '.join(languages)})")
            continue
        if not isinstance(text, str) or not text.strip():
            c.add(f"{where}.{lang}", f"must be non-empty text, got {text!r}")
            continue
        out[lang] = text
    for lang in languages:
        if lang not in value:
            c.add(f"{where}.{lang}", f"missing wording in language {lang!r}")
    return out


def _int(c: _Collector, where: str, value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (
        isinstance(value, float) and (not math.isfinite(value) or not value.is_integer())
    ):
        c.add(where, f"must be an integer, got {value!r}")
        return None
    return int(value)


def _ident(c: _Collector, where: str, value: Any) -> str | None:
    if not isinstance(value, str) or not _IDENT.match(value):
        c.add(where, f"must be an identifier (letter, then letters, digits or _), got {value!r}")
        return None
    return value


def _section(c: _Collector, doc: Mapping, key: str, kind: type, what: str):
    """An optional section of the document: its value, or an empty one (and a problem) when it
    is not a ``kind``."""
    empty = [] if kind is list else {}
    raw = doc.get(key) or empty
    if not isinstance(raw, kind):
        c.add(key, f"must be {what}")
        return empty
    return raw


def _text_and_scale(c: _Collector, w: str, entry: Mapping, languages: tuple, scales: dict) -> tuple[dict, Any]:
    """The wording and the (declared) scale of an item or attention check."""
    sc = entry.get("scale")
    if sc not in scales:
        c.add(f"{w}.scale", f"{sc!r} is not a declared scale (declared: {', '.join(scales) or 'none'})")
    return _texts(c, f"{w}.text", entry.get("text"), languages), sc


def _metadata(c: _Collector, doc: Mapping) -> dict:
    """Section ``instrument``: name, version, title, citation, languages, wording."""
    meta = doc.get("instrument")
    languages: tuple = ("en",)
    out: dict[str, Any] = {}
    if not isinstance(meta, Mapping):
        c.add("instrument", "missing or not a mapping (name, version, title, citation, languages, wording)")
        meta = {}
    _unknown_keys(c, "instrument", meta, ["name", "version", "title", "citation", "languages", "wording",
                                          "description", "notes"])
    langs = meta.get("languages")
    if not isinstance(langs, list) or not langs or not all(isinstance(x, str) and _LANG.match(x) for x in langs):
        c.add("instrument.languages", f"must be a non-empty list of language codes such as [en, zh], got {langs!r}")
    elif len(set(langs)) != len(langs):
        c.add("instrument.languages", f"repeats a language: {langs!r}")
    else:
        languages = tuple(langs)
    out["languages"] = languages
    out["name"] = _ident(c, "instrument.name", meta.get("name"))
    ver = meta.get("version")
    if isinstance(ver, (int, float)) and not isinstance(ver, bool):
        ver = str(ver)
    if not isinstance(ver, str) or not ver.strip():
        c.add("instrument.version", f"must be a version string such as '1.0.0', got {meta.get('version')!r}")
    out["version"] = ver
    out["title"] = _texts(c, "instrument.title", meta.get("title"), languages)
    cit = meta.get("citation")
    if not isinstance(cit, str) or not cit.strip():
        c.add("instrument.citation", f"must be the reference the instrument is after, got {cit!r}")
    out["citation"] = cit
    wording = meta.get("wording")
    if wording not in WORDING_KINDS:
        c.add("instrument.wording", f"must be one of {', '.join(WORDING_KINDS)} (is the wording the published original or the project's adaptation?), got {wording!r}")
    out["wording"] = wording
    out["description"] = _texts(c, "instrument.description", meta.get("description"), languages, required=False) if meta.get("description") is not None else {}
    notes = meta.get("notes", "")
    if not isinstance(notes, str):
        c.add("instrument.notes", f"must be text, got {type(notes).__name__}")
        notes = ""
    out["notes"] = notes
    return out


def _scale(c: _Collector, sid, s, languages: tuple) -> Scale | None:
    """One scale (``scales.<id>``): type, min, max and labels."""
    w = f"scales.{sid}"
    if _ident(c, w, sid) is None:
        return None
    if not isinstance(s, Mapping):
        c.add(w, "must be a mapping with type, min, max and labels")
        return None
    _unknown_keys(c, w, s, ["type", "min", "max", "labels"])
    typ = s.get("type")
    if typ not in SCALE_TYPES:
        c.add(f"{w}.type", f"must be one of {', '.join(SCALE_TYPES)}, got {typ!r}")
    labels: dict[int, dict] = {}
    raw_labels = s.get("labels") or {}
    if not isinstance(raw_labels, Mapping):
        c.add(f"{w}.labels", "must be a mapping of code to {language: text}")
        raw_labels = {}
    seen_norm: dict[str, Any] = {}
    for code, texts in raw_labels.items():
        ci = _int(c, f"{w}.labels.{code}", code)
        t = _texts(c, f"{w}.labels.{code}", texts, languages)
        if ci is None:
            continue
        labels[ci] = t
        for lang, text in t.items():
            key = normalize_label(text)
            if key in seen_norm and seen_norm[key] != ci:
                c.add(f"{w}.labels.{code}.{lang}", f"label {text!r} is also the label of code {seen_norm[key]} (labels must tell codes apart)")
            seen_norm[key] = ci
            if re.fullmatch(r"[-+]?\d+(\.\d+)?", key) and float(key) != ci:
                c.add(f"{w}.labels.{code}.{lang}", f"label {text!r} is a number other than its code {ci}")
    lo = s.get("min", min(labels) if labels else None)
    hi = s.get("max", max(labels) if labels else None)
    if typ == "nps":
        lo = 0 if lo is None else lo
        hi = 10 if hi is None else hi
    lo_i = _int(c, f"{w}.min", lo) if lo is not None else None
    hi_i = _int(c, f"{w}.max", hi) if hi is not None else None
    if lo is None:
        c.add(f"{w}.min", "missing (smallest code)")
    if hi is None:
        c.add(f"{w}.max", "missing (largest code)")
    if lo_i is None or hi_i is None or typ not in SCALE_TYPES:
        return None
    if hi_i <= lo_i:
        c.add(w, f"max ({hi_i}) must be greater than min ({lo_i})")
        return None
    if typ == "nps" and (lo_i, hi_i) != (0, 10):
        c.add(w, f"an nps scale runs 0–10, got {lo_i}–{hi_i}")
    if typ == "yes_no" and len(labels) != 2:
        c.add(f"{w}.labels", f"a yes_no scale has exactly two labelled codes, got {len(labels)}")
    for code in labels:
        if not lo_i <= code <= hi_i:
            c.add(f"{w}.labels.{code}", f"code outside min–max ({lo_i}–{hi_i})")
    if typ in ("likert",):
        missing = [v for v in range(lo_i, hi_i + 1) if v not in labels]
        if missing:
            c.add(f"{w}.labels", f"a likert scale labels every point; no label for {', '.join(map(str, missing))}")
    if typ in ("frequency",) and len(labels) < 2:
        c.add(f"{w}.labels", "a frequency scale needs a label for every code (at least two)")
    if typ == "yes_no" and labels and (min(labels) != lo_i or max(labels) != hi_i):
        c.add(w, "min and max of a yes_no scale must be its two codes")
    return Scale(id=sid, type=typ, min=lo_i, max=hi_i, labels=dict(sorted(labels.items())))


def _scales(c: _Collector, doc: Mapping, languages: tuple) -> dict[str, Scale]:
    """Section ``scales``."""
    scales: dict[str, Scale] = {}
    raw_scales = doc.get("scales")
    if not isinstance(raw_scales, Mapping) or not raw_scales:
        c.add("scales", "missing or empty (a mapping of scale id to {type, min, max, labels})")
        raw_scales = {}
    for sid, s in raw_scales.items():
        sc = _scale(c, sid, s, languages)
        if sc is not None:
            scales[sid] = sc
    return scales


def _constructs(c: _Collector, doc: Mapping, languages: tuple) -> dict[str, Construct]:
    """Section ``constructs``."""
    constructs: dict[str, Construct] = {}
    raw_cons = _section(c, doc, "constructs", Mapping, "a mapping of construct id to {label, description}")
    for cid, cdef in raw_cons.items():
        w = f"constructs.{cid}"
        if _ident(c, w, cid) is None:
            continue
        if not isinstance(cdef, Mapping):
            c.add(w, "must be a mapping with label (and optional description)")
            continue
        _unknown_keys(c, w, cdef, ["label", "description"])
        lab = _texts(c, f"{w}.label", cdef.get("label"), languages)
        desc = _texts(c, f"{w}.description", cdef.get("description"), languages, required=False) if cdef.get("description") is not None else {}
        constructs[cid] = Construct(id=cid, label=lab, description=desc)
    return constructs


def _items(c: _Collector, doc: Mapping, languages: tuple, scales: dict, constructs: dict) -> tuple[list[Item], dict]:
    """Section ``items`` (and constructs without items); also the item ids with their positions."""
    items: list[Item] = []
    raw_items = doc.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        c.add("items", "missing or empty (a list of items with id, text, scale, construct)")
        raw_items = []
    ids: dict[str, int] = {}
    for i, it in enumerate(raw_items):
        w = f"items[{i}]"
        if not isinstance(it, Mapping):
            c.add(w, f"must be a mapping with id, text, scale, construct, got {it!r}")
            continue
        if isinstance(it.get("id"), str):
            w = f"items[{i}] ({it['id']})"
        _unknown_keys(c, w, it, ["id", "text", "scale", "construct", "reverse"])
        iid = _ident(c, f"{w}.id", it.get("id"))
        if iid is not None:
            if iid in ids:
                c.add(f"{w}.id", f"duplicate item id {iid!r} (first at items[{ids[iid]}])")
            ids.setdefault(iid, i)
            if iid in constructs:
                c.add(f"{w}.id", f"item id {iid!r} is also a construct id (lavaan syntax needs distinct names)")
        text, sc = _text_and_scale(c, w, it, languages, scales)
        con = it.get("construct")
        if con is not None and con not in constructs:
            c.add(f"{w}.construct", f"{con!r} is not a declared construct (declared: {', '.join(constructs) or 'none'})")
        rev = it.get("reverse", False)
        if not isinstance(rev, bool):
            c.add(f"{w}.reverse", f"must be true or false, got {rev!r}")
            rev = False
        if iid is not None:
            items.append(Item(id=iid, text=text, scale=sc, construct=con, reverse=rev))
    for cid in constructs:
        if not any(it.construct == cid for it in items):
            c.add(f"constructs.{cid}", "no item measures this construct")
    return items, ids


def _missing_codes(c: _Collector, doc: Mapping, languages: tuple, scales: dict) -> dict[int, dict]:
    """Section ``missing_codes``."""
    missing: dict[int, dict] = {}
    raw_missing = _section(c, doc, "missing_codes", Mapping, "a mapping of code to {language: text}")
    for code, texts in raw_missing.items():
        ci = _int(c, f"missing_codes.{code}", code)
        t = _texts(c, f"missing_codes.{code}", texts, languages)
        if ci is None:
            continue
        for sid, s in scales.items():
            if ci in s.values:
                c.add(f"missing_codes.{code}", f"code is a valid answer on scale {sid!r} ({s.describe()}); a missing code must differ from every answer")
        missing[ci] = t
    return missing


def _attention_checks(c: _Collector, doc: Mapping, languages: tuple, scales: dict, ids: dict) -> tuple:
    """Section ``attention_checks``."""
    checks: list[AttentionCheck] = []
    raw_checks = _section(c, doc, "attention_checks", list, "a list of {id, text, scale, pass}")
    for i, a in enumerate(raw_checks):
        w = f"attention_checks[{i}]"
        if not isinstance(a, Mapping):
            c.add(w, "must be a mapping with id, text, scale, pass")
            continue
        _unknown_keys(c, w, a, ["id", "text", "scale", "pass"])
        aid = _ident(c, f"{w}.id", a.get("id"))
        if aid is not None and (aid in ids or aid in {x.id for x in checks}):
            c.add(f"{w}.id", f"duplicate id {aid!r} (ids of items and checks must be unique)")
        text, sc = _text_and_scale(c, w, a, languages, scales)
        pv = a.get("pass")
        if isinstance(pv, (int, float)) and not isinstance(pv, bool):
            pv = [pv]
        if not isinstance(pv, list) or not pv:
            c.add(f"{w}.pass", f"must be the code (or list of codes) an attentive respondent chooses, got {a.get('pass')!r}")
            pv = []
        pvals = []
        for j, v in enumerate(pv):
            vi = _int(c, f"{w}.pass[{j}]", v)
            if vi is not None and sc in scales and vi not in scales[sc].values:
                c.add(f"{w}.pass[{j}]", f"{vi} is not a code of scale {sc!r} ({scales[sc].describe()})")
            if vi is not None:
                pvals.append(vi)
        if aid is not None:
            checks.append(AttentionCheck(id=aid, text=text, scale=sc, pass_values=tuple(pvals)))
    return tuple(checks)


def _paths(c: _Collector, doc: Mapping, constructs: dict) -> tuple:
    """Section ``paths``."""
    paths: list[StructuralPath] = []
    raw_paths = _section(c, doc, "paths", list, "a list of {outcome, predictors}")
    seen_out = {}
    for i, p in enumerate(raw_paths):
        w = f"paths[{i}]"
        if not isinstance(p, Mapping):
            c.add(w, "must be a mapping with outcome and predictors")
            continue
        _unknown_keys(c, w, p, ["outcome", "predictors"])
        o = p.get("outcome")
        if o not in constructs:
            c.add(f"{w}.outcome", f"{o!r} is not a declared construct")
        elif o in seen_out:
            c.add(f"{w}.outcome", f"{o!r} already has its predictors at paths[{seen_out[o]}]")
        seen_out.setdefault(o, i)
        preds = p.get("predictors")
        if isinstance(preds, str):
            preds = [preds]
        if not isinstance(preds, list) or not preds:
            c.add(f"{w}.predictors", f"must be a non-empty list of construct ids, got {p.get('predictors')!r}")
            preds = []
        for j, q in enumerate(preds):
            if q not in constructs:
                c.add(f"{w}.predictors[{j}]", f"{q!r} is not a declared construct")
            elif q == o:
                c.add(f"{w}.predictors[{j}]", f"{q!r} cannot predict itself")
        paths.append(StructuralPath(outcome=o, predictors=tuple(preds)))
    return tuple(paths)


def validate_document(doc: Any) -> tuple[dict, list[str]]:
    """Check a parsed instrument document section by section; return the normalized parts
    and every problem (each naming its field)."""
    c = _Collector()
    if not isinstance(doc, Mapping):
        c.add("(top level)", f"must be a mapping with keys schema_version, instrument, scales, constructs, items; got {type(doc).__name__}")
        return {}, c.problems
    _unknown_keys(c, "(top level)", doc, ["schema_version", "instrument", "scales", "constructs", "items",
                                          "missing_codes", "attention_checks", "paths"])
    sv = doc.get("schema_version")
    if sv is None:
        c.add("schema_version", f"missing (this version of loyaltyscope reads schema_version {SCHEMA_VERSION})")
    elif sv != SCHEMA_VERSION:
        c.add("schema_version", f"unsupported value {sv!r} (this version of loyaltyscope reads {SCHEMA_VERSION})")

    out = _metadata(c, doc)
    languages = out["languages"]
    out["scales"] = scales = _scales(c, doc, languages)
    out["constructs"] = constructs = _constructs(c, doc, languages)
    items, ids = _items(c, doc, languages, scales, constructs)
    out["items"] = tuple(items)
    out["missing_codes"] = _missing_codes(c, doc, languages, scales)
    out["attention_checks"] = _attention_checks(c, doc, languages, scales, ids)
    out["paths"] = _paths(c, doc, constructs)
    out["schema_version"] = sv
    return out, c.problems
