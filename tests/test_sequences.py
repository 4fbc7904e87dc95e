import numpy as np
import pytest
import torch
from torch.nn.utils.rnn import pad_sequence

from rnnlib.sequences import (
    IGNORE,
    PAD,
    SPACE,
    WORD_LENGTH_PROBS,
    causal_word_end_accuracy,
    causal_word_end_tags,
    decode,
    length_mask,
    pad_sequences,
    position_in_word,
    word_end_data,
    word_end_hazard,
)


def test_pad_sequences_values_and_lengths():
    padded, lengths = pad_sequences([np.array([3, 4, 5]), np.array([6]), np.array([7, 8])])
    np.testing.assert_array_equal(padded, [[3, 4, 5], [6, PAD, PAD], [7, 8, PAD]])
    np.testing.assert_array_equal(lengths, [3, 1, 2])
    assert padded.dtype == np.int64 and lengths.dtype == np.int64


def test_pad_sequences_length_and_pad_value():
    padded, _ = pad_sequences([np.array([1, 2]), np.array([3])], pad=IGNORE, length=4)
    np.testing.assert_array_equal(padded, [[1, 2, IGNORE, IGNORE], [3, IGNORE, IGNORE, IGNORE]])


def test_pad_sequences_equals_torch_pad_sequence(rng):
    seqs = [rng.integers(0, 9, size=n) for n in [5, 2, 7, 1]]
    padded, _ = pad_sequences(seqs, pad=-1)
    expected = pad_sequence([torch.from_numpy(s) for s in seqs], batch_first=True,
                            padding_value=-1)
    np.testing.assert_array_equal(padded, expected.numpy())


def test_pad_sequences_does_not_change_inputs():
    seqs = [np.array([1, 2]), np.array([3])]
    pad_sequences(seqs, length=5)
    np.testing.assert_array_equal(seqs[0], [1, 2])
    np.testing.assert_array_equal(seqs[1], [3])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"seqs": []}, "seqs must hold at least one"),
        ({"seqs": [np.array([1.5, 2.0])]}, r"seqs\[0\] must hold integers"),
        ({"seqs": [np.array([1]), np.zeros((2, 2), dtype=int)]}, r"seqs\[1\] must be a non-empty"),
        ({"seqs": [np.array([], dtype=int)]}, r"seqs\[0\] must be a non-empty"),
        ({"seqs": [np.array([1, 2])], "length": 1}, "length must be at least"),
        ({"seqs": [np.array([1, 2])], "length": 0}, "length must be a positive"),
        ({"seqs": [np.array([1, 2])], "pad": 0.5}, "pad must be an integer"),
        ({"seqs": 5}, "seqs must be a sequence"),
    ],
)
def test_pad_sequences_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        pad_sequences(**kwargs)


def test_length_mask():
    mask = length_mask(np.array([3, 1, 2]))
    np.testing.assert_array_equal(mask, [[1, 1, 1], [1, 0, 0], [1, 1, 0]])
    assert mask.dtype == bool
    assert length_mask([2], T=4).tolist() == [[True, True, False, False]]


@pytest.mark.parametrize(
    ("lengths", "T", "match"),
    [
        (np.array([[1, 2]]), None, "lengths must have shape"),
        (np.array([1.0, 2.0]), None, "lengths must hold integers"),
        (np.array([0, 2]), None, "lengths must all be at least 1"),
        (np.array([3, 2]), 2, "T must be at least"),
        (np.array([], dtype=int), None, "lengths must have shape"),
    ],
)
def test_length_mask_errors(lengths, T, match):
    with pytest.raises(ValueError, match=match):
        length_mask(lengths, T)


def test_word_end_data_structure(rng):
    tokens, tags = word_end_data(200, rng, words=(2, 4), letters=3)
    assert len(tokens) == len(tags) == 200
    for tok, tag in zip(tokens, tags):
        assert tok.shape == tag.shape and tok.dtype == np.int64
        assert set(np.unique(tok)) <= {SPACE, 2, 3, 4}
        np.testing.assert_array_equal(tag == IGNORE, tok == SPACE)  # spaces are not tagged
        nxt = np.append(tok[1:], SPACE)  # the end of the text ends the last word
        np.testing.assert_array_equal(tag[tok != SPACE], (nxt == SPACE)[tok != SPACE])
        n_words = int((tok == SPACE).sum()) + 1
        assert 2 <= n_words <= 4 and tag[-1] == 1 and tok[0] != SPACE


