"""Hostile input to the behavior room: each a clear TransactionError, never silent nonsense."""

import numpy as np
import pandas as pd
import pytest

import loyaltyscope as ls

LOG = pd.DataFrame({"customer_id": ["a", "a", "b"], "timestamp": ["2026-01-01", "2026-02-01", "2026-03-01"],
                    "amount": [10.0, np.inf, 5.0]})


@pytest.mark.parametrize("engine", ["duckdb", "pandas"])
def test_infinite_amount_is_named(engine):
    with pytest.raises(ls.TransactionError, match="not finite numbers"):
        ls.customer_metrics(LOG, engine=engine, as_of="2026-06-01")


def test_options_of_the_wrong_type_are_refused():
    with pytest.raises(ls.TransactionError, match="whole number"):
        ls.customer_metrics(LOG.assign(amount=[1.0, 2.0, 3.0]), repeat_min="2", as_of="2026-06-01")


def test_duplicated_amount_column_is_an_error():
    dup = pd.concat([LOG.assign(amount=[1.0, 2.0, 3.0]), LOG[["amount"]]], axis=1)
    with pytest.raises(ls.TransactionError):
        ls.customer_metrics(dup, engine="pandas", as_of="2026-06-01")


@pytest.mark.parametrize("engine", ["duckdb", "pandas"])
def test_moments_refuse_values_too_large_to_square(engine):
    rng = np.random.default_rng(1)
    d = pd.DataFrame({"x": rng.normal(size=50) * 1e200, "y": rng.normal(size=50)})
    with pytest.raises(ls.TransactionError, match=r"\['x'\]"):
        ls.moments(d, ["x", "y"], engine=engine)


def test_moments_refuse_duplicated_columns():
    d = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [2.0, 1.0, 0.0]})
    with pytest.raises(ls.TransactionError, match="more than once"):
        ls.moments(pd.concat([d, d[["y"]]], axis=1), ["x", "y"], engine="pandas")
