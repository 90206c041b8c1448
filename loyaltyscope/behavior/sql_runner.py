"""The steps every SQL engine (DuckDB, Spark) runs, written once over :mod:`metric_sql`.

An engine provides ``dialect``, ``name``, ``columns``, ``time_kind(col)``, ``view(name, sql)``,
``query(sql) -> pandas`` and the names of its views: ``raw`` (the source) and ``tx`` (the
normalised log); this mixin gives it ``validate``, ``metrics`` and ``activity``.
"""

from __future__ import annotations

import pandas as pd

from loyaltyscope.behavior import metric_sql as q
from loyaltyscope.behavior.transaction_checks import PROBLEM_TEXT, check_columns, raise_problems

__all__ = ["SQLSteps"]


class SQLSteps:
    """Validation, metrics and activity for an engine that speaks :mod:`metric_sql`."""

    def validate(self, cols: dict, tz: str, transaction: str | None) -> dict:
        """Count every problem (raising :class:`TransactionError` when there is one), then
        define the normalised view ``tx``. Returns n_rows, min_us, max_us."""
        all_cols = dict(cols, transaction=transaction)
        check_columns(self.name, self.columns, all_cols)
        d = self.dialect
        kind = self.time_kind(cols["time"])
        sql, conds = q.validation_sql(d, self.raw, cols, kind, check_dst=(tz != "UTC" and kind != "instant"))
        counts = self.query(sql).iloc[0].to_dict()
        examples = {}
        for key, cond in conds.items():
            if int(counts.get(key) or 0):
                col = cols[PROBLEM_TEXT[key][0]]
                examples[key] = self.query(q.examples_sql(d, self.raw, col, cond))["v"].tolist()
        dups = None
        if transaction is not None:
            dc = self.query(q.duplicate_count_sql(d, self.raw, transaction)).iloc[0]
            if int(dc["ids"]):
                ex = self.query(q.duplicate_ids_sql(d, self.raw, transaction))
                dups = (int(dc["ids"]), int(dc["surplus"]), list(zip(ex["tid"], ex["n"].astype(int))))
        raise_problems(self.name, all_cols, counts, examples, dups)
        self.view(self.tx, q.normalized_sql(d, self.raw, cols, kind))
        return {"n_rows": int(counts["n_rows"]),
                "min_us": None if pd.isna(counts["min_us"]) else int(counts["min_us"]),
                "max_us": None if pd.isna(counts["max_us"]) else int(counts["max_us"])}

    def count_rows(self, as_of_us: int, start_us: int | None) -> dict:
        """Rows after ``as_of`` and rows at or before the window start (not used by the metrics)."""
        start = f"ts_us <= {int(start_us)}" if start_us is not None else "FALSE"
        r = self.query(f"SELECT SUM(CASE WHEN ts_us > {int(as_of_us)} THEN 1 ELSE 0 END) AS after, "
                       f"SUM(CASE WHEN {start} THEN 1 ELSE 0 END) AS before FROM {self.tx}").iloc[0]
        return {"after": int(r["after"] or 0), "before": int(r["before"] or 0)}

    def metrics(self, **params) -> pd.DataFrame:
        return self.query(q.metrics_sql(self.tx, **params))

    def activity(self, **params) -> pd.DataFrame:
        return self.query(q.activity_sql(self.tx, **params))
