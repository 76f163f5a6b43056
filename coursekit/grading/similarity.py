"""Copies and collusion: answer cells that are near-copies of the coursekit reference, and pairs of
students whose answer cells are unusually alike (the job of MOSS or JPlag).

How an answer cell is compared
------------------------------
1. **Normalised.** The cell is parsed and printed back by :func:`ast.unparse` (so comments,
   docstrings, blank lines, line breaks, quotes and redundant brackets no longer count), and each
   statement becomes a sequence of tokens in which every name a student chooses is ``V``, every
   number ``N`` and every string ``S``; keywords, operators, builtins and attribute names
   (``np.exp`` is ``V . exp``) are kept, since they say *what* the code does. Renaming and
   reformatting therefore change nothing.
2. **Fingerprinted** (:mod:`coursekit.grading.fingerprints`). Within each statement, every run
   of ``K`` tokens is hashed and a window of ``WINDOW`` consecutive hashes keeps its smallest (winnowing; Schleimer,
   Wilkerson and Aiken, SIGMOD 2003): any run of ``K + WINDOW - 1`` tokens two statements share
   yields a fingerprint they share. A statement shorter than ``K`` tokens is one fingerprint. The
   fingerprints of a cell are the *set* over its statements, so reordering independent
   statements changes nothing either.
3. **Compared with what was expected.** Code every student may honestly write is not evidence:
   the released cell (starter code), the instructor's model answer and, for pairs, the reference.

Reference copies: the fingerprints of the reference that are *not* in the model answer (its input
checks, its helpers, its own way of writing things) are what a student who pasted ``sigmoid??``
brings along and one who solved the exercise does not. An answer holding at least
:data:`REFERENCE_SHARE` of them is flagged. An exercise whose reference adds fewer than
:data:`MIN_FINGERPRINTS` such fingerprints to its model answer cannot be judged and is skipped.

Pairs: the answers' fingerprints, minus the expected ones and minus those more than
:data:`COMMON` students have (common knowledge, not collusion), go into an inverted index
fingerprint -> students. Only students who share a fingerprint are ever compared, and each
fingerprint pairs at most ``COMMON`` students, so the cost grows linearly with the class. A pair
sharing at least :data:`PAIR_SHARE` of the larger of their two remaining sets (and at least
``MIN_FINGERPRINTS`` fingerprints) is flagged.

The thresholds were set on the catalogue of ``grader_tests/mistakes/`` (its mistakes and correct
alternatives are honest code written independently of the reference and of each other: none may be
flagged) and on renamed, reformatted and reordered copies of the references (all must be);
``grader_tests/test_similarity.py`` holds both sides. Measured when they were set (163 honest
answers of the nine assignments against their references, 26 disguised copies): honest answers
held at most 0.17 of a reference's distinctive fingerprints, every copy all of them; no two honest
answers of different mistakes shared the six fingerprints a pair needs at all.

A flag changes no score: it is listed in the class report (and ``similarity.json``) for the
instructor to read the two cells side by side.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import textwrap
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from coursekit.grading.collect import read_quietly
from coursekit.grading.course import Course, reference_name, without_markers
from coursekit.grading.fingerprints import fingerprints, strip_docs_and_annotations

__all__ = [
    "Answers",
    "candidate_pair_count",
    "expected_and_references",
    "PairFlag",
    "ReferenceCopy",
    "SimilarityFindings",
    "answer_cells",
    "reference_copies",
    "review_class",
    "similar_pairs",
    "with_references",
    "write_similarity",
]

MIN_FINGERPRINTS = 6
"""Fewer distinctive fingerprints than this and there is nothing to judge."""
REFERENCE_SHARE = 0.6
"""Share of the reference's distinctive fingerprints that makes an answer a near-copy of it."""
PAIR_SHARE = 0.7
"""Share of the larger answer's unexpected fingerprints that makes a pair unusually similar."""
COMMON = 10
"""A fingerprint more students than this have is common knowledge (and pairs no one)."""

Answers = Mapping[str, Mapping[str, str]]
"""student -> exercise -> the source of their answer cell."""


@dataclass(frozen=True)
class ReferenceCopy:
    """An answer cell that holds most of what only the coursekit reference has."""

    student: str
    exercise: str
    score: float
    """Share of the reference's distinctive fingerprints found in the answer (0 to 1)."""
    source: str
    reference_source: str


