"""Fixtures for the lab test (``make lab-test``): JupyterLab driven in headless Chromium.

Like ``tests/site``, these tests are collected only when this folder is named on the
command line (``pytest tests/lab``), never by a plain ``pytest`` or ``pytest tests``: they
start a JupyterLab server and a browser and take about a minute. When they are collected, a
missing Chromium or Playwright is a failure, not a skip.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from labdriver import LabServer, chromium_path, open_browser
from named_only import ignore_unless_named

HERE = Path(__file__).resolve().parent
# The chapters with ipywidgets controls.
LAB_NOTEBOOKS = ["01_smallest_rnn.ipynb", "03_sequence_classifier.ipynb",
                 "05_vanishing_gradients.ipynb"]


def pytest_ignore_collect(collection_path, config):
    return ignore_unless_named(collection_path, config, HERE)


@pytest.fixture(scope="session")
def chromium() -> str:
    exe = chromium_path()
    if exe is None:
        pytest.fail("chromium not found: run `make install` as root, or `apt-get install chromium`")
    return exe


@pytest.fixture(scope="session")
def lab():
    with LabServer(LAB_NOTEBOOKS) as server:
        yield server


@pytest.fixture(scope="session")
def browser(chromium):
    with open_browser(chromium) as br:
        yield br


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.js_errors = errors
    yield pg
    context.close()
