import pickle
import warnings

import numpy as np
import pytest

import rnnlib.train as train_module
from rnnlib.data import sum_sign_dataset
from rnnlib.models import accuracy, init_params, loss_and_grads
from rnnlib.optim import clip_grad_norm, global_norm, sgd_step
from rnnlib.train import TrainingDiverged, batch_lr_grid, evaluate, train

# Chapter 1's task: one sequence of five numbers, one target.
CH1_X = np.array([0.1, 0.2, 0.3, 0.4, 0.5]).reshape(1, 5, 1)
CH1_Y = np.array([[0.6]])


def ch1_params():
    return init_params(1, 8, 1, np.random.default_rng(0))  # chapter 1's initial parameters


def ch1_train(**kw):
    """Chapter 1's training call (MSE, SGD, one sequence per update), with ``kw`` on top."""
    kw = {"loss": "mse", "optimizer": "sgd", "batch_size": 1, "progress": False, **kw}
    return train(ch1_params(), CH1_X, CH1_Y, **kw)


@pytest.fixture
def small_task(rng):
    X, y = sum_sign_dataset(120, 6, rng)
    X_val, y_val = sum_sign_dataset(60, 6, rng)
    return init_params(1, 6, 1, rng), X, y, X_val, y_val


def test_early_stopping_returns_the_best_epoch(small_task):
    params, X, y, X_val, y_val = small_task
    kw = dict(optimizer="adam", lr=0.2, batch_size=8, X_val=X_val, y_val=y_val, progress=False)
    best, hist = train(params, X, y, epochs=40, rng=np.random.default_rng(1), patience=3, **kw)
    k = hist["best_epoch"]
    n_run = len(hist["val_loss"])
    assert 1 <= k <= n_run and len(hist["loss"]) == n_run
    assert hist["val_loss"][k - 1] == min(hist["val_loss"])
    # It stopped exactly `patience` epochs after the best one (or at the end).
    assert n_run == min(k + 3, 40)
    assert n_run < 40, "this run is expected to overfit and stop early"
    # The returned parameters are those after epoch k of the same run.
    again, _ = train(params, X, y, epochs=k, rng=np.random.default_rng(1), **kw)
    for name in params:
        np.testing.assert_array_equal(best[name], again[name])


def test_without_patience_history_is_unchanged(small_task):
    params, X, y, X_val, y_val = small_task
    _, hist = train(params, X, y, epochs=3, batch_size=16, X_val=X_val, y_val=y_val, progress=False)
    assert set(hist) == {"loss", "acc", "grad_norm", "val_loss", "val_acc"}
    assert all(len(v) == 3 for v in hist.values())


def test_patience_bad_arguments(small_task):
    params, X, y, X_val, y_val = small_task
    with pytest.raises(ValueError, match="patience must be a positive integer"):
        train(params, X, y, X_val=X_val, y_val=y_val, patience=0, progress=False)
    with pytest.raises(ValueError, match="patience .* needs X_val and y_val"):
        train(params, X, y, patience=2, progress=False)


def test_batch_lr_grid_matches_individual_runs(small_task):
    params, X, y, X_val, y_val = small_task
    before = {k: v.copy() for k, v in params.items()}
    grid = batch_lr_grid(
        params, X, y, X_val, y_val, batch_sizes=[4, 32], lrs=[0.01, 0.1, 0.5], epochs=2, seed=5
    )
    assert grid.shape == (2, 3)
    assert np.all((grid >= 0) & (grid <= 1))
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])
    _, hist = train(
        params,
        X,
        y,
        lr=0.1,
        epochs=2,
        batch_size=32,
        rng=np.random.default_rng(5),
        X_val=X_val,
        y_val=y_val,
        progress=False,
    )
    assert grid[1, 1] == hist["val_acc"][-1]


