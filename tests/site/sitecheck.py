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
# axe-core (pinned in web/package-lock.json, fetched by tools/web_assets.py into
# web/node_modules/, never into the site) is served to the probe under this path.
AXE_PATH = "/__axe__.js"
AXE_FILE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP_WIDTH = 1280
PHONE_WIDTH = 390
# Every page gets this script first thing in its <head> (only when served to the site
# check): it records uncaught errors, failed loads of images/scripts/styles, unhandled
# promise rejections and console.error calls, which the probe reads back.
ERROR_HOOK = (
    "<script>window.__siteCheckErrors=[];"
    "addEventListener('error',function(e){var t=e.target||{};__siteCheckErrors.push("
    "e.message?'error: '+e.message:'failed to load: '+(t.src||t.href||t.tagName))},true);"
    "addEventListener('unhandledrejection',function(e){__siteCheckErrors.push("
    "'unhandled rejection: '+String(e.reason))});"
    "(function(){var ce=console.error;console.error=function(){__siteCheckErrors.push("
    "'console.error: '+Array.prototype.join.call(arguments,' '));"
    "return ce.apply(console,arguments)}})();</script>"
)
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
      width: im.naturalWidth, in_output: !!im.closest('.cell_output'),
      shown: im.getClientRects().length > 0 && im.getBoundingClientRect().width > 0,
      displayed: im.getBoundingClientRect().width, alt: im.getAttribute('alt'),
      width_attr: im.getAttribute('width') || im.style.width || null,
      in_figure: !!im.closest('figure')})),
    column: (() => {
      const a = d.querySelector('article.bd-article') || d.querySelector('main') || d.body;
      const r = a.getBoundingClientRect(), st = w.getComputedStyle(a);
      return {left: r.left + parseFloat(st.paddingLeft),
              right: r.right - parseFloat(st.paddingRight)};
    })(),
    overflows: (() => {
      const a = d.querySelector('article.bd-article') || d.querySelector('main') || d.body;
      const r = a.getBoundingClientRect(), st = w.getComputedStyle(a);
      const right = r.right - parseFloat(st.paddingRight) + 1;
      const sel = 'div.cell_input pre, div.cell_output pre, div.cell_output table, ' +
                  'div.cell_output img, article table, article pre, div.math';
      return Array.from(a.querySelectorAll(sel)).filter(el => el.getClientRects().length)
        .map(el => ({tag: el.tagName, cls: (el.closest('.cell_output') ? 'output' :
                     el.closest('.cell_input') ? 'input' : 'text'),
                     cut: el.scrollWidth - el.clientWidth,
                     past: Math.round(el.getBoundingClientRect().right - right),
                     text: (el.innerText || '').slice(0, 80)}))
        .filter(o => o.past > 0 || (o.tag === 'PRE' && o.cut > 1));
    })(),
    resources: (() => {
      const out = [];
      const nav = w.performance.getEntriesByType('navigation')[0];
      if (nav) out.push({name: nav.name, size: nav.encodedBodySize || nav.transferSize || 0,
                         status: nav.responseStatus || 0});
      w.performance.getEntriesByType('resource').forEach(e => out.push({
        name: e.name, size: e.encodedBodySize || e.transferSize || 0,
        status: e.responseStatus || 0}));
      return out;
    })(),
    page_errors: (w.__siteCheckErrors || []).slice(0, 20),
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
async function axe(w, d) {
  await new Promise(resolve => {
    const s = d.createElement('script');
    s.src = AXE_PATH; s.onload = resolve; s.onerror = resolve;
    d.head.appendChild(s);
  });
  if (!w.axe) return {error: 'axe-core did not load'};
  const r = await w.axe.run(d, {runOnly: {type: 'tag',
                                          values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
                                resultTypes: ['violations'],
                                // no re-fetching of the page's stylesheets: axe resolves their
                                // @imports against the page, not the sheet (404 /basic.css)
                                preload: false});
  return {violations: r.violations.map(v => ({id: v.id, impact: v.impact, n: v.nodes.length,
          targets: v.nodes.slice(0, 3).map(n => String(n.target) + ' ' +
                                           (n.failureSummary || '').slice(0, 160))}))};
}
(async () => {
  frame.style.width = WIDTH + 'px';
  for (const url of pages) {
    const ok = await load(url);
    if (!ok) { out[url] = {load_error: 'timeout'}; continue; }
    try {
      await settle(frame.contentWindow, frame.contentDocument);
      out[url] = report(frame.contentWindow, frame.contentDocument);
      if (RUN_AXE) {
        try { out[url].axe = await axe(frame.contentWindow, frame.contentDocument); }
        catch (e) { out[url].axe = {error: String(e)}; }
      }
    } catch (e) { out[url] = {probe_error: String(e)}; }
  }
  document.getElementById('result').textContent = JSON.stringify(out);
})();
"""


def probe_page(urls: list[str], width: int = DESKTOP_WIDTH, run_axe: bool = True) -> str:
    pages = json.dumps(urls).replace("</", "<\\/")  # safe inside <script>
    settings = (f"const WIDTH = {int(width)}; const RUN_AXE = {'true' if run_axe else 'false'};"
                f" const AXE_PATH = {json.dumps(AXE_PATH)};")
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>probe</title></head><body>"
        f"<script type='application/json' id='pages'>{pages}</script>"
        "<iframe id='frame' style='width:1280px;height:3000px;border:0'></iframe>"
        "<pre id='result'>PENDING</pre>"
        f"<script>{settings}{PROBE_SCRIPT}</script></body></html>"
    )


class _Handler(SimpleHTTPRequestHandler):
    probe_urls: list[str] = []
    probe_width: int = DESKTOP_WIDTH
    probe_axe: bool = True
    requests: list[tuple[str, int, str]] = []  # (path, status, referer) of every request

    def _send(self, body: bytes, content_type: str):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802 (http.server's naming)
        path = self.path.split("?")[0]
        if path == PROBE_PATH:
            page = probe_page(self.probe_urls, self.probe_width, self.probe_axe)
            return self._send(page.encode(), "text/html; charset=utf-8")
        if path == AXE_PATH:
            return self._send(AXE_FILE.read_bytes(), "text/javascript")
        file = Path(self.translate_path(path))
        if file.suffix == ".html" and file.is_file():
            text = file.read_text(errors="replace")
            text = re.sub(r"<head>", "<head>" + ERROR_HOOK, text, count=1)
            return self._send(text.encode(), "text/html; charset=utf-8")
        super().do_GET()

    def log_request(self, code="-", size="-"):
        try:
            referer = self.headers.get("Referer", "") if self.headers else ""
            self.requests.append((self.path, int(code), referer))
        except (TypeError, ValueError):
            pass

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


def run_probe(server: SiteServer, exe: str, files: list[str] | None = None,
              width: int = DESKTOP_WIDTH, run_axe: bool = True) -> dict:
    """Open every page in one Chromium run, in a frame ``width`` pixels wide.

    Returns ``{url: report}`` plus ``"__console__"`` (uncaught errors Chromium logged) and
    ``"__failed__"`` (requests the server answered with an error status).
    """
    files = toc_files() if files is None else files
    urls = [page_url(f) for f in files] + [search_url()]
    _Handler.probe_urls = urls
    _Handler.probe_width = width
    _Handler.probe_axe = run_axe
    _Handler.requests.clear()
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
    # Chromium asks for /favicon.ico of the probe page itself; the book's pages name none.
    reports["__failed__"] = sorted({
        f"{status} {path} (requested by {referer or 'the browser'})"
        for path, status, referer in _Handler.requests
        if status >= 400 and path != "/favicon.ico"
    })
    return reports


# Known, harmless console errors of the toolchain (not of the course). Each entry says why.
# (sphinx-thebe's doubled `const THEBE_JS_URL` script was one; tools/site_outputs.py now
# adds each inline script once, so the list is empty.)
KNOWN_CONSOLE_ERRORS: list[str] = []


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


# ----------------------------------------------------------------- figures
# A figure must be shown at no less than this fraction of the size it was drawn for (its
# natural size in CSS pixels), or its text shrinks below legibility: at 1280 px the
# chapters' figures (drawn 6.4 in wide at 100 dpi, 10.5-point text) fill the 672-pixel
# column at full size; on a 390-pixel phone the column is 342 pixels wide, so a
# full-column figure is shown at about 53%, which is as large as it can be.
MIN_SCALE = {DESKTOP_WIDTH: 0.9, PHONE_WIDTH: 0.5}
# Output figures and the course map are served with at least this many image pixels per
# CSS pixel (Matplotlib's "retina" PNGs have 2), so that they are sharp on HiDPI screens.
MIN_DENSITY = 1.9


def image_file(site: Path, page: str, src: str) -> Path | None:
    """The file of the site that an ``<img src>`` of page ``page`` (a URL path) points to."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", src) or src.startswith("//"):
        return None
    base = (site / page.lstrip("/")).parent
    path = (base / src.split("?")[0].split("#")[0]).resolve()
    return path if path.is_file() else None


