"""The built website as a reader sees it, in headless Chromium, without a network.

Run by ``make site-check`` (part of ``make test``) after ``jupyter-book build``.
"""

from __future__ import annotations

import importlib.util
import json
import re

import numpy as np
import pytest
import yaml
from PIL import Image
from sitecheck import (
    ROOT,
    SCREENSHOTS,
    broken_local_links,
    error_lines,
    expectations,
    page_url,
    screenshot,
    search_url,
    source_of,
    toc_files,
)

FILES = toc_files()
VANISHING = "notebooks/05_vanishing_gradients"


def report_for(probe, file):
    report = probe.get(page_url(file))
    assert report is not None, f"{file}: the probe never reached this page"
    assert "load_error" not in report, f"{file}: {report}"
    assert "probe_error" not in report, f"{file}: {report}"
    return report


def test_every_toc_entry_has_a_source_and_a_page(site_dir):
    for file in FILES:
        source_of(file)
        assert (site_dir / f"{file}.html").is_file(), f"{file}.html was not built"


def test_home_page_redirects_to_the_landing_page(site_dir):
    index = (site_dir / "index.html").read_text()
    assert f"url={FILES[0]}.html" in index


@pytest.mark.parametrize("file", FILES)
def test_page_renders_headings_figures_and_maths(probe, file):
    report = report_for(probe, file)
    want = expectations(file)
    headings = [h for h in report["h1"] if h.strip()]
    assert headings, f"{file}: no <h1> heading"
    for img in report["images"]:
        assert img["src"], f"{file}: an <img> without src"
        assert img["complete"] and img["width"] > 0, f"{file}: image did not load: {img['src']}"
    in_outputs = sum(img["in_output"] for img in report["images"])
    assert in_outputs >= want["images"], (
        f"{file}: the notebook stores {want['images']} figures, the page shows {in_outputs}"
    )
    if report["math_elements"]:
        assert report["mjx_containers"] > 0, f"{file}: maths present but MathJax did not run"
        assert not report["math_unrendered"], f"{file}: raw TeX left: {report['math_unrendered']}"
    assert not report["math_errors"], f"{file}: MathJax errors: {report['math_errors']}"
    for figure in report["figures"]:
        if figure["caption"]:
            assert figure["number"], f"{file}: figure without a number: {figure['caption']!r}"


@pytest.mark.parametrize("file", FILES)
def test_no_error_or_traceback_in_outputs(probe, file):
    report = report_for(probe, file)
    assert not error_lines(report["outputs"]), f"{file}: {error_lines(report['outputs'])}"


@pytest.mark.parametrize("file", FILES)
def test_stored_widgets_render(probe, file):
    report = report_for(probe, file)
    want = expectations(file)
    assert not report["widget_errors"], f"{file}: {report['widget_errors']}"
    if want["widget_views"]:
        assert report["require_loaded"], f"{file}: require.js did not load"
        assert report["widgets"] >= want["widget_views"], (
            f"{file}: {want['widget_views']} stored widget views, "
            f"{report['widgets']} rendered"
        )


def test_widget_chapter_stores_its_widgets_and_static_figures():
    """The vanishing-gradients chapter, once written, must be listed and render offline."""
    path = ROOT / f"{VANISHING}.ipynb"
    if not path.exists():
        assert VANISHING not in FILES
        return
    assert VANISHING in FILES, f"{VANISHING} exists but is not in _toc.yml"
    want = expectations(VANISHING)
    assert want["images"] > 0, "the widget chapter must draw static figures too"
    assert want["has_widget_state"], (
        "notebook metadata has no widget state: re-execute with `make execute NB=...`"
    )


def test_search_finds_pages(probe):
    report = probe.get(search_url())
    assert report and "load_error" not in report and "probe_error" not in report, report
    assert report["search_results"] and report["search_results"] > 0, report["search_summary"]


def test_no_uncaught_javascript_errors(probe):
    assert not probe["__console__"], "\n".join(probe["__console__"])


@pytest.mark.parametrize("file", FILES)
def test_local_links_and_sources_exist(site_dir, file):
    page = site_dir / f"{file}.html"
    assert not broken_local_links(site_dir, page), broken_local_links(site_dir, page)


