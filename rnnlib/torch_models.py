"""PyTorch versions of the course's models, and one training loop for them.

:class:`SequenceModel` is the many-to-one model of :mod:`rnnlib.models`
written with ``torch.nn``: a batch-first recurrent layer (``nn.RNN``,
``nn.LSTM`` or ``nn.GRU``) and a linear head on the last hidden state::

    hs, _ = recurrent(x)        # (N, T, H)
    out = head(hs[:, -1])       # (N, O): logits for BCE, values for MSE

:func:`load_numpy_params` copies the NumPy parameters into it, and
:func:`numpy_grads` reads the gradients back with the NumPy names, so the
hand-written backward pass can be checked against autograd.
:func:`lstm_gates` recomputes the gates that ``nn.LSTM`` does not return.

Like the NumPy functions, the training loop and the evaluation helpers reject
data holding NaN or infinity with a ``ValueError``, and :func:`train_torch`
stops a diverging run with :class:`rnnlib.train.TrainingDiverged`.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from rnnlib._check import (
    as_array,
    check_positive_float,
    check_positive_int,
    check_shape,
    nonfinite_message,
)
from rnnlib.models import PARAM_NAMES
from rnnlib.train import _DivergenceWatch

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def get_device():
    """Return ``torch.device("cuda")`` when a GPU is available, else ``"cpu"``."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class SequenceModel(nn.Module):
    """Recurrent layer (batch first) and a linear head on the last hidden state.

    Parameters
    ----------
    input_size : int
        Features per time step ``D``.
    hidden_size : int
        Size ``H`` of the hidden state.
    cell : {"rnn", "lstm", "gru"}
        Which recurrent layer; ``"rnn"`` is the tanh RNN of chapter 1.
    output_size : int
        Outputs ``O`` per sequence.
    dtype : torch.dtype, optional
        For example ``torch.float64`` for exact comparisons with NumPy.

    Notes
    -----
    ``forward(x)`` takes ``x`` of shape (N, T, D) and returns (N, O).
    """

    def __init__(self, input_size, hidden_size, cell="rnn", output_size=1, dtype=None):
        super().__init__()
        D = check_positive_int("input_size", input_size)
        H = check_positive_int("hidden_size", hidden_size)
        O = check_positive_int("output_size", output_size)
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
        self.cell = cell
        self.recurrent = CELLS[cell](D, H, batch_first=True, dtype=dtype)
        self.head = nn.Linear(H, O, dtype=dtype)

    def forward(self, x):
        """Map sequences ``x`` (N, T, D) to outputs (N, O)."""
        D = self.recurrent.input_size
        if x.ndim != 3 or x.shape[2] != D:
            raise ValueError(f"x must have shape (N, T, D) = (?, ?, {D}), got {tuple(x.shape)}")
        hs, _ = self.recurrent(x)  # (N, T, H); the states default to zeros
        return self.head(hs[:, -1])  # (N, O)


def _param_pairs(model):
    """NumPy name -> torch parameter of a ``cell="rnn"`` model (``bh`` -> bias_ih)."""
    if not isinstance(model, SequenceModel) or model.cell != "rnn":
        raise ValueError("model must be a SequenceModel with cell='rnn'")
    r = model.recurrent
    return {
        "Wxh": r.weight_ih_l0,
        "Whh": r.weight_hh_l0,
        "bh": r.bias_ih_l0,
        "Why": model.head.weight,
        "by": model.head.bias,
    }


