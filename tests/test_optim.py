"""Tests for coursekit.optim against closed forms (sums of geometric series, gradient descent on a
quadratic), scipy.signal.lfilter for the moving average, finite differences for the test problems
and for a training step of the MLP, scikit-learn's own loader for the digits, and checks of inputs,
shapes and purity."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import signal

from coursekit.landscapes import (
    Quadratic,
    ill_conditioned_quadratic,
    plot_losses,
    plot_paths,
    rosenbrock,
    rosenbrock_grad,
    run_optimizer,
)
from coursekit.optim import (
    adadelta_step,
    adam_step,
    digits_dataset,
    minibatch_indices,
    momentum_step,
    momentum_step_ema,
    moving_average,
    running_mean,
    sgd_step,
)
from coursekit.training import train_mlp

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
small_shapes = hnp.array_shapes(min_dims=1, max_dims=3, max_side=4)
decays = st.floats(0.0, 0.99)


def _central_diff(f, x, h=1e-6):
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = h
        g.flat[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


# ----------------------------------------------------------------------------- running averages


@pytest.mark.parametrize("gamma", [0.0, 0.5, 0.9, 0.99])
def test_moving_average_of_constant_is_biased_towards_zero(gamma):
    c, T = 3.5, 60
    A = moving_average(np.full(T, c), gamma)
    t = np.arange(1, T + 1)
    np.testing.assert_allclose(A, c * (1 - gamma**t), rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(a=hnp.arrays(np.float64, st.integers(1, 30), elements=finite), gamma=decays)
def test_moving_average_equals_linear_filter(a, gamma):
    # A_t - gamma A_{t-1} = (1-gamma) a_t with zero initial state: an IIR filter.
    expected = signal.lfilter([1 - gamma], [1, -gamma], a)
    np.testing.assert_allclose(moving_average(a, gamma), expected, rtol=1e-9, atol=1e-9)


def test_moving_average_unrolled_sum_and_array_terms():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((12, 3, 2))
    gamma, T = 0.8, 12
    weights = (1 - gamma) * gamma ** (T - np.arange(1, T + 1))  # the notes' unrolled form for A_T
    A = moving_average(a, gamma)
    assert A.shape == a.shape
    np.testing.assert_allclose(A[-1], np.tensordot(weights, a, axes=1), rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(a=hnp.arrays(np.float64, small_shapes, elements=finite))
def test_running_mean_is_cumulative_mean(a):
    a0 = a.copy()
    counts = np.arange(1, a.shape[0] + 1).reshape((-1,) + (1,) * (a.ndim - 1))
    np.testing.assert_allclose(running_mean(a), np.cumsum(a, axis=0) / counts, rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(a, a0)


def test_running_average_errors():
    with pytest.raises(ValueError, match=r"moving_average: argument 'gamma' must lie in \[0, 1\), got 1.0"):
        moving_average([1.0, 2.0], 1.0)
    with pytest.raises(ValueError, match=r"moving_average: argument 'gamma' must lie in \[0, 1\)"):
        moving_average([1.0, 2.0], -0.1)
    with pytest.raises(ValueError, match=r"moving_average: argument 'a' must be a sequence"):
        moving_average(3.0, 0.5)
    with pytest.raises(ValueError, match=r"running_mean: argument 'a' must be a sequence"):
        running_mean(3.0)
    with pytest.raises(TypeError, match=r"running_mean: argument 'a' must hold real numbers"):
        running_mean(np.array(["a", "b"]))


# ----------------------------------------------------------------------------- mini-batches


@settings(max_examples=80, deadline=None)
@given(n=st.integers(1, 200), k=st.integers(1, 250), seed=st.integers(0, 2**32 - 1))
def test_minibatches_cover_every_index_once(n, k, seed):
    batches = minibatch_indices(n, k, np.random.default_rng(seed))
    assert len(batches) == math.ceil(n / k) == -(-n // k)
    assert all(np.issubdtype(b.dtype, np.integer) for b in batches)
    assert all(b.shape == (k,) for b in batches[:-1])
    assert batches[-1].size == n - k * (len(batches) - 1)
    np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(n))


def test_minibatches_are_shuffled_and_reproducible():
    a = minibatch_indices(100, 30, np.random.default_rng(3))
    b = minibatch_indices(100, 30, np.random.default_rng(3))
    assert [x.tolist() for x in a] == [x.tolist() for x in b]
    assert [len(x) for x in a] == [30, 30, 30, 10]
    assert not np.array_equal(np.concatenate(a), np.arange(100))


def test_minibatch_errors():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"minibatch_indices: argument 'k' must be an integer >= 1, got 0"):
        minibatch_indices(10, 0, rng)
    with pytest.raises(ValueError, match=r"argument 'n' must be an integer >= 1"):
        minibatch_indices(0, 3, rng)
    with pytest.raises(TypeError, match=r"argument 'n' must be an integer, got float"):
        minibatch_indices(10.0, 3, rng)
    with pytest.raises(TypeError, match=r"argument 'rng' must be a numpy.random.Generator"):
        minibatch_indices(10, 3, None)


# ----------------------------------------------------------------------------- update rules


def test_sgd_step_closed_form():
    w, dw = np.array([1.0, -2.0, 3.0]), np.array([0.5, 0.5, -1.0])
    np.testing.assert_allclose(sgd_step(w, dw, 0.1), [0.95, -2.05, 3.1], rtol=1e-15)
    assert sgd_step(2.0, 4.0, 0.25) == 1.0


@pytest.mark.parametrize("lr", [0.01, 0.05, 0.099])
def test_gradient_descent_on_axis_aligned_quadratic_follows_closed_form(lr):
    # f = (w1^2 + kappa w2^2)/2: GD multiplies coordinate i by (1 - lr*h_i) at every step.
    kappa, n = 20.0, 200
    q = ill_conditioned_quadratic(kappa)
    w0 = np.array([2.0, -1.5])
    path = run_optimizer(sgd_step, w0, q.grad, n, lr=lr)
    t = np.arange(n + 1)[:, None]
    expected = w0 * np.array([1 - lr, 1 - lr * kappa]) ** t
    np.testing.assert_allclose(path, expected, rtol=1e-9, atol=1e-14)


def test_gradient_descent_converges_to_the_minimiser_of_a_rotated_quadratic():
    q = ill_conditioned_quadratic(10.0, angle=0.7)
    path = run_optimizer(sgd_step, np.array([3.0, 2.0]), q.grad, 600, lr=0.15)
    np.testing.assert_allclose(path[-1], q.minimiser, atol=1e-10)


def test_gradient_descent_diverges_beyond_two_over_largest_curvature():
    q = ill_conditioned_quadratic(10.0)
    path = run_optimizer(sgd_step, np.array([1.0, 1.0]), q.grad, 30, lr=0.21)  # |1 - 2.1| = 1.1 > 1
    assert abs(path[-1, 1]) > abs(path[0, 1]) * 1.1**29


def test_momentum_two_formulations_give_identical_paths():
    # V_t = lr/(1-gamma) * M_t, so momentum_step(lr) equals momentum_step_ema(lr / (1 - gamma)).
    q = ill_conditioned_quadratic(25.0, angle=0.4)
    w0, lr, gamma = np.array([2.0, 1.0]), 0.01, 0.9
    p1 = run_optimizer(momentum_step, w0, q.grad, 150, state=1, lr=lr, gamma=gamma)
    p2 = run_optimizer(momentum_step_ema, w0, q.grad, 150, state=1, lr=lr / (1 - gamma), gamma=gamma)
    np.testing.assert_allclose(p1, p2, rtol=1e-9, atol=1e-12)


def test_momentum_with_constant_gradient_closed_form():
    # V_t = lr g (1 - gamma^t)/(1 - gamma); W_T = W_0 - sum_t V_t.
    g, lr, gamma, T = np.array([1.0, -2.0]), 0.1, 0.9, 25
    path = run_optimizer(momentum_step, np.zeros(2), lambda w: g, T, state=1, lr=lr, gamma=gamma)
    t = np.arange(1, T + 1)
    v = lr * (1 - gamma**t) / (1 - gamma)
    np.testing.assert_allclose(path[1:], -np.cumsum(v)[:, None] * g, rtol=1e-12)


def test_momentum_first_step_and_gamma_zero():
    w, dw = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    w1, v1 = momentum_step(w, dw, np.zeros(2), lr=0.1)
    np.testing.assert_allclose(v1, [0.3, -0.1], rtol=1e-15)
    np.testing.assert_allclose(w1, [0.7, 2.1], rtol=1e-15)
    w2, _ = momentum_step(w, dw, np.array([5.0, 5.0]), lr=0.1, gamma=0.0)
    np.testing.assert_allclose(w2, sgd_step(w, dw, 0.1), rtol=1e-15)


def test_momentum_converges_on_quadratic():
    q = ill_conditioned_quadratic(50.0, angle=0.3)
    path = run_optimizer(momentum_step, np.array([2.0, 2.0]), q.grad, 500, state=1, lr=0.01, gamma=0.9)
    np.testing.assert_allclose(path[-1], q.minimiser, atol=1e-6)


def test_adadelta_with_constant_gradient_closed_form():
    # G_t = g^2 (1 - gamma^t), so step t moves by lr g / sqrt(g^2 (1 - gamma^t) + eps).
    g, lr, gamma, eps, T = np.array([2.0, -0.5]), 0.01, 0.9, 1e-8, 20
    path = run_optimizer(adadelta_step, np.zeros(2), lambda w: g, T, state=1, lr=lr, gamma=gamma, eps=eps)
    t = np.arange(1, T + 1)[:, None]
    steps = lr * g / np.sqrt(g**2 * (1 - gamma**t) + eps)
    np.testing.assert_allclose(path[1:], -np.cumsum(steps, axis=0), rtol=1e-12)


def test_adadelta_first_step_and_state():
    w1, G1 = adadelta_step(np.array([1.0]), np.array([4.0]), np.zeros(1), lr=0.1, gamma=0.75, eps=1e-8)
    np.testing.assert_allclose(G1, [0.25 * 16.0], rtol=1e-15)
    np.testing.assert_allclose(w1, [1.0 - 0.1 * 4.0 / math.sqrt(4.0 + 1e-8)], rtol=1e-15)
    # zero gradient with zero state: no step, no division by zero
    w, G = adadelta_step(np.ones(3), np.zeros(3), np.zeros(3), lr=1.0)
    np.testing.assert_array_equal(w, np.ones(3))
    np.testing.assert_array_equal(G, np.zeros(3))


@settings(max_examples=60, deadline=None)
@given(
    g=hnp.arrays(np.float64, small_shapes, elements=st.floats(1e-3, 1e3) | st.floats(-1e3, -1e-3)),
    lr=st.floats(1e-4, 1.0),
)
def test_adam_first_step_moves_each_coordinate_by_about_lr(g, lr):
    w0 = np.zeros_like(g)
    w1, m1, v1 = adam_step(w0, g, np.zeros_like(g), np.zeros_like(g), 1, lr=lr)
    # m_hat_1 = g, v_hat_1 = g^2: the step is lr * g / (|g| + eps).
    np.testing.assert_allclose(w1, -lr * g / (np.abs(g) + 1e-8), rtol=1e-12)
    np.testing.assert_allclose(np.abs(w1), lr, rtol=1e-5)
    np.testing.assert_allclose(m1, 0.1 * g, rtol=1e-12)  # stored uncorrected
    np.testing.assert_allclose(v1, 0.001 * g**2, rtol=1e-12)


def test_adam_with_constant_gradient_takes_constant_steps():
    # With the bias correction m_hat_t = g and v_hat_t = g^2 at every t.
    g, lr, T = np.array([3.0, -0.02, 7.0]), 0.05, 40
    path = run_optimizer(adam_step, np.ones(3), lambda w: g, T, state=2, pass_t=True, lr=lr)
    step = lr * g / (np.abs(g) + 1e-8)
    np.testing.assert_allclose(path, np.ones(3) - np.arange(T + 1)[:, None] * step, rtol=1e-10, atol=1e-12)


def test_adam_is_not_the_uncorrected_or_notes_eps_variant_at_tiny_gradients():
    # g = 1e-8 at t = 1. eps outside the root: lr * g / (g + eps) = lr/2. Inside the root (the notes):
    # lr * g / sqrt(g^2 + eps), about 1e-4 lr. Without bias correction: about 0.1 lr.
    w1, _, _ = adam_step(np.zeros(1), np.array([1e-8]), np.zeros(1), np.zeros(1), 1, lr=1.0)
    np.testing.assert_allclose(w1, [-0.5], rtol=1e-12)


def test_adam_later_step_hand_computed():
    # t = 3 from given (uncorrected) state, every number written out.
    m, v, g, t = np.array([0.2]), np.array([0.01]), np.array([1.0]), 3
    m3 = 0.9 * 0.2 + 0.1 * 1.0  # 0.28
    v3 = 0.999 * 0.01 + 0.001 * 1.0  # 0.01099
    step = 0.01 * (m3 / (1 - 0.9**3)) / (math.sqrt(v3 / (1 - 0.999**3)) + 1e-8)
    w, m_new, v_new = adam_step(np.array([0.5]), g, m, v, t, lr=0.01)
    np.testing.assert_allclose(m_new, [m3], rtol=1e-14)
    np.testing.assert_allclose(v_new, [v3], rtol=1e-14)
    np.testing.assert_allclose(w, [0.5 - step], rtol=1e-14)


def test_adam_reaches_rosenbrock_minimum():
    w0 = np.array([-1.5, 2.0])
    path = run_optimizer(adam_step, w0, rosenbrock_grad, 1500, state=2, pass_t=True, lr=0.1)
    np.testing.assert_allclose(path[-1], [1.0, 1.0], atol=1e-3)


STEP_CALLS = {
    "sgd_step": lambda w, g: sgd_step(w, g, 0.1),
    "momentum_step": lambda w, g: momentum_step(w, g, np.ones_like(w), 0.1),
    "momentum_step_ema": lambda w, g: momentum_step_ema(w, g, np.ones_like(w), 0.1),
    "adadelta_step": lambda w, g: adadelta_step(w, g, np.ones_like(w), 0.1),
    "adam_step": lambda w, g: adam_step(w, g, np.ones_like(w), np.ones_like(w), 2),
}


@settings(max_examples=50, deadline=None)
@given(data=st.data(), name=st.sampled_from(sorted(STEP_CALLS)))
def test_update_rules_are_pure_and_keep_shape(data, name):
    shape = data.draw(small_shapes)
    w = data.draw(hnp.arrays(np.float64, shape, elements=finite))
    g = data.draw(hnp.arrays(np.float64, shape, elements=finite))
    w0, g0 = w.copy(), g.copy()
    out = STEP_CALLS[name](w, g)
    outs = out if isinstance(out, tuple) else (out,)
    for arr in outs:
        assert isinstance(arr, np.ndarray) and arr.shape == shape and arr.dtype == np.float64
        assert np.all(np.isfinite(arr))
        assert not np.shares_memory(arr, w) and not np.shares_memory(arr, g)
    np.testing.assert_array_equal(w, w0)
    np.testing.assert_array_equal(g, g0)


def test_state_arrays_are_not_mutated():
    w, g = np.ones(3), np.full(3, 2.0)
    m, v = np.full(3, 0.5), np.full(3, 0.25)
    adam_step(w, g, m, v, 4)
    momentum_step(w, g, m, 0.1)
    adadelta_step(w, g, v, 0.1)
    np.testing.assert_array_equal(m, np.full(3, 0.5))
    np.testing.assert_array_equal(v, np.full(3, 0.25))


def test_update_rule_errors():
    w, z = np.ones(2), np.zeros(2)
    with pytest.raises(ValueError, match=r"adam_step: argument 't' is the 1-based number of the update"):
        adam_step(w, w, z, z, 0)
    with pytest.raises(TypeError, match=r"adam_step: argument 't' must be an integer"):
        adam_step(w, w, z, z, 1.0)
    with pytest.raises(ValueError, match=r"adam_step: argument 'v' is a running average of squared"):
        adam_step(w, w, z, -np.ones(2), 1)
    with pytest.raises(ValueError, match=r"adam_step: argument 'beta2' must lie in \[0, 1\)"):
        adam_step(w, w, z, z, 1, beta2=1.0)
    with pytest.raises(ValueError, match=r"sgd_step: argument 'lr' must be finite and > 0, got 0.0"):
        sgd_step(w, w, 0.0)
    with pytest.raises(ValueError, match=r"sgd_step: argument 'dw' must have the shape of 'w', \(2,\)"):
        sgd_step(w, np.ones(3), 0.1)
    with pytest.raises(ValueError, match=r"momentum_step: argument 'gamma' must lie in \[0, 1\), got 1.0"):
        momentum_step(w, w, z, 0.1, gamma=1.0)
    with pytest.raises(ValueError, match=r"momentum_step: argument 'v' must have the shape of 'w'"):
        momentum_step(w, w, np.zeros((2, 1)), 0.1)
    with pytest.raises(ValueError, match=r"adadelta_step: argument 'eps' must be finite and > 0"):
        adadelta_step(w, w, z, 0.1, eps=0.0)
    with pytest.raises(ValueError, match=r"adadelta_step: argument 'G' is a running average"):
        adadelta_step(w, w, -np.ones(2), 0.1)
    with pytest.raises(ValueError, match=r"adadelta_step: argument 'dw' contains NaN or infinity"):
        adadelta_step(w, np.array([np.nan, 1.0]), z, 0.1)
    with pytest.raises(TypeError, match=r"momentum_step_ema: argument 'gamma' must be a number"):
        momentum_step_ema(w, w, z, 0.1, gamma="0.9")


# ----------------------------------------------------------------------------- test problems


@pytest.mark.parametrize(("kappa", "angle"), [(1.0, 0.0), (10.0, 0.3), (100.0, -1.2)])
def test_quadratic_matches_its_definition(kappa, angle):
    q = ill_conditioned_quadratic(kappa, angle)
    assert isinstance(q, Quadratic)
    np.testing.assert_allclose(np.linalg.eigvalsh(q.hessian), [1.0, kappa], rtol=1e-12)
    c, s = math.cos(angle), math.sin(angle)
    np.testing.assert_allclose(q.hessian @ [c, s], [c, s], rtol=1e-12, atol=1e-12)  # flat axis rotated
    assert q.f(q.minimiser) == 0.0
    w = np.array([0.7, -1.3])
    np.testing.assert_allclose(q.grad(w), _central_diff(q.f, w), rtol=1e-6)
    np.testing.assert_allclose(q.f(w), 0.5 * w @ q.hessian @ w, rtol=1e-12)


def test_quadratic_and_rosenbrock_evaluate_on_grids():
    q = ill_conditioned_quadratic(4.0)
    xs, ys = np.meshgrid(np.linspace(-1, 1, 5), np.linspace(-2, 2, 7))
    grid = np.stack([xs, ys], axis=-1)
    np.testing.assert_allclose(q.f(grid), 0.5 * (xs**2 + 4 * ys**2), rtol=1e-12)
    assert q.grad(grid).shape == (7, 5, 2)
    np.testing.assert_allclose(rosenbrock(grid), (1 - xs) ** 2 + 100 * (ys - xs**2) ** 2, rtol=1e-12)
    assert rosenbrock_grad(grid).shape == (7, 5, 2)


def test_rosenbrock_known_values_and_gradient():
    assert rosenbrock([1.0, 1.0]) == 0.0
    assert rosenbrock([0.0, 0.0]) == 1.0
    np.testing.assert_array_equal(rosenbrock_grad([1.0, 1.0]), [0.0, 0.0])
    np.testing.assert_allclose(rosenbrock_grad([0.0, 0.0]), [-2.0, 0.0])
    assert rosenbrock([2.0, 4.0], a=2.0, b=5.0) == 0.0
    for w in ([-1.2, 1.0], [0.3, -0.4], [2.0, 3.5]):
        np.testing.assert_allclose(rosenbrock_grad(w), _central_diff(rosenbrock, w), rtol=1e-6, atol=1e-6)


def test_problem_errors():
    with pytest.raises(ValueError, match=r"ill_conditioned_quadratic: argument 'condition' must be >= 1"):
        ill_conditioned_quadratic(0.5)
    with pytest.raises(ValueError, match=r"rosenbrock: argument 'w' must be a point of shape \(2,\)"):
        rosenbrock(np.zeros(3))


# ----------------------------------------------------------------------------- run_optimizer


def test_run_optimizer_shapes_and_start():
    q = ill_conditioned_quadratic(3.0)
    w0 = np.array([1.0, 1.0])
    path = run_optimizer(sgd_step, w0, q.grad, 7, lr=0.1)
    assert path.shape == (8, 2)
    np.testing.assert_array_equal(path[0], w0)
    np.testing.assert_array_equal(w0, [1.0, 1.0])
    assert run_optimizer(sgd_step, w0, q.grad, 0, lr=0.1).shape == (1, 2)
    given_state = run_optimizer(momentum_step, w0, q.grad, 5, state=(np.zeros(2),), lr=0.1)
    counted = run_optimizer(momentum_step, w0, q.grad, 5, state=1, lr=0.1)
    np.testing.assert_array_equal(given_state, counted)


def test_run_optimizer_errors_are_explained():
    q = ill_conditioned_quadratic(10.0)
    w0 = np.array([1.0, 1.0])
    with pytest.raises(ValueError, match=r"step size is probably too large"):
        with np.errstate(over="raise", invalid="raise"):
            run_optimizer(sgd_step, w0, q.grad, 2000, lr=1.0)
    with pytest.raises(TypeError, match=r"failed .*missing 1 required .*Pass state=<number of state arrays>"):
        run_optimizer(momentum_step, w0, q.grad, 3, lr=0.1)
    with pytest.raises(TypeError, match=r"for Adam, pass_t=True"):
        run_optimizer(adam_step, w0, q.grad, 3, state=2, lr=0.1)
    with pytest.raises(ValueError, match=r"step_fn returned a tuple of 2; if it keeps state"):
        run_optimizer(lambda w, dw: (w, dw), w0, q.grad, 3)
    with pytest.raises(TypeError, match=r"step_fn\(w, dw, state0, state1, lr=...\) failed"):
        run_optimizer(momentum_step, w0, q.grad, 3, state=2, lr=0.1)
    with pytest.raises(ValueError, match=r"step_fn must return \(w, 2 state array\(s\)\) when state=2"):
        run_optimizer(lambda w, dw, a, b: w, w0, q.grad, 3, state=2)
    with pytest.raises(ValueError, match=r"step_fn returned None as the new weights; is a 'return' missing"):
        run_optimizer(lambda w, dw: None, w0, q.grad, 3)
    with pytest.raises(ValueError, match=r"argument 'w0' must have 1 dimension"):
        run_optimizer(sgd_step, np.ones((2, 2)), q.grad, 3, lr=0.1)
    with pytest.raises(ValueError, match=r"argument 'n_steps' must be an integer >= 0"):
        run_optimizer(sgd_step, w0, q.grad, -1, lr=0.1)
    with pytest.raises(ValueError, match=r"grad_fn\(w\) at step 1 returned shape \(3,\), expected the shape"):
        run_optimizer(sgd_step, w0, lambda w: np.zeros(3), 3, lr=0.1)


# ----------------------------------------------------------------------------- the digits data


def test_digits_dataset_matches_scikit_learn():
    from sklearn.datasets import load_digits  # the oracle: scikit-learn's own loader

    X, y = digits_dataset()
    bunch = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    np.testing.assert_array_equal(X, bunch.data)
    np.testing.assert_array_equal(y, bunch.target)
    assert X.min() == 0.0 and X.max() == 16.0
    np.testing.assert_array_equal(np.unique(y), np.arange(10))


# ----------------------------------------------------------------------------- train_mlp


def _plain_mlp_loss(params, X, y):
    """Mean softmax cross-entropy of ReLU(X W1 + b1) W2 + b2, written out with scipy's logsumexp."""
    from scipy.special import logsumexp

    W1, b1, W2, b2 = params
    Z = np.maximum(X @ W1 + b1, 0.0) @ W2 + b2
    return float(np.mean(logsumexp(Z, axis=1) - Z[np.arange(len(y)), y]))


