"""The feedback exporter writes nbgrader's page, with equations as MathML and named contents."""

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
from coursekit.grading.feedback import FeedbackExporter, finish_page, math_to_mathml

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


def _nbgraders(nb: Any) -> str:
    """nbgrader's page with this exporter's two changes made to it afterwards, as BeautifulSoup spells it."""
    page, _ = HTMLExporter(config=_config()).from_notebook_node(nb, resources=_resources())
    return _spelled(finish_page(math_to_mathml(page)))


def _spelled(page: str) -> str:
    """``page`` as BeautifulSoup writes it (entities and attribute order normalised)."""
    return str(BeautifulSoup(page, features="html.parser"))


def test_page_parses_to_nbgraders_page(notebook: Any) -> None:
    expected = _nbgraders(notebook)
    for attempt in range(2):  # the second run is served from the caches
        html, _ = FeedbackExporter(config=_config()).from_notebook_node(notebook, resources=_resources())
        assert _spelled(html) == expected, f"run {attempt + 1}"


def test_pages_with_images_are_nbgraders_too(notebook: Any) -> None:
    nb = nbformat.from_dict(notebook)
    cell = next(c for c in nb.cells if c.cell_type == "code")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"})]
    html, _ = FeedbackExporter(config=_config()).from_notebook_node(nb, resources=_resources())
    assert _spelled(html) == _nbgraders(nb)
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
    assert _spelled(second) == _nbgraders(nb)


def test_equations_are_mathml_and_need_no_network(notebook: Any) -> None:
    html, _ = FeedbackExporter(config=_config()).from_notebook_node(notebook, resources=_resources())
    soup = BeautifulSoup(html, features="html.parser")
    assert not [s for s in soup.find_all("script") if "mathjax" in (s.get("src", "") + s.text).lower()]
    assert soup.find_all("math"), "no equation was rendered"
    for verbatim in soup.find_all(["pre", "code", "style", "script"]):
        verbatim.decompose()
    text = soup.get_text()
    assert "$" not in text, text[max(0, text.find("$") - 80) : text.find("$") + 80]
    # an equation that cannot be converted stays as written, and the page still renders
    assert math_to_mathml("<p>$x^$ and $a^2$</p>").startswith("<p>$x^$ and <math")


def test_the_contents_name_each_exercise_and_question(notebook: Any) -> None:
    html, _ = FeedbackExporter(config=_config()).from_notebook_node(notebook, resources=_resources())
    toc = BeautifulSoup(html, features="html.parser").find(id="toc")
    items = [li.get_text(" ", strip=True) for li in toc.find_all("li")]
    assert "Exercise collapse_linear: tests (Score: 1.0 / 1.0)" in items, items
    assert any(i.startswith("Question q_linear_layers_collapse: your answer") for i in items), items
    assert not [i for i in items if i.startswith(("Test cell", "Written response"))], items


def test_a_diagnosed_mistake_is_said_in_a_box_above_its_error():
    error = (
        '<div class="output_subarea output_text output_error">\n<pre>\n'
        '<span class="ansi-red-fg">AssertionError</span>: Likely mistake in adam_step: divide by 1 - beta**t.\n'
        "</pre>\n</div>"
    )
    plain = error.replace("Likely mistake in adam_step: ", "")
    page = finish_page(error + plain)
    assert page.count("coursekit-diagnosis") == 1
    box = page.split('<div class="coursekit-diagnosis"', 1)[1].split("</div>", 1)[0]
    assert "<strong>Likely mistake in adam_step:</strong> divide by 1 - beta**t." in box
    assert page.index("coursekit-diagnosis") < page.index("<pre>")  # above the error output
    assert finish_page(plain) == plain
