import numpy as np
import pytest
import torch

from rnnlib.sequences import IGNORE, PAD, pad_sequences, word_end_data
from rnnlib.torch_tagger import (
    Tagger,
    count_parameters,
    masked_accuracy,
    predict_tags,
    seeded_tagger,
    train_tagger,
)


def _batch(rng, n=6):
    tokens, tags = word_end_data(n, rng, words=(1, 3))
    X, lengths = pad_sequences(tokens)
    Y, _ = pad_sequences(tags, pad=IGNORE)
    return torch.from_numpy(X), torch.from_numpy(lengths), torch.from_numpy(Y)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_tagger_equals_each_sequence_alone(rng, cell, bidirectional):
    X, lengths, _ = _batch(rng)
    model = seeded_tagger(0, 7, 4, 5, 3, cell=cell, bidirectional=bidirectional,
                          num_layers=2).double()
    logits = model(X, lengths)  # (N, T, C)
    assert logits.shape == (*X.shape, 3)
    for n, L in enumerate(lengths.tolist()):
        alone = model(X[n : n + 1, :L], lengths[n : n + 1])  # (1, L, C)
        assert torch.allclose(logits[n, :L], alone[0], rtol=0, atol=1e-12)


def test_extra_padding_changes_nothing(rng):
    X, lengths, _ = _batch(rng)
    model = seeded_tagger(1, 7, 4, 5, bidirectional=True).double()
    more = torch.cat([X, torch.full((len(X), 4), PAD)], dim=1)
    mask = torch.arange(X.shape[1])[None] < lengths[:, None]
    a, b = model(X, lengths), model(more, lengths)[:, : X.shape[1]]
    assert torch.equal(a[mask], b[mask])


def test_unpacked_bidirectional_differs_only_for_short_sequences(rng):
    X, lengths, _ = _batch(rng)
    packed = seeded_tagger(2, 7, 4, 5, bidirectional=True).double()
    padded = seeded_tagger(2, 7, 4, 5, bidirectional=True, packed=False).double()
    a, b = packed(X, lengths), padded(X, lengths)
    longest = int(lengths.argmax())
    assert torch.allclose(a[longest], b[longest], rtol=0, atol=1e-12)
    short = int(lengths.argmin())
    assert lengths[short] < X.shape[1]
    assert (a[short, 0] - b[short, 0]).abs().max() > 1e-6  # backward half read the padding


def test_count_parameters():
    model = Tagger(7, 8, 16, 2, cell="rnn", bidirectional=True)
    # embedding 7*8, two directions of (16*8 + 16*16 + 2*16), head 32*2 + 2
    assert count_parameters(model) == 56 + 2 * (128 + 256 + 32) + 66
    with pytest.raises(ValueError, match="model must be a torch.nn.Module"):
        count_parameters("model")


def test_seeded_tagger_is_seeded():
    a, b = seeded_tagger(5, 7, 4, 3), seeded_tagger(5, 7, 4, 3)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert torch.equal(a.embed.weight[PAD], torch.zeros(4))  # padding embeds to zeros


def test_masked_accuracy():
    logits = torch.tensor([[[2.0, 0.0], [0.0, 1.0], [5.0, 0.0]]])  # predicts 0, 1, 0
    targets = torch.tensor([[0, 0, IGNORE]])
    assert masked_accuracy(logits, targets) == 0.5
    assert masked_accuracy(logits, torch.tensor([[0, 1, -1]]), ignore_index=-1) == 1.0
    with pytest.raises(ValueError, match="no position to score"):
        masked_accuracy(logits, torch.full((1, 3), IGNORE))
    with pytest.raises(ValueError, match="targets must be a torch tensor of shape"):
        masked_accuracy(logits, torch.zeros(1, 2, dtype=torch.long))
    with pytest.raises(ValueError, match="logits must be a torch tensor"):
        masked_accuracy(logits[0], targets)


