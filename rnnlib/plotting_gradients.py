"""Figures of the chapter on vanishing and exploding gradients.

Like :mod:`rnnlib.plotting`, every function draws on the ``Axes`` it is given
(or a new one when ``ax=None``), returns it and computes nothing: the norms
come from :mod:`rnnlib.gradients`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from rnnlib._check import as_array, check_shape


def _curves(name, curves):
    if not isinstance(curves, dict) or not curves:
        raise ValueError(f"{name} must be a non-empty dict of label -> array of shape (G + 1,)")
    out = {}
    for label, values in curves.items():
        arr = as_array(f"{name}[{label!r}]", values)
        check_shape(f"{name}[{label!r}]", arr, "(G + 1,)", (None,))
        out[label] = arr
    return out


def plot_gradient_norms(
    norms,
    references=None,
    ax=None,
    title="Gradient norm through time",
    ylabel=r"$\|\partial h_T / \partial h_{T-g}\|_2$",
):
    """Plot gradient norms against the time gap, on a logarithmic y axis.

    Parameters
    ----------
    norms : dict of str to ndarray, shape (G + 1,)
        One solid line per entry: the norm at gaps ``g = 0 .. G``.
    references : dict of str to ndarray, shape (G + 1,), optional
        Dashed lines, for example a bound (:func:`rnnlib.gradients.pascanu_bound`)
        or a prediction; the i-th dashed line takes the colour of the i-th solid one.
    ax : matplotlib.axes.Axes, optional
    title, ylabel : str

    Returns
    -------
    matplotlib.axes.Axes
        With ``len(norms) + len(references)`` lines, log-scaled y axis.
    """
    norms = _curves("norms", norms)
    references = {} if references is None else _curves("references", references)
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.0), layout="constrained")
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (label, arr) in enumerate(norms.items()):
        ax.plot(np.arange(arr.size), arr, lw=2, color=colors[i % len(colors)], label=str(label))
    for i, (label, arr) in enumerate(references.items()):
        ax.plot(
            np.arange(arr.size),
            arr,
            lw=1.3,
            ls="--",
            color=colors[i % len(colors)],
            label=str(label),
        )
    ax.set_yscale("log")
    ax.set_xlabel("time gap $g = T - k$")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8)
    return ax


def plot_seed_curves(
    curves, ax=None, logy=True, xlabel="epoch", ylabel="value", title="Runs over seeds"
):
    """Plot a group of runs per setting: one thin line per seed, one colour per setting.

    Parameters
    ----------
    curves : dict of str to sequence of array_like, each of shape (E,)
        For every setting (for example ``"no clipping"``), one curve per seed
        (its value after each of ``E`` epochs; the seeds' lengths may differ).
    ax : matplotlib.axes.Axes, optional
    logy : bool
        Use a logarithmic y axis.
    xlabel, ylabel, title : str

    Returns
    -------
    matplotlib.axes.Axes
        With one line per curve, x from 1; the legend has one entry per
        setting, ``"{label} ({S} seeds)"``.
    """
    if not isinstance(curves, dict) or not curves:
        raise ValueError("curves must be a non-empty dict of label -> curves, one per seed")
    groups = {}
    for label, runs in curves.items():
        if isinstance(runs, str | dict) or not hasattr(runs, "__len__") or len(runs) == 0:
            raise ValueError(f"curves[{label!r}] must be a non-empty list of curves, one per seed")
        arrays = []
        for s, values in enumerate(runs):
            arr = as_array(f"curves[{label!r}][{s}]", values)
            check_shape(f"curves[{label!r}][{s}]", arr, "(E,)", (None,))
            arrays.append(arr)
        groups[label] = arrays
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.0), layout="constrained")
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (label, arrays) in enumerate(groups.items()):
        for s, arr in enumerate(arrays):
            ax.plot(
                np.arange(1, arr.size + 1), arr, lw=1.2, alpha=0.8, color=colors[i % len(colors)],
                label=f"{label} ({len(arrays)} seeds)" if s == 0 else None,
            )
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8)
    return ax
