r"""The notes' alternative to a network with a variance head: regress the log squared residuals (notebook 09).

Fit the mean first; then the log of each squared residual, :math:`\log r_n^2 = \log \sigma^2(x_n) + \log
\varepsilon_n^2`, is the log variance plus noise whose mean is :data:`E_LOG_CHI2_1`, not zero: a ridge
regression on radial basis features (:func:`rbf_features`) estimates :math:`\log \sigma^2(x)`, corrected by
that mean (:func:`fit_log_residuals`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from coursekit._validate import FloatArray, as_float_array, check_int, check_positive

__all__ = ["E_LOG_CHI2_1", "LogVarianceFit", "fit_log_residuals", "rbf_features"]

E_LOG_CHI2_1: float = -float(np.euler_gamma) - float(np.log(2.0))
r"""Mean of :math:`\log \varepsilon^2` for :math:`\varepsilon \sim \mathcal{N}(0, 1)`.

:math:`E[\log \varepsilon^2] = \psi(1/2) + \log 2 = -\gamma - \log 2 \approx -1.2704`,
with :math:`\psi` the digamma function and :math:`\gamma` Euler's constant."""


@dataclass(frozen=True, eq=False)
class LogVarianceFit:
    r"""A fitted log-variance model :math:`\hat a(x)` from :func:`fit_log_residuals`.

    .. math::

        \hat a(x) = \sum_{k=1}^{K} \beta_k \exp\!\Big(-\frac{\lVert x - c_k \rVert^2}{2 s^2}\Big)
                    + \beta_0 + \text{offset},

    Calling the object with ``X`` of shape (M, d) returns :math:`\hat a` of
    shape (M,); :meth:`std` returns :math:`e^{\hat a / 2}`.

    Attributes
    ----------
    centres : ndarray, shape (K, d)
        RBF centres :math:`c_k`.
    width : float
        RBF width :math:`s`.
    coef : ndarray, shape (K,)
        Weights :math:`\beta_k`.
    intercept : float
        :math:`\beta_0`.
    offset : float
        Added at prediction: :math:`-E[\log \varepsilon^2] \approx 1.2704` when
        the bias is corrected, else 0.
    """

    centres: FloatArray
    width: float
    coef: FloatArray
    intercept: float
    offset: float

    def features(self, X: ArrayLike) -> FloatArray:
        """RBF features :func:`rbf_features` of ``X`` (M, d), shape (M, K)."""
        Xa = as_float_array(X, "X", "LogVarianceFit", ndim=2)
        if Xa.shape[1] != self.centres.shape[1]:
            raise ValueError(
                f"LogVarianceFit: argument 'X' must have {self.centres.shape[1]} column(s), got shape {Xa.shape}"
            )
        return _rbf(Xa, self.centres, self.width)

    def __call__(self, X: ArrayLike) -> FloatArray:
        """Predicted log-variance, shape (M,)."""
        return self.features(X) @ self.coef + self.intercept + self.offset

    def std(self, X: ArrayLike) -> FloatArray:
        """Predicted noise standard deviation :math:`e^{\\hat a/2}`, shape (M,)."""
        with np.errstate(over="ignore"):
            return np.exp(0.5 * self(X))


def _rbf(X: FloatArray, centres: FloatArray, width: float) -> FloatArray:
    sq = np.sum((X[:, None, :] - centres[None, :, :]) ** 2, axis=2)
    return np.exp(-sq / (2.0 * width * width))


def rbf_features(X: ArrayLike, centres: ArrayLike, width: float) -> FloatArray:
    r"""Gaussian radial basis functions: a hidden layer with fixed weights.

    .. math::

        \Phi_{nk} = \exp\!\Big(-\frac{\lVert x_n - c_k\rVert^2}{2 s^2}\Big).

    Parameters
    ----------
    X : array_like, shape (N, d)
        Inputs.
    centres : array_like, shape (K, d)
        Centres :math:`c_k`.
    width : float
        Width :math:`s > 0`.

    Returns
    -------
    ndarray, shape (N, K)
        :math:`\Phi`, entries in (0, 1].
    """
    func = "rbf_features"
    Xa = as_float_array(X, "X", func, ndim=2)
    c = as_float_array(centres, "centres", func, ndim=2)
    if c.shape[1] != Xa.shape[1] or c.shape[0] < 1:
        raise ValueError(
            f"{func}: argument 'centres' must have shape (K, {Xa.shape[1]}) like the columns of X, got {c.shape}"
        )
    s = check_positive(width, "width", func)
    return _rbf(Xa, c, s)


