r"""Layers as modules with a forward and a backward pass (the notes' module API).

A network is a chain of modules. Each module turns its input :math:`u` into
an output :math:`v` on the way forward, and on the way back turns
:math:`\partial L/\partial v` (how much the loss blames its output) into
:math:`\partial L/\partial u` (the blame it passes to its input):

* ``forward(u) -> v`` computes the output and keeps what the backward pass
  will need (the input, or the output);
* ``backward(dv) -> du`` uses what ``forward`` kept; a module with weights
  also stores the gradients of the loss with respect to them (``Linear``
  stores ``dW`` and ``db``);
* ``params()`` and ``grads()`` list the weight arrays and their gradients in
  the same order, for an optimizer.

Shapes follow the course convention: samples are rows, and ``Linear``
computes :math:`Z = U W + b` with ``W`` of shape ``(n_in, n_out)``, which is
the notes' :math:`Z = W^T A + W_0` for one column vector, applied to a batch.
Its backward pass is the matrix-product rule
(:math:`C = AB \Rightarrow \bar A = \bar C B^T,\ \bar B = A^T \bar C`) plus the
rule for a broadcast bias (sum over the batch):

.. math::

    \frac{\partial L}{\partial W} = U^T \frac{\partial L}{\partial Z},\qquad
    \frac{\partial L}{\partial b} = \sum_{n} \frac{\partial L}{\partial Z_{n\cdot}},\qquad
    \frac{\partial L}{\partial U} = \frac{\partial L}{\partial Z} W^T.

Elementwise activations :math:`v = g(u)` pass back :math:`g'(u) \odot
\partial L/\partial v`.

Loss modules (``SoftmaxCrossEntropy``, ``SquaredLoss``) end the chain:
``forward(pred, target) -> loss`` and ``backward() -> dpred`` (defined beside the loss
functions they wrap, in :mod:`coursekit.losses`, and re-exported here).

:func:`coursekit.training.train_sgd` trains any chain of modules by stochastic
gradient descent on mini-batches.

The same rules written out as plain functions, for working through backprop
by hand before meeting the modules, are in :mod:`coursekit.backprop`
(:func:`matmul_backward`, :func:`two_layer_gradients`, :func:`exp_neuron_step`;
re-exported here).

Modules hold state (weights, caches) by design, but they never modify an
array that is passed to them: inputs are copied before they are cached.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> net = Sequential(Linear(2, 3, rng=rng), ReLU(), Linear(3, 2, rng=rng))
>>> loss_fn = SoftmaxCrossEntropy()
>>> loss = loss_fn.forward(net.forward(np.ones((4, 2))), np.array([0, 1, 1, 0]))
>>> dX = net.backward(loss_fn.backward())
>>> [g.shape for g in net.grads()]
[(2, 3), (3,), (3, 2), (2,)]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Literal, overload

import numpy as np
from numpy.typing import ArrayLike

from coursekit._validate import FloatArray, as_float_array, check_int, check_rng, no_forward_yet
from coursekit.activations import logistic
from coursekit.backprop import exp_neuron_step, matmul_backward, two_layer_gradients
from coursekit.losses import LossModule, SoftmaxCrossEntropy, SquaredLoss

__all__ = [
    "Module",
    "Linear",
    "ReLU",
    "Tanh",
    "Sigmoid",
    "Sequential",
    "LossModule",
    "SoftmaxCrossEntropy",
    "SquaredLoss",
    "matmul_backward",
    "two_layer_gradients",
    "exp_neuron_step",
]


def _check_grad_shape(dv: FloatArray, shape: tuple[int, ...], owner: str, arg: str = "dv") -> None:
    if dv.shape != shape:
        raise ValueError(
            f"{owner}.backward: argument '{arg}' must have the shape of the last forward output, "
            f"{shape}, got {dv.shape}"
        )


def _elementwise_backward(dv: ArrayLike, cached: FloatArray | None, owner: str) -> tuple[FloatArray, FloatArray]:
    """An elementwise module's ``backward`` inputs, checked: (``dv`` as an array, what its forward cached)."""
    if cached is None:
        raise no_forward_yet(owner)
    g = as_float_array(dv, "dv", f"{owner}.backward")
    _check_grad_shape(g, cached.shape, owner)
    return g, cached


