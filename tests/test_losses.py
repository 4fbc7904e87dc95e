import numpy as np
import pytest
import torch

from rnnlib.gradcheck import numerical_gradient, rel_error
from rnnlib.losses import bce_with_logits_loss, mse_loss, sigmoid


def test_mse_matches_torch_and_finite_differences(rng):
    pred, y = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    loss, dpred = mse_loss(pred, y)
    pt = torch.tensor(pred, requires_grad=True)
    lt = torch.nn.MSELoss()(pt, torch.from_numpy(y))
    lt.backward()
    assert abs(loss - lt.item()) < 1e-12
    assert rel_error(dpred, pt.grad.numpy()) < 1e-10
    assert rel_error(dpred, numerical_gradient(lambda p: mse_loss(p, y)[0], pred)) < 1e-7


def test_bce_matches_torch_and_finite_differences(rng):
    z = rng.normal(scale=3, size=(6, 1))
    y = (rng.random((6, 1)) > 0.5).astype(float)
    loss, dz = bce_with_logits_loss(z, y)
    zt = torch.tensor(z, requires_grad=True)
    lt = torch.nn.BCEWithLogitsLoss()(zt, torch.from_numpy(y))
    lt.backward()
    assert abs(loss - lt.item()) < 1e-12
    assert rel_error(dz, zt.grad.numpy()) < 1e-10
    assert rel_error(dz, numerical_gradient(lambda v: bce_with_logits_loss(v, y)[0], z)) < 1e-7


def test_bce_gradient_is_p_minus_y_over_n(rng):
    z, y = rng.normal(size=(8, 1)), np.ones((8, 1))
    _, dz = bce_with_logits_loss(z, y)
    np.testing.assert_allclose(dz, (1 / (1 + np.exp(-z)) - y) / 8, rtol=1e-12)


def test_bce_finite_for_huge_logits():
    z = np.array([[1000.0], [-1000.0], [1000.0], [-1000.0]])
    y = np.array([[1.0], [0.0], [0.0], [1.0]])
    loss, dz = bce_with_logits_loss(z, y)
    lt = torch.nn.BCEWithLogitsLoss()(torch.from_numpy(z), torch.from_numpy(y))
    assert np.isfinite(loss) and np.all(np.isfinite(dz))
    assert loss == pytest.approx(lt.item(), rel=1e-12)
    assert loss == pytest.approx(500.0)
    np.testing.assert_allclose(dz.ravel(), [0, 0, 0.25, -0.25])


def test_sigmoid_stable_and_symmetric():
    z = np.array([-1000.0, -5.0, 0.0, 5.0, 1000.0])
    s = sigmoid(z)
    assert np.all(np.isfinite(s))
    np.testing.assert_allclose(s + sigmoid(-z), 1.0, rtol=1e-15)
    assert s[2] == 0.5


@pytest.mark.parametrize("loss_fn", [mse_loss, bce_with_logits_loss])
def test_losses_reject_mismatched_shapes(loss_fn):
    with pytest.raises(ValueError, match=r"y must have shape .* = \(4, 1\), got \(4, 1, 1\)"):
        loss_fn(np.zeros((4, 1)), np.zeros((4, 1, 1)))
    with pytest.raises(ValueError, match=r"got \(4,\)"):
        loss_fn(np.zeros((4, 1)), np.zeros(4))


def test_sigmoid_values_and_bad_input():
    np.testing.assert_allclose(sigmoid([[-2.0, 3.0]]), 1 / (1 + np.exp([[2.0, -3.0]])), rtol=1e-15)
    assert sigmoid(0) == 0.5  # integers are accepted (as floats)
    with pytest.raises(ValueError, match="z must be a numeric array, got dtype <U1"):
        sigmoid(np.array(["a"]))
    with pytest.raises(ValueError, match="z must be a numeric array, got dtype object"):
        sigmoid(np.array([None]))


@pytest.mark.parametrize(
    ("loss_fn", "name"), [(mse_loss, "y_pred"), (bce_with_logits_loss, "logits")]
)
def test_losses_reject_scalar_and_non_numeric_predictions(loss_fn, name):
    with pytest.raises(ValueError, match=rf"{name} must have at least one axis, got shape \(\)"):
        loss_fn(0.5, 1.0)
    with pytest.raises(ValueError, match=f"{name} must be a numeric array"):
        loss_fn(np.array([["a"]]), np.zeros((1, 1)))
    with pytest.raises(ValueError, match="y must be a numeric array"):
        loss_fn(np.zeros((1, 1)), np.array([["a"]]))


@pytest.mark.parametrize("bad", [-0.5, 1.5, np.nan])
def test_bce_rejects_targets_outside_0_1(bad):
    y = np.array([[0.0], [1.0], [bad]])
    with pytest.raises(ValueError, match=r"y must hold targets in \[0, 1\]"):
        bce_with_logits_loss(np.zeros((3, 1)), y)


def test_bce_accepts_soft_targets_like_torch(rng):
    z, y = rng.normal(size=(5, 2)), rng.random((5, 2))  # probabilities, not only 0/1
    loss, _ = bce_with_logits_loss(z, y)
    expected = torch.nn.BCEWithLogitsLoss()(torch.from_numpy(z), torch.from_numpy(y)).item()
    assert loss == pytest.approx(expected, rel=1e-12)
