"""Notebook 09's trainer: :func:`fit_heteroscedastic` drives a two-headed model through
:func:`coursekit.training.run_epochs` (re-exported by :mod:`coursekit.heteroscedastic`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from coursekit._validate import FloatArray, as_float_array, check_int, check_positive, check_rng
from coursekit.heteroscedastic_model import HeteroscedasticMLP, _mean_nll, _nll_grads
from coursekit.optim import adam_step, minibatch_indices
from coursekit.training import Diverged, run_epochs

__all__ = ["TrainingDiverged", "fit_heteroscedastic"]

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
