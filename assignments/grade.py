"""Grade one assignment with nbgrader: the whole cycle, run from the course folder.

    make grade A=a1_rnn_bptt                  (from the repository's root), or
    cd assignments && python grade.py a1_rnn_bptt

with the environment's ``bin`` first on ``PATH`` (nbgrader calls ``alembic`` from there;
``make grade`` sees to it). The steps, each the nbgrader command of the same name:

1. ``generate_assignment --force``: the student version in ``release/``, and the tests
   (hidden ones included) recorded in ``gradebook.db``: autograde runs these, so this step
   is what makes a change to the tests count;
2. ``autograde --force`` of every submission in ``submitted/<student>/<assignment>/``:
   the test cells are put back as the source has them, every notebook runs, the scores go
   to ``gradebook.db`` and the executed notebooks to ``autograded/``. Without ``--force``
   nbgrader keeps the grades of submissions it graded before, even after the tests changed.
   While it runs, ``source/`` (the solutions) is moved out of the course folder, so that a
   submission cannot read it from ``../../../source``;
   A submission whose code cells name IPython's machinery (``get_ipython``, its input or
   AST transformers, magics, events) gets 0 in every test cell (a manual score, which
   formgrader can change): an input transformer can turn every later cell, the tests too,
   into ``pass``;
3. ``generate_feedback --force``: one HTML page per student in ``feedback/``, without the
   hidden tests (``nbgrader_config.py`` removes them, and reduces every error to its
   message);
4. ``export``: every grade of the gradebook to ``grades.csv``;

then a table of the points per test cell and student, with the first line of the message of
every failing test. Everything it writes is student data, ignored by git.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import tempfile
from pathlib import Path

from nbgrader.api import Gradebook
from nbgrader.converters import Autograde, GenerateAssignment, GenerateFeedback
from nbgrader.converters.base import NbGraderException
from nbgrader.coursedir import CourseDirectory
from nbgrader.plugins import CsvExportPlugin
from traitlets.config.loader import PyFileConfigLoader

COURSE = Path(__file__).resolve().parent


def course_config(course: Path):
    """The configuration of ``course``: its ``nbgrader_config.py``, rooted there."""
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    config.CourseDirectory.root = str(course)
    return config


def run(converter_class, course: Path, assignment: str, config=None, **traits) -> None:
    """One nbgrader step (a converter) on ``assignment``, for every student."""
    config = config or course_config(course)
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = assignment
    converter = converter_class(coursedir=coursedir, config=config)
    for name, value in traits.items():
        setattr(converter, name, value)
    converter.start()


def generate(course: Path, assignment: str, database: bool = True) -> None:
    """``nbgrader generate_assignment <assignment> --force`` (``--no-db`` without
    ``database``: the student version only, as ``make student`` makes it)."""
    config = course_config(course)
    if not database:
        config.GenerateAssignment.no_database = True
        config.SaveCells.enabled = False
    run(GenerateAssignment, course, assignment, config, force=True, create_assignment=database)


@contextlib.contextmanager
def source_hidden(course: Path):
    """``course/source`` moved to a new folder with a random name next to the course while
    the block runs (autograde), and moved back afterwards, even after an error: a submission
    that looks for the solutions in ``../../../source`` finds nothing."""
    hidden = Path(tempfile.mkdtemp(prefix=".source-during-autograde-", dir=course.parent))
    os.rename(course / "source", hidden / "source")  # same file system: nothing is copied
    try:
        yield hidden
    finally:
        os.rename(hidden / "source", course / "source")
        hidden.rmdir()


# Names of IPython's machinery: a cell that uses it can change what the kernel runs after it,
# e.g. get_ipython().input_transformers_cleanup.append(lambda lines: ["pass\n"]).
IPYTHON_HOOKS = ("get_ipython", "input_transformers", "ast_transformers", "register_magic",
                 "events.register")


def ipython_hooks(course: Path, assignment: str, student: str) -> list[str]:
    """The code cells of ``student``'s submission that name IPython's machinery, as
    ``'<grade id or cell number> uses <name>'`` (none in the source's cells)."""
    import nbformat

    found = []
    for path in sorted((course / "submitted" / student / assignment).glob("*.ipynb")):
        for k, cell in enumerate(nbformat.read(path, as_version=4).cells):
            where = cell.metadata.get("nbgrader", {}).get("grade_id", f"cell {k + 1}")
            found += [
                f"{where} uses {name}" for name in IPYTHON_HOOKS
                if cell.cell_type == "code" and name in cell.source
            ]
    return found


def zero_flagged(course: Path, assignment: str, out=print) -> dict[str, list[str]]:
    """0 points (a manual score) in every test cell of each submission that names IPython's
    machinery; returns ``{student: what it uses}``."""
    flagged = {}
    for student in submissions(course, assignment):
        if hooks := ipython_hooks(course, assignment, student):
            flagged[student] = hooks
    if flagged:
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
            for student in flagged:
                for grade in gb.find_submission_notebook(assignment, assignment, student).grades:
                    grade.manual_score = 0
            gb.db.commit()
    for student, hooks in flagged.items():
        out(f"{student}: every test cell set to 0, since {'; '.join(hooks)}: IPython's "
            "machinery can make the kernel skip the tests. Read the notebook; formgrader can "
            "give the points back.")
    return flagged


def submissions(course: Path, assignment: str) -> list[str]:
    """The students who have a submission of ``assignment`` in ``submitted/``."""
    return sorted(p.parent.name for p in (course / "submitted").glob(f"*/{assignment}"))


def scores(course: Path, assignment: str) -> dict[str, dict[str, tuple[float, float]]]:
    """``{student: {test cell: (score, max score)}}`` from the gradebook."""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {
            student: {
                grade.name: (grade.score, grade.max_score)
                for grade in gb.find_submission_notebook(assignment, assignment, student).grades
            }
            for student in submissions(course, assignment)
        }


def first_errors(course: Path, assignment: str, student: str) -> dict[str, str]:
    """``{test cell: first line of its error}`` of a student's autograded notebook."""
    import nbformat

    path = course / "autograded" / student / assignment / f"{assignment}.ipynb"
    errors = {}
    for cell in nbformat.read(path, as_version=4).cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        for output in cell.get("outputs", []):
            if output.output_type == "error" and grade_id:
                message = f"{output.ename}: {output.evalue}" if output.evalue else output.ename
                errors[grade_id] = message.splitlines()[0]
    return errors


def grade(course: Path, assignment: str, out=print) -> dict[str, dict[str, tuple[float, float]]]:
    """The whole cycle for ``assignment``; returns the scores (see :func:`scores`)."""
    if not (course / "source" / assignment).is_dir():
        raise SystemExit(f"no assignment {assignment!r} in {course / 'source'}")
    try:
        generate(course, assignment)
    except NbGraderException:
        raise SystemExit(
            "nbgrader could not record the tests of the assignment (its errors are above). "
            "If they say 'Cannot add or remove cells ... because there are submissions', the "
            "source has other test cells than the one graded before: export the old grades, "
            f"move {course / 'gradebook.db'}, autograded/ and feedback/ away, and run this "
            "again."
        ) from None
    students = submissions(course, assignment)
    if not students:
        out(f"No submission of {assignment} yet: put each student's notebook in\n"
            f"  {course}/submitted/<student_id>/{assignment}/{assignment}.ipynb\n"
            "(nbgrader zip_collect can sort the downloads of a learning management system), "
            "then run this again. The tests are recorded in gradebook.db.")
        return {}
    with source_hidden(course):  # autograde needs only gradebook.db and the submissions
        run(Autograde, course, assignment, force=True, create_student=True)
    zero_flagged(course, assignment, out)
    run(GenerateFeedback, course, assignment, force=True)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        CsvExportPlugin(to=str(course / "grades.csv")).export(gb)
    result = scores(course, assignment)
    cells = list(next(iter(result.values())))
    out("(nbgrader's warnings \"Attribute 'checksum' for cell ... has changed\" are expected: "
        "the test cells of a student version lack the hidden tests, and autograde puts the "
        "source's cells back before it runs a submission.)")
    out(f"{assignment}: points per test cell (feedback in {course / 'feedback'}, every grade "
        f"in {course / 'grades.csv'})")
    for student, grades in result.items():
        total = sum(score for score, _ in grades.values())
        most = sum(most for _, most in grades.values())
        out(f"  {student}: {total:g} / {most:g}  "
            + "  ".join(f"{cell} {grades[cell][0]:g}/{grades[cell][1]:g}" for cell in cells))
        for cell, message in first_errors(course, assignment, student).items():
            out(f"      {cell}: {message[:150]}")
    return result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignment", help="for example a1_rnn_bptt")
    parser.add_argument("--course", type=Path, default=COURSE, help="the course folder")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="[%(levelname)s] %(message)s")
    grade(args.course.resolve(), args.assignment)


if __name__ == "__main__":
    sys.exit(main())