def load_numpy_params(model, params):
    """Copy the NumPy parameters of :func:`rnnlib.models.init_params` into ``model``.

    ``bh`` goes to ``bias_ih_l0`` and ``bias_hh_l0`` is set to zero, so that
    their sum is ``bh``.  The model is changed in place (the PyTorch way) and
    returned; ``params`` is not changed.

    Parameters
    ----------
    model : SequenceModel
        With ``cell="rnn"``.
    params : dict
        ``Wxh`` (H, D), ``Whh`` (H, H), ``bh`` (H,), ``Why`` (O, H), ``by`` (O,).

    Returns
    -------
    SequenceModel
        ``model`` itself.
    """
    pairs = _param_pairs(model)
    if not isinstance(params, dict) or set(params) != set(PARAM_NAMES):
        got = sorted(params) if isinstance(params, dict) else type(params).__name__
        raise ValueError(f"params must be a dict with keys {PARAM_NAMES}, got {got}")
    labels = {"Wxh": "(H, D)", "Whh": "(H, H)", "bh": "(H,)", "Why": "(O, H)", "by": "(O,)"}
    arrays = {}
    for name, p in pairs.items():
        arrays[name] = as_array(name, params[name])
        check_shape(name, arrays[name], labels[name], tuple(p.shape))
    with torch.no_grad():
        for name, p in pairs.items():
            p.copy_(torch.from_numpy(np.asarray(arrays[name])))
        model.recurrent.bias_hh_l0.zero_()
    return model


def numpy_grads(model):
    """The gradients of a ``cell="rnn"`` model as a dict with the NumPy names.

    ``bh`` is the gradient on ``bias_ih_l0`` (equal to that on ``bias_hh_l0``).
    Call after ``loss.backward()``.

    Returns
    -------
    dict of str to ndarray
        Same keys and shapes as :func:`rnnlib.models.init_params`.
    """
    pairs = _param_pairs(model)
    if any(p.grad is None for p in pairs.values()):
        raise ValueError("model has no gradients yet: call loss.backward() first")
    return {name: p.grad.detach().cpu().numpy().copy() for name, p in pairs.items()}


def _model_device(model):
    """Device of the first parameter of ``model`` (the CPU for a model without any)."""
    return next(model.parameters(), torch.empty(0)).device


def _check_model(model):
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")


def _check_tensor(name, value, labels, check_rank=True):
    """Raise unless ``value`` is a tensor of finite numbers (whose rank matches ``labels``)."""
    rank = labels.count(",") + 1
    if isinstance(value, np.ndarray):
        raise ValueError(
            f"{name} must be a torch.Tensor of shape {labels}, got a NumPy array: "
            f"convert it with torch.from_numpy({name}) (and .float() for a float32 model)"
        )
    if not isinstance(value, torch.Tensor):
        raise ValueError(
            f"{name} must be a torch.Tensor of shape {labels}, got {type(value).__name__}"
        )
    if check_rank and value.ndim != rank:
        raise ValueError(f"{name} must have shape {labels}, got {tuple(value.shape)}")
    _check_finite_tensor(name, value)


def _check_finite_tensor(name, value, context=""):
    """Raise ``ValueError`` naming the first NaN or infinite entry of the tensor ``value``.

    One ``torch.isfinite`` pass; the bad entry is looked up only when it fails.
    ``context`` (for example ``"data: "``) starts the message.
    """
    finite = torch.isfinite(value)
    if not bool(finite.all()):
        bad = ~finite
        first = tuple(int(i) for i in torch.nonzero(bad)[0])  # the first in C order
        count = int(bad.sum())
        raise ValueError(
            context + nonfinite_message(name, first, value[first].item(), count, value.numel())
        )


def _check_loss_fn(loss_fn):
    if not callable(loss_fn):
        raise ValueError(
            f"loss_fn must be callable, for example nn.MSELoss(), got {type(loss_fn).__name__}"
        )


