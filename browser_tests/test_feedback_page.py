"""A student's feedback page, opened from disk with no network: its equations render, and its contents are named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from browser_tests.conftest import GRADED, cut_network


def test_feedback_page_renders_equations_without_the_network(browser: Any, course_copy: Path, screenshots: Path):
    page_path = course_copy / "grading" / "feedback" / "reference" / GRADED / f"{GRADED}.html"
    assert page_path.is_file(), f"no feedback page at {page_path}"
    context = browser.new_context()
    requested = cut_network(context)  # only the file itself may load
    tab = context.new_page()
    try:
        tab.set_viewport_size({"width": 1200, "height": 900})
        tab.goto(page_path.as_uri(), wait_until="load")
        text = tab.evaluate("document.body.innerText")
        assert "$$" not in text and "\\frac" not in text and "\\sigma" not in text, "raw LaTeX on the page"
        sizes = tab.evaluate("Array.from(document.querySelectorAll('math')).map(m => m.getBoundingClientRect().width)")
        assert sizes and min(sizes) > 0, f"{len(sizes)} equations, some not drawn: {sizes[:10]}"
        toc = tab.evaluate("Array.from(document.querySelectorAll('#toc li')).map(li => li.innerText)")
        assert any(item.startswith("Exercise ") for item in toc) and not any("Test cell" in i for i in toc), toc
        tab.screenshot(path=str(screenshots / "feedback-offline.png"))
        assert not [u for u in requested if "mathjax" in u.lower()], requested
    finally:
        context.close()
