"""Misconceptions of notebook 01 (stacked linear layers collapse)."""

from __future__ import annotations

from typing import Any

import numpy as np

from coursekit.diagnosis import ExerciseDiagnosis, args, variant
from coursekit.linear import (
    collapse_linear,
    least_squares_fit,
    linear_network,
    relu_network,
    wedge_classifier,
    xor_relu_network,
)

_RNG = np.random.default_rng(1)
WEIGHTS = [_RNG.normal(size=(3, 3)), _RNG.normal(size=(3, 3)), _RNG.normal(size=(3, 3))]
X3 = _RNG.normal(size=(4, 3))
RECT = [_RNG.normal(size=(3, 4)), _RNG.normal(size=(4, 2))]
BIASES = [_RNG.normal(size=(4,)), _RNG.normal(size=(2,))]
XLS, YLS = _RNG.normal(size=(20, 2)), _RNG.normal(size=20) + 3.0
XOR = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
WEDGE = np.array([[0.0, 1.0], [1.0, 1.0], [-1.0, 1.0], [0.5, -1.0], [-2.0, 1.0], [2.0, 0.5], [0.0, 0.0], [1.0, 3.0]])


def _product(weights: Any, *, reverse: bool = False, elementwise: bool = False, last_only: bool = False) -> Any:
    ws = [np.asarray(W, dtype=float) for W in weights]
    if last_only:
        return ws[-1]
    ws = ws[::-1] if reverse else ws
    out = ws[0]
    for W in ws[1:]:
        out = out * W if elementwise else out @ W
    return out


def _layers(X: Any, weights: Any, *, transposed: bool = False) -> Any:
    A = np.asarray(X, dtype=float)
    for W in weights:
        A = A @ (W.T if transposed else W)
    return A


def _relu_net(
    X: Any, weights: Any, biases: Any, *, relu_last: bool = False, bias_after: bool = False, no_bias: bool = False
) -> Any:
    A = np.asarray(X, dtype=float)
    for i, (W, b) in enumerate(zip(weights, biases, strict=True)):
        b = 0.0 * b if no_bias else b
        last = i == len(weights) - 1
        if last and not relu_last:
            return A @ W + b
        A = np.maximum(A @ W, 0.0) + b if bias_after else np.maximum(A @ W + b, 0.0)
    return A


def _lstsq(X: Any, y: Any, *, bias: str = "fit") -> Any:
    if bias == "tuple":
        return np.linalg.lstsq(np.column_stack([X, np.ones(len(X))]), y, rcond=None)
    w = np.linalg.lstsq(X, y, rcond=None)[0]
    return w, 0.0 if bias == "zero" else float(np.mean(y))


def _xor(X: Any, *, linear: bool = False, sign: float = -1.0, column: bool = False) -> Any:
    H = X @ np.array([[1.0, 1.0], [1.0, 1.0]]) + np.array([0.0, sign])
    H = H if linear else np.maximum(H, 0.0)
    w = np.array([1.0, -2.0])
    return H @ (w[:, None] if column else w)


def _wedge(X: Any, *, strict: bool = False, bias_out: float = -0.6, one_unit: bool = False) -> Any:
    X = np.asarray(X, dtype=float)
    if one_unit:
        return (X[:, 1] - X[:, 0] >= 0).astype(float)
    Z = X @ np.array([[-1.0, 1.0], [1.0, 1.0]])
    H = (Z > 0 if strict else Z >= 0).astype(float)
    out = H @ np.array([0.5, 0.5]) + bias_out
    return (out > 0 if strict else out >= 0).astype(float)


EXERCISES: dict[str, ExerciseDiagnosis] = {
    "collapse_linear": ExerciseDiagnosis(
        reference=collapse_linear,
        probes=[args(WEIGHTS), args(RECT)],
        misconceptions=[
            variant("reversed", lambda w: _product(w, reverse=True)),
            variant("elementwise", lambda w: _product(w, elementwise=True)),
            variant("last_only", lambda w: _product(w, last_only=True)),
        ],
    ),
    "linear_network": ExerciseDiagnosis(
        reference=linear_network,
        probes=[args(X3, WEIGHTS), args(X3, RECT)],
        misconceptions=[
            variant("transposed", lambda X, ws: _layers(X, ws, transposed=True)),
            variant("first_layer_only", lambda X, ws: X @ ws[0]),
        ],
    ),
    "relu_network": ExerciseDiagnosis(
        reference=relu_network,
        probes=[args(X3, RECT, BIASES)],
        misconceptions=[
            variant("relu_last", lambda *a: _relu_net(*a, relu_last=True)),
            variant("bias_after", lambda *a: _relu_net(*a, bias_after=True)),
            variant("no_bias", lambda *a: _relu_net(*a, no_bias=True)),
        ],
    ),
    "least_squares_fit": ExerciseDiagnosis(
        reference=least_squares_fit,
        probes=[args(XLS, YLS)],
        misconceptions=[
            variant("no_bias", lambda X, y: _lstsq(X, y, bias="zero")),
            variant("bias_mean", lambda X, y: _lstsq(X, y, bias="mean")),
            variant("lstsq_tuple", lambda X, y: _lstsq(X, y, bias="tuple")),
        ],
    ),
    "xor_relu_network": ExerciseDiagnosis(
        reference=xor_relu_network,
        probes=[args(XOR)],
        misconceptions=[
            variant("no_relu", lambda X: _xor(X, linear=True)),
            variant("bias_sign", lambda X: _xor(X, sign=1.0)),
            variant("column", lambda X: _xor(X, column=True)),
        ],
    ),
    "wedge_classifier": ExerciseDiagnosis(
        reference=wedge_classifier,
        probes=[args(WEDGE)],
        misconceptions=[
            variant("strict", lambda X: _wedge(X, strict=True)),
            variant("or", lambda X: _wedge(X, bias_out=-0.4)),
            variant("one_line", lambda X: _wedge(X, one_unit=True)),
        ],
    ),
}
