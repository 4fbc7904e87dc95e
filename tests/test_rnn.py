import numpy as np
import pytest
import torch

from rnnlib.gradcheck import numerical_gradient, rel_error
from rnnlib.rnn import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward

N, T, D, H = 3, 5, 4, 6


@pytest.fixture
def weights(rng):
    return (
        rng.normal(scale=0.5, size=(H, D)),
        rng.normal(scale=0.5, size=(H, H)),
        rng.normal(scale=0.5, size=H),
    )


def test_step_forward_matches_formula(rng, weights):
    Wxh, Whh, bh = weights
    x, h = rng.normal(size=(N, D)), rng.normal(size=(N, H))
    h_next, _ = rnn_step_forward(x, h, Wxh, Whh, bh)
    assert h_next.shape == (N, H)
    np.testing.assert_allclose(h_next, np.tanh(x @ Wxh.T + h @ Whh.T + bh), rtol=1e-14)


def test_step_backward_finite_differences(rng, weights):
    Wxh, Whh, bh = weights
    x, h = rng.normal(size=(N, D)), rng.normal(size=(N, H))
    dout = rng.normal(size=(N, H))
    _, cache = rnn_step_forward(x, h, Wxh, Whh, bh)
    grads = rnn_step_backward(dout, cache)
    args = [x, h, Wxh, Whh, bh]
    for i, analytic in enumerate(grads):

        def f(v, i=i):
            a = list(args)
            a[i] = v
            return float(np.sum(rnn_step_forward(*a)[0] * dout))

        numeric = numerical_gradient(f, args[i])
        assert analytic.shape == args[i].shape
        assert rel_error(analytic, numeric) < 1e-7
        # Entry by entry too, so that a wrong small entry cannot hide under the largest one.
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


def test_forward_equals_repeated_steps(rng, weights):
    Wxh, Whh, bh = weights
    x, h0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H))
    hs, _ = rnn_forward(x, h0, Wxh, Whh, bh)
    assert hs.shape == (N, T, H)
    h = h0
    for t in range(T):
        h, _ = rnn_step_forward(x[:, t], h, Wxh, Whh, bh)
        np.testing.assert_array_equal(hs[:, t], h)


def test_backward_finite_differences(rng, weights):
    Wxh, Whh, bh = weights
    x, h0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H))
    dhs = rng.normal(size=(N, T, H))
    _, cache = rnn_forward(x, h0, Wxh, Whh, bh)
    grads = rnn_backward(dhs, cache)
    args = [x, h0, Wxh, Whh, bh]
    for i, analytic in enumerate(grads):

        def f(v, i=i):
            a = list(args)
            a[i] = v
            return float(np.sum(rnn_forward(*a)[0] * dhs))

        numeric = numerical_gradient(f, args[i])
        assert analytic.shape == args[i].shape
        assert rel_error(analytic, numeric) < 1e-7
        # Entry by entry too, so that a wrong small entry cannot hide under the largest one.
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


def test_backward_last_step_only_matches_many_to_one(rng, weights):
    """With gradient only on the last state, BPTT still reaches every input."""
    Wxh, Whh, bh = weights
    x, h0 = rng.normal(size=(N, T, D)), np.zeros((N, H))
    dhs = np.zeros((N, T, H))
    dhs[:, -1] = rng.normal(size=(N, H))
    _, cache = rnn_forward(x, h0, Wxh, Whh, bh)
    dx = rnn_backward(dhs, cache)[0]
    assert np.all(np.abs(dx[:, 0]) > 0)

    def f(v):
        return float(np.sum(rnn_forward(v, h0, Wxh, Whh, bh)[0][:, -1] * dhs[:, -1]))

    numeric = numerical_gradient(f, x)
    assert rel_error(dx, numeric) < 1e-7
    np.testing.assert_allclose(dx, numeric, rtol=1e-5, atol=1e-8)


def test_cache_reusable_and_inputs_untouched(rng, weights):
    Wxh, Whh, bh = weights
    x, h0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H))
    dhs = rng.normal(size=(N, T, H))
    copies = [a.copy() for a in (x, h0, Wxh, Whh, bh, dhs)]
    _, cache = rnn_forward(x, h0, Wxh, Whh, bh)
    first = rnn_backward(dhs, cache)
    second = rnn_backward(dhs, cache)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    for a, b in zip((x, h0, Wxh, Whh, bh, dhs), copies):
        np.testing.assert_array_equal(a, b)


def test_float32_inputs_stay_float32(rng, weights):
    Wxh, Whh, bh = (w.astype(np.float32) for w in weights)
    x = rng.normal(size=(N, T, D)).astype(np.float32)
    h0 = np.zeros((N, H), dtype=np.float32)
    hs, cache = rnn_forward(x, h0, Wxh, Whh, bh)
    assert hs.dtype == np.float32
    hs64, _ = rnn_forward(x.astype(np.float64), h0, *weights)
    np.testing.assert_allclose(hs, hs64, rtol=1e-5, atol=1e-6)
    grads = rnn_backward(np.ones_like(hs), cache)
    assert all(g.dtype == np.float32 for g in grads)
    h_next, step_cache = rnn_step_forward(x[:, 0], h0, Wxh, Whh, bh)
    assert h_next.dtype == np.float32
    assert all(g.dtype == np.float32 for g in rnn_step_backward(h_next, step_cache))


