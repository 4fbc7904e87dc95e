"""WRONG ON PURPOSE: broken BPTT variants for teaching gradient checking.

Every ``rnn_backward_*_bug`` function below has the signature of
:func:`rnnlib.rnn.rnn_backward` and returns arrays of the right shapes, but
computes the WRONG gradients.  Each reproduces a mistake found in published
RNN tutorials.  A model trained with them still lowers its loss, which is
exactly why they are instructive: only a gradient check (finite differences,
:mod:`rnnlib.gradcheck`) reveals them.  Never use them for anything but that
demonstration; the correct function is :func:`rnnlib.rnn.rnn_backward`.

:func:`loss_and_grads_with` runs the many-to-one model of
:mod:`rnnlib.models` with any such backward function, so that a chapter can
train and check a model with a broken backward pass, and :func:`train_with`
trains it with plain gradient descent and records the loss.
"""

from __future__ import annotations

import numpy as np

from rnnlib._check import (
    as_array,
    check_cache,
    check_positive_float,
    check_positive_int,
    check_shape,
)
from rnnlib.models import LOSSES, model_backward, model_forward
from rnnlib.optim import sgd_step


def _unpack(dhs, cache):
    x, h0, hs, Wxh, Whh = check_cache(cache, 5, "rnn_forward")
    dhs = as_array("dhs", dhs)
    check_shape("dhs", dhs, "(N, T, H)", hs.shape)
    return dhs, x, h0, hs, Wxh, Whh


def rnn_backward_final_state_bug(dhs, cache):
    """WRONG ON PURPOSE: BPTT that uses the final hidden state at every step.

    The mistake of a class that keeps only ``self.h``, the last state of the
    forward pass: every step of the backward pass uses ``hs[:, -1]`` both for
    the tanh derivative (where ``hs[:, t]`` is right) and for the previous
    state in ``dWhh`` (where ``hs[:, t-1]``, or ``h0`` at ``t = 0``, is
    right).  Only the last step gets its tanh derivative right.

    Parameters
    ----------
    dhs : ndarray, shape (N, T, H)
        Upstream gradient on every hidden state.
    cache : tuple
        The cache returned by :func:`rnnlib.rnn.rnn_forward`.

    Returns
    -------
    dx : ndarray, shape (N, T, D)
    dh0 : ndarray, shape (N, H)
    dWxh : ndarray, shape (H, D)
    dWhh : ndarray, shape (H, H)
    dbh : ndarray, shape (H,)
        Same shapes as :func:`rnnlib.rnn.rnn_backward`, wrong values.
    """
    dhs, x, h0, hs, Wxh, Whh = _unpack(dhs, cache)
    N, T, H = hs.shape
    dx = np.zeros(x.shape, dtype=np.result_type(x, dhs))
    dWxh, dWhh = np.zeros_like(Wxh), np.zeros_like(Whh)
    dbh = np.zeros(H, dtype=Wxh.dtype)
    dh_carry = np.zeros((N, H), dtype=dhs.dtype)
    for t in reversed(range(T)):
        h_next = hs[:, -1]  # WRONG: should be hs[:, t]
        h_prev = hs[:, -1]  # WRONG: should be hs[:, t - 1], or h0 at t = 0
        da = (dhs[:, t] + dh_carry) * (1.0 - h_next**2)  # (N, H)
        dx[:, t] = da @ Wxh
        dWxh += da.T @ x[:, t]
        dWhh += da.T @ h_prev
        dbh += da.sum(axis=0)
        dh_carry = da @ Whh
    return dx, dh_carry, dWxh, dWhh, dbh


def rnn_backward_output_every_step_bug(dhs, cache):
    """WRONG ON PURPOSE: BPTT that injects the output gradient at every step.

    The mistake of a many-to-many backward loop pasted into a many-to-one
    model: the gradient on the last hidden state (``dhs[:, -1]``, which comes
    from the output layer) is added again at every time step, as if the
    output were read from every hidden state.  The correct upstream gradient
    at step ``t`` is ``dhs[:, t]``, which for a many-to-one model is zero
    except at the last step.  With ``T = 1`` the bug is invisible.

    Parameters
    ----------
    dhs : ndarray, shape (N, T, H)
        Upstream gradient on every hidden state.
    cache : tuple
        The cache returned by :func:`rnnlib.rnn.rnn_forward`.

    Returns
    -------
    dx : ndarray, shape (N, T, D)
    dh0 : ndarray, shape (N, H)
    dWxh : ndarray, shape (H, D)
    dWhh : ndarray, shape (H, H)
    dbh : ndarray, shape (H,)
        Same shapes as :func:`rnnlib.rnn.rnn_backward`, wrong values.
    """
    dhs, x, h0, hs, Wxh, Whh = _unpack(dhs, cache)
    N, T, H = hs.shape
    dx = np.zeros(x.shape, dtype=np.result_type(x, dhs))
    dWxh, dWhh = np.zeros_like(Wxh), np.zeros_like(Whh)
    dbh = np.zeros(H, dtype=Wxh.dtype)
    dh_carry = np.zeros((N, H), dtype=dhs.dtype)
    for t in reversed(range(T)):
        h_prev = hs[:, t - 1] if t > 0 else h0
        dh = dhs[:, -1] + dh_carry  # WRONG: should be dhs[:, t] + dh_carry
        da = dh * (1.0 - hs[:, t] ** 2)  # (N, H)
        dx[:, t] = da @ Wxh
        dWxh += da.T @ x[:, t]
        dWhh += da.T @ h_prev
        dbh += da.sum(axis=0)
        dh_carry = da @ Whh
    return dx, dh_carry, dWxh, dWhh, dbh


