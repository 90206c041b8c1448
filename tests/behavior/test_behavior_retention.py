"""retention, loyalty_profitability and moments against hand-computed numbers and numpy."""

import numpy as np
import pandas as pd
import pytest

import loyaltyscope as ls

ENGINES = ["duckdb", "pandas"]


@pytest.fixture
def churn_log():
    """as_of 2024-01-31, periods of 10 days: k=0 (01-21, 01-31], k=1 (01-11, 01-21], k=2 (01-01, 01-11]."""
    rows = [("A", "2024-01-05", 10), ("A", "2024-01-15", 20), ("A", "2024-01-25", 30),
            ("B", "2024-01-06", 40), ("B", "2024-01-16", 50),
            ("C", "2024-01-07", 60),
            ("D", "2024-01-17", 70), ("D", "2024-01-18", -5), ("D", "2024-01-27", 80),
            ("E", "2023-12-20", 5), ("E", "2024-01-22", 90),
            ("F", "2024-01-28", 15),
            ("G", "2024-01-19", -10)]
    return pd.DataFrame({"customer_id": [r[0] for r in rows], "timestamp": pd.to_datetime([r[1] for r in rows]),
                         "amount": [float(r[2]) for r in rows]}).assign(margin=lambda d: d.amount / 10)


def run(log, engine, **kw):
    return ls.retention(log, engine=engine, as_of="2024-01-31", period_days=10, n_periods=3, **kw)


@pytest.mark.parametrize("engine", ENGINES)
def test_retention_by_period_and_cohort(churn_log, engine, quiet):
    r = run(churn_log, engine)
    t = r.by_period
    # period 1: before {A,B,C}, now {A,B,D}: retained A,B; churned C (spent 60 in period 2); new D
    # period 0: before {A,B,D}, now {A,D,E,F}: retained A,D; churned B (spent 50 in period 1); new F
    assert t["active_before"].tolist() == [3, 3] and t["active"].tolist() == [4, 3]
    assert t["retained"].tolist() == [2, 2] and t["churned"].tolist() == [1, 1] and t["new"].tolist() == [1, 1]
    np.testing.assert_allclose(t["retention_rate"], [2 / 3, 2 / 3])
    np.testing.assert_allclose(t["churn_rate"], [1 / 3, 1 / 3])
    assert t["lost_revenue"].tolist() == [50.0, 60.0]
    assert t.loc[0, "period_end"] == pd.Timestamp("2024-01-31", tz="UTC")
    assert t.loc[1, "period_start"] == pd.Timestamp("2024-01-11", tz="UTC")
    assert r.retention_rate == pytest.approx(4 / 6) and r.churn_rate == pytest.approx(2 / 6)
    assert r.churned_ids == ("B",)
    c = r.cohorts
    # cohort 2 = {A,B,C}: all active in 2, A,B in 1, A in 0; cohort 1 = {D}; cohort 0 = {F}
    assert c.loc[2, "size"] == 3 and c.loc[1, "size"] == 1 and c.loc[0, "size"] == 1
    np.testing.assert_allclose(c.loc[2, ["after_0", "after_1", "after_2"]].to_numpy(float), [1, 2 / 3, 1 / 3])
    np.testing.assert_allclose(c.loc[1, ["after_0", "after_1"]].to_numpy(float), [1, 1])
    assert any("no profit column" in w for w in r.warnings)


@pytest.mark.parametrize("engine", ENGINES)
def test_kotler_four_steps(churn_log, engine, quiet):
    r = run(churn_log, engine, profit="margin", loss_causes={"B": "price"}, retention_cost=100.0)
    k = r.kotler
    assert k.loc["1 retention rate", "value"] == pytest.approx(2 / 3)
    assert k.loc["2 causes of attrition", "how"] == "price: 1"
    # B brought a profit of 5 in its last period; 36.5 periods of 10 days a year
    assert k.loc["3 lost profit", "value"] == pytest.approx(5.0 * 36.5)
    assert k.loc["4 cost of retention", "how"].startswith("worth spending")
    assert r.by_period["lost_profit"].tolist() == [5.0, 6.0]
    r2 = run(churn_log, engine, profit="margin", lifetime_value=80.0, retention_cost=100.0)
    assert r2.kotler.loc["3 lost profit", "value"] == 80.0
    assert r2.kotler.loc["4 cost of retention", "how"].startswith("not worth it")
    assert np.isnan(r2.kotler.loc["2 causes of attrition", "value"])
    with pytest.raises(ls.TransactionError, match="did not churn"):
        run(churn_log, engine, loss_causes={"A": "price"})
    assert "kotler" in r.summary() and "price" in r._repr_html_()


