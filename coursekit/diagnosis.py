"""Name a student's mistake from what their function does.

A test cell that knows the classic mistakes of its exercise starts with
``diagnose("adam_step", adam_step)`` (:func:`coursekit.misconceptions.diagnose`, re-exported by
:mod:`coursekit.checks`). The student's function runs on a few fixed probe inputs and its outputs
are compared with the reference's; where they differ, with those of each known wrong variant
(:class:`Misconception`, see :func:`match`). If exactly one misconception behaves like the
student's function on every probe, the test fails at once with that misconception's message
("Likely mistake in adam_step: your first step is about 3.2 times lr ..."); otherwise the test's
own checks speak. The diagnosis never reads the student's source: a
mistake is recognised however it is written, and a correct alternative (one that agrees with the
reference on the probes) is never diagnosed.

The misconceptions of each exercise, their probes and the reference they are compared with are
in :mod:`coursekit.misconceptions` (one module per assignment). The probes are public (they are
in this package), so a diagnosis reveals nothing of a hidden test; its message names the mistake
and how to check for it, never an input or an expected value.

Nothing here prints or warns: Python warnings are suppressed and the student's printing swallowed.
As in :func:`coursekit.checks.call`, numpy's overflow, division by zero and invalid operations
raise ``FloatingPointError`` inside a probe, which is observed like any other exception: a
formula that overflows is told apart from a stable one even where both end up with the same value.

Examples
--------
>>> import numpy as np
>>> from coursekit.misconceptions import diagnose
>>> def sigmoid(z):
...     return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))
>>> diagnose("sigmoid", sigmoid)  # right: nothing happens
"""

from __future__ import annotations

import contextlib
import copy
import io
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

__all__ = [
    "PREFIX",
    "Diagnosis",
    "Exact",
    "ExerciseDiagnosis",
    "Misconception",
    "Raised",
    "args",
    "match",
    "variant",
    "variants",
    "variants_from",
]

# A diagnosis message starts with this, so that the class report can count them.
PREFIX = "Likely mistake"

Probe = Callable[[Callable[..., Any]], Any]
"""Runs a function (or class) under diagnosis on one fixed input and returns what it observed."""


@dataclass(frozen=True)
class Misconception:
    """A classic mistake of one exercise, as a wrong implementation and a message."""

    key: str
    """Short identifier, unique within its exercise (the mistakes catalogue refers to it)."""
    title: str
    """What the mistake is, in a few words, for the class report ("Adam without bias correction")."""
    message: str
    """One or two kind sentences for the student: the likely mistake and how to check it."""
    variant: Callable[..., Any]
    """An implementation with the mistake, with the exercise's signature."""


def variant(key: str, implementation: Callable[..., Any]) -> Misconception:
    """A misconception as the course's modules write it: its key and wrong implementation only.

    Its title and message are prose for people, kept apart from the code in a TOML file beside the
    module (``coursekit/misconceptions/optimizers.toml`` for ``optimizers.py``), under
    ``[<exercise>.<key>]``; :func:`coursekit.misconceptions.all_specs` joins them in.
    """
    return Misconception(key, title="", message="", variant=implementation)


def variants(implementation: Callable[..., Any], *keys: str) -> list[Misconception]:
    """One :func:`variant` per key: ``implementation`` with its keyword ``mistake=key`` switched on.

    For a family of mistakes written as one function with a switch, such as a student's Adam with
    ``mistake="no_bias_correction"``; the key names both the mistake and its texts.
    """
    return variants_from(lambda key: partial(implementation, mistake=key), *keys)


def variants_from(make: Callable[[str], Callable[..., Any]], *keys: str) -> list[Misconception]:
    """One :func:`variant` per key, its implementation ``make(key)`` (a wrong class, say, made by a factory)."""
    return [variant(key, make(key)) for key in keys]


@dataclass(frozen=True)
class ExerciseDiagnosis:
    """What :func:`diagnose` needs to know of one exercise."""

    reference: Callable[..., Any]
    """The right implementation."""
    probes: Sequence[Probe]
    """Fixed inputs, each a function that calls the implementation and returns what it saw."""
    misconceptions: Sequence[Misconception]
    """The known wrong variants."""
    rtol: float = 1e-6
    """Relative tolerance when comparing two implementations' outputs."""
    atol: float = 1e-9
    """Absolute tolerance when comparing two implementations' outputs."""


