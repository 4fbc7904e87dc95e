"""rnnlib.torch_lm and rnnlib.lm_runs: the PyTorch language model against the NumPy one."""

import numpy as np
import pytest
import torch

from rnnlib import charlm, lm_runs, torch_lm
from rnnlib.grammar import ALPHABET, embedded_reber_stream, ideal_bits

V, E, H = 7, 3, 5


def numpy_model(rng):
    params = charlm.init_charlm(V, E, H, rng)
    model = torch_lm.CharLM(V, E, H, cell="rnn", num_layers=1, dtype=torch.float64)
    return params, torch_lm.load_numpy_charlm(model, params)


@pytest.fixture
def text_ids():
    return charlm.encode(embedded_reber_stream(20, np.random.default_rng(3)), ALPHABET)


def test_copied_rnn_has_the_numpy_loss_and_gradients(rng):
    params, model = numpy_model(rng)
    ids, targets = rng.integers(V, size=(4, 6)), rng.integers(V, size=(4, 6))
    h0 = rng.standard_normal((4, H))
    loss, grads, h_last = charlm.charlm_loss(params, ids, targets, h0)
    logits, h_n = model(torch.from_numpy(ids), torch.from_numpy(h0[None]))
    t_loss = torch_lm.lm_loss(logits, torch.from_numpy(targets))
    t_loss.backward()
    assert t_loss.item() == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(h_n[0].detach().numpy(), h_last, rtol=1e-12, atol=1e-14)
    t_grads = torch_lm.numpy_charlm_grads(model)
    assert set(t_grads) == set(grads)
    for name in grads:
        np.testing.assert_allclose(t_grads[name], grads[name], rtol=1e-10, atol=1e-13)
    assert np.all(model.core.bias_hh_l0.detach().numpy() == 0)
    assert model.core.bias_hh_l0.grad is None  # frozen: trains like NumPy's single bh


def test_load_does_not_change_params_and_copies(rng):
    params, model = numpy_model(rng)
    before = {k: v.copy() for k, v in params.items()}
    with torch.no_grad():
        model.embedding.weight.add_(1.0)
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])


def test_bits_per_char_agrees_with_numpy(rng, text_ids):
    params, model = numpy_model(rng)
    assert torch_lm.bits_per_char(model, text_ids) == pytest.approx(
        charlm.bits_per_char(params, text_ids), rel=1e-12)


def test_position_bits_agree_with_numpy_and_average_to_bits_per_char(rng, text_ids):
    params, model = numpy_model(rng)
    mine = torch_lm.position_bits(model, text_ids)
    assert mine.shape == (text_ids.size - 1,)
    np.testing.assert_allclose(mine, charlm.position_bits(params, text_ids), rtol=1e-12)
    assert mine.mean() == pytest.approx(torch_lm.bits_per_char(model, text_ids), rel=1e-12)
    lstm = torch_lm.seeded_charlm(0, V, E, H)
    assert torch_lm.position_bits(lstm, text_ids).mean() == pytest.approx(
        torch_lm.bits_per_char(lstm, text_ids), rel=1e-6)


def test_seed_offset_uses_its_own_stream():
    draws = [torch_lm.seed_offset(s, 1000) for s in range(3)]
    assert draws == [int(np.random.default_rng([s, 1]).integers(1000)) for s in range(3)]


def test_shapes_of_lstm_and_rnn_states():
    for cell, L in [("lstm", 2), ("rnn", 1), ("rnn", 3)]:
        model = torch_lm.CharLM(V, E, H, cell=cell, num_layers=L)
        logits, state = model(torch.zeros(4, 6, dtype=torch.long))
        assert logits.shape == (4, 6, V)
        states = state if cell == "lstm" else (state,)
        assert len(states) == (2 if cell == "lstm" else 1)
        assert all(s.shape == (L, 4, H) for s in states)


def test_detach_keeps_values_and_cuts_the_graph():
    model = torch_lm.CharLM(V, E, H)
    _, state = model(torch.zeros(2, 3, dtype=torch.long))
    assert all(s.grad_fn is not None for s in state)
    cut = torch_lm.detach_state(state)
    assert all(c.grad_fn is None and not c.requires_grad for c in cut)
    assert all(torch.equal(c, s) for c, s in zip(cut, state))
    assert torch_lm.detach_state(None) is None
    assert torch_lm.detach_state(state[0]).grad_fn is None


def test_training_without_detach_fails_on_the_second_chunk(text_ids):
    torch.manual_seed(0)
    model = torch_lm.CharLM(V, E, H)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        torch_lm.train_lm(model, text_ids, batch_size=2, seq_len=5, epochs=1, lr=0.01,
                          detach=False)