@dataclass(frozen=True)
class PairFlag:
    """Two students whose answer cells of one exercise are unusually alike."""

    student_a: str
    student_b: str
    exercise: str
    score: float
    """Shared unexpected fingerprints over the larger of the two sets (0 to 1)."""
    source_a: str
    source_b: str


@dataclass(frozen=True)
class SimilarityFindings:
    """What the comparison of one assignment's class found, highest scores first."""

    reference_copies: list[ReferenceCopy] = field(default_factory=list)
    pairs: list[PairFlag] = field(default_factory=list)


def _definition(obj: Any) -> str:
    """The source of a coursekit reference (function or class) without docstrings and annotations,
    as a student would see what matters of it; '' if it has none."""
    try:
        source = textwrap.dedent(inspect.getsource(obj))
    except (OSError, TypeError):
        return ""
    try:
        return ast.unparse(strip_docs_and_annotations(ast.parse(source)))
    except (SyntaxError, ValueError):
        return source


def reference_copies(
    answers: Answers, references: Mapping[str, Any], expected: Mapping[str, Iterable[str]]
) -> list[ReferenceCopy]:
    """Answer cells that hold most of what only the reference has (module docstring).

    Parameters
    ----------
    answers : mapping
        student -> exercise -> answer source.
    references : mapping
        exercise -> its coursekit reference (a function or class) or its source.
    expected : mapping
        exercise -> sources a student may honestly write (the model answer, the released cell).

    Returns
    -------
    list of ReferenceCopy
        Highest score first.
    """
    distinctive: dict[str, tuple[frozenset[int], str]] = {}
    for exercise, ref in references.items():
        ref_source = ref if isinstance(ref, str) else _definition(ref)
        own = fingerprints(ref_source) - _honest(expected, exercise)
        if len(own) >= MIN_FINGERPRINTS:
            distinctive[exercise] = (own, ref_source)
    found = []
    for student, cells in answers.items():
        for exercise, source in cells.items():
            if exercise not in distinctive:
                continue
            own, ref_source = distinctive[exercise]
            score = len(fingerprints(source) & own) / len(own)
            if score >= REFERENCE_SHARE:
                found.append(ReferenceCopy(student, exercise, round(score, 3), source, ref_source))
    return sorted(found, key=lambda f: (-f.score, f.exercise, f.student))


def _candidates(
    answers: Answers, exercise: str, honest: frozenset[int]
) -> tuple[dict[str, frozenset[int]], dict[int, list[str]], dict[tuple[str, str], int]]:
    """For one exercise: each student's unexpected fingerprints, the index fingerprint -> students,
    and the number of fingerprints each candidate pair shares (only pairs sharing one are listed)."""
    prints = {s: fingerprints(cells[exercise]) - honest for s, cells in answers.items() if exercise in cells}
    index: dict[int, list[str]] = defaultdict(list)
    for student, fps in prints.items():
        for fp in fps:
            index[fp].append(student)
    shared: dict[tuple[str, str], int] = defaultdict(int)
    for students in index.values():
        if 1 < len(students) <= COMMON:  # a common fingerprint pairs no one
            ordered = sorted(students)
            for i, a in enumerate(ordered):
                for b in ordered[i + 1 :]:
                    shared[a, b] += 1
    return prints, index, shared


def _honest(expected: Mapping[str, Iterable[str]], exercise: str) -> frozenset[int]:
    return frozenset().union(*(fingerprints(s) for s in expected.get(exercise, ())))


def similar_pairs(answers: Answers, expected: Mapping[str, Iterable[str]]) -> list[PairFlag]:
    """Pairs of students with unusually similar answer cells, through an inverted index (module docstring).

    Parameters
    ----------
    answers : mapping
        student -> exercise -> answer source.
    expected : mapping
        exercise -> sources anyone may write (model answer, released cell, the reference's source).

    Returns
    -------
    list of PairFlag
        Highest score first; each pair of students at most once per exercise.
    """
    found = []
    for exercise in sorted({e for cells in answers.values() for e in cells}):
        prints, index, shared = _candidates(answers, exercise, _honest(expected, exercise))
        for (a, b), n in shared.items():
            # common fingerprints count for no one
            size = max(sum(1 for fp in prints[s] if len(index[fp]) <= COMMON) for s in (a, b))
            if n >= MIN_FINGERPRINTS and n / size >= PAIR_SHARE:
                found.append(PairFlag(a, b, exercise, round(n / size, 3), answers[a][exercise], answers[b][exercise]))
    return sorted(found, key=lambda f: (-f.score, f.exercise, f.student_a, f.student_b))


