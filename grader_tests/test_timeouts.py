"""Each test cell's timeout comes from the reference run, so an endless loop costs seconds, not minutes."""

from __future__ import annotations

import copy
import time

import nbformat

from conftest import COURSE
from coursekit.grading.examples import answer_ids, fill, write_submission
from coursekit.grading.grade import grade
from coursekit.grading.runner import MIN_TIMEOUT, cell_timeout
from coursekit.grading.sandbox import Limits

A = "01_linear_collapse"
LOOPING = ("collapse_linear", "linear_network", "relu_network")


def _cell(seconds):
    return nbformat.v4.new_code_cell("pass", metadata={"coursekit": {"reference_seconds": seconds}})


def test_the_timeout_is_twenty_times_the_reference_at_least_ten_seconds_and_at_most_the_ceiling():
    assert cell_timeout(_cell(0.1), 60) == MIN_TIMEOUT == 10
    assert cell_timeout(_cell(1.3), 60) == 26
    assert cell_timeout(_cell(10.0), 60) == 60
    assert cell_timeout(_cell(0.1), 3) == 3
    assert cell_timeout(nbformat.v4.new_code_cell("pass"), 60) == 60  # an instructor's notebook without times
    assert cell_timeout(_cell("soon"), 60) == 60


def test_every_released_code_cell_has_its_reference_time():
    nb = nbformat.read(COURSE.student(A), as_version=4)
    tests = [c for c in nb.cells if c.cell_type == "code"]
    assert tests and all(c.metadata.get("coursekit", {}).get("reference_seconds", -1) >= 0 for c in tests)


def test_three_endless_loops_cost_seconds_and_say_so(tmp_path):
    student = nbformat.read(COURSE.student(A), as_version=4)
    solution = nbformat.read(COURSE.solution(A), as_version=4)
    nb = copy.deepcopy(fill(student, solution, answer_ids(student)))
    for exercise in LOOPING:
        cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == exercise)
        cell.source += f"\n\ndef {exercise}(*args, **kwargs):\n    while True:\n        pass\n"  # never returns
    write_submission(tmp_path / "submitted", "looper", A, nb)
    started = time.monotonic()
    report = grade(COURSE, tmp_path, [A], limits=Limits(cell_timeout=60), say=lambda line: None)
    elapsed = time.monotonic() - started
    # every cell that calls one of them stops after 10 s (before: 60 s each, 5 minutes in all)
    assert elapsed < 120, f"three endless loops took {elapsed:.0f} s"
    row = report.rows[0]
    assert row.auto_score < row.auto_max
    assert row.reasons.count("cell timed out") >= len(LOOPING), row.reasons
