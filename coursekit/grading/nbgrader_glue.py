"""Running nbgrader in-process with the course's configuration, and the two converters of a grading run.

Every ``nbgrader`` command pays seconds of start-up; calling its converters
through :class:`nbgrader.apps.NbGraderAPI` in one process pays it once.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from coursekit.grading.course import Course, CourseError
from coursekit.grading.preprocessors import AUTOGRADE_AFTER_EXECUTION
from coursekit.grading.workspace import Workspace

__all__ = ["Nbgrader", "load_config", "nbgrader_api", "run_step", "scratch_url", "sqlite_path"]


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

    try:
        cfg = PyFileConfigLoader("nbgrader_config.py", path=str(course.root)).load_config()
    except SyntaxError as exc:
        raise CourseError(f"nbgrader_config.py, line {exc.lineno}: {exc.msg}; fix the file and run again") from None
    except Exception as exc:  # noqa: BLE001 - a config file can raise anything; say what, in one line
        raise CourseError(f"nbgrader_config.py could not be loaded: {type(exc).__name__}: {exc}") from None
    cd = cfg.CourseDirectory
    cd.root = str(course.root)
    if workspace is not None:
        workspace = Path(workspace).resolve()
        workspace.mkdir(parents=True, exist_ok=True)
        # A gradebook the instructor configured (another file, PostgreSQL ...) is kept; only the course's
        # default, <workspace>/gradebook.db next to submitted/, follows --workspace.
        configured_workspace = Path(str(cd.get("submitted_directory", "grading/submitted"))).parent
        default_db = (Path(course.root) / configured_workspace / "gradebook.db").resolve()
        url = str(cd.get("db_url", ""))
        custom_db = bool(url) and not (url.startswith("sqlite:///") and Path(url[10:]).resolve() == default_db)
        cd.submitted_directory = str(workspace / "submitted")
        cd.autograded_directory = str(workspace / "autograded")
        cd.feedback_directory = str(workspace / "feedback")
        if not custom_db:
            cd.db_url = "sqlite:///" + str(workspace / "gradebook.db")
    if release_dir is not None:
        cd.release_directory = str(Path(release_dir).resolve())
    return cfg


def sqlite_path(db_url: str) -> Path:
    """The file of an SQLite gradebook URL (``sqlite:///path``), or a one-line error for any other database.

    ``coursekit grade`` records into a scratch copy of the gradebook while it runs, which needs a file.
    """
    prefix = "sqlite:///"
    if not db_url.startswith(prefix) or db_url == prefix or ":memory:" in db_url:
        raise CourseError(
            f"db_url {db_url!r} in nbgrader_config.py is not an SQLite file (sqlite:///path/to/gradebook.db); "
            "coursekit grade needs one: point db_url at a file, or grade with plain 'nbgrader autograde'"
        )
    return Path(db_url[len(prefix) :]).resolve()


def nbgrader_api(cfg: Any) -> Any:
    """An :class:`nbgrader.apps.NbGraderAPI` for ``cfg`` whose log stays quiet."""
    from nbgrader.apps import NbGraderAPI

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
    errors = [
        ln
        for ln in lines
        if re.match(r"^[\w.]*(Error|Exception|Exit|Interrupt)\b.*:", ln) and "Please see the" not in ln
    ]
    if errors:
        return errors[-1]
    logged = [ln[len("[ERROR] ") :] for ln in lines if ln.startswith("[ERROR]") and "Please see the" not in ln]
    return logged[-1] if logged else "see nbgrader's log"


def run_step(api: Any, step: str, *args: Any, **kwargs: Any) -> str:
    """Call ``api.<step>(*args, **kwargs)``; return its log, or raise with it on failure."""
    os.makedirs(api.coursedir.root, exist_ok=True)
    result = getattr(api, step)(*args, **kwargs)
    if not result.get("success"):
        raise CourseError(f"nbgrader {step} {' '.join(map(str, args))} failed: {_reason(result)}")
    return result.get("log", "")


class Nbgrader:
    """The two nbgrader converters of a grading run, configured from the course's ``nbgrader_config.py``.

    ``recorder`` records executed notebooks into the gradebook and writes feedback; ``sanitizer``
    only sanitizes, against a scratch copy of the gradebook. Both read submissions from the
    workspace's staging folder. Making one registers ``assignments`` in the gradebook.
    """

    def __init__(self, course: Course, ws: Workspace, assignments: list[str], say: Callable[[str], None]):
        self.cfg = load_config(course, workspace=ws.root, release_dir=ws.root / "release")
        self.cfg.CourseDirectory.submitted_directory = str(ws.staging)
        # The executed notebook was sanitized before it was executed: recording takes it as it is.
        self.cfg.Autograde.sanitize_preprocessors = []
        self.cfg.Autograde.autograde_preprocessors = [
            "coursekit.grading.preprocessors.UseExecuted",
            *AUTOGRADE_AFTER_EXECUTION,
        ]
        self.cfg.UseExecuted.sanitized_dir = str(ws.sanitized)
        self.cfg.UseExecuted.executed_dir = str(ws.executed)
        # nbgrader's feedback exporter with its templates, Markdown and highlighting cached across students
        self.cfg.GenerateFeedback.exporter_class = "coursekit.grading.feedback.FeedbackExporter"
        self.db_url = str(self.cfg.CourseDirectory.db_url)
        db = sqlite_path(self.db_url)
        if db != ws.root / "gradebook.db":
            say(f"gradebook: {db} (db_url of nbgrader_config.py)")
        self.recorder = nbgrader_api(self.cfg)
        for assignment in assignments:
            run_step(self.recorder, "generate_assignment", assignment, force=True, create=True)
        shutil.copyfile(db, ws.scratch_db)
        scfg = load_config(course, workspace=ws.root, release_dir=ws.root / "release")
        scfg.CourseDirectory.submitted_directory = str(ws.staging)
        scfg.CourseDirectory.autograded_directory = str(ws.sanitized)
        scfg.CourseDirectory.db_url = scratch_url(ws)
        scfg.Autograde.autograde_preprocessors = []
        self.sanitizer = nbgrader_api(scfg)


def scratch_url(ws: Workspace) -> str:
    return "sqlite:///" + str(ws.scratch_db)
