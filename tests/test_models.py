import numpy as np
import pytest
import torch

from rnnlib.data import sum_sign_dataset
from rnnlib.gradcheck import numerical_gradient, rel_error
from rnnlib.losses import mse_loss, sigmoid
from rnnlib.models import (
    PARAM_NAMES,
    accuracy,
    accuracy_from_proba,
    init_params,
    loss_and_grads,
    model_backward,
    model_forward,
    predict_proba,
)
from rnnlib.rnn import rnn_backward
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


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0, 4, 1), "input_size must be a positive integer, got 0"),
        ((1, 2.5, 1), "hidden_size must be a positive integer, got 2.5"),
        ((1, 4, -1), "output_size must be a positive integer, got -1"),
        ((1, True, 1), "hidden_size must be a positive integer, got True"),
    ],
)
def test_init_params_rejects_bad_sizes(rng, args, message):
    with pytest.raises(ValueError, match=message):
        init_params(*args, rng)


def test_init_params_rejects_a_seed_instead_of_a_generator():
    with pytest.raises(ValueError, match=r"rng must be a numpy.random.Generator"):
        init_params(1, 4, 1, 0)


def test_model_forward_names_X_for_a_wrong_feature_size(rng):
    params = init_params(1, 4, 1, rng)
    with pytest.raises(
        ValueError, match=r"X must have shape \(N, T, D\) = \(\?, \?, 1\), got \(3, 4, 2\)"
    ):
        model_forward(params, np.zeros((3, 4, 2)))


def test_model_forward_default_h0_follows_the_params_dtype(rng):
    params = init_params(2, 4, 1, rng)
    X = rng.normal(size=(3, 5, 2))
    out64, _ = model_forward(params, X)
    assert out64.dtype == np.float64
    params32 = {k: v.astype(np.float32) for k, v in params.items()}
    out32, cache = model_forward(params32, X.astype(np.float32))
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32, out64, rtol=1e-5, atol=1e-6)
    grads = model_backward(np.ones_like(out32), cache)
    assert all(g.dtype == np.float32 for g in grads.values())


def test_model_backward_rejects_bad_dout_and_cache(rng):
    params = init_params(2, 4, 1, rng)
    out, cache = model_forward(params, np.zeros((3, 5, 2)))
    with pytest.raises(ValueError, match=r"dout must have shape \(N, O\) = \(3, 1\), got \(3, 2\)"):
        model_backward(np.zeros((3, 2)), cache)
    with pytest.raises(ValueError, match=r"dout must have shape \(N, O\) = \(3, 1\), got \(3,\)"):
        model_backward(np.zeros(3), cache)
    with pytest.raises(ValueError, match="dout must be a numeric array"):
        model_backward(np.array([["a"]]), cache)
    for junk in (None, (), cache[1], [*cache]):
        with pytest.raises(ValueError, match="cache must be the tuple returned by model_forward"):
            model_backward(np.ones_like(out), junk)
    with pytest.raises(ValueError, match="rnn_backward_fn must be callable, got str"):
        model_backward(np.ones_like(out), cache, rnn_backward_fn="rnn_backward")


def test_model_backward_input_grads_and_rnn_backward_fn(rng):
    params = init_params(2, 4, 1, rng)
    X, y, h0 = rng.normal(size=(3, 5, 2)), rng.normal(size=(3, 1)), rng.normal(size=(3, 4))
    out, cache = model_forward(params, X, h0)
    _, dout = mse_loss(out, y)
    grads, input_grads = model_backward(dout, cache, return_input_grads=True)
    for name, value in grads.items():
        np.testing.assert_array_equal(value, model_backward(dout, cache)[name])

    def f_x(v):
        return mse_loss(model_forward(params, v, h0)[0], y)[0]

    def f_h0(v):
        return mse_loss(model_forward(params, X, v)[0], y)[0]

    assert rel_error(input_grads["X"], numerical_gradient(f_x, X)) < 1e-7
    assert rel_error(input_grads["h0"], numerical_gradient(f_h0, h0)) < 1e-7

    calls = []

    def zero_backward(dhs, rnn_cache):
        calls.append(dhs)
        return tuple(np.zeros_like(g) for g in rnn_backward(dhs, rnn_cache))

    swapped = model_backward(dout, cache, rnn_backward_fn=zero_backward)
    assert len(calls) == 1 and np.all(calls[0][:, :-1] == 0)  # gradient on the last state only
    for name in ("Wxh", "Whh", "bh"):
        np.testing.assert_array_equal(swapped[name], 0.0)
    for name in ("Why", "by"):  # the head does not depend on the RNN's backward
        np.testing.assert_array_equal(swapped[name], grads[name])


