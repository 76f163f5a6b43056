r"""How good are predicted probabilities? Scores and curves for a binary classifier (notebook 08).

* :func:`log_loss` and :func:`excess_log_loss`: the mean negative log-likelihood, and how much worse it is
  than the true probabilities';
* :func:`reliability_curve`: predicted against observed frequencies, bin by bin (calibration);
* :func:`precision_recall` and :func:`precision_recall_curve`: what a threshold on the probabilities catches.

Labels ``y`` are arrays of zeros and ones; probabilities ``p`` lie in [0, 1].
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from coursekit._validate import (
    FloatArray,
    as_float_array,
    check_binary_labels,
    check_int,
    check_probabilities,
    check_probability,
    check_same_shape,
    check_sample_weight,
)

__all__ = [
    "log_loss",
    "excess_log_loss",
    "reliability_curve",
    "ReliabilityCurve",
    "precision_recall",
    "precision_recall_curve",
]


def _labels_and_probs(y: ArrayLike, p: ArrayLike, func: str) -> tuple[FloatArray, FloatArray]:
    """Validate labels and same-shaped predictions in [0, 1]."""
    ya = check_binary_labels(y, func)
    pa = as_float_array(p, "p", func, ndim=1)
    check_same_shape(pa, ya, "y", "p", func)
    if np.any((pa < 0) | (pa > 1)):
        raise ValueError(f"{func}: argument 'p' must hold probabilities in [0, 1]")
    return ya, pa


def log_loss(y: ArrayLike, p: ArrayLike, *, sample_weight: ArrayLike | None = None, eps: float = 1e-15) -> float:
    r"""Mean negative log-likelihood of labels under predicted probabilities.

    .. math::

        \frac{1}{N} \sum_{n=1}^N s_n \big[-y_n \log \tilde p_n - (1 - y_n) \log(1 - \tilde p_n)\big],
        \qquad \tilde p_n = \mathrm{clip}(p_n, \epsilon, 1 - \epsilon).

    The clipping keeps the loss finite when a model predicts exactly 0 or 1
    for an example it gets wrong: such an example costs at most
    :math:`-\log \epsilon \approx 34.5` nats for the default
    :math:`\epsilon = 10^{-15}`. Predictions that are already inside
    :math:`[\epsilon, 1-\epsilon]` are unaffected. Weights are divided by
    :math:`N` as in :func:`fit_logistic_regression`.

    Parameters
    ----------
    y : array_like, shape (N,)
        Labels, 0 or 1.
    p : array_like, shape (N,)
        Predicted :math:`P(y=1 \mid x_n)`, in [0, 1].
    sample_weight : array_like, shape (N,), optional
        Non-negative weights :math:`s_n`; default all ones.
    eps : float
        Clipping level, ``0 < eps < 0.5``.

    Returns
    -------
    float
        The (weighted) mean log loss, in nats.
    """
    func = "log_loss"
    ya, pa = _labels_and_probs(y, p, func)
    if ya.shape[0] == 0:
        raise ValueError(f"{func}: arguments 'y' and 'p' must not be empty")
    eps = check_probability(eps, "eps", func, low_open=True)
    if eps >= 0.5:
        raise ValueError(f"{func}: argument 'eps' must be < 0.5, got {eps}")
    s = check_sample_weight(sample_weight, ya.shape[0], func)
    pc = np.clip(pa, eps, 1.0 - eps)
    nll = -(ya * np.log(pc) + (1.0 - ya) * np.log1p(-pc))
    return float(np.sum(s * nll) / ya.shape[0])


def excess_log_loss(p_true: ArrayLike, p: ArrayLike, *, eps: float = 1e-15) -> float:
    r"""How much worse than the truth a model's expected log loss is: a mean KL divergence.

    When the true :math:`p_n = P(y=1 \mid x_n)` is known, the expected log loss
    of predictions :math:`q_n` exceeds that of the truth by

    .. math::

        \frac{1}{N} \sum_{n=1}^N \Big[ p_n \log\frac{p_n}{q_n}
            + (1 - p_n) \log\frac{1 - p_n}{1 - q_n} \Big]
        = \frac{1}{N} \sum_n \mathrm{KL}\big(\mathrm{Bern}(p_n) \,\Vert\, \mathrm{Bern}(q_n)\big) \ge 0,

    with equality exactly when :math:`q_n = p_n` for every :math:`n`. Unlike the
    log loss on sampled labels it carries no label noise, so it judges
    calibration exactly. :math:`q_n` is clipped to
    :math:`[\epsilon, 1 - \epsilon]` as in :func:`log_loss`; terms with
    :math:`p_n \in \{0, 1\}` use :math:`0 \log 0 = 0`.

    Parameters
    ----------
    p_true : array_like, shape (N,)
        True probabilities :math:`p_n`, in [0, 1].
    p : array_like, shape (N,)
        Predicted probabilities :math:`q_n`, in [0, 1].
    eps : float
        Clipping level, ``0 < eps < 0.5``.

    Returns
    -------
    float
        The mean KL divergence, in nats.
    """
    func = "excess_log_loss"
    pt = check_probabilities(p_true, "p_true", func)
    q = check_probabilities(p, "p", func)
    check_same_shape(pt, q, "p_true", "p", func)
    if pt.shape[0] == 0:
        raise ValueError(f"{func}: arguments 'p_true' and 'p' must not be empty")
    eps = check_probability(eps, "eps", func, low_open=True)
    if eps >= 0.5:
        raise ValueError(f"{func}: argument 'eps' must be < 0.5, got {eps}")
    qc = np.clip(q, eps, 1.0 - eps)
    pos = pt > 0.0
    neg = pt < 1.0
    kl = np.zeros_like(pt)
    kl[pos] += pt[pos] * (np.log(pt[pos]) - np.log(qc[pos]))
    kl[neg] += (1.0 - pt[neg]) * (np.log1p(-pt[neg]) - np.log1p(-qc[neg]))
    return float(np.mean(kl))


class ReliabilityCurve(NamedTuple):
    """Result of :func:`reliability_curve` (unpacks like a 4-tuple)."""

    edges: FloatArray
    """shape (n_bins + 1,): bin edges, from 0 to 1."""
    mean_predicted: FloatArray
    """shape (n_bins,): mean predicted probability in each bin (NaN if empty)."""
    observed_frequency: FloatArray
    """shape (n_bins,): fraction of positives in each bin (NaN if empty)."""
    counts: np.ndarray
    """shape (n_bins,): number of examples in each bin (int64)."""


def reliability_curve(y: ArrayLike, p: ArrayLike, n_bins: int = 10, *, strategy: str = "uniform") -> ReliabilityCurve:
    r"""Bin predictions and compare their mean with how often the label is 1.

    For a calibrated model, among the examples predicted with probability
    about :math:`q`, a fraction of about :math:`q` is positive: the points
    (``mean_predicted``, ``observed_frequency``) lie on the diagonal. A model
    fitted naively to subsampled data lies below it (it predicts positives
    too often).

    When the true probabilities :math:`P(y=1 \mid x_n)` are known (generated
    data), pass them as ``y``: the "observed frequency" becomes the mean true
    probability in each bin, an exact reliability curve free of label noise.

    Bin :math:`j` holds the predictions with :math:`e_j \le p_n < e_{j+1}`
    (the last bin also holds :math:`p_n = e_{n_\text{bins}}`).

    Parameters
    ----------
    y : array_like, shape (N,)
        Labels, 0 or 1, or the true probabilities :math:`P(y=1 \mid x_n)` in [0, 1].
    p : array_like, shape (N,)
        Predicted probabilities in [0, 1].
    n_bins : int
        Number of bins, ``>= 1``.
    strategy : {"uniform", "quantile"}
        ``"uniform"``: equal-width bins on [0, 1]. ``"quantile"``: edges at the
        quantiles of ``p`` (first and last edge 0 and 1), so the bins hold
        about equally many examples; better for rare events, where almost
        every prediction is close to 0.

    Returns
    -------
    ReliabilityCurve
        ``(edges, mean_predicted, observed_frequency, counts)`` with shapes
        ``(n_bins + 1,)``, ``(n_bins,)``, ``(n_bins,)``, ``(n_bins,)``.
        Empty bins have count 0 and NaN mean and frequency.
    """
    func = "reliability_curve"
    ya = check_probabilities(y, "y", func)
    pa = check_probabilities(p, "p", func)
    check_same_shape(pa, ya, "y", "p", func)
    n_bins = check_int(n_bins, "n_bins", func, minimum=1)
    if strategy == "uniform":
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    elif strategy == "quantile":
        if pa.shape[0] == 0:
            raise ValueError(f"{func}: strategy 'quantile' needs at least one prediction")
        edges = np.quantile(pa, np.linspace(0.0, 1.0, n_bins + 1))
        edges[0], edges[-1] = 0.0, 1.0
        edges = np.maximum.accumulate(edges)
    else:
        raise ValueError(f"{func}: argument 'strategy' must be 'uniform' or 'quantile', got {strategy!r}")
    idx = np.searchsorted(edges[1:-1], pa, side="right")
    counts = np.bincount(idx, minlength=n_bins).astype(np.int64)
    sum_p = np.bincount(idx, weights=pa, minlength=n_bins)
    sum_y = np.bincount(idx, weights=ya, minlength=n_bins)
    nonempty = counts > 0
    mean_pred = np.full(n_bins, np.nan)
    freq = np.full(n_bins, np.nan)
    mean_pred[nonempty] = sum_p[nonempty] / counts[nonempty]
    freq[nonempty] = sum_y[nonempty] / counts[nonempty]
    return ReliabilityCurve(edges, mean_pred, freq, counts)


def precision_recall(y: ArrayLike, p: ArrayLike, threshold: float = 0.5) -> tuple[float, float]:
    r"""Precision and recall of the rule "predict 1 when :math:`p_n \ge` threshold".

    With true positives TP, false positives FP and false negatives FN,

    .. math::

        \text{precision} = \frac{TP}{TP + FP}, \qquad
        \text{recall} = \frac{TP}{TP + FN}.

    Precision is the fraction of flagged examples that really are positive;
    recall is the fraction of the positives that get flagged.

    Parameters
    ----------
    y : array_like, shape (N,)
        Labels, 0 or 1.
    p : array_like, shape (N,)
        Predicted probabilities (or any scores).
    threshold : float
        Decision threshold in [0, 1].

    Returns
    -------
    precision : float
        NaN when nothing is predicted positive (0/0).
    recall : float
        NaN when ``y`` has no positives (0/0).
    """
    func = "precision_recall"
    ya, pa = _labels_and_probs(y, p, func)
    threshold = check_probability(threshold, "threshold", func)
    flagged = pa >= threshold
    positive = ya == 1.0
    tp = int(np.sum(flagged & positive))
    n_flagged = int(np.sum(flagged))
    n_positive = int(np.sum(positive))
    precision = tp / n_flagged if n_flagged > 0 else float("nan")
    recall = tp / n_positive if n_positive > 0 else float("nan")
    return float(precision), float(recall)


def precision_recall_curve(y: ArrayLike, p: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    r"""Precision and recall of "predict 1 when :math:`p_n \ge t`" for every threshold :math:`t` that matters.

    Sorting the predictions from the largest down, the threshold :math:`t` equal
    to the :math:`k`-th largest distinct prediction flags every example with
    :math:`p_n \ge t`; ties are flagged together. This gives the whole curve with
    one sort and one cumulative sum, instead of one pass over the data per
    threshold. Adding a constant to a logistic regression's bias does not change
    the order of the predictions, so it does not change this curve; it only
    changes which threshold gives which point.

    Parameters
    ----------
    y : array_like, shape (N,)
        Labels, 0 or 1.
    p : array_like, shape (N,)
        Predicted probabilities (or any scores in [0, 1]).

    Returns
    -------
    thresholds : ndarray, shape (K,)
        The distinct values of ``p``, largest first.
    precision : ndarray, shape (K,)
        Precision at each threshold (never 0/0: at least one example is flagged).
    recall : ndarray, shape (K,)
        Recall at each threshold; NaN throughout when ``y`` has no positives.
    """
    func = "precision_recall_curve"
    ya, pa = _labels_and_probs(y, p, func)
    if ya.shape[0] == 0:
        raise ValueError(f"{func}: arguments 'y' and 'p' must not be empty")
    order = np.argsort(-pa, kind="stable")
    p_sorted = pa[order]
    true_pos = np.cumsum(ya[order])
    # last index of each run of equal predictions: flagging at that value flags the whole run
    ends = np.flatnonzero(np.append(p_sorted[1:] != p_sorted[:-1], True))
    flagged = ends + 1.0
    precision = true_pos[ends] / flagged
    n_pos = float(true_pos[-1])
    recall = true_pos[ends] / n_pos if n_pos > 0 else np.full(ends.shape, np.nan)
    return p_sorted[ends].copy(), precision, recall
