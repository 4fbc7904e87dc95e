import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.image import AxesImage

from rnnlib.plotting import plot_accuracy_grid, plot_sequence_predictions, plot_train_test


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _history(n=5):
    return {
        "loss": list(np.linspace(1.0, 0.1, n)),
        "val_loss": list(np.linspace(1.0, 0.3, n)),
        "acc": list(np.linspace(0.5, 1.0, n)),
        "val_acc": list(np.linspace(0.5, 0.9, n)),
    }


def test_plot_train_test_draws_both_curves():
    h = _history()
    ax = plot_train_test(h, "acc")
    lines = ax.get_lines()
    assert len(lines) == 2
    np.testing.assert_array_equal(lines[0].get_xdata(), np.arange(1, 6))
    np.testing.assert_allclose(lines[0].get_ydata(), h["acc"])
    np.testing.assert_allclose(lines[1].get_ydata(), h["val_acc"])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "test"]
    assert ax.get_ylabel() == "accuracy" and ax.get_xlabel() == "epoch"
    ax.figure.canvas.draw()
    assert all(float(t).is_integer() for t in ax.get_xticks())  # whole epochs only


def test_plot_train_test_best_epoch_logy_and_given_axes():
    _, ax0 = plt.subplots()
    ax = plot_train_test(
        _history(), "loss", ax=ax0, val_label="validation", best_epoch=3, logy=True
    )
    assert ax is ax0
    assert len(ax.get_lines()) == 3
    np.testing.assert_array_equal(ax.get_lines()[2].get_xdata(), [3, 3])
    assert ax.get_yscale() == "log"
    assert "validation" in ax.get_title()


def test_plot_train_test_bad_input():
    with pytest.raises(ValueError, match="history must contain 'val_acc'"):
        plot_train_test({"acc": [0.5]}, "acc")
    bad = {**_history(), "val_acc": [0.5, 0.6]}
    with pytest.raises(ValueError, match=r"history\['val_acc'\] must have shape \(epochs,\)"):
        plot_train_test(bad, "acc")
    with pytest.raises(ValueError, match="history must be a dict"):
        plot_train_test([1, 2], "acc")
    with pytest.raises(ValueError, match="best_epoch must be a positive integer"):
        plot_train_test(_history(), "acc", best_epoch=0)


def test_plot_sequence_predictions_bars_and_labels(rng):
    X = rng.normal(size=(3, 4, 1))
    y = np.array([[1.0], [0.0], [1.0]])
    p = np.array([[0.9], [0.8], [0.7]])  # the second one is wrong
    ax = plot_sequence_predictions(X, y, p)
    assert len(ax.patches) == 12
    heights = [b.get_height() for b in ax.patches]
    np.testing.assert_allclose(heights, X[:, :, 0].ravel())
    texts = ax.texts
    assert len(texts) == 3
    assert "p = 0.90" in texts[0].get_text() and "y = 1" in texts[0].get_text()
    assert f"sum {X[1, :, 0].sum():+.2f}" in texts[1].get_text()
    assert texts[0].get_color() != texts[1].get_color() == "#cc0000"


def test_plot_sequence_predictions_bad_input(rng):
    X = rng.normal(size=(3, 4, 1))
    with pytest.raises(ValueError, match=r"X must have shape \(K, T, 1\)"):
        plot_sequence_predictions(X[:, :, 0], np.ones((3, 1)), np.ones((3, 1)))
    with pytest.raises(ValueError, match=r"proba must have shape \(K, 1\)"):
        plot_sequence_predictions(X, np.ones((3, 1)), np.ones(3))
    with pytest.raises(ValueError, match=r"y must have shape \(K, 1\)"):
        plot_sequence_predictions(X, np.ones((2, 1)), np.ones((3, 1)))


def test_plot_accuracy_grid_cells_and_nan():
    scores = np.array([[0.9, 0.95, np.nan], [0.7, 0.8, 0.85]])
    ax = plot_accuracy_grid(scores, [8, 32], [0.01, 0.1, 1.0])
    images = [a for a in ax.get_children() if isinstance(a, AxesImage)]
    assert len(images) == 1
    np.testing.assert_array_equal(images[0].get_array().mask, np.isnan(scores))
    labels = [t.get_text() for t in ax.texts]
    assert labels == ["0.900", "0.950", "diverged", "0.700", "0.800", "0.850"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["8", "32"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.01", "0.1", "1"]
    assert len(ax.figure.axes) == 2  # the heat map and its colour bar


def test_plot_accuracy_grid_bad_input():
    with pytest.raises(ValueError, match=r"scores must have shape \(R, C\)"):
        plot_accuracy_grid(np.ones(3), [1], [1, 2, 3])
    with pytest.raises(ValueError, match="row_values must have length R = 2"):
        plot_accuracy_grid(np.ones((2, 3)), [1], [1, 2, 3])
    with pytest.raises(ValueError, match="col_values must have length C = 3"):
        plot_accuracy_grid(np.ones((2, 3)), [1, 2], [1, 2])
