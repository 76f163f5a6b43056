r"""Loss functions and their gradients with respect to the last pre-activation.

Every loss here is a mean over the batch (axis 0) and comes back together with
its gradient, ``(loss, dZ)``, where ``Z`` is the network's last
*pre-activation*: the array that the output activation is applied to. For the
pairs below, the derivative of the loss through the output activation
collapses to something short, so the two are best differentiated together
(the notes make the same point: asking a loss for :math:`\partial
\text{loss}/\partial Z^L` is easier than asking for
:math:`\partial\text{loss}/\partial A^L` and :math:`\partial A^L/\partial Z^L`
separately).

========  ==================  ==============================  =========================
notes     output activation   function here                   labels
========  ==================  ==============================  =========================
squared   linear              :func:`squared_loss`            real targets
hinge     linear              :func:`hinge_loss`              :math:`-1` or :math:`+1`
NLL       sigmoid             :func:`sigmoid_cross_entropy`   :math:`0` or :math:`1`
NLLM      softmax             :func:`softmax_cross_entropy`   integer class index
========  ==================  ==============================  =========================

With ``N`` samples, ``z`` the pre-activation and ``y`` the label, the four
gradients are

* squared: :math:`(f - y)/N` (with :math:`f = z`);
* hinge: :math:`-y/N` where the margin :math:`y z < 1`, else :math:`0`;
* NLL: :math:`(\sigma(z) - y)/N`;
* NLLM: :math:`(\operatorname{softmax}(z) - \operatorname{onehot}(y))/N`.

The :math:`1/N` comes from the mean over the batch. The table is also
available as :data:`LOSS_ACTIVATION_PAIRS`.

The loss modules that end a chain of :mod:`coursekit.modules` (:class:`SoftmaxCrossEntropy`,
:class:`SquaredLoss`, on the base :class:`LossModule`) wrap two of these functions; they live
here, beside them, and :mod:`coursekit.modules` re-exports them.

Examples
--------
>>> import numpy as np
>>> loss, dlogits = softmax_cross_entropy(np.array([[2.0, 0.0, 0.0]]), np.array([0]))
>>> round(loss, 6)
0.239545
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
from numpy.typing import ArrayLike, NDArray

from coursekit._validate import FloatArray, as_float_array, check_labels, check_same_shape, no_forward_yet
from coursekit.activations import logistic

__all__ = [
    "LOSS_ACTIVATION_PAIRS",
    "LossModule",
    "SoftmaxCrossEntropy",
    "SquaredLoss",
    "squared_loss",
    "hinge_loss",
    "sigmoid_cross_entropy",
    "softmax_cross_entropy",
]

#: The notes' table of losses and the output activation each one is meant for
#: (read-only): loss name -> activation of the last layer.
LOSS_ACTIVATION_PAIRS: Mapping[str, str] = MappingProxyType(
    {"squared": "linear", "hinge": "linear", "NLL": "sigmoid", "NLLM": "softmax"}
)


def _batch_size(arr: FloatArray, name: str, func: str) -> int:
    if arr.ndim == 0 or arr.shape[0] == 0:
        raise ValueError(f"{func}: argument '{name}' must hold at least one sample along axis 0, got shape {arr.shape}")
    return arr.shape[0]


def squared_loss(pred: ArrayLike, target: ArrayLike) -> tuple[float, FloatArray]:
    r"""Half the squared error, summed over outputs and averaged over the batch.

    .. math::

        L = \frac{1}{2N} \sum_{n=1}^{N} \sum_{k} (f_{nk} - y_{nk})^2,
        \qquad
        \frac{\partial L}{\partial f_{nk}} = \frac{f_{nk} - y_{nk}}{N}.

    The factor :math:`\tfrac12` cancels the 2 of the derivative, as in the
    notes' :math:`\mathcal{L} = \tfrac12 (y - f)^2`. Meant for a linear output
    layer, so ``pred`` is also the pre-activation.

    Parameters
    ----------
    pred : array_like, shape (N,) or (N, K)
        Predictions :math:`f`, one row per sample.
    target : array_like, same shape as ``pred``
        Targets :math:`y`.

    Returns
    -------
    loss : float
        :math:`L`.
    dpred : ndarray, shape of ``pred``
        :math:`\partial L / \partial f`.
    """
    func = "squared_loss"
    f = as_float_array(pred, "pred", func, ndim=(1, 2))
    y = as_float_array(target, "target", func, ndim=(1, 2))
    check_same_shape(f, y, "pred", "target", func)
    n = _batch_size(f, "pred", func)
    diff = f - y
    return float(0.5 * np.sum(diff * diff) / n), diff / n


def hinge_loss(z: ArrayLike, labels: ArrayLike) -> tuple[float, FloatArray]:
    r"""Mean hinge loss of scores against labels in :math:`\{-1, +1\}`.

    .. math::

        L = \frac{1}{N} \sum_{n=1}^{N} \max(0,\, 1 - y_n z_n),
        \qquad
        \frac{\partial L}{\partial z_n} =
        \begin{cases} -y_n / N & \text{if } y_n z_n < 1 \\ 0 & \text{otherwise.} \end{cases}

    A sample costs nothing once it is on the right side with margin at least
    1. At the kink :math:`y_n z_n = 1` the loss has no derivative; this
    function returns 0 there (a valid subgradient).

    Parameters
    ----------
    z : array_like, shape (N,) or (N, 1)
        Scores (the output of a linear last layer).
    labels : array_like, same shape as ``z``
        Labels, each exactly -1 or +1.

    Returns
    -------
    loss : float
        :math:`L`.
    dz : ndarray, shape of ``z``
        :math:`\partial L / \partial z`.
    """
    func = "hinge_loss"
    zz, y, n = _scores_and_labels(z, "z", labels, func)
    if not np.all((y == 1.0) | (y == -1.0)):
        raise ValueError(f"{func}: argument 'labels' must contain only -1 and +1 (not 0 and 1)")
    margin = y * zz
    active = margin < 1.0
    loss = float(np.sum(np.where(active, 1.0 - margin, 0.0)) / n)
    return loss, np.where(active, -y / n, 0.0)


def _scores_and_labels(
    scores: ArrayLike, name: str, labels: ArrayLike, func: str
) -> tuple[FloatArray, FloatArray, int]:
    """A one-output loss's scores, of shape (N,) or (N, 1), and labels of that shape; with N."""
    z = as_float_array(scores, name, func, ndim=(1, 2))
    if z.ndim == 2 and z.shape[1] != 1:
        raise ValueError(
            f"{func}: argument '{name}' must have shape (N,) or (N, 1) (one score per sample), got shape {z.shape}"
        )
    y = as_float_array(labels, "labels", func, ndim=(1, 2))
    check_same_shape(z, y, name, "labels", func)
    return z, y, _batch_size(z, name, func)


