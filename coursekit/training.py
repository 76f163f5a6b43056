"""The course's mini-batch training loop, and the trainers of notebooks 03 and 06 built on it.

:func:`run_epochs` is the loop of the notes: every epoch shuffles the samples into mini-batches,
and for each batch runs the forward pass, the loss, the backward pass and one update of every
weight array, the update given as a pure function of the weights and their gradients. The
trainers only choose the update and what to record:

* :func:`train_sgd` (notebook 03): plain gradient descent on any chain of modules, with the mean
  loss of each epoch;
* :func:`train_mlp` (notebook 06): a one-hidden-layer classifier trained with any of the update
  rules of :mod:`coursekit.optim` (``sgd_step`` ... ``adam_step``), with training and validation
  curves.

Notebook 07's :func:`coursekit.regularised_training.train_mlp` (dropout and batch norm), notebook 08's
:func:`coursekit.subsampling.fit_logistic_regression` (full-batch, weighted, closed-form gradient) and
notebook 09's :func:`coursekit.heteroscedastic.fit_heteroscedastic` (two output heads, per-head step sizes,
a warm-up of the mean head) run their models through the same loop, each with a small adapter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple, Protocol

import numpy as np
from numpy.typing import ArrayLike

from coursekit._validate import (
    FloatArray,
    as_float_array,
    check_int,
    check_labels,
    check_positive,
    check_rng,
    check_validation_set,
)
from coursekit.modules import Linear, LossModule, Module, ReLU, Sequential, SoftmaxCrossEntropy
from coursekit.optim import minibatch_indices
from coursekit.progress import progress
from coursekit.stepping import call_step, initial_state

__all__ = ["Diverged", "Loss", "Trainable", "TrainingHistory", "run_epochs", "train_mlp", "train_sgd"]

#: ``batch_fn(n, batch_size, rng)``: the index arrays of one epoch's batches (a ``slice(None)`` is the whole set)
BatchFn = Callable[[int, int, np.random.Generator], list[Any]]


class Trainable(Protocol):
    """What :func:`run_epochs` needs of a network (every :class:`coursekit.modules.Module` has it)."""

    def forward(self, X: FloatArray) -> FloatArray: ...
    def _backward_weights_only(self, dout: FloatArray) -> None: ...
    def params(self) -> list[FloatArray]: ...
    def grads(self) -> list[FloatArray]: ...
    def _assign_params(self, values: list[FloatArray]) -> None: ...


class Loss(Protocol):
    """What :func:`run_epochs` needs of a loss (every :class:`coursekit.modules.LossModule` has it)."""

    def forward(self, pred: FloatArray, target: Any) -> float: ...
    def backward(self) -> FloatArray: ...


Update = Callable[[list[FloatArray], list[FloatArray], int], list[FloatArray]]


class Diverged(Exception):
    """The loss or the network's output stopped being finite (the trainers turn it into a ValueError)."""

    def __init__(self, epoch: int, update: int):
        super().__init__(f"not finite at update {update} (epoch {epoch})")
        self.epoch, self.update = epoch, update


def run_epochs(
    model: Trainable,
    loss: Loss,
    X: FloatArray,
    y: np.ndarray,
    *,
    epochs: int,
    batch_size: int,
    rng: np.random.Generator,
    update: Update,
    batch_fn: BatchFn = minibatch_indices,
    on_batch: Callable[[float, int], None] = lambda loss, size: None,
    after_epoch: Callable[[int], None] = lambda epoch: None,
    epoch_range: Callable[[range], Iterable[int]] = lambda epochs: epochs,
) -> None:
    """Train ``model`` in place: ``epochs`` passes of mini-batch updates.

    Parameters
    ----------
    model : Trainable
        The network (a :class:`coursekit.modules.Module`, or anything with the same methods); its weights
        are replaced (never written into) at every update.
    loss : Loss
        ``loss.forward(model.forward(X[B]), y[B])`` is the mean loss of batch ``B``.
    X : ndarray, shape (n, d)
        Inputs, one sample per row (checked by the caller).
    y : ndarray, shape (n,) or (n, k)
        Labels or targets, one per row.
    epochs, batch_size : int
        Passes over the data, and samples per batch (checked by the caller).
    rng : numpy.random.Generator
        Draws the shuffles, through ``batch_fn(n, batch_size, rng)``.
    update : callable
        ``update(params, grads, t) -> new params`` (lists of arrays of the same shapes), with
        ``t`` = 1, 2, ... counting the updates.
    on_batch : callable
        Called with each batch's loss (taken before its update) and size.
    after_epoch : callable
        Called with the epoch's number (1, 2, ...) after its last update.
    epoch_range : callable
        Wraps the range of epochs, e.g. in a progress bar.

    Raises
    ------
    Diverged
        When the network's output or the loss of a batch is not finite.
    """
    n, t = X.shape[0], 0
    for epoch in epoch_range(range(1, epochs + 1)):
        for batch in batch_fn(n, batch_size, rng):
            idx = batch if isinstance(batch, slice) else np.asarray(batch)
            t += 1
            out = model.forward(X[idx])
            if not np.isfinite(out).all():
                raise Diverged(epoch, t)
            value = float(loss.forward(out, y[idx]))
            if not np.isfinite(value):
                raise Diverged(epoch, t)
            model._backward_weights_only(loss.backward())
            model._assign_params(update(model.params(), model.grads(), t))
            on_batch(value, out.shape[0])
        after_epoch(epoch)


