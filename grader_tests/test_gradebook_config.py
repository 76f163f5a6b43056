"""The gradebook nbgrader_config.py names is the one coursekit grade records into, or it says why not."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import COURSE
from coursekit.grading.course import Course, CourseError
from coursekit.grading.examples import answer_ids, fill, write_submission
from coursekit.grading.grade import grade

A = "01_linear_collapse"


def _course_copy(tmp: Path, extra_config: str) -> Course:
    """A copy of the course with only assignment A and ``extra_config`` appended to nbgrader_config.py."""
    root = tmp / "course"
    for folder in ("solutions", "notebooks"):
        shutil.copytree(COURSE.root / folder / A, root / folder / A)
    config = (COURSE.root / "nbgrader_config.py").read_text(encoding="utf-8")
    (root / "nbgrader_config.py").write_text(config + "\n" + extra_config + "\n", encoding="utf-8")
    return Course(root)


def _submit(workspace: Path) -> None:
    student = nbformat.read(COURSE.student(A), as_version=4)
    solution = nbformat.read(COURSE.solution(A), as_version=4)
    write_submission(workspace / "submitted", "ada", A, fill(student, solution, answer_ids(student)))


def test_a_configured_sqlite_gradebook_is_used(tmp_path):
    from nbgrader.api import Gradebook

    custom = tmp_path / "term" / "custom.db"
    custom.parent.mkdir()
    course = _course_copy(tmp_path, f'c.CourseDirectory.db_url = "sqlite:///{custom}"')
    workspace = tmp_path / "ws"
    _submit(workspace)
    lines: list[str] = []
    report = grade(course, workspace, [A], say=lines.append)
    assert [r.auto_score for r in report.rows] == [report.rows[0].auto_max] and report.rows[0].auto_max > 0
    assert any(str(custom) in line for line in lines), lines
    assert not (workspace / "gradebook.db").exists()
    with Gradebook(f"sqlite:///{custom}") as gb:
        assert gb.find_submission(A, "ada").score == report.rows[0].score


def test_a_database_coursekit_cannot_use_is_refused_in_one_line(tmp_path):
    course = _course_copy(tmp_path, 'c.CourseDirectory.db_url = "postgresql://grader@localhost/course"')
    _submit(tmp_path / "ws")
    with pytest.raises(CourseError, match="is not an SQLite file") as refused:
        grade(course, tmp_path / "ws", [A], say=lambda line: None)
    assert "\n" not in str(refused.value)


def test_a_syntax_error_in_the_config_is_one_line(tmp_path):
    course = _course_copy(tmp_path, "c.Execute.timeout = (")
    out = subprocess.run(
        [str(Path(sys.executable).with_name("coursekit")), "--course", str(course.root), "grade", A],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 2, out.stdout + out.stderr
    assert out.stderr.strip().count("\n") == 0 and "nbgrader_config.py, line" in out.stderr, out.stderr
