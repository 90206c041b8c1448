"""One demo run shared by the study and report tests (it is the README's main job)."""

import subprocess
import sys

import pytest


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "report"
    proc = subprocess.run([sys.executable, "-m", "loyaltyscope.cli", "demo", "--out", str(out)],
                          capture_output=True, text=True, timeout=900)
    return out, proc


@pytest.fixture(scope="session")
def demo_run_zh(tmp_path_factory):
    """The demo with ``--language zh`` (the brand-loyalty study and the ECSI study)."""
    out = tmp_path_factory.mktemp("demo_zh") / "report"
    proc = subprocess.run([sys.executable, "-m", "loyaltyscope.cli", "demo", "--out", str(out), "--language", "zh"],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out
