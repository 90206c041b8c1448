"""The batch accumulator behind ``ls.moments`` on DuckDB: listwise deletion from Arrow validity
bitmaps (also at offsets that do not start on a byte), single-precision products only where they
are exact, and a first batch without any complete row. Expectations: NumPy on the complete rows."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import loyaltyscope as ls
from loyaltyscope.behavior.scalable_moments import _CrossProducts


def _items(n, seed, low=1, high=8, dtype="int8", missing=0.03):
    rng = np.random.default_rng(seed)
    x = rng.integers(low, high, (n, 4)).astype(dtype)
    mask = rng.random((n, 4)) < missing
    table = pa.table({f"q{j}": pa.array(x[:, j], mask=mask[:, j]) for j in range(4)})
    return table, x.astype(float), ~mask.any(axis=1)


def _accumulate(batches):
    acc = _CrossProducts(4)
    for b in batches:
        acc.add(b)
    return acc


def _expected(x, complete, shift):
    y = x[complete] - shift
    return y.sum(axis=0), y.T @ y


def test_whole_numbers_use_exact_single_precision_at_odd_offsets():
    table, x, complete = _items(5000, seed=1)
    batch = table.to_batches()[0]
    cuts = [0, 3, 700, 1237, 3001, 5000]                 # slices start inside a bitmap byte
    acc = _accumulate(batch.slice(a, b - a) for a, b in zip(cuts[:-1], cuts[1:]))
    assert np.float32 in acc._buf and np.float64 not in acc._buf
    s, p = _expected(x, complete, acc.shift)
    assert acc.n == complete.sum()
    assert np.array_equal(acc.ext[4, :4], s) and np.array_equal(acc.ext[:4, :4], p)   # exact, not close
    assert acc.ext[4, 4] == complete.sum()


def test_wide_whole_numbers_fall_back_to_double_precision():
    table, x, complete = _items(3000, seed=2, low=-10 ** 6, high=10 ** 6, dtype="int64")
    acc = _accumulate(table.to_batches(max_chunksize=1000))
    assert np.float64 in acc._buf and np.float32 not in acc._buf
    s, p = _expected(x, complete, acc.shift)
    np.testing.assert_allclose(acc.ext[4, :4], s, rtol=1e-12)
    np.testing.assert_allclose(acc.ext[:4, :4], p, rtol=1e-12)


def test_first_batch_without_a_complete_row():
    table, x, complete = _items(400, seed=3)
    first = pa.table({f"q{j}": pa.array([None, 1, 2], pa.int8()) if j == 0 else pa.array([3, None, None], pa.int8())
                      for j in range(4)}).to_batches()[0]
    acc = _accumulate([first] + table.to_batches(max_chunksize=128))
    assert acc.n == complete.sum()
    assert np.array_equal(acc.shift, x[np.argmax(complete)])
    s, p = _expected(x, complete, acc.shift)
    assert np.array_equal(acc.ext[:4, :4], p) and np.array_equal(acc.ext[4, :4], s)


def test_moments_of_integer_items_equal_numpy(tmp_path, quiet, monkeypatch):
    """End to end on DuckDB with small batches: 7-point items with missing answers."""
    from loyaltyscope.behavior import scalable_moments
    monkeypatch.setattr(scalable_moments, "_BATCH_ROWS", 256)
    table, x, complete = _items(3000, seed=4)
    df = table.to_pandas()
    df.to_parquet(tmp_path / "s.parquet")
    m = ls.moments(tmp_path / "s.parquet", list(df.columns))
    assert m.nobs == complete.sum() and m.n_rows == 3000
    np.testing.assert_allclose(m.cov.to_numpy(), np.cov(x[complete], rowvar=False), rtol=1e-12)
    np.testing.assert_allclose(m.mean.to_numpy(), x[complete].mean(axis=0), rtol=1e-14)
    pd.testing.assert_series_equal(m.mean, ls.moments(df, list(df.columns), engine="pandas").mean, rtol=1e-14)


@pytest.mark.parametrize("rows", [0, 1])
def test_too_few_complete_rows(rows):
    df = pd.DataFrame({"a": [1.0, None, 3.0][: rows + 1], "b": [None, 2.0, None][: rows + 1]})
    with pytest.raises(ls.TransactionError, match="complete row"):
        ls.moments(df, ["a", "b"])


def test_parquet_globs_read_by_arrow_or_duckdb(tmp_path, quiet, monkeypatch):
    """Files whose items share one plain numeric type are decoded by Arrow's Parquet reader; files
    that disagree on a type (int8 in one, int16 in the other) go through DuckDB. Same numbers."""
    from loyaltyscope.behavior import duckdb_engine
    rng = np.random.default_rng(6)
    x = rng.integers(1, 8, (600, 3))
    parts = [pd.DataFrame(x[:300], columns=list("abc")).astype("int8"), pd.DataFrame(x[300:], columns=list("abc"))]
    parts[0].to_parquet(tmp_path / "same_1.parquet")
    parts[1].astype("int8").to_parquet(tmp_path / "same_2.parquet")
    parts[0].to_parquet(tmp_path / "mixed_1.parquet")
    parts[1].astype("int16").to_parquet(tmp_path / "mixed_2.parquet")
    used = []
    real = duckdb_engine.DuckDBEngine.batches
    monkeypatch.setattr(duckdb_engine.DuckDBEngine, "batches", lambda self, *a, **k: used.append(1) or real(self, *a, **k))
    expected = np.cov(x.astype(float), rowvar=False)
    same = ls.moments(str(tmp_path / "same_*.parquet"), list("abc"))
    assert used == [] and same.nobs == 600
    mixed = ls.moments(str(tmp_path / "mixed_*.parquet"), list("abc"))
    assert used == [1] and mixed.nobs == 600
    for m in (same, mixed):
        np.testing.assert_allclose(m.cov.to_numpy(), expected, rtol=1e-12)
