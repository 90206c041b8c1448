"""``ls.sem()`` and ``ls.cfa()``: the front door of the SEM pipeline.

The arguments are resolved once into a frozen :class:`~loyaltyscope.cbsem.options.SemOptions`
(lavaan's defaults and checks); :func:`loyaltyscope.cbsem.pipeline.run` then runs the stages
(data -> parameter table -> sample statistics -> estimator plug-in -> results).

R equivalent: ``lavaan::sem(model, data, ...)``.
"""

from __future__ import annotations

import pandas as pd

from loyaltyscope.cbsem import pipeline
from loyaltyscope.cbsem.data_input import as_data_frame
from loyaltyscope.cbsem.esem import fit_esem, has_efa_blocks, rotation_args as _rotation_args
from loyaltyscope.cbsem.options import resolve_options
from loyaltyscope.cbsem.results import SemResult
from loyaltyscope.numerics.threads import single_blas_thread

__all__ = ["sem", "cfa"]

# options an EFA-block (ESEM) fit takes at lavaan's default only (cbsem/esem.py reads none of them)
ESEM_FIXED_OPTIONS = ("orthogonal", "std_ov", "likelihood", "int_ov_free", "int_lv_free", "test", "information")


@single_blas_thread   # small matrices: extra BLAS threads only contend (also for lazily computed parts)
def sem(model: str, data: pd.DataFrame | None = None, *, estimator: str | None = None,
        missing: str = "listwise", group: str | None = None, group_equal=None, group_partial=None,
        ordered=None, std_lv: bool = False, se: str | None = None, bootstrap: int = 1000,
        seed: int | None = None, sample_cov=None, sample_nobs=None, sample_mean=None,
        meanstructure: bool | None = None, fixed_x: bool | None = None, max_iter: int = 500,
        start: SemResult | None = None, boot_ci: str = "perc", bollen_stine: bool = False,
        workers: int | None = None, progress: bool | None = None, rotation: str = "geomin",
        rotation_se: str = "bordered", rotation_args: dict | None = None,
        parameterization: str = "delta", orthogonal: bool = False, **lavaan_options) -> SemResult:
    """Fit a structural equation / confirmatory factor model by maximum likelihood.

    Parameters
    ----------
    model : lavaan model syntax (``=~ ~ ~~ ~1 := == < >``, labels and modifiers).
    data : DataFrame with the observed variables (and ``group``), a path to a data file, or
        validated ``Responses`` (:mod:`loyaltyscope.cbsem.data_input`).
    estimator : ``"ML"`` (default), ``"MLR"``, ``"MLM"``; with ``ordered=`` ``"WLSMV"`` (default)
        or ``"DWLS"`` (an explicit ML-family estimator with ``ordered=`` is an error, as ordinal
        items imply the WLSMV family in lavaan); without ``ordered=`` also ``"WLSMV"``,
        ``"DWLS"`` or ``"WLS"`` on the sample covariances with the ADF weight matrix
        (:mod:`loyaltyscope.cbsem.estimators.continuous_wls`).
    missing : ``"listwise"`` (rows with any missing model variable are dropped and listed in
        ``result.dropped``), ``"fiml"`` (full-information ML) or, with ``ordered=``,
        ``"pairwise"`` (thresholds from the available cases, polychorics from the
        pairwise-complete ones; rows with every item missing are left out and listed).
    group : column whose values define groups (labels in order of first appearance).
    group_equal : kinds of parameters held equal across groups (``"loadings"``,
        ``"intercepts"``, ``"means"``, ``"residuals"``, ``"residual.covariances"``,
        ``"lv.variances"``, ``"lv.covariances"``, ``"regressions"``).
    group_partial : parameters exempt from ``group_equal``, e.g. ``["visual =~ x2"]``.
    ordered : ordinal (Likert) items: polychoric correlations, thresholds as ``|`` rows, WLSMV
        (:mod:`loyaltyscope.cbsem.estimators.dwls`; R: ``ordered = c(...)``).
    parameterization : with ``ordered=``: ``"delta"`` (default; the scales of the latent
        responses y* are fixed, their residual variances follow) or ``"theta"`` (the residual
        variances are fixed, the scales follow; :mod:`loyaltyscope.cbsem.ordinal_theta`).
    std_lv : identify latent variables by fixing their variances to 1 (all loadings free).
    sample_cov, sample_nobs, sample_mean : fit from moments instead of raw data (the
        covariance matrix is taken as unbiased and rescaled by (N-1)/N, as lavaan does).
    meanstructure : add intercepts/means (default: with groups or ``~ 1`` in the model).
    fixed_x : treat exogenous observed covariates as fixed (lavaan's ``fixed.x = TRUE``);
        ``None``: lavaan's default (TRUE, but FALSE for WLSMV/DWLS/WLS on continuous items).
    max_iter : iterations allowed to the optimiser per start (lavaan: ``control = list(iter.max = )``).
    start : a previous fit whose estimates start this one (lavaan: ``start = fit``), e.g. the
        freer model of a nested sequence; the usual start values remain the fallback.
    se : ``None`` (lavaan's default: robust for WLSMV, else standard), ``"standard"``,
        ``"robust.sem"`` (the (D)WLS family), ``"none"``, or ``"bootstrap"``: ``bootstrap`` nonparametric resamples
        (reproducible with ``seed``, in ``workers`` processes, default all cores; a progress
        bar when ``progress`` or stderr is a terminal) give ``se``, ``z``, ``pvalue`` and the
        ``boot_ci`` interval (``"perc"``, ``"bca"``, ``"bca.simple"``, ``"norm"``, ``"basic"``)
        of every parameter, defined ones included; ``result.extra["bootstrap"]`` holds the
        resample estimates, counts of failed resamples and ``.ci(kind)``
        (:mod:`loyaltyscope.cbsem.bootstrap`). R: ``se = "bootstrap", bootstrap = 1000``.
    bollen_stine : also the Bollen-Stine bootstrap p-value of the model test
        (``result.extra["bollen_stine"]``; R: ``test = "bollen.stine"``).
    orthogonal : fix the covariances among latent variables that are added by default to 0
        (lavaan's ``orthogonal = TRUE``; covariances written in the model stay free).
    **lavaan_options : lavaan's ``test``, ``information`` (the ML family: standard /
        Satorra-Bentler / Yuan-Bentler-Mplus tests, expected / observed information),
        ``likelihood="wishart"``, ``std_ov``, ``int_ov_free``, ``int_lv_free``; ``h1_information``,
        ``observed_information``, ``ridge`` at lavaan's value only. What is not implemented raises
        ``NotImplementedError`` naming the option (:mod:`loyaltyscope.cbsem.options`,
        docs/lavaan-options.md).
    rotation, rotation_se, rotation_args : EFA blocks (``efa("b")*f1 + efa("b")*f2 =~ ...``,
        :mod:`loyaltyscope.cbsem.esem`): ``"geomin"`` (default) or ``"oblimin"``; standard errors
        ``"bordered"`` (lavaan's default) or ``"delta"``; lavaan's ``rotation.args``
        (``geomin.epsilon`` 0.001, ``rstarts`` 30, ``gpa.tol``, ``std.ov``, ``oblimin.gamma``);
        ``seed`` also seeds the random rotation starts. Ignored without EFA blocks (as lavaan).
        R: ``sem(..., rotation = "geomin", rotation.se = "bordered", rotation.args = list())``.

    Returns
    -------
    SemResult

    Notes
    -----
    Follows lavaan 0.6 (``sem()``/``cfa()`` defaults; ``likelihood = "normal"``;
    ``information = "expected"``). R: ``lavaan::sem(model, data, std.lv = ...)``.
    """
    data = as_data_frame(data)   # DataFrame, path to a data file, or validated Responses
    if data is None and sample_cov is None:
        raise ValueError("give either data= or sample_cov= with sample_nobs=")
    options = resolve_options(estimator=estimator, se=se, missing=missing, ordered=ordered, group=group,
                              group_equal=group_equal, group_partial=group_partial, std_lv=std_lv,
                              meanstructure=meanstructure, fixed_x=fixed_x, max_iter=max_iter,
                              bootstrap=bootstrap, seed=seed, boot_ci=boot_ci, bollen_stine=bollen_stine,
                              workers=workers, progress=progress, parameterization=parameterization,
                              data_columns=list(data.columns) if isinstance(data, pd.DataFrame) else None,
                              raw_data=sample_cov is None, orthogonal=orthogonal,
                              lavaan_options=lavaan_options)
    if has_efa_blocks(model):
        plain = resolve_options(estimator=estimator, se=None, missing=missing, ordered=ordered, group=group,
                                data_columns=list(data.columns) if isinstance(data, pd.DataFrame) else None,
                                raw_data=sample_cov is None)
        changed = [f"{k}={getattr(options, k)!r}" for k in ESEM_FIXED_OPTIONS if getattr(options, k) != getattr(plain, k)]
        if options.se not in (plain.se, "bootstrap", "none"):
            changed.append(f"se={options.se!r} with estimator={options.estimator!r}")
        if changed:
            raise NotImplementedError(f"{', '.join(changed)} with EFA blocks (efa(...)*) is not implemented; the "
                                      "exploratory SEM uses lavaan's defaults for these options")
    if has_efa_blocks(model):    # ESEM: the unrotated form is fitted, then rotated (cbsem/esem.py)
        return fit_esem(model, data, options, _rotation_args(rotation, rotation_args, seed), rotation_se=rotation_se,
                        sample_cov=sample_cov, sample_nobs=sample_nobs, sample_mean=sample_mean, start=start)
    return pipeline.run(model, data, options, sample_cov=sample_cov, sample_nobs=sample_nobs,
                        sample_mean=sample_mean, start=start)


def cfa(model: str, data: pd.DataFrame | None = None, **kwargs) -> SemResult:
    """Confirmatory factor analysis: :func:`sem` with the same defaults (R: ``lavaan::cfa``)."""
    return sem(model, data, **kwargs)
