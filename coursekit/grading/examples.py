"""Example submissions made from the course's own notebooks, so they never drift from it.

A submission is the student notebook with some answer cells filled in from the solution
notebook: all of them (the reference), none (untouched), or a chosen subset (partial).
Used by ``make course`` (the example class) and by ``grader_tests/``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import nbformat

from coursekit.grading.course import Course, exercises_of

__all__ = ["answer_ids", "fill", "example_class", "write_submission"]

_MARKER_LINE = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.M)


def _grade_id(cell: Any) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def answer_ids(nb: Any) -> list[str]:
    """grade_ids of the cells a student writes in (solution cells), in notebook order."""
    solutions = (c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("solution"))
    return [gid for c in solutions if (gid := _grade_id(c))]


def fill(student: Any, solution: Any, ids: Iterable[str], overrides: Mapping[str, str] | None = None) -> Any:
    """A copy of ``student`` with the answer cells ``ids`` taken from ``solution``.

    Parameters
    ----------
    student : NotebookNode
        The released notebook.
    solution : NotebookNode
        The instructor's notebook (solution markers are removed from the copied text).
    ids : iterable of str
        grade_ids of the answer cells to fill in.
    overrides : mapping of str to str, optional
        grade_id -> source to put in that cell instead (e.g. a deliberately wrong answer).
    """
    wanted = set(ids)
    overrides = dict(overrides or {})
    answers = {_grade_id(c): c.source for c in solution.cells if _grade_id(c)}
    out = copy.deepcopy(student)
    for cell in out.cells:
        gid = _grade_id(cell)
        if gid in overrides:
            cell.source = overrides.pop(gid)
        elif gid in wanted:
            cell.source = _MARKER_LINE.sub("", answers[gid])
    if overrides:
        raise KeyError(f"no answer cells named {sorted(overrides)} in the notebook")
    return out


def example_class(course: Course, assignment: str) -> dict[str, dict[str, Any]]:
    """The example class of ``assignment``: student id -> notebook name -> submitted notebook.

    * ``reference``: every exercise and every written answer from the solution;
    * ``untouched``: the student notebooks as released;
    * ``partial``: every other exercise (the first, third, ...) solved, no written answers.
    """
    out: dict[str, dict[str, Any]] = {"reference": {}, "untouched": {}, "partial": {}}
    for name in course.notebook_names(assignment):
        student = nbformat.read(course.student(assignment, name), as_version=4)
        solution = nbformat.read(course.solution(assignment, name), as_version=4)
        ids = answer_ids(student)
        exercises = [e for e in exercises_of(student) if e in ids]
        out["reference"][name] = fill(student, solution, ids)
        out["untouched"][name] = copy.deepcopy(student)
        out["partial"][name] = fill(student, solution, exercises[::2])
    return out


def write_submission(
    submitted_dir: Path,
    student_id: str,
    assignment: str,
    nb: Any,
    timestamp: str = "2026-01-01 12:00:00.000000 UTC",
    *,
    notebook: str | None = None,
) -> Path:
    """Write ``nb`` as ``submitted/<student>/<assignment>/<notebook>.ipynb`` (default: named like the
    assignment), only if it changed."""
    folder = submitted_dir / student_id / assignment
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{notebook or assignment}.ipynb"
    text = nbformat.writes(nb)
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
        (folder / "timestamp.txt").write_text(timestamp, encoding="utf-8")
    return path
