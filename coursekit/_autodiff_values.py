"""The values that :class:`coursekit.forward_mode.Dual` and :class:`coursekit.reverse_mode.Var` carry: floats or
float arrays, with the checks and elementwise arithmetic both share, and the array helpers of reverse mode
(broadcasting, matrix products, axes). Private to the autodiff modules."""

from __future__ import annotations

import math
from collections.abc import Callable
from numbers import Real
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from coursekit._validate import FloatArray, as_float_array


class _Node:
    """What Dual and Var have in common: an object of the graph, not a plain number (a marker)."""

    __slots__ = ()


_NODES = _Node

_EXP_MAX = float(np.log(np.finfo(np.float64).max))

Value = float | FloatArray

# isinstance with a tuple of types: building a ``A | B`` union on every call costs about a microsecond.
_REAL = (Real, np.integer, np.floating)
_BOOL = (bool, np.bool_)
_NOT_NODES = (Real, np.generic, np.ndarray, list, tuple, str, bytes)


# ---------------------------------------------------------------------------
# Values: checks shared by Dual, Var and plain numbers
# ---------------------------------------------------------------------------


def _is_real_number(x: object) -> bool:
    if type(x) is float or type(x) is int:  # the common cases, checked first: isinstance on ABCs is slow
        return True
    return isinstance(x, _REAL) and not isinstance(x, _BOOL)


def _clean(x: Any) -> Value:
    """Return a Python float for anything 0-d, else a float64 ndarray."""
    if isinstance(x, float):  # also numpy.float64, a float subclass
        return float(x)
    arr = np.asarray(x, dtype=np.float64)
    return float(arr) if arr.ndim == 0 else arr


def _zeros_like(v: Value) -> Value:
    # type(...) is float, not isinstance: a numpy scalar stays an array value. mypy does not narrow on it.
    return 0.0 if type(v) is float else np.zeros(v.shape)  # type: ignore[union-attr]


def _elementwise(v: Value, scalar: Callable[[float], float], array: np.ufunc) -> Value:
    """``scalar(v)`` for a Python float (math is much faster there), else ``array(v)`` as float64."""
    return scalar(v) if type(v) is float else _clean(array(v))


def _exp_value(v: Value, func: str) -> Value:
    if type(v) is float and v <= _EXP_MAX:  # the common scalar case, without numpy's overhead
        return math.exp(v)
    if np.any(np.asarray(v) > _EXP_MAX):
        raise OverflowError(
            f"{func}: exp of {np.max(v):.6g} overflows float64 (largest finite argument is about 709.78)"
        )
    return _clean(np.exp(v))


def _log_value(v: Value, func: str) -> Value:
    if type(v) is float and v > 0:
        return math.log(v)
    if np.any(np.asarray(v) <= 0):
        raise ValueError(f"{func}: log needs a positive argument, got {np.min(v):.6g}")
    return _clean(np.log(v))


def _check_divisor(v: Value, func: str) -> None:
    if (v == 0) if type(v) is float else np.any(np.asarray(v) == 0):
        raise ZeroDivisionError(f"{func}: division by zero")


def _check_power(base: Value, exponent: float, func: str) -> None:
    """Raise unless ``base ** exponent`` and its derivative are finite reals."""
    b = np.asarray(base)
    if not float(exponent).is_integer() and np.any(b < 0):
        raise ValueError(f"{func}: a negative number to the non-integer power {exponent} is not a real number")
    if np.any(b == 0) and (exponent < 0 or (0 < exponent < 1)):
        raise ZeroDivisionError(
            f"{func}: 0 ** {exponent} or its derivative {exponent} * 0 ** {exponent - 1} is infinite"
        )


def _power_value(base: Value, exponent: float) -> Value:
    return _clean(np.power(np.asarray(base, dtype=np.float64), exponent))


def _power_slope(base: Value, exponent: float) -> Value:
    """d(base**c)/d(base) = c * base**(c-1), with the exact 0 for c = 0."""
    if exponent == 0:
        return _clean(np.zeros_like(np.asarray(base, dtype=np.float64)))
    return _clean(exponent * np.power(np.asarray(base, dtype=np.float64), exponent - 1))


def _as_exponent(c: object, func: str) -> float:
    if not _is_real_number(c):
        raise TypeError(f"{func}: the exponent must be a constant number, got {type(c).__name__}")
    c = float(c)  # type: ignore[arg-type]
    if not np.isfinite(c):
        raise ValueError(f"{func}: the exponent must be finite, got {c}")
    return c


def _check_base(c: float, func: str) -> None:
    if c <= 0:
        raise ValueError(f"{func}: c ** x is differentiated as exp(x log c), which needs c > 0, got c = {c}")


def _point(f: object, x: ArrayLike, func: str) -> FloatArray:
    """Check the arguments of a gradient driver: ``f`` callable, ``x`` a point of shape (n,); return the point."""
    if not callable(f):
        raise TypeError(f"{func}: argument 'f' must be callable, got {type(f).__name__}")
    return as_float_array(x, "x", func, ndim=1)


def _outputs(out: object, func: str) -> list[object]:
    """The outputs of f, one per entry (a node, a number, or the entries of a sequence or array)."""
    if isinstance(out, _NODES) or _is_real_number(out):
        return [out]
    if isinstance(out, np.ndarray) and out.dtype != object:
        return list(out.ravel())
    try:
        return list(out)  # type: ignore[call-overload]
    except TypeError:
        raise TypeError(f"{func}: f must return a number or a sequence of numbers, got {type(out).__name__}") from None


# Array helpers of reverse mode


def _unbroadcast(g: Any, shape: tuple[int, ...]) -> Value:
    """Sum ``g`` over the axes along which an operand of ``shape`` was broadcast."""
    if not shape:
        return g if type(g) is float else float(np.sum(g))
    arr = np.asarray(g, dtype=np.float64)
    while arr.ndim > len(shape):
        arr = arr.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and arr.shape[axis] != 1:
            arr = arr.sum(axis=axis, keepdims=True)
    return _clean(arr.reshape(shape))


def _matmul_grads(g: Value, a: Value, b: Value) -> tuple[Value, Value]:
    """For C = A @ B (A, B of 1 or 2 dimensions): (dA, dB) = (dC B^T, A^T dC)."""
    A = np.asarray(a)
    B = np.asarray(b)
    A2 = A if A.ndim == 2 else A[None, :]
    B2 = B if B.ndim == 2 else B[:, None]
    G2 = np.reshape(g, (A2.shape[0], B2.shape[1]))
    return _clean((G2 @ B2.T).reshape(A.shape)), _clean((A2.T @ G2).reshape(B.shape))


def _matmul_value(a: Value, b: Value) -> Value:
    A = np.asarray(a)
    B = np.asarray(b)
    if A.ndim not in (1, 2) or B.ndim not in (1, 2):
        raise ValueError(f"Var @: both operands must have 1 or 2 dimensions, got shapes {A.shape} and {B.shape}")
    inner_a = A.shape[-1]
    inner_b = B.shape[0]
    if inner_a != inner_b:
        raise ValueError(f"Var @: shapes {A.shape} and {B.shape} do not align ({inner_a} columns vs {inner_b} rows)")
    return _clean(A @ B)


def _normalise_axis(axis: int | tuple[int, ...] | None, ndim: int, func: str) -> tuple[int, ...] | None:
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, int | np.integer) else tuple(axis)
    out = []
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, int | np.integer) or not -ndim <= a < ndim:
            raise ValueError(f"{func}: axis {a!r} is out of range for an array with {ndim} dimension(s)")
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{func}: repeated axis in {axis!r}")
    return tuple(out)
