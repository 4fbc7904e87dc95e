import numpy as np
import pytest
import torch

from rnnlib.optim import adam_init, adam_step, clip_grad_norm, global_norm, sgd_step


def test_sgd_step_is_pure(rng):
    params = {"W": rng.normal(size=(2, 3)), "b": rng.normal(size=2)}
    grads = {"W": np.ones((2, 3)), "b": np.ones(2)}
    before = {k: v.copy() for k, v in params.items()}
    new = sgd_step(params, grads, lr=0.1)
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])
        np.testing.assert_allclose(new[k], before[k] - 0.1)


def test_adam_matches_torch(rng):
    params = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=3)}
    tparams = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    opt = torch.optim.Adam(tparams.values(), lr=0.05)
    state = adam_init(params)
    for _ in range(5):
        grads = {k: rng.normal(size=v.shape) for k, v in params.items()}
        params, state = adam_step(params, grads, state, lr=0.05)
        for k, t in tparams.items():
            t.grad = torch.from_numpy(grads[k].copy())
        opt.step()
    for k in params:
        np.testing.assert_allclose(params[k], tparams[k].detach().numpy(), rtol=1e-12)
    assert state["step"] == 5


def test_clip_grad_norm_matches_torch(rng):
    grads = {"a": rng.normal(size=(4, 4)) * 10, "b": rng.normal(size=4)}
    clipped, total = clip_grad_norm(grads, 1.0)
    ts = [torch.zeros(4, 4, requires_grad=True), torch.zeros(4, requires_grad=True)]
    for t, g in zip(ts, grads.values()):
        t.grad = torch.from_numpy(g.copy()).float()
    t_total = torch.nn.utils.clip_grad_norm_(ts, 1.0)
    assert total == pytest.approx(float(t_total), rel=1e-6)
    assert global_norm(clipped) == pytest.approx(1.0, rel=1e-5)
    for t, g in zip(ts, clipped.values()):
        np.testing.assert_allclose(g, t.grad.double().numpy(), rtol=1e-5)
    small = {"a": np.full(2, 0.1)}
    np.testing.assert_array_equal(clip_grad_norm(small, 1.0)[0]["a"], small["a"])


def test_bad_arguments():
    p = {"W": np.zeros(2)}
    with pytest.raises(ValueError, match="lr must be a positive number"):
        sgd_step(p, p, lr=-1)
    with pytest.raises(ValueError, match="same keys"):
        sgd_step(p, {"V": np.zeros(2)}, lr=0.1)
    with pytest.raises(ValueError, match=r"grads\['W'\] must have shape \(2,\), got \(3,\)"):
        sgd_step(p, {"W": np.zeros(3)}, lr=0.1)
    with pytest.raises(ValueError, match="beta1 must be in"):
        adam_step(p, p, adam_init(p), beta1=1.0)
    with pytest.raises(ValueError, match="max_norm must be a positive number"):
        clip_grad_norm(p, 0)


def _torch_clip(grads, max_norm):
    """clip_grad_norm_ (error_if_nonfinite=False, the default) on copies of ``grads``."""
    ts = []
    for g in grads.values():
        t = torch.zeros(g.shape, dtype=torch.float64, requires_grad=True)
        t.grad = torch.from_numpy(g.copy())
        ts.append(t)
    total = torch.nn.utils.clip_grad_norm_(ts, max_norm)
    return [t.grad.numpy() for t in ts], float(total)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_clip_grad_norm_non_finite_norm_matches_torch(bad):
    grads = {"a": np.array([[bad, 1.0], [2.0, -3.0]]), "b": np.array([0.5, 4.0])}
    clipped, total = clip_grad_norm(grads, 1.0)
    want, t_total = _torch_clip(grads, 1.0)
    np.testing.assert_array_equal(total, t_total)  # NaN equals NaN here
    for g, w in zip(clipped.values(), want):
        np.testing.assert_array_equal(g, w)
    # The gradients do not pass through unclipped: NaN everywhere, or 0 / NaN for inf.
    assert not np.isfinite(clipped["a"][0, 0])
    if np.isnan(bad):
        assert np.all(np.isnan(clipped["b"]))
    else:
        np.testing.assert_array_equal(clipped["b"], 0.0)
    assert np.isfinite(grads["b"]).all()  # the input is untouched


def test_clip_grad_norm_keeps_float32(rng):
    grads = {"a": (10 * rng.normal(size=(3, 3))).astype(np.float32)}
    clipped, _ = clip_grad_norm(grads, 1.0)
    assert clipped["a"].dtype == np.float32


def test_global_norm_value_and_bad_input():
    assert global_norm({"a": np.array([3.0]), "b": np.array([[4.0]])}) == 5.0
    with pytest.raises(ValueError, match="grads must be a dict of arrays"):
        global_norm([np.zeros(2)])


