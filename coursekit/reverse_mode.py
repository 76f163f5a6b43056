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
    _Node,
    _outputs,
    _point,
    _power_slope,
    _power_value,
    _zeros_like,
)
from coursekit._validate import FloatArray, as_float_array

__all__ = ["Var", "topological_order", "grad_reverse", "vjp", "jacobian_reverse"]

# ---------------------------------------------------------------------------
# Reverse mode
# ---------------------------------------------------------------------------

Backward = Callable[[Value], Value]


def _unbroadcast(g: Any, shape: tuple[int, ...]) -> Value:
    """Sum ``g`` over the axes along which an operand of ``shape`` was broadcast."""
    if not shape:
        return g if type(g) is float else float(np.sum(g))
    arr = np.asarray(g, dtype=np.float64)
    while arr.ndim > len(shape):
        arr = arr.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and arr.shape[axis] != 1:
            arr = arr.sum(axis=axis, keepdims=True)
    return _clean(arr.reshape(shape))


def _same(g: Value) -> Value:
    """Local derivative 1: the gradient passes through unchanged."""
    return g


def _negated(g: Value) -> Value:
    """Local derivative -1."""
    return -g


def _scalar_parents(a: Var, back_a: Backward, b: Var | None, back_b: Backward) -> list[tuple[Var, Backward]]:
    """Parents of a binary operation on scalars; ``b`` is None when the second operand is a constant."""
    return [(a, back_a)] if b is None else [(a, back_a), (b, back_b)]


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


def _matmul_grads(g: Value, a: Value, b: Value) -> tuple[Value, Value]:
    """For C = A @ B (A, B of 1 or 2 dimensions): (dA, dB) = (dC B^T, A^T dC)."""
    A = np.asarray(a)
    B = np.asarray(b)
    A2 = A if A.ndim == 2 else A[None, :]
    B2 = B if B.ndim == 2 else B[:, None]
    G2 = np.reshape(g, (A2.shape[0], B2.shape[1]))
    return _clean((G2 @ B2.T).reshape(A.shape)), _clean((A2.T @ G2).reshape(B.shape))


def _matmul_value(a: Value, b: Value) -> Value:
    A = np.asarray(a)
    B = np.asarray(b)
    if A.ndim not in (1, 2) or B.ndim not in (1, 2):
        raise ValueError(f"Var @: both operands must have 1 or 2 dimensions, got shapes {A.shape} and {B.shape}")
    inner_a = A.shape[-1]
    inner_b = B.shape[0]
    if inner_a != inner_b:
        raise ValueError(f"Var @: shapes {A.shape} and {B.shape} do not align ({inner_a} columns vs {inner_b} rows)")
    return _clean(A @ B)


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
        o = _var_operand(other, "+")
        if o is None:
            return NotImplemented
        b, bnode = o
        if type(self.value) is float and type(b) is float:  # scalars: nothing to unbroadcast
            return Var._node(self.value + b, _scalar_parents(self, _same, bnode, _same), "+")
        a_shape = self.shape
        parents: list[tuple[Var, Backward]] = [(self, lambda g: _unbroadcast(g, a_shape))]
        if bnode is not None:
            b_shape = bnode.shape
            parents.append((bnode, lambda g: _unbroadcast(g, b_shape)))
        return Var._node(self.value + b, parents, "+")

    def __radd__(self, other: object) -> Var:
        return self.__add__(other)

    def __sub__(self, other: object) -> Var:
        o = _var_operand(other, "-")
        if o is None:
            return NotImplemented
        b, bnode = o
        if type(self.value) is float and type(b) is float:
            return Var._node(self.value - b, _scalar_parents(self, _same, bnode, _negated), "-")
        a_shape = self.shape
        parents: list[tuple[Var, Backward]] = [(self, lambda g: _unbroadcast(g, a_shape))]
        if bnode is not None:
            b_shape = bnode.shape
            parents.append((bnode, lambda g: _unbroadcast(-g, b_shape)))
        return Var._node(self.value - b, parents, "-")

    def __rsub__(self, other: object) -> Var:
        o = _var_operand(other, "-")
        if o is None:
            return NotImplemented
        a_shape = self.shape

        def back(g: Value) -> Value:
            return _unbroadcast(-g, a_shape)

        return Var._node(o[0] - self.value, [(self, back)], "-")

    def __mul__(self, other: object) -> Var:
        o = _var_operand(other, "*")
        if o is None:
            return NotImplemented
        b, bnode = o
        a = self.value
        if type(a) is float and type(b) is float:
            return Var._node(a * b, _scalar_parents(self, lambda g: g * b, bnode, lambda g: g * a), "*")
        a_shape = self.shape
        parents: list[tuple[Var, Backward]] = [(self, lambda g: _unbroadcast(g * b, a_shape))]
        if bnode is not None:
            b_shape = bnode.shape
            parents.append((bnode, lambda g: _unbroadcast(g * a, b_shape)))
        return Var._node(a * b, parents, "*")

    def __rmul__(self, other: object) -> Var:
        return self.__mul__(other)

    def __truediv__(self, other: object) -> Var:
        o = _var_operand(other, "/")
        if o is None:
            return NotImplemented
        b, bnode = o
        _check_divisor(b, "Var /")
        a, a_shape = self.value, self.shape
        q = a / b
        if type(a) is float and type(b) is float:
            return Var._node(q, _scalar_parents(self, lambda g: g / b, bnode, lambda g: -g * q / b), "/")
        parents: list[tuple[Var, Backward]] = [(self, lambda g: _unbroadcast(g / b, a_shape))]
        if bnode is not None:
            b_shape = bnode.shape
            parents.append((bnode, lambda g: _unbroadcast(-(g * q) / b, b_shape)))
        return Var._node(q, parents, "/")

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