def predict(model, X, batch_size=1024):
    """Outputs of ``model`` without building a graph.

    Parameters
    ----------
    model : torch.nn.Module
        Maps (N, T, D) to (N, O); evaluated in ``eval()`` mode, then put back
        in the mode it was in.
    X : torch.Tensor, shape (N, T, D)
        Moved batch by batch to the device of the model's parameters.  Must
        be finite: a NaN or an infinity raises ``ValueError`` naming the
        first one (as in :func:`evaluate_loss` and :func:`binary_accuracy`).
    batch_size : int
        Sequences per forward pass.

    Returns
    -------
    torch.Tensor, shape (N, O)
    """
    _check_model(model)
    _check_tensor("X", X, "(N, T, D)")
    batch_size = check_positive_int("batch_size", batch_size)
    device = _model_device(model)
    was_training = model.training
    model.eval()
    with torch.no_grad():
        outs = [model(X[i : i + batch_size].to(device)) for i in range(0, len(X), batch_size)]
    model.train(was_training)
    return torch.cat(outs)


def evaluate_loss(model, X, y, loss_fn):
    """Mean loss of ``model`` on the whole data set ``(X, y)`` as a float.

    Parameters
    ----------
    model : torch.nn.Module
    X : torch.Tensor, shape (N, T, D)
    y : torch.Tensor, shape (N, O)
        Both finite (NaN or infinity raises ``ValueError``).
    loss_fn : callable
        For example ``nn.MSELoss()``.

    Returns
    -------
    float
    """
    _check_loss_fn(loss_fn)
    _check_tensor("y", y, "(N, O)", check_rank=False)  # the full shape is checked below
    out = predict(model, X)  # (N, O)
    if out.shape != y.shape:
        raise ValueError(f"y must have shape (N, O) = {tuple(out.shape)}, got {tuple(y.shape)}")
    return float(loss_fn(out, y.to(out.device)))


def binary_accuracy(model, X, y):
    """Fraction of sequences whose logit sign agrees with the 0/1 label.

    Parameters
    ----------
    model : torch.nn.Module
        Returns logits.
    X : torch.Tensor, shape (N, T, D)
    y : torch.Tensor, shape (N, O)
        Both finite (NaN or infinity raises ``ValueError``).

    Returns
    -------
    float
    """
    _check_tensor("y", y, "(N, O)", check_rank=False)  # the full shape is checked below
    logits = predict(model, X)  # (N, O)
    if logits.shape != y.shape:
        raise ValueError(f"y must have shape (N, O) = {tuple(logits.shape)}, got {tuple(y.shape)}")
    return float(((logits > 0) == (y.to(logits.device) > 0.5)).double().mean())


def _check_state(name, value, N, H, like):
    """Return ``value`` (N, H) on the device of ``like``, or zeros when ``value`` is None."""
    if value is None:
        return torch.zeros(N, H, dtype=like.dtype, device=like.device)
    _check_tensor(name, value, "(N, H)")
    if tuple(value.shape) != (N, H):
        raise ValueError(f"{name} must have shape (N, H) = ({N}, {H}), got {tuple(value.shape)}")
    return value.to(device=like.device, dtype=like.dtype)


