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
        _, ax = plt.subplots(figsize=(6.5, 4.0))
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
