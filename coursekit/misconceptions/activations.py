"""Misconceptions of notebook 02 (activations).

The probes include very large and very small inputs (|z| = 1000), because the classic mistakes of
this notebook are the formulas that are right on paper and overflow in floating point; those
variants are written with the same unstable formula, so they produce the same inf and nan.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from coursekit import activations as ref
from coursekit.activations import SELU_ALPHA, SELU_LAMBDA, naive_sigmoid, naive_softmax
from coursekit.diagnosis import ExerciseDiagnosis, Misconception, Probe, args, variant

Z = np.array([-3.0, -0.5, 0.0, 0.5, 3.0])
"""Moderate inputs on both sides of zero, with zero itself (the kink of ReLU and its relatives)."""
BIG_NEGATIVE = np.array([-1000.0, -800.0, -1.0])
BIG_POSITIVE = np.array([1000.0, 800.0, 1.0])
"""Inputs where an unstable formula overflows (one side at a time: which side tells formulas apart)."""
Z_GRID = np.array([[-2.0, 0.0, 1.5], [0.25, -0.75, 4.0]])
"""A 2-D input: shapes must be kept."""
LOGITS = np.array([[1.0, 2.0, 3.0], [1000.0, 1001.0, 999.0], [-5.0, 0.0, 5.0]])
"""Rows of logits, one far above the others (a global maximum shift makes the others underflow)."""


def _f(z: Any) -> np.ndarray:
    return np.asarray(z, dtype=float)


def _elementwise(
    reference: Any, *misconceptions: Misconception, extra: Sequence[Probe] = (), **kw: Any
) -> ExerciseDiagnosis:
    """An elementwise function probed on :data:`Z`, :data:`Z_GRID` and the big inputs (with the keyword
    arguments ``kw``), and on the ``extra`` probes."""
    probes = [*(args(z.copy(), **kw) for z in (Z, Z_GRID, BIG_NEGATIVE, BIG_POSITIVE)), *extra]
    return ExerciseDiagnosis(reference=reference, probes=probes, misconceptions=list(misconceptions))


TINY = np.array([1e-10, -3e-8, 2e-5])
"""Inputs where tanh(z) is about z, so that a cancelling formula loses most of its digits."""


def _loses_precision_near_zero(func: Any) -> bool:
    """Whether ``func`` (a tanh) is off by more than 1e-9 relative on :data:`TINY`: a rounded feature,
    since a cancelling formula's digits depend on how it is written (it keeps about six of them)."""
    out = np.asarray(func(TINY.copy()), dtype=float)
    exact = np.array([math.tanh(x) for x in TINY])
    return bool(np.max(np.abs(out - exact) / np.abs(exact)) > 1e-9)


def _stable_sigmoid(z: Any) -> np.ndarray:
    return ref.sigmoid(z)


def _tanh_naive(z: Any) -> np.ndarray:
    z = _f(z)
    return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))


def _relu_in_place(z: Any) -> Any:
    z[z < 0] = 0.0
    return z


def _jacobian(z: Any, *, diagonal_only: bool = False, sign: float = 1.0, inner: bool = False) -> np.ndarray:
    p = ref.softmax(_f(z))
    product = p @ p if inner else np.outer(p, p)
    if diagonal_only:
        return np.diag(p)
    return sign * (np.diag(p) - product)


def _softmax_global(z: Any, axis: int = -1, *, shift_only: bool = False) -> np.ndarray:
    z = _f(z)
    e = np.exp(z - z.max())
    return e / (np.sum(e, axis=axis, keepdims=True) if shift_only else e.sum())


