"""One memory limit for a whole submission (a cgroup), so that fork-and-allocate cannot take the host's memory."""

from __future__ import annotations

import copy

import nbformat
import pytest

from conftest import COURSE
from coursekit.grading.examples import answer_ids, fill, write_submission
from coursekit.grading.grade import grade
from coursekit.grading.sandbox import Limits, memory_limit_here

A = "01_linear_collapse"
HOG = """
import os, time
kids = []
for _ in range(4):  # four children of 150 MiB each: every one far below the per-process limit
    pid = os.fork()
    if pid == 0:
        block = bytearray(150 * 2**20)
        block[::4096] = b"x" * len(block[::4096])
        time.sleep(60)
        os._exit(0)
    kids.append(pid)
time.sleep(1)
mine = bytearray(400 * 2**20)  # and the kernel itself: together far more than the submission's 700 MiB
mine[::4096] = b"x" * len(mine[::4096])
"""

pytestmark = pytest.mark.skipif(
    memory_limit_here()[0] is None, reason=f"no cgroup for a whole submission here: {memory_limit_here()[1]}"
)


@pytest.mark.parametrize("warm", [True, False], ids=["warm", "cold"])
def test_fork_and_allocate_is_stopped_by_the_whole_submission_limit(tmp_path, warm):
    student = nbformat.read(COURSE.student(A), as_version=4)
    solution = nbformat.read(COURSE.solution(A), as_version=4)
    reference = fill(student, solution, answer_ids(student))
    hog = copy.deepcopy(reference)
    cell = next(c for c in hog.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "relu_network")
    cell.source = HOG + "\n" + cell.source
    write_submission(tmp_path / "submitted", "honest", A, reference)
    write_submission(tmp_path / "submitted", "hog", A, hog)
    limits = Limits(total_memory_mb=700, memory_mb=3072, wall_seconds=120)
    report = grade(COURSE, tmp_path, [A], limits=limits, warm_start=warm, say=lambda line: None)
    rows = {r.student: r for r in report.rows}
    assert rows["honest"].auto_score == rows["honest"].auto_max > 0  # the others' grades are unchanged
    assert rows["hog"].auto_score < rows["hog"].auto_max
    assert "memory limit" in rows["hog"].reasons, rows["hog"].reasons