def test_batch_lr_grid_returns_the_runs_of_train(small_task):
    params, X, y, X_val, y_val = small_task
    before = {k: v.copy() for k, v in params.items()}
    kw = dict(batch_sizes=[4, 32], lrs=[0.01, 0.5], epochs=3, seed=5)
    scores, runs = batch_lr_grid(params, X, y, X_val, y_val, return_runs=True, **kw)
    np.testing.assert_array_equal(scores, batch_lr_grid(params, X, y, X_val, y_val, **kw))
    assert set(runs) == {(4, 0.01), (4, 0.5), (32, 0.01), (32, 0.5)}
    for i, b in enumerate(kw["batch_sizes"]):
        for j, lr in enumerate(kw["lrs"]):
            expected_params, expected_hist = train(
                params,
                X,
                y,
                lr=lr,
                epochs=3,
                batch_size=b,
                rng=np.random.default_rng(5),
                X_val=X_val,
                y_val=y_val,
                progress=False,
            )
            trained, hist = runs[(b, lr)]
            assert hist == expected_hist  # every epoch of every list, exactly
            assert len(hist["val_acc"]) == 3
            assert scores[i, j] == hist["val_acc"][-1]
            for name in params:
                np.testing.assert_array_equal(trained[name], expected_params[name])
                np.testing.assert_array_equal(params[name], before[name])
    assert not np.array_equal(runs[(4, 0.5)][0]["Whh"], runs[(32, 0.01)][0]["Whh"])


def test_batch_lr_grid_default_returns_only_the_scores(small_task):
    params, X, y, X_val, y_val = small_task
    grid = batch_lr_grid(params, X, y, X_val, y_val, batch_sizes=[8], lrs=[0.1], epochs=1, seed=0)
    assert isinstance(grid, np.ndarray) and grid.shape == (1, 1)
    explicit = batch_lr_grid(
        params, X, y, X_val, y_val, batch_sizes=[8], lrs=[0.1], epochs=1, seed=0, return_runs=False
    )
    np.testing.assert_array_equal(grid, explicit)


def test_batch_lr_grid_runs_keep_diverged_histories(rng):
    """A diverged run scores NaN; its entry is what its TrainingDiverged carries."""
    X = rng.normal(size=(20, 4, 1))
    y = 100.0 * rng.normal(size=(20, 1))
    params = init_params(1, 4, 1, rng)
    kw = dict(batch_sizes=[1], lrs=[1e6], epochs=3, seed=0, loss="mse")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warnings either
        scores, runs = batch_lr_grid(params, X, y, X, y, return_runs=True, **kw)
    assert np.isnan(scores[0, 0])
    with pytest.raises(TrainingDiverged) as info:
        train(
            params,
            X,
            y,
            loss="mse",
            lr=1e6,
            epochs=3,
            batch_size=1,
            rng=np.random.default_rng(0),
            X_val=X,
            y_val=y,
            progress=False,
        )
    grid_params, grid_hist = runs[(1, 1e6)]
    assert grid_hist == info.value.history
    assert len(grid_hist["loss"]) < 3 and np.isfinite(grid_hist["val_loss"]).all()
    for name in params:
        np.testing.assert_array_equal(grid_params[name], info.value.params[name])


def test_batch_lr_grid_marks_diverged_runs_nan(rng):
    X = rng.normal(size=(20, 4, 1))
    y = 100.0 * rng.normal(size=(20, 1))
    params = init_params(1, 4, 1, rng)
    grid = batch_lr_grid(
        params, X, y, X, y, batch_sizes=[1], lrs=[1e-3, 1e6], epochs=3, seed=0, loss="mse"
    )
    assert np.isfinite(grid[0, 0]) and grid[0, 0] > 0
    assert np.isnan(grid[0, 1])


def test_batch_lr_grid_bad_arguments(small_task):
    params, X, y, X_val, y_val = small_task
    args = (params, X, y, X_val, y_val)
    with pytest.raises(ValueError, match="batch_sizes and lrs must be non-empty"):
        batch_lr_grid(*args, batch_sizes=[], lrs=[0.1], epochs=1, seed=0)
    with pytest.raises(ValueError, match="batch_sizes entry must be a positive integer"):
        batch_lr_grid(*args, batch_sizes=[0], lrs=[0.1], epochs=1, seed=0)
    with pytest.raises(ValueError, match="lrs entry must be a positive number"):
        batch_lr_grid(*args, batch_sizes=[4], lrs=[-0.1], epochs=1, seed=0)
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        batch_lr_grid(*args, batch_sizes=[4], lrs=[0.1], epochs=1, seed=-3)
    with pytest.raises(ValueError, match="return_runs must be True or False, got 1"):
        batch_lr_grid(*args, batch_sizes=[4], lrs=[0.1], epochs=1, seed=0, return_runs=1)
    with pytest.raises(ValueError, match="lrs entry must be a positive number"):
        batch_lr_grid(*args, batch_sizes=[4], lrs=[0.0], epochs=1, seed=0, return_runs=True)


