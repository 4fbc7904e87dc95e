import numpy as np
import pytest

from rnnlib.curves import falls_at_every_update, updates_to_reach


def test_updates_to_reach_counts_from_one():
    losses = [1.0, 0.1, 1e-9, 1e-12]
    assert updates_to_reach(losses, 1e-8) == 3
    assert updates_to_reach(losses, 2.0) == 1
    assert updates_to_reach(losses, 1e-15) is None
    assert updates_to_reach(np.array([1e-8]), 1e-8) is None  # strictly below


def test_falls_at_every_update_stops_judging_at_the_floor():
    assert falls_at_every_update([1.0, 0.5, 0.25])
    assert not falls_at_every_update([1.0, 0.5, 0.5])  # a flat step is not a fall
    assert not falls_at_every_update([1.0, 2.0, 0.1])  # an overshoot
    # rounding noise once the floor is reached is ignored ...
    assert falls_at_every_update([1.0, 1e-10, 1e-21, 3e-21, 0.0, 1e-32])
    # ... but a rise on the way down to it is not
    assert not falls_at_every_update([1.0, 1e-10, 2e-10, 1e-21])
    assert falls_at_every_update([1.0, 1e-10, 1e-21, 5.0], floor=1e-20)
    assert not falls_at_every_update([1.0, 1e-10, 1e-21, 5.0], floor=1e-25)
    assert falls_at_every_update([0.3])


def test_falls_at_every_update_infinite_is_a_rise():
    assert not falls_at_every_update([1.0, np.inf])
    assert not falls_at_every_update([np.inf, 1.0])


@pytest.mark.parametrize("losses", [[], [[1.0, 0.5]], [1.0, np.nan], "abc"])
def test_bad_curves_raise(losses):
    with pytest.raises(ValueError, match="losses"):
        updates_to_reach(losses, 1e-8)
    with pytest.raises(ValueError, match="losses"):
        falls_at_every_update(losses)


@pytest.mark.parametrize("bad", [0.0, -1e-8, True, "x"])
def test_bad_levels_raise(bad):
    with pytest.raises(ValueError, match="target"):
        updates_to_reach([1.0], bad)
    with pytest.raises(ValueError, match="floor"):
        falls_at_every_update([1.0], floor=bad)
