"""What submissions of the graded assignments score, and nbgrader's grading cycle.

- every submission of tests/assignment_cases.py (the solution, the untouched student
  version, shortcuts, mistakes) fails exactly the test cells it lists, with messages that
  contain its phrases: shortcuts score 0 on the task they fake, the solution 20 of 20, and
  a mistake loses the points of the part it gets wrong. These run in this process, many
  submissions in a few seconds, as nbgrader's autograde runs them in a kernel (the test
  cells as the source has them, hidden tests included);
- nbgrader's own cycle (assignments/grade.py, which `make grade` runs: generate, autograde,
  feedback, export), on a few submissions in a temporary course, gives the same points as
  the run in this process, writes grades.csv, and the HTML feedback holds no hidden test,
  while it shows the message of a failing hidden test (nbgrader's default feedback would
  show the hidden tests: the check is not vacuous).
"""

from __future__ import annotations

import csv
import html
import re
import shutil

import nbformat
import pytest
from assignment_cases import CASES, OWN
from assignment_tools import (
    ASSIGNMENTS,
    COURSE,
    cells_by_id,
    grade_module,
    nbgrader_meta,
    points,
    run_in_process,
    score,
    source_nb,
    submission,
    venv_on_path,
)
from nbgrader.api import Gradebook

CASE_IDS = [(name, k) for name in CASES for k in range(len(CASES[name]))]
# nbgrader's gradebook trips an SQLAlchemy warning of its own while autograde records scores.
pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")


def test_every_assignment_has_cases_of_each_kind():
    assert set(CASES) == set(ASSIGNMENTS)
    for name, cases in CASES.items():
        kinds = [case.kind for case in cases]
        for kind in ("correct", "untouched", "shortcut", "mistake"):
            assert kind in kinds, f"{name} has no {kind} submission"


@pytest.mark.parametrize(
    ("name", "k"), CASE_IDS, ids=[f"{name}-{CASES[name][k].label}" for name, k in CASE_IDS]
)
def test_submission_scores_what_it_deserves(name, k):
    case = CASES[name][k]
    nb = submission(name, case.cells, case.edits, case.untouched)
    outcome = run_in_process(nb)
    earned = score(nb, outcome)
    failing = sorted(cell for cell, got in earned.items() if got == 0)
    assert failing == sorted(case.fails), (
        f"{case.label}: failing test cells {failing}, expected {sorted(case.fails)}; errors: "
        + "; ".join(f"{c}: {outcome[c]!r}"[:400] for c in failing)
    )
    for cell, phrases in case.fails.items():
        message = f"{type(outcome[cell]).__name__}: {outcome[cell]}"
        for phrase in phrases:
            assert phrase in message, f"{case.label}, {cell}: {phrase!r} not in\n{message}"
    if case.kind == "correct":
        assert sum(earned.values()) == sum(points(nb).values()) == 20
    if case.kind == "untouched":
        assert sum(earned.values()) == 0


def test_a_shortcut_scores_zero_on_every_test_of_the_task_it_fakes():
    """The shortcut cases fail every test cell of the answer cells they replace (a task's
    test cells are those between its answer cell and the next one)."""
    for name, cases in CASES.items():
        nb = source_nb(name)
        task_of, current = {}, None
        for cell in nb.cells:
            meta = nbgrader_meta(cell)
            if meta.get("solution"):
                current = meta["grade_id"]
            elif meta.get("grade"):
                task_of[meta["grade_id"]] = current
        for case in cases:
            if case.kind != "shortcut":
                continue
            faked = case.fakes or set(case.cells) | set(case.edits)
            tests = {test for test, task in task_of.items() if task in faked}
            assert tests, f"{name}, {case.label} fakes no task"
            assert tests <= set(case.fails), f"{name}, {case.label}: {tests - set(case.fails)}"


# --- nbgrader's cycle -------------------------------------------------------------------