@dataclass(frozen=True)
class Raised:
    """What a probe observed when the implementation raised: the exception's type name."""

    name: str


@dataclass(frozen=True)
class Exact:
    """Part of an observation compared exactly (no tolerance): e.g. a probe's inputs after the call,
    where a change in the last bit means the function wrote into them."""

    value: Any


@dataclass(frozen=True)
class Diagnosis:
    """The misconception a function was recognised as, with the exercise it belongs to."""

    exercise: str
    misconception: Misconception

    def message(self) -> str:
        """The line a failing test shows."""
        return f"{PREFIX} in {self.exercise}: {self.misconception.message}"


def args(*a: Any, **kw: Any) -> Probe:
    """A probe that calls the implementation with (deep copies of) these arguments.

    What it observes is the result and the arguments as they are after the call (compared
    exactly), so that a function that changes its input arrays in place, even in the last bit,
    behaves differently from one that does not.
    """

    def probe(func: Callable[..., Any]) -> Any:
        a_copy, kw_copy = copy.deepcopy(a), copy.deepcopy(kw)
        result = func(*a_copy, **kw_copy)
        return (result, Exact(a_copy), Exact(kw_copy))

    return probe


def _observe(probe: Probe, func: Callable[..., Any]) -> Any:
    """Run one probe quietly: no output, no warnings, errors (floating-point ones too) observed as :class:`Raised`."""
    sink = io.StringIO()
    with (
        warnings.catch_warnings(),
        np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"),
        contextlib.redirect_stdout(sink),
        contextlib.redirect_stderr(sink),
    ):
        warnings.simplefilter("ignore")
        try:
            return probe(func)
        except Exception as exc:  # noqa: BLE001 - any failure of student code is an observation
            return Raised(type(exc).__name__)


def _same(a: Any, b: Any, rtol: float, atol: float) -> bool:
    """Whether two observations agree: same structure, numbers equal within the tolerances."""
    if isinstance(a, Raised) or isinstance(b, Raised):
        return isinstance(a, Raised) and isinstance(b, Raised) and a.name == b.name
    if isinstance(a, Exact) or isinstance(b, Exact):
        return isinstance(a, Exact) and isinstance(b, Exact) and _same(a.value, b.value, 0.0, 0.0)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k], rtol, atol) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y, rtol, atol) for x, y in zip(a, b, strict=True))
    if a is None or b is None:
        return a is b
    if isinstance(a, str | bytes) or isinstance(b, str | bytes):
        return type(a) is type(b) and a == b
    if isinstance(a, np.random.Generator) and isinstance(b, np.random.Generator):
        return bool(a.bit_generator.state == b.bit_generator.state)  # drew the same numbers from it
    try:
        x, y = np.asarray(a), np.asarray(b)
        if x.dtype == object or y.dtype == object:
            return bool(a == b)
        if x.shape != y.shape:
            return False
        if x.dtype == bool or y.dtype == bool:  # booleans are not numbers: True is not 1.0 here
            return x.dtype == y.dtype and bool(np.array_equal(x, y))
        return bool(np.allclose(x.astype(float), y.astype(float), rtol=rtol, atol=atol, equal_nan=True))
    except (TypeError, ValueError):
        return False


def _behaves_like(seen: list[Any], other: Callable[..., Any], spec: ExerciseDiagnosis) -> bool:
    return all(_same(s, _observe(p, other), spec.rtol, spec.atol) for s, p in zip(seen, spec.probes, strict=True))


def match(spec: ExerciseDiagnosis, func: Callable[..., Any]) -> Misconception | None:
    """The one misconception of ``spec`` that ``func`` behaves like on every probe, if there is one.

    Parameters
    ----------
    spec : ExerciseDiagnosis
        The exercise's reference, probes and misconceptions.
    func : callable
        The student's implementation (a function, or a class for a class exercise).

    Returns
    -------
    Misconception or None
        None if ``func`` agrees with the reference, or behaves like none of the misconceptions, or
        like several with different titles.
    """
    seen = [_observe(p, func) for p in spec.probes]
    if _behaves_like(seen, spec.reference, spec):
        return None
    found = [m for m in spec.misconceptions if _behaves_like(seen, m.variant, spec)]
    if not found or len({m.title for m in found}) > 1:
        return None
    return found[0]