def train_sgd(
    model: Module,
    loss: LossModule,
    X: ArrayLike,
    y: ArrayLike,
    *,
    lr: float,
    epochs: int,
    batch_size: int,
    rng: np.random.Generator,
) -> list[float]:
    r"""Train ``model`` in place by stochastic gradient descent on mini-batches.

    Every epoch shuffles the samples and cuts them into batches with
    :func:`coursekit.optim.minibatch_indices`; for each batch :math:`B` it
    runs the forward pass, the loss, the backward pass, and then updates every
    weight array :math:`W` of ``model.params()``:

    .. math::

        W \leftarrow W - \eta\, \frac{\partial L_B}{\partial W},
        \qquad L_B = \text{mean loss over the batch}.

    The epochs are wrapped in :func:`coursekit.progress.progress`: a progress
    bar in a notebook, silent while nbgrader grades.

    Parameters
    ----------
    model : Module
        A layer or a :class:`Sequential`; its weight arrays are replaced by
        new ones at every update (arrays handed to the model beforehand are
        never written into).
    loss : LossModule
        E.g. ``SoftmaxCrossEntropy()``; ``loss.forward(model.forward(X[B]), y[B])``.
    X : array_like, shape (N, D)
        Inputs, one sample per row.
    y : array_like, shape (N,) or (N, K)
        Labels or targets, one per row of ``X`` (integer class labels stay integers).
    lr : float
        Step size :math:`\eta > 0`.
    epochs : int
        Passes over the data (>= 0).
    batch_size : int
        Samples per batch (>= 1; the last batch of an epoch may be smaller).
    rng : numpy.random.Generator
        Source of the shuffles.

    Returns
    -------
    list of float, length ``epochs``
        For each epoch, the mean over all samples of the batch losses measured
        during the epoch (each batch weighted by its size, each loss taken
        before that batch's update).

    Raises
    ------
    ValueError
        If the loss stops being finite or a computation overflows (the step
        size is probably too large).
    """
    func = "train_sgd"
    if not isinstance(model, Module):
        raise TypeError(f"{func}: argument 'model' must be a coursekit.modules.Module, got {type(model).__name__}")
    if not isinstance(loss, LossModule):
        raise TypeError(
            f"{func}: argument 'loss' must be a coursekit.modules.LossModule (e.g. SoftmaxCrossEntropy()), "
            f"got {type(loss).__name__}"
        )
    x = as_float_array(X, "X", func, ndim=2)
    n = x.shape[0]
    if n == 0:
        raise ValueError(f"{func}: argument 'X' must hold at least one sample, got shape {x.shape}")
    target = np.asarray(y)
    if target.ndim == 0 or target.shape[0] != n:
        raise ValueError(
            f"{func}: argument 'y' must have one entry per row of X (length {n} along axis 0), got shape {target.shape}"
        )
    eta = check_positive(lr, "lr", func)
    n_epochs = check_int(epochs, "epochs", func, minimum=0)
    k = check_int(batch_size, "batch_size", func, minimum=1)
    check_rng(rng, func)

    history: list[float] = []
    total = 0.0  # size-weighted sum of this epoch's batch losses

    def add(value: float, size: int) -> None:
        nonlocal total
        total += value * size

    def end_epoch(epoch: int) -> None:
        nonlocal total
        history.append(total / n)
        total = 0.0

    def sgd(params: list[FloatArray], grads: list[FloatArray], t: int) -> list[FloatArray]:
        return [p - eta * g for p, g in zip(params, grads, strict=True)]

    try:
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            run_epochs(
                model,
                loss,
                x,
                target,
                epochs=n_epochs,
                batch_size=k,
                rng=rng,
                update=sgd,
                on_batch=add,
                after_epoch=end_epoch,
                epoch_range=lambda r: progress(r, desc="epochs"),
            )
    except (FloatingPointError, Diverged):
        raise ValueError(
            f"{func}: the loss or the weights stopped being finite in epoch {len(history) + 1}; "
            f"the step size lr={eta:g} is probably too large"
        ) from None
    return history


