"""Submissions that are malformed in the ways real classes produce: what staging repairs and what it refuses."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import COURSE, ROOT
from coursekit.grading.examples import answer_ids, fill, write_submission
from coursekit.grading.grade import grade

A = "01_linear_collapse"


def _reference():
    student = nbformat.read(COURSE.student(A), as_version=4)
    solution = nbformat.read(COURSE.solution(A), as_version=4)
    return fill(student, solution, answer_ids(student))


def _write_raw(submitted: Path, student: str, text: str) -> None:
    folder = submitted / student / A
    folder.mkdir(parents=True)
    (folder / f"{A}.ipynb").write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Grade a stripped notebook, a real nbformat 3 file, one without cell ids and one with cell metadata
    of the wrong type; then grade again."""
    workspace = tmp_path_factory.mktemp("staging")
    submitted = workspace / "submitted"
    reference = _reference()
    stripped = copy.deepcopy(reference)
    for cell in stripped.cells:
        cell.metadata.pop("nbgrader", None)
    write_submission(submitted, "stripped", A, stripped)
    _write_raw(submitted, "old_format", nbformat.writes(nbformat.convert(copy.deepcopy(reference), 3), version=3))
    no_ids = json.loads(nbformat.writes(reference))
    for cell in no_ids["cells"]:
        cell.pop("id", None)
    _write_raw(submitted, "no_ids", json.dumps(no_ids))
    odd = json.loads(nbformat.writes(reference))  # metadata of the wrong type in two cells that are no exercise
    plain = [c for c in odd["cells"] if "nbgrader" not in c.get("metadata", {})]
    plain[0]["metadata"]["nbgrader"] = "not a dict"
    plain[1]["metadata"] = ["not", "a", "dict"]
    _write_raw(submitted, "odd_metadata", json.dumps(odd))
    first: list[str] = []
    report = grade(COURSE, workspace, [A], say=first.append)
    second: list[str] = []
    grade(COURSE, workspace, [A], say=second.append)
    return {r.student: r for r in report.rows}, first, second


def test_a_notebook_without_nbgrader_metadata_is_refused_in_one_line(runs):
    rows, first, _ = runs
    assert rows["stripped"].status.startswith("failed: ")
    assert "has no nbgrader cell metadata: it was not made from the released notebook" in rows["stripped"].status
    assert "KeyError" not in rows["stripped"].status
    assert sum("stripped" in line for line in first) == 1, first


def test_a_refused_notebook_is_recorded_and_not_staged_again(runs):
    rows, _, second = runs
    assert not any("stripped" in line for line in second), second


def test_nbformat_3_is_converted_and_graded(runs):
    rows, first, _ = runs
    assert rows["old_format"].status == "graded" and rows["old_format"].auto_score == rows["old_format"].auto_max > 0
    assert any("old_format" in line and "nbformat 3" in line for line in first), first


def test_missing_cell_ids_are_repaired_and_said_once(runs):
    rows, first, _ = runs
    assert rows["no_ids"].status == "graded" and rows["no_ids"].auto_score == rows["no_ids"].auto_max > 0
    said = [line for line in first if "no_ids" in line and "cell id(s) missing or duplicated, repaired" in line]
    assert len(said) == 1, first


def test_the_command_line_prints_no_warnings(tmp_path):
    no_ids = json.loads(nbformat.writes(_reference()))
    for cell in no_ids["cells"][:3]:
        cell.pop("id", None)
    _write_raw(tmp_path / "ws" / "submitted", "no_ids", json.dumps(no_ids))
    out = subprocess.run(
        [str(Path(sys.executable).with_name("coursekit")), "grade", A, "--workspace", str(tmp_path / "ws")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert "Warning" not in out.stderr and "warn" not in out.stderr.lower(), out.stderr
    assert "3 cell id(s) missing or duplicated, repaired" in out.stdout


def test_misplaced_submissions_are_reported_with_what_was_expected(tmp_path):
    submitted = tmp_path / "ws" / "submitted"
    reference = nbformat.writes(_reference())
    _write_raw(submitted, "ada", reference)  # well placed: graded, not reported
    (submitted / "dave_flat.ipynb").write_text(reference, encoding="utf-8")
    (submitted / "erin").mkdir()
    (submitted / "erin" / f"{A}.ipynb").write_text(reference, encoding="utf-8")
    (submitted / A / "gina").mkdir(parents=True)
    (submitted / A / "gina" / f"{A}.ipynb").write_text(reference, encoding="utf-8")
    (submitted / "hal" / "10_convolution").mkdir(parents=True)
    (submitted / "ada" / ".ipynb_checkpoints").mkdir()
    lines: list[str] = []
    report = grade(COURSE, tmp_path / "ws", [A], say=lines.append)
    assert [r.student for r in report.rows] == ["ada"]
    said = "\n".join(lines)
    assert "submitted/dave_flat.ipynb: not in a student's folder" in said, said
    assert f"submitted/erin/{A}.ipynb: no assignment folder, not graded (expected submitted/erin/{A}/{A}.ipynb)" in said
    assert f"submitted/{A}/gina/: the folders look swapped, not graded (expected submitted/gina/{A}/)" in said
    assert "submitted/hal/10_convolution/: not an assignment of the course" in said
    assert "checkpoints" not in said


def test_an_oversized_notebook_is_refused_unread_and_the_run_goes_on(tmp_path):
    workspace = tmp_path / "ws"
    reference = _reference()
    write_submission(workspace / "submitted", "honest", A, reference)
    bloated = copy.deepcopy(reference)
    bloated.cells.insert(0, nbformat.v4.new_markdown_cell("x" * (12 * 2**20)))  # 12 MiB of markdown
    write_submission(workspace / "submitted", "bloated", A, bloated)
    lines: list[str] = []
    rows = {r.student: r for r in grade(COURSE, workspace, [A], say=lines.append).rows}
    assert rows["honest"].status == "graded" and rows["honest"].auto_score == rows["honest"].auto_max
    assert rows["bloated"].status.startswith("failed: ") and "more than the 8 MiB" in rows["bloated"].status
    assert rows["bloated"].max_score == rows["honest"].max_score
    assert not list((workspace / "feedback").glob("bloated/**/*.html"))
    assert sum("bloated" in line for line in lines) == 1, lines


def test_cell_metadata_of_the_wrong_type_is_dropped_and_said_once(runs):
    rows, first, _ = runs
    assert rows["odd_metadata"].status == "graded"
    assert rows["odd_metadata"].auto_score == rows["odd_metadata"].auto_max > 0
    said = [line for line in first if "odd_metadata" in line and "metadata nbgrader cannot have written" in line]
    assert len(said) == 1, first
