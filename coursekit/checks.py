"""Assertions for notebook test cells, with messages written for students.

The test cells of the course call these instead of bare ``assert`` so that a
failing check says what was called, what was expected, what came back, and
where the first disagreement is. Every failure is an ``AssertionError`` (what
nbgrader counts as a failed test); nothing is printed and nothing is written to
stderr. A test cell that knows its exercise's classic mistakes starts with
:func:`~coursekit.misconceptions.diagnose` (re-exported here), which names the mistake when the
student's function behaves like one. Their own frames are hidden from the tracebacks IPython shows
(``__tracebackhide__``): a student sees the message and the frames of their own code.

Examples
--------
>>> import numpy as np
>>> from coursekit.checks import assert_close
>>> assert_close(np.array([0.5]), np.array([0.5]), what="sigmoid(0)")
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from coursekit.misconceptions import diagnose

__all__ = ["assert_close", "assert_shape", "call", "diagnose", "needs"]


def _describe(x: Any) -> str:
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape} and dtype {x.dtype}"
    return f"{type(x).__name__} {x!r}"


def _index(mask: np.ndarray) -> tuple[int, ...]:
    """Index of the first True entry of ``mask``, as plain ints (readable in a message)."""
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(mask)), mask.shape))


def assert_shape(actual: Any, shape: tuple[int, ...], *, what: str) -> None:
    """Fail unless ``actual`` is a numpy array of the given shape.

    Parameters
    ----------
    actual : object
        What the student's function returned.
    shape : tuple of int
        The expected shape.
    what : str
        A description of the call, e.g. ``"relu(np.zeros((2, 3)))"``.
    """
    __tracebackhide__ = True  # IPython shows the student's frames and the message, not these
    if not isinstance(actual, np.ndarray):
        raise AssertionError(f"{what} should return a numpy array of shape {shape}, got {_describe(actual)}")
    if actual.shape != tuple(shape):
        raise AssertionError(f"{what} should have shape {tuple(shape)}, got shape {actual.shape}")


def assert_close(
    actual: Any,
    expected: Any,
    *,
    what: str,
    rtol: float = 1e-7,
    atol: float = 0.0,
    hint: str = "",
) -> None:
    """Fail unless ``actual`` matches ``expected`` in type, shape and value.

    The comparison is ``|actual - expected| <= atol + rtol * |expected|``
    elementwise, as in ``numpy.testing.assert_allclose``.

    Parameters
    ----------
    actual : array_like or float
        What the student's code produced.
    expected : array_like or float
        The correct value, computed independently.
    what : str
        A description of the call, e.g. ``"sigmoid(z) for z = [-1, 0, 1]"``.
    rtol, atol : float
        Relative and absolute tolerance.
    hint : str, optional
        A sentence added to the failure message (a likely cause).
    """
    __tracebackhide__ = True  # IPython shows the student's frames and the message, not these
    suffix = f"\nHint: {hint}" if hint else ""
    expected_arr = np.asarray(expected, dtype=np.float64)
    if isinstance(actual, np.ndarray):
        if actual.dtype == object or not np.issubdtype(actual.dtype, np.number):
            raise AssertionError(f"{what} should contain numbers, got {_describe(actual)}{suffix}")
        actual_arr = actual.astype(np.float64)
    elif isinstance(actual, int | float | np.number) and not isinstance(actual, bool):
        actual_arr = np.asarray(actual, dtype=np.float64)
    elif actual is None:
        raise AssertionError(f"{what} returned None: did you forget a 'return' statement?{suffix}")
    else:
        raise AssertionError(f"{what} should return numbers, got {_describe(actual)}{suffix}")
    if expected_arr.ndim > 0 and actual_arr.shape != expected_arr.shape:
        raise AssertionError(f"{what} should have shape {expected_arr.shape}, got shape {actual_arr.shape}{suffix}")
    if expected_arr.ndim == 0 and actual_arr.size != 1:
        raise AssertionError(f"{what} should be a single number, got shape {actual_arr.shape}{suffix}")
    actual_arr = actual_arr.reshape(expected_arr.shape)
    if np.any(np.isnan(actual_arr) & ~np.isnan(expected_arr)):
        idx = _index(np.isnan(actual_arr) & ~np.isnan(expected_arr))
        raise AssertionError(f"{what} is NaN at index {idx} where {float(expected_arr[idx])!r} was expected{suffix}")
    bad = ~np.isclose(actual_arr, expected_arr, rtol=rtol, atol=atol, equal_nan=True)
    if np.any(bad):
        n_bad = int(bad.sum())
        if expected_arr.ndim == 0:
            raise AssertionError(f"{what} should be {float(expected_arr)!r}, got {float(actual_arr)!r}{suffix}")
        idx = _index(bad)
        raise AssertionError(
            f"{what}: {n_bad} of {bad.size} entries are wrong; the first is at index {idx}: "
            f"expected {float(expected_arr[idx])!r}, got {float(actual_arr[idx])!r} "
            f"(tolerance rtol={rtol}, atol={atol}){suffix}"
        )


def call(func: Callable[..., Any], *args: Any, what: str, hint: str = "", **kwargs: Any) -> Any:
    """Call ``func(*args, **kwargs)`` with numpy floating-point errors made loud.

    Overflow, division by zero and invalid operations inside the call become an
    ``AssertionError`` that names the call, instead of a ``RuntimeWarning`` on
    stderr (which would score the whole test cell zero without a word of why).
    The message ends with ``hint`` when the test knows the likely cause, else with
    general advice.

    Parameters
    ----------
    func : callable
        The student's function.
    *args, **kwargs
        Its arguments.
    what : str
        A description of the call for the message.
    hint : str, optional
        The likely cause of a floating-point problem in this call, said instead of general advice.
    """
    __tracebackhide__ = True  # IPython shows the student's frames and the message, not these
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        try:
            return func(*args, **kwargs)
        except FloatingPointError as exc:
            advice = hint or (
                "Look for exp() of a large number or a division by zero; "
                "rewrite the formula so that it cannot overflow."
            )
            raise AssertionError(f"{what} hit a floating-point problem ({exc}). {advice}") from None


def needs(*names: str, exercise: str) -> None:
    """Stop a demonstration cell with ``NotImplementedError`` until an exercise it builds on is done.

    In a student's notebook an unfinished exercise raises ``NotImplementedError``, so the cell
    that calls it never creates its results; a later cell that uses them would then fail with
    a puzzling ``NameError``. Starting that later cell with ``needs("X_kept", "y_kept",
    exercise="subsample_negatives")`` makes it fail the way the student expects instead, and
    say which exercise to finish. When the names exist (a finished notebook) it does nothing.

    Parameters
    ----------
    *names : str
        Variables the cell uses, made by earlier cells (looked up among the notebook's globals).
    exercise : str
        The exercise those cells need, as the student knows it.

    Raises
    ------
    NotImplementedError
        If any of ``names`` is not defined.
    """
    __tracebackhide__ = True  # IPython shows the student's frames and the message, not these
    namespace = sys._getframe(1).f_globals
    missing = [name for name in names if name not in namespace]
    if missing:
        listed = ", ".join(f"'{name}'" for name in missing)
        raise NotImplementedError(
            f"this cell uses {listed}, which earlier cells make only once {exercise} is implemented; "
            f"finish {exercise}, then run the notebook from the top again"
        )
