"""Shared fixtures."""

import warnings

import pytest

import loyaltyscope as ls


@pytest.fixture
def quiet_psychometric_warnings():
    """Silence PsychometricWarning (the results still record them; tests assert on those)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ls.PsychometricWarning)
        yield


# Property-based tests draw the same examples on every run (CI must not turn red on a new
# random draw; longer random explorations are run by hand with HYPOTHESIS_PROFILE=explore).
import os  # noqa: E402

from hypothesis import settings  # noqa: E402

settings.register_profile("repeatable", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))
