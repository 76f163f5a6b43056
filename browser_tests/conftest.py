"""Fixtures of the browser tests: a copy of the course, JupyterLab serving it, and Chromium.

Everything runs in one temporary folder: the course (its config, student and solution
notebooks, and an example class graded into its workspace so that the formgrader has
something to show), the homes of JupyterLab and Chromium, and the logs. Screenshots go to
``artefacts/screenshots/`` (git-ignored) so that a person can look at them after a run.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser_tests.harness import Browser, Lab, assert_gone, browser_problem
from coursekit.grading.course import Course

ROOT = Path(__file__).resolve().parents[1]
COURSE = Course(ROOT)
#: The course's own assignments (course.toml): the ones whose notebooks these tests open.
ASSIGNMENTS = [a for a in COURSE.assignments() if COURSE.is_course_assignment(a)]
SCREENSHOTS = ROOT / "artefacts" / "screenshots"
#: The assignment whose example class is graded for the formgrader tests.
GRADED = ASSIGNMENTS[0]


@pytest.fixture(scope="session")
def course_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the course with an example class of :data:`GRADED` autograded into its workspace
    (with the catalogue of mistakes, from which the example class takes its mistaken student)."""
    if problem := browser_problem():
        pytest.fail(f"the browser tests cannot run: {problem}", pytrace=False)
    root = tmp_path_factory.mktemp("course")
    shutil.copy(ROOT / "nbgrader_config.py", root)
    shutil.copy(ROOT / "course.toml", root)
    for folder in ("notebooks", "solutions", "grader_tests/mistakes"):  # the mistakes: for the example class
        shutil.copytree(ROOT / folder, root / folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    coursekit = Path(sys.executable).parent / "coursekit"
    out = subprocess.run(
        [str(coursekit), "grade", GRADED, "--example-class"], cwd=root, capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, f"grading the example class failed:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}"
    return root


@pytest.fixture(scope="session")
def lab(course_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    server = Lab(root=course_copy, home=tmp_path_factory.mktemp("lab-home"))
    server.start()
    yield server
    server.stop()
    assert_gone(server.proc.pid, "JupyterLab")


@pytest.fixture(scope="session")
def browser(course_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    chromium = Browser(profile=tmp_path_factory.mktemp("chromium-profile"))
    yield chromium.start()
    chromium.stop()
    assert_gone(chromium.proc.pid, "Chromium")


@pytest.fixture
def page(browser: Any, lab: Lab) -> Iterator[Any]:
    """A fresh browser tab; its kernels are shut down afterwards."""
    context = browser.contexts[0] if browser.contexts else browser.new_context()
    tab = context.new_page()
    tab.set_viewport_size({"width": 1400, "height": 1000})
    tab.set_default_timeout(60_000)
    yield tab
    tab.close()
    lab.shutdown_kernels()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def cut_network(context: Any) -> list[str]:
    """Let ``context`` load only files (and data: URLs); return the list that collects what else it asked for."""
    requested: list[str] = []

    def offline(route: Any) -> None:
        if route.request.url.startswith(("file:", "data:")):
            route.continue_()
        else:
            requested.append(route.request.url)
            route.abort()

    context.route("**/*", offline)
    return requested
