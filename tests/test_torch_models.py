import signal
import warnings

import numpy as np
import pytest
import torch
from torch import nn

from rnnlib.data import adding_problem, sum_sign_dataset
from rnnlib.gradcheck import rel_error
from rnnlib.lstm import lstm_forward
from rnnlib.models import PARAM_NAMES, init_params, loss_and_grads, model_forward
from rnnlib.torch_models import (
    SequenceModel,
    binary_accuracy,
    evaluate_loss,
    get_device,
    load_numpy_params,
    lstm_gates,
    numpy_grads,
    predict,
    train_torch,
)
from rnnlib.train import TrainingDiverged


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


@pytest.mark.parametrize(("available", "kind"), [(True, "cuda"), (False, "cpu")])
def test_get_device_picks_the_gpu_only_when_available(monkeypatch, available, kind):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: available)
    device = get_device()
    assert isinstance(device, torch.device) and device.type == kind


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


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((1, 4), {"cell": "transformer"}, r"cell must be one of \['gru', 'lstm', 'rnn'\]"),
        ((1, 4), {"cell": "RNN"}, "cell must be one of"),
        ((1, 0), {}, "hidden_size must be a positive integer, got 0"),
        ((1, 2.0), {}, "hidden_size must be a positive integer, got 2.0"),
        ((0, 4), {}, "input_size must be a positive integer, got 0"),
        (("1", 4), {}, "input_size must be a positive integer, got '1'"),
        ((1, 4), {"output_size": 0}, "output_size must be a positive integer, got 0"),
        ((1, 4), {"output_size": None}, "output_size must be a positive integer, got None"),
    ],
)
def test_constructor_rejects_bad_arguments(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        SequenceModel(*args, **kwargs)


def test_forward_rejects_bad_input():
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


def _setup():
    torch.manual_seed(0)
    model = SequenceModel(1, 4)
    data = (torch.randn(6, 3, 1), torch.randn(6, 1))
    return model, data, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=0.1)


def _empty_loader(**kwargs):
    dataset = torch.utils.data.TensorDataset(torch.zeros(3, 2, 1), torch.zeros(3, 1))
    return torch.utils.data.DataLoader(dataset, **kwargs)


@pytest.mark.parametrize(
    "loader",
    [
        _empty_loader(batch_size=4, drop_last=True),  # 3 sequences, no full batch of 4
        torch.utils.data.DataLoader(
            torch.utils.data.TensorDataset(torch.zeros(0, 2, 1), torch.zeros(0, 1))
        ),
    ],
)
@pytest.mark.parametrize("length", [{"steps": 5}, {"epochs": 2}])
def test_train_torch_rejects_an_empty_loader_up_front(loader, length):
    model, _, loss_fn, opt = _setup()

    def hung(signum, frame):
        raise TimeoutError("train_torch loops forever on an empty loader")

    previous = signal.signal(signal.SIGALRM, hung)  # without the check, steps= never ends
    signal.alarm(20)
    try:
        with pytest.raises(ValueError, match="data has no batches"):
            train_torch(model, loader, loss_fn, opt, progress=False, **length)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_train_torch_rejects_an_empty_tensor_pair():
    model, _, loss_fn, opt = _setup()
    with pytest.raises(ValueError, match="data has no batches"):
        train_torch(model, (torch.zeros(0, 2, 1), torch.zeros(0, 1)), loss_fn, opt, steps=3)


