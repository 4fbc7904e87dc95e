"""Optimisers over dicts of parameters, as pure functions.

Parameters and gradients are dicts with the same keys.  Every function returns
new dicts and leaves its inputs untouched, so the state of an optimiser is an
explicit value the caller passes back in, never hidden on an object.
"""

from __future__ import annotations

import numbers

import numpy as np

from rnnlib._check import as_array, check_positive_float


def _check_same_keys(params, grads):
    if not isinstance(params, dict) or not isinstance(grads, dict):
        raise ValueError("params and grads must be dicts of arrays")
    if set(params) != set(grads):
        raise ValueError(
            f"params and grads must have the same keys, got {sorted(params)} and {sorted(grads)}"
        )
    for k in params:
        p, g = np.shape(params[k]), np.shape(grads[k])
        if p != g:
            raise ValueError(f"grads[{k!r}] must have shape {p}, got {g}")


def sgd_step(params, grads, lr):
    """Plain gradient descent: ``p - lr * g`` for every parameter.

    Parameters
    ----------
    params, grads : dict of str to ndarray
        Same keys, same shapes.
    lr : float
        Learning rate (> 0).

    Returns
    -------
    dict of str to ndarray
        The updated parameters.
    """
    lr = check_positive_float("lr", lr)
    _check_same_keys(params, grads)
    return {k: params[k] - lr * grads[k] for k in params}


def adam_init(params):
    """Return the initial Adam state (zero moments, step 0) for ``params``."""
    if not isinstance(params, dict):
        raise ValueError("params must be a dict of arrays")
    return {
        "step": 0,
        "m": {k: np.zeros_like(as_array(k, v)) for k, v in params.items()},
        "v": {k: np.zeros_like(as_array(k, v)) for k, v in params.items()},
    }


def _check_adam_state(state, params):
    """Raise unless ``state`` has the keys, moment shapes and step of an Adam state."""
    hint = "state must come from adam_init(params) or adam_step"
    if not isinstance(state, dict) or set(state) != {"step", "m", "v"}:
        got = sorted(state) if isinstance(state, dict) else type(state).__name__
        raise ValueError(f"{hint}: a dict with keys ['m', 'step', 'v'], got {got}")
    step = state["step"]
    if isinstance(step, bool) or not isinstance(step, numbers.Integral) or step < 0:
        raise ValueError(f"{hint}: state['step'] must be a non-negative integer, got {step!r}")
    for name in ("m", "v"):
        moments = state[name]
        if not isinstance(moments, dict) or set(moments) != set(params):
            got = sorted(moments) if isinstance(moments, dict) else type(moments).__name__
            raise ValueError(
                f"{hint}: state[{name!r}] must have the keys of params {sorted(params)}, got {got}"
            )
        for k in params:
            p, m = np.shape(params[k]), np.shape(moments[k])
            if p != m:
                raise ValueError(f"{hint}: state[{name!r}][{k!r}] must have shape {p}, got {m}")


def adam_step(params, grads, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam update (Kingma and Ba, 2015), matching ``torch.optim.Adam``.

    For every parameter ``p`` with gradient ``g``, at update ``t = state["step"] + 1``
    (entry by entry)::

        m = beta1 * m + (1 - beta1) * g           # running mean of the gradient
        v = beta2 * v + (1 - beta2) * g**2        # running mean of its square
        m_hat = m / (1 - beta1**t)                # bias correction: m, v start at 0
        v_hat = v / (1 - beta2**t)
        p = p - lr * m_hat / (sqrt(v_hat) + eps)

    Parameters
    ----------
    params, grads : dict of str to ndarray
        Same keys, same shapes.
    state : dict
        From :func:`adam_init` or the previous call: ``step`` (updates done so
        far), ``m`` and ``v`` (dicts of arrays shaped like ``params``).  It is
        not modified.
    lr, beta1, beta2, eps : float
        Hyperparameters, with PyTorch's defaults.

    Returns
    -------
    new_params : dict of str to ndarray
    new_state : dict
    """
    lr, eps = check_positive_float("lr", lr), check_positive_float("eps", eps)
    for name, beta in (("beta1", beta1), ("beta2", beta2)):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"{name} must be in [0, 1), got {beta!r}")
    _check_same_keys(params, grads)
    _check_adam_state(state, params)
    t = state["step"] + 1
    m = {k: beta1 * state["m"][k] + (1 - beta1) * grads[k] for k in params}
    v = {k: beta2 * state["v"][k] + (1 - beta2) * grads[k] ** 2 for k in params}
    c1, c2 = 1 - beta1**t, 1 - beta2**t
    new = {k: params[k] - lr * (m[k] / c1) / (np.sqrt(v[k] / c2) + eps) for k in params}
    return new, {"step": t, "m": m, "v": v}


def global_norm(grads):
    """Euclidean norm of all gradients taken together."""
    if not isinstance(grads, dict):
        raise ValueError("grads must be a dict of arrays")
    return float(np.sqrt(sum(float(np.sum(np.square(g))) for g in grads.values())))


def clip_grad_norm(grads, max_norm):
    """Rescale gradients so that their global norm is at most ``max_norm``.

    Matches ``torch.nn.utils.clip_grad_norm_`` (with its default
    ``error_if_nonfinite=False``): the scale is
    ``min(1, max_norm / (norm + 1e-6))``, with NaN propagating through the
    ``min``.  So a NaN norm makes every gradient NaN, and an infinite norm
    gives a scale of 0: finite entries become 0 and infinite ones NaN.  The
    NaNs make a diverged run visible instead of hiding it.

    Parameters
    ----------
    grads : dict of str to ndarray
    max_norm : float
        Largest global norm allowed (> 0).

    Returns
    -------
    clipped : dict of str to ndarray
        New dict; ``grads`` is not modified.
    total_norm : float
        Global norm before clipping.
    """
    max_norm = check_positive_float("max_norm", max_norm)
    total = global_norm(grads)
    scale = float(np.minimum(1.0, max_norm / (total + 1e-6)))  # NaN stays NaN, like torch
    with np.errstate(invalid="ignore"):  # inf * 0 is NaN, as in torch
        return {k: g * scale for k, g in grads.items()}, total
