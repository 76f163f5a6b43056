"""Bring submissions into a clean, gradable form before nbgrader sees them.

A class's submissions arrive broken in every way: a notebook saved under another name, an
old nbformat, stray bytes that are not UTF-8, an empty file, no notebook at all. Staging
copies each ``submitted/<student>/<assignment>/`` folder to a staging folder, repairs what
an honest grader would repair (and says so), and reports in one line what it cannot repair.
The submitted files themselves are never changed.

LMS downloads (one zip of files named by student) are unpacked into ``submitted/`` with
nbgrader's ``zip_collect`` conventions: a regular expression with ``student_id`` and
``file_id`` groups (``FileNameCollectorPlugin.named_regexp`` in nbgrader_config.py).
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import shutil
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

__all__ = ["Staged", "stage", "digest", "misplaced", "unpack_zip", "DEFAULT_ZIP_REGEXP"]

#: nbgrader's documented example: ``ps1_bitdiddle_attempt_2016-01-30-15-00-00_problem1.ipynb``.
DEFAULT_ZIP_REGEXP = r".*_(?P<student_id>\w+)_attempt_(?P<timestamp>[0-9\-]+)_(?P<file_id>\w+)"
#: A submitted file larger than this is not copied (MiB).
MAX_FILE_MB = 50


@dataclass
class Staged:
    """The outcome of staging one submission."""

    student: str
    assignment: str
    digest: str
    problem: str | None = None
    notes: list[str] = field(default_factory=list)
    #: notebook name -> the notebook as submitted (repaired, but before duplicates are resolved)
    notebooks: dict[str, Any] = field(default_factory=dict)


def digest(folder: Path) -> str:
    """A fingerprint of everything in ``folder`` (names and bytes)."""
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(folder)).encode())
        h.update(b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def _read_notebook(path: Path, notes: list[str], max_mb: float) -> tuple[object | None, str | None]:
    """Read a submitted notebook as nbformat 4, repairing what can honestly be repaired."""
    size = path.stat().st_size
    if size > max_mb * 2**20:
        return None, (
            f"{path.name} is {size / 2**20:.1f} MiB, more than the {max_mb:g} MiB a notebook may be "
            "(--max-notebook-mb); the course's notebooks are about 1 MiB"
        )
    raw = path.read_bytes()
    if not raw.strip():
        return None, f"{path.name} is empty"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = raw.decode("utf-8", errors="replace")
        notes.append(f"{path.name} had bytes that are not UTF-8 (at byte {exc.start}); they were replaced")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"{path.name} is not a notebook: invalid JSON at line {exc.lineno}, column {exc.colno}"
    if not isinstance(data, dict) or "nbformat" not in data:
        return None, f"{path.name} is not a notebook: no 'nbformat' field"
    major = data.get("nbformat")
    if major not in (3, 4):
        return None, f"{path.name} has nbformat {major}; expected 4"
    bad_ids = _bad_cell_ids(data)
    odd = _drop_odd_metadata(data.get("cells"))
    try:
        with warnings.catch_warnings():
            # nbformat warns (on stderr) about missing or duplicated cell ids while it repairs them; say it once below
            warnings.simplefilter("ignore")
            nb = nbformat.reads(json.dumps(data) if odd else text, as_version=4)
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds for broken files
        return None, f"{path.name} could not be read as a notebook ({type(exc).__name__})"
    if bad_ids:
        notes.append(f"{path.name}: {bad_ids} cell id(s) missing or duplicated, repaired")
    if major == 3:
        notes.append(f"{path.name} was in nbformat 3 and was converted to nbformat 4")
    if not isinstance(nb.get("cells"), list):
        return None, f"{path.name} has no cells"
    if odd:
        notes.append(f"{path.name}: {odd} cell(s) had metadata nbgrader cannot have written; it was dropped")
    if not any(c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells):
        return None, (
            f"{path.name} has no nbgrader cell metadata: it was not made from the released notebook "
            "(cells copied into a new notebook, or saved by a tool that drops metadata)"
        )
    return nb, None


def _drop_odd_metadata(cells: object) -> int:
    """In a notebook's JSON, make every cell's metadata, and its nbgrader part, a dict (dropping what
    is not); return how many cells needed it. Later steps (and nbgrader) can then trust the types."""
    odd = 0
    for cell in cells if isinstance(cells, list) else []:
        if not isinstance(cell, dict):
            continue  # nbformat refuses such a notebook in one line
        if not isinstance(cell.get("metadata", {}), dict):
            cell["metadata"] = {}
            odd += 1
        elif not isinstance(cell.get("metadata", {}).get("nbgrader", {}), dict):
            del cell["metadata"]["nbgrader"]
            odd += 1
    return odd


def _bad_cell_ids(data: dict[str, Any]) -> int:
    """How many cells of an nbformat >= 4.5 notebook (as JSON) have no id or an id an earlier cell has."""
    if data.get("nbformat") != 4 or not isinstance(data.get("nbformat_minor"), int) or data["nbformat_minor"] < 5:
        return 0
    seen: set[object] = set()
    bad = 0
    for cell in data.get("cells") or []:
        cid = cell.get("id") if isinstance(cell, dict) else None
        if not cid or cid in seen:
            bad += 1
        seen.add(cid)
    return bad


def stage(
    submitted: Path, staging: Path, student: str, assignment: str, notebooks: list[str], max_notebook_mb: float = 8
) -> Staged:
    """Copy one submission to ``staging``, repaired, and say what was wrong.

    Parameters
    ----------
    submitted, staging : Path
        Roots of the ``<student>/<assignment>/`` trees.
    student, assignment : str
        Which submission.
    notebooks : list of str
        Names (without ``.ipynb``) of the notebooks the assignment has.
    max_notebook_mb : float
        A larger notebook is refused (a problem), unread.
    """
    src = submitted / student / assignment
    dst = staging / student / assignment
    if dst.exists():
        shutil.rmtree(dst)
    dst.mkdir(parents=True)
    result = Staged(student, assignment, digest(src))
    for path in sorted(p for p in src.rglob("*") if p.is_file() and p.suffix != ".ipynb"):
        if path.stat().st_size <= MAX_FILE_MB * 2**20 and not path.is_symlink():
            target = dst / path.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    present = sorted(p for p in src.glob("*.ipynb") if p.is_file())
    expected = {f"{name}.ipynb" for name in notebooks}
    strays = [p for p in present if p.name not in expected]
    for name in notebooks:
        path = src / f"{name}.ipynb"
        if not path.is_file():
            if len(notebooks) == 1 and len(strays) == 1:
                path = strays[0]
                result.notes.append(f"graded {path.name} as {name}.ipynb")
            elif strays:
                result.problem = (
                    f"no {name}.ipynb; found {', '.join(p.name for p in strays)} (rename the right one to grade it)"
                )
                return result
            else:
                result.problem = f"no {name}.ipynb was submitted"
                return result
        nb, problem = _read_notebook(path, result.notes, max_notebook_mb)
        if problem:
            result.problem = problem
            return result
        result.notebooks[name] = copy.deepcopy(nb)
        nbformat.write(_first_copies_only(nb, result.notes), dst / f"{name}.ipynb")
    return result


def _first_copies_only(nb: Any, notes: list[str]) -> Any:
    """Keep the nbgrader role of the first cell with each grade_id; later copies become plain cells.

    nbgrader itself stops with a KeyError on such notebooks.
    """
    seen: set[str] = set()
    for cell in nb.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid is None:
            continue
        if gid in seen:
            del cell.metadata["nbgrader"]
            notes.append(f"the cell '{gid}' appears more than once; only the first copy is graded")
        seen.add(gid)
    return nb


def misplaced(submitted: Path, assignments: list[str]) -> list[str]:
    """One line for every file or folder in ``submitted/`` that grading would otherwise pass over in silence.

    The layout is ``submitted/<student>/<assignment>/<notebook>.ipynb``; ``assignments`` are the
    course's assignment names. Hidden files and folders (``.ipynb_checkpoints`` ...) are ignored.
    """
    expected = "expected submitted/<student>/<assignment>/<notebook>.ipynb"
    known = set(assignments)
    lines: list[str] = []
    if not submitted.is_dir():
        return lines
    for top in sorted(p for p in submitted.iterdir() if not p.name.startswith(".")):
        if not top.is_dir():
            lines.append(f"submitted/{top.name}: not in a student's folder, not graded ({expected})")
        elif top.name in known:
            for inner in sorted(p for p in top.iterdir() if p.is_dir() and not p.name.startswith(".")):
                lines.append(
                    f"submitted/{top.name}/{inner.name}/: the folders look swapped, not graded "
                    f"(expected submitted/{inner.name}/{top.name}/)"
                )
        else:
            for inner in sorted(p for p in top.iterdir() if not p.name.startswith(".")):
                if inner.is_file() and inner.suffix == ".ipynb":
                    guess = inner.stem if inner.stem in known else "<assignment>"
                    lines.append(
                        f"submitted/{top.name}/{inner.name}: no assignment folder, not graded "
                        f"(expected submitted/{top.name}/{guess}/{inner.name})"
                    )
                elif inner.is_dir() and inner.name not in known:
                    lines.append(
                        f"submitted/{top.name}/{inner.name}/: not an assignment of the course, not graded ({expected})"
                    )
    return lines


def _folder_name(student_id: str) -> str:
    """A folder name for ``student_id``: letters of any script, digits, ``_ . -``; anything else becomes ``_``."""
    name = re.sub(r"[^\w.\-]+", "_", unicodedata.normalize("NFC", student_id.strip())).strip("._")
    return name or "_"


def _is_junk(path: str) -> bool:
    """macOS and Windows litter (``__MACOSX/``, ``._name`` AppleDouble files, ``.DS_Store``, ``Thumbs.db``)."""
    parts = path.replace("\\", "/").split("/")
    return "__MACOSX" in parts or parts[-1].startswith("._") or parts[-1] in (".DS_Store", "Thumbs.db")


def unpack_zip(
    archive: Path, submitted: Path, assignment: str, notebooks: list[str], regexp: str
) -> tuple[list[str], list[str]]:
    """Unpack an LMS zip into ``submitted/<student>/<assignment>/``; return the students and what was skipped.

    Each file's path in the archive, then its bare name, is matched with ``regexp`` (nbgrader's
    ``FileNameCollectorPlugin.named_regexp``: groups ``student_id`` and ``file_id``, optionally
    ``timestamp``). Its ``file_id`` names the notebook (with one notebook in the assignment, any
    name is taken for it); the ``timestamp`` goes to ``timestamp.txt``. A student id is made a safe
    folder name (``O'Brien`` -> ``O_Brien``, non-Latin letters kept). When a student uploaded the
    same notebook twice, the later upload (by ``timestamp``, else by the archive's file date) is
    kept. Nothing is ever written outside ``submitted/``: only the archive's bare file names are used.

    Returns
    -------
    students : list of str
        The folders written, sorted.
    notes : list of str
        One line per file skipped or renamed, and per upload that replaced an earlier one.
    """
    pattern = re.compile(regexp)
    notes: list[str] = []
    chosen: dict[tuple[str, str], tuple[tuple[str, tuple[int, ...]], zipfile.ZipInfo, str | None]] = {}
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            path = info.filename
            if info.is_dir():
                continue
            if _is_junk(path):
                notes.append(f"{path}: skipped (operating-system litter, not a submission)")
                continue
            if not path.lower().endswith(".ipynb"):
                notes.append(f"{path}: skipped (not a notebook)")
                continue
            if info.file_size > MAX_FILE_MB * 2**20:
                notes.append(f"{path}: skipped (larger than {MAX_FILE_MB} MiB)")
                continue
            base = path.replace("\\", "/").rsplit("/", 1)[-1]
            match = pattern.match(path) or pattern.match(base)
            found = match.groupdict() if match else {}
            if not found.get("student_id") or not found.get("file_id"):
                notes.append(f"{path}: skipped (its name does not match the LMS pattern {regexp!r})")
                continue
            student = _folder_name(found["student_id"])
            if student != found["student_id"]:
                notes.append(f"{path}: student {found['student_id']!r} is graded in the folder {student!r}")
            file_id = Path(found["file_id"].replace("\\", "/").rsplit("/", 1)[-1]).stem
            stem = file_id if file_id in notebooks or len(notebooks) != 1 else notebooks[0]
            when = (str(found.get("timestamp") or ""), tuple(info.date_time))
            key = (student, stem)
            if key in chosen:
                earlier = chosen[key]
                later_is_new = when >= earlier[0]
                kept, dropped = (path, earlier[1].filename) if later_is_new else (earlier[1].filename, path)
                notes.append(f"{student}: two uploads of {stem}.ipynb; kept the later one, {kept} (not {dropped})")
                if not later_is_new:
                    continue
            chosen[key] = (when, info, found.get("timestamp"))
        students: list[str] = []
        for (student, stem), (_, info, timestamp) in sorted(chosen.items()):
            folder = submitted / student / assignment
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{stem}.ipynb").write_bytes(zf.read(info))
            if timestamp:
                (folder / "timestamp.txt").write_text(str(timestamp), encoding="utf-8")
            if student not in students:
                students.append(student)
    return sorted(students), notes


def read_quietly(path: Path) -> Any | None:
    """A submitted notebook as nbformat reads it, or None if it cannot be read; nothing on stderr.

    For the reports, which look at every submission again after grading: what is wrong with a
    notebook was said once, when it was staged.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return nbformat.read(path, as_version=4)
    except Exception:  # noqa: BLE001 - nbformat raises many kinds for broken files
        return None
