"""The graded assignments of ``assignments/source`` (nbgrader format).

- every assignment states its goals, time and points, and its points table adds up;
- the instructor version passes all its test cells (executed with nbclient);
- the student version that nbgrader generates holds no solution and no hidden test;
- the student version fails every test cell as it is, and a plausible wrong answer fails
  exactly the test of its task, with a message that names the mistake;
- nbgrader's own autograde, on submissions in a temporary course, gives full marks to the
  solution, zero to the untouched student version, and partial marks to the wrong answer.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbgrader.api import Gradebook

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "assignments"
ASSIGNMENTS = sorted(p.name for p in (COURSE / "source").iterdir() if p.is_dir())
BIN = Path(sys.executable).parent
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"

# One plausible wrong answer per assignment: the solution cell it replaces, the wrong body,
# the test cell that must fail, and phrases its message must contain.
WRONG = {
    "a1_rnn_bptt": {
        "cell": "a1_rnn_backward",
        "body": """
    caches = cache
    N, T, H = dhs.shape
    dxs = [None] * T
    dWxh = dWhh = dbh = 0.0
    for t in reversed(range(T)):  # BPTT without the gradient coming back from step t + 1
        dxs[t], dh_prev, dWxt, dWht, dbt = rnn_step_backward(dhs[:, t], caches[t])
        dWxh, dWhh, dbh = dWxh + dWxt, dWhh + dWht, dbh + dbt
    return np.stack(dxs, axis=1), dh_prev, dWxh, dWhh, dbh
""",
        "test": "a1_test_rnn_backward",
        "messages": [
            "dWhh is wrong: relative error",
            "did you forget the gradient flowing back through Whh to h_{t-1}?",
        ],
    },
    "a2_bce_training": {
        "cell": "a2_bce_loss",
        "body": """
    z = np.asarray(logits, dtype=float)
    per_element = np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))
    p = 1.0 / (1.0 + np.exp(-z))
    return float(np.mean(per_element)), p - y  # the gradient of the SUM, not of the mean
""",
        "test": "a2_test_bce_loss",
        "messages": [
            "dlogits is wrong: relative error",
            "dlogits is 8 times too large",
            "the loss is a MEAN over N * O = 8 terms",
        ],
    },
    "a3_lstm_cell": {
        "cell": "a3_lstm_step_backward",
        "body": """
    x, h_prev, c_prev, c_next, i, f, g, o, Wxh, Whh = cache
    tc = np.tanh(c_next)
    dc = dc_next + dh_next * o * (1.0 - tc**2)
    da = np.concatenate(  # the forget gate's gradient dropped
        [dc * g * i * (1.0 - i), 0.0 * f, dc * i * (1.0 - g**2), dh_next * tc * o * (1.0 - o)],
        axis=1,
    )
    return da @ Wxh, da @ Whh, dc * f, da.T @ x, da.T @ h_prev, da.sum(axis=0)
""",
        "test": "a3_test_lstm_step_backward",
        "messages": [
            "db is wrong: relative error",
            "forget gate f (rows H:2H of db): did you drop the forget gate's gradient?",
        ],
    },
}


def nbgrader_meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def cells_by_id(nb) -> dict:
    return {nbgrader_meta(c)["grade_id"]: c for c in nb.cells if nbgrader_meta(c)}


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


def distinctive_lines(nb, kind: str) -> set[str]:
    """Lines of the solutions (kind="solution") or hidden tests (kind="hidden") of a source
    notebook that appear nowhere else in it."""
    begin, end = (
        (BEGIN, END) if kind == "solution" else ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
    )
    inside, outside = set(), set()
    for cell in nb.cells:
        state = False
        for line in cell.source.splitlines():
            if begin in line or end in line:
                state = begin in line
                continue
            (inside if state else outside).add(line.strip())
    return {line for line in inside - outside if len(line) >= 20}


def fill(release_nb, source, wrong=None):
    """A submission: the student version with the source's solutions typed in, except for
    the solution cell ``wrong["cell"]``, which gets ``wrong["body"]``."""
    nb = nbformat.from_dict(release_nb)
    src_cells = cells_by_id(source)
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if not meta.get("solution") or cell.cell_type != "code":
            continue
        src = src_cells[meta["grade_id"]].source
        bodies = solution_regions(src)
        if wrong and meta["grade_id"] == wrong["cell"]:
            bodies = [wrong["body"]]
        cell.source = replace_regions(src, bodies)
    return nb


def error_text(cell) -> str:
    return "\n".join(
        f"{o.ename}: {o.evalue}" for o in cell.get("outputs", []) if o.output_type == "error"
    )


def run_nbgrader(*args, cwd):
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    result = subprocess.run(
        [str(BIN / "nbgrader"), *args, "--log-level=WARN"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"nbgrader {args[0]} failed:\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A copy of the course directory in which nbgrader generated the student versions."""
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(COURSE / "source", root / "source")
    shutil.copy(COURSE / "nbgrader_config.py", root)
    run_nbgrader("generate_assignment", "*", cwd=root)
    return root


def release_nb(course, name):
    return nbformat.read(course / "release" / name / f"{name}.ipynb", as_version=4)


