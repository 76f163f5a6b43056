"""Shared fixtures of the grading-pipeline tests."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import nbformat
import pytest

from coursekit.grading.course import Course

ROOT = Path(__file__).resolve().parents[1]
COURSE = Course(ROOT)
# COURSEKIT_ASSIGNMENTS="01_linear_collapse 02_activations" narrows the run while writing a notebook.
ASSIGNMENTS = COURSE.assignments(os.environ.get("COURSEKIT_ASSIGNMENTS", "").split() or None)
#: The course's own assignments (course.toml), held to its conventions; an instructor's own may sit beside them.
OURS = [a for a in ASSIGNMENTS if COURSE.is_course_assignment(a)]


def _catalogue(assignment: str):
    """The module ``grader_tests/mistakes/<assignment>.py``, or None if there is none."""
    path = Path(__file__).parent / "mistakes" / f"{assignment}.py"
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location(f"mistakes_{assignment}", path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def load_mistakes(assignment: str) -> dict[str, list[tuple[str, ...]]]:
    """``MISTAKES`` of ``grader_tests/mistakes/<assignment>.py`` (empty if there is none).

    Each entry is ``(description, source)`` or ``(description, source, key)``, where ``key``
    names the misconception of ``coursekit.misconceptions`` its test cell should diagnose.
    """
    module = _catalogue(assignment)
    return {} if module is None else module.MISTAKES


def load_alternatives(assignment: str) -> dict[str, list[tuple[str, str]]]:
    """``ALTERNATIVES`` of the catalogue: correct answers written differently from the reference,
    as ``(description, source)`` pairs, which must pass every test and get no diagnosis."""
    module = _catalogue(assignment)
    return {} if module is None else getattr(module, "ALTERNATIVES", {})


def diagnosis_key(entry: tuple[str, ...]) -> str | None:
    """The misconception a catalogue entry expects its test cell to name, if any."""
    return entry[2] if len(entry) > 2 else None


def autograded_points(assignment: str) -> dict[str, float]:
    """grade_id -> points of every autograded test cell, read from the solution notebooks' metadata."""
    out = {}
    for name in COURSE.notebook_names(assignment):
        for cell in nbformat.read(COURSE.solution(assignment, name), as_version=4).cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("grade") and not meta.get("solution") and cell.cell_type == "code":
                out[meta["grade_id"]] = float(meta["points"])
    return out


@pytest.fixture(scope="session")
def course() -> Course:
    return COURSE
