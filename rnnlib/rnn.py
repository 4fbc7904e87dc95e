"""The vanilla (Elman) RNN layer as pure forward/backward functions.

Layout follows ``torch.nn.RNN(batch_first=True)`` so that weights copy across
unchanged::

    h_t = tanh(x_t @ Wxh.T + h_{t-1} @ Whh.T + bh)

with ``x_t`` of shape (N, D), ``h_t`` of shape (N, H), ``Wxh`` (H, D),
``Whh`` (H, H) and ``bh`` (H,).  PyTorch keeps two biases (``bias_ih`` and
``bias_hh``); their sum is ``bh``.

Caches are tuples that backward only reads, so one cache can serve any number
of backward calls.
"""

from __future__ import annotations

import numpy as np

from rnnlib._check import as_array, check_cache, check_shape


def _check_weights(Wxh, Whh, bh):
    Wxh, Whh, bh = as_array("Wxh", Wxh), as_array("Whh", Whh), as_array("bh", bh)
    check_shape("Wxh", Wxh, "(H, D)", (None, None))
    H, D = Wxh.shape
    check_shape("Whh", Whh, "(H, H)", (H, H))
    check_shape("bh", bh, "(H,)", (H,))
    return Wxh, Whh, bh, H, D


def _step(x, h_prev, Wxh, Whh, bh):
    """Unchecked step: return h_next (N, H)."""
    return np.tanh(x @ Wxh.T + h_prev @ Whh.T + bh)


def _step_back(dh_next, x, h_prev, h_next, Wxh, Whh):
    """Unchecked step backward; returns (dx, dh_prev, dWxh, dWhh, dbh)."""
    da = dh_next * (1.0 - h_next**2)  # (N, H): through tanh
    return da @ Wxh, da @ Whh, da.T @ x, da.T @ h_prev, da.sum(axis=0)


def rnn_step_forward(x, h_prev, Wxh, Whh, bh):
    """One time step of the RNN.

    Parameters
    ----------
    x : ndarray, shape (N, D)
        Inputs at this time step.
    h_prev : ndarray, shape (N, H)
        Hidden state from the previous step.
    Wxh : ndarray, shape (H, D)
        Input-to-hidden weights.
    Whh : ndarray, shape (H, H)
        Hidden-to-hidden (recurrent) weights.
    bh : ndarray, shape (H,)
        Hidden bias.

    Returns
    -------
    h_next : ndarray, shape (N, H)
        New hidden state.
    cache : tuple
        Values needed by :func:`rnn_step_backward`.
    """
    Wxh, Whh, bh, H, D = _check_weights(Wxh, Whh, bh)
    x, h_prev = as_array("x", x), as_array("h_prev", h_prev)
    check_shape("x", x, "(N, D)", (None, D))
    N = x.shape[0]
    check_shape("h_prev", h_prev, "(N, H)", (N, H))
    h_next = _step(x, h_prev, Wxh, Whh, bh)
    return h_next, (x, h_prev, h_next, Wxh, Whh)


def rnn_step_backward(dh_next, cache):
    """Backward pass of :func:`rnn_step_forward`.

    Parameters
    ----------
    dh_next : ndarray, shape (N, H)
        Gradient of the loss with respect to ``h_next``.
    cache : tuple
        The cache returned by :func:`rnn_step_forward`.

    Returns
    -------
    dx : ndarray, shape (N, D)
    dh_prev : ndarray, shape (N, H)
    dWxh : ndarray, shape (H, D)
    dWhh : ndarray, shape (H, H)
    dbh : ndarray, shape (H,)
    """
    x, h_prev, h_next, Wxh, Whh = check_cache(cache, 5, "rnn_step_forward")
    dh_next = as_array("dh_next", dh_next)
    check_shape("dh_next", dh_next, "(N, H)", h_next.shape)
    return _step_back(dh_next, x, h_prev, h_next, Wxh, Whh)


def rnn_forward(x, h0, Wxh, Whh, bh):
    """Run the RNN over a whole batch of sequences.

    Parameters
    ----------
    x : ndarray, shape (N, T, D)
        Input sequences, batch first.
    h0 : ndarray, shape (N, H)
        Initial hidden state.
    Wxh : ndarray, shape (H, D)
    Whh : ndarray, shape (H, H)
    bh : ndarray, shape (H,)

    Returns
    -------
    hs : ndarray, shape (N, T, H)
        Hidden state after every time step (``hs[:, -1]`` is the last one).
    cache : tuple
        Values needed by :func:`rnn_backward`.
    """
    Wxh, Whh, bh, H, D = _check_weights(Wxh, Whh, bh)
    x, h0 = as_array("x", x), as_array("h0", h0)
    check_shape("x", x, "(N, T, D)", (None, None, D))
    N, T, _ = x.shape
    check_shape("h0", h0, "(N, H)", (N, H))
    dtype = np.result_type(x, h0, Wxh, Whh, bh)
    hs = np.empty((N, T, H), dtype=dtype)
    h = h0
    for t in range(T):
        h = _step(x[:, t], h, Wxh, Whh, bh)
        hs[:, t] = h
    return hs, (x, h0, hs, Wxh, Whh)


def rnn_backward(dhs, cache):
    """Backpropagation through time for :func:`rnn_forward`.

    Parameters
    ----------
    dhs : ndarray, shape (N, T, H)
        Upstream gradient on every hidden state.  For a many-to-one model only
        ``dhs[:, -1]`` is non-zero.
    cache : tuple
        The cache returned by :func:`rnn_forward`.

    Returns
    -------
    dx : ndarray, shape (N, T, D)
    dh0 : ndarray, shape (N, H)
    dWxh : ndarray, shape (H, D)
    dWhh : ndarray, shape (H, H)
    dbh : ndarray, shape (H,)
    """
    x, h0, hs, Wxh, Whh = check_cache(cache, 5, "rnn_forward")
    dhs = as_array("dhs", dhs)
    check_shape("dhs", dhs, "(N, T, H)", hs.shape)
    N, T, H = hs.shape
    dx = np.zeros(x.shape, dtype=np.result_type(x, dhs))
    dWxh, dWhh = np.zeros_like(Wxh), np.zeros_like(Whh)
    dbh = np.zeros(H, dtype=Wxh.dtype)
    dh_carry = np.zeros((N, H), dtype=dhs.dtype)  # gradient arriving from step t+1
    for t in reversed(range(T)):
        h_prev = hs[:, t - 1] if t > 0 else h0
        dxt, dh_carry, dWxt, dWht, dbt = _step_back(
            dhs[:, t] + dh_carry, x[:, t], h_prev, hs[:, t], Wxh, Whh
        )
        dx[:, t] = dxt
        dWxh += dWxt
        dWhh += dWht
        dbh += dbt
    return dx, dh_carry, dWxh, dWhh, dbh