def _initial_params(seed, d, hidden, k):
    """The weights train_mlp draws from default_rng(seed): N(0, 1/n_in) matrices, zero biases."""
    r = np.random.default_rng(seed)
    W1 = r.normal(0.0, np.sqrt(1.0 / d), size=(d, hidden))
    W2 = r.normal(0.0, np.sqrt(1.0 / hidden), size=(hidden, k))
    return [W1, np.zeros(hidden), W2, np.zeros(k)]


def _toy_classes(n=24, d=3, k=3, seed=0):
    r = np.random.default_rng(seed)
    y = np.arange(n) % k
    X = r.standard_normal((n, d)) + 4.0 * np.eye(k, d)[y]
    return X, y


def test_train_mlp_full_batch_sgd_step_matches_finite_differences():
    # One epoch with k >= n is one step of gradient descent on the mean loss; the gradient comes
    # from central differences of an independent numpy forward pass.
    X, y = _toy_classes()
    params = _initial_params(5, 3, 4, 3)
    lr = 0.3
    hist = train_mlp(sgd_step, X, y, rng=np.random.default_rng(5), hidden=4, epochs=1, batch_size=100, lr=lr)
    np.testing.assert_allclose(hist.train_loss[0], _plain_mlp_loss(params, X, y), rtol=1e-12)
    stepped = []
    for i, p in enumerate(params):
        g = np.zeros_like(p)
        for j in range(p.size):
            plus = [q.copy() for q in params]
            minus = [q.copy() for q in params]
            plus[i].flat[j] += 1e-6
            minus[i].flat[j] -= 1e-6
            g.flat[j] = (_plain_mlp_loss(plus, X, y) - _plain_mlp_loss(minus, X, y)) / 2e-6
        stepped.append(p - lr * g)
    np.testing.assert_allclose(hist.train_loss[1], _plain_mlp_loss(stepped, X, y), rtol=1e-7)
    np.testing.assert_allclose(hist.batch_loss, hist.train_loss[:1], rtol=1e-12)


