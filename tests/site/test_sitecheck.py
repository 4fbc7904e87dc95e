"""The site check's own helpers: they must flag what is wrong and nothing else."""

import importlib.util

from sitecheck import (
    ROOT,
    broken_local_links,
    console_errors,
    error_lines,
    figure_scales,
    missing_alt,
    natural_width,
    toc_files,
)


def out(text, code="print(x)", classes="cell docutils container", kind="stderr"):
    return {"text": text, "parts": [{"kind": kind, "text": text}], "code": code,
            "classes": classes}


def test_printed_error_messages_are_deliberate_but_printed_tracebacks_are_not():
    printed = "ValueError: x must have shape (N, T, D)"
    assert error_lines([out(printed, kind="stdout")]) == []
    assert error_lines([out(printed, kind="error")]) == [printed]
    traceback = "Traceback (most recent call last):"
    assert error_lines([out(traceback, kind="stdout")]) == [traceback]


def test_error_lines_flag_tracebacks_errors_and_warnings():
    outputs = [
        out("Traceback (most recent call last):\n  File ..."),
        out("NameError: name 'x' is not defined"),
        out("/x.py:3: UserWarning: something"),
        out("ValueError : spaced"),
    ]
    assert len(error_lines(outputs)) == 4


def test_error_lines_leave_ordinary_numbers_alone():
    outputs = [out("max relative error: 3.1e-10\nmean squared error 0.02\nErrors: 0")]
    assert error_lines(outputs) == []


def test_deliberate_errors_are_exempt():
    shown = "ValueError: x must have shape (N, T, D)"
    catching = "try:\n    f()\nexcept ValueError as e:\n    print(e)"
    assert error_lines([out(shown, code=catching)]) == []
    assert error_lines([out(shown, classes="cell tag_shows-errors docutils")]) == []
    assert error_lines([out(shown, classes="cell tag_raises-exception docutils")]) == []
    assert error_lines([out(shown)]) == [shown]


def test_broken_local_links(tmp_path):
    (tmp_path / "a.html").write_text(
        '<a href="b.html#x">ok</a><img src="missing.png"><a href="https://example.org/">x</a>'
        '<a href="../outside.html">out</a><a href="mailto:a@b.c">m</a>'
    )
    (tmp_path / "b.html").write_text("")
    assert broken_local_links(tmp_path, tmp_path / "a.html") == ["../outside.html", "missing.png"]


def test_console_errors_keep_only_uncaught_errors_of_the_site():
    origin = "http://127.0.0.1:8000"
    stderr = "\n".join([
        f'INFO:CONSOLE:1] "Uncaught TypeError: boom", source: {origin}/a.html (1)',
        f'INFO:CONSOLE:1] "Uncaught SyntaxError: Identifier \'THEBE_JS_URL\' has already been '
        f'declared", source: {origin}/a.html (60)',
        'INFO:CONSOLE:1] "Uncaught TypeError: other", source: http://elsewhere/x.js (1)',
        f'INFO:CONSOLE:1] "just a log", source: {origin}/a.html (1)',
    ])
    errors = console_errors(stderr, origin)
    assert len(errors) == 2 and "boom" in errors[0] and "THEBE_JS_URL" in errors[1]


def test_missing_alt_rejects_sphinx_default_and_empty_alt():
    report = {"images": [
        {"src": "../_images/a.png", "alt": "../_images/a.png"},
        {"src": "b.png", "alt": ""},
        {"src": "c.png", "alt": None},
        {"src": "d.png", "alt": "Line chart of the loss against the update."},
    ]}
    assert missing_alt(report) == ["a.png", "b.png", "c.png"]


def test_natural_width_uses_the_width_attribute_or_the_png_density(tmp_path):
    from PIL import Image

    Image.new("RGB", (1280, 100)).save(tmp_path / "x.png", dpi=(200, 200))
    Image.new("RGB", (640, 100)).save(tmp_path / "y.png")
    page = "/p/page.html"
    (tmp_path / "p").mkdir()
    assert natural_width(tmp_path, page, {"src": "../x.png", "width": 1280,
                                          "width_attr": "651"}) == 651
    assert natural_width(tmp_path, page, {"src": "../x.png", "width": 1280,
                                          "width_attr": None}) == 640
    assert natural_width(tmp_path, page, {"src": "../y.png", "width": 640,
                                          "width_attr": None}) == 640
    report = {"images": [{"src": "../x.png", "width": 1280, "width_attr": None,
                          "shown": True, "in_figure": True, "displayed": 320.0}]}
    ((src, scale, density),) = figure_scales(tmp_path, page, report)
    assert (src, scale, density) == ("x.png", 0.5, 4.0)


def test_progress_bars_are_recognised():
    path = ROOT / "tools" / "site_outputs.py"
    spec = importlib.util.spec_from_file_location("site_outputs", path)
    site_outputs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(site_outputs)
    is_progress_text = site_outputs.is_progress_text
    assert is_progress_text("epochs:  40%|####      | 60/150 [00:02<00:03, 30.1it/s]\n")
    assert is_progress_text("100%|##########| 5/5 [00:01<00:00,  4.2it/s]")
    assert not is_progress_text("UserWarning: something\n")
    assert not is_progress_text("epochs: 40%|#| 60/150 [00:02]\nreal text")


def test_toc_files_lists_root_then_chapters_in_order(tmp_path):
    toc = tmp_path / "_toc.yml"
    toc.write_text(
        "format: jb-book\nroot: intro\nparts:\n"
        "  - caption: A\n    chapters:\n      - file: a1\n        sections:\n"
        "          - file: a1s\n      - file: a2\n"
        "  - caption: B\n    chapters:\n      - file: b1\n"
    )
    assert toc_files(toc) == ["intro", "a1", "a1s", "a2", "b1"]
