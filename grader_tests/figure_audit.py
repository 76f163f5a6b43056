"""Run inside a kernel: after every cell, look at each new matplotlib figure the way a reader would.

Loaded by ``test_figures.py`` as the first cell of a notebook. For each axes that shows data it
records what is missing: a title (its own or the figure's), axis labels (not needed for images
or when the axes are hidden; in a grid, one label per column or row is enough, the usual
convention), a legend when two or more artists are labelled (one legend may serve a whole
figure whose panels show the same labels), and whether the labelled lines can be told apart
in greyscale (by lightness, line style or marker). The findings
go to the JSON file named by ``COURSEKIT_FIGURE_AUDIT``.
"""

import json
import os

import matplotlib.pyplot as plt
from matplotlib.colors import to_rgb

_SEEN: set[int] = set()
_FINDINGS: list[dict] = []
_CELL = [0]


def _lightness(color) -> float:
    r, g, b = to_rgb(color)
    return 0.299 * r + 0.587 * g + 0.114 * b


def _has_data(ax) -> bool:
    return bool(ax.lines or ax.collections or ax.patches or ax.images)


def _style(line) -> tuple:
    """What tells a line apart without colour: its dash pattern and its marker."""
    dashes = getattr(line, "_unscaled_dash_pattern", None) or line.get_linestyle()
    return (repr(dashes), line.get_marker())


def _labels(ax) -> set[str]:
    return {
        a.get_label()
        for a in (*ax.lines, *ax.collections, *ax.patches)
        if a.get_label() and not a.get_label().startswith("_")
    }


def _mates(fig, ax, along: str) -> list:
    """``ax`` and the axes of the figure in the same grid column (``"col"``) or row (``"row"``)."""
    spec = ax.get_subplotspec() if hasattr(ax, "get_subplotspec") else None
    if spec is None:
        return [ax]
    span = spec.colspan if along == "col" else spec.rowspan
    out = []
    for other in fig.axes:
        other_spec = other.get_subplotspec() if hasattr(other, "get_subplotspec") else None
        if other_spec is not None and other_spec.get_gridspec() is spec.get_gridspec():
            if (other_spec.colspan if along == "col" else other_spec.rowspan) == span:
                out.append(other)
    return out or [ax]


def _audit_axes(fig, ax) -> list[str]:
    problems = []
    if not ax.axison or not _has_data(ax) or getattr(ax, "_colorbar", None) is not None:
        return problems
    suptitle = fig._suptitle.get_text() if fig._suptitle is not None else ""
    if not (ax.get_title() or ax.get_title("left") or ax.get_title("right") or suptitle):
        problems.append("no title")
    if not ax.images and not hasattr(ax, "get_zlabel"):
        if not any(other.get_xlabel() for other in _mates(fig, ax, "col")):
            problems.append("no x-axis label")
        if not any(other.get_ylabel() for other in _mates(fig, ax, "row")):
            problems.append("no y-axis label")
    labels = _labels(ax)
    if (
        len(labels) >= 2
        and ax.get_legend() is None
        and not fig.legends
        and not any(other.get_legend() is not None and labels <= _labels(other) for other in fig.axes)
    ):
        problems.append(f"{len(labels)} labelled artists but no legend")
    lines = [ln for ln in ax.lines if ln.get_label() and not ln.get_label().startswith("_")]
    for i, a in enumerate(lines):
        for b in lines[i + 1 :]:
            same_style = _style(a) == _style(b)
            if same_style and abs(_lightness(a.get_color()) - _lightness(b.get_color())) < 0.12:
                problems.append(f"lines '{a.get_label()}' and '{b.get_label()}' look alike in greyscale")
    return problems


def _audit(result=None) -> None:
    _CELL[0] += 1
    for num in plt.get_fignums():
        fig = plt.figure(num)
        if id(fig) in _SEEN:
            continue
        _SEEN.add(id(fig))
        for k, ax in enumerate(fig.axes):
            for problem in _audit_axes(fig, ax):
                _FINDINGS.append({"cell": _CELL[0] - 1, "axes": k, "title": ax.get_title(), "problem": problem})
    with open(os.environ["COURSEKIT_FIGURE_AUDIT"], "w", encoding="utf-8") as f:
        json.dump(_FINDINGS, f, indent=1)


get_ipython().events.register("post_run_cell", _audit)  # noqa: F821
