"""A study report assembled from results' sections, written as one self-contained HTML file
(figures embedded as inline SVG, no scripts, no network).

Each :class:`Section` holds a title, a result (anything following the results protocol, a
DataFrame or Series, a dict of numbers, plain text, or ``None``), an optional note, figures
(SVG strings from :mod:`loyaltyscope.report.figures` / :mod:`.path_diagram`) and the step's
warnings. The template is rendered by jinja2 with autoescaping on, so every user string
(titles, notes, variable names, labels) is escaped; result HTML is produced by the results
themselves, which escape their own strings, and is inserted as markup; SVG comes from
matplotlib or Graphviz, which escape the text they draw.

In a report in another language than English (``language="zh"``) a result's own rendering is
translated where the catalogue (:mod:`.i18n`) knows the words: table captions, the headers
and cells of verdict tables, segment names; its title and headline lines (the English
``summary()`` text, like R's output) are shown as a preformatted block.
"""

from __future__ import annotations

import datetime as _dt
import html as _html
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from jinja2 import Environment
from markupsafe import Markup

from loyaltyscope.numerics.display import frame_html, frame_text
from loyaltyscope.report.i18n import cell, column_name, phrase, table_name, words

__all__ = ["Section", "write_report", "render_report"]

_TEMPLATE = """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8"><title>{{ title }}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body { font-family: "Noto Sans CJK SC", "Noto Sans", system-ui, sans-serif; margin: 2em auto; max-width: 1100px;
       color: #222; padding: 0 1em; }
.table-wrap { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: .5em 0 1em; font-size: 90%; }
td, th { border: 1px solid #ccc; padding: 2px 6px; text-align: right; }
td.txt { text-align: left; min-width: 16em; max-width: 48em; }
td, th { white-space: nowrap; } td.txt { white-space: normal; }
th { background: #f4f6f9; }
caption { text-align: left; font-weight: 600; padding: .3em 0; }
pre { background: #f6f6f6; padding: .8em; overflow-x: auto; font-size: 85%; white-space: pre; }
pre.result-head { white-space: pre-wrap; margin: .5em 0; }
h2 { border-bottom: 1px solid #ddd; padding-bottom: .2em; margin-top: 2em; }
figure { margin: 1em 0; overflow-x: auto; }
figure svg { max-width: 100%; height: auto; }
figcaption { font-size: 90%; color: #555; }
.warnings { background: #fff8e6; border-left: 4px solid #f0ad4e; padding: .4em .8em; }
.failed { background: #fdecea; border-left: 4px solid #d9534f; padding: .4em .8em; }
</style></head><body>
<h1>{{ title }}</h1>
<p>{{ generated }}</p>
<h2>{{ w.contents }}</h2>
<ol>{% for s in sections %}<li><a href="#s{{ loop.index }}">{{ s.title }}</a></li>{% endfor %}</ol>
{% for s in sections %}
<section id="s{{ loop.index }}" class="report-section" data-key="{{ s.key }}">
<h2>{{ s.title }}</h2>
{% if s.note %}<p>{{ s.note }}</p>{% endif %}
{% if s.failed %}<div class="failed"><b>{{ w.failed }}{{ w.colon }}</b>{{ s.failed }}</div>{% endif %}
{{ s.html }}
{% for f in s.figures %}<figure class="report-figure" data-figure="{{ f.key }}">{{ f.svg }}<figcaption>{{ w.figure }}{{ w.colon }}{{ f.caption }}</figcaption></figure>{% endfor %}
{% if s.warnings %}<div class="warnings"><b>{{ w.warnings }}</b><ul>{% for x in s.warnings %}<li>{{ x }}</li>{% endfor %}</ul></div>{% endif %}
{% if s.text %}<details><summary>{{ w.full_text }}</summary><pre>{{ s.text }}</pre></details>{% endif %}
</section>
{% endfor %}
</body></html>
"""


@dataclass(frozen=True)
class Figure:
    key: str
    caption: str
    svg: str