def sigmoid_cross_entropy(logits: ArrayLike, labels: ArrayLike) -> tuple[float, FloatArray]:
    r"""Mean binary negative log-likelihood of a sigmoid output, from its logits.

    With :math:`p_n = \sigma(z_n) = 1/(1 + e^{-z_n})`,

    .. math::

        L = -\frac{1}{N} \sum_{n=1}^{N} \bigl[y_n \log p_n + (1 - y_n) \log(1 - p_n)\bigr]
          = \frac{1}{N} \sum_{n=1}^{N} \bigl[\log(1 + e^{z_n}) - y_n z_n\bigr],
        \qquad
        \frac{\partial L}{\partial z_n} = \frac{\sigma(z_n) - y_n}{N}.

    Writing :math:`s(t) = \log(1 + e^{t})` (softplus, ``np.logaddexp(0, t)``)
    and using :math:`s(z) - s(-z) = z`, the summand equals
    :math:`(1 - y_n)\, s(z_n) + y_n\, s(-z_n)`, which is how it is evaluated:
    no exponential can overflow, and there is no cancellation between two
    large terms, so even the tiny loss of a confidently right sample keeps its
    relative accuracy. (Computing :math:`\log \sigma(z)` directly gives
    :math:`\log 0` once :math:`e^{-z}` overflows.)

    Parameters
    ----------
    logits : array_like, shape (N,) or (N, 1)
        Pre-activations :math:`z` of the sigmoid output unit.
    labels : array_like, same shape as ``logits``
        Labels :math:`y \in \{0, 1\}` (soft labels in :math:`[0, 1]` are
        accepted too: the formulas hold unchanged).

    Returns
    -------
    loss : float
        :math:`L`.
    dlogits : ndarray, shape of ``logits``
        :math:`\partial L / \partial z`.
    """
    func = "sigmoid_cross_entropy"
    z, y, n = _scores_and_labels(logits, "logits", labels, func)
    if not np.all((y >= 0.0) & (y <= 1.0)):
        raise ValueError(f"{func}: argument 'labels' must lie in [0, 1] (use 0/1 labels, not -1/+1)")
    loss = float(np.sum((1.0 - y) * np.logaddexp(0.0, z) + y * np.logaddexp(0.0, -z)) / n)
    return loss, (logistic(z) - y) / n


