"""Tests for coursekit.autodiff.

References: derivatives worked out by hand (the notes' z = exp(sin(u^2) log(u^2))), central
differences evaluated with the math module (not with coursekit), agreement of forward and
reverse mode on random expression trees (hypothesis: 1 to 6 inputs, scalars and arrays, gradients,
JVPs, VJPs and whole Jacobians), exact counts of passes and recorded nodes (what notebook 04's
timings measure), and the module backprop of coursekit.modules for an MLP.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import central_diff as fd_array
from hypothesis import given, settings
from hypothesis import strategies as st

from coursekit.autodiff import (
    Dual,
    Var,
    cos,
    exp,
    grad_forward,
    grad_reverse,
    jacobian_forward,
    jacobian_reverse,
    jvp,
    log,
    relu,
    sin,
    sum_,
    tanh,
    topological_order,
    vjp,
)
from coursekit.modules import Linear, ReLU, Sequential, SoftmaxCrossEntropy

SETTINGS = settings(max_examples=50, deadline=None)
seeds = st.integers(0, 2**32 - 1)


def central_diff(f, x, h=1e-6):
    """Central differences of a float function f(list of floats) -> float, at x (n,)."""
    x = [float(v) for v in x]
    g = np.zeros(len(x))
    for i in range(len(x)):
        step = h * max(1.0, abs(x[i]))
        xp = list(x)
        xm = list(x)
        xp[i] += step
        xm[i] -= step
        g[i] = (f(xp) - f(xm)) / (2 * step)
    return g


# ---------------------------------------------------------------------------
# The notes' example, derived by hand
# ---------------------------------------------------------------------------


def notes_z(u):
    return exp(sin(u**2) * log(u**2))


def notes_dz(u):
    # z = exp(y), y = sin(u^2) log(u^2): dz/du = z * (2u cos(u^2) log(u^2) + sin(u^2) * 2/u)
    z = math.exp(math.sin(u * u) * math.log(u * u))
    return z * (2 * u * math.cos(u * u) * math.log(u * u) + 2 * math.sin(u * u) / u)


@SETTINGS
@given(u=st.floats(0.05, 4.0) | st.floats(-4.0, -0.05))
def test_notes_example_forward_and_reverse(u):
    expected = notes_dz(u)
    d = notes_z(Dual(u, 1.0))
    assert d.value == pytest.approx(math.exp(math.sin(u * u) * math.log(u * u)), rel=1e-13)
    assert d.deriv == pytest.approx(expected, rel=1e-11, abs=1e-13)
    v = Var(u)
    z = notes_z(v)
    z.backward()
    assert v.grad == pytest.approx(expected, rel=1e-11, abs=1e-13)
    np.testing.assert_allclose(grad_forward(lambda x: notes_z(x[0]), [u]), [expected], rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(grad_reverse(lambda x: notes_z(x[0]), [u]), [expected], rtol=1e-11, atol=1e-13)


def test_notes_example_intermediate_quantities():
    """The forward table (dots) and the backward table (bars) of the notes, step by step."""
    u0 = 1.3
    # forward mode
    u = Dual(u0, 1.0)
    v = u**2
    w = sin(v)
    x = log(v)
    y = w * x
    z = exp(y)
    assert v.deriv == pytest.approx(2 * u0)
    assert w.deriv == pytest.approx(math.cos(v.value) * v.deriv)
    assert x.deriv == pytest.approx(v.deriv / v.value)
    assert y.deriv == pytest.approx(x.value * w.deriv + w.value * x.deriv)
    assert z.deriv == pytest.approx(z.value * y.deriv)
    # reverse mode
    U = Var(u0)
    V = U**2
    W = sin(V)
    X = log(V)
    Y = W * X
    Z = exp(Y)
    Z.backward()
    assert Z.grad == 1.0
    assert Y.grad == pytest.approx(Z.value)
    assert W.grad == pytest.approx(Y.grad * X.value)
    assert X.grad == pytest.approx(Y.grad * W.value)
    assert V.grad == pytest.approx(W.grad * math.cos(V.value) + X.grad / V.value)  # two uses of v: summed
    assert U.grad == pytest.approx(2 * u0 * V.grad)
    assert U.grad == pytest.approx(z.deriv, rel=1e-13)


# ---------------------------------------------------------------------------
# Dual numbers
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("f", "df"),
    [
        (lambda x: x + 3.0, lambda x: 1.0),
        (lambda x: 3.0 + x, lambda x: 1.0),
        (lambda x: x - 3.0, lambda x: 1.0),
        (lambda x: 3.0 - x, lambda x: -1.0),
        (lambda x: -x, lambda x: -1.0),
        (lambda x: +x, lambda x: 1.0),
        (lambda x: 2 * x * x, lambda x: 4 * x),
        (lambda x: x / (1.0 + x * x), lambda x: (1 - x * x) / (1 + x * x) ** 2),
        (lambda x: 1.0 / x, lambda x: -1.0 / x**2),
        (lambda x: x**3, lambda x: 3 * x**2),
        (lambda x: x**-2, lambda x: -2 * x**-3),
        (lambda x: x**0, lambda x: 0.0),
        (lambda x: (x * x) ** 0.5, lambda x: math.copysign(1.0, x)),
        (lambda x: 2.0**x, lambda x: math.log(2.0) * 2.0**x),
        (lambda x: cos(x) * sin(x), lambda x: math.cos(2 * x)),
        (lambda x: tanh(x), lambda x: 1 / math.cosh(x) ** 2),
        (lambda x: exp(-x * x), lambda x: -2 * x * math.exp(-x * x)),
        (lambda x: log(x * x), lambda x: 2 / x),
        (lambda x: relu(x), lambda x: 1.0 if x > 0 else 0.0),
    ],
)
@pytest.mark.parametrize("x0", [-1.7, -0.3, 0.6, 2.5])
def test_dual_rules_against_closed_forms(f, df, x0):
    d = f(Dual(x0, 1.0))
    assert isinstance(d, Dual)
    assert d.deriv == pytest.approx(df(x0), rel=1e-12, abs=1e-14)
    r = Var(x0)
    out = f(r)
    out.backward()
    assert r.grad == pytest.approx(df(x0), rel=1e-12, abs=1e-14)


@pytest.mark.parametrize("x0", [0.3, 1.0, 2.7])
def test_dual_power_of_duals(x0):
    # d/dx x^x = x^x (log x + 1)
    d = Dual(x0, 1.0) ** Dual(x0, 1.0)
    assert d.value == pytest.approx(x0**x0)
    assert d.deriv == pytest.approx(x0**x0 * (math.log(x0) + 1), rel=1e-12)


def test_dual_constant_and_numpy_scalars():
    c = Dual(2.0)
    assert c.deriv == 0.0
    d = np.float64(3.0) * Dual(2.0, 1.0) + np.int64(1)
    assert isinstance(d, Dual) and d.value == 7.0 and d.deriv == 3.0
    assert repr(Dual(1.0, 2.0)) == "Dual(value=1.0, deriv=2.0)"
    assert Dual(np.array(2.0), 1).value == 2.0


def test_dual_errors():
    with pytest.raises(TypeError, match=r"Dual: argument 'value' must be a single real number.*for arrays use Var"):
        Dual(np.array([1.0, 2.0]), 1.0)
    with pytest.raises(TypeError, match=r"Dual: argument 'deriv' must be a single real number"):
        Dual(1.0, True)
    with pytest.raises(ValueError, match=r"Dual: argument 'value' must be finite"):
        Dual(float("inf"))
    with pytest.raises(ValueError, match=r"log needs a positive argument"):
        log(Dual(-1.0, 1.0))
    with pytest.raises(ZeroDivisionError, match=r"Dual /: division by zero"):
        Dual(1.0, 1.0) / 0.0
    with pytest.raises(ZeroDivisionError, match=r"derivative .* is infinite"):
        Dual(0.0, 1.0) ** 0.5
    with pytest.raises(ValueError, match=r"negative number to the non-integer power"):
        Dual(-8.0, 1.0) ** (1 / 3)
    with pytest.raises(ValueError, match=r"Dual \*\* Dual: the base must be > 0"):
        Dual(-2.0, 1.0) ** Dual(2.0)
    with pytest.raises(ValueError, match=r"needs c > 0"):
        (-2.0) ** Dual(1.0, 1.0)
    with pytest.raises(OverflowError, match=r"exp of 1000 overflows float64"):
        exp(Dual(1000.0, 1.0))
    with pytest.raises(TypeError, match=r"Dual \+ Var: forward mode \(Dual\) and reverse mode \(Var\) cannot be mixed"):
        Dual(1.0) + Var(1.0)
    with pytest.raises(TypeError, match=r"Var \* Dual: reverse mode"):
        Var(1.0) * Dual(1.0)
    with pytest.raises(TypeError):
        Dual(1.0) + "a"  # type: ignore[operator]
    with pytest.raises(TypeError):
        np.ones(2) + Dual(1.0)


class Jet:
    """A minimal dual number written elsewhere (as students do in notebook 04): methods only."""

    def __init__(self, value, deriv):
        self.value, self.deriv = value, deriv

    def sin(self):
        return Jet(math.sin(self.value), math.cos(self.value) * self.deriv)

    def cos(self):
        return Jet(math.cos(self.value), -math.sin(self.value) * self.deriv)

    def exp(self):
        return Jet(math.exp(self.value), math.exp(self.value) * self.deriv)

    def log(self):
        return Jet(math.log(self.value), self.deriv / self.value)

    def tanh(self):
        return Jet(math.tanh(self.value), (1 - math.tanh(self.value) ** 2) * self.deriv)

    def relu(self):
        return Jet(max(self.value, 0.0), self.deriv if self.value > 0 else 0.0)


@pytest.mark.parametrize(
    ("func", "value", "deriv"),
    [
        (sin, math.sin(0.7), math.cos(0.7)),
        (cos, math.cos(0.7), -math.sin(0.7)),
        (exp, math.exp(0.7), math.exp(0.7)),
        (log, math.log(0.7), 1 / 0.7),
        (tanh, math.tanh(0.7), 1 / math.cosh(0.7) ** 2),
        (relu, 0.7, 1.0),
    ],
)
def test_functions_call_the_method_of_any_class_that_has_one(func, value, deriv):
    out = func(Jet(0.7, 1.0))
    assert isinstance(out, Jet)
    assert out.value == pytest.approx(value, rel=1e-15) and out.deriv == pytest.approx(deriv, rel=1e-15)
    # numbers, numpy scalars, lists and arrays still get plain values
    assert func(0.7) == pytest.approx(value, rel=1e-15)
    assert func(np.float64(0.7)) == pytest.approx(value, rel=1e-15)
    np.testing.assert_allclose(func([0.7, 0.7]), [value, value], rtol=1e-15)
    with pytest.raises(TypeError, match=rf"{func.__name__}: argument must be a number, an array, a Dual or a Var"):
        func(object())


# ---------------------------------------------------------------------------
# Random expression trees: forward = reverse = finite differences
# ---------------------------------------------------------------------------

UNARY = ["neg", "sin", "cos", "tanh", "exp", "log", "sq", "cube", "pow", "rpow", "recip", "rsub"]
BINARY = ["add", "sub", "mul", "div"]


def trees(n_vars):
    leaves = st.sampled_from([f"x{i}" for i in range(n_vars)]) | st.floats(-2.0, 2.0)
    return st.recursive(
        leaves,
        lambda kids: st.tuples(st.sampled_from(UNARY), kids) | st.tuples(st.sampled_from(BINARY), kids, kids),
        max_leaves=8,
    )


class MathLib:
    sin, cos, exp, log, tanh = math.sin, math.cos, math.exp, math.log, math.tanh


class AutoLib:
    sin, cos, exp, log, tanh = (
        staticmethod(sin),
        staticmethod(cos),
        staticmethod(exp),
        staticmethod(log),
        staticmethod(tanh),
    )


def evaluate(tree, xs, lib):
    """Evaluate a tree; every operation keeps its argument in a safe domain."""
    if isinstance(tree, str):
        return xs[int(tree[1:])]
    if isinstance(tree, float):
        return tree
    op, *args = tree
    a = evaluate(args[0], xs, lib)
    if op == "neg":
        return -a
    if op in ("sin", "cos", "tanh"):
        return getattr(lib, op)(a)
    if op == "exp":
        return lib.exp(lib.tanh(a))
    if op == "log":
        return lib.log(a * a + 1.0)
    if op == "sq":
        return a**2
    if op == "cube":
        return a**3
    if op == "pow":
        return (a * a + 1.0) ** 1.5
    if op == "rpow":
        return 2.0 ** lib.tanh(a)
    if op == "recip":
        return 1.0 / (a * a + 1.0)
    if op == "rsub":
        return 3.0 - a
    b = evaluate(args[1], xs, lib)
    if op == "add":
        return a + b
    if op == "sub":
        return a - b
    if op == "mul":
        return a * b
    if op == "div":
        return a / (b * b + 1.0)
    raise AssertionError(op)


@settings(max_examples=80, deadline=None)
@given(tree=trees(3), x=st.lists(st.floats(-2.0, 2.0), min_size=3, max_size=3))
def test_random_trees_forward_reverse_and_finite_differences(tree, x):
    def f(xs):
        return evaluate(tree, xs, AutoLib)

    gf = grad_forward(f, x)
    gr = grad_reverse(f, x)
    assert gf.shape == (3,) and gr.shape == (3,)
    fx = evaluate(tree, x, MathLib)
    scale = 1.0 + abs(fx) + float(np.max(np.abs(gf)))
    np.testing.assert_allclose(gf, gr, rtol=1e-9, atol=1e-12 * scale)
    fd = central_diff(lambda p: evaluate(tree, p, MathLib), x)
    np.testing.assert_allclose(gf, fd, rtol=1e-5, atol=1e-6 * scale)


@settings(max_examples=40, deadline=None)
@given(
    trees_=st.lists(trees(3), min_size=1, max_size=3),
    x=st.lists(st.floats(-2.0, 2.0), min_size=3, max_size=3),
    data=st.data(),
)
def test_random_jvp_vjp_against_finite_difference_jacobian(trees_, x, data):
    m = len(trees_)
    v = np.array(data.draw(st.lists(st.floats(-2, 2), min_size=3, max_size=3)))
    u = np.array(data.draw(st.lists(st.floats(-2, 2), min_size=m, max_size=m)))

    def f(xs):
        return [evaluate(t, xs, AutoLib) for t in trees_]

    J = np.array([central_diff(lambda p, t=t: evaluate(t, p, MathLib), x) for t in trees_])  # (m, 3)
    jv = jvp(f, x, v)
    uj = vjp(f, x, u)
    assert jv.shape == (m,) and uj.shape == (3,)
    scale = 1.0 + float(np.max(np.abs(J)))
    np.testing.assert_allclose(jv, J @ v, rtol=1e-5, atol=1e-5 * scale)
    np.testing.assert_allclose(uj, u @ J, rtol=1e-5, atol=1e-5 * scale)
    # the defining identity of the two modes: u . (J v) = (u^T J) . v
    assert float(u @ jv) == pytest.approx(float(uj @ v), rel=1e-9, abs=1e-10 * scale)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), n=st.integers(1, 6))
def test_random_trees_with_one_to_six_inputs(data, n):
    """Forward = reverse = central differences, for functions of 1 to 6 variables."""
    tree = data.draw(trees(n))
    x = data.draw(st.lists(st.floats(-2.0, 2.0), min_size=n, max_size=n))

    def f(xs):
        return evaluate(tree, xs, AutoLib)

    gf, gr = grad_forward(f, x), grad_reverse(f, x)
    assert gf.shape == gr.shape == (n,)
    scale = 1.0 + float(np.max(np.abs(gf)))
    np.testing.assert_allclose(gf, gr, rtol=1e-9, atol=1e-12 * scale)
    np.testing.assert_allclose(gf, central_diff(lambda p: evaluate(tree, p, MathLib), x), rtol=1e-5, atol=1e-6 * scale)


@settings(max_examples=40, deadline=None)
@given(tree=trees(2), seed=seeds, k=st.integers(1, 4))
def test_random_trees_on_arrays_match_finite_differences(tree, seed, k):
    """The same expressions on Vars holding arrays of k entries (the array code path, elementwise).

    Entry j of the gradient of sum(tree(X0, X1)) is the derivative of tree at (X0[j], X1[j]).
    """
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2.0, 2.0, size=(2, k))
    xs = (Var(X[0]), Var(X[1]))
    out = evaluate(tree, xs, AutoLib)
    if not isinstance(out, Var):  # the tree uses no variable: a constant
        return
    assert out.shape == (k,)
    out.sum().backward()
    for j in range(k):
        fd = central_diff(lambda p: evaluate(tree, p, MathLib), X[:, j])
        scale = 1.0 + float(np.max(np.abs(fd)))
        got = np.array([np.broadcast_to(v.grad, (k,))[j] for v in xs])
        np.testing.assert_allclose(got, fd, rtol=1e-5, atol=1e-6 * scale)


def test_jvp_vjp_known_jacobian():
    def f(x):
        return (x[0] * x[1] + sin(x[2]), exp(x[0]) / (1 + x[2] ** 2))

    x = np.array([0.5, -1.2, 0.8])
    J = np.array(
        [
            [x[1], x[0], math.cos(x[2])],
            [math.exp(x[0]) / (1 + x[2] ** 2), 0.0, -2 * x[2] * math.exp(x[0]) / (1 + x[2] ** 2) ** 2],
        ]
    )
    for v in np.eye(3):
        np.testing.assert_allclose(jvp(f, x, v), J @ v, rtol=1e-13)
    for u in np.eye(2):
        np.testing.assert_allclose(vjp(f, x, u), u @ J, rtol=1e-13, atol=1e-15)
    # a single scalar output counts as m = 1
    np.testing.assert_allclose(jvp(lambda x: x[0] * x[1], [2.0, 3.0], [1.0, 1.0]), [5.0])
    np.testing.assert_allclose(vjp(lambda x: x[0] * x[1], [2.0, 3.0], [2.0]), [6.0, 4.0])


@settings(max_examples=40, deadline=None)
@given(trees_=st.lists(trees(3), min_size=1, max_size=4), x=st.lists(st.floats(-2.0, 2.0), min_size=3, max_size=3))
def test_random_jacobians_both_modes_against_finite_differences(trees_, x):
    def f(xs):
        return [evaluate(t, xs, AutoLib) for t in trees_]

    J = np.array([central_diff(lambda p, t=t: evaluate(t, p, MathLib), x) for t in trees_])
    Jf, Jr = jacobian_forward(f, x), jacobian_reverse(f, x)
    assert Jf.shape == Jr.shape == (len(trees_), 3)
    scale = 1.0 + float(np.max(np.abs(J)))
    np.testing.assert_allclose(Jf, J, rtol=1e-5, atol=1e-5 * scale)
    np.testing.assert_allclose(Jr, Jf, rtol=1e-9, atol=1e-12 * scale)


def test_jacobians_of_a_trajectory_and_of_a_known_map():
    """R -> R^m (one input, many outputs) and the 2 x 3 map of test_jvp_vjp_known_jacobian."""

    def trajectory(t):  # h_k = k t: dh_k/dt = k
        h, out = 0.0, []
        for _ in range(5):
            h = h + t[0]
            out.append(h)
        return out

    np.testing.assert_array_equal(jacobian_forward(trajectory, [0.3]), np.arange(1.0, 6.0)[:, None])
    np.testing.assert_array_equal(jacobian_reverse(trajectory, [0.3]), np.arange(1.0, 6.0)[:, None])

    def f(x):
        return (x[0] * x[1] + sin(x[2]), 2.0, exp(x[0]) / (1 + x[2] ** 2))

    x = np.array([0.5, -1.2, 0.8])
    J = np.array(
        [
            [x[1], x[0], math.cos(x[2])],
            [0.0, 0.0, 0.0],
            [math.exp(x[0]) / (1 + x[2] ** 2), 0.0, -2 * x[2] * math.exp(x[0]) / (1 + x[2] ** 2) ** 2],
        ]
    )
    np.testing.assert_allclose(jacobian_forward(f, x), J, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(jacobian_reverse(f, x), J, rtol=1e-13, atol=1e-15)
    # an output that reaches only x[0] must not keep x[1]'s gradient from an earlier row
    np.testing.assert_array_equal(jacobian_reverse(lambda x: (x[1] * 3.0, x[0] * 2.0), [1.0, 1.0]), [[0, 3], [2, 0]])
    with pytest.raises(TypeError, match=r"jacobian_forward: argument 'f' must be callable"):
        jacobian_forward(None, [1.0])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"jacobian_forward: argument .x. must have at least one entry"):
        jacobian_forward(lambda x: [1.0], [])
    with pytest.raises(ValueError, match=r"jacobian_reverse: every output of f must be a single number"):
        jacobian_reverse(lambda x: [x[0] * np.ones(2)], [1.0])
    with pytest.raises(TypeError, match=r"jacobian_reverse: f must return Vars or numbers, got str"):
        jacobian_reverse(lambda x: [x[0], "a"], [1.0])


def test_gradients_of_constant_functions_are_zero():
    np.testing.assert_array_equal(grad_forward(lambda x: 3.0, [1.0, 2.0]), [0.0, 0.0])
    np.testing.assert_array_equal(grad_reverse(lambda x: 3.0, [1.0, 2.0]), [0.0, 0.0])
    np.testing.assert_array_equal(vjp(lambda x: [1.0, x[0]], [4.0], [5.0, 2.0]), [2.0])
    np.testing.assert_array_equal(jvp(lambda x: [1.0, x[0]], [4.0], [5.0]), [0.0, 5.0])


def chain_sum(x):
    """The benchmark's f: sum of sin(x_i) x_{i+1}; gradient sin(x_1)... in closed form below."""
    s = 0.0
    for i in range(len(x) - 1):
        s = s + sin(x[i]) * x[i + 1]
    return s