def candidate_pair_count(answers: Answers, expected: Mapping[str, Iterable[str]]) -> int:
    """How many (pair, exercise) comparisons :func:`similar_pairs` makes: those sharing a fingerprint."""
    exercises = sorted({e for cells in answers.values() for e in cells})
    return sum(len(_candidates(answers, e, _honest(expected, e))[2]) for e in exercises)


def answer_cells(nb: Any) -> dict[str, str]:
    """exercise -> source of every answer code cell (nbgrader ``solution`` and not ``grade``) of a notebook.

    Cells whose metadata is not what nbgrader writes (a submission may hold anything) are skipped.
    """
    out = {}
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader") if isinstance(cell.get("metadata"), dict) else None
        if not isinstance(meta, dict) or cell.get("cell_type") != "code":
            continue
        if meta.get("solution") and not meta.get("grade") and meta.get("grade_id"):
            out[str(meta["grade_id"])] = str(cell.get("source", ""))
    return out


def expected_and_references(course: Course, assignment: str) -> tuple[dict[str, list[str]], dict[str, Any]]:
    """What every student may honestly write, and the coursekit references, of each exercise.

    Returns
    -------
    expected : dict
        exercise -> the released cell and the instructor's model answer (markers removed).
    references : dict
        exercise -> its coursekit reference (function or class), for the course's own assignments.
    """
    expected: dict[str, list[str]] = defaultdict(list)
    for name in course.notebook_names(assignment):
        for path in (course.student(assignment, name), course.solution(assignment, name)):
            for exercise, source in answer_cells(nbformat.read(path, as_version=4)).items():
                expected[exercise].append(without_markers(source))
    references: dict[str, Any] = {}
    for module_name in course.references(assignment):
        module = importlib.import_module(module_name)
        for exercise in expected:
            ref = getattr(module, reference_name(exercise), None)
            if ref is not None and exercise not in references:
                references[exercise] = ref
    return dict(expected), references


def with_references(expected: Mapping[str, list[str]], references: Mapping[str, Any]) -> dict[str, list[str]]:
    """``expected`` with each exercise's reference source added: what a pair may share without suspicion."""
    return {
        e: [*sources, _definition(references[e])] if e in references else list(sources)
        for e, sources in expected.items()
    }


def review_class(course: Course, submitted: Path, assignment: str) -> SimilarityFindings:
    """Compare the answer cells of every submission of ``assignment`` in ``submitted/``.

    Parameters
    ----------
    course : Course
        The course (its solution and student notebooks, and the reference modules of ``course.toml``).
    submitted : Path
        The workspace's ``submitted/`` folder (``<student>/<assignment>/<notebook>.ipynb``).
    assignment : str
        The assignment.

    Returns
    -------
    SimilarityFindings
        Reference copies and similar pairs; a notebook that cannot be read is left out.
    """
    expected, references = expected_and_references(course, assignment)
    answers: dict[str, dict[str, str]] = {}
    for folder in sorted(submitted.glob(f"*/{assignment}")):
        cells: dict[str, str] = {}
        for path in sorted(folder.glob("*.ipynb")):
            nb = read_quietly(path)  # an unreadable notebook was reported when it was staged
            if nb is not None:
                cells.update(answer_cells(nb))
        answers[folder.parent.name] = cells
    return SimilarityFindings(
        reference_copies=reference_copies(answers, references, expected),
        pairs=similar_pairs(answers, with_references(expected, references)),
    )


def write_similarity(path: Any, findings: Mapping[str, SimilarityFindings]) -> None:
    """Write the findings of every assignment as JSON (``similarity.json`` of the workspace)."""
    import json
    from dataclasses import asdict

    data = {a: asdict(f) for a, f in sorted(findings.items())}
    path.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
