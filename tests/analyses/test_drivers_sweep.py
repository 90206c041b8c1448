"""``ls.key_drivers`` and ``ls.ipa`` against R on many outcome/driver sets (tests/reference/
extra_drivers/drivers.json, written by generate.R beside it from the definitions: subset R² by
least squares, LMG over all subsets, Johnson's relative weights, ``lm`` + ``sandwich::vcovHC(type =
"HC3")`` + ``lmtest::coeftest``, ``car::vif``; quadrants at the means / medians).

Every statistic ``key_drivers`` reports is compared at the tolerance stored in the file: R²,
Shapley/LMG, relative weights, their % of R², the rank, standardized betas, unstandardized
estimates, HC3 SEs, z, p-values, VIFs, performance (driver means), the listwise accounting
(rows used, rows left out), and the importance–performance quadrants and cuts. Bad input (a
constant or linearly dependent driver, too few complete rows) must be a clear error where R's
``lm`` silently aliases a coefficient.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest

import loyaltyscope as ls
from loyaltyscope.analyses.path_effects import measurement_items
from reference import load_case, load_data, tol

REF = load_case("drivers", "extra_drivers")
CASES = {c["name"]: c for c in REF["cases"]}
ERRORS = {c["name"]: c for c in REF["errors"]}
REVERSED = 7   # a derived scale mean (generate.R's mean_of) reverses its listed items as 7 - x


def derived_data(case: dict) -> pd.DataFrame:
    """The case's data with the derived columns of generate.R's ``apply_derive`` (same ops, in order)."""
    d = load_data(case["data"])
    n = len(d)
    for o in case["derive"]:
        if o["op"] == "mean_of":
            rev = set(o["reverse"] if isinstance(o["reverse"], list) else [o["reverse"]]) if o["reverse"] else set()
            items = o["items"] if isinstance(o["items"], list) else [o["items"]]
            cols = [REVERSED - d[i] if i in rev else d[i] for i in items]
            d[o["name"]] = pd.concat(cols, axis=1).mean(axis=1, skipna=False)
        elif o["op"] == "linear":
            v = np.full(n, float(o.get("const") or 0.0))
            for k, b in (o["coef"] or {}).items():
                v = v + b * d[k].to_numpy(dtype=float)
            d[o["name"]] = v
        elif o["op"] == "holes":
            d.loc[(np.arange(n) % o["every"]) == o["offset"], o["col"]] = np.nan
        elif o["op"] == "head":
            d = d.iloc[:o["rows"]].copy()
            n = len(d)
        elif o["op"] == "indicator":
            d[o["name"]] = (np.arange(n) == o["row"] - 1).astype(float)
        elif o["op"] == "cycle":
            vals = [np.nan if v is None else v for v in o["values"]]
            strings = any(isinstance(v, str) for v in vals)
            d[o["name"]] = np.resize(np.array(vals, dtype=object if strings else float), n)
        else:
            raise AssertionError(f"unknown op {o['op']}")
    return d


def _series(case, key, drivers):
    return pd.Series(case[key], dtype=float).reindex(drivers)


@lru_cache(maxsize=None)
def fitted(name):
    """ls.key_drivers on a case (each case fitted once for all the tests that read it)."""
    c = CASES[name]
    return ls.key_drivers(derived_data(c), c["outcome"], c["drivers"], weights=c["weights"])


def test_the_sweep_is_wide():
    assert len(CASES) >= 45 and len(ERRORS) >= 5
    sizes = {len(c["drivers"]) for c in CASES.values()}
    assert min(sizes) == 2 and max(sizes) == 12
    assert {c["data"] for c in CASES.values()} >= {"holzinger_swineford_1939.csv", "political_democracy.csv",
                                                   "bfi.csv", "mobi.csv", "corp_rep_data.csv"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_decomposition(name):
    c, r = CASES[name], fitted(name)
    drivers = c["drivers"]
    imp = r.importance.loc[drivers]
    assert r.nobs == c["nobs_positive_weight"]              # R's nobs(): rows of weight 0 do not count
    assert (c["nobs_positive_weight"] < c["nobs"]) == any("have weight 0" in w for w in r.warnings)
    assert r.r2 == pytest.approx(c["r2"], abs=tol(REF, "r2"))
    for col, key in (("shapley", "shapley"), ("relative_weight", "relative_weights")):
        want = _series(c, key, drivers)
        np.testing.assert_allclose(imp[col], want, atol=tol(REF, "importance"), rtol=0, err_msg=col)
        np.testing.assert_allclose(imp[f"{col}_pct"], 100 * want / c["r2"], atol=100 * tol(REF, "importance") / c["r2"],
                                   rtol=0, err_msg=f"{col}_pct")
    assert imp["rank"].to_dict() == c["rank"]
    np.testing.assert_allclose(imp["performance"], _series(c, "performance", drivers),
                               atol=tol(REF, "performance"), rtol=tol(REF, "performance"))


@pytest.mark.parametrize("name", sorted(CASES))
def test_coefficients(name):
    c, r = CASES[name], fitted(name)
    drivers = c["drivers"]
    co = r.coefficients.loc[drivers]
    np.testing.assert_allclose(co["beta"], _series(c, "beta", drivers), atol=tol(REF, "beta"), rtol=0, err_msg="beta")
    np.testing.assert_allclose(r.importance.loc[drivers, "beta"], _series(c, "beta", drivers), atol=tol(REF, "beta"),
                               rtol=0)
    np.testing.assert_allclose(co["est"], _series(c, "est", drivers), rtol=tol(REF, "est_rel"), atol=0, err_msg="est")
    np.testing.assert_allclose(co["se"], _series(c, "se", drivers), rtol=tol(REF, "se_rel"), atol=0, err_msg="se")
    np.testing.assert_allclose(co["beta_se"], _series(c, "beta_se", drivers), rtol=tol(REF, "se_rel"), atol=0,
                               err_msg="beta_se")
    np.testing.assert_allclose(co["t"], _series(c, "t", drivers), rtol=tol(REF, "se_rel"), atol=0, err_msg="t")
    np.testing.assert_allclose(co["vif"], _series(c, "vif", drivers), rtol=tol(REF, "vif_rel"), atol=0, err_msg="vif")
    undefined = [d for d in drivers if c["se"][d] is None]          # HC3 undefined (a row of leverage 1)
    assert bool(undefined) == any("not finite" in w and "leverage 1" in w for w in r.warnings)


@pytest.mark.parametrize("name", sorted(CASES))
def test_pvalues(name):
    c, r = CASES[name], fitted(name)
    drivers = c["drivers"]
    np.testing.assert_allclose(r.coefficients.loc[drivers, "pvalue"], _series(c, "pvalue_t", drivers),
                               atol=tol(REF, "pvalue"), rtol=0)


@pytest.mark.parametrize("name", sorted(CASES))
def test_listwise_accounting(name):
    c, r = CASES[name], fitted(name)
    notes = [w for w in r.warnings if "left out for missing values" in w]
    if c["n_excluded"] == 0:
        assert notes == []
        return
    assert len(notes) == 1, r.warnings
    m = re.match(r"(\d+) of (\d+) rows left out", notes[0])
    assert (int(m.group(1)), int(m.group(2))) == (c["n_excluded"], c["n_rows"])
    assert r.nobs + c["n_excluded"] + (c["nobs"] - c["nobs_positive_weight"]) == c["n_rows"]   # every row counted


@pytest.mark.parametrize("name", sorted(CASES))
def test_ipa_quadrants(name):
    c, r = CASES[name], fitted(name)
    for spec in c["ipa"]:
        res = ls.ipa(r, rule=spec["rule"], column=spec["column"])
        assert res.cut_importance == pytest.approx(spec["cut_importance"], abs=tol(REF, "importance"))
        assert res.cut_performance == pytest.approx(spec["cut_performance"], abs=tol(REF, "performance"), rel=1e-12)
        assert res.table["quadrant"].to_dict() == spec["quadrant"], (spec["rule"], spec["column"])


@pytest.mark.parametrize("name", [e["name"] for e in REF["excluded"]])
def test_excluded_cases_stay_refused(name):
    """Cases R's lm fits and we refuse on purpose (reason in the JSON and docs/drivers-sweep.md)."""
    e = next(x for x in REF["excluded"] if x["name"] == name)
    assert e["reason"]
    with pytest.raises(ls.AnalysisError, match=e["match"]):
        ls.key_drivers(derived_data(e), e["outcome"], e["drivers"])


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_bad_input_is_a_clear_error(name):
    e = ERRORS[name]
    with pytest.raises(ls.AnalysisError, match=e["match"]):
        ls.key_drivers(derived_data(e), e["outcome"], e["drivers"])


