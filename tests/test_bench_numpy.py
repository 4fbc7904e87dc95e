import numpy as np
import pytest

from benchmarks import bench_numpy
from rnnlib.data import sum_sign_splits


def test_make_task_is_the_chapter_3_setup():
    params, X, y = bench_numpy.make_task()
    X3, y3, _, _ = sum_sign_splits(1000, seed=0)
    np.testing.assert_array_equal(X, X3)
    np.testing.assert_array_equal(y, y3)
    assert params["Whh"].shape == (32, 32)


def test_time_epochs_and_measure_return_positive_seconds():
    seconds = bench_numpy.time_epochs(8, epochs=1, n_train=40, hidden_size=4)
    assert 0 < seconds < 60
    timings = bench_numpy.measure([8, 1], epochs=1, repeats=1, n_train=40, hidden_size=4)
    assert sorted(timings) == [1, 8]  # batch size 1 always included, never twice
    assert all(t > 0 for t in timings.values())


def test_speedups_and_table_from_given_timings():
    timings = {1: 0.3, 32: 0.015, 128: 0.01}
    ratio = bench_numpy.speedups(timings)
    assert ratio == pytest.approx({1: 1.0, 32: 20.0, 128: 30.0})
    table = bench_numpy.format_table(timings)
    lines = table.splitlines()
    assert len(lines) == 4
    assert lines[2].split() == ["32", "15.0", "20.0x"]


def test_main_prints_the_table(capsys):
    timings = bench_numpy.main(
        [
            "--batch-sizes",
            "4",
            "--epochs",
            "1",
            "--repeats",
            "1",
            "--n-train",
            "20",
            "--hidden-size",
            "3",
        ]
    )
    out = capsys.readouterr().out
    assert "speed-up vs 1" in out and set(timings) == {1, 4}
