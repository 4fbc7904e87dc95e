"""The LSTM layer as pure forward/backward functions.

Gate order and weight layout follow ``torch.nn.LSTM(batch_first=True)``, so
weights copy across unchanged.  The pre-activations of the four gates are
stacked in one vector of size 4H, in the order input ``i``, forget ``f``,
cell candidate ``g``, output ``o``::

    a_t = x_t @ Wxh.T + h_{t-1} @ Whh.T + b          # (N, 4H)
    i, f, g, o = sigmoid(a_i), sigmoid(a_f), tanh(a_g), sigmoid(a_o)
    c_t = f * c_{t-1} + i * g                        # (N, H)
    h_t = o * tanh(c_t)                              # (N, H)

with ``Wxh`` (4H, D), ``Whh`` (4H, H) and ``b`` (4H,).  PyTorch keeps two
biases (``bias_ih`` and ``bias_hh``); their sum is ``b``.

Caches are tuples that backward only reads, so one cache can serve any number
of backward calls.  :func:`lstm_step_backward_parts` returns the gradients inside
one step backward (on ``c_t``, on each gate, on the pre-activations), and
:func:`lstm_state_jacobians` the Jacobian of every step's map
``(h_{t-1}, c_{t-1}) -> (h_t, c_t)`` along a sequence.
"""

from __future__ import annotations

import numpy as np

from rnnlib._check import as_array, check_cache, check_shape
from rnnlib.losses import _sigmoid


def _check_weights(Wxh, Whh, b):
    Wxh, Whh, b = as_array("Wxh", Wxh), as_array("Whh", Whh), as_array("b", b)
    check_shape("Whh", Whh, "(4H, H)", (None, None))
    H = Whh.shape[1]
    check_shape("Whh", Whh, "(4H, H)", (4 * H, H))
    check_shape("Wxh", Wxh, "(4H, D)", (4 * H, None))
    check_shape("b", b, "(4H,)", (4 * H,))
    return Wxh, Whh, b, H, Wxh.shape[1]


def _step(x, h_prev, c_prev, Wxh, Whh, b):
    """Unchecked step: return h_next (N, H), c_next (N, H), gates (N, 4H)."""
    H = h_prev.shape[1]
    a = x @ Wxh.T + h_prev @ Whh.T + b  # (N, 4H)
    gates = _sigmoid(a)  # i, f and o use the sigmoid ...
    gates[:, 2 * H : 3 * H] = np.tanh(a[:, 2 * H : 3 * H])  # ... g uses tanh
    i, f, g, o = (gates[:, k * H : (k + 1) * H] for k in range(4))  # each (N, H)
    c_next = f * c_prev + i * g
    h_next = o * np.tanh(c_next)
    return h_next, c_next, gates


def _step_back_parts(dh_next, dc_next, c_prev, c_next, gates):
    """Unchecked: the gradients inside one step backward (see lstm_step_backward_parts)."""
    H = c_prev.shape[1]
    i, f, g, o = (gates[:, k * H : (k + 1) * H] for k in range(4))  # each (N, H)
    tc = np.tanh(c_next)
    dc = dc_next + dh_next * o * (1.0 - tc**2)  # (N, H): both paths into c_t
    di, df, dg, do = dc * g, dc * c_prev, dc * i, dh_next * tc  # on the gate outputs
    da = np.concatenate(
        [
            di * i * (1.0 - i),  # input gate, through the sigmoid
            df * f * (1.0 - f),  # forget gate, through the sigmoid
            dg * (1.0 - g**2),  # candidate, through tanh
            do * o * (1.0 - o),  # output gate, through the sigmoid
        ],
        axis=1,
    )  # (N, 4H): on the pre-activations, in the order (i, f, g, o)
    return {"dc": dc, "di": di, "df": df, "dg": dg, "do": do, "da": da}


def _step_back(dh_next, dc_next, x, h_prev, c_prev, c_next, gates, Wxh, Whh):
    """Unchecked step backward; returns (dx, dh_prev, dc_prev, dWxh, dWhh, db)."""
    H = h_prev.shape[1]
    parts = _step_back_parts(dh_next, dc_next, c_prev, c_next, gates)
    dc, da = parts["dc"], parts["da"]  # (N, H), (N, 4H)
    f = gates[:, H : 2 * H]  # (N, H)
    return da @ Wxh, da @ Whh, dc * f, da.T @ x, da.T @ h_prev, da.sum(axis=0)


