"""Every fixed phrase a study report shows, in English and Chinese (``language: en | zh``):
section headings, step notes, figure captions, figure titles/axes/legends, the methods
paragraph, verdict words and the column headers and cells of verdict tables.

One catalogue, ``phrases.yaml`` beside this module (data a translator can edit without
touching code), keyed by name; a phrase may hold ``{placeholders}`` filled by :func:`phrase`
(``str.format`` rules, so ``{value:.3f}`` works in both languages). Cells built from a pattern
(the invariance verdicts) are regular expressions here. The Chinese follows the
terms of Chinese marketing and SEM papers (信度, 效度, 验证性因子分析, 拟合指数, 平行分析,
测量不变性, 标准化路径系数, 重要性—绩效分析). Statistical names stay lavaan's (chisq, cfi,
rmsea, ...) in both languages, citations stay as published, and the lavaan-style ``summary()``
text blocks stay English (like R's output); what the study itself supplies (titles, item
wording in the instrument's language, construct names) is shown as given.

Written by hand (no gettext): the catalogue is small, ships with the package, and is checked
by the tests for both languages having every key with the same placeholders.
"""

from __future__ import annotations

import functools
import re
import string
from pathlib import Path

import yaml

__all__ = ["LANGUAGES", "words", "phrase", "keys", "placeholders", "table_name", "column_name", "cell"]

LANGUAGES = ("en", "zh")

_CATALOGUE = Path(__file__).with_name("phrases.yaml")


@functools.lru_cache(maxsize=1)
def _catalogue() -> dict:
    """phrases.yaml, read once: ``phrases`` (key -> {en, zh}), ``tables``, ``columns``, ``cells``."""
    with open(_CATALOGUE, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    doc["phrases"] = {k: tuple(v[lang] for lang in LANGUAGES) for k, v in doc["phrases"].items()}
    return doc


_LEVEL = r"(?P<lvl>configural|metric|scalar|strict)"
_PREV = r"(?P<prev>configural|metric|scalar|strict)"
# Cells built from a pattern (regex over the English cell -> Chinese template of its groups).
_CELL_PATTERNS = [
    (re.compile(rf"^{_LEVEL} invariance supported against {_PREV} \(CFI (?P<dc>\S+), RMSEA (?P<dr>\S+), "
                r"p = (?P<p>[^)]+)\)(?P<nc>; the constrained model did not converge)?$"),
     "{lvl}不变性相对于{prev}模型成立（ΔCFI {dc}，ΔRMSEA {dr}，p = {p}）{nc}"),
    (re.compile(rf"^{_LEVEL} invariance NOT supported against {_PREV}: CFI changes by (?P<dc>\S+) and RMSEA by "
                r"(?P<dr>\S+?)(?P<nc>; the constrained model did not converge)?$"),
     "{lvl}不变性相对于{prev}模型不成立（ΔCFI {dc}，ΔRMSEA {dr}）{nc}"),
    (re.compile(rf"^{_LEVEL} invariance supported by the change in fit \(CFI (?P<dc>\S+), RMSEA (?P<dr>\S+)\), "
                r"although the difference test is significant \(p = (?P<p>[^)]+)\); with large samples the test "
                r"is sensitive to trivial differences(?P<nc>; the constrained model did not converge)?$"),
     "依拟合变化，{lvl}不变性成立（ΔCFI {dc}，ΔRMSEA {dr}），尽管差异检验显著（p = {p}）；大样本下该检验对微小差异过于敏感{nc}"),
    (re.compile(r"^longstring >= (?P<n>\d+) \(of (?P<k>\d+) items\)$"), "longstring ≥ {n}（共 {k} 个题项）"),
    (re.compile(r"^\|correlation\| < min sqrt\(AVE\) = (?P<v>\S+)$"), "|相关系数| < min √AVE = {v}"),
    (re.compile(r"^< 0\.85 \(Henseler et al\. 2015\)$"), "< 0.85（Henseler et al. 2015）"),
]
_GROUP_WORDS = {"nc": {"; the constrained model did not converge": "；约束模型未收敛"}}


def keys() -> list[str]:
    """Every phrase key of the catalogue."""
    return list(_catalogue()["phrases"])


def _check(language: str) -> int:
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")
    return LANGUAGES.index(language)


def words(language: str) -> dict:
    """The report's fixed words in ``language`` (``en`` or ``zh``), unformatted."""
    k = _check(language)
    return {key: pair[k] for key, pair in _catalogue()["phrases"].items()}


def phrase(key: str, language: str = "en", **values) -> str:
    """The catalogue phrase ``key`` in ``language`` with its ``{placeholders}`` filled from
    ``values`` (a KeyError names a missing key or placeholder)."""
    k = _check(language)
    words_ = _catalogue()["phrases"]
    if key not in words_:
        raise KeyError(f"no phrase {key!r} in the report catalogue (loyaltyscope/report/phrases.yaml)")
    return words_[key][k].format(**values) if values else words_[key][k]


def placeholders(key: str) -> tuple[set, set]:
    """The placeholder names of ``key`` in English and in Chinese (the tests compare them)."""
    return tuple({f for _, f, _, _ in string.Formatter().parse(s) if f} for s in _catalogue()["phrases"][key])


def table_name(name: str, language: str = "en") -> str:
    """A result table's caption: its name in English, a Chinese title in ``zh`` when known."""
    return _catalogue()["tables"].get(str(name), str(name)) if _check(language) else str(name)


def column_name(name, language: str = "en"):
    """A column header: the words of verdict tables translated; statistical names as they are."""
    return _catalogue()["columns"].get(name, name) if _check(language) and isinstance(name, str) else name


def cell(value, language: str = "en"):
    """A text cell of a verdict table (segment names, verdict words, invariance verdicts,
    screening rules) in ``language``; anything not in the catalogue is returned unchanged."""
    if not _check(language) or not isinstance(value, str):
        return value
    cells = _catalogue()["cells"]
    if value in cells:
        return cells[value]
    for rx, template in _CELL_PATTERNS:
        m = rx.match(value)
        if m:
            groups = {k: _GROUP_WORDS.get(k, cells).get(v or "", v or "") for k, v in m.groupdict().items()}
            return template.format(**groups)
    return value
