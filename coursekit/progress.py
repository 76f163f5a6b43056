"""Progress bars for training loops that stay silent while nbgrader grades.

In JupyterLab, :func:`progress` shows tqdm's widget progress bar. While nbgrader
executes a notebook (it sets the environment variable ``NBGRADER_EXECUTION``),
the bar is disabled: nbgrader scores a test cell zero if anything reaches
stderr, and tqdm's text bar writes there.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TypeVar

T = TypeVar("T")

__all__ = ["GRADING", "grading", "progress"]


def grading() -> bool:
    """Return True while nbgrader executes the notebook (``NBGRADER_EXECUTION`` is set)."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


#: True while nbgrader executes the notebook; notebooks shrink heavy demos when it is.
GRADING: bool = grading()


def progress(iterable: Iterable[T], *, desc: str = "", total: int | None = None) -> Iterable[T]:
    """Wrap ``iterable`` in a notebook progress bar, or return it unchanged while grading.

    Parameters
    ----------
    iterable : iterable
        What the loop runs over (e.g. ``range(n_epochs)``).
    desc : str
        Label shown left of the bar.
    total : int, optional
        Number of items, when ``iterable`` has no ``len``.
    """
    if grading():
        return iterable
    from tqdm.auto import tqdm  # imported lazily: only notebooks need it

    return tqdm(iterable, desc=desc, total=total, leave=True)
