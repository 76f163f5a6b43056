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
from coursekit.diagnosis import ExerciseDiagnosis, Misconception, Probe, args

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
        Misconception(
            "zero_at_zero",
            "step(0) = 0",
            "your step gives 0 at z = 0: this course (like the notes' tutorial) uses step(0) = 1, so test z >= 0.",
            lambda z: np.where(_f(z) > 0, 1.0, 0.0),
        ),
        Misconception(
            "booleans",
            "step returns booleans",
            "your step returns True/False: return floats, e.g. np.where(z >= 0, 1.0, 0.0).",
            lambda z: np.asarray(z) >= 0,
        ),
    ),
    "relu": _elementwise(
        ref.relu,
        Misconception(
            "builtin_max",
            "Python's max instead of np.maximum",
            "Python's max compares the whole array with 0 at once: use np.maximum(z, 0), which works entry by entry.",
            lambda z: max(z, 0),
        ),
        Misconception(
            "in_place",
            "ReLU changes its input in place",
            "your relu changes the array it is given: return a new array, e.g. np.maximum(z, 0).",
            _relu_in_place,
        ),
        Misconception(
            "absolute",
            "|z| instead of max(0, z)",
            "your relu returns |z|: negative inputs must give 0, not their absolute value.",
            lambda z: np.abs(_f(z)),
        ),
    ),
    "sigmoid": _elementwise(
        ref.sigmoid,
        Misconception(
            "sign",
            "exp(z) instead of exp(-z)",
            "your sigmoid decreases as z grows: sigma(z) = 1 / (1 + exp(-z)), so sigma(3) is close to 1.",
            lambda z: ref.sigmoid(-_f(z)),
        ),
        Misconception(
            "naive",
            "textbook sigmoid overflows",
            "1 / (1 + exp(-z)) computes exp(1000) for z = -1000 and "
            "overflows: use exp(-|z|), which never exceeds 1, with one formula for each sign.",
            naive_sigmoid,
        ),
        Misconception(
            "naive_other",
            "exp(z) / (1 + exp(z)) overflows",
            "exp(z) / (1 + exp(z)) is inf / inf = nan at z = 1000: use exp(-|z|), with one formula for each sign.",
            lambda z: np.exp(_f(z)) / (1 + np.exp(_f(z))),
        ),
        Misconception(
            "where_both",
            "np.where over two unstable forms",
            "np.where evaluates both of its branches for every "
            "entry, so exp still overflows: compute e = exp(-|z|) first, then choose between 1 / (1 + e) and "
            "e / (1 + e).",
            lambda z: np.where(_f(z) >= 0, 1 / (1 + np.exp(-_f(z))), np.exp(_f(z)) / (1 + np.exp(_f(z)))),
        ),
    ),
    "tanh": _elementwise(
        ref.tanh,
        Misconception(
            "naive",
            "exponential formula overflows",
            "(e^z - e^-z) / (e^z + e^-z) overflows for |z| > 710: exponentiate only -2|z|, which is never positive.",
            _tanh_naive,
        ),
        Misconception(
            "no_factor_two",
            "2 sigma(z) - 1",
            "tanh(z) is 2 sigma(2z) - 1: the factor 2 inside the sigmoid is missing.",
            lambda z: 2 * _stable_sigmoid(z) - 1,
        ),
        Misconception(
            "cancels",
            "tanh cancels near 0",
            "near z = 0 your tanh keeps only about six correct digits: 1 - e (or 2 sigma(2z) - 1) subtracts two "
            "nearly equal numbers. Compute 1 - e^(-2|z|) as -np.expm1(-2|z|).",
            lambda z: 2 * _stable_sigmoid(2 * _f(z)) - 1,
        ),
        extra=[_loses_precision_near_zero],
    ),
    "leaky_relu": _elementwise(
        ref.leaky_relu,
        Misconception(
            "fixed_alpha",
            "leaky ReLU ignores alpha",
            "your leaky_relu ignores its alpha argument: use alpha, not a fixed 0.01, on the negative side.",
            lambda z, alpha=0.01: np.where(_f(z) > 0, _f(z), 0.01 * _f(z)),
        ),
        Misconception(
            "wrong_side",
            "alpha on the positive side",
            "alpha belongs on the negative side: z for z > 0, alpha * z otherwise.",
            lambda z, alpha=0.01: np.where(_f(z) > 0, alpha * _f(z), _f(z)),
        ),
        alpha=0.2,
    ),
    "elu": _elementwise(
        ref.elu,
        Misconception(
            "overflow",
            "ELU's unused branch overflows",
            "np.where evaluates exp(z) for every entry, so it overflows "
            "for large positive z: take np.expm1(np.minimum(z, 0)).",
            lambda z, alpha=1.0: np.where(_f(z) > 0, _f(z), alpha * (np.exp(_f(z)) - 1)),
        ),
        Misconception(
            "no_alpha",
            "ELU without alpha",
            "the negative side of ELU is alpha * (exp(z) - 1): multiply by alpha.",
            lambda z, alpha=1.0: np.where(_f(z) > 0, _f(z), np.expm1(np.minimum(_f(z), 0))),
        ),
        alpha=0.5,
    ),
    "selu": _elementwise(
        ref.selu,
        Misconception(
            "swapped",
            "SELU's constants swapped",
            "lambda (about 1.05) scales everything and alpha (about 1.67) "
            "sits inside the negative branch: your constants are the other way round.",
            lambda z: SELU_ALPHA * np.where(_f(z) > 0, _f(z), SELU_LAMBDA * np.expm1(np.minimum(_f(z), 0))),
        ),
        Misconception(
            "lambda_negative_only",
            "SELU without lambda for z > 0",
            "lambda scales both sides: for z > 0 SELU is lambda * z, not z.",
            lambda z: np.where(_f(z) > 0, _f(z), SELU_LAMBDA * SELU_ALPHA * np.expm1(np.minimum(_f(z), 0))),
        ),
    ),
    "softmax": ExerciseDiagnosis(
        reference=ref.softmax,
        probes=[args(LOGITS.copy()), args(LOGITS.copy(), axis=0), args(np.array([0.5, -1.0, 2.0]))],
        misconceptions=[
            Misconception(
                "no_shift",
                "softmax without the max shift",
                "exp of a large logit overflows (nan): subtract each "
                "row's maximum first, np.max(z, axis=axis, keepdims=True).",
                naive_softmax,
            ),
            Misconception(
                "global_sum",
                "softmax normalised over the whole array",
                "your probabilities sum to 1 over the whole "
                "array: sum along the axis only (np.sum(e, axis=axis, keepdims=True)).",
                _softmax_global,
            ),
            Misconception(
                "last_axis_only",
                "softmax ignores its axis",
                "your softmax always works along the last axis: use the axis argument for the maximum and the sum.",
                lambda z, axis=-1: ref.softmax(z, axis=-1),
            ),
            Misconception(
                "global_shift",
                "one global maximum subtracted",
                "subtracting one maximum for the whole array makes "
                "rows far below it underflow to 0 / 0: subtract each row's own maximum (keepdims=True).",
                lambda z, axis=-1: _softmax_global(z, axis, shift_only=True),
            ),
        ],
    ),
    "relu_grad": _elementwise(
        ref.relu_grad,
        Misconception(
            "one_at_zero",
            "relu_grad(0) = 1",
            "at the kink z = 0 this course takes the left slope, 0: use z > 0.",
            lambda z: np.where(_f(z) >= 0, 1.0, 0.0),
        ),
        Misconception(
            "function",
            "relu instead of its derivative",
            "you return relu(z), not its derivative: the slope is 1 for z > 0 and 0 otherwise.",
            lambda z: np.maximum(_f(z), 0.0),
        ),
    ),
    "sigmoid_grad": _elementwise(
        ref.sigmoid_grad,
        Misconception(
            "unstable",
            "sigma(1 - sigma) through an unstable sigmoid",
            "your sigmoid inside overflows for large "
            "|z|: compute sigma(z) stably (your sigmoid), then sigma * (1 - sigma).",
            lambda z: naive_sigmoid(z) * (1 - naive_sigmoid(z)),
        ),
        Misconception(
            "on_z",
            "z(1 - z) instead of sigma(1 - sigma)",
            "sigma' = sigma(z) (1 - sigma(z)): apply the formula to sigma(z), not to z.",
            lambda z: _f(z) * (1 - _f(z)),
        ),
        Misconception(
            "sigma_only",
            "the sigmoid instead of its derivative",
            "you return sigma(z): its derivative is sigma(z) (1 - sigma(z)), at most 1/4.",
            _stable_sigmoid,
        ),
    ),
    "tanh_grad": _elementwise(
        ref.tanh_grad,
        Misconception(
            "no_square", "1 - tanh(z)", "tanh' = 1 - tanh(z)**2: the square is missing.", lambda z: 1 - np.tanh(_f(z))
        ),
        Misconception(
            "on_z",
            "1 - z**2 instead of 1 - tanh(z)**2",
            "apply the formula to tanh(z): tanh' = 1 - tanh(z)**2, not 1 - z**2.",
            lambda z: 1 - _f(z) ** 2,
        ),
    ),
    "leaky_relu_grad": _elementwise(
        ref.leaky_relu_grad,
        Misconception(
            "no_leak",
            "leaky ReLU's slope 0 for z < 0",
            "on the negative side the slope is alpha, not 0 (that is ReLU's derivative).",
            lambda z, alpha=0.01: np.where(_f(z) > 0, 1.0, 0.0),
        ),
        Misconception(
            "one_at_zero",
            "slope 1 at z = 0",
            "at the kink z = 0 this course takes the left slope, alpha: use z > 0.",
            lambda z, alpha=0.01: np.where(_f(z) >= 0, 1.0, alpha),
        ),
        Misconception(
            "fixed_alpha",
            "leaky_relu_grad ignores alpha",
            "your slope on the negative side ignores the alpha argument: return alpha there, not 0.01.",
            lambda z, alpha=0.01: np.where(_f(z) > 0, 1.0, 0.01),
        ),
        alpha=0.2,
    ),
    "elu_grad": _elementwise(
        ref.elu_grad,
        Misconception(
            "overflow",
            "ELU derivative's unused branch overflows",
            "np.where evaluates exp(z) everywhere and it overflows for large z: take exp(np.minimum(z, 0)).",
            lambda z, alpha=1.0: np.where(_f(z) > 0, 1.0, alpha * np.exp(_f(z))),
        ),
        Misconception(
            "no_alpha",
            "ELU derivative without alpha",
            "on the negative side the derivative is alpha * exp(z): multiply by alpha.",
            lambda z, alpha=1.0: np.where(_f(z) > 0, 1.0, np.exp(np.minimum(_f(z), 0))),
        ),
        Misconception(
            "function",
            "ELU instead of its derivative for z < 0",
            "for z < 0 you return ELU itself, alpha (exp(z) - 1): its derivative is alpha * exp(z).",
            lambda z, alpha=1.0: np.where(_f(z) > 0, 1.0, alpha * np.expm1(np.minimum(_f(z), 0))),
        ),
        alpha=0.5,
    ),
    "selu_grad": _elementwise(
        ref.selu_grad,
        Misconception(
            "lambda_missing_positive",
            "SELU derivative without lambda for z > 0",
            "for z > 0 SELU is lambda * z, so its slope there is lambda, not 1.",
            lambda z: np.where(_f(z) > 0, 1.0, SELU_LAMBDA * SELU_ALPHA * np.exp(np.minimum(_f(z), 0))),
        ),
        Misconception(
            "lambda_missing_negative",
            "SELU derivative without lambda for z <= 0",
            "lambda scales the negative side too: its slope is lambda * alpha * exp(z).",
            lambda z: np.where(_f(z) > 0, SELU_LAMBDA, SELU_ALPHA * np.exp(np.minimum(_f(z), 0))),
        ),
    ),
    "softmax_jacobian": ExerciseDiagnosis(
        reference=ref.softmax_jacobian,
        probes=[args(np.array([0.5, -1.0, 2.0])), args(np.array([1000.0, 1001.0, 999.0]))],
        misconceptions=[
            Misconception(
                "diagonal_only",
                "softmax Jacobian without off-diagonal terms",
                "every p_i depends on every z_j: J = diag(p) - outer(p, p), with the off-diagonal terms -p_i p_j.",
                lambda z: _jacobian(z, diagonal_only=True),
            ),
            Misconception(
                "sign",
                "softmax Jacobian with the wrong sign",
                "your Jacobian has the wrong sign: J = diag(p) - outer(p, p) (its diagonal is positive).",
                lambda z: _jacobian(z, sign=-1.0),
            ),
            Misconception(
                "inner",
                "p . p instead of outer(p, p)",
                "you subtract the number p . p from every entry: the "
                "subtracted term is the matrix outer(p, p), with entries p_i p_j.",
                lambda z: _jacobian(z, inner=True),
            ),
            Misconception(
                "no_shift",
                "softmax Jacobian overflows",
                "exp of a large logit overflows: compute p with the maximum subtracted first.",
                lambda z: np.diag(naive_softmax(z)) - np.outer(naive_softmax(z), naive_softmax(z)),
            ),
        ],
    ),
}
