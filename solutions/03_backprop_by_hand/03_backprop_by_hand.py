# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: nbgrader,tags,-all
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 03 · Backprop by hand
#
# Gradient descent needs the derivative of the loss with respect to every weight of the network.
# Back-propagation is nothing more than the chain rule, organised so that each intermediate derivative is
# computed once and then reused: start at the loss, and walk back through the network one operation at a
# time. In this notebook you derive those derivatives yourself, write them in numpy, and check every one of
# them two independent ways: against finite differences (a tool you write first) and against reverse-mode
# automatic differentiation (`coursekit.autodiff.Var`, which notebook 04 takes apart).
#
# After this notebook you will be able to
#
# - estimate a gradient by central differences and judge a gradient check with a relative error;
# - push a gradient back through a matrix product, a sum with broadcasting, an elementwise function, a mask
#   and a reshape, and use the shapes to catch mistakes;
# - derive the squared-loss gradients of one and two layers, with and without a ReLU between them;
# - match the loss to the output layer (squared, hinge, NLL, NLLM) and see logistic and linear regression as
#   networks of one neuron;
# - derive the softmax cross-entropy gradient $p - \text{onehot}(y)$ and compute it without overflow;
# - derive a gradient-descent step for a single neuron whose activation is $e^z$;
# - write the backward pass of `Linear`, `ReLU`, `Tanh` and `Sigmoid` modules, train a small network with
#   them, and recognise what the classic backprop bugs look like in a gradient check.
#
# **Points:** ten exercises worth 17 points (autograded) and five written questions worth 9 points (graded
# by hand). Lecture material: notes 001 (all of it), 002 (back-propagation), 003 (the study question of
# section 1, and sections 4–6) and 004 (sections 2.1–2.2).

# %% [markdown]
# ## Conventions
#
# * **Samples are rows.** A layer maps a batch $U$ of shape `(N, n_in)` to $Z = U W + b$ with $W$ of shape
#   `(n_in, n_out)` and $b$ of shape `(n_out,)`, added to every row. Notes 003 write the same layer for one
#   column vector as $Z = W^T A + W_0$ (transpose it and you get our form with the same $W$). Notes 001, 002 and
#   004 write $z = W x + b$ with $W$ of shape `(n_out, n_in)`: their $W$ is our $W^T$. Notes 004 also store
#   the samples of a batch as *columns*.
# * **Names.** We follow notes 003: $Z$ is the pre-activation, $A = f(Z)$ the activation. (Notes 004 call the
#   pre-activation "activation" $A$ and the post-activation $H$. Same objects, other letters.)
# * **Gradients.** For a scalar loss $L$ and an array `X`, the array `dX` holds $\partial L / \partial X_{ij}$
#   in entry $(i, j)$, so **`dX` always has the shape of `X`**. Notes 004 write $\bar X$ for it; notes 003 call
#   this arrangement the denominator layout.
# * **Losses are means over the batch.** The notes derive everything for a single sample. Averaging over
#   $N$ samples puts a factor $1/N$ into every gradient, and otherwise changes nothing.

# %%
import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

import coursekit.autodiff as ad
from coursekit.checks import assert_close, assert_shape, call, diagnose, needs
from coursekit.datasets import spiral_data
from coursekit.gradcheck import check_module_gradients
from coursekit.modules import LossModule, Module, Sequential
from coursekit.training import train_sgd
from coursekit.plotting import decision_regions
from coursekit.progress import GRADING

SEED = 3
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## 1. A referee: numerical gradients
#
# Before deriving any gradient, we build the tool that will check them. The derivative of a function of one
# variable is the limit of a difference quotient, so for a small step $h$ we can simply evaluate it:
#
# $$\text{forward difference: } \frac{f(x + h) - f(x)}{h}, \qquad
# \text{central difference: } \frac{f(x + h) - f(x - h)}{2h}.$$
#
# Taylor's theorem says how wrong each one is. With $f(x \pm h) = f \pm h f' + \tfrac{h^2}{2} f'' \pm
# \tfrac{h^3}{6} f''' + \dots$, the forward difference equals $f' + \tfrac{h}{2} f'' + \dots$ (error of order $h$),
# while in the central difference the $f''$ terms cancel and it equals $f' + \tfrac{h^2}{6} f''' + \dots$ (error of
# order $h^2$). So the central difference is far more accurate for the same $h$.
#
# Why not take $h$ tiny, then? Because the computer stores $f(x \pm h)$ with a relative rounding error of about
# $\varepsilon \approx 2.2 \times 10^{-16}$, and dividing the difference by $h$ magnifies that error to roughly
# $\varepsilon |f| / h$. The two errors balance for the central difference near $h \approx 10^{-5}$, where
# a correct gradient typically agrees to 8–10 digits. You will see this trade-off in a plot below.
#
# For a function of an array, nudge one entry at a time: entry $i$ of the gradient needs $f$ at $x + h e_i$
# and at $x - h e_i$. That is two evaluations of $f$ *per entry*, which is why finite differences are a
# referee and not a training method: for a network with a million weights, one gradient would cost two
# million forward passes, where back-propagation needs one forward and one backward pass.

# %% [markdown]
# ### Exercise 1: `numerical_gradient` (2 points)
#
# Write `numerical_gradient(f, x, h=1e-5)` that returns the central-difference estimate of the gradient of the
# scalar function `f` at the array `x`, an array of the same shape as `x`.
#
# Change `x` **in place**, one entry at a time (set the entry to `old + h`, call `f(x)`, set it to `old - h`,
# call `f(x)`), and afterwards put the saved value `old` back. Working in place is what lets you check the
# gradient of a network's weights later: `f` can ignore its argument and just run the network, whose weight
# array you are nudging. Put back the *saved* value rather than undoing the steps with arithmetic:
# in floating point, `0.1 + 1e-5 - 2e-5 + 1e-5` is not exactly `0.1`. (`np.ndindex(x.shape)` visits every index
# of an array of any shape.)

# %% nbgrader={"grade": false, "grade_id": "numerical_gradient", "locked": false, "schema_version": 3, "solution": true, "task": false}
def numerical_gradient(f, x, h=1e-5):
    """Gradient of a scalar function by central differences: g_i = (f(x + h e_i) - f(x - h e_i)) / (2h).

    Parameters
    ----------
    f : callable
        f(x) returns a number.
    x : ndarray of float, any shape
        The point. Its entries are changed in place one at a time while f is evaluated, and each is
        restored to exactly its old value, so x is unchanged when the function returns.
    h : float
        The step.

    Returns
    -------
    ndarray, shape of x
        The estimated gradient of f at x.
    """
    ### BEGIN SOLUTION
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        f_plus = f(x)
        x[idx] = old - h
        f_minus = f(x)
        x[idx] = old
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad
    ### END SOLUTION


# %%
# Try it: the gradient of sum(x**2) is 2x, so this should print (very nearly) [ 2. -4.  6.].
print(numerical_gradient(lambda v: np.sum(v ** 2), np.array([1.0, -2.0, 3.0])).round(6))

# %% nbgrader={"grade": true, "grade_id": "test_numerical_gradient", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check numerical_gradient on closed forms, its use of h, restoring x, and working in place."""
diagnose("numerical_gradient", numerical_gradient)
x_ng = np.array([[1.0, -2.0], [0.5, 3.0]])
# For f = sum(x**3) the central difference is exactly 3x^2 + h^2 (the h^2 f'''/6 term, with f''' = 6).
g_ng = call(numerical_gradient, lambda v: np.sum(v ** 3), x_ng, 0.1, what="numerical_gradient(sum(x**3), x, h=0.1)")
assert_shape(g_ng, (2, 2), what="numerical_gradient(f, x) for x of shape (2, 2)")
assert_close(g_ng, 3 * x_ng ** 2 + 0.01, rtol=1e-9, what="numerical_gradient of sum(x**3) with h=0.1",
             hint="Use the central difference (f(x+h) - f(x-h)) / (2h) with the h you are given.")
c_ng = np.array([0.5, -1.0, 2.0, 1.5])
x_sin = np.array([0.1, 0.7, -1.3, 0.6])
x_sin_saved = x_sin.copy()
assert_close(call(numerical_gradient, lambda v: np.sum(c_ng * np.sin(v)), x_sin, what="numerical_gradient(f, x)"),
             c_ng * np.cos(x_sin_saved), rtol=1e-8,
             what="numerical_gradient of sum(c * sin(x)) with the default h",
             hint="A forward difference (f(x+h) - f(x)) / h is only accurate to about h; use the central one.")
assert np.array_equal(x_sin, x_sin_saved), (
    "numerical_gradient must leave x exactly as it was: save the old entry and put that value back")
W_ng = np.array([[1.0, 2.0], [-3.0, 0.5]])
assert_close(call(numerical_gradient, lambda _: np.sum(W_ng ** 2), W_ng, what="numerical_gradient(lambda _: ..., W)"),
             2 * W_ng, rtol=1e-8, what="numerical_gradient of a function that reads W itself and ignores its argument",
             hint="Change the entries of x itself (in place), not of a copy.")
### BEGIN HIDDEN TESTS
from coursekit.gradcheck import numerical_gradient as _ref_numerical_gradient

_rng = np.random.default_rng(1301)
_M = _rng.standard_normal((3, 3))
_x = _rng.standard_normal(3)
assert_close(call(numerical_gradient, lambda v: v @ _M @ v, _x, what="numerical_gradient(x^T M x)"),
             (_M + _M.T) @ _x, rtol=1e-7, atol=1e-9, what="numerical_gradient of the quadratic form x^T M x")
_x3 = _rng.standard_normal((2, 3, 2))
_x3_saved = _x3.copy()
_C3 = _rng.standard_normal((2, 3, 2))
_g3 = call(numerical_gradient, lambda v: np.sum(_C3 * np.exp(v / 2)), _x3, 1e-4, what="numerical_gradient (3-D x)")
assert_close(_g3, _C3 * np.exp(_x3_saved / 2) / 2, rtol=1e-7, atol=1e-10, what="numerical_gradient for a 3-D array")
assert_close(_g3, _ref_numerical_gradient(lambda v: np.sum(_C3 * np.exp(v / 2)), _x3.copy(), 1e-4), rtol=1e-9,
             atol=1e-12, what="numerical_gradient for a 3-D array")
assert np.array_equal(_x3, _x3_saved), "numerical_gradient must restore x exactly"
_one = np.array([2.0])
assert_close(call(numerical_gradient, lambda v: float(v[0] ** 4), _one, 1e-3, what="numerical_gradient (1 entry)"),
             [32.0 + 4 * 2.0 * 1e-6], rtol=1e-9, what="numerical_gradient of x^4 at 2 with h=1e-3")
_y = _rng.uniform(-2, 2, 25)
_y_saved = _y.copy()
call(numerical_gradient, lambda v: np.sum(np.tanh(v)), _y, what="numerical_gradient")
assert np.array_equal(_y, _y_saved), "numerical_gradient must restore every entry of x exactly"
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2: `relative_error` (1 point)
#
# A numerical gradient agrees with an exact one only up to some error, so we need a number that says how
# close is close. The absolute difference is no good (gradients of $10^6$ and of $10^{-6}$ need different
# yardsticks), so divide by the size of the arrays:
#
# $$\operatorname{rel}(a, b) = \frac{\max_i |a_i - b_i|}{\max\bigl(\max_i (|a_i| + |b_i|),\ \text{tiny}\bigr)} .$$
#
# Dividing by the *largest* entry, rather than entry by entry, keeps tiny entries (which central differences
# only get to a few digits) from raising false alarms. The `tiny` (use `np.finfo(float).tiny`, the smallest
# positive normal float) makes two all-zero arrays give 0 instead of 0/0. The result lies in $[0, 1]$.
# For float64 gradient checks, as a rule of thumb: below $10^{-7}$ the gradient is right; above $10^{-4}$ it is
# wrong; in between, look closer (a kink nearby? a rare branch?).

# %% nbgrader={"grade": false, "grade_id": "relative_error", "locked": false, "schema_version": 3, "solution": true, "task": false}
def relative_error(a, b):
    """Largest difference of two arrays relative to their size: max|a - b| / max(max(|a| + |b|), tiny).

    Parameters
    ----------
    a, b : ndarray, same shape
        Typically an exact and a numerical gradient.

    Returns
    -------
    float
        A number in [0, 1]; 0.0 when both arrays are zero.
    """
    ### BEGIN SOLUTION
    diff = np.max(np.abs(a - b))
    size = np.max(np.abs(a) + np.abs(b))
    return float(diff / max(size, np.finfo(float).tiny))
    ### END SOLUTION


# %%
# Try it: 0.3 / 6.3 = 0.047619...
print(round(relative_error(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.3])), 6))

