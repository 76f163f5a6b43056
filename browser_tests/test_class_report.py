"""The instructor's class report, opened from disk with the network cut: its figures load, it has
real content, and it reads at a phone's width and a desktop's without sideways scrolling."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from browser_tests.conftest import GRADED, cut_network


@pytest.mark.parametrize(("device", "width", "height"), [("phone", 390, 844), ("desktop", 1366, 900)])
def test_class_report_reads_offline_on_a_phone_and_a_desktop(
    browser: Any, course_copy: Path, screenshots: Path, device: str, width: int, height: int
):
    report = course_copy / "grading" / "reports" / GRADED / "report.html"
    assert report.is_file(), f"no class report at {report}"
    context = browser.new_context(viewport={"width": width, "height": height})
    requested = cut_network(context)  # only the file itself may load
    tab = context.new_page()
    try:
        tab.goto(report.as_uri(), wait_until="load")
        images = tab.evaluate(
            "Array.from(document.images)"
            ".map(i => [i.alt, i.complete && i.naturalWidth, i.getBoundingClientRect().width])"
        )
        assert len(images) == 2 and all(natural > 0 for _, natural, _ in images), images
        assert all(shown <= width for _, _, shown in images), images  # figures fit the screen
        overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page scrolls sideways by {overflow} px at {width} px"
        text = tab.evaluate("document.body.innerText")
        for heading in ("Scores", "What students got wrong", "Not graded or flagged", "Copies", "Timing"):
            assert heading in text, heading
        rows = tab.evaluate("document.querySelectorAll('#misconceptions tr').length")
        assert rows >= 2, "the misconceptions table has no rows"  # the example class's mistaken student
        tab.screenshot(path=str(screenshots / f"class-report-{device}.png"), full_page=True)
        assert requested == [], requested
    finally:
        context.close()
