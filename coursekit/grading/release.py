"""``coursekit release``: solutions/<a>/<nb>.py -> executed solution notebook -> student notebook.

The jupytext script is the source of truth where there is one (the course's notebooks); a
notebook without one (an instructor's ``.ipynb``) is its own source and is used as it is. The
solution notebook is rebuilt from the script and executed only when its cells differ (or
``force`` is given), so a release with nothing changed rewrites nothing. The student notebook
is what ``nbgrader generate_assignment`` makes of the solution notebook, minus the jupytext
pairing (students should not get a paired script written next to their notebook).
"""

from __future__ import annotations

import copy
import json
import math
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat

from coursekit.grading import ONE_BLAS_THREAD
from coursekit.grading.course import Course, CourseError
from coursekit.grading.nbgrader_glue import load_config, nbgrader_api, run_step
from coursekit.grading.nbgrader_patches import quicker_nbgrader

__all__ = ["cells_signature", "execute_notebook", "release", "check_release", "generate_students"]

#: Cell metadata that execution or the editor changes and that says nothing about content.
_VOLATILE_CELL_METADATA = {
    "execution",
    "coursekit",  # the reference run's cell times (see record_reference_times): they vary with the machine
    "collapsed",
    "scrolled",
    "trusted",
    "ExecuteTime",
    "jp-MarkdownHeadingCollapsed",
}

#: Seconds one notebook may take to execute during a release.
EXECUTE_TIMEOUT = 300


def cells_signature(nb: Any) -> list[tuple[str, str, str]]:
    """Content of a notebook's cells, ignoring outputs and volatile metadata."""
    out = []
    for cell in nb.cells:
        meta = {k: v for k, v in cell.get("metadata", {}).items() if k not in _VOLATILE_CELL_METADATA}
        out.append((cell.cell_type, cell.source, json.dumps(meta, sort_keys=True)))
    return out


def read_source(course: Course, assignment: str, notebook: str | None = None) -> Any:
    """Read the jupytext script of a notebook of ``assignment`` as a notebook (no outputs)."""
    import jupytext

    path = course.source(assignment, notebook)
    if path.suffix != ".py":
        raise CourseError(f"{assignment}: no jupytext script for {path.relative_to(course.root)}")
    return jupytext.read(path)