# ----------------------------------------------------------------------------- wave comparison
WAVES_REF = load_case("waves", "extra_drivers")
WAVES = {c["name"]: c for c in WAVES_REF["cases"]}


def _label(v) -> str:
    """A wave label as R wrote it (as.character): 7.0 -> "7"."""
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


@lru_cache(maxsize=None)
def waves_fitted(name):
    c = WAVES[name]
    if c["reverse"]:      # the model and the keys from an instrument (bfi, 1..6)
        groups = measurement_items(c["model"])
        inst = make_instrument(name, groups, 1, 6, c["reverse"])
        return ls.compare_waves(derived_data(c), c["wave"], instrument=inst, constructs=list(groups),
                                estimator=c["estimator"], nps_item=c["nps_item"])
    return ls.compare_waves(derived_data(c), c["wave"], c["model"], estimator=c["estimator"], nps_item=c["nps_item"])


def _number(text: str):
    try:
        return float(text)
    except ValueError:
        return text


def _close(ours, ref, atol=0.0, rtol=0.0):
    """Equal within the tolerance; R's NA (null) only matches NaN."""
    if ref is None:
        assert np.isnan(ours), ours
    else:
        assert ours == pytest.approx(ref, abs=atol, rel=rtol)


@pytest.mark.parametrize("name", sorted(WAVES))
def test_waves_invariance_and_latent_means(name):
    c, r, t = WAVES[name], waves_fitted(name), WAVES_REF["tolerances"]
    assert [_label(w) for w in r.waves] == c["waves"]
    for lvl, ref in c["invariance"].items():
        row = r.invariance.loc[lvl]
        for k, v in ref.items():
            if k in ("df", "npar", "delta_df"):
                assert row[k] == v, (lvl, k)
            elif k in ("chisq", "chisq.scaled", "delta_chisq"):
                _close(row[k], v, rtol=t["chisq_rel"], atol=1e-6)   # a saturated level: 0 vs 1e-10
            else:
                _close(row[k], v, atol=t["index"])
    assert r.level == c["level"]
    if c["level"] in ("scalar", "strict"):
        got = r.latent_means.assign(wave=r.latent_means["wave"].map(_label)).set_index(["construct", "wave"])
        assert len(got) == len(c["latent_means"])
        for ref in c["latent_means"]:
            row = got.loc[(ref["construct"], ref["wave"])]
            _close(row["est"], ref["est"], atol=t["est_rel"] * max(abs(ref["est"]), t["est_floor"]))
            _close(row["se"], ref["se"], rtol=t["se_rel"])
            _close(row["pvalue"], ref["pvalue"], atol=t["index"])
            _close(row["d"], ref["d"], atol=t["est_rel"] * max(abs(ref["d"]), t["est_floor"]))
    else:
        assert r.latent_means.empty