def test_train_mlp_passes_state_and_counter_per_weight_array():
    X, y = _toy_classes(n=20)
    calls = []

    def recording_step(w, dw, a, b, t, lr):
        calls.append((w.shape, a.shape, float(np.abs(a).sum()), t))
        return w - lr * dw, a + 1.0, b

    hist = train_mlp(
        recording_step,
        X,
        y,
        rng=np.random.default_rng(1),
        hidden=5,
        epochs=2,
        batch_size=6,
        state=2,
        pass_t=True,
        lr=0.01,
    )
    n_updates = 2 * math.ceil(20 / 6)
    assert hist.batch_loss.shape == (n_updates,)
    assert hist.train_loss.shape == (3,) and hist.val_loss.size == 0 and hist.val_accuracy.size == 0
    assert len(calls) == 4 * n_updates
    assert [c[0] for c in calls[:4]] == [(3, 5), (5,), (5, 3), (3,)]
    assert all(c[0] == c[1] for c in calls)  # each weight array has state of its own shape
    assert [c[3] for c in calls] == [t for t in range(1, n_updates + 1) for _ in range(4)]
    # the state of each array is its own: after u updates it holds u in every entry
    for u in range(n_updates):
        for i, size in enumerate([15, 5, 15, 3]):
            assert calls[4 * u + i][2] == u * size


