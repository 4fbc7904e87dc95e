"""A character-level language model in PyTorch: embedding, recurrent core, a head on every step.

:class:`CharLM` is the model of :mod:`rnnlib.charlm` written with ``torch.nn``::

    e = embedding(ids)             # (N, T, E)
    hs, state = core(e, state)     # (N, T, H); nn.RNN (tanh) or nn.LSTM, num_layers deep
    logits = head(hs)              # (N, T, V): the next character, at every step

With ``cell="rnn"`` and one layer it holds exactly the NumPy model's parameters
(:func:`load_numpy_charlm` copies them in, :func:`numpy_charlm_grads` reads the
gradients back with the NumPy names); the main model is a two-layer LSTM.

:func:`train_lm` trains with truncated backpropagation through time: the text is cut
into rows and chunks by :func:`rnnlib.charlm.tbptt_chunks`, the state (``h`` for the
RNN, ``(h, c)`` for the LSTM) is carried from one chunk to the next and *detached*
there (:func:`detach_state`), so that the gradient stops at the chunk boundary.
:func:`bits_per_char` scores a whole text in one pass (:func:`position_bits` gives
the cost of every character), :func:`sample` generates text
at a temperature, :func:`rnnlib.lm_runs.torch_run` trains and scores one seed.
"""

from __future__ import annotations

import numbers

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from rnnlib._check import as_array, check_positive_float, check_positive_int, check_rng
from rnnlib.charlm import PARAM_NAMES, encode, tbptt_chunks
from rnnlib.layers import check_ids
from rnnlib.torch_models import get_device  # noqa: F401  (re-exported for the chapter)

CORES = {"rnn": nn.RNN, "lstm": nn.LSTM}
LN2 = float(np.log(2.0))


class CharLM(nn.Module):
    """Embedding, a recurrent core (batch first) and a linear head on every step.

    Parameters
    ----------
    vocab_size : int
        ``V``, characters in the vocabulary.
    embed_size : int
        ``E``, size of a character's embedding.
    hidden_size : int
        ``H``, size of the hidden state of every layer.
    cell : {"lstm", "rnn"}
        ``nn.LSTM`` or the tanh ``nn.RNN`` of :mod:`rnnlib.charlm`.
    num_layers : int
        Stacked recurrent layers (the second reads the first one's hidden states).
    dtype : torch.dtype, optional
        For example ``torch.float64`` for exact comparisons with NumPy.

    Notes
    -----
    ``forward(ids, state=None)`` takes integer ``ids`` (N, T) and returns the logits
    (N, T, V) and the last state: a tensor (num_layers, N, H) for the RNN, a pair
    ``(h, c)`` of such tensors for the LSTM. ``state=None`` starts from zeros.
    ``forward`` checks the shape and dtype of ``ids`` but not their range (that would
    synchronise with a GPU at every call): the functions of this module validate the
    ids once, at their entry.
    """

    def __init__(self, vocab_size, embed_size, hidden_size, cell="lstm", num_layers=2,
                 dtype=None):
        super().__init__()
        V = check_positive_int("vocab_size", vocab_size)
        E = check_positive_int("embed_size", embed_size)
        H = check_positive_int("hidden_size", hidden_size)
        L = check_positive_int("num_layers", num_layers)
        if cell not in CORES:
            raise ValueError(f"cell must be one of {sorted(CORES)}, got {cell!r}")
        self.cell = cell
        self.embedding = nn.Embedding(V, E, dtype=dtype)
        self.core = CORES[cell](E, H, num_layers=L, batch_first=True, dtype=dtype)
        self.head = nn.Linear(H, V, dtype=dtype)

    def forward(self, ids, state=None):
        """Logits (N, T, V) for the next character after each of ``ids`` (N, T), and the state."""
        if not isinstance(ids, torch.Tensor) or ids.ndim != 2 or ids.dtype != torch.long:
            got = tuple(ids.shape) if isinstance(ids, torch.Tensor) else type(ids).__name__
            raise ValueError(f"ids must be a torch.long tensor of shape (N, T), got {got}")
        # The range of the ids is checked once by the public entry points (train_lm,
        # bits_per_char, position_bits, sample), not here: ids.min() at every step of
        # sampling would wait for the GPU each time.
        e = self.embedding(ids)  # (N, T, E)
        hs, state = self.core(e, state)  # (N, T, H)
        return self.head(hs), state  # (N, T, V)