@pytest.mark.parametrize("name", sorted(WAVES))
def test_waves_scale_tests_and_pairs(name):
    c, r, t = WAVES[name], waves_fitted(name), WAVES_REF["tolerances"]
    for cn, ref in c["scale_tests"].items():
        row = r.scale_tests.loc[cn]
        for k in ("F", "df1", "df2", "np2"):
            _close(row[k], ref[k], rtol=t["welch"])
        _close(row["pvalue"], ref["pvalue"], atol=t["pvalue"])
        means = {_label(_number(k[5:-1])): v for k, v in row.items() if str(k).startswith("mean[")}
        assert means == pytest.approx(ref["means"], rel=t["welch"])
        if "welch_t" in ref:
            _close(row["F"], ref["welch_t"] ** 2, rtol=t["welch"])
            _close(row["df2"], ref["welch_t_df"], rtol=t["welch"])
    pw = r.pairwise.assign(A=r.pairwise["A"].map(_label), B=r.pairwise["B"].map(_label))
    got = pw.set_index(["construct", "A", "B"])
    assert len(got) == len(c["pairwise"])
    for ref in c["pairwise"]:
        row = got.loc[(ref["construct"], ref["A"], ref["B"])]
        for k in ("mean_A", "mean_B", "diff", "se", "T", "df", "hedges"):
            _close(row[k], ref[k], rtol=t["pairwise"], atol=1e-12)
        _close(row["pval"], ref["pval"], atol=t["pvalue"])


