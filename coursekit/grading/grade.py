"""``coursekit grade``: autograde a class in parallel and in a sandbox, with nbgrader at heart.

The grading workspace (``grading/`` by default) follows nbgrader's layout::

    <workspace>/submitted/<student>/<assignment>/<assignment>.ipynb   (input, never modified)
    <workspace>/autograded/  <workspace>/feedback/  <workspace>/gradebook.db   (nbgrader's)
    <workspace>/grades.csv   <workspace>/integrity.json                        (reports)
    <workspace>/.coursekit/  staging copies, executed notebooks, completion records

For each submission that is new or changed since it was graded (or every one with
``force``):

1. **stage** it (:mod:`coursekit.grading.collect`): repair what can be repaired, report
   what cannot;
2. **sanitize** it with nbgrader's autograde converter against a scratch gradebook
   (restores locked and deleted cells, clears outputs);
3. **scan** it (:mod:`coursekit.grading.integrity`);
4. **execute** it on a worker, sandboxed (:mod:`coursekit.grading.sandbox`): threads that
   drive sandboxed processes here, or a Dask cluster;
5. **record** it with nbgrader's autograde converter against the real gradebook, handing it
   the executed notebook; zero the exercises the scan flagged; write feedback without hidden
   tests; and only then write the completion record.

Steps 1-3 and 5 run in this process one submission at a time (they are quick); step 4 runs
in parallel. A run killed at any point leaves no completion record for the submission it
was on, so the next run grades that one again and nothing else: the gradebook ends up the
same.
"""

from __future__ import annotations

import concurrent.futures
import csv
import json
import os
import shutil
import statistics
import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from coursekit.grading import preprocessors
from coursekit.grading.collect import Staged, digest, misplaced, stage, unpack_zip
from coursekit.grading.course import EXERCISES, Course, CourseError
from coursekit.grading.export import GradeRow, grade_rows, write_csv
from coursekit.grading.integrity import Flag, exercises_of, scan
from coursekit.grading.nbgrader_glue import load_config, nbgrader_api, quicker_nbgrader, run_step, sqlite_path
from coursekit.grading.sandbox import Limits, WarmStarts, execute_submission, memory_limit_here, sandbox_problem
from coursekit.grading.submissions import example_class, write_submission

__all__ = ["GradeRow", "Report", "grade", "format_table", "format_summary"]


@dataclass
class Report:
    """What a grading run found."""

    rows: list[GradeRow]
    flags: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # "student/assignment" -> flags
    notes: dict[str, list[str]] = field(default_factory=dict)
    passed: dict[str, dict[str, int]] = field(default_factory=dict)  # assignment -> exercise -> students passing
    failing: dict[str, list[str]] = field(default_factory=dict)  # "student/assignment" -> "test_x: Error: why"
    graded_now: int = 0


# --- bookkeeping ------------------------------------------------------------------------------------


class _State:
    """The workspace's private folder: staging copies, executed notebooks, completion records."""

    def __init__(self, workspace: Path):
        self.root = workspace / ".coursekit"
        self.staging = self.root / "staging"
        self.sanitized = self.root / "sanitized"
        self.executed = self.root / "executed"
        self.done = self.root / "done"
        self.scratch_db = self.root / "scratch.db"  # a copy of the gradebook to sanitize against
        for p in (self.staging, self.sanitized, self.executed, self.done):
            p.mkdir(parents=True, exist_ok=True)

    def record_path(self, student: str, assignment: str) -> Path:
        return self.done / assignment / f"{student}.json"

    def record(self, student: str, assignment: str) -> dict[str, Any] | None:
        path = self.record_path(student, assignment)
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return None

    def write_record(self, student: str, assignment: str, record: dict[str, Any]) -> None:
        path = self.record_path(student, assignment)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_text(json.dumps(record, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)

    def cached_execution(self, student: str, assignment: str, name: str, sanitized: str) -> str | None:
        folder = self.executed / assignment / student
        key = folder / f"{name}.input"
        out = folder / f"{name}.ipynb"
        if key.is_file() and out.is_file() and key.read_text(encoding="utf-8") == sanitized:
            return out.read_text(encoding="utf-8")
        return None

    def cache_execution(self, student: str, assignment: str, name: str, sanitized: str, executed: str) -> None:
        folder = self.executed / assignment / student
        folder.mkdir(parents=True, exist_ok=True)
        for fname, text in ((f"{name}.ipynb", executed), (f"{name}.input", sanitized)):
            tmp = folder / (fname + ".part")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, folder / fname)