def loss_and_grads_with(backward, params, X, y, *, loss="mse", h0=None):
    """Loss and gradients of the many-to-one model with a chosen RNN backward.

    The forward pass is :func:`rnnlib.models.model_forward`; the backward
    pass is :func:`rnnlib.models.model_backward` with
    ``rnn_backward_fn=backward``: through the linear head, then through
    ``backward``, which receives the upstream gradient on every hidden
    state (non-zero only at the last step).  With
    ``backward=rnnlib.rnn.rnn_backward`` the result equals
    :func:`rnnlib.models.loss_and_grads`.

    Parameters
    ----------
    backward : callable
        ``backward(dhs, cache) -> (dx, dh0, dWxh, dWhh, dbh)``, for example
        :func:`rnnlib.rnn.rnn_backward` or one of the bugs above.
    params : dict
        ``Wxh`` (H, D), ``Whh`` (H, H), ``bh`` (H,), ``Why`` (O, H), ``by`` (O,).
    X : ndarray, shape (N, T, D)
    y : ndarray, shape (N, O)
    loss : {"mse", "bce"}
    h0 : ndarray, shape (N, H), optional
        Initial hidden state; zeros by default.

    Returns
    -------
    loss : float
    grads : dict
        Gradients with the keys of ``params``.
    input_grads : dict
        ``"X"``: gradient on the inputs, shape (N, T, D); ``"h0"``: gradient
        on the initial state, shape (N, H).
    """
    if not callable(backward):
        raise ValueError(f"backward must be callable, got {type(backward).__name__}")
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {sorted(LOSSES)}, got {loss!r}")
    out, cache = model_forward(params, X, h0)  # (N, O)
    value, dout = LOSSES[loss](out, y)
    grads, input_grads = model_backward(
        dout, cache, rnn_backward_fn=backward, return_input_grads=True
    )
    return value, grads, input_grads


def train_with(backward, params, X, y, *, lr, steps, loss="mse"):
    """Plain gradient descent with the gradients of a chosen RNN backward.

    Every update is ``params - lr * grads`` (:func:`rnnlib.optim.sgd_step`)
    on the whole of ``(X, y)``, with the gradients of
    :func:`loss_and_grads_with`.  With ``backward=rnnlib.rnn.rnn_backward``
    this is :func:`rnnlib.train.train` with ``optimizer="sgd"`` and one batch
    holding all ``N`` sequences; with a bug it shows how well the wrong
    gradients train.

    Parameters
    ----------
    backward : callable
        ``backward(dhs, cache) -> (dx, dh0, dWxh, dWhh, dbh)``, for example
        :func:`rnnlib.rnn.rnn_backward` or one of the bugs above.
    params : dict
        Initial parameters (not modified): ``Wxh`` (H, D), ``Whh`` (H, H),
        ``bh`` (H,), ``Why`` (O, H), ``by`` (O,).
    X : ndarray, shape (N, T, D)
    y : ndarray, shape (N, O)
    lr : float
        Learning rate (> 0).
    steps : int
        Number of updates (> 0).
    loss : {"mse", "bce"}

    Returns
    -------
    ndarray, shape (steps,)
        The loss on ``(X, y)`` after every update, computed with the correct
        forward pass whatever ``backward`` is.
    """
    lr = check_positive_float("lr", lr)
    steps = check_positive_int("steps", steps)
    losses = np.empty(steps)  # (steps,)
    for i in range(steps):
        _, grads, _ = loss_and_grads_with(backward, params, X, y, loss=loss)
        params = sgd_step(params, grads, lr)
        out, _ = model_forward(params, X)  # (N, O)
        losses[i] = LOSSES[loss](out, y)[0]
    return losses
