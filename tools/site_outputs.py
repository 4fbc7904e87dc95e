"""Sphinx extension of the course website: no dead output, no duplicate script.

Loaded through ``sphinx.local_extensions`` in ``_config.yml``. What it does, and why:

* **Widget views and progress bars are left out of the pages.** A stored ipywidgets view
  (the chapters' interactive explorers, tqdm's notebook progress bars) needs a running
  Python kernel to do anything; on the website it would be a control that does nothing or
  a bar frozen where the run left it. The notebooks keep them: learners who run a chapter
  get the live widgets and bars. The website shows the static figure that every chapter
  draws next to its widget, and the text says how to run the widget live. Text progress
  bars written to stderr (tqdm without ipywidgets) are dropped the same way; any other
  stderr output stays.
* **The widget manager and the stored widget state are not loaded**, since no page shows a
  widget (``nb_ipywidgets_js: {}`` in ``_config.yml`` removes the manager's scripts; this
  extension removes the state, an inline JSON script).
* **Citations are list items** for assistive technology (see ``fix_citation_roles``).
* **Inline scripts are added once.** sphinx-thebe 0.3.1 puts its configuration script
  (``const THEBE_JS_URL = ...``) twice into every page, and the second ``const``
  declaration is a console error.
"""

from __future__ import annotations

import re

from docutils import nodes

WIDGET_VIEW = 'type="application/vnd.jupyter.widget-view+json"'
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
# One tqdm text bar: "desc:  40%|████      | 60/150 [00:02<00:03, 30.1it/s]" (any units).
PROGRESS_LINE = re.compile(r"^\s*([^|\n]*:\s*)?\d{1,3}%\|[^|]*\|\s*\S+/\S+\s*\[[^\]]*\]\s*$")


def is_progress_text(text: str) -> bool:
    """True when every non-empty line of ``text`` is a tqdm progress bar."""
    lines = [line for line in re.split(r"[\r\n]+", text) if line.strip()]
    return bool(lines) and all(PROGRESS_LINE.match(line) for line in lines)


def _is_widget_view(node) -> bool:
    return isinstance(node, nodes.raw) and WIDGET_VIEW in node.astext()


def _is_progress_stderr(node) -> bool:
    return (
        isinstance(node, nodes.container)
        and "stderr" in node.get("classes", [])
        and is_progress_text(node.astext())
    )


def remove_dead_outputs(app, doctree, docname) -> None:
    """Drop widget views and text progress bars; drop output areas left empty."""
    doomed = [n for n in doctree.findall() if _is_widget_view(n) or _is_progress_stderr(n)]
    for node in doomed:
        parent = node.parent
        parent.remove(node)
        while (
            parent is not None
            and isinstance(parent, nodes.container)
            and "cell_output" in parent.get("classes", [])
            and not parent.children
        ):
            grand = parent.parent
            grand.remove(parent)
            parent = grand


def _script_key(script):
    """What makes two scripts the same: source file and attributes (an inline script's
    body is an attribute), not the priority they were added with."""
    attributes = getattr(script, "attributes", {}) or {}
    filename = str(getattr(script, "filename", script) or "")
    return filename, tuple(sorted((k, str(v)) for k, v in attributes.items()))


def clean_scripts(app, pagename, templatename, context, doctree) -> None:
    """Load every script once, and no stored widget state (nothing would read it)."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for script in scripts:
        attributes = getattr(script, "attributes", {}) or {}
        if attributes.get("type") == WIDGET_STATE:
            continue
        key = _script_key(script)
        if key in seen:
            continue
        seen.add(key)
        kept.append(script)
    scripts[:] = kept


# docutils marks citations up as role="list" (the list) and role="doc-biblioentry" (each
# entry). DPUB-ARIA 1.1 deprecates doc-biblioentry, and a list whose children are not
# list items breaks ARIA's list rules (axe-core: aria-deprecated-role,
# aria-required-children). Each entry becomes a plain list item.
BIBLIOENTRY = 'role="doc-biblioentry"'


def fix_citation_roles(app, pagename, templatename, context, doctree) -> None:
    body = context.get("body")
    if body and BIBLIOENTRY in body:
        context["body"] = body.replace(BIBLIOENTRY, 'role="listitem"')


def setup(app):
    app.connect("html-page-context", fix_citation_roles)
    app.connect("doctree-resolved", remove_dead_outputs)
    app.connect("html-page-context", clean_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
