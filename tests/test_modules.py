"""Tests for coursekit.modules: closed forms, einsum/loop references and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import central_diff, readonly
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from coursekit.modules import (
    Linear,
    LossModule,
    Module,
    ReLU,
    Sequential,
    Sigmoid,
    SoftmaxCrossEntropy,
    SquaredLoss,
    Tanh,
    exp_neuron_step,
    matmul_backward,
    two_layer_gradients,
)
from coursekit.training import train_sgd

SETTINGS = settings(max_examples=50, deadline=None)
seeds = st.integers(0, 2**32 - 1)


# ---------------------------------------------------------------------------
# Linear
# ---------------------------------------------------------------------------


def test_linear_init_shapes_and_zero_bias():
    lin = Linear(3, 4, rng=np.random.default_rng(0))
    assert lin.W.shape == (3, 4) and lin.W.dtype == np.float64
    np.testing.assert_array_equal(lin.b, np.zeros(4))
    np.testing.assert_array_equal(lin.dW, np.zeros((3, 4)))
    np.testing.assert_array_equal(lin.db, np.zeros(4))
    assert all(p is q for p, q in zip(lin.params(), [lin.W, lin.b], strict=True))
    assert lin.param_names() == ["W", "b"]
    assert repr(lin) == "Linear(n_in=3, n_out=4)"


def test_linear_init_variance_is_one_over_n_in():
    n_in = 400
    lin = Linear(n_in, 500, rng=np.random.default_rng(1))
    # 200000 draws: the sample variance is within a few per mille of 1/n_in
    assert lin.W.var() == pytest.approx(1.0 / n_in, rel=0.02)
    assert abs(lin.W.mean()) < 4 * np.sqrt(1.0 / n_in / lin.W.size)


def test_linear_init_is_reproducible_and_uses_only_rng():
    a = Linear(5, 2, rng=np.random.default_rng(7))
    b = Linear(5, 2, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a.W, b.W)


def test_linear_forward_is_affine_map():
    lin = Linear(2, 3, rng=np.random.default_rng(0))
    lin.set_params([np.arange(6.0).reshape(2, 3), np.array([1.0, -1.0, 0.5])])
    out = lin.forward(np.array([[1.0, 2.0]]))
    # [1, 2] @ [[0, 1, 2], [3, 4, 5]] = [6, 9, 12]
    np.testing.assert_allclose(out, [[7.0, 8.0, 12.5]])


@SETTINGS
@given(n=st.integers(1, 5), n_in=st.integers(1, 4), n_out=st.integers(1, 4), seed=seeds)
def test_linear_backward_matches_einsum_and_loop(n, n_in, n_out, seed):
    rng = np.random.default_rng(seed)
    lin = Linear(n_in, n_out, rng=rng)
    lin.set_params([rng.normal(size=(n_in, n_out)), rng.normal(size=n_out)])
    U = rng.normal(size=(n, n_in))
    dZ = rng.normal(size=(n, n_out))
    lin.forward(U)
    dU = lin.backward(dZ)
    # Z[n, j] = sum_i U[n, i] W[i, j] + b[j]
    np.testing.assert_allclose(lin.dW, np.einsum("ni,nj->ij", U, dZ), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(lin.db, np.einsum("nj->j", dZ), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dU, np.einsum("ij,nj->ni", lin.W, dZ), rtol=1e-12, atol=1e-12)
    loop_dW = np.zeros((n_in, n_out))
    for s in range(n):
        for i in range(n_in):
            for j in range(n_out):
                loop_dW[i, j] += U[s, i] * dZ[s, j]
    np.testing.assert_allclose(lin.dW, loop_dW, rtol=1e-12, atol=1e-12)


@SETTINGS
@given(n=st.integers(1, 4), n_in=st.integers(1, 4), n_out=st.integers(1, 3), seed=seeds)
def test_linear_backward_matches_finite_differences(n, n_in, n_out, seed):
    rng = np.random.default_rng(seed)
    lin = Linear(n_in, n_out, rng=rng)
    U = rng.normal(size=(n, n_in))
    R = rng.normal(size=(n, n_out))  # loss = sum(R * Z)
    lin.forward(U)
    dU = lin.backward(R)
    W0, b0 = lin.W.copy(), lin.b.copy()

    def loss_w(W):
        return np.sum(R * (U @ W + b0))

    def loss_b(b):
        return np.sum(R * (U @ W0 + b))

    def loss_u(u):
        return np.sum(R * (u @ W0 + b0))

    np.testing.assert_allclose(lin.dW, central_diff(loss_w, W0), rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(lin.db, central_diff(loss_b, b0), rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(dU, central_diff(loss_u, U), rtol=1e-7, atol=1e-8)


def test_linear_does_not_mutate_or_alias_inputs():
    lin = Linear(3, 2, rng=np.random.default_rng(0))
    U = np.ones((4, 3))
    lin.forward(readonly(U))
    U_mut = U.copy()
    lin.forward(U_mut)
    U_mut[:] = 100.0  # changing the caller's array afterwards must not change the gradient
    lin.backward(readonly(np.ones((4, 2))))
    np.testing.assert_allclose(lin.dW, np.full((3, 2), 4.0))
    W_before = lin.W.copy()
    new_W = np.zeros((3, 2))
    lin.set_params([new_W, np.zeros(2)])
    new_W[:] = 5.0
    np.testing.assert_array_equal(lin.W, np.zeros((3, 2)))
    assert not np.array_equal(W_before, lin.W)


def test_linear_zero_grad():
    lin = Linear(2, 2, rng=np.random.default_rng(0))
    lin.forward(np.ones((1, 2)))
    lin.backward(np.ones((1, 2)))
    assert np.any(lin.dW != 0)
    lin.zero_grad()
    np.testing.assert_array_equal(lin.dW, 0.0)
    np.testing.assert_array_equal(lin.db, 0.0)


def test_linear_backward_overwrites_not_accumulates():
    lin = Linear(2, 1, rng=np.random.default_rng(0))
    lin.forward(np.ones((1, 2)))
    lin.backward(np.ones((1, 1)))
    first = lin.dW.copy()
    lin.backward(np.ones((1, 1)))
    np.testing.assert_array_equal(lin.dW, first)


def test_linear_errors():
    rng = np.random.default_rng(0)
    with pytest.raises(TypeError, match=r"Linear: argument 'rng' must be a numpy.random.Generator"):
        Linear(2, 3, rng=0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"Linear: argument 'n_in' must be an integer, got float"):
        Linear(2.0, 3, rng=rng)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"Linear: argument 'n_out' must be an integer >= 1"):
        Linear(2, 0, rng=rng)
    lin = Linear(2, 3, rng=rng)
    with pytest.raises(RuntimeError, match=r"Linear.backward: .*call forward first"):
        lin.backward(np.ones((1, 3)))
    with pytest.raises(ValueError, match=r"Linear.forward: argument 'u' must have shape \(N, 2\)"):
        lin.forward(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"Linear.forward: argument 'u' must have 2 dimension"):
        lin.forward(np.ones(2))
    lin.forward(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"Linear.backward: argument 'dv' must have the shape .*\(4, 3\)"):
        lin.backward(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"Linear.set_params: argument 'values' must be a list of 2 arrays"):
        lin.set_params([np.zeros((2, 3))])
    with pytest.raises(ValueError, match=r"Linear.set_params: 'b' must have shape \(3,\)"):
        lin.set_params([np.zeros((2, 3)), np.zeros(2)])


# ---------------------------------------------------------------------------
# Activation modules
# ---------------------------------------------------------------------------

ACTIVATIONS = [
    (ReLU, lambda u: np.maximum(u, 0.0)),
    (Tanh, np.tanh),
    (Sigmoid, special.expit),
]


@pytest.mark.parametrize(("cls", "ref"), ACTIVATIONS)
@SETTINGS
@given(seed=seeds, shape=st.sampled_from([(1,), (3,), (2, 3), (2, 1, 2)]))
def test_activation_forward_and_backward(cls, ref, seed, shape):
    rng = np.random.default_rng(seed)
    u = rng.normal(scale=2.0, size=shape)
    u = np.where(np.abs(u) < 1e-3, 0.5, u)  # keep ReLU away from its kink
    R = rng.normal(size=shape)
    m = cls()
    np.testing.assert_allclose(m.forward(u), ref(u), rtol=1e-14, atol=1e-300)
    du = m.backward(R)
    np.testing.assert_allclose(du, central_diff(lambda p: np.sum(R * ref(p)), u), rtol=1e-7, atol=1e-9)


def test_activation_closed_form_derivatives():
    u = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    ones = np.ones_like(u)
    relu = ReLU()
    relu.forward(u)
    np.testing.assert_array_equal(relu.backward(ones), [0.0, 0.0, 0.0, 1.0, 1.0])  # 0 at the kink
    tanh = Tanh()
    tanh.forward(u)
    np.testing.assert_allclose(tanh.backward(ones), 1.0 / np.cosh(u) ** 2, rtol=1e-14)
    sig = Sigmoid()
    sig.forward(u)
    s = special.expit(u)
    np.testing.assert_allclose(sig.backward(ones), s * (1 - s), rtol=1e-14)
    np.testing.assert_allclose(sig.backward(ones)[2], 0.25)


def test_sigmoid_extreme_inputs_no_warning():
    u = np.array([-1e3, -745.0, 0.0, 745.0, 1e3, 1e300, -1e300])
    sig = Sigmoid()
    v = sig.forward(u)  # RuntimeWarnings are errors in this suite
    np.testing.assert_allclose(v, special.expit(u), rtol=1e-14, atol=1e-300)  # e^-745 is subnormal
    assert np.all((v >= 0) & (v <= 1))
    du = sig.backward(np.ones_like(u))
    assert np.all(np.isfinite(du))


@pytest.mark.parametrize("cls", [ReLU, Tanh, Sigmoid])
def test_activation_errors_and_purity(cls):
    m = cls()
    name = cls.__name__
    with pytest.raises(RuntimeError, match=rf"{name}.backward: .*call forward first"):
        m.backward(np.ones(3))
    u = readonly([[-1.0, 2.0]])
    v = m.forward(u)
    v[...] = 7.0  # changing the returned array must not change the cache
    du = m.backward(readonly([[1.0, 1.0]]))
    assert du.shape == (1, 2)
    ref = cls()
    ref.forward(u)
    np.testing.assert_array_equal(du, ref.backward(np.ones((1, 2))))
    with pytest.raises(ValueError, match=rf"{name}.backward: argument 'dv' must have the shape"):
        m.backward(np.ones(3))
    with pytest.raises(TypeError, match=rf"{name}.forward: argument 'u' must"):
        m.forward("abc")


# ---------------------------------------------------------------------------
# Sequential and loss modules
# ---------------------------------------------------------------------------


def mlp(rng):
    return Sequential(Linear(3, 5, rng=rng), Tanh(), Linear(5, 4, rng=rng), Sigmoid(), Linear(4, 2, rng=rng))


def test_sequential_params_grads_order_and_names():
    net = mlp(np.random.default_rng(0))
    assert net.param_names() == [
        "0.Linear.W",
        "0.Linear.b",
        "2.Linear.W",
        "2.Linear.b",
        "4.Linear.W",
        "4.Linear.b",
    ]
    assert [p.shape for p in net.params()] == [(3, 5), (5,), (5, 4), (4,), (4, 2), (2,)]
    assert [g.shape for g in net.grads()] == [p.shape for p in net.params()]
    assert net.params()[2] is net[2].W
    assert len(net) == 5 and isinstance(net[1], Tanh)
    assert "Sequential(Linear(n_in=3, n_out=5), Tanh()" in repr(net)


@SETTINGS
@given(seed=seeds, n=st.integers(1, 4))
def test_sequential_backward_matches_finite_differences(seed, n):
    rng = np.random.default_rng(seed)
    net = mlp(rng)
    X = rng.normal(size=(n, 3))
    R = rng.normal(size=(n, 2))
    net.forward(X)
    dX = net.backward(R)
    grads = [g.copy() for g in net.grads()]
    np.testing.assert_allclose(dX, central_diff(lambda x: np.sum(R * net.forward(x)), X), rtol=1e-6, atol=1e-9)
    for p, g in zip(net.params(), grads, strict=True):
        original = p.copy()

        def loss_at(value, p=p):
            p[...] = value
            return np.sum(R * net.forward(X))

        num = central_diff(loss_at, original)
        p[...] = original
        np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-9)


def test_sequential_equals_manual_composition():
    rng = np.random.default_rng(3)
    l1, l2 = Linear(2, 3, rng=rng), Linear(3, 1, rng=rng)
    net = Sequential(l1, ReLU(), l2)
    X = rng.normal(size=(5, 2))
    expected = np.maximum(X @ l1.W + l1.b, 0) @ l2.W + l2.b
    np.testing.assert_allclose(net.forward(X), expected, rtol=1e-14)


def test_sequential_zero_grad_and_set_params():
    rng = np.random.default_rng(0)
    net = mlp(rng)
    net.forward(np.ones((2, 3)))
    net.backward(np.ones((2, 2)))
    assert any(np.any(g != 0) for g in net.grads())
    net.zero_grad()
    assert all(np.all(g == 0) for g in net.grads())
    new = [np.full(p.shape, float(i)) for i, p in enumerate(net.params())]
    net.set_params(new)
    for i, p in enumerate(net.params()):
        np.testing.assert_array_equal(p, float(i))
        assert p is not new[i]


def test_sequential_errors():
    with pytest.raises(TypeError, match=r"Sequential: argument 1 must be a Module"):
        Sequential(ReLU(), np.tanh)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"Sequential: give at least one module"):
        Sequential()
    with pytest.raises(RuntimeError, match=r"call forward first"):
        Sequential(ReLU()).backward(np.ones(2))


def test_base_module_is_abstract():
    with pytest.raises(NotImplementedError):
        Module().forward(np.ones(2))
    with pytest.raises(NotImplementedError):
        Module().backward(np.ones(2))
    with pytest.raises(NotImplementedError):
        LossModule().forward(np.ones(2), np.ones(2))
    assert Module().params() == [] and Module().grads() == []


@SETTINGS
@given(seed=seeds, n=st.integers(1, 5), k=st.integers(2, 4))
def test_softmax_cross_entropy_module(seed, n, k):
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=2, size=(n, k))
    labels = rng.integers(0, k, size=n)
    loss_mod = SoftmaxCrossEntropy()
    loss = loss_mod.forward(z, labels)
    expected = -np.mean(special.log_softmax(z, axis=1)[np.arange(n), labels])
    assert loss == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(
        loss_mod.backward(),
        central_diff(lambda p: SoftmaxCrossEntropy().forward(p, labels), z),
        rtol=1e-6,
        atol=1e-9,
    )
    np.testing.assert_allclose(loss_mod.backward(2.0), 2.0 * loss_mod.backward(), rtol=0)


def test_squared_loss_module():
    m = SquaredLoss()
    assert m(np.array([[1.0], [3.0]]), np.array([[0.0], [0.0]])) == pytest.approx(0.5 * 10 / 2)
    np.testing.assert_allclose(m.backward(), [[0.5], [1.5]])


def test_loss_module_errors():
    with pytest.raises(RuntimeError, match=r"SoftmaxCrossEntropy.backward: .*call forward first"):
        SoftmaxCrossEntropy().backward()
    m = SquaredLoss()
    m.forward(np.zeros(2), np.zeros(2))
    with pytest.raises(TypeError, match=r"SquaredLoss.backward: argument 'dloss' must be a number"):
        m.backward("1")  # type: ignore[arg-type]


def test_training_step_reduces_loss():
    """Plain SGD through params()/grads() lowers the loss on a fixed batch."""
    rng = np.random.default_rng(0)
    net = Sequential(Linear(2, 8, rng=rng), ReLU(), Linear(8, 3, rng=rng))
    X = rng.normal(size=(20, 2))
    y = rng.integers(0, 3, size=20)
    loss_fn = SoftmaxCrossEntropy()
    first = loss_fn.forward(net.forward(X), y)
    for _ in range(50):
        loss_fn.forward(net.forward(X), y)
        net.backward(loss_fn.backward())
        for p, g in zip(net.params(), net.grads(), strict=True):
            p -= 0.5 * g
    assert loss_fn.forward(net.forward(X), y) < 0.8 * first


# ---------------------------------------------------------------------------
# Modules defined by parameter names only (how the notebook writes its layers)
# ---------------------------------------------------------------------------


class Scale(Module):
    """v = a * u with one weight array ``a``: declares only param_names, like the notebook's layers."""

    def __init__(self, a):
        self.a = np.array(a, dtype=float)
        self.da = np.zeros_like(self.a)
        self._u = None

    def param_names(self):
        return ["a"]

    def forward(self, u):
        self._u = np.array(u, dtype=float)
        return self.a * self._u

    def backward(self, dv):
        self.da = np.sum(dv * self._u, axis=0)
        return dv * self.a


