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
