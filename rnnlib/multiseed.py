"""Train several copies of the chapters' classifier at once, one per seed.

A claim drawn from training ("the smaller model overfits less") must hold for
more than one seed, but training five or more models one after the other
multiplies the run time.  The models here are the many-to-one BCE classifier
of :mod:`rnnlib.models`, stacked along a leading *model* axis ``S``: every
parameter gets shape ``(S, ...)``, every matrix product becomes a batched
one, and the fixed cost of each NumPy call is shared by the ``S`` models.
The models never interact: model ``s`` sees only its own parameters, its own
learning rate and its own order of the data, and ends where
``rnnlib.train.train`` would end with the same arguments (up to rounding;
the tests check it).

Used by chapters 3 and 4 for their results over seeds and for the batch-size
by learning-rate grid.
"""

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
from rnnlib.models import PARAM_NAMES, init_params

RECORD = ("all", "val", "none")


def seed_generators(seed):
    """The two generators of one seed: initialisation and data order.

    ``init_params(..., rng=np.random.default_rng(seed))`` and shuffling with
    ``np.random.default_rng(seed + 1)``: the chapters' single runs use seed 1
    (initial parameters from generator 1, order from generator 2), so with odd
    seeds (1, 3, 5, ...) every generator is used once and the chapter's run is
    the first of the seeds.

    Parameters
    ----------
    seed : int
        A non-negative integer.

    Returns
    -------
    init_rng, order_rng : numpy.random.Generator
    """
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return np.random.default_rng(int(seed)), np.random.default_rng(int(seed) + 1)


def stack_params(params_list):
    """Stack S parameter dicts of the same shapes into one dict with a model axis.

    Parameters
    ----------
    params_list : sequence of dict
        S >= 1 dicts from :func:`rnnlib.models.init_params`, all with the same
        shapes: ``Wxh`` (H, D), ``Whh`` (H, H), ``bh`` (H,), ``Why`` (O, H),
        ``by`` (O,).

    Returns
    -------
    dict
        ``Wxh`` (S, H, D), ``Whh`` (S, H, H), ``bh`` (S, H), ``Why`` (S, O, H),
        ``by`` (S, O); new arrays, the inputs are not changed.
    """
    params_list = list(params_list)
    if not params_list:
        raise ValueError("params_list must hold at least one parameter dict")
    for i, p in enumerate(params_list):
        if not isinstance(p, dict) or set(p) != set(PARAM_NAMES):
            got = sorted(p) if isinstance(p, dict) else type(p).__name__
            raise ValueError(f"params_list[{i}] must be a dict with keys {PARAM_NAMES}, got {got}")
    first = {k: as_array(k, params_list[0][k]) for k in PARAM_NAMES}
    check_shape("Wxh", first["Wxh"], "(H, D)", (None, None))
    H, D = first["Wxh"].shape
    check_shape("Why", first["Why"], "(O, H)", (None, H))
    O = first["Why"].shape[0]
    shapes = {"Wxh": (H, D), "Whh": (H, H), "bh": (H,), "Why": (O, H), "by": (O,)}
    labels = {"Wxh": "(H, D)", "Whh": "(H, H)", "bh": "(H,)", "Why": "(O, H)", "by": "(O,)"}
    for i, p in enumerate(params_list):
        for k in PARAM_NAMES:
            check_shape(f"params_list[{i}][{k!r}]", as_array(k, p[k]), labels[k], shapes[k])
    return {k: np.stack([as_array(k, p[k]) for p in params_list]) for k in PARAM_NAMES}


def unstack_params(stacked):
    """The S parameter dicts of a stacked dict (copies), inverse of :func:`stack_params`.

    Parameters
    ----------
    stacked : dict
        ``Wxh`` (S, H, D), ``Whh`` (S, H, H), ``bh`` (S, H), ``Why`` (S, O, H),
        ``by`` (S, O).

    Returns
    -------
    list of dict
        S dicts in the layout of :func:`rnnlib.models.init_params`.
    """
    S = _check_stacked(stacked)
    return [{k: stacked[k][s].copy() for k in PARAM_NAMES} for s in range(S)]


