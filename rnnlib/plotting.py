"""Figures shared by the chapters.

Every function draws on the Matplotlib ``Axes`` it is given (or on a new one
when ``ax=None``), returns that ``Axes`` and computes nothing: the numbers it
shows are computed by the caller with the rest of :mod:`rnnlib`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from rnnlib._check import as_array, check_positive_int, check_shape

_NODE_RADIUS = 0.32
_BOX_HALF = 0.28

#: Width in inches of a figure that fills the book's text column. At Matplotlib's 100 dpi
#: that is 640 pixels: the column is 672 CSS pixels wide in a 1280-pixel window, so a
#: figure this wide is shown at its natural size, its 10.5-point text at about 14 pixels,
#: the size of the book's small print.
COLUMN_WIDTH = 6.4

#: The settings of :func:`use_book_style`.
BOOK_STYLE = {
    "figure.figsize": (COLUMN_WIDTH, 3.8),
    "figure.dpi": 100,
    "font.size": 10.5,
    "axes.titlesize": 11.0,
    "axes.labelsize": 10.5,
    "xtick.labelsize": 10.0,
    "ytick.labelsize": 10.0,
    "legend.fontsize": 10.0,
}


def use_book_style():
    """Draw figures for the book's column and show them sharp on high-resolution screens.

    Sets Matplotlib's defaults to :data:`BOOK_STYLE` (figures :data:`COLUMN_WIDTH` inches
    wide, text no smaller than 10 points) and, inside Jupyter, shows figures as PNGs with
    twice the pixels of their displayed size (the inline backend's ``retina`` format).
    Every chapter calls it once, after its imports.

    Returns
    -------
    dict
        The Matplotlib settings that were applied.
    """
    plt.rcParams.update(BOOK_STYLE)
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # plain Python: only the sizes apply
        return dict(BOOK_STYLE)
    if get_ipython() is not None:
        set_matplotlib_formats("retina")
    return dict(BOOK_STYLE)


def _get_ax(ax, figsize):
    """Return ``ax`` or a new Axes of the given size (at most :data:`COLUMN_WIDTH` wide)."""
    if ax is None:
        width, height = figsize
        if width > COLUMN_WIDTH:
            width, height = COLUMN_WIDTH, height * (COLUMN_WIDTH / width) ** 0.5
        _, ax = plt.subplots(figsize=(width, height), layout="constrained")
    return ax


def _box(ax, center, label, color):
    """Draw a labelled rounded square (an input or output node) centred at ``center``."""
    xc, yc = center
    ax.add_patch(
        FancyBboxPatch(
            (xc - _BOX_HALF, yc - _BOX_HALF),
            2 * _BOX_HALF,
            2 * _BOX_HALF,
            boxstyle="round,pad=0.02",
            facecolor=color,
            edgecolor="0.2",
            lw=1.4,
        )
    )
    ax.text(xc, yc, label, ha="center", va="center", fontsize=12)


def _arrow(ax, start, end, label=None, label_offset=(0.0, 0.0)):
    """Draw an arrow between two points and an optional label at its middle."""
    ax.add_patch(
        FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=14, lw=1.4, color="0.25")
    )
    if label is not None:
        mx = (start[0] + end[0]) / 2 + label_offset[0]
        my = (start[1] + end[1]) / 2 + label_offset[1]
        ax.text(mx, my, label, ha="center", va="center", fontsize=10, color="0.25")


def draw_unrolled_rnn(T, ax=None):
    """Draw a many-to-one RNN unrolled over ``T`` time steps.

    Inputs ``x_1 .. x_T`` sit at the bottom, hidden states ``h_0 .. h_T`` in
    the middle (``h_0`` is the initial state), and the single output ``y``
    is read from ``h_T``.  Arrows carry the weights: ``W_xh`` upwards,
    ``W_hh`` from one step to the next and ``W_hy`` to the output.  The same
    three matrices are used at every step.

    Parameters
    ----------
    T : int
        Number of time steps (at least 1).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        With ``2 T + 2`` node patches (``T`` inputs, ``T + 1`` hidden states,
        one output) and ``2 T + 1`` arrows.
    """
    T = check_positive_int("T", T)
    ax = _get_ax(ax, (1.6 * T + 2.0, 3.4))
    y_in, y_h, y_out = 0.0, 1.6, 3.2
    # hidden nodes at x = 0 (h_0), 1.6, ..., 1.6 T
    xs = [1.6 * t for t in range(T + 1)]
    for t, xc in enumerate(xs):
        face = "0.92" if t == 0 else "#cfe2f3"
        ax.add_patch(Circle((xc, y_h), _NODE_RADIUS, facecolor=face, edgecolor="0.2", lw=1.4))
        ax.text(xc, y_h, f"$h_{{{t}}}$", ha="center", va="center", fontsize=12)
    for t in range(1, T + 1):
        xc = xs[t]
        _box(ax, (xc, y_in), f"$x_{{{t}}}$", "#fce5cd")
        _arrow(
            ax,
            (xc, y_in + _BOX_HALF),
            (xc, y_h - _NODE_RADIUS),
            "$W_{xh}$",
            label_offset=(0.32, 0.0),
        )
        _arrow(
            ax,
            (xs[t - 1] + _NODE_RADIUS, y_h),
            (xc - _NODE_RADIUS, y_h),
            "$W_{hh}$",
            label_offset=(0.0, 0.22),
        )
    xT = xs[-1]
    _box(ax, (xT, y_out), "$y$", "#d9ead3")
    _arrow(ax, (xT, y_h + _NODE_RADIUS), (xT, y_out - _BOX_HALF), "$W_{hy}$", (0.32, 0.0))
    ax.set_xlim(-0.6, xs[-1] + 0.8)
    ax.set_ylim(-0.6, y_out + 0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"A many-to-one RNN unrolled over T = {T} steps")
    return ax


def plot_losses(curves, ax=None, logy=True, xlabel="step", ylabel="loss", title="Training loss"):
    """Plot one or more loss curves, one line per entry of ``curves``.

    Parameters
    ----------
    curves : dict of str to sequence of float
        Label of each curve and its values (one per step or epoch).
    ax : matplotlib.axes.Axes, optional
    logy : bool
        Use a logarithmic y axis.
    xlabel, ylabel, title : str

    Returns
    -------
    matplotlib.axes.Axes
        With ``len(curves)`` lines.
    """
    if not isinstance(curves, dict) or not curves:
        raise ValueError("curves must be a non-empty dict of label -> sequence of losses")
    arrays = {}
    for label, values in curves.items():
        arr = as_array(f"curves[{label!r}]", values)
        check_shape(f"curves[{label!r}]", arr, "(steps,)", (None,))
        arrays[label] = arr
    ax = _get_ax(ax, (6.0, 3.6))
    for label, arr in arrays.items():
        ax.plot(np.arange(1, arr.size + 1), arr, label=str(label), lw=1.8)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend()
    return ax


def plot_hidden_states(hs, ax=None, kind="heatmap", title="Hidden state over time"):
    """Show how every hidden unit evolves over the time steps of one sequence.

    Parameters
    ----------
    hs : ndarray, shape (T, H)
        Hidden states of one sequence, for example ``rnn_forward(...)[0][0]``.
    ax : matplotlib.axes.Axes, optional
    kind : {"heatmap", "lines"}
        ``"heatmap"``: one image, units as rows and time steps as columns,
        coloured on the tanh range [-1, 1], with a colour bar.
        ``"lines"``: one line per unit (``H`` lines) against time.
    title : str

    Returns
    -------
    matplotlib.axes.Axes
    """
    if kind not in ("heatmap", "lines"):
        raise ValueError(f"kind must be 'heatmap' or 'lines', got {kind!r}")
    hs = as_array("hs", hs)
    check_shape("hs", hs, "(T, H)", (None, None))
    T, H = hs.shape
    ax = _get_ax(ax, (6.0, 3.6))
    steps = np.arange(1, T + 1)
    if kind == "heatmap":
        image = ax.imshow(
            hs.T, aspect="auto", cmap="RdBu_r", vmin=-1.0, vmax=1.0, interpolation="nearest"
        )
        ax.set_xticks(np.arange(T), labels=[str(t) for t in steps])
        ax.set_yticks(np.arange(H), labels=[str(j) for j in range(H)])
        ax.set_ylabel("hidden unit j")
        ax.figure.colorbar(image, ax=ax, label="$h_t[j]$")
    else:
        for j in range(H):
            ax.plot(steps, hs[:, j], marker="o", ms=3, lw=1.4, label=f"unit {j}")
        ax.set_xticks(steps)
        ax.set_ylim(-1.05, 1.05)
        ax.set_ylabel("$h_t[j]$")
        if H <= 10:
            ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_xlabel("time step t")
    ax.set_title(title)
    return ax


# --- Chapters 3 and 4: the sequence classifier and minibatches ---------------


def plot_train_test(
    history, metric="acc", ax=None, val_label="test", best_epoch=None, title=None, logy=False
):
    """Plot a training curve and its held-out twin against the epoch.

    Parameters
    ----------
    history : dict of str to sequence of float
        From :func:`rnnlib.train.train`; needs ``history[metric]`` and
        ``history["val_" + metric]`` of the same length.
    metric : str
        ``"acc"`` or ``"loss"`` (any key with a ``"val_"`` twin).
    ax : matplotlib.axes.Axes, optional
    val_label : str
        Legend label of the held-out curve (``"test"`` or ``"validation"``).
    best_epoch : int, optional
        Draw a dashed vertical line at this epoch (counted from 1), for
        example ``history["best_epoch"]`` after early stopping.
    title : str, optional
    logy : bool
        Use a logarithmic y axis.

    Returns
    -------
    matplotlib.axes.Axes
        With two lines (three with ``best_epoch``).
    """
    if not isinstance(history, dict):
        raise ValueError("history must be a dict from rnnlib.train.train")
    for key in (metric, "val_" + metric):
        if key not in history:
            raise ValueError(f"history must contain {key!r}, got keys {sorted(history)}")
    train_curve = as_array(f"history[{metric!r}]", history[metric])
    check_shape(f"history[{metric!r}]", train_curve, "(epochs,)", (None,))
    val_curve = as_array(f"history['val_{metric}']", history["val_" + metric])
    check_shape(f"history['val_{metric}']", val_curve, "(epochs,)", train_curve.shape)
    if best_epoch is not None:
        best_epoch = check_positive_int("best_epoch", best_epoch)
    ax = _get_ax(ax, (6.0, 3.6))
    epochs = np.arange(1, train_curve.size + 1)
    ax.plot(epochs, train_curve, lw=1.8, label="train")
    ax.plot(epochs, val_curve, lw=1.8, label=val_label)
    if best_epoch is not None:
        ax.axvline(best_epoch, color="0.4", ls="--", lw=1.2, label=f"best epoch ({best_epoch})")
    if logy:
        ax.set_yscale("log")
    names = {"acc": "accuracy", "loss": "loss"}
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))  # epochs are whole numbers
    ax.set_xlabel("epoch")
    name = names.get(metric, metric)
    ax.set_ylabel(name)
    ax.set_title(title if title is not None else f"{name}: train vs {val_label}")
    ax.grid(True, alpha=0.3)
    ax.legend()
    return ax


def plot_sequence_predictions(X, y, proba, ax=None, title="Sequences and predicted probabilities"):
    """Draw a few one-dimensional sequences side by side with their predictions.

    Each sequence is a group of bars (blue above zero, orange below); above the
    group: the sum, the label and the predicted probability of class 1, in
    green when the thresholded prediction equals the label and red otherwise.

    Parameters
    ----------
    X : ndarray, shape (K, T, 1)
        The sequences.
    y : ndarray, shape (K, 1)
        Their labels (0 or 1).
    proba : ndarray, shape (K, 1)
        Predicted probability of class 1, for example from
        :func:`rnnlib.models.predict_proba`.
    ax : matplotlib.axes.Axes, optional
    title : str

    Returns
    -------
    matplotlib.axes.Axes
        With ``K * T`` bars and ``K`` annotations.
    """
    X, y, proba = as_array("X", X), as_array("y", y), as_array("proba", proba)
    check_shape("X", X, "(K, T, 1)", (None, None, 1))
    K, T, _ = X.shape
    check_shape("y", y, "(K, 1)", (K, 1))
    check_shape("proba", proba, "(K, 1)", (K, 1))
    ax = _get_ax(ax, (min(2.0 + 1.6 * K, 14.0), 3.6))
    top = float(np.max(np.abs(X))) if X.size else 1.0
    for k in range(K):
        values = X[k, :, 0]
        xs = k * (T + 2) + np.arange(T)
        colors = np.where(values >= 0, "#3d85c6", "#e69138")
        ax.bar(xs, values, width=0.8, color=colors)
        correct = (proba[k, 0] > 0.5) == (y[k, 0] > 0.5)
        ax.text(
            xs.mean(),
            1.15 * top,
            f"sum {values.sum():+.2f}\ny = {y[k, 0]:.0f}\np = {proba[k, 0]:.2f}",
            ha="center",
            va="bottom",
            fontsize=10,
            color="#38761d" if correct else "#cc0000",
        )
    ax.axhline(0.0, color="0.3", lw=0.8)
    ax.set_ylim(-1.15 * top, 2.3 * top)
    ax.set_xticks([k * (T + 2) + (T - 1) / 2 for k in range(K)], labels=[f"#{k}" for k in range(K)])
    ax.set_xlabel(f"sequence (each group: its {T} values in time order)")
    ax.set_ylabel("$x_t$")
    ax.set_title(title)
    return ax


def plot_accuracy_grid(
    scores,
    row_values,
    col_values,
    ax=None,
    row_label="batch size",
    col_label="learning rate",
    title="Test accuracy",
    vmin=0.5,
    vmax=1.0,
):
    """Heat map of a score over a grid of two hyperparameters, numbers written in.

    Parameters
    ----------
    scores : ndarray, shape (R, C)
        For example from :func:`rnnlib.train.batch_lr_grid`; NaN cells (runs
        that diverged) are left blank and marked "diverged".
    row_values : sequence, length R
        Value of the first hyperparameter for every row.
    col_values : sequence, length C
        Value of the second hyperparameter for every column.
    ax : matplotlib.axes.Axes, optional
    row_label, col_label, title : str
    vmin, vmax : float
        Range of the colour scale.

    Returns
    -------
    matplotlib.axes.Axes
        With one image, a colour bar and ``R * C`` cell labels.
    """
    scores = as_array("scores", scores)
    check_shape("scores", scores, "(R, C)", (None, None))
    R, C = scores.shape
    if len(row_values) != R:
        raise ValueError(f"row_values must have length R = {R}, got {len(row_values)}")
    if len(col_values) != C:
        raise ValueError(f"col_values must have length C = {C}, got {len(col_values)}")
    ax = _get_ax(ax, (1.4 * C + 2.4, 0.8 * R + 1.6))
    cmap = plt.get_cmap("viridis").with_extremes(bad="0.85")
    image = ax.imshow(scores, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto")
    for i in range(R):
        for j in range(C):
            value = scores[i, j]
            text = "diverged" if np.isnan(value) else f"{value:.3f}"
            bright = np.isnan(value) or value > vmin + 0.6 * (vmax - vmin)
            ax.text(j, i, text, ha="center", va="center", color="black" if bright else "white")
    ax.set_xticks(np.arange(C), labels=[f"{v:g}" for v in col_values])
    ax.set_yticks(np.arange(R), labels=[f"{v:g}" for v in row_values])
    ax.set_xlabel(col_label)
    ax.set_ylabel(row_label)
    ax.set_title(title)
    ax.figure.colorbar(image, ax=ax)
    return ax
