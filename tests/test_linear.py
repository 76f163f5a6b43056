"""Tests for coursekit.linear against independent references.

References used: hand-multiplied small matrices, matrix products applied one entry
at a time (einsum), ``numpy.linalg.multi_dot``, the normal equations,
``scipy.stats.linregress``, the XOR truth table, the closed form of the notes' XOR
network, and the rule ``x2 >= |x1|``.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats

from coursekit.linear import (
    collapse_linear,
    least_squares_fit,
    linear_network,
    relu_network,
    wedge_classifier,
    xor_relu_network,
)

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0.0, 1.0, 1.0, 0.0])

small_floats = st.floats(min_value=-10.0, max_value=10.0, allow_nan=False, allow_infinity=False)
widths = st.lists(st.integers(min_value=1, max_value=5), min_size=2, max_size=5)


def random_weights(rng: np.random.Generator, sizes: list[int]) -> list[np.ndarray]:
    return [rng.standard_normal((a, b)) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]


def chain_one_by_one(X: np.ndarray, weights: list[np.ndarray]) -> np.ndarray:
    """Apply each matrix with an explicit sum over the shared index (no ``@``)."""
    out = X
    for W in weights:
        out = np.einsum("ij,jk->ik", out, W)
    return out


# --- collapse_linear -------------------------------------------------------------------------------


def test_collapse_linear_hand_computed():
    W1 = np.array([[1.0, 2.0], [0.0, 1.0]])
    W2 = np.array([[2.0, 0.0], [1.0, 3.0]])
    W3 = np.array([[1.0], [-1.0]])
    # W1 W2 = [[4, 6], [1, 3]]; times W3 = [[-2], [-2]]
    np.testing.assert_array_equal(collapse_linear([W1, W2]), [[4.0, 6.0], [1.0, 3.0]])
    np.testing.assert_array_equal(collapse_linear([W1, W2, W3]), [[-2.0], [-2.0]])


@settings(max_examples=50, deadline=None)
@given(sizes=widths, seed=st.integers(0, 2**32 - 1), n=st.integers(1, 6))
def test_collapse_equals_layers_applied_one_by_one(sizes, seed, n):
    rng = np.random.default_rng(seed)
    weights = random_weights(rng, sizes)
    X = rng.standard_normal((n, sizes[0]))
    W = collapse_linear(weights)
    assert W.shape == (sizes[0], sizes[-1])
    assert W.dtype == np.float64
    np.testing.assert_allclose(X @ W, chain_one_by_one(X, weights), rtol=1e-10, atol=1e-12)
    # applied to the identity, the layers give the product itself
    np.testing.assert_allclose(W, chain_one_by_one(np.eye(sizes[0]), weights), rtol=1e-10, atol=1e-12)


def test_collapse_single_matrix_is_a_copy_and_inputs_untouched():
    W = np.arange(6.0).reshape(2, 3)
    out = collapse_linear([W])
    np.testing.assert_array_equal(out, W)
    out[0, 0] = 99.0
    assert W[0, 0] == 0.0
    weights = [np.ones((2, 2)), 2.0 * np.ones((2, 1))]
    saved = [w.copy() for w in weights]
    collapse_linear(weights)
    for w, s in zip(weights, saved, strict=True):
        np.testing.assert_array_equal(w, s)


def test_collapse_accepts_integer_arrays_and_lists():
    out = collapse_linear([[[1, 2]], np.array([[3], [4]])])
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [[11.0]])


# --- linear_network --------------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(sizes=widths, seed=st.integers(0, 2**32 - 1), n=st.integers(1, 6))
def test_linear_network_matches_multi_dot(sizes, seed, n):
    rng = np.random.default_rng(seed)
    weights = random_weights(rng, sizes)
    X = rng.standard_normal((n, sizes[0]))
    out = linear_network(X, weights)
    assert out.shape == (n, sizes[-1])
    expected = np.linalg.multi_dot([X, *weights]) if len(weights) > 1 else X @ weights[0]
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-12)


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), a=small_floats, c=small_floats)
def test_linear_network_is_linear(seed, a, c):
    """f(a X + c Y) = a f(X) + c f(Y): the identity that defines a linear map."""
    rng = np.random.default_rng(seed)
    weights = random_weights(rng, [3, 4, 2, 3])
    X, Y = rng.standard_normal((2, 5, 3))
    lhs = linear_network(a * X + c * Y, weights)
    rhs = a * linear_network(X, weights) + c * linear_network(Y, weights)
    np.testing.assert_allclose(lhs, rhs, rtol=1e-9, atol=1e-9)


def test_linear_network_hand_computed():
    X = np.array([[1.0, 1.0], [2.0, -1.0]])
    weights = [np.array([[1.0, 0.0, 2.0], [0.0, 1.0, -1.0]]), np.array([[1.0], [1.0], [1.0]])]
    # hidden: [[1, 1, 1], [2, -1, 5]] -> sums [3, 6]
    np.testing.assert_array_equal(linear_network(X, weights), [[3.0], [6.0]])


# --- relu_network ----------------------------------------------------------------------------------


def test_relu_network_hand_computed():
    X = np.array([[1.0, 2.0], [-1.0, 0.5]])
    W1 = np.array([[1.0, -1.0], [1.0, 1.0]])
    b1 = np.array([0.0, -2.0])
    W2 = np.array([[1.0], [3.0]])
    b2 = np.array([-1.0])
    # row 1: Z1 = [3, -1] -> A1 = [3, 0] -> 3 - 1 = 2
    # row 2: Z1 = [-0.5, -0.5] -> A1 = [0, 0] -> -1 (negative output: no ReLU at the end)
    np.testing.assert_array_equal(relu_network(X, [W1, W2], [b1, b2]), [[2.0], [-1.0]])


@settings(max_examples=50, deadline=None)
@given(sizes=widths, seed=st.integers(0, 2**32 - 1), n=st.integers(1, 6))
def test_relu_network_equals_collapsed_map_when_nothing_is_negative(sizes, seed, n):
    """Positive inputs and weights keep every pre-activation >= 0, so ReLU acts as the identity."""
    rng = np.random.default_rng(seed)
    weights = [np.abs(w) for w in random_weights(rng, sizes)]
    biases = [rng.uniform(0.0, 1.0, w.shape[1]) for w in weights]
    X = rng.uniform(0.0, 2.0, (n, sizes[0]))
    # affine collapse: X W + b with W = prod W_l and b = sum_l b_l W_{l+1} ... W_L
    expected = chain_one_by_one(X, weights)
    for i, b in enumerate(biases):
        expected = expected + chain_one_by_one(b[None, :], weights[i + 1 :])
    np.testing.assert_allclose(relu_network(X, weights, biases), expected, rtol=1e-10, atol=1e-12)


def test_relu_network_zeroes_negative_preactivations():
    X = np.array([[1.0, 2.0, 3.0], [0.5, 0.0, 4.0]])
    W1 = -np.eye(3)  # every hidden pre-activation is <= 0
    W2 = np.array([[5.0], [6.0], [7.0]])
    out = relu_network(X, [W1, W2], [np.zeros(3), np.array([-0.25])])
    np.testing.assert_array_equal(out, [[-0.25], [-0.25]])


def test_relu_network_single_layer_is_affine_and_may_be_negative():
    X = np.array([[1.0], [-2.0]])
    out = relu_network(X, [np.array([[3.0, -1.0]])], [np.array([0.5, 0.0])])
    np.testing.assert_array_equal(out, [[3.5, -1.0], [-5.5, 2.0]])


def test_relu_network_is_not_additive():
    """One ReLU unit, f(x) = max(0, x): f(1) + f(-1) = 1 but f(1 + (-1)) = 0."""
    weights = [np.array([[1.0]]), np.array([[1.0]])]
    biases = [np.zeros(1), np.zeros(1)]
    f = [relu_network(np.array([[v]]), weights, biases)[0, 0] for v in (1.0, -1.0, 0.0)]
    assert f == [1.0, 0.0, 0.0]


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), c=st.floats(min_value=1e-3, max_value=1e3))
def test_relu_network_without_biases_is_positively_homogeneous(seed, c):
    """max(0, c z) = c max(0, z) for c > 0, so f(c X) = c f(X) when all biases are zero."""
    rng = np.random.default_rng(seed)
    weights = random_weights(rng, [2, 5, 4, 1])
    biases = [np.zeros(w.shape[1]) for w in weights]
    X = rng.standard_normal((6, 2))
    np.testing.assert_allclose(
        relu_network(c * X, weights, biases), c * relu_network(X, weights, biases), rtol=1e-9, atol=1e-12
    )


# --- least_squares_fit -----------------------------------------------------------------------------


def test_least_squares_on_xor_predicts_one_half_everywhere():
    w, b = least_squares_fit(XOR_X, XOR_Y)
    assert isinstance(b, float)
    assert w.shape == (2,)
    np.testing.assert_allclose(w, [0.0, 0.0], atol=1e-12)
    assert b == pytest.approx(0.5, abs=1e-12)
    np.testing.assert_allclose(XOR_X @ w + b, 0.5, atol=1e-12)


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(6, 30), d=st.integers(1, 4))
def test_least_squares_matches_normal_equations(seed, n, d):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = rng.standard_normal(n)
    design = np.column_stack([X, np.ones(n)])
    theta = np.linalg.solve(design.T @ design, design.T @ y)
    w, b = least_squares_fit(X, y)
    np.testing.assert_allclose(w, theta[:d], rtol=1e-7, atol=1e-9)
    assert b == pytest.approx(theta[d], rel=1e-7, abs=1e-9)
    # optimality: the residual is orthogonal to every column of the design matrix
    resid = X @ w + b - y
    np.testing.assert_allclose(design.T @ resid, 0.0, atol=1e-9)


def test_least_squares_recovers_an_exact_affine_map():
    rng = np.random.default_rng(3)
    X = rng.uniform(-2, 2, (20, 3))
    y = X @ np.array([2.0, -3.0, 0.5]) + 1.25
    w, b = least_squares_fit(X, y)
    np.testing.assert_allclose(w, [2.0, -3.0, 0.5], rtol=1e-10)
    assert b == pytest.approx(1.25, rel=1e-10)


def test_least_squares_one_feature_agrees_with_scipy_linregress():
    rng = np.random.default_rng(11)
    x = rng.standard_normal(40)
    y = 0.7 * x - 0.2 + 0.3 * rng.standard_normal(40)
    ref = stats.linregress(x, y)
    w, b = least_squares_fit(x[:, None], y)
    assert w[0] == pytest.approx(ref.slope, rel=1e-10)
    assert b == pytest.approx(ref.intercept, rel=1e-10)


def test_least_squares_does_not_modify_inputs():
    X = XOR_X.copy()
    y = XOR_Y.copy()
    least_squares_fit(X, y)
    np.testing.assert_array_equal(X, XOR_X)
    np.testing.assert_array_equal(y, XOR_Y)


# --- xor_relu_network ------------------------------------------------------------------------------


def test_xor_relu_network_truth_table():
    out = xor_relu_network(XOR_X)
    assert out.shape == (4,)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, XOR_Y)


@settings(max_examples=50, deadline=None)
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 8), st.just(2)), elements=small_floats))
def test_xor_relu_network_closed_form(X):
    s = X[:, 0] + X[:, 1]
    expected = np.maximum(s, 0.0) - 2.0 * np.maximum(s - 1.0, 0.0)
    np.testing.assert_allclose(xor_relu_network(X), expected, rtol=1e-12, atol=1e-12)


# --- wedge_classifier ------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(
    hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 10), st.just(2)),
        elements=st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    )
)
def test_wedge_classifier_agrees_with_rule(X):
    out = wedge_classifier(X)
    assert out.shape == (X.shape[0],)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, (X[:, 1] >= np.abs(X[:, 0])).astype(float))


@settings(max_examples=50, deadline=None)
@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))
def test_wedge_classifier_boundary_is_inside(x1):
    on = np.array([[x1, abs(x1)]])
    below = np.array([[x1, np.nextafter(abs(x1), -np.inf)]])
    assert wedge_classifier(on)[0] == 1.0
    assert wedge_classifier(below)[0] == 0.0


def test_wedge_classifier_known_points_and_huge_values():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [0.0, -1.0], [1.0, 0.5], [-2.0, 2.0], [2.0, 2.0], [-3.0, 2.9]])
    np.testing.assert_array_equal(wedge_classifier(X), [1, 1, 0, 0, 1, 1, 0])
    big = np.array([[1e308, -1e308], [-1e308, 1e308], [1e308, 1e308]])
    np.testing.assert_array_equal(wedge_classifier(big), [0.0, 1.0, 1.0])


# --- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: collapse_linear([]), ValueError, r"collapse_linear: argument 'weights' must contain at least one"),
        (lambda: collapse_linear(np.eye(2)), TypeError, r"collapse_linear: argument 'weights' must be a list"),
        (lambda: collapse_linear([np.ones(3)]), ValueError, r"collapse_linear: argument 'weights\[0\]' must have 2"),
        (
            lambda: collapse_linear([np.ones((2, 3)), np.ones((2, 1))]),
            ValueError,
            r"collapse_linear: weights\[1\] has shape \(2, 1\).*expected weights\[1\] to have 3 rows",
        ),
        (lambda: collapse_linear([np.array([[1.0, np.nan]])]), ValueError, r"NaN or infinity"),
        (lambda: collapse_linear([np.array([["a"]])]), TypeError, r"must hold real numbers"),
        (
            lambda: linear_network(np.ones((4, 3)), [np.ones((2, 2))]),
            ValueError,
            r"linear_network: argument 'X' must have shape \(n, 2\)",
        ),
        (
            lambda: linear_network(np.ones(2), [np.ones((2, 2))]),
            ValueError,
            r"linear_network: argument 'X' must have 2 dimension",
        ),
        (
            lambda: relu_network(np.ones((1, 2)), [np.ones((2, 2))], []),
            ValueError,
            r"relu_network: argument 'biases' must hold one vector per layer \(1\), got 0",
        ),
        (
            lambda: relu_network(np.ones((1, 2)), [np.ones((2, 2))], np.zeros((1, 2))),
            TypeError,
            r"relu_network: argument 'biases' must be a list",
        ),
        (
            lambda: relu_network(np.ones((1, 2)), [np.ones((2, 3))], [np.zeros(2)]),
            ValueError,
            r"relu_network: biases\[0\] must have shape \(3,\)",
        ),
        (
            lambda: least_squares_fit(np.ones((3, 2)), np.ones(4)),
            ValueError,
            r"least_squares_fit: argument 'y' must have shape \(3,\)",
        ),
        (
            lambda: least_squares_fit(np.ones((0, 2)), np.ones(0)),
            ValueError,
            r"least_squares_fit: argument 'X' must have at least one row",
        ),
        (
            lambda: least_squares_fit(np.ones(3), np.ones(3)),
            ValueError,
            r"least_squares_fit: argument 'X' must have 2 dimension",
        ),
        (
            lambda: xor_relu_network(np.ones((2, 3))),
            ValueError,
            r"xor_relu_network: argument 'X' must have shape \(n, 2\)",
        ),
        (
            lambda: wedge_classifier(np.array([[True, False]])),
            TypeError,
            r"wedge_classifier: argument 'X' must hold real numbers",
        ),
        (
            lambda: wedge_classifier(np.array([[np.inf, 0.0]])),
            ValueError,
            r"wedge_classifier: argument 'X' contains NaN or infinity",
        ),
    ],
)
def test_bad_input_raises_clear_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
