import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Circle, FancyBboxPatch  # noqa: E402

from rnnlib.diagrams import (  # noqa: E402
    GRU_NODES,
    LAYER_HALF,
    LSTM_NODES,
    OP_RADIUS,
    draw_gru_cell,
    draw_lstm_cell,
)

CASES = [
    (draw_lstm_cell, LSTM_NODES, ["forget f", "input i", "candidate g", "output o"], "$c_t$"),
    (draw_gru_cell, GRU_NODES, ["reset r", "update z", "candidate n"], "$h_t$"),
]


@pytest.mark.parametrize(("draw", "nodes", "gates", "state"), CASES)
def test_draws_every_gate_and_operation_on_given_axes(draw, nodes, gates, state):
    fig, ax = plt.subplots()
    assert draw(ax=ax) is ax
    texts = [" ".join(t.get_text().split()) for t in ax.texts]
    for gate in gates:
        assert any(gate in t for t in texts), gate
    assert state in texts
    layers = sum(kind == "layer" for _, _, kind, _ in nodes.values())
    ops = sum(kind == "op" for _, _, kind, _ in nodes.values())
    assert layers == len(gates)
    assert sum(isinstance(p, Circle) for p in ax.patches) == ops
    # one frame around the cell plus one box per gate layer
    assert sum(isinstance(p, FancyBboxPatch) for p in ax.patches) == layers + 1
    assert ax.get_title().startswith(("LSTM", "GRU"))
    assert not ax.axison
    plt.close(fig)


@pytest.mark.parametrize(("draw", "nodes", "gates", "state"), CASES)
def test_creates_axes_when_none_given(draw, nodes, gates, state):
    ax = draw()
    assert ax.figure is not None and len(ax.patches) > len(nodes)
    plt.close(ax.figure)


def test_node_positions_inside_the_drawing():
    for nodes in (LSTM_NODES, GRU_NODES):
        for x, y, _, _ in nodes.values():
            assert 0 < x < 10.8 and 0 < y < 6


def _inside(nodes, x, y, margin=1e-6):
    """The node whose box or circle strictly contains the point (x, y), if any."""
    for key, (nx, ny, kind, _) in nodes.items():
        if kind == "op" and (x - nx) ** 2 + (y - ny) ** 2 < (OP_RADIUS - margin) ** 2:
            return key
        if kind == "layer" and abs(x - nx) < LAYER_HALF[0] - margin and abs(
            y - ny
        ) < LAYER_HALF[1] - margin:
            return key
    return None


@pytest.mark.parametrize(("draw", "nodes", "gates", "state"), CASES)
def test_no_line_or_arrow_ends_inside_a_box_or_circle(draw, nodes, gates, state):
    """Lines and arrowheads stop at the outline, so none crosses a label (figures 7.1, 7.3)."""
    fig, ax = plt.subplots()
    draw(ax=ax)
    ends = [pt for line in ax.lines for pt in zip(line.get_xdata(), line.get_ydata())]
    ends += [pt for a in ax.texts if hasattr(a, "xy") for pt in (a.xy, a.xyann)]
    assert len(ends) > 2 * len(nodes)
    inside = [(pt, _inside(nodes, *pt)) for pt in ends if _inside(nodes, *pt)]
    assert not inside, inside
    plt.close(fig)
