"""Command line: ``loyaltyscope <command> ...``. Calls only the public API.

Commands:

- ``loyaltyscope demo [--out DIR]`` — the main job on the bundled example data.
- ``loyaltyscope sem MODEL_FILE DATA_FILE [--std-lv] [--group COL] [--json]`` — fit a
  lavaan-syntax model to a data file (CSV, TSV, Parquet, XLSX, SPSS .sav, Stata .dta).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import pandas as pd

import loyaltyscope as ls
from loyaltyscope.cbsem.data_input import apply_missing_codes, read_data_file, suspicious_codes
from loyaltyscope.cbsem.samplestats import DataError

DEMO_MODELS = {
    "Holzinger-Swineford three-factor CFA (lavaan's classic example)": (
        "holzinger_swineford",
        "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9", {}),
    "Political democracy SEM with indirect effects (Bollen, 1989)": (
        "political_democracy",
        "ind60 =~ x1 + x2 + x3\ndem60 =~ y1 + y2 + y3 + y4\ndem65 =~ y5 + y6 + y7 + y8\n"
        "dem60 ~ a*ind60\ndem65 ~ c*ind60 + b*dem60\ny1 ~~ y5\ny2 ~~ y4 + y6\ny3 ~~ y7\n"
        "y4 ~~ y8\ny6 ~~ y8\nindirect := a*b\ntotal := c + a*b", {}),
    "Measurement invariance across schools: metric (equal loadings)": (
        "holzinger_swineford",
        "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9",
        {"group": "school", "group_equal": ["loadings"]}),
}


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a data file by its extension (the reader of ``ls.sem(model, path)``), with a clear
    error for what cannot be read."""
    try:
        return read_data_file(path)
    except DataError as exc:
        raise SystemExit(f"error: {exc}") from None


def _clean(x):
    if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
        return None
    return x


def _fit_to_json(fit) -> dict:
    params = fit.params.astype(object).where(fit.params.notna(), None)
    return {
        "converged": bool(fit.converged),
        "nobs": list(fit.nobs),
        "warnings": list(fit.warnings),
        "fit_measures": {k: _clean(v) for k, v in fit.fit_measures.items()},
        "params": [{k: _clean(v) for k, v in row.items()} for row in params.to_dict(orient="records")],
    }


def _split_list(text):
    return [t.strip() for t in str(text).split(",") if t.strip()] if text else []


def cmd_sem(args) -> int:
    model_path = Path(args.model)
    if not model_path.exists():
        raise SystemExit(f"error: model file {str(model_path)!r} does not exist")
    model = model_path.read_text(encoding="utf-8")
    data = read_table(args.data)
    codes = _split_list(args.missing_codes)
    try:
        codes = [float(c) for c in codes]
    except ValueError:
        raise SystemExit(f"error: --missing-codes takes numbers separated by commas, got {args.missing_codes!r}") from None
    if codes:
        data = apply_missing_codes(data, codes)
    for msg in suspicious_codes(data):
        print(f"warning: {msg}", file=sys.stderr)
    ordered = _split_list(args.ordered)
    kwargs = dict(std_lv=args.std_lv, group=args.group, missing=args.missing)
    if args.estimator:
        kwargs["estimator"] = args.estimator
    if ordered:
        kwargs["ordered"] = ordered
    try:
        fit = ls.sem(model, data, **kwargs)
    except (ValueError, NotImplementedError) as exc:
        raise SystemExit(f"error: {exc}") from None
    if args.json:
        print(json.dumps(_fit_to_json(fit), indent=2, default=str))
    else:
        print(fit.summary())
    return 0 if fit.converged else 1


LOYALTY_MODEL = "attitudinal =~ al1 + al2 + al3\npurchase =~ bl1 + bl2 + bl3"


def _population(instrument) -> str:
    """A population model for every construct of the instrument: loadings 1, .9, .8, ...,
    factor variances 1, factor correlations .5, residual variances .6 (the known truth)."""
    lines = []
    constructs = list(instrument.constructs)
    for c in constructs:
        items = instrument.items_of(c)
        lines.append(f"{c} =~ " + " + ".join(f"{1 - 0.1 * i:.1f}*{it}" for i, it in enumerate(items)))
        lines.append(f"{c} ~~ 1*{c}")
        lines += [f"{it} ~~ 0.6*{it}" for it in items]
    for i, a in enumerate(constructs):
        lines += [f"{a} ~~ 0.5*{b}" for b in constructs[i + 1:]]
    return "\n".join(lines)


