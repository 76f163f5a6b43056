"""``coursekit release``: solutions/<a>/<a>.py -> executed solution notebook -> student notebook.

The jupytext script is the source of truth. The solution notebook is rebuilt from it and
executed only when its cells differ (or ``force`` is given), so a release with nothing
changed rewrites nothing. The student notebook is what ``nbgrader generate_assignment``
makes of the solution notebook, minus the jupytext pairing (students should not get a
paired script written next to their notebook).
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat

from coursekit.grading import ONE_BLAS_THREAD
from coursekit.grading.course import Course, CourseError
from coursekit.grading.nbgrader_glue import load_config, nbgrader_api, run_step

__all__ = ["cells_signature", "execute_notebook", "release", "check_release", "generate_students"]

#: Cell metadata that execution or the editor changes and that says nothing about content.
_VOLATILE_CELL_METADATA = {
    "execution", "collapsed", "scrolled", "trusted", "ExecuteTime", "jp-MarkdownHeadingCollapsed",
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


def read_source(course: Course, assignment: str) -> Any:
    """Read the jupytext source of ``assignment`` as a notebook (no outputs)."""
    import jupytext

    path = course.source(assignment)
    if not path.is_file():
        raise CourseError(f"{assignment}: no notebook source {path.relative_to(course.root)}")
    return jupytext.read(path)


def execute_notebook(nb: Any, cwd: Path, *, timeout: int = EXECUTE_TIMEOUT, name: str = "") -> Any:
    """Execute ``nb`` in a fresh kernel in ``cwd``; raise if a cell errors or writes to stderr.

    Returns the executed notebook (a copy).
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = copy.deepcopy(nb)
    env_grading = os.environ.pop("NBGRADER_EXECUTION", None)
    for var, value in ONE_BLAS_THREAD.items():
        os.environ.setdefault(var, value)
    try:
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(cwd)}},
            record_timing=False,
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
        )
        client.execute()
    except CellExecutionError as exc:
        raise CourseError(f"{name}: a cell raised an error while executing:\n{exc}") from None
    finally:
        if env_grading is not None:
            os.environ["NBGRADER_EXECUTION"] = env_grading
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


def build_solution(course: Course, assignment: str, *, force: bool = False) -> bool:
    """Bring ``solutions/<a>/<a>.ipynb`` up to date with its source; True if it was rebuilt."""
    source = read_source(course, assignment)
    target = course.solution(assignment)
    if target.is_file() and not force:
        current = nbformat.read(target, as_version=4)
        if cells_signature(current) == cells_signature(source):
            return False
    executed = execute_notebook(source, target.parent, name=assignment)
    _write_solution(executed, target)
    return True


def _strip_pairing(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("jupytext", None)
    nbformat.write(nb, path)


def generate_students(course: Course, assignments: list[str], release_dir: Path, workspace: Path) -> None:
    """Run nbgrader's generate_assignment for ``assignments`` into ``release_dir``.

    ``workspace`` holds the gradebook that records the assignments' source cells.
    """
    api = nbgrader_api(load_config(course, workspace=workspace, release_dir=release_dir))
    for assignment in assignments:
        run_step(api, "generate_assignment", assignment, force=True, create=True)
        for nb_path in (release_dir / assignment).glob("*.ipynb"):
            _strip_pairing(nb_path)


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
        rebuilt = build_solution(course, name, force=force_execute)
        say(f"{name}: solution notebook {'executed and written' if rebuilt else 'up to date'}")
    ws = workspace or (course.root / os.environ.get("COURSEKIT_WORKSPACE", "grading"))
    ws.mkdir(parents=True, exist_ok=True)
    generate_students(course, names, course.notebooks, ws)
    say(f"student notebooks regenerated in {course.notebooks.relative_to(course.root)}/ for {len(names)} assignment(s)")


def check_release(course: Course, assignments: list[str] | None = None) -> list[str]:
    """Problems that make the committed notebooks out of date (empty when all is current)."""
    problems = []
    names = course.assignments(assignments)
    for name in names:
        solution = course.solution(name)
        if not solution.is_file():
            problems.append(f"{name}: {solution.relative_to(course.root)} is missing; run 'coursekit release {name}'")
            continue
        if cells_signature(nbformat.read(solution, as_version=4)) != cells_signature(read_source(course, name)):
            src = course.source(name).relative_to(course.root)
            problems.append(
                f"{name}: {solution.relative_to(course.root)} does not match {src}; run 'coursekit release {name}'"
            )
    with tempfile.TemporaryDirectory(prefix="coursekit-release-") as tmp:
        tmp_path = Path(tmp)
        generate_students(course, names, tmp_path / "release", tmp_path / "workspace")
        for name in names:
            fresh = tmp_path / "release" / name
            committed = course.notebooks / name
            fresh_files = sorted(p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file())
            committed_files = sorted(p.relative_to(committed) for p in committed.rglob("*") if p.is_file()) \
                if committed.is_dir() else []
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

