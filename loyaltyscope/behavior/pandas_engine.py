"""The pandas engine: the whole log in memory, every rule re-implemented with pandas/NumPy.

It exists for small data and as an independent cross-check of the SQL in
:mod:`loyaltyscope.behavior.metric_sql` (the tests run all three engines on the same logs and
require equal results), so it deliberately does not share that SQL. Timestamps: zone-aware
values keep their instant; naive values and ISO 8601 text are local times in ``tz``, and local
times that do not exist or occur twice there (DST changes) are errors.
"""

from __future__ import annotations

import glob
from pathlib import Path

import numpy as np
import pandas as pd

from loyaltyscope.behavior.abc_classes import abc_classify
from loyaltyscope.behavior.duckdb_engine import source_kind
from loyaltyscope.behavior.lifecycle import lifecycle_stage, period_counts
from loyaltyscope.behavior.metric_sql import DAY_US
from loyaltyscope.behavior.transaction_checks import TransactionError, check_columns, raise_problems

__all__ = ["PandasEngine", "read_table"]


def read_table(source) -> tuple[str, pd.DataFrame]:
    """(name, frame) of a DataFrame or a Parquet/CSV path or glob (CSV read as text)."""
    if isinstance(source, pd.DataFrame):
        return "the DataFrame", source
    if not isinstance(source, (str, Path)):
        raise TransactionError(f"source of type {type(source).__name__}: expected a path, a glob or a pandas "
                               "DataFrame (engine='pandas')")
    kind = source_kind(source)
    paths = sorted(glob.glob(str(source))) if kind != "parquet-dir" else [str(source)]
    if not paths:
        raise TransactionError(f"source {str(source)!r}: no file matches")
    if kind == "csv":
        frames = [pd.read_csv(p, dtype=str, keep_default_na=False, na_values=[""]) for p in paths]
    else:
        frames = [pd.read_parquet(p) for p in paths]
    return str(source), pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def _examples(values: pd.Series, mask, k: int = 5) -> list:
    return [str(v) for v in pd.unique(values[mask])[:k]]


def _times(s: pd.Series, tz: str) -> tuple[pd.Series, dict, dict]:
    """UTC microseconds of a time column, and the problem counts/examples."""
    counts, ex = {}, {}
    if pd.api.types.is_datetime64_any_dtype(s):
        parsed = s
    else:
        parsed = pd.to_datetime(s.astype(object).where(s.notna(), None), format="ISO8601", errors="coerce")
    bad = s.notna() & parsed.isna()
    counts["time_missing"], counts["time_unparseable"] = int(s.isna().sum()), int(bad.sum())
    ex["time_unparseable"] = _examples(s, bad)
    if getattr(parsed.dt, "tz", None) is None:
        fine = parsed.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
        amb = parsed.dt.tz_localize(tz, ambiguous=np.zeros(len(parsed), bool), nonexistent="NaT")
        gone = parsed.notna() & amb.isna()
        twice = parsed.notna() & fine.isna() & ~gone
        counts["time_nonexistent"], counts["time_ambiguous"] = int(gone.sum()), int(twice.sum())
        ex["time_nonexistent"], ex["time_ambiguous"] = _examples(s, gone), _examples(s, twice)
        parsed = fine
    us = parsed.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]").astype("int64")
    return us.where(parsed.notna()), counts, ex


def _numbers(s: pd.Series, role: str) -> tuple[pd.Series, dict, dict]:
    if isinstance(s, pd.DataFrame):          # a column name given twice in the source
        raise TransactionError(f"the {role} column {str(s.columns[0])!r} appears {s.shape[1]} times in the source")
    x = pd.to_numeric(s, errors="coerce").astype(float)
    bad = s.notna() & ~(x.abs() <= _LARGEST)       # not a number, NaN, infinite or beyond 1e300
    return x, {f"{role}_missing": int(s.isna().sum()), f"{role}_non_numeric": int(bad.sum())}, \
        {f"{role}_non_numeric": _examples(s, bad)}


_LARGEST = 1e300        # as the SQL engines' check (metric_sql.checks_sql)