# %% nbgrader={"grade": true, "grade_id": "test_relative_error", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Check relative_error on known values, zeros, symmetry and tiny entries."""
diagnose("relative_error", relative_error)
a_re, b_re = np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.3])
assert_close(call(relative_error, a_re, b_re, what="relative_error(a, b)"), 0.3 / 6.3, rtol=1e-12,
             what="relative_error([1, 2, 3], [1, 2, 3.3])",
             hint="max|a - b| = 0.3 and max(|a| + |b|) = 6.3.")
assert_close(call(relative_error, b_re, a_re, what="relative_error(b, a)"), 0.3 / 6.3, rtol=1e-12,
             what="relative_error([1, 2, 3.3], [1, 2, 3]) (it must be symmetric)")
assert_close(call(relative_error, np.zeros((2, 2)), np.zeros((2, 2)), what="relative_error(zeros, zeros)"), 0.0,
             what="relative_error of two zero arrays", hint="Guard the denominator with np.finfo(float).tiny.")
assert_close(call(relative_error, np.array([1.0, 1e-12]), np.array([1.0, 2e-12]), what="relative_error"), 1e-12 / 2,
             rtol=1e-6, what="relative_error([1, 1e-12], [1, 2e-12])",
             hint="Divide the largest difference by the largest |a_i| + |b_i|, not entry by entry.")
### BEGIN HIDDEN TESTS
from coursekit.gradcheck import relative_error as _ref_relative_error

_rng = np.random.default_rng(1302)
for _shape in ((4,), (3, 5), (2, 2, 3), (1,)):
    _a = _rng.standard_normal(_shape)
    _b = _a + 1e-3 * _rng.standard_normal(_shape)
    _r = call(relative_error, _a, _b, what=f"relative_error for shape {_shape}")
    assert_close(_r, _ref_relative_error(_a, _b), rtol=1e-12, what=f"relative_error for shape {_shape}")
    assert_close(call(relative_error, 1e6 * _a, 1e6 * _b, what="relative_error"), _r, rtol=1e-9,
                 what="relative_error of both arrays scaled by 1e6 (it must not change)")
_a = _rng.standard_normal(6)
assert_close(call(relative_error, _a, -_a, what="relative_error(a, -a)"), 1.0, rtol=1e-12, what="relative_error(a, -a)")
assert_close(call(relative_error, np.array([0.0]), np.array([5.0]), what="relative_error"), 1.0, rtol=1e-12,
             what="relative_error([0], [5])")
assert isinstance(call(relative_error, _a, _a, what="relative_error"), float | np.floating), (
    "relative_error should return a number")
### END HIDDEN TESTS

# %% [markdown]
# ### The step size $h$: truncation against rounding
#
# For $f(x) = e^{\sin x}$ at $x = 1$ the exact derivative is $\cos(1)\, e^{\sin 1}$. The plot shows the relative
# error of both difference formulas as $h$ shrinks from $10^{-1}$ to $10^{-13}$. Read it from right to left:
# first the error falls (the truncation error, with slope 1 for the forward and slope 2 for the central
# difference on these log-log axes), then rounding takes over and it rises again with slope $-1$.

# %%
def f_demo(v):
    """exp(sin(x)) summed over the entries (a scalar)."""
    return float(np.sum(np.exp(np.sin(v))))


x0 = np.array([1.0])
exact = np.cos(x0) * np.exp(np.sin(x0))
steps = np.logspace(-13, -1, 49)
err_central = [relative_error(numerical_gradient(f_demo, x0, h), exact) for h in steps]
err_forward = [relative_error(np.array([(f_demo(x0 + h) - f_demo(x0)) / h]), exact) for h in steps]

fig, ax = plt.subplots(figsize=(7, 4.2))
ax.loglog(steps, err_forward, "s--", markersize=4, label="forward difference, error ~ h")
ax.loglog(steps, err_central, "o-", markersize=4, label="central difference, error ~ h$^2$")
ax.axvline(1e-5, color="0.5", linestyle=":", label="default h = 1e-5")
ax.set_title(r"Finite differences for $f(x) = e^{\sin x}$ at $x = 1$")
ax.set_xlabel("step h")
ax.set_ylabel("relative error of the derivative")
ax.legend()
plt.show()

# %% [markdown]
# The central difference reaches about $10^{-10}$ near $h = 10^{-5}$; the forward difference never gets past
# about $10^{-8}$, and only with a much smaller $h$. With the default step, a correct gradient checked by
# central differences should give a relative error far below the $10^{-7}$ threshold.
#
# ## 2. The matrix rules
#
# Networks are built from matrix operations, so we want the chain rule for whole arrays at once. Take a scalar
# loss $L$ that depends on a matrix $C$, which is computed from $A$ and $B$. Every entry of $A$ can influence
# $L$ through every entry of $C$, so (notes 004)
#
# $$\frac{\partial L}{\partial A_{ij}} = \sum_{n, m} \frac{\partial L}{\partial C_{nm}} \frac{\partial C_{nm}}{\partial A_{ij}} .$$
#
# **Matrix product** $C = AB$ with $A$ of shape $(N, K)$ and $B$ of shape $(K, M)$. Since
# $C_{nm} = \sum_k A_{nk} B_{km}$, the entry $A_{ij}$ appears only in row $n = i$ of $C$, with slope
# $\partial C_{im} / \partial A_{ij} = B_{jm}$. The double sum collapses to
#
# $$dA_{ij} = \sum_m dC_{im}\, B_{jm} = (dC\, B^T)_{ij}, \qquad\text{and in the same way}\qquad dB = A^T dC .$$
#
# (Notes 001 state this as "if $A = BC$ then $\partial L/\partial B = \partial L/\partial A\; C^T$ and
# $\partial L/\partial C = B^T\, \partial L/\partial A$": the same rule with the letters renamed.)
# Evaluating the double sum naively costs $O(N^4)$ for $N \times N$ matrices; the rule needs one matrix product,
# $O(N^3)$.
#
# **Let the shapes check you.** `dA` must have the shape $(N, K)$ of $A$. From `dC`, of shape $(N, M)$, and
# $B$, of shape $(K, M)$, the only product with that shape is `dC @ B.T`. The same trick recovers
# `dB = A.T @ dC`. If you remember only that the gradient has the shape of the variable, you can rebuild the
# rule on the spot (for square matrices the shapes cannot tell $B$ from $B^T$, so know the rule as well).
#
# The other rules of notes 004, each with the reason in one line:
#
# | operation | backward | why |
# |---|---|---|
# | $C = A + B$ | $dA = dC$, $dB = dC$ | each entry of $A$ moves the matching entry of $C$ one for one |
# | $Z = U + b$ with $b$ of shape $(K,)$ added to every row | $db = \sum_n dZ_{n\cdot}$ (`dZ.sum(axis=0)`) | $b_k$ is used in all $N$ rows, and contributions of a value used many times add up |
# | $C = g(A)$ elementwise | $dA = g'(A) \odot dC$ | $C_{ij}$ depends on $A_{ij}$ only |
# | $C = r(A)$, $r$ zeroes some entries (a mask) | $dA = r(dC)$ | a zeroed entry no longer reaches the loss |
# | $C = r(A)$, $r$ rearranges entries (transpose, reshape, slicing) | $dA = r^{-1}(dC)$ | each gradient entry goes back to where its value came from; entries that were dropped get 0 |
#
# Notes 004 write the batched bias as $b\,\mathbf 1_B^T$ and get $\bar b = \bar A\, \mathbf 1_B$: multiplying by a
# column of ones is the same sum over the samples.

# %% [markdown]
# ### Exercise 3: `matmul_backward` (2 points)
#
# Write `matmul_backward(dC, A, B)` returning `(dA, dB)` for $C = AB$.

# %% nbgrader={"grade": false, "grade_id": "matmul_backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def matmul_backward(dC, A, B):
    """Gradients through a matrix product C = A @ B: dA = dC @ B.T and dB = A.T @ dC.

    Parameters
    ----------
    dC : ndarray, shape (N, M)
        dL/dC.
    A : ndarray, shape (N, K)
    B : ndarray, shape (K, M)

    Returns
    -------
    dA : ndarray, shape (N, K)
    dB : ndarray, shape (K, M)
    """
    ### BEGIN SOLUTION
    return dC @ B.T, A.T @ dC
    ### END SOLUTION


# %%
# Try it: with dC = all ones, dA holds the row sums of B in every row, dB the column sums of A in every column.
dA_try, dB_try = matmul_backward(np.ones((2, 2)), np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 0.0], [5.0, 2.0]]))
print(dA_try)
print(dB_try)

# %% nbgrader={"grade": true, "grade_id": "test_matmul_backward", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check matmul_backward against the index formulas written as loops, for non-square shapes."""
diagnose("matmul_backward", matmul_backward)
rng_mm = np.random.default_rng(31)
A_mm, B_mm = rng_mm.standard_normal((4, 3)), rng_mm.standard_normal((3, 2))
dC_mm = rng_mm.standard_normal((4, 2))
out_mm = call(matmul_backward, dC_mm, A_mm, B_mm, what="matmul_backward(dC, A, B)")
assert isinstance(out_mm, tuple) and len(out_mm) == 2, "matmul_backward should return a tuple (dA, dB)"
dA_mm, dB_mm = out_mm
assert_shape(dA_mm, (4, 3), what="dA for A of shape (4, 3) (a gradient has the shape of its variable)")
assert_shape(dB_mm, (3, 2), what="dB for B of shape (3, 2)")
# dL/dA[i, j] = sum_m dC[i, m] B[j, m]   and   dL/dB[i, j] = sum_n A[n, i] dC[n, j]
dA_loop = np.array([[sum(dC_mm[i, m] * B_mm[j, m] for m in range(2)) for j in range(3)] for i in range(4)])
dB_loop = np.array([[sum(A_mm[n, i] * dC_mm[n, j] for n in range(4)) for j in range(2)] for i in range(3)])
assert_close(dA_mm, dA_loop, rtol=1e-10, atol=1e-12, what="dA of matmul_backward", hint="dA = dC @ B.T")
assert_close(dB_mm, dB_loop, rtol=1e-10, atol=1e-12, what="dB of matmul_backward", hint="dB = A.T @ dC")
### BEGIN HIDDEN TESTS
from coursekit.modules import matmul_backward as _ref_matmul_backward

_rng = np.random.default_rng(1303)
for _n, _k, _m in ((1, 1, 1), (5, 2, 7), (3, 3, 3), (2, 6, 1)):
    _A, _B, _dC = _rng.standard_normal((_n, _k)), _rng.standard_normal((_k, _m)), _rng.standard_normal((_n, _m))
    _A_saved, _B_saved = _A.copy(), _B.copy()
    _dA, _dB = call(matmul_backward, _dC, _A, _B, what=f"matmul_backward for shapes {(_n, _k)} @ {(_k, _m)}")
    _rA, _rB = _ref_matmul_backward(_dC, _A, _B)
    assert_close(_dA, np.einsum("nm,km->nk", _dC, _B), rtol=1e-10, atol=1e-12, what=f"dA for shapes {(_n, _k, _m)}")
    assert_close(_dB, np.einsum("nk,nm->km", _A, _dC), rtol=1e-10, atol=1e-12, what=f"dB for shapes {(_n, _k, _m)}")
    assert_close(_dA, _rA, rtol=1e-10, atol=1e-12, what="dA")
    assert_close(_dB, _rB, rtol=1e-10, atol=1e-12, what="dB")
    assert np.array_equal(_A, _A_saved) and np.array_equal(_B, _B_saved), "matmul_backward must not modify A or B"
### END HIDDEN TESTS

# %% [markdown]
# ### Every rule, checked twice
#
# To test a backward rule we need a scalar loss. A convenient one is a random weighted sum of the output,
# $L = \sum_{ij} R_{ij} C_{ij}$ with a fixed random $R$: then $dC = R$ exactly, every entry of $C$ gets a
# different weight (a plain `sum` would hide a transposed or mis-summed gradient), and the rule under test
# turns $R$ into the gradients of the inputs. The cell below compares each rule with your
# `numerical_gradient` and with reverse-mode autodiff (`ad.Var`), printing the shapes as it goes.

# %%
def fd_grads(loss_fn, *arrays):
    """Central-difference gradients of loss_fn(*arrays) with respect to each array (your numerical_gradient)."""
    arrays = [np.array(a, dtype=float) for a in arrays]
    return [numerical_gradient(lambda _: float(loss_fn(*arrays)), a) for a in arrays]


def autodiff_grads(loss_fn, *arrays):
    """The same gradients by reverse-mode automatic differentiation (coursekit.autodiff.Var)."""
    nodes = [ad.Var(a) for a in arrays]
    loss_fn(*nodes).backward()
    return [node.grad for node in nodes]


