"""tools/colab_cell.py: the setup cell that makes a chapter run in Colab or as a download."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))
import colab_cell  # noqa: E402


def small_notebook(code: str = "import numpy as np\nimport rnnlib") -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# A chapter\n\nSome text."),
                nbformat.v4.new_code_cell(code),
                nbformat.v4.new_markdown_cell("More text.")]
    return nb


def setup_cells(nb):
    return [c for c in nb.cells if colab_cell.TAG in c.metadata.get("tags", [])]


def test_inserted_before_the_first_code_cell_and_idempotent(tmp_path):
    path = tmp_path / "chapter.ipynb"
    nbformat.write(small_notebook(), path)
    assert colab_cell.main([str(path)]) == 0
    first = path.read_bytes()
    nb = nbformat.read(path, as_version=4)
    assert [c.cell_type for c in nb.cells] == ["markdown", "code", "code", "markdown"]
    cell = nb.cells[1]
    assert cell.metadata["tags"] == ["colab-setup", "remove-cell"]
    assert cell.outputs == [] and cell.execution_count is None
    assert colab_cell.main([str(path)]) == 0
    assert path.read_bytes() == first  # the second run changes nothing
    assert colab_cell.main(["--check", str(path)]) == 0


def test_check_reports_a_missing_cell(tmp_path):
    path = tmp_path / "chapter.ipynb"
    nbformat.write(small_notebook(), path)
    before = path.read_bytes()
    assert colab_cell.main(["--check", str(path)]) == 1
    assert path.read_bytes() == before


def test_a_stale_cell_is_updated_not_duplicated():
    nb = small_notebook()
    colab_cell.apply(nb, ref="old-branch")
    assert colab_cell.apply(nb) is True
    assert len(setup_cells(nb)) == 1
    assert "@old-branch" not in setup_cells(nb)[0].source
    assert colab_cell.apply(nb) is False


def test_a_real_chapter_keeps_every_cell(tmp_path):
    src = REPO / "notebooks" / "05_vanishing_gradients.ipynb"
    path = tmp_path / src.name
    shutil.copy(src, path)
    original = nbformat.read(path, as_version=4)
    colab_cell.main([str(path)])
    first = path.read_bytes()
    colab_cell.main([str(path)])
    assert path.read_bytes() == first
    nb = nbformat.read(path, as_version=4)

    def others(cells):  # every cell but the setup cell
        return [c for c in cells if colab_cell.TAG not in c.metadata.get("tags", [])]

    assert others(nb.cells) == others(original.cells)
    assert len(setup_cells(nb)) == 1
    assert nb.cells.index(setup_cells(nb)[0]) == next(
        i for i, c in enumerate(others(original.cells)) if c.cell_type == "code")


def test_pins_and_repository_come_from_the_project_files():
    pins = colab_cell.pins()
    url, branch = colab_cell.repository()
    assert url.startswith("https://github.com/")
    source = colab_cell.make_cell(small_notebook("import torch\nfrom rnnlib import widgets")).source
    assert f'"rnnlib@git+{url}@{branch}"' in source
    for name in ("numpy", "matplotlib", "tqdm", "ipywidgets", "torch"):
        assert f'"{name}=={pins[name]}"' in source
    assert f'"--extra-index-url",\n            "{colab_cell.TORCH_CPU_INDEX}",' in source
    plain = colab_cell.make_cell(small_notebook()).source
    assert "torch==" not in plain and "ipywidgets==" not in plain
    assert "extra-index-url" not in plain


def test_silent_in_a_kernel_where_rnnlib_is_installed():
    """Where rnnlib imports (make install, nbval), the cell installs and prints nothing."""
    nb = small_notebook()
    colab_cell.apply(nb)
    nb.cells = setup_cells(nb)
    NotebookClient(nb, timeout=60, kernel_name="python3").execute()
    assert nb.cells[0].outputs == []


def test_installs_where_rnnlib_is_missing(monkeypatch, capsys):
    nb = small_notebook("import torch\nimport rnnlib")
    source = colab_cell.make_cell(nb).source
    calls = []
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "rnnlib" else real_find_spec(name, *a))
    monkeypatch.setattr(subprocess, "run", lambda args, **kw: calls.append((args, kw)))
    exec(compile(source, "setup-cell", "exec"), {})
    (args, kwargs), = calls
    assert args[:5] == [sys.executable, "-m", "pip", "install", "--quiet"]
    assert kwargs == {"check": True}
    url, branch = colab_cell.repository()
    assert f"rnnlib@git+{url}@{branch}" in args
    assert f"torch=={colab_cell.pins()['torch']}" in args
    # numpy is imported in this test process: the cell asks for a restart.
    assert "Restart the kernel" in capsys.readouterr().out


@pytest.mark.parametrize("bad", ["requirements", "config"])
def test_helpers_read_the_given_files(tmp_path, bad):
    if bad == "requirements":
        f = tmp_path / "r.txt"
        f.write_text("# c\nnumpy==1.0  # x\nfoo>=2\n")
        assert colab_cell.pins(f) == {"numpy": "1.0"}
    else:
        f = tmp_path / "c.yml"
        f.write_text("repository:\n  url: https://github.com/a/b/\n")
        assert colab_cell.repository(f) == ("https://github.com/a/b", "main")


def test_every_chapter_has_the_current_setup_cell():
    chapters = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert len(chapters) >= 10
    out = subprocess.run([sys.executable, str(REPO / "tools" / "colab_cell.py"), "--check",
                          *map(str, chapters)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
