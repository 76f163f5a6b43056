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
from collections.abc import Callable
from functools import reduce
from typing import Any

import numpy as np

from coursekit._autodiff_values import _BOOL, _NODES, _NOT_NODES, Value, _clean, _elementwise, _exp_value, _log_value
from coursekit._validate import as_float_array
from coursekit.derivatives import grad_forward, grad_reverse, jacobian_forward, jacobian_reverse, jvp, vjp
from coursekit.forward_mode import Dual
from coursekit.reverse_mode import Var, topological_order

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


def _dispatching(name: str, plain: Callable[[Value], Value], doc: str) -> Callable[[Any], Any]:
    """The module function ``name``: a node's method of that name, else ``plain`` of the checked value."""

    def function(x: Any) -> Any:
        if (method := _method(x, name)) is not None:
            return method()
        return plain(_plain(x, name))

    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    return function


exp = _dispatching(
    "exp",
    lambda v: _exp_value(v, "exp"),
    r"Exponential :math:`e^x` of a Dual, a Var, a number or an array (dispatches on the type).",
)
log = _dispatching(
    "log",
    lambda v: _log_value(v, "log"),
    r"Natural logarithm :math:`\log x`, :math:`x > 0`, of a Dual, a Var, a number or an array.",
)
sin = _dispatching(
    "sin", lambda v: _elementwise(v, math.sin, np.sin), r":math:`\sin x` of a Dual, a Var, a number or an array."
)
cos = _dispatching(
    "cos", lambda v: _elementwise(v, math.cos, np.cos), r":math:`\cos x` of a Dual, a Var, a number or an array."
)
tanh = _dispatching(
    "tanh", lambda v: _elementwise(v, math.tanh, np.tanh), r":math:`\tanh x` of a Dual, a Var, a number or an array."
)
relu = _dispatching(
    "relu",
    lambda v: max(v, 0.0) if type(v) is float else _clean(np.maximum(v, 0.0)),
    r":math:`\max(0, x)` of a Dual, a Var, a number or an array (slope 0 at 0).",
)


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