def _check_stacked(P):
    if not isinstance(P, dict) or set(P) != set(PARAM_NAMES):
        got = sorted(P) if isinstance(P, dict) else type(P).__name__
        raise ValueError(f"stacked params must be a dict with keys {PARAM_NAMES}, got {got}")
    Wxh = as_array("Wxh", P["Wxh"])
    check_shape("Wxh", Wxh, "(S, H, D)", (None, None, None))
    S, H, D = Wxh.shape
    check_shape("Whh", as_array("Whh", P["Whh"]), "(S, H, H)", (S, H, H))
    check_shape("bh", as_array("bh", P["bh"]), "(S, H)", (S, H))
    Why = as_array("Why", P["Why"])
    check_shape("Why", Why, "(S, O, H)", (S, None, H))
    check_shape("by", as_array("by", P["by"]), "(S, O)", (S, Why.shape[1]))
    return S


def _input_terms(P, X):
    """``x_t @ Wxh.T + bh`` for every step, time first: (T, S, N, H).

    ``X`` is (S, N, T, D), one batch per model, or (N, T, D), shared by all.
    """
    S, H, D = P["Wxh"].shape
    N, T = X.shape[-3], X.shape[-2]
    if X.ndim == 3:  # shared data: one product for all models, (N*T, D) @ (D, S*H)
        xw = (X.reshape(N * T, D) @ P["Wxh"].transpose(2, 0, 1).reshape(D, S * H))
        xw = xw.reshape(N, T, S, H).transpose(1, 2, 0, 3)  # (T, S, N, H)
    elif D == 1:  # a product with one column is a broadcast multiplication
        xw = X.transpose(2, 0, 1, 3) * P["Wxh"].transpose(0, 2, 1)  # (T, S, N, H)
    else:
        xw = np.matmul(X.transpose(2, 0, 1, 3), P["Wxh"].transpose(0, 2, 1))  # (T, S, N, H)
    return xw + P["bh"][:, None, :]


def _forward(P, X, keep=True):
    """Logits (S, N, O) of the stacked models; X is (S, N, T, D) or shared (N, T, D).

    With ``keep``, also every hidden state, time first: ``hs[t]`` is h_t,
    shape (T + 1, S, N, H), with ``hs[0]`` = h_0 = 0; otherwise ``None``.
    """
    xw = _input_terms(P, X)  # (T, S, N, H)
    T, S, N, H = xw.shape
    WhhT = np.ascontiguousarray(P["Whh"].transpose(0, 2, 1))  # (S, H, H)
    hs = np.empty((T + 1, S, N, H)) if keep else np.empty((2, S, N, H))
    hs[0] = 0.0
    for t in range(T):
        prev, nxt = (t, t + 1) if keep else (t % 2, (t + 1) % 2)
        h = np.matmul(hs[prev], WhhT, out=hs[nxt])  # (S, N, H)
        h += xw[t]
        np.tanh(h, out=h)
    out = np.matmul(h, P["Why"].transpose(0, 2, 1)) + P["by"][:, None, :]  # (S, N, O)
    return out, (hs if keep else None)


def _backward(dout, X, P, hs):
    """Gradients (stacked) of the model for the upstream gradient dout (S, N, O).

    The loop over time only carries the gradient back through ``Whh``; the
    weight gradients, sums over sequences and time steps, are then one
    batched product each.
    """
    S, N, T, D = X.shape
    H = P["Whh"].shape[1]
    da = 1.0 - hs[1:] ** 2  # (T, S, N, H): tanh'(a_t), turned into dL/da_t below
    dh = np.matmul(dout, P["Why"])  # (S, N, H)
    for t in range(T - 1, -1, -1):
        da[t] *= dh  # (S, N, H): through tanh
        dh = np.matmul(da[t], P["Whh"])  # (S, N, H)
    daT = da.transpose(1, 3, 0, 2).reshape(S, H, T * N)  # (S, H, T*N)
    return {
        "Wxh": np.matmul(daT, X.transpose(0, 2, 1, 3).reshape(S, T * N, D)),  # (S, H, D)
        "Whh": np.matmul(daT, hs[:T].transpose(1, 0, 2, 3).reshape(S, T * N, H)),  # (S, H, H)
        "bh": da.sum(axis=(0, 2)),  # (S, H)
        "Why": np.matmul(dout.transpose(0, 2, 1), hs[T]),  # (S, O, H)
        "by": dout.sum(axis=1),  # (S, O)
    }


