import numpy as np
import pytest

from rnnlib.bugs import (
    loss_and_grads_with,
    rnn_backward_final_state_bug,
    rnn_backward_output_every_step_bug,
    train_with,
)
from rnnlib.gradcheck import numerical_gradient, rel_error
from rnnlib.models import PARAM_NAMES, init_params, loss_and_grads
from rnnlib.optim import sgd_step
from rnnlib.rnn import rnn_backward, rnn_forward
from rnnlib.train import train

N, T, D, H = 2, 5, 3, 4
BUGS = [rnn_backward_final_state_bug, rnn_backward_output_every_step_bug]
RNN_PARTS = ("dx", "dh0", "dWxh", "dWhh", "dbh")


@pytest.fixture
def problem(rng):
    """A many-to-one setting: upstream gradient on the last hidden state only."""
    x, h0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H))
    Wxh, Whh, bh = (
        rng.normal(scale=0.5, size=(H, D)),
        rng.normal(scale=0.5, size=(H, H)),
        rng.normal(scale=0.5, size=H),
    )
    dhs = np.zeros((N, T, H))
    dhs[:, -1] = rng.normal(size=(N, H))
    return [x, h0, Wxh, Whh, bh], dhs


def _numerical(args, dhs):
    """Finite-difference gradients of sum(hs * dhs) on every input of rnn_forward."""
    grads = []
    for i in range(len(args)):

        def f(v, i=i):
            a = list(args)
            a[i] = v
            return float(np.sum(rnn_forward(*a)[0] * dhs))

        grads.append(numerical_gradient(f, args[i]))
    return grads


def test_correct_backward_passes_the_check(problem):
    args, dhs = problem
    _, cache = rnn_forward(*args)
    for name, a, n in zip(RNN_PARTS, rnn_backward(dhs, cache), _numerical(args, dhs)):
        assert rel_error(a, n) < 1e-7, name


@pytest.mark.parametrize("bug", BUGS)
def test_bugs_fail_the_check(problem, bug):
    args, dhs = problem
    _, cache = rnn_forward(*args)
    errors = {
        name: rel_error(a, n)
        for name, a, n in zip(RNN_PARTS, bug(dhs, cache), _numerical(args, dhs))
    }
    # The recurrent weights and the initial state are wrong by far more than the tolerance.
    assert errors["dWhh"] > 1e-2
    assert errors["dh0"] > 1e-2
    assert max(errors.values()) > 1e-1


@pytest.mark.parametrize("bug", BUGS)
def test_bugs_return_the_shapes_of_rnn_backward(problem, bug):
    args, dhs = problem
    _, cache = rnn_forward(*args)
    for wrong, right in zip(bug(dhs, cache), rnn_backward(dhs, cache)):
        assert wrong.shape == right.shape
        assert wrong.dtype == right.dtype
        assert np.all(np.isfinite(wrong))


@pytest.mark.parametrize("bug", BUGS)
def test_bugs_leave_inputs_and_cache_untouched(problem, bug):
    args, dhs = problem
    _, cache = rnn_forward(*args)
    copies = [np.copy(a) for a in (*cache, dhs)]
    bug(dhs, cache)
    for a, b in zip((*cache, dhs), copies):
        np.testing.assert_array_equal(a, b)


def test_output_every_step_bug_is_invisible_for_one_step(problem):
    """With T = 1 the last step is the only step, so the bug changes nothing."""
    args, dhs = problem
    args = [args[0][:, :1], *args[1:]]
    _, cache = rnn_forward(*args)
    for wrong, right in zip(
        rnn_backward_output_every_step_bug(dhs[:, -1:], cache), rnn_backward(dhs[:, -1:], cache)
    ):
        np.testing.assert_allclose(wrong, right, rtol=1e-14, atol=0)