def lstm_gates(lstm, X, h0=None, c0=None):
    """Gate activations of a ``torch.nn.LSTM`` at every step, which it does not return.

    The LSTM is run on ``X`` to get its hidden states; the gates are then
    recomputed from ``x_t`` and ``h_{t-1}`` with its stacked weights (order
    i, f, g, o)::

        a_t = x_t @ W_ih.T + b_ih + h_{t-1} @ W_hh.T + b_hh     # (N, 4H)
        i, f, g, o = sigmoid(a_i), sigmoid(a_f), tanh(a_g), sigmoid(a_o)

    No graph is built (``torch.no_grad``) and ``lstm`` is not changed.

    Parameters
    ----------
    lstm : torch.nn.LSTM
        Single layer, unidirectional, ``batch_first=True``, no projection
        (for example ``SequenceModel(..., cell="lstm").recurrent``).
    X : torch.Tensor, shape (N, T, D)
        Input sequences with ``D = lstm.input_size``, ``T >= 1``; moved to the
        device of the LSTM's weights.
    h0, c0 : torch.Tensor, shape (N, H), optional
        Initial hidden and cell states (note: (N, H), not PyTorch's
        (1, N, H)); zeros when not given, as in ``lstm(X)``.

    Returns
    -------
    dict of str to torch.Tensor
        ``"i"``, ``"f"``, ``"g"``, ``"o"``: input gate, forget gate, cell
        candidate and output gate, each of shape (N, T, H), on the LSTM's device.
    """
    if not isinstance(lstm, nn.LSTM):
        raise ValueError(f"lstm must be a torch.nn.LSTM, got {type(lstm).__name__}")
    if lstm.num_layers != 1 or lstm.bidirectional or lstm.proj_size != 0 or not lstm.batch_first:
        raise ValueError(
            "lstm must be a single-layer, unidirectional nn.LSTM with batch_first=True and "
            f"no projection, got num_layers={lstm.num_layers}, "
            f"bidirectional={lstm.bidirectional}, batch_first={lstm.batch_first}, "
            f"proj_size={lstm.proj_size}"
        )
    _check_tensor("X", X, "(N, T, D)")
    D, H = lstm.input_size, lstm.hidden_size
    N, T = X.shape[0], X.shape[1]
    if X.shape[2] != D or T == 0:
        raise ValueError(f"X must have shape (N, T, D) = (?, T >= 1, {D}), got {tuple(X.shape)}")
    W_ih, W_hh = lstm.weight_ih_l0, lstm.weight_hh_l0  # (4H, D), (4H, H)
    if X.dtype != W_ih.dtype:
        raise ValueError(f"X must have the dtype of the LSTM's weights {W_ih.dtype}, got {X.dtype}")
    X = X.to(W_ih.device)
    h0 = _check_state("h0", h0, N, H, W_ih)
    c0 = _check_state("c0", c0, N, H, W_ih)
    with torch.no_grad():
        hs, _ = lstm(X, (h0[None], c0[None]))  # (N, T, H); PyTorch wants (1, N, H) states
        h_prev = torch.cat([h0[:, None], hs[:, :-1]], dim=1)  # (N, T, H): h_{t-1}
        a = X @ W_ih.T + h_prev @ W_hh.T  # (N, T, 4H), order (i, f, g, o)
        if lstm.bias:
            a = a + lstm.bias_ih_l0 + lstm.bias_hh_l0
        a_i, a_f, a_g, a_o = a.split(H, dim=-1)  # each (N, T, H)
        return {
            "i": torch.sigmoid(a_i),
            "f": torch.sigmoid(a_f),
            "g": torch.tanh(a_g),
            "o": torch.sigmoid(a_o),
        }


def _batches(data):
    """A re-iterable of (xb, yb) batches from a DataLoader or an (X, y) pair.

    Also returns whether the batches still need a check for NaN and
    infinity: the tensors of an (X, y) pair or of a DataLoader over a
    ``TensorDataset`` are checked here, once; other data sets batch by batch.
    """
    if isinstance(data, tuple):
        if len(data) != 2 or not all(isinstance(t, torch.Tensor) for t in data):
            raise ValueError("data must be a DataLoader or a tuple (X, y) of tensors")
        X, y = data
        if X.ndim != 3 or y.ndim != 2 or len(X) != len(y):
            raise ValueError(
                f"data (X, y) must have shapes (N, T, D) and (N, O), "
                f"got {tuple(X.shape)} and {tuple(y.shape)}"
            )
        if len(X) == 0:
            raise ValueError("data has no batches: X and y hold no sequences")
        _check_finite_tensor("X", X, "data: ")
        _check_finite_tensor("y", y, "data: ")
        return [data], False  # one full batch per epoch
    if isinstance(data, torch.utils.data.DataLoader):
        if len(data) == 0:
            raise ValueError(
                "data has no batches: the DataLoader is empty (an empty data set, "
                "or drop_last=True with fewer sequences than batch_size)"
            )
        if isinstance(data.dataset, torch.utils.data.TensorDataset):  # checked without iterating
            for i, tensor in enumerate(data.dataset.tensors):
                _check_finite_tensor(f"data.dataset.tensors[{i}]", tensor)
            return data, False
        return data, True
    raise ValueError(f"data must be a DataLoader or a tuple (X, y), got {type(data).__name__}")


