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
# # 06 · Optimizers: running averages, mini-batches, momentum, adadelta and Adam
#
# Plain gradient descent has one knob, the step size $\eta$, and one step size rarely fits every
# weight or every stage of training. This notebook builds the tools that modern optimizers are made
# of (running averages and mini-batches), then the update rules themselves, and races them on two
# classic test landscapes and on a small network that reads handwritten digits.
#
# After this notebook you will be able to
#
# - compute a moving average and the exact running mean with one recursion, and explain why an
#   average started at 0 is too small at first and how dividing by $1-\gamma^t$ repairs it;
# - cut a data set into shuffled mini-batches and say what the extreme batch sizes $k = 1$ and $k = n$ are;
# - write SGD, momentum (in either of the notes' two forms), adadelta as the notes define it, and Adam
#   with its bias correction, all as pure functions of the weights, the gradient and an explicit state;
# - read optimizer paths on contour plots and loss curves, and tell which method suits which landscape.
#
# **Points:** seven exercises worth 13 points (autograded) and three written questions worth 5 points
# (graded by hand). Lecture material: notes 003, section 7 ("Optimizing neural network parameters").

# %% [markdown]
# ## Conventions
#
# * Every update rule is a **pure function**: it receives the weights `w`, the gradient `dw` of the loss
#   at `w` and the optimizer's **state** (momentum's velocity, Adam's two averages), and it *returns* new
#   weights and the new state as new arrays. It never changes the arrays it is given. The caller keeps
#   the state and passes it back on the next call:
#
#   ```python
#   v = np.zeros_like(w)                      # every state starts at zero
#   for t in range(1, n_steps + 1):           # t counts updates from 1
#       w, v = momentum_step(w, grad(w), v, lr=0.01, gamma=0.9)
#   ```
#
# * `w` may have any shape (a weight matrix, a bias vector, or a point in the plane); the state has
#   `w`'s shape, and all operations are elementwise.
# * Losses are means over the batch, so a mini-batch gradient is an *average* of per-example gradients.
# * float64 throughout; randomness only through an explicit `rng` (a `numpy.random.Generator`).
#
# The notes write $\nabla_W J(W_{t-1})$ for the gradient used in update $t$; below it is $g_t$ (`dw` in code).

# %%
import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from coursekit.checks import assert_close, assert_shape, call, diagnose, needs
from coursekit.landscapes import (
    ill_conditioned_quadratic,
    plot_losses,
    plot_paths,
    rosenbrock,
    rosenbrock_grad,
    run_optimizer,
)
from coursekit.optim import digits_dataset, momentum_step_ema
from coursekit.plotting import plot_curves
from coursekit.progress import GRADING, progress
from coursekit.training import train_mlp

SEED = 0
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## 1. Running averages
#
# Given a sequence $a_1, a_2, \dots$, a **running average** keeps one number $A_t$ up to date with the
# recursion
#
# $$A_0 = 0, \qquad A_t = \gamma_t\,A_{t-1} + (1-\gamma_t)\,a_t .$$
#
# With a constant $\gamma_t = \gamma$ it is an (exponential) **moving average**. Unrolling the recursion,
#
# $$A_T = \sum_{t=1}^{T} (1-\gamma)\,\gamma^{T-t}\,a_t :$$
#
# every new term enters with weight $1-\gamma$, and each step multiplies all older weights by $\gamma$.
# The average therefore "remembers" roughly the last $1/(1-\gamma)$ terms: about 2 for $\gamma = 0.5$,
# 10 for $\gamma = 0.9$, 100 for $\gamma = 0.99$.
#
# **The price of starting at 0.** The weights above add up to $(1-\gamma)(1 + \gamma + \dots + \gamma^{T-1}) = 1-\gamma^T$,
# not to 1; the missing $\gamma^T$ sits on $A_0 = 0$. For a constant sequence $a_t = c$ the average is
# $A_t = c\,(1-\gamma^t)$, which with $\gamma = 0.9$ is only $0.1\,c$ after one step and still $0.65\,c$ after
# ten. Dividing by the sum of the weights removes this **bias**:
#
# $$\hat A_t = \frac{A_t}{1-\gamma^t} .$$
#
# This is exactly the correction Adam applies (section 3).

# %% [markdown]
# ### Exercise 1: `moving_average` (2 points)
#
# Write `moving_average(a, gamma)` that returns the whole sequence $A_1, \dots, A_T$ (not $A_0$) for the
# sequence `a` of length $T$ along axis 0, with $A_0 = 0$. Each $a_t$ may itself be an array (then `a`
# has shape `(T, ...)` and so does the result). Do not modify `a`.

# %% nbgrader={"grade": false, "grade_id": "moving_average", "locked": false, "schema_version": 3, "solution": true, "task": false}
def moving_average(a, gamma):
    """Exponential moving average started at zero: A_0 = 0, A_t = gamma*A_{t-1} + (1-gamma)*a_t.

    Parameters
    ----------
    a : ndarray, shape (T,) or (T, ...)
        The sequence a_1, ..., a_T along axis 0.
    gamma : float
        The decay, 0 <= gamma < 1.

    Returns
    -------
    ndarray, shape of ``a``
        A_1, ..., A_T: entry t-1 is A_t.
    """
    ### BEGIN SOLUTION
    a = np.asarray(a, dtype=float)
    out = np.empty_like(a)
    A = np.zeros(a.shape[1:])
    for t in range(a.shape[0]):
        A = gamma * A + (1.0 - gamma) * a[t]
        out[t] = A
    return out
    ### END SOLUTION


# %%
# Try it: with gamma = 0.5 the sequence [1, 2, 3] should give [0.5, 1.25, 2.125].
print(moving_average(np.array([1.0, 2.0, 3.0]), 0.5))

# %% nbgrader={"grade": true, "grade_id": "test_moving_average", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check moving_average on a hand-computed sequence, on a constant sequence (the zero-start bias) and for gamma = 0."""
diagnose("moving_average", moving_average)
ma_out = call(moving_average, np.array([1.0, 2.0, 3.0]), 0.5, what="moving_average([1, 2, 3], 0.5)")
assert_shape(ma_out, (3,), what="moving_average([1, 2, 3], 0.5)")
# A1 = 0.5*0 + 0.5*1 = 0.5, A2 = 0.5*0.5 + 0.5*2 = 1.25, A3 = 0.5*1.25 + 0.5*3 = 2.125
assert_close(ma_out, [0.5, 1.25, 2.125], what="moving_average([1, 2, 3], 0.5)",
             hint="Start from A_0 = 0 and return every A_t, t = 1..T (not A_0, not only the last).")
assert_close(call(moving_average, np.full(5, 2.0), 0.9, what="moving_average(2 * ones(5), 0.9)"),
             2.0 * (1.0 - 0.9 ** np.arange(1, 6)), what="moving_average of the constant 2 with gamma = 0.9",
             hint="A_t = gamma*A_{t-1} + (1-gamma)*a_t from A_0 = 0 gives 2*(1 - 0.9**t): it starts near 0, "
                  "not at a_1. Check also which term gets gamma and which gets 1 - gamma.")
assert_close(call(moving_average, np.array([4.0, -1.0]), 0.0, what="moving_average([4, -1], 0.0)"), [4.0, -1.0],
             what="moving_average with gamma = 0 (no memory: A_t = a_t)")
### BEGIN HIDDEN TESTS
from coursekit.optim import moving_average as _ref_moving_average

_rng = np.random.default_rng(1601)
_a = _rng.standard_normal(40)
_saved = _a.copy()
_g = 0.73
_out = call(moving_average, _a, _g, what="moving_average of 40 random numbers")
assert np.array_equal(_a, _saved), "moving_average must not modify its input a"
assert_shape(_out, (40,), what="moving_average of 40 random numbers")
# every A_t from the unrolled sum: A_t = sum_{s <= t} (1 - g) g^(t - s) a_s
_W = np.tril((1 - _g) * _g ** np.subtract.outer(np.arange(40), np.arange(40)).clip(0))
assert_close(_out, _W @ _a, rtol=1e-9, atol=1e-12, what="moving_average of 40 random numbers (gamma = 0.73)")
assert_close(_out, _ref_moving_average(_a, _g), rtol=1e-9, atol=1e-12, what="moving_average (gamma = 0.73)")
# array-valued terms: a of shape (T, 3, 2)
_a3 = _rng.standard_normal((12, 3, 2))
_out3 = call(moving_average, _a3, 0.8, what="moving_average of a sequence of 3x2 arrays")
assert_shape(_out3, (12, 3, 2), what="moving_average of a of shape (12, 3, 2)")
assert_close(_out3[-1], np.tensordot(0.2 * 0.8 ** np.arange(11, -1, -1), _a3, axes=1), rtol=1e-9, atol=1e-12,
             what="moving_average of a sequence of 3x2 arrays, last entry")
# a single term, and a long constant sequence with a long memory
assert_close(call(moving_average, np.array([5.0]), 0.9, what="moving_average([5], 0.9)"), [0.5],
             what="moving_average([5], 0.9)")
_long = call(moving_average, np.full(500, -3.0), 0.99, what="moving_average of a constant, gamma = 0.99")
assert_close(_long, -3.0 * (1 - 0.99 ** np.arange(1, 501)), rtol=1e-9, what="moving_average(-3 * ones(500), 0.99)")
### END HIDDEN TESTS

# %% [markdown]
# ### What $\gamma$ does, and what the correction does
#
# A noisy signal (a slow sine plus noise) averaged with three decays. Larger $\gamma$ smooths more but
# lags further behind the signal, and its uncorrected average (dashed) needs a long time to climb away
# from the zero start. The corrected $\hat A_t = A_t/(1-\gamma^t)$ (solid) is right from the first step.

# %%
T_demo = 150
steps_demo = np.arange(1, T_demo + 1)
signal = 1.0 + np.sin(steps_demo / 20.0)
noisy = signal + 0.4 * rng.standard_normal(T_demo)

fig, ax = plt.subplots(figsize=(10, 4.5))
ax.plot(steps_demo, noisy, ".", color="0.7", markersize=4, label="data $a_t$ (signal + noise)")
ax.plot(steps_demo, signal, color="k", linewidth=1, label="the signal without noise")
for gamma_demo, marker in ((0.5, "o"), (0.9, "^"), (0.98, "s")):
    A = moving_average(noisy, gamma_demo)
    line = ax.plot(steps_demo, A / (1 - gamma_demo**steps_demo), marker=marker, markevery=15, markersize=5,
                   label=f"$\\hat A_t$, $\\gamma$ = {gamma_demo} (corrected)")[0]
    ax.plot(steps_demo, A, linestyle="--", color=line.get_color(), marker=marker, markevery=15, markersize=5,
            markerfacecolor="white", label=f"$A_t$, $\\gamma$ = {gamma_demo} (from 0)")
ax.set_title("Moving averages of a noisy signal: more memory = smoother but later")
ax.set_xlabel("step $t$")
ax.set_ylabel("value")
# the legend goes beside the axes: inside, it would cover curves wherever it sits
ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
fig.tight_layout()
plt.show()

# %% [markdown]
# **Slider.** Choose $\gamma$ and watch the trade-off between noise and lag, and the gap between the
# uncorrected and corrected averages at the start.

# %% tags=["nbval-ignore-output"]
def draw_moving_average(gamma=0.9):
    """The noisy signal above with its moving average (uncorrected and corrected) for one gamma."""
    A = moving_average(noisy, gamma)
    plt.figure(figsize=(9, 4))
    plot_curves(steps_demo, {"data $a_t$": noisy, f"$A_t$ (from 0), $\\gamma$ = {gamma:.2f}": A,
                             "corrected $A_t / (1-\\gamma^t)$": A / (1 - gamma**steps_demo)},
                title=f"Moving average with $\\gamma$ = {gamma:.2f}: memory of about {1 / (1 - gamma):.0f} steps",
                xlabel="step $t$", ylabel="value")
    plt.ylim(-1.0, 3.2)
    plt.show()


