import numpy as np
import pytest

from rnnlib.data import sum_sign_dataset
from rnnlib.models import PARAM_NAMES, init_params, loss_and_grads
from rnnlib.multiseed import (
    batch_lr_grid_seeds,
    early_stopping_epoch,
    evaluate_stacked,
    loss_and_grads_stacked,
    per_example_grads,
    seed_generators,
    stack_params,
    train_seeds,
    train_stacked,
    unstack_params,
)
from rnnlib.train import evaluate, train


@pytest.fixture
def task(rng):
    X, y = sum_sign_dataset(90, 6, rng)
    X_val, y_val = sum_sign_dataset(50, 6, rng)
    return X, y, X_val, y_val


def _assert_same_run(a, b, tol=1e-8):
    """(params, history) pairs equal up to rounding.

    The stacked products sum in another order than ``train``'s, and a few
    hundred SGD steps amplify those last-bit differences to about 1e-10; a
    different algorithm would differ by far more than ``tol``.
    """
    (pa, ha), (pb, hb) = a, b
    for k in PARAM_NAMES:
        np.testing.assert_allclose(pa[k], pb[k], rtol=0, atol=tol)
    assert set(ha) == set(hb)
    for k in ha:
        if k == "best_epoch":
            assert ha[k] == hb[k]
        else:
            assert len(ha[k]) == len(hb[k])
            np.testing.assert_allclose(ha[k], hb[k], rtol=0, atol=tol)


@pytest.mark.parametrize("batch_size", [1, 7, 32, 500])
def test_train_stacked_equals_separate_train_calls(task, batch_size):
    X, y, X_val, y_val = task
    params = [init_params(1, 5, 1, np.random.default_rng(s)) for s in range(3)]
    before = [{k: v.copy() for k, v in p.items()} for p in params]
    lrs = [0.02, 0.05, 0.1]
    runs = train_stacked(params, X, y, lr=lrs, epochs=3, batch_size=batch_size,
                         rngs=[np.random.default_rng(10 + s) for s in range(3)],
                         X_val=X_val, y_val=y_val, progress=False)
    for s in range(3):
        alone = train(params[s], X, y, lr=lrs[s], epochs=3, batch_size=batch_size,
                      rng=np.random.default_rng(10 + s), X_val=X_val, y_val=y_val, progress=False)
        _assert_same_run(runs[s], alone)
        for k in PARAM_NAMES:  # inputs untouched
            np.testing.assert_array_equal(params[s][k], before[s][k])


def test_train_stacked_early_stopping_equals_train(task):
    X, y, X_val, y_val = task
    X, y = X[:20], y[:20]  # 20 training sequences: quick to overfit, so the runs stop early
    params = [init_params(1, 8, 1, np.random.default_rng(s)) for s in range(4)]
    lrs = [0.3, 0.5, 1.0, 0.2]
    kw = dict(epochs=60, batch_size=5, X_val=X_val, y_val=y_val, patience=3, progress=False)
    runs = train_stacked(params, X, y, lr=lrs, rngs=[np.random.default_rng(s) for s in range(4)],
                         **kw)
    lengths = set()
    for s in range(4):
        alone = train(params[s], X, y, lr=lrs[s], rng=np.random.default_rng(s), **kw)
        _assert_same_run(runs[s], alone)
        lengths.add(len(runs[s][1]["loss"]))
    assert len(lengths) > 1 and max(lengths) < 60, "meant to stop early, at different epochs"


def test_train_seeds_uses_seed_generators(task):
    X, y, X_val, y_val = task
    runs = train_seeds([3, 5], X, y, hidden_size=4, lr=0.1, epochs=2, batch_size=16,
                       X_val=X_val, y_val=y_val, progress=False)
    for seed, run in zip([3, 5], runs):
        init_rng, order_rng = seed_generators(seed)
        alone = train(init_params(1, 4, 1, init_rng), X, y, lr=0.1, epochs=2, batch_size=16,
                      rng=order_rng, X_val=X_val, y_val=y_val, progress=False)
        _assert_same_run(run, alone)


def test_seed_generators_one_is_the_chapters_run():
    init_rng, order_rng = seed_generators(1)
    np.testing.assert_array_equal(init_rng.random(3), np.random.default_rng(1).random(3))
    np.testing.assert_array_equal(order_rng.random(3), np.random.default_rng(2).random(3))


def test_record_none_keeps_only_grad_norm_and_the_same_params(task):
    X, y, _, _ = task
    params = [init_params(1, 4, 1, np.random.default_rng(s)) for s in range(2)]
    kw = dict(lr=0.1, epochs=2, batch_size=8, progress=False)
    full = train_stacked(params, X, y, rngs=[np.random.default_rng(s) for s in range(2)], **kw)
    bare = train_stacked(params, X, y, rngs=[np.random.default_rng(s) for s in range(2)],
                         record="none", **kw)
    for (pf, hf), (pb, hb) in zip(full, bare):
        assert set(hb) == {"grad_norm"}
        assert hb["grad_norm"] == hf["grad_norm"]
        for k in PARAM_NAMES:
            np.testing.assert_array_equal(pf[k], pb[k])


