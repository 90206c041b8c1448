"""The CLI's study and analysis sub-commands (``run``, ``validate``, ``demo``, ``report``,
``efa``, ``alpha``, ``pls``, ``drivers``); ``loyaltyscope.cli`` builds the parser."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import loyaltyscope as ls

__all__ = ["add_commands"]

_EXAMPLES = {
    "run": "example:\n  loyaltyscope run study.yaml --out results/\n  loyaltyscope run study.yaml --out results/ --json",
    "validate": "example:\n  loyaltyscope validate study.yaml",
    "demo": "example:\n  loyaltyscope demo --out report/\n  loyaltyscope demo --out report-zh/ --language zh",
    "report": "example:\n  loyaltyscope report study.yaml --out results/ --language zh",
    "efa": "example:\n  loyaltyscope efa answers.csv --factors 4 --rotation oblimin\n"
           "  loyaltyscope efa answers.csv --columns q1 q2 q3 q4 q5 q6 --json",
    "alpha": "example:\n  loyaltyscope alpha answers.csv --columns q1 q2 q3 --reverse q2",
    "pls": "example:\n  loyaltyscope pls ecsi_model.txt mobi.csv --bootstrap 1000 --seed 1",
    "drivers": "example:\n  loyaltyscope drivers survey.csv --outcome overall --drivers price service quality",
}


def _parser(sub, name, help_text):
    return sub.add_parser(name, help=help_text, description=help_text, epilog=_EXAMPLES[name],
                          formatter_class=argparse.RawDescriptionHelpFormatter)


def _allow_outside(p) -> None:
    p.add_argument("--allow-outside", action="store_true",
                   help="let the study file name data or instrument files outside its folder (only for a study "
                        "file you trust)")


def add_commands(sub) -> None:
    p = _parser(sub, "run", "run a study file: validate, screen, analyse, write the five outputs")
    p.add_argument("study", help="study YAML file")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--json", action="store_true", help="print results.json to standard output")
    _allow_outside(p)
    p.set_defaults(func=cmd_run)
    p = _parser(sub, "validate", "check a study file and its data without fitting anything")
    p.add_argument("study", help="study YAML file")
    p.add_argument("--json", action="store_true", help="print the row accounting as JSON")
    _allow_outside(p)
    p.set_defaults(func=cmd_validate)
    p = _parser(sub, "demo", "run a full study on bundled example data (simulated) and write its report")
    p.add_argument("--out", default="report", help="output folder (default: report/)")
    p.add_argument("--language", default="en", choices=["en", "zh"], help="report language")
    p.add_argument("--json", action="store_true", help="print results.json to standard output")
    p.set_defaults(func=cmd_demo)
    p = _parser(sub, "report", "run a study and write its report in the chosen language")
    p.add_argument("study", help="study YAML file")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--language", choices=["en", "zh"], default=None, help="override the study's language")
    p.add_argument("--json", action="store_true", help="print results.json to standard output")
    _allow_outside(p)
    p.set_defaults(func=cmd_report)
    p = _parser(sub, "efa", "exploratory factor analysis with parallel analysis (psych::fa conventions)")
    p.add_argument("data", help="data file")
    p.add_argument("--columns", nargs="+", default=None, help="item columns (default: all numeric columns)")
    p.add_argument("--factors", type=int, default=None, help="number of factors (default: parallel analysis)")
    p.add_argument("--rotation", default="oblimin")
    p.add_argument("--method", default="minres", choices=["minres", "ml", "pa"])
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_efa)
    p = _parser(sub, "alpha", "coefficient alpha with item statistics (psych::alpha conventions)")
    p.add_argument("data", help="data file")
    p.add_argument("--columns", nargs="+", default=None, help="item columns (default: all numeric columns)")
    p.add_argument("--reverse", nargs="*", default=None, help="reverse-keyed items")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_alpha)
    p = _parser(sub, "pls", "PLS path model (SmartPLS / seminr conventions)")
    p.add_argument("model", help="file with the model (=~ Mode A, <~ Mode B, ~ paths)")
    p.add_argument("data", help="data file")
    p.add_argument("--bootstrap", type=int, default=0)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--scheme", default="path", choices=["path", "centroid", "factorial"])
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_pls)
    p = _parser(sub, "drivers", "key-driver analysis: Shapley/LMG shares, relative weights, betas")
    p.add_argument("data", help="data file")
    p.add_argument("--outcome", required=True)
    p.add_argument("--drivers", nargs="+", required=True)
    p.add_argument("--bootstrap", type=int, default=0)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_drivers)


def _finish(result, as_json: bool, out_dir: Path | None = None) -> int:
    if as_json and out_dir is not None:
        print((out_dir / "results.json").read_text(encoding="utf-8"))
    else:
        print(result.summary())
        if out_dir is not None:
            print(f"\nwritten to {out_dir}/: " + ", ".join(result.files.values()))
    return 1 if result.failed else 0


def cmd_run(args) -> int:
    out = Path(args.out)
    return _finish(ls.run_study(args.study, out, allow_outside=args.allow_outside), args.json, out)


def cmd_report(args) -> int:
    import dataclasses
    spec = ls.load_study(args.study, allow_outside=args.allow_outside)
    if args.language:
        spec = dataclasses.replace(spec, language=args.language)
    out = Path(args.out)
    return _finish(ls.run_study(spec, out), args.json, out)


def cmd_validate(args) -> int:
    from loyaltyscope.study.runner import prepare_study
    spec = ls.load_study(args.study, allow_outside=args.allow_outside)
    ctx = prepare_study(spec)
    rows = ctx.row_counts()
    if args.json:
        print(json.dumps({"rows": rows, "analyses": list(spec.analyses)}, indent=1))
    else:
        print(f"{spec.source}: valid. {rows['read']} rows read, {rows['kept']} usable, {rows['excluded']} excluded "
              f"at reading; analyses to run: {', '.join(spec.analyses) or 'none'}")
    return 0


def cmd_demo(args) -> int:
    from loyaltyscope.study.demo_data import write_demo_study, write_ecsi_study
    out = Path(args.out)
    print("loyaltyscope demo: a two-wave brand-loyalty study on SIMULATED example data "
          "(written to data/ beside the report), from raw export to report; then the ECSI model "
          "under PLS on the real mobi survey (ecsi/)\n", file=sys.stderr)
    study = write_demo_study(out / "data", language=args.language)
    result = ls.run_study(study, out, progress=True)
    code = _finish(result, args.json, out)
    ecsi = ls.run_study(write_ecsi_study(out / "ecsi" / "data", language=args.language), out / "ecsi", progress=True)
    if not args.json:
        print()
    code = max(code, _finish(ecsi, args.json, out / "ecsi"))
    return code


def _items(args):
    from loyaltyscope.cli import read_table
    d = read_table(args.data)
    cols = args.columns or [c for c in d.columns if d[c].dtype.kind in "if"]
    missing = [c for c in cols if c not in d.columns]
    if missing:
        raise SystemExit(f"error: columns not in {Path(args.data).name}: {', '.join(missing)}")
    return d, cols


def _print(result, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result.to_dict() if hasattr(result, "to_dict") else {}, indent=1, default=str))
    else:
        print(result.summary())


def cmd_efa(args) -> int:
    d, cols = _items(args)
    k = args.factors or ls.parallel_analysis(d[cols], seed=1).n_factors or 1
    _print(ls.efa(d[cols], int(k), rotation=args.rotation, method=args.method), args.json)
    return 0


def cmd_alpha(args) -> int:
    d, cols = _items(args)
    _print(ls.alpha(d[cols], reverse=args.reverse), args.json)
    return 0


def cmd_pls(args) -> int:
    from loyaltyscope.cli import read_table
    if not hasattr(ls, "pls"):
        raise SystemExit("error: PLS is not available in this version")
    model = Path(args.model).read_text(encoding="utf-8")
    fit = ls.pls(model, read_table(args.data), scheme=args.scheme, bootstrap=args.bootstrap, seed=args.seed)
    _print(fit, args.json)
    return 0


def cmd_drivers(args) -> int:
    from loyaltyscope.cli import read_table
    if not hasattr(ls, "key_drivers"):
        raise SystemExit("error: key-driver analysis is not available in this version")
    res = ls.key_drivers(read_table(args.data), args.outcome, args.drivers, bootstrap=args.bootstrap, seed=args.seed)
    _print(res, args.json)
    return 0
