"""Show library source code inside a notebook, so chapters never paste it."""

from __future__ import annotations

import inspect

from IPython.display import Code


def show_source(obj):
    """Return the source of a function, class or module as highlighted code.

    Parameters
    ----------
    obj : function, class or module
        Anything :func:`inspect.getsource` accepts.

    Returns
    -------
    IPython.display.Code
        Renders with syntax highlighting in Jupyter and in the book.
    """
    try:
        source = inspect.getsource(obj)
    except (TypeError, OSError) as err:
        raise ValueError(
            f"obj must be a function, class or module defined in Python source, "
            f"got {type(obj).__name__}"
        ) from err
    return Code(source, language="python")
