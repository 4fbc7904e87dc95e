"""Embedding lookup (issue 12 contract): values, accumulation, PyTorch parity, errors."""

import numpy as np
import pytest
import torch

from rnnlib.gradcheck import numerical_gradient, rel_error
from rnnlib.layers import embedding_backward, embedding_forward


def test_lookup_equals_onehot_times_matrix(rng):
    W = rng.normal(size=(6, 4))
    ids = rng.integers(0, 6, size=(3, 5))
    out, _ = embedding_forward(ids, W)
    assert out.shape == (3, 5, 4)
    np.testing.assert_allclose(out, np.eye(6)[ids] @ W, rtol=0, atol=1e-15)


def test_repeated_ids_accumulate():
    W = np.zeros((3, 2))
    ids = np.array([[1, 1, 2]])
    dout = np.array([[[1.0, 2.0], [10.0, 20.0], [5.0, 5.0]]])
    _, cache = embedding_forward(ids, W)
    dW = embedding_backward(dout, cache)
    np.testing.assert_array_equal(dW, [[0, 0], [11, 22], [5, 5]])


def test_matches_torch_and_finite_differences(rng):
    V, E = 7, 3
    W = rng.normal(size=(V, E))
    ids = rng.integers(0, V, size=(4, 6))  # 24 draws from 7 ids: repeats guaranteed
    dout = rng.normal(size=(4, 6, E))
    out, cache = embedding_forward(ids, W)
    dW = embedding_backward(dout, cache)
    emb = torch.nn.Embedding(V, E, dtype=torch.float64)
    with torch.no_grad():
        emb.weight.copy_(torch.from_numpy(W))
    ot = emb(torch.from_numpy(ids))
    (ot * torch.from_numpy(dout)).sum().backward()
    np.testing.assert_array_equal(out, ot.detach().numpy())
    assert rel_error(dW, emb.weight.grad.numpy()) < 1e-12
    fd = numerical_gradient(lambda w: float((embedding_forward(ids, w)[0] * dout).sum()), W)
    assert rel_error(dW, fd) < 1e-7


def test_unused_rows_get_zero_gradient(rng):
    W = rng.normal(size=(5, 2))
    _, cache = embedding_forward(np.array([[0, 2]]), W)
    dW = embedding_backward(np.ones((1, 2, 2)), cache)
    assert np.all(dW[[1, 3, 4]] == 0)


@pytest.mark.parametrize(
    ("ids", "match"),
    [
        (np.array([[0.0, 1.0]]), "ids must be an integer array"),
        (np.array([[True, False]]), "ids must be an integer array"),
        (np.array([[0, 5]]), r"ids must lie in \[0, V\) = \[0, 5\), but ids\[0, 1\] is 5"),
        (np.array([[-1, 0]]), r"ids\[0, 0\] is -1"),
        (np.array([0, 1]), r"ids must have shape \(N, T\)"),
    ],
)
def test_bad_ids_raise(ids, match):
    with pytest.raises(ValueError, match=match):
        embedding_forward(ids, np.zeros((5, 3)))


def test_bad_table_and_gradient_raise():
    with pytest.raises(ValueError, match=r"W must have shape \(V, E\)"):
        embedding_forward(np.zeros((1, 2), dtype=int), np.zeros(5))
    _, cache = embedding_forward(np.zeros((1, 2), dtype=int), np.zeros((5, 3)))
    with pytest.raises(ValueError, match=r"dout must have shape \(N, T, E\)"):
        embedding_backward(np.zeros((1, 2, 4)), cache)
    with pytest.raises(ValueError, match="cache must be the tuple returned by embedding_forward"):
        embedding_backward(np.zeros((1, 2, 3)), (1, 2, 3))
