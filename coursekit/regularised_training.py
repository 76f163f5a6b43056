r"""Notebook 07's over-fitting laboratory: a ReLU classifier on the 8x8 digits, trained by mini-batch SGD
with any mix of the regularisers of :mod:`coursekit.regularisation`.

:func:`train_mlp` records training and validation curves after every epoch (and, if asked, the network
itself, for early stopping); :func:`mlp_logits` runs a trained network in test mode. The training loop
uses the reference functions of the exercises (weight decay, input noise, dropout, batch norm), so the
notebook's pictures come from exactly the maths the students write. The data come from
:func:`coursekit.datasets.load_digits_split`.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from coursekit._validate import (
    FloatArray,
    as_float_array,
    check_int,
    check_labels,
    check_positive,
    check_probability,
    check_rng,
    check_validation_set,
)
from coursekit.losses import softmax_cross_entropy_fast
from coursekit.progress import progress
from coursekit.regularisation import _bn_backward, _bn_forward, _dropout_train, _weight_decay, add_input_noise
from coursekit.training import Diverged, TrainingHistory, run_epochs

__all__ = ["MLPWeights", "TrainingHistory", "mlp_logits", "train_mlp"]

IntArray = NDArray[np.int64]

#
# Notebook 07 trains small ReLU networks on scikit-learn's 8x8 digits to watch over-fitting and
# what each regulariser does about it. The training loop uses the reference functions above
# (weight_decay_step, add_input_noise, dropout_*, batchnorm_*), so the notebook's pictures come
# from exactly the maths of the exercises.

_BN_EPS = 1e-5
_BN_MOMENTUM = 0.9  # running statistics: m <- 0.9 m + 0.1 mu_batch


@dataclass(frozen=True)
class MLPWeights:
    """The parameters of a network trained by :func:`train_mlp`.

    Attributes
    ----------
    W : tuple of ndarray
        ``W[l]`` of shape (n_l, n_{l+1}); samples are rows, ``Z = A @ W[l] + b[l]``.
    b : tuple of ndarray
        ``b[l]`` of shape (n_{l+1},).
    bn : tuple or None
        For each hidden layer ``(gamma, beta, running_mean, running_var)``, each of shape
        (n_{l+1},): batch norm's scale and shift and the running averages of the batch
        statistics that replace them at test time. None without batch norm.
    """

    W: tuple[FloatArray, ...]
    b: tuple[FloatArray, ...]
    bn: tuple[tuple[FloatArray, FloatArray, FloatArray, FloatArray], ...] | None


def mlp_logits(weights: MLPWeights, X: ArrayLike) -> FloatArray:
    r"""Run a network of :func:`train_mlp` in test mode and return its logits.

    Hidden layer :math:`l`: :math:`Z = A W_l + b_l`; with batch norm
    :math:`Z \leftarrow G\,(Z - m)/\sqrt{v + \varepsilon} + B` using the running mean
    :math:`m` and variance :math:`v` instead of the batch's; then :math:`A = \max(0, Z)`.
    Dropout does nothing at test time (inverted dropout rescaled during training). The
    output layer is linear.

    Parameters
    ----------
    weights : MLPWeights
    X : array_like, shape (N, n_0)

    Returns
    -------
    logits : ndarray, shape (N, K)
    """
    A = as_float_array(X, "X", "mlp_logits", ndim=2)
    n_hidden = len(weights.W) - 1
    for layer in range(n_hidden):
        Z = A @ weights.W[layer] + weights.b[layer]
        if weights.bn is not None:
            gamma, beta, mean, var = weights.bn[layer]
            Z = gamma * (Z - mean) / np.sqrt(var + _BN_EPS) + beta
        A = np.maximum(Z, 0.0)
    return A @ weights.W[-1] + weights.b[-1]


def _one_blas_thread() -> AbstractContextManager[Any]:
    """On these small matrices BLAS threads cost more than they save (4x slower on 2 cores)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency of scikit-learn
        return nullcontext()
    return threadpool_limits(limits=1)


