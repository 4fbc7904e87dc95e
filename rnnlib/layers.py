"""Affine (fully connected) layer, laid out like ``torch.nn.Linear``."""

from __future__ import annotations

from rnnlib._check import as_array, check_cache, check_shape


def linear_forward(h, W, b):
    """Compute ``y = h @ W.T + b``.

    Parameters
    ----------
    h : ndarray, shape (N, H)
        Inputs (for example the last hidden state of an RNN).
    W : ndarray, shape (O, H)
        Weights.
    b : ndarray, shape (O,)
        Bias.

    Returns
    -------
    y : ndarray, shape (N, O)
    cache : tuple
        Values needed by :func:`linear_backward`.
    """
    h, W, b = as_array("h", h), as_array("W", W), as_array("b", b)
    check_shape("W", W, "(O, H)", (None, None))
    O, H = W.shape
    check_shape("b", b, "(O,)", (O,))
    check_shape("h", h, "(N, H)", (None, H))
    return h @ W.T + b, (h, W)


def linear_backward(dy, cache):
    """Backward pass of :func:`linear_forward`.

    Parameters
    ----------
    dy : ndarray, shape (N, O)
        Gradient of the loss with respect to ``y``.
    cache : tuple
        The cache returned by :func:`linear_forward`.

    Returns
    -------
    dh : ndarray, shape (N, H)
    dW : ndarray, shape (O, H)
    db : ndarray, shape (O,)
    """
    h, W = check_cache(cache, 2, "linear_forward")
    dy = as_array("dy", dy)
    check_shape("dy", dy, "(N, O)", (h.shape[0], W.shape[0]))
    return dy @ W, dy.T @ h, dy.sum(axis=0)
