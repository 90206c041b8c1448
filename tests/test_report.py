"""HTML output escapes every user string; the demo writes its report."""

import subprocess
import sys

import numpy as np

import loyaltyscope as ls


def test_html_escapes_user_strings(tmp_path):
    hs = ls.load_dataset("holzinger_swineford")
    hs["school"] = np.where(hs["school"] == "Pasteur", "<script>alert(1)</script>", "A&B")
    fit = ls.sem("visual =~ x1 + x2 + x3", hs, group="school")
    html = fit._repr_html_()
    assert "<script>" not in html
    out = ls.write_report([ls.Section("<b>title</b>", fit, note="<img src=x>")], tmp_path)
    text = out.read_text()
    assert "<script>alert" not in text and "<img src=x>" not in text and "<b>title</b>" not in text
    assert "&lt;b&gt;title&lt;/b&gt;" in text


def test_demo_runs_and_writes_report(tmp_path):
    out = subprocess.run([sys.executable, "-m", "loyaltyscope.cli", "demo", "--out", str(tmp_path / "r")],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "Holzinger-Swineford" in out.stdout and "Measurement invariance" in out.stdout
    html = (tmp_path / "r" / "index.html").read_text()
    assert "Political democracy" in html and "<table>" in html