def test_loyalty_profitability_quadrants(quiet):
    m = pd.DataFrame({"tenure_days": pd.array([400, 30, 365, 20, 200, None], dtype="Int64"),
                      "monetary": [900.0, 800.0, 50.0, 40.0, 300.0, -10.0]}, index=list("abcdef"))
    r = ls.loyalty_profitability(m)
    # medians over a..e: tenure 200, monetary 300; e sits on both cut-offs (>=): long and high
    assert (r.tenure_cutoff, r.value_cutoff) == (200.0, 300.0)
    assert r.segments.to_dict() == {"a": "true friends", "b": "butterflies", "c": "barnacles", "d": "strangers",
                                    "e": "true friends", "f": None}
    assert r.matrix.loc["true friends", "customers"] == 2
    assert r.matrix.loc["true friends", "share_value"] == pytest.approx(1200 / 2090)
    assert r.nobs == 5 and "1 customer(s) without tenure_days" in r.warnings[0]
    r2 = ls.loyalty_profitability(m, tenure_cutoff=365, value_cutoff=850)
    assert r2.segments["a"] == "true friends" and r2.segments["b"] == "strangers"


@pytest.mark.parametrize("engine", ENGINES)
def test_loyalty_profitability_from_transactions(churn_log, engine, quiet):
    r = ls.loyalty_profitability(churn_log, engine=engine, as_of="2024-01-31", profit="margin")
    assert r.value == "profit" and r.nobs == 6
    assert r.matrix["customers"].sum() == 6


def survey(n=2000, seed=5, offset=0.0):
    rng = np.random.default_rng(seed)
    f = rng.normal(size=(n, 2))
    x = np.column_stack([f[:, 0] + rng.normal(size=n) * 0.7 for _ in range(3)]
                        + [f[:, 1] + rng.normal(size=n) * 0.7 for _ in range(3)]) + offset
    df = pd.DataFrame(x, columns=[f"q{i}" for i in range(1, 7)])
    df.iloc[::37, 2] = np.nan
    return df


@pytest.mark.parametrize("engine", ENGINES)
def test_moments_equal_numpy_listwise(engine, tmp_path, quiet):
    df = survey(offset=1e6)                       # a large offset: the shift keeps full precision
    df.to_parquet(tmp_path / "s.parquet")
    m = ls.moments(tmp_path / "s.parquet", list(df.columns), engine=engine)
    complete = df.dropna()
    assert m.nobs == len(complete) and m.n_rows == len(df) and m.n_incomplete == len(df) - len(complete)
    np.testing.assert_allclose(m.cov.to_numpy(), np.cov(complete.to_numpy(), rowvar=False), rtol=1e-9)
    np.testing.assert_allclose(m.mean.to_numpy(), complete.mean().to_numpy(), rtol=1e-14)
    assert "left out (listwise)" in m.warnings[0]


@pytest.mark.parametrize("engine", ENGINES)
def test_sem_from_moments_equals_sem_on_data(engine, quiet):
    hs = ls.load_dataset("holzinger_swineford")
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
    m = ls.moments(hs, [f"x{i}" for i in range(1, 10)], engine=engine)
    fit = ls.sem(model, **m.sem_inputs())
    assert fit.fit_measures["chisq"] == pytest.approx(85.306, abs=1e-3)     # lavaan 0.6-14, HolzingerSwineford1939
    ref = ls.sem(model, hs, meanstructure=True)   # sample_mean= implies the mean structure (lavaan)
    np.testing.assert_allclose(fit.params["est"], ref.params["est"], rtol=1e-6)