def verdict(err, tol=1e-7):
    """A short verdict on a relative error (the number itself varies in its last digits between machines)."""
    return f"agree (< {tol:.0e})" if err < tol else f"DIFFER (relative error {err:.1e})"


def report(names, mine, *references):
    """One line per gradient: its shape, and whether it agrees with each reference."""
    for name, g, *refs in zip(names, mine, *references):
        checks = ", ".join(f"{label}: {verdict(relative_error(g, r))}" for label, r in zip(("finite diff.", "autodiff"), refs))
        print(f"  {name:<3} shape {str(np.shape(g)):<8} {checks}")


A_r, B_r = rng.standard_normal((4, 3)), rng.standard_normal((3, 2))
R_prod = rng.standard_normal((4, 2))
print("C = A @ B:     dA = dC @ B.T  is (4, 2) @ (2, 3) -> (4, 3), the shape of A")
print("               dB = A.T @ dC  is (3, 4) @ (4, 2) -> (3, 2), the shape of B")
report(["dA", "dB"], matmul_backward(R_prod, A_r, B_r),
       fd_grads(lambda A, B: ((A @ B) * R_prod).sum(), A_r, B_r),
       autodiff_grads(lambda A, B: ((A @ B) * R_prod).sum(), A_r, B_r))

Z_r, b_r, R_add = rng.standard_normal((5, 3)), rng.standard_normal(3), rng.standard_normal((5, 3))
print("Z + b with b broadcast over 5 rows:  dZ = R (5, 3),  db = R.sum(axis=0) (3,)")
report(["dZ", "db"], [R_add, R_add.sum(axis=0)],
       fd_grads(lambda Z, b: ((Z + b) * R_add).sum(), Z_r, b_r),
       autodiff_grads(lambda Z, b: ((Z + b) * R_add).sum(), Z_r, b_r))

print("tanh(A) elementwise:  dA = (1 - tanh(A)**2) * R")
A_e, R_e = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
report(["dA"], [(1 - np.tanh(A_e) ** 2) * R_e],
       fd_grads(lambda A: (ad.tanh(A) * R_e).sum(), A_e),
       autodiff_grads(lambda A: (ad.tanh(A) * R_e).sum(), A_e))

print("lower triangle (a mask M of 0s and 1s):  dA = M * R")
A_m, R_m = rng.standard_normal((4, 4)), rng.standard_normal((4, 4))
M_low = np.tril(np.ones((4, 4)))
report(["dA"], [M_low * R_m],
       fd_grads(lambda A: ((A * M_low) * R_m).sum(), A_m),
       autodiff_grads(lambda A: ((A * M_low) * R_m).sum(), A_m))

print("C = A.T, then C = A[:, 1] (Var has no transpose or slicing: finite differences only)")
A_t, R_t = rng.standard_normal((2, 3)), rng.standard_normal((3, 2))
report(["dA"], [R_t.T], fd_grads(lambda A: (A.T * R_t).sum(), A_t))
A_c, r_c = rng.standard_normal((3, 4)), rng.standard_normal(3)
dA_col = np.zeros((3, 4))
dA_col[:, 1] = r_c  # column 1 receives the gradient, every other entry gets 0
report(["dA"], [dA_col], fd_grads(lambda A: (A[:, 1] * r_c).sum(), A_c))

# %% [markdown]
# ## 3. Squared loss through one and two layers
#
# Notes 001 build up back-propagation in four small steps. We follow them, and translate each result into our
# batched, samples-as-rows form.
#
# **A product of two numbers.** With $\mathcal L = \tfrac12 (y - f)^2$ we have $\partial\mathcal L/\partial f = f - y$:
# the error, with a sign. If $f = ab$, the chain rule gives $\partial\mathcal L/\partial a = (f - y)\, b$ and
# $\partial\mathcal L/\partial b = (f - y)\, a$: each factor is blamed in proportion to the *other* factor.
# Try it before reading on: predict the two derivatives at $a = 2$, $b = 3$, $y = 1$ (which factor gets the larger
# gradient, and why?), then run the cell, which compares the formula with your `numerical_gradient`.

# %%
a_, b_, y_ = 2.0, 3.0, 1.0
f_ = a_ * b_
by_formula = np.array([(f_ - y_) * b_, (f_ - y_) * a_])
by_differences = numerical_gradient(lambda ab: 0.5 * (y_ - ab[0] * ab[1]) ** 2, np.array([a_, b_]))
print(f"f = ab = {f_:g}, error f - y = {f_ - y_:g}")
print(f"dL/da, dL/db by the formula:        {by_formula}")
print(f"dL/da, dL/db by central differences: {np.round(by_differences, 6)}")

# %% [markdown]
# The smaller factor gets the larger gradient: nudging $a$ changes $f$ by $b$ times as much, so $a$ is the more
# effective knob here, and gradient descent moves it more.
#
# **One linear layer.** The notes' $f = Wx + b$ for one sample gives $\partial\mathcal L/\partial W = (f - y)\,x^T$
# and $\partial\mathcal L/\partial b = f - y$. In our form a batch of $N$ samples gives
#
# $$F = X W + b,\qquad L = \frac{1}{2N} \sum_{n, k} (F_{nk} - Y_{nk})^2,\qquad
# dF = \frac{F - Y}{N},\qquad dW = X^T dF,\qquad db = \sum_n dF_{n\cdot} .$$
#
# $dW$ is the matrix-product rule with $X$ in the role of $A$; $db$ is the broadcast rule. For $N = 1$,
# $dW = x\,(f - y)^T$ (an outer product), which is the transpose of the notes' $(f - y)\,x^T$, exactly as it should
# be, because their $W$ is our $W^T$.
#
# **Two linear layers.** $H = X W_1 + b_1$ and $F = H W_2 + b_2$. The output layer is as before with $H$ in place
# of $X$: $dW_2 = H^T dF$. Then the gradient flows into $H$ by the other half of the product rule,
# $dH = dF\, W_2^T$, and the first layer sees $dH$ the way the output layer saw $dF$: $dW_1 = X^T dH$. This is the
# notes' $\partial\mathcal L/\partial W_1 = W_2^T (f - y)\, x^T$, transposed.
#
# **A ReLU in between.** $Z_1 = X W_1 + b_1$, $H = \max(0, Z_1)$, $F = H W_2 + b_2$. ReLU is an elementwise function
# with derivative 1 where $Z_1 > 0$ and 0 elsewhere (we take 0 at exactly 0, the course convention), so one new
# line appears, the mask:
#
# $$dH = dF\, W_2^T,\qquad dZ_1 = dH \odot \mathbb 1[Z_1 > 0],\qquad dW_1 = X^T dZ_1,\qquad db_1 = \sum_n dZ_{1,n\cdot} .$$
#
# A hidden unit that is off for a sample passes no gradient back for that sample.
#
# **Two slips in notes 001.** (1) After adding the nonlinearity the notes write the output layer as
# $f = W_1 h + b_2$; it is of course $f = W_2 h + b_2$, as the gradient that follows ($W_2^T$) assumes.
# (2) They write $\partial\mathcal L/\partial W_1 = \mathbb 1(h > 0)\, W_2^T (f - y)\, x^T$, which reads like a
# matrix product. But $\mathbb 1(h > 0)$ is a vector with one entry per hidden unit, and it multiplies the vector
# $W_2^T (f - y)$ *entry by entry*: the correct statement is
# $\partial\mathcal L/\partial W_1 = \bigl[\mathbb 1(h > 0) \odot W_2^T (f - y)\bigr]\, x^T$, or with a diagonal matrix,
# $\operatorname{diag}(\mathbb 1(h > 0))\, W_2^T (f - y)\, x^T$. (Testing $h > 0$ or $z > 0$ is the same for ReLU,
# since $h = \max(0, z)$ is positive exactly when $z$ is.)

# %% [markdown]
# ### Exercise 4: `two_layer_gradients` (3 points)
#
# Write `two_layer_gradients(X, y, W1, b1, W2, b2)` for the network and loss above (ReLU hidden layer, linear
# output, $L = \frac{1}{2N}\sum_{n,k} (F_{nk} - y_{nk})^2$). Return a dict with keys `"dW1"`, `"db1"`, `"dW2"`,
# `"db2"`. Run the forward pass first and keep what the backward pass needs.

# %% nbgrader={"grade": false, "grade_id": "two_layer_gradients", "locked": false, "schema_version": 3, "solution": true, "task": false}
def two_layer_gradients(X, y, W1, b1, W2, b2):
    """Gradients of L = 1/(2N) sum (F - y)^2 for F = max(0, X @ W1 + b1) @ W2 + b2 (ReLU'(0) taken as 0).

    Parameters
    ----------
    X : ndarray, shape (N, D)
        Inputs, one sample per row.
    y : ndarray, shape (N, K)
        Targets.
    W1 : ndarray, shape (D, H)
    b1 : ndarray, shape (H,)
    W2 : ndarray, shape (H, K)
    b2 : ndarray, shape (K,)

    Returns
    -------
    dict
        "dW1", "db1", "dW2", "db2": the gradients of L, with the shapes of W1, b1, W2, b2.
    """
    ### BEGIN SOLUTION
    N = X.shape[0]
    Z1 = X @ W1 + b1
    H = np.maximum(Z1, 0.0)
    F = H @ W2 + b2
    dF = (F - y) / N
    dH = dF @ W2.T
    dZ1 = dH * (Z1 > 0)
    return {"dW1": X.T @ dZ1, "db1": dZ1.sum(axis=0), "dW2": H.T @ dF, "db2": dF.sum(axis=0)}
    ### END SOLUTION


# %%
# Try it on the small example of the test below (the expected values are worked out there).
X_tl = np.array([[1.0, 2.0], [-1.0, 1.0]])
W1_tl, b1_tl = np.array([[1.0, -1.0], [0.0, 1.0]]), np.array([0.0, -0.5])
W2_tl, b2_tl = np.array([[2.0], [-1.0]]), np.array([0.5])
y_tl = np.array([[1.0], [0.5]])
for key, value in two_layer_gradients(X_tl, y_tl, W1_tl, b1_tl, W2_tl, b2_tl).items():
    print(key, value.tolist())

# %% nbgrader={"grade": true, "grade_id": "test_two_layer_gradients", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""Check two_layer_gradients on a hand-worked example and against reverse-mode autodiff."""
diagnose("two_layer_gradients", two_layer_gradients)
X_t2 = np.array([[1.0, 2.0], [-1.0, 1.0]])
W1_t2, b1_t2 = np.array([[1.0, -1.0], [0.0, 1.0]]), np.array([0.0, -0.5])
W2_t2, b2_t2 = np.array([[2.0], [-1.0]]), np.array([0.5])
y_t2 = np.array([[1.0], [0.5]])
# Forward: Z1 = [[1, 0.5], [-1, 1.5]], H = [[1, 0.5], [0, 1.5]], F = [[2], [-1]], dF = (F - y)/2 = [[0.5], [-0.75]].
# Backward: dW2 = H^T dF = [[0.5], [-0.875]], db2 = [-0.25], dH = dF W2^T = [[1, -0.5], [-1.5, 0.75]],
# mask [[1, 1], [0, 1]] -> dZ1 = [[1, -0.5], [0, 0.75]], dW1 = X^T dZ1 = [[1, -1.25], [2, -0.25]], db1 = [1, 0.25].
g_t2 = call(two_layer_gradients, X_t2, y_t2, W1_t2, b1_t2, W2_t2, b2_t2, what="two_layer_gradients(example)")
assert isinstance(g_t2, dict) and set(g_t2) == {"dW1", "db1", "dW2", "db2"}, (
    "two_layer_gradients should return a dict with the keys 'dW1', 'db1', 'dW2', 'db2'")
assert_close(g_t2["dW2"], [[0.5], [-0.875]], what="dW2 in the worked example", hint="dW2 = H.T @ dF with dF = (F - y) / N.")
assert_close(g_t2["db2"], [-0.25], what="db2 in the worked example", hint="db2 = dF summed over the samples (axis 0).")
assert_close(g_t2["db1"], [1.0, 0.25], what="db1 in the worked example",
             hint="Did you apply the ReLU mask (Z1 > 0) to dH before summing over the samples?")
