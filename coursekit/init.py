r"""Weight initialisation, and a diagnostic of how a signal travels through a deep stack.

A layer computes :math:`Z = A W` with ``W`` of shape ``(fan_in, fan_out)``: each of the
``fan_out`` units adds up ``fan_in`` weighted inputs. For independent inputs of variance
:math:`v` and independent zero-mean weights of variance :math:`s^2`,

.. math:: \operatorname{Var}[z] = \text{fan\_in} \cdot s^2 \cdot v ,

so the scale of the weights decides whether the pre-activations grow, shrink or keep
their size from one layer to the next. The initialisers choose :math:`s^2` to keep it
(the second argument of :math:`N(\cdot, \cdot)` is the *variance*):

* :func:`lecun_normal`:   :math:`N(0,\ 1/\text{fan\_in})`, the notes' choice;
* :func:`glorot_normal`:  :math:`N(0,\ 2/(\text{fan\_in} + \text{fan\_out}))`;
* :func:`glorot_uniform`: :math:`U(-l, l)` with :math:`l = \sqrt{6/(\text{fan\_in} + \text{fan\_out})}`,
  which has the same variance as Glorot normal;
* :func:`he_normal`:      :math:`N(0,\ 2/\text{fan\_in})`, for ReLU layers.

Each returns a new float64 array of shape ``(fan_in, fan_out)`` drawn from the ``rng``
it is given, so the same seed gives the same matrix. :func:`constant_init` and
:func:`normal_init` are the two naive choices the notebook starts from.

:func:`activation_stats` pushes a batch through a stack of layers and reports, per
layer, the mean and spread of the activations and the fraction of saturated units;
:func:`preactivations` returns the pre-activations themselves, for histograms.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from numbers import Integral
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from coursekit._docs import documented
from coursekit._validate import FloatArray, as_float_array, check_int, check_matrix_list, check_positive, check_rng
from coursekit.activations import logistic

__all__ = [
    "SATURATION_THRESHOLD",
    "activation_stats",
    "constant_init",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "lecun_normal",
    "normal_init",
    "preactivations",
]

#: A unit counts as saturated when its slope :math:`|f'(z)|` is below this fraction of
#: the activation's steepest slope (see :func:`activation_stats`).
SATURATION_THRESHOLD: float = 0.05

# |f'(z)| < 0.05 * max|f'| in closed form. tanh' = 1/cosh^2(z) (max 1) and
# sigmoid' = 1/(4 cosh^2(z/2)) (max 1/4), so both conditions read cosh^2(.) > 1/0.05 = 20.
_TANH_SATURATES_BEYOND = math.acosh(math.sqrt(1.0 / SATURATION_THRESHOLD))  # about 2.18
_SIGMOID_SATURATES_BEYOND = 2.0 * _TANH_SATURATES_BEYOND  # about 4.36

_NAMED_ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")


# ----------------------------------------------------------------------------- checks


def _check_shape(shape: Any, func: str) -> tuple[int, ...]:
    """Return ``shape`` as a tuple of positive ints (an int ``n`` means ``(n,)``), or raise."""
    if isinstance(shape, Integral) and not isinstance(shape, bool):
        shape = (shape,)
    if not isinstance(shape, tuple | list):
        raise TypeError(
            f"{func}: argument 'shape' must be a tuple of positive integers such as (3, 4), got {type(shape).__name__}"
        )
    if len(shape) == 0:
        raise ValueError(f"{func}: argument 'shape' must have at least one entry, got ()")
    return tuple(check_int(s, "shape", func, positive=True) for s in shape)


# ----------------------------------------------------------------------------- initialisers


def constant_init(shape: int | Sequence[int], value: float) -> FloatArray:
    """Every weight set to the same number: :math:`W_{ij} = c`.

    This is the initialisation *not* to use for hidden layers: all units of a layer then
    compute the same function of their input, receive the same gradient, and stay equal
    forever (the symmetry is never broken).

    Parameters
    ----------
    shape : int or tuple of int
        Shape of the result, e.g. ``(fan_in, fan_out)``.
    value : float
        The constant :math:`c`.

    Returns
    -------
    W : ndarray, shape ``shape``
        A new float64 array filled with ``value``.
    """
    func = "constant_init"
    dims = _check_shape(shape, func)
    c = float(as_float_array(value, "value", func, ndim=0))
    return np.full(dims, c, dtype=np.float64)


def normal_init(shape: int | Sequence[int], std: float, rng: np.random.Generator) -> FloatArray:
    r"""Independent Gaussian weights: :math:`W_{ij} \sim N(0, \sigma^2)`.

    Parameters
    ----------
    shape : int or tuple of int
        Shape of the result, e.g. ``(fan_in, fan_out)``.
    std : float
        The standard deviation :math:`\sigma \ge 0` (not the variance).
    rng : numpy.random.Generator
        Source of randomness; the draw is ``rng.normal(0.0, std, size=shape)``.

    Returns
    -------
    W : ndarray, shape ``shape``
    """
    func = "normal_init"
    dims = _check_shape(shape, func)
    sigma = check_positive(std, "std", func, allow_zero=True)
    check_rng(rng, func)
    return rng.normal(0.0, sigma, size=dims)


# The arguments and the result every fan-based initialiser shares (see coursekit._docs).
_FANS = "fan_in, fan_out : int\n    Number of inputs :math:`m` and outputs of the layer (both >= 1)."
_RNG = "rng : numpy.random.Generator\n    Source of randomness."
_LAYER_WEIGHTS = "W : ndarray, shape (fan_in, fan_out)"


def _fans(fan_in: Any, fan_out: Any, rng: Any, func: str) -> tuple[int, int]:
    """Check the arguments of a fan-based initialiser; return (fan_in, fan_out)."""
    n_in = check_int(fan_in, "fan_in", func, positive=True)
    n_out = check_int(fan_out, "fan_out", func, positive=True)
    check_rng(rng, func)
    return n_in, n_out


def _normal(fan_in: Any, fan_out: Any, rng: Any, func: str, variance: Callable[[int, int], float]) -> FloatArray:
    n_in, n_out = _fans(fan_in, fan_out, rng, func)
    return rng.normal(0.0, math.sqrt(variance(n_in, n_out)), size=(n_in, n_out))


@documented(params=[_FANS, _RNG], returns=_LAYER_WEIGHTS)
def lecun_normal(fan_in: int, fan_out: int, rng: np.random.Generator) -> FloatArray:
    r"""LeCun initialisation, the notes' choice: :math:`W_{ij} \sim N(0,\ 1/m)`, :math:`m` = fan_in.

    With unit-variance inputs, :math:`\operatorname{Var}[z_j] = m \cdot (1/m) = 1`: the
    pre-activations keep the scale of the inputs, whatever the layer's width.

    A slip in the notes: the text says "standard deviation (1/m)", while the formula
    :math:`\text{Gaussian}(0, 1/m)` (and the argument above) means *variance* :math:`1/m`,
    i.e. standard deviation :math:`1/\sqrt{m}`. A standard deviation of :math:`1/m` would
    give :math:`\operatorname{Var}[z] = 1/m`, shrinking the signal in every wide layer.

    The draw is ``rng.normal(0.0, sqrt(1/fan_in), size=(fan_in, fan_out))``.
    """
    return _normal(fan_in, fan_out, rng, "lecun_normal", lambda i, o: 1.0 / i)


@documented(params=[_FANS, _RNG], returns=_LAYER_WEIGHTS)
def glorot_normal(fan_in: int, fan_out: int, rng: np.random.Generator) -> FloatArray:
    r"""Glorot (Xavier) normal: :math:`W_{ij} \sim N(0,\ 2/(n_\text{in} + n_\text{out}))`.

    The forward pass keeps its scale when the variance is :math:`1/\text{fan\_in}`, the
    backward pass when it is :math:`1/\text{fan\_out}`; Glorot and Bengio (2010) take the
    harmonic mean of the two. Standard deviation :math:`\sqrt{2/(\text{fan\_in}+\text{fan\_out})}`.

    The draw is ``rng.normal(0.0, sqrt(2/(fan_in+fan_out)), size=(fan_in, fan_out))``.
    """
    return _normal(fan_in, fan_out, rng, "glorot_normal", lambda i, o: 2.0 / (i + o))


@documented(params=[_FANS, _RNG], returns=_LAYER_WEIGHTS)
def glorot_uniform(fan_in: int, fan_out: int, rng: np.random.Generator) -> FloatArray:
    r"""Glorot (Xavier) uniform: :math:`W_{ij} \sim U(-l, l)`, :math:`l=\sqrt{6/(n_\text{in}+n_\text{out})}`.

    Here :math:`n_\text{in}` = fan_in and :math:`n_\text{out}` = fan_out. A uniform law on
    :math:`[-l, l]` has variance :math:`l^2/3 = 2/(n_\text{in}+n_\text{out})`, the same as
    :func:`glorot_normal`, but no weight can lie far out in a tail.

    The draw is ``rng.uniform(-l, l, size=(fan_in, fan_out))``, so every entry lies in :math:`[-l, l)`.
    """
    n_in, n_out = _fans(fan_in, fan_out, rng, "glorot_uniform")
    limit = math.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-limit, limit, size=(n_in, n_out))


@documented(params=[_FANS, _RNG], returns=_LAYER_WEIGHTS)
def he_normal(fan_in: int, fan_out: int, rng: np.random.Generator) -> FloatArray:
    r"""He (Kaiming) normal: :math:`W_{ij} \sim N(0,\ 2/\text{fan\_in})`, for ReLU layers.

    A ReLU sets about half of its zero-mean inputs to zero, which halves the second
    moment passed on; doubling LeCun's variance makes up for it (He et al., 2015).
    Standard deviation :math:`\sqrt{2/\text{fan\_in}}`.

    The draw is ``rng.normal(0.0, sqrt(2/fan_in), size=(fan_in, fan_out))``.
    """
    return _normal(fan_in, fan_out, rng, "he_normal", lambda i, o: 2.0 / i)


# ----------------------------------------------------------------------------- diagnostics


def _named_layer(z: FloatArray, name: str) -> tuple[FloatArray, np.ndarray]:
    """Return (activation, saturated mask) for one of the named activations."""
    if name == "sigmoid":
        return logistic(z), np.abs(z) > _SIGMOID_SATURATES_BEYOND
    if name == "tanh":
        return np.tanh(z), np.abs(z) > _TANH_SATURATES_BEYOND
    if name == "relu":
        return np.maximum(z, 0.0), z <= 0.0
    return z.copy(), np.zeros(z.shape, dtype=bool)  # linear


_FD_STEP = 1e-4
_SLOPE_GRID = np.linspace(-10.0, 10.0, 4001)


def _apply(f: Callable[[FloatArray], Any], z: FloatArray, layer: int) -> FloatArray:
    """Call a user-supplied activation and check that it acted elementwise (layer 0: the probe grid)."""
    where = f"at layer {layer}" if layer else "on a 1-D test array of z values in [-10, 10]"
    out = as_float_array(f(z), f"activation (its output {where})", "activation_stats", finite=False)
    if out.shape != z.shape:
        raise ValueError(
            f"activation_stats: the activation must act elementwise and return an array of the "
            f"input's shape {z.shape}; {where} it returned shape {out.shape}"
        )
    return out


def _slope(f: Callable[[FloatArray], Any], z: FloatArray, layer: int) -> FloatArray:
    """Central-difference estimate of f'(z), elementwise."""
    return (_apply(f, z + _FD_STEP, layer) - _apply(f, z - _FD_STEP, layer)) / (2 * _FD_STEP)


