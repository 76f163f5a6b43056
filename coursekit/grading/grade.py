"""``coursekit grade``: autograde a class in parallel and in a sandbox, with nbgrader at heart.

A grading run takes every submission in the workspace (:mod:`coursekit.grading.workspace`) that is
new or changed since it was graded (or every one, with ``force``) through these steps, each a
function below that returns what it found:

1. **collect** (:func:`collect`): an LMS download or the example class into ``submitted/``;
   submissions in the wrong place are reported;
2. **stage** (:func:`coursekit.grading.collect.stage`): repair what can be repaired, report what
   cannot;
3. **sanitize** with nbgrader's autograde converter against a scratch gradebook (restores locked
   and deleted cells, clears outputs);
4. **scan** (:func:`coursekit.grading.integrity.scan`) for tampering;
5. **execute** on a worker, sandboxed (:mod:`coursekit.grading.executors`): local threads that drive
   sandboxed processes, or a Dask cluster;
6. **record** with nbgrader's autograde converter against the real gradebook, handing it the
   executed notebook from the workspace; zero the exercises the scan flagged;
7. **feedback** with nbgrader's feedback converter (no hidden tests), and only then the completion
   record;
8. **export** grades.csv and integrity.json (:mod:`coursekit.grading.export`).

Steps 2-4 and 6-7 run in this process one submission at a time (they are quick); step 5 runs in
parallel, while the next submissions are being prepared. A run killed at any point leaves no
completion record for the submission it was on, so the next run grades that one again and nothing
else: the gradebook ends up the same.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from coursekit.grading import gradebook
from coursekit.grading.class_report import write_class_reports
from coursekit.grading.collect import DEFAULT_ZIP_REGEXP, digest, misplaced, stage, unpack_zip
from coursekit.grading.course import Course, CourseError
from coursekit.grading.examples import example_class, write_submission
from coursekit.grading.executors import Executor, payload
from coursekit.grading.export import grade_rows, write_csv
from coursekit.grading.integrity import Flag, scan
from coursekit.grading.nbgrader_glue import Nbgrader, run_step, scratch_url
from coursekit.grading.nbgrader_patches import quicker_nbgrader
from coursekit.grading.sandbox import Limits, memory_limit_here, sandbox_problem
from coursekit.grading.similarity import review_class, write_similarity
from coursekit.grading.summary import (
    Report,
    cells_of,
    diagnoses_of,
    failing_tests,
    format_summary,
    format_table,
    timing_of,
)
from coursekit.grading.workspace import Workspace

__all__ = ["Report", "Submission", "grade", "format_table", "format_summary"]


@dataclass
class Submission:
    """One student's submission of one assignment, as it goes through a grading run."""

    student: str
    assignment: str
    digest: str = ""
    status: str = "graded"  # or "failed: <why>"
    notes: list[str] = field(default_factory=list)  # what staging repaired
    found: list[Flag] = field(default_factory=list)  # what the integrity scan found
    flags: list[dict[str, str]] = field(default_factory=list)  # the flags as applied
    failing: list[str] = field(default_factory=list)  # "test_x: why" of every failing test cell
    diagnoses: list[dict[str, str]] = field(default_factory=list)  # the misconceptions its tests named
    timing: dict[str, Any] = field(default_factory=dict)  # how long it ran (summary.timing_of)
    sanitized: dict[str, str] = field(default_factory=dict)  # notebook name -> sanitized JSON text
    executed: dict[str, str] = field(default_factory=dict)  # notebook name -> executed JSON text
    graded_now: bool = False

    @property
    def key(self) -> str:
        return f"{self.student}/{self.assignment}"

    def fail(self, why: str) -> None:
        self.status = f"failed: {why}"

    @property
    def ready(self) -> bool:
        """Every notebook executed, or the execution failed."""
        return self.status != "graded" or len(self.executed) == len(self.sanitized)

    def record(self) -> dict[str, Any]:
        """The completion record (see :class:`coursekit.grading.workspace.Workspace`)."""
        record = {"digest": self.digest, "status": self.status, "notes": self.notes, "flags": self.flags}
        graded = {"failing": self.failing, "diagnoses": self.diagnoses, "timing": self.timing}
        return record | (graded if self.status == "graded" else {})

    def remember(self, record: dict[str, Any]) -> None:
        """Take the results of an earlier run from its completion record."""
        self.status, self.notes = str(record.get("status", "graded")), list(record.get("notes", []))
        self.flags, self.failing = list(record.get("flags", [])), list(record.get("failing", []))
        self.diagnoses, self.timing = list(record.get("diagnoses", [])), dict(record.get("timing", {}))


