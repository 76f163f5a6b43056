"""The integrity scan, on its own: honest notebooks pass, tampering with the kernel is flagged.

(Cases that also run, with their grades, are in test_hostile.py.)
"""

from __future__ import annotations

import copy

import nbformat
import pytest

from conftest import ASSIGNMENTS, COURSE
from coursekit.grading.course import EXERCISES
from coursekit.grading.integrity import scan
from coursekit.grading.submissions import answer_ids, fill

A = "01_linear_collapse"


def _reference(assignment: str):
    student = nbformat.read(COURSE.student(assignment), as_version=4)
    solution = nbformat.read(COURSE.solution(assignment), as_version=4)
    return student, fill(student, solution, answer_ids(student))


def _with_code(code: str):
    """The reference of notebook 01 with ``code`` at the top of the collapse_linear answer."""
    student, reference = _reference(A)
    nb = copy.deepcopy(reference)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "collapse_linear")
    cell.source = code + "\n" + cell.source
    return scan(nb, student, A, EXERCISES[A])


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_solutions_are_not_flagged(assignment):
    student, reference = _reference(assignment)
    assert scan(reference, student, assignment, EXERCISES[assignment]) == []


@pytest.mark.parametrize(
    "code",
    [
        "%timeit [0] * 10",
        "%matplotlib inline",
        "!ls",
        "files = !ls",
        "from IPython.display import display, Markdown\ndisplay(Markdown('*hi*'))",
        "import inspect\nsignature = inspect.signature(print)",
    ],
)
def test_ordinary_notebook_habits_are_not_flagged(code):
    assert _with_code(code) == []


@pytest.mark.parametrize(
    "code, why",
    [
        ("get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])", "get_ipython()"),
        ("ip = get_ipython()\nip.showtraceback = lambda *a, **k: None", "get_ipython()"),
        ("get_ipython().set_custom_exc((Exception,), lambda *a, **k: None)", "get_ipython()"),
        ("get_ipython().events.register('post_run_cell', print)", "get_ipython()"),
        ("%load_ext some_extension", "get_ipython()"),
        ("%config InteractiveShell.ast_node_interactivity = 'none'", "get_ipython()"),
        ("import IPython\nIPython.get_ipython().ast_transformers.append(None)", "IPython.get_ipython"),
        ("import sys\nsys.path.insert(0, '.')", "sys.path"),
        ("import gc\nobjects = gc.get_objects()", "imports gc"),
        ("import sys\nframe = sys._getframe().f_back", ".f_back"),
        ("leak = print.__globals__", ".__globals__"),
    ],
)
def test_reaching_into_the_kernel_is_flagged(code, why):
    flags = _with_code(code)
    assert {f.exercise for f in flags} == set(EXERCISES[A]), flags
    assert all(why in f.reason for f in flags), flags
