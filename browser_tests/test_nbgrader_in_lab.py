"""nbgrader as the instructor uses it in the browser: Validate, the formgrader, a manual grade, the export."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import nbformat

from browser_tests.conftest import ASSIGNMENTS, GRADED
from browser_tests.harness import Lab
from browser_tests.notebook import open_notebook


def test_validate_button_reports_success_on_a_solution_notebook(page: Any, lab: Lab, screenshots: Path) -> None:
    open_notebook(page, lab, f"solutions/{GRADED}/{GRADED}.ipynb")
    page.click('.jp-NotebookPanel-toolbar >> text="Validate"')
    dialog = page.wait_for_selector(".jp-Dialog", timeout=180_000)
    page.wait_for_selector(".jp-Dialog >> text=Validation Results", timeout=180_000)
    text = dialog.inner_text()
    page.screenshot(path=str(screenshots / "nbgrader-validate.png"))
    assert "Success! Your notebook passes all the tests." in text, f"the Validate dialog said:\n{text}"


def _api(lab: Lab, path: str) -> Any:
    with urllib.request.urlopen(lab.url(f"formgrader/api/{path}"), timeout=30) as r:
        return json.loads(r.read())


def _manual_cells(course_copy: Path) -> dict[str, float]:
    """grade_id -> points of the manually graded answers (the q_ cells) of :data:`GRADED`."""
    nb = nbformat.read(course_copy / "solutions" / GRADED / f"{GRADED}.ipynb", as_version=4)
    out = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and meta.get("grade_id", "").startswith("q_"):
            out[meta["grade_id"]] = float(meta["points"])
    return out


def _exported_score(course_copy: Path, student: str) -> float:
    """The score of ``student`` on :data:`GRADED` in ``nbgrader export``'s CSV."""
    target = course_copy / "grades-export.csv"
    nbgrader = Path(sys.executable).parent / "nbgrader"
    out = subprocess.run(
        [str(nbgrader), "export", f"--CsvExportPlugin.to={target}"],
        cwd=course_copy,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, f"nbgrader export failed:\n{out.stdout[-1500:]}\n{out.stderr[-1500:]}"
    with open(target, newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["student_id"] == student and r["assignment"] == GRADED]
    assert len(rows) == 1, f"expected one exported row for {student}/{GRADED}, got {rows}"
    return float(rows[0]["raw_score"])


def test_formgrader_lists_assignments_and_saves_a_manual_grade_that_is_exported(
    page: Any, lab: Lab, course_copy: Path, screenshots: Path
) -> None:
    page.goto(lab.url("formgrader/manage_assignments"))
    for name in ASSIGNMENTS:
        page.wait_for_selector(f"td >> text={name}", timeout=30_000)
    page.screenshot(path=str(screenshots / "nbgrader-formgrader-assignments.png"))

    submissions = _api(lab, f"submitted_notebooks/{GRADED}/{GRADED}")
    reference = next(s for s in submissions if s["student"] == "reference")
    manual = _manual_cells(course_copy)
    assert manual, f"{GRADED} has no manually graded q_ cell"
    grade_id, points = next(iter(manual.items()))
    before = _exported_score(course_copy, "reference")

    page.goto(lab.url(f"formgrader/submissions/{reference['id']}/"))
    box = page.wait_for_selector(f"input.score#{grade_id}")
    box.fill(str(points))
    box.press("Enter")
    # The formgrader saves on change; wait for the gradebook to have it.
    page.wait_for_function(
        """([url, id, pts]) => fetch(url).then(r => r.json()).then(
               grades => grades.some(g => g.name === id && g.manual_score === pts))""",
        arg=[lab.url(f"formgrader/api/grades?submission_id={reference['id']}"), grade_id, points],
        timeout=30_000,
    )
    page.screenshot(path=str(screenshots / "nbgrader-formgrader-manual-grade.png"))

    # The API can show the grade before another process sees it in the gradebook (on a loaded
    # machine this took more than 10 s in CI): export until it shows up, for up to a minute.
    deadline = time.monotonic() + 60.0
    while True:
        after = _exported_score(course_copy, "reference")
        if after == before + points or time.monotonic() > deadline:
            break
        time.sleep(2.0)
    assert after == before + points, (
        f"after giving {points} point(s) for {grade_id} in the formgrader the exported "
        f"score went from {before} to {after}"
    )
