"""The NumPy training loop shared by the chapters.

A run that diverges (a loss or gradient norm that overflows to infinity or
becomes NaN) stops with :class:`TrainingDiverged`, which keeps the history
up to that point; data holding NaN or infinity is rejected up front with a
``ValueError``.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from tqdm.auto import tqdm

from rnnlib._check import (
    as_array,
    check_finite,
    check_positive_float,
    check_positive_int,
    check_rng,
    check_shape,
)
from rnnlib.losses import _sigmoid
from rnnlib.models import LOSSES, accuracy_from_proba, loss_and_grads, model_forward
from rnnlib.optim import adam_init, adam_step, clip_grad_norm, global_norm, sgd_step

OPTIMIZERS = ("sgd", "adam")


class TrainingDiverged(FloatingPointError):
    """A training run produced a loss or a gradient norm that is NaN or infinite.

    Raised by :func:`train` and :func:`rnnlib.torch_models.train_torch` at the
    first such step, instead of training on NaN and returning NaN
    parameters.  The message names the epoch and the step, the last finite
    loss and the largest gradient norm seen, and the remedies: a smaller
    learning rate, or gradient clipping with the ``clip=`` argument.

    It is a :class:`FloatingPointError` (what NumPy raises under
    ``np.errstate(all="raise")``), not a ``ValueError``: every argument was
    valid, the run itself overflowed, and ``except ValueError`` around a call
    with bad arguments does not swallow it.  A chapter or an exercise that
    shows a divergence on purpose catches it and plots what it carries::

        try:
            params, history = train(params0, X, y, lr=10.0)
        except TrainingDiverged as err:
            params, history = err.params, err.history

    Attributes
    ----------
    history : dict of str to list
        What the run recorded before it diverged, in the layout of the normal
        return: per finished epoch for :func:`train`, per update (and per
        evaluation) for ``train_torch``.  Only finite steps are in it.
    params : dict or None
        :func:`train`: the parameters after the last finished epoch (the
        initial ones if the first epoch diverged), so that
        ``(err.params, err.history)`` is what ``train`` returns when asked
        for those epochs only (without early stopping: there is no
        ``best_epoch``).  ``train_torch``: ``None``; the model itself holds the
        parameters reached (an update whose loss or gradient norm is not
        finite is not applied).
    epoch, step, update : int
        Where it happened: the epoch (from 1), the step within that epoch
        (from 1) and the number of the update over the whole run (from 1).
    loss, grad_norm : float
        The loss and the gradient norm (before clipping) of that step; NaN
        when the step did not compute one.
    last_finite_loss : float or None
        The loss of the last step whose loss and gradient norm were finite
        (``None`` if there was none).
    max_grad_norm : float
        The largest finite gradient norm seen (before clipping), 0.0 if none.
    """

    def __init__(
        self,
        message,
        *,
        history=None,
        params=None,
        epoch=0,
        step=0,
        update=0,
        loss=float("nan"),
        grad_norm=float("nan"),
        last_finite_loss=None,
        max_grad_norm=0.0,
    ):
        super().__init__(message)
        self.history = {} if history is None else history
        self.params = params
        self.epoch, self.step, self.update = epoch, step, update
        self.loss, self.grad_norm = loss, grad_norm
        self.last_finite_loss, self.max_grad_norm = last_finite_loss, max_grad_norm

    def __reduce__(self):
        # Keep the attributes through pickle (multiprocessing, joblib), not only the message.
        return type(self), self.args, self.__dict__


class _DivergenceWatch:
    """Follows a training run and raises :class:`TrainingDiverged`, for both loops.

    It counts the updates, keeps the last finite loss, the largest finite
    gradient norm and the parameters after the last finished epoch, and
    builds the message.

    Parameters
    ----------
    history : dict of str to list
        The run's history (the same object, filled in by the loop).
    params : dict or None
        The initial parameters (``None`` for PyTorch).
    steps_per_epoch : int
        Updates per epoch, to turn the update count into epoch and step.
    lr : str
        The learning rate(s) as text for the message, for example ``"lr=0.1"``.
    clip : float or None
        The clipping threshold of the run.
    """

    def __init__(self, history, params, *, steps_per_epoch, lr, clip):
        self.history, self.params = history, params
        self.steps_per_epoch, self.lr, self.clip = steps_per_epoch, lr, clip
        self.update, self.last_loss, self.max_norm = 0, None, 0.0

    def step(self, loss, norm):
        """Count one update; raise if its loss or gradient norm is NaN or infinite."""
        self.update += 1
        if math.isfinite(norm):
            self.max_norm = max(self.max_norm, norm)
        if not (math.isfinite(loss) and math.isfinite(norm)):
            raise self.error(f"the loss is {loss:.4g} and the gradient norm {norm:.4g}", loss, norm)
        self.last_loss = loss

    def epoch_end(self, params):
        """Raise if the epoch just recorded ended with a non-finite loss or parameter.

        Otherwise ``params`` become those of the last finished epoch.  On
        failure, the history attached is without this epoch.
        """
        loss = self.history["loss"][-1]
        bad = [name for name, value in params.items() if not np.isfinite(value).all()]
        if math.isfinite(loss) and not bad:
            self.params = params
            return
        if not math.isfinite(loss):
            what = f"after this update the loss on the training data is {loss}"
        else:
            what = f"after this update parameter {bad[0]} is not finite"
        before = {key: values[:-1] for key, values in self.history.items()}
        raise self.error(what, loss, history=before)

    def error(self, what, loss=float("nan"), norm=float("nan"), history=None):
        """The :class:`TrainingDiverged` of the current update, ``what`` saying what failed."""
        epoch, step = divmod(self.update - 1, self.steps_per_epoch)
        epoch, step = epoch + 1, step + 1
        last = "none" if self.last_loss is None else f"{self.last_loss:.4g}"
        if self.clip is None:
            clipping = "clip the gradients with the clip= argument, for example clip=1.0"
        else:
            clipping = f"a smaller clip= threshold (clip={self.clip:g} now)"
        message = (
            f"training diverged in epoch {epoch}, step {step} "
            f"(update {self.update} of the run): {what}. "
            f"Last finite loss: {last}; largest gradient norm seen: {self.max_norm:.4g}. "
            f"The updates grew too large. Try a smaller learning rate ({self.lr} now), "
            f"or {clipping}. The history up to this point is in this error's .history attribute."
        )
        return TrainingDiverged(
            message,
            history=self.history if history is None else history,
            params=None if self.params is None else dict(self.params),
            epoch=epoch,
            step=step,
            update=self.update,
            loss=loss,
            grad_norm=norm,
            last_finite_loss=self.last_loss,
            max_grad_norm=self.max_norm,
        )


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

    Raises
    ------
    ValueError
        For a bad argument, or when ``X`` or ``y`` holds a NaN or an infinity
        (the message names the first such entry).
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {sorted(LOSSES)}, got {loss!r}")
    y = check_finite("y", as_array("y", y))
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
    return check_finite("X_val", X_val), check_finite("y_val", y_val)


@np.errstate(over="ignore", invalid="ignore", divide="ignore")  # TrainingDiverged, not warnings
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
        Training data; finite (NaN or infinity raises ``ValueError`` before
        any training, and so does it in ``X_val``/``y_val``).
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
        a finite one (while the training loss stayed finite), there are no
        parameters worth returning and a ``ValueError`` is raised.

    Returns
    -------
    params : dict
        Trained parameters.
    history : dict of str to list
        Per epoch: ``loss`` (and ``acc`` for BCE) on the training data after
        the epoch, ``grad_norm`` (largest global gradient norm in the epoch,
        before clipping), and ``val_loss``/``val_acc`` when validation data
        is given.  With ``patience``, also ``best_epoch`` (an int, counted
        from 1): the epoch whose parameters are returned; the lists cover
        every epoch run, including those after the best one.

    Raises
    ------
    TrainingDiverged
        At the first update whose minibatch loss or gradient norm is NaN or
        infinite, or when an epoch ends with a non-finite training loss or
        parameter: the learning rate is too large for the model (or
        ``clip`` too loose).  The message says where and what to try; the
        history of the finished epochs is in its ``.history`` and their
        parameters in its ``.params``.  NumPy's "overflow encountered"
        warnings of such a run are silenced: the error replaces them.  A run
        with large but finite gradients (chapter 5's exploding runs) is not
        stopped.
    ValueError
        For a bad argument, or data holding NaN or infinity (the message
        names the argument and the first bad entry).
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
    check_finite("X", X)
    check_finite("y", y)
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
    watch = _DivergenceWatch(
        history, params, steps_per_epoch=-(-N // batch_size), lr=f"lr={lr:g}", clip=clip
    )
    for epoch in tqdm(range(1, epochs + 1), disable=not progress, desc="epochs"):
        order = rng.permutation(N) if rng is not None else np.arange(N)
        largest = 0.0
        for start in range(0, N, batch_size):
            idx = order[start : start + batch_size]
            value, grads = loss_and_grads(params, X[idx], y[idx], loss)
            if clip is not None:
                grads, norm = clip_grad_norm(grads, clip)
            else:
                norm = global_norm(grads)
            watch.step(value, norm)  # TrainingDiverged if either is NaN or infinite
            largest = float(np.maximum(largest, norm))
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
        watch.epoch_end(params)  # TrainingDiverged if the loss or a parameter is not finite
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
        A run that diverged (:func:`train` raised :class:`TrainingDiverged`),
        or whose validation loss is not finite, scores NaN: the grid goes on
        with the other runs.  Without ``return_runs`` this array alone is
        returned.
    runs : dict of (int, float) to (dict, dict)
        Only with ``return_runs=True``: ``runs[(batch_size, lr)]`` is the
        ``(params, history)`` pair that :func:`train` returns for that run
        (equal to calling it with ``rng=np.random.default_rng(seed)``,
        ``X_val``, ``y_val`` and ``progress=False``); for a run that diverged,
        the ``(err.params, err.history)`` of its :class:`TrainingDiverged`
        (the epochs before the divergence).  A batch size or learning rate
        listed twice gives one entry.
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
            try:
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
            except TrainingDiverged as err:
                trained, hist, diverged = err.params, err.history, True
            scores[i, j] = np.nan if diverged else hist[metric][-1]
            if return_runs:
                runs[(b, lr)] = (trained, hist)
    return (scores, runs) if return_runs else scores
