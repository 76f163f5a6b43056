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
# # 02 · Activation functions and their derivatives
#
# A layer computes a pre-activation $Z = AW + b$ and then applies a nonlinearity $f$ entry by entry,
# $A' = f(Z)$. Notebook 01 showed that without $f$ a deep network collapses into a single linear map.
# This notebook is about the choice of $f$: what the usual candidates look like, how to compute them
# without numerical accidents, what their derivatives are (backpropagation multiplies by $f'(Z)$ at
# every layer), and why that last fact decided which activation the field settled on.
#
# **After this notebook you will be able to**
#
# - implement step, ReLU, sigmoid, tanh, leaky ReLU / PReLU, ELU, SELU and softmax for arrays of any shape;
# - explain why the textbook formulas for the sigmoid and the softmax overflow, and write versions that
#   cannot;
# - derive and implement the derivative of each activation, and check it against finite differences;
# - explain saturation and vanishing gradients, and why ReLU displaced the sigmoid in hidden layers;
# - derive the softmax Jacobian $\operatorname{diag}(p) - p\,p^{\mathsf T}$ and use it in a backward pass.
#
# **Conventions.** $z$ is a pre-activation, $a = f(z)$ an activation. Samples are rows, as in the whole
# course: $Z = AW + b$ with $W$ of shape `(n_in, n_out)` (the notes write $Z = W^{\mathsf T}A + W_0$ for a
# single column vector; it is the same layer). Every function you write takes a numpy array of *any*
# shape and returns a float array of the same shape; it must not modify its argument, and it needs no
# Python loop.

# %%
import math

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from coursekit.activations import naive_sigmoid, naive_softmax, sigmoid_steep
from coursekit.checks import assert_close, assert_shape, call, diagnose
from coursekit.plotting import plot_curves

SEED = 2
rng = np.random.default_rng(SEED)
np.set_printoptions(precision=4, suppress=False)

# %% [markdown]
# ## 1. The step function and ReLU
#
# The oldest artificial neurons (McCulloch and Pitts, then the perceptron) either fire or stay silent:
#
# $$\operatorname{step}(z) = \begin{cases} 0 & z < 0 \\ 1 & \text{otherwise.} \end{cases}$$
#
# What happens exactly at $z = 0$ is a convention, and the notes are not consistent about it. Notes 003 put
# $\operatorname{step}(0) = 1$ (the definition above), and so does the hard threshold $\Theta$ of notes 004's
# tutorial question 3 (the wedge of notebook 01); notes 004's own question in section 5.1 writes
# $\Theta(a) = 1$ only for $a > 0$, so $\Theta(0) = 0$. A single point changes nothing for learning, but a test
# has to pick one, and this course uses $\operatorname{step}(0) = 1$ throughout.
#
# ### Exercise 1: `step` (1 point)
#
# Implement the step function elementwise. `np.where(condition, x, y)` picks `x` where the condition
# holds and `y` elsewhere. Return floats (0.0 and 1.0), not booleans.

# %% nbgrader={"grade": false, "grade_id": "step", "locked": false, "schema_version": 3, "solution": true, "task": false}
def step(z):
    """Heaviside step function, elementwise: 0 where z < 0, 1 elsewhere (so step(0) = 1).

    Parameters
    ----------
    z : ndarray, any shape
        Pre-activations.

    Returns
    -------
    ndarray of float, same shape as z
    """
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=float)
    return np.where(z < 0, 0.0, 1.0)
    ### END SOLUTION


# %%
print(step(np.array([-2.0, -0.5, 0.0, 0.5, 2.0])))

# %% nbgrader={"grade": true, "grade_id": "test_step", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Check step on known values, at zero, and on a 2-D array."""
diagnose("step", step)
z = np.array([-2.0, -1e-12, 0.0, 1e-12, 3.0])
assert_close(call(step, z, what="step(z)"), [0.0, 0.0, 1.0, 1.0, 1.0],
             what="step([-2, -1e-12, 0, 1e-12, 3])",
             hint="step(0) must be 1: only strictly negative z give 0.")
Z = np.array([[-1.0, 2.0, 0.0], [0.5, -0.5, -3.0]])
out = call(step, Z, what="step(Z) for Z of shape (2, 3)")
assert_shape(out, (2, 3), what="step(Z) for Z of shape (2, 3)")
assert_close(out, [[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]], what="step(Z) for Z of shape (2, 3)")
### BEGIN HIDDEN TESTS
from coursekit.activations import step as _ref_step

_r = np.random.default_rng(2021)
for _shape in [(1,), (9,), (4, 5), (2, 3, 2)]:
    _z = _r.normal(0.0, 5.0, _shape)
    _what = f"step(z) for z of shape {_shape}"
    assert_close(call(step, _z, what=_what), _ref_step(_z), what=_what)
assert_close(call(step, np.zeros((2, 2)), what="step(np.zeros((2, 2)))"), np.ones((2, 2)),
             what="step(np.zeros((2, 2)))", hint="step(0) must be 1.")
assert_close(call(step, np.array([-1e3, 1e3]), what="step([-1000, 1000])"), [0.0, 1.0],
             what="step([-1000, 1000])")
### END HIDDEN TESTS

# %% [markdown]
# The rectified linear unit keeps the positive part of its input and zeroes the rest:
#
# $$\operatorname{ReLU}(z) = \max(0, z).$$
#
# It is the default choice for hidden layers today; section 7 explains why.
#
# ### Exercise 2: `relu` (1 point)
#
# Use `np.maximum` (elementwise), not Python's built-in `max` (which compares whole arrays), and do not
# overwrite entries of `z` in place: the caller's array must come back unchanged.

# %% nbgrader={"grade": false, "grade_id": "relu", "locked": false, "schema_version": 3, "solution": true, "task": false}
def relu(z):
    """Rectified linear unit, elementwise: max(0, z).

    Parameters
    ----------
    z : ndarray, any shape
        Pre-activations (left unchanged).

    Returns
    -------
    ndarray of float, same shape as z
    """
    ### BEGIN SOLUTION
    return np.maximum(np.asarray(z, dtype=float), 0.0)
    ### END SOLUTION


# %%
print(relu(np.array([-2.0, -0.5, 0.0, 0.5, 2.0])))

# %% nbgrader={"grade": true, "grade_id": "test_relu", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Check relu on known values and a 2-D array, and that it leaves its input alone."""
diagnose("relu", relu)
z = np.array([-3.0, -0.5, 0.0, 0.5, 3.0])
assert_close(call(relu, z, what="relu(z)"), [0.0, 0.0, 0.0, 0.5, 3.0], what="relu([-3, -0.5, 0, 0.5, 3])")
Z = np.array([[-1.0, 2.0], [4.0, -7.0], [0.25, -0.25]])
Z_before = Z.copy()
out = call(relu, Z, what="relu(Z) for Z of shape (3, 2)")
assert_shape(out, (3, 2), what="relu(Z) for Z of shape (3, 2)")
assert_close(out, [[0.0, 2.0], [4.0, 0.0], [0.25, 0.0]], what="relu(Z) for Z of shape (3, 2)")
assert np.array_equal(Z, Z_before), "relu changed its argument in place; compute a new array instead"
### BEGIN HIDDEN TESTS
from coursekit.activations import relu as _ref_relu

_r = np.random.default_rng(3032)
for _shape in [(1,), (11,), (5, 4), (3, 2, 4)]:
    _z = _r.normal(0.0, 10.0, _shape)
    _keep = _z.copy()
    _what = f"relu(z) for z of shape {_shape}"
    assert_close(call(relu, _z, what=_what), _ref_relu(_keep), what=_what)
    assert np.array_equal(_z, _keep), f"{_what} changed its argument in place"
assert_close(call(relu, np.array([-1e3, 1e3]), what="relu([-1000, 1000])"), [0.0, 1e3],
             what="relu([-1000, 1000])")
### END HIDDEN TESTS

# %% [markdown]
# ## 2. The sigmoid, and why the textbook formula is not enough
#
# The logistic sigmoid squashes any real number into $(0, 1)$, which is why it can be read as a probability:
#
# $$\sigma(z) = \frac{1}{1 + e^{-z}}, \qquad \sigma(0) = \tfrac12, \qquad \sigma(-z) = 1 - \sigma(z).$$
#
# The notes write it in two ways: $1/(1 + e^{-z})$ (notes 002 to 004) and $e^{z}/(1 + e^{z})$ (notes 001).
# Multiply the top and bottom of the first by $e^{z}$ and you get the second, so they agree in exact
# arithmetic. They do not agree in floating point. The largest float64 is about $1.8 \times 10^{308}$,
# so $e^{x}$ overflows to `inf` as soon as $x > \ln(1.8 \times 10^{308}) \approx 709.78$. Pre-activations
# of a few hundred are rare but do occur (a badly scaled input, a large learning rate), and
# then:
#
# - $1/(1 + e^{-z})$ at $z = -1000$ computes $e^{1000} = $ `inf` and numpy warns
#   `RuntimeWarning: overflow encountered in exp`. The result, $1/\infty = 0$, happens to be right;
# - $e^{z}/(1 + e^{z})$ at $z = +1000$ computes `inf / inf`, which is `nan`: a wrong answer that then
#   spreads through every later computation.
#
# The cell below shows both. It runs the calls inside `np.errstate(...)`, which tells numpy what to do
# on a floating-point problem: `"raise"` turns it into an exception we can catch and print, `"ignore"`
# silences it. Without that, the warning would be printed on stderr, and nbgrader gives **zero** to a
# test cell that writes anything to stderr, even when the numbers are right. `coursekit.naive_sigmoid`
# is the first formula written literally, kept in the library only for this demonstration.

# %%
big = np.log(np.finfo(np.float64).max)
print(f"largest float64: {np.finfo(np.float64).max:.4e}; exp overflows above x = {big:.2f}")

with np.errstate(over="raise"):
    try:
        naive_sigmoid(np.array([-1000.0]))
    except FloatingPointError as err:
        print(f"naive_sigmoid(-1000) with errors raised : FloatingPointError: {err}")

with np.errstate(over="ignore", invalid="ignore"):
    print(f"naive_sigmoid(-1000) with the warning silenced: {naive_sigmoid(np.array([-1000.0]))}")
    u = np.array([1000.0])
    print(f"e^u / (1 + e^u) at u = 1000 (notes 001's form): {np.exp(u) / (1 + np.exp(u))}")

