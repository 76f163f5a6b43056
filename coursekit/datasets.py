"""The data sets of the notebooks.

* :func:`xor_data`: the four XOR points, which no linear model fits;
* :func:`wedge_data`: points of a square labelled by ``x2 >= |x1|`` (tutorial Q3);
* :func:`spiral_data`: interleaved spiral arms, a classic test for an MLP;
* :func:`digits`: scikit-learn's bundled 8x8 handwritten digits (notebooks 06 and 07).

Randomness comes only from the ``rng`` argument, so a seed fixes the data.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from numbers import Real
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from coursekit._validate import FloatArray, check_int, check_positive, check_rng

__all__ = ["xor_data", "wedge_data", "spiral_data", "digits"]

IntArray = NDArray[np.int64]


def _check_real(value: object, name: str, func: str) -> float:
    """Return ``value`` as a float if it is a finite real number, or raise."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{func}: argument '{name}' must be a number, got {type(value).__name__}")
    out = float(value)
    if not np.isfinite(out):
        raise ValueError(f"{func}: argument '{name}' must be finite, got {out}")
    return out


def xor_data() -> tuple[FloatArray, FloatArray]:
    """The XOR truth table as a regression data set.

    Returns
    -------
    X : ndarray, shape (4, 2)
        The rows (0, 0), (0, 1), (1, 0), (1, 1).
    y : ndarray, shape (4,)
        ``x1 XOR x2``: 0, 1, 1, 0 (float64, so it can be a regression target).
    """
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0.0, 1.0, 1.0, 0.0])
    return X, y


def wedge_data(
    n: int, rng: np.random.Generator, *, low: float = -1.0, high: float = 1.0
) -> tuple[FloatArray, IntArray]:
    r"""Points uniform on a square, labelled 1 inside the wedge ``x2 >= |x1|``.

    .. math:: x \sim \mathcal{U}([\mathrm{low}, \mathrm{high})^2), \qquad
       y = \mathbb{1}[x_2 \ge |x_1|] .

    Parameters
    ----------
    n : int
        Number of points, at least 1.
    rng : numpy.random.Generator
        Source of randomness.
    low, high : float
        The square's sides, ``low < high``.

    Returns
    -------
    X : ndarray, shape (n, 2)
        The points (float64).
    y : ndarray, shape (n,)
        Labels 0 or 1 (int64).
    """
    func = "wedge_data"
    n = check_int(n, "n", func, minimum=1)
    rng = check_rng(rng, func)
    low = _check_real(low, "low", func)
    high = _check_real(high, "high", func)
    if not low < high:
        raise ValueError(f"{func}: arguments 'low' and 'high' must satisfy low < high, got low={low}, high={high}")
    X = rng.uniform(low, high, size=(n, 2))
    y = (X[:, 1] >= np.abs(X[:, 0])).astype(np.int64)
    return X, y


def spiral_data(
    n_per_class: int,
    rng: np.random.Generator,
    *,
    n_classes: int = 2,
    noise: float = 0.2,
    turns: float = 1.0,
) -> tuple[FloatArray, IntArray]:
    r"""Interleaved spiral arms, one per class.

    A point of class :math:`k` sits at radius :math:`t \sim \mathcal{U}(0, 1)` and angle

    .. math:: \theta = 2\pi\,\mathrm{turns}\; t + \frac{2\pi k}{K} + \varepsilon,
       \qquad \varepsilon \sim \mathcal{N}(0, \mathrm{noise}^2),

    i.e. :math:`x = t\,(\cos\theta, \sin\theta)`. Without noise every point lies on
    arm :math:`k`, the Archimedean spiral of arm 0 rotated by :math:`2\pi k / K`.

    Parameters
    ----------
    n_per_class : int
        Points per class, at least 1.
    rng : numpy.random.Generator
        Source of randomness.
    n_classes : int
        Number of arms :math:`K`, at least 2.
    noise : float
        Standard deviation of the angular jitter, in radians (``>= 0``).
    turns : float
        How many full turns each arm makes from the centre to radius 1 (``> 0``).

    Returns
    -------
    X : ndarray, shape (n_classes * n_per_class, 2)
        The points, inside the unit disc, grouped by class (class 0 first).
    y : ndarray, shape (n_classes * n_per_class,)
        Class labels 0, ..., n_classes - 1 (int64), ``n_per_class`` of each.
    """
    func = "spiral_data"
    n_per_class = check_int(n_per_class, "n_per_class", func, minimum=1)
    rng = check_rng(rng, func)
    n_classes = check_int(n_classes, "n_classes", func, minimum=2)
    noise = check_positive(noise, "noise", func, allow_zero=True)
    turns = check_positive(turns, "turns", func)
    y = np.repeat(np.arange(n_classes, dtype=np.int64), n_per_class)
    t = rng.uniform(0.0, 1.0, size=y.size)
    theta = 2.0 * np.pi * turns * t + 2.0 * np.pi * y / n_classes + noise * rng.standard_normal(y.size)
    X = np.column_stack([t * np.cos(theta), t * np.sin(theta)])
    return X, y


@lru_cache(maxsize=1)
def digits() -> tuple[FloatArray, IntArray]:
    """scikit-learn's bundled 8x8 handwritten digits, read without importing scikit-learn.

    1797 greyscale images of the digits 0-9 (about 180 of each), 8x8 pixels with intensities
    0..16, flattened row by row. The file ships inside scikit-learn (no download); reading it
    with numpy takes milliseconds, whereas ``import sklearn.datasets`` costs seconds, which
    matters while nbgrader grades. Falls back to :func:`sklearn.datasets.load_digits` if the
    file is not where scikit-learn keeps it.

    Returns
    -------
    X : ndarray, shape (1797, 64)
        Pixel intensities (float64, 0..16), one image per row; read-only (the result is cached).
    y : ndarray of int64, shape (1797,)
        The digit shown in each image; read-only.
    """
    spec = importlib.util.find_spec("sklearn")  # locates the package without importing it
    path = Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz" if spec and spec.origin else None
    if path is not None and path.is_file():
        table = np.loadtxt(path, delimiter=",")
        pixels, labels = table[:, :-1], table[:, -1]
    else:  # pragma: no cover - only if scikit-learn moves its data file
        from sklearn.datasets import load_digits

        bunch = load_digits()
        pixels, labels = bunch.data, bunch.target
    X: FloatArray = np.asarray(pixels, dtype=np.float64)
    y: IntArray = np.asarray(labels).astype(np.int64)
    X.setflags(write=False)
    y.setflags(write=False)
    return X, y
