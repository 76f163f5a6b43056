"""Tests for coursekit.activations against independent references.

References: scipy.special (expit, softmax), numpy's own tanh and heaviside, closed
forms written out here, central finite differences, the published SELU constants
and the SELU fixed-point property (numerical integration with scipy.integrate).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import integrate, special

from coursekit import activations as act

SETTINGS = settings(max_examples=50, deadline=None)

ELEMENTWISE = [
    act.step,
    act.relu,
    act.sigmoid,
    act.tanh,
    act.leaky_relu,
    act.elu,
    act.selu,
    act.relu_grad,
    act.sigmoid_grad,
    act.tanh_grad,
    act.leaky_relu_grad,
    act.elu_grad,
    act.selu_grad,
]
WITH_ALPHA = [act.leaky_relu, act.elu, act.leaky_relu_grad, act.elu_grad]


def float_arrays(lo: float = -1e3, hi: float = 1e3, max_dims: int = 3) -> st.SearchStrategy[np.ndarray]:
    """Float64 arrays of 0 to ``max_dims`` dimensions (sides 1..5) with entries in [lo, hi]."""
    return hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=0, max_dims=max_dims, min_side=1, max_side=5),
        elements=st.floats(lo, hi, allow_nan=False, allow_infinity=False),
    )


def central_difference(f, z: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Elementwise derivative of an elementwise ``f`` by central differences."""
    return (f(z + h) - f(z - h)) / (2 * h)


