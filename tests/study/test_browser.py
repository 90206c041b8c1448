"""The demo report as a person sees it: rendered by headless Chromium (Debian's ``chromium``,
installed by .ci/run when absent), screenshotted, every section and figure present in the
rendered page, no console error."""

import re
import shutil
import subprocess

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (.ci/run installs it)"),
              pytest.mark.slow]


def _chromium(tmp_path, *args):
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr",
                           "--v=0", *args], capture_output=True, text=True, timeout=180)


def test_report_renders_in_chromium(demo_run, tmp_path):
    out, proc = demo_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    url = (out / "report.html").resolve().as_uri()
    shot = tmp_path / "report.png"
    r = _chromium(tmp_path, "--window-size=1280,4000", f"--screenshot={shot}", url)
    assert shot.is_file() and shot.stat().st_size > 50_000, r.stderr[-2000:]
    console = [ln for ln in r.stderr.splitlines() if "CONSOLE" in ln]
    assert not console, console
    dom = _chromium(tmp_path, "--dump-dom", url).stdout
    sections = re.findall(r'data-key="([a-z_]+)"', dom)
    for key in ("data", "screening", "descriptives", "reliability", "efa", "cfa", "sem", "invariance", "warnings",
                "methods"):
        assert key in sections, f"section {key} missing from the rendered report"
    figures = set(re.findall(r'data-figure="([a-z_]+)"', dom))
    assert {"distributions", "scree", "loadings", "path"} <= figures, figures
    assert dom.count("<svg") >= 5
    assert {"loyalty", "drivers", "ipa", "compare_waves"} <= figures, figures


def test_ecsi_report_has_index_scores_and_ipma(demo_run, tmp_path):
    out, proc = demo_run
    dom = _chromium(tmp_path, "--dump-dom", (out / "ecsi" / "report.html").resolve().as_uri()).stdout
    assert 'data-key="pls"' in dom and 'data-figure="ipma"' in dom and 'data-figure="path"' in dom


def test_chinese_report_renders_in_chromium(demo_run_zh, tmp_path):
    """The zh report in Chromium: no console error, every section present, Chinese headings in
    the rendered page and Chinese figure labels drawn as SVG text."""
    url = (demo_run_zh / "report.html").resolve().as_uri()
    shot = tmp_path / "report_zh.png"
    r = _chromium(tmp_path, "--window-size=1280,4000", f"--screenshot={shot}", url)
    assert shot.is_file() and shot.stat().st_size > 50_000, r.stderr[-2000:]
    assert not [ln for ln in r.stderr.splitlines() if "CONSOLE" in ln]
    dom = _chromium(tmp_path, "--dump-dom", url).stdout
    assert "验证性因子分析" in dom and "测量不变性" in dom and "图：碎石图与平行分析曲线" in dom
    svg_text = " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", dom))
    assert "特征值" in svg_text and "真正忠诚" in svg_text and "受访者比例" in svg_text
