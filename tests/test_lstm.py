import numpy as np
import pytest
import torch

from rnnlib.gradcheck import numerical_gradient, rel_error
from rnnlib.lstm import (
    lstm_backward,
    lstm_forward,
    lstm_state_jacobians,
    lstm_step_backward,
    lstm_step_backward_parts,
    lstm_step_forward,
)
from rnnlib.rnn import rnn_forward

N, T, D, H = 3, 5, 4, 6


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


@pytest.fixture
def weights(rng):
    return (
        rng.normal(scale=0.5, size=(4 * H, D)),
        rng.normal(scale=0.5, size=(4 * H, H)),
        rng.normal(scale=0.5, size=4 * H),
    )


def test_step_forward_matches_equations(rng, weights):
    Wxh, Whh, b = weights
    x, h, c = rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H))
    h_next, c_next, _ = lstm_step_forward(x, h, c, Wxh, Whh, b)
    assert h_next.shape == (N, H) and c_next.shape == (N, H)
    a = x @ Wxh.T + h @ Whh.T + b
    i, f, g, o = (
        sigmoid(a[:, :H]),
        sigmoid(a[:, H : 2 * H]),
        np.tanh(a[:, 2 * H : 3 * H]),
        sigmoid(a[:, 3 * H :]),
    )
    np.testing.assert_allclose(c_next, f * c + i * g, rtol=1e-13)
    np.testing.assert_allclose(h_next, o * np.tanh(f * c + i * g), rtol=1e-13)


def test_step_forward_extreme_preactivations_are_finite(weights):
    Wxh, Whh, b = weights
    x = np.full((N, D), 1e4)
    h_next, c_next, _ = lstm_step_forward(x, np.zeros((N, H)), np.zeros((N, H)), Wxh, Whh, b)
    assert np.all(np.isfinite(h_next)) and np.all(np.isfinite(c_next))


def test_step_backward_finite_differences(rng, weights):
    Wxh, Whh, b = weights
    x, h, c = rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H))
    dh, dc = rng.normal(size=(N, H)), rng.normal(size=(N, H))
    _, _, cache = lstm_step_forward(x, h, c, Wxh, Whh, b)
    grads = lstm_step_backward(dh, dc, cache)
    args = [x, h, c, Wxh, Whh, b]
    assert len(grads) == len(args)
    for k, analytic in enumerate(grads):

        def f(v, k=k):
            a = list(args)
            a[k] = v
            h_next, c_next, _ = lstm_step_forward(*a)
            return float(np.sum(h_next * dh) + np.sum(c_next * dc))

        numeric = numerical_gradient(f, args[k])
        assert analytic.shape == args[k].shape
        assert rel_error(analytic, numeric) < 1e-7
        # Entry by entry too, so that a wrong small entry cannot hide under the largest one.
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


def test_forward_equals_repeated_steps(rng, weights):
    Wxh, Whh, b = weights
    x = rng.normal(size=(N, T, D))
    h0, c0 = rng.normal(size=(N, H)), rng.normal(size=(N, H))
    hs, _ = lstm_forward(x, h0, c0, Wxh, Whh, b)
    assert hs.shape == (N, T, H)
    h, c = h0, c0
    for t in range(T):
        h, c, _ = lstm_step_forward(x[:, t], h, c, Wxh, Whh, b)
        np.testing.assert_array_equal(hs[:, t], h)


def test_backward_finite_differences(rng, weights):
    Wxh, Whh, b = weights
    x = rng.normal(size=(N, T, D))
    h0, c0 = rng.normal(size=(N, H)), rng.normal(size=(N, H))
    dhs = rng.normal(size=(N, T, H))
    _, cache = lstm_forward(x, h0, c0, Wxh, Whh, b)
    grads = lstm_backward(dhs, cache)
    args = [x, h0, c0, Wxh, Whh, b]
    assert len(grads) == len(args)
    for k, analytic in enumerate(grads):

        def f(v, k=k):
            a = list(args)
            a[k] = v
            return float(np.sum(lstm_forward(*a)[0] * dhs))

        numeric = numerical_gradient(f, args[k])
        assert analytic.shape == args[k].shape
        assert rel_error(analytic, numeric) < 1e-7
        # Entry by entry too, so that a wrong small entry cannot hide under the largest one.
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


