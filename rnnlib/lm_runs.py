"""One seeded training run of a character-level language model, in NumPy or PyTorch.

A run trains one model from one seed on a text and scores it on a held-out text in
bits per character. The seed fixes the initial weights and where the training text
is cut into rows and chunks (:func:`rnnlib.torch_lm.seed_offset`: stateful
truncated BPTT reads the text in order, so there is no batch order to shuffle).
:func:`numpy_run` trains :mod:`rnnlib.charlm`'s tanh RNN, :func:`torch_run` a
:class:`rnnlib.torch_lm.CharLM`; :func:`sampled_grammatical_fraction` scores a
model's samples against the embedded Reber grammar.
"""

from __future__ import annotations

import numpy as np

from rnnlib import charlm, torch_lm
from rnnlib._check import check_positive_int
from rnnlib.grammar import grammatical_fraction


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
