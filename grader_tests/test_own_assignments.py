"""An instructor's own assignments release, check and grade like the course's, from the docs alone.

``grader_tests/examples/`` holds two assignments written the way nbgrader's documentation writes
them, not the way this course does: ``ps1`` (two notebooks, problem1 and problem2, an image beside
them, test cells with names of their own, free answer-cell names) and ``convolution`` (one
``.ipynb`` named ``conv``, no jupytext script). Both are copied into a fresh course folder and go
through the command line an instructor uses.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT
from coursekit.grading.examples import answer_ids, fill, write_submission
from coursekit.grading.sandbox import sandbox_problem

EXAMPLES = Path(__file__).parent / "examples"


def _coursekit(course: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coursekit.grading.cli", *args],
        cwd=course,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("own-course")
    shutil.copy(ROOT / "nbgrader_config.py", root)
    (root / "solutions").mkdir()
    for example in ("ps1", "convolution"):
        shutil.copytree(EXAMPLES / example, root / "solutions" / example)
    released = _coursekit(root, "release")
    assert released.returncode == 0, released.stdout + released.stderr
    return root


def test_release_makes_every_notebook_and_copies_the_image(course):
    files = sorted(str(p.relative_to(course / "notebooks")) for p in (course / "notebooks").rglob("*") if p.is_file())
    assert files == ["convolution/conv.ipynb", "ps1/jupyter.png", "ps1/problem1.ipynb", "ps1/problem2.ipynb"]
    student = nbformat.read(course / "notebooks" / "ps1" / "problem1.ipynb", as_version=4)
    text = "\n".join(c.source for c in student.cells)
    assert "BEGIN SOLUTION" not in text and "cubes(11)" not in text  # no solution, no hidden test
    assert _coursekit(course, "release", "--check").returncode == 0


def test_check_passes_and_gives_the_course_conventions_as_advice(course):
    out = _coursekit(course, "check")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "course is sound: 2 assignment(s) checked" in out.stdout
    assert "advice: ps1: the course's assignments are named NN_topic" in out.stdout
    only = _coursekit(course, "check", "convolution")
    assert "ps1" not in only.stdout and "1 assignment(s) checked" in only.stdout


def test_check_still_finds_real_problems(course, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(course, broken)
    path = broken / "notebooks" / "ps1" / "problem1.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "correct_cubes")
    cell.source += "\nassert cubes(11) == [1, 8, 27, 64, 125, 216, 343, 512, 729, 1000, 1331]"
    nbformat.write(nb, path)
    out = _coursekit(broken, "check")
    assert out.returncode == 1 and "gives away" in out.stdout, out.stdout


@pytest.mark.skipif(sandbox_problem() is not None, reason=f"no sandbox: {sandbox_problem()}")
def test_grading_scores_the_example_class_and_flags_tampering(course):
    workspace = course / "grading"
    problem1 = nbformat.read(course / "notebooks" / "ps1" / "problem1.ipynb", as_version=4)
    solution1 = nbformat.read(course / "solutions" / "ps1" / "problem1.ipynb", as_version=4)
    # right answers, plus a kernel hook that would make every later test pass: flagged, not trusted
    hook = "get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])\n"
    cheat = fill(problem1, solution1, answer_ids(problem1))
    next(c for c in cheat.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "cubes").source += "\n" + hook
    write_submission(workspace / "submitted", "cheater", "ps1", cheat, notebook="problem1")
    write_submission(
        workspace / "submitted",
        "cheater",
        "ps1",
        nbformat.read(course / "notebooks" / "ps1" / "problem2.ipynb", as_version=4),
        notebook="problem2",
    )
    out = _coursekit(course, "grade", "--example-class")
    assert out.returncode == 0, out.stdout + out.stderr
    with (workspace / "grades.csv").open(newline="") as fh:
        rows = {(r["student"], r["assignment"]): r for r in csv.DictReader(fh)}
    assert set(rows) == {(s, a) for s in ("reference", "partial", "untouched") for a in ("ps1", "convolution")} | {
        ("cheater", "ps1")
    }
    # ps1: 3 autograded points in problem1 (two for cubes, one for sum_of_cubes), 4 by hand (1 + 2 + 1)
    assert [rows[("reference", "ps1")][k] for k in ("autograded_score", "autograded_max", "manual_max")] == [
        "3",
        "3",
        "4",
    ]
    assert rows[("reference", "ps1")]["manual_grades_pending"] == "3"
    assert rows[("untouched", "ps1")]["autograded_score"] == "0"
    assert rows[("reference", "convolution")]["autograded_score"] == "2"
    assert rows[("untouched", "convolution")]["autograded_score"] == "0"
    assert rows[("cheater", "ps1")]["autograded_score"] == "0"
    flags = json.loads((workspace / "integrity.json").read_text())["cheater/ps1"]
    assert {f["exercise"] for f in flags} >= {"correct_cubes", "cubes_invalid_input", "correct_sum_of_cubes"}
    assert all("get_ipython()" in f["reason"] for f in flags)
    for name in ("problem1", "problem2"):
        html = (workspace / "feedback" / "reference" / "ps1" / f"{name}.html").read_text()
        assert "cubes(11)" not in html  # hidden tests stay hidden
