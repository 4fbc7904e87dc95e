import numpy as np
import pytest
import torch
from torch import nn

from rnnlib.data import adding_problem, sum_sign_dataset
from rnnlib.gradcheck import rel_error
from rnnlib.models import PARAM_NAMES, init_params, loss_and_grads, model_forward
from rnnlib.torch_models import (
    SequenceModel,
    binary_accuracy,
    evaluate_loss,
    get_device,
    load_numpy_params,
    numpy_grads,
    predict,
    train_torch,
)


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models run fastest on one thread (and do not fight over a busy CPU)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_output_shape_and_layers(cell):
    torch.manual_seed(0)
    model = SequenceModel(3, 5, cell=cell, output_size=2)
    assert isinstance(model.recurrent, {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell])
    assert model.recurrent.batch_first
    out = model(torch.randn(4, 7, 3))
    assert out.shape == (4, 2)


def test_output_reads_last_hidden_state():
    torch.manual_seed(0)
    model = SequenceModel(2, 4, cell="gru")
    x = torch.randn(3, 6, 2)
    hs, _ = model.recurrent(x)
    torch.testing.assert_close(model(x), model.head(hs[:, -1]))


def test_get_device_matches_cuda_availability():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert get_device() == torch.device(expected)


def test_load_numpy_params_parity_outputs_and_grads(rng):
    params = init_params(1, 8, 1, rng)
    X, y = sum_sign_dataset(16, 7, rng)
    model = load_numpy_params(SequenceModel(1, 8, dtype=torch.float64), params)
    out_np, _ = model_forward(params, X)
    out_t = model(torch.from_numpy(X))
    assert out_t.shape == out_np.shape
    assert rel_error(out_np, out_t.detach().numpy()) < 1e-10

    loss_np, grads_np = loss_and_grads(params, X, y, "bce")
    loss_t = nn.BCEWithLogitsLoss()(out_t, torch.from_numpy(y))
    loss_t.backward()
    assert abs(loss_np - loss_t.item()) < 1e-12
    grads_t = numpy_grads(model)
    assert set(grads_t) == set(PARAM_NAMES)
    for name in PARAM_NAMES:
        assert grads_t[name].shape == params[name].shape
        assert rel_error(grads_np[name], grads_t[name]) < 1e-8
    np.testing.assert_array_equal(model.recurrent.bias_hh_l0.detach().numpy(), np.zeros(8))


def test_load_numpy_params_leaves_params_untouched(rng):
    params = init_params(2, 3, 1, rng)
    copies = {k: v.copy() for k, v in params.items()}
    model = load_numpy_params(SequenceModel(2, 3, dtype=torch.float64), params)
    with torch.no_grad():
        model.recurrent.weight_hh_l0.add_(1.0)
    for k in params:
        np.testing.assert_array_equal(params[k], copies[k])


def test_load_numpy_params_rejects_bad_input(rng):
    params = init_params(1, 8, 1, rng)
    model = SequenceModel(1, 8, dtype=torch.float64)
    with pytest.raises(ValueError, match=r"Whh must have shape \(H, H\) = \(8, 8\), got \(4, 4\)"):
        load_numpy_params(model, {**params, "Whh": np.zeros((4, 4))})
    with pytest.raises(ValueError, match=r"by must have shape \(O,\) = \(1,\), got \(2,\)"):
        load_numpy_params(model, {**params, "by": np.zeros(2)})
    with pytest.raises(ValueError, match="params must be a dict with keys"):
        load_numpy_params(model, {"Wxh": params["Wxh"]})
    with pytest.raises(ValueError, match="cell='rnn'"):
        load_numpy_params(SequenceModel(1, 8, cell="lstm"), params)
    with pytest.raises(ValueError, match="call loss.backward"):
        numpy_grads(model)


def test_constructor_and_forward_reject_bad_input():
    with pytest.raises(ValueError, match="cell must be one of"):
        SequenceModel(1, 4, cell="transformer")
    with pytest.raises(ValueError, match="hidden_size must be a positive integer"):
        SequenceModel(1, 0)
    model = SequenceModel(2, 4)
    with pytest.raises(
        ValueError, match=r"x must have shape \(N, T, D\) = \(\?, \?, 2\), got \(5, 2\)"
    ):
        model(torch.zeros(5, 2))
    with pytest.raises(ValueError, match=r"x must have shape \(N, T, D\)"):
        model(torch.zeros(5, 3, 1))


