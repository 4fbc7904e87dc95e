import numpy as np
import pytest

from rnnlib.data import sum_sign_dataset
from rnnlib.models import accuracy, init_params, loss_and_grads
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


def test_evaluate_matches_the_model_functions(small_task):
    params, X, y, _, _ = small_task
    result = evaluate(params, X, y)
    assert result["acc"] == accuracy(params, X, y)
    assert result["loss"] == loss_and_grads(params, X, y, "bce")[0]
    assert set(evaluate(params, X, y, loss="mse")) == {"loss"}
