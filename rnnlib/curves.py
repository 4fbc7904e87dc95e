"""Read a loss curve: when it reached a target, and whether it fell at every update.

A claim such as "the loss falls at every step" or "bug 2 reaches the target in
fewer updates" is checked on the curve of every seed, so it needs a rule that
does not depend on the last bits of the numbers.  Near float64 rounding a loss
only jitters (a prediction within one rounding error of its target gives a
squared error of about 1e-32), so :func:`falls_at_every_update` judges a
curve only until it first reaches a floor far above that noise.
"""

from __future__ import annotations

import numpy as np

from rnnlib._check import as_array, check_positive_float, check_shape


def _curve(losses):
    arr = as_array("losses", losses).astype(float, copy=False)
    check_shape("losses", arr, "(steps,)", (None,))
    if arr.size == 0:
        raise ValueError("losses must hold at least one value")
    if np.any(np.isnan(arr)):
        raise ValueError("losses must not hold NaN")
    return arr


def updates_to_reach(losses, target):
    """Number of updates after which the loss is first below ``target``.

    Parameters
    ----------
    losses : array_like, shape (steps,)
        The loss after every update (``losses[0]`` after the first), as
        recorded by :func:`rnnlib.train.train` or :func:`rnnlib.bugs.train_with`.
    target : float
        The level to reach (> 0).

    Returns
    -------
    int or None
        ``k`` such that ``losses[k - 1] < target`` and no earlier loss is;
        ``None`` if the loss never gets below ``target``.
    """
    arr = _curve(losses)
    target = check_positive_float("target", target)
    hits = np.flatnonzero(arr < target)
    return int(hits[0]) + 1 if hits.size else None


def falls_at_every_update(losses, floor=1e-20):
    """Whether every update lowers the loss, until it first gets to ``floor``.

    Parameters
    ----------
    losses : array_like, shape (steps,)
        The loss after every update.  An infinite loss counts as a rise.
    floor : float
        Below this level differences are float64 rounding noise (> 0): the
        curve is judged up to and including the first loss ``<= floor``, and
        not after it.

    Returns
    -------
    bool
        ``True`` when ``losses[i + 1] < losses[i]`` for every ``i`` before the
        curve first reaches ``floor`` (a single value counts as falling).
    """
    arr = _curve(losses)
    floor = check_positive_float("floor", floor)
    at_floor = np.flatnonzero(arr <= floor)
    judged = arr[: at_floor[0] + 1] if at_floor.size else arr
    return bool(np.all(np.isfinite(judged)) and np.all(np.diff(judged) < 0))