def pixel_density(path: Path | None) -> float:
    """Image pixels per CSS pixel declared by a PNG (its pHYs dpi / Matplotlib's 100 dpi)."""
    if path is None or path.suffix.lower() != ".png":
        return 1.0
    from PIL import Image

    with Image.open(path) as img:
        dpi = img.info.get("dpi", (100, 100))[0]
    return max(1.0, round(float(dpi) / 100.0, 1))


def natural_width(site: Path, page: str, img: dict) -> float:
    """The width, in CSS pixels, that an image was drawn for.

    The ``width`` attribute when the page gives one (myst-nb writes the display width of
    a retina figure there), else the image's pixel width over its declared density.
    """
    attr = img.get("width_attr")
    if attr and re.fullmatch(r"\d+(\.\d+)?(px)?", attr):
        return float(attr.removesuffix("px"))
    return img["width"] / pixel_density(image_file(site, page, img["src"]))


def figure_scales(site: Path, page: str, report: dict) -> list[tuple[str, float, float]]:
    """``(src, displayed / natural, image pixels per displayed pixel)`` of every figure.

    Figures are the images in cell outputs and in ``{figure}`` directives that are on
    screen (the launch buttons' logos, in a closed menu, are not).
    """
    out = []
    for img in report["images"]:
        if not img.get("shown") or not (img.get("in_output") or img.get("in_figure")):
            continue
        natural = natural_width(site, page, img)
        displayed = min(img["displayed"], natural)  # CSS never upscales these
        out.append((img["src"].rsplit("/", 1)[-1], displayed / natural,
                    img["width"] / max(displayed, 1.0)))
    return out