# %% [markdown]
# **The fix: only ever exponentiate a number that is not positive.** Let $e = e^{-|z|}$, which lies in
# $(0, 1]$ for every $z$. Then
#
# $$\sigma(z) = \begin{cases} \dfrac{1}{1 + e} & z \ge 0, \\[2ex] \dfrac{e}{1 + e} & z < 0, \end{cases}$$
#
# because for $z < 0$ the second line is the $e^{z}/(1 + e^{z})$ form with $e^{z} = e^{-|z|}$. Neither
# line can overflow, and the denominator is between 1 and 2.
#
# One trap: `np.where(cond, x, y)` evaluates **both** `x` and `y` for every entry before choosing. So
# `np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))` still computes `np.exp(1000)`
# somewhere. Compute `e = np.exp(-np.abs(z))` first and build both branches from `e`.
#
# ### Exercise 3: `sigmoid` (2 points)
#
# The test wraps every call in `call(...)` from `coursekit.checks`, which turns an overflow inside your
# function into a failed test with a message saying so (instead of a silent zero from a warning).

# %% nbgrader={"grade": false, "grade_id": "sigmoid", "locked": false, "schema_version": 3, "solution": true, "task": false}
def sigmoid(z):
    """Logistic sigmoid, elementwise: 1 / (1 + exp(-z)), computed without overflow.

    Must work (no warning, no nan) for any finite z, e.g. z = -1000 or z = 1000.

    Parameters
    ----------
    z : ndarray, any shape
        Pre-activations.

    Returns
    -------
    ndarray of float, same shape as z, values in [0, 1]
    """
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))  # in (0, 1]: cannot overflow
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    ### END SOLUTION


# %%
print(sigmoid(np.array([-1000.0, -2.0, 0.0, 2.0, 1000.0])))

# %% nbgrader={"grade": true, "grade_id": "test_sigmoid", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check sigmoid on known values, its symmetry, and inputs far beyond exp's range."""
diagnose("sigmoid", sigmoid)
z = np.array([-np.log(3.0), 0.0, np.log(3.0)])
assert_close(call(sigmoid, z, what="sigmoid([-log 3, 0, log 3])"), [0.25, 0.5, 0.75],
             what="sigmoid([-log 3, 0, log 3])", hint="sigma(z) = 1 / (1 + exp(-z)); check the sign.")
z = np.linspace(-6.0, 6.0, 13)
assert_close(call(sigmoid, z, what="sigmoid(z)"), 1.0 / (1.0 + np.exp(-z)),
             what="sigmoid(z) for z = -6, -5, ..., 6", atol=1e-12)
_overflow = "exponentiate only numbers <= 0, e.g. e = np.exp(-np.abs(z))."
assert_close(call(sigmoid, np.array([-1000.0, 1000.0]), what="sigmoid([-1000, 1000])", hint=_overflow), [0.0, 1.0],
             what="sigmoid([-1000, 1000])", atol=1e-12, hint=_overflow)
Z = np.array([[0.0, 1.0, -1.0], [2.0, -2.0, 0.5]])
assert_shape(call(sigmoid, Z, what="sigmoid(Z) for Z of shape (2, 3)"), (2, 3),
             what="sigmoid(Z) for Z of shape (2, 3)")
### BEGIN HIDDEN TESTS
from coursekit.activations import sigmoid as _ref_sigmoid

_r = np.random.default_rng(4043)
for _shape, _scale in [((1,), 1.0), ((8,), 40.0), ((4, 6), 300.0), ((2, 3, 4), 5.0)]:
    _z = _r.normal(0.0, _scale, _shape)
    _what = f"sigmoid(z) for z of shape {_shape} (entries up to about {3 * _scale:g} in size)"
    _s = call(sigmoid, _z, what=_what)
    assert_close(_s, _ref_sigmoid(_z), what=_what, atol=1e-12)
    assert_close(call(sigmoid, -_z, what=_what), 1.0 - _ref_sigmoid(_z), what="sigmoid(-z) = 1 - sigmoid(z)",
                 atol=1e-12)
_z = np.array([[-1e3, -745.0, -709.0, -30.0], [30.0, 709.0, 745.0, 1e3]])
assert_close(call(sigmoid, _z, what="sigmoid of values near and past exp's overflow"), _ref_sigmoid(_z),
             what="sigmoid of values near and past exp's overflow", atol=1e-12)
assert_close(call(sigmoid, np.zeros((3, 1)), what="sigmoid(np.zeros((3, 1)))"), np.full((3, 1), 0.5),
             what="sigmoid(np.zeros((3, 1)))")
### END HIDDEN TESTS

# %% [markdown]
# ## 3. tanh: a zero-centred sigmoid
#
# $$\tanh(z) = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}} = 2\sigma(2z) - 1.$$
#
# The identity on the right says that tanh is the sigmoid stretched vertically to $(-1, 1)$ and made
# twice as steep. Its outputs are centred on 0, and near 0 it behaves like the identity
# ($\tanh(z) \approx z$), which is why, among the squashing functions, it usually trains better than the
# sigmoid in hidden layers (notes 002).
#
# ### Exercise 4: `tanh` (2 points)
#
# Build tanh from exponentials yourself (do not call `np.tanh`: the point is to see what it takes). Two
# things must hold, and the tests check both.
#
# 1. **No overflow** for $|z|$ up to 1000, as for the sigmoid.
# 2. **Full relative precision near 0.** There $\tanh z \approx z$, and a network whose pre-activations
#    are tiny needs $\tanh(10^{-10})$ to be $10^{-10}$ to about 15 digits, not $10^{-10} \pm 10^{-16}$
#    (an error of one part in a million).
#
# Both follow from $e = e^{-2|z|} \in (0, 1]$ and $\tanh z = \operatorname{sign}(z)\,(1 - e)/(1 + e)$,
# on one condition: $1 - e$ must not be computed as a subtraction. For small $|z|$, $e$ is within a
# hair of 1, and subtracting two nearly equal numbers keeps only the few digits in which they differ
# (*cancellation*): the rounding error of $e$, about $10^{-16}$, becomes the whole error of a result of
# size $10^{-10}$. `np.expm1(x)` returns $e^{x} - 1$ computed without forming $e^{x}$, accurate for small $x$.

# %% nbgrader={"grade": false, "grade_id": "tanh", "locked": false, "schema_version": 3, "solution": true, "task": false}
def tanh(z):
    """Hyperbolic tangent, elementwise: (e^z - e^-z) / (e^z + e^-z), without overflow or cancellation.

    Parameters
    ----------
    z : ndarray, any shape
        Pre-activations.

    Returns
    -------
    ndarray of float, same shape as z, values in [-1, 1]
    """
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=float)
    a = -2.0 * np.abs(z)  # <= 0: exp(a) cannot overflow
    return np.sign(z) * -np.expm1(a) / (1.0 + np.exp(a))
    ### END SOLUTION


# %%
print(tanh(np.array([-1000.0, -1.0, 0.0, 1.0, 1000.0])))
print(tanh(np.array([1e-10])))  # should print 1.e-10

# %% nbgrader={"grade": true, "grade_id": "test_tanh", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check tanh against the closed form and math.tanh, far beyond exp's range and to full precision near 0."""
diagnose("tanh", tanh)
z = np.linspace(-4.0, 4.0, 9)
expected = (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))
assert_close(call(tanh, z, what="tanh(z)"), expected, what="tanh(z) for z = -4, -3, ..., 4", atol=1e-12)
_overflow = "exponentiate only numbers <= 0, e.g. np.exp(-2 * np.abs(z))."
assert_close(call(tanh, np.array([-1000.0, 1000.0]), what="tanh([-1000, 1000])", hint=_overflow), [-1.0, 1.0],
             what="tanh([-1000, 1000])", atol=1e-12, hint=_overflow)
small = np.array([1e-10, -3e-8, 2e-5])
assert_close(call(tanh, small, what="tanh of tiny inputs"), [math.tanh(x) for x in small],
             what="tanh([1e-10, -3e-8, 2e-5]) (relative precision)", rtol=1e-13, atol=0.0,
             hint="1 - e cancels when e is close to 1: compute it as -np.expm1(-2 * np.abs(z)).")
### BEGIN HIDDEN TESTS
from coursekit.activations import tanh as _ref_tanh

_r = np.random.default_rng(5054)
for _shape, _scale in [((1,), 1.0), ((7,), 3.0), ((3, 5), 500.0), ((2, 2, 3), 0.1)]:
    _z = _r.normal(0.0, _scale, _shape)
    _what = f"tanh(z) for z of shape {_shape} (entries up to about {3 * _scale:g} in size)"
    assert_close(call(tanh, _z, what=_what), _ref_tanh(_z), what=_what, atol=1e-12)
_z = np.array([[-1e3, -711.0], [711.0, 1e3]])
assert_close(call(tanh, _z, what="tanh of values past exp's overflow"), [[-1.0, -1.0], [1.0, 1.0]],
             what="tanh([[-1000, -711], [711, 1000]])", atol=1e-12)
_z = _r.choice([-1.0, 1.0], 6) * 10.0 ** _r.uniform(-14, -3, 6)
assert_close(call(tanh, _z, what="tanh of tiny inputs"), [math.tanh(x) for x in _z],
             what="tanh of tiny inputs (relative precision)", rtol=1e-13, atol=0.0)
assert_close(call(tanh, np.zeros((2, 3)), what="tanh(np.zeros((2, 3)))"), np.zeros((2, 3)),
             what="tanh(np.zeros((2, 3)))")
### END HIDDEN TESTS

# %% [markdown]
# **Cancellation, seen.** $\tanh z = 2\sigma(2z) - 1$ is exact on paper, and with the stable sigmoid it
# cannot overflow. Before running the cell, predict: at $z = 10^{-10}$, how many correct digits does it
# keep, compared with your `tanh`? The figure plots the relative error of the identity, of
# $(1 - e)/(1 + e)$ with the subtraction written out, and of your `tanh`, against `math.tanh`.

# %%
tiny = np.logspace(-12, 0, 49)
reference_tanh = np.array([math.tanh(x) for x in tiny])
forms = {
    "2 sigmoid(2z) - 1": 2.0 * sigmoid(2.0 * tiny) - 1.0,
    "(1 - e) / (1 + e), e = exp(-2z)": (1.0 - np.exp(-2.0 * tiny)) / (1.0 + np.exp(-2.0 * tiny)),
    "your tanh (expm1)": tanh(tiny),
}
fig, ax = plt.subplots(figsize=(7, 4.2))
for (label, values), style in zip(forms.items(), ["-", "--", ":"]):
    error = np.abs(values - reference_tanh) / reference_tanh
    ax.loglog(tiny, np.maximum(error, 1e-17), style, lw=2, label=label)  # an exact value sits at 1e-17
