"""Issue 14, second adversarial sweep: columns that numpy converts to floats without being
real numbers — dates (nanoseconds since 1970), durations, complex numbers (imaginary part
dropped) — were analysed with no error or warning (alpha -0.21 on a date column). Every
analysis on item data now refuses them naming the column."""

import warnings

import numpy as np
import pandas as pd
import pytest

import loyaltyscope as ls

HS = ls.load_dataset("holzinger_swineford")
X = HS[[f"x{i}" for i in range(1, 10)]].copy()
MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"

KINDS = {
    "dates": (lambda s: pd.Timestamp("2020-01-01") + pd.to_timedelta(s, unit="D"), "holds dates or times"),
    "durations": (lambda s: pd.to_timedelta(s, unit="D"), "holds durations"),
    "complex": (lambda s: s.astype(complex), "holds complex numbers"),
}
CALLS = {
    "sem": (lambda d: ls.sem(MODEL, d), ls.DataError),
    "alpha": (lambda d: ls.alpha(d[["x4", "x5", "x6"]]), ls.ItemDataError),
    "omega": (lambda d: ls.omega(d), ls.ItemDataError),
    "efa": (lambda d: ls.efa(d, 3), ls.ItemDataError),
    "reliability": (lambda d: ls.reliability(MODEL, d), ls.ItemDataError),
    "htmt": (lambda d: ls.htmt(MODEL, d), ls.ItemDataError),
    "parallel_analysis": (lambda d: ls.parallel_analysis(d, n_iter=5), ls.ItemDataError),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("call", sorted(CALLS))
def test_columns_that_are_not_real_numbers_are_refused(kind, call):
    make, text = KINDS[kind]
    d = X.assign(x5=make(X["x5"]))
    fn, err = CALLS[call]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ComplexWarning on the way either
        with pytest.raises(err, match=rf"column 'x5' {text}"):
            fn(d)


def test_numbers_of_any_real_dtype_still_work():
    d = X.assign(x5=X["x5"].astype(np.float32), x6=(X["x6"] * 4).round().astype("Int64"))
    ref = ls.alpha(X[["x4", "x5", "x6"]].assign(x6=(X["x6"] * 4).round())).raw_alpha
    assert ls.alpha(d[["x4", "x5", "x6"]]).raw_alpha == pytest.approx(ref, abs=1e-6)
    assert ls.sem(MODEL, d).converged