def test_backward_last_step_only_reaches_first_input(rng, weights):
    """With gradient only on the last state, BPTT still reaches every input."""
    Wxh, Whh, b = weights
    x, zeros = rng.normal(size=(N, T, D)), np.zeros((N, H))
    dhs = np.zeros((N, T, H))
    dhs[:, -1] = rng.normal(size=(N, H))
    _, cache = lstm_forward(x, zeros, zeros, Wxh, Whh, b)
    dx = lstm_backward(dhs, cache)[0]
    assert np.all(np.abs(dx[:, 0]) > 0)

    def f(v):
        return float(np.sum(lstm_forward(v, zeros, zeros, Wxh, Whh, b)[0][:, -1] * dhs[:, -1]))

    numeric = numerical_gradient(f, x)
    assert rel_error(dx, numeric) < 1e-7
    np.testing.assert_allclose(dx, numeric, rtol=1e-5, atol=1e-8)


def test_cache_reusable_and_inputs_untouched(rng, weights):
    Wxh, Whh, b = weights
    x = rng.normal(size=(N, T, D))
    h0, c0 = rng.normal(size=(N, H)), rng.normal(size=(N, H))
    dhs = rng.normal(size=(N, T, H))
    inputs = (x, h0, c0, Wxh, Whh, b, dhs)
    copies = [a.copy() for a in inputs]
    _, cache = lstm_forward(x, h0, c0, Wxh, Whh, b)
    cache_copy = [a.copy() for a in cache]
    first = lstm_backward(dhs, cache)
    second = lstm_backward(dhs, cache)
    for a, b2 in zip(first, second):
        np.testing.assert_array_equal(a, b2)
    for a, b2 in zip(inputs, copies):
        np.testing.assert_array_equal(a, b2)
    for a, b2 in zip(cache, cache_copy):
        np.testing.assert_array_equal(a, b2)
    _, _, step_cache = lstm_step_forward(x[:, 0], h0, c0, Wxh, Whh, b)
    dh = rng.normal(size=(N, H))
    for a, b2 in zip(
        lstm_step_backward(dh, dh, step_cache), lstm_step_backward(dh, dh, step_cache)
    ):
        np.testing.assert_array_equal(a, b2)


def _torch_lstm(Wxh, Whh, b):
    lstm = torch.nn.LSTM(D, H, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(torch.from_numpy(Wxh))
        lstm.weight_hh_l0.copy_(torch.from_numpy(Whh))
        lstm.bias_ih_l0.copy_(torch.from_numpy(b))
        lstm.bias_hh_l0.zero_()
    return lstm


def test_parity_with_torch_lstm(rng, weights):
    Wxh, Whh, b = weights
    x = rng.normal(size=(N, T, D))
    h0, c0 = rng.normal(size=(N, H)), rng.normal(size=(N, H))
    dhs = rng.normal(size=(N, T, H))
    hs, cache = lstm_forward(x, h0, c0, Wxh, Whh, b)
    dx, dh0, dc0, dWxh, dWhh, db = lstm_backward(dhs, cache)

    lstm = _torch_lstm(Wxh, Whh, b)
    xt = torch.tensor(x, requires_grad=True)
    h0t = torch.tensor(h0[None], requires_grad=True)  # (1, N, H): layers first
    c0t = torch.tensor(c0[None], requires_grad=True)
    out, (h_last, c_last) = lstm(xt, (h0t, c0t))
    (out * torch.from_numpy(dhs)).sum().backward()

    # The last cell state, from the step functions.
    h, c = h0, c0
    for t in range(T):
        h, c, _ = lstm_step_forward(x[:, t], h, c, Wxh, Whh, b)
    assert rel_error(hs, out.detach().numpy()) < 1e-10
    assert rel_error(hs[:, -1], h_last[0].detach().numpy()) < 1e-10
    assert rel_error(c, c_last[0].detach().numpy()) < 1e-10
    assert rel_error(dx, xt.grad.numpy()) < 1e-8
    assert rel_error(dh0, h0t.grad[0].numpy()) < 1e-8
    assert rel_error(dc0, c0t.grad[0].numpy()) < 1e-8
    assert rel_error(dWxh, lstm.weight_ih_l0.grad.numpy()) < 1e-8
    assert rel_error(dWhh, lstm.weight_hh_l0.grad.numpy()) < 1e-8
    assert rel_error(db, lstm.bias_ih_l0.grad.numpy()) < 1e-8
    assert rel_error(db, lstm.bias_hh_l0.grad.numpy()) < 1e-8


def test_step_parity_with_torch_lstm_cell(rng, weights):
    """The step gradients, including the one on the cell state, match autograd."""
    Wxh, Whh, b = weights
    x, h, c = rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H))
    dh, dc = rng.normal(size=(N, H)), rng.normal(size=(N, H))
    h_next, c_next, cache = lstm_step_forward(x, h, c, Wxh, Whh, b)
    dx, dh_prev, dc_prev, dWxh, dWhh, db = lstm_step_backward(dh, dc, cache)

    cell = torch.nn.LSTMCell(D, H, dtype=torch.float64)
    with torch.no_grad():
        cell.weight_ih.copy_(torch.from_numpy(Wxh))
        cell.weight_hh.copy_(torch.from_numpy(Whh))
        cell.bias_ih.copy_(torch.from_numpy(b))
        cell.bias_hh.zero_()
    xt, ht, ct = (torch.tensor(a, requires_grad=True) for a in (x, h, c))
    hn, cn = cell(xt, (ht, ct))
    ((hn * torch.from_numpy(dh)).sum() + (cn * torch.from_numpy(dc)).sum()).backward()
    assert rel_error(h_next, hn.detach().numpy()) < 1e-10
    assert rel_error(c_next, cn.detach().numpy()) < 1e-10
    for mine, theirs in [
        (dx, xt.grad),
        (dh_prev, ht.grad),
        (dc_prev, ct.grad),
        (dWxh, cell.weight_ih.grad),
        (dWhh, cell.weight_hh.grad),
        (db, cell.bias_ih.grad),
    ]:
        assert rel_error(mine, theirs.numpy()) < 1e-8