def test_adam_init_state_and_bad_input():
    state = adam_init({"W": np.ones((2, 3))})
    assert state["step"] == 0
    np.testing.assert_array_equal(state["m"]["W"], np.zeros((2, 3)))
    np.testing.assert_array_equal(state["v"]["W"], np.zeros((2, 3)))
    with pytest.raises(ValueError, match="params must be a dict of arrays"):
        adam_init([np.zeros(2)])
    with pytest.raises(ValueError, match="W must be a numeric array"):
        adam_init({"W": np.array(["a"])})


def test_adam_step_rejects_bad_hyperparameters():
    p = {"W": np.zeros(2)}
    state = adam_init(p)
    with pytest.raises(ValueError, match="lr must be a positive number, got 0"):
        adam_step(p, p, state, lr=0)
    with pytest.raises(ValueError, match="eps must be a positive number, got -1e-08"):
        adam_step(p, p, state, eps=-1e-8)
    with pytest.raises(ValueError, match=r"beta2 must be in \[0, 1\), got -0.1"):
        adam_step(p, p, state, beta2=-0.1)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: None, r"a dict with keys \['m', 'step', 'v'\], got NoneType"),
        (lambda s: {"m": s["m"], "step": 0}, r"a dict with keys \['m', 'step', 'v'\]"),
        (lambda s: {**s, "step": -1}, r"state\['step'\] must be a non-negative integer, got -1"),
        (lambda s: {**s, "step": 1.0}, r"state\['step'\] must be a non-negative integer, got 1.0"),
        (lambda s: {**s, "step": True}, r"state\['step'\] must be a non-negative integer"),
        (lambda s: {**s, "v": {}}, r"state\['v'\] must have the keys of params \['W'\], got \[\]"),
        (lambda s: {**s, "m": {"V": np.zeros(2)}}, r"state\['m'\] must have the keys of params"),
        (lambda s: {**s, "v": {"W": np.zeros(3)}}, r"state\['v'\]\['W'\] must have shape \(2,\)"),
    ],
)
def test_adam_step_rejects_a_bad_state(change, message):
    p = {"W": np.zeros(2)}
    with pytest.raises(ValueError, match="state must come from adam_init"):
        adam_step(p, p, change(adam_init(p)))
    with pytest.raises(ValueError, match=message):
        adam_step(p, p, change(adam_init(p)))


@pytest.mark.parametrize(
    ("lr", "betas", "eps"), [(1e-3, (0.9, 0.999), 1e-8), (0.05, (0.5, 0.9), 1e-3)]
)
def test_adam_matches_torch_after_every_step(rng, lr, betas, eps):
    # Same gradients fed to both optimisers: the parameters agree after every update, with
    # PyTorch's defaults and with other hyperparameters (where bias correction and eps matter).
    params = {"W": rng.normal(size=(4, 3)), "b": rng.normal(size=4)}
    tparams = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    opt = torch.optim.Adam(tparams.values(), lr=lr, betas=betas, eps=eps)
    state = adam_init(params)
    for step in range(20):
        grads = {k: rng.normal(size=v.shape) * 10.0 ** -(step % 4) for k, v in params.items()}
        grads["b"][0] = 0.0  # a zero gradient: only eps keeps the division finite
        params, state = adam_step(params, grads, state, lr=lr, beta1=betas[0], beta2=betas[1],
                                  eps=eps)
        for k, t in tparams.items():
            t.grad = torch.from_numpy(grads[k].copy())
        opt.step()
        for k in params:
            np.testing.assert_allclose(params[k], tparams[k].detach().numpy(), rtol=1e-13,
                                       atol=1e-15)


def test_adam_first_step_moves_each_parameter_by_about_lr(rng):
    # Bias correction: m_hat = g and v_hat = g**2 at t = 1, so |change| = lr |g| / (|g| + eps).
    params = {"W": rng.normal(size=(3, 3))}
    g = {"W": rng.normal(size=(3, 3)) * np.logspace(-9, 1, 9).reshape(3, 3)}
    new, state = adam_step(params, g, adam_init(params), lr=0.01)
    want = 0.01 * np.abs(g["W"]) / (np.abs(g["W"]) + 1e-8)
    np.testing.assert_allclose(np.abs(new["W"] - params["W"]), want, rtol=1e-9)
    assert np.all(np.sign(new["W"] - params["W"]) == -np.sign(g["W"]))
    assert state["step"] == 1


def test_adam_step_leaves_its_inputs_untouched(rng):
    params = {"W": rng.normal(size=(2, 2))}
    grads = {"W": rng.normal(size=(2, 2))}
    state = adam_step(params, grads, adam_init(params))[1]
    copies = [{k: v.copy() for k, v in d.items()} for d in (params, grads, state["m"], state["v"])]
    adam_step(params, grads, state)
    for before, after in zip(copies, (params, grads, state["m"], state["v"])):
        for k in before:
            np.testing.assert_array_equal(before[k], after[k])
    assert state["step"] == 1