ax.set_xlabel("$z$")
ax.set_ylabel("relative error against math.tanh")
ax.set_title("Cancellation: 1 - e loses the digits of a small result")
ax.legend(loc="upper right")
plt.show()
for label, values in forms.items():
    worst = np.max(np.abs(values - reference_tanh) / reference_tanh)
    print(f"{label:34s} relative error below 1e-12 for every z: {bool(worst < 1e-12)}")

# %% [markdown]
# The four classic activations side by side. The sigmoid and tanh are smooth versions of a step (to
# $\{0, 1\}$ and to $\{-1, 1\}$); ReLU is not bounded above at all.

# %%
zs = np.linspace(-4.0, 4.0, 801)
fig, ax = plt.subplots(figsize=(7, 4.2))
plot_curves(zs, {"step": step(zs), "ReLU": relu(zs), "sigmoid": sigmoid(zs), "tanh": tanh(zs)},
            title="Four classic activation functions", ylabel="$f(z)$", ax=ax)
ax.set_ylim(-1.3, 2.3)
plt.show()

# %% [markdown]
# ## 4. Variations on ReLU: leaky ReLU, PReLU, ELU, SELU
#
# ReLU outputs 0, and has derivative 0, for every negative pre-activation. A unit whose pre-activation
# is negative for every training example therefore receives no gradient at all and never recovers: a
# "dead" ReLU. The variants below give the negative side a little life.
#
# **Leaky ReLU** keeps a small slope $\alpha$ (often 0.01) on the negative side:
#
# $$\operatorname{leaky}_\alpha(z) = \begin{cases} z & z > 0 \\ \alpha z & z \le 0. \end{cases}$$
#
# Notes 004 write this as $\max(\alpha x, x)$ with $\alpha \in [0, 1]$ and call it "PReLU or Leaky ReLU".
# Two clarifications. The $\max$ form is only right for $\alpha \le 1$ (for $\alpha > 1$ it would pick
# $\alpha x$ on the positive side). And the two names are not synonyms: in **leaky ReLU** $\alpha$ is a
# fixed hyperparameter, while in **PReLU** (parametric ReLU, He et al. 2015) $\alpha$ is a parameter that
# gradient descent learns along with the weights, typically one $\alpha$ per channel. Learning it needs
# $\partial \operatorname{leaky}_\alpha(z) / \partial \alpha = z$ for $z \le 0$ and $0$ otherwise.
#
# ### Exercise 5: `leaky_relu` (1 point)

# %% nbgrader={"grade": false, "grade_id": "leaky_relu", "locked": false, "schema_version": 3, "solution": true, "task": false}
def leaky_relu(z, alpha=0.01):
    """Leaky ReLU, elementwise: z where z > 0, alpha * z elsewhere.

    Parameters
    ----------
    z : ndarray, any shape
        Pre-activations.
    alpha : float
        Slope on the negative side (PReLU: the same function with alpha learned).

    Returns
    -------
    ndarray of float, same shape as z
    """
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, alpha * z)
    ### END SOLUTION


# %%
print(leaky_relu(np.array([-10.0, -1.0, 0.0, 2.0])), leaky_relu(np.array([-10.0, -1.0, 0.0, 2.0]), alpha=0.2))

# %% nbgrader={"grade": true, "grade_id": "test_leaky_relu", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Check leaky_relu with the default alpha and with alpha = 0.2."""
diagnose("leaky_relu", leaky_relu)
z = np.array([-10.0, -1.0, 0.0, 0.5, 3.0])
assert_close(call(leaky_relu, z, what="leaky_relu(z)"), [-0.1, -0.01, 0.0, 0.5, 3.0],
             what="leaky_relu([-10, -1, 0, 0.5, 3]) with the default alpha = 0.01", atol=1e-12)
assert_close(call(leaky_relu, z, alpha=0.2, what="leaky_relu(z, alpha=0.2)"), [-2.0, -0.2, 0.0, 0.5, 3.0],
             what="leaky_relu([-10, -1, 0, 0.5, 3], alpha=0.2)", atol=1e-12,
             hint="use the alpha argument; the positive side is unchanged.")
### BEGIN HIDDEN TESTS
from coursekit.activations import leaky_relu as _ref_leaky_relu

_r = np.random.default_rng(6065)
for _shape, _alpha in [((1,), 0.3), ((6,), 0.0), ((4, 3), 0.05), ((2, 2, 5), 1.0)]:
    _z = _r.normal(0.0, 4.0, _shape)
    _what = f"leaky_relu(z, alpha={_alpha}) for z of shape {_shape}"
    assert_close(call(leaky_relu, _z, alpha=_alpha, what=_what), _ref_leaky_relu(_z, alpha=_alpha),
                 what=_what, atol=1e-12)
assert_close(call(leaky_relu, np.array([[-1e3, 1e3]]), what="leaky_relu([[-1000, 1000]])"), [[-10.0, 1e3]],
             what="leaky_relu([[-1000, 1000]])", atol=1e-12)
### END HIDDEN TESTS

# %% [markdown]
# **ELU** (exponential linear unit) replaces the negative side by an exponential that levels off at
# $-\alpha$:
#
# $$\operatorname{ELU}_\alpha(z) = \begin{cases} z & z > 0 \\ \alpha\,(e^{z} - 1) & z \le 0. \end{cases}$$
#
# (Notes 004 put $z = 0$ in the first branch; both branches give 0 there, so nothing changes.) With
# $\alpha = 1$ the curve is smooth at 0: its slope is 1 from both sides. Negative outputs pull the mean
# activation towards 0, which tends to help optimisation.
#
# Two numerical details matter here.
#
# 1. **Overflow again.** $e^{z}$ is only needed where $z \le 0$, but `np.where` computes it for every entry,
#    and $e^{1000}$ overflows. Exponentiate `np.minimum(z, 0)` instead: the positive entries then see
#    $e^{0}$, whose value is thrown away anyway.
# 2. **Cancellation.** For tiny $z$, $e^{z}$ is $1 + z$ up to rounding, and subtracting 1 keeps only the
#    few digits of $z$ that survived the rounding. `np.expm1(z)` computes $e^{z} - 1$ directly and keeps
#    full precision, as the next cell shows.

# %%
tiny = -1e-12
print(f"np.exp(z) - 1 at z = -1e-12: {np.exp(tiny) - 1:.15e}")
print(f"np.expm1(z)   at z = -1e-12: {np.expm1(tiny):.15e}   (exact: -9.999999999995000e-13)")

# %% [markdown]
# ### Exercise 6: `elu` (2 points)

# %% nbgrader={"grade": false, "grade_id": "elu", "locked": false, "schema_version": 3, "solution": true, "task": false}
def elu(z, alpha=1.0):
    """Exponential linear unit, elementwise: z where z > 0, alpha * (exp(z) - 1) elsewhere.

    Must not overflow for large positive z (e.g. z = 1000): np.where evaluates both branches.

    Parameters
    ----------
    z : ndarray, any shape
        Pre-activations.
    alpha : float
        Level at which the negative side saturates (ELU tends to -alpha).

    Returns
    -------
    ndarray of float, same shape as z
    """
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0.0)))
    ### END SOLUTION


# %%
print(elu(np.array([-1000.0, -1.0, 0.0, 1.0, 1000.0])), elu(np.array([-1.0]), alpha=0.5))

# %% nbgrader={"grade": true, "grade_id": "test_elu", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check elu against the closed form, for two alphas and a large positive input."""
diagnose("elu", elu)
z = np.array([-5.0, -1.0, -1e-3, 0.0, 0.7, 2.0])
expected = np.where(z > 0, z, np.exp(np.minimum(z, 0.0)) - 1.0)
assert_close(call(elu, z, what="elu(z)"), expected, what="elu([-5, -1, -0.001, 0, 0.7, 2])", atol=1e-12)
assert_close(call(elu, z, alpha=0.5, what="elu(z, alpha=0.5)"), np.where(z > 0, z, 0.5 * expected),
             what="elu([-5, -1, -0.001, 0, 0.7, 2], alpha=0.5)", atol=1e-12,
             hint="alpha multiplies (exp(z) - 1) on the negative side only.")
assert_close(call(elu, np.array([800.0]), what="elu([800])"), [800.0], what="elu([800])",
             hint="np.where computes exp for every entry; exponentiate np.minimum(z, 0) instead of z.")
### BEGIN HIDDEN TESTS
from coursekit.activations import elu as _ref_elu

_r = np.random.default_rng(7076)
_cases = [((1,), 1.0, 1.0), ((9,), 2.0, 3.0), ((3, 4), 0.3, 400.0), ((2, 3, 2), 1.0, 0.01)]
for _shape, _alpha, _scale in _cases:
    _z = _r.normal(0.0, _scale, _shape)
    _what = f"elu(z, alpha={_alpha}) for z of shape {_shape} (entries up to about {3 * _scale:g} in size)"
    assert_close(call(elu, _z, alpha=_alpha, what=_what), _ref_elu(_z, alpha=_alpha), what=_what, atol=1e-12)
_z = np.array([[-1e3, -30.0, 0.0], [1e-9, 710.0, 1e3]])
assert_close(call(elu, _z, alpha=1.5, what="elu(z, alpha=1.5) with huge entries"), _ref_elu(_z, alpha=1.5),
             what="elu([[-1000, -30, 0], [1e-9, 710, 1000]], alpha=1.5)", atol=1e-12)
### END HIDDEN TESTS

# %% [markdown]
# **SELU** (scaled ELU, Klambauer et al. 2017) multiplies an ELU by a constant $\lambda$:
#
# $$\operatorname{SELU}(z) = \lambda \begin{cases} z & z > 0 \\ \alpha\,(e^{z} - 1) & z \le 0 \end{cases}
# \qquad \lambda \approx 1.0507, \; \alpha \approx 1.6733.$$
#
# The two constants are not tuned by hand: they are the unique pair for which a standard normal input
# gives an output that again has mean 0 and variance 1. Stacked SELU layers (with suitably scaled
# weights) therefore keep their activations from drifting or blowing up: the network "self-normalises".
# The constants, to full double precision:

# %%
SELU_LAMBDA = 1.0507009873554805
SELU_ALPHA = 1.6732632423543772