def test_word_end_data_is_seeded_and_follows_length_probs():
    a = word_end_data(50, np.random.default_rng(3))
    b = word_end_data(50, np.random.default_rng(3))
    assert all(np.array_equal(x, y) for x, y in zip(a[0], b[0]))
    tokens, _ = word_end_data(3000, np.random.default_rng(1))
    text = "".join(decode(t) + " " for t in tokens)
    lengths = np.array([len(w) for w in text.split()])
    freq = np.bincount(lengths, minlength=7)[1:] / lengths.size
    np.testing.assert_allclose(freq, WORD_LENGTH_PROBS, atol=0.015)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n": 0}, "n must be a positive"),
        ({"rng": 0}, "rng must be a numpy.random.Generator"),
        ({"length_probs": (0.5, 0.4)}, "length_probs must sum to 1"),
        ({"length_probs": (0.5, 0.5, 0.0)}, "length_probs must sum to 1"),
        ({"length_probs": (1.2, -0.2)}, "length_probs must be a 1-D"),
        ({"words": (3, 2)}, "words must satisfy"),
        ({"words": 2}, "words must be a pair"),
        ({"letters": 27}, "letters must be at most 26"),
    ],
)
def test_word_end_data_errors(kwargs, match):
    args = {"n": 2, "rng": np.random.default_rng(0)} | kwargs
    with pytest.raises(ValueError, match=match):
        word_end_data(**args)


def test_decode():
    assert decode(np.array([2, 3, SPACE, 4, PAD, PAD])) == "ab c.."
    assert decode([2, 3, SPACE, 4], length=2) == "ab"
    with pytest.raises(ValueError, match="tokens must lie in"):
        decode([2, 40])
    with pytest.raises(ValueError, match=r"tokens\[0\] must hold integers"):
        decode([2.0])


def test_position_in_word():
    tokens = np.array([[2, 3, 4, SPACE, 5, PAD], [6, SPACE, 2, 2, 2, 2]])
    np.testing.assert_array_equal(position_in_word(tokens),
                                  [[1, 2, 3, 0, 1, 0], [1, 0, 1, 2, 3, 4]])
    with pytest.raises(ValueError, match="tokens must be an integer array"):
        position_in_word(np.array([2, 3]))


def test_word_end_hazard():
    np.testing.assert_allclose(word_end_hazard((0.25, 0.25, 0.5)), [0.25, 1 / 3, 1.0])
    np.testing.assert_allclose(word_end_hazard(), [0.1, 0.15 / 0.9, 0.3 / 0.75, 0.25 / 0.45,
                                                   0.12 / 0.2, 1.0])
    with pytest.raises(ValueError, match="length_probs must"):
        word_end_hazard("abc")


def test_causal_tags_and_accuracy():
    # default lengths: hazard above 1/2 from the 4th letter on
    tokens = np.array([[2, 2, 2, 2, 2, 2, SPACE, 2, PAD]])
    np.testing.assert_array_equal(causal_word_end_tags(tokens), [[0, 0, 0, 1, 1, 1, 0, 0, 0]])
    # uniform lengths 1..3: hazard 1/3, 1/2, 1 -> right at 2/3, 1/2, 1 of the letters there
    acc = causal_word_end_accuracy((1 / 3, 1 / 3, 1 / 3))
    assert acc == pytest.approx((1 * 2 / 3 + 2 / 3 * 1 / 2 + 1 / 3 * 1) / 2)
    with pytest.raises(ValueError, match="longer than len"):
        causal_word_end_tags(np.array([[2, 2, 2, 2]]), (0.5, 0.5))


def test_causal_accuracy_matches_simulation():
    tokens, tags = word_end_data(4000, np.random.default_rng(2))
    X, _ = pad_sequences(tokens)
    Y, _ = pad_sequences(tags, pad=IGNORE)
    counted = Y != IGNORE
    empirical = np.mean(causal_word_end_tags(X)[counted] == Y[counted])
    assert empirical == pytest.approx(causal_word_end_accuracy(), abs=0.01)
    # no other rule of the position in the word does better on the same data
    k = position_in_word(X)
    for rule in range(64):  # every 0/1 guess per position 1..6
        guess = np.array([0] + [(rule >> j) & 1 for j in range(6)])[k]
        assert np.mean(guess[counted] == Y[counted]) <= empirical + 1e-12
