"""Misconceptions of notebook 07 (regularisation).

Each wrong variant is the reference with one classic mistake switched on (``_decay(...,
mistake="no_two")`` ...). The exercises that draw random numbers (:func:`add_input_noise`,
:func:`dropout_forward`) are tested on the statistics of what they draw, so their probes observe
statistics too (a large draw from a fixed seed, rounded to one decimal) rather than one
particular draw: a right answer that draws its noise or its mask in another way agrees with the
reference, and a wrong one is recognised however it draws.

Examples
--------
>>> from coursekit.misconceptions import find_misconception
>>> def weight_decay_step(w, dw, lr, lam):
...     return (1.0 - lam * lr) * w - lr * dw
>>> find_misconception("weight_decay_step", weight_decay_step).misconception.key
'no_two'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from coursekit._validate import FloatArray
from coursekit.diagnosis import ExerciseDiagnosis, Probe, args, variants
from coursekit.regularisation import (
    add_input_noise,
    batchnorm_backward,
    batchnorm_forward,
    dropout_backward,
    dropout_forward,
    early_stopping,
    weight_decay_step,
)

Cache = tuple[FloatArray, FloatArray, FloatArray]


# ----------------------------------------------------------------------------- ridge-like methods


def _stop(val_losses: Any, patience: int, mistake: str = "") -> tuple[int, int]:
    """Early stopping; mistakes "whole_curve", "ties_improve" (<= improves), "one_late" (patience + 1), "last_epoch"."""
    losses = [float(x) for x in val_losses]
    if mistake == "whole_curve":
        return int(np.argmin(losses)), len(losses) - 1
    best = 0
    for epoch in range(1, len(losses)):
        if losses[epoch] < losses[best] or (mistake == "ties_improve" and losses[epoch] == losses[best]):
            best = epoch
        elif epoch - best >= patience + (mistake == "one_late"):
            return (epoch if mistake == "last_epoch" else best), epoch
    return (len(losses) - 1 if mistake == "last_epoch" else best), len(losses) - 1


def _decay(w: FloatArray, dw: FloatArray, lr: float, lam: float, mistake: str = "") -> FloatArray:
    """Weight decay; mistakes "no_two", "grows", "no_lr" (in the decay factor) and "in_place"."""
    factor = (1.0 if mistake == "no_two" else 2.0) * lam * (1.0 if mistake == "no_lr" else lr)
    w_new = (1.0 + factor if mistake == "grows" else 1.0 - factor) * w - lr * dw
    if mistake == "in_place":
        w[...] = w_new
        return w
    return w_new


def _noise(X: FloatArray, std: float, rng: np.random.Generator, mistake: str = "") -> FloatArray:
    """Input noise; mistakes "variance" (std**2), "same_rows", "uniform" and "in_place"."""
    shape = np.shape(X)[-1:] if mistake == "same_rows" else np.shape(X)
    if mistake == "uniform":
        noise = rng.uniform(-std, std, size=shape)
    else:
        noise = rng.normal(0.0, std**2 if mistake == "variance" else std, size=shape)
    if mistake == "in_place":
        X += noise
        return X
    return X + noise


def _noise_probe(std: float) -> Probe:
    """Observe the statistics of the noise added to 5000 copies of one row, and whether X changed."""
    X0 = np.tile(np.array([1.0, -2.0, 0.5, 3.0]), (5000, 1))

    def probe(func: Callable[..., Any]) -> Any:
        X = X0.copy()
        noise = np.asarray(func(X, std, np.random.default_rng(5)), dtype=float) - X0
        seen: dict[str, Any] = {"shape": noise.shape, "X_changed": not np.array_equal(X, X0)}
        seen["same_rows"] = bool(np.all(noise == noise[:1]))
        if not seen["same_rows"]:  # statistics of the noise, in multiples of std
            seen["mean"] = round(float(noise.mean()) / std, 1)
            seen["std"] = round(float(noise.std(axis=0).mean()) / std, 1)
            seen["within_one_std"] = round(float(np.mean(np.abs(noise) < std)), 1)
        return seen

    return probe


# ----------------------------------------------------------------------------- dropout


def _dropout(
    a: FloatArray, p: float, rng: np.random.Generator | None, train: bool = True, mistake: str = ""
) -> tuple[FloatArray, FloatArray]:
    """Inverted dropout; mistakes "no_rescale", "keep_prob", "test_rescale", "shared_mask", "in_place",
    "plain_dropout"."""
    if not train:
        keep = 1.0 - p if mistake in ("test_rescale", "plain_dropout") else 1.0
        return np.array(a, dtype=float) * keep, np.full(np.shape(a), keep)
    assert rng is not None
    shape = np.shape(a)[-1:] if mistake == "shared_mask" else np.shape(a)
    u = rng.random(shape)
    if mistake == "keep_prob":
        mask = (u < p) / p
    else:
        mask = (u >= p) / (1.0 if mistake in ("no_rescale", "plain_dropout") else 1.0 - p)
    mask = np.broadcast_to(mask, np.shape(a)).copy()
    if mistake == "in_place":
        a *= mask
        return a, mask
    return a * mask, mask


def _dropout_probe(p: float) -> Probe:
    """Observe the statistics of a training-time mask on 10 x 5000 activations, and whether a changed."""
    a0 = np.tile(np.linspace(0.5, 2.0, 5000), (10, 1))

    def probe(func: Callable[..., Any]) -> Any:
        a = a0.copy()
        out, mask = (np.asarray(x, dtype=float) for x in func(a, p, np.random.default_rng(7)))
        mask = np.broadcast_to(mask, out.shape)  # a mask of one row shared by all is the same mistake
        return {
            "shape": out.shape,
            "a_changed": not np.array_equal(a, a0),
            "out_is_a_times_mask": bool(out.shape == a0.shape and np.allclose(out, a0 * mask)),
            "kept": round(float(np.mean(mask != 0.0)), 1),
            "values": np.unique(np.round(mask, 9)),
            "same_rows": bool(np.all(mask == mask[:1])),
        }

    return probe


def _dropout_test_probe(a0: FloatArray, p: float) -> Probe:
    """Observe test mode: ``(out, mask)`` and ``a`` after the call (a fresh generator is passed, in case it is used)."""

    def probe(func: Callable[..., Any]) -> Any:
        a = a0.copy()
        return func(a, p, np.random.default_rng(0), train=False), a

    return probe


def _dropout_back(dout: FloatArray, mask: FloatArray, mistake: str = "") -> FloatArray:
    """Dropout's backward pass; mistakes "binary_mask", "ignores_mask", "in_place"."""
    if mistake == "ignores_mask":
        return np.array(dout, dtype=float)
    factor = (mask != 0) if mistake == "binary_mask" else mask
    if mistake == "in_place":
        dout *= factor
        return dout
    return dout * factor


