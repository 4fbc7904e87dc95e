import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from rnnlib.data import adding_problem
from rnnlib.torch_models import SequenceModel, train_torch
from rnnlib.torch_runs import (
    autograd_nodes,
    first_eval_below,
    forget_path_factor,
    graph_nodes,
    seeded_model,
    train_in_threads,
    train_seeded,
)

H = 6


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models run fastest on one thread (and do not fight over a busy CPU)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def data():
    X, y = adding_problem(96, 7, np.random.default_rng(0))
    Xv, yv = adding_problem(40, 7, np.random.default_rng(1))
    return tuple(torch.tensor(a, dtype=torch.float32) for a in (X, y, Xv, yv))


def _params(model):
    return [p.detach().clone() for p in model.parameters()]


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_seeded_model_same_seed_same_weights(cell):
    a, b, c = seeded_model(cell, 3, H), seeded_model(cell, 3, H), seeded_model(cell, 4, H)
    assert isinstance(a, SequenceModel) and a.cell == cell
    for p, q in zip(_params(a), _params(b)):
        assert torch.equal(p, q)
    assert not all(torch.equal(p, q) for p, q in zip(_params(a), _params(c)))
    torch.manual_seed(3)  # the same draws as building the model by hand after the seed
    for p, q in zip(_params(a), _params(SequenceModel(2, H, cell=cell))):
        assert torch.equal(p, q)


def test_seeded_model_biases():
    model = seeded_model("lstm", 0, H, head_bias=1.25, forget_bias=3.0)
    r = model.recurrent
    assert torch.equal(model.head.bias, torch.tensor([1.25]))
    total = (r.bias_ih_l0 + r.bias_hh_l0).detach()
    assert torch.allclose(total[H : 2 * H], torch.full((H,), 3.0))
    # the other gates keep PyTorch's initialisation, the same as without the biases
    plain = seeded_model("lstm", 0, H).recurrent
    keep = torch.cat([torch.arange(0, H), torch.arange(2 * H, 4 * H)])
    assert torch.equal(r.bias_ih_l0[keep], plain.bias_ih_l0[keep])
    assert torch.equal(r.weight_hh_l0, plain.weight_hh_l0)
    default = seeded_model("gru", 0, H, head_bias=-0.5)
    assert torch.equal(default.head.bias, torch.tensor([-0.5]))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(cell="lstmm", seed=0, hidden_size=4), "cell must be one of"),
        (dict(cell="lstm", seed=-1, hidden_size=4), "seed must be a non-negative integer"),
        (dict(cell="lstm", seed=1.5, hidden_size=4), "seed must be a non-negative integer"),
        (dict(cell="lstm", seed=True, hidden_size=4), "seed must be a non-negative integer"),
        (dict(cell="lstm", seed=0, hidden_size=0), "hidden_size must be a positive integer"),
        (dict(cell="lstm", seed=0, hidden_size=4, input_size=0), "input_size must be"),
        (dict(cell="gru", seed=0, hidden_size=4, forget_bias=1.0), "forget_bias is for"),
        (dict(cell="lstm", seed=0, hidden_size=4, forget_bias=float("nan")), "forget_bias must"),
        (dict(cell="lstm", seed=0, hidden_size=4, head_bias="1"), "head_bias must be"),
    ],
)
def test_seeded_model_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        seeded_model(**kwargs)


def test_train_seeded_equals_the_loop_it_names(data):
    X, y, Xv, yv = data
    kwargs = dict(steps=7, batch_size=16, lr=1e-2, clip=1.0, val_data=(Xv, yv), eval_every=3)
    model = seeded_model("lstm", 2, H, head_bias=1.0, forget_bias=1.0)
    history = train_seeded(model, 5, X, y, **kwargs)

    by_hand = seeded_model("lstm", 2, H, head_bias=1.0, forget_bias=1.0)
    loader = DataLoader(TensorDataset(X, y), batch_size=16, shuffle=True,
                        generator=torch.Generator().manual_seed(5))
    expected = train_torch(by_hand, loader, nn.MSELoss(),
                           torch.optim.Adam(by_hand.parameters(), lr=1e-2), steps=7, clip=1.0,
                           val_data=(Xv, yv), eval_every=3, progress=False)
    assert history == expected
    assert history["eval_step"] == [3, 6, 7]
    for p, q in zip(_params(model), _params(by_hand)):
        assert torch.equal(p, q)
    # another seed of the batch order gives another run
    other = train_seeded(seeded_model("lstm", 2, H), 6, X, y, steps=7, batch_size=16, lr=1e-2)
    assert other["loss"] != history["loss"]


def test_train_seeded_rejects_bad_arguments(data):
    X, y, _, _ = data
    model = seeded_model("rnn", 0, H)
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        train_seeded(model, -2, X, y, steps=2, batch_size=8, lr=1e-2)
    with pytest.raises(ValueError, match="X and y must be torch tensors"):
        train_seeded(model, 0, X.numpy(), y, steps=2, batch_size=8, lr=1e-2)
    with pytest.raises(ValueError, match=r"X and y must have shapes \(N, T, D\) and \(N, O\)"):
        train_seeded(model, 0, X, y[:5], steps=2, batch_size=8, lr=1e-2)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        train_seeded(model, 0, X, y, steps=2, batch_size=0, lr=1e-2)
    with pytest.raises(ValueError, match="lr must be"):
        train_seeded(model, 0, X, y, steps=2, batch_size=8, lr=-1.0)
    with pytest.raises(ValueError, match="model must be a torch.nn.Module"):
        train_seeded("model", 0, X, y, steps=2, batch_size=8, lr=1e-2)
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        train_seeded(model, 0, X, y, steps=0, batch_size=8, lr=1e-2)