def test_module_defaults_follow_param_names():
    m = Scale([2.0, 3.0])
    assert m.params()[0] is m.a and m.grads()[0] is m.da
    m.forward(np.array([[1.0, 1.0], [2.0, -1.0]]))
    m.backward(np.ones((2, 2)))
    np.testing.assert_array_equal(m.da, [3.0, 0.0])
    m.zero_grad()
    np.testing.assert_array_equal(m.da, [0.0, 0.0])
    new = np.array([5.0, 7.0])
    m.set_params([new])
    np.testing.assert_array_equal(m.a, new)
    assert m.a is not new
    with pytest.raises(ValueError, match=r"Scale.set_params: 'a' must have shape \(2,\)"):
        m.set_params([np.ones(3)])
    with pytest.raises(ValueError, match=r"ReLU.set_params: argument 'values' must be a list of 0 arrays"):
        ReLU().set_params([np.ones(1)])
    ReLU().set_params([])
    ReLU().zero_grad()


# ---------------------------------------------------------------------------
# train_sgd
# ---------------------------------------------------------------------------


@pytest.fixture
def quiet(monkeypatch):
    """Train as under nbgrader: no progress bar."""
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")


def test_train_sgd_full_batch_is_one_gradient_step(quiet):
    """batch_size >= N: one epoch is one step of gradient descent on the closed-form gradient."""
    rng = np.random.default_rng(0)
    layer = Linear(3, 2, rng=rng)
    layer.set_params([rng.normal(size=(3, 2)), rng.normal(size=2)])
    W0, b0 = layer.W.copy(), layer.b.copy()
    X = rng.normal(size=(7, 3))
    Y = rng.normal(size=(7, 2))
    lr = 0.3
    losses = train_sgd(layer, SquaredLoss(), X, Y, lr=lr, epochs=1, batch_size=50, rng=rng)
    R = X @ W0 + b0 - Y
    assert losses == [pytest.approx(0.5 * np.sum(R**2) / 7, rel=1e-13)]
    np.testing.assert_allclose(layer.W, W0 - lr * X.T @ R / 7, rtol=1e-13)
    np.testing.assert_allclose(layer.b, b0 - lr * R.sum(axis=0) / 7, rtol=1e-13)


