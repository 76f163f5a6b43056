"""The cached feedback exporter writes the page nbgrader's own exporter writes."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

import nbformat
import nbgrader
import pytest
from bs4 import BeautifulSoup
from nbconvert.exporters import HTMLExporter
from traitlets.config import Config

from coursekit.grading.course import Course
from coursekit.grading.feedback import FeedbackExporter

ROOT = Path(__file__).resolve().parents[1]
PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )
).decode()


def _config() -> Config:
    """What nbgrader's GenerateFeedback gives its exporter."""
    templates = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates"
    css = (
        Path(nbgrader.__file__).parent
        / "server_extensions"
        / "formgrader"
        / "static"
        / "node_modules"
        / "bootstrap"
        / "dist"
        / "css"
    )
    c = Config()
    c.HTMLExporter.template_name = "feedback"
    c.HTMLExporter.extra_template_basedirs = [str(templates)]
    c.HTMLExporter.extra_template_paths = [str(css)]
    return c


def _resources() -> dict[str, Any]:
    return {
        "nbgrader": {"notebook": "nb", "score": 3.0, "max_score": 5.0, "late_penalty": 0.0},
        "metadata": {"name": "nb", "path": os.getcwd()},
    }


def _graded(nb: Any) -> Any:
    """The reference solution with the scores GetGrades would have added."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            meta["score"] = meta.get("points", 0)
    return nb


@pytest.fixture(scope="module")
def notebook() -> Any:
    return _graded(nbformat.read(Course(ROOT).solution("01_linear_collapse"), as_version=4))


def test_page_parses_to_nbgraders_page(notebook: Any) -> None:
    expected, _ = HTMLExporter(config=_config()).from_notebook_node(notebook, resources=_resources())
    for attempt in range(2):  # the second run is served from the caches
        html, _ = FeedbackExporter(config=_config()).from_notebook_node(notebook, resources=_resources())
        assert str(BeautifulSoup(html, features="html.parser")) == expected, f"run {attempt + 1}"


def test_pages_with_images_are_nbgraders_byte_for_byte(notebook: Any) -> None:
    nb = nbformat.from_dict(notebook)
    cell = next(c for c in nb.cells if c.cell_type == "code")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"})]
    expected, _ = HTMLExporter(config=_config()).from_notebook_node(nb, resources=_resources())
    html, _ = FeedbackExporter(config=_config()).from_notebook_node(nb, resources=_resources())
    assert html == expected
    assert 'alt="No description has been provided for this image"' in html


def test_changed_cells_are_not_served_from_the_cache(notebook: Any) -> None:
    first, _ = FeedbackExporter(config=_config()).from_notebook_node(notebook, resources=_resources())
    nb = nbformat.from_dict(notebook)
    md = next(c for c in nb.cells if c.cell_type == "markdown")
    code = next(c for c in nb.cells if c.cell_type == "code")
    md.source += "\n\nA sentence only this student's notebook has."
    code.source += "\nanswer_only_here = 42"
    second, _ = FeedbackExporter(config=_config()).from_notebook_node(nb, resources=_resources())
    assert "A sentence only this student" in second and "A sentence only this student" not in first
    assert "answer_only_here" in second
    expected, _ = HTMLExporter(config=_config()).from_notebook_node(nb, resources=_resources())
    assert str(BeautifulSoup(second, features="html.parser")) == expected
