"""Instruments as data: the questionnaire schema, its validation and the loader.

An :class:`Instrument` says what was asked: response scales, items (wording in every
language, scale, construct, reverse keying), constructs, declared missing codes, attention
checks and, optionally, structural paths between constructs. Instruments are YAML files
(``instruments/*.yaml`` in the source tree, shipped inside the wheel as
``loyaltyscope/instruments/``) read with ``yaml.safe_load`` only and validated on load; every
problem is reported at once, each naming the field it concerns. The schema is documented in
``instruments/SCHEMA.md``.

Public entry points: :func:`load_instrument`, :func:`list_instruments`,
:class:`Instrument` (``to_model()``, ``to_dict()``, ``to_yaml()``, ``dump()``), and
:class:`InstrumentError`.
"""

from __future__ import annotations

import difflib
import html
import math
import re
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

__all__ = [
    "SCHEMA_VERSION",
    "Scale",
    "Item",
    "Construct",
    "AttentionCheck",
    "StructuralPath",
    "Instrument",
    "InstrumentError",
    "load_instrument",
    "list_instruments",
    "normalize_label",
]

#: Version of the instrument schema this module reads and writes (``schema_version`` key).
SCHEMA_VERSION = 1

SCALE_TYPES = ("likert", "rating", "nps", "yes_no", "frequency")
WORDING_KINDS = ("original", "adaptation")
_LABELLED_EVERY_POINT = ("likert", "yes_no", "frequency")
_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")


class InstrumentError(ValueError):
    """An instrument file or mapping breaks the schema.

    Attributes
    ----------
    problems : list of str
        Every problem found, each starting with the field it concerns
        (e.g. ``items[3] (email_receipt).scale``).
    source : str or None
        The file the instrument came from, when there is one.
    """

    def __init__(self, problems: list[str], source: str | None = None):
        # every problem is kept, each cut to a readable length: a hostile file cannot make
        # the message (or the list) grow with the size of what it repeats
        self.problems = [_cut(str(p)) for p in problems[:MAX_PROBLEMS]]
        if len(problems) > MAX_PROBLEMS:
            self.problems.append(f"... and {len(problems) - MAX_PROBLEMS} more problems")
        self.source = source
        where = f"instrument {source}" if source else "instrument"
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{where} is invalid ({len(problems)} problem(s)):\n{lines}")


#: Limits on what an instrument file may expand to and on the problems reported.
MAX_PROBLEMS = 200
MAX_PROBLEM_CHARS = 400
MAX_YAML_NODES = 100_000


def _cut(text: str) -> str:
    return text if len(text) <= MAX_PROBLEM_CHARS else text[:MAX_PROBLEM_CHARS] + f"... ({len(text):,} characters)"


def normalize_label(text: Any) -> str:
    """Key used to match answer text to scale labels.

    Unicode NFKC (full-width digits and letters become ASCII), case folded, every whitespace
    character removed — so ``"Strongly  Agree"``, ``"strongly agree"`` and ``"ＳＴＲＯＮＧＬＹ
    AGREE"`` match, as do Chinese labels with stray spaces.
    """
    s = unicodedata.normalize("NFKC", str(text)).casefold()
    return "".join(s.split())


# --------------------------------------------------------------------------- data types


@dataclass(frozen=True)
class Scale:
    """A response scale.

    Attributes
    ----------
    id : str
    type : {'likert', 'rating', 'nps', 'yes_no', 'frequency'}
        ``likert``/``frequency``/``yes_no`` have a label for every code; ``rating`` (e.g.
        1–10) and ``nps`` (always 0–10) are integer ranges that may label some points.
    min, max : int
        Smallest and largest code.
    labels : dict
        ``{code: {language: text}}``.
    """

    id: str
    type: str
    min: int
    max: int
    labels: dict = field(default_factory=dict)

    @property
    def values(self) -> tuple[int, ...]:
        """Every valid code: the labelled codes for labelled scales, else ``min..max``."""
        if self.type in ("yes_no", "frequency") and self.labels:
            return tuple(sorted(self.labels))
        return tuple(range(self.min, self.max + 1))

    @property
    def k(self) -> int:
        """Number of response options."""
        return len(self.values)

    def reverse(self, x):
        """Reverse-key answers: ``max + min - x`` (R: ``psych::reverse.code``)."""
        return self.max + self.min - x

    def describe(self, language: str = "en") -> str:
        """Short text of the valid codes, e.g. ``1–5 (1 = dislike very much … 5 = like very much)``."""
        vals = self.values
        contiguous = vals == tuple(range(vals[0], vals[-1] + 1))
        span = f"{vals[0]}–{vals[-1]}" if contiguous else ", ".join(str(v) for v in vals)
        if self.labels:
            lo, hi = min(self.labels), max(self.labels)
            lab = lambda c: self.labels[c].get(language) or next(iter(self.labels[c].values()))
            if lo == hi:
                return f"{span} ({lo} = {lab(lo)})"
            return f"{span} ({lo} = {lab(lo)} … {hi} = {lab(hi)})"
        return span

    def label_codes(self) -> dict[str, int]:
        """``{normalized label: code}`` over every language."""
        out = {}
        for code, texts in self.labels.items():
            for text in texts.values():
                out[normalize_label(text)] = code
        return out


