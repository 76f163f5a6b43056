"""Misconceptions of notebook 03's layer exercises: ``Linear.backward`` and the activations' backward.

They are probed through their classes: a layer is built, given fixed parameters, run forward and
backward (twice for ``Linear``, whose second call must not remember the first), and what it returns
and stores is observed. The wrong variants are small classes of their own, written like a
student's, with one mistake in ``backward``. (The function exercises of notebook 03 are in
:mod:`coursekit.misconceptions.backprop`.)
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from coursekit.diagnosis import ExerciseDiagnosis, Misconception, variants_from
from coursekit.modules import Linear, Module, ReLU, Sigmoid, Tanh

_RNG = np.random.default_rng(31)
W_FIXED = _RNG.normal(size=(3, 2))
U, DV1, DV2 = np.array([[0.5, -1.0, 0.0], [2.0, 0.25, -0.5]]), _RNG.normal(size=(2, 2)), _RNG.normal(size=(2, 2))
UA, DVA = np.array([[0.5, -1.0, 0.0], [2.0, 0.25, -0.5]]), np.array([[1.5, -2.0, 0.5], [-0.25, 1.0, 3.0]])


def _linear_variant(mistake: str) -> type:
    """A Linear layer like a student's, with ``mistake`` in its backward."""

    class WrongLinear(Module):
        def __init__(self, n_in: int, n_out: int, *, rng: np.random.Generator) -> None:
            self.W, self.b = rng.normal(size=(n_in, n_out)), np.zeros(n_out)
            self.dW, self.db = np.zeros_like(self.W), np.zeros_like(self.b)

        def param_names(self) -> list[str]:
            return ["W", "b"]

        def forward(self, u: Any) -> np.ndarray:
            self.u = np.array(u, dtype=float)
            return self.u @ self.W + self.b

        def backward(self, dv: Any) -> np.ndarray:
            dW, db = self.u.T @ dv, dv.sum(axis=0)
            if mistake == "transposed_dW":
                dW = dv.T @ self.u
            if mistake == "db_axis":
                db = dv.sum(axis=1)
            if mistake == "db_mean":
                db = dv.mean(axis=0)
            if mistake == "accumulates":
                dW, db = self.dW + dW, self.db + db
            if mistake != "not_stored":
                self.dW, self.db = dW, db
            return dv @ self.W if mistake == "du_no_transpose" else dv @ self.W.T

    return WrongLinear


def _linear_probe(cls: Any) -> Any:
    layer = cls(3, 2, rng=np.random.default_rng(0))
    layer.W, layer.b = W_FIXED.copy(), np.array([0.1, -0.2])
    layer.dW, layer.db = np.zeros((3, 2)), np.zeros(2)
    seen = []
    for dv in (DV1, DV2):  # twice: the second backward must not remember the first
        layer.forward(U.copy())
        du = layer.backward(dv.copy())
        seen.append((du, copy.deepcopy(layer.dW), copy.deepcopy(layer.db)))
    return seen


def _activation_variant(kind: str, mistake: str) -> type:
    """An activation layer like a student's (u and v kept by forward), with ``mistake`` in backward."""
    functions: dict[str, Callable[[np.ndarray], np.ndarray]] = {
        "relu": lambda u: np.maximum(u, 0.0),
        "tanh": np.tanh,
        "sigmoid": lambda u: 1 / (1 + np.exp(-u)),
    }
    f = functions[kind]

    class WrongActivation(Module):
        def forward(self, u: Any) -> np.ndarray:
            self.u = np.array(u, dtype=float)
            self.v = f(self.u)
            return self.v

        def backward(self, dv: Any) -> Any:
            u, v = self.u, self.v
            slope = {
                ("relu", "no_mask"): np.ones_like(u),
                ("relu", "mask_from_dv"): (dv > 0).astype(float),
                ("relu", "open_at_zero"): (u >= 0).astype(float),
                ("relu", "mask_only"): (u > 0).astype(float),
                ("tanh", "at_input"): 1 - u**2,
                ("tanh", "no_dv"): 1 - v**2,
                ("tanh", "twice"): 1 - np.tanh(v) ** 2,
                ("sigmoid", "at_input"): u * (1 - u),
                ("sigmoid", "no_dv"): v * (1 - v),
                ("sigmoid", "no_one_minus"): v,
            }[kind, mistake]
            return slope if mistake in ("mask_only", "no_dv") else dv * slope

    return WrongActivation


def _activation_probe(cls: Any) -> Any:
    layer = cls()
    layer.forward(UA.copy())
    return layer.backward(DVA.copy())


def _module(reference: Any, probe: Callable[[Any], Any], *misconceptions: Misconception) -> ExerciseDiagnosis:
    return ExerciseDiagnosis(reference=reference, probes=[probe], misconceptions=list(misconceptions))


EXERCISES: dict[str, ExerciseDiagnosis] = {
    "Linear_backward": _module(
        Linear,
        _linear_probe,
        *variants_from(
            _linear_variant, "du_no_transpose", "transposed_dW", "db_axis", "db_mean", "not_stored", "accumulates"
        ),
    ),
    "ReLU_backward": _module(
        ReLU,
        _activation_probe,
        *variants_from(partial(_activation_variant, "relu"), "no_mask", "mask_from_dv", "open_at_zero", "mask_only"),
    ),
    "Tanh_backward": _module(
        Tanh,
        _activation_probe,
        *variants_from(partial(_activation_variant, "tanh"), "at_input", "no_dv", "twice"),
    ),
    "Sigmoid_backward": _module(
        Sigmoid,
        _activation_probe,
        *variants_from(partial(_activation_variant, "sigmoid"), "at_input", "no_dv", "no_one_minus"),
    ),
}