def test_final_state_bug_gets_only_the_last_input_right(problem):
    """The last step uses the right tanh derivative, so dx at t = T-1 is still right."""
    args, dhs = problem
    _, cache = rnn_forward(*args)
    wrong = rnn_backward_final_state_bug(dhs, cache)[0]
    right = rnn_backward(dhs, cache)[0]
    np.testing.assert_allclose(wrong[:, -1], right[:, -1], rtol=1e-14, atol=0)
    assert rel_error(wrong[:, 0], right[:, 0]) > 1e-2


@pytest.mark.parametrize("bug", BUGS)
def test_bugs_reject_bad_upstream(problem, bug):
    args, _ = problem
    _, cache = rnn_forward(*args)
    with pytest.raises(ValueError, match=r"dhs must have shape \(N, T, H\) = \(2, 5, 4\)"):
        bug(np.zeros((N, H)), cache)


def test_loss_and_grads_with_correct_backward_equals_library(rng):
    params = init_params(D, H, 1, rng)
    X, y = rng.normal(size=(N, T, D)), rng.normal(size=(N, 1))
    for loss in ("mse", "bce"):
        target = y if loss == "mse" else (y > 0).astype(float)
        value, grads, input_grads = loss_and_grads_with(rnn_backward, params, X, target, loss=loss)
        ref_value, ref_grads = loss_and_grads(params, X, target, loss)
        assert value == ref_value
        assert set(grads) == set(PARAM_NAMES)
        for name in PARAM_NAMES:
            np.testing.assert_array_equal(grads[name], ref_grads[name])
        assert input_grads["X"].shape == (N, T, D)
        assert input_grads["h0"].shape == (N, H)


def test_loss_and_grads_with_input_gradients_finite_differences(rng):
    params = init_params(D, H, 1, rng)
    X, y, h0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, 1)), rng.normal(size=(N, H))
    _, _, input_grads = loss_and_grads_with(rnn_backward, params, X, y, h0=h0)

    def f_x(v):
        return loss_and_grads_with(rnn_backward, params, v, y, h0=h0)[0]

    def f_h0(v):
        return loss_and_grads_with(rnn_backward, params, X, y, h0=v)[0]

    assert rel_error(input_grads["X"], numerical_gradient(f_x, X)) < 1e-7
    assert rel_error(input_grads["h0"], numerical_gradient(f_h0, h0)) < 1e-7


@pytest.mark.parametrize("bug", BUGS)
def test_loss_and_grads_with_bug_keeps_head_gradients_right(rng, bug):
    """The bugs live in the recurrence: the output layer's gradients stay correct."""
    params = init_params(D, H, 1, rng)
    X, y = rng.normal(size=(N, T, D)), rng.normal(size=(N, 1))
    value, grads, _ = loss_and_grads_with(bug, params, X, y)
    ref_value, ref_grads = loss_and_grads(params, X, y, "mse")
    assert value == ref_value
    for name in ("Why", "by"):
        np.testing.assert_array_equal(grads[name], ref_grads[name])
    assert rel_error(grads["Whh"], ref_grads["Whh"]) > 1e-2


def test_loss_and_grads_with_rejects_bad_arguments(rng):
    params = init_params(D, H, 1, rng)
    X, y = np.zeros((N, T, D)), np.zeros((N, 1))
    with pytest.raises(ValueError, match="backward must be callable"):
        loss_and_grads_with("rnn_backward", params, X, y)
    with pytest.raises(ValueError, match="loss must be one of"):
        loss_and_grads_with(rnn_backward, params, X, y, loss="l1")
    with pytest.raises(ValueError, match="params must be a dict with keys"):
        loss_and_grads_with(rnn_backward, {"Wxh": params["Wxh"]}, X, y)
    with pytest.raises(ValueError, match=r"X must have shape \(N, T, D\)"):
        loss_and_grads_with(rnn_backward, params, np.zeros((N, D)), y)
    with pytest.raises(ValueError, match=r"h0 must have shape \(N, H\) = \(2, 4\)"):
        loss_and_grads_with(rnn_backward, params, X, y, h0=np.zeros((N + 1, H)))
    with pytest.raises(ValueError, match=r"y must have shape"):
        loss_and_grads_with(rnn_backward, params, X, np.zeros((N, 2)))


