"""Tests for coursekit.regularisation: finite differences for the backward passes and for weight
decay, statistical checks of dropout and input noise with fixed seeds, hand-made validation curves
for early stopping, closed forms for batch normalisation, purity and input checks; for the digits
experiments, scikit-learn's own loader, a hand-written forward pass and finite differences of the
training network's gradients."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from coursekit.datasets import load_digits_split
from coursekit.regularisation import (
    add_input_noise,
    batchnorm_backward,
    batchnorm_forward,
    dropout_backward,
    dropout_forward,
    early_stopping,
    weight_decay_step,
)
from coursekit.regularised_training import MLPWeights, _Net, mlp_logits, train_mlp

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


def _central_diff(f, x, h=1e-6):
    """Gradient of the scalar f at x by central differences (x is not modified)."""
    x = np.array(x, dtype=float)
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = h
        g.flat[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def _rel_err(a, b):
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(a) + np.abs(b)), 1e-300))


# ----------------------------------------------------------------------------- weight decay


def test_weight_decay_is_a_gradient_step_on_the_penalised_loss():
    rng = np.random.default_rng(0)
    A, b = rng.standard_normal((8, 3)), rng.standard_normal(8)
    w = rng.standard_normal(3)
    lr, lam = 0.05, 0.3

    def loss(v):
        return 0.5 * np.sum((A @ v - b) ** 2)

    def penalised(v):
        return loss(v) + lam * np.sum(v**2)

    step = weight_decay_step(w, _central_diff(loss, w), lr, lam)
    np.testing.assert_allclose(step, w - lr * _central_diff(penalised, w), rtol=1e-7)


def test_weight_decay_closed_forms():
    w, dw = np.array([1.0, -2.0]), np.array([0.5, 0.0])
    np.testing.assert_allclose(weight_decay_step(w, dw, 0.1, 0.0), w - 0.1 * dw, rtol=1e-15)
    np.testing.assert_allclose(weight_decay_step(w, np.zeros(2), 0.1, 0.5), 0.9 * w, rtol=1e-15)
    # lam * lr = 1/2 wipes the weights out before the gradient step
    np.testing.assert_allclose(weight_decay_step(w, dw, 0.5, 1.0), -0.5 * dw, atol=1e-15)


def test_weight_decay_errors():
    with pytest.raises(ValueError, match=r"weight_decay_step: argument 'lam' must be finite and >= 0"):
        weight_decay_step([1.0], [1.0], 0.1, -0.1)
    with pytest.raises(ValueError, match=r"weight_decay_step: argument 'lr' must be finite and > 0"):
        weight_decay_step([1.0], [1.0], 0.0, 0.1)
    with pytest.raises(ValueError, match=r"argument 'dw' must have the shape of 'w', \(2,\), got shape"):
        weight_decay_step([1.0, 2.0], [1.0], 0.1, 0.1)


# ----------------------------------------------------------------------------- input noise


def test_input_noise_statistics():
    X = np.tile(np.array([[1.0, -2.0, 5.0]]), (100_000, 1))
    noisy = add_input_noise(X, 0.3, np.random.default_rng(1))
    noise = noisy - X
    assert noisy.shape == X.shape and noisy.dtype == np.float64
    np.testing.assert_allclose(noise.mean(axis=0), 0.0, atol=5 * 0.3 / math.sqrt(1e5))
    np.testing.assert_allclose(noise.std(axis=0), 0.3, rtol=0.01)
    np.testing.assert_allclose(np.corrcoef(noise.T), np.eye(3), atol=0.02)  # independent columns
    np.testing.assert_array_equal(X[0], [1.0, -2.0, 5.0])


def test_input_noise_zero_std_is_identity_and_fresh_each_call():
    X = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(add_input_noise(X, 0.0, np.random.default_rng(0)), X)
    rng = np.random.default_rng(2)
    assert not np.array_equal(add_input_noise(X, 1.0, rng), add_input_noise(X, 1.0, rng))


def test_input_noise_errors():
    with pytest.raises(ValueError, match=r"add_input_noise: argument 'std' must be finite and >= 0"):
        add_input_noise(np.zeros(3), -1.0, np.random.default_rng(0))
    with pytest.raises(TypeError, match=r"add_input_noise: argument 'rng' must be a numpy.random"):
        add_input_noise(np.zeros(3), 1.0, 0)


# ----------------------------------------------------------------------------- early stopping


@pytest.mark.parametrize(
    ("losses", "patience", "expected"),
    [
        ([5, 4, 3, 3.5, 3.2, 3.1, 2.0], 3, (2, 5)),  # the docstring's example
        ([5, 4, 3, 3.5, 3.2, 3.1, 2.0], 4, (6, 6)),  # more patience finds the later minimum
        ([3.0, 2.0, 1.0, 0.5], 1, (3, 3)),  # always improving: never triggered
        ([1.0, 2.0, 3.0, 4.0], 1, (0, 1)),  # worse at once, patience 1
        ([1.0, 2.0, 3.0, 4.0], 2, (0, 2)),
        ([2.0, 1.0, 1.0, 1.0, 1.0], 3, (1, 4)),  # ties are not improvements
        ([2.0, 1.0, 1.0, 1.0, 1.0], 4, (1, 4)),  # not triggered, ends with the last epoch
        ([7.0], 5, (0, 0)),
        ([1.0, 1.5, 0.9, 1.2, 1.3, 0.1], 2, (2, 4)),  # a later, better minimum is never seen
        ([1.0, 1.5, 0.9, 1.2, 1.3, 0.1], 3, (5, 5)),
    ],
)
def test_early_stopping_on_hand_made_curves(losses, patience, expected):
    best, stop = early_stopping(losses, patience)
    assert (best, stop) == expected
    assert isinstance(best, int) and isinstance(stop, int)


def test_early_stopping_on_u_shaped_curve():
    epochs = np.arange(100)
    val = (epochs - 40.0) ** 2 / 100 + 1.0  # minimum at epoch 40
    assert early_stopping(val, 10) == (40, 50)
    assert early_stopping(val, 60) == (40, 99)


@settings(max_examples=80, deadline=None)
@given(losses=st.lists(st.floats(0, 10), min_size=1, max_size=30), patience=st.integers(1, 8))
def test_early_stopping_properties(losses, patience):
    best, stop = early_stopping(losses, patience)
    assert 0 <= best <= stop <= len(losses) - 1
    seen = losses[: stop + 1]
    assert best == seen.index(min(seen))  # earliest minimum of what was seen
    if stop < len(losses) - 1:
        assert stop - best == patience
    else:
        assert stop - best <= patience


def test_early_stopping_errors():
    with pytest.raises(ValueError, match=r"argument 'patience' must be a positive integer \(>= 1\), got 0"):
        early_stopping([1.0, 2.0], 0)
    with pytest.raises(TypeError, match=r"argument 'patience' must be a positive integer, got float"):
        early_stopping([1.0, 2.0], 2.0)
    with pytest.raises(ValueError, match=r"argument 'val_losses' must hold at least one loss"):
        early_stopping([], 2)
    with pytest.raises(ValueError, match=r"argument 'val_losses' contains NaN"):
        early_stopping([1.0, float("nan")], 2)
    with pytest.raises(ValueError, match=r"argument 'val_losses' must have 1 dimension"):
        early_stopping([[1.0, 2.0]], 2)


# ----------------------------------------------------------------------------- dropout


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_drops_a_fraction_p_and_keeps_the_mean(p):
    a = np.full((1000, 500), 2.0)
    out, mask = dropout_forward(a, p, np.random.default_rng(3))
    n = a.size
    dropped = np.mean(mask == 0)
    assert abs(dropped - p) < 5 * math.sqrt(p * (1 - p) / n)
    assert set(np.unique(mask)) <= {0.0, 1.0 / (1.0 - p)}
    np.testing.assert_allclose(out, a * mask, rtol=1e-15)
    # E[out] = a under inverted dropout: out/2 is Bernoulli(1-p)/(1-p), of std sqrt(p/(1-p)) per entry.
    assert abs(out.mean() - 2.0) < 5 * 2.0 * math.sqrt(p / (1 - p) / n)
    np.testing.assert_array_equal(a, 2.0)


def test_dropout_p_zero_and_test_mode_are_identity():
    a = np.random.default_rng(4).standard_normal((3, 4))
    out, mask = dropout_forward(a, 0.0, np.random.default_rng(0))
    np.testing.assert_array_equal(out, a)
    np.testing.assert_array_equal(mask, np.ones_like(a))
    for rng in (None, np.random.default_rng(0)):
        out, mask = dropout_forward(a, 0.7, rng, train=False)
        np.testing.assert_array_equal(out, a)
        np.testing.assert_array_equal(mask, np.ones_like(a))
        assert not np.shares_memory(out, a)


def test_dropout_mask_is_documented_draw():
    # kept units are rng.random(a.shape) >= p, so a student with the same seed gets the same mask
    a = np.ones((4, 6))
    _, mask = dropout_forward(a, 0.3, np.random.default_rng(9))
    keep = np.random.default_rng(9).random(a.shape) >= 0.3
    np.testing.assert_array_equal(mask, keep / 0.7)


def test_dropout_backward_matches_finite_differences_with_fixed_mask():
    rng = np.random.default_rng(5)
    a = rng.standard_normal((5, 4))
    upstream = rng.standard_normal((5, 4))
    seed, p = 11, 0.4

    def loss(x):  # the same seed each call: the mask is fixed
        return np.sum(upstream * dropout_forward(x, p, np.random.default_rng(seed))[0])

    _, mask = dropout_forward(a, p, np.random.default_rng(seed))
    da = dropout_backward(upstream, mask)
    assert _rel_err(da, _central_diff(loss, a)) < 1e-8
    assert np.all(da[mask == 0] == 0.0)


@settings(max_examples=50, deadline=None)
@given(
    a=hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=5), elements=finite),
    p=st.floats(0.0, 0.95),
    train=st.booleans(),
)
def test_dropout_is_pure_and_keeps_shape(a, p, train):
    a0 = a.copy()
    out, mask = dropout_forward(a, p, np.random.default_rng(0), train=train)
    assert out.shape == mask.shape == a.shape
    np.testing.assert_array_equal(a, a0)
    dout = np.ones_like(a)
    da = dropout_backward(dout, mask)
    np.testing.assert_array_equal(da, mask)
    np.testing.assert_array_equal(dout, 1.0)


def test_dropout_errors():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"dropout_forward: argument 'p' is the probability of dropping"):
        dropout_forward(np.ones(3), 1.0, rng)
    with pytest.raises(ValueError, match=r"dropout_forward: argument 'p' must lie in \[0, 1\)"):
        dropout_forward(np.ones(3), -0.1, rng)
    with pytest.raises(TypeError, match=r"dropout_forward: argument 'rng' must be a numpy.random.Generator"):
        dropout_forward(np.ones(3), 0.5, None)
    with pytest.raises(TypeError, match=r"dropout_forward: argument 'train' must be True or False"):
        dropout_forward(np.ones(3), 0.5, rng, train="no")
    with pytest.raises(ValueError, match=r"dropout_backward: argument 'mask' must have the shape of 'dout'"):
        dropout_backward(np.ones((2, 3)), np.ones((3, 2)))


# ----------------------------------------------------------------------------- batch normalisation


def test_batchnorm_forward_statistics_closed_form():
    rng = np.random.default_rng(6)
    z = rng.normal([1.0, -3.0, 10.0], [0.5, 2.0, 0.01], size=(64, 3))
    gamma, beta, eps = np.array([2.0, 0.5, 1.0]), np.array([0.1, -1.0, 3.0]), 1e-5
    out, _ = batchnorm_forward(z, gamma, beta, eps)
    var = np.var(z, axis=0)  # ddof=0: the biased variance
    np.testing.assert_allclose(out.mean(axis=0), beta, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), np.abs(gamma) * np.sqrt(var / (var + eps)), rtol=1e-10)
    np.testing.assert_allclose(out, gamma * (z - z.mean(0)) / np.sqrt(var + eps) + beta, rtol=1e-12)


def test_batchnorm_forward_hand_computed():
    z = np.array([[1.0, 0.0], [3.0, 0.0]])  # column 0: mean 2, var 1; column 1 constant
    out, (z_bar, g, std) = batchnorm_forward(z, np.ones(2), np.zeros(2), eps=1e-5)
    np.testing.assert_allclose(std, [math.sqrt(1 + 1e-5), math.sqrt(1e-5)], rtol=1e-15)
    np.testing.assert_allclose(out[:, 0], [-1 / math.sqrt(1 + 1e-5), 1 / math.sqrt(1 + 1e-5)], rtol=1e-15)
    np.testing.assert_array_equal(out[:, 1], [0.0, 0.0])  # a constant column becomes beta, no 0/0
    np.testing.assert_array_equal(z_bar, out)
    np.testing.assert_array_equal(g, np.ones(2))


def test_batchnorm_single_sample_gives_beta():
    out, _ = batchnorm_forward(np.array([[5.0, -7.0]]), np.array([3.0, 3.0]), np.array([0.5, 0.25]))
    np.testing.assert_array_equal(out, [[0.5, 0.25]])


@settings(max_examples=50, deadline=None)
@given(
    z=hnp.arrays(np.float64, st.tuples(st.integers(2, 8), st.integers(1, 4)), elements=st.floats(-10, 10)),
    scale=st.floats(0.5, 5.0),
    shift=st.floats(-10, 10),
)
def test_batchnorm_invariant_to_shift_and_scale_of_a_column(z, scale, shift):
    # with eps -> 0 the output ignores an affine change of each column (up to the eps term)
    gamma, beta = np.ones(z.shape[1]), np.zeros(z.shape[1])
    z0 = z.copy()
    out1, _ = batchnorm_forward(z, gamma, beta, eps=1e-12)
    out2, _ = batchnorm_forward(scale * z + shift, gamma, beta, eps=1e-12)
    np.testing.assert_array_equal(z, z0)
    spread = z.std(axis=0)
    keep = spread > 1e-3  # columns that are (nearly) constant are dominated by eps
    np.testing.assert_allclose(out1[:, keep], out2[:, keep], atol=1e-6)


@pytest.mark.parametrize(("N", "n", "seed"), [(2, 1, 0), (5, 3, 1), (8, 2, 2), (16, 4, 3)])
def test_batchnorm_backward_matches_finite_differences(N, n, seed):
    rng = np.random.default_rng(seed)
    z = rng.normal(1.0, 2.0, size=(N, n))
    gamma, beta = rng.normal(1.0, 0.5, size=n), rng.standard_normal(n)
    upstream = rng.standard_normal((N, n))

    def loss(z_, gamma_, beta_):
        return np.sum(upstream * batchnorm_forward(z_, gamma_, beta_)[0])

    _, cache = batchnorm_forward(z, gamma, beta)
    dz, dgamma, dbeta = batchnorm_backward(upstream, cache)
    assert dz.shape == (N, n) and dgamma.shape == (n,) and dbeta.shape == (n,)
    assert _rel_err(dz, _central_diff(lambda x: loss(x, gamma, beta), z)) < 1e-6
    assert _rel_err(dgamma, _central_diff(lambda x: loss(z, x, beta), gamma)) < 1e-7
    assert _rel_err(dbeta, _central_diff(lambda x: loss(z, gamma, x), beta)) < 1e-7


def test_batchnorm_backward_is_not_the_naive_elementwise_gradient():
    # Ignoring the mean and variance paths gives gamma * dout / std, which is wrong: the full
    # gradient of each column sums to zero and is orthogonal to z_bar (exactly so as eps -> 0,
    # since then sum_k z_bar_k^2 = N).
    rng = np.random.default_rng(7)
    z, upstream = rng.standard_normal((6, 3)), rng.standard_normal((6, 3))
    gamma = np.array([1.5, -0.5, 2.0])
    _, cache = batchnorm_forward(z, gamma, np.zeros(3), eps=1e-12)
    dz, _, _ = batchnorm_backward(upstream, cache)
    z_bar, _, std = cache
    np.testing.assert_allclose(dz.sum(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(np.sum(dz * z_bar, axis=0), 0.0, atol=1e-9)  # residual of order eps
    assert not np.allclose(dz, gamma * upstream / std)


def test_batchnorm_backward_does_not_mutate():
    rng = np.random.default_rng(8)
    z, upstream = rng.standard_normal((4, 2)), rng.standard_normal((4, 2))
    gamma, beta = np.array([1.0, 2.0]), np.array([0.0, 1.0])
    out, cache = batchnorm_forward(z, gamma, beta)
    copies = [np.copy(c) for c in cache]
    up0 = upstream.copy()
    batchnorm_backward(upstream, cache)
    for c, c0 in zip(cache, copies, strict=True):
        np.testing.assert_array_equal(c, c0)
    np.testing.assert_array_equal(upstream, up0)
    gamma[0] = 99.0  # the cache holds its own copy of gamma
    assert cache[1][0] == 1.0


def test_batchnorm_errors():
    z = np.zeros((4, 3))
    with pytest.raises(ValueError, match=r"batchnorm_forward: argument 'gamma' must have shape \(3,\)"):
        batchnorm_forward(z, np.ones(2), np.zeros(3))
    with pytest.raises(ValueError, match=r"batchnorm_forward: argument 'z' must have 2 dimension"):
        batchnorm_forward(np.zeros(3), np.ones(3), np.zeros(3))
    with pytest.raises(ValueError, match=r"batchnorm_forward: argument 'eps' must be finite and > 0"):
        batchnorm_forward(z, np.ones(3), np.zeros(3), eps=0.0)
    with pytest.raises(ValueError, match=r"must hold at least one sample"):
        batchnorm_forward(np.zeros((0, 3)), np.ones(3), np.zeros(3))
    _, cache = batchnorm_forward(z, np.ones(3), np.zeros(3))
    with pytest.raises(ValueError, match=r"batchnorm_backward: argument 'cache\[0\] \(z_bar\)' must have"):
        batchnorm_backward(np.zeros((5, 3)), cache)
    with pytest.raises(TypeError, match=r"argument 'cache' must be the tuple \(z_bar, gamma, std\)"):
        batchnorm_backward(np.zeros((4, 3)), cache[:2])


# ----------------------------------------------------------------------------- the digits experiments


@pytest.fixture(autouse=True)
def _quiet_progress(monkeypatch):
    """train_mlp's progress bar is silent while 'grading', which keeps the test output clean."""
    monkeypatch.setenv("NBGRADER_EXECUTION", "tests")


