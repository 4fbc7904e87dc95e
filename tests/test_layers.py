import numpy as np
import pytest
import torch

from rnnlib.gradcheck import numerical_gradient, rel_error
from rnnlib.layers import linear_backward, linear_forward


def test_linear_forward_backward(rng):
    h, W, b = rng.normal(size=(4, 5)), rng.normal(size=(3, 5)), rng.normal(size=3)
    dy = rng.normal(size=(4, 3))
    y, cache = linear_forward(h, W, b)
    np.testing.assert_allclose(y, h @ W.T + b, rtol=1e-14)
    grads = linear_backward(dy, cache)
    args = [h, W, b]
    for i, analytic in enumerate(grads):

        def f(v, i=i):
            a = list(args)
            a[i] = v
            return float(np.sum(linear_forward(*a)[0] * dy))

        assert rel_error(analytic, numerical_gradient(f, args[i])) < 1e-7


def test_linear_parity_with_torch(rng):
    h, W, b = rng.normal(size=(4, 5)), rng.normal(size=(3, 5)), rng.normal(size=3)
    dy = rng.normal(size=(4, 3))
    y, cache = linear_forward(h, W, b)
    dh, dW, db = linear_backward(dy, cache)
    lin = torch.nn.Linear(5, 3, dtype=torch.float64)
    with torch.no_grad():
        lin.weight.copy_(torch.from_numpy(W))
        lin.bias.copy_(torch.from_numpy(b))
    ht = torch.tensor(h, requires_grad=True)
    yt = lin(ht)
    (yt * torch.from_numpy(dy)).sum().backward()
    assert rel_error(y, yt.detach().numpy()) < 1e-12
    assert rel_error(dh, ht.grad.numpy()) < 1e-10
    assert rel_error(dW, lin.weight.grad.numpy()) < 1e-10
    assert rel_error(db, lin.bias.grad.numpy()) < 1e-10


def test_linear_rejects_bad_shapes():
    with pytest.raises(ValueError, match=r"h must have shape \(N, H\) = \(\?, 5\), got \(4, 6\)"):
        linear_forward(np.zeros((4, 6)), np.zeros((3, 5)), np.zeros(3))
    with pytest.raises(ValueError, match=r"b must have shape \(O,\) = \(3,\), got \(5,\)"):
        linear_forward(np.zeros((4, 5)), np.zeros((3, 5)), np.zeros(5))
    with pytest.raises(ValueError, match=r"W must have shape \(O, H\)"):
        linear_forward(np.zeros((4, 5)), np.zeros(5), np.zeros(3))
    _, cache = linear_forward(np.zeros((4, 5)), np.zeros((3, 5)), np.zeros(3))
    with pytest.raises(ValueError, match=r"dy must have shape \(N, O\) = \(4, 3\), got \(4, 1\)"):
        linear_backward(np.zeros((4, 1)), cache)
    with pytest.raises(ValueError, match="cache must be the tuple returned by linear_forward"):
        linear_backward(np.zeros((4, 3)), (np.zeros((4, 5)),))
    with pytest.raises(ValueError, match="cache must be the tuple returned by linear_forward"):
        linear_backward(np.zeros((4, 3)), None)