def test_there_are_three_assignments_with_goals_time_and_points():
    assert len(ASSIGNMENTS) >= 3
    for name in ASSIGNMENTS:
        nb = source_nb(name)
        intro = nb.cells[0].source
        for heading in ("**Learning goals.**", "**Expected time:**", "| **Total** |"):
            assert heading in intro, f"{name}: the first cell lacks {heading!r}"
        points = [
            nbgrader_meta(c).get("points", 0) for c in nb.cells if nbgrader_meta(c).get("grade")
        ]
        total = int(re.search(r"\| \*\*Total\*\* \| \*\*(\d+)\*\* \|", intro).group(1))
        assert sum(points) == total, f"{name}: the test cells hold {sum(points)} points"
        table = [int(p) for p in re.findall(r"^\| \d+ \|.*\| (\d+) \|$", intro, flags=re.M)]
        assert sum(table) == total, f"{name}: the points table adds up to {sum(table)}"
        for cell in nb.cells:
            meta = nbgrader_meta(cell)
            assert meta.get("schema_version") == 3, f"{name}: a cell lacks nbgrader metadata"
            if meta["grade"]:
                assert meta["locked"] and meta["points"] > 0 and cell.cell_type == "code"
                assert "### BEGIN HIDDEN TESTS" in cell.source, (
                    f"{name}: test cell {meta['grade_id']} has no hidden tests"
                )
            if meta["solution"]:
                assert BEGIN in cell.source and not meta["locked"]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_instructor_version_passes_its_tests(name):
    nb = source_nb(name)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    ).execute()
    for cell in nb.cells:
        if nbgrader_meta(cell).get("grade"):
            printed = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
            assert "visible tests pass" in printed or "test accuracy:" in printed, (
                f"{name}: test cell {nbgrader_meta(cell)['grade_id']} printed {printed!r}"
            )


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_student_version_has_no_solution_and_no_hidden_test(course, name):
    source, student = source_nb(name), release_nb(course, name)
    text = "\n".join(c.source for c in student.cells)
    for marker in (BEGIN, END, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text
    for kind in ("solution", "hidden"):
        lines = distinctive_lines(source, kind)
        assert len(lines) >= 5, f"{name}: too few distinctive {kind} lines to check"
        leaked = sorted(lines & {line.strip() for line in text.splitlines()})
        assert not leaked, f"{name}: the student version still holds {kind} lines {leaked}"
    src_cells = cells_by_id(source)
    for cell in student.cells:
        meta = nbgrader_meta(cell)
        if meta.get("solution"):
            assert cell.source.count("raise NotImplementedError()") == len(
                solution_regions(src_cells[meta["grade_id"]].source)
            )
        elif meta.get("grade"):  # the visible tests are kept word for word
            visible = src_cells[meta["grade_id"]].source.split("### BEGIN HIDDEN TESTS")[0]
            assert cell.source.strip() == visible.strip()


def run_in_process(nb) -> dict:
    """Run the code cells of ``nb`` in one fresh namespace, as a kernel would, but in this
    process (no kernel start-up). Return ``{grade_id: exception or None}``."""
    namespace = {"__name__": "__main__"}
    outcome = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        grade_id = nbgrader_meta(cell).get("grade_id", "?")
        try:
            exec(compile(cell.source, f"<cell {grade_id}>", "exec"), namespace)  # noqa: S102
            outcome[grade_id] = None
        except Exception as err:  # the test cells' failures are what we inspect
            outcome[grade_id] = err
    return outcome


def graded_cell_ids(nb) -> list[str]:
    return [nbgrader_meta(c)["grade_id"] for c in nb.cells if nbgrader_meta(c).get("grade")]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_student_version_fails_every_test_as_is(course, name):
    student = release_nb(course, name)
    outcome = run_in_process(student)
    for grade_id in graded_cell_ids(student):
        assert isinstance(outcome[grade_id], NotImplementedError), (
            f"{name}: test cell {grade_id} gave {outcome[grade_id]!r} on the blank version"
        )


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_wrong_answer_fails_with_a_helpful_message(course, name):
    wrong = WRONG[name]
    student = release_nb(course, name)
    outcome = run_in_process(fill(student, source_nb(name), wrong))
    for grade_id in graded_cell_ids(student):
        if grade_id != wrong["test"]:
            assert outcome[grade_id] is None, f"{grade_id} failed: {outcome[grade_id]!r}"
    error = outcome[wrong["test"]]
    assert isinstance(error, AssertionError), repr(error)
    for phrase in wrong["messages"]:
        assert phrase in str(error), f"{phrase!r} is not in the message:\n{error}"


def test_nbgrader_autograde_scores_submissions(course):
    """The real grading path, once: nbgrader autograde on three submissions of A1."""
    name, wrong = ASSIGNMENTS[0], WRONG[ASSIGNMENTS[0]]
    student, source = release_nb(course, name), source_nb(name)
    submissions = {
        "solution": fill(student, source),
        "untouched": student,
        "wrong": fill(student, source, wrong),
    }
    for who, nb in submissions.items():
        folder = course / "submitted" / who / name
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{name}.ipynb")
    run_nbgrader("autograde", name, cwd=course)

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id="rnn-course") as gb:
        scores = {
            who: {
                g.name: (g.score, g.max_score)
                for g in gb.find_submission_notebook(name, name, who).grades
            }
            for who in submissions
        }
        total = gb.find_assignment(name).max_score
    assert total == 20 and set(scores["solution"]) == set(graded_cell_ids(source))
    assert all(score == most for score, most in scores["solution"].values()), scores
    assert all(score == 0 for score, _ in scores["untouched"].values()), scores
    for grade_id, (score, most) in scores["wrong"].items():
        expected = 0 if grade_id == wrong["test"] else most
        assert score == expected, f"{grade_id}: {score} of {most} points, expected {expected}"

    graded = {
        who: cells_by_id(
            nbformat.read(course / "autograded" / who / name / f"{name}.ipynb", as_version=4)
        )
        for who in submissions
    }
    for grade_id in graded_cell_ids(source):
        assert not error_text(graded["solution"][grade_id])
        assert "NotImplementedError" in error_text(graded["untouched"][grade_id])
    message = error_text(graded["wrong"][wrong["test"]])
    for phrase in wrong["messages"]:
        assert phrase in message, f"{phrase!r} is not in the autograded output:\n{message}"