def test_load_digits_split_is_a_partition_of_sklearns_digits():
    from sklearn.datasets import load_digits  # the independent oracle: scikit-learn's own loader

    data = load_digits()
    split = load_digits_split(300, 400, np.random.default_rng(0))
    assert split.X_train.shape == (300, 64) and split.X_val.shape == (400, 64) and split.X_test.shape == (1097, 64)
    assert split.y_train.dtype == np.int64 and not split.flipped.any()
    X = np.concatenate([split.X_train, split.X_val, split.X_test]) * 16.0
    y = np.concatenate([split.y_train, split.y_val, split.y_test])
    order_ours = np.lexsort(np.column_stack([X, y]).T)
    order_theirs = np.lexsort(np.column_stack([data.data, data.target]).T)
    np.testing.assert_array_equal(X[order_ours], data.data[order_theirs])
    np.testing.assert_array_equal(y[order_ours], data.target[order_theirs])
    assert 0.0 <= split.X_train.min() and split.X_train.max() <= 1.0
    again = load_digits_split(300, 400, np.random.default_rng(0))
    np.testing.assert_array_equal(again.X_val, split.X_val)
    split.X_train[0, 0] = 99.0  # arrays are the caller's own: the cache stays intact
    assert load_digits_split(300, 400, np.random.default_rng(0)).X_train[0, 0] != 99.0