def test_evaluate_matches_the_model_functions(small_task):
    params, X, y, _, _ = small_task
    result = evaluate(params, X, y)
    assert result["acc"] == accuracy(params, X, y)
    assert result["loss"] == loss_and_grads(params, X, y, "bce")[0]
    assert set(evaluate(params, X, y, loss="mse")) == {"loss"}


def test_evaluate_accepts_lists_and_rejects_bad_input(small_task):
    params, X, y, _, _ = small_task
    assert evaluate(params, X, y.tolist()) == evaluate(params, X, y)
    with pytest.raises(ValueError, match=r"loss must be one of \['bce', 'mse'\], got 'hinge'"):
        evaluate(params, X, y, loss="hinge")
    with pytest.raises(ValueError, match="y must be a numeric array"):
        evaluate(params, X, np.full(y.shape, "a"))
    with pytest.raises(ValueError, match=r"y must have shape \(same as logits\)"):
        evaluate(params, X, y[:, 0])
    with pytest.raises(ValueError, match=r"y must have shape \(same as y_pred\)"):
        evaluate(params, X, y[:10], loss="mse")
    with pytest.raises(ValueError, match=r"X must have shape \(N, T, D\)"):
        evaluate(params, X[:, :, 0], y)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lr": 0}, "lr must be a positive number, got 0"),
        ({"lr": "0.1"}, "lr must be a positive number, got '0.1'"),
        ({"epochs": 0}, "epochs must be a positive integer, got 0"),
        ({"epochs": 2.0}, "epochs must be a positive integer, got 2.0"),
        ({"batch_size": 0}, "batch_size must be a positive integer, got 0"),
        ({"rng": 0}, "rng must be a numpy.random.Generator"),
        ({"clip": 0.0}, "clip must be a positive number, got 0.0"),
        ({"loss": "hinge"}, "loss must be one of"),
    ],
)
def test_train_rejects_bad_hyperparameters(small_task, kwargs, message):
    params, X, y, _, _ = small_task
    with pytest.raises(ValueError, match=message):
        train(params, X, y, progress=False, **kwargs)


def test_train_checks_validation_data_up_front(small_task):
    params, X, y, X_val, y_val = small_task
    kw = dict(epochs=1, progress=False)
    with pytest.raises(ValueError, match="X_val and y_val must be given together"):
        train(params, X, y, X_val=X_val, **kw)
    with pytest.raises(ValueError, match="X_val and y_val must be given together"):
        train(params, X, y, y_val=y_val, **kw)
    with pytest.raises(
        ValueError, match=r"X_val must have shape \(M, T_val, D\) = \(\?, \?, 1\), got \(60, 6, 2\)"
    ):
        train(params, X, y, X_val=np.concatenate([X_val, X_val], axis=2), y_val=y_val, **kw)
    with pytest.raises(ValueError, match=r"X_val must have shape \(M, T_val, D\)"):
        train(params, X, y, X_val=X_val[:, :, 0], y_val=y_val, **kw)
    with pytest.raises(
        ValueError, match=r"y_val must have shape \(M, O\) = \(60, 1\), got \(59, 1\)"
    ):
        train(params, X, y, X_val=X_val, y_val=y_val[:-1], **kw)
    with pytest.raises(
        ValueError, match=r"y_val must have shape \(M, O\) = \(60, 1\), got \(60,\)"
    ):
        train(params, X, y, X_val=X_val, y_val=y_val[:, 0], **kw)
    with pytest.raises(ValueError, match="X_val must be a numeric array"):
        train(params, X, y, X_val=np.full(X_val.shape, "a"), y_val=y_val, **kw)


def test_train_accepts_validation_sequences_of_another_length(small_task, rng):
    params, X, y, _, _ = small_task
    X_long, y_long = sum_sign_dataset(30, 12, rng)  # T = 12 where training uses T = 6
    trained, hist = train(params, X, y, epochs=2, X_val=X_long, y_val=y_long, progress=False)
    assert hist["val_loss"][-1] == evaluate(trained, X_long, y_long)["loss"]