_NOTHING: FloatArray = np.empty(0)
_NOTHING.flags.writeable = False


class TrainingHistory(NamedTuple):
    """What a trainer records while it trains: the curves of notebook 06's :func:`train_mlp` and of
    notebook 07's :func:`coursekit.regularised_training.train_mlp`.

    Notebook 06 records before training and after each epoch (``epochs + 1`` values per curve);
    notebook 07 after each epoch (``epochs`` values), with the network in test mode. A curve a
    trainer does not record is an empty array.
    """

    batch_loss: FloatArray
    """Shape (n_updates,): the mini-batch loss computed for each update, before it (notebook 06)."""
    train_loss: FloatArray
    """Mean loss on the whole training set, once per epoch (see above)."""
    val_loss: FloatArray
    """The same on the validation set (empty without one)."""
    val_accuracy: FloatArray
    """Fraction of validation samples classified correctly (empty without a validation set)."""
    train_accuracy: FloatArray = _NOTHING
    """Fraction of training samples classified correctly (notebook 07)."""
    weights: list[Any] | None = None
    """Notebook 07 with ``keep_weights=True``: a copy of the network after every epoch, else None."""


def _evaluate(net: Module, loss_fn: LossModule, X: FloatArray, y: np.ndarray, func: str) -> tuple[float, float]:
    logits = net.forward(X)
    if not np.isfinite(logits).all():
        raise ValueError(
            f"{func}: the loss became infinite or NaN on the whole data set; the step size is probably too large"
        )
    return float(loss_fn.forward(logits, y)), float(np.mean(np.argmax(logits, axis=1) == y))