@pytest.mark.parametrize("engine", ENGINES)
def test_moments_bad_input(engine, tmp_path):
    df = pd.DataFrame({"a": ["1", "2", "x", "4"], "b": ["1", "3", "2", "5"]})
    df.to_csv(tmp_path / "s.csv", index=False)
    with pytest.raises(ls.TransactionError, match="column 'a': 1 values are not numbers"):
        ls.moments(tmp_path / "s.csv", ["a", "b"], engine=engine)
    with pytest.raises(ls.TransactionError, match="missing column"):
        ls.moments(df, ["a", "zz"], engine=engine)


@pytest.mark.slow
def test_spark_retention_and_moments_equal_duckdb(spark, churn_log, quiet):
    a = run(churn_log, "duckdb", profit="margin")
    b = run(churn_log, "spark", profit="margin")
    pd.testing.assert_frame_equal(a.by_period, b.by_period)
    pd.testing.assert_frame_equal(a.cohorts, b.cohorts)
    df = survey()
    ma, mb = ls.moments(df, list(df.columns)), ls.moments(spark.createDataFrame(df), list(df.columns), engine="spark")
    assert ma.nobs == mb.nobs
    np.testing.assert_allclose(mb.cov.to_numpy(), ma.cov.to_numpy(), rtol=1e-10)


@pytest.mark.parametrize("engine", ENGINES)
def test_moments_from_csv_text_and_results_protocol(engine, tmp_path, quiet):
    df = survey(n=300, seed=2)
    df.to_csv(tmp_path / "s.csv", index=False)
    m = ls.moments(tmp_path / "s.csv", list(df.columns), engine=engine)
    np.testing.assert_allclose(m.cov.to_numpy(), df.dropna().cov().to_numpy(), rtol=1e-9)
    d = m.to_dict()
    assert len(d["cov"]) == 6 and d["warnings"] and "complete rows of 300" in m.summary()
    lp = ls.loyalty_profitability(pd.DataFrame({"tenure_days": [1, 2, 3, 4], "monetary": [4.0, 1.0, 3.0, 2.0]}))
    assert "true friends" in lp.summary() and lp.to_dict()["matrix"][0]["segment"] == "true friends"


def test_moments_many_batches_equal_numpy(tmp_path, quiet, monkeypatch):
    """DuckDB streams batches into one reused buffer: several batches (the last one short) with
    integer and float items give numpy's listwise mean and covariance."""
    from loyaltyscope.behavior import scalable_moments
    monkeypatch.setattr(scalable_moments, "_BATCH_ROWS", 64)
    rng = np.random.default_rng(5)
    df = pd.DataFrame({"a": rng.integers(1, 8, 1000).astype("int8"), "b": rng.integers(1, 8, 1000),
                       "c": rng.normal(50.0, 3.0, 1000)})
    df = df.astype({"b": "Int64"})
    df.loc[[3, 500, 999], "b"] = pd.NA
    df.to_parquet(tmp_path / "s.parquet")
    m = ls.moments(tmp_path / "s.parquet", ["a", "b", "c"])
    complete = df.dropna().astype(float)
    assert m.nobs == 997 and m.n_rows == 1000
    np.testing.assert_allclose(m.cov.to_numpy(), np.cov(complete.to_numpy(), rowvar=False), rtol=1e-12)
    np.testing.assert_allclose(m.mean.to_numpy(), complete.mean().to_numpy(), rtol=1e-14)


def test_duckdb_batches_read_ahead_stop_and_errors():
    """The read-ahead thread ends when the caller stops early, and a failing query raises in the caller."""
    from loyaltyscope.behavior.duckdb_engine import DuckDBEngine
    eng = DuckDBEngine(pd.DataFrame({"x": np.arange(5000)}))
    try:
        stream = eng.batches("SELECT x FROM raw", rows=100)
        first = next(iter(stream))
        stream.close()                                   # stop after one batch: the helper thread joins
        assert first.num_rows > 0
        assert sum(b.num_rows for b in eng.batches("SELECT x FROM raw", rows=100)) == 5000
        with pytest.raises(Exception, match="(?i)conversion|cast"):
            list(eng.batches("SELECT CAST('a' || x AS INTEGER) FROM raw", rows=100))
    finally:
        eng.close()
