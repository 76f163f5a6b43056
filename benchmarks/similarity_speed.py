"""How long the copy and collusion check takes on a large class, and whether it finds what was planted.

    python benchmarks/similarity_speed.py [--assignment 06_optimizers] [--sizes 250 500 1000]

A synthetic class of N students of one assignment: for each exercise, each student's answer is
drawn from the honest code the course has (the model answer, the catalogue's correct
alternatives and its classic mistakes), with every local name renamed at random. Planted among
them: five near-copies of the coursekit reference (renamed, reformatted) and three pairs of
students who share an unusual answer. Timed: fingerprinting every answer, the reference check
and the pair search through the inverted index (``coursekit.grading.similarity``), for each
class size, so that the growth with the class shows. The goal (issue 16): 500 submissions in
seconds on 2 cores; the count of candidate pairs shows that not all pairs are compared.
"""

from __future__ import annotations

import argparse
import ast
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "grader_tests"))

from test_similarity import _expected_and_references, disguised  # noqa: E402

import coursekit.grading.fingerprints as fingerprints  # noqa: E402
import coursekit.grading.similarity as similarity  # noqa: E402
from conftest import COURSE, load_alternatives, load_mistakes  # noqa: E402
from coursekit.grading.examples import reference_copy  # noqa: E402

# Unusual extra work three colluding pairs share (each group its own structure)
_UNUSUAL = [
    "    trace = []\n    for j in range(7):\n        trace.append((j + 1) * 2 - j ** 2)\n"
    "    total = sum(trace) + len(trace) * 3\n    assert total > -1000, total\n",
    "    log = {}\n    for key in ('a', 'b', 'c'):\n        log[key] = len(key) / 2.0 - 1\n"
    "    if min(log.values()) < -10:\n        raise ValueError(log)\n",
    "    seen = set()\n    while len(seen) < 3:\n        seen.add(len(seen) % 5)\n"
    "    flag = all(s >= 0 for s in seen) or any(s ** 3 < 0 for s in seen)\n    del flag\n",
]


def _renamed(source: str, rng: random.Random) -> str:
    """``source`` with every argument and local variable renamed at random."""
    tree = ast.parse(source)
    local = {a.arg for a in ast.walk(tree) if isinstance(a, ast.arg)}
    local |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    names = {n: f"{n}_{rng.randrange(10**6)}" for n in local}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            node.id = names.get(node.id, node.id)
        elif isinstance(node, ast.arg):
            node.arg = names.get(node.arg, node.arg)
    return ast.unparse(tree)


def _with_unusual(source: str, extra: str) -> str:
    """The answer with ``extra`` lines right after its ``def`` line."""
    head, _, body = source.partition(":\n")
    return f"{head}:\n{extra}{body}"


def build_class(assignment: str, n: int, seed: int = 0) -> tuple[dict[str, dict[str, str]], set[str], set[tuple]]:
    rng = random.Random(seed)
    expected, _, _ = _expected_and_references(assignment)
    pools = {e: [expected[e][-1]] for e in expected}  # the model answer (solution cell, markers removed)
    for catalogue in (load_alternatives(assignment), load_mistakes(assignment)):
        for exercise, entries in catalogue.items():
            pools.setdefault(exercise, []).extend(entry[1] for entry in entries)
    answers = {f"s{i:04d}": {e: _renamed(rng.choice(pool), rng) for e, pool in pools.items()} for i in range(n)}
    _, references, _ = _expected_and_references(assignment)
    judged = [  # exercises whose reference has something of its own to recognise
        e
        for e in pools
        if reference_copy(COURSE, assignment, e)
        and len(fingerprints.fingerprints(similarity._definition(references[e])) - similarity._honest(expected, e))
        >= similarity.MIN_FINGERPRINTS
    ]
    copiers = set(rng.sample(sorted(answers), 5))
    for student in sorted(copiers):
        exercise = rng.choice(judged)
        answers[student][exercise] = disguised(reference_copy(COURSE, assignment, exercise))
    pairs = set()
    exercise = sorted(pools)[0]
    for extra in _UNUSUAL:
        a, b = sorted(rng.sample(sorted(set(answers) - copiers), 2))
        answers[a][exercise] = _with_unusual(_renamed(pools[exercise][0], rng), extra)
        answers[b][exercise] = disguised(answers[a][exercise])
        pairs.add((a, b, exercise))
    return answers, copiers, pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="06_optimizers")
    parser.add_argument("--sizes", type=int, nargs="+", default=[250, 500, 1000])
    args = parser.parse_args()
    expected, references, with_reference = _expected_and_references(args.assignment)
    print(f"{args.assignment}: {len(expected)} exercises; 5 planted reference copies, 3 planted pairs")
    print(f"{'students':>8} {'seconds':>8} {'s/100':>6} {'candidate pairs':>16} {'all pairs':>10}  found")
    for n in args.sizes:
        answers, copiers, planted = build_class(args.assignment, n)
        started = time.perf_counter()
        copies = similarity.reference_copies(answers, references, expected)
        pairs = similarity.similar_pairs(answers, with_reference)
        seconds = time.perf_counter() - started
        found_copies = {c.student for c in copies}
        found_pairs = {(p.student_a, p.student_b, p.exercise) for p in pairs}
        candidates = similarity.candidate_pair_count(answers, with_reference)
        everything = len(expected) * n * (n - 1) // 2
        verdict = (
            f"copies {len(found_copies & copiers)}/{len(copiers)} (+{len(found_copies - copiers)} other), "
            f"pairs {len(found_pairs & planted)}/{len(planted)} (+{len(found_pairs - planted)} other)"
        )
        print(f"{n:>8} {seconds:>8.2f} {100 * seconds / n:>6.2f} {candidates:>16} {everything:>10}  {verdict}")


if __name__ == "__main__":
    main()