def lstm_step_forward(x, h_prev, c_prev, Wxh, Whh, b):
    """One time step of the LSTM.

    Parameters
    ----------
    x : ndarray, shape (N, D)
        Inputs at this time step.
    h_prev : ndarray, shape (N, H)
        Hidden state from the previous step.
    c_prev : ndarray, shape (N, H)
        Cell state from the previous step.
    Wxh : ndarray, shape (4H, D)
        Input-to-gates weights, gates stacked as (i, f, g, o).
    Whh : ndarray, shape (4H, H)
        Hidden-to-gates (recurrent) weights.
    b : ndarray, shape (4H,)
        Gate biases.

    Returns
    -------
    h_next : ndarray, shape (N, H)
    c_next : ndarray, shape (N, H)
    cache : tuple
        Values needed by :func:`lstm_step_backward`.
    """
    Wxh, Whh, b, H, D = _check_weights(Wxh, Whh, b)
    x, h_prev, c_prev = as_array("x", x), as_array("h_prev", h_prev), as_array("c_prev", c_prev)
    check_shape("x", x, "(N, D)", (None, D))
    N = x.shape[0]
    check_shape("h_prev", h_prev, "(N, H)", (N, H))
    check_shape("c_prev", c_prev, "(N, H)", (N, H))
    h_next, c_next, gates = _step(x, h_prev, c_prev, Wxh, Whh, b)
    return h_next, c_next, (x, h_prev, c_prev, c_next, gates, Wxh, Whh)


def lstm_step_backward(dh_next, dc_next, cache):
    """Backward pass of :func:`lstm_step_forward`.

    Parameters
    ----------
    dh_next : ndarray, shape (N, H)
        Gradient of the loss with respect to ``h_next``.
    dc_next : ndarray, shape (N, H)
        Gradient of the loss with respect to ``c_next`` (from later steps).
    cache : tuple
        The cache returned by :func:`lstm_step_forward`.

    Returns
    -------
    dx : ndarray, shape (N, D)
    dh_prev : ndarray, shape (N, H)
    dc_prev : ndarray, shape (N, H)
    dWxh : ndarray, shape (4H, D)
    dWhh : ndarray, shape (4H, H)
    db : ndarray, shape (4H,)
    """
    x, h_prev, c_prev, c_next, gates, Wxh, Whh = check_cache(cache, 7, "lstm_step_forward")
    dh_next, dc_next = as_array("dh_next", dh_next), as_array("dc_next", dc_next)
    check_shape("dh_next", dh_next, "(N, H)", c_next.shape)
    check_shape("dc_next", dc_next, "(N, H)", c_next.shape)
    return _step_back(dh_next, dc_next, x, h_prev, c_prev, c_next, gates, Wxh, Whh)


def lstm_step_backward_parts(dh_next, dc_next, cache):
    """The intermediate gradients of :func:`lstm_step_backward`, one per equation.

    With ``dh = dh_next`` and ``dc_next`` the gradients arriving on ``h_t`` and
    ``c_t``, and the gates ``i, f, g, o`` of the step::

        dc = dc_next + dh * o * (1 - tanh(c_t)**2)        # both paths into c_t
        di, df, dg, do = dc * g, dc * c_{t-1}, dc * i, dh * tanh(c_t)
        da = [di * i(1 - i), df * f(1 - f), dg * (1 - g**2), do * o(1 - o)]

    :func:`lstm_step_backward` turns ``da`` into the gradients of ``x``,
    ``h_prev`` and the weights, and passes ``dc * f`` back as ``dc_prev``.

    Parameters
    ----------
    dh_next : ndarray, shape (N, H)
    dc_next : ndarray, shape (N, H)
    cache : tuple
        The cache returned by :func:`lstm_step_forward`.

    Returns
    -------
    dict of str to ndarray
        ``"dc"`` (N, H), the total gradient on ``c_t``; ``"di"``, ``"df"``,
        ``"dg"``, ``"do"`` (N, H) each, on the gate outputs; ``"da"`` (N, 4H),
        on the pre-activations in the order (i, f, g, o).
    """
    x, h_prev, c_prev, c_next, gates, Wxh, Whh = check_cache(cache, 7, "lstm_step_forward")
    dh_next, dc_next = as_array("dh_next", dh_next), as_array("dc_next", dc_next)
    check_shape("dh_next", dh_next, "(N, H)", c_next.shape)
    check_shape("dc_next", dc_next, "(N, H)", c_next.shape)
    return _step_back_parts(dh_next, dc_next, c_prev, c_next, gates)


