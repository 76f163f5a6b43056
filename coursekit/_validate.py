"""Input checks shared by the numerical modules.

Every public function of ``coursekit`` checks its arguments and raises a
``TypeError`` or ``ValueError`` whose message names the function, the argument
and what was expected, so that a student who passes a list of lists, an integer
array or a matrix of the wrong shape learns what to change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Integral, Real

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]


def as_float_array(
    value: ArrayLike,
    name: str,
    func: str,
    *,
    ndim: int | Sequence[int] | None = None,
    finite: bool = True,
) -> FloatArray:
    """Return ``value`` as a float64 array (a copy is never promised), or raise.

    Parameters
    ----------
    value : array_like
        Numbers: a scalar, a list, or a numpy array of a real dtype.
    name : str
        The argument's name, for the error message.
    func : str
        The calling function's name, for the error message.
    ndim : int or sequence of int, optional
        Allowed numbers of dimensions.
    finite : bool
        Reject NaN and infinity.
    """
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "fiu":  # floating, signed or unsigned integer
            raise TypeError(f"{func}: argument '{name}' must hold real numbers, got an array of dtype {value.dtype}")
        arr = value if value.dtype == np.float64 else value.astype(np.float64)
    else:
        if isinstance(value, bool | np.bool_) or (
            isinstance(value, list | tuple)
            and np.asarray(value, dtype=object).dtype == object
            and any(isinstance(v, bool | np.bool_) for v in np.asarray(value, dtype=object).ravel())
        ):
            raise TypeError(f"{func}: argument '{name}' must hold real numbers, got booleans")
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"{func}: argument '{name}' must be an array of real numbers, got {type(value).__name__} ({exc})"
            ) from None
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(str(d) for d in allowed)
            raise ValueError(f"{func}: argument '{name}' must have {want} dimension(s), got shape {arr.shape}")
    if finite and arr.size and not all_finite(arr):
        raise ValueError(f"{func}: argument '{name}' contains NaN or infinity")
    return arr


#: Up to this many entries, the exact finiteness test is the cheapest.
_SMALL = 2048


def all_finite(arr: FloatArray) -> bool:
    """Whether every entry of the float array ``arr`` is finite (neither NaN nor infinite).

    The sum of squares is finite exactly when every entry is, unless it overflows (entries
    beyond about 1e154); it is one vectorised BLAS pass (``x @ x``), three times faster than
    ``np.isfinite(arr).all()``, which is only needed when that quick test fails.
    """
    if arr.size <= _SMALL:
        return bool(np.isfinite(arr).all())
    flat = arr.reshape(-1) if arr.flags.c_contiguous else arr.ravel(order="K")
    with np.errstate(over="ignore", invalid="ignore"):
        if math.isfinite(np.dot(flat, flat)):
            return True
    return bool(np.isfinite(arr).all())


def check_design(X: ArrayLike, func: str) -> FloatArray:
    """The inputs ``X``: a 2-D float array with at least one row (one example per row)."""
    arr = as_float_array(X, "X", func, ndim=2)
    if arr.shape[0] == 0:
        raise ValueError(f"{func}: argument 'X' must have at least one row, got shape {arr.shape}")
    return arr


def no_forward_yet(owner: str) -> RuntimeError:
    """The error of a module's ``backward`` called before its ``forward``."""
    return RuntimeError(
        f"{owner}.backward: no cached values; call forward first (backward uses what the last forward call stored)"
    )


def check_same_shape(a: FloatArray, b: FloatArray, name_a: str, name_b: str, func: str) -> None:
    """Raise ``ValueError`` unless arrays ``a`` and ``b`` have the same shape."""
    if a.shape != b.shape:
        raise ValueError(
            f"{func}: arguments '{name_a}' and '{name_b}' must have the same shape, got {a.shape} and {b.shape}"
        )


def check_real(value: object, name: str, func: str, *, what: str = "a number") -> float:
    """Return ``value`` as a float if it is a finite real number (not a bool), or raise."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{func}: argument '{name}' must be {what}, got {type(value).__name__}")
    out = float(value)
    if not math.isfinite(out):
        raise ValueError(f"{func}: argument '{name}' must be finite, got {out}")
    return out


def check_positive(value: float, name: str, func: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float if it is a finite positive number, or raise."""
    if type(value) is float and value > 0.0 and value != math.inf:  # the usual case, checked quickly
        return value
    if isinstance(value, bool) or not isinstance(value, Real | np.floating | np.integer):
        raise TypeError(f"{func}: argument '{name}' must be a number, got {type(value).__name__}")
    value = float(value)
    ok = value >= 0 if allow_zero else value > 0
    if not (np.isfinite(value) and ok):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{func}: argument '{name}' must be finite and {bound}, got {value}")
    return value