def test_train_torch_eval_every():
    model, data, loss_fn, opt = _setup()
    kw = dict(val_data=data, progress=False)
    hist = train_torch(model, data, loss_fn, opt, steps=40, **kw)
    assert hist["eval_step"] == list(range(2, 41, 2))  # default: every steps // 20 updates
    hist = train_torch(model, data, loss_fn, opt, steps=7, eval_every=3, **kw)
    assert hist["eval_step"] == [3, 6, 7]  # and after the last update
    for bad in (0, -2, 1.5, True):
        with pytest.raises(ValueError, match=f"eval_every must be a positive integer, got {bad}"):
            train_torch(model, data, loss_fn, opt, steps=7, eval_every=bad, **kw)
    with pytest.raises(ValueError, match="eval_every works with steps only"):
        train_torch(model, data, loss_fn, opt, epochs=2, eval_every=1, **kw)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"optimizer": "adam"}, "optimizer must be a torch.optim.Optimizer"),
        ({"optimizer": None}, "optimizer must be a torch.optim.Optimizer"),
        ({"loss_fn": "mse"}, "loss_fn must be callable"),
        ({"metrics": [binary_accuracy]}, "metrics must be a dict of str to callable"),
        ({"metrics": {"acc": 0.5}}, "metrics must be a dict of str to callable"),
        ({"metrics": {1: binary_accuracy}}, "metrics must be a dict of str to callable"),
        (
            {"metrics": {"acc": binary_accuracy}, "val_data": None},
            "metrics are computed on val_data",
        ),
        ({"val_data": (torch.zeros(2, 3, 1),)}, r"val_data must be a tuple \(X_val, y_val\)"),
        (
            {"val_data": (np.zeros((2, 3, 1)), torch.zeros(2, 1))},
            r"X_val must be a torch.Tensor .* NumPy array: convert it with torch.from_numpy",
        ),
        (
            {"val_data": (torch.zeros(2, 3, 1), [[0.0], [1.0]])},
            r"y_val must be a torch.Tensor of shape \(M, O\), got list",
        ),
        (
            {"val_data": (torch.zeros(2, 3), torch.zeros(2, 1))},
            r"X_val must have shape \(M, T, D\), got \(2, 3\)",
        ),
        (
            {"val_data": (torch.zeros(2, 3, 1), torch.zeros(2))},
            r"y_val must have shape \(M, O\), got \(2,\)",
        ),
        (
            {"val_data": (torch.zeros(2, 3, 1), torch.zeros(3, 1))},
            "X_val and y_val must hold the same number M >= 1 of sequences",
        ),
        (
            {"val_data": (torch.zeros(0, 3, 1), torch.zeros(0, 1))},
            "X_val and y_val must hold the same number M >= 1 of sequences",
        ),
        (
            {"val_data": (torch.zeros(2, 3, 2), torch.zeros(2, 1))},
            r"val_data must have shapes \(M, T, 1\) and \(M, 1\) like data, got \(2, 3, 2\)",
        ),
        (
            {"val_data": (torch.zeros(2, 3, 1), torch.zeros(2, 2))},
            r"val_data must have shapes \(M, T, 1\) and \(M, 1\)",
        ),
    ],
)
def test_train_torch_checks_arguments_before_training(change, message):
    model, data, loss_fn, opt = _setup()
    before = [p.detach().clone() for p in model.parameters()]
    kw = {"loss_fn": loss_fn, "optimizer": opt, "val_data": data, **change}
    with pytest.raises(ValueError, match=message):
        train_torch(
            model,
            data,
            kw["loss_fn"],
            kw["optimizer"],
            steps=3,
            progress=False,
            val_data=kw["val_data"],
            metrics=kw.get("metrics"),
        )
    for p, b in zip(model.parameters(), before):  # nothing was trained
        torch.testing.assert_close(p, b, rtol=0, atol=0)


def test_train_torch_accepts_validation_sequences_of_another_length():
    model, data, loss_fn, opt = _setup()
    val = (torch.randn(4, 9, 1), torch.randn(4, 1))
    hist = train_torch(model, data, loss_fn, opt, epochs=2, val_data=val, progress=False)
    assert hist["val_loss"][-1] == evaluate_loss(model, *val, loss_fn)


