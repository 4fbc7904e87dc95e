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
    DESKTOP_WIDTH,
    MIN_DENSITY,
    MIN_SCALE,
    PHONE_WIDTH,
    ROOT,
    SCREENSHOTS,
    broken_local_links,
    error_lines,
    expectations,
    figure_scales,
    missing_alt,
    page_url,
    page_weight,
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
def test_no_dead_widget_or_progress_bar(probe, site_dir, file):
    """Widgets and tqdm bars need a kernel: the site shows neither, nor loads their JS.

    Learners who run the notebook keep them (tools/site_outputs.py leaves them out of
    the pages only); every widget has a static figure next to it.
    """
    report = report_for(probe, file)
    assert report["widget_view_scripts"] == 0, f"{file}: stored widget views on the page"
    assert report["widgets"] == 0 and not report["widget_errors"], file
    assert not report["require_loaded"], f"{file}: require.js loaded for nothing"
    text = (site_dir / f"{file}.html").read_text()
    scripts = re.findall(r"<script[^>]*>", text)
    for needle in ("embed-amd.js", "require.js", "widget-state+json"):
        assert not [s for s in scripts if needle in s], f"{file}: loads {needle} for nothing"
    progress = [o["text"][:80] for o in report["outputs"] if re.search(r"\d+%\|", o["text"])]
    assert not progress, f"{file}: progress bars: {progress}"


def test_widget_chapter_stores_static_figures():
    """The vanishing-gradients chapter, once written, must be listed and draw its figures."""
    path = ROOT / f"{VANISHING}.ipynb"
    if not path.exists():
        assert VANISHING not in FILES
        return
    assert VANISHING in FILES, f"{VANISHING} exists but is not in _toc.yml"
    want = expectations(VANISHING)
    assert want["images"] > 0, "the widget chapter must draw static figures too"


def test_search_finds_pages(probe):
    report = probe.get(search_url())
    assert report and "load_error" not in report and "probe_error" not in report, report
    assert report["search_results"] and report["search_results"] > 0, report["search_summary"]


def test_no_uncaught_javascript_errors(probe):
    assert not probe["__console__"], "\n".join(probe["__console__"])


@pytest.mark.parametrize("file", FILES)
def test_no_console_error_and_no_failed_load(probe, file):
    """Nothing a page runs logs an error, and every image, script, style and font loads."""
    report = report_for(probe, file)
    assert not report["page_errors"], f"{file}: {report['page_errors']}"
    failed = [r["name"] for r in report["resources"] if r.get("status", 0) >= 400]
    assert not failed, f"{file}: failed requests {failed}"


def test_no_request_fails_on_any_page(probe, phone_probe):
    """The server saw no request it could not answer (404s of fonts, images, scripts)."""
    failed = probe["__failed__"] + phone_probe["__failed__"]
    assert not failed, failed


@pytest.mark.parametrize("file", FILES)
def test_no_request_leaves_the_site(probe, server, file):
    report = report_for(probe, file)
    remote = [r["name"] for r in report["resources"]
              if not r["name"].startswith(server.base) and not r["name"].startswith("data:")]
    assert not remote, f"{file}: requests to the network {remote}"


@pytest.mark.parametrize("file", FILES)
def test_every_image_has_a_text_alternative(probe, file):
    report = report_for(probe, file)
    assert not missing_alt(report), f"{file}: images without alt text: {missing_alt(report)}"


@pytest.mark.parametrize("file", FILES)
def test_figures_are_legible_on_desktop_and_phone(probe, phone_probe, site_dir, file):
    """No figure is shrunk below MIN_SCALE of the size it was drawn for."""
    for width, reports in ((DESKTOP_WIDTH, probe), (PHONE_WIDTH, phone_probe)):
        report = reports.get(page_url(file))
        assert report and "images" in report, f"{file} at {width} px: {report}"
        small = [(src, round(scale, 2)) for src, scale, _ in
                 figure_scales(site_dir, page_url(file), report) if scale < MIN_SCALE[width]]
        assert not small, f"{file} at {width} px: figures shown below {MIN_SCALE[width]}: {small}"


@pytest.mark.parametrize("file", FILES)
def test_figures_are_sharp(probe, site_dir, file):
    """Figures carry at least MIN_DENSITY image pixels per displayed CSS pixel."""
    report = report_for(probe, file)
    blurry = [(src, round(density, 2)) for src, _, density in
              figure_scales(site_dir, page_url(file), report) if density < MIN_DENSITY]
    assert not blurry, f"{file}: figures with fewer than {MIN_DENSITY} px per px: {blurry}"


@pytest.mark.parametrize("file", FILES)
def test_code_and_outputs_fit_the_column(probe, file):
    """At 1280 px no code cell, output, table or equation runs past the text column."""
    report = report_for(probe, file)
    assert not report["overflows"], f"{file}: {report['overflows'][:5]}"


@pytest.mark.parametrize("file", FILES)
def test_axe_finds_no_wcag_violation(probe, file):
    """axe-core's WCAG 2.0/2.1 A and AA rules pass on every page (1280 px)."""
    result = report_for(probe, file)["axe"]
    assert "error" not in result, f"{file}: {result}"
    assert not result["violations"], f"{file}: {result['violations']}"


# Kilobytes a page may load, as served here (uncompressed). Every page loads the theme's
# scripts, styles and fonts (~2.5 MB, 1.5 MB of it pydata-sphinx-theme's fontawesome.js);
# pages with maths add MathJax (~1.5 MB with its fonts), chapters their sharp figures
# (up to ~1 MB). A page that loaded the widget manager (3.5 MB) again would fail.
PAGE_BUDGET_KB = 5500


@pytest.mark.parametrize("file", FILES)
def test_page_weight(probe, file):
    weight = page_weight(report_for(probe, file)) / 1000
    assert weight < PAGE_BUDGET_KB, f"{file}: {weight:.0f} kB"


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


SCREENSHOT_PAGES = [FILES[0]] + [f for f in FILES if f.startswith("notebooks/")]


@pytest.mark.parametrize("file", SCREENSHOT_PAGES)
@pytest.mark.parametrize(("kind", "size"), [("desktop", (1280, 2000)), ("phone", (390, 844))])
def test_screenshot(server, chromium, file, kind, size):
    """The top of the landing page and of every chapter, in _build/screenshots/."""
    name = f"{file.rsplit('/', 1)[-1]}_{kind}.png"
    out = screenshot(server, chromium, file, SCREENSHOTS / name, size=size)
    with Image.open(out) as img:
        assert img.size == size
        pixels = np.asarray(img.convert("L"), dtype=float)
    assert pixels.std() > 10, f"{name} looks blank"
    if file == FILES[0] and kind == "desktop":
        img_copy = SCREENSHOTS / "home.png"  # the name the README's picture comes from
        img_copy.write_bytes(out.read_bytes())


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
