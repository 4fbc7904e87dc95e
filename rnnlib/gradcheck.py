"""Finite-difference gradient checking."""

from __future__ import annotations

import numpy as np

from rnnlib._check import as_array, check_positive_float


def numerical_gradient(f, x, h=1e-5):
    """Centred-difference gradient of a scalar function.

    Parameters
    ----------
    f : callable
        Takes one array shaped like ``x`` and returns a float.
    x : ndarray, any shape
        Point at which to differentiate.  It is not modified.
    h : float, optional
        Step size.

    Returns
    -------
    grad : ndarray, same shape as ``x``
        ``(f(x + h e_i) - f(x - h e_i)) / (2 h)`` for every element ``i``.
    """
    if not callable(f):
        raise ValueError(f"f must be callable, got {type(f).__name__}")
    h = check_positive_float("h", h)
    xp = np.array(as_array("x", x), dtype=np.float64)  # private copy
    grad = np.zeros_like(xp)
    flat, gflat = xp.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        f_plus = float(f(xp.copy()))
        flat[i] = old - h
        f_minus = float(f(xp.copy()))
        flat[i] = old
        gflat[i] = (f_plus - f_minus) / (2.0 * h)
    return grad


def rel_error(a, b):
    """Relative error ``max|a - b| / max(1e-8, max(|a| + |b|))``.

    Parameters
    ----------
    a, b : ndarray, same shape

    Returns
    -------
    float
    """
    a, b = as_array("a", a), as_array("b", b)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b)) / max(1e-8, float(np.max(np.abs(a) + np.abs(b)))))