def test_train_tagger_learns_and_is_deterministic():
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    X, lengths, Y = _batch(rng, n=200)
    test = _batch(rng, n=100)
    results = []
    for _ in range(2):
        model = seeded_tagger(0, 7, 8, 8, cell="rnn", bidirectional=True)
        results.append(train_tagger(model, 3, X, lengths, Y, epochs=6, batch_size=20, lr=3e-2,
                                    test_data=test))
    assert results[0]["loss"] == results[1]["loss"]
    assert len(results[0]["loss"]) == 6 * 10
    assert np.mean(results[0]["loss"][-10:]) < 0.5 * results[0]["loss"][0]
    assert results[0]["test_accuracy"] > 0.9  # the next character decides: learnable
    pred = predict_tags(model, *test[:2])
    assert pred.shape == test[0].shape


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"epochs": 0}, "epochs must be a positive"),
        ({"batch_size": 0}, "batch_size must be a positive"),
        ({"lr": -1.0}, "lr must be a positive"),
        ({"seed": -1}, "seed must be a non-negative"),
        ({"model": torch.nn.Linear(2, 2)}, "model must be a Tagger"),
        ({"targets": torch.zeros(3, 2, dtype=torch.long)}, "tokens and targets must have"),
        ({"lengths": torch.ones(2, dtype=torch.long)}, "lengths must have shape"),
        ({"test_data": (1, 2)}, "test_data must be a tuple"),
        ({"lengths": torch.tensor([1, 2, 3, 99])}, r"lengths must lie in \[1, T\]"),
        ({"lengths": torch.tensor([0, 2, 3, 3])}, r"lengths must lie in \[1, T\]"),
        ({"lengths": torch.tensor([1.0, 2.0, 3.0, 3.0])}, "lengths must hold integers"),
    ],
)
def test_train_tagger_errors(kwargs, match):
    X, lengths, Y = _batch(np.random.default_rng(0), n=4)
    args = {"model": Tagger(7, 2, 2), "seed": 0, "tokens": X, "lengths": lengths, "targets": Y,
            "epochs": 1, "batch_size": 2, "lr": 1e-2} | kwargs
    with pytest.raises(ValueError, match=match):
        train_tagger(**args)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"cell": "tcn"}, "cell must be one of"),
        ({"bidirectional": 1}, "bidirectional must be True or False"),
        ({"packed": "yes"}, "packed must be True or False"),
        ({"hidden_size": 0}, "hidden_size must be a positive"),
        ({"num_layers": 0}, "num_layers must be a positive"),
    ],
)
def test_tagger_errors(kwargs, match):
    args = {"vocab_size": 7, "embed_size": 2, "hidden_size": 2} | kwargs
    with pytest.raises(ValueError, match=match):
        Tagger(**args)


def test_forward_errors():
    model = Tagger(7, 2, 2)
    X = torch.ones(2, 3, dtype=torch.long)
    with pytest.raises(ValueError, match="lengths must have shape"):
        model(X, torch.tensor([3, 4]))
    with pytest.raises(ValueError, match="lengths must have shape"):
        model(X, torch.tensor([3]))
    with pytest.raises(ValueError, match="tokens must be a torch tensor"):
        model(X[0], torch.tensor([3]))


def test_train_tagger_rejects_counted_targets_in_the_padding():
    X, lengths, Y = _batch(np.random.default_rng(0), n=4)
    n = int(lengths.argmin())
    assert lengths[n] < X.shape[1]
    bad = Y.clone()
    bad[n, -1] = 0  # a counted target past the end of sequence n
    args = {"model": Tagger(7, 2, 2), "seed": 0, "epochs": 1, "batch_size": 2, "lr": 1e-2}
    with pytest.raises(ValueError, match=rf"targets must equal ignore_index=-100 past .* "
                                         rf"at \[{n}, {X.shape[1] - 1}\]"):
        train_tagger(tokens=X, lengths=lengths, targets=bad, **args)
    with pytest.raises(ValueError, match="test_data: targets must equal ignore_index"):
        train_tagger(tokens=X, lengths=lengths, targets=Y, test_data=(X, lengths, bad), **args)
    with pytest.raises(ValueError, match=r"test_data: lengths must lie in \[1, T\]"):
        train_tagger(tokens=X, lengths=lengths, targets=Y, test_data=(X, lengths + 99, Y),
                     **args)
    shorter = lengths.clone()
    m = int(lengths.argmax())
    shorter[m] -= 1  # shorter than the tagged text: its last letter would count as padding
    assert shorter[m] >= 1
    with pytest.raises(ValueError, match="targets must equal ignore_index"):
        train_tagger(tokens=X, lengths=shorter, targets=Y, **args)


def test_predict_tags_restores_the_mode(rng):
    X, lengths, _ = _batch(rng)
    model = seeded_tagger(0, 7, 4, 5)
    for training in [True, False]:
        model.train(training)
        pred = predict_tags(model, X, lengths)
        assert model.training is training
        assert pred.shape == X.shape and pred.dtype == torch.int64
        with torch.no_grad():
            model.eval()
            assert torch.equal(pred, model(X, lengths).argmax(dim=-1))
    with pytest.raises(ValueError, match="model must be a torch.nn.Module"):
        predict_tags("model", X, lengths)
