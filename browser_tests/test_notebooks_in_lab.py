"""Every notebook, as students and instructors meet it: opened in JupyterLab and run with Run All."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from browser_tests.conftest import ASSIGNMENTS
from browser_tests.harness import Lab
from browser_tests.notebook import (
    NB,
    error_outputs,
    move_sliders,
    open_notebook,
    rendered_images,
    run_all,
    widget_controls,
    widget_problems,
)

#: Seconds a widget may take to redraw after a slider moves (the look-and-feel bar: no
#: re-training on every move unless it is cheap).
WIDGET_SECONDS = 5.0


def _check_widgets(page: Any, name: str, *, student: bool = False) -> list[str]:
    """What is wrong with the widgets: one that did not render, a slider whose output did not follow it.

    In a student notebook a widget whose output is an exercise's NotImplementedError cannot
    change until the exercise is done; those sliders are exempt.
    """
    problems = [f"{name}: a widget did not render: {text!r}" for text in widget_problems(page)]
    for move in move_sliders(page):
        if student and move.unfinished:
            continue
        if not move.changed:
            problems.append(f"{name}: moving slider '{move.description}' did not change its output")
        elif move.seconds > WIDGET_SECONDS:
            problems.append(
                f"{name}: slider '{move.description}' took {move.seconds:.1f} s to redraw (at most {WIDGET_SECONDS} s)"
            )
    return problems


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_student_notebook_runs_all_with_only_unfinished_exercises_failing(
    page: Any, lab: Lab, assignment: str, screenshots: Path
) -> None:
    open_notebook(page, lab, f"notebooks/{assignment}/{assignment}.ipynb")
    run_all(page)
    page.screenshot(path=str(screenshots / f"student-{assignment}.png"))
    errors = error_outputs(page)
    others = [e for e in errors if e.ename != "NotImplementedError"]
    assert not others, "besides NotImplementedError, these cells failed or wrote to stderr:\n" + "\n".join(
        f"  code cell {e.cell}: {e.ename}: ...{e.text[-200:]}" for e in others
    )
    assert errors, "no exercise raised NotImplementedError: is this really the student version?"
    images = rendered_images(page)
    assert all(w > 0 for w in images), f"a figure did not load (widths {images})"
    assert images or assignment in FIGURES_NEED_EXERCISES, "no figure rendered"
    problems = _check_widgets(page, assignment, student=True)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_notebook_runs_all_without_any_error(page: Any, lab: Lab, assignment: str, screenshots: Path) -> None:
    open_notebook(page, lab, f"solutions/{assignment}/{assignment}.ipynb")
    seconds = run_all(page)
    page.screenshot(path=str(screenshots / f"solution-{assignment}.png"))
    errors = error_outputs(page)
    assert not errors, f"Run All took {seconds:.0f} s and showed errors or stderr:\n" + "\n".join(
        f"  code cell {e.cell}: {e.ename}: ...{e.text[-300:]}" for e in errors
    )
    math = page.eval_on_selector_all(f"{NB} mjx-container", "els => els.length")
    math_errors = page.eval_on_selector_all(
        f"{NB} .jp-RenderedMarkdown",
        "els => els.filter(e => /Math (input|Processing) error/i.test(e.textContent)).length",
    )
    assert math > 0 and not math_errors, f"equations: {math} rendered, {math_errors} cells with errors"
    images = rendered_images(page)
    assert images and all(w > 0 for w in images), f"figures did not render as images (widths {images})"
    # Every notebook has a slider (authoring.md: where a parameter matters, a slider).
    assert widget_controls(page) > 0, "the notebook's widgets did not render"
    bars = page.eval_on_selector_all(f"{NB} .widget-hprogress", "els => els.map(e => e.parentElement.textContent)")
    if assignment in WITH_PROGRESS:
        assert bars and all("it/s" in b or "s/it" in b for b in bars), (
            f"the training loops should show tqdm's progress bar as a widget, got {bars}"
        )
    problems = _check_widgets(page, assignment)
    assert not problems, "\n".join(problems)


#: Notebooks with training loops: they show tqdm's widget progress bar (silent under grading).
WITH_PROGRESS = {
    "03_backprop_by_hand",
    "04_forward_and_reverse_mode",
    "05_initialisation",
    "06_optimizers",
    "07_regularisation",
    "08_subsampling_tutorial",
}

#: Notebooks in which every figure shows the student's own results, so none appears before the exercises are done.
FIGURES_NEED_EXERCISES = {"03_backprop_by_hand"}
