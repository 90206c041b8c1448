"""The steps a study runs, one function each, over the public API only.

Each step takes the study context (instrument, analysis data, kept columns) and the options
from the study file, and returns a :class:`StepOutput`: the result object, its figures (SVG),
a note for the report, the step's warnings, and its numbers for results.json. Notes,
captions and figure labels are in the study's language (``spec.language``; the phrases are in
:mod:`loyaltyscope.report.i18n`, the sentences about results in :mod:`.notes`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import pandas as pd

from loyaltyscope.numerics.display import ResultProtocol, jsonable
from loyaltyscope.report import figures as fg
from loyaltyscope.report.i18n import phrase
from loyaltyscope.report.path_diagram import path_diagram_svg
from loyaltyscope.study import notes
from loyaltyscope.study.notes import FIT_CUTOFFS, fit_verdict

__all__ = ["StudyContext", "StepOutput", "STEPS", "FIT_CUTOFFS", "fit_verdict", "screening_step",
           "descriptives_step"]


@dataclass(frozen=True)
class StepOutput:
    result: object = None
    figures: tuple = ()              # (key, caption, svg)
    note: str = ""
    warnings: tuple = ()
    numbers: dict = field(default_factory=dict)
    failed: str = ""
    seconds: float = 0.0

    def with_seconds(self, s: float) -> "StepOutput":
        return dataclasses.replace(self, seconds=s)


@dataclass(frozen=True)
class StudyContext:
    spec: object
    instrument: object
    responses: tuple                 # (DataFile, Responses) per file, after screening
    data: pd.DataFrame               # item answers of the analysis set
    other: pd.DataFrame              # kept columns (+ "wave")
    exclusions: pd.DataFrame         # file, row, respondent, reason, stage
    n_read: int

    @classmethod
    def assemble(cls, spec, instrument, parts) -> "StudyContext":
        """The analysis set from ``(DataFile, Responses)`` pairs: items stacked, kept columns
        and the wave label beside them, every exclusion with its file."""
        datas, others, excl = [], [], []
        for f, r in parts:
            d = r.data.copy()
            o = r.other.copy() if r.other is not None else pd.DataFrame(index=d.index)
            o = o.reindex(d.index)
            if f.wave is not None:
                o["wave"] = f.wave
            datas.append(d)
            others.append(o)
            e = r.excluded.copy()
            e.insert(0, "file", f.path.name)
            excl.append(e)
        data = pd.concat(datas)
        other = pd.concat(others)
        if data.index.has_duplicates and len(parts) > 1:
            keys = [f"{f.wave}/{i}" for (f, r) in parts for i in r.data.index]
            data.index = other.index = pd.Index(keys, name=data.index.name)
        exclusions = pd.concat(excl, ignore_index=True) if excl else pd.DataFrame()
        n_read = sum(int(r.n_read) for _, r in parts)
        return cls(spec, instrument, parts, data, other, exclusions, n_read)

    def after_screening(self, step: StepOutput) -> "StudyContext":
        parts = step.numbers.get("_parts")
        if not parts:
            return self
        return self.assemble(self.spec, self.instrument, tuple(parts))

    def row_counts(self) -> dict:
        kept, excluded = len(self.data), len(self.exclusions)
        if kept + excluded != self.n_read:
            raise RuntimeError(f"row accounting broken: {kept} kept + {excluded} excluded != {self.n_read} read")
        return {"read": self.n_read, "kept": kept, "excluded": excluded}

    def frame(self) -> pd.DataFrame:
        """Items and kept columns side by side (for models with groups or covariates)."""
        return self.data.join(self.other.drop(columns=[c for c in self.other if c in self.data]))

    @property
    def language(self) -> str:
        return getattr(self.spec, "language", "en") or "en"

    def text(self, item: str) -> str:
        try:
            t = self.instrument.item(item).text
        except (KeyError, ValueError, AttributeError):
            return item
        return t.get(self.spec.language) or t.get("en") or item


def _numbers(result) -> dict:
    """results.json numbers of a result: lavaan's names for SEM fits, tables otherwise."""
    out = {}
    if hasattr(result, "fit_measures") and hasattr(result, "params"):
        out["fit_measures"] = jsonable(dict(result.fit_measures))
        out["params"] = jsonable(result.params.to_dict("records"))
    if hasattr(result, "to_dict"):
        try:
            for k, v in result.to_dict().items():
                out.setdefault(k, v)
        except (TypeError, ValueError):
            pass
    if hasattr(result, "warnings"):
        out["warnings"] = list(result.warnings)
    return out


