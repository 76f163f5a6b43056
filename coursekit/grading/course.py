"""Where things live in a course checkout, and what the course adds to nbgrader's metadata.

An assignment is a folder of ``solutions/`` that holds at least one notebook: an ``.ipynb``, or a
jupytext script (``.py`` with a jupytext header) from which ``coursekit release`` builds it. Its
exercises, points and test cells are read from the notebooks' nbgrader metadata
(:func:`exercises_of`), so any nbgrader assignment works. What only this course knows (which
``coursekit`` modules hold the reference implementations) is in the course manifest,
``course.toml``; an assignment listed there is one of the course's own and is held to its
conventions (see ``docs/authoring.md``).
"""

from __future__ import annotations

import functools
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "Course",
    "CourseError",
    "CourseAssignment",
    "exercises_of",
    "exercise_of",
    "reference_name",
    "is_test_cell",
    "without_markers",
]

#: The course's own assignment names: two digits, an underscore, a lower-case topic.
COURSE_NAME = re.compile(r"^\d\d_[a-z0-9_]+$")
MANIFEST = "course.toml"


class CourseError(Exception):
    """A problem with the course files that the instructor must fix (the message says what)."""


@dataclass(frozen=True)
class CourseAssignment:
    """What the manifest says about one of the course's own assignments."""

    name: str
    references: tuple[str, ...] = ()


def _nbgrader(cell: Any) -> dict[str, Any]:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def is_test_cell(cell: Any) -> bool:
    """An autograded code cell (nbgrader ``grade`` and not ``solution``)."""
    meta = _nbgrader(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def exercise_of(grade_id: str) -> str:
    """The exercise a cell belongs to: its grade_id without a ``test_`` prefix."""
    return grade_id[len("test_") :] if grade_id.startswith("test_") else grade_id


_MARKER_LINE = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.M)


def without_markers(source: str) -> str:
    """A solution cell's source without its ``### BEGIN/END SOLUTION`` lines: the answer as a student writes it."""
    return _MARKER_LINE.sub("", source)


def reference_name(exercise: str) -> str:
    """The name of an exercise's reference in its module: ``sigmoid``, or the class ``Linear`` of the
    method exercise ``Linear_backward`` (nbgrader's grade_ids allow no dot)."""
    head, _, tail = exercise.partition("_")
    return head if head[:1].isupper() and tail else exercise


def exercises_of(notebook: Any) -> list[str]:
    """The exercises of a notebook, from its nbgrader metadata, in notebook order.

    The grade_id of every answer code cell (``solution`` and not ``grade``) and, without its
    ``test_`` prefix, of every autograded code cell. In the course's notebooks both name the same
    exercise (``sigmoid`` and ``test_sigmoid``); in other notebooks test cells may have names of
    their own (nbgrader's example has ``squares`` and ``correct_squares``), and each is an exercise.
    """
    names: dict[str, None] = {}
    for cell in notebook.cells:
        meta = _nbgrader(cell)
        gid = meta.get("grade_id")
        if cell.get("cell_type") != "code" or not gid:
            continue
        if meta.get("solution") and not meta.get("grade"):
            names[gid] = None
        elif is_test_cell(cell):
            names[exercise_of(gid)] = None
    return list(names)


def _is_jupytext_script(path: Path) -> bool:
    """A ``.py`` notebook: it starts with a jupytext header (``# ---``, ``# jupyter:``) or a ``# %%`` cell."""
    try:
        with path.open(encoding="utf-8") as fh:
            head = [line.strip() for line in (fh.readline() for _ in range(3))]
    except (OSError, UnicodeDecodeError):
        return False
    return (head[0] == "# ---" and "# jupyter:" in head[1:]) or head[0].startswith("# %%")


def _read_manifest(root: Path) -> dict[str, CourseAssignment]:
    path = root / MANIFEST
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CourseError(f"{MANIFEST}: {exc}") from None
    entries = data.get("assignments", {})
    if not isinstance(entries, Mapping):
        raise CourseError(f"{MANIFEST}: [assignments] must be a table of assignment names")
    out = {}
    for name, entry in entries.items():
        refs = entry.get("references", []) if isinstance(entry, Mapping) else None
        if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
            raise CourseError(f"{MANIFEST}: assignments.{name}.references must be a list of module names")
        out[name] = CourseAssignment(name, tuple(refs))
    return out