def test_train_in_threads_equals_one_after_the_other(data):
    X, y, Xv, yv = data
    jobs = [(cell, seed) for seed in (0, 1) for cell in ("rnn", "lstm", "gru")]

    def run_on(models):
        def run(job):
            return train_seeded(models[job], job[1], X, y, steps=5, batch_size=16, lr=1e-2,
                                val_data=(Xv, yv), eval_every=2)
        return run

    models = {job: seeded_model(job[0], job[1], H) for job in jobs}
    in_threads = train_in_threads(run_on(models), jobs, workers=2, progress=False)
    models = {job: seeded_model(job[0], job[1], H) for job in jobs}
    in_order = [run_on(models)(job) for job in jobs]
    assert in_threads == in_order
    assert train_in_threads(lambda j: j * j, range(5), workers=1, progress=False) == [
        0, 1, 4, 9, 16]


def test_train_in_threads_rejects_bad_arguments():
    with pytest.raises(ValueError, match="run must be callable"):
        train_in_threads(3, [1])
    with pytest.raises(ValueError, match="jobs must hold at least one job"):
        train_in_threads(abs, [])
    with pytest.raises(ValueError, match="workers must be a positive integer"):
        train_in_threads(abs, [1], workers=0)


def test_first_eval_below():
    history = {"eval_step": [25, 50, 75, 100], "val_loss": [0.17, 0.09, 0.2, 0.01]}
    assert first_eval_below(history, 0.1) == 50
    assert first_eval_below(history, 0.05) == 100
    assert first_eval_below(history, 0.01) is None  # strictly below
    with pytest.raises(ValueError, match="history must be a dict with the lists"):
        first_eval_below({"val_loss": [0.1]}, 0.1)
    with pytest.raises(ValueError, match="must have the same length, got 2 and 1"):
        first_eval_below({"eval_step": [1, 2], "val_loss": [0.1]}, 0.1)
    with pytest.raises(ValueError, match="level must be"):
        first_eval_below(history, 0.0)


def test_forget_path_factor_matches_a_loop(rng):
    N, T, Hf = 4, 6, 3
    f = rng.uniform(0.2, 1.0, size=(N, T, Hf))
    start = np.array([0, 2, 5, 3])
    expected = np.zeros(Hf)
    for n in range(N):
        product = np.ones(Hf)
        for t in range(start[n] + 1, T):
            product *= f[n, t]
        expected += product / N
    np.testing.assert_allclose(forget_path_factor(f, start), expected, rtol=1e-14)
    # a start at the last step leaves an empty product: the factor is 1
    np.testing.assert_array_equal(forget_path_factor(f[:1], np.array([T - 1])), np.ones(Hf))
    # gates that are all 1 keep everything; float32 input is accepted
    assert np.all(forget_path_factor(np.ones((2, T, Hf), dtype=np.float32), [1, 4]) == 1.0)


@pytest.mark.parametrize(
    ("f", "start", "message"),
    [
        (np.full((2, 3), 0.5), [0, 1], r"f must have shape \(N, T, H\)"),
        (np.full((2, 3, 1), 1.5), [0, 1], r"f must hold gate values in \[0, 1\]"),
        (np.full((2, 3, 1), np.nan), [0, 1], r"f must hold gate values in \[0, 1\]"),
        (np.full((0, 3, 1), 0.5), np.zeros(0, dtype=int), "at least one sequence"),
        (np.full((2, 3, 1), 0.5), [0], r"start must be integers of shape \(N,\) = \(2,\)"),
        (np.full((2, 3, 1), 0.5), [0.0, 1.0], "start must be integers"),
        (np.full((2, 3, 1), 0.5), [0, 3], r"start must lie in \[0, T\) = \[0, 3\)"),
        (np.full((2, 3, 1), 0.5), [-1, 0], r"start must lie in \[0, T\)"),
    ],
)
def test_forget_path_factor_rejects_bad_input(f, start, message):
    with pytest.raises(ValueError, match=message):
        forget_path_factor(f, start)


def test_autograd_nodes_counts_the_recorded_operations():
    w = torch.ones(3, requires_grad=True)
    y = (w * 2).sum()  # AccumulateGrad, MulBackward0, SumBackward0
    assert autograd_nodes(y) == 3
    assert autograd_nodes(torch.tanh(y) + y) == 5  # shared nodes are counted once
    with pytest.raises(ValueError, match="tensor must be a torch.Tensor computed from"):
        autograd_nodes(torch.ones(3))
    with pytest.raises(ValueError, match="tensor must be a torch.Tensor"):
        autograd_nodes(np.ones(3))


@pytest.mark.parametrize(("cell", "per_step"), [("rnn", 4), ("gru", 14)])
def test_autograd_nodes_of_unrolled_layers_grow_per_step(cell, per_step):
    layer = seeded_model(cell, 0, H).recurrent
    counts = [autograd_nodes(layer(torch.zeros(2, T, 2))[0]) for T in (3, 4)]
    assert counts[1] - counts[0] == per_step


def test_graph_nodes_names_the_recorded_operations():
    x = torch.ones(3, requires_grad=True)
    nodes = graph_nodes(torch.tanh(x).sum())
    assert sorted(type(n).__name__ for n in nodes) == [
        "AccumulateGrad", "SumBackward0", "TanhBackward0"]
    with pytest.raises(ValueError, match="tensor must be a torch.Tensor"):
        graph_nodes(torch.ones(3))
