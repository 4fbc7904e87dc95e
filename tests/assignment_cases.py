"""Submissions of the graded assignments, and what they must score.

Every case is a submission (see ``assignment_tools.submission``): the solution with some
answer cells replaced (``cells``) or edited (``edits``). ``fails`` maps each test cell that
must fail to phrases its message must contain; every other test cell must pass, so the
points lost are exactly those of ``fails``. Shortcuts must score 0 on the task they fake,
and mistakes must lose the points of the part they get wrong, with a message that names the
mistake, and correct answers in other styles than the solution (helpers, prints, a dict
cache, a progress bar that starts a thread) must keep full marks.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Case:
    label: str
    cells: dict = field(default_factory=dict)
    edits: dict = field(default_factory=dict)
    fails: dict = field(default_factory=dict)
    untouched: bool = False
    kind: str = "mistake"  # or "shortcut", "correct", "untouched"
    fakes: tuple = ()  # the answer cells a shortcut fakes (all it changes, by default)


OWN = "must do the computation itself"

A1 = [
    Case("correct (the solution)", kind="correct"),
    Case(
        "untouched student version",
        untouched=True,
        kind="untouched",
        fails={
            "a1_test_rnn_step_forward": ["NotImplementedError"],
            "a1_test_step_backward_tanh": ["Fix Task 1 first"],
            "a1_test_step_backward_products": ["Fix Task 1 first"],
            "a1_test_rnn_forward": ["NotImplementedError"],
            "a1_test_bptt_through_time": ["Fix Task 3 first"],
            "a1_test_bptt_weights": ["Fix Task 3 first"],
        },
    ),
    Case(
        "another correct style: helpers, prints, a backward that runs the forward again",
        cells={
            "a1_rnn_step_forward": (
                "def affine(x, W):\n"
                "    return np.dot(x, W.T)\n\n\n"
                "def rnn_step_forward(x, h_prev, Wxh, Whh, bh):\n"
                "    h = np.tanh(affine(x, Wxh) + affine(h_prev, Whh) + bh)\n"
                "    return h, {'x': x, 'h_prev': h_prev, 'W': (Wxh, Whh, bh)}\n"
            ),
            "a1_rnn_step_backward": (
                "def rnn_step_backward(dh_next, cache):\n"
                "    x, h_prev, (Wxh, Whh, bh) = cache['x'], cache['h_prev'], cache['W']\n"
                "    h_next, _ = rnn_step_forward(x, h_prev, Wxh, Whh, bh)  # again\n"
                "    print('backward of a step, batch', len(x))\n"
                "    da = dh_next * (1 - h_next * h_next)\n"
                "    return (np.dot(da, Wxh), np.dot(da, Whh), np.einsum('nh,nd->hd', da, x),\n"
                "            np.einsum('nh,nk->hk', da, h_prev), np.sum(da, axis=0))\n"
            ),
            "a1_rnn_backward": (
                "def rnn_backward(dhs, cache):\n"
                "    N, T, H = dhs.shape\n"
                "    grads, dh = None, np.zeros((N, H))\n"
                "    dxs = []\n"
                "    for t in range(T - 1, -1, -1):\n"
                "        dx, dh, *dW = rnn_step_backward(dhs[:, t] + dh, cache[t])\n"
                "        dxs.insert(0, dx)\n"
                "        grads = dW if grads is None else [g + d for g, d in zip(grads, dW)]\n"
                "    return (np.stack(dxs, axis=1), dh, *grads)\n"
            ),
        },
        kind="correct",
    ),
    # --- shortcuts ---
    Case(
        "shortcut: from rnnlib.rnn import rnn_step_forward",
        cells={"a1_rnn_step_forward": "from rnnlib.rnn import rnn_step_forward\n"},
        fails={"a1_test_rnn_step_forward": [OWN, "rnnlib.rnn.rnn_step_forward"]},
        kind="shortcut",
    ),
    Case(
        "shortcut: from rnnlib.rnn import rnn_step_backward",
        cells={"a1_rnn_step_backward": "from rnnlib.rnn import rnn_step_backward\n"},
        fails={
            "a1_test_step_backward_tanh": [OWN, "rnnlib.rnn.rnn_step_backward"],
            "a1_test_step_backward_products": [OWN, "rnnlib.rnn.rnn_step_backward"],
        },
        kind="shortcut",
    ),
    Case(
        "shortcut: from rnnlib.rnn import rnn_forward",
        cells={"a1_rnn_forward": "from rnnlib.rnn import rnn_forward\n"},
        # Task 4 runs the student's rnn_backward on the cache of rnn_forward: the library's
        # cache is not the one it expects, so the faked Task 3 costs Task 4 too.
        fails={
            "a1_test_rnn_forward": [OWN, "rnnlib.rnn.rnn_forward"],
            "a1_test_bptt_through_time": ["fix Task 3 first"],
            "a1_test_bptt_weights": ["fix Task 3 first"],
        },
        kind="shortcut",
    ),
    Case(
        "shortcut: from rnnlib.rnn import rnn_backward",
        cells={"a1_rnn_backward": "from rnnlib.rnn import rnn_backward\n"},
        fails={
            "a1_test_bptt_through_time": [OWN, "rnnlib.rnn.rnn_backward"],
            "a1_test_bptt_weights": [OWN, "rnnlib.rnn.rnn_backward"],
        },
        kind="shortcut",
    ),
    Case(
        "shortcut: the four functions imported from rnnlib.rnn",
        cells={
            "a1_rnn_step_forward": "from rnnlib.rnn import rnn_step_forward\n",
            "a1_rnn_step_backward": "from rnnlib.rnn import rnn_step_backward\n",
            "a1_rnn_forward": "from rnnlib.rnn import rnn_forward\n",
            "a1_rnn_backward": "from rnnlib.rnn import rnn_backward\n",
        },
        fails={
            "a1_test_rnn_step_forward": [OWN],
            "a1_test_step_backward_tanh": [OWN],
            "a1_test_step_backward_products": [OWN],
            "a1_test_rnn_forward": [OWN],
            "a1_test_bptt_through_time": [OWN],
            "a1_test_bptt_weights": [OWN],
        },
        kind="shortcut",
    ),
    Case(
        "shortcut: a wrapper around importlib.import_module('rnnlib.rnn')",
        cells={
            "a1_rnn_step_forward": (
                "import importlib\n\n\n"
                "def rnn_step_forward(x, h_prev, Wxh, Whh, bh):\n"
                '    module = importlib.import_module("rnnlib." + "rnn")\n'
                "    return module.rnn_step_forward(x, h_prev, Wxh, Whh, bh)\n"
            )
        },
        fails={"a1_test_rnn_step_forward": [OWN, "while it ran", "rnnlib.rnn.rnn_step_forward"]},
        kind="shortcut",
    ),
    Case(
        "shortcut: BPTT re-exported by another module (rnnlib.models.rnn_backward)",
        cells={
            "a1_rnn_backward": (
                "def rnn_backward(dhs, cache):\n"
                "    import rnnlib.models\n\n"
                "    return rnnlib.models.rnn_backward(dhs, cache)\n"
            )
        },
        fails={
            "a1_test_bptt_through_time": [OWN, "rnnlib.rnn.rnn_backward"],
            "a1_test_bptt_weights": [OWN, "rnnlib.rnn.rnn_backward"],
        },
        kind="shortcut",
    ),
    Case(
        "shortcut: the step with torch.nn.functional",
        cells={
            "a1_rnn_step_forward": (
                "def rnn_step_forward(x, h_prev, Wxh, Whh, bh):\n"
                "    import torch\n\n"
                "    t = torch.from_numpy\n"
                "    h = torch.tanh(torch.nn.functional.linear(t(x), t(Wxh), t(bh))\n"
                "                   + torch.nn.functional.linear(t(h_prev), t(Whh)))\n"
                "    h = h.numpy()\n"
                "    return h, (x, h_prev, h, Wxh, Whh)\n"
            )
        },
        fails={"a1_test_rnn_step_forward": [OWN, "torch"]},
        kind="shortcut",
    ),
    Case(
        "shortcut: the step backward by finite differences (rnnlib.gradcheck)",
        cells={
            "a1_rnn_step_backward": (
                "def rnn_step_backward(dh_next, cache):\n"
                "    x, h_prev, h_next, Wxh, Whh = cache\n"
                "    bh = np.arctanh(h_next) - x @ Wxh.T - h_prev @ Whh.T\n"
                "    args = [x, h_prev, Wxh, Whh, bh.mean(axis=0)]\n"
                "    grads = []\n"
                "    for i in range(5):\n"
                "        def f(v, i=i):\n"
                "            return np.sum(rnn_step_forward(*args[:i], v, *args[i + 1 :])[0]"
                " * dh_next)\n"
                "        grads.append(numerical_gradient(f, args[i]))\n"
                "    return tuple(grads)\n"
            )
        },
        fails={
            "a1_test_step_backward_tanh": [OWN, "numerical_gradient"],
            "a1_test_step_backward_products": [OWN, "numerical_gradient"],
        },
        kind="shortcut",
    ),
    Case(
        "shortcut: the step backward by hand-made finite differences of the forward",
        cells={
            "a1_rnn_step_backward": (
                "def rnn_step_backward(dh_next, cache):\n"
                "    x, h_prev, h_next, Wxh, Whh = cache\n"
                "    bh = (np.arctanh(h_next) - x @ Wxh.T - h_prev @ Whh.T).mean(axis=0)\n"
                "    args = [x, h_prev, Wxh, Whh, bh]\n"
                "    grads = []\n"
                "    for i, a in enumerate(args):\n"
                "        g = np.zeros_like(a)\n"
                "        for k in np.ndindex(a.shape):\n"
                "            up, down = [v.copy() for v in args], [v.copy() for v in args]\n"
                "            up[i][k] += 1e-6\n"
                "            down[i][k] -= 1e-6\n"
                "            diff = rnn_step_forward(*up)[0] - rnn_step_forward(*down)[0]\n"
                "            g[k] = np.sum(diff * dh_next) / 2e-6\n"
                "        grads.append(g)\n"
                "    return tuple(grads)\n"
            )
        },
        fails={
            "a1_test_step_backward_tanh": [OWN, "rnn_step_forward more than 1 time"],
            "a1_test_step_backward_products": [OWN, "rnn_step_forward more than 1 time"],
        },
        kind="shortcut",
    ),
    Case(
        "shortcut: zeros, and assert_match redefined to accept anything",
        cells={
            "a1_rnn_backward": (
                "def rnn_backward(dhs, cache):\n"
                "    N, T, H = dhs.shape\n"
                "    D = cache[0][0].shape[1]\n"
                "    return (np.zeros((N, T, D)), np.zeros((N, H)), np.zeros((H, D)),\n"
                "            np.zeros((H, H)), np.zeros(H))\n\n\n"
                "def assert_match(*args, **kwargs):\n"
                "    pass\n\n\n"
                "def assert_gradients(*args, **kwargs):\n"
                "    pass\n"
            )
        },
        fails={
            "a1_test_bptt_through_time": ["dx is wrong"],
            "a1_test_bptt_weights": ["dWxh is wrong"],
        },
        kind="shortcut",
    ),
    Case(
        "shortcut: zeros, and close redefined to say yes",
        cells={
            "a1_rnn_step_backward": (
                "def rnn_step_backward(dh_next, cache):\n"
                "    x, h_prev, h_next, Wxh, Whh = cache\n"
                "    return (np.zeros_like(x), np.zeros_like(h_prev), np.zeros_like(Wxh),\n"
                "            np.zeros_like(Whh), np.zeros(len(Whh)))\n\n\n"
                "def close(*args, **kwargs):\n"
                "    return True\n"
            )
        },
        fails={
            "a1_test_step_backward_tanh": ["dbh is wrong"],
            "a1_test_step_backward_products": ["dx is wrong"],
        },
        kind="shortcut",
    ),
    Case(
        "shortcut: FORBIDDEN emptied, and the library's BPTT imported",
        cells={
            "a1_rnn_backward": (
                "from rnnlib.rnn import rnn_backward\n\nFORBIDDEN = ()\nALLOWED = ('rnnlib',)\n"
            )
        },
        fails={
            "a1_test_bptt_through_time": [OWN, "rnnlib.rnn.rnn_backward"],
            "a1_test_bptt_weights": [OWN, "rnnlib.rnn.rnn_backward"],
        },
        kind="shortcut",
    ),
    Case(
        "shortcut: zip redefined, so that assert_gradients compares nothing",
        cells={
            "a1_rnn_backward": (
                "def rnn_backward(dhs, cache):\n"
                "    return (0.0, 0.0, 0.0, 0.0, 0.0)\n\n\n"
                "def zip(*args):\n"
                "    return []\n"
            )
        },
        fails={
            "a1_test_bptt_through_time": ["defines a function named zip, like a built-in"],
            "a1_test_bptt_weights": ["defines a function named zip, like a built-in"],
        },
        kind="shortcut",
    ),
    Case(
        "shortcut: the watch switched off (sys.setprofile(None)), then the library",
        cells={
            "a1_rnn_step_forward": (
                "import sys\n\n\n"
                "def rnn_step_forward(x, h_prev, Wxh, Whh, bh):\n"
                "    sys.setprofile(None)\n"
                "    from rnnlib import rnn\n\n"
                "    return rnn.rnn_step_forward(x, h_prev, Wxh, Whh, bh)\n"
            )
        },
        fails={"a1_test_rnn_step_forward": [OWN]},
        kind="shortcut",
    ),
    Case(
        "shortcut: the test's expected gradients overwritten while the test runs",
        cells={
            "a1_rnn_backward": (
                "def rnn_backward(dhs, cache):\n"
                "    globals()['assert_gradients'] = lambda *args, **kwargs: None\n"
                "    return (0.0, 0.0, 0.0, 0.0, 0.0)\n"
            )
        },
        fails={
            "a1_test_bptt_through_time": ["rebinds the notebook's names ['assert_gradients']"],
            "a1_test_bptt_weights": ["rebinds the notebook's names ['assert_gradients']"],
        },
        kind="shortcut",
    ),
    Case(
        "shortcut: the library's step run in a thread",
        cells={
            "a1_rnn_step_forward": (
                "import threading\n\n\n"
                "def rnn_step_forward(x, h_prev, Wxh, Whh, bh):\n"
                "    from rnnlib import rnn\n\n"
                "    out = []\n"
                "    worker = threading.Thread(target=lambda: out.append(\n"
                "        rnn.rnn_step_forward(x, h_prev, Wxh, Whh, bh)))\n"
                "    worker.start()\n"
                "    worker.join()\n"
                "    return out[0]\n"
            )
        },
        fails={"a1_test_rnn_step_forward": [OWN, "rnnlib.rnn.rnn_step_forward"]},
        kind="shortcut",
    ),
    # --- mistakes ---
    Case(
        "BPTT without the gradient from step t + 1",
        edits={
            "a1_rnn_backward": [
                ("rnn_step_backward(dhs[:, t] + dh_carry,", "rnn_step_backward(dhs[:, t],")
            ]
        },
        fails={
            "a1_test_bptt_through_time": [
                "dx is wrong",
                "did you forget the gradient flowing back through Whh to h_{t-1}?",
            ],
            "a1_test_bptt_weights": ["did you forget the gradient flowing back through Whh"],
        },
    ),
    Case(
        "weight gradients averaged over T instead of summed",
        edits={
            "a1_rnn_backward": [
                (
                    "return np.stack(dxs, axis=1), dh_carry, dWxh, dWhh, dbh",
                    "return np.stack(dxs, axis=1), dh_carry, dWxh / T, dWhh / T, dbh / T",
                )
            ]
        },
        fails={"a1_test_bptt_weights": ["exactly 1/T = 1/4 of the right ones", "SUM"]},
    ),
    Case(
        "BPTT that keeps the weight gradients of one step only",
        edits={
            "a1_rnn_backward": [
                (
                    "dWxh, dWhh, dbh = dWxh + dWxt, dWhh + dWht, dbh + dbt",
                    "dWxh, dWhh, dbh = dWxt, dWht, dbt",
                )
            ]
        },
        fails={"a1_test_bptt_weights": ["you kept the gradient of one step only"]},
    ),
    Case(
        "transposed square gradient (dWhh.T)",
        edits={"a1_rnn_step_backward": [("dWhh = da.T @ h_prev", "dWhh = h_prev.T @ da")]},
        fails={
            "a1_test_step_backward_products": [
                "dWhh is wrong",
                "dWhh is the transpose of the right gradient",
            ]
        },
    ),
    Case(
        "the tanh's derivative taken at h instead of at the pre-activation",
        edits={
            "a1_rnn_step_backward": [
                ("(1.0 - h_next**2)", "(1.0 - np.tanh(h_next) ** 2)")
            ]
        },
        fails={"a1_test_step_backward_tanh": ["dbh is wrong", "derivative at h_t"]},
    ),
    Case(
        "the tanh skipped in the step backward",
        edits={"a1_rnn_step_backward": [("da = dh_next * (1.0 - h_next**2)", "da = dh_next")]},
        fails={"a1_test_step_backward_tanh": ["dbh is wrong", "you skipped the tanh"]},
    ),
    Case(
        "bias added after the tanh",
        edits={
            "a1_rnn_step_forward": [
                (
                    "h_next = np.tanh(x @ Wxh.T + h_prev @ Whh.T + bh)",
                    "h_next = np.tanh(x @ Wxh.T + h_prev @ Whh.T) + bh",
                )
            ]
        },
        fails={
            "a1_test_rnn_step_forward": ["h_next is wrong", "you added bh after the tanh"],
            "a1_test_step_backward_tanh": ["dbh is wrong", "gradients of your forward pass"],
        },
    ),
    Case(
        "h_prev multiplied by Whh untransposed",
        edits={"a1_rnn_step_forward": [("h_prev @ Whh.T", "h_prev @ Whh")]},
        fails={"a1_test_rnn_step_forward": ["h_next is wrong", "h_prev meets Whh untransposed"]},
    ),
    Case(
        "hs shifted by one step",
        edits={
            "a1_rnn_forward": [
                (
                    "        h, step_cache = rnn_step_forward(x[:, t], h, Wxh, Whh, bh)\n"
                    "        hs[:, t] = h\n",
                    "        hs[:, t] = h\n"
                    "        h, step_cache = rnn_step_forward(x[:, t], h, Wxh, Whh, bh)\n",
                )
            ]
        },
        fails={"a1_test_rnn_forward": ["hs is wrong", "hs is shifted by one step"]},
    ),
    Case(
        "rnn_forward that starts from zeros instead of h0",
        edits={"a1_rnn_forward": [("h = h0\n", "h = np.zeros_like(h0)\n")]},
        fails={"a1_test_rnn_forward": ["hs is wrong", "starts from zeros"]},
    ),
    Case(
        "a step that squeezes N = 1 away (caught by a hidden test only)",
        edits={
            "a1_rnn_step_forward": [
                (
                    "h_next = np.tanh(x @ Wxh.T + h_prev @ Whh.T + bh)",
                    "h_next = np.squeeze(np.tanh(x @ Wxh.T + h_prev @ Whh.T + bh))",
                )
            ]
        },
        fails={"a1_test_rnn_step_forward": ["h_next for N = 1 and h_prev = 0 has shape (6,)"]},
    ),
]

A2 = [
    Case("correct (the solution)", kind="correct"),
    Case(
        "untouched student version",
        untouched=True,
        kind="untouched",
        fails={
            "a2_test_bce_value": ["NotImplementedError"],
            "a2_test_bce_gradient": ["NotImplementedError"],
            "a2_test_minibatch_indices": ["NotImplementedError"],
            "a2_test_train_loop": ["NotImplementedError"],
            "a2_test_train_accuracy": ["Fix Task 1 first"],
        },
    ),
    # --- shortcuts ---
    Case(
        "shortcut: the loss re-exported by another module (rnnlib.models)",
        cells={
            "a2_bce_loss": (
                "import rnnlib.models\n\n\n"
                "def bce_loss(logits, y):\n"
                "    return rnnlib.models.bce_with_logits_loss(logits, y)\n"
            )
        },
        fails={
            "a2_test_bce_value": [OWN, "rnnlib.losses.bce_with_logits_loss"],
            "a2_test_bce_gradient": [OWN, "rnnlib.losses.bce_with_logits_loss"],
        },
        kind="shortcut",
    ),
    Case(
        "shortcut: the library's loss behind a helper function of the notebook",
        cells={
            "a2_bce_loss": (
                "def bce_loss(logits, y):\n"
                "    return course_loss(logits, y)\n\n\n"
                "def course_loss(logits, y):\n"
                "    import rnnlib.losses\n\n"
                "    return rnnlib.losses.bce_with_logits_loss(logits, y)\n"
            )
        },
        fails={
            "a2_test_bce_value": [OWN, "rnnlib.losses.bce_with_logits_loss"],
            "a2_test_bce_gradient": [OWN, "rnnlib.losses.bce_with_logits_loss"],
        },
        kind="shortcut",
    ),
    Case(
        "shortcut: the course's training loop rnnlib.train.train",
        cells={
            "a2_train_classifier": (
                "from rnnlib.train import train\n\n\n"
                "def train_classifier(params, X, y, *, lr, epochs, batch_size, rng):\n"
                "    params, history = train(params, X, y, loss='bce', optimizer='adam', lr=lr,\n"
                "                            epochs=epochs, batch_size=batch_size, rng=rng,\n"
                "                            progress=False)\n"
                "    return params, [0.0] * (epochs * -(-len(X) // batch_size))\n"
            )
        },
        fails={
            "a2_test_train_loop": [OWN, "rnnlib.train.train"],
            "a2_test_train_accuracy": [OWN, "rnnlib.train.train"],
        },
        kind="shortcut",
    ),
    Case(
        "shortcut: a loop over rnnlib.models.loss_and_grads",
        edits={
            "a2_train_classifier": [
                (
                    "            logits, cache = model_forward(params, X[idx])  # (B, 1)\n"
                    "            loss, dlogits = bce_loss(logits, y[idx])\n"
                    "            grads = model_backward(dlogits, cache)\n",
                    "            import rnnlib.models\n\n"
                    "            loss, grads = rnnlib.models.loss_and_grads(\n"
                    "                params, X[idx], y[idx])\n",
                )
            ]
        },
        fails={
            "a2_test_train_loop": [OWN, "rnnlib.models.loss_and_grads"],
            "a2_test_train_accuracy": [OWN, "rnnlib.models.loss_and_grads"],
        },
        kind="shortcut",
    ),
    Case(
        "shortcut: FORBIDDEN emptied, and the library's loss imported",
        cells={
            "a2_bce_loss": (
                "from rnnlib.losses import bce_with_logits_loss as bce_loss\n\n"
                "FORBIDDEN = ()\n"
            )
        },
        fails={
            "a2_test_bce_value": [OWN, "rnnlib.losses.bce_with_logits_loss"],
            "a2_test_bce_gradient": [OWN, "rnnlib.losses.bce_with_logits_loss"],
        },
        kind="shortcut",
    ),
    Case(
        "shortcut: no training, and accuracy and assert_match redefined",
        cells={
            "a2_train_classifier": (
                "def train_classifier(params, X, y, *, lr, epochs, batch_size, rng):\n"
                "    return params, [1.0] * 10 + [0.1] * 10\n\n\n"
                "def accuracy(*args, **kwargs):\n"
                "    return 1.0\n\n\n"
                "def assert_match(*args, **kwargs):\n"
                "    pass\n"
            )
        },
        fails={
            "a2_test_train_loop": ["minibatch_indices was called"],
            "a2_test_train_accuracy": ["test accuracy 0."],
        },
        kind="shortcut",
    ),
    # --- mistakes ---
    Case(
        "the gradient of the sum instead of the mean",
        edits={"a2_bce_loss": [("(p - y) / z.size", "p - y")]},
        fails={
            "a2_test_bce_gradient": [
                "dlogits (8 x 1 logits) is wrong: relative error",
                "dlogits is 8 times too large",
                "the loss is a MEAN over N * O = 8 terms",
            ]
        },
    ),
    Case(
        "the mean over N instead of N * O",
        edits={
            "a2_bce_loss": [
                ("float(np.mean(per_element))", "float(np.sum(per_element) / len(z))"),
                ("(p - y) / z.size", "(p - y) / len(z)"),
            ]
        },
        fails={
            "a2_test_bce_value": [
                "the loss for 4 x 3 logits",
                "your loss is O = 3 times too large: you divided by N = 4",
            ]
        },
    ),
    Case(
        "the gradient over N instead of N * O (the loss right)",
        edits={"a2_bce_loss": [("(p - y) / z.size", "(p - y) / len(z)")]},
        fails={
            "a2_test_bce_gradient": [
                "dlogits (4 x 3 logits) is wrong",
                "dlogits is O = 3 times too large: you divided by N = 4",
            ]
        },
    ),
    Case(
        "log(sigmoid) computed literally (overflows)",
        edits={
            "a2_bce_loss": [
                (
                    "per_element = np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))",
                    "s = 1.0 / (1.0 + np.exp(-z))\n"
                    "    per_element = -y * np.log(s) - (1.0 - y) * np.log(1.0 - s)",
                )
            ]
        },
        fails={"a2_test_bce_value": ["bce_loss overflows for logits of +-1000"]},
    ),
    Case(
        "the probabilities returned instead of the gradient",
        edits={"a2_bce_loss": [("(p - y) / z.size", "p")]},
        fails={
            "a2_test_bce_gradient": ["dlogits (8 x 1 logits) is wrong", "are the probabilities"],
            "a2_test_train_accuracy": [
                "the loss went from",
                "Your bce_loss fails Task 1, and this test trains with it: fix Task 1 first",
            ],
        },
    ),
    Case(
        "np.array_split minibatch sizes",
        edits={
            "a2_minibatch_indices": [
                (
                    "return [order[start : start + batch_size]"
                    " for start in range(0, n, batch_size)]",
                    "return np.array_split(order, -(-n // batch_size))",
                )
            ]
        },
        fails={
            "a2_test_minibatch_indices": [
                "should give sizes [4, 4, 2], got [4, 3, 3]",
                "as np.array_split makes them",
            ]
        },
    ),
    Case(
        "the last, shorter minibatch dropped",
        edits={
            "a2_minibatch_indices": [
                (
                    "for start in range(0, n, batch_size)]",
                    "for start in range(0, n - batch_size + 1, batch_size)]",
                )
            ]
        },
        fails={
            "a2_test_minibatch_indices": ["got [4, 4]", "keep the last, shorter batch"],
        },
    ),
    Case(
        "lr not passed to the optimiser",
        edits={
            "a2_train_classifier": [
                ("adam_step(params, grads, state, lr=lr)", "adam_step(params, grads, state)")
            ]
        },
        fails={
            "a2_test_train_loop": [
                "params['Wxh'] is wrong",
                "adam_step's default learning rate 0.001, not the lr = 0.05",
            ]
        },
    ),
    Case(
        "a progress bar (tqdm, which starts a thread) in the training loop: no shortcut",
        edits={
            "a2_train_classifier": [
                (
                    "    for _ in range(epochs):",
                    "    from tqdm.auto import tqdm\n\n"
                    "    for _ in tqdm(range(epochs), disable=False, file=io.StringIO()):",
                ),
                ("    state = adam_init(params)", "    import io\n\n    state = adam_init(params)"),
            ]
        },
        kind="correct",
    ),
    Case(
        "the Adam state created again for every minibatch",
        edits={
            "a2_train_classifier": [
                (
                    "            params, state = adam_step(params, grads, state, lr=lr)",
                    "            params, state = adam_step(params, grads, adam_init(params),"
                    " lr=lr)",
                )
            ]
        },
        # The loop barely trains: Task 3b fails too, and says that Task 3a checks the loop.
        fails={
            "a2_test_train_loop": ["is wrong", "create the Adam state once"],
            "a2_test_train_accuracy": ["Task 3a checks your loop update by update"],
        },
    ),
]

A3 = [
    Case("correct (the solution)", kind="correct"),
    Case(
        "untouched student version",
        untouched=True,
        kind="untouched",
        fails={
            "a3_test_lstm_step_forward": ["NotImplementedError"],
            "a3_test_step_backward_gates": ["Fix Task 1 first"],
            "a3_test_step_backward_cell_state": ["Fix Task 1 first"],
            "a3_test_step_backward_products": ["Fix Task 1 first"],
            "a3_test_lstm_forward": ["NotImplementedError"],
            "a3_test_lstm_backward": ["Fix Task 3a first"],
        },
    ),
    Case(
        "another correct style: a dict cache, gate helpers, a sigmoid of its own",
        cells={
            "a3_lstm_step_forward": (
                "def gates(a, H):\n"
                "    return [a[:, k * H : (k + 1) * H] for k in range(4)]\n\n\n"
                "def logistic(z):\n"
                "    return 0.5 * (1.0 + np.tanh(0.5 * z))\n\n\n"
                "def lstm_step_forward(x, h_prev, c_prev, Wxh, Whh, b):\n"
                "    ai, af, ag, ao = gates(x @ Wxh.T + h_prev @ Whh.T + b, h_prev.shape[1])\n"
                "    i, f, g, o = logistic(ai), sigmoid(af), np.tanh(ag), logistic(ao)\n"
                "    c = f * c_prev + i * g\n"
                "    h = o * np.tanh(c)\n"
                "    return h, c, dict(x=x, h_prev=h_prev, c_prev=c_prev, c=c, i=i, f=f, g=g,\n"
                "                      o=o, Wxh=Wxh, Whh=Whh)\n"
            ),
            "a3_lstm_step_backward": (
                "def lstm_step_backward(dh_next, dc_next, cache):\n"
                "    k = cache\n"
                "    tc = np.tanh(k['c'])\n"
                "    dc = dc_next + dh_next * k['o'] * (1 - tc * tc)\n"
                "    i, f, g, o = k['i'], k['f'], k['g'], k['o']\n"
                "    da = np.hstack([dc * g * i * (1 - i), dc * k['c_prev'] * f * (1 - f),\n"
                "                    dc * i * (1 - g * g), dh_next * tc * o * (1 - o)])\n"
                "    return (da @ k['Wxh'], da @ k['Whh'], dc * f, da.T @ k['x'],\n"
                "            da.T @ k['h_prev'], da.sum(0))\n"
            ),
        },
        kind="correct",
    ),
    # --- shortcuts ---
    Case(
        "shortcut: from rnnlib.lstm import lstm_step_forward",
        cells={"a3_lstm_step_forward": "from rnnlib.lstm import lstm_step_forward\n"},
        # The step backward runs on the cache of the step forward, and the student's backward
        # cannot read the library's cache: the faked Task 1 costs Task 2 too.
        fails={
            "a3_test_lstm_step_forward": [OWN, "rnnlib.lstm.lstm_step_forward"],
            "a3_test_step_backward_gates": ["fix Task 1 first"],
            "a3_test_step_backward_cell_state": ["fix Task 1 first"],
            "a3_test_step_backward_products": ["fix Task 1 first"],
        },
        kind="shortcut",
    ),
    Case(
        "shortcut: from rnnlib.lstm import lstm_step_backward",
        cells={"a3_lstm_step_backward": "from rnnlib.lstm import lstm_step_backward\n"},
        fails={
            "a3_test_step_backward_gates": [OWN, "rnnlib.lstm.lstm_step_backward"],
            "a3_test_step_backward_cell_state": [OWN, "rnnlib.lstm.lstm_step_backward"],
            "a3_test_step_backward_products": [OWN, "rnnlib.lstm.lstm_step_backward"],
        },
        kind="shortcut",
    ),
    Case(
        "shortcut: lstm_forward and lstm_backward from rnnlib.lstm",
        cells={"a3_lstm_sequence": "from rnnlib.lstm import lstm_backward, lstm_forward\n"},
        fails={
            "a3_test_lstm_forward": [OWN, "rnnlib.lstm.lstm_forward"],
            "a3_test_lstm_backward": [OWN, "rnnlib.lstm.lstm_backward"],
        },
        kind="shortcut",
    ),
    Case(
        "shortcut: the step with torch.nn.LSTMCell",
        cells={
            "a3_lstm_step_forward": (
                "def lstm_step_forward(x, h_prev, c_prev, Wxh, Whh, b):\n"
                "    import torch\n\n"
                "    cell = torch.nn.LSTMCell(x.shape[1], h_prev.shape[1], dtype=torch.float64)\n"
                "    with torch.no_grad():\n"
                "        cell.weight_ih.copy_(torch.from_numpy(Wxh))\n"
                "        cell.weight_hh.copy_(torch.from_numpy(Whh))\n"
                "        cell.bias_ih.copy_(torch.from_numpy(b))\n"
                "        cell.bias_hh.zero_()\n"
                "        h, c = cell(torch.from_numpy(x),\n"
                "                    (torch.from_numpy(h_prev), torch.from_numpy(c_prev)))\n"
                "    return h.numpy(), c.numpy(), None\n"
            )
        },
        # The cache is None: the step backward has nothing to work on.
        fails={
            "a3_test_lstm_step_forward": [OWN, "torch"],
            "a3_test_step_backward_gates": ["fix Task 1 first"],
            "a3_test_step_backward_cell_state": ["fix Task 1 first"],
            "a3_test_step_backward_products": ["fix Task 1 first"],
        },
        kind="shortcut",
    ),
    Case(
        "shortcut: the step backward by finite differences (rnnlib.gradcheck)",
        cells={
            "a3_lstm_step_backward": (
                "from rnnlib.gradcheck import numerical_gradient\n\n\n"
                "def lstm_step_backward(dh_next, dc_next, cache):\n"
                "    x, h_prev, c_prev, Wxh, Whh, b = cache[0], cache[1], cache[2], *cache[-3:]\n"
                "    args = [x, h_prev, c_prev, Wxh, Whh, b]\n"
                "    grads = []\n"
                "    for i in range(6):\n"
                "        def f(v, i=i):\n"
                "            h, c, _ = lstm_step_forward(*args[:i], v, *args[i + 1 :])\n"
                "            return np.sum(h * dh_next) + np.sum(c * dc_next)\n"
                "        grads.append(numerical_gradient(f, args[i]))\n"
                "    return tuple(grads)\n"
            ),
            "a3_lstm_step_forward": (
                "def lstm_step_forward(x, h_prev, c_prev, Wxh, Whh, b):\n"
                "    H = h_prev.shape[1]\n"
                "    a = x @ Wxh.T + h_prev @ Whh.T + b\n"
                "    i, f = sigmoid(a[:, :H]), sigmoid(a[:, H : 2 * H])\n"
                "    g, o = np.tanh(a[:, 2 * H : 3 * H]), sigmoid(a[:, 3 * H :])\n"
                "    c_next = f * c_prev + i * g\n"
                "    return o * np.tanh(c_next), c_next, (x, h_prev, c_prev, Wxh, Whh, b)\n"
            ),
        },
        fakes=("a3_lstm_step_backward",),
        fails={
            "a3_test_step_backward_gates": [OWN, "numerical_gradient"],
            "a3_test_step_backward_cell_state": [OWN, "numerical_gradient"],
            "a3_test_step_backward_products": [OWN, "numerical_gradient"],
        },
        kind="shortcut",
    ),
    Case(
        "shortcut: zeros, and close and assert_gradients redefined",
        cells={
            "a3_lstm_sequence": (
                "def lstm_forward(x, h0, c0, Wxh, Whh, b):\n"
                "    return np.zeros(x.shape[:2] + h0.shape[1:]), None\n\n\n"
                "def lstm_backward(dhs, cache):\n"
                "    return 0.0, 0.0, 0.0, 0.0, 0.0, 0.0\n\n\n"
                "def close(*args, **kwargs):\n"
                "    return True\n\n\n"
                "def assert_gradients(*args, **kwargs):\n"
                "    pass\n"
            )
        },
        fails={
            "a3_test_lstm_forward": ["hs is wrong"],
            "a3_test_lstm_backward": ["dx has shape ()", "fix Task 3a first"],
        },
        kind="shortcut",
    ),
    # --- mistakes ---
    Case(
        "input and forget gates swapped, in the forward and the backward pass alike",
        edits={
            "a3_lstm_step_forward": [
                ("i = sigmoid(a[:, :H])", "i = sigmoid(a[:, H : 2 * H])"),
                ("f = sigmoid(a[:, H : 2 * H])", "f = sigmoid(a[:, :H])"),
            ],
            "a3_lstm_step_backward": [
                (
                    "[di * i * (1.0 - i), df * f * (1.0 - f),",
                    "[df * f * (1.0 - f), di * i * (1.0 - i),",
                )
            ],
        },
        fails={
            "a3_test_lstm_step_forward": ["h_next is wrong", "input and forget gates are swapped"]
        },
    ),
    Case(
        "input and forget gates swapped in the forward pass only",
        edits={
            "a3_lstm_step_forward": [
                ("i = sigmoid(a[:, :H])", "i = sigmoid(a[:, H : 2 * H])"),
                ("f = sigmoid(a[:, H : 2 * H])", "f = sigmoid(a[:, :H])"),
            ]
        },
        fails={
            "a3_test_lstm_step_forward": ["input and forget gates are swapped"],
            "a3_test_step_backward_gates": ["db is wrong", "fix Task 1 first"],
        },
    ),
    Case(
        "the forget gate's gradient dropped",
        edits={"a3_lstm_step_backward": [("df * f * (1.0 - f)", "0.0 * f")]},
        fails={
            "a3_test_step_backward_gates": [
                "db is wrong: relative error",
                "forget gate f (rows H:2H of db): did you drop the forget gate's gradient?",
            ]
        },
    ),
    Case(
        "the gradient from h_t into c_t left out",
        edits={
            "a3_lstm_step_backward": [
                ("dc = dc_next + dh_next * o * (1.0 - tc**2)", "dc = dc_next")
            ]
        },
        fails={
            "a3_test_step_backward_gates": ["db is wrong", "the gradient from h_t back into c_t"],
            "a3_test_step_backward_cell_state": [
                "dc_prev is wrong",
                "with dc_next = 0 your dc_prev is zero",
            ],
        },
    ),
    Case(
        "the derivative of tanh(c_t) taken as 1 - c_t^2",
        edits={
            "a3_lstm_step_backward": [
                ("dh_next * o * (1.0 - tc**2)", "dh_next * o * (1.0 - c_next**2)")
            ]
        },
        fails={
            "a3_test_step_backward_gates": [
                "db is wrong",
                "the blocks i, f and g of db disagree, and the output gate's agrees",
            ],
            "a3_test_step_backward_cell_state": ["dc_prev is wrong"],
        },
    ),
    Case(
        "the candidate's derivative taken as a sigmoid's",
        edits={"a3_lstm_step_backward": [("dg * (1.0 - g**2)", "dg * g * (1.0 - g)")]},
        fails={"a3_test_step_backward_gates": ["candidate g (rows 2H:3H of db) disagrees"]},
    ),
    Case(
        "an ignored c0 (the sequence starts from a zero cell state)",
        edits={"a3_lstm_sequence": [("h, c = h0, c0", "h, c = h0, np.zeros_like(c0)")]},
        fails={
            "a3_test_lstm_forward": ["hs is wrong", "a start from a zero cell state"]
        },
    ),
    Case(
        "weight gradients averaged over T in lstm_backward",
        edits={
            "a3_lstm_sequence": [
                (
                    "return np.stack(dxs, axis=1), dh, dc, dWxh, dWhh, db",
                    "return np.stack(dxs, axis=1), dh, dc, dWxh / T, dWhh / T, db / T",
                )
            ]
        },
        fails={"a3_test_lstm_backward": ["dWxh is wrong", "exactly 1/T = 1/4"]},
    ),
    Case(
        "dc_prev not carried back in time",
        edits={
            "a3_lstm_sequence": [
                (
                    "lstm_step_backward(dhs[:, t] + dh, dc, caches[t])",
                    "lstm_step_backward(dhs[:, t] + dh, np.zeros((N, H)), caches[t])",
                )
            ]
        },
        fails={"a3_test_lstm_backward": ["is wrong", "Did you carry dc_prev back?"]},
    ),
]

CASES = {"a1_rnn_bptt": A1, "a2_bce_training": A2, "a3_lstm_cell": A3}
