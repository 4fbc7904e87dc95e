"""Synthetic data sets, generated in code (nothing is downloaded)."""

from __future__ import annotations

import numbers

import numpy as np

from rnnlib._check import check_positive_int, check_rng


def sum_sign_dataset(n, seq_len, rng):
    """Random sequences labelled by the sign of their sum.

    Parameters
    ----------
    n : int
        Number of sequences.
    seq_len : int
        Length ``T`` of every sequence.
    rng : numpy.random.Generator
        Source of randomness; the same generator state gives the same data.

    Returns
    -------
    X : ndarray, shape (n, seq_len, 1)
        Standard normal inputs.
    y : ndarray, shape (n, 1)
        1.0 where the sequence sums above zero, else 0.0.
    """
    n, seq_len = check_positive_int("n", n), check_positive_int("seq_len", seq_len)
    rng = check_rng("rng", rng)
    X = rng.standard_normal((n, seq_len, 1))
    y = (X.sum(axis=1) > 0).astype(np.float64)  # (n, 1)
    return X, y


def adding_problem(n, seq_len, rng):
    """A simplified form of the adding problem of Hochreiter and Schmidhuber (1997).

    Channel 0 holds values drawn uniformly from [0, 1); channel 1 marks two
    positions with 1.0, one in the first half of the sequence and one in the
    second half.  The target is the sum of the two marked values, so a model
    must remember the first marked value for up to ``seq_len`` steps.  A
    constant prediction of 1.0 scores an MSE of 1/6 (about 0.167).

    This is not the original task.  In Hochreiter and Schmidhuber (1997) the
    values are drawn from [-1, 1], the lengths vary between ``T`` and
    ``T + T/10``, the first marker falls within the first 10 steps and the
    second within the first ``T/2 - 1``, the first and last steps carry a
    marker of -1, and the target is ``0.5 + (X1 + X2) / 4``, the sum scaled
    into [0, 1].  The course uses the simplified form throughout.

    Parameters
    ----------
    n : int
        Number of sequences.
    seq_len : int
        Length ``T`` of every sequence, at least 2.
    rng : numpy.random.Generator

    Returns
    -------
    X : ndarray, shape (n, seq_len, 2)
    y : ndarray, shape (n, 1)
    """
    n, seq_len = check_positive_int("n", n), check_positive_int("seq_len", seq_len)
    if seq_len < 2:
        raise ValueError(f"seq_len must be at least 2, got {seq_len}")
    rng = check_rng("rng", rng)
    half = seq_len // 2
    values = rng.random((n, seq_len))
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, seq_len, size=n)
    markers = np.zeros((n, seq_len))
    rows = np.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    X = np.stack([values, markers], axis=-1)  # (n, seq_len, 2)
    y = (values[rows, first] + values[rows, second])[:, None]  # (n, 1)
    return X, y


# The course's fixed held-out set for the sum-sign task.  Every chapter that
# reports a test accuracy on this task (NumPy and PyTorch alike) evaluates on
# ``sum_sign_test_set()``, so the numbers of different chapters compare.
SUM_SIGN_SEQ_LEN = 10
SUM_SIGN_TEST_SIZE = 2000
SUM_SIGN_TEST_SEED = 2024


def sum_sign_test_set():
    """The fixed held-out test set of the sum-sign task.

    Always the same ``SUM_SIGN_TEST_SIZE`` sequences of length
    ``SUM_SIGN_SEQ_LEN``, drawn with ``np.random.default_rng(SUM_SIGN_TEST_SEED)``.

    Returns
    -------
    X_test : ndarray, shape (2000, 10, 1)
    y_test : ndarray, shape (2000, 1)
    """
    rng = np.random.default_rng(SUM_SIGN_TEST_SEED)
    return sum_sign_dataset(SUM_SIGN_TEST_SIZE, SUM_SIGN_SEQ_LEN, rng)


def sum_sign_splits(n_train, seed):
    """Training sequences of the sum-sign task plus the fixed test set.

    Parameters
    ----------
    n_train : int
        Number of training sequences.
    seed : int
        Seed of the training data; it must differ from ``SUM_SIGN_TEST_SEED``
        so that the training set is not the test set.  With the same seed, a
        larger ``n_train`` extends a smaller one (the first sequences agree).

    Returns
    -------
    X_train : ndarray, shape (n_train, 10, 1)
    y_train : ndarray, shape (n_train, 1)
    X_test : ndarray, shape (2000, 10, 1)
        From :func:`sum_sign_test_set`.
    y_test : ndarray, shape (2000, 1)
    """
    n_train = check_positive_int("n_train", n_train)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if seed == SUM_SIGN_TEST_SEED:
        raise ValueError(f"seed must differ from SUM_SIGN_TEST_SEED = {SUM_SIGN_TEST_SEED}")
    X, y = sum_sign_dataset(n_train, SUM_SIGN_SEQ_LEN, np.random.default_rng(seed))
    X_test, y_test = sum_sign_test_set()
    return X, y, X_test, y_test
