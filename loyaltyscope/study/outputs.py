"""The five files a study writes: ``report.html`` (self-contained), ``results.json`` (every
number, lavaan's names), ``results.xlsx`` (one sheet per table, formula injection
neutralised), ``exclusions.csv`` (every excluded row with its reason) and ``methods.md`` (a
methods paragraph with citations and package versions).

No local path appears in any of them: files are named by their base name only.
"""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path

import pandas as pd

from loyaltyscope.numerics.display import jsonable
from loyaltyscope.report.html_report import Section, write_report
from loyaltyscope.report.i18n import phrase, words

__all__ = ["write_outputs", "methods_text"]

_CITED_STEPS = ("screening", "reliability", "efa", "cfa", "sem", "pls", "channel_preferences", "loyalty",
                "satisfaction_chain", "key_drivers", "invariance", "compare_waves")   # phrase "m_<step>" each

_PACKAGES = ("loyaltyscope", "numpy", "scipy", "pandas", "statsmodels", "pingouin", "matplotlib")


def _versions() -> dict:
    out = {}
    for p in _PACKAGES:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            pass
    return out


def methods_text(result) -> str:
    """A methods paragraph (Markdown) with the steps run, citations and package versions, in
    the study's language (phrases ``m_*`` of :mod:`loyaltyscope.report.i18n`)."""
    r, lang = result.rows, result.spec.language
    lines = [phrase("m_title", lang, title=result.spec.title), "",
             phrase("m_rows", lang, read=r["read"], files=len(result.spec.data), excluded=r["excluded"],
                    kept=r["kept"], instrument=Path(str(result.spec.instrument)).stem), ""]
    for name, step in result.steps.items():
        if name in _CITED_STEPS:
            status = phrase("m_failed", lang) if step.failed else ""
            lines.append(f"- {phrase('m_' + name, lang)}{status}")
    lines += ["", phrase("m_software", lang, versions=", ".join(f"{k} {v}" for k, v in _versions().items()))]
    return "\n".join(lines) + "\n"


def _json(result) -> dict:
    return jsonable({
        "study": {"title": result.spec.title, "language": result.spec.language,
                  "instrument": Path(str(result.spec.instrument)).stem,
                  "files": [{"file": f.path.name, "wave": f.wave} for f in result.spec.data]},
        "rows": dict(result.rows),
        "analyses": {name: ({"failed": s.failed} if s.failed else s.numbers) for name, s in result.steps.items()},
        "warnings": list(result.warnings),
        "versions": _versions(),
    })


def _tables(result) -> dict[str, pd.DataFrame]:
    out = {"rows": pd.DataFrame([result.rows])}
    for name, s in result.steps.items():
        res = s.result
        if isinstance(res, pd.DataFrame):
            out[name] = res
        elif hasattr(res, "tables"):
            for tname, t in res.tables().items():
                out[f"{name} {tname}"] = t
        elif hasattr(res, "params"):
            out[f"{name} params"] = res.params
            out[f"{name} fit"] = pd.Series(dict(res.fit_measures)).to_frame("value")
    out["exclusions"] = result.exclusions
    return out


def _write_xlsx(result, path: Path) -> None:
    from loyaltyscope.survey.exports import _sheet_name, neutralize_formulas
    used: set = set()
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        for name, t in _tables(result).items():
            t = t.reset_index() if not isinstance(t.index, pd.RangeIndex) else t
            t = neutralize_formulas(t)
            t.to_excel(xw, sheet_name=_sheet_name(name, used), index=False)


def _sections(result) -> list[Section]:
    w = words(result.spec.language)
    r = result.rows
    secs = [Section(w["data"], pd.DataFrame([r]),
                    note=w["rows_note"].format(**r), key="data")]
    order = ["screening", "descriptives"] + [k for k in result.steps if k not in ("screening", "descriptives")]
    titles = {"descriptives": w["descriptives"], "screening": w["screening"]}
    for name in order:
        s = result.steps[name]
        secs.append(Section(titles.get(name, w.get(name, name)), None if s.failed else s.result, note=s.note,
                            figures=s.figures, warnings=s.warnings, key=name, failed=s.failed))
    all_w = pd.DataFrame({"step": [x.split(":", 1)[0] for x in result.warnings],
                          "warning": [x.split(":", 1)[1].strip() for x in result.warnings]})
    secs.append(Section(w["all_warnings"], all_w if len(all_w) else w["no_warnings"], key="warnings"))
    secs.append(Section(w["methods"], methods_text(result), key="methods"))
    return secs


#: The files a study writes into its output folder.
OUTPUT_FILES = ("report.html", "results.json", "results.xlsx", "exclusions.csv", "methods.md")


def check_output_folder(out_dir: Path, source: str) -> None:
    """Refuse an output folder that is a file, or that holds one of :data:`OUTPUT_FILES` as
    a symbolic link or as anything but a regular file: writing through a link planted there
    would overwrite a file elsewhere (``report.html -> ~/.bashrc``)."""
    from loyaltyscope.study.specification import StudyError

    if out_dir.exists() and not out_dir.is_dir():
        raise StudyError(source, [f"output folder {out_dir.name!r} exists and is not a folder"])
    bad = [n for n in OUTPUT_FILES
           if (out_dir / n).is_symlink() or ((out_dir / n).exists() and not (out_dir / n).is_file())]
    if bad:
        raise StudyError(source, [f"output folder {str(out_dir)!r}: {n!r} exists as a symbolic link or a folder; "
                                  "outputs are written only as plain files in the folder — remove it or choose "
                                  "another output folder" for n in bad])


def write_outputs(result, out_dir: Path) -> dict:
    """Write the five outputs into ``out_dir``; return {kind: file name}."""
    check_output_folder(out_dir, result.spec.source)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {}
    report = write_report(_sections(result), out_dir / "report.html", title=result.spec.title,
                          language=result.spec.language)
    files["report"] = report.name
    (out_dir / "results.json").write_text(json.dumps(_json(result), indent=1, ensure_ascii=False), encoding="utf-8")
    files["json"] = "results.json"
    _write_xlsx(result, out_dir / "results.xlsx")
    files["xlsx"] = "results.xlsx"
    from loyaltyscope.survey.exports import neutralize_formulas
    ex = neutralize_formulas(result.exclusions)
    ex.to_csv(out_dir / "exclusions.csv", index=False)
    files["exclusions"] = "exclusions.csv"
    (out_dir / "methods.md").write_text(methods_text(result), encoding="utf-8")
    files["methods"] = "methods.md"
    return files
