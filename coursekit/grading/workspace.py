"""A grading workspace on disk (``grading/`` by default), in nbgrader's layout plus coursekit's own folder::

    <workspace>/submitted/<student>/<assignment>/<notebook>.ipynb    (input, never modified)
    <workspace>/autograded/  <workspace>/feedback/  <workspace>/gradebook.db   (nbgrader's)
    <workspace>/grades.csv   <workspace>/integrity.json                        (reports)
    <workspace>/integrity_overrides.csv                                        (the instructor's)
    <workspace>/.coursekit/staging/<student>/<assignment>/     repaired copies that nbgrader reads
    <workspace>/.coursekit/sanitized/<student>/<assignment>/   what nbgrader's sanitizing made of them
    <workspace>/.coursekit/executed/<assignment>/<student>/    executed notebooks, with the input they ran
    <workspace>/.coursekit/done/<assignment>/<student>.json    completion records

A completion record is written last, after the gradebook and the feedback: a run killed at any
point leaves none for the submission it was on, so the next run grades that one again.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any

__all__ = ["Workspace"]


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class Workspace:
    """The folders and files of one grading workspace (see the module docstring)."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        self.submitted = self.root / "submitted"
        private = self.root / ".coursekit"
        self.staging = private / "staging"
        self.sanitized = private / "sanitized"
        self.executed = private / "executed"
        self.done = private / "done"
        self.scratch_db = private / "scratch.db"  # a copy of the gradebook to sanitize against
        for p in (self.staging, self.sanitized, self.executed, self.done):
            p.mkdir(parents=True, exist_ok=True)

    def students(self, assignment: str) -> list[str]:
        """Students with a folder for ``assignment`` under ``submitted/``, sorted."""
        if not self.submitted.is_dir():
            return []
        return sorted(
            p.name for p in self.submitted.iterdir() if (p / assignment).is_dir() and not p.name.startswith(".")
        )

    def overrides(self) -> set[tuple[str, str, str]]:
        """(student, assignment, exercise) triples an instructor cleared in ``integrity_overrides.csv``."""
        path = self.root / "integrity_overrides.csv"
        if not path.is_file():
            return set()
        with path.open(newline="", encoding="utf-8") as fh:
            return {(r["student"], r["assignment"], r["exercise"]) for r in csv.DictReader(fh)}

    # --- completion records ---------------------------------------------------------------------

    def record(self, student: str, assignment: str) -> dict[str, Any] | None:
        """The completion record of a submission, or None (never graded, or cut short by a kill)."""
        try:
            record: dict[str, Any] = json.loads((self.done / assignment / f"{student}.json").read_text("utf-8"))
        except (OSError, json.JSONDecodeError):
            return None
        return record

    def write_record(self, student: str, assignment: str, record: dict[str, Any]) -> None:
        _write_atomically(self.done / assignment / f"{student}.json", json.dumps(record, indent=1, sort_keys=True))

    # --- executed notebooks ---------------------------------------------------------------------

    def sanitized_notebook(self, student: str, assignment: str, name: str) -> Path:
        """Where nbgrader's sanitizing step writes a submitted notebook."""
        return self.sanitized / student / assignment / f"{name}.ipynb"

    def executed_notebook(self, student: str, assignment: str, name: str) -> Path:
        """Where the executed version of a sanitized notebook is kept."""
        return self.executed / assignment / student / f"{name}.ipynb"

    def cached_execution(self, student: str, assignment: str, name: str, sanitized: str) -> str | None:
        """The executed notebook of this very input (``sanitized``, JSON text), if it was executed before."""
        out = self.executed_notebook(student, assignment, name)
        key = out.with_suffix(".input")
        if key.is_file() and out.is_file() and key.read_text(encoding="utf-8") == sanitized:
            return out.read_text(encoding="utf-8")
        return None

    def cache_execution(self, student: str, assignment: str, name: str, sanitized: str, executed: str) -> None:
        """Keep ``executed`` (JSON text) as the result of running ``sanitized``."""
        out = self.executed_notebook(student, assignment, name)
        _write_atomically(out, executed)
        _write_atomically(out.with_suffix(".input"), sanitized)