@pytest.mark.parametrize("fn", [predict, binary_accuracy, evaluate_loss])
def test_evaluation_helpers_reject_bad_model_and_inputs(fn):
    model, (X, y), loss_fn, _ = _setup()
    extra = {predict: (), binary_accuracy: (y,), evaluate_loss: (y, loss_fn)}[fn]
    with pytest.raises(ValueError, match="model must be a torch.nn.Module, got function"):
        fn(lambda x: x, X, *extra)
    with pytest.raises(
        ValueError, match=r"X must be a torch.Tensor of shape \(N, T, D\), got a NumPy array"
    ):
        fn(model, X.numpy(), *extra)
    with pytest.raises(ValueError, match="torch.from_numpy"):
        fn(model, X.numpy(), *extra)
    with pytest.raises(
        ValueError, match=r"X must be a torch.Tensor of shape \(N, T, D\), got list"
    ):
        fn(model, X.tolist(), *extra)
    with pytest.raises(ValueError, match=r"X must have shape \(N, T, D\), got \(6, 3\)"):
        fn(model, X[:, :, 0], *extra)


def test_evaluation_helpers_reject_bad_y_batch_size_and_loss_fn():
    model, (X, y), loss_fn, _ = _setup()
    for bad in (0, -1, 2.5):
        with pytest.raises(ValueError, match="batch_size must be a positive integer"):
            predict(model, X, batch_size=bad)
    with pytest.raises(ValueError, match=r"y must be a torch.Tensor .* NumPy array"):
        binary_accuracy(model, X, y.numpy())
    with pytest.raises(ValueError, match=r"y must be a torch.Tensor .* NumPy array"):
        evaluate_loss(model, X, y.numpy(), loss_fn)
    with pytest.raises(ValueError, match="loss_fn must be callable"):
        evaluate_loss(model, X, y, "mse")


def _float64_lstm(D, H, seed=0):
    torch.manual_seed(seed)
    return nn.LSTM(D, H, batch_first=True, dtype=torch.float64)


@pytest.mark.parametrize("given_states", [False, True])
def test_lstm_gates_match_the_numpy_lstm_cache(rng, given_states):
    N, T, D, H = 3, 6, 2, 5
    lstm = _float64_lstm(D, H)
    X = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H)) if given_states else np.zeros((N, H))
    c0 = rng.standard_normal((N, H)) if given_states else np.zeros((N, H))
    states = {"h0": torch.from_numpy(h0), "c0": torch.from_numpy(c0)} if given_states else {}
    gates = lstm_gates(lstm, torch.from_numpy(X), **states)

    p = {name: t.detach().numpy() for name, t in lstm.named_parameters()}
    b = p["bias_ih_l0"] + p["bias_hh_l0"]  # (4H,): the NumPy LSTM has one bias
    hs, cache = lstm_forward(X, h0, c0, p["weight_ih_l0"], p["weight_hh_l0"], b)
    expected = cache[5]  # (N, T, 4H): activations i, f, g, o (sigmoid, sigmoid, tanh, sigmoid)
    assert expected.shape == (N, T, 4 * H)
    assert list(gates) == ["i", "f", "g", "o"]
    for k, name in enumerate("ifgo"):
        got = gates[name]
        assert got.shape == (N, T, H) and got.dtype == torch.float64
        assert not got.requires_grad
        assert rel_error(expected[..., k * H : (k + 1) * H], got.numpy()) < 1e-10
    # the gates rebuild the LSTM's own states: c_t = f c_{t-1} + i g, h_t = o tanh(c_t)
    c = torch.from_numpy(c0)
    for t in range(T):
        c = gates["f"][:, t] * c + gates["i"][:, t] * gates["g"][:, t]
        h = gates["o"][:, t] * torch.tanh(c)
        assert rel_error(hs[:, t], h.numpy()) < 1e-10


