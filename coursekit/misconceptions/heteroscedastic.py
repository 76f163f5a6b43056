"""Misconceptions of notebook 09 (heteroscedastic regression).

``fit_log_residuals`` returns a function; its probe observes that function on fixed new inputs.
``HeteroscedasticMLP.backward`` is not diagnosed yet: its mistakes are still named by the test
cell's own checks.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from coursekit.diagnosis import ExerciseDiagnosis, Misconception, args
from coursekit.heteroscedastic_model import gaussian_nll, gaussian_nll_grads
from coursekit.log_residuals import fit_log_residuals, rbf_features


def _m(key: str, title: str, message: str, variant: Any) -> Misconception:
    return Misconception(key, title, message, variant)


_RNG = np.random.default_rng(9)
Y, F, A = _RNG.normal(size=6), _RNG.normal(size=6), _RNG.normal(size=6) * 0.7
_HALF_LOG_2PI = 0.5 * np.log(2.0 * np.pi)


def _nll(
    y: Any,
    f: Any,
    a: Any,
    *,
    log_factor: float = 0.5,
    square_factor: float = 0.5,
    a_is_v: bool = False,
    total: bool = False,
    constant: bool = True,
) -> float:
    r = y - f
    v = a if a_is_v else np.exp(a)
    terms = log_factor * np.log(v) + square_factor * r**2 / v + (_HALF_LOG_2PI if constant else 0.0)
    return float(np.sum(terms) if total else np.mean(terms))


def _grads(
    y: Any,
    f: Any,
    a: Any,
    *,
    wrt_v: bool = False,
    half: bool = True,
    mean: bool = True,
    sign: float = 1.0,
    divide_v: bool = True,
) -> tuple[Any, Any]:
    n = y.shape[0] if mean else 1
    v = np.exp(a)
    df = sign * (f - y) / (v if divide_v else 1.0) / n
    if wrt_v:
        return df, (1 / (2 * v) - (y - f) ** 2 / (2 * v**2)) / n
    da = (0.5 - (y - f) ** 2 / (2 * v)) if half else (1.0 - (y - f) ** 2 / v)
    return df, da / n


XR = np.linspace(-2.0, 2.0, 40)[:, None]
RES = np.sin(3.0 * XR[:, 0]) * (0.3 + 0.2 * XR[:, 0] ** 2)
RES[5] = 0.0  # an exact zero residual: its log needs the floor
CENTRES, WIDTH = np.linspace(-2.0, 2.0, 6)[:, None], 0.8
X_NEW = np.array([[-1.5], [0.1], [1.2]])


def _fitted_probe(**kw: Any) -> Any:
    def probe(func: Any) -> Any:
        return np.asarray(func(XR, RES, CENTRES, WIDTH, **kw)(X_NEW), dtype=float)

    return probe


def _fit(
    X: Any,
    residuals: Any,
    centres: Any,
    width: Any,
    *,
    ridge: float = 1e-3,
    correct_bias: bool = True,
    floor: float = 1e-12,
    offset_sign: float = 1.0,
    absolute: bool = False,
    intercept: bool = True,
    no_floor: bool = False,
    ignore_correct: bool = False,
) -> Any:
    r = np.abs(residuals) if absolute else residuals**2
    t = np.log(r) if no_floor else np.log(np.maximum(r, floor * np.mean(r)))
    Phi = rbf_features(X, centres, width)
    n, k = Phi.shape
    if intercept:
        design = np.column_stack([Phi, np.ones(n)])
        penalty = np.diag(np.append(np.full(k, ridge * n), 0.0))
    else:
        design, penalty = Phi, ridge * n * np.eye(k)
    theta = np.linalg.solve(design.T @ design + penalty, design.T @ t)
    use = correct_bias and not ignore_correct
    offset = offset_sign * (np.euler_gamma + np.log(2.0)) if use else 0.0

    def log_var(X_new: Any) -> Any:
        features = rbf_features(X_new, centres, width)
        return (features @ theta[:k] + theta[k] if intercept else features @ theta) + offset

    return log_var


EXERCISES: dict[str, ExerciseDiagnosis] = {
    "gaussian_nll": ExerciseDiagnosis(
        reference=gaussian_nll,
        probes=[args(Y, F, A), args(Y, F, np.abs(A) + 0.5)],
        misconceptions=[
            _m(
                "log_factor",
                "log v without its 1/2",
                "the density's normaliser gives 0.5 * log v (from the square "
                "root of 2 pi v): the factor 1/2 on the log-variance is missing.",
                lambda *a: _nll(*a, log_factor=1.0),
            ),
            _m(
                "square_factor",
                "r^2 / v without its 1/2",
                "the exponent of a Gaussian is r**2 / (2 v): the factor 1/2 on the squared residual is missing.",
                lambda *a: _nll(*a, square_factor=1.0),
            ),
            _m(
                "log_var_as_variance",
                "log_var used as the variance",
                "log_var is the log of the variance: the variance is v = exp(log_var).",
                lambda *a: _nll(*a, a_is_v=True),
            ),
            _m(
                "sum",
                "NLL summed, not averaged",
                "return the mean over the examples, not the sum.",
                lambda *a: _nll(*a, total=True),
            ),
            _m(
                "no_constant",
                "0.5 log(2 pi) dropped",
                "the negative log-likelihood includes the constant "
                "0.5 * log(2 pi) (it does not change the gradient, but it changes the value).",
                lambda *a: _nll(*a, constant=False),
            ),
        ],
    ),
    "gaussian_nll_grads": ExerciseDiagnosis(
        reference=gaussian_nll_grads,
        probes=[args(Y, F, A)],
        misconceptions=[
            _m(
                "wrt_v",
                "gradient with respect to v",
                "the gradient is with respect to log_var: multiply the derivative in v by dv/d(log_var) = v.",
                lambda *a: _grads(*a, wrt_v=True),
            ),
            _m(
                "half",
                "1/2 missing in the log-variance gradient",
                "d/da [0.5 a + r**2 exp(-a) / 2] = 0.5 - r**2 / (2 v): the factors 1/2 are missing.",
                lambda *a: _grads(*a, half=False),
            ),
            _m(
                "no_mean",
                "gradients of the summed loss",
                "the loss is a mean over the N examples: divide both gradients by N.",
                lambda *a: _grads(*a, mean=False),
            ),
            _m(
                "sign",
                "mean gradient with the wrong sign",
                "d/df of (y - f)**2 / (2 v) is (f - y) / v, not (y - f) / v.",
                lambda *a: _grads(*a, sign=-1.0),
            ),
            _m(
                "least_squares",
                "mean gradient not divided by v",
                "each residual is weighted by 1 / v: the mean's gradient is (f - y) / (v N).",
                lambda *a: _grads(*a, divide_v=False),
            ),
        ],
    ),
    "fit_log_residuals": ExerciseDiagnosis(
        reference=fit_log_residuals,
        probes=[_fitted_probe(), _fitted_probe(correct_bias=False)],
        misconceptions=[
            _m(
                "no_correction",
                "no bias correction",
                "E[log r**2] = log v - (gamma + log 2) for Gaussian noise: add "
                "euler_gamma + log 2 back when correct_bias is True.",
                lambda *a, **k: _fit(*a, **k, ignore_correct=True),
            ),
            _m(
                "correction_sign",
                "correction subtracted",
                "log r**2 underestimates log v on average, so the "
                "correction euler_gamma + log 2 is added, not subtracted.",
                lambda *a, **k: _fit(*a, **k, offset_sign=-1.0),
            ),
            _m(
                "log_abs",
                "log |r| instead of log r^2",
                "regress log r**2 (the log of the squared residual): log |r| is half of it.",
                lambda *a, **k: _fit(*a, **k, absolute=True),
            ),
            _m(
                "no_intercept",
                "no intercept",
                "add a column of ones (an unpenalised intercept) to the RBF features.",
                lambda *a, **k: _fit(*a, **k, intercept=False),
            ),
            _m(
                "no_floor",
                "log of zero residuals",
                "a residual of exactly 0 gives log 0 = -inf: floor the squares "
                "(np.maximum(r2, floor * np.mean(r2))) before the log.",
                lambda *a, **k: _fit(*a, **k, no_floor=True),
            ),
        ],
    ),
}
