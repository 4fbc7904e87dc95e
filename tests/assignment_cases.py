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
        # "rnnlib.models.<module>" when this call runs the import of rnnlib.models
        fails={
            "a1_test_bptt_through_time": [OWN, "rnnlib."],
            "a1_test_bptt_weights": [OWN, "rnnlib."],
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
        # Task 3 trains with this bce_loss, handed over; the watch cannot tell its helper from
        # a callback slipped into a handed function, so the shortcut costs Task 3 too.
        fails={
            "a2_test_bce_value": [OWN, "rnnlib.losses.bce_with_logits_loss"],
            "a2_test_bce_gradient": [OWN, "rnnlib.losses.bce_with_logits_loss"],
            "a2_test_train_accuracy": [OWN, "rnnlib.losses.bce_with_logits_loss"],
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

A4 = [
    Case("correct (the solution)", kind="correct"),
    Case(
        "untouched student version",
        untouched=True,
        kind="untouched",
        fails={
            "a4_test_ce_value": ["NotImplementedError"],
            "a4_test_ce_gradient": ["NotImplementedError"],
            "a4_test_ce_stable": ["NotImplementedError"],
            "a4_test_ce_ignore_index": ["NotImplementedError"],
            "a4_test_embedding_forward": ["NotImplementedError"],
            "a4_test_embedding_backward": ["Fix Task 2a first"],
            "a4_test_lm_forward": ["NotImplementedError"],
            "a4_test_lm_output_layer": ["Fix Task 3a first"],
            "a4_test_lm_through_time": ["Fix Task 3a first"],
            "a4_test_sample_next": ["NotImplementedError"],
        },
    ),
    Case(
        "another correct style: logaddexp, one-hot embeddings, loops over the steps and rows",
        cells={
            "a4_softmax_cross_entropy": (
                "def softmax_cross_entropy(logits, targets, ignore_index=None):\n"
                "    z = logits.reshape(-1, logits.shape[-1])\n"
                "    t = targets.reshape(-1)\n"
                "    keep = np.ones(len(t), bool) if ignore_index is None else t != ignore_index\n"
                "    rows = np.flatnonzero(keep)\n"
                "    lse = np.logaddexp.reduce(z, axis=1)\n"
                "    loss = np.mean(lse[rows] - z[rows, t[rows]])\n"
                "    d = np.zeros_like(z)\n"
                "    d[rows] = np.exp(z[rows] - lse[rows, None])\n"
                "    d[rows, t[rows]] -= 1.0\n"
                "    return loss, (d / len(rows)).reshape(logits.shape)\n"
            ),
            "a4_embedding_forward": (
                "def embedding_forward(ids, W):\n"
                "    onehot = np.eye(len(W))[ids]  # (N, T, V)\n"
                "    return onehot @ W, onehot\n"
            ),
            "a4_embedding_backward": (
                "def embedding_backward(dout, cache):\n"
                "    return np.einsum('ntv,nte->ve', cache, dout)\n"
            ),
            "a4_lm_forward": (
                "def lm_forward(ids, h0, W_emb, Wxh, Whh, bh, Why, by):\n"
                "    x, emb = embedding_forward(ids, W_emb)\n"
                "    hs, rnn = rnn_forward(x, h0, Wxh, Whh, bh)\n"
                "    logits = np.einsum('nth,vh->ntv', hs, Why) + by\n"
                "    return logits, {'emb': emb, 'rnn': rnn, 'hs': hs, 'Why': Why}\n"
            ),
            "a4_lm_backward": (
                "def lm_backward(dlogits, cache):\n"
                "    N, T, V = dlogits.shape\n"
                "    dWhy, dhs = np.zeros_like(cache['Why']), np.zeros(cache['hs'].shape)\n"
                "    for t in range(T):\n"
                "        dWhy += dlogits[:, t].T @ cache['hs'][:, t]\n"
                "        dhs[:, t] = dlogits[:, t] @ cache['Why']\n"
                "    dx, dh0, dWxh, dWhh, dbh = rnn_backward(dhs, cache['rnn'])\n"
                "    print('backward done')\n"
                "    dW_emb = embedding_backward(dx, cache['emb'])\n"
                "    return dh0, dW_emb, dWxh, dWhh, dbh, dWhy, dlogits.sum(axis=(0, 1))\n"
            ),
            "a4_sample_next": (  # the Gumbel-max trick: no softmax at all
                "def sample_next(logits, temperature, rng):\n"
                "    noise = rng.gumbel(size=np.shape(logits))\n"
                "    return np.argmax(np.asarray(logits) / temperature + noise, axis=1)\n"
            ),
        },
        kind="correct",
    ),
    # --- shortcuts ---
    Case(
        "shortcut: from rnnlib.losses import cross_entropy_loss",
        cells={
            "a4_softmax_cross_entropy": (
                "from rnnlib.losses import cross_entropy_loss as softmax_cross_entropy\n"
            )
        },
        fails={
            "a4_test_ce_value": [OWN, "rnnlib.losses.cross_entropy_loss"],
            "a4_test_ce_gradient": [OWN, "rnnlib.losses.cross_entropy_loss"],
            "a4_test_ce_stable": [OWN, "rnnlib.losses.cross_entropy_loss"],
            "a4_test_ce_ignore_index": [OWN, "rnnlib.losses.cross_entropy_loss"],
        },
        kind="shortcut",
    ),
    Case(
        "shortcut: the loss and its gradient by torch.nn.functional.cross_entropy",
        cells={
            "a4_softmax_cross_entropy": (
                "def softmax_cross_entropy(logits, targets, ignore_index=None):\n"
                "    import torch\n\n"
                "    z = torch.tensor(logits, requires_grad=True)\n"
                "    zz = z.reshape(-1, z.shape[-1])\n"
                "    t = torch.as_tensor(targets).reshape(-1)\n"
                "    kw = {} if ignore_index is None else {'ignore_index': ignore_index}\n"
                "    loss = torch.nn.functional.cross_entropy(zz, t, **kw)\n"
                "    loss.backward()\n"
                "    return loss.item(), z.grad.numpy()\n"
            )
        },
        fails={
            "a4_test_ce_value": [OWN, "torch"],
            "a4_test_ce_gradient": [OWN, "torch"],
            "a4_test_ce_stable": [OWN, "torch"],
            "a4_test_ce_ignore_index": [OWN, "torch"],
        },
        kind="shortcut",
    ),
    Case(
        "shortcut: the library's log_softmax inside an own loss",
        edits={
            "a4_softmax_cross_entropy": [
                (
                    "    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))",
                    "    from rnnlib.losses import log_softmax\n\n    log_p = log_softmax(z)",
                )
            ]
        },
        fails={
            "a4_test_ce_value": [OWN, "rnnlib.losses.log_softmax"],
            "a4_test_ce_gradient": [OWN, "rnnlib.losses.log_softmax"],
            "a4_test_ce_stable": [OWN, "rnnlib.losses.log_softmax"],
            "a4_test_ce_ignore_index": [OWN, "rnnlib.losses.log_softmax"],
        },
        kind="shortcut",
    ),
    Case(
        "shortcut: from rnnlib.layers import embedding_forward",
        cells={"a4_embedding_forward": "from rnnlib.layers import embedding_forward\n"},
        # The student's embedding_backward reads the cache of the library's forward, which
        # has the same layout here: Task 2b keeps its points. Task 3 uses the library anyway.
        fails={"a4_test_embedding_forward": [OWN, "rnnlib.layers.embedding_forward"]},
        kind="shortcut",
    ),
    Case(
        "shortcut: from rnnlib.layers import embedding_backward",
        cells={"a4_embedding_backward": "from rnnlib.layers import embedding_backward\n"},
        fails={"a4_test_embedding_backward": [OWN, "rnnlib.layers.embedding_backward"]},
        kind="shortcut",
    ),
    Case(
        "shortcut: the embedding backward by finite differences (rnnlib.gradcheck)",
        cells={
            "a4_embedding_backward": (
                "def embedding_backward(dout, cache):\n"
                "    ids, (V, E) = cache\n\n"
                "    def f(W):\n"
                "        return np.sum(embedding_forward(ids, W)[0] * dout)\n\n"
                "    return numerical_gradient(f, np.zeros((V, E)))\n"
            )
        },
        fails={"a4_test_embedding_backward": [OWN, "numerical_gradient"]},
        kind="shortcut",
    ),
    Case(
        "shortcut: lm_forward and lm_backward through the chapter's rnnlib.charlm",
        cells={
            "a4_lm_forward": (
                "from rnnlib import charlm\n\n\n"
                "def lm_forward(ids, h0, W_emb, Wxh, Whh, bh, Why, by):\n"
                "    params = dict(W_emb=W_emb, Wxh=Wxh, Whh=Whh, bh=bh, Why=Why, by=by)\n"
                "    logits, _, cache = charlm.charlm_forward(params, ids, h0)\n"
                "    return logits, cache\n"
            ),
            "a4_lm_backward": (
                "def lm_backward(dlogits, cache):\n"
                "    import rnnlib.charlm\n\n"
                "    g, dh0 = rnnlib.charlm.charlm_backward(dlogits, cache)\n"
                "    return dh0, g['W_emb'], g['Wxh'], g['Whh'], g['bh'], g['Why'], g['by']\n"
            ),
        },
        fails={
            "a4_test_lm_forward": [OWN, "rnnlib.charlm.charlm_forward"],
            "a4_test_lm_output_layer": [OWN, "rnnlib.charlm.charlm_backward"],
            "a4_test_lm_through_time": [OWN, "rnnlib.charlm.charlm_backward"],
        },
        kind="shortcut",
    ),
    Case(
        "shortcut: lm_backward through rnnlib.charlm, with an own lm_forward",
        cells={
            "a4_lm_backward": (
                "def lm_backward(dlogits, cache):\n"
                "    from rnnlib.charlm import charlm_backward\n\n"
                "    g, dh0 = charlm_backward(dlogits, cache)\n"
                "    return dh0, g['W_emb'], g['Wxh'], g['Whh'], g['bh'], g['Why'], g['by']\n"
            ),
        },
        fails={
            "a4_test_lm_output_layer": [OWN, "rnnlib.charlm.charlm_backward"],
            "a4_test_lm_through_time": [OWN, "rnnlib.charlm.charlm_backward"],
        },
        kind="shortcut",
    ),
    Case(
        "shortcut: lm_backward by PyTorch autograd",
        cells={
            "a4_lm_backward": (
                "def lm_backward(dlogits, cache):\n"
                "    import torch\n\n"
                "    emb_cache, rnn_cache, hs, Why = cache\n"
                "    h = torch.tensor(hs, requires_grad=True)\n"
                "    w = torch.tensor(Why, requires_grad=True)\n"
                "    b = torch.zeros(len(Why), dtype=torch.float64, requires_grad=True)\n"
                "    (torch.nn.functional.linear(h, w, b) * torch.from_numpy(dlogits)).sum()"
                ".backward()\n"
                "    dx, dh0, dWxh, dWhh, dbh = rnn_backward(h.grad.numpy(), rnn_cache)\n"
                "    dW_emb = embedding_backward(dx, emb_cache)\n"
                "    return (dh0, dW_emb, dWxh, dWhh, dbh, w.grad.numpy(), b.grad.numpy())\n"
            )
        },
        fails={
            "a4_test_lm_output_layer": [OWN, "torch"],
            "a4_test_lm_through_time": [OWN, "torch"],
        },
        kind="shortcut",
    ),
    Case(
        "shortcut: lm_backward by finite differences of lm_forward",
        cells={
            "a4_lm_backward": (
                "def lm_backward(dlogits, cache):\n"
                "    ids, weights = cache\n"
                "    grads = []\n"
                "    for i, w in enumerate(weights):\n"
                "        g = np.zeros_like(w)\n"
                "        for k in np.ndindex(w.shape):\n"
                "            up, down = [v.copy() for v in weights], [v.copy() for v in weights]\n"
                "            up[i][k] += 1e-6\n"
                "            down[i][k] -= 1e-6\n"
                "            diff = lm_forward(ids, *up)[0] - lm_forward(ids, *down)[0]\n"
                "            g[k] = np.sum(diff * dlogits) / 2e-6\n"
                "        grads.append(g)\n"
                "    return tuple(grads)\n"
            ),
            "a4_lm_forward": (
                "def lm_forward(ids, h0, W_emb, Wxh, Whh, bh, Why, by):\n"
                "    x, _ = embedding_forward(ids, W_emb)\n"
                "    hs, _ = rnn_forward(x, h0, Wxh, Whh, bh)\n"
                "    return hs @ Why.T + by, (ids, [h0, W_emb, Wxh, Whh, bh, Why, by])\n"
            ),
        },
        fakes=("a4_lm_backward",),
        fails={
            "a4_test_lm_output_layer": [OWN, "lm_forward more than 1 time"],
            "a4_test_lm_through_time": [OWN, "lm_forward more than 1 time"],
        },
        kind="shortcut",
    ),
    Case(
        "shortcut: zeros, and assert_gradients and close redefined",
        cells={
            "a4_lm_backward": (
                "def lm_backward(dlogits, cache):\n"
                "    return tuple(np.zeros(1) for _ in range(7))\n\n\n"
                "def assert_gradients(*args, **kwargs):\n"
                "    pass\n\n\n"
                "def close(*args, **kwargs):\n"
                "    return True\n"
            )
        },
        fails={
            "a4_test_lm_output_layer": ["dWhy has shape (1,)"],
            "a4_test_lm_through_time": ["dh0 has shape (1,)"],
        },
        kind="shortcut",
    ),
    Case(
        "shortcut: sample_next with torch.multinomial",
        cells={
            "a4_sample_next": (
                "def sample_next(logits, temperature, rng):\n"
                "    import torch\n\n"
                "    p = torch.softmax(torch.from_numpy(logits / temperature), dim=1)\n"
                "    gen = torch.Generator().manual_seed(int(rng.integers(2**31)))\n"
                "    return torch.multinomial(p, 1, generator=gen)[:, 0].numpy()\n"
            )
        },
        fails={"a4_test_sample_next": [OWN, "torch"]},
        kind="shortcut",
    ),
    # --- mistakes ---
    Case(
        "softmax without the max shift (exp overflows at 1000)",
        edits={
            "a4_softmax_cross_entropy": [
                ("shifted = z - z.max(axis=-1, keepdims=True)", "shifted = z")
            ]
        },
        fails={"a4_test_ce_stable": ["exp sees a logit of 1000 and overflows"]},
    ),
    Case(
        "the loss as -log of the probability (underflows to log 0)",
        edits={
            "a4_softmax_cross_entropy": [
                (
                    "np.take_along_axis(log_p, safe,",
                    "np.take_along_axis(np.log(np.exp(log_p)), safe,",
                )
            ]
        },
        fails={
            "a4_test_ce_stable": ["dlogits is right but the loss is not finite", "underflows to 0"]
        },
    ),
    Case(
        "the gradient of the sum (not divided by M)",
        edits={
            "a4_softmax_cross_entropy": [
                ("* counted[..., None] / n_counted", "* counted[..., None]")
            ]
        },
        fails={
            "a4_test_ce_gradient": [
                "dlogits (logits of shape (6, 5)) is wrong",
                "dlogits is 6 times too large",
            ]
        },
    ),
    Case(
        "dlogits = the probabilities (the one-hot left out)",
        edits={"a4_softmax_cross_entropy": [("(np.exp(log_p) - onehot)", "np.exp(log_p)")]},
        fails={"a4_test_ce_gradient": ["your dlogits are the softmax probabilities"]},
    ),
    Case(
        "the loss averaged over N instead of N * T",
        edits={
            "a4_softmax_cross_entropy": [
                (
                    "loss = -np.sum(np.take_along_axis(log_p, safe, axis=-1)[..., 0] * counted)"
                    " / n_counted",
                    "loss = -np.sum(np.take_along_axis(log_p, safe, axis=-1)[..., 0] * counted)"
                    " / len(z)",
                )
            ]
        },
        # The same denominator is what ignore_index changes: Task 1d fails too.
        fails={
            "a4_test_ce_value": ["T = 4 times too large: you divided by N = 3"],
            "a4_test_ce_ignore_index": ["your loss divides by N = 3, the number of sequences"],
        },
    ),
    Case(
        "ignore_index: the mean over all positions, the ignored ones included",
        edits={
            "a4_softmax_cross_entropy": [
                ("n_counted = np.count_nonzero(counted)", "n_counted = counted.size")
            ]
        },
        fails={
            "a4_test_ce_ignore_index": [
                "your loss divides by all N * T = 12 positions, but only M = 9 count"
            ]
        },
    ),
    Case(
        "ignore_index: the ignored positions keep their gradient",
        edits={
            "a4_softmax_cross_entropy": [
                (
                    "dlogits = (np.exp(log_p) - onehot) * counted[..., None] / n_counted",
                    "dlogits = (np.exp(log_p) - onehot) / n_counted",
                )
            ]
        },
        fails={"a4_test_ce_ignore_index": ["is not zero at the ignored positions"]},
    ),
    Case(
        "ignore_index not handled (the targets -100 used as indices)",
        edits={
            "a4_softmax_cross_entropy": [
                ("safe = np.where(counted, targets, 0)[..., None]", "safe = targets[..., None]")
            ]
        },
        fails={"a4_test_ce_ignore_index": ["raises IndexError", "ignore_index is no character"]},
    ),
    Case(
        "embedding backward by fancy-index assignment (repeated ids counted once)",
        edits={
            "a4_embedding_backward": [
                (
                    "np.add.at(dW, np.ravel(ids), np.reshape(dout, (-1, E)))",
                    "dW[ids] += dout",
                )
            ]
        },
        fails={
            "a4_test_embedding_backward": [
                "dW is wrong",
                "those of the ids that occur more than once (0, 2, 5) are not",
            ]
        },
    ),
    Case(
        "logits of the last step only",
        edits={"a4_lm_forward": [("logits = hs @ Why.T + by", "logits = hs[:, -1] @ Why.T + by")]},
        # The backward pass then reads the wrong logits' shapes: Task 3b and 3c say so.
        fails={
            "a4_test_lm_forward": ["logits has shape (2, 5)", "at EVERY step"],
            "a4_test_lm_output_layer": ["fix Task 3a first"],
            "a4_test_lm_through_time": ["fix Task 3a first"],
        },
    ),
    Case(
        "the output bias left out of lm_forward",
        edits={"a4_lm_forward": [("logits = hs @ Why.T + by", "logits = hs @ Why.T")]},
        fails={"a4_test_lm_forward": ["logits is wrong", "lack the output bias by"]},
    ),
    Case(
        "the gradient of the last step's loss only (many-to-one habit)",
        edits={
            "a4_lm_backward": [
                (
                    "dhs = dlogits @ Why  # (N, T, H): a gradient on every hidden state",
                    "dhs = np.zeros(hs.shape)\n    dhs[:, -1] = dlogits[:, -1] @ Why",
                )
            ]
        },
        fails={
            "a4_test_lm_through_time": [
                "dh0 is wrong",
                "with a loss at the first step only, your dh0, dW_emb, dWxh, dWhh and dbh are all"
                " zero",
            ]
        },
    ),
    Case(
        "the output layer's gradients averaged over T",
        edits={
            "a4_lm_backward": [
                ('dWhy = np.einsum("ntv,nth->vh", dlogits, hs)',
                 'dWhy = np.einsum("ntv,nth->vh", dlogits, hs) / hs.shape[1]'),
                ("dby = dlogits.sum(axis=(0, 1))", "dby = dlogits.sum(axis=(0, 1)) / hs.shape[1]"),
            ]
        },
        fails={"a4_test_lm_output_layer": ["dWhy is wrong", "exactly 1/T = 1/4"]},
    ),
    Case(
        "dby summed over N only",
        edits={"a4_lm_backward": [("dby = dlogits.sum(axis=(0, 1))", "dby = dlogits.sum(axis=0)")]},
        fails={"a4_test_lm_output_layer": ["dby has shape (4, 5), expected (5,)"]},
    ),
    Case(
        "the embedding's gradient left out (dW_emb zero)",
        edits={
            "a4_lm_backward": [
                (
                    "embedding_backward(dx, emb_cache)",
                    "np.zeros_like(embedding_backward(dx, emb_cache))",
                )
            ]
        },
        fails={"a4_test_lm_through_time": ["dW_emb is wrong", "your dW_emb is zero"]},
    ),
    Case(
        "sampling with the logits multiplied by the temperature",
        edits={
            "a4_sample_next": [
                (
                    "np.asarray(logits, dtype=float) / temperature",
                    "np.asarray(logits, dtype=float) * temperature",
                )
            ]
        },
        fails={"a4_test_sample_next": ["your draws follow softmax(z * temperature)"]},
    ),
    Case(
        "greedy decoding instead of sampling",
        cells={
            "a4_sample_next": (
                "def sample_next(logits, temperature, rng):\n"
                "    return np.argmax(logits, axis=1)\n"
            )
        },
        fails={"a4_test_sample_next": ["every draw is the most likely character"]},
    ),
    Case(
        "sampling with NumPy's global generator, not the rng given",
        edits={
            "a4_sample_next": [
                ("u = rng.random((len(p), 1))", "u = np.random.random((len(p), 1))")
            ]
        },
        fails={"a4_test_sample_next": ["gave different draws", "draw with the rng you are given"]},
    ),
    Case(
        "sampling without the max shift (overflows at temperature 0.001)",
        edits={
            "a4_sample_next": [
                ("p = np.exp(z - z.max(axis=1, keepdims=True))", "p = np.exp(z)")
            ]
        },
        fails={
            "a4_test_sample_next": [
                "at temperature 0.001 every draw must be the most likely id 2",
                "subtract the largest logit",
            ]
        },
    ),
]

# --- holes a tester found: code run from a string (exec, eval), a worker thread that an answer
# cell starts, a callback slipped into a function the test hands over, results that lie to
# NumPy; and a correct answer that issues a warning ---


def via_exec(function, module, name=None):
    """An answer cell whose function ``name`` (default ``function``) imports and runs
    ``module.function`` in code that it runs from a string (exec makes a frame of its own,
    named like a module's)."""
    return (
        f"def {name or function}(*args, **kwargs):\n"
        "    ns = {'args': args, 'kwargs': kwargs}\n"
        f"    exec('from {module} import {function} as f\\nr = f(*args, **kwargs)', ns)\n"
        "    return ns['r']\n"
    )


def via_thread(function, module, name=None):
    """An answer cell that starts a worker thread running ``module.function`` on the jobs
    that its own function ``name`` (default ``function``) puts in a queue."""
    return (
        "import importlib\nimport queue\nimport threading\n\n"
        "jobs, results = queue.Queue(), queue.Queue()\n\n\n"
        "def worker():\n"
        f"    library = importlib.import_module('{module}')\n"
        "    while True:\n"
        "        args, kwargs = jobs.get()\n"
        f"        results.put(getattr(library, '{function}')(*args, **kwargs))\n\n\n"
        "threading.Thread(target=worker, daemon=True).start()\n\n\n"
        f"def {name or function}(*args, **kwargs):\n"
        "    jobs.put((args, kwargs))\n"
        "    return results.get()\n"
    )


THREAD = "a thread that the notebook started runs while the tests run"
PLAIN = "must return NumPy arrays and numbers"
# A result that looks for the test's expected array in the frames that call it.
STEAL = (
    "import sys\n\n\n"
    "def steal():\n"
    "    frame = sys._getframe(2)\n"
    "    while frame is not None:\n"
    "        for key in ('want', 'w', 'want_d'):\n"
    "            if isinstance(frame.f_locals.get(key), np.ndarray):\n"
    "                return frame.f_locals[key]\n"
    "        frame = frame.f_back\n"
    "    return np.zeros(1)\n\n\n"
    "class Liar:\n"
    "    shape = property(lambda self: steal().shape)\n\n"
    "    def __getitem__(self, index):\n"
    "        return steal()[index]\n\n"
    "    def __array__(self, dtype=None, copy=None):\n"
    "        return np.asarray(steal(), dtype=dtype)\n\n\n"
)

A1 += [
    Case(
        "shortcut: the library's step imported and run by exec",
        cells={"a1_rnn_step_forward": via_exec("rnn_step_forward", "rnnlib.rnn")},
        fails={"a1_test_rnn_step_forward": [OWN, "rnnlib.rnn.rnn_step_forward"]},
        kind="shortcut",
    ),
    Case(
        "shortcut: the library's step run by a worker thread that the answer cell starts",
        cells={"a1_rnn_step_forward": via_thread("rnn_step_forward", "rnnlib.rnn")},
        # The thread runs while every test runs: the whole notebook scores 0.
        fails={
            cell: [OWN, THREAD]
            for cell in (
                "a1_test_rnn_step_forward", "a1_test_step_backward_tanh",
                "a1_test_step_backward_products", "a1_test_rnn_forward",
                "a1_test_bptt_through_time", "a1_test_bptt_weights",
            )
        },
        fakes=("a1_rnn_step_forward",),
        kind="shortcut",
    ),
]
A2 += [
    Case(
        "shortcut: the library's loss imported and run by exec",
        cells={"a2_bce_loss": via_exec("bce_with_logits_loss", "rnnlib.losses", "bce_loss")},
        # Task 3 trains with this bce_loss, handed over, and code run from a string inherits no
        # trust: the shortcut costs Task 3 too.
        fails={
            "a2_test_bce_value": [OWN, "rnnlib.losses.bce_with_logits_loss"],
            "a2_test_bce_gradient": [OWN, "rnnlib.losses.bce_with_logits_loss"],
            "a2_test_train_accuracy": [OWN, "rnnlib.losses.bce_with_logits_loss"],
        },
        kind="shortcut",
    ),
]
A3 += [
    Case(
        "shortcut: the library's step backward imported and run by exec",
        cells={"a3_lstm_step_backward": via_exec("lstm_step_backward", "rnnlib.lstm")},
        fails={
            "a3_test_step_backward_gates": [OWN, "rnnlib.lstm.lstm_step_backward"],
            "a3_test_step_backward_cell_state": [OWN, "rnnlib.lstm.lstm_step_backward"],
            "a3_test_step_backward_products": [OWN, "rnnlib.lstm.lstm_step_backward"],
        },
        kind="shortcut",
    ),
]
CE_TESTS = (
    "a4_test_ce_value", "a4_test_ce_gradient", "a4_test_ce_stable", "a4_test_ce_ignore_index"
)
A4 += [
    Case(
        "shortcut: the library's loss imported and run by exec",
        cells={
            "a4_softmax_cross_entropy": via_exec(
                "cross_entropy_loss", "rnnlib.losses", "softmax_cross_entropy"
            )
        },
        fails={cell: [OWN, "rnnlib.losses.cross_entropy_loss"] for cell in CE_TESTS},
        kind="shortcut",
    ),
    Case(
        "shortcut: the library's loss by eval of a string",
        cells={
            "a4_softmax_cross_entropy": (
                "def softmax_cross_entropy(logits, targets, ignore_index=None):\n"
                "    return eval(\"__import__('rnnlib.losses', fromlist=['x'])\"\n"
                "                \".cross_entropy_loss(z, t, ignore_index=i)\",\n"
                "                {'z': logits, 't': targets, 'i': ignore_index})\n"
            )
        },
        fails={cell: [OWN, "rnnlib.losses.cross_entropy_loss"] for cell in CE_TESTS},
        kind="shortcut",
    ),
    Case(
        "shortcut: sampling with torch in code run by exec",
        cells={
            "a4_sample_next": (
                "def sample_next(logits, temperature, rng):\n"
                "    ns = {'a': (logits, temperature, rng)}\n"
                "    exec('import torch\\n'\n"
                "         'p = torch.softmax(torch.from_numpy(a[0] / a[1]), dim=1)\\n'\n"
                "         'g = torch.Generator().manual_seed(int(a[2].integers(2**31)))\\n'\n"
                "         'r = torch.multinomial(p, 1, generator=g)[:, 0].numpy()', ns)\n"
                "    return ns['r']\n"
            )
        },
        fails={"a4_test_sample_next": [OWN, "torch"]},
        kind="shortcut",
    ),
    Case(
        "shortcut: the library's model run in a callback (__array__) of an object handed to "
        "the student's embedding functions",
        cells={
            "a4_lm_forward": (
                "import importlib\n\n\n"
                "class Work:\n"
                "    def __init__(self, arr, job):\n"
                "        self.arr, self.job, self.out = arr, job, None\n\n"
                "    def __array__(self, dtype=None, copy=None):\n"
                "        self.out = self.job()\n"
                "        return np.asarray(self.arr)\n\n\n"
                "def lm_forward(ids, h0, W_emb, Wxh, Whh, bh, Why, by):\n"
                "    params = dict(W_emb=W_emb, Wxh=Wxh, Whh=Whh, bh=bh, Why=Why, by=by)\n"
                "    mod = importlib.import_module('rnnlib.' + 'charlm')\n"
                "    w = Work(W_emb, lambda: getattr(mod, 'charlm_forward')(params, ids, h0))\n"
                "    embedding_forward(ids, w)\n"
                "    logits, _, cache = w.out\n"
                "    return logits, cache\n\n\n"
                "def lm_backward(dlogits, cache):\n"
                "    mod = importlib.import_module('rnnlib.' + 'charlm')\n"
                "    job = lambda: getattr(mod, 'charlm_backward')(dlogits, cache)\n"
                "    w = Work(np.zeros(0), job)\n"
                "    try:\n"
                "        embedding_backward(w, cache[0])\n"
                "    except Exception:\n"
                "        pass\n"
                "    g, dh0 = w.out\n"
                "    return dh0, g['W_emb'], g['Wxh'], g['Whh'], g['bh'], g['Why'], g['by']\n"
            ),
            "a4_lm_backward": "# lm_backward is in the cell above\n",
        },
        fails={
            "a4_test_lm_forward": [OWN, "rnnlib.charlm.charlm_forward"],
            "a4_test_lm_output_layer": [OWN, "rnnlib.charlm.charlm_backward"],
            "a4_test_lm_through_time": [OWN, "rnnlib.charlm.charlm_backward"],
        },
        kind="shortcut",
    ),
    Case(
        "shortcut: the library's loss run by a worker thread that the answer cell starts",
        cells={
            "a4_softmax_cross_entropy": via_thread(
                "cross_entropy_loss", "rnnlib.losses", "softmax_cross_entropy"
            )
        },
        # The thread runs while every test runs: the whole notebook scores 0.
        fails={
            cell: [OWN, THREAD]
            for cell in CE_TESTS + (
                "a4_test_embedding_forward", "a4_test_embedding_backward",
                "a4_test_lm_forward", "a4_test_lm_output_layer", "a4_test_lm_through_time",
                "a4_test_sample_next",
            )
        },
        fakes=("a4_softmax_cross_entropy",),
        kind="shortcut",
    ),
    Case(
        "shortcut: a loss that is never computed, of a float class whose __array_function__ "
        "makes np.isclose true",
        edits={
            "a4_softmax_cross_entropy": [
                (
                    "    return float(loss), dlogits",
                    "    class Loss(float):\n"
                    "        def __array_function__(self, func, types, args, kwargs):\n"
                    "            if func is np.isclose:\n"
                    "                return np.True_\n"
                    "            args = [float(a) if isinstance(a, Loss) else a for a in args]\n"
                    "            return func(*args, **kwargs)\n\n"
                    "    return Loss(1.0), dlogits",
                )
            ]
        },
        fails={cell: [PLAIN] for cell in CE_TESTS},
        kind="shortcut",
    ),
    Case(
        "shortcut: an embedding gradient whose __array__ returns the test's expected array",
        cells={
            "a4_embedding_backward": STEAL
            + "def embedding_backward(dout, cache):\n    return Liar()\n"
        },
        fails={"a4_test_embedding_backward": [PLAIN]},
        kind="shortcut",
    ),
    Case(
        "shortcut: gradients of the model that return the test's expected arrays",
        cells={
            "a4_lm_backward": STEAL
            + "def lm_backward(dlogits, cache):\n    return tuple(Liar() for _ in range(7))\n"
        },
        fails={"a4_test_lm_output_layer": [PLAIN], "a4_test_lm_through_time": [PLAIN]},
        kind="shortcut",
    ),
    Case(
        "a correct loss that issues a warning (Python adds __warningregistry__ to the "
        "notebook's names)",
        edits={
            "a4_softmax_cross_entropy": [
                (
                    "    return float(loss), dlogits",
                    "    import warnings\n\n"
                    "    warnings.warn('a check of my own')\n"
                    "    return float(loss), dlogits",
                )
            ]
        },
        kind="correct",
    ),
]

CASES = {"a1_rnn_bptt": A1, "a2_bce_training": A2, "a3_lstm_cell": A3, "a4_char_lm": A4}