def test_patience_raises_when_no_epoch_has_a_finite_val_loss(small_task, monkeypatch):
    params, X, y, X_val, y_val = small_task
    real_evaluate = train_module.evaluate

    def evaluate_nan_on_validation(p, X_, y_, loss="bce"):
        result = real_evaluate(p, X_, y_, loss)
        if len(X_) == len(X_val):  # 60 validation sequences, 120 training ones
            result["loss"] = float("nan")
        return result

    monkeypatch.setattr(train_module, "evaluate", evaluate_nan_on_validation)
    with pytest.raises(ValueError, match="no epoch with a finite val_loss in 2 epochs"):
        train(params, X, y, epochs=10, X_val=X_val, y_val=y_val, patience=2, progress=False)
    # Without early stopping the NaN validation loss is simply recorded: it is not divergence.
    _, hist = train(params, X, y, epochs=2, X_val=X_val, y_val=y_val, progress=False)
    assert np.isnan(hist["val_loss"]).all() and np.isfinite(hist["loss"]).all()


def test_patience_counts_a_nan_val_loss_as_no_improvement(small_task, monkeypatch):
    """After a finite best epoch, NaN epochs count towards patience; best_epoch stays >= 1."""
    params, X, y, X_val, y_val = small_task
    real_evaluate = train_module.evaluate
    calls = {"val": 0}

    def evaluate_nan_after_first(p, X_, y_, loss="bce"):
        result = real_evaluate(p, X_, y_, loss)
        if len(X_) == len(X_val):  # 60 validation sequences, 120 training ones
            calls["val"] += 1
            if calls["val"] > 1:
                result["loss"] = float("nan")
        return result

    monkeypatch.setattr(train_module, "evaluate", evaluate_nan_after_first)
    best, hist = train(
        params, X, y, epochs=10, X_val=X_val, y_val=y_val, patience=3, progress=False
    )
    assert hist["best_epoch"] == 1
    assert len(hist["val_loss"]) == 4  # epoch 1, then 3 epochs without improvement
    monkeypatch.undo()
    first, _ = train(params, X, y, epochs=1, progress=False)
    for name in params:
        np.testing.assert_array_equal(best[name], first[name])


def test_clip_bounds_every_sgd_update(small_task):
    params, X, y, _, _ = small_task
    lr, clip = 0.5, 1e-3
    new, hist = train(params, X, y, lr=lr, epochs=1, batch_size=len(X), clip=clip, progress=False)
    step = np.sqrt(sum(np.sum((new[k] - params[k]) ** 2) for k in params))
    assert step <= lr * clip
    assert step == pytest.approx(lr * clip, rel=1e-3)  # the gradient is far larger than clip
    # grad_norm records the norm BEFORE clipping.
    assert hist["grad_norm"][0] == global_norm(loss_and_grads(params, X, y, "bce")[1])
    assert hist["grad_norm"][0] > 100 * clip


def test_clip_and_grad_norm_over_several_updates(small_task):
    """Two updates per epoch, replayed by hand: clipped SGD steps, largest norm before clipping."""
    params, X, y, _, _ = small_task
    lr, clip, half = 0.3, 0.05, len(X) // 2
    new, hist = train(params, X, y, lr=lr, epochs=1, batch_size=half, clip=clip, progress=False)
    p, norms = params, []
    for start in (0, half):
        _, grads = loss_and_grads(p, X[start : start + half], y[start : start + half], "bce")
        clipped, norm = clip_grad_norm(grads, clip)
        assert global_norm(clipped) <= clip
        norms.append(norm)
        p = sgd_step(p, clipped, lr)
    assert hist["grad_norm"] == [max(norms)]
    for name in params:
        np.testing.assert_array_equal(new[name], p[name])
    unclipped, _ = train(params, X, y, lr=lr, epochs=1, batch_size=half, progress=False)
    assert not np.allclose(unclipped["Whh"], new["Whh"])


def _nan_at_call(monkeypatch, k, what):
    """Make the k-th call (from 1) of loss_and_grads inside train return a NaN loss or gradient."""
    calls = {"n": 0}

    def patched(params, X, y, loss="bce"):
        value, grads = loss_and_grads(params, X, y, loss)
        calls["n"] += 1
        if calls["n"] == k:
            if what == "loss":
                value = float("nan")
            else:
                grads = {**grads, "Whh": np.full_like(grads["Whh"], np.nan)}
        return value, grads

    monkeypatch.setattr(train_module, "loss_and_grads", patched)