def test_lstm_gates_default_states_are_zero_and_lstm_untouched(rng):
    lstm = _float64_lstm(2, 4)
    before = {n: t.detach().clone() for n, t in lstm.named_parameters()}
    X = torch.from_numpy(rng.standard_normal((2, 5, 2)))
    zeros = torch.zeros(2, 4, dtype=torch.float64)
    default, explicit = lstm_gates(lstm, X), lstm_gates(lstm, X, h0=zeros, c0=zeros)
    for name in "ifgo":
        torch.testing.assert_close(default[name], explicit[name], rtol=0, atol=0)
    for n, t in lstm.named_parameters():
        torch.testing.assert_close(t, before[n], rtol=0, atol=0)
        assert t.grad is None


def test_lstm_gates_of_a_sequence_model_float32():
    torch.manual_seed(0)
    model = SequenceModel(2, 3, cell="lstm")
    gates = lstm_gates(model.recurrent, torch.randn(4, 7, 2))
    for name in "ifgo":
        assert gates[name].shape == (4, 7, 3) and gates[name].dtype == torch.float32
    assert bool(((gates["f"] > 0) & (gates["f"] < 1)).all())
    assert bool((gates["g"].abs() < 1).all())


@pytest.mark.parametrize(
    ("module", "message"),
    [
        (nn.GRU(2, 4, batch_first=True), "lstm must be a torch.nn.LSTM, got GRU"),
        (SequenceModel(2, 4, cell="lstm"), "lstm must be a torch.nn.LSTM, got SequenceModel"),
        (nn.LSTM(2, 4, num_layers=2, batch_first=True), "single-layer.*num_layers=2"),
        (nn.LSTM(2, 4), "batch_first=True.*batch_first=False"),
        (nn.LSTM(2, 4, batch_first=True, bidirectional=True), "bidirectional=True"),
        (nn.LSTM(2, 4, batch_first=True, proj_size=2), "proj_size=2"),
    ],
)
def test_lstm_gates_rejects_other_modules(module, message):
    with pytest.raises(ValueError, match=message):
        lstm_gates(module, torch.zeros(3, 5, 2))


@pytest.mark.parametrize(
    ("X", "states", "message"),
    [
        (torch.zeros(3, 2), {}, r"X must have shape \(N, T, D\), got \(3, 2\)"),
        (torch.zeros(3, 5, 2, 1), {}, r"X must have shape \(N, T, D\), got \(3, 5, 2, 1\)"),
        (
            torch.zeros(3, 5, 3),
            {},
            r"X must have shape \(N, T, D\) = \(\?, T >= 1, 2\), got \(3, 5, 3\)",
        ),
        (torch.zeros(3, 0, 2), {}, r"T >= 1, 2\), got \(3, 0, 2\)"),
        (np.zeros((3, 5, 2)), {}, "X must be a torch.Tensor .* NumPy array"),
        (
            torch.zeros(3, 5, 2, dtype=torch.float64),
            {},
            r"X must have the dtype of the LSTM.s weights torch.float32, got torch.float64",
        ),
        (torch.zeros(3, 5, 2), {"h0": torch.zeros(1, 3, 4)}, r"h0 must have shape \(N, H\)"),
        (
            torch.zeros(3, 5, 2),
            {"c0": torch.zeros(2, 4)},
            r"c0 must have shape \(N, H\) = \(3, 4\), got \(2, 4\)",
        ),
        (torch.zeros(3, 5, 2), {"h0": np.zeros((3, 4))}, "h0 must be a torch.Tensor"),
    ],
)
def test_lstm_gates_rejects_bad_inputs(X, states, message):
    lstm = nn.LSTM(2, 4, batch_first=True)
    with pytest.raises(ValueError, match=message):
        lstm_gates(lstm, X, **states)


def _ch1_torch(**kw):
    """Chapter 1's task in PyTorch (float32): MSE, plain SGD, one sequence, seeded model."""
    torch.manual_seed(0)
    model = SequenceModel(1, 8)
    X = torch.tensor([0.1, 0.2, 0.3, 0.4, 0.5]).reshape(1, 5, 1)
    y = torch.tensor([[0.6]])
    lr = kw.pop("lr")
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    return model, lambda **more: train_torch(
        model, (X, y), nn.MSELoss(), opt, progress=False, **kw, **more
    )


