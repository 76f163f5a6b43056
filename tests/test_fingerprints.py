"""coursekit.grading.similarity's two algorithmic promises, checked against brute force.

1. Winnowing's guarantee: two statements that share a run of at least K + WINDOW - 1 normalised
   tokens share a fingerprint.
2. The inverted index finds exactly the pairs that comparing every pair in full finds.
"""

from __future__ import annotations

import itertools
import random

from coursekit.grading import fingerprints as F
from coursekit.grading import similarity as S

_NAMES = ["a", "b", "c", "d", "total", "x", "y"]
_OPS = ["+", "-", "*", "/"]
_CALLS = ["np.exp", "np.sum", "np.max", "np.sqrt", "len", "abs"]


def _expression(rng: random.Random, size: int) -> str:
    """A random expression of about ``size`` operands: names, numbers and calls."""
    parts = []
    for _ in range(size):
        kind = rng.randrange(3)
        operand = (
            rng.choice(_NAMES)
            if kind == 0
            else str(rng.randrange(1, 9))
            if kind == 1
            else (f"{rng.choice(_CALLS)}({rng.choice(_NAMES)})")
        )
        parts.append(operand)
    return f" {rng.choice(_OPS)} ".join(parts)


def test_a_shared_run_of_k_plus_window_minus_one_tokens_always_shares_a_fingerprint():
    rng = random.Random(0)
    need = F.K + F.WINDOW - 1
    checked = 0
    for _ in range(500):
        shared = _expression(rng, rng.randrange(3, 8))
        a = f"out = {_expression(rng, rng.randrange(1, 4))} + {shared}"
        b = f"res = {shared} * {_expression(rng, rng.randrange(1, 4))}"
        (tokens,) = F.normalise(f"x = {shared}")
        if len(tokens) - 2 < need:  # the shared part itself ("x =" excluded) is too short to promise anything
            continue
        checked += 1
        assert F.fingerprints(a) & F.fingerprints(b), (a, b)
    assert checked > 100


def _brute_force(answers, expected):
    """Every pair of students compared in full, with the same definitions as similar_pairs."""
    found = set()
    exercises = sorted({e for cells in answers.values() for e in cells})
    for exercise in exercises:
        honest = S._honest(expected, exercise)
        prints = {s: F.fingerprints(c[exercise]) - honest for s, c in answers.items() if exercise in c}
        holders: dict[int, int] = {}
        for fps in prints.values():
            for fp in fps:
                holders[fp] = holders.get(fp, 0) + 1
        rare = {s: {fp for fp in fps if holders[fp] <= S.COMMON} for s, fps in prints.items()}
        for a, b in itertools.combinations(sorted(prints), 2):
            shared = len(rare[a] & rare[b])
            size = max(len(rare[a]), len(rare[b]))
            if shared >= S.MIN_FINGERPRINTS and shared / size >= S.PAIR_SHARE:
                found.add((a, b, exercise))
    return found


def test_the_index_finds_exactly_the_pairs_brute_force_finds():
    rng = random.Random(1)
    pairs = 0
    for _ in range(20):
        pool = [
            "\n".join(f"v{i} = {_expression(rng, rng.randrange(2, 6))}" for i in range(rng.randrange(2, 6)))
            for _ in range(6)
        ]
        answers = {f"s{i}": {"ex": rng.choice(pool)} for i in range(rng.randrange(5, 25))}
        expected = {"ex": [pool[0]]}  # one answer is the model answer: expected, so never evidence
        found = {(p.student_a, p.student_b, p.exercise) for p in S.similar_pairs(answers, expected)}
        assert found == _brute_force(answers, expected)
        pairs += len(found)
    assert pairs > 20  # the classes do hold similar pairs: the comparison is not of two empty sets
