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
# # 05 · Initialisation: where gradient descent starts
#
# Gradient descent improves the weights it is given; it does not choose where to begin. Two things can
# go wrong before the first step is taken. If the units of a layer start out identical, every update treats
# them identically and they never become different. If the weights are too large or too small, the
# signal that reaches the deep layers is either squashed into the flat ends of the activation function or
# shrinks towards zero, and the gradients with it. This notebook shows both failures and derives, from one
# line of variance arithmetic, the initialisers in use today.
#
# After this notebook you will be able to
#
# - show with a gradient computation why a constant initialisation never breaks the symmetry between units;
# - compute the variance of a pre-activation from the fan-in, the weight variance and the input, and use it
#   to explain why $N(0, 1)$ weights saturate a sigmoid as the fan-in grows;
# - implement LeCun, Glorot (normal and uniform) and He initialisation, and test random draws statistically;
# - measure how the signal evolves through a deep network and pick an initialiser for an activation function.
#
# **Points:** seven exercises worth 9 points (autograded) and three written questions worth 6 points
# (graded by hand). Lecture material: notes 003 section 5 and notes 004 section 4.1.

# %% [markdown]
# ## Conventions
#
# Samples are **rows**: a layer computes $Z = A W$ (plus a bias $b$ where there is one) with $W$ of shape
# `(fan_in, fan_out)`. The *fan-in* is the number of inputs each unit adds up: notes 003 call it $m$,
# and notes 004 call it $K$ in their saturation argument. The *fan-out* is the number of units in the layer.
# Notes 004 write Glorot's formula with the widths $K^{(\ell)}$ and $K^{(\ell-1)}$ of the two layers a weight
# matrix connects; those are our `fan_out` and `fan_in` (the formula only uses their sum).
#
# $N(\mu, \sigma^2)$ is a normal distribution with mean $\mu$ and **variance** $\sigma^2$, as in both sets of
# notes; its standard deviation is $\sigma$. numpy's `rng.normal(loc, scale)` takes the standard deviation.
#
# Randomness comes only from a generator passed in as `rng` (made with `np.random.default_rng(seed)`): the
# same seed gives the same weights, and the functions never touch numpy's global random state.

# %%
import math

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from threadpoolctl import threadpool_limits

from coursekit.activations import sigmoid
from coursekit.checks import assert_close, assert_shape, call, diagnose, needs
from coursekit.init import preactivations
from coursekit.modules import Linear, Sequential, SquaredLoss, Tanh
from coursekit.progress import GRADING, progress

SEED = 5
rng = np.random.default_rng(SEED)
threadpool_limits(limits=1)  # the matrices here are small: one BLAS thread is faster than several

# %% [markdown]
# ## 1. Constant initialisation: the units never become different
#
# Give every weight and every bias of a layer the same value and look at one hidden layer with activation
# $g$, followed by a linear output:
#
# $$h_j = g\Big(\sum_i x_i W_{ij} + b_j\Big), \qquad f = \sum_j h_j V_j + c .$$
#
# If all $W_{ij} = w$ and all $b_j = b$, every unit computes $g(w \sum_i x_i + b)$: the same number. Now
# backpropagate a loss $L$ through it. With all $V_j = v$ equal too,
#
# $$\frac{\partial L}{\partial h_j} = v\,\frac{\partial L}{\partial f}, \qquad
# \frac{\partial L}{\partial W_{ij}} = x_i\, g'(z_j)\, \frac{\partial L}{\partial h_j}, \qquad
# \frac{\partial L}{\partial V_j} = h_j\, \frac{\partial L}{\partial f},$$
#
# and none of these depends on $j$. In matrix terms, the columns of $\partial L/\partial W$ are equal (its rows
# need not be: they carry the different inputs $x_i$). After a gradient step the columns of $W$ are therefore
# still equal, and by induction they stay equal for ever: the layer behaves like a single unit copied many
# times. More width buys nothing.
#
# Notes 004 conclude that the network "will depend on a simple linear combination of the inputs". That is
# right if read carefully: every unit sees the same combination $u = \sum_i x_i W_{i\cdot}$ (a combination that
# training can change, since the rows of $\partial L/\partial W$ differ), so the network computes a function
# $f(x) = \varphi(u)$ of one number. The function $\varphi$ is still nonlinear; what is lost is the ability to
# combine *different* features of the input.

# %% [markdown]
# ### Exercise 1: `constant_init` (1 point)
#
# Write `constant_init(shape, value)`: a new float64 array of the given shape (a tuple such as `(3, 4)`, or an
# int for a 1-D array) with every entry equal to `value`. The result must be float64 even when `value` is an
# integer.

# %% nbgrader={"grade": false, "grade_id": "constant_init", "locked": false, "schema_version": 3, "solution": true, "task": false}
def constant_init(shape, value):
    """Return a new float64 array with every entry equal to ``value``: W_ij = c.

    Parameters
    ----------
    shape : int or tuple of int
        Shape of the result, e.g. (fan_in, fan_out).
    value : float
        The constant c.

    Returns
    -------
    ndarray, shape ``shape``, dtype float64
    """
    ### BEGIN SOLUTION
    return np.full(shape, value, dtype=np.float64)
    ### END SOLUTION


# %%
# Try it: a 2 x 3 matrix of 0.5, and a float vector of 7s
print(constant_init((2, 3), 0.5))
print(constant_init(4, 7))

# %% nbgrader={"grade": true, "grade_id": "test_constant_init", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Check constant_init: shape, dtype float64 and every entry equal to the value."""
diagnose("constant_init", constant_init)
W_c = call(constant_init, (3, 4), 0.25, what="constant_init((3, 4), 0.25)")
assert_shape(W_c, (3, 4), what="constant_init((3, 4), 0.25)")
assert_close(W_c, np.full((3, 4), 0.25), what="constant_init((3, 4), 0.25)",
             hint="Every entry should be the value you were given.")
W_c_int = call(constant_init, (2, 5), 2, what="constant_init((2, 5), 2)")
assert_shape(W_c_int, (2, 5), what="constant_init((2, 5), 2)")
assert W_c_int.dtype == np.float64, (
    f"constant_init((2, 5), 2) should return a float64 array even for an integer value, got dtype {W_c_int.dtype}; "
    "ask for it explicitly, e.g. np.full(shape, value, dtype=float)"
)
assert_close(W_c_int, np.full((2, 5), 2.0), what="constant_init((2, 5), 2)")
### BEGIN HIDDEN TESTS
from coursekit.init import constant_init as _ref_constant_init

for _shape, _value in (((1, 1), -3.5), ((4, 2, 3), 0.0), ((7,), 1e-3), ((2, 9), -1), ((300, 200), 0.125)):
    _W = call(constant_init, _shape, _value, what=f"constant_init({_shape}, {_value})")
    assert_shape(_W, _shape, what=f"constant_init({_shape}, {_value})")
    assert _W.dtype == np.float64, f"constant_init({_shape}, {_value}) should have dtype float64, got {_W.dtype}"
    assert_close(_W, np.full(_shape, float(_value)), what=f"constant_init({_shape}, {_value})")
    assert_close(_W, _ref_constant_init(_shape, _value), what=f"constant_init({_shape}, {_value})")
_W = call(constant_init, 6, 0.5, what="constant_init(6, 0.5)")
assert_shape(_W, (6,), what="constant_init(6, 0.5) with an int shape")
_a = constant_init((3, 3), 1.0)
_b = constant_init((3, 3), 1.0)
_a[0, 0] = 5.0
assert _b[0, 0] == 1.0, "constant_init must return a new array on every call"
### END HIDDEN TESTS

# %% [markdown]
# ### Seeing the symmetry
#
# A network $1 \to 16 \to 1$ with tanh hidden units (the `Linear`, `Tanh` and `SquaredLoss` modules of
# notebook 03) is asked to fit $y = \sin(2x)$ on $[-2, 2]$. We start it once with every weight 0.5 and
# every bias 0, and compute the gradients of the loss. The 16 entries of $\partial L/\partial W^1$ (one per hidden
# unit) come out equal, and so do those of $\partial L/\partial W^2$:

# %%
x_fit = np.linspace(-2.0, 2.0, 64)[:, None]
y_fit = np.sin(2.0 * x_fit)
loss_fn = SquaredLoss()