def test_train_torch_stops_a_divergence_with_the_history():
    model, run = _ch1_torch(lr=1e4, epochs=60)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(TrainingDiverged) as info:
            run()
    err = info.value
    assert isinstance(err, FloatingPointError)
    assert (err.epoch, err.step, err.update) == (5, 1, 5)
    assert not (np.isfinite(err.loss) and np.isfinite(err.grad_norm))
    message = str(err)
    assert "training diverged in epoch 5, step 1 (update 5 of the run)" in message
    assert f"Last finite loss: {err.last_finite_loss:.4g}" in message
    assert f"largest gradient norm seen: {err.max_grad_norm:.4g}" in message
    assert "smaller learning rate (the optimizer's lr=10000 now)" in message
    assert "clip= argument" in message
    hist = err.history
    assert set(hist) == {"loss", "grad_norm"} and len(hist["loss"]) == len(hist["grad_norm"]) == 4
    assert np.isfinite(hist["loss"]).all() and hist["loss"][-1] > 1e20
    assert err.last_finite_loss == hist["loss"][-1] and err.max_grad_norm == max(hist["grad_norm"])
    assert err.params is None
    # The failing update was not applied: the model is where four updates left it.
    reference, run4 = _ch1_torch(lr=1e4, epochs=4)
    assert run4() == hist
    for p, q in zip(model.parameters(), reference.parameters()):
        assert torch.isfinite(p).all()
        torch.testing.assert_close(p, q, rtol=0, atol=0)


def test_train_torch_divergence_with_a_loader_and_evaluations():
    X, y = sum_sign_dataset(64, 5, np.random.default_rng(0))
    X, y = torch.tensor(X, dtype=torch.float32), 100 * torch.tensor(y, dtype=torch.float32)
    torch.manual_seed(0)
    model = SequenceModel(1, 8)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(X, y),
        batch_size=16,
        shuffle=True,
        generator=torch.Generator().manual_seed(0),
    )
    opt = torch.optim.SGD(model.parameters(), lr=10.0)
    with pytest.raises(TrainingDiverged) as info:
        train_torch(model, loader, nn.MSELoss(), opt, epochs=20, val_data=(X, y), progress=False)
    err = info.value
    assert err.update == (err.epoch - 1) * 4 + err.step and err.epoch > 1  # 4 batches per epoch
    hist = err.history
    assert len(hist["loss"]) == err.update - 1 and np.isfinite(hist["loss"]).all()
    assert hist["eval_step"] == [4 * e for e in range(1, err.epoch)]  # after each finished epoch
    assert len(hist["val_loss"]) == err.epoch - 1


def test_train_torch_clipping_rescues_the_diverging_run():
    _, run = _ch1_torch(lr=1e4, epochs=60)
    with pytest.raises(TrainingDiverged):
        run()
    model, run = _ch1_torch(lr=1e4, epochs=60)
    hist = run(clip=1.0)
    assert len(hist["loss"]) == 60 and np.isfinite(hist["loss"]).all()
    assert all(torch.isfinite(p).all() for p in model.parameters())


def test_train_torch_suggests_a_smaller_clip_when_clipping():
    class NanLoss(nn.Module):
        def forward(self, out, target):
            return ((out - target) ** 2).mean() * float("nan")

    model, data, _, opt = _setup()
    with pytest.raises(TrainingDiverged, match=r"a smaller clip= threshold \(clip=0.5 now\)"):
        train_torch(model, data, NanLoss(), opt, epochs=2, clip=0.5, progress=False)


