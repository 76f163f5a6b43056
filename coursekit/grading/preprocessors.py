"""nbgrader preprocessors that let ``coursekit grade`` execute submissions elsewhere.

nbgrader's autograde is: sanitize the submission, execute it, save the grades. ``coursekit
grade`` runs the same converter twice per submission in its own process: once with no
autograde preprocessors (it yields the sanitized notebook, against a scratch gradebook), and
once with no sanitizing preprocessors and :class:`UseExecuted` where ``Execute`` stood, which
hands over the sanitized notebook as a sandboxed worker executed it meanwhile. Everything
nbgrader records therefore comes from nbgrader's own code, while the execution runs in
parallel, sandboxed, possibly on a cluster.
"""

from __future__ import annotations

from typing import Any

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

__all__ = ["UseExecuted", "EXECUTED", "AUTOGRADE_AFTER_EXECUTION"]

#: (student, assignment, notebook) -> (sanitized notebook, the same executed), filled in by coursekit.grading.grade.
EXECUTED: dict[tuple[str, str, str], tuple[Any, Any]] = {}

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
    """Hand over the executed version of the submission from :data:`EXECUTED`.

    What comes back is the sanitized notebook with the outputs and execution counts of its
    executed version, which must have the same cells (type, source and nbgrader metadata);
    anything else means the two phases disagree and is an error.
    """

    enabled = Bool(True)  # nbconvert skips preprocessors that are not enabled

    def preprocess(self, nb: Any, resources: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        info = resources["nbgrader"]
        key = (info["student"], info["assignment"], info["notebook"])
        if key not in EXECUTED:
            raise RuntimeError(f"no executed notebook for {key}")
        sanitized, executed = EXECUTED[key]

        def shape(book: Any) -> list[tuple[str, str, Any]]:
            return [(c.cell_type, c.source, c.get("metadata", {}).get("nbgrader")) for c in book.cells]

        if shape(sanitized) != shape(executed):
            raise RuntimeError(f"the executed notebook of {key} does not match the sanitized submission")
        for cell, done in zip(sanitized.cells, executed.cells, strict=True):
            if cell.cell_type == "code":
                cell.outputs = done.get("outputs", [])
                cell.execution_count = done.get("execution_count")
        return sanitized, resources