def train_mlp(
    step_fn: Callable[..., Any],
    X: ArrayLike,
    y: ArrayLike,
    *,
    rng: np.random.Generator,
    hidden: int = 32,
    epochs: int = 10,
    batch_size: int = 32,
    state: int = 0,
    pass_t: bool = False,
    X_val: ArrayLike | None = None,
    y_val: ArrayLike | None = None,
    batch_fn: Callable[[int, int, np.random.Generator], list[np.ndarray]] | None = None,
    **hyper: Any,
) -> TrainingHistory:
    r"""Train a one-hidden-layer ReLU network for classification with mini-batches and an update rule.

    The network is ``Linear(d, hidden) -> ReLU -> Linear(hidden, K)`` with a softmax
    cross-entropy loss (mean over the batch), built from :mod:`coursekit.modules`. Each epoch
    cuts the shuffled training set into mini-batches with ``batch_fn(n, batch_size, rng)``
    and makes one update per batch: for every weight array :math:`W` (two matrices and two
    bias vectors), with its own optimizer state,

    ``W, *state_W = step_fn(W, dW, *state_W[, t], **hyper)``

    where ``t`` = 1, 2, ... counts the updates (only passed with ``pass_t=True``). The calling
    convention is that of :func:`run_optimizer`::

        train_mlp(sgd_step, X, y, rng=rng, lr=0.1)
        train_mlp(momentum_step, X, y, rng=rng, state=1, lr=0.01, gamma=0.9)
        train_mlp(adam_step, X, y, rng=rng, state=2, pass_t=True, lr=1e-3)

    Parameters
    ----------
    step_fn : callable
        An update rule with the signature of :func:`sgd_step`, :func:`momentum_step`,
        :func:`adadelta_step` or :func:`adam_step`.
    X : array_like, shape (n, d)
        Training inputs, one sample per row.
    y : array_like of int, shape (n,)
        Class labels 0..K-1.
    rng : numpy.random.Generator
        Draws the initial weights, then the shuffles; the same seed gives the same run.
    hidden : int
        Number of hidden units.
    epochs : int
        Passes over the training set (>= 0).
    batch_size : int
        Mini-batch size k (>= 1); k >= n is full-batch gradient descent.
    state : int
        Number of state arrays the rule keeps per weight array (momentum 1, adam 2); they start at zero.
    pass_t : bool
        Pass the 1-based update counter (Adam).
    X_val, y_val : array_like, optional
        A validation set, shapes (m, d) and (m,), evaluated after every epoch.
    batch_fn : callable, optional
        ``batch_fn(n, k, rng) -> list of index arrays``; :func:`minibatch_indices` by default.
    **hyper
        Keyword arguments for ``step_fn`` (``lr=...``, ``gamma=...``).

    Returns
    -------
    TrainingHistory
        Per-update mini-batch losses and per-epoch training/validation loss and accuracy.

    Raises
    ------
    ValueError
        When the loss stops being finite (the step size is probably too large).
    """
    func = "train_mlp"
    if not callable(step_fn):
        raise TypeError(f"{func}: argument 'step_fn' must be a function such as sgd_step")
    X = as_float_array(X, "X", func, ndim=2)
    n, d = X.shape
    labels = check_labels(y, n, "y", func)
    check_rng(rng, func)
    hidden = check_int(hidden, "hidden", func, minimum=1)
    epochs = check_int(epochs, "epochs", func, minimum=0)
    batch_size = check_int(batch_size, "batch_size", func, minimum=1)
    state = check_int(state, "state", func, minimum=0)
    if not isinstance(pass_t, bool):
        raise TypeError(f"{func}: argument 'pass_t' must be True or False, got {pass_t!r}")
    if (X_val is None) != (y_val is None):
        raise ValueError(f"{func}: give both 'X_val' and 'y_val', or neither")
    if X_val is not None:
        assert y_val is not None  # checked above: both or neither
        Xv, yv = check_validation_set(X_val, y_val, d, func)
    n_classes = int(labels.max()) + 1 if X_val is None else int(max(labels.max(), yv.max())) + 1
    get_batches = minibatch_indices if batch_fn is None else batch_fn
    if not callable(get_batches):
        raise TypeError(f"{func}: argument 'batch_fn' must be a function like minibatch_indices")

    net = Sequential(Linear(d, hidden, rng=rng), ReLU(), Linear(hidden, n_classes, rng=rng))
    loss_fn = SoftmaxCrossEntropy()
    states = [initial_state(state, p, func) for p in net.params()]
    batch_loss: list[float] = []
    train_loss, val_loss, val_acc = [], [], []

    def record(epoch: int = 0) -> None:
        train_loss.append(_evaluate(net, loss_fn, X, labels, func)[0])
        if X_val is not None:
            loss_v, acc_v = _evaluate(net, loss_fn, Xv, yv, func)
            val_loss.append(loss_v)
            val_acc.append(acc_v)

    def step(params: list[FloatArray], grads: list[FloatArray], t: int) -> list[FloatArray]:
        new_params = []
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            p_new, states[i] = call_step(step_fn, p, g, states[i], t if pass_t else None, hyper, func)
            p_new = np.asarray(p_new, dtype=np.float64)
            if p_new.shape != p.shape or not np.all(np.isfinite(p_new)):
                raise ValueError(
                    f"{func}: step_fn returned weights of shape {p_new.shape} (expected {p.shape}) "
                    f"or with NaN/infinity at update {t}; the step size is probably too large"
                )
            new_params.append(p_new)
        return new_params

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        record()
        try:
            run_epochs(
                net,
                loss_fn,
                X,
                labels,
                epochs=epochs,
                batch_size=batch_size,
                rng=rng,
                update=step,
                batch_fn=get_batches,
                on_batch=lambda value, size: batch_loss.append(value),
                after_epoch=record,
            )
        except Diverged as exc:
            raise ValueError(
                f"{func}: the loss became infinite or NaN at update {exc.update} (epoch {exc.epoch}); "
                "the step size is probably too large"
            ) from None
    return TrainingHistory(np.array(batch_loss), np.array(train_loss), np.array(val_loss), np.array(val_acc))