def grade(
    course: Course,
    workspace: Path,
    assignments: list[str] | None = None,
    *,
    example: bool = False,
    force: bool = False,
    jobs: int | None = None,
    scheduler: str | None = None,
    sandbox: bool = True,
    limits: Limits | None = None,
    zip_file: Path | None = None,
    zip_regexp: str | None = None,
    say: Callable[[str], None] = print,
    show_progress: bool = False,
    warm_start: bool = True,
) -> Report:
    """Autograde every new or changed submission in ``workspace``; write feedback and reports.

    Parameters
    ----------
    course : Course
        The course checkout.
    workspace : Path
        The grading workspace (see :mod:`coursekit.grading.workspace`).
    assignments : list of str, optional
        Only these (default: every assignment of the course).
    example : bool
        First write the example class (reference, untouched and partial submissions).
    force : bool
        Grade every submission again, changed or not.
    jobs : int, optional
        Submissions executed at once (default: the number of cores).
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:port``) to execute on instead.
    sandbox : bool
        Execute student code in the sandbox; without it, it runs with your privileges.
    limits : Limits, optional
        Time and memory limits of one submission.
    zip_file : Path, optional
        An LMS download to unpack into ``submitted/`` first (needs exactly one assignment).
    zip_regexp : str, optional
        How its file names name the student (nbgrader's ``FileNameCollectorPlugin.named_regexp``).
    say : callable
        Where one-line messages go.
    show_progress : bool
        Show a progress bar on stderr.
    warm_start : bool
        Fork each submission's runner and kernel from a process that imported their libraries
        once (sandboxed, local and as root only; otherwise each starts from scratch).
    """
    ws = Workspace(workspace)
    names = course.assignments(assignments)
    limits = limits or Limits()
    if sandbox and not scheduler and (problem := sandbox_problem()):
        raise CourseError(
            f"no sandbox can be made here: {problem}. Pass --no-sandbox to grade without one "
            "(student code then runs with your privileges)."
        )
    with quicker_nbgrader(throwaway=(scratch_url(ws),)):
        nbg = Nbgrader(course, ws, names, say)
        collect(course, ws, names, nbg.cfg, zip_file, zip_regexp, example, say)
        submissions = [Submission(s, a) for a in names for s in ws.students(a)]
        todo = [sub for sub in submissions if not _unchanged(ws, sub, force)]
        preload = tuple(sorted({m for a in names for m in course.references(a)}))
        with Executor(jobs or os.cpu_count() or 1, scheduler, warm=warm_start and sandbox, preload=preload) as pool:
            _say_limits(pool, scheduler, limits, say)
            _grade_all(course, ws, nbg, pool, todo, limits, sandbox, show_progress, say)
        report = export(ws, nbg.db_url, names, submissions)
    write_reviews(course, ws, names, report, say)
    return report


def write_reviews(course: Course, ws: Workspace, names: list[str], report: Report, say: Callable[[str], None]) -> None:
    """The copy check (similarity.json) and the class reports, after every grade is saved: whatever
    goes wrong here is said in one line and loses nothing."""
    try:
        similarity = {a: review_class(course, ws.submitted, a) for a in names if ws.students(a)}
        write_similarity(ws.root / "similarity.json", similarity)
        report.similar = {a: len(f.reference_copies) + len(f.pairs) for a, f in similarity.items()}
    except Exception as exc:  # noqa: BLE001 - a report must never cost the grades already saved
        say(f"copy check not done: {_short(exc)}")
        similarity = {}
    try:
        write_class_reports(ws.root, report, similarity)
    except Exception as exc:  # noqa: BLE001 - as above
        say(f"class reports not written: {_short(exc)}")


