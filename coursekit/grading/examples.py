"""Example submissions made from the course's own notebooks, so they never drift from it.

A submission is the student notebook with some answer cells filled in from the solution
notebook: all of them (the reference), none (untouched), or a chosen subset (partial); for the
course's own assignments also one with a few classic mistakes (taken from the catalogue
``grader_tests/mistakes/<assignment>.py`` of the course's checkout) and one with an answer
copied from the installed ``coursekit`` reference, so that the class report has something to
show. Used by ``make course`` (the example class) and by ``grader_tests/``.
"""

from __future__ import annotations

import ast
import copy
import importlib
import importlib.util
import inspect
import re
import textwrap
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import nbformat

from coursekit.grading.course import Course, exercises_of, reference_name, without_markers
from coursekit.grading.fingerprints import strip_docs_and_annotations

__all__ = ["answer_ids", "fill", "example_class", "write_submission"]


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
            cell.source = without_markers(answers[gid])
    if overrides:
        raise KeyError(f"no answer cells named {sorted(overrides)} in the notebook")
    return out


def _catalogued_mistakes(course: Course, assignment: str, exercises: list[str], few: int = 3) -> dict[str, str]:
    """exercise -> the first diagnosed mistake of the catalogue, for the first ``few`` exercises that have one."""
    path = course.root / "grader_tests" / "mistakes" / f"{assignment}.py"
    if not path.is_file():
        return {}
    spec = importlib.util.spec_from_file_location(f"_example_mistakes_{assignment}", path)
    if spec is None or spec.loader is None:
        return {}
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    chosen: dict[str, str] = {}
    for exercise in exercises:
        keyed = [entry[1] for entry in getattr(module, "MISTAKES", {}).get(exercise, []) if len(entry) > 2]
        if keyed and len(chosen) < few:
            chosen[exercise] = keyed[0]
    return chosen


def reference_copy(course: Course, assignment: str, exercise: str) -> str | None:
    """An answer cell that pastes ``exercise``'s coursekit reference (a function) with the imports it needs,
    as a student who read it with ``??`` might: docstring, comments and annotations dropped, reformatted."""
    for module_name in course.references(assignment):
        func = getattr(importlib.import_module(module_name), exercise, None)
        if inspect.isfunction(func):
            module = importlib.import_module(func.__module__)  # where it is defined, with its helpers
            break
    else:
        return None
    tree = strip_docs_and_annotations(ast.parse(textwrap.dedent(inspect.getsource(func))))
    node = tree.body[0]
    if not isinstance(node, ast.FunctionDef):
        return None
    local = {a.arg for a in ast.walk(node) if isinstance(a, ast.arg)}
    local |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    imports = []
    for name in sorted({n.id for n in ast.walk(node) if isinstance(n, ast.Name)} - local - {exercise}):
        value = vars(module).get(name)
        if inspect.ismodule(value):
            imports.append(f"import {value.__name__}" + (f" as {name}" if name != value.__name__ else ""))
        elif value is not None:  # a function or class from where it is defined, a constant from the module
            imports.append(f"from {getattr(value, '__module__', None) or module.__name__} import {name}")
    return "\n".join(imports) + "\n\n\n" + ast.unparse(node) + "\n"


def _longest_reference(course: Course, assignment: str, exercises: list[str]) -> tuple[str, str] | None:
    """(exercise, its reference copy) for the exercise with the longest copyable reference; a copy
    that would import another exercise's reference (``Var`` for ``grad_reverse``) is passed over,
    since the integrity scan rightly flags that import as delegation of the other exercise."""
    others = {reference_name(e) for e in exercises}
    copies = [
        (e, c)
        for e in exercises
        if (c := reference_copy(course, assignment, e)) is not None
        and not any(re.search(rf"\bimport {re.escape(name)}\b", c) for name in others - {e})
    ]
    return max(copies, key=lambda item: len(item[1]), default=None)


def example_class(course: Course, assignment: str) -> dict[str, dict[str, Any]]:
    """The example class of ``assignment``: student id -> notebook name -> submitted notebook.

    * ``reference``: every exercise and every written answer from the solution;
    * ``untouched``: the student notebooks as released;
    * ``partial``: every other exercise (the first, third, ...) solved, no written answers;
    * ``mistaken`` (when the course's checkout catalogues the assignment's mistakes): every
      exercise solved but for up to three, which make a classic, diagnosed mistake;
    * ``copied`` (when the course names the assignment's reference modules): every exercise
      solved, one of them by pasting the ``coursekit`` reference.
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
        if not course.is_course_assignment(assignment):
            continue
        if mistakes := _catalogued_mistakes(course, assignment, exercises):
            out.setdefault("mistaken", {})[name] = fill(student, solution, ids, overrides=mistakes)
        if pasted := _longest_reference(course, assignment, exercises):
            out.setdefault("copied", {})[name] = fill(student, solution, ids, overrides=dict([pasted]))
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
