"""Input validation shared by the public functions of :mod:`rnnlib`.

Every public function checks its arguments with these helpers, so that a wrong
rank or shape raises a :class:`ValueError` naming the argument, the expected
shape and the shape received, instead of a broadcasting surprise later on.
Data with NaN or infinity is rejected the same way (:func:`check_finite`),
instead of NaN results later on.
"""

from __future__ import annotations

import numbers

import numpy as np


def as_array(name: str, value) -> np.ndarray:
    """Return ``value`` as a floating-point array (no copy when already one)."""
    arr = np.asarray(value)
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        raise ValueError(f"{name} must be a numeric array, got dtype {arr.dtype}")
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    return arr


def check_shape(name: str, arr: np.ndarray, labels: str, expected: tuple) -> None:
    """Raise ``ValueError`` unless ``arr.shape`` matches ``expected``.

    Parameters
    ----------
    name : str
        Argument name used in the message.
    arr : ndarray
        The array to check.
    labels : str
        Symbolic shape for the message, for example ``"(N, T, D)"``.
    expected : tuple of int or None
        Expected sizes; ``None`` accepts any size on that axis.
    """
    ok = arr.ndim == len(expected) and all(e is None or e == s for e, s in zip(expected, arr.shape))
    if not ok:
        concrete = ", ".join("?" if e is None else str(e) for e in expected)
        if len(expected) == 1:
            concrete += ","
        raise ValueError(f"{name} must have shape {labels} = ({concrete}), got {tuple(arr.shape)}")


def check_finite(name: str, arr: np.ndarray) -> np.ndarray:
    """Return ``arr``, raising ``ValueError`` if it holds a NaN or an infinity.

    One :func:`numpy.isfinite` pass over the array; only when it fails is the
    first bad entry looked up, so that the message can name it.

    Parameters
    ----------
    name : str
        Argument name used in the message.
    arr : ndarray
        A numeric array (for example from :func:`as_array`).
    """
    finite = np.isfinite(arr)
    if not finite.all():
        bad = ~finite
        first = np.unravel_index(int(np.argmax(bad)), arr.shape)  # the first in C order
        raise ValueError(nonfinite_message(name, first, arr[first], int(bad.sum()), arr.size))
    return arr


def nonfinite_message(name: str, index, value, count: int, size: int) -> str:
    """The message of :func:`check_finite`, shared with the PyTorch checks.

    Parameters
    ----------
    name : str
        Argument name.
    index : tuple of int
        Index of the first NaN or infinite entry.
    value : float
        That entry.
    count, size : int
        Number of NaN or infinite entries, and of all entries.
    """
    where = ", ".join(str(int(i)) for i in index)
    return (
        f"{name} must hold finite numbers, but {name}[{where}] is {float(value)} "
        f"({count} of {size} entries {'is' if count == 1 else 'are'} NaN or infinite): "
        "drop or repair those entries before using the data"
    )


def check_positive_int(name: str, value) -> int:
    """Return ``value`` as an int, raising ``ValueError`` unless it is >= 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def check_positive_float(name: str, value) -> float:
    """Return ``value`` as a float, raising ``ValueError`` unless it is > 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def check_rng(name: str, rng) -> np.random.Generator:
    """Raise ``ValueError`` unless ``rng`` is a :class:`numpy.random.Generator`."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError(
            f"{name} must be a numpy.random.Generator "
            f"(np.random.default_rng(seed)), got {type(rng).__name__}"
        )
    return rng


def check_cache(cache, length: int, producer: str) -> tuple:
    """Raise ``ValueError`` unless ``cache`` is a tuple of ``length`` items.

    A cheap guard for the backward functions: it catches a cache from the
    wrong forward function (or no cache at all) before unpacking it.
    """
    if not isinstance(cache, tuple) or len(cache) != length:
        got = f"a tuple of {len(cache)} items" if isinstance(cache, tuple) else type(cache).__name__
        raise ValueError(f"cache must be the tuple returned by {producer}, got {got}")
    return cache
