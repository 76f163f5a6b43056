"""The classic mistakes of the course's exercises, as wrong implementations :func:`diagnose` can recognise.

One or two modules per assignment (``optimizers`` for ``06_optimizers``, ...), each with a dict
``EXERCISES`` from exercise name to :class:`~coursekit.diagnosis.ExerciseDiagnosis`: the
reference, a few probes and the misconceptions. The wrong variants are written here
independently of ``grader_tests/mistakes/`` (the catalogue of mistakes as students write them):
the grader tests plant each catalogued mistake and check that its test names the misconception
the catalogue expects, which measures whether these variants and probes recognise real mistakes.

To add a diagnosis: write the wrong variant as the smallest change to the reference that shows
the mistake and list it as ``variant("key", implementation)`` in the module; give it a title for
the class report and a message for the student (what is likely wrong and how to check it; never a
hidden input or an expected value) under ``[<exercise>.<key>]`` in the TOML file of the same name
beside the module; and make sure the probes tell it apart from the reference and from the other
variants. The prose lives apart from the code so that it can be read and reworded in one place;
:func:`all_specs` joins the two and refuses a variant without texts or texts without a variant.
"""

from __future__ import annotations

import importlib
import pkgutil
import tomllib
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from importlib import resources
from typing import Any

from coursekit.diagnosis import Diagnosis, ExerciseDiagnosis, Misconception, match

__all__ = ["all_specs", "diagnose", "find_misconception", "misconception_by_message", "spec_of"]


@cache
def all_specs() -> dict[str, ExerciseDiagnosis]:
    """Every exercise's diagnosis, from every module of this package (imported once), with its texts."""
    specs: dict[str, ExerciseDiagnosis] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        exercises = getattr(module, "EXERCISES", {})
        texts = _texts(info.name) if exercises else {}
        for name, spec in exercises.items():
            if name in specs:
                raise RuntimeError(f"exercise {name!r} is diagnosed in two modules of coursekit.misconceptions")
            specs[name] = _with_texts(spec, texts.pop(name, {}), f"{info.name}.toml", name)
        if texts:
            raise RuntimeError(f"{info.name}.toml describes exercises {sorted(texts)} that {info.name}.py does not")
    return specs


def _texts(module: str) -> dict[str, dict[str, dict[str, str]]]:
    """The titles and messages of a module's misconceptions, from the TOML file beside it."""
    with resources.files(__name__).joinpath(f"{module}.toml").open("rb") as handle:
        return tomllib.load(handle)


def _with_texts(spec: ExerciseDiagnosis, texts: dict[str, dict[str, str]], source: str, name: str) -> ExerciseDiagnosis:
    """``spec`` with each misconception's title and message filled in from ``texts`` (by key)."""
    keys = [m.key for m in spec.misconceptions]
    if sorted(keys) != sorted(texts) or len(set(keys)) != len(keys):
        raise RuntimeError(f"{source} [{name}] has texts for {sorted(texts)}, the variants are {keys}")
    filled = []
    for m in spec.misconceptions:
        text = texts[m.key]
        if set(text) != {"title", "message"} or not all(isinstance(v, str) and v.strip() for v in text.values()):
            raise RuntimeError(f"{source} [{name}.{m.key}] needs exactly a title and a message, both non-empty")
        filled.append(replace(m, title=text["title"], message=text["message"]))
    return replace(spec, misconceptions=filled)


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
