r"""Forward-mode automatic differentiation (notebook 04): dual numbers carry a derivative along with each value.

See :mod:`coursekit.autodiff` for the two modes side by side.
"""

from __future__ import annotations

import math

import numpy as np

from coursekit._autodiff_values import (
    _NODES,
    _as_exponent,
    _check_base,
    _check_divisor,
    _check_power,
    _exp_value,
    _is_real_number,
    _log_value,
    _Node,
    _power_slope,
    _power_value,
)

__all__ = ["Dual"]

# ---------------------------------------------------------------------------
# Forward mode
# ---------------------------------------------------------------------------


def _dual_operand(x: object, op: str) -> Dual | None:
    """A Dual for ``x`` (numbers become constants with derivative 0), or None if unsupported."""
    if isinstance(x, Dual):
        return x
    if isinstance(x, _Node):  # the other kind of node: a Var
        raise TypeError(f"Dual {op} Var: forward mode (Dual) and reverse mode (Var) cannot be mixed")
    if _is_real_number(x):
        return Dual._make(float(x), 0.0)  # type: ignore[arg-type]
    return None


class Dual(_Node):
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
        if isinstance(other, _Node):  # a Var
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
