"""Misconceptions of notebook 09 (heteroscedastic regression).

``fit_log_residuals`` returns a function; its probe observes that function on fixed new inputs.
``HeteroscedasticMLP.backward`` is probed through its class: a network with fixed parameters (a
non-zero variance head, so that its path shows) runs forward and backward once, and the input
gradient and every parameter gradient are observed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from coursekit.diagnosis import ExerciseDiagnosis, args, variant, variants_from
from coursekit.heteroscedastic_model import HeteroscedasticMLP, gaussian_nll, gaussian_nll_grads
from coursekit.log_residuals import fit_log_residuals, rbf_features

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


def _wrong_mlp(mistake: str) -> type:
    """The network as a student's solution cell has it, with ``mistake`` in backward."""

    class WrongMLP:
        def __init__(self, n_in: int, n_hidden: int, *, rng: np.random.Generator) -> None:
            self.W1, self.b1 = rng.standard_normal((n_in, n_hidden)), np.zeros(n_hidden)
            self.wf, self.bf = rng.standard_normal(n_hidden), np.zeros(1)
            self.wa, self.ba = np.zeros(n_hidden), np.zeros(1)

        def forward(self, X: Any) -> Any:
            self.X = X
            self.H = np.tanh(X @ self.W1 + self.b1)
            return self.H @ self.wf + self.bf, self.H @ self.wa + self.ba

        def grads(self) -> list[Any]:
            return [self.dW1, self.db1, self.dwf, self.dbf, self.dwa, self.dba]

        def backward(self, df: Any, dlog_var: Any) -> Any:
            H = self.H
            head = df if mistake == "variance_head_mean_gradient" else dlog_var
            self.dwf, self.dbf = H.T @ df, np.array([df.sum()])
            self.dwa, self.dba = H.T @ head, np.array([head.sum()])
            dH = np.outer(df, self.wf) + (0.0 if mistake == "mean_head_only" else np.outer(dlog_var, self.wa))
            if mistake == "no_tanh_derivative":
                dZ1 = dH
            elif mistake == "derivative_at_z":
                dZ1 = dH * (1.0 - (self.X @ self.W1 + self.b1) ** 2)
            else:
                dZ1 = dH * (1.0 - H**2)
            self.dW1 = self.X.T @ dZ1
            self.db1 = dZ1 if mistake == "bias_not_summed" else dZ1.sum(axis=0)
            return dZ1 @ self.W1.T

    return WrongMLP


XM = _RNG.normal(size=(5, 3))
DF, DA = _RNG.normal(size=5), _RNG.normal(size=5)
MLP_PARAMS = {
    "W1": _RNG.normal(size=(3, 4)),
    "b1": _RNG.normal(size=4) * 0.3,
    "wf": _RNG.normal(size=4),
    "bf": np.array([0.2]),
    "wa": _RNG.normal(size=4),
    "ba": np.array([-0.4]),
}


def _mlp_probe(cls: Any) -> Any:
    net = cls(3, 4, rng=np.random.default_rng(0))
    for name, value in MLP_PARAMS.items():
        setattr(net, name, value.copy())
    net.forward(XM.copy())
    dX = net.backward(DF.copy(), DA.copy())
    return dX, [np.asarray(g) for g in net.grads()]


EXERCISES: dict[str, ExerciseDiagnosis] = {
    "HeteroscedasticMLP_backward": ExerciseDiagnosis(
        reference=HeteroscedasticMLP,
        probes=[_mlp_probe],
        misconceptions=variants_from(
            _wrong_mlp,
            "mean_head_only",
            "no_tanh_derivative",
            "derivative_at_z",
            "variance_head_mean_gradient",
            "bias_not_summed",
        ),
    ),
    "gaussian_nll": ExerciseDiagnosis(
        reference=gaussian_nll,
        probes=[args(Y, F, A), args(Y, F, np.abs(A) + 0.5)],
        misconceptions=[
            variant("log_factor", lambda *a: _nll(*a, log_factor=1.0)),
            variant("square_factor", lambda *a: _nll(*a, square_factor=1.0)),
            variant("log_var_as_variance", lambda *a: _nll(*a, a_is_v=True)),
            variant("sum", lambda *a: _nll(*a, total=True)),
            variant("no_constant", lambda *a: _nll(*a, constant=False)),
        ],
    ),
    "gaussian_nll_grads": ExerciseDiagnosis(
        reference=gaussian_nll_grads,
        probes=[args(Y, F, A)],
        misconceptions=[
            variant("wrt_v", lambda *a: _grads(*a, wrt_v=True)),
            variant("half", lambda *a: _grads(*a, half=False)),
            variant("no_mean", lambda *a: _grads(*a, mean=False)),
            variant("sign", lambda *a: _grads(*a, sign=-1.0)),
            variant("least_squares", lambda *a: _grads(*a, divide_v=False)),
        ],
    ),
    "fit_log_residuals": ExerciseDiagnosis(
        reference=fit_log_residuals,
        probes=[_fitted_probe(), _fitted_probe(correct_bias=False)],
        misconceptions=[
            variant("no_correction", lambda *a, **k: _fit(*a, **k, ignore_correct=True)),
            variant("correction_sign", lambda *a, **k: _fit(*a, **k, offset_sign=-1.0)),
            variant("log_abs", lambda *a, **k: _fit(*a, **k, absolute=True)),
            variant("no_intercept", lambda *a, **k: _fit(*a, **k, intercept=False)),
            variant("no_floor", lambda *a, **k: _fit(*a, **k, no_floor=True)),
        ],
    ),
}
