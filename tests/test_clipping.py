import numpy as np
import pytest

import rnnlib.train as train_module
from rnnlib.clipping import RUNS, clipping_comparison, spawned_generators
from rnnlib.data import sum_sign_dataset
from rnnlib.gradients import spectral_radius
from rnnlib.models import init_params
from rnnlib.rnn import rnn_forward
from rnnlib.train import train

KW = dict(hidden_size=5, lr=0.5, epochs=4, batch_size=16)


@pytest.fixture
def task(rng):
    X, y = sum_sign_dataset(64, 8, rng)  # (64, 8, 1), (64, 1)
    X_val, y_val = sum_sign_dataset(40, 8, rng)
    return X, y, X_val, y_val


def test_seed_generators_are_reproducible_and_independent():
    a_init, a_order = spawned_generators(3)
    b_init, b_order = spawned_generators(3)
    x = a_init.random(4)
    np.testing.assert_array_equal(x, b_init.random(4))
    np.testing.assert_array_equal(a_order.random(4), b_order.random(4))
    assert not np.array_equal(x, spawned_generators(3)[1].random(4))  # init and order differ
    assert not np.array_equal(x, spawned_generators(4)[0].random(4))  # so do seeds


@pytest.mark.parametrize("seed", [-1, 1.5, True, "0"])
def test_seed_generators_bad_seed(seed):
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        spawned_generators(seed)


def test_both_runs_are_train_from_the_seeds_start(task):
    """Each run equals a direct train call: same start, same minibatches, clip only in one."""
    X, y, X_val, y_val = task
    out = clipping_comparison(7, X, y, X_val, y_val, clip=0.3, **KW)
    init_rng, _ = spawned_generators(7)
    params0 = init_params(1, 5, 1, init_rng)
    assert out["start_loss"] == train_module.evaluate(params0, X, y)["loss"]
    for name, clip in zip(RUNS, (None, 0.3)):
        params, hist = train(
            params0, X, y, lr=0.5, epochs=4, batch_size=16, rng=spawned_generators(7)[1],
            X_val=X_val, y_val=y_val, clip=clip, progress=False,
        )
        run = out[name]
        assert run["history"] == hist and run["diverged"] is False
        assert run["val_acc"] == hist["val_acc"][-1]
        assert run["late_val_acc"] == pytest.approx(np.mean(hist["val_acc"][-5:]))
        assert run["final_loss"] == hist["loss"][-1]
        assert run["lowest_loss"] == min(hist["loss"])
        assert run["max_grad_norm"] == max(hist["grad_norm"])
        assert run["radius"] == spectral_radius(params["Whh"])
        hs, _ = rnn_forward(X_val, np.zeros((40, 5)), params["Wxh"], params["Whh"], params["bh"])
        assert run["saturated"] == np.mean(np.abs(hs) > 0.99)
    # The norm is recorded before clipping; the clipped run's longest step is lr * clip.
    assert out["clipped"]["max_grad_norm"] > 0.3
    assert out["clipped"]["largest_step"] == pytest.approx(0.5 * 0.3)
    plain = out["no clipping"]
    assert plain["largest_step"] == pytest.approx(0.5 * plain["max_grad_norm"])


def test_a_threshold_no_gradient_reaches_gives_two_equal_runs(task):
    X, y, X_val, y_val = task
    out = clipping_comparison(1, X, y, X_val, y_val, clip=1e9, **KW)
    a, b = out["no clipping"], out["clipped"]
    assert a["history"] == b["history"]
    assert {k: v for k, v in a.items() if k != "history"} == {
        k: v for k, v in b.items() if k != "history"
    }


def test_loss_jumps_count_rises_above_the_threshold(task, monkeypatch):
    """Jumps are counted from the loss before training, epoch by epoch."""
    X, y, X_val, y_val = task
    start = clipping_comparison(0, X, y, X_val, y_val, clip=1.0, **KW)["start_loss"]
    losses = [start + 0.2, start + 0.25, start - 0.1, start + 0.05, start - 0.2]
    # rises: +0.2 (jump), +0.05, -0.35, +0.15 (jump), -0.25

    def fake_train(params, X, y, **kw):
        hist = {"loss": losses, "grad_norm": [1.0, 3.0, 2.0, 0.5, 0.5],
                "val_acc": [0.5, 0.6, 0.7, 0.8, 0.9]}
        return params, hist

    monkeypatch.setattr("rnnlib.clipping.train", fake_train)
    out = clipping_comparison(0, X, y, X_val, y_val, clip=1.0, **KW)
    for name in RUNS:
        assert out[name]["loss_jumps"] == 2
        assert out[name]["lowest_loss"] == pytest.approx(start - 0.2)
        assert out[name]["final_loss"] == pytest.approx(start - 0.2)
        assert out[name]["val_acc"] == 0.9
        assert out[name]["late_val_acc"] == pytest.approx(0.7)  # the 5 epochs
    assert out["no clipping"]["largest_step"] == pytest.approx(0.5 * 3.0)
    assert out["clipped"]["largest_step"] == pytest.approx(0.5 * 1.0)
    out = clipping_comparison(0, X, y, X_val, y_val, clip=1.0, jump=0.18, late=2, **KW)
    assert out["clipped"]["loss_jumps"] == 1
    assert out["clipped"]["late_val_acc"] == pytest.approx(0.85)