assert_close(g_t2["dW1"], [[1.0, -1.25], [2.0, -0.25]], what="dW1 in the worked example", hint="dW1 = X.T @ dZ1.")
# a random network with N=5, D=3, H=4, K=2, against reverse-mode autodiff
rng_t2 = np.random.default_rng(32)
Xr_t2, yr_t2 = rng_t2.standard_normal((5, 3)), rng_t2.standard_normal((5, 2))
P_t2 = [rng_t2.standard_normal(s) for s in ((3, 4), (4,), (4, 2), (2,))]
V_t2 = [ad.Var(p) for p in P_t2]
(0.5 * ((ad.relu(Xr_t2 @ V_t2[0] + V_t2[1]) @ V_t2[2] + V_t2[3] - yr_t2) ** 2).sum() / 5).backward()
g_r2 = call(two_layer_gradients, Xr_t2, yr_t2, *P_t2, what="two_layer_gradients on a random 3-4-2 network")
for key_t2, v_t2 in zip(("dW1", "db1", "dW2", "db2"), V_t2):
    assert_close(g_r2[key_t2], v_t2.grad, rtol=1e-9, atol=1e-12, what=f"{key_t2} for a random 3-4-2 network (N=5)")
### BEGIN HIDDEN TESTS
from coursekit.gradcheck import numerical_gradient as _fd
from coursekit.modules import two_layer_gradients as _ref_two_layer_gradients

_rng = np.random.default_rng(1304)
for _n, _d, _h, _k in ((1, 1, 1, 1), (7, 2, 5, 3), (3, 4, 6, 1)):
    _X, _y = _rng.standard_normal((_n, _d)), _rng.standard_normal((_n, _k))
    _P = [_rng.standard_normal(_s) for _s in ((_d, _h), (_h,), (_h, _k), (_k,))]
    _saved = [p.copy() for p in (_X, _y, *_P)]
    _g = call(two_layer_gradients, _X, _y, *_P, what=f"two_layer_gradients for N, D, H, K = {(_n, _d, _h, _k)}")
    _r = _ref_two_layer_gradients(_X, _y, *_P)

    def _loss(_X=_X, _y=_y, _P=_P, _n=_n):
        return 0.5 * np.sum((np.maximum(_X @ _P[0] + _P[1], 0) @ _P[2] + _P[3] - _y) ** 2) / _n

    for _key, _p in zip(("dW1", "db1", "dW2", "db2"), _P):
        assert_close(_g[_key], _r[_key], rtol=1e-9, atol=1e-12, what=f"{_key} for sizes {(_n, _d, _h, _k)}")
        assert_close(_g[_key], _fd(lambda _: _loss(), _p), rtol=1e-5, atol=1e-7,
                     what=f"{_key} against finite differences for sizes {(_n, _d, _h, _k)}")
    assert all(np.array_equal(a, b) for a, b in zip((_X, _y, *_P), _saved)), "two_layer_gradients must not modify its inputs"
# a unit exactly at the kink (Z1 = 0) passes no gradient back, as relu'(0) = 0
_X = np.array([[0.0, 0.0], [1.0, 1.0]])
_W1, _b1 = np.array([[1.0, -1.0], [1.0, 2.0]]), np.array([0.0, 0.5])
_W2, _b2 = np.array([[1.0], [1.0]]), np.array([0.0])
_y = np.array([[3.0], [-1.0]])
_g = call(two_layer_gradients, _X, _y, _W1, _b1, _W2, _b2, what="two_layer_gradients with a unit at Z1 = 0")
_r = _ref_two_layer_gradients(_X, _y, _W1, _b1, _W2, _b2)
for _key in ("dW1", "db1", "dW2", "db2"):
    assert_close(_g[_key], _r[_key], rtol=1e-12, atol=1e-14, what=f"{_key} when a hidden unit sits exactly at 0",
                 hint="Use the mask Z1 > 0 (ReLU'(0) = 0).")
### END HIDDEN TESTS

# %% [markdown]
# The worked example is small enough to check by hand, and the cell below checks the general case: a random
# network against finite differences and autodiff. The loss is written once, with `ad.relu`, which works on
# plain arrays as well as on `Var`s.

# %%
X_2l, y_2l = rng.standard_normal((6, 3)), rng.standard_normal((6, 2))
params_2l = [rng.standard_normal((3, 5)), rng.standard_normal(5), rng.standard_normal((5, 2)), rng.standard_normal(2)]


def loss_2l(W1, b1, W2, b2):
    """Half the mean squared error of the ReLU network (works on arrays and on Vars)."""
    return 0.5 * ((ad.relu(X_2l @ W1 + b1) @ W2 + b2 - y_2l) ** 2).sum() / len(X_2l)


grads_2l = two_layer_gradients(X_2l, y_2l, *params_2l)
report(["dW1", "db1", "dW2", "db2"], [grads_2l[k] for k in ("dW1", "db1", "dW2", "db2")],
       fd_grads(loss_2l, *params_2l), autodiff_grads(loss_2l, *params_2l))

# %% [markdown]
# ## 4. Softmax and cross-entropy: the gradient $p - \text{onehot}(y)$
#
# **Which loss goes with which output layer.** The last layer's activation decides what range of values the
# network can output, and the loss must expect exactly that range. Notes 003 (section 6) pair them:
#
# | task | activation of the last layer | loss |
# |---|---|---|
# | regression, any real target | linear (none) | squared error |
# | two classes, labels $\pm 1$ | linear | hinge, $\max(0, 1 - y f)$ |
# | two classes, labels 0/1 | sigmoid | negative log-likelihood (NLL) |
# | $K$ classes | softmax | multiclass negative log-likelihood (NLLM) |
#
# A network with no hidden layer and one output unit is a model you already know: with a linear output and the
# squared loss it is **linear regression**, with a sigmoid output and NLL it is **logistic regression** (notes 003
# call them the two special cases of a neuron). Everything in this notebook generalises those two.
#
# The **hinge loss** is zero once the output has the right sign *and* a margin, $y f \ge 1$, and grows linearly
# as the output moves to the wrong side. It does not care how confident a correct answer is, only that it is
# confident enough. Minimised together with a penalty $\lambda \lVert w \rVert^2$ on a linear model, it gives the
# separator with the widest margin: the **support vector machine**, the method of choice before networks trained
# by gradient descent took over. The cell below compares it with NLL written for labels $\pm 1$,
# $\log(1 + e^{-y f})$, which never becomes exactly zero.

# %%
margins = np.array([-2.0, -1.0, 0.0, 0.5, 1.0, 2.0, 4.0])  # y * f: negative means the wrong side
print("y * f      " + "  ".join(f"{m:6.1f}" for m in margins))
print("hinge      " + "  ".join(f"{max(0.0, 1.0 - m):6.3f}" for m in margins))
print("NLL (+-1)  " + "  ".join(f"{np.log1p(np.exp(-m)):6.3f}" for m in margins))

# %% [markdown]
# Both losses are large on the wrong side and grow about linearly there; on the right side the hinge loss is
# exactly 0 beyond the margin $y f = 1$, while NLL keeps rewarding more confidence, a little less at every step.
#
# **Softmax and NLLM.**
# For classification into $K$ classes the last layer produces $K$ numbers $f_1, \dots, f_K$ (the *logits*), the
# softmax turns them into probabilities, and the loss is the negative log-probability of the true class $y$
# (notes 001; notes 003 section 6.2 call it NLLM):
#
# $$p_k = \frac{e^{f_k}}{\sum_j e^{f_j}}, \qquad
# \mathcal L = -\log p_y = \log \sum_j e^{f_j} - f_y .$$
#
# The second form makes the derivative easy. The derivative of $\log\sum_j e^{f_j}$ with respect to $f_k$ is
# $e^{f_k} / \sum_j e^{f_j} = p_k$, and $f_y$ contributes $1$ when $k = y$. So
#
# $$\frac{\partial \mathcal L}{\partial f_k} = p_k - \mathbb 1(y = k):$$
#
# predicted probabilities minus the one-hot label. Every wrong class is pushed down by its probability, the true
# class is pushed up by $1 - p_y$, and each row of the gradient sums to zero. (The softmax's own Jacobian,
# the subject of notebook 02, never has to be formed: combined with this loss it collapses to this short
# expression, which is why a loss module hands back $\partial\mathcal L/\partial Z^L$ directly, as notes 003
# suggest.) Notes 003 write the loss with a one-hot vector, $-\sum_k y_k \log a_k$; only the term of the true
# class survives, so it is the same loss. Over a batch we take the mean, which divides the gradient by $N$.
#
# **Overflow.** $e^{1000}$ overflows float64. Since the softmax does not change when the same number is subtracted
# from every logit, compute with $f - \max_j f_j$: then no exponent is positive, and
# $\log\sum_j e^{f_j} = m + \log\sum_j e^{f_j - m}$ with $m = \max_j f_j$.

# %% [markdown]
# ### Exercise 5: `softmax_cross_entropy` (2 points)
#
# Write `softmax_cross_entropy(logits, labels)` returning `(loss, dlogits)`: the mean loss over the batch as a
# float, and its gradient with respect to the logits. It must work for logits as large as $10^3$ without any
# overflow. (For the one-hot matrix, `np.eye(K)[labels]` is handy; `Z[np.arange(N), labels]` picks the entry of
# the true class in every row.)

# %% nbgrader={"grade": false, "grade_id": "softmax_cross_entropy", "locked": false, "schema_version": 3, "solution": true, "task": false}
def softmax_cross_entropy(logits, labels):
    """Mean softmax cross-entropy and its gradient: L = mean_n [log sum_j exp(z_nj) - z_n,y_n].

    Parameters
    ----------
    logits : ndarray, shape (N, K)
        One row of logits per sample.
    labels : ndarray of int, shape (N,)
        The class of each sample, in 0 .. K-1.

    Returns
    -------
    loss : float
        The mean loss over the N samples.
    dlogits : ndarray, shape (N, K)
        dL/dlogits = (softmax(logits) - onehot(labels)) / N.
    """
    ### BEGIN SOLUTION
    N, K = logits.shape
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_sum = np.log(np.exp(shifted).sum(axis=1))
    rows = np.arange(N)
    loss = float(np.mean(log_sum - shifted[rows, labels]))
    p = np.exp(shifted - log_sum[:, None])
    return loss, (p - np.eye(K)[labels]) / N
    ### END SOLUTION


# %%
# Try it: logits [2, 0, 0] with true class 0 give p = [0.787, 0.107, 0.107] and loss -log(0.787) = 0.2395.
loss_try, dlogits_try = softmax_cross_entropy(np.array([[2.0, 0.0, 0.0]]), np.array([0]))
print(round(loss_try, 4), dlogits_try.round(4))

# %% nbgrader={"grade": true, "grade_id": "test_softmax_cross_entropy", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check softmax_cross_entropy on closed forms, the 1/N of the mean, and huge logits."""
diagnose("softmax_cross_entropy", softmax_cross_entropy)
out_sce = call(softmax_cross_entropy, np.array([[2.0, 0.0, 0.0]]), np.array([0]),
               what="softmax_cross_entropy([[2, 0, 0]], [0])")
assert isinstance(out_sce, tuple) and len(out_sce) == 2, "softmax_cross_entropy should return (loss, dlogits)"
e2_sce = np.exp(2.0)
assert_close(out_sce[0], np.log(e2_sce + 2) - 2, rtol=1e-10, what="the loss for logits [2, 0, 0] and class 0")
assert_close(out_sce[1], [[e2_sce / (e2_sce + 2) - 1, 1 / (e2_sce + 2), 1 / (e2_sce + 2)]], rtol=1e-10,
             what="dlogits for logits [2, 0, 0] and class 0", hint="p - onehot(label): subtract 1 at the true class.")
# two samples: the loss is the mean and the gradient carries a factor 1/N = 1/2
loss2_sce, d2_sce = call(softmax_cross_entropy, np.array([[0.0, 0.0], [1.0, -1.0]]), np.array([1, 1]),
                         what="softmax_cross_entropy on two samples")
assert_close(loss2_sce, (np.log(2.0) + np.log(1 + np.exp(2.0))) / 2, rtol=1e-10, what="the mean loss over two samples")
s_sce = 1 / (1 + np.exp(-2.0))
assert_close(d2_sce, np.array([[0.5, -0.5], [s_sce, -s_sce]]) / 2, rtol=1e-10, what="dlogits for two samples",
             hint="The loss is a mean over the batch, so the gradient is divided by N.")
big_sce = call(softmax_cross_entropy, np.array([[1000.0, 0.0], [0.0, 1000.0]]), np.array([0, 0]),
               what="softmax_cross_entropy with logits of 1000")
assert_close(big_sce[0], 500.0, rtol=1e-12, what="the loss for logits [[1000, 0], [0, 1000]] and classes [0, 0]",
             hint="Subtract each row's maximum before exponentiating.")
assert_close(big_sce[1], [[0.0, 0.0], [-0.5, 0.5]], atol=1e-12, what="dlogits for logits of 1000")
### BEGIN HIDDEN TESTS
from coursekit.losses import softmax_cross_entropy as _ref_softmax_cross_entropy

