"""grades.csv: every student and assignment ever graded, true maxima, reasons for lost points."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import nbformat

from conftest import COURSE, autograded_points
from coursekit.grading.course import Course
from coursekit.grading.examples import example_class
from coursekit.grading.grade import grade

A, B = "01_linear_collapse", "05_initialisation"


def _csv(workspace: Path) -> dict[tuple[str, str], dict[str, str]]:
    with open(workspace / "grades.csv", newline="", encoding="utf-8") as fh:
        return {(r["student"], r["assignment"]): r for r in csv.DictReader(fh)}


def _points(assignment: str) -> tuple[float, float]:
    """(autograded, manual) maximum, read from the solution notebook's own nbgrader metadata."""
    auto = manual = 0.0
    for cell in nbformat.read(COURSE.solution(assignment), as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            if cell.cell_type == "code" and not meta.get("solution"):
                auto += meta.get("points", 0)
            else:
                manual += meta.get("points", 0)
    return auto, manual


def test_rows_of_every_assignment_stay_and_failures_keep_the_true_maximum(tmp_path):
    workspace = tmp_path / "ws"
    grade(COURSE, workspace, [A], example=True, say=lambda line: None)
    broken = workspace / "submitted" / "zed" / B
    broken.mkdir(parents=True)
    (broken / f"{B}.ipynb").write_text("{ not json", encoding="utf-8")
    grade(COURSE, workspace, [B], example=True, say=lambda line: None)
    rows = _csv(workspace)
    assert {a for _, a in rows} == {A, B}  # grading B kept A's rows
    assert {s for s, a in rows if a == A} == set(example_class(COURSE, A))
    zed = rows["zed", B]
    auto, manual = _points(B)
    assert zed["status"].startswith("failed: ") and float(zed["score"]) == 0
    assert float(zed["max_score"]) == auto + manual and float(zed["autograded_max"]) == auto
    assert "invalid JSON" in zed["reasons"]


def test_every_lost_exercise_has_a_reason(tmp_path):
    workspace = tmp_path / "ws"
    grade(COURSE, workspace, [A], example=True, say=lambda line: None)
    rows = _csv(workspace)
    assert rows["reference", A]["reasons"] == ""
    lost = rows["untouched", A]["reasons"].split("; ")
    assert len(lost) == len(autograded_points(A)), lost
    assert all("not done (the exercise still raises NotImplementedError)" in line for line in lost), lost


def test_a_manually_graded_code_cell_is_not_autograded(tmp_path):
    # an instructor's notebook with a code answer graded by hand (grade and solution both true)
    root = tmp_path / "course"
    for folder in ("solutions", "notebooks"):
        shutil.copytree(COURSE.root / folder / A, root / folder / A)
    shutil.copy(COURSE.root / "nbgrader_config.py", root / "nbgrader_config.py")
    source = root / "solutions" / A / f"{A}.ipynb"
    (root / "solutions" / A / f"{A}.py").unlink()  # the .ipynb is this copy's source
    nb = nbformat.read(source, as_version=4)
    manual_code = nbformat.v4.new_code_cell("### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION")
    manual_code.metadata["nbgrader"] = {
        "grade": True,
        "grade_id": "code_by_hand",
        "locked": False,
        "points": 2,
        "schema_version": 3,
        "solution": True,
        "task": False,
    }
    nb.cells.append(manual_code)
    nbformat.write(nb, source)
    workspace = tmp_path / "ws"
    submitted = workspace / "submitted" / "ada" / A
    submitted.mkdir(parents=True)
    nbformat.write(nb, submitted / f"{A}.ipynb")
    grade(Course(root), workspace, [A], say=lambda line: None)
    row = _csv(workspace)["ada", A]
    auto, manual = _points(A)
    assert float(row["autograded_max"]) == auto, row
    assert float(row["manual_max"]) == manual + 2, row
