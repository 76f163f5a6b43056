r"""Notebook 09's exercises: the Gaussian negative log-likelihood with a learned log-variance, its
gradients, and :class:`HeteroscedasticMLP`, a network with a mean head and a log-variance head
(re-exported by :mod:`coursekit.heteroscedastic`, which describes the model).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from coursekit._docs import documented
from coursekit._validate import FloatArray, as_float_array, check_int, check_rng

__all__ = ["HeteroscedasticMLP", "gaussian_nll", "gaussian_nll_grads"]

_HALF_LOG_2PI = 0.5 * float(np.log(2.0 * np.pi))


# --------------------------------------------------------------------------- safe pieces


def _times_exp_neg(x: FloatArray, a: FloatArray) -> FloatArray:
    r"""Return :math:`x\,e^{-a}` elementwise with no warning.

    Where the exact value exceeds the float64 range the result is ``±inf``;
    where ``x == 0`` it is 0, even if :math:`e^{-a}` alone would overflow.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        out = x * np.exp(-a)
    return np.where(x == 0.0, 0.0, out)


def _targets(y: ArrayLike, f: ArrayLike, log_var: ArrayLike, func: str) -> tuple[FloatArray, FloatArray, FloatArray]:
    ya = as_float_array(y, "y", func, ndim=1)
    fa = as_float_array(f, "f", func, ndim=1)
    aa = as_float_array(log_var, "log_var", func, ndim=1)
    if not (ya.shape == fa.shape == aa.shape):
        raise ValueError(
            f"{func}: arguments 'y', 'f' and 'log_var' must have the same shape (N,), "
            f"got {ya.shape}, {fa.shape} and {aa.shape}"
        )
    if ya.shape[0] == 0:
        raise ValueError(f"{func}: arguments 'y', 'f' and 'log_var' must not be empty")
    return ya, fa, aa


# --------------------------------------------------------------------------- loss


# The arguments of the loss and its gradients (see coursekit._docs).
_NLL_INPUTS = [
    "y : array_like, shape (N,)\n    Targets.",
    "f : array_like, shape (N,)\n    Predicted means.",
    "log_var : array_like, shape (N,)\n    Predicted log-variances :math:`a_n = \\log v_n`.",
]


@documented(params=_NLL_INPUTS)
def gaussian_nll(y: ArrayLike, f: ArrayLike, log_var: ArrayLike) -> float:
    r"""Mean negative log-likelihood of targets under :math:`\mathcal{N}(f_n, v_n)`.

    With :math:`v_n = e^{a_n}` and :math:`a_n` = ``log_var[n]``,

    .. math::

        c_n = -\log \mathcal{N}(y_n; f_n, v_n)
            = \tfrac12 \log v_n + \frac{(y_n - f_n)^2}{2 v_n} + \tfrac12 \log(2\pi),
        \qquad
        C = \frac{1}{N} \sum_{n=1}^{N} c_n.

    :math:`\log v_n` is used as given (never ``log(exp(...))``) and
    :math:`(y_n - f_n)^2 / v_n` is computed as :math:`(y_n - f_n)^2 e^{-a_n}`.
    For a fixed residual, :math:`c_n` is smallest at :math:`v_n = (y_n - f_n)^2`.

    Returns
    -------
    float
        :math:`C`, in nats. ``inf`` (without a warning) if a term is too large
        for float64, e.g. a nonzero residual with ``log_var < -745``.
    """
    return _mean_nll(*_targets(y, f, log_var, "gaussian_nll"))


def _mean_nll(y: FloatArray, f: FloatArray, a: FloatArray) -> float:
    """:func:`gaussian_nll` without the input checks."""
    r = y - f
    quad = _times_exp_neg(r * r, a)
    with np.errstate(over="ignore"):
        return float(np.mean(0.5 * a + 0.5 * quad) + _HALF_LOG_2PI)


@documented(params=_NLL_INPUTS)
def gaussian_nll_grads(y: ArrayLike, f: ArrayLike, log_var: ArrayLike) -> tuple[FloatArray, FloatArray]:
    r"""Gradients of the mean Gaussian NLL :math:`C` (see :func:`gaussian_nll`).

    For one term, with :math:`v = e^{a}`,

    .. math::

        \bar f = \frac{\partial c}{\partial f} = \frac{f - y}{v}, \qquad
        \bar v = \frac{\partial c}{\partial v} = \frac{1}{2v} - \frac{(y - f)^2}{2 v^2}, \qquad
        \bar a = \bar v \, \frac{\partial v}{\partial a} = \bar v\, v
               = \frac12 - \frac{(y - f)^2}{2 v}.

    The loss is a mean, so each gradient is divided by :math:`N`:

    .. math::

        \frac{\partial C}{\partial f_n} = \frac{f_n - y_n}{N v_n}, \qquad
        \frac{\partial C}{\partial a_n} = \frac{1}{N}\left(\frac12 - \frac{(y_n - f_n)^2}{2 v_n}\right).

    :math:`\partial C / \partial a_n` is zero exactly when the predicted
    variance equals the squared residual. It never exceeds :math:`1/(2N)` but
    has no lower bound: a log-variance that is too large is pushed down
    gently, one that is far too small is pushed up hard.

    Returns
    -------
    df : ndarray, shape (N,)
        :math:`\partial C / \partial f_n`.
    dlog_var : ndarray, shape (N,)
        :math:`\partial C / \partial a_n`.
    """
    return _nll_grads(*_targets(y, f, log_var, "gaussian_nll_grads"))


