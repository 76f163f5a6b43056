r"""Back-propagation by hand (notebook 03): the rules of the modules written out as plain functions.

* :func:`matmul_backward`: the gradients through a matrix product :math:`C = AB`;
* :func:`two_layer_gradients`: every gradient of a two-layer ReLU network with a squared loss;
* :func:`exp_neuron_step`: one gradient step of a single neuron :math:`a = e^{Xw + w_0}`.

:mod:`coursekit.modules` packages the same rules as layers with ``forward`` and ``backward``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from coursekit._validate import FloatArray, as_float_array, check_positive

__all__ = ["matmul_backward", "two_layer_gradients", "exp_neuron_step"]


def _matrix(value: ArrayLike, name: str, func: str) -> FloatArray:
    return as_float_array(value, name, func, ndim=2)


def _require_shape(arr: FloatArray, shape: tuple[int, ...], name: str, func: str, why: str) -> None:
    if arr.shape != shape:
        raise ValueError(f"{func}: argument '{name}' must have shape {shape} ({why}), got {arr.shape}")


def matmul_backward(dC: ArrayLike, A: ArrayLike, B: ArrayLike) -> tuple[FloatArray, FloatArray]:
    r"""Gradients of a loss through a matrix product :math:`C = AB`.

    Each entry :math:`C_{nm} = \sum_k A_{nk} B_{km}` depends on :math:`A_{nk}`
    with slope :math:`B_{km}`, so summing over everything :math:`A_{nk}` touches,

    .. math::

        \frac{\partial L}{\partial A_{nk}} = \sum_m \frac{\partial L}{\partial C_{nm}} B_{km}
        \ \Longrightarrow\ dA = dC\, B^T,
        \qquad
        dB = A^T dC.

    Check the shapes: :math:`(N, M)(M, K)` and :math:`(K, N)(N, M)`.

    Parameters
    ----------
    dC : array_like, shape (N, M)
        :math:`\partial L/\partial C`.
    A : array_like, shape (N, K)
    B : array_like, shape (K, M)

    Returns
    -------
    dA : ndarray, shape (N, K)
    dB : ndarray, shape (K, M)
    """
    func = "matmul_backward"
    a = _matrix(A, "A", func)
    b = _matrix(B, "B", func)
    g = _matrix(dC, "dC", func)
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"{func}: A of shape {a.shape} and B of shape {b.shape} cannot be multiplied")
    _require_shape(g, (a.shape[0], b.shape[1]), "dC", func, "the shape of C = A @ B")
    return g @ b.T, a.T @ g


def two_layer_gradients(
    X: ArrayLike, y: ArrayLike, W1: ArrayLike, b1: ArrayLike, W2: ArrayLike, b2: ArrayLike
) -> dict[str, FloatArray]:
    r"""Gradients of a one-hidden-layer ReLU network with squared loss, by hand.

    Forward pass and loss (samples are rows):

    .. math::

        Z_1 = X W_1 + b_1,\quad H = \max(0, Z_1),\quad F = H W_2 + b_2,\quad
        L = \frac{1}{2N}\sum_{n}\sum_{k} (F_{nk} - y_{nk})^2.

    Backward pass, one rule per line:

    .. math::

        dF = (F - y)/N,\qquad dW_2 = H^T dF,\qquad db_2 = \textstyle\sum_n dF_{n\cdot},

        dH = dF\, W_2^T,\qquad dZ_1 = dH \odot [Z_1 > 0],\qquad
        dW_1 = X^T dZ_1,\qquad db_1 = \textstyle\sum_n dZ_{1,n\cdot}.

    This is the notes' :math:`\partial\mathcal L/\partial W_1 = \mathbb 1(h > 0)\,
    W_2^T (f - y)\, x^T` for one column sample, batched and transposed to the
    course's row convention. Two things to read carefully there: the mask
    :math:`\mathbb 1(h > 0)` multiplies *elementwise* (it is a diagonal
    matrix, not a row of a matrix product), and the line
    ":math:`f = W_1 h + b_2`" means :math:`f = W_2 h + b_2`. The derivative of
    ReLU at 0 is taken as 0.

    Parameters
    ----------
    X : array_like, shape (N, D)
    y : array_like, shape (N, K), or (N,) when K = 1
    W1 : array_like, shape (D, H)
    b1 : array_like, shape (H,)
    W2 : array_like, shape (H, K)
    b2 : array_like, shape (K,)

    Returns
    -------
    dict
        ``"dW1"``, ``"db1"``, ``"dW2"``, ``"db2"``: ndarrays with the shapes of
        ``W1``, ``b1``, ``W2``, ``b2``.
    """
    func = "two_layer_gradients"
    x = _matrix(X, "X", func)
    w1 = _matrix(W1, "W1", func)
    w2 = _matrix(W2, "W2", func)
    c1 = as_float_array(b1, "b1", func, ndim=1)
    c2 = as_float_array(b2, "b2", func, ndim=1)
    n, d = x.shape
    if n == 0:
        raise ValueError(f"{func}: argument 'X' must hold at least one sample, got shape {x.shape}")
    if w1.shape[0] != d:
        raise ValueError(f"{func}: argument 'W1' must have shape ({d}, H) since X has {d} columns, got {w1.shape}")
    h = w1.shape[1]
    _require_shape(c1, (h,), "b1", func, f"W1 has {h} columns")
    if w2.shape[0] != h:
        raise ValueError(
            f"{func}: argument 'W2' must have shape ({h}, K) since the hidden layer has {h} units, got {w2.shape}"
        )
    k = w2.shape[1]
    _require_shape(c2, (k,), "b2", func, f"W2 has {k} columns")
    t = as_float_array(y, "y", func, ndim=(1, 2))
    if t.ndim == 1 and k == 1:
        t = t[:, None]
    _require_shape(t, (n, k), "y", func, "one row of targets per sample")

    z1 = x @ w1 + c1
    hidden = np.maximum(z1, 0.0)
    f = hidden @ w2 + c2
    df = (f - t) / n
    dz1 = (df @ w2.T) * (z1 > 0)
    return {"dW1": x.T @ dz1, "db1": dz1.sum(axis=0), "dW2": hidden.T @ df, "db2": df.sum(axis=0)}


def exp_neuron_step(w: ArrayLike, w0: float, X: ArrayLike, y: ArrayLike, lr: float) -> tuple[FloatArray, float]:
    r"""One gradient-descent step for a single neuron with activation :math:`e^z` and squared loss.

    The notes' study question: with :math:`z_n = x_n^T w + w_0`,
    :math:`a_n = e^{z_n}` and :math:`J = \frac1N \sum_n (a_n - y_n)^2`
    (no :math:`\tfrac12` here), the chain rule gives, because
    :math:`da/dz = e^{z} = a`,

    .. math::

        \frac{\partial J}{\partial w} = \frac{2}{N} \sum_n (a_n - y_n)\, a_n\, x_n,
        \qquad
        \frac{\partial J}{\partial w_0} = \frac{2}{N} \sum_n (a_n - y_n)\, a_n,

    and the step is :math:`w \leftarrow w - \eta\,\partial J/\partial w`,
    :math:`w_0 \leftarrow w_0 - \eta\,\partial J/\partial w_0`.

    Parameters
    ----------
    w : array_like, shape (D,)
    w0 : float
    X : array_like, shape (N, D)
    y : array_like, shape (N,)
    lr : float
        Step size :math:`\eta > 0`.

    Returns
    -------
    w_new : ndarray, shape (D,)
    w0_new : float

    Raises
    ------
    ValueError
        If :math:`e^{z}` or the step overflows float64 (the exponential grows
        fast: weights or a learning rate that are too large make the step
        diverge).
    """
    func = "exp_neuron_step"
    weights = as_float_array(w, "w", func, ndim=1)
    x = _matrix(X, "X", func)
    t = as_float_array(y, "y", func, ndim=1)
    bias = float(as_float_array(w0, "w0", func, ndim=0))
    eta = check_positive(lr, "lr", func)
    n, d = x.shape
    if n == 0:
        raise ValueError(f"{func}: argument 'X' must hold at least one sample, got shape {x.shape}")
    _require_shape(weights, (d,), "w", func, f"X has {d} columns")
    _require_shape(t, (n,), "y", func, "one target per row of X")
    try:
        with np.errstate(over="raise", invalid="raise"):
            a = np.exp(x @ weights + bias)
            delta = 2.0 * (a - t) * a / n
            w_new = weights - eta * (x.T @ delta)
            w0_new = bias - eta * float(np.sum(delta))
    except FloatingPointError:
        raise ValueError(
            f"{func}: exp(X @ w + w0) or the step overflowed float64; use smaller weights or a smaller learning rate"
        ) from None
    return w_new, w0_new
