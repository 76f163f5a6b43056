"""The integrity scan, on its own: honest notebooks pass, tampering with the kernel is flagged.

(Cases that also run, with their grades, are in test_hostile.py.)
"""

from __future__ import annotations

import copy

import nbformat
import pytest
from test_contract import CONTRACT

from conftest import ASSIGNMENTS, COURSE
from coursekit.grading.examples import answer_ids, fill
from coursekit.grading.integrity import exercises_of, scan

A = "01_linear_collapse"


def _reference(assignment: str):
    student = nbformat.read(COURSE.student(assignment), as_version=4)
    solution = nbformat.read(COURSE.solution(assignment), as_version=4)
    return student, fill(student, solution, answer_ids(student))


def _exercises(assignment: str) -> list[str]:
    return exercises_of(nbformat.read(COURSE.student(assignment), as_version=4))


def _with_code(code: str):
    """The reference of notebook 01 with ``code`` at the top of the collapse_linear answer."""
    student, reference = _reference(A)
    nb = copy.deepcopy(reference)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "collapse_linear")
    cell.source = code + "\n" + cell.source
    return scan(nb, student, COURSE.references(A))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_solutions_are_not_flagged(assignment):
    for name in COURSE.notebook_names(assignment):
        student = nbformat.read(COURSE.student(assignment, name), as_version=4)
        solution = nbformat.read(COURSE.solution(assignment, name), as_version=4)
        reference = fill(student, solution, answer_ids(student))
        assert scan(reference, student, COURSE.references(assignment)) == []


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
    assert {f.exercise for f in flags} == set(_exercises(A)), flags
    assert all(why in f.reason for f in flags), flags


def _with_answer(assignment: str, exercise: str, code: str):
    """Flags of the reference of ``assignment`` with ``code`` appended to the answer cell of ``exercise``."""
    student, reference = _reference(assignment)
    nb = copy.deepcopy(reference)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == exercise)
    cell.source = cell.source + "\n" + code
    return scan(nb, student, COURSE.references(assignment))


@pytest.mark.parametrize("assignment", [a for a in ASSIGNMENTS if a in CONTRACT])
def test_the_exercises_come_from_the_notebooks_own_metadata(assignment):
    # every solution cell and every test cell of the course names an exercise of test_contract.py
    student = nbformat.read(COURSE.student(assignment), as_version=4)
    assert sorted(exercises_of(student)) == sorted(CONTRACT[assignment])


@pytest.mark.parametrize(
    "code",
    [
        "from coursekit.activations import sigmoid",
        "from coursekit.activations import sigmoid as sigmoid",
        "import coursekit.activations as m\nsigmoid = m.sigmoid",
        "from coursekit import activations\nsigmoid = activations.sigmoid",
        "import coursekit.activations\nsigmoid = coursekit.activations.sigmoid",
        "import functools\nimport coursekit.activations as m\nsigmoid = functools.partial(m.sigmoid)",
        "import coursekit.activations as m\nsigmoid = staticmethod(m.sigmoid)",
        "import coursekit.activations as m\nsigmoid: object = m.sigmoid",
    ],
)
def test_binding_the_exercise_to_its_reference_is_delegation(code):
    flags = _with_answer("02_activations", "sigmoid", code)
    assert {f.exercise for f in flags} == {"sigmoid"}, flags
    assert all("coursekit reference coursekit.activations.sigmoid" in f.reason for f in flags), flags


def test_binding_a_method_exercise_through_its_class_is_delegation():
    code = "from coursekit import autodiff as ad\nVar.backward = ad.Var.backward"
    flags = _with_answer("04_forward_and_reverse_mode", "Var_backward", code)
    assert {f.exercise for f in flags} == {"Var_backward"}, flags
    assert any("binds 'Var.backward'" in f.reason for f in flags), flags


def test_an_unrelated_import_from_the_reference_module_is_not_delegation():
    # honest: importing another name (here the sigmoid, to check one's own relu against) binds nothing of relu's
    assert _with_answer("02_activations", "relu", "from coursekit.activations import sigmoid as ref_sigmoid") == []


def test_writing_to_the_course_code_is_flagged():
    code = (
        "import inspect\nimport coursekit.activations\n"
        "src = inspect.getsourcefile(coursekit.activations)\nwith open(src, 'a') as fh:\n    fh.write('')"
    )
    flags = _with_code(code)
    assert {f.exercise for f in flags} == set(_exercises(A)), flags
    assert all("course's own code" in f.reason for f in flags), flags


def test_writing_an_ordinary_file_is_not_flagged():
    assert _with_code("with open('notes.txt', 'w') as fh:\n    fh.write('my working')") == []


def test_an_assignment_the_course_does_not_list_is_scanned_from_its_metadata():
    # An instructor's own assignment: no entry in course.toml, the scan still protects it
    student, reference = _reference(A)
    nb = copy.deepcopy(reference)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "collapse_linear")
    cell.source = "assert_close = assert_shape = lambda *a, **k: None\n" + cell.source
    flags = scan(nb, student)
    assert {f.exercise for f in flags} == set(_exercises(A)), flags
    delegating = copy.deepcopy(reference)
    cell = next(c for c in delegating.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "relu_network")
    cell.source += "\nfrom coursekit.linear import relu_network"
    assert {f.exercise for f in scan(delegating, student)} == {"relu_network"}


@pytest.mark.parametrize(
    ("assignment", "exercise", "source"),
    [
        (
            "03_backprop_by_hand",
            "matmul_backward",
            "import coursekit.modules as m\n\ndef matmul_backward(dC, A, B):\n    return m.matmul_backward(dC, A, B)\n",
        ),
        (
            "07_regularisation",
            "dropout_backward",
            "def dropout_backward(dout, mask):\n"
            "    from coursekit.regularisation import dropout_backward as ref\n    return ref(dout, mask)\n",
        ),
        ("07_regularisation", "batchnorm_backward", "from coursekit.regularisation import batchnorm_backward\n"),
        # the fast in-place form the training loops use is the same answer
        (
            "03_backprop_by_hand",
            "softmax_cross_entropy",
            "from coursekit.losses import softmax_cross_entropy_fast as softmax_cross_entropy\n",
        ),
        # the references of notebook 04 live in the modules autodiff re-exports from (course.toml lists them)
        ("04_forward_and_reverse_mode", "grad_reverse", "from coursekit.derivatives import grad_reverse\n"),
        (
            "04_forward_and_reverse_mode",
            "grad_forward",
            "import coursekit.derivatives as fm\ngrad_forward = fm.grad_forward\n",
        ),
    ],
)
def test_delegating_to_a_reference_module_is_flagged(assignment, exercise, source):
    # a function named ..._backward is its own reference (only a method exercise, Linear_backward, names its class)
    student, reference = _reference(assignment)
    nb = copy.deepcopy(reference)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == exercise)
    cell.source = source
    flags = scan(nb, student, COURSE.references(assignment))
    assert {f.exercise for f in flags} == {exercise}, flags


@pytest.mark.parametrize(
    "code", ["import coursekit.activations as m\nsigmoid = m.sigmoid", "from coursekit.activations import sigmoid"]
)
def test_rebinding_the_exercise_in_a_cell_of_its_own_is_delegation(code):
    student, reference = _reference("02_activations")
    nb = copy.deepcopy(reference)
    at = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "sigmoid")
    nb.cells.insert(at + 1, nbformat.v4.new_code_cell(code))
    flags = scan(nb, student, COURSE.references("02_activations"))
    assert {f.exercise for f in flags} == {"sigmoid"}, flags
