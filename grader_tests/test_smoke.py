"""A smoke run of the whole grading round through the command line, as `make course` runs it.

Part of `make test-fast`: `coursekit grade --example-class` grades the example class of every
assignment (the reference solution, an untouched notebook, a partial one, one with a few classic
mistakes and one with an answer pasted from coursekit) in a fresh workspace, and grades.csv must
say what an instructor expects of each.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from conftest import ASSIGNMENTS, ROOT, autograded_points

COURSEKIT = Path(sys.executable).with_name("coursekit")


def test_example_class_graded_through_the_cli(tmp_path: Path) -> None:
    workspace = tmp_path / "example-class"
    out = subprocess.run(
        [str(COURSEKIT), "grade", "--example-class", "--workspace", str(workspace)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    with open(workspace / "grades.csv", newline="") as f:
        rows = {(r["student"], r["assignment"]): r for r in csv.DictReader(f)}
    for assignment in ASSIGNMENTS:
        full = sum(autograded_points(assignment).values())
        reference, untouched, partial = (rows[s, assignment] for s in ("reference", "untouched", "partial"))
        assert float(reference["autograded_score"]) == float(reference["autograded_max"]) == full, assignment
        assert float(untouched["autograded_score"]) == 0, assignment
        one_exercise = len(autograded_points(assignment)) == 1  # then "every other exercise" is all of them
        assert 0 < float(partial["autograded_score"]) < full or one_exercise, assignment
        assert all(r["status"] == "graded" for r in (reference, untouched, partial)), assignment
        # the copy passes every test (a flag for review never changes a score); the mistakes lose points
        if ("copied", assignment) in rows:  # (none where every reference needs another exercise's class)
            assert float(rows["copied", assignment]["autograded_score"]) == full, assignment
        assert 0 < float(rows["mistaken", assignment]["autograded_score"]) < full, assignment
    assert sum(("copied", a) in rows for a in ASSIGNMENTS) >= len(ASSIGNMENTS) - 1
    assert "graded now: " in out.stdout and "Most common mistakes" in out.stdout
    assert "Why points were lost" in out.stdout and "untouched/" in out.stdout.split("Why points were lost")[1]
