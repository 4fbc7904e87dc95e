"""The NumPy training loop shared by the chapters."""

from __future__ import annotations

import numbers

import numpy as np
from tqdm.auto import tqdm

from rnnlib._check import (
    as_array,
    check_positive_float,
    check_positive_int,
    check_rng,
    check_shape,
)
from rnnlib.losses import _sigmoid
from rnnlib.models import LOSSES, accuracy_from_proba, loss_and_grads, model_forward
from rnnlib.optim import adam_init, adam_step, clip_grad_norm, global_norm, sgd_step

OPTIMIZERS = ("sgd", "adam")


def evaluate(params, X, y, loss="bce"):
    """Loss (and accuracy for ``loss="bce"``) of the model on a whole data set.

    Parameters
    ----------
    params : dict
        From :func:`rnnlib.models.init_params`.
    X : ndarray, shape (N, T, D)
    y : ndarray, shape (N, O)
    loss : {"bce", "mse"}

    Returns
    -------
    dict
        ``{"loss": float}`` plus ``"acc"`` for BCE (equal to
        :func:`rnnlib.models.accuracy`).
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {sorted(LOSSES)}, got {loss!r}")
    y = as_array("y", y)
    out, _ = model_forward(params, X)  # (N, O); one forward pass serves both numbers
    result = {"loss": LOSSES[loss](out, y)[0]}
    if loss == "bce":  # the rule of rnnlib.models.accuracy, on the same outputs
        result["acc"] = accuracy_from_proba(_sigmoid(out), y)
    return result


def _check_validation_data(X_val, y_val, X, y):
    """Return ``X_val, y_val`` as arrays, checked against the training data.

    The RNN runs on sequences of any length, so ``T`` may differ from the
    training data's; ``D`` and ``O`` must not.
    """
    if (X_val is None) != (y_val is None):
        raise ValueError("X_val and y_val must be given together")
    if X_val is None:
        return None, None
    X_val, y_val = as_array("X_val", X_val), as_array("y_val", y_val)
    check_shape("X_val", X_val, "(M, T_val, D)", (None, None, X.shape[2]))
    check_shape("y_val", y_val, "(M, O)", (X_val.shape[0], y.shape[1]))
    return X_val, y_val


def train(
    params,
    X,
    y,
    *,
    loss="bce",
    optimizer="sgd",
    lr=0.01,
    epochs=10,
    batch_size=32,
    rng=None,
    X_val=None,
    y_val=None,
    clip=None,
    progress=True,
    patience=None,
):
    """Train the many-to-one model of :mod:`rnnlib.models` with minibatches.

    Parameters
    ----------
    params : dict
        Initial parameters (not modified).
    X : ndarray, shape (N, T, D)
    y : ndarray, shape (N, O)
    loss : {"bce", "mse"}
    optimizer : {"sgd", "adam"}
    lr : float
        Learning rate.
    epochs : int
        Passes over the data.
    batch_size : int
        Sequences per update; 1 is per-example SGD.  Clipped to ``N``.
    rng : numpy.random.Generator, optional
        Shuffles the data every epoch; without it the order is fixed.
    X_val : ndarray, shape (M, T_val, D), optional
    y_val : ndarray, shape (M, O), optional
        Held-out data evaluated after every epoch; give both or neither.
        ``M`` and the sequence length ``T_val`` may differ from the training
        data's.
    clip : float, optional
        Clip every gradient to this global norm.
    progress : bool
        Show a progress bar over epochs.
    patience : int, optional
        Early stopping (needs ``X_val``/``y_val``): stop once ``val_loss`` has
        not improved for ``patience`` epochs in a row, and return the
        parameters of the epoch with the lowest ``val_loss``.  A NaN or
        infinite ``val_loss`` never counts as an improvement; if no epoch had
        a finite one (the run diverged), there are no parameters worth
        returning and a ``ValueError`` is raised.

    Returns
    -------
    params : dict
        Trained parameters.
    history : dict of str to list
        Per epoch: ``loss`` (and ``acc`` for BCE) on the training data after
        the epoch, ``grad_norm`` (largest global gradient norm in the epoch,
        before clipping; NaN if any was NaN), and ``val_loss``/``val_acc``
        when validation data is given.  With ``patience``, also
        ``best_epoch`` (an int, counted from 1): the epoch whose parameters
        are returned; the lists cover every epoch run, including those after
        the best one.
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {sorted(LOSSES)}, got {loss!r}")
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    X, y = as_array("X", X), as_array("y", y)
    if X.ndim != 3 or y.ndim != 2 or X.shape[0] != y.shape[0]:
        raise ValueError(
            f"X must have shape (N, T, D) and y shape (N, O), got {X.shape} and {y.shape}"
        )
    lr = check_positive_float("lr", lr)
    epochs = check_positive_int("epochs", epochs)
    batch_size = min(check_positive_int("batch_size", batch_size), X.shape[0])
    if rng is not None:
        rng = check_rng("rng", rng)
    if clip is not None:
        clip = check_positive_float("clip", clip)
    X_val, y_val = _check_validation_data(X_val, y_val, X, y)
    if patience is not None:
        patience = check_positive_int("patience", patience)
        if X_val is None:
            raise ValueError("patience (early stopping) needs X_val and y_val")
    best = {"loss": np.inf, "epoch": 0, "params": params}

    state = adam_init(params) if optimizer == "adam" else None
    history = {"loss": [], "grad_norm": []}
    N = X.shape[0]
    for epoch in tqdm(range(1, epochs + 1), disable=not progress, desc="epochs"):
        order = rng.permutation(N) if rng is not None else np.arange(N)
        largest = 0.0
        for start in range(0, N, batch_size):
            idx = order[start : start + batch_size]
            _, grads = loss_and_grads(params, X[idx], y[idx], loss)
            if clip is not None:
                grads, norm = clip_grad_norm(grads, clip)
            else:
                norm = global_norm(grads)
            largest = float(np.maximum(largest, norm))  # a NaN norm stays visible
            if optimizer == "sgd":
                params = sgd_step(params, grads, lr)
            else:
                params, state = adam_step(params, grads, state, lr=lr)
        history["grad_norm"].append(largest)
        for key, value in evaluate(params, X, y, loss).items():
            history.setdefault(key, []).append(value)
        if X_val is not None:
            for key, value in evaluate(params, X_val, y_val, loss).items():
                history.setdefault("val_" + key, []).append(value)
        if patience is not None:
            if history["val_loss"][-1] < best["loss"]:  # False for NaN: no improvement
                best = {"loss": history["val_loss"][-1], "epoch": epoch, "params": params}
            elif epoch - best["epoch"] >= patience:
                break
    if patience is not None:
        if best["epoch"] == 0:
            raise ValueError(
                f"early stopping found no epoch with a finite val_loss in {epoch} epochs "
                f"(last {history['val_loss'][-1]}): the run diverged; lower lr or set clip"
            )
        history["best_epoch"] = best["epoch"]
        return best["params"], history
    return params, history


