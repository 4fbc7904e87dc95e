"""The chapters with widgets, as a learner runs them in JupyterLab (``make lab-test``).

For each chapter, in a real JupyterLab started with the learner configuration of
``make lab`` and opened in headless Chromium:

- before anything runs, no raw MyST (a role such as ``{numref}``, a directive fence, a
  ``:class: dropdown`` option) and no solution text is visible: jupyterlab-myst draws every
  exercise as a box and every solution as a closed box; opening a solution shows its text;
- Run All Cells runs every code cell, and no cell shows an error, a traceback or a warning;
- each widget's first slider, moved one step with the keyboard, redraws its figure
  (the image before and after differ).

Plus: nbgrader's instructor panels are not in the learner's JupyterLab.
"""

from __future__ import annotations

import re
import urllib.request
from urllib.error import HTTPError

import pytest
from conftest import LAB_NOTEBOOKS
from labdriver import (
    RAW_MYST,
    REPO,
    count_solutions,
    figure_src,
    move_first_slider,
    normalise,
    open_flags,
    open_notebook,
    run_all,
    solution_bodies,
    visible_text,
    widget_areas,
)

BAD_STDERR = re.compile(r"Traceback|\w+(Error|Exception|Warning):")


@pytest.mark.parametrize("notebook", LAB_NOTEBOOKS)
def test_chapter_in_jupyterlab(lab, page, notebook):
    open_notebook(page, lab, notebook)

    # 1. What the learner reads before running anything.
    before = visible_text(page)
    raw = [marker for marker in RAW_MYST if marker in before]
    assert not raw, f"raw MyST visible in {notebook}: {raw}"
    n_solutions = count_solutions(REPO / "notebooks" / notebook)
    assert n_solutions >= 1, f"no solutions found in {notebook}"
    opened = open_flags(page)
    assert len(opened) == n_solutions, "every solution is a collapsible box"
    assert not any(opened), "every solution box starts closed"
    text = normalise(before)
    for body in solution_bodies(page):
        body = normalise(body).strip()
        assert len(body) > 20, "an opened solution shows its text"
        assert body[:80] not in text, f"solution visible before opening it: {body[:80]}"

    # 2. Run All Cells: no error anywhere.
    cells = run_all(page)
    for cell in cells:
        for out in cell["outputs"]:
            head = cell["source"].splitlines()[0] if cell["source"] else ""
            assert out["output_type"] != "error", (
                f"{notebook}: cell `{head}` raised {out.get('ename')}: {out.get('evalue')}")
            if out["output_type"] == "stream" and out["name"] == "stderr":
                assert not BAD_STDERR.search(out["text"]), f"{notebook}: `{head}`: {out['text']}"

    # 3. Every widget redraws its figure when a control moves.
    n_widgets = sum("_widget(" in c["source"] for c in cells)
    areas = widget_areas(page)
    assert n_widgets >= 1
    page.wait_for_function(
        """n => document.querySelectorAll(
             '.jp-NotebookPanel:not(.lm-mod-hidden) .widget-vbox .widget-output img'
           ).length >= n""", arg=n_widgets, timeout=120_000)
    assert areas.count() == n_widgets, f"{notebook}: {areas.count()} widget views"
    for i in range(n_widgets):
        area = areas.nth(i)
        old = figure_src(area)
        assert old, "the widget shows a figure"
        move_first_slider(page, area)
        page.wait_for_function(
            """([el, old]) => {
                 const img = el.querySelector('.widget-output img');
                 return img !== null && img.getAttribute('src') !== old;
               }""",
            arg=[area.element_handle(), old], timeout=120_000)
    assert not page.js_errors, f"uncaught JavaScript errors: {page.js_errors}"


def test_no_instructor_panels(lab, page):
    """nbgrader's formgrader, Create Assignment and Validate are not in the learner's lab."""
    open_notebook(page, lab, LAB_NOTEBOOKS[0])
    commands = page.evaluate("() => window.jupyterapp.commands.listCommands()")
    assert not [c for c in commands if "nbgrader" in c.lower()]
    plugins = page.evaluate("() => window.jupyterapp.listPlugins()")
    assert not [p for p in plugins if p.startswith("@jupyter/nbgrader")]
    assert "jupyterlab-myst:plugin" in plugins or any(p.startswith("jupyterlab-myst")
                                                      for p in plugins)
    with pytest.raises(HTTPError) as err:
        urllib.request.urlopen(f"{lab.base}/formgrader?token={lab.token}", timeout=10)
    assert err.value.code == 404
