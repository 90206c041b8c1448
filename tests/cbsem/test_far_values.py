"""Issue 14, second adversarial sweep (hypothesis, 4x the committed examples, not
derandomised): one cell of 1e20 ... 1e50 in two items of the HS model (below the 1e50
magnitude limit) made ``sem`` fail with ``LinAlgError: Singular matrix`` inside the ML
objective. Such a value is now refused up front, as by the psychometric analyses: farther
from the column's median than 1/machine epsilon times the typical distance."""

import pytest

import loyaltyscope as ls

HS = ls.load_dataset("holzinger_swineford")
MODEL = "visual =~ x1 + a*x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


@pytest.mark.parametrize("value", [1e20, 1e30, 1e50, -1e40])
def test_one_far_value_is_refused_naming_row_and_column(value):
    d = HS[[f"x{i}" for i in range(1, 10)]].copy()
    d.iloc[0, 2] = value
    d.iloc[1, 3] = value
    with pytest.raises(ls.DataError, match=r"column 'x3' has the value .* in row 0, .* typical distance") as e:
        ls.sem(MODEL, d)
    assert "column 'x4'" in str(e.value)


def test_the_hypothesis_case():
    d = HS[[f"x{i}" for i in range(1, 10)]].copy()
    for col, row, val in [("x1", 0, 1e-300), ("x3", 0, 1e50), ("x4", 1, 1e50)]:
        d.loc[d.index[row], col] = val
    with pytest.raises(ls.DataError, match="lost to rounding"):
        ls.sem(MODEL, d)


def test_large_but_plausible_values_still_fit():
    d = HS[[f"x{i}" for i in range(1, 10)]].copy()
    d.iloc[0, 2] = 1e6  # an outlier, a million times the spread: warned about, not refused
    assert ls.sem(MODEL, d).converged


@pytest.mark.parametrize("rows", [0, 5])
def test_group_column_without_labels_is_a_clear_error(rows):
    d = HS.iloc[:rows].copy()
    d["school"] = None
    with pytest.raises(ls.DataError, match="group column 'school' has no observed value"):
        ls.sem(MODEL, d, group="school")


def test_invariance_with_one_group_is_a_clear_error():
    with pytest.raises(ls.DataError, match="one group only"):
        ls.invariance(MODEL, HS.assign(school="a"), "school")
