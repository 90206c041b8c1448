"""Running a study: read and validate every data file against the instrument, screen, score,
run the analyses in order, and write the five outputs (report.html, results.json,
results.xlsx, exclusions.csv, methods.md).

A failing analysis is recorded (message in the report, ``failed`` in results.json, non-zero
exit code from the CLI) and the others still run. Row accounting: every row of every file is
either in the analysis set or in ``exclusions.csv`` with its reason and stage; the invariant
``read == kept + excluded`` is checked before anything is written.
"""

from __future__ import annotations

import dataclasses
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import pandas as pd

from loyaltyscope.numerics.display import ResultProtocol
from loyaltyscope.study.specification import StudyError, StudySpec, load_study
from loyaltyscope.study.steps import STEPS, StepOutput, StudyContext, descriptives_step, screening_step

__all__ = ["StudyResult", "run_study", "prepare_study"]


@dataclass(frozen=True, eq=False)
class StudyResult(ResultProtocol):
    """Everything a study produced: row accounting, each step's output (or failure), files."""

    spec: StudySpec
    rows: Mapping                        # read, kept, excluded
    steps: Mapping                       # name -> StepOutput
    exclusions: pd.DataFrame
    files: Mapping = field(default_factory=dict)
    warnings: tuple = ()

    title = "Study"

    @property
    def failed(self) -> tuple[str, ...]:
        return tuple(k for k, s in self.steps.items() if s.failed)

    def _headline(self) -> list[str]:
        r = self.rows
        out = [f"{self.spec.title}: {r['read']} rows read, {r['kept']} analysed, {r['excluded']} excluded"]
        if self.failed:
            out.append("failed steps: " + ", ".join(self.failed))
        return out

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"steps": pd.DataFrame([{"step": k, "status": "failed" if s.failed else "ok",
                                        "seconds": round(s.seconds, 2)} for k, s in self.steps.items()])}


class _Progress:
    """A bar on a terminal (tqdm), plain lines otherwise."""

    def __init__(self, total: int, enabled: bool | None):
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.bar = None
        if self.enabled and sys.stderr.isatty():
            try:
                from tqdm.auto import tqdm
                self.bar = tqdm(total=total, file=sys.stderr, unit="step", leave=False)
            except ImportError:  # pragma: no cover
                self.bar = None
        self.k, self.total = 0, total

    def step(self, name: str):
        self.k += 1
        if self.bar is not None:
            self.bar.set_description(name)
            self.bar.update(1)
        elif self.enabled:
            print(f"[{self.k}/{self.total}] {name}", file=sys.stderr, flush=True)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def prepare_study(spec: StudySpec) -> StudyContext:
    """Read and validate every data file, then screen: the analysis set and the exclusions."""
    import loyaltyscope as ls

    instrument = ls.load_instrument(spec.instrument)
    parts = []
    for f in spec.data:
        resp = ls.read_responses(f.path, instrument, id_column=spec.id_column,
                                 missing_codes=list(spec.missing_codes) or None,
                                 other_columns=[c for c in spec.keep_columns])
        parts.append((f, resp))
    return StudyContext.assemble(spec, instrument, tuple(parts))


def run_study(study, out_dir: str | Path | None = None, *, progress: bool | None = None,
              allow_outside: bool = False) -> StudyResult:
    """Run a study (a :class:`StudySpec` or the path of a study YAML file) and, with
    ``out_dir``, write its outputs there. Returns a :class:`StudyResult`.

    ``allow_outside``: let a study file name data or instrument files outside its folder
    (see :mod:`loyaltyscope.study.specification`). Outputs are written only as the five
    files in ``out_dir`` itself, never through a symbolic link found there."""
    if isinstance(study, StudySpec):
        spec = study
    elif isinstance(study, (str, Path)):
        spec = load_study(study, allow_outside=allow_outside)
    else:
        raise StudyError("<study>", [f"expected a study file path or a StudySpec, got {type(study).__name__}"])
    if out_dir is not None:
        from loyaltyscope.study.outputs import check_output_folder
        check_output_folder(Path(out_dir), spec.source)
    names = list(spec.analyses)
    bar = _Progress(len(names) + 3, progress)
    bar.step("reading and validating data")
    ctx = prepare_study(spec)
    steps: dict[str, StepOutput] = {}
    bar.step("screening")
    steps["screening"] = _timed(lambda: screening_step(ctx, spec.screening))
    ctx = ctx.after_screening(steps["screening"])
    steps["descriptives"] = _timed(lambda: descriptives_step(ctx, {}))
    for name in names:
        bar.step(name)
        steps[name] = _timed(lambda name=name: STEPS[name](ctx, dict(spec.analyses[name])))
    bar.close()
    rows = ctx.row_counts()
    warnings = tuple(f"{k}: {w}" for k, s in steps.items() for w in s.warnings)
    result = StudyResult(spec=spec, rows=rows, steps=steps, exclusions=ctx.exclusions, warnings=warnings)
    if out_dir is not None:
        from loyaltyscope.study.outputs import write_outputs
        result = dataclasses.replace(result, files=write_outputs(result, Path(out_dir)))
    return result


def _timed(fn) -> StepOutput:
    """Run a step: its time, the warnings Python emitted during it (kept with the step, not
    lost on stderr), and any failure as a message."""
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = fn()
        except Exception as exc:  # noqa: BLE001 - a failing analysis is reported, the others still run
            msg = f"{type(exc).__name__}: {exc}"
            out = StepOutput(failed=msg[:2000])
    emitted = [str(w.message) for w in caught]
    own = list(getattr(out.result, "warnings", ()) or ()) if out.result is not None else []
    merged = tuple(dict.fromkeys(own + list(out.warnings) + emitted))
    return dataclasses.replace(out, warnings=merged).with_seconds(time.perf_counter() - t0)