def tanh_network(W1, b1, W2, b2):
    """A 1 -> 16 -> 1 network (Linear, Tanh, Linear) that starts from the given weights."""
    net = Sequential(Linear(1, 16, rng=rng), Tanh(), Linear(16, 1, rng=rng))
    net.set_params([W1, b1, W2, b2])
    return net


net_const = tanh_network(constant_init((1, 16), 0.5), constant_init(16, 0.0),
                         constant_init((16, 1), 0.5), constant_init(1, 0.0))
loss_fn.forward(net_const.forward(x_fit), y_fit)
net_const.backward(loss_fn.backward())
dW1, db1, dW2, db2 = net_const.grads()
print("dL/dW1, one entry per hidden unit:", np.round(dW1.ravel(), 4))
print("dL/dW2, one entry per hidden unit:", np.round(dW2.ravel(), 4))

# %% [markdown]
# Now train it by plain gradient descent, next to the same network started from random weights (drawn
# here with `rng.normal` directly; sections 2–4 work out what their scale should be).

# %% tags=["nbval-ignore-output"]
STEPS = 300 if GRADING else 600  # fewer steps while nbgrader grades


def train(net, steps, lr=0.3):
    """Full-batch gradient descent on (x_fit, y_fit); returns the loss before every step."""
    losses = []
    for _ in progress(range(steps), desc="gradient steps"):
        losses.append(loss_fn.forward(net.forward(x_fit), y_fit))
        net.backward(loss_fn.backward())
        net.set_params([p - lr * g for p, g in zip(net.params(), net.grads())])
    return np.array(losses)


net_const = tanh_network(constant_init((1, 16), 0.5), constant_init(16, 0.0),
                         constant_init((16, 1), 0.5), constant_init(1, 0.0))
net_random = tanh_network(rng.normal(0.0, 1.0, (1, 16)), rng.normal(0.0, 1.0, 16),
                          rng.normal(0.0, 0.25, (16, 1)), np.zeros(1))
losses_const = train(net_const, STEPS)
losses_random = train(net_random, STEPS)

# %%
needs("net_const", "net_random", "losses_const", "losses_random", exercise="constant_init")
W1_const = net_const.params()[0]
print(f"after {STEPS} steps, largest difference between two hidden units' weights: {np.ptp(W1_const):.1f}")
print(f"final loss, constant start: {losses_const[-1]:.3f}; random start: {losses_random[-1]:.4f}")

x_plot = np.linspace(-2.0, 2.0, 200)[:, None]
fig, axes = plt.subplots(2, 2, figsize=(11, 7.5))
ax = axes[0, 0]
ax.plot(x_fit, y_fit, "o", color="0.6", markersize=4, label="data $y = \\sin 2x$")
ax.plot(x_plot, net_const.forward(x_plot), "--", linewidth=2, label="constant start")
ax.plot(x_plot, net_random.forward(x_plot), "-", linewidth=2, label="random start")
ax.set(title="Fits after training", xlabel="$x$", ylabel="$f(x)$")
ax.legend()
ax = axes[0, 1]
ax.semilogy(losses_const, "--", linewidth=2, label="constant start")
ax.semilogy(losses_random, "-", linewidth=2, label="random start")
ax.set(title="Training loss", xlabel="gradient step", ylabel="mean squared error / 2 (log scale)")
ax.legend()
for ax, net, name in ((axes[1, 0], net_const, "constant"), (axes[1, 1], net_random, "random")):
    W1, b1 = net.params()[:2]
    hidden = np.tanh(x_plot @ W1 + b1)  # the 16 hidden units as functions of x
    ax.plot(x_plot, hidden, linewidth=1.5)
    ax.set(title=f"The 16 hidden units after training, {name} start", xlabel="$x$", ylabel="$h_j(x)$")
axes[1, 0].text(0.04, 0.92, "all 16 curves lie on top of each other", transform=axes[1, 0].transAxes)
fig.tight_layout()
plt.show()

# %% [markdown]
# The constant start ends with one hidden "feature" copied 16 times, so the network can only draw a single
# S-shaped curve; the random start gives 16 different features, and their weighted sum follows the sine.
# The difference between units is not just small: it is exactly zero, because identical units go through
# identical floating-point operations.
#
# **Question (2 points).** The figure shows that equal weights stay equal. (a) Suppose instead that every
# weight starts at the same constant but the *biases* of the hidden units are drawn at random. Do the hidden units
# still stay identical? Argue with the chain rule: which quantities differ between units, and does that make
# their weight gradients differ? (b) Same question for constant weights and biases, trained with dropout (a
# fresh random mask at every step). (c) The special constant 0: with tanh hidden units and every weight and bias 0,
# which parameters change during training, and what does the network end up predicting?

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_why_not_constants", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# *Model answer.* (a) No, they separate. Unit $j$'s pre-activation is $z_j = w^\top x + b_j$: with different biases
# the $z_j$ differ, so do $h_j = g(z_j)$ and the slopes $g'(z_j)$. The gradient of unit $j$'s incoming weights,
# $x\,g'(z_j)\,v_j\,\partial L/\partial f$, and of its outgoing weight, $h_j\,\partial L/\partial f$, then differ from unit to
# unit, so after one step the weights differ too and the symmetry is broken (weakly at first, when the biases
# are close). Identical units stay identical only while *everything* about them is identical.
#
# (b) Also broken: the mask drops different units at each step, so in a given step the dropped units get zero
# gradient while the kept ones get the same nonzero gradient; their weights drift apart (noisily). Random masks
# play the role of random initial weights, only more slowly and wastefully.
#
# (c) With all zeros, $h = \tanh(0) = 0$, so $\partial L/\partial W^2 = h^\top \partial L/\partial f = 0$, and
# $\partial L/\partial h = \partial L/\partial f\, (W^2)^\top = 0$, so the first layer's weights and biases get zero gradient
# too. Only the output bias moves; the weights stay 0 for ever, and the network predicts a constant, the mean of
# the targets. (With a sigmoid, $h = 0.5 \neq 0$: the output weights do move, all by the same amount, and the
# units stay identical.)
#
# Grading: 0.5 for (a) with the chain-rule reason (different $z_j$, hence different $g'(z_j)$ and gradients); 0.5
# for (b) (different masks, different gradients); 1 for (c) (only the output bias moves; a constant prediction).

# %% [markdown]
# ## 2. Standard normal weights: pre-activations grow with the fan-in
#
# Random weights break the symmetry. How large should they be? Take one unit with $m$ inputs,
# $z = \sum_{i=1}^m w_i x_i$, with weights drawn independently of each other and of the input, mean zero and
# variance $\sigma^2$. Each term has mean $E[w_i]E[x_i] = 0$, the terms are uncorrelated, so
#
# $$E[z] = 0, \qquad \operatorname{Var}[z] = \sum_{i=1}^m E[w_i^2]\,E[x_i^2] = m\,\sigma^2\,E[x^2].$$
#
# Notes 004 take inputs $x_i \in \{-1, +1\}$, so $x_i^2 = 1$ (their formula $\sum_d \operatorname{Var}(w_d)$ leaves
# out the factor $x_d^2$, which is 1 here). With $\sigma^2 = 1$ this gives $\operatorname{Var}[z] = m$: the
# typical pre-activation has size $\sqrt m$. (Notes 004 call $z$ "the activation" at this point; in this course
# $z$ is the *pre*-activation and $g(z)$ the activation.) For a fan-in of 1000, $|z| \approx 32$ and
# $\operatorname{sigmoid}(32) = 1 - 1.3\cdot 10^{-14}$ (we spell the sigmoid out here, because $\sigma$ is already the
# weights' standard deviation): the sigmoid's output is pinned to 0 or 1 and its slope
# $\operatorname{sigmoid}(z)\,(1-\operatorname{sigmoid}(z))$ is about $10^{-14}$, so almost no gradient passes
# through. That is *saturation*.

# %% [markdown]
# ### Exercise 2: `normal_init` (1 point)
#
# Write `normal_init(shape, std, rng)`: an array of the given shape whose entries are independent draws from
# $N(0, \text{std}^2)$, taken from the generator `rng` (`rng.normal` or `rng.standard_normal`). The argument is
# the standard deviation, not the variance.

