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

from coursekit.diagnosis import ExerciseDiagnosis, args, variant
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
            variant("int_dtype", lambda shape, value: np.full(shape, value)),
            variant("ignores_value", lambda shape, value: np.ones(shape)),
            variant("zeros", lambda shape, value: np.zeros(shape) * value),
        ],
    ),
    "normal_init": ExerciseDiagnosis(
        reference=normal_init,
        probes=[_draw(lambda f, rng: f((200, 300), 0.5, rng), 0.5)],
        misconceptions=[
            variant("variance_as_scale", lambda shape, std, rng: rng.normal(0.0, std**2, size=shape)),
            variant(
                "global_state",
                lambda shape, std, rng: np.random.normal(0.0, std, size=shape),  # noqa: NPY002 - the mistake
            ),
            variant("fixed_seed", lambda shape, std, rng: np.random.default_rng(0).normal(0.0, std, size=shape)),
            variant("uniform", lambda shape, std, rng: rng.uniform(-std, std, shape)),
        ],
    ),
    "lecun_normal": ExerciseDiagnosis(
        reference=lecun_normal,
        probes=[_fan(lambda fi, fo: 1.0 / fi)],
        misconceptions=[
            variant("std_one_over_fan_in", lambda fi, fo, rng: _normal(fi, fo, rng, 1.0 / fi)),
            variant("transposed", lambda fi, fo, rng: _normal(fi, fo, rng, math.sqrt(1.0 / fi), True)),
            variant("fan_out", lambda fi, fo, rng: _normal(fi, fo, rng, math.sqrt(1.0 / fo))),
        ],
    ),
    "glorot_normal": ExerciseDiagnosis(
        reference=glorot_normal,
        probes=[_fan(_glorot_variance)],
        misconceptions=[
            variant("variance_as_std", lambda fi, fo, rng: _normal(fi, fo, rng, _glorot_variance(fi, fo))),
            variant("no_two", lambda fi, fo, rng: _normal(fi, fo, rng, math.sqrt(1.0 / (fi + fo)))),
            variant("uniform", lambda fi, fo, rng: _uniform(fi, fo, rng, math.sqrt(6.0 / (fi + fo)))),
        ],
    ),
    "glorot_uniform": ExerciseDiagnosis(
        reference=glorot_uniform,
        probes=[_fan(_glorot_variance)],
        misconceptions=[
            variant("std_as_bound", lambda fi, fo, rng: _uniform(fi, fo, rng, math.sqrt(_glorot_variance(fi, fo)))),
            variant("one_sided", lambda fi, fo, rng: _uniform(fi, fo, rng, math.sqrt(6.0 / (fi + fo)), low=0.0)),
            variant("no_root", lambda fi, fo, rng: _uniform(fi, fo, rng, 6.0 / (fi + fo))),
            variant("normal", lambda fi, fo, rng: _normal(fi, fo, rng, math.sqrt(_glorot_variance(fi, fo)))),
        ],
    ),
    "he_normal": ExerciseDiagnosis(
        reference=he_normal,
        probes=[_fan(lambda fi, fo: 2.0 / fi)],
        misconceptions=[
            variant("fan_out", lambda fi, fo, rng: _normal(fi, fo, rng, math.sqrt(2.0 / fo))),
            variant("variance_as_std", lambda fi, fo, rng: _normal(fi, fo, rng, 2.0 / fi)),
            variant("lecun", lambda fi, fo, rng: _normal(fi, fo, rng, math.sqrt(1.0 / fi))),
        ],
    ),
    "activation_stats": ExerciseDiagnosis(
        reference=activation_stats,
        probes=_stats_probes(),
        misconceptions=[
            variant("last_linear", lambda *a: _stats(*a, last_linear=True)),
            variant("ddof", lambda *a: _stats(*a, ddof=1)),
            variant("saturation_from_a", lambda *a: _stats(*a, from_a=True, strict_zero=False)),
            variant("relu_zero", lambda *a: _stats(*a, strict_zero=True)),
            variant("z_std_of_a", lambda *a: _stats(*a, z_from_a=True)),
            variant("naive_sigmoid", lambda *a: _stats(*a, naive_sigmoid=True)),
        ],
    ),
}
