"""A character-level language model in NumPy: embedding, RNN, a softmax at every step.

The model reads characters ``x_1 .. x_T`` and predicts, at every step ``t``, the next
character ``x_{t+1}`` (many-to-many)::

    e_t = W_emb[x_t]                                 (embedding, (E,))
    h_t = tanh(Wxh e_t + Whh h_{t-1} + bh)            (RNN, (H,))
    z_t = Why h_t + by                                (logits over the vocabulary, (V,))
    loss = mean_t  -log softmax(z_t)[x_{t+1}]         (cross-entropy, nats)

Parameters are a dict: ``W_emb`` (V, E), ``Wxh`` (H, E), ``Whh`` (H, H), ``bh`` (H,),
``Why`` (V, H), ``by`` (V,), laid out like ``nn.Embedding``, ``nn.RNN`` and
``nn.Linear`` so that they copy into PyTorch unchanged.

Training uses truncated backpropagation through time: the text is cut into ``B``
parallel rows, each row into chunks of ``seq_len`` characters; the hidden state is
carried from one chunk to the next, the gradient is not (:func:`tbptt_chunks`,
:func:`train_charlm`).
"""

from __future__ import annotations

import numpy as np

from rnnlib._check import as_array, check_positive_float, check_positive_int, check_rng
from rnnlib.layers import check_ids, embedding_backward, embedding_forward
from rnnlib.losses import cross_entropy_loss, log_softmax
from rnnlib.optim import adam_init, adam_step, clip_grad_norm
from rnnlib.rnn import rnn_backward, rnn_forward

PARAM_NAMES = ("W_emb", "Wxh", "Whh", "bh", "Why", "by")
LN2 = float(np.log(2.0))


# --- text <-> ids ------------------------------------------------------------------


def char_vocabulary(text):
    """The sorted distinct characters of ``text``, as one string (index = id)."""
    if not isinstance(text, str) or not text:
        raise ValueError("text must be a non-empty str")
    return "".join(sorted(set(text)))


def encode(text, vocab):
    """Ids of the characters of ``text`` in ``vocab``, shape (len(text),), int64."""
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, got {type(text).__name__}")
    index = {c: i for i, c in enumerate(vocab)}
    missing = sorted(set(text) - set(index))
    if missing:
        raise ValueError(f"text holds characters not in vocab: {missing[:10]}")
    return np.fromiter((index[c] for c in text), dtype=np.int64, count=len(text))


def decode(ids, vocab):
    """The characters of integer ``ids`` (any shape, read in C order)."""
    ids = check_ids("ids", ids, len(vocab))
    return "".join(vocab[i] for i in ids.ravel())


# --- counting baselines ---------------------------------------------------------------


def ngram_bits_per_char(train_ids, test_ids, V, order, alpha=1.0):
    """Held-out bits per character of an n-gram model with add-``alpha`` smoothing.

    The model predicts ``x_t`` from the previous ``order - 1`` characters with
    probabilities ``(count(context, x) + alpha) / (count(context) + alpha V)`` counted on
    ``train_ids``. It is scored on ``test_ids[k:]`` with ``k = max(1, order - 1)``: for
    ``order`` 1 and 2 these are the same targets as a language model's
    (``test_ids[1:]``).

    Parameters
    ----------
    train_ids, test_ids : ndarray of int, shape (L,)
    V : int
        Vocabulary size.
    order : int
        1 (unigram: letter frequencies), 2 (bigram), ...
    alpha : float
        Pseudo-count (> 0), so that an unseen pair does not cost infinitely many bits.

    Returns
    -------
    float
        Mean of ``-log2 p(x_t | context)`` over the scored positions.
    """
    V = check_positive_int("V", V)
    order = check_positive_int("order", order)
    alpha = check_positive_float("alpha", alpha)
    tr, te = check_ids("train_ids", train_ids, V), check_ids("test_ids", test_ids, V)
    for name, a in (("train_ids", tr), ("test_ids", te)):
        if a.ndim != 1 or a.size < order + 1:
            raise ValueError(f"{name} must have shape (L,) with L > order, got {a.shape}")
    k = order - 1

    def codes(a):  # one integer per (context, next) window
        L = a.size - k
        c = np.zeros(L, dtype=np.int64)
        for j in range(order):
            c = c * V + a[j : j + L]
        return c

    counts = np.bincount(codes(tr), minlength=V**order).reshape(-1, V).astype(float)
    probs = (counts + alpha) / (counts.sum(axis=1, keepdims=True) + alpha * V)
    start = max(1, k)
    c = codes(te)[start - k :]
    logp = np.log2(probs.reshape(-1))[c]
    return float(-logp.mean())


