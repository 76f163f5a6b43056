"""The class report: one self-contained HTML page per assignment, for the instructor.

``coursekit grade`` writes ``<workspace>/reports/<assignment>/report.html`` and its figures as PNG
files beside it (the page embeds them too, so the HTML file alone opens from disk with no network).
It shows what the class got wrong, so that the instructor knows what to teach again:

* the score distribution and each exercise's pass rate, with the written answers marked as
  pending while they are not graded;
* for each exercise, the misconceptions the tests diagnosed (:mod:`coursekit.diagnosis`) and how
  many students had each, with one anonymised example of each (the answer cell, without a name);
* the submissions that could not be graded or were flagged for review, with the reasons;
* answer cells that are near-copies of the course's reference or of each other
  (:mod:`coursekit.grading.similarity`), side by side; like every flag, they change no score;
* timing: the slowest submissions and cells.

Everything comes from the run's :class:`~coursekit.grading.summary.Report` (whose per-submission
findings persist in the completion records, so a rerun that grades nothing new still reports the
whole class) and, for the examples, the submitted notebooks.
"""

from __future__ import annotations

import base64
import html
import io
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from coursekit.grading.collect import read_quietly
from coursekit.grading.export import GradeRow
from coursekit.grading.similarity import SimilarityFindings, answer_cells
from coursekit.grading.summary import Report

__all__ = ["render_report", "top_misconceptions", "write_class_reports"]

_SLOWEST = 5

_CSS = """
body { font: 16px/1.5 system-ui, sans-serif; margin: 0 auto; padding: 1rem; max-width: 62rem; color: #222; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.3rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
.scroll { overflow-x: auto; } table { border-collapse: collapse; margin: .5rem 0; }
th, td { border: 1px solid #ddd; padding: .25rem .5rem; text-align: left; vertical-align: top; }
td.n { text-align: right; } img { max-width: 100%; height: auto; }
.figures { display: flex; flex-wrap: wrap; gap: 1rem; } .figures figure { margin: 0; flex: 1 1 22rem; }
pre { background: #f6f6f6; padding: .5rem; overflow-x: auto; font-size: .85rem; }
.pair { display: flex; flex-wrap: wrap; gap: .5rem; } .pair > div { flex: 1 1 20rem; min-width: 0; }
.note { color: #555; }
"""


def _e(text: object) -> str:
    return html.escape(str(text))


def _table(header: tuple[str, ...], rows: list[tuple[object, ...]], numeric: tuple[int, ...] = ()) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td{' class=n' if i in numeric else ''}>{cell}</td>" for i, cell in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f'<div class="scroll"><table><tr>{head}</tr>{body}</table></div>'


def _png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    return buffer.getvalue()