def test_train_torch_checks_the_parameters_after_the_last_update():
    """An update that overflows a parameter at the very end is caught before returning."""

    class Overflowing(torch.optim.SGD):
        def step(self, closure=None):
            super().step(closure)
            with torch.no_grad():
                self.param_groups[0]["params"][0].fill_(float("inf"))

    model, data, loss_fn, _ = _setup()
    opt = Overflowing(model.parameters(), lr=0.1)
    with pytest.raises(
        TrainingDiverged, match="after this update parameter recurrent.weight_ih_l0"
    ):
        train_torch(model, data, loss_fn, opt, steps=1, progress=False)


class _ListDataset(torch.utils.data.Dataset):
    """A data set that is not a TensorDataset: checked batch by batch."""

    def __init__(self, X, y):
        self.X, self.y = X, y

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        return self.X[i], self.y[i]


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_train_torch_rejects_data_with_nan_or_inf(bad):
    model, (X, y), loss_fn, opt = _setup()
    X_bad, y_bad = X.clone(), y.clone()
    X_bad[4, 1, 0] = bad
    y_bad[2, 0] = bad
    x_where = rf"X\[4, 1, 0\] is {bad} \(1 of 18 entries is NaN or infinite\)"
    kw = dict(epochs=1, progress=False)
    before = [p.detach().clone() for p in model.parameters()]
    with pytest.raises(ValueError, match=rf"^data: X must hold finite numbers, but {x_where}"):
        train_torch(model, (X_bad, y), loss_fn, opt, **kw)
    with pytest.raises(ValueError, match=r"^data: y must hold finite numbers, but y\[2, 0\]"):
        train_torch(model, (X, y_bad), loss_fn, opt, **kw)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y_bad), batch_size=2)
    with pytest.raises(ValueError, match=r"data.dataset.tensors\[1\]\[2, 0\] is"):
        train_torch(model, loader, loss_fn, opt, **kw)
    with pytest.raises(ValueError, match=r"^X_val must hold finite numbers, but X_val\[4, 1, 0\]"):
        train_torch(model, (X, y), loss_fn, opt, val_data=(X_bad, y), **kw)
    for p, b in zip(model.parameters(), before):  # every check came before any update
        assert torch.equal(p, b)
    # Another kind of data set: the batch that holds the NaN is named, and the index in it.
    loader = torch.utils.data.DataLoader(_ListDataset(X_bad, y), batch_size=2)
    message = (
        r"^data: in the batch of epoch 1, step 3: X must hold finite numbers, but X\[0, 1, 0\]"
    )
    with pytest.raises(ValueError, match=message):
        train_torch(model, loader, loss_fn, opt, **kw)
    assert len(before) == len(list(model.parameters()))


@pytest.mark.parametrize("bad", [float("nan"), float("-inf")])
def test_evaluation_helpers_reject_data_with_nan_or_inf(bad):
    model, (X, y), loss_fn, _ = _setup()
    X_bad, y_bad = X.clone(), y.clone()
    X_bad[5, 2, 0] = bad
    y_bad[1, 0] = bad
    x_message = rf"X must hold finite numbers, but X\[5, 2, 0\] is {bad}"
    y_message = rf"y must hold finite numbers, but y\[1, 0\] is {bad}"
    for call in (
        lambda: predict(model, X_bad),
        lambda: binary_accuracy(model, X_bad, y),
        lambda: evaluate_loss(model, X_bad, y, loss_fn),
    ):
        with pytest.raises(ValueError, match=x_message):
            call()
    for call in (
        lambda: binary_accuracy(model, X, y_bad),
        lambda: evaluate_loss(model, X, y_bad, loss_fn),
    ):
        with pytest.raises(ValueError, match=y_message):
            call()
    lstm = nn.LSTM(1, 4, batch_first=True)
    with pytest.raises(ValueError, match=x_message):
        lstm_gates(lstm, X_bad)
    state = torch.zeros(6, 4)
    state[3, 1] = bad
    for name in ("h0", "c0"):
        with pytest.raises(
            ValueError, match=rf"{name} must hold finite numbers, but {name}\[3, 1\]"
        ):
            lstm_gates(lstm, X, **{name: state})