# %% nbgrader={"grade": false, "grade_id": "normal_init", "locked": false, "schema_version": 3, "solution": true, "task": false}
def normal_init(shape, std, rng):
    """Independent Gaussian weights, W_ij ~ N(0, std**2), drawn from ``rng``.

    Parameters
    ----------
    shape : int or tuple of int
        Shape of the result, e.g. (fan_in, fan_out).
    std : float
        The standard deviation (>= 0), not the variance.
    rng : numpy.random.Generator
        The only source of randomness.

    Returns
    -------
    ndarray, shape ``shape``, dtype float64
    """
    ### BEGIN SOLUTION
    return rng.normal(0.0, std, size=shape)
    ### END SOLUTION


# %% [markdown]
# ### How the tests judge random weights
#
# Random draws cannot be compared with fixed numbers: your function may draw in a different way from ours and
# still be right. So the tests check what any correct sampler must satisfy, with tolerances that a correct
# sampler fails with a probability below one in a million:
#
# - shape, dtype float64, finite values;
# - the sample mean is within 6 standard errors of 0 and the sample standard deviation within 3% (or 6
#   standard errors, for small samples) of the target;
# - the *Kolmogorov–Smirnov distance*, the largest vertical gap between the empirical CDF of the draws and the
#   CDF of the target distribution, is small (below $\max(0.01, 3/\sqrt n)$ for $n$ draws). This catches a
#   uniform law posing as a normal one with the right variance (distance about 0.05);
# - for a uniform law: every draw within the bounds, and the extreme draws close to them;
# - randomness comes from the `rng` argument: the same seed gives the same weights, different seeds give
#   different weights, and two calls with one generator give different weights.
#
# The helpers below do this; the test cells call them.

# %%
_erf = np.vectorize(math.erf, otypes=[float])


def ks_distance(sample, cdf):
    """Largest gap between the empirical CDF of ``sample`` and the function ``cdf``."""
    x = np.sort(np.ravel(sample))
    n = x.size
    F = cdf(x)
    return float(max(np.max(np.arange(1, n + 1) / n - F), np.max(F - np.arange(n) / n)))


def check_draws(W, *, what, shape, std, limit=None):
    """Fail unless W looks like independent draws from N(0, std**2), or from U(-limit, limit) if limit is given."""
    assert_shape(W, shape, what=what)
    if W.dtype != np.float64:
        raise AssertionError(f"{what} should have dtype float64, got {W.dtype}")
    if not np.all(np.isfinite(W)):
        raise AssertionError(f"{what} contains NaN or infinity")
    n = W.size
    if abs(W.mean()) > 6 * std / math.sqrt(n):
        raise AssertionError(f"{what}: the mean of the {n} draws is {W.mean():.4g}; for mean-zero draws with "
                             f"standard deviation {std:.4g} it should be within {6 * std / math.sqrt(n):.2g} of 0")
    tol = max(0.03, 6 / math.sqrt(2 * n))
    if abs(W.std() / std - 1) > tol:
        hint = ""
        if abs(W.std() / std**2 - 1) < tol:
            hint = " It equals the expected *variance*: numpy's scale argument is the standard deviation."
        raise AssertionError(f"{what}: the standard deviation of the draws is {W.std():.4g}, expected about "
                             f"{std:.4g} (within {100 * tol:.0f}%).{hint}")
    if limit is None:
        cdf, law = (lambda x: 0.5 * (1.0 + _erf(x / (std * math.sqrt(2.0))))), f"N(0, {std:.4g}^2)"
    else:
        if W.min() < -limit or W.max() > limit:
            raise AssertionError(f"{what}: draws must lie in [-{limit:.4g}, {limit:.4g}], "
                                 f"got values from {W.min():.4g} to {W.max():.4g}")
        if n >= 1000 and (W.max() < limit * (1 - 30 / n) or W.min() > -limit * (1 - 30 / n)):
            raise AssertionError(f"{what}: {n} uniform draws on [-{limit:.4g}, {limit:.4g}] should come close to both "
                                 f"ends, got values from {W.min():.4g} to {W.max():.4g}")
        cdf, law = (lambda x: np.clip((x + limit) / (2 * limit), 0.0, 1.0)), f"U(-{limit:.4g}, {limit:.4g})"
    bound = max(0.01, 3 / math.sqrt(n))
    distance = ks_distance(W, cdf)
    if distance > bound:
        raise AssertionError(f"{what}: the draws do not look like {law}: Kolmogorov-Smirnov distance {distance:.3f} "
                             f"(a correct sampler stays below {bound:.3f})")


def check_uses_rng(draw, *, what):
    """Fail unless draw(rng) takes its randomness from rng, and only from rng."""
    a = draw(np.random.default_rng(123))
    b = draw(np.random.default_rng(123))
    if not np.array_equal(a, b):
        raise AssertionError(f"{what}: two generators with the same seed gave different weights. "
                             "Draw only from the rng argument (rng.normal(...)), not from np.random.*")
    if np.array_equal(a, draw(np.random.default_rng(456))):
        raise AssertionError(f"{what}: generators with different seeds gave the same weights; "
                             "use the rng you are given instead of making a new one")
    g = np.random.default_rng(789)
    if np.array_equal(draw(g), draw(g)):
        raise AssertionError(f"{what}: two calls with the same generator gave identical weights; "
                             "draw from rng on every call")


# %%
# Try it: the sample standard deviation should be close to 2
W_try = normal_init((200, 100), 2.0, rng)
print(W_try.shape, f"sample std {W_try.std():.2f}")

# %% nbgrader={"grade": true, "grade_id": "test_normal_init", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Check normal_init: shape, dtype, N(0, std^2) statistics, and that it draws from the rng it is given."""
diagnose("normal_init", normal_init)
check_draws(call(normal_init, (300, 400), 0.5, np.random.default_rng(1), what="normal_init((300, 400), 0.5, rng)"),
            what="normal_init((300, 400), 0.5, rng)", shape=(300, 400), std=0.5)
check_uses_rng(lambda g: normal_init((20, 30), 2.0, g), what="normal_init((20, 30), 2.0, rng)")
### BEGIN HIDDEN TESTS
for _shape, _std, _seed in (((1000, 50), 3.0, 11), ((80000,), 1e-3, 12), ((20, 30, 40), 1.0, 13), ((7, 3), 0.7, 14)):
    _what = f"normal_init({_shape}, {_std}, rng)"
    check_draws(call(normal_init, _shape, _std, np.random.default_rng(_seed), what=_what), what=_what,
                shape=_shape, std=_std)
check_uses_rng(lambda g: normal_init((5,), 0.1, g), what="normal_init((5,), 0.1, rng)")
assert_close(call(normal_init, (4, 4), 0.0, np.random.default_rng(2), what="normal_init((4, 4), 0.0, rng)"),
             np.zeros((4, 4)), what="normal_init with std 0")
### END HIDDEN TESTS

# %% [markdown]
# ### Fan-in against saturation
#
# One layer of 100 sigmoid units, inputs $x_i = \pm 1$ at random, weights from `normal_init(..., 1.0, rng)`,
# for three fan-ins. The top row shows the pre-activations with the density of $N(0, m)$ on top; the shaded
# band is where the sigmoid is saturated (slope below 5% of its maximum, $|z| > 4.36$; section 5 explains the
# number). The bottom row shows what comes out of the sigmoid.

# %%
fan_ins = (10, 100, 1000)
SIGMOID_EDGE = 2.0 * math.acosh(math.sqrt(20.0))  # |z| beyond which sigmoid'(z) < 0.05 * sigmoid'(0)
fig, axes = plt.subplots(2, 3, figsize=(12, 6.5))
for col, m in enumerate(fan_ins):
    X_pm = rng.choice([-1.0, 1.0], size=(500, m))
    Z_m = X_pm @ normal_init((m, 100), 1.0, rng)
    saturated = np.mean(np.abs(Z_m) > SIGMOID_EDGE)
    print(f"fan-in m = {m:4d}: std of z = {Z_m.std():5.2f} (sqrt(m) = {math.sqrt(m):5.2f}), "
          f"saturated: {100 * saturated:3.0f}%")
    ax = axes[0, col]
    reach = 4 * math.sqrt(m)
    ax.axvspan(-reach, -SIGMOID_EDGE, color="0.88", label="saturated")
    ax.axvspan(SIGMOID_EDGE, reach, color="0.88")
    ax.hist(Z_m.ravel(), bins=60, range=(-reach, reach), density=True, histtype="step", color="k", linewidth=1.5,
            label="pre-activations $z$")
    grid = np.linspace(-reach, reach, 300)
    ax.plot(grid, np.exp(-grid**2 / (2 * m)) / math.sqrt(2 * math.pi * m), "--", color="0.45", linewidth=2,
            label="$N(0, m)$ density")
    ax.set(title=f"fan-in $m$ = {m}: {100 * saturated:.0f}% saturated", xlabel="$z$", ylabel="density")
    ax.legend(fontsize=8, loc="upper right")
    ax = axes[1, col]
    ax.hist(sigmoid(Z_m).ravel(), bins=50, range=(0.0, 1.0), density=True, color="0.4")
    ax.set(title=f"sigmoid outputs, $m$ = {m}", xlabel="$\\sigma(z)$", ylabel="density")
