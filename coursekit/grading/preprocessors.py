"""nbgrader preprocessors that let ``coursekit grade`` execute submissions elsewhere.

nbgrader's autograde is: sanitize the submission, execute it, save the grades. ``coursekit
grade`` runs the same converter twice per submission in its own process: once with no
autograde preprocessors (it yields the sanitized notebook, against a scratch gradebook), and
once with :class:`UseExecuted` where ``Execute`` stood, which hands over the notebook that a
sandboxed worker executed meanwhile. Everything nbgrader records therefore comes from
nbgrader's own code, while the execution runs in parallel, sandboxed, possibly on a cluster.
"""

from __future__ import annotations

from typing import Any

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

__all__ = ["UseExecuted", "EXECUTED", "AUTOGRADE_AFTER_EXECUTION"]

#: (student, assignment, notebook) -> executed notebook, filled in by coursekit.grading.grade.
EXECUTED: dict[tuple[str, str, str], Any] = {}

#: nbgrader's autograde preprocessors after ``Execute``, by import path.
AUTOGRADE_AFTER_EXECUTION = [
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]


class UseExecuted(Preprocessor):
    """Replace the sanitized notebook by its executed version from :data:`EXECUTED`.

    The executed notebook must have the same cells (type and source) as the sanitized one
    nbgrader passes in; anything else means the two phases disagree and is an error.
    """

    enabled = Bool(True)  # nbconvert skips preprocessors that are not enabled

    def preprocess(self, nb: Any, resources: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        info = resources["nbgrader"]
        key = (info["student"], info["assignment"], info["notebook"])
        executed = EXECUTED.get(key)
        if executed is None:
            raise RuntimeError(f"no executed notebook for {key}")
        mine = [(c.cell_type, c.source) for c in nb.cells]
        theirs = [(c.cell_type, c.source) for c in executed.cells]
        if mine != theirs:
            raise RuntimeError(f"the executed notebook of {key} does not match the sanitized submission")
        for cell, done in zip(nb.cells, executed.cells, strict=True):
            if cell.cell_type == "code":
                cell.outputs = done.get("outputs", [])
                cell.execution_count = done.get("execution_count")
        return nb, resources
