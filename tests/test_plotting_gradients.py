import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from rnnlib.plotting_gradients import plot_gradient_norms, plot_seed_curves  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_plot_gradient_norms_lines_and_scale():
    a = 0.5 ** np.arange(11)
    b = 1.2 ** np.arange(11)
    ax = plot_gradient_norms(
        {"r = 0.5": a, "r = 1.2": b}, references={"bound": 0.9 ** np.arange(11)}
    )
    lines = ax.get_lines()
    assert len(lines) == 3
    assert ax.get_yscale() == "log"
    assert ax.get_title() == "Gradient norm through time"
    assert ax.get_xlabel().startswith("time gap")
    np.testing.assert_array_equal(lines[0].get_xdata(), np.arange(11))
    np.testing.assert_array_equal(lines[1].get_ydata(), b)
    assert lines[2].get_linestyle() == "--"
    assert lines[2].get_color() == lines[0].get_color()  # bound i shares colour with curve i
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["r = 0.5", "r = 1.2", "bound"]


def test_plot_gradient_norms_uses_given_axes():
    _, ax = plt.subplots()
    out = plot_gradient_norms({"x": [1.0, 0.5]}, ax=ax, title="T")
    assert out is ax
    assert ax.get_title() == "T"
    assert len(ax.get_lines()) == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"norms": {}}, "norms must be a non-empty dict"),
        ({"norms": [1.0, 2.0]}, "norms must be a non-empty dict"),
        ({"norms": {"a": np.ones((2, 3))}}, r"norms\['a'\] must have shape \(G \+ 1,\)"),
        (
            {"norms": {"a": [1.0]}, "references": {"b": np.ones((1, 1))}},
            r"references\['b'\] must have",
        ),
    ],
)
def test_plot_gradient_norms_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        plot_gradient_norms(**kwargs)


def test_plot_seed_curves_one_colour_per_setting():
    runs = {
        "no clipping": [np.array([1.0, 5.0, 2.0]), np.array([0.5, 0.4, 9.0])],
        "clipped": [[0.3, 0.2, 0.1], [0.2, 0.3, 0.2], [0.4, 0.1]],
    }
    ax = plot_seed_curves(runs, ylabel="norm", title="t")
    lines = ax.get_lines()
    assert len(lines) == 5
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "norm" and ax.get_title() == "t"
    np.testing.assert_array_equal(lines[0].get_xdata(), [1, 2, 3])  # epochs from 1
    np.testing.assert_array_equal(lines[1].get_ydata(), [0.5, 0.4, 9.0])
    np.testing.assert_array_equal(lines[4].get_xdata(), [1, 2])  # lengths may differ
    assert lines[0].get_color() == lines[1].get_color() != lines[2].get_color()
    assert lines[2].get_color() == lines[3].get_color() == lines[4].get_color()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["no clipping (2 seeds)", "clipped (3 seeds)"]


def test_plot_seed_curves_linear_axis_on_given_axes():
    _, ax = plt.subplots()
    assert plot_seed_curves({"a": [[1.0, 2.0]]}, ax=ax, logy=False) is ax
    assert ax.get_yscale() == "linear"


@pytest.mark.parametrize(
    ("curves", "message"),
    [
        ({}, "curves must be a non-empty dict"),
        ([[1.0]], "curves must be a non-empty dict"),
        ({"a": []}, r"curves\['a'\] must be a non-empty list of curves"),
        ({"a": 3.0}, r"curves\['a'\] must be a non-empty list of curves"),
        ({"a": [np.ones((2, 2))]}, r"curves\['a'\]\[0\] must have shape \(E,\)"),
        ({"a": [1.0, 2.0]}, r"curves\['a'\]\[0\] must have shape \(E,\)"),
    ],
)
def test_plot_seed_curves_bad_input(curves, message):
    with pytest.raises(ValueError, match=message):
        plot_seed_curves(curves)