def test_float32_inputs_stay_float32(rng, weights):
    Wxh, Whh, b = (w.astype(np.float32) for w in weights)
    x = rng.normal(size=(N, T, D)).astype(np.float32)
    zeros = np.zeros((N, H), dtype=np.float32)
    hs, cache = lstm_forward(x, zeros, zeros, Wxh, Whh, b)
    assert hs.dtype == np.float32
    grads = lstm_backward(np.ones_like(hs), cache)
    assert all(g.dtype == np.float32 for g in grads)


@pytest.mark.parametrize(
    ("which", "bad", "message"),
    [
        ("x", np.zeros((N, D + 1)), r"x must have shape \(N, D\) = \(\?, 4\), got \(3, 5\)"),
        ("x", np.zeros(D), r"x must have shape \(N, D\)"),
        (
            "h_prev",
            np.zeros((N + 1, H)),
            r"h_prev must have shape \(N, H\) = \(3, 6\), got \(4, 6\)",
        ),
        (
            "c_prev",
            np.zeros((N, H + 1)),
            r"c_prev must have shape \(N, H\) = \(3, 6\), got \(3, 7\)",
        ),
        ("Wxh", np.zeros((H, D)), r"Wxh must have shape \(4H, D\) = \(24, \?\), got \(6, 4\)"),
        ("Whh", np.zeros((H, H)), r"Whh must have shape \(4H, H\) = \(24, 6\), got \(6, 6\)"),
        ("Whh", np.zeros(4 * H), r"Whh must have shape \(4H, H\)"),
        ("b", np.zeros(H), r"b must have shape \(4H,\) = \(24,\), got \(6,\)"),
        ("b", np.zeros((4 * H, 1)), r"b must have shape \(4H,\)"),
    ],
)
def test_step_forward_rejects_bad_shapes(weights, which, bad, message):
    args = dict(
        x=np.zeros((N, D)),
        h_prev=np.zeros((N, H)),
        c_prev=np.zeros((N, H)),
        Wxh=weights[0],
        Whh=weights[1],
        b=weights[2],
    )
    args[which] = bad
    with pytest.raises(ValueError, match=message):
        lstm_step_forward(**args)


@pytest.mark.parametrize(
    ("which", "bad", "message"),
    [
        ("x", np.zeros((N, D)), r"x must have shape \(N, T, D\) = \(\?, \?, 4\), got \(3, 4\)"),
        ("x", np.zeros((N, T, D + 2)), r"x must have shape \(N, T, D\)"),
        ("h0", np.zeros((1, N, H)), r"h0 must have shape \(N, H\) = \(3, 6\), got \(1, 3, 6\)"),
        ("c0", np.zeros((N + 1, H)), r"c0 must have shape \(N, H\) = \(3, 6\), got \(4, 6\)"),
        ("x", np.array([["a"]]), r"x must be a numeric array"),
    ],
)
def test_forward_rejects_bad_shapes(weights, which, bad, message):
    args = dict(x=np.zeros((N, T, D)), h0=np.zeros((N, H)), c0=np.zeros((N, H)))
    args[which] = bad
    with pytest.raises(ValueError, match=message):
        lstm_forward(args["x"], args["h0"], args["c0"], *weights)


