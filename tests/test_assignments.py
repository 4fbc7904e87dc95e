"""The graded assignments of ``assignments/source`` (nbgrader format).

- every assignment states its goals, time and points, and its points table adds up;
- the instructor version passes all its test cells (executed with nbclient);
- the student version that nbgrader generates holds no solution and no hidden test: no
  line of a solution appears anywhere in it (re-spaced or inside a hint), no function
  defined in a visible cell can stand in for a solution and pass the task's tests, and no
  visible cell loops over the reference building blocks (a replay of a solution);
- the student version fails every test cell as it is, and a plausible wrong answer fails
  exactly the test of its task, with a message that names the mistake;
- nbgrader's own autograde, on submissions in a temporary course, gives full marks to the
  solution, zero to the untouched student version, and partial marks to the wrong answer.
"""

from __future__ import annotations

import ast
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


# A solution line shorter than this (whitespace removed) proves nothing: `h = h0`,
# `caches = []`, `return dx, dh`. The expressions inside a line (a right-hand side, a
# call's argument) are checked on their own from MIN_EXPR characters: `rng.permutation(n)`
# and `adam_init(params)`, which the task texts name as the API to use, are shorter.
MIN_CODE, MIN_EXPR = 12, 20


def squeeze(text: str) -> str:
    """``text`` without any whitespace: re-spacing or re-wrapping a line hides nothing."""
    return re.sub(r"\s+", "", text)


def expressions(line: str) -> list[str]:
    """The source of every expression in one line of code ([] if it does not parse alone,
    like the head of a loop or one line of a bracket split over several)."""
    code = line.strip()
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    return [
        ast.get_source_segment(code, n) or "" for n in ast.walk(tree) if isinstance(n, ast.expr)
    ]


def solution_fragments(nb) -> set[str]:
    """Every non-trivial line of the solutions of a source notebook (comment dropped,
    whitespace removed), and every long enough expression inside them: a hint that quotes
    ``tanh(x @ Wxh.T + h_prev @ Whh.T + bh)`` leaks ``np.tanh(...)``'s argument."""
    fragments = set()
    for cell in nb.cells:
        for region in solution_regions(cell.source):
            for line in region.splitlines():
                code = squeeze(line.split("#")[0])
                if len(code) >= MIN_CODE:
                    fragments.add(code)
                fragments.update(
                    squeeze(e)
                    for e in expressions(line.split("#")[0])
                    if len(squeeze(e)) >= MIN_EXPR
                )
    return fragments


def leaked_solution_lines(source, student) -> list[str]:
    """The solution fragments of ``source`` found anywhere in ``student`` (any cell, any
    position, whitespace ignored)."""
    text = squeeze("\n".join(cell.source for cell in student.cells))
    return sorted(
        fragment  # whole tokens only: `losses.append(loss)` is not in `my_losses.append(loss)`
        for fragment in solution_fragments(source)
        if re.search(rf"(?<![\w.]){re.escape(fragment)}(?!\w)", text)
    )


def top_level_functions(code: str) -> dict[str, str]:
    """``{name: source}`` of the functions defined at the top level of a code cell."""
    try:
        tree = ast.parse(code)
    except SyntaxError:  # a cell with IPython magics: it defines nothing we could reuse
        return {}
    return {
        node.name: ast.get_source_segment(code, node)
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
    }


def visible_code_cells(student) -> list:
    """The code cells of a student version that are not solution cells: the setup and the
    visible tests, which every student reads."""
    return [
        cell
        for cell in student.cells
        if cell.cell_type == "code" and not nbgrader_meta(cell).get("solution")
    ]


def run_cells(sources, namespace):
    """Execute ``sources`` in ``namespace`` in order; the first exception, or None."""
    for code in sources:
        try:
            exec(compile(code, "<cell>", "exec"), namespace)  # noqa: S102
        except Exception as err:  # a failing test cell is what we look for
            return err
    return None


