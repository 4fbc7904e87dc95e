"""nbgrader configuration of the course's graded assignments.

Run nbgrader from this folder (``make student`` does), with the environment's ``bin``
first on ``PATH``: nbgrader calls ``alembic`` from there.  The instructor versions live in
``source/<name>/<name>.ipynb``; nbgrader writes the student versions to ``release/``.
"""

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "rnn-course"
c.CourseDirectory.assignment_id = ""
# Every assignment runs in a few seconds; a generous limit for slow machines.
c.Execute.timeout = 300
# A student's code that never finishes must not block the whole class's grading.
c.Execute.interrupt_on_timeout = True

# Feedback for the students, without the hidden tests. nbgrader's generate_feedback renders
# the autograded notebooks, whose test cells hold the hidden tests (autograde puts them back
# to run them), and whose error tracebacks quote the lines they went through. The
# preprocessor below removes the hidden regions from every cell and reduces every error to
# its message (which says what is wrong, with a hint). It serves `nbgrader
# generate_feedback`, the formgrader's Feedback button and grade.py alike;
# tests/test_assignment_grading.py checks the HTML.
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor, Preprocessor  # noqa: E402
from nbgrader.preprocessors import GetGrades  # noqa: E402
from traitlets import Bool  # noqa: E402


class HideHiddenTests(Preprocessor):
    """Remove the hidden tests from the sources, and keep only ``ename: evalue`` of every
    error output."""

    enabled = Bool(True)  # nbconvert's preprocessors are off unless enabled

    def preprocess_cell(self, cell, resources, index):
        lines, hidden = [], False
        for line in cell.source.split("\n"):
            if "BEGIN HIDDEN TESTS" in line:
                hidden = True
            elif "END HIDDEN TESTS" in line:
                hidden = False
            elif not hidden:
                lines.append(line)
        cell.source = "\n".join(lines)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = [f"{output['ename']}: {output['evalue']}"]
        return cell, resources


c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor]  # noqa: F821