def collect(
    course: Course,
    ws: Workspace,
    names: list[str],
    cfg: Any,
    zip_file: Path | None,
    zip_regexp: str | None,
    example: bool,
    say: Callable[[str], None],
) -> None:
    """Put an LMS download and the example class into ``submitted/``; report misplaced submissions."""
    if zip_file is not None:
        if len(names) != 1:
            raise CourseError("--zip needs exactly one assignment name")
        plugin = cfg.get("FileNameCollectorPlugin", {}) or cfg.get("FileNameCollector", {})
        regexp = zip_regexp or plugin.get("named_regexp") or DEFAULT_ZIP_REGEXP
        notebooks = course.notebook_names(names[0])
        found, skipped = unpack_zip(Path(zip_file), ws.submitted, names[0], notebooks, regexp)
        say(f"{names[0]}: unpacked {len(found)} submission(s) from {Path(zip_file).name}")
        for note in skipped:
            say(f"{names[0]}: {Path(zip_file).name}: {note}")
    if example:
        for assignment in names:
            for student, books in example_class(course, assignment).items():
                for name, nb in books.items():
                    write_submission(ws.submitted, student, assignment, nb, notebook=name)
    for line in misplaced(ws.submitted, course.assignments()):
        say(line)


def _unchanged(ws: Workspace, sub: Submission, force: bool) -> bool:
    """Whether ``sub`` was graded before as it is now (then its record's results are taken)."""
    sub.digest = digest(ws.submitted / sub.student / sub.assignment)
    record = ws.record(sub.student, sub.assignment)
    if force or not record or record.get("digest") != sub.digest:
        return False
    sub.remember(record)
    return True


def _say_limits(pool: Executor, scheduler: str | None, limits: Limits, say: Callable[[str], None]) -> None:
    if pool.warm_problem and os.geteuid() == 0:
        say(f"warm starts are off ({pool.warm_problem}): each submission starts from scratch")
    if not scheduler and memory_limit_here()[0] is None:
        say(
            f"memory: no limit for a whole submission here ({memory_limit_here()[1]}); each process may use "
            f"{limits.memory_mb} MiB (--memory-mb), up to {limits.max_processes} processes"
        )


def _grade_all(
    course: Course,
    ws: Workspace,
    nbg: Nbgrader,
    pool: Executor,
    todo: list[Submission],
    limits: Limits,
    sandbox: bool,
    show_progress: bool,
    say: Callable[[str], None],
) -> None:
    """Prepare each submission and send it off at once, then record each as its notebooks come back."""
    released = {
        a: {n: nbformat.read(ws.root / "release" / a / f"{n}.ipynb", as_version=4) for n in course.notebook_names(a)}
        for a in {sub.assignment for sub in todo}
    }
    overrides = ws.overrides()
    pending: dict[Any, tuple[Submission, str]] = {}
    sent = []
    for sub in todo:
        references = course.references(sub.assignment)
        if not prepare(ws, nbg.sanitizer, sub, released[sub.assignment], references, limits, say):
            continue
        sent.append(sub)
        for name, text in sub.sanitized.items():
            cached = ws.cached_execution(sub.student, sub.assignment, name, text)
            if cached is not None:
                sub.executed[name] = cached
                continue
            folder = ws.staging / sub.student / sub.assignment
            pending[pool.submit(payload(text, name, folder, limits, sandbox))] = (sub, name)
    bar = _progress(len(sent), show_progress)
    for sub in sent:
        if sub.ready:  # every notebook came from the cache
            record(ws, nbg.recorder, sub, overrides, say)
            bar.update(1)
    for future in pool.as_completed(list(pending)):
        sub, name = pending[future]
        try:
            result = future.result()
        except Exception as exc:  # noqa: BLE001 - a worker crash fails one submission, not the run
            result = {"error": f"the grading worker failed ({type(exc).__name__}: {exc})"}
        if "error" in result and sub.status == "graded":
            sub.fail(result["error"])
        elif "error" not in result:
            ws.cache_execution(sub.student, sub.assignment, name, sub.sanitized[name], result["notebook"])
            sub.executed[name] = result["notebook"]
        if sub.ready and not sub.graded_now:
            record(ws, nbg.recorder, sub, overrides, say)
            bar.update(1)
    bar.close()