_rng = np.random.default_rng(1305)
for _n, _k, _scale in ((1, 2, 1.0), (6, 4, 3.0), (9, 7, 300.0), (3, 1, 1.0)):
    _z = _scale * _rng.standard_normal((_n, _k))
    _lab = _rng.integers(0, _k, size=_n)
    _z_saved, _lab_saved = _z.copy(), _lab.copy()
    _loss, _dz = call(softmax_cross_entropy, _z, _lab, what=f"softmax_cross_entropy for N={_n}, K={_k}")
    _rl, _rd = _ref_softmax_cross_entropy(_z, _lab)
    assert_close(_loss, _rl, rtol=1e-10, atol=1e-12, what=f"loss for N={_n}, K={_k}, logits of scale {_scale}")
    assert_close(_dz, _rd, rtol=1e-9, atol=1e-14, what=f"dlogits for N={_n}, K={_k}, logits of scale {_scale}")
    assert_close(_dz.sum(axis=1), np.zeros(_n), atol=1e-12, what="row sums of dlogits")
    assert np.array_equal(_z, _z_saved) and np.array_equal(_lab, _lab_saved), "softmax_cross_entropy must not modify its inputs"
_z = _rng.standard_normal((5, 3))
_lab = np.array([2, 0, 1, 1, 2])
_zv = ad.Var(_z)
_m = _z.max(axis=1, keepdims=True)
((ad.log(ad.exp(_zv - _m).sum(axis=1)) + _m[:, 0] - (_zv * np.eye(3)[_lab]).sum(axis=1)).mean()).backward()
assert_close(call(softmax_cross_entropy, _z, _lab, what="softmax_cross_entropy")[1], _zv.grad, rtol=1e-9, atol=1e-14,
             what="dlogits against reverse-mode autodiff")
_big = np.array([[-1000.0, -1001.0, -999.0]])
assert_close(call(softmax_cross_entropy, _big, np.array([1]), what="softmax_cross_entropy, logits near -1000")[0],
             _ref_softmax_cross_entropy(_big, np.array([1]))[0], rtol=1e-12, what="loss for logits near -1000")
### END HIDDEN TESTS

# %% [markdown]
# Checked again, for a random batch, against finite differences and autodiff. The autodiff version of the loss
# is built from `Var` operations only; it subtracts the row maximum as a constant, which changes nothing
# (the softmax ignores a common shift) except that nothing overflows.

# %%
Z_ce = 4.0 * rng.standard_normal((6, 4))
labels_ce = rng.integers(0, 4, size=6)


def loss_ce(Z):
    """Mean softmax cross-entropy written with operations that work on arrays and on Vars."""
    values = Z.value if isinstance(Z, ad.Var) else Z
    m = values.max(axis=1, keepdims=True)  # a constant shift
    log_sum = ad.log(ad.exp(Z - m).sum(axis=1)) + m[:, 0]
    return (log_sum - (Z * np.eye(4)[labels_ce]).sum(axis=1)).mean()


report(["dZ"], [softmax_cross_entropy(Z_ce, labels_ce)[1]], fd_grads(loss_ce, Z_ce), autodiff_grads(loss_ce, Z_ce))

# %% [markdown]
# **Question (2 points).** Notes 003 ask you to show that for $K = 2$ classes the softmax cross-entropy (NLLM) is
# the binary negative log-likelihood (NLL) of a sigmoid output. Show it: write $p_1$ in terms of the two logits
# $f_1, f_2$ and a sigmoid, say which single number plays the role of logistic regression's logit, and check that
# the gradient with respect to $f_1$ is the familiar "prediction minus label". What does it tell you about a
# two-class softmax network's $K = 2$ output weights: are both columns needed? The cell below checks the loss
# numerically.

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_two_class_softmax", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# *Model answer.* $p_1 = \frac{e^{f_1}}{e^{f_1} + e^{f_2}} = \frac{1}{1 + e^{-(f_1 - f_2)}} = \sigma(f_1 - f_2)$ and
# $p_2 = 1 - p_1$. With $y_1 = 1$ for class 1, $\mathcal L = -y_1 \log p_1 - (1 - y_1) \log(1 - p_1)$: the binary NLL of
# $\sigma(z)$ with the logit $z = f_1 - f_2$. The gradient: $\partial \mathcal L / \partial f_1 = p_1 - y_1 = \sigma(z) - y_1$
# (and $\partial \mathcal L / \partial f_2 = -(\sigma(z) - y_1)$), prediction minus label. Only the difference of the
# logits matters, so adding the same number to both changes nothing: the two output columns $w_1, w_2$ (and biases)
# act only through $w_1 - w_2$, and one column (a single sigmoid output) represents the same models; the softmax
# version has one redundant direction in weight space. Grading: 1 point for $p_1 = \sigma(f_1 - f_2)$ leading to
# the binary NLL with logit $f_1 - f_2$ and the gradient $\sigma(z) - y$; 1 point for "only the difference matters,
# one column is redundant".

# %%
z_bin = np.array([-3.0, -0.5, 0.0, 2.0, 7.0])
y_bin = np.array([0, 1, 1, 0, 1])
nll_binary = np.mean(-y_bin * np.log(1 / (1 + np.exp(-z_bin))) - (1 - y_bin) * np.log(1 - 1 / (1 + np.exp(-z_bin))))
two_logits = np.column_stack([z_bin, np.zeros_like(z_bin)])  # class 0 of the softmax is "y = 1"
nll_softmax = softmax_cross_entropy(two_logits, 1 - y_bin)[0]
print(f"binary NLL of sigmoid(z): {nll_binary:.6f}   softmax cross-entropy of [z, 0]: {nll_softmax:.6f}")

# %% [markdown]
# ## 5. A single neuron with activation $e^z$
#
# Notes 003 (section 1) pose a study question: for one neuron with activation $f(z) = e^z$ and squared loss,
# derive the gradient-descent update for $w$ and $w_0$. With $N$ samples (rows $x_n$ of $X$),
#
# $$z_n = x_n^T w + w_0,\qquad a_n = e^{z_n},\qquad J(w, w_0) = \frac1N \sum_{n=1}^{N} (a_n - y_n)^2 .$$
#
# The chain rule, one link at a time: $\partial J/\partial a_n = \tfrac2N (a_n - y_n)$; the activation's
# derivative is $\mathrm d a/\mathrm d z = e^{z} = a$ (the exponential is its own derivative); and
# $\partial z_n/\partial w = x_n$, $\partial z_n/\partial w_0 = 1$. Hence
#
# $$\frac{\partial J}{\partial w} = \frac2N \sum_n (a_n - y_n)\, a_n\, x_n,\qquad
# \frac{\partial J}{\partial w_0} = \frac2N \sum_n (a_n - y_n)\, a_n,$$
#
# and one step of gradient descent with step size $\eta$ is $w \leftarrow w - \eta\, \partial J/\partial w$,
# $w_0 \leftarrow w_0 - \eta\, \partial J/\partial w_0$. Compared with a linear neuron, the only change is the
# extra factor $a_n$.
#
# (The notes define $J$ as a *sum* over the data set and use the loss $(\text{guess} - \text{actual})^2$ without a
# $\tfrac12$. We average instead, as everywhere in the course; the sum's gradient is $N$ times ours, so the two
# give the same steps with $\eta$ rescaled by $N$.)

# %% [markdown]
# ### Exercise 6: `exp_neuron_step` (2 points)
#
# Write `exp_neuron_step(w, w0, X, y, lr)` that makes one such step and returns `(w_new, w0_new)`. In matrix form,
# with $\delta_n = \tfrac2N (a_n - y_n)\, a_n$, the gradient with respect to $w$ is $X^T \delta$.

# %% nbgrader={"grade": false, "grade_id": "exp_neuron_step", "locked": false, "schema_version": 3, "solution": true, "task": false}
def exp_neuron_step(w, w0, X, y, lr):
    """One gradient-descent step for a = exp(X @ w + w0) with loss J = mean((a - y)**2).

    Parameters
    ----------
    w : ndarray, shape (D,)
        Weights.
    w0 : float
        Offset.
    X : ndarray, shape (N, D)
        Inputs, one sample per row.
    y : ndarray, shape (N,)
        Targets.
    lr : float
        Step size.

    Returns
    -------
    w_new : ndarray, shape (D,)
        w - lr * dJ/dw.
    w0_new : float
        w0 - lr * dJ/dw0.
    """
    ### BEGIN SOLUTION
    a = np.exp(X @ w + w0)
    delta = 2.0 * (a - y) * a / len(y)
    return w - lr * (X.T @ delta), float(w0 - lr * np.sum(delta))
    ### END SOLUTION


# %%
# Try it: from w = 0, w0 = 0 every output is e^0 = 1; the sample with target 2 pulls its weight up.
print(exp_neuron_step(np.zeros(2), 0.0, np.eye(2), np.array([2.0, 1.0]), 0.1))

# %% nbgrader={"grade": true, "grade_id": "test_exp_neuron_step", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check exp_neuron_step on hand-worked steps and against finite differences of J."""
diagnose("exp_neuron_step", exp_neuron_step)
out_en = call(exp_neuron_step, np.zeros(2), 0.0, np.eye(2), np.array([2.0, 1.0]), 0.1, what="exp_neuron_step(...)")
assert isinstance(out_en, tuple) and len(out_en) == 2, "exp_neuron_step should return (w_new, w0_new)"
# a = [1, 1], a - y = [-1, 0], delta = 2/2 * (a - y) * a = [-1, 0]: dJ/dw = X^T delta = [-1, 0], dJ/dw0 = -1
assert_close(out_en[0], [0.1, 0.0], rtol=1e-12, what="w_new for w = [0, 0], X = I, y = [2, 1], lr = 0.1",
             hint="dJ/dw = (2/N) X^T [(a - y) * a]; the step goes against the gradient.")
assert_close(out_en[1], 0.1, rtol=1e-12, what="w0_new for the same step")
# a step where a != 1, so the factor a = exp(z) matters: w = [0.5], w0 = -0.5, X = [[1], [2]], y = [1, 3]
X_en, y_en = np.array([[1.0], [2.0]]), np.array([1.0, 3.0])
a_en = np.exp(np.array([0.0, 0.5]))
delta_en = (a_en - y_en) * a_en  # 2/N = 1 here
w_en, w0_en = call(exp_neuron_step, np.array([0.5]), -0.5, X_en, y_en, 0.05, what="exp_neuron_step (second example)")
assert_close(w_en, [0.5 - 0.05 * (delta_en[0] + 2 * delta_en[1])], rtol=1e-12, what="w_new in the second example",
             hint="Did you include the factor da/dz = exp(z) = a?")
assert_close(w0_en, -0.5 - 0.05 * delta_en.sum(), rtol=1e-12, what="w0_new in the second example")
### BEGIN HIDDEN TESTS
from coursekit.gradcheck import numerical_gradient as _fd
from coursekit.modules import exp_neuron_step as _ref_exp_neuron_step

_rng = np.random.default_rng(1306)
for _n, _d, _lr in ((1, 1, 0.3), (8, 3, 0.01), (20, 5, 0.2)):
    _X = 0.5 * _rng.standard_normal((_n, _d))
    _y = _rng.uniform(0.0, 3.0, _n)
    _w, _w0 = 0.5 * _rng.standard_normal(_d), float(_rng.standard_normal())
    _saved = (_X.copy(), _y.copy(), _w.copy())
    _wn, _w0n = call(exp_neuron_step, _w, _w0, _X, _y, _lr, what=f"exp_neuron_step for N={_n}, D={_d}")
    _rw, _rw0 = _ref_exp_neuron_step(_w, _w0, _X, _y, _lr)
    assert_close(_wn, _rw, rtol=1e-10, atol=1e-12, what=f"w_new for N={_n}, D={_d}")
    assert_close(_w0n, _rw0, rtol=1e-10, atol=1e-12, what=f"w0_new for N={_n}, D={_d}")
    _theta = np.concatenate([_w, [_w0]])
    _grad = _fd(lambda t, _X=_X, _y=_y: np.mean((np.exp(_X @ t[:-1] + t[-1]) - _y) ** 2), _theta)
    assert_close(np.concatenate([_wn, [_w0n]]), _theta - _lr * _grad, rtol=1e-7, atol=1e-9,
                 what=f"the step against finite differences of J for N={_n}, D={_d}")
    assert all(np.array_equal(a, b) for a, b in zip((_X, _y, _w), _saved)), "exp_neuron_step must not modify its inputs"
### END HIDDEN TESTS

# %% [markdown]
# ### Fitting the neuron
#
# Data from $y = e^{0.8x - 0.3}$ plus a little noise, and 150 steps of your `exp_neuron_step` from $w = 0$, $w_0 = 0$.

