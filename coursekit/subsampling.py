r"""Rare events: subsampling the negatives, and two ways to undo its effect.

When the positive class is rare (clicks, fraud, disease), a common way to save
storage is to keep every positive example and only a fraction ``f`` of the
negatives. A logistic regression fitted naively to the kept data predicts
positives far too often. This module holds the tools of the tutorial in
lecture notes 004 (question 1):

* :func:`subsample_negatives` draws the kept data set;
* :func:`bias_correction` repairs a naively fitted model by adding
  :math:`\log f` to its bias (the tutorial's method b);
* :func:`importance_weights` and the ``sample_weight`` argument of
  :func:`fit_logistic_regression` fit the original data's loss directly
  (the tutorial's method c, importance sampling);
* :func:`safe_step_size`, the step size that gradient descent on the
  (weighted) log loss can always take: importance weights make it smaller
  (with the descent itself in :mod:`coursekit.logistic_regression`);
* helpers to judge the result: :func:`make_rare_events` (data with a known
  :math:`P(y=1 \mid x)`, optionally one that logistic regression cannot
  represent exactly), :func:`predict_proba`, :func:`log_loss`,
  :func:`excess_log_loss` (distance to the known truth),
  :func:`reliability_curve`, :func:`precision_recall` and
  :func:`precision_recall_curve`.

The maths in one place
----------------------
Write :math:`p = P(y=1 \mid x)` in the world and :math:`k` for "the example
was kept". Positives are always kept, negatives with probability :math:`f`, so

.. math::

    P(y \mid x, k) \propto \begin{cases} p, & y = 1 \\ f\,(1-p), & y = 0 \end{cases}
    \qquad\Longrightarrow\qquad
    P(y=1 \mid x, k) = \frac{p}{p + f(1-p)}
                     = \sigma\big(\log p - \log(1-p) - \log f\big).

(The worked answer in the notes drops a ``log`` here and writes
:math:`\log P(y=1 \mid x) - P(y=0 \mid x)`; the log-odds
:math:`\log P(y=1 \mid x) - \log P(y=0 \mid x)` is what is meant.)
A model fitted to the kept data, :math:`\sigma(w^\top x + b)`, therefore
estimates :math:`\log\frac{p}{1-p} - \log f = w^\top x + b`, and the world's
log-odds are :math:`w^\top x + (b + \log f)`: add :math:`\log f` (a negative
number) to the bias.

Labels ``y`` are arrays of zeros and ones (any real or integer dtype).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from coursekit._validate import (
    FloatArray,
    as_float_array,
    check_binary_labels,
    check_design,
    check_probability,
    check_rng,
)
from coursekit.activations import logistic
from coursekit.calibration import (
    ReliabilityCurve,
    excess_log_loss,
    log_loss,
    precision_recall,
    precision_recall_curve,
    reliability_curve,
)
from coursekit.datasets import make_rare_events
from coursekit.logistic_regression import gradient_descent, safe_step_size

__all__ = [
    "subsample_negatives",
    "bias_correction",
    "importance_weights",
    "fit_logistic_regression",
    "safe_step_size",
    "predict_proba",
    "log_loss",
    "excess_log_loss",
    "make_rare_events",
    "reliability_curve",
    "ReliabilityCurve",
    "precision_recall",
    "precision_recall_curve",
]


# --------------------------------------------------------------------------- helpers


def _fraction(f: float, func: str) -> float:
    """Validate a keep-fraction ``0 < f <= 1``."""
    return check_probability(f, "f", func, low_open=True)


# --------------------------------------------------------------------------- exercises


def subsample_negatives(
    X: ArrayLike, y: ArrayLike, f: float, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    r"""Keep every positive example and each negative one with probability ``f``.

    Each row with :math:`y_n = 0` is kept independently with probability
    :math:`f`; every row with :math:`y_n = 1` is kept. The expected number of
    kept rows is :math:`N_1 + f N_0`. Rows keep their original order.

    Parameters
    ----------
    X : array_like, shape (N, d)
        Inputs, one example per row.
    y : array_like, shape (N,)
        Labels, 0 or 1.
    f : float
        Probability of keeping a negative example, ``0 < f <= 1``
        (``f = 1`` keeps everything).
    rng : numpy.random.Generator
        Source of randomness. Exactly one uniform number is drawn per row,
        ``u = rng.random(N)``, and a negative row is kept when ``u < f``.

    Returns
    -------
    X_kept : ndarray, shape (M, d)
        The kept rows of ``X`` (a new float64 array).
    y_kept : ndarray, shape (M,)
        Their labels (a new float64 array of zeros and ones).
    """
    func = "subsample_negatives"
    Xa = check_design(X, func)
    ya = check_binary_labels(y, func, Xa.shape[0])
    f = _fraction(f, func)
    rng = check_rng(rng, func)
    u = rng.random(Xa.shape[0])
    keep = (ya == 1.0) | (u < f)
    return Xa[keep].copy(), ya[keep].copy()


def bias_correction(b: float, f: float) -> float:
    r"""Turn the bias of a model fitted to subsampled data into the world's bias.

    If :math:`\sigma(w^\top x + b)` models :math:`P(y=1 \mid x, k)` on data
    whose negatives were kept with probability :math:`f`, then

    .. math::

        \log P(y=1 \mid x) - \log P(y=0 \mid x) = w^\top x + (b + \log f),

    so the corrected bias is :math:`b + \log f` (smaller than :math:`b`,
    since :math:`\log f \le 0`); the weights :math:`w` stay as they are.
    (The notes' worked answer writes the left-hand side as
    :math:`\log P(y=1 \mid x) - P(y=0 \mid x)`, dropping the second
    :math:`\log`; the log-odds above is the correct statement.)

    Parameters
    ----------
    b : float
        Bias fitted on the subsampled data.
    f : float
        The keep-probability of negatives used when subsampling, ``0 < f <= 1``.

    Returns
    -------
    float
        ``b + log(f)``.
    """
    func = "bias_correction"
    b_arr = as_float_array(b, "b", func, ndim=0)
    f = _fraction(f, func)
    return float(b_arr) + float(np.log(f))


def importance_weights(y: ArrayLike, f: float) -> FloatArray:
    r"""Importance weights that turn the subsampled loss into the world's loss.

    The kept data are drawn from :math:`P(x, y \mid k)`, which is proportional
    to :math:`P(x, y)` for :math:`y = 1` and to :math:`f\,P(x, y)` for
    :math:`y = 0`. Weighting each kept example's loss by

    .. math::

        s_n \propto \frac{P(x_n, y_n)}{P(x_n, y_n \mid k)} =
        \begin{cases} 1, & y_n = 1 \\ 1/f, & y_n = 0 \end{cases}

    makes the weighted average an estimate of the expected loss under the
    original distribution (importance sampling).

    Parameters
    ----------
    y : array_like, shape (N,)
        Labels, 0 or 1.
    f : float
        Keep-probability of negatives, ``0 < f <= 1``.

    Returns
    -------
    ndarray, shape (N,)
        ``1.0`` where ``y == 1`` and ``1/f`` where ``y == 0``.
    """
    func = "importance_weights"
    ya = check_binary_labels(y, func)
    f = _fraction(f, func)
    return np.where(ya == 1.0, 1.0, 1.0 / f)


def fit_logistic_regression(
    X: ArrayLike,
    y: ArrayLike,
    sample_weight: ArrayLike | None = None,
    lr: float | None = None,
    epochs: int = 1000,
    l2: float = 0.0,
) -> tuple[FloatArray, float]:
    r"""Fit :math:`P(y=1 \mid x) = \sigma(w^\top x + b)` by full-batch gradient descent.

    Minimises the weighted mean log loss plus an optional L2 penalty on
    :math:`w` (the bias is not penalised):

    .. math::

        J(w, b) = \frac{1}{N} \sum_{n=1}^{N} s_n \, \ell_n + \lambda \lVert w \rVert^2,
        \qquad
        \ell_n = -y_n \log \sigma(z_n) - (1 - y_n) \log\big(1 - \sigma(z_n)\big),
        \quad z_n = w^\top x_n + b,

    with gradients :math:`\partial J / \partial w = \frac{1}{N}\sum_n s_n
    (\sigma(z_n) - y_n)\, x_n + 2 \lambda w` and :math:`\partial J / \partial b
    = \frac{1}{N}\sum_n s_n (\sigma(z_n) - y_n)`. :math:`\ell_n` is computed as
    :math:`\mathrm{softplus}(z_n) - y_n z_n`, which never overflows.

    The weighted sum is divided by :math:`N`, not by :math:`\sum_n s_n`. This is
    the importance-sampling estimate of the tutorial,
    :math:`-\frac{1}{N}\sum_n \frac{P(x_n, y_n)}{P(x_n, y_n \mid k)} \log P(y_n \mid x_n)`,
    term for term: with weights :func:`importance_weights` every negative's
    gradient is multiplied by exactly :math:`1/f`. The two normalisations have
    the same minimiser when :math:`\lambda = 0`; they differ only in the scale of
    the objective (which matters for the step size and for the strength of the
    L2 penalty).

    Gradient descent starts from :math:`w = 0` and :math:`b` equal to the
    weighted log-odds of the labels, :math:`\log(\sum_n s_n y_n / \sum_n s_n (1-y_n))`
    (the best bias for :math:`w = 0`), and takes ``epochs`` steps
    :math:`w \leftarrow w - \eta\, \partial J/\partial w`,
    :math:`b \leftarrow b - \eta\, \partial J/\partial b`. It is deterministic.

    Parameters
    ----------
    X : array_like, shape (N, d)
        Inputs, one example per row (standardised features converge fastest).
    y : array_like, shape (N,)
        Labels, 0 or 1; both must occur.
    sample_weight : array_like, shape (N,), optional
        Non-negative weights :math:`s_n`; default all ones.
    lr : float, optional
        Step size :math:`\eta`. Default ``None`` picks :func:`safe_step_size`, :math:`\eta = 1/L` with
        :math:`L = \frac{1}{4} \lambda_{\max}\big(\frac{1}{N} A^\top \mathrm{diag}(s) A\big)
        + 2\lambda`, :math:`A = [X, 1]`: a bound on the curvature of
        :math:`J`, so each step decreases the loss. Large weights (small ``f``)
        give a smaller step, which is the tutorial's remark that
        importance-weighted training needs its step size adjusted.
    epochs : int
        Number of gradient steps (default 1000).
    l2 : float
        Penalty strength :math:`\lambda \ge 0` (default 0), as in the notes'
        weight decay :math:`\lambda \lVert W \rVert^2`.

    Returns
    -------
    w : ndarray, shape (d,)
        Fitted weights.
    b : float
        Fitted bias.
    """
    w, b, _ = gradient_descent(X, y, sample_weight, lr, epochs, l2, record=False)
    return w, b


# --------------------------------------------------------------------------- helpers for the notebook


def predict_proba(X: ArrayLike, w: ArrayLike, b: float) -> FloatArray:
    r"""Logistic regression's probabilities :math:`\sigma(X w + b)`, computed stably.

    :math:`\sigma(z) = 1 / (1 + e^{-z})` is evaluated as
    :math:`1/(1 + e^{-|z|})` for :math:`z \ge 0` and
    :math:`e^{-|z|}/(1 + e^{-|z|})` for :math:`z < 0`, so no exponential
    overflows however large :math:`|z|` is.

    Parameters
    ----------
    X : array_like, shape (N, d)
        Inputs.
    w : array_like, shape (d,)
        Weights.
    b : float
        Bias.

    Returns
    -------
    ndarray, shape (N,)
        :math:`P(y=1 \mid x_n)` for every row.
    """
    func = "predict_proba"
    Xa = as_float_array(X, "X", func, ndim=2)
    wa = as_float_array(w, "w", func, ndim=1)
    if wa.shape[0] != Xa.shape[1]:
        raise ValueError(
            f"{func}: argument 'w' must have one weight per column of X ({Xa.shape[1]}), got shape {wa.shape}"
        )
    ba = float(as_float_array(b, "b", func, ndim=0))
    return logistic(Xa @ wa + ba)
