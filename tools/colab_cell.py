"""Give a chapter notebook a first code cell that installs what it needs where it is missing.

A chapter opened in Colab, or downloaded and opened in a bare Jupyter, fails at its first
``import rnnlib``. This tool inserts, before the notebook's first code cell, a setup cell
that, only when ``rnnlib`` cannot be found, installs it from the course's repository (the
URL and branch of ``_config.yml``) together with the versions of ``requirements.txt`` of
the packages the chapter uses (NumPy, Matplotlib, tqdm; ipywidgets and PyTorch's CPU build
where the chapter uses them). Where ``rnnlib`` is installed (``make install``, ``make lab``,
Binder, nbval, the book) the cell does nothing and prints nothing, so local runs and the
outputs nbval compares stay the same.

The cell carries the tag ``remove-cell``: the website shows stored outputs and needs no
setup, and everyone who can run the notebook (Colab, the download button, Binder) gets the
file itself, where the cell stays visible with its comment. It also carries the tag
``colab-setup``, by which the tool finds it again: running the tool twice changes nothing,
and running it after a change of the pins or of the repository URL updates the cell.

Usage::

    python tools/colab_cell.py notebooks/*.ipynb           # insert or update
    python tools/colab_cell.py --check notebooks/*.ipynb   # exit 1 if a cell is missing or stale
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat
import yaml

REPO = Path(__file__).resolve().parents[1]
TAG = "colab-setup"
CELL_ID = "colab-setup"
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def pins(requirements: Path = REPO / "requirements.txt") -> dict[str, str]:
    """``{name: version}`` of every ``name==version`` line of a requirements file."""
    out = {}
    for line in requirements.read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s#;]+)", line.strip())
        if m:
            out[m.group(1).lower()] = m.group(2)
    return out


def repository(config: Path = REPO / "_config.yml") -> tuple[str, str]:
    """The repository URL and branch of ``_config.yml`` (the launch buttons use the same)."""
    repo = yaml.safe_load(config.read_text())["repository"]
    return repo["url"].rstrip("/"), repo.get("branch") or "main"


def needs(nb) -> list[str]:
    """The pinned packages a notebook needs besides rnnlib."""
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code"
                     and TAG not in c.metadata.get("tags", []))
    wanted = ["numpy", "matplotlib", "tqdm"]
    if "widget" in code:
        wanted.append("ipywidgets")
    if "torch" in code:
        wanted.append("torch")
    return wanted


def cell_source(wanted: list[str], versions: dict[str, str], url: str, ref: str) -> str:
    """The setup cell's code: plain Python that nbval, ruff and every Jupyter run as is,
    in the form `ruff format` gives it, and with lines of at most 76 characters (the
    notebooks' limit) where the repository URL is not longer than that of the course."""
    args = ['sys.executable', '"-m"', '"pip"', '"install"', '"--quiet"']
    if "torch" in wanted:
        args += ['"--extra-index-url"', f'"{TORCH_CPU_INDEX}"']
    args.append(f'"rnnlib@git+{url}@{ref}"')
    args += [f'"{name}=={versions[name]}"' for name in wanted]
    arglines = "\n".join(f"            {arg}," for arg in args)
    return f"""\
# Colab or a downloaded copy of this notebook: where the course's
# library `rnnlib` is missing, install it from the course's repository
# with the versions the course pins. Where it is installed (`make lab`,
# Binder, the website's build), this cell does nothing.
import importlib.util
import subprocess
import sys

if importlib.util.find_spec("rnnlib") is None:
    subprocess.run(
        [
{arglines}
        ],
        check=True,
    )
    already = sorted({{"numpy", "matplotlib", "torch"}} & set(sys.modules))
    if already:
        print(
            "Installed. Restart the kernel (Colab: Runtime > Restart",
            "session) and run the notebook again:",
            ", ".join(already),
            "were imported before the installation.",
        )"""


def make_cell(nb, versions=None, url=None, ref=None):
    versions = versions or pins()
    default_url, default_ref = repository()
    source = cell_source(needs(nb), versions, url or default_url, ref or default_ref)
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": [TAG, "remove-cell"]})
    if "id" in cell and nb.nbformat_minor < 5:
        del cell["id"]
    elif nb.nbformat_minor >= 5:
        cell["id"] = CELL_ID
    return cell


def apply(nb, **kwargs) -> bool:
    """Insert or update the setup cell in ``nb`` (in place); True if ``nb`` changed."""
    new = make_cell(nb, **kwargs)
    existing = [i for i, c in enumerate(nb.cells) if TAG in c.metadata.get("tags", [])]
    if existing:
        cell = nb.cells[existing[0]]
        if cell.source == new.source and cell.metadata.get("tags") == new.metadata["tags"]:
            return False
        cell.source = new.source
        cell.metadata["tags"] = new.metadata["tags"]
        cell.outputs, cell.execution_count = [], None
        return True
    first_code = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"),
                      len(nb.cells))
    nb.cells.insert(first_code, new)
    return True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if a notebook lacks the current cell")
    parser.add_argument("--ref", help="git branch, tag or commit to install rnnlib from "
                        "(default: the branch of _config.yml)")
    args = parser.parse_args(argv)
    stale = []
    for path in args.notebooks:
        nb = nbformat.read(path, as_version=4)
        if apply(nb, ref=args.ref):
            stale.append(path)
            if not args.check:
                nbformat.write(nb, path)
                print(f"{path}: setup cell written")
    if args.check and stale:
        print("missing or stale setup cell:", *map(str, stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