@pytest.mark.parametrize("bug", BUGS)
def test_bugs_reject_a_cache_that_is_not_from_rnn_forward(problem, bug):
    args, dhs = problem
    _, cache = rnn_forward(*args)
    for junk in (None, cache[:4], list(cache)):
        with pytest.raises(ValueError, match="cache must be the tuple returned by rnn_forward"):
            bug(dhs, junk)


def test_loss_and_grads_with_float32_params_stays_float32(rng):
    params = {k: v.astype(np.float32) for k, v in init_params(D, H, 1, rng).items()}
    X, y = rng.normal(size=(N, T, D)).astype(np.float32), rng.normal(size=(N, 1))
    _, grads, input_grads = loss_and_grads_with(rnn_backward, params, X, y.astype(np.float32))
    assert all(g.dtype == np.float32 for g in grads.values())
    assert input_grads["h0"].dtype == np.float32


def test_train_with_correct_backward_equals_full_batch_train(rng):
    """With rnn_backward, train_with is rnnlib.train.train with one full batch."""
    params = init_params(D, H, 1, rng)
    X, y = rng.normal(size=(N, T, D)), rng.normal(size=(N, 1))
    losses = train_with(rnn_backward, params, X, y, lr=0.05, steps=7)
    _, history = train(
        params, X, y, loss="mse", optimizer="sgd", lr=0.05, epochs=7, batch_size=N, progress=False
    )
    assert losses.shape == (7,)
    np.testing.assert_allclose(losses, history["loss"], rtol=1e-12, atol=0)


@pytest.mark.parametrize("bug", BUGS)
def test_train_with_bug_takes_the_bug_s_step(rng, bug):
    """The first update is sgd_step with the bug's gradients; later ones differ from the truth."""
    params = init_params(D, H, 1, rng)
    X, y = rng.normal(size=(N, T, D)), (rng.normal(size=(N, 1)) > 0).astype(float)
    losses = train_with(bug, params, X, y, lr=0.1, steps=3, loss="bce")
    _, grads, _ = loss_and_grads_with(bug, params, X, y, loss="bce")
    expected, _ = loss_and_grads(sgd_step(params, grads, 0.1), X, y, "bce")
    assert losses[0] == pytest.approx(expected, rel=1e-12)
    correct = train_with(rnn_backward, params, X, y, lr=0.1, steps=3, loss="bce")
    assert abs(losses[-1] - correct[-1]) > 1e-6


def test_train_with_leaves_params_untouched(rng):
    params = init_params(D, H, 1, rng)
    copies = {k: v.copy() for k, v in params.items()}
    X, y = rng.normal(size=(N, T, D)), rng.normal(size=(N, 1))
    train_with(rnn_backward_final_state_bug, params, X, y, lr=0.1, steps=2)
    for name in PARAM_NAMES:
        np.testing.assert_array_equal(params[name], copies[name])


def test_train_with_rejects_bad_arguments(rng):
    params = init_params(D, H, 1, rng)
    X, y = np.zeros((N, T, D)), np.zeros((N, 1))
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        train_with(rnn_backward, params, X, y, lr=0.1, steps=0)
    with pytest.raises(ValueError, match="lr must be a positive"):
        train_with(rnn_backward, params, X, y, lr=-0.1, steps=1)
    with pytest.raises(ValueError, match="backward must be callable"):
        train_with(None, params, X, y, lr=0.1, steps=1)
    with pytest.raises(ValueError, match="loss must be one of"):
        train_with(rnn_backward, params, X, y, lr=0.1, steps=1, loss="l1")
    with pytest.raises(ValueError, match=r"y must have shape"):
        train_with(rnn_backward, params, X, np.zeros((N, 2)), lr=0.1, steps=1)
