"""customer_metrics on a constructed log: every number worked out by hand (comments), on the
DuckDB and pandas engines (Spark: test_behavior_spark.py)."""

import math

import numpy as np
import pandas as pd
import pytest

import loyaltyscope as ls

NA = pd.NA
# as_of 2024-04-01 00:00 UTC, periods of 30 days, 3 periods:
#   newest (2024-03-02, 04-01], middle (02-01, 03-02], oldest (01-02, 02-01]
# ABC by monetary, positive total 355: c4 120 (before 0) A; c2 100 (120/355) A; c1 and c5 tie at 55
# (220/355 = 62 %) A — the tie group crosses 80 % and is A; c6 20 (330/355 = 93 %) B;
# c7 5 (350/355 = 98.6 %) C; c3 (refunds only, value <= 0) C.
# Lifecycle counts (oldest..newest) and relative slope (sum (t - 2) c / 2) / mean:
# c1 [0,1,1] 0.5/(2/3) = 0.75 formation; c2, c7 [0,0,1] 0.5/(1/3) = 1.5 but first purchase in the
# newest period: exploration; c4 [2,1,0] -1/1 decline; c5 [0,2,0], c6 [0,1,0] 0 stability.
EXPECTED = pd.DataFrame.from_dict({
    #    freq refunds monetary first               last                recency tenure mean_ipt repeat abc stage recent trend
    1: (3, 1, 55.0, "2024-01-01 10:00", "2024-03-15 10:00", 16, 90, 37.0, True, "A", "formation", 2, 0.75),
    2: (1, 0, 100.0, "2024-03-20 12:00", "2024-03-20 12:00", 11, 11, math.nan, False, "A", "exploration", 1, 1.5),
    3: (0, 1, -10.0, None, None, NA, NA, math.nan, False, "C", None, 0, math.nan),
    4: (3, 0, 120.0, "2024-01-05 00:00", "2024-02-10 00:00", 51, 87, 18.0, True, "A", "decline", 3, -1.0),
    5: (2, 0, 55.0, "2024-02-15 09:00", "2024-02-15 09:00", 45, 45, 0.0, True, "A", "stability", 2, 0.0),
    6: (1, 0, 20.0, "2024-03-01 12:00", "2024-03-01 12:00", 30, 30, math.nan, False, "B", "stability", 1, 0.0),
    7: (1, 0, 5.0, "2024-03-25 00:00", "2024-03-25 00:00", 7, 7, math.nan, False, "C", "exploration", 1, 1.5),
}, orient="index", columns=["frequency", "refunds", "monetary", "first_purchase", "last_purchase", "recency_days",
                            "tenure_days", "mean_interpurchase_days", "repeat_buyer", "abc_class",
                            "lifecycle_stage", "recent_purchases", "lifecycle_trend"])
SHARE_BEFORE = {4: 0.0, 2: 120 / 355, 1: 220 / 355, 5: 220 / 355, 6: 330 / 355, 7: 350 / 355, 3: 1.0}
ENGINES = ["duckdb", "pandas"]


def metrics(src, engine, **kw):
    kw = {"as_of": "2024-04-01", "period_days": 30, "n_periods": 3, "engine": engine, **kw}
    return ls.customer_metrics(src, **kw)


