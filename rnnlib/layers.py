"""Affine (fully connected) layer and embedding, laid out like ``torch.nn.Linear``
and ``torch.nn.Embedding``."""

from __future__ import annotations

import numpy as np

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


def check_ids(name, ids, V):
    """Return ``ids`` as an integer array, raising ``ValueError`` unless all lie in [0, V).

    Parameters
    ----------
    name : str
        Argument name used in the message.
    ids : array_like of int
        Token indices.
    V : int
        Vocabulary size.
    """
    ids = np.asarray(ids)
    if ids.dtype == bool or not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"{name} must be an integer array of token ids, got dtype {ids.dtype}")
    bad = (ids < 0) | (ids >= V)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{name} must lie in [0, V) = [0, {V}), "
            f"but {name}[{', '.join(map(str, first))}] is {int(ids[first])}"
        )
    return ids


def embedding_forward(ids, W):
    """Look up one row of ``W`` per token id, like ``torch.nn.Embedding``.

    The lookup equals ``onehot(ids) @ W`` without building the one-hot matrix.

    Parameters
    ----------
    ids : ndarray of int, shape (N, T)
        Token ids in [0, V).
    W : ndarray, shape (V, E)
        The embedding table: row ``v`` is the vector of token ``v``.

    Returns
    -------
    out : ndarray, shape (N, T, E)
        ``out[n, t] = W[ids[n, t]]``.
    cache : tuple
        Values needed by :func:`embedding_backward`.
    """
    W = as_array("W", W)
    check_shape("W", W, "(V, E)", (None, None))
    ids = check_ids("ids", ids, W.shape[0])
    check_shape("ids", ids, "(N, T)", (None, None))
    return W[ids], (ids, W.shape)


def embedding_backward(dout, cache):
    """Backward pass of :func:`embedding_forward`.

    Row ``v`` of the gradient is the sum of ``dout`` over every position where
    ``ids == v``: a token that occurs twice receives both gradients
    (``np.add.at``; ``dW[ids] += dout`` would keep only one of them).

    Parameters
    ----------
    dout : ndarray, shape (N, T, E)
        Gradient of the loss with respect to ``out``.
    cache : tuple
        The cache returned by :func:`embedding_forward`.

    Returns
    -------
    dW : ndarray, shape (V, E)
    """
    ids, W_shape = check_cache(cache, 2, "embedding_forward")
    dout = as_array("dout", dout)
    check_shape("dout", dout, "(N, T, E)", (*ids.shape, W_shape[1]))
    dW = np.zeros(W_shape, dtype=dout.dtype)
    np.add.at(dW, ids.ravel(), dout.reshape(-1, W_shape[1]))
    return dW