def test_a_diverged_run_is_summarised_from_what_the_error_carries(task, monkeypatch):
    """The unclipped run diverges at its 6th update (epoch 2, step 2); the clipped one runs on."""
    X, y, X_val, y_val = task
    calls = {"n": 0}
    real = train_module.loss_and_grads

    def patched(params, Xb, yb, loss="bce"):
        calls["n"] += 1
        value, grads = real(params, Xb, yb, loss)
        return (float("nan"), grads) if calls["n"] == 6 else (value, grads)

    monkeypatch.setattr(train_module, "loss_and_grads", patched)
    out = clipping_comparison(2, X, y, X_val, y_val, clip=0.3, **KW)
    monkeypatch.undo()
    bad, good = out["no clipping"], out["clipped"]
    assert bad["diverged"] is True and good["diverged"] is False
    assert len(bad["history"]["loss"]) == 1 and len(good["history"]["loss"]) == 4
    # The numbers of the one finished epoch, which a 1-epoch run reproduces.
    params1, hist1 = train(
        init_params(1, 5, 1, spawned_generators(2)[0]), X, y, lr=0.5, epochs=1, batch_size=16,
        rng=spawned_generators(2)[1], X_val=X_val, y_val=y_val, progress=False,
    )
    assert bad["history"] == hist1
    assert bad["val_acc"] == hist1["val_acc"][0] and bad["final_loss"] == hist1["loss"][0]
    assert bad["late_val_acc"] == bad["val_acc"]  # one finished epoch to average
    assert bad["radius"] == spectral_radius(params1["Whh"])
    assert bad["max_grad_norm"] >= max(hist1["grad_norm"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"clip": 0.0}, "clip must be"),
        ({"clip": None}, "clip must be"),
        ({"clip": 1.0, "hidden_size": 0}, "hidden_size must be"),
        ({"clip": 1.0, "lr": -0.1}, "lr must be"),
        ({"clip": 1.0, "jump": 0.0}, "jump must be"),
        ({"clip": 1.0, "late": 0}, "late must be"),
        ({"clip": 1.0, "saturation": 1.0}, r"saturation must be a number in \(0, 1\)"),
        ({"clip": 1.0, "seed": -2}, "seed must be a non-negative integer"),
    ],
)
def test_bad_arguments(task, kwargs, message):
    X, y, X_val, y_val = task
    kw = {**KW, "seed": 0, **kwargs}
    seed = kw.pop("seed")
    with pytest.raises(ValueError, match=message):
        clipping_comparison(seed, X, y, X_val, y_val, **kw)


def test_bad_data_shapes(task):
    X, y, X_val, y_val = task
    with pytest.raises(ValueError, match=r"X must have shape \(N, T, D\)"):
        clipping_comparison(0, X[:, :, 0], y, X_val, y_val, clip=1.0, **KW)
    with pytest.raises(ValueError, match=r"y must have shape \(N, O\)"):
        clipping_comparison(0, X, y[:10], X_val, y_val, clip=1.0, **KW)


def test_a_run_diverged_in_its_first_epoch_is_summarised_at_its_start(task, monkeypatch):
    X, y, X_val, y_val = task
    calls = {"n": 0}
    real = train_module.loss_and_grads

    def patched(params, Xb, yb, loss="bce"):
        calls["n"] += 1
        value, grads = real(params, Xb, yb, loss)
        if calls["n"] == 2:  # the second update's gradient overflows
            grads = {k: np.full_like(g, np.inf) for k, g in grads.items()}
        return value, grads

    monkeypatch.setattr(train_module, "loss_and_grads", patched)
    out = clipping_comparison(4, X, y, X_val, y_val, clip=0.3, **KW)
    monkeypatch.undo()
    bad = out["no clipping"]
    params0 = init_params(1, 5, 1, spawned_generators(4)[0])
    assert bad["diverged"] is True and bad["history"]["loss"] == []
    assert bad["val_acc"] == bad["late_val_acc"] == train_module.evaluate(
        params0, X_val, y_val)["acc"]
    assert bad["final_loss"] == bad["lowest_loss"] == out["start_loss"]
    assert bad["loss_jumps"] == 0
    assert bad["radius"] == spectral_radius(params0["Whh"])
    assert np.isfinite(bad["max_grad_norm"]) and bad["max_grad_norm"] > 0  # the first update's