widgets.interact(draw_moving_average, gamma=widgets.FloatSlider(value=0.9, min=0.0, max=0.99, step=0.01,
                                                                description="gamma"));

# %% [markdown]
# ### The exact average as a running average
#
# Now let $\gamma_t$ change with $t$: $\gamma_t = (t-1)/t$, so that $1-\gamma_t = 1/t$. Then
#
# $$A_t = \frac{t-1}{t}A_{t-1} + \frac{1}{t}\,a_t$$
#
# is the plain mean $\frac1t\sum_{s=1}^t a_s$ of everything seen so far. (Induction: if $A_{t-1}$ is the mean of
# $t-1$ numbers, then $(t-1)A_{t-1}$ is their sum; add $a_t$ and divide by $t$.) Note that $\gamma_1 = 0$: the
# first step throws $A_0$ away completely, which is why this average has no start-up bias.
#
# *A slip in the notes:* they require $\gamma_t \in (0, 1)$ and then choose $\gamma_t = (t-1)/t$, whose first value
# is $\gamma_1 = 0$. The condition should read $\gamma_t \in [0, 1)$; $\gamma_1 = 0$ is exactly what makes the
# average exact. (The notes also print the data as $\alpha_t$ in some formulas; it is the same $a_t$.)

# %% [markdown]
# ### Exercise 2: `running_mean` (1 point)
#
# Write `running_mean(a)` with the recursion above (not with `np.cumsum`; the point is the recursion).
# Same shapes as `moving_average`.

# %% nbgrader={"grade": false, "grade_id": "running_mean", "locked": false, "schema_version": 3, "solution": true, "task": false}
def running_mean(a):
    """Running average with gamma_t = (t-1)/t (t = 1, 2, ...): A_t is the mean of a_1, ..., a_t.

    Parameters
    ----------
    a : ndarray, shape (T,) or (T, ...)
        The sequence along axis 0.

    Returns
    -------
    ndarray, shape of ``a``
        Entry t-1 is the mean of a_1, ..., a_t.
    """
    ### BEGIN SOLUTION
    a = np.asarray(a, dtype=float)
    out = np.empty_like(a)
    A = np.zeros(a.shape[1:])
    for t in range(1, a.shape[0] + 1):
        gamma_t = (t - 1) / t
        A = gamma_t * A + (1.0 - gamma_t) * a[t - 1]
        out[t - 1] = A
    return out
    ### END SOLUTION


# %%
# Try it: the running means of [2, 4, 9] are [2, 3, 5].
print(running_mean(np.array([2.0, 4.0, 9.0])))

# %% nbgrader={"grade": true, "grade_id": "test_running_mean", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Check running_mean against hand-computed means."""
diagnose("running_mean", running_mean)
rm_out = call(running_mean, np.array([2.0, 4.0, 9.0]), what="running_mean([2, 4, 9])")
assert_shape(rm_out, (3,), what="running_mean([2, 4, 9])")
assert_close(rm_out, [2.0, 3.0, 5.0], what="running_mean([2, 4, 9])",
             hint="The means of [2], [2, 4], [2, 4, 9]. With t counted from 1, gamma_t = (t-1)/t, so gamma_1 = 0.")
assert_close(call(running_mean, np.full(4, 7.0), what="running_mean(7 * ones(4))"), np.full(4, 7.0),
             what="running_mean of a constant sequence (no start-up bias)")
### BEGIN HIDDEN TESTS
from coursekit.optim import running_mean as _ref_running_mean

_rng = np.random.default_rng(1602)
_a = _rng.standard_normal(300) + 5.0
_saved = _a.copy()
_out = call(running_mean, _a, what="running_mean of 300 random numbers")
assert_close(_out, np.cumsum(_a) / np.arange(1, 301), rtol=1e-9, what="running_mean of 300 random numbers")
assert_close(_out, _ref_running_mean(_a), rtol=1e-9, what="running_mean of 300 random numbers")
assert np.array_equal(_a, _saved), "running_mean must not modify its input a"
_a2 = _rng.standard_normal((9, 4))
assert_close(call(running_mean, _a2, what="running_mean of a (9, 4) array"),
             np.cumsum(_a2, axis=0) / np.arange(1, 10)[:, None], rtol=1e-9, atol=1e-12,
             what="running_mean of a (9, 4) array (means along axis 0)")
assert_close(call(running_mean, np.array([-2.5]), what="running_mean([-2.5])"), [-2.5], what="running_mean([-2.5])")
### END HIDDEN TESTS

# %% [markdown]
# ## 2. Mini-batches
#
# The training objective of the notes is a sum over the $n$ examples, $J(W) = \sum_i \mathcal L(h(x^{(i)}; W), y^{(i)})$.
#
# * **Batch** gradient descent steps along the gradient of the whole sum: exact direction, but all $n$
#   examples must be processed before a single step.
# * **Stochastic** gradient descent steps after each single example picked at random: it moves at once,
#   but each direction is noisy.
# * **Mini-batch** gradient descent sits in between: it steps along the gradient of $k$ distinct examples.
#
# The practical recipe (the notes' MINI-BATCH-SGD) shuffles the indices once per **epoch** and cuts them into
# consecutive pieces `perm[0:k]`, `perm[k:2k]`, .... That gives $\lceil n/k \rceil$ batches; when $k$ does not divide
# $n$, one of them is smaller. Every example is used exactly once per epoch.
#
# *A difference in convention.* The notes' mini-batch update *sums* the $k$ gradients. Our losses are *means*
# (the course's convention), so a mini-batch gradient is the *average* over the batch. With a sum, the size of a
# step grows with $k$ and the step size would have to be retuned whenever $k$ changes; with the mean, $\eta$ keeps
# its meaning across batch sizes. The two differ only by the factor $k$ absorbed into $\eta$.

# %% [markdown]
# ### Exercise 3: `minibatch_indices` (2 points)
#
# Write `minibatch_indices(n, k, rng)` that shuffles `0, ..., n-1` with the generator `rng` (for example
# `rng.permutation(n)`) and returns the list of $\lceil n/k \rceil$ index arrays. Use only `rng` for randomness
# (never `np.random.shuffle` or `np.random.permutation`, which use a hidden global state): the same seed
# must give the same batches.

