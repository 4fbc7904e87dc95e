"""A many-to-one RNN model in NumPy: RNN layer, then a linear head.

The model is a dict of parameters and three pure functions::

    hs, _ = rnn_forward(X, h0, Wxh, Whh, bh)   # (N, T, H)
    out   = hs[:, -1] @ Why.T + by             # (N, O)

The output is a prediction for MSE or a logit for BCE-with-logits.

The public functions reject data (``X``, ``h0``, ``y``) holding NaN or
infinity with a ``ValueError`` that names the argument and the index of the
first bad entry, instead of returning NaN.
"""

from __future__ import annotations

import numpy as np

from rnnlib._check import (
    as_array,
    check_cache,
    check_finite,
    check_positive_int,
    check_rng,
    check_shape,
)
from rnnlib.layers import linear_backward, linear_forward
from rnnlib.losses import _sigmoid, bce_with_logits_loss, mse_loss
from rnnlib.rnn import rnn_backward, rnn_forward

PARAM_NAMES = ("Wxh", "Whh", "bh", "Why", "by")
LOSSES = {"mse": mse_loss, "bce": bce_with_logits_loss}


def init_params(input_size, hidden_size, output_size, rng):
    """Initialise like PyTorch: every entry uniform in ``±1/sqrt(hidden_size)``.

    Parameters
    ----------
    input_size, hidden_size, output_size : int
        ``D``, ``H`` and ``O``.
    rng : numpy.random.Generator

    Returns
    -------
    dict
        ``Wxh`` (H, D), ``Whh`` (H, H), ``bh`` (H,), ``Why`` (O, H), ``by`` (O,).
    """
    D = check_positive_int("input_size", input_size)
    H = check_positive_int("hidden_size", hidden_size)
    O = check_positive_int("output_size", output_size)
    rng = check_rng("rng", rng)
    k = 1.0 / np.sqrt(H)
    shapes = {"Wxh": (H, D), "Whh": (H, H), "bh": (H,), "Why": (O, H), "by": (O,)}
    return {name: rng.uniform(-k, k, size=shape) for name, shape in shapes.items()}


def _check_params(params):
    if not isinstance(params, dict) or set(params) != set(PARAM_NAMES):
        got = sorted(params) if isinstance(params, dict) else type(params).__name__
        raise ValueError(f"params must be a dict with keys {PARAM_NAMES}, got {got}")


def model_forward(params, X, h0=None):
    """Forward pass of the many-to-one model.

    Parameters
    ----------
    params : dict
        From :func:`init_params`.
    X : ndarray, shape (N, T, D)
    h0 : ndarray, shape (N, H), optional
        Initial hidden state; zeros (of the dtype of ``Whh``) by default.

    Returns
    -------
    out : ndarray, shape (N, O)
        Outputs read from the last hidden state.
    cache : tuple
        Values needed by :func:`model_backward`.

    Raises
    ------
    ValueError
        For a wrong shape, or when ``X`` or ``h0`` holds a NaN or an infinity
        (the message names the first such entry).
    """
    _check_params(params)
    Wxh, Whh = as_array("Wxh", params["Wxh"]), as_array("Whh", params["Whh"])
    X = as_array("X", X)
    D = Wxh.shape[1] if Wxh.ndim == 2 else None  # a bad Wxh is reported by rnn_forward
    check_shape("X", X, "(N, T, D)", (None, None, D))
    check_finite("X", X)
    if h0 is not None:
        check_finite("h0", as_array("h0", h0))  # its shape is checked by rnn_forward
    if h0 is None:
        check_shape("Whh", Whh, "(H, H)", (None, None))
        h0 = np.zeros((X.shape[0], Whh.shape[0]), dtype=Whh.dtype)  # (N, H)
    hs, rnn_cache = rnn_forward(X, h0, params["Wxh"], params["Whh"], params["bh"])
    out, lin_cache = linear_forward(hs[:, -1], params["Why"], params["by"])
    return out, (hs.shape, rnn_cache, lin_cache)


