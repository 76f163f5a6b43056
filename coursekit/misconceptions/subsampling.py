"""Misconceptions of notebook 08 (subsampling rare events).

``subsample_negatives`` is random, so its probe observes rounded features of one large draw
(every positive kept? what fraction of the negatives? the first ones, or a random set? from the
given generator?) rather than particular rows; the other exercises are deterministic.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from coursekit.activations import logistic
from coursekit.diagnosis import ExerciseDiagnosis, args, variant
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
            variant("keeps_one_minus_f", lambda *a: _subsample(*a, keep_prob="1-f")),
            variant("subsamples_positives", lambda *a: _subsample(*a, positives=False)),
            variant("first_negatives", lambda *a: _subsample(*a, first=True)),
            variant("global_state", lambda *a: _subsample(*a, global_state=True)),
        ],
    ),
    "bias_correction": ExerciseDiagnosis(
        reference=bias_correction,
        probes=[args(0.7, 0.1), args(-1.2, 0.25)],
        misconceptions=[
            variant("sign", lambda b, f: float(b - np.log(f))),
            variant("times_f", lambda b, f: float(b * f)),
            variant("log_one_minus_f", lambda b, f: float(b + np.log(1.0 - f))),
        ],
    ),
    "importance_weights": ExerciseDiagnosis(
        reference=importance_weights,
        probes=[args(np.array([1, 0, 0, 1, 0]), 0.2)],
        misconceptions=[
            variant("on_positives", lambda y, f: np.where(np.asarray(y) == 1, 1.0 / f, 1.0)),
            variant("f_not_inverse", lambda y, f: np.where(np.asarray(y) == 1, 1.0, f)),
            variant("all_one_over_f", lambda y, f: np.full(np.shape(y), 1.0 / f)),
        ],
    ),
    "fit_logistic_regression": ExerciseDiagnosis(
        reference=fit_logistic_regression,
        probes=[args(XF, YF, SF, lr=0.5, epochs=40), args(XF, YF, None, lr=0.5, epochs=40)],
        misconceptions=[
            variant("ignores_weights", lambda *a, **k: _fit(*a, **k, weights=False)),
            variant("uphill", lambda *a, **k: _fit(*a, **k, sign=-1.0)),
            variant("no_bias", lambda *a, **k: _fit(*a, **k, bias=False)),
            variant("sum", lambda *a, **k: _fit(*a, **k, mean=False)),
        ],
    ),
}