def test_train_mlp_uses_batch_fn_and_is_reproducible():
    X, y = _toy_classes(n=30)
    seen = []

    def in_order(n, k, rng):
        seen.append((n, k))
        return [np.arange(i, min(i + k, n)) for i in range(0, n, k)]

    train_mlp(sgd_step, X, y, rng=np.random.default_rng(0), epochs=3, batch_size=8, batch_fn=in_order, lr=0.1)
    assert seen == [(30, 8)] * 3
    a = train_mlp(momentum_step, X, y, rng=np.random.default_rng(4), epochs=3, batch_size=8, state=1, lr=0.05)
    b = train_mlp(momentum_step, X, y, rng=np.random.default_rng(4), epochs=3, batch_size=8, state=1, lr=0.05)
    for x1, x2 in zip(a, b, strict=True):
        np.testing.assert_array_equal(x1, x2)


def test_train_mlp_learns_separable_classes_and_reports_validation():
    X, y = _toy_classes(n=90, d=4, k=3, seed=2)
    Xv, yv = _toy_classes(n=30, d=4, k=3, seed=3)
    hist = train_mlp(
        adam_step,
        X,
        y,
        rng=np.random.default_rng(0),
        hidden=8,
        epochs=30,
        batch_size=16,
        state=2,
        pass_t=True,
        X_val=Xv,
        y_val=yv,
        lr=0.02,
    )
    assert hist.train_loss[-1] < 0.25 * hist.train_loss[0]
    assert hist.val_accuracy.shape == (31,) and hist.val_accuracy[-1] >= 0.9
    # accuracy is a fraction of 30 samples
    np.testing.assert_allclose(hist.val_accuracy * 30, np.round(hist.val_accuracy * 30), atol=1e-9)