# %% [markdown]
# ### Exercise 7: `selu` (1 point)
#
# Use `SELU_LAMBDA` and `SELU_ALPHA` from the cell above, and the same care as for `elu`.

# %% nbgrader={"grade": false, "grade_id": "selu", "locked": false, "schema_version": 3, "solution": true, "task": false}
def selu(z):
    """Scaled ELU, elementwise: SELU_LAMBDA * (z if z > 0 else SELU_ALPHA * (exp(z) - 1)).

    Must not overflow for large positive z.

    Parameters
    ----------
    z : ndarray, any shape
        Pre-activations.

    Returns
    -------
    ndarray of float, same shape as z
    """
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=float)
    return SELU_LAMBDA * np.where(z > 0, z, SELU_ALPHA * np.expm1(np.minimum(z, 0.0)))
    ### END SOLUTION


# %% [markdown]
# Check the self-normalising property empirically: push a million standard normal numbers through
# your `selu` and look at the mean and variance of what comes out.

# %%
sample = rng.standard_normal(1_000_000)
out = selu(sample)
print(f"input : mean {sample.mean():+.4f}, variance {sample.var():.4f}")
print(f"output: mean {out.mean():+.4f}, variance {out.var():.4f}")

# %% nbgrader={"grade": true, "grade_id": "test_selu", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Check selu against the closed form with the published constants."""
diagnose("selu", selu)
lam, alp = 1.0507009873554805, 1.6732632423543772
z = np.array([-3.0, -1.0, 0.0, 1.0, 2.5])
expected = lam * np.where(z > 0, z, alp * (np.exp(np.minimum(z, 0.0)) - 1.0))
assert_close(call(selu, z, what="selu(z)"), expected, what="selu([-3, -1, 0, 1, 2.5])", atol=1e-12,
             hint="lambda scales both sides; alpha only the negative side.")
assert_close(call(selu, np.array([900.0]), what="selu([900])"), [lam * 900.0], what="selu([900])",
             hint="exponentiate np.minimum(z, 0), not z.")
### BEGIN HIDDEN TESTS
from coursekit.activations import selu as _ref_selu

_r = np.random.default_rng(8087)
for _shape, _scale in [((1,), 1.0), ((10,), 2.0), ((4, 2), 300.0), ((2, 2, 2), 1e-3)]:
    _z = _r.normal(0.0, _scale, _shape)
    _what = f"selu(z) for z of shape {_shape} (entries up to about {3 * _scale:g} in size)"
    assert_close(call(selu, _z, what=_what), _ref_selu(_z), what=_what, atol=1e-12)
assert_close(call(selu, np.array([[-1e3], [1e3]]), what="selu([[-1000], [1000]])"),
             [[-lam * alp], [lam * 1e3]], what="selu([[-1000], [1000]])", atol=1e-12)
### END HIDDEN TESTS

# %% [markdown]
# The ReLU family together. Leaky ReLU is drawn with $\alpha = 0.1$ so that its slope is visible.

# %%
fig, ax = plt.subplots(figsize=(7, 4.2))
plot_curves(zs, {"ReLU": relu(zs), r"leaky ReLU, $\alpha = 0.1$": leaky_relu(zs, alpha=0.1),
                 r"ELU, $\alpha = 1$": elu(zs), "SELU": selu(zs)},
            title="ReLU and its variants", ylabel="$f(z)$", ax=ax)
plt.show()

# %% [markdown]
# ## 5. Softmax: from scores to probabilities
#
# Softmax turns a vector of $n$ scores (logits) into a probability vector:
#
# $$\operatorname{softmax}(z)_i = \frac{e^{z_i}}{\sum_{j=1}^{n} e^{z_j}}, \qquad i = 1, \dots, n.$$
#
# Unlike the functions so far it is not elementwise: every output depends on every input. For two
# classes it reduces to the sigmoid, $\operatorname{softmax}([z, 0])_1 = e^{z}/(e^{z} + 1) = \sigma(z)$.
#
# **Shift invariance.** Adding the same constant $c$ to every logit changes nothing, because the factor
# $e^{c}$ appears in the numerator and in every term of the denominator:
# $\operatorname{softmax}(z + c) = \operatorname{softmax}(z)$. Choosing $c = -\max_j z_j$ makes the largest
# exponent $e^{0} = 1$: no term can overflow, and the denominator is at least 1, so there is no $0/0$.
#
# Without the shift, logits such as $[1000, 1001]$ give `inf / inf = nan`, although the answer,
# $[\sigma(-1), \sigma(1)] \approx [0.269, 0.731]$, is perfectly ordinary. (`coursekit.naive_softmax` is the
# literal formula, kept for this demonstration; as before we silence its warning with `np.errstate`,
# which would otherwise appear on stderr.)
#
# A small correction to notes 003, which say the outputs lie in $(0, 1)$: true in exact arithmetic, but
# in floating point an output can round to exactly 0 or 1, e.g. $\operatorname{softmax}([0, 1000]) = [0, 1]$
# because $e^{-1000}$ underflows. Code that takes $\log p$ later has to allow for that.

# %%
with np.errstate(over="ignore", invalid="ignore"):
    print(f"naive_softmax([1000, 1001]) = {naive_softmax(np.array([1000.0, 1001.0]))}")
with np.errstate(over="raise", invalid="raise"):
    try:
        naive_softmax(np.array([1000.0, 1001.0]))
    except FloatingPointError as err:
        print(f"with errors raised: FloatingPointError: {err}")
shifted = np.array([1000.0, 1001.0]) - 1001.0
print(f"after subtracting the max: {np.exp(shifted) / np.exp(shifted).sum()}")

# %% [markdown]
# ### Exercise 8: `softmax` (2 points)
#
# Normalise along `axis` (by default the last one, so a matrix of logits with one sample per row gives
# one probability vector per row). Subtract the maximum *along that axis* (each row its own maximum:
# one global maximum can push a whole row into underflow, and then its sum is $0$). The `keepdims=True`
# option of `np.max` and `np.sum` keeps shapes that broadcast against `z`.

# %% nbgrader={"grade": false, "grade_id": "softmax", "locked": false, "schema_version": 3, "solution": true, "task": false}
def softmax(z, axis=-1):
    """Softmax along one axis: exp(z_i) / sum_j exp(z_j), stable for large logits.

    Parameters
    ----------
    z : ndarray, shape (..., n, ...), at least 1-D
        Logits; n entries along `axis`.
    axis : int
        The axis to normalise (default: the last).

    Returns
    -------
    ndarray of float, same shape as z
        Non-negative, summing to 1 along `axis`.
    """
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=float)
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)
    ### END SOLUTION


# %%
print(softmax(np.array([1000.0, 1001.0])))
print(softmax(np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])))

# %% nbgrader={"grade": true, "grade_id": "test_softmax", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check softmax on known values, row by row on a matrix, along axis 0, and for huge logits."""
diagnose("softmax", softmax)
z = np.array([0.0, np.log(2.0), np.log(3.0)])
assert_close(call(softmax, z, what="softmax(z)"), [1 / 6, 2 / 6, 3 / 6], what="softmax([0, log 2, log 3])")
Z = np.array([[0.0, np.log(3.0)], [5.0, 5.0], [1.0, 0.0]])
expected = np.array([[0.25, 0.75], [0.5, 0.5], [np.e / (np.e + 1), 1 / (np.e + 1)]])
assert_close(call(softmax, Z, what="softmax(Z)"), expected,
             what="softmax(Z) for Z of shape (3, 2), row by row",
             hint="normalise each row separately (sum along axis=-1 with keepdims=True).")
assert_close(call(softmax, Z, axis=0, what="softmax(Z, axis=0)"), np.exp(Z) / np.exp(Z).sum(axis=0),
             what="softmax(Z, axis=0): each column sums to 1", hint="use the axis argument.")
assert_close(call(softmax, np.array([1000.0, 1001.0]), what="softmax([1000, 1001])",
                  hint="subtract the maximum before exponentiating."),
             [1 / (1 + np.e), np.e / (1 + np.e)], what="softmax([1000, 1001])",
             hint="subtract the maximum before exponentiating.")
# rows on very different scales: one maximum over the whole array pushes the small row's exponentials to 0
_rows = "subtract each row's own maximum (z.max(axis=axis, keepdims=True)), not one maximum of the whole array."
assert_close(call(softmax, np.array([[0.0, np.log(3.0)], [1000.0, 1000.0]]), what="softmax([[0, log 3], [1000, 1000]])",
                  hint=_rows),
             [[0.25, 0.75], [0.5, 0.5]], what="softmax([[0, log 3], [1000, 1000]])", hint=_rows)
### BEGIN HIDDEN TESTS
from coursekit.activations import softmax as _ref_softmax

_r = np.random.default_rng(9098)
for _shape, _axis, _scale in [((1,), -1, 1.0), ((7,), 0, 3.0), ((5, 4), -1, 200.0), ((3, 4, 2), 1, 2.0),
                              ((2, 3), 0, 1e3)]:
    _z = _r.normal(0.0, _scale, _shape)
    _what = f"softmax(z, axis={_axis}) for z of shape {_shape} (entries up to about {3 * _scale:g} in size)"
    assert_close(call(softmax, _z, axis=_axis, what=_what), _ref_softmax(_z, axis=_axis), what=_what,
                 atol=1e-12)
_z = np.array([[0.0, 1.0], [2000.0, 2001.0], [-2000.0, -1999.0]])
assert_close(call(softmax, _z, what="softmax of rows on very different scales"), _ref_softmax(_z),
             what="softmax([[0, 1], [2000, 2001], [-2000, -1999]])",
             hint="subtract each row's own maximum, not one maximum over the whole array.")
assert_close(call(softmax, np.zeros((2, 4)), what="softmax(np.zeros((2, 4)))"), np.full((2, 4), 0.25),
             what="softmax(np.zeros((2, 4)))")
assert_close(call(softmax, np.array([[7.0], [-3.0]]), what="softmax of a (2, 1) matrix"), [[1.0], [1.0]],
             what="softmax([[7], [-3]])")
### END HIDDEN TESTS

# %% [markdown]
# **Temperature.** Dividing the logits by a temperature $T > 0$ before the softmax changes how
# decisive it is. As $T \to 0$ the largest logit takes all the probability (softmax becomes a one-hot
# "arg max", a step function in several dimensions); as $T \to \infty$ the output becomes uniform. Move
# the slider.

# %% tags=["nbval-ignore-output"]
logits = np.array([2.0, 1.0, 0.2, -1.0])