def prepare(
    ws: Workspace,
    sanitizer: Any,
    sub: Submission,
    released: dict[str, Any],
    references: tuple[str, ...],
    limits: Limits,
    say: Callable[[str], None],
) -> bool:
    """Stage, sanitize and scan one submission; False (and ``sub`` failed) when there is nothing to execute."""
    staged = stage(ws.submitted, ws.staging, sub.student, sub.assignment, list(released), limits.max_notebook_mb)
    sub.notes = staged.notes
    if staged.problem:
        sub.fail(staged.problem)
        say(f"{sub.assignment}: {sub.student}: {staged.problem}")
        ws.write_record(sub.student, sub.assignment, sub.record())
        return False
    for note in staged.notes:  # what staging repaired, one line each (the record keeps them too)
        say(f"{sub.assignment}: {sub.student}: {note}")
    try:
        run_step(sanitizer, "autograde", sub.assignment, sub.student, force=True, create=True)
    except CourseError as exc:
        sub.fail(_short(exc))  # no record: nbgrader could not read it, so the next run tries again
        say(f"{sub.assignment}: {sub.student}: could not be prepared: {_short(exc)}")
        return False
    for name in released:
        sub.sanitized[name] = ws.sanitized_notebook(sub.student, sub.assignment, name).read_text(encoding="utf-8")
        # the exercises come from the released notebook itself, so an instructor's own assignment is scanned too
        sub.found += scan(staged.notebooks[name], released[name], references)
    return True


def record(
    ws: Workspace, recorder: Any, sub: Submission, overrides: set[tuple[str, str, str]], say: Callable[[str], None]
) -> None:
    """Record one executed submission in the gradebook, apply its flags, write feedback, then its record."""
    sub.graded_now = True
    s, a = sub.student, sub.assignment
    if sub.status != "graded":
        say(f"{a}: {s}: {sub.status.removeprefix('failed: ')}")
        ws.write_record(s, a, sub.record())
        return
    try:
        run_step(recorder, "autograde", a, s, force=True, create=True)
        sub.flags = gradebook.apply_flags(recorder.coursedir.db_url, s, a, sub.found, overrides)
        run_step(recorder, "generate_feedback", a, s, force=True)
    except CourseError as exc:
        sub.fail(_short(exc))  # no record: the next run tries again
        say(f"{a}: {s}: could not be recorded: {_short(exc)}")
        return
    cells = cells_of(sub.executed)
    sub.failing, sub.diagnoses, sub.timing = failing_tests(cells), diagnoses_of(cells), timing_of(cells)
    for flag in sub.flags:
        say(f"{a}: {s}: {flag['exercise']} flagged for review: {flag['reason']}")
    ws.write_record(s, a, sub.record())


def export(ws: Workspace, db_url: str, names: list[str], submissions: list[Submission]) -> Report:
    """Write grades.csv (every student and assignment the workspace ever graded) and integrity.json
    (the flags of this run's assignments); return the report of this run's assignments."""
    failures = {(sub.student, sub.assignment): sub.status for sub in submissions if sub.status != "graded"}
    every = grade_rows(db_url, ws.done, failures)
    write_csv(every, ws.root / "grades.csv")
    report = Report(rows=[r for r in every if r.assignment in names], passed=gradebook.passed(db_url, names))
    report.graded_now = sum(sub.graded_now and sub.status == "graded" for sub in submissions)
    for sub in submissions:
        found_in = (
            (sub.flags, report.flags),
            (sub.notes, report.notes),
            (sub.failing, report.failing),
            (sub.diagnoses, report.diagnoses),
            (sub.timing, report.timings),
        )
        for found, attr in found_in:
            if found:
                attr[sub.key] = found  # type: ignore[assignment]
    (ws.root / "integrity.json").write_text(json.dumps(report.flags, indent=1, sort_keys=True), encoding="utf-8")
    return report


def _short(exc: Exception) -> str:
    return str(exc).strip().splitlines()[-1][:300] if str(exc).strip() else type(exc).__name__


def _progress(total: int, show: bool) -> Any:
    from tqdm.auto import tqdm

    return tqdm(
        total=total,
        desc="grading",
        unit="submission",
        disable=not show or total == 0,
        file=sys.stderr,
        dynamic_ncols=True,
    )
