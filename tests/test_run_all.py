"""benchmarks/run_all.py: one run of every benchmark, reported as times and ratios."""

import json
import sys
from pathlib import Path

import pytest

ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:  # `benchmarks` is a folder of the repository, not installed
    sys.path.insert(0, ROOT)

from benchmarks import run_all  # noqa: E402


@pytest.fixture(scope="module")
def results():
    return run_all.run_all(epochs=1, repeats=1, cell_steps=1, seq_lens=(3,), lm_strings=40)


def test_every_variant_is_timed(results):
    ms = results["ms_per_epoch"]
    assert set(ms) == {key for key, _ in run_all.ROWS}
    assert all(t > 0 for t in ms.values())


def test_ratios_divide_the_reported_times(results):
    ms, ratios = results["ms_per_epoch"], results["ratios"]
    assert set(ratios) == {key for key, _ in run_all.RATIOS}
    assert ratios["numpy_per_example / numpy_minibatch"] == pytest.approx(
        ms["numpy_per_example"] / ms["numpy_minibatch"]
    )
    assert ratios["numpy / torch_bare"] == pytest.approx(
        ms["numpy_minibatch_beside_torch"] / ms["torch_bare"]
    )
    # 1000 sequences one at a time cannot beat 32 at a time by vectorising nothing.
    assert ratios["numpy_per_example / numpy_minibatch"] > 1


def test_report_shows_every_row_and_ratio(results):
    text = run_all.format_report(results)
    for _key, label in run_all.ROWS + run_all.RATIOS:
        assert label.format(b=32) in text
    assert f"{results['ms_per_epoch']['torch_bare']:.1f}" in text
    assert "nn.LSTM, oneDNN off" in text  # the recurrent cells' table follows


def test_recurrent_cells_are_measured_in_the_same_run(results):
    cells = results["cells"]
    assert list(cells["ms_per_update"]) == ["3"]
    assert cells["setup"]["repeats"] == results["setup"]["repeats"]


def test_language_model_is_measured_in_the_same_run(results):
    lm = results["lm"]
    assert lm["setup"]["repeats"] == results["setup"]["repeats"]
    speed = lm["chars_per_s"]
    assert lm["ratio"] == pytest.approx(speed["torch_rnn"] / speed["numpy_rnn"])
    assert "speed-up of nn.RNN over NumPy" in run_all.format_report(results)


def test_main_passes_its_options_and_prints_json(results, capsys, monkeypatch):
    calls = []

    def fake_run_all(**kwargs):
        calls.append(kwargs)
        return results

    monkeypatch.setattr(run_all, "run_all", fake_run_all)
    run_all.main(["--epochs", "2", "--repeats", "4", "--batch-size", "16", "--json"])
    assert calls == [
        {"epochs": 2, "repeats": 4, "batch_size": 16, "threads": 1, "cell_steps": 20}
    ]
    assert json.loads(capsys.readouterr().out) == results