# --- the model ------------------------------------------------------------------------


def init_charlm(V, E, H, rng):
    """Initialise like PyTorch: ``W_emb`` standard normal (``nn.Embedding``), the
    others uniform in ``±1/sqrt(H)`` (``nn.RNN``; the output layer too).

    Returns
    -------
    dict
        The six parameters named in the module docstring.
    """
    V, E, H = (check_positive_int(n, v) for n, v in (("V", V), ("E", E), ("H", H)))
    rng = check_rng("rng", rng)
    k = 1.0 / np.sqrt(H)
    params = {"W_emb": rng.standard_normal((V, E))}
    for name, shape in (("Wxh", (H, E)), ("Whh", (H, H)), ("bh", (H,)), ("Why", (V, H)),
                        ("by", (V,))):
        params[name] = rng.uniform(-k, k, size=shape)
    return params


def _check_params(params):
    if not isinstance(params, dict) or set(params) != set(PARAM_NAMES):
        got = sorted(params) if isinstance(params, dict) else type(params).__name__
        raise ValueError(f"params must be a dict with keys {list(PARAM_NAMES)}, got {got}")
    p = {k: as_array(f"params[{k!r}]", v) for k, v in params.items()}
    V, E = p["W_emb"].shape if p["W_emb"].ndim == 2 else (None, None)
    H = p["Whh"].shape[0] if p["Whh"].ndim == 2 else None
    expected = {"W_emb": (V, E), "Wxh": (H, E), "Whh": (H, H), "bh": (H,), "Why": (V, H),
                "by": (V,)}
    for k, shape in expected.items():
        if None in shape or p[k].shape != shape:
            raise ValueError(
                f"params[{k!r}] must have shape {shape} for V={V}, E={E}, H={H}, "
                f"got {p[k].shape}"
            )
    return p


def charlm_forward(params, ids, h0):
    """Logits for the next character at every step.

    Parameters
    ----------
    params : dict
    ids : ndarray of int, shape (N, T)
        Input characters.
    h0 : ndarray, shape (N, H)
        Hidden state before the first character (the last state of the previous chunk
        in truncated BPTT, zeros at the start of a text).

    Returns
    -------
    logits : ndarray, shape (N, T, V)
    h_last : ndarray, shape (N, H)
    cache : tuple
        For :func:`charlm_backward`.
    """
    p = _check_params(params)
    emb, c_emb = embedding_forward(ids, p["W_emb"])
    hs, c_rnn = rnn_forward(emb, h0, p["Wxh"], p["Whh"], p["bh"])
    logits = hs @ p["Why"].T + p["by"]
    return logits, hs[:, -1], (c_emb, c_rnn, hs, p["Why"])


def charlm_backward(dlogits, cache):
    """Backward pass of :func:`charlm_forward`: a loss at every step.

    The output layer sends ``dlogits[:, t] @ Why`` into every hidden state ``h_t``;
    :func:`rnnlib.rnn.rnn_backward` adds it to the gradient arriving from step
    ``t + 1`` (many-to-many BPTT).

    Parameters
    ----------
    dlogits : ndarray, shape (N, T, V)
    cache : tuple

    Returns
    -------
    grads : dict
        Same keys and shapes as ``params``.
    dh0 : ndarray, shape (N, H)
        Gradient on the initial state (dropped at a chunk boundary in truncated BPTT).
    """
    c_emb, c_rnn, hs, Why = cache
    dlogits = as_array("dlogits", dlogits)
    if dlogits.shape != (*hs.shape[:2], Why.shape[0]):
        raise ValueError(
            f"dlogits must have shape (N, T, V) = {(*hs.shape[:2], Why.shape[0])}, "
            f"got {dlogits.shape}"
        )
    dWhy = np.einsum("ntv,nth->vh", dlogits, hs)
    dby = dlogits.sum(axis=(0, 1))
    dhs = dlogits @ Why
    demb, dh0, dWxh, dWhh, dbh = rnn_backward(dhs, c_rnn)
    dW_emb = embedding_backward(demb, c_emb)
    grads = {"W_emb": dW_emb, "Wxh": dWxh, "Whh": dWhh, "bh": dbh, "Why": dWhy, "by": dby}
    return grads, dh0