def _check_stack(X: ArrayLike, weights: Any, activation: Any, func: str) -> tuple[FloatArray, list[FloatArray], float]:
    """Check the arguments of a stack; return (X, weight matrices, max |f'| for a callable f)."""
    A = as_float_array(X, "X", func, ndim=2)
    if A.size == 0:
        raise ValueError(f"{func}: argument 'X' must hold at least one sample and one feature, got shape {A.shape}")
    Ws = check_matrix_list(weights, func)
    n_prev, source = A.shape[1], f"X has {A.shape[1]} columns"
    for i, W in enumerate(Ws):
        if W.shape[1] == 0:
            raise ValueError(f"{func}: weights[{i}] has shape {W.shape}; a layer needs at least one unit")
        if W.shape[0] != n_prev:
            raise ValueError(
                f"{func}: weights[{i}] has shape {W.shape} but {source}; "
                f"it needs {n_prev} rows (shape ({n_prev}, n_out))"
            )
        n_prev, source = W.shape[1], f"weights[{i}] has {W.shape[1]} columns"

    if isinstance(activation, str):
        if activation not in _NAMED_ACTIVATIONS:
            raise ValueError(
                f"{func}: argument 'activation' must be one of {', '.join(map(repr, _NAMED_ACTIVATIONS))} "
                f"or a function, got {activation!r}"
            )
        max_slope = 0.0
    elif callable(activation):
        max_slope = float(np.max(np.abs(_slope(activation, _SLOPE_GRID, 0))))
    else:
        raise TypeError(
            f"{func}: argument 'activation' must be a name such as 'tanh' or a function, "
            f"got {type(activation).__name__}"
        )
    return A, Ws, max_slope