def execute_notebook(
    nb: Any,
    cwd: Path,
    *,
    timeout: int = EXECUTE_TIMEOUT,
    name: str = "",
    allow_errors: bool = False,
    env: dict[str, str] | None = None,
    times: dict[int, float] | None = None,
) -> Any:
    """Execute ``nb`` in a fresh kernel in ``cwd``; raise if a cell writes to stderr, or errors
    (unless ``allow_errors``: then every cell runs and errors stay in the outputs).

    ``env`` adds environment variables for the kernel; ``times``, if given, receives each cell's
    run time in seconds by cell index. Returns the executed notebook (a copy).
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = copy.deepcopy(nb)
    saved = {var: os.environ.get(var) for var in ("NBGRADER_EXECUTION", *(env or {}))}
    os.environ.pop("NBGRADER_EXECUTION", None)
    os.environ.update(env or {})
    for var, value in ONE_BLAS_THREAD.items():
        os.environ.setdefault(var, value)
    try:
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(cwd)}},
            record_timing=False,
            allow_errors=allow_errors,
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
        )
        if times is not None:
            started: dict[int, float] = {}

            def before(cell: Any, cell_index: int, **_: Any) -> None:
                started[cell_index] = time.monotonic()

            def after(cell: Any, cell_index: int, **_: Any) -> None:
                times[cell_index] = time.monotonic() - started.get(cell_index, time.monotonic())

            client.on_cell_execute = before
            client.on_cell_executed = after
        client.execute()
    except CellExecutionError as exc:
        raise CourseError(f"{name}: a cell raised an error while executing:\n{exc}") from None
    finally:
        for var, previous in saved.items():
            if previous is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = previous
    # Saved widget state only bloats the file: widgets need a live kernel to be useful.
    nb.metadata.pop("widgets", None)
    for i, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                raise CourseError(
                    f"{name}: cell {i} wrote to stderr (students and nbgrader must never see that):\n"
                    f"{cell.source[:200]}\n--- stderr ---\n{output.get('text', '')[:500]}"
                )
    return nb


def _write_solution(nb: Any, path: Path) -> None:
    import jupytext

    jupytext.write(nb, path, fmt="ipynb")


def build_solution(course: Course, assignment: str, notebook: str | None = None, *, force: bool = False) -> bool:
    """Bring a solution notebook up to date with its jupytext script; True if it was rebuilt.

    A notebook without a script is its own source: the instructor executes it, and it is used as it is.
    """
    if not course.has_script(assignment, notebook):
        return False
    source = read_source(course, assignment, notebook)
    target = course.solution(assignment, notebook)
    if target.is_file() and not force:
        current = nbformat.read(target, as_version=4)
        if cells_signature(current) == cells_signature(source):
            return False
    times: dict[int, float] = {}
    executed = execute_notebook(source, target.parent, name=assignment, times=times)
    record_reference_times(executed, times)
    _write_solution(executed, target)
    _not_older(course.source(assignment, notebook), target)
    return True


def _not_older(script: Path, notebook: Path) -> None:
    """Give the script the notebook's modification time.

    JupyterLab's jupytext refuses to open a paired notebook whose ``.ipynb`` is more than a second
    newer than its script unless their inputs agree exactly, and the executed notebook carries
    metadata its script does not (``coursekit.reference_seconds``; the course's own scripts filter
    it out with ``cell_metadata_filter: nbgrader,tags,-all`` in their header, an instructor's may not). With
    equal times the script is the source of the inputs, which it is.
    """
    stamp = notebook.stat()
    os.utime(script, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))


def record_reference_times(nb: Any, times: dict[int, float]) -> None:
    """Store in each code cell how long the reference solution's run took on it.

    ``metadata.coursekit.reference_seconds`` (rounded up to 0.1 s). Grading derives each cell's
    timeout from it (see :func:`coursekit.grading.runner.cell_timeout`), so that a function that
    never returns costs seconds, not the full ``--cell-timeout``, in every cell that calls it.
    """
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and i in times:
            cell.metadata["coursekit"] = {"reference_seconds": math.ceil(times[i] * 10) / 10}


def generate_students(
    course: Course,
    assignments: list[str],
    release_dir: Path,
    workspace: Path,
    *,
    execute: bool = True,
    reuse: bool = True,
) -> None:
    """Run nbgrader's generate_assignment for ``assignments`` into ``release_dir``, then tag the cells
    that fail in the fresh student notebook (see :func:`tag_unfinished`).

    ``workspace`` holds the gradebook that records the assignments' source cells. The tags of
    the committed student notebook in ``notebooks/`` are reused when its cells are the same
    (and ``reuse`` is True); otherwise the new notebook is executed to find them, unless
    ``execute`` is False.
    """
    previous = {}
    for assignment in assignments:
        for nb_path in (course.notebooks / assignment).glob("*.ipynb"):
            previous[(assignment, nb_path.name)] = nbformat.read(nb_path, as_version=4)
    api = nbgrader_api(load_config(course, workspace=workspace, release_dir=release_dir))
    for assignment in assignments:
        with quicker_nbgrader():
            run_step(api, "generate_assignment", assignment, force=True, create=True)
        for name in course.notebook_names(assignment):  # students get no copy of the jupytext scripts
            if course.has_script(assignment, name):
                (release_dir / assignment / f"{name}.py").unlink(missing_ok=True)
        for nb_path in (release_dir / assignment).glob("*.ipynb"):
            nb = nbformat.read(nb_path, as_version=4)
            nb.metadata.pop("jupytext", None)  # students should not get a paired script written next to it
            old = previous.get((assignment, nb_path.name))
            if reuse and old is not None and _without_raises(old) == _without_raises(nb):
                _copy_raises(old, nb)
            elif execute:
                try:
                    tag_unfinished(nb, course.notebooks / assignment, f"{assignment} (student version)")
                except CourseError:
                    # nbgrader has already written the untagged notebook: remove it, or the next release would
                    # take it for a committed one whose tags are known, and pass without running it
                    nb_path.unlink(missing_ok=True)
                    raise
            nbformat.write(nb, nb_path)


#: The cell tag that lets JupyterLab's "Run All" go on past a cell that raises (nbval accepts it too).
RAISES = "raises-exception"


def tag_unfinished(nb: Any, cwd: Path, name: str) -> None:
    """Tag the code cells of a student notebook that raise ``NotImplementedError`` with ``raises-exception``.

    A fresh student notebook is executed top to bottom. Its unfinished exercises raise
    ``NotImplementedError`` in every cell that calls them; with the tag, "Run All" in
    JupyterLab runs the whole notebook (its figures and widgets included) instead of stopping
    at the first exercise. Any other error, or output on stderr, is a mistake in the notebook
    (typically a ``NameError`` in a cell that uses results of an unfinished exercise; start
    that cell with ``coursekit.checks.needs``) and raises :class:`CourseError`.
    """
    executed = execute_notebook(nb, cwd, name=name, allow_errors=True, env={"MPLBACKEND": "agg"})
    for i, (cell, ran) in enumerate(zip(nb.cells, executed.cells, strict=True)):
        if cell.cell_type != "code":
            continue
        errors = [o for o in ran.get("outputs", []) if o.get("output_type") == "error"]
        for err in errors:
            if err.get("ename") != "NotImplementedError":
                raise CourseError(
                    f"{name}: cell {i} raises {err.get('ename')}: {str(err.get('evalue'))[:200]}\n"
                    f"{cell.source[:300]}\nIn a fresh student notebook only NotImplementedError may be raised; "
                    "if the cell uses results of an unfinished exercise, start it with "
                    "coursekit.checks.needs(...)"
                )
        _set_raises(cell, bool(errors))


def _set_raises(cell: Any, on: bool) -> None:
    tags = [t for t in cell.get("metadata", {}).get("tags", []) if t != RAISES] + ([RAISES] if on else [])
    if tags:
        cell.metadata["tags"] = tags
    else:
        cell.metadata.pop("tags", None)


def _without_raises(nb: Any) -> list[tuple[str, str, str]]:
    stripped = copy.deepcopy(nb)
    for cell in stripped.cells:
        _set_raises(cell, False)
    return cells_signature(stripped)


def _copy_raises(source: Any, target: Any) -> None:
    for old, new in zip(source.cells, target.cells, strict=True):
        _set_raises(new, RAISES in old.get("metadata", {}).get("tags", []))


def release(
    course: Course,
    assignments: list[str] | None = None,
    *,
    force_execute: bool = False,
    workspace: Path | None = None,
    say: Callable[[str], None] = print,
) -> None:
    """Rebuild the solution notebooks that changed and regenerate the student notebooks.

    Parameters
    ----------
    course : Course
        The course checkout.
    assignments : list of str, optional
        Only these (default: all).
    force_execute : bool
        Execute every solution notebook even if its cells did not change.
    workspace : Path, optional
        Grading workspace whose gradebook records the released assignments
        (default: the one in nbgrader_config.py).
    say : callable
        Where progress lines go.
    """
    names = course.assignments(assignments)
    for name in names:
        for notebook in course.notebook_names(name):
            rebuilt = build_solution(course, name, notebook, force=force_execute)
            state = "executed and written" if rebuilt else "up to date"
            if not course.has_script(name, notebook):
                state = "used as it is (no jupytext script)"
            say(f"{name}: {notebook}.ipynb {state}")
    ws = workspace or (course.root / os.environ.get("COURSEKIT_WORKSPACE", "grading"))
    ws.mkdir(parents=True, exist_ok=True)
    generate_students(course, names, course.notebooks, ws, reuse=not force_execute)
    say(f"student notebooks regenerated in {course.notebooks.relative_to(course.root)}/ for {len(names)} assignment(s)")


def check_release(course: Course, assignments: list[str] | None = None) -> list[str]:
    """Problems that make the committed notebooks out of date (empty when all is current)."""
    problems = []
    names = course.assignments(assignments)
    for name, notebook in ((n, nb) for n in names for nb in course.notebook_names(n)):
        solution = course.solution(name, notebook)
        if not course.has_script(name, notebook):
            continue  # the notebook is its own source
        if not solution.is_file():
            problems.append(f"{name}: {solution.relative_to(course.root)} is missing; run 'coursekit release {name}'")
            continue
        source = read_source(course, name, notebook)
        if cells_signature(nbformat.read(solution, as_version=4)) != cells_signature(source):
            src = course.source(name, notebook).relative_to(course.root)
            problems.append(
                f"{name}: {solution.relative_to(course.root)} does not match {src}; run 'coursekit release {name}'"
            )
    with tempfile.TemporaryDirectory(prefix="coursekit-release-") as tmp:
        tmp_path = Path(tmp)
        generate_students(course, names, tmp_path / "release", tmp_path / "workspace", execute=False)
        for name in names:
            fresh = tmp_path / "release" / name
            committed = course.notebooks / name
            fresh_files = sorted(p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file())
            committed_files = (
                sorted(p.relative_to(committed) for p in committed.rglob("*") if p.is_file())
                if committed.is_dir()
                else []
            )
            if fresh_files != committed_files:
                problems.append(
                    f"{name}: notebooks/{name}/ has files {[str(p) for p in committed_files]}, "
                    f"expected {[str(p) for p in fresh_files]}; run 'coursekit release {name}'"
                )
                continue
            for rel in fresh_files:
                a, b = fresh / rel, committed / rel
                if rel.suffix == ".ipynb":
                    same = _notebook_equal(a, b)
                else:
                    same = a.read_bytes() == b.read_bytes()
                if not same:
                    problems.append(f"{name}: notebooks/{name}/{rel} is out of date; run 'coursekit release {name}'")
    return problems


def _notebook_equal(a: Path, b: Path) -> bool:
    na, nb_ = nbformat.read(a, as_version=4), nbformat.read(b, as_version=4)
    return cells_signature(na) == cells_signature(nb_) and na.metadata == nb_.metadata
