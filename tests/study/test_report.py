"""Reports: every user string escaped; sections render any result type or fail naming the
section; the demo writes all five outputs."""

import json

import numpy as np
import pandas as pd
import pytest

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


@pytest.mark.parametrize("value", ["plain <i>text</i>", pd.Series([1.0, 2.0], index=["a", "<b>"]),
                                   {"npar": 19.0, "<x>": 0.5}, None, pd.DataFrame({"n": [3.0], "df": [4.0]})])
def test_sections_render_plain_values(tmp_path, value):
    out = ls.write_report([ls.Section("s", value)], tmp_path / "r.html").read_text()
    assert "<i>text</i>" not in out and "<b>" not in out.split("<body>")[1].replace("<b>Warnings", "")


def test_counts_print_as_integers_and_missing_as_blank(tmp_path):
    out = ls.write_report([ls.Section("s", {"npar": 19.0, "chisq": 85.3})], tmp_path / "r.html").read_text()
    assert ">19<" in out and "19.000" not in out
    df = pd.DataFrame({"est": [1.0, 0.5], "se": [np.nan, 0.1]})
    out = ls.write_report([ls.Section("s", df)], tmp_path / "r2.html").read_text()
    assert "nan" not in out.lower().replace("nano", "") and "<td></td>" in out


def test_a_section_that_cannot_render_is_named(tmp_path):
    with pytest.raises(TypeError, match="'odd section'"):
        ls.write_report([ls.Section("odd section", object())], tmp_path)


def test_demo_writes_five_outputs(demo_run):
    out, proc = demo_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name in ("report.html", "results.json", "results.xlsx", "exclusions.csv", "methods.md"):
        assert (out / name).is_file(), name
    res = json.loads((out / "results.json").read_text())
    assert res["rows"]["read"] == res["rows"]["kept"] + res["rows"]["excluded"]
    cfa = res["analyses"]["cfa"]
    assert {"chisq", "df", "cfi", "tli", "rmsea", "srmr"} <= set(cfa["fit_measures"])
    assert {"lhs", "op", "rhs", "est", "se"} <= set(cfa["params"][0])
    html = (out / "report.html").read_text()
    assert str(out) not in html and "/tmp" not in html, "a local path leaked into the report"
    assert "result.extra" not in html, "a Python hint leaked into the report"
    excl = pd.read_csv(out / "exclusions.csv")
    assert len(excl) == res["rows"]["excluded"] and excl["reason"].notna().all()



def test_hand_made_svg_figures_cannot_run_code(tmp_path):
    evil = ('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script>'
            '<a href="javascript:alert(3)"><rect width="5" height="5" onclick="alert(4)"/></a></svg>')
    out = ls.write_report([ls.Section("s", None, figures=(("f", "cap", evil),))], tmp_path / "r.html").read_text()
    body = out.split("<body>")[1]
    assert "alert" not in body and "<rect" in body


def test_huge_tables_are_capped_in_html(tmp_path):
    df = pd.DataFrame({"x": np.arange(10_000.0)})
    out = ls.write_report([ls.Section("s", df)], tmp_path / "r.html").read_text()
    assert out.count("<tr>") < 2100 and "First 2,000 of 10,000 rows" in out


def test_report_path_under_a_file_is_a_clear_error(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(OSError, match="cannot write the report"):
        ls.write_report([ls.Section("s", "t")], f / "r.html")


def test_run_study_refuses_what_is_not_a_study(tmp_path):
    with pytest.raises(ls.StudyError):
        ls.run_study(None)
    with pytest.raises(ls.StudyError, match="expected 0 to 100,000 resamples"):
        ls.study_from_dict({"instrument": "brand_loyalty", "data": [{"path": "x.csv"}],
                            "analyses": {"key_drivers": {"outcome": "a", "drivers": ["b"], "bootstrap": 10 ** 12}}})


def test_export_writes_any_result(tmp_path):
    hs = ls.load_dataset("holzinger_swineford")
    fit = ls.sem("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6", hs)
    out = ls.export(fit, tmp_path / "fit.xlsx")
    import openpyxl
    wb = openpyxl.load_workbook(out)
    assert {"params", "fit_measures"} <= set(wb.sheetnames)
    ls.export(fit, tmp_path / "params.csv", table="params")
    back = pd.read_csv(tmp_path / "params.csv")
    assert len(back) == len(fit.params) and {"lhs", "op", "rhs", "est"} <= set(back.columns)
    inv = ls.invariance("visual =~ x1 + x2 + x3", hs, "school")
    ls.export(inv, tmp_path / "inv.xlsx")
    with pytest.raises(ValueError, match="needs table="):
        ls.export(fit, tmp_path / "fit.csv")


def test_report_in_chinese_uses_chinese_headings_and_wording(tmp_path):
    import yaml
    from loyaltyscope.study.demo_data import write_demo_study
    study = write_demo_study(tmp_path / "data", language="zh", n=120)
    spec = yaml.safe_load(study.read_text(encoding="utf-8"))
    spec["analyses"] = {"reliability": {}}
    study.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    ls.run_study(study, tmp_path / "out")
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert 'lang="zh"' in html and "数据与样本核算" in html and "信度" in html
    assert "我对这个品牌怀有一份坚定的认同。" in html          # the item's Chinese wording
