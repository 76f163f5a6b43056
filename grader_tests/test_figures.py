"""Every figure of every notebook reads well: titles, axis labels, legends, and lines told apart in greyscale."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import COURSE, OURS

AUDIT = Path(__file__).with_name("figure_audit.py")


@pytest.mark.parametrize("assignment", OURS)  # the course's rules for figures (docs/authoring.md)
def test_figures_have_titles_labels_legends_and_greyscale_styles(assignment, tmp_path, monkeypatch):
    path = COURSE.solution(assignment)
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(AUDIT.read_text(encoding="utf-8")))
    report = tmp_path / "figures.json"
    # Under grading the figures are built exactly as usual but not drawn, which is all the audit needs.
    monkeypatch.setenv("COURSEKIT_FIGURE_AUDIT", str(report))
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    monkeypatch.setenv("MPLBACKEND", "agg")
    NotebookClient(
        nb,
        kernel_name="python3",
        timeout=300,
        resources={"metadata": {"path": str(path.parent)}},
        extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
    ).execute()
    findings = json.loads(report.read_text(encoding="utf-8"))
    assert not findings, (
        f"{assignment}: figures that do not read well (code cell numbers of the solution):\n"
        + "\n".join(f"  cell {f['cell']}, panel {f['axes']} '{f['title']}': {f['problem']}" for f in findings)
    )


def test_the_audit_finds_what_it_looks_for(tmp_path, monkeypatch):
    bad = (
        "import matplotlib.pyplot as plt\n"
        "fig, ax = plt.subplots()\n"
        "ax.plot([0, 1], [0, 1], color='red', label='a')\n"
        "ax.plot([0, 1], [1, 0], color='green', label='b')\n"
    )
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(AUDIT.read_text(encoding="utf-8")), nbformat.v4.new_code_cell(bad)]
    )
    report = tmp_path / "figures.json"
    monkeypatch.setenv("COURSEKIT_FIGURE_AUDIT", str(report))
    monkeypatch.setenv("MPLBACKEND", "agg")
    NotebookClient(
        nb,
        kernel_name="python3",
        timeout=120,
        resources={"metadata": {"path": str(tmp_path)}},
        extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
    ).execute()
    problems = {f["problem"] for f in json.loads(report.read_text(encoding="utf-8"))}
    assert problems == {
        "no title",
        "no x-axis label",
        "no y-axis label",
        "2 labelled artists but no legend",
        "lines 'a' and 'b' look alike in greyscale",
    }