def _softmax_ce_grad(logits: FloatArray, y: IntArray) -> FloatArray:
    """Gradient (softmax(logits) - onehot(y)) / N of the mean cross-entropy (no input checks)."""
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs = e / e.sum(axis=1, keepdims=True)
    probs[np.arange(len(y)), y] -= 1.0
    return probs / len(y)


class _Net:
    """The network of :func:`train_mlp` while it trains (mutable; private).

    ``forward`` runs the training-mode pass and keeps what ``backward`` needs; ``backward``
    returns the gradients (:class:`_Training` hands both to the training loop). Batch norm's
    running statistics are updated by ``forward(..., track=True)``.
    """

    def __init__(self, sizes: list[int], batchnorm: bool, rng: np.random.Generator) -> None:
        from coursekit.init import he_normal

        self.W = [he_normal(a, c, rng) for a, c in zip(sizes[:-1], sizes[1:], strict=True)]
        self.b = [np.zeros(c) for c in sizes[1:]]
        self.batchnorm = batchnorm
        hidden = sizes[1:-1]
        self.gamma = [np.ones(h) for h in hidden]
        self.beta = [np.zeros(h) for h in hidden]
        self.run_mean = [np.zeros(h) for h in hidden]
        self.run_var = [np.ones(h) for h in hidden]
        self._cache: tuple[list[Any], ...] | None = None

    def weights(self, copy: bool = True) -> MLPWeights:
        def c(a: FloatArray) -> FloatArray:
            return a.copy() if copy else a

        bn = None
        if self.batchnorm:
            bn = tuple(
                (c(g), c(be), c(m), c(v))
                for g, be, m, v in zip(self.gamma, self.beta, self.run_mean, self.run_var, strict=True)
            )
        return MLPWeights(tuple(c(W) for W in self.W), tuple(c(b) for b in self.b), bn)

    def forward(self, X: FloatArray, *, p: float, rng: np.random.Generator, track: bool = True) -> FloatArray:
        """Training-mode logits of the mini-batch X, shape (N, K): batch statistics, dropout on."""
        A = X
        inputs, relu_in, bn_caches, masks = [], [], [], []
        for layer in range(len(self.W) - 1):
            inputs.append(A)
            Z = A @ self.W[layer] + self.b[layer]
            if self.batchnorm:
                if track:
                    m = _BN_MOMENTUM
                    self.run_mean[layer] = m * self.run_mean[layer] + (1 - m) * Z.mean(axis=0)
                    self.run_var[layer] = m * self.run_var[layer] + (1 - m) * Z.var(axis=0)
                Z, cache = _bn_forward(Z, self.gamma[layer], self.beta[layer], _BN_EPS)
                bn_caches.append(cache)
            relu_in.append(Z)
            A = np.maximum(Z, 0.0)
            if p > 0:
                A, mask = _dropout_train(A, p, rng)
                masks.append(mask)
        inputs.append(A)
        self._cache = (inputs, relu_in, bn_caches, masks)
        return A @ self.W[-1] + self.b[-1]

    def backward(self, dlogits: FloatArray) -> dict[str, list[FloatArray]]:
        """Gradients for the last forward: keys "W", "b", "gamma", "beta" (lists by layer)."""
        assert self._cache is not None, "forward first"
        inputs, relu_in, bn_caches, masks = self._cache
        n_hidden = len(self.W) - 1
        dW, db = list(self.W), list(self.b)  # placeholders, all overwritten
        dgamma, dbeta = list(self.gamma), list(self.beta)
        dZ = dlogits
        for layer in range(n_hidden, -1, -1):
            dW[layer] = inputs[layer].T @ dZ
            db[layer] = dZ.sum(axis=0)
            if layer == 0:
                break
            h = layer - 1  # the hidden layer below
            dA = dZ @ self.W[layer].T
            if masks:
                dA = dA * masks[h]
            dZ = np.where(relu_in[h] > 0, dA, 0.0)
            if self.batchnorm:
                dZ, dgamma[h], dbeta[h] = _bn_backward(dZ, *bn_caches[h])
        return {"W": dW, "b": db, "gamma": dgamma, "beta": dbeta}