fig.suptitle("Weights from N(0, 1): the spread of $z$ grows like $\\sqrt{m}$ and the sigmoid saturates")
fig.tight_layout()
plt.show()

# %% [markdown]
# With $m = 10$ the sigmoid works in its useful range; with $m = 1000$ almost every unit outputs 0 or 1 and
# hardly any gradient gets through. Inputs of a thousand dimensions are ordinary (a 32 × 32 image already has
# 1024 pixels), so $N(0, 1)$ weights are no good. Notes 004 suggest $N(0, 0.01/m)$ as a quick fix; section 5
# puts it to the test in a deep network.

# %% [markdown]
# ## 3. The notes' choice: $N(0, 1/m)$
#
# The variance formula says what to do: choose $\sigma^2 = 1/m$, and $\operatorname{Var}[z] = m \cdot \frac1m \cdot
# E[x^2] = E[x^2]$. The pre-activations keep the scale of the inputs whatever the fan-in. This is the rule of
# the training algorithm in notes 003 (section 5), $W^l_{ij} \sim \text{Gaussian}(0, 1/m^l)$, and it is known as
# LeCun initialisation.
#
# **A slip in the notes.** Just before that formula, notes 003 describe the choice in words as a Gaussian with
# "standard deviation $(1/m)$". The formula, and the reasoning above, mean *variance* $1/m$, i.e. standard
# deviation $1/\sqrt m$. The two readings are far apart: with standard deviation $1/m$,
# $\operatorname{Var}[z] = m \cdot \frac{1}{m^2} = \frac1m$, so for $m = 400$ each layer would shrink the signal's
# spread twentyfold. (The `Linear` module of notebook 03 uses variance $1/m$.)
#
# The same algorithm draws the biases from $N(0, 1)$. That adds 1 to the variance of every pre-activation; in
# the rest of this notebook the biases are zero (the common choice today), so that we see what the weights do.

# %% [markdown]
# ### Exercise 3: `lecun_normal` (1 point)
#
# Write `lecun_normal(fan_in, fan_out, rng)`: a matrix of shape `(fan_in, fan_out)` with independent entries
# from $N(0, 1/\text{fan\_in})$, drawn from `rng`.

# %% nbgrader={"grade": false, "grade_id": "lecun_normal", "locked": false, "schema_version": 3, "solution": true, "task": false}
def lecun_normal(fan_in, fan_out, rng):
    """LeCun initialisation (the notes' choice): W_ij ~ N(0, 1/fan_in), i.e. standard deviation sqrt(1/fan_in).

    Parameters
    ----------
    fan_in, fan_out : int
        Number of inputs and of units of the layer.
    rng : numpy.random.Generator
        The only source of randomness.

    Returns
    -------
    ndarray, shape (fan_in, fan_out), dtype float64
    """
    ### BEGIN SOLUTION
    return rng.normal(0.0, math.sqrt(1.0 / fan_in), size=(fan_in, fan_out))
    ### END SOLUTION


# %%
# Try it: the sample standard deviation should be close to 1/sqrt(400) = 0.05
print(f"sample std {lecun_normal(400, 300, rng).std():.4f}")

# %% nbgrader={"grade": true, "grade_id": "test_lecun_normal", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Check lecun_normal: shape (fan_in, fan_out), N(0, 1/fan_in) statistics, and use of the rng."""
diagnose("lecun_normal", lecun_normal)
check_draws(call(lecun_normal, 400, 300, np.random.default_rng(2), what="lecun_normal(400, 300, rng)"),
            what="lecun_normal(400, 300, rng) (variance 1/400, standard deviation 0.05)", shape=(400, 300),
            std=math.sqrt(1 / 400))
check_uses_rng(lambda g: lecun_normal(30, 20, g), what="lecun_normal(30, 20, rng)")
### BEGIN HIDDEN TESTS
for _fan_in, _fan_out, _seed in ((1, 5000, 21), (2000, 20, 22), (150, 700, 23), (3, 2, 24)):
    _what = f"lecun_normal({_fan_in}, {_fan_out}, rng)"
    check_draws(call(lecun_normal, _fan_in, _fan_out, np.random.default_rng(_seed), what=_what), what=_what,
                shape=(_fan_in, _fan_out), std=math.sqrt(1 / _fan_in))
check_uses_rng(lambda g: lecun_normal(1, 1, g), what="lecun_normal(1, 1, rng)")
### END HIDDEN TESTS

# %% [markdown]
# **Question (2 points).** Notes 003 ask: if the input $x$ to a unit is a vector of $m$ ones, what is the
# expected pre-activation $z = \sum_j W_j x_j + W_0$ with these initial weights (as in the notes' algorithm,
# $W_j \sim N(0, 1/m)$ and the bias $W_0 \sim N(0, 1)$)? Give $E[z]$, and go one step further: give
# $\operatorname{Var}[z]$ and say what a typical $|z|$ is. Then redo the variance for the other reading of the
# text, standard deviation $1/m$. What does "expected" average over here?

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_expected_preactivation", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# *Model answer.* The expectation is over the random draw of the weights (the input is fixed). By linearity,
# $E[z] = \sum_{j=1}^m E[W_j]\cdot 1 + E[W_0] = 0$: on average over initialisations the unit starts at the
# middle of its activation function. Any single unit has $z \ne 0$, though. The $m + 1$ terms are independent,
# so $\operatorname{Var}[z] = \sum_j \operatorname{Var}[W_j] \cdot 1^2 + \operatorname{Var}[W_0] = m \cdot \frac1m + 1 = 2$,
# whatever $m$ is: $z \sim N(0, 2)$, standard deviation $\sqrt2 \approx 1.41$, and a typical size
# $E|z| = \sqrt{2}\sqrt{2/\pi} = 2/\sqrt\pi \approx 1.13$: a region where sigmoid and tanh still have a useful slope.
# With standard deviation $1/m$ instead, $\operatorname{Var}[z] = m/m^2 + 1 = 1 + 1/m$: the weights contribute
# almost nothing for large $m$ and the random bias dominates, so the unit barely depends on its inputs at the start.
#
# Grading: 1 point for $E[z] = 0$ with the linearity argument; 1 point for $\operatorname{Var}[z] = 2$ (or 1
# without the bias, if stated) and the comparison with the $1/m$-standard-deviation reading.

# %% [markdown]
# Check your answer by simulation: 40 000 units with $m = 50$ ones as input.

# %%
m_ones, n_units = 50, 40_000
z_ones = np.ones(m_ones) @ lecun_normal(m_ones, n_units, rng) + rng.normal(0.0, 1.0, n_units)
print(f"mean of z {z_ones.mean():.2f}, variance of z {z_ones.var():.2f}, mean of |z| {np.abs(z_ones).mean():.2f}")