def missing_alt(report: dict) -> list[str]:
    """Images with no real text alternative (none, empty, or Sphinx's default: the URI)."""
    bad = []
    for img in report["images"]:
        alt = (img.get("alt") or "").strip()
        src = img["src"]
        if not alt or alt == src or re.search(r"\.(png|svg|jpe?g|gif)$", alt, re.I):
            bad.append(src.rsplit("/", 1)[-1])
    return bad


def page_weight(report: dict) -> int:
    """Bytes the page loaded (HTML, scripts, styles, fonts, images), as Chromium counted."""
    return sum(int(r.get("size") or 0) for r in report.get("resources", []))


def write_summary(reports: dict, out: Path, site: Path = SITE_HTML) -> dict:
    """Per page: smallest figure scale, axe-core violations, page weight; saved as JSON."""
    summary = {}
    for url, report in reports.items():
        if url.startswith("__") or "images" not in report:
            continue
        scales = [scale for _, scale, _ in figure_scales(site, url, report)]
        axe = report.get("axe", {})
        summary[url] = {
            "smallest_figure_scale": round(min(scales), 3) if scales else None,
            "figures": len(scales),
            "axe_violations": [v["id"] for v in axe.get("violations", [])],
            "axe_error": axe.get("error"),
            "weight_kb": round(page_weight(report) / 1000),
            "overflows": len(report.get("overflows", [])),
        }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=1) + "\n")
    return summary


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