def _propagate(
    A: FloatArray, Ws: list[FloatArray], activation: str | Callable[[FloatArray], Any], max_slope: float
) -> Iterator[tuple[FloatArray, FloatArray, np.ndarray]]:
    """Yield (Z, A, saturated mask) layer by layer for an already checked stack."""
    # A stack with large weights can overflow float64; then the values become inf or nan
    # (the honest answer) rather than the computation printing a warning.
    for layer, W in enumerate(Ws, start=1):
        with np.errstate(over="ignore", invalid="ignore"):
            Z = A @ W
            if isinstance(activation, str):
                A, saturated = _named_layer(Z, activation)
            else:
                A = _apply(activation, Z, layer)
                saturated = np.abs(_slope(activation, Z, layer)) < SATURATION_THRESHOLD * max_slope
        yield Z, A, saturated


def activation_stats(
    X: ArrayLike,
    weights: Sequence[ArrayLike],
    activation: str | Callable[[FloatArray], FloatArray],
) -> list[dict[str, float]]:
    r"""Statistics of each layer's activations in a deep stack without biases.

    With :math:`A^0 = X`, layer :math:`l = 1, \dots, L` computes

    .. math:: Z^l = A^{l-1} W^l, \qquad A^l = f(Z^l),

    the same activation :math:`f` at every layer, the last one included (the stack
    stands for the hidden part of a network). There are no biases: at initialisation
    they are usually zero, and the question is what the weights alone do to the signal.

    A unit is *saturated* when its local slope is tiny compared with the steepest slope
    the activation has anywhere:

    .. math:: |f'(z)| < 0.05 \cdot \max_u |f'(u)|  \quad(\text{see } \texttt{SATURATION\_THRESHOLD}).

    Gradients flowing back through such a unit are multiplied by almost nothing.

    * ``"sigmoid"``: :math:`f' = \sigma(1-\sigma) \le 1/4`; saturated iff :math:`|z| > 4.36`.
    * ``"tanh"``: :math:`f' = 1-\tanh^2 \le 1`; saturated iff :math:`|z| > 2.18`.
    * ``"relu"``: :math:`f'(z) = 0` for :math:`z \le 0` (the course takes ``relu_grad(0) = 0``),
      so the saturated fraction is the fraction of outputs that are exactly zero:
      "dead" units, which pass no gradient at all.
    * ``"linear"``: :math:`f(z) = z` never saturates (fraction 0).
    * a callable ``f``: it must act elementwise on an array; :math:`f'` is estimated by
      central differences (step 1e-4) and :math:`\max_u |f'(u)|` over :math:`u \in [-10, 10]`.

    Parameters
    ----------
    X : array_like, shape (N, n_0)
        A batch of N inputs (samples are rows).
    weights : sequence of array_like, shapes (n_0, n_1), (n_1, n_2), ..., (n_{L-1}, n_L)
        The weight matrices, first layer first.
    activation : {"sigmoid", "tanh", "relu", "linear"} or callable
        The nonlinearity applied after every layer.

    Returns
    -------
    stats : list of dict, length L
        ``stats[l-1]`` describes layer ``l`` with float values under the keys

        * ``"mean"``: mean of all entries of :math:`A^l` (shape (N, n_l)),
        * ``"std"``: their standard deviation (population, ``ddof=0``),
        * ``"saturated"``: fraction of entries of :math:`Z^l` at which the unit is saturated,
        * ``"z_std"``: standard deviation of the pre-activations :math:`Z^l`.

        If the signal overflows float64 in a deep stack with large weights, the affected
        values are ``inf`` or ``nan`` (no warning is printed).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((500, 100))
    >>> Ws = [lecun_normal(100, 100, rng) for _ in range(5)]
    >>> stats = activation_stats(X, Ws, "linear")
    >>> round(stats[-1]["z_std"], 1)  # variance 1/fan_in keeps the scale: about 1
    1.0
    """
    A, Ws, max_slope = _check_stack(X, weights, activation, "activation_stats")

    stats: list[dict[str, float]] = []
    for Z, A_l, saturated in _propagate(A, Ws, activation, max_slope):
        with np.errstate(over="ignore", invalid="ignore"):
            a_mean, a_std = _moments(A_l)
            z_std = _moments(Z)[1]
        stats.append({"mean": a_mean, "std": a_std, "saturated": float(np.mean(saturated)), "z_std": z_std})
    return stats


