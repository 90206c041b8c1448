"""The Chinese demo report reads as Chinese: every fixed phrase of the report comes from the
catalogue (loyaltyscope/report/i18n.py) in Chinese, and no run of three or more English words
is left outside what stays English on purpose (the lavaan-style summary blocks in <pre>, the
warnings from the estimation core, user-given names, citations)."""

import html
import re
import string
from html.parser import HTMLParser

import pytest

from loyaltyscope.report.i18n import phrase

pytestmark = pytest.mark.slow

ALLOWED = ("et al.",)              # citations: "Dunn et al. (2018)"
_WORD = re.compile(r"^[(\[\"']*([A-Za-z][A-Za-z'-]*)[)\],.;:!?\"']*$")


class _Visible(HTMLParser):
    """Text a reader sees, without <pre> blocks, warning lists, the table of every warning,
    style and SVG metadata."""

    VOID = {"br", "meta", "img", "input", "hr", "link", "path", "use", "rect", "circle", "ellipse", "line",
            "polygon", "polyline", "stop"}

    def __init__(self):
        super().__init__()
        self.stack, self.skipping, self.texts = [], 0, []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        a = dict(attrs)
        in_warnings_section = any(t == "section" and k for t, _, k in self.stack)
        skip = (tag in ("pre", "style", "script", "metadata", "title")
                or "warnings" in (a.get("class") or "").split()
                or (tag == "table" and in_warnings_section))
        self.stack.append((tag, skip, a.get("data-key") == "warnings"))
        self.skipping += skip

    def handle_endtag(self, tag):
        while self.stack:
            t, skip, _ = self.stack.pop()
            self.skipping -= skip
            if t == tag:
                break

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.texts.append(data.strip())


def english_runs(page: str, n: int = 3) -> list[str]:
    """Every run of ``n`` or more consecutive English words in the visible text."""
    p = _Visible()
    p.feed(page)
    runs = []
    for text in p.texts:
        for a in ALLOWED:
            text = text.replace(a, " ")
        run = []
        for tok in text.split() + [""]:
            m = _WORD.match(tok)
            if m and (len(m.group(1)) > 1 or m.group(1) in "aAI"):
                run.append(tok)
                continue
            if len(run) >= n:
                runs.append(" ".join(run) + "   <<" + text[:120])
            run = []
    return runs


def test_the_checker_finds_english_sentences():
    page = ("<html><body><p>Parallel analysis suggests 6 factors.</p><pre>lavaan ended normally after</pre>"
            "<div class='warnings'><li>rows were excluded by listwise</li></div>"
            "<p>拟合判断：cfi = 0.99（≥ 0.95：达标）。Dunn et al. (2018)；Hu &amp; Bentler (1999)</p></body></html>")
    runs = english_runs(page)
    assert len(runs) == 1 and runs[0].startswith("Parallel analysis suggests")


def _literal_parts(key: str) -> list[str]:
    """The fixed text between the placeholders of the Chinese phrase ``key``."""
    zh = phrase(key, "zh")
    return [lit.strip() for lit, _, _, _ in string.Formatter().parse(zh) if len(lit.strip()) >= 2]


BRAND_KEYS = ["contents", "full_text", "data", "descriptives", "reliability", "efa", "cfa", "sem", "loyalty",
              "key_drivers", "invariance", "compare_waves", "methods", "all_warnings", "screening", "rows_note",
              "screen_flags_only", "htmt_note", "efa_note", "fit_note", "met", "invariance_note",
              "invariance_cutoffs", "waves_note", "waves_latent", "loyalty_note", "drivers_note",
              "cap_distributions", "cap_scree", "cap_loadings", "cap_path", "measurement model",
              "structural model", "cap_drivers", "cap_ipa", "cap_loyalty", "cap_waves",
              "fig_scree", "fig_factor", "fig_eigenvalue", "fig_observed", "fig_parallel", "fig_loadings",
              "fig_loading", "fig_responses", "fig_share_resp", "fig_relative_weight", "fig_r2_share",
              "fig_drivers", "fig_keep_up", "fig_concentrate", "fig_low_priority", "fig_overkill",
              "fig_performance", "fig_importance", "fig_ipa", "fig_behavioral", "fig_attitudinal",
              "fig_segments", "fig_scale_score", "fig_waves", "m_title", "m_rows", "m_software", "m_screening",
              "m_reliability", "m_efa", "m_cfa", "m_sem", "m_loyalty", "m_key_drivers", "m_invariance",
              "m_compare_waves"]
ECSI_KEYS = ["pls", "pls_note", "pls_bootstrap", "cap_pls_path", "cap_ipma", "fig_ipma_x", "fig_ipma_y", "fig_ipma",
             "m_pls"]


@pytest.mark.parametrize("study, keys", [("", BRAND_KEYS), ("ecsi", ECSI_KEYS)])
def test_zh_demo_report_has_every_phrase_in_chinese(demo_run_zh, study, keys):
    page = html.unescape((demo_run_zh / study / "report.html").read_text(encoding="utf-8"))
    missing = [(k, part) for k in keys for part in _literal_parts(k) if part not in page]
    assert not missing, missing
    assert 'lang="zh"' in page


def test_zh_demo_report_has_segment_names_verdicts_and_table_captions(demo_run_zh):
    page = html.unescape((demo_run_zh / "report.html").read_text(encoding="utf-8"))
    svg_text = " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", page))
    for name in ("真正忠诚", "潜在忠诚", "虚假忠诚", "无忠诚"):
        assert f"<th>{name}</th>" in page, name                 # the counts table
        assert name in svg_text, name                           # the segment chart's legend
    assert "度量不变性相对于形态模型成立" in page                # invariance verdicts of the ladder table
    for caption in ("测量不变性检验", "忠诚度细分人数", "区分效度检验", "因子载荷", "拟合指数", "参数估计"):
        assert f"<caption>{caption}</caption>" in page, caption
    assert "<th>判断</th>" in page and "<td class='txt'>可区分</td>" in page


@pytest.mark.parametrize("study", ["", "ecsi"])
def test_zh_demo_report_has_no_english_sentences(demo_run_zh, study):
    page = (demo_run_zh / study / "report.html").read_text(encoding="utf-8")
    runs = english_runs(page)
    assert not runs, runs[:20]
    methods = (demo_run_zh / study / "methods.md").read_text(encoding="utf-8")
    assert methods.startswith("# 方法：") and not english_runs(f"<p>{html.escape(methods)}</p>")


def test_english_demo_report_stays_english(demo_run):
    out, proc = demo_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    page = html.unescape((out / "report.html").read_text(encoding="utf-8"))
    for key in ("efa_note", "fit_note", "htmt_note", "cap_scree", "fig_parallel", "fig_keep_up", "m_cfa"):
        en = phrase(key, "en")
        for lit, _, _, _ in string.Formatter().parse(en):
            assert lit.strip() in page, (key, lit)
    assert "true loyalty" in page and "Fit verdict: cfi" in page
    assert not re.search(r"[\u4e00-\u9fff]", page)          # no Chinese in the English report