def test_backward_rejects_bad_upstream(weights):
    zeros = np.zeros((N, H))
    _, cache = lstm_forward(np.zeros((N, T, D)), zeros, zeros, *weights)
    with pytest.raises(ValueError, match=r"dhs must have shape \(N, T, H\) = \(3, 5, 6\)"):
        lstm_backward(np.zeros((N, H)), cache)
    _, _, step_cache = lstm_step_forward(np.zeros((N, D)), zeros, zeros, *weights)
    with pytest.raises(ValueError, match=r"dh_next must have shape \(N, H\) = \(3, 6\)"):
        lstm_step_backward(np.zeros((N, H + 1)), zeros, step_cache)
    with pytest.raises(ValueError, match=r"dc_next must have shape \(N, H\) = \(3, 6\)"):
        lstm_step_backward(zeros, np.zeros((N + 1, H)), step_cache)


@pytest.mark.parametrize(
    "junk", [None, (), [1, 2, 3, 4, 5, 6, 7, 8], (np.zeros(1),) * 5, "cache"], ids=repr
)
def test_backward_rejects_a_cache_that_is_not_from_forward(junk):
    zeros = np.zeros((N, H))
    with pytest.raises(ValueError, match="cache must be the tuple returned by lstm_forward"):
        lstm_backward(np.zeros((N, T, H)), junk)
    with pytest.raises(ValueError, match="cache must be the tuple returned by lstm_step_forward"):
        lstm_step_backward(zeros, zeros, junk)


def test_rnn_cache_is_rejected_by_lstm_backward(rng):
    """A cache of the vanilla RNN (5 items) is not an LSTM cache (8 items)."""
    _, cache = rnn_forward(
        np.zeros((N, T, D)), np.zeros((N, H)), *(rng.normal(size=s) for s in ((H, D), (H, H), (H,)))
    )
    with pytest.raises(ValueError, match=r"lstm_forward, got a tuple of 5 items"):
        lstm_backward(np.zeros((N, T, H)), cache)


def _gates(a):
    """i, f, g, o from stacked pre-activations (N, 4H), the equations of the docstring."""
    return sigmoid(a[:, :H]), sigmoid(a[:, H : 2 * H]), np.tanh(a[:, 2 * H : 3 * H]), sigmoid(
        a[:, 3 * H :]
    )


def test_step_backward_parts_match_finite_differences(rng, weights):
    """Each intermediate gradient is the derivative of the step's loss w.r.t. that quantity."""
    Wxh, Whh, b = weights
    x, h, c = rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H))
    dh, dc = rng.normal(size=(N, H)), rng.normal(size=(N, H))
    _, c_next, cache = lstm_step_forward(x, h, c, Wxh, Whh, b)
    parts = lstm_step_backward_parts(dh, dc, cache)
    a = x @ Wxh.T + h @ Whh.T + b
    i, f, g, o = _gates(a)

    def loss(i, f, g, o):  # L = sum(dh * h_t) + sum(dc * c_t) as a function of the gates
        c_t = f * c + i * g
        return float(np.sum(dh * o * np.tanh(c_t)) + np.sum(dc * c_t))

    checks = {
        "dc": lambda v: float(np.sum(dh * o * np.tanh(v)) + np.sum(dc * v)),  # c_t itself
        "di": lambda v: loss(v, f, g, o),
        "df": lambda v: loss(i, v, g, o),
        "dg": lambda v: loss(i, f, v, o),
        "do": lambda v: loss(i, f, g, v),
        "da": lambda v: loss(*_gates(v)),
    }
    points = {"dc": c_next, "di": i, "df": f, "dg": g, "do": o, "da": a}
    assert set(parts) == set(checks)
    for name, fn in checks.items():
        numeric = numerical_gradient(fn, points[name])
        assert parts[name].shape == points[name].shape
        assert rel_error(parts[name], numeric) < 1e-8, name
    # and the step's outputs are built from them
    dx, dh_prev, dc_prev, dWxh, dWhh, db = lstm_step_backward(dh, dc, cache)
    np.testing.assert_array_equal(dc_prev, parts["dc"] * cache[4][:, H : 2 * H])  # dc * f
    np.testing.assert_array_equal(db, parts["da"].sum(axis=0))
    np.testing.assert_array_equal(dh_prev, parts["da"] @ Whh)


