"""``coursekit grade``: autograde submissions, write feedback, export grades, summarise.

The grading workspace (``grading/`` by default) follows nbgrader's layout::

    <workspace>/submitted/<student>/<assignment>/<assignment>.ipynb   (input)
    <workspace>/autograded/...     <workspace>/feedback/...          (nbgrader's output)
    <workspace>/gradebook.db       <workspace>/grades.csv            (results)

A submission is graded again only when it changed since it was last graded (its
``timestamp.txt`` differs) or when ``force`` is given, so re-running is cheap and
changes nothing. A submission that nbgrader cannot grade (not a notebook, say) is
reported with its reason and does not stop the run.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coursekit.grading.course import Course, CourseError
from coursekit.grading.nbgrader_glue import load_config, nbgrader_api, run_step
from coursekit.grading.submissions import example_class, write_submission

__all__ = ["GradeRow", "grade", "read_grades", "format_table"]


@dataclass(frozen=True)
class GradeRow:
    """One student's result on one assignment."""

    student: str
    assignment: str
    auto_score: float
    auto_max: float
    manual_score: float
    manual_max: float
    manual_pending: int
    status: str = "graded"

    @property
    def score(self) -> float:
        return self.auto_score + self.manual_score

    @property
    def max_score(self) -> float:
        return self.auto_max + self.manual_max


def _timestamp(folder: Path) -> str | None:
    path = folder / "timestamp.txt"
    return path.read_text(encoding="utf-8").strip() if path.is_file() else None


def _needs_grading(cd: Any, student: str, assignment: str) -> bool:
    submitted = Path(cd.format_path(cd.submitted_directory, student, assignment))
    autograded = Path(cd.format_path(cd.autograded_directory, student, assignment))
    if not autograded.is_dir() or not any(autograded.glob("*.ipynb")):
        return True
    return _timestamp(submitted) != _timestamp(autograded)


def _students(cd: Any, assignment: str) -> list[str]:
    base = Path(cd.root) / cd.submitted_directory
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if (p / assignment).is_dir())


def read_grades(db_url: str, assignments: list[str]) -> list[GradeRow]:
    """Rows of the gradebook for ``assignments``, split into autograded and manual parts."""
    from nbgrader.api import Gradebook, MissingEntry

    rows = []
    with Gradebook(db_url) as gb:
        for assignment in assignments:
            for student in sorted(s.id for s in gb.students):
                try:
                    sub = gb.find_submission(assignment, student)
                except MissingEntry:
                    continue
                auto = auto_max = manual = manual_max = 0.0
                pending = 0
                for nb in sub.notebooks:
                    for g in nb.grades:
                        if g.cell_type == "code":
                            auto += g.score
                            auto_max += g.max_score
                        else:
                            manual += g.score
                            manual_max += g.max_score
                            pending += int(bool(g.needs_manual_grade))
                rows.append(GradeRow(student, assignment, auto, auto_max, manual, manual_max, pending))
    return rows


def write_csv(rows: list[GradeRow], path: Path) -> None:
    """Export ``rows`` as CSV (one line per student and assignment)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["student", "assignment", "score", "max_score", "autograded_score", "autograded_max",
                    "manual_score", "manual_max", "manual_grades_pending", "status"])
        for r in rows:
            w.writerow([r.student, r.assignment, f"{r.score:g}", f"{r.max_score:g}", f"{r.auto_score:g}",
                        f"{r.auto_max:g}", f"{r.manual_score:g}", f"{r.manual_max:g}", r.manual_pending, r.status])


def format_table(rows: list[GradeRow]) -> str:
    """A plain-text summary table: student, assignment, score/max, and what is pending."""
    header = ("student", "assignment", "score/max", "autograded", "manual")
    lines = [header]
    for r in rows:
        if r.manual_pending:
            manual = f"{r.manual_pending} answer(s) to grade"
        else:
            manual = f"{r.manual_score:g}/{r.manual_max:g}"
        if r.status != "graded":
            lines.append((r.student, r.assignment, "-", r.status, ""))
        else:
            lines.append((r.student, r.assignment, f"{r.score:g}/{r.max_score:g}",
                          f"{r.auto_score:g}/{r.auto_max:g}", manual))
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
    out = ["  ".join(str(v).ljust(w) for v, w in zip(line, widths, strict=True)).rstrip() for line in lines]
    out.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(out)


def grade(
    course: Course,
    workspace: Path,
    assignments: list[str] | None = None,
    *,
    example: bool = False,
    force: bool = False,
    say: Callable[[str], None] = print,
) -> list[GradeRow]:
    """Autograde every submission in ``workspace``, write feedback and ``grades.csv``.

    Parameters
    ----------
    course : Course
        The course checkout (its solution notebooks define the assignments).
    workspace : Path
        The grading workspace (see the module docstring).
    assignments : list of str, optional
        Only these (default: every assignment of the course).
    example : bool
        First write the example class (reference, untouched and partial submissions,
        made from the course's own notebooks) into the workspace.
    force : bool
        Grade every submission again, changed or not.
    say : callable
        Where progress lines go.

    Returns
    -------
    list of GradeRow
        One row per student and assignment, failures included.
    """
    workspace = Path(workspace).resolve()
    names = course.assignments(assignments)
    cfg = load_config(course, workspace=workspace, release_dir=workspace / "release")
    api = nbgrader_api(cfg)
    cd = api.coursedir
    failures: dict[tuple[str, str], str] = {}
    for assignment in names:
        # Record the assignment's source cells (checksums, hidden tests) in this gradebook.
        run_step(api, "generate_assignment", assignment, force=True, create=True)
        if example:
            for student, nb in example_class(course, assignment).items():
                write_submission(Path(cd.root) / cd.submitted_directory, student, assignment, nb)
        students = _students(cd, assignment)
        if not students:
            say(f"{assignment}: no submissions in {Path(cd.root) / cd.submitted_directory}")
        for student in students:
            if not (force or _needs_grading(cd, student, assignment)):
                continue
            say(f"{assignment}: grading {student}")
            try:
                run_step(api, "autograde", assignment, student, force=True, create=True)
                run_step(api, "generate_feedback", assignment, student, force=True)
            except CourseError as exc:
                reason = str(exc).splitlines()[-1] if str(exc).strip() else "nbgrader failed"
                failures[(student, assignment)] = f"failed: {reason}"
                say(f"{assignment}: {student} could not be graded: {reason}")
    rows = read_grades(cd.db_url, names)
    graded = {(r.student, r.assignment) for r in rows}
    rows += [GradeRow(s, a, 0, 0, 0, 0, 0, status=why) for (s, a), why in failures.items() if (s, a) not in graded]
    rows.sort(key=lambda r: (r.assignment, r.student))
    write_csv(rows, workspace / "grades.csv")
    return rows
