"""Tests for coursekit.gradcheck: closed-form gradients, identities of relative_error, broken modules."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from coursekit.gradcheck import GradCheckReport, check_module_gradients, numerical_gradient, relative_error
from coursekit.modules import Linear, ReLU, Sequential, Sigmoid, SoftmaxCrossEntropy, SquaredLoss, Tanh

SETTINGS = settings(max_examples=50, deadline=None)
seeds = st.integers(0, 2**32 - 1)
shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)


# ---------------------------------------------------------------------------
# numerical_gradient
# ---------------------------------------------------------------------------


@SETTINGS
@given(shape=shapes, seed=seeds)
def test_numerical_gradient_of_quadratic_form(shape, seed):
    """f(x) = x.A x + c.x has gradient (A + A^T) x + c, for x of any shape (flattened in A)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape)
    n = x.size
    A = rng.normal(size=(n, n))
    c = rng.normal(size=n)

    def f(v):
        flat = v.ravel()
        return flat @ A @ flat + c @ flat

    expected = ((A + A.T) @ x.ravel() + c).reshape(shape)
    g = numerical_gradient(f, x)
    assert g.shape == x.shape and g.dtype == np.float64
    # a quadratic has zero third derivative: only rounding error remains
    np.testing.assert_allclose(g, expected, rtol=1e-7, atol=1e-8)


def test_numerical_gradient_of_sin_known_values():
    x = np.array([0.0, np.pi / 3, 1.0])
    g = numerical_gradient(lambda v: np.sum(np.sin(v)), x)
    np.testing.assert_allclose(g, np.cos(x), rtol=1e-9, atol=1e-11)


def test_numerical_gradient_restores_x_bitwise():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4)) * 1e-3 + 0.1  # values whose +h/-h round trip is not exact
    before = x.copy()
    seen = []

    def f(v):
        seen.append(v is x)
        return float(np.sum(v**3))

    numerical_gradient(f, x, h=1e-5)
    assert all(seen)  # f receives x itself, perturbed in place
    np.testing.assert_array_equal(x, before)
    assert x.tobytes() == before.tobytes()


def test_numerical_gradient_restores_x_on_exception():
    x = np.array([1.0, 2.0, 3.0])
    before = x.copy()
    calls = {"n": 0}

    def f(v):
        calls["n"] += 1
        if calls["n"] == 4:  # raise during the second entry, while it is perturbed
            raise RuntimeError("boom")
        return float(v.sum())

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(f, x)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_works_through_closure_on_module_weights():
    rng = np.random.default_rng(1)
    lin = Linear(3, 2, rng=rng)
    X = rng.normal(size=(4, 3))
    W_before = lin.W.copy()
    g = numerical_gradient(lambda _: float(np.sum(lin.forward(X))), lin.W)
    np.testing.assert_allclose(g, np.tile(X.sum(axis=0)[:, None], (1, 2)), rtol=1e-8)
    np.testing.assert_array_equal(lin.W, W_before)


def test_numerical_gradient_non_contiguous_view():
    base = np.arange(12.0).reshape(3, 4)
    view = base.T  # a Fortran-ordered view
    g = numerical_gradient(lambda v: float(np.sum(v * v)), view)
    np.testing.assert_allclose(g, 2 * view, rtol=1e-8)
    np.testing.assert_array_equal(base, np.arange(12.0).reshape(3, 4))


def test_numerical_gradient_non_float_inputs_are_copied():
    x_int = np.array([1, 2, 3])
    g = numerical_gradient(lambda v: float(np.sum(v**2)), x_int)
    np.testing.assert_allclose(g, [2.0, 4.0, 6.0], rtol=1e-8)
    assert x_int.dtype.kind == "i"
    g0 = numerical_gradient(lambda v: float(v**3), 2.0)
    assert g0.shape == ()
    assert float(g0) == pytest.approx(12.0, rel=1e-8)
    np.testing.assert_allclose(numerical_gradient(lambda v: v[0] * v[1], [2.0, 5.0]), [5.0, 2.0], rtol=1e-9)


def test_numerical_gradient_accepts_size_one_array_output():
    g = numerical_gradient(lambda v: np.array([v[0] ** 2]), np.array([3.0]))
    np.testing.assert_allclose(g, [6.0], rtol=1e-8)