def _bce(out, y):
    """Mean BCE per model (S,) and its gradient on the logits (S, N, O)."""
    per_elem = np.maximum(out, 0.0) - out * y + np.log1p(np.exp(-np.abs(out)))
    n = out.shape[1] * out.shape[2]
    return per_elem.mean(axis=(1, 2)), (_sigmoid(out) - y) / n


def loss_and_grads_stacked(stacked, X, y):
    """BCE loss and gradients of S stacked models, each on its own batch.

    Parameters
    ----------
    stacked : dict
        Stacked parameters (:func:`stack_params`), S models.
    X : ndarray, shape (S, B, T, D)
        Batch ``X[s]`` of model ``s``.
    y : ndarray, shape (S, B, O)
        Its labels.

    Returns
    -------
    loss : ndarray, shape (S,)
        Mean BCE of each model on its batch.
    grads : dict
        Stacked gradients, with the shapes of ``stacked``; ``grads[k][s]``
        equals ``rnnlib.models.loss_and_grads(params_s, X[s], y[s])[1][k]``.
    """
    S = _check_stacked(stacked)
    P = {k: as_array(k, stacked[k]) for k in PARAM_NAMES}
    X, y = as_array("X", X), as_array("y", y)
    check_shape("X", X, "(S, B, T, D)", (S, None, None, P["Wxh"].shape[2]))
    check_shape("y", y, "(S, B, O)", (S, X.shape[1], P["Why"].shape[1]))
    out, hs = _forward(P, X)
    loss, dout = _bce(out, y)
    return loss, _backward(dout, X, P, hs)


def per_example_grads(params, X, y):
    """The gradient of the BCE loss of every single sequence, at one parameter set.

    The N per-example gradients come from one stacked pass (N copies of
    ``params``, each with a batch of one sequence), not from N calls.

    Parameters
    ----------
    params : dict
        One parameter dict (:func:`rnnlib.models.init_params`).
    X : ndarray, shape (N, T, D)
    y : ndarray, shape (N, O)

    Returns
    -------
    dict
        For every parameter name, an array of shape ``(N,) + params[k].shape``:
        entry ``n`` is the gradient of ``loss_and_grads(params, X[n:n+1], y[n:n+1])``.
        Their mean over ``n`` is the gradient of the mean loss on ``(X, y)``.
    """
    stacked = stack_params([params])
    X, y = as_array("X", X), as_array("y", y)
    check_shape("X", X, "(N, T, D)", (None, None, stacked["Wxh"].shape[2]))
    check_shape("y", y, "(N, O)", (X.shape[0], stacked["Why"].shape[1]))
    N = X.shape[0]
    copies = {k: np.broadcast_to(v, (N,) + v.shape[1:]) for k, v in stacked.items()}
    _, grads = loss_and_grads_stacked(copies, X[:, None], y[:, None])
    return grads


def _check_data(name_X, X, name_y, y, D, O):
    X, y = as_array(name_X, X), as_array(name_y, y)
    check_shape(name_X, X, "(N, T, D)", (None, None, D))
    check_shape(name_y, y, "(N, O)", (X.shape[0], O))
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        raise ValueError(f"{name_X} and {name_y} must hold finite numbers")
    return X, y