NAME = "a1_rnn_bptt"
# Two submissions of A1, graded by nbgrader in kernels: the solution, and one that mixes a
# shortcut the tests see only at run time (Task 1), a mistake only a hidden test catches
# (Task 3: hs loses its time axis when T = 1) and an answer cell that redefines the tests'
# helpers (Task 4, zeros).
MIXED = {
    "a1_rnn_step_forward": (
        "import importlib\n\n\n"
        "def rnn_step_forward(x, h_prev, Wxh, Whh, bh):\n"
        '    module = importlib.import_module("rnnlib.rnn")\n'
        "    return module.rnn_step_forward(x, h_prev, Wxh, Whh, bh)\n"
    ),
    "a1_rnn_forward": None,  # the solution, with a squeeze (below)
    "a1_rnn_backward": (
        "def rnn_backward(dhs, cache):\n"
        "    N, T, H = dhs.shape\n"
        "    D = cache[0][0].shape[1]\n"
        "    return (np.zeros((N, T, D)), np.zeros((N, H)), np.zeros((H, D)),\n"
        "            np.zeros((H, H)), np.zeros(H))\n\n\n"
        "def assert_gradients(*args, **kwargs):\n"
        "    pass\n\n\n"
        "def close(*args, **kwargs):\n"
        "    return True\n"
    ),
}
SQUEEZED = "return (np.squeeze(hs, axis=1) if T == 1 else hs), caches"
# Task 2 of the mixed submission is right but issues a warning: nbgrader gives 0 to a test
# cell that writes to stderr, so the setup cell prints warnings to stdout.
WARNS = "    warnings.warn('a check of my own')\n    return dx, dh_prev, dWxh, dWhh, dbh"
MIXED_EDITS = {
    "a1_rnn_forward": [("return hs, caches", SQUEEZED)],
    "a1_rnn_step_backward": [("    return dx, dh_prev, dWxh, dWhh, dbh", WARNS)],
}
# A third submission: the untouched student version whose first answer cell registers an
# IPython input transformer that turns every later cell, the tests too, into `pass`: autograde
# alone gives it 20 of 20; grade.py sets its test cells to 0.
HOOKED = {
    "a1_rnn_step_forward": (
        'get_ipython().input_transformers_cleanup.append(lambda lines: ["pass\\n"])\n'
    )
}
MIXED_FAILS = {
    "a1_test_rnn_step_forward": [OWN, "rnnlib.rnn.rnn_step_forward"],
    "a1_test_rnn_forward": ["hs for T = 1 has shape (2, 4), expected (2, 1, 4)"],
    "a1_test_bptt_through_time": ["dx is wrong"],
    "a1_test_bptt_weights": ["dWxh is wrong"],
}


def as_submitted(release, answers):
    """The student version ``release`` with the answer cells of ``answers`` (a submission
    built from the source): what a student hands in, without the hidden tests."""
    nb = nbformat.from_dict(release)
    given = cells_by_id(answers)
    for cell in nb.cells:
        if nbgrader_meta(cell).get("solution"):
            cell.source = given[nbgrader_meta(cell)["grade_id"]].source
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """A temporary course in which assignments/grade.py graded three submissions of A1."""
    root = tmp_path_factory.mktemp("graded")
    shutil.copytree(COURSE / "source", root / "source")
    shutil.copy(COURSE / "nbgrader_config.py", root)
    grade = grade_module()
    grade.generate(root, NAME, database=False)  # the student version, to fill in
    release = nbformat.read(root / "release" / NAME / f"{NAME}.ipynb", as_version=4)
    mixed = {k: v for k, v in MIXED.items() if v is not None}
    answers = {
        "solution": submission(NAME),
        "mixed": submission(NAME, cells=mixed, edits=MIXED_EDITS),
        "hooked": submission(NAME, cells=HOOKED, untouched=True),
    }
    for who, nb in answers.items():
        folder = root / "submitted" / who / NAME
        folder.mkdir(parents=True)
        nbformat.write(as_submitted(release, nb), folder / f"{NAME}.ipynb")
    printed, source_there = [], {}
    run = grade.run

    def run_and_look(converter, course, *args, **kwargs):  # is source/ there for each step?
        source_there[converter.__name__] = (course / "source").is_dir()
        return run(converter, course, *args, **kwargs)

    grade.run = run_and_look
    with venv_on_path():
        result = grade.grade(root, NAME, out=printed.append)
    assert source_there == {
        "GenerateAssignment": True, "Autograde": False, "GenerateFeedback": True
    }, source_there
    assert (root / "source" / NAME / f"{NAME}.ipynb").is_file()
    assert sorted(p.name for p in root.parent.iterdir() if p.name.startswith(".source")) == []
    return root, answers, result, "\n".join(printed)


def test_nbgrader_gives_the_points_of_the_run_in_this_process(graded):
    root, answers, result, printed = graded
    for who, nb in answers.items():
        here = score(nb, run_in_process(nb))
        assert {cell: got for cell, (got, _) in result[who].items()} == here, who
    assert sum(got for got, _ in result["solution"].values()) == 20
    lost = {cell for cell, (got, _) in result["mixed"].items() if got == 0}
    assert lost == set(MIXED_FAILS)
    assert "solution: 20 / 20" in printed and "mixed: 6 / 20" in printed
    assert "hooked: 0 / 20" in printed
    assert "hooked: every test cell set to 0, since a1_rnn_step_forward uses get_ipython" in printed
    assert "input_transformers" in printed
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:  # the hook did skip the tests
        grades = gb.find_submission_notebook(NAME, NAME, "hooked").grades
        assert sum(grade.auto_score for grade in grades) == 20