@pytest.mark.parametrize("name", sorted(n for n, c in WAVES.items() if c["nps_item"]))
def test_waves_nps(name):
    c, r, t = WAVES[name], waves_fitted(name), WAVES_REF["tolerances"]
    got = r.nps.rename(index=_label)
    for w, ref in c["nps"].items():
        for k, v in ref.items():
            _close(got.loc[w, k], v, atol=t["nps"], rtol=t["nps"])


# ----------------------------------------------------------------------------- chain effects, IPA on effects
CHAIN_REF = load_case("chain", "extra_drivers")
CHAINS = {c["name"]: c for c in CHAIN_REF["cases"]}


@lru_cache(maxsize=None)
def chain_fitted(name):
    c = CHAINS[name]
    if c.get("instrument"):     # the instrument's own chain and its named alternatives
        return ls.satisfaction_chain(derived_data(c), estimator=c["estimator"], instrument=c["instrument"])
    return ls.satisfaction_chain(derived_data(c), model=c["model"], estimator=c["estimator"])


@pytest.mark.parametrize("name", sorted(CHAINS))
def test_chain_effects_equal_lavaan_defined_parameters(name):
    c, r, t = CHAINS[name], chain_fitted(name), CHAIN_REF["tolerances"]
    assert r.nobs == c["nobs"]
    fm = r.fit_measures
    for k, v in c["fit"].items():
        if k in ("npar", "df"):
            assert fm[k] == v, k
        elif k in ("chisq", "chisq.scaled", "aic", "bic"):
            _close(fm[k], v, rtol=t["chisq_rel"])
        else:
            _close(fm[k], v, atol=t["index"])
    got = r.effects.set_index(["from", "to"])
    assert len(got) == len(c["effects"])
    for e in c["effects"]:
        row = got.loc[(e["from"], e["to"])]
        for part in ("direct", "indirect", "total"):
            ref = e[part]
            what = f"{part} {e['from']} -> {e['to']}"
            _close(row[part], ref["est"], atol=t["est_rel"] * max(abs(ref["est"]), t["est_floor"]))
            if ref.get("se") is None:
                assert np.isnan(row[f"{part}_se"]) or row[f"{part}_se"] == 0, what
            elif ref["se"] == 0:
                assert row[f"{part}_se"] == 0, what
            else:
                _close(row[f"{part}_se"], ref["se"], rtol=t["se_rel"])
                _close(row[f"{part}_pvalue"], ref["pvalue"], atol=t["pvalue"])
                for lim in ("lower", "upper"):
                    _close(row[f"{part}_{lim}"], ref[f"ci_{lim}"],
                           atol=t["est_rel"] * max(abs(ref[f"ci_{lim}"]), t["est_floor"])
                           + t["se_rel"] * 1.96 * ref["se"])
            _close(row[f"{part}_std"], ref["std"], atol=t["std_all"])
    r2 = r.r2.set_index("variable")["r2"]
    assert set(r2.index) == {e["to"] for e in c["effects"]}      # the endogenous variables of the paths
    for v in r2.index:
        _close(r2[v], c["r2"][v], atol=t["r2"])


@pytest.mark.parametrize("name", sorted(n for n, c in CHAINS.items() if c.get("comparison")))
def test_chain_alternatives_equal_lavTestLRT(name):
    c, r, t = CHAINS[name], chain_fitted(name), CHAIN_REF["tolerances"]
    comp = r.comparison
    assert list(comp.index) == ["chain"] + [m["model"] for m in c["comparison"]]
    for ref in c["comparison"]:
        row = comp.loc[ref["model"]]
        for k, v in ref["fit"].items():
            if k in ("npar", "df"):
                assert row[k] == v, (ref["model"], k)
            elif k in ("chisq", "chisq.scaled", "aic", "bic"):
                _close(row[k], v, rtol=t["chisq_rel"])
            else:
                _close(row[k], v, atol=t["index"])
        _close(row["chisq_diff"], ref["chisq_diff"], rtol=t["chisq_rel"])
        assert row["df_diff"] == ref["df_diff"]
        _close(row["pvalue_diff"], ref["pvalue_diff"], atol=t["pvalue"])
    aic = {m["model"]: m["fit"]["aic"] for m in c["comparison"]} | {"chain": c["fit"]["aic"]}
    assert comp["best_aic"].to_dict() == {k: v == min(aic.values()) for k, v in aic.items()}