def chain_sum_grad(x):
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    g[:-1] += np.cos(x[:-1]) * x[1:]
    g[1:] += np.sin(x[:-1])
    return g


@pytest.mark.parametrize("n", [2, 7, 50])
def test_cost_forward_mode_makes_n_passes_reverse_mode_one(n):
    """What the notebook's timings measure, counted exactly: passes through f and recorded nodes."""
    x = np.linspace(-1.0, 1.5, n)
    calls = []

    def counted(xs):
        calls.append(type(xs[0]))
        return chain_sum(xs)

    np.testing.assert_allclose(grad_forward(counted, x), chain_sum_grad(x), rtol=1e-12, atol=1e-14)
    assert calls == [Dual] * n
    calls.clear()
    np.testing.assert_allclose(grad_reverse(counted, x), chain_sum_grad(x), rtol=1e-12, atol=1e-14)
    assert calls == [Var]
    # the graph reverse mode keeps: n inputs, then sin, * and + per term (the first + adds the constant 0.0)
    xs = [Var(float(v)) for v in x]
    assert len(topological_order(chain_sum(xs))) == n + 3 * (n - 1)


def test_grad_functions_accept_builtin_sum_and_return_float_arrays():
    g1 = grad_forward(lambda x: sum(xi * xi for xi in x), [1.0, 2.0, 3.0])
    g2 = grad_reverse(lambda x: sum(xi * xi for xi in x), np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(g1, [2.0, 4.0, 6.0])
    np.testing.assert_array_equal(g2, [2.0, 4.0, 6.0])
    assert g1.dtype == g2.dtype == np.float64
    assert grad_reverse(lambda x: x[0], [5.0]).tolist() == [1.0]


def test_grad_function_errors():
    with pytest.raises(TypeError, match=r"grad_forward: argument 'f' must be callable"):
        grad_forward(1.0, [1.0])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"grad_reverse: argument 'x' must have 1 dimension"):
        grad_reverse(lambda x: x[0], [[1.0]])
    with pytest.raises(TypeError, match=r"grad_forward: f must return a scalar built from its inputs"):
        grad_forward(lambda x: "no", [1.0])
    with pytest.raises(TypeError, match=r"grad_reverse: f must return a scalar"):
        grad_reverse(lambda x: [x[0]], [1.0])
    with pytest.raises(ValueError, match=r"grad_reverse: f must return a single number, got a Var of shape \(2,\)"):
        grad_reverse(lambda x: x[0] * np.ones(2), [1.0])
    with pytest.raises(ValueError, match=r"jvp: argument 'v' must have the shape of 'x'"):
        jvp(lambda x: x[0], [1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match=r"vjp: f returned 2 outputs but 'u' has 1 entries"):
        vjp(lambda x: [x[0], x[0]], [1.0], [1.0])


# ---------------------------------------------------------------------------
# Var: arrays, broadcasting, fan-out, long chains
# ---------------------------------------------------------------------------


def test_fan_out_accumulates():
    x = Var(3.0)
    y = x * x
    y.backward()
    assert x.grad == 6.0
    x = Var(3.0)
    y = x + x + x
    y.backward()
    assert x.grad == 3.0
    # a diamond: a and b both depend on x, z on both
    x = Var(1.5)
    a = x * 2.0
    b = x * 3.0
    z = a * b  # 6 x^2
    z.backward()
    assert x.grad == pytest.approx(12 * 1.5)
    assert a.grad == pytest.approx(b.value) and b.grad == pytest.approx(a.value)


def test_backward_twice_gives_the_same_gradients():
    x = Var(np.array([1.0, 2.0]))
    y = (x * x).sum()
    y.backward()
    first = x.grad.copy()
    y.backward()
    np.testing.assert_array_equal(x.grad, first)
    np.testing.assert_array_equal(first, [2.0, 4.0])


def test_parents_are_ordered_and_recorded():
    a, b = Var(1.0), Var(2.0)
    c = a * b
    d = b * a
    assert isinstance(c.parents, tuple)
    assert c.parents[0] is a and c.parents[1] is b
    assert d.parents[0] is b and d.parents[1] is a
    assert (a * 2.0).parents == (a,) or (a * 2.0).parents[0] is a
    assert a.parents == () and a.op == "" and c.op == "*"


def test_topological_order_lists_parents_first_and_each_node_once():
    u = Var(1.5)
    v = u**2
    w, x = sin(v), log(v)
    y = w * x
    z = exp(y)
    order = topological_order(z)
    assert order[0] is u and order[-1] is z and len(order) == 6
    position = {id(node): i for i, node in enumerate(order)}
    for node in order:
        for parent in node.parents:
            assert position[id(parent)] < position[id(node)]
    assert topological_order(u) == [u]
    with pytest.raises(TypeError, match=r"topological_order: argument 'output' must be a Var, got float"):
        topological_order(1.0)  # type: ignore[arg-type]


def test_ten_thousand_node_chain_no_recursion_error():
    x = Var(0.5)
    y = x
    for _ in range(10_000):
        y = y + x
    y.backward()
    assert x.grad == 10_001.0
    x = Var(1.0)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.backward()
    assert x.grad == pytest.approx(1.0001**10_000, rel=1e-10)
    x = Var(0.3)
    y = x
    for _ in range(10_000):
        y = sin(y)
    y.backward()
    # d/dx of sin iterated: product of cos at every intermediate value
    t, expected = 0.3, 1.0
    for _ in range(10_000):
        expected *= math.cos(t)
        t = math.sin(t)
    assert x.grad == pytest.approx(expected, rel=1e-9)


BROADCAST_PAIRS = [
    ((4, 3), (3,)),
    ((4, 3), (1, 3)),
    ((4, 3), (4, 1)),
    ((4, 3), ()),
    ((3,), (2, 3)),
    ((2, 1, 3), (4, 1)),
    ((1,), (5,)),
]


@pytest.mark.parametrize(("sa", "sb"), BROADCAST_PAIRS)
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "rsub_const", "rdiv_const"])
def test_broadcasting_gradients_match_finite_differences(sa, sb, op):
    rng = np.random.default_rng(0)
    a0 = rng.normal(size=sa)
    b0 = rng.uniform(0.5, 2.0, size=sb) * rng.choice([-1, 1], size=sb)
    C = rng.normal(size=np.broadcast_shapes(sa, sb))

    def fn(a, b):
        if op == "add":
            return a + b
        if op == "sub":
            return a - b
        if op == "mul":
            return a * b
        if op == "div":
            return a / b
        if op == "rsub_const":
            return 2.0 - a * b
        return 1.0 / b + a

    A = Var(a0) if sa else Var(float(a0))
    B = Var(b0) if sb else Var(float(b0))
    out = (fn(A, B) * C).sum()
    out.backward()
    assert np.shape(A.grad) == sa and np.shape(B.grad) == sb
    np.testing.assert_allclose(A.grad, fd_array(lambda a: np.sum(fn(a, b0) * C), a0), rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(B.grad, fd_array(lambda b: np.sum(fn(a0, b) * C), b0), rtol=1e-7, atol=1e-8)


def test_bias_add_gradient_is_column_sum():
    rng = np.random.default_rng(2)
    Z0 = rng.normal(size=(5, 3))
    b = Var(np.zeros(3))
    G = rng.normal(size=(5, 3))
    ((Var(Z0) + b) * G).sum().backward()
    np.testing.assert_allclose(b.grad, G.sum(axis=0), rtol=1e-14)


def test_array_constants_on_the_left():
    x = Var(np.array([1.0, 2.0]))
    A = np.array([[1.0, 2.0], [3.0, 4.0]])
    for y in (A @ x, np.ones(2) + x, np.ones(2) - x, 2.0 * x, np.ones(2) / x):
        assert isinstance(y, Var)
    (A @ x).backward(np.array([1.0, -1.0]))
    np.testing.assert_allclose(x.grad, A.T @ [1.0, -1.0])


@pytest.mark.parametrize(("sa", "sb"), [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,))])
def test_matmul_gradients_match_matrix_rules_and_finite_differences(sa, sb):
    rng = np.random.default_rng(1)
    a0, b0 = rng.normal(size=sa), rng.normal(size=sb)
    C = rng.normal(size=np.shape(a0 @ b0))
    A, B = Var(a0), Var(b0)
    (A @ B * C).sum().backward()
    np.testing.assert_allclose(A.grad, fd_array(lambda a: np.sum((a @ b0) * C), a0), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(B.grad, fd_array(lambda b: np.sum((a0 @ b) * C), b0), rtol=1e-7, atol=1e-9)
    if len(sa) == 2 and len(sb) == 2:
        np.testing.assert_allclose(A.grad, C @ b0.T, rtol=1e-13)  # dA = dC B^T
        np.testing.assert_allclose(B.grad, a0.T @ C, rtol=1e-13)  # dB = A^T dC


def test_layer_with_tanh_closed_form():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(6, 3))
    W0, b0 = rng.normal(size=(3, 2)), rng.normal(size=2)
    W, b = Var(W0), Var(b0)
    L = tanh(X @ W + b).sum()
    L.backward()
    s = 1 - np.tanh(X @ W0 + b0) ** 2
    np.testing.assert_allclose(W.grad, X.T @ s, rtol=1e-13)
    np.testing.assert_allclose(b.grad, s.sum(axis=0), rtol=1e-13)
    assert L.value == pytest.approx(np.tanh(X @ W0 + b0).sum())