def test_predict_proba_and_accuracy(rng):
    params = init_params(1, 4, 1, rng)
    X = rng.normal(size=(6, 3, 1))
    p = predict_proba(params, X)
    np.testing.assert_array_equal(p, sigmoid(model_forward(params, X)[0]))
    assert p.shape == (6, 1) and np.all((p > 0) & (p < 1))
    y = (p > 0.5).astype(float)
    assert accuracy(params, X, y) == 1.0
    assert accuracy(params, X, 1 - y) == 0.0
    assert accuracy_from_proba(np.array([[0.9], [0.2], [0.6]]), np.array([[1], [1], [0]])) == 1 / 3


def test_predict_proba_and_accuracy_reject_bad_input(rng):
    params = init_params(1, 4, 1, rng)
    X = np.zeros((3, 2, 1))
    with pytest.raises(ValueError, match=r"X must have shape \(N, T, D\)"):
        predict_proba(params, np.zeros((3, 2)))
    with pytest.raises(ValueError, match="params must be a dict with keys"):
        predict_proba({}, X)
    with pytest.raises(ValueError, match=r"y must have shape \(N, O\) = \(3, 1\), got \(3,\)"):
        accuracy(params, X, np.zeros(3))
    with pytest.raises(ValueError, match=r"y must have shape \(N, O\) = \(3, 1\), got \(2, 1\)"):
        accuracy(params, X, np.zeros((2, 1)))
    with pytest.raises(ValueError, match="y must be a numeric array"):
        accuracy(params, X, np.array([["a"], ["b"], ["c"]]))
    with pytest.raises(ValueError, match=r"y must have shape \(N, O\) = \(2, 1\)"):
        accuracy_from_proba(np.zeros((2, 1)), np.zeros((1, 2)))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_model_functions_reject_data_with_nan_or_inf(rng, bad):
    params = init_params(1, 4, 1, rng)
    X, y = rng.normal(size=(5, 3, 1)), np.ones((5, 1))
    X_bad, y_bad = X.copy(), y.copy()
    X_bad[2, 1, 0] = bad
    y_bad[3, 0] = bad
    x_message = rf"X must hold finite numbers, but X\[2, 1, 0\] is {bad} \(1 of 15 entries is"
    y_message = rf"y must hold finite numbers, but y\[3, 0\] is {bad} \(1 of 5 entries is"
    for call in (
        lambda: model_forward(params, X_bad),
        lambda: predict_proba(params, X_bad),
        lambda: accuracy(params, X_bad, y),
        lambda: loss_and_grads(params, X_bad, y, "mse"),
    ):
        with pytest.raises(ValueError, match=x_message):
            call()
    for call in (
        lambda: accuracy(params, X, y_bad),
        lambda: accuracy_from_proba(np.full((5, 1), 0.7), y_bad),
        lambda: loss_and_grads(params, X, y_bad, "bce"),
    ):
        with pytest.raises(ValueError, match=y_message):
            call()
    h0 = np.zeros((5, 4))
    h0[4, 3] = bad
    with pytest.raises(ValueError, match=rf"h0 must hold finite numbers, but h0\[4, 3\] is {bad}"):
        model_forward(params, X, h0=h0)


def test_nan_message_counts_every_bad_entry_and_names_the_first(rng):
    params = init_params(1, 4, 1, rng)
    X = np.zeros((4, 3, 1))
    X[3, 0, 0], X[1, 2, 0], X[2, 1, 0] = np.inf, np.nan, np.nan  # the first in C order: X[1, 2, 0]
    with pytest.raises(ValueError, match=r"X\[1, 2, 0\] is nan \(3 of 12 entries are NaN or inf"):
        model_forward(params, X)
    # Lists are checked as arrays, and finite data passes unchanged.
    with pytest.raises(ValueError, match=r"X\[0, 1, 0\] is nan"):
        model_forward(params, [[[0.0], [float("nan")]]])
    out, _ = model_forward(params, X[:1])
    assert np.isfinite(out).all()
