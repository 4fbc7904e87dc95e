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