def test_train_sgd_batch_of_one_is_per_sample_sgd(quiet):
    """batch_size = 1: one update per sample, in the order of rng.permutation, with the per-sample gradient."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(5, 2))
    y = rng.normal(size=(5, 1))
    layer = Linear(2, 1, rng=np.random.default_rng(2))
    w, c = layer.W[:, 0].copy(), float(layer.b[0])
    lr = 0.1
    losses = train_sgd(layer, SquaredLoss(), X, y, lr=lr, epochs=2, batch_size=1, rng=np.random.default_rng(3))
    shadow = np.random.default_rng(3)
    expected_losses = []
    for _ in range(2):
        total = 0.0
        for i in shadow.permutation(5):
            r = float(X[i] @ w + c - y[i, 0])
            total += 0.5 * r * r
            w, c = w - lr * r * X[i], c - lr * r
        expected_losses.append(total / 5)
    np.testing.assert_allclose(layer.W[:, 0], w, rtol=1e-12)
    assert float(layer.b[0]) == pytest.approx(c, rel=1e-12)
    np.testing.assert_allclose(losses, expected_losses, rtol=1e-12)


def test_train_sgd_learns_two_blobs_and_leaves_data_alone(quiet):
    rng = np.random.default_rng(4)
    X = np.vstack([rng.normal(-1.5, 0.5, size=(40, 2)), rng.normal(1.5, 0.5, size=(40, 2))])
    y = np.repeat([0, 1], 40)
    X_saved, y_saved = X.copy(), y.copy()
    first = Linear(2, 8, rng=rng)
    W_handed = first.W
    W_saved = W_handed.copy()
    net = Sequential(first, Tanh(), Linear(8, 2, rng=rng))
    losses = train_sgd(net, SoftmaxCrossEntropy(), X, y, lr=0.5, epochs=20, batch_size=16, rng=rng)
    assert len(losses) == 20 and all(isinstance(v, float) for v in losses)
    assert losses[-1] < 0.2 * losses[0]
    assert np.mean(np.argmax(net.forward(X), axis=1) == y) == 1.0
    np.testing.assert_array_equal(X, X_saved)
    np.testing.assert_array_equal(y, y_saved)
    np.testing.assert_array_equal(W_handed, W_saved)  # updates replace arrays, never write into them


def test_train_sgd_zero_epochs_changes_nothing(quiet):
    rng = np.random.default_rng(5)
    layer = Linear(2, 2, rng=rng)
    W0 = layer.W.copy()
    assert (
        train_sgd(
            layer, SoftmaxCrossEntropy(), np.ones((3, 2)), np.array([0, 1, 0]), lr=1.0, epochs=0, batch_size=2, rng=rng
        )
        == []
    )
    np.testing.assert_array_equal(layer.W, W0)


def test_train_sgd_is_silent_while_grading(quiet, capfd):
    rng = np.random.default_rng(6)
    train_sgd(
        Linear(2, 1, rng=rng),
        SquaredLoss(),
        rng.normal(size=(6, 2)),
        rng.normal(size=(6, 1)),
        lr=0.1,
        epochs=3,
        batch_size=4,
        rng=rng,
    )
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_train_sgd_divergence_is_a_clear_error(quiet):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(20, 3)) * 10
    y = rng.normal(size=(20, 1))
    net = Sequential(Linear(3, 4, rng=rng), Linear(4, 1, rng=rng))
    with pytest.raises(ValueError, match=r"train_sgd: the loss or the weights stopped being finite in epoch \d+"):
        train_sgd(net, SquaredLoss(), X, y, lr=50.0, epochs=50, batch_size=5, rng=rng)


def test_train_sgd_errors(quiet):
    rng = np.random.default_rng(8)
    layer = Linear(2, 2, rng=rng)
    X, y = np.ones((4, 2)), np.array([0, 1, 0, 1])
    ok = {"lr": 0.1, "epochs": 1, "batch_size": 2, "rng": rng}
    with pytest.raises(TypeError, match=r"train_sgd: argument 'model' must be a coursekit.modules.Module"):
        train_sgd(np.tanh, SoftmaxCrossEntropy(), X, y, **ok)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"train_sgd: argument 'loss' must be a coursekit.modules.LossModule"):
        train_sgd(layer, ReLU(), X, y, **ok)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"train_sgd: argument 'X' must have 2 dimension"):
        train_sgd(layer, SoftmaxCrossEntropy(), np.ones(4), y, **ok)
    with pytest.raises(ValueError, match=r"train_sgd: argument 'y' must have one entry per row of X \(length 4"):
        train_sgd(layer, SoftmaxCrossEntropy(), X, y[:3], **ok)
    with pytest.raises(ValueError, match=r"train_sgd: argument 'lr' must be finite and > 0"):
        train_sgd(layer, SoftmaxCrossEntropy(), X, y, **{**ok, "lr": 0.0})
    with pytest.raises(TypeError, match=r"train_sgd: argument 'epochs' must be an integer, got float"):
        train_sgd(layer, SoftmaxCrossEntropy(), X, y, **{**ok, "epochs": 2.0})
    with pytest.raises(ValueError, match=r"train_sgd: argument 'batch_size' must be an integer >= 1"):
        train_sgd(layer, SoftmaxCrossEntropy(), X, y, **{**ok, "batch_size": 0})
    with pytest.raises(TypeError, match=r"train_sgd: argument 'rng' must be a numpy.random.Generator"):
        train_sgd(layer, SoftmaxCrossEntropy(), X, y, **{**ok, "rng": 0})


# ---------------------------------------------------------------------------
# The plain backprop functions
# ---------------------------------------------------------------------------


@SETTINGS
@given(n=st.integers(1, 4), k=st.integers(1, 4), m=st.integers(1, 4), seed=seeds)
def test_matmul_backward_matches_einsum_and_finite_differences(n, k, m, seed):
    rng = np.random.default_rng(seed)
    A, B, dC = rng.normal(size=(n, k)), rng.normal(size=(k, m)), rng.normal(size=(n, m))
    dA, dB = matmul_backward(readonly(dC), readonly(A), readonly(B))
    assert dA.shape == A.shape and dB.shape == B.shape
    np.testing.assert_allclose(dA, np.einsum("nm,km->nk", dC, B), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dB, np.einsum("nk,nm->km", A, dC), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dA, central_diff(lambda a: np.sum(dC * (a @ B)), A), rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(dB, central_diff(lambda b: np.sum(dC * (A @ b)), B), rtol=1e-7, atol=1e-8)


def test_matmul_backward_errors():
    with pytest.raises(ValueError, match=r"matmul_backward: A of shape \(2, 3\) and B of shape \(2, 2\)"):
        matmul_backward(np.ones((2, 2)), np.ones((2, 3)), np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"matmul_backward: argument 'dC' must have shape \(2, 4\)"):
        matmul_backward(np.ones((4, 2)), np.ones((2, 3)), np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"matmul_backward: argument 'A' must have 2 dimension"):
        matmul_backward(np.ones((1, 1)), np.ones(3), np.ones((3, 1)))


def two_layer_params(rng, d, h, k):
    return rng.normal(size=(d, h)), rng.normal(size=h), rng.normal(size=(h, k)), rng.normal(size=k)


def two_layer_loss(X, y, W1, b1, W2, b2):
    F = np.maximum(X @ W1 + b1, 0.0) @ W2 + b2
    return 0.5 * np.sum((F - y) ** 2) / X.shape[0]


@SETTINGS
@given(n=st.integers(1, 5), d=st.integers(1, 3), h=st.integers(1, 4), k=st.integers(1, 3), seed=seeds)
def test_two_layer_gradients_match_finite_differences(n, d, h, k, seed):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(n, d)), rng.normal(size=(n, k))
    W1, b1, W2, b2 = two_layer_params(rng, d, h, k)
    if np.any(np.abs(X @ W1 + b1) < 1e-4):  # a pre-activation at the ReLU kink
        b1 = b1 + 0.01
    g = two_layer_gradients(X, y, W1, b1, W2, b2)
    assert set(g) == {"dW1", "db1", "dW2", "db2"}
    args = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
    for name, value in args.items():

        def loss_at(v, name=name):
            return two_layer_loss(X, y, **{**args, name: v})

        assert g["d" + name].shape == value.shape
        np.testing.assert_allclose(g["d" + name], central_diff(loss_at, value), rtol=1e-6, atol=1e-8)


def test_two_layer_gradients_equal_module_chain():
    rng = np.random.default_rng(11)
    l1, l2 = Linear(3, 4, rng=rng), Linear(4, 2, rng=rng)
    l1.set_params([l1.W, rng.normal(size=4)])
    X, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    net, loss = Sequential(l1, ReLU(), l2), SquaredLoss()
    loss.forward(net.forward(X), y)
    net.backward(loss.backward())
    g = two_layer_gradients(X, y, l1.W, l1.b, l2.W, l2.b)
    for key, ref in [("dW1", l1.dW), ("db1", l1.db), ("dW2", l2.dW), ("db2", l2.db)]:
        np.testing.assert_allclose(g[key], ref, rtol=1e-12, atol=1e-14)


def test_two_layer_gradients_one_output_and_dead_units():
    X = np.array([[1.0], [2.0]])
    W1, b1 = np.array([[1.0, -1.0]]), np.array([0.0, 0.0])  # the second unit is dead on both samples
    W2, b2 = np.array([[2.0], [3.0]]), np.array([0.5])
    g = two_layer_gradients(X, np.array([0.0, 1.0]), W1, b1, W2, b2)
    # F = 2 x + 0.5 = [2.5, 4.5]; dF = (F - y)/2 = [1.25, 1.75]
    np.testing.assert_allclose(g["db2"], [3.0])
    np.testing.assert_allclose(g["dW2"], [[1.25 * 1 + 1.75 * 2], [0.0]])
    np.testing.assert_allclose(g["dW1"], [[2 * (1.25 + 3.5), 0.0]])
    np.testing.assert_allclose(g["db1"], [2 * 3.0, 0.0])


def test_two_layer_gradients_errors():
    rng = np.random.default_rng(0)
    X, y = np.ones((3, 2)), np.ones((3, 1))
    W1, b1, W2, b2 = two_layer_params(rng, 2, 4, 1)
    with pytest.raises(
        ValueError, match=r"two_layer_gradients: argument 'W1' must have shape \(2, H\) since X has 2 columns"
    ):
        two_layer_gradients(X, y, W1.T, b1, W2, b2)
    with pytest.raises(ValueError, match=r"argument 'b1' must have shape \(4,\)"):
        two_layer_gradients(X, y, W1, b1[:3], W2, b2)
    with pytest.raises(ValueError, match=r"argument 'y' must have shape \(3, 1\)"):
        two_layer_gradients(X, np.ones((2, 1)), W1, b1, W2, b2)
    with pytest.raises(ValueError, match=r"argument 'W2' must have shape \(4, K\)"):
        two_layer_gradients(X, y, W1, b1, W2[:3], b2)
    with pytest.raises(ValueError, match=r"argument 'b2' must have 1 dimension"):
        two_layer_gradients(X, y, W1, b1, W2, np.ones((1, 1)))


def exp_neuron_loss(w, w0, X, y):
    return np.mean((np.exp(X @ w + w0) - y) ** 2)


@SETTINGS
@given(n=st.integers(1, 6), d=st.integers(1, 3), seed=seeds, lr=st.floats(1e-3, 0.5))
def test_exp_neuron_step_is_a_gradient_step(n, d, seed, lr):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(n, d)), rng.normal(size=n)
    w, w0 = rng.normal(scale=0.5, size=d), float(rng.normal())
    w_new, w0_new = exp_neuron_step(readonly(w), w0, readonly(X), readonly(y), lr)
    assert w_new.shape == (d,) and isinstance(w0_new, float)
    gw = central_diff(lambda v: exp_neuron_loss(v, w0, X, y), w)
    g0 = central_diff(lambda v: exp_neuron_loss(w, v[0], X, y), np.array([w0]))[0]
    np.testing.assert_allclose((w - w_new) / lr, gw, rtol=1e-6, atol=1e-7)
    assert (w0 - w0_new) / lr == pytest.approx(g0, rel=1e-6, abs=1e-7)


def test_exp_neuron_step_closed_form_one_sample():
    # z = 0 so a = 1; J = (1 - y)^2 with y = 3: dJ/dw0 = 2 (1 - 3) * 1 = -4, dJ/dw = -4 x
    w_new, w0_new = exp_neuron_step(np.array([0.0, 0.0]), 0.0, np.array([[1.0, -2.0]]), np.array([3.0]), 0.1)
    np.testing.assert_allclose(w_new, [0.4, -0.8])
    assert w0_new == pytest.approx(0.4)


def test_exp_neuron_step_errors():
    with pytest.raises(ValueError, match=r"exp_neuron_step: exp\(X @ w \+ w0\) or the step overflowed"):
        exp_neuron_step(np.array([1000.0]), 0.0, np.ones((1, 1)), np.zeros(1), 0.1)
    with pytest.raises(ValueError, match=r"exp_neuron_step: argument 'lr' must be finite and > 0"):
        exp_neuron_step(np.zeros(1), 0.0, np.ones((1, 1)), np.zeros(1), 0.0)
    with pytest.raises(ValueError, match=r"exp_neuron_step: argument 'w' must have shape \(2,\)"):
        exp_neuron_step(np.zeros(1), 0.0, np.ones((1, 2)), np.zeros(1), 0.1)
    with pytest.raises(ValueError, match=r"argument 'w0' must have 0 dimension"):
        exp_neuron_step(np.zeros(1), np.zeros(1), np.ones((1, 1)), np.zeros(1), 0.1)


# ---------------------------------------------------------------------------
# Module backprop against reverse-mode autodiff (an independent implementation)
# ---------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(seed=seeds, n=st.integers(1, 6), d=st.integers(1, 4), h=st.integers(1, 5), k=st.integers(1, 3))
def test_mlp_backprop_equals_autodiff_to_1e10(seed, n, d, h, k):
    """Tanh and sigmoid hidden layers, squared loss: module backprop == coursekit.autodiff.Var to 1e-10."""
    from coursekit.autodiff import Var, exp, tanh

    rng = np.random.default_rng(seed)
    l1, l2, l3 = Linear(d, h, rng=rng), Linear(h, h, rng=rng), Linear(h, k, rng=rng)
    for layer in (l1, l2, l3):
        layer.set_params([layer.W, rng.normal(scale=0.5, size=layer.b.shape)])
    net = Sequential(l1, Tanh(), l2, Sigmoid(), l3)
    X = rng.normal(size=(n, d))
    Y = rng.normal(size=(n, k))
    loss_mod = SquaredLoss()
    loss = loss_mod.forward(net.forward(X), Y)
    dX = net.backward(loss_mod.backward())

    Xv = Var(X)
    P = [Var(p) for p in net.params()]
    A1 = tanh(Xv @ P[0] + P[1])
    A2 = 1.0 / (1.0 + exp(-(A1 @ P[2] + P[3])))
    F = A2 @ P[4] + P[5]
    L = 0.5 * ((F - Y) ** 2).sum() / n
    L.backward()

    assert L.value == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(Xv.grad, dX, rtol=1e-10, atol=1e-12)
    for v, g in zip(P, net.grads(), strict=True):
        np.testing.assert_allclose(v.grad, g, rtol=1e-10, atol=1e-12)


def test_sequential_backward_without_input_grad_gives_the_same_weight_gradients() -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(7, 4))
    dv = rng.normal(size=(7, 2))
    nets = [
        Sequential(Linear(4, 5, rng=np.random.default_rng(1)), ReLU(), Linear(5, 2, rng=np.random.default_rng(2)))
        for _ in range(2)
    ]
    for net in nets:
        net.forward(X)
    du = nets[0].backward(dv)
    assert nets[1].backward(dv, input_grad=False) is None
    assert du.shape == X.shape
    for g_full, g_weights_only in zip(nets[0].grads(), nets[1].grads(), strict=True):
        np.testing.assert_array_equal(g_full, g_weights_only)
    # A first module that is not a Linear layer still gets its backward call.
    act_first = Sequential(ReLU(), Linear(4, 2, rng=rng))
    act_first.forward(X)
    assert act_first.backward(dv, input_grad=False) is None
    with pytest.raises(RuntimeError, match=r"Linear.backward: no cached values"):
        Sequential(Linear(4, 2, rng=rng)).backward(dv, input_grad=False)
    with pytest.raises(ValueError, match=r"Linear.backward: argument 'dv' must have the shape"):
        nets[1].backward(np.ones((7, 3)), input_grad=False)
