"""Figures of training results over several seeds (chapters 3 and 4).

Like :mod:`rnnlib.plotting`, every function draws on the ``Axes`` it is given
(or a new one), returns it and computes nothing.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np

from rnnlib._check import as_array, check_positive_int, check_shape
from rnnlib.plotting import _get_ax


def plot_curves_over_seeds(
    histories,
    metric="acc",
    ax=None,
    *,
    val_label="validation",
    logy=False,
    title=None,
    best_epochs=None,
):
    """Training and held-out curves of several runs, one thin line per seed.

    Parameters
    ----------
    histories : sequence of dict
        One history per seed (from :func:`rnnlib.train.train` or
        :func:`rnnlib.multiseed.train_stacked`), each with ``history[metric]``
        and ``history["val_" + metric]`` of equal length (runs may differ in
        length).
    metric : str
        ``"acc"`` or ``"loss"`` (any key with a ``"val_"`` twin).
    ax : matplotlib.axes.Axes, optional
    val_label : str
        Legend label of the held-out curves.
    logy : bool
        Logarithmic y axis.
    title : str, optional
    best_epochs : sequence of int, optional
        One epoch per run (from 1), marked with a dot on its held-out curve,
        for example the epoch early stopping keeps.

    Returns
    -------
    matplotlib.axes.Axes
        With two lines per run (train in blue, held-out in orange).
    """
    histories = list(histories) if not isinstance(histories, dict) else None
    if not histories:
        raise ValueError("histories must be a non-empty sequence of history dicts (one per seed)")
    curves = []
    for i, history in enumerate(histories):
        if not isinstance(history, dict):
            raise ValueError(f"histories[{i}] must be a history dict, got {type(history).__name__}")
        for key in (metric, "val_" + metric):
            if key not in history:
                raise ValueError(f"histories[{i}] must contain {key!r}, got keys {sorted(history)}")
        train = as_array(f"histories[{i}][{metric!r}]", history[metric])
        check_shape(f"histories[{i}][{metric!r}]", train, "(epochs,)", (None,))
        val = as_array(f"histories[{i}]['val_{metric}']", history["val_" + metric])
        check_shape(f"histories[{i}]['val_{metric}']", val, "(epochs,)", train.shape)
        curves.append((train, val))
    if best_epochs is not None:
        best_epochs = list(best_epochs)
        if len(best_epochs) != len(curves):
            raise ValueError(
                f"best_epochs must have one epoch per run ({len(curves)}), got {len(best_epochs)}"
            )
        for i, (e, (train, _)) in enumerate(zip(best_epochs, curves)):
            e = check_positive_int(f"best_epochs[{i}]", e)
            if e > train.size:
                raise ValueError(f"best_epochs[{i}] = {e} is after the last epoch ({train.size})")
    ax = _get_ax(ax, (6.0, 3.6))
    for i, (train, val) in enumerate(curves):
        epochs = np.arange(1, train.size + 1)
        first = i == 0
        ax.plot(epochs, train, color="C0", lw=1.0, alpha=0.75, label="train" if first else None)
        ax.plot(epochs, val, color="C1", lw=1.0, alpha=0.75, label=val_label if first else None)
        if best_epochs is not None:
            e = int(best_epochs[i])
            ax.plot([e], [val[e - 1]], "o", color="0.2", ms=4,
                    label="kept epoch" if first else None)
    if logy:
        ax.set_yscale("log")
    name = {"acc": "accuracy", "loss": "loss"}.get(metric, metric)
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel(name)
    n = len(curves)
    ax.set_title(title if title is not None else f"{name} over {n} seeds: train vs {val_label}")
    ax.grid(True, alpha=0.3)
    ax.legend()
    return ax


def plot_spread(series, labels, ax=None, *, ylabel="accuracy", title=None, hline=None):
    """Results over seeds for several runs: one dot per seed, a bar at the median.

    Parameters
    ----------
    series : dict of str to array_like, each of shape (G, S)
        For example ``{"train": train_acc, "test": test_acc}``: one row per
        run (group), one column per seed.  Each series gets its own colour
        and a small horizontal offset.
    labels : sequence of str, length G
        Name of every run, written under its group.
    ax : matplotlib.axes.Axes, optional
    ylabel : str
    title : str, optional
    hline : float, optional
        Draw a dashed horizontal reference line (for example a target
        accuracy).

    Returns
    -------
    matplotlib.axes.Axes
        With one marker collection and one median bar per (series, group).
    """
    if not isinstance(series, dict) or not series:
        raise ValueError("series must be a non-empty dict of name -> array of shape (G, S)")
    labels = list(labels)
    G = len(labels)
    if G == 0:
        raise ValueError("labels must name at least one run")
    arrays = {}
    for name, values in series.items():
        arr = as_array(f"series[{name!r}]", values)
        check_shape(f"series[{name!r}]", arr, "(G, S)", (G, None))
        arrays[name] = arr
    ax = _get_ax(ax, (6.4, 3.8))
    K = len(arrays)
    width = 0.7 / K
    for k, (name, arr) in enumerate(arrays.items()):
        offset = (k - (K - 1) / 2) * width
        for g in range(G):
            values = arr[g][np.isfinite(arr[g])]
            spread = np.linspace(-0.25, 0.25, values.size) * width if values.size > 1 else [0.0]
            x = g + offset + np.asarray(spread)
            ax.plot(x, values, "o", color=f"C{k}", ms=4, alpha=0.8, label=name if g == 0 else None)
            if values.size:
                med = float(np.median(values))
                ax.plot([g + offset - 0.4 * width, g + offset + 0.4 * width], [med, med],
                        color=f"C{k}", lw=2.2)
    if hline is not None:
        ax.axhline(float(hline), color="0.3", ls="--", lw=1)
    width_in = ax.figure.get_figwidth() * ax.get_position().width
    chars = max(8, int(width_in * 72 / G / 6.5))  # characters of 10-point text per group
    ax.set_xticks(np.arange(G), labels=["\n".join(textwrap.wrap(lab, chars)) for lab in labels])
    ax.set_xlim(-0.6, G - 0.4)
    ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend()
    return ax
