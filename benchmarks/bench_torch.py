"""NumPy versus PyTorch on the small model of chapter 3.

The same many-to-one tanh RNN (hidden size 32, one input, one output) is
trained on the same 1000 sum-sign sequences of length 10, for the same number
of epochs with minibatches of 32, once with the NumPy code of
:func:`rnnlib.train.train` and once with PyTorch on the CPU.  PyTorch is timed
twice: with the chapter's loop (:func:`rnnlib.torch_models.train_torch` fed by
a ``DataLoader``) and with a bare loop that slices pre-shuffled tensors, which
is the cheapest way to feed it.

Both sides run on one thread: ``torch.set_num_threads(threads)`` for
PyTorch, and the BLAS behind NumPy is limited to one thread through
``OPENBLAS_NUM_THREADS``/``OMP_NUM_THREADS``/``MKL_NUM_THREADS``, which this
script sets (unless already set) before NumPy is imported.  On matrices this
small, extra threads only cost synchronisation, and on a busy machine a
spinning BLAS thread pool can slow NumPy down several times over.

Run it from the repository root::

    python benchmarks/bench_torch.py            # or: .venv/bin/python benchmarks/bench_torch.py
    python -m benchmarks.bench_torch --epochs 10 --repeats 5 --optimizer adam

Every time is the best of ``repeats`` runs (the least disturbed by other
programs); the ratio printed last is NumPy time / PyTorch time, so a value
below 1 means NumPy was faster.  The NumPy time includes the evaluation on the
training set that :func:`rnnlib.train.train` does after every epoch; the
PyTorch loops skip it, which favours PyTorch slightly.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # must happen before NumPy is first imported

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

from rnnlib.data import sum_sign_splits  # noqa: E402
from rnnlib.models import init_params  # noqa: E402
from rnnlib.torch_models import SequenceModel, load_numpy_params, train_torch  # noqa: E402
from rnnlib.train import train  # noqa: E402

OPTIMIZERS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}


def make_data(n=1000, seed=0):
    """The benchmark's data: ``n`` training sequences of the chapter 3 task.

    Returns X (n, 10, 1) and y (n, 1), from :func:`rnnlib.data.sum_sign_splits`.
    """
    X, y, _, _ = sum_sign_splits(n, seed=seed)
    return X, y


def time_numpy(X, y, hidden_size=32, epochs=5, batch_size=32, lr=0.01, optimizer="sgd", seed=0):
    """Seconds taken by :func:`rnnlib.train.train` (no progress bar)."""
    params = init_params(X.shape[2], hidden_size, y.shape[1], np.random.default_rng(seed))
    start = time.perf_counter()
    train(
        params,
        X,
        y,
        optimizer=optimizer,
        lr=lr,
        epochs=epochs,
        batch_size=batch_size,
        rng=np.random.default_rng(seed),
        progress=False,
    )
    return time.perf_counter() - start


def _torch_model(X, y, hidden_size, seed):
    params = init_params(X.shape[2], hidden_size, y.shape[1], np.random.default_rng(seed))
    return load_numpy_params(SequenceModel(X.shape[2], hidden_size, output_size=y.shape[1]), params)


def time_torch_loader(
    X, y, hidden_size=32, epochs=5, batch_size=32, lr=0.01, optimizer="sgd", seed=0
):
    """Seconds taken by :func:`rnnlib.torch_models.train_torch` with a shuffling DataLoader."""
    model = _torch_model(X, y, hidden_size, seed)
    Xt, yt = torch.tensor(X, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)
    loader = DataLoader(
        TensorDataset(Xt, yt),
        batch_size=batch_size,
        shuffle=True,
        generator=torch.Generator().manual_seed(seed),
    )
    opt = OPTIMIZERS[optimizer](model.parameters(), lr=lr)
    start = time.perf_counter()
    train_torch(model, loader, nn.BCEWithLogitsLoss(), opt, epochs=epochs, progress=False)
    return time.perf_counter() - start


def time_torch_bare(
    X, y, hidden_size=32, epochs=5, batch_size=32, lr=0.01, optimizer="sgd", seed=0
):
    """Seconds taken by a minimal PyTorch loop over slices of pre-shuffled tensors."""
    model = _torch_model(X, y, hidden_size, seed)
    Xt, yt = torch.tensor(X, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)
    opt = OPTIMIZERS[optimizer](model.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()
    gen = torch.Generator().manual_seed(seed)
    N = len(Xt)
    start = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(N, generator=gen)
        for i in range(0, N, batch_size):
            idx = order[i : i + batch_size]
            opt.zero_grad()
            loss = loss_fn(model(Xt[idx]), yt[idx])  # (B, 1) against (B, 1)
            loss.backward()
            opt.step()
    return time.perf_counter() - start


def run(epochs=5, repeats=3, hidden_size=32, batch_size=32, optimizer="sgd", threads=1):
    """Best-of-``repeats`` seconds of each variant, as a dict.

    ``threads`` is passed to ``torch.set_num_threads`` for the run (and
    restored afterwards): a model this small gains nothing from more threads.
    """
    X, y = make_data()
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        kwargs = dict(hidden_size=hidden_size, epochs=epochs, batch_size=batch_size)
        fns = {
            "numpy": time_numpy,
            "torch_loader": time_torch_loader,
            "torch_bare": time_torch_bare,
        }
        return {name: min(fn(X, y, **kwargs) for _ in range(repeats)) for name, fn in fns.items()}
    finally:
        torch.set_num_threads(before)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="sgd")
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    args = parser.parse_args(argv)
    t = run(
        epochs=args.epochs, repeats=args.repeats, optimizer=args.optimizer, threads=args.threads
    )
    print(
        f"Sum-sign model, hidden 32, 1000 sequences of length 10, batch 32, {args.optimizer}, "
        f"{args.epochs} epochs, best of {args.repeats}, torch threads {args.threads}, "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}"
    )
    per_epoch = {name: 1000 * s / args.epochs for name, s in t.items()}
    print(
        f"  NumPy (rnnlib.train.train)        {t['numpy']:7.3f} s  "
        f"({per_epoch['numpy']:.1f} ms/epoch)"
    )
    print(
        f"  PyTorch, train_torch + DataLoader {t['torch_loader']:7.3f} s  "
        f"({per_epoch['torch_loader']:.1f} ms/epoch)"
    )
    print(
        f"  PyTorch, bare loop on tensors     {t['torch_bare']:7.3f} s  "
        f"({per_epoch['torch_bare']:.1f} ms/epoch)"
    )
    print(f"NumPy/PyTorch time ratio (DataLoader loop): {t['numpy'] / t['torch_loader']:.2f}")
    print(f"NumPy/PyTorch time ratio (bare loop):       {t['numpy'] / t['torch_bare']:.2f}")
    return t


if __name__ == "__main__":
    main()
