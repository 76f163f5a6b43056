"""nbgrader preprocessors that let ``coursekit grade`` execute submissions elsewhere.

nbgrader's autograde is: sanitize the submission, execute it, save the grades. ``coursekit
grade`` runs the same converter twice per submission in its own process: once with no
autograde preprocessors (it yields the sanitized notebook, against a scratch gradebook), and
once with no sanitizing preprocessors and :class:`UseExecuted` where ``Execute`` stood, which
reads the sanitized notebook and the executed version that a sandboxed worker made of it from
the grading workspace (:class:`coursekit.grading.workspace.Workspace`). Everything nbgrader
records therefore comes from nbgrader's own code, while the execution runs in parallel,
sandboxed, possibly on a cluster.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Unicode

__all__ = ["UseExecuted", "AUTOGRADE_AFTER_EXECUTION"]

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
    """Hand over the executed version of the submission, read from the grading workspace.

    What comes back is the sanitized notebook (``sanitized_dir/<student>/<assignment>/<nb>.ipynb``)
    with the outputs and execution counts of its executed version
    (``executed_dir/<assignment>/<student>/<nb>.ipynb``), which must have the same cells (type,
    source and nbgrader metadata); anything else means the two phases disagree and is an error.
    """

    enabled = Bool(True)  # nbconvert skips preprocessors that are not enabled
    sanitized_dir = Unicode("", help="the workspace's folder of sanitized submissions").tag(config=True)
    executed_dir = Unicode("", help="the workspace's folder of executed submissions").tag(config=True)

    def preprocess(self, nb: Any, resources: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        info = resources["nbgrader"]
        student, assignment, name = info["student"], info["assignment"], info["notebook"]
        executed_path = Path(self.executed_dir) / assignment / student / f"{name}.ipynb"
        if not executed_path.is_file():
            raise RuntimeError(f"no executed notebook for {student}/{assignment}/{name}")
        sanitized = nbformat.read(Path(self.sanitized_dir) / student / assignment / f"{name}.ipynb", as_version=4)
        executed = nbformat.read(executed_path, as_version=4)

        def shape(book: Any) -> list[tuple[str, str, Any]]:
            return [(c.cell_type, c.source, c.get("metadata", {}).get("nbgrader")) for c in book.cells]

        if shape(sanitized) != shape(executed):
            raise RuntimeError(f"the executed notebook of {student}/{assignment}/{name} does not match the submission")
        for cell, done in zip(sanitized.cells, executed.cells, strict=True):
            if cell.cell_type == "code":
                cell.outputs = done.get("outputs", [])
                cell.execution_count = done.get("execution_count")
        return sanitized, resources
