"""The data of a sweep case, shared by generate_pls_sweep.py (peers' venv) and
tests/plspm/test_pls_sweep.py: a bundled data set read with pandas, optionally only its first
``rows`` rows, derived columns (a linear combination of columns, then some cells set), and
deterministic holes (every ``every``-th row from ``offset`` of a column set missing)."""

import numpy as np
import pandas as pd


def case_data(case: dict, frame: pd.DataFrame) -> pd.DataFrame:
    df = frame.copy()
    if case["rows"]:
        df = df.iloc[:case["rows"]].reset_index(drop=True)
    for d in case["derived"]:
        df[d["name"]] = sum(coef * df[col] for col, coef in d["terms"].items())
        for row, value in d["set_rows"].items():
            df.loc[int(row), d["name"]] = value
    for h in case["holes"]:
        df.loc[df.index[h["offset"]::h["every"]], h["column"]] = np.nan
    return df
