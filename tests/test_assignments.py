"""The graded assignments of ``assignments/source`` (nbgrader format): their structure, and
what the student versions give away.

- every assignment states its goals, time and points, and its points table adds up;
- every test cell, visible and hidden, binds the helpers it uses itself (an import from the
  module that the setup cell builds), so that an answer cell cannot replace them;
- the student version that nbgrader generates holds no solution and no hidden test: no
  line of a solution appears anywhere in it (re-spaced or inside a hint), no function
  defined in a visible cell can stand in for a solution and pass the task's tests, and no
  visible cell loops over the reference building blocks (a replay of a solution);
- the student version fails every test cell as it is.

What submissions score (the instructor version, shortcuts, mistakes, nbgrader's own cycle)
is in test_assignment_grading.py.
"""

from __future__ import annotations

import ast
import builtins
import re
import shutil
import symtable

import nbformat
import pytest
from assignment_tools import (
    ASSIGNMENTS,
    BEGIN,
    COURSE,
    END,
    answered,
    cells_by_id,
    grade_module,
    graded_cell_ids,
    nbgrader_meta,
    run_in_process,
    solution_regions,
    source_nb,
)


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
    """Cheats built from the visible cells that pass a task's tests.

    For every function ``F`` of a solution cell and every function ``G`` defined in a
    visible cell (setup or test), the submission is the student version with all the
    solutions typed in, except that ``G``'s source is pasted into ``F``'s cell (its calls of
    the reference building blocks turned into calls of the student's own functions) and
    ``F`` becomes ``return G(*args, **kwargs)`` or ``return G()`` (for a helper that reads the
    test's globals). The tests of that task (the test cells up to the next solution cell)
    must fail for every cheat: otherwise a visible cell holds an implementation of ``F``.
    Every cheat runs in a fresh namespace: the setup and the answer cells before it.
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
    passing = []
    for k in solved_cells:
        before = [c.source for c in cells[:k] if not nbgrader_meta(c).get("grade")]
        tests = []
        for later in cells[k + 1 :]:
            if nbgrader_meta(later).get("solution"):
                break
            tests.append(later.source)
        assert tests, f"solution cell {nbgrader_meta(cells[k])['grade_id']} has no test"
        assert run_cells([*before, cells[k].source, *tests], {"__name__": "__main__"}) is None
        for fn in top_level_functions(cells[k].source):
            for helper, code in helpers.items():
                for call in ("*args, **kwargs", ""):
                    cheat = (
                        f"{cells[k].source}\n\n\n{code}\n\n\n"
                        f"def {fn}(*args, **kwargs):\n    return {helper}({call})\n"
                    )
                    if run_cells([*before, cheat, *tests], {"__name__": "__main__"}) is None:
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
    "rnnlib.layers",
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


def fill(release_nb, source):
    """The student version with the source's solutions typed in."""
    nb = nbformat.from_dict(release_nb)
    src_cells = cells_by_id(source)
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if meta.get("solution") and cell.cell_type == "code":
            cell.source = answered(src_cells[meta["grade_id"]].source)
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A copy of the course directory in which nbgrader generated the student versions, as
    ``make student`` does (in this process, through assignments/grade.py)."""
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(COURSE / "source", root / "source")
    shutil.copy(COURSE / "nbgrader_config.py", root)
    grade = grade_module()
    for name in ASSIGNMENTS:
        grade.generate(root, name, database=False)
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


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_student_version_fails_every_test_as_is(course, name):
    """Untouched, every test cell fails: with NotImplementedError, or, for a test that runs
    the function of an earlier task first, by saying to fix that task first."""
    student = release_nb(course, name)
    outcome = run_in_process(student)
    for grade_id in graded_cell_ids(student):
        error = outcome[grade_id]
        assert isinstance(error, NotImplementedError) or (
            isinstance(error, AssertionError) and "first" in str(error)
            and "NotImplementedError" in str(error)
        ), f"{name}: test cell {grade_id} gave {error!r} on the blank version"


def globals_read(code: str) -> set[str]:
    """The global names that ``code`` (a cell) reads without binding them itself: at the
    top level, and inside the functions, lambdas and comprehensions it defines."""
    top = symtable.symtable(code, "<cell>", "exec")
    bound = {s.get_name() for s in top.get_symbols() if s.is_assigned() or s.is_imported()}
    read = {s.get_name() for s in top.get_symbols() if s.is_referenced()} - bound
    tables = list(top.get_children())
    while tables:
        table = tables.pop()
        tables.extend(table.get_children())
        read |= {
            s.get_name() for s in table.get_symbols() if s.is_global() and s.is_referenced()
        } - bound
    return read - set(vars(builtins))


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_every_test_cell_binds_the_helpers_it_uses(name):
    """A test cell reads no name of the setup cell: it imports its helpers (from the module
    a1_checks, a2_checks or a3_checks that the setup builds), NumPy and the reference
    itself, visible and hidden tests alike. The only names it reads from the notebook are
    the functions that the students write."""
    nb = source_nb(name)
    tasks = set()
    for cell in nb.cells:
        if nbgrader_meta(cell).get("solution"):
            tasks |= set(top_level_functions(answered(cell.source)))
    for cell in nb.cells:
        if nbgrader_meta(cell).get("grade"):
            unbound = globals_read(cell.source) - tasks
            assert not unbound, (
                f"{name}: test cell {nbgrader_meta(cell)['grade_id']} reads {sorted(unbound)} "
                "from the notebook: an answer cell could replace them"
            )


def test_the_binding_check_catches_a_test_cell_that_reads_a_setup_name():
    cell = "import numpy as np\n\nassert_match([('x', np.ones(2), np.ones(2))])\n"
    assert globals_read(cell) == {"assert_match"}
    bound = "from a1_checks import assert_match\n\nassert_match([])\nf = lambda: close(1, 1)\n"
    assert globals_read(bound) == {"close"}


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_the_setup_helpers_are_the_same_in_every_assignment(name):
    """The three setup cells share their helpers word for word (only the imports, ALLOWED
    and the module's name differ): a fix in one is a fix in all."""

    def helpers(n):
        setup = cells_by_id(source_nb(n))[f"{n.split('_')[0]}_setup"].source
        return setup[setup.index("\ndef close(") : setup.index("\n@contextlib.contextmanager")]

    assert helpers(name) == helpers(ASSIGNMENTS[0])
