"""Drive a real JupyterLab the way a learner meets it (``make lab-test``).

``LabServer`` starts ``jupyter lab`` on 127.0.0.1 (a free port, a random token) with the
learner configuration of ``make lab`` (``jupyter-learner/``: nbgrader's instructor panels
off), serving a throw-away copy of ``notebooks/`` so that nothing it does can write into the
repository. ``open_browser`` starts Debian's Chromium through Playwright (no browser
download). The helpers below open a notebook, read what the learner sees, run every cell and
move a widget control; the test in ``test_lab.py`` makes the assertions.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LEARNER_CONFIG = REPO / "jupyter-learner"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Raw MyST that must never reach the learner's eyes: a role or a directive shown as text.
# `(eq-` is an equation's label after its `$$`, which must become the equation's number.
RAW_MYST = ["{numref}", "{eq}", "{doc}", "{cite:p}", "{term}", ":class: dropdown",
            "```{exercise}", "```{solution", ":label: ex-", "(eq-"]

# JupyterLab user settings for the test only: no autosave (the copy stays as it was), every
# cell kept in the DOM (so that innerText sees the whole notebook), no news or update checks.
TEST_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false",
                                                    "checkForUpdates": False},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class LabServer:
    """JupyterLab on 127.0.0.1 serving a copy of ``notebooks/`` (a context manager)."""

    def __init__(self, notebooks: list[str], startup_timeout: float = 120.0):
        self.notebooks = notebooks
        self.startup_timeout = startup_timeout
        self.token = secrets.token_hex(16)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> LabServer:
        self.tmp = Path(tempfile.mkdtemp(prefix="labtest-"))
        root = self.tmp / "root"
        (root / "notebooks").mkdir(parents=True)
        for name in self.notebooks:
            shutil.copy2(REPO / "notebooks" / name, root / "notebooks" / name)
        settings = self.tmp / "settings"
        for key, value in TEST_SETTINGS.items():
            path = settings / f"{key}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(value))
        env = dict(os.environ)
        env.update(
            JUPYTER_CONFIG_PATH=str(LEARNER_CONFIG),  # the configuration `make lab` uses
            JUPYTERLAB_SETTINGS_DIR=str(settings),
            JUPYTERLAB_WORKSPACES_DIR=str(self.tmp / "workspaces"),
            JUPYTER_RUNTIME_DIR=str(self.tmp / "runtime"),
            MPLBACKEND="module://matplotlib_inline.backend_inline",
        )
        bindir = str(Path(sys.executable).parent)
        env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
        self.log = open(self.tmp / "jupyterlab.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.allow_root=True",
             "--ip=127.0.0.1", f"--port={self.port}", "--ServerApp.port_retries=0",
             f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={root}",
             "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None",
             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
             "--LabApp.extension_manager=readonly"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, cwd=root,
        )
        deadline = time.monotonic() + self.startup_timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited: {self.log_text()}")
            try:
                with urllib.request.urlopen(f"{self.base}/api/status?token={self.token}",
                                            timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"jupyter lab did not start: {self.log_text()}")
            time.sleep(0.5)
        return self

    def log_text(self) -> str:
        self.log.flush()
        return (self.tmp / "jupyterlab.log").read_text()[-3000:]

    def url(self, notebook: str) -> str:
        # `reset`: a fresh workspace, so that a notebook opened before is not restored.
        return f"{self.base}/lab/tree/notebooks/{notebook}?reset&token={self.token}"

    def __exit__(self, *exc):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


@contextmanager
def open_browser(executable: str):
    """Chromium through Playwright, with a throw-away profile (Playwright makes one)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


# --- What the learner sees -------------------------------------------------------------------

_PANEL = "document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook')"