def test_train_mlp_errors():
    X, y = _toy_classes(n=12)
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"train_mlp: the loss became infinite or NaN .* step size is probably"):
        train_mlp(sgd_step, X * 1e3, y, rng=rng, epochs=20, batch_size=4, lr=1e6)
    with pytest.raises(TypeError, match=r"train_mlp: argument 'y' must hold integer class labels, got dtype float64"):
        train_mlp(sgd_step, X, y.astype(float), rng=rng, lr=0.1)
    with pytest.raises(ValueError, match=r"train_mlp: argument 'y' must have shape \(12,\)"):
        train_mlp(sgd_step, X, y[:5], rng=rng, lr=0.1)
    with pytest.raises(ValueError, match=r"give both 'X_val' and 'y_val', or neither"):
        train_mlp(sgd_step, X, y, rng=rng, X_val=X, lr=0.1)
    with pytest.raises(ValueError, match=r"argument 'X_val' must have 3 columns like X"):
        train_mlp(sgd_step, X, y, rng=rng, X_val=X[:, :2], y_val=y, lr=0.1)
    with pytest.raises(TypeError, match=r"train_mlp: argument 'rng' must be a numpy.random.Generator"):
        train_mlp(sgd_step, X, y, rng=0, lr=0.1)
    with pytest.raises(TypeError, match=r"train_mlp: calling step_fn\(w, dw, lr=...\) failed .*state="):
        train_mlp(momentum_step, X, y, rng=rng, lr=0.1)
    with pytest.raises(ValueError, match=r"argument 'batch_size' must be an integer >= 1"):
        train_mlp(sgd_step, X, y, rng=rng, batch_size=0, lr=0.1)


