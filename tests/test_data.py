import numpy as np
import pytest

from rnnlib.data import (
    SUM_SIGN_SEQ_LEN,
    SUM_SIGN_TEST_SEED,
    SUM_SIGN_TEST_SIZE,
    adding_problem,
    sum_sign_dataset,
    sum_sign_splits,
    sum_sign_test_set,
)
from rnnlib.models import accuracy


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


def test_sum_sign_test_set_is_fixed_and_documented():
    X, y = sum_sign_test_set()
    assert X.shape == (SUM_SIGN_TEST_SIZE, SUM_SIGN_SEQ_LEN, 1) == (2000, 10, 1)
    assert y.shape == (2000, 1)
    # Regenerating it by hand from the published seed gives the same arrays.
    X2, y2 = sum_sign_dataset(2000, 10, np.random.default_rng(SUM_SIGN_TEST_SEED))
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert SUM_SIGN_TEST_SEED == 2024


def test_sum_sign_splits_train_differs_from_test_and_extends():
    X, y, Xt, yt = sum_sign_splits(300, seed=0)
    assert X.shape == (300, 10, 1) and y.shape == (300, 1)
    np.testing.assert_array_equal(Xt, sum_sign_test_set()[0])
    np.testing.assert_array_equal(yt, sum_sign_test_set()[1])
    assert not np.any(np.all(X[:, None] == Xt[None, :], axis=(2, 3)))  # no shared sequence
    X_big, y_big, _, _ = sum_sign_splits(1000, seed=0)
    np.testing.assert_array_equal(X_big[:300], X)
    np.testing.assert_array_equal(y_big[:300], y)
    X_other = sum_sign_splits(300, seed=1)[0]
    assert not np.array_equal(X_other, X)


def test_sum_sign_splits_bad_arguments():
    with pytest.raises(ValueError, match="n_train must be a positive integer"):
        sum_sign_splits(0, seed=0)
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        sum_sign_splits(10, seed=-1)
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        sum_sign_splits(10, seed=1.5)
    with pytest.raises(ValueError, match="seed must differ from SUM_SIGN_TEST_SEED"):
        sum_sign_splits(10, seed=SUM_SIGN_TEST_SEED)


def test_sum_sign_test_set_is_solved_by_a_hand_built_one_unit_rnn():
    # Chapter 3, exercise ex-ch03-hand-built: h_t ~ h_{t-1} + 0.01 x_t keeps a running sum.
    X, y = sum_sign_test_set()
    params = {
        "Wxh": np.array([[0.01]]),
        "Whh": np.array([[1.0]]),
        "bh": np.zeros(1),
        "Why": np.array([[100.0]]),
        "by": np.zeros(1),
    }
    assert accuracy(params, X, y) == 1.0
    params_wrong_sign = {**params, "Why": np.array([[-100.0]])}
    assert accuracy(params_wrong_sign, X, y) == 0.0


def test_adding_problem_needs_two_steps():
    with pytest.raises(ValueError, match="seq_len must be at least 2, got 1"):
        adding_problem(5, 1, np.random.default_rng(0))
    X, y = adding_problem(5, 2, np.random.default_rng(0))  # the shortest valid sequence
    np.testing.assert_array_equal(X[:, :, 1], 1.0)
    np.testing.assert_allclose(y[:, 0], X[:, :, 0].sum(axis=1))
