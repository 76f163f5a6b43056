"""Each classic mistake of ``grader_tests/mistakes/`` fails its own test cell and no other, with
the diagnosis the catalogue expects; each correct alternative passes every test cell.

The diagnosis coverage (issue 16) is measured here: a catalogue entry with a third element, the key
of a misconception in ``coursekit.misconceptions``, must fail with exactly that misconception's
message; an entry without one must fail with no diagnosis at all (so that no mistake is named
wrongly); and at least 90% of the catalogue must name theirs.

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

from conftest import ASSIGNMENTS, COURSE, diagnosis_key, load_alternatives, load_mistakes
from coursekit.diagnosis import PREFIX
from coursekit.grading.course import exercises_of
from coursekit.misconceptions import spec_of

COVERAGE_GOAL = 0.9
OURS = [a for a in ASSIGNMENTS if COURSE.is_course_assignment(a)]


def _cases(load=load_mistakes):
    for assignment in OURS:
        for exercise, entries in sorted(load(assignment).items()):
            for i, entry in enumerate(entries):
                yield pytest.param(assignment, exercise, i, id=f"{assignment}:{exercise}:{i}:{entry[0][:40]}")


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


def _planted(kernel, exercise: str, source: str) -> dict[str, str]:
    """The failing test cells with ``source`` in place of the exercise's solution (put back after)."""
    defined = kernel.run(source)
    assert defined is None, f"the planted definition itself raised {defined}"
    try:
        return kernel.failing_tests()
    finally:
        assert kernel.run(kernel.cells[exercise]) is None


@pytest.mark.parametrize(("assignment", "exercise", "index"), list(_cases()))
def test_mistake_fails_exactly_its_own_test(kernels, assignment, exercise, index):
    entry = load_mistakes(assignment)[exercise][index]
    failing = _planted(kernels(assignment), exercise, entry[1])
    assert list(failing) == [f"test_{exercise}"], (
        f"mistake '{entry[0]}' should fail only test_{exercise}; failing: {failing}"
    )
    message = failing[f"test_{exercise}"]
    key = diagnosis_key(entry)
    if key is None:
        assert PREFIX not in message, f"mistake '{entry[0]}' is diagnosed; the catalogue expects none: {message}"
        return
    spec = spec_of(exercise)
    assert spec is not None, f"the catalogue expects a diagnosis of {exercise}, which coursekit.misconceptions lacks"
    expected = next(m for m in spec.misconceptions if m.key == key)
    assert f"{PREFIX} in {exercise}: {expected.message}" in message, (
        f"mistake '{entry[0]}' should be diagnosed as '{expected.title}'; the test said: {message}"
    )


@pytest.mark.parametrize(("assignment", "exercise", "index"), list(_cases(load_alternatives)))
def test_correct_alternative_passes_every_test(kernels, assignment, exercise, index):
    why, source = load_alternatives(assignment)[exercise][index]
    assert _planted(kernels(assignment), exercise, source) == {}, f"the correct alternative '{why}' fails"


def test_diagnosis_coverage():
    """At least 90% of the catalogued mistakes name a misconception that exists."""
    entries = [(a, ex, e) for a in OURS for ex, es in load_mistakes(a).items() for e in es]
    keyed = [(ex, diagnosis_key(e)) for _, ex, e in entries if diagnosis_key(e) is not None]
    for exercise, key in keyed:
        spec = spec_of(exercise)
        known = set() if spec is None else {m.key for m in spec.misconceptions}
        assert key in known, f"coursekit.misconceptions has no misconception {key!r} of {exercise}"
    assert len(keyed) >= COVERAGE_GOAL * len(entries), (
        f"{len(keyed)} of {len(entries)} catalogued mistakes are diagnosed; the goal is {COVERAGE_GOAL:.0%}"
    )
