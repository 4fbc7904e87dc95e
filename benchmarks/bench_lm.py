"""Training speed of the character-level language model: NumPy against PyTorch on the CPU.

The model is chapters 8 and 9's: an embedding (E = 8), a tanh RNN (H = 32) and a softmax
over the 7 letters of the embedded Reber grammar at every step, trained with Adam and
truncated BPTT (batch 32, chunks of 25 characters, the state carried between chunks,
gradient clipping at 1). The same model is trained by :func:`rnnlib.charlm.train_charlm`
(NumPy, hand-written backward pass) and by :func:`rnnlib.torch_lm.train_lm` on a one-layer
``nn.RNN`` :class:`rnnlib.torch_lm.CharLM` holding the same initial weights; chapter 9's
two-layer LSTM is timed beside them for reference. NumPy computes in float64 and PyTorch in
its default float32, as the chapters train them, so the ratio compares the two set-ups as
used, not the two libraries at equal precision. The speed is in characters per second of
training: the characters of the batch rows read per epoch, times the epochs, divided by
the time.

Both sides run on one thread (``torch.set_num_threads`` and one BLAS thread, set before
NumPy is imported). Timings are interleaved across the variants and the fastest of
``repeats`` is kept; the ratio divides two speeds measured in the same run. Run
``make bench`` or ``python -m benchmarks.bench_lm --help``.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one BLAS thread, set before NumPy is imported

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from rnnlib.charlm import encode, init_charlm, tbptt_chunks, train_charlm  # noqa: E402
from rnnlib.grammar import ALPHABET, embedded_reber_stream  # noqa: E402
from rnnlib.torch_lm import CharLM, load_numpy_charlm, train_lm  # noqa: E402

VARIANTS = ("numpy_rnn", "torch_rnn", "torch_lstm2")
LABELS = {
    "numpy_rnn": "NumPy tanh RNN (rnnlib.charlm), float64",
    "torch_rnn": "PyTorch nn.RNN, same size and weights, float32",
    "torch_lstm2": "PyTorch nn.LSTM, 2 layers (chapter 9), float32",
}
DEFAULTS = {"n_strings": 2000, "embed_size": 8, "hidden_size": 32, "batch_size": 32,
            "seq_len": 25, "lr": 0.01, "clip": 1.0}


def make_text(n_strings=DEFAULTS["n_strings"], seed=1000):
    """Ids (L,) of ``n_strings`` embedded Reber strings (chapter 8's generator and seed)."""
    return encode(embedded_reber_stream(n_strings, np.random.default_rng(seed)), ALPHABET)


def chars_per_epoch(ids, batch_size, seq_len):
    """Characters read in one epoch: every position of every chunk's input."""
    return sum(x.size for x, _ in tbptt_chunks(ids, batch_size, seq_len))


def time_variant(variant, ids, epochs=1, embed_size=8, hidden_size=32, batch_size=32,
                 seq_len=25, lr=0.01, clip=1.0, seed=0):
    """Seconds to train ``variant`` for ``epochs`` on ``ids`` (one run, from fresh weights)."""
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    V = len(ALPHABET)
    params = init_charlm(V, embed_size, hidden_size, np.random.default_rng(seed))
    kwargs = dict(batch_size=batch_size, seq_len=seq_len, epochs=epochs, lr=lr, clip=clip)
    if variant == "numpy_rnn":
        start = time.perf_counter()
        train_charlm(params, ids, **kwargs)
        return time.perf_counter() - start
    torch.manual_seed(seed)
    if variant == "torch_rnn":
        model = load_numpy_charlm(CharLM(V, embed_size, hidden_size, "rnn", 1), params)
    else:
        model = CharLM(V, embed_size, hidden_size, "lstm", 2)
    start = time.perf_counter()
    train_lm(model, ids, **kwargs)
    return time.perf_counter() - start


def measure(epochs=3, repeats=3, threads=1, **config):
    """Characters per second of training of every variant, and the PyTorch/NumPy ratio.

    Parameters
    ----------
    epochs : int
        Epochs per timed run.
    repeats : int
        Timed runs per variant, interleaved; the fastest is kept.
    threads : int
        ``torch.set_num_threads`` during the run (restored afterwards).
    **config
        Overrides of :data:`DEFAULTS` (``n_strings``, ``embed_size``, ``hidden_size``,
        ``batch_size``, ``seq_len``, ``lr``, ``clip``).

    Returns
    -------
    dict
        ``chars_per_s`` (variant to characters per second), ``ratio`` (``torch_rnn`` /
        ``numpy_rnn`` speed: above 1, PyTorch trains the same RNN faster) and ``setup``.
    """
    unknown = set(config) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"config must only hold keys of DEFAULTS, got {sorted(unknown)}")
    cfg = {**DEFAULTS, **config}
    ids = make_text(cfg.pop("n_strings"))
    chars = epochs * chars_per_epoch(ids, cfg["batch_size"], cfg["seq_len"])
    best = dict.fromkeys(VARIANTS, float("inf"))
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        for _ in range(repeats):
            for v in VARIANTS:  # interleaved, so that a burst of load hits every variant
                best[v] = min(best[v], time_variant(v, ids, epochs=epochs, **cfg))
    finally:
        torch.set_num_threads(before)
    speed = {v: chars / best[v] for v in VARIANTS}
    setup = {**cfg, "n_chars": int(ids.size), "chars_per_run": int(chars), "epochs": epochs,
             "repeats": repeats, "torch_threads": threads}
    return {"chars_per_s": speed, "ratio": speed["torch_rnn"] / speed["numpy_rnn"],
            "setup": setup}


def format_table(results):
    """The result of :func:`measure` as a plain-text table."""
    s = results["setup"]
    lines = [
        f"Character-level language model (E = {s['embed_size']}, H = {s['hidden_size']}, "
        f"batch {s['batch_size']}, chunks of {s['seq_len']}, Adam, clip {s['clip']}), "
        f"{s['chars_per_run']} characters per timed run, best of {s['repeats']}:",
        f"{'variant':<50}{'chars / s':>12}",
    ]
    lines += [f"{LABELS[v]:<50}{results['chars_per_s'][v]:>12.0f}" for v in VARIANTS]
    lines += [f"{'speed-up of nn.RNN over NumPy (same run)':<50}{results['ratio']:>11.2f}x"]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3, help="epochs per timed run")
    parser.add_argument("--repeats", type=int, default=3, help="runs; the fastest is kept")
    parser.add_argument("--strings", type=int, default=DEFAULTS["n_strings"],
                        help="embedded Reber strings in the training text")
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    args = parser.parse_args(argv)
    results = measure(epochs=args.epochs, repeats=args.repeats, threads=args.threads,
                      n_strings=args.strings)
    print(format_table(results))
    return results


if __name__ == "__main__":
    main()