def test_step_backward_parts_rejects_bad_input(weights):
    zeros = np.zeros((N, H))
    _, _, cache = lstm_step_forward(np.zeros((N, D)), zeros, zeros, *weights)
    with pytest.raises(ValueError, match=r"dh_next must have shape \(N, H\) = \(3, 6\)"):
        lstm_step_backward_parts(np.zeros((N, H + 1)), zeros, cache)
    with pytest.raises(ValueError, match=r"dc_next must have shape \(N, H\) = \(3, 6\)"):
        lstm_step_backward_parts(zeros, np.zeros((N + 1, H)), cache)
    with pytest.raises(ValueError, match="cache must be the tuple returned by lstm_step_forward"):
        lstm_step_backward_parts(zeros, zeros, (1, 2))


def test_state_jacobians_match_autograd(rng, weights):
    Wxh, Whh, b = weights
    x, h0, c0 = rng.normal(size=(T, D)), rng.normal(size=H), rng.normal(size=H)
    J = lstm_state_jacobians(x, h0, c0, Wxh, Whh, b)
    assert J.shape == (T, 2 * H, 2 * H)
    cell = torch.nn.LSTMCell(D, H, dtype=torch.float64)
    with torch.no_grad():
        cell.weight_ih.copy_(torch.from_numpy(Wxh))
        cell.weight_hh.copy_(torch.from_numpy(Whh))
        cell.bias_ih.copy_(torch.from_numpy(b))
        cell.bias_hh.zero_()
    state = torch.from_numpy(np.concatenate([h0, c0]))
    for t in range(T):
        xt = torch.from_numpy(x[t : t + 1])

        def step(s, xt=xt):
            h_next, c_next = cell(xt, (s[None, :H], s[None, H:]))
            return torch.cat([h_next[0], c_next[0]])

        want = torch.autograd.functional.jacobian(step, state).numpy()
        assert rel_error(J[t], want) < 1e-10, t
        with torch.no_grad():
            state = step(state)


def test_state_jacobians_cell_block_is_the_forget_gate_and_products_chain(rng, weights):
    Wxh, Whh, b = weights
    x, h0, c0 = rng.normal(size=(T, D)), rng.normal(size=H), rng.normal(size=H)
    J = lstm_state_jacobians(x, h0, c0, Wxh, Whh, b)
    _, cache = lstm_forward(x[None], h0[None], c0[None], Wxh, Whh, b)
    f = cache[5][0, :, H : 2 * H]  # (T, H): the forget gates of the sequence
    for t in range(T):  # diag(f_t): off the diagonal exactly 0, on it f_t up to rounding
        np.testing.assert_array_equal(J[t, H:, H:] - np.diag(np.diag(J[t, H:, H:])), 0.0)
        np.testing.assert_allclose(np.diag(J[t, H:, H:]), f[t], rtol=1e-14)

    def last_state(state):  # (h_T, c_T) as a function of (h_0, c_0)
        hs, cache = lstm_forward(x[None], state[None, :H], state[None, H:], Wxh, Whh, b)
        return np.concatenate([hs[0, -1], cache[4][0, -1]])

    state0 = np.concatenate([h0, c0])
    product = np.linalg.multi_dot(J[::-1])  # J[T-1] ... J[0]
    for r in range(2 * H):  # row r of d(h_T, c_T) / d(h_0, c_0), by finite differences
        numeric = numerical_gradient(lambda s, r=r: last_state(s)[r], state0)
        np.testing.assert_allclose(product[r], numeric, rtol=1e-5, atol=1e-9)


def test_state_jacobians_reject_bad_shapes(weights):
    Wxh, Whh, b = weights
    with pytest.raises(ValueError, match=r"x must have shape \(T, D\) = \(\?, 4\)"):
        lstm_state_jacobians(np.zeros((T, D + 1)), np.zeros(H), np.zeros(H), Wxh, Whh, b)
    with pytest.raises(ValueError, match=r"x must have shape \(T, D\)"):
        lstm_state_jacobians(np.zeros((1, T, D)), np.zeros(H), np.zeros(H), Wxh, Whh, b)
    with pytest.raises(ValueError, match=r"h0 must have shape \(H,\) = \(6,\)"):
        lstm_state_jacobians(np.zeros((T, D)), np.zeros((1, H)), np.zeros(H), Wxh, Whh, b)
    with pytest.raises(ValueError, match=r"c0 must have shape \(H,\) = \(6,\)"):
        lstm_state_jacobians(np.zeros((T, D)), np.zeros(H), np.zeros(H + 1), Wxh, Whh, b)
    with pytest.raises(ValueError, match=r"Whh must have shape \(4H, H\)"):
        lstm_state_jacobians(np.zeros((T, D)), np.zeros(H), np.zeros(H), Wxh, Whh[:H], b)
