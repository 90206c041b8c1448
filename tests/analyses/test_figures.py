"""Every result's .plot() returns a matplotlib Figure drawn without pyplot or a display."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import loyaltyscope as ls
from reference import load_data


def _saves(fig, tmp_path, name):
    assert isinstance(fig, Figure)
    fig.savefig(tmp_path / f"{name}.png")
    assert (tmp_path / f"{name}.png").stat().st_size > 1000


def test_driver_ipa_and_path_figures(tmp_path):
    d = load_data("holzinger_swineford_1939.csv")
    kd = ls.key_drivers(d, "x9", ["x1", "x2", "x3", "x7", "x8"], bootstrap=20, seed=1)
    _saves(kd.plot(), tmp_path, "drivers")
    ip = kd.ipa()
    fig = ip.plot()
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "Concentrate here" in texts and "x1" in texts
    _saves(fig, tmp_path, "ipa")
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\ntextual ~ visual\nspeed ~ textual + visual"
    ch = ls.satisfaction_chain(d, model=model, estimator="ML", instrument=None)
    _saves(ch.plot(), tmp_path, "path")


def test_segments_and_waves_figures(tmp_path):
    inst = ls.load_instrument("brand_loyalty")
    pop = ("attitudinal =~ " + " + ".join(f"0.8*{i}" for i in inst.items_of("attitudinal")) + "\npurchase =~ "
           + " + ".join(f"0.8*{i}" for i in inst.items_of("purchase")) + "\nattitudinal ~~ 0.4*purchase")
    d = ls.simulate(pop, 300, seed=1, ordinal_levels=7)
    _saves(ls.loyalty(d).plot(), tmp_path, "segments")
    d["wave"] = np.where(np.arange(300) < 150, "w1", "w2")
    _saves(ls.compare_waves(d, "wave", instrument=inst, constructs=["attitudinal", "purchase"]).plot(), tmp_path,
           "waves")
