"""How long each solution notebook takes to execute, headless and under grading.

    python benchmarks/notebook_times.py [NN_name ...]

For every notebook (default: all nine) the solution notebook is executed twice in a fresh
kernel, one after the other: as a student or instructor runs it (the inline backend draws every
figure), and as nbgrader runs it (``NBGRADER_EXECUTION=autograde``: figures are built but not
drawn, heavy demonstrations shrink, progress bars stay silent). The table gives the wall time
of each, kernel start included, and the totals. Goals on a 2-core machine: each notebook under
20 s headless and under 8 s under grading.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from coursekit.grading import skip_slow_imports  # noqa: E402

skip_slow_imports()

import nbformat  # noqa: E402

from coursekit.grading.course import Course  # noqa: E402
from coursekit.grading.release import execute_notebook  # noqa: E402

GOAL_HEADLESS, GOAL_GRADING = 20.0, 8.0
#: What nbgrader's run of a notebook adds to the environment (coursekit grade does the same).
GRADING_ENV = {"NBGRADER_EXECUTION": "autograde", "MPLBACKEND": "agg"}


def execute_seconds(path: Path, grading: bool) -> float:
    """Wall time to execute the notebook at ``path`` in a fresh kernel (start and shutdown included)."""
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    execute_notebook(nb, path.parent, name=path.stem, env=GRADING_ENV if grading else None)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*")
    args = parser.parse_args()
    course = Course(ROOT)
    names = course.assignments(args.assignments or None)
    width = max(len(n) for n in names)
    print(f"{'notebook':<{width}}  {'headless':>9}  {'grading':>8}")
    totals = [0.0, 0.0]
    over = []
    for name in names:
        path = course.solution(name)
        headless, grading = execute_seconds(path, grading=False), execute_seconds(path, grading=True)
        totals[0] += headless
        totals[1] += grading
        marks = ("*" if headless > GOAL_HEADLESS else " ", "*" if grading > GOAL_GRADING else " ")
        if any(m == "*" for m in marks):
            over.append(name)
        print(f"{name:<{width}}  {headless:8.1f}s{marks[0]} {grading:7.1f}s{marks[1]}", flush=True)
    print(f"{'total':<{width}}  {totals[0]:8.1f}s  {totals[1]:7.1f}s")
    print(
        f"goals: under {GOAL_HEADLESS:.0f} s headless and {GOAL_GRADING:.0f} s under grading per notebook; "
        + (f"over (*): {', '.join(over)}" if over else "all met")
    )


if __name__ == "__main__":
    main()