@dataclass(frozen=True)
class Item:
    """One question: ``id``, wording ``text`` ``{language: text}``, ``scale`` id, ``construct``
    id (or None), ``reverse`` (reverse-keyed)."""

    id: str
    text: dict
    scale: str
    construct: str | None = None
    reverse: bool = False


@dataclass(frozen=True)
class Construct:
    """A latent variable measured by the items whose ``construct`` is this id."""

    id: str
    label: dict
    description: dict = field(default_factory=dict)


@dataclass(frozen=True)
class AttentionCheck:
    """An instructed-response item: ``pass_values`` are the codes counted as attentive."""

    id: str
    text: dict
    scale: str
    pass_values: tuple


@dataclass(frozen=True)
class StructuralPath:
    """A structural regression ``outcome ~ predictor1 + predictor2`` between constructs."""

    outcome: str
    predictors: tuple


@dataclass(frozen=True)
class Instrument:
    """A questionnaire as data (see ``instruments/SCHEMA.md``).

    Build with :func:`load_instrument`; compare with ``==`` (the file it came from is not
    part of equality). ``to_model()`` gives lavaan CFA syntax, ``to_dict()``/``to_yaml()``/
    ``dump()`` write it back in the schema.
    """

    name: str
    version: str
    title: dict
    citation: str
    languages: tuple
    wording: str
    scales: dict
    items: tuple
    constructs: dict
    missing_codes: dict = field(default_factory=dict)
    attention_checks: tuple = ()
    paths: tuple = ()
    description: dict = field(default_factory=dict)
    notes: str = ""
    schema_version: int = SCHEMA_VERSION
    source: str | None = field(default=None, compare=False, repr=False)

    # -- look-ups ---------------------------------------------------------------------
    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(it.id for it in self.items)

    @property
    def check_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.attention_checks)

    def item(self, item_id: str) -> Item:
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(f"instrument {self.name!r} has no item {item_id!r}")

    def scale_of(self, item_id: str) -> Scale:
        """The :class:`Scale` of an item or attention check."""
        for it in (*self.items, *self.attention_checks):
            if it.id == item_id:
                return self.scales[it.scale]
        raise KeyError(f"instrument {self.name!r} has no item {item_id!r}")

    def items_of(self, construct: str) -> tuple[str, ...]:
        """Item ids of a construct, in questionnaire order."""
        if construct not in self.constructs:
            raise KeyError(f"instrument {self.name!r} has no construct {construct!r}")
        return tuple(it.id for it in self.items if it.construct == construct)

    @property
    def reverse_keyed(self) -> tuple[str, ...]:
        return tuple(it.id for it in self.items if it.reverse)

    # -- outputs ----------------------------------------------------------------------
    def to_model(self, structural: bool = False) -> str:
        """lavaan syntax for the constructs.

        One measurement line per construct, ``construct =~ item1 + item2 + ...`` (items in
        questionnaire order; the first loading is fixed to 1 by the SEM engine's defaults).
        A single-indicator construct gets ``item ~~ 0*item`` so that it is identified (the
        item is taken as a perfect measure). With ``structural=True`` the instrument's
        ``paths`` are appended as regressions ``outcome ~ predictor + ...``.

        R equivalent: writing the same lavaan model string by hand.
        """
        lines = []
        for cid in self.constructs:
            items = self.items_of(cid)
            lines.append(f"{cid} =~ " + " + ".join(items))
            if len(items) == 1:
                lines.append(f"{items[0]} ~~ 0*{items[0]}")
        if structural:
            for p in self.paths:
                lines.append(f"{p.outcome} ~ " + " + ".join(p.predictors))
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict:
        """The instrument as plain data in the schema (what :func:`load_instrument` reads)."""

        def texts(d):
            return {k: d[k] for k in d}

        out: dict[str, Any] = {
            "schema_version": self.schema_version,
            "instrument": {
                "name": self.name,
                "version": self.version,
                "title": texts(self.title),
                "citation": self.citation,
                "languages": list(self.languages),
                "wording": self.wording,
            },
        }
        if self.description:
            out["instrument"]["description"] = texts(self.description)
        if self.notes:
            out["instrument"]["notes"] = self.notes
        out["scales"] = {
            sid: {
                "type": s.type,
                "min": s.min,
                "max": s.max,
                **({"labels": {c: texts(t) for c, t in s.labels.items()}} if s.labels else {}),
            }
            for sid, s in self.scales.items()
        }
        out["constructs"] = {
            cid: {"label": texts(c.label), **({"description": texts(c.description)} if c.description else {})}
            for cid, c in self.constructs.items()
        }
        out["items"] = [
            {
                "id": it.id,
                "text": texts(it.text),
                "scale": it.scale,
                **({"construct": it.construct} if it.construct is not None else {}),
                **({"reverse": True} if it.reverse else {}),
            }
            for it in self.items
        ]
        if self.missing_codes:
            out["missing_codes"] = {c: texts(t) for c, t in self.missing_codes.items()}
        if self.attention_checks:
            out["attention_checks"] = [
                {"id": a.id, "text": texts(a.text), "scale": a.scale, "pass": list(a.pass_values)}
                for a in self.attention_checks
            ]
        if self.paths:
            out["paths"] = [{"outcome": p.outcome, "predictors": list(p.predictors)} for p in self.paths]
        return out

    def to_yaml(self) -> str:
        """YAML text in the schema (``yaml.safe_dump``, Unicode kept, key order kept)."""
        return yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False, width=100)

    def dump(self, path) -> Path:
        """Write :meth:`to_yaml` to ``path`` (UTF-8); returns the path."""
        path = Path(path)
        path.write_text(self.to_yaml(), encoding="utf-8")
        return path

    # -- display ----------------------------------------------------------------------
    def summary(self) -> str:
        lines = [
            f"Instrument {self.name} v{self.version} ({self.wording} wording; languages: "
            f"{', '.join(self.languages)})",
            f"  {self.title.get('en') or next(iter(self.title.values()))}",
            f"  citation: {self.citation}",
            f"  {len(self.items)} items, {len(self.constructs)} constructs, {len(self.scales)} scale(s)",
        ]
        for cid, c in self.constructs.items():
            lab = c.label.get("en") or next(iter(c.label.values()))
            lines.append(f"    {cid:<28} {lab:<32} {', '.join(self.items_of(cid))}")
        for sid, s in self.scales.items():
            lines.append(f"  scale {sid}: {s.type}, {s.describe()}")
        if self.missing_codes:
            lines.append("  missing codes: " + ", ".join(str(c) for c in self.missing_codes))
        if self.attention_checks:
            lines.append("  attention checks: " + ", ".join(self.check_ids))
        if self.paths:
            lines.append(f"  structural paths: {len(self.paths)}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        e = html.escape
        rows = "".join(
            f"<tr><td>{e(it.id)}</td><td>{e(str(it.construct or ''))}</td><td>{e(it.scale)}</td>"
            f"<td>{'yes' if it.reverse else ''}</td>"
            + "".join(f"<td>{e(str(it.text.get(lang, '')))}</td>" for lang in self.languages)
            + "</tr>"
            for it in self.items
        )
        head = "".join(f"<th>{e(lang)}</th>" for lang in self.languages)
        return (
            f"<div><strong>Instrument {e(self.name)}</strong> v{e(self.version)} "
            f"({e(self.wording)} wording) — {e(self.citation)}"
            f"<table><thead><tr><th>item</th><th>construct</th><th>scale</th><th>reverse</th>{head}"
            f"</tr></thead><tbody>{rows}</tbody></table></div>"
        )


# --------------------------------------------------------------------------- validation


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


def _validate(doc: Any) -> tuple[dict, list[str]]:
    """Check a parsed instrument document; return the normalized parts and every problem."""
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

    # metadata
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

    # scales
    scales: dict[str, Scale] = {}
    raw_scales = doc.get("scales")
    if not isinstance(raw_scales, Mapping) or not raw_scales:
        c.add("scales", "missing or empty (a mapping of scale id to {type, min, max, labels})")
        raw_scales = {}
    for sid, s in raw_scales.items():
        w = f"scales.{sid}"
        if _ident(c, w, sid) is None:
            continue
        if not isinstance(s, Mapping):
            c.add(w, "must be a mapping with type, min, max and labels")
            continue
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
            continue
        if hi_i <= lo_i:
            c.add(w, f"max ({hi_i}) must be greater than min ({lo_i})")
            continue
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
        scales[sid] = Scale(id=sid, type=typ, min=lo_i, max=hi_i, labels=dict(sorted(labels.items())))
    out["scales"] = scales

    # constructs
    constructs: dict[str, Construct] = {}
    raw_cons = doc.get("constructs") or {}
    if not isinstance(raw_cons, Mapping):
        c.add("constructs", "must be a mapping of construct id to {label, description}")
        raw_cons = {}
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
    out["constructs"] = constructs

    # items
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
        text = _texts(c, f"{w}.text", it.get("text"), languages)
        sc = it.get("scale")
        if sc not in scales:
            c.add(f"{w}.scale", f"{sc!r} is not a declared scale (declared: {', '.join(scales) or 'none'})")
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
    out["items"] = tuple(items)

    # missing codes
    missing: dict[int, dict] = {}
    raw_missing = doc.get("missing_codes") or {}
    if not isinstance(raw_missing, Mapping):
        c.add("missing_codes", "must be a mapping of code to {language: text}")
        raw_missing = {}
    for code, texts in raw_missing.items():
        ci = _int(c, f"missing_codes.{code}", code)
        t = _texts(c, f"missing_codes.{code}", texts, languages)
        if ci is None:
            continue
        for sid, s in scales.items():
            if ci in s.values:
                c.add(f"missing_codes.{code}", f"code is a valid answer on scale {sid!r} ({s.describe()}); a missing code must differ from every answer")
        missing[ci] = t
    out["missing_codes"] = missing

    # attention checks
    checks: list[AttentionCheck] = []
    raw_checks = doc.get("attention_checks") or []
    if not isinstance(raw_checks, list):
        c.add("attention_checks", "must be a list of {id, text, scale, pass}")
        raw_checks = []
    for i, a in enumerate(raw_checks):
        w = f"attention_checks[{i}]"
        if not isinstance(a, Mapping):
            c.add(w, "must be a mapping with id, text, scale, pass")
            continue
        _unknown_keys(c, w, a, ["id", "text", "scale", "pass"])
        aid = _ident(c, f"{w}.id", a.get("id"))
        if aid is not None and (aid in ids or aid in {x.id for x in checks}):
            c.add(f"{w}.id", f"duplicate id {aid!r} (ids of items and checks must be unique)")
        text = _texts(c, f"{w}.text", a.get("text"), languages)
        sc = a.get("scale")
        if sc not in scales:
            c.add(f"{w}.scale", f"{sc!r} is not a declared scale (declared: {', '.join(scales) or 'none'})")
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
    out["attention_checks"] = tuple(checks)

    # structural paths
    paths: list[StructuralPath] = []
    raw_paths = doc.get("paths") or []
    if not isinstance(raw_paths, list):
        c.add("paths", "must be a list of {outcome, predictors}")
        raw_paths = []
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
    out["paths"] = tuple(paths)
    out["schema_version"] = sv
    return out, c.problems


def instrument_from_dict(doc: Any, source: str | None = None) -> Instrument:
    """Validate a parsed instrument document and build the :class:`Instrument`.

    Raises
    ------
    InstrumentError
        Listing every problem, each naming its field.
    """
    parts, problems = _validate(doc)
    if problems:
        raise InstrumentError(problems, source)
    return Instrument(source=source, **parts)


# --------------------------------------------------------------------------- loading


def _builtin_dirs() -> list[Path]:
    """Where built-in instruments live: inside the installed package
    (``loyaltyscope/instruments/``, put there by the wheel build) and, in a source checkout,
    the top-level ``instruments/`` folder next to ``pyproject.toml``."""
    dirs = []
    try:
        pkg = resources.files("loyaltyscope").joinpath("instruments")
        if pkg.is_dir():
            dirs.append(Path(str(pkg)))
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError):  # pragma: no cover
        pass
    root = Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").is_file() and (root / "instruments").is_dir():
        dirs.append(root / "instruments")
    return dirs


