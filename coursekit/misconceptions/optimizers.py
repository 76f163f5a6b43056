"""Misconceptions of notebook 06 (optimizers).

Each wrong variant is the reference with one classic mistake switched on (``_moving(...,
mistake="swap")``, ``_adam(..., correct=False)`` ...). Where the tests accept several right
answers, the probes observe only what the tests check: :func:`_momentum_run` observes the
weights of a short run (the state may be momentum's V or the moving-average form's M), and
:func:`_batches_probe` the batch sizes and whether the batches cover 0..n-1 once, in order, and
alike for equal seeds, not one particular shuffle. :func:`_mean_probe` recognises a moving
average with any fixed decay.

Examples
--------
>>> from coursekit.misconceptions import find_misconception
>>> def sgd_step(w, dw, lr):
...     return w + lr * dw
>>> find_misconception("sgd_step", sgd_step).misconception.key
'uphill'
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from coursekit._validate import FloatArray
from coursekit.diagnosis import ExerciseDiagnosis, Probe, args, variant, variants
from coursekit.optim import (
    adadelta_step,
    adam_step,
    minibatch_indices,
    momentum_step,
    moving_average,
    running_mean,
    sgd_step,
)

# ----------------------------------------------------------------------------- running averages


def _moving(a: Any, gamma: float, mistake: str = "") -> Any:
    """The moving average; mistakes "starts_at_first", "swapped_weights", "last_only", "in_place"."""
    seq = np.asarray(a, dtype=float)
    out = np.empty_like(seq)
    acc = seq[0] if mistake == "starts_at_first" else np.zeros(seq.shape[1:])
    new = gamma if mistake == "swapped_weights" else 1.0 - gamma
    for t in range(seq.shape[0]):
        acc = (1.0 - new) * acc + new * seq[t]
        out[t] = acc
    if mistake == "in_place":
        a[...] = out
        return a
    return out[-1] if mistake == "last_only" else out


def _running(a: Any, mistake: str = "") -> FloatArray:
    """The running mean; mistakes "off_by_one" (gamma_t = t / (t + 1)) and "divides_by_length" (the sum over T)."""
    seq = np.asarray(a, dtype=float)
    if mistake == "divides_by_length":
        return np.cumsum(seq, axis=0) / seq.shape[0]
    shift = 1 if mistake == "off_by_one" else 0
    out = np.empty_like(seq)
    acc = np.zeros(seq.shape[1:])
    for t in range(1, seq.shape[0] + 1):
        acc = (t - 1 + shift) / (t + shift) * acc + seq[t - 1] / (t + shift)
        out[t - 1] = acc
    return out


def _mean_probe(a: FloatArray) -> Probe:
    """Observe ``running_mean(a)``, or only that it is a moving average with some fixed decay.

    The decay is read off the first average (A_1 = (1 - gamma) a_1), so that a running mean
    written with any constant gamma is recognised, whichever constant it is.
    """

    def probe(func: Callable[..., Any]) -> Any:
        seq = a.copy()
        out = np.asarray(func(seq), dtype=float)
        if out.shape == a.shape and np.allclose(out, _moving(a, 1.0 - out.flat[0] / a.flat[0]), 1e-9, 1e-12):
            return {"fixed_gamma": True}
        return {"fixed_gamma": False, "out": out, "a": seq}

    return probe


# ----------------------------------------------------------------------------- mini-batches


def _batches(n: int, k: int, rng: np.random.Generator, mistake: str = "") -> list[Any]:
    """Mini-batches; mistakes "no_shuffle", "drops_last", "extra_batch", "with_replacement", "global_rng"."""
    if mistake == "with_replacement":
        idx = rng.integers(0, n, size=n)
    elif mistake == "global_rng":
        idx = np.random.default_rng().permutation(n)  # not from rng: another order at every call
    else:
        idx = np.arange(n) if mistake == "no_shuffle" else rng.permutation(n)
    n_batches = {"drops_last": n // k, "extra_batch": n // k + 1}.get(mistake, math.ceil(n / k))
    return [idx[i * k : (i + 1) * k] for i in range(n_batches)]


def _batches_probe(n: int, k: int, seed: int) -> Probe:
    """Observe what the tests check of the batches, not one particular shuffle."""

    def probe(func: Callable[..., Any]) -> Any:
        first = [np.asarray(b) for b in func(n, k, np.random.default_rng(seed))]
        again = [np.asarray(b) for b in func(n, k, np.random.default_rng(seed))]
        flat = np.concatenate(first) if first else np.array([], dtype=int)
        return {
            "sizes": sorted(b.size for b in first),
            "permutation": bool(np.array_equal(np.sort(flat), np.arange(n))),
            "in_order": bool(np.array_equal(flat, np.arange(n))),
            "seeded": len(first) == len(again) and all(np.array_equal(x, y) for x, y in zip(first, again, strict=True)),
        }

    return probe


# ----------------------------------------------------------------------------- update rules


def _sgd(w: FloatArray, dw: FloatArray, lr: float, mistake: str = "") -> FloatArray:
    """Gradient descent; mistakes "uphill", "no_lr", "in_place"."""
    step = (-1.0 if mistake == "uphill" else 1.0) * (1.0 if mistake == "no_lr" else lr) * dw
    if mistake == "in_place":
        w -= step
        return w
    return w - step


def _momentum(
    w: FloatArray, dw: FloatArray, v: FloatArray, lr: float, gamma: float = 0.9, mistake: str = ""
) -> tuple[FloatArray, FloatArray]:
    """Momentum; mistakes "uphill", "ema_with_lr" (lr as eta'), "old_velocity", "lr_twice", "in_place"."""
    v_new = gamma * v + ((1.0 - gamma) * dw if mistake == "ema_with_lr" else (-lr if mistake == "uphill" else lr) * dw)
    step = v if mistake == "old_velocity" else v_new
    w_new = w - (lr * step if mistake in ("ema_with_lr", "lr_twice") else step)
    if mistake == "in_place":
        w[...], v[...] = w_new, v_new
        return w, v
    return w_new, v_new


def _momentum_run(w0: FloatArray, grads: list[FloatArray], lr: float, gamma: float) -> Probe:
    """Run a few steps from a zero state, feeding back the returned state.

    Observes the weights after each step and whether the first call changed the arrays it was
    given; not the state, since either of the notes' forms may be kept.
    """

    def probe(func: Callable[..., Any]) -> Any:
        w, state = w0.copy(), np.zeros_like(w0)
        w_in, state_in = w, state
        path = []
        for g in grads:
            w, state = func(w, g.copy(), state, lr, gamma)
            path.append(np.array(w, dtype=float))
        return path, not (np.array_equal(w_in, w0) and not np.any(state_in))

    return probe


def _adadelta(
    w: FloatArray, dw: FloatArray, G: FloatArray, lr: float, gamma: float = 0.9, eps: float = 1e-8, mistake: str = ""
) -> tuple[FloatArray, FloatArray]:
    """The notes' adadelta; mistakes "no_sqrt", "old_G", "not_squared", "no_eps", "in_place"."""
    G_new = gamma * G + (1.0 - gamma) * (dw if mistake == "not_squared" else dw**2)
    scale = (G if mistake == "old_G" else G_new) + (0.0 if mistake == "no_eps" else eps)
    w_new = w - lr * dw / (scale if mistake == "no_sqrt" else np.sqrt(np.abs(scale)))
    if mistake == "in_place":
        w[...], G[...] = w_new, G_new
        return w, G
    return w_new, G_new


_ADAM_SIGNATURE = inspect.signature(adam_step)


def _adam(
    *arguments: Any,
    power: int = 0,
    correct: bool = True,
    sign: float = 1.0,
    store_hat: bool = False,
    in_place: bool = False,
    **named: Any,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Adam with one of its classic mistakes switched on, called as ``adam_step`` (with its defaults)."""
    bound = _ADAM_SIGNATURE.bind(*arguments, **named)
    bound.apply_defaults()
    w, dw, m, v, t, lr, beta1, beta2, eps = bound.arguments.values()
    m_new = beta1 * m + (1 - beta1) * dw
    v_new = beta2 * v + (1 - beta2) * dw**2
    m_hat = m_new / (1 - beta1 ** (t + power)) if correct else m_new
    v_hat = v_new / (1 - beta2 ** (t + power)) if correct else v_new
    w_new = w - sign * lr * m_hat / (np.sqrt(v_hat) + eps)
    if in_place:
        w[...], m[...], v[...] = w_new, m_new, v_new
        return w, m, v
    return (w_new, m_hat, v_hat) if store_hat else (w_new, m_new, v_new)


_A1 = np.array([1.0, 2.0, 4.0, -1.0, 3.0])
_A2 = np.array([[1.0, -2.0], [3.0, 0.5], [0.0, 4.0]])

EXERCISES = {
    "moving_average": ExerciseDiagnosis(
        reference=moving_average,
        probes=[args(_A1, 0.7), args(_A2, 0.4)],
        misconceptions=variants(_moving, "starts_at_first", "swapped_weights", "last_only", "in_place"),
    ),
    "running_mean": ExerciseDiagnosis(
        reference=running_mean,
        probes=[_mean_probe(np.array([2.0, 4.0, 9.0, 1.0, -3.0])), _mean_probe(_A2)],
        misconceptions=[
            *variants(_running, "off_by_one", "divides_by_length"),
            variant("fixed_gamma", lambda a: _moving(a, 0.5)),
        ],
    ),
    "minibatch_indices": ExerciseDiagnosis(
        reference=minibatch_indices,
        probes=[_batches_probe(20, 6, 1), _batches_probe(20, 5, 2)],
        misconceptions=variants(_batches, "no_shuffle", "drops_last", "with_replacement", "global_rng", "extra_batch"),
    ),
    "sgd_step": ExerciseDiagnosis(
        reference=sgd_step,
        probes=[
            args(np.array([1.0, -2.0, 0.5]), np.array([0.3, 0.4, -2.0]), 0.1),
            args(np.array([[0.5, 1.5], [-1.0, 2.0]]), np.array([[1.0, -0.5], [2.0, 0.25]]), 0.3),
        ],
        misconceptions=variants(_sgd, "uphill", "in_place", "no_lr"),
    ),
    "momentum_step": ExerciseDiagnosis(
        reference=momentum_step,
        probes=[
            _momentum_run(
                np.array([1.0, -2.0]), [np.array([3.0, -1.0]), np.array([1.0, 1.0]), np.array([-0.5, 2.0])], 0.1, 0.5
            ),
            _momentum_run(np.array([[0.5], [2.0]]), [np.array([[1.0], [-2.0]])] * 3, 0.2, 0.9),
        ],
        misconceptions=variants(_momentum, "uphill", "in_place", "ema_with_lr", "old_velocity", "lr_twice"),
    ),
    "adadelta_step": ExerciseDiagnosis(
        reference=adadelta_step,
        # gradients >= 0 (averaging the gradient instead of its square then stays >= 0 however it is
        # written) and a zero gradient where G is zero (0 / 0 without eps); elsewhere G > 0, so that
        # where eps sits does not matter
        probes=[
            args(np.array([1.0, -0.5, 2.0]), np.array([0.5, 2.0, 0.0]), np.array([0.4, 1.0, 0.0]), 0.1, 0.8),
            args(np.array([[0.3], [1.2]]), np.array([[3.0], [0.25]]), np.array([[0.5], [2.0]]), 0.05),
        ],
        misconceptions=variants(_adadelta, "no_sqrt", "old_G", "not_squared", "in_place", "no_eps"),
    ),
    "adam_step": ExerciseDiagnosis(
        reference=adam_step,
        probes=[
            args(np.array([1.0, -2.0]), np.array([0.5, -3.0]), np.zeros(2), np.zeros(2), 1, lr=0.1),
            args(np.array([0.5, 1.5]), np.array([1.0, 0.2]), np.array([0.2, -0.1]), np.array([0.01, 0.04]), 3, lr=0.01),
        ],
        misconceptions=[
            variant("no_bias_correction", lambda *a, **k: _adam(*a, **k, correct=False)),
            variant("t_from_zero", lambda *a, **k: _adam(*a, **k, power=-1)),
            variant("t_plus_one", lambda *a, **k: _adam(*a, **k, power=1)),
            variant("uphill", lambda *a, **k: _adam(*a, **k, sign=-1.0)),
            variant("in_place", lambda *a, **k: _adam(*a, **k, in_place=True)),
            variant("stores_hat", lambda *a, **k: _adam(*a, **k, store_hat=True)),
        ],
    ),
}
