"""Running nbgrader in-process with the course's configuration.

Every ``nbgrader`` command pays seconds of start-up; calling its converters
through :class:`nbgrader.apps.NbGraderAPI` in one process pays it once.
"""

from __future__ import annotations

import functools
import logging
import os
import re
from pathlib import Path
from typing import Any

from coursekit.grading.course import Course, CourseError

__all__ = ["load_config", "nbgrader_api", "run_step"]


def load_config(course: Course, *, workspace: Path | None = None, release_dir: Path | None = None) -> Any:
    """Load ``nbgrader_config.py`` of ``course`` as a traitlets ``Config``.

    Parameters
    ----------
    course : Course
        The course checkout.
    workspace : Path, optional
        Folder for submitted/, autograded/, feedback/ and the gradebook, instead of the
        configured one.
    release_dir : Path, optional
        Where generated student notebooks go, instead of ``notebooks/``.
    """
    from traitlets.config.loader import PyFileConfigLoader

    cfg = PyFileConfigLoader("nbgrader_config.py", path=str(course.root)).load_config()
    cd = cfg.CourseDirectory
    cd.root = str(course.root)
    if workspace is not None:
        workspace = Path(workspace).resolve()
        workspace.mkdir(parents=True, exist_ok=True)
        cd.submitted_directory = str(workspace / "submitted")
        cd.autograded_directory = str(workspace / "autograded")
        cd.feedback_directory = str(workspace / "feedback")
        cd.db_url = "sqlite:///" + str(workspace / "gradebook.db")
    if release_dir is not None:
        cd.release_directory = str(Path(release_dir).resolve())
    return cfg


@functools.cache
def _alembic_head() -> str:
    """The gradebook schema's newest revision, read in-process.

    nbgrader asks for it by running the ``alembic`` command whenever it opens a new
    gradebook, which costs seconds per gradebook; the answer is a file lookup.
    """
    import nbgrader
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(os.path.join(os.path.dirname(nbgrader.__file__), "alembic")).get_current_head()
    if head is None:
        raise CourseError("nbgrader's gradebook migrations have no head revision; reinstall nbgrader")
    return head


def nbgrader_api(cfg: Any) -> Any:
    """An :class:`nbgrader.apps.NbGraderAPI` for ``cfg`` whose log stays quiet."""
    import nbgrader.api
    from nbgrader.apps import NbGraderAPI

    nbgrader.api.get_alembic_version = _alembic_head
    api = NbGraderAPI(config=cfg)
    api.log.handlers.clear()
    api.log.addHandler(logging.NullHandler())
    api.log.propagate = False
    api.log.setLevel(logging.INFO)
    return api


def _reason(result: dict[str, Any]) -> str:
    """The most telling line of a failed nbgrader step: its last specific error message."""
    text = (result.get("log") or "") + "\n" + (result.get("error") or "")
    lines = [ln.strip() for ln in text.splitlines()]
    errors = [ln for ln in lines if re.match(r"^[\w.]*(Error|Exception|Exit|Interrupt)\b.*:", ln)
              and "Please see the" not in ln]
    if errors:
        return errors[-1]
    logged = [ln[len("[ERROR] "):] for ln in lines if ln.startswith("[ERROR]") and "Please see the" not in ln]
    return logged[-1] if logged else "see nbgrader's log"



def run_step(api: Any, step: str, *args: Any, **kwargs: Any) -> str:
    """Call ``api.<step>(*args, **kwargs)``; return its log, or raise with it on failure."""
    os.makedirs(api.coursedir.root, exist_ok=True)
    result = getattr(api, step)(*args, **kwargs)
    if not result.get("success"):
        raise CourseError(f"nbgrader {step} {' '.join(map(str, args))} failed: {_reason(result)}")
    return result.get("log", "")
