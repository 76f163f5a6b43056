"""Plain sequential ``nbgrader autograde`` against ``coursekit grade``, on the same submissions.

    python benchmarks/grading_speed.py [--n 40] [--assignment 01_linear_collapse] [--cell-timeout 10]

Builds N synthetic submissions of one assignment from the course's own notebooks (a
realistic mix: most correct, some with one or two classic mistakes, some untouched, one that
loops forever), grades them once with the ``nbgrader autograde`` command (sequential, no
sandbox: what nbgrader offers) and once with ``coursekit grade`` (parallel, sandboxed, and
with warm starts when run as root), each in its own fresh workspace, and prints both wall
times and their ratio. Both use the same cell timeout. The goal on a 2-core machine is a ratio of at most 0.45.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from coursekit.grading.course import Course  # noqa: E402
from coursekit.grading.examples import answer_ids, fill, write_submission  # noqa: E402


def _mistakes(assignment: str) -> dict[str, list[tuple[str, str]]]:
    path = ROOT / "grader_tests" / "mistakes" / f"{assignment}.py"
    spec = importlib.util.spec_from_file_location("mistakes", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.MISTAKES


def make_class(course: Course, assignment: str, n: int, submitted: Path) -> dict[str, str]:
    """Write ``n`` submissions; return student -> kind."""
    student = nbformat.read(course.student(assignment), as_version=4)
    solution = nbformat.read(course.solution(assignment), as_version=4)
    ids = answer_ids(student)
    mistakes = [(ex, entry[1]) for ex, items in sorted(_mistakes(assignment).items()) for entry in items]
    kinds = {}
    for i in range(n):
        sid = f"student{i:03d}"
        if i == n - 1:
            first = next(e for e in ids if not e.startswith("q_"))
            loop = f"def {first}(*args, **kwargs):\n    while True:\n        pass\n"
            nb, kind = fill(student, solution, ids, overrides={first: loop}), "times out"
        elif i % 10 == 9:
            nb, kind = student, "untouched"
        elif i % 3 == 1:
            ex, src = mistakes[i % len(mistakes)]
            ex2, src2 = mistakes[(7 * i + 3) % len(mistakes)]
            wrong = {ex: src} if ex == ex2 else {ex: src, ex2: src2}
            nb, kind = fill(student, solution, ids, overrides=wrong), "partly wrong"
        else:
            nb, kind = fill(student, solution, ids), "correct"
        write_submission(submitted, sid, assignment, nb)
        kinds[sid] = kind
    return kinds


def _run(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if out.returncode != 0:
        raise SystemExit(f"command failed: {' '.join(cmd)}\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--assignment", default="01_linear_collapse")
    parser.add_argument("--cell-timeout", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    course = Course(ROOT)
    bindir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory(prefix="grading-bench-") as tmp:
        tmp_path = Path(tmp)
        plain, ours = tmp_path / "nbgrader", tmp_path / "coursekit"
        kinds = make_class(course, args.assignment, args.n, plain / "submitted")
        make_class(course, args.assignment, args.n, ours / "submitted")
        mix = {k: sum(1 for v in kinds.values() if v == k) for k in sorted(set(kinds.values()))}
        print(f"{args.n} submissions of {args.assignment}: " + ", ".join(f"{v} {k}" for k, v in mix.items()))

        env = {**os.environ, "COURSEKIT_WORKSPACE": str(plain), "PATH": f"{bindir}:{os.environ.get('PATH', '')}"}
        release = f"--CourseDirectory.release_directory={tmp_path / 'release'}"
        _run([str(bindir / "nbgrader"), "generate_assignment", args.assignment, "--force", release], env)
        t_plain = _run(
            [
                str(bindir / "nbgrader"),
                "autograde",
                args.assignment,
                "--force",
                f"--Execute.timeout={args.cell_timeout}",
                release,
            ],
            env,
        )
        t_ours = _run(
            [
                str(bindir / "coursekit"),
                "grade",
                args.assignment,
                "--workspace",
                str(ours),
                "--jobs",
                str(args.jobs),
                f"--cell-timeout={args.cell_timeout}",
            ],
            env,
        )
    print(f"{'nbgrader autograde (sequential, no sandbox)':<48}{t_plain:8.1f} s")
    starts = "warm starts" if os.geteuid() == 0 else "cold starts: warm ones need root"
    print(f"{f'coursekit grade (--jobs {args.jobs}, sandboxed, {starts})':<48}{t_ours:8.1f} s")
    print(f"{'ratio coursekit / nbgrader':<48}{t_ours / t_plain:8.2f}   (goal: at most 0.45)")


if __name__ == "__main__":
    main()