def show_temperature(T=1.0):
    p = softmax(logits / T)
    fig, ax = plt.subplots(figsize=(6, 3.4))
    ax.bar(np.arange(logits.size), p, color="0.6", edgecolor="k", hatch="//")
    ax.set_xticks(np.arange(logits.size), [f"class {i}\n(z = {v:g})" for i, v in enumerate(logits)])
    ax.set_ylim(0, 1)
    ax.set_xlabel("class (logit)")
    ax.set_ylabel("probability")
    ax.set_title(f"softmax(z / T) at temperature T = {T:.2f}")
    plt.show()


widgets.interact(show_temperature, T=widgets.FloatLogSlider(value=1.0, base=10, min=-1.5, max=1.0, step=0.05,
                                                            description="T"));

# %% [markdown]
# ## 6. Derivatives
#
# Backpropagation passes through an elementwise activation by multiplying entry by entry:
# if $A = f(Z)$ then $\partial \text{loss}/\partial Z = \partial \text{loss}/\partial A \odot f'(Z)$
# (notes 003, section 4: the matrix $\partial A/\partial Z$ is diagonal with entries $f'(z_i)$). So every
# activation needs its derivative, evaluated at the **pre-activation** $z$. (A frequent bug is to pass
# the activation $a = f(z)$ where $z$ was meant, or the other way round.)
#
# | $f$ | $f'(z)$ for $z > 0$ | $f'(z)$ for $z < 0$ |
# |---|---|---|
# | ReLU | $1$ | $0$ |
# | leaky ReLU | $1$ | $\alpha$ |
# | ELU | $1$ | $\alpha e^{z}$ |
# | SELU | $\lambda$ | $\lambda \alpha e^{z}$ |
#
# and, for all $z$,
#
# $$\sigma'(z) = \frac{e^{-z}}{(1 + e^{-z})^2} = \sigma(z)\,\bigl(1 - \sigma(z)\bigr), \qquad
# \tanh'(z) = 1 - \tanh^2(z).$$
#
# (For the sigmoid: differentiate $(1 + e^{-z})^{-1}$ to get $e^{-z}/(1 + e^{-z})^2$, then split it as
# $\frac{1}{1 + e^{-z}} \cdot \frac{e^{-z}}{1 + e^{-z}}$; the second factor is $1 - \sigma(z)$.)
#
# **The kink at 0.** ReLU and its relatives have no derivative at $z = 0$ (the slopes from the left and
# from the right differ). Any value between the two one-sided slopes is a valid "subgradient", and in
# practice $z$ is almost never exactly 0. We fix one convention: **take the left branch at $z = 0$**.
# So `relu_grad(0) = 0`, `leaky_relu_grad(0) = alpha`, `elu_grad(0) = alpha` and
# `selu_grad(0) = SELU_LAMBDA * SELU_ALPHA`
# (the values PyTorch returns too).
#
# ### Exercise 9: `relu_grad` (1 point)

# %% nbgrader={"grade": false, "grade_id": "relu_grad", "locked": false, "schema_version": 3, "solution": true, "task": false}
def relu_grad(z):
    """Derivative of ReLU at the pre-activation z, elementwise: 1 where z > 0, else 0 (so 0 at z = 0).

    Parameters
    ----------
    z : ndarray, any shape
        Pre-activations.

    Returns
    -------
    ndarray of float, same shape as z
    """
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, 1.0, 0.0)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_relu_grad", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Check relu_grad on both sides of the kink and at 0."""
diagnose("relu_grad", relu_grad)
z = np.array([-2.0, -1e-9, 0.0, 1e-9, 5.0])
assert_close(call(relu_grad, z, what="relu_grad(z)"), [0.0, 0.0, 0.0, 1.0, 1.0],
             what="relu_grad([-2, -1e-9, 0, 1e-9, 5])", hint="relu_grad(0) must be 0: use z > 0.")
Z = np.array([[3.0, -3.0], [0.0, 0.5]])
out = call(relu_grad, Z, what="relu_grad(Z) for Z of shape (2, 2)")
assert_shape(out, (2, 2), what="relu_grad(Z) for Z of shape (2, 2)")
assert_close(out, [[1.0, 0.0], [0.0, 1.0]], what="relu_grad([[3, -3], [0, 0.5]])")
### BEGIN HIDDEN TESTS
from coursekit.activations import relu_grad as _ref_relu_grad

_r = np.random.default_rng(10109)
for _shape in [(1,), (12,), (3, 7), (2, 2, 3)]:
    _z = _r.normal(0.0, 2.0, _shape)
    _what = f"relu_grad(z) for z of shape {_shape}"
    assert_close(call(relu_grad, _z, what=_what), _ref_relu_grad(_z), what=_what)
assert_close(call(relu_grad, np.zeros((2, 3)), what="relu_grad(np.zeros((2, 3)))"), np.zeros((2, 3)),
             what="relu_grad(np.zeros((2, 3)))", hint="relu_grad(0) must be 0.")
assert_close(call(relu_grad, np.array([-1e3, 1e3]), what="relu_grad([-1000, 1000])"), [0.0, 1.0],
             what="relu_grad([-1000, 1000])")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 10: `sigmoid_grad` (2 points)
#
# Express the derivative through the sigmoid itself, and compute that sigmoid in the stable way of
# exercise 3 (inside this function: a test cell of this exercise must not depend on your `sigmoid`
# being right). The maximum of $\sigma'$ is $\sigma'(0) = 1/4$; keep that number in mind for section 7.

# %% nbgrader={"grade": false, "grade_id": "sigmoid_grad", "locked": false, "schema_version": 3, "solution": true, "task": false}
def sigmoid_grad(z):
    """Derivative of the sigmoid at the pre-activation z, elementwise: sigma(z) * (1 - sigma(z)).

    Must work (no warning, no nan) for any finite z, e.g. z = -1000 or 1000.

    Parameters
    ----------
    z : ndarray, any shape
        Pre-activations.

    Returns
    -------
    ndarray of float, same shape as z, values in [0, 1/4]
    """
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))  # sigma' is even: sigma'(z) = e / (1 + e)^2 with e = exp(-|z|)
    return e / (1.0 + e) ** 2
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_sigmoid_grad", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check sigmoid_grad against the closed form and at extreme inputs."""
diagnose("sigmoid_grad", sigmoid_grad)
z = np.linspace(-8.0, 8.0, 17)
s = 1.0 / (1.0 + np.exp(-z))
assert_close(call(sigmoid_grad, z, what="sigmoid_grad(z)"), s * (1.0 - s),
             what="sigmoid_grad(z) for z = -8, ..., 8",
             atol=1e-12, hint="sigma'(z) = sigma(z) (1 - sigma(z)), evaluated at the pre-activation z.")
assert_close(call(sigmoid_grad, np.array([0.0]), what="sigmoid_grad([0])"), [0.25], what="sigmoid_grad([0])")
assert_close(call(sigmoid_grad, np.array([-1000.0, 1000.0]), what="sigmoid_grad([-1000, 1000])"), [0.0, 0.0],
             what="sigmoid_grad([-1000, 1000])", atol=1e-12,
             hint="compute the sigmoid stably, as in exercise 3.")
### BEGIN HIDDEN TESTS
from coursekit.activations import sigmoid_grad as _ref_sigmoid_grad

_r = np.random.default_rng(11110)
for _shape, _scale in [((1,), 1.0), ((9,), 5.0), ((4, 5), 300.0), ((2, 3, 2), 0.5)]:
    _z = _r.normal(0.0, _scale, _shape)
    _what = f"sigmoid_grad(z) for z of shape {_shape} (entries up to about {3 * _scale:g} in size)"
    assert_close(call(sigmoid_grad, _z, what=_what), _ref_sigmoid_grad(_z), what=_what, atol=1e-12)
_z = np.array([[-745.0, -709.0, -20.0], [20.0, 710.0, 1e3]])
assert_close(call(sigmoid_grad, _z, what="sigmoid_grad near and past exp's overflow"), _ref_sigmoid_grad(_z),
             what="sigmoid_grad([[-745, -709, -20], [20, 710, 1000]])", atol=1e-12)
assert_close(call(sigmoid_grad, np.zeros((2, 2)), what="sigmoid_grad(np.zeros((2, 2)))"),
             np.full((2, 2), 0.25),
             what="sigmoid_grad(np.zeros((2, 2)))")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 11: `tanh_grad` (1 point)

# %% nbgrader={"grade": false, "grade_id": "tanh_grad", "locked": false, "schema_version": 3, "solution": true, "task": false}
def tanh_grad(z):
    """Derivative of tanh at the pre-activation z, elementwise: 1 - tanh(z)**2.

    Parameters
    ----------
    z : ndarray, any shape
        Pre-activations.

    Returns
    -------
    ndarray of float, same shape as z, values in [0, 1]
    """
    ### BEGIN SOLUTION
    t = np.tanh(np.asarray(z, dtype=float))
    return 1.0 - t * t
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_tanh_grad", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Check tanh_grad against 1 / cosh(z)^2 and at extreme inputs."""
diagnose("tanh_grad", tanh_grad)
z = np.linspace(-5.0, 5.0, 11)
assert_close(call(tanh_grad, z, what="tanh_grad(z)"), 1.0 / np.cosh(z) ** 2,
             what="tanh_grad(z) for z = -5, ..., 5",
             atol=1e-12, hint="tanh'(z) = 1 - tanh(z)^2, evaluated at the pre-activation z.")
assert_close(call(tanh_grad, np.array([0.0]), what="tanh_grad([0])"), [1.0], what="tanh_grad([0])")
### BEGIN HIDDEN TESTS
from coursekit.activations import tanh_grad as _ref_tanh_grad

_r = np.random.default_rng(12121)
for _shape, _scale in [((1,), 1.0), ((8,), 3.0), ((3, 3), 400.0), ((2, 1, 4), 0.2)]:
    _z = _r.normal(0.0, _scale, _shape)
    _what = f"tanh_grad(z) for z of shape {_shape} (entries up to about {3 * _scale:g} in size)"
    assert_close(call(tanh_grad, _z, what=_what), _ref_tanh_grad(_z), what=_what, atol=1e-12)
_z = np.array([[-1e3, -711.0], [711.0, 1e3]])
assert_close(call(tanh_grad, _z, what="tanh_grad of values past exp's overflow"), np.zeros((2, 2)),
             what="tanh_grad([[-1000, -711], [711, 1000]])", atol=1e-12)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 12: `leaky_relu_grad` (1 point)