def open_notebook(page, server: LabServer, notebook: str, timeout_ms: int = 120_000) -> None:
    """Open ``notebook`` in JupyterLab and wait until its kernel is idle and MyST rendered."""
    page.goto(server.url(notebook), timeout=timeout_ms)
    page.wait_for_function(
        """() => {
          const app = window.jupyterapp;
          if (!app || !app.shell) return false;
          const w = app.shell.currentWidget;
          if (!w || !w.sessionContext || !w.context || !w.context.isReady) return false;
          const k = w.sessionContext.session && w.sessionContext.session.kernel;
          return !!k && k.status === 'idle';
        }""",
        timeout=timeout_ms,
    )
    # Every markdown cell rendered (no cell still in edit mode, no pending renderer).
    page.wait_for_function(
        """() => {
          const cells = document.querySelectorAll(
            '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-MarkdownCell');
          return cells.length > 0 && [...cells].every(
            c => c.classList.contains('jp-mod-rendered'));
        }""",
        timeout=timeout_ms,
    )
    page.wait_for_timeout(1000)


def open_flags(page) -> list[bool]:
    """Whether each solution box (a <details> of jupyterlab-myst) is open."""
    return page.evaluate(
        f"() => [...{_PANEL}.querySelectorAll('details.myst-exercise')].map(d => d.open)")


def visible_text(page) -> str:
    """The notebook's text as the learner sees it (closed <details> contribute nothing)."""
    return page.evaluate(f"() => {_PANEL}.innerText")


def run_all(page, timeout_ms: int = 300_000) -> list[dict]:
    """Run every cell (the Run All Cells command); return each code cell's outputs."""
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_timeout(1000)
    page.wait_for_function(
        """() => {
          const w = window.jupyterapp.shell.currentWidget;
          const k = w.sessionContext.session.kernel;
          if (k.status !== 'idle') return false;
          const cells = w.content.widgets.filter(c => c.model.type === 'code');
          return cells.every(c => c.model.executionCount !== null
                                  && c.promptNode.textContent.indexOf('*') < 0);
        }""",
        timeout=timeout_ms, polling=500,
    )
    return page.evaluate(
        """() => window.jupyterapp.shell.currentWidget.content.widgets
              .filter(c => c.model.type === 'code')
              .map(c => ({source: c.model.sharedModel.getSource(),
                          count: c.model.executionCount,
                          outputs: c.model.outputs.toJSON()}))"""
    )


def widget_areas(page):
    """Locators of the ipywidgets views (a VBox of controls and an output) in the notebook."""
    return page.locator(
        ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output .widget-vbox"
    ).filter(has=page.locator(".widget-output"))


def figure_src(area) -> str | None:
    img = area.locator(".widget-output img")
    if img.count() == 0:
        return None
    return img.first.get_attribute("src")


def move_first_slider(page, area) -> None:
    """Move the first slider of a widget one step with the keyboard, as a learner can."""
    handle = area.locator(".noUi-handle").first
    handle.scroll_into_view_if_needed()
    handle.focus()
    page.keyboard.press("ArrowLeft")
    handle.dispatch_event("keyup")


def count_solutions(notebook_path: Path) -> int:
    """How many ``{solution}`` directives the notebook's markdown cells hold."""
    nb = json.loads(notebook_path.read_text())
    return sum(len(re.findall(r"^`{3,}\{solution\}", "".join(c["source"]), flags=re.M))
               for c in nb["cells"] if c["cell_type"] == "markdown")


def solution_bodies(page) -> list[str]:
    """Open every solution box (a click on its title) and return the text it then shows."""
    boxes = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) details.myst-exercise")
    bodies = []
    for i in range(boxes.count()):
        box = boxes.nth(i)
        summary = box.locator("summary").first
        summary.scroll_into_view_if_needed()
        summary.click()
        page.wait_for_function("el => el.open", arg=box.element_handle())
        bodies.append(box.evaluate(
            "el => [...el.children].filter(c => c.tagName !== 'SUMMARY')"
            ".map(c => c.innerText).join(' ')"))
    return bodies


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text)
