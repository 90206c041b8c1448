"""Issue 14: MICOM and PLS-MGA permutations are drawn and fitted in chunks from the seed —
never all masks at once — with results identical for any chunk size and worker count, and a
clear error before drawing when rows × permutations is over the cap."""

import numpy as np
import pandas as pd
import pytest

import loyaltyscope as ls
from loyaltyscope.plspm import groups as G
from loyaltyscope.plspm.demo import ECSI_MOBI_MODEL
from reference import load_mobi


@pytest.fixture(scope="module")
def data():
    d = load_mobi()
    return d, np.where(np.arange(len(d)) % 2 == 0, "a", "b")


def _tables(r):
    return [t for t in r.tables().values()]


def _same(r1, r2):
    for x, y in zip(_tables(r1), _tables(r2)):
        pd.testing.assert_frame_equal(x, y, check_exact=True)


@pytest.mark.parametrize("fn", [ls.micom, ls.pls_mga])
def test_same_seed_same_numbers_for_any_workers_and_chunks(data, fn, monkeypatch):
    d, g = data
    one = fn(ECSI_MOBI_MODEL, d, g, n_perm=60, seed=9)
    three = fn(ECSI_MOBI_MODEL, d, g, n_perm=60, seed=9, workers=3)
    _same(one, three)
    real = G.permutation_map
    monkeypatch.setattr(G, "permutation_map", lambda *a, **k: real(*a, **{**k, "chunk": 7}))
    for mod in ("loyaltyscope.plspm.group_invariance", "loyaltyscope.plspm.multigroup"):
        monkeypatch.setattr(f"{mod}.permutation_map", G.permutation_map)
    _same(one, fn(ECSI_MOBI_MODEL, d, g, n_perm=60, seed=9, workers=2))
    other = fn(ECSI_MOBI_MODEL, d, g, n_perm=60, seed=10)
    assert not all(x.equals(y) for x, y in zip(_tables(one), _tables(other)))  # the seed matters


def test_masks_are_drawn_chunk_by_chunk(data, monkeypatch):
    d, g = data
    sizes = []
    real = G.fit_subsets

    def spy(Z, pos, spec, masks, *a):
        sizes.append(len(masks))
        return real(Z, pos, spec, masks, *a)

    monkeypatch.setattr("loyaltyscope.plspm.multigroup.fit_subsets", spy)
    monkeypatch.setattr("loyaltyscope.plspm.groups.chunk_size", lambda n, q: 16)
    ls.pls_mga(ECSI_MOBI_MODEL, d, g, n_perm=50, seed=1)
    assert max(sizes[2:]) == 16 and sum(sizes[2:]) == 2 * 50  # two groups per chunk; never all 50


class _NoDrawing:
    """numpy for the groups module, without its random generators."""

    class random:
        @staticmethod
        def SeedSequence(*a):
            pytest.fail("went on to draw permutations")

    def __getattr__(self, k):
        return getattr(np, k)


@pytest.mark.parametrize("fn, name", [(ls.micom, "MICOM"), (ls.pls_mga, "PLS-MGA")])
def test_rows_times_permutations_over_the_cap_is_refused_before_drawing(data, fn, name, monkeypatch):
    d, g = data
    monkeypatch.setattr(G, "MAX_PERMUTATION_CELLS", 250 * 999)
    monkeypatch.setattr(G, "np", _NoDrawing())
    with pytest.raises(ls.PLSError, match=rf"{name}: 250 rows × 1,000 permutations .* over the limit"):
        fn(ECSI_MOBI_MODEL, d, g, n_perm=1000, seed=1)


def test_workers_must_be_a_positive_count(data):
    d, g = data
    with pytest.raises(ls.PLSError, match="workers"):
        ls.micom(ECSI_MOBI_MODEL, d, g, n_perm=20, workers=0)