# %% nbgrader={"grade": false, "grade_id": "leaky_relu_grad", "locked": false, "schema_version": 3, "solution": true, "task": false}
def leaky_relu_grad(z, alpha=0.01):
    """Derivative of leaky ReLU at z, elementwise: 1 where z > 0, alpha elsewhere (so alpha at z = 0).

    Parameters
    ----------
    z : ndarray, any shape
        Pre-activations.
    alpha : float
        Slope on the negative side.

    Returns
    -------
    ndarray of float, same shape as z
    """
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, 1.0, alpha)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_leaky_relu_grad", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Check leaky_relu_grad for the default alpha and alpha = 0.3, including z = 0."""
diagnose("leaky_relu_grad", leaky_relu_grad)
z = np.array([-4.0, -0.1, 0.0, 0.1, 4.0])
assert_close(call(leaky_relu_grad, z, what="leaky_relu_grad(z)"), [0.01, 0.01, 0.01, 1.0, 1.0],
             what="leaky_relu_grad([-4, -0.1, 0, 0.1, 4])", atol=1e-12,
             hint="1 for z > 0, alpha for z <= 0 (the left branch at 0).")
assert_close(call(leaky_relu_grad, z, alpha=0.3, what="leaky_relu_grad(z, alpha=0.3)"),
             [0.3, 0.3, 0.3, 1.0, 1.0],
             what="leaky_relu_grad([-4, -0.1, 0, 0.1, 4], alpha=0.3)", atol=1e-12)
### BEGIN HIDDEN TESTS
from coursekit.activations import leaky_relu_grad as _ref_leaky_relu_grad

_r = np.random.default_rng(13132)
for _shape, _alpha in [((1,), 0.2), ((10,), 0.0), ((3, 4), 0.07), ((2, 2, 2), 1.0)]:
    _z = _r.normal(0.0, 3.0, _shape)
    _what = f"leaky_relu_grad(z, alpha={_alpha}) for z of shape {_shape}"
    assert_close(call(leaky_relu_grad, _z, alpha=_alpha, what=_what), _ref_leaky_relu_grad(_z, alpha=_alpha),
                 what=_what, atol=1e-12)
assert_close(call(leaky_relu_grad, np.array([[-1e3, 0.0, 1e3]]), alpha=0.5,
                  what="leaky_relu_grad([[-1000, 0, 1000]], alpha=0.5)"),
             [[0.5, 0.5, 1.0]], what="leaky_relu_grad([[-1000, 0, 1000]], alpha=0.5)", atol=1e-12)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 13: `elu_grad` (1 point)
#
# For $z \le 0$, $\operatorname{ELU}'(z) = \alpha e^{z}$. As in exercise 6, the exponential must not see large
# positive entries (the hidden tests include $z = 1000$).

# %% nbgrader={"grade": false, "grade_id": "elu_grad", "locked": false, "schema_version": 3, "solution": true, "task": false}
def elu_grad(z, alpha=1.0):
    """Derivative of ELU at z, elementwise: 1 where z > 0, alpha * exp(z) elsewhere (alpha at z = 0).

    Must not overflow for large positive z.

    Parameters
    ----------
    z : ndarray, any shape
        Pre-activations.
    alpha : float
        ELU's alpha.

    Returns
    -------
    ndarray of float, same shape as z
    """
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0.0)))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_elu_grad", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Check elu_grad against the closed form for two alphas, including z = 0."""
diagnose("elu_grad", elu_grad)
z = np.array([-6.0, -1.0, -0.2, 0.0, 0.3, 3.0])
expected = np.where(z > 0, 1.0, np.exp(np.minimum(z, 0.0)))
assert_close(call(elu_grad, z, what="elu_grad(z)"), expected, what="elu_grad([-6, -1, -0.2, 0, 0.3, 3])",
             atol=1e-12)
assert_close(call(elu_grad, z, alpha=2.0, what="elu_grad(z, alpha=2.0)"),
             np.where(z > 0, 1.0, 2.0 * expected),
             what="elu_grad([-6, -1, -0.2, 0, 0.3, 3], alpha=2.0)", atol=1e-12,
             hint="for z <= 0 the derivative is alpha * exp(z); for z > 0 it is 1.")
### BEGIN HIDDEN TESTS
from coursekit.activations import elu_grad as _ref_elu_grad

_r = np.random.default_rng(14143)
_cases = [((1,), 1.0, 1.0), ((8,), 0.4, 4.0), ((3, 5), 1.7, 400.0), ((2, 2, 3), 1.0, 0.01)]
for _shape, _alpha, _scale in _cases:
    _z = _r.normal(0.0, _scale, _shape)
    _what = (f"elu_grad(z, alpha={_alpha}) for z of shape {_shape} "
             f"(entries up to about {3 * _scale:g} in size)")
    assert_close(call(elu_grad, _z, alpha=_alpha, what=_what), _ref_elu_grad(_z, alpha=_alpha), what=_what,
                 atol=1e-12)
_z = np.array([[-1e3, 0.0], [710.0, 1e3]])
assert_close(call(elu_grad, _z, what="elu_grad with huge entries"), [[0.0, 1.0], [1.0, 1.0]],
             what="elu_grad([[-1000, 0], [710, 1000]])", atol=1e-12,
             hint="exponentiate np.minimum(z, 0), not z.")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 14: `selu_grad` (1 point)

# %% nbgrader={"grade": false, "grade_id": "selu_grad", "locked": false, "schema_version": 3, "solution": true, "task": false}
def selu_grad(z):
    """Derivative of SELU at z, elementwise.

    SELU_LAMBDA where z > 0, SELU_LAMBDA * SELU_ALPHA * exp(z) elsewhere (so the latter at z = 0).

    Must not overflow for large positive z.

    Parameters
    ----------
    z : ndarray, any shape
        Pre-activations.

    Returns
    -------
    ndarray of float, same shape as z
    """
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=float)
    return SELU_LAMBDA * np.where(z > 0, 1.0, SELU_ALPHA * np.exp(np.minimum(z, 0.0)))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_selu_grad", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Check selu_grad against the closed form with the published constants, including z = 0."""
diagnose("selu_grad", selu_grad)
lam, alp = 1.0507009873554805, 1.6732632423543772
z = np.array([-4.0, -0.5, 0.0, 0.5, 4.0])
expected = np.where(z > 0, lam, lam * alp * np.exp(np.minimum(z, 0.0)))
assert_close(call(selu_grad, z, what="selu_grad(z)"), expected, what="selu_grad([-4, -0.5, 0, 0.5, 4])",
             atol=1e-12, hint="lambda multiplies both sides; alpha * exp(z) is the negative side.")
### BEGIN HIDDEN TESTS
from coursekit.activations import selu_grad as _ref_selu_grad

_r = np.random.default_rng(15154)
for _shape, _scale in [((1,), 1.0), ((9,), 3.0), ((4, 3), 300.0), ((2, 3, 1), 1e-3)]:
    _z = _r.normal(0.0, _scale, _shape)
    _what = f"selu_grad(z) for z of shape {_shape} (entries up to about {3 * _scale:g} in size)"
    assert_close(call(selu_grad, _z, what=_what), _ref_selu_grad(_z), what=_what, atol=1e-12)
assert_close(call(selu_grad, np.array([[-1e3, 1e3]]), what="selu_grad([[-1000, 1000]])"), [[0.0, lam]],
             what="selu_grad([[-1000, 1000]])", atol=1e-12, hint="exponentiate np.minimum(z, 0), not z.")
### END HIDDEN TESTS

# %% [markdown]
# **Check your derivatives numerically.** A derivative is a limit of difference quotients, so a
# central difference $\bigl(f(z + h) - f(z - h)\bigr) / (2h)$ with a small $h$ must agree with it to many
# digits, except within $h$ of a kink. The cell below checks all six at random points away from 0: the
# relative error should be far below $10^{-6}$ (rounding in the difference quotient limits it to roughly
# $10^{-10}$ to $10^{-7}$; print `err` itself if you are curious).

# %%
def max_relative_error(f, df, z, h=1e-6):
    numeric = (f(z + h) - f(z - h)) / (2 * h)
    return np.max(np.abs(df(z) - numeric) / np.maximum(np.abs(numeric), 1e-8))


z_check = rng.uniform(-4.0, 4.0, 1000)
z_check = z_check[np.abs(z_check) > 1e-3]  # stay away from the kink at 0
pairs = {
    "relu": (relu, relu_grad),
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "leaky_relu (alpha=0.1)": (lambda v: leaky_relu(v, alpha=0.1), lambda v: leaky_relu_grad(v, alpha=0.1)),
    "elu (alpha=0.5)": (lambda v: elu(v, alpha=0.5), lambda v: elu_grad(v, alpha=0.5)),
    "selu": (selu, selu_grad),
}
for name, (f, df) in pairs.items():
    err = max_relative_error(f, df, z_check)
    print(f"{name:24s} {'agrees with' if err < 1e-6 else 'DISAGREES WITH'} finite differences (to 1e-6)")

# %% [markdown]
# Each activation (solid) with its derivative (dashed). The step function's derivative is 0 everywhere
# except at 0, where it does not exist; this is drawn as the flat line. The last panel puts three
# derivatives together: the sigmoid's never exceeds $1/4$.

# %%
panels = [
    ("step", step, lambda v: np.zeros_like(v)),
    ("ReLU", relu, relu_grad),
    (r"leaky ReLU, $\alpha = 0.1$", lambda v: leaky_relu(v, alpha=0.1),
     lambda v: leaky_relu_grad(v, alpha=0.1)),
    (r"ELU, $\alpha = 1$", elu, elu_grad),
    ("SELU", selu, selu_grad),
    ("sigmoid", sigmoid, sigmoid_grad),
    ("tanh", tanh, tanh_grad),
]
fig, axes = plt.subplots(2, 4, figsize=(14, 6.4), sharex=True)
for ax, (name, f, df) in zip(axes.flat, panels):
    plot_curves(zs, {"$f(z)$": f(zs), "$f'(z)$": df(zs)}, title=name, ylabel="value", ax=ax)
    ax.set_ylim(-2.0, 2.5)
plot_curves(zs, {r"$\sigma'$": sigmoid_grad(zs), r"$\tanh'$": tanh_grad(zs), "ReLU'": relu_grad(zs)},
            title="three derivatives compared", ylabel="$f'(z)$", ax=axes.flat[-1])