def _device(model):
    return next(model.parameters()).device


def _check_model(model, numpy_layout=False):
    if not isinstance(model, CharLM):
        raise ValueError(f"model must be a CharLM, got {type(model).__name__}")
    if numpy_layout and (model.cell != "rnn" or model.core.num_layers != 1):
        raise ValueError(
            "model must be a CharLM with cell='rnn' and num_layers=1 (the NumPy model), "
            f"got cell={model.cell!r}, num_layers={model.core.num_layers}"
        )


def _pairs(model):
    """NumPy name -> torch parameter (``bh`` -> ``bias_ih_l0``)."""
    c = model.core
    return {"W_emb": model.embedding.weight, "Wxh": c.weight_ih_l0, "Whh": c.weight_hh_l0,
            "bh": c.bias_ih_l0, "Why": model.head.weight, "by": model.head.bias}


def load_numpy_charlm(model, params):
    """Copy the parameters of :func:`rnnlib.charlm.init_charlm` into ``model``.

    ``bh`` goes to ``bias_ih_l0`` and ``bias_hh_l0`` is set to zero, so that their
    sum, which is what ``nn.RNN`` adds, is ``bh``. ``bias_hh_l0`` is also frozen
    (``requires_grad=False``): both biases get the same gradient, so an optimiser
    would otherwise move their sum twice as far as NumPy moves ``bh`` (and clipping
    would count that gradient twice). Frozen, the model trains exactly like
    :func:`rnnlib.charlm.train_charlm`. The model is changed in place and returned;
    ``params`` is not changed.

    Parameters
    ----------
    model : CharLM
        With ``cell="rnn"`` and ``num_layers=1``.
    params : dict
        ``W_emb`` (V, E), ``Wxh`` (H, E), ``Whh`` (H, H), ``bh`` (H,), ``Why`` (V, H),
        ``by`` (V,).

    Returns
    -------
    CharLM
        ``model`` itself.
    """
    _check_model(model, numpy_layout=True)
    if not isinstance(params, dict) or set(params) != set(PARAM_NAMES):
        got = sorted(params) if isinstance(params, dict) else type(params).__name__
        raise ValueError(f"params must be a dict with keys {list(PARAM_NAMES)}, got {got}")
    pairs = _pairs(model)
    arrays = {}
    for name, p in pairs.items():
        arrays[name] = as_array(f"params[{name!r}]", params[name])
        if arrays[name].shape != tuple(p.shape):
            raise ValueError(
                f"params[{name!r}] must have shape {tuple(p.shape)}, got {arrays[name].shape}"
            )
    with torch.no_grad():
        for name, p in pairs.items():
            p.copy_(torch.from_numpy(np.array(arrays[name])))
        model.core.bias_hh_l0.zero_()
    model.core.bias_hh_l0.requires_grad_(False)
    return model


def numpy_charlm_grads(model):
    """The gradients of a one-layer ``cell="rnn"`` model with the NumPy names.

    ``bh`` is the gradient on ``bias_ih_l0``. Call after ``loss.backward()``.

    Returns
    -------
    dict of str to ndarray
        Same keys and shapes as :func:`rnnlib.charlm.init_charlm`.
    """
    _check_model(model, numpy_layout=True)
    pairs = _pairs(model)
    if any(p.grad is None for p in pairs.values()):
        raise ValueError("model has no gradients yet: call loss.backward() first")
    return {name: p.grad.detach().cpu().numpy().copy() for name, p in pairs.items()}


def detach_state(state):
    """The recurrent state cut from the graph that computed it.

    The values stay; what goes is the history. The next chunk starts from these
    numbers, but its ``backward()`` stops here instead of running on into the
    previous chunk's graph (which the previous ``backward()`` has freed).

    Parameters
    ----------
    state : torch.Tensor, tuple of torch.Tensor, or None
        ``h`` (RNN) or ``(h, c)`` (LSTM), each (num_layers, N, H).

    Returns
    -------
    Same structure as ``state``.
    """
    if state is None:
        return None
    if isinstance(state, torch.Tensor):
        return state.detach()
    if isinstance(state, tuple) and all(isinstance(s, torch.Tensor) for s in state):
        return tuple(s.detach() for s in state)
    raise ValueError(
        f"state must be a tensor, a tuple of tensors or None, got {type(state).__name__}"
    )


