"""``coursekit check``: the course's integrity, read from its files.

Checks, for every notebook of every assignment in ``solutions/``:

* the nbgrader metadata of the solution notebook validates (schema v3, unique grade_ids), every
  graded cell has points, every test cell is locked, every solution cell has a solution region;
* the student notebook contains no solution, no hidden test and no solution marker.

The course's own assignments (listed in ``course.toml``) are also held to its conventions: an
``NN_topic`` name and one notebook with a jupytext source; every exercise has a solution cell
named like it, a ``test_<name>`` cell with hidden tests, and a reference of its name in the
modules the manifest lists; written answers are markdown ``q_<name>`` cells whose model answer
ends with a rubric (a ``Grading:`` line); a catalogue of classic mistakes exists. For an
instructor's own assignment these are advice, not problems.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

import nbformat

from coursekit.grading.course import COURSE_NAME, Course, exercises_of, is_test_cell, reference_name

__all__ = ["check_course", "course_advice", "review_course", "solution_region", "hidden_region"]

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


def _check_cells(name: str, nb: Any, conventions: bool) -> tuple[list[str], list[str]]:
    """(problems, advice) of a solution notebook's cells.

    Any assignment: a solution cell has a solution region, an autograded or manually graded cell
    has points, a test cell is locked. The course's conventions (problems for its own
    assignments, advice for others): every exercise has its solution cell and a ``test_<name>``
    cell with hidden tests, and written answers are markdown cells named ``q_<name>``.
    """
    problems: list[str] = []
    advice: list[str] = []
    convention = problems if conventions else advice
    cells = {gid: c for c in nb.cells if (gid := _nbgrader(c).get("grade_id"))}
    for gid, cell in cells.items():
        meta = _nbgrader(cell)
        if meta.get("solution") and cell.cell_type == "code" and not solution_region(cell.source).strip():
            problems.append(f"{name}: solution cell '{gid}' has no ### BEGIN/END SOLUTION region")
        if meta.get("grade") and not meta.get("points", 0) > 0:
            problems.append(f"{name}: graded cell '{gid}' has no points")
        if is_test_cell(cell) and not meta.get("locked"):
            problems.append(f"{name}: test cell '{gid}' is not locked")
    for exercise in exercises_of(nb):
        sol = cells.get(exercise)
        meta = _nbgrader(sol) if sol is not None else {}
        test = cells.get(f"test_{exercise}")
        if sol is None or not meta.get("solution") or meta.get("grade"):
            if test is not None:  # a test cell test_<x> without its answer cell x
                convention.append(f"{name}: no solution cell with grade_id '{exercise}' (solution: true, grade: false)")
            continue
        defined = reference_name(exercise)  # "Linear_backward" is the method Linear.backward: the cell defines Linear
        if not re.search(rf"^(def|class)\s+{re.escape(defined)}\b", sol.source, re.M):
            convention.append(f"{name}: solution cell '{exercise}' does not define '{defined}'")
        if test is None or not is_test_cell(test):
            convention.append(f"{name}: no autograded code cell 'test_{exercise}' (grade: true, solution: false)")
        elif not hidden_region(test.source).strip():
            convention.append(f"{name}: test cell 'test_{exercise}' has no hidden tests")
    for grade_id, cell in cells.items():
        meta = _nbgrader(cell)
        if grade_id.startswith("q_"):
            if cell.cell_type != "markdown" or not (meta.get("grade") and meta.get("solution")):
                problems.append(f"{name}: '{grade_id}' must be a manually graded markdown answer cell")
        elif meta.get("grade") and meta.get("solution"):
            convention.append(f"{name}: manually graded cell '{grade_id}' should be named q_<short_name>")
        if meta.get("grade") and meta.get("solution") and "Grading:" not in cell.source:
            convention.append(
                f"{name}: written answer '{grade_id}' has no rubric: end its model answer with a line "
                "'Grading: ...' saying what earns each point"
            )
    return problems, advice


def _check_references(course: Course, name: str, nb: Any) -> list[str]:
    """Every exercise of a course assignment has a reference in the modules ``course.toml`` names."""
    problems = []
    modules = []
    for module in course.references(name):
        try:
            modules.append(importlib.import_module(module))
        except ImportError as exc:
            problems.append(f"{name}: course.toml names the module {module}, which cannot be imported ({exc})")
    if not course.references(name):
        problems.append(f"{name}: course.toml lists no reference modules for it")
    for exercise in exercises_of(nb) if modules else ():
        target = reference_name(exercise)
        if not any(hasattr(m, target) for m in modules):
            where = ", ".join(course.references(name))
            problems.append(f"{name}: exercise '{exercise}' has no reference '{target}' in {where}")
    return problems


def _check_layout(course: Course, name: str) -> list[str]:
    """The course's layout: an NN_topic name, one notebook named like it, built from a jupytext script."""
    out = []
    if not COURSE_NAME.match(name):
        out.append(f"{name}: the course's assignments are named NN_topic (two digits, lower-case topic)")
    notebooks = course.notebook_names(name)
    if notebooks != [name]:
        out.append(f"{name}: the course's assignments have one notebook named like the folder (found {notebooks})")
    elif not course.has_script(name):
        out.append(f"{name}: no jupytext source solutions/{name}/{name}.py (docs/authoring.md, 'The header')")
    mistakes = course.root / "grader_tests" / "mistakes" / f"{name}.py"
    if (course.root / "grader_tests").is_dir() and not mistakes.is_file():
        out.append(f"{name}: no catalogue of classic mistakes grader_tests/mistakes/{name}.py")
    return out


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
    return review_course(course, assignments)[0]


def course_advice(course: Course, assignments: list[str] | None = None) -> list[str]:
    """The course's conventions that an instructor's own assignments do not follow (not problems)."""
    return review_course(course, assignments)[1]


def review_course(course: Course, assignments: list[str] | None = None) -> tuple[list[str], list[str]]:
    """(problems, advice) of ``course``, found in one pass over its notebooks."""
    from nbgrader.nbgraderformat import MetadataValidator, ValidationError

    names = course.assignments(assignments)
    present = set(names) if not assignments else set()
    problems: list[str] = []
    advice = [
        f"course.toml lists {a}, which has no notebook in solutions/{a}/ (remove its entry if it is gone for good)"
        for a in course.manifest
        if not assignments and a not in present
    ]
    for name in names:
        ours = course.is_course_assignment(name)
        layout = _check_layout(course, name)
        (problems if ours else advice).extend(layout if ours else [p for p in layout if "mistakes" not in p])
        for notebook in course.notebook_names(name):
            path = course.solution(name, notebook)
            if not path.is_file():
                rel = path.relative_to(course.root)
                problems.append(f"{name}: {rel} is missing; run 'coursekit release {name}'")
                continue
            nb = nbformat.read(path, as_version=4)
            try:
                MetadataValidator().validate_nb(nb)
            except ValidationError as exc:
                problems.append(f"{name}: invalid nbgrader metadata in {path.name}: {exc}")
                continue
            found, hints = _check_cells(name, nb, conventions=ours)
            problems += found
            advice += hints
            if ours:
                problems += _check_references(course, name, nb)
            student_path = course.student(name, notebook)
            if not student_path.is_file():
                rel = student_path.relative_to(course.root)
                problems.append(f"{name}: {rel} is missing; run 'coursekit release {name}'")
            else:
                problems += _check_student(name, nb, nbformat.read(student_path, as_version=4))
    return problems, advice