def test_training_with_detach_lowers_the_loss(text_ids):
    model = torch_lm.seeded_charlm(0, V, E, 8)
    before = torch_lm.bits_per_char(model, text_ids)
    losses = torch_lm.train_lm(model, text_ids, batch_size=2, seq_len=10, epochs=5, lr=0.02,
                               clip=1.0)
    n_chunks = len(charlm.tbptt_chunks(text_ids, 2, 10))
    assert losses.shape == (5 * n_chunks,) and np.all(np.isfinite(losses))
    assert torch_lm.bits_per_char(model, text_ids) < before - 0.5


def test_train_lm_carries_the_state_like_numpy(rng, text_ids):
    # One epoch of plain Adam from the same weights, float64: NumPy and PyTorch agree.
    params, model = numpy_model(rng)
    trained, np_losses = charlm.train_charlm(params, text_ids, batch_size=2, seq_len=7,
                                             epochs=1, lr=0.01, clip=1.0)
    t_losses = torch_lm.train_lm(model, text_ids, batch_size=2, seq_len=7, epochs=1, lr=0.01,
                                 clip=1.0)
    np.testing.assert_allclose(t_losses, np_losses, rtol=1e-10)
    np.testing.assert_allclose(model.core.weight_hh_l0.detach().numpy(), trained["Whh"],
                               rtol=1e-9, atol=1e-12)


def test_sample_is_seeded_and_counts(rng):
    model = torch_lm.seeded_charlm(0, V, E, H)
    one = torch_lm.sample(model, ALPHABET, "B", 12, 1.0, np.random.default_rng(1))
    again = torch_lm.sample(model, ALPHABET, "B", 12, 1.0, np.random.default_rng(1))
    assert one == again and len(one) == 12 and set(one) <= set(ALPHABET)
    many = torch_lm.sample(model, ALPHABET, "BT", 9, 0.5, rng, count=3)
    assert len(many) == 3 and all(len(s) == 9 for s in many)
    assert model.training  # put back in the mode it was in


def test_low_temperature_is_greedy():
    model = torch_lm.seeded_charlm(1, V, E, H, cell="rnn", num_layers=1)
    out = torch_lm.sample(model, ALPHABET, "B", 5, 1e-6, np.random.default_rng(0), count=4)
    assert len(set(out)) == 1  # every row takes the most likely letter at every step


def test_seed_offset_is_seeded_and_in_range():
    offsets = [torch_lm.seed_offset(s, 50) for s in range(20)]
    assert all(0 <= o < 50 for o in offsets) and len(set(offsets)) > 5
    assert offsets == [torch_lm.seed_offset(s, 50) for s in range(20)]
    assert torch_lm.seed_offset(3, 1) == 0


def test_runs_train_and_score(text_ids):
    cfg = dict(embed_size=3, hidden_size=6, batch_size=2, seq_len=10, epochs=2, lr=0.02,
               clip=1.0, max_offset=5)
    a = lm_runs.numpy_run(0, text_ids, text_ids, V, **cfg)
    b = lm_runs.torch_run(0, text_ids, text_ids, V, **cfg)
    c = lm_runs.torch_run(0, text_ids, text_ids, V, **cfg)
    assert 0 < a["bits"] < 3 and 0 < b["bits"] < 3
    assert b["bits"] == c["bits"]  # same seed, same run
    assert set(a["params"]) == set(charlm.PARAM_NAMES)