class PandasEngine:
    """A log held in memory; the same steps as the SQL engines, written in pandas."""

    def __init__(self, source, tz: str = "UTC"):
        self.name, self.frame = read_table(source)
        self.tz = tz

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.frame.columns]

    def validate(self, cols: dict, tz: str, transaction: str | None) -> dict:
        all_cols = dict(cols, transaction=transaction)
        check_columns(self.name, self.columns, all_cols)
        f = self.frame
        ts, counts, ex = _times(f[cols["time"]], tz)
        counts["customer_missing"] = int(f[cols["customer"]].isna().sum())
        amount, c2, e2 = _numbers(f[cols["amount"]], "amount")
        counts.update(c2), ex.update(e2)
        profit = pd.Series(np.nan, index=f.index)
        if cols.get("profit") is not None:
            profit, c3, e3 = _numbers(f[cols["profit"]], "profit")
            counts.update(c3), ex.update(e3)
        dups = None
        if transaction is not None:
            vc = f[transaction].dropna().value_counts()
            vc = vc[vc > 1].sort_values(ascending=False, kind="stable")
            if len(vc):
                dups = (len(vc), int((vc - 1).sum()), [(str(k), int(n)) for k, n in vc.head(5).items()])
        raise_problems(self.name, all_cols, counts, ex, dups)
        self.tx = pd.DataFrame({"cid": f[cols["customer"]].to_numpy(), "ts_us": ts.astype("int64").to_numpy(),
                                "amount": amount.to_numpy(), "profit": profit.to_numpy()})
        return {"n_rows": len(f), "min_us": int(self.tx.ts_us.min()) if len(f) else None,
                "max_us": int(self.tx.ts_us.max()) if len(f) else None}

    def count_rows(self, as_of_us: int, start_us: int | None) -> dict:
        ts = self.tx.ts_us
        return {"after": int((ts > as_of_us).sum()),
                "before": 0 if start_us is None else int((ts <= start_us).sum())}

    def metrics(self, *, as_of_us, start_us, repeat_min, abc_cuts, abc_by, period_us, n_periods,
                trend_threshold, has_profit=True,
                skip_as_of_filter=False) -> pd.DataFrame:
        tx = self.tx[(self.tx.ts_us <= as_of_us) & ((self.tx.ts_us > start_us) if start_us is not None else True)]
        codes, uniq = pd.factorize(tx.cid, sort=True)
        n = len(uniq)
        pur = (tx.amount > 0).to_numpy()
        amount = tx.amount.to_numpy()
        ts = tx.ts_us.to_numpy()

        def count(mask):
            return np.bincount(codes[mask], minlength=n).astype("int64")

        freq = count(pur)
        first = np.full(n, np.nan)
        last = np.full(n, np.nan)
        order = np.lexsort((ts[pur], codes[pur]))
        c_sorted, t_sorted = codes[pur][order], ts[pur][order]
        if len(c_sorted):
            starts = np.r_[True, c_sorted[1:] != c_sorted[:-1]]
            ends = np.r_[c_sorted[1:] != c_sorted[:-1], True]
            first[c_sorted[starts]] = t_sorted[starts]
            last[c_sorted[ends]] = t_sorted[ends]
        out = pd.DataFrame({"cid": uniq, "frequency": freq, "refunds": count(amount < 0), "zero_rows": count(amount == 0),
                            "monetary": np.bincount(codes, weights=amount, minlength=n),
                            "profit": np.bincount(codes, weights=tx.profit.to_numpy(), minlength=n),
                            "first_us": first, "last_us": last})
        out["recency_days"] = (as_of_us - out.last_us) // DAY_US
        out["tenure_days"] = (as_of_us - out.first_us) // DAY_US
        out["mean_interpurchase_days"] = np.where(freq > 1, (out.last_us - out.first_us) / DAY_US / (freq - 1).clip(1),
                                                  np.nan)
        out["repeat_buyer"] = freq >= repeat_min
        value = out["monetary" if abc_by == "monetary" else "profit"].to_numpy()
        out["abc_value"] = np.where(value > 0, value, 0.0)
        out["abc_class"], out["abc_share_before"] = abc_classify(value, abc_cuts)
        counts = period_counts(codes[pur], ts[pur], n, as_of_us, period_us, n_periods)
        out["recent_purchases"] = counts.sum(axis=1).astype("int64")
        out["lifecycle_stage"], out["lifecycle_trend"] = lifecycle_stage(counts, first, freq, as_of_us, period_us,
                                                                         trend_threshold)
        return out

    def activity(self, *, as_of_us, period_us, n_periods) -> pd.DataFrame:
        tx = self.tx[self.tx.ts_us <= as_of_us]
        pur = tx[tx.amount > 0]
        first_k = ((as_of_us - pur.groupby("cid").ts_us.min()) // period_us).rename("first_k")
        recent = tx[tx.ts_us > as_of_us - n_periods * period_us].assign(
            k=lambda t: (as_of_us - t.ts_us) // period_us, p=lambda t: t.amount > 0)
        per = recent.groupby(["cid", "k"]).agg(purchases=("p", "sum"), revenue=("amount", "sum"),
                                               profit=("profit", "sum")).reset_index()
        return per.merge(first_k.reset_index(), on="cid", how="left")

    def close(self) -> None:
        pass
