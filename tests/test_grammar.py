import numpy as np
import pytest

from rnnlib import grammar as g


def test_expected_choices_and_entropy_exact():
    # m0 = 6 edges on average (hand solution of the linear system)
    assert g.expected_reber_choices() == pytest.approx(6.0, rel=1e-14)
    assert g.entropy_bits_per_char() == pytest.approx(7 / 12, rel=1e-14)
    assert g.entropy_bits_per_char(remember_c=False) == pytest.approx(8 / 12, rel=1e-14)
    assert g.entropy_bits_per_char(embedded=False) == pytest.approx(6 / 8, rel=1e-14)


def test_generated_strings_are_grammatical_and_entropy_matches_sample(rng):
    strings = [g.embedded_reber_string(rng) for _ in range(4000)]
    assert all(g.is_embedded_reber(s) for s in strings)
    assert set("".join(strings)) == set(g.ALPHABET)
    text = "".join(strings)
    bpc = g.ideal_bits(text) / (len(text) - 1)
    # 4000 strings: the sample rate is within a few hundredths of 7/12
    assert abs(bpc - 7 / 12) < 0.02
    K = [len(s) - 6 for s in strings]
    assert abs(np.mean(K) - 6.0) < 0.3


def test_stream_split_and_grammatical_fraction(rng):
    text = g.embedded_reber_stream(50, rng)
    pieces = g.split_stream(text)
    assert len(pieces) == 50 and "".join(pieces) == text
    assert g.grammatical_fraction(text, complete=True) == (1.0, 50)
    assert g.grammatical_fraction(text) == (1.0, 49)
    # a cut sample: incomplete ends are not judged
    frac, n = g.grammatical_fraction(text[3:-2])
    assert (frac, n) == (1.0, 48)
    bad = "BTBTXETE" + "BPBTSXSEPE"  # the first inner string stops in state 3
    assert g.is_embedded_reber("BPBTSXSEPE")
    assert not g.is_embedded_reber("BTBTSXSEPE")  # c differs
    assert not g.is_embedded_reber("BTBTXETE")
    assert g.is_embedded_reber("BTBTXSETE")
    assert g.grammatical_fraction(bad, complete=True) == (0.5, 2)
    assert np.isnan(g.grammatical_fraction("")[0])


def test_ideal_bits_counts_choices():
    # BTBPVVETE: c (1) + P, V, V (3) = 4 bits
    assert g.ideal_bits("BTBPVVETE") == 4.0
    with pytest.raises(ValueError, match="stream of embedded Reber strings"):
        g.ideal_bits("BTBPVVEPE")


def test_bad_arguments():
    with pytest.raises(ValueError, match="n_strings must be a positive integer"):
        g.embedded_reber_stream(0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="rng must be a numpy.random.Generator"):
        g.reber_string(0)
    with pytest.raises(ValueError, match="text must be a str"):
        g.split_stream(b"BE")


def test_repeat_positions_point_at_the_second_c(rng):
    text = g.embedded_reber_stream(30, rng)
    pos = g.repeat_positions(text)
    assert pos.shape == (30,)
    starts = np.concatenate([[0], np.cumsum([len(p) for p in g.split_stream(text)])[:-1]])
    for p, s in zip(pos, starts):
        assert text[p] == text[s + 1] and text[p] in "TP" and text[p + 1] == "E"
    with pytest.raises(ValueError, match="stream of embedded Reber strings"):
        g.repeat_positions("BTBPVVEPE")