def lm_loss(logits, targets):
    """Mean cross-entropy in nats: ``F.cross_entropy`` over all N T positions.

    Parameters
    ----------
    logits : torch.Tensor, shape (N, T, V)
    targets : torch.Tensor of long, shape (N, T)
    """
    if logits.ndim != 3 or tuple(targets.shape) != tuple(logits.shape[:2]):
        raise ValueError(
            f"targets must have shape (N, T) = {tuple(logits.shape[:2])} to match logits "
            f"(N, T, V) = {tuple(logits.shape)}, got {tuple(targets.shape)}"
        )
    V = logits.shape[-1]
    return F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1))


def train_lm(model, ids, *, batch_size, seq_len, epochs, lr, clip=None, detach=True,
             progress=None):
    """Train with Adam and truncated BPTT, the state carried between chunks.

    Every epoch starts from a zero state; within an epoch the last state of chunk
    ``k`` is the initial state of chunk ``k + 1`` (the rows of
    :func:`rnnlib.charlm.tbptt_chunks` continue each other), detached first.

    Parameters
    ----------
    model : CharLM
        Trained in place, on its device.
    ids : ndarray of int, shape (L,)
        The training text.
    batch_size, seq_len, epochs : int
    lr : float
        Adam's learning rate.
    clip : float or None
        Clip the global gradient norm to this value (``clip_grad_norm_``).
    detach : bool
        Detach the state between chunks. Only False for the demonstration of why
        it is needed: the second chunk's ``backward()`` then fails.
    progress : callable or None
        Wraps the range of epochs, for example ``lambda n: tqdm(range(n))``.

    Returns
    -------
    ndarray, shape (updates,)
        Training loss of every chunk, in nats.
    """
    _check_model(model)
    epochs = check_positive_int("epochs", epochs)
    lr = check_positive_float("lr", lr)
    if clip is not None:
        clip = check_positive_float("clip", clip)
    ids = check_ids("ids", ids, model.embedding.num_embeddings).astype(np.int64, copy=False)
    device = _device(model)
    chunks = [(torch.from_numpy(np.ascontiguousarray(x)).to(device),
               torch.from_numpy(np.ascontiguousarray(y)).to(device))
              for x, y in tbptt_chunks(ids, batch_size, seq_len)]
    trained = [p for p in model.parameters() if p.requires_grad]  # not a frozen bias_hh
    opt = torch.optim.Adam(trained, lr=lr)
    model.train()
    losses = []
    for _ in range(epochs) if progress is None else progress(epochs):
        state = None  # zeros
        for x, y in chunks:  # x, y: (B, S)
            if detach:
                state = detach_state(state)
            logits, state = model(x, state)  # (B, S, V)
            loss = lm_loss(logits, y)
            opt.zero_grad()
            loss.backward()
            if clip is not None:
                nn.utils.clip_grad_norm_(trained, clip)
            opt.step()
            losses.append(loss.item())
    return np.asarray(losses)


@torch.no_grad()
def bits_per_char(model, ids):
    """Mean ``-log2 p(x_{t+1} | x_1..x_t)`` over a whole text, read in one pass.

    As :func:`rnnlib.charlm.bits_per_char`: one sequence (N = 1) from a zero state,
    so every character is predicted from everything before it.

    Parameters
    ----------
    model : CharLM
    ids : ndarray of int, shape (L,), L >= 2

    Returns
    -------
    float
    """
    return float(np.mean(position_bits(model, ids)))


