r"""Gradient checking: compare a hand-written gradient with central differences.

The central difference

.. math::

    \frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h}

has truncation error :math:`O(h^2)` (the :math:`f''` terms cancel), against
:math:`O(h)` for the one-sided :math:`(f(x + h e_i) - f(x))/h`. Rounding adds
an error of about :math:`\varepsilon |f| / h` (:math:`\varepsilon \approx
2.2\times10^{-16}`), so :math:`h = 10^{-5}` balances the two in float64 and a
correct gradient typically agrees to 1e-8 or better, measured with
:func:`relative_error`. Near a kink (ReLU at 0, hinge at margin 1) the
difference straddles the kink and the comparison means nothing, which is why
checks use random inputs.

:func:`check_module_gradients` runs the whole check on a
:class:`coursekit.modules.Module` (a layer or a ``Sequential``): every weight
array and the input, in one readable report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from coursekit._validate import FloatArray, as_float_array, check_positive, check_rng, check_same_shape
from coursekit.modules import LossModule, Module

__all__ = [
    "numerical_gradient",
    "relative_error",
    "GradCheckEntry",
    "GradCheckReport",
    "check_module_gradients",
]

_TINY = float(np.finfo(np.float64).tiny)


def _scalar_output(value: Any, func: str) -> float:
    if isinstance(value, bool) or value is None:
        raise TypeError(f"{func}: f must return a real number, got {type(value).__name__}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{func}: f must return a real number, got {type(value).__name__}") from None
    if arr.size != 1:
        raise ValueError(f"{func}: f must return a single number (a scalar loss), got an array of shape {arr.shape}")
    out = float(arr.reshape(()))
    if not np.isfinite(out):
        raise ValueError(f"{func}: f returned {out} (not finite) near the point x")
    return out


def numerical_gradient(f: Callable[[FloatArray], Any], x: ArrayLike, h: float = 1e-5) -> FloatArray:
    r"""Gradient of a scalar function by central differences.

    .. math::

        g_i = \frac{f(x + h e_i) - f(x - h e_i)}{2h}, \qquad i \text{ over every entry of } x.

    If ``x`` is a float64 numpy array, each entry is changed in place, ``f(x)``
    is called, and the entry is put back (also when ``f`` raises), so ``x``
    is bit-for-bit unchanged afterwards. That is what lets ``f`` ignore its
    argument and read a module's weights instead::

        numerical_gradient(lambda _: loss_of_network(), layer.W)

    Any other input (a number, a list, an integer array) is first copied into a
    new float64 array, which is what ``f`` then receives.

    Parameters
    ----------
    f : callable
        ``f(x)`` returns a real number (a Python float, or an array of size 1).
    x : array_like, any shape
        The point at which to differentiate.
    h : float
        Step size, > 0.

    Returns
    -------
    ndarray, shape of ``x``
        The estimate of :math:`\partial f / \partial x` (float64).
    """
    func = "numerical_gradient"
    if not callable(f):
        raise TypeError(f"{func}: argument 'f' must be callable, got {type(f).__name__}")
    step = check_positive(h, "h", func)
    if isinstance(x, np.ndarray) and x.dtype == np.float64:
        if not x.flags.writeable:
            raise ValueError(
                f"{func}: argument 'x' is a read-only array; it is perturbed in place, pass a writable copy"
            )
        as_float_array(x, "x", func)  # finiteness check only
        point = x
    else:
        point = as_float_array(x, "x", func).copy()
    grad = np.zeros(point.shape, dtype=np.float64)
    for idx in np.ndindex(point.shape):
        old = point[idx]
        try:
            point[idx] = old + step
            f_plus = _scalar_output(f(point), func)
            point[idx] = old - step
            f_minus = _scalar_output(f(point), func)
        finally:
            point[idx] = old
        grad[idx] = (f_plus - f_minus) / (2.0 * step)
    return grad


def relative_error(a: ArrayLike, b: ArrayLike) -> float:
    r"""Largest difference of two arrays relative to their size.

    .. math::

        \operatorname{rel}(a, b) = \frac{\max_i |a_i - b_i|}
                                  {\max\bigl(\max_i (|a_i| + |b_i|),\ \text{tiny}\bigr)}

    where tiny is the smallest positive normal float64, so two zero arrays give
    0 instead of 0/0. The result lies in :math:`[0, 1]`, is symmetric in ``a``
    and ``b``, and does not change when both are scaled by the same nonzero
    number. Normalising by the largest entry rather than entry by entry means
    that tiny gradient entries (which central differences cannot get to many
    relative digits) do not raise false alarms. As a rule of thumb for float64
    gradient checks: below 1e-7 is right, above 1e-4 is a bug.

    Parameters
    ----------
    a, b : array_like, same shape
        Typically an analytic and a numerical gradient.

    Returns
    -------
    float
        0.0 for two empty arrays.
    """
    func = "relative_error"
    x = as_float_array(a, "a", func)
    y = as_float_array(b, "b", func)
    check_same_shape(x, y, "a", "b", func)
    if x.size == 0:
        return 0.0
    num = float(np.max(np.abs(x - y)))
    den = max(float(np.max(np.abs(x) + np.abs(y))), _TINY)
    return num / den


@dataclass(frozen=True)
class GradCheckEntry:
    """One compared array: its name, shape and relative error (see :func:`relative_error`)."""

    name: str
    shape: tuple[int, ...]
    error: float


@dataclass(frozen=True)
class GradCheckReport:
    """What :func:`check_module_gradients` found, one entry per checked array.

    Attributes
    ----------
    entries : tuple of GradCheckEntry
        The input first (``"input"``), then every parameter in ``params()`` order.
    tol : float
        An entry passes when its relative error is at most ``tol``.
    h : float
        The finite-difference step used.
    """

    entries: tuple[GradCheckEntry, ...]
    tol: float
    h: float

    @property
    def ok(self) -> bool:
        """True when every entry's relative error is at most ``tol``."""
        return all(e.error <= self.tol for e in self.entries)

    @property
    def errors(self) -> dict[str, float]:
        """Relative error by name."""
        return {e.name: e.error for e in self.entries}

    @property
    def worst(self) -> GradCheckEntry:
        """The entry with the largest relative error."""
        return max(self.entries, key=lambda e: e.error)

    def __str__(self) -> str:
        width = max(len("array"), *(len(e.name) for e in self.entries))
        shape_w = max(len("shape"), *(len(str(e.shape)) for e in self.entries))
        lines = [
            f"gradient check: central differences with h={self.h:g}, pass if relative error <= {self.tol:g}",
            f"{'array':<{width}}  {'shape':<{shape_w}}  relative error  ok",
        ]
        for e in self.entries:
            mark = "yes" if e.error <= self.tol else "NO"
            lines.append(f"{e.name:<{width}}  {e.shape!s:<{shape_w}}  {e.error:>14.2e}  {mark}")
        verdict = "all gradients agree" if self.ok else f"FAILED: worst is {self.worst.name}"
        lines.append(verdict)
        return "\n".join(lines)


