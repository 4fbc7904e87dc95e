"""Serve the built site on localhost and look at it with headless Chromium.

One Chromium run opens a probe page that loads every page of the book, one after the
other, into a same-origin iframe; once a page's scripts have run (MathJax, the widget
manager, the search) the probe records what a reader would see: headings, images and
whether they loaded, typeset maths, rendered widgets, figure captions, the text of every
cell output. The results come back through ``--dump-dom``. Screenshots are separate
Chromium runs with ``--screenshot``.

The server listens on 127.0.0.1 only, on a free port, and stops with the test session.
"""

from __future__ import annotations

import functools
import html
import json
import os
import re
import subprocess
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[2]
# The site and table of contents to check; the environment variables are for checking
# another build (e.g. `jupyter-book build . --toc T --path-output D`).
SITE_HTML = Path(os.environ.get("SITE_CHECK_HTML", ROOT / "_build" / "html"))
TOC = Path(os.environ.get("SITE_CHECK_TOC", ROOT / "_toc.yml"))
SCREENSHOTS = SITE_HTML.parent / "screenshots"
PROBE_PATH = "/__probe__.html"
SEARCH_WORD = "gradient"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
]
# Text that must never appear in a cell output on the site.
ERROR_PATTERNS = [
    re.compile(r"Traceback \(most recent call last\)"),
    re.compile(r"\b[A-Z]\w*(Error|Exception)\b\s*:"),  # NameError: ..., ValueError: ...
    re.compile(r"\b[A-Z]\w*Warning\b\s*:"),  # DeprecationWarning: ..., UserWarning: ...
    re.compile(r"Error displaying widget"),
]
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json"


# ----------------------------------------------------------------- the book's pages
def toc_files(toc_path: Path = TOC) -> list[str]:
    """Return the root page and every chapter listed in ``_toc.yml``, in reading order."""
    toc = yaml.safe_load(Path(toc_path).read_text())
    files = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))

    walk(toc.get("chapters"))
    for part in toc.get("parts") or []:
        walk(part.get("chapters"))
    return files


def source_of(file: str, root: Path = ROOT) -> Path:
    for suffix in (".ipynb", ".md"):
        path = root / f"{file}{suffix}"
        if path.exists():
            return path
    raise FileNotFoundError(f"{file} (listed in _toc.yml) has no .ipynb or .md source")


def _hidden(cell) -> bool:
    tags = set(cell.get("metadata", {}).get("tags", []))
    return bool(tags & {"remove-cell", "remove-output", "remove_cell", "remove_output"})


def notebook_expectations(path: Path) -> dict:
    """What the page of a notebook must show, counted from its stored outputs."""
    nb = nbformat.read(path, as_version=4)
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE_MIME, {}).get("state", {})
    n_png = n_views = 0
    for cell in nb.cells:
        if cell.cell_type != "code" or _hidden(cell):
            continue
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "image/png" in data or "image/svg+xml" in data:
                n_png += 1
            view = data.get(WIDGET_VIEW_MIME)
            if view and view.get("model_id") in state:
                n_views += 1
    return {"images": n_png, "widget_views": n_views, "has_widget_state": bool(state)}


def expectations(file: str) -> dict:
    path = source_of(file)
    if path.suffix == ".ipynb":
        return {"notebook": True, **notebook_expectations(path)}
    return {"notebook": False, "images": 0, "widget_views": 0, "has_widget_state": False}