@torch.no_grad()
def position_bits(model, ids):
    """``-log2 p(x_{t+1} | x_1..x_t)`` at every position of a text, read in one pass.

    As :func:`rnnlib.charlm.position_bits`, for a :class:`CharLM`: one sequence from a
    zero state, the logits in float64.

    Parameters
    ----------
    model : CharLM
    ids : ndarray of int, shape (L,), L >= 2

    Returns
    -------
    ndarray, shape (L - 1,)
        Entry ``t`` is the cost of predicting ``ids[t + 1]``; its mean is
        :func:`bits_per_char`.
    """
    _check_model(model)
    ids = check_ids("ids", ids, model.embedding.num_embeddings).astype(np.int64, copy=False)
    if ids.ndim != 1 or ids.size < 2:
        raise ValueError(f"ids must have shape (L,) with L >= 2, got {ids.shape}")
    was_training = model.training
    model.eval()
    x = torch.from_numpy(np.ascontiguousarray(ids)).to(_device(model))[None]  # (1, L)
    logits, _ = model(x[:, :-1])  # (1, L - 1, V)
    model.train(was_training)
    logp = F.log_softmax(logits[0].double(), dim=-1)  # (L - 1, V)
    return (-logp.gather(1, x[0, 1:, None])[:, 0] / LN2).cpu().numpy()


@torch.no_grad()
def sample(model, vocab, prefix, n, temperature, rng, count=None):
    """Generate ``n`` characters after ``prefix``, each drawn from ``softmax(z / temperature)``.

    The draws come from the NumPy generator ``rng`` on probabilities computed in
    float64, as in :func:`rnnlib.charlm.sample`. ``count`` independent samples are
    generated side by side, as the rows of one batch.

    Parameters
    ----------
    model : CharLM
    vocab : str
        ``V`` characters, index = id.
    prefix : str
        At least one character; the model reads it before generating.
    n : int
    temperature : float (> 0)
        1 samples the model's distribution, below 1 sharpens it, above 1 flattens it.
    rng : numpy.random.Generator
    count : int or None
        None for one sample (a str), else the number of samples (a list).

    Returns
    -------
    str, or list of ``count`` str
        The ``n`` generated characters of each sample (without the prefix).
    """
    _check_model(model)
    n = check_positive_int("n", n)
    temperature = check_positive_float("temperature", temperature)
    rng = check_rng("rng", rng)
    N = 1 if count is None else check_positive_int("count", count)
    V = model.embedding.num_embeddings
    if not isinstance(vocab, str) or len(vocab) != V:
        raise ValueError(f"vocab must be a str of V={V} characters, got {vocab!r:.40}")
    if not isinstance(prefix, str) or not prefix:
        raise ValueError("prefix must be a non-empty str")
    device = _device(model)
    was_training = model.training
    model.eval()
    x = torch.from_numpy(encode(prefix, vocab)).to(device)[None].repeat(N, 1)  # (N, P)
    logits, state = model(x)
    out = np.empty((N, n), dtype=np.int64)
    for t in range(n):
        z = logits[:, -1].double().cpu().numpy() / temperature  # (N, V)
        p = np.exp(z - z.max(axis=1, keepdims=True))
        cum = np.cumsum(p, axis=1)  # (N, V)
        u = rng.random(N)[:, None] * cum[:, -1:]  # (N, 1)
        out[:, t] = np.minimum((cum <= u).sum(axis=1), V - 1)  # first index with cum > u
        logits, state = model(torch.from_numpy(out[:, t : t + 1]).to(device), state)
    model.train(was_training)
    texts = ["".join(vocab[i] for i in row) for row in out]
    return texts[0] if count is None else texts


def _check_seed(seed):
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def seed_offset(seed, max_offset):
    """Where a seed's run starts reading the training text: an int in [0, max_offset).

    Stateful truncated BPTT reads the text in order, so there is no batch order to
    shuffle; a seed changes instead where the rows and chunks are cut, by dropping
    the first ``offset`` characters. Drawn from ``numpy.random.default_rng([seed, 1])``
    (a stream of its own, apart from ``default_rng(seed)``, which initialises the NumPy
    model's weights).
    """
    seed = _check_seed(seed)
    max_offset = check_positive_int("max_offset", max_offset)
    return int(np.random.default_rng([seed, 1]).integers(max_offset))


def seeded_charlm(seed, vocab_size, embed_size, hidden_size, cell="lstm", num_layers=2,
                  device=None):
    """A :class:`CharLM` whose initial weights come from ``torch.manual_seed(seed)``."""
    seed = _check_seed(seed)
    torch.manual_seed(seed)
    model = CharLM(vocab_size, embed_size, hidden_size, cell=cell, num_layers=num_layers)
    return model.to(device or "cpu")