def test_load_digits_split_label_noise_flips_to_a_different_digit():
    clean = load_digits_split(1000, 100, np.random.default_rng(3))
    noisy = load_digits_split(1000, 100, np.random.default_rng(3), label_noise=0.3)
    np.testing.assert_array_equal(noisy.X_train, clean.X_train)  # the shuffle comes first
    np.testing.assert_array_equal(noisy.y_val, clean.y_val)
    changed = noisy.y_train != clean.y_train
    np.testing.assert_array_equal(changed, noisy.flipped)  # every flip lands on another digit
    assert abs(changed.mean() - 0.3) < 5 * math.sqrt(0.3 * 0.7 / 1000)
    assert set(np.unique(noisy.y_train[changed])) <= set(range(10))
    # the wrong digit is uniform over the nine others: all nine offsets occur
    offsets = (noisy.y_train[changed] - clean.y_train[changed]) % 10
    assert set(np.unique(offsets)) == set(range(1, 10))


def test_load_digits_split_errors():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"load_digits_split: n_train \+ n_val must leave images for the test set"):
        load_digits_split(1000, 797, rng)
    with pytest.raises(ValueError, match=r"load_digits_split: argument 'n_train' must be an integer >= 1"):
        load_digits_split(0, 10, rng)
    with pytest.raises(ValueError, match=r"load_digits_split: argument 'label_noise' must lie in \[0, 1\)"):
        load_digits_split(10, 10, rng, label_noise=1.0)
    with pytest.raises(TypeError, match=r"load_digits_split: argument 'rng' must be a numpy.random.Generator"):
        load_digits_split(10, 10, 0)