def _torch_rnn(Wxh, Whh, bh):
    rnn = torch.nn.RNN(D, H, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(Wxh))
        rnn.weight_hh_l0.copy_(torch.from_numpy(Whh))
        rnn.bias_ih_l0.copy_(torch.from_numpy(bh))
        rnn.bias_hh_l0.zero_()
    return rnn


def test_parity_with_torch_rnn(rng, weights):
    Wxh, Whh, bh = weights
    x, h0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H))
    dhs = rng.normal(size=(N, T, H))
    hs, cache = rnn_forward(x, h0, Wxh, Whh, bh)
    dx, dh0, dWxh, dWhh, dbh = rnn_backward(dhs, cache)

    rnn = _torch_rnn(Wxh, Whh, bh)
    xt = torch.tensor(x, requires_grad=True)
    h0t = torch.tensor(h0[None], requires_grad=True)  # (1, N, H): layers first
    out, h_last = rnn(xt, h0t)
    (out * torch.from_numpy(dhs)).sum().backward()

    assert rel_error(hs, out.detach().numpy()) < 1e-10
    assert rel_error(hs[:, -1], h_last[0].detach().numpy()) < 1e-10
    assert rel_error(dx, xt.grad.numpy()) < 1e-8
    assert rel_error(dh0, h0t.grad[0].numpy()) < 1e-8
    assert rel_error(dWxh, rnn.weight_ih_l0.grad.numpy()) < 1e-8
    assert rel_error(dWhh, rnn.weight_hh_l0.grad.numpy()) < 1e-8
    assert rel_error(dbh, rnn.bias_ih_l0.grad.numpy()) < 1e-8
    assert rel_error(dbh, rnn.bias_hh_l0.grad.numpy()) < 1e-8


@pytest.mark.parametrize(
    ("which", "bad", "message"),
    [
        ("x", np.zeros((N, D + 1)), r"x must have shape \(N, D\) = \(\?, 4\), got \(3, 5\)"),
        ("x", np.zeros(D), r"x must have shape \(N, D\)"),
        ("h_prev", np.zeros((N + 1, H)), r"h_prev must have shape \(N, H\) = \(3, 6\)"),
        ("Wxh", np.zeros(H), r"Wxh must have shape \(H, D\)"),
        ("Whh", np.zeros((H, H + 1)), r"Whh must have shape \(H, H\) = \(6, 6\), got \(6, 7\)"),
        ("bh", np.zeros((H, 1)), r"bh must have shape \(H,\) = \(6,\), got \(6, 1\)"),
    ],
)
def test_step_forward_rejects_bad_shapes(rng, weights, which, bad, message):
    args = dict(
        x=np.zeros((N, D)), h_prev=np.zeros((N, H)), Wxh=weights[0], Whh=weights[1], bh=weights[2]
    )
    args[which] = bad
    with pytest.raises(ValueError, match=message):
        rnn_step_forward(**args)


@pytest.mark.parametrize(
    ("which", "bad", "message"),
    [
        ("x", np.zeros((N, D)), r"x must have shape \(N, T, D\) = \(\?, \?, 4\), got \(3, 4\)"),
        ("x", np.zeros((N, T, D + 2)), r"x must have shape \(N, T, D\)"),
        ("h0", np.zeros((N, T, H)), r"h0 must have shape \(N, H\) = \(3, 6\), got \(3, 5, 6\)"),
        ("h0", np.zeros((N + 1, H)), r"h0 must have shape \(N, H\)"),
        ("x", np.array([["a"]]), r"x must be a numeric array"),
    ],
)
def test_forward_rejects_bad_shapes(weights, which, bad, message):
    args = dict(x=np.zeros((N, T, D)), h0=np.zeros((N, H)))
    args[which] = bad
    with pytest.raises(ValueError, match=message):
        rnn_forward(args["x"], args["h0"], *weights)


def test_backward_rejects_bad_upstream(weights):
    _, cache = rnn_forward(np.zeros((N, T, D)), np.zeros((N, H)), *weights)
    with pytest.raises(ValueError, match=r"dhs must have shape \(N, T, H\) = \(3, 5, 6\)"):
        rnn_backward(np.zeros((N, H)), cache)
    _, step_cache = rnn_step_forward(np.zeros((N, D)), np.zeros((N, H)), *weights)
    with pytest.raises(ValueError, match=r"dh_next must have shape \(N, H\) = \(3, 6\)"):
        rnn_step_backward(np.zeros((N, H + 1)), step_cache)


@pytest.mark.parametrize("junk", [None, (), [1, 2, 3, 4, 5], (np.zeros(1),) * 4, "cache"], ids=repr)
def test_backward_rejects_a_cache_that_is_not_from_forward(weights, junk):
    with pytest.raises(ValueError, match="cache must be the tuple returned by rnn_forward"):
        rnn_backward(np.zeros((N, T, H)), junk)
    with pytest.raises(ValueError, match="cache must be the tuple returned by rnn_step_forward"):
        rnn_step_backward(np.zeros((N, H)), junk)
