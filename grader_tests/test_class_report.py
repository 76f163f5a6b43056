"""The class report (``reports/<assignment>/report.html``): what the tests diagnosed, counted per
student, with figures that are real PNGs, the submissions that could not be graded, and timings.

The expected misconceptions come from the example class's construction (the catalogue entries
planted in the ``mistaken`` student) and their titles from ``coursekit.misconceptions``, not from
the report's own code.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from conftest import COURSE, diagnosis_key, load_mistakes
from coursekit.grading.class_report import top_misconceptions
from coursekit.grading.examples import example_class
from coursekit.grading.grade import grade
from coursekit.grading.summary import cells_of, diagnoses_of, timing_of
from coursekit.misconceptions import spec_of

A = "06_optimizers"
PNG = b"\x89PNG\r\n\x1a\n"


def _planted(assignment: str) -> dict[str, str]:
    """exercise -> title of the misconception planted in the example class's ``mistaken`` student."""
    mistaken = example_class(COURSE, assignment)["mistaken"]
    cells = {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for nb in mistaken.values()
        for c in nb.cells
        if c.get("metadata", {}).get("nbgrader", {}).get("solution")
    }
    out = {}
    for exercise, entries in load_mistakes(assignment).items():
        for entry in entries:
            if diagnosis_key(entry) and cells.get(exercise) == entry[1]:
                spec = spec_of(exercise)
                out[exercise] = next(m.title for m in spec.misconceptions if m.key == diagnosis_key(entry))
    return out


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    workspace = tmp_path_factory.mktemp("ws")
    broken = workspace / "submitted" / "zed" / A
    broken.mkdir(parents=True)
    (broken / f"{A}.ipynb").write_text("{ not json", encoding="utf-8")
    # a hostile submission for the reports: odd metadata and an answer nested too deep to parse
    hostile = nbformat.read(COURSE.student(A), as_version=4)
    answer = next(c for c in hostile.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "sgd_step")
    answer.source = "x = " + "(" * 3000 + "1" + ")" * 3000
    hostile.cells[0].metadata["nbgrader"] = "not a dict"
    folder = workspace / "submitted" / "mallory" / A
    folder.mkdir(parents=True)
    nbformat.write(hostile, folder / f"{A}.ipynb")
    said: list[str] = []
    report = grade(COURSE, workspace, [A], example=True, say=said.append)
    assert not [line for line in said if "not done" in line or "not written" in line], said
    return workspace, report


def test_the_report_counts_each_diagnosed_misconception(graded):
    workspace, report = graded
    planted = _planted(A)
    assert planted, "the example class should plant at least one diagnosed mistake"
    page = (workspace / "reports" / A / "report.html").read_text(encoding="utf-8")
    table = page.split("What students got wrong", 1)[1].split("<h2>", 1)[0]
    rows = re.findall(r"<tr><td><code>(\w+)</code></td><td>([^<]+)</td><td class=n>(\d+)</td>", table)
    assert {(ex, title) for ex, title, _ in rows} == set(planted.items())
    assert all(n == "1" for _, _, n in rows), rows  # one mistaken student
    for n in range(1, len(rows) + 1):  # every example the table links to is on the page
        assert f'href="#example-{n}"' in table and f'id="example-{n}"' in page
    assert "mistaken" not in page.split("<h2>Examples</h2>", 1)[1]  # the examples are anonymous
    lines = top_misconceptions(report)
    assert len(lines) == len(planted) and all(line.endswith("(1 student)") for line in lines), lines


def test_the_report_embeds_real_figures_and_writes_them_as_png(graded):
    workspace, _ = graded
    folder = workspace / "reports" / A
    for name in ("scores.png", "exercises.png"):
        assert (folder / name).read_bytes().startswith(PNG), name
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert page.count('src="data:image/png;base64,') == 2
    assert "http://" not in page and "https://" not in page  # opens from disk with no network