def _manual_logits(X, Ws, bs, bn=None, eps=1e-5):
    A = X
    for layer in range(len(Ws) - 1):
        Z = A @ Ws[layer] + bs[layer]
        if bn is not None:
            g, be, m, v = bn[layer]
            Z = g * (Z - m) / np.sqrt(v + eps) + be
        A = np.maximum(Z, 0.0)
    return A @ Ws[-1] + bs[-1]


def test_mlp_logits_matches_a_hand_written_forward_pass():
    rng = np.random.default_rng(1)
    Ws = (rng.standard_normal((4, 5)), rng.standard_normal((5, 3)), rng.standard_normal((3, 2)))
    bs = (rng.standard_normal(5), rng.standard_normal(3), rng.standard_normal(2))
    X = rng.standard_normal((7, 4))
    np.testing.assert_allclose(mlp_logits(MLPWeights(Ws, bs, None), X), _manual_logits(X, Ws, bs), rtol=1e-12)
    bn = tuple(
        (rng.normal(1, 0.1, n), rng.standard_normal(n), rng.standard_normal(n), rng.uniform(0.5, 2, n)) for n in (5, 3)
    )
    np.testing.assert_allclose(mlp_logits(MLPWeights(Ws, bs, bn), X), _manual_logits(X, Ws, bs, bn), rtol=1e-12)
    # a one-layer "network" is a linear map
    W, b = rng.standard_normal((4, 2)), rng.standard_normal(2)
    np.testing.assert_allclose(mlp_logits(MLPWeights((W,), (b,), None), X), X @ W + b, rtol=1e-12)


