"""Study files: one YAML file says what was asked (the instrument), where the answers are
(one or more data files, each optionally a wave), and which analyses to run.

Schema (version 1; every key but ``instrument`` and ``data`` is optional)::

    study:
      title: Corporate reputation, wave 3
      language: en                 # en | zh: report headings, labels and item wording
    instrument: corp_rep.yaml      # a built-in name or a path relative to the study file
    data:                          # one entry per file; wave labels optional
      - path: wave3.csv
        wave: "2026"
    id_column: respondent          # optional (row numbers otherwise)
    keep_columns: [servicetype]    # non-item columns carried along (groups, weights)
    missing_codes: [-99]           # added to the instrument's
    screening: {exclude: []}       # flags to exclude on: longstring, irv, mahalanobis, ...
    analyses:                      # run in this order when present
      reliability: {}
      efa: {n_factors: null}
      cfa: {estimator: MLR}
      sem: {model: "<lavaan syntax>", estimator: ML}
      pls: {model: "<syntax>", bootstrap: 1000}
      channel_preferences: {}
      loyalty: {split: median}
      satisfaction_chain: {}
      key_drivers: {outcome: cusa, drivers: [...]}
      invariance: {group: servicetype}
      compare_waves: {}

Files named in a study (``data[].path``, an ``instrument`` path) must lie in the study's
folder or below it, after following ``..`` and symbolic links: a study file handed over by
someone else cannot make the toolkit read ``../../etc/passwd`` or a colleague's home folder
into a report. ``allow_outside=True`` (CLI: ``--allow-outside``) lifts this for a study file
you wrote yourself.

Validation collects every problem at once, each with the field it concerns
(``analyses.cfa.estimator: expected one of ML, MLR, MLM, got 'MRL'``), like instrument
validation; the file is read with ``yaml.safe_load`` after a size check, so it can neither
run code nor expand into gigabytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import yaml

__all__ = ["StudySpec", "StudyError", "load_study", "study_from_dict", "ANALYSIS_ORDER"]

ANALYSIS_ORDER = ("reliability", "efa", "cfa", "sem", "pls", "channel_preferences", "loyalty", "satisfaction_chain",
                  "key_drivers", "invariance", "compare_waves")

MAX_STUDY_BYTES = 1_000_000
MAX_RESAMPLES = 100_000          # as the analyses' own cap
_ESTIMATORS = ("ML", "MLR", "MLM", "WLSMV")
_TOP_KEYS = ("study", "instrument", "data", "id_column", "keep_columns", "missing_codes", "screening", "analyses")

# allowed options per analysis: name -> (type check, description of what is expected)
_OPTION_TYPES = {
    "reliability": {},
    "efa": {"n_factors": (int, type(None)), "rotation": str, "method": str, "cor": str},
    "cfa": {"estimator": str, "missing": str, "model": str, "std_lv": bool},
    "sem": {"model": str, "estimator": str, "missing": str, "std_lv": bool, "se": str, "bootstrap": int,
            "seed": int},
    "pls": {"model": str, "bootstrap": int, "seed": int, "scheme": str, "consistent": bool, "missing": str,
            "target": str, "scale_min": (int, float), "scale_max": (int, float), "boot_ci": str},
    "channel_preferences": {"n_factors": (int, type(None)), "rotation": str, "cor": str, "seed": int,
                            "group": str, "estimator": str},
    "loyalty": {"split": str, "attitudinal": list, "behavioral": list, "estimator": str},
    "satisfaction_chain": {"estimator": str, "bootstrap": int, "seed": int, "model": str},
    "key_drivers": {"outcome": str, "drivers": list, "bootstrap": int, "seed": int},
    "invariance": {"group": str, "estimator": str, "model": str},
    "compare_waves": {"model": str, "estimator": str, "nps_item": str},
}


class StudyError(ValueError):
    """A study file that cannot be used; ``problems`` lists every problem with its field."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = tuple(problems)
        head = f"{source}: {len(problems)} problem{'s' if len(problems) != 1 else ''} in the study file"
        super().__init__(head + "\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class DataFile:
    path: Path
    wave: str | None = None


@dataclass(frozen=True)
class StudySpec:
    """A validated study: paths are absolute, analyses in run order with their options."""

    title: str
    language: str
    instrument: str                     # built-in name or absolute path
    data: tuple                         # DataFile, ...
    id_column: str | None = None
    keep_columns: tuple = ()
    missing_codes: tuple = ()
    screening: Mapping = field(default_factory=dict)
    analyses: Mapping = field(default_factory=dict)
    source: str = "<dict>"

    @property
    def has_waves(self) -> bool:
        return any(d.wave is not None for d in self.data)


def _check_type(value, types) -> bool:
    if types is int and isinstance(value, bool):
        return False
    return isinstance(value, types)


def _type_name(types) -> str:
    if isinstance(types, tuple):
        return " or ".join("null" if t is type(None) else t.__name__ for t in types)
    return {"str": "text", "int": "a whole number", "bool": "true/false", "list": "a list"}.get(types.__name__,
                                                                                               types.__name__)


def _validate_study_block(d, problems) -> tuple[str, str]:
    block = d.get("study") or {}
    if not isinstance(block, dict):
        problems.append(f"study: expected a mapping with title and language, got {type(block).__name__}")
        block = {}
    title = block.get("title", "loyaltyscope study")
    if not isinstance(title, str) or not title.strip():
        problems.append(f"study.title: expected text, got {title!r}")
        title = "loyaltyscope study"
    language = block.get("language", "en")
    if language not in ("en", "zh"):
        problems.append(f"study.language: expected en or zh, got {language!r}")
        language = "en"
    for k in block:
        if k not in ("title", "language"):
            problems.append(f"study.{k}: unknown key (expected title, language)")
    return title, language


def _resolve(raw: str, base: Path, where: str, allow_outside: bool, problems) -> Path:
    """``raw`` relative to ``base`` (or absolute); a problem when it leads outside ``base``
    (``..``, an absolute path, a symbolic link pointing elsewhere) and ``allow_outside`` is
    False."""
    p = Path(raw)
    p = p if p.is_absolute() else base / p
    if "\x00" in raw:
        problems.append(f"{where}: {raw!r} is not a valid path (it holds a zero byte)")
        return p
    if not allow_outside:
        root = base.resolve()
        try:
            inside = p.resolve().is_relative_to(root)
        except (OSError, RuntimeError):
            problems.append(f"{where}: {raw!r} is a symbolic link that points to itself (a loop)")
            return p
        if not inside:
            problems.append(f"{where}: {raw!r} is outside the study folder ({root}); files of a study must be in "
                            "its folder or below it — move the file there, or, for a study file you trust, pass "
                            "allow_outside=True (CLI: --allow-outside)")
    return p


def _validate_data(d, base: Path, problems, allow_outside: bool = False) -> tuple:
    entries = d.get("data")
    if entries is None:
        problems.append("data: missing; expected a list of {path: FILE, wave: LABEL}")
        return ()
    if isinstance(entries, (str, dict)):
        entries = [entries]
    if not isinstance(entries, list) or not entries:
        problems.append("data: expected a non-empty list of {path: FILE, wave: LABEL}")
        return ()
    out = []
    for i, e in enumerate(entries):
        where = f"data[{i}]"
        if isinstance(e, str):
            e = {"path": e}
        if not isinstance(e, dict) or "path" not in e:
            problems.append(f"{where}: expected {{path: FILE, wave: LABEL}}, got {e!r}")
            continue
        for k in e:
            if k not in ("path", "wave"):
                problems.append(f"{where}.{k}: unknown key (expected path, wave)")
        n_before = len(problems)
        p = _resolve(str(e["path"]), base, f"{where}.path", allow_outside, problems)
        if len(problems) == n_before and not p.is_file():
            problems.append(f"{where}.path: file {str(e['path'])!r} not found (looked in {base.name or '.'}/)")
        wave = e.get("wave")
        out.append(DataFile(p, None if wave is None else str(wave)))
    waves = [f.wave for f in out]
    if len(out) > 1 and any(w is None for w in waves):
        problems.append("data: with several files every entry needs a wave label")
    if len(set(w for w in waves if w is not None)) < len([w for w in waves if w is not None]):
        problems.append("data: wave labels must be distinct")
    return tuple(out)


def _validate_analyses(d, problems) -> dict:
    block = d.get("analyses") or {}
    if not isinstance(block, dict):
        problems.append("analyses: expected a mapping of analysis name to options")
        return {}
    out = {}
    for name, opts in block.items():
        if name not in _OPTION_TYPES:
            problems.append(f"analyses.{name}: unknown analysis (expected one of {', '.join(ANALYSIS_ORDER)})")
            continue
        opts = {} if opts is None else opts
        if not isinstance(opts, dict):
            problems.append(f"analyses.{name}: expected a mapping of options, got {opts!r}")
            continue
        allowed = _OPTION_TYPES[name]
        for k, v in opts.items():
            if k not in allowed:
                problems.append(f"analyses.{name}.{k}: unknown option (expected one of {', '.join(allowed) or 'none'})")
            elif not _check_type(v, allowed[k]):
                problems.append(f"analyses.{name}.{k}: expected {_type_name(allowed[k])}, got {v!r}")
        est = opts.get("estimator")
        if isinstance(est, str) and est.upper() not in _ESTIMATORS:
            problems.append(f"analyses.{name}.estimator: expected one of {', '.join(_ESTIMATORS)}, got {est!r}")
        b = opts.get("bootstrap")
        if isinstance(b, int) and not isinstance(b, bool) and not 0 <= b <= MAX_RESAMPLES:
            problems.append(f"analyses.{name}.bootstrap: expected 0 to {MAX_RESAMPLES:,} resamples, got {b!r}")
        out[name] = MappingProxyType(dict(opts))
    for name, needed in (("sem", "model"), ("pls", "model"), ("key_drivers", "outcome"), ("invariance", "group")):
        if name in out and needed not in out[name]:
            problems.append(f"analyses.{name}.{needed}: required")
    if "key_drivers" in out and "drivers" not in out["key_drivers"]:
        problems.append("analyses.key_drivers.drivers: required (a list of item or construct names)")
    return {k: out[k] for k in ANALYSIS_ORDER if k in out}


def _validate_instrument(d, base: Path, problems, allow_outside: bool = False) -> str:
    inst = d.get("instrument")
    if not isinstance(inst, str) or not inst.strip():
        problems.append("instrument: required; a built-in instrument name or a path to a YAML file")
        return ""
    if inst.endswith((".yaml", ".yml")) or "/" in inst:
        n_before = len(problems)
        p = _resolve(inst, base, "instrument", allow_outside, problems)
        if len(problems) == n_before and not p.is_file():
            problems.append(f"instrument: file {inst!r} not found")
        return str(p)
    from loyaltyscope.survey.instrument import list_instruments
    if inst not in list_instruments():
        problems.append(f"instrument: {inst!r} is neither a file nor a built-in instrument "
                        f"({', '.join(list_instruments())})")
    return inst


def _list_of(d, key, kind, problems) -> tuple:
    v = d.get(key) or []
    if not isinstance(v, list) or not all(isinstance(x, kind) and not isinstance(x, bool) for x in v):
        problems.append(f"{key}: expected a list of {'names' if kind is str else 'numbers'}, got {v!r}")
        return ()
    return tuple(v)


def study_from_dict(d: Any, base: str | Path = ".", source: str = "<dict>", *,
                    allow_outside: bool = False) -> StudySpec:
    """Validate a study given as a mapping (paths relative to ``base``, and inside it unless
    ``allow_outside``); raise :class:`StudyError` listing every problem."""
    base = Path(base)
    problems: list[str] = []
    if not isinstance(d, dict):
        raise StudyError(source, [f"expected a mapping at the top of the file, got {type(d).__name__}"])
    for k in d:
        if k not in _TOP_KEYS:
            problems.append(f"{k}: unknown key (expected one of {', '.join(_TOP_KEYS)})")
    title, language = _validate_study_block(d, problems)
    instrument = _validate_instrument(d, base, problems, allow_outside)
    data = _validate_data(d, base, problems, allow_outside)
    id_column = d.get("id_column")
    if id_column is not None and not isinstance(id_column, str):
        problems.append(f"id_column: expected a column name, got {id_column!r}")
    keep = _list_of(d, "keep_columns", str, problems)
    codes = _list_of(d, "missing_codes", (int, float, str), problems)
    screening = d.get("screening") or {}
    if not isinstance(screening, dict):
        problems.append("screening: expected a mapping such as {exclude: [longstring]}")
        screening = {}
    analyses = _validate_analyses(d, problems)
    if problems:
        raise StudyError(source, problems)
    return StudySpec(title=title, language=language, instrument=instrument, data=data, id_column=id_column,
                     keep_columns=keep, missing_codes=codes, screening=MappingProxyType(dict(screening)),
                     analyses=MappingProxyType(analyses), source=source)


def load_study(path: str | Path, *, allow_outside: bool = False) -> StudySpec:
    """Read and validate a study file (R equivalent: none; SmartPLS/SPSS keep this in project
    files). Files it names must be in its folder or below unless ``allow_outside``."""
    path = Path(path)
    if not path.is_file():
        raise StudyError(str(path.name), [f"study file {str(path.name)!r} not found"])
    size = path.stat().st_size
    if size > MAX_STUDY_BYTES:
        raise StudyError(path.name, [f"the file is {size:,} bytes; a study file is at most {MAX_STUDY_BYTES:,}"])
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise StudyError(path.name, [f"not UTF-8 text (byte {exc.start}); save the file as UTF-8"]) from None
    try:
        d = _safe_load(text)
    except yaml.YAMLError as exc:
        raise StudyError(path.name, [f"not valid YAML: {str(exc)[:300]}"]) from None
    return study_from_dict(d, base=path.parent, source=path.name, allow_outside=allow_outside)


class _NoAliasLoader(yaml.SafeLoader):
    """safe_load without anchors/aliases: a study file has no use for them, and nested aliases
    are how a few kilobytes of YAML expand into gigabytes."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed in a study file",
                                              event.start_mark)
        return super().compose_node(parent, index)


def _safe_load(text: str):
    return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