def test_a_nan_gradient_stops_training(small_task, monkeypatch):
    """Only the second of two batches has a NaN gradient: the run stops there, in epoch 1."""
    params, X, y, _, _ = small_task
    _nan_at_call(monkeypatch, 2, "grad")
    with pytest.raises(
        TrainingDiverged, match=r"in epoch 1, step 2 \(update 2 of the run\)"
    ) as info:
        train(params, X, y, epochs=3, batch_size=60, progress=False)
    err = info.value
    assert (err.epoch, err.step, err.update) == (1, 2, 2)
    assert np.isfinite(err.loss) and np.isnan(err.grad_norm)
    assert "the gradient norm nan" in str(err)
    first_loss, first_grads = loss_and_grads(params, X[:60], y[:60], "bce")
    assert err.last_finite_loss == first_loss
    assert err.max_grad_norm == global_norm(first_grads)
    assert err.history == {"loss": [], "grad_norm": []}  # no epoch was finished
    for name in params:  # the parameters of no finished epoch: the initial ones
        np.testing.assert_array_equal(err.params[name], params[name])


def test_a_nan_loss_mid_run_keeps_the_finished_epochs(small_task, monkeypatch):
    """(err.params, err.history) is what train returns when asked for the finished epochs only."""
    params, X, y, X_val, y_val = small_task
    kw = dict(batch_size=40, X_val=X_val, y_val=y_val, progress=False)
    _nan_at_call(monkeypatch, 8, "loss")  # 3 updates per epoch: update 8 is epoch 3, step 2
    with pytest.raises(
        TrainingDiverged, match=r"in epoch 3, step 2 \(update 8 of the run\)"
    ) as info:
        train(params, X, y, epochs=5, rng=np.random.default_rng(3), **kw)
    monkeypatch.undo()
    err = info.value
    assert np.isnan(err.loss) and np.isfinite(err.grad_norm)
    expected_params, expected_hist = train(
        params, X, y, epochs=2, rng=np.random.default_rng(3), **kw
    )
    assert err.history == expected_hist
    assert set(err.history) == {"loss", "acc", "grad_norm", "val_loss", "val_acc"}
    for name in params:
        np.testing.assert_array_equal(err.params[name], expected_params[name])


def test_a_divergence_under_early_stopping_keeps_the_finished_epochs(small_task, monkeypatch):
    """With patience too, the error carries the finished epochs, as a run without patience."""
    params, X, y, X_val, y_val = small_task
    kw = dict(batch_size=40, X_val=X_val, y_val=y_val, progress=False)
    _nan_at_call(monkeypatch, 8, "loss")
    with pytest.raises(TrainingDiverged) as info:
        train(params, X, y, epochs=5, patience=3, rng=np.random.default_rng(3), **kw)
    monkeypatch.undo()
    expected_params, expected_hist = train(
        params, X, y, epochs=2, rng=np.random.default_rng(3), **kw
    )
    assert info.value.history == expected_hist and "best_epoch" not in expected_hist
    for name in params:
        np.testing.assert_array_equal(info.value.params[name], expected_params[name])