# ----------------------------------------------------------------------------- batch normalisation


def _bn(z: FloatArray, gamma: FloatArray, beta: FloatArray, eps: float = 1e-5, mistake: str = "") -> tuple[Any, Any]:
    """Batch norm forward; mistakes "unbiased", "sigma_plus_eps", "wrong_axis", "in_place"."""
    axis = 1 if mistake == "wrong_axis" else 0
    mu = z.mean(axis=axis, keepdims=True)
    var = z.var(axis=axis, keepdims=True, ddof=1 if mistake == "unbiased" else 0)
    std = np.sqrt(var) + eps if mistake == "sigma_plus_eps" else np.sqrt(var + eps)
    if mistake == "in_place":
        z -= mu
        z /= std
        z_bar = z
    else:
        z_bar = (z - mu) / std
    return gamma * z_bar + beta, (z_bar, gamma, std)


def _bn_probe(z: FloatArray, gamma: FloatArray, beta: FloatArray, eps: float) -> Probe:
    """Observe ``out``, ``z_bar`` (the cache's first entry) and whether z changed."""

    def probe(func: Callable[..., Any]) -> Any:
        z_in = z.copy()
        out, cache = func(z_in, gamma.copy(), beta.copy(), eps)
        return out, cache[0], z_in

    return probe


