"""Misconceptions of notebook 06 (optimizers)."""

from __future__ import annotations

import numpy as np

from coursekit._validate import FloatArray
from coursekit.diagnosis import ExerciseDiagnosis, Misconception, args
from coursekit.optim import adam_step


def _adam(
    w: FloatArray,
    dw: FloatArray,
    m: FloatArray,
    v: FloatArray,
    t: int,
    lr: float = 1e-3,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    *,
    power: int = 0,
    correct: bool = True,
    sign: float = 1.0,
    store_hat: bool = False,
    in_place: bool = False,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Adam with one of its classic mistakes switched on (the keywords after ``*``)."""
    m_new = beta1 * m + (1 - beta1) * dw
    v_new = beta2 * v + (1 - beta2) * dw**2
    m_hat = m_new / (1 - beta1 ** (t + power)) if correct else m_new
    v_hat = v_new / (1 - beta2 ** (t + power)) if correct else v_new
    w_new = w - sign * lr * m_hat / (np.sqrt(v_hat) + eps)
    if in_place:
        w[...], m[...], v[...] = w_new, m_new, v_new
        return w, m, v
    return (w_new, m_hat, v_hat) if store_hat else (w_new, m_new, v_new)


EXERCISES = {
    "adam_step": ExerciseDiagnosis(
        reference=adam_step,
        probes=[
            args(np.array([1.0, -2.0]), np.array([0.5, -3.0]), np.zeros(2), np.zeros(2), 1, lr=0.1),
            args(np.array([0.5, 1.5]), np.array([1.0, 0.2]), np.array([0.2, -0.1]), np.array([0.01, 0.04]), 3, lr=0.01),
        ],
        misconceptions=[
            Misconception(
                "no_bias_correction",
                "Adam without bias correction",
                "your first step is about 3.2 times lr instead of lr: divide m by 1 - beta1**t and v by "
                "1 - beta2**t before the step.",
                lambda *a, **k: _adam(*a, **k, correct=False),
            ),
            Misconception(
                "t_from_zero",
                "bias correction with beta**(t - 1)",
                "the correction divides by zero at t = 1: t counts the updates from 1, so divide by 1 - beta**t.",
                lambda *a, **k: _adam(*a, **k, power=-1),
            ),
            Misconception(
                "t_plus_one",
                "bias correction with beta**(t + 1)",
                "your steps are too small: correct with 1 - beta**t for the t you are given (it already counts "
                "from 1), not t + 1.",
                lambda *a, **k: _adam(*a, **k, power=1),
            ),
            Misconception(
                "uphill",
                "Adam steps uphill",
                "your step goes in the direction of the gradient: subtract lr * m_hat / (sqrt(v_hat) + eps).",
                lambda *a, **k: _adam(*a, **k, sign=-1.0),
            ),
            Misconception(
                "in_place",
                "Adam changes its inputs in place",
                "your adam_step changes the arrays it is given: compute new arrays and return them.",
                lambda *a, **k: _adam(*a, **k, in_place=True),
            ),
            Misconception(
                "stores_hat",
                "Adam stores the corrected averages",
                "return the uncorrected m_t and v_t as the new state; m_hat and v_hat are recomputed at each step.",
                lambda *a, **k: _adam(*a, **k, store_hat=True),
            ),
        ],
    ),
}
