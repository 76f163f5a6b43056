"""Misconceptions of notebook 05 (initialisation).

An initialiser is right when its draws have the right law, spread and shape and come from the
``rng`` it is given, not when they equal particular numbers (``std * rng.standard_normal`` and
``rng.normal(0, std)`` are both right). So its probes observe features of a large draw, rounded
so that sampling noise cannot change them: the shape, the spread relative to the intended
standard deviation, the centre, whether the law is bounded (uniform) or not (normal), whether the
given generator was used, and whether the draw is the one of a fixed seed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from coursekit.diagnosis import ExerciseDiagnosis, Misconception, args
from coursekit.init import (
    _SIGMOID_SATURATES_BEYOND,
    _TANH_SATURATES_BEYOND,
    activation_stats,
    constant_init,
    glorot_normal,
    glorot_uniform,
    he_normal,
    lecun_normal,
    normal_init,
)

FAN_IN, FAN_OUT = 100, 400


def _features(w: Any, std: float, rng: np.random.Generator, fresh: Any) -> dict[str, Any]:
    """Rounded features of a draw ``w`` meant to have standard deviation ``std``."""
    w = np.asarray(w)
    spread = float(w.std()) / std
    return {
        "shape": w.shape,
        "spread": round(spread, 1),
        "centre": round(float(w.mean()) / std, 1),
        "bounded": bool(np.max(np.abs(w)) < 2.5 * float(w.std())),  # a uniform law ends at sqrt(3) std
        "used rng": bool(rng.bit_generator.state != fresh.bit_generator.state),
        "seed 0": bool(w.shape and np.allclose(w, np.random.default_rng(0).normal(0.0, std, w.shape))),
    }


def _draw(shape_args: Callable[[Any, np.random.Generator], Any], std: float) -> Callable[[Any], Any]:
    """A probe: call the initialiser with a fresh seeded generator and observe the features of its draw."""

    def probe(func: Any) -> Any:
        rng = np.random.default_rng(5)
        return _features(shape_args(func, rng), std, rng, np.random.default_rng(5))

    return probe


def _fan(variance: Callable[[int, int], float]) -> Callable[[Any], Any]:
    """A probe of an initialiser ``f(fan_in, fan_out, rng)`` whose intended variance is ``variance``."""
    return _draw(lambda f, rng: f(FAN_IN, FAN_OUT, rng), math.sqrt(variance(FAN_IN, FAN_OUT)))


def _normal(fan_in: int, fan_out: int, rng: np.random.Generator, std: float, transposed: bool = False) -> Any:
    return rng.normal(0.0, std, size=(fan_out, fan_in) if transposed else (fan_in, fan_out))


def _uniform(fan_in: int, fan_out: int, rng: np.random.Generator, limit: float, low: float | None = None) -> Any:
    return rng.uniform(-limit if low is None else low, limit, size=(fan_in, fan_out))


def _glorot_variance(fi: int, fo: int) -> float:
    return 2.0 / (fi + fo)


# -- activation_stats ------------------------------------------------------------------------------

_EDGE = {"sigmoid": _SIGMOID_SATURATES_BEYOND, "tanh": _TANH_SATURATES_BEYOND}
_F: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sigmoid": lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "linear": lambda z: z,
}


def _stats(
    X: Any,
    weights: Any,
    activation: Any,
    *,
    last_linear: bool = False,
    ddof: int = 0,
    from_a: bool = False,
    strict_zero: bool = False,
    z_from_a: bool = False,
    naive_sigmoid: bool = False,
) -> list[dict[str, float]]:
    f = _F[activation]
    if naive_sigmoid and activation == "sigmoid":
        f = lambda z: 1.0 / (1.0 + np.exp(-z))  # noqa: E731
    A, out = np.asarray(X, dtype=float), []
    for layer, W in enumerate(weights, 1):
        Z = A @ W
        A = Z if last_linear and layer == len(weights) else f(Z)
        if activation == "relu":
            basis = A if from_a else Z
            saturated = basis < 0.0 if strict_zero else basis <= 0.0
        elif activation == "linear":
            saturated = np.zeros(Z.shape, dtype=bool)
        else:
            saturated = np.abs(A if from_a else Z) > _EDGE[activation]
        z_std = A.std(ddof=ddof) if z_from_a else Z.std(ddof=ddof)
        out.append(
            {
                "mean": float(A.mean()),
                "std": float(A.std(ddof=ddof)),
                "saturated": float(saturated.mean()),
                "z_std": float(z_std),
            }
        )
    return out


_SRNG = np.random.default_rng(9)
_X = _SRNG.normal(size=(40, 6))
_WS = [_SRNG.normal(0.0, 2.0, size=(6, 6)) for _ in range(3)]
_BIG = [np.full((6, 6), 400.0) * np.sign(_SRNG.normal(size=(6, 6)))]


def _stats_probes() -> list[Callable[[Any], Any]]:
    probes = [args(_X, _WS, name) for name in ("relu", "tanh", "sigmoid")]
    probes.append(args(-np.abs(_X), _BIG, "sigmoid"))  # huge pre-activations: a naive sigmoid overflows
    probes.append(args(np.vstack([np.zeros((1, 6)), _X[:5]]), [np.eye(6)], "relu"))  # exact zeros
    return probes


EXERCISES: dict[str, ExerciseDiagnosis] = {
    "constant_init": ExerciseDiagnosis(
        reference=constant_init,
        probes=[
            lambda f: (lambda w: (w, np.asarray(w).dtype.kind))(f((2, 3), 3)),
            lambda f: (lambda w: (w, np.asarray(w).dtype.kind))(f((4,), -0.5)),
        ],
        misconceptions=[
            Misconception(
                "int_dtype",
                "integer array for an integer value",
                "np.full(shape, 3) makes an integer array: ask for floats, np.full(shape, value, dtype=float).",
                lambda shape, value: np.full(shape, value),
            ),
            Misconception(
                "ignores_value",
                "constant_init ignores its value",
                "every entry must equal value: np.full(shape, value, dtype=float).",
                lambda shape, value: np.ones(shape),
            ),
            Misconception(
                "zeros",
                "zeros times value",
                "np.zeros(shape) * value is 0 whatever the value: use np.full.",
                lambda shape, value: np.zeros(shape) * value,
            ),
        ],
    ),
    "normal_init": ExerciseDiagnosis(
        reference=normal_init,
        probes=[_draw(lambda f, rng: f((200, 300), 0.5, rng), 0.5)],
        misconceptions=[
            Misconception(
                "variance_as_scale",
                "variance passed as the standard deviation",
                "numpy's scale is the standard deviation: pass std, not std**2.",
                lambda shape, std, rng: rng.normal(0.0, std**2, size=shape),
            ),
            Misconception(
                "global_state",
                "numpy's global random state",
                "draw from the generator you are given, "
                "rng.normal(...), not np.random.normal: otherwise a seed cannot reproduce your network.",
                lambda shape, std, rng: np.random.normal(0.0, std, size=shape),  # noqa: NPY002 - the mistake
            ),
            Misconception(
                "fixed_seed",
                "a fresh generator with a fixed seed",
                "use the rng you are given: a generator made "
                "inside with a fixed seed gives the same weights every call.",
                lambda shape, std, rng: np.random.default_rng(0).normal(0.0, std, size=shape),
            ),
            Misconception(
                "uniform",
                "uniform on [-std, std]",
                "draw from a normal law, rng.normal(0.0, std, size=shape): a "
                "uniform law on [-std, std] has a smaller spread.",
                lambda shape, std, rng: rng.uniform(-std, std, shape),
            ),
        ],
    ),
    "lecun_normal": ExerciseDiagnosis(
        reference=lecun_normal,
        probes=[_fan(lambda fi, fo: 1.0 / fi)],
        misconceptions=[
            Misconception(
                "std_one_over_fan_in",
                "standard deviation 1/fan_in",
                "LeCun's *variance* is 1/fan_in, so the standard deviation is sqrt(1/fan_in).",
                lambda fi, fo, rng: _normal(fi, fo, rng, 1.0 / fi),
            ),
            Misconception(
                "transposed",
                "shape (fan_out, fan_in)",
                "a weight matrix has shape (fan_in, fan_out) in this course (Z = A @ W).",
                lambda fi, fo, rng: _normal(fi, fo, rng, math.sqrt(1.0 / fi), True),
            ),
            Misconception(
                "fan_out",
                "divides by fan_out",
                "LeCun divides by fan_in, the number of inputs of each unit.",
                lambda fi, fo, rng: _normal(fi, fo, rng, math.sqrt(1.0 / fo)),
            ),
        ],
    ),
    "glorot_normal": ExerciseDiagnosis(
        reference=glorot_normal,
        probes=[_fan(_glorot_variance)],
        misconceptions=[
            Misconception(
                "variance_as_std",
                "Glorot variance used as the standard deviation",
                "2 / (fan_in + fan_out) is the variance: take its square root for numpy's scale.",
                lambda fi, fo, rng: _normal(fi, fo, rng, _glorot_variance(fi, fo)),
            ),
            Misconception(
                "no_two",
                "Glorot without the factor 2",
                "Glorot's variance is 2 / (fan_in + fan_out): the factor 2 is missing.",
                lambda fi, fo, rng: _normal(fi, fo, rng, math.sqrt(1.0 / (fi + fo))),
            ),
            Misconception(
                "uniform",
                "uniform instead of normal",
                "glorot_normal draws from a normal law; the uniform law is glorot_uniform's.",
                lambda fi, fo, rng: _uniform(fi, fo, rng, math.sqrt(6.0 / (fi + fo))),
            ),
        ],
    ),
    "glorot_uniform": ExerciseDiagnosis(
        reference=glorot_uniform,
        probes=[_fan(_glorot_variance)],
        misconceptions=[
            Misconception(
                "std_as_bound",
                "the standard deviation used as the bound",
                "a uniform law on [-l, l] has "
                "variance l**2 / 3: the bound is l = sqrt(6 / (fan_in + fan_out)), not the standard deviation.",
                lambda fi, fo, rng: _uniform(fi, fo, rng, math.sqrt(_glorot_variance(fi, fo))),
            ),
            Misconception(
                "one_sided",
                "uniform on [0, l]",
                "draw on [-l, l]: weights on [0, l] are all positive and not centred.",
                lambda fi, fo, rng: _uniform(fi, fo, rng, math.sqrt(6.0 / (fi + fo)), low=0.0),
            ),
            Misconception(
                "no_root",
                "bound without the square root",
                "the bound is sqrt(6 / (fan_in + fan_out)): the square root is missing.",
                lambda fi, fo, rng: _uniform(fi, fo, rng, 6.0 / (fi + fo)),
            ),
            Misconception(
                "normal",
                "normal instead of uniform",
                "glorot_uniform draws from a uniform law on [-l, l].",
                lambda fi, fo, rng: _normal(fi, fo, rng, math.sqrt(_glorot_variance(fi, fo))),
            ),
        ],
    ),
    "he_normal": ExerciseDiagnosis(
        reference=he_normal,
        probes=[_fan(lambda fi, fo: 2.0 / fi)],
        misconceptions=[
            Misconception(
                "fan_out",
                "He divides by fan_out",
                "He's variance is 2 / fan_in: divide by the number of inputs.",
                lambda fi, fo, rng: _normal(fi, fo, rng, math.sqrt(2.0 / fo)),
            ),
            Misconception(
                "variance_as_std",
                "He variance used as the standard deviation",
                "2 / fan_in is the variance: take its square root for numpy's scale.",
                lambda fi, fo, rng: _normal(fi, fo, rng, 2.0 / fi),
            ),
            Misconception(
                "lecun",
                "LeCun's variance for ReLU",
                "ReLU zeroes half of its inputs, so He doubles LeCun's variance: 2 / fan_in, not 1 / fan_in.",
                lambda fi, fo, rng: _normal(fi, fo, rng, math.sqrt(1.0 / fi)),
            ),
        ],
    ),
    "activation_stats": ExerciseDiagnosis(
        reference=activation_stats,
        probes=_stats_probes(),
        misconceptions=[
            Misconception(
                "last_linear",
                "no activation after the last layer",
                "apply the activation after every layer, the "
                "last one included (the stack stands for the hidden layers).",
                lambda *a: _stats(*a, last_linear=True),
            ),
            Misconception(
                "ddof",
                "sample standard deviation",
                "use np.std's default (ddof=0), the population standard deviation.",
                lambda *a: _stats(*a, ddof=1),
            ),
            Misconception(
                "saturation_from_a",
                "saturation judged from the activations",
                "judge saturation from the pre-activations Z (where the slope is taken), not from the activations A.",
                lambda *a: _stats(*a, from_a=True, strict_zero=False),
            ),
            Misconception(
                "relu_zero",
                "ReLU: z = 0 not counted as saturated",
                "in this course the ReLU's slope at 0 is 0, so z <= 0 counts as saturated.",
                lambda *a: _stats(*a, strict_zero=True),
            ),
            Misconception(
                "z_std_of_a",
                "z_std computed from the activations",
                "z_std is the standard deviation of the pre-activations Z, before the activation.",
                lambda *a: _stats(*a, z_from_a=True),
            ),
            Misconception(
                "naive_sigmoid",
                "textbook sigmoid overflows",
                "1 / (1 + exp(-z)) overflows for large negative z: use a stable sigmoid (e.g. (1 + tanh(z / 2)) / 2).",
                lambda *a: _stats(*a, naive_sigmoid=True),
            ),
        ],
    ),
}
