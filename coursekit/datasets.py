"""The data sets of the notebooks.

* :func:`xor_data`: the four XOR points, which no linear model fits;
* :func:`wedge_data`: points of a square labelled by ``x2 >= |x1|`` (tutorial Q3);
* :func:`spiral_data`: interleaved spiral arms, a classic test for an MLP;
* :func:`digits`: scikit-learn's bundled 8x8 handwritten digits (notebook 06), and
  :func:`load_digits_split`: the same split three ways, with optional label noise (notebook 07);
* :func:`make_rare_events`: a rare positive class from a logistic model (notebook 08);
* :func:`make_heteroscedastic_data`: 1-D regression data whose noise grows with the input (notebook 09),
  with its :func:`true_mean` and :func:`true_std`.

Randomness comes only from the ``rng`` argument, so a seed fixes the data.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray

from coursekit._docs import documented
from coursekit._validate import (
    FloatArray,
    as_float_array,
    check_int,
    check_positive,
    check_probability,
    check_real,
    check_rng,
)
from coursekit.activations import logistic

__all__ = [
    "xor_data",
    "wedge_data",
    "spiral_data",
    "digits",
    "DigitsSplit",
    "load_digits_split",
    "make_rare_events",
    "make_heteroscedastic_data",
    "true_mean",
    "true_std",
]

IntArray = NDArray[np.int64]


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
    low = check_real(low, "low", func)
    high = check_real(high, "high", func)
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


# The input of the two functions that define the heteroscedastic data (see coursekit._docs).
_X_M = "x : array_like, shape (M,)\n    Inputs."


@documented(params=[_X_M], returns="ndarray, shape (M,)")
def true_mean(x: ArrayLike) -> FloatArray:
    r"""The mean function of :func:`make_heteroscedastic_data`: :math:`\mu(x) = \sin(x) + x/4`."""
    xa = as_float_array(x, "x", "true_mean", ndim=1)
    return np.sin(xa) + 0.25 * xa


@documented(params=[_X_M], returns="ndarray, shape (M,)\n    Standard deviations, all positive.")
def true_std(x: ArrayLike) -> FloatArray:
    r"""The noise level of :func:`make_heteroscedastic_data`: :math:`s(x) = 0.05 + 0.5\,\sigma(1.5 x)`.

    :math:`\sigma` is the logistic sigmoid: the noise grows smoothly from about
    0.05 on the left to about 0.55 on the right (0.3 at :math:`x = 0`).
    """
    xa = as_float_array(x, "x", "true_std", ndim=1)
    return 0.05 + 0.5 * 0.5 * (1.0 + np.tanh(0.75 * xa))


def make_heteroscedastic_data(
    n: int,
    rng: np.random.Generator,
    *,
    low: float = -3.0,
    high: float = 3.0,
    mean_fn: Callable[[FloatArray], FloatArray] | None = None,
    std_fn: Callable[[FloatArray], FloatArray] | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    r"""Draw 1-D regression data whose noise level depends on the input.

    .. math::

        x_n \sim \mathcal U(\text{low}, \text{high}), \qquad
        y_n = \mu(x_n) + s(x_n)\, \varepsilon_n, \quad \varepsilon_n \sim \mathcal N(0, 1),

    with :func:`true_mean` :math:`\mu` and :func:`true_std` :math:`s` unless
    others are given.

    Parameters
    ----------
    n : int
        Number of examples, ``>= 1``.
    rng : numpy.random.Generator
        Source of randomness (inputs first, then noise).
    low, high : float
        Input range, ``low < high``.
    mean_fn, std_fn : callable, optional
        Replacements for :math:`\mu` and :math:`s`, mapping shape (n,) to (n,);
        ``std_fn`` must return positive values.

    Returns
    -------
    X : ndarray, shape (n, 1)
        Inputs.
    y : ndarray, shape (n,)
        Targets.
    mean : ndarray, shape (n,)
        :math:`\mu(x_n)`.
    std : ndarray, shape (n,)
        :math:`s(x_n)`.
    """
    func = "make_heteroscedastic_data"
    n = check_int(n, "n", func, minimum=1)
    rng = check_rng(rng, func)
    low_f = float(as_float_array(low, "low", func, ndim=0))
    high_f = float(as_float_array(high, "high", func, ndim=0))
    if not low_f < high_f:
        raise ValueError(f"{func}: arguments must satisfy low < high, got low={low_f}, high={high_f}")
    x = rng.uniform(low_f, high_f, size=n)
    mean = np.asarray((mean_fn or true_mean)(x), dtype=np.float64)
    std = np.asarray((std_fn or true_std)(x), dtype=np.float64)
    if mean.shape != x.shape or std.shape != x.shape:
        raise ValueError(f"{func}: mean_fn and std_fn must map shape {x.shape} to {x.shape}")
    if not np.all(np.isfinite(std) & (std > 0)):
        raise ValueError(f"{func}: std_fn must return finite positive values")
    y = mean + std * rng.standard_normal(n)
    return x[:, None], y, mean, std


@dataclass(frozen=True)
class DigitsSplit:
    """The 8x8 digits, split into training, validation and test sets.

    Attributes
    ----------
    X_train, X_val, X_test : ndarray, shapes (n_train, 64), (n_val, 64), (n_test, 64)
        Pixel intensities scaled from 0..16 to [0, 1], one image per row.
    y_train, y_val, y_test : ndarray of int64, shapes (n_train,), (n_val,), (n_test,)
        Digit labels 0..9. Only ``y_train`` carries label noise, if any was asked for.
    flipped : ndarray of bool, shape (n_train,)
        Which training labels were replaced by a wrong digit.
    """

    X_train: FloatArray
    y_train: IntArray
    X_val: FloatArray
    y_val: IntArray
    X_test: FloatArray
    y_test: IntArray
    flipped: NDArray[np.bool_]


def load_digits_split(n_train: int, n_val: int, rng: np.random.Generator, *, label_noise: float = 0.0) -> DigitsSplit:
    r"""Shuffle scikit-learn's bundled 8x8 digits (1797 images) and split them three ways.

    The first ``n_train`` shuffled images train, the next ``n_val`` validate (model
    selection, early stopping), the rest test. With ``label_noise`` :math:`= q > 0` each
    training label is, with probability :math:`q`, replaced by one of the nine *other*
    digits chosen uniformly; validation and test labels stay clean. Wrong labels can only be
    fitted by memorising them, which makes over-fitting easy to see on a small network.

    Parameters
    ----------
    n_train, n_val : int
        Sizes of the training and validation sets (>= 1, together fewer than 1797).
    rng : numpy.random.Generator
        Source of the shuffle and of the label noise.
    label_noise : float
        Probability :math:`q \in [0, 1)` of corrupting a training label.

    Returns
    -------
    DigitsSplit
    """
    func = "load_digits_split"
    check_rng(rng, func)
    q = check_probability(label_noise, "label_noise", func, high_open=True)
    n_tr = check_int(n_train, "n_train", func, minimum=1)
    n_va = check_int(n_val, "n_val", func, minimum=1)
    pixels, labels = digits()
    X = pixels / 16.0
    y = labels.copy()
    if n_tr + n_va >= len(X):
        raise ValueError(f"{func}: n_train + n_val must leave images for the test set (< {len(X)}), got {n_tr + n_va}")
    order = rng.permutation(len(X))
    tr, va, te = order[:n_tr], order[n_tr : n_tr + n_va], order[n_tr + n_va :]
    y_train = y[tr].copy()
    flipped = rng.random(n_tr) < q
    y_train[flipped] = (y_train[flipped] + rng.integers(1, 10, size=int(flipped.sum()))) % 10
    return DigitsSplit(X[tr], y_train, X[va], y[va], X[te], y[te], flipped)


def make_rare_events(
    n: int,
    rng: np.random.Generator,
    *,
    w_true: ArrayLike = (1.5, -1.0),
    b_true: float = -4.5,
    curvature: float = 0.0,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    r"""Draw a data set whose positives are rare and whose true model is known.

    .. math::

        x_n \sim \mathcal{N}(0, I_d), \qquad
        p_n = P(y_n = 1 \mid x_n) = \sigma(w_\star^\top x_n + b_\star + c\, x_{n1}^2), \qquad
        y_n \sim \mathrm{Bernoulli}(p_n).

    With the defaults (:math:`w_\star = (1.5, -1)`, :math:`b_\star = -4.5`,
    curvature :math:`c = 0`) about 4 % of the labels are positive, and logistic
    regression is exactly the right model, so fitted parameters can be compared
    with the truth. With :math:`c \ne 0` the true log-odds bend (a parabola in
    the first input) and a logistic regression, linear in :math:`x`, is the
    wrong model: the case where the two corrections of the tutorial differ.

    Parameters
    ----------
    n : int
        Number of examples, ``n >= 1``.
    rng : numpy.random.Generator
        Source of randomness (inputs first, then labels).
    w_true : array_like, shape (d,)
        True weights; their length sets the input dimension ``d``.
    b_true : float
        True bias (more negative means rarer positives).
    curvature : float
        Coefficient :math:`c` of :math:`x_{n1}^2` in the true log-odds (default 0).

    Returns
    -------
    X : ndarray, shape (n, d)
        Inputs.
    y : ndarray, shape (n,)
        Labels, float64 zeros and ones.
    p : ndarray, shape (n,)
        The true probabilities :math:`P(y_n = 1 \mid x_n)`.
    """
    func = "make_rare_events"
    n = check_int(n, "n", func, minimum=1)
    rng = check_rng(rng, func)
    w = as_float_array(w_true, "w_true", func, ndim=1)
    if w.shape[0] == 0:
        raise ValueError(f"{func}: argument 'w_true' must have at least one entry")
    b = float(as_float_array(b_true, "b_true", func, ndim=0))
    c = float(as_float_array(curvature, "curvature", func, ndim=0))
    X = rng.standard_normal((n, w.shape[0]))
    p = logistic(X @ w + b + c * X[:, 0] ** 2)
    y = (rng.random(n) < p).astype(np.float64)
    return X, y, p
