"""Tests for coursekit.losses against scipy.special, closed forms and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import central_diff, readonly
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import special

from coursekit.losses import (
    LOSS_ACTIVATION_PAIRS,
    hinge_loss,
    sigmoid_cross_entropy,
    softmax_cross_entropy,
    softmax_cross_entropy_fast,
    squared_loss,
)

SETTINGS = settings(max_examples=50, deadline=None)


batch = st.integers(1, 6)
classes = st.integers(1, 5)
moderate = st.floats(-20, 20, allow_nan=False)


# ---------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------


def test_table_matches_notes():
    assert dict(LOSS_ACTIVATION_PAIRS) == {
        "squared": "linear",
        "hinge": "linear",
        "NLL": "sigmoid",
        "NLLM": "softmax",
    }
    with pytest.raises(TypeError):
        LOSS_ACTIVATION_PAIRS["squared"] = "relu"  # type: ignore[index]


# ---------------------------------------------------------------------------
# Squared loss
# ---------------------------------------------------------------------------


def test_squared_known_values():
    f = np.array([[1.0, 2.0], [3.0, 4.0]])
    y = np.array([[0.0, 2.0], [1.0, 1.0]])
    # per-sample sums of squares: 1 and 4 + 9 = 13; half mean = 0.5 * 14 / 2
    loss, d = squared_loss(f, y)
    assert loss == pytest.approx(3.5)
    np.testing.assert_allclose(d, (f - y) / 2, rtol=0, atol=0)


def test_squared_one_sample_is_notes_formula():
    loss, d = squared_loss(np.array([3.0]), np.array([1.0]))
    assert loss == pytest.approx(0.5 * (1.0 - 3.0) ** 2)
    np.testing.assert_allclose(d, [2.0])  # dL/df = f - y


@SETTINGS
@given(n=batch, k=st.integers(1, 4), seed=st.integers(0, 2**32 - 1))
def test_squared_gradient_matches_finite_differences(n, k, seed):
    rng = np.random.default_rng(seed)
    f = rng.normal(size=(n, k))
    y = rng.normal(size=(n, k))
    _, d = squared_loss(f, y)
    np.testing.assert_allclose(d, central_diff(lambda p: squared_loss(p, y)[0], f), rtol=1e-6, atol=1e-9)


def test_squared_does_not_mutate_and_returns_float():
    f, y = readonly([[1.0], [2.0]]), readonly([[0.0], [0.0]])
    loss, d = squared_loss(f, y)
    assert type(loss) is float
    assert d.dtype == np.float64 and d.shape == (2, 1)


def test_squared_errors():
    with pytest.raises(ValueError, match=r"squared_loss: arguments 'pred' and 'target' must have the same shape"):
        squared_loss(np.zeros((3, 2)), np.zeros((3,)))
    with pytest.raises(ValueError, match=r"squared_loss: argument 'pred' must have 1 or 2 dimension"):
        squared_loss(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match=r"at least one sample"):
        squared_loss(np.zeros((0, 2)), np.zeros((0, 2)))
    with pytest.raises(ValueError, match=r"NaN or infinity"):
        squared_loss(np.array([np.nan]), np.array([0.0]))


# ---------------------------------------------------------------------------
# Hinge loss
# ---------------------------------------------------------------------------


def test_hinge_known_values():
    z = np.array([2.0, 0.5, -1.0, 1.0])
    y = np.array([1.0, 1.0, 1.0, -1.0])
    # max(0, 1 - yz): 0, 0.5, 2, 2
    loss, d = hinge_loss(z, y)
    assert loss == pytest.approx(4.5 / 4)
    np.testing.assert_allclose(d, [0.0, -0.25, -0.25, 0.25])


def test_hinge_kink_has_zero_subgradient():
    loss, d = hinge_loss(np.array([1.0, -1.0]), np.array([1, -1]))
    assert loss == 0.0
    np.testing.assert_array_equal(d, [0.0, 0.0])


@SETTINGS
@given(n=batch, seed=st.integers(0, 2**32 - 1), column=st.booleans())
def test_hinge_gradient_matches_finite_differences_away_from_kink(n, seed, column):
    rng = np.random.default_rng(seed)
    y = rng.choice([-1.0, 1.0], size=n)
    margins = rng.uniform(-3, 3, size=n)
    margins = np.where(np.abs(margins - 1) < 0.05, margins + 0.2, margins)
    z = margins * y  # y z = margin, kept away from 1
    if column:
        z, y = z[:, None], y[:, None]
    _, d = hinge_loss(z, y)
    assert d.shape == z.shape
    np.testing.assert_allclose(d, central_diff(lambda p: hinge_loss(p, y)[0], z), rtol=1e-6, atol=1e-9)


def test_hinge_errors():
    with pytest.raises(ValueError, match=r"hinge_loss: argument 'labels' must contain only -1 and \+1"):
        hinge_loss(np.zeros(3), np.array([0.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match=r"hinge_loss: argument 'z' must have shape \(N,\) or \(N, 1\)"):
        hinge_loss(np.zeros((3, 2)), np.ones((3, 2)))


# ---------------------------------------------------------------------------
# Binary NLL with a sigmoid
# ---------------------------------------------------------------------------


@SETTINGS
@given(z=hnp.arrays(np.float64, st.integers(1, 8), elements=st.floats(-800, 800)), seed=st.integers(0, 2**32 - 1))
def test_sigmoid_ce_matches_scipy_log_expit(z, seed):
    y = np.random.default_rng(seed).integers(0, 2, size=z.shape).astype(float)
    expected = -np.mean(y * special.log_expit(z) + (1 - y) * special.log_expit(-z))
    loss, d = sigmoid_cross_entropy(z, y)
    assert np.isfinite(loss)
    assert loss == pytest.approx(expected, rel=1e-12, abs=1e-300)
    np.testing.assert_allclose(d, (special.expit(z) - y) / z.size, rtol=1e-12, atol=1e-300)


@SETTINGS
@given(n=batch, seed=st.integers(0, 2**32 - 1))
def test_sigmoid_ce_gradient_matches_finite_differences(n, seed):
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=3, size=(n, 1))
    y = rng.uniform(size=(n, 1))  # soft labels are allowed
    _, d = sigmoid_cross_entropy(z, y)
    np.testing.assert_allclose(d, central_diff(lambda p: sigmoid_cross_entropy(p, y)[0], z), rtol=1e-6, atol=1e-9)


def test_sigmoid_ce_extreme_logits_no_warning():
    z = np.array([1e4, -1e4, 1e300, -1e300])
    y = np.array([1.0, 0.0, 0.0, 1.0])
    loss, d = sigmoid_cross_entropy(z, y)  # RuntimeWarnings are errors in this suite
    assert loss == pytest.approx((1e300 + 1e300) / 4)
    np.testing.assert_allclose(d, [0.0, 0.0, 0.25, -0.25], atol=1e-300)


def test_sigmoid_ce_errors():
    with pytest.raises(ValueError, match=r"sigmoid_cross_entropy: argument 'labels' must lie in \[0, 1\]"):
        sigmoid_cross_entropy(np.zeros(2), np.array([-1.0, 1.0]))
    with pytest.raises(ValueError, match=r"arguments 'logits' and 'labels' must have the same shape"):
        sigmoid_cross_entropy(np.zeros(2), np.zeros(3))


# ---------------------------------------------------------------------------
# Multiclass NLL with a softmax
# ---------------------------------------------------------------------------


def onehot(labels, k):
    return np.eye(k)[labels]


def test_softmax_ce_known_value():
    # two classes, equal logits: -log(1/2)
    loss, d = softmax_cross_entropy(np.zeros((1, 2)), np.array([1]))
    assert loss == pytest.approx(np.log(2.0))
    np.testing.assert_allclose(d, [[0.5, -0.5]])


@SETTINGS
@given(n=batch, k=classes, seed=st.integers(0, 2**32 - 1), scale=st.sampled_from([1.0, 30.0, 1e4]))
def test_softmax_ce_matches_scipy_log_softmax(n, k, seed, scale):
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=scale, size=(n, k))
    labels = rng.integers(0, k, size=n)
    logp = special.log_softmax(z, axis=1)
    loss, d = softmax_cross_entropy(z, labels)
    assert loss == pytest.approx(-np.mean(logp[np.arange(n), labels]), rel=1e-10, abs=1e-12)
    np.testing.assert_allclose(d, (special.softmax(z, axis=1) - onehot(labels, k)) / n, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(d.sum(axis=1), 0.0, atol=1e-15)


@SETTINGS
@given(n=batch, k=st.integers(2, 5), seed=st.integers(0, 2**32 - 1))
def test_softmax_ce_gradient_matches_finite_differences(n, k, seed):
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=2, size=(n, k))
    labels = rng.integers(0, k, size=n)
    _, d = softmax_cross_entropy(z, labels)
    np.testing.assert_allclose(d, central_diff(lambda p: softmax_cross_entropy(p, labels)[0], z), rtol=1e-6, atol=1e-9)


@SETTINGS
@given(n=batch, k=classes, seed=st.integers(0, 2**32 - 1), shift=st.floats(-1e3, 1e3))
def test_softmax_ce_invariant_to_row_shift(n, k, seed, shift):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, k))
    labels = rng.integers(0, k, size=n)
    loss0, d0 = softmax_cross_entropy(z, labels)
    loss1, d1 = softmax_cross_entropy(z + shift, labels)
    assert loss1 == pytest.approx(loss0, rel=1e-9, abs=1e-9)
    np.testing.assert_allclose(d1, d0, atol=1e-12)


@SETTINGS
@given(n=batch, seed=st.integers(0, 2**32 - 1))
def test_two_class_softmax_equals_sigmoid_nll(n, seed):
    """The notes' study question: NLLM with K = 2 is NLL on the logit difference."""
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=3, size=(n, 2))
    labels = rng.integers(0, 2, size=n)
    loss_m, d_m = softmax_cross_entropy(z, labels)
    loss_b, d_b = sigmoid_cross_entropy(z[:, 1] - z[:, 0], labels.astype(float))
    assert loss_m == pytest.approx(loss_b, rel=1e-12)
    np.testing.assert_allclose(d_m[:, 1], d_b, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(d_m[:, 0], -d_b, rtol=1e-10, atol=1e-15)


def test_softmax_ce_huge_logits_no_overflow():
    z = np.array([[1e300, 0.0, -1e300], [1000.0, 1000.0, 1000.0]])
    loss, d = softmax_cross_entropy(z, np.array([0, 2]))
    assert loss == pytest.approx(np.log(3.0) / 2)
    np.testing.assert_allclose(d, [[0.0, 0.0, 0.0], [1 / 6, 1 / 6, -1 / 3]], atol=1e-15)


def test_softmax_ce_single_class_and_inputs_unchanged():
    z = readonly([[5.0], [-2.0]])
    labels = np.array([0, 0])
    labels.setflags(write=False)
    loss, d = softmax_cross_entropy(z, labels)
    assert loss == 0.0 and np.all(d == 0.0)
    assert type(loss) is float


def test_softmax_ce_accepts_lists():
    loss, _ = softmax_cross_entropy([[0.0, 0.0]], [0])
    assert loss == pytest.approx(np.log(2.0))


@pytest.mark.parametrize(
    ("labels", "exc", "pattern"),
    [
        (
            np.array([0.0, 1.0]),
            TypeError,
            r"softmax_cross_entropy: argument 'labels' must be an array of integer",
        ),
        (np.array([True, False]), TypeError, r"integer class indices"),
        (np.array([0, 3]), ValueError, r"argument 'labels' must lie in 0 \.\. 2 for 3 classes"),
        (np.array([-1, 0]), ValueError, r"must lie in 0 \.\. 2"),
        (np.array([0, 1, 2]), ValueError, r"argument 'labels' must have shape \(2,\)"),
        (np.array([[0], [1]]), ValueError, r"must have shape \(2,\)"),
    ],
)
def test_softmax_ce_label_errors(labels, exc, pattern):
    with pytest.raises(exc, match=pattern):
        softmax_cross_entropy(np.zeros((2, 3)), labels)


def test_softmax_ce_logit_errors():
    with pytest.raises(ValueError, match=r"softmax_cross_entropy: argument 'logits' must have 2 dimension"):
        softmax_cross_entropy(np.zeros(3), np.array([0, 1, 2]))
    with pytest.raises(TypeError, match=r"argument 'logits' must hold real numbers"):
        softmax_cross_entropy(np.zeros((1, 2), dtype=complex), np.array([0]))
    with pytest.raises(ValueError, match=r"at least one class"):
        softmax_cross_entropy(np.zeros((2, 0)), np.array([0, 0]))


@pytest.mark.parametrize("fn", [softmax_cross_entropy, softmax_cross_entropy_fast])
def test_softmax_ce_and_its_fast_form_match_scipy(fn):
    """Both forms (the exercise's reference, and the one the training loops use) against scipy's log_softmax."""
    rng = np.random.default_rng(7)
    z = rng.normal(scale=30.0, size=(50, 7))
    labels = rng.integers(0, 7, size=50)
    log_p = special.log_softmax(z, axis=1)
    loss, dz = fn(z, labels)
    np.testing.assert_allclose(loss, -np.mean(log_p[np.arange(50), labels]), rtol=1e-13)
    np.testing.assert_allclose(dz, (np.exp(log_p) - np.eye(7)[labels]) / 50, rtol=1e-12, atol=1e-17)
    with pytest.raises(ValueError, match=r"softmax_cross_entropy: argument 'labels' must lie in 0 \.\. 6"):
        fn(z, labels + 7)