# %% [markdown]
# ## 4. Glorot and He
#
# **Glorot (Xavier).** The forward pass wants $\sigma^2 = 1/\text{fan\_in}$. The backward pass has its own
# version of the same sum: the gradient with respect to a layer's input is $\partial L/\partial A = (\partial L/\partial Z)\,
# W^\top$, and each of its entries adds up `fan_out` terms, so its variance is
# $\text{fan\_out}\cdot\sigma^2\cdot\operatorname{Var}[\partial L/\partial Z]$. Keeping that steady wants
# $\sigma^2 = 1/\text{fan\_out}$. Unless the layer is square both cannot hold; Glorot and Bengio (2010) settle on
#
# $$\sigma^2 = \frac{2}{\text{fan\_in} + \text{fan\_out}}$$
#
# (the harmonic mean of $1/\text{fan\_in}$ and $1/\text{fan\_out}$). The argument treats the activation as roughly
# the identity near 0, which suits tanh (slope 1 at 0).
#
# **Glorot uniform.** The same variance from a uniform law: $U(-l, l)$ has variance $l^2/3$, so
# $l = \sqrt{6/(\text{fan\_in} + \text{fan\_out})}$, the bound in notes 004. No weight can then be far out in a tail.
#
# **He (Kaiming).** ReLU sets the negative half of its input to zero. For a $z$ symmetric about 0,
# $E[\max(0, z)^2] = \tfrac12 E[z^2]$, so each ReLU layer passes on half the second moment it receives, and with
# LeCun's $1/m$ the signal shrinks by $\sqrt2$ per layer. He et al. (2015) double the variance to make up for it:
# $N(0,\ 2/\text{fan\_in})$. Notes 004 end with "certain architectures have specialised initialisations";
# He initialisation is the one used with ReLU.
#
# | name | distribution | standard deviation |
# |---|---|---|
# | LeCun (notes 003) | $N(0, 1/n_\text{in})$ | $\sqrt{1/n_\text{in}}$ |
# | Glorot normal | $N(0, 2/(n_\text{in}+n_\text{out}))$ | $\sqrt{2/(n_\text{in}+n_\text{out})}$ |
# | Glorot uniform | $U(-l, l)$, $l = \sqrt{6/(n_\text{in}+n_\text{out})}$ | $\sqrt{2/(n_\text{in}+n_\text{out})}$ |
# | He | $N(0, 2/n_\text{in})$ | $\sqrt{2/n_\text{in}}$ |

# %% [markdown]
# ### Exercise 4: `glorot_normal` (1 point)
#
# Write `glorot_normal(fan_in, fan_out, rng)`: shape `(fan_in, fan_out)`, entries from
# $N(0, 2/(\text{fan\_in} + \text{fan\_out}))$ (a plain normal, not a truncated one).

# %% nbgrader={"grade": false, "grade_id": "glorot_normal", "locked": false, "schema_version": 3, "solution": true, "task": false}
def glorot_normal(fan_in, fan_out, rng):
    """Glorot (Xavier) normal initialisation: W_ij ~ N(0, 2 / (fan_in + fan_out)).

    Parameters
    ----------
    fan_in, fan_out : int
        Number of inputs and of units of the layer.
    rng : numpy.random.Generator
        The only source of randomness.

    Returns
    -------
    ndarray, shape (fan_in, fan_out), dtype float64
    """
    ### BEGIN SOLUTION
    return rng.normal(0.0, math.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_glorot_normal", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Check glorot_normal: shape (fan_in, fan_out), N(0, 2/(fan_in + fan_out)) statistics, and use of the rng."""
diagnose("glorot_normal", glorot_normal)
check_draws(call(glorot_normal, 500, 300, np.random.default_rng(3), what="glorot_normal(500, 300, rng)"),
            what="glorot_normal(500, 300, rng) (variance 2/800, standard deviation 0.05)", shape=(500, 300),
            std=math.sqrt(2 / 800))
check_uses_rng(lambda g: glorot_normal(30, 20, g), what="glorot_normal(30, 20, rng)")
### BEGIN HIDDEN TESTS
for _fan_in, _fan_out, _seed in ((1, 5000, 31), (2000, 20, 32), (100, 900, 33), (3, 2, 34)):
    _what = f"glorot_normal({_fan_in}, {_fan_out}, rng)"
    check_draws(call(glorot_normal, _fan_in, _fan_out, np.random.default_rng(_seed), what=_what), what=_what,
                shape=(_fan_in, _fan_out), std=math.sqrt(2 / (_fan_in + _fan_out)))
check_uses_rng(lambda g: glorot_normal(1, 1, g), what="glorot_normal(1, 1, rng)")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 5: `glorot_uniform` (1 point)
#
# Write `glorot_uniform(fan_in, fan_out, rng)`: shape `(fan_in, fan_out)`, entries from $U(-l, l)$ with
# $l = \sqrt{6/(\text{fan\_in} + \text{fan\_out})}$ (`rng.uniform`).

# %% nbgrader={"grade": false, "grade_id": "glorot_uniform", "locked": false, "schema_version": 3, "solution": true, "task": false}
def glorot_uniform(fan_in, fan_out, rng):
    """Glorot (Xavier) uniform initialisation: W_ij ~ U(-l, l) with l = sqrt(6 / (fan_in + fan_out)).

    Its variance l**2 / 3 = 2 / (fan_in + fan_out) equals that of glorot_normal.

    Parameters
    ----------
    fan_in, fan_out : int
        Number of inputs and of units of the layer.
    rng : numpy.random.Generator
        The only source of randomness.

    Returns
    -------
    ndarray, shape (fan_in, fan_out), dtype float64
    """
    ### BEGIN SOLUTION
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_glorot_uniform", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Check glorot_uniform: shape, bounds +-sqrt(6/(fan_in + fan_out)), uniform statistics, and use of the rng."""
diagnose("glorot_uniform", glorot_uniform)
check_draws(call(glorot_uniform, 500, 300, np.random.default_rng(4), what="glorot_uniform(500, 300, rng)"),
            what="glorot_uniform(500, 300, rng) (bounds +-sqrt(6/800) = +-0.0866)", shape=(500, 300),
            std=math.sqrt(2 / 800), limit=math.sqrt(6 / 800))
check_uses_rng(lambda g: glorot_uniform(30, 20, g), what="glorot_uniform(30, 20, rng)")
### BEGIN HIDDEN TESTS
for _fan_in, _fan_out, _seed in ((1, 5000, 41), (2000, 20, 42), (100, 900, 43), (3, 2, 44)):
    _what = f"glorot_uniform({_fan_in}, {_fan_out}, rng)"
    check_draws(call(glorot_uniform, _fan_in, _fan_out, np.random.default_rng(_seed), what=_what), what=_what,
                shape=(_fan_in, _fan_out), std=math.sqrt(2 / (_fan_in + _fan_out)),
                limit=math.sqrt(6 / (_fan_in + _fan_out)))
check_uses_rng(lambda g: glorot_uniform(1, 1, g), what="glorot_uniform(1, 1, rng)")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 6: `he_normal` (1 point)
#
# Write `he_normal(fan_in, fan_out, rng)`: shape `(fan_in, fan_out)`, entries from $N(0, 2/\text{fan\_in})$.

# %% nbgrader={"grade": false, "grade_id": "he_normal", "locked": false, "schema_version": 3, "solution": true, "task": false}
def he_normal(fan_in, fan_out, rng):
    """He (Kaiming) normal initialisation for ReLU layers: W_ij ~ N(0, 2 / fan_in).

    Parameters
    ----------
    fan_in, fan_out : int
        Number of inputs and of units of the layer.
    rng : numpy.random.Generator
        The only source of randomness.

    Returns
    -------
    ndarray, shape (fan_in, fan_out), dtype float64
    """
    ### BEGIN SOLUTION
    return rng.normal(0.0, math.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_he_normal", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Check he_normal: shape (fan_in, fan_out), N(0, 2/fan_in) statistics, and use of the rng."""
diagnose("he_normal", he_normal)
check_draws(call(he_normal, 400, 300, np.random.default_rng(5), what="he_normal(400, 300, rng)"),
            what="he_normal(400, 300, rng) (variance 2/400, standard deviation 0.0707)", shape=(400, 300),
            std=math.sqrt(2 / 400))
check_uses_rng(lambda g: he_normal(30, 20, g), what="he_normal(30, 20, rng)")
### BEGIN HIDDEN TESTS
for _fan_in, _fan_out, _seed in ((1, 5000, 51), (2000, 20, 52), (150, 700, 53), (3, 2, 54)):
    _what = f"he_normal({_fan_in}, {_fan_out}, rng)"
    check_draws(call(he_normal, _fan_in, _fan_out, np.random.default_rng(_seed), what=_what), what=_what,
                shape=(_fan_in, _fan_out), std=math.sqrt(2 / _fan_in))
check_uses_rng(lambda g: he_normal(1, 1, g), what="he_normal(1, 1, rng)")
### END HIDDEN TESTS

# %% [markdown]
# ### Same variance, different shapes
#
# Glorot normal and Glorot uniform weights for a $400 \to 200$ layer, side by side: equal spread, but the
# uniform law is flat and stops at $\pm l$, while the normal one has tails.

# %%
W_gn, W_gu = glorot_normal(400, 200, rng), glorot_uniform(400, 200, rng)
limit_g = math.sqrt(6 / 600)
print(f"std: Glorot normal {W_gn.std():.4f}, Glorot uniform {W_gu.std():.4f}, formula {math.sqrt(2 / 600):.4f}")
fig, ax = plt.subplots(figsize=(7, 4))
bins = np.linspace(-2 * limit_g, 2 * limit_g, 81)
ax.hist(W_gn.ravel(), bins=bins, density=True, histtype="step", linewidth=2, linestyle="--", label="Glorot normal")
ax.hist(W_gu.ravel(), bins=bins, density=True, histtype="step", linewidth=2, linestyle="-", label="Glorot uniform")
for sign in (-1, 1):
    ax.axvline(sign * limit_g, color="k", linestyle=":", linewidth=1, label="$\\pm l$" if sign > 0 else None)
ax.set(title="Glorot weights for a 400 → 200 layer", xlabel="weight value", ylabel="density")
ax.legend()
plt.show()

# %% [markdown]
# ## 5. Watching the signal through a deep network
#
# One layer is easy to reason about; what matters is what happens after ten or twenty. The diagnostic below
# pushes a batch through a stack of layers without biases,
#
# $$A^0 = X, \qquad Z^l = A^{l-1} W^l, \qquad A^l = f(Z^l) \qquad (l = 1, \dots, L),$$
#
# with the same activation $f$ after every layer, and records per layer how large the pre-activations are and
# how many units are saturated.
#
# **Saturated** means the unit's slope $|f'(z)|$ is below 5% of the steepest slope $f$ has anywhere: a gradient
# passing back through it is multiplied by less than a twentieth of the best case. In closed form:
#
# - tanh: $f'(z) = 1/\cosh^2 z$, largest value 1, so saturated iff $\cosh^2 z > 20$, i.e. $|z| > \operatorname{arccosh}\sqrt{20} \approx 2.178$;
# - sigmoid: $f'(z) = \sigma(z)(1 - \sigma(z)) = \tfrac14 / \cosh^2(z/2)$, largest value $\tfrac14$, so saturated iff
#   $|z| > 2\operatorname{arccosh}\sqrt{20} \approx 4.357$;
# - ReLU: $f'(z) = 0$ for $z \le 0$ (the course takes $f'(0) = 0$), so saturated iff $z \le 0$: a "dead" unit
#   that passes no gradient at all for this input;
# - linear ($f(z) = z$): never saturated.
#
# The two edges are in `SATURATION_EDGE` below.

# %%
SATURATION_EDGE = {"sigmoid": 2.0 * math.acosh(math.sqrt(20.0)), "tanh": math.acosh(math.sqrt(20.0))}
print({name: round(edge, 4) for name, edge in SATURATION_EDGE.items()})

# %% [markdown]
# ### Exercise 7: `activation_stats` (3 points)
#
# Write `activation_stats(X, weights, activation)` for `X` of shape `(N, n_0)`, a list of weight matrices
# `weights = [W1, ..., WL]` (`W_l` of shape `(n_{l-1}, n_l)`) and `activation` one of `"sigmoid"`, `"tanh"`,
# `"relu"`, `"linear"`. Return a list of $L$ dicts, one per layer, each with four floats:
#
# - `"mean"`: the mean of all entries of $A^l$;
# - `"std"`: their standard deviation (`np.std`, i.e. dividing by the number of entries, not by one less);
# - `"saturated"`: the fraction of entries of $Z^l$ at which the unit is saturated (the rule above);
# - `"z_std"`: the standard deviation of all entries of $Z^l$.
#
# Apply the activation after *every* layer, the last one included. Do not modify `X` or the weights. Large
# weights make $|z|$ huge, so use a sigmoid that cannot overflow, e.g. $\sigma(z) = \tfrac12(1 + \tanh(z/2))$
# (the textbook `1 / (1 + np.exp(-z))` overflows for $z < -709$).

# %% nbgrader={"grade": false, "grade_id": "activation_stats", "locked": false, "schema_version": 3, "solution": true, "task": false}
def activation_stats(X, weights, activation):
    """Per-layer statistics of a stack Z^l = A^{l-1} @ W^l, A^l = f(Z^l), with A^0 = X and no biases.

    Parameters
    ----------
    X : ndarray, shape (N, n_0)
        A batch of inputs, one sample per row.
    weights : list of ndarray
        [W1, ..., WL]; W_l has shape (n_{l-1}, n_l).
    activation : str
        "sigmoid", "tanh", "relu" or "linear"; applied after every layer.

    Returns
    -------
    list of dict, length L
        Entry l-1 describes layer l with float values under the keys "mean" and "std" (of A^l),
        "saturated" (fraction of entries of Z^l where the unit is saturated) and "z_std" (std of Z^l).
    """
    ### BEGIN SOLUTION
    functions = {
        "sigmoid": lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)),
        "tanh": np.tanh,
        "relu": lambda z: np.maximum(z, 0.0),
        "linear": lambda z: z,
    }
    f = functions[activation]
    A = np.asarray(X, dtype=float)
    stats = []
    for W in weights:
        Z = A @ W
        A = f(Z)
        if activation == "relu":
            saturated = Z <= 0.0
        elif activation == "linear":
            saturated = np.zeros(Z.shape, dtype=bool)
        else:
            saturated = np.abs(Z) > SATURATION_EDGE[activation]
        stats.append({"mean": float(A.mean()), "std": float(A.std()),
                      "saturated": float(saturated.mean()), "z_std": float(Z.std())})
    return stats
    ### END SOLUTION