axes.flat[-1].axhline(0.25, color="k", linewidth=0.8, linestyle=":")
fig.suptitle("Activation functions and their derivatives")
fig.subplots_adjust(left=0.05, right=0.99, bottom=0.08, top=0.9, wspace=0.25, hspace=0.3)
plt.show()

# %% [markdown]
# ## 7. Saturation and vanishing gradients: why ReLU won
#
# Backpropagation through $L$ layers multiplies, among other things, $L$ activation derivatives
# (notes 003, equation 8.3). For the sigmoid each factor is at most $1/4$, reached only at $z = 0$; once
# $|z|$ is a few units the unit is **saturated** (its output is pinned near 0 or 1) and the factor is
# close to 0: $\sigma'(5) \approx 0.0066$. Even in the best case the activation factors alone multiply to
# $(1/4)^L$, about $10^{-6}$ after ten layers. (The weight matrices in the chain multiply the gradient too, and
# weights large enough could in principle make up for the factors; but large weights make $|z|$ large, which
# saturates the sigmoid and shrinks its factors further.) The early layers then receive almost no gradient and
# barely learn. tanh is
# better (its derivative reaches 1 at 0) but saturates just the same. ReLU's derivative is exactly 1
# wherever the unit is active, so an active path passes the gradient on without shrinking it.
#
# The experiment below builds a deep random network (width 100, 30 layers, a batch of 32 random inputs),
# runs it forward, then backpropagates the gradient of the mean output with your derivative functions,
# and records the size of the gradient with respect to the input of every layer $\ell$,
# $\lVert \partial\,\text{loss} / \partial A^{\ell-1} \rVert$. The weights
# are drawn with the variance that suits each activation (notebook 05 is about this choice): $1/n$ for
# sigmoid and tanh, $2/n$ for ReLU.

# %%
def gradient_norms(f, df, weight_var, rng, depth=30, width=100, batch=32):
    """Norm of d(loss)/dA at the input of each layer of a random deep network, first layer first.

    loss = mean over the batch of the sum of the last layer's activations.
    """
    A = rng.standard_normal((batch, width))
    weights, pre = [], []
    for _ in range(depth):
        W = rng.normal(0.0, np.sqrt(weight_var / width), (width, width))
        Z = A @ W
        weights.append(W)
        pre.append(Z)
        A = f(Z)
    dA = np.ones_like(A) / batch
    norms = []
    for W, Z in zip(reversed(weights), reversed(pre)):
        dZ = dA * df(Z)  # through the activation: multiply by f'(Z)
        dA = dZ @ W.T  # through the linear map
        norms.append(np.linalg.norm(dA))
    return np.array(norms[::-1])


depth = 30
layers = np.arange(1, depth + 1)
curves = {
    "sigmoid, Var(w) = 1/n": gradient_norms(sigmoid, sigmoid_grad, 1.0, rng, depth),
    "tanh, Var(w) = 1/n": gradient_norms(tanh, tanh_grad, 1.0, rng, depth),
    "ReLU, Var(w) = 2/n": gradient_norms(relu, relu_grad, 2.0, rng, depth),
}

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 4.4))
plot_curves(zs, {r"$\sigma'(z)$ (max 1/4)": sigmoid_grad(zs), r"$\tanh'(z)$": tanh_grad(zs),
                 r"ReLU$'(z)$": relu_grad(zs)},
            title="Derivatives: the sigmoid's is small everywhere", ylabel="$f'(z)$", ax=ax1)
for (label, norms), ls, marker in zip(curves.items(), ["-", "--", "-."], ["o", "s", "^"]):
    ax2.semilogy(layers, norms / norms[-1], linestyle=ls, marker=marker, markersize=4, label=label)
ax2.semilogy(layers, 0.25 ** (depth - layers), linestyle=":", color="k",
             label=r"$(1/4)^{L-\ell}$ (best case of $\sigma'$ alone)")
ax2.set_title("Gradient size at each layer, relative to the last layer")
ax2.set_xlabel(r"layer $\ell$ (network input on the left)")
ax2.set_ylabel(r"$\|\partial\,\mathrm{loss}/\partial A^{\ell-1}\|$ / value at layer $L$")
ax2.legend(fontsize=8)
fig.subplots_adjust(left=0.06, right=0.99, bottom=0.12, top=0.92, wspace=0.22)
plt.show()
for label, norms in curves.items():
    print(f"{label:24s} gradient at layer 1 / gradient at layer {depth}: {norms[0] / norms[-1]:.1e}")

# %% [markdown]
# The sigmoid network's gradient shrinks by many orders of magnitude on its way back to the first layer. The
# tanh and ReLU networks keep it within about one order of magnitude over all 30 layers (a factor of a few,
# up or down: the printed ratios). Neither is exactly 1, and they drift in opposite directions: tanh's
# derivative is below 1 wherever $z \ne 0$, so each layer shrinks the gradient a little, while the ReLU
# network's weight variance $2/n$ compensates only on average for the half of the units that are inactive,
# and a random product of 30 such layers wanders.
#
# A caveat to notes 000, which say that ReLU gradients "don't explode/vanish" because the derivative is
# 1 for every positive input. That is true of the activation's own factor on active units, and it is the
# reason ReLU trains deep networks so much better than the sigmoid. It is not a guarantee: the
# derivative is 0 for every negative input (a unit that is never active never learns), and the weight
# matrices in the chain can still shrink or grow the gradient. Try `gradient_norms(relu, relu_grad, 1.0, rng)`
# or weight variance 4.0 instead of 2.0. Keeping the weights in check is the job of initialisation
# (notebook 05) and normalisation (notebook 07).
#
# **Question (2 points). Predict, then check.** The ReLU network above draws its weights with variance
# $2/n$. Suppose it used $1/n$ instead (the variance that suits tanh). Before running anything, predict by
# roughly what factor the ratio "gradient at layer 1 / gradient at layer 30" changes. Reason about one
# layer going backwards: what happens to the gradient's squared size when it passes through $f'(Z)$, and
# when it passes through $W^T$? Then run `gradient_norms(relu, relu_grad, 1.0, rng)` in a new cell and
# compare with your prediction. If they differ, say why.

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_relu_variance", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# *Model answer.* Going backwards through one layer, $dA^{\ell-1} = (dA^\ell \odot f'(Z^\ell))\,W^T$. About half of
# the ReLU units are active ($f' = 1$) and half inactive ($f' = 0$), so $f'$ halves the gradient's squared
# size on average. Multiplying by $W^T$ with entries of variance $v/n$ multiplies the squared size by about
# $n \cdot v/n = v$. Per layer the squared size changes by $v/2$. With $v = 2$ that is 1 (the
# "He" choice: steady on average); with $v = 1$ it is $1/2$, so the norm shrinks by $1/\sqrt 2$ per layer. Between layer 30 and
# layer 1 there are 29 such steps: the ratio becomes about $2^{-29/2} \approx 2 \cdot 10^{-5}$ times what it was, i.e.
# four to five orders of magnitude smaller. The run agrees to within a factor of a few. The remaining difference comes
# from randomness: the product of 29 random matrices and random activity patterns wanders around its
# average (the printed ratio for $v = 2$ is not exactly 1 either), and the per-layer factor is an average
# over units, not an exact value.
# Grading: 1 point for the per-layer factor $v/2$ on the squared size (or $\sqrt{v/2}$ on the norm) with the
# reason (half the units pass the gradient, $W^T$ scales by $n\,\mathrm{Var}(w)$); 1/2 point for the product
# over about 29-30 layers ($\approx 10^{-4}$ to $10^{-5}$); 1/2 point for the comparison with the run and
# randomness as the reason for any gap.

# %% [markdown]
# ## 8. The softmax Jacobian
#
# Because each softmax output depends on every logit, its derivative is a full matrix, not a diagonal
# one (notes 003 mention this in a side note). Write $S = \sum_k e^{z_k}$ and $p_i = e^{z_i}/S$. Since
# $\partial S / \partial z_j = e^{z_j}$, the quotient rule gives
#
# $$\frac{\partial p_i}{\partial z_j} = \frac{\delta_{ij}\, e^{z_i}\, S - e^{z_i}\, e^{z_j}}{S^2}
# = p_i\,\delta_{ij} - p_i\, p_j, \qquad\text{i.e.}\qquad J = \operatorname{diag}(p) - p\,p^{\mathsf T},$$
#
# where $\delta_{ij}$ is 1 if $i = j$ and 0 otherwise. Three properties follow and are worth checking:
#
# - $J$ is symmetric;
# - every row (and column) sums to 0, since $\sum_j J_{ij} = p_i - p_i \sum_j p_j = 0$. This is the
#   shift invariance again: adding the same amount to all logits does not move $p$;
# - in backpropagation you never need the $n \times n$ matrix: the gradient with respect to the logits is
#   $J^{\mathsf T} g = p \odot \bigl(g - (p \cdot g)\bigr)$ for an upstream gradient $g$.
#
# ### Exercise 15: `softmax_jacobian` (2 points)
#
# For a single vector of logits `z` of shape `(n,)`, return the `(n, n)` Jacobian. Compute $p$ stably
# inside the function (do not call your `softmax`: this exercise is graded on its own).

# %% nbgrader={"grade": false, "grade_id": "softmax_jacobian", "locked": false, "schema_version": 3, "solution": true, "task": false}
def softmax_jacobian(z):
    """Jacobian of the softmax of one vector: J[i, j] = d p_i / d z_j = diag(p) - outer(p, p).

    Parameters
    ----------
    z : ndarray, shape (n,)
        Logits of one sample (may be large: compute p stably).

    Returns
    -------
    ndarray, shape (n, n)
    """
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max())
    p = e / e.sum()
    return np.diag(p) - np.outer(p, p)
    ### END SOLUTION


# %%
print(softmax_jacobian(np.array([1.0, 2.0, 3.0])))

# %% nbgrader={"grade": true, "grade_id": "test_softmax_jacobian", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check softmax_jacobian on a known case, against finite differences, and its row sums."""
diagnose("softmax_jacobian", softmax_jacobian)
J = call(softmax_jacobian, np.array([3.0, 3.0]), what="softmax_jacobian([3, 3])")
assert_close(J, [[0.25, -0.25], [-0.25, 0.25]], what="softmax_jacobian([3, 3]) (p = [1/2, 1/2])",
             hint="J = diag(p) - outer(p, p).")
z = np.array([0.5, -1.0, 2.0, 0.0])


def _p(v):
    e = np.exp(v - v.max())
    return e / e.sum()


