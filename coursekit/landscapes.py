r"""Loss landscapes in the plane, to watch optimizers on (notebook 06).

* :func:`ill_conditioned_quadratic`: a long, narrow valley, the classic hard case for gradient descent;
* :func:`rosenbrock`: a curved valley with a flat floor and steep walls;
* :func:`run_optimizer`: the path an update rule of :mod:`coursekit.optim` takes from a start point;
* :func:`plot_paths` and :func:`plot_losses`: the paths over the loss's contour lines, and the loss along them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from coursekit._validate import FloatArray, as_float_array, check_int, check_positive, check_real
from coursekit.stepping import call_step, initial_state

if TYPE_CHECKING:  # matplotlib is imported lazily, only by the plotting helpers
    from matplotlib.axes import Axes

__all__ = [
    "Quadratic",
    "ill_conditioned_quadratic",
    "plot_losses",
    "plot_paths",
    "rosenbrock",
    "rosenbrock_grad",
    "run_optimizer",
]


# ----------------------------------------------------------------------------- test problems


class Quadratic(NamedTuple):
    r"""A quadratic bowl :math:`f(w) = \tfrac12 (w-w^*)^\top H (w-w^*)` and what is known about it."""

    f: Callable[[ArrayLike], FloatArray]
    """The loss; takes points of shape (..., 2), returns values of shape (...)."""
    grad: Callable[[ArrayLike], FloatArray]
    r""":math:`\nabla f(w) = H (w - w^*)`; shape (..., 2) to (..., 2)."""
    hessian: FloatArray
    """:math:`H`, shape (2, 2), symmetric positive definite (read-only)."""
    minimiser: FloatArray
    """:math:`w^*`, shape (2,): the unique minimum, where f = 0 (read-only)."""


def _points(w: ArrayLike, func: str) -> FloatArray:
    arr = as_float_array(w, "w", func)
    if arr.ndim == 0 or arr.shape[-1] != 2:
        raise ValueError(
            f"{func}: argument 'w' must be a point of shape (2,) or a stack of points of shape (..., 2), "
            f"got shape {arr.shape}"
        )
    return arr


def ill_conditioned_quadratic(condition: float = 10.0, angle: float = 0.0) -> Quadratic:
    r"""A long, narrow valley in the plane: the classic hard case for gradient descent.

    .. math::

        f(w) = \tfrac12 (w - w^*)^\top H (w - w^*), \qquad
        H = R(\theta) \begin{pmatrix} 1 & 0 \\ 0 & \kappa \end{pmatrix} R(\theta)^\top,
        \qquad w^* = (0, 0),

    where :math:`\kappa` is the condition number (ratio of the largest to the smallest
    curvature) and :math:`R(\theta)` rotates by :math:`\theta` radians. Gradient descent is
    stable only for :math:`\eta < 2/\kappa`, the steep direction's limit, and then creeps
    along the flat direction, shrinking the error there by a factor
    :math:`|1-\eta|` per step; with large :math:`\kappa` it zig-zags across the valley.
    Momentum damps the zig-zag; Adam and adadelta rescale each coordinate, which fits the
    valley best when it is aligned with the axes (:math:`\theta = 0`).

    Parameters
    ----------
    condition : float
        :math:`\kappa \ge 1`.
    angle : float
        :math:`\theta`, the rotation of the valley in radians.

    Returns
    -------
    Quadratic
        Named tuple ``(f, grad, hessian, minimiser)``; ``f`` and ``grad`` accept a point of
        shape (2,) or a grid of points of shape (..., 2) (handy for contour plots).
    """
    func = "ill_conditioned_quadratic"
    kappa = check_positive(condition, "condition", func)
    if kappa < 1:
        raise ValueError(f"{func}: argument 'condition' must be >= 1 (largest / smallest curvature), got {kappa}")
    angle = check_real(angle, "angle", func, what="a number of radians")
    c, s = math.cos(angle), math.sin(angle)
    R = np.array([[c, -s], [s, c]])
    H = R @ np.diag([1.0, kappa]) @ R.T
    H = 0.5 * (H + H.T)
    w_star = np.zeros(2)

    def f(w: ArrayLike) -> FloatArray:
        d = _points(w, "ill_conditioned_quadratic f") - w_star
        return 0.5 * np.einsum("...i,ij,...j->...", d, H, d)

    def grad(w: ArrayLike) -> FloatArray:
        d = _points(w, "ill_conditioned_quadratic grad") - w_star
        return d @ H

    H.setflags(write=False)
    w_star.setflags(write=False)
    return Quadratic(f, grad, H, w_star)


def rosenbrock(w: ArrayLike, a: float = 1.0, b: float = 100.0) -> FloatArray:
    r"""Rosenbrock's banana-shaped valley: :math:`f(x, y) = (a - x)^2 + b\,(y - x^2)^2`.

    The minimum is :math:`f = 0` at :math:`(a, a^2)`, at the bottom of a curved, flat-
    floored valley with steep walls: easy to fall into, slow to follow.

    Parameters
    ----------
    w : array_like, shape (2,) or (..., 2)
        Points :math:`(x, y)`.
    a, b : float
        The usual constants 1 and 100.

    Returns
    -------
    f : ndarray, shape (...)
    """
    p = _points(w, "rosenbrock")
    x, y = p[..., 0], p[..., 1]
    return (a - x) ** 2 + b * (y - x**2) ** 2


def rosenbrock_grad(w: ArrayLike, a: float = 1.0, b: float = 100.0) -> FloatArray:
    r"""Gradient of :func:`rosenbrock`.

    .. math::

        \frac{\partial f}{\partial x} = -2(a - x) - 4 b x (y - x^2), \qquad
        \frac{\partial f}{\partial y} = 2 b (y - x^2) .

    Parameters
    ----------
    w : array_like, shape (2,) or (..., 2)
        Points :math:`(x, y)`.
    a, b : float
        As in :func:`rosenbrock`.

    Returns
    -------
    dw : ndarray, shape of ``w``
    """
    p = _points(w, "rosenbrock_grad")
    x, y = p[..., 0], p[..., 1]
    return np.stack([-2.0 * (a - x) - 4.0 * b * x * (y - x**2), 2.0 * b * (y - x**2)], axis=-1)


def run_optimizer(
    step_fn: Callable[..., Any],
    w0: ArrayLike,
    grad_fn: Callable[[FloatArray], ArrayLike],
    n_steps: int,
    *,
    state: int | tuple[ArrayLike, ...] = 0,
    pass_t: bool = False,
    **hyper: Any,
) -> FloatArray:
    r"""Run an update rule from ``w0`` for ``n_steps`` steps and return the path.

    Step :math:`t = 1, \dots, n` computes ``dw = grad_fn(w)`` and then

    * ``w = step_fn(w, dw, **hyper)`` when there is no state (``state=0``), or
    * ``w, *s = step_fn(w, dw, *s, **hyper)`` with a state of one or more arrays, or
    * ``w, *s = step_fn(w, dw, *s, t, **hyper)`` when ``pass_t=True`` (Adam's 1-based ``t``).

    ::

        path = run_optimizer(sgd_step, w0, q.grad, 50, lr=0.1)
        path = run_optimizer(momentum_step, w0, q.grad, 50, state=1, lr=0.05, gamma=0.9)
        path = run_optimizer(adadelta_step, w0, q.grad, 50, state=1, lr=0.1)
        path = run_optimizer(adam_step, w0, q.grad, 50, state=2, pass_t=True, lr=0.1)

    Parameters
    ----------
    step_fn : callable
        An update rule with the signature of :func:`sgd_step`, :func:`momentum_step`,
        :func:`adadelta_step` or :func:`adam_step`.
    w0 : array_like, shape (dim,)
        The starting point.
    grad_fn : callable
        ``grad_fn(w)`` returns the gradient at ``w``, shape (dim,).
    n_steps : int
        Number of updates (>= 0).
    state : int or tuple of array_like
        An int ``k`` starts ``k`` state arrays at zero (``np.zeros_like(w0)``); a tuple gives
        their starting values.
    pass_t : bool
        Pass the 1-based step number after the state.
    **hyper
        Keyword arguments for ``step_fn``, e.g. ``lr=0.1, gamma=0.9``.

    Returns
    -------
    path : ndarray, shape (n_steps + 1, dim)
        ``path[0]`` is ``w0``, ``path[t]`` the weights after t updates.

    Raises
    ------
    ValueError
        When an iterate stops being finite (usually: the step size is too large).
    """
    func = "run_optimizer"
    if not callable(step_fn):
        raise TypeError(f"{func}: argument 'step_fn' must be a function such as sgd_step")
    if not callable(grad_fn):
        raise TypeError(f"{func}: argument 'grad_fn' must be a function returning the gradient at w")
    w = as_float_array(w0, "w0", func, ndim=1).copy()
    n = check_int(n_steps, "n_steps", func, minimum=0)
    s = initial_state(state, w, func)
    if not isinstance(pass_t, bool):
        raise TypeError(f"{func}: argument 'pass_t' must be True or False, got {pass_t!r}")

    path = np.empty((n + 1, w.size))
    path[0] = w
    for t in range(1, n + 1):
        with np.errstate(over="ignore", invalid="ignore"):
            dw = grad_fn(w)
            if not (isinstance(dw, np.ndarray) and dw.dtype == np.float64):  # the fast path skips the checks
                dw = as_float_array(dw, f"grad_fn(w) at step {t}", func, finite=False)
            if dw.shape != w.shape:
                raise ValueError(
                    f"{func}: grad_fn(w) at step {t} returned shape {dw.shape}, expected the shape of w, {w.shape}"
                )
            if not np.isfinite(dw).all():
                raise ValueError(
                    f"{func}: the gradient became infinite or NaN at step {t}; the step size is probably "
                    f"too large for this problem"
                )
            w_new, s = call_step(step_fn, w, dw, s, t if pass_t else None, hyper, func)
        if w_new is None:
            raise ValueError(f"{func}: step_fn returned None as the new weights; is a 'return' missing?")
        w = np.array(w_new, dtype=np.float64)
        if w.shape != path.shape[1:]:
            raise ValueError(f"{func}: step_fn returned weights of shape {w.shape}, expected {path.shape[1:]}")
        if not np.isfinite(w).all():
            raise ValueError(
                f"{func}: the weights became infinite or NaN at step {t}; the step size is probably "
                f"too large for this problem"
            )
        path[t] = w
    return path


# ----------------------------------------------------------------------------- figures


def plot_paths(
    f: Callable[[FloatArray], ArrayLike],
    paths: Mapping[str, ArrayLike],
    *,
    bounds: tuple[float, float, float, float],
    title: str,
    ax: Axes | None = None,
    minimiser: ArrayLike | None = None,
    n_levels: int = 18,
    resolution: int = 150,
) -> Axes:
    r"""Contour lines of a loss on the plane with the paths of several optimizers on top.

    Contour levels are spaced geometrically between the smallest and largest value on the grid
    (losses such as the Rosenbrock function span many orders of magnitude), so the floor of a
    valley shows as well as its walls. Paths are told apart by line style and marker as well as
    colour; each starts at a square.

    Parameters
    ----------
    f : callable
        The loss, evaluated on a grid of points of shape (resolution, resolution, 2); it must be >= 0.
    paths : mapping of str to array_like of shape (T_i, 2)
        Legend label -> iterates (e.g. from :func:`run_optimizer`).
    bounds : (x_min, x_max, y_min, y_max)
        The window; parts of paths outside it are clipped.
    title : str
        Figure title.
    ax : matplotlib Axes, optional
        Where to draw; the current axes by default.
    minimiser : array_like, shape (2,), optional
        Marked with a star.
    n_levels : int
        Number of contour lines.
    resolution : int
        Grid points per axis.

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.pyplot as plt

    from coursekit.plotting import LINESTYLES, MARKERS

    func = "plot_paths"
    x_min, x_max, y_min, y_max = (float(b) for b in bounds)
    if not (x_min < x_max and y_min < y_max):
        raise ValueError(f"{func}: argument 'bounds' must be (x_min, x_max, y_min, y_max) with min < max, got {bounds}")
    gx, gy = np.meshgrid(np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution))
    values = as_float_array(f(np.stack([gx, gy], axis=-1)), "f(grid)", func)
    if values.shape != gx.shape or np.any(values < 0):
        raise ValueError(f"{func}: f must map points of shape (..., 2) to non-negative values of shape (...)")
    lo = max(float(values.min()), 1e-12 * float(values.max()), 1e-300)
    levels = np.unique(np.geomspace(lo, max(float(values.max()), 2 * lo), n_levels))
    ax = plt.gca() if ax is None else ax
    ax.contour(gx, gy, values, levels=levels, colors="0.6", linewidths=0.7)
    for i, (label, path) in enumerate(paths.items()):
        pts = as_float_array(path, f"paths[{label!r}]", func, ndim=2)
        if pts.shape[1] != 2:
            raise ValueError(f"{func}: path {label!r} must have shape (T, 2), got {pts.shape}")
        line = ax.plot(
            pts[:, 0],
            pts[:, 1],
            linestyle=LINESTYLES[i % len(LINESTYLES)],
            linewidth=1.6,
            marker=MARKERS[i % len(MARKERS)],
            markersize=4,
            markevery=max(1, len(pts) // 12),
            label=label,
        )[0]
        ax.plot(pts[0, 0], pts[0, 1], "s", color=line.get_color(), markeredgecolor="k", markersize=7)
        ax.plot(
            pts[-1, 0],
            pts[-1, 1],
            MARKERS[i % len(MARKERS)],
            color=line.get_color(),
            markeredgecolor="k",
            markersize=10,
        )
    if minimiser is not None:
        star = as_float_array(minimiser, "minimiser", func, ndim=1)
        ax.plot(star[0], star[1], "*", color="k", markersize=14, label="minimum")
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    ax.set_title(title)
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_losses(
    curves: Mapping[str, ArrayLike],
    *,
    title: str,
    xlabel: str = "step",
    ylabel: str = "loss",
    ax: Axes | None = None,
    log: bool = True,
) -> Axes:
    """Loss curves of several runs on one set of axes, by default with a logarithmic loss axis.

    Parameters
    ----------
    curves : mapping of str to array_like of shape (T_i,)
        Legend label -> loss values at steps 0, 1, ...; values must be > 0 when ``log``.
    title, xlabel, ylabel : str
        Figure text.
    ax : matplotlib Axes, optional
        Where to draw; the current axes by default.
    log : bool
        Logarithmic y-axis.

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.pyplot as plt

    from coursekit.plotting import LINESTYLES, MARKERS

    func = "plot_losses"
    ax = plt.gca() if ax is None else ax
    for i, (label, values) in enumerate(curves.items()):
        v = as_float_array(values, f"curves[{label!r}]", func, ndim=1)
        if log and np.any(v <= 0):
            raise ValueError(f"{func}: curve {label!r} has values <= 0, which a log axis cannot show; use log=False")
        ax.plot(
            np.arange(v.size),
            v,
            linestyle=LINESTYLES[i % len(LINESTYLES)],
            linewidth=1.8,
            marker=MARKERS[i % len(MARKERS)],
            markersize=4,
            markevery=max(1, v.size // 10),
            label=label,
        )
    if log:
        ax.set_yscale("log")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize="small")
    return ax