def _students(submitted: Path, assignment: str) -> list[str]:
    if not submitted.is_dir():
        return []
    return sorted(p.name for p in submitted.iterdir() if (p / assignment).is_dir() and not p.name.startswith("."))


def _overrides(workspace: Path) -> set[tuple[str, str, str]]:
    """(student, assignment, exercise) triples an instructor cleared in ``integrity_overrides.csv``."""
    path = workspace / "integrity_overrides.csv"
    if not path.is_file():
        return set()
    with path.open(newline="", encoding="utf-8") as fh:
        return {(r["student"], r["assignment"], r["exercise"]) for r in csv.DictReader(fh)}


# --- executors --------------------------------------------------------------------------------------


class _Executor:
    """Runs :func:`execute_submission` on local threads (each drives a sandboxed process) or on Dask.

    Locally and sandboxed, the processes are forked from a warm-start server when one can be
    started (see :mod:`coursekit.grading.warm`); ``warm_problem`` says why not otherwise.
    """

    def __init__(self, jobs: int, scheduler: str | None, warm: bool = False):
        self.client = None
        self.warm: WarmStarts | None = None
        self.warm_problem = ""
        if warm and not scheduler:
            try:
                self.warm = WarmStarts()
            except (OSError, RuntimeError) as exc:
                self.warm_problem = str(exc)
        if scheduler:
            try:
                from distributed import Client
            except ImportError:
                raise CourseError("--scheduler needs Dask: pip install 'distributed'") from None
            try:
                self.client = Client(scheduler, timeout=30)
            except OSError as exc:
                raise CourseError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        else:
            self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=jobs)

    def submit(self, payload: dict[str, Any]) -> Any:
        if self.client is not None:
            return self.client.submit(execute_submission, payload, pure=False)
        return self.pool.submit(execute_submission, payload, self.warm)

    def as_completed(self, futures: list[Any]) -> Iterator[Any]:
        if self.client is not None:
            from distributed import as_completed

            return iter(as_completed(futures))
        return concurrent.futures.as_completed(futures)

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
        else:
            self.pool.shutdown(wait=True, cancel_futures=True)
        if self.warm is not None:
            self.warm.close()


# --- the run ----------------------------------------------------------------------------------------


@dataclass
class _Task:
    student: str
    assignment: str
    staged: Staged
    flags: list[Flag]
    sanitized: dict[str, str]  # notebook name -> sanitized JSON text
    executed: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    finished: bool = False

    @property
    def ready(self) -> bool:
        """Every notebook executed, or the execution failed."""
        return bool(self.error) or len(self.executed) == len(self.sanitized)


