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


def draw_course_map(outline: list[dict], ax=None):
    """Draw the parts as columns of chapter boxes joined by arrows; return the axes."""
    if ax is None:
        _, ax = plt.subplots()
    n_cols = len(outline)
    n_rows = max(len(part["chapters"]) for part in outline)
    col_w, box_w, box_h, row_h = 1.0, 0.82, 0.62, 0.8
    ax.set_xlim(0, n_cols * col_w)
    ax.set_ylim(-(n_rows * row_h) - 0.15, 0.75)
    ax.axis("off")
    centres = []
    for i, part in enumerate(outline):
        x0 = i * col_w + (col_w - box_w) / 2
        colour, edge = COLOURS[i % len(COLOURS)], EDGES[i % len(EDGES)]
        caption = "\n".join(textwrap.wrap(part["caption"], 20))
        ax.text(i * col_w + col_w / 2, 0.35, caption, ha="center", va="center",
                fontsize=11, fontweight="bold", color=edge)
        for j, title in enumerate(part["chapters"]):
            y0 = -(j + 1) * row_h + (row_h - box_h) / 2
            ax.add_patch(FancyBboxPatch((x0, y0), box_w, box_h,
                                        boxstyle="round,pad=0.0,rounding_size=0.06",
                                        facecolor=colour, edgecolor=edge, linewidth=1.5))
            ax.text(x0 + box_w / 2, y0 + box_h / 2, "\n".join(textwrap.wrap(title, 19)),
                    ha="center", va="center", fontsize=9.5)
            if part.get("path", True):
                centres.append((x0, y0, box_w, box_h))
    for (xa, ya, wa, ha), (xb, yb, wb, hb) in zip(centres[:-1], centres[1:]):
        if abs(xa - xb) < 1e-9:  # same column: downwards
            start, end = (xa + wa / 2, ya), (xb + wb / 2, yb + hb)
        else:  # next part: from the right edge to the left edge of the next column
            start, end = (xa + wa, ya + ha / 2), (xb, yb + hb / 2)
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=14,
                                     color="#334155", linewidth=1.2,
                                     connectionstyle="arc3,rad=0.0"))
    ax.set_title("The path through the course", fontsize=13)
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
    n_rows = max(len(part["chapters"]) for part in outline)
    fig, ax = plt.subplots(figsize=(2.4 * len(outline), 1.0 + 0.95 * n_rows), dpi=100)
    draw_course_map(outline, ax=ax)
    fig.tight_layout()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    # No software version or date in the file: the same outline gives the same bytes.
    metadata = {"Software": None, METADATA_KEY: json.dumps(outline)}
    fig.savefig(out, metadata=metadata)
    plt.close(fig)
    return out


if __name__ == "__main__":
    main()
