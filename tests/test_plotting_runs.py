import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from rnnlib.plotting_runs import plot_runs  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_plot_runs_one_line_per_run_and_the_target():
    runs = [0.5 ** np.arange(1, 6), 0.3 ** np.arange(1, 6), 2.0 ** np.arange(1, 6)]
    ax = plot_runs(runs, target=1e-2, ylim=(1e-4, 10.0), title="lr = 0.1")
    lines = ax.get_lines()
    assert len(lines) == 4
    np.testing.assert_array_equal(lines[0].get_xdata(), np.arange(1, 6))
    np.testing.assert_array_equal(lines[2].get_ydata(), runs[2])
    assert {line.get_color() for line in lines[:3]} == {"C0"}
    assert lines[3].get_linestyle() == "--"
    np.testing.assert_array_equal(lines[3].get_ydata(), [1e-2, 1e-2])
    assert ax.get_yscale() == "log"
    assert ax.get_ylim() == pytest.approx((1e-4, 10.0))
    assert ax.get_title() == "lr = 0.1"
    assert ax.get_xlabel() == "update"


def test_plot_runs_uses_given_axes_without_target():
    _, ax = plt.subplots()
    out = plot_runs([[1.0, 0.5]], ax=ax, color="C3")
    assert out is ax
    assert len(ax.get_lines()) == 1
    assert ax.get_lines()[0].get_color() == "C3"


@pytest.mark.parametrize(
    ("runs", "match"),
    [
        ([], "runs"),
        ({"a": [1.0]}, "runs"),
        ([[1.0, 0.5], [1.0]], r"runs\[1\]"),
        ([[[1.0]]], r"runs\[0\]"),
    ],
)
def test_plot_runs_rejects_bad_runs(runs, match):
    with pytest.raises(ValueError, match=match):
        plot_runs(runs)


@pytest.mark.parametrize(
    ("kwargs", "match"), [({"target": 0.0}, "target"), ({"ylim": (0.0, 1.0)}, "ylim")]
)
def test_plot_runs_rejects_bad_levels(kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_runs([[1.0, 0.5]], **kwargs)
