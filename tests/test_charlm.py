"""The NumPy character-level language model: gradients, PyTorch parity, TBPTT, baselines."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from rnnlib import charlm as c
from rnnlib.gradcheck import numerical_gradient, rel_error


@pytest.fixture
def small(rng):
    V, E, H = 5, 3, 4
    params = c.init_charlm(V, E, H, rng)
    ids = rng.integers(0, V, size=(2, 6))
    targets = rng.integers(0, V, size=(2, 6))
    h0 = rng.normal(scale=0.5, size=(2, H))
    return params, ids, targets, h0


def test_gradients_match_finite_differences(small):
    params, ids, targets, h0 = small
    _, grads, _ = c.charlm_loss(params, ids, targets, h0)
    for k in c.PARAM_NAMES:

        def f(v, k=k):
            return c.charlm_loss({**params, k: v}, ids, targets, h0)[0]

        assert rel_error(grads[k], numerical_gradient(f, params[k])) < 1e-7, k


def _torch_model(params):
    V, E = params["W_emb"].shape
    H = params["Whh"].shape[0]
    emb = torch.nn.Embedding(V, E, dtype=torch.float64)
    rnn = torch.nn.RNN(E, H, batch_first=True, dtype=torch.float64)
    lin = torch.nn.Linear(H, V, dtype=torch.float64)
    with torch.no_grad():
        emb.weight.copy_(torch.from_numpy(params["W_emb"]))
        rnn.weight_ih_l0.copy_(torch.from_numpy(params["Wxh"]))
        rnn.weight_hh_l0.copy_(torch.from_numpy(params["Whh"]))
        rnn.bias_ih_l0.copy_(torch.from_numpy(params["bh"]))
        rnn.bias_hh_l0.zero_()
        lin.weight.copy_(torch.from_numpy(params["Why"]))
        lin.bias.copy_(torch.from_numpy(params["by"]))
    return emb, rnn, lin


def test_loss_and_gradients_equal_pytorch(small):
    params, ids, targets, h0 = small
    loss, grads, h_last = c.charlm_loss(params, ids, targets, h0)
    emb, rnn, lin = _torch_model(params)
    out, hn = rnn(emb(torch.from_numpy(ids)), torch.from_numpy(h0)[None])
    logits = lin(out)
    lt = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), torch.from_numpy(targets).ravel())
    lt.backward()
    assert abs(loss - lt.item()) < 1e-12
    np.testing.assert_allclose(h_last, hn[0].detach().numpy(), rtol=0, atol=1e-14)
    pairs = {"W_emb": emb.weight, "Wxh": rnn.weight_ih_l0, "Whh": rnn.weight_hh_l0,
             "bh": rnn.bias_ih_l0, "Why": lin.weight, "by": lin.bias}
    for k, p in pairs.items():
        assert rel_error(grads[k], p.grad.numpy()) < 1e-10, k


def test_dh0_is_the_gradient_on_the_initial_state(small):
    params, ids, targets, h0 = small
    logits, _, cache = c.charlm_forward(params, ids, h0)
    from rnnlib.losses import cross_entropy_loss

    _, dlogits = cross_entropy_loss(logits, targets)
    _, dh0 = c.charlm_backward(dlogits, cache)
    fd = numerical_gradient(lambda h: c.charlm_loss(params, ids, targets, h)[0], h0)
    assert rel_error(dh0, fd) < 1e-7
    with pytest.raises(ValueError, match=r"dlogits must have shape \(N, T, V\)"):
        c.charlm_backward(dlogits[:, :-1], cache)


def test_tbptt_chunks_continue_each_other():
    ids = np.arange(23)
    chunks = c.tbptt_chunks(ids, batch_size=2, seq_len=4)
    # 22 usable characters -> 2 rows of 11 -> chunks of 4, 4, 3
    assert [x.shape for x, _ in chunks] == [(2, 4), (2, 4), (2, 3)]
    rows = np.concatenate([x for x, _ in chunks], axis=1)
    np.testing.assert_array_equal(rows, [np.arange(11), np.arange(11, 22)])
    for x, y in chunks:
        np.testing.assert_array_equal(y, x + 1)
    with pytest.raises(ValueError, match="ids must hold more than batch_size=30"):
        c.tbptt_chunks(ids, 30, 4)
    with pytest.raises(ValueError, match="seq_len must be a positive integer"):
        c.tbptt_chunks(ids, 2, 0)


def test_training_on_a_periodic_text_reaches_near_zero_bits(rng):
    vocab = "abc"
    ids = c.encode("abcab" * 80, vocab)  # after 'b' comes 'c' or 'a' by position: needs memory
    params = c.init_charlm(3, 4, 8, rng)
    before = c.bits_per_char(params, ids)
    trained, losses = c.train_charlm(params, ids, batch_size=4, seq_len=10, epochs=30,
                                     lr=0.05, clip=1.0)
    after = c.bits_per_char(trained, ids)
    assert before > 1.0 and after < 0.1
    assert losses.shape == (30 * 10,)  # 399 // 4 = 99 per row -> 10 chunks per epoch


def test_train_does_not_modify_params(rng):
    params = c.init_charlm(3, 2, 3, rng)
    copy = {k: v.copy() for k, v in params.items()}
    c.train_charlm(params, np.array([0, 1, 2] * 10), batch_size=2, seq_len=5, epochs=1, lr=0.1)
    for k in params:
        np.testing.assert_array_equal(params[k], copy[k])


def test_uniform_model_costs_log2_v_bits():
    params = c.init_charlm(8, 2, 3, np.random.default_rng(0))
    params = {**params, "Why": np.zeros((8, 3)), "by": np.zeros(8)}
    assert c.bits_per_char(params, np.arange(8)) == pytest.approx(3.0, rel=1e-14)


def test_ngram_baselines_on_a_known_text():
    vocab = "ab"
    train = c.encode("ab" * 50, vocab)
    test = c.encode("abab", vocab)
    # unigram: p(a) = p(b) = (50 + 1) / (100 + 2) = 1/2 -> 1 bit
    assert c.ngram_bits_per_char(train, test, 2, 1) == pytest.approx(1.0, rel=1e-14)
    # bigram: p(b|a) = (50 + 1)/(50 + 2), p(a|b) = (49 + 1)/(50 + 2)
    expected = -np.mean(np.log2([51 / 52, 50 / 51, 51 / 52]))
    assert c.ngram_bits_per_char(train, test, 2, 2) == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ValueError, match="order must be a positive integer"):
        c.ngram_bits_per_char(train, test, 2, 0)
    with pytest.raises(ValueError, match=r"test_ids must lie in \[0, V\)"):
        c.ngram_bits_per_char(train, np.array([0, 2, 1]), 2, 1)


def test_encode_decode_round_trip_and_errors():
    text = "hello, world"
    vocab = c.char_vocabulary(text)
    assert vocab == " ,dehlorw"
    ids = c.encode(text, vocab)
    assert ids.dtype == np.int64 and c.decode(ids, vocab) == text
    with pytest.raises(ValueError, match=r"characters not in vocab: \['!'\]"):
        c.encode("hi!", "hi")
    with pytest.raises(ValueError, match="text must be a non-empty str"):
        c.char_vocabulary("")


def test_sample_temperature(rng):
    params = c.init_charlm(4, 3, 5, rng)
    params["by"] = np.array([0.0, 3.0, 0.0, 0.0])
    params["Why"] = np.zeros((4, 5))
    vocab = "abcd"
    cold = c.sample(params, vocab, "a", 200, 0.05, np.random.default_rng(1))
    assert cold == "b" * 200  # near-greedy: always the most likely character
    warm = c.sample(params, vocab, "a", 2000, 1.0, np.random.default_rng(1))
    p_b = np.exp(3) / (np.exp(3) + 3)  # 0.870
    assert abs(warm.count("b") / 2000 - p_b) < 0.03
    hot = c.sample(params, vocab, "a", 2000, 100.0, np.random.default_rng(1))
    assert abs(hot.count("b") / 2000 - 0.25) < 0.04
    same = c.sample(params, vocab, "a", 50, 1.0, np.random.default_rng(1))
    assert same == warm[:50]
    with pytest.raises(ValueError, match="temperature must be a positive number"):
        c.sample(params, vocab, "a", 5, 0.0, rng)
    with pytest.raises(ValueError, match="vocab must have V=4 characters"):
        c.sample(params, "abc", "a", 5, 1.0, rng)
    with pytest.raises(ValueError, match="prefix must be a non-empty str"):
        c.sample(params, vocab, "", 5, 1.0, rng)


def test_bad_params_raise(rng):
    params = c.init_charlm(4, 3, 5, rng)
    with pytest.raises(ValueError, match=r"params\['Why'\] must have shape \(4, 5\)"):
        c.charlm_forward({**params, "Why": np.zeros((4, 4))}, np.zeros((1, 2), int),
                         np.zeros((1, 5)))
    with pytest.raises(ValueError, match="params must be a dict with keys"):
        c.charlm_forward({"W_emb": params["W_emb"]}, np.zeros((1, 2), int), np.zeros((1, 5)))
    with pytest.raises(ValueError, match=r"ids must lie in \[0, V\)"):
        c.charlm_forward(params, np.array([[4]]), np.zeros((1, 5)))


def test_train_and_score_is_seeded_and_scores_the_test_text():
    ids = c.encode("abcab" * 40, "abc")
    kw = dict(V=3, E=2, H=4, batch_size=2, seq_len=5, epochs=2, lr=0.05, clip=1.0)
    r1 = c.train_and_score(3, ids, ids[:50], **kw)
    r2 = c.train_and_score(3, ids, ids[:50], **kw)
    assert r1["bpc"] == r2["bpc"] and r1["losses"].shape == (2 * 20,)
    assert r1["bpc"] == c.bits_per_char(r1["params"], ids[:50])
    assert c.train_and_score(4, ids, ids[:50], **kw)["bpc"] != r1["bpc"]


def test_position_bits_average_to_bits_per_char(rng):
    params = c.init_charlm(4, 3, 5, rng)
    ids = rng.integers(0, 4, size=40)
    bits = c.position_bits(params, ids)
    assert bits.shape == (39,) and np.all(bits > 0)
    assert np.mean(bits) == pytest.approx(c.bits_per_char(params, ids), rel=1e-12)
    with pytest.raises(ValueError, match=r"ids must have shape \(L,\)"):
        c.position_bits(params, ids[:1])