class _Training:
    """:class:`_Net` as :func:`coursekit.training.run_epochs` drives a network: a training-mode forward pass with
    fresh input noise and dropout, the gradients of the last pass, and the weights as one list."""

    def __init__(self, net: _Net, *, p: float, noise: float, rng: np.random.Generator) -> None:
        self.net, self.p, self.noise, self.rng = net, p, noise, rng
        self._grads: dict[str, list[FloatArray]] = {}

    def forward(self, X: FloatArray) -> FloatArray:
        inputs = add_input_noise(X, self.noise, self.rng) if self.noise > 0 else X
        return self.net.forward(inputs, p=self.p, rng=self.rng)

    def _backward_weights_only(self, dlogits: FloatArray) -> None:
        self._grads = self.net.backward(dlogits)

    def _parts(self) -> tuple[str, ...]:
        return ("W", "b", "gamma", "beta") if self.net.batchnorm else ("W", "b")

    def params(self) -> list[FloatArray]:
        return [q for part in self._parts() for q in getattr(self.net, part)]

    def grads(self) -> list[FloatArray]:
        return [g for part in self._parts() for g in self._grads[part]]

    def _assign_params(self, values: list[FloatArray]) -> None:
        start = 0
        for part in self._parts():
            n = len(getattr(self.net, part))
            setattr(self.net, part, list(values[start : start + n]))
            start += n


class _SoftmaxLoss:
    """Mean softmax cross-entropy of a batch, with the gradient of :func:`_softmax_ce_grad`."""

    def forward(self, logits: FloatArray, labels: IntArray) -> float:
        self._last = (logits, labels)
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(shifted).sum(axis=1))
        return float(np.mean(log_norm - shifted[np.arange(len(labels)), labels]))

    def backward(self) -> FloatArray:
        return _softmax_ce_grad(*self._last)