def test_divergence_on_chapter_1_task_with_lr_1e4():
    """The issue's example: MSE, lr = 1e4.  The loss overflows in epoch 30 (of 50)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # NumPy's overflow warnings are replaced by the error
        with pytest.raises(TrainingDiverged) as info:
            ch1_train(lr=1e4, epochs=50)
    err = info.value
    assert isinstance(err, FloatingPointError) and not isinstance(err, ValueError)
    message = str(err)
    assert "training diverged in epoch 30, step 1 (update 30 of the run)" in message
    assert "the loss on the training data is inf" in message
    assert f"Last finite loss: {err.last_finite_loss:.4g}" in message
    assert f"largest gradient norm seen: {err.max_grad_norm:.4g}" in message
    assert "smaller learning rate (lr=10000 now)" in message
    assert "clip= argument, for example clip=1.0" in message
    assert ".history" in message
    hist = err.history
    assert len(hist["loss"]) == len(hist["grad_norm"]) == 29  # the finished epochs
    assert np.isfinite(hist["loss"]).all() and hist["loss"][-1] > 1e300
    assert np.all(np.diff(np.log(hist["loss"])) > 0)  # the loss grew at every update
    # The update of epoch 30 started from the end of epoch 29: its loss is the last finite one.
    assert err.last_finite_loss == hist["loss"][-1]
    assert np.isfinite(err.max_grad_norm) and err.max_grad_norm >= max(hist["grad_norm"])
    again = pickle.loads(pickle.dumps(err))  # e.g. from a worker process: nothing is lost
    assert str(again) == message and again.history == hist and again.epoch == 30
    # The attached pair is what a 29-epoch run returns, bit for bit.
    params29, hist29 = ch1_train(lr=1e4, epochs=29)
    assert hist == hist29
    for name, value in params29.items():
        np.testing.assert_array_equal(err.params[name], value)
        assert np.isfinite(value).all()


def test_a_gradient_norm_overflow_stops_training_at_the_step():
    """lr = 1: the loss is still finite (2e307) when the gradient norm overflows."""
    with pytest.raises(TrainingDiverged, match="the gradient norm inf") as info:
        ch1_train(lr=1.0, epochs=200)
    err = info.value
    assert (err.epoch, err.step) == (128, 1)
    assert np.isfinite(err.loss) and err.grad_norm == np.inf
    assert len(err.history["loss"]) == 127


def test_clipping_rescues_a_run_that_diverges_without_it():
    with pytest.raises(TrainingDiverged):
        ch1_train(lr=1.0, epochs=200)
    params, hist = ch1_train(lr=1.0, epochs=200, clip=0.1)
    assert len(hist["loss"]) == 200 and hist["loss"][-1] < 0.01
    assert all(np.isfinite(v).all() for v in params.values())
    with pytest.raises(TrainingDiverged, match=r"clip the gradients with the clip= argument"):
        ch1_train(lr=1e4, epochs=50)
    _, hist = ch1_train(lr=1e4, epochs=50, clip=1.0)  # still a poor run, but a finite one
    assert len(hist["loss"]) == 50 and np.isfinite(hist["loss"]).all()


def test_divergence_message_suggests_a_smaller_clip_when_clipping(monkeypatch):
    _nan_at_call(monkeypatch, 3, "loss")
    with pytest.raises(TrainingDiverged, match=r"a smaller clip= threshold \(clip=0.5 now\)"):
        ch1_train(lr=0.05, epochs=5, clip=0.5)


def test_a_parameter_that_overflows_unseen_stops_training(small_task, monkeypatch):
    """An infinite bias saturates tanh and keeps the loss finite; the epoch-end check sees it."""
    params, X, y, _, _ = small_task

    def sgd_step_inf_bias(p, grads, lr):
        new = sgd_step(p, grads, lr)
        return {**new, "bh": np.full_like(new["bh"], np.inf)}

    monkeypatch.setattr(train_module, "sgd_step", sgd_step_inf_bias)
    with pytest.raises(TrainingDiverged, match="after this update parameter bh is not finite"):
        train(params, X, y, epochs=2, batch_size=len(X), progress=False)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("name", ["X", "y", "X_val", "y_val"])
def test_train_rejects_data_with_nan_or_inf(small_task, name, bad):
    params, X, y, X_val, y_val = small_task
    data = {"X": X.copy(), "y": y.copy(), "X_val": X_val.copy(), "y_val": y_val.copy()}
    index = (7, 3, 0) if name.startswith("X") else (7, 0)
    data[name][index] = bad
    where = ", ".join(map(str, index))
    message = rf"{name} must hold finite numbers, but {name}\[{where}\] is {bad} \(1 of"
    with pytest.raises(ValueError, match=message):
        train(
            params, data["X"], data["y"], X_val=data["X_val"], y_val=data["y_val"], progress=False
        )
    with pytest.raises(ValueError, match=message):
        batch_lr_grid(
            params,
            data["X"],
            data["y"],
            data["X_val"],
            data["y_val"],
            batch_sizes=[8],
            lrs=[0.1],
            epochs=1,
            seed=0,
        )


def test_evaluate_rejects_data_with_nan_or_inf(small_task):
    params, X, y, _, _ = small_task
    X_bad, y_bad = X.copy(), y.copy()
    X_bad[[4, 9], 2, 0] = np.nan  # two bad entries: the message names the first one
    y_bad[5, 0] = np.inf
    with pytest.raises(ValueError, match=r"X\[4, 2, 0\] is nan \(2 of 720 entries are NaN"):
        evaluate(params, X_bad, y)
    with pytest.raises(ValueError, match=r"y must hold finite numbers, but y\[5, 0\] is inf"):
        evaluate(params, X, y_bad, loss="mse")
