"""Misconceptions of notebook 04 (forward and reverse mode).

``Dual`` and ``Var.backward`` are probed through their classes, one operation per probe (so an
unfinished method spoils only its own observation). The wrong variants are small scalar classes
written like a student's, each with one rule wrong. The two gradient drivers are probed with a
function that counts how often it is called, which tells one reverse sweep from one per input.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

import coursekit.autodiff as ad
from coursekit.autodiff import Dual, Var, grad_forward, grad_reverse
from coursekit.diagnosis import ExerciseDiagnosis, variant, variants_from

# -- Dual --------------------------------------------------------------------------------------------


def _wrong_dual(mistake: str) -> type:
    """A scalar dual number like a student's, with one rule of differentiation wrong."""

    class WrongDual:
        def __init__(self, value: float, deriv: float = 0.0) -> None:
            self.value, self.deriv = float(value), float(deriv)

        @staticmethod
        def lift(other: Any) -> Any:
            return other if isinstance(other, WrongDual) else WrongDual(other, 0.0)

        def __add__(self, other: Any) -> Any:
            o = WrongDual.lift(other)
            if mistake == "add_in_place":
                self.value, self.deriv = self.value + o.value, self.deriv + o.deriv
                return self
            return WrongDual(self.value + o.value, self.deriv + o.deriv)

        __radd__ = __add__

        def __sub__(self, other: Any) -> Any:
            o = WrongDual.lift(other)
            return WrongDual(self.value - o.value, self.deriv - o.deriv)

        def __rsub__(self, other: Any) -> Any:
            o = WrongDual.lift(other)
            return self - o if mistake == "rsub" else o - self

        def __mul__(self, other: Any) -> Any:
            o = WrongDual.lift(other)
            if mistake == "product":
                return WrongDual(self.value * o.value, self.deriv * o.deriv)
            return WrongDual(self.value * o.value, self.deriv * o.value + self.value * o.deriv)

        __rmul__ = __mul__

        def __truediv__(self, other: Any) -> Any:
            o = WrongDual.lift(other)
            sign = 1.0 if mistake == "quotient" else -1.0
            return WrongDual(self.value / o.value, (self.deriv * o.value + sign * self.value * o.deriv) / o.value**2)

        def __pow__(self, c: float) -> Any:
            chain = 1.0 if mistake == "power_chain" else self.deriv
            return WrongDual(self.value**c, c * self.value ** (c - 1) * chain)

        def sin(self) -> Any:
            chain = 1.0 if mistake == "sin_chain" else self.deriv
            return WrongDual(math.sin(self.value), math.cos(self.value) * chain)

        def cos(self) -> Any:
            sign = 1.0 if mistake == "cos_sign" else -1.0
            return WrongDual(math.cos(self.value), sign * math.sin(self.value) * self.deriv)

    return WrongDual


def _seen(d: Any) -> Any:
    return (float(d.value), float(d.deriv)) if hasattr(d, "deriv") else d


_DUAL_PROBES: list[Callable[[Any], Any]] = [
    lambda D: _seen(D(1.5, 2.0) * D(0.5, -1.0)),
    lambda D: _seen(3.0 - D(1.5, 2.0)),
    lambda D: _seen(D(1.5, 2.0) / D(0.5, -1.0)),
    lambda D: _seen(D(1.5, 2.0) ** 3),
    lambda D: _seen(D(1.5, 2.0).sin()),
    lambda D: _seen(D(1.5, 2.0).cos()),
    lambda D: (lambda a: (_seen(a + D(0.5, -1.0)), _seen(a)))(D(1.5, 2.0)),
]

# -- Var.backward ------------------------------------------------------------------------------------


def _wrong_var(mistake: str) -> type:
    """A scalar graph node like a student's (parents as (node, local derivative)), with ``mistake`` in backward."""

    class WrongVar:
        def __init__(self, value: float, parents: tuple[Any, ...] = ()) -> None:
            self.value, self.parents, self.grad = float(value), parents, 0.0

        @staticmethod
        def lift(other: Any) -> Any:
            return other if isinstance(other, WrongVar) else WrongVar(other)

        def __add__(self, other: Any) -> Any:
            o = WrongVar.lift(other)
            return WrongVar(self.value + o.value, ((self, 1.0), (o, 1.0)))

        __radd__ = __add__

        def __mul__(self, other: Any) -> Any:
            o = WrongVar.lift(other)
            return WrongVar(self.value * o.value, ((self, o.value), (o, self.value)))

        __rmul__ = __mul__

        def backward(self) -> None:
            order: list[Any] = []
            seen: set[int] = set()

            def visit(node: Any) -> None:
                if id(node) not in seen:
                    seen.add(id(node))
                    for parent, _ in node.parents:
                        visit(parent)
                    order.append(node)

            visit(self)
            if mistake != "no_reset":
                for node in order:
                    node.grad = 0.0
            self.grad = 1.0
            if mistake == "no_order":  # each node passes its gradient on as soon as it is reached
                stack = [self]
                while stack:
                    node = stack.pop()
                    for parent, local in node.parents:
                        parent.grad += local * node.grad
                        stack.append(parent)
                return
            for node in order if mistake == "forwards" else reversed(order):
                for parent, local in node.parents:
                    if mistake == "overwrites":
                        parent.grad = local * node.grad
                    else:
                        parent.grad += local * node.grad

    return WrongVar


