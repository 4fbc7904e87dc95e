import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Circle, FancyBboxPatch  # noqa: E402

from rnnlib.diagrams import GRU_NODES, LSTM_NODES, draw_gru_cell, draw_lstm_cell  # noqa: E402

CASES = [
    (draw_lstm_cell, LSTM_NODES, ["forget f", "input i", "candidate g", "output o"], "$c_t$"),
    (draw_gru_cell, GRU_NODES, ["reset r", "update z", "candidate n"], "$h_t$"),
]


@pytest.mark.parametrize(("draw", "nodes", "gates", "state"), CASES)
def test_draws_every_gate_and_operation_on_given_axes(draw, nodes, gates, state):
    fig, ax = plt.subplots()
    assert draw(ax=ax) is ax
    texts = [t.get_text() for t in ax.texts]
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