def test_numerical_gradient_errors():
    x = np.ones(3)
    with pytest.raises(TypeError, match=r"numerical_gradient: argument 'f' must be callable"):
        numerical_gradient(3.0, x)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"numerical_gradient: f must return a single number .* shape \(3,\)"):
        numerical_gradient(lambda v: v * 2, x)
    with pytest.raises(TypeError, match=r"numerical_gradient: f must return a real number, got NoneType"):
        numerical_gradient(lambda v: None, x)
    with pytest.raises(ValueError, match=r"numerical_gradient: argument 'h' must be finite and > 0"):
        numerical_gradient(lambda v: float(v.sum()), x, h=0.0)
    with pytest.raises(ValueError, match=r"numerical_gradient: f returned nan"):
        numerical_gradient(lambda v: float("nan"), x)
    ro = np.ones(2)
    ro.setflags(write=False)
    with pytest.raises(ValueError, match=r"numerical_gradient: argument 'x' is a read-only array"):
        numerical_gradient(lambda v: float(v.sum()), ro)
    with pytest.raises(ValueError, match=r"numerical_gradient: argument 'x' contains NaN"):
        numerical_gradient(lambda v: float(v.sum()), np.array([np.nan]))


# ---------------------------------------------------------------------------
# relative_error
# ---------------------------------------------------------------------------


def test_relative_error_known_values():
    assert relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    # max|a-b| = 0.5, max(|a|+|b|) = 4.5
    assert relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.5])) == pytest.approx(0.5 / 4.5)
    assert relative_error(np.array([1.0]), np.array([-1.0])) == pytest.approx(1.0)
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(0.0, 1e-300) == pytest.approx(1.0)
    assert relative_error(np.zeros((0, 2)), np.zeros((0, 2))) == 0.0
    assert type(relative_error([1.0], [2.0])) is float


def test_relative_error_is_not_fooled_by_tiny_entries():
    """Entry-wise ratios would call this a failure; the gradient is right to 1e-12 of its size."""
    a = np.array([1.0, 1e-14])
    b = np.array([1.0, 2e-14])
    assert relative_error(a, b) < 1e-13


finite = st.floats(-1e6, 1e6, allow_nan=False)


@SETTINGS
@given(
    data=st.data(),
    shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=4),
    scale=st.floats(1e-3, 1e3).map(lambda s: s * (1 if s > 0.5 else -1)),
)
def test_relative_error_properties(data, shape, scale):
    a = data.draw(hnp.arrays(np.float64, shape, elements=finite))
    b = data.draw(hnp.arrays(np.float64, shape, elements=finite))
    r = relative_error(a, b)
    assert 0.0 <= r <= 1.0
    assert r == relative_error(b, a)
    assert relative_error(a, a) == 0.0
    size = float(np.max(np.abs(a) + np.abs(b)))
    # scale invariance holds while the denominator stays above the 'tiny' floor
    assume(size == 0.0 or size * min(abs(scale), 1.0) > 1e-290)
    assert relative_error(scale * a, scale * b) == pytest.approx(r, rel=1e-9, abs=1e-300)


def test_relative_error_errors():
    with pytest.raises(ValueError, match=r"relative_error: arguments 'a' and 'b' must have the same shape"):
        relative_error(np.zeros(3), np.zeros((3, 1)))
    with pytest.raises(TypeError, match=r"relative_error: argument 'a' must"):
        relative_error("x", np.zeros(1))


# ---------------------------------------------------------------------------
# check_module_gradients
# ---------------------------------------------------------------------------


class DoubledWeightGradient(Linear):
    """A classic bug: dW off by a factor."""

    def backward(self, dv):
        du = super().backward(dv)
        self.dW = 2.0 * self.dW
        return du


class UnsummedBias(Linear):
    """A classic bug: db taken from the first sample instead of summed over the batch."""

    def backward(self, dv):
        du = super().backward(dv)
        self.db = np.asarray(dv)[0].copy()
        return du


class WrongTanh(Tanh):
    """A classic bug: the local derivative 1 - tanh(u)^2 is forgotten; dv passes straight through."""

    def backward(self, dv):
        return np.asarray(dv, dtype=float)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_correct_network_passes(seed):
    rng = np.random.default_rng(seed)
    net = Sequential(Linear(4, 6, rng=rng), Tanh(), Linear(6, 5, rng=rng), Sigmoid(), Linear(5, 3, rng=rng))
    X = rng.normal(size=(7, 4))
    report = check_module_gradients(net, X, rng=rng)
    assert isinstance(report, GradCheckReport)
    assert report.ok, str(report)
    assert [e.name for e in report.entries] == ["input", *net.param_names()]
    assert report.worst.error < 1e-8
    assert report.errors["input"] == report.entries[0].error