@pytest.mark.parametrize("name", sorted(n for n, c in CHAINS.items() if c.get("ipa")))
def test_ipa_on_chain_totals(name):
    c, r, t = CHAINS[name], chain_fitted(name), CHAIN_REF["tolerances"]
    ref = c["ipa"]
    perf = pd.Series(ref["performance"])
    items = {k: v if isinstance(v, list) else [v] for k, v in c["performance"].items()}
    d = derived_data(c)
    for res in (ls.ipa(r, outcome=ref["outcome"], data=d.dropna(subset=[i for its in items.values() for i in its]),
                       items=items),
                ls.ipa(r.fit, performance=perf, outcome=ref["outcome"])):
        assert res.table["importance"].to_dict() == pytest.approx(ref["importance"], abs=t["importance"])
        assert res.cut_importance == pytest.approx(ref["cut_importance"], abs=t["importance"])
        assert res.table["quadrant"].to_dict() == ref["quadrant"]


# ----------------------------------------------------------------------------- attitudinal vs behavioral loyalty
LOYALTY_REF = load_case("loyalty", "extra_drivers")
LOYALTY = {c["name"]: c for c in LOYALTY_REF["cases"]}


@pytest.mark.filterwarnings("ignore:CFA.*listwise deletion")
@pytest.mark.parametrize("name", sorted(LOYALTY))
def test_loyalty_validity_and_segments(name):
    c, t = LOYALTY[name], LOYALTY_REF["tolerances"]
    inst = None
    if c["reverse"] or c["split"] == "midpoint":    # keys or the scale from an instrument (1..6)
        inst = make_instrument(name, {"att": c["attitudinal"], "beh": c["behavioral"]}, 1, 6, c["reverse"])
    d = derived_data(c)
    kw = {}
    if c["behavior_column"]:                        # observed behavior, joined by respondent id
        kw = dict(behavior=d.set_index(c["id_column"])[c["behavior_column"]], id_column=c["id_column"])
    r = ls.loyalty(d, attitudinal=c["attitudinal"], behavioral=c["behavioral"], estimator=c["estimator"],
                   instrument=inst, split=c["split"], **kw)
    assert r.cuts == pytest.approx(c["cuts"], abs=1e-12)
    assert r.counts.to_dict() == c["counts"]
    assert r.nobs == c["n_segmented"]
    v = r.validity
    if c["behavior_column"]:
        _close(v.loc["attitude-behavior correlation", "statistic"], c["attitude_behavior_cor"], rtol=1e-12)
        return
    assert int(sum(r.fits["two_factor"].nobs)) == c["nobs"]
    lrt = v.loc["two- vs one-factor CFA"]
    _close(lrt["statistic"], c["lrt"]["statistic"], rtol=t["chisq_rel"])
    assert lrt["df"] == c["lrt"]["df"]
    _close(lrt["pvalue"], c["lrt"]["pvalue"], atol=t["pvalue"])
    wald = v.loc["phi = 1 (Wald)"]
    _close(wald["statistic"] ** 2, c["wald"]["chisq"], rtol=t["chisq_rel"] + 2 * t["se_rel"])
    _close(wald["pvalue"], c["wald"]["pvalue"], atol=t["pvalue"])
    p = r.fits["two_factor_std_lv"].params
    phi = p[(p["op"] == "~~") & (p["lhs"] == "attitudinal") & (p["rhs"] == "purchase")].iloc[0]
    _close(phi["est"], c["phi"]["est"], atol=t["est_rel"] * max(abs(c["phi"]["est"]), t["est_floor"]))
    _close(phi["se"], c["phi"]["se"], rtol=t["se_rel"])
    assert wald["verdict"] == ("distinct" if c["phi"]["ci_upper"] < 1 else "not distinct")
    _close(v.loc["HTMT", "statistic"], c["htmt"], atol=t["htmt"])
    _close(v.loc["Fornell-Larcker", "statistic"], c["fornell_larcker"]["cor"], atol=t["ave"])
    sqrt_ave = min(c["fornell_larcker"]["sqrt_ave"].values())
    assert v.loc["Fornell-Larcker", "verdict"] == ("distinct" if abs(c["fornell_larcker"]["cor"]) < sqrt_ave
                                                   else "not distinct")
    assert f"{sqrt_ave:.3f}" in v.loc["Fornell-Larcker", "criterion"]