def _nll_grads(y: FloatArray, f: FloatArray, a: FloatArray) -> tuple[FloatArray, FloatArray]:
    """:func:`gaussian_nll_grads` without the input checks."""
    n = y.shape[0]
    r = f - y
    df = _times_exp_neg(r, a) / n
    dlog_var = (0.5 - 0.5 * _times_exp_neg(r * r, a)) / n
    return df, dlog_var


# --------------------------------------------------------------------------- the network


class HeteroscedasticMLP:
    r"""One shared hidden layer, a mean head and a log-variance head.

    .. math::

        h = \phi(X W_1 + b_1), \qquad
        f = h\, w_f + b_f, \qquad
        a = h\, w_a + b_a = \log v,

    with :math:`\phi = \tanh` by default (smooth, so the mean and the
    log-variance come out smooth; ``activation="relu"`` gives piecewise linear
    curves). Shapes: :math:`X` (N, d), :math:`W_1` (d, H), :math:`b_1` (H,),
    :math:`h` (N, H), :math:`w_f, w_a` (H,), :math:`b_f, b_a` (1,),
    :math:`f, a` (N,).

    The module API of the notes: :meth:`forward` maps inputs to outputs
    ``(f, a)``; :meth:`backward` takes the gradients of a scalar loss with
    respect to those outputs, :math:`\bar f` and :math:`\bar a` (for the mean
    Gaussian NLL they come from :func:`gaussian_nll_grads`), stores the
    parameter gradients on the model and returns :math:`\bar X`:

    .. math::

        \bar w_f = h^\top \bar f, \quad \bar b_f = \textstyle\sum_n \bar f_n, \quad
        \bar w_a = h^\top \bar a, \quad \bar b_a = \textstyle\sum_n \bar a_n,

        \bar h = \bar h^{(f)} + \bar h^{(\sigma)} = \bar f\, w_f^\top + \bar a\, w_a^\top
        \quad\text{(the two heads share } h\text{, so their contributions add)},

        \bar Z_1 = \bar h \odot \phi'(Z_1), \quad
        \bar W_1 = X^\top \bar Z_1, \quad \bar b_1 = \textstyle\sum_n \bar Z_{1,n}, \quad
        \bar X = \bar Z_1 W_1^\top,

    with :math:`\phi'(Z_1) = 1 - h^2` for tanh and :math:`[Z_1 > 0]` for ReLU
    (0 at 0).

    Initialisation: :math:`W_1 \sim \mathcal{N}(0, 1/d)` (LeCun, the notes'
    choice), :math:`w_f \sim \mathcal{N}(0, 1/H)`, :math:`b_1 = 0`,
    :math:`b_f = 0`, and :math:`w_a = 0`, :math:`b_a = 0`: the variance head
    starts by predicting :math:`v = 1` everywhere.

    Parameters
    ----------
    n_in : int
        Input dimension ``d``.
    n_hidden : int
        Hidden width ``H``.
    rng : numpy.random.Generator
        Source of the initial weights (keyword-only).
    activation : {"tanh", "relu"}
        Hidden nonlinearity :math:`\phi`.

    Attributes
    ----------
    W1, b1, wf, bf, wa, ba : ndarray
        Parameters (shapes above); updated in place by :func:`fit_heteroscedastic`.
    dW1, db1, dwf, dbf, dwa, dba : ndarray
        Their gradients, set by :meth:`backward`.
    """

    def __init__(self, n_in: int, n_hidden: int, *, rng: np.random.Generator, activation: str = "tanh") -> None:
        func = "HeteroscedasticMLP"
        n_in = check_int(n_in, "n_in", func, minimum=1)
        n_hidden = check_int(n_hidden, "n_hidden", func, minimum=1)
        rng = check_rng(rng, func)
        if activation not in ("tanh", "relu"):
            raise ValueError(f"{func}: argument 'activation' must be 'tanh' or 'relu', got {activation!r}")
        self.activation = activation
        self.W1 = rng.standard_normal((n_in, n_hidden)) / np.sqrt(n_in)
        self.b1 = np.zeros(n_hidden)
        self.wf = rng.standard_normal(n_hidden) / np.sqrt(n_hidden)
        self.bf = np.zeros(1)
        self.wa = np.zeros(n_hidden)
        self.ba = np.zeros(1)
        self.dW1 = np.zeros_like(self.W1)
        self.db1 = np.zeros_like(self.b1)
        self.dwf = np.zeros_like(self.wf)
        self.dbf = np.zeros_like(self.bf)
        self.dwa = np.zeros_like(self.wa)
        self.dba = np.zeros_like(self.ba)
        self._cache: tuple[FloatArray, FloatArray, FloatArray] | None = None

    # -- forward -----------------------------------------------------------------------
    def _hidden(self, X: ArrayLike, func: str) -> tuple[FloatArray, FloatArray, FloatArray]:
        Xa = as_float_array(X, "X", func, ndim=2)
        if Xa.shape[1] != self.W1.shape[0]:
            raise ValueError(
                f"{func}: argument 'X' must have {self.W1.shape[0]} column(s) (n_in), got shape {Xa.shape}"
            )
        z1 = Xa @ self.W1 + self.b1
        h = np.tanh(z1) if self.activation == "tanh" else np.maximum(z1, 0.0)
        return Xa, z1, h

    def forward(self, X: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Predicted means and log-variances; remembers what :meth:`backward` needs.

        Parameters
        ----------
        X : array_like, shape (N, d)
            Inputs.

        Returns
        -------
        f : ndarray, shape (N,)
            Means :math:`f(x_n)`.
        log_var : ndarray, shape (N,)
            Log-variances :math:`a(x_n) = \\log v(x_n)`.
        """
        Xa, z1, h = self._hidden(X, "HeteroscedasticMLP.forward")
        self._cache = (Xa, z1, h)
        return h @ self.wf + self.bf, h @ self.wa + self.ba

    def backward(self, df: ArrayLike, dlog_var: ArrayLike) -> FloatArray:
        r"""Back-propagate output gradients :math:`(\bar f, \bar a)` through the last :meth:`forward`.

        Stores ``dW1, db1, dwf, dbf, dwa, dba`` on the model (formulas in the
        class docstring).

        Parameters
        ----------
        df : array_like, shape (N,)
            :math:`\partial C / \partial f_n` for the outputs of the last forward pass.
        dlog_var : array_like, shape (N,)
            :math:`\partial C / \partial a_n`.

        Returns
        -------
        dX : ndarray, shape (N, d)
            :math:`\partial C / \partial X`.
        """
        func = "HeteroscedasticMLP.backward"
        if self._cache is None:
            raise RuntimeError(f"{func}: call forward(X) before backward(df, dlog_var)")
        Xa, z1, h = self._cache
        n = Xa.shape[0]
        dfa = as_float_array(df, "df", func, ndim=1)
        daa = as_float_array(dlog_var, "dlog_var", func, ndim=1)
        for name, g in (("df", dfa), ("dlog_var", daa)):
            if g.shape != (n,):
                raise ValueError(
                    f"{func}: argument '{name}' must have shape ({n},) (one entry per row of the last X), got {g.shape}"
                )
        return self._backward(dfa, daa)

    def _backward(self, df: FloatArray, da: FloatArray) -> FloatArray:
        """:meth:`backward` without the input checks (used in training loops)."""
        assert self._cache is not None
        Xa, z1, h = self._cache
        self.dwf = h.T @ df
        self.dbf = np.array([df.sum()])
        self.dwa = h.T @ da
        self.dba = np.array([da.sum()])
        dh = df[:, None] * self.wf + da[:, None] * self.wa
        dz1 = dh * (1.0 - h * h) if self.activation == "tanh" else dh * (z1 > 0.0)
        self.dW1 = Xa.T @ dz1
        self.db1 = dz1.sum(axis=0)
        return dz1 @ self.W1.T

    # -- conveniences ------------------------------------------------------------------
    def loss(self, X: ArrayLike, y: ArrayLike) -> float:
        """Mean Gaussian NLL of ``y`` given ``X`` (does not touch the cache)."""
        _, _, h = self._hidden(X, "HeteroscedasticMLP.loss")
        return gaussian_nll(y, h @ self.wf + self.bf, h @ self.wa + self.ba)

    def predict(self, X: ArrayLike) -> tuple[FloatArray, FloatArray]:
        r"""Mean and standard deviation :math:`(f(x_n), e^{a(x_n)/2})`, shapes (N,) and (N,)."""
        _, _, h = self._hidden(X, "HeteroscedasticMLP.predict")
        a = h @ self.wa + self.ba
        with np.errstate(over="ignore"):
            return h @ self.wf + self.bf, np.exp(0.5 * a)

    def params(self) -> list[FloatArray]:
        """``[W1, b1, wf, bf, wa, ba]`` (the arrays themselves, for in-place updates)."""
        return [self.W1, self.b1, self.wf, self.bf, self.wa, self.ba]

    def grads(self) -> list[FloatArray]:
        """``[dW1, db1, dwf, dbf, dwa, dba]``, in the order of :meth:`params`."""
        return [self.dW1, self.db1, self.dwf, self.dbf, self.dwa, self.dba]
