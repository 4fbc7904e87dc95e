"""A PyTorch sequence tagger for padded batches: one label per real time step.

:class:`Tagger` embeds token ids, runs a recurrent layer (one or both
directions, one or more layers) on the *packed* batch, so that no step reads
padding and the backward direction starts at each sequence's true last step,
and maps every output to class logits::

    e = embed(tokens)                                   # (N, T, E)
    packed = pack_padded_sequence(e, lengths, ...)      # only the real steps
    out, _ = recurrent(packed)
    out, _ = pad_packed_sequence(out, total_length=T)   # (N, T, dirs * H), 0 at padding
    logits = head(out)                                  # (N, T, C)

:func:`seeded_tagger` builds one from a seed, :func:`train_tagger` trains it with
Adam on batches whose order comes from its own seed (so that several runs can
train side by side in threads, see :func:`rnnlib.torch_runs.train_in_threads`),
and :func:`masked_accuracy` scores it on the positions that count.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnnlib._check import check_positive_float, check_positive_int
from rnnlib.sequences import IGNORE, PAD
from rnnlib.torch_models import CELLS
from rnnlib.torch_runs import _check_seed


class Tagger(nn.Module):
    """Embedding, recurrent layer on the packed batch, linear head at every step.

    Parameters
    ----------
    vocab_size : int
        ``V``: token ids lie in [0, V); id ``PAD`` embeds to zeros.
    embed_size : int
        ``E``.
    hidden_size : int
        ``H``, per direction.
    num_classes : int
        ``C``.
    cell : {"rnn", "lstm", "gru"}
    bidirectional : bool
        Read each sequence forwards and backwards; the head then sees ``2H``
        features per step.
    num_layers : int
        Stacked recurrent layers.
    packed : bool
        Run the recurrent layer on the packed batch (the default). With
        ``False`` it runs on the padded batch, padding included: the forward
        direction's outputs at real steps are the same, but the backward
        direction of a shorter sequence starts in its padding.
    """

    def __init__(self, vocab_size, embed_size, hidden_size, num_classes=2, *, cell="gru",
                 bidirectional=False, num_layers=1, packed=True):
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
        if not isinstance(bidirectional, bool):
            raise ValueError(f"bidirectional must be True or False, got {bidirectional!r}")
        if not isinstance(packed, bool):
            raise ValueError(f"packed must be True or False, got {packed!r}")
        self.packed = packed
        V = check_positive_int("vocab_size", vocab_size)
        E = check_positive_int("embed_size", embed_size)
        H = check_positive_int("hidden_size", hidden_size)
        C = check_positive_int("num_classes", num_classes)
        layers = check_positive_int("num_layers", num_layers)
        self.embed = nn.Embedding(V, E, padding_idx=PAD)
        self.recurrent = CELLS[cell](E, H, num_layers=layers, batch_first=True,
                                     bidirectional=bidirectional)
        self.head = nn.Linear(H * (2 if bidirectional else 1), C)

    def forward(self, tokens, lengths):
        """Logits at every position.

        Parameters
        ----------
        tokens : torch.Tensor of int64, shape (N, T)
            Padded token ids.
        lengths : torch.Tensor or array_like of int, shape (N,)
            Real length of every sequence, 1 to T.

        Returns
        -------
        torch.Tensor, shape (N, T, C)
            Logits; at padded positions (packed) they are the head's bias (ignore them).
        """
        if not isinstance(tokens, torch.Tensor) or tokens.ndim != 2:
            raise ValueError("tokens must be a torch tensor of shape (N, T)")
        lengths = torch.as_tensor(lengths).to("cpu", torch.int64)  # packing wants them on the CPU
        N, T = tokens.shape
        if lengths.shape != (N,) or lengths.min() < 1 or lengths.max() > T:
            raise ValueError(f"lengths must have shape (N,) = ({N},) with values in [1, {T}]")
        e = self.embed(tokens)  # (N, T, E)
        if not self.packed:
            return self.head(self.recurrent(e)[0])  # (N, T, C)
        packed = pack_padded_sequence(e, lengths, batch_first=True, enforce_sorted=False)
        out, _ = self.recurrent(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=T)  # (N, T, dirs * H)
        return self.head(out)  # (N, T, C)


def count_parameters(model):
    """Number of trainable parameters of ``model``."""
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def seeded_tagger(seed, vocab_size, embed_size, hidden_size, num_classes=2, *, cell="gru",
                  bidirectional=False, num_layers=1, packed=True, device=None):
    """A :class:`Tagger` whose initial weights come from ``torch.manual_seed(seed)``.

    Build the taggers of several runs one after the other, in one thread:
    ``torch.manual_seed`` seeds a generator that all threads share.

    Parameters
    ----------
    seed : int
    vocab_size, embed_size, hidden_size, num_classes, cell, bidirectional, num_layers, packed
        As for :class:`Tagger`.
    device : torch.device or str, optional

    Returns
    -------
    Tagger
    """
    seed = _check_seed(seed)
    torch.manual_seed(seed)
    model = Tagger(vocab_size, embed_size, hidden_size, num_classes, cell=cell,
                   bidirectional=bidirectional, num_layers=num_layers, packed=packed)
    return model.to(device) if device is not None else model


def _check_batch(tokens, lengths, targets, ignore_index=IGNORE):
    """Check a padded batch; return its lengths as int64 on the CPU.

    The lengths must lie in [1, T], and every target past a sequence's length
    must be ``ignore_index``: a counted target in the padding would make the
    loss and :func:`masked_accuracy` score the logits of padded positions.
    """
    for name, value in [("tokens", tokens), ("targets", targets)]:
        if not isinstance(value, torch.Tensor) or value.ndim != 2:
            raise ValueError(f"{name} must be a torch tensor of shape (N, T)")
    if targets.shape != tokens.shape or len(tokens) == 0:
        raise ValueError(f"tokens and targets must have the same shape (N, T) with N >= 1, got "
                         f"{tuple(tokens.shape)} and {tuple(targets.shape)}")
    lengths = torch.as_tensor(lengths)
    if lengths.shape != (len(tokens),):
        raise ValueError(f"lengths must have shape (N,) = ({len(tokens)},), "
                         f"got {tuple(lengths.shape)}")
    if lengths.dtype == torch.bool or lengths.is_floating_point() or lengths.is_complex():
        raise ValueError(f"lengths must hold integers, got dtype {lengths.dtype}")
    lengths = lengths.to("cpu", torch.int64)
    T = tokens.shape[1]
    if lengths.min() < 1 or lengths.max() > T:
        raise ValueError(f"lengths must lie in [1, T] = [1, {T}], got values from "
                         f"{int(lengths.min())} to {int(lengths.max())}")
    padded = torch.arange(T)[None, :] >= lengths[:, None]  # (N, T): True past each length
    bad = padded & (targets.cpu() != ignore_index)
    if bad.any():
        n, t = (int(i) for i in bad.nonzero()[0])
        raise ValueError(f"targets must equal ignore_index={ignore_index} past each sequence's "
                         f"length, got {int(targets[n, t])} at [{n}, {t}] (lengths[{n}] = "
                         f"{int(lengths[n])}): padded positions would be counted")
    return lengths


def masked_accuracy(logits, targets, ignore_index=IGNORE):
    """Fraction of the counted positions whose arg-max class is the target.

    Parameters
    ----------
    logits : torch.Tensor, shape (N, T, C)
    targets : torch.Tensor of int, shape (N, T)
        Classes, or ``ignore_index`` at positions that do not count.
    ignore_index : int

    Returns
    -------
    float
    """
    if not isinstance(logits, torch.Tensor) or logits.ndim != 3:
        raise ValueError("logits must be a torch tensor of shape (N, T, C)")
    if not isinstance(targets, torch.Tensor) or targets.shape != logits.shape[:2]:
        raise ValueError(f"targets must be a torch tensor of shape (N, T) = "
                         f"{tuple(logits.shape[:2])}")
    counted = targets != ignore_index
    if not counted.any():
        raise ValueError(f"targets has no position to score: all equal ignore_index="
                         f"{ignore_index}")
    right = (logits.argmax(dim=-1) == targets) & counted
    return right.sum().item() / counted.sum().item()


def predict_tags(model, tokens, lengths):
    """Arg-max class at every position, in evaluation mode without gradients.

    The model is put in evaluation mode for the prediction and then back in
    the mode it was in.

    Parameters
    ----------
    model : Tagger
    tokens : torch.Tensor of int64, shape (N, T)
        Padded token ids, on the model's device.
    lengths : torch.Tensor or array_like of int, shape (N,)

    Returns
    -------
    torch.Tensor of int64, shape (N, T)
        At padded positions (packed), the arg-max of the head's bias (ignore them).
    """
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            return model(tokens, lengths).argmax(dim=-1)
    finally:
        model.train(was_training)


def train_tagger(model, seed, tokens, lengths, targets, *, epochs, batch_size, lr,
                 test_data=None):
    """Train a tagger in place with Adam on the cross-entropy over the counted positions.

    Every batch is cut to its longest sequence before it goes into the model.
    The batch order comes from ``torch.Generator().manual_seed(seed)`` and
    nothing else is drawn at random, so the run can share the process with
    others in threads.

    Parameters
    ----------
    model : Tagger
    seed : int
        Seed of the batch order.
    tokens : torch.Tensor of int64, shape (N, T)
        Padded token ids, on the model's device.
    lengths : torch.Tensor of int64, shape (N,)
        Real length of every sequence, 1 to T.
    targets : torch.Tensor of int64, shape (N, T)
        Classes, ``IGNORE`` at positions that do not count; at every padded
        position (``t >= lengths[n]``) it must be ``IGNORE``.
    epochs, batch_size : int
    lr : float
    test_data : tuple (tokens, lengths, targets), optional
        Scored with :func:`masked_accuracy` after training.

    Returns
    -------
    dict
        ``loss``: the training loss of every update (list of float);
        ``test_accuracy`` (float) with ``test_data``.
    """
    if not isinstance(model, Tagger):
        raise ValueError(f"model must be a Tagger, got {type(model).__name__}")
    seed = _check_seed(seed)
    lengths = _check_batch(tokens, lengths, targets)
    epochs = check_positive_int("epochs", epochs)
    batch_size = check_positive_int("batch_size", batch_size)
    lr = check_positive_float("lr", lr)
    if test_data is not None:
        if not isinstance(test_data, tuple) or len(test_data) != 3:
            raise ValueError("test_data must be a tuple (tokens, lengths, targets)")
        try:
            _check_batch(*test_data)
        except ValueError as err:
            raise ValueError(f"test_data: {err}") from None
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    model.train()
    for _ in range(epochs):
        for idx in torch.randperm(len(tokens), generator=gen).split(batch_size):
            T = int(lengths[idx].max())
            logits = model(tokens[idx, :T], lengths[idx])  # (B, T, C)
            loss = F.cross_entropy(logits.transpose(1, 2), targets[idx, :T],
                                   ignore_index=IGNORE)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
    result = {"loss": losses}
    if test_data is not None:
        model.eval()
        with torch.no_grad():
            result["test_accuracy"] = masked_accuracy(model(*test_data[:2]), test_data[2])
    if not np.all(np.isfinite(losses)):
        raise ValueError("training diverged: the loss is not finite (lower lr)")
    return result