def check_probability(value: float, name: str, func: str, *, low_open: bool = False, high_open: bool = False) -> float:
    """Return ``value`` as a float if it lies in the unit interval, or raise.

    ``low_open`` / ``high_open`` exclude 0 / 1 from the allowed range.
    """
    if isinstance(value, bool) or not isinstance(value, Real | np.floating | np.integer):
        raise TypeError(f"{func}: argument '{name}' must be a number, got {type(value).__name__}")
    value = float(value)
    lo_ok = value > 0 if low_open else value >= 0
    hi_ok = value < 1 if high_open else value <= 1
    if not (lo_ok and hi_ok):
        interval = ("(" if low_open else "[") + "0, 1" + (")" if high_open else "]")
        raise ValueError(f"{func}: argument '{name}' must lie in {interval}, got {value}")
    return value


def check_rng(rng: object, func: str) -> np.random.Generator:
    """Return ``rng`` if it is a ``numpy.random.Generator``, or raise ``TypeError``."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{func}: argument 'rng' must be a numpy.random.Generator "
            f"(make one with np.random.default_rng(seed)), got {type(rng).__name__}"
        )
    return rng


def check_int(value: object, name: str, func: str, *, minimum: int = 0, positive: bool = False) -> int:
    """Return ``value`` as an int if it is an integer (not a bool) >= ``minimum``, or raise.

    ``TypeError`` for a value that is not an integer (``3.0`` included), ``ValueError`` below ``minimum``.
    ``positive=True`` means ``minimum=1``, with messages that say "a positive integer".
    """
    kind = "a positive integer" if positive else "an integer"
    minimum = 1 if positive else minimum
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{func}: argument '{name}' must be {kind}, got {type(value).__name__} {value!r}")
    if value < minimum:
        bound = "(>= 1)" if positive else f">= {minimum}"
        raise ValueError(f"{func}: argument '{name}' must be {kind} {bound}, got {value}")
    return int(value)


def check_labels(value: object, rows: int, name: str, func: str, *, classes: int | None = None) -> NDArray[np.int64]:
    """Return ``value`` as int64 class labels 0, 1, ... of shape ``(rows,)``, one per row of the data, or raise.

    With ``classes`` (the number of columns of the logits) the labels are class indices below it.
    """
    arr = np.asarray(value)
    what = "be an array of integer class indices" if classes is not None else "hold integer class labels"
    if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer):
        hint = f" (if you hold float labels, convert them with {name}.astype(int))" if classes is not None else ""
        raise TypeError(f"{func}: argument '{name}' must {what}, got dtype {arr.dtype}{hint}")
    if arr.shape != (rows,):
        raise ValueError(f"{func}: argument '{name}' must have shape ({rows},), one label per row, got {arr.shape}")
    if classes is not None and arr.size and (arr.min() < 0 or arr.max() >= classes):
        raise ValueError(
            f"{func}: argument '{name}' must lie in 0 .. {classes - 1} for {classes} classes, "
            f"got values from {arr.min()} to {arr.max()}"
        )
    if arr.size and arr.min() < 0:
        raise ValueError(f"{func}: argument '{name}' must hold labels 0, 1, ..., got {int(arr.min())}")
    return arr.astype(np.int64)


def check_binary_labels(y: ArrayLike, func: str, n: int | None = None) -> FloatArray:
    """Binary labels: a 1-D array of zeros and ones (real, integer or bool dtype) as float64, ``n`` long if given."""
    if isinstance(y, np.ndarray) and y.dtype == np.bool_:
        y = y.astype(np.float64)
    arr = as_float_array(y, "y", func, ndim=1)
    if not np.all((arr == 0.0) | (arr == 1.0)):
        bad = float(arr[(arr != 0.0) & (arr != 1.0)][0])
        raise ValueError(f"{func}: argument 'y' must hold only the labels 0 and 1, found {bad!r}")
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"{func}: argument 'y' must have one label per row of X ({n}), got shape {arr.shape}")
    return arr


def check_probabilities(p: ArrayLike, name: str, func: str) -> FloatArray:
    """Validate a 1-D array of probabilities in [0, 1]."""
    pa = as_float_array(p, name, func, ndim=1)
    if np.any((pa < 0) | (pa > 1)):
        raise ValueError(f"{func}: argument '{name}' must hold probabilities in [0, 1]")
    return pa


def check_sample_weight(sample_weight: ArrayLike | None, n: int, func: str) -> FloatArray:
    """Non-negative weights, one per row of X (all ones when None)."""
    if sample_weight is None:
        return np.ones(n)
    s = as_float_array(sample_weight, "sample_weight", func, ndim=1)
    if s.shape[0] != n:
        raise ValueError(
            f"{func}: argument 'sample_weight' must have one weight per row of X ({n}), got shape {s.shape}"
        )
    if np.any(s < 0):
        raise ValueError(f"{func}: argument 'sample_weight' must be >= 0, found {float(s[s < 0][0])}")
    return s


# ----------------------------------------------------------------------------- update rules


def check_decay(value: float, name: str, func: str) -> float:
    """A decay rate such as gamma or beta1: a number in [0, 1)."""
    if type(value) is float and 0.0 <= value < 1.0:  # the usual case, checked quickly
        return value
    return check_probability(value, name, func, high_open=True)


def check_like(
    value: ArrayLike, name: str, w: FloatArray, func: str, *, finite: bool = True, like_name: str = "w"
) -> FloatArray:
    """``value`` as a float array of the shape of ``w`` (the argument ``like_name``), or raise."""
    arr = as_float_array(value, name, func, finite=finite)
    if arr.shape != w.shape:
        raise ValueError(
            f"{func}: argument '{name}' must have the shape of '{like_name}', {w.shape}, got shape {arr.shape}"
        )
    return arr


def check_step_inputs(func: str, w: ArrayLike, dw: ArrayLike, **state: ArrayLike) -> tuple[FloatArray, ...]:
    """The arrays of an update rule, checked: ``w``, then ``dw`` and each state array with ``w``'s shape.

    All must be finite: a NaN or an infinity in the state would otherwise spread into every later step.
    """
    w = as_float_array(w, "w", func)
    return (w, check_like(dw, "dw", w, func), *(check_like(arr, name, w, func) for name, arr in state.items()))


def check_update_number(t: object, func: str) -> int:
    """Adam's ``t``: the 1-based number of the update being made."""
    if isinstance(t, bool) or not isinstance(t, Integral):
        raise TypeError(
            f"{func}: argument 't' must be an integer, the 1-based number of the update, got {type(t).__name__}"
        )
    if t < 1:
        raise ValueError(
            f"{func}: argument 't' is the 1-based number of the update (1 for the first step), got {t}; "
            f"with t = 0 the bias correction would divide by 1 - beta**0 = 0"
        )
    return int(t)