# %%
x_exp = rng.uniform(-1.5, 1.5, 40)
y_exp = np.exp(0.8 * x_exp - 0.3) + 0.1 * rng.standard_normal(40)
X_exp = x_exp[:, None]


def fit_exp_neuron(lr, steps=150):
    """Run exp_neuron_step from zero; return the final (w, w0) and the loss before each step (stops on overflow)."""
    w, w0, losses = np.zeros(1), 0.0, []
    with np.errstate(over="ignore", invalid="ignore"):  # a too-large step may overflow: that is what we show
        for _ in range(steps):
            loss = float(np.mean((np.exp(X_exp @ w + w0) - y_exp) ** 2))
            if not np.isfinite(loss) or loss > 1e8:
                break
            losses.append(loss)
            w, w0 = exp_neuron_step(w, w0, X_exp, y_exp, lr)
    return w, w0, losses


w_fit, w0_fit, losses_fit = fit_exp_neuron(0.1)
print(f"after 150 steps: w = {w_fit[0]:.3f}, w0 = {w0_fit:.3f}, loss = {losses_fit[-1]:.4f} (noise variance 0.01)")

fig, (ax_fit, ax_loss) = plt.subplots(1, 2, figsize=(11, 4))
grid_exp = np.linspace(-1.6, 1.6, 100)
ax_fit.plot(x_exp, y_exp, "o", markerfacecolor="none", color="k", label="data")
ax_fit.plot(grid_exp, np.exp(0.8 * grid_exp - 0.3), "--", color="0.5", label="true $e^{0.8x - 0.3}$")
ax_fit.plot(grid_exp, np.exp(w_fit[0] * grid_exp + w0_fit), "-", label=f"fitted $e^{{{w_fit[0]:.2f}x {w0_fit:+.2f}}}$")
ax_fit.set_title("A neuron with activation $e^z$, fitted by gradient descent")
ax_fit.set_xlabel("$x$")
ax_fit.set_ylabel("$y$")
ax_fit.legend()
ax_loss.semilogy(losses_fit, "-")
ax_loss.set_title("Loss during training (step size 0.1)")
ax_loss.set_xlabel("step")
ax_loss.set_ylabel("$J$ (mean squared error)")
fig.tight_layout()
plt.show()

# %% [markdown]
# **Try the step size.** The gradient carries the factor $a_n = e^{z_n}$, so its size depends exponentially on
# the weights. Move the slider: small steps crawl; around 0.5 the loss stops decreasing smoothly and
# oscillates; larger steps make it jump around, and for a start further from the data they can overflow
# (the cell stops a run when the loss passes $10^8$).

# %% tags=["nbval-ignore-output"]
def show_step_size(lr=0.1):
    """Loss curves of the exp-neuron fit for one step size."""
    _, _, losses = fit_exp_neuron(lr)
    fig, ax = plt.subplots(figsize=(7, 3.8))
    ax.semilogy(losses, "-", label=f"step size {lr:.3g}")
    ax.semilogy(losses_fit, ":", color="0.5", label="step size 0.1 (for reference)")
    ax.set_title("Exp neuron: loss against step for one step size")
    ax.set_xlabel("step")
    ax.set_ylabel("$J$")
    ax.legend()
    plt.show()


widgets.interact(show_step_size, lr=widgets.FloatLogSlider(value=0.1, base=10, min=-2.5, max=0.5, step=0.05,
                                                             description="step size", continuous_update=False));

# %% [markdown]
# **Question (1 point).** Compare this neuron with a linear one ($a = z$) trained by the same loss. Why is the
# step size more delicate here, and what happens to the gradient for a sample whose $z_n$ is very negative?
# Is there a target $y_n$ this neuron can never fit?

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_exp_neuron", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# *Model answer.* Each sample's contribution to the gradient is $\tfrac2N(a_n - y_n)\,a_n\,x_n$, i.e. the linear
# neuron's contribution times $a_n = e^{z_n}$, and the loss's curvature grows like $a_n^2 = e^{2 z_n}$. A step size
# that is safe where $z$ is small is far too large once the weights make some $z_n$ large, so the steps overshoot,
# $z$ grows further and the run can blow up; a stable step size depends on where the weights currently are. For
# $z_n \ll 0$, $a_n \approx 0$ and that sample's gradient vanishes (the neuron has "switched off" for it, like a
# saturated sigmoid) even if its error is large. The output $e^z$ is always positive, so targets $y_n \le 0$ can
# never be fitted; the best it can do is push $a_n$ towards 0, where its gradient fades away. Grading: ½ point for
# the exponential scaling of the gradient/curvature, ½ for the vanishing gradient or the positivity of the output.

# %% [markdown]
# ## 6. Modules: forward, backward, and the weight gradients
#
# Writing out a whole network's gradient by hand, as in `two_layer_gradients`, does not scale. Notes 003 (end of
# section 4) instead cut the network into *modules*, each of which knows only its own local rule. With $u$ the
# module's input and $v$ its output:
#
# * **forward**: $u \to v$, keeping whatever the backward pass will need;
# * **backward**: $\partial L/\partial v \to \partial L/\partial u$, the blame passed on to the input;
# * **weight gradient**: $\partial L/\partial W$, for the modules that have weights.
#
# A network is a chain of modules: `Linear`, activation, `Linear`, activation, ..., and a loss at the end. The
# backward pass calls each module's `backward` in reverse order, handing each the gradient that the module
# after it returned. In the notes' words, every module accepts its share of the blame for the loss and passes
# it on to its inputs. The loss module starts the chain: its `backward` returns $\partial L/\partial Z^L$ for the
# last layer's output (for softmax cross-entropy, $(p - \text{onehot})/N$, computed directly as in section 4).
#
# In code a module is a class. `coursekit.modules.Module` is the base class; a module with weights lists their
# attribute names in `param_names()` (`["W", "b"]`) and its `backward` stores each gradient under the same name
# with a `d` in front (`dW`, `db`). From that the base class provides `params()` and `grads()`, which is all that
# an optimiser needs, and `coursekit.modules.Sequential` chains modules together.
#
# Notes 003 give the training loop as pseudo-code, `SGD-NEURAL-NET`: lines 8–10 are the forward pass,
# $Z^l = W^{lT} A^{l-1} + W_0^l$ and $A^l = f^l(Z^l)$; line 11 the loss; lines 12–18 the backward pass,
# computing $\partial\text{loss}/\partial A^l$, $\partial\text{loss}/\partial Z^l$, $\partial\text{loss}/\partial W^l$
# and $\partial\text{loss}/\partial W_0^l$ from $l = L$ down to 1; lines 20–21 the update. The next three questions
# are the notes' study questions about it.

# %% [markdown]
# **Question (2 points).** What is $\partial Z^l / \partial W^l$? The notes answer "$A^{l-1}$", and admit that
# the derivative of a vector with respect to a matrix should be a three-index object. Write out
# $\partial Z^l_j / \partial W^l_{ik}$ for one sample (notes' notation, $Z^l = W^{lT} A^{l-1} + W^l_0$), explain how
# contracting it with $\partial\text{loss}/\partial Z^l$ gives the notes' equation 8.1,
# $\partial\text{loss}/\partial W^l = A^{l-1} (\partial\text{loss}/\partial Z^l)^T$, and say what this becomes for a
# batch in our `Linear` layer.

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_dZ_dW", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# *Model answer.* Entry $j$ of the pre-activation is $Z_j = \sum_i W_{ij} A_i + W_{0j}$ (dropping the layer index, $A$
# for $A^{l-1}$). So $\partial Z_j / \partial W_{ik} = A_i$ if $k = j$ and $0$ otherwise: an $m \times n \times n$ array
# whose only nonzero entries are copies of $A$. That is the sense of "$\partial Z/\partial W = A^{l-1}$": it names
# the nonzero part of a mostly-zero three-index object. The chain rule contracts it with the gradient of $Z$:
# $\partial\text{loss}/\partial W_{ik} = \sum_j \frac{\partial\text{loss}}{\partial Z_j}\, A_i\, [j = k] = A_i\,
# \frac{\partial\text{loss}}{\partial Z_k}$, i.e. the outer product $A^{l-1} (\partial\text{loss}/\partial Z^l)^T$
# of shape $m^l \times n^l$, the shape of $W^l$ (eq. 8.1). For a batch the loss sums (or averages) over samples,
# so the outer products of the samples add up: with samples as rows, $dW = U^T dZ$, which is the `Linear` backward
# rule (and the matrix-product rule with $U$ in the role of $A$). Grading: 1 point for the entrywise derivative and
# the contraction to the outer product, 1 for the batched form $U^T dZ$.

# %% [markdown]
# **Question (2 points).** Notes 003 ask: apply the same reasoning to find the gradient of the loss with respect
# to $W_0^1$, the offsets of the *first* layer. Give the answer for one sample in the notes' notation (in terms
# of the quantities in equation 8.3), and in our batched notation.

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_grad_first_offset", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# *Model answer.* $Z^1 = W^{1T} A^0 + W_0^1$, so $\partial Z^1 / \partial W_0^1$ is the $n^1 \times n^1$ identity: the
# offsets are added one for one. Hence $\partial\text{loss}/\partial W_0^1 = \partial\text{loss}/\partial Z^1$, which
# equation 8.3 gives with $l = 1$:
# $$\frac{\partial\text{loss}}{\partial W_0^1} = \frac{\partial A^1}{\partial Z^1}\, W^2\, \frac{\partial A^2}{\partial Z^2}
# \cdots W^L\, \frac{\partial A^L}{\partial Z^L}\, \frac{\partial\text{loss}}{\partial A^L},$$
# an $n^1 \times 1$ vector (the diagonal Jacobians $\partial A^l/\partial Z^l$ hold $f^{l\prime}(Z^l)$). Compared with
# $\partial\text{loss}/\partial W^1 = A^0 (\partial\text{loss}/\partial Z^1)^T$ the input $A^0 = x$ is simply missing.
# For a batch in our notation, $b_1$ is added to every row, so its gradient is the sum of $dZ_1$ over the samples:
# $db_1 = \sum_n (dZ_1)_{n\cdot}$ = `dZ1.sum(axis=0)`, with $dZ_1$ obtained by back-propagating through all
# later layers. Grading: 1 point for $\partial Z^1/\partial W_0^1 = I$ and the chain, 1 for the batched sum.

# %% [markdown]
# **Question (2 points).** Which terms in the notes' `SGD-NEURAL-NET` depend on $f^L$, the activation function of
# the last layer? Distinguish the terms that contain $f^L$ (or its derivative) directly from those that depend on it
# only through values computed from it, and name the terms that do not depend on it at all.

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_terms_depending_on_fL", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# *Model answer.* Directly: the forward step $A^L = f^L(Z^L)$ (line 10 with $l = L$) and the local derivative
# $\partial A^L / \partial Z^L$ (line 15 with $l = L$), which is the diagonal matrix of $f^{L\prime}(Z^L)$. Through
# $A^L$: the loss value (line 11) and $\partial\text{loss}/\partial A^L$ (line 14 for $l = L$), which is evaluated at
# $A^L$. Through $\partial\text{loss}/\partial Z^L$: every back-propagated quantity after it, i.e. lines 14–18 for all
# $l$ ($\partial\text{loss}/\partial A^l$, $\partial\text{loss}/\partial Z^l$, $\partial\text{loss}/\partial W^l$,
# $\partial\text{loss}/\partial W_0^l$) and so every update in lines 20–21. Not depending on $f^L$: the forward pass of
# layers $1, \dots, L-1$ and the local factors $\partial Z^{l+1}/\partial A^l = W^{l+1}$, $\partial A^l/\partial Z^l$
# for $l < L$, $\partial Z^l/\partial W^l = A^{l-1}$, $\partial Z^l/\partial W_0^l = I$ (also the initialisation in
# lines 1–3). This is why the choice of $f^L$ and of the loss go together (notes 003, section 6): only the product
# $\partial\text{loss}/\partial A^L \cdot \partial A^L/\partial Z^L$ enters, and for matched pairs it is simple (e.g.
# $p - y$ for softmax with NLLM). Grading: 1 point for the two direct terms, 1 for the propagation to all gradients
# and updates (or an equally clear account of what does not depend on $f^L$).

# %% [markdown]
# ### Exercise 7: `Linear.backward` (2 points)
#
# The class below is complete except for `backward`. Its `forward` keeps a copy of the input in `self.u`. Write
# `backward(dv)`: store `self.dW` and `self.db` and return `du`, using the rules of section 2:
#
# $$dW = U^T dZ,\qquad db = \sum_n dZ_{n\cdot},\qquad dU = dZ\, W^T \qquad (dZ \text{ is the argument } \texttt{dv}).$$

