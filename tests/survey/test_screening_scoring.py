"""Careless-responding indices, screening with logged exclusions, scoring, NPS."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import mahalanobis as sp_mahalanobis

import loyaltyscope as ls
from loyaltyscope.survey.screening import evenodd, irv, longstring, mahalanobis

CORPUS = Path(__file__).parent / "corpus"
TEST_INST = CORPUS / "loyalty_test.yaml"
nan = np.nan


def _attn():
    return ls.read_responses(CORPUS / "attention_nps.csv", TEST_INST, weight_column="wt", duration_column="duration_s")


# ---------------------------------------------------------------- indices


def test_longstring_runs_and_missing():
    X = np.array([
        [1, 1, 1, 2, 2, nan, 2, 2, 2, 2],
        [3, 3, 3, 3, 3, 3, 3, 3, 3, 3],
        [1, 2, 1, 2, 1, 2, 1, 2, 1, 2],
        [nan] * 10,
        [5, nan, 5, nan, 5, 5, nan, nan, 4, 4],
    ])
    assert longstring(X).tolist() == [4, 10, 1, 0, 2]


def test_irv_matches_row_sd():
    X = np.array([[1, 2, 3, 4, 5], [3, 3, 3, 3, 3], [1, nan, 5, nan, nan], [2, nan, nan, nan, nan]], dtype=float)
    out = irv(X)
    assert out[0] == pytest.approx(np.std([1, 2, 3, 4, 5], ddof=1))
    assert out[1] == 0
    assert out[2] == pytest.approx(np.std([1, 5], ddof=1))
    assert math.isnan(out[3])


def test_mahalanobis_matches_scipy_and_uses_observed_items():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(200, 4)) @ np.array([[1, .5, 0, 0], [0, 1, .3, 0], [0, 0, 1, .2], [0, 0, 0, 1]])
    m, S = X.mean(axis=0), np.cov(X, rowvar=False)
    Si = np.linalg.inv(S)
    d2, df = mahalanobis(X)
    assert d2[:5] == pytest.approx([sp_mahalanobis(X[i], m, Si) ** 2 for i in range(5)])
    assert (df == 4).all()
    Y = X.copy()
    Y[0, 1] = nan
    d2y, dfy = mahalanobis(Y)
    keep = [0, 2, 3]
    # mean and covariance still from the 199 complete rows; row 0 measured on its 3 items
    m2, S2 = Y[1:].mean(axis=0), np.cov(Y[1:], rowvar=False)
    ref = sp_mahalanobis(Y[0, keep], m2[keep], np.linalg.inv(S2[np.ix_(keep, keep)])) ** 2
    assert d2y[0] == pytest.approx(ref)
    assert dfy[0] == 3


def _evenodd_reference(X, factors):
    """A direct transcription of careless::evenodd (without its sign flip)."""
    out = []
    for row in X:
        f = []
        start = 0
        for k in factors:
            s = row[start:start + k]
            start += k
            ev = s[1::2]
            od = s[0::2]
            f.append((np.nanmean(ev) if np.any(~np.isnan(ev)) else nan, np.nanmean(od) if np.any(~np.isnan(od)) else nan))
        f = np.array(f)
        ok = ~np.isnan(f).any(axis=1)
        r = np.corrcoef(f[ok, 1], f[ok, 0])[0, 1]
        sb = 2 * r / (1 + r)
        out.append(max(sb, -1.0))
    return np.array(out)


def test_evenodd_matches_careless_transcription():
    rng = np.random.default_rng(2)
    t = rng.normal(size=(30, 4))
    X = np.column_stack([np.clip(np.round(3 + t[:, g] + 0.7 * rng.normal(size=30)), 1, 5)
                         for g in range(4) for _ in range(5)])
    groups = [list(range(g * 5, g * 5 + 5)) for g in range(4)]
    ours = evenodd(X, groups)
    ref = _evenodd_reference(X, [5, 5, 5, 5])
    ok = ~np.isnan(ref)
    assert np.allclose(ours[ok], ref[ok])
    assert np.nanmean(ours) > 0.3  # consistent simulated people


# ---------------------------------------------------------------- screen()


def test_screen_flags_thresholds_and_no_silent_exclusion():
    r = _attn()
    s = ls.screen(r, min_seconds=60)
    assert list(s.flags.index) == list(r.data.index)
    assert s.flags.loc[3, "attention_failed"] == 1 and s.flags.loc[3, "attention_flag"]
    assert s.flags.loc[5, "attention_flag"]  # blank check counts as failed
    assert not s.flags.loc[1, "attention_flag"]
    assert s.flags["speeder_flag"].tolist() == [False, False, True, False, False, False]
    th = s.thresholds.set_index("flag")
    assert th.loc["speeder", "threshold"] == 60
    assert th.loc["longstring", "threshold"] == 5  # ceil(0.75 * 6 items)
    assert th.loc["mahalanobis", "threshold"] == 0.001
    assert th.loc["evenodd", "rule"].startswith("not computed") and "evenodd" not in s.flags
    assert any("even-odd index not computed" in x for x in s.notes)
    assert s.responses is r  # nothing excluded unless asked
    assert "nothing excluded" in s.summary()


def test_screen_exclude_logs_rule_and_keeps_accounting():
    r = _attn()
    s = ls.screen(r, min_seconds=60, exclude=["attention", "speeder"])
    out = s.responses
    assert sorted(out.excluded["respondent"].tolist()) == [3, 5]
    assert (out.excluded["stage"] == "screening").all()
    reason3 = out.excluded.set_index("respondent").loc[3, "reason"]
    assert "attention" in reason3 and "failed > 0" in reason3 and "speeder" in reason3 and "< 60 s" in reason3
    assert len(out.data) + len(out.excluded) == out.n_read == 6
    assert list(out.weights.index) == list(out.data.index)
    with pytest.raises(ValueError, match="unknown flag"):
        ls.screen(r, exclude=["bogus"])
    with pytest.raises(ValueError, match="not computed"):
        ls.screen(r, exclude=["evenodd"])


def test_screen_on_simulated_survey_finds_planted_careless():
    inst = ls.load_instrument("channel_preferences")
    rng = np.random.default_rng(11)
    n = 300
    f = rng.normal(size=(n, 4))
    cols = {}
    for it in inst.items:
        g = list(inst.constructs).index(it.construct)
        cols[it.id] = np.clip(np.round(3 + 1.1 * f[:, g] + 0.6 * rng.normal(size=n)), 1, 5)
    df = pd.DataFrame(cols)
    df.iloc[0] = 3                                   # straight-liner
    df.iloc[1] = rng.integers(1, 6, size=16)         # random responder
    df.iloc[2] = [5, 1, 5, 1, 1, 5, 1, 5, 3, 3, 3, 3, 4, 2, 4, 2]  # halves contradict each other
    df["seconds"] = 400.0
    df.loc[3, "seconds"] = 10.0
    r = ls.read_responses(df, inst, duration_column="seconds")
    s = ls.screen(r, evenodd_min_constructs=4)  # opt in: 4 constructs of 4 items
    fl = s.flags
    assert fl.loc[0, "longstring_flag"] and fl.loc[0, "irv_flag"]
    assert fl.loc[3, "speeder_flag"]
    assert fl.loc[2, "mahalanobis_flag"]
    assert fl["evenodd"].median() > 0.5
    assert fl.loc[2, "evenodd_flag"]
    assert fl["longstring_flag"].mean() < 0.05  # rule does not flag ordinary respondents en masse
    ex = ls.screen(r, exclude="any", evenodd_min_constructs=4)
    assert set([0, 2, 3]) <= set(ex.responses.excluded["respondent"])
    assert len(ex.responses.data) + len(ex.responses.excluded) == 300


# ---------------------------------------------------------------- scoring


def test_reverse_and_scale_scores():
    r = _attn()
    rev = ls.reverse_score(r)
    assert rev["sat3"].tolist() == [4, 5, 1, 3, 2, 4]
    assert r.data["sat3"].tolist() == [2, 1, 5, 3, 4, 2]  # original untouched
    sc = ls.score(r)
    assert sc.scores["satisfaction"].tolist() == pytest.approx([4, 5, 1, 3, 2, 4])
    assert sc.rules.iloc[0]["reversed"] == "sat3"
    assert sc.weights is r.weights
    s = ls.score(r, method="sum")
    assert s.scores["satisfaction"].tolist() == pytest.approx([12, 15, 3, 9, 6, 12])


def test_min_items_and_prorated_sum():
    inst = ls.load_instrument("channel_preferences")
    df = pd.DataFrame({it: [4.0, 4.0, nan] for it in inst.item_ids})
    df.loc[0, ["catalog", "direct_mail", "postcard_offer"]] = nan      # 1 of 4 print items answered
    df.loc[1, ["catalog", "direct_mail"]] = [2.0, nan]                  # 3 of 4 answered: 2, 4, 4
    r = ls.read_responses(df, inst)
    assert list(r.data.index) == [0, 1]  # row 2 has no answer: excluded
    sc = ls.score(r, min_items=0.5)
    assert math.isnan(sc.scores.loc[0, "print_mail"])
    assert sc.scores.loc[1, "print_mail"] == pytest.approx(10 / 3)
    assert sc.n_answered.loc[1, "print_mail"] == 3
    assert ls.score(r, min_items=1).scores.loc[0, "print_mail"] == 4
    assert ls.score(r, method="sum", min_items=3).scores.loc[1, "print_mail"] == pytest.approx(40 / 3)
    with pytest.raises(ValueError):
        ls.score(r, min_items=5)


def test_standardize_unweighted_and_weighted():
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0, nan]})
    z = ls.standardize(df)
    ref = (df["a"] - df["a"].mean()) / df["a"].std()
    assert z["a"].tolist()[:4] == pytest.approx(ref.tolist()[:4])
    zw = ls.standardize(df, weights=np.full(5, 3.0))
    assert zw["a"].tolist()[:4] == pytest.approx(ref.tolist()[:4])  # constant weights change nothing
    w = pd.Series([1.0, 1.0, 1.0, 3.0, 1.0])
    zw = ls.standardize(df, weights=w)
    m = (1 + 2 + 3 + 12) / 6
    assert np.average(df["a"][:4], weights=w[:4]) == pytest.approx(m)
    assert zw["a"].iloc[3] > 0 and zw["a"].iloc[0] < 0
    assert float(np.average(zw["a"][:4], weights=w[:4])) == pytest.approx(0, abs=1e-12)


def test_nps_bands_and_interval():
    res = ls.nps(pd.Series([0, 3, 6, 7, 8, 9, 9, 10, 10, 10]))
    assert res.nps == pytest.approx(20)
    assert (res.promoters, res.passives, res.detractors) == pytest.approx((0.5, 0.2, 0.3))
    se = 100 * math.sqrt((0.8 - 0.04) / 10)
    assert res.se == pytest.approx(se)
    assert res.ci_low == pytest.approx(20 - 1.959963985 * se)
    assert res.ci_high == pytest.approx(20 + 1.959963985 * se)
    assert "wald" in res.method
    # band edges
    assert ls.nps(pd.Series([6])).nps == -100
    assert ls.nps(pd.Series([7, 8])).nps == 0
    assert ls.nps(pd.Series([9])).nps == 100
    assert ls.nps(pd.Series([9, 9, 9])).ci_high == 100  # clipped
    with pytest.raises(ValueError, match="integers 0–10"):
        ls.nps(pd.Series([11]))
    with pytest.raises(ValueError, match="integers 0–10"):
        ls.nps(pd.Series([7.5]))


def test_nps_from_responses_uses_item_and_weights():
    r = _attn()
    res = ls.nps(r)  # the instrument's only nps item: rec
    # rec = 9, 10, 3, 7, 6, 8; weights 1, 2, .5, NaN, NaN, 1 -> rows 4 and 5 dropped
    P, D = 3 / 4.5, 0.5 / 4.5
    assert res.nobs == 4
    assert res.nps == pytest.approx(100 * (P - D))
    n_eff = 4.5 ** 2 / (1 + 4 + 0.25 + 1)
    assert res.n_effective == pytest.approx(n_eff)
    assert res.se == pytest.approx(100 * math.sqrt((P + D - (P - D) ** 2) / n_eff))
    unweighted = ls.nps(r.data["rec"])
    assert unweighted.nobs == 6 and unweighted.nps == pytest.approx(100 * (2 / 6 - 2 / 6))
    assert "NPS =" in res.summary()
