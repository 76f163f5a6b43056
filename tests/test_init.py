"""Tests for coursekit.init: initialiser statistics against their closed forms, activation_stats
against direct definitions (scipy.special.expit, derivatives written out), and input checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import special, stats

from coursekit.init import (
    SATURATION_THRESHOLD,
    activation_stats,
    constant_init,
    glorot_normal,
    glorot_uniform,
    he_normal,
    lecun_normal,
    normal_init,
    preactivations,
)

NORMAL_INITS = {
    "lecun_normal": (lecun_normal, lambda i, o: math.sqrt(1.0 / i)),
    "glorot_normal": (glorot_normal, lambda i, o: math.sqrt(2.0 / (i + o))),
    "he_normal": (he_normal, lambda i, o: math.sqrt(2.0 / i)),
}
ALL_INITS = [lecun_normal, glorot_normal, glorot_uniform, he_normal]
fans = st.integers(min_value=1, max_value=40)


# ----------------------------------------------------------------------------- constant / normal


def test_constant_init_fills_shape_with_value():
    W = constant_init((3, 4), 0.25)
    assert W.shape == (3, 4) and W.dtype == np.float64
    assert np.all(W == 0.25)
    assert constant_init(5, -1).tolist() == [-1.0] * 5


def test_constant_init_rejects_bad_shape_and_value():
    with pytest.raises(ValueError, match=r"constant_init: argument 'shape' must be a positive integer"):
        constant_init((0, 3), 1.0)
    with pytest.raises(TypeError, match=r"constant_init: argument 'shape' must be a tuple"):
        constant_init("3x4", 1.0)
    with pytest.raises(TypeError, match=r"constant_init: argument 'shape'"):
        constant_init((3, 2.5), 1.0)
    with pytest.raises(ValueError, match=r"constant_init: argument 'value' contains NaN"):
        constant_init((2, 2), float("nan"))


def test_normal_init_sample_std_matches():
    W = normal_init((400, 500), 0.3, np.random.default_rng(0))
    assert W.shape == (400, 500) and W.dtype == np.float64
    assert abs(W.std() / 0.3 - 1) < 0.01  # 200 000 samples: relative s.e. of std about 0.16 %
    assert abs(W.mean()) < 4 * 0.3 / math.sqrt(W.size)
    assert stats.kstest(W.ravel()[:20000], stats.norm(0.0, 0.3).cdf).pvalue > 1e-3


def test_normal_init_std_zero_and_reproducible():
    assert np.all(normal_init((2, 3), 0.0, np.random.default_rng(1)) == 0.0)
    a = normal_init((4, 5), 1.0, np.random.default_rng(7))
    b = normal_init((4, 5), 1.0, np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)


def test_normal_init_rejects_bad_std_and_rng():
    with pytest.raises(ValueError, match=r"normal_init: argument 'std' must be finite and >= 0"):
        normal_init((2, 2), -1.0, np.random.default_rng(0))
    with pytest.raises(TypeError, match=r"normal_init: argument 'rng' must be a numpy.random.Generator"):
        normal_init((2, 2), 1.0, 42)


# ----------------------------------------------------------------------------- fan-based initialisers


@pytest.mark.parametrize("name", sorted(NORMAL_INITS))
@pytest.mark.parametrize(("fan_in", "fan_out"), [(300, 600), (800, 100)])
def test_normal_initialisers_have_the_documented_std(name, fan_in, fan_out):
    init, expected_std = NORMAL_INITS[name]
    W = init(fan_in, fan_out, np.random.default_rng(3))
    s = expected_std(fan_in, fan_out)
    assert W.shape == (fan_in, fan_out) and W.dtype == np.float64
    assert abs(W.std() / s - 1) < 0.02, f"{name}: sample std {W.std():.5f}, expected {s:.5f}"
    assert abs(W.mean()) < 4 * s / math.sqrt(W.size)
    assert stats.kstest(W.ravel()[:20000], stats.norm(0.0, s).cdf).pvalue > 1e-3


def test_lecun_normal_is_variance_one_over_fan_in_not_std():
    # The notes' slip: std 1/m would give a sample std near 1/400, not 1/20.
    W = lecun_normal(400, 400, np.random.default_rng(5))
    assert abs(W.var() * 400 - 1) < 0.02


@pytest.mark.parametrize(("fan_in", "fan_out"), [(300, 600), (50, 50)])
def test_glorot_uniform_bounds_and_variance(fan_in, fan_out):
    W = glorot_uniform(fan_in, fan_out, np.random.default_rng(11))
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    assert W.shape == (fan_in, fan_out) and W.dtype == np.float64
    assert np.all(W >= -limit) and np.all(W < limit)
    assert W.max() > 0.99 * limit and W.min() < -0.99 * limit
    assert abs(W.var() / (2.0 / (fan_in + fan_out)) - 1) < 0.05
    assert stats.kstest(W.ravel(), stats.uniform(-limit, 2 * limit).cdf).pvalue > 1e-3


@settings(max_examples=50, deadline=None)
@given(fan_in=fans, fan_out=fans, seed=st.integers(0, 2**32 - 1))
def test_initialisers_shape_dtype_and_reproducibility(fan_in, fan_out, seed):
    for init in ALL_INITS:
        a = init(fan_in, fan_out, np.random.default_rng(seed))
        b = init(fan_in, fan_out, np.random.default_rng(seed))
        assert a.shape == (fan_in, fan_out) and a.dtype == np.float64
        np.testing.assert_array_equal(a, b)
        assert np.all(np.isfinite(a))


@pytest.mark.parametrize("init", ALL_INITS)
def test_initialisers_reject_bad_fans_and_rng(init):
    name = init.__name__
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=rf"{name}: argument 'fan_in' must be a positive integer \(>= 1\)"):
        init(0, 3, rng)
    with pytest.raises(TypeError, match=rf"{name}: argument 'fan_out' must be a positive integer, got float"):
        init(3, 2.0, rng)
    with pytest.raises(TypeError, match=rf"{name}: argument 'fan_in' must be a positive integer, got bool"):
        init(True, 3, rng)
    with pytest.raises(TypeError, match=rf"{name}: argument 'rng' must be a numpy.random.Generator"):
        init(3, 3, np.random.RandomState(0))


def test_initialisers_accept_numpy_integers():
    W = he_normal(np.int64(4), np.int32(2), np.random.default_rng(0))
    assert W.shape == (4, 2)


# ----------------------------------------------------------------------------- activation_stats


def _column(z):
    """A batch whose single pre-activation column is exactly z (weights = [[1.0]])."""
    return np.asarray(z, dtype=float).reshape(-1, 1), [np.ones((1, 1))]


Z_GRID = np.linspace(-8.0, 8.0, 1601)


def test_linear_identity_stack_reports_input_statistics():
    X = np.random.default_rng(0).normal(2.0, 3.0, size=(200, 5))
    out = activation_stats(X, [np.eye(5)] * 3, "linear")
    assert len(out) == 3
    for d in out:
        assert set(d) == {"mean", "std", "saturated", "z_std"}
        assert all(isinstance(v, float) for v in d.values())
        np.testing.assert_allclose(d["mean"], X.mean(), rtol=1e-12)
        np.testing.assert_allclose(d["std"], X.std(), rtol=1e-12)
        np.testing.assert_allclose(d["z_std"], X.std(), rtol=1e-12)
        assert d["saturated"] == 0.0


def test_linear_scaled_stack_grows_geometrically():
    X = np.random.default_rng(1).standard_normal((100, 4))
    out = activation_stats(X, [2.0 * np.eye(4)] * 4, "linear")
    np.testing.assert_allclose([d["z_std"] for d in out], X.std() * 2.0 ** np.arange(1, 5), rtol=1e-12)


def test_tanh_saturation_matches_derivative_definition():
    X, Ws = _column(Z_GRID)
    d = activation_stats(X, Ws, "tanh")[0]
    slope = 1.0 - np.tanh(Z_GRID) ** 2  # max 1 at z = 0
    assert d["saturated"] == np.mean(slope < SATURATION_THRESHOLD * 1.0)
    np.testing.assert_allclose(d["mean"], np.tanh(Z_GRID).mean(), atol=1e-15)
    np.testing.assert_allclose(d["std"], np.tanh(Z_GRID).std(), rtol=1e-12)
    np.testing.assert_allclose(d["z_std"], Z_GRID.std(), rtol=1e-12)


def test_sigmoid_saturation_and_values_match_scipy():
    X, Ws = _column(Z_GRID)
    d = activation_stats(X, Ws, "sigmoid")[0]
    s = special.expit(Z_GRID)
    assert d["saturated"] == np.mean(s * (1 - s) < SATURATION_THRESHOLD * 0.25)
    np.testing.assert_allclose(d["mean"], s.mean(), rtol=1e-12)
    np.testing.assert_allclose(d["std"], s.std(), rtol=1e-12)


def test_saturation_thresholds_in_closed_form():
    # |z| = 4.3 is not saturated for the sigmoid, 4.4 is; for tanh the edge is about 2.178.
    for z, sig, tnh in [(4.3, 0.0, 1.0), (4.4, 1.0, 1.0), (2.17, 0.0, 0.0), (2.19, 0.0, 1.0)]:
        for sign in (1.0, -1.0):
            X, Ws = _column([sign * z])
            assert activation_stats(X, Ws, "sigmoid")[0]["saturated"] == sig
            assert activation_stats(X, Ws, "tanh")[0]["saturated"] == tnh


def test_relu_saturated_fraction_counts_dead_units_including_zero():
    z = np.array([-2.0, -0.0, 0.0, 1e-300, 3.0, -1e-9])
    X, Ws = _column(z)
    d = activation_stats(X, Ws, "relu")[0]
    relu = np.maximum(z, 0.0)
    assert d["saturated"] == np.mean(relu == 0.0) == 4 / 6
    np.testing.assert_allclose(d["mean"], relu.mean(), rtol=1e-12)


def test_callable_activation_agrees_with_named_one():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((300, 50))
    Ws = [normal_init((50, 50), 0.5, rng) for _ in range(3)]
    named = activation_stats(X, Ws, "tanh")
    given_fn = activation_stats(X, Ws, np.tanh)
    for a, b in zip(named, given_fn, strict=True):
        np.testing.assert_allclose(a["mean"], b["mean"], rtol=1e-12)
        np.testing.assert_allclose(a["std"], b["std"], rtol=1e-12)
        assert abs(a["saturated"] - b["saturated"]) < 1e-3  # only points within ~1e-4 of the edge may differ
    linear = activation_stats(X, Ws, lambda z: 3.0 * z)
    assert all(d["saturated"] == 0.0 for d in linear)


def test_unit_variance_weights_saturate_tanh_but_lecun_does_not():
    # The notes' argument: N(0, 1) weights and 400 inputs make |z| about 20, deep in saturation.
    rng = np.random.default_rng(4)
    X = rng.choice([-1.0, 1.0], size=(200, 400))
    big = activation_stats(X, [normal_init((400, 400), 1.0, rng) for _ in range(3)], "tanh")
    small = activation_stats(X, [lecun_normal(400, 400, rng) for _ in range(3)], "tanh")
    assert abs(big[0]["z_std"] / 20.0 - 1) < 0.05
    assert all(d["saturated"] > 0.8 for d in big)
    assert all(d["saturated"] < 0.1 for d in small)


def test_he_keeps_relu_second_moment_and_lecun_halves_it():
    # For ReLU, E[relu(z)^2] = Var[z]/2, so variance 2/fan_in keeps Var[z] layer after layer.
    rng = np.random.default_rng(6)
    n, depth = 300, 6
    X = rng.standard_normal((300, n))
    he = activation_stats(X, [he_normal(n, n, rng) for _ in range(depth)], "relu")
    lecun = activation_stats(X, [lecun_normal(n, n, rng) for _ in range(depth)], "relu")
    he_std = np.array([d["z_std"] for d in he])
    lecun_std = np.array([d["z_std"] for d in lecun])
    # The input X is not a ReLU output, so layer 1 has Var[z] = 2; He keeps that from then on.
    assert np.all(np.abs(he_std / math.sqrt(2.0) - 1.0) < 0.25)
    np.testing.assert_allclose(lecun_std[-1] / lecun_std[0], 2.0 ** (-(depth - 1) / 2), rtol=0.25)
    assert all(abs(d["saturated"] - 0.5) < 0.1 for d in he)  # about half the units are dead


def test_activation_stats_no_warning_for_huge_preactivations():
    z = np.array([-1e300, -1e3, 0.0, 1e3, 1e300])
    X, Ws = _column(z)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        for name in ("sigmoid", "tanh", "relu", "linear", np.tanh):
            d = activation_stats(X, Ws, name)[0]
            assert all(np.isfinite(v) for v in d.values())
        lin = activation_stats(X, Ws, "linear")[0]
    # closed form: mean 0, mean square 2e600/5 (+ 2e6/5, negligible), so std = 1e300 * sqrt(2/5)
    np.testing.assert_allclose(lin["z_std"], 1e300 * math.sqrt(0.4), rtol=1e-12)
    np.testing.assert_allclose(lin["mean"], 0.0, atol=1e-12)
    assert activation_stats(X, Ws, "sigmoid")[0]["saturated"] == 0.8
    np.testing.assert_allclose(activation_stats(X, Ws, "sigmoid")[0]["mean"], 0.5, atol=1e-15)


def test_activation_stats_overflowing_stack_reports_inf_without_warning():
    X = np.ones((2, 2))
    Ws = [np.full((2, 2), 1e200)] * 3
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        out = activation_stats(X, Ws, "linear")
    assert np.isfinite(out[0]["mean"]) and not np.isfinite(out[-1]["z_std"])


@settings(max_examples=50, deadline=None)
@given(
    X=hnp.arrays(
        np.float64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=6), elements=st.floats(-1e3, 1e3, allow_nan=False)
    ),
    width=st.integers(1, 5),
    depth=st.integers(1, 4),
    name=st.sampled_from(["sigmoid", "tanh", "relu", "linear"]),
)
def test_activation_stats_properties_and_no_mutation(X, width, depth, name):
    rng = np.random.default_rng(0)
    shapes = [(X.shape[1], width)] + [(width, width)] * (depth - 1)
    Ws = [rng.standard_normal(shape) for shape in shapes]
    X0, W0 = X.copy(), [W.copy() for W in Ws]
    out = activation_stats(X, Ws, name)
    assert len(out) == depth
    for d in out:
        assert 0.0 <= d["saturated"] <= 1.0
        assert d["std"] >= 0.0 and d["z_std"] >= 0.0
        if name == "sigmoid":
            assert 0.0 <= d["mean"] <= 1.0
        if name == "tanh":
            assert -1.0 <= d["mean"] <= 1.0
    np.testing.assert_array_equal(X, X0)
    for W, W_before in zip(Ws, W0, strict=True):
        np.testing.assert_array_equal(W, W_before)


def test_activation_stats_error_messages():
    X = np.zeros((4, 3))
    with pytest.raises(ValueError, match=r"weights\[1\] has shape \(4, 2\) but weights\[0\] has 5 columns"):
        activation_stats(X, [np.zeros((3, 5)), np.zeros((4, 2))], "tanh")
    with pytest.raises(ValueError, match=r"weights\[0\] has shape \(2, 2\) but X has 3 columns"):
        activation_stats(X, [np.zeros((2, 2))], "tanh")
    with pytest.raises(ValueError, match=r"must contain at least one weight matrix"):
        activation_stats(X, [], "tanh")
    with pytest.raises(TypeError, match=r"argument 'weights' must be a list of 2-D weight matrices"):
        activation_stats(X, np.zeros((3, 3)), "tanh")
    with pytest.raises(ValueError, match=r"argument 'activation' must be one of 'sigmoid', 'tanh'"):
        activation_stats(X, [np.zeros((3, 3))], "softplus")
    with pytest.raises(TypeError, match=r"argument 'activation' must be a name"):
        activation_stats(X, [np.zeros((3, 3))], 3)
    with pytest.raises(ValueError, match=r"argument 'X' must have 2 dimension"):
        activation_stats(np.zeros(3), [np.zeros((3, 3))], "tanh")
    with pytest.raises(ValueError, match=r"must act elementwise"):
        activation_stats(X, [np.zeros((3, 3))], lambda z: z.sum(axis=-1))


# ----------------------------------------------------------------------------- preactivations


@pytest.mark.parametrize(
    ("name", "f"),
    [
        ("sigmoid", special.expit),
        ("tanh", np.tanh),
        ("relu", lambda z: np.where(z > 0, z, 0.0)),
        ("linear", lambda z: z),
    ],
)
def test_preactivations_match_a_direct_forward_pass(name, f):
    rng = np.random.default_rng(8)
    X = rng.standard_normal((7, 4))
    Ws = [rng.standard_normal((4, 6)), rng.standard_normal((6, 3)), rng.standard_normal((3, 2))]
    X0, W0 = X.copy(), [W.copy() for W in Ws]
    Zs = preactivations(X, Ws, name)
    expected, A = [], X
    for W in Ws:
        expected.append(np.einsum("ni,ij->nj", A, W))
        A = f(expected[-1])
    assert [Z.shape for Z in Zs] == [(7, 6), (7, 3), (7, 2)]
    for Z, E in zip(Zs, expected, strict=True):
        np.testing.assert_allclose(Z, E, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(X, X0)
    for W, W_before in zip(Ws, W0, strict=True):
        np.testing.assert_array_equal(W, W_before)
    # the pre-activations are what activation_stats summarises
    stats = activation_stats(X, Ws, name)
    np.testing.assert_allclose([d["z_std"] for d in stats], [E.std() for E in expected], rtol=1e-12)


def test_preactivations_callable_and_error_messages():
    X = np.ones((3, 2))
    Zs = preactivations(X, [np.eye(2), 2.0 * np.eye(2)], lambda z: z**2)
    np.testing.assert_array_equal(Zs[1], np.full((3, 2), 2.0))
    with pytest.raises(ValueError, match=r"preactivations: weights\[0\] has shape \(3, 3\) but X has 2 columns"):
        preactivations(X, [np.eye(3)], "tanh")
    with pytest.raises(ValueError, match=r"preactivations: argument 'activation' must be one of"):
        preactivations(X, [np.eye(2)], "gelu")
