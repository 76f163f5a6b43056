"""grades.csv: one row per student and assignment ever graded in the workspace, read from the gradebook.

Columns (an LMS imports the first four; the rest explain them to the instructor):

=========================  ==================================================================
``student``                the student's folder name under ``submitted/`` (nbgrader's student id)
``assignment``             the assignment's name
``score``                  points earned so far: autograded plus manual
``max_score``              the assignment's maximum, always the true one (also for a submission
                           that could not be graded, which scores 0 of it)
``autograded_score/_max``  the autograded test cells
``manual_score/_max``      cells graded by hand: written answers and manually graded code
``manual_grades_pending``  answers still to grade in the formgrader
``status``                 ``graded``, or ``failed: <why>`` (the submission could not be graded)
``reasons``                for every lost exercise one reason, ``; ``-separated: the failing test's
                           first line, a timeout or a dead kernel, a flag of the integrity scan. For
                           the instructor: it may quote hidden tests, so do not show it to students
=========================  ==================================================================
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coursekit.grading.gradebook import maxima, submissions

__all__ = ["GradeRow", "COLUMNS", "read_grades", "grade_rows", "write_csv", "format_reasons"]

COLUMNS = (
    "student",
    "assignment",
    "score",
    "max_score",
    "autograded_score",
    "autograded_max",
    "manual_score",
    "manual_max",
    "manual_grades_pending",
    "status",
    "reasons",
)


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
    reasons: str = ""

    @property
    def score(self) -> float:
        return self.auto_score + self.manual_score

    @property
    def max_score(self) -> float:
        return self.auto_max + self.manual_max


def read_grades(db_url: str) -> list[GradeRow]:
    """Every submission in the gradebook, split into autograded and manual parts."""
    rows = []
    for assignment, student, grades in submissions(db_url):
        auto = [g for g, autograded in grades if autograded]
        manual = [g for g, autograded in grades if not autograded]
        rows.append(
            GradeRow(
                student,
                assignment,
                sum(g.score for g in auto),
                sum(g.max_score for g in auto),
                sum(g.score for g in manual),
                sum(g.max_score for g in manual),
                sum(bool(g.needs_manual_grade) for g in manual),
            )
        )
    return rows


def _records(done: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """(student, assignment) -> the completion record of every submission the workspace has seen."""
    out = {}
    for path in sorted(done.glob("*/*.json")):
        try:
            out[(path.stem, path.parent.name)] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # a record cut short by a kill: that submission is graded again next run
    return out


def _reasons(record: dict[str, Any] | None) -> str:
    if not record:
        return ""
    if record.get("status", "graded") != "graded":
        return str(record["status"]).removeprefix("failed: ")
    lines = [str(x) for x in record.get("failing", [])]
    lines += [f"{f['exercise']}: flagged for review: {f['reason']}" for f in record.get("flags", [])]
    return "; ".join(line.replace("\n", " ") for line in lines)


def grade_rows(db_url: str, done: Path, failures: dict[tuple[str, str], str]) -> list[GradeRow]:
    """One row per student and assignment ever graded: the gradebook's scores, the records' failures and reasons.

    Parameters
    ----------
    db_url : str
        The gradebook.
    done : Path
        The workspace's folder of completion records (``.coursekit/done``).
    failures : dict
        ``(student, assignment) -> status`` of this run's failures that have no record.
    """
    records = _records(done)
    for key, status in failures.items():
        records[key] = {**records.get(key, {}), "status": status}
    top = maxima(db_url)
    rows = {}
    for r in read_grades(db_url):
        record = records.get((r.student, r.assignment)) or {}
        status = str(record.get("status", "graded"))
        if status != "graded":  # its scores in the gradebook are from an earlier version: it scores 0 now
            r = GradeRow(r.student, r.assignment, 0, r.auto_max, 0, r.manual_max, 0, status)
        rows[(r.student, r.assignment)] = GradeRow(**{**r.__dict__, "reasons": _reasons(record)})
    for (student, assignment), record in records.items():
        if (student, assignment) not in rows and record.get("status", "graded") != "graded":
            auto_max, manual_max = top.get(assignment, (0.0, 0.0))
            status = str(record["status"])
            rows[(student, assignment)] = GradeRow(
                student, assignment, 0, auto_max, 0, manual_max, 0, status, _reasons(record)
            )
    return sorted(rows.values(), key=lambda r: (r.assignment, r.student))


def write_csv(rows: list[GradeRow], path: Path) -> None:
    """Export ``rows`` as CSV with the columns of :data:`COLUMNS`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for r in rows:
            w.writerow(
                [
                    r.student,
                    r.assignment,
                    f"{r.score:g}",
                    f"{r.max_score:g}",
                    f"{r.auto_score:g}",
                    f"{r.auto_max:g}",
                    f"{r.manual_score:g}",
                    f"{r.manual_max:g}",
                    r.manual_pending,
                    r.status,
                    r.reasons,
                ]
            )


def format_reasons(rows: list[GradeRow]) -> str:
    """One line per student who lost autograded points or could not be graded, with the reasons.

    Unfinished exercises are listed together (``not done: a, b``); the other reasons follow as in
    ``grades.csv``.
    """
    lines = []
    for r in rows:
        if r.status != "graded" or (r.auto_score < r.auto_max and r.reasons):
            lines.append(f"{r.student}/{r.assignment}: {_compact(r.reasons) or r.status}")
        elif r.auto_score < r.auto_max:
            lines.append(f"{r.student}/{r.assignment}: {r.auto_max - r.auto_score:g} autograded point(s) lost")
    return "\n".join(lines)


def _compact(reasons: str) -> str:
    """``reasons`` with the unfinished exercises gathered into one ``not done: ...`` clause."""
    parts = [p for p in reasons.split("; ") if p]
    undone = [p.split(":", 1)[0].removeprefix("test_") for p in parts if p.endswith(NOT_DONE)]
    others = [p for p in parts if not p.endswith(NOT_DONE)]
    return "; ".join(([f"not done: {', '.join(undone)}"] if undone else []) + others)


#: How a test cell's failure reads when its exercise still raises NotImplementedError.
NOT_DONE = "not done (the exercise still raises NotImplementedError)"
