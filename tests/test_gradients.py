import numpy as np
import pytest
import torch

from rnnlib.gradcheck import numerical_gradient, rel_error
from rnnlib.gradients import (
    jacobian_norms,
    jacobian_products,
    largest_singular_value,
    measure_gradient_norms,
    pascanu_bound,
    random_recurrent_weights,
    scale_to_spectral_radius,
    spectral_radius,
    step_jacobians,
    trajectory_bound,
)
from rnnlib.rnn import rnn_forward, rnn_step_forward

N, T, D, H = 2, 6, 3, 5


@pytest.fixture
def setup(rng):
    Wxh = rng.normal(scale=0.5, size=(H, D))
    Whh = random_recurrent_weights(H, 1.2, rng)
    bh = rng.normal(scale=0.1, size=H)
    X = rng.normal(size=(N, T, D))
    h0 = rng.normal(scale=0.5, size=(N, H))
    hs, _ = rnn_forward(X, h0, Wxh, Whh, bh)
    return X, h0, Wxh, Whh, bh, hs


def _run_from(h_k, X, k, Wxh, Whh, bh):
    """Last state of one sequence started from ``h_k`` before step ``k`` (numpy)."""
    h = h_k[None]  # (1, H)
    for t in range(k, X.shape[1]):
        h, _ = rnn_step_forward(X[None, 0, t], h, Wxh, Whh, bh)
    return h[0]


def test_spectral_radius_and_scaling(rng):
    W = rng.normal(size=(H, H))
    W_copy = W.copy()
    for radius in (0.5, 1.0, 1.5):
        scaled = scale_to_spectral_radius(W, radius)
        assert spectral_radius(scaled) == pytest.approx(radius, rel=1e-12)
        np.testing.assert_allclose(scaled, W * radius / spectral_radius(W), rtol=1e-14)
    np.testing.assert_array_equal(W, W_copy)
    assert spectral_radius(np.diag([0.3, -2.0, 1.0])) == pytest.approx(2.0)


def test_largest_singular_value_bounds_spectral_radius(rng):
    W = rng.normal(size=(H, H))
    smax = largest_singular_value(W)
    assert smax == pytest.approx(np.sqrt(np.max(np.linalg.eigvalsh(W.T @ W))), rel=1e-12)
    assert smax >= spectral_radius(W)
    # A symmetric matrix has sigma_max equal to its spectral radius.
    S = W + W.T
    assert largest_singular_value(S) == pytest.approx(spectral_radius(S), rel=1e-12)


