"""Misconceptions of notebook 08 (subsampling rare events).

``subsample_negatives`` is random, so its probe observes rounded features of one large draw
(every positive kept? what fraction of the negatives? the first ones, or a random set? from the
given generator?) rather than particular rows; the other exercises are deterministic.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from coursekit.activations import logistic
from coursekit.diagnosis import ExerciseDiagnosis, Misconception, args
from coursekit.subsampling import bias_correction, fit_logistic_regression, importance_weights, subsample_negatives

_N = 4000
_Y = (np.arange(_N) % 10 == 0).astype(int)  # one positive in ten, spread over the rows
_X = np.arange(_N, dtype=float)[:, None]  # each row's own index, to see which rows were kept


def _subsample_probe(func: Any) -> Any:
    rng, fresh = np.random.default_rng(4), np.random.default_rng(4)
    X_kept, y_kept = func(_X.copy(), _Y.copy(), 0.2, rng)
    rows = np.asarray(X_kept)[:, 0].astype(int)
    negatives = rows[_Y[rows] == 0]
    return {
        "labels match rows": bool(np.array_equal(np.asarray(y_kept), _Y[rows])),
        "all positives": bool(np.sum(_Y[rows]) == np.sum(_Y)),
        "negatives kept": round(len(negatives) / np.sum(_Y == 0), 1),
        "first negatives": bool(
            len(negatives) > 0 and np.array_equal(negatives, np.flatnonzero(_Y == 0)[: len(negatives)])
        ),
        "used rng": bool(rng.bit_generator.state != fresh.bit_generator.state),
    }


def _subsample(
    X: Any,
    y: Any,
    f: float,
    rng: Any,
    *,
    keep_prob: str = "f",
    positives: bool = True,
    first: bool = False,
    global_state: bool = False,
) -> Any:
    if first:
        keep = y == 1
        keep[np.flatnonzero(y == 0)[: int(round(f * np.sum(y == 0)))]] = True
        return X[keep], y[keep]
    u = np.random.random(len(y)) if global_state else rng.random(len(y))  # noqa: NPY002 - the mistake
    chosen = u < f if keep_prob == "f" else u >= f
    keep = ((y == 1) | chosen) if positives else chosen
    return X[keep], y[keep]


_RNG = np.random.default_rng(8)
XF = _RNG.normal(size=(60, 2))
YF = (XF @ np.array([1.5, -1.0]) + 0.3 + _RNG.logistic(size=60) > 0).astype(float)
SF = np.where(YF == 1, 1.0, 4.0)


def _fit(
    X: Any,
    y: Any,
    sample_weight: Any = None,
    lr: Any = None,
    epochs: int = 1000,
    *,
    weights: bool = True,
    sign: float = 1.0,
    bias: bool = True,
    mean: bool = True,
) -> Any:
    N, d = X.shape
    s = np.ones(N) if sample_weight is None or not weights else np.asarray(sample_weight, dtype=float)
    w, b = np.zeros(d), 0.0
    for _ in range(epochs):
        r = sign * s * (logistic(X @ w + b) - y) / (N if mean else 1)
        w = w - lr * (X.T @ r)
        if bias:
            b = b - lr * float(np.sum(r))
    return w, b


EXERCISES: dict[str, ExerciseDiagnosis] = {
    "subsample_negatives": ExerciseDiagnosis(
        reference=subsample_negatives,
        probes=[_subsample_probe],
        misconceptions=[
            Misconception(
                "keeps_one_minus_f",
                "keeps a fraction 1 - f of the negatives",
                "f is the fraction of negatives kept: keep a negative when rng.random() < f.",
                lambda *a: _subsample(*a, keep_prob="1-f"),
            ),
            Misconception(
                "subsamples_positives",
                "positives subsampled too",
                "keep every positive: only the negatives are subsampled.",
                lambda *a: _subsample(*a, positives=False),
            ),
            Misconception(
                "first_negatives",
                "the first negatives kept",
                "keep a random subset of the negatives (each with "
                "probability f), not the first ones: the data may be ordered.",
                lambda *a: _subsample(*a, first=True),
            ),
            Misconception(
                "global_state",
                "numpy's global random state",
                "draw from the rng you are given, not np.random: otherwise a seed cannot reproduce the subsample.",
                lambda *a: _subsample(*a, global_state=True),
            ),
        ],
    ),
    "bias_correction": ExerciseDiagnosis(
        reference=bias_correction,
        probes=[args(0.7, 0.1), args(-1.2, 0.25)],
        misconceptions=[
            Misconception(
                "sign",
                "log f subtracted",
                "the subsampled model's bias is too large by -log f: the corrected bias is b + log f (log f < 0).",
                lambda b, f: float(b - np.log(f)),
            ),
            Misconception(
                "times_f",
                "bias multiplied by f",
                "the correction is additive on the log-odds scale: b + log f, not b * f.",
                lambda b, f: float(b * f),
            ),
            Misconception(
                "log_one_minus_f",
                "log(1 - f) added",
                "add log f, the log of the fraction of negatives kept, not log(1 - f).",
                lambda b, f: float(b + np.log(1.0 - f)),
            ),
        ],
    ),
    "importance_weights": ExerciseDiagnosis(
        reference=importance_weights,
        probes=[args(np.array([1, 0, 0, 1, 0]), 0.2)],
        misconceptions=[
            Misconception(
                "on_positives",
                "1/f on the positives",
                "the negatives were subsampled, so they carry the weight 1/f; the positives keep weight 1.",
                lambda y, f: np.where(np.asarray(y) == 1, 1.0 / f, 1.0),
            ),
            Misconception(
                "f_not_inverse",
                "negatives weighted by f",
                "each kept negative stands for 1/f negatives of the world: its weight is 1/f, not f.",
                lambda y, f: np.where(np.asarray(y) == 1, 1.0, f),
            ),
            Misconception(
                "all_one_over_f",
                "every example weighted 1/f",
                "only the negatives get 1/f; a positive's weight is 1.",
                lambda y, f: np.full(np.shape(y), 1.0 / f),
            ),
        ],
    ),
    "fit_logistic_regression": ExerciseDiagnosis(
        reference=fit_logistic_regression,
        probes=[args(XF, YF, SF, lr=0.5, epochs=40), args(XF, YF, None, lr=0.5, epochs=40)],
        misconceptions=[
            Misconception(
                "ignores_weights",
                "sample_weight ignored",
                "multiply each example's residual by its weight: r = s * (sigmoid(z) - y) / N.",
                lambda *a, **k: _fit(*a, **k, weights=False),
            ),
            Misconception(
                "uphill",
                "gradient of the wrong sign",
                "the gradient of the log loss is (sigmoid(z) - y), not (y - sigmoid(z)): your steps climb the loss.",
                lambda *a, **k: _fit(*a, **k, sign=-1.0),
            ),
            Misconception(
                "no_bias",
                "bias never updated",
                "update the bias too: b -= lr * sum(r).",
                lambda *a, **k: _fit(*a, **k, bias=False),
            ),
            Misconception(
                "sum",
                "gradient summed, not averaged",
                "the loss is a mean over the N examples: divide the gradient by N (your steps are N times too large).",
                lambda *a, **k: _fit(*a, **k, mean=False),
            ),
        ],
    ),
}