@pytest.fixture
def strict():
    """Turn every warning and floating-point problem into an error inside the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise", under="ignore"):
            yield


# ---------------------------------------------------------------------------
# Shapes, types, purity
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("func", ELEMENTWISE, ids=lambda f: f.__name__)
@SETTINGS
@given(z=float_arrays())
def test_elementwise_keeps_shape_and_returns_float64_ndarray(func, z):
    before = z.copy()
    out = func(z)
    assert isinstance(out, np.ndarray)
    assert out.dtype == np.float64
    assert out.shape == z.shape
    np.testing.assert_array_equal(z, before)  # input not mutated


@pytest.mark.parametrize("func", ELEMENTWISE, ids=lambda f: f.__name__)
def test_elementwise_accepts_python_numbers_lists_and_ints(func):
    scalar = func(2.0)
    assert isinstance(scalar, np.ndarray) and scalar.shape == ()
    from_list = func([[-1, 0, 2]])
    from_ints = func(np.array([[-1, 0, 2]], dtype=np.int64))
    assert from_list.shape == (1, 3) and from_list.dtype == np.float64
    np.testing.assert_array_equal(from_list, from_ints)
    empty = func(np.zeros((0, 3)))
    assert empty.shape == (0, 3)


def test_softmax_and_jacobian_do_not_mutate():
    z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    before = z.copy()
    act.softmax(z)
    act.softmax(z, axis=0)
    act.softmax_jacobian(z[0])
    np.testing.assert_array_equal(z, before)


# ---------------------------------------------------------------------------
# The functions against references
# ---------------------------------------------------------------------------


@SETTINGS
@given(z=float_arrays())
def test_step_matches_heaviside_with_value_one_at_zero(z):
    np.testing.assert_array_equal(act.step(z), np.heaviside(z, 1.0))


def test_step_at_and_around_zero():
    tiny = np.nextafter(0.0, 1.0)
    np.testing.assert_array_equal(act.step([-tiny, -0.0, 0.0, tiny]), [0.0, 1.0, 1.0, 1.0])


@SETTINGS
@given(z=float_arrays())
def test_relu_closed_form(z):
    np.testing.assert_allclose(act.relu(z), (z + np.abs(z)) / 2, rtol=1e-15, atol=0)


def test_relu_known_values():
    np.testing.assert_array_equal(act.relu([-3.0, -0.5, 0.0, 0.5, 3.0]), [0.0, 0.0, 0.0, 0.5, 3.0])


@SETTINGS
@given(z=float_arrays(-1e4, 1e4))
def test_sigmoid_matches_scipy_expit(z):
    np.testing.assert_allclose(act.sigmoid(z), special.expit(z), rtol=1e-14, atol=1e-300)


def test_sigmoid_known_values():
    # sigma(0) = 1/2, sigma(log 3) = 3/4, sigma(-log 3) = 1/4
    np.testing.assert_allclose(act.sigmoid([0.0, np.log(3.0), -np.log(3.0)]), [0.5, 0.75, 0.25], rtol=1e-15)


@SETTINGS
@given(z=float_arrays(-1e4, 1e4))
def test_sigmoid_symmetry(z):
    np.testing.assert_allclose(act.sigmoid(-z), 1.0 - act.sigmoid(z), rtol=0, atol=2e-16)


@SETTINGS
@given(z=float_arrays(-1e3, 1e3))
def test_sigmoid_stays_in_unit_interval_and_is_monotone(z):
    s = act.sigmoid(z)
    assert np.all((s >= 0) & (s <= 1))
    flat = np.sort(z.ravel())
    assert np.all(np.diff(act.sigmoid(flat)) >= 0)


@SETTINGS
@given(z=float_arrays())
def test_tanh_matches_numpy_and_identity(z):
    np.testing.assert_allclose(act.tanh(z), np.tanh(z), rtol=1e-15, atol=0)
    # tanh(z) = 2 sigma(2z) - 1 (scipy's expit as the independent sigmoid)
    np.testing.assert_allclose(act.tanh(z), 2 * special.expit(2 * z) - 1, rtol=0, atol=1e-15)


def test_tanh_closed_form_from_the_notes():
    z = np.linspace(-5, 5, 41)
    np.testing.assert_allclose(act.tanh(z), (np.exp(2 * z) - 1) / (np.exp(2 * z) + 1), rtol=1e-13, atol=1e-15)


@SETTINGS
@given(z=float_arrays(), alpha=st.floats(0.0, 1.0))
def test_leaky_relu_is_max_of_alpha_z_and_z(z, alpha):
    # the notes' PReLU formula, valid for 0 <= alpha <= 1
    np.testing.assert_allclose(act.leaky_relu(z, alpha=alpha), np.maximum(alpha * z, z), rtol=1e-15, atol=0)


def test_leaky_relu_default_alpha():
    np.testing.assert_allclose(act.leaky_relu([-2.0, 0.0, 3.0]), [-0.02, 0.0, 3.0], rtol=1e-15)


@SETTINGS
@given(z=float_arrays(-50, 50), alpha=st.floats(0.0, 3.0))
def test_elu_closed_form(z, alpha):
    expected = np.where(z > 0, z, alpha * (np.exp(np.minimum(z, 0)) - 1))
    # absolute tolerance: exp(z) - 1 written out loses relative precision near z = 0
    np.testing.assert_allclose(act.elu(z, alpha=alpha), expected, rtol=1e-12, atol=1e-15)


def test_elu_small_negative_keeps_relative_precision():
    # e^z - 1 = z + z^2/2 + ... ; for z = -1e-12 the naive formula loses ~4 digits
    z = -1e-12
    np.testing.assert_allclose(act.elu(z), z + z**2 / 2, rtol=1e-15)


def test_selu_constants_match_published_values():
    # Klambauer et al. (2017), "Self-Normalizing Neural Networks", eq. (14)
    assert act.SELU_LAMBDA == pytest.approx(1.0507009873554804934193349852946, rel=1e-15)
    assert act.SELU_ALPHA == pytest.approx(1.6732632423543772848170429916717, rel=1e-15)


def test_selu_fixed_point_standard_normal_in_gives_mean_zero_variance_one():
    def density(x: float) -> float:
        return np.exp(-x * x / 2) / np.sqrt(2 * np.pi)

    mean = (
        integrate.quad(lambda x: float(act.selu(x)) * density(x), -40, 0)[0]
        + integrate.quad(lambda x: float(act.selu(x)) * density(x), 0, 40)[0]
    )
    second = (
        integrate.quad(lambda x: float(act.selu(x)) ** 2 * density(x), -40, 0)[0]
        + integrate.quad(lambda x: float(act.selu(x)) ** 2 * density(x), 0, 40)[0]
    )
    assert abs(mean) < 1e-9
    assert second == pytest.approx(1.0, abs=1e-9)


@SETTINGS
@given(z=float_arrays(-50, 50))
def test_selu_closed_form(z):
    lam, alpha = 1.0507009873554805, 1.6732632423543772
    expected = lam * np.where(z > 0, z, alpha * (np.exp(np.minimum(z, 0)) - 1))
    np.testing.assert_allclose(act.selu(z), expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    "func",
    [
        act.elu,
        act.selu,
        act.elu_grad,
        act.selu_grad,
        act.sigmoid,
        act.sigmoid_grad,
        act.tanh,
        act.tanh_grad,
        act.leaky_relu,
        act.relu,
    ],
)
def test_no_overflow_or_warning_for_huge_inputs(func, strict):
    z = np.array([-1e300, -1e3, -745.0, -710.0, -1.0, 0.0, 1.0, 710.0, 1e3, 1e300])
    out = func(z)
    assert np.all(np.isfinite(out))


def test_elu_saturates_at_minus_alpha():
    np.testing.assert_allclose(act.elu([-1e3, -50.0], alpha=2.5), [-2.5, -2.5], rtol=1e-15)
    np.testing.assert_allclose(act.selu([-1e3]), [-act.SELU_LAMBDA * act.SELU_ALPHA], rtol=1e-15)


@SETTINGS
@given(z=float_arrays())
def test_sigmoid_steep_is_sigmoid_of_kz(z):
    for k in (0.0, 0.5, 1.0, 7.0):
        np.testing.assert_allclose(act.sigmoid_steep(z, k), special.expit(k * z), rtol=1e-14, atol=1e-300)


def test_sigmoid_steep_tends_to_step(strict):
    z = np.array([-1.0, -0.01, 0.01, 1.0])
    np.testing.assert_array_equal(act.sigmoid_steep(z, 1e5), [0.0, 0.0, 1.0, 1.0])
    assert float(act.sigmoid_steep(0.0, 1e5)) == 0.5
    # k * z beyond the float range is handled without a warning
    np.testing.assert_array_equal(act.sigmoid_steep([-1e300, 1e300], 1e300), [0.0, 1.0])


# ---------------------------------------------------------------------------
# Softmax
# ---------------------------------------------------------------------------


@SETTINGS
@given(z=float_arrays(-1e3, 1e3, max_dims=3).filter(lambda a: a.ndim >= 1), data=st.data())
def test_softmax_matches_scipy_along_any_axis(z, data):
    axis = data.draw(st.integers(-z.ndim, z.ndim - 1))
    expected = special.softmax(z, axis=axis)
    np.testing.assert_allclose(act.softmax(z, axis=axis), expected, rtol=1e-12, atol=1e-300)


@SETTINGS
@given(
    z=hnp.arrays(
        np.float64, hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=6), elements=st.floats(-1e3, 1e3)
    ),
    c=st.floats(-1e3, 1e3),
)
def test_softmax_sums_to_one_and_is_shift_invariant(z, c):
    p = act.softmax(z)
    assert p.shape == z.shape
    assert np.all(p >= 0)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(act.softmax(z + c), p, rtol=1e-9, atol=1e-12)


def test_softmax_large_logits_known_values(strict):
    # softmax([a, a+1]) = [sigma(-1), sigma(1)] for every a
    expected = special.expit([-1.0, 1.0])
    np.testing.assert_allclose(act.softmax([1000.0, 1001.0]), expected, rtol=1e-15)
    np.testing.assert_allclose(act.softmax([-1000.0, -999.0]), expected, rtol=1e-15)
    np.testing.assert_allclose(act.softmax([[1e300, 0.0]]), [[1.0, 0.0]])


def test_softmax_one_element_and_axis0():
    np.testing.assert_array_equal(act.softmax([123.0]), [1.0])
    z = np.array([[0.0, 1.0], [np.log(3.0), 1.0]])
    np.testing.assert_allclose(act.softmax(z, axis=0), [[0.25, 0.5], [0.75, 0.5]], rtol=1e-15)


# ---------------------------------------------------------------------------
# Derivatives
# ---------------------------------------------------------------------------

GRAD_PAIRS = [
    (act.relu, act.relu_grad),
    (act.sigmoid, act.sigmoid_grad),
    (act.tanh, act.tanh_grad),
    (act.leaky_relu, act.leaky_relu_grad),
    (lambda z: act.leaky_relu(z, alpha=0.3), lambda z: act.leaky_relu_grad(z, alpha=0.3)),
    (act.elu, act.elu_grad),
    (lambda z: act.elu(z, alpha=0.4), lambda z: act.elu_grad(z, alpha=0.4)),
    (act.selu, act.selu_grad),
]


@pytest.mark.parametrize("pair", GRAD_PAIRS, ids=range(len(GRAD_PAIRS)))
@SETTINGS
@given(z=float_arrays(-20, 20, max_dims=2))
def test_derivatives_match_central_differences_away_from_kinks(pair, z):
    f, df = pair
    z = np.where(np.abs(z) < 1e-3, 0.5, z)  # stay clear of the kink at 0
    np.testing.assert_allclose(df(z), central_difference(f, z), rtol=1e-6, atol=1e-9)


@SETTINGS
@given(z=float_arrays(-700, 700))
def test_sigmoid_grad_closed_form(z):
    expected = special.expit(z) * special.expit(-z)
    np.testing.assert_allclose(act.sigmoid_grad(z), expected, rtol=1e-13, atol=1e-300)


@SETTINGS
@given(z=float_arrays(-300, 300))
def test_tanh_grad_closed_forms(z):
    np.testing.assert_allclose(act.tanh_grad(z), 1 - np.tanh(z) ** 2, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(act.tanh_grad(z), 1 / np.cosh(z) ** 2, rtol=1e-12, atol=1e-300)


def test_sigmoid_grad_maximum_is_one_quarter():
    assert float(act.sigmoid_grad(0.0)) == 0.25
    assert float(act.tanh_grad(0.0)) == 1.0
    z = np.linspace(-10, 10, 2001)
    assert act.sigmoid_grad(z).max() == 0.25


def test_derivatives_at_the_kink_take_the_left_branch():
    assert float(act.relu_grad(0.0)) == 0.0
    assert float(act.leaky_relu_grad(0.0)) == 0.01
    assert float(act.leaky_relu_grad(0.0, alpha=0.2)) == 0.2
    assert float(act.elu_grad(0.0, alpha=0.7)) == 0.7
    assert float(act.selu_grad(0.0)) == pytest.approx(1.0507009873554805 * 1.6732632423543772, rel=1e-15)
    np.testing.assert_array_equal(act.relu_grad([-1.0, 1e-300, 5.0]), [0.0, 1.0, 1.0])


# ---------------------------------------------------------------------------
# Softmax Jacobian
# ---------------------------------------------------------------------------


@SETTINGS
@given(z=hnp.arrays(np.float64, st.integers(1, 6), elements=st.floats(-20, 20)))
def test_softmax_jacobian_matches_finite_differences_of_scipy_softmax(z):
    n = z.size
    h = 1e-6
    numeric = np.empty((n, n))
    for j in range(n):
        e = np.zeros(n)
        e[j] = h
        numeric[:, j] = (special.softmax(z + e) - special.softmax(z - e)) / (2 * h)
    np.testing.assert_allclose(act.softmax_jacobian(z), numeric, rtol=1e-6, atol=1e-9)


@SETTINGS
@given(z=hnp.arrays(np.float64, st.integers(1, 8), elements=st.floats(-1e3, 1e3)))
def test_softmax_jacobian_properties(z):
    J = act.softmax_jacobian(z)
    p = special.softmax(z)
    assert J.shape == (z.size, z.size)
    np.testing.assert_allclose(J, J.T, rtol=0, atol=1e-16)
    np.testing.assert_allclose(J.sum(axis=1), 0.0, rtol=0, atol=1e-15)
    np.testing.assert_allclose(np.diag(J), p * (1 - p), rtol=1e-12, atol=1e-15)
    # vector-Jacobian product: J^T g = p * (g - p.g)
    g = np.arange(z.size, dtype=np.float64)
    np.testing.assert_allclose(J.T @ g, p * (g - p @ g), rtol=1e-9, atol=1e-12)


def test_softmax_jacobian_known_value():
    # uniform p = [1/2, 1/2]: J = [[1/4, -1/4], [-1/4, 1/4]]
    np.testing.assert_allclose(act.softmax_jacobian([3.0, 3.0]), [[0.25, -0.25], [-0.25, 0.25]], rtol=1e-15)
    np.testing.assert_array_equal(act.softmax_jacobian([5.0]), [[0.0]])


# ---------------------------------------------------------------------------
# The deliberately naive versions
# ---------------------------------------------------------------------------


def test_naive_versions_agree_for_moderate_inputs():
    z = np.linspace(-30, 30, 13)
    np.testing.assert_allclose(act.naive_sigmoid(z), special.expit(z), rtol=1e-14)
    np.testing.assert_allclose(act.naive_softmax(z), special.softmax(z), rtol=1e-12)


def test_naive_versions_overflow_as_advertised():
    with pytest.warns(RuntimeWarning, match="overflow"):
        act.naive_sigmoid(-1000.0)
    with np.errstate(over="ignore", invalid="ignore"):
        out = act.naive_softmax([1000.0, 1001.0])
    assert np.all(np.isnan(out))
    with np.errstate(over="raise"), pytest.raises(FloatingPointError, match="overflow"):
        act.naive_softmax([1000.0, 1001.0])


# ---------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("func", ELEMENTWISE, ids=lambda f: f.__name__)
def test_bad_z_is_rejected_with_a_message_naming_function_and_argument(func):
    name = func.__name__
    with pytest.raises(TypeError, match=rf"{name}: argument 'z' must be an array of real numbers"):
        func(["a", "b"])
    with pytest.raises(TypeError, match=rf"{name}: argument 'z' must hold real numbers.*bool"):
        func(np.array([True, False]))
    with pytest.raises(TypeError, match=rf"{name}: argument 'z' must hold real numbers.*complex"):
        func(np.array([1 + 2j]))
    with pytest.raises(ValueError, match=rf"{name}: argument 'z' contains NaN or infinity"):
        func([0.0, np.nan])
    with pytest.raises(ValueError, match=rf"{name}: argument 'z' contains NaN or infinity"):
        func(np.inf)


@pytest.mark.parametrize("func", WITH_ALPHA, ids=lambda f: f.__name__)
def test_bad_alpha_is_rejected(func):
    name = func.__name__
    with pytest.raises(ValueError, match=rf"{name}: argument 'alpha' must be finite and >= 0, got -0.1"):
        func([1.0], alpha=-0.1)
    with pytest.raises(ValueError, match=rf"{name}: argument 'alpha'"):
        func([1.0], alpha=np.nan)
    with pytest.raises(TypeError, match=rf"{name}: argument 'alpha' must be a number, got str"):
        func([1.0], alpha="0.1")
    with pytest.raises(TypeError, match=rf"{name}: argument 'alpha' must be a number, got bool"):
        func([1.0], alpha=True)


@pytest.mark.parametrize("func", [act.softmax, act.naive_softmax], ids=lambda f: f.__name__)
def test_softmax_bad_input(func):
    name = func.__name__
    with pytest.raises(ValueError, match=rf"{name}: argument 'z' must have at least 1 dimension"):
        func(1.0)
    with pytest.raises(ValueError, match=rf"{name}: argument 'axis' is 2, but 'z' has only 2 dimension"):
        func(np.zeros((2, 3)), axis=2)
    with pytest.raises(TypeError, match=rf"{name}: argument 'axis' must be an int, got float"):
        func(np.zeros((2, 3)), axis=1.0)
    with pytest.raises(ValueError, match=rf"{name}: argument 'z' contains NaN"):
        func([1.0, np.nan])


def test_softmax_empty_axis_rejected():
    with pytest.raises(ValueError, match=r"softmax: argument 'z' has no entries along axis 1"):
        act.softmax(np.zeros((2, 0)), axis=1)


def test_softmax_jacobian_bad_input():
    msg = r"softmax_jacobian: argument 'z' must have 1 dimension\(s\), got shape \(2, 2\)"
    with pytest.raises(ValueError, match=msg):
        act.softmax_jacobian(np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"softmax_jacobian: argument 'z' must have at least one entry"):
        act.softmax_jacobian(np.zeros(0))
    with pytest.raises(TypeError, match=r"softmax_jacobian: argument 'z'"):
        act.softmax_jacobian("abc")


def test_sigmoid_steep_bad_k():
    with pytest.raises(ValueError, match=r"sigmoid_steep: argument 'k' must be finite and >= 0, got -1.0"):
        act.sigmoid_steep([0.0], -1.0)
    with pytest.raises(TypeError, match=r"sigmoid_steep: argument 'k' must be a number, got list"):
        act.sigmoid_steep([0.0], [1.0])


def test_logistic_fast_is_the_sigmoid_to_an_absolute_1e_16():
    """The tanh form used by training loops against scipy's expit, up to |z| = 1e3 (no overflow)."""
    z = np.concatenate([np.linspace(-40.0, 40.0, 2001), [-1e3, 1e3, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = act.logistic_fast(z)
    np.testing.assert_allclose(out, special.expit(z), rtol=0, atol=4e-16)
