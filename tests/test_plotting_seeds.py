import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from rnnlib.plotting_seeds import plot_curves_over_seeds, plot_spread


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _history(n, shift=0.0):
    return {
        "loss": list(np.linspace(1.0, 0.1, n) + shift),
        "val_loss": list(np.linspace(1.0, 0.3, n) + shift),
        "acc": list(np.linspace(0.5, 1.0, n) - shift),
        "val_acc": list(np.linspace(0.5, 0.9, n) - shift),
    }


def test_plot_curves_over_seeds_draws_two_lines_per_run():
    histories = [_history(5), _history(7, 0.01), _history(3, 0.02)]
    ax = plot_curves_over_seeds(histories, "acc")
    lines = ax.get_lines()
    assert len(lines) == 6
    np.testing.assert_array_equal(lines[2].get_xdata(), np.arange(1, 8))
    np.testing.assert_allclose(lines[3].get_ydata(), histories[1]["val_acc"])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "validation"]
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "accuracy"
    assert "3 seeds" in ax.get_title()


def test_plot_curves_over_seeds_best_epochs_logy_and_given_axes():
    _, ax0 = plt.subplots()
    histories = [_history(5), _history(6, 0.1)]
    ax = plot_curves_over_seeds(histories, "loss", ax=ax0, logy=True, best_epochs=[2, 6],
                                title="T", val_label="held out")
    assert ax is ax0 and ax.get_yscale() == "log" and ax.get_title() == "T"
    dots = ax.get_lines()[2::3]
    assert [d.get_xdata()[0] for d in dots] == [2, 6]
    assert dots[1].get_ydata()[0] == pytest.approx(histories[1]["val_loss"][5])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["train", "held out", "kept epoch"]


def test_plot_curves_over_seeds_bad_input():
    with pytest.raises(ValueError, match="non-empty sequence"):
        plot_curves_over_seeds([])
    with pytest.raises(ValueError, match="non-empty sequence"):
        plot_curves_over_seeds({"acc": [1.0]})
    with pytest.raises(ValueError, match=r"histories\[0\] must be a history dict"):
        plot_curves_over_seeds([[0.5]])
    with pytest.raises(ValueError, match=r"histories\[1\] must contain 'val_acc'"):
        plot_curves_over_seeds([_history(3), {"acc": [0.5]}])
    bad = {**_history(3), "val_acc": [0.5]}
    with pytest.raises(ValueError, match=r"val_acc'\] must have shape \(epochs,\)"):
        plot_curves_over_seeds([bad])
    with pytest.raises(ValueError, match="one epoch per run"):
        plot_curves_over_seeds([_history(3)], best_epochs=[1, 2])
    with pytest.raises(ValueError, match="is after the last epoch"):
        plot_curves_over_seeds([_history(3)], best_epochs=[4])
    with pytest.raises(ValueError, match="must be a positive integer"):
        plot_curves_over_seeds([_history(3)], best_epochs=[0])


def test_plot_spread_dots_and_medians():
    train = np.array([[0.9, 0.95, 1.0], [0.8, 0.85, 0.9]])
    test = np.array([[0.88, 0.9, 0.92], [0.79, 0.8, np.nan]])
    ax = plot_spread({"train": train, "test": test}, ["a", "b"], hline=0.95, title="T")
    lines = ax.get_lines()
    # per series and group: dots and a median bar; then the reference line
    assert len(lines) == 2 * 2 * 2 + 1
    np.testing.assert_allclose(lines[0].get_ydata(), train[0])
    np.testing.assert_allclose(lines[1].get_ydata(), [0.95, 0.95])  # median bar
    np.testing.assert_allclose(lines[6].get_ydata(), [0.79, 0.8])  # NaN left out
    np.testing.assert_allclose(lines[7].get_ydata(), [0.795, 0.795])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "test"]
    assert ax.get_title() == "T" and ax.get_ylabel() == "accuracy"


def test_plot_spread_given_axes_single_seed():
    _, ax0 = plt.subplots()
    ax = plot_spread({"gap": [[0.1], [0.0]]}, ["x", "y"], ax=ax0, ylabel="gap")
    assert ax is ax0 and ax.get_ylabel() == "gap"
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), [0.0])


def test_plot_spread_bad_input():
    with pytest.raises(ValueError, match="non-empty dict"):
        plot_spread({}, ["a"])
    with pytest.raises(ValueError, match="at least one run"):
        plot_spread({"a": np.zeros((0, 3))}, [])
    with pytest.raises(ValueError, match=r"series\['a'\] must have shape \(G, S\)"):
        plot_spread({"a": np.zeros((3, 2))}, ["x", "y"])