@pytest.mark.parametrize("file", FILES)
def test_pages_load_no_script_from_the_network(site_dir, file):
    text = (site_dir / f"{file}.html").read_text()
    remote = re.findall(r"<script[^>]*\ssrc=\"(https?:[^\"]+)\"", text)
    assert not remote, f"{file} loads scripts from the network: {remote}"


def test_landing_page_shows_the_numbered_course_map(probe):
    report = report_for(probe, FILES[0])
    assert any(img["src"].endswith("course_map.png") for img in report["images"])
    numbers = [f["number"] for f in report["figures"] if f["caption"]]
    assert numbers and numbers[0].startswith("Figure 1"), report["figures"]


@pytest.mark.parametrize(
    ("file", "name"),
    [(FILES[0], "home.png"), (VANISHING, "vanishing_gradients.png")],
)
def test_screenshot(server, chromium, file, name):
    if file == VANISHING and file not in FILES:
        assert not (ROOT / f"{VANISHING}.ipynb").exists()
        return
    out = screenshot(server, chromium, file, SCREENSHOTS / name)
    with Image.open(out) as img:
        assert img.size == (1280, 2000)
        pixels = np.asarray(img.convert("L"), dtype=float)
    assert pixels.std() > 10, f"{name} looks blank"


def test_course_map_matches_the_table_of_contents(site_dir):
    spec = importlib.util.spec_from_file_location("course_map", ROOT / "tools" / "course_map.py")
    course_map = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(course_map)
    with Image.open(site_dir / "_images" / "course_map.png") as img:
        drawn = json.loads(img.info[course_map.METADATA_KEY])
    assert drawn == course_map.course_outline(), (
        "the course map is out of date: run `python tools/course_map.py`, commit "
        "book/images/course_map.png and rebuild"
    )


def test_screenshot_of_the_widgets(probe, server, chromium):
    """The vanishing-gradients chapter around its first widget, as a reader sees it."""
    if VANISHING not in FILES:
        assert not (ROOT / f"{VANISHING}.ipynb").exists()
        return
    y = report_for(probe, VANISHING)["first_widget_y"]
    assert y is not None, "no rendered widget on the vanishing-gradients page"
    tall = screenshot(server, chromium, VANISHING, SCREENSHOTS / "vanishing_full.png",
                      size=(1280, y + 1200))
    with Image.open(tall) as img:
        crop = img.crop((0, max(0, y - 300), 1280, y + 1100))
    crop.save(SCREENSHOTS / "vanishing_gradients_widgets.png")
    assert np.asarray(crop.convert("L"), dtype=float).std() > 10, "the widget area is blank"


def test_readme_pictures_exist():
    readme = (ROOT / "README.md").read_text()
    pictures = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", readme)
    assert pictures, "the README shows no picture of the site"
    for path in pictures:
        assert (ROOT / path).is_file(), f"README.md shows {path}, which does not exist"


@pytest.mark.parametrize("file", [f for f in FILES if f.startswith("notebooks/")])
def test_launch_and_download_buttons_come_from_the_repository_url(site_dir, file):
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    repo = config["repository"]["url"].rstrip("/")
    owner_name = repo.removeprefix("https://github.com/")
    branch = config["repository"]["branch"]
    text = (site_dir / f"{file}.html").read_text()
    assert f"{repo}/edit/{branch}/{file}.ipynb" in text
    if config["launch_buttons"].get("binderhub_url"):
        binder = config["launch_buttons"]["binderhub_url"].rstrip("/")
        assert f"{binder}/v2/gh/{owner_name}/{branch}?urlpath=lab/tree/{file}.ipynb" in text
    if config["launch_buttons"].get("colab_url"):
        colab = config["launch_buttons"]["colab_url"].rstrip("/")
        assert f"{colab}/github/{owner_name}/blob/{branch}/{file}.ipynb" in text
    assert f"_sources/{file}.ipynb" in text, "no download button for the notebook"
    assert (site_dir / "_sources" / f"{file}.ipynb").is_file()