def check_squares_average(arr: FloatArray, name: str, func: str) -> FloatArray:
    """A running average of squared gradients (Adadelta's ``G``, Adam's ``v``): never negative."""
    if arr.size and arr.min() < 0:
        raise ValueError(
            f"{func}: argument '{name}' is a running average of squared gradients and cannot be "
            f"negative; start it at np.zeros_like(w) and pass back the value the previous step returned"
        )
    return arr


def check_matrix_list(weights: object, func: str) -> list[FloatArray]:
    """A network's weights: a non-empty list (or tuple) of 2-D arrays, returned as float64 arrays.

    Whether their shapes chain is for the caller to check: it knows what comes before the first.
    """
    if isinstance(weights, np.ndarray) or not isinstance(weights, Sequence) or isinstance(weights, str):
        raise TypeError(
            f"{func}: argument 'weights' must be a list of 2-D weight matrices [W1, W2, ...], "
            f"got {type(weights).__name__}"
        )
    if len(weights) == 0:
        raise ValueError(f"{func}: argument 'weights' must contain at least one weight matrix, got an empty list")
    return [as_float_array(w, f"weights[{i}]", func, ndim=2) for i, w in enumerate(weights)]


def check_validation_set(
    X_val: ArrayLike, y_val: ArrayLike, n_features: int, func: str, like: str = "X"
) -> tuple[FloatArray, NDArray[np.int64]]:
    """A classifier's validation set: inputs with the training inputs' ``n_features`` columns, and labels."""
    Xv = as_float_array(X_val, "X_val", func, ndim=2)
    if Xv.shape[1] != n_features:
        raise ValueError(f"{func}: argument 'X_val' must have {n_features} columns like {like}, got shape {Xv.shape}")
    return Xv, check_labels(y_val, Xv.shape[0], "y_val", func)