def train_mlp(
    X_train: ArrayLike,
    y_train: ArrayLike,
    X_val: ArrayLike,
    y_val: ArrayLike,
    rng: np.random.Generator,
    *,
    hidden: Sequence[int] = (128, 128),
    epochs: int = 100,
    lr: float = 0.1,
    batch_size: int = 20,
    weight_decay: float = 0.0,
    input_noise: float = 0.0,
    dropout: float = 0.0,
    batchnorm: bool = False,
    keep_weights: bool = False,
    desc: str = "",
) -> TrainingHistory:
    r"""Train a ReLU classifier by mini-batch SGD with any mix of this module's regularisers.

    Each hidden layer is ``Linear -> [batch norm] -> ReLU -> [dropout]`` (batch norm between
    the product with :math:`W` and the activation, as in the notes); the output layer is
    linear and the loss the softmax cross-entropy, averaged over the mini-batch. Weights
    start He-normal, biases at zero, batch norm at :math:`G = 1`, :math:`B = 0`.

    An epoch visits the training set once in a fresh random order, in mini-batches of
    ``batch_size``. For every mini-batch: add fresh input noise (``input_noise`` is its
    standard deviation), run the forward and backward passes with this module's reference
    functions, then update the matrices :math:`W` with :func:`weight_decay_step` (``lam =
    weight_decay``) and the biases and batch norm's :math:`G, B` by plain SGD (decaying them
    is not customary: it would only pull the shifts towards 0). Batch norm also keeps running
    averages :math:`m \leftarrow 0.9\,m + 0.1\,\mu_{\text{batch}}` of each batch's mean and
    biased variance, which replace the batch statistics in test mode (:func:`mlp_logits`).

    Parameters
    ----------
    X_train : array_like, shape (N, D)
    y_train : array_like of int, shape (N,)
    X_val : array_like, shape (M, D)
    y_val : array_like of int, shape (M,)
    rng : numpy.random.Generator
        Initial weights, shuffles, noise and dropout masks all come from it.
    hidden : sequence of int
        Widths of the hidden layers (at least one).
    epochs, batch_size : int
    lr : float
        SGD step size :math:`\eta`.
    weight_decay : float
        :math:`\lambda` of the penalty :math:`\lambda\|W\|^2` (per weight matrix).
    input_noise : float
        Standard deviation of the Gaussian noise added to every input.
    dropout : float
        Probability ``p`` of dropping a hidden unit.
    batchnorm : bool
        Put batch normalisation before every hidden ReLU.
    keep_weights : bool
        Keep a copy of the network after every epoch in ``history.weights``.
    desc : str
        Label of the progress bar (silent while nbgrader grades).

    Returns
    -------
    TrainingHistory
        ``train_loss``, ``val_loss``, ``train_accuracy`` and ``val_accuracy``,
        each of shape (epochs,): mean cross-entropy and fraction classified correctly on the whole
        training / validation set after each epoch, in test mode (no dropout; batch norm with its
        running statistics); ``weights``: a copy of the network (:class:`MLPWeights`) after every
        epoch when ``keep_weights=True``, else None; ``batch_loss`` is not recorded (empty).
    """
    func = "train_mlp"
    X = as_float_array(X_train, "X_train", func, ndim=2)
    y = check_labels(y_train, X.shape[0], "y_train", func)
    Xv, yv = check_validation_set(X_val, y_val, X.shape[1], func, like="X_train")
    if X.shape[0] == 0 or Xv.shape[0] == 0:
        raise ValueError(f"{func}: the training and validation sets must not be empty")
    check_rng(rng, func)
    if isinstance(hidden, str | bytes) or not isinstance(hidden, Sequence) or len(hidden) == 0:
        raise ValueError(f"{func}: argument 'hidden' must list the widths of at least one layer, got {hidden!r}")
    widths = [check_int(h, "hidden", func, minimum=1) for h in hidden]
    n_epochs = check_int(epochs, "epochs", func, minimum=1)
    k = check_int(batch_size, "batch_size", func, minimum=1)
    eta = check_positive(lr, "lr", func)
    lam = check_positive(weight_decay, "weight_decay", func, allow_zero=True)
    noise = check_positive(input_noise, "input_noise", func, allow_zero=True)
    p = check_probability(dropout, "dropout", func, high_open=True)
    if not isinstance(batchnorm, bool | np.bool_):
        raise TypeError(f"{func}: argument 'batchnorm' must be True or False, got {batchnorm!r}")

    net = _Net([X.shape[1], *widths, int(max(y.max(), yv.max())) + 1], bool(batchnorm), rng)
    curves: dict[str, list[float]] = {"train_loss": [], "val_loss": [], "train_accuracy": [], "val_accuracy": []}
    kept: list[MLPWeights] = []

    def record(epoch: int) -> None:
        current = net.weights(copy=False)
        for part, Xe, ye in (("train", X, y), ("val", Xv, yv)):
            logits = mlp_logits(current, Xe)
            loss, _ = softmax_cross_entropy_fast(logits, ye)
            curves[f"{part}_loss"].append(loss)
            curves[f"{part}_accuracy"].append(float(np.mean(np.argmax(logits, axis=1) == ye)))
        if keep_weights:
            kept.append(net.weights())

    def sgd_with_decay(params: list[FloatArray], grads: list[FloatArray], t: int) -> list[FloatArray]:
        """Weight decay on the matrices W (the first len(net.W) arrays), plain SGD on the rest."""
        n_w = len(net.W)
        decayed = [_weight_decay(W, g, eta, lam) for W, g in zip(params[:n_w], grads[:n_w], strict=True)]
        return decayed + [q - eta * g for q, g in zip(params[n_w:], grads[n_w:], strict=True)]

    model = _Training(net, p=p, noise=noise, rng=rng)
    with _one_blas_thread():
        try:
            run_epochs(
                model,
                _SoftmaxLoss(),
                X,
                y,
                epochs=n_epochs,
                batch_size=k,
                rng=rng,
                update=sgd_with_decay,
                after_epoch=record,
                epoch_range=lambda epochs: progress(epochs, desc=desc),
            )
        except Diverged as exc:
            raise ValueError(
                f"{func}: the loss became infinite or NaN at update {exc.update} (epoch {exc.epoch}); "
                "the step size is probably too large"
            ) from None
    return TrainingHistory(
        batch_loss=np.empty(0),
        train_loss=np.asarray(curves["train_loss"]),
        val_loss=np.asarray(curves["val_loss"]),
        val_accuracy=np.asarray(curves["val_accuracy"]),
        train_accuracy=np.asarray(curves["train_accuracy"]),
        weights=kept if keep_weights else None,
    )