# %% nbgrader={"grade": false, "grade_id": "Linear_backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
class Linear(Module):
    """Fully connected layer Z = U @ W + b (samples are rows).

    Attributes
    ----------
    W : ndarray, shape (n_in, n_out)
        Weights, drawn from N(0, 1/n_in) (variance 1/n_in).
    b : ndarray, shape (n_out,)
        Offsets (biases), zeros at the start.
    dW, db : ndarray, shapes of W and b
        dL/dW and dL/db, written by backward.
    u : ndarray, shape (N, n_in)
        The input of the last forward call, kept for backward.
    """

    def __init__(self, n_in, n_out, *, rng):
        self.W = rng.normal(0.0, np.sqrt(1.0 / n_in), size=(n_in, n_out))
        self.b = np.zeros(n_out)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self.u = None

    def param_names(self):
        return ["W", "b"]

    def forward(self, u):
        self.u = np.array(u, dtype=float)  # a copy: later changes to u cannot affect backward
        return self.u @ self.W + self.b

    def backward(self, dv):
        """Store self.dW and self.db (replacing earlier values), and return du, for the last forward's input u.

        Parameters
        ----------
        dv : ndarray, shape (N, n_out)
            dL/dZ for the output Z of the last forward call.

        Returns
        -------
        ndarray, shape (N, n_in)
            dL/du.
        """
        ### BEGIN SOLUTION
        self.dW = self.u.T @ dv
        self.db = dv.sum(axis=0)
        return dv @ self.W.T
        ### END SOLUTION


# %%
# Try it: a layer with 3 inputs and 2 outputs, a batch of 4 samples; the gradients have the shapes of W, b and u.
layer_try = Linear(3, 2, rng=rng)
layer_try.forward(rng.standard_normal((4, 3)))
du_try = layer_try.backward(np.ones((4, 2)))
print("dW", layer_try.dW.shape, " db", layer_try.db.shape, " du", du_try.shape, " db =", layer_try.db)

# %% nbgrader={"grade": true, "grade_id": "test_Linear_backward", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check Linear.backward against the index formulas written as loops, with N, n_in and n_out all different."""
diagnose("Linear_backward", Linear)
lin_t = Linear(3, 2, rng=np.random.default_rng(0))
lin_t.W = np.array([[1.0, -1.0], [2.0, 0.5], [0.0, 3.0]])
lin_t.b = np.array([0.5, -1.0])
U_lt = np.array([[1.0, 2.0, -1.0], [0.0, -3.0, 2.0], [4.0, 1.0, 1.0], [-2.0, 0.5, 0.0]])
dv_lt = np.array([[1.0, 0.0], [-1.0, 2.0], [0.5, 0.5], [0.0, -1.0]])
lin_t.forward(U_lt)
du_lt = call(lin_t.backward, dv_lt, what="Linear.backward(dv)")
# dW[i, j] = sum_n U[n, i] dv[n, j],   db[j] = sum_n dv[n, j],   du[n, i] = sum_j dv[n, j] W[i, j]
dW_loop = np.array([[sum(U_lt[n, i] * dv_lt[n, j] for n in range(4)) for j in range(2)] for i in range(3)])
db_loop = np.array([sum(dv_lt[n, j] for n in range(4)) for j in range(2)])
du_loop = np.array([[sum(dv_lt[n, j] * lin_t.W[i, j] for j in range(2)) for i in range(3)] for n in range(4)])
assert_shape(lin_t.dW, (3, 2), what="layer.dW after backward (it must have the shape of W)")
assert_close(lin_t.dW, dW_loop, rtol=1e-12, what="layer.dW after backward",
             hint="Store the gradient in self.dW: dW = u.T @ dv.")
assert_shape(lin_t.db, (2,), what="layer.db after backward (it must have the shape of b)")
assert_close(lin_t.db, db_loop, rtol=1e-12, what="layer.db after backward",
             hint="b is added to every row, so db is dv summed over the samples (axis 0).")
assert_shape(du_lt, (4, 3), what="the return value du of backward (the shape of the input u)")
assert_close(du_lt, du_loop, rtol=1e-12, what="du returned by backward", hint="du = dv @ W.T")
### BEGIN HIDDEN TESTS
from coursekit.gradcheck import numerical_gradient as _fd
from coursekit.modules import Linear as _RefLinear

_rng = np.random.default_rng(1307)
for _n, _i, _o in ((1, 1, 1), (5, 4, 4), (2, 7, 3), (6, 1, 5)):
    _lin = Linear(_i, _o, rng=_rng)
    _lin.b = _rng.standard_normal(_o)
    _U = _rng.standard_normal((_n, _i))
    _R = _rng.standard_normal((_n, _o))
    _lin.forward(_U)
    _du = call(_lin.backward, _R, what=f"Linear.backward for N={_n}, n_in={_i}, n_out={_o}")
    _ref = _RefLinear(_i, _o, rng=np.random.default_rng(0))
    _ref.set_params([_lin.W, _lin.b])
    _ref.forward(_U)
    _rdu = _ref.backward(_R)
    _what = f"(N={_n}, n_in={_i}, n_out={_o})"
    assert_close(_du, _rdu, rtol=1e-10, atol=1e-12, what=f"du {_what}")
    assert_close(_lin.dW, _ref.dW, rtol=1e-10, atol=1e-12, what=f"dW {_what}")
    assert_close(_lin.db, _ref.db, rtol=1e-10, atol=1e-12, what=f"db {_what}")
    assert_close(_lin.dW, np.einsum("ni,no->io", _U, _R), rtol=1e-10, atol=1e-12, what=f"dW {_what}")
    _W_fd = _lin.W.copy()
    assert_close(_lin.dW, _fd(lambda w, _U=_U, _R=_R, _b=_lin.b: np.sum(_R * (_U @ w + _b)), _W_fd), rtol=1e-6,
                 atol=1e-8, what=f"dW against finite differences {_what}")
# the gradients are overwritten by each backward call, not accumulated
_lin = Linear(2, 3, rng=_rng)
_U = _rng.standard_normal((4, 2))
_lin.forward(_U)
_lin.backward(np.ones((4, 3)))
_lin.backward(np.ones((4, 3)))
assert_close(_lin.db, np.full(3, 4.0), rtol=1e-12, what="db after two backward calls with the same dv (no accumulation)")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercises 8–10: the activations' `backward` (1 point each)
#
# An elementwise activation $v = g(u)$ passes back $du = g'(u) \odot dv$ (section 2). Each class below keeps its
# input `self.u` and its output `self.v` from the last forward call; use whichever makes the derivative simplest:
#
# * **ReLU**: $g'(u) = 1$ where $u > 0$ and $0$ elsewhere, *including* $u = 0$ (the course convention);
# * **Tanh**: $g'(u) = 1 - \tanh^2(u) = 1 - v^2$;
# * **Sigmoid**: $g'(u) = \sigma(u)\,(1 - \sigma(u)) = v\,(1 - v)$.
#
# Writing the derivative with the output $v$ saves recomputing $\tanh$ or $\sigma$, and for the sigmoid it also
# avoids the overflow that $e^{-u}$ would cause for very negative $u$.

# %% nbgrader={"grade": false, "grade_id": "ReLU_backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
class ReLU(Module):
    """Rectified linear unit, elementwise: v = max(0, u). Keeps u and v of the last forward call."""

    def forward(self, u):
        self.u = np.array(u, dtype=float)
        self.v = np.maximum(self.u, 0.0)
        return self.v

    def backward(self, dv):
        """Return du = dv * relu'(u), with relu'(u) = 1 where u > 0 and 0 elsewhere (also at u = 0).

        Parameters
        ----------
        dv : ndarray, shape of u
            dL/dv.

        Returns
        -------
        ndarray, shape of u
            dL/du.
        """
        ### BEGIN SOLUTION
        return dv * (self.u > 0)
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_ReLU_backward", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Check ReLU.backward: the gradient passes where u > 0 and is blocked elsewhere, including u = 0."""
diagnose("ReLU_backward", ReLU)
relu_t = ReLU()
relu_t.forward(np.array([[-2.0, 0.0, 3.0], [1.5, -0.5, 0.0]]))
du_rt = call(relu_t.backward, np.array([[1.0, 2.0, 3.0], [-4.0, 5.0, -6.0]]), what="ReLU.backward(dv)")
assert_shape(du_rt, (2, 3), what="ReLU.backward(dv) for dv of shape (2, 3)")
assert_close(du_rt, [[0.0, 0.0, 3.0], [-4.0, 0.0, 0.0]], what="ReLU.backward for u = [[-2, 0, 3], [1.5, -0.5, 0]]",
             hint="Multiply dv by the mask (u > 0): the mask comes from the input u, not from dv, and is 0 at u = 0.")
### BEGIN HIDDEN TESTS
from coursekit.modules import ReLU as _RefReLU

_rng = np.random.default_rng(1308)
for _shape in ((7,), (4, 5), (2, 3, 2)):
    _u = _rng.standard_normal(_shape)
    _u.flat[0] = 0.0
    _dv = _rng.standard_normal(_shape)
    _m = ReLU()
    _m.forward(_u)
    _ref = _RefReLU()
    _ref.forward(_u)
    assert_close(call(_m.backward, _dv, what=f"ReLU.backward for shape {_shape}"), _ref.backward(_dv), rtol=1e-12,
                 what=f"ReLU.backward for shape {_shape}")
    assert_close(_m.backward(_dv), np.where(_u > 0, _dv, 0.0), rtol=1e-12, what=f"ReLU.backward for shape {_shape}")
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "Tanh_backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
class Tanh(Module):
    """Hyperbolic tangent, elementwise: v = tanh(u). Keeps u and v of the last forward call."""

    def forward(self, u):
        self.u = np.array(u, dtype=float)
        self.v = np.tanh(self.u)
        return self.v

    def backward(self, dv):
        """Return du = dv * tanh'(u) = dv * (1 - v**2).

        Parameters
        ----------
        dv : ndarray, shape of u
            dL/dv.

        Returns
        -------
        ndarray, shape of u
            dL/du.
        """
        ### BEGIN SOLUTION
        return dv * (1.0 - self.v ** 2)
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_Tanh_backward", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Check Tanh.backward against the derivative written as 1/cosh(u)^2."""
diagnose("Tanh_backward", Tanh)
tanh_t = Tanh()
u_tt = np.array([[-2.0, 0.0, 0.5], [1.0, -0.25, 3.0]])
dv_tt = np.array([[1.0, 2.0, -1.0], [0.5, 4.0, 1.0]])
tanh_t.forward(u_tt)
du_tt = call(tanh_t.backward, dv_tt, what="Tanh.backward(dv)")
assert_shape(du_tt, (2, 3), what="Tanh.backward(dv) for dv of shape (2, 3)")
assert_close(du_tt, dv_tt / np.cosh(u_tt) ** 2, rtol=1e-12, what="Tanh.backward",
             hint="tanh'(u) = 1 - tanh(u)**2 = 1 - v**2 (use the output v, not the input u), times dv.")
### BEGIN HIDDEN TESTS
from coursekit.gradcheck import numerical_gradient as _fd

_rng = np.random.default_rng(1309)
for _shape in ((6,), (3, 4), (2, 2, 3)):
    _u = 2.0 * _rng.standard_normal(_shape)
    _dv = _rng.standard_normal(_shape)
    _m = Tanh()
    _m.forward(_u)
    _du = call(_m.backward, _dv, what=f"Tanh.backward for shape {_shape}")
    assert_close(_du, _fd(lambda x, _dv=_dv: np.sum(_dv * np.tanh(x)), _u.copy()), rtol=1e-7, atol=1e-9,
                 what=f"Tanh.backward against finite differences, shape {_shape}")