def test_evaluation_helpers():
    torch.manual_seed(0)
    model = SequenceModel(1, 4)
    X = torch.randn(10, 5, 1)
    with torch.no_grad():
        logits = model(X)
    y = (logits > 0).float()
    assert binary_accuracy(model, X, y) == 1.0
    assert binary_accuracy(model, X, 1 - y) == 0.0
    torch.testing.assert_close(predict(model, X, batch_size=3), logits)
    expected = nn.MSELoss()(logits, torch.zeros_like(logits)).item()
    assert evaluate_loss(model, X, torch.zeros(10, 1), nn.MSELoss()) == pytest.approx(expected)
    with pytest.raises(
        ValueError, match=r"y must have shape \(N, O\) = \(10, 1\), got \(10, 1, 1\)"
    ):
        binary_accuracy(model, X, y[:, :, None])
    with pytest.raises(ValueError, match=r"y must have shape \(N, O\)"):
        evaluate_loss(model, X, torch.zeros(10), nn.MSELoss())


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_train_torch_reduces_loss_on_tiny_problem(cell):
    torch.manual_seed(0)
    X, y = adding_problem(256, 6, np.random.default_rng(0))
    X, y = torch.tensor(X, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)
    model = SequenceModel(2, 16, cell=cell)
    loss_fn = nn.MSELoss()
    before = evaluate_loss(model, X, y, loss_fn)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(X, y),
        batch_size=32,
        shuffle=True,
        generator=torch.Generator().manual_seed(0),
    )
    hist = train_torch(
        model,
        loader,
        loss_fn,
        torch.optim.Adam(model.parameters(), lr=1e-2),
        epochs=10,
        clip=1.0,
        val_data=(X, y),
        progress=False,
    )
    assert len(hist["loss"]) == 10 * 8 and len(hist["grad_norm"]) == 80
    assert hist["eval_step"] == [8 * (e + 1) for e in range(10)]
    assert hist["val_loss"][-1] == pytest.approx(evaluate_loss(model, X, y, loss_fn))
    assert hist["val_loss"][-1] < 0.5 * before


def test_train_torch_steps_full_batch_and_metrics():
    torch.manual_seed(0)
    X, y = sum_sign_dataset(200, 5, np.random.default_rng(1))
    X, y = torch.tensor(X, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)
    model = SequenceModel(1, 8)
    hist = train_torch(
        model,
        (X, y),
        nn.BCEWithLogitsLoss(),
        torch.optim.Adam(model.parameters(), lr=2e-2),
        steps=60,
        eval_every=25,
        val_data=(X, y),
        metrics={"acc": binary_accuracy},
        progress=False,
    )
    assert len(hist["loss"]) == 60
    assert hist["eval_step"] == [25, 50, 60]
    assert len(hist["val_acc"]) == 3
    assert hist["loss"][-1] < hist["loss"][0]
    assert hist["val_acc"][-1] > 0.8


def test_train_torch_clip_bounds_the_update():
    torch.manual_seed(0)
    X, y = torch.randn(8, 4, 1), torch.full((8, 1), 100.0)
    model = SequenceModel(1, 4)
    before = [p.detach().clone() for p in model.parameters()]
    hist = train_torch(
        model,
        (X, y),
        nn.MSELoss(),
        torch.optim.SGD(model.parameters(), lr=1.0),
        steps=1,
        clip=0.5,
        progress=False,
    )
    assert hist["grad_norm"][0] > 0.5  # the norm is recorded before clipping
    step = torch.sqrt(
        sum(((p.detach() - b) ** 2).sum() for p, b in zip(model.parameters(), before))
    )
    assert float(step) == pytest.approx(0.5, rel=1e-4)


def test_train_torch_rejects_bad_input():
    model = SequenceModel(1, 4)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    data = (torch.zeros(4, 3, 1), torch.zeros(4, 1))
    loss_fn = nn.MSELoss()
    with pytest.raises(ValueError, match="exactly one of epochs and steps"):
        train_torch(model, data, loss_fn, opt, progress=False)
    with pytest.raises(ValueError, match="exactly one of epochs and steps"):
        train_torch(model, data, loss_fn, opt, epochs=1, steps=1, progress=False)
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        train_torch(model, data, loss_fn, opt, epochs=0, progress=False)
    with pytest.raises(ValueError, match="clip must be a positive number"):
        train_torch(model, data, loss_fn, opt, epochs=1, clip=-1.0, progress=False)
    with pytest.raises(ValueError, match=r"\(N, T, D\) and \(N, O\), got \(4, 3\) and \(4, 1\)"):
        train_torch(model, (torch.zeros(4, 3), torch.zeros(4, 1)), loss_fn, opt, epochs=1)
    with pytest.raises(ValueError, match="data must be a DataLoader"):
        train_torch(model, [data], loss_fn, opt, epochs=1)
    with pytest.raises(ValueError, match="model must be a torch.nn.Module"):
        train_torch(object(), data, loss_fn, opt, epochs=1)
    with pytest.raises(ValueError, match="val_data must be a tuple"):
        train_torch(model, data, loss_fn, opt, epochs=1, val_data=data[0], progress=False)
