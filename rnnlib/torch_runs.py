"""Seeded PyTorch training runs, for results that must hold over several seeds.

A run is one model trained from one seed: the seed fixes its initial weights
(:func:`seeded_model`) and the order of its training batches
(:func:`train_seeded`), and nothing else in it is random.  Runs are
independent, and a small recurrent model uses one core, so
:func:`train_in_threads` trains several at a time, one per thread.  Build the
models first, in one thread: ``torch.manual_seed`` seeds a generator that all
threads share, while a running :func:`train_seeded` draws only from its own
``torch.Generator``.  A run's result then does not depend on which thread ran
it or when.

:func:`first_eval_below` reads when a run left a plateau,
:func:`forget_path_factor` how much of an LSTM's cell state survives along the
forget-gate path (chapter 7), and :func:`autograd_nodes` counts the operations
that autograd recorded, which is what an update of a small model costs.
"""

from __future__ import annotations

import numbers
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from tqdm.auto import tqdm

from rnnlib._check import as_array, check_positive_float, check_positive_int, check_shape
from rnnlib.torch_models import CELLS, SequenceModel, train_torch


def _check_seed(seed):
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def _check_real(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite real number, got {value!r}")
    return float(value)


def seeded_model(
    cell, seed, hidden_size, input_size=2, *, head_bias=None, forget_bias=None, device=None
):
    """A :class:`~rnnlib.torch_models.SequenceModel` whose initial weights come from ``seed``.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru"}
    seed : int
        Passed to ``torch.manual_seed`` just before the model is built, so the
        same seed gives the same initial weights.
    hidden_size : int
        ``H``.
    input_size : int
        ``D``, features per time step.
    head_bias : float, optional
        Initial bias of the output layer, for example the mean training
        target of a regression, so that the model starts at the best constant
        prediction; PyTorch's default when omitted.
    forget_bias : float, optional
        Only for ``cell="lstm"``: the initial forget-gate bias of every unit.
        PyTorch keeps two biases whose sum is what counts, so each gets
        ``forget_bias / 2`` in the rows ``H:2H`` (gate order i, f, g, o);
        PyTorch's default when omitted.
    device : torch.device or str, optional

    Returns
    -------
    SequenceModel
        Maps (N, T, D) to (N, 1).
    """
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
    seed = _check_seed(seed)
    H = check_positive_int("hidden_size", hidden_size)
    D = check_positive_int("input_size", input_size)
    if forget_bias is not None and cell != "lstm":
        raise ValueError(f"forget_bias is for cell='lstm' only, got cell={cell!r}")
    head_bias = None if head_bias is None else _check_real("head_bias", head_bias)
    forget_bias = None if forget_bias is None else _check_real("forget_bias", forget_bias)
    torch.manual_seed(seed)
    model = SequenceModel(D, H, cell=cell)
    with torch.no_grad():
        if head_bias is not None:
            model.head.bias.fill_(head_bias)
        if forget_bias is not None:
            model.recurrent.bias_ih_l0[H : 2 * H] = forget_bias / 2
            model.recurrent.bias_hh_l0[H : 2 * H] = forget_bias / 2
    return model.to(device) if device is not None else model


def train_seeded(
    model,
    seed,
    X,
    y,
    *,
    steps,
    batch_size,
    lr,
    clip=None,
    val_data=None,
    eval_every=None,
    loss_fn=None,
):
    """Train ``model`` in place with Adam on shuffled batches whose order comes from ``seed``.

    The usual loop of :func:`rnnlib.torch_models.train_torch` (without a
    progress bar) on a ``DataLoader`` over ``(X, y)`` that shuffles with
    ``torch.Generator().manual_seed(seed)``.  It draws from no other random
    generator, so it can run in a thread next to other runs.

    Parameters
    ----------
    model : torch.nn.Module
        Maps (N, T, D) to (N, O).
    seed : int
        Seed of the batch order.
    X : torch.Tensor, shape (N, T, D)
    y : torch.Tensor, shape (N, O)
    steps : int
        Number of Adam updates.
    batch_size : int
    lr : float
        Adam's learning rate.
    clip : float, optional
        Clip the gradients to this global norm.
    val_data : tuple (X_val, y_val) of tensors, optional
    eval_every : int, optional
        Updates between evaluations on ``val_data``.
    loss_fn : callable, optional
        ``nn.MSELoss()`` when omitted.

    Returns
    -------
    dict of str to list
        The history of :func:`~rnnlib.torch_models.train_torch`: ``loss``,
        ``grad_norm`` and, with ``val_data``, ``eval_step`` and ``val_loss``.
    """
    seed = _check_seed(seed)
    if not isinstance(X, torch.Tensor) or not isinstance(y, torch.Tensor):
        raise ValueError("X and y must be torch tensors of shapes (N, T, D) and (N, O)")
    if X.ndim != 3 or y.ndim != 2 or len(X) != len(y) or len(X) == 0:
        raise ValueError(
            f"X and y must have shapes (N, T, D) and (N, O) with the same N >= 1, "
            f"got {tuple(X.shape)} and {tuple(y.shape)}"
        )
    batch_size = check_positive_int("batch_size", batch_size)
    lr = check_positive_float("lr", lr)
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    loader = DataLoader(
        TensorDataset(X, y),
        batch_size=batch_size,
        shuffle=True,
        generator=torch.Generator().manual_seed(seed),
    )
    return train_torch(
        model,
        loader,
        nn.MSELoss() if loss_fn is None else loss_fn,
        torch.optim.Adam(model.parameters(), lr=lr),
        steps=steps,
        clip=clip,
        val_data=val_data,
        eval_every=eval_every,
        progress=False,
    )


def train_in_threads(run, jobs, workers=2, progress=True, desc="runs"):
    """``[run(job) for job in jobs]``, computed ``workers`` jobs at a time in threads.

    PyTorch releases Python's global lock inside its operations, so runs of
    small models that each use one core (``torch.set_num_threads(1)``) train
    side by side on a machine with several cores.  ``run`` must not draw from
    a generator that other jobs use (``torch.manual_seed``'s): build the
    models before, in one thread.

    Parameters
    ----------
    run : callable
        ``run(job) -> result``.
    jobs : sequence
        At least one job.
    workers : int
        Threads, at least 1 (1 runs the jobs one after the other).
    progress : bool
        Show a progress bar over the finished jobs.
    desc : str
        Label of the progress bar.

    Returns
    -------
    list
        The results in the order of ``jobs``.
    """
    if not callable(run):
        raise ValueError(f"run must be callable, got {type(run).__name__}")
    jobs = list(jobs)
    if not jobs:
        raise ValueError("jobs must hold at least one job")
    workers = check_positive_int("workers", workers)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(tqdm(pool.map(run, jobs), total=len(jobs), desc=desc, disable=not progress))


def first_eval_below(history, level):
    """The first evaluated update at which the validation loss is below ``level``.

    Parameters
    ----------
    history : dict
        With equally long lists ``eval_step`` and ``val_loss``, as returned by
        :func:`~rnnlib.torch_models.train_torch` with ``val_data``.
    level : float
        For example half the loss of the best constant prediction (> 0).

    Returns
    -------
    int or None
        ``history["eval_step"][k]`` for the first ``k`` with
        ``history["val_loss"][k] < level``; ``None`` if there is none.
    """
    if not isinstance(history, dict) or not {"eval_step", "val_loss"} <= set(history):
        raise ValueError("history must be a dict with the lists 'eval_step' and 'val_loss'")
    steps, losses = history["eval_step"], history["val_loss"]
    if len(steps) != len(losses):
        raise ValueError(
            f"history['eval_step'] and history['val_loss'] must have the same length, "
            f"got {len(steps)} and {len(losses)}"
        )
    level = check_positive_float("level", level)
    return next((int(s) for s, v in zip(steps, losses) if v < level), None)


def forget_path_factor(f, start):
    """Mean over sequences of the product of each unit's forget gates after ``start``.

    For sequence ``n`` and unit ``j`` the product runs over the steps
    ``t > start[n]`` (0-based, as in ``f[:, t]``)::

        factor[j] = mean_n  prod_{t > start[n]} f[n, t, j]

    It is the factor by which the cell state written at step ``start[n]``
    reaches the last step along the cell path (holding the gates fixed), and
    the factor by which a gradient on the last cell state reaches it back.

    Parameters
    ----------
    f : array_like, shape (N, T, H)
        Forget-gate activations, in [0, 1] (for example
        ``rnnlib.torch_models.lstm_gates(...)["f"]`` as an array).
    start : array_like of int, shape (N,)
        A step of every sequence, ``0 <= start[n] < T``.

    Returns
    -------
    ndarray, shape (H,)
    """
    f = as_array("f", f).astype(np.float64)
    check_shape("f", f, "(N, T, H)", (None, None, None))
    N, T, _ = f.shape
    if N == 0 or T == 0:
        raise ValueError(f"f must hold at least one sequence and one step, got {f.shape}")
    if np.any((f < 0) | (f > 1)) or not np.all(np.isfinite(f)):
        raise ValueError("f must hold gate values in [0, 1]")
    start = np.asarray(start)
    if start.shape != (N,) or not np.issubdtype(start.dtype, np.integer):
        raise ValueError(f"start must be integers of shape (N,) = ({N},), got {start!r:.60}")
    if np.any(start < 0) or np.any(start >= T):
        raise ValueError(f"start must lie in [0, T) = [0, {T}), got values outside")
    after = np.arange(T)[None, :] > start[:, None]  # (N, T): the steps t > start[n]
    return np.where(after[:, :, None], f, 1.0).prod(axis=1).mean(axis=0)  # (H,)


def graph_nodes(tensor):
    """The autograd nodes reachable from ``tensor.grad_fn`` (a set; see :func:`autograd_nodes`).

    Parameters
    ----------
    tensor : torch.Tensor
        The output of a computation, with a ``grad_fn``.

    Returns
    -------
    set
        The nodes: ``type(node).__name__`` tells which operation recorded each.
    """
    if not isinstance(tensor, torch.Tensor) or tensor.grad_fn is None:
        raise ValueError("tensor must be a torch.Tensor computed from tensors that require grad")
    seen, stack = set(), [tensor.grad_fn]
    while stack:
        fn = stack.pop()
        if fn is not None and fn not in seen:
            seen.add(fn)
            stack.extend(next_fn for next_fn, _ in fn.next_functions)
    return seen


def autograd_nodes(tensor):
    """Number of autograd nodes reachable from ``tensor.grad_fn``.

    Every operation on tensors that require gradients records one node (the
    parameters add one ``AccumulateGrad`` node each); ``backward()`` walks
    them all.  A recurrent layer unrolled into small operations records a few
    nodes per time step, a fused kernel one node for the whole sequence.

    Parameters
    ----------
    tensor : torch.Tensor
        The output of a computation, with a ``grad_fn``.

    Returns
    -------
    int
    """
    return len(graph_nodes(tensor))
