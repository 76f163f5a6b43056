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

Notebook 07's experiments train networks with these regularisers in
:mod:`coursekit.regularised_training`, on the digits of :func:`coursekit.datasets.load_digits_split`
(both re-exported here with :class:`TrainingHistory`, which that trainer returns; its ``train_mlp``,
``mlp_logits`` and ``MLPWeights`` are not, since that module imports this one).
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from coursekit._validate import (
    FloatArray,
    as_float_array,
    check_int,
    check_like,
    check_positive,
    check_probability,
    check_rng,
)
from coursekit.datasets import DigitsSplit, load_digits_split
from coursekit.training import TrainingHistory

__all__ = [
    "DigitsSplit",
    "TrainingHistory",
    "add_input_noise",
    "batchnorm_backward",
    "batchnorm_forward",
    "dropout_backward",
    "dropout_forward",
    "early_stopping",
    "load_digits_split",
    "weight_decay_step",
]

IntArray = NDArray[np.int64]


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
    g = check_like(dw, "dw", w, func)
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
    patience = check_int(patience, "patience", func, positive=True)
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
    mask = check_like(mask, "mask", dout, func, like_name="dout")
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
    z_bar = check_like(cache[0], "cache[0] (z_bar)", dout, func, like_name="dout")
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