def test_a_diverged_model_leaves_the_others_alone(task):
    """A model whose numbers are NaN (as after an overflow) does not touch the others."""
    X, y, X_val, y_val = task
    params = [init_params(1, 4, 1, np.random.default_rng(s)) for s in range(2)]
    broken = {k: v.copy() for k, v in params[1].items()}
    broken["Whh"][0, 0] = np.nan
    runs = train_stacked([params[0], broken], X, y, lr=0.1, epochs=2, batch_size=8,
                         rngs=[np.random.default_rng(s) for s in range(2)],
                         X_val=X_val, y_val=y_val, progress=False)
    alone = train(params[0], X, y, lr=0.1, epochs=2, batch_size=8, rng=np.random.default_rng(0),
                  X_val=X_val, y_val=y_val, progress=False)
    _assert_same_run(runs[0], alone)
    assert np.isnan(runs[1][1]["val_loss"][-1]) and np.isnan(runs[1][1]["grad_norm"][-1])


def test_evaluate_stacked_equals_evaluate(task):
    X, y, _, _ = task
    params = [init_params(1, 6, 1, np.random.default_rng(s)) for s in range(3)]
    loss, acc = evaluate_stacked(stack_params(params), X, y, chunk=17)
    for s, p in enumerate(params):
        ref = evaluate(p, X, y)
        assert loss[s] == pytest.approx(ref["loss"], abs=1e-14)
        assert acc[s] == ref["acc"]


def test_loss_and_grads_stacked_equals_loss_and_grads(rng):
    params = [init_params(2, 5, 3, np.random.default_rng(s)) for s in range(3)]
    X = rng.normal(size=(3, 4, 7, 2))
    y = (rng.random((3, 4, 3)) > 0.5).astype(float)
    loss, grads = loss_and_grads_stacked(stack_params(params), X, y)
    for s, p in enumerate(params):
        ref_loss, ref = loss_and_grads(p, X[s], y[s])
        assert loss[s] == pytest.approx(ref_loss, abs=1e-14)
        for k in PARAM_NAMES:
            np.testing.assert_allclose(grads[k][s], ref[k], rtol=0, atol=1e-14)


def test_per_example_grads(rng):
    params = init_params(1, 6, 1, rng)
    X, y = sum_sign_dataset(20, 5, rng)
    grads = per_example_grads(params, X, y)
    _, full = loss_and_grads(params, X, y)
    for k in PARAM_NAMES:
        assert grads[k].shape == (20,) + params[k].shape
        np.testing.assert_allclose(grads[k].mean(axis=0), full[k], rtol=0, atol=1e-15)
    _, third = loss_and_grads(params, X[3:4], y[3:4])
    for k in PARAM_NAMES:
        np.testing.assert_allclose(grads[k][3], third[k], rtol=0, atol=1e-15)


def test_stack_and_unstack_round_trip(rng):
    params = [init_params(2, 3, 1, rng) for _ in range(4)]
    stacked = stack_params(params)
    assert stacked["Whh"].shape == (4, 3, 3) and stacked["by"].shape == (4, 1)
    for a, b in zip(unstack_params(stacked), params):
        for k in PARAM_NAMES:
            np.testing.assert_array_equal(a[k], b[k])


def test_batch_lr_grid_seeds_equals_separate_runs(task):
    X, y, X_val, y_val = task
    scores = batch_lr_grid_seeds(X, y, X_val, y_val, seeds=[2, 4], hidden_size=3,
                                 batch_sizes=[1, 16], lrs=[0.01, 0.3], epochs=2, progress=False)
    assert scores.shape == (2, 2, 2)
    for i, seed in enumerate([2, 4]):
        for b_i, b in enumerate([1, 16]):
            for j, lr in enumerate([0.01, 0.3]):
                init_rng, order_rng = seed_generators(seed)
                _, hist = train(init_params(1, 3, 1, init_rng), X, y, lr=lr, epochs=2,
                                batch_size=b, rng=order_rng, X_val=X_val, y_val=y_val,
                                progress=False)
                assert scores[i, b_i, j] == hist["val_acc"][-1]


