"""What a grading run tells the instructor: the :class:`Report`, its tables, and why tests failed."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from typing import Any

import nbformat

from coursekit.diagnosis import PREFIX
from coursekit.grading.course import is_test_cell
from coursekit.grading.export import NOT_DONE, GradeRow

__all__ = ["Report", "cells_of", "diagnoses_of", "failing_tests", "format_summary", "format_table", "timing_of", "why"]

# A diagnosis in a test's message: "Likely mistake in <exercise>: <message>" (coursekit.diagnosis).
_DIAGNOSIS = re.compile(rf"{PREFIX} in (?P<exercise>[A-Za-z_][A-Za-z0-9_]*): (?P<message>.+)")


@dataclass
class Report:
    """What a grading run found, for the assignments it graded."""

    rows: list[GradeRow]
    flags: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # "student/assignment" -> flags
    notes: dict[str, list[str]] = field(default_factory=dict)  # "student/assignment" -> what staging repaired
    #: assignment -> exercise -> (students whose autograded cell got full points, students graded)
    passed: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)
    failing: dict[str, list[str]] = field(default_factory=dict)  # "student/assignment" -> "test_x: Error: why"
    #: "student/assignment" -> the misconceptions its tests named ({"exercise", "title", "message"})
    diagnoses: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    #: "student/assignment" -> {"seconds": total, "cells": [[cell, seconds], ...] slowest first}
    timings: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: assignment -> answer cells flagged as near-copies of the reference or of each other
    similar: dict[str, int] = field(default_factory=dict)
    graded_now: int = 0


def failing_tests(cells: list[tuple[str, int, Any]]) -> list[str]:
    """One line per autograded cell that raised, among the executed notebooks' ``cells`` (:func:`cells_of`):
    ``test_x: ErrorName: first line of the message``."""
    out = []
    for _, _, cell in cells:
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if is_test_cell(cell) and errors:
            gid = cell.metadata["nbgrader"].get("grade_id", "")
            out.append(f"{gid}: {why(errors[0].get('ename') or '', errors[0].get('evalue') or '')}")
    return out


def cells_of(executed: dict[str, str]) -> list[tuple[str, int, Any]]:
    """(notebook name, cell number from 1, cell) of every cell of the executed notebooks (JSON texts by name)."""
    return [
        (name, n, cell)
        for name, text in executed.items()
        for n, cell in enumerate(nbformat.reads(text, as_version=4).cells, start=1)
    ]


def diagnoses_of(cells: list[tuple[str, int, Any]]) -> list[dict[str, str]]:
    """The misconceptions the test cells among the executed notebooks' ``cells`` named, one per exercise:
    ``{"exercise", "title", "message"}``; the title is the misconception's short name in
    :mod:`coursekit.misconceptions`, or the message itself for a diagnosis the course does not know."""
    from coursekit.misconceptions import misconception_by_message

    out: dict[str, dict[str, str]] = {}
    for _, _, cell in cells:
        if not is_test_cell(cell):
            continue
        for output in cell.get("outputs", []):
            found = _DIAGNOSIS.search(str(output.get("evalue") or "")) if output.get("output_type") == "error" else None
            if found and found["exercise"] not in out:
                exercise, message = found["exercise"], found["message"].strip()
                known = misconception_by_message(exercise, message)
                out[exercise] = {"exercise": exercise, "title": known.title if known else message, "message": message}
    return list(out.values())


def timing_of(cells: list[tuple[str, int, Any]], slowest: int = 3) -> dict[str, Any]:
    """How long the executed notebooks (their ``cells``) took: ``{"seconds": total, "cells": [[cell, seconds], ...]}``
    with the ``slowest`` cells, slowest first; a cell is named by its grade_id, else ``<notebook> cell <n>``."""
    times: list[tuple[str, float]] = []
    for name, n, cell in cells:
        if cell.get("cell_type") != "code":  # the runner times code cells; other metadata is the student's
            continue
        meta = cell.get("metadata", {})
        ours, theirs = meta.get("coursekit"), meta.get("nbgrader")
        seconds = ours.get("seconds") if isinstance(ours, dict) else None
        if isinstance(seconds, int | float) and 0 <= seconds < 1e6:
            label = (theirs.get("grade_id") if isinstance(theirs, dict) else None) or f"{name} cell {n}"
            times.append((str(label), float(seconds)))
    times.sort(key=lambda item: -item[1])
    return {"seconds": round(sum(t for _, t in times), 3), "cells": [[label, t] for label, t in times[:slowest]]}


def why(ename: str, evalue: str) -> str:
    """A test cell's error as a short reason for the instructor (kernel deaths, timeouts and the usual slips named)."""
    message = evalue.strip().splitlines()
    first = message[0][:160] if message else ""
    if ename == "NotImplementedError":
        return NOT_DONE
    if ename == "CellTimeoutError":
        return f"cell timed out ({first})" if first else "cell timed out"
    if ename == "DeadKernelError" and first.startswith("memory limit"):
        return first
    if ename == "DeadKernelError":
        return f"kernel died (os._exit or a crash): {first}" if first else "kernel died (os._exit or a crash)"
    if ename == "NameError":
        return f"NameError: {first} (cells run out of order, or a name misspelt?)"
    return f"{ename}: {first}".rstrip(": ")


def _table(lines: list[tuple[str, ...]]) -> str:
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(lines[0]))]
    out = ["  ".join(str(v).ljust(w) for v, w in zip(line, widths, strict=True)).rstrip() for line in lines]
    out.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(out)


def format_table(rows: list[GradeRow]) -> str:
    """A plain-text table: student, assignment, score/max, and what is pending."""
    lines: list[tuple[str, ...]] = [("student", "assignment", "score/max", "autograded", "manual")]
    for r in rows:
        if r.status != "graded":
            lines.append((r.student, r.assignment, f"0/{r.max_score:g}" if r.max_score else "0", r.status[:70], ""))
            continue
        if r.manual_pending:
            manual = f"{r.manual_pending} answer(s) to grade"
        else:
            manual = f"{r.manual_score:g}/{r.manual_max:g}"
        lines.append(
            (r.student, r.assignment, f"{r.score:g}/{r.max_score:g}", f"{r.auto_score:g}/{r.auto_max:g}", manual)
        )
    return _table(lines)


def format_summary(report: Report) -> str:
    """One line per assignment with submissions: how many, the mean and median score out of the maximum,
    how many could not be graded or were flagged, and the exercise the fewest students passed.

    The detail (every exercise, every reason) is in ``grades.csv``; an assignment nobody submitted
    prints nothing.
    """
    lines: list[tuple[str, ...]] = [
        ("assignment", "submissions", "mean", "median", "failed", "flagged", "fewest passed")
    ]
    for assignment in sorted({r.assignment for r in report.rows}):
        rows = [r for r in report.rows if r.assignment == assignment]
        scores, top = [r.score for r in rows], max(r.max_score for r in rows)
        flagged = sum(1 for key in report.flags if key.endswith("/" + assignment))
        passed = report.passed.get(assignment, {})
        hardest = min(passed.items(), key=lambda item: (item[1][0] / max(item[1][1], 1), item[0]), default=None)
        lines.append(
            (
                assignment,
                str(len(rows)),
                f"{statistics.fmean(scores):.1f}/{top:g}",
                f"{statistics.median(scores):g}/{top:g}",
                str(sum(r.status != "graded" for r in rows)),
                str(flagged),
                f"{hardest[0]} ({hardest[1][0]}/{hardest[1][1]})" if hardest else "",
            )
        )
    return _table(lines) if len(lines) > 1 else ""
