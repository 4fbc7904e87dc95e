import numpy as np
import pytest

from rnnlib.gradcheck import numerical_gradient, rel_error


def test_numerical_gradient_of_known_function(rng):
    A = rng.normal(size=(3, 3))
    x = rng.normal(size=(3, 2))

    def f(v):
        return float(np.sum(np.sin(A @ v)))

    exact = A.T @ np.cos(A @ x)
    assert rel_error(numerical_gradient(f, x), exact) < 1e-8


def test_numerical_gradient_leaves_input_unchanged(rng):
    x = rng.normal(size=5)
    before = x.copy()
    numerical_gradient(lambda v: float(np.sum(v**2)), x)
    np.testing.assert_array_equal(x, before)


def test_rel_error_definition():
    a, b = np.array([1.0, 2.0]), np.array([1.0, 2.5])
    assert rel_error(a, b) == pytest.approx(0.5 / 4.5)
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error(np.zeros(2), np.full(2, 1e-10)) == pytest.approx(1e-10 / 1e-8)


def test_bad_inputs():
    with pytest.raises(ValueError, match="a and b must have the same shape"):
        rel_error(np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match="f must be callable"):
        numerical_gradient(3.0, np.zeros(2))
    with pytest.raises(ValueError, match="h must be a positive number"):
        numerical_gradient(np.sum, np.zeros(2), h=0)


def test_numerical_gradient_rejects_non_numeric_x():
    with pytest.raises(ValueError, match="x must be a numeric array, got dtype <U1"):
        numerical_gradient(np.sum, np.array(["a", "b"]))
    with pytest.raises(ValueError, match="x must be a numeric array, got dtype object"):
        numerical_gradient(np.sum, [None, 1.0])