def _notebook_names(course: Course, assignment: str) -> list[str]:
    return sorted(p.stem for p in (course.solutions / assignment).glob("*.ipynb"))


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
        The grading workspace (see the module docstring).
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
    workspace = Path(workspace).resolve()
    names = course.assignments(assignments)
    limits = limits or Limits()
    if sandbox and not scheduler and (problem := sandbox_problem()):
        raise CourseError(
            f"no sandbox can be made here: {problem}. Pass --no-sandbox to grade without one "
            "(student code then runs with your privileges)."
        )
    state = _State(workspace)
    scratch_url = "sqlite:///" + str(state.scratch_db)
    with quicker_nbgrader(throwaway=(scratch_url,)):
        submitted = workspace / "submitted"

        cfg = load_config(course, workspace=workspace, release_dir=workspace / "release")
        cfg.CourseDirectory.submitted_directory = str(state.staging)
        # The executed notebook was sanitized before it was executed: recording takes it as it is.
        cfg.Autograde.sanitize_preprocessors = []
        cfg.Autograde.autograde_preprocessors = [
            "coursekit.grading.preprocessors.UseExecuted",
            *preprocessors.AUTOGRADE_AFTER_EXECUTION,
        ]
        # nbgrader's feedback exporter with its templates, Markdown and highlighting cached across students
        cfg.GenerateFeedback.exporter_class = "coursekit.grading.feedback.FeedbackExporter"
        gradebook = sqlite_path(str(cfg.CourseDirectory.db_url))
        if gradebook != (workspace / "gradebook.db").resolve():
            say(f"gradebook: {gradebook} (db_url of nbgrader_config.py)")
        api = nbgrader_api(cfg)
        for assignment in names:
            run_step(api, "generate_assignment", assignment, force=True, create=True)
        shutil.copyfile(gradebook, state.scratch_db)
        scfg = load_config(course, workspace=workspace, release_dir=workspace / "release")
        scfg.CourseDirectory.submitted_directory = str(state.staging)
        scfg.CourseDirectory.autograded_directory = str(state.sanitized)
        scfg.CourseDirectory.db_url = scratch_url
        scfg.Autograde.autograde_preprocessors = []
        sanitizer = nbgrader_api(scfg)

        if zip_file is not None:
            if len(names) != 1:
                raise CourseError("--zip needs exactly one assignment name")
            plugin = cfg.get("FileNameCollectorPlugin", {}) or cfg.get("FileNameCollector", {})
            regexp = zip_regexp or plugin.get("named_regexp") or None
            from coursekit.grading.collect import DEFAULT_ZIP_REGEXP

            found, skipped = unpack_zip(
                Path(zip_file), submitted, names[0], _notebook_names(course, names[0]), regexp or DEFAULT_ZIP_REGEXP
            )
            say(f"{names[0]}: unpacked {len(found)} submission(s) from {Path(zip_file).name}")
            for note in skipped:
                say(f"{names[0]}: {Path(zip_file).name}: {note}")
        if example:
            for assignment in names:
                for student, nb in example_class(course, assignment).items():
                    write_submission(submitted, student, assignment, nb)

        overrides = _overrides(workspace)
        report = Report(rows=[])
        failures: dict[tuple[str, str], str] = {}
        tasks: list[_Task] = []
        executor = _Executor(jobs or os.cpu_count() or 1, scheduler, warm=warm_start and sandbox)
        if executor.warm_problem and os.geteuid() == 0:
            say(f"warm starts are off ({executor.warm_problem}): each submission starts from scratch")
        if not scheduler and memory_limit_here()[0] is None:
            say(
                f"memory: no limit for a whole submission here ({memory_limit_here()[1]}); each process may use "
                f"{limits.memory_mb} MiB (--memory-mb), up to {limits.max_processes} processes"
            )
        try:
            pending: dict[Any, tuple[_Task, str]] = {}

            def start(task: _Task) -> None:
                """Send the task's notebooks to the workers (those not executed before)."""
                folder = state.staging / task.student / task.assignment
                for name, text in task.sanitized.items():
                    cached = state.cached_execution(task.student, task.assignment, name, text)
                    if cached is not None:
                        task.executed[name] = cached
                        continue
                    files = {
                        str(p.relative_to(folder)): p.read_bytes()
                        for p in folder.rglob("*")
                        if p.is_file() and p.suffix != ".ipynb"
                    }
                    payload = {
                        "notebook": text,
                        "name": f"{name}.ipynb",
                        "files": files,
                        "limits": asdict(limits),
                        "sandbox": sandbox,
                    }
                    pending[executor.submit(payload)] = (task, name)

            for line in misplaced(submitted, course.assignments()):
                say(line)
            # Each submission is staged, sanitized and scanned here, then sent off at once: the
            # workers execute while the next one is being prepared.
            for assignment in names:
                released = {
                    n: nbformat.read(workspace / "release" / assignment / f"{n}.ipynb", as_version=4)
                    for n in _notebook_names(course, assignment)
                }
                for student in _students(submitted, assignment):
                    task = _prepare(
                        state,
                        sanitizer,
                        submitted,
                        student,
                        assignment,
                        released,
                        force,
                        report,
                        failures,
                        say,
                        limits.max_notebook_mb,
                    )
                    if task is not None:
                        tasks.append(task)
                        start(task)
            bar = _progress(len(tasks), show_progress)

            def finish(task: _Task) -> None:
                _finish(api, state, task, overrides, report, failures, say)
                task.finished = True
                bar.update(1)

            for task in tasks:
                if task.ready:  # every notebook came from the cache
                    finish(task)
            for future in executor.as_completed(list(pending)):
                task, name = pending[future]
                try:
                    result = future.result()
                except Exception as exc:  # noqa: BLE001 - a worker crash fails one submission, not the run
                    result = {"error": f"the grading worker failed ({type(exc).__name__}: {exc})"}
                if "error" in result:
                    task.error = result["error"]
                else:
                    state.cache_execution(task.student, task.assignment, name, task.sanitized[name], result["notebook"])
                    task.executed[name] = result["notebook"]
                if task.ready and not task.finished:
                    finish(task)
            bar.close()
        finally:
            executor.close()

        # grades.csv: every student and assignment this workspace ever graded, with true maxima and reasons
        every = grade_rows(cfg.CourseDirectory.db_url, state.done, failures)
        report.rows = [r for r in every if r.assignment in names]
        report.passed = _passed(cfg.CourseDirectory.db_url, names)
        write_csv(every, workspace / "grades.csv")
        (workspace / "integrity.json").write_text(json.dumps(report.flags, indent=1, sort_keys=True), encoding="utf-8")
        return report


