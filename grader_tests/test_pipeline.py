"""The whole grading round through nbgrader, on submissions made from the course's notebooks.

For every assignment: the reference solution gets every autograded point, the untouched
student notebook gets none (and grading does not crash), and a notebook with one exercise
wrong loses exactly that exercise's points. Feedback never shows hidden tests, and a second
run changes nothing.
"""

from __future__ import annotations

import csv

import nbformat
import pytest

from conftest import ASSIGNMENTS, COURSE, OURS, autograded_points, load_mistakes
from coursekit.grading.check import hidden_region
from coursekit.grading.examples import answer_ids, fill, write_submission
from coursekit.grading.grade import grade

pytestmark = pytest.mark.skipif(not ASSIGNMENTS, reason="no assignments in solutions/")


def _wrong_exercise(assignment: str) -> tuple[str, str]:
    """An exercise of ``assignment`` and the source of its first listed mistake."""
    mistakes = load_mistakes(assignment)
    assert mistakes, f"grader_tests/mistakes/{assignment}.py lists no mistakes"
    exercise = sorted(mistakes)[len(mistakes) // 2]
    return exercise, mistakes[exercise][0][1]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade reference, untouched and one-wrong submissions of every assignment once."""
    workspace = tmp_path_factory.mktemp("workspace")
    for assignment in ASSIGNMENTS:
        exercise, wrong = _wrong_exercise(assignment) if assignment in OURS else ("", "")
        for name in COURSE.notebook_names(assignment):
            student = nbformat.read(COURSE.student(assignment, name), as_version=4)
            solution = nbformat.read(COURSE.solution(assignment, name), as_version=4)
            ids = answer_ids(student)
            subs = {"reference": fill(student, solution, ids), "untouched": student}
            if exercise:  # a classic mistake of the catalogue (the course's own assignments have one)
                subs["one_wrong"] = fill(student, solution, ids, overrides={exercise: wrong})
            for sid, nb in subs.items():
                write_submission(workspace / "submitted", sid, assignment, nb, notebook=name)
    lines: list[str] = []
    report = grade(COURSE, workspace, ASSIGNMENTS, say=lines.append)
    return workspace, {(r.student, r.assignment): r for r in report.rows}, lines


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_solution_gets_every_autograded_point(graded, assignment):
    _, rows, _ = graded
    row = rows[("reference", assignment)]
    expected = sum(autograded_points(assignment).values())
    assert row.status == "graded"
    assert row.auto_max == expected > 0
    assert row.auto_score == expected, f"reference solution scored {row.auto_score}/{expected}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_untouched_notebook_gets_zero_and_is_graded(graded, assignment):
    _, rows, _ = graded
    row = rows[("untouched", assignment)]
    assert row.status == "graded"
    assert row.auto_score == 0
    assert row.manual_score == 0


@pytest.mark.parametrize("assignment", OURS)
def test_one_wrong_exercise_loses_exactly_its_points(graded, assignment):
    _, rows, _ = graded
    exercise, _ = _wrong_exercise(assignment)
    points = autograded_points(assignment)
    row = rows[("one_wrong", assignment)]
    assert row.auto_score == sum(points.values()) - points[f"test_{exercise}"], (
        f"a wrong {exercise} should cost exactly {points[f'test_{exercise}']} points"
    )


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_feedback_has_no_hidden_tests(graded, assignment):
    import html as html_lib

    workspace, _, _ = graded
    found = False
    for name in COURSE.notebook_names(assignment):
        solution = nbformat.read(COURSE.solution(assignment, name), as_version=4)
        hidden = [
            ln.strip() for c in solution.cells for ln in hidden_region(c.source).splitlines() if len(ln.strip()) > 12
        ]
        found = found or bool(hidden)
        for sid in ("reference", "untouched", "one_wrong"):
            page = workspace / "feedback" / sid / assignment / f"{name}.html"
            if sid == "one_wrong" and assignment not in OURS:
                continue
            text = html_lib.unescape(page.read_text(encoding="utf-8"))
            leaked = [ln for ln in hidden if ln in text]
            assert not leaked, f"feedback of {sid} shows hidden tests: {leaked[:3]}"
    assert found, "the assignment has no hidden tests to look for"


def test_grades_csv_lists_every_submission(graded):
    workspace, rows, _ = graded
    with (workspace / "grades.csv").open(newline="") as fh:
        records = list(csv.DictReader(fh))
    assert {(r["student"], r["assignment"]) for r in records} == set(rows)
    for r in records:
        assert float(r["score"]) <= float(r["max_score"])


def test_rerun_grades_nothing_again_and_changes_nothing(graded):
    workspace, rows, _ = graded
    lines: list[str] = []
    again = grade(COURSE, workspace, ASSIGNMENTS, say=lines.append)
    assert again.graded_now == 0, lines
    assert {(r.student, r.assignment): r for r in again.rows} == rows
