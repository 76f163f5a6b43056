r"""Automatic differentiation in two small pieces: forward mode (Dual) and reverse mode (Var).

Both apply the chain rule mechanically to a program built from operations whose
local derivatives are known. The notes' example is

.. math::

    v = u^2,\quad w = \sin v,\quad x = \log v,\quad y = w x,\quad z = e^{y},
    \qquad\text{i.e.}\qquad z = \exp\bigl(\sin(u^2)\log(u^2)\bigr).

**Forward mode** carries, next to every value :math:`\theta`, its derivative
:math:`\dot\theta = \partial\theta/\partial u` with respect to one chosen input,
and updates both at each step: :math:`\dot v = 2u\,\dot u`,
:math:`\dot w = \cos(v)\,\dot v`, :math:`\dot x = \dot v / v`,
:math:`\dot y = x\dot w + w\dot x`, :math:`\dot z = z\,\dot y`. A :class:`Dual`
number is exactly such a pair ``(value, deriv)``; its arithmetic is the sum,
product and quotient rules. One pass gives the derivative with respect to one
input (more generally a Jacobian-vector product :func:`jvp`), so a gradient
with respect to :math:`n` inputs takes :math:`n` passes (:func:`grad_forward`).

**Reverse mode** first computes all values, recording for every node its
parents and the local derivative of the node with respect to each parent. It
then walks the graph from the output back, building
:math:`\bar\theta = \partial z/\partial\theta`: :math:`\bar z = 1`,
:math:`\bar y = z\,\bar z`, :math:`\bar w = x\,\bar y`, :math:`\bar x = w\,\bar y`,
:math:`\bar v = \cos(v)\,\bar w + \bar x / v` (two contributions, because
:math:`v` is used twice: they are *added*), :math:`\bar u = 2u\,\bar v`. One
backward pass gives the derivative of one output with respect to *every* input
(a vector-Jacobian product :func:`vjp`), which is why training uses it:
:func:`grad_reverse`. For a whole Jacobian of shape ``(m, n)`` forward mode
needs ``n`` passes and reverse mode ``m`` sweeps (:func:`jacobian_forward`,
:func:`jacobian_reverse`): which is cheaper depends on the shape. A
:class:`Var` is a node of that graph (:func:`topological_order` lists a
recorded graph). It works on floats and on numpy arrays, with the matrix rules
of the notes:

* :math:`C = AB`: :math:`\bar A = \bar C B^T`, :math:`\bar B = A^T \bar C`;
* :math:`C = A + B`: :math:`\bar A = \bar C`, :math:`\bar B = \bar C`, where a
  broadcast operand (a bias of shape ``(K,)`` added to ``(N, K)``) receives
  :math:`\bar C` summed over the axes it was stretched along;
* :math:`C = g(A)` elementwise: :math:`\bar A = g'(A) \odot \bar C`.

(The notes say that one backward sweep yields "both" the forward-mode
derivatives :math:`\dot\theta` and the backward ones :math:`\bar\theta`. That
overstates it: a backward sweep gives :math:`\partial z/\partial\theta` for
every :math:`\theta`, i.e. how *one output* depends on everything, while forward
mode gives :math:`\partial\theta/\partial u`, how everything depends on *one
input*. For a scalar loss of many weights the first is what training needs.)

Conventions for functions of several scalars (:func:`grad_forward`,
:func:`grad_reverse`, :func:`jvp`, :func:`vjp`): ``f`` receives one tuple of
``n`` scalars ``(x[0], ..., x[n-1])`` (Duals or Vars) and uses ``+ - * / **``
and this module's ``sin, cos, exp, log, tanh`` (and ``relu``) on them. For
``grad_*`` it returns one scalar; for ``jvp`` / ``vjp`` it returns a sequence of
``m`` scalars (a single scalar counts as ``m = 1``).

The functions ``sin, cos, exp, log, tanh, relu`` dispatch on their argument: a
Dual or a Var gets its method of that name (``x.sin()``), a number or an array
gets the plain value. Any other object that has such a method is served the same
way (duck typing, as ``numpy.sin`` does for objects), so the dual numbers and
graph nodes that students write in notebook 04 work with these functions too.

Scalars are the common case in the course's demos and timings, so operations on
Python floats take a short path (``math`` instead of numpy, no broadcasting to
undo); arrays take the general one. Both give the same numbers.

Examples
--------
>>> grad_forward(lambda x: exp(sin(x[0] ** 2) * log(x[0] ** 2)), [1.5]).round(6)
array([-0.922389])
>>> a = Var(2.0)
>>> b = a * a + 3 * a
>>> b.backward()
>>> a.grad
7.0
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import reduce
from numbers import Real
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from coursekit._validate import FloatArray, as_float_array

__all__ = [
    "Dual",
    "Var",
    "sin",
    "cos",
    "exp",
    "log",
    "tanh",
    "relu",
    "sum_",
    "topological_order",
    "grad_forward",
    "grad_reverse",
    "jvp",
    "vjp",
    "jacobian_forward",
    "jacobian_reverse",
]

#: Largest x with a finite exp(x) in float64 (about 709.78).
_EXP_MAX = float(np.log(np.finfo(np.float64).max))

Value = float | FloatArray

# isinstance with a tuple of types: building a ``A | B`` union on every call costs about a microsecond.
_REAL = (Real, np.integer, np.floating)
_BOOL = (bool, np.bool_)
_NOT_NODES = (Real, np.generic, np.ndarray, list, tuple, str, bytes)


# ---------------------------------------------------------------------------
# Values: checks shared by Dual, Var and plain numbers
# ---------------------------------------------------------------------------


def _is_real_number(x: object) -> bool:
    if type(x) is float or type(x) is int:  # the common cases, checked first: isinstance on ABCs is slow
        return True
    return isinstance(x, _REAL) and not isinstance(x, _BOOL)


def _clean(x: Any) -> Value:
    """Return a Python float for anything 0-d, else a float64 ndarray."""
    if isinstance(x, float):  # also numpy.float64, a float subclass
        return float(x)
    arr = np.asarray(x, dtype=np.float64)
    return float(arr) if arr.ndim == 0 else arr


def _zeros_like(v: Value) -> Value:
    # type(...) is float, not isinstance: a numpy scalar stays an array value. mypy does not narrow on it.
    return 0.0 if type(v) is float else np.zeros(v.shape)  # type: ignore[union-attr]


def _elementwise(v: Value, scalar: Callable[[float], float], array: np.ufunc) -> Value:
    """``scalar(v)`` for a Python float (math is much faster there), else ``array(v)`` as float64."""
    return scalar(v) if type(v) is float else _clean(array(v))


def _exp_value(v: Value, func: str) -> Value:
    if type(v) is float and v <= _EXP_MAX:  # the common scalar case, without numpy's overhead
        return math.exp(v)
    if np.any(np.asarray(v) > _EXP_MAX):
        raise OverflowError(
            f"{func}: exp of {np.max(v):.6g} overflows float64 (largest finite argument is about 709.78)"
        )
    return _clean(np.exp(v))


def _log_value(v: Value, func: str) -> Value:
    if type(v) is float and v > 0:
        return math.log(v)
    if np.any(np.asarray(v) <= 0):
        raise ValueError(f"{func}: log needs a positive argument, got {np.min(v):.6g}")
    return _clean(np.log(v))


def _check_divisor(v: Value, func: str) -> None:
    if (v == 0) if type(v) is float else np.any(np.asarray(v) == 0):
        raise ZeroDivisionError(f"{func}: division by zero")


def _check_power(base: Value, exponent: float, func: str) -> None:
    """Raise unless ``base ** exponent`` and its derivative are finite reals."""
    b = np.asarray(base)
    if not float(exponent).is_integer() and np.any(b < 0):
        raise ValueError(f"{func}: a negative number to the non-integer power {exponent} is not a real number")
    if np.any(b == 0) and (exponent < 0 or (0 < exponent < 1)):
        raise ZeroDivisionError(
            f"{func}: 0 ** {exponent} or its derivative {exponent} * 0 ** {exponent - 1} is infinite"
        )


def _power_value(base: Value, exponent: float) -> Value:
    return _clean(np.power(np.asarray(base, dtype=np.float64), exponent))


def _power_slope(base: Value, exponent: float) -> Value:
    """d(base**c)/d(base) = c * base**(c-1), with the exact 0 for c = 0."""
    if exponent == 0:
        return _clean(np.zeros_like(np.asarray(base, dtype=np.float64)))
    return _clean(exponent * np.power(np.asarray(base, dtype=np.float64), exponent - 1))


def _as_exponent(c: object, func: str) -> float:
    if not _is_real_number(c):
        raise TypeError(f"{func}: the exponent must be a constant number, got {type(c).__name__}")
    c = float(c)  # type: ignore[arg-type]
    if not np.isfinite(c):
        raise ValueError(f"{func}: the exponent must be finite, got {c}")
    return c


def _check_base(c: float, func: str) -> None:
    if c <= 0:
        raise ValueError(f"{func}: c ** x is differentiated as exp(x log c), which needs c > 0, got c = {c}")


# ---------------------------------------------------------------------------
# Forward mode
# ---------------------------------------------------------------------------


def _dual_operand(x: object, op: str) -> Dual | None:
    """A Dual for ``x`` (numbers become constants with derivative 0), or None if unsupported."""
    if isinstance(x, Dual):
        return x
    if isinstance(x, Var):
        raise TypeError(f"Dual {op} Var: forward mode (Dual) and reverse mode (Var) cannot be mixed")
    if _is_real_number(x):
        return Dual._make(float(x), 0.0)  # type: ignore[arg-type]
    return None


class Dual:
    r"""A forward-mode dual number :math:`(\theta, \dot\theta)`: a value and its derivative.

    Arithmetic follows the rules of differentiation, e.g.
    :math:`(a, \dot a)(b, \dot b) = (ab,\ \dot a b + a \dot b)`; a plain number
    on either side is a constant (derivative 0). Seed the input you
    differentiate by with ``deriv=1``:

    >>> u = Dual(3.0, 1.0)
    >>> (u * u + 2 * u).deriv      # d/du (u^2 + 2u) = 2u + 2
    8.0

    Parameters
    ----------
    value : float
        The value :math:`\theta`.
    deriv : float
        Its derivative :math:`\dot\theta` (default 0: a constant).

    Notes
    -----
    A Dual holds one number; for arrays use :class:`Var`.
    """

    __slots__ = ("value", "deriv")
    # Make numpy hand ``ndarray + Dual`` over to Dual.__radd__ (which refuses arrays).
    __array_ufunc__ = None

    def __init__(self, value: float, deriv: float = 0.0) -> None:
        self.value = self._number(value, "value")
        self.deriv = self._number(deriv, "deriv")

    @staticmethod
    def _number(x: object, name: str) -> float:
        if isinstance(x, _NODES):
            raise TypeError(f"Dual: argument '{name}' must be a plain number, got a {type(x).__name__}")
        if not _is_real_number(x):
            if isinstance(x, np.ndarray) and x.ndim == 0 and not isinstance(x.item(), bool):
                x = x.item()
            else:
                raise TypeError(
                    f"Dual: argument '{name}' must be a single real number, got {type(x).__name__} "
                    "(a Dual holds one number; for arrays use Var)"
                )
        out = float(x)  # type: ignore[arg-type]
        if not np.isfinite(out):
            raise ValueError(f"Dual: argument '{name}' must be finite, got {out}")
        return out

    @classmethod
    def _make(cls, value: float, deriv: float) -> Dual:
        d = object.__new__(cls)
        d.value = float(value)
        d.deriv = float(deriv)
        return d

    # arithmetic ----------------------------------------------------------
    def __add__(self, other: object) -> Dual:
        o = _dual_operand(other, "+")
        if o is None:
            return NotImplemented
        return Dual._make(self.value + o.value, self.deriv + o.deriv)

    def __radd__(self, other: object) -> Dual:
        return self.__add__(other)

    def __sub__(self, other: object) -> Dual:
        o = _dual_operand(other, "-")
        if o is None:
            return NotImplemented
        return Dual._make(self.value - o.value, self.deriv - o.deriv)

    def __rsub__(self, other: object) -> Dual:
        o = _dual_operand(other, "-")
        if o is None:
            return NotImplemented
        return o - self

    def __mul__(self, other: object) -> Dual:
        o = _dual_operand(other, "*")
        if o is None:
            return NotImplemented
        return Dual._make(self.value * o.value, self.deriv * o.value + self.value * o.deriv)

    def __rmul__(self, other: object) -> Dual:
        return self.__mul__(other)

    def __truediv__(self, other: object) -> Dual:
        o = _dual_operand(other, "/")
        if o is None:
            return NotImplemented
        _check_divisor(o.value, "Dual /")
        q = self.value / o.value
        return Dual._make(q, (self.deriv - q * o.deriv) / o.value)

    def __rtruediv__(self, other: object) -> Dual:
        o = _dual_operand(other, "/")
        if o is None:
            return NotImplemented
        return o / self

    def __pow__(self, other: object) -> Dual:
        if isinstance(other, Dual):
            # a ** b = exp(b log a): needs a > 0
            if self.value <= 0:
                raise ValueError(
                    f"Dual ** Dual: the base must be > 0 (a ** b = exp(b log a)), got {self.value}; "
                    "for a constant exponent use a plain number"
                )
            p = self.value**other.value
            la = math.log(self.value)
            return Dual._make(p, p * (other.deriv * la + other.value * self.deriv / self.value))
        if isinstance(other, Var):
            raise TypeError("Dual ** Var: forward mode (Dual) and reverse mode (Var) cannot be mixed")
        if not _is_real_number(other):
            return NotImplemented
        c = _as_exponent(other, "Dual **")
        _check_power(self.value, c, "Dual **")
        return Dual._make(
            _power_value(self.value, c),  # type: ignore[arg-type]
            _power_slope(self.value, c) * self.deriv,  # type: ignore[arg-type]
        )

    def __rpow__(self, other: object) -> Dual:
        if not _is_real_number(other):
            return NotImplemented
        c = float(other)  # type: ignore[arg-type]
        _check_base(c, "number ** Dual")
        p = c**self.value
        return Dual._make(p, p * math.log(c) * self.deriv)

    def __neg__(self) -> Dual:
        return Dual._make(-self.value, -self.deriv)

    def __pos__(self) -> Dual:
        return self

    # elementary functions -------------------------------------------------
    def exp(self) -> Dual:
        r""":math:`(e^a,\ e^a \dot a)`."""
        e = float(_exp_value(self.value, "exp"))
        return Dual._make(e, e * self.deriv)

    def log(self) -> Dual:
        r""":math:`(\log a,\ \dot a / a)`, for :math:`a > 0`."""
        v = float(_log_value(self.value, "log"))
        return Dual._make(v, self.deriv / self.value)

    def sin(self) -> Dual:
        r""":math:`(\sin a,\ \cos(a)\,\dot a)`."""
        return Dual._make(math.sin(self.value), math.cos(self.value) * self.deriv)

    def cos(self) -> Dual:
        r""":math:`(\cos a,\ -\sin(a)\,\dot a)`."""
        return Dual._make(math.cos(self.value), -math.sin(self.value) * self.deriv)

    def tanh(self) -> Dual:
        r""":math:`(\tanh a,\ (1 - \tanh^2 a)\,\dot a)`."""
        t = math.tanh(self.value)
        return Dual._make(t, (1.0 - t * t) * self.deriv)

    def relu(self) -> Dual:
        r""":math:`(\max(0, a),\ [a > 0]\,\dot a)` (slope 0 at 0)."""
        return Dual._make(max(self.value, 0.0), self.deriv if self.value > 0 else 0.0)

    def __repr__(self) -> str:
        return f"Dual(value={self.value!r}, deriv={self.deriv!r})"


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
    if isinstance(x, Dual):
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


class Var:
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
        if isinstance(other, Dual):
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
_NODES = (Dual, Var)


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


# ---------------------------------------------------------------------------
# Module-level functions: one name for Dual, Var and plain numbers/arrays
# ---------------------------------------------------------------------------


def _plain(x: object, func: str) -> Value:
    if type(x) is float:
        return x
    if isinstance(x, _BOOL):
        raise TypeError(f"{func}: argument must be a number, an array, a Dual or a Var, got bool")
    try:
        return _clean(as_float_array(x, "x", func, finite=False))  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"{func}: argument must be a number, an array, a Dual or a Var, got {type(x).__name__}"
        ) from None


def _method(x: object, name: str) -> Callable[[], Any] | None:
    """The bound method ``x.<name>`` of a Dual, a Var or any other object that defines it, else None.

    Other classes are served by duck typing (as ``numpy.sin`` does for objects), so that the
    dual numbers and graph nodes that students write in notebook 04 work with these functions.
    """
    if isinstance(x, _NODES):
        return getattr(x, name)
    if type(x) is float or isinstance(x, _NOT_NODES):
        return None
    method = getattr(x, name, None)
    return method if callable(method) else None


def exp(x: Any) -> Any:
    r"""Exponential :math:`e^x` of a Dual, a Var, a number or an array (dispatches on the type)."""
    if (method := _method(x, "exp")) is not None:
        return method()
    return _exp_value(_plain(x, "exp"), "exp")


def log(x: Any) -> Any:
    r"""Natural logarithm :math:`\log x`, :math:`x > 0`, of a Dual, a Var, a number or an array."""
    if (method := _method(x, "log")) is not None:
        return method()
    return _log_value(_plain(x, "log"), "log")


def sin(x: Any) -> Any:
    r""":math:`\sin x` of a Dual, a Var, a number or an array."""
    if (method := _method(x, "sin")) is not None:
        return method()
    return _elementwise(_plain(x, "sin"), math.sin, np.sin)


def cos(x: Any) -> Any:
    r""":math:`\cos x` of a Dual, a Var, a number or an array."""
    if (method := _method(x, "cos")) is not None:
        return method()
    return _elementwise(_plain(x, "cos"), math.cos, np.cos)


def tanh(x: Any) -> Any:
    r""":math:`\tanh x` of a Dual, a Var, a number or an array."""
    if (method := _method(x, "tanh")) is not None:
        return method()
    return _elementwise(_plain(x, "tanh"), math.tanh, np.tanh)


def relu(x: Any) -> Any:
    r""":math:`\max(0, x)` of a Dual, a Var, a number or an array (slope 0 at 0)."""
    if (method := _method(x, "relu")) is not None:
        return method()
    v = _plain(x, "relu")
    return max(v, 0.0) if type(v) is float else _clean(np.maximum(v, 0.0))


def sum_(x: Any, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Any:
    """Sum of a Var's entries, of a list of Duals/Vars/numbers, or of an array.

    Named ``sum_`` so that it does not hide Python's built-in ``sum``.
    ``axis`` and ``keepdims`` apply to Vars and arrays.
    """
    if isinstance(x, Var):
        return x.sum(axis=axis, keepdims=keepdims)
    if isinstance(x, list | tuple) and any(isinstance(t, _NODES) for t in x):
        if axis is not None or keepdims:
            raise ValueError("sum_: 'axis' and 'keepdims' apply to a Var or an array, not to a list")
        return reduce(lambda s, t: s + t, x)
    return _clean(np.sum(_plain(x, "sum_"), axis=axis, keepdims=keepdims))


# ---------------------------------------------------------------------------
# Gradients, JVPs and VJPs of functions of n scalars
# ---------------------------------------------------------------------------


def _point(x: ArrayLike, func: str) -> FloatArray:
    return as_float_array(x, "x", func, ndim=1)


def _outputs(out: object, func: str) -> list[object]:
    if isinstance(out, _NODES) or _is_real_number(out):
        return [out]
    if isinstance(out, np.ndarray) and out.dtype != object:
        return list(out.ravel())
    try:
        return list(out)  # type: ignore[call-overload]
    except TypeError:
        raise TypeError(f"{func}: f must return a number or a sequence of numbers, got {type(out).__name__}") from None


def _dual_deriv(out: object, func: str) -> float:
    if isinstance(out, Dual):
        return out.deriv
    if _is_real_number(out):
        return 0.0  # f did not depend on its inputs
    raise TypeError(
        f"{func}: f must return a scalar built from its inputs with + - * / ** and "
        f"coursekit.autodiff's sin, cos, exp, log, tanh; got {type(out).__name__}"
    )


def grad_forward(f: Callable[[tuple[Dual, ...]], Any], x: ArrayLike) -> FloatArray:
    r"""Gradient of a scalar function of ``n`` scalars by forward mode: ``n`` passes.

    Pass :math:`i` seeds :math:`\dot x_i = 1` and :math:`\dot x_j = 0` for
    :math:`j \ne i`, so the output's derivative is :math:`\partial f/\partial x_i`.

    Parameters
    ----------
    f : callable
        ``f(xs)`` with ``xs`` a tuple of ``n`` Duals; returns one Dual (or a
        plain number if it does not depend on ``xs``).
    x : array_like, shape (n,)
        The point.

    Returns
    -------
    ndarray, shape (n,)
    """
    func = "grad_forward"
    if not callable(f):
        raise TypeError(f"{func}: argument 'f' must be callable, got {type(f).__name__}")
    point = _point(x, func)
    n = point.shape[0]
    grad = np.zeros(n)
    for i in range(n):
        xs = tuple(Dual._make(point[j], 1.0 if j == i else 0.0) for j in range(n))
        grad[i] = _dual_deriv(f(xs), func)
    return grad


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
    if not callable(f):
        raise TypeError(f"{func}: argument 'f' must be callable, got {type(f).__name__}")
    point = _point(x, func)
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


def jvp(f: Callable[[tuple[Dual, ...]], Any], x: ArrayLike, v: ArrayLike) -> FloatArray:
    r"""Jacobian-vector product :math:`J_f(x)\, v` by one forward-mode pass.

    Seeding :math:`\dot x = v` makes every output carry
    :math:`\dot f_k = \sum_i \partial f_k/\partial x_i\, v_i`.

    Parameters
    ----------
    f : callable
        ``f(xs)`` with ``xs`` a tuple of ``n`` Duals; returns a sequence of
        ``m`` Duals or numbers (a single one means ``m = 1``).
    x : array_like, shape (n,)
        The point.
    v : array_like, shape (n,)
        The direction.

    Returns
    -------
    ndarray, shape (m,)
    """
    func = "jvp"
    if not callable(f):
        raise TypeError(f"{func}: argument 'f' must be callable, got {type(f).__name__}")
    point = _point(x, func)
    direction = as_float_array(v, "v", func, ndim=1)
    if direction.shape != point.shape:
        raise ValueError(f"{func}: argument 'v' must have the shape of 'x', {point.shape}, got {direction.shape}")
    xs = tuple(Dual._make(p, d) for p, d in zip(point, direction, strict=True))
    return np.array([_dual_deriv(o, func) for o in _outputs(f(xs), func)], dtype=np.float64)


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
    if not callable(f):
        raise TypeError(f"{func}: argument 'f' must be callable, got {type(f).__name__}")
    point = _point(x, func)
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


def jacobian_forward(f: Callable[[tuple[Dual, ...]], Any], x: ArrayLike) -> FloatArray:
    r"""The whole Jacobian :math:`J_{ki} = \partial f_k/\partial x_i` by forward mode: one pass per input.

    Pass :math:`i` seeds :math:`\dot x = e_i` and yields column :math:`i` for every output at
    once, so the cost is :math:`n` evaluations of ``f`` (with dual numbers), whatever :math:`m`.

    Parameters
    ----------
    f : callable
        As for :func:`jvp`: a tuple of ``n`` Duals in, ``m`` Duals or numbers out.
    x : array_like, shape (n,)
        The point.

    Returns
    -------
    ndarray, shape (m, n)
    """
    func = "jacobian_forward"
    if not callable(f):
        raise TypeError(f"{func}: argument 'f' must be callable, got {type(f).__name__}")
    point = _point(x, func)
    n = point.shape[0]
    if n == 0:
        raise ValueError(f"{func}: argument 'x' must have at least one entry")
    columns = []
    for i in range(n):
        xs = tuple(Dual._make(point[j], 1.0 if j == i else 0.0) for j in range(n))
        columns.append([_dual_deriv(o, func) for o in _outputs(f(xs), func)])
    return np.array(columns, dtype=np.float64).T


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
    if not callable(f):
        raise TypeError(f"{func}: argument 'f' must be callable, got {type(f).__name__}")
    point = _point(x, func)
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