#: The two node types of this module (a tuple: see _REAL).


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


def _normalise_axis(axis: int | tuple[int, ...] | None, ndim: int, func: str) -> tuple[int, ...] | None:
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, int | np.integer) else tuple(axis)
    out = []
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, int | np.integer) or not -ndim <= a < ndim:
            raise ValueError(f"{func}: axis {a!r} is out of range for an array with {ndim} dimension(s)")
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{func}: repeated axis in {axis!r}")
    return tuple(out)


def grad_reverse(f: Callable[[tuple[Var, ...]], Any], x: ArrayLike) -> FloatArray:
    r"""Gradient of a scalar function of ``n`` scalars by reverse mode: one backward pass.

    Parameters
    ----------
    f : callable
        ``f(xs)`` with ``xs`` a tuple of ``n`` scalar Vars; returns one scalar Var
        (or a plain number if it does not depend on ``xs``).
    x : array_like, shape (n,)
        The point.

    Returns
    -------
    ndarray, shape (n,)
    """
    func = "grad_reverse"
    point = _point(f, x, func)
    xs = tuple(Var._node(float(v), (), "") for v in point)
    out = f(xs)
    if isinstance(out, Var):
        if np.size(out.value) != 1:
            raise ValueError(f"{func}: f must return a single number, got a Var of shape {out.shape}")
        out.backward()
    elif not _is_real_number(out):
        raise TypeError(
            f"{func}: f must return a scalar built from its inputs with + - * / ** and "
            f"coursekit.autodiff's sin, cos, exp, log, tanh; got {type(out).__name__}"
        )
    return np.array([float(v.grad) for v in xs], dtype=np.float64)


def vjp(f: Callable[[tuple[Var, ...]], Any], x: ArrayLike, u: ArrayLike) -> FloatArray:
    r"""Vector-Jacobian product :math:`u^T J_f(x)` by one reverse-mode pass.

    The backward pass is run once from :math:`s = \sum_k u_k f_k`, whose
    gradient is :math:`\sum_k u_k \nabla f_k = J^T u`.

    Parameters
    ----------
    f : callable
        ``f(xs)`` with ``xs`` a tuple of ``n`` scalar Vars; returns a sequence
        of ``m`` scalar Vars or numbers (a single one means ``m = 1``).
    x : array_like, shape (n,)
        The point.
    u : array_like, shape (m,)
        The weights of the outputs.

    Returns
    -------
    ndarray, shape (n,)
    """
    func = "vjp"
    point = _point(f, x, func)
    weights = as_float_array(u, "u", func, ndim=1)
    xs = tuple(Var._node(float(p), (), "") for p in point)
    outs = _outputs(f(xs), func)
    if len(outs) != weights.shape[0]:
        raise ValueError(f"{func}: f returned {len(outs)} outputs but 'u' has {weights.shape[0]} entries")
    total: Var | None = None
    for w, o in zip(weights, outs, strict=True):
        if isinstance(o, Var):
            if np.size(o.value) != 1:
                raise ValueError(f"{func}: every output of f must be a single number, got a Var of shape {o.shape}")
            term = o * float(w)
            total = term if total is None else total + term
        elif not _is_real_number(o):
            raise TypeError(f"{func}: f must return Vars or numbers, got {type(o).__name__}")
    if total is not None:
        total.backward()
    return np.array([float(v.grad) for v in xs], dtype=np.float64)


def jacobian_reverse(f: Callable[[tuple[Var, ...]], Any], x: ArrayLike) -> FloatArray:
    r"""The whole Jacobian :math:`J_{ki} = \partial f_k/\partial x_i` by reverse mode: one backward pass per output.

    ``f`` runs once and its graph is recorded; then a backward pass from output :math:`k`
    yields row :math:`k` for every input at once. Each pass visits the part of the graph
    that output :math:`k` depends on, so the cost is up to :math:`m` times that of one gradient.

    Parameters
    ----------
    f : callable
        As for :func:`vjp`: a tuple of ``n`` scalar Vars in, ``m`` scalar Vars or numbers out.
    x : array_like, shape (n,)
        The point.

    Returns
    -------
    ndarray, shape (m, n)
    """
    func = "jacobian_reverse"
    point = _point(f, x, func)
    xs = tuple(Var._node(float(p), (), "") for p in point)
    outs = _outputs(f(xs), func)
    J = np.zeros((len(outs), len(xs)))
    for k, o in enumerate(outs):
        if isinstance(o, Var):
            if np.size(o.value) != 1:
                raise ValueError(f"{func}: every output of f must be a single number, got a Var of shape {o.shape}")
            for v in xs:  # inputs that output k does not reach keep a stale gradient otherwise
                v.grad = 0.0
            o.backward()
            J[k] = [float(v.grad) for v in xs]
        elif not _is_real_number(o):
            raise TypeError(f"{func}: f must return Vars or numbers, got {type(o).__name__}")
    return J