# --------------------------------------------------------------------------------------------- steps
def screening_step(ctx: StudyContext, opts) -> StepOutput:
    import loyaltyscope as ls
    exclude = list(opts.get("exclude") or []) or None
    parts, screens, warns = [], [], []
    for f, r in ctx.responses:
        s = ls.screen(r, exclude=exclude)
        screens.append(s)
        parts.append((f, s.responses))
        warns += list(getattr(s, "warnings", ()) or ())
    res = screens[0] if len(screens) == 1 else None
    flags = pd.concat([s.flags for s in screens])
    table = flags[[c for c in flags.columns if c.endswith("_flag")]].sum().astype(int).rename("flagged").to_frame()
    table["share"] = table["flagged"] / max(len(flags), 1)
    note = (phrase("screen_flags_only", ctx.language) if not exclude
            else phrase("screen_excluded", ctx.language, flags=", ".join(exclude)))
    return StepOutput(result=res if res is not None else table, note=note, warnings=tuple(warns),
                      numbers={"flags": {k: int(v) for k, v in table["flagged"].items()}, "_parts": parts})


def descriptives_step(ctx: StudyContext, opts) -> StepOutput:
    d = ctx.data
    t = pd.DataFrame({"n": d.notna().sum(), "missing": d.isna().sum(), "mean": d.mean(), "sd": d.std(),
                      "min": d.min(), "max": d.max()})
    t.insert(0, "wording", [ctx.text(i) for i in d.columns])
    fig = fg.svg(fg.response_distributions(d, language=ctx.language))
    return StepOutput(result=t, figures=(("distributions", phrase("cap_distributions", ctx.language), fig),),
                      numbers={"items": _records(t)})


def _records(t: pd.DataFrame):
    return jsonable(t.reset_index().to_dict("records"))


@dataclass(frozen=True)
class _Combined(ResultProtocol):
    """Several results shown as one section (their tables in order, their warnings merged)."""

    parts: tuple = ()
    title: str = "Results"
    warnings: tuple = ()

    def tables(self) -> dict[str, pd.DataFrame]:
        return {name: t for part in self.parts for name, t in part.tables().items()}


def reliability_step(ctx, opts):
    import loyaltyscope as ls
    model = ctx.instrument.to_model()
    rel = ls.reliability(model, ctx.data)
    parts = [rel]
    try:
        parts.append(ls.htmt(model, ctx.data))
    except ValueError as exc:               # e.g. fewer than two multi-item constructs
        parts.append(_Combined(title="HTMT", warnings=(f"HTMT not computed: {exc}",)))
    res = _Combined(parts=tuple(parts), title="Reliability (alpha, omega, AVE) and discriminant validity (HTMT)",
                    warnings=tuple(dict.fromkeys(w for p in parts for w in p.warnings)))
    return StepOutput(result=res, numbers=_numbers(res),
                      note=phrase("htmt_note", ctx.language))


def efa_step(ctx, opts):
    import loyaltyscope as ls
    items = ctx.data.dropna(axis=1, how="all")
    pa = ls.parallel_analysis(items, n_iter=50, seed=opts.get("seed", 1))
    k = opts.get("n_factors") or pa.n_factors or 1
    e = ls.efa(items, int(k), rotation=opts.get("rotation", "oblimin"), method=opts.get("method", "minres"))
    # the factor solution's eigenvalues against the quantile of random data's, the pair
    # parallel analysis decides the number of factors on (psych::fa.parallel, fa = "fa")
    ev = pa.eigenvalues
    obs, sim = ev["observed_fa"], ev["simulated_fa_quantile"]
    lang = ctx.language
    figs = (("scree", phrase("cap_scree", lang, k=int(k)), fg.svg(fg.scree_plot(obs, sim, int(k), language=lang))),
            ("loadings", phrase("cap_loadings", lang), fg.svg(fg.loadings_heatmap(e.loadings, language=lang))))
    return StepOutput(result=e, figures=figs, numbers={**_numbers(e), "n_factors": int(k)},
                      note=phrase("efa_note", lang, suggested=pa.n_factors, k=int(k)))


def _sem_output(fit, title, language="en"):
    verdict = fit_verdict(fit.fit_measures)
    figs = (("path", phrase("cap_path", language, model=phrase(title, language)),
             path_diagram_svg(fit.params, title="")),)
    nums = _numbers(fit)
    nums["verdict"] = _records(verdict)
    note = notes.fit_note(verdict, language)
    return StepOutput(result=fit, figures=tuple(f for f in figs if f[2]), note=note, numbers=nums)


def cfa_step(ctx, opts):
    import loyaltyscope as ls
    model = opts.get("model") or ctx.instrument.to_model()
    fit = ls.sem(model, ctx.data, estimator=opts.get("estimator", "ML").upper(),
                 missing=opts.get("missing", "listwise"), std_lv=bool(opts.get("std_lv", False)))
    return _sem_output(fit, "measurement model", ctx.language)


