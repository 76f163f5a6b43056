r"""Reverse-mode automatic differentiation (notebook 04): ``Var`` records the graph, ``backward`` runs it backwards.

See :mod:`coursekit.autodiff` for the two modes side by side.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from coursekit._autodiff_values import (
    _BOOL,
    _NODES,
    Value,
    _as_exponent,
    _check_base,
    _check_divisor,
    _check_power,
    _clean,
    _elementwise,
    _exp_value,
    _is_real_number,
    _log_value,
    _matmul_grads,
    _matmul_value,
    _Node,
    _normalise_axis,
    _power_slope,
    _power_value,
    _unbroadcast,
    _zeros_like,
)
from coursekit._validate import as_float_array

__all__ = ["Var", "topological_order"]

# ---------------------------------------------------------------------------
# Reverse mode
# ---------------------------------------------------------------------------

Backward = Callable[[Value], Value]


def _same(g: Value) -> Value:
    """Local derivative 1: the gradient passes through unchanged."""
    return g


def _negated(g: Value) -> Value:
    """Local derivative -1."""
    return -g


def _binary_parents(
    a: Var, back_a: Backward, b: Value, bnode: Var | None, back_b: Backward
) -> list[tuple[Var, Backward]]:
    """The parents of ``a <op> b``, each with its local derivative applied (``back_a``, ``back_b``).

    ``bnode`` is None when ``b`` is a constant, which gets no gradient. Where an operand is an
    array, numpy may have broadcast the other one, whose share of the gradient is then summed
    back to its own shape; two Python floats (the scalar fast path) skip that step.
    """
    if type(a.value) is float and type(b) is float:
        return [(a, back_a)] if bnode is None else [(a, back_a), (bnode, back_b)]
    a_shape = a.shape
    parents: list[tuple[Var, Backward]] = [(a, lambda g: _unbroadcast(back_a(g), a_shape))]
    if bnode is not None:
        b_shape = bnode.shape
        parents.append((bnode, lambda g: _unbroadcast(back_b(g), b_shape)))
    return parents


def _var_operand(x: object, op: str) -> tuple[Value, Var | None] | None:
    """(value, node) for an operand of a Var operation; node is None for constants."""
    if isinstance(x, Var):
        return x.value, x
    if isinstance(x, _Node):  # the other kind of node: a Dual
        raise TypeError(f"Var {op} Dual: reverse mode (Var) and forward mode (Dual) cannot be mixed")
    if _is_real_number(x):
        return float(x), None  # type: ignore[arg-type]
    if isinstance(x, np.ndarray):
        return _clean(as_float_array(x, "operand", f"Var {op}", finite=False)), None
    return None


class Var(_Node):
    r"""A node of a reverse-mode computational graph: a value and, after :meth:`backward`, a gradient.

    Every operation on Vars returns a new Var that remembers its parents, each
    paired with a small function (a closure) that turns the gradient of the
    node into that parent's share: the local derivative, applied. For
    ``c = a * b`` those are ``g -> g * b.value`` for ``a`` and
    ``g -> g * a.value`` for ``b``.

    Parameters
    ----------
    value : float or array_like
        A number (stored as a Python float) or an array (stored as a float64
        copy). Finite values only.

    Attributes
    ----------
    value : float or ndarray
        The node's value.
    grad : float or ndarray, same shape as ``value``
        :math:`\partial z/\partial\,\text{value}` for the output ``z`` of the
        last :meth:`backward` call that reached this node; zero before.
    op : str
        The operation that made the node ("" for an input).

    Notes
    -----
    Supported: ``+ - * /`` (with numbers, arrays or Vars on either side, numpy
    broadcasting), ``@`` (1-D and 2-D operands), ``**`` with a constant
    exponent, ``c ** x`` for a constant ``c > 0``, unary minus, ``sum`` and
    ``mean`` (optional ``axis``), and ``exp, log, tanh, relu, sin, cos`` as
    methods or module functions.
    """

    __slots__ = ("value", "grad", "op", "_parents")
    # Make numpy hand ``ndarray + Var`` over to Var.__radd__ instead of looping over the array.
    __array_ufunc__ = None

    def __init__(self, value: ArrayLike) -> None:
        if isinstance(value, _NODES):
            raise TypeError(f"Var: argument 'value' must be a number or an array, got a {type(value).__name__}")
        if isinstance(value, _BOOL):
            raise TypeError("Var: argument 'value' must be a real number, got bool")
        self.value: Value = _clean(as_float_array(value, "value", "Var").copy())
        self.grad: Value = _zeros_like(self.value)
        self.op = ""
        self._parents: tuple[tuple[Var, Backward], ...] = ()

    @classmethod
    def _node(cls, value: Any, parents: Sequence[tuple[Var, Backward]], op: str) -> Var:
        v = object.__new__(cls)
        if type(value) is float:  # the scalar fast path
            v.value = value
            v.grad = 0.0
        else:
            v.value = _clean(value)
            v.grad = _zeros_like(v.value)
        v.op = op
        v._parents = tuple(parents)
        return v

    # shape information ----------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of ``value`` (``()`` for a number)."""
        return () if type(self.value) is float else self.value.shape  # type: ignore[union-attr]

    @property
    def ndim(self) -> int:
        """Number of dimensions of ``value``."""
        return len(self.shape)

    @property
    def parents(self) -> tuple[Var, ...]:
        """The nodes this one was computed from, in argument order."""
        return tuple(p for p, _ in self._parents)

    # graph traversal -------------------------------------------------------
    def _topological_order(self) -> list[Var]:
        """Every node reachable from self, each after all of its parents (iterative DFS)."""
        order: list[Var] = []
        visited = {id(self)}
        stack = [(self, iter(self._parents))]
        while stack:
            node, pending = stack[-1]
            for parent, _ in pending:
                if id(parent) not in visited:
                    visited.add(id(parent))
                    stack.append((parent, iter(parent._parents)))
                    break
            else:  # every parent is placed: the node may follow them
                stack.pop()
                order.append(node)
        return order

    def backward(self, grad: ArrayLike | None = None) -> None:
        r"""Fill ``.grad`` of every node this one depends on with d(self)/d(node).

        The nodes are visited in reverse topological order (this node first,
        each node only after every node that uses it), so a node's gradient is
        complete before it is passed on; a node used several times receives
        the *sum* of the contributions. Every call starts from zero gradients,
        so calling it twice gives the same result (it does not accumulate
        across calls).

        Parameters
        ----------
        grad : array_like, optional
            The seed :math:`\bar v` for this node, of its shape. Needed when
            the node is not a single number; then ``backward`` computes the
            vector-Jacobian product :math:`\bar v^T J`.
        """
        if grad is None:
            if np.size(self.value) != 1:
                raise ValueError(
                    f"Var.backward: this Var has shape {self.shape}; backward() without an argument "
                    "needs a single number (a scalar loss). Reduce it with .sum() "
                    "or pass grad= of the same shape"
                )
            seed: Value = _clean(np.ones(self.shape))
        else:
            arr = as_float_array(grad, "grad", "Var.backward")
            if arr.shape != self.shape:
                raise ValueError(f"Var.backward: argument 'grad' must have shape {self.shape}, got {arr.shape}")
            seed = _clean(arr.copy())
        order = self._topological_order()
        for node in order:
            node.grad = _zeros_like(node.value)
        self.grad = seed
        for node in reversed(order):
            g = node.grad
            for parent, local in node._parents:
                parent.grad = parent.grad + local(g)

    # arithmetic --------------------------------------------------------------
    def __add__(self, other: object) -> Var:
        if (o := _var_operand(other, "+")) is None:
            return NotImplemented
        b, bnode = o
        return Var._node(self.value + b, _binary_parents(self, _same, b, bnode, _same), "+")

    def __radd__(self, other: object) -> Var:
        return self.__add__(other)

    def __sub__(self, other: object) -> Var:
        if (o := _var_operand(other, "-")) is None:
            return NotImplemented
        b, bnode = o
        return Var._node(self.value - b, _binary_parents(self, _same, b, bnode, _negated), "-")

    def __rsub__(self, other: object) -> Var:
        o = _var_operand(other, "-")
        if o is None:
            return NotImplemented
        a_shape = self.shape

        def back(g: Value) -> Value:
            return _unbroadcast(-g, a_shape)

        return Var._node(o[0] - self.value, [(self, back)], "-")

    def __mul__(self, other: object) -> Var:
        if (o := _var_operand(other, "*")) is None:
            return NotImplemented
        b, bnode = o
        a = self.value
        return Var._node(a * b, _binary_parents(self, lambda g: g * b, b, bnode, lambda g: g * a), "*")

    def __rmul__(self, other: object) -> Var:
        return self.__mul__(other)

    def __truediv__(self, other: object) -> Var:
        if (o := _var_operand(other, "/")) is None:
            return NotImplemented
        b, bnode = o
        _check_divisor(b, "Var /")
        q = self.value / b
        return Var._node(q, _binary_parents(self, lambda g: g / b, b, bnode, lambda g: -(g * q) / b), "/")

    def __rtruediv__(self, other: object) -> Var:
        o = _var_operand(other, "/")
        if o is None:
            return NotImplemented
        c = o[0]
        a, a_shape = self.value, self.shape
        _check_divisor(a, "Var /")
        q = c / a
        return Var._node(q, [(self, lambda g: _unbroadcast(-(g * q) / a, a_shape))], "/")

    def __matmul__(self, other: object) -> Var:
        o = _var_operand(other, "@")
        if o is None or _is_real_number(other):
            return NotImplemented
        b, bnode = o
        a = self.value
        out = _matmul_value(a, b)
        parents: list[tuple[Var, Backward]] = [(self, lambda g: _matmul_grads(g, a, b)[0])]
        if bnode is not None:
            parents.append((bnode, lambda g: _matmul_grads(g, a, b)[1]))
        return Var._node(out, parents, "@")

    def __rmatmul__(self, other: object) -> Var:
        o = _var_operand(other, "@")
        if o is None or _is_real_number(other):
            return NotImplemented
        c = o[0]
        b = self.value
        out = _matmul_value(c, b)
        return Var._node(out, [(self, lambda g: _matmul_grads(g, c, b)[1])], "@")

    def __pow__(self, other: object) -> Var:
        if isinstance(other, Var):
            raise TypeError("Var ** Var is not supported: the exponent must be a constant number")
        if isinstance(other, _Node):  # a Dual
            raise TypeError("Var ** Dual: reverse mode (Var) and forward mode (Dual) cannot be mixed")
        c = _as_exponent(other, "Var **")
        a = self.value
        _check_power(a, c, "Var **")
        slope = _power_slope(a, c)
        return Var._node(_power_value(a, c), [(self, lambda g: _clean(g * slope))], f"**{c:g}")

    def __rpow__(self, other: object) -> Var:
        if not _is_real_number(other):
            return NotImplemented
        c = float(other)  # type: ignore[arg-type]
        _check_base(c, "number ** Var")
        out = _exp_value(np.multiply(self.value, np.log(c)), "number ** Var")
        lc = float(np.log(c))
        return Var._node(out, [(self, lambda g: _clean(g * out * lc))], "c**")

    def __neg__(self) -> Var:
        return Var._node(-self.value, [(self, lambda g: -g)], "neg")

    def __pos__(self) -> Var:
        return self

    # reductions ----------------------------------------------------------------
    def sum(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Var:
        """Sum of the entries (over ``axis`` if given); the gradient is spread back unchanged."""
        shape = self.shape
        axes = _normalise_axis(axis, len(shape), "Var.sum")
        out = np.sum(self.value, axis=axes, keepdims=keepdims)

        def back(g: Value) -> Value:
            arr = np.asarray(g, dtype=np.float64)
            if not keepdims:
                arr = np.expand_dims(arr, axes if axes is not None else tuple(range(len(shape))))
            return _clean(np.broadcast_to(arr, shape).copy())

        return Var._node(out, [(self, back)], "sum")

    def mean(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Var:
        """Mean of the entries (over ``axis`` if given)."""
        shape = self.shape
        axes = _normalise_axis(axis, len(shape), "Var.mean")
        count = int(np.prod([shape[a] for a in axes])) if axes is not None else int(np.prod(shape))
        if count == 0:
            raise ValueError("Var.mean: mean over zero entries")
        return self.sum(axis=axes, keepdims=keepdims) * (1.0 / count)

    # elementwise functions ---------------------------------------------------
    def exp(self) -> Var:
        r""":math:`e^a`; local derivative :math:`e^a` (the output itself)."""
        out = _exp_value(self.value, "exp")
        return Var._node(out, [(self, lambda g: _clean(g * out))], "exp")

    def log(self) -> Var:
        r""":math:`\log a` for :math:`a > 0`; local derivative :math:`1/a`."""
        a = self.value
        out = _log_value(a, "log")
        return Var._node(out, [(self, lambda g: _clean(g / a))], "log")

    def tanh(self) -> Var:
        r""":math:`\tanh a`; local derivative :math:`1 - \tanh^2 a`."""
        t = _elementwise(self.value, math.tanh, np.tanh)
        slope = 1.0 - t * t
        return Var._node(t, [(self, lambda g: _clean(g * slope))], "tanh")

    def relu(self) -> Var:
        r""":math:`\max(0, a)`; local derivative :math:`[a > 0]` (0 at 0)."""
        mask = np.asarray(self.value) > 0
        return Var._node(np.where(mask, self.value, 0.0), [(self, lambda g: _clean(np.where(mask, g, 0.0)))], "relu")

    def sin(self) -> Var:
        r""":math:`\sin a`; local derivative :math:`\cos a`."""
        a = self.value
        slope = _elementwise(a, math.cos, np.cos)
        return Var._node(_elementwise(a, math.sin, np.sin), [(self, lambda g: _clean(g * slope))], "sin")

    def cos(self) -> Var:
        r""":math:`\cos a`; local derivative :math:`-\sin a`."""
        a = self.value
        slope = -_elementwise(a, math.sin, np.sin)
        return Var._node(_elementwise(a, math.cos, np.cos), [(self, lambda g: _clean(g * slope))], "cos")

    def __repr__(self) -> str:
        op = f", op={self.op!r}" if self.op else ""
        return f"Var({self.value!r}, grad={self.grad!r}{op})"


def topological_order(output: Var) -> list[Var]:
    """Every node that ``output`` was computed from (itself included), each listed after its parents.

    This is the order of the forward pass; :meth:`Var.backward` walks it backwards. The list is
    also the record that reverse mode keeps in memory: its length is the number of graph nodes.

    Parameters
    ----------
    output : Var
        The last node of the graph (typically a scalar loss).

    Returns
    -------
    list of Var
        Inputs first, ``output`` last; a node used several times appears once.
    """
    if not isinstance(output, Var):
        raise TypeError(f"topological_order: argument 'output' must be a Var, got {type(output).__name__}")
    return output._topological_order()