@dataclass(frozen=True)
class Section:
    """One section of a report.

    ``result``: a result object (``summary()``/``_repr_html_()``), a DataFrame or Series, a
    dict of scalars, a string, or ``None`` (note and figures only). ``figures``: a sequence of
    ``(key, caption, svg)`` tuples. ``failed``: the error message when the step failed.
    """

    title: str
    result: object = None
    note: str = ""
    figures: tuple = ()
    warnings: tuple = ()
    key: str = ""
    failed: str = ""


MAX_HTML_ROWS = 2000
ET.register_namespace("", "http://www.w3.org/2000/svg")       # SVG written back without ns0: prefixes
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
_SVG_DROP = {"script", "foreignObject", "iframe", "object", "embed"}


def _safe_svg(svg: str, where: str) -> str:
    """An SVG with nothing that can run: no script/foreignObject elements, no ``on*`` event
    attributes, no ``javascript:`` links (figures from matplotlib and Graphviz have none; a
    figure passed in by hand is cleaned). Parsed with defusedxml, so no entity expansion."""
    from defusedxml import ElementTree as DET
    try:
        root = DET.fromstring(svg)
    except Exception as exc:  # noqa: BLE001 - any parse failure is the same answer
        raise ValueError(f"report section {where!r}: a figure is not well-formed SVG ({exc})") from None
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag.split("}")[-1] in _SVG_DROP:
                parent.remove(child)
        for attr in list(parent.attrib):
            name = attr.split("}")[-1].lower()
            value = parent.attrib[attr].strip().lower()
            if name.startswith("on") or (name == "href" and value.startswith(("javascript:", "data:text/html"))):
                del parent.attrib[attr]
    return ET.tostring(root, encoding="unicode")


def _capped(df: pd.DataFrame, language: str = "en") -> tuple[pd.DataFrame, str]:
    if len(df) <= MAX_HTML_ROWS:
        return df, ""
    note = phrase("rows_capped", language, shown=MAX_HTML_ROWS, total=len(df))
    return df.head(MAX_HTML_ROWS), f"<p>{_html.escape(note)}</p>"


_CAPTION = re.compile(r"<caption>(.*?)</caption>", re.S)
_TH = re.compile(r"<th>(.*?)</th>", re.S)
_HEADER_ROW = re.compile(r"(<table>(?:<caption>.*?</caption>)?<tr>)(.*?)(</tr>)", re.S)
_TD = re.compile(r"<td( class='txt')?>(.*?)</td>", re.S)
_PARAS = re.compile(r"(?:<p>(?:<b>)?[^<]*(?:</b>)?</p>)+")


def _swap(fn):
    """A regex replacement applying ``fn`` to the (unescaped) text of the last group."""
    def repl(m):
        head = m.group(0)[:m.start(m.lastindex) - m.start(0)]
        tail = m.group(0)[m.end(m.lastindex) - m.start(0):]
        return head + _html.escape(str(fn(_html.unescape(m.group(m.lastindex)))), quote=False) + tail
    return repl


def _paras_to_pre(m) -> str:
    lines = re.findall(r"<p>(?:<b>)?([^<]*)(?:</b>)?</p>", m.group(0))
    return "<pre class='result-head'>" + "\n".join(lines) + "</pre>"


def localize_html(html: str, language: str) -> str:
    """The HTML of a table or result (as :func:`frame_html` and ``para_html`` write it) with
    captions, verdict headers and cells in ``language``; the result's title and headline
    paragraphs (English summary text) become one preformatted block. English: unchanged."""
    if language == "en":
        return html
    html = _CAPTION.sub(_swap(lambda t: table_name(t, language)), html)
    column = _swap(lambda t: column_name(t, language))          # header row: column names
    html = _HEADER_ROW.sub(lambda m: m.group(1) + _TH.sub(column, m.group(2)) + m.group(3), html)
    html = _TH.sub(_swap(lambda t: cell(t, language)), html)      # row labels: catalogue cells only
    html = _TD.sub(_swap(lambda t: cell(t, language)), html)
    return _PARAS.sub(_paras_to_pre, html)