# %% nbgrader={"grade": false, "grade_id": "minibatch_indices", "locked": false, "schema_version": 3, "solution": true, "task": false}
def minibatch_indices(n, k, rng):
    """Shuffle the indices 0..n-1 with rng and cut them into ceil(n/k) batches of size k (the last may be smaller).

    Parameters
    ----------
    n : int
        Number of examples, n >= 1.
    k : int
        Batch size, k >= 1.
    rng : numpy.random.Generator
        Source of the shuffle.

    Returns
    -------
    list of ndarray of int
        ceil(n/k) index arrays that together contain each of 0, ..., n-1 exactly once.
    """
    ### BEGIN SOLUTION
    perm = rng.permutation(n)
    n_batches = -(-n // k)  # ceil(n / k) in integer arithmetic
    return [perm[i * k:(i + 1) * k] for i in range(n_batches)]
    ### END SOLUTION


# %%
# Try it: 10 examples in batches of 3 give 4 batches (3 + 3 + 3 + 1), together a permutation of 0..9.
for batch in minibatch_indices(10, 3, np.random.default_rng(42)):
    print(batch)

# %% nbgrader={"grade": true, "grade_id": "test_minibatch_indices", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check minibatch_indices: number and sizes of the batches, every index exactly once, shuffled with rng only."""
diagnose("minibatch_indices", minibatch_indices)


def _check_batches(batches, n, k, what):
    """Any valid split: ceil(n/k) integer batches, all of size k but one remainder, covering 0..n-1 once."""
    assert isinstance(batches, list | tuple), f"{what} should return a list of index arrays, got {type(batches).__name__}"
    n_expected = -(-n // k)
    assert len(batches) == n_expected, (
        f"{what} should return ceil({n}/{k}) = {n_expected} batches, got {len(batches)}. "
        f"Keep the smaller last batch when k does not divide n, and add no empty batch.")
    arrays = [np.asarray(b) for b in batches]
    for b in arrays:
        assert b.ndim == 1 and b.size > 0 and np.issubdtype(b.dtype, np.integer), (
            f"{what}: every batch should be a non-empty 1-D array of integer indices, got {b!r}")
    sizes = sorted(b.size for b in arrays)
    expected_sizes = sorted([k] * (n // k) + ([n % k] if n % k else []))
    assert sizes == expected_sizes, f"{what}: batch sizes should be {expected_sizes} (in some order), got {sizes}"
    together = np.sort(np.concatenate(arrays))
    assert np.array_equal(together, np.arange(n)), (
        f"{what}: the batches together should contain each of 0..{n - 1} exactly once; an index is missing "
        f"or repeated (sampling with replacement?)")
    return arrays


mb = _check_batches(call(minibatch_indices, 10, 3, np.random.default_rng(0), what="minibatch_indices(10, 3, rng)"),
                    10, 3, "minibatch_indices(10, 3, rng)")
mb_a = call(minibatch_indices, 50, 50, np.random.default_rng(7), what="minibatch_indices(50, 50, rng)")
mb_b = call(minibatch_indices, 50, 50, np.random.default_rng(7), what="minibatch_indices(50, 50, rng)")
_check_batches(mb_a, 50, 50, "minibatch_indices(50, 50, rng)")
assert not np.array_equal(np.asarray(mb_a[0]), np.arange(50)), (
    "minibatch_indices(50, 50, rng) returned 0, 1, ..., 49 in order: shuffle the indices first (rng.permutation(n)).")
assert np.array_equal(np.asarray(mb_a[0]), np.asarray(mb_b[0])), (
    "Two generators with the same seed gave different batches: shuffle with the rng argument, not np.random.")
### BEGIN HIDDEN TESTS
for _n, _k in ((1, 1), (7, 7), (7, 100), (100, 1), (101, 10), (64, 8), (1000, 33)):
    _bs = _check_batches(call(minibatch_indices, _n, _k, np.random.default_rng(_n * 1000 + _k),
                              what=f"minibatch_indices({_n}, {_k}, rng)"), _n, _k, f"minibatch_indices({_n}, {_k}, rng)")
# k = 1 is SGD (n batches of one), k >= n is a single batch with everything
assert len(call(minibatch_indices, 100, 1, np.random.default_rng(3), what="minibatch_indices(100, 1, rng)")) == 100
# different seeds, and successive epochs drawn from one generator, give different orders
_x = np.concatenate(call(minibatch_indices, 200, 16, np.random.default_rng(11), what="minibatch_indices(200, 16, rng)"))
_y = np.concatenate(call(minibatch_indices, 200, 16, np.random.default_rng(12), what="minibatch_indices(200, 16, rng)"))
assert not np.array_equal(_x, _y), "minibatch_indices gave the same order for two different seeds"
_r = np.random.default_rng(5)
_e1 = np.concatenate(call(minibatch_indices, 200, 16, _r, what="minibatch_indices, epoch 1"))
_e2 = np.concatenate(call(minibatch_indices, 200, 16, _r, what="minibatch_indices, epoch 2"))
assert not np.array_equal(_e1, _e2), "two epochs drawn from the same generator should be shuffled differently"
_r1, _r2 = np.random.default_rng(99), np.random.default_rng(99)
for _ in range(3):
    _p = call(minibatch_indices, 30, 4, _r1, what="minibatch_indices(30, 4, rng)")
    _q = call(minibatch_indices, 30, 4, _r2, what="minibatch_indices(30, 4, rng)")
    assert all(np.array_equal(np.asarray(u), np.asarray(v)) for u, v in zip(_p, _q)), (
        "minibatch_indices must draw its shuffle from rng only (equal seeds, equal batches)")
# every index gets to be in the first batch: the shuffle is not a fixed pattern
_r = np.random.default_rng(2024)
_first = set()
for _ in range(200):
    _first.update(np.asarray(call(minibatch_indices, 6, 2, _r, what="minibatch_indices(6, 2, rng)")[0]).tolist())
assert _first == set(range(6)), f"over 200 shuffles only {sorted(_first)} ever appeared in the first batch"
### END HIDDEN TESTS

# %% [markdown]
# ### How noisy is a mini-batch gradient?
#
# Take a small least-squares problem (200 examples, 3 weights) and fix the weights. Each example $i$ has
# its own gradient $g_i$; the full-batch gradient is their mean $\bar g$. A mini-batch of $k$ examples drawn
# without replacement estimates $\bar g$ by the mean of its $g_i$, and sampling theory gives the mean squared
# error of that estimate:
#
# $$\mathbb E\,\big\|g_{\text{batch}} - \bar g\big\|^2 = \frac{\sigma^2}{k}\cdot\frac{n-k}{n-1},
# \qquad \sigma^2 = \frac1n\sum_{i=1}^n \|g_i - \bar g\|^2 .$$
#
# The first factor is the familiar $1/k$; the second (the "finite-population correction") pulls the error to
# exactly 0 at $k = n$, where the batch is the whole data set. Below, batches from your `minibatch_indices`
# (full batches only) are compared with this formula.

# %%
n_reg, d_reg = 200, 3
X_reg = rng.standard_normal((n_reg, d_reg))
y_reg = X_reg @ np.array([1.0, -2.0, 0.5]) + 0.5 * rng.standard_normal(n_reg)
w_fixed = np.zeros(d_reg)
per_example = (X_reg @ w_fixed - y_reg)[:, None] * X_reg  # gradient of 0.5*(x.w - y)^2 for each example, (n, d)
g_full = per_example.mean(axis=0)
sigma2 = np.mean(np.sum((per_example - g_full) ** 2, axis=1))

ks = np.array([1, 2, 4, 8, 16, 32, 64, 100, 150])
measured = []
for k in ks:
    errors = []
    while len(errors) < 400:  # about 400 batches of size k, epoch after epoch
        errors += [np.sum((per_example[b].mean(axis=0) - g_full) ** 2)
                   for b in minibatch_indices(n_reg, int(k), rng) if len(b) == k]
    measured.append(np.mean(errors))
predicted = sigma2 / ks * (n_reg - ks) / (n_reg - 1)

fig, ax = plt.subplots(figsize=(7, 4.5))
ax.loglog(ks, measured, "o", markersize=7, label="measured (mean over about 400 batches)")
ax.loglog(ks, predicted, "k--", label="$\\frac{\\sigma^2}{k}\\,\\frac{n-k}{n-1}$")
ax.loglog(ks, sigma2 / ks, ":", color="0.5", label="$\\sigma^2 / k$ (sampling with replacement)")
ax.set_title(f"Mean squared error of a mini-batch gradient, n = {n_reg}")
ax.set_xlabel("batch size $k$")
ax.set_ylabel("$\\|g_{batch} - \\bar g\\|^2$")
ax.legend()
plt.show()
whole = minibatch_indices(n_reg, n_reg, rng)
print(f"k = n: {len(whole)} batch per epoch, error below 1e-20:",
      bool(np.sum((per_example[whole[0]].mean(axis=0) - g_full) ** 2) < 1e-20))
print(f"k = 1: {len(minibatch_indices(n_reg, 1, rng))} updates per epoch, mean error {measured[0]:.2f}")

# %% [markdown]
# **Question (1 point).** For which batch size $k$ is mini-batch gradient descent the same as stochastic gradient
# descent, and for which is it batch gradient descent? For both extremes, say how many updates one epoch makes
# and how noisy each update's direction is (use the figure).

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_minibatch_extremes", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# *Model answer.* $k = 1$ is stochastic gradient descent: each batch is a single example, so an epoch makes $n$
# updates (here 200), each along one example's gradient, the noisiest possible direction (error
# $\sigma^2 \cdot (n-1)/(n-1) = \sigma^2$, the left end of the plot). With shuffling it is SGD *without replacement*:
# every example once per epoch, in random order. $k = n$ (or any $k \ge n$) is batch gradient descent: one batch
# holding everything, one update per epoch, along the exact gradient (the correction factor $(n-k)/(n-1)$ is 0, and
# the printed error is 0 up to rounding). Mini-batches in between trade more updates per epoch for noisier ones;
# the noise falls roughly like $1/k$. Grading: 1/2 point for each extreme with its count of updates and its noise.

# %% [markdown]
# ## 3. Update rules
#
# ### 3.1 Gradient descent
#
# The baseline: $W_t = W_{t-1} - \eta\, g_t$. Everything that follows changes either the direction
# (momentum averages recent gradients) or the size of the step per weight (adadelta, Adam).

# %% [markdown]
# ### Exercise 4: `sgd_step` (1 point)
#
# Return the new weights as a new array: do not write `w -= ...`, which would change the caller's array.

# %% nbgrader={"grade": false, "grade_id": "sgd_step", "locked": false, "schema_version": 3, "solution": true, "task": false}
def sgd_step(w, dw, lr):
    """One step of gradient descent: w_new = w - lr * dw.

    Parameters
    ----------
    w : ndarray, any shape
        Current weights.
    dw : ndarray, shape of ``w``
        Gradient of the loss at ``w``.
    lr : float
        Step size (learning rate) > 0.

    Returns
    -------
    ndarray, shape of ``w``
        The new weights (a new array; ``w`` is unchanged).
    """
    ### BEGIN SOLUTION
    return w - lr * dw
    ### END SOLUTION


# %%
# Try it: should print [0.95 -2.05  3.1 ]
print(sgd_step(np.array([1.0, -2.0, 3.0]), np.array([0.5, 0.5, -1.0]), 0.1))

# %% nbgrader={"grade": true, "grade_id": "test_sgd_step", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Check sgd_step on a hand-computed step, and that it leaves its arguments unchanged."""
diagnose("sgd_step", sgd_step)
sgd_w, sgd_dw = np.array([1.0, -2.0, 3.0]), np.array([0.5, 0.5, -1.0])
sgd_out = call(sgd_step, sgd_w, sgd_dw, 0.1, what="sgd_step(w, dw, 0.1)")
assert_close(sgd_out, [0.95, -2.05, 3.1], what="sgd_step([1, -2, 3], [0.5, 0.5, -1], 0.1)",
             hint="Step against the gradient: w - lr * dw.")
assert np.array_equal(sgd_w, [1.0, -2.0, 3.0]), (
    "sgd_step changed the array w it was given: return w - lr * dw instead of updating w in place (w -= ...).")
### BEGIN HIDDEN TESTS
from coursekit.optim import sgd_step as _ref_sgd_step

_rng = np.random.default_rng(1604)
for _shape, _lr in (((3, 4), 0.01), ((1,), 1.0), ((2, 3, 2), 0.37)):
    _w, _g = _rng.standard_normal(_shape), _rng.standard_normal(_shape)
    _w0, _g0 = _w.copy(), _g.copy()
    _out = call(sgd_step, _w, _g, _lr, what=f"sgd_step for shape {_shape}")
    assert_shape(_out, _shape, what=f"sgd_step for w of shape {_shape}")
    assert_close(_out, _w0 - _lr * _g0, rtol=1e-12, atol=1e-15, what=f"sgd_step for shape {_shape}, lr = {_lr}")
    assert_close(_out, _ref_sgd_step(_w0, _g0, _lr), rtol=1e-12, atol=1e-15, what=f"sgd_step for shape {_shape}")
    assert np.array_equal(_w, _w0) and np.array_equal(_g, _g0), "sgd_step must not modify w or dw"
    assert not np.shares_memory(_out, _w), "sgd_step must return a new array, not the (modified) input w"
# gradient descent on f(w) = 0.5 * |w|^2 (gradient w) shrinks w by the factor (1 - lr) at every step
_w = np.array([2.0, -4.0])
for _ in range(10):
    _w = call(sgd_step, _w, _w, 0.25, what="sgd_step on f = |w|^2 / 2")
assert_close(_w, np.array([2.0, -4.0]) * 0.75**10, rtol=1e-12, what="10 steps of sgd_step on f = |w|^2 / 2")
### END HIDDEN TESTS

# %% [markdown]
# ### 3.2 Momentum
#
# If successive gradients keep flipping sign in some direction (bouncing between the walls of a valley), we
# would like those components to cancel, while directions in which the gradient keeps its sign should build up
# speed. Momentum does this with a velocity $V$:
#
# $$V_0 = 0, \qquad V_t = \gamma V_{t-1} + \eta\, g_t, \qquad W_t = W_{t-1} - V_t .$$
#
# Unrolled, $V_t = \eta \sum_{s \le t} \gamma^{t-s} g_s$: a weighted sum of all past gradients. A constant gradient $g$
# gives $V_t \to \eta\, g/(1-\gamma)$, ten times the plain step for $\gamma = 0.9$; a gradient that alternates in sign
# gives a sum whose terms cancel, so $|V_t| \to \eta\,|g|/(1+\gamma)$, about half the plain step.
#
# The notes then rewrite the same method as a step along a **moving average** of the gradients:
#
# $$M_0 = 0, \qquad M_t = \gamma M_{t-1} + (1-\gamma)\, g_t, \qquad W_t = W_{t-1} - \eta' M_t .$$
#
# Both recursions are linear and start at 0, so $V_t = \eta\sum_{s\le t}\gamma^{t-s}g_s$ and
# $M_t = (1-\gamma)\sum_{s\le t}\gamma^{t-s}g_s$, hence $V_t = \frac{\eta}{1-\gamma}M_t$. With $\eta' = \eta/(1-\gamma)$,
# i.e. the notes' $\eta = \eta'(1-\gamma)$, the two updates $V_t$ and $\eta' M_t$ are equal at every step.

# %% [markdown]
# ### Exercise 5: `momentum_step` (2 points)
#
# Write one momentum update. `lr` is the $\eta$ of the first form. **Either of the notes' forms is accepted:** keep
# $V$ as the state (first form), or keep $M$ and step by $\frac{\text{lr}}{1-\gamma} M$ (second form, with
# $\eta' = \text{lr}/(1-\gamma)$). The tests start from a zero state and feed back the state your function returns,
# and they check the weights; the state you return may be $V_t$ or $M_t$. What is *not* accepted is the second form
# with `lr` used as $\eta'$: its steps are $1-\gamma$ times too small.

# %% nbgrader={"grade": false, "grade_id": "momentum_step", "locked": false, "schema_version": 3, "solution": true, "task": false}
def momentum_step(w, dw, v, lr, gamma=0.9):
    """One step of gradient descent with momentum: v_new = gamma*v + lr*dw, w_new = w - v_new.

    Parameters
    ----------
    w : ndarray, any shape
        Current weights W_{t-1}.
    dw : ndarray, shape of ``w``
        Gradient g_t at ``w``.
    v : ndarray, shape of ``w``
        The state from the previous call (zeros before the first step).
    lr : float
        Step size eta > 0.
    gamma : float
        Momentum, 0 <= gamma < 1.

    Returns
    -------
    (w_new, v_new) : tuple of ndarray, each of shape of ``w``
        New weights and new state (new arrays; the arguments are unchanged).
    """
    ### BEGIN SOLUTION
    v_new = gamma * v + lr * dw
    return w - v_new, v_new
    ### END SOLUTION


# %%
# Try it: from v = 0, w = [1, 2], dw = [3, -1], lr = 0.1: v_new = [0.3, -0.1] and w_new = [0.7, 2.1].
print(momentum_step(np.array([1.0, 2.0]), np.array([3.0, -1.0]), np.zeros(2), 0.1))

# %% nbgrader={"grade": true, "grade_id": "test_momentum_step", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check two hand-computed momentum steps from a zero state, the returned state, and that the inputs are unchanged."""
diagnose("momentum_step", momentum_step)
mom_w, mom_g1, mom_v = np.array([1.0, 2.0]), np.array([3.0, -1.0]), np.zeros(2)
mom_out = call(momentum_step, mom_w, mom_g1, mom_v, 0.1, 0.5, what="momentum_step(w, dw, zeros, 0.1, 0.5)")
assert isinstance(mom_out, tuple) and len(mom_out) == 2, "momentum_step should return a tuple (w_new, v_new)"
# step 1: V1 = 0.1 * [3, -1] = [0.3, -0.1], W1 = [1, 2] - V1 = [0.7, 2.1]
# The moving-average form with the same lr gives W1 = [1, 2] - 0.1 * 0.5 * [3, -1] = [0.85, 2.05]: say so if that is it.
try:
    mom_ema = np.allclose(np.asarray(mom_out[0], dtype=float), [0.85, 2.05])
except (TypeError, ValueError):
    mom_ema = False
mom_hint = ("this is the step of the moving-average form M = gamma M + (1 - gamma) dw, W = W - lr M with the same lr. "
            "This exercise asks for the notes' form V = gamma V + lr dw, W = W - V (the two agree when the "
            "moving-average form's step size is lr / (1 - gamma))." if mom_ema else
            "V_1 = gamma * 0 + lr * dw, and W_1 = W_0 - V_1.")
assert_close(mom_out[0], [0.7, 2.1], what="first momentum step from v = 0 (lr = 0.1, gamma = 0.5)", hint=mom_hint)
assert np.array_equal(mom_w, [1.0, 2.0]) and np.array_equal(mom_v, [0.0, 0.0]), (
    "momentum_step changed its arguments w or v in place; compute and return new arrays.")
mom_out2 = call(momentum_step, mom_out[0], np.array([1.0, 1.0]), mom_out[1], 0.1, 0.5,
                what="second momentum_step, fed the state the first one returned")
# step 2: V2 = 0.5 * V1 + 0.1 * [1, 1] = [0.25, 0.05], W2 = W1 - V2 = [0.45, 2.05]
assert_close(mom_out2[0], [0.45, 2.05], what="second momentum step (dw = [1, 1])",
             hint="V_2 = gamma * V_1 + lr * dw_2 with V_1 the state returned by the first step; W_2 = W_1 - V_2. "
                  "If you use the moving-average form, remember that lr is the eta of the first form.")
assert np.allclose(mom_out2[1], [0.25, 0.05]) or np.allclose(mom_out2[1], [1.25, 0.25]), (
    f"the state after two steps should be V_2 = [0.25, 0.05] (or M_2 = [1.25, 0.25] in the moving-average form), "
    f"got {mom_out2[1]}")
### BEGIN HIDDEN TESTS
from coursekit.optim import momentum_step as _ref_momentum_step


def _momentum_run(step, w0, grads, lr, gamma=None):
    """Weights after each step from a zero state, feeding back the returned state."""
    _w, _s, _ws = w0.copy(), np.zeros_like(w0), []
    for _gg in grads:
        _args = (_w, _gg, _s, lr) if gamma is None else (_w, _gg, _s, lr, gamma)
        _o = call(step, *_args, what="momentum_step in a run")
        assert isinstance(_o, tuple) and len(_o) == 2, "momentum_step should return a tuple (w_new, v_new)"
        _w, _s = np.asarray(_o[0]), np.asarray(_o[1])
        _ws.append(_w)
    return np.array(_ws), _s


_rng = np.random.default_rng(1605)
_w0, _gs = _rng.standard_normal((3, 2)), _rng.standard_normal((30, 3, 2))
_saved = _gs.copy()
_path, _state = _momentum_run(momentum_step, _w0, _gs, 0.02, 0.9)
_V, _Wx, _exp = np.zeros((3, 2)), _w0.copy(), []
for _gg in _saved:
    _V = 0.9 * _V + 0.02 * _gg
    _Wx = _Wx - _V
    _exp.append(_Wx)
assert_close(_path, np.array(_exp), rtol=1e-9, atol=1e-12, what="30 momentum steps (lr = 0.02, gamma = 0.9)")
assert np.allclose(_state, _V, rtol=1e-9, atol=1e-12) or np.allclose(_state, 0.1 / 0.02 * _V, rtol=1e-9, atol=1e-12), (
    "after 30 steps the state should be V_t (or M_t = (1 - gamma) V_t / lr)")
assert np.array_equal(_gs, _saved), "momentum_step must not modify dw"
assert_close(_path, _momentum_run(_ref_momentum_step, _w0, _saved, 0.02, 0.9)[0], rtol=1e-9, atol=1e-12,
             what="30 momentum steps")
# the default gamma is 0.9
assert_close(_momentum_run(momentum_step, _w0, _saved[:5], 0.05)[0], _momentum_run(_ref_momentum_step, _w0, _saved[:5], 0.05)[0],
             rtol=1e-9, atol=1e-12, what="momentum_step with the default gamma (0.9)")
# gamma = 0 is plain gradient descent
assert_close(_momentum_run(momentum_step, _w0, _saved[:3], 0.3, 0.0)[0][-1], _w0 - 0.3 * _saved[:3].sum(axis=0),
             rtol=1e-9, atol=1e-12, what="momentum_step with gamma = 0 (plain gradient descent)")
# a constant gradient: V_t = lr g (1 - gamma^t) / (1 - gamma), W_T = W_0 - sum_t V_t
_g = np.array([1.0, -2.0, 0.5])
_p, _ = _momentum_run(momentum_step, np.zeros(3), [_g] * 25, 0.1, 0.8)
_vs = 0.1 * (1 - 0.8 ** np.arange(1, 26)) / 0.2
assert_close(_p, -np.cumsum(_vs)[:, None] * _g, rtol=1e-9, what="25 momentum steps with a constant gradient")
# on a quadratic bowl, where the gradient depends on w (nothing returned may alias the inputs)
_H = np.array([[3.0, 1.0], [1.0, 2.0]])
_w, _s = np.array([1.0, -1.0]), np.zeros(2)
_wr, _vr = _w.copy(), np.zeros(2)
for _ in range(40):
    _w_before = _w.copy()
    _w, _s = call(momentum_step, _w, _H @ _w, _s, 0.05, 0.7, what="momentum_step on a quadratic")
    assert not np.shares_memory(_w, _w_before), "momentum_step must return new arrays, not the modified input w"
    _wr, _vr = _ref_momentum_step(_wr, _H @ _wr, _vr, 0.05, 0.7)
assert_close(_w, _wr, rtol=1e-9, atol=1e-12, what="40 momentum steps on a quadratic bowl")
### END HIDDEN TESTS

# %% [markdown]
# ### The two forms are the same method
#
# Run your `momentum_step` (with $\eta$) and the moving-average form `momentum_step_ema` from `coursekit.optim`
# (with $\eta' = \eta/(1-\gamma)$) on a long, narrow valley, from the same start: the paths coincide to rounding error.

# %%
valley = ill_conditioned_quadratic(100.0, angle=np.pi / 8)  # curvatures 1 and 100, valley tilted by 22.5 degrees
w_start = np.array([-4.5, -0.6])
eta, gamma_m = 0.01, 0.9
path_v = run_optimizer(momentum_step, w_start, valley.grad, 200, state=1, lr=eta, gamma=gamma_m)
path_m = run_optimizer(momentum_step_ema, w_start, valley.grad, 200, state=1, lr=eta / (1 - gamma_m), gamma=gamma_m)
print("the two paths agree to 1e-12:", np.allclose(path_v, path_m, rtol=0.0, atol=1e-12))

fig, ax = plt.subplots(figsize=(7, 4.5))
plot_paths(valley.f, {f"velocity form, $\\eta$ = {eta}": path_v,
                      f"moving-average form, $\\eta'$ = {eta / (1 - gamma_m):.2f}": path_m},
           bounds=(-5.0, 1.5, -3.3, 1.3), minimiser=valley.minimiser, ax=ax,
           title="Momentum ($\\gamma$ = 0.9) written two ways: one path")
plt.show()

# %% [markdown]
# **Question (2 points).** The notes ask: if you set $\gamma = 0.1$, does momentum have more or less effect than with
# $\gamma = 0.9$? Answer with the unrolled sum $V_t = \eta\sum_{s\le t}\gamma^{t-s}g_s$: how many past gradients
# matter, how large the steps become where the gradient keeps its sign, and what happens to components that
# alternate in sign. What can go wrong when $\gamma$ is too close to 1? (The slider in section 4 lets you try.)

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_momentum_gamma", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# *Model answer.* Less effect with $\gamma = 0.1$. In $V_t = \eta\sum_s \gamma^{t-s} g_s$ a gradient's weight shrinks by the
# factor $\gamma$ per step, so with $\gamma = 0.1$ the previous gradient counts 10 %, the one before 1 %: the memory is
# about $1/(1-\gamma) \approx 1.1$ steps and $V_t \approx \eta g_t$, almost plain gradient descent. With $\gamma = 0.9$ about ten
# gradients matter. Along a direction where the gradient keeps its sign the steps grow towards $\eta g/(1-\gamma)$:
# $1.11\,\eta g$ for $\gamma = 0.1$ but $10\,\eta g$ for $\gamma = 0.9$, which speeds up travel along a flat valley floor. A
# component that alternates in sign sums to about $\eta g/(1+\gamma)$: $0.91\,\eta g$ versus $0.53\,\eta g$, so the large $\gamma$
# damps the zig-zag across the valley much more. Too close to 1, the velocity carries the weights past the minimum
# and they oscillate around it for a long time (an underdamped spring: on a quadratic with curvature $\lambda$, as long
# as $(1 + \gamma - \eta\lambda)^2 < 4\gamma$ the two roots of the iteration are complex with modulus $\sqrt\gamma$, so the
# amplitude decays like $\sqrt\gamma^{\,t}$; outside that range the motion is overdamped and the slower real root
# sets the pace); with a large $\eta$ as well, the iteration can diverge. Grading: 1 point for "less" with the
# memory/weights argument, 1 point for the effect on consistent versus alternating components (or the
# overshoot for $\gamma \to 1$).

# %% [markdown]
# ### 3.3 Adadelta (as the notes define it)
#
# Why would each weight want a step size of its own? Notebook 02 showed that back-propagation multiplies a
# gradient by one factor per layer (an activation's derivative times a weight), so in a deep network the
# gradients of the first layers can be many times smaller (*vanishing*) or larger (*exploding*) than those of
# the last. One global $\eta$ cannot suit both: small enough for the layers with large gradients, it leaves
# the others nearly still. The same happens within a layer, between a steep and a flat direction of the loss,
# as in the valley of section 4. A steep direction needs short steps and a flat one can take long steps.
# The notes' "adadelta" gives every weight $j$ its own step size by dividing by the root of a moving average
# of its squared gradients:
#
# $$G_{t,j} = \gamma\, G_{t-1,j} + (1-\gamma)\, g_{t,j}^2, \qquad
# W_{t,j} = W_{t-1,j} - \frac{\eta}{\sqrt{G_{t,j} + \varepsilon}}\, g_{t,j}, \qquad G_{0,j} = 0 .$$
#
# $\sqrt{G_{t,j}}$ is the typical size of weight $j$'s recent gradients, so the step $\eta\,g_{t,j}/\sqrt{G_{t,j}}$ is of size
# about $\eta$ whatever the scale of the gradient; $\varepsilon$ (default $10^{-8}$) keeps the division finite when $G = 0$.
#
# *About the name.* What the notes call adadelta is known elsewhere as **RMSprop** (Hinton's lecture notes). Zeiler's
# original adadelta (2012) has no $\eta$ at all: it also keeps a moving average of the squared *updates* and uses its root
# in place of $\eta$. This course keeps the notes' definition under the notes' name.

# %% [markdown]
# ### Exercise 6: `adadelta_step` (2 points)
#
# Use the new $G_t$ (including this step's gradient) in the division. The tests accept $\varepsilon$ inside the root
# (the notes) or added to the root.

# %% nbgrader={"grade": false, "grade_id": "adadelta_step", "locked": false, "schema_version": 3, "solution": true, "task": false}
def adadelta_step(w, dw, G, lr, gamma=0.9, eps=1e-8):
    """One step of the notes' adadelta: G_new = gamma*G + (1-gamma)*dw**2, w_new = w - lr*dw/sqrt(G_new + eps).

    Parameters
    ----------
    w : ndarray, any shape
        Current weights W_{t-1}.
    dw : ndarray, shape of ``w``
        Gradient g_t at ``w``.
    G : ndarray, shape of ``w``
        Moving average of squared gradients G_{t-1} (zeros before the first step).
    lr : float
        Step size eta > 0.
    gamma : float
        Decay, 0 <= gamma < 1.
    eps : float
        Small positive number that keeps the division finite.

    Returns
    -------
    (w_new, G_new) : tuple of ndarray, each of shape of ``w``
        New weights and G_t (new arrays; the arguments are unchanged).
    """
    ### BEGIN SOLUTION
    G_new = gamma * G + (1.0 - gamma) * dw**2
    return w - lr * dw / np.sqrt(G_new + eps), G_new
    ### END SOLUTION


# %%
# Try it: G_1 = 0.25 * 16 = 4 and the step is 0.1 * 4 / sqrt(4) = 0.2, so w goes from 1.0 to 0.8.
print(adadelta_step(np.array([1.0]), np.array([4.0]), np.zeros(1), 0.1, gamma=0.75))

# %% nbgrader={"grade": true, "grade_id": "test_adadelta_step", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check two hand-computed adadelta steps, the zero-gradient case, and that the inputs are unchanged."""
diagnose("adadelta_step", adadelta_step)
ad_w, ad_g, ad_G = np.array([1.0]), np.array([4.0]), np.zeros(1)
ad_out = call(adadelta_step, ad_w, ad_g, ad_G, 0.1, 0.75, what="adadelta_step(w, dw, zeros, 0.1, 0.75)")
assert isinstance(ad_out, tuple) and len(ad_out) == 2, "adadelta_step should return a tuple (w_new, G_new)"
assert_close(ad_out[1], [4.0], what="G after one step (gamma = 0.75, dw = 4)", hint="G_1 = gamma * 0 + (1 - gamma) * dw**2.")
assert_close(ad_out[0], [0.8], what="w after one adadelta step (lr = 0.1, gamma = 0.75, dw = 4)",
             hint="Divide by the root of the NEW G (this step's gradient included): 0.1 * 4 / sqrt(4) = 0.2.")
assert np.array_equal(ad_w, [1.0]) and np.array_equal(ad_G, [0.0]), "adadelta_step changed w or G in place"
ad_out2 = call(adadelta_step, ad_out[0], np.array([-2.0]), ad_out[1], 0.1, 0.75, what="second adadelta_step")
# G_2 = 0.75 * 4 + 0.25 * 4 = 4, step 0.1 * (-2) / 2 = -0.1
assert_close(ad_out2[0], [0.9], what="w after a second step with dw = -2", hint="G_2 = 0.75 * 4 + 0.25 * (-2)**2 = 4.")
ad_zero = call(adadelta_step, np.ones(3), np.zeros(3), np.zeros(3), 1.0, what="adadelta_step with zero gradient and G = 0")
assert_close(ad_zero[0], np.ones(3), what="adadelta_step with a zero gradient from G = 0 (no step, no NaN)",
             hint="Keep eps in the denominator so that 0 / 0 cannot happen.")
### BEGIN HIDDEN TESTS
from coursekit.optim import adadelta_step as _ref_adadelta_step


def _adadelta_expect(w0, grads, lr, gamma, eps):
    """Weights after each step for eps inside the root and for eps outside it."""
    _Gx, _win, _wout, _ins, _outs = np.zeros_like(w0), w0.copy(), w0.copy(), [], []
    for _gg in grads:
        _Gx = gamma * _Gx + (1 - gamma) * _gg**2
        _win = _win - lr * _gg / np.sqrt(_Gx + eps)
        _wout = _wout - lr * _gg / (np.sqrt(_Gx) + eps)
        _ins.append(_win)
        _outs.append(_wout)
    return np.array(_ins), np.array(_outs), _Gx


def _adadelta_run(w0, grads, lr, **kw):
    _w, _s, _ws = w0.copy(), np.zeros_like(w0), []
    for _gg in grads:
        _o = call(adadelta_step, _w, _gg, _s, lr, what="adadelta_step in a run", **kw)
        assert isinstance(_o, tuple) and len(_o) == 2, "adadelta_step should return a tuple (w_new, G_new)"
        _w, _s = np.asarray(_o[0]), np.asarray(_o[1])
        _ws.append(_w)
    return np.array(_ws), _s


def _either(actual, a, b, what):
    if not (np.allclose(actual, a, rtol=1e-7, atol=1e-12) or np.allclose(actual, b, rtol=1e-7, atol=1e-12)):
        assert_close(actual, a, rtol=1e-7, atol=1e-12, what=what)


_rng = np.random.default_rng(1606)
_w0 = _rng.standard_normal((4, 3))
_gs = _rng.choice([-1.0, 1.0], (25, 4, 3)) * _rng.uniform(0.05, 5.0, (25, 4, 3))
_saved = _gs.copy()
_path, _Gs = _adadelta_run(_w0, _gs, 0.03, gamma=0.8)
_in, _out, _Gx = _adadelta_expect(_w0, _saved, 0.03, 0.8, 1e-8)
_either(_path, _in, _out, "25 adadelta steps (lr = 0.03, gamma = 0.8)")
assert_close(_Gs, _Gx, rtol=1e-9, what="G after 25 adadelta steps")
assert np.array_equal(_gs, _saved), "adadelta_step must not modify dw"
# defaults gamma = 0.9, eps = 1e-8
_in, _out, _ = _adadelta_expect(_w0, _saved[:6], 0.01, 0.9, 1e-8)
_either(_adadelta_run(_w0, _saved[:6], 0.01)[0], _in, _out, "adadelta_step with its defaults gamma = 0.9, eps = 1e-8")
# the reference (gradients far from 0, where the place of eps does not matter)
_gs2 = _rng.choice([-1.0, 1.0], (8, 4, 3)) * _rng.uniform(1.0, 5.0, (8, 4, 3))
_ref_w, _ref_G = _w0.copy(), np.zeros_like(_w0)
for _gg in _gs2:
    _ref_w, _ref_G = _ref_adadelta_step(_ref_w, _gg, _ref_G, 0.05, gamma=0.7)
assert_close(_adadelta_run(_w0, _gs2, 0.05, gamma=0.7)[0][-1], _ref_w, rtol=1e-6, what="8 adadelta steps (gamma = 0.7)")
# a large eps shows where it is added: either placement is accepted
_in, _out, _ = _adadelta_expect(np.zeros(2), [np.array([0.5, -3.0])] * 3, 0.1, 0.5, 0.25)
_either(_adadelta_run(np.zeros(2), [np.array([0.5, -3.0])] * 3, 0.1, gamma=0.5, eps=0.25)[0], _in, _out,
        "adadelta_step with eps = 0.25")
# constant gradient: G_t = g^2 (1 - gamma^t); the step size approaches lr in every coordinate
_p, _ = _adadelta_run(np.zeros(3), [np.array([1e3, 1.0, -1e-2])] * 100, 0.01, gamma=0.9)
assert_close(_p[-1] - _p[-2], -0.01 * np.array([1.0, 1.0, -1.0]), rtol=1e-3,
             what="adadelta step after 100 constant gradients of sizes 1e3, 1, 1e-2 (about lr each)")
# the returned arrays are new
_wa, _Ga = np.ones(2), np.ones(2)
_o = call(adadelta_step, _wa, np.array([1.0, 2.0]), _Ga, 0.1, what="adadelta_step")
assert not (np.shares_memory(_o[0], _wa) or np.shares_memory(_o[1], _Ga)), "adadelta_step must return new arrays"
assert np.array_equal(_wa, np.ones(2)) and np.array_equal(_Ga, np.ones(2)), "adadelta_step changed w or G in place"
### END HIDDEN TESTS

# %% [markdown]
# ### 3.4 Adam
#
# Adam (Kingma and Ba, 2015) keeps both averages: a moving average $m$ of the gradients (momentum's direction)
# and a moving average $v$ of their squares (adadelta's scale), and it corrects both for their zero start.
# With $t = 1, 2, \dots$ the number of the update being made:
#
# $$\begin{aligned}
# m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t, & v_t &= \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2, & m_0 = v_0 = 0,\\
# \hat m_t &= \frac{m_t}{1-\beta_1^t}, & \hat v_t &= \frac{v_t}{1-\beta_2^t}, &
# W_t = W_{t-1} - \eta\,\frac{\hat m_t}{\sqrt{\hat v_t} + \varepsilon} .
# \end{aligned}$$
#
# The usual values are $\beta_1 = 0.9$, $\beta_2 = 0.999$, $\varepsilon = 10^{-8}$. At $t = 1$ the corrections give
# $\hat m_1 = g_1$ and $\hat v_1 = g_1^2$, so the first step moves every weight by almost exactly $\eta$ against the sign of
# its gradient. The state that is carried from step to step is the **uncorrected** $m_t, v_t$; the corrected ones are
# recomputed every time.
#
# Remarks on the notes' version:
#
# * The notes put $\varepsilon$ *inside* the root, $\eta\,\hat m_t/\sqrt{\hat v_t + \varepsilon}$; Kingma and Ba (and the reference
#   `coursekit.optim.adam_step`) add it to the root. The two differ only for gradients smaller than about
#   $\sqrt{\varepsilon} = 10^{-4}$, and the tests accept both.
# * The notes say the uncorrected estimates are "slightly too small". Early on they are far too small: with the usual
#   betas $m_1 = 0.1\,g_1$ and $v_1 = 0.001\,g_1^2$. Without the correction the first step would be
#   $\eta \cdot 0.1/\sqrt{0.001} \approx 3.2\,\eta$, and the mismatch lasts for hundreds of steps because $\beta_2$ is so close to 1.
# * The notes call $m$ and $v$ estimates of the mean and the *variance* of the gradient. $v$ averages $g^2$, so it estimates
#   the second moment $\mathbb E[g^2] = \text{variance} + \text{mean}^2$, not the variance.
# * To justify the correction the notes expand $m_t$ "in terms of $m_0$ and $g_0, \dots, g_t$". There is no $g_0$: the
#   gradients are $g_1, \dots, g_t$, with weights $(1-\beta_1)\beta_1^{t-s}$ that add up to $1-\beta_1^t$, while $m_0 = 0$ carries
#   the remaining $\beta_1^t$.

# %% [markdown]
# ### Exercise 7: `adam_step` (3 points)
#
# `t` is the 1-based number of the update (the first call gets `t=1`). Return the new weights and the new
# *uncorrected* `m` and `v`, all as new arrays.

# %% nbgrader={"grade": false, "grade_id": "adam_step", "locked": false, "schema_version": 3, "solution": true, "task": false}
def adam_step(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam update with bias correction; t = 1 for the first update.

    m_new = beta1*m + (1-beta1)*dw,  v_new = beta2*v + (1-beta2)*dw**2,
    m_hat = m_new / (1 - beta1**t),  v_hat = v_new / (1 - beta2**t),
    w_new = w - lr * m_hat / (sqrt(v_hat) + eps).

    Parameters
    ----------
    w : ndarray, any shape
        Current weights W_{t-1}.
    dw : ndarray, shape of ``w``
        Gradient g_t at ``w``.
    m, v : ndarray, shape of ``w``
        Uncorrected moving averages m_{t-1}, v_{t-1} (zeros before the first update).
    t : int
        1-based number of this update.
    lr, beta1, beta2, eps : float
        Step size, the two decays, and the small constant in the denominator.

    Returns
    -------
    (w_new, m_new, v_new) : tuple of ndarray, each of shape of ``w``
        New weights and the new uncorrected averages (new arrays; the arguments are unchanged).
    """
    ### BEGIN SOLUTION
    m_new = beta1 * m + (1.0 - beta1) * dw
    v_new = beta2 * v + (1.0 - beta2) * dw**2
    m_hat = m_new / (1.0 - beta1**t)
    v_hat = v_new / (1.0 - beta2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m_new, v_new
    ### END SOLUTION


# %%
# Try it: the first step moves each weight by about lr = 0.1 against the sign of its gradient,
# whatever the size of the gradient: w should be close to [0.9, 1.1, 0.9].
w_try, m_try, v_try = adam_step(np.ones(3), np.array([5.0, -0.01, 300.0]), np.zeros(3), np.zeros(3), t=1, lr=0.1)
print(np.round(w_try, 6), m_try, v_try)

# %% nbgrader={"grade": true, "grade_id": "test_adam_step", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""Check Adam's first step (bias correction, sign), a later step from given state, the stored state, and purity."""
diagnose("adam_step", adam_step)
adam_w, adam_g, adam_m, adam_v = np.array([1.0, 1.0]), np.array([2.0, -0.5]), np.zeros(2), np.zeros(2)
adam_out = call(adam_step, adam_w, adam_g, adam_m, adam_v, 1, lr=0.1, what="adam_step(w, dw, 0, 0, t=1, lr=0.1)")
assert isinstance(adam_out, tuple) and len(adam_out) == 3, "adam_step should return a tuple (w_new, m_new, v_new)"
# t = 1: m_hat = dw and v_hat = dw**2, so the step is lr * dw / |dw| = 0.1 * sign(dw)
assert_close(adam_out[0], [0.9, 1.1], rtol=1e-6, what="the first Adam step from zero state (lr = 0.1)",
             hint="At t = 1 the bias correction gives m_hat = dw and v_hat = dw**2, so each weight moves by lr against "
                  "the sign of its gradient. A step of about 3.2 * lr means the correction is missing; a smaller one "
                  "means a wrong power of beta (t starts at 1); a step in the other direction means a wrong sign.")
assert_close(adam_out[1], [0.2, -0.05], what="m after the first step (stored uncorrected: (1 - beta1) * dw)",
             hint="Return the uncorrected m_t, not m_hat.")
assert_close(adam_out[2], [0.004, 0.00025], what="v after the first step (stored uncorrected: (1 - beta2) * dw**2)")
assert (np.array_equal(adam_w, [1.0, 1.0]) and np.array_equal(adam_m, [0.0, 0.0])
        and np.array_equal(adam_v, [0.0, 0.0])), "adam_step changed w, m or v in place; return new arrays instead"
# t = 3 from a given state, every number written out
m3, v3 = 0.9 * 0.2 + 0.1 * 1.0, 0.999 * 0.01 + 0.001 * 1.0  # 0.28 and 0.01099
step3 = 0.01 * (m3 / (1 - 0.9**3)) / np.sqrt(v3 / (1 - 0.999**3))
adam_out3 = call(adam_step, np.array([0.5]), np.array([1.0]), np.array([0.2]), np.array([0.01]), 3, lr=0.01,
                 what="adam_step at t = 3")
assert_close(adam_out3[0], [0.5 - step3], rtol=1e-6, what="w after an Adam step at t = 3 from m = 0.2, v = 0.01",
             hint="Correct with 1 - beta1**t and 1 - beta2**t for the t you are given (here 3).")
### BEGIN HIDDEN TESTS
from coursekit.optim import adam_step as _ref_adam_step


def _adam_expect(w0, grads, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8):
    """Weights after each update, for eps added to the root and for eps inside it, and the final m, v."""
    _mx, _vx, _wa, _wb, _A, _B = np.zeros_like(w0), np.zeros_like(w0), w0.copy(), w0.copy(), [], []
    for _t, _gg in enumerate(grads, start=1):
        _mx = b1 * _mx + (1 - b1) * _gg
        _vx = b2 * _vx + (1 - b2) * _gg**2
        _mh, _vh = _mx / (1 - b1**_t), _vx / (1 - b2**_t)
        _wa = _wa - lr * _mh / (np.sqrt(_vh) + eps)
        _wb = _wb - lr * _mh / np.sqrt(_vh + eps)
        _A.append(_wa)
        _B.append(_wb)
    return np.array(_A), np.array(_B), _mx, _vx


def _adam_run(w0, grads, **kw):
    _w, _m, _v, _ws = w0.copy(), np.zeros_like(w0), np.zeros_like(w0), []
    for _t, _gg in enumerate(grads, start=1):
        _o = call(adam_step, _w, _gg, _m, _v, _t, what=f"adam_step at t = {_t}", **kw)
        assert isinstance(_o, tuple) and len(_o) == 3, "adam_step should return a tuple (w_new, m_new, v_new)"
        _w, _m, _v = (np.asarray(_x) for _x in _o)
        _ws.append(_w)
    return np.array(_ws), _m, _v


def _either(actual, a, b, what, rtol=1e-7, atol=1e-12):
    if not (np.allclose(actual, a, rtol=rtol, atol=atol) or np.allclose(actual, b, rtol=rtol, atol=atol)):
        assert_close(actual, a, rtol=rtol, atol=atol, what=what)


_rng = np.random.default_rng(1607)
# a run of 40 updates with random gradients of shape (3, 2)
_w0 = _rng.standard_normal((3, 2))
_gs = _rng.standard_normal((40, 3, 2)) * np.array([[0.01], [1.0], [100.0]])
_saved = _gs.copy()
_path, _m, _v = _adam_run(_w0, _gs, lr=0.02)
_A, _B, _mx, _vx = _adam_expect(_w0, _saved, lr=0.02)
_either(_path, _A, _B, "40 Adam updates (lr = 0.02)")
assert_close(_m, _mx, rtol=1e-9, atol=1e-15, what="m after 40 updates (uncorrected)")
assert_close(_v, _vx, rtol=1e-9, atol=1e-15, what="v after 40 updates (uncorrected)")
assert np.array_equal(_gs, _saved), "adam_step must not modify dw"
# the reference, with other betas (gradients far from 0, where the place of eps does not matter)
_gs2 = _rng.choice([-1.0, 1.0], (15, 3, 2)) * _rng.uniform(0.5, 3.0, (15, 3, 2))
_rw, _rm, _rv = _w0.copy(), np.zeros_like(_w0), np.zeros_like(_w0)
for _t, _gg in enumerate(_gs2, start=1):
    _rw, _rm, _rv = _ref_adam_step(_rw, _gg, _rm, _rv, _t, lr=0.05, beta1=0.5, beta2=0.9)
assert_close(_adam_run(_w0, _gs2, lr=0.05, beta1=0.5, beta2=0.9)[0][-1], _rw, rtol=1e-6, atol=1e-12,
             what="15 Adam updates with beta1 = 0.5, beta2 = 0.9")
# default arguments (lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8)
_A, _B, _, _ = _adam_expect(_w0, _saved[:5])
_either(_adam_run(_w0, _saved[:5])[0], _A, _B, "adam_step with its default arguments")
# with the bias correction a constant gradient gives constant steps of lr * sign(g), at every t
_p, _, _ = _adam_run(np.zeros(3), [np.array([3.0, -0.5, 7.0])] * 30, lr=0.05)
assert_close(np.diff(_p, axis=0), np.tile([-0.05, 0.05, -0.05], (29, 1)), rtol=1e-6,
             what="Adam steps for a constant gradient (should all be lr * sign(g))")
# a late update: t = 1000 from a given state
_mg, _vg, _gg = np.array([0.3, -0.1]), np.array([0.04, 0.09]), np.array([0.5, 0.2])
_o = call(adam_step, np.zeros(2), _gg, _mg, _vg, 1000, lr=0.01, what="adam_step at t = 1000")
_mn, _vn = 0.9 * _mg + 0.1 * _gg, 0.999 * _vg + 0.001 * _gg**2
assert_close(_o[0], -0.01 * (_mn / (1 - 0.9**1000)) / np.sqrt(_vn / (1 - 0.999**1000)), rtol=1e-6,
             what="adam_step at t = 1000 from given m, v")
# tiny gradients, where the place of eps matters: either is accepted
_g_tiny = np.array([1e-8, -3e-5, 2e-4])
_o = call(adam_step, np.zeros(3), _g_tiny, np.zeros(3), np.zeros(3), 1, lr=1.0, what="adam_step with tiny gradients")
_either(_o[0], -_g_tiny / (np.abs(_g_tiny) + 1e-8), -_g_tiny / np.sqrt(_g_tiny**2 + 1e-8),
        "the first Adam step for gradients 1e-8, -3e-5, 2e-4 (lr = 1)", rtol=1e-6)
# new arrays, inputs untouched
_wa, _ma, _va = np.ones(4), np.full(4, 0.1), np.full(4, 0.2)
_o = call(adam_step, _wa, np.arange(4.0), _ma, _va, 2, what="adam_step")
assert not any(np.shares_memory(_x, _y) for _x in _o for _y in (_wa, _ma, _va)), "adam_step must return new arrays"
assert (np.array_equal(_wa, np.ones(4)) and np.array_equal(_ma, np.full(4, 0.1))
        and np.array_equal(_va, np.full(4, 0.2))), "adam_step changed w, m or v in place"
### END HIDDEN TESTS

# %% [markdown]
# **Question (2 points).** The notes end with this study question: define $\hat m_t$ directly as a running average of
# the gradients, $\hat m_t = \gamma_t\,\hat m_{t-1} + (1-\gamma_t)\,g_t$. What must the decay $\gamma_t$ be? Derive it from the
# definitions above, give its values at $t = 1$ and for large $t$, and compare with the exact running mean of
# section 1 when $\beta_1$ is close to 1 and $t$ is small.

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_adam_mhat_decay", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# *Model answer.* Divide $m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t$ by $1-\beta_1^t$ and write $m_{t-1} = (1-\beta_1^{t-1})\,\hat m_{t-1}$:
#
# $$\hat m_t = \frac{\beta_1 (1-\beta_1^{t-1})}{1-\beta_1^t}\,\hat m_{t-1} + \frac{1-\beta_1}{1-\beta_1^t}\,g_t ,
# \qquad\text{so}\qquad \gamma_t = \frac{\beta_1 - \beta_1^{t}}{1-\beta_1^t} .$$
#
# Check: $1-\gamma_t = (1-\beta_1^t-\beta_1+\beta_1^t)/(1-\beta_1^t) = (1-\beta_1)/(1-\beta_1^t)$, as required. At $t = 1$, $\gamma_1 = 0$: $\hat m_1 = g_1$,
# the zero start is forgotten at once, just as in the exact running mean. As $t \to \infty$, $\beta_1^t \to 0$ and
# $\gamma_t \to \beta_1$: an ordinary moving average. For $\beta_1 = 1 - \delta$ with small $\delta$ and $t \ll 1/\delta$,
# $1-\beta_1^t \approx t\delta$, so $1-\gamma_t \approx \delta/(t\delta) = 1/t$ and $\gamma_t \approx (t-1)/t$: early on, bias-corrected Adam
# takes the *exact mean* of the gradients seen so far, and it turns gradually into a moving average with memory
# $1/(1-\beta_1)$. Grading: 1 point for $\gamma_t$ with a derivation, 1 point for $\gamma_1 = 0$, the limit $\beta_1$, and the comparison.

# %% [markdown]
# ## 4. A race on two landscapes
#
# Two classic test functions of two weights, where the whole path can be drawn:
#
# * the **ill-conditioned quadratic** $f(w) = \frac12 w^\top H w$ with curvatures 1 and $\kappa = 100$ along two
#   perpendicular directions, tilted by 22.5°: a long narrow valley. Gradient descent is stable only for
#   $\eta < 2/\kappa = 0.02$ and then crawls along the flat direction, shrinking the error there by the factor
#   $1 - \eta$ per step;
# * the **Rosenbrock function** $f(x, y) = (1-x)^2 + 100\,(y-x^2)^2$, a curved valley with a flat floor and steep
#   walls, minimum 0 at $(1, 1)$.
#
# Each method gets a step size that works reasonably for it (found by trying a few values). All paths use your
# functions through `run_optimizer`, which calls the update rule once per step and returns the path.

# %%
banana_start = np.array([-1.5, 2.0])  # start on the Rosenbrock function (the quadratic's is w_start, section 3.2)
quad_paths = {
    "SGD, η = 0.019": run_optimizer(sgd_step, w_start, valley.grad, 200, lr=0.019),
    "momentum, η = 0.01, γ = 0.9": run_optimizer(momentum_step, w_start, valley.grad, 200,
                                                               state=1, lr=0.01, gamma=0.9),
    "adadelta, η = 0.1": run_optimizer(adadelta_step, w_start, valley.grad, 200, state=1, lr=0.1),
    "Adam, η = 0.2": run_optimizer(adam_step, w_start, valley.grad, 200, state=2, pass_t=True, lr=0.2),
}

# %% tags=["nbval-ignore-output"]
# The race on the Rosenbrock function: 4 methods x 2000 steps take a few seconds, hence the progress bar.
N_BANANA = 600 if GRADING else 2000  # fewer steps while nbgrader grades
banana_runs = {
    "SGD, η = 0.001": (sgd_step, dict(lr=1e-3)),
    "momentum, η = 0.0002, γ = 0.9": (momentum_step, dict(state=1, lr=2e-4, gamma=0.9)),
    "adadelta, η = 0.01": (adadelta_step, dict(state=1, lr=1e-2)),
    "Adam, η = 0.05": (adam_step, dict(state=2, pass_t=True, lr=0.05)),
}
raced = {}
for name, (rule, settings) in progress(banana_runs.items(), desc="Rosenbrock race", total=len(banana_runs)):
    raced[name] = run_optimizer(rule, banana_start, rosenbrock_grad, N_BANANA, **settings)
banana_paths = raced  # named only once every run is done

# %%
needs("quad_paths", "banana_paths", exercise="sgd_step, momentum_step, adadelta_step and adam_step")
fig, axes = plt.subplots(2, 2, figsize=(11.5, 9))
plot_paths(valley.f, quad_paths, bounds=(-5.0, 1.5, -3.3, 1.3), minimiser=valley.minimiser, ax=axes[0, 0],
           title="Ill-conditioned quadratic ($\\kappa$ = 100): 200 steps")
plot_paths(rosenbrock, banana_paths, bounds=(-2.0, 2.0, -1.0, 3.0), minimiser=[1.0, 1.0], ax=axes[0, 1],
           title=f"Rosenbrock function: {N_BANANA} steps")
plot_losses({k: valley.f(p) for k, p in quad_paths.items()}, ax=axes[1, 0],
            title="Quadratic: loss along the paths", ylabel="$f(w_t)$")
plot_losses({k: rosenbrock(p) for k, p in banana_paths.items()}, ax=axes[1, 1],
            title="Rosenbrock: loss along the paths", ylabel="$f(w_t)$")
fig.tight_layout()
plt.show()
for name, p in banana_paths.items():
    print(f"{name:32s} Rosenbrock after {N_BANANA} steps: w = ({p[-1, 0]:.3f}, {p[-1, 1]:.3f})")

# %% [markdown]
# What the pictures show:
#
# * **SGD** on the quadratic zig-zags across the valley (its step size is limited by the steep direction) and then creeps
#   along the floor at the rate $1-\eta$ per step; on the Rosenbrock function it is still far from $(1, 1)$ after 2000 steps.
# * **Momentum** overshoots (its path swings across the valley, and its loss curve oscillates), but the velocity
#   accumulated along the floor wins: on the quadratic it is orders of magnitude ahead after 200 steps.
# * **Adadelta** and **Adam** move each coordinate by about $\eta$ per step, whatever the gradient's size. That makes a good
#   start on badly scaled problems and needs no tuning of $\eta$ to the curvature, but with a *fixed* $\eta$ they keep
#   jittering on the scale of $\eta$ near the minimum (the quadratic's flat loss curves at the end); in practice $\eta$ is
#   decreased over time. The per-coordinate scaling also depends on the axes: it suits a valley aligned with
#   the axes best, not this tilted one.
# * On the Rosenbrock function every method drops quickly to the floor of the banana, so the paths lie on top of each
#   other; they differ in how far along the floor they get (the large markers at their ends, and the loss curves).
#   Adam's combination of momentum and per-coordinate scaling follows the curved floor all the way to the minimum.
#
# No method wins everywhere; which one is fastest depends on the landscape and on the step size each one gets.

# %% [markdown]
# ### Slider: explore one optimizer
#
# Pick an optimizer and a landscape, then move the step size $\eta$ (logarithmic slider), momentum's or adadelta's
# $\gamma$, and Adam's $\beta_1$ and $\beta_2$ (the sliders an optimizer does not use are greyed out). Things to try: momentum with $\gamma$ = 0.1 and 0.99; Adam with $\beta_1 = 0$
# (no momentum: adadelta with bias correction); SGD on the quadratic just below and just above $\eta = 0.02$.

# %% tags=["nbval-ignore-output"]
LANDSCAPES = {
    "quadratic": (valley.f, valley.grad, w_start, (-5.0, 1.5, -3.3, 1.3), valley.minimiser),
    "Rosenbrock": (rosenbrock, rosenbrock_grad, banana_start, (-2.0, 2.0, -1.0, 3.0), np.array([1.0, 1.0])),
}


def explore(optimizer="momentum", landscape="quadratic", lr=0.01, gamma=0.9, beta1=0.9, beta2=0.999, steps=300):
    """Draw one optimizer's path and loss curve for the chosen settings."""
    f, grad, start, bounds, best = LANDSCAPES[landscape]
    if optimizer == "SGD":
        settings, label = dict(lr=lr), f"SGD, η = {lr:.2g}"
        rule = sgd_step
    elif optimizer == "momentum":
        settings, label = dict(state=1, lr=lr, gamma=gamma), f"momentum, η = {lr:.2g}, γ = {gamma:.2f}"
        rule = momentum_step
    elif optimizer == "adadelta":
        settings, label = dict(state=1, lr=lr, gamma=gamma), f"adadelta, η = {lr:.2g}, γ = {gamma:.2f}"
        rule = adadelta_step
    else:
        settings = dict(state=2, pass_t=True, lr=lr, beta1=beta1, beta2=beta2)
        label, rule = f"Adam, η = {lr:.2g}, β1 = {beta1:.2f}, β2 = {beta2:.4f}", adam_step
    fig, (ax_path, ax_loss) = plt.subplots(1, 2, figsize=(12, 4.5))
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            path = run_optimizer(rule, start, grad, steps, **settings)
            values = f(path)
        if not np.all(np.isfinite(values)):
            raise ValueError("the loss overflowed")
    except ValueError:
        for ax in (ax_path, ax_loss):
            ax.axis("off")
        ax_path.text(0.0, 0.5, f"{label}:\nthe weights blew up (infinite or NaN).\nThe step size is too large "
                     "for this landscape;\nmove the lr slider to the left.", fontsize=12, va="center")
        plt.show()
        return
    plot_paths(f, {label: path}, bounds=bounds, minimiser=best, ax=ax_path, title=f"{landscape}: path")
    plot_losses({label: np.maximum(values, 1e-300)}, ax=ax_loss, title=f"{landscape}: loss", ylabel="$f(w_t)$")
    fig.tight_layout()
    plt.show()


optimizer_choice = widgets.Dropdown(options=["SGD", "momentum", "adadelta", "Adam"], value="momentum")
decay_sliders = {
    "gamma": widgets.FloatSlider(value=0.9, min=0.0, max=0.99, step=0.01, description="gamma"),
    "beta1": widgets.FloatSlider(value=0.9, min=0.0, max=0.99, step=0.01, description="beta1"),
    "beta2": widgets.FloatSlider(value=0.999, min=0.9, max=0.9999, step=0.0001, readout_format=".4f",
                                 description="beta2"),
}
USES = {"SGD": set(), "momentum": {"gamma"}, "adadelta": {"gamma"}, "Adam": {"beta1", "beta2"}}


def grey_out_unused(change=None):
    """Disable the decay sliders that the chosen optimizer does not use."""
    for name, slider in decay_sliders.items():
        slider.disabled = name not in USES[optimizer_choice.value]


optimizer_choice.observe(grey_out_unused, names="value")
grey_out_unused()
widgets.interact(
    explore,
    optimizer=optimizer_choice,
    landscape=widgets.Dropdown(options=list(LANDSCAPES), value="quadratic"),
    lr=widgets.FloatLogSlider(value=0.01, base=10, min=-4, max=0, step=0.1, description="lr ($\\eta$)"),
    **decay_sliders,
    steps=widgets.IntSlider(value=300, min=10, max=3000, step=10, description="steps"),
);

# %% [markdown]
# ## 5. A real network: handwritten digits
#
# Scikit-learn ships 1797 handwritten digits as $8 \times 8$ grey images (no download needed). We scale the pixels to
# $[0, 1]$, keep 500 images aside for validation, and train a small network $64 \to 32 \to 10$ (ReLU hidden layer, softmax
# cross-entropy) on the other 1297 with mini-batches of 64 from your `minibatch_indices`. Every run starts from the
# same initial weights and sees the same shuffles. `train_mlp` (in `coursekit.training`) does the forward and backward
# passes with the modules of notebook 03 and calls your update rule for each weight array, each with its own state.

# %%
X_digits, y_digits = digits_dataset()
X_digits = X_digits / 16.0  # pixel intensities 0..16 -> [0, 1]
order = rng.permutation(len(y_digits))
X_train, y_train = X_digits[order[:1297]], y_digits[order[:1297]]
X_val, y_val = X_digits[order[1297:]], y_digits[order[1297:]]
print("training set", X_train.shape, " validation set", X_val.shape, " classes", np.unique(y_digits))

fig, axes = plt.subplots(1, 10, figsize=(12, 1.6))
for digit, ax in enumerate(axes):
    ax.imshow(X_train[np.flatnonzero(y_train == digit)[0]].reshape(8, 8), cmap="gray_r")
    ax.set_title(f"label {digit}", fontsize=9)
    ax.axis("off")
fig.suptitle("One training image of each digit (8 x 8 pixels)", y=1.05)
plt.show()

# %% tags=["nbval-ignore-output"]
EPOCHS = 2 if GRADING else 12  # fewer epochs while nbgrader grades
mlp_runs = {
    "SGD, η = 0.1": (sgd_step, dict(lr=0.1)),
    "momentum, η = 0.03, γ = 0.9": (momentum_step, dict(state=1, lr=0.03, gamma=0.9)),
    "adadelta, η = 0.003": (adadelta_step, dict(state=1, lr=0.003)),
    "Adam, η = 0.01": (adam_step, dict(state=2, pass_t=True, lr=0.01)),
}
trained = {}
for name in progress(list(mlp_runs), desc="optimizers"):
    rule, settings = mlp_runs[name]
    trained[name] = train_mlp(rule, X_train, y_train, rng=np.random.default_rng(SEED + 1), hidden=32,
                              epochs=EPOCHS, batch_size=64, X_val=X_val, y_val=y_val,
                              batch_fn=minibatch_indices, **settings)
histories = trained  # only once all four runs have finished

# %%
needs("histories", exercise="each of minibatch_indices, sgd_step, momentum_step, adadelta_step and adam_step")
print(f"after {EPOCHS} epochs ({len(next(iter(histories.values())).batch_loss)} updates each):")
for name, h in histories.items():
    print(f"  {name:28s} training loss {h.train_loss[-1]:.3f}   "
          f"validation accuracy {h.val_accuracy[-1]:.3f}")

fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(12, 4.5))
plot_losses({k: h.train_loss for k, h in histories.items()}, ax=ax_loss, xlabel="epoch",
            ylabel="mean cross-entropy on the training set", title="Digits MLP: training loss")
plot_losses({k: h.val_accuracy for k, h in histories.items()}, ax=ax_acc, xlabel="epoch", log=False,
            ylabel="fraction correct", title="Digits MLP: validation accuracy")
ax_acc.set_ylim(0.0, 1.0)
fig.tight_layout()
plt.show()

# %% [markdown]
# With these step sizes momentum, adadelta and Adam lower the training loss faster per update than plain SGD, and all
# four end above 90 % validation accuracy (Adam within about three epochs). Such a ranking holds for these step sizes
# only: each method has its own good range, and a comparison is fair only when each one is tuned. (Run the cell above
# with other values of `lr`; a run takes a second or two.)
#
# The mini-batch losses recorded at every update are noisy, because each one is measured on 64 different images. A
# bias-corrected moving average shows the trend; it is the same smoothing that momentum and Adam apply to the
# gradients.

# %%
needs("histories", exercise="each of minibatch_indices, sgd_step, momentum_step, adadelta_step and adam_step")
adam_name = list(histories)[-1]
batch_losses = histories[adam_name].batch_loss
updates = np.arange(1, batch_losses.size + 1)
smooth = moving_average(batch_losses, 0.9)
fig, ax = plt.subplots(figsize=(10, 4))
plot_curves(updates, {"loss of each mini-batch": batch_losses, "moving average, $\\gamma$ = 0.9 (from 0)": smooth,
                      "bias-corrected moving average": smooth / (1 - 0.9**updates)}, ax=ax,
            title=f"Mini-batch losses while training with {adam_name}", xlabel="update $t$", ylabel="cross-entropy")
plt.show()

# %% [markdown]
# ### Before a long run: three quick checks, and reading the curves
#
# Most training runs that fail, fail for reasons a minute of checking would have shown. A routine worth keeping:
#
# 1. **The loss at initialisation.** With small random weights the network's logits are all close to 0, so the
#    softmax gives each of the $K$ classes probability about $1/K$ and the cross-entropy is about $\log K$
#    ($\log 10 \approx 2.30$ here). A much larger starting loss means the initial weights are too large (notebook 05),
#    or the labels and outputs do not match.
# 2. **Over-fit a tiny subset.** A network that cannot drive the training loss towards 0 on 20 images will not
#    learn from 1297: the fault is in the model, the gradients or the update, not in the amount of data.
# 3. **A step-size sweep on a log scale.** Try $\eta = 10^{-3}, 10^{-2.5}, \dots, 10^{1.5}$ for one or two epochs each
#    and plot the loss against $\eta$: it falls, flattens, then rises or blows up. Pick a value a little below
#    the bottom of the curve (on the flat side, away from where it blows up).
#
# The cell below runs all three with your `sgd_step`.

# %% tags=["nbval-ignore-output"]
start = train_mlp(sgd_step, X_train, y_train, rng=np.random.default_rng(SEED + 2), hidden=32, epochs=0, lr=0.1)
print(f"loss at initialisation {start.train_loss[0]:.3f}   log K = log 10 = {np.log(10):.3f}")
assert abs(start.train_loss[0] - np.log(10)) < 0.3, "the loss at initialisation should be close to log K"

tiny = train_mlp(sgd_step, X_train[:20], y_train[:20], rng=np.random.default_rng(SEED + 3), hidden=32,
                 epochs=60 if GRADING else 300, batch_size=20, lr=0.5)
print(f"20 images, {tiny.train_loss.size - 1} epochs of full-batch descent: training loss {tiny.train_loss[-1]:.3f}")
if not GRADING:
    assert tiny.train_loss[-1] < 0.1, "the network should over-fit 20 images"

sweep_lrs = 10.0 ** np.arange(-3.0, 1.51, 0.5)  # 0.001, 0.0032, 0.01, ..., 31.6
sweep = {}
for lr_try in progress(sweep_lrs, desc="step sizes"):
    try:
        run = train_mlp(sgd_step, X_train, y_train, rng=np.random.default_rng(SEED + 4), hidden=32,
                        epochs=1 if GRADING else 2, batch_size=64, lr=float(lr_try))
        sweep[float(lr_try)] = run.train_loss[-1]
    except ValueError:  # the loss blew up: train_mlp says so
        sweep[float(lr_try)] = np.inf
swept = sweep  # named only once the sweep is done
fig, ax = plt.subplots(figsize=(7, 4))
finite = {k: v for k, v in swept.items() if np.isfinite(v)}
ax.semilogx(list(finite), list(finite.values()), "o-", label="training loss after the sweep's epochs")
ax.axhline(np.log(10), color="0.5", linestyle="--", label="loss at initialisation, log K")
for lr_bad in (k for k, v in swept.items() if not np.isfinite(v)):
    ax.axvline(lr_bad, color="C3", linestyle=":", label=f"diverged at η = {lr_bad:.2g}")
ax.set(title="Step-size sweep: SGD on the digits", xlabel="step size η (log scale)", ylabel="mean cross-entropy")
ax.legend()
plt.show()
best_lr = min(finite, key=finite.get)
print(f"lowest loss at η = {best_lr:.3g}")
assert min(finite) < best_lr and finite[best_lr] < finite[min(finite)], "the sweep should have a minimum inside"

# %% [markdown]
# **Reading loss curves.** The mini-batch loss is noisy (smooth it as above before judging it). A training loss
# that falls slowly and steadily: the step is too small. One that jumps around or grows: too large. A validation
# loss that turns up while the training loss keeps falling: over-fitting (notebook 07). A loss that stops at a
# value well above 0 on the tiny subset: something is wrong in the model or the gradients, which is where
# notebook 03's gradient check helps.

# %% [markdown]
# ### Step-size schedules, warm-up and gradient clipping
#
# A fixed $\eta$ is a compromise: large steps make fast progress early, small ones settle near a minimum
# instead of jittering around it (the Adam paths of section 4). Practice changes $\eta$ with the update count $t$:
#
# * **step decay**: $\eta_t = \eta \cdot 0.1^{\lfloor t / T_s \rfloor}$, ten times smaller every $T_s$ updates;
# * **cosine**: $\eta_t = \eta \cdot \tfrac12 \big(1 + \cos(\pi t / T)\big)$, from $\eta$ down to (nearly) 0 at the last update $T$;
# * **warm-up**: the first $T_w$ updates ramp $\eta_t$ up linearly from 0. At the start the weights are random, the
#   gradients large and their directions poor, and a full-size step can push many ReLU units into the region where
#   they are off for every input, from which they never come back;
# * **gradient clipping** (by norm): when a weight array's gradient $g$ has $\lVert g \rVert > c$, use $g\, c / \lVert g \rVert$
#   instead. It caps each step, whatever the step size, and is the usual guard against the exploding gradients of
#   deep and recurrent networks.
#
# All four fit the update rules as they are: a wrapper passes the scheduled $\eta_t$ (or the clipped gradient) to
# your `sgd_step`. Below, the same network is trained with a step size of 2, about twice the largest that works
# without help.

# %% tags=["nbval-ignore-output"]
SCHEDULE_EPOCHS = 2 if GRADING else 12
n_updates = SCHEDULE_EPOCHS * int(np.ceil(len(y_train) / 64))


def constant(t):
    return 1.0


def cosine(t):
    return 0.01 + 0.99 * 0.5 * (1.0 + np.cos(np.pi * (t - 1) / n_updates))  # never exactly 0: sgd_step needs lr > 0


def warmup_cosine(t, warm=100):
    return min(1.0, t / warm) * cosine(t)


def with_schedule(schedule, clip=None):
    """An update rule for train_mlp (pass_t=True): sgd_step with step size lr * schedule(t), gradients clipped to norm clip."""
    def rule(w, dw, t, lr):
        norm = float(np.sqrt(np.sum(dw**2)))
        if clip is not None and norm > clip:
            dw = dw * (clip / norm)
        return sgd_step(w, dw, lr * schedule(t))
    return rule


schedule_runs = {
    "constant η = 2": with_schedule(constant),
    "cosine from η = 2": with_schedule(cosine),
    "warm-up, then cosine": with_schedule(warmup_cosine),
    "constant η = 2, gradients clipped to norm 0.5": with_schedule(constant, clip=0.5),
}
scheduled = {}
for name in progress(list(schedule_runs), desc="schedules"):
    scheduled[name] = train_mlp(schedule_runs[name], X_train, y_train, rng=np.random.default_rng(SEED + 5), hidden=32,
                                epochs=SCHEDULE_EPOCHS, batch_size=64, pass_t=True, X_val=X_val, y_val=y_val, lr=2.0)
schedule_histories = scheduled  # named only once every run is done

fig, (ax_s, ax_l) = plt.subplots(1, 2, figsize=(12, 4.2))
t_all = np.arange(1, n_updates + 1)
plot_curves(t_all, {"constant": 2.0 * np.ones(n_updates), "cosine": [2.0 * cosine(t) for t in t_all],
                    "warm-up, then cosine": [2.0 * warmup_cosine(t) for t in t_all]},
            ax=ax_s, title="The step size along the run", xlabel="update $t$", ylabel="$\\eta_t$")
plot_losses({k: h.train_loss for k, h in schedule_histories.items()}, ax=ax_l, xlabel="epoch",
            ylabel="mean cross-entropy on the training set", title="Training with a step size of 2")
fig.tight_layout()
plt.show()
for name, h in schedule_histories.items():
    print(f"{name:48s} training loss {h.train_loss[-1]:.3f}   validation accuracy {h.val_accuracy[-1]:.3f}")
if not GRADING:  # the claims of the text, with wide margins (the numbers themselves vary from machine to machine)
    assert schedule_histories["constant η = 2"].train_loss[-1] > 1.0, "a constant step of 2 should fail"
    assert schedule_histories["warm-up, then cosine"].train_loss[-1] < 0.5, "warm-up should rescue the run"
    assert schedule_histories["constant η = 2, gradients clipped to norm 0.5"].train_loss[-1] < 0.5, "so should clipping"

# %% [markdown]
# With a constant step of 2 the first updates wreck the network: its loss goes back to about $\log 10$, the loss of a
# network that predicts every digit with probability $1/10$, and stays there (typically its ReLU units have been
# pushed to be off for every input, so no gradient reaches them). Starting the cosine at the same step does not
# help, since the damage is done in the first few updates. Ramping the step up over the first 100 updates (it then
# follows the cosine down), or clipping the gradients, lets the same step size train well. The schedules differ
# mostly in how they finish, which matters more in longer runs than this one.

# %% [markdown]
# ## Summary
#
# * A moving average $A_t = \gamma A_{t-1} + (1-\gamma) a_t$ remembers about $1/(1-\gamma)$ terms. Started at 0 it is too small
#   by the factor $1-\gamma^t$; dividing by that factor removes the bias. With $\gamma_t = (t-1)/t$ the same recursion is the
#   exact mean.
# * One epoch of mini-batch training shuffles the indices and takes $\lceil n/k\rceil$ consecutive batches. $k = 1$ is SGD and
#   $k = n$ is batch gradient descent; the gradient's noise falls like $\frac1k\cdot\frac{n-k}{n-1}$ in between.
# * Momentum steps along a decaying sum of past gradients; its velocity form with $\eta$ and its moving-average form with
#   $\eta' = \eta/(1-\gamma)$ produce the same path.
# * Adadelta (the notes' name; elsewhere RMSprop) divides each weight's step by the root of its average squared gradient.
#   Adam combines both averages and corrects their zero start, so even its first step has the intended size $\eta$.
# * Update rules as pure functions with explicit state are easy to test, to swap, and to run on anything from a point in
#   the plane to the weight matrices of a network.
# * Before a long run: the loss at initialisation should be about $\log K$, the network should over-fit a tiny subset,
#   and a sweep of $\eta$ on a log scale shows where training is fast and where it blows up.
# * Step-size schedules (step decay, cosine) take large steps early and small ones late; a warm-up and gradient
#   clipping keep the first, large-gradient updates from wrecking the network.