class Module:
    """Base class: a differentiable block with ``forward`` and ``backward``.

    Subclasses override :meth:`forward` and :meth:`backward`. A module with
    weights also overrides :meth:`param_names`, returning the names of the
    attributes that hold them (``["W", "b"]`` for :class:`Linear`); its
    backward pass stores each gradient in the attribute of the same name with
    a ``d`` in front (``dW``, ``db``). From those names the base class provides
    :meth:`params`, :meth:`grads`, :meth:`set_params` and :meth:`zero_grad`,
    so a layer written in a notebook needs nothing more to be trained.
    """

    def forward(self, u: ArrayLike) -> FloatArray:
        """Compute the output ``v`` from the input ``u`` and cache what backward needs."""
        raise NotImplementedError(f"{type(self).__name__}.forward is not implemented")

    def backward(self, dv: ArrayLike) -> FloatArray:
        """Turn ``dv`` = dL/dv into ``du`` = dL/du (and store weight gradients, if any)."""
        raise NotImplementedError(f"{type(self).__name__}.backward is not implemented")

    def _backward_weights_only(self, dv: FloatArray) -> None:
        """Backward when only the weight gradients are wanted; a module may then skip ``du``."""
        self.backward(dv)

    def param_names(self) -> list[str]:
        """Names of the attributes holding the weight arrays (none for an activation)."""
        return []

    def params(self) -> list[FloatArray]:
        """The module's weight arrays, in :meth:`param_names` order (the arrays themselves, not copies)."""
        return [getattr(self, name) for name in self.param_names()]

    def grads(self) -> list[FloatArray]:
        """The gradients ``d<name>`` of the loss for :meth:`params`, same order and shapes."""
        return [getattr(self, "d" + name) for name in self.param_names()]

    def set_params(self, values: Sequence[ArrayLike]) -> None:
        """Replace the weights by copies of ``values`` (same order and shapes as :meth:`params`).

        This suits the course's pure optimizers::

            net.set_params([sgd_step(p, g, lr) for p, g in zip(net.params(), net.grads())])
        """
        owner = f"{type(self).__name__}.set_params"
        current = self.params()
        if isinstance(values, np.ndarray) or not isinstance(values, Iterable):
            raise TypeError(
                f"{owner}: argument 'values' must be a list of {len(current)} arrays "
                f"(one per entry of params()), got {type(values).__name__}"
            )
        values = list(values)
        if len(values) != len(current):
            raise ValueError(
                f"{owner}: argument 'values' must be a list of {len(current)} arrays "
                f"(one per entry of params()), got {len(values)}"
            )
        new = []
        for name, old, value in zip(self.param_names(), current, values, strict=True):
            arr = as_float_array(value, f"values[{name}]", owner)
            if arr.shape != old.shape:
                raise ValueError(f"{owner}: '{name}' must have shape {old.shape}, got {arr.shape}")
            new.append(arr.copy())
        self._assign_params(new)

    def _assign_params(self, values: list[FloatArray]) -> None:
        for name, value in zip(self.param_names(), values, strict=True):
            setattr(self, name, value)

    def zero_grad(self) -> None:
        """Reset every stored weight gradient ``d<name>`` to zeros (new arrays)."""
        for name in self.param_names():
            setattr(self, "d" + name, np.zeros_like(getattr(self, name)))

    def __call__(self, u: ArrayLike) -> FloatArray:
        return self.forward(u)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Linear(Module):
    r"""Fully connected layer :math:`Z = U W + b`.

    Parameters
    ----------
    n_in, n_out : int
        Number of inputs and outputs per sample.
    rng : numpy.random.Generator
        Source of the initial weights.

    Attributes
    ----------
    W : ndarray, shape (n_in, n_out)
        Weights, drawn from :math:`\mathcal N(0, 1/n_{in})`: variance
        :math:`1/n_{in}`, standard deviation :math:`1/\sqrt{n_{in}}` (LeCun's
        initialisation). The notes write :math:`\text{Gaussian}(0, 1/m)` but
        call :math:`1/m` the standard deviation in the sentence before; the
        variance reading is the one that keeps :math:`\operatorname{Var} z`
        near 1, so that is what is used here.
    b : ndarray, shape (n_out,)
        Biases, zeros (the notes draw them from :math:`\mathcal N(0, 1)`; zero
        is the common choice and breaks no symmetry that the random ``W`` does
        not already break).
    dW : ndarray, shape (n_in, n_out)
        :math:`\partial L/\partial W` from the last :meth:`backward` (zeros before).
    db : ndarray, shape (n_out,)
        :math:`\partial L/\partial b` from the last :meth:`backward` (zeros before).
    """

    def __init__(self, n_in: int, n_out: int, *, rng: np.random.Generator) -> None:
        self.n_in = check_int(n_in, "n_in", "Linear", minimum=1)
        self.n_out = check_int(n_out, "n_out", "Linear", minimum=1)
        check_rng(rng, "Linear")
        self.W: FloatArray = rng.normal(0.0, np.sqrt(1.0 / self.n_in), size=(self.n_in, self.n_out))
        self.b: FloatArray = np.zeros(self.n_out)
        self.dW: FloatArray = np.zeros_like(self.W)
        self.db: FloatArray = np.zeros_like(self.b)
        self._u: FloatArray | None = None

    def forward(self, u: ArrayLike) -> FloatArray:
        r"""Return :math:`Z = U W + b`.

        Parameters
        ----------
        u : array_like, shape (N, n_in)
            Inputs, one sample per row (for one sample use ``x[None, :]``).

        Returns
        -------
        ndarray, shape (N, n_out)
        """
        arr = as_float_array(u, "u", "Linear.forward", ndim=2)
        if arr.shape[1] != self.n_in:
            raise ValueError(
                f"Linear.forward: argument 'u' must have shape (N, {self.n_in}) for a layer with "
                f"n_in={self.n_in}, got shape {arr.shape}"
            )
        self._u = arr.copy()
        z = self._u @ self.W
        z += self.b  # in place on the fresh product: one pass, no temporary
        return z

    def backward(self, dv: ArrayLike) -> FloatArray:
        r"""Store ``dW``, ``db`` and return ``du`` for the input of the last forward.

        .. math::

            dW = U^T\, dZ,\qquad db = \textstyle\sum_n dZ_{n\cdot},\qquad dU = dZ\, W^T.

        Parameters
        ----------
        dv : array_like, shape (N, n_out)
            :math:`\partial L/\partial Z`.

        Returns
        -------
        ndarray, shape (N, n_in)
            :math:`\partial L/\partial U`.
        """
        dz = self._weight_grads(dv)
        return dz @ self.W.T

    def _backward_weights_only(self, dv: FloatArray) -> None:
        if type(self).backward is not Linear.backward:  # a subclass's own backward must run
            self.backward(dv)
        else:
            self._weight_grads(dv)

    def _weight_grads(self, dv: ArrayLike) -> FloatArray:
        """Check ``dv``, store ``dW`` and ``db``, and return ``dv`` as the checked ``dZ``."""
        if self._u is None:
            raise no_forward_yet("Linear")
        dz = as_float_array(dv, "dv", "Linear.backward")
        _check_grad_shape(dz, (self._u.shape[0], self.n_out), "Linear")
        self.dW = self._u.T @ dz
        self.db = np.ones(dz.shape[0]) @ dz  # the column sums, as one BLAS pass
        return dz

    def param_names(self) -> list[str]:
        return ["W", "b"]

    def __repr__(self) -> str:
        return f"Linear(n_in={self.n_in}, n_out={self.n_out})"


