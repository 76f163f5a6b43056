"""Activation functions and their derivatives (notebook 02, "activations").

Every function here is elementwise on an array of any shape, except
:func:`softmax` (which normalises along one axis) and :func:`softmax_jacobian`
(a vector in, a matrix out). Inputs may be Python numbers, lists or numpy arrays
of a real dtype; outputs are always float64 ``numpy.ndarray`` objects of the
input's shape (0-d for a scalar input).

Conventions at the kinks, fixed once for the whole course:

* ``step(0) = 1``, as in the lecture notes (``step(z) = 0`` if ``z < 0``, else 1);
* every derivative takes its *left* branch at ``z = 0``, so ``relu_grad(0) = 0``,
  ``leaky_relu_grad(0) = alpha``, ``elu_grad(0) = alpha`` and
  ``selu_grad(0) = SELU_LAMBDA * SELU_ALPHA`` (the values PyTorch returns too).

None of the stable functions can overflow: :func:`sigmoid` only ever evaluates
``exp`` of a non-positive number, :func:`softmax` subtracts the maximum first,
and :func:`elu` / :func:`selu` call ``expm1`` on the clipped negative part. The
deliberately naive :func:`naive_sigmoid` and :func:`naive_softmax` exist only so
that the notebook can show what goes wrong without those precautions.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from numpy.typing import ArrayLike

from coursekit._docs import documented
from coursekit._validate import FloatArray, as_float_array, check_positive

__all__ = [
    "SELU_ALPHA",
    "SELU_LAMBDA",
    "elu",
    "elu_grad",
    "leaky_relu",
    "leaky_relu_grad",
    "logistic",
    "logistic_fast",
    "naive_sigmoid",
    "naive_softmax",
    "relu",
    "relu_grad",
    "selu",
    "selu_grad",
    "sigmoid",
    "sigmoid_grad",
    "sigmoid_steep",
    "softmax",
    "softmax_jacobian",
    "step",
    "tanh",
    "tanh_grad",
]

#: SELU's scale lambda (Klambauer et al., 2017, "Self-Normalizing Neural Networks").
SELU_LAMBDA: float = 1.0507009873554804934193349852946
#: SELU's alpha (Klambauer et al., 2017).
SELU_ALPHA: float = 1.6732632423543772848170429916717


def _out(values: ArrayLike) -> FloatArray:
    """Return ``values`` as a float64 ndarray (ufuncs turn 0-d arrays into scalars)."""
    return np.asarray(values, dtype=np.float64)


def _exp_neg_abs(z: FloatArray) -> FloatArray:
    """Return ``exp(-|z|)``, which lies in (0, 1] and never overflows."""
    return np.exp(-np.abs(z))


# The arguments and the result every elementwise function shares (see coursekit._docs).
_Z = "z : array_like, any shape\n    Pre-activations (the derivatives too take z, not the activation)."
_ALPHA_LEAKY = "alpha : float\n    Slope on the negative side, ``>= 0``."
_ALPHA_ELU = "alpha : float\n    Saturation level on the negative side (``elu -> -alpha``), ``>= 0``."
_SAME = "ndarray, same shape as ``z``"


# ---------------------------------------------------------------------------
# The functions
# ---------------------------------------------------------------------------


@documented(params=[_Z], returns=_SAME + "\n    0.0 where ``z < 0`` and 1.0 elsewhere (so ``step(0) = 1``).")
def step(z: ArrayLike) -> FloatArray:
    r"""Heaviside step, elementwise: :math:`\mathrm{step}(z) = 0` if :math:`z < 0`, else 1."""
    z = as_float_array(z, "z", "step")
    return _out(np.where(z < 0, 0.0, 1.0))


@documented(params=[_Z], returns=_SAME)
def relu(z: ArrayLike) -> FloatArray:
    r"""Rectified linear unit, elementwise: :math:`\mathrm{ReLU}(z) = \max(0, z)`."""
    z = as_float_array(z, "z", "relu")
    return _out(np.maximum(z, 0.0))


@documented(
    params=[_Z],
    returns=_SAME
    + "\n    Values in [0, 1] (strictly inside unless ``|z|`` is so large that the result rounds to 0 or 1).",
)
def sigmoid(z: ArrayLike) -> FloatArray:
    r"""Logistic sigmoid, elementwise: :math:`\sigma(z) = 1 / (1 + e^{-z})`.

    Computed without overflow for any finite ``z``: with :math:`e = e^{-|z|} \in (0, 1]`,
    :math:`\sigma(z) = 1/(1+e)` for :math:`z \ge 0` and :math:`e/(1+e)` for :math:`z < 0`.
    """
    return logistic(as_float_array(z, "z", "sigmoid"))


def logistic(z: FloatArray) -> FloatArray:
    """The sigmoid of an already checked float array, computed stably: only ``exp(-|z|)`` is evaluated.

    What every module of the course that needs a sigmoid inside its own computation calls
    (:func:`sigmoid` checks its input, then calls this). ``z = +-inf`` gives 1 / 0.
    """
    e = _exp_neg_abs(z)
    return _out(np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)))


def logistic_fast(z: FloatArray) -> FloatArray:
    r"""The sigmoid as :math:`\sigma(z) = (1 + \tanh(z/2)) / 2`, for a training loop's gradients.

    The same function as :func:`logistic` (an exact identity; it cannot overflow) and several times
    faster, but its error is absolute (about 1e-16) rather than relative: fine for a gradient
    ``sigma(z) - y``, not for a probability near 0 whose logarithm is taken. ``z`` is already checked.
    """
    t = np.tanh(0.5 * z)
    t += 1.0
    t *= 0.5
    return t


@documented(params=[_Z], returns=_SAME)
def tanh(z: ArrayLike) -> FloatArray:
    r"""Hyperbolic tangent, elementwise: :math:`\tanh(z) = (e^{z} - e^{-z}) / (e^{z} + e^{-z})`.

    Equivalently :math:`\tanh(z) = 2\sigma(2z) - 1`. Values lie in (-1, 1). Computed as
    :math:`\operatorname{sign}(z)\,(1 - e)/(1 + e)` with :math:`e = e^{-2|z|}` and :math:`1 - e` as
    ``-expm1(-2|z|)``: no overflow for large :math:`|z|`, and full relative precision near 0, where
    the identity with the sigmoid (or :math:`1 - e` written as a subtraction) cancels.
    """
    z = as_float_array(z, "z", "tanh")
    a = -2.0 * np.abs(z)  # <= 0: exp(a) cannot overflow, and expm1(a) does not cancel near 0
    return _out(np.sign(z) * -np.expm1(a) / (1.0 + np.exp(a)))


@documented(params=[_Z, _ALPHA_LEAKY], returns=_SAME)
def leaky_relu(z: ArrayLike, alpha: float = 0.01) -> FloatArray:
    r"""Leaky ReLU, elementwise: :math:`z` if :math:`z > 0`, else :math:`\alpha z`.

    For :math:`0 \le \alpha \le 1` this equals :math:`\max(\alpha z, z)`. PReLU is the
    same function with :math:`\alpha` learned by gradient descent instead of fixed.
    """
    z = as_float_array(z, "z", "leaky_relu")
    alpha = check_positive(alpha, "alpha", "leaky_relu", allow_zero=True)
    return _out(np.where(z > 0, z, alpha * z))


@documented(params=[_Z, _ALPHA_ELU], returns=_SAME)
def elu(z: ArrayLike, alpha: float = 1.0) -> FloatArray:
    r"""Exponential linear unit, elementwise: :math:`z` if :math:`z > 0`, else :math:`\alpha(e^{z} - 1)`.

    ``expm1`` is applied to :math:`\min(z, 0)` only, so large positive ``z`` cannot overflow
    and small negative ``z`` keeps full relative precision.
    """
    z = as_float_array(z, "z", "elu")
    alpha = check_positive(alpha, "alpha", "elu", allow_zero=True)
    return _out(np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0.0))))


@documented(params=[_Z], returns=_SAME)
def selu(z: ArrayLike) -> FloatArray:
    r"""Scaled ELU, elementwise: :math:`\lambda z` if :math:`z > 0`, else :math:`\lambda\alpha(e^{z} - 1)`.

    :math:`\lambda` = :data:`SELU_LAMBDA` :math:`\approx 1.0507` and :math:`\alpha` =
    :data:`SELU_ALPHA` :math:`\approx 1.6733` are chosen so that a standard normal input gives
    an output of mean 0 and variance 1 (Klambauer et al., 2017).
    """
    z = as_float_array(z, "z", "selu")
    neg = SELU_ALPHA * np.expm1(np.minimum(z, 0.0))
    return _out(SELU_LAMBDA * np.where(z > 0, z, neg))


def _check_axis(axis: object, ndim: int, func: str) -> int:
    if isinstance(axis, bool) or not isinstance(axis, Integral):
        raise TypeError(f"{func}: argument 'axis' must be an int, got {type(axis).__name__}")
    axis = int(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"{func}: argument 'axis' is {axis}, but 'z' has only {ndim} dimension(s)")
    return axis


def softmax(z: ArrayLike, axis: int = -1) -> FloatArray:
    r"""Softmax along one axis: :math:`p_i = e^{z_i} / \sum_j e^{z_j}`.

    Computed as :math:`e^{z_i - m} / \sum_j e^{z_j - m}` with :math:`m = \max_j z_j`, which is
    the same number (the factor :math:`e^{-m}` cancels) but never overflows: every exponent
    is :math:`\le 0` and the denominator is at least 1.

    Parameters
    ----------
    z : array_like, shape (..., n, ...) with at least one dimension
        Logits; ``n >= 1`` entries along ``axis``.
    axis : int
        The axis that is normalised (default: the last one, i.e. one row per sample).

    Returns
    -------
    ndarray, same shape as ``z``
        Positive entries summing to 1 along ``axis``.
    """
    z = as_float_array(z, "z", "softmax")
    if z.ndim == 0:
        raise ValueError("softmax: argument 'z' must have at least 1 dimension, got a scalar")
    axis = _check_axis(axis, z.ndim, "softmax")
    if z.shape[axis] == 0:
        raise ValueError(f"softmax: argument 'z' has no entries along axis {axis} (shape {z.shape})")
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return _out(e / np.sum(e, axis=axis, keepdims=True))


def sigmoid_steep(z: ArrayLike, k: float) -> FloatArray:
    r"""Sigmoid with steepness (inverse temperature) ``k``: :math:`\sigma(k z)`.

    As :math:`k \to \infty` this tends to the step function (except at :math:`z = 0`,
    where it stays 1/2); :math:`k = 1` is the ordinary sigmoid.

    Parameters
    ----------
    z : array_like, any shape
        Pre-activations.
    k : float
        Steepness, ``>= 0``.

    Returns
    -------
    ndarray, same shape as ``z``
    """
    z = as_float_array(z, "z", "sigmoid_steep")
    k = check_positive(k, "k", "sigmoid_steep", allow_zero=True)
    with np.errstate(over="ignore"):  # k * z = +-inf is harmless: sigma(+-inf) = 1 or 0
        kz = k * z
    return logistic(kz)


# ---------------------------------------------------------------------------
# Deliberately unstable versions, for the notebook's demonstration only
# ---------------------------------------------------------------------------


@documented(params=[_Z], returns=_SAME)
def naive_sigmoid(z: ArrayLike) -> FloatArray:
    r"""The textbook formula :math:`1 / (1 + e^{-z})` evaluated literally. DELIBERATELY UNSTABLE.

    For :math:`z < -709.78` the intermediate :math:`e^{-z}` overflows to ``inf`` and numpy
    emits ``RuntimeWarning: overflow encountered in exp`` (the result, 0, happens to be
    right, but the warning alone scores an nbgrader test cell zero). Use :func:`sigmoid`.
    """
    z = as_float_array(z, "z", "naive_sigmoid")
    return _out(1.0 / (1.0 + np.exp(-z)))


def naive_softmax(z: ArrayLike, axis: int = -1) -> FloatArray:
    r"""The textbook formula :math:`e^{z_i} / \sum_j e^{z_j}` evaluated literally. DELIBERATELY UNSTABLE.

    For logits above about 709.78, :math:`e^{z}` overflows to ``inf`` and ``inf / inf`` gives
    ``nan`` (numpy warns about the overflow and the invalid division): for example
    ``naive_softmax([1000, 1001])`` is ``[nan, nan]``. Use :func:`softmax`.

    Parameters
    ----------
    z : array_like, shape (..., n, ...) with at least one dimension
        Logits.
    axis : int
        The axis that is normalised.

    Returns
    -------
    ndarray, same shape as ``z``
    """
    z = as_float_array(z, "z", "naive_softmax")
    if z.ndim == 0:
        raise ValueError("naive_softmax: argument 'z' must have at least 1 dimension, got a scalar")
    axis = _check_axis(axis, z.ndim, "naive_softmax")
    e = np.exp(z)
    return _out(e / np.sum(e, axis=axis, keepdims=True))


# ---------------------------------------------------------------------------
# Derivatives (left branch at the kinks)
# ---------------------------------------------------------------------------


@documented(params=[_Z], returns=_SAME)
def relu_grad(z: ArrayLike) -> FloatArray:
    r"""Derivative of ReLU, elementwise: 1 if :math:`z > 0`, else 0 (so ``relu_grad(0) = 0``)."""
    z = as_float_array(z, "z", "relu_grad")
    return _out(np.where(z > 0, 1.0, 0.0))


@documented(params=[_Z], returns=_SAME + "\n    Values in [0, 1/4].")
def sigmoid_grad(z: ArrayLike) -> FloatArray:
    r"""Derivative of the sigmoid, elementwise: :math:`\sigma'(z) = \sigma(z)\,(1 - \sigma(z))`.

    Evaluated as :math:`e / (1 + e)^2` with :math:`e = e^{-|z|}` (it is an even function),
    which keeps full relative precision in the tails where :math:`1 - \sigma(z)` would
    cancel. The maximum is :math:`\sigma'(0) = 1/4`.
    """
    z = as_float_array(z, "z", "sigmoid_grad")
    e = _exp_neg_abs(z)
    return _out(e / (1.0 + e) ** 2)


@documented(params=[_Z], returns=_SAME + "\n    Values in [0, 1].")
def tanh_grad(z: ArrayLike) -> FloatArray:
    r"""Derivative of tanh, elementwise: :math:`\tanh'(z) = 1 - \tanh^2(z) = \mathrm{sech}^2(z)`.

    Evaluated as :math:`4e / (1 + e)^2` with :math:`e = e^{-2|z|}`, which neither overflows
    (unlike ``1 / cosh(z)**2``) nor cancels to exactly 0 in the tails (unlike
    ``1 - tanh(z)**2``). The maximum is :math:`\tanh'(0) = 1`.
    """
    z = as_float_array(z, "z", "tanh_grad")
    e = np.exp(-2.0 * np.abs(z))
    return _out(4.0 * e / (1.0 + e) ** 2)


@documented(params=[_Z, _ALPHA_LEAKY], returns=_SAME)
def leaky_relu_grad(z: ArrayLike, alpha: float = 0.01) -> FloatArray:
    r"""Derivative of leaky ReLU, elementwise: 1 if :math:`z > 0`, else :math:`\alpha`."""
    z = as_float_array(z, "z", "leaky_relu_grad")
    alpha = check_positive(alpha, "alpha", "leaky_relu_grad", allow_zero=True)
    return _out(np.where(z > 0, 1.0, alpha))


@documented(params=[_Z, _ALPHA_ELU], returns=_SAME)
def elu_grad(z: ArrayLike, alpha: float = 1.0) -> FloatArray:
    r"""Derivative of ELU, elementwise: 1 if :math:`z > 0`, else :math:`\alpha e^{z}`."""
    z = as_float_array(z, "z", "elu_grad")
    alpha = check_positive(alpha, "alpha", "elu_grad", allow_zero=True)
    return _out(np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0.0))))


@documented(params=[_Z], returns=_SAME)
def selu_grad(z: ArrayLike) -> FloatArray:
    r"""Derivative of SELU, elementwise: :math:`\lambda` if :math:`z > 0`, else :math:`\lambda\alpha e^{z}`."""
    z = as_float_array(z, "z", "selu_grad")
    return _out(SELU_LAMBDA * np.where(z > 0, 1.0, SELU_ALPHA * np.exp(np.minimum(z, 0.0))))


def softmax_jacobian(z: ArrayLike) -> FloatArray:
    r"""Jacobian of the softmax of one vector: :math:`J_{ij} = \partial p_i / \partial z_j`.

    :math:`J_{ij} = p_i(\delta_{ij} - p_j)`, where :math:`\delta_{ij}` is 1 if :math:`i = j`, else 0.

    In matrix form :math:`J = \mathrm{diag}(p) - p\,p^{\mathsf T}` with :math:`p = \mathrm{softmax}(z)`.
    It is symmetric, and each row and column sums to 0 (the outputs always sum to 1).

    Parameters
    ----------
    z : array_like, shape (n,)
        Logits of one sample, ``n >= 1``.

    Returns
    -------
    ndarray, shape (n, n)
    """
    z = as_float_array(z, "z", "softmax_jacobian", ndim=1)
    if z.shape[0] == 0:
        raise ValueError("softmax_jacobian: argument 'z' must have at least one entry, got shape (0,)")
    p = softmax(z)
    return _out(np.diag(p) - np.outer(p, p))