def _check_val_data(val_data, data):
    """Raise unless ``val_data`` is a pair of tensors (M, T, D), (M, O) matching ``data``."""
    if not isinstance(val_data, tuple) or len(val_data) != 2:
        raise ValueError("val_data must be a tuple (X_val, y_val) of tensors")
    X_val, y_val = val_data
    _check_tensor("X_val", X_val, "(M, T, D)")
    _check_tensor("y_val", y_val, "(M, O)")
    if len(X_val) != len(y_val) or len(X_val) == 0:
        raise ValueError(
            f"X_val and y_val must hold the same number M >= 1 of sequences, "
            f"got shapes {tuple(X_val.shape)} and {tuple(y_val.shape)}"
        )
    if isinstance(data, tuple):  # a DataLoader's shapes are only known batch by batch
        X, y = data
        if X_val.shape[2] != X.shape[2] or y_val.shape[1] != y.shape[1]:
            raise ValueError(
                f"val_data must have shapes (M, T, {X.shape[2]}) and (M, {y.shape[1]}) "
                f"like data, got {tuple(X_val.shape)} and {tuple(y_val.shape)}"
            )


def train_torch(
    model,
    data,
    loss_fn,
    optimizer,
    *,
    epochs=None,
    steps=None,
    clip=None,
    val_data=None,
    eval_every=None,
    metrics=None,
    progress=True,
):
    """Train ``model`` with the usual PyTorch loop, recording a history.

    Each update: ``zero_grad``, forward, loss, ``backward``, optional clipping
    with ``torch.nn.utils.clip_grad_norm_``, ``optimizer.step()``.

    Parameters
    ----------
    model : torch.nn.Module
        Maps (N, T, D) to (N, O); trained in place.  Batches are moved to the
        device of its parameters.
    data : DataLoader or tuple (X, y)
        Training batches (at least one); a tuple of tensors is one full batch
        per epoch.
    loss_fn : callable
        For example ``nn.BCEWithLogitsLoss()`` or ``nn.MSELoss()``.
    optimizer : torch.optim.Optimizer
    epochs : int, optional
        Passes over ``data``.  Give exactly one of ``epochs`` and ``steps``.
    steps : int, optional
        Number of updates, cycling through ``data`` as often as needed.
    clip : float, optional
        Clip the gradients to this global norm.
    val_data : tuple (X_val, y_val) of tensors, optional
        Shapes (M, T, D) and (M, O).  Evaluated after every epoch, or every
        ``eval_every`` steps and at the end.
    eval_every : int, optional
        Only with ``steps`` (with ``epochs`` the evaluation is once per epoch,
        and giving ``eval_every`` is an error): updates between evaluations,
        default ``max(1, steps // 20)``.
    metrics : dict of str to callable, optional
        Extra ``fn(model, X_val, y_val) -> float`` recorded as ``"val_<name>"``,
        for example ``{"acc": binary_accuracy}``.
    progress : bool
        Show a progress bar over updates.

    Returns
    -------
    dict of str to list
        ``loss`` and ``grad_norm`` (before clipping) of every update; with
        ``val_data`` also ``eval_step`` (updates done), ``val_loss`` and one
        list per metric.

    Raises
    ------
    rnnlib.train.TrainingDiverged
        At the first update whose loss or gradient norm is NaN or infinite
        (that update is not applied), or if a parameter is no longer finite
        at the end: the learning rate is too large (or ``clip`` too loose).
        The message names the epoch and step, the last finite loss and the
        largest gradient norm seen, and the remedies; the error's
        ``.history`` holds the history of the updates before it (same
        layout as the return value), and ``model`` keeps the parameters it
        reached.  Large but finite gradients do not stop a run.
    ValueError
        For a bad argument, or data holding NaN or infinity: ``data`` given
        as tensors or as a DataLoader over a ``TensorDataset`` and
        ``val_data`` are checked before training, other DataLoaders batch
        by batch.
    """
    _check_model(model)
    if (epochs is None) == (steps is None):
        raise ValueError("give exactly one of epochs and steps")
    batches, check_each_batch = _batches(data)
    n_batches = len(batches)
    if epochs is not None:
        if eval_every is not None:
            raise ValueError("eval_every works with steps only (with epochs: once per epoch)")
        total = check_positive_int("epochs", epochs) * n_batches
        every = n_batches
    else:
        total = check_positive_int("steps", steps)
        every = max(1, total // 20) if eval_every is None else eval_every
        every = check_positive_int("eval_every", every)
    _check_loss_fn(loss_fn)
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise ValueError(
            f"optimizer must be a torch.optim.Optimizer, for example "
            f"torch.optim.Adam(model.parameters()), got {type(optimizer).__name__}"
        )
    if clip is not None:
        clip = check_positive_float("clip", clip)
    if metrics is not None and (
        not isinstance(metrics, dict)
        or not all(isinstance(k, str) and callable(fn) for k, fn in metrics.items())
    ):
        raise ValueError(
            "metrics must be a dict of str to callable fn(model, X_val, y_val), "
            "for example {'acc': binary_accuracy}"
        )
    metrics = dict(metrics or {})
    if metrics and val_data is None:
        raise ValueError("metrics are computed on val_data: give val_data too")
    if val_data is not None:
        _check_val_data(val_data, data)
    device = _model_device(model)
    history = {"loss": [], "grad_norm": []}
    if val_data is not None:
        history.update({"eval_step": [], "val_loss": []})
        history.update({"val_" + name: [] for name in metrics})

    lrs = sorted({float(group["lr"]) for group in optimizer.param_groups})
    lr = "the optimizer's lr=" + ", ".join(f"{v:g}" for v in lrs)
    watch = _DivergenceWatch(history, None, steps_per_epoch=n_batches, lr=lr, clip=clip)

    model.train()
    step = 0
    with tqdm(total=total, disable=not progress, desc="updates") as bar:
        while step < total:
            before = step
            for xb, yb in batches:
                if check_each_batch:
                    epoch, in_epoch = divmod(step, n_batches)
                    context = f"data: in the batch of epoch {epoch + 1}, step {in_epoch + 1}: "
                    _check_finite_tensor("X", xb, context)
                    _check_finite_tensor("y", yb, context)
                xb, yb = xb.to(device), yb.to(device)  # (B, T, D), (B, O)
                optimizer.zero_grad()
                loss = loss_fn(model(xb), yb)
                loss.backward()
                norm = nn.utils.clip_grad_norm_(
                    model.parameters(), clip if clip is not None else float("inf")
                )
                value, norm = loss.item(), float(norm)
                watch.step(value, norm)  # TrainingDiverged (before the update) at a NaN or inf
                optimizer.step()
                step += 1
                history["loss"].append(value)
                history["grad_norm"].append(norm)
                bar.update(1)
                if val_data is not None and (step % every == 0 or step == total):
                    history["eval_step"].append(step)
                    history["val_loss"].append(evaluate_loss(model, *val_data, loss_fn))
                    for name, fn in metrics.items():
                        history["val_" + name].append(float(fn(model, *val_data)))
                    model.train()
                if step == total:
                    break
            if step == before:  # an iterable that len() calls non-empty yielded nothing
                raise ValueError("data has no batches: a pass over it yielded nothing")
    for name, p in model.named_parameters():  # the last update can overflow unseen
        if not bool(torch.isfinite(p).all()):
            raise watch.error(f"after this update parameter {name} is not finite")
    return history
