"""Collect a folder of slow tests only when it is named on the pytest command line.

``tests/site`` (the built website) and ``tests/lab`` (JupyterLab in a browser) need a built
site, a browser or a server: a plain ``pytest`` or ``pytest tests`` leaves them out, and
``pytest tests/site`` runs them. Each folder's ``conftest.py`` calls
:func:`ignore_unless_named` from its ``pytest_ignore_collect`` hook.
"""

from __future__ import annotations

from pathlib import Path


def named_on_command_line(config, here: Path) -> bool:
    """True if an argument of the pytest command line is ``here`` or a path inside it."""
    for arg in config.args:
        path = Path(config.invocation_params.dir, arg.split("::")[0]).resolve()
        if path == here or here in path.parents:
            return True
    return False


def ignore_unless_named(collection_path: Path, config, here: Path):
    """The value for ``pytest_ignore_collect``: ignore ``test_*`` files unless named."""
    if collection_path.name.startswith("test_") and not named_on_command_line(config, here):
        return True
    return None
