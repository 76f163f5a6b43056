"""Figures shared by the notebooks: curves of functions and decision regions.

Every figure has a title, labelled axes and a legend, and tells its lines and
classes apart by line style and marker as well as colour, so it reads when
printed in greyscale.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from coursekit._validate import as_float_array

if TYPE_CHECKING:  # matplotlib is imported lazily so that grading code need not load it
    from matplotlib.axes import Axes

__all__ = ["LINESTYLES", "MARKERS", "plot_curves", "decision_regions"]

#: Line styles cycled through by :func:`plot_curves` (distinct in greyscale).
LINESTYLES: tuple[str | tuple[int, tuple[int, ...]], ...] = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 3)))
#: Markers for the classes in :func:`decision_regions`.
MARKERS: tuple[str, ...] = ("o", "^", "s", "D", "v", "P")


def _axes(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.gca()


def plot_curves(
    z: ArrayLike,
    curves: Mapping[str, ArrayLike],
    *,
    title: str,
    xlabel: str = "$z$",
    ylabel: str = "value",
    ax: Axes | None = None,
) -> Axes:
    """Plot several functions of one variable on shared axes.

    Parameters
    ----------
    z : array_like, shape (n,)
        The x-coordinates.
    curves : mapping of str to array_like of shape (n,)
        Legend label -> y-values.
    title, xlabel, ylabel : str
        Figure text.
    ax : matplotlib Axes, optional
        Where to draw; the current axes by default.

    Returns
    -------
    matplotlib Axes
    """
    z = as_float_array(z, "z", "plot_curves", ndim=1)
    ax = _axes(ax)
    for i, (label, values) in enumerate(curves.items()):
        y = as_float_array(values, f"curves[{label!r}]", "plot_curves", ndim=1, finite=False)
        if y.shape != z.shape:
            raise ValueError(f"plot_curves: curve {label!r} has shape {y.shape}, expected {z.shape} like z")
        ax.plot(z, y, linestyle=LINESTYLES[i % len(LINESTYLES)], linewidth=2, label=label)
    ax.axhline(0, color="0.7", linewidth=0.8, zorder=0)
    ax.axvline(0, color="0.7", linewidth=0.8, zorder=0)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    return ax


def decision_regions(
    predict: Callable[[NDArray[np.float64]], ArrayLike],
    X: ArrayLike,
    y: ArrayLike,
    *,
    title: str,
    ax: Axes | None = None,
    bounds: tuple[float, float, float, float] | None = None,
    resolution: int = 200,
    xlabel: str = "$x_1$",
    ylabel: str = "$x_2$",
    legend_loc: str = "best",
) -> Axes:
    """Shade the plane by a classifier's predicted class and overlay labelled points.

    Parameters
    ----------
    predict : callable
        Maps an array of shape (m, 2) to class labels (integers) of shape (m,).
    X : array_like, shape (n, 2)
        The data points.
    y : array_like, shape (n,)
        Their integer class labels.
    title : str
        Figure title.
    ax : matplotlib Axes, optional
        Where to draw; the current axes by default.
    bounds : (x_min, x_max, y_min, y_max), optional
        The plotted window; by default the data's range plus a margin.
    resolution : int
        Grid points per axis.
    xlabel, ylabel : str
        Axis labels.
    legend_loc : str
        Where the legend goes (a matplotlib location such as ``"upper left"``).

    Returns
    -------
    matplotlib Axes
    """
    X = as_float_array(X, "X", "decision_regions", ndim=2)
    if X.shape[1] != 2:
        raise ValueError(f"decision_regions: argument 'X' must have shape (n, 2), got {X.shape}")
    labels = np.asarray(y)
    if labels.shape != (X.shape[0],):
        raise ValueError(f"decision_regions: argument 'y' must have shape ({X.shape[0]},), got {labels.shape}")
    if resolution < 2:
        raise ValueError(f"decision_regions: argument 'resolution' must be at least 2, got {resolution}")
    if bounds is None:
        lo, hi = X.min(axis=0), X.max(axis=0)
        pad = 0.1 * np.maximum(hi - lo, 1e-9)
        bounds = (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])
    x_min, x_max, y_min, y_max = bounds
    g1, g2 = np.meshgrid(np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution))
    grid = np.column_stack([g1.ravel(), g2.ravel()])
    pred = np.asarray(predict(grid)).reshape(g1.shape)
    classes = np.unique(labels)
    n_levels = int(max(classes.max(initial=0), pred.max(initial=0))) + 1
    ax = _axes(ax)
    ax.contourf(g1, g2, pred, levels=np.arange(n_levels + 1) - 0.5, cmap="Greys", alpha=0.35)
    ax.contour(g1, g2, pred, levels=np.arange(n_levels) + 0.5, colors="k", linewidths=1)
    for i, c in enumerate(classes):
        pts = X[labels == c]
        name = f"class {int(c)}" if float(c).is_integer() else f"class {c}"
        ax.scatter(pts[:, 0], pts[:, 1], marker=MARKERS[i % len(MARKERS)], edgecolors="k", label=name)
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(loc=legend_loc)  # type: ignore[call-overload]  # matplotlib checks the string itself
    return ax
