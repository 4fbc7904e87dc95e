"""Losses that return their value and the gradient on the prediction.

Both are means over all elements, like PyTorch's default ``reduction="mean"``.
"""

from __future__ import annotations

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
