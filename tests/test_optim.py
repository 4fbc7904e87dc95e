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
