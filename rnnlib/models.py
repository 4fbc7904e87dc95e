"""A many-to-one RNN model in NumPy: RNN layer, then a linear head.

The model is a dict of parameters and three pure functions::

    hs, _ = rnn_forward(X, h0, Wxh, Whh, bh)   # (N, T, H)
    out   = hs[:, -1] @ Why.T + by             # (N, O)

The output is a prediction for MSE or a logit for BCE-with-logits.
"""

from __future__ import annotations

import numpy as np

from rnnlib._check import as_array, check_positive_int, check_rng, check_shape
from rnnlib.layers import linear_backward, linear_forward
from rnnlib.losses import bce_with_logits_loss, mse_loss, sigmoid
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
        Initial hidden state; zeros by default.

    Returns
    -------
    out : ndarray, shape (N, O)
        Outputs read from the last hidden state.
    cache : tuple
        Values needed by :func:`model_backward`.
    """
    _check_params(params)
    X = as_array("X", X)
    check_shape("X", X, "(N, T, D)", (None, None, None))
    H = params["Whh"].shape[0]
    if h0 is None:
        h0 = np.zeros((X.shape[0], H))
    hs, rnn_cache = rnn_forward(X, h0, params["Wxh"], params["Whh"], params["bh"])
    out, lin_cache = linear_forward(hs[:, -1], params["Why"], params["by"])
    return out, (hs.shape, rnn_cache, lin_cache)


def model_backward(dout, cache):
    """Backward pass of :func:`model_forward`.

    The output gradient enters the RNN only at the last time step.

    Parameters
    ----------
    dout : ndarray, shape (N, O)
    cache : tuple

    Returns
    -------
    dict
        Gradients with the keys of ``params``.
    """
    hs_shape, rnn_cache, lin_cache = cache
    dh_last, dWhy, dby = linear_backward(dout, lin_cache)
    dhs = np.zeros(hs_shape, dtype=dh_last.dtype)  # (N, T, H)
    dhs[:, -1] = dh_last
    _, _, dWxh, dWhh, dbh = rnn_backward(dhs, rnn_cache)
    return {"Wxh": dWxh, "Whh": dWhh, "bh": dbh, "Why": dWhy, "by": dby}


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
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {sorted(LOSSES)}, got {loss!r}")
    out, cache = model_forward(params, X)
    value, dout = LOSSES[loss](out, y)
    return value, model_backward(dout, cache)


def predict_proba(params, X):
    """Probability of class 1 for every sequence, shape (N, O)."""
    return sigmoid(model_forward(params, X)[0])


def accuracy(params, X, y):
    """Fraction of sequences whose thresholded probability equals the label."""
    y = as_array("y", y)
    p = predict_proba(params, X)
    check_shape("y", y, "(N, O)", p.shape)
    return float(np.mean((p > 0.5) == (y > 0.5)))
