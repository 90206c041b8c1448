"""Every analysis result follows the results protocol: frozen, tables, summary, escaped HTML,
JSON-ready to_dict, warnings as a tuple of strings."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

import loyaltyscope as ls
from reference import load_data


def _results():
    hs = load_data("holzinger_swineford_1939.csv")
    kd = ls.key_drivers(hs, "x9", ["x1", "x2", "x3"])
    m3 = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
    yield kd
    yield kd.ipa()
    yield ls.compare(ls.sem(m3, hs), ls.sem("g =~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9", hs))
    yield ls.satisfaction_chain(hs, model=m3 + "\nspeed ~ visual + textual", estimator="ML", instrument=None)
    inst = ls.load_instrument("brand_loyalty")
    pop = ("attitudinal =~ " + " + ".join(f"0.8*{i}" for i in inst.items_of("attitudinal")) + "\npurchase =~ "
           + " + ".join(f"0.8*{i}" for i in inst.items_of("purchase")) + "\nattitudinal ~~ 0.4*purchase")
    d = ls.simulate(pop, 200, seed=1, ordinal_levels=7)
    yield ls.loyalty(d, estimator="ML")
    d["wave"] = np.where(np.arange(200) < 100, "w1", "w2")
    yield ls.compare_waves(d, "wave", instrument=inst, constructs=["attitudinal", "purchase"])
    cp = ls.load_instrument("channel_preferences")
    pop = "\n".join(f"{c} =~ " + " + ".join(f"0.8*{i}" for i in cp.items_of(c)) for c in cp.constructs)
    yield ls.channel_preferences(ls.simulate(pop, 160, seed=2, ordinal_levels=5), cor="pearson", n_iter=20)


@pytest.mark.slow
def test_protocol(tmp_path):
    seen = set()
    results = list(_results())
    for r in results:
        seen.add(type(r).__name__)
        assert dataclasses.is_dataclass(r)
        with pytest.raises(dataclasses.FrozenInstanceError):
            r.warnings = ()
        assert isinstance(r.warnings, tuple) and all(isinstance(w, str) for w in r.warnings)
        tabs = r.tables()
        assert tabs and all(isinstance(t, pd.DataFrame) for t in tabs.values())
        assert r.title in r.summary() and r.title.split()[0] in r._repr_html_()
        json.dumps(r.to_dict())
        pd.testing.assert_frame_equal(r.to_frame(), next(iter(tabs.values())))
    assert len(seen) == 7
    page = ls.write_report([ls.Section(type(r).__name__, r) for r in results], tmp_path).read_text()
    assert "Key drivers" in page and "Dick &amp; Basu" in page