def softmax_cross_entropy(logits: ArrayLike, labels: ArrayLike) -> tuple[float, FloatArray]:
    r"""Mean multiclass negative log-likelihood (NLLM) of a softmax output.

    For sample :math:`n` with logits :math:`z_{n1}, \dots, z_{nK}` and class
    :math:`y_n`, the softmax gives :math:`p_{nk} = e^{z_{nk}} / \sum_j e^{z_{nj}}` and

    .. math::

        L = \frac{1}{N} \sum_{n=1}^{N} -\log p_{n y_n}
          = \frac{1}{N} \sum_{n=1}^{N} \Bigl[\log \sum_{j} e^{z_{nj}} - z_{n y_n}\Bigr],
        \qquad
        \frac{\partial L}{\partial z_{nk}} = \frac{p_{nk} - [k = y_n]}{N}.

    This is the notes' :math:`-\sum_k y_k \log a_k` with a one-hot
    :math:`y`. The log-sum-exp is computed after subtracting each row's
    maximum, :math:`\log\sum_j e^{z_j} = m + \log\sum_j e^{z_j - m}`, so
    that no exponential exceeds 1 and large logits cannot overflow.

    Parameters
    ----------
    logits : array_like, shape (N, K)
        Pre-activations of the softmax, one row per sample.
    labels : array_like of int, shape (N,)
        Class index of each sample, in ``0 .. K-1``.

    Returns
    -------
    loss : float
        :math:`L`.
    dlogits : ndarray, shape (N, K)
        :math:`\partial L / \partial z`; each row sums to 0.
    """
    z, idx = _logits_and_labels(logits, labels, "softmax_cross_entropy")
    n, k = z.shape
    shifted = z - z.max(axis=1, keepdims=True)
    log_sum = np.log(np.exp(shifted).sum(axis=1))
    rows = np.arange(n)
    loss = float(np.mean(log_sum - shifted[rows, idx]))
    p = np.exp(shifted - log_sum[:, None])
    return loss, (p - np.eye(k)[idx]) / n


def _logits_and_labels(logits: ArrayLike, labels: ArrayLike, func: str) -> tuple[FloatArray, NDArray[np.int64]]:
    """The checked inputs of :func:`softmax_cross_entropy`: logits of shape (N, K), N, K >= 1, and N class indices."""
    z = as_float_array(logits, "logits", func, ndim=2)
    n = _batch_size(z, "logits", func)
    k = z.shape[1]
    if k == 0:
        raise ValueError(f"{func}: argument 'logits' must have at least one class (column), got shape {z.shape}")
    return z, check_labels(labels, n, "labels", func, classes=k)


