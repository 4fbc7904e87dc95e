"""What one training update of ``nn.RNN``, ``nn.GRU`` and ``nn.LSTM`` costs on the CPU, and why.

The model is chapter 6's :class:`rnnlib.torch_models.SequenceModel` (one input, hidden
size 32, one logit) on a batch of 32 sequences.  One *update* is what the training loop
does per batch: ``zero_grad``, forward, ``BCEWithLogitsLoss``, ``backward``, Adam's
``step``.  For every recurrent cell and a few sequence lengths ``T`` this script times an
update and counts the autograd nodes that its forward pass records.

The counts explain the times.  On the CPU, PyTorch runs ``nn.LSTM`` in float32 as one
fused oneDNN kernel: a single autograd node covers all ``T`` steps.  ``nn.RNN`` and
``nn.GRU`` have no such kernel on the CPU: they are unrolled into small operations at
every step (4 nodes per step for the tanh RNN, 14 for the GRU), and every one of them
pays the fixed cost of dispatch and of a node in the graph.  The variant
``lstm_unfused`` switches oneDNN off for the LSTM, which is then unrolled like the other
two (13 nodes per step): that isolates the effect of the fused kernel.  (On a GPU, cuDNN
fuses all three cells; this script measures the CPU only.)

Timings are interleaved across variants and the fastest repeat is kept, so that a burst of
load from another process does not favour one of them.  Ratios divide times from the same
run.  Run ``make bench`` or ``python -m benchmarks.bench_cells --help``.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one BLAS thread, set before NumPy is imported

import argparse  # noqa: E402
import time  # noqa: E402
from contextlib import contextmanager  # noqa: E402

import torch  # noqa: E402
from torch import nn  # noqa: E402

from rnnlib.torch_models import SequenceModel  # noqa: E402
from rnnlib.torch_runs import autograd_nodes  # noqa: E402

VARIANTS = ("rnn", "gru", "lstm", "lstm_unfused")
DEFAULT_SEQ_LENS = (10, 40)
LABELS = {
    "rnn": "nn.RNN (tanh)",
    "gru": "nn.GRU",
    "lstm": "nn.LSTM (as PyTorch runs it)",
    "lstm_unfused": "nn.LSTM, oneDNN off",
}
# (numerator, denominator) of every ratio reported, per sequence length.
RATIOS = (("gru", "lstm"), ("lstm_unfused", "lstm"), ("gru", "rnn"), ("lstm", "rnn"))


@contextmanager
def onednn(enabled):
    """Switch PyTorch's oneDNN (mkldnn) kernels on or off inside a ``with`` block.

    Sets ``torch.backends.mkldnn.enabled`` and restores the previous value on exit.
    """
    before = torch.backends.mkldnn.enabled
    torch.backends.mkldnn.enabled = bool(enabled)
    try:
        yield
    finally:
        torch.backends.mkldnn.enabled = before


def _cell(variant):
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    return "lstm" if variant == "lstm_unfused" else variant


def make_update(variant, seq_len, hidden_size=32, batch_size=32, seed=0):
    """A function that performs one training update of a fresh model; also returns it.

    Parameters
    ----------
    variant : {"rnn", "gru", "lstm", "lstm_unfused"}
    seq_len : int
        ``T`` of the batch.
    hidden_size, batch_size : int
    seed : int
        Seeds the model's weights and the batch (standard normal inputs, labelled by
        the sign of their sum, as in chapter 3).

    Returns
    -------
    update : callable
        ``update()`` runs zero_grad, forward, loss, backward and Adam's step, and
        returns the loss tensor (with its graph).  Call it inside ``onednn(...)`` to
        choose the LSTM's kernel; :func:`time_update` does.
    """
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = SequenceModel(1, hidden_size, cell=_cell(variant))
    x = torch.randn(batch_size, seq_len, 1, generator=gen)  # (B, T, 1)
    y = (x.sum(dim=1) > 0).float()  # (B, 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.BCEWithLogitsLoss()

    def update():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()  # frees the saved tensors; the nodes stay countable
        optimizer.step()
        return loss

    return update


def graph_size(variant, seq_len, **model):
    """Number of autograd nodes one forward pass (and loss) of ``variant`` records."""
    with onednn(variant != "lstm_unfused"):
        return autograd_nodes(make_update(variant, seq_len, **model)())


def time_update(variant, seq_len, steps=20, warmup=3, **model):
    """Seconds per update of ``variant`` at length ``seq_len``, averaged over ``steps``."""
    update = make_update(variant, seq_len, **model)
    with onednn(variant != "lstm_unfused"):
        for _ in range(warmup):
            update()
        start = time.perf_counter()
        for _ in range(steps):
            update()
        return (time.perf_counter() - start) / steps


def measure(seq_lens=DEFAULT_SEQ_LENS, steps=20, repeats=3, threads=1, **model):
    """Time every variant at every length (best of ``repeats`` rounds) and count nodes.

    Returns
    -------
    dict
        ``ms_per_update[T][variant]`` (milliseconds), ``graph_nodes[T][variant]``,
        ``ratios[T]["a / b"]`` (time of ``a`` divided by time of ``b``, both from this
        run), and ``setup``.  ``T`` keys are strings, so the result is JSON.
    """
    seq_lens = [int(T) for T in seq_lens]
    if not seq_lens or min(seq_lens) < 1:
        raise ValueError(f"seq_lens must hold positive lengths, got {seq_lens}")
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        best = {(v, T): float("inf") for T in seq_lens for v in VARIANTS}
        for _ in range(repeats):
            for T in seq_lens:
                for v in VARIANTS:
                    best[v, T] = min(best[v, T], time_update(v, T, steps=steps, **model))
        nodes = {str(T): {v: graph_size(v, T, **model) for v in VARIANTS} for T in seq_lens}
    finally:
        torch.set_num_threads(before)
    ms = {str(T): {v: 1000 * best[v, T] for v in VARIANTS} for T in seq_lens}
    ratios = {T: {f"{a} / {b}": row[a] / row[b] for a, b in RATIOS} for T, row in ms.items()}
    setup = {
        "hidden_size": model.get("hidden_size", 32),
        "batch_size": model.get("batch_size", 32),
        "steps": steps,
        "repeats": repeats,
        "torch_threads": threads,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "onednn_available": torch.backends.mkldnn.is_available(),
    }
    return {"ms_per_update": ms, "graph_nodes": nodes, "ratios": ratios, "setup": setup}


def format_table(results):
    """The times, node counts and ratios of :func:`measure` as plain text."""
    ms, nodes, ratios = results["ms_per_update"], results["graph_nodes"], results["ratios"]
    lengths = list(ms)
    setup = results["setup"]
    lines = [
        f"One update (forward, loss, backward, Adam) of chapter 6's model, hidden "
        f"{setup['hidden_size']}, batch {setup['batch_size']}, CPU ({setup['cpu_capability']}), "
        f"{setup['torch_threads']} thread(s); best of {setup['repeats']} x {setup['steps']} "
        "updates; nodes: autograd nodes of the forward pass and the loss.",
        "",
        f"{'cell':<30}" + "".join(f"{'ms, T = ' + T:>12}{'nodes':>7}" for T in lengths),
    ]
    for v in VARIANTS:
        lines.append(
            f"{LABELS[v]:<30}" + "".join(f"{ms[T][v]:>12.2f}{nodes[T][v]:>7d}" for T in lengths)
        )
    lines += ["", f"{'time ratio (same run)':<30}" + "".join(f"{'T = ' + T:>19}" for T in lengths)]
    for a, b in RATIOS:
        key = f"{a} / {b}"
        lines.append(f"{key:<30}" + "".join(f"{ratios[T][key]:>18.2f}x" for T in lengths))
    return "\n".join(lines)


def main(argv=None):
    """Parse the command line, run :func:`measure` and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seq-lens", type=int, nargs="+", default=list(DEFAULT_SEQ_LENS))
    parser.add_argument("--steps", type=int, default=20, help="updates per timed run")
    parser.add_argument("--repeats", type=int, default=3, help="rounds; the fastest is kept")
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    args = parser.parse_args(argv)
    results = measure(args.seq_lens, steps=args.steps, repeats=args.repeats, threads=args.threads)
    print(format_table(results))
    return results


if __name__ == "__main__":
    main()
