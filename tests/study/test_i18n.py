"""The phrase catalogue of reports and figures (loyaltyscope/report/i18n.py): complete in
both languages, every phrase the package asks for exists, plot methods speak the language
they are given, and the font chosen for figures has a glyph for every Chinese character the
figures draw (no empty boxes)."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import loyaltyscope as ls
from loyaltyscope.report import i18n
from loyaltyscope.report.i18n import cell, column_name, phrase, table_name

PACKAGE = Path(ls.__file__).parent


def test_every_key_has_both_languages_with_the_same_placeholders():
    doc = yaml.safe_load((PACKAGE / "report" / "phrases.yaml").read_text(encoding="utf-8"))
    assert set(doc) == {"phrases", "tables", "columns", "cells"}
    for key, pair in doc["phrases"].items():
        assert set(pair) == set(i18n.LANGUAGES) and all(isinstance(v, str) and v for v in pair.values()), key
        en, zh = i18n.placeholders(key)
        assert en == zh, (key, en, zh)


def test_every_phrase_the_package_asks_for_is_in_the_catalogue():
    used = set()
    for f in PACKAGE.rglob("*.py"):
        text = f.read_text(encoding="utf-8")
        used |= set(re.findall(r"phrase\(\s*[\"']([^\"']+)[\"']\s*[,)]", text))
        used |= set(re.findall(r"[\"'](cap_\w+|fig_\w+)[\"']", text))
        used |= {"m_" + s for s in re.findall(r"^_CITED_STEPS = \(([^)]*)\)", text, re.M | re.S)
                 for s in re.findall(r"\"(\w+)\"", s)}
    assert len(used) > 60
    assert not used - set(i18n.keys()), sorted(used - set(i18n.keys()))


def test_phrases_are_filled_and_unknown_keys_or_languages_are_clear_errors():
    assert phrase("efa_note", "zh", suggested=6, k=5) == "平行分析建议保留 6 个因子；实际提取 5 个。"
    assert phrase("efa_note", "en", suggested=6, k=5) == "Parallel analysis suggests 6 factors; 5 extracted."
    with pytest.raises(KeyError, match="no phrase 'nope'"):
        phrase("nope", "zh")
    with pytest.raises(ValueError, match="language must be one of en, zh, got 'fr'"):
        phrase("efa", "fr")


def test_cells_headers_and_captions_translate_only_what_the_catalogue_knows():
    assert cell("true loyalty", "zh") == "真正忠诚" and cell("true loyalty", "en") == "true loyalty"
    v = "scalar invariance NOT supported against metric: CFI changes by -0.020 and RMSEA by +0.004"
    assert cell(v, "zh") == "标量不变性相对于度量模型不成立（ΔCFI -0.020，ΔRMSEA +0.004）"
    v = ("metric invariance supported by the change in fit (CFI -0.004, RMSEA +0.001), although the difference "
         "test is significant (p = 0.003); with large samples the test is sensitive to trivial differences; "
         "the constrained model did not converge")
    assert cell(v, "zh").startswith("依拟合变化，度量不变性成立（ΔCFI -0.004") and cell(v, "zh").endswith("；约束模型未收敛")
    assert cell("my own words", "zh") == "my own words" and cell(3.5, "zh") == 3.5
    assert column_name("verdict", "zh") == "判断" and column_name("cfi", "zh") == "cfi"   # lavaan's names stay
    assert table_name("ladder", "zh") == "测量不变性检验" and table_name("ladder", "en") == "ladder"


def _drivers():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 3))
    d = pd.DataFrame(X, columns=["quality", "price", "service"])
    d["loyal"] = X @ [0.5, 0.3, 0.2] + rng.normal(size=200)
    return ls.key_drivers(d, "loyal", ["quality", "price", "service"])


def _texts(fig):
    from matplotlib.text import Text
    return " | ".join(t.get_text() for t in fig.findobj(Text) if t.get_text())


def test_plot_methods_default_to_english_and_draw_chinese_when_asked():
    kd = _drivers()
    en, zh = _texts(kd.plot()), _texts(kd.plot(language="zh"))
    assert "share of R² (%)" in en and "relative weight" in en and "Key drivers of loyal" in en
    assert "R² 份额（%）" in zh and "相对权重" in zh and "loyal 的关键驱动因素" in zh and "share of" not in zh
    ipa_zh = _texts(kd.ipa().plot(language="zh"))
    assert "继续保持" in ipa_zh and "重要性—绩效矩阵（以均值划分象限）" in ipa_zh
    assert "Keep up the good work" in _texts(kd.ipa().plot())


def test_figure_font_has_every_chinese_glyph_the_figures_draw():
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    from loyaltyscope.report.figures import set_fonts
    set_fonts()
    path = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]), fallback_to_default=False)
    if "CJK" not in path and "wqy" not in path.lower():
        pytest.skip(f"no CJK font installed (found {Path(path).name}); Debian: fonts-noto-cjk")
    font = FT2Font(path)
    doc = yaml.safe_load((PACKAGE / "report" / "phrases.yaml").read_text(encoding="utf-8"))
    texts = [v["zh"] for k, v in doc["phrases"].items() if k.startswith(("fig_", "cap_"))] + list(doc["cells"].values())
    chars = {c for t in texts for c in t if "\u4e00" <= c <= "\u9fff" or c in "（）：，—"}
    missing = sorted(c for c in chars if font.get_char_index(ord(c)) == 0)
    assert not missing, (Path(path).name, missing)


def test_figures_outside_the_demo_speak_chinese_too():
    """The structural path figure (satisfaction chain), the EFA heat map (channel preferences),
    the scree plot and the response bars: titles, axes and legends in Chinese, no English words."""
    from loyaltyscope.analyses.figures import path_figure
    from loyaltyscope.report import figures as fg
    hs = ls.load_dataset("holzinger_swineford")
    fit = ls.sem("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\ntextual ~ visual", hs)
    items = hs[["x1", "x2", "x3", "x4"]].round().reset_index(drop=True)
    items.iloc[::7, 0] = np.nan                                     # a "missing" segment in the legend
    figs = {"path": path_figure(fit, language="zh"),
            "heat": fg.loadings_heatmap(pd.DataFrame({"F1": [0.7, 0.1]}, index=["x1", "x2"]), language="zh"),
            "scree": fg.scree_plot(pd.Series([2.0, 1.0, 0.5]), pd.Series([1.1, 0.9, 0.8]), 1, language="zh"),
            "bars": fg.response_distributions(items, language="zh")}
    expected = {"path": "结构模型（标准化路径系数", "heat": "因子载荷", "scree": "平行分析（随机数据）", "bars": "缺失"}
    for name, fig in figs.items():
        text = _texts(fig)
        assert expected[name] in text, (name, text)
        assert not re.search(r"[A-Za-z]{3,}\s+[A-Za-z]{2,}", text), (name, text)   # no English phrase
    assert "Structural model" in _texts(path_figure(fit))


def test_zh_report_sections_translate_tables_keep_escaping_and_put_summary_lines_in_pre(tmp_path, monkeypatch):
    from loyaltyscope.report import html_report
    from loyaltyscope.report.html_report import Section, render_report
    monkeypatch.setattr(html_report, "MAX_HTML_ROWS", 3)
    seg = pd.DataFrame({"n": [5, 4, 3, 2], "verdict": ["met", "not met", "<script>x</script>", "distinct"]},
                       index=["true loyalty", "latent loyalty", "spurious loyalty", "no loyalty"])
    hs = ls.load_dataset("holzinger_swineford")
    fit = ls.sem("visual =~ x1 + x2 + x3", hs)
    page = render_report([Section("忠诚", seg), Section("CFA", fit)], title="t", language="zh")
    assert "<th>真正忠诚</th>" in page and "<th>判断</th>" in page and "<td class='txt'>达标</td>" in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>" not in page
    assert "<p>仅显示前 3 行（共 4 行）；全部行见 results.xlsx 与 results.json。</p>" in page
    head = re.search(r"<pre class='result-head'>([^<]*)</pre>", page).group(1)
    assert head.startswith("loyaltyscope SEM\nML, N = 301, converged")            # lavaan-style line, English
    assert "<caption>拟合指数</caption>" in page and "<caption>参数估计</caption>" in page
    en = render_report([Section("loyalty", seg), Section("CFA", fit)], title="t", language="en")
    assert "<th>true loyalty</th>" in en and "<pre class='result-head'>" not in en
    assert "<p><b>loyaltyscope SEM</b></p>" in en


def test_row_labels_are_not_taken_for_column_names():
    from loyaltyscope.report.html_report import Section, render_report
    t = pd.DataFrame({"verdict": ["met"]}, index=["wave"])       # a row named like a column
    page = render_report([Section("x", t)], language="zh")
    assert "<th>判断</th>" in page and "<th>wave</th>" in page and "<td class='txt'>达标</td>" in page