@pytest.mark.parametrize(("batchnorm", "p"), [(False, 0.0), (True, 0.0), (False, 0.4), (True, 0.5)])
def test_training_network_gradients_match_finite_differences(batchnorm, p):
    rng = np.random.default_rng(2)
    net = _Net([6, 5, 4, 3], batchnorm, rng)
    for layer in range(2):  # make the BN parameters non-trivial
        net.gamma[layer] = rng.normal(1.0, 0.3, net.gamma[layer].shape)
        net.beta[layer] = rng.standard_normal(net.beta[layer].shape)
    # nonzero biases: with zero biases, an example whose units are all dropped sits exactly on ReLU's kink
    net.b = [rng.normal(0.0, 0.5, b.shape) for b in net.b]
    X, y = rng.standard_normal((8, 6)), rng.integers(0, 3, 8)

    def loss() -> float:  # mean cross-entropy, computed independently of the network's gradient code
        logits = net.forward(X, p=p, rng=np.random.default_rng(99), track=False)  # same mask every call
        shifted = logits - logits.max(axis=1, keepdims=True)
        return float(np.mean(np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(8), y]))

    logits = net.forward(X, p=p, rng=np.random.default_rng(99), track=False)
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    dlogits = (probs - np.eye(3)[y]) / 8
    grads = net.backward(dlogits)
    for name in ("W", "b") + (("gamma", "beta") if batchnorm else ()):
        for layer, param in enumerate(getattr(net, name)):

            def f(value, name=name, layer=layer):
                saved = getattr(net, name)[layer]
                getattr(net, name)[layer] = value
                try:
                    return loss()
                finally:
                    getattr(net, name)[layer] = saved

            numeric = _central_diff(f, param)
            # atol: a bias in front of batch norm has gradient exactly 0 (batch norm removes the mean)
            np.testing.assert_allclose(grads[name][layer], numeric, rtol=1e-5, atol=1e-8, err_msg=f"{name}[{layer}]")


