"""The similarity check's thresholds, against the course's own code.

Honest code must not be flagged: every mistake and correct alternative of the catalogue
(``grader_tests/mistakes/``, written by hand, independently of the references) and the example
class. Copies must be: the reference of every exercise where it has something of its own to find,
pasted with every local name renamed, reformatted, commented and with two independent statements
swapped.
"""

from __future__ import annotations

import ast
import itertools

import pytest

from conftest import ASSIGNMENTS, COURSE, load_alternatives, load_mistakes
from coursekit.grading.examples import reference_copy
from coursekit.grading.fingerprints import fingerprints
from coursekit.grading.similarity import (
    MIN_FINGERPRINTS,
    _definition,
    expected_and_references,
    reference_copies,
    review_class,
    similar_pairs,
    with_references,
)

OURS = [a for a in ASSIGNMENTS if COURSE.is_course_assignment(a)]


class _Rename(ast.NodeTransformer):
    """Renames every argument and local variable of a function (``x`` -> ``my_x_1``)."""

    def __init__(self, names: set[str]):
        self.names = {n: f"my_{n}_{i}" for i, n in enumerate(sorted(names))}

    def visit_Name(self, node: ast.Name) -> ast.Name:
        node.id = self.names.get(node.id, node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.arg = self.names.get(node.arg, node.arg)
        return node


def disguised(source: str) -> str:
    """``source`` with its local names renamed, two independent statements swapped, reformatted and commented."""
    tree = ast.parse(source)
    func = next(n for n in tree.body if isinstance(n, ast.FunctionDef))
    local = {a.arg for a in ast.walk(func) if isinstance(a, ast.arg)}
    local |= {n.id for n in ast.walk(func) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    _Rename(local).visit(func)
    body = func.body
    for i in range(len(body) - 1):  # swap the first two adjacent assignments that do not use each other
        a, b = body[i], body[i + 1]
        if isinstance(a, ast.Assign) and isinstance(b, ast.Assign):
            written_a = {n.id for t in a.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
            read_b = {n.id for n in ast.walk(b.value) if isinstance(n, ast.Name)}
            written_b = {n.id for t in b.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
            read_a = {n.id for n in ast.walk(a.value) if isinstance(n, ast.Name)}
            if not (written_a & read_b) and not (written_b & read_a) and not (written_a & written_b):
                body[i], body[i + 1] = b, a
                break
    lines = ast.unparse(tree).splitlines()
    out = []
    for line in lines:  # a student's own touches: comments, blank lines, spaces
        out.append(line.replace(" = ", "  =  ") + "   # my own working")
        if line.strip().startswith(("w", "m", "v", "if")):
            out.append("")
    return "# my answer\n" + "\n".join(out) + "\n"


def _answers(assignment: str) -> dict[str, dict[str, str]]:
    """One 'student' per catalogued mistake and alternative: honest code, written independently."""
    answers: dict[str, dict[str, str]] = {}
    for kind, catalogue in (("mistake", load_mistakes(assignment)), ("alternative", load_alternatives(assignment))):
        for exercise, entries in catalogue.items():
            for i, entry in enumerate(entries):
                answers[f"{kind}-{exercise}-{i}"] = {exercise: entry[1]}
    return answers


def _expected_and_references(assignment: str):
    expected, references = expected_and_references(COURSE, assignment)
    return expected, references, with_references(expected, references)


@pytest.mark.parametrize("assignment", OURS)
def test_honest_code_of_the_catalogue_is_never_flagged(assignment):
    expected, references, with_reference = _expected_and_references(assignment)
    answers = _answers(assignment)
    assert reference_copies(answers, references, expected) == []
    # entries of one exercise are often the same code but for one mistake: pairs across exercises of
    # different entries are what must never be flagged; within an exercise, only entries that differ
    # in more than a line may share little
    pairs = similar_pairs(answers, with_reference)
    near = [
        (p.student_a, p.student_b) for p in pairs if not _one_edit_apart(answers[p.student_a], answers[p.student_b])
    ]
    assert near == [], near


def _one_edit_apart(a: dict[str, str], b: dict[str, str]) -> bool:
    """Two catalogue entries that are the same answer with one small change (a mistake and its neighbour)."""
    (exercise,) = a
    lines_a = {line.strip() for line in a[exercise].splitlines() if line.strip()}
    lines_b = {line.strip() for line in b.get(exercise, "").splitlines() if line.strip()}
    return len(lines_a ^ lines_b) <= 4


@pytest.mark.parametrize("assignment", OURS)
def test_disguised_copies_of_the_reference_are_flagged(assignment):
    expected, references, _ = _expected_and_references(assignment)
    judged = []
    for exercise in expected:
        pasted = reference_copy(COURSE, assignment, exercise)
        if pasted is None:
            continue
        honest = frozenset().union(*(fingerprints(s) for s in expected[exercise]))
        if len(fingerprints(_definition(references[exercise])) - honest) < MIN_FINGERPRINTS:
            continue  # the reference is its model answer: nothing of its own to recognise
        judged.append(exercise)
        found = reference_copies({"copier": {exercise: disguised(pasted)}}, references, expected)
        assert [f.exercise for f in found] == [exercise], (exercise, disguised(pasted))
    assert judged or assignment in {"01_linear_collapse"}, f"no exercise of {assignment} can be judged"


def test_two_students_sharing_a_disguised_answer_are_a_pair_and_the_rest_of_the_class_is_not():
    assignment = "06_optimizers"
    _, _, with_reference = _expected_and_references(assignment)
    answers = _answers(assignment)
    own = (
        "def adam_step(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):\n"
        "    out = []\n"
        "    for i in range(len(w)):\n"
        "        mi = beta1 * m[i] + (1 - beta1) * dw[i]\n"
        "        vi = beta2 * v[i] + (1 - beta2) * dw[i] ** 2\n"
        "        step = lr * (mi / (1 - beta1 ** t)) / (np.sqrt(vi / (1 - beta2 ** t)) + eps)\n"
        "        out.append((w[i] - step, mi, vi))\n"
        "    return tuple(np.array(col) for col in zip(*out))\n"
    )
    answers["alice"] = {"adam_step": own}
    answers["bob"] = {"adam_step": disguised(own)}
    pairs = similar_pairs(answers, with_reference)
    assert [(p.student_a, p.student_b) for p in pairs if "alice" in (p.student_a, p.student_b)] == [("alice", "bob")]


def test_the_example_class_has_exactly_its_one_copy(tmp_path):
    from coursekit.grading.examples import example_class, write_submission

    for assignment in OURS:
        students = example_class(COURSE, assignment)
        for student, books in students.items():
            for name, nb in books.items():
                write_submission(tmp_path, student, assignment, nb, notebook=name)
        found = review_class(COURSE, tmp_path, assignment)
        assert {c.student for c in found.reference_copies} == {"copied"} & set(students), assignment
        assert found.pairs == [], (assignment, [(p.student_a, p.student_b, p.exercise) for p in found.pairs])


def test_fingerprints_ignore_names_format_comments_and_order():
    a = "def f(x, y):\n    s = np.sum(x * y)\n    t = np.max(x)\n    return s / t\n"
    b = "def g(p,q):  # mine\n    top=np.max(p)\n\n    total = np.sum( p*q )\n    return (total/top)\n"
    assert fingerprints(a) == fingerprints(b)
    assert fingerprints(a) != fingerprints(a.replace("np.max", "np.min"))
    assert list(itertools.islice(fingerprints("x = ("), 1))  # unparsable code still has fingerprints
