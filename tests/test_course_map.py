"""tools/course_map.py: the landing page's course map matches the table of contents."""

import importlib.util
import json
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("course_map", ROOT / "tools" / "course_map.py")
course_map = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(course_map)


def test_outline_follows_the_toc():
    outline = course_map.course_outline()
    assert outline[0]["caption"] == "Getting started"
    assert all(part["chapters"] for part in outline)
    n_files = sum(len(part["chapters"]) for part in outline)
    toc_text = (ROOT / "_toc.yml").read_text()
    assert n_files == toc_text.count("- file:")


def test_page_title_reads_the_first_heading(tmp_path):
    (tmp_path / "page.md").write_text("Intro line\n# The title\n## Not this\n")
    assert course_map.page_title(tmp_path, "page") == "The title"
    assert course_map.page_title(tmp_path, "missing_page") == "missing page"


def test_numbered_parts_continue_one_chapter_count(tmp_path):
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nparts:\n"
        "  - caption: Start\n    chapters:\n      - file: setup\n"
        "  - caption: A\n    numbered: 1\n    chapters:\n      - file: a1\n      - file: a2\n"
        "  - caption: B\n    numbered: true\n    chapters:\n      - file: b1\n"
        "  - caption: Reference\n    chapters:\n      - file: ref\n"
    )
    for name in ("setup", "a1", "a2", "b1", "ref"):
        (tmp_path / f"{name}.md").write_text(f"# Title {name}\n")
    outline = course_map.course_outline(tmp_path)
    assert [part["chapters"] for part in outline] == [
        ["Title setup"], ["1. Title a1", "2. Title a2"], ["3. Title b1"], ["Title ref"],
    ]


def test_script_writes_a_png_with_the_outline(tmp_path):
    out = course_map.main(["--out", str(tmp_path / "map.png")])
    with Image.open(out) as img:
        assert img.format == "PNG"
        assert img.size[0] > 400 and img.size[1] > 200
        stored = json.loads(img.info[course_map.METADATA_KEY])
    assert stored == course_map.course_outline()


def test_script_reproduces_the_committed_course_map(tmp_path):
    """Redrawn from the outline stored in it, the committed PNG comes out pixel for pixel.

    Whether that outline is still the table of contents is checked on the built site
    (tests/site), after the chapters of a change are in place.
    """
    with Image.open(course_map.OUT) as img:
        outline = json.loads(img.info[course_map.METADATA_KEY])
        committed = img.convert("RGB").tobytes()
    fresh = course_map.render(outline, tmp_path / "map.png")
    with Image.open(fresh) as img:
        assert img.convert("RGB").tobytes() == committed


def test_one_more_part_adds_a_row_not_narrower_boxes():
    outline = course_map.course_outline()
    extra = {"caption": "A new part", "chapters": ["8. A new chapter"], "path": True}
    parts, height = course_map.layout(outline)
    more, more_height = course_map.layout([*outline[:-1], extra, outline[-1]])
    widths = {round(box["w"], 6) for part in parts + more for box in part["boxes"]}
    assert len(widths) == 1  # every box keeps the width of one column of three
    assert more_height >= height
    for part in more:
        for box in part["boxes"]:
            assert 0 <= box["x"] and box["x"] + box["w"] <= course_map.WIDTH


def test_map_is_drawn_for_the_column_at_twice_the_pixels(tmp_path):
    out = course_map.render(course_map.course_outline(), tmp_path / "map.png")
    with Image.open(out) as img:
        assert img.size[0] == round(course_map.WIDTH * course_map.DPI)
        assert round(img.info["dpi"][0]) == course_map.DPI == 200