@pytest.mark.parametrize("fname", ["exp", "log", "tanh", "relu", "sin", "cos"])
def test_elementwise_functions_on_arrays(fname):
    rng = np.random.default_rng(0)
    x0 = rng.uniform(0.2, 2.0, size=(3, 2)) * rng.choice([-1, 1], size=(3, 2))
    if fname == "log":
        x0 = np.abs(x0)
    func = {"exp": exp, "log": log, "tanh": tanh, "relu": relu, "sin": sin, "cos": cos}[fname]
    ref = {
        "exp": np.exp,
        "log": np.log,
        "tanh": np.tanh,
        "relu": lambda v: np.maximum(v, 0),
        "sin": np.sin,
        "cos": np.cos,
    }[fname]
    C = rng.normal(size=x0.shape)
    x = Var(x0)
    y = func(x)
    np.testing.assert_allclose(y.value, ref(x0), rtol=1e-15)
    (y * C).sum().backward()
    np.testing.assert_allclose(x.grad, fd_array(lambda v: np.sum(ref(v) * C), x0), rtol=1e-7, atol=1e-9)
    # the same name works on plain arrays and numbers
    np.testing.assert_allclose(func(x0), ref(x0), rtol=1e-15)
    assert isinstance(func(0.5), float)


def test_relu_gradient_is_zero_at_zero():
    x = Var(np.array([-1.0, 0.0, 2.0]))
    relu(x).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 1.0])
    assert relu(Dual(0.0, 1.0)).deriv == 0.0