def lstm_state_jacobians(x, h0, c0, Wxh, Whh, b):
    """Jacobian of every step's state map along one sequence.

    Step ``t`` maps the pair of states ``(h_{t-1}, c_{t-1})`` to
    ``(h_t, c_t)``; its Jacobian is the block matrix::

        J[t] = [[dh_t/dh_{t-1}, dh_t/dc_{t-1}],
                [dc_t/dh_{t-1}, dc_t/dc_{t-1}]]      # dc_t/dc_{t-1} = diag(f_t)

    Row ``r`` of ``J[t]`` is the gradient of output ``r`` (``h_t`` first,
    then ``c_t``) with respect to ``(h_{t-1}, c_{t-1})``, computed with the
    step backward pass, one basis vector per row (exact, no finite
    differences).  The Jacobian from step ``k`` to step ``T`` is the product
    ``J[T-1] @ ... @ J[k]``.

    Parameters
    ----------
    x : ndarray, shape (T, D)
        One input sequence.
    h0, c0 : ndarray, shape (H,)
        The states before the first step.
    Wxh : ndarray, shape (4H, D)
    Whh : ndarray, shape (4H, H)
    b : ndarray, shape (4H,)

    Returns
    -------
    ndarray, shape (T, 2H, 2H)
    """
    Wxh, Whh, b, H, D = _check_weights(Wxh, Whh, b)
    x, h0, c0 = as_array("x", x), as_array("h0", h0), as_array("c0", c0)
    check_shape("x", x, "(T, D)", (None, D))
    check_shape("h0", h0, "(H,)", (H,))
    check_shape("c0", c0, "(H,)", (H,))
    T = x.shape[0]
    eye = np.eye(2 * H)
    J = np.empty((T, 2 * H, 2 * H), dtype=np.result_type(x, h0, c0, Wxh, Whh, b))
    h, c = h0[None], c0[None]  # (1, H): one sequence
    for t in range(T):
        xs, hs, cs = (np.repeat(a, 2 * H, axis=0) for a in (x[t : t + 1], h, c))  # 2H copies
        h_next, c_next, gates = _step(xs, hs, cs, Wxh, Whh, b)
        _, dh_prev, dc_prev, *_ = _step_back(
            eye[:, :H], eye[:, H:], xs, hs, cs, c_next, gates, Wxh, Whh
        )  # row r: the gradient of output r
        J[t, :, :H], J[t, :, H:] = dh_prev, dc_prev
        h, c = h_next[:1], c_next[:1]
    return J


def lstm_forward(x, h0, c0, Wxh, Whh, b):
    """Run the LSTM over a whole batch of sequences.

    Parameters
    ----------
    x : ndarray, shape (N, T, D)
        Input sequences, batch first.
    h0 : ndarray, shape (N, H)
        Initial hidden state.
    c0 : ndarray, shape (N, H)
        Initial cell state.
    Wxh : ndarray, shape (4H, D)
    Whh : ndarray, shape (4H, H)
    b : ndarray, shape (4H,)

    Returns
    -------
    hs : ndarray, shape (N, T, H)
        Hidden state after every time step (``hs[:, -1]`` is the last one).
    cache : tuple
        Values needed by :func:`lstm_backward`.
    """
    Wxh, Whh, b, H, D = _check_weights(Wxh, Whh, b)
    x, h0, c0 = as_array("x", x), as_array("h0", h0), as_array("c0", c0)
    check_shape("x", x, "(N, T, D)", (None, None, D))
    N, T, _ = x.shape
    check_shape("h0", h0, "(N, H)", (N, H))
    check_shape("c0", c0, "(N, H)", (N, H))
    dtype = np.result_type(x, h0, c0, Wxh, Whh, b)
    hs = np.empty((N, T, H), dtype=dtype)
    cs = np.empty((N, T, H), dtype=dtype)
    gates = np.empty((N, T, 4 * H), dtype=dtype)
    h, c = h0, c0
    for t in range(T):
        h, c, gates[:, t] = _step(x[:, t], h, c, Wxh, Whh, b)
        hs[:, t], cs[:, t] = h, c
    return hs, (x, h0, c0, hs, cs, gates, Wxh, Whh)


def lstm_backward(dhs, cache):
    """Backpropagation through time for :func:`lstm_forward`.

    Parameters
    ----------
    dhs : ndarray, shape (N, T, H)
        Upstream gradient on every hidden state.  For a many-to-one model only
        ``dhs[:, -1]`` is non-zero.
    cache : tuple
        The cache returned by :func:`lstm_forward`.

    Returns
    -------
    dx : ndarray, shape (N, T, D)
    dh0 : ndarray, shape (N, H)
    dc0 : ndarray, shape (N, H)
    dWxh : ndarray, shape (4H, D)
    dWhh : ndarray, shape (4H, H)
    db : ndarray, shape (4H,)
    """
    x, h0, c0, hs, cs, gates, Wxh, Whh = check_cache(cache, 8, "lstm_forward")
    dhs = as_array("dhs", dhs)
    check_shape("dhs", dhs, "(N, T, H)", hs.shape)
    N, T, H = hs.shape
    dx = np.zeros(x.shape, dtype=np.result_type(x, dhs))
    dWxh, dWhh = np.zeros_like(Wxh), np.zeros_like(Whh)
    db = np.zeros(4 * H, dtype=Wxh.dtype)
    dh_carry = np.zeros((N, H), dtype=dhs.dtype)  # gradients arriving from step t+1
    dc_carry = np.zeros((N, H), dtype=dhs.dtype)
    for t in reversed(range(T)):
        h_prev = hs[:, t - 1] if t > 0 else h0
        c_prev = cs[:, t - 1] if t > 0 else c0
        dxt, dh_carry, dc_carry, dWxt, dWht, dbt = _step_back(
            dhs[:, t] + dh_carry,
            dc_carry,
            x[:, t],
            h_prev,
            c_prev,
            cs[:, t],
            gates[:, t],
            Wxh,
            Whh,
        )
        dx[:, t] = dxt
        dWxh += dWxt
        dWhh += dWht
        db += dbt
    return dx, dh_carry, dc_carry, dWxh, dWhh, db