def fit_log_residuals(
    X: ArrayLike,
    residuals: ArrayLike,
    centres: ArrayLike | None = None,
    width: float | None = None,
    *,
    ridge: float = 1e-3,
    correct_bias: bool = True,
    floor: float = 1e-12,
    n_centres: int = 12,
) -> LogVarianceFit:
    r"""Fit the log squared residuals to get a log-variance model (the tutorial's alternative).

    Instead of training a variance head by maximum likelihood, take the
    residuals :math:`r_n = y_n - \hat f(x_n)` of a fitted mean model and
    regress :math:`t_n = \log r_n^2` on :math:`x_n`. The regression is a ridge
    regression on Gaussian radial basis functions :math:`\Phi` =
    :func:`rbf_features` ``(X, centres, width)``, i.e. a network whose one
    hidden layer is fixed and whose output layer is fitted in closed form:

    .. math::

        (\hat\beta, \hat\beta_0) = \arg\min_{\beta, \beta_0}
            \sum_{n=1}^{N} \big(t_n - \Phi_n \beta - \beta_0\big)^2 + \lambda N \lVert \beta \rVert^2,
        \qquad
        \hat a(x) = \phi(x)^\top \hat\beta + \hat\beta_0 + \delta,

    with :math:`\delta = \gamma + \log 2 \approx 1.2704` if ``correct_bias``
    and :math:`\delta = 0` otherwise. The intercept :math:`\beta_0` is not
    penalised.

    **The bias.** If :math:`r = \sigma(x)\,\varepsilon` with
    :math:`\varepsilon \sim \mathcal N(0,1)`, then
    :math:`\log r^2 = \log \sigma(x)^2 + \log \varepsilon^2` and
    :math:`\log\varepsilon^2` is log of a :math:`\chi^2_1` variable, whose mean is
    :math:`\psi(1/2) + \log 2 = -\gamma - \log 2 \approx -1.2704`
    (:data:`E_LOG_CHI2_1`). The regression estimates
    :math:`E[\log r^2 \mid x] = \log\sigma(x)^2 - 1.2704`, i.e. it
    underestimates the variance by a factor :math:`e^{1.27} \approx 3.6`;
    :math:`\delta` adds the 1.2704 back. The correction assumes Gaussian noise.
    Residuals of a mean model fitted to the same data are also slightly too
    small on average (the fit has absorbed some noise), which this does not
    correct.

    **Zero residuals.** :math:`r_n^2` is replaced by :math:`\max(r_n^2,\
    \text{floor} \cdot \overline{r^2})`, with :math:`\overline{r^2}` the mean of
    all squared residuals, before the log, so an exactly zero residual gives a
    finite (very negative) target instead of :math:`-\infty`.

    Parameters
    ----------
    X : array_like, shape (N, d)
        Inputs.
    residuals : array_like, shape (N,)
        Residuals :math:`r_n`, not all zero.
    centres : array_like, shape (K, d), optional
        RBF centres :math:`c_k`. Default (1-D inputs only): ``n_centres``
        centres evenly spaced from the smallest to the largest input.
    width : float, optional
        RBF width :math:`s > 0`. Default: the spacing of the evenly spaced
        centres, or the median distance from each given centre to its nearest
        neighbour.
    ridge : float
        :math:`\lambda \ge 0` (scaled by :math:`N`, so its effect does not
        depend on the data size).
    correct_bias : bool
        Add :math:`-E[\log \varepsilon^2] = \gamma + \log 2 \approx 1.2704` to the predictions.
    floor : float
        Relative floor for the squared residuals (above).
    n_centres : int
        Number of default centres (used only when ``centres`` is None).

    Returns
    -------
    LogVarianceFit
        Callable: ``fit(X_new)`` with ``X_new`` of shape (M, d) gives the
        predicted log-variance :math:`\hat a`, shape (M,).
    """
    func = "fit_log_residuals"
    Xa = as_float_array(X, "X", func, ndim=2)
    r = as_float_array(residuals, "residuals", func, ndim=1)
    n, d = Xa.shape
    if r.shape[0] != n or n < 2:
        raise ValueError(
            f"{func}: 'X' and 'residuals' must have the same number of rows (at least 2), "
            f"got shapes {Xa.shape} and {r.shape}"
        )
    ridge = check_positive(ridge, "ridge", func, allow_zero=True)
    floor = check_positive(floor, "floor", func)
    r2 = r * r
    mean_r2 = float(np.mean(r2))
    if mean_r2 == 0.0:
        raise ValueError(f"{func}: argument 'residuals' is all zeros; there is no noise to model")

    if centres is None:
        if d != 1:
            raise ValueError(f"{func}: inputs have d = {d} columns; pass 'centres' of shape (K, {d}) explicitly")
        n_centres = check_int(n_centres, "n_centres", func, minimum=2)
        lo, hi = float(Xa.min()), float(Xa.max())
        if hi == lo:
            raise ValueError(f"{func}: all inputs are equal; cannot place centres")
        c = np.linspace(lo, hi, n_centres)[:, None]
        default_width = (hi - lo) / (n_centres - 1)
    else:
        c = as_float_array(centres, "centres", func, ndim=2)
        if c.shape[1] != d or c.shape[0] < 1:
            raise ValueError(f"{func}: argument 'centres' must have shape (K, {d}), got {c.shape}")
        if c.shape[0] > 1:
            dist = np.sqrt(np.sum((c[:, None, :] - c[None, :, :]) ** 2, axis=2))
            np.fill_diagonal(dist, np.inf)
            default_width = float(np.median(dist.min(axis=1)))
        else:
            default_width = float(np.std(Xa)) or 1.0
    s = default_width if width is None else check_positive(width, "width", func)
    if not s > 0:
        raise ValueError(f"{func}: the default width is 0 (repeated centres); pass 'width'")

    t = np.log(np.maximum(r2, floor * mean_r2))
    Phi = _rbf(Xa, c, s)
    phi_mean = Phi.mean(axis=0)
    t_mean = float(t.mean())
    Pc = Phi - phi_mean
    K = c.shape[0]
    # Centring removes the unpenalised intercept; a tiny jitter keeps the system solvable
    # when ridge = 0 and features are collinear.
    gram = Pc.T @ Pc + (ridge * n + 1e-12 * n) * np.eye(K)
    coef = np.linalg.solve(gram, Pc.T @ (t - t_mean))
    intercept = t_mean - float(phi_mean @ coef)
    offset = -E_LOG_CHI2_1 if correct_bias else 0.0
    return LogVarianceFit(c, float(s), coef, intercept, offset)