def _prepare(
    state: _State,
    sanitizer: Any,
    submitted: Path,
    student: str,
    assignment: str,
    released: dict[str, Any],
    force: bool,
    report: Report,
    failures: dict[tuple[str, str], str],
    say: Callable[[str], None],
    max_notebook_mb: float,
) -> _Task | None:
    """Stage, sanitize and scan one submission; None when there is nothing to execute."""
    fingerprint = digest(submitted / student / assignment)
    record = state.record(student, assignment)
    if record and record.get("digest") == fingerprint and not force:
        if record.get("status") != "graded":
            failures[(student, assignment)] = record["status"]
        _remember(report, student, assignment, record)
        return None
    staged = stage(submitted, state.staging, student, assignment, list(released), max_notebook_mb)
    if staged.problem:
        status = f"failed: {staged.problem}"
        failures[(student, assignment)] = status
        say(f"{assignment}: {student}: {staged.problem}")
        state.write_record(
            student, assignment, {"digest": fingerprint, "status": status, "notes": staged.notes, "flags": []}
        )
        return None
    for note in staged.notes:  # what staging repaired, one line each (the record keeps them too)
        say(f"{assignment}: {student}: {note}")
    try:
        run_step(sanitizer, "autograde", assignment, student, force=True, create=True)
    except CourseError as exc:
        failures[(student, assignment)] = f"failed: {_short(exc)}"
        say(f"{assignment}: {student}: could not be prepared: {_short(exc)}")
        return None
    sanitized = {
        n: (state.sanitized / student / assignment / f"{n}.ipynb").read_text(encoding="utf-8") for n in released
    }
    flags = []
    for n in sanitized:
        # the exercises come from the released notebook itself, so an instructor's own assignment is scanned too
        flags += scan(staged.notebooks[n], released[n], assignment, exercises_of(released[n]))
    return _Task(student, assignment, staged, flags, sanitized)


def _short(exc: Exception) -> str:
    return str(exc).strip().splitlines()[-1][:300] if str(exc).strip() else type(exc).__name__


def _remember(report: Report, student: str, assignment: str, record: dict[str, Any]) -> None:
    key = f"{student}/{assignment}"
    for attr, name in ((report.flags, "flags"), (report.notes, "notes"), (report.failing, "failing")):
        if record.get(name):
            attr[key] = record[name]


def _failing_tests(executed: dict[str, str]) -> list[str]:
    """One line per test cell that raised: ``test_x: ErrorName: first line of the message``."""
    out = []
    for text in executed.values():
        for cell in nbformat.reads(text, as_version=4).cells:
            gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            if gid.startswith("test_") and errors:
                error = errors[0]
                out.append(f"{gid}: {_why(error.get('ename') or '', error.get('evalue') or '')}")
    return out


def _why(ename: str, evalue: str) -> str:
    """A test cell's error as a short reason for the instructor (kernel deaths, timeouts and the usual slips named)."""
    message = evalue.strip().splitlines()
    first = message[0][:160] if message else ""
    if ename == "NotImplementedError":
        return "not done (the exercise still raises NotImplementedError)"
    if ename == "CellTimeoutError":
        return f"cell timed out ({first})" if first else "cell timed out"
    if ename == "DeadKernelError" and first.startswith("memory limit"):
        return first
    if ename == "DeadKernelError":
        return f"kernel died (os._exit or a crash): {first}" if first else "kernel died (os._exit or a crash)"
    if ename == "NameError":
        return f"NameError: {first} (cells run out of order, or a name misspelt?)"
    return f"{ename}: {first}".rstrip(": ")


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


