"""The embedded Reber grammar: a generated language whose entropy is known exactly.

A Reber string walks the graph below from state 0 to state 5, emitting a letter on
every edge; every state 0-4 has two outgoing edges, taken with probability 1/2 each
(Reber, 1967; used by Hochreiter and Schmidhuber, 1997)::

    0 --T--> 1   0 --P--> 2
    1 --S--> 1   1 --X--> 3
    2 --T--> 2   2 --V--> 4
    3 --X--> 2   3 --S--> 5
    4 --P--> 3   4 --V--> 5

framed by ``B`` and ``E``. An *embedded* Reber string is ``B c <Reber string> c E``
with ``c`` one of ``T`` or ``P`` (probability 1/2 each), the same letter on both
sides: a model predicts the second ``c`` only if it remembers the first across the
whole inner string. A *stream* is embedded strings written one after the other.

Every random choice is one of two equally likely letters, so an ideal predictor pays
exactly one bit per choice and nothing for the other letters. That makes the entropy
of the source, the best loss any model can reach, a number we can compute
(:func:`entropy_bits_per_char`).
"""

from __future__ import annotations

import numpy as np

from rnnlib._check import check_positive_int, check_rng

# state -> ((letter, next state), (letter, next state)); state 5 is final
REBER_EDGES = {
    0: (("T", 1), ("P", 2)),
    1: (("S", 1), ("X", 3)),
    2: (("T", 2), ("V", 4)),
    3: (("X", 2), ("S", 5)),
    4: (("P", 3), ("V", 5)),
}
FINAL = 5
ALPHABET = "BEPSTVX"


def reber_string(rng):
    """One Reber string, ``B`` ... ``E``.

    Parameters
    ----------
    rng : numpy.random.Generator

    Returns
    -------
    str
    """
    rng = check_rng("rng", rng)
    state, out = 0, ["B"]
    while state != FINAL:
        letter, state = REBER_EDGES[state][int(rng.integers(2))]
        out.append(letter)
    out.append("E")
    return "".join(out)


def embedded_reber_string(rng):
    """One embedded Reber string ``B c <Reber string> c E``, ``c`` in {T, P}."""
    rng = check_rng("rng", rng)
    c = "TP"[int(rng.integers(2))]
    return "B" + c + reber_string(rng) + c + "E"


def embedded_reber_stream(n_strings, rng):
    """``n_strings`` embedded Reber strings written one after the other.

    Parameters
    ----------
    n_strings : int
        Number of strings (>= 1).
    rng : numpy.random.Generator

    Returns
    -------
    str
    """
    n = check_positive_int("n_strings", n_strings)
    rng = check_rng("rng", rng)
    return "".join(embedded_reber_string(rng) for _ in range(n))


def expected_reber_choices():
    """Expected number of edges (= binary choices) of a Reber string.

    Solves ``m[s] = 1 + (m[a] + m[b]) / 2`` for the expected number of steps ``m[s]``
    from state ``s`` to the final state (``m[5] = 0``), and returns ``m[0]``.
    """
    A = np.eye(FINAL)
    rhs = np.ones(FINAL)
    for s, edges in REBER_EDGES.items():
        for _, nxt in edges:
            if nxt != FINAL:
                A[s, nxt] -= 0.5
    return float(np.linalg.solve(A, rhs)[0])


def entropy_bits_per_char(embedded=True, remember_c=True):
    """Entropy rate of a stream of (embedded) Reber strings, in bits per character.

    A string with ``K`` edges has ``K + 2`` letters (``K + 6`` embedded) and ``K``
    binary choices (``K + 1`` embedded: the first ``c`` too). Over a long stream the
    bits per character tend to ``E[choices] / E[letters]`` (the renewal-reward
    theorem), with ``E[K]`` from :func:`expected_reber_choices`.

    Parameters
    ----------
    embedded : bool
        Embedded strings (the default) or plain Reber strings.
    remember_c : bool
        If False, the rate of a predictor that knows the grammar but has forgotten
        the first ``c`` when it reaches the second one: it pays one more bit per
        embedded string.

    Returns
    -------
    float
    """
    K = expected_reber_choices()
    if not embedded:
        return K / (K + 2)
    return (K + 1 + (0 if remember_c else 1)) / (K + 6)