def _var_probe(V: Any) -> Any:
    """Gradients of z = h * h + h * x with h = x * y (a shared inner node), after one backward and a second."""
    x, y = V(1.5), V(-0.5)
    h = x * y
    z = h * h + h * x
    z.backward()
    first = (float(x.grad), float(y.grad))
    z.backward()
    return first, (float(x.grad), float(y.grad))


# -- grad_forward and grad_reverse ---------------------------------------------------------------------


class _Counted:
    """f(x) = x0 * sin(x1) + x2**2 / x0, counting its calls and noting whether its inputs were
    coursekit's Dual or Var; a constant when asked."""

    def __init__(self, constant: bool = False) -> None:
        self.calls, self.constant, self.coursekit_inputs = 0, constant, True

    def __call__(self, x: Any) -> Any:
        self.calls += 1
        self.coursekit_inputs &= all(isinstance(v, Dual | Var) for v in x)
        if not self.coursekit_inputs:  # other classes: what they compute does not matter, only that they were used
            return 0.0
        if self.constant:
            return 4.0
        return x[0] * ad.sin(x[1]) + x[2] ** 2 / x[0]


def _driver_probe(constant: bool) -> Callable[[Any], Any]:
    def probe(func: Any) -> Any:
        f = _Counted(constant)
        return np.asarray(func(f, np.array([1.5, 0.5, -2.0]))), f.calls, f.coursekit_inputs

    return probe


def _forward(
    f: Any, x: Any, *, all_seeds: bool = False, value: bool = False, dual: Any = Dual, plain_crashes: bool = False
) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    grad = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        out = f(tuple(dual(x[j], 1.0 if (all_seeds or j == i) else 0.0) for j in range(x.shape[0])))
        if plain_crashes:
            grad[i] = out.deriv
        elif isinstance(out, dual):
            grad[i] = out.value if value else out.deriv
    return grad


def _reverse(
    f: Any, x: Any, *, no_backward: bool = False, per_input: bool = False, output_grad: bool = False, var: Any = Var
) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    sweeps = x.shape[0] if per_input else 1
    grad = np.zeros(x.shape[0])
    for i in range(sweeps):
        xs = tuple(var(float(v)) for v in x)
        out = f(xs)
        if isinstance(out, var) and not no_backward:
            out.backward()
        if output_grad:
            return np.full(len(xs), float(out.grad)) if isinstance(out, var) else np.zeros(len(xs))
        grads = np.array([float(v.grad) for v in xs])
        grad = grads if not per_input else np.where(np.arange(len(xs)) == i, grads, grad)
    return grad


_OTHER_DUAL, _OTHER_VAR = _wrong_dual("none"), _wrong_var("none")

EXERCISES: dict[str, ExerciseDiagnosis] = {
    "Dual": ExerciseDiagnosis(
        reference=Dual,
        probes=_DUAL_PROBES,
        misconceptions=variants_from(
            _wrong_dual, "product", "rsub", "quotient", "power_chain", "sin_chain", "cos_sign", "add_in_place"
        ),
    ),
    "Var_backward": ExerciseDiagnosis(
        reference=Var,
        probes=[_var_probe],
        misconceptions=variants_from(_wrong_var, "overwrites", "forwards", "no_reset", "no_order"),
    ),
    "grad_forward": ExerciseDiagnosis(
        reference=grad_forward,
        probes=[_driver_probe(False), _driver_probe(True)],
        misconceptions=[
            variant("all_seeds", lambda f, x: _forward(f, x, all_seeds=True)),
            variant("value", lambda f, x: _forward(f, x, value=True)),
            variant("own_dual", lambda f, x: _forward(f, x, dual=_OTHER_DUAL)),
            variant("constant_crash", lambda f, x: _forward(f, x, plain_crashes=True)),
        ],
    ),
    "grad_reverse": ExerciseDiagnosis(
        reference=grad_reverse,
        probes=[_driver_probe(False), _driver_probe(True)],
        misconceptions=[
            variant("no_backward", lambda f, x: _reverse(f, x, no_backward=True)),
            variant("per_input", lambda f, x: _reverse(f, x, per_input=True)),
            variant("output_grad", lambda f, x: _reverse(f, x, output_grad=True)),
            variant("own_var", lambda f, x: _reverse(f, x, var=_OTHER_VAR)),
        ],
    ),
}