# %%
# Try it: one tanh layer with unit-variance weights and 100 inputs (z has std about 10)
for layer, d in enumerate(activation_stats(rng.standard_normal((200, 100)), [rng.standard_normal((100, 50))], "tanh"), 1):
    print(layer, {key: round(value, 3) for key, value in d.items()})

# %% nbgrader={"grade": true, "grade_id": "test_activation_stats", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""Check activation_stats on a hand-computed layer, the saturation rule of each activation and a 3-layer stack."""
diagnose("activation_stats", activation_stats)
# One linear layer with identity weights: Z = A = X, entries 1, -1, 3, 0.
out_a = call(activation_stats, np.array([[1.0, -1.0], [3.0, 0.0]]), [np.eye(2)], "linear",
             what='activation_stats(X, [I], "linear")')
assert isinstance(out_a, list) and len(out_a) == 1, (
    f'activation_stats(X, [I], "linear") should return a list with one dict per layer (here 1), got {out_a!r}')
assert isinstance(out_a[0], dict) and set(out_a[0]) == {"mean", "std", "saturated", "z_std"}, (
    f'each layer\'s entry should be a dict with the keys "mean", "std", "saturated", "z_std", got {out_a[0]!r}')
assert_close(out_a[0]["mean"], 0.75, what='"mean" for the entries 1, -1, 3, 0')
assert_close(out_a[0]["std"], math.sqrt(2.1875), what='"std" for the entries 1, -1, 3, 0',
             hint="Use np.std with its default ddof=0: divide by the number of entries (4), not by 3.")
assert_close(out_a[0]["z_std"], math.sqrt(2.1875), what='"z_std" for the entries 1, -1, 3, 0')
assert_close(out_a[0]["saturated"], 0.0, what='"saturated" for a linear layer', hint="A linear unit never saturates.")
# The saturation rule, one activation at a time: a single column of pre-activations z (weights [[1.0]]).
z_col = np.array([[-5.0], [-3.0], [0.0], [2.0], [4.5]])
for name, expected, hint in (
    ("sigmoid", 0.4, "sigmoid: saturated iff |z| > SATURATION_EDGE['sigmoid'] (4.357): here -5 and 4.5."),
    ("tanh", 0.6, "tanh: saturated iff |z| > SATURATION_EDGE['tanh'] (2.178): here -5, -3 and 4.5."),
    ("relu", 0.6, "relu: saturated iff z <= 0 (the slope at 0 counts as 0): here -5, -3 and 0."),
):
    out_s = call(activation_stats, z_col, [np.ones((1, 1))], name, what=f'activation_stats(z, [[1.0]], "{name}")')
    assert_close(out_s[0]["saturated"], expected, what=f'"saturated" for {name} and z = -5, -3, 0, 2, 4.5',
                 hint=hint + " Decide from the pre-activations Z, not from the activations.")
