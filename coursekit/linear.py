"""Linear layers collapse; a nonlinearity between them does not (notebook 01).

Conventions (see ``docs/architecture.md``): samples are rows, a layer computes
``Z = A @ W + b`` with ``W`` of shape ``(n_in, n_out)`` and ``b`` of shape
``(n_out,)``. This is the notes' ``Z = W^T A + W_0`` for one column vector,
written for a batch of rows.

The six functions are the reference solutions of the notebook's exercises:

* :func:`collapse_linear` and :func:`linear_network`: a stack of linear layers
  is one linear layer, ``X W_1 W_2 ... W_L = X (W_1 W_2 ... W_L)``;
* :func:`relu_network`: ReLU between the layers stops the collapse;
* :func:`least_squares_fit`: the best affine fit, which on XOR predicts 0.5 everywhere;
* :func:`xor_relu_network`: the hand-set two-unit ReLU network that solves XOR;
* :func:`wedge_classifier`: a hard-threshold network for the region ``x2 >= |x1|``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from coursekit._docs import documented
from coursekit._validate import FloatArray, as_float_array, check_matrix_list

__all__ = [
    "collapse_linear",
    "linear_network",
    "relu_network",
    "least_squares_fit",
    "xor_relu_network",
    "wedge_classifier",
]

# The notes' XOR network (layer 1: W, b; output: w, no output bias).
_XOR_W = np.array([[1.0, 1.0], [1.0, 1.0]])
_XOR_B = np.array([0.0, -1.0])
_XOR_W_OUT = np.array([1.0, -2.0])

# The tutorial's wedge network. Column j holds the weights of hidden unit j:
# h1 = step(-x1 + x2) (x2 >= x1), h2 = step(x1 + x2) (x2 >= -x1).
_WEDGE_W = np.array([[-1.0, 1.0], [1.0, 1.0]])
_WEDGE_B = np.array([0.0, 0.0])
# Output unit: an AND of h1 and h2, step(0.5 h1 + 0.5 h2 - 0.6).
_WEDGE_W_OUT = np.array([0.5, 0.5])
_WEDGE_B_OUT = -0.6


# The arguments the networks share (see coursekit._docs).
_NETWORK = [
    "X : array_like, shape (n, n_0)\n    Inputs, one sample per row.",
    "weights : list of array_like, the l-th of shape (n_{l-1}, n_l)\n    Weight matrices.",
]
_X2 = "X : array_like, shape (n, 2)\n    Inputs, one sample per row."


def _step(a: FloatArray) -> FloatArray:
    """Hard threshold: 1.0 where ``a >= 0`` (so step(0) = 1), else 0.0."""
    return (a >= 0).astype(np.float64)


def _check_weights(weights: object, func: str) -> list[FloatArray]:
    """Return the weight matrices as float64 arrays whose shapes chain, or raise."""
    mats = check_matrix_list(weights, func)
    for i in range(1, len(mats)):
        n_prev = mats[i - 1].shape[1]
        if mats[i].shape[0] != n_prev:
            raise ValueError(
                f"{func}: weights[{i}] has shape {mats[i].shape} but weights[{i - 1}] has shape "
                f"{mats[i - 1].shape}; expected weights[{i}] to have {n_prev} rows (W is (n_in, n_out))"
            )
    return mats


def _check_inputs(X: ArrayLike, n_in: int, func: str) -> FloatArray:
    """Return ``X`` as a float64 array of shape (n, n_in), or raise."""
    arr = as_float_array(X, "X", func, ndim=2)
    if arr.shape[1] != n_in:
        raise ValueError(f"{func}: argument 'X' must have shape (n, {n_in}) (samples are rows), got shape {arr.shape}")
    return arr


def collapse_linear(weights: Sequence[ArrayLike]) -> FloatArray:
    r"""The single matrix equivalent to a stack of linear layers.

    .. math:: W = W_1 W_2 \cdots W_L,
       \qquad (\cdots((X W_1) W_2) \cdots) W_L = X W .

    Parameters
    ----------
    weights : list of array_like, the l-th of shape (n_{l-1}, n_l)
        The layers' weight matrices in the order the data meets them.

    Returns
    -------
    ndarray, shape (n_0, n_L)
        Their product, a new array (the inputs are not modified).
    """
    mats = _check_weights(weights, "collapse_linear")
    out = mats[0].copy()
    for W in mats[1:]:
        out = out @ W
    return out


@documented(params=_NETWORK, returns="ndarray, shape (n, n_L)\n    The network's output.")
def linear_network(X: ArrayLike, weights: Sequence[ArrayLike]) -> FloatArray:
    r"""Apply linear layers one after another, with no activation anywhere.

    .. math:: A_0 = X, \qquad A_l = A_{l-1} W_l \quad (l = 1, \dots, L),

    and the result is :math:`A_L`.
    """
    mats = _check_weights(weights, "linear_network")
    A = _check_inputs(X, mats[0].shape[0], "linear_network")
    for W in mats:
        A = A @ W
    return A


@documented(
    params=[*_NETWORK, "biases : list of array_like, the l-th of shape (n_l,)\n    Bias vectors, one per layer."],
    returns="ndarray, shape (n, n_L)\n    The last layer's pre-activation ``Z_L`` (no ReLU on it: it can be negative).",
)
def relu_network(X: ArrayLike, weights: Sequence[ArrayLike], biases: Sequence[ArrayLike]) -> FloatArray:
    r"""A fully connected network with ReLU between the layers and none after the last.

    .. math::
       A_0 = X, \qquad Z_l = A_{l-1} W_l + b_l, \qquad
       A_l = \max(0, Z_l) \ (l < L), \qquad f(X) = Z_L .
    """
    func = "relu_network"
    mats = _check_weights(weights, func)
    if isinstance(biases, np.ndarray) or not isinstance(biases, Sequence) or isinstance(biases, str):
        raise TypeError(
            f"{func}: argument 'biases' must be a list of 1-D arrays [b1, b2, ...], got {type(biases).__name__}"
        )
    if len(biases) != len(mats):
        raise ValueError(f"{func}: argument 'biases' must hold one vector per layer ({len(mats)}), got {len(biases)}")
    vecs = []
    for i, (b, W) in enumerate(zip(biases, mats, strict=True)):
        vec = as_float_array(b, f"biases[{i}]", func, ndim=1)
        if vec.shape != (W.shape[1],):
            raise ValueError(
                f"{func}: biases[{i}] must have shape ({W.shape[1]},) to match weights[{i}] of shape "
                f"{W.shape}, got shape {vec.shape}"
            )
        vecs.append(vec)
    A = _check_inputs(X, mats[0].shape[0], func)
    for W, b in zip(mats[:-1], vecs[:-1], strict=True):
        A = np.maximum(A @ W + b, 0.0)
    return A @ mats[-1] + vecs[-1]


def least_squares_fit(X: ArrayLike, y: ArrayLike) -> tuple[FloatArray, float]:
    r"""The affine function with the smallest mean squared error.

    .. math:: (w, b) = \arg\min_{w, b} \frac{1}{n} \sum_{i=1}^{n} (x_i \cdot w + b - y_i)^2 .

    Solved with ``numpy.linalg.lstsq`` on the design matrix ``[X, 1]`` (a column of
    ones carries the bias). When that matrix has full column rank the minimiser is
    unique and equals the normal-equations solution
    ``[w; b] = ([X, 1]^T [X, 1])^{-1} [X, 1]^T y``; otherwise the minimiser of
    smallest norm ``||(w, b)||`` is returned.

    Parameters
    ----------
    X : array_like, shape (n, d)
        Inputs, one sample per row.
    y : array_like, shape (n,)
        Targets.

    Returns
    -------
    w : ndarray, shape (d,)
        Weights.
    b : float
        Bias.
    """
    func = "least_squares_fit"
    X = as_float_array(X, "X", func, ndim=2)
    y = as_float_array(y, "y", func, ndim=1)
    n, d = X.shape
    if n == 0:
        raise ValueError(f"{func}: argument 'X' must have at least one row, got shape {X.shape}")
    if y.shape != (n,):
        raise ValueError(f"{func}: argument 'y' must have shape ({n},) like the rows of X, got shape {y.shape}")
    design = np.column_stack([X, np.ones(n)])
    theta = np.asarray(np.linalg.lstsq(design, y, rcond=None)[0], dtype=np.float64)
    return theta[:d].copy(), float(theta[d])


@documented(
    params=[_X2], returns="ndarray, shape (n,)\n    The output: 0, 1, 1, 0 on the rows (0,0), (0,1), (1,0), (1,1)."
)
def xor_relu_network(X: ArrayLike) -> FloatArray:
    r"""The hand-set network with two ReLU units that computes XOR on {0, 1}^2.

    .. math::
       f(X) = \max(0, X W + b)\, w, \qquad
       W = \begin{bmatrix} 1 & 1 \\ 1 & 1 \end{bmatrix}, \;
       b = \begin{bmatrix} 0 & -1 \end{bmatrix}, \;
       w = \begin{bmatrix} 1 \\ -2 \end{bmatrix},

    with no output bias: ``f(x) = max(0, x1 + x2) - 2 max(0, x1 + x2 - 1)``.
    """
    X = _check_inputs(X, 2, "xor_relu_network")
    return np.maximum(X @ _XOR_W + _XOR_B, 0.0) @ _XOR_W_OUT


@documented(params=[_X2], returns="ndarray, shape (n,)\n    0.0 or 1.0 per row.")
def wedge_classifier(X: ArrayLike) -> FloatArray:
    r"""Hard-threshold network that outputs 1 where ``x2 >= |x1|`` and 0 elsewhere.

    With :math:`\Theta(a) = 1` for :math:`a \ge 0` and 0 otherwise,

    .. math::
       h_1 = \Theta(x_2 - x_1), \quad h_2 = \Theta(x_2 + x_1), \quad
       f = \Theta(0.5\, h_1 + 0.5\, h_2 - 0.6),

    so ``h1`` tests ``x2 >= x1``, ``h2`` tests ``x2 >= -x1`` and the output is
    their AND. Points on the boundary ``x2 == |x1|`` get 1.
    """
    X = _check_inputs(X, 2, "wedge_classifier")
    # Only the sign of the pre-activation matters, and an overflow to +-inf keeps it.
    with np.errstate(over="ignore"):
        H = _step(X @ _WEDGE_W + _WEDGE_B)
    return _step(H @ _WEDGE_W_OUT + _WEDGE_B_OUT)
