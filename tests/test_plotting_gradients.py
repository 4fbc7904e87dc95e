import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from rnnlib.plotting_gradients import plot_gradient_norms  # noqa: E402


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