def _bn_back(dout: FloatArray, cache: Cache, mistake: str = "") -> tuple[FloatArray, FloatArray, FloatArray]:
    """Batch norm backward; mistakes "no_mean_path", "no_var_path", "constant_stats", "swapped", "in_place"."""
    z_bar, gamma, std = cache
    d_bar = dout * gamma
    via_mean = 0.0 if mistake in ("no_mean_path", "constant_stats") else d_bar.mean(axis=0)
    via_var = 0.0 if mistake in ("no_var_path", "constant_stats") else z_bar * (d_bar * z_bar).mean(axis=0)
    dz, dgamma, dbeta = (d_bar - via_mean - via_var) / std, (dout * z_bar).sum(axis=0), dout.sum(axis=0)
    if mistake == "in_place":
        dout *= gamma
    return (dz, dbeta, dgamma) if mistake == "swapped" else (dz, dgamma, dbeta)


_Z = np.array([[1.0, 0.5, -2.0], [3.0, 2.5, 0.0], [-1.0, 1.0, 1.0], [4.0, 0.0, 3.0]])
_GAMMA, _BETA = np.array([1.5, -0.5, 2.0]), np.array([0.1, 0.2, -0.3])
_CACHE = batchnorm_forward(_Z, _GAMMA, _BETA, 0.01)[1]
_DOUT = np.array([[1.0, 0.0, -0.5], [0.5, 2.0, 1.0], [-1.0, 1.0, 0.25], [3.0, -1.0, 2.0]])

EXERCISES = {
    "early_stopping": ExerciseDiagnosis(
        reference=early_stopping,
        probes=[args([5.0, 4.0, 3.0, 3.0, 3.5, 3.2, 3.1, 2.0, 2.5], 3), args([2.0, 1.0, 1.0, 1.5, 1.2, 0.5, 0.7], 3)],
        misconceptions=variants(_stop, "whole_curve", "ties_improve", "one_late", "last_epoch"),
    ),
    "weight_decay_step": ExerciseDiagnosis(
        reference=weight_decay_step,
        probes=[
            args(np.array([1.0, -2.0, 0.5]), np.array([0.3, 0.1, -0.4]), 0.1, 0.3),
            args(np.array([[2.0], [-1.0]]), np.array([[0.5], [1.0]]), 0.05, 2.0),
        ],
        misconceptions=variants(_decay, "in_place", "no_two", "grows", "no_lr"),
    ),
    "add_input_noise": ExerciseDiagnosis(
        reference=add_input_noise,
        probes=[_noise_probe(2.0)],
        misconceptions=variants(_noise, "variance", "in_place", "same_rows", "uniform"),
    ),
    "dropout_forward": ExerciseDiagnosis(
        reference=dropout_forward,
        probes=[
            _dropout_probe(0.3),
            _dropout_test_probe(np.array([[1.0, -2.0, 0.5], [3.0, 0.25, -1.0]]), 0.3),
        ],
        misconceptions=variants(
            _dropout, "no_rescale", "keep_prob", "test_rescale", "plain_dropout", "in_place", "shared_mask"
        ),
    ),
    "dropout_backward": ExerciseDiagnosis(
        reference=dropout_backward,
        probes=[args(np.array([[1.0, 2.0, -1.0], [0.5, -3.0, 2.0]]), np.array([[1.25, 0.0, 1.25], [0.0, 1.25, 1.25]]))],
        misconceptions=variants(_dropout_back, "binary_mask", "ignores_mask", "in_place"),
    ),
    "batchnorm_forward": ExerciseDiagnosis(
        reference=batchnorm_forward,
        probes=[_bn_probe(_Z, _GAMMA, _BETA, 0.25), _bn_probe(_Z[:, :2] * 1e-3, _GAMMA[:2], _BETA[:2], 1e-5)],
        misconceptions=variants(_bn, "unbiased", "sigma_plus_eps", "wrong_axis", "in_place"),
    ),
    "batchnorm_backward": ExerciseDiagnosis(
        reference=batchnorm_backward,
        probes=[args(_DOUT, _CACHE)],
        misconceptions=variants(_bn_back, "no_mean_path", "no_var_path", "constant_stats", "swapped", "in_place"),
    ),
}
