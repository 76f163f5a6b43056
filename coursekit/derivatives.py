r"""Derivatives of Python functions by forward mode (:class:`Dual`) and by reverse mode (:class:`Var`).

The six drivers come in pairs, one per mode, so that notebook 04 can compare their costs: for
:math:`f:\mathbb{R}^n \to \mathbb{R}^m`, forward mode needs one pass per *input* (:func:`grad_forward`,
:func:`jacobian_forward`; one pass gives a Jacobian-vector product, :func:`jvp`), reverse mode one
backward pass per *output* (:func:`grad_reverse`, :func:`jacobian_reverse`; one pass gives a
vector-Jacobian product, :func:`vjp`). See :mod:`coursekit.autodiff` for the conventions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from coursekit._autodiff_values import _is_real_number, _outputs, _point
from coursekit._docs import documented
from coursekit._validate import FloatArray, as_float_array
from coursekit.forward_mode import Dual
from coursekit.reverse_mode import Var

__all__ = ["grad_forward", "grad_reverse", "jacobian_forward", "jacobian_reverse", "jvp", "vjp"]

_X = "x : array_like, shape (n,)\n    The point."
_SCALAR_F = (
    "f : callable\n    ``f(xs)`` with ``xs`` a tuple of ``n`` {node}s; returns one {node} (or a plain number if it\n"
    "    does not depend on ``xs``)."
)
_VECTOR_F = (
    "f : callable\n    ``f(xs)`` with ``xs`` a tuple of ``n`` {node}s; returns a sequence of ``m`` {node}s or\n"
    "    numbers (a single one means ``m = 1``)."
)


def _not_a_scalar(func: str, out: object) -> TypeError:
    return TypeError(
        f"{func}: f must return a scalar built from its inputs with + - * / ** and "
        f"coursekit.autodiff's sin, cos, exp, log, tanh; got {type(out).__name__}"
    )


def _single_number(o: Var, func: str, what: str) -> None:
    """Raise unless ``o`` holds one number; ``what`` says where it came from ("f must return")."""
    if np.size(o.value) != 1:
        raise ValueError(f"{func}: {what} a single number, got a Var of shape {o.shape}")


# ---------------------------------------------------------------------------
# Forward mode: one pass per input direction
# ---------------------------------------------------------------------------


def _dual_deriv(out: object, func: str) -> float:
    if isinstance(out, Dual):
        return out.deriv
    if _is_real_number(out):
        return 0.0  # f did not depend on its inputs
    raise _not_a_scalar(func, out)


def _unit_seeds(point: FloatArray, i: int) -> tuple[Dual, ...]:
    """Duals at ``point`` seeded with derivative 1 for input ``i`` and 0 for the others."""
    return tuple(Dual._make(p, 1.0 if j == i else 0.0) for j, p in enumerate(point))


@documented(params=[_SCALAR_F.format(node="Dual"), _X], returns="ndarray, shape (n,)")
def grad_forward(f: Callable[[tuple[Dual, ...]], Any], x: ArrayLike) -> FloatArray:
    r"""Gradient of a scalar function of ``n`` scalars by forward mode: ``n`` passes.

    Pass :math:`i` seeds :math:`\dot x_i = 1` and :math:`\dot x_j = 0` for
    :math:`j \ne i`, so the output's derivative is :math:`\partial f/\partial x_i`.
    """
    func = "grad_forward"
    point = _point(f, x, func)
    return np.array([_dual_deriv(f(_unit_seeds(point, i)), func) for i in range(point.shape[0])], dtype=np.float64)


@documented(
    params=[_VECTOR_F.format(node="Dual"), _X, "v : array_like, shape (n,)\n    The direction."],
    returns="ndarray, shape (m,)",
)
def jvp(f: Callable[[tuple[Dual, ...]], Any], x: ArrayLike, v: ArrayLike) -> FloatArray:
    r"""Jacobian-vector product :math:`J_f(x)\, v` by one forward-mode pass.

    Seeding :math:`\dot x = v` makes every output carry
    :math:`\dot f_k = \sum_i \partial f_k/\partial x_i\, v_i`.
    """
    func = "jvp"
    point = _point(f, x, func)
    direction = as_float_array(v, "v", func, ndim=1)
    if direction.shape != point.shape:
        raise ValueError(f"{func}: argument 'v' must have the shape of 'x', {point.shape}, got {direction.shape}")
    xs = tuple(Dual._make(p, d) for p, d in zip(point, direction, strict=True))
    return np.array([_dual_deriv(o, func) for o in _outputs(f(xs), func)], dtype=np.float64)


@documented(params=[_VECTOR_F.format(node="Dual"), _X], returns="ndarray, shape (m, n)")
def jacobian_forward(f: Callable[[tuple[Dual, ...]], Any], x: ArrayLike) -> FloatArray:
    r"""The whole Jacobian :math:`J_{ki} = \partial f_k/\partial x_i` by forward mode: one pass per input.

    Pass :math:`i` seeds :math:`\dot x = e_i` and yields column :math:`i` for every output at
    once, so the cost is :math:`n` evaluations of ``f`` (with dual numbers), whatever :math:`m`.
    """
    func = "jacobian_forward"
    point = _point(f, x, func)
    if point.shape[0] == 0:
        raise ValueError(f"{func}: argument 'x' must have at least one entry")
    columns = [[_dual_deriv(o, func) for o in _outputs(f(_unit_seeds(point, i)), func)] for i in range(len(point))]
    return np.array(columns, dtype=np.float64).T


# ---------------------------------------------------------------------------
# Reverse mode: one backward pass per output
# ---------------------------------------------------------------------------


def _leaves(point: FloatArray) -> tuple[Var, ...]:
    return tuple(Var._node(float(p), (), "") for p in point)


def _grads(xs: tuple[Var, ...]) -> FloatArray:
    return np.array([float(v.grad) for v in xs], dtype=np.float64)


def _output_node(o: object, func: str) -> Var | None:
    """One output of a vector function: its Var, or None for a plain number (a constant output)."""
    if isinstance(o, Var):
        _single_number(o, func, "every output of f must be")
        return o
    if not _is_real_number(o):
        raise TypeError(f"{func}: f must return Vars or numbers, got {type(o).__name__}")
    return None


@documented(params=[_SCALAR_F.format(node="scalar Var"), _X], returns="ndarray, shape (n,)")
def grad_reverse(f: Callable[[tuple[Var, ...]], Any], x: ArrayLike) -> FloatArray:
    """Gradient of a scalar function of ``n`` scalars by reverse mode: one backward pass."""
    func = "grad_reverse"
    xs = _leaves(_point(f, x, func))
    out = f(xs)
    if isinstance(out, Var):
        _single_number(out, func, "f must return")
        out.backward()
    elif not _is_real_number(out):
        raise _not_a_scalar(func, out)
    return _grads(xs)


@documented(
    params=[_VECTOR_F.format(node="scalar Var"), _X, "u : array_like, shape (m,)\n    The weights of the outputs."],
    returns="ndarray, shape (n,)",
)
def vjp(f: Callable[[tuple[Var, ...]], Any], x: ArrayLike, u: ArrayLike) -> FloatArray:
    r"""Vector-Jacobian product :math:`u^T J_f(x)` by one reverse-mode pass.

    The backward pass is run once from :math:`s = \sum_k u_k f_k`, whose
    gradient is :math:`\sum_k u_k \nabla f_k = J^T u`.
    """
    func = "vjp"
    point = _point(f, x, func)
    weights = as_float_array(u, "u", func, ndim=1)
    xs = _leaves(point)
    outs = _outputs(f(xs), func)
    if len(outs) != weights.shape[0]:
        raise ValueError(f"{func}: f returned {len(outs)} outputs but 'u' has {weights.shape[0]} entries")
    total: Var | None = None
    for w, o in zip(weights, outs, strict=True):
        if (node := _output_node(o, func)) is not None:
            term = node * float(w)
            total = term if total is None else total + term
    if total is not None:
        total.backward()
    return _grads(xs)


@documented(params=[_VECTOR_F.format(node="scalar Var"), _X], returns="ndarray, shape (m, n)")
def jacobian_reverse(f: Callable[[tuple[Var, ...]], Any], x: ArrayLike) -> FloatArray:
    r"""The whole Jacobian :math:`J_{ki} = \partial f_k/\partial x_i` by reverse mode: one backward pass per output.

    ``f`` runs once and its graph is recorded; then a backward pass from output :math:`k`
    yields row :math:`k` for every input at once. Each pass visits the part of the graph
    that output :math:`k` depends on, so the cost is up to :math:`m` times that of one gradient.
    """
    func = "jacobian_reverse"
    xs = _leaves(_point(f, x, func))
    outs = _outputs(f(xs), func)
    J = np.zeros((len(outs), len(xs)))
    for k, o in enumerate(outs):
        if (node := _output_node(o, func)) is not None:
            for v in xs:  # inputs that output k does not reach keep a stale gradient otherwise
                v.grad = 0.0
            node.backward()
            J[k] = _grads(xs)
    return J