# Three tanh layers, compared with a forward pass written out.
_g = np.random.default_rng(7)
X_t = _g.standard_normal((50, 8))
Ws_t = [0.5 * _g.standard_normal((8, 6)), 0.5 * _g.standard_normal((6, 6)), 0.5 * _g.standard_normal((6, 4))]
out_t = call(activation_stats, X_t, Ws_t, "tanh", what='activation_stats(X_t, Ws_t, "tanh")')
assert isinstance(out_t, list) and len(out_t) == 3, "a stack of 3 weight matrices should give a list of 3 dicts"
A_t = X_t
for layer, W in enumerate(Ws_t, 1):
    Z_t = A_t @ W
    A_t = np.tanh(Z_t)
    assert_close(out_t[layer - 1]["mean"], A_t.mean(), rtol=1e-9, atol=1e-12, what=f'"mean" at layer {layer} of 3',
                 hint="Apply the activation after every layer, the last one included.")
    assert_close(out_t[layer - 1]["std"], A_t.std(), rtol=1e-9, what=f'"std" at layer {layer} of 3')
    assert_close(out_t[layer - 1]["z_std"], Z_t.std(), rtol=1e-9, what=f'"z_std" at layer {layer} of 3',
                 hint="z_std is the spread of the pre-activations Z = A @ W, before the activation.")
### BEGIN HIDDEN TESTS
from coursekit.init import activation_stats as _ref_activation_stats

_g = np.random.default_rng(7007)
_cases = [
    (_g.standard_normal((1, 1)), [_g.standard_normal((1, 1))], "sigmoid"),
    (_g.standard_normal((64, 32)), [_g.normal(0.0, 0.2, (32, 32)) for _ in range(12)], "tanh"),
    (_g.standard_normal((40, 20)), [_g.normal(0.0, 0.3, (20, 30)), _g.normal(0.0, 0.3, (30, 5))], "relu"),
    (_g.standard_normal((30, 10)), [_g.normal(0.0, 1.0, (10, 10)) for _ in range(4)], "sigmoid"),
    (_g.standard_normal((25, 6)), [_g.normal(0.0, 0.5, (6, 9)), _g.normal(0.0, 0.5, (9, 2))], "linear"),
    # huge pre-activations (|z| in the hundreds): a sigmoid written as 1 / (1 + exp(-z)) overflows here
    (_g.standard_normal((20, 10)), [_g.normal(0.0, 300.0, (10, 10)) for _ in range(2)], "sigmoid"),
    (_g.standard_normal((20, 10)), [_g.normal(0.0, 300.0, (10, 10)) for _ in range(2)], "tanh"),
]
# a zero row of X gives exact zeros in Z: relu counts them as saturated
_X0 = _g.standard_normal((10, 4))
_X0[3] = 0.0
_cases.append((_X0, [_g.standard_normal((4, 5))], "relu"))
for _X, _Ws, _name in _cases:
    _X_saved, _Ws_saved = _X.copy(), [W.copy() for W in _Ws]
    _what = f'activation_stats for X of shape {_X.shape}, {len(_Ws)} layer(s), "{_name}"'
    _out = call(activation_stats, _X, _Ws, _name, what=_what)
    _expected = _ref_activation_stats(_X, _Ws, _name)
    assert isinstance(_out, list) and len(_out) == len(_expected), f"{_what}: expected a list of {len(_expected)} dicts"
    for _l, (_d, _e) in enumerate(zip(_out, _expected), 1):
        for _key in ("mean", "std", "z_std"):
            assert_close(_d[_key], _e[_key], rtol=1e-9, atol=1e-12, what=f'{_what}: "{_key}" at layer {_l}')
        assert_close(_d["saturated"], _e["saturated"], atol=1e-12, what=f'{_what}: "saturated" at layer {_l}')
    assert np.array_equal(_X, _X_saved), "activation_stats must not modify X"
    assert all(np.array_equal(W, S) for W, S in zip(_Ws, _Ws_saved)), "activation_stats must not modify the weights"
### END HIDDEN TESTS

# %% [markdown]
# ### Six initialisers, three activations, twelve layers
#
# A stack of 12 layers of width 128 and a batch of 200 standard normal inputs, started with six schemes: the
# two naive ones ($N(0,1)$ and the quick fix $N(0, 0.01/m)$ of notes 004), then LeCun, Glorot normal, Glorot
# uniform and He. The top row shows the spread of the pre-activations per layer (log scale), the bottom row the
# fraction of saturated units.

# %%
SCHEMES = {
    "N(0, 1)": lambda fan_in, fan_out, g: normal_init((fan_in, fan_out), 1.0, g),
    "N(0, 0.01/m)": lambda fan_in, fan_out, g: normal_init((fan_in, fan_out), math.sqrt(0.01 / fan_in), g),
    "LeCun N(0, 1/m)": lecun_normal,
    "Glorot normal": glorot_normal,
    "Glorot uniform": glorot_uniform,
    "He N(0, 2/m)": he_normal,
}
STYLES = [("-", "o"), ("--", "s"), ("-.", "^"), (":", "D"), ((0, (5, 1, 1, 1)), "v"), ((0, (1, 1)), "P")]


def make_stack(depth, width, scheme, g):
    """depth weight matrices of shape (width, width) drawn with the named scheme."""
    return [SCHEMES[scheme](width, width, g) for _ in range(depth)]


DEPTH, WIDTH = 12, 128
X_deep = rng.standard_normal((200, WIDTH))
layers = np.arange(1, DEPTH + 1)
fig, axes = plt.subplots(2, 3, figsize=(14, 8), sharex=True)
summary = {}
for col, act in enumerate(("tanh", "sigmoid", "relu")):
    for (scheme, _), (linestyle, marker) in zip(SCHEMES.items(), STYLES):
        stats = activation_stats(X_deep, make_stack(DEPTH, WIDTH, scheme, rng), act)
        summary[act, scheme] = stats
        kw = dict(linestyle=linestyle, marker=marker, markersize=5, label=scheme)
        axes[0, col].semilogy(layers, [d["z_std"] for d in stats], **kw)
        axes[1, col].plot(layers, [d["saturated"] for d in stats], **kw)
    axes[0, col].set(title=f"{act}: spread of the pre-activations", ylabel="std of $Z^l$ (log scale)")
    axes[1, col].set(title=f"{act}: saturated units", xlabel="layer $l$", ylabel="fraction saturated",
                     ylim=(-0.03, 1.03))
# one legend for all six panels, below them, where it covers no curve
handles, labels = axes[0, 0].get_legend_handles_labels()
fig.legend(handles, labels, loc="lower center", ncol=len(labels), title="initialisation scheme", frameon=False)
fig.tight_layout(rect=(0, 0.07, 1, 1))
plt.show()

for act in ("tanh", "relu"):
    print(f"{act}: std of Z at layers 1, 6, 12 and the saturated fraction at layer 12")
    for scheme in SCHEMES:
        s = summary[act, scheme]
        print(f"  {scheme:16s} {s[0]['z_std']:9.3g} {s[5]['z_std']:9.3g} {s[11]['z_std']:9.3g}   {s[11]['saturated']:.2f}")

