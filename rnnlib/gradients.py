"""How gradients flow back through time in a tanh RNN.

For the RNN of :mod:`rnnlib.rnn`, ``h_t = tanh(a_t)`` with
``a_t = x_t @ Wxh.T + h_{t-1} @ Whh.T + bh``, so the Jacobian of one step is::

    dh_t / dh_{t-1} = diag(1 - h_t**2) @ Whh               # (H, H)

and the gradient of the last state with respect to an earlier one is the
product of those Jacobians (backpropagation through time, one factor per step)::

    dh_T / dh_k = J_T @ J_{T-1} @ ... @ J_{k+1}

Time indices follow the states: ``h_0`` is the initial state and ``hs[:, t]``
(from :func:`rnnlib.rnn.rnn_forward`) is ``h_{t+1}``.  Products are indexed by
the *gap* ``g = T - k``, from 0 (the identity) to ``T`` (back to ``h_0``).

Pascanu, Mikolov and Bengio (2013) bound every factor by
``||J_t|| <= ||Whh|| * ||diag(f'(a_t))|| <= sigma_max(Whh) * gamma`` with
``gamma = 1`` for tanh, hence ``||dh_T/dh_k|| <= (sigma_max * gamma) ** (T - k)``
(:func:`pascanu_bound`).  :func:`trajectory_bound` keeps the actual tanh
derivatives of the trajectory instead of ``gamma`` and is tighter.
"""

from __future__ import annotations

import numpy as np

from rnnlib._check import (
    as_array,
    check_positive_float,
    check_positive_int,
    check_rng,
    check_shape,
)
from rnnlib.rnn import rnn_forward


def _square(name, W):
    W = as_array(name, W)
    check_shape(name, W, "(H, H)", (None, None))
    if W.shape[0] != W.shape[1]:
        raise ValueError(f"{name} must have shape (H, H) (square), got {W.shape}")
    return W


def spectral_radius(W):
    """Largest absolute eigenvalue of a square matrix.

    Parameters
    ----------
    W : ndarray, shape (H, H)

    Returns
    -------
    float
    """
    W = _square("W", W)
    return float(np.max(np.abs(np.linalg.eigvals(W))))


def largest_singular_value(W):
    """Spectral norm ``sigma_max(W)``, the largest singular value (>= spectral radius).

    Parameters
    ----------
    W : ndarray, shape (H, H)

    Returns
    -------
    float
    """
    W = _square("W", W)
    return float(np.linalg.norm(W, ord=2))


def scale_to_spectral_radius(W, radius):
    """Return ``W`` rescaled so that its spectral radius equals ``radius``.

    Parameters
    ----------
    W : ndarray, shape (H, H)
        Any square matrix with a non-zero eigenvalue.  It is not modified.
    radius : float
        Target spectral radius (> 0).

    Returns
    -------
    ndarray, shape (H, H)
        ``W * radius / spectral_radius(W)``.
    """
    W = _square("W", W)
    radius = check_positive_float("radius", radius)
    rho = spectral_radius(W)
    if rho == 0.0:
        raise ValueError("W must have a non-zero eigenvalue to be rescaled, got spectral radius 0")
    return W * (radius / rho)


def random_recurrent_weights(hidden_size, radius, rng):
    """Gaussian ``(H, H)`` matrix rescaled to spectral radius ``radius``.

    Parameters
    ----------
    hidden_size : int
        ``H``.
    radius : float
        Spectral radius of the result (> 0).
    rng : numpy.random.Generator

    Returns
    -------
    ndarray, shape (H, H)
    """
    H = check_positive_int("hidden_size", hidden_size)
    rng = check_rng("rng", rng)
    return scale_to_spectral_radius(rng.standard_normal((H, H)), radius)


def _check_states(hs, Whh):
    Whh = _square("Whh", Whh)
    hs = as_array("hs", hs)
    check_shape("hs", hs, "(N, T, H)", (None, None, Whh.shape[0]))
    return hs, Whh


def step_jacobians(hs, Whh):
    """Jacobian of every step, ``dh_{t+1}/dh_t = diag(1 - h_{t+1}**2) @ Whh``.

    Parameters
    ----------
    hs : ndarray, shape (N, T, H)
        Hidden states from :func:`rnnlib.rnn.rnn_forward`.
    Whh : ndarray, shape (H, H)
        Recurrent weights used to compute ``hs``.

    Returns
    -------
    ndarray, shape (N, T, H, H)
        ``J[n, t]`` is the Jacobian of ``hs[n, t]`` with respect to the state
        before it (``hs[n, t-1]``, or ``h0`` for ``t = 0``).
    """
    hs, Whh = _check_states(hs, Whh)
    return (1.0 - hs**2)[..., :, None] * Whh  # (N, T, H, H): row i scaled by 1 - h_i^2


