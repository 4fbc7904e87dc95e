"""Draw the course map on the landing page from ``_toc.yml`` and the chapters' titles.

One column per part of the book, one box per chapter, arrows in reading order. The
chapter titles are read from each notebook's (or page's) first heading, and the list of
titles is stored in the PNG's metadata, so that ``tests/test_course_map.py`` can tell
when the committed picture no longer matches the table of contents.

Usage::

    python tools/course_map.py                         # writes book/images/course_map.png
    python tools/course_map.py --out /tmp/map.png
"""

from __future__ import annotations

import argparse
import json
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import yaml  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "book" / "images" / "course_map.png"
METADATA_KEY = "Description"
COLOURS = ["#e8eef7", "#dbeafe", "#fde2e2", "#dcfce7", "#f3e8ff", "#fef9c3"]
EDGES = ["#64748b", "#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ca8a04"]


def page_title(root: Path, file: str) -> str:
    """Return the first level-1 heading of a chapter (notebook or Markdown page)."""
    nb_path = root / f"{file}.ipynb"
    if nb_path.exists():
        nb = nbformat.read(nb_path, as_version=4)
        sources = [c.source for c in nb.cells if c.cell_type == "markdown"]
    else:
        md_path = root / f"{file}.md"
        sources = [md_path.read_text()] if md_path.exists() else []
    for source in sources:
        for line in source.splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return Path(file).stem.replace("_", " ")


def course_outline(root: Path = ROOT) -> list[dict]:
    """Return the parts of ``_toc.yml`` with their chapters' titles.

    Each part is ``{"caption": str, "chapters": [title, ...], "path": bool}``; ``path`` is
    True for the first part and for parts with chapters under ``notebooks/`` (the reading
    path), False for reference parts, whose pages are drawn without arrows. Chapters of
    ``numbered`` parts get the number the website shows, "3. A sequence classifier": one
    count that continues from numbered part to numbered part (Jupyter Book's default
    ``use_multitoc_numbering``).
    """
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    outline = []
    number = 0  # chapters numbered so far
    for part in toc.get("parts", []):
        files = [ch["file"] for ch in part.get("chapters") or []]
        titles = [page_title(root, f) for f in files]
        if part.get("numbered"):
            titles = [f"{number + i}. {title}" for i, title in enumerate(titles, start=1)]
            number += len(titles)
        if files:
            outline.append({
                "caption": part["caption"],
                "chapters": titles,
                "path": not outline or any(f.startswith("notebooks/") for f in files),
            })
    return outline


# Layout, in inches: the map is drawn for the landing page's text column (672 CSS pixels at
# 1280 px; WIDTH inches at 100 dpi) and saved at DPI, twice the pixels, so that it is sharp
# on high-resolution screens. At most PARTS_PER_ROW parts stand side by side; more parts
# start a new row, so one more part in _toc.yml adds a column or a row, never squeezes text.
WIDTH = 6.7
DPI = 200
PARTS_PER_ROW = 3
TITLE_H, CAPTION_H, LINE_H, BOX_PAD, BOX_GAP, ROW_GAP = 0.45, 0.42, 0.19, 0.14, 0.16, 0.3
FONT, CAPTION_FONT, TITLE_FONT = 10, 10.5, 12


def _wrap(text: str, width_in: float, fontsize: float) -> list[str]:
    """Wrap ``text`` to lines that fit ``width_in`` inches at ``fontsize`` points."""
    chars = max(8, int(width_in * 72 / (0.56 * fontsize)))
    return textwrap.wrap(text, chars) or [""]


def layout(outline: list[dict]) -> tuple[list[list[dict]], float]:
    """Place every part and chapter box; return the boxes per part and the total height.

    Each box is ``{"x", "y", "w", "h", "lines"}`` in inches from the top left corner
    (``y`` grows downwards), ``lines`` its wrapped title.
    """
    n_cols = min(PARTS_PER_ROW, len(outline))
    col_w = WIDTH / n_cols
    box_w = col_w - 0.3
    parts, top = [], TITLE_H
    for row_start in range(0, len(outline), n_cols):
        row = outline[row_start:row_start + n_cols]
        captions = [_wrap(part["caption"], box_w, CAPTION_FONT) for part in row]
        cap_h = max(CAPTION_H, max(len(c) for c in captions) * LINE_H + 0.12)
        bottom = top
        for k, part in enumerate(row):
            x = k * col_w + (col_w - box_w) / 2
            y = top + cap_h
            boxes = []
            for title in part["chapters"]:
                lines = _wrap(title, box_w - 0.12, FONT)
                h = len(lines) * LINE_H + 2 * BOX_PAD
                boxes.append({"x": x, "y": y, "w": box_w, "h": h, "lines": lines})
                y += h + BOX_GAP
            parts.append({"caption": captions[k], "cx": x + box_w / 2, "cy": top + cap_h / 2,
                          "boxes": boxes, "path": part.get("path", True)})
            bottom = max(bottom, y - BOX_GAP)
        top = bottom + ROW_GAP
    return parts, top - ROW_GAP + 0.1