# ----------------------------------------------------------------- the server
PROBE_SCRIPT = r"""
const pages = JSON.parse(document.getElementById('pages').textContent);
const frame = document.getElementById('frame');
const out = {};
const sleep = ms => new Promise(r => setTimeout(r, ms));
function load(url) {
  return new Promise(resolve => {
    const t = setTimeout(() => resolve(false), 20000);
    frame.onload = () => { clearTimeout(t); resolve(true); };
    frame.src = url;
  });
}
async function settle(w, d) {
  if (w.MathJax && w.MathJax.startup && w.MathJax.startup.promise) {
    try { await w.MathJax.startup.promise; } catch (e) { }
  }
  const viewSel = 'script[type="application/vnd.jupyter.widget-view+json"]';
  const nViews = d.querySelectorAll(viewSel).length;
  for (let i = 0; i < 100 && nViews > 0; i++) {
    if (d.querySelectorAll('.jupyter-widgets').length >= nViews) break;
    await sleep(100);
  }
  if (/search\.html/.test(w.location.pathname)) {
    for (let i = 0; i < 100; i++) {
      const r = d.getElementById('search-results');
      if (r && (r.querySelector('li') || /did not match|no results/i.test(r.textContent))) break;
      await sleep(100);
    }
  }
  const imgs = Array.from(d.images);
  imgs.forEach(im => { im.loading = 'eager'; });
  await Promise.all(imgs.map(im => im.complete ? null : new Promise(r => {
    im.addEventListener('load', r); im.addEventListener('error', r); setTimeout(r, 5000);
  })));
  await sleep(200);
}
function report(w, d) {
  const text = el => (el.innerText || el.textContent || '').trim();
  const all = sel => Array.from(d.querySelectorAll(sel));
  const textOf = (el, sel) => el.querySelector(sel) ? text(el.querySelector(sel)) : null;
  const mathEls = all('span.math, div.math');
  const outputs = all('.cell_output').map(el => {
    const cell = el.closest('.cell');
    const input = cell ? cell.querySelector('.cell_input') : null;
    const parts = Array.from(el.querySelectorAll('div.output')).map(o => ({
      kind: o.classList.contains('traceback') ? 'error'
          : o.classList.contains('stderr') ? 'stderr'
          : o.classList.contains('stream') ? 'stdout' : 'other',
      text: text(o)}));
    return {text: text(el), parts: parts, code: input ? (input.textContent || '') : '',
            classes: cell ? cell.className : ''};
  });
  const results = d.getElementById('search-results');
  return {
    url: w.location.pathname + w.location.search,
    title: d.title,
    h1: all('h1').map(text),
    images: all('img').map(im => ({
      src: im.getAttribute('src') || '', complete: im.complete,
      width: im.naturalWidth, in_output: !!im.closest('.cell_output')})),
    math_elements: mathEls.length,
    math_unrendered: mathEls.filter(el => !el.querySelector('mjx-container'))
                            .map(el => el.textContent.slice(0, 80)),
    mjx_containers: all('mjx-container').length,
    math_errors: all('mjx-merror').map(el => el.getAttribute('data-mjx-error') || text(el)),
    figures: all('figure').map(el => ({caption: textOf(el, 'figcaption'),
                                      number: textOf(el, '.caption-number')})),
    widget_view_scripts: all('script[type="application/vnd.jupyter.widget-view+json"]').length,
    widgets: all('.jupyter-widgets').length,
    sliders: all('.widget-slider, .widget-hslider').length,
    widget_errors: all('.jupyter-widgets-error-widget').map(text),
    outputs: outputs,
    search_results: results ? all('#search-results li').length : null,
    search_summary: results ? text(results).slice(0, 200) : null,
    require_loaded: typeof w.requirejs === 'function',
    first_widget_y: (() => {
      const el = d.querySelector('.widget-slider, .widget-hslider, .jupyter-widgets');
      return el ? Math.round(el.getBoundingClientRect().top + w.scrollY) : null;
    })(),
  };
}
(async () => {
  for (const url of pages) {
    const ok = await load(url);
    if (!ok) { out[url] = {load_error: 'timeout'}; continue; }
    try {
      await settle(frame.contentWindow, frame.contentDocument);
      out[url] = report(frame.contentWindow, frame.contentDocument);
    } catch (e) { out[url] = {probe_error: String(e)}; }
  }
  document.getElementById('result').textContent = JSON.stringify(out);
})();
"""


def probe_page(urls: list[str]) -> str:
    pages = json.dumps(urls).replace("</", "<\\/")  # safe inside <script>
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>probe</title></head><body>"
        f"<script type='application/json' id='pages'>{pages}</script>"
        "<iframe id='frame' style='width:1280px;height:3000px;border:0'></iframe>"
        "<pre id='result'>PENDING</pre>"
        f"<script>{PROBE_SCRIPT}</script></body></html>"
    )


class _Handler(SimpleHTTPRequestHandler):
    probe_urls: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's naming)
        if self.path.split("?")[0] == PROBE_PATH:
            body = probe_page(self.probe_urls).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, format, *args):  # noqa: A002 (http.server's signature)
        pass