def _finish(
    api: Any,
    state: _State,
    task: _Task,
    overrides: set[tuple[str, str, str]],
    report: Report,
    failures: dict[tuple[str, str], str],
    say: Callable[[str], None],
) -> None:
    """Record one executed submission in the gradebook, apply flags, write feedback and the record."""
    s, a = task.student, task.assignment
    fingerprint = task.staged.digest
    if task.error:
        status = f"failed: {task.error}"
        failures[(s, a)] = status
        say(f"{a}: {s}: {task.error}")
        state.write_record(s, a, {"digest": fingerprint, "status": status, "notes": task.staged.notes, "flags": []})
        return
    for name, text in task.executed.items():
        preprocessors.EXECUTED[(s, a, name)] = (
            nbformat.reads(task.sanitized[name], as_version=4),
            nbformat.reads(text, as_version=4),
        )
    try:
        run_step(api, "autograde", a, s, force=True, create=True)
        applied = _apply_flags(api.coursedir.db_url, s, a, task.flags, overrides)
        run_step(api, "generate_feedback", a, s, force=True)
    except CourseError as exc:
        failures[(s, a)] = f"failed: {_short(exc)}"
        say(f"{a}: {s}: could not be recorded: {_short(exc)}")
        return
    finally:
        for name in task.executed:
            preprocessors.EXECUTED.pop((s, a, name), None)
    failures.pop((s, a), None)
    record = {
        "digest": fingerprint,
        "status": "graded",
        "notes": task.staged.notes,
        "flags": applied,
        "failing": _failing_tests(task.executed),
    }
    _remember(report, s, a, record)
    for flag in applied:
        say(f"{a}: {s}: {flag['exercise']} flagged for review: {flag['reason']}")
    report.graded_now += 1
    state.write_record(s, a, record)


def _apply_flags(
    db_url: str, student: str, assignment: str, flags: list[Flag], overrides: set[tuple[str, str, str]]
) -> list[dict[str, str]]:
    """Zero the test cells of flagged exercises (unless overridden) and mark them for review."""
    from nbgrader.api import Gradebook, MissingEntry

    out = []
    with Gradebook(db_url) as gb:
        for flag in flags:
            cleared = (student, assignment, flag.exercise) in overrides
            out.append(
                {
                    "exercise": flag.exercise,
                    "reason": flag.reason,
                    "action": "overridden by the instructor" if cleared else "scored zero, needs review",
                }
            )
            if cleared:
                continue
            for nb in gb.find_submission(assignment, student).notebooks:
                try:
                    g = gb.find_grade(f"test_{flag.exercise}", nb.name, assignment, student)
                except MissingEntry:
                    continue
                g.manual_score = 0.0
                g.needs_manual_grade = True
        gb.db.commit()
    return out


def _grades(db_url: str, assignments: list[str]) -> Iterator[tuple[str, str, list[Any]]]:
    """(assignment, student, grades of every notebook) for each submission in the gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gb:
        students = sorted(s.id for s in gb.students)
        for assignment in assignments:
            for student in students:
                try:
                    sub = gb.find_submission(assignment, student)
                except MissingEntry:
                    continue
                yield assignment, student, [g for nb in sub.notebooks for g in nb.grades]


def _passed(db_url: str, assignments: list[str]) -> dict[str, dict[str, int]]:
    """assignment -> exercise -> number of students whose test cell got full points."""
    out = {a: {e: 0 for e in EXERCISES.get(a, ())} for a in assignments}
    for assignment, _, grades in _grades(db_url, assignments):
        for g in grades:
            if g.cell_type == "code" and g.name.startswith("test_") and g.max_score and g.score >= g.max_score:
                ex = g.name[len("test_") :]
                out[assignment][ex] = out[assignment].get(ex, 0) + 1
    return out


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
    """Per assignment: submissions, mean and median score, failures; per exercise: students passing."""
    parts = []
    lines: list[tuple[str, ...]] = [("assignment", "submissions", "mean", "median", "failed", "flagged")]
    for assignment in sorted({r.assignment for r in report.rows}):
        rows = [r for r in report.rows if r.assignment == assignment]
        scores = [r.score for r in rows]
        flagged = sum(1 for key in report.flags if key.endswith("/" + assignment))
        lines.append(
            (
                assignment,
                str(len(rows)),
                f"{statistics.fmean(scores):.2f}",
                f"{statistics.median(scores):g}",
                str(sum(r.status != "graded" for r in rows)),
                str(flagged),
            )
        )
    parts.append(_table(lines))
    for assignment, counts in sorted(report.passed.items()):
        n = sum(1 for r in report.rows if r.assignment == assignment)
        ex_lines: list[tuple[str, ...]] = [(f"{assignment}: exercise", "students passing")]
        ex_lines += [(ex, f"{c}/{n}") for ex, c in counts.items()]
        parts.append(_table(ex_lines))
    return "\n\n".join(parts)