def sem_step(ctx, opts):
    import loyaltyscope as ls
    kw = {k: v for k, v in opts.items() if k in ("missing", "std_lv", "se", "bootstrap", "seed")}
    fit = ls.sem(opts["model"], ctx.frame(), estimator=opts.get("estimator", "ML").upper(), **kw)
    return _sem_output(fit, "structural model", ctx.language)


def invariance_step(ctx, opts):
    import loyaltyscope as ls
    model = opts.get("model") or ctx.instrument.to_model()
    res = ls.invariance(model, ctx.frame().dropna(subset=list(ctx.data.columns)), opts["group"],
                        estimator=opts.get("estimator", "ML").upper())
    return StepOutput(result=res, numbers=_numbers(res), note=notes.invariance_note(res, ctx.language))


def _with_scores(ctx, names) -> pd.DataFrame:
    """The analysis frame plus a scale score (mean of the construct's items, reverse keys
    applied, as ``ls.score``) for every construct named in ``names``."""
    import loyaltyscope as ls
    frame = ctx.frame()
    constructs = [n for n in names if n in ctx.instrument.constructs and n not in frame.columns]
    if constructs:
        sc = ls.score(ctx.data, ctx.instrument, constructs=constructs).scores
        frame = frame.join(sc[constructs])
    return frame


def _figure(key, caption, result, language="en"):
    fn = getattr(result, "plot", None)
    if fn is None:
        return ()
    return ((key, caption, fg.svg(fn(language=language))),)


def pls_step(ctx, opts):
    import loyaltyscope as ls
    opts = dict(opts)
    model = opts.pop("model")
    target = opts.pop("target", None)
    lo, hi = opts.pop("scale_min", None), opts.pop("scale_max", None)
    fit = ls.pls(model, ctx.frame(), **opts)
    lang = ctx.language
    figs = (("path", phrase("cap_pls_path", lang), path_diagram_svg(fit.params)),)
    nums = _numbers(fit)
    index = fit.index(scale_min=lo, scale_max=hi)
    nums["index"] = index.to_dict()
    tgt = target or list(fit.r2.index)[-1]
    ipma = fit.ipma(target=tgt, scale_min=lo, scale_max=hi)
    nums["ipma"] = ipma.to_dict()
    figs += _figure("ipma", phrase("cap_ipma", lang, target=tgt), ipma, lang)
    note = phrase("pls_note", lang, target=tgt) + (phrase("pls_bootstrap", lang, n=int(opts["bootstrap"]))
                                                   if opts.get("bootstrap") else "")
    return StepOutput(result=fit, figures=tuple(f for f in figs if f[2]), note=note, numbers=nums,
                      warnings=tuple(index.warnings) + tuple(ipma.warnings))


def key_drivers_step(ctx, opts):
    import loyaltyscope as ls
    drivers = list(opts["drivers"])
    frame = _with_scores(ctx, [opts["outcome"]] + drivers)
    kd = ls.key_drivers(frame, opts["outcome"], drivers, bootstrap=int(opts.get("bootstrap", 0)),
                        seed=opts.get("seed"))
    figs = _figure("drivers", phrase("cap_drivers", ctx.language), kd, ctx.language)
    figs += _figure("ipa", phrase("cap_ipa", ctx.language), kd.ipa(), ctx.language)
    return StepOutput(result=kd, figures=figs, numbers=_numbers(kd), note=notes.drivers_note(kd, ctx.language))


def _analysis(name, caption, *, instrument=True, wave=False, note=None):
    """A step calling the public analysis ``ls.<name>`` on the analysis frame with the study's
    options (and the study's instrument / wave column where the analysis takes them); the
    figure's ``caption`` is a catalogue key, ``note`` a function of (result, language)."""

    def step(ctx, opts):
        import loyaltyscope as ls
        kw = dict(opts)
        if instrument:
            kw.setdefault("instrument", ctx.instrument)
        if wave:
            if "wave" not in ctx.other:
                raise ValueError("compare_waves needs data files with wave labels (data[i].wave)")
            kw.setdefault("wave", "wave")
        res = getattr(ls, name)(ctx.frame(), **kw)
        lang = ctx.language
        return StepOutput(result=res, figures=_figure(name, phrase(caption, lang), res, lang), numbers=_numbers(res),
                          note=note(res, lang) if note else "")

    step.__name__ = f"{name}_step"
    return step


STEPS = {
    "reliability": reliability_step, "efa": efa_step, "cfa": cfa_step, "sem": sem_step,
    "pls": pls_step, "key_drivers": key_drivers_step, "invariance": invariance_step,
    "channel_preferences": _analysis("channel_preferences", "cap_channels"),
    "loyalty": _analysis("loyalty", "cap_loyalty", note=notes.loyalty_note),
    "satisfaction_chain": _analysis("satisfaction_chain", "cap_chain"),
    "compare_waves": _analysis("compare_waves", "cap_waves", wave=True, note=notes.waves_note),
}
