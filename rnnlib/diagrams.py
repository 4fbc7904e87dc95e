"""Schematic diagrams of the LSTM and GRU cells, drawn with matplotlib.

The functions only draw: node positions are fixed layout constants and every
function takes ``ax=None`` and returns the axes it drew on.  The labels follow
PyTorch's equations for ``nn.LSTM`` and ``nn.GRU`` (gates i, f, g, o and r, z, n).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import Circle, FancyBboxPatch

GATE_COLOR = "#f6d8ae"  # sigmoid / tanh layers with weights
OP_COLOR = "#d9e8f5"  # element-wise operations
STATE_COLOR = "#2b6c99"  # the cell state (LSTM) or hidden state (GRU) path

# Each node: key -> (x, y, kind, label); kind "layer" is a box, "op" a circle.
LSTM_NODES = {
    "f": (2.6, 2.6, "layer", r"$\sigma$" + "\nforget f"),
    "i": (4.2, 2.6, "layer", r"$\sigma$" + "\ninput i"),
    "g": (5.8, 2.6, "layer", "tanh\ncandidate\ng"),
    "o": (7.4, 2.6, "layer", r"$\sigma$" + "\noutput o"),
    "mul_f": (2.6, 5.0, "op", r"$\times$"),
    "mul_ig": (5.8, 4.0, "op", r"$\times$"),
    "add": (5.8, 5.0, "op", "+"),
    "tanh_c": (8.8, 4.0, "op", "tanh"),
    "mul_o": (8.8, 2.6, "op", r"$\times$"),
}
LSTM_EDGES = [
    # (start, end, via points, drawn on the cell-state path?)
    ("c_in", "mul_f", [], True),
    ("mul_f", "add", [], True),
    ("add", "c_out", [], True),
    ("f", "mul_f", [], False),
    ("i", "mul_ig", [(4.2, 4.0)], False),
    ("g", "mul_ig", [], False),
    ("mul_ig", "add", [], False),
    ("c_branch", "tanh_c", [], False),
    ("tanh_c", "mul_o", [], False),
    ("o", "mul_o", [], False),
    ("mul_o", "h_out", [(8.8, 1.0)], False),
]
LSTM_POINTS = {
    "c_in": (0.4, 5.0),
    "c_out": (10.1, 5.0),
    "c_branch": (8.8, 5.0),
    "h_out": (10.1, 1.0),
}

GRU_NODES = {
    "r": (2.2, 2.3, "layer", r"$\sigma$" + "\nreset r"),
    "z": (3.9, 2.3, "layer", r"$\sigma$" + "\nupdate z"),
    "n": (6.8, 2.3, "layer", "tanh\ncandidate\nn"),
    "one_minus": (5.3, 3.6, "op", "1−z"),
    "mul_z": (3.9, 5.0, "op", r"$\times$"),
    "mul_n": (6.8, 3.6, "op", r"$\times$"),
    "add": (6.8, 5.0, "op", "+"),
}
GRU_EDGES = [
    ("h_in", "mul_z", [], True),
    ("mul_z", "add", [], True),
    ("add", "h_out", [], True),
    ("z", "mul_z", [], False),
    ("z_branch", "one_minus", [], False),
    ("one_minus", "mul_n", [], False),
    ("n", "mul_n", [], False),
    ("mul_n", "add", [], False),
    ("r", "n_left", [(2.2, 3.05), (5.75, 3.05), (5.75, 2.3)], False),
]
GRU_POINTS = {
    "h_in": (0.4, 5.0),
    "h_out": (10.1, 5.0),
    "z_branch": (3.9, 3.6),
    "n_left": (6.12, 2.3),
}


def _xy(key, nodes, points):
    return points[key] if key in points else nodes[key][:2]


LAYER_HALF = (0.68, 0.5)  # half width and half height of a gate layer's box
OP_RADIUS = 0.34  # radius of an element-wise operation's circle


def _edge_point(key, nodes, toward):
    """Where a line from node ``key`` toward the point ``toward`` leaves its outline.

    Lines start and end on the outline of a box or circle, never at its centre, so that
    no line or arrowhead crosses a label.
    """
    x, y, kind, _ = nodes[key]
    dx, dy = toward[0] - x, toward[1] - y
    norm = (dx * dx + dy * dy) ** 0.5
    if kind == "op":
        return x + OP_RADIUS * dx / norm, y + OP_RADIUS * dy / norm
    hw, hh = LAYER_HALF
    scale = min(hw / abs(dx) if dx else float("inf"), hh / abs(dy) if dy else float("inf"))
    return x + dx * scale, y + dy * scale


def _draw_cell(ax, nodes, edges, points, bus_inputs, labels, title):
    """Draw boxes, circles and arrows of one cell on ``ax``."""
    ax.add_patch(
        FancyBboxPatch(
            (1.0, 0.6), 8.6, 5.0, boxstyle="round,pad=0.1", fc="#fbfbfb", ec="0.6", zorder=0
        )
    )
    # Inputs x_t and h_{t-1} feed every gate layer through a shared bus at y = 1.4.
    gate_xs = [nodes[k][0] for k in bus_inputs]
    ax.plot([0.4, max(gate_xs)], [1.4, 1.4], color="0.3", lw=1.2, zorder=1)
    ax.plot([1.6, 1.6], [0.0, 1.4], color="0.3", lw=1.2, zorder=1)
    for x in gate_xs:
        bottom = (x, nodes[bus_inputs[0]][1] - LAYER_HALF[1])
        ax.annotate("", bottom, (x, 1.4), arrowprops=_arrow("0.3"), zorder=1)
    for start, end, via, state in edges:
        path = [_xy(start, nodes, points), *via, _xy(end, nodes, points)]
        if start in nodes:
            path[0] = _edge_point(start, nodes, path[1])
        if end in nodes:
            path[-1] = _edge_point(end, nodes, path[-2])
        color, lw = (STATE_COLOR, 2.5) if state else ("0.3", 1.2)
        for (x0, y0), (x1, y1) in zip(path[:-2], path[1:-1]):
            ax.plot([x0, x1], [y0, y1], color=color, lw=lw, zorder=1, solid_capstyle="butt")
        ax.annotate("", path[-1], path[-2], arrowprops=_arrow(color, lw), zorder=1)
    for x, y, kind, label in nodes.values():
        if kind == "layer":
            hw, hh = LAYER_HALF
            patch = FancyBboxPatch(
                (x - hw, y - hh), 2 * hw, 2 * hh, boxstyle="round,pad=0.03", fc=GATE_COLOR, ec="0.2"
            )
        else:
            patch = Circle((x, y), OP_RADIUS, fc=OP_COLOR, ec="0.2")
        patch.set_zorder(2)
        ax.add_patch(patch)
        size = 9 if kind == "op" and len(label) > 2 else 10
        ax.text(x, y, label, ha="center", va="center", fontsize=size, zorder=3,
                linespacing=1.1)
    for (x, y), text in labels.items():
        ax.text(x, y, text, ha="center", va="center", fontsize=12)
    ax.set_xlim(-0.3, 10.9)
    ax.set_ylim(-0.5, 6.0)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title)
    return ax


def _arrow(color, lw=1.2):
    return dict(
        arrowstyle="-|>",
        color=color,
        lw=lw,
        shrinkA=0,
        shrinkB=0,
        mutation_scale=11,
    )


def draw_lstm_cell(ax=None):
    """Draw one LSTM step: four gate layers and the additive cell-state path.

    Parameters
    ----------
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created when omitted.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 3.9), layout="constrained")
    labels = {
        (0.0, 5.35): r"$c_{t-1}$",
        (10.5, 5.35): r"$c_t$",
        (0.0, 1.75): r"$h_{t-1}$",
        (1.6, -0.25): r"$x_t$",
        (10.5, 1.35): r"$h_t$",
    }
    return _draw_cell(
        ax,
        LSTM_NODES,
        LSTM_EDGES,
        LSTM_POINTS,
        ["f", "i", "g", "o"],
        labels,
        "LSTM cell: $c_t = f \\odot c_{t-1} + i \\odot g$,  $h_t = o \\odot \\tanh(c_t)$",
    )


def draw_gru_cell(ax=None):
    """Draw one GRU step: reset and update gates and the interpolated hidden state.

    Parameters
    ----------
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created when omitted.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 3.9), layout="constrained")
    labels = {
        (0.0, 5.35): r"$h_{t-1}$",
        (10.5, 5.35): r"$h_t$",
        (0.0, 1.75): r"$h_{t-1}$",
        (1.6, -0.25): r"$x_t$",
    }
    return _draw_cell(
        ax,
        GRU_NODES,
        GRU_EDGES,
        GRU_POINTS,
        ["r", "z", "n"],
        labels,
        "GRU cell: $h_t = (1 - z) \\odot n + z \\odot h_{t-1}$",
    )