_m = Tanh()
_m.forward(np.array([-800.0, 800.0, 0.0]))
assert_close(call(_m.backward, np.ones(3), what="Tanh.backward for u = [-800, 800, 0]"), [0.0, 0.0, 1.0], atol=1e-300,
             what="Tanh.backward for u = [-800, 800, 0]")
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "Sigmoid_backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
class Sigmoid(Module):
    """Logistic sigmoid, elementwise: v = 1 / (1 + exp(-u)). Keeps u and v of the last forward call."""

    def forward(self, u):
        self.u = np.array(u, dtype=float)
        e = np.exp(-np.abs(self.u))  # never overflows; the two forms below are equal
        self.v = np.where(self.u >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        return self.v

    def backward(self, dv):
        """Return du = dv * sigmoid'(u) = dv * v * (1 - v).

        Parameters
        ----------
        dv : ndarray, shape of u
            dL/dv.

        Returns
        -------
        ndarray, shape of u
            dL/du.
        """
        ### BEGIN SOLUTION
        return dv * self.v * (1.0 - self.v)
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_Sigmoid_backward", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Check Sigmoid.backward against the derivative written as exp(-u) / (1 + exp(-u))^2."""
diagnose("Sigmoid_backward", Sigmoid)
sig_t = Sigmoid()
u_st = np.array([[-2.0, 0.0, 0.5], [1.0, -0.25, 3.0]])
dv_st = np.array([[1.0, 2.0, -1.0], [0.5, 4.0, 1.0]])
sig_t.forward(u_st)
du_st = call(sig_t.backward, dv_st, what="Sigmoid.backward(dv)")
assert_shape(du_st, (2, 3), what="Sigmoid.backward(dv) for dv of shape (2, 3)")
assert_close(du_st, dv_st * np.exp(-u_st) / (1 + np.exp(-u_st)) ** 2, rtol=1e-12, what="Sigmoid.backward",
             hint="sigmoid'(u) = v * (1 - v) with the output v (not the input u), times dv.")
### BEGIN HIDDEN TESTS
from coursekit.gradcheck import numerical_gradient as _fd

_rng = np.random.default_rng(1310)
for _shape in ((6,), (3, 4), (2, 2, 3)):
    _u = 3.0 * _rng.standard_normal(_shape)
    _dv = _rng.standard_normal(_shape)
    _m = Sigmoid()
    _m.forward(_u)
    _du = call(_m.backward, _dv, what=f"Sigmoid.backward for shape {_shape}")
    assert_close(_du, _fd(lambda x, _dv=_dv: np.sum(_dv / (1 + np.exp(-x))), _u.copy()), rtol=1e-7, atol=1e-9,
                 what=f"Sigmoid.backward against finite differences, shape {_shape}")
_m = Sigmoid()
_m.forward(np.array([-800.0, 800.0, 0.0]))
assert_close(call(_m.backward, np.ones(3), what="Sigmoid.backward for u = [-800, 800, 0]"), [0.0, 0.0, 0.25],
             atol=1e-300, what="Sigmoid.backward for u = [-800, 800, 0] (no overflow)")
### END HIDDEN TESTS

# %% [markdown]
# ### Checking the modules
#
# `coursekit.gradcheck.check_module_gradients` runs the whole check for a module: it feeds a random input
# forward, takes a random weighted sum of the output as the loss (as in section 2), and compares the module's
# `backward` (for the input and for every weight array) with central differences. Here it checks a small network
# made of your four modules:

# %% tags=["nbval-ignore-output"]
net_check = Sequential(Linear(3, 4, rng=rng), Tanh(), Linear(4, 4, rng=rng), Sigmoid(), Linear(4, 3, rng=rng), ReLU(),
                       Linear(3, 2, rng=rng))
for layer in net_check:
    if isinstance(layer, Linear):
        layer.b = rng.standard_normal(layer.b.shape)  # nonzero offsets, so that db is really tested
print(check_module_gradients(net_check, rng.standard_normal((5, 3)), rng=rng))

# %% [markdown]
# And once more against autodiff, on the whole forward pass of a ReLU network with a softmax cross-entropy loss:
# the two are different programs computing the same numbers, so they should agree to rounding error, about
# $10^{-15}$ relative, far tighter than any comparison with finite differences can be.

# %%
mlp_ad = Sequential(Linear(2, 6, rng=rng), ReLU(), Linear(6, 3, rng=rng))
mlp_ad[0].b = rng.standard_normal(6)
X_ad, labels_ad = rng.standard_normal((8, 2)), rng.integers(0, 3, size=8)
loss_value, dlogits_ad = softmax_cross_entropy(mlp_ad.forward(X_ad), labels_ad)
mlp_ad.backward(dlogits_ad)


def loss_mlp(W1, b1, W2, b2):
    """The same network and loss, written for autodiff."""
    logits = ad.relu(X_ad @ W1 + b1) @ W2 + b2
    m = logits.value.max(axis=1, keepdims=True)
    return (ad.log(ad.exp(logits - m).sum(axis=1)) + m[:, 0] - (logits * np.eye(3)[labels_ad]).sum(axis=1)).mean()


auto_grads = autodiff_grads(loss_mlp, *mlp_ad.params())
worst = max(relative_error(g, a) for g, a in zip(mlp_ad.grads(), auto_grads))
print(f"modules and autodiff agree to 1e-10: {worst < 1e-10}")

# %% [markdown]
# ### What a wrong gradient looks like
#
# A gradient check is only useful if you can read its failures. Below are four classic bugs, each written as a
# small subclass of your modules that overrides `backward`. Two things to notice:
#
# * Many bugs change a **shape**: `dv.T @ u` instead of `u.T @ dv`, or summing the bias gradient over the wrong
#   axis, gives an array of the wrong shape, and the check (or the next matrix product) fails loudly. The layer
#   below is deliberately square, with as many samples as units, so that these bugs keep the right shape and only
#   the numbers can give them away: the dangerous case.
# * The check tells you **where** the bug is. A missing transpose in $du$ leaves `W` and `b` correct and shows
#   up only at the input; a bias bug shows up only at `b`. A wrong activation derivative spoils the gradient
#   that flows *back* from it, so every array before the activation fails while every array after it passes:
#   the boundary between "NO" and "yes" points at the culprit. A relative error near 1 (or anything far above
#   $10^{-4}$) is never a rounding problem.

# %% tags=["nbval-ignore-output"]
class LinearNoTranspose(Linear):
    """Bug: du = dv @ W instead of dv @ W.T (runs only because W is square)."""

    def backward(self, dv):
        self.dW, self.db = self.u.T @ dv, dv.sum(axis=0)
        return dv @ self.W


class LinearBiasWrongAxis(Linear):
    """Bug: the offset gradient summed over the units (axis 1) instead of over the samples (axis 0)."""

    def backward(self, dv):
        self.dW, self.db = self.u.T @ dv, dv.sum(axis=1)
        return dv @ self.W.T


class ReLUNoMask(ReLU):
    """Bug: the gradient passes through ReLU as if it were the identity."""

    def backward(self, dv):
        return dv


class TanhOfInput(Tanh):
    """Bug: the derivative evaluated with the input, 1 - u**2, instead of the output, 1 - v**2."""

    def backward(self, dv):
        return dv * (1.0 - self.u ** 2)


X_bug = rng.standard_normal((3, 3))
for title, module in [
    ("missing transpose in du", Sequential(LinearNoTranspose(3, 3, rng=rng))),
    ("bias gradient over the wrong axis", Sequential(LinearBiasWrongAxis(3, 3, rng=rng))),
    ("ReLU without its mask", Sequential(Linear(3, 3, rng=rng), ReLUNoMask(), Linear(3, 3, rng=rng))),
    ("tanh' from the input", Sequential(Linear(3, 3, rng=rng), TanhOfInput(), Linear(3, 3, rng=rng))),
]:
    print(f"--- {title}")
    print(check_module_gradients(module, X_bug, rng=rng), end="\n\n")

# %% [markdown]
# **Kinks.** A correct ReLU can fail a gradient check too: if an input of the ReLU lies within $h$ of 0, the two
# evaluations $f(x \pm h)$ straddle the kink and the difference quotient averages the two slopes. Below, one
# pre-activation is set to $3 \times 10^{-6}$, closer to the kink than $h = 10^{-5}$. The correct backward pass
# "fails" at the input, by a relative error far larger than rounding could explain. Random inputs rarely land so
# close to a kink, which is why checks use them; when a check fails only for a ReLU network, look for values near 0
# before looking for a bug.

# %% tags=["nbval-ignore-output"]
relu_alone = Sequential(ReLU())
X_kink = np.array([[1.0, -2.0, 3e-6], [0.5, 2.0, -1.0]])
print(check_module_gradients(relu_alone, X_kink, rng=rng))

# %% [markdown]
# ## 7. Training a network made of your modules
#
# Three interleaved spiral arms, one per class: no straight line, and no single bend, separates them. The network
# is built from your modules, `Linear(2, 32)`, ReLU, `Linear(32, 32)`, ReLU, `Linear(32, 3)`, and the loss module
# below wraps your `softmax_cross_entropy`. `coursekit.training.train_sgd` runs the loop of the notes'
# `SGD-NEURAL-NET`, except that each step uses a mini-batch of 20 samples instead of a single one: forward
# pass, loss, backward pass, and $W \leftarrow W - \eta\, dW$ for every weight array in `params()`.
#
# (The initial weights come from $\mathcal N(0, 1/n_\text{in})$, i.e. variance $1/n_\text{in}$. Notes 003 write
# "Gaussian$(0, 1/m)$" but call $1/m$ the standard deviation in the sentence before; the variance reading is the one
# that keeps the pre-activations at a sensible scale, as notebook 05 explains. The notes also draw the offsets from
# $\mathcal N(0, 1)$; we start them at zero, which breaks no symmetry that the random $W$ has not already broken.)

# %%
class SoftmaxCrossEntropyLoss(LossModule):
    """Loss module around softmax_cross_entropy: forward(logits, labels) -> loss, backward() -> dlogits."""

    def forward(self, logits, labels):
        loss, self.dlogits = softmax_cross_entropy(logits, labels)
        return loss

    def backward(self, dloss=1.0):
        return dloss * self.dlogits


X_spiral, y_spiral = spiral_data(100, rng, n_classes=3, noise=0.2)
net = Sequential(Linear(2, 32, rng=rng), ReLU(), Linear(32, 32, rng=rng), ReLU(), Linear(32, 3, rng=rng))
print("weight shapes:", [p.shape for p in net.params()])

# %% tags=["nbval-ignore-output"]
EPOCHS = 40 if GRADING else 100  # fewer epochs while nbgrader grades
epoch_losses = train_sgd(net, SoftmaxCrossEntropyLoss(), X_spiral, y_spiral, lr=0.2, epochs=EPOCHS, batch_size=20,
                         rng=rng)

# %%
needs("epoch_losses", exercise="each of softmax_cross_entropy, Linear.backward and ReLU.backward")


def predict(X):
    """The class with the largest logit."""
    return np.argmax(net.forward(X), axis=1)


accuracy = np.mean(predict(X_spiral) == y_spiral)
fig, (ax_regions, ax_curve) = plt.subplots(1, 2, figsize=(12, 5))
decision_regions(predict, X_spiral, y_spiral, ax=ax_regions, resolution=150, legend_loc="lower right",
                 title=f"Decision regions after {EPOCHS} epochs (training accuracy {accuracy:.0%})")
ax_curve.plot(np.arange(1, EPOCHS + 1), epoch_losses, "o-", markersize=3, label="mean mini-batch loss")
ax_curve.axhline(np.log(3), color="0.5", linestyle="--", label="log 3: guessing uniformly")
ax_curve.set_yscale("log")
ax_curve.set_title("Training loss per epoch")
ax_curve.set_xlabel("epoch")
ax_curve.set_ylabel("softmax cross-entropy")
ax_curve.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# The loss starts near $\log 3 \approx 1.1$, the loss of a network that gives each class probability $\tfrac13$
# (with small initial weights and zero offsets the logits are all close to 0), and falls as the regions wrap
# around the arms. Nothing in the loop knows about spirals, ReLUs or the loss: each module applies its own local
# rule, and the chain rule does the rest.

# %% [markdown]
# ## Summary
#
# * A central difference $\frac{f(x+h) - f(x-h)}{2h}$ with $h \approx 10^{-5}$ estimates a derivative to about ten
#   digits; judged by a relative error, it is the referee for every hand-derived gradient. Kinks within $h$ fool it.
# * Matrix rules: $C = AB$ gives $dA = dC\,B^T$, $dB = A^T dC$; a broadcast offset gets the sum over the batch;
#   elementwise functions multiply by $g'$; masks and reshapes route the gradient back where the values came from.
#   A gradient always has the shape of its variable, and the shapes usually tell you the formula.
# * Squared loss through layers: $dF = (F - Y)/N$, then $dW = (\text{input})^T dF$ and $d(\text{input}) = dF\,W^T$
#   layer by layer, with the ReLU mask $\mathbb 1[Z > 0]$ applied elementwise (not as a matrix product, whatever the
#   notes' notation suggests).
# * Softmax with cross-entropy has the gradient $(p - \text{onehot}(y))/N$; subtracting the row maximum makes it
#   safe for any logits.
# * A neuron with activation $e^z$ has the gradient of a linear neuron times $a = e^z$, which makes its step size
#   touchy and its gradient vanish for very negative $z$.
# * Modules turn all this into local rules: `forward` caches, `backward` maps $dv$ to $du$ and stores weight
#   gradients. A gradient check per array locates a bug: which array fails tells you which line is wrong.
