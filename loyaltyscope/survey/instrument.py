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

import html
import re
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

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


def instrument_from_dict(doc: Any, source: str | None = None) -> Instrument:
    """Validate a parsed instrument document and build the :class:`Instrument`.

    Raises
    ------
    InstrumentError
        Listing every problem, each naming its field.
    """
    from loyaltyscope.survey.instrument_schema import validate_document

    parts, problems = validate_document(doc)
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
    if is_name and not p.is_file():
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
