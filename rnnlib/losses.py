"""Losses that return their value and the gradient on the prediction.

MSE and BCE are means over all elements, like PyTorch's default ``reduction="mean"``;
cross-entropy is the mean over the positions that count (PyTorch's ``ignore_index``).
"""

from __future__ import annotations

import numbers

import numpy as np

from rnnlib._check import as_array, check_shape


def _same_shape(pred_name, pred, y):
    pred, y = as_array(pred_name, pred), as_array("y", y)
    if pred.ndim == 0:
        raise ValueError(f"{pred_name} must have at least one axis, got shape ()")
    check_shape("y", y, "(same as " + pred_name + ")", pred.shape)
    return pred, y


def _sigmoid(z):
    """Unchecked :func:`sigmoid`, for callers that have validated ``z`` already."""
    e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid(z):
    """Numerically stable logistic function ``1 / (1 + exp(-z))``.

    Parameters
    ----------
    z : ndarray, any shape
        Logits.

    Returns
    -------
    ndarray, same shape as ``z``
        Values in [0, 1].
    """
    return _sigmoid(as_array("z", z))


def mse_loss(y_pred, y):
    """Mean squared error, equal to ``torch.nn.MSELoss()``.

    Parameters
    ----------
    y_pred : ndarray, shape (N, O)
        Predictions (any shape with at least one axis).
    y : ndarray, same shape as ``y_pred``
        Targets.

    Returns
    -------
    loss : float
        ``mean((y_pred - y) ** 2)``.
    dy_pred : ndarray, same shape as ``y_pred``
        Gradient of ``loss`` with respect to ``y_pred``.
    """
    y_pred, y = _same_shape("y_pred", y_pred, y)
    diff = y_pred - y
    return float(np.mean(diff**2)), 2.0 * diff / diff.size


def bce_with_logits_loss(logits, y):
    """Binary cross-entropy on logits, equal to ``torch.nn.BCEWithLogitsLoss()``.

    Uses ``max(z, 0) - z*y + log(1 + exp(-|z|))``, which equals
    ``-y log sigmoid(z) - (1-y) log(1 - sigmoid(z))`` but never overflows.

    Parameters
    ----------
    logits : ndarray, shape (N, O)
        Raw scores ``z`` (any shape with at least one axis).
    y : ndarray, same shape as ``logits``
        Targets in [0, 1] (labels 0/1, or probabilities).

    Returns
    -------
    loss : float
        Mean binary cross-entropy.
    dlogits : ndarray, same shape as ``logits``
        ``(sigmoid(z) - y) / z.size``.
    """
    z, y = _same_shape("logits", logits, y)
    if not np.all((y >= 0.0) & (y <= 1.0)):  # also rejects NaN
        raise ValueError(f"y must hold targets in [0, 1], got values in [{y.min()}, {y.max()}]")
    per_elem = np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))
    return float(np.mean(per_elem)), (_sigmoid(z) - y) / z.size


def _check_targets(targets, lead_shape, V, ignore_index):
    """Validate integer class targets; return them and the mask of counted positions."""
    t = np.asarray(targets)
    if t.dtype == bool or not np.issubdtype(t.dtype, np.integer):
        raise ValueError(f"targets must be an integer array of class indices, got dtype {t.dtype}")
    labels = "(N,)" if len(lead_shape) == 1 else "(N, T)"
    check_shape("targets", t, labels + " (logits.shape[:-1])", lead_shape)
    if ignore_index is not None and (
        isinstance(ignore_index, bool) or not isinstance(ignore_index, numbers.Integral)
    ):
        raise ValueError(f"ignore_index must be None or an integer, got {ignore_index!r}")
    counted = np.ones(t.shape, dtype=bool) if ignore_index is None else t != ignore_index
    bad = counted & ((t < 0) | (t >= V))
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"targets must lie in [0, V) = [0, {V}) (or equal ignore_index={ignore_index}), "
            f"but targets[{', '.join(map(str, first))}] is {int(t[first])}"
        )
    if not counted.any():
        raise ValueError(
            f"targets has no position to average over: all {t.size} equal "
            f"ignore_index={ignore_index}"
        )
    return t, counted


def log_softmax(logits):
    """Log-probabilities ``z - logsumexp(z)`` over the last axis, computed stably.

    Parameters
    ----------
    logits : ndarray, shape (..., V)
        Raw scores.

    Returns
    -------
    ndarray, same shape as ``logits``
        ``log softmax(logits)``; finite for any finite logits.
    """
    z = as_array("logits", logits)
    if z.ndim == 0:
        raise ValueError("logits must have at least one axis (..., V), got shape ()")
    shifted = z - z.max(axis=-1, keepdims=True)  # largest entry 0: exp never overflows
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def cross_entropy_loss(logits, targets, ignore_index=None):
    """Softmax cross-entropy on logits, equal to ``torch.nn.functional.cross_entropy``.

    The loss at one position is ``-log softmax(z)[y] = logsumexp(z) - z[y]``; it is
    computed from the logits, never from probabilities, so that it stays finite when
    a probability underflows to 0. The result is the mean over the positions that
    count (those whose target is not ``ignore_index``), as PyTorch's
    ``reduction="mean"`` with ``ignore_index``.

    Parameters
    ----------
    logits : ndarray, shape (N, V) or (N, T, V)
        Raw scores over a vocabulary of ``V`` classes (PyTorch wants (N, V, T) for
        the second layout; here the class axis is always last).
    targets : ndarray of int, shape (N,) or (N, T)
        Class indices in [0, V), or ``ignore_index`` at positions that do not count
        (padding).
    ignore_index : int or None
        Target value that marks a position to leave out of the mean.

    Returns
    -------
    loss : float
        Mean cross-entropy over the counted positions, in nats.
    dlogits : ndarray, same shape as ``logits``
        Gradient of ``loss``: ``(softmax(z) - onehot(y)) / M`` at the ``M`` counted
        positions, 0 at the ignored ones.

    Raises
    ------
    ValueError
        If ``logits`` is not (N, V) or (N, T, V), ``targets`` is not an integer array of
        shape ``logits.shape[:-1]``, a counted target lies outside [0, V), or no
        position counts.
    """
    z = as_array("logits", logits)
    if z.ndim not in (2, 3) or z.shape[-1] == 0:
        raise ValueError(f"logits must have shape (N, V) or (N, T, V), got {tuple(z.shape)}")
    V = z.shape[-1]
    t, counted = _check_targets(targets, z.shape[:-1], V, ignore_index)
    logp = log_softmax(z)
    safe_t = np.where(counted, t, 0)  # any valid index where the position is ignored
    picked = np.take_along_axis(logp, safe_t[..., None], axis=-1)[..., 0]
    M = int(counted.sum())
    loss = float(-picked[counted].sum() / M)
    dlogits = np.exp(logp)
    np.put_along_axis(
        dlogits, safe_t[..., None], np.take_along_axis(dlogits, safe_t[..., None], -1) - 1.0, -1
    )
    dlogits *= counted[..., None] / M
    return loss, dlogits