class ReLU(Module):
    r"""Rectified linear unit, elementwise: :math:`v = \max(0, u)`.

    Backward: :math:`du = dv \odot [u > 0]`; the derivative at :math:`u = 0` is
    taken to be 0 (the course's convention, ``relu_grad(0) = 0``).
    """

    def __init__(self) -> None:
        self._mask: np.ndarray | None = None

    def forward(self, u: ArrayLike) -> FloatArray:
        """Return ``max(0, u)``; ``u`` may have any shape."""
        arr = as_float_array(u, "u", "ReLU.forward")
        # np.maximum and the product in backward are branch-free; np.where on a random mask
        # stalls on mispredicted branches and is about ten times slower.
        self._mask = arr > 0.0
        return np.maximum(arr, 0.0)

    def backward(self, dv: ArrayLike) -> FloatArray:
        """Return ``dv * (u > 0)`` for the ``u`` of the last forward."""
        g, mask = _elementwise_backward(dv, self._mask, "ReLU")
        return g * mask


class Tanh(Module):
    r"""Hyperbolic tangent, elementwise: :math:`v = \tanh(u)`.

    Backward: :math:`du = dv \odot (1 - v^2)`, written with the cached output.
    """

    def __init__(self) -> None:
        self._v: FloatArray | None = None

    def forward(self, u: ArrayLike) -> FloatArray:
        """Return ``tanh(u)``; ``u`` may have any shape."""
        self._v = np.tanh(as_float_array(u, "u", "Tanh.forward"))
        return self._v.copy()

    def backward(self, dv: ArrayLike) -> FloatArray:
        """Return ``dv * (1 - v**2)`` for the output ``v`` of the last forward."""
        g, v = _elementwise_backward(dv, self._v, "Tanh")
        return g * (1.0 - v * v)


