"""Issue 14, study files: paths outside the study folder are refused unless allowed, and
outputs are never written through a symbolic link planted in the output folder."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml

import loyaltyscope as ls

INST = ls.load_instrument("brand_loyalty")


def _data(path):
    rng = np.random.default_rng(4)
    df = pd.DataFrame(rng.integers(1, 8, size=(30, len(INST.item_ids))), columns=list(INST.item_ids))
    df.insert(0, "respondent", np.arange(1, 31))
    df.to_csv(path, index=False)


def _study(folder, data_path, instrument="brand_loyalty"):
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / "study.yaml"
    p.write_text(yaml.safe_dump({"instrument": instrument, "data": [{"path": str(data_path)}],
                                 "analyses": {"reliability": {}}}), encoding="utf-8")
    return p


@pytest.mark.parametrize("how", ["dotdot", "absolute", "symlink"])
def test_data_outside_the_study_folder_is_refused(tmp_path, how):
    outside = tmp_path / "elsewhere" / "secret.csv"
    outside.parent.mkdir()
    _data(outside)
    folder = tmp_path / "studies" / "s1"
    folder.mkdir(parents=True)
    if how == "dotdot":
        ref = "../../elsewhere/secret.csv"
    elif how == "absolute":
        ref = str(outside)
    else:
        os.symlink(outside, folder / "link.csv")
        ref = "link.csv"
    study = _study(folder, ref)
    with pytest.raises(ls.StudyError) as e:
        ls.load_study(study)
    msg = str(e.value)
    assert "data[0].path" in msg and "outside the study folder" in msg and "allow_outside=True" in msg
    assert repr(ref) in msg
    spec = ls.load_study(study, allow_outside=True)  # the opt-in
    assert spec.data[0].path.resolve() == outside.resolve()
    assert ls.run_study(study, allow_outside=True).rows["read"] == 30


def test_instrument_outside_the_study_folder_is_refused(tmp_path):
    inst = tmp_path / "elsewhere" / "inst.yaml"
    inst.parent.mkdir()
    inst.write_text("schema_version: 1\n", encoding="utf-8")
    folder = tmp_path / "s"
    folder.mkdir()
    _data(folder / "d.csv")
    study = _study(folder, "d.csv", instrument="../elsewhere/inst.yaml")
    with pytest.raises(ls.StudyError, match=r"instrument: '../elsewhere/inst.yaml' is outside the study folder"):
        ls.load_study(study)


def test_data_inside_subfolders_is_fine(tmp_path):
    folder = tmp_path / "s"
    (folder / "data" / "w1").mkdir(parents=True)
    _data(folder / "data" / "w1" / "d.csv")
    spec = ls.load_study(_study(folder, "data/./w1/../w1/d.csv"))
    assert spec.data[0].path.is_file()


@pytest.mark.slow
def test_cli_refuses_and_accepts_with_the_flag(tmp_path):
    outside = tmp_path / "secret.csv"
    _data(outside)
    study = _study(tmp_path / "s", "../secret.csv")
    cmd = [sys.executable, "-m", "loyaltyscope.cli", "validate", str(study)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and "outside the study folder" in proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr
    proc = subprocess.run(cmd + ["--allow-outside"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr


def test_outputs_are_not_written_through_a_symlink(tmp_path):
    folder = tmp_path / "s"
    folder.mkdir()
    _data(folder / "d.csv")
    study = _study(folder, "d.csv")
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    os.symlink(victim, out / "report.html")
    with pytest.raises(ls.StudyError, match="'report.html' exists as a symbolic link"):
        ls.run_study(study, out)
    assert victim.read_text(encoding="utf-8") == "keep me"
    (out / "report.html").unlink()
    ls.run_study(study, out)
    assert (out / "report.html").is_file() and victim.read_text(encoding="utf-8") == "keep me"


def test_zero_byte_and_symlink_loop_are_problems_not_tracebacks(tmp_path):
    folder = tmp_path / "s"
    folder.mkdir()
    os.symlink(folder / "loop", folder / "loop")
    with pytest.raises(ls.StudyError, match="points to itself"):
        ls.load_study(_study(folder, "loop"))
    with pytest.raises(ls.StudyError, match="zero byte"):
        ls.load_study(_study(folder, "\x00x.csv"))
    with pytest.raises(ls.StudyError, match="zero byte"):
        ls.load_study(_study(folder, "\x00x.csv"), allow_outside=True)
