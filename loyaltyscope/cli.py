"""Command line: ``loyaltyscope <command> ...``. Calls only the public API.

Commands (each has ``--help`` with examples):

- ``loyaltyscope run STUDY.yaml --out DIR`` — read, validate, screen and analyse a study;
  write report.html, results.json, results.xlsx, exclusions.csv and methods.md.
- ``loyaltyscope validate STUDY.yaml`` — check the study file and its data without fitting.
- ``loyaltyscope demo [--out DIR]`` — the main job on bundled example data (simulated).
- ``loyaltyscope report STUDY.yaml --out DIR [--language zh]`` — as ``run``, with the
  report's language overridden.
- ``loyaltyscope sem MODEL_FILE DATA_FILE`` — fit a lavaan-syntax model to a data file.
- ``loyaltyscope efa DATA_FILE``, ``alpha DATA_FILE``, ``pls MODEL_FILE DATA_FILE``,
  ``drivers DATA_FILE --outcome Y --drivers X1 X2 ...``.

Exit codes: 0 success; 1 a step failed or a model did not converge (the other steps still
ran and their outputs were written); 2 the input cannot be used (usage, study file or data
errors, with every problem listed).
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


from loyaltyscope.cli_commands import add_commands  # noqa: E402  (after read_table, which it uses)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="loyaltyscope", description=__doc__.split("\n\n")[0],
                                 epilog="Exit codes: 0 success; 1 a step failed or did not converge; "
                                        "2 unusable input.")
    ap.add_argument("--version", action="version", version=f"loyaltyscope {ls.__version__}")
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("sem", help="fit a lavaan-syntax model to a data file")
    p.add_argument("model", help="file with the model in lavaan syntax")
    p.add_argument("data", help="data file (.csv, .tsv, .parquet, .xlsx, .sav, .dta)")
    p.add_argument("--std-lv", action="store_true", help="fix latent variances to 1 (std.lv = TRUE)")
    p.add_argument("--group", default=None, help="grouping column")
    p.add_argument("--json", action="store_true", help="print JSON instead of the summary")
    p.add_argument("--missing-codes", default=None, metavar="CODES",
                   help="values that mean 'no answer', comma-separated (e.g. -99,999): set to missing")
    p.add_argument("--missing", default="listwise", choices=["listwise", "fiml", "pairwise"],
                   help="listwise deletion (default), full-information ML, or pairwise (with --ordered)")
    p.add_argument("--estimator", default=None,
                   help="ML (default), MLR, MLM; WLSMV or DWLS (ordinal items with --ordered, else continuous), WLS")
    p.add_argument("--ordered", default=None, metavar="ITEMS",
                   help="ordinal items, comma-separated: polychoric correlations and WLSMV")
    p.set_defaults(func=cmd_sem)
    add_commands(sub)
    args = ap.parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:          # output piped into head/less that closed early
        return 0
    except ls.StudyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (ls.ValidationError, ls.InstrumentError, ls.DataError, ls.ItemDataError, ls.ModelSyntaxError,
            ls.ModelSpecError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