def test_train_mlp_learns_clean_digits_and_is_reproducible():
    split = load_digits_split(400, 300, np.random.default_rng(4))
    X0 = split.X_train.copy()
    kwargs = dict(hidden=(32,), epochs=6, lr=0.2, batch_size=25, keep_weights=True)
    h1 = train_mlp(split.X_train, split.y_train, split.X_val, split.y_val, np.random.default_rng(5), **kwargs)
    h2 = train_mlp(split.X_train, split.y_train, split.X_val, split.y_val, np.random.default_rng(5), **kwargs)
    np.testing.assert_array_equal(split.X_train, X0)
    for curve in (h1.train_loss, h1.val_loss, h1.train_accuracy, h1.val_accuracy):
        assert curve.shape == (6,)
    np.testing.assert_array_equal(h1.val_loss, h2.val_loss)
    assert h1.val_accuracy[-1] > 0.85 and h1.train_loss[-1] < h1.train_loss[0]
    assert len(h1.weights) == 6
    # the stored weights reproduce the recorded validation accuracy
    acc = np.mean(np.argmax(mlp_logits(h1.weights[-1], split.X_val), axis=1) == split.y_val)
    assert acc == h1.val_accuracy[-1]
    # the recorded loss is the mean cross-entropy of those weights (independent formula)
    logits = mlp_logits(h1.weights[2], split.X_val)
    shifted = logits - logits.max(axis=1, keepdims=True)
    ce = np.mean(np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(len(split.y_val)), split.y_val])
    assert math.isclose(ce, h1.val_loss[2], rel_tol=1e-12)


