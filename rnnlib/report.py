"""Print results so that they read the same on every CPU.

A relative error at rounding level (1.3e-15 on one machine, 1.6e-15 on another)
is reported as a bound ("below 1e-12"), and a training outcome as its spread
over several seeds.  The chapters print these strings in cells that ``nbval``
compares, so they must not depend on the last bit of a sum.
"""

from __future__ import annotations

import numbers

import numpy as np
from tqdm.auto import tqdm

from rnnlib._check import check_positive_float


def below(value, bound):
    """``"below 1e-12"`` when ``value < bound``, else the value and the failed bound.

    Parameters
    ----------
    value : float
        A non-negative quantity such as a relative error.
    bound : float
        The bound it should stay under (> 0).

    Returns
    -------
    str
        ``"below {bound}"`` if the bound holds, otherwise
        ``"{value} (NOT below {bound})"``, so a broken claim changes the printed
        text (and fails nbval) instead of hiding behind the rounding.
    """
    bound = check_positive_float("bound", bound)
    if isinstance(value, bool) or not isinstance(value, numbers.Real | np.floating):
        raise ValueError(f"value must be a real number, got {value!r}")
    if value < bound:
        return f"below {bound:.0e}"
    return f"{float(value):.1e} (NOT below {bound:.0e})"


def spread(values):
    """Median, minimum and maximum of results over seeds.

    Parameters
    ----------
    values : array_like, shape (S,)
        One finite result per seed (S >= 1).

    Returns
    -------
    dict
        ``{"median": float, "min": float, "max": float, "n": int}``.
    """
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"values must have shape (S,) with S >= 1, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("values must be finite (one result per seed)")
    return {"median": float(np.median(arr)), "min": float(arr.min()), "max": float(arr.max()),
            "n": int(arr.size)}


def format_spread(values, fmt=".3f"):
    """``"0.931 (0.912 to 0.950, 5 seeds)"``: median, then min to max.

    Parameters
    ----------
    values : array_like, shape (S,)
    fmt : str
        Format specification of each number.

    Returns
    -------
    str
    """
    s = spread(values)
    return f"{s['median']:{fmt}} ({s['min']:{fmt}} to {s['max']:{fmt}}, {s['n']} seeds)"


def over_seeds(fn, seeds, progress=True, desc="seeds"):
    """Call ``fn(seed)`` for every seed and return the results in order.

    Parameters
    ----------
    fn : callable
        ``fn(seed) -> result``; it must take all its randomness from ``seed``.
    seeds : sequence of int
        At least one seed, no repeats.
    progress : bool
        Show a progress bar over the seeds.
    desc : str
        Label of the progress bar.

    Returns
    -------
    list
        ``[fn(seed) for seed in seeds]``.
    """
    if not callable(fn):
        raise ValueError(f"fn must be callable, got {fn!r}")
    seeds = list(seeds)
    if not seeds or not all(isinstance(s, numbers.Integral) and not isinstance(s, bool)
                            for s in seeds):
        raise ValueError(f"seeds must be a non-empty sequence of ints, got {seeds!r}")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must not repeat, got {seeds!r}")
    return [fn(int(s)) for s in tqdm(seeds, disable=not progress, desc=desc)]
