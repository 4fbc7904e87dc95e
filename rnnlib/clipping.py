"""Training with and without gradient clipping, seed by seed (chapter 5).

:func:`clipping_comparison` trains one initialisation twice with the same
minibatches, once with plain SGD and once with the gradient clipped to a
global norm, and summarises each run by the numbers chapter 5 compares over
seeds: where the run ended (validation accuracy, training loss), how it got
there (the largest gradient norm, the longest step, how often the training
loss jumped up) and the state it was left in (spectral radius of ``W_hh``,
share of saturated hidden states).
"""

from __future__ import annotations

import numbers

import numpy as np

from rnnlib._check import as_array, check_positive_float, check_positive_int, check_shape
from rnnlib.gradients import spectral_radius
from rnnlib.models import init_params
from rnnlib.rnn import rnn_forward
from rnnlib.train import TrainingDiverged, evaluate, train

RUNS = ("no clipping", "clipped")


def spawned_generators(seed):
    """Independent generators for the initial parameters and the minibatch order.

    Chapter 5's scheme: the two children of one ``SeedSequence``. (Chapters 3 and 4 use
    :func:`rnnlib.multiseed.seed_generators`, generators ``seed`` and ``seed + 1``, so that
    their single runs are the first of their seeds; the two schemes give different draws.)

    Parameters
    ----------
    seed : int
        A non-negative integer.

    Returns
    -------
    init_rng, order_rng : numpy.random.Generator
        Generators of the two children of ``np.random.SeedSequence(seed)``.
    """
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    init_ss, order_ss = np.random.SeedSequence(int(seed)).spawn(2)
    return np.random.default_rng(init_ss), np.random.default_rng(order_ss)


def clipping_comparison(
    seed, X, y, X_val, y_val, *, hidden_size, lr, epochs, batch_size, clip, late=5, jump=0.1,
    saturation=0.99,
):
    """Train one start twice with the same minibatches: without and with clipping.

    Parameters
    ----------
    seed : int
        Seeds the initial parameters and the minibatch order
        (:func:`spawned_generators`); both runs share them.
    X : ndarray, shape (N, T, D)
    y : ndarray, shape (N, O)
        Training data of a binary task (BCE loss, labels 0/1).
    X_val : ndarray, shape (M, T_val, D)
    y_val : ndarray, shape (M, O)
    hidden_size : int
    lr : float
        SGD learning rate of both runs.
    epochs, batch_size : int
    clip : float
        Global-norm threshold of the clipped run (> 0).
    late : int
        Number of last epochs over which ``late_val_acc`` is averaged.
    jump : float
        An epoch counts as a loss jump when its training loss exceeds that of
        the epoch before (or the loss before training) by more than ``jump``.
    saturation : float
        A hidden state counts as saturated when ``|h| > saturation``, in (0, 1).

    Returns
    -------
    dict
        ``start_loss``: the training loss at the initial parameters.  For
        each name in :data:`RUNS` (``"no clipping"``, ``"clipped"``) a dict
        with

        - ``val_acc``, ``final_loss``: validation accuracy and training loss
          of the parameters the run ended with;
        - ``late_val_acc``: the mean validation accuracy over the last
          ``late`` epochs (fewer if the run had fewer), less at the mercy of
          a single epoch than ``val_acc``;
        - ``lowest_loss``: the lowest training loss after any epoch;
        - ``loss_jumps``: number of epochs whose loss jumped (see ``jump``);
        - ``max_grad_norm``: largest global gradient norm, before clipping;
        - ``largest_step``: ``lr * min(max_grad_norm, clip)``, the length of
          the longest update;
        - ``radius``: spectral radius of the trained ``W_hh``;
        - ``saturated``: share of the validation hidden states (all steps)
          with ``|h| > saturation``;
        - ``history``: from :func:`rnnlib.train.train`;
        - ``diverged``: whether :class:`rnnlib.train.TrainingDiverged` stopped
          the run; its numbers then describe the parameters and the history
          before the failing update (``max_grad_norm`` includes the norms of
          the unfinished epoch).
    """
    X, y = as_array("X", X), as_array("y", y)
    check_shape("X", X, "(N, T, D)", (None, None, None))
    check_shape("y", y, "(N, O)", (X.shape[0], None))
    clip = check_positive_float("clip", clip)
    lr = check_positive_float("lr", lr)
    H = check_positive_int("hidden_size", hidden_size)
    late = check_positive_int("late", late)
    jump = check_positive_float("jump", jump)
    if isinstance(saturation, bool) or not isinstance(saturation, numbers.Real) or not (
        0.0 < saturation < 1.0
    ):
        raise ValueError(f"saturation must be a number in (0, 1), got {saturation!r}")
    init_rng, _ = spawned_generators(seed)
    params0 = init_params(X.shape[2], H, y.shape[1], init_rng)
    start_loss = evaluate(params0, X, y)["loss"]
    result = {"start_loss": start_loss}
    for name, c in zip(RUNS, (None, clip)):
        _, order_rng = spawned_generators(seed)  # a fresh copy: the same minibatches in both runs
        try:
            params, history = train(
                params0, X, y, loss="bce", optimizer="sgd", lr=lr, epochs=epochs,
                batch_size=batch_size, rng=order_rng, X_val=X_val, y_val=y_val, clip=c,
                progress=False,
            )
            diverged, max_norm = False, max(history["grad_norm"])
        except TrainingDiverged as err:
            params, history, diverged = err.params, err.history, True
            max_norm = max([err.max_grad_norm, *history["grad_norm"]])
        val_accs = history.get("val_acc", [])
        if not val_accs:  # diverged in the first epoch: params are the initial ones
            val_accs = [evaluate(params0, X_val, y_val)["acc"]]
        losses = np.array([start_loss, *history["loss"]])  # (finished epochs + 1,)
        hs, _ = rnn_forward(X_val, np.zeros((X_val.shape[0], H)), params["Wxh"], params["Whh"],
                            params["bh"])  # (M, T_val, H)
        result[name] = {
            "val_acc": float(val_accs[-1]),
            "late_val_acc": float(np.mean(val_accs[-late:])),
            "final_loss": float(losses[-1]),
            "lowest_loss": float(losses[1:].min() if losses.size > 1 else losses[0]),
            "loss_jumps": int(np.sum(np.diff(losses) > jump)),
            "max_grad_norm": float(max_norm),
            "largest_step": lr * (max_norm if c is None else min(max_norm, c)),
            "radius": spectral_radius(params["Whh"]),
            "saturated": float(np.mean(np.abs(hs) > saturation)),
            "history": history,
            "diverged": diverged,
        }
    return result
