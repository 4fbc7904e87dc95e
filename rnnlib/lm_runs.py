"""One seeded training run of a character-level language model, in NumPy or PyTorch.

A run trains one model from one seed on a text and scores it on a held-out text in
bits per character. The seed fixes the initial weights and where the training text
is cut into rows and chunks (:func:`rnnlib.torch_lm.seed_offset`: stateful
truncated BPTT reads the text in order, so there is no batch order to shuffle).
:func:`numpy_run` trains :mod:`rnnlib.charlm`'s tanh RNN, :func:`torch_run` a
:class:`rnnlib.torch_lm.CharLM`; :func:`sampled_grammatical_fraction` scores a
model's samples against the embedded Reber grammar, :func:`free_choices` and
:func:`choice_entropy` measure how much variety a model (at a temperature) keeps at the
grammar's two-way choices.
"""

from __future__ import annotations

import numpy as np
import torch

from rnnlib import charlm, torch_lm
from rnnlib._check import check_positive_float, check_positive_int
from rnnlib.grammar import (
    ALPHABET,
    REBER_EDGES,
    grammatical_fraction,
    is_embedded_reber,
    split_stream,
)


def _offset_text(seed, ids, max_offset):
    ids = np.asarray(ids)
    if ids.ndim != 1:
        raise ValueError(f"train_ids must have shape (L,), got {ids.shape}")
    offset = torch_lm.seed_offset(seed, max_offset)
    if ids.size - offset < 2:
        raise ValueError(f"train_ids must be longer than max_offset={max_offset}")
    return ids[offset:]


def numpy_run(seed, train_ids, test_ids, V, *, embed_size, hidden_size, batch_size, seq_len,
              epochs, lr, clip=None, max_offset=1):
    """Train :mod:`rnnlib.charlm`'s model from ``seed``; return its params and test bits/char.

    :func:`rnnlib.charlm.train_and_score` (chapter 8's run) on the training text
    without its first ``seed_offset(seed, max_offset)`` characters: the initial weights
    come from ``init_charlm(V, E, H, np.random.default_rng(seed))``.

    Parameters
    ----------
    seed : int
    train_ids, test_ids : ndarray of int, shape (L,)
    V : int
    embed_size, hidden_size, batch_size, seq_len, epochs : int
    lr : float
    clip : float or None
    max_offset : int
        1 always starts at the first character (then this is chapter 8's run).

    Returns
    -------
    dict
        ``params`` (trained), ``losses`` (training loss of every chunk, nats),
        ``bits`` (held-out bits per character).
    """
    ids = _offset_text(seed, train_ids, max_offset)
    run = charlm.train_and_score(seed, ids, test_ids, V=V, E=embed_size, H=hidden_size,
                                 batch_size=batch_size, seq_len=seq_len, epochs=epochs, lr=lr,
                                 clip=clip)
    return {"params": run["params"], "losses": run["losses"], "bits": run["bpc"]}


def torch_run(seed, train_ids, test_ids, V, *, embed_size, hidden_size, batch_size, seq_len,
              epochs, lr, clip=None, cell="lstm", num_layers=2, max_offset=1, model=None,
              device=None):
    """Train a :class:`~rnnlib.torch_lm.CharLM` from ``seed``; return it and its test bits/char.

    Parameters
    ----------
    seed : int
    train_ids, test_ids : ndarray of int, shape (L,)
    V : int
    embed_size, hidden_size, batch_size, seq_len, epochs : int
    lr : float
    clip : float or None
    cell : {"lstm", "rnn"}
    num_layers : int
    max_offset : int
    model : CharLM or None
        A model already built with :func:`~rnnlib.torch_lm.seeded_charlm` (build models
        in one thread before training them in several); None builds it here.
    device : torch.device or None

    Returns
    -------
    dict
        ``model`` (trained), ``losses`` (nats, every chunk), ``bits`` (held out).
    """
    ids = _offset_text(seed, train_ids, max_offset)
    if model is None:
        model = torch_lm.seeded_charlm(seed, V, embed_size, hidden_size, cell=cell,
                                       num_layers=num_layers, device=device)
    losses = torch_lm.train_lm(model, ids, batch_size=batch_size, seq_len=seq_len,
                               epochs=epochs, lr=lr, clip=clip)
    return {"model": model, "losses": losses, "bits": torch_lm.bits_per_char(model, test_ids)}