def charlm_loss(params, ids, targets, h0):
    """Mean cross-entropy (nats) of predicting ``targets`` and its gradients.

    Parameters
    ----------
    params : dict
    ids, targets : ndarray of int, shape (N, T)
        Inputs and next characters (``targets[:, t] = ids[:, t + 1]`` within a text).
    h0 : ndarray, shape (N, H)

    Returns
    -------
    loss : float
    grads : dict
    h_last : ndarray, shape (N, H)
    """
    logits, h_last, cache = charlm_forward(params, ids, h0)
    loss, dlogits = cross_entropy_loss(logits, targets)
    grads, _ = charlm_backward(dlogits, cache)
    return loss, grads, h_last


# --- truncated BPTT -------------------------------------------------------------------


def tbptt_chunks(ids, batch_size, seq_len):
    """Cut a text into ``batch_size`` rows and the rows into chunks of ``seq_len``.

    Row ``b`` is one contiguous stretch of the text, so chunk ``k + 1`` of a row
    continues chunk ``k``: the last hidden state of a chunk is the right initial
    state of the next one.

    Parameters
    ----------
    ids : ndarray of int, shape (L,)
    batch_size, seq_len : int

    Returns
    -------
    list of (x, y)
        ``x`` and ``y`` of shape (batch_size, seq_len) (the last chunk may be
        shorter), ``y`` the next characters of ``x``.
    """
    ids = np.asarray(ids)
    if ids.ndim != 1:
        raise ValueError(f"ids must have shape (L,), got {ids.shape}")
    B = check_positive_int("batch_size", batch_size)
    S = check_positive_int("seq_len", seq_len)
    n = (ids.size - 1) // B
    if n < 1:
        raise ValueError(f"ids must hold more than batch_size={B} characters, got {ids.size}")
    X = ids[: B * n].reshape(B, n)
    Y = ids[1 : B * n + 1].reshape(B, n)
    return [(X[:, s : s + S], Y[:, s : s + S]) for s in range(0, n, S)]


def train_charlm(params, ids, *, batch_size, seq_len, epochs, lr, clip=None, progress=None):
    """Train with Adam and truncated BPTT, the state carried between chunks.

    Parameters
    ----------
    params : dict
        Initial parameters (not modified).
    ids : ndarray of int, shape (L,)
        The training text.
    batch_size, seq_len, epochs : int
    lr : float
        Adam learning rate.
    clip : float or None
        Clip the global gradient norm to this value.
    progress : callable or None
        Wraps the range of epochs (for example ``tqdm.auto.trange``-like
        ``lambda n: tqdm(range(n))``).

    Returns
    -------
    params : dict
        Trained parameters.
    losses : ndarray, shape (updates,)
        Training loss of every chunk, in nats.
    """
    params = _check_params(params)
    epochs = check_positive_int("epochs", epochs)
    lr = check_positive_float("lr", lr)
    chunks = tbptt_chunks(ids, batch_size, seq_len)
    check_ids("ids", ids, params["W_emb"].shape[0])
    H = params["Whh"].shape[0]
    state = adam_init(params)
    losses = []
    epoch_range = range(epochs) if progress is None else progress(epochs)
    for _ in epoch_range:
        h = np.zeros((chunks[0][0].shape[0], H))
        for x, y in chunks:
            loss, grads, h = charlm_loss(params, x, y, h)  # h: carried, no gradient back
            if clip is not None:
                grads, _ = clip_grad_norm(grads, clip)
            params, state = adam_step(params, grads, state, lr=lr)
            losses.append(loss)
    return params, np.asarray(losses)