def own_blocks(code: str, aliases: dict[str, str], solved: set[str]) -> str:
    """``code`` with every call of a reference function that a task asks for (for example
    ``reference.rnn_step_backward``) turned into a call of the student's own function: what
    a student who copies a visible helper would do to get past ``assert_own_code``."""
    for alias, path in aliases.items():
        if not any(path == m or path.startswith(m + ".") for m in REFERENCE_MODULES):
            continue
        if path.rsplit(".", 1)[-1] in solved:  # from rnnlib.rnn import rnn_step_backward as f
            code = re.sub(rf"(?<![\w.]){re.escape(alias)}\(", path.rsplit(".", 1)[-1] + "(", code)
        for fn in solved:  # from rnnlib import rnn as reference; reference.rnn_step_backward
            code = re.sub(rf"(?<![\w.]){re.escape(alias)}\.{fn}\(", fn + "(", code)
    return code


def helpers_that_pass(source, student) -> list[str]:
    """Cheats built from the visible cells that pass a task's visible tests.

    For every function ``F`` of a solution cell and every function ``G`` defined in a
    visible cell (setup or test), the submission is the student version with all the
    solutions typed in, except that ``G``'s source is pasted into ``F``'s cell (its calls of
    the reference building blocks turned into calls of the student's own functions) and
    ``F`` becomes ``return G(*args, **kwargs)`` or ``return G()`` (for a helper that reads the
    test's globals). The tests of that task (the test cells up to the next solution cell)
    must fail for every cheat: otherwise a visible cell holds an implementation of ``F``.
    """
    nb = fill(student, source)
    cells = [c for c in nb.cells if c.cell_type == "code"]
    solved_cells = [k for k, c in enumerate(cells) if nbgrader_meta(c).get("solution")]
    solved = {fn for k in solved_cells for fn in top_level_functions(cells[k].source)}
    aliases = import_aliases(student.cells)
    helpers = {}
    for cell in visible_code_cells(student):
        for helper, code in top_level_functions(cell.source).items():
            helpers[helper] = own_blocks(code, aliases, solved)
    namespace = {"__name__": "__main__"}  # the notebook run so far, every task solved
    passing, done = [], 0
    for k in solved_cells:
        err = run_cells([c.source for c in cells[done:k]], namespace)
        assert err is None, f"the solved notebook fails before code cell {k}: {err!r}"
        done = k
        tests = []
        for later in cells[k + 1 :]:
            if nbgrader_meta(later).get("solution"):
                break
            tests.append(later.source)
        assert tests, f"solution cell {nbgrader_meta(cells[k])['grade_id']} has no test"
        for fn in top_level_functions(cells[k].source):
            for helper, code in helpers.items():
                for call in ("*args, **kwargs", ""):
                    cheat = (
                        f"{cells[k].source}\n\n\n{code}\n\n\n"
                        f"def {fn}(*args, **kwargs):\n    return {helper}({call})\n"
                    )
                    if run_cells([cheat, *tests], dict(namespace)) is None:
                        passing.append(f"{fn} = {helper}({call})")
    return passing


# Modules whose functions are the building blocks the students put together (or PyTorch):
# a visible cell may call them once, on whole inputs, as the reference, but a loop over
# them (time steps, minibatches, updates) is a second implementation of a task.
REFERENCE_MODULES = (
    "rnnlib.rnn",
    "rnnlib.lstm",
    "rnnlib.models",
    "rnnlib.optim",
    "rnnlib.losses",
    "rnnlib.train",
    "torch",
)


def import_aliases(cells) -> dict[str, str]:
    """``{name: dotted path}`` for every name the cells bind with ``import``."""
    aliases = {}
    for cell in cells:
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.asname:
                        aliases[a.asname] = a.name
                    else:  # `import a.b` binds `a`
                        aliases[a.name.split(".")[0]] = a.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.module:
                for a in node.names:
                    aliases[a.asname or a.name] = f"{node.module}.{a.name}"
    return aliases


def dotted(node, aliases) -> str:
    """The dotted path a call's function resolves to through the imports ('' if unknown)."""
    if isinstance(node, ast.Name):
        return aliases.get(node.id, "")
    if isinstance(node, ast.Attribute):
        base = dotted(node.value, aliases)
        return f"{base}.{node.attr}" if base else ""
    return ""


