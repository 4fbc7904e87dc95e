"""Batches of sequences of different lengths, and a tagging task that needs lookahead.

:func:`pad_sequences` stacks sequences of different lengths into one (N, T_max)
array and returns their lengths; :func:`length_mask` turns the lengths into the
mask of real (not padded) positions, which a loss averages over.

:func:`word_end_data` generates the tagging task of chapter 10: a text of random
words over a small alphabet, each letter tagged 1 if it is the last letter of its
word and 0 otherwise (spaces are not tagged). Whether a letter ends its word is
decided by the next character, so a model that reads only the past must guess
from how many letters the word already has; :func:`causal_word_end_tags` is the
best such guess (the Bayes-optimal prediction without lookahead) and
:func:`causal_word_end_accuracy` its expected accuracy.

Token ids: ``PAD`` (0) pads inputs, ``SPACE`` (1) separates words, letters are
``2, 3, ...``. Targets hold 0 or 1 at letters and ``IGNORE`` (-100, PyTorch's
default ``ignore_index``) at spaces and padding.
"""

from __future__ import annotations

import numbers

import numpy as np

from rnnlib._check import check_positive_int, check_rng

PAD = 0  # input token of padded positions
SPACE = 1  # input token between words
IGNORE = -100  # target of positions that do not count (spaces, padding)
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _check_int_sequences(name, seqs):
    if isinstance(seqs, np.ndarray) and seqs.ndim != 2:
        raise ValueError(f"{name} must be a sequence of 1-D integer arrays, got an array of "
                         f"shape {seqs.shape}")
    try:
        seqs = [np.asarray(s) for s in seqs]
    except TypeError:
        raise ValueError(f"{name} must be a sequence of 1-D integer arrays") from None
    if not seqs:
        raise ValueError(f"{name} must hold at least one sequence")
    for i, s in enumerate(seqs):
        if s.ndim != 1 or s.size == 0:
            raise ValueError(f"{name}[{i}] must be a non-empty 1-D array, got shape {s.shape}")
        if s.dtype == bool or not np.issubdtype(s.dtype, np.integer):
            raise ValueError(f"{name}[{i}] must hold integers, got dtype {s.dtype}")
    return seqs