def sampled_grammatical_fraction(samples):
    """Share of grammatical strings over several sampled texts, and how many were judged.

    Each text is judged by :func:`rnnlib.grammar.grammatical_fraction` (first and
    last pieces left out unless the text starts with ``B``; the last one always,
    since a sample stops mid-string); the counts are pooled.

    Parameters
    ----------
    samples : list of str

    Returns
    -------
    fraction : float
    n_judged : int
    """
    if isinstance(samples, str) or not samples:
        raise ValueError("samples must be a non-empty list of str")
    ok = judged = 0
    for text in samples:
        frac, n = grammatical_fraction(text)
        if n:
            ok += round(frac * n)
            judged += n
    check_positive_int("number of judged strings", judged)
    return ok / judged, judged


def free_choices(text):
    """Where a stream of embedded Reber strings makes a two-way choice, and between what.

    In every string ``B c <Reber string> c E`` the first ``c`` (``T`` or ``P``) and
    every letter of the inner string after its ``B`` and before its ``E`` are chosen
    between two letters with probability 1/2 each; every other letter is forced.
    These are the ``1 + K`` bits per string of :func:`rnnlib.grammar.ideal_bits`.

    Parameters
    ----------
    text : str
        A stream of whole embedded Reber strings.

    Returns
    -------
    positions : ndarray of int, shape (K,)
        Indices in ``text`` of the chosen letters.
    options : ndarray of int, shape (K, 2)
        The ids (in :data:`rnnlib.grammar.ALPHABET`) of the two letters allowed there.
    """
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, got {type(text).__name__}")
    positions, options, start = [], [], 0
    for piece in split_stream(text):
        if not is_embedded_reber(piece):
            raise ValueError(f"text must be a stream of embedded Reber strings, found {piece!r}")
        positions.append(start + 1)
        options.append(("T", "P"))
        state = 0
        for j, letter in enumerate(piece[3:-3]):  # the inner string between its B and E
            edges = REBER_EDGES[state]
            positions.append(start + 3 + j)
            options.append((edges[0][0], edges[1][0]))
            state = dict(edges)[letter]
        start += len(piece)
    ids = np.array([[ALPHABET.index(a), ALPHABET.index(b)] for a, b in options], dtype=np.int64)
    return np.array(positions, dtype=np.int64), ids.reshape(-1, 2)


@torch.no_grad()
def choice_entropy(model, text, temperature):
    """Bits per two-way choice that a model keeps at a temperature, on a given text.

    At every free choice of ``text`` (:func:`free_choices`) the model's next-letter
    distribution ``softmax(z / temperature)``, given the text before, is restricted to
    the two allowed letters and renormalised; the result is the mean entropy of these
    two-letter distributions. The source has 1 bit at every choice; a model that
    always picks the same letter has 0. A measure of the variety of the samples, apart
    from their mistakes (the probability on letters the grammar forbids is left out).

    Parameters
    ----------
    model : rnnlib.torch_lm.CharLM
        Over :data:`rnnlib.grammar.ALPHABET`.
    text : str
        A stream of whole embedded Reber strings.
    temperature : float (> 0)

    Returns
    -------
    float
        Mean bits per choice, in [0, 1].
    """
    torch_lm._check_model(model)
    temperature = check_positive_float("temperature", temperature)
    if model.embedding.num_embeddings != len(ALPHABET):
        raise ValueError(f"model must have V = {len(ALPHABET)} (ALPHABET), got "
                         f"{model.embedding.num_embeddings}")
    positions, options = free_choices(text)
    ids = charlm.encode(text, ALPHABET)
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    logits, _ = model(torch.from_numpy(ids[None, :-1]).to(device))  # (1, L - 1, V)
    model.train(was_training)
    z = logits[0].double().cpu().numpy()[positions - 1] / temperature  # (K, V)
    z2 = np.take_along_axis(z, options, axis=1)  # (K, 2): the two allowed letters
    p = np.exp(z2 - z2.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    h = -(p * np.log2(np.maximum(p, 1e-300))).sum(axis=1)
    return float(h.mean())