def _reber_choices(inner):
    """Number of edges of Reber string ``inner`` (``B...E``), or None if invalid."""
    if len(inner) < 2 or inner[0] != "B" or inner[-1] != "E":
        return None
    state = 0
    for letter in inner[1:-1]:
        nxt = dict(REBER_EDGES.get(state, ())).get(letter)
        if nxt is None:
            return None
        state = nxt
    return len(inner) - 2 if state == FINAL else None


def is_embedded_reber(s):
    """True if ``s`` is exactly one embedded Reber string."""
    return (
        isinstance(s, str)
        and len(s) >= 6
        and s[0] == "B"
        and s[-1] == "E"
        and s[1] in "TP"
        and s[-2] == s[1]
        and _reber_choices(s[2:-2]) is not None
    )


def split_stream(text):
    """Cut a stream into its strings, at every ``E`` followed by ``B``.

    In a valid stream ``EB`` occurs only between two embedded strings (inside one, a
    ``B`` follows ``T`` or ``P``), so the cut is unambiguous. The first and last
    pieces of a sample taken from the middle of a stream may be incomplete.

    Parameters
    ----------
    text : str

    Returns
    -------
    list of str
    """
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, got {type(text).__name__}")
    pieces, start = [], 0
    for i in range(len(text) - 1):
        if text[i] == "E" and text[i + 1] == "B":
            pieces.append(text[start : i + 1])
            start = i + 1
    pieces.append(text[start:])
    return [p for p in pieces if p]


def ideal_bits(text):
    """Bits an ideal predictor pays on ``text[1:]`` given everything before.

    ``text`` must be a stream of whole embedded Reber strings; every string costs
    ``1 + K`` bits (its two-way choices), every other letter costs nothing, and the
    first ``B`` is given (only ``text[1:]`` is predicted, as for a language model).

    Returns
    -------
    float
        Total bits (divide by ``len(text) - 1`` for bits per character).
    """
    total = 0
    for piece in split_stream(text):
        if not is_embedded_reber(piece):
            raise ValueError(f"text must be a stream of embedded Reber strings, found {piece!r}")
        total += 1 + _reber_choices(piece[2:-2])
    return float(total)


def repeat_positions(text):
    """Indices in ``text`` of the second ``c`` of every embedded string.

    ``text`` must be a stream of whole embedded Reber strings. The second ``c`` is
    the one letter an ideal predictor can only get right by remembering the first.

    Returns
    -------
    ndarray of int, shape (n_strings,)
    """
    out, start = [], 0
    for piece in split_stream(text):
        if not is_embedded_reber(piece):
            raise ValueError(f"text must be a stream of embedded Reber strings, found {piece!r}")
        out.append(start + len(piece) - 2)
        start += len(piece)
    return np.array(out, dtype=np.int64)


def grammatical_fraction(text, complete=False):
    """Share of the strings in a sampled ``text`` that are grammatical.

    The first piece is left out unless the text starts with ``B``, and the last one
    unless ``complete`` is True: a sample that stops after ``n`` letters usually
    cuts its last string short.

    Parameters
    ----------
    text : str
    complete : bool
        True if ``text`` ends where a string ends (for example a whole stream).

    Returns
    -------
    fraction : float
        Grammatical strings / strings judged (NaN if there are none).
    n_judged : int
    """
    pieces = split_stream(text)
    if pieces and not text.startswith("B"):
        pieces = pieces[1:]
    if pieces and not complete:
        pieces = pieces[:-1]
    if not pieces:
        return float("nan"), 0
    ok = sum(is_embedded_reber(p) for p in pieces)
    return ok / len(pieces), len(pieces)