def evaluate_stacked(stacked, X, y, chunk=2000):
    """BCE loss and accuracy of every stacked model on one data set.

    Parameters
    ----------
    stacked : dict
        Stacked parameters (:func:`stack_params`), S models.
    X : ndarray, shape (N, T, D)
    y : ndarray, shape (N, O)
        Labels 0/1.
    chunk : int
        Sequences per forward pass (bounds the memory).

    Returns
    -------
    loss, acc : ndarray, shape (S,)
        Equal to :func:`rnnlib.train.evaluate` of each model.
    """
    _check_stacked(stacked)
    P = {k: as_array(k, stacked[k]) for k in PARAM_NAMES}
    X, y = _check_data("X", X, "y", y, P["Wxh"].shape[2], P["Why"].shape[1])
    chunk = check_positive_int("chunk", chunk)
    return _evaluate(P, X, y, chunk)


def _evaluate(P, X, y, chunk=2000):
    loss_sum, correct = 0.0, 0.0
    for start in range(0, X.shape[0], chunk):
        Xc, yc = X[start : start + chunk], y[start : start + chunk]
        out, _ = _forward(P, Xc, keep=False)  # (S, n, O)
        per_elem = np.maximum(out, 0.0) - out * yc + np.log1p(np.exp(-np.abs(out)))
        loss_sum = loss_sum + per_elem.sum(axis=(1, 2))
        correct = correct + ((_sigmoid(out) > 0.5) == (yc > 0.5)).sum(axis=(1, 2))
    return loss_sum / y.size, correct / y.size


def _per_model(name, values, S, check):
    """A scalar or one value per model, as a list of S checked values."""
    if isinstance(values, numbers.Real | np.floating | np.integer) and not isinstance(values, bool):
        return [check(name, values)] * S
    values = list(values)
    if len(values) != S:
        raise ValueError(f"{name} must be one value or one per model ({S}), got {len(values)}")
    return [check(f"{name}[{i}]", v) for i, v in enumerate(values)]