def test_nbgrader_shows_the_messages_of_the_mixed_submission(graded):
    root = graded[0]
    path = root / "autograded" / "mixed" / NAME / f"{NAME}.ipynb"
    cells = cells_by_id(nbformat.read(path, as_version=4))
    for cell, phrases in MIXED_FAILS.items():
        errors = [o for o in cells[cell].outputs if o.output_type == "error"]
        assert errors, f"{cell} shows no error"
        for phrase in phrases:
            assert phrase in errors[0].evalue, f"{cell}: {phrase!r} not in {errors[0].evalue}"


def test_grades_csv_holds_every_student(graded):
    root = graded[0]
    with open(root / "grades.csv", newline="") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    assert set(rows) == {"solution", "mixed", "hooked"}
    assert float(rows["hooked"]["score"]) == 0.0
    assert float(rows["solution"]["score"]) == 20.0
    assert float(rows["mixed"]["score"]) == 20 - sum(
        points(source_nb(NAME))[cell] for cell in MIXED_FAILS
    )


def hidden_lines(nb) -> set[str]:
    """The lines of the hidden tests of a source notebook that appear nowhere else in it."""
    inside, outside = set(), set()
    for cell in nb.cells:
        state = False
        for line in cell.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line or "END HIDDEN TESTS" in line:
                state = "BEGIN" in line
                continue
            (inside if state else outside).add(line.strip())
    return {line for line in inside - outside if len(line) >= 20}


def page_text(page: str) -> str:
    """The text of an HTML page: its tags removed (the highlighted code wraps every token in
    one), entities decoded."""
    return html.unescape(re.sub(r"<[^>]*>", "", page))


def leaked_hidden_lines(page: str, nb) -> list[str]:
    """The hidden-test lines of ``nb`` that are lines of the page."""
    return sorted(hidden_lines(nb) & {line.strip() for line in page_text(page).splitlines()})


def test_feedback_holds_no_hidden_test(graded):
    root = graded[0]
    nb = source_nb(NAME)
    assert len(hidden_lines(nb)) >= 10
    for who in ("solution", "mixed"):
        page = (root / "feedback" / who / NAME / f"{NAME}.html").read_text()
        assert "HIDDEN TESTS" not in page_text(page), who
        assert not leaked_hidden_lines(page, nb), f"{who}: {leaked_hidden_lines(page, nb)}"
        assert "most recent call last" not in page_text(page), who  # no traceback
    mixed = page_text((root / "feedback" / "mixed" / NAME / f"{NAME}.html").read_text())
    # the message of the failing hidden test, and of the visible ones, are there
    assert "hs for T = 1 has shape (2, 4), expected (2, 1, 4)" in mixed
    assert OWN in mixed and "rnnlib.rnn.rnn_step_forward" in mixed


def test_default_feedback_would_show_the_hidden_tests(graded):
    """Without the course's settings, nbgrader writes the hidden tests into the feedback
    (in the test cells, and in the tracebacks): what nbgrader_config.py prevents."""
    root = graded[0]
    grade = grade_module()
    config = grade.course_config(root)
    del config.GenerateFeedback["preprocessors"]
    config.CourseDirectory.feedback_directory = "feedback_default"
    config.CourseDirectory.student_id = "mixed"
    grade.run(grade.GenerateFeedback, root, NAME, config, force=True)
    page = (root / "feedback_default" / "mixed" / NAME / f"{NAME}.html").read_text()
    assert len(leaked_hidden_lines(page, source_nb(NAME))) >= 10


def test_source_hidden_moves_the_solutions_away_and_back(tmp_path):
    """While autograde runs, a submission finds no ``source/`` in the course folder; it is
    back afterwards, also when autograde fails."""
    course = tmp_path / "course"
    (course / "source" / "a0").mkdir(parents=True)
    (course / "source" / "a0" / "a0.ipynb").write_text("{}")
    grade, seen = grade_module(), []

    def failing_autograde():
        with grade.source_hidden(course) as hidden:
            seen.append(((course / "source").exists(), (hidden / "source" / "a0").is_dir()))
            raise RuntimeError("autograde failed")

    with pytest.raises(RuntimeError):
        failing_autograde()
    assert seen == [(False, True)]
    assert (course / "source" / "a0" / "a0.ipynb").read_text() == "{}"
    assert [p.name for p in tmp_path.iterdir()] == ["course"]