@pytest.mark.parametrize("extra", [dict(dropout=0.3), dict(batchnorm=True), dict(input_noise=0.2)])
def test_train_mlp_regularised_variants_run_and_learn(extra):
    split = load_digits_split(300, 200, np.random.default_rng(6))
    h = train_mlp(
        split.X_train,
        split.y_train,
        split.X_val,
        split.y_val,
        np.random.default_rng(7),
        hidden=(64, 32),
        epochs=6,
        lr=0.3,
        batch_size=30,
        keep_weights=True,
        **extra,
    )
    assert np.all(np.isfinite(h.train_loss)) and h.train_loss[-1] < 0.7 * h.train_loss[0]
    assert h.val_accuracy[-1] > 0.5  # chance is 0.1
    if extra.get("batchnorm"):
        assert h.weights[-1].bn is not None and len(h.weights[-1].bn) == 2
    else:
        assert h.weights[-1].bn is None


def test_train_mlp_weight_decay_shrinks_the_weights():
    split = load_digits_split(200, 100, np.random.default_rng(8))
    norms = []
    for lam in (0.0, 0.01):
        h = train_mlp(
            split.X_train,
            split.y_train,
            split.X_val,
            split.y_val,
            np.random.default_rng(9),
            hidden=(32,),
            epochs=10,
            lr=0.2,
            weight_decay=lam,
            keep_weights=True,
        )
        norms.append(sum(float(np.sum(W**2)) for W in h.weights[-1].W))
    assert norms[1] < 0.8 * norms[0]


def test_train_mlp_errors():
    X, y = np.zeros((4, 3)), np.array([0, 1, 0, 1])
    rng = np.random.default_rng(0)
    with pytest.raises(TypeError, match=r"train_mlp: argument 'y_train' must hold integer class labels"):
        train_mlp(X, y.astype(float), X, y, rng)
    with pytest.raises(ValueError, match=r"train_mlp: argument 'X_val' must have 3 columns"):
        train_mlp(X, y, np.zeros((4, 2)), y, rng)
    with pytest.raises(ValueError, match=r"train_mlp: argument 'hidden' must list the widths of at least one layer"):
        train_mlp(X, y, X, y, rng, hidden=())
    with pytest.raises(ValueError, match=r"train_mlp: argument 'epochs' must be an integer >= 1"):
        train_mlp(X, y, X, y, rng, epochs=0)
    with pytest.raises(ValueError, match=r"train_mlp: argument 'dropout' must lie in \[0, 1\)"):
        train_mlp(X, y, X, y, rng, dropout=1.0)
    with pytest.raises(TypeError, match=r"train_mlp: argument 'batchnorm' must be True or False"):
        train_mlp(X, y, X, y, rng, batchnorm="yes")
    with pytest.raises(TypeError, match=r"train_mlp: argument 'rng' must be a numpy.random.Generator"):
        train_mlp(X, y, X, y, 1)


def test_train_mlp_refuses_a_validation_set_that_does_not_match():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(10, 4)), np.arange(10) % 2
    with pytest.raises(
        ValueError, match=r"train_mlp: argument 'X_val' must have 4 columns like X_train, got shape \(5, 3\)"
    ):
        train_mlp(X, y, rng.normal(size=(5, 3)), np.zeros(5, dtype=int), rng, epochs=1)
    with pytest.raises(ValueError, match=r"train_mlp: argument 'y_val'"):
        train_mlp(X, y, rng.normal(size=(5, 4)), np.zeros(4, dtype=int), rng, epochs=1)