# ----------------------------------------------------------------------------- channel preferences
CHANNELS_REF = load_case("channels", "extra_drivers")
CHANNELS = {c["name"]: c for c in CHANNELS_REF["cases"]}


def make_instrument(name: str, groups: dict, lo: int, hi: int, reverse=()):
    """An instrument whose constructs are ``groups`` (labels = construct ids), one Likert scale
    ``lo``..``hi``, the items in ``reverse`` reverse-keyed."""
    from loyaltyscope.survey.instrument import instrument_from_dict
    reverse = {reverse} if isinstance(reverse, str) else set(reverse or ())
    doc = {"schema_version": 1,
           "instrument": {"name": name, "version": "1", "title": {"en": name}, "languages": ["en"],
                          "citation": "test instrument over a bundled data set", "wording": "original"},
           "scales": {"s": {"type": "likert", "min": lo, "max": hi,
                            "labels": {k: {"en": str(k)} for k in range(lo, hi + 1)}}},
           "constructs": {c: {"label": {"en": c}} for c in groups},
           "items": [{"id": i, "text": {"en": i}, "scale": "s", "construct": c,
                      **({"reverse": True} if i in reverse else {})}
                     for c, its in groups.items() for i in its]}
    return instrument_from_dict(doc)


def channel_instrument(case: dict):
    return make_instrument(case["name"], case["channels"], int(case["scale"]["min"]), int(case["scale"]["max"]),
                           case["reverse"])


@lru_cache(maxsize=None)
def channels_fitted(name):
    c = CHANNELS[name]
    return ls.channel_preferences(derived_data(c), channel_instrument(c), n_factors=c["n_factors"],
                                  cor="poly" if c["cor"] == "poly" else "pearson", estimator=c["estimator"],
                                  n_iter=5, seed=1, group=c["group"])


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("name", sorted(CHANNELS))
def test_channel_preferences(name):
    c, r, t = CHANNELS[name], channels_fitted(name), CHANNELS_REF["tolerances"]
    a = r.adequacy["value"]
    _close(a["kmo"], c["kmo"], atol=t["kmo"])
    _close(a["bartlett_chisq"], c["bartlett"]["chisq"], rtol=t["bartlett_chisq_rel"])
    _close(a["bartlett_pvalue"], c["bartlett"]["pvalue"], atol=t["pvalue"])
    assert a["map"] == c["map"]
    names = [f["factor"] for f in c["loadings"]]
    assert sorted(r.congruence.index) == sorted(names)
    for f in c["loadings"]:
        want = pd.Series(f["values"])
        np.testing.assert_allclose(r.loadings.loc[want.index, f["factor"]], want, atol=t["loading"],
                                   err_msg=f["factor"])
    assert r.assignment.to_dict() == c["assignment"]
    comp = r.model_comparison
    hyp = f"hypothesized ({len(c['channels'])} channels)"
    assert list(comp.index) == [hyp] + [m["model"] for m in c["comparison"][1:]]
    for ref in c["comparison"]:
        for k, v in ref["fit"].items():
            ours = comp.loc[hyp if ref["model"] == "hypothesized" else ref["model"], k]
            if k in ("npar", "df"):
                assert ours == v, (ref["model"], k)
            elif k in ("chisq", "chisq.scaled", "aic", "bic"):
                _close(ours, v, rtol=t["chisq_rel"])
            else:
                _close(ours, v, atol=t["index"])
        if "chisq_diff" in ref:
            ours = comp.loc[ref["model"]]
            _close(ours["chisq_diff"], ref["chisq_diff"], rtol=t["chisq_rel"])
            assert ours["df_diff"] == ref["df_diff"]
            _close(ours["pvalue_diff"], ref["pvalue_diff"], atol=t["pvalue"])
    assert r.preferred.value_counts().to_dict() == c["preferred_counts"]
    assert int(r.preferred.isna().sum()) == c["n_no_score"]
    for g in c["profiles"] or []:
        row = r.profiles.loc[g["group"]]
        assert row[list(g["means"])].to_dict() == pytest.approx(g["means"], rel=1e-12)
        shares = {k[len("preferred: "):]: v for k, v in row.items() if str(k).startswith("preferred: ") and v > 0}
        assert shares == pytest.approx(g["shares"], rel=1e-12)
        assert row["n"] == g["n"]


