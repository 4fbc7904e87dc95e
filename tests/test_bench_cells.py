"""benchmarks/bench_cells.py: one update of each recurrent cell, and its autograd graph.

No test asserts a time: times depend on the machine. The graph sizes do not.
"""

import sys
from pathlib import Path

import pytest
import torch

ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:  # `benchmarks` is a folder of the repository, not installed
    sys.path.insert(0, ROOT)

from benchmarks import bench_cells  # noqa: E402

SMALL = {"hidden_size": 4, "batch_size": 3}


@pytest.mark.parametrize(("variant", "per_step"), [("rnn", 4), ("gru", 14), ("lstm_unfused", 13)])
def test_unrolled_cells_add_a_fixed_number_of_nodes_per_step(variant, per_step):
    sizes = [bench_cells.graph_size(variant, T, **SMALL) for T in (5, 10)]
    assert sizes[1] - sizes[0] == 5 * per_step


def test_chapter_6_graph_size_of_the_rnn():
    # Chapter 6's graph cell: 57 nodes for the RNN, the head and the loss at T = 10.
    assert bench_cells.graph_size("rnn", 10) == 57


@pytest.mark.skipif(not torch.backends.mkldnn.is_available(), reason="no oneDNN in this build")
def test_fused_lstm_graph_does_not_grow_with_the_length():
    sizes = {T: bench_cells.graph_size("lstm", T, **SMALL) for T in (5, 40)}
    assert sizes[5] == sizes[40] < bench_cells.graph_size("lstm_unfused", 5, **SMALL)


def test_onednn_switch_is_restored_even_after_an_error():
    before = torch.backends.mkldnn.enabled
    seen = []

    def fail_inside():
        with bench_cells.onednn(not before):
            seen.append(torch.backends.mkldnn.enabled)
            raise RuntimeError("inside")

    with pytest.raises(RuntimeError, match="inside"):
        fail_inside()
    assert seen == [not before]
    assert torch.backends.mkldnn.enabled is before


def test_make_update_trains_the_model():
    update = bench_cells.make_update("gru", 6, **SMALL)
    first = update()
    assert first.shape == () and first.grad_fn is not None
    later = [update().item() for _ in range(30)]
    assert later[-1] < first.item()  # Adam on one fixed batch lowers its loss


def test_measure_reports_every_variant_length_and_ratio():
    results = bench_cells.measure(seq_lens=(3, 5), steps=1, repeats=1, **SMALL)
    ms, nodes, ratios = results["ms_per_update"], results["graph_nodes"], results["ratios"]
    assert list(ms) == ["3", "5"] and list(nodes) == ["3", "5"]
    for T in ms:
        assert set(ms[T]) == set(bench_cells.VARIANTS) and all(t > 0 for t in ms[T].values())
        for a, b in bench_cells.RATIOS:
            assert ratios[T][f"{a} / {b}"] == pytest.approx(ms[T][a] / ms[T][b])
    assert results["setup"]["hidden_size"] == 4
    assert torch.get_num_threads() >= 1  # restored, whatever it was
    text = bench_cells.format_table(results)
    for label in bench_cells.LABELS.values():
        assert label in text
    for a, b in bench_cells.RATIOS:
        assert f"{a} / {b}" in text


def test_bad_arguments():
    with pytest.raises(ValueError, match="variant must be one of"):
        bench_cells.make_update("transformer", 5)
    with pytest.raises(ValueError, match="seq_lens must hold positive lengths"):
        bench_cells.measure(seq_lens=(0,))


def test_main_prints_the_table(capsys, monkeypatch):
    calls, measure = [], bench_cells.measure

    def fake_measure(seq_lens, **kwargs):
        calls.append((list(seq_lens), kwargs))
        return measure(seq_lens=(2,), steps=1, repeats=1, **SMALL)

    monkeypatch.setattr(bench_cells, "measure", fake_measure)
    bench_cells.main(["--seq-lens", "7", "--steps", "2", "--repeats", "1"])
    assert calls == [([7], {"steps": 2, "repeats": 1, "threads": 1})]
    assert "nn.LSTM, oneDNN off" in capsys.readouterr().out