EXERCISES: dict[str, ExerciseDiagnosis] = {
    "step": _elementwise(
        ref.step,
        variant("zero_at_zero", lambda z: np.where(_f(z) > 0, 1.0, 0.0)),
        variant("booleans", lambda z: np.asarray(z) >= 0),
    ),
    "relu": _elementwise(
        ref.relu,
        variant("builtin_max", lambda z: max(z, 0)),
        variant("in_place", _relu_in_place),
        variant("absolute", lambda z: np.abs(_f(z))),
    ),
    "sigmoid": _elementwise(
        ref.sigmoid,
        variant("sign", lambda z: ref.sigmoid(-_f(z))),
        variant("naive", naive_sigmoid),
        variant("naive_other", lambda z: np.exp(_f(z)) / (1 + np.exp(_f(z)))),
        variant(
            "where_both", lambda z: np.where(_f(z) >= 0, 1 / (1 + np.exp(-_f(z))), np.exp(_f(z)) / (1 + np.exp(_f(z))))
        ),
    ),
    "tanh": _elementwise(
        ref.tanh,
        variant("naive", _tanh_naive),
        variant("no_factor_two", lambda z: 2 * _stable_sigmoid(z) - 1),
        variant("cancels", lambda z: 2 * _stable_sigmoid(2 * _f(z)) - 1),
        extra=[_loses_precision_near_zero],
    ),
    "leaky_relu": _elementwise(
        ref.leaky_relu,
        variant("fixed_alpha", lambda z, alpha=0.01: np.where(_f(z) > 0, _f(z), 0.01 * _f(z))),
        variant("wrong_side", lambda z, alpha=0.01: np.where(_f(z) > 0, alpha * _f(z), _f(z))),
        alpha=0.2,
    ),
    "elu": _elementwise(
        ref.elu,
        variant("overflow", lambda z, alpha=1.0: np.where(_f(z) > 0, _f(z), alpha * (np.exp(_f(z)) - 1))),
        variant("no_alpha", lambda z, alpha=1.0: np.where(_f(z) > 0, _f(z), np.expm1(np.minimum(_f(z), 0)))),
        alpha=0.5,
    ),
    "selu": _elementwise(
        ref.selu,
        variant(
            "swapped", lambda z: SELU_ALPHA * np.where(_f(z) > 0, _f(z), SELU_LAMBDA * np.expm1(np.minimum(_f(z), 0)))
        ),
        variant(
            "lambda_negative_only",
            lambda z: np.where(_f(z) > 0, _f(z), SELU_LAMBDA * SELU_ALPHA * np.expm1(np.minimum(_f(z), 0))),
        ),
    ),
    "softmax": ExerciseDiagnosis(
        reference=ref.softmax,
        probes=[args(LOGITS.copy()), args(LOGITS.copy(), axis=0), args(np.array([0.5, -1.0, 2.0]))],
        misconceptions=[
            variant("no_shift", naive_softmax),
            variant("global_sum", _softmax_global),
            variant("last_axis_only", lambda z, axis=-1: ref.softmax(z, axis=-1)),
            variant("global_shift", lambda z, axis=-1: _softmax_global(z, axis, shift_only=True)),
        ],
    ),
    "relu_grad": _elementwise(
        ref.relu_grad,
        variant("one_at_zero", lambda z: np.where(_f(z) >= 0, 1.0, 0.0)),
        variant("function", lambda z: np.maximum(_f(z), 0.0)),
    ),
    "sigmoid_grad": _elementwise(
        ref.sigmoid_grad,
        variant("unstable", lambda z: naive_sigmoid(z) * (1 - naive_sigmoid(z))),
        variant("on_z", lambda z: _f(z) * (1 - _f(z))),
        variant("sigma_only", _stable_sigmoid),
    ),
    "tanh_grad": _elementwise(
        ref.tanh_grad,
        variant("no_square", lambda z: 1 - np.tanh(_f(z))),
        variant("on_z", lambda z: 1 - _f(z) ** 2),
    ),
    "leaky_relu_grad": _elementwise(
        ref.leaky_relu_grad,
        variant("no_leak", lambda z, alpha=0.01: np.where(_f(z) > 0, 1.0, 0.0)),
        variant("one_at_zero", lambda z, alpha=0.01: np.where(_f(z) >= 0, 1.0, alpha)),
        variant("fixed_alpha", lambda z, alpha=0.01: np.where(_f(z) > 0, 1.0, 0.01)),
        alpha=0.2,
    ),
    "elu_grad": _elementwise(
        ref.elu_grad,
        variant("overflow", lambda z, alpha=1.0: np.where(_f(z) > 0, 1.0, alpha * np.exp(_f(z)))),
        variant("no_alpha", lambda z, alpha=1.0: np.where(_f(z) > 0, 1.0, np.exp(np.minimum(_f(z), 0)))),
        variant("function", lambda z, alpha=1.0: np.where(_f(z) > 0, 1.0, alpha * np.expm1(np.minimum(_f(z), 0)))),
        alpha=0.5,
    ),
    "selu_grad": _elementwise(
        ref.selu_grad,
        variant(
            "lambda_missing_positive",
            lambda z: np.where(_f(z) > 0, 1.0, SELU_LAMBDA * SELU_ALPHA * np.exp(np.minimum(_f(z), 0))),
        ),
        variant(
            "lambda_missing_negative",
            lambda z: np.where(_f(z) > 0, SELU_LAMBDA, SELU_ALPHA * np.exp(np.minimum(_f(z), 0))),
        ),
    ),
    "softmax_jacobian": ExerciseDiagnosis(
        reference=ref.softmax_jacobian,
        probes=[args(np.array([0.5, -1.0, 2.0])), args(np.array([1000.0, 1001.0, 999.0]))],
        misconceptions=[
            variant("diagonal_only", lambda z: _jacobian(z, diagonal_only=True)),
            variant("sign", lambda z: _jacobian(z, sign=-1.0)),
            variant("inner", lambda z: _jacobian(z, inner=True)),
            variant("no_shift", lambda z: np.diag(naive_softmax(z)) - np.outer(naive_softmax(z), naive_softmax(z))),
        ],
    ),
}
