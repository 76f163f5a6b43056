"""Hostile and broken submissions: the run completes, nobody gains points, the report says why.

Every case is a submission of notebook 01 made from the reference solution with one thing
done to it. All cases are graded together in one sandboxed, parallel run, next to an honest
reference and an untouched notebook whose grades must come out as if they were alone.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass

import nbformat
import pytest

from conftest import ASSIGNMENTS, COURSE, ROOT, autograded_points
from coursekit.grading.examples import answer_ids, fill
from coursekit.grading.grade import grade
from coursekit.grading.sandbox import Limits, sandbox_problem

A = "01_linear_collapse"
pytestmark = [
    pytest.mark.skipif(A not in ASSIGNMENTS, reason="notebook 01 is not among the assignments under test"),
    pytest.mark.skipif(sandbox_problem() is not None, reason=f"no sandbox: {sandbox_problem()}"),
]


@dataclass
class Case:
    """A submission and what an honest grader gives it."""

    make: object  # (reference notebook, workspace) -> notebook, bytes, or None (no file)
    lost: tuple[str, ...] = ()  # exercises that must score zero; every other exercise full marks
    flagged: tuple[str, ...] = ()  # exercises the integrity scan must flag
    failed: str = ""  # the submission cannot be graded; the status must contain this
    note: str = ""  # a repair the report must mention
    failing: str = ""  # an error a failing test must report
    filename: str = f"{A}.ipynb"
    max_lost: tuple[str, ...] = ()  # chaotic cases: these may also be lost
    files: tuple[tuple[str, str], ...] = ()  # other files handed in: (path in the folder, text)


def _cell(nb, gid):
    return next(c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == gid)


def _prepend(gid: str, code: str):
    def make(nb, ws):
        _cell(nb, gid).source = code + "\n" + _cell(nb, gid).source
        return nb

    return make


def _replace(gid: str, code: str):
    def make(nb, ws):
        _cell(nb, gid).source = code
        return nb

    return make


def _insert_after(gid: str, code: str):
    def make(nb, ws):
        i = nb.cells.index(_cell(nb, gid))
        nb.cells.insert(i + 1, nbformat.v4.new_code_cell(code))
        return nb

    return make


def _drop(gid: str):
    def make(nb, ws):
        nb.cells.remove(_cell(nb, gid))
        return nb

    return make


def _duplicate(gid: str):
    def make(nb, ws):
        i = nb.cells.index(_cell(nb, gid))
        nb.cells.insert(i + 1, copy.deepcopy(nb.cells[i]))
        return nb

    return make


def _move_before(gid: str, other: str):
    def make(nb, ws):
        cell = _cell(nb, gid)
        nb.cells.remove(cell)
        nb.cells.insert(nb.cells.index(_cell(nb, other)), cell)
        return nb

    return make


def _retype(gid: str):
    def make(nb, ws):
        i = nb.cells.index(_cell(nb, gid))
        old = nb.cells[i]
        new = nbformat.v4.new_markdown_cell(old.source)
        new.metadata = old.metadata
        nb.cells[i] = new
        return nb

    return make


#: A wrong answer that the cases below try to pass off as right.
WRONG_RELU = _replace("relu_network", "def relu_network(X, weights, biases):\n    return 0.0\n")

#: The exercises whose tests run after the relu_network answer cell.
AFTER_RELU = ("relu_network", "least_squares_fit", "xor_relu_network", "wedge_classifier")
TURN_TESTS_OFF = (
    "get_ipython().input_transformers_post.append(\n"
    "    lambda lines: ['pass\\n'] if any('assert' in line for line in lines) else lines)"
)
SILENCE = (
    "shell = get_ipython()\nshell.showtraceback = lambda *a, **k: None\n"
    "shell.set_custom_exc((BaseException,), lambda *a, **k: None)"
)

#: Test helpers that pass everything, for a ``coursekit/`` folder handed in beside the notebook;
#: the rest of that folder comes from the real package.
FAKE_CHECKS = """
def assert_close(*args, **kwargs):
    pass

def assert_shape(*args, **kwargs):
    pass

def call(function, *args, **kwargs):
    return function(*args, **kwargs)
