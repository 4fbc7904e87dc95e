import matplotlib

matplotlib.use("Agg")

import ipywidgets as widgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Circle  # noqa: E402

from rnnlib.data import sum_sign_dataset  # noqa: E402
from rnnlib.gradients import (  # noqa: E402
    largest_singular_value,
    measure_gradient_norms,
    pascanu_bound,
    scale_to_spectral_radius,
)
from rnnlib.widgets import (  # noqa: E402
    GRADIENT_YLIM,
    HIGHLIGHT,
    gradient_norm_view,
    gradient_norm_widget,
    hidden_state_view,
    hidden_state_widget,
    training_view,
    training_widget,
)

H, T = 6, 12


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def grad_setup(rng):
    return {
        "W_base": rng.normal(size=(H, H)),
        "Wxh": rng.normal(size=(H, 1)),
        "bh": np.zeros(H),
        "X": rng.normal(size=(5, T, 1)),
    }


@pytest.fixture
def hidden(rng):
    x = rng.normal(size=4)
    hs = np.tanh(rng.normal(size=(5, 3)))
    hs[0] = 0.0
    return hs, x


class Recorder:
    """A stand-in view that records its calls."""

    def __init__(self):
        self.calls = []

    def __call__(self, ax, **kwargs):
        self.calls.append(kwargs)
        return ax


def _controls(box):
    return box.children[0].children


# (a) gradient norms ---------------------------------------------------------------------


def test_gradient_norm_view_draws_measured_median_and_bound(grad_setup):
    ax = gradient_norm_view(1.5, 8, 0.1, **grad_setup)
    lines = ax.get_lines()
    assert len(lines) == 2
    assert ax.get_yscale() == "log"
    assert ax.get_ylim() == GRADIENT_YLIM
    assert "spectral radius 1.50" in ax.get_title() and "T = 8" in ax.get_title()
    Whh = scale_to_spectral_radius(grad_setup["W_base"], 1.5)
    norms, _ = measure_gradient_norms(
        0.1 * grad_setup["X"][:, :8], grad_setup["Wxh"], Whh, grad_setup["bh"]
    )
    np.testing.assert_allclose(lines[0].get_ydata(), np.median(norms, axis=0), rtol=1e-12)
    np.testing.assert_allclose(lines[1].get_ydata(), pascanu_bound(Whh, 8), rtol=1e-12)
    assert f"{largest_singular_value(Whh):.2f}" in lines[1].get_label()
    assert np.all(lines[0].get_ydata() <= lines[1].get_ydata() * (1 + 1e-10))


def test_gradient_norm_view_bad_input(grad_setup):
    with pytest.raises(ValueError, match="seq_len must be at most"):
        gradient_norm_view(1.0, T + 1, 1.0, **grad_setup)
    with pytest.raises(ValueError, match="input_scale must be a positive number"):
        gradient_norm_view(1.0, 4, 0.0, **grad_setup)
    bad = dict(grad_setup, bh=np.zeros(H + 1))
    with pytest.raises(ValueError, match=r"bh must have shape \(H,\)"):
        gradient_norm_view(1.0, 4, 1.0, **bad)


def test_gradient_norm_widget_controls(grad_setup):
    box = gradient_norm_widget(**grad_setup)
    assert isinstance(box, widgets.VBox)
    radius, seq_len, scale = _controls(box)
    assert (radius.min, radius.max, radius.value) == (0.1, 3.0, 1.0)
    assert (seq_len.min, seq_len.max, seq_len.value) == (2, T, T)
    assert scale.value == pytest.approx(1.0)
    assert (scale.min, scale.max, scale.base) == (-3, 1, 10)
    assert isinstance(box.children[1], widgets.Output)


def test_gradient_norm_widget_redraws_on_change(grad_setup):
    rec = Recorder()
    box = gradient_norm_widget(**grad_setup, radius=0.5, seq_len=6, draw=rec)
    assert len(rec.calls) == 1  # the default view is drawn at construction
    assert (rec.calls[0]["radius"], rec.calls[0]["seq_len"]) == (0.5, 6)
    radius, seq_len, scale = _controls(box)
    radius.value = 2.0
    assert len(rec.calls) == 2 and rec.calls[-1]["radius"] == 2.0
    seq_len.value = 9
    assert rec.calls[-1]["seq_len"] == 9 and rec.calls[-1]["radius"] == 2.0
    scale.value = 0.01
    assert rec.calls[-1]["input_scale"] == pytest.approx(0.01)
    assert rec.calls[-1]["X"] is not None and rec.calls[-1]["W_base"].shape == (H, H)


def test_gradient_norm_widget_real_view_redraws(grad_setup):
    box = gradient_norm_widget(**grad_setup)
    _controls(box)[0].value = 2.5  # must not raise
    assert len(plt.get_fignums()) == 0  # figures are closed after display


