"""Misconceptions of notebook 03 (back-propagation by hand): its function exercises.

The four layer exercises (``Linear.backward`` and the activations') are in
:mod:`coursekit.misconceptions.layers`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from coursekit.backprop import exp_neuron_step, matmul_backward, two_layer_gradients
from coursekit.diagnosis import Exact, ExerciseDiagnosis, args, variant
from coursekit.gradcheck import numerical_gradient, relative_error
from coursekit.losses import softmax_cross_entropy

_RNG = np.random.default_rng(3)
A, B, DC = _RNG.normal(size=(4, 3)), _RNG.normal(size=(3, 2)), _RNG.normal(size=(4, 2))
X, Y = _RNG.normal(size=(5, 3)), _RNG.normal(size=(5, 2))
W1, B1, W2, B2 = _RNG.normal(size=(3, 4)), _RNG.normal(size=(4,)), _RNG.normal(size=(4, 2)), _RNG.normal(size=(2,))
LOGITS, LABELS = _RNG.normal(size=(4, 3)) * 3, np.array([0, 2, 1, 2])
XE, YE, WE = np.array([[0.2, -0.1], [0.4, 0.3], [-0.3, 0.5]]), np.array([1.0, 2.0, 0.5]), np.array([0.3, -0.2])


# -- numerical_gradient -------------------------------------------------------------------------


class _Reads:
    """f(x) that reads the array it was given *and* one it holds: sees in-place perturbations only."""

    def __init__(self, x: np.ndarray) -> None:
        self.x = x

    def __call__(self, z: np.ndarray) -> float:
        return float(np.sum(np.sin(self.x) * np.arange(1, self.x.size + 1).reshape(self.x.shape)))


def _probe_gradient(f: Callable[[np.ndarray], float], h: float | None = None) -> Callable[[Any], Any]:
    def probe(func: Any) -> Any:
        x = np.array([0.3, -1.2, 2.0])
        grad = func(f, x) if h is None else func(f, x, h=h)
        return grad, Exact(x)

    return probe


def _held_probe(func: Any) -> Any:
    x = np.array([0.3, -1.2, 2.0])
    return func(_Reads(x), x), Exact(x)


def _cubic(x: np.ndarray) -> float:
    return float(np.sum(x**3) + x[0] * x[1])


def _numerical(
    f: Any,
    x: Any,
    h: float = 1e-5,
    *,
    forward: bool = False,
    copies: bool = False,
    arithmetic: bool = False,
    fixed_h: bool = False,
) -> np.ndarray:
    step = 1e-5 if fixed_h else h
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        if copies:
            plus, minus = x.copy(), x.copy()
            plus[idx] += step
            minus[idx] -= step
            grad[idx] = (f(plus) - f(minus)) / (2 * step)
            continue
        if forward:
            f0 = f(x)
            x[idx] = old + step
            grad[idx] = (f(x) - f0) / step
        else:
            x[idx] = old + step
            f_plus = f(x)
            x[idx] = old - step
            f_minus = f(x)
            grad[idx] = (f_plus - f_minus) / (2 * step)
        x[idx] = old + step - 2 * step + step if arithmetic else old
    return grad


# -- the exercises written as functions -----------------------------------------------------------


def _two_layer(
    X: Any,
    y: Any,
    W1: Any,
    b1: Any,
    W2: Any,
    b2: Any,
    *,
    mask: bool = True,
    mean: bool = True,
    axis: int = 0,
    open_at_zero: bool = False,
) -> dict[str, np.ndarray]:
    Z1 = X @ W1 + b1
    H = np.maximum(Z1, 0.0)
    dF = (H @ W2 + b2 - y) / (X.shape[0] if mean else 1)
    dZ1 = dF @ W2.T
    if mask:
        dZ1 = dZ1 * ((Z1 >= 0) if open_at_zero else (Z1 > 0))
    return {"dW1": X.T @ dZ1, "db1": dZ1.sum(axis=axis), "dW2": H.T @ dF, "db2": dF.sum(axis=axis)}


def _xent(
    logits: Any,
    labels: Any,
    *,
    shift: bool = True,
    mean_grad: bool = True,
    one_hot: bool = True,
    mean_loss: bool = True,
) -> tuple[float, np.ndarray]:
    z = np.asarray(logits, dtype=float)
    n, k = z.shape
    if shift:
        z = z - z.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    p = np.exp(log_p)
    losses = -log_p[np.arange(n), labels]
    grad = p - (np.eye(k)[labels] if one_hot else 0.0)
    return float(losses.mean() if mean_loss else losses.sum()), grad / (n if mean_grad else 1)


def _exp_step(
    w: Any, w0: Any, X: Any, y: Any, lr: Any, *, da: bool = True, two: float = 2.0, sign: float = 1.0, mean: bool = True
) -> tuple[np.ndarray, float]:
    a = np.exp(X @ w + w0)
    delta = two * (a - y) * (a if da else 1.0) / (len(y) if mean else 1)
    return w - sign * lr * (X.T @ delta), float(w0 - sign * lr * np.sum(delta))


def _relative(a: Any, b: Any, *, entrywise: bool = False, guard: bool = True, one_sided: bool = False) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    tiny = np.finfo(float).tiny
    if entrywise:
        return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), tiny)))
    if one_sided:
        return float(np.max(np.abs(a - b)) / max(np.max(np.abs(a)), tiny))
    scale = np.max(np.abs(a) + np.abs(b))
    return float(np.max(np.abs(a - b)) / (max(scale, tiny) if guard else scale))


EXERCISES: dict[str, ExerciseDiagnosis] = {
    "matmul_backward": ExerciseDiagnosis(
        reference=matmul_backward,
        probes=[args(DC, A, B)],
        misconceptions=[
            variant("no_transposes", lambda dC, A, B: (dC @ B, A @ dC)),
            variant("dB_transposed", lambda dC, A, B: (dC @ B.T, dC.T @ A)),
            variant("swapped", lambda dC, A, B: (A.T @ dC, dC @ B.T)),
        ],
    ),
    "two_layer_gradients": ExerciseDiagnosis(
        reference=two_layer_gradients,
        probes=[args(X, Y, W1, B1, W2, B2), args(X, Y, np.zeros((3, 4)), np.zeros(4), W2, B2)],
        misconceptions=[
            variant("no_mask", lambda *a: _two_layer(*a, mask=False)),
            variant("no_mean", lambda *a: _two_layer(*a, mean=False)),
            variant("axis", lambda *a: _two_layer(*a, axis=1)),
            variant("open_at_zero", lambda *a: _two_layer(*a, open_at_zero=True)),
        ],
    ),
    "softmax_cross_entropy": ExerciseDiagnosis(
        reference=softmax_cross_entropy,
        probes=[args(LOGITS, LABELS), args(LOGITS + np.array([1000.0, 0.0, 0.0]), LABELS)],
        misconceptions=[
            variant("no_shift", lambda z, y: _xent(z, y, shift=False)),
            variant("no_mean_grad", lambda z, y: _xent(z, y, mean_grad=False)),
            variant("no_one_hot", lambda z, y: _xent(z, y, one_hot=False)),
            variant("sum_loss", lambda z, y: _xent(z, y, mean_loss=False)),
        ],
    ),
    "exp_neuron_step": ExerciseDiagnosis(
        reference=exp_neuron_step,
        probes=[args(WE, 0.1, XE, YE, 0.05)],
        misconceptions=[
            variant("no_activation_derivative", lambda *a: _exp_step(*a, da=False)),
            variant("no_two", lambda *a: _exp_step(*a, two=1.0)),
            variant("uphill", lambda *a: _exp_step(*a, sign=-1.0)),
            variant("sum", lambda *a: _exp_step(*a, mean=False)),
        ],
    ),
    "numerical_gradient": ExerciseDiagnosis(
        reference=numerical_gradient,
        probes=[_probe_gradient(_cubic), _probe_gradient(_cubic, h=1e-2), _held_probe],
        misconceptions=[
            variant("forward_difference", lambda f, x, h=1e-5: _numerical(f, x, h, forward=True)),
            variant("arithmetic_restore", lambda f, x, h=1e-5: _numerical(f, x, h, arithmetic=True)),
            variant("copies", lambda f, x, h=1e-5: _numerical(f, x, h, copies=True)),
            variant("fixed_h", lambda f, x, h=1e-5: _numerical(f, x, h, fixed_h=True)),
        ],
    ),
    "relative_error": ExerciseDiagnosis(
        reference=relative_error,
        probes=[
            args(np.array([1.0, 1e-8, -2.0]), np.array([1.0, 2e-8, -2.1])),
            args(np.zeros(3), np.zeros(3)),
            args(np.array([1e-3, 4.0]), np.array([2e-3, 2.0])),
        ],
        misconceptions=[
            variant("entrywise", lambda a, b: _relative(a, b, entrywise=True)),
            variant("no_guard", lambda a, b: _relative(a, b, guard=False)),
            variant("one_sided", lambda a, b: _relative(a, b, one_sided=True)),
        ],
    ),
}