class Sigmoid(Module):
    r"""Logistic sigmoid, elementwise: :math:`v = \sigma(u) = 1/(1 + e^{-u})`.

    Evaluated from :math:`e^{-|u|}`, which never overflows: for :math:`u < 0`
    it uses the equal form :math:`e^{u}/(1 + e^{u})`.
    Backward: :math:`du = dv \odot v (1 - v)`.
    """

    def __init__(self) -> None:
        self._v: FloatArray | None = None

    def forward(self, u: ArrayLike) -> FloatArray:
        """Return ``sigmoid(u)``; ``u`` may have any shape."""
        self._v = logistic(as_float_array(u, "u", "Sigmoid.forward"))
        return self._v.copy()

    def backward(self, dv: ArrayLike) -> FloatArray:
        """Return ``dv * v * (1 - v)`` for the output ``v`` of the last forward."""
        g, v = _elementwise_backward(dv, self._v, "Sigmoid")
        return g * v * (1.0 - v)


class Sequential(Module):
    """A chain of modules: forward runs them in order, backward in reverse order.

    Parameters
    ----------
    *modules : Module
        The layers, first to last.

    Notes
    -----
    ``params()`` / ``grads()`` concatenate the layers' lists in layer order;
    ``param_names()`` prefixes each name with the layer's index and class,
    e.g. ``"0.Linear.W"``.
    """

    def __init__(self, *modules: Module) -> None:
        for i, m in enumerate(modules):
            if not isinstance(m, Module):
                raise TypeError(
                    f"Sequential: argument {i} must be a Module (e.g. Linear(...), ReLU()), got {type(m).__name__}"
                )
        if not modules:
            raise ValueError("Sequential: give at least one module")
        self.modules: tuple[Module, ...] = tuple(modules)

    def forward(self, u: ArrayLike) -> FloatArray:
        """Feed ``u`` through every module in order and return the last output."""
        out = as_float_array(u, "u", "Sequential.forward")
        for m in self.modules:
            out = m.forward(out)
        return out

    @overload
    def backward(self, dv: ArrayLike, *, input_grad: Literal[True] = ...) -> FloatArray: ...

    @overload
    def backward(self, dv: ArrayLike, *, input_grad: Literal[False]) -> None: ...

    def backward(self, dv: ArrayLike, *, input_grad: bool = True) -> FloatArray | None:
        r"""Pass ``dv`` back through the modules in reverse order; return dL/du.

        Parameters
        ----------
        dv : array_like, shape of the last output
            :math:`\partial L/\partial v`.
        input_grad : bool
            With ``False`` only the weight gradients are wanted (a training step), so the
            gradient with respect to the network's input is not computed and ``None`` is
            returned. For a first :class:`Linear` layer this skips the product
            :math:`dZ\,W^T`, a third of that layer's backward pass.

        Returns
        -------
        ndarray, shape of the last forward's input, or None
        """
        g = as_float_array(dv, "dv", "Sequential.backward")
        for m in reversed(self.modules[1:]):
            g = m.backward(g)
        if input_grad:
            return self.modules[0].backward(g)
        self.modules[0]._backward_weights_only(g)
        return None

    def _backward_weights_only(self, dv: FloatArray) -> None:
        self.backward(dv, input_grad=False)

    def param_names(self) -> list[str]:
        return [f"{i}.{type(m).__name__}.{name}" for i, m in enumerate(self.modules) for name in m.param_names()]

    def params(self) -> list[FloatArray]:
        return [p for m in self.modules for p in m.params()]

    def grads(self) -> list[FloatArray]:
        return [g for m in self.modules for g in m.grads()]

    def _assign_params(self, values: list[FloatArray]) -> None:
        start = 0
        for m in self.modules:
            count = len(m.params())
            if count:
                m._assign_params(values[start : start + count])
            start += count

    def zero_grad(self) -> None:
        for m in self.modules:
            m.zero_grad()

    def __len__(self) -> int:
        return len(self.modules)

    def __getitem__(self, index: int) -> Module:
        return self.modules[index]

    def __iter__(self) -> Iterator[Module]:
        return iter(self.modules)

    def __repr__(self) -> str:
        inner = ", ".join(repr(m) for m in self.modules)
        return f"Sequential({inner})"
