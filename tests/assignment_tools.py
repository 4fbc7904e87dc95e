"""Helpers of the tests of the graded assignments (test_assignments.py,
test_assignment_grading.py): the notebooks, submissions built from them, and a grader that
runs a submission in this process, as nbgrader's autograde would in a kernel."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "assignments"
ASSIGNMENTS = sorted(p.name for p in (COURSE / "source").iterdir() if p.is_dir())
BIN = Path(sys.executable).parent
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


def nbgrader_meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def cells_by_id(nb) -> dict:
    return {nbgrader_meta(c)["grade_id"]: c for c in nb.cells if nbgrader_meta(c)}


def graded_cell_ids(nb) -> list[str]:
    return [nbgrader_meta(c)["grade_id"] for c in nb.cells if nbgrader_meta(c).get("grade")]


def points(nb) -> dict[str, float]:
    """``{test cell: points}`` of a notebook."""
    return {
        nbgrader_meta(c)["grade_id"]: nbgrader_meta(c)["points"]
        for c in nb.cells
        if nbgrader_meta(c).get("grade")
    }


def source_nb(name):
    return nbformat.read(COURSE / "source" / name / f"{name}.ipynb", as_version=4)


def solution_regions(text: str) -> list[str]:
    """The code between BEGIN SOLUTION and END SOLUTION lines (markers excluded)."""
    return re.findall(rf"^[ \t]*{BEGIN}[^\n]*\n(.*?)^[ \t]*{END}", text, flags=re.M | re.S)


def replace_regions(text: str, bodies: list[str]) -> str:
    """Put ``bodies`` in place of the solution regions (and their markers) of ``text``."""
    parts = re.split(
        rf"^[ \t]*{BEGIN}[^\n]*\n.*?^[ \t]*{END}[^\n]*(?:\n|$)", text, flags=re.M | re.S
    )
    assert len(parts) == len(bodies) + 1
    out = parts[0]
    for body, rest in zip(bodies, parts[1:]):
        out += body.strip("\n") + "\n" + rest
    return out


def answered(text: str) -> str:
    """A solution cell of a source notebook as a student who solved it would submit it."""
    return replace_regions(text, solution_regions(text))


def unanswered(text: str) -> str:
    """A solution cell as the student version has it (what nbgrader's ClearSolutions does)."""
    return replace_regions(text, ["    raise NotImplementedError()"] * len(solution_regions(text)))


def submission(name: str, cells=None, edits=None, untouched=False):
    """A submission of assignment ``name`` as autograde runs it: the source's test cells
    (hidden tests included), and answer cells as a student wrote them.

    Every answer cell holds the source's solution (or, with ``untouched``, the student
    version's ``raise NotImplementedError()``), except that ``cells`` maps an answer cell's
    grade id to its whole new source, and ``edits`` to a list of ``(old, new)`` replacements
    in its solution (``old`` must occur exactly once).
    """
    nb = source_nb(name)
    cells, edits = cells or {}, edits or {}
    found = set()
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if not meta.get("solution"):
            continue
        grade_id = meta["grade_id"]
        text = unanswered(cell.source) if untouched else answered(cell.source)
        for old, new in edits.get(grade_id, []):
            assert text.count(old) == 1, f"{grade_id}: {old!r} occurs {text.count(old)} times"
            text = text.replace(old, new)
        cell.source = cells.get(grade_id, text)
        found.add(grade_id)
    unknown = (set(cells) | set(edits)) - found
    assert not unknown, f"{name} has no answer cell {sorted(unknown)}"
    return nb


def run_in_process(nb) -> dict:
    """Run the code cells of ``nb`` in one fresh namespace, as a kernel would, but in this
    process (no kernel start-up, nothing printed). Return ``{grade_id: exception or None}``."""
    namespace = {"__name__": "__main__"}
    outcome = {}
    with contextlib.redirect_stdout(io.StringIO()):
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            grade_id = nbgrader_meta(cell).get("grade_id", "?")
            try:
                exec(compile(cell.source, f"<cell {grade_id}>", "exec"), namespace)  # noqa: S102
                outcome[grade_id] = None
            except Exception as err:  # the test cells' failures are what we inspect
                outcome[grade_id] = err
    sys.setprofile(None)  # in case a cell left the tests' watch on
    return outcome


def score(nb, outcome) -> dict[str, float]:
    """``{test cell: points earned}``: nbgrader gives a test cell all its points when it
    runs without an error, none otherwise."""
    return {cell: (0 if outcome[cell] is not None else most) for cell, most in points(nb).items()}


def grade_module():
    """``assignments/grade.py``, imported (it drives nbgrader for ``make grade``)."""
    spec = importlib.util.spec_from_file_location("course_grade", COURSE / "grade.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def venv_on_path():
    """nbgrader calls ``alembic`` from PATH: the environment's bin first, for a while."""
    saved = os.environ.get("PATH", "")
    os.environ["PATH"] = f"{BIN}{os.pathsep}{saved}"
    try:
        yield
    finally:
        os.environ["PATH"] = saved