def train_stacked(
    params_list,
    X,
    y,
    *,
    lr,
    epochs,
    batch_size,
    rngs,
    X_val=None,
    y_val=None,
    patience=None,
    record="all",
    keep_params=False,
    progress=True,
):
    """Train S classifiers at once with minibatch SGD on the BCE loss.

    Model ``s`` behaves like
    ``rnnlib.train.train(params_list[s], X, y, loss="bce", optimizer="sgd",
    lr=lr[s], epochs=epochs, batch_size=batch_size, rng=rngs[s], X_val=X_val,
    y_val=y_val, patience=patience)``: it shuffles with its own generator
    every epoch, takes one step per batch, and is evaluated after every
    epoch.  Only the arithmetic is shared, so the results equal those of S
    separate calls up to rounding.

    Parameters
    ----------
    params_list : sequence of dict
        S initial parameter dicts of the same shapes (not modified).
    X : ndarray, shape (N, T, D)
    y : ndarray, shape (N, O)
        Training data (labels 0/1), shared by all models.
    lr : float or sequence of float
        Learning rate, one for all or one per model (each > 0).
    epochs : int
    batch_size : int
        Sequences per update (clipped to N); 1 is per-example SGD.
    rngs : sequence of numpy.random.Generator
        One shuffling generator per model (they are advanced).
    X_val : ndarray, shape (M, T_val, D), optional
    y_val : ndarray, shape (M, O), optional
        Held-out data evaluated after every epoch; give both or neither.
    patience : int, optional
        Early stopping per model, as in ``train``: model ``s`` stops once its
        ``val_loss`` has not improved for ``patience`` epochs, and its
        parameters of the best epoch are returned.  Training goes on until
        every model has stopped (a stopped model's later epochs are
        discarded).
    record : {"all", "val", "none"}
        What to evaluate after every epoch: ``"all"`` the training and the
        validation data, as ``train`` does; ``"val"`` only the validation
        data (enough for ``patience``); ``"none"`` nothing (only
        ``grad_norm`` is recorded).  The last two save evaluations for a
        caller that scores the parameters it keeps itself
        (:func:`evaluate_stacked`).
    keep_params : bool
        Also keep every model's parameters after every epoch, as
        ``history["params"]`` (a list of dicts, one per epoch), so that the
        model of any epoch (for example the one :func:`early_stopping_epoch`
        picks) can be used without training again.
    progress : bool
        Show a progress bar over epochs.

    Returns
    -------
    list of (dict, dict)
        ``(params, history)`` per model, in the layout of ``train``: history
        has ``loss``, ``acc``, ``grad_norm`` (and ``val_loss``, ``val_acc``)
        per epoch, plus ``best_epoch`` with ``patience`` (without ``loss`` and
        ``acc`` for ``record="val"``, only ``grad_norm`` for ``"none"``).  A
        model whose
        updates overflow is not stopped: its numbers become NaN or infinite
        and the other models are unaffected.
    """
    params_list = list(params_list)
    P = stack_params(params_list)
    S, H, D = P["Wxh"].shape
    O = P["Why"].shape[1]
    X, y = _check_data("X", X, "y", y, D, O)
    lrs = np.array(_per_model("lr", lr, S, check_positive_float))[:, None]  # (S, 1)
    epochs = check_positive_int("epochs", epochs)
    N = X.shape[0]
    batch_size = min(check_positive_int("batch_size", batch_size), N)
    rngs = list(rngs)
    if len(rngs) != S:
        raise ValueError(f"rngs must hold one generator per model ({S}), got {len(rngs)}")
    rngs = [check_rng(f"rngs[{i}]", r) for i, r in enumerate(rngs)]
    if (X_val is None) != (y_val is None):
        raise ValueError("give both X_val and y_val, or neither")
    if X_val is not None:
        X_val, y_val = _check_data("X_val", X_val, "y_val", y_val, D, O)
    if patience is not None:
        patience = check_positive_int("patience", patience)
        if X_val is None:
            raise ValueError("patience (early stopping) needs X_val and y_val")
    for name, flag in (("keep_params", keep_params), ("progress", progress)):
        if not isinstance(flag, bool):
            raise ValueError(f"{name} must be True or False, got {flag!r}")
    if record not in RECORD:
        raise ValueError(f"record must be one of {RECORD}, got {record!r}")
    if record == "val" and X_val is None:
        raise ValueError('record="val" needs X_val and y_val')
    if patience is not None and record == "none":
        raise ValueError('patience (early stopping) needs record="all" or "val"')

    kept = []  # stacked parameters after every epoch (keep_params)
    keys = ["grad_norm"] + (["loss", "acc"] if record == "all" else [])
    if record != "none" and X_val is not None:
        keys += ["val_loss", "val_acc"]
    rows = {k: [] for k in keys}  # each entry: (S,) values of one epoch
    best_loss, best_epoch = np.full(S, np.inf), np.zeros(S, dtype=int)
    best = {k: v.copy() for k, v in P.items()}
    stopped = np.full(S, 0)  # epoch at which each model stopped (0: still running)
    step = {k: lrs.reshape((S,) + (1,) * (P[k].ndim - 1)) for k in PARAM_NAMES}  # lr per model
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for epoch in tqdm(range(1, epochs + 1), disable=not progress, desc="epochs"):
            orders = np.stack([r.permutation(N) for r in rngs])  # (S, N)
            largest = np.zeros(S)
            for start in range(0, N, batch_size):
                idx = orders[:, start : start + batch_size]  # (S, B)
                Xb, yb = X[idx], y[idx]  # (S, B, T, D), (S, B, O)
                out, hs = _forward(P, Xb)
                _, dout = _bce(out, yb)
                grads = _backward(dout, Xb, P, hs)
                sq = sum(np.einsum("si,si->s", g.reshape(S, -1), g.reshape(S, -1))
                         for g in grads.values())  # (S,): squared global norm per model
                largest = np.fmax(largest, np.sqrt(sq))
                largest[np.isnan(sq)] = np.nan  # a NaN norm stays visible, as in train
                for k in PARAM_NAMES:
                    P[k] = P[k] - step[k] * grads[k]
            rows["grad_norm"].append(largest)
            if keep_params:
                kept.append({k: v.copy() for k, v in P.items()})
            if record == "none":
                continue
            if record == "all":
                loss, acc = _evaluate(P, X, y)
                rows["loss"].append(loss)
                rows["acc"].append(acc)
            if X_val is not None:
                val_loss, val_acc = _evaluate(P, X_val, y_val)
                rows["val_loss"].append(val_loss)
                rows["val_acc"].append(val_acc)
            if patience is not None:
                running = stopped == 0
                better = running & (val_loss < best_loss)  # False for NaN
                best_loss[better], best_epoch[better] = val_loss[better], epoch
                for k in PARAM_NAMES:
                    best[k][better] = P[k][better]
                stopped[running & ~better & (epoch - best_epoch >= patience)] = epoch
                if np.all(stopped > 0):
                    break
    n_epochs = len(rows["grad_norm"])
    results = []
    final = unstack_params(best if patience is not None else P)
    for s in range(S):
        last = stopped[s] if (patience is not None and stopped[s] > 0) else n_epochs
        history = {k: [float(rows[k][e][s]) for e in range(last)] for k in keys}
        if keep_params:
            history["params"] = [{k: v[s].copy() for k, v in kept[e].items()} for e in range(last)]
        if patience is not None:
            if best_epoch[s] == 0:
                raise ValueError(
                    f"model {s}: early stopping found no epoch with a finite val_loss "
                    f"(the run diverged); lower its learning rate"
                )
            history["best_epoch"] = int(best_epoch[s])
        results.append((final[s], history))
    return results


