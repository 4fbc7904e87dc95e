"""Per-example versus minibatch training of the chapter 3 model, in NumPy.

The model and data are those of chapter 3: 1000 sum-sign sequences of length
10, a tanh RNN with 32 hidden units and a logistic output, plain SGD.  Every
batch size runs the very same code, :func:`rnnlib.train.train`, for the same
number of epochs; only ``batch_size`` changes.  Measurements of the different
batch sizes are interleaved and the fastest repeat is kept, so that a burst of
load from another process on the machine does not favour one of them.

Run ``make bench`` or ``python -m benchmarks.bench_numpy --help``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from rnnlib.data import sum_sign_splits
from rnnlib.models import init_params
from rnnlib.train import train

DEFAULT_BATCH_SIZES = (8, 32, 128)


def make_task(n_train=1000, hidden_size=32, seed=0):
    """Training data and initial parameters of the chapter 3 model.

    Returns
    -------
    params : dict
        From :func:`rnnlib.models.init_params`, hidden size ``hidden_size``.
    X : ndarray, shape (n_train, 10, 1)
    y : ndarray, shape (n_train, 1)
    """
    X, y, _, _ = sum_sign_splits(n_train, seed=seed)
    params = init_params(1, hidden_size, 1, np.random.default_rng(seed + 1))
    return params, X, y


def time_epochs(batch_size, epochs=3, n_train=1000, hidden_size=32, lr=0.01, seed=0):
    """Seconds per epoch of :func:`rnnlib.train.train` at one batch size.

    One call trains a fresh copy of the model for ``epochs`` epochs (plain SGD,
    shuffled, no progress bar, no validation set) and returns the wall time
    divided by ``epochs``.  The time includes everything ``train`` does per
    epoch, the evaluation on the training data included.
    """
    params, X, y = make_task(n_train, hidden_size, seed)
    rng = np.random.default_rng(seed + 2)
    start = time.perf_counter()
    train(params, X, y, lr=lr, epochs=epochs, batch_size=batch_size, rng=rng, progress=False)
    return (time.perf_counter() - start) / epochs


def measure(batch_sizes=DEFAULT_BATCH_SIZES, epochs=3, repeats=3, **task):
    """Seconds per epoch for batch size 1 and every entry of ``batch_sizes``.

    The batch sizes are measured in turn, ``repeats`` rounds; each keeps its
    fastest round.

    Returns
    -------
    dict of int to float
        Batch size (1 included) to seconds per epoch.
    """
    sizes = [1, *[int(b) for b in batch_sizes if int(b) != 1]]
    best = {b: np.inf for b in sizes}
    for _ in range(repeats):
        for b in sizes:
            best[b] = min(best[b], time_epochs(b, epochs=epochs, **task))
    return best


def speedups(timings):
    """Per-epoch speed-up of every batch size over batch size 1."""
    return {b: timings[1] / t for b, t in timings.items()}


def format_table(timings):
    """The timings and speed-ups as a plain-text table."""
    ratio = speedups(timings)
    lines = [f"{'batch size':>10}  {'ms / epoch':>10}  {'speed-up vs 1':>13}"]
    for b in sorted(timings):
        lines.append(f"{b:>10}  {1000 * timings[b]:>10.1f}  {ratio[b]:>12.1f}x")
    return "\n".join(lines)


def main(argv=None):
    """Parse the command line, run :func:`measure` and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=list(DEFAULT_BATCH_SIZES))
    parser.add_argument("--epochs", type=int, default=3, help="epochs per timed run")
    parser.add_argument("--repeats", type=int, default=3, help="rounds; the fastest is kept")
    parser.add_argument("--n-train", type=int, default=1000)
    parser.add_argument("--hidden-size", type=int, default=32)
    args = parser.parse_args(argv)
    timings = measure(
        args.batch_sizes,
        epochs=args.epochs,
        repeats=args.repeats,
        n_train=args.n_train,
        hidden_size=args.hidden_size,
    )
    print(
        f"NumPy, chapter 3 model (hidden {args.hidden_size}, {args.n_train} sequences of "
        f"length 10, SGD), seconds per epoch: fastest of {args.repeats} x {args.epochs} epochs"
    )
    print(format_table(timings))
    return timings


if __name__ == "__main__":
    main()