def jacobian_products(hs, Whh):
    """Gradient of the last state with respect to every earlier state.

    Parameters
    ----------
    hs : ndarray, shape (N, T, H)
        Hidden states from :func:`rnnlib.rnn.rnn_forward`.
    Whh : ndarray, shape (H, H)

    Returns
    -------
    ndarray, shape (N, T + 1, H, H)
        ``P[n, g] = dh_T / dh_{T-g}`` for the gap ``g = 0 .. T``: ``P[:, 0]`` is
        the identity and ``P[:, T]`` is the Jacobian with respect to ``h0``.
    """
    J = step_jacobians(hs, Whh)  # (N, T, H, H)
    N, T, H, _ = J.shape
    P = np.empty((N, T + 1, H, H), dtype=J.dtype)
    P[:, 0] = np.eye(H)
    for g in range(1, T + 1):
        P[:, g] = P[:, g - 1] @ J[:, T - g]  # dh_T/dh_{T-g+1} @ dh_{T-g+1}/dh_{T-g}
    return P


def jacobian_norms(hs, Whh):
    """Spectral norm ``||dh_T / dh_{T-g}||_2`` for every gap ``g = 0 .. T``.

    Parameters
    ----------
    hs : ndarray, shape (N, T, H)
    Whh : ndarray, shape (H, H)

    Returns
    -------
    ndarray, shape (N, T + 1)
        Column ``g`` holds the norm at gap ``g``; column 0 is 1.
    """
    return np.linalg.norm(jacobian_products(hs, Whh), ord=2, axis=(-2, -1))


def measure_gradient_norms(X, Wxh, Whh, bh, h0=None):
    """Run the RNN on ``X`` and return :func:`jacobian_norms` of its states.

    Parameters
    ----------
    X : ndarray, shape (N, T, D)
    Wxh : ndarray, shape (H, D)
    Whh : ndarray, shape (H, H)
    bh : ndarray, shape (H,)
    h0 : ndarray, shape (N, H), optional
        Zeros (of the dtype of ``Whh``) by default.

    Returns
    -------
    norms : ndarray, shape (N, T + 1)
        ``||dh_T / dh_{T-g}||_2`` for every sequence and gap.
    hs : ndarray, shape (N, T, H)
        The hidden states.
    """
    X, Whh, Wxh = as_array("X", X), _square("Whh", Whh), as_array("Wxh", Wxh)
    D = Wxh.shape[1] if Wxh.ndim == 2 else None  # a bad Wxh is reported by rnn_forward
    check_shape("X", X, "(N, T, D)", (None, None, D))
    if h0 is None:
        h0 = np.zeros((X.shape[0], Whh.shape[0]), dtype=Whh.dtype)  # (N, H)
    hs, _ = rnn_forward(X, h0, Wxh, Whh, bh)  # (N, T, H)
    return jacobian_norms(hs, Whh), hs


def pascanu_bound(Whh, max_gap, gamma=1.0):
    """Upper bound ``(sigma_max(Whh) * gamma) ** g`` for gaps ``g = 0 .. max_gap``.

    Pascanu, Mikolov and Bengio (2013): every step Jacobian satisfies
    ``||diag(f'(a)) Whh|| <= gamma * sigma_max(Whh)`` when ``|f'| <= gamma``
    (``gamma = 1`` for tanh, ``1/4`` for the logistic sigmoid).

    Parameters
    ----------
    Whh : ndarray, shape (H, H)
    max_gap : int
        Largest gap ``T`` (>= 1).
    gamma : float
        Bound on the derivative of the activation (> 0).

    Returns
    -------
    ndarray, shape (max_gap + 1,)
    """
    Whh = _square("Whh", Whh)
    max_gap = check_positive_int("max_gap", max_gap)
    gamma = check_positive_float("gamma", gamma)
    return (largest_singular_value(Whh) * gamma) ** np.arange(max_gap + 1)


def trajectory_bound(hs, Whh):
    """Bound that keeps the actual tanh slopes of the trajectory.

    ``||dh_T/dh_{T-g}|| <= prod over the g steps of max_i(1 - h_{t,i}**2) * sigma_max(Whh)``,
    which never exceeds :func:`pascanu_bound` because every slope is <= 1.

    Parameters
    ----------
    hs : ndarray, shape (N, T, H)
    Whh : ndarray, shape (H, H)

    Returns
    -------
    ndarray, shape (N, T + 1)
    """
    hs, Whh = _check_states(hs, Whh)
    slope = np.max(1.0 - hs**2, axis=-1)  # (N, T): largest tanh' at every step
    factors = slope[:, ::-1] * largest_singular_value(Whh)  # (N, T), gap order
    N = hs.shape[0]
    return np.concatenate([np.ones((N, 1)), np.cumprod(factors, axis=1)], axis=1)
