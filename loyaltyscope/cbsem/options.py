"""The options of one SEM fit, resolved once (lavaan's ``lavOptions()`` / ``lav_options_set``).

:func:`resolve_options` turns the arguments of :func:`loyaltyscope.sem` into one frozen
:class:`SemOptions`: defaults filled in the way lavaan 0.6-14 fills them, every combination
that lavaan refuses (or that loyaltyscope does not implement yet) rejected here, with a
message naming the option, the value and what is expected. Every later stage (data, table,
sample statistics, estimator, standard errors, test, bootstrap) reads this object and nothing
else.

Defaults (lavaan 0.6-14, ``sem()``/``cfa()``):

- ``estimator="default"``: ``"ML"``; with ``ordered=`` items ``"WLSMV"`` (DWLS estimates,
  ``se = "robust.sem"``, ``test = "scaled.shifted"``). An explicit ``"ML"``, ``"MLR"`` or
  ``"MLM"`` together with ``ordered=`` is an error (lavaan's categorical data imply the
  (D)WLS family; loyaltyscope has no categorical ML). ``"WLSMV"``/``"DWLS"``/``"WLS"``
  without ``ordered=``: the continuous (D)WLS of
  :mod:`loyaltyscope.cbsem.estimators.continuous_wls` (``"WLS"`` with ``ordered=`` is not
  implemented).
- ``fixed_x``: ``None`` = lavaan's default: TRUE, except for the (D)WLS family on continuous
  data (FALSE: the covariates' moments are free parameters).
- ``se``: ``None`` = lavaan's default: ``"robust.sem"`` for WLSMV, else ``"standard"``
  (expected information; FIML with ML: observed information; the robust sandwich for
  MLR/MLM); ``"bootstrap"`` or ``"none"``. For the (D)WLS family an explicit
  ``"standard"`` gives the standard errors of the information matrix and ``"robust.sem"``
  the sandwich, whatever the estimator (lavaan's ``se =``); the test is not changed.
- ``test``: ``"standard"`` for ML/DWLS; ``"satorra.bentler"`` for MLM;
  ``"yuan.bentler.mplus"`` for MLR; ``"scaled.shifted"`` for WLSMV.
- ``missing="listwise"``; ``"fiml"`` (alias ``"ml"``) for ML/MLR with raw data;
  ``"pairwise"`` for the (D)WLS family (univariate statistics from the available cases,
  polychorics or covariances from the pairwise-complete ones; lavaan's ``missing = "pairwise"``).
- ``parameterization``: ``"delta"`` (scales of the ordinal items' y* fixed, residual variances
  computed) or ``"theta"`` (residual variances fixed, scales computed; ordinal items only).
- ``meanstructure``: ``None`` = decide from the data (groups, ``~ 1`` rows, ``sample_mean=``,
  FIML, ordinal items).
- ``likelihood="wishart"``: ML on the unbiased covariance matrix with N - 1
  (:mod:`loyaltyscope.cbsem.wishart`); estimator ML with standard errors and test, one group,
  listwise, no fixed.x covariates, no EFA blocks.
- ``int_ov_free=False`` / ``int_lv_free=True``: the intercepts of the observed variables that
  the table adds by default fixed to 0 / the latent means free (lavaan's ``int.ov.free``,
  ``int.lv.free``; with both, the parameterization of lavaan's ``growth()``); written
  intercepts stay as written. They apply when the model has a mean structure.
- ``std_ov=True``: the observed variables (not fixed.x covariates) are standardized within each
  group before fitting, over the rows that enter the fit (lavaan's ``std.ov``, R's ``scale()``:
  sd with N - 1; under FIML over each column's observed values).
- ``orthogonal=True``: the covariances among latent variables that lavaan adds by default are
  fixed to 0 (lavaan's ``orthogonal``; written covariances stay free).

lavaan's other options (``test``, ``information``, ``h1_information``, ``observed_information``,
``likelihood``, ``ridge``; lavaan's dots become
underscores) are accepted only at the value lavaan itself uses for the fit (e.g.
``test="satorra.bentler"`` with MLM, ``information="observed"`` with FIML,
``likelihood="normal"`` with ML); any other value is a ``NotImplementedError`` naming the
option, never a fit with other semantics. So are lavaan's estimators, ``se=`` and ``missing=``
kinds that loyaltyscope does not have (GLS, ULS, MLMV, ...; ``se="first.order"``;
``missing="ml.x"``), while an unknown name stays a ``ValueError``/``TypeError``.

R equivalent: ``lavaan::lavOptions()``; ``fit@Options``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SemOptions", "resolve_options", "ESTIMATORS", "CI_KINDS"]

ESTIMATORS = ("ML", "MLR", "MLM", "WLSMV", "DWLS", "WLS")
CI_KINDS = ("perc", "bca", "bca.simple", "norm", "basic")
# lavaan's estimators, se= and missing= kinds that loyaltyscope does not implement
_LAVAAN_ESTIMATORS = ("GLS", "ULS", "ULSMV", "MLMV", "MLMVS", "MLF", "PML", "FML", "DLS", "NTRLS", "CATML",
                      "IV", "MML", "BAYES", "DWLSMV")
_LAVAAN_SE = ("robust.huber.white", "first.order", "robust.cluster", "robust.cluster.sem", "two.stage",
              "robust.two.stage", "external", "observed", "expected", "robust.sem")
_LAVAAN_MISSING = ("ml.x", "two.stage", "robust.two.stage", "available.cases", "doubly.robust")
# lavaan options accepted at lavaan's own value for the fit only (python spelling -> lavaan's)
LAVAAN_ONLY_OPTIONS = {"test": "test", "information": "information", "h1_information": "h1.information",
                       "observed_information": "observed.information", "likelihood": "likelihood",
                       "std_ov": "std.ov", "int_ov_free": "int.ov.free", "int_lv_free": "int.lv.free",
                       "ridge": "ridge"}
_TESTS = {"ML": "standard", "MLR": "yuan.bentler.mplus", "MLM": "satorra.bentler",
          "WLSMV": "scaled.shifted", "DWLS": "standard", "WLS": "standard"}


@dataclass(frozen=True)
class SemOptions:
    """Every option of one fit, resolved (see the module docstring for the defaults)."""

    estimator: str = "ML"
    se: str = "standard"
    test: str = "standard"
    missing: str = "listwise"
    ordered: tuple[str, ...] = ()
    parameterization: str = "delta"
    group: str | None = None
    group_equal: tuple[str, ...] = ()
    group_partial: tuple[str, ...] = ()
    std_lv: bool = False
    meanstructure: bool | None = None
    fixed_x: bool = True
    max_iter: int = 500
    bootstrap: int = 1000
    seed: int | None = None
    boot_ci: str = "perc"
    level: float = 0.95
    bollen_stine: bool = False
    workers: int | None = None
    progress: bool | None = None
    orthogonal: bool = False
    int_ov_free: bool = True             # lavaan's int.ov.free / int.lv.free (default intercepts, means)
    int_lv_free: bool = False
    likelihood: str = "normal"           # the ML family: "normal" or "wishart" (cbsem/wishart.py)
    std_ov: bool = False                 # observed variables standardized per group before fitting
    information: str = "expected"        # the ML family: "expected" or "observed" (lavaan's information)
    rotation: str | None = None          # ESEM: the rotation of the EFA blocks (set by cbsem/esem.py)
    efa_blocks: tuple = ()               # ESEM: ((block name, (factors, ...)), ...)

    @property
    def categorical(self) -> bool:
        return bool(self.ordered)

    @property
    def fiml(self) -> bool:
        return self.missing == "fiml"

    @property
    def robust(self) -> bool:
        """A robust (sandwich) covariance and a scaled test."""
        return self.estimator in ("MLR", "MLM", "WLSMV")

    @property
    def continuous_wls(self) -> bool:
        """The (D)WLS family on continuous items (no ``ordered=``)."""
        return self.estimator in ("WLSMV", "DWLS", "WLS") and not self.ordered

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _names(value, what: str) -> tuple[str, ...]:
    if value is None or value is False:
        return ()
    if isinstance(value, str):
        return (value,)
    try:
        return tuple(str(v) for v in value)
    except TypeError:
        raise ValueError(f"{what}={value!r}: expected a name or a list of names") from None


def _positive_int(value, name, expected, problems, fallback):
    try:
        out = int(value)
        if out >= 1 and out == value:
            return out
    except (TypeError, ValueError):
        pass
    problems.append(f"{name}={value!r}: expected {expected}")
    return fallback


def resolve_options(*, estimator=None, se=None, missing="listwise", ordered=None, group=None,
                    group_equal=None, group_partial=None, std_lv=False, meanstructure=None, fixed_x=None,
                    max_iter=500, bootstrap=1000, seed=None, boot_ci="perc", bollen_stine=False,
                    workers=None, progress=None, data_columns=None, raw_data: bool = True,
                    parameterization="delta", orthogonal=False, lavaan_options=None) -> SemOptions:
    """Fill lavaan's defaults and check every combination; all problems are collected and
    raised together (``ValueError``; ``NotImplementedError`` for what is not implemented yet).

    ``data_columns``: the columns of the data (resolves ``ordered=True`` = all of them);
    ``raw_data``: False when the fit is from moments (``sample_cov=``); ``lavaan_options``:
    the keyword arguments of ``sem()`` that are lavaan's other options (see the module docstring).
    """
    problems, missing_features = [], []
    est_in = "DEFAULT" if estimator is None else str(estimator).upper()
    if ordered is True:
        ordered = list(data_columns or ())
    ordered = _names(ordered, "ordered")
    if est_in == "DEFAULT":
        est = "WLSMV" if ordered else "ML"
    elif est_in in _LAVAAN_ESTIMATORS:
        missing_features.append(f"estimator={estimator!r} (lavaan's estimator = \"{est_in}\") is not implemented; "
                                "available: ML, MLR, MLM, WLSMV, DWLS, WLS")
        est = "ML"
    elif est_in not in ESTIMATORS:
        problems.append(f"estimator={estimator!r} is not known; expected ML, MLR, MLM, WLSMV, DWLS or WLS")
        est = "ML"
    else:
        est = est_in
    if ordered and est in ("ML", "MLR", "MLM") and est_in != "DEFAULT":
        problems.append(f"estimator={estimator!r} cannot be used with ordered= (ordinal items imply the "
                        "WLSMV family, as in lavaan); use estimator='WLSMV' (the default) or 'DWLS', or "
                        "leave ordered= out to treat the items as continuous")
    if est == "WLS" and ordered:
        missing_features.append("estimator='WLS' (full weight matrix) with ordered= is not implemented; use "
                                "'WLSMV' (the default) or 'DWLS'")
    wls_family = est in ("WLSMV", "DWLS", "WLS")
    miss = str(missing).lower()
    if miss == "ml":
        miss = "fiml"
    if miss == "direct":
        miss = "fiml"
    if miss in _LAVAAN_MISSING:
        missing_features.append(f"missing={missing!r} (lavaan's missing = \"{miss}\") is not implemented; "
                                "available: 'listwise', 'ml' (= 'fiml'), 'pairwise'")
        miss = "listwise"
    elif miss not in ("listwise", "fiml", "pairwise"):
        problems.append(f"missing={missing!r} is not known; expected 'listwise', 'fiml' or 'pairwise'")
        miss = "listwise"
    if miss == "pairwise" and not ordered and est not in ("WLSMV", "DWLS", "WLS"):
        problems.append(f"missing='pairwise' is available for the (D)WLS family (WLSMV, DWLS, WLS) only, not "
                        f"estimator={est!r}; use missing='fiml' (ML/MLR) or 'listwise'")
    if wls_family and not ordered:
        if miss == "fiml":
            problems.append(f"missing='fiml' is for the ML family; estimator={est!r} uses listwise deletion")
        if se == "bootstrap" or bollen_stine:
            missing_features.append(f"se='bootstrap' and bollen_stine=True are not available with "
                                    f"estimator={est!r} yet")
        if not raw_data:
            problems.append(f"estimator={est!r} on continuous items needs the raw data (data=): its weight "
                            "matrix is the fourth-moment (ADF) matrix of the rows, not sample_cov=")
    if est == "MLM" and miss != "listwise":
        problems.append("estimator='MLM' (Satorra-Bentler) needs complete data; use missing='listwise' "
                        "or estimator='MLR' with missing='fiml'")
    ml_family = not wls_family and not ordered
    if se is None:          # lavaan: robust.sem for WLSMV; the ML family: the estimator's own kind
        se = "robust.sem" if est == "WLSMV" else {"MLM": "robust.sem", "MLR": "robust.huber.white"}.get(est, "standard")
    se_ok = ("standard", "bootstrap", "none") + (("robust", "robust.sem") if wls_family else ())
    if ml_family:
        se_ok += ("robust.huber.white",) + (("robust.sem",) if miss == "listwise" else ())
    if se not in se_ok and se in _LAVAAN_SE:
        missing_features.append(f"se={se!r} with estimator={est!r} and missing={miss!r} is not implemented "
                                f"(lavaan's se = \"{se}\"); available: {', '.join(map(repr, se_ok))}")
    elif se not in se_ok:
        problems.append(f"se={se!r} is not known; expected one of {', '.join(map(repr, se_ok))}")
    if not raw_data:
        if se == "bootstrap" or bollen_stine:
            problems.append("se='bootstrap' (and the Bollen-Stine test) resample rows of the data: "
                            "give data=, not sample_cov=")
        if miss == "fiml":
            problems.append("missing='fiml' needs the raw data, not sample_cov=")
        if ordered:
            problems.append("ordered= (ordinal items) needs the raw data (data=), not sample_cov=")
    if ordered:
        if miss == "fiml":
            missing_features.append("ordered= (ordinal items) supports missing='listwise' or 'pairwise' only")
        if se == "bootstrap" or bollen_stine:
            missing_features.append("se='bootstrap' and bollen_stine=True are not available with ordered= "
                                    "(ordinal items) yet")
    param = str(parameterization).lower()
    if param not in ("delta", "theta"):
        problems.append(f"parameterization={parameterization!r} is not known; expected 'delta' or 'theta'")
    elif param == "theta" and not ordered:
        problems.append("parameterization='theta' is for ordinal items: give ordered=[...] as well")
    if boot_ci not in CI_KINDS:
        problems.append(f"boot_ci={boot_ci!r} is not known; expected one of {CI_KINDS}")
    max_iter = _positive_int(max_iter, "max_iter", "a positive integer", problems, 500)
    try:
        bootstrap = int(bootstrap)
    except (TypeError, ValueError):
        problems.append(f"bootstrap={bootstrap!r}: expected a whole number of resamples")
        bootstrap = 0
    if (se == "bootstrap" or bollen_stine) and bootstrap < 2:
        problems.append(f"bootstrap={bootstrap}: at least 2 resamples are needed")
    if workers is not None:
        workers = _positive_int(workers, "workers", "a positive integer (or None = all cores)", problems, None)
    extra = _other_options(lavaan_options or {}, est=est, miss=miss, se=se, group=group, ordered=ordered,
                           raw_data=raw_data, bollen_stine=bollen_stine, ml_family=ml_family, problems=problems,
                           missing_features=missing_features)
    if problems:
        raise ValueError("invalid options:\n  - " + "\n  - ".join(problems) if len(problems) > 1
                         else problems[0])
    if missing_features:
        raise NotImplementedError("; ".join(missing_features))
    if fixed_x is None:      # lavaan: fixed.x = "default" is FALSE for the (D)WLS family on continuous data
        fixed_x = not (wls_family and not ordered)
    return SemOptions(estimator=est, se=se, missing=miss, ordered=ordered, group=group,
                      group_equal=_names(group_equal, "group_equal"),
                      group_partial=_names(group_partial, "group_partial"), std_lv=bool(std_lv),
                      meanstructure=None if meanstructure is None else bool(meanstructure),
                      fixed_x=bool(fixed_x), max_iter=max_iter, bootstrap=bootstrap, seed=seed,
                      boot_ci=str(boot_ci), bollen_stine=bool(bollen_stine), workers=workers,
                      progress=progress, parameterization=param, orthogonal=bool(orthogonal), **extra)


def _other_options(lavaan_options: dict, *, est, miss, se, group, ordered, raw_data, bollen_stine, ml_family,
                   problems: list, missing_features: list) -> dict:
    """lavaan's options passed as ``**lavaan_options`` (test, information, int.ov.free,
    int.lv.free, likelihood, std.ov and the ones accepted at lavaan's value only), resolved into
    SemOptions fields; what is wrong or not implemented is appended to ``problems`` /
    ``missing_features``."""
    other = dict(lavaan_options)
    test = _TESTS[est]
    information = "observed" if (miss == "fiml" or se == "robust.huber.white") else "expected"
    if ml_family:           # the ML family: test= and information= as lavaan (robust.py)
        test, information = _ml_test_information(other, test, information, miss, se, missing_features)
    int_ov_free, int_lv_free = other.pop("int_ov_free", True), other.pop("int_lv_free", False)
    for name, value in (("int_ov_free", int_ov_free), ("int_lv_free", int_lv_free)):
        if value is not True and value is not False:
            problems.append(f"{name}={value!r}: expected True or False")
    likelihood = "normal"
    if other.get("likelihood") == "wishart" and est == "ML" and miss == "listwise" and group is None \
            and se in ("standard", "none") and test == "standard" and not bollen_stine:
        likelihood = other.pop("likelihood")
    std_ov = other.pop("std_ov", False)
    if std_ov is not False and std_ov is not True:
        problems.append(f"std_ov={std_ov!r}: expected True or False")
    elif std_ov and (ordered or not raw_data or miss == "pairwise"):
        missing_features.append("std_ov=True (lavaan's std.ov) is implemented for raw continuous data with "
                                "missing='listwise' or 'fiml' only, not with ordered=, sample_cov= or "
                                "missing='pairwise'")
    missing_features += _lavaan_only(other, est, miss, test, information)
    return dict(test=test, information=information, int_ov_free=int_ov_free is True,
                int_lv_free=int_lv_free is True, likelihood=likelihood, std_ov=std_ov is True)


def _ml_test_information(other: dict, test: str, information: str, miss: str, se: str,
                         missing_features: list):
    """``test=`` and ``information=`` of the ML family (lavaan 0.6-14): the test ``"standard"``,
    ``"satorra.bentler"`` (complete data) or ``"yuan.bentler.mplus"``, whatever the estimator;
    the information ``"expected"`` or ``"observed"`` (lavaan's default: observed with FIML or
    ``se="robust.huber.white"``, else expected; FIML: observed only). Taken out of ``other``
    when given; other values are left for :func:`_lavaan_only` to refuse.

    Not implemented (refused, naming the options): ``se="robust.sem"`` or the Satorra-Bentler
    test on the observed information, and a robust ``test=`` other than the estimator's own on
    the observed information (lavaan then switches ``observed.information`` to ``"h1"`` for
    every test statistic, a definition loyaltyscope does not have)."""
    own_test = test
    tests = ("standard", "yuan.bentler.mplus") + (("satorra.bentler",) if miss == "listwise" else ())
    infos = ("observed",) if miss == "fiml" else ("expected", "observed")
    if other.get("test") in tests:
        test = other.pop("test")
    if other.get("information") in infos:
        information = other.pop("information")
    if information == "observed" and (se == "robust.sem" or test == "satorra.bentler"):
        missing_features.append(f"se={se!r} / test={test!r} with information='observed' (lavaan's robust.sem and "
                                "Satorra-Bentler on the observed information) is not implemented; use "
                                "information='expected'")
    elif information == "observed" and test != own_test and test != "standard":
        missing_features.append(f"test={test!r} with information='observed' is not implemented: lavaan then "
                                "computes every test statistic with observed.information = 'h1'; use the "
                                "estimator that has this test (estimator='MLR' for 'yuan.bentler.mplus')")
    return test, information


def _lavaan_only(given: dict, est: str, miss: str, test: str, information: str) -> list[str]:
    """lavaan's options that loyaltyscope takes at lavaan's own value for this fit only: the
    values accepted, else one message per option naming it (``NotImplementedError``)."""
    wls = est in ("WLSMV", "DWLS", "WLS")
    accepted = {"test": ("default", test), "information": ("default", information),
                "h1_information": ("default", "unstructured" if wls else "structured"),
                "observed_information": ("default", "hessian"),
                "likelihood": ("default",) + (() if wls else ("normal",)),
                "ridge": (False,)}
    out = []
    for name, value in given.items():
        if name not in accepted:
            raise TypeError(f"sem() got an unexpected keyword argument {name!r}")
        values = value if isinstance(value, (list, tuple)) else (value,)
        if not all(any(type(v) is type(a) and v == a for a in accepted[name]) for v in values):
            out.append(f"{name}={value!r} (lavaan's {LAVAAN_ONLY_OPTIONS[name]}) is not implemented; with "
                       f"estimator={est!r} and missing={miss!r} only lavaan's own value "
                       f"{accepted[name][-1]!r} is accepted")
    return out