def _demo_survey_export(folder: Path) -> Path:
    """A simulated two-wave export of the brand-loyalty questionnaire (7-point items), with the
    problems real exports have: a declared missing code, an out-of-range answer, a text label,
    a duplicated row and an empty row. The truth is :func:`_population`."""
    population = _population(ls.load_instrument("brand_loyalty"))
    waves = []
    for k, wave in enumerate(("2025", "2026")):
        d = ls.simulate(population, 300, seed=100 + k, ordinal_levels=7).astype(object)
        d.insert(0, "respondent", [f"W{wave[-2:]}-{i:04d}" for i in range(len(d))])
        d["wave"] = wave
        waves.append(d)
    df = pd.concat(waves, ignore_index=True)
    df.loc[3, "al2"] = -99            # declared "no answer"
    df.loc[10, "bl1"] = 9             # out of range on a 1-7 scale
    df.loc[11, "al3"] = "Agree"       # a text label instead of its code
    df.loc[12, [c for c in df.columns if c not in ("respondent", "wave")]] = None   # an empty row
    df = pd.concat([df, df.iloc[[20]]], ignore_index=True)         # an exact duplicate
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "brand_loyalty_export.csv"
    df.to_csv(path, index=False)
    return path


def cmd_demo(args) -> int:
    out_dir = Path(args.out)
    print("loyaltyscope demo: a two-wave brand-loyalty study on simulated data, then the classic")
    print("lavaan examples on the bundled data sets\n")
    sections = []

    def show(title, result, note=""):
        print("=" * 78)
        print(title)
        print("=" * 78)
        print(result.summary() if hasattr(result, "summary") else result.to_string())
        print()
        sections.append(ls.Section(title, result, note))

    export = _demo_survey_export(out_dir)
    instrument = ls.load_instrument("brand_loyalty")
    responses = ls.read_responses(export, instrument, id_column="respondent", other_columns=["wave"])
    show("1. Reading the raw export against the questionnaire", responses,
         "Every input row ends in the analysis set or in the exclusion log.")
    screening = ls.screen(responses)
    show("2. Careless-responding screen (flags only, nothing excluded)", screening)
    full_model = instrument.to_model()
    show("3. Reliability per construct (alpha, omega, AVE)", ls.reliability(full_model, responses.data))
    show("4. Discriminant validity: HTMT", ls.htmt(full_model, responses.data))
    data = responses.data.join(responses.other[["wave"]])
    fit = ls.sem(LOYALTY_MODEL, data, estimator="MLR", missing="fiml")
    show("5. CFA: attitudinal vs purchase loyalty (MLR, FIML)", fit)
    inv = ls.invariance(LOYALTY_MODEL, data.dropna(), "wave", estimator="MLR")
    show("6. Is the scale the same in both waves? Measurement invariance", inv)
    for i, (title, (dataset, model, opts)) in enumerate(DEMO_MODELS.items(), start=7):
        show(f"{i}. {title}", ls.sem(model, ls.load_dataset(dataset), **opts))
    out = ls.write_report(sections, out_dir, title="loyaltyscope demo study")
    print(f"report written to {out}")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="loyaltyscope", description=__doc__.split("\n\n")[0])
    ap.add_argument("--version", action="version", version=f"loyaltyscope {ls.__version__}")
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="run the main job on the bundled example data")
    p.add_argument("--out", default="report", help="folder for the report (when written)")
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser("sem", help="fit a lavaan-syntax model to a data file")
    p.add_argument("model", help="file with the model in lavaan syntax")
    p.add_argument("data", help="data file (.csv, .tsv, .parquet, .xlsx, .sav, .dta)")
    p.add_argument("--std-lv", action="store_true", help="fix latent variances to 1 (std.lv = TRUE)")
    p.add_argument("--group", default=None, help="grouping column")
    p.add_argument("--json", action="store_true", help="print JSON instead of the summary")
    p.add_argument("--missing-codes", default=None, metavar="CODES",
                   help="values that mean 'no answer', comma-separated (e.g. -99,999): set to missing")
    p.add_argument("--missing", default="listwise", choices=["listwise", "fiml"],
                   help="listwise deletion (default) or full-information ML")
    p.add_argument("--estimator", default=None, help="ML (default), MLR, MLM, or WLSMV with --ordered")
    p.add_argument("--ordered", default=None, metavar="ITEMS",
                   help="ordinal items, comma-separated: polychoric correlations and WLSMV")
    p.set_defaults(func=cmd_sem)
    args = ap.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