def test_gradient_norm_widget_bad_input(grad_setup):
    with pytest.raises(ValueError, match="radius must be in"):
        gradient_norm_widget(**grad_setup, radius=5.0)
    with pytest.raises(ValueError, match="seq_len must be in"):
        gradient_norm_widget(**grad_setup, seq_len=T + 3)
    with pytest.raises(ValueError, match="draw must be callable"):
        gradient_norm_widget(**grad_setup, draw=3)


# (b) hidden state step by step -----------------------------------------------------------


def test_hidden_state_view_highlights_step(hidden):
    hs, x = hidden
    ax_net, ax_h = hidden_state_view(2, hs, x)
    circles = sorted(
        (p for p in ax_net.patches if isinstance(p, Circle)), key=lambda p: p.center[0]
    )
    assert len(circles) == 5
    highlight = matplotlib.colors.to_rgba(HIGHLIGHT)
    assert circles[2].get_facecolor() == highlight
    assert circles[1].get_facecolor() != highlight
    assert circles[4].get_alpha() == pytest.approx(0.3)  # future steps are faded
    assert f"{x[1]:.2f}" in ax_net.get_title()
    heights = [bar.get_height() for bar in ax_h.patches]
    np.testing.assert_allclose(heights[:3], hs[2])  # h_2 bars
    np.testing.assert_allclose(heights[3:], hs[1])  # h_1 outlines
    assert ax_h.get_ylim() == (-1.05, 1.05)
    assert ax_h.get_title() == "Hidden state $h_{2}$"


def test_hidden_state_view_initial_state(hidden):
    hs, x = hidden
    ax_net, ax_h = hidden_state_view(0, hs, x)
    assert "initial state" in ax_net.get_title()
    assert len(ax_h.patches) == 3  # no previous state to outline
    np.testing.assert_array_equal([b.get_height() for b in ax_h.patches], 0.0)


def test_hidden_state_view_bad_input(hidden):
    hs, x = hidden
    with pytest.raises(ValueError, match=r"t must be an integer in \[0, T = 4\]"):
        hidden_state_view(5, hs, x)
    with pytest.raises(ValueError, match=r"x must have shape \(T,\)"):
        hidden_state_view(1, hs, x[:3])
    with pytest.raises(ValueError, match=r"hs must have shape \(T \+ 1, H\)"):
        hidden_state_view(1, hs[None], x)


def test_hidden_state_widget(hidden):
    hs, x = hidden
    rec = Recorder()
    box = hidden_state_widget(hs, x, draw=rec)
    (slider,) = _controls(box)
    assert (slider.min, slider.max, slider.value) == (0, 4, 4)
    assert rec.calls[-1]["t"] == 4
    slider.value = 1
    assert len(rec.calls) == 2 and rec.calls[-1]["t"] == 1
    np.testing.assert_array_equal(rec.calls[-1]["hs"], hs)
    real = hidden_state_widget(hs, x, t=0)
    _controls(real)[0].value = 3  # the real view redraws without error
    with pytest.raises(ValueError, match="t must be an integer"):
        hidden_state_widget(hs, x, t=-1)


# (c) quick training run ------------------------------------------------------------------


@pytest.fixture
def small_data():
    rng = np.random.default_rng(5)
    X, y = sum_sign_dataset(120, 6, rng)
    X_val, y_val = sum_sign_dataset(60, 6, rng)
    return {"X": X, "y": y, "X_val": X_val, "y_val": y_val}


def test_training_view_plots_losses(small_data):
    ax = training_view(0.02, 8, **small_data, epochs=4)
    lines = ax.get_lines()
    assert len(lines) == 2
    assert ax.get_yscale() == "log"
    assert len(lines[0].get_xdata()) == 4
    assert "lr = 0.02" in ax.get_title() and "H = 8" in ax.get_title()
    assert "validation accuracy" in ax.get_title()
    # the same seed gives the same curve
    again = training_view(0.02, 8, **small_data, epochs=4)
    np.testing.assert_array_equal(again.get_lines()[0].get_ydata(), lines[0].get_ydata())


def test_training_view_bad_input(small_data):
    with pytest.raises(ValueError, match="hidden_size must be a positive integer"):
        training_view(0.01, 0, **small_data)
    with pytest.raises(ValueError, match="lr must be a positive number"):
        training_view(-1.0, 4, **small_data)


def test_training_widget(small_data):
    rec = Recorder()
    box = training_widget(**small_data, lr=0.01, hidden_size=8, epochs=3, draw=rec)
    lr, size = _controls(box)
    assert lr.value == pytest.approx(0.01)
    assert (lr.min, lr.max) == (-4, 1)
    assert size.options == (2, 4, 8, 16, 32, 64) and size.value == 8
    assert len(rec.calls) == 1
    lr.value = 0.1
    assert rec.calls[-1]["lr"] == pytest.approx(0.1) and rec.calls[-1]["epochs"] == 3
    size.value = 32
    assert rec.calls[-1]["hidden_size"] == 32 and len(rec.calls) == 3
    with pytest.raises(ValueError, match="hidden_size must be one of"):
        training_widget(**small_data, hidden_size=5)
    with pytest.raises(ValueError, match="lr must be in"):
        training_widget(**small_data, lr=100.0)