@pytest.mark.parametrize("engine", ENGINES)
def test_metrics_equal_hand_computed(shop_log, engine, quiet):
    m = metrics(shop_log, engine)
    assert list(m.index) == [1, 2, 3, 4, 5, 6, 7] and m.index.name == "customer_id"
    for col in ["frequency", "refunds", "repeat_buyer", "abc_class", "recent_purchases"]:
        assert m[col].tolist() == EXPECTED[col].tolist(), col
    assert pd.api.types.is_string_dtype(m["lifecycle_stage"]) and pd.api.types.is_string_dtype(m["abc_class"])
    assert [x if isinstance(x, str) else None for x in m["lifecycle_stage"]] == \
        [x if isinstance(x, str) else None for x in EXPECTED["lifecycle_stage"]]
    assert m["lifecycle_stage"].isna().tolist() == [c == 3 for c in m.index]
    for col in ["recency_days", "tenure_days"]:
        assert m[col].astype(object).where(m[col].notna(), None).tolist() == \
            EXPECTED[col].astype(object).where(EXPECTED[col].notna(), None).tolist(), col
    for col in ["monetary", "mean_interpurchase_days", "lifecycle_trend"]:
        np.testing.assert_allclose(m[col].to_numpy(float), EXPECTED[col].to_numpy(float), rtol=1e-12, err_msg=col)
    for col in ["first_purchase", "last_purchase"]:
        exp = pd.to_datetime(EXPECTED[col].tolist()).tz_localize("UTC")
        assert m[col].tolist() == list(exp), col
    np.testing.assert_allclose(m["abc_share_before"], [SHARE_BEFORE[c] for c in m.index], rtol=1e-12)
    assert m.attrs["as_of"] == pd.Timestamp("2024-04-01", tz="UTC") and m.attrs["time_zone"] == "UTC"
    w = " ".join(m.attrs["warnings"])
    assert "1 of 14 transactions are after as_of" in w and "1 customer(s) have refunds but no purchase" in w


