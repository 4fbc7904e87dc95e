import numpy as np
import pytest

import rnnlib.train as train_module
from rnnlib.data import sum_sign_dataset
from rnnlib.models import accuracy, init_params, loss_and_grads
from rnnlib.optim import clip_grad_norm, global_norm, sgd_step
from rnnlib.train import batch_lr_grid, evaluate, train


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
    X = rng.normal(size=(20, 4, 1))
    y = 100.0 * rng.normal(size=(20, 1))
    params = init_params(1, 4, 1, rng)
    kw = dict(batch_sizes=[1], lrs=[1e6], epochs=3, seed=0, loss="mse")
    scores, runs = batch_lr_grid(params, X, y, X, y, return_runs=True, **kw)
    assert np.isnan(scores[0, 0])
    assert not np.isfinite(runs[(1, 1e6)][1]["val_loss"][-1])
    assert len(runs[(1, 1e6)][1]["loss"]) == 3


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


def test_patience_raises_when_no_epoch_has_a_finite_val_loss(small_task):
    params, X, y, X_val, y_val = small_task
    X_nan = X_val.copy()
    X_nan[0, 0, 0] = np.nan  # one NaN input makes the mean validation loss NaN
    with pytest.raises(ValueError, match="no epoch with a finite val_loss in 2 epochs"):
        train(params, X, y, epochs=10, X_val=X_nan, y_val=y_val, patience=2, progress=False)
    # Without early stopping the NaN is simply recorded.
    _, hist = train(params, X, y, epochs=2, X_val=X_nan, y_val=y_val, progress=False)
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


def test_grad_norm_history_shows_a_nan_gradient(small_task):
    params, X, y, _, _ = small_task
    X_bad = X.copy()
    X_bad[-1, 0, 0] = np.nan  # only the second of two batches has a NaN gradient
    with np.errstate(invalid="ignore"):
        _, hist = train(params, X_bad, y, epochs=1, batch_size=60, progress=False)
    assert np.isnan(hist["grad_norm"][0])