def bits_per_char(params, ids):
    """Mean ``-log2 p(x_{t+1} | x_1..x_t)`` over a whole text, read in one pass.

    The text is one sequence (N = 1) from a zero state, so every character is
    predicted from everything before it, as :func:`rnnlib.grammar.ideal_bits`
    assumes. Perplexity is ``2 ** bits_per_char``.

    Parameters
    ----------
    params : dict
    ids : ndarray of int, shape (L,)

    Returns
    -------
    float
    """
    return float(np.mean(position_bits(params, ids)))


def position_bits(params, ids):
    """``-log2 p(x_{t+1} | x_1..x_t)`` at every position of a text, read in one pass.

    Parameters
    ----------
    params : dict
    ids : ndarray of int, shape (L,)

    Returns
    -------
    ndarray, shape (L - 1,)
        Entry ``t`` is the cost of predicting ``ids[t + 1]``; its mean is
        :func:`bits_per_char`.
    """
    ids = np.asarray(ids)
    if ids.ndim != 1 or ids.size < 2:
        raise ValueError(f"ids must have shape (L,) with L >= 2, got {ids.shape}")
    p = _check_params(params)
    logits, _, _ = charlm_forward(p, ids[None, :-1], np.zeros((1, p["Whh"].shape[0])))
    logp = log_softmax(logits[0])  # (L - 1, V)
    return -logp[np.arange(ids.size - 1), ids[1:]] / LN2


# --- sampling -------------------------------------------------------------------------


def sample(params, vocab, prefix, n, temperature, rng):
    """Generate ``n`` characters after ``prefix``, drawing each from
    ``softmax(z / temperature)``.

    Temperature 1 samples the model's own distribution; below 1 sharpens it toward
    the most likely character (the limit 0 is greedy decoding); above 1 flattens it
    toward uniform.

    Parameters
    ----------
    params : dict
    vocab : str
    prefix : str
        At least one character; the model reads it before generating.
    n : int
    temperature : float (> 0)
    rng : numpy.random.Generator

    Returns
    -------
    str
        The ``n`` generated characters (without the prefix).
    """
    p = _check_params(params)
    n = check_positive_int("n", n)
    temperature = check_positive_float("temperature", temperature)
    rng = check_rng("rng", rng)
    if len(vocab) != p["W_emb"].shape[0]:
        raise ValueError(f"vocab must have V={p['W_emb'].shape[0]} characters, got {len(vocab)}")
    if not isinstance(prefix, str) or not prefix:
        raise ValueError("prefix must be a non-empty str")
    ids = encode(prefix, vocab)
    logits, h, _ = charlm_forward(p, ids[None, :], np.zeros((1, p["Whh"].shape[0])))
    z = logits[0, -1]
    out = []
    for _ in range(n):
        probs = np.exp(log_softmax(z / temperature))
        nxt = int(np.searchsorted(np.cumsum(probs), rng.random() * probs.sum(), side="right"))
        nxt = min(nxt, len(vocab) - 1)
        out.append(vocab[nxt])
        logits, h, _ = charlm_forward(p, np.array([[nxt]]), h)
        z = logits[0, -1]
    return "".join(out)


def train_and_score(seed, train_ids, test_ids, *, V, E, H, batch_size, seq_len, epochs, lr,
                    clip=None):
    """Initialise from ``seed``, train with :func:`train_charlm`, score the test text.

    The seed fixes the initial weights; the chunks are visited in the same order in
    every run (the text's order), so the seed is the only source of randomness.

    Parameters
    ----------
    seed : int
    train_ids, test_ids : ndarray of int, shape (L,)
    V, E, H : int
        Vocabulary, embedding and hidden sizes.
    batch_size, seq_len, epochs : int
    lr : float
    clip : float or None

    Returns
    -------
    dict
        ``params`` (trained), ``losses`` (training loss per update, nats) and
        ``bpc`` (held-out bits per character, :func:`bits_per_char`).
    """
    params = init_charlm(V, E, H, np.random.default_rng(seed))
    params, losses = train_charlm(params, train_ids, batch_size=batch_size, seq_len=seq_len,
                                  epochs=epochs, lr=lr, clip=clip)
    return {"params": params, "losses": losses, "bpc": bits_per_char(params, test_ids)}