def _check_int(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    return int(value)


def pad_sequences(seqs, pad=PAD, length=None):
    """Stack sequences of different lengths into one array, padded at the end.

    Parameters
    ----------
    seqs : sequence of ndarray of int, each of shape (T_n,)
        At least one non-empty sequence.
    pad : int
        Value of the padded positions.
    length : int, optional
        ``T`` of the result, at least the longest ``T_n``; the longest ``T_n``
        when omitted.

    Returns
    -------
    padded : ndarray of int64, shape (N, T)
        ``padded[n, :T_n] = seqs[n]``, ``padded[n, T_n:] = pad``.
    lengths : ndarray of int64, shape (N,)
        ``T_n`` of every sequence.
    """
    seqs = _check_int_sequences("seqs", seqs)
    pad = _check_int("pad", pad)
    lengths = np.array([len(s) for s in seqs], dtype=np.int64)
    T = int(lengths.max()) if length is None else check_positive_int("length", length)
    if T < lengths.max():
        raise ValueError(f"length must be at least the longest sequence ({lengths.max()}), "
                         f"got {T}")
    padded = np.full((len(seqs), T), pad, dtype=np.int64)  # (N, T)
    for n, s in enumerate(seqs):
        padded[n, : len(s)] = s
    return padded, lengths


def length_mask(lengths, T=None):
    """Mask of the real positions of a padded batch: ``mask[n, t] = t < lengths[n]``.

    Parameters
    ----------
    lengths : array_like of int, shape (N,)
        Length of every sequence, each at least 1.
    T : int, optional
        Padded length, at least ``max(lengths)``; ``max(lengths)`` when omitted.

    Returns
    -------
    ndarray of bool, shape (N, T)
    """
    lengths = np.asarray(lengths)
    if lengths.ndim != 1 or lengths.size == 0:
        raise ValueError(f"lengths must have shape (N,) with N >= 1, got {lengths.shape}")
    if lengths.dtype == bool or not np.issubdtype(lengths.dtype, np.integer):
        raise ValueError(f"lengths must hold integers, got dtype {lengths.dtype}")
    if lengths.min() < 1:
        raise ValueError(f"lengths must all be at least 1, got {int(lengths.min())}")
    T = int(lengths.max()) if T is None else check_positive_int("T", T)
    if T < lengths.max():
        raise ValueError(f"T must be at least max(lengths) = {int(lengths.max())}, got {T}")
    return np.arange(T)[None, :] < lengths[:, None]  # (N, T)


def _check_range(name, value):
    try:
        lo, hi = value
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair (low, high) of integers, got {value!r}") from None
    lo, hi = _check_int(name, lo), _check_int(name, hi)
    if not 1 <= lo <= hi:
        raise ValueError(f"{name} must satisfy 1 <= low <= high, got {value!r}")
    return lo, hi


WORD_LENGTH_PROBS = (0.1, 0.15, 0.3, 0.25, 0.12, 0.08)  # P(length 1), ..., P(length 6)


def _check_probs(name, probs):
    p = np.asarray(probs, dtype=float) if not isinstance(probs, str) else np.array([])
    if p.ndim != 1 or p.size == 0 or not np.all(np.isfinite(p)) or np.any(p < 0):
        raise ValueError(f"{name} must be a 1-D array of non-negative probabilities, got {probs!r}")
    if abs(p.sum() - 1) > 1e-9 or p[-1] == 0:
        raise ValueError(f"{name} must sum to 1 and give the longest length a probability > 0, "
                         f"got {probs!r}")
    return p


def word_end_data(n, rng, length_probs=WORD_LENGTH_PROBS, words=(2, 6), letters=5):
    """Random texts whose letters are tagged 1 if they end their word, else 0.

    A text holds a number of words drawn uniformly from ``words``, separated by
    single spaces. Every word has a length ``L`` drawn from ``length_probs``
    (``P(L = k) = length_probs[k - 1]``) and letters drawn uniformly from the
    first ``letters`` letters of the alphabet, all independent. The tag of a
    letter is 1 if the next character is a space or the end of the text.

    Parameters
    ----------
    n : int
        Number of texts.
    rng : numpy.random.Generator
    length_probs : array_like, shape (K,)
        Probabilities of the word lengths 1 to K (they sum to 1).
    words : (int, int)
        Smallest and largest number of words per text (inclusive).
    letters : int
        Alphabet size, 1 to 26; letter ``k`` (0-based) has token id ``k + 2``.

    Returns
    -------
    tokens : list of ndarray of int64, each (T_n,)
        Token ids: ``SPACE`` or a letter.
    tags : list of ndarray of int64, each (T_n,)
        1 (last letter of its word), 0 (other letter) or ``IGNORE`` (space).
    """
    n = check_positive_int("n", n)
    rng = check_rng("rng", rng)
    p = _check_probs("length_probs", length_probs)
    w_lo, w_hi = _check_range("words", words)
    letters = check_positive_int("letters", letters)
    if letters > len(LETTERS):
        raise ValueError(f"letters must be at most {len(LETTERS)}, got {letters}")
    tokens, tags = [], []
    for _ in range(n):
        toks, tgs = [], []
        for w in range(int(rng.integers(w_lo, w_hi + 1))):
            if w > 0:
                toks.append(SPACE)
                tgs.append(IGNORE)
            L = int(rng.choice(p.size, p=p)) + 1
            toks.extend((rng.integers(0, letters, size=L) + 2).tolist())
            tgs.extend([0] * (L - 1) + [1])
        tokens.append(np.array(toks, dtype=np.int64))
        tags.append(np.array(tgs, dtype=np.int64))
    return tokens, tags


def decode(tokens, length=None):
    """The text of one sequence of token ids: letters, ``" "`` for spaces, ``"."`` for padding.

    Parameters
    ----------
    tokens : array_like of int, shape (T,)
    length : int, optional
        Decode only the first ``length`` tokens.

    Returns
    -------
    str
    """
    t = _check_int_sequences("tokens", [tokens])[0]
    if length is not None:
        t = t[: check_positive_int("length", length)]
    if t.min() < 0 or t.max() >= len(LETTERS) + 2:
        raise ValueError(f"tokens must lie in [0, {len(LETTERS) + 2}), got a value outside")
    table = ". " + LETTERS
    return "".join(table[i] for i in t)


def position_in_word(tokens):
    """How many letters of its word each position has read so far (1 at a word's first letter).

    Parameters
    ----------
    tokens : ndarray of int, shape (N, T)
        Padded token ids.

    Returns
    -------
    ndarray of int64, shape (N, T)
        ``k`` at the ``k``-th letter of a word, 0 at spaces and padding.
    """
    t = np.asarray(tokens)
    if t.ndim != 2 or t.dtype == bool or not np.issubdtype(t.dtype, np.integer):
        raise ValueError(f"tokens must be an integer array of shape (N, T), got {t.dtype} "
                         f"{t.shape}")
    k = np.zeros(t.shape, dtype=np.int64)
    run = np.zeros(t.shape[0], dtype=np.int64)
    for s in range(t.shape[1]):
        letter = t[:, s] >= 2
        run = np.where(letter, run + 1, 0)
        k[:, s] = run
    return k


def word_end_hazard(length_probs=WORD_LENGTH_PROBS):
    """Probability that the ``k``-th letter of a word is its last, given that the word has one.

    ``hazard[k - 1] = P(L = k | L >= k) = P(L = k) / P(L >= k)``.

    Parameters
    ----------
    length_probs : array_like, shape (K,)

    Returns
    -------
    ndarray, shape (K,)
        The last entry is 1: no word is longer than K.
    """
    p = _check_probs("length_probs", length_probs)
    at_least = p[::-1].cumsum()[::-1]  # (K,): P(L >= k)
    return np.divide(p, at_least, out=np.zeros_like(p), where=at_least > 0)


def causal_word_end_tags(tokens, length_probs=WORD_LENGTH_PROBS):
    """The best tags of :func:`word_end_data` that read no character after the current one.

    Word lengths are independent of everything else, so all that the past says
    about the current letter is its position ``k`` in the word (its letters are
    uniform noise), and it ends the word with probability ``hazard[k - 1]``
    (:func:`word_end_hazard`). The best guess is 1 where that is above 1/2.

    Parameters
    ----------
    tokens : ndarray of int, shape (N, T)
        Padded token ids.
    length_probs : array_like, shape (K,)
        The generator's ``length_probs``.

    Returns
    -------
    ndarray of int64, shape (N, T)
        1 at the letters whose hazard is above 1/2, 0 elsewhere.
    """
    h = word_end_hazard(length_probs)
    k = position_in_word(tokens)
    if k.max() > h.size:
        raise ValueError(f"tokens hold a word longer than len(length_probs) = {h.size}")
    guess = np.concatenate([[0], (h > 0.5).astype(np.int64)])  # index 0: spaces and padding
    return guess[k]


def causal_word_end_accuracy(length_probs=WORD_LENGTH_PROBS):
    """Expected accuracy over letters of :func:`causal_word_end_tags`.

    A word has its ``k``-th letter with probability ``P(L >= k)``, and the best
    guess there is right with probability ``max(h_k, 1 - h_k)``; a word has
    ``E[L]`` letters on average, so the accuracy per letter is
    ``sum_k P(L >= k) max(h_k, 1 - h_k) / E[L]``. No predictor that reads
    only the past does better in expectation.

    Parameters
    ----------
    length_probs : array_like, shape (K,)

    Returns
    -------
    float
    """
    p = _check_probs("length_probs", length_probs)
    h = word_end_hazard(p)
    at_least = p[::-1].cumsum()[::-1]
    mean_length = float(np.arange(1, p.size + 1) @ p)
    return float(at_least @ np.maximum(h, 1 - h) / mean_length)
