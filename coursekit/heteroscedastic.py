r"""Heteroscedastic regression: a network that predicts a mean and a noise level.

Least squares treats the noise as Gaussian with one variance everywhere. The
tutorial in lecture notes 004 (question 2) lets the variance depend on the
input: the network returns a mean :math:`f(x)` and an activation
:math:`a(x)` that sets the log-variance,

.. math::

    P(y \mid x) = \mathcal{N}\big(y;\ f(x),\ v(x)\big), \qquad v(x) = \sigma(x)^2 = e^{a(x)},

and is trained by minimising the negative log-likelihood. Predicting
:math:`\log v` rather than :math:`v` keeps the variance positive whatever the
network outputs, and a variance near zero needs an activation near
:math:`-\infty` rather than near 0.

This module holds

* :func:`gaussian_nll` and :func:`gaussian_nll_grads`: the loss and its
  gradients with respect to the mean and the log-variance;
* :class:`HeteroscedasticMLP`: one shared hidden layer with a mean head and a
  log-variance head, with a hand-written backward pass (the notes' module
  API: ``forward(X) -> (f, a)``, ``backward(df, da) -> dX``);
* :func:`fit_heteroscedastic`: gradient descent with a separate step size for
  the variance head;
* :func:`fit_log_residuals`: the tutorial's alternative, a regression of the
  log squared residuals on radial basis functions (:func:`rbf_features`),
  with the bias of that approach corrected;
* :func:`make_heteroscedastic_data`, :func:`true_mean`, :func:`true_std`: 1-D
  data whose mean and noise level are known.

Shapes: inputs ``X`` are ``(N, d)``, targets and predictions ``(N,)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from coursekit._validate import FloatArray, as_float_array, check_int, check_positive, check_rng
from coursekit.datasets import make_heteroscedastic_data, true_mean, true_std
from coursekit.log_residuals import E_LOG_CHI2_1, LogVarianceFit, fit_log_residuals, rbf_features
from coursekit.optim import adam_step, minibatch_indices
from coursekit.training import Diverged, run_epochs

__all__ = [
    "gaussian_nll",
    "gaussian_nll_grads",
    "HeteroscedasticMLP",
    "fit_heteroscedastic",
    "TrainingDiverged",
    "fit_log_residuals",
    "rbf_features",
    "LogVarianceFit",
    "E_LOG_CHI2_1",
    "make_heteroscedastic_data",
    "true_mean",
    "true_std",
]

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

    Parameters
    ----------
    y : array_like, shape (N,)
        Targets.
    f : array_like, shape (N,)
        Predicted means.
    log_var : array_like, shape (N,)
        Predicted log-variances :math:`a_n = \log v_n`.

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

    Parameters
    ----------
    y : array_like, shape (N,)
        Targets.
    f : array_like, shape (N,)
        Predicted means.
    log_var : array_like, shape (N,)
        Predicted log-variances :math:`a_n`.

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


_MODEL_API = ("forward", "backward", "params", "grads")


class _TwoHeads:
    """A two-headed model as :func:`coursekit.training.run_epochs` drives a network: its two outputs side by
    side as columns ``[f, log_var]``, and its parameters overwritten in place (the model keeps its arrays)."""

    def __init__(self, model: Any, backward: Callable[[FloatArray, FloatArray], Any]) -> None:
        self.model, self.backward = model, backward

    def forward(self, X: FloatArray) -> FloatArray:
        f, a = self.model.forward(X)
        return np.column_stack([f, a])

    def _backward_weights_only(self, dout: FloatArray) -> None:
        self.backward(np.ascontiguousarray(dout[:, 0]), np.ascontiguousarray(dout[:, 1]))

    def params(self) -> list[FloatArray]:
        return list(self.model.params())

    def grads(self) -> list[FloatArray]:
        return list(self.model.grads())

    def _assign_params(self, values: list[FloatArray]) -> None:
        for p, value in zip(self.model.params(), values, strict=True):
            if value is not p:
                p[...] = value


class _GaussianLoss:
    """The mean Gaussian NLL of ``[f, log_var]`` columns, with the gradients of ``loss_grads``."""

    def __init__(self, loss_grads: Callable[[FloatArray, FloatArray, FloatArray], tuple[FloatArray, FloatArray]]):
        self.loss_grads = loss_grads

    def forward(self, out: FloatArray, y: FloatArray) -> float:
        f, a = np.ascontiguousarray(out[:, 0]), np.ascontiguousarray(out[:, 1])
        self._grads = self.loss_grads(y, f, a)
        return _mean_nll(y, f, a)

    def backward(self) -> FloatArray:
        df, da = self._grads
        return np.column_stack([df, da])


def fit_heteroscedastic(
    model: HeteroscedasticMLP,
    X: ArrayLike,
    y: ArrayLike,
    *,
    lr: float = 0.01,
    lr_var: float | None = None,
    epochs: int = 2000,
    rng: np.random.Generator,
    batch_size: int | None = None,
    optimizer: str = "adam",
    warmup_epochs: int = 0,
    loss_grads: Callable[[FloatArray, FloatArray, FloatArray], tuple[FloatArray, FloatArray]] | None = None,
) -> FloatArray:
    r"""Train ``model`` in place by gradient descent on the mean Gaussian NLL.

    Every step runs ``f, a = model.forward(X_batch)``, gets
    :math:`(\bar f, \bar a)` from ``loss_grads(y_batch, f, a)``
    (default :func:`gaussian_nll_grads`), calls ``model.backward(df, da)``
    and updates each parameter with step size :math:`\eta` = ``lr`` for the
    shared layer and the mean head (:math:`W_1, b_1, w_f, b_f`) and
    :math:`\eta` = ``lr_var`` for the variance head (:math:`w_a, b_a`):

    * ``optimizer="sgd"``: :math:`\theta \leftarrow \theta - \eta\,\bar\theta`;
    * ``optimizer="adam"`` (default): Adam with :math:`\beta_1 = 0.9`,
      :math:`\beta_2 = 0.999`, :math:`\epsilon = 10^{-8}` outside the square
      root, bias-corrected with the 1-based step count :math:`t`, as in
      ``coursekit.optim``: :math:`\theta \leftarrow \theta - \eta\,\hat m /
      (\sqrt{\hat v} + \epsilon)`.

    The notes warn that the variance head is the hard part. Where the
    predicted variance :math:`v` is much smaller than the squared residual
    :math:`r^2`, :math:`\partial C/\partial a = (1 - r^2/v)/(2N)` is large,
    and :math:`\partial C/\partial f = -r/(vN)` is large too: the mean is
    effectively trained with step :math:`\eta / v`. Plain gradient descent
    with a step that suits least squares then overshoots wherever the noise
    is small, and the loss blows up (this function raises ``RuntimeError``
    when that happens). Three remedies are offered: a smaller ``lr_var`` (and
    ``lr``); Adam, whose steps do not grow with the gradient's scale; and
    ``warmup_epochs``, which keeps the variance head at its initial value
    (:math:`v = 1` for a fresh model, so the first epochs are plain least
    squares) until the mean is roughly right.

    Parameters
    ----------
    model : HeteroscedasticMLP or an object with the same API
        ``forward(X) -> (f, a)``, ``backward(df, da)``, and ``params()`` /
        ``grads()`` returning the six arrays ``[W1, b1, wf, bf, wa, ba]`` /
        their gradients in that order (the last two are the variance head).
        Its parameters are overwritten.
    X : array_like, shape (N, d)
        Inputs.
    y : array_like, shape (N,)
        Targets.
    lr : float
        Step size for the shared layer and the mean head (default 0.01, for Adam).
    lr_var : float, optional
        Step size for the variance head; default ``lr / 2``.
    epochs : int
        Passes over the data (default 2000).
    rng : numpy.random.Generator
        Shuffles the rows into mini-batches each epoch (unused for full-batch training).
    batch_size : int, optional
        Mini-batch size; ``None`` (default) uses all ``N`` rows in every step.
    optimizer : {"adam", "sgd"}
        Update rule (above).
    warmup_epochs : int
        Number of first epochs in which the variance head is frozen (default 0).
        With ``warmup_epochs >= epochs`` the whole run is least squares.
    loss_grads : callable, optional
        ``loss_grads(y, f, log_var) -> (df, dlog_var)``, the gradients of the
        mean NLL (default :func:`gaussian_nll_grads`); a notebook passes its own.

    Returns
    -------
    ndarray, shape (epochs,)
        The mean NLL (:func:`gaussian_nll`) on all of ``(X, y)`` after each epoch.

    Raises
    ------
    TrainingDiverged
        A ``RuntimeError`` raised if the loss stops being finite (the step
        sizes are too large); its ``history`` holds the losses up to then.
    """
    func = "fit_heteroscedastic"
    if isinstance(model, type) or not all(callable(getattr(model, m, None)) for m in _MODEL_API):
        raise TypeError(
            f"{func}: argument 'model' must be a HeteroscedasticMLP (an object with methods "
            f"forward, backward, params and grads), got {type(model).__name__}"
        )
    Xa = as_float_array(X, "X", func, ndim=2)
    ya = as_float_array(y, "y", func, ndim=1)
    n = Xa.shape[0]
    if ya.shape[0] != n or n == 0:
        raise ValueError(
            f"{func}: arguments 'X' and 'y' must have the same (nonzero) number of rows, "
            f"got shapes {Xa.shape} and {ya.shape}"
        )
    params = list(model.params())
    if len(params) != 6:
        raise ValueError(f"{func}: model.params() must return 6 arrays [W1, b1, wf, bf, wa, ba], got {len(params)}")
    if Xa.shape[1] != params[0].shape[0]:
        raise ValueError(
            f"{func}: argument 'X' must have {params[0].shape[0]} column(s) (the model's n_in), got shape {Xa.shape}"
        )
    lr = check_positive(lr, "lr", func)
    lr_var = 0.5 * lr if lr_var is None else check_positive(lr_var, "lr_var", func)
    epochs = check_int(epochs, "epochs", func, minimum=1)
    rng = check_rng(rng, func)
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", func, minimum=1)
    if optimizer not in ("adam", "sgd"):
        raise ValueError(f"{func}: argument 'optimizer' must be 'adam' or 'sgd', got {optimizer!r}")
    warmup_epochs = check_int(warmup_epochs, "warmup_epochs", func, minimum=0)
    if loss_grads is None:
        loss_grads = _nll_grads
    elif not callable(loss_grads):
        raise TypeError(f"{func}: argument 'loss_grads' must be callable, got {type(loss_grads).__name__}")
    # The reference model skips its per-call input checks inside the loop (inputs are checked above).
    backward = model._backward if isinstance(model, HeteroscedasticMLP) else model.backward

    rates = [lr, lr, lr, lr, lr_var, lr_var]
    adam_m = [np.zeros_like(p) for p in params]
    adam_v = [np.zeros_like(p) for p in params]
    steps = [0] * len(params)  # Adam's t, per parameter (the variance head may start late)
    full_batch = batch_size is None or batch_size >= n
    losses: list[float] = []  # mean NLL on all data after each completed epoch

    def update(current: list[FloatArray], grads: list[FloatArray], t: int) -> list[FloatArray]:
        """SGD or Adam with each parameter's own step size; the variance head waits for the warm-up."""
        n_params = 4 if len(losses) < warmup_epochs else 6
        new = list(current)
        for i, (p, g) in enumerate(zip(current[:n_params], grads, strict=False)):
            if optimizer == "sgd":
                new[i] = p - rates[i] * g
            else:
                steps[i] += 1
                new[i], adam_m[i], adam_v[i] = adam_step(p, g, adam_m[i], adam_v[i], steps[i], lr=rates[i])
        return new

    def after_epoch(epoch: int) -> None:
        f, a = model.forward(Xa)
        _record(losses, _mean_nll(ya, f, a), func)

    def batches(rows: int, size: int, rng: np.random.Generator) -> list[np.ndarray]:
        return [np.arange(rows)] if full_batch else minibatch_indices(rows, size, rng)

    with np.errstate(over="raise", invalid="raise", divide="raise"):
        try:
            run_epochs(
                _TwoHeads(model, backward),
                _GaussianLoss(loss_grads),
                Xa,
                ya,
                epochs=epochs,
                batch_size=batch_size or n,
                rng=rng,
                update=update,
                batch_fn=batches,
                after_epoch=after_epoch,
            )
        except (FloatingPointError, Diverged) as exc:
            # Inputs were checked above, so this means inf/NaN crept into the model.
            why = f"the numbers overflowed: {exc}" if isinstance(exc, FloatingPointError) else "the loss is not finite"
            raise TrainingDiverged(
                f"{func}: training diverged in epoch {len(losses) + 1} ({why}); use smaller step sizes lr and lr_var",
                np.array(losses),
            ) from None
    return np.array(losses)


class TrainingDiverged(RuntimeError):
    """Raised by :func:`fit_heteroscedastic` when the loss stops being finite.

    Attributes
    ----------
    history : ndarray, shape (k,)
        The mean NLL after each of the ``k`` epochs completed before the failure
        (all finite).
    """

    def __init__(self, message: str, history: FloatArray) -> None:
        super().__init__(message)
        self.history = history


def _record(losses: list[float], loss: float, func: str) -> None:
    """Append the loss after the next epoch, or raise :class:`TrainingDiverged` if it is not finite."""
    if not np.isfinite(loss):
        raise TrainingDiverged(
            f"{func}: training diverged in epoch {len(losses) + 1} (the loss is no longer finite); "
            "use smaller step sizes lr and lr_var",
            np.array(losses),
        )
    losses.append(loss)
