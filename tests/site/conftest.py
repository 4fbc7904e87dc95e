"""Fixtures for the checks of the built website (``make site-check``).

These tests need the HTML that ``jupyter-book build`` writes to ``_build/html`` and a
Chromium, so they are collected only when this folder is named on the command line
(``pytest tests/site``), never by a plain ``pytest`` or ``pytest tests``. When they are
collected, a missing site or browser is a failure, not a skip.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from named_only import ignore_unless_named
from sitecheck import PHONE_WIDTH, SITE_HTML, SiteServer, run_probe, write_summary

HERE = Path(__file__).resolve().parent


def pytest_ignore_collect(collection_path, config):
    return ignore_unless_named(collection_path, config, HERE)


@pytest.fixture(scope="session")
def site_dir() -> Path:
    html = SITE_HTML
    if not (html / "index.html").is_file():
        pytest.fail(f"no built site in {html}: run `make book` first")
    return html


@pytest.fixture(scope="session")
def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.fail("chromium not found: run `make install` as root, or `apt-get install chromium`")
    return exe


@pytest.fixture(scope="session")
def server(site_dir):
    with SiteServer(site_dir) as srv:
        yield srv


@pytest.fixture(scope="session")
def probe(server, chromium):
    """Every page of the table of contents, opened in Chromium once, as dicts by file.

    A summary per page (smallest figure scale, axe-core result, page weight) is written
    to ``_build/site-check.json``.
    """
    reports = run_probe(server, chromium)
    write_summary(reports, SITE_HTML.parent / "site-check.json")
    return reports


@pytest.fixture(scope="session")
def phone_probe(server, chromium):
    """The same pages in a frame as wide as a phone (390 px), without axe-core."""
    reports = run_probe(server, chromium, width=PHONE_WIDTH, run_axe=False)
    write_summary(reports, SITE_HTML.parent / "site-check-phone.json")
    return reports