def softmax_cross_entropy_fast(logits: ArrayLike, labels: ArrayLike) -> tuple[float, FloatArray]:
    """:func:`softmax_cross_entropy` for training loops: the same checks and the same maths, in fewer passes.

    What :class:`SoftmaxCrossEntropy` (and so every trainer of the course) computes. The results
    agree with :func:`softmax_cross_entropy` to rounding; the exercise's reference stays the
    readable one.
    """
    z, idx = _logits_and_labels(logits, labels, "softmax_cross_entropy")
    n, k = z.shape
    # Row maxima and row sums of a narrow (N, K) array are quicker as column operations: the
    # maximum over the rows of its transpose, and a product with a vector of ones.
    shifted = z - np.ascontiguousarray(z.T).max(axis=0)[:, None]
    rows = np.arange(n)
    picked = shifted[rows, idx]
    dz = np.exp(shifted)  # becomes the gradient in place
    total = dz @ np.ones(k)
    loss = float((np.sum(np.log(total)) - np.sum(picked)) / n)
    dz /= (total * n)[:, None]
    dz[rows, idx] -= 1.0 / n
    return loss, dz


# ----------------------------------------------------------------------------- loss modules


class LossModule:
    """Base class of the losses that end a chain.

    ``forward(pred, target) -> float`` returns the mean loss; ``backward() -> dpred`` its gradient.
    """

    def forward(self, pred: ArrayLike, target: ArrayLike) -> float:
        """Return the mean loss and cache its gradient."""
        raise NotImplementedError(f"{type(self).__name__}.forward is not implemented")

    def backward(self, dloss: float = 1.0) -> FloatArray:
        """Return dL/dpred for the last forward, times ``dloss`` (1 unless the loss is scaled)."""
        raise NotImplementedError(f"{type(self).__name__}.backward is not implemented")

    def __call__(self, pred: ArrayLike, target: ArrayLike) -> float:
        return self.forward(pred, target)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _loss_backward(cached: FloatArray | None, dloss: float, owner: str) -> FloatArray:
    if cached is None:
        raise no_forward_yet(owner)
    if isinstance(dloss, bool) or not isinstance(dloss, int | float | np.integer | np.floating):
        raise TypeError(f"{owner}.backward: argument 'dloss' must be a number, got {type(dloss).__name__}")
    return cached * float(dloss)


class SoftmaxCrossEntropy(LossModule):
    r"""Softmax output layer and multiclass NLL in one module (the notes' NLLM).

    ``forward(logits, labels)`` returns the mean loss
    :math:`\frac1N\sum_n[\log\sum_j e^{z_{nj}} - z_{n y_n}]`; ``backward()``
    returns :math:`(\operatorname{softmax}(z) - \operatorname{onehot}(y))/N`.
    See :func:`coursekit.losses.softmax_cross_entropy`.
    """

    def __init__(self) -> None:
        self._dlogits: FloatArray | None = None

    def forward(self, logits: ArrayLike, labels: ArrayLike) -> float:
        """Mean loss of ``logits`` (shape (N, K)) for ``labels`` (int class indices, shape (N,))."""
        loss, self._dlogits = softmax_cross_entropy_fast(logits, labels)
        return loss

    def backward(self, dloss: float = 1.0) -> FloatArray:
        """Return dL/dlogits, shape (N, K), for the last forward."""
        return _loss_backward(self._dlogits, dloss, "SoftmaxCrossEntropy")


class SquaredLoss(LossModule):
    r"""Linear output and half squared error: :math:`\frac{1}{2N}\sum_n\sum_k (f_{nk}-y_{nk})^2`.

    ``backward()`` returns :math:`(f - y)/N`. See :func:`coursekit.losses.squared_loss`.
    """

    def __init__(self) -> None:
        self._dpred: FloatArray | None = None

    def forward(self, pred: ArrayLike, target: ArrayLike) -> float:
        """Mean loss of ``pred`` against ``target`` (same shape, (N,) or (N, K))."""
        loss, self._dpred = squared_loss(pred, target)
        return loss

    def backward(self, dloss: float = 1.0) -> FloatArray:
        """Return dL/dpred, shape of ``pred``, for the last forward."""
        return _loss_backward(self._dpred, dloss, "SquaredLoss")