@dataclass(frozen=True)
class Course:
    """A course checkout: ``nbgrader_config.py``, ``solutions/``, ``notebooks/`` and ``course.toml``.

    Parameters
    ----------
    root : Path
        The folder that holds ``nbgrader_config.py``.
    """

    root: Path

    @classmethod
    def find(cls, start: str | os.PathLike[str] | None = None) -> Course:
        """Return the course whose root contains ``start`` (default: the current folder)."""
        here = Path(start or os.getcwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / "nbgrader_config.py").is_file() and (folder / "solutions").is_dir():
                return cls(folder)
        raise CourseError(
            f"no course found at or above {here}: expected a folder with nbgrader_config.py and solutions/"
        )

    @property
    def solutions(self) -> Path:
        return self.root / "solutions"

    @property
    def notebooks(self) -> Path:
        return self.root / "notebooks"

    @functools.cached_property
    def manifest(self) -> dict[str, CourseAssignment]:
        """The course's own assignments (``course.toml``), by name (read once)."""
        return _read_manifest(self.root)

    def is_course_assignment(self, assignment: str) -> bool:
        """Whether ``assignment`` is one of the course's own (listed in ``course.toml``)."""
        return assignment in self.manifest

    def references(self, assignment: str) -> tuple[str, ...]:
        """The coursekit modules with the reference implementations of ``assignment`` (may be empty)."""
        entry = self.manifest.get(assignment)
        return entry.references if entry else ()

    def notebook_names(self, assignment: str) -> list[str]:
        """The notebooks of ``assignment`` (names without ``.ipynb``), sorted."""
        folder = self.solutions / assignment
        if not folder.is_dir():
            return []
        stems = {p.stem for p in folder.glob("*.ipynb") if p.is_file()}
        stems |= {p.stem for p in folder.glob("*.py") if _is_jupytext_script(p)}
        return sorted(stems)

    def assignments(self, names: list[str] | None = None) -> list[str]:
        """The assignments in ``solutions/`` (folders that hold a notebook), sorted by name.

        Parameters
        ----------
        names : list of str, optional
            Restrict to these; each must exist (a clear error names the unknown ones).
        """
        found = sorted(
            p.name
            for p in self.solutions.iterdir()
            if p.is_dir() and not p.name.startswith((".", "_")) and self.notebook_names(p.name)
        )
        if not names:
            return found
        unknown = [n for n in names if n not in found]
        if unknown:
            raise CourseError(
                f"unknown assignment(s) {', '.join(unknown)}; the course has: {', '.join(found) or 'none'} "
                "(an assignment is a folder of solutions/ with a notebook in it)"
            )
        return [n for n in found if n in names]

    def _notebook(self, assignment: str, notebook: str | None) -> str:
        if notebook is not None:
            return notebook
        names = self.notebook_names(assignment)
        if assignment in names or not names:
            return assignment
        if len(names) == 1:
            return names[0]
        raise CourseError(f"{assignment} has several notebooks ({', '.join(names)}): say which one")

    def source(self, assignment: str, notebook: str | None = None) -> Path:
        """What the instructor edits: the jupytext script ``<notebook>.py`` if there is one, else the ``.ipynb``."""
        name = self._notebook(assignment, notebook)
        script = self.solutions / assignment / f"{name}.py"
        return script if _is_jupytext_script(script) else self.solutions / assignment / f"{name}.ipynb"

    def has_script(self, assignment: str, notebook: str | None = None) -> bool:
        """Whether the notebook is built from a jupytext script (else the ``.ipynb`` is its own source)."""
        return self.source(assignment, notebook).suffix == ".py"

    def solution(self, assignment: str, notebook: str | None = None) -> Path:
        """The executed instructor notebook ``solutions/<a>/<notebook>.ipynb``."""
        return self.solutions / assignment / f"{self._notebook(assignment, notebook)}.ipynb"

    def student(self, assignment: str, notebook: str | None = None) -> Path:
        """The generated student notebook ``notebooks/<a>/<notebook>.ipynb``."""
        return self.notebooks / assignment / f"{self._notebook(assignment, notebook)}.ipynb"