def test_sampled_grammatical_fraction_pools_counts():
    good = "BTBTXSETEBPBPVVEPE"
    frac, n = lm_runs.sampled_grammatical_fraction([good + "BT", "BTBTXXETEBPB"])
    assert (frac, n) == (2 / 3, 3)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: torch_lm.CharLM(0, E, H), "vocab_size"),
        (lambda: torch_lm.CharLM(V, E, H, cell="gru"), "cell"),
        (lambda: torch_lm.CharLM(V, E, H, num_layers=0), "num_layers"),
        (lambda: torch_lm.CharLM(V, E, H)(torch.zeros(3, dtype=torch.long)), "ids"),
        (lambda: torch_lm.load_numpy_charlm(torch_lm.CharLM(V, E, H), {}), "model"),
        (lambda: torch_lm.load_numpy_charlm(torch_lm.CharLM(V, E, H, "rnn", 1), {}), "params"),
        (lambda: torch_lm.load_numpy_charlm(
            torch_lm.CharLM(V, E, H, "rnn", 1),
            charlm.init_charlm(V, E, H + 1, np.random.default_rng(0))), "params"),
        (lambda: torch_lm.numpy_charlm_grads(torch_lm.CharLM(V, E, H, "rnn", 1)), "model"),
        (lambda: torch_lm.detach_state([1]), "state"),
        (lambda: torch_lm.lm_loss(torch.zeros(2, 3, V), torch.zeros(2, 4, dtype=torch.long)),
         "targets"),
        (lambda: torch_lm.train_lm("m", np.arange(5), batch_size=1, seq_len=1, epochs=1,
                                   lr=0.1), "model"),
        (lambda: torch_lm.train_lm(torch_lm.CharLM(V, E, H), np.arange(5) + V, batch_size=1,
                                   seq_len=1, epochs=1, lr=0.1), "ids"),
        (lambda: torch_lm.train_lm(torch_lm.CharLM(V, E, H), np.arange(5), batch_size=1,
                                   seq_len=1, epochs=1, lr=-1.0), "lr"),
        (lambda: torch_lm.train_lm(torch_lm.CharLM(V, E, H), np.arange(5), batch_size=1,
                                   seq_len=1, epochs=1, lr=0.1, clip=0), "clip"),
        (lambda: torch_lm.bits_per_char(torch_lm.CharLM(V, E, H), np.array([1])), "ids"),
        (lambda: torch_lm.position_bits(torch_lm.CharLM(V, E, H), np.array([1, V])), "ids"),
        (lambda: torch_lm.bits_per_char(torch_lm.CharLM(V, E, H), np.array([1, -1])), "ids"),
        (lambda: torch_lm.sample(torch_lm.CharLM(V, E, H), "AB", "A", 3, 1.0,
                                 np.random.default_rng(0)), "vocab"),
        (lambda: torch_lm.sample(torch_lm.CharLM(V, E, H), ALPHABET, "", 3, 1.0,
                                 np.random.default_rng(0)), "prefix"),
        (lambda: torch_lm.sample(torch_lm.CharLM(V, E, H), ALPHABET, "B", 3, 0.0,
                                 np.random.default_rng(0)), "temperature"),
        (lambda: torch_lm.sample(torch_lm.CharLM(V, E, H), ALPHABET, "B", 3, 1.0, 0), "rng"),
        (lambda: torch_lm.sample(torch_lm.CharLM(V, E, H), ALPHABET, "B", 3, 1.0,
                                 np.random.default_rng(0), count=0), "count"),
        (lambda: torch_lm.seed_offset(-1, 5), "seed"),
        (lambda: torch_lm.seed_offset(1, 0), "max_offset"),
        (lambda: lm_runs.sampled_grammatical_fraction("BTE"), "samples"),
        (lambda: lm_runs.numpy_run(0, np.arange(4), np.arange(4), V, embed_size=2,
                                   hidden_size=2, batch_size=1, seq_len=2, epochs=1, lr=0.1,
                                   max_offset=10), "train_ids"),
    ],
)
def test_bad_input_is_a_value_error_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_numpy_run_without_offset_is_chapter_8s_run(text_ids):
    cfg = dict(batch_size=2, seq_len=10, epochs=1, lr=0.02, clip=1.0)
    mine = lm_runs.numpy_run(1, text_ids, text_ids, V, embed_size=3, hidden_size=6, **cfg)
    theirs = charlm.train_and_score(1, text_ids, text_ids, V=V, E=3, H=6, **cfg)
    assert mine["bits"] == theirs["bpc"]


def test_free_choices_are_the_ideal_predictors_bits():
    text = embedded_reber_stream(30, np.random.default_rng(4))
    positions, options = lm_runs.free_choices(text)
    assert positions.size == ideal_bits(text) and options.shape == (positions.size, 2)
    chosen = charlm.encode(text, ALPHABET)[positions]
    assert np.all((options[:, 0] == chosen) | (options[:, 1] == chosen))
    assert np.all(options[:, 0] != options[:, 1])
    # the first choice of every string is its first c: T or P, at index start + 1
    assert text[positions[0]] in "TP" and positions[0] == 1


def test_choice_entropy_is_one_bit_for_a_uniform_model_and_falls_with_temperature():
    text = embedded_reber_stream(10, np.random.default_rng(5))
    uniform = torch_lm.CharLM(V, E, H)
    with torch.no_grad():
        for p in uniform.parameters():
            p.zero_()
    assert lm_runs.choice_entropy(uniform, text, 0.5) == pytest.approx(1.0, abs=1e-12)
    model = torch_lm.seeded_charlm(0, V, E, H)
    with torch.no_grad():
        model.head.bias.copy_(torch.arange(V, dtype=torch.float32))  # prefers later letters
    h = [lm_runs.choice_entropy(model, text, tau) for tau in (0.25, 1.0, 4.0)]
    assert 0 < h[0] < h[1] < h[2] < 1


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: lm_runs.free_choices("BTBTXSETEBX"), "text"),
        (lambda: lm_runs.choice_entropy(torch_lm.CharLM(V, E, H), "BTBTXSETE", 0), "temperature"),
        (lambda: lm_runs.choice_entropy(torch_lm.CharLM(V + 1, E, H), "BTBTXSETE", 1.0),
         "model"),
    ],
)
def test_choice_functions_name_the_bad_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()
