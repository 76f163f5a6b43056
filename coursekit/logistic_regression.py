r"""The gradient descent behind notebook 08's :func:`coursekit.subsampling.fit_logistic_regression`:
weighted logistic regression with an optional L2 penalty, full batch, through
:func:`coursekit.training.run_epochs` (a small model adapter and a weighted-NLL loss), with the
step size :func:`safe_step_size` that always decreases the loss. :mod:`coursekit.subsampling`
re-exports :func:`safe_step_size`. ``gradient_descent(..., record=True)`` also returns the
objective before the first step and after every step, for plotting convergence.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from coursekit._validate import (
    FloatArray,
    check_binary_labels,
    check_design,
    check_int,
    check_positive,
    check_sample_weight,
)
from coursekit.activations import logistic_fast
from coursekit.training import Diverged, run_epochs

__all__ = ["gradient_descent", "safe_step_size"]


def _check_both_classes(ya: FloatArray, s: FloatArray, func: str) -> None:
    w_pos = float(np.sum(s * ya))
    w_neg = float(np.sum(s * (1.0 - ya)))
    if w_pos <= 0.0 or w_neg <= 0.0:
        raise ValueError(
            f"{func}: argument 'y' must contain both labels 0 and 1 (with positive weight); "
            "with one class only the best bias is infinite and there is nothing to fit"
        )


def _lipschitz(Xa: FloatArray, s: FloatArray, l2: float) -> float:
    """Curvature bound of the weighted objective (see :func:`safe_step_size`); inputs already checked."""
    n = Xa.shape[0]
    A = np.hstack([Xa, np.ones((n, 1))])
    gram = (A * s[:, None]).T @ A / n
    return 0.25 * float(np.linalg.eigvalsh(gram)[-1]) + 2.0 * l2


def safe_step_size(X: ArrayLike, sample_weight: ArrayLike | None = None, l2: float = 0.0) -> float:
    r"""A step size with which gradient descent on the weighted log loss never overshoots.

    The Hessian of the objective :math:`J` of :func:`coursekit.subsampling.fit_logistic_regression`
    with respect to :math:`\theta = (w, b)` is

    .. math::

        H = \frac{1}{N} A^\top \mathrm{diag}\big(s_n\, p_n (1 - p_n)\big) A
            + 2\lambda \begin{bmatrix} I & 0 \\ 0 & 0 \end{bmatrix},
        \qquad A = [X, \mathbf{1}],

    and :math:`p_n (1 - p_n) \le 1/4`, so every eigenvalue of :math:`H`, at every
    :math:`\theta`, is at most
    :math:`L = \tfrac14 \lambda_{\max}\big(\tfrac1N A^\top \mathrm{diag}(s) A\big) + 2\lambda`.
    A step :math:`\eta = 1/L` then decreases :math:`J` at every step (any
    :math:`\eta < 2/L` converges). The bound is reached where every
    :math:`p_n = 1/2`, e.g. at :math:`w = 0, b = 0`.

    Importance weights :math:`1/f` on the negatives multiply most of the
    :math:`s_n` by :math:`1/f`, so :math:`L` grows and the safe step shrinks,
    by nearly a factor :math:`f` when negatives dominate the data: the
    tutorial's remark that the weighted method needs its step size adjusted.

    Parameters
    ----------
    X : array_like, shape (N, d)
        Inputs, one example per row.
    sample_weight : array_like, shape (N,), optional
        Non-negative weights :math:`s_n`; default all ones.
    l2 : float
        Penalty strength :math:`\lambda \ge 0` on :math:`w` (default 0).

    Returns
    -------
    float
        :math:`1/L`.
    """
    func = "safe_step_size"
    Xa = check_design(X, func)
    s = check_sample_weight(sample_weight, Xa.shape[0], func)
    l2 = check_positive(l2, "l2", func, allow_zero=True)
    lipschitz = _lipschitz(Xa, s, l2)
    if not lipschitz > 0.0:
        raise ValueError(f"{func}: argument 'sample_weight' must not be all zero")
    return 1.0 / lipschitz


def _weighted_mean_nll(z: FloatArray, ya: FloatArray, s: FloatArray) -> float:
    # -log sigma(z) = softplus(-z), -log(1 - sigma(z)) = softplus(z); softplus(z) - y*z covers both,
    # with softplus(z) = max(z, 0) + log1p(exp(-|z|)) (no overflow).
    softplus = np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))
    return float(np.sum(s * (softplus - ya * z)) / z.shape[0])


def gradient_descent(
    X: ArrayLike,
    y: ArrayLike,
    sample_weight: ArrayLike | None,
    lr: float | None,
    epochs: int,
    l2: float,
    record: bool,
) -> tuple[FloatArray, float, FloatArray | None]:
    """The loop behind :func:`coursekit.subsampling.fit_logistic_regression` (checks inputs; records J if asked)."""
    func = "fit_logistic_regression"
    Xa = check_design(X, func)
    n, d = Xa.shape
    ya = check_binary_labels(y, func, n)
    s = check_sample_weight(sample_weight, n, func)
    l2 = check_positive(l2, "l2", func, allow_zero=True)
    epochs = check_int(epochs, "epochs", func, minimum=0)
    _check_both_classes(ya, s, func)

    if lr is None:
        lr = 1.0 / _lipschitz(Xa, s, l2)  # safe_step_size, inputs already checked
    else:
        lr = check_positive(lr, "lr", func)

    # Start the bias at the (weighted) log-odds of the labels: the exact answer when w = 0.
    b0 = float(np.log(np.sum(s * ya)) - np.log(np.sum(s * (1.0 - ya))))
    model = _LogisticModel(np.zeros(d), b0, l2)
    loss = _WeightedNLL(s)
    losses = np.empty(epochs + 1) if record else None

    def recorded(epoch: int) -> None:
        if losses is not None:
            losses[epoch] = _weighted_mean_nll(model.forward(Xa), ya, s) + l2 * float(model.w @ model.w)

    def descend(params: list[FloatArray], grads: list[FloatArray], t: int) -> list[FloatArray]:
        return [p - lr * g for p, g in zip(params, grads, strict=True)]

    recorded(0)
    try:  # numpy stays quiet about an overflow: the loop's own check reports it, in one line
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            run_epochs(
                model,
                loss,
                Xa,
                ya,
                epochs=epochs,
                batch_size=n,
                rng=np.random.default_rng(0),
                update=descend,
                batch_fn=lambda rows, size, rng: [slice(None)],
                after_epoch=recorded,
            )
    except Diverged as exc:
        raise ValueError(
            f"{func}: the loss became infinite or NaN in epoch {exc.epoch}; the step size lr={lr:g} is too large "
            "(leave lr=None for a safe one)"
        ) from None
    return model.w, float(model.b), losses


class _LogisticModel:
    """Logistic regression as :func:`coursekit.training.run_epochs` drives a model: ``z = X w + b``, the
    gradient of the penalty ``l2 ||w||^2`` added to ``w``'s."""

    def __init__(self, w: FloatArray, b: float, l2: float) -> None:
        self.w, self.b, self.l2 = w, np.asarray(b, dtype=np.float64), l2  # b as a 0-d array
        self._X: FloatArray | None = None
        self._grads: list[FloatArray] = []

    def forward(self, X: FloatArray) -> FloatArray:
        self._X = X
        return X @ self.w + self.b

    def _backward_weights_only(self, dz: FloatArray) -> None:
        assert self._X is not None, "forward first"
        self._grads = [self._X.T @ dz + 2.0 * self.l2 * self.w, np.asarray(np.sum(dz))]

    def params(self) -> list[FloatArray]:
        return [self.w, self.b]

    def grads(self) -> list[FloatArray]:
        return self._grads

    def _assign_params(self, values: list[FloatArray]) -> None:
        self.w, self.b = values


class _WeightedNLL:
    """The weighted mean NLL of logistic regression; its gradient with respect to ``z`` is ``s (sigma(z) - y) / N``."""

    def __init__(self, s: FloatArray) -> None:
        self.s = s

    def forward(self, z: FloatArray, y: FloatArray) -> float:
        self._last = (z, y)
        return _weighted_mean_nll(z, y, self.s)

    def backward(self) -> FloatArray:
        z, y = self._last
        return self.s / z.shape[0] * (logistic_fast(z) - y)