h = 1e-6
numeric = np.column_stack([(_p(z + h * np.eye(4)[j]) - _p(z - h * np.eye(4)[j])) / (2 * h) for j in range(4)])
J = call(softmax_jacobian, z, what="softmax_jacobian([0.5, -1, 2, 0])")
assert_shape(J, (4, 4), what="softmax_jacobian(z) for z of shape (4,)")
assert_close(J, numeric, what="softmax_jacobian([0.5, -1, 2, 0]) against central differences", rtol=1e-5,
             atol=1e-8)
assert_close(J.sum(axis=1), np.zeros(4), what="the row sums of softmax_jacobian([0.5, -1, 2, 0])", atol=1e-12)
### BEGIN HIDDEN TESTS
from coursekit.activations import softmax_jacobian as _ref_softmax_jacobian

_r = np.random.default_rng(16165)
for _n, _scale in [(1, 1.0), (3, 2.0), (7, 5.0), (5, 300.0)]:
    _z = _r.normal(0.0, _scale, _n)
    _what = f"softmax_jacobian(z) for z of shape ({_n},) (entries up to about {3 * _scale:g} in size)"
    _J = call(softmax_jacobian, _z, what=_what)
    assert_close(_J, _ref_softmax_jacobian(_z), what=_what, atol=1e-12)
_z = np.array([1000.0, 1001.0, 999.0])
assert_close(call(softmax_jacobian, _z, what="softmax_jacobian([1000, 1001, 999])"),
             _ref_softmax_jacobian(_z), what="softmax_jacobian([1000, 1001, 999])", atol=1e-12,
             hint="subtract max(z) before exponentiating.")
### END HIDDEN TESTS

# %% [markdown]
# Check your Jacobian once more against finite differences of *your* softmax, and the backpropagation
# shortcut $J^{\mathsf T} g = p \odot (g - p \cdot g)$ against the matrix product.

# %%
z = rng.normal(size=5)
h = 1e-6
numeric = np.column_stack([(softmax(z + h * e_j) - softmax(z - h * e_j)) / (2 * h) for e_j in np.eye(5)])
J = softmax_jacobian(z)
g = rng.normal(size=5)
p = softmax(z)
checks = {
    "J agrees with finite differences (to 1e-8)": np.max(np.abs(J - numeric)) < 1e-8,
    "J is symmetric": np.allclose(J, J.T, rtol=0, atol=1e-15),
    "every row of J sums to 0": np.allclose(J.sum(axis=1), 0.0, rtol=0, atol=1e-15),
    "J^T g equals p * (g - p.g)": np.allclose(J.T @ g, p * (g - p @ g), rtol=1e-12, atol=1e-15),
}
for claim, holds in checks.items():
    print(f"{claim:44s} {bool(holds)}")

# %% [markdown]
# **Question (1 point). Predict, then check.** For two logits, the softmax and the sigmoid are related.
# Write `softmax(np.array([0.0, z]))` in terms of $\sigma(z)$, and predict all four entries of
# `softmax_jacobian(np.array([0.0, z]))` in terms of $\sigma'(z)$. Then check your prediction for
# $z = 1.5$ with your functions in a new cell.

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_two_logit_jacobian", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# *Model answer.* $p_1 = e^z/(1 + e^z) = \sigma(z)$ and $p_0 = 1/(1 + e^z) = 1 - \sigma(z)$. The Jacobian is
# $\operatorname{diag}(p) - p\,p^T$: its diagonal entries are $p_0(1 - p_0) = p_1(1 - p_1) = \sigma(z)(1 - \sigma(z)) = \sigma'(z)$,
# and its off-diagonal entries are $-p_0 p_1 = -\sigma'(z)$. So the matrix is
# $\sigma'(z)\begin{pmatrix} 1 & -1 \\ -1 & 1 \end{pmatrix}$. For $z = 1.5$, $\sigma'(1.5) \approx 0.149$, which
# `sigmoid_grad(1.5)` and `softmax_jacobian(np.array([0.0, 1.5]))` both show. The two-class softmax is the
# sigmoid of the difference of the logits, and its derivative is the sigmoid's. (Notebook 03 shows that the
# losses agree too.)
# Grading: 1/2 point for $p = (1 - \sigma(z), \sigma(z))$; 1/2 point for the matrix $\sigma'(z)$ times $[[1, -1], [-1, 1]]$,
# checked numerically.

# %% [markdown]
# ## 9. From sigmoid to step, and back to the study questions
#
# The step function was the original activation, so why not train with it? Its derivative is 0
# everywhere except at 0, where it does not exist. Every weight in front of a step unit therefore
# receives a gradient of exactly 0: gradient descent gets no signal about which way to move. The
# sigmoid is a smooth stand-in, and one extra parameter turns it into the step: a steepness $k$ in
# $\sigma(kz)$ (equivalently an inverse temperature, as for softmax above). As $k \to \infty$,
# $\sigma(kz) \to \operatorname{step}(z)$ for every $z \ne 0$ (at $z = 0$ it stays $1/2$), while its
# derivative $k\,\sigma'(kz)$ becomes a spike of height $k/4$ at 0 and vanishes everywhere else: the
# steeper the function, the less useful its gradient. Move the slider.

# %% tags=["nbval-ignore-output"]
def show_steepness(k=1.0):
    fig, ax = plt.subplots(figsize=(7, 3.8))
    curves = {"step(z)": np.where(zs < 0, 0.0, 1.0), rf"$\sigma(kz)$, $k$ = {k:.3g}": sigmoid_steep(zs, k)}
    plot_curves(zs, curves,
                title=f"A steeper sigmoid approaches the step function (k = {k:.3g})", ylabel="value", ax=ax)
    ax.set_ylim(-0.1, 1.1)
    plt.show()


widgets.interact(show_steepness, k=widgets.FloatLogSlider(value=1.0, base=10, min=-0.5, max=2.0, step=0.05,
                                                          description="k"));

# %% [markdown]
# **Question (2 points). Work it out, then check with the slider.** How large must $k$ be for
# $\sigma(kz)$ to be within 0.01 of $\operatorname{step}(z)$ for every $|z| \ge 0.1$? For that $k$, how large is
# the derivative of $\sigma(kz)$ with respect to $z$ at $z = 0.1$, and at $z = 0.2$? Compare both with the
# ordinary sigmoid's derivative there ($\sigma'(0.1) \approx 0.25$). What does this say about training a
# network of very steep sigmoids?

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_steepness", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# *Model answer.* By symmetry ($\sigma(-x) = 1 - \sigma(x)$) it is enough to ask for $\sigma(0.1k) \ge 0.99$, i.e.
# $e^{-0.1k} \le 1/99$, i.e. $k \ge 10 \ln 99 \approx 46$ (the condition at $|z| = 0.1$ is the binding one, since
# $\sigma(kz)$ only gets closer to the step as $|z|$ grows). The derivative is $k\,\sigma(kz)(1 - \sigma(kz))$.
# At $z = 0.1$ it is about $46 \cdot 0.99 \cdot 0.01 \approx 0.45$, larger than the ordinary sigmoid's 0.25. At $z = 0.2$,
# $\sigma(9.2) \approx 0.9999$, so the derivative is about $46 \cdot 10^{-4} \approx 0.005$, fifty times smaller than
# $\sigma'(0.2) \approx 0.25$. The steep sigmoid's gradient lives in a band of width about $0.1$ around 0 and is tiny
# everywhere else, so a unit whose pre-activations leave that band learns almost nothing. Making the
# activation more step-like makes it less trainable: the same trade-off that rules out the step itself.
# Grading: 1 point for $k \ge 10\ln 99 \approx 46$ with the derivation; 1/2 point for the two derivatives
# (about 0.45 and 0.005) compared with 0.25; 1/2 point for the conclusion about training.

# %% [markdown]
# **Question (1 point).** This course sets `relu_grad(0) = 0`. Suppose someone initialises every weight and
# bias of a ReLU network to 0 (before notebook 05), and the targets are not all 0. Which parameters get a non-zero gradient on the first
# step with `relu_grad(0) = 0`? Would the other convention, `relu_grad(0) = 1`, make zero initialisation
# work?

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_relu_at_zero", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# *Model answer.* With all weights and biases 0, every pre-activation is 0 and every hidden activation is
# $\operatorname{relu}(0) = 0$. The output is 0 and its error is non-zero, so the output bias gets a gradient.
# The output weights do not: their gradient is $A^T dZ$ with $A = 0$. The hidden layers get nothing either.
# The gradient reaching them is $dZ\,W^T$ with $W = 0$, and with `relu_grad(0) = 0` it is multiplied by 0
# a second time. Only the output bias moves, and then nothing else ever does, because the situation does
# not change. The convention `relu_grad(0) = 1` does not help: the backward signal is still multiplied by
# the zero output weights, and every hidden unit is still identical to its neighbours. Zero
# initialisation fails whatever value the kink is given. The weights must be random (notebook 05).
# Grading: 1/2 point for "only the output bias" with the reasons ($A = 0$, $W = 0$); 1/2 point for
# "the other convention does not help", with the reason (zero weights block the backward signal, or the
# symmetry between units).

# %% [markdown]
# ## Summary
#
# - Step, ReLU, sigmoid, tanh, leaky ReLU (fixed $\alpha$) / PReLU (learned $\alpha$), ELU and SELU are
#   elementwise; softmax maps a vector of logits to a probability vector.
# - Never exponentiate a large positive number: use $e^{-|z|}$ for the sigmoid, subtract the maximum for
#   softmax, and apply `np.expm1` to `np.minimum(z, 0)` for ELU and SELU. Remember that `np.where`
#   evaluates both branches.
# - Never subtract two nearly equal numbers when the difference is the answer: $1 - e^{-2|z|}$ near
#   $z = 0$ keeps only a few digits, `-np.expm1(-2|z|)` keeps them all (tanh).
# - Derivatives: $\sigma' = \sigma(1 - \sigma) \le 1/4$, $\tanh' = 1 - \tanh^2 \le 1$, ReLU$'$ is 0 or 1
#   (0 at the kink, by our convention), and the softmax Jacobian is
#   $\operatorname{diag}(p) - p\,p^{\mathsf T}$.
#   Check every derivative you write against central differences.
# - Saturating activations multiply the gradient by small factors at every layer, so in deep networks
#   the early layers stop learning. ReLU's derivative of 1 on active units is why it became the default
#   for hidden layers; sigmoid and softmax remain the standard output activations for binary and
#   multi-class classification.