def draw_course_map(outline: list[dict], ax=None):
    """Draw the parts as columns of chapter boxes joined by arrows; return the axes.

    Up to ``PARTS_PER_ROW`` parts per row; the reading path runs down each column and on
    to the next part (to the right, or down to the next row).
    """
    parts, height = layout(outline)
    if ax is None:
        fig = plt.figure(figsize=(WIDTH, height))
        ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, WIDTH)
    ax.set_ylim(height, 0)
    ax.axis("off")
    ax.text(WIDTH / 2, TITLE_H / 2, "The path through the course", ha="center", va="center",
            fontsize=TITLE_FONT)
    path = []
    for i, part in enumerate(parts):
        colour, edge = COLOURS[i % len(COLOURS)], EDGES[i % len(EDGES)]
        ax.text(part["cx"], part["cy"], "\n".join(part["caption"]), ha="center", va="center",
                fontsize=CAPTION_FONT, fontweight="bold", color=edge)
        for box in part["boxes"]:
            ax.add_patch(FancyBboxPatch((box["x"], box["y"]), box["w"], box["h"],
                                        boxstyle="round,pad=0.0,rounding_size=0.06",
                                        facecolor=colour, edgecolor=edge, linewidth=1.3))
            ax.text(box["x"] + box["w"] / 2, box["y"] + box["h"] / 2, "\n".join(box["lines"]),
                    ha="center", va="center", fontsize=FONT, linespacing=1.25)
            if part["path"]:
                path.append(box)
    arrow = dict(arrowstyle="-|>", mutation_scale=12, color="#334155", linewidth=1.1,
                 shrinkA=0, shrinkB=0)
    for a, b in zip(path[:-1], path[1:]):
        if abs(a["x"] - b["x"]) < 1e-9:  # same column: downwards
            start, end = (a["x"] + a["w"] / 2, a["y"] + a["h"]), (b["x"] + b["w"] / 2, b["y"])
            style = "arc3"
        elif b["y"] > a["y"] + a["h"] and b["x"] < a["x"]:  # next row: around its caption
            mid_y = b["y"] - CAPTION_H - ROW_GAP / 2  # in the gap above the row's captions
            side_x = b["x"] - 0.11  # in the margin left of the column
            ax.plot([a["x"] + a["w"] / 2, a["x"] + a["w"] / 2, side_x, side_x],
                    [a["y"] + a["h"], mid_y, mid_y, b["y"] + b["h"] / 2],
                    color="#334155", linewidth=1.1)
            start, end = (side_x, b["y"] + b["h"] / 2), (b["x"], b["y"] + b["h"] / 2)
            style = "arc3"
        else:  # next part in the same row: from the right edge to the left edge
            start, end = (a["x"] + a["w"], a["y"] + a["h"] / 2), (b["x"], b["y"] + b["h"] / 2)
            style = "arc3"
        ax.add_patch(FancyArrowPatch(start, end, connectionstyle=style, **arrow))
    return ax


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    out = render(course_outline(), args.out)
    print(f"wrote {out}")
    return out


def render(outline: list[dict], out: Path) -> Path:
    """Draw ``outline`` into the PNG file ``out``, with the outline in its metadata."""
    _, height = layout(outline)
    fig = plt.figure(figsize=(WIDTH, height))
    ax = fig.add_axes((0, 0, 1, 1))
    draw_course_map(outline, ax=ax)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    # No software version or date in the file: the same outline gives the same bytes.
    metadata = {"Software": None, METADATA_KEY: json.dumps(outline)}
    fig.savefig(out, dpi=DPI, metadata=metadata)
    plt.close(fig)
    return out


if __name__ == "__main__":
    main()
