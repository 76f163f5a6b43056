"""LMS downloads (`coursekit grade --zip`): real naming schemes, litter, odd names, repeats, hostile paths."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import nbformat

from conftest import COURSE
from coursekit.grading.collect import DEFAULT_ZIP_REGEXP, unpack_zip
from coursekit.grading.examples import answer_ids, fill
from coursekit.grading.grade import grade

A = "01_linear_collapse"
CANVAS = r"(?P<student_id>[^_]+)_(?:LATE_)?\d+_\d+_(?P<file_id>.+)"
MOODLE = r"(?P<student_id>[^/]+?)_\d+_assignsubmission_file_/(?P<file_id>.+)"


def _notebook(tag: str) -> bytes:
    """A small notebook whose one cell says ``tag`` (to tell uploads apart)."""
    return nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(tag)])).encode()


def _zip(path: Path, files: dict[str, bytes], dates: dict[str, tuple[int, ...]] | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(dates or {}).get(name, (2026, 1, 1, 12, 0, 0)))
            zf.writestr(info, data)
    return path


def _unpacked(submitted: Path) -> dict[str, str]:
    """student folder -> the tag of the notebook written there."""
    out = {}
    for nb in sorted(submitted.glob(f"*/{A}/*.ipynb")):
        source = json.loads(nb.read_text(encoding="utf-8"))["cells"][0]["source"]
        out[nb.parent.parent.name] = "".join(source) if isinstance(source, list) else source
    return out


def test_blackboard_names_with_macos_litter(tmp_path):
    archive = _zip(
        tmp_path / "bb.zip",
        {
            "HW1_alice_attempt_2026-01-30-15-00-00_01_linear_collapse.ipynb": _notebook("alice"),
            "__MACOSX/._HW1_alice_attempt_2026-01-30-15-00-00_01_linear_collapse.ipynb": b"\x00\x05\x16\x07junk",
            "._HW1_bob_attempt_2026-01-30-15-00-00_01_linear_collapse.ipynb": b"\x00\x05\x16\x07junk",
            "HW1_bob_attempt_2026-01-30-15-00-00_01_linear_collapse.ipynb": _notebook("bob"),
            "HW1_bob_attempt_2026-01-30-15-00-00_notes.txt": b"hello",
            ".DS_Store": b"\x00",
        },
    )
    students, notes = unpack_zip(archive, tmp_path / "submitted", A, [A], DEFAULT_ZIP_REGEXP)
    assert students == ["alice", "bob"]
    assert _unpacked(tmp_path / "submitted") == {"alice": "alice", "bob": "bob"}  # the litter overwrote nothing
    assert sum("litter" in n for n in notes) == 3 and sum("not a notebook" in n for n in notes) == 1, notes
    assert (tmp_path / "submitted" / "alice" / A / "timestamp.txt").read_text() == "2026-01-30-15-00-00"


def test_canvas_names_late_and_resubmitted(tmp_path):
    archive = _zip(
        tmp_path / "canvas.zip",
        {
            "obrienmary_12345_678901_01_linear_collapse.ipynb": _notebook("first"),
            "obrienmary_12345_678955_01_linear_collapse-1.ipynb": _notebook("second"),
            "smithjohn_LATE_23456_678902_01_linear_collapse.ipynb": _notebook("john"),
        },
        dates={"obrienmary_12345_678955_01_linear_collapse-1.ipynb": (2026, 1, 2, 9, 0, 0)},
    )
    students, notes = unpack_zip(archive, tmp_path / "submitted", A, [A], CANVAS)
    assert students == ["obrienmary", "smithjohn"]
    assert _unpacked(tmp_path / "submitted") == {"obrienmary": "second", "smithjohn": "john"}
    assert any("two uploads" in n and "kept the later one" in n and "678955" in n for n in notes), notes


def test_moodle_folders_with_apostrophes_and_accents(tmp_path):
    archive = _zip(
        tmp_path / "moodle.zip",
        {
            "Zoë Müller_123456_assignsubmission_file_/01_linear_collapse.ipynb": _notebook("zoe"),
            "Seán O'Brien_234567_assignsubmission_file_/My notebook (1).ipynb": _notebook("sean"),
        },
    )
    students, notes = unpack_zip(archive, tmp_path / "submitted", A, [A], MOODLE)
    assert students == ["Seán_O_Brien", "Zoë_Müller"]
    assert _unpacked(tmp_path / "submitted") == {"Seán_O_Brien": "sean", "Zoë_Müller": "zoe"}
    assert any("Seán O'Brien" in n and "Seán_O_Brien" in n for n in notes), notes


def test_names_that_do_not_match_are_reported_not_dropped_silently(tmp_path):
    archive = _zip(tmp_path / "odd.zip", {"random_upload.ipynb": _notebook("x")})
    students, notes = unpack_zip(archive, tmp_path / "submitted", A, [A], DEFAULT_ZIP_REGEXP)
    assert students == [] and len(notes) == 1 and "does not match" in notes[0]


def test_paths_in_the_archive_cannot_escape_the_submitted_folder(tmp_path):
    evil = "../../../outside_attempt_2026-01-01-00-00-00_01_linear_collapse.ipynb"
    absolute = "/tmp/HW_eve_attempt_2026-01-01-00-00-00_01_linear_collapse.ipynb"
    archive = _zip(tmp_path / "evil.zip", {evil: _notebook("evil"), absolute: _notebook("eve")})
    submitted = tmp_path / "deep" / "submitted"
    unpack_zip(
        archive, submitted, A, [A], r".*?(?P<student_id>[\w.]+)_attempt_(?P<timestamp>[0-9\-]+)_(?P<file_id>\w+)"
    )
    written = {p.resolve() for p in tmp_path.rglob("*.ipynb")}
    assert written and all(submitted.resolve() in p.parents for p in written), written


def test_grade_with_zip_collects_and_grades(tmp_path):
    student = nbformat.read(COURSE.student(A), as_version=4)
    solution = nbformat.read(COURSE.solution(A), as_version=4)
    reference = nbformat.writes(fill(student, solution, answer_ids(student))).encode()
    archive = _zip(
        tmp_path / "lms.zip",
        {
            f"HW1_ada_attempt_2026-01-30-15-00-00_{A}.ipynb": reference,
            f"__MACOSX/._HW1_ada_attempt_2026-01-30-15-00-00_{A}.ipynb": b"\x00junk",
        },
    )
    lines: list[str] = []
    report = grade(COURSE, tmp_path / "ws", [A], zip_file=archive, say=lines.append)
    row = next(r for r in report.rows if r.student == "ada")
    assert row.auto_score == row.auto_max > 0, lines
    assert any("unpacked 1 submission" in line for line in lines), lines
    assert any("litter" in line for line in lines), lines
