"""Each classic mistake of ``grader_tests/mistakes/`` fails its own test cell and no other.

One kernel per assignment runs the solution notebook (hidden tests included, under
``NBGRADER_EXECUTION`` as in grading); then, for each mistake, the wrong definition replaces
the right one, every test cell runs again, and the right definition is put back.
"""

from __future__ import annotations

import os
from contextlib import ExitStack

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from conftest import ASSIGNMENTS, COURSE, load_mistakes
from coursekit.grading.course import exercises_of


def _cases():
    for assignment in [a for a in ASSIGNMENTS if COURSE.is_course_assignment(a)]:
        for exercise, mistakes in sorted(load_mistakes(assignment).items()):
            for i, (why, _) in enumerate(mistakes):
                yield pytest.param(assignment, exercise, i, id=f"{assignment}:{exercise}:{i}:{why[:40]}")


class _Kernel:
    """A kernel that has run an assignment's solution notebook."""

    def __init__(self, assignment: str, stack: ExitStack):
        nb = nbformat.read(COURSE.solution(assignment), as_version=4)
        self.client = NotebookClient(
            nb,
            kernel_name="python3",
            timeout=120,
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            resources={"metadata": {"path": str(COURSE.solution(assignment).parent)}},
        )
        old = os.environ.get("NBGRADER_EXECUTION")
        os.environ["NBGRADER_EXECUTION"] = "autograde"
        try:
            stack.enter_context(self.client.setup_kernel())
        finally:
            if old is None:
                del os.environ["NBGRADER_EXECUTION"]
            else:
                os.environ["NBGRADER_EXECUTION"] = old
        self.cells = {}
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                self.client.execute_cell(cell, index)
            gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if gid:
                self.cells[gid] = cell.source

    def run(self, source: str) -> str | None:
        """Run ``source``; return ``"ErrorName: message"`` if it raised, else None."""
        cell = nbformat.v4.new_code_cell(source)
        try:
            self.client.execute_cell(cell, 0)
        except CellExecutionError as exc:
            return f"{exc.ename}: {exc.evalue}"
        return None

    def failing_tests(self) -> dict[str, str]:
        results = {gid: self.run(src) for gid, src in self.cells.items() if gid.startswith("test_")}
        return {gid: err for gid, err in results.items() if err is not None}


@pytest.fixture(scope="session")
def kernels():
    with ExitStack() as stack:
        started: dict[str, _Kernel] = {}

        def get(assignment: str) -> _Kernel:
            if assignment not in started:
                started[assignment] = _Kernel(assignment, stack)
            return started[assignment]

        yield get


@pytest.mark.parametrize("assignment", [a for a in ASSIGNMENTS if COURSE.is_course_assignment(a)])
def test_every_exercise_has_a_mistake(assignment):
    exercises = exercises_of(nbformat.read(COURSE.solution(assignment), as_version=4))
    assert set(load_mistakes(assignment)) == set(exercises)


@pytest.mark.parametrize("assignment", [a for a in ASSIGNMENTS if COURSE.is_course_assignment(a)])
def test_solution_passes_every_test_cell(kernels, assignment):
    assert kernels(assignment).failing_tests() == {}


@pytest.mark.parametrize(("assignment", "exercise", "index"), list(_cases()))
def test_mistake_fails_exactly_its_own_test(kernels, assignment, exercise, index):
    kernel = kernels(assignment)
    why, source = load_mistakes(assignment)[exercise][index]
    defined = kernel.run(source)
    assert defined is None, f"the mistaken definition itself raised {defined}"
    try:
        failing = kernel.failing_tests()
    finally:
        assert kernel.run(kernel.cells[exercise]) is None
    assert list(failing) == [f"test_{exercise}"], (
        f"mistake '{why}' should fail only test_{exercise}; failing: {failing}"
    )