def model_backward(dout, cache, *, rnn_backward_fn=rnn_backward, return_input_grads=False):
    """Backward pass of :func:`model_forward`.

    The output gradient enters the RNN only at the last time step.

    Parameters
    ----------
    dout : ndarray, shape (N, O)
        Gradient of the loss with respect to ``out``.
    cache : tuple
        The cache returned by :func:`model_forward`.
    rnn_backward_fn : callable, optional
        ``rnn_backward_fn(dhs, rnn_cache) -> (dx, dh0, dWxh, dWhh, dbh)``, the
        backward pass through the RNN layer: :func:`rnnlib.rnn.rnn_backward` by
        default (chapter 2 swaps in the broken ones of :mod:`rnnlib.bugs`).
    return_input_grads : bool, optional
        Also return the gradients on the inputs.

    Returns
    -------
    grads : dict
        Gradients with the keys of ``params``.
    input_grads : dict
        Only with ``return_input_grads=True``: ``"X"``, shape (N, T, D), and
        ``"h0"``, shape (N, H).
    """
    hs_shape, rnn_cache, lin_cache = check_cache(cache, 3, "model_forward")
    if not callable(rnn_backward_fn):
        raise ValueError(f"rnn_backward_fn must be callable, got {type(rnn_backward_fn).__name__}")
    h_last, Why = check_cache(lin_cache, 2, "linear_forward")
    dout = as_array("dout", dout)
    check_shape("dout", dout, "(N, O)", (h_last.shape[0], Why.shape[0]))
    dh_last, dWhy, dby = linear_backward(dout, lin_cache)  # (N, H), (O, H), (O,)
    dhs = np.zeros(hs_shape, dtype=dh_last.dtype)  # (N, T, H)
    dhs[:, -1] = dh_last  # the output reads the last state only
    dX, dh0, dWxh, dWhh, dbh = rnn_backward_fn(dhs, rnn_cache)
    grads = {"Wxh": dWxh, "Whh": dWhh, "bh": dbh, "Why": dWhy, "by": dby}
    if return_input_grads:
        return grads, {"X": dX, "h0": dh0}
    return grads


def loss_and_grads(params, X, y, loss="bce"):
    """Loss of the model on ``(X, y)`` and its gradient on every parameter.

    Parameters
    ----------
    params : dict
    X : ndarray, shape (N, T, D)
    y : ndarray, shape (N, O)
    loss : {"bce", "mse"}
        BCE-with-logits for classification, MSE for regression.

    Returns
    -------
    loss : float
    grads : dict

    Raises
    ------
    ValueError
        For a bad argument, or when ``X`` or ``y`` holds a NaN or an infinity.
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {sorted(LOSSES)}, got {loss!r}")
    check_finite("y", as_array("y", y))
    out, cache = model_forward(params, X)
    value, dout = LOSSES[loss](out, y)
    return value, model_backward(dout, cache)


def predict_proba(params, X):
    """Probability of class 1 for every sequence, shape (N, O).

    ``X`` (N, T, D) must be finite, as in :func:`model_forward`.
    """
    return _sigmoid(model_forward(params, X)[0])


def accuracy_from_proba(p, y):
    """Fraction of entries where ``p > 0.5`` agrees with the label ``y > 0.5``.

    The classification rule of the course, shared by :func:`accuracy` and
    :func:`rnnlib.train.evaluate`.

    Parameters
    ----------
    p : ndarray, shape (N, O)
        Probabilities of class 1.
    y : ndarray, shape (N, O)
        Labels 0/1, finite (a NaN or infinite label raises ``ValueError``).

    Returns
    -------
    float
    """
    p, y = as_array("p", p), as_array("y", y)
    check_shape("y", y, "(N, O)", p.shape)
    check_finite("y", y)
    return float(np.mean((p > 0.5) == (y > 0.5)))


def accuracy(params, X, y):
    """Fraction of sequences whose thresholded probability equals the label.

    ``X`` (N, T, D) and ``y`` (N, O) must be finite: a NaN or an infinity
    raises ``ValueError`` naming the first one.
    """
    return accuracy_from_proba(predict_proba(params, X), y)