def check_module_gradients(
    module: Module,
    X: ArrayLike,
    *,
    loss: LossModule | None = None,
    target: ArrayLike | None = None,
    rng: np.random.Generator | None = None,
    h: float = 1e-5,
    tol: float = 1e-6,
) -> GradCheckReport:
    r"""Check a module's backward pass (input and every weight) against central differences.

    The scalar being differentiated is

    * with ``loss`` given: ``loss.forward(module.forward(X), target)``, seeded
      by ``loss.backward()``;
    * otherwise a random linear functional :math:`L = \sum_{n,k} R_{nk}\, v_{nk}`
      of the output :math:`v`, with :math:`R` drawn from ``rng`` (standard
      normal). Its gradient with respect to :math:`v` is just :math:`R`, so the
      check exercises every entry of the output with a different weight, which
      catches transposed or mis-summed gradients that a plain ``sum`` would miss.

    The analytic gradients come from one ``module.backward``; the numerical ones
    from :func:`numerical_gradient`, perturbing a copy of ``X`` and the module's
    own weight arrays (which are restored exactly). At the end the module is
    run forward and backward once more at ``X``, so its caches and ``grads()``
    hold the values of this check's loss. Nothing is printed: ``print(report)``
    shows a table.

    Parameters
    ----------
    module : Module
        A layer or a ``Sequential``.
    X : array_like
        Input, shape accepted by ``module.forward`` (e.g. (N, n_in)).
    loss : LossModule, optional
        E.g. ``SoftmaxCrossEntropy()``; needs ``target``.
    target : array_like, optional
        The loss's second argument (labels or targets).
    rng : numpy.random.Generator, optional
        Needed when ``loss`` is not given.
    h : float
        Finite-difference step.
    tol : float
        Largest relative error that passes.

    Returns
    -------
    GradCheckReport
    """
    func = "check_module_gradients"
    if not isinstance(module, Module):
        raise TypeError(f"{func}: argument 'module' must be a coursekit.modules.Module, got {type(module).__name__}")
    x0 = as_float_array(X, "X", func).copy()
    step = check_positive(h, "h", func)
    tolerance = check_positive(tol, "tol", func)
    if loss is None:
        if rng is None:
            raise TypeError(f"{func}: give either 'loss' (with 'target') or 'rng' (for a random linear test loss)")
        check_rng(rng, func)
        R = rng.standard_normal(np.shape(module.forward(x0)))

        def scalar_loss(v: FloatArray) -> float:
            return float(np.sum(R * v))

        def seed() -> FloatArray:
            return R

    else:
        if not isinstance(loss, LossModule):
            raise TypeError(
                f"{func}: argument 'loss' must be a coursekit.modules.LossModule "
                f"(e.g. SoftmaxCrossEntropy()), "
                f"got {type(loss).__name__}"
            )
        if target is None:
            raise TypeError(f"{func}: argument 'target' is needed together with 'loss'")
        loss_module = loss

        def scalar_loss(v: FloatArray) -> float:
            return loss_module.forward(v, target)

        def seed() -> FloatArray:
            return loss_module.backward()

    def analytic() -> tuple[FloatArray, list[FloatArray]]:
        scalar_loss(module.forward(x0))
        dX = np.asarray(module.backward(seed()), dtype=np.float64)
        return dX, [np.array(g, dtype=np.float64) for g in module.grads()]

    dX, grads = analytic()
    num_dX = numerical_gradient(lambda x: scalar_loss(module.forward(x)), x0.copy(), step)
    entries = [GradCheckEntry("input", x0.shape, _compare(dX, num_dX, "input"))]
    for name, p, g in zip(module.param_names(), module.params(), grads, strict=True):
        num = numerical_gradient(lambda _: scalar_loss(module.forward(x0)), p, step)
        entries.append(GradCheckEntry(name, p.shape, _compare(g, num, name)))
    analytic()
    return GradCheckReport(entries=tuple(entries), tol=tolerance, h=step)


def _compare(analytic: FloatArray, numeric: FloatArray, name: str) -> float:
    if analytic.shape != numeric.shape:
        raise ValueError(
            f"check_module_gradients: the backward pass gave '{name}' gradient of shape {analytic.shape}, "
            f"but '{name}' has shape {numeric.shape}"
        )
    if not np.all(np.isfinite(analytic)):
        return float("inf")
    return relative_error(analytic, numeric)
