"""Softmax cross-entropy (issue 12 contract): values, gradients, PyTorch parity, errors."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from rnnlib.gradcheck import numerical_gradient, rel_error
from rnnlib.losses import cross_entropy_loss, log_softmax


def _torch_ce(z, y, ignore_index=None):
    zt = torch.tensor(z, requires_grad=True)
    yt = torch.from_numpy(np.asarray(y, dtype=np.int64))
    kw = {} if ignore_index is None else {"ignore_index": ignore_index}
    # PyTorch wants the class axis second: (N, V, T)
    lt = F.cross_entropy(zt.permute(0, 2, 1) if z.ndim == 3 else zt, yt, **kw)
    lt.backward()
    return lt.item(), zt.grad.numpy()


@pytest.mark.parametrize("shape", [(7, 5), (3, 4, 6)])
def test_matches_torch_and_finite_differences(rng, shape):
    z = rng.normal(scale=2.0, size=shape)
    y = rng.integers(0, shape[-1], size=shape[:-1])
    loss, dz = cross_entropy_loss(z, y)
    lt, gt = _torch_ce(z, y)
    assert abs(loss - lt) < 1e-12
    assert rel_error(dz, gt) < 1e-10
    assert rel_error(dz, numerical_gradient(lambda v: cross_entropy_loss(v, y)[0], z)) < 1e-7


def test_ignore_index_matches_torch_and_leaves_padding_out(rng):
    z = rng.normal(size=(3, 5, 4))
    y = rng.integers(0, 4, size=(3, 5))
    y[0, 3:] = -1
    y[2, 1:] = -1
    loss, dz = cross_entropy_loss(z, y, ignore_index=-1)
    lt, gt = _torch_ce(z, y, ignore_index=-1)
    assert abs(loss - lt) < 1e-12
    assert rel_error(dz, gt) < 1e-10
    assert np.all(dz[y == -1] == 0.0)
    # the mean is over the 3 + 5 + 1 counted positions: padding does not dilute it
    counted = y != -1
    per_pos = -np.take_along_axis(log_softmax(z), np.where(counted, y, 0)[..., None], -1)[..., 0]
    assert loss == pytest.approx(per_pos[counted].mean(), rel=1e-14)
    fd = numerical_gradient(lambda v: cross_entropy_loss(v, y, ignore_index=-1)[0], z)
    assert rel_error(dz, fd) < 1e-7


def test_ignore_index_inside_the_vocabulary(rng):
    # a PAD id that is also a valid class (id 0) is left out when asked
    z = rng.normal(size=(4, 3))
    y = np.array([0, 1, 2, 0])
    loss, _ = cross_entropy_loss(z, y, ignore_index=0)
    assert loss == pytest.approx(cross_entropy_loss(z[1:3], y[1:3])[0], rel=1e-14)


def test_gradient_is_softmax_minus_onehot_over_count(rng):
    z = rng.normal(size=(6, 5))
    y = rng.integers(0, 5, size=6)
    _, dz = cross_entropy_loss(z, y)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(dz, (p - np.eye(5)[y]) / 6, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(dz.sum(axis=1), 0.0, atol=1e-15)


def test_uniform_logits_give_log_v():
    loss, _ = cross_entropy_loss(np.zeros((2, 3, 27)), np.ones((2, 3), dtype=int))
    assert loss == pytest.approx(np.log(27), rel=1e-14)


def test_finite_for_logits_of_magnitude_1000():
    z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]])
    y = np.array([1, 2])
    loss, dz = cross_entropy_loss(z, y)
    assert np.isfinite(loss) and np.all(np.isfinite(dz))
    lt, gt = _torch_ce(z, y)
    assert loss == pytest.approx(lt, rel=1e-12)  # (2000 + 1 + log(1 + e^-1)) / 2
    np.testing.assert_allclose(dz, gt, atol=1e-15)


def test_inputs_are_not_changed(rng):
    z = rng.normal(size=(2, 3, 4))
    y = rng.integers(0, 4, size=(2, 3))
    z0, y0 = z.copy(), y.copy()
    cross_entropy_loss(z, y, ignore_index=3)
    np.testing.assert_array_equal(z, z0)
    np.testing.assert_array_equal(y, y0)


def test_float32_stays_float32(rng):
    z = rng.normal(size=(4, 3)).astype(np.float32)
    _, dz = cross_entropy_loss(z, np.array([0, 1, 2, 0]))
    assert dz.dtype == np.float32


@pytest.mark.parametrize(
    ("z", "y", "kw", "match"),
    [
        (np.zeros(3), np.zeros((), dtype=int), {}, r"logits must have shape \(N, V\)"),
        (np.zeros((2, 3, 4, 5)), np.zeros((2, 3, 4), dtype=int), {}, "logits must have shape"),
        (np.zeros((2, 3)), np.zeros(2), {}, "targets must be an integer array"),
        (np.zeros((2, 3)), np.array([True, False]), {}, "targets must be an integer array"),
        (np.zeros((2, 3)), np.zeros(3, dtype=int), {}, r"targets must have shape \(N,\)"),
        (np.zeros((2, 4, 3)), np.zeros((2, 3), dtype=int), {}, r"targets must have shape \(N, T\)"),
        (np.zeros((2, 3)), np.array([0, 3]), {}, r"targets must lie in \[0, V\) = \[0, 3\)"),
        (np.zeros((2, 3)), np.array([-1, 0]), {}, r"targets\[0\] is -1"),
        (np.zeros((2, 3)), np.array([-1, -1]), {"ignore_index": -1}, "no position to average"),
        (np.zeros((2, 3)), np.array([0, 1]), {"ignore_index": 1.5}, "ignore_index must be"),
        (np.zeros((2, 3)), np.array([-2, 1]), {"ignore_index": -1}, r"targets\[0\] is -2"),
    ],
)
def test_bad_input_raises(z, y, kw, match):
    with pytest.raises(ValueError, match=match):
        cross_entropy_loss(z, y, **kw)


def test_log_softmax_rows_sum_to_one(rng):
    z = rng.normal(scale=50, size=(4, 7))
    np.testing.assert_allclose(np.exp(log_softmax(z)).sum(axis=1), 1.0, rtol=1e-14)
    with pytest.raises(ValueError, match="logits must have at least one axis"):
        log_softmax(np.float64(1.0))