def early_stopping_epoch(val_loss, patience):
    """The epoch early stopping keeps, and the number of epochs it runs.

    The rule of ``rnnlib.train.train(..., patience=patience)``: go through the
    epochs; an epoch whose validation loss is below every earlier one is the
    new best; stop once ``patience`` epochs in a row brought no new best.
    Applied to the history of a longer run, it gives the epoch that a run
    with early stopping would have returned (the two runs agree up to that
    point).

    Parameters
    ----------
    val_loss : sequence of float, length E
        Validation loss after every epoch.  NaN never counts as a new best.
    patience : int

    Returns
    -------
    best_epoch : int
        The kept epoch, counted from 1.
    epochs_run : int
        The epoch at which training stopped (``E`` if the rule never fired).
    """
    losses = as_array("val_loss", val_loss)
    check_shape("val_loss", losses, "(E,)", (None,))
    patience = check_positive_int("patience", patience)
    best, best_epoch = np.inf, 0
    for epoch, value in enumerate(losses, start=1):
        if value < best:  # False for NaN
            best, best_epoch = value, epoch
        elif epoch - best_epoch >= patience:
            break
    if best_epoch == 0:
        raise ValueError("val_loss has no finite value: there is no epoch to keep")
    return best_epoch, epoch


def train_seeds(
    seeds,
    X,
    y,
    *,
    hidden_size,
    lr,
    epochs,
    batch_size,
    X_val=None,
    y_val=None,
    patience=None,
    record="all",
    keep_params=False,
    progress=True,
):
    """Train one classifier per seed, all at once (:func:`seed_generators`).

    Seed ``s`` draws its initial parameters with
    ``init_params(D, hidden_size, O, np.random.default_rng(s))`` and shuffles
    with ``np.random.default_rng(s + 1)``; the rest is :func:`train_stacked`.

    Parameters
    ----------
    seeds : sequence of int
        At least one seed, no repeats.
    X : ndarray, shape (N, T, D)
    y : ndarray, shape (N, O)
    hidden_size : int
    lr : float
    epochs, batch_size : int
    X_val, y_val, patience, record, keep_params, progress
        As in :func:`train_stacked`.

    Returns
    -------
    list of (dict, dict)
        ``(params, history)`` per seed, in the order of ``seeds``.
    """
    seeds = _check_seeds(seeds)
    X, y = as_array("X", X), as_array("y", y)
    check_shape("X", X, "(N, T, D)", (None, None, None))
    check_shape("y", y, "(N, O)", (X.shape[0], None))
    H = check_positive_int("hidden_size", hidden_size)
    gens = [seed_generators(s) for s in seeds]
    params_list = [init_params(X.shape[2], H, y.shape[1], g[0]) for g in gens]
    return train_stacked(
        params_list, X, y, lr=lr, epochs=epochs, batch_size=batch_size,
        rngs=[g[1] for g in gens], X_val=X_val, y_val=y_val, patience=patience,
        record=record, keep_params=keep_params, progress=progress,
    )


