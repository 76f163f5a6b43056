"""Misconceptions of notebook 01 (stacked linear layers collapse)."""

from __future__ import annotations

from typing import Any

import numpy as np

from coursekit.diagnosis import ExerciseDiagnosis, Misconception, args
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
            Misconception(
                "reversed",
                "product in reverse order",
                "the first layer's matrix comes first: W1 @ W2 @ ... @ WL "
                "(samples are rows, so X @ W1 is applied first).",
                lambda w: _product(w, reverse=True),
            ),
            Misconception(
                "elementwise",
                "* instead of @",
                "* multiplies entry by entry: a layer after a layer is the matrix product @.",
                lambda w: _product(w, elementwise=True),
            ),
            Misconception(
                "last_only",
                "only the last matrix",
                "your loop overwrites the result with each matrix: multiply it into the product instead.",
                lambda w: _product(w, last_only=True),
            ),
        ],
    ),
    "linear_network": ExerciseDiagnosis(
        reference=linear_network,
        probes=[args(X3, WEIGHTS), args(X3, RECT)],
        misconceptions=[
            Misconception(
                "transposed",
                "W x convention (W.T)",
                "in this course samples are rows: each layer computes A @ W, not A @ W.T.",
                lambda X, ws: _layers(X, ws, transposed=True),
            ),
            Misconception(
                "first_layer_only",
                "only the first layer",
                "apply every layer in turn, not only the first.",
                lambda X, ws: X @ ws[0],
            ),
        ],
    ),
    "relu_network": ExerciseDiagnosis(
        reference=relu_network,
        probes=[args(X3, RECT, BIASES)],
        misconceptions=[
            Misconception(
                "relu_last",
                "ReLU after the output layer",
                "the last layer has no activation: its output is A @ W + b, negative values included.",
                lambda *a: _relu_net(*a, relu_last=True),
            ),
            Misconception(
                "bias_after",
                "bias added after the ReLU",
                "add the bias before the ReLU: relu(A @ W + b).",
                lambda *a: _relu_net(*a, bias_after=True),
            ),
            Misconception(
                "no_bias",
                "biases forgotten",
                "every layer adds its bias: A @ W + b.",
                lambda *a: _relu_net(*a, no_bias=True),
            ),
        ],
    ),
    "least_squares_fit": ExerciseDiagnosis(
        reference=least_squares_fit,
        probes=[args(XLS, YLS)],
        misconceptions=[
            Misconception(
                "no_bias",
                "fit without a bias",
                "fit the bias too: add a column of ones to X (the design matrix) and solve for w and b together.",
                lambda X, y: _lstsq(X, y, bias="zero"),
            ),
            Misconception(
                "bias_mean",
                "bias set to mean(y) afterwards",
                "w and b must be fitted together (a column of ones in "
                "the design matrix): mean(y) is the best bias only for centred X.",
                lambda X, y: _lstsq(X, y, bias="mean"),
            ),
            Misconception(
                "lstsq_tuple",
                "lstsq's whole result returned",
                "np.linalg.lstsq returns (solution, residuals, rank, "
                "singular values): split its first element into w and b.",
                lambda X, y: _lstsq(X, y, bias="tuple"),
            ),
        ],
    ),
    "xor_relu_network": ExerciseDiagnosis(
        reference=xor_relu_network,
        probes=[args(XOR)],
        misconceptions=[
            Misconception(
                "no_relu",
                "XOR network without the ReLU",
                "without the ReLU the network is linear and cannot compute XOR: apply relu to the hidden layer.",
                lambda X: _xor(X, linear=True),
            ),
            Misconception(
                "bias_sign",
                "hidden bias with the wrong sign",
                "the second hidden unit needs the bias -1 (it fires only when both inputs are 1).",
                lambda X: _xor(X, sign=1.0),
            ),
            Misconception(
                "column",
                "output of shape (n, 1)",
                "return one number per sample, shape (n,): use the output weights as a 1-D array.",
                lambda X: _xor(X, column=True),
            ),
        ],
    ),
    "wedge_classifier": ExerciseDiagnosis(
        reference=wedge_classifier,
        probes=[args(WEDGE)],
        misconceptions=[
            Misconception(
                "strict",
                "boundary points classified 0",
                "points on the boundary x2 = |x1| belong to the wedge: the step gives 1 at 0 (use >=).",
                lambda X: _wedge(X, strict=True),
            ),
            Misconception(
                "or",
                "OR instead of AND",
                "a point must be on the right side of both lines: the output unit is an "
                "AND of the two hidden units (bias -0.6, not -0.4).",
                lambda X: _wedge(X, bias_out=-0.4),
            ),
            Misconception(
                "one_line",
                "only one of the two lines",
                "the wedge needs both x2 >= x1 and x2 >= -x1: two hidden units, combined by an AND.",
                lambda X: _wedge(X, one_unit=True),
            ),
        ],
    ),
}
