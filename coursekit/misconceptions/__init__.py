"""The classic mistakes of the course's exercises, as wrong implementations :func:`diagnose` can recognise.

One or two modules per assignment (``optimizers`` for ``06_optimizers``, ...), each with a dict
``EXERCISES`` from exercise name to :class:`~coursekit.diagnosis.ExerciseDiagnosis`: the
reference, a few probes and the misconceptions. The wrong variants are written here
independently of ``grader_tests/mistakes/`` (the catalogue of mistakes as students write them):
the grader tests plant each catalogued mistake and check that its test names the misconception
the catalogue expects, which measures whether these variants and probes recognise real mistakes.

To add a diagnosis: write the wrong variant as the smallest change to the reference that shows
the mistake, give it a key, a title for the class report and a message for the student (what is
likely wrong and how to check it; never a hidden input or an expected value), and make sure the
probes tell it apart from the reference and from the other variants.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from functools import cache
from typing import Any

from coursekit.diagnosis import Diagnosis, ExerciseDiagnosis, Misconception, match

__all__ = ["all_specs", "diagnose", "find_misconception", "misconception_by_message", "spec_of"]


@cache
def all_specs() -> dict[str, ExerciseDiagnosis]:
    """Every exercise's diagnosis, from every module of this package (imported once)."""
    specs: dict[str, ExerciseDiagnosis] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for name, spec in getattr(module, "EXERCISES", {}).items():
            if name in specs:
                raise RuntimeError(f"exercise {name!r} is diagnosed in two modules of coursekit.misconceptions")
            specs[name] = spec
    return specs


def spec_of(exercise: str) -> ExerciseDiagnosis | None:
    """The diagnosis of ``exercise``, or None if the course knows no misconceptions of it."""
    return all_specs().get(exercise)


def misconception_by_message(exercise: str, message: str) -> Misconception | None:
    """The misconception of ``exercise`` whose student message is ``message`` (for the class report)."""
    spec = spec_of(exercise)
    if spec is None:
        return None
    return next((m for m in spec.misconceptions if m.message == message), None)


def find_misconception(exercise: str, func: Callable[..., Any]) -> Diagnosis | None:
    """The known misconception of ``exercise`` that ``func`` behaves like, if exactly one (:func:`match`).

    Parameters
    ----------
    exercise : str
        The exercise's name (its nbgrader grade_id), e.g. ``"adam_step"``.
    func : callable
        The student's implementation (a function, or a class for a class exercise).
    """
    spec = spec_of(exercise)
    try:
        found = None if spec is None else match(spec, func)
    except Exception:  # noqa: BLE001 - a diagnosis that cannot be made must never break the test it helps
        return None
    return None if found is None else Diagnosis(exercise, found)


def diagnose(exercise: str, func: Callable[..., Any]) -> None:
    """Fail with the misconception's message if ``func`` behaves like a known mistake of ``exercise``.

    Called at the start of a test cell. It does nothing when ``func`` is right, when it is wrong
    in a way the course does not know (the test's own checks then say what differs), or when it
    is not callable (the test's own checks report that).

    Parameters
    ----------
    exercise : str
        The exercise's name, e.g. ``"adam_step"``.
    func : callable
        The student's implementation.

    Raises
    ------
    AssertionError
        With one line: ``"Likely mistake in <exercise>: <message>"``.
    """
    __tracebackhide__ = True  # IPython shows the message, not these frames
    if not callable(func):
        return
    found = find_misconception(exercise, func)
    if found is not None:
        raise AssertionError(found.message())