def test_the_report_lists_what_could_not_be_graded_and_the_slowest(graded):
    workspace, report = graded
    page = (workspace / "reports" / A / "report.html").read_text(encoding="utf-8")
    problems = page.split("Not graded or flagged", 1)[1].split("<h2>", 1)[0]
    assert "zed" in problems and "not graded" in problems and "JSON" in problems
    timing = page.split("<h2>Timing</h2>", 1)[1]
    graded_students = {r.student for r in report.rows if r.status == "graded"}
    listed = set(re.findall(r"<tr><td>(\w+)</td><td class=n>[\d.]+</td></tr>", timing))
    assert listed and listed <= graded_students


def test_a_rerun_that_grades_nothing_reports_the_same_class(graded):
    workspace, first = graded
    again = grade(COURSE, workspace, [A], say=lambda line: None)
    assert again.graded_now == 0
    assert again.diagnoses == first.diagnoses and again.timings == first.timings


def _executed(cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    return {"nb": nbformat.writes(nb)}


def _test_cell(grade_id, outputs, seconds=None):
    cell = nbformat.v4.new_code_cell("pass")
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": grade_id, "points": 1, "solution": False}
    if seconds is not None:
        cell.metadata["coursekit"] = {"seconds": seconds}
    cell.outputs = outputs
    return cell


def test_diagnoses_and_timing_are_read_from_the_executed_cells():
    spec = spec_of("adam_step")
    known = spec.misconceptions[0]
    error = nbformat.v4.new_output(
        "error", ename="AssertionError", evalue=f"Likely mistake in adam_step: {known.message}", traceback=[]
    )
    unknown = nbformat.v4.new_output(
        "error", ename="AssertionError", evalue="Likely mistake in squares: off by one", traceback=[]
    )
    plain = nbformat.v4.new_code_cell("x = 1")
    plain.metadata["coursekit"] = {"seconds": 2.5}
    cells = cells_of(
        _executed([_test_cell("test_adam_step", [error], 0.5), _test_cell("correct_squares", [unknown], 0.25), plain])
    )
    assert diagnoses_of(cells) == [
        {"exercise": "adam_step", "title": known.title, "message": known.message},
        {"exercise": "squares", "title": "off by one", "message": "off by one"},
    ]
    assert timing_of(cells, slowest=2) == {"seconds": 3.25, "cells": [["nb cell 3", 2.5], ["test_adam_step", 0.5]]}


def test_the_report_shows_the_example_class_copy_beside_the_reference(graded):
    workspace, report = graded
    page = (workspace / "reports" / A / "report.html").read_text(encoding="utf-8")
    copies = page.split("<h2>Copies</h2>", 1)[1].split("<h2>", 1)[0]
    assert re.findall(r"<h3>(\w+): <code>(\w+)</code> is a near-copy", copies) == [("copied", "adam_step")]
    assert "the coursekit reference" in copies and "check_step_inputs" in copies
    assert report.similar == {A: 1}
    assert (workspace / "similarity.json").is_file()


def test_timing_ignores_what_a_submission_wrote_into_cell_metadata():
    markdown = nbformat.v4.new_markdown_cell("fast")
    markdown.metadata["coursekit"] = {"seconds": 1e5}  # only code cells are timed, by the runner
    odd = nbformat.v4.new_code_cell("x = 1")
    odd.metadata["coursekit"] = "seconds"  # not a dict: a cell the runner never reached
    negative = nbformat.v4.new_code_cell("y = 2")
    negative.metadata["coursekit"] = {"seconds": -5.0}
    timed = nbformat.v4.new_code_cell("z = 3")
    timed.metadata["coursekit"] = {"seconds": 0.5}
    timed.metadata["nbgrader"] = "not a dict"
    assert timing_of(cells_of(_executed([markdown, odd, negative, timed]))) == {
        "seconds": 0.5,
        "cells": [["nb cell 4", 0.5]],
    }
