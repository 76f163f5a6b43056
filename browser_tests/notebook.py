"""What a person does with a notebook in JupyterLab, as Playwright steps, and what they see."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from browser_tests.harness import Lab

#: The last exception line of a traceback as JupyterLab shows it, e.g. "NotImplementedError: ...".
_EXCEPTION = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|Iteration))\b", re.M)


@dataclass
class ErrorOutput:
    cell: int
    ename: str
    text: str


#: The notebook on show (JupyterLab keeps other open documents in the page, hidden).
NB = ".jp-NotebookPanel:not(.lm-mod-hidden)"


def open_notebook(page: Any, lab: Lab, path: str) -> None:
    """Open ``path`` (relative to the server root) alone in a fresh workspace; wait until its kernel is idle."""
    page.goto(lab.url(f"lab/tree/{path}?reset"))
    page.wait_for_selector(f"{NB} .jp-Notebook .jp-Cell")
    page.wait_for_selector("#jp-main-statusbar >> text=Idle", timeout=120_000)


def menu(page: Any, title: str, command: str) -> None:
    """Click menu ``title`` of the menu bar, then its entry for JupyterLab command ``command``."""
    page.click(f'.lm-MenuBar-item:has-text("{title}")')
    page.click(f'li[data-command="{command}"]')


def run_all(page: Any, timeout: float = 300.0) -> float:
    """Clear every output, run all cells from the Run menu, and wait until they have run; return seconds.

    Raises AssertionError if Run All stopped before the last code cell (JupyterLab stops at a
    cell that raises, unless the cell is tagged ``raises-exception``).
    """
    menu(page, "Edit", "editmenu:clear-all")
    started = time.monotonic()
    menu(page, "Run", "runmenu:run-all")
    deadline = started + timeout
    quiet = 0
    while True:
        time.sleep(0.5)
        prompts = _prompts(page)
        running = any("*" in p for p in prompts)
        idle = page.query_selector("#jp-main-statusbar >> text=Idle") is not None
        quiet = quiet + 1 if idle and not running and any(re.search(r"\d", p) for p in prompts) else 0
        if quiet >= 3:  # idle for three polls in a row: nothing more will run
            break
        if time.monotonic() > deadline:
            raise AssertionError(f"Run All did not finish within {timeout} s")
    seconds = time.monotonic() - started
    not_run = [i for i, p in enumerate(prompts) if not re.search(r"\d", p)]
    if not_run:
        raise AssertionError(
            f"Run All stopped: code cells {not_run[:10]}{'...' if len(not_run) > 10 else ''} of {len(prompts)} "
            f"did not run (JupyterLab stops at a cell that raises unless it is tagged raises-exception); "
            f"errors shown: {[(e.cell, e.ename) for e in error_outputs(page)][:5]}"
        )
    return seconds


def _prompts(page: Any) -> list[str]:
    return page.eval_on_selector_all(f"{NB} .jp-CodeCell .jp-InputPrompt", "els => els.map(e => e.textContent.trim())")


def error_outputs(page: Any) -> list[ErrorOutput]:
    """Every output shown on stderr (errors, warnings), with the index of its code cell."""
    raw = page.eval_on_selector_all(
        f"{NB} .jp-CodeCell",
        """cells => cells.flatMap((cell, i) => Array.from(
               cell.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'))
           .map(out => [i, out.textContent]))""",
    )
    out = []
    for cell, text in raw:
        names = _EXCEPTION.findall(text)
        out.append(ErrorOutput(cell, names[-1] if names else "stderr", text.strip()[-400:]))
    return out


def rendered_images(page: Any) -> list[int]:
    """Widths of the images (figures) the notebook shows, 0 for one that failed to load."""
    return page.eval_on_selector_all(
        f"{NB} .jp-OutputArea-output img", "els => els.map(e => e.complete ? e.naturalWidth : 0)"
    )


def widget_problems(page: Any) -> list[str]:
    """Texts of widget outputs that did not render (JupyterLab says why in their place)."""
    return page.eval_on_selector_all(
        f'{NB} .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.widget-view+json"]',
        """els => els.filter(e => !e.querySelector('.jupyter-widgets') || /Error displaying widget|Loading widget/
                                   .test(e.textContent)).map(e => e.textContent.trim().slice(0, 200))""",
    )


def widget_controls(page: Any) -> int:
    return len(
        page.query_selector_all(
            f"{NB} .jp-OutputArea-output .jupyter-widgets.widget-inline-hbox, "
            f"{NB} .jp-OutputArea-output .jupyter-widgets.widget-box"
        )
    )


@dataclass
class SliderMove:
    description: str
    changed: bool
    seconds: float
    unfinished: bool
    """The output shows NotImplementedError: it depends on an exercise not done yet."""


def move_sliders(page: Any, timeout: float = 15.0) -> list[SliderMove]:
    """Move every enabled slider one step with the keyboard; report whether the output next to it changed, and how fast.

    The output is the nearest widget output area in the same widget box (what ``interact``
    builds), or failing that the cell's output area. Disabled sliders (greyed out because the
    current settings do not use them) are left alone.
    """
    moves = []
    handles = page.locator(f"{NB} .jp-OutputArea-output .widget-slider .noUi-handle")
    for i in range(handles.count()):
        handle = handles.nth(i)
        if handle.evaluate("h => !!h.closest('[disabled]')"):
            continue
        handle.scroll_into_view_if_needed()
        box = handle.evaluate_handle("h => h.closest('.widget-box') || h.closest('.jp-OutputArea')")
        description = handle.evaluate(
            """h => { const s = h.closest('.widget-slider');
                      const label = s && s.querySelector('.widget-label');
                      return label ? label.textContent.trim() : 'slider'; }"""
        )
        before = box.evaluate("b => (b.querySelector('.widget-output') || b).innerHTML")
        unfinished = "NotImplementedError" in box.evaluate("b => (b.querySelector('.widget-output') || b).textContent")
        start = time.monotonic()
        handle.focus()
        page.keyboard.press("ArrowRight")
        changed = False
        while time.monotonic() - start < (3.0 if unfinished else timeout):
            now = box.evaluate("b => (b.querySelector('.widget-output') || b).innerHTML")
            busy = page.query_selector("#jp-main-statusbar >> text=Busy") is not None
            if now != before and now.strip() and not busy:
                changed = True
                break
            time.sleep(0.1)
        moves.append(SliderMove(description, changed, time.monotonic() - start, unfinished))
    return moves
