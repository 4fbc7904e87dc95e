import numpy as np
import pytest

from rnnlib.report import below, format_spread, over_seeds, spread


def test_below_prints_the_bound_not_the_digits():
    assert below(1.3e-15, 1e-12) == "below 1e-12"
    assert below(1.6e-15, 1e-12) == below(1.3e-15, 1e-12)  # same text on any CPU
    assert below(np.float64(2e-8), 1e-7) == "below 1e-07"


def test_below_shows_a_broken_bound():
    assert below(3e-6, 1e-7) == "3.0e-06 (NOT below 1e-07)"
    assert below(1e-7, 1e-7).startswith("1.0e-07 (NOT")
    assert "NOT" in below(float("nan"), 1e-7)


@pytest.mark.parametrize(("value", "bound"), [("x", 1e-7), (True, 1e-7), (1.0, 0.0), (1.0, -1)])
def test_below_rejects_bad_input(value, bound):
    with pytest.raises(ValueError, match="value|bound"):
        below(value, bound)


def test_spread_and_format():
    s = spread([0.9, 0.95, 0.91, 0.93, 0.92])
    assert s == {"median": 0.92, "min": 0.9, "max": 0.95, "n": 5}
    assert format_spread([0.9, 0.95, 0.91, 0.93, 0.92]) == "0.920 (0.900 to 0.950, 5 seeds)"
    assert format_spread([1.0, 3.0], fmt=".1f") == "2.0 (1.0 to 3.0, 2 seeds)"


@pytest.mark.parametrize("values", [[], [[1.0, 2.0]], [1.0, np.nan]])
def test_spread_rejects_bad_values(values):
    with pytest.raises(ValueError, match="values"):
        spread(values)


def test_over_seeds_calls_in_order():
    assert over_seeds(lambda s: s * 10, [3, 1, 2], progress=False) == [30, 10, 20]
    draws = over_seeds(lambda s: np.random.default_rng(s).random(), range(3), progress=False)
    assert draws == [np.random.default_rng(s).random() for s in range(3)]


@pytest.mark.parametrize(("fn", "seeds"), [(None, [0]), (abs, []), (abs, [0, 0]), (abs, [0.5]),
                                           (abs, [True])])
def test_over_seeds_rejects_bad_input(fn, seeds):
    with pytest.raises(ValueError, match="fn|seeds"):
        over_seeds(fn, seeds, progress=False)