def test_batch_lr_grid_seeds_marks_diverged_runs_nan(task, monkeypatch):
    import rnnlib.multiseed as multiseed

    X, y, X_val, y_val = task
    real = multiseed.init_params

    init_rng_state = np.random.default_rng(1).bit_generator.state

    def fake_init(D, H, O, rng):  # seed 1's model starts from a NaN, as after an overflow
        state = rng.bit_generator.state
        params = real(D, H, O, rng)
        if state == init_rng_state:
            params["by"][:] = np.nan
        return params

    monkeypatch.setattr(multiseed, "init_params", fake_init)
    scores = batch_lr_grid_seeds(X, y, X_val, y_val, seeds=[0, 1], hidden_size=3,
                                 batch_sizes=[8], lrs=[0.1], epochs=2, progress=False)
    assert np.isfinite(scores[0, 0, 0]) and np.isnan(scores[1, 0, 0])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(lr=[0.1]), "lr must be one value or one per model"),
        (dict(lr=-1.0), "lr must be a positive number"),
        (dict(epochs=0), "epochs must be a positive integer"),
        (dict(batch_size=0), "batch_size must be a positive integer"),
        (dict(rngs=[None, None]), r"rngs\[0\] must be a numpy.random.Generator"),
        (dict(rngs=[]), "rngs must hold one generator per model"),
        (dict(patience=2), "patience .* needs X_val and y_val"),
        (dict(X_val=np.zeros((3, 6, 1))), "give both X_val and y_val"),
        (dict(record=True), "record must be one of"),
        (dict(record="val"), 'record="val" needs X_val and y_val'),
        (dict(progress="no"), "progress must be True or False"),
        (dict(keep_params=None), "keep_params must be True or False"),
    ],
)
def test_train_stacked_rejects_bad_arguments(task, kwargs, message):
    X, y, _, _ = task
    params = [init_params(1, 3, 1, np.random.default_rng(s)) for s in range(2)]
    kw = dict(lr=0.1, epochs=1, batch_size=8, rngs=[np.random.default_rng(s) for s in range(2)],
              progress=False)
    kw.update(kwargs)
    with pytest.raises(ValueError, match=message):
        train_stacked(params, X, y, **kw)


def test_train_stacked_rejects_bad_data_and_params(task):
    X, y, X_val, y_val = task
    params = [init_params(1, 3, 1, np.random.default_rng(0))]
    kw = dict(lr=0.1, epochs=1, batch_size=8, rngs=[np.random.default_rng(0)], progress=False)
    with pytest.raises(ValueError, match="at least one parameter dict"):
        train_stacked([], X, y, **dict(kw, rngs=[]))
    with pytest.raises(ValueError, match=r"params_list\[1\]\['Wxh'\] must have shape"):
        train_stacked(params + [init_params(1, 4, 1, np.random.default_rng(1))], X, y,
                      **dict(kw, rngs=[np.random.default_rng(0)] * 2))
    with pytest.raises(ValueError, match=r"params_list\[0\] must be a dict"):
        train_stacked([{"Wxh": 1}], X, y, **kw)
    with pytest.raises(ValueError, match="X must have shape"):
        train_stacked(params, X[..., 0], y, **kw)
    with pytest.raises(ValueError, match="y must have shape"):
        train_stacked(params, X, y[:5], **kw)
    bad = X.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="must hold finite numbers"):
        train_stacked(params, bad, y, **kw)
    with pytest.raises(ValueError, match="y_val must have shape"):
        train_stacked(params, X, y, X_val=X_val, y_val=y_val[:3], **kw)


@pytest.mark.parametrize("seeds", [[], [1, 1], [-1], [1.5], [True]])
def test_seed_checks(task, seeds):
    X, y, X_val, y_val = task
    with pytest.raises(ValueError, match="seeds must"):
        train_seeds(seeds, X, y, hidden_size=2, lr=0.1, epochs=1, batch_size=8, progress=False)
    with pytest.raises(ValueError, match="seeds must"):
        batch_lr_grid_seeds(X, y, X_val, y_val, seeds=seeds, hidden_size=2, batch_sizes=[8],
                            lrs=[0.1], epochs=1, progress=False)


@pytest.mark.parametrize("seed", [-1, 1.0, True, "1"])
def test_seed_generators_rejects_bad_seeds(seed):
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        seed_generators(seed)


