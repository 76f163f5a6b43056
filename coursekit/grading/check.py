"""``coursekit check``: the course's integrity, read from its files.

Checks, for every assignment in ``solutions/``:

* the nbgrader metadata of the solution notebook validates (schema v3, unique grade_ids);
* every exercise of DESIGN.md has a solution cell named like it and a locked ``test_<name>``
  cell with points and a hidden-test block;
* every manually graded answer is a markdown ``q_<name>`` cell with points;
* the student notebook contains no solution, no hidden test and no solution marker.
"""

from __future__ import annotations

import re
from typing import Any

import nbformat

from coursekit.grading.course import EXERCISES, Course

__all__ = ["check_course", "solution_region", "hidden_region"]

_SOLUTION = re.compile(r"^\s*### BEGIN SOLUTION\s*$(.*?)^\s*### END SOLUTION\s*$", re.M | re.S)
_HIDDEN = re.compile(r"^\s*### BEGIN HIDDEN TESTS\s*$(.*?)^\s*### END HIDDEN TESTS\s*$", re.M | re.S)
_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


def solution_region(source: str) -> str:
    """The text between the solution markers of a cell (all regions joined)."""
    return "\n".join(m.group(1) for m in _SOLUTION.finditer(source))


def hidden_region(source: str) -> str:
    """The text between the hidden-test markers of a cell (all regions joined)."""
    return "\n".join(m.group(1) for m in _HIDDEN.finditer(source))


def _nbgrader(cell: Any) -> dict[str, Any]:
    return cell.get("metadata", {}).get("nbgrader", {})


def _leaks(secret: str, public: str, student: str) -> list[str]:
    """Substantial lines of ``secret`` that are not in ``public`` but appear in ``student``."""
    public_lines = {line.strip() for line in public.splitlines()}
    student_lines = {line.strip() for line in student.splitlines()}
    return [
        line.strip()
        for line in secret.splitlines()
        if len(line.strip()) >= 8 and line.strip() not in public_lines and line.strip() in student_lines
    ]


def _check_cells(name: str, nb: Any) -> list[str]:
    problems = []
    cells = {gid: c for c in nb.cells if (gid := _nbgrader(c).get("grade_id"))}
    for exercise in EXERCISES.get(name, ()):
        sol = cells.get(exercise)
        meta = _nbgrader(sol) if sol is not None else {}
        if sol is None or not meta.get("solution") or meta.get("grade"):
            problems.append(f"{name}: no solution cell with grade_id '{exercise}' (solution: true, grade: false)")
        elif not solution_region(sol.source).strip():
            problems.append(f"{name}: solution cell '{exercise}' has no ### BEGIN/END SOLUTION region")
        else:
            # "Linear_backward" is the method Linear.backward: the cell defines class Linear
            method = exercise.endswith("_backward") and exercise[0].isupper()
            defined = exercise[: -len("_backward")] if method else exercise
            if not re.search(rf"^(def|class)\s+{re.escape(defined)}\b", sol.source, re.M):
                problems.append(f"{name}: solution cell '{exercise}' does not define '{defined}'")
        test = cells.get(f"test_{exercise}")
        tmeta = _nbgrader(test) if test is not None else {}
        if test is None or not tmeta.get("grade") or tmeta.get("solution") or test.cell_type != "code":
            problems.append(f"{name}: no autograded code cell 'test_{exercise}' (grade: true, solution: false)")
            continue
        if not tmeta.get("points", 0) > 0:
            problems.append(f"{name}: test cell 'test_{exercise}' has no points")
        if not tmeta.get("locked"):
            problems.append(f"{name}: test cell 'test_{exercise}' is not locked")
        if not hidden_region(test.source).strip():
            problems.append(f"{name}: test cell 'test_{exercise}' has no hidden tests")
    for grade_id, cell in cells.items():
        meta = _nbgrader(cell)
        if grade_id.startswith("q_"):
            if cell.cell_type != "markdown" or not (meta.get("grade") and meta.get("solution")):
                problems.append(f"{name}: '{grade_id}' must be a manually graded markdown answer cell")
            elif not meta.get("points", 0) > 0:
                problems.append(f"{name}: answer cell '{grade_id}' has no points")
        elif meta.get("grade") and meta.get("solution"):
            problems.append(f"{name}: manually graded cell '{grade_id}' should be named q_<short_name>")
    return problems


def _check_student(name: str, solution: Any, student: Any) -> list[str]:
    problems = []
    text = "\n".join(c.source for c in student.cells)
    for marker in _MARKERS:
        if marker in text:
            problems.append(f"{name}: the student notebook contains the marker '{marker}'")
    released = {_nbgrader(c).get("grade_id"): c.source for c in student.cells if _nbgrader(c)}
    for cell in solution.cells:
        meta = _nbgrader(cell)
        if not meta:
            continue
        grade_id = meta["grade_id"]
        if grade_id not in released:
            problems.append(f"{name}: the student notebook has no cell '{grade_id}'")
            continue
        if cell.cell_type == "markdown" and meta.get("solution"):
            if cell.source.strip() and cell.source.strip() in released[grade_id]:
                problems.append(f"{name}: the student notebook contains the model answer of '{grade_id}'")
            continue
        secret = solution_region(cell.source) + "\n" + hidden_region(cell.source)
        public = _SOLUTION.sub("", _HIDDEN.sub("", cell.source))
        for line in _leaks(secret, public, released[grade_id]):
            problems.append(f"{name}: cell '{grade_id}' of the student notebook gives away {line!r}")
    return problems


def check_course(course: Course, assignments: list[str] | None = None) -> list[str]:
    """All problems found in ``course`` (an empty list means the course is sound)."""
    from nbgrader.nbgraderformat import MetadataValidator, ValidationError

    problems = []
    unknown = [
        p.name
        for p in course.solutions.iterdir()
        if p.is_dir() and p.name not in EXERCISES and not p.name.startswith(".")
    ]
    problems += [f"solutions/{u}: not an assignment of the course (see DESIGN.md)" for u in unknown]
    for name in course.assignments(assignments):
        path = course.solution(name)
        if not path.is_file():
            problems.append(f"{name}: {path.relative_to(course.root)} is missing; run 'coursekit release {name}'")
            continue
        nb = nbformat.read(path, as_version=4)
        try:
            MetadataValidator().validate_nb(nb)
        except ValidationError as exc:
            problems.append(f"{name}: invalid nbgrader metadata: {exc}")
            continue
        problems += _check_cells(name, nb)
        student_path = course.student(name)
        if not student_path.is_file():
            rel = student_path.relative_to(course.root)
            problems.append(f"{name}: {rel} is missing; run 'coursekit release {name}'")
        else:
            problems += _check_student(name, nb, nbformat.read(student_path, as_version=4))
    return problems