def _check_seeds(seeds):
    seeds = list(seeds)
    if not seeds or not all(
        isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 0 for s in seeds
    ):
        raise ValueError(f"seeds must be a non-empty sequence of non-negative ints, got {seeds!r}")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must not repeat, got {seeds!r}")
    return [int(s) for s in seeds]


def batch_lr_grid_seeds(
    X,
    y,
    X_val,
    y_val,
    *,
    seeds,
    hidden_size,
    batch_sizes,
    lrs,
    epochs,
    progress=True,
):
    """Validation accuracy for every (seed, batch size, learning rate).

    For each batch size, the ``len(seeds) * len(lrs)`` runs are trained
    together (:func:`train_stacked`, without per-epoch evaluations) and
    scored once at the end.  Seed ``s`` gives every run of that seed the same
    initial parameters and the same shuffling (:func:`seed_generators`), so
    within a seed the runs differ only in the two hyperparameters, as in
    :func:`rnnlib.train.batch_lr_grid`.

    Parameters
    ----------
    X : ndarray, shape (N, T, D)
    y : ndarray, shape (N, O)
        Training data (labels 0/1).
    X_val : ndarray, shape (M, T_val, D)
    y_val : ndarray, shape (M, O)
        Data on which every trained model is scored.
    seeds : sequence of int
        At least one seed, no repeats.
    hidden_size : int
    batch_sizes : sequence of int
        Rows of the grid (no repeats).
    lrs : sequence of float
        Columns of the grid (no repeats).
    epochs : int
        Epochs of every run.
    progress : bool
        Show a progress bar over batch sizes.

    Returns
    -------
    ndarray, shape (len(seeds), len(batch_sizes), len(lrs))
        Validation accuracy after the last epoch; NaN for a run whose
        validation loss is not finite (it diverged).
    """
    seeds = _check_seeds(seeds)
    batch_sizes, lrs = list(batch_sizes), list(lrs)
    if not batch_sizes or not lrs:
        raise ValueError("batch_sizes and lrs must be non-empty sequences")
    batch_sizes = [check_positive_int("batch_sizes entry", b) for b in batch_sizes]
    lrs = [check_positive_float("lrs entry", v) for v in lrs]
    if len(set(batch_sizes)) != len(batch_sizes) or len(set(lrs)) != len(lrs):
        raise ValueError("batch_sizes and lrs must not repeat")
    X, y = as_array("X", X), as_array("y", y)
    check_shape("X", X, "(N, T, D)", (None, None, None))
    check_shape("y", y, "(N, O)", (X.shape[0], None))
    X_val, y_val = _check_data("X_val", X_val, "y_val", y_val, X.shape[2], y.shape[1])
    H = check_positive_int("hidden_size", hidden_size)
    if not isinstance(progress, bool):
        raise ValueError(f"progress must be True or False, got {progress!r}")
    init = [init_params(X.shape[2], H, y.shape[1], seed_generators(s)[0]) for s in seeds]
    pairs = [(i, j) for i in range(len(seeds)) for j in range(len(lrs))]
    scores = np.empty((len(seeds), len(batch_sizes), len(lrs)))
    for b_i, b in enumerate(tqdm(batch_sizes, disable=not progress, desc="batch sizes")):
        results = train_stacked(
            [init[i] for i, _ in pairs], X, y, lr=[lrs[j] for _, j in pairs], epochs=epochs,
            batch_size=b, rngs=[seed_generators(seeds[i])[1] for i, _ in pairs],
            record="none", progress=False,
        )
        with np.errstate(over="ignore", invalid="ignore"):
            loss, acc = _evaluate(stack_params([p for p, _ in results]), X_val, y_val)
        for (i, j), v_loss, v_acc in zip(pairs, loss, acc):
            scores[i, b_i, j] = v_acc if np.isfinite(v_loss) else np.nan
    return scores