class SiteServer:
    """``python -m http.server`` for ``_build/html`` on 127.0.0.1, in a thread."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        handler = functools.partial(_Handler, directory=str(self.directory))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


# ----------------------------------------------------------------- Chromium
def chromium(exe: str, args: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
    """Run headless Chromium with the offline flags and a throw-away profile."""
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        cmd = [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)


def page_url(file: str) -> str:
    return f"/{file}.html"


def search_url(word: str = SEARCH_WORD) -> str:
    return f"/search.html?q={word}"


def run_probe(server: SiteServer, exe: str, files: list[str] | None = None) -> dict:
    """Open every page in one Chromium run; return ``{url: report}`` plus console errors."""
    files = toc_files() if files is None else files
    urls = [page_url(f) for f in files] + [search_url()]
    _Handler.probe_urls = urls
    budget_ms = 15000 * len(urls)
    proc = chromium(
        exe,
        [f"--virtual-time-budget={budget_ms}", "--enable-logging=stderr", "--v=0",
         "--dump-dom", server.url(PROBE_PATH)],
        timeout=60 + 10 * len(urls),
    )
    match = re.search(r"<pre id=\"result\">(.*?)</pre>", proc.stdout, re.S)
    if match is None or match.group(1) == "PENDING":
        raise RuntimeError(
            "the probe page did not finish in Chromium\n"
            f"stdout: {proc.stdout[-2000:]}\nstderr: {proc.stderr[-2000:]}"
        )
    reports = json.loads(html.unescape(match.group(1)))
    reports["__console__"] = console_errors(proc.stderr, server.base)
    return reports


# Known, harmless console errors of the toolchain (not of the course). Each entry says why.
KNOWN_CONSOLE_ERRORS = [
    # sphinx-thebe 0.3.1 (pulled in by Jupyter Book 1) adds its inline configuration
    # script twice to every page; the second `const` declaration fails, the first one
    # stands. Thebe is switched off (`launch_buttons.thebe: false`), nothing depends on it.
    "Identifier 'THEBE_JS_URL' has already been declared",
]


def console_errors(stderr: str, origin: str) -> list[str]:
    """Uncaught JavaScript errors that the site's own scripts logged to the console."""
    errors = []
    for line in stderr.splitlines():
        if "CONSOLE" in line and "Uncaught" in line and origin in line:
            if not any(known in line for known in KNOWN_CONSOLE_ERRORS):
                errors.append(line.strip())
    return errors


def screenshot(server: SiteServer, exe: str, file: str, out: Path,
               size: tuple[int, int] = (1280, 2000)) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    proc = chromium(
        exe,
        [f"--screenshot={out}", f"--window-size={size[0]},{size[1]}",
         "--virtual-time-budget=15000", server.url(page_url(file))],
    )
    if not out.is_file():
        raise RuntimeError(f"no screenshot of {file}: {proc.stderr[-2000:]}")
    return out


# A cell that shows an error on purpose: tagged so, or catching it in its own code
# (`except ...:` then printing the message, `warnings.catch_warnings`, `pytest.raises`).
EXEMPT_TAGS = ("tag_raises-exception", "tag_shows-errors")
CATCHES = re.compile(r"\bexcept\b|catch_warnings|pytest\.raises")


def deliberate(output: dict) -> bool:
    classes = output.get("classes", "").split()
    return any(tag in classes for tag in EXEMPT_TAGS) or bool(CATCHES.search(output["code"]))


def error_lines(outputs: list[dict]) -> list[str]:
    """Lines of cell outputs that look like an error, a traceback or a warning.

    ``outputs`` are the probe's records ``{"text", "parts", "code", "classes"}``, one per
    cell output area; ``parts`` are its output blocks with their kind (``stdout``,
    ``stderr``, ``error``, ``other``). Every pattern applies to errors, stderr (where
    Python's warnings go) and rich outputs. Text that a cell *printed* (stdout) is checked
    for tracebacks only: a line such as ``ValueError: ...`` on stdout was printed on
    purpose by the cell's own code. Cells that show an error deliberately (see
    :func:`deliberate`) are left out altogether.
    """
    found = []
    for output in outputs:
        if deliberate(output):
            continue
        parts = output.get("parts") or [{"kind": "other", "text": output["text"]}]
        for part in parts:
            patterns = ERROR_PATTERNS[:1] if part["kind"] == "stdout" else ERROR_PATTERNS
            for line in part["text"].splitlines():
                if any(p.search(line) for p in patterns):
                    found.append(line.strip()[:200])
    return found


# ----------------------------------------------------------------- static checks
_LINK = re.compile(r"""(?:href|src)=["']([^"'#?]+)(?:[#?][^"']*)?["']""")


def broken_local_links(site: Path, page: Path) -> list[str]:
    """Local links and sources of one HTML page that point to no file of the site."""
    broken = []
    for target in _LINK.findall(page.read_text(errors="replace")):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("//"):
            continue  # http:, https:, mailto:, data: ...
        resolved = (page.parent / target).resolve()
        if not resolved.exists() or site.resolve() not in [resolved, *resolved.parents]:
            broken.append(target)
    return sorted(set(broken))
