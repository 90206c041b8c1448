"""Bundled public example data sets.

- ``holzinger_swineford`` — Holzinger & Swineford (1939), 301 pupils, tests x1..x9, ``school``
  (R: ``lavaan::HolzingerSwineford1939``).
- ``holzinger_swineford_missing`` — the same with deterministic holes in x1, x5, x9.
- ``political_democracy`` — Bollen (1989), 75 countries (R: ``lavaan::PoliticalDemocracy``).
- ``bfi`` — 2,800 respondents, 25 six-point personality items (R: ``psych::bfi``).
- ``mobi`` — ECSI survey of 250 mobile-phone customers, 24 items on a 1–10 scale
  (Tenenhaus et al. 2005; R: ``semPLS::mobi``, ``seminr::mobi``).
- ``corp_rep_data`` — corporate reputation survey, 344 respondents (Hair et al. 2017/2021;
  R: ``seminr::corp_rep_data``; its missing-value code -99 is an empty cell here).
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

_FILES = {
    "holzinger_swineford": "holzinger_swineford_1939.csv",
    "holzinger_swineford_missing": "holzinger_swineford_1939_missing.csv",
    "political_democracy": "political_democracy.csv",
    "bfi": "bfi.csv",
    "mobi": "mobi.csv",
    "corp_rep_data": "corp_rep_data.csv",
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