def _score_figure(rows: list[GradeRow]) -> bytes:
    """Histogram of the graded submissions' scores out of the maximum."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    graded = [r for r in rows if r.status == "graded"]
    top = max((r.max_score for r in rows), default=1.0) or 1.0
    fig = Figure(figsize=(5.5, 3.4), layout="constrained")
    ax = fig.add_subplot()
    ax.hist([r.score for r in graded], bins=min(20, max(5, int(top))), range=(0, top), color="#4477aa")
    ax.set_xlabel(f"score (out of {top:g})")
    ax.set_ylabel("submissions")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    pending = sum(1 for r in graded if r.manual_pending)
    title = "Scores"
    if pending:
        title += f" (written answers still to grade in {pending}: they count 0 so far)"
    ax.set_title(title, fontsize=9 if pending else 11)
    return _png(fig)


def _pass_figure(passed: Mapping[str, tuple[int, int]]) -> bytes:
    """Horizontal bars: the fraction of graded students who passed each autograded exercise."""
    from matplotlib.figure import Figure

    names = list(passed)
    rates = [good / total if total else 0.0 for good, total in passed.values()]
    fig = Figure(figsize=(5.5, max(2.0, 0.32 * len(names) + 1.0)), layout="constrained")
    ax = fig.add_subplot()
    bars = ax.barh(range(len(names)), rates, color="#228833")
    ax.bar_label(bars, labels=[f"{good}/{total}" for good, total in passed.values()], padding=3, fontsize=8)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("fraction of students passing")
    ax.set_title("Autograded exercises (written answers are graded by hand)", fontsize=10)
    return _png(fig)


def _answer_cell(submitted: Path, student: str, assignment: str, exercise: str) -> str | None:
    """The source of ``exercise``'s answer cell in a student's submitted notebooks, if it is there."""
    for path in sorted((submitted / student / assignment).glob("*.ipynb")):
        nb = read_quietly(path)
        if nb is not None and exercise in (cells := answer_cells(nb)):
            return cells[exercise]
    return None


def _misconceptions(report: Report, assignment: str) -> dict[tuple[str, str], list[str]]:
    """(exercise, misconception title) -> the students it was diagnosed in, most common first."""
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for key, diagnoses in sorted(report.diagnoses.items()):
        student, _, a = key.rpartition("/")
        if a == assignment:
            for d in diagnoses:
                found[(d["exercise"], d["title"])].append(student)
    return dict(sorted(found.items(), key=lambda item: (-len(item[1]), item[0])))


def top_misconceptions(report: Report, limit: int = 5) -> list[str]:
    """The most common diagnosed misconceptions of the run, one line each, for the CLI summary."""
    counted = [
        (len(students), assignment, exercise, title)
        for assignment in sorted({r.assignment for r in report.rows})
        for (exercise, title), students in _misconceptions(report, assignment).items()
    ]
    counted.sort(key=lambda item: (-item[0], item[1:]))
    return [
        f"{assignment} {exercise}: {title} ({n} student{'s' if n != 1 else ''})"
        for n, assignment, exercise, title in counted[:limit]
    ]


def _section_misconceptions(report: Report, assignment: str, submitted: Path) -> tuple[str, str]:
    """The misconceptions table and the appendix of anonymised examples it links to."""
    found = _misconceptions(report, assignment)
    if not found:
        return "<p>No test diagnosed a known misconception.</p>", ""
    rows: list[tuple[object, ...]] = []
    examples: list[str] = []
    for n, ((exercise, title), students) in enumerate(found.items(), start=1):
        source = _answer_cell(submitted, students[0], assignment, exercise)
        link = ""
        if source is not None:
            link = f'<a href="#example-{n}">example {n}</a>'
            examples.append(
                f'<h3 id="example-{n}">Example {n}: {_e(exercise)}, {_e(title)}</h3>'
                f"<pre><code>{_e(source)}</code></pre>"
            )
        rows.append((f"<code>{_e(exercise)}</code>", _e(title), len(students), link))
    table = _table(("exercise", "misconception", "students", "anonymised example"), rows, numeric=(2,))
    table = f'<div id="misconceptions">{table}</div>'
    return table, "<h2>Examples</h2>" + "".join(examples) if examples else ""


def _section_problems(report: Report, rows: list[GradeRow], assignment: str) -> str:
    """Submissions that could not be graded or were flagged, with the reasons."""
    out: list[tuple[object, ...]] = [
        (_e(r.student), "not graded", _e(r.status.removeprefix("failed: "))) for r in rows if r.status != "graded"
    ]
    for key, flags in sorted(report.flags.items()):
        student, _, a = key.rpartition("/")
        if a == assignment:
            out += [(_e(student), "flagged: " + _e(f["exercise"]), _e(f"{f['reason']} ({f['action']})")) for f in flags]
    if not out:
        return "<p>Every submission was graded, and none was flagged.</p>"
    return _table(("student", "what", "why"), out)


def _side_by_side(heading: str, left: tuple[str, str], right: tuple[str, str]) -> str:
    """A heading, then two labelled code blocks side by side (one above the other on a phone)."""
    halves = "".join(
        f'<div><p class="note">{_e(label)}</p><pre><code>{_e(source)}</code></pre></div>'
        for label, source in (left, right)
    )
    return f'<h3>{heading}</h3><div class="pair">{halves}</div>'


def _section_similarity(findings: SimilarityFindings | None) -> str:
    """Near-copies of the reference and unusually similar pairs, side by side."""
    if findings is None:
        return ""
    blocks = [
        _side_by_side(
            f"{_e(c.student)}: <code>{_e(c.exercise)}</code> is a near-copy of the reference "
            f"(similarity {c.score:.2f})",
            ("the answer", c.source),
            ("the coursekit reference", c.reference_source),
        )
        for c in findings.reference_copies
    ]
    blocks += [
        _side_by_side(
            f"{_e(p.student_a)} and {_e(p.student_b)}: <code>{_e(p.exercise)}</code> (similarity {p.score:.2f})",
            (p.student_a, p.source_a),
            (p.student_b, p.source_b),
        )
        for p in findings.pairs
    ]
    intro = (
        '<p class="note">Flags for review: they change no score. Similar code can be honest (a short '
        "exercise has few good answers); read the two side by side.</p>"
    )
    return "<h2>Copies</h2>" + intro + ("".join(blocks) or "<p>No answer cell is unusually similar.</p>")


def _section_timing(report: Report, assignment: str) -> str:
    times = {key.rpartition("/")[0]: t for key, t in report.timings.items() if key.endswith("/" + assignment)}
    if not times:
        return "<p>No timings recorded.</p>"
    slow = sorted(times.items(), key=lambda item: -float(item[1].get("seconds", 0)))[:_SLOWEST]
    cells = sorted(
        ((float(s), str(c), student) for student, t in times.items() for c, s in t.get("cells", [])),
        reverse=True,
    )[:_SLOWEST]
    return (
        "<h3>Slowest submissions</h3>"
        + _table(("student", "seconds"), [(_e(s), f"{float(t['seconds']):.1f}") for s, t in slow], numeric=(1,))
        + "<h3>Slowest cells</h3>"
        + _table(("cell", "student", "seconds"), [(_e(c), _e(s), f"{t:.1f}") for t, c, s in cells], numeric=(2,))
    )


def render_report(
    report: Report,
    assignment: str,
    submitted: Path,
    figures: Mapping[str, bytes],
    similarity: SimilarityFindings | None = None,
) -> str:
    """The HTML page of one assignment (see the module docstring); ``figures`` are PNG bytes by file name."""
    rows = [r for r in report.rows if r.assignment == assignment]
    graded = [r for r in rows if r.status == "graded"]
    pending = sum(1 for r in graded if r.manual_pending)
    images = "".join(
        f'<figure><img alt="{_e(name)}" src="data:image/png;base64,{base64.b64encode(png).decode()}"></figure>'
        for name, png in figures.items()
    )
    table, examples = _section_misconceptions(report, assignment, submitted)
    counts = f"{len(rows)} submissions, {len(graded)} graded"
    if pending:
        counts += f"; written answers still to grade in {pending}"
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Class report: {_e(assignment)}</title><style>{_CSS}</style></head><body>"
        f"<h1>Class report: {_e(assignment)}</h1><p>{_e(counts)}.</p>"
        f'<h2>Scores</h2><div class="figures">{images}</div>'
        f"<h2>What students got wrong</h2>{table}"
        f"<h2>Not graded or flagged</h2>{_section_problems(report, rows, assignment)}"
        f"{_section_similarity(similarity)}"
        f"<h2>Timing</h2>{_section_timing(report, assignment)}"
        f"{examples}</body></html>"
    )


def write_class_reports(
    workspace: Path, report: Report, similarity: Mapping[str, SimilarityFindings] | None = None
) -> list[Path]:
    """Write ``reports/<assignment>/report.html`` and its PNG figures for every assignment with submissions.

    Parameters
    ----------
    workspace : Path
        The grading workspace (``submitted/`` is read for the anonymised examples).
    report : Report
        The grading run's report.
    similarity : mapping, optional
        assignment -> the similarity findings of its class.

    Returns
    -------
    list of Path
        The report pages written.
    """
    written = []
    for assignment in sorted({r.assignment for r in report.rows}):
        rows = [r for r in report.rows if r.assignment == assignment]
        folder = workspace / "reports" / assignment
        folder.mkdir(parents=True, exist_ok=True)
        figures = {"scores.png": _score_figure(rows)}
        if report.passed.get(assignment):
            figures["exercises.png"] = _pass_figure(report.passed[assignment])
        for name, png in figures.items():
            (folder / name).write_bytes(png)
        page = render_report(report, assignment, workspace / "submitted", figures, (similarity or {}).get(assignment))
        (folder / "report.html").write_text(page, encoding="utf-8")
        written.append(folder / "report.html")
    return written
