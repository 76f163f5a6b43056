"""Tests for coursekit.datasets: shapes, dtypes, labels from the defining rules, determinism."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coursekit.datasets import spiral_data, wedge_data, xor_data

# --- xor_data --------------------------------------------------------------------------------------


def test_xor_data_is_the_truth_table():
    X, y = xor_data()
    assert X.dtype == np.float64
    assert y.dtype == np.float64
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, [0, 1, 1, 0])
    np.testing.assert_array_equal(y, np.logical_xor(X[:, 0], X[:, 1]))


def test_xor_data_returns_fresh_arrays():
    X, y = xor_data()
    X[0, 0] = 5.0
    y[0] = 5.0
    X2, y2 = xor_data()
    assert X2[0, 0] == 0.0
    assert y2[0] == 0.0


# --- wedge_data ------------------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(
    n=st.integers(1, 200),
    seed=st.integers(0, 2**32 - 1),
    low=st.floats(-5.0, 4.0),
    width=st.floats(0.01, 5.0),
)
def test_wedge_data_shapes_range_and_rule(n, seed, low, width):
    high = low + width
    X, y = wedge_data(n, np.random.default_rng(seed), low=low, high=high)
    assert X.shape == (n, 2)
    assert y.shape == (n,)
    assert X.dtype == np.float64
    assert y.dtype == np.int64
    assert np.all((X >= low) & (X <= high))
    np.testing.assert_array_equal(y, (X[:, 1] >= np.abs(X[:, 0])).astype(int))


def test_wedge_data_deterministic_per_seed_and_roughly_a_quarter_positive():
    X1, y1 = wedge_data(4000, np.random.default_rng(0))
    X2, y2 = wedge_data(4000, np.random.default_rng(0))
    X3, _ = wedge_data(4000, np.random.default_rng(1))
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    # on [-1, 1]^2 the wedge x2 >= |x1| covers a quarter of the square (area 1 of 4)
    assert abs(y1.mean() - 0.25) < 0.03


# --- spiral_data -----------------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(n=st.integers(1, 60), k=st.integers(2, 5), seed=st.integers(0, 2**32 - 1))
def test_spiral_shapes_and_balanced_labels(n, k, seed):
    X, y = spiral_data(n, np.random.default_rng(seed), n_classes=k)
    assert X.shape == (n * k, 2)
    assert y.shape == (n * k,)
    assert X.dtype == np.float64
    assert y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y, minlength=k), np.full(k, n))
    assert np.all(np.hypot(X[:, 0], X[:, 1]) <= 1.0 + 1e-12)


def test_spiral_deterministic_for_a_seed_and_different_for_another():
    a = spiral_data(50, np.random.default_rng(7))
    b = spiral_data(50, np.random.default_rng(7))
    c = spiral_data(50, np.random.default_rng(8))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.allclose(a[0], c[0])


@pytest.mark.parametrize(("k", "turns"), [(2, 1.0), (3, 0.75), (4, 2.0)])
def test_noiseless_spiral_arms_are_rotated_copies(k, turns):
    """Without noise a point at radius r of class c has angle 2 pi (turns r + c / k) (mod 2 pi)."""
    X, y = spiral_data(100, np.random.default_rng(5), n_classes=k, noise=0.0, turns=turns)
    r = np.hypot(X[:, 0], X[:, 1])
    angle = np.arctan2(X[:, 1], X[:, 0])
    expected = 2 * np.pi * (turns * r + y / k)
    # compare on the unit circle, so that multiples of 2 pi do not matter
    np.testing.assert_allclose(np.cos(angle), np.cos(expected), atol=1e-9)
    np.testing.assert_allclose(np.sin(angle), np.sin(expected), atol=1e-9)


def test_spiral_noise_moves_points_off_the_arm_but_keeps_the_radius():
    X0, _ = spiral_data(100, np.random.default_rng(2), noise=0.0)
    X1, _ = spiral_data(100, np.random.default_rng(2), noise=0.3)
    np.testing.assert_allclose(np.hypot(*X0.T), np.hypot(*X1.T), rtol=1e-12)
    assert not np.allclose(X0, X1)


# --- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (
            lambda: wedge_data(0, np.random.default_rng(0)),
            ValueError,
            r"wedge_data: argument 'n' must be an integer >= 1",
        ),
        (lambda: wedge_data(2.5, np.random.default_rng(0)), TypeError, r"wedge_data: argument 'n' must be an integer"),
        (lambda: wedge_data(True, np.random.default_rng(0)), TypeError, r"wedge_data: argument 'n' must be an integer"),
        (lambda: wedge_data(5, 0), TypeError, r"wedge_data: argument 'rng' must be a numpy.random.Generator"),
        (
            lambda: wedge_data(5, np.random.default_rng(0), low=1.0, high=1.0),
            ValueError,
            r"wedge_data: arguments 'low' and 'high' must satisfy low < high",
        ),
        (
            lambda: wedge_data(5, np.random.default_rng(0), high=np.inf),
            ValueError,
            r"wedge_data: argument 'high' must be finite",
        ),
        (
            lambda: wedge_data(5, np.random.default_rng(0), low="a"),
            TypeError,
            r"wedge_data: argument 'low' must be a number",
        ),
        (
            lambda: spiral_data(0, np.random.default_rng(0)),
            ValueError,
            r"spiral_data: argument 'n_per_class' must be an integer >= 1",
        ),
        (
            lambda: spiral_data(5, np.random.default_rng(0), n_classes=1),
            ValueError,
            r"spiral_data: argument 'n_classes' must be an integer >= 2",
        ),
        (
            lambda: spiral_data(5, np.random.default_rng(0), noise=-0.1),
            ValueError,
            r"spiral_data: argument 'noise' must be finite and >= 0",
        ),
        (
            lambda: spiral_data(5, np.random.default_rng(0), turns=0.0),
            ValueError,
            r"spiral_data: argument 'turns' must be finite and > 0",
        ),
        (
            lambda: spiral_data(5, np.random.RandomState(0)),
            TypeError,
            r"spiral_data: argument 'rng' must be a numpy.random.Generator",
        ),
    ],
)
def test_bad_input_raises_clear_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_digits_are_scikit_learns_and_read_only():
    from sklearn.datasets import load_digits

    from coursekit.datasets import digits
    from coursekit.optim import digits_dataset

    X, y = digits()
    reference = load_digits()
    np.testing.assert_array_equal(X, reference.data)
    np.testing.assert_array_equal(y, reference.target)
    assert X.dtype == np.float64 and y.dtype == np.int64 and not X.flags.writeable and not y.flags.writeable
    X_own, y_own = digits_dataset()  # notebook 06's copy may be changed freely
    assert X_own.flags.writeable and np.array_equal(X_own, X) and np.array_equal(y_own, y)
