"""Interactive controls (ipywidgets 8) for the chapters, and the views they redraw.

Every widget has two halves:

* a **view** function, ``*_view(..., ax=None)``: it computes what the
  current setting needs with the rest of :mod:`rnnlib` and draws it with a
  plain plotting function.  Chapters call it once with the default setting, so
  that the static website shows an ordinary figure, and tests call it directly;
* a **builder**, ``*_widget(...)``: it takes the data as arguments, creates the
  controls and an output area, and redraws the view whenever a control
  changes.  It returns the widget (a ``VBox``).  The ``draw`` argument
  replaces the view, which is how the tests check that a change redraws.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display
from matplotlib.patches import Circle, FancyBboxPatch

from rnnlib._check import (
    as_array,
    check_positive_float,
    check_positive_int,
    check_shape,
)
from rnnlib.gradients import (
    largest_singular_value,
    measure_gradient_norms,
    pascanu_bound,
    scale_to_spectral_radius,
)
from rnnlib.models import init_params
from rnnlib.plotting import draw_unrolled_rnn, plot_losses
from rnnlib.plotting_gradients import plot_gradient_norms
from rnnlib.train import train

GRADIENT_YLIM = (1e-12, 1e12)
HIDDEN_STATE_FIGSIZE = (6.4, 5.8)  # the network above the bars, one column wide
HIGHLIGHT = "#f6b26b"


def _check_draw(draw):
    if not callable(draw):
        raise ValueError(f"draw must be callable, got {type(draw).__name__}")


def _build(draw, controls, figsize, nrows=1, **subplot_kw):
    """Controls above an output area; redraw ``draw(**values, ax=...)`` on every change.

    Every control shows its whole label (``description_width="initial"``), and the row of
    controls wraps on a narrow screen.
    """
    out = widgets.Output()
    for control in controls.values():
        control.style.description_width = "initial"

    def redraw(_change=None):
        values = {name: control.value for name, control in controls.items()}
        with out:
            out.clear_output(wait=True)
            fig, axes = plt.subplots(nrows, 1, figsize=figsize, layout="constrained",
                                     **subplot_kw)
            draw(**values, ax=axes)
            display(fig)
            plt.close(fig)

    for control in controls.values():
        control.observe(redraw, names="value")
    redraw()
    row = widgets.HBox(list(controls.values()), layout=widgets.Layout(flex_flow="row wrap"))
    return widgets.VBox([row, out])


# (a) Chapter 5: gradient norm against the time gap ---------------------------------------


def _check_gradient_setup(W_base, Wxh, bh, X):
    W_base, Wxh, bh, X = (
        as_array(n, v) for n, v in zip(("W_base", "Wxh", "bh", "X"), (W_base, Wxh, bh, X))
    )
    check_shape("W_base", W_base, "(H, H)", (None, None))
    H = W_base.shape[0]
    check_shape("W_base", W_base, "(H, H)", (H, H))
    check_shape("Wxh", Wxh, "(H, D)", (H, None))
    check_shape("bh", bh, "(H,)", (H,))
    check_shape("X", X, "(N, T, D)", (None, None, Wxh.shape[1]))
    return W_base, Wxh, bh, X


def gradient_norm_view(radius, seq_len, input_scale, *, W_base, Wxh, bh, X, ax=None):
    """Measured ``||dh_T/dh_{T-g}||`` against the gap ``g``, with the Pascanu bound.

    Parameters
    ----------
    radius : float
        Spectral radius given to the recurrent weights (``W_base`` rescaled).
    seq_len : int
        ``T``: the first ``seq_len`` steps of ``X`` are used.
    input_scale : float
        The inputs are ``input_scale * X``; small inputs keep tanh near linear.
    W_base : ndarray, shape (H, H)
        Recurrent weights before rescaling.
    Wxh : ndarray, shape (H, D)
    bh : ndarray, shape (H,)
    X : ndarray, shape (N, T_max, D)
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        Two lines: the median over the ``N`` sequences (solid) and the bound
        ``sigma_max ** g`` (dashed); log y axis fixed to ``GRADIENT_YLIM``.
    """
    W_base, Wxh, bh, X = _check_gradient_setup(W_base, Wxh, bh, X)
    seq_len = check_positive_int("seq_len", seq_len)
    if seq_len > X.shape[1]:
        raise ValueError(f"seq_len must be at most X.shape[1] = {X.shape[1]}, got {seq_len}")
    input_scale = check_positive_float("input_scale", input_scale)
    Whh = scale_to_spectral_radius(W_base, radius)
    norms, _ = measure_gradient_norms(input_scale * X[:, :seq_len], Wxh, Whh, bh)  # (N, T+1)
    smax = largest_singular_value(Whh)
    ax = plot_gradient_norms(
        {f"measured (median of {X.shape[0]} sequences)": np.median(norms, axis=0)},
        references={
            rf"bound $\sigma_{{max}}^g$, $\sigma_{{max}}$ = {smax:.2f}": pascanu_bound(Whh, seq_len)
        },
        ax=ax,
        title=f"spectral radius {radius:.2f}, input scale {input_scale:.3g}, T = {seq_len}",
    )
    ax.set_ylim(*GRADIENT_YLIM)
    ax.set_xlim(0, seq_len)
    return ax


def gradient_norm_widget(
    W_base, Wxh, bh, X, *, radius=1.0, seq_len=None, input_scale=1.0, draw=gradient_norm_view
):
    """Sliders for spectral radius, sequence length and input scale.

    Parameters
    ----------
    W_base, Wxh, bh, X
        As in :func:`gradient_norm_view`.
    radius : float
        Initial spectral radius, in [0.1, 3].
    seq_len : int, optional
        Initial length; ``X.shape[1]`` by default.
    input_scale : float
        Initial input scale, in [1e-3, 10].
    draw : callable
        The view, called as ``draw(radius=..., seq_len=..., input_scale=..., ax=...)``.

    Returns
    -------
    ipywidgets.VBox
        ``children[0].children`` are the three sliders, ``children[1]`` the output.
    """
    _check_draw(draw)
    W_base, Wxh, bh, X = _check_gradient_setup(W_base, Wxh, bh, X)
    T_max = X.shape[1]
    seq_len = T_max if seq_len is None else check_positive_int("seq_len", seq_len)
    if not 2 <= seq_len <= T_max:
        raise ValueError(f"seq_len must be in [2, X.shape[1] = {T_max}], got {seq_len}")
    if not 0.1 <= radius <= 3.0:
        raise ValueError(f"radius must be in [0.1, 3.0], got {radius!r}")
    if not 1e-3 <= input_scale <= 10.0:
        raise ValueError(f"input_scale must be in [1e-3, 10], got {input_scale!r}")
    controls = {
        "radius": widgets.FloatSlider(
            value=radius,
            min=0.1,
            max=3.0,
            step=0.05,
            description="radius",
            continuous_update=False,
        ),
        "seq_len": widgets.IntSlider(
            value=seq_len, min=2, max=T_max, step=1, description="T", continuous_update=False
        ),
        "input_scale": widgets.FloatLogSlider(
            value=input_scale,
            base=10,
            min=-3,
            max=1,
            step=0.25,
            description="input scale",
            continuous_update=False,
        ),
    }

    def view(radius, seq_len, input_scale, ax):
        return draw(
            radius=radius,
            seq_len=seq_len,
            input_scale=input_scale,
            W_base=W_base,
            Wxh=Wxh,
            bh=bh,
            X=X,
            ax=ax,
        )

    return _build(view, controls, figsize=(6.4, 4.0))


# (b) Chapter 1: step through time and watch the hidden state --------------------------------


def hidden_state_view(t, hs, x, ax=None):
    """The unrolled network with step ``t`` highlighted, and the hidden vector ``h_t``.

    Parameters
    ----------
    t : int
        Time step, ``0`` (the initial state) to ``T``.
    hs : ndarray, shape (T + 1, H)
        Hidden states ``h_0 .. h_T`` of one sequence (``h_0`` first).
    x : ndarray, shape (T,)
        The inputs ``x_1 .. x_T`` (one number per step).
    ax : sequence of two matplotlib.axes.Axes, optional
        First (top): the unrolled network; second (below it): a bar chart of ``h_t``
        (and an outline of ``h_{t-1}``).

    Returns
    -------
    tuple of two matplotlib.axes.Axes
    """
    hs, x = as_array("hs", hs), as_array("x", x)
    check_shape("hs", hs, "(T + 1, H)", (None, None))
    T, H = hs.shape[0] - 1, hs.shape[1]
    if T < 1:
        raise ValueError(f"hs must have shape (T + 1, H) with T >= 1, got {hs.shape}")
    check_shape("x", x, "(T,)", (T,))
    if isinstance(t, bool) or not isinstance(t, int | np.integer) or not 0 <= t <= T:
        raise ValueError(f"t must be an integer in [0, T = {T}], got {t!r}")
    if ax is None:
        _, ax = plt.subplots(2, 1, figsize=HIDDEN_STATE_FIGSIZE, layout="constrained",
                             height_ratios=[1.2, 1])
    ax_net, ax_h = ax
    draw_unrolled_rnn(T, ax=ax_net)
    circles = sorted(
        (p for p in ax_net.patches if isinstance(p, Circle)), key=lambda p: p.center[0]
    )
    boxes = sorted(
        (p for p in ax_net.patches if isinstance(p, FancyBboxPatch) and p.get_y() < 1.0),
        key=lambda p: p.get_x(),
    )  # the input boxes x_1 .. x_T (the output box sits higher)
    for s, circle in enumerate(circles):
        if s == t:
            circle.set_facecolor(HIGHLIGHT)
        elif s > t:
            circle.set_alpha(0.3)
    for s, box in enumerate(boxes, start=1):
        if s == t:
            box.set_facecolor(HIGHLIGHT)
        elif s > t:
            box.set_alpha(0.3)
    step = "the initial state" if t == 0 else f"step t = {t}, input $x_{{{t}}}$ = {x[t - 1]:.2f}"
    ax_net.set_title(f"Unrolled RNN: {step}")
    units = np.arange(H)
    ax_h.bar(units, hs[t], color=HIGHLIGHT, edgecolor="0.2", label=f"$h_{{{t}}}$")
    if t > 0:
        ax_h.bar(units, hs[t - 1], fill=False, edgecolor="0.4", ls="--", label=f"$h_{{{t - 1}}}$")
    ax_h.axhline(0.0, color="0.3", lw=0.8)
    ax_h.set_ylim(-1.05, 1.05)
    ax_h.set_xticks(units)
    ax_h.set_xlabel("hidden unit j")
    ax_h.set_ylabel("$h_t[j]$")
    ax_h.set_title(f"Hidden state $h_{{{t}}}$")
    ax_h.legend(loc="upper right")
    return ax_net, ax_h


def hidden_state_widget(hs, x, *, t=None, draw=hidden_state_view):
    """A slider over ``t = 0 .. T`` redrawing :func:`hidden_state_view`.

    Parameters
    ----------
    hs : ndarray, shape (T + 1, H)
        Hidden states ``h_0 .. h_T`` of one sequence.
    x : ndarray, shape (T,)
    t : int, optional
        Initial step; ``T`` by default.
    draw : callable
        The view, called as ``draw(t=..., hs=..., x=..., ax=...)``.

    Returns
    -------
    ipywidgets.VBox
    """
    _check_draw(draw)
    hs, x = as_array("hs", hs), as_array("x", x)
    check_shape("hs", hs, "(T + 1, H)", (None, None))
    T = hs.shape[0] - 1
    check_shape("x", x, "(T,)", (T,))
    t = T if t is None else t
    if isinstance(t, bool) or not isinstance(t, int | np.integer) or not 0 <= t <= T:
        raise ValueError(f"t must be an integer in [0, T = {T}], got {t!r}")
    controls = {"t": widgets.IntSlider(value=int(t), min=0, max=T, step=1, description="step t")}

    def view(t, ax):
        return draw(t=t, hs=hs, x=x, ax=ax)

    return _build(view, controls, figsize=HIDDEN_STATE_FIGSIZE, nrows=2, height_ratios=[1.2, 1])


# (c) Chapters 3-4: learning rate and hidden size on a quick training run ---------------------


def training_view(
    lr,
    hidden_size,
    *,
    X,
    y,
    X_val,
    y_val,
    epochs=10,
    batch_size=32,
    optimizer="adam",
    seed=0,
    ax=None,
):
    """Train the NumPy model briefly and plot its training and validation loss.

    Parameters
    ----------
    lr : float
        Learning rate.
    hidden_size : int
        ``H``.
    X, y : ndarray, shapes (N, T, D) and (N, 1)
        Training data (binary labels, BCE loss).
    X_val, y_val : ndarray, shapes (M, T, D) and (M, 1)
    epochs, batch_size : int
    optimizer : {"sgd", "adam"}
    seed : int
        Seeds the initial parameters and the shuffling.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        Two lines (training and validation loss per epoch), log y axis; the
        title gives the final validation accuracy.
    """
    hidden_size = check_positive_int("hidden_size", hidden_size)
    X = as_array("X", X)
    check_shape("X", X, "(N, T, D)", (None, None, None))
    rng = np.random.default_rng(seed)
    params = init_params(X.shape[2], hidden_size, 1, rng)
    _, history = train(
        params,
        X,
        y,
        loss="bce",
        optimizer=optimizer,
        lr=lr,
        epochs=epochs,
        batch_size=batch_size,
        rng=rng,
        X_val=X_val,
        y_val=y_val,
        progress=False,
    )
    ax = plot_losses(
        {"training loss": history["loss"], "validation loss": history["val_loss"]},
        ax=ax,
        xlabel="epoch",
        ylabel="BCE loss",
        title=f"{optimizer}, lr = {lr:.3g}, H = {hidden_size}: "
        f"validation accuracy {history['val_acc'][-1]:.3f}",
    )
    return ax


def training_widget(
    X,
    y,
    X_val,
    y_val,
    *,
    lr=0.01,
    hidden_size=16,
    epochs=10,
    batch_size=32,
    optimizer="adam",
    seed=0,
    draw=training_view,
):
    """A learning-rate slider (log scale) and a hidden-size menu over a quick training run.

    Parameters
    ----------
    X, y, X_val, y_val, epochs, batch_size, optimizer, seed
        As in :func:`training_view`.  Keep the data small: every change
        retrains from scratch.
    lr : float
        Initial learning rate, in [1e-4, 10].
    hidden_size : int
        Initial hidden size, one of 2, 4, 8, 16, 32, 64.
    draw : callable
        The view, called as ``draw(lr=..., hidden_size=..., X=..., ..., ax=...)``.

    Returns
    -------
    ipywidgets.VBox
    """
    _check_draw(draw)
    sizes = (2, 4, 8, 16, 32, 64)
    if hidden_size not in sizes:
        raise ValueError(f"hidden_size must be one of {sizes}, got {hidden_size!r}")
    if not 1e-4 <= lr <= 10.0:
        raise ValueError(f"lr must be in [1e-4, 10], got {lr!r}")
    epochs = check_positive_int("epochs", epochs)
    controls = {
        "lr": widgets.FloatLogSlider(
            value=lr,
            base=10,
            min=-4,
            max=1,
            step=0.25,
            description="learning rate",
            continuous_update=False,
        ),
        "hidden_size": widgets.Dropdown(options=sizes, value=hidden_size, description="hidden H"),
    }

    def view(lr, hidden_size, ax):
        return draw(
            lr=lr,
            hidden_size=hidden_size,
            X=X,
            y=y,
            X_val=X_val,
            y_val=y_val,
            epochs=epochs,
            batch_size=batch_size,
            optimizer=optimizer,
            seed=seed,
            ax=ax,
        )

    return _build(view, controls, figsize=(6.4, 4.0))
