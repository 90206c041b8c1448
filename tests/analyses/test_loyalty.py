"""ls.loyalty: Dick & Basu counts exact on constructed data, behavior joined by id with every
unmatched id counted, discriminant validity recovered on simulated data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import loyaltyscope as ls

ATT, BEH = ["al1", "al2", "al3"], ["bl1", "bl2", "bl3"]


def constructed(n_true=7, n_latent=5, n_spurious=3, n_none=11) -> pd.DataFrame:
    """Item answers on 1..7 whose scale means are 6 (high) or 2 (low) by design."""
    rows = ([(6, 6)] * n_true + [(6, 2)] * n_latent + [(2, 6)] * n_spurious + [(2, 2)] * n_none)
    spread = [(-1, 0, 1), (0, 1, -1), (1, -1, 0), (1, 0, -1), (0, 0, 0)]
    d = pd.DataFrame([[a + e for e in spread[i % 5]] + [b + e for e in spread[(i * 2 + 1) % 5]]
                      for i, (a, b) in enumerate(rows)], columns=ATT + BEH)
    d.index = [f"r{i}" for i in range(len(d))]
    return d


def test_dick_basu_counts_exact_midpoint():
    r = ls.loyalty(constructed(), split="midpoint", estimator="ML")
    assert dict(r.counts) == {"true loyalty": 7, "latent loyalty": 5, "spurious loyalty": 3, "no loyalty": 11}
    assert r.cuts == {"attitudinal": 4.0, "behavioral": 4.0}
    assert r.segments["r0"] == "true loyalty" and r.segments["r7"] == "latent loyalty"
    assert r.segments["r12"] == "spurious loyalty" and r.segments["r25"] == "no loyalty"
    assert "midpoint" in r.summary()
    identical = pd.DataFrame([[a] * 3 + [b] * 3 for a, b in [(6, 6), (2, 2), (6, 2)] * 3], columns=ATT + BEH)
    r2 = ls.loyalty(identical, split="midpoint")
    assert r2.counts["true loyalty"] == 3 and any("not assessed" in w for w in r2.warnings)


def test_median_split_is_strictly_above_and_stated():
    d = pd.DataFrame({"al1": [1, 2, 3, 4, 5, 6], "bl1": [6, 5, 4, 3, 2, 1]}, index=list("abcdef"))
    r = ls.loyalty(d, attitudinal=["al1"], behavior=d["bl1"], instrument=None)
    assert r.cuts == {"attitudinal": 3.5, "behavioral": 3.5}
    assert list(r.segments) == ["spurious loyalty"] * 3 + ["latent loyalty"] * 3
    assert "sample median" in r.summary()


def test_behavior_joined_by_id_unmatched_counted():
    d = constructed()
    behavior = pd.DataFrame({"frequency": [10.0] * 20 + [1.0] * 3, "monetary": 1.0},
                            index=[f"r{i}" for i in range(3, 26)])
    behavior = pd.concat([behavior, pd.DataFrame({"frequency": [5.0], "monetary": [1.0]}, index=["stranger"])])
    r = ls.loyalty(d, behavior=behavior)
    assert r.unmatched["respondents"] == ["r0", "r1", "r2"]
    assert r.unmatched["behavior"] == ["stranger"]
    assert r.segments[["r0", "r1", "r2"]].isna().all() and r.nobs == len(d) - 3
    assert any("3 respondents have no behavior" in w for w in r.warnings)
    assert r.counts.sum() == len(d) - 3
    with pytest.raises(ls.AnalysisError, match="visits"):
        ls.loyalty(d, behavior=behavior, behavior_column="visits")
    with pytest.raises(ls.AnalysisError, match="midpoint"):
        ls.loyalty(d, behavior=behavior, split="midpoint")
    r2 = ls.loyalty(d, behavior=behavior, behavior_column="monetary")
    assert r2.scores["behavioral"].dropna().eq(1.0).all()


def _population(phi: float) -> str:
    inst = ls.load_instrument("brand_loyalty")
    lines = [f"{c} =~ " + " + ".join(f"0.8*{i}" for i in inst.items_of(c)) for c in inst.constructs]
    lines.append(f"attitudinal ~~ {phi}*purchase")
    lines.append("cognitive ~~ 0.5*affective\naffective ~~ 0.5*conative\nconative ~~ 0.5*action")
    return "\n".join(lines)


def test_validity_and_phases_on_simulated_data():
    d = ls.simulate(_population(0.4), 500, seed=3)
    r = ls.loyalty(d)
    v = r.validity
    assert v.loc["phi = 1 (Wald)", "pvalue"] < 0.001 and v.loc["HTMT", "verdict"] == "distinct"
    phi_ci = v.loc["phi = 1 (Wald)", "criterion"]
    lo, hi = (float(x) for x in phi_ci.split("[")[1].rstrip("]").split(","))
    assert lo < 0.4 < hi
    assert list(r.phases.index) == ["cognitive", "affective", "conative", "action"]
    assert r.counts.sum() == 500
    # one loyalty in the population: phi = 1 not rejected
    d1 = ls.simulate(_population(0.999), 500, seed=4)
    r1 = ls.loyalty(d1, estimator="ML")
    assert r1.validity.loc["two- vs one-factor CFA", "pvalue"] > 0.01
    assert r1.validity.loc["HTMT", "verdict"] == "not distinct"


def test_brand_level_fit():
    rng = np.random.default_rng(2)
    d = ls.simulate(_population(0.5), 2000, seed=5)
    d["brand"] = rng.integers(0, 120, size=len(d))
    # brand effects so that brand means vary
    eff = rng.normal(size=(120, 2))
    for cols, k in ((ATT, 0), (BEH, 1)):
        for c in cols:
            d[c] += eff[d["brand"], k]
    r = ls.loyalty(d, by="brand")
    assert r.brand_fit is not None and r.brand_fit.nobs[0] == 120
    assert any("N = 120" in w for w in r.warnings)


def test_brand_level_chaudhuri_holbrook_design():
    """by="brand" with the Chaudhuri & Holbrook (2001) chain: brand trust and affect ->
    purchase and attitudinal loyalty -> market share and relative price, fitted at N = brands."""
    rng = np.random.default_rng(8)
    nb, per = 150, 20
    trust, affect = rng.normal(size=nb), rng.normal(size=nb)
    purchase = 0.6 * trust + 0.2 * affect + 0.6 * rng.normal(size=nb)
    attitude = 0.2 * trust + 0.6 * affect + 0.6 * rng.normal(size=nb)
    share = 0.6 * purchase + 0.6 * rng.normal(size=nb)
    price = 0.6 * attitude + 0.6 * rng.normal(size=nb)
    brand = np.repeat(np.arange(nb), per)
    d = pd.DataFrame({"brand": brand, "trust": trust[brand], "affect": affect[brand],
                      "market_share": share[brand], "relative_price": price[brand]})
    for i in ATT:
        d[i] = 4 + 0.9 * attitude[brand] + rng.normal(size=len(d))
    for i in BEH:
        d[i] = 4 + 0.9 * purchase[brand] + rng.normal(size=len(d))
    model = (f"attitudinal =~ {' + '.join(ATT)}\npurchase =~ {' + '.join(BEH)}\n"
             "purchase ~ trust + affect\nattitudinal ~ trust + affect\n"
             "market_share ~ purchase\nrelative_price ~ attitudinal\n")
    r = ls.loyalty(d, by="brand", brand_model=model)
    assert r.brand_fit.nobs[0] == nb
    p = r.brand_fit.params
    reg = p[p["op"] == "~"].set_index(["lhs", "rhs"])
    for key in [("purchase", "trust"), ("attitudinal", "affect"), ("market_share", "purchase"),
                ("relative_price", "attitudinal")]:
        assert reg.loc[key, "est"] > 0 and reg.loc[key, "pvalue"] < 0.01, key


def test_validated_responses_and_behavior_by_respondent_id(tmp_path):
    """A Responses read from a file: segments are indexed by the respondent ids, and behavior
    (as from ls.customer_metrics: indexed by customer id, column frequency) joins on them."""
    d = ls.simulate(_population(0.4), 120, seed=6, ordinal_levels=7).astype(int)
    d.insert(0, "respondent", [f"c{i:03d}" for i in range(120)])
    d.to_csv(tmp_path / "wave1.csv", index=False)
    resp = ls.read_responses(tmp_path / "wave1.csv", "brand_loyalty", id_column="respondent")
    metrics = pd.DataFrame({"frequency": np.arange(100, dtype=float), "monetary": 1.0},
                           index=pd.Index([f"c{i:03d}" for i in range(10, 110)], name="customer"))
    r = ls.loyalty(resp, behavior=metrics)
    assert list(r.segments.index[:3]) == ["c000", "c001", "c002"]
    assert r.unmatched["respondents"] == [f"c{i:03d}" for i in list(range(10)) + list(range(110, 120))]
    assert r.counts.sum() == 100 and r.segments["c100"] in ("true loyalty", "spurious loyalty")
    assert r.segments["c020"] in ("latent loyalty", "no loyalty")
    assert r.cuts["behavioral"] == pytest.approx(49.5)
