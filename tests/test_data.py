import numpy as np
import pytest

from rnnlib.data import adding_problem, sum_sign_dataset


def test_sum_sign_shapes_labels_and_determinism():
    X, y = sum_sign_dataset(200, 10, np.random.default_rng(3))
    assert X.shape == (200, 10, 1) and y.shape == (200, 1)
    np.testing.assert_array_equal(y[:, 0], (X.sum(axis=(1, 2)) > 0).astype(float))
    assert 0.35 < y.mean() < 0.65
    X2, y2 = sum_sign_dataset(200, 10, np.random.default_rng(3))
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)


def test_adding_problem_targets_and_baseline():
    X, y = adding_problem(5000, 20, np.random.default_rng(1))
    assert X.shape == (5000, 20, 2) and y.shape == (5000, 1)
    markers = X[:, :, 1]
    np.testing.assert_array_equal(markers.sum(axis=1), 2.0)
    assert np.all(markers[:, :10].sum(axis=1) == 1) and np.all(markers[:, 10:].sum(axis=1) == 1)
    np.testing.assert_allclose(y[:, 0], (X[:, :, 0] * markers).sum(axis=1))
    baseline = float(np.mean((y - 1.0) ** 2))
    assert baseline == pytest.approx(1 / 6, abs=0.01)


@pytest.mark.parametrize("fn", [sum_sign_dataset, adding_problem])
def test_bad_arguments(fn):
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="n must be a positive integer"):
        fn(0, 10, rng)
    with pytest.raises(ValueError, match="seq_len must be a positive integer"):
        fn(5, 2.5, rng)
    with pytest.raises(ValueError, match="rng must be a numpy.random.Generator"):
        fn(5, 10, 42)
