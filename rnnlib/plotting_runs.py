"""Many runs of one setting in one panel: the spread of a result over seeds.

Like :mod:`rnnlib.plotting`, the function draws on the ``Axes`` it is given
(or a new one), returns it and computes nothing.
"""

from __future__ import annotations

import numpy as np

from rnnlib._check import as_array, check_positive_float, check_shape
from rnnlib.plotting import _get_ax


def plot_runs(
    runs,
    ax=None,
    *,
    target=None,
    ylim=None,
    color="C0",
    xlabel="update",
    ylabel="loss",
    title="Loss curves over seeds",
):
    """Draw one thin line per run (a loss curve per seed) on a log scale.

    Parameters
    ----------
    runs : sequence of array_like, each of shape (steps,)
        One curve per seed, all of the same length; ``runs[i][k]`` is the loss
        after update ``k + 1``.
    ax : matplotlib.axes.Axes, optional
    target : float, optional
        Draw it as a dashed horizontal line (> 0).
    ylim : (float, float), optional
        Limits of the y axis; curves that leave them (a run that diverges)
        are cut at the edge of the panel.
    color : str
        Colour of every run.
    xlabel, ylabel, title : str

    Returns
    -------
    matplotlib.axes.Axes
        With ``len(runs)`` lines, plus one for ``target``.
    """
    if isinstance(runs, dict) or len(runs) == 0:
        raise ValueError("runs must be a non-empty sequence of loss curves (one per seed)")
    arrays = [as_array(f"runs[{i}]", run) for i, run in enumerate(runs)]
    check_shape("runs[0]", arrays[0], "(steps,)", (None,))
    for i, arr in enumerate(arrays):
        check_shape(f"runs[{i}]", arr, "(steps,)", arrays[0].shape)
    ax = _get_ax(ax, (4.0, 3.4))
    steps = np.arange(1, arrays[0].size + 1)
    for arr in arrays:
        ax.plot(steps, arr, color=color, lw=1.0, alpha=0.7)
    if target is not None:
        ax.axhline(check_positive_float("target", target), color="0.3", ls="--", lw=1)
    ax.set_yscale("log")
    if ylim is not None:
        low, high = ylim
        ax.set_ylim(check_positive_float("ylim[0]", low), check_positive_float("ylim[1]", high))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    return ax