def test_random_recurrent_weights_deterministic():
    a = random_recurrent_weights(H, 0.9, np.random.default_rng(3))
    b = random_recurrent_weights(H, 0.9, np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    assert a.shape == (H, H)
    assert spectral_radius(a) == pytest.approx(0.9, rel=1e-12)


def test_step_jacobians_finite_differences(setup):
    X, h0, Wxh, Whh, bh, hs = setup
    J = step_jacobians(hs, Whh)
    assert J.shape == (N, T, H, H)
    for t in (0, 3, T - 1):
        h_prev = h0[:1] if t == 0 else hs[:1, t - 1]
        num = np.stack(
            [
                numerical_gradient(
                    lambda v, i=i, t=t: float(rnn_step_forward(X[:1, t], v, Wxh, Whh, bh)[0][0, i]),
                    h_prev,
                )[0]
                for i in range(H)
            ]
        )  # (H, H): row i is d h_next[i] / d h_prev
        assert rel_error(J[0, t], num) < 1e-7


def test_jacobian_products_finite_differences(setup):
    X, h0, Wxh, Whh, bh, hs = setup
    P = jacobian_products(hs, Whh)
    assert P.shape == (N, T + 1, H, H)
    np.testing.assert_array_equal(P[:, 0], np.broadcast_to(np.eye(H), (N, H, H)))
    states = np.concatenate([h0[:, None], hs], axis=1)  # (N, T + 1, H): h_0 .. h_T
    for k in (0, 2, T - 1):
        num = np.stack(
            [
                numerical_gradient(
                    lambda v, i=i, k=k: float(_run_from(v, X[:1], k, Wxh, Whh, bh)[i]), states[0, k]
                )
                for i in range(H)
            ]
        )
        assert rel_error(P[0, T - k], num) < 1e-7


def test_jacobian_products_match_torch_autograd(setup):
    X, h0, Wxh, Whh, bh, hs = setup
    P = jacobian_products(hs, Whh)
    rnn = torch.nn.RNN(D, H, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(Wxh))
        rnn.weight_hh_l0.copy_(torch.from_numpy(Whh))
        rnn.bias_ih_l0.copy_(torch.from_numpy(bh))
        rnn.bias_hh_l0.zero_()
    states = np.concatenate([h0[:, None], hs], axis=1)  # (N, T + 1, H)
    for n in range(N):
        for k in range(T):
            x_rest = torch.from_numpy(X[n : n + 1, k:])  # (1, T - k, D)

            def last_state(h, x_rest=x_rest):
                return rnn(x_rest, h.reshape(1, 1, H))[1].reshape(H)

            J = torch.autograd.functional.jacobian(last_state, torch.from_numpy(states[n, k]))
            assert rel_error(P[n, T - k], J.numpy()) < 1e-10


def test_linear_regime_gives_matrix_powers(rng):
    """With zero inputs, bias and initial state every slope is 1: P_g = Whh^g."""
    Whh = random_recurrent_weights(H, 1.5, rng)
    norms, hs = measure_gradient_norms(np.zeros((1, T, D)), np.ones((H, D)), Whh, np.zeros(H))
    np.testing.assert_array_equal(hs, 0.0)
    expected = [np.linalg.norm(np.linalg.matrix_power(Whh, g), 2) for g in range(T + 1)]
    np.testing.assert_allclose(norms[0], expected, rtol=1e-12)
    assert norms[0, -1] > 1.0  # radius 1.5 grows in the linear regime


def test_jacobian_norms_are_spectral_norms(setup):
    _, _, _, Whh, _, hs = setup
    norms = jacobian_norms(hs, Whh)
    P = jacobian_products(hs, Whh)
    assert norms.shape == (N, T + 1)
    np.testing.assert_allclose(norms[:, 0], 1.0, rtol=1e-14)
    assert norms[1, 4] == pytest.approx(np.linalg.svd(P[1, 4], compute_uv=False)[0], rel=1e-12)


@pytest.mark.parametrize("radius", [0.5, 1.0, 1.5, 3.0])
@pytest.mark.parametrize("input_scale", [0.01, 1.0])
def test_measured_norms_below_bounds(rng, radius, input_scale):
    Tl = 40
    Whh = random_recurrent_weights(8, radius, rng)
    Wxh = rng.normal(size=(8, 1))
    X = input_scale * rng.normal(size=(4, Tl, 1))
    norms, hs = measure_gradient_norms(X, Wxh, Whh, np.zeros(8))
    tight = trajectory_bound(hs, Whh)
    loose = pascanu_bound(Whh, Tl)
    assert norms.shape == tight.shape == (4, Tl + 1)
    assert loose.shape == (Tl + 1,)
    assert np.all(norms <= tight * (1 + 1e-10))
    assert np.all(tight <= loose * (1 + 1e-10))


def test_pascanu_bound_values(rng):
    Whh = np.diag([0.5, -0.8, 0.2])
    np.testing.assert_allclose(pascanu_bound(Whh, 3), [1.0, 0.8, 0.64, 0.512], rtol=1e-14)
    np.testing.assert_allclose(pascanu_bound(Whh, 2, gamma=0.25), [1.0, 0.2, 0.04], rtol=1e-14)


def test_small_sigma_max_vanishes(rng):
    """sigma_max < 1 is sufficient for the gradient to vanish geometrically."""
    Whh = rng.normal(size=(H, H))
    Whh *= 0.9 / largest_singular_value(Whh)
    norms, _ = measure_gradient_norms(
        rng.normal(size=(3, 60, D)), rng.normal(size=(H, D)), Whh, np.zeros(H)
    )
    assert np.all(norms[:, 60] <= 0.9**60 * (1 + 1e-10))
    assert np.all(np.diff(norms, axis=1) <= 1e-12)  # never grows when every factor < 1


def test_trajectory_bound_matches_definition(setup):
    _, _, _, Whh, _, hs = setup
    tb = trajectory_bound(hs, Whh)
    smax = largest_singular_value(Whh)
    slope = np.max(1 - hs[0] ** 2, axis=-1)  # (T,)
    assert tb[0, 2] == pytest.approx(smax**2 * slope[-1] * slope[-2], rel=1e-12)


def test_functions_leave_inputs_unchanged(setup):
    X, h0, Wxh, Whh, bh, hs = setup
    copies = [a.copy() for a in (X, h0, Wxh, Whh, bh, hs)]
    jacobian_products(hs, Whh)
    trajectory_bound(hs, Whh)
    measure_gradient_norms(X, Wxh, Whh, bh, h0)
    for a, b in zip((X, h0, Wxh, Whh, bh, hs), copies):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: spectral_radius(np.zeros((3, 4))), r"W must have shape \(H, H\)"),
        (lambda: spectral_radius(np.zeros(3)), r"W must have shape \(H, H\)"),
        (lambda: scale_to_spectral_radius(np.eye(3), 0.0), "radius must be a positive number"),
        (lambda: scale_to_spectral_radius(np.zeros((3, 3)), 1.0), "non-zero eigenvalue"),
        (lambda: random_recurrent_weights(0, 1.0, np.random.default_rng(0)), "hidden_size"),
        (lambda: random_recurrent_weights(3, 1.0, 0), "rng must be a numpy.random.Generator"),
        (lambda: step_jacobians(np.zeros((2, 3, 4)), np.eye(5)), r"hs must have shape \(N, T, H\)"),
        (lambda: jacobian_products(np.zeros((3, 5)), np.eye(5)), r"hs must have shape \(N, T, H\)"),
        (lambda: trajectory_bound(np.zeros((1, 3, 5)), np.eye(4)), r"hs must have shape"),
        (lambda: pascanu_bound(np.eye(3), 0), "max_gap must be a positive integer"),
        (lambda: pascanu_bound(np.eye(3), 4, gamma=-1.0), "gamma must be a positive number"),
        (
            lambda: measure_gradient_norms(np.zeros((2, 3)), np.eye(3), np.eye(3), np.zeros(3)),
            r"X must have shape \(N, T, D\)",
        ),
        (
            lambda: measure_gradient_norms(np.zeros((2, 3, 2)), np.eye(3), np.eye(3), np.zeros(3)),
            r"X must have shape \(N, T, D\) = \(\?, \?, 3\), got \(2, 3, 2\)",
        ),
        (lambda: largest_singular_value(np.zeros((3, 4))), r"W must have shape \(H, H\)"),
        (lambda: largest_singular_value(np.array([["a"]])), "W must be a numeric array"),
        (
            lambda: jacobian_norms(np.zeros((2, 3, 4)), np.eye(5)),
            r"hs must have shape \(N, T, H\) = \(\?, \?, 5\), got \(2, 3, 4\)",
        ),
        (lambda: jacobian_norms(np.zeros((2, 3, 4)), np.zeros((4, 5))), r"Whh must have shape"),
    ],
)
def test_bad_input_raises(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_measure_gradient_norms_default_h0_follows_the_weights_dtype(setup):
    X, _, Wxh, Whh, bh, _ = setup
    X, Wxh, Whh, bh = (a.astype(np.float32) for a in (X, Wxh, Whh, bh))
    _, hs = measure_gradient_norms(X, Wxh, Whh, bh)
    assert hs.dtype == np.float32
