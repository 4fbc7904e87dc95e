"""Every speed benchmark of the course from one run, as one table of ratios.

Runs :mod:`benchmarks.bench_numpy` (one sequence at a time versus minibatches, NumPy) and
:mod:`benchmarks.bench_torch` (NumPy versus PyTorch on the CPU) on the chapter 3 model and
prints the times per epoch and the ratios between them; then :mod:`benchmarks.bench_cells`
(one update of ``nn.RNN``, ``nn.GRU`` and ``nn.LSTM`` on the CPU, with the size of each
autograd graph) and :mod:`benchmarks.bench_lm` (characters per second of training of the
character-level language model, NumPy against ``nn.RNN``). All numbers come from this one
run on this machine: they change from machine to machine, and from run to run on a busy
one, which is why every time is the best of ``--repeats`` runs.

Run ``make bench``, or ``python -m benchmarks.run_all --help`` from the repository root.
``--json`` prints the results as JSON instead (the book's benchmark page uses it).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one BLAS thread, set before NumPy is imported

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from benchmarks import bench_cells, bench_lm, bench_numpy, bench_torch  # noqa: E402


def run_all(epochs=3, repeats=3, batch_size=32, threads=1, cell_steps=20,
            seq_lens=bench_cells.DEFAULT_SEQ_LENS, lm_strings=bench_lm.DEFAULTS["n_strings"]):
    """Time every variant once (best of ``repeats``); return milliseconds per epoch.

    ``cell_steps`` updates per timed run and the lengths ``seq_lens`` go to
    :func:`benchmarks.bench_cells.measure`; the language model is trained for ``epochs``
    epochs on ``lm_strings`` embedded Reber strings per timed run
    (:func:`benchmarks.bench_lm.measure`).

    Returns
    -------
    dict
        ``ms_per_epoch`` (variant name to milliseconds per epoch), ``ratios`` (name to a
        ratio of two of those times, > 1 meaning the second is faster), ``setup`` (what
        was run, where) and ``cells`` (the result of :func:`benchmarks.bench_cells.measure`:
        milliseconds per update of each recurrent cell, graph sizes, ratios) and ``lm``
        (the result of :func:`benchmarks.bench_lm.measure`: characters per second, ratio).
    """
    numpy_sizes = bench_numpy.measure(batch_sizes=(batch_size,), epochs=epochs, repeats=repeats)
    torch_s = bench_torch.run(
        epochs=epochs, repeats=repeats, batch_size=batch_size, threads=threads
    )
    ms = {
        "numpy_per_example": 1000 * numpy_sizes[1],
        "numpy_minibatch": 1000 * numpy_sizes[batch_size],
        "numpy_minibatch_beside_torch": 1000 * torch_s["numpy"] / epochs,
        "torch_loader": 1000 * torch_s["torch_loader"] / epochs,
        "torch_bare": 1000 * torch_s["torch_bare"] / epochs,
    }
    ratios = {
        "numpy_per_example / numpy_minibatch": ms["numpy_per_example"] / ms["numpy_minibatch"],
        "numpy / torch_loader": ms["numpy_minibatch_beside_torch"] / ms["torch_loader"],
        "numpy / torch_bare": ms["numpy_minibatch_beside_torch"] / ms["torch_bare"],
    }
    setup = {
        "task": "chapter 3 model: tanh RNN, hidden 32, 1000 sum-sign sequences of length 10, SGD",
        "batch_size": batch_size,
        "epochs": epochs,
        "repeats": repeats,
        "torch_threads": threads,
        "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
    }
    cells = bench_cells.measure(seq_lens, steps=cell_steps, repeats=repeats, threads=threads)
    lm = bench_lm.measure(epochs=epochs, repeats=repeats, threads=threads, n_strings=lm_strings)
    return {"ms_per_epoch": ms, "ratios": ratios, "setup": setup, "cells": cells, "lm": lm}


ROWS = [
    ("numpy_per_example", "NumPy, one sequence at a time (batch 1)"),
    ("numpy_minibatch", "NumPy, minibatches of {b} (timed beside batch 1)"),
    ("numpy_minibatch_beside_torch", "NumPy, minibatches of {b} (timed beside PyTorch)"),
    ("torch_loader", "PyTorch CPU, minibatches of {b}, DataLoader loop"),
    ("torch_bare", "PyTorch CPU, minibatches of {b}, bare loop"),
]
RATIOS = [
    ("numpy_per_example / numpy_minibatch", "NumPy: minibatches of {b} vs one at a time"),
    ("numpy / torch_loader", "PyTorch (DataLoader loop) vs NumPy"),
    ("numpy / torch_bare", "PyTorch (bare loop) vs NumPy"),
]


def format_report(results):
    """The times and ratios of :func:`run_all` as a plain-text table."""
    setup, ms, ratios = results["setup"], results["ms_per_epoch"], results["ratios"]
    b = setup["batch_size"]
    lines = [
        f"Benchmarks, one run: {setup['task']}.",
        f"Best of {setup['repeats']} x {setup['epochs']} epochs; one BLAS thread, "
        f"{setup['torch_threads']} PyTorch thread(s); Python {setup['python']}, "
        f"NumPy {setup['numpy']}, PyTorch {setup['torch']}, {setup['cpus']} CPUs.",
        "",
        f"{'variant':<52}{'ms / epoch':>11}",
    ]
    lines += [f"{label.format(b=b):<52}{ms[key]:>11.1f}" for key, label in ROWS]
    lines += ["", f"{'speed-up (above 1: the first one is faster)':<52}{'ratio':>11}"]
    lines += [f"{label.format(b=b):<52}{ratios[key]:>10.2f}x" for key, label in RATIOS]
    lines += [
        "",
        "Each ratio divides two times measured in the same interleaved run. The NumPy loop",
        "(rnnlib.train.train) also scores the training set after every epoch; the PyTorch",
        "loops do not, which favours PyTorch slightly.",
    ]
    if "cells" in results:
        lines += ["", bench_cells.format_table(results["cells"])]
    if "lm" in results:
        lines += ["", bench_lm.format_table(results["lm"])]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3, help="epochs per timed run")
    parser.add_argument("--repeats", type=int, default=3, help="runs; the fastest is kept")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    parser.add_argument("--cell-steps", type=int, default=20,
                        help="updates per timed run of the recurrent cells")
    parser.add_argument("--json", action="store_true", help="print JSON, not a table")
    args = parser.parse_args(argv)
    results = run_all(
        epochs=args.epochs,
        repeats=args.repeats,
        batch_size=args.batch_size,
        threads=args.threads,
        cell_steps=args.cell_steps,
    )
    print(json.dumps(results, indent=1) if args.json else format_report(results))
    return results


if __name__ == "__main__":
    main()
