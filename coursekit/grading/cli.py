"""The ``coursekit`` command: release, check, grade, lab."""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path

from coursekit.grading import skip_slow_imports
from coursekit.grading.course import Course, CourseError

__all__ = ["main"]


def _say(line: str) -> None:
    print(line, flush=True)


def _cmd_release(course: Course, args: argparse.Namespace) -> int:
    from coursekit.grading.release import check_release, release

    if args.check:
        problems = check_release(course, args.assignments or None)
        for p in problems:
            print(p)
        if problems:
            print(f"{len(problems)} problem(s): the committed notebooks are out of date")
            return 1
        print("release is up to date")
        return 0
    release(course, args.assignments or None, force_execute=args.execute, say=_say)
    return 0


def _cmd_check(course: Course, args: argparse.Namespace) -> int:
    from coursekit.grading.check import review_course

    problems, advice = review_course(course, args.assignments or None)
    for p in problems:
        print(p)
    for hint in advice:
        print(f"advice: {hint}")
    names = course.assignments(args.assignments or None)
    if problems:
        print(f"{len(problems)} problem(s) in {len(names)} assignment(s)")
        return 1
    print(f"course is sound: {len(names)} assignment(s) checked")
    return 0


def _cmd_grade(course: Course, args: argparse.Namespace) -> int:
    from coursekit.grading.class_report import top_misconceptions
    from coursekit.grading.export import format_reasons
    from coursekit.grading.grade import format_summary, format_table, grade
    from coursekit.grading.sandbox import Limits

    default = course.root / os.environ.get("COURSEKIT_WORKSPACE", "grading")
    workspace = Path(args.workspace) if args.workspace else default
    limits = Limits(
        cell_timeout=args.cell_timeout,
        cpu_seconds=args.cpu_seconds,
        memory_mb=args.memory_mb,
        total_memory_mb=args.total_memory_mb,
        max_notebook_mb=args.max_notebook_mb,
        wall_seconds=args.wall_seconds,
    )
    report = grade(
        course,
        workspace,
        args.assignments or None,
        example=args.example_class,
        force=args.force,
        jobs=args.jobs,
        scheduler=args.scheduler,
        sandbox=not args.no_sandbox,
        limits=limits,
        zip_file=Path(args.zip) if args.zip else None,
        zip_regexp=args.zip_regexp,
        say=_say,
        show_progress=sys.stderr.isatty(),
        warm_start=not args.cold_start,
    )
    print()
    print(format_table(report.rows))
    if reasons := format_reasons(report.rows):
        print()
        print("Why points were lost (also in grades.csv, column 'reasons'):")
        print(reasons)
    if summary := format_summary(report):
        print()
        print(summary)
    if common := top_misconceptions(report):
        print()
        print("Most common mistakes (tests named them):")
        print("\n".join(f"  {line}" for line in common))
    print()
    print(f"graded now: {report.graded_now}; flagged for review: {len(report.flags)} submission(s)")
    if similar := sum(report.similar.values()):
        print(f"similar code to review (no score changed): {similar} answer cell(s) or pair(s), in the class reports")
    print(f"grades: {workspace / 'grades.csv'}   integrity report: {workspace / 'integrity.json'}")
    print(f"feedback: {workspace / 'feedback'}/<student>/<assignment>/")
    if report.rows:
        print(f"class reports: {workspace / 'reports'}/<assignment>/report.html")
    return 1 if args.strict and any(r.status != "graded" for r in report.rows) else 0


