"""Queries of nbgrader's gradebook that a grading run and its reports need.

nbgrader records a grade for every graded cell. A grade is *autograded* when its cell is a graded
code cell that is not also an answer cell; everything else (written answers, code graded by hand)
is *manual*. Exercise names come from the cells' grade_ids (:func:`coursekit.grading.course.exercise_of`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from coursekit.grading.course import exercise_of
from coursekit.grading.integrity import Flag

__all__ = ["maxima", "submissions", "passed", "apply_flags"]


def _is_autograded(cell_type: str, name: str, answers: set[str]) -> bool:
    """An autograded cell is a graded code cell that is not also an answer (solution) cell."""
    return cell_type == "code" and name not in answers


def maxima(db_url: str) -> dict[str, tuple[float, float]]:
    """assignment -> (autograded maximum, manual maximum), from the assignments' definitions."""
    from nbgrader.api import Gradebook

    out: dict[str, tuple[float, float]] = {}
    with Gradebook(db_url) as gb:
        for assignment in gb.assignments:
            auto = manual = 0.0
            for nb in assignment.notebooks:
                answers = {c.name for c in nb.solution_cells}
                for cell in nb.grade_cells:
                    if _is_autograded(cell.cell_type, cell.name, answers):
                        auto += cell.max_score
                    else:
                        manual += cell.max_score
            out[assignment.name] = (auto, manual)
    return out


def submissions(db_url: str, assignments: list[str] | None = None) -> Iterator[tuple[str, str, list[tuple[Any, bool]]]]:
    """(assignment, student, [(grade, autograded?)]) for every submission in the gradebook (or of ``assignments``)."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gb:
        for assignment in gb.assignments:
            if assignments is not None and assignment.name not in assignments:
                continue
            for sub in assignment.submissions:
                grades = []
                for nb in sub.notebooks:
                    answers = {c.name for c in nb.notebook.solution_cells}
                    grades += [(g, _is_autograded(g.cell_type, g.name, answers)) for g in nb.grades]
                yield assignment.name, sub.student.id, grades


def passed(db_url: str, assignments: list[str]) -> dict[str, dict[str, tuple[int, int]]]:
    """assignment -> exercise -> (students whose autograded cell got full points, students graded)."""
    out: dict[str, dict[str, tuple[int, int]]] = {a: {} for a in assignments}
    for assignment, _, grades in submissions(db_url, assignments):
        for g, autograded in grades:
            if autograded and g.max_score:
                ex = exercise_of(g.name)
                good, total = out[assignment].get(ex, (0, 0))
                out[assignment][ex] = (good + int(g.score >= g.max_score), total + 1)
    return out


def apply_flags(
    db_url: str, student: str, assignment: str, flags: list[Flag], overrides: set[tuple[str, str, str]]
) -> list[dict[str, str]]:
    """Zero the autograded cells of flagged exercises (unless overridden) and mark them for review.

    An exercise's autograded cell is ``test_<exercise>`` (the course's style) or the exercise's own
    grade_id (a test cell with a name of its own, as in nbgrader's examples).
    """
    from nbgrader.api import Gradebook, MissingEntry

    out = []
    with Gradebook(db_url) as gb:
        for flag in flags:
            cleared = (student, assignment, flag.exercise) in overrides
            action = "overridden by the instructor" if cleared else "scored zero, needs review"
            out.append({"exercise": flag.exercise, "reason": flag.reason, "action": action})
            if cleared:
                continue
            for nb in gb.find_submission(assignment, student).notebooks:
                for grade_id in (f"test_{flag.exercise}", flag.exercise):
                    try:
                        g = gb.find_grade(grade_id, nb.name, assignment, student)
                    except MissingEntry:
                        continue
                    if g.cell_type == "code":
                        g.manual_score = 0.0
                        g.needs_manual_grade = True
        gb.db.commit()
    return out