# ----------------------------------------------------------------------------- figures


def test_plot_paths_and_plot_losses_draw_labelled_figures():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    q = ill_conditioned_quadratic(10.0, angle=0.5)
    paths = {
        "SGD": run_optimizer(sgd_step, np.array([2.0, 1.0]), q.grad, 30, lr=0.1),
        "Adam": run_optimizer(adam_step, np.array([2.0, 1.0]), q.grad, 30, state=2, pass_t=True, lr=0.1),
    }
    fig, (ax1, ax2) = plt.subplots(1, 2)
    try:
        plot_paths(q.f, paths, bounds=(-3, 3, -2, 2), title="paths", ax=ax1, minimiser=q.minimiser)
        assert ax1.get_title() == "paths" and ax1.get_xlabel() and ax1.get_ylabel()
        assert [t.get_text() for t in ax1.get_legend().get_texts()] == ["SGD", "Adam", "minimum"]
        assert ax1.get_xlim() == (-3.0, 3.0)
        styles = {line.get_linestyle() for line in ax1.get_lines() if line.get_label() in paths}
        assert len(styles) == 2  # told apart without colour
        np.testing.assert_array_equal(ax1.get_lines()[0].get_xydata(), paths["SGD"])
        plot_losses({k: q.f(p) for k, p in paths.items()}, title="losses", ax=ax2)
        assert ax2.get_yscale() == "log" and ax2.get_title() == "losses"
        np.testing.assert_allclose(ax2.get_lines()[1].get_ydata(), q.f(paths["Adam"]))
        with pytest.raises(ValueError, match=r"plot_losses: curve 'z' has values <= 0"):
            plot_losses({"z": np.array([1.0, 0.0])}, title="t", ax=ax2)
        with pytest.raises(ValueError, match=r"plot_paths: path 'bad' must have shape \(T, 2\)"):
            plot_paths(q.f, {"bad": np.zeros((4, 3))}, bounds=(-1, 1, -1, 1), title="t", ax=ax1)
        with pytest.raises(ValueError, match=r"argument 'bounds' must be"):
            plot_paths(q.f, paths, bounds=(1, -1, -1, 1), title="t", ax=ax1)
    finally:
        plt.close(fig)


@pytest.mark.parametrize("bad", ["w", "dw", "m", "v"])
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_adam_step_names_the_non_finite_input(bad: str, value: float) -> None:
    args = {"w": np.ones(3), "dw": np.full(3, 0.5), "m": np.full(3, 0.1), "v": np.full(3, 0.2)}
    args[bad] = args[bad].copy()
    args[bad][1] = value
    with pytest.raises(ValueError, match=rf"adam_step: argument '{bad}' contains NaN or infinity"):
        adam_step(args["w"], args["dw"], args["m"], args["v"], 3)