def loop_bodies(tree):
    """The parts of every loop and comprehension that run once per iteration."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            yield from node.body
            if isinstance(node, ast.While):
                yield node.test
        elif isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            yield from ([node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt])
            for k, gen in enumerate(node.generators):
                yield from gen.ifs
                if k:
                    yield gen.iter


def reference_calls_in_loops(student) -> list[str]:
    """Calls of the reference building blocks inside a loop of a visible cell."""
    cells = visible_code_cells(student)
    aliases = import_aliases(student.cells)
    found = []
    for cell in cells:
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for part in loop_bodies(tree):
            for node in ast.walk(part):
                if not isinstance(node, ast.Call):
                    continue
                path = dotted(node.func, aliases)
                if any(path == m or path.startswith(m + ".") for m in REFERENCE_MODULES):
                    where = nbgrader_meta(cell).get("grade_id", "?")
                    found.append(f"{where}: {ast.unparse(node)[:70]}")
    return sorted(set(found))


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
    lines = distinctive_lines(source, "hidden")
    assert len(lines) >= 5, f"{name}: too few distinctive hidden-test lines to check"
    leaked = sorted(lines & {line.strip() for line in text.splitlines()})
    assert not leaked, f"{name}: the student version still holds hidden-test lines {leaked}"
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


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_student_version_holds_no_line_of_the_solutions(course, name):
    """Every non-trivial solution line is absent from the WHOLE student version: from the
    visible tests, the hints and the task texts too, whitespace ignored."""
    source, student = source_nb(name), release_nb(course, name)
    assert len(solution_fragments(source)) >= 10, f"{name}: too few solution lines to check"
    leaked = leaked_solution_lines(source, student)
    assert not leaked, f"{name}: the student version holds solution code {leaked}"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_no_visible_helper_can_stand_in_for_a_solution(course, name):
    """No function of the setup or of a visible test, pasted into a solution cell, passes
    that task's visible tests: the visible cells do not implement any task."""
    passing = helpers_that_pass(source_nb(name), release_nb(course, name))
    assert not passing, f"{name}: visible helpers solve tasks: {passing}"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_no_visible_cell_loops_over_the_reference(course, name):
    """The visible cells call the reference (library, PyTorch) on whole inputs only: a loop
    over its steps, batches or updates would replay a solution."""
    found = reference_calls_in_loops(release_nb(course, name))
    assert not found, f"{name}: visible cells loop over reference building blocks: {found}"


def test_leak_checks_catch_a_solution_pasted_into_a_visible_cell(course):
    """The three checks above can fail: a visible cell that holds A1's BPTT (over the
    library's steps, as a helper) trips all three."""
    name = "a1_rnn_bptt"
    source, student = source_nb(name), release_nb(course, name)
    body = solution_regions(cells_by_id(source)["a1_rnn_backward"].source)[0]
    body = body.replace("rnn_step_backward(", "reference.rnn_step_backward(")
    tampered = nbformat.from_dict(student)
    helper = "def bptt_for_the_hint(dhs, cache):\n" + body
    tampered.cells.append(nbformat.v4.new_code_cell(helper))
    assert leaked_solution_lines(source, tampered)
    assert "rnn_backward = bptt_for_the_hint(*args, **kwargs)" in helpers_that_pass(
        source, tampered
    )
    assert reference_calls_in_loops(tampered) == [
        "?: reference.rnn_step_backward(dhs[:, t] + dh_carry, caches[t])"
    ]


@pytest.mark.parametrize(
    "helper",
    [
        "from rnnlib.losses import bce_with_logits_loss\n\n\n"
        "def course_loss(logits, y):\n    return bce_with_logits_loss(logits, y)\n",
        "import rnnlib.losses\n\n\n"
        "def course_loss(logits, y):\n    return rnnlib.losses.bce_with_logits_loss(logits, y)\n",
    ],
)
def test_the_reference_cannot_be_called_through_a_helper(course, helper):
    """assert_own_code follows the notebook's own functions and dotted submodules: a loss
    that hands its work to the library through a helper fails its test."""
    name = "a2_bce_training"
    wrong = {"cell": "a2_bce_loss", "body": "    return course_loss(logits, y)\n\n\n" + helper}
    outcome = run_in_process(fill(release_nb(course, name), source_nb(name), wrong))
    error = outcome["a2_test_bce_loss"]
    assert isinstance(error, AssertionError), repr(error)
    assert "bce_loss must do the computation itself: it uses rnnlib.losses" in str(error)


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
