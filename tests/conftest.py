import numpy as np
import pytest


@pytest.fixture
def rng():
    """A fresh, seeded generator for every test."""
    return np.random.default_rng(0)
