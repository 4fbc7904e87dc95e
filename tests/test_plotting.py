import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.patches import FancyArrowPatch

from rnnlib.plotting import draw_unrolled_rnn, plot_hidden_states, plot_losses


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("T", [1, 3, 5])
def test_draw_unrolled_rnn_nodes_and_arrows(T):
    ax = draw_unrolled_rnn(T)
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    nodes = [p for p in ax.patches if not isinstance(p, FancyArrowPatch)]
    assert len(nodes) == 2 * T + 2  # T inputs, T + 1 hidden states, one output
    assert len(arrows) == 2 * T + 1  # T input arrows, T recurrent arrows, one output arrow
    labels = [t.get_text() for t in ax.texts]
    assert labels.count("$W_{hh}$") == T
    assert labels.count("$W_{xh}$") == T
    assert labels.count("$W_{hy}$") == 1
    assert f"$h_{{{T}}}$" in labels and "$h_{0}$" in labels and "$y$" in labels
    assert str(T) in ax.get_title()


def test_draw_unrolled_rnn_uses_given_axes():
    _, ax = plt.subplots()
    assert draw_unrolled_rnn(2, ax=ax) is ax


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_draw_unrolled_rnn_rejects_bad_T(bad):
    with pytest.raises(ValueError, match="T must be a positive integer"):
        draw_unrolled_rnn(bad)


def test_plot_losses_one_line_per_curve_and_log_scale():
    curves = {"a": [1.0, 0.1, 0.01], "b": np.array([2.0, 1.0])}
    ax = plot_losses(curves)
    assert len(ax.lines) == 2
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [1.0, 0.1, 0.01])
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), [2.0, 1.0])
    assert ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    assert ax.get_xlabel() == "step" and ax.get_ylabel() == "loss"


def test_plot_losses_linear_scale_and_given_axes():
    _, ax = plt.subplots()
    out = plot_losses({"only": [3.0, 2.0]}, ax=ax, logy=False, title="T")
    assert out is ax
    assert ax.get_yscale() == "linear"
    assert ax.get_title() == "T"


@pytest.mark.parametrize(
    ("curves", "message"),
    [
        ({}, "curves must be a non-empty dict"),
        ([1.0, 2.0], "curves must be a non-empty dict"),
        ({"a": np.zeros((2, 2))}, r"curves\['a'\] must have shape \(steps,\)"),
        ({"a": ["x", "y"]}, r"curves\['a'\] must be a numeric array"),
    ],
)
def test_plot_losses_rejects_bad_curves(curves, message):
    with pytest.raises(ValueError, match=message):
        plot_losses(curves)


def test_plot_hidden_states_heatmap(rng):
    hs = np.tanh(rng.normal(size=(5, 8)))
    ax = plot_hidden_states(hs)
    assert len(ax.images) == 1
    image = ax.images[0]
    np.testing.assert_array_equal(image.get_array(), hs.T)  # units as rows
    assert image.get_clim() == (-1.0, 1.0)
    assert len(ax.figure.axes) == 2  # the heat map and its colour bar
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "3", "4", "5"]


def test_plot_hidden_states_lines(rng):
    hs = np.tanh(rng.normal(size=(4, 3)))
    _, ax = plt.subplots()
    assert plot_hidden_states(hs, ax=ax, kind="lines") is ax
    assert len(ax.lines) == 3
    for j, line in enumerate(ax.lines):
        np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3, 4])
        np.testing.assert_array_equal(line.get_ydata(), hs[:, j])
    assert len(ax.images) == 0


def test_plot_hidden_states_rejects_bad_input():
    message = r"hs must have shape \(T, H\) = \(\?, \?\), got \(1, 5, 8\)"
    with pytest.raises(ValueError, match=message):
        plot_hidden_states(np.zeros((1, 5, 8)))
    with pytest.raises(ValueError, match="kind must be 'heatmap' or 'lines'"):
        plot_hidden_states(np.zeros((5, 8)), kind="bars")


def test_use_book_style_sizes_figures_for_the_column():
    from rnnlib.plotting import BOOK_STYLE, COLUMN_WIDTH, use_book_style

    with plt.rc_context():
        applied = use_book_style()  # outside IPython: only the Matplotlib settings
        assert applied == BOOK_STYLE
        assert tuple(plt.rcParams["figure.figsize"]) == (COLUMN_WIDTH, 3.8)
        assert plt.rcParams["font.size"] >= 10
        assert COLUMN_WIDTH * plt.rcParams["figure.dpi"] <= 672  # the column at 1280 px


def test_new_figures_are_at_most_one_column_wide():
    from rnnlib.plotting import COLUMN_WIDTH, draw_unrolled_rnn

    ax = draw_unrolled_rnn(8)
    assert ax.figure.get_figwidth() <= COLUMN_WIDTH
    plt.close(ax.figure)
