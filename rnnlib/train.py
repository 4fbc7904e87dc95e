"""The NumPy training loop shared by the chapters."""

from __future__ import annotations

import numpy as np
from tqdm.auto import tqdm

from rnnlib._check import as_array, check_positive_float, check_positive_int, check_rng
from rnnlib.models import LOSSES, accuracy, loss_and_grads, model_forward
from rnnlib.optim import adam_init, adam_step, clip_grad_norm, global_norm, sgd_step

OPTIMIZERS = ("sgd", "adam")


def evaluate(params, X, y, loss="bce"):
    """Loss (and accuracy for ``loss="bce"``) of the model on a whole data set.

    Returns
    -------
    dict
        ``{"loss": float}`` plus ``"acc"`` for BCE.
    """
    out, _ = model_forward(params, X)
    result = {"loss": LOSSES[loss](out, y)[0]}
    if loss == "bce":
        result["acc"] = accuracy(params, X, y)
    return result


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
    X_val, y_val : ndarray, optional
        Held-out data evaluated after every epoch.
    clip : float, optional
        Clip every gradient to this global norm.
    progress : bool
        Show a progress bar over epochs.

    Returns
    -------
    params : dict
        Trained parameters.
    history : dict of str to list
        Per epoch: ``loss`` (and ``acc`` for BCE) on the training data after
        the epoch, ``grad_norm`` (largest global gradient norm in the epoch,
        before clipping), and ``val_loss``/``val_acc`` when validation data is
        given.
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
    if (X_val is None) != (y_val is None):
        raise ValueError("X_val and y_val must be given together")

    state = adam_init(params) if optimizer == "adam" else None
    history = {"loss": [], "grad_norm": []}
    N = X.shape[0]
    for _ in tqdm(range(epochs), disable=not progress, desc="epochs"):
        order = rng.permutation(N) if rng is not None else np.arange(N)
        largest = 0.0
        for start in range(0, N, batch_size):
            idx = order[start : start + batch_size]
            _, grads = loss_and_grads(params, X[idx], y[idx], loss)
            if clip is not None:
                grads, norm = clip_grad_norm(grads, clip)
            else:
                norm = global_norm(grads)
            largest = max(largest, norm)
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
    return params, history
