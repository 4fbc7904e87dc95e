"""benchmarks/bench_lm.py: characters per second of the language model, NumPy and PyTorch.

No test asserts a time: times depend on the machine. The structure of the report does not.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:  # `benchmarks` is a folder of the repository, not installed
    sys.path.insert(0, ROOT)

from benchmarks import bench_lm  # noqa: E402

TINY = {"n_strings": 30, "hidden_size": 4, "batch_size": 4, "seq_len": 5}


@pytest.fixture(scope="module")
def results():
    return bench_lm.measure(epochs=1, repeats=1, **TINY)


def test_every_variant_has_a_positive_speed(results):
    speed = results["chars_per_s"]
    assert set(speed) == set(bench_lm.VARIANTS)
    assert all(np.isfinite(v) and v > 0 for v in speed.values())


def test_ratio_divides_the_two_rnn_speeds(results):
    speed = results["chars_per_s"]
    assert results["ratio"] == pytest.approx(speed["torch_rnn"] / speed["numpy_rnn"])


def test_setup_counts_the_characters_read(results):
    s = results["setup"]
    ids = bench_lm.make_text(TINY["n_strings"])
    assert s["n_chars"] == ids.size
    # 4 rows of (L - 1) // 4 characters each, all read once per epoch
    assert s["chars_per_run"] == 4 * ((ids.size - 1) // 4)
    assert s["hidden_size"] == 4 and s["repeats"] == 1


def test_table_names_every_variant_and_the_ratio(results):
    table = bench_lm.format_table(results)
    for label in bench_lm.LABELS.values():
        assert label in table
    assert f"{results['ratio']:.2f}x" in table


def test_text_is_chapter_8s_generator():
    ids = bench_lm.make_text(5)
    assert ids.dtype == np.int64 and ids[0] == bench_lm.ALPHABET.index("B")


@pytest.mark.parametrize(("kwargs", "name"), [({"variant": "gru"}, "variant")])
def test_bad_variant_is_a_value_error(kwargs, name):
    with pytest.raises(ValueError, match=name):
        bench_lm.time_variant(ids=bench_lm.make_text(5), **kwargs)


def test_unknown_config_is_a_value_error():
    with pytest.raises(ValueError, match="config"):
        bench_lm.measure(repeats=1, hidden=3)


def test_main_prints_the_table(capsys):
    bench_lm.main(["--repeats", "1", "--strings", "20"])
    assert "chars / s" in capsys.readouterr().out