@pytest.mark.parametrize(
    ("axis", "keepdims"),
    [(None, False), (0, False), (1, False), (-1, True), ((0, 2), False), ((0, 1, 2), True)],
)
def test_sum_and_mean_with_axis(axis, keepdims):
    rng = np.random.default_rng(0)
    x0 = rng.normal(size=(2, 3, 4))
    s_ref = np.sum(x0, axis=axis, keepdims=keepdims)
    C = rng.normal(size=np.shape(s_ref))
    x = Var(x0)
    s = x.sum(axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(s.value, s_ref, rtol=1e-14)
    (s * C).sum().backward()
    np.testing.assert_allclose(x.grad, fd_array(lambda v: np.sum(np.sum(v, axis=axis, keepdims=keepdims) * C), x0))
    x2 = Var(x0)
    m = x2.mean(axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(m.value, np.mean(x0, axis=axis, keepdims=keepdims), rtol=1e-14)
    (m * C).sum().backward()
    np.testing.assert_allclose(
        x2.grad, fd_array(lambda v: np.sum(np.mean(v, axis=axis, keepdims=keepdims) * C), x0), rtol=1e-7
    )
    x3 = Var(x0)
    np.testing.assert_allclose(sum_(x3, axis=axis, keepdims=keepdims).value, s_ref, rtol=1e-14)


def test_sum_of_plain_values_and_lists():
    assert sum_(np.ones((2, 3))) == 6.0
    np.testing.assert_array_equal(sum_(np.ones((2, 3)), axis=0), [2.0, 2.0, 2.0])
    d = sum_([Dual(1.0, 1.0), Dual(2.0, 0.0), 3.0])
    assert d.value == 6.0 and d.deriv == 1.0
    a, b = Var(1.0), Var(2.0)
    s = sum_([a, b, a])
    s.backward()
    assert a.grad == 2.0 and b.grad == 1.0


def test_var_backward_with_seed_is_vjp():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(3, 4))
    x = Var(rng.normal(size=4))
    y = Var(A) @ x
    u = np.array([1.0, -2.0, 0.5])
    y.backward(u)
    np.testing.assert_allclose(x.grad, A.T @ u, rtol=1e-13)


def test_var_keeps_its_own_copy():
    a = np.array([1.0, 2.0])
    x = Var(a)
    a[0] = 100.0
    assert x.value[0] == 1.0
    ro = np.array([1.0, 2.0])
    ro.setflags(write=False)
    y = (Var(ro) * ro).sum()
    y.backward()
    assert isinstance(Var(2).value, float)


def test_var_errors():
    with pytest.raises(TypeError, match=r"Var \*\* Var is not supported"):
        Var(2.0) ** Var(2.0)
    with pytest.raises(TypeError, match=r"Var: argument 'value' must be a real number, got bool"):
        Var(True)
    with pytest.raises(ValueError, match=r"Var: argument 'value' contains NaN or infinity"):
        Var(np.array([np.nan]))
    with pytest.raises(TypeError, match=r"Var: argument 'value' must be a number or an array, got a Dual"):
        Var(Dual(1.0))
    with pytest.raises(ValueError, match=r"log needs a positive argument, got 0"):
        log(Var(np.array([1.0, 0.0])))
    with pytest.raises(ZeroDivisionError, match=r"Var /: division by zero"):
        Var(np.ones(2)) / np.array([1.0, 0.0])
    with pytest.raises(ZeroDivisionError, match=r"Var /: division by zero"):
        1.0 / Var(0.0)
    with pytest.raises(ValueError, match=r"Var @: both operands must have 1 or 2 dimensions"):
        Var(np.ones((2, 2, 2))) @ Var(np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"Var @: shapes \(2, 3\) and \(2,\) do not align"):
        Var(np.ones((2, 3))) @ np.ones(2)
    with pytest.raises(ValueError, match=r"Var.sum: axis 2 is out of range"):
        Var(np.ones((2, 2))).sum(axis=2)
    with pytest.raises(ValueError, match=r"Var.backward: this Var has shape \(2,\); backward\(\) without an argument"):
        Var(np.ones(2)).backward()
    with pytest.raises(ValueError, match=r"Var.backward: argument 'grad' must have shape \(2,\)"):
        Var(np.ones(2)).backward(np.ones(3))
    with pytest.raises(OverflowError, match=r"exp of 800 overflows"):
        exp(Var(np.array([1.0, 800.0])))
    with pytest.raises(ValueError, match=r"negative number to the non-integer power 0.5"):
        Var(np.array([-1.0, 1.0])) ** 0.5
    with pytest.raises(TypeError, match=r"exponent must be a constant number"):
        Var(2.0) ** np.array([1.0, 2.0])
    with pytest.raises(TypeError, match=r"exp: argument must be a number, an array, a Dual or a Var, got str"):
        exp("x")
    with pytest.raises(ValueError, match=r"sum_: 'axis' and 'keepdims' apply to a Var or an array"):
        sum_([Var(1.0)], axis=0)


# ---------------------------------------------------------------------------
# The bar of the issue: autodiff on arrays equals module backprop for an MLP
# ---------------------------------------------------------------------------


def var_softmax_cross_entropy(Z, labels, k):
    """Mean NLL of softmax(Z) built from Var operations only."""
    m = Z.value.max(axis=1, keepdims=True)  # a constant shift: lse is unchanged by it
    lse = log(exp(Z - m).sum(axis=1)) + m[:, 0]
    onehot = np.eye(k)[labels]
    return (lse - (Z * onehot).sum(axis=1)).mean()


@settings(max_examples=20, deadline=None)
@given(seed=seeds, n=st.integers(1, 8), d=st.integers(1, 5), h=st.integers(1, 7), k=st.integers(2, 4))
def test_mlp_autodiff_equals_module_backprop(seed, n, d, h, k):
    rng = np.random.default_rng(seed)
    l1, l2 = Linear(d, h, rng=rng), Linear(h, k, rng=rng)
    l1.set_params([l1.W, rng.normal(scale=0.5, size=h)])  # nonzero biases, so db is exercised
    l2.set_params([l2.W, rng.normal(scale=0.5, size=k)])
    net = Sequential(l1, ReLU(), l2)
    loss_mod = SoftmaxCrossEntropy()
    X = rng.normal(size=(n, d))
    y = rng.integers(0, k, size=n)
    loss = loss_mod.forward(net.forward(X), y)
    dX = net.backward(loss_mod.backward())

    Xv, W1, b1, W2, b2 = Var(X), Var(l1.W), Var(l1.b), Var(l2.W), Var(l2.b)
    Z = relu(Xv @ W1 + b1) @ W2 + b2
    L = var_softmax_cross_entropy(Z, y, k)
    L.backward()

    assert L.value == pytest.approx(loss, rel=1e-12)
    for auto, manual in [
        (W1.grad, l1.dW),
        (b1.grad, l1.db),
        (W2.grad, l2.dW),
        (b2.grad, l2.db),
        (Xv.grad, dX),
    ]:
        assert np.shape(auto) == np.shape(manual)
        np.testing.assert_allclose(auto, manual, rtol=1e-10, atol=1e-12)