def test_relu_network_with_loss_module_passes():
    rng = np.random.default_rng(5)
    net = Sequential(Linear(3, 8, rng=rng), ReLU(), Linear(8, 4, rng=rng))
    X = rng.normal(size=(6, 3))
    y = rng.integers(0, 4, size=6)
    report = check_module_gradients(net, X, loss=SoftmaxCrossEntropy(), target=y)
    assert report.ok, str(report)
    reg = check_module_gradients(net, X, loss=SquaredLoss(), target=rng.normal(size=(6, 4)))
    assert reg.ok, str(reg)


@pytest.mark.parametrize(
    ("bad", "name"),
    [(DoubledWeightGradient, "1.DoubledWeightGradient.W"), (UnsummedBias, "1.UnsummedBias.b")],
)
def test_broken_linear_is_caught(bad, name):
    rng = np.random.default_rng(0)
    net = Sequential(Tanh(), bad(3, 2, rng=rng))
    report = check_module_gradients(net, rng.normal(size=(5, 3)), rng=rng)
    assert not report.ok
    assert report.worst.name == name
    assert report.errors[name] > 1e-3
    assert report.errors["input"] < 1e-8  # the bug is in the weights only
    assert f"FAILED: worst is {name}" in str(report)


def test_broken_activation_is_caught_at_input():
    rng = np.random.default_rng(0)
    report = check_module_gradients(WrongTanh(), rng.normal(size=(4, 3)), rng=rng)
    assert not report.ok
    assert [e.name for e in report.entries] == ["input"]


def test_report_string_is_a_table_and_nothing_is_printed(capsys):
    rng = np.random.default_rng(0)
    lin = Linear(2, 2, rng=rng)
    report = check_module_gradients(lin, rng.normal(size=(3, 2)), rng=rng)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    text = str(report)
    lines = text.splitlines()
    assert lines[0].startswith("gradient check: central differences with h=1e-05")
    assert lines[1].split() == ["array", "shape", "relative", "error", "ok"]
    assert lines[2].split()[0] == "input" and lines[2].split()[-1] == "yes"
    assert lines[3].startswith("W ") and lines[4].startswith("b ")
    assert lines[-1] == "all gradients agree"


def test_check_leaves_module_consistent_and_input_untouched():
    rng = np.random.default_rng(3)
    net = Sequential(Linear(3, 4, rng=rng), Tanh(), Linear(4, 2, rng=rng))
    params_before = [p.copy() for p in net.params()]
    X = rng.normal(size=(5, 3))
    X.setflags(write=False)
    y = np.array([0, 1, 1, 0, 1])
    loss = SoftmaxCrossEntropy()
    check_module_gradients(net, X, loss=loss, target=y)
    for p, q in zip(net.params(), params_before, strict=True):
        np.testing.assert_array_equal(p, q)
    # grads() hold the check's loss gradient at X (not at a perturbed point)
    grads = [g.copy() for g in net.grads()]
    loss.forward(net.forward(X), y)
    net.backward(loss.backward())
    for g, h in zip(net.grads(), grads, strict=True):
        np.testing.assert_array_equal(g, h)


def test_check_module_gradients_errors():
    rng = np.random.default_rng(0)
    lin = Linear(2, 2, rng=rng)
    X = np.ones((1, 2))
    with pytest.raises(
        TypeError, match=r"check_module_gradients: argument 'module' must be a coursekit.modules.Module"
    ):
        check_module_gradients(np.tanh, X, rng=rng)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"check_module_gradients: give either 'loss' .* or 'rng'"):
        check_module_gradients(lin, X)
    with pytest.raises(TypeError, match=r"argument 'rng' must be a numpy.random.Generator"):
        check_module_gradients(lin, X, rng=42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"argument 'target' is needed together with 'loss'"):
        check_module_gradients(lin, X, loss=SoftmaxCrossEntropy())
    with pytest.raises(TypeError, match=r"argument 'loss' must be a coursekit.modules.LossModule"):
        check_module_gradients(lin, X, loss=lambda p, t: 0.0, target=np.zeros(1))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"argument 'tol' must be finite and > 0"):
        check_module_gradients(lin, X, rng=rng, tol=-1.0)