def _cmd_lab(course: Course, args: argparse.Namespace) -> int:
    extra = list(args.lab_args)
    if extra[:1] == ["--"]:
        extra = extra[1:]
    if os.geteuid() == 0 and "--allow-root" not in extra:
        # JupyterLab refuses to run as root unless told; containers and hub images often run as root
        print("coursekit lab: running as root, so JupyterLab gets --allow-root", flush=True)
        extra.append("--allow-root")
    cmd = [sys.executable, "-m", "jupyter", "lab", f"--notebook-dir={course.notebooks}", *extra]
    os.execv(sys.executable, cmd)
    return 0  # not reached


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="coursekit", description="Release, check and grade the neural-networks course.")
    p.add_argument("--course", default=None, help="course folder (default: the one containing the current folder)")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("release", help="regenerate notebooks/ from solutions/")
    r.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    r.add_argument("--check", action="store_true", help="only report whether the committed notebooks are up to date")
    r.add_argument("--execute", action="store_true", help="execute every solution notebook even if unchanged")
    r.set_defaults(func=_cmd_release)

    c = sub.add_parser("check", help="validate the course (metadata, exercises, no leaked solutions)")
    c.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    c.set_defaults(func=_cmd_check)

    g = sub.add_parser("grade", help="autograde submissions, write feedback and grades.csv")
    g.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    g.add_argument(
        "--workspace", default=None, help="grading folder with submitted/<student>/<assignment>/ (default: grading/)"
    )
    g.add_argument(
        "--example-class", action="store_true", help="first write an example class made from the course's notebooks"
    )
    g.add_argument("--force", action="store_true", help="grade every submission again")
    g.add_argument("--jobs", "-j", type=int, default=None, help="submissions executed at once (default: cores)")
    g.add_argument("--scheduler", default=None, help="execute on a Dask cluster at this address (tcp://host:port)")
    g.add_argument(
        "--no-sandbox", action="store_true", help="run student code without the sandbox (only for code you trust)"
    )
    g.add_argument(
        "--cold-start",
        action="store_true",
        help="start each submission's processes from scratch, not forked from one warm process",
    )
    g.add_argument("--cell-timeout", type=int, default=60, help="seconds one cell may run (default 60)")
    g.add_argument("--cpu-seconds", type=int, default=300, help="CPU seconds for one notebook (default 300)")
    g.add_argument("--memory-mb", type=int, default=3072, help="memory of one student process (default 3072)")
    g.add_argument(
        "--total-memory-mb",
        type=int,
        default=4096,
        help="memory of all of one submission's processes together, where a cgroup can be made (default 4096)",
    )
    g.add_argument(
        "--max-notebook-mb",
        type=int,
        default=8,
        help="largest notebook a student may hand in, in MiB; larger ones are refused unread (default 8)",
    )
    g.add_argument("--wall-seconds", type=int, default=600, help="wall-clock seconds for one notebook (default 600)")
    g.add_argument("--zip", default=None, help="an LMS download (zip of files named by student) to collect first")
    g.add_argument(
        "--zip-regexp",
        default=None,
        help="regular expression with student_id and file_id groups for the zip's file names",
    )
    g.add_argument("--strict", action="store_true", help="exit 1 if any submission could not be graded")
    g.set_defaults(func=_cmd_grade)

    lab = sub.add_parser(
        "lab",
        help="open the student notebooks in JupyterLab",
        description="Open the student notebooks in JupyterLab. Any other option goes to JupyterLab "
        "(e.g. coursekit lab --no-browser --port 8890); as root, --allow-root is added.",
    )
    lab.add_argument("lab_args", nargs=argparse.REMAINDER, help="options for jupyter lab")
    lab.set_defaults(func=_cmd_lab)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``coursekit`` console script."""
    skip_slow_imports()
    parser = _parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown and args.command != "lab":
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    if args.command == "lab":  # every option coursekit does not know is JupyterLab's
        args.lab_args = [*unknown, *args.lab_args]
    # nbgrader's SQLAlchemy use triggers SAWarnings that say nothing to an instructor.
    warnings.filterwarnings("ignore", module="nbgrader")
    warnings.filterwarnings("ignore", message=".*not in session.*")
    try:
        course = Course.find(args.course)
        return int(args.func(course, args))
    except CourseError as exc:
        print(f"coursekit: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
