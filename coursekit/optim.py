r"""Running averages, mini-batches and the update rules of gradient-based optimizers.

Every update rule is a pure function of the current weights ``w``, the gradient ``dw``
of the loss at ``w`` and the optimizer's state; it returns the new weights and the new
state as new arrays and never changes its arguments::

    w = sgd_step(w, dw, lr)
    w, v = momentum_step(w, dw, v, lr, gamma=0.9)
    w, G = adadelta_step(w, dw, G, lr, gamma=0.9, eps=1e-8)
    w, m, v = adam_step(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)

The state starts at zero (``np.zeros_like(w)``) and has ``w``'s shape. ``w`` may have any
shape: a weight matrix, a bias vector, or a point in the plane for the 2-D test problems of
:mod:`coursekit.landscapes`, which runs the rules along paths and draws them (re-exported here:
:func:`run_optimizer`, :func:`ill_conditioned_quadratic`, :func:`rosenbrock` ...).

For a real network, :func:`coursekit.training.train_mlp` trains a small ReLU classifier
with any of the update rules (:func:`call_step` calls one with its state), on mini-batches
from :func:`minibatch_indices`; :func:`digits_dataset` supplies scikit-learn's bundled 8x8
handwritten digits.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from coursekit._docs import documented
from coursekit._validate import (
    FloatArray,
    as_float_array,
    check_decay,
    check_int,
    check_positive,
    check_rng,
    check_squares_average,
    check_step_inputs,
    check_update_number,
)
from coursekit.datasets import digits
from coursekit.landscapes import (
    Quadratic,
    ill_conditioned_quadratic,
    plot_losses,
    plot_paths,
    rosenbrock,
    rosenbrock_grad,
    run_optimizer,
)
from coursekit.stepping import call_step, initial_state

IntArray = NDArray[np.int64]

__all__ = [
    "Quadratic",
    "adadelta_step",
    "adam_step",
    "call_step",
    "digits_dataset",
    "ill_conditioned_quadratic",
    "initial_state",
    "minibatch_indices",
    "momentum_step",
    "momentum_step_ema",
    "moving_average",
    "plot_losses",
    "plot_paths",
    "rosenbrock",
    "rosenbrock_grad",
    "run_optimizer",
    "running_mean",
    "sgd_step",
]


# ----------------------------------------------------------------------------- running averages


def moving_average(a: ArrayLike, gamma: float) -> FloatArray:
    r"""Exponential moving average of a sequence, started at zero.

    .. math::

        A_0 = 0, \qquad A_t = \gamma A_{t-1} + (1-\gamma)\, a_t \quad (t = 1, \dots, T),

    which unrolls to :math:`A_T = \sum_{t=1}^{T} (1-\gamma)\gamma^{T-t} a_t`: recent terms
    weigh most. Because :math:`A_0 = 0`, the weights sum to :math:`1-\gamma^T < 1`, so early
    averages are pulled towards zero (a constant sequence :math:`c` gives
    :math:`A_t = c(1-\gamma^t)`); this is the bias that Adam corrects.

    Parameters
    ----------
    a : array_like, shape (T,) or (T, ...)
        The sequence :math:`a_1, \dots, a_T` along axis 0; each :math:`a_t` may be an array.
    gamma : float
        The decay :math:`\gamma \in [0, 1)`; larger means a longer memory (about
        :math:`1/(1-\gamma)` terms).

    Returns
    -------
    A : ndarray, shape of ``a``
        ``A[t-1]`` is :math:`A_t`, for t = 1..T (:math:`A_0` is not included).
    """
    func = "moving_average"
    seq = as_float_array(a, "a", func)
    if seq.ndim == 0:
        raise ValueError(f"{func}: argument 'a' must be a sequence (at least 1 dimension), got a scalar")
    g = check_decay(gamma, "gamma", func)
    out = np.empty_like(seq)
    acc = np.zeros(seq.shape[1:])
    for t in range(seq.shape[0]):
        acc = g * acc + (1.0 - g) * seq[t]
        out[t] = acc
    return out


def running_mean(a: ArrayLike) -> FloatArray:
    r"""The running average with :math:`\gamma_t = (t-1)/t`: the exact mean of what was seen so far.

    .. math::

        A_0 = 0, \qquad A_t = \frac{t-1}{t} A_{t-1} + \frac{1}{t} a_t
        \quad\Longrightarrow\quad A_t = \frac{1}{t}\sum_{s=1}^{t} a_s .

    (Induction: if :math:`A_{t-1}` is the mean of :math:`t-1` terms, then
    :math:`(t-1)A_{t-1}` is their sum, and adding :math:`a_t` and dividing by :math:`t`
    gives the mean of :math:`t` terms.) The first step has :math:`\gamma_1 = 0`, so the
    zero start leaves no bias.

    Parameters
    ----------
    a : array_like, shape (T,) or (T, ...)
        The sequence along axis 0.

    Returns
    -------
    A : ndarray, shape of ``a``
        ``A[t-1]`` is the mean of ``a[0], ..., a[t-1]``.
    """
    func = "running_mean"
    seq = as_float_array(a, "a", func)
    if seq.ndim == 0:
        raise ValueError(f"{func}: argument 'a' must be a sequence (at least 1 dimension), got a scalar")
    out = np.empty_like(seq)
    acc = np.zeros(seq.shape[1:])
    for t in range(1, seq.shape[0] + 1):
        gamma_t = (t - 1) / t
        acc = gamma_t * acc + (1.0 - gamma_t) * seq[t - 1]
        out[t - 1] = acc
    return out


# ----------------------------------------------------------------------------- mini-batches


def minibatch_indices(n: int, k: int, rng: np.random.Generator) -> list[np.ndarray]:
    r"""Shuffle the indices :math:`0, \dots, n-1` and cut them into batches of size k.

    One epoch of mini-batch SGD visits every example exactly once: shuffle, then take
    ``perm[0:k]``, ``perm[k:2k]``, ... There are :math:`\lceil n/k \rceil` batches; when k
    does not divide n the last one is smaller (:math:`n - k\lfloor n/k \rfloor` indices).
    k = 1 is plain stochastic gradient descent, k >= n is batch gradient descent.

    Parameters
    ----------
    n : int
        Number of examples (>= 1).
    k : int
        Batch size (>= 1).
    rng : numpy.random.Generator
        The shuffle is ``rng.permutation(n)``.

    Returns
    -------
    batches : list of ndarray of int, length ceil(n/k)
        Index arrays of shape (k,), the last of shape (n - k*(ceil(n/k)-1),). Together they
        hold each of 0..n-1 exactly once.
    """
    func = "minibatch_indices"
    n = check_int(n, "n", func, minimum=1)
    k = check_int(k, "k", func, minimum=1)
    check_rng(rng, func)
    perm = rng.permutation(n)
    return [perm[i * k : (i + 1) * k] for i in range(math.ceil(n / k))]


# ----------------------------------------------------------------------------- update rules

# The arguments every update rule shares (see coursekit._docs).
_W = "w : array_like, any shape\n    Current weights :math:`W_{t-1}`."
_DW = "dw : array_like, shape of ``w``\n    Gradient :math:`g_t` of the loss at ``w``."
_LR = "lr : float\n    Step size :math:`\\eta > 0`."
_GAMMA = "gamma : float\n    Decay :math:`\\gamma \\in [0, 1)`."


@documented(params=[_W, _DW, _LR], returns="w_new : ndarray, shape of ``w``")
def sgd_step(w: ArrayLike, dw: ArrayLike, lr: float) -> FloatArray:
    r"""One step of gradient descent: :math:`W \leftarrow W - \eta\, g`."""
    func = "sgd_step"
    w, g = check_step_inputs(func, w, dw)
    eta = check_positive(lr, "lr", func)
    return w - eta * g


@documented(
    params=[
        _W,
        _DW,
        "v : array_like, shape of ``w``\n    Velocity :math:`V_{t-1}` (zeros before the first step).",
        _LR,
        "gamma : float\n    Momentum :math:`\\gamma \\in [0, 1)`; 0 is plain gradient descent.",
    ],
    returns="w_new, v_new : ndarray, shape of ``w``\n    :math:`W_t` and :math:`V_t`.",
)
def momentum_step(
    w: ArrayLike, dw: ArrayLike, v: ArrayLike, lr: float, gamma: float = 0.9
) -> tuple[FloatArray, FloatArray]:
    r"""One step of gradient descent with momentum, as the notes write it.

    .. math::

        V_t = \gamma V_{t-1} + \eta\, g_t, \qquad W_t = W_{t-1} - V_t, \qquad V_0 = 0 .

    :math:`V` is a velocity: along directions where the gradient keeps its sign the
    steps add up (up to :math:`\eta/(1-\gamma)` times the gradient), while components that
    flip sign from step to step cancel out.

    The same method is often written with a moving average of the gradients instead
    (:func:`momentum_step_ema`); the two give identical paths when
    :math:`\eta' = \eta/(1-\gamma)`.
    """
    func = "momentum_step"
    w, g, v = check_step_inputs(func, w, dw, v=v)
    eta, gam = check_positive(lr, "lr", func), check_decay(gamma, "gamma", func)
    v_new = gam * v + eta * g
    return w - v_new, v_new


@documented(
    params=[
        _W,
        _DW,
        "m : array_like, shape of ``w``\n    Moving average :math:`M_{t-1}` (zeros before the first step).",
        "lr : float\n    Step size :math:`\\eta' > 0`.",
        _GAMMA,
    ],
    returns="w_new, m_new : ndarray, shape of ``w``\n    :math:`W_t` and :math:`M_t`.",
)
def momentum_step_ema(
    w: ArrayLike, dw: ArrayLike, m: ArrayLike, lr: float, gamma: float = 0.9
) -> tuple[FloatArray, FloatArray]:
    r"""Momentum written as a step along a moving average of the gradients.

    .. math::

        M_t = \gamma M_{t-1} + (1-\gamma)\, g_t, \qquad W_t = W_{t-1} - \eta' M_t,
        \qquad M_0 = 0 .

    **Equivalence with** :func:`momentum_step`. Unrolling both recursions from zero,

    .. math::

        V_t = \eta \sum_{s=1}^{t} \gamma^{t-s} g_s, \qquad
        M_t = (1-\gamma) \sum_{s=1}^{t} \gamma^{t-s} g_s ,

    so :math:`V_t = \frac{\eta}{1-\gamma} M_t`. With :math:`\eta' = \eta/(1-\gamma)` (the
    notes' :math:`\eta = \eta'(1-\gamma)`) the weight updates :math:`V_t` and
    :math:`\eta' M_t` are equal at every step, hence so are the paths. This form keeps
    the size of a step comparable to plain SGD with step size :math:`\eta'` once the
    average has warmed up.
    """
    func = "momentum_step_ema"
    w, g, m = check_step_inputs(func, w, dw, m=m)
    eta, gam = check_positive(lr, "lr", func), check_decay(gamma, "gamma", func)
    m_new = gam * m + (1.0 - gam) * g
    return w - eta * m_new, m_new


@documented(
    params=[
        _W,
        _DW,
        "G : array_like, shape of ``w``\n    Running average :math:`G_{t-1} \\ge 0` of squared\n"
        "    gradients (zeros before the first step).",
        _LR,
        _GAMMA,
        "eps : float\n    :math:`\\varepsilon > 0`, keeps the division finite where :math:`G = 0`.",
    ],
    returns="w_new, G_new : ndarray, shape of ``w``\n    :math:`W_t` and :math:`G_t`.",
)
def adadelta_step(
    w: ArrayLike, dw: ArrayLike, G: ArrayLike, lr: float, gamma: float = 0.9, eps: float = 1e-8
) -> tuple[FloatArray, FloatArray]:
    r"""One step of "adadelta" as the notes define it: a step size per weight.

    .. math::

        G_t = \gamma G_{t-1} + (1-\gamma)\, g_t^2, \qquad
        W_t = W_{t-1} - \frac{\eta}{\sqrt{G_t + \varepsilon}}\, g_t, \qquad G_0 = 0,

    all elementwise. :math:`G` tracks the typical squared size of each weight's gradient;
    dividing by its root takes short steps where the loss is steep and long ones where it
    is flat. (What the notes call adadelta is what is usually called RMSprop; Zeiler's
    original adadelta also keeps an average of the squared *updates* and has no
    :math:`\eta`.)
    """
    func = "adadelta_step"
    w, g, G = check_step_inputs(func, w, dw, G=G)
    check_squares_average(G, "G", func)
    eta, gam = check_positive(lr, "lr", func), check_decay(gamma, "gamma", func)
    e = check_positive(eps, "eps", func)
    G_new = gam * G + (1.0 - gam) * g**2
    return w - eta * g / np.sqrt(G_new + e), G_new


@documented(
    params=[
        _W,
        _DW,
        "m, v : array_like, shape of ``w``\n    Moving averages :math:`m_{t-1}` and :math:`v_{t-1} \\ge 0`\n"
        "    (uncorrected; zeros before the first step).",
        "t : int\n    1-based index of this update (the first call uses ``t=1``).",
        _LR,
        "beta1, beta2 : float\n    Decays in [0, 1) of the two averages.",
        "eps : float\n    :math:`\\varepsilon > 0`.",
    ],
    returns="w_new, m_new, v_new : ndarray, shape of ``w``\n    :math:`W_t`, :math:`m_t`, :math:`v_t` (uncorrected).",
)
def adam_step(
    w: ArrayLike,
    dw: ArrayLike,
    m: ArrayLike,
    v: ArrayLike,
    t: int,
    lr: float = 1e-3,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    r"""One step of Adam (Kingma and Ba, 2015): momentum and per-weight step sizes together.

    With :math:`t = 1, 2, \dots` the index of the update being made and :math:`m_0 = v_0 = 0`,

    .. math::

        m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t, &
        v_t &= \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2, \\
        \hat m_t &= \frac{m_t}{1-\beta_1^t}, &
        \hat v_t &= \frac{v_t}{1-\beta_2^t}, \\
        W_t &= W_{t-1} - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t} + \varepsilon} .

    The averages start at zero, so their weights sum to :math:`1-\beta^t`; dividing by it
    removes the pull towards zero (the bias correction). At :math:`t = 1` it gives
    :math:`\hat m_1 = g_1` and :math:`\hat v_1 = g_1^2`, so the first step moves every weight
    by about :math:`\eta` against the sign of its gradient. Without the correction (default
    betas) the first step would be :math:`\eta \cdot 0.1/\sqrt{0.001} \approx 3.2\,\eta`:
    :math:`m` is 10 times too small, but :math:`\sqrt v` is 32 times too small.

    The stored ``m`` and ``v`` are the *uncorrected* :math:`m_t, v_t`; the corrected ones are
    recomputed at each step. :math:`\varepsilon` sits outside the square root as in Kingma
    and Ba; the notes put it inside, :math:`\sqrt{\hat v_t + \varepsilon}`. The two differ
    only for tiny gradients, :math:`|g| \lesssim \sqrt{\varepsilon}` (1e-4 for the default).
    """
    func = "adam_step"
    w, g, m, v = check_step_inputs(func, w, dw, m=m, v=v)
    check_squares_average(v, "v", func)
    t = check_update_number(t, func)
    lr, eps = check_positive(lr, "lr", func), check_positive(eps, "eps", func)
    beta1, beta2 = check_decay(beta1, "beta1", func), check_decay(beta2, "beta2", func)
    m_new = beta1 * m + (1.0 - beta1) * g
    v_new = beta2 * v + (1.0 - beta2) * g**2
    m_hat = m_new / (1.0 - beta1**t)
    v_hat = v_new / (1.0 - beta2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m_new, v_new


# ----------------------------------------------------------------------------- real data: the 8x8 digits


def digits_dataset() -> tuple[FloatArray, IntArray]:
    """scikit-learn's 8x8 digits (:func:`coursekit.datasets.digits`), as arrays of your own.

    Returns
    -------
    X : ndarray, shape (1797, 64)
        Pixel intensities (float64, 0..16), one image per row.
    y : ndarray of int64, shape (1797,)
        The digit shown in each image.
    """
    X, y = digits()
    return X.copy(), y.copy()
