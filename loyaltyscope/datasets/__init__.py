"""Bundled public example data sets.

- ``holzinger_swineford`` — Holzinger & Swineford (1939), 301 pupils, tests x1..x9, ``school``
  (R: ``lavaan::HolzingerSwineford1939``).
- ``holzinger_swineford_missing`` — the same with deterministic holes in x1, x5, x9.
- ``political_democracy`` — Bollen (1989), 75 countries (R: ``lavaan::PoliticalDemocracy``).
- ``bfi`` — 2,800 respondents, 25 six-point personality items (R: ``psych::bfi``).
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

_FILES = {
    "holzinger_swineford": "holzinger_swineford_1939.csv",
    "holzinger_swineford_missing": "holzinger_swineford_1939_missing.csv",
    "political_democracy": "political_democracy.csv",
    "bfi": "bfi.csv",
}


def load_dataset(name: str) -> pd.DataFrame:
    """Return a bundled data set as a DataFrame (empty cells are missing).

    Parameters
    ----------
    name : one of ``holzinger_swineford``, ``holzinger_swineford_missing``,
        ``political_democracy``, ``bfi``.
    """
    try:
        fname = _FILES[name]
    except KeyError:
        raise ValueError(f"unknown data set {name!r}; available: {', '.join(sorted(_FILES))}") from None
    with resources.files(__package__).joinpath("data", fname).open("rb") as fh:
        return pd.read_csv(fh)