def _moments(x: FloatArray) -> tuple[float, float]:
    """Mean and population std of all entries, without overflow for huge finite values."""
    scale = float(np.max(np.abs(x)))
    if scale == 0.0:
        return 0.0, 0.0
    if not np.isfinite(scale):
        return float(np.mean(x)), float(np.std(x))
    y = x / scale
    return scale * float(np.mean(y)), scale * float(np.std(y))


def preactivations(
    X: ArrayLike,
    weights: Sequence[ArrayLike],
    activation: str | Callable[[FloatArray], FloatArray],
) -> list[FloatArray]:
    r"""The pre-activations :math:`Z^1, \dots, Z^L` of the stack of :func:`activation_stats`.

    :math:`A^0 = X`, :math:`Z^l = A^{l-1} W^l`, :math:`A^l = f(Z^l)`; for histograms of
    what each layer feeds into its nonlinearity.

    Parameters
    ----------
    X : array_like, shape (N, n_0)
        A batch of N inputs (samples are rows).
    weights : sequence of array_like, shapes (n_0, n_1), ..., (n_{L-1}, n_L)
        The weight matrices, first layer first.
    activation : {"sigmoid", "tanh", "relu", "linear"} or callable
        The nonlinearity applied after every layer, as in :func:`activation_stats`.

    Returns
    -------
    Zs : list of ndarray, length L
        ``Zs[l-1]`` has shape (N, n_l); new arrays (the inputs are not modified).
    """
    A, Ws, max_slope = _check_stack(X, weights, activation, "preactivations")
    return [Z for Z, _, _ in _propagate(A, Ws, activation, max_slope)]