def test_ipa_performance_reverses_the_instruments_keys():
    """A construct's performance is the mean of its items with the reverse-keyed ones reversed
    (7 - x on bfi's 1..6 scale), as psych::scoreItems(keys) scores them."""
    d = load_data("bfi.csv")
    groups = {"A": [f"A{i}" for i in range(1, 6)], "E": [f"E{i}" for i in range(1, 6)]}
    inst = make_instrument("bfi_keys", groups, 1, 6, ["A1", "E1", "E2"])
    res = ls.ipa(pd.Series({"A": 0.3, "E": 0.1}), data=d, instrument=inst)
    keyed = d.assign(A1=7 - d["A1"], E1=7 - d["E1"], E2=7 - d["E2"])
    for c, its in groups.items():
        assert res.table.loc[c, "performance"] == pytest.approx(keyed[its].mean(axis=1).mean(), rel=1e-14)


@pytest.mark.parametrize("name", [c["name"] for c in REF["monte_carlo"]])
def test_monte_carlo_shapley_estimates_the_exact_lmg(name):
    """Beyond 15 drivers the Shapley values are averages over random orderings: with 20,000
    orderings they are within 1e-3 of R's exact LMG over all 2^16 subsets; R² and the relative
    weights stay exact."""
    c = next(x for x in REF["monte_carlo"] if x["name"] == name)
    r = ls.key_drivers(derived_data(c), c["outcome"], c["drivers"], n_perm=20_000, seed=1)
    assert "Monte Carlo" in r.method and r.nobs == c["nobs"]
    assert r.r2 == pytest.approx(c["r2"], abs=tol(REF, "r2"))
    imp = r.importance.loc[c["drivers"]]
    np.testing.assert_allclose(imp["relative_weight"], _series(c, "relative_weights", c["drivers"]),
                               atol=tol(REF, "importance"), rtol=0)
    np.testing.assert_allclose(imp["shapley"], _series(c, "shapley", c["drivers"]), atol=tol(REF, "monte_carlo"),
                               rtol=0)
    assert imp["shapley"].sum() == pytest.approx(c["r2"], abs=1e-10)


@pytest.mark.parametrize("name", [c["name"] for c in REF["bootstrap"]])
def test_bootstrap_percentile_intervals_on_rs_resamples(name, monkeypatch):
    """Fed R's own resamples in place of its draws, key_drivers' percentile intervals (every
    statistic, R² too) equal R's quantile(type = 7) over the statistics recomputed per resample."""
    from loyaltyscope.analyses import relative_importance as ri
    c = next(x for x in REF["bootstrap"] if x["name"] == name)
    draws = [np.array(row.split(), dtype=int) - 1 for row in c["draws"]]
    n = c["nobs"]
    served = iter(draws)

    def r_counts(n_rows, n_boot, rng):
        assert n_rows == n
        return np.stack([np.bincount(next(served), minlength=n).astype(float) for _ in range(n_boot)])
    monkeypatch.setattr(ri, "bootstrap_counts", r_counts)
    r = ls.key_drivers(derived_data(c), c["outcome"], c["drivers"], weights=c["weights"], bootstrap=c["B"], seed=1)
    assert next(served, None) is None                   # every resample of R used, none drawn by us
    for col, ref in c["intervals"].items():
        np.testing.assert_allclose(r.importance.loc[c["drivers"], col], pd.Series(ref).reindex(c["drivers"]),
                                   rtol=1e-9, atol=1e-12, err_msg=col)
    assert r.r2_interval == pytest.approx(tuple(c["r2_interval"]), rel=1e-9)