"""
SHADOW_PACKAGE = f"__path__.append({str(ROOT / 'coursekit')!r})\n"
PATCH_CHECKS = "import coursekit.checks as c\nc.assert_close = lambda *a, **k: None\n"

#: Kills every other process it can see (the grader's runner among them).
KILL_ALL = """import os, signal
for pid in [int(p) for p in os.listdir('/proc') if p.isdigit() and int(p) != os.getpid()]:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
"""

#: Writes a forged result (the notebook with no outputs, so no test fails) where the grader's
#: runner used to leave its result and into every file descriptor of every process it can
#: open, then kills them all.
FORGE = (
    """import json, os
forged = json.load(open('01_linear_collapse.ipynb'))
for cell in forged['cells']:
    if cell['cell_type'] == 'code':
        cell['outputs'] = []
text = json.dumps(forged)
open('.01_linear_collapse.ipynb.executed', 'w').write(text)
for pid in [p for p in os.listdir('/proc') if p.isdigit() and int(p) != os.getpid()]:
    try:
        fds = os.listdir(f'/proc/{pid}/fd')
    except OSError:
        continue
    for fd in fds:
        try:
            with open(f'/proc/{pid}/fd/{fd}', 'w') as fh:
                fh.write(text)
        except OSError:
            pass
"""
    + KILL_ALL
)


def _non_utf8(nb, ws):
    text = nbformat.writes(nb).replace("Linear", "Lin\udcffear", 1)
    return text.encode("utf-8", errors="surrogateescape")


CASES: dict[str, Case] = {
    "honest": Case(lambda nb, ws: nb),
    "untouched": Case(lambda nb, ws: nb, lost=("*",)),
    "infinite_loop": Case(
        _replace("relu_network", "def relu_network(X, weights, biases):\n    while True:\n        pass\n"),
        lost=("relu_network",),
        failing="cell timed out",
    ),
    "sys_exit": Case(_prepend("collapse_linear", "import sys\nsys.exit(3)"), lost=("collapse_linear",)),
    "os_exit": Case(
        _prepend("wedge_classifier", "import os\nos._exit(1)"), lost=("wedge_classifier",), failing="kernel died"
    ),
    "segfault": Case(
        _prepend("wedge_classifier", "import ctypes\nctypes.string_at(0)"),
        lost=("wedge_classifier",),
        flagged=("wedge_classifier",),
        failing="kernel died",
    ),
    "memory_bomb": Case(_prepend("relu_network", "hog = bytearray(64 * 2**30)"), lost=("relu_network",)),
    "fork_bomb": Case(
        _prepend("xor_relu_network", "import os\nwhile True:\n    os.fork()"),
        lost=("xor_relu_network",),
        max_lost=("wedge_classifier",),
    ),
    "huge_output": Case(_prepend("collapse_linear", "print('x' * 100_000_000)")),
    "input": Case(_prepend("linear_network", "answer = input('your name? ')"), lost=("linear_network",)),
    "network": Case(
        _prepend("least_squares_fit", "import urllib.request\nurllib.request.urlopen('http://example.com', timeout=5)"),
        lost=("least_squares_fit",),
    ),
    "read_solutions": Case(
        _prepend("collapse_linear", f"open({str(ROOT / 'solutions' / A / (A + '.py'))!r}).read()"),
        lost=("collapse_linear",),
    ),
    "read_gradebook": Case(
        lambda nb, ws: _prepend("linear_network", f"open({str(ws / 'gradebook.db')!r}, 'rb').read()")(nb, ws),
        lost=("linear_network",),
    ),
    "write_gradebook": Case(
        lambda nb, ws: _prepend("linear_network", f"open({str(ws / 'gradebook.db')!r}, 'w').write('x')")(nb, ws),
        lost=("linear_network",),
    ),
    "read_other_student": Case(
        lambda nb, ws: _prepend(
            "linear_network", f"open({str(ws / 'submitted' / 'honest' / A / (A + '.ipynb'))!r}).read()"
        )(nb, ws),
        lost=("linear_network",),
    ),
    "patch_numpy": Case(
        _prepend("collapse_linear", "import numpy\nnumpy.isclose = lambda *a, **k: True"), lost=("*",), flagged=("*",)
    ),
    "patch_helpers": Case(
        _insert_after("test_relu_network", "assert_close = lambda *a, **k: None"),
        lost=("least_squares_fit", "xor_relu_network", "wedge_classifier"),
        flagged=("least_squares_fit", "xor_relu_network", "wedge_classifier"),
    ),
    "patch_sys_modules": Case(
        _insert_after("test_xor_relu_network", "import sys\nsys.modules['numpy'].testing = None"),
        lost=("wedge_classifier",),
        flagged=("wedge_classifier",),
    ),
    "delegate": Case(
        _replace(
            "relu_network",
            "from coursekit.linear import relu_network as _r\n\n"
            "def relu_network(X, weights, biases):\n    return _r(X, weights, biases)\n",
        ),
        lost=("relu_network",),
        flagged=("relu_network",),
    ),
    "delegate_wrapper": Case(
        lambda nb, ws: _insert_after(
            "test_linear_network",
            "import coursekit.linear as L\nhelper = L.relu_network\n\ndef f(*a):\n    return helper(*a)",
        )(
            _replace("relu_network", "def relu_network(X, weights, biases):\n    return f(X, weights, biases)\n")(
                nb, ws
            ),
            ws,
        ),
        lost=("relu_network",),
        flagged=("relu_network",),
    ),
    "dynamic_code": Case(
        _prepend("wedge_classifier", "mod = __import__('coursekit.linear', fromlist=['x'])"),
        lost=("wedge_classifier",),
        flagged=("wedge_classifier",),
    ),
    "deleted_test": Case(_drop("test_xor_relu_network"), lost=("xor_relu_network",), flagged=("xor_relu_network",)),
    "edited_test": Case(_replace("test_linear_network", "pass"), lost=("linear_network",), flagged=("linear_network",)),
    "duplicated_test": Case(
        _duplicate("test_collapse_linear"), lost=("collapse_linear",), flagged=("collapse_linear",)
    ),
    "duplicated_answer": Case(_duplicate("collapse_linear")),
    "reordered": Case(_move_before("test_relu_network", "relu_network"), lost=("relu_network",), failing="NameError"),
    # nbgrader restores the type of an answer cell; the answer is right, so it earns its points
    "retyped_answer": Case(_retype("relu_network")),
    "retyped_test": Case(_retype("test_wedge_classifier"), lost=("wedge_classifier",), flagged=("wedge_classifier",)),
    "invalid_json": Case(lambda nb, ws: b'{"cells": [', failed="invalid JSON"),
    "empty_file": Case(lambda nb, ws: b"", failed="is empty"),
    "nbformat_3": Case(lambda nb, ws: nbformat.writes(nbformat.convert(nb, 3), version=3), note="nbformat 3"),
    "missing_notebook": Case(lambda nb, ws: None, failed="was submitted", filename=""),
    "wrong_name": Case(lambda nb, ws: nb, note="graded", filename=f"{A} (1).ipynb"),
    "non_utf8": Case(_non_utf8, note="not UTF-8"),
    # tampering with the kernel itself: every later test would pass
    "kernel_transformer": Case(
        lambda nb, ws: _prepend("relu_network", TURN_TESTS_OFF)(WRONG_RELU(nb, ws), ws),
        lost=AFTER_RELU,
        flagged=AFTER_RELU,
    ),
    "silenced_tracebacks": Case(
        lambda nb, ws: _prepend("relu_network", SILENCE)(WRONG_RELU(nb, ws), ws), lost=AFTER_RELU, flagged=AFTER_RELU
    ),
    # files handed in beside the notebook never change how it is graded
    "fake_runner": Case(
        WRONG_RELU,
        lost=("relu_network",),
        failing="test_relu_network",
        files=(
            ("coursekit/__init__.py", ""),
            ("coursekit/grading/__init__.py", ""),
            ("coursekit/grading/runner.py", "import sys\nsys.stdout.write(open(sys.argv[1]).read())\n"),
        ),
    ),
    "shadowed_helpers": Case(
        WRONG_RELU,
        lost=("relu_network",),
        failing="test_relu_network",
        files=(("coursekit/__init__.py", SHADOW_PACKAGE), ("coursekit/checks.py", FAKE_CHECKS)),
    ),
    "shadowed_numpy": Case(
        WRONG_RELU,
        lost=("relu_network",),
        failing="test_relu_network",
        files=(("numpy.py", "raise SystemExit('not the real numpy')\n"),),
    ),
    "config_files": Case(
        WRONG_RELU,
        lost=("relu_network",),
        failing="test_relu_network",
        files=(
            (".home/.ipython/profile_default/startup/00-pass.py", PATCH_CHECKS),
            (".ipython/profile_default/startup/00-pass.py", PATCH_CHECKS),
            ("ipython_kernel_config.py", f"c.InteractiveShellApp.exec_lines = {PATCH_CHECKS.splitlines()!r}\n"),
            ("ipython_config.py", f"c.InteractiveShellApp.exec_lines = {PATCH_CHECKS.splitlines()!r}\n"),
            ("sitecustomize.py", PATCH_CHECKS),
        ),
    ),
    "forged_result": Case(_prepend("wedge_classifier", FORGE), failed="without a result"),
    "kill_grader": Case(_prepend("wedge_classifier", KILL_ALL), failed="without a result"),
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    ws = tmp_path_factory.mktemp("hostile")
    student = nbformat.read(COURSE.student(A), as_version=4)
    solution = nbformat.read(COURSE.solution(A), as_version=4)
    reference = fill(student, solution, answer_ids(student))
    for sid, case in CASES.items():
        folder = ws / "submitted" / sid / A
        folder.mkdir(parents=True)
        base = copy.deepcopy(student if sid == "untouched" else reference)
        made = case.make(base, ws)
        for rel, text in case.files:
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_text(text, encoding="utf-8")
        if not case.filename:
            continue
        if isinstance(made, bytes):
            (folder / case.filename).write_bytes(made)
        elif isinstance(made, str):
            (folder / case.filename).write_text(made, encoding="utf-8")
        else:
            nbformat.write(made, folder / case.filename)
    limits = Limits(cell_timeout=8, cpu_seconds=60, memory_mb=2048, wall_seconds=180, max_processes=64)
    lines: list[str] = []
    report = grade(COURSE, ws, [A], jobs=2, limits=limits, say=lines.append)
    return ws, report, lines


def test_corpus_is_large_enough():
    assert len(CASES) >= 25


@pytest.mark.parametrize("sid", sorted(CASES))
def test_case_gets_what_an_honest_grader_gives(corpus, sid):
    ws, report, lines = corpus
    case = CASES[sid]
    rows = {r.student: r for r in report.rows}
    assert sid in rows, f"{sid} is missing from the report"
    row = rows[sid]
    key = f"{sid}/{A}"
    points = {g[len("test_") :]: p for g, p in autograded_points(A).items()}
    if case.failed:
        assert row.status.startswith("failed") and case.failed in row.status, row.status
        assert row.score == 0
        return
    assert row.status == "graded", row.status
    lost = set(points) if "*" in case.lost else set(case.lost)
    best = sum(p for e, p in points.items() if e not in lost)
    worst = best - sum(points[e] for e in case.max_lost)
    assert worst <= row.auto_score <= best, (row.auto_score, best, report.failing.get(key), report.flags.get(key))
    flagged = {f["exercise"] for f in report.flags.get(key, [])}
    expected_flags = set(points) if "*" in case.flagged else set(case.flagged)
    assert flagged == expected_flags, report.flags.get(key)
    if case.note:
        assert any(case.note in n for n in report.notes.get(key, [])), report.notes.get(key)
    if case.failing:
        assert any(case.failing in f for f in report.failing.get(key, [])), report.failing.get(key)
    # the report says why in one line for every exercise lost
    why = report.failing.get(key, []) + [f["exercise"] for f in report.flags.get(key, [])]
    for ex in lost - set(case.max_lost):
        assert any(ex in w for w in why), f"nothing in the report explains the loss of {ex}: {why}"


def test_grading_files_are_intact(corpus):
    ws, report, _ = corpus
    assert (ws / "gradebook.db").read_bytes()[:16] == b"SQLite format 3\x00"
    honest = next(r for r in report.rows if r.student == "honest")
    assert honest.auto_score == sum(autograded_points(A).values())


def test_huge_output_is_cut(corpus):
    ws, _, _ = corpus
    path = ws / "autograded" / "huge_output" / A / f"{A}.ipynb"
    assert path.stat().st_size < 5 * 2**20


def test_integrity_report_is_written(corpus):
    ws, report, _ = corpus
    data = json.loads((ws / "integrity.json").read_text())
    assert f"delegate/{A}" in data and all("reason" in f for f in data[f"delegate/{A}"])


def test_nothing_of_the_course_leaks_into_outputs(corpus):
    ws, _, _ = corpus
    secret = (ROOT / "solutions" / A / f"{A}.py").read_text().splitlines()[20:25]
    text = (ws / "autograded" / "read_solutions" / A / f"{A}.ipynb").read_text()
    assert not any(line.strip() and line.strip() in text for line in secret if len(line.strip()) > 20)
