import numpy as np
import pytest
import torch

from rnnlib.data import sum_sign_dataset
from rnnlib.gradcheck import numerical_gradient, rel_error
from rnnlib.models import PARAM_NAMES, accuracy, init_params, loss_and_grads, model_forward
from rnnlib.train import train


@pytest.mark.parametrize("loss", ["mse", "bce"])
def test_model_gradients_finite_differences(rng, loss):
    params = init_params(2, 5, 1, rng)
    X = rng.normal(size=(4, 6, 2))
    y = (rng.random((4, 1)) > 0.5).astype(float)
    _, grads = loss_and_grads(params, X, y, loss)
    assert set(grads) == set(PARAM_NAMES)
    for name in PARAM_NAMES:

        def f(v, name=name):
            return loss_and_grads({**params, name: v}, X, y, loss)[0]

        assert rel_error(grads[name], numerical_gradient(f, params[name])) < 1e-7


def test_model_parity_with_torch(rng):
    params = init_params(1, 8, 1, rng)
    X, y = sum_sign_dataset(16, 7, rng)
    loss, grads = loss_and_grads(params, X, y, "bce")
    rnn = torch.nn.RNN(1, 8, batch_first=True, dtype=torch.float64)
    head = torch.nn.Linear(8, 1, dtype=torch.float64)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(params["Wxh"]))
        rnn.weight_hh_l0.copy_(torch.from_numpy(params["Whh"]))
        rnn.bias_ih_l0.copy_(torch.from_numpy(params["bh"]))
        rnn.bias_hh_l0.zero_()
        head.weight.copy_(torch.from_numpy(params["Why"]))
        head.bias.copy_(torch.from_numpy(params["by"]))
    out, _ = rnn(torch.from_numpy(X))
    lt = torch.nn.BCEWithLogitsLoss()(head(out[:, -1]), torch.from_numpy(y))
    lt.backward()
    assert abs(loss - lt.item()) < 1e-12
    pairs = {
        "Wxh": rnn.weight_ih_l0,
        "Whh": rnn.weight_hh_l0,
        "bh": rnn.bias_ih_l0,
        "Why": head.weight,
        "by": head.bias,
    }
    for name, p in pairs.items():
        assert rel_error(grads[name], p.grad.numpy()) < 1e-8


def test_init_params_shapes_and_range(rng):
    p = init_params(3, 16, 2, rng)
    shapes = {k: v.shape for k, v in p.items()}
    assert shapes == {"Wxh": (16, 3), "Whh": (16, 16), "bh": (16,), "Why": (2, 16), "by": (2,)}
    assert max(np.abs(v).max() for v in p.values()) <= 0.25


def test_training_learns_sum_sign(rng):
    X, y = sum_sign_dataset(500, 8, rng)
    Xv, yv = sum_sign_dataset(500, 8, rng)
    params = init_params(1, 16, 1, rng)
    before = {k: v.copy() for k, v in params.items()}
    acc0 = accuracy(params, Xv, yv)
    trained, hist = train(
        params,
        X,
        y,
        optimizer="adam",
        lr=0.01,
        epochs=15,
        batch_size=32,
        rng=rng,
        X_val=Xv,
        y_val=yv,
        progress=False,
    )
    assert len(hist["loss"]) == 15 and len(hist["val_acc"]) == 15
    assert hist["loss"][-1] < 0.5 * hist["loss"][0] or hist["loss"][-1] < 0.2
    assert hist["val_acc"][-1] > 0.9 > acc0
    for k in params:  # train() returns new parameters and leaves its input alone
        np.testing.assert_array_equal(params[k], before[k])
        assert not np.array_equal(trained[k], before[k])


def test_model_and_train_reject_bad_input(rng):
    params = init_params(1, 4, 1, rng)
    with pytest.raises(ValueError, match=r"X must have shape \(N, T, D\)"):
        model_forward(params, np.zeros((3, 4)))
    with pytest.raises(ValueError, match="params must be a dict with keys"):
        model_forward({"Wxh": params["Wxh"]}, np.zeros((3, 4, 1)))
    with pytest.raises(ValueError, match="loss must be one of"):
        loss_and_grads(params, np.zeros((3, 4, 1)), np.zeros((3, 1)), "hinge")
    with pytest.raises(ValueError, match="optimizer must be one of"):
        train(params, np.zeros((3, 4, 1)), np.zeros((3, 1)), optimizer="rmsprop")
    with pytest.raises(ValueError, match=r"X must have shape \(N, T, D\) and y shape \(N, O\)"):
        train(params, np.zeros((3, 4, 1)), np.zeros((2, 1)))