def batch_lr_grid(
    params,
    X,
    y,
    X_val,
    y_val,
    *,
    batch_sizes,
    lrs,
    epochs,
    seed,
    optimizer="sgd",
    loss="bce",
    return_runs=False,
):
    """Train one model per (batch size, learning rate) pair and score it.

    Every run starts from the same ``params`` and shuffles with
    ``np.random.default_rng(seed)``, so the runs differ only in the two
    hyperparameters.

    Parameters
    ----------
    params : dict
        Initial parameters (not modified).
    X : ndarray, shape (N, T, D)
    y : ndarray, shape (N, O)
    X_val : ndarray, shape (M, T, D)
    y_val : ndarray, shape (M, O)
        Data on which every trained model is scored.
    batch_sizes : sequence of int
        Rows of the grid.
    lrs : sequence of float
        Columns of the grid.
    epochs : int
        Epochs of every run.
    seed : int
        Seed of the shuffling generator of every run.
    optimizer : {"sgd", "adam"}
    loss : {"bce", "mse"}
    return_runs : bool
        Also return every run's trained parameters and history, so that a
        run the grid already made need not be trained again.

    Returns
    -------
    scores : ndarray, shape (len(batch_sizes), len(lrs))
        Accuracy on ``(X_val, y_val)`` for ``loss="bce"``, loss for ``"mse"``.
        A run whose loss became NaN scores NaN.  Without ``return_runs``
        this array alone is returned.
    runs : dict of (int, float) to (dict, dict)
        Only with ``return_runs=True``: ``runs[(batch_size, lr)]`` is the
        ``(params, history)`` pair that :func:`train` returns for that run
        (equal to calling it with ``rng=np.random.default_rng(seed)``,
        ``X_val``, ``y_val`` and ``progress=False``).  A batch size or
        learning rate listed twice gives one entry.
    """
    batch_sizes, lrs = list(batch_sizes), list(lrs)
    if not batch_sizes or not lrs:
        raise ValueError("batch_sizes and lrs must be non-empty sequences")
    for b in batch_sizes:
        check_positive_int("batch_sizes entry", b)
    for lr in lrs:
        check_positive_float("lrs entry", lr)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if not isinstance(return_runs, bool):
        raise ValueError(f"return_runs must be True or False, got {return_runs!r}")
    metric = "val_acc" if loss == "bce" else "val_loss"
    scores = np.empty((len(batch_sizes), len(lrs)))
    runs = {}
    for i, b in enumerate(batch_sizes):
        for j, lr in enumerate(lrs):
            with np.errstate(over="ignore", invalid="ignore"):
                trained, hist = train(
                    params,
                    X,
                    y,
                    loss=loss,
                    optimizer=optimizer,
                    lr=lr,
                    epochs=epochs,
                    batch_size=b,
                    rng=np.random.default_rng(seed),
                    X_val=X_val,
                    y_val=y_val,
                    progress=False,
                )
            diverged = not np.isfinite(hist["val_loss"][-1])
            scores[i, j] = np.nan if diverged else hist[metric][-1]
            if return_runs:
                runs[(b, lr)] = (trained, hist)
    return (scores, runs) if return_runs else scores
