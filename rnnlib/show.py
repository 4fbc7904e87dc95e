"""Show library source code inside a notebook, so chapters never paste it."""

from __future__ import annotations

import ast
import inspect
import re
import textwrap

from IPython.display import Code

DOCSTRING_MODES = ("full", "plain", "short")

# Sphinx cross-reference roles: :func:`~rnnlib.rnn.rnn_backward`, :class:`Foo <a.Foo>`,
# :math:`x^2`, :data:`BOOK_STYLE` ...
_ROLE = re.compile(r":(?:py:)?[a-z]+:`(?:[^`<]*<)?~?([^`>]+?)>?`")


def plain_markup(text):
    """Replace Sphinx roles by the name they show: ``:func:`~a.b.f``` becomes ``f``.

    A role with a leading ``~`` shows its last dotted component, as Sphinx renders it;
    ``:math:`x^2``` becomes ``x^2``.

    Parameters
    ----------
    text : str

    Returns
    -------
    str
    """

    def name(match):
        target = match.group(1)
        short = match.group(0).split("`", 1)[1].startswith("~")
        return target.rsplit(".", 1)[-1] if short else target

    return _ROLE.sub(name, text)


def _docstring_span(source):
    """(first line, last line, node) of the docstring of the first def/class, 1-based."""
    tree = ast.parse(textwrap.dedent(source))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            first = node.body[0] if node.body else None
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                return first.lineno, first.end_lineno, first
            return None
    return None


def _shorten(source, mode, name):
    span = _docstring_span(source)
    lines = source.splitlines(keepends=True)
    if span is None:
        return source
    start, end, _ = span
    doc_lines = lines[start - 1 : end]
    indent = re.match(r"\s*", doc_lines[0]).group(0)
    text = "".join(doc_lines).strip()
    if mode == "plain" or "\n\n" not in text:  # a one-paragraph docstring stays whole
        new = [plain_markup(line) for line in doc_lines]
    else:  # "short": the summary paragraph only
        quote = text[:3] if text[:3] in ('"""', "'''") else text[0]
        body = text[len(quote) : -len(quote)]
        summary = plain_markup(body.strip().split("\n\n", 1)[0])
        summary_lines = [line.strip() for line in summary.splitlines()]
        new = [f"{indent}{quote}{summary_lines[0]}\n"]
        new += [f"{indent}{line}\n" for line in summary_lines[1:]]
        new.append(f"\n{indent}(Parameters and details: help({name}).)\n")
        new.append(f"{indent}{quote}\n")
    return "".join(lines[: start - 1] + new + lines[end:])


def show_source(obj, *, docstring="full"):
    """Return the source of a function, class or module as highlighted code.

    Parameters
    ----------
    obj : function, class or module
        Anything :func:`inspect.getsource` accepts.
    docstring : {"full", "plain", "short"}
        ``"full"`` shows the source as written. ``"plain"`` replaces the Sphinx roles of
        the docstring (``:func:`rnn_backward```) by the names they show. ``"short"``
        keeps only the docstring's summary paragraph (roles replaced) and a pointer to
        ``help(...)`` for the rest, so that a listing shows the code the text discusses.

    Returns
    -------
    IPython.display.Code
        Renders with syntax highlighting in Jupyter and in the book.
    """
    if docstring not in DOCSTRING_MODES:
        raise ValueError(f"docstring must be one of {DOCSTRING_MODES}, got {docstring!r}")
    try:
        source = inspect.getsource(obj)
    except (TypeError, OSError) as err:
        raise ValueError(
            f"obj must be a function, class or module defined in Python source, "
            f"got {type(obj).__name__}"
        ) from err
    if docstring != "full" and not inspect.ismodule(obj):
        source = _shorten(source, docstring, getattr(obj, "__name__", "obj"))
    return Code(source, language="python")