def list_instruments() -> list[str]:
    """Names of the built-in instruments."""
    names = set()
    for d in _builtin_dirs():
        names.update(p.stem for p in d.glob("*.yaml"))
    return sorted(names)


def _expanded_size(root) -> int:
    """Nodes the YAML document holds once every alias is expanded (aliases share nodes, so
    this is counted over the graph, memoised); raises ValueError on a recursive alias or
    beyond :data:`MAX_YAML_NODES`."""
    size: dict[int, int] = {}
    on_path: set[int] = set()
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        kids = []
        if isinstance(node, yaml.SequenceNode):
            kids = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            kids = [x for pair in node.value for x in pair]
        if done:
            on_path.discard(key)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            if size[key] > MAX_YAML_NODES:
                raise ValueError(f"the document expands (through its aliases) to more than {MAX_YAML_NODES:,} "
                                 "values; refused as an alias bomb")
            continue
        if key in size:
            continue
        if key in on_path:
            raise ValueError("an alias refers to the node that contains it (a recursive alias)")
        on_path.add(key)
        stack.append((node, True))
        stack.extend((k, False) for k in kids if id(k) not in size)
    return size[id(root)]


def parse_yaml(text: str, source: str | None = None) -> Any:
    """``yaml.safe_load`` with limits for untrusted files: the document is composed first and
    refused when its aliases expand beyond :data:`MAX_YAML_NODES` values, is recursive or is
    nested too deeply; only then are Python objects built (SafeLoader: no tags that build
    objects)."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _expanded_size(node)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise InstrumentError([f"(file): not valid YAML: {_cut(str(exc))}"], source) from None
    except ValueError as exc:
        raise InstrumentError([f"(file): {exc}"], source) from None
    except RecursionError:
        raise InstrumentError(["(file): nested too deeply to be an instrument"], source) from None
    finally:
        loader.dispose()


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InstrumentError([f"(file): not UTF-8 text ({exc})"], str(path)) from None
    return parse_yaml(text, str(path))


def load_instrument(name_or_path) -> Instrument:
    """Load and validate an instrument.

    Parameters
    ----------
    name_or_path : str, path or Instrument
        A built-in name (``channel_preferences``, ``brand_loyalty``, ``satisfaction_chain``,
        ``ecsi``; see :func:`list_instruments`), a path to a YAML file in the schema of
        ``instruments/SCHEMA.md``, or an :class:`Instrument` (returned as is).

    Returns
    -------
    Instrument

    Raises
    ------
    InstrumentError
        (a ``ValueError``) listing every schema problem, each naming its field.
    FileNotFoundError
        When neither a built-in nor a file of that name exists.

    Notes
    -----
    Files are parsed with ``yaml.safe_load`` only: no YAML tags that build Python objects.

    Examples
    --------
    >>> import loyaltyscope as ls
    >>> inst = ls.load_instrument("channel_preferences")
    >>> print(inst.to_model().splitlines()[0])
    print_mail =~ catalog + direct_mail + postcard_offer + printed_newsletter
    """
    if isinstance(name_or_path, Instrument):
        return name_or_path
    if isinstance(name_or_path, Mapping):
        return instrument_from_dict(name_or_path)
    p = Path(name_or_path)
    is_name = isinstance(name_or_path, str) and _IDENT.match(name_or_path) is not None
    if is_name and not p.exists():
        for d in _builtin_dirs():
            f = d / f"{name_or_path}.yaml"
            if f.is_file():
                return instrument_from_dict(_read_yaml(f), str(f))
        raise FileNotFoundError(
            f"no built-in instrument {name_or_path!r} (built-ins: {', '.join(list_instruments()) or 'none found'}) "
            "and no such file"
        )
    if not p.is_file():
        raise FileNotFoundError(f"instrument file {str(p)!r} not found")
    return instrument_from_dict(_read_yaml(p), str(p))