@pytest.mark.parametrize("engine", ENGINES)
def test_warnings_are_issued(shop_log, engine):
    with pytest.warns(ls.BehaviorWarning, match="refunds but no purchase"):
        metrics(shop_log, engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_cutoffs_window_and_repeat_are_parameters(shop_log, engine, quiet):
    m = metrics(shop_log, engine, abc_cutoffs=(0.5, 0.9), repeat_min=3)
    # A while the value ranked above is < 50 % of 355: c4 (0), c2 (120 = 34 %); c1/c5 (62 %) B; c6 (93 %) C
    assert m["abc_class"].to_dict() == {1: "B", 2: "A", 3: "C", 4: "A", 5: "B", 6: "C", 7: "C"}
    assert m["repeat_buyer"].to_dict() == {1: True, 2: False, 3: False, 4: True, 5: False, 6: False, 7: False}
    # window of 30 days: only (2024-03-02, 2024-04-01] counts
    w = metrics(shop_log, engine, window=30)
    assert w["frequency"].to_dict() == {1: 1, 2: 1, 7: 1} and w.loc[1, "monetary"] == 25.0
    assert any("before the window" in x for x in w.attrs["warnings"])


@pytest.mark.parametrize("engine", ENGINES)
def test_default_as_of_is_the_latest_transaction(shop_log, engine, quiet):
    m = ls.customer_metrics(shop_log, engine=engine)
    assert m.attrs["as_of"] == pd.Timestamp("2024-04-05", tz="UTC")
    assert m.loc[6, "monetary"] == 1019.0 and m.loc[6, "recency_days"] == 0


@pytest.mark.parametrize("engine", ENGINES)
def test_profit_drives_abc_when_asked(shop_log, engine, quiet):
    log = shop_log.assign(margin=shop_log["amount"] * np.where(shop_log["customer_id"] == 7, 100.0, 0.1))
    m = metrics(log, engine, profit="margin", abc_by="profit")
    # profits: c7 500, c4 12, c2 10, c1 5.5, c5 5.5, c6 2 (+99.9 after as_of, not counted); total 535
    assert m.loc[7, "abc_class"] == "A" and m.loc[4, "abc_class"] == "B" and m.loc[2, "abc_class"] == "C"
    np.testing.assert_allclose(m.loc[7, "profit"], 500.0)


@pytest.mark.parametrize("engine", ENGINES)
def test_elapsed_days_across_dst_in_local_time(engine, quiet):
    # Europe/Berlin changes to summer time on 2024-03-31 02:00; naive local times
    log = pd.DataFrame({"customer_id": ["a", "a", "b"],
                        "timestamp": pd.to_datetime(["2024-03-30 12:00", "2024-03-31 11:30", "2024-03-30 11:00"]),
                        "amount": [5.0, 6.0, 7.0]})
    m = ls.customer_metrics(log, engine=engine, tz="Europe/Berlin", as_of="2024-03-31 12:00")
    # a: last purchase 30 min before as_of; b: 2024-03-30 10:00 UTC to 2024-03-31 10:00 UTC = 24 h
    assert m["recency_days"].tolist() == [0, 1]
    # a's two purchases are 22.5 h apart (a 23-hour local day)
    assert m.loc["a", "mean_interpurchase_days"] == pytest.approx(22.5 / 24, rel=1e-12)
    assert str(m["first_purchase"].dt.tz) == "Europe/Berlin"
    assert m.loc["a", "first_purchase"] == pd.Timestamp("2024-03-30 11:00", tz="UTC")
    # the same wall-clock times read as UTC give other instants
    u = ls.customer_metrics(log, engine=engine, tz="UTC", as_of="2024-03-31 12:00")
    assert u.loc["a", "first_purchase"] == pd.Timestamp("2024-03-30 12:00", tz="UTC")


@pytest.mark.parametrize("engine", ENGINES)
def test_zone_aware_input_keeps_its_instants(engine, quiet):
    ny = pd.to_datetime(["2024-11-03 01:30-04:00", "2024-11-03 01:30-05:00"], utc=True).tz_convert("America/New_York")
    log = pd.DataFrame({"customer_id": [1, 1], "timestamp": ny, "amount": [1.0, 2.0]})
    m = ls.customer_metrics(log, engine=engine, tz="America/New_York")
    # the repeated 01:30 of the DST end: one hour apart, no ambiguity since the instants are given
    assert m.loc[1, "mean_interpurchase_days"] == pytest.approx(1 / 24, rel=1e-12)
    assert m.loc[1, "last_purchase"] == pd.Timestamp("2024-11-03 06:30", tz="UTC")


@pytest.mark.parametrize("engine", ENGINES)
def test_nonexistent_and_ambiguous_local_times_are_errors(engine):
    log = pd.DataFrame({"customer_id": [1, 2, 3],
                        "timestamp": ["2024-03-31 02:30:00", "2024-10-27 02:30:00", "2024-06-01 12:00:00"],
                        "amount": [1.0, 1.0, 1.0]})
    with pytest.raises(ls.TransactionError) as e:
        ls.customer_metrics(log, engine=engine, tz="Europe/Berlin")
    msg = str(e.value)
    assert "1 local times that do not exist" in msg and "2024-03-31 02:30:00" in msg
    assert "1 local times that occur twice" in msg and "2024-10-27 02:30:00" in msg


@pytest.mark.parametrize("engine", ENGINES)
def test_bad_input_lists_every_problem(engine):
    log = pd.DataFrame({"tx": [1, 2, 2, 3, 4, 4, 4],
                        "customer_id": [1, 1, 2, None, 3, 3, 4],
                        "timestamp": ["2024-01-01", "yesterday", "2024-01-03", "2024-01-04", "31/12/2024",
                                      "2024-01-06", None],
                        "amount": ["1.5", "2", "abc", "4", "5", None, "7"]})
    with pytest.raises(ls.TransactionError) as e:
        ls.customer_metrics(log, engine=engine, transaction="tx")
    msg = str(e.value)
    assert "'timestamp': 2 timestamps that cannot be parsed" in msg and "'yesterday'" in msg and "'31/12/2024'" in msg
    assert "'timestamp': 1 rows without a timestamp" in msg
    assert "'customer_id': 1 rows without a customer id" in msg
    assert "'amount': 1 amounts that are not finite numbers; e.g. 'abc'" in msg
    assert "'amount': 1 rows without an amount" in msg
    assert "'tx': 2 transaction ids occur more than once (3 surplus rows)" in msg


@pytest.mark.parametrize("engine", ENGINES)
def test_missing_columns_and_as_of_before_data(shop_log, engine):
    with pytest.raises(ls.TransactionError, match=r"missing column\(s\) amount='revenue'"):
        ls.customer_metrics(shop_log, engine=engine, amount="revenue")
    with pytest.raises(ls.TransactionError, match="before the first transaction"):
        ls.customer_metrics(shop_log, engine=engine, as_of="2023-12-31")
    with pytest.raises(ls.TransactionError, match="abc_cutoffs"):
        ls.customer_metrics(shop_log, engine=engine, abc_cutoffs=(0.9, 0.8))


@pytest.mark.parametrize("engine", ENGINES)
def test_parquet_and_csv_files(shop_log, engine, tmp_path, quiet):
    shop_log.to_parquet(tmp_path / "log.parquet")
    shop_log.assign(timestamp=shop_log.timestamp.dt.strftime("%Y-%m-%d %H:%M:%S")).to_csv(tmp_path / "log.csv",
                                                                                        index=False)
    ref = metrics(shop_log, "pandas")
    for path in [tmp_path / "log.parquet", str(tmp_path / "*.parquet"), tmp_path / "log.csv"]:
        pd.testing.assert_frame_equal(metrics(path, engine), ref, check_index_type=False)


def test_unknown_engine_and_source(shop_log):
    with pytest.raises(ls.TransactionError, match="engine='polars'"):
        ls.customer_metrics(shop_log, engine="polars")
    with pytest.raises(ls.TransactionError, match="expected a .parquet or .csv"):
        ls.customer_metrics("log.xlsx")


@pytest.mark.parametrize("engine", ENGINES)
def test_period_boundaries_refunds_and_zero_rows(engine, quiet):
    """as_of 2024-04-01 00:00 UTC, 3 periods of 30 days: newest (03-02, 04-01], middle (02-01, 03-02],
    oldest (01-02, 02-01]. A purchase exactly 30 days before as_of is in the middle period; one
    exactly 90 days before is outside the last periods; refunds and zero rows are not purchases.
    c10: purchases 03-02 (middle) and 03-31 (newest), a refund and a zero row in the newest period:
    counts [0, 1, 1], slope (0 + 1) / 2 = 0.5, mean 2/3, trend 0.75 -> formation (first purchase is
    not after as_of - 30 days: not exploration); recency 1, tenure 30, mean gap 29 days.
    c11: one purchase on 01-02 00:00 (90 days): no recent purchase -> decline. c12: a purchase in
    2023 and a recent refund: decline, refunds 1."""
    t = pd.Timestamp
    log = pd.DataFrame({"customer_id": [10, 10, 10, 10, 11, 12, 12],
                        "timestamp": [t(x, tz="UTC") for x in ("2024-03-02", "2024-03-31", "2024-03-30", "2024-03-15",
                                                                "2024-01-02", "2023-06-01", "2024-03-20")],
                        "amount": [10.0, 20.0, -5.0, 0.0, 7.0, 3.0, -3.0]})
    m = ls.customer_metrics(log, as_of="2024-04-01", period_days=30, n_periods=3, engine=engine)
    assert m["frequency"].tolist() == [2, 1, 1] and m["refunds"].tolist() == [1, 0, 1]
    assert m["zero_rows"].tolist() == [1, 0, 0] and m["recent_purchases"].tolist() == [2, 0, 0]
    assert m["monetary"].tolist() == [25.0, 7.0, 0.0]
    assert [str(x) for x in m["lifecycle_stage"]] == ["formation", "decline", "decline"]
    assert m.loc[10, "lifecycle_trend"] == pytest.approx(0.75, rel=1e-12)
    assert m["lifecycle_trend"].isna().tolist() == [False, True, True]
    assert m["recency_days"].tolist() == [1, 90, 305] and m["tenure_days"].tolist() == [30, 90, 305]
    assert m.loc[10, "mean_interpurchase_days"] == pytest.approx(29.0, rel=1e-12)
    assert np.isnan(m.loc[11, "mean_interpurchase_days"])
