"""The command line calls the public API and reports bad input clearly."""

import json
import subprocess
import sys

import pytest

from reference import data_path, load_case


def run(*args):
    return subprocess.run([sys.executable, "-m", "loyaltyscope.cli", *args], capture_output=True, text=True)


@pytest.mark.slow
def test_sem_json_matches_api(tmp_path):
    model = tmp_path / "m.lav"
    model.write_text("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n")
    out = run("sem", str(model), str(data_path("holzinger_swineford_1939.csv")), "--json")
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout)
    case = load_case("hs_cfa_ml")
    assert res["fit_measures"]["df"] == case["fit"]["df"]
    assert abs(res["fit_measures"]["chisq"] - case["fit"]["chisq"]) < 1e-3 * case["fit"]["chisq"]


@pytest.mark.slow
def test_missing_file_is_named(tmp_path):
    model = tmp_path / "m.lav"
    model.write_text("f =~ x1 + x2 + x3\n")
    out = run("sem", str(model), str(tmp_path / "nope.csv"))
    assert out.returncode != 0
    assert "nope.csv" in out.stderr and "does not exist" in out.stderr


@pytest.mark.slow
def test_syntax_error_is_reported_without_traceback(tmp_path):
    model = tmp_path / "m.lav"
    model.write_text("visual =~ x1 + x2 +\n")
    out = run("sem", str(model), str(data_path("holzinger_swineford_1939.csv")))
    assert out.returncode != 0
    assert "line 1, column" in out.stderr and "Traceback" not in out.stderr


def test_sem_options_and_missing_codes(tmp_path, capsys):
    """--missing-codes turns declared codes into missing values; undeclared ones are pointed out
    before fitting; --missing/--estimator reach ls.sem (in-process: main() is what the script runs)."""
    import pandas as pd
    import pytest

    from loyaltyscope.cli import main

    d = pd.read_csv(data_path("holzinger_swineford_1939.csv"))
    d.loc[[2, 40, 90], "x1"] = -99
    data = tmp_path / "hs99.csv"
    d.to_csv(data, index=False)
    model = tmp_path / "m.lav"
    model.write_text("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\n")
    main(["sem", str(model), str(data), "--json"])
    assert "'x1' holds -99 (3x)" in capsys.readouterr().err
    assert main(["sem", str(model), str(data), "--json", "--missing-codes=-99", "--missing", "fiml",
                 "--estimator", "MLR"]) == 0
    out = capsys.readouterr()
    assert "-99" not in out.err
    res = json.loads(out.out)
    assert res["nobs"] == [301] and "chisq.scaled" in res["fit_measures"]
    with pytest.raises(SystemExit, match="--missing-codes"):
        main(["sem", str(model), str(data), "--missing-codes", "x"])