def _render_result(title: str, result, language: str = "en") -> tuple[str, str]:
    """(HTML, text) for a section's result; a clear TypeError naming the section otherwise."""
    if result is None:
        return "", ""
    if isinstance(result, str):
        return "<p>" + _html.escape(result).replace("\n", "<br>") + "</p>", ""
    if isinstance(result, pd.Series):
        result = result.to_frame()
    if isinstance(result, pd.DataFrame):
        shown, note = _capped(result, language)
        return localize_html(frame_html(shown), language) + note, frame_text(shown)
    if isinstance(result, dict):
        frame = pd.DataFrame({"value": pd.Series(result, dtype=object)})
        return localize_html(frame_html(frame), language), frame_text(frame)
    if hasattr(result, "_repr_html_") and hasattr(result, "summary"):
        html = result._html(warnings=False) if hasattr(result, "_html") else result._repr_html_()
        return localize_html(html, language), result.summary()
    raise TypeError(f"report section {title!r}: cannot render a {type(result).__name__}; give a result object, "
                    "a DataFrame, a Series, a dict, a string or None")


def _figures(s: Section) -> list:
    """The section's figures, each a :class:`Figure` or a ``(key, caption, svg)`` tuple of
    strings; a clear TypeError naming the section otherwise."""
    figs = [] if s.figures is None else s.figures
    if isinstance(figs, (str, bytes, Figure)) or not hasattr(figs, "__iter__"):
        raise TypeError(f"report section {s.title!r}: figures must be a list of Figure objects or (key, caption, "
                        f"svg) tuples, got {type(figs).__name__}")
    figs = list(figs)
    for f in figs:
        if not (isinstance(f, Figure) or (isinstance(f, tuple) and len(f) == 3 and isinstance(f[0], str)
                                          and isinstance(f[1], str) and isinstance(f[2], (str, type(None))))):
            raise TypeError(f"report section {s.title!r}: a figure must be a Figure or a (key, caption, svg) tuple "
                            f"of strings, got {type(f).__name__} {str(f)[:60]!r}")
    return figs


def _section_dict(s: Section, language: str = "en") -> dict:
    if not isinstance(s, Section):
        raise TypeError(f"report sections must be Section objects, got {type(s).__name__}")
    html, text = _render_result(s.title, s.result, language)
    figs = []
    for f in _figures(s):
        key, caption, svg = f if not isinstance(f, Figure) else (f.key, f.caption, f.svg)
        if svg:
            figs.append(dict(key=key, caption=caption, svg=Markup(_safe_svg(svg, s.title))))
    own = [s.warnings] if isinstance(s.warnings, str) else list(s.warnings or ())  # one string is one warning
    warns = own or list(getattr(s.result, "warnings", ()) or ())
    return dict(title=s.title, note=s.note, html=Markup(html), text=text, figures=figs, warnings=warns, key=s.key,
                failed=s.failed)


def render_report(sections, title: str = "loyaltyscope report", language: str = "en") -> str:
    """The report as one HTML string."""
    from loyaltyscope._version import __version__

    w = words(language)
    if isinstance(sections, (Section, str, bytes)) or not hasattr(sections, "__iter__"):
        raise TypeError(f"report sections must be a list of Section objects, got {type(sections).__name__}")
    rendered = [_section_dict(s, language) for s in sections]
    env = Environment(autoescape=True)
    when = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return env.from_string(_TEMPLATE).render(title=title, sections=rendered, w=w, lang=language,
                                             generated=w["generated"].format(version=__version__, when=when))


def write_report(sections, path: str | Path, title: str = "loyaltyscope report", language: str = "en") -> Path:
    """Render the sections to ``path`` (a folder gets ``index.html``); return the file written."""
    path = Path(path)
    html = render_report(sections, title=title, language=language)
    try:
        if path.suffix.lower() != ".html":
            path.mkdir(parents=True, exist_ok=True)
            path = path / "index.html"
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")
    except (NotADirectoryError, FileExistsError, IsADirectoryError, PermissionError) as exc:
        raise OSError(f"cannot write the report to {path.name!r}: {exc.strerror or exc}") from None
    return path