# %% [markdown]
# What the figure shows:
#
# - **$N(0,1)$** puts tanh and sigmoid units into saturation from the first layer on (the spread of $z$ is about
#   $\sqrt{128} \approx 11$). With ReLU nothing caps the growth: the spread multiplies by about $\sqrt{128/2} = 8$
#   per layer, to about $10^{11}$ after 12 layers.
# - **$N(0, 0.01/m)$** avoids saturation but overdoes it: each layer scales the spread by about $\sqrt{0.01} = 0.1$
#   (tanh is almost the identity near 0), so after 12 layers the signal is about $10^{-12}$ of what went in. The
#   notes' quick fix works for one layer, not for a deep stack. (For the sigmoid the spread levels off at about
#   0.05 instead, because sigmoid outputs sit near 0.5 and give every unit a fixed offset $0.5\sum_i w_i$; the
#   part of $z$ that depends on the input shrinks tenfold per layer all the same.)
# - **LeCun and Glorot** (the same thing for square layers) keep tanh units out of saturation, and the spread
#   changes slowly instead of by a constant factor per layer. It does drift down, to about 0.2 after 12 layers:
#   $|\tanh z| < |z|$, so each tanh layer passes on a little less variance than it receives, and variance $1/m$
#   has no margin to make up for it. For the sigmoid they keep $z$ in the working range. With ReLU they lose a
#   factor $\sqrt2$ per layer, as computed in section 4 (about $1/64$ after 12 layers).
# - **He** keeps the ReLU signal's spread of the same order from layer to layer: neither a constant factor down nor
#   up per layer. On average it would stay at $\sqrt 2$ (the first layer gets standard normal inputs, later layers
#   get ReLU outputs); one random network wanders around that value by tens of percent, because each random
#   layer multiplies in its own fluctuation (the table's He rows). About half the ReLU units are "saturated" (output 0) for any initialisation, which is
#   just what ReLU does to a symmetric input, not a sign of trouble.

# %% [markdown]
# ### The same story in histograms
#
# The pre-activations of a 12-layer tanh network at layers 1, 6 and 12 for three schemes. Every histogram is
# drawn on the same axis $[-6, 6]$, with values outside clipped to its ends, so the bars at the edges collect
# everything beyond; the shaded bands are the saturated region $|z| > 2.178$.

# %%
hist_schemes = ("N(0, 1)", "N(0, 0.01/m)", "Glorot normal")
hist_layers = (1, 6, 12)
fig, axes = plt.subplots(len(hist_schemes), len(hist_layers), figsize=(11, 7.5), sharex=True)
edge = SATURATION_EDGE["tanh"]
for row, scheme in enumerate(hist_schemes):
    Zs = preactivations(X_deep, make_stack(DEPTH, WIDTH, scheme, rng), "tanh")
    for col, layer in enumerate(hist_layers):
        ax = axes[row, col]
        Z_l = Zs[layer - 1]
        ax.axvspan(-6, -edge, color="0.85")
        ax.axvspan(edge, 6, color="0.85")
        ax.hist(np.clip(Z_l.ravel(), -6, 6), bins=61, range=(-6, 6), color="0.3")
        ax.set_title(f"{scheme}, layer {layer}\nstd of z = {Z_l.std():.2g}", fontsize=9)
        ax.set_yticks([])
        if row == len(hist_schemes) - 1:
            ax.set_xlabel("pre-activation $z$ (clipped to [-6, 6])")
        if col == 0:
            ax.set_ylabel("count")
fig.suptitle("Pre-activations of a 12-layer tanh network (shaded: saturated, $|z| > 2.18$)")
fig.tight_layout()
plt.show()

# %% [markdown]
# **Question (2 points).** (a) From the two figures: which initialiser would you use for a deep tanh network, and
# which for a deep ReLU network? Explain with the variance argument, not only "the curve is flat". (b) A new
# activation, the leaky ReLU $g(z) = z$ for $z \ge 0$ and $\alpha z$ for $z < 0$ (notebook 02), is used in a deep
# network. Which variance of the weights keeps the second moment of the signal the same from layer to layer?
# Derive it as He did for ReLU, and check your answer at $\alpha = 0$ and $\alpha = 1$.

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_choose_initialiser", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# *Model answer.* (a) tanh: Glorot (or LeCun; equal for square layers). tanh has slope 1 at 0, so near the
# origin a layer multiplies the variance by $\text{fan\_in}\,\sigma^2$; variance $1/\text{fan\_in}$ (LeCun) makes
# that 1, and Glorot's $2/(\text{fan\_in}+\text{fan\_out})$ also keeps the backward pass balanced when widths change.
# ReLU: He, $N(0, 2/\text{fan\_in})$, because a ReLU passes on only half of the second moment
# ($E[\max(0,z)^2] = \frac12 E[z^2]$ for $z$ symmetric about 0), so the variance must be doubled to make each
# layer's factor 1; with LeCun or Glorot the signal shrinks by $\sqrt2$ per layer.
#
# (b) For $z$ symmetric about 0, half of the second moment comes from $z \ge 0$, passed on unchanged, and half from
# $z < 0$, multiplied by $\alpha^2$: $E[g(z)^2] = \frac{1 + \alpha^2}{2} E[z^2]$. The next pre-activation has
# $E[z'^2] = \text{fan\_in}\,\sigma^2\, E[g(z)^2]$, so the factor per layer is 1 when
# $\sigma^2 = \frac{2}{(1 + \alpha^2)\,\text{fan\_in}}$. At $\alpha = 0$ (ReLU) this is He's $2/\text{fan\_in}$; at $\alpha = 1$
# (a linear unit) it is LeCun's $1/\text{fan\_in}$, right for a layer that passes everything on.
#
# Grading: 1 point for (a) with the variance argument for both activations; 1 for (b): the factor
# $(1+\alpha^2)/2$, the variance $2/((1+\alpha^2)\,\text{fan\_in})$ and both checks.

# %% [markdown]
# ### Explore: depth, width, activation and scheme
#
# Pick a network and an initialiser; the plots show the spread of the pre-activations and of the activations per
# layer, and the fraction of saturated units. Things to try: tanh with $N(0, 1)$ at width 16 and at width 512;
# ReLU with LeCun against He at depth 30; the sigmoid with Glorot (why is its spread not 1?).

# %% tags=["nbval-ignore-output"]
def explore(depth=12, width=128, activation="tanh", scheme="N(0, 1)"):
    """Draw the per-layer statistics of one network at initialisation."""
    g = np.random.default_rng(SEED)  # the same draw for the same choices
    stats = activation_stats(g.standard_normal((200, width)), make_stack(depth, width, scheme, g), activation)
    ls = np.arange(1, depth + 1)
    fig, (ax_std, ax_sat) = plt.subplots(1, 2, figsize=(12, 4))
    ax_std.semilogy(ls, [d["z_std"] for d in stats], "-o", label="std of pre-activations $Z^l$")
    ax_std.semilogy(ls, [max(d["std"], 1e-300) for d in stats], "--s", label="std of activations $A^l$")
    ax_std.axhline(1.0, color="0.6", linewidth=1, zorder=0)
    ax_std.set(title=f"{activation}, {scheme}: spread per layer", xlabel="layer $l$", ylabel="standard deviation (log)")
    ax_std.legend()
    ax_sat.plot(ls, [d["saturated"] for d in stats], "-^", color="k")
    ax_sat.set(title="Saturated units per layer", xlabel="layer $l$", ylabel="fraction saturated", ylim=(-0.03, 1.03))
    fig.tight_layout()
    plt.show()


widgets.interact(
    explore,
    depth=widgets.IntSlider(value=12, min=2, max=30, description="depth", continuous_update=False),
    width=widgets.IntSlider(value=128, min=16, max=512, step=16, description="width", continuous_update=False),
    activation=widgets.Dropdown(options=["tanh", "sigmoid", "relu", "linear"], value="tanh", description="activation"),
    scheme=widgets.Dropdown(options=list(SCHEMES), value="N(0, 1)", description="scheme"),
);

# %% [markdown]
# ## Summary
#
# - Constant initialisation keeps the units of a layer identical for ever: they get identical gradients. Any
#   random initialisation breaks the symmetry; the question is only the scale.
# - For $z = \sum_{i=1}^m w_i x_i$ with independent zero-mean weights, $\operatorname{Var}[z] = m\,\sigma^2\,E[x^2]$.
#   With $\sigma^2 = 1$ the pre-activations grow like $\sqrt m$ and sigmoid or tanh units saturate.
# - $\sigma^2 = 1/m$ (LeCun, the notes' $\text{Gaussian}(0, 1/m)$; the notes' wording "standard deviation $1/m$" is a
#   slip) keeps the scale in the forward pass; Glorot's $2/(\text{fan\_in}+\text{fan\_out})$ balances the forward and
#   backward passes; He's $2/\text{fan\_in}$ compensates for ReLU halving the second moment.
# - Random initialisers are tested by their statistics (moments, Kolmogorov–Smirnov distance, bounds, seeds),
#   never by exact values.
# - In a deep network a per-layer factor slightly off 1 compounds: check the signal with a diagnostic such as
#   `activation_stats` before training. Notebook 07 meets batch normalisation, which fixes the scale during
#   training as well.