def test_grid_and_other_functions_reject_bad_input(task, rng):
    X, y, X_val, y_val = task
    grid = dict(seeds=[0], hidden_size=2, batch_sizes=[8], lrs=[0.1], epochs=1, progress=False)
    with pytest.raises(ValueError, match="must be non-empty"):
        batch_lr_grid_seeds(X, y, X_val, y_val, **dict(grid, lrs=[]))
    with pytest.raises(ValueError, match="must not repeat"):
        batch_lr_grid_seeds(X, y, X_val, y_val, **dict(grid, batch_sizes=[8, 8]))
    with pytest.raises(ValueError, match="lrs entry must be a positive number"):
        batch_lr_grid_seeds(X, y, X_val, y_val, **dict(grid, lrs=[0.0]))
    with pytest.raises(ValueError, match="progress must be True or False"):
        batch_lr_grid_seeds(X, y, X_val, y_val, **dict(grid, progress=None))
    stacked = stack_params([init_params(1, 3, 1, rng)])
    with pytest.raises(ValueError, match="stacked params must be a dict"):
        evaluate_stacked({"Wxh": 1}, X, y)
    with pytest.raises(ValueError, match="chunk must be a positive integer"):
        evaluate_stacked(stacked, X, y, chunk=0)
    with pytest.raises(ValueError, match=r"X must have shape \(S, B, T, D\)"):
        loss_and_grads_stacked(stacked, X, y)
    with pytest.raises(ValueError, match="Whh must have shape"):
        unstack_params(dict(stacked, Whh=np.zeros((1, 2, 2))))
    with pytest.raises(ValueError, match="y must have shape"):
        per_example_grads(unstack_params(stacked)[0], X, y[:4])


def test_early_stopping_epoch_applied_to_a_long_run_equals_train_with_patience(task):
    X, y, X_val, y_val = task
    X, y = X[:20], y[:20]
    params = init_params(1, 8, 1, np.random.default_rng(1))
    kw = dict(lr=0.5, batch_size=5, X_val=X_val, y_val=y_val, progress=False)
    [(_, long)] = train_stacked([params], X, y, epochs=40, rngs=[np.random.default_rng(1)],
                                keep_params=True, **kw)
    best_epoch, epochs_run = early_stopping_epoch(long["val_loss"], patience=3)
    stopped, hist = train(params, X, y, epochs=40, rng=np.random.default_rng(1), patience=3, **kw)
    assert (best_epoch, epochs_run) == (hist["best_epoch"], len(hist["loss"]))
    assert epochs_run < 40, "this run is meant to stop early"
    assert len(long["params"]) == 40
    for k in PARAM_NAMES:
        np.testing.assert_allclose(long["params"][best_epoch - 1][k], stopped[k], atol=1e-8)


def test_early_stopping_epoch_rule():
    assert early_stopping_epoch([3.0, 2.0, 2.5, 2.6, 2.7, 1.0], patience=3) == (2, 5)
    assert early_stopping_epoch([3.0, 2.0, 1.0], patience=1) == (3, 3)
    assert early_stopping_epoch([np.nan, 2.0, np.nan, np.nan], patience=2) == (2, 4)
    with pytest.raises(ValueError, match="no finite value"):
        early_stopping_epoch([np.nan, np.nan], patience=1)
    with pytest.raises(ValueError, match="patience must be a positive integer"):
        early_stopping_epoch([1.0], patience=0)
    with pytest.raises(ValueError, match="val_loss must have shape"):
        early_stopping_epoch([[1.0]], patience=1)


def test_keep_params_holds_every_epoch(task):
    X, y, X_val, y_val = task
    params = [init_params(1, 3, 1, np.random.default_rng(s)) for s in range(2)]
    kw = dict(lr=0.1, batch_size=16, progress=False)
    runs = train_stacked(params, X, y, epochs=3, rngs=[np.random.default_rng(s) for s in range(2)],
                         keep_params=True, **kw)
    for s, (final, hist) in enumerate(runs):
        assert len(hist["params"]) == 3
        for k in PARAM_NAMES:
            np.testing.assert_array_equal(hist["params"][-1][k], final[k])
        [(second, _)] = train_stacked([params[s]], X, y, epochs=2,
                                      rngs=[np.random.default_rng(s)], **kw)
        for k in PARAM_NAMES:
            np.testing.assert_allclose(hist["params"][1][k], second[k], rtol=0, atol=1e-14)


def test_record_val_skips_the_training_data(task):
    X, y, X_val, y_val = task
    params = [init_params(1, 4, 1, np.random.default_rng(s)) for s in range(2)]
    kw = dict(lr=0.5, epochs=30, batch_size=8, X_val=X_val, y_val=y_val, patience=2,
              progress=False)
    full = train_stacked(params, X, y, rngs=[np.random.default_rng(s) for s in range(2)], **kw)
    val = train_stacked(params, X, y, rngs=[np.random.default_rng(s) for s in range(2)],
                        record="val", **kw)
    for (pf, hf), (pv, hv) in zip(full, val):
        assert set(hv) == {"grad_norm", "val_loss", "val_acc", "best_epoch"}
        assert hv["best_epoch"] == hf["best_epoch"] and hv["val_loss"] == hf["val_loss"]
        for k in PARAM_NAMES:
            np.testing.assert_array_equal(pf[k], pv[k])
    with pytest.raises(ValueError, match="patience .* needs record="):
        train_stacked(params, X, y, rngs=[np.random.default_rng(s) for s in range(2)],
                      record="none", **kw)
