r"""Regularisation: weight decay, input noise, early stopping, dropout and batch normalisation.

Weight decay, input noise and early stopping all pull a network towards small weights,
much as ridge regression does. Dropout and batch normalisation are layers with a
forward and a backward pass, written in the course's module style: samples are rows,
``forward`` returns ``(out, cache)`` and ``backward`` takes the upstream gradient
``dout`` (the gradient of the loss with respect to ``out``, of ``out``'s shape) and
returns the gradients with respect to the inputs and parameters.

Two conventions, fixed for the whole course:

* in dropout, ``p`` is the probability of **dropping** a unit (the notes' convention);
* batch normalisation uses the batch's mean and *biased* variance (divide by N) and
  :math:`(z - \mu)/\sqrt{\sigma^2 + \varepsilon}`.

For notebook 07's experiments the module also holds a small over-fitting laboratory:
:func:`load_digits_split` (scikit-learn's 8x8 digits, split three ways, optional label noise),
:func:`train_mlp` (a ReLU classifier trained by mini-batch SGD with any mix of the regularisers
above, recording training and validation curves) and :func:`mlp_logits` (a trained network in
test mode).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from numbers import Integral
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
)
from coursekit.datasets import digits

__all__ = [
    "DigitsSplit",
    "MLPWeights",
    "TrainingHistory",
    "add_input_noise",
    "batchnorm_backward",
    "batchnorm_forward",
    "dropout_backward",
    "dropout_forward",
    "early_stopping",
    "load_digits_split",
    "mlp_logits",
    "train_mlp",
    "weight_decay_step",
]

IntArray = NDArray[np.int64]


def _same_shape(value: ArrayLike, name: str, like: FloatArray, like_name: str, func: str) -> FloatArray:
    arr = as_float_array(value, name, func)
    if arr.shape != like.shape:
        raise ValueError(
            f"{func}: argument '{name}' must have the shape of '{like_name}', {like.shape}, got shape {arr.shape}"
        )
    return arr


# ----------------------------------------------------------------------------- ridge-like methods


def weight_decay_step(w: ArrayLike, dw: ArrayLike, lr: float, lam: float) -> FloatArray:
    r"""One gradient step on the loss plus an L2 penalty :math:`\lambda \|W\|^2`.

    The penalty's gradient is :math:`2\lambda W`, so

    .. math::

        W_t = W_{t-1} - \eta\,(g + 2\lambda W_{t-1}) = (1 - 2\lambda\eta)\, W_{t-1} - \eta\, g :

    first shrink ("decay") the weights by the factor :math:`1 - 2\lambda\eta`, then take
    the ordinary gradient step. ``lam=0`` is plain SGD.

    Parameters
    ----------
    w : array_like, any shape
        Current weights :math:`W_{t-1}`.
    dw : array_like, shape of ``w``
        Gradient :math:`g` of the *unpenalised* loss at ``w``.
    lr : float
        Step size :math:`\eta > 0`.
    lam : float
        Penalty strength :math:`\lambda \ge 0`.

    Returns
    -------
    w_new : ndarray, shape of ``w``
    """
    func = "weight_decay_step"
    w = as_float_array(w, "w", func)
    g = _same_shape(dw, "dw", w, "w", func)
    eta = check_positive(lr, "lr", func)
    lam = check_positive(lam, "lam", func, allow_zero=True)
    return _weight_decay(w, g, eta, lam)


def _weight_decay(w: FloatArray, g: FloatArray, lr: float, lam: float) -> FloatArray:
    return w * (1.0 - 2.0 * lam * lr) - lr * g


def add_input_noise(X: ArrayLike, std: float, rng: np.random.Generator) -> FloatArray:
    r"""Jitter the inputs: :math:`\tilde x = x + \epsilon`, :math:`\epsilon \sim N(0, s^2 I)`.

    Drawing fresh noise before every gradient computation keeps the network from fitting
    the exact training points. For a linear model :math:`f(x) = w^\top x` and the squared
    error, averaging over the noise gives exactly

    .. math:: \mathbb E_\epsilon\bigl[(w^\top(x+\epsilon) - y)^2\bigr] = (w^\top x - y)^2 + s^2 \|w\|^2 ,

    ridge regression with :math:`\lambda = s^2`. For a network and small :math:`s` the
    effect is, to first order, a penalty on how fast the output changes with the input
    (Bishop, 1995).

    Parameters
    ----------
    X : array_like, any shape, e.g. (N, D)
        Inputs, samples as rows.
    std : float
        Noise standard deviation :math:`s \ge 0` (not the variance).
    rng : numpy.random.Generator
        The noise is ``rng.normal(0.0, std, size=X.shape)``.

    Returns
    -------
    X_noisy : ndarray, shape of ``X``
        A new array; ``X`` is unchanged.
    """
    func = "add_input_noise"
    X = as_float_array(X, "X", func)
    s = check_positive(std, "std", func, allow_zero=True)
    check_rng(rng, func)
    return X + rng.normal(0.0, s, size=X.shape)


def early_stopping(val_losses: Sequence[float] | ArrayLike, patience: int) -> tuple[int, int]:
    r"""Where early stopping picks its weights and where it stops, on a validation curve.

    Epochs are numbered from 0: ``val_losses[e]`` is the validation loss measured after
    epoch ``e``. Walking through the epochs in order, the *best* epoch so far is the one
    with the lowest loss seen; only a strictly lower loss counts as an improvement, so
    on ties the earlier epoch stays best. Training stops at the first epoch ``e`` at which
    ``patience`` epochs have passed without an improvement, that is
    ``e - best == patience``. If that never happens the run ends with the last epoch,
    ``len(val_losses) - 1``. Either way the weights returned are those saved at the
    best epoch (among the epochs seen up to the stop).

    Example: ``early_stopping([5, 4, 3, 3.5, 3.2, 3.1, 2.0], patience=3)`` is ``(2, 5)``:
    epochs 3, 4 and 5 do not beat epoch 2, so training stops after epoch 5 and never sees
    the 2.0 of epoch 6.

    Parameters
    ----------
    val_losses : array_like, shape (E,)
        Validation loss after each epoch, E >= 1.
    patience : int
        Number of epochs without improvement to tolerate (>= 1).

    Returns
    -------
    best_epoch : int
        0-based epoch whose weights are kept.
    stop_epoch : int
        0-based epoch after which training stops (``best_epoch <= stop_epoch <= E-1``).
    """
    func = "early_stopping"
    losses = as_float_array(val_losses, "val_losses", func, ndim=1)
    if losses.size == 0:
        raise ValueError(f"{func}: argument 'val_losses' must hold at least one loss, got an empty sequence")
    if isinstance(patience, bool) or not isinstance(patience, Integral):
        raise TypeError(f"{func}: argument 'patience' must be a positive integer, got {type(patience).__name__}")
    if patience < 1:
        raise ValueError(f"{func}: argument 'patience' must be a positive integer (>= 1), got {patience}")
    best = 0
    for epoch in range(1, losses.size):
        if losses[epoch] < losses[best]:
            best = epoch
        elif epoch - best >= patience:
            return best, epoch
    return best, int(losses.size - 1)


# ----------------------------------------------------------------------------- dropout


def dropout_forward(
    a: ArrayLike, p: float, rng: np.random.Generator | None, train: bool = True
) -> tuple[FloatArray, FloatArray]:
    r"""Inverted dropout: drop each unit with probability p, rescale the survivors.

    At training time every entry is kept independently with probability :math:`1-p`, and
    the kept entries are divided by :math:`1-p`:

    .. math::

        \text{out} = a \odot d, \qquad d_{ij} = \frac{k_{ij}}{1-p}, \qquad
        k_{ij} \sim \text{Bernoulli}(1-p),

    so that :math:`\mathbb E[\text{out}] = a`: the next layer sees, on average, the same
    input as without dropout. At test time nothing is dropped and nothing rescaled
    (``out = a``), which is why the network can be used as it is after training.

    The notes use plain dropout instead (multiply by a 0/1 mask while training, rescale
    at test time) and write that the weights are multiplied "by p" at test time. With p
    the probability of dropping, the right factor is the probability of *keeping*,
    :math:`1-p`: a unit is present in a fraction :math:`1-p` of the training steps. (The
    two agree only for the common choice p = 0.5.) Inverted dropout moves that factor to
    training time, as :math:`1/(1-p)`; the expected activations are the same.

    Parameters
    ----------
    a : array_like, any shape, e.g. (N, n)
        Activations of a layer (samples as rows).
    p : float
        Probability of dropping a unit, :math:`0 \le p < 1` (p = 0 keeps everything).
    rng : numpy.random.Generator or None
        Source of the mask; the kept units are ``rng.random(a.shape) >= p``. Not used, and
        may be None, when ``train`` is False.
    train : bool
        Training mode (drop and rescale) or test mode (identity).

    Returns
    -------
    out : ndarray, shape of ``a``
        ``a * mask``.
    mask : ndarray, shape of ``a``
        The multiplier :math:`d`, *scaling included*: 0 for a dropped unit and
        :math:`1/(1-p)` for a kept one while training; all ones at test time.
        :func:`dropout_backward` needs it.
    """
    func = "dropout_forward"
    a = as_float_array(a, "a", func)
    if not isinstance(train, bool | np.bool_):
        raise TypeError(f"{func}: argument 'train' must be True or False, got {train!r}")
    if isinstance(p, Integral | float | np.floating) and not isinstance(p, bool) and p == 1:
        raise ValueError(
            f"{func}: argument 'p' is the probability of dropping a unit and must be < 1; "
            f"p = 1 would drop every unit (and the rescaling 1/(1-p) would divide by zero)"
        )
    drop = check_probability(p, "p", func, high_open=True)
    if not train:
        return a.copy(), np.ones_like(a)
    return _dropout_train(a, drop, check_rng(rng, func))


def _dropout_train(a: FloatArray, p: float, rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
    mask = (rng.random(a.shape) >= p) / (1.0 - p)
    return a * mask, mask


def dropout_backward(dout: ArrayLike, mask: ArrayLike) -> FloatArray:
    r"""Backward pass of dropout: :math:`\partial L/\partial a = \partial L/\partial\,\text{out} \odot d`.

    ``out = a * mask`` is elementwise with a fixed mask, so each entry of the upstream
    gradient is multiplied by the same factor: zero for dropped units (no gradient flows
    back through them, so the weights feeding them are not updated by this example) and
    :math:`1/(1-p)` for kept ones.

    Parameters
    ----------
    dout : array_like, any shape
        Gradient of the loss with respect to dropout's output.
    mask : array_like, shape of ``dout``
        The mask returned by :func:`dropout_forward` (scaling included).

    Returns
    -------
    da : ndarray, shape of ``dout``
    """
    func = "dropout_backward"
    dout = as_float_array(dout, "dout", func)
    mask = _same_shape(mask, "mask", dout, "dout", func)
    return dout * mask


# ----------------------------------------------------------------------------- batch normalisation


def batchnorm_forward(
    z: ArrayLike, gamma: ArrayLike, beta: ArrayLike, eps: float = 1e-5
) -> tuple[FloatArray, tuple[FloatArray, FloatArray, FloatArray]]:
    r"""Batch normalisation at training time: standardise each unit over the batch, then scale and shift.

    For a batch :math:`Z` of shape (N, n) (samples are rows, so unit :math:`i` is column
    :math:`i`),

    .. math::

        \mu_i = \frac1N \sum_{k=1}^N Z_{ki}, \qquad
        \sigma_i^2 = \frac1N \sum_{k=1}^N (Z_{ki} - \mu_i)^2, \qquad
        \bar Z_{ki} = \frac{Z_{ki} - \mu_i}{\sqrt{\sigma_i^2 + \varepsilon}}, \qquad
        \hat Z_{ki} = G_i \bar Z_{ki} + B_i ,

    with the biased variance (divide by N). The notes store the batch as columns
    (:math:`n \times K`) and write :math:`(Z - \mu)/(\sigma + \varepsilon)`; here
    :math:`\varepsilon` is inside the root, as in Ioffe and Szegedy (2015). For
    :math:`\sigma \gg \sqrt{\varepsilon}` the two agree. (A full layer would also keep
    running averages of :math:`\mu` and :math:`\sigma^2` to use at test time; this function is
    the training-time computation only.)

    Parameters
    ----------
    z : array_like, shape (N, n)
        Pre-activations of a batch, N >= 1.
    gamma : array_like, shape (n,)
        Scale :math:`G`.
    beta : array_like, shape (n,)
        Shift :math:`B`.
    eps : float
        :math:`\varepsilon > 0`.

    Returns
    -------
    out : ndarray, shape (N, n)
        :math:`\hat Z`.
    cache : tuple ``(z_bar, gamma, std)``
        ``z_bar`` the standardised batch :math:`\bar Z`, shape (N, n); ``gamma`` as given,
        shape (n,); ``std`` :math:`= \sqrt{\sigma^2 + \varepsilon}`, shape (n,). This is all
        :func:`batchnorm_backward` needs.
    """
    func = "batchnorm_forward"
    z = as_float_array(z, "z", func, ndim=2)
    if z.shape[0] == 0:
        raise ValueError(f"{func}: argument 'z' must hold at least one sample (row), got shape {z.shape}")
    gamma = _param(gamma, "gamma", z, func)
    beta = _param(beta, "beta", z, func)
    e = check_positive(eps, "eps", func)
    return _bn_forward(z, gamma, beta, e)


def _bn_forward(
    z: FloatArray, gamma: FloatArray, beta: FloatArray, eps: float
) -> tuple[FloatArray, tuple[FloatArray, FloatArray, FloatArray]]:
    centred = z - z.mean(axis=0)
    std = np.sqrt(np.mean(centred**2, axis=0) + eps)
    z_bar = centred / std
    return gamma * z_bar + beta, (z_bar, gamma.copy(), std)


def _param(value: ArrayLike, name: str, z: FloatArray, func: str) -> FloatArray:
    arr = as_float_array(value, name, func, ndim=1)
    if arr.shape != (z.shape[1],):
        raise ValueError(
            f"{func}: argument '{name}' must have shape ({z.shape[1]},), one entry per column of the "
            f"batch, got shape {arr.shape}"
        )
    return arr


def batchnorm_backward(dout: ArrayLike, cache: tuple[Any, Any, Any]) -> tuple[FloatArray, FloatArray, FloatArray]:
    r"""Backward pass of :func:`batchnorm_forward`, including the paths through the batch statistics.

    With :math:`D = \partial L/\partial \hat Z` (shape (N, n)) and sums over the batch
    index :math:`k`:

    .. math::

        \frac{\partial L}{\partial B_i} = \sum_k D_{ki}, \qquad
        \frac{\partial L}{\partial G_i} = \sum_k D_{ki}\, \bar Z_{ki} .

    Every :math:`Z_{ki}` affects every :math:`\bar Z_{ji}` of its column through
    :math:`\mu_i` and :math:`\sigma_i`. Writing :math:`s_i = \sqrt{\sigma_i^2+\varepsilon}`
    and :math:`\bar D = G \odot D` (the gradient with respect to :math:`\bar Z`), the
    three paths (direct, through the mean, through the variance) add up to

    .. math::

        \frac{\partial L}{\partial Z_{ki}} = \frac{1}{s_i}\Bigl(\bar D_{ki}
            - \frac1N \sum_j \bar D_{ji}
            - \bar Z_{ki}\, \frac1N \sum_j \bar D_{ji} \bar Z_{ji}\Bigr).

    The bracket removes from :math:`\bar D` its column mean and its component along
    :math:`\bar Z`: shifting a column of :math:`Z` or scaling it leaves :math:`\bar Z`
    unchanged, so those directions get no gradient.

    Parameters
    ----------
    dout : array_like, shape (N, n)
        :math:`\partial L/\partial \hat Z`.
    cache : tuple ``(z_bar, gamma, std)``
        As returned by :func:`batchnorm_forward`: shapes (N, n), (n,), (n,).

    Returns
    -------
    dz : ndarray, shape (N, n)
    dgamma : ndarray, shape (n,)
    dbeta : ndarray, shape (n,)
    """
    func = "batchnorm_backward"
    dout = as_float_array(dout, "dout", func, ndim=2)
    if not isinstance(cache, tuple | list) or len(cache) != 3:
        raise TypeError(f"{func}: argument 'cache' must be the tuple (z_bar, gamma, std) returned by batchnorm_forward")
    z_bar = _same_shape(cache[0], "cache[0] (z_bar)", dout, "dout", func)
    gamma = _param(cache[1], "cache[1] (gamma)", dout, func)
    std = _param(cache[2], "cache[2] (std)", dout, func)
    if np.any(std <= 0):
        raise ValueError(f"{func}: cache[2] (std) must be positive, got {std}")
    return _bn_backward(dout, z_bar, gamma, std)


def _bn_backward(
    dout: FloatArray, z_bar: FloatArray, gamma: FloatArray, std: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * z_bar, axis=0)
    d_bar = dout * gamma
    dz = (d_bar - d_bar.mean(axis=0) - z_bar * np.mean(d_bar * z_bar, axis=0)) / std
    return dz, dgamma, dbeta


# ----------------------------------------------------------------------------- the digits experiments
#
# Notebook 07 trains small ReLU networks on scikit-learn's 8x8 digits to watch over-fitting and
# what each regulariser does about it. The training loop uses the reference functions above
# (weight_decay_step, add_input_noise, dropout_*, batchnorm_*), so the notebook's pictures come
# from exactly the maths of the exercises.

_BN_EPS = 1e-5
_BN_MOMENTUM = 0.9  # running statistics: m <- 0.9 m + 0.1 mu_batch


@dataclass(frozen=True)
class DigitsSplit:
    """The 8x8 digits, split into training, validation and test sets.

    Attributes
    ----------
    X_train, X_val, X_test : ndarray, shapes (n_train, 64), (n_val, 64), (n_test, 64)
        Pixel intensities scaled from 0..16 to [0, 1], one image per row.
    y_train, y_val, y_test : ndarray of int64, shapes (n_train,), (n_val,), (n_test,)
        Digit labels 0..9. Only ``y_train`` carries label noise, if any was asked for.
    flipped : ndarray of bool, shape (n_train,)
        Which training labels were replaced by a wrong digit.
    """

    X_train: FloatArray
    y_train: IntArray
    X_val: FloatArray
    y_val: IntArray
    X_test: FloatArray
    y_test: IntArray
    flipped: NDArray[np.bool_]


def load_digits_split(n_train: int, n_val: int, rng: np.random.Generator, *, label_noise: float = 0.0) -> DigitsSplit:
    r"""Shuffle scikit-learn's bundled 8x8 digits (1797 images) and split them three ways.

    The first ``n_train`` shuffled images train, the next ``n_val`` validate (model
    selection, early stopping), the rest test. With ``label_noise`` :math:`= q > 0` each
    training label is, with probability :math:`q`, replaced by one of the nine *other*
    digits chosen uniformly; validation and test labels stay clean. Wrong labels can only be
    fitted by memorising them, which makes over-fitting easy to see on a small network.

    Parameters
    ----------
    n_train, n_val : int
        Sizes of the training and validation sets (>= 1, together fewer than 1797).
    rng : numpy.random.Generator
        Source of the shuffle and of the label noise.
    label_noise : float
        Probability :math:`q \in [0, 1)` of corrupting a training label.

    Returns
    -------
    DigitsSplit
    """
    func = "load_digits_split"
    check_rng(rng, func)
    q = check_probability(label_noise, "label_noise", func, high_open=True)
    n_tr = check_int(n_train, "n_train", func, minimum=1)
    n_va = check_int(n_val, "n_val", func, minimum=1)
    pixels, labels = digits()
    X = pixels / 16.0
    y = labels.copy()
    if n_tr + n_va >= len(X):
        raise ValueError(f"{func}: n_train + n_val must leave images for the test set (< {len(X)}), got {n_tr + n_va}")
    order = rng.permutation(len(X))
    tr, va, te = order[:n_tr], order[n_tr : n_tr + n_va], order[n_tr + n_va :]
    y_train = y[tr].copy()
    flipped = rng.random(n_tr) < q
    y_train[flipped] = (y_train[flipped] + rng.integers(1, 10, size=int(flipped.sum()))) % 10
    return DigitsSplit(X[tr], y_train, X[va], y[va], X[te], y[te], flipped)


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


@dataclass(frozen=True)
class TrainingHistory:
    """What :func:`train_mlp` measured after every epoch.

    Attributes
    ----------
    train_loss, val_loss : ndarray, shape (E,)
        Mean cross-entropy on the whole training / validation set after each epoch, with the
        network in test mode (no dropout; batch norm with its running statistics).
    train_acc, val_acc : ndarray, shape (E,)
        Fraction of the set classified correctly, likewise.
    weights : list of MLPWeights, or None
        A copy of the network after every epoch when ``keep_weights=True`` (so that early
        stopping can go back to the best one), else None.
    """

    train_loss: FloatArray
    val_loss: FloatArray
    train_acc: FloatArray
    val_acc: FloatArray
    weights: list[MLPWeights] | None


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
    returns the gradients; ``update`` applies them. Batch norm's running statistics are
    updated by ``forward(..., track=True)``.
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

    def update(self, grads: dict[str, list[FloatArray]], *, lr: float, lam: float) -> None:
        """Weight decay on the matrices W, plain SGD on b, gamma and beta."""
        self.W = [_weight_decay(W, g, lr, lam) for W, g in zip(self.W, grads["W"], strict=True)]
        self.b = [b - lr * g for b, g in zip(self.b, grads["b"], strict=True)]
        if self.batchnorm:
            self.gamma = [g - lr * d for g, d in zip(self.gamma, grads["gamma"], strict=True)]
            self.beta = [be - lr * d for be, d in zip(self.beta, grads["beta"], strict=True)]


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
    """
    func = "train_mlp"
    X = as_float_array(X_train, "X_train", func, ndim=2)
    Xv = as_float_array(X_val, "X_val", func, ndim=2)
    y = check_labels(y_train, X.shape[0], "y_train", func)
    yv = check_labels(y_val, Xv.shape[0], "y_val", func)
    if X.shape[0] == 0 or Xv.shape[0] == 0:
        raise ValueError(f"{func}: the training and validation sets must not be empty")
    if Xv.shape[1] != X.shape[1]:
        raise ValueError(f"{func}: argument 'X_val' must have {X.shape[1]} columns like X_train, got {Xv.shape[1]}")
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

    from coursekit.losses import softmax_cross_entropy
    from coursekit.progress import progress

    net = _Net([X.shape[1], *widths, int(max(y.max(), yv.max())) + 1], bool(batchnorm), rng)
    curves: dict[str, list[float]] = {"train_loss": [], "val_loss": [], "train_acc": [], "val_acc": []}
    kept: list[MLPWeights] = []
    with _one_blas_thread():
        for _ in progress(range(n_epochs), desc=desc):
            order = rng.permutation(X.shape[0])
            for start in range(0, X.shape[0], k):
                batch = order[start : start + k]
                inputs = add_input_noise(X[batch], noise, rng) if noise > 0 else X[batch]
                logits = net.forward(inputs, p=p, rng=rng)
                net.update(net.backward(_softmax_ce_grad(logits, y[batch])), lr=eta, lam=lam)
            current = net.weights(copy=False)
            for part, Xe, ye in (("train", X, y), ("val", Xv, yv)):
                logits = mlp_logits(current, Xe)
                loss, _ = softmax_cross_entropy(logits, ye)
                curves[f"{part}_loss"].append(loss)
                curves[f"{part}_acc"].append(float(np.mean(np.argmax(logits, axis=1) == ye)))
            if keep_weights:
                kept.append(net.weights())
    return TrainingHistory(
        np.asarray(curves["train_loss"]),
        np.asarray(curves["val_loss"]),
        np.asarray(curves["train_acc"]),
        np.asarray(curves["val_acc"]),
        weights=kept if keep_weights else None,
    )
