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
# # 09 · Heteroscedastic regression: learning the noise level along with the mean
#
# Least squares fits a curve and implicitly assumes that the scatter of the data around it is the same
# everywhere. Often it is not: a sensor is precise at low readings and sloppy at high ones, prices
# scatter more for expensive houses. A *heteroscedastic* model lets the noise depend on the input. Here a
# single network predicts both the mean $f(x)$ and the noise variance $v(x)$, and is trained by maximum
# likelihood. The result is a prediction with an error bar that widens and narrows with $x$.
#
# After this notebook you will be able to
#
# - write the Gaussian negative log-likelihood with an input-dependent variance, and its gradients with
#   respect to the mean and the log-variance;
# - back-propagate through a network whose two output heads share a hidden layer;
# - train it, and check its error bars against the truth and against a model with one variance for all inputs;
# - fit the log squared residuals instead (the notes' alternative), and correct the bias that this hides;
# - explain why the variance head makes training unstable, and fix it;
# - say what such error bars can and cannot tell you, compared with Bayesian linear regression and Gaussian processes.
#
# **Points:** four exercises worth 11 points (autograded) and three written questions worth 6 points
# (graded by hand). Lecture material: tutorial question 2 at the end of note 004, and its section 3 for the
# closing overview of larger networks.

# %% [markdown]
# ## Conventions and notation
#
# Samples are **rows**: the inputs form `X` of shape `(N, d)` (here $d = 1$), and a layer with $K$ units computes
# $Z = X W + b$ with $W$ of shape $(d, K)$. The notes write the same layer for one column vector as $W^\top x + b$;
# texts that write $W x + b$ use a $W$ of shape $(K, d)$, our $W^\top$.
#
# The model for one target is $P(y \mid x) = \mathcal N\big(y;\ f(x),\ v(x)\big)$, with the variance written
# through its logarithm, $v = \sigma^2 = e^{a}$. The notes call the log-variance activation $a^{(\sigma)}$ and its
# weights $w^{(\sigma)}, b^{(\sigma)}$; here they are $a$, $w_a$, $b_a$, and the mean head has $w_f$, $b_f$. A bar
# means "gradient of the loss": $\bar f = \partial C/\partial f$, stored in code as `df`; $\bar a$ is `dlog_var`.
# The notes write the cost $c$ of **one** example; our loss $C$ is the **mean** over the batch, so every gradient
# below carries an extra factor $1/N$.

# %%
import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from coursekit.checks import assert_close, assert_shape, call, diagnose, needs
from coursekit.gradcheck import numerical_gradient
from coursekit.heteroscedastic import (
    TrainingDiverged,
    fit_heteroscedastic,
    make_heteroscedastic_data,
    rbf_features,
    true_mean,
    true_std,
)
from coursekit.plotting import plot_curves
from coursekit.progress import GRADING

SEED = 0
rng = np.random.default_rng(SEED)
# Training demos run for fewer epochs while nbgrader grades (the curves are then a little rougher).
EPOCHS = 400 if GRADING else 1500
EPOCHS_SGD = 200 if GRADING else 700

# %% [markdown]
# ## 1. Data whose noise depends on the input
#
# We draw $x$ uniformly from $[-3, 3]$ and set
#
# $$y = \mu(x) + s(x)\,\varepsilon, \qquad \mu(x) = \sin x + \tfrac{x}{4}, \qquad
#   s(x) = 0.05 + 0.5\,\mathrm{sigmoid}(1.5\,x), \qquad \varepsilon \sim \mathcal N(0, 1).$$
#
# The noise standard deviation $s(x)$ grows from about 0.05 on the left to about 0.55 on the right: a factor of
# ten. Because we made the data, we know the true mean and the true noise level and can grade the model's
# error bars against them. (Real data sets with this property include the classic motorcycle-crash
# accelerometer readings; the synthetic set keeps the truth known.)

# %%
X_train, y_train, _, _ = make_heteroscedastic_data(300, rng)
X_test, y_test, mean_test, std_test = make_heteroscedastic_data(5000, rng)   # held out, for scoring
x_grid = np.linspace(-3.0, 3.0, 201)                                           # for plots and error figures
X_grid = x_grid[:, None]
mu_grid, s_grid = true_mean(x_grid), true_std(x_grid)

fig, ax = plt.subplots(figsize=(8, 4.2))
ax.scatter(X_train[:, 0], y_train, s=12, color="0.45", label="training data (300 points)")
ax.plot(x_grid, mu_grid, "k-", linewidth=2, label="true mean $\\mu(x)$")
ax.plot(x_grid, mu_grid + 2 * s_grid, "k--", linewidth=1.2, label="$\\mu(x) \\pm 2 s(x)$")
ax.plot(x_grid, mu_grid - 2 * s_grid, "k--", linewidth=1.2)
ax.set_title("Heteroscedastic data: the scatter grows from left to right")
ax.set_xlabel("input $x$")
ax.set_ylabel("target $y$")
ax.legend(loc="upper left")
plt.show()

# %% [markdown]
# ## 2. The loss: Gaussian negative log-likelihood
#
# For one example, the negative log of the Gaussian density is
#
# $$c = -\log \mathcal N(y; f, v) = \tfrac12 \log v + \frac{(y - f)^2}{2v} + \tfrac12 \log(2\pi),$$
#
# and the loss of a batch is the mean $C = \frac1N \sum_n c_n$. Two familiar special cases:
#
# * If $v$ is the same constant for every example, only the middle term depends on $f$, and minimising $C$
#   over $f$ is least squares. The best constant $v$ is then the mean squared residual.
# * If $v$ depends on $x$, the squared residual of each example is divided by its own $v_n$: examples in noisy
#   regions count less (a weighted least squares), and the term $\frac12 \log v_n$ stops the model from
#   explaining every residual away with a huge variance.
#
# For a fixed residual $r = y - f$, $c$ is smallest at $v = r^2$ (set $\partial c/\partial v$ to zero; see
# section 3). In code, pass the log-variance $a = \log v$ and use it directly: $\frac12 \log v$ is just $\frac12 a$,
# and $r^2/v = r^2 e^{-a}$. Going round through `np.log(np.exp(a))` is wasteful, and overflows or underflows once
# $|a|$ is large.

# %% [markdown]
# ### Exercise 1: `gaussian_nll` (2 points)
#
# Write `gaussian_nll(y, f, log_var)` for arrays of shape `(N,)`: the **mean** over the examples of
# $\frac12 a_n + \frac{(y_n - f_n)^2}{2 e^{a_n}} + \frac12 \log(2\pi)$, returned as a float.

# %% nbgrader={"grade": false, "grade_id": "gaussian_nll", "locked": false, "schema_version": 3, "solution": true, "task": false}
def gaussian_nll(y, f, log_var):
    """Mean negative log-likelihood of targets y under N(f, v) with v = exp(log_var).

    c_n = 0.5 * log_var_n + (y_n - f_n)**2 / (2 * v_n) + 0.5 * log(2 pi), and the result is the mean of c_n.

    Parameters
    ----------
    y : ndarray, shape (N,)
        Targets.
    f : ndarray, shape (N,)
        Predicted means.
    log_var : ndarray, shape (N,)
        Predicted log-variances a_n = log v_n.

    Returns
    -------
    float
        The mean negative log-likelihood (in nats).
    """
    ### BEGIN SOLUTION
    r = y - f
    return float(np.mean(0.5 * log_var + 0.5 * r**2 * np.exp(-log_var)) + 0.5 * np.log(2.0 * np.pi))
    ### END SOLUTION


# %%
# Try it: a perfect prediction with variance 1 costs 0.5 * log(2 pi) = 0.9189 nats.
print(f"{gaussian_nll(np.array([1.5]), np.array([1.5]), np.array([0.0])):.4f}")

# %% nbgrader={"grade": true, "grade_id": "test_gaussian_nll", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check gaussian_nll against hand-computed values and against the Gaussian density itself."""
diagnose("gaussian_nll", gaussian_nll)
half_log_2pi = 0.5 * np.log(2 * np.pi)
assert_close(call(gaussian_nll, np.array([2.0]), np.array([2.0]), np.array([0.0]), what="gaussian_nll([2], [2], [0])"),
             half_log_2pi, what="gaussian_nll(y=[2], f=[2], log_var=[0])",
             hint="With y = f and v = 1 only the constant 0.5 * log(2 pi) remains.")
yn = np.array([1.0, -2.0, 0.5])
fn = np.array([0.0, -1.0, 0.5])
vn = np.array([1.0, 4.0, 0.25])
# per example: 0.5 log v + r^2 / (2 v) = 0 + 0.5, log(2) + 1/8, -log(2) + 0
expected_nll = np.mean([0.5, np.log(2.0) + 0.125, -np.log(2.0)]) + half_log_2pi
assert_close(call(gaussian_nll, yn, fn, np.log(vn), what="gaussian_nll(yn, fn, log(vn))"), expected_nll, rtol=1e-10,
             what="gaussian_nll for residuals [1, -1, 0] and variances [1, 4, 0.25]",
             hint="Both terms carry a factor 1/2: 0.5 * log v and r**2 / (2 v). The result is a mean, not a sum.")
# the same thing from the density: mean of -log( exp(-r^2 / (2 v)) / sqrt(2 pi v) )
density = np.exp(-(yn - fn) ** 2 / (2 * vn)) / np.sqrt(2 * np.pi * vn)
assert_close(call(gaussian_nll, yn, fn, np.log(vn), what="gaussian_nll(yn, fn, log(vn))"), -np.mean(np.log(density)),
             rtol=1e-10, what="gaussian_nll compared with -mean(log(Gaussian density))")
### BEGIN HIDDEN TESTS
from coursekit.heteroscedastic import gaussian_nll as _ref_gaussian_nll

_rng = np.random.default_rng(9101)
for _n in (1, 7, 50):
    _y, _f = _rng.normal(0, 2, _n), _rng.normal(0, 2, _n)
    _a = _rng.uniform(-4, 4, _n)
    _dens = np.exp(-(_y - _f) ** 2 / (2 * np.exp(_a))) / np.sqrt(2 * np.pi * np.exp(_a))
    _out = call(gaussian_nll, _y, _f, _a, what=f"gaussian_nll on {_n} random examples")
    assert_close(_out, -np.mean(np.log(_dens)), rtol=1e-9, atol=1e-12, what=f"gaussian_nll on {_n} random examples")
    assert_close(_out, _ref_gaussian_nll(_y, _f, _a), rtol=1e-9, atol=1e-12, what=f"gaussian_nll ({_n} examples)")
# extreme but representable log-variances: use log_var directly, do not exponentiate and take the log again
_y, _f, _a = np.array([0.0, 1.0, 3.0]), np.array([0.0, 1.0 + 1e-3, 0.0]), np.array([-30.0, -10.0, 30.0])
assert_close(call(gaussian_nll, _y, _f, _a, what="gaussian_nll with log_var = -30, -10, 30"),
             _ref_gaussian_nll(_y, _f, _a), rtol=1e-9, what="gaussian_nll with log_var = -30, -10, 30")
# for a fixed residual the loss is smallest at v = r^2
_grid = np.linspace(np.log(0.3**2) - 1.0, np.log(0.3**2) + 1.0, 401)
_losses = [call(gaussian_nll, np.array([0.3]), np.array([0.0]), np.array([_g]), what="gaussian_nll") for _g in _grid]
assert abs(_grid[int(np.argmin(_losses))] - np.log(0.09)) < 0.01, "gaussian_nll should be smallest at v = r^2"
_y_saved = _y.copy()
call(gaussian_nll, _y, _f, _a, what="gaussian_nll")
assert np.array_equal(_y, _y_saved), "gaussian_nll must not modify its inputs"
### END HIDDEN TESTS

# %% [markdown]
# ### How the loss treats a wrong variance
#
# Fix the residual of one example and vary its log-variance $a$. Each curve bottoms out at $a = \log r^2$, but
# it is lopsided: to the right (variance too large) it rises like $\frac12 a$, a straight line; to the left
# (variance too small) it rises like $\frac12 r^2 e^{-a}$, an exponential wall. Overconfidence is punished far
# harder than caution. Keep that wall in mind for section 5.

# %%
a_line = np.linspace(-8.0, 4.0, 400)
curves = {}
for r in (0.1, 0.5, 1.5):
    curves[f"residual $r$ = {r}"] = np.array([gaussian_nll(np.array([r]), np.array([0.0]), np.array([a]))
                                                for a in a_line])
fig, ax = plt.subplots(figsize=(7.5, 4.2))
plot_curves(a_line, curves, ax=ax, title="Loss of one example as its log-variance varies",
            xlabel="log-variance $a = \\log v$", ylabel="negative log-likelihood $c$")
for r in (0.1, 0.5, 1.5):
    ax.plot(np.log(r**2), gaussian_nll(np.array([r]), np.array([0.0]), np.array([np.log(r**2)])), "ko")
ax.set_ylim(-3.0, 8.0)
ax.annotate("minimum at $a = \\log r^2$ (dots)", (np.log(0.25), -0.3), xytext=(-1.0, -2.4))
plt.show()

# %% [markdown]
# ## 3. Gradients with respect to the mean and the log-variance
#
# Differentiate $c = \frac12 \log v + \frac{(y-f)^2}{2v} + \text{const}$ for one example:
#
# $$\bar f = \frac{\partial c}{\partial f} = \frac{f - y}{v}, \qquad
#   \bar v = \frac{\partial c}{\partial v} = \frac{1}{2v} - \frac{(y - f)^2}{2v^2}.$$
#
# The network outputs $a$, not $v$. Since $v = e^{a}$ we have $\partial v/\partial a = e^{a} = v$, and the chain rule gives
#
# $$\bar a = \bar v \,\frac{\partial v}{\partial a} = \bar v\, v = \frac12 - \frac{(y - f)^2}{2v}.$$
#
# $\bar a = 0$ exactly when $v = r^2$, as promised. For the batch mean $C$, divide each example's gradient by $N$.
#
# Two properties matter later. First, $\bar f$ is the least-squares gradient divided by $v$: where the model
# believes the noise is small, the mean is pushed hard. Second, $\bar a$ never exceeds $\frac12$ but has no lower
# bound: a variance that is far too small for its residual produces an enormous (negative) gradient. Both
# are signs of the exponential wall of the previous figure.

# %% [markdown]
# ### Exercise 2: `gaussian_nll_grads` (3 points)
#
# Write `gaussian_nll_grads(y, f, log_var)` returning the pair `(df, dlog_var)`: the gradients of the **mean**
# loss $C$ of exercise 1 with respect to each $f_n$ and each $a_n$, both of shape `(N,)`. Mind the two classic
# slips: the gradient is with respect to $a = \log v$ (not $v$), and the factor $\frac12$.

# %% nbgrader={"grade": false, "grade_id": "gaussian_nll_grads", "locked": false, "schema_version": 3, "solution": true, "task": false}
def gaussian_nll_grads(y, f, log_var):
    """Gradients of the mean Gaussian NLL C (exercise 1) with respect to the means and the log-variances.

    With v_n = exp(log_var_n):  dC/df_n = (f_n - y_n) / (N v_n),
    dC/da_n = (1/2 - (y_n - f_n)**2 / (2 v_n)) / N.

    Parameters
    ----------
    y : ndarray, shape (N,)
        Targets.
    f : ndarray, shape (N,)
        Predicted means.
    log_var : ndarray, shape (N,)
        Predicted log-variances a_n.

    Returns
    -------
    df : ndarray, shape (N,)
        dC/df_n.
    dlog_var : ndarray, shape (N,)
        dC/da_n.
    """
    ### BEGIN SOLUTION
    n = y.shape[0]
    inv_v = np.exp(-log_var)
    r = f - y
    df = r * inv_v / n
    dlog_var = (0.5 - 0.5 * r**2 * inv_v) / n
    return df, dlog_var
    ### END SOLUTION


# %%
# Try it: residuals [1, 0], variances [1, 4]; expect df = [-0.5, 0] and dlog_var = [0, 0.25].
print(gaussian_nll_grads(np.array([1.0, 2.0]), np.array([0.0, 2.0]), np.log(np.array([1.0, 4.0]))))

# %% nbgrader={"grade": true, "grade_id": "test_gaussian_nll_grads", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""Check gaussian_nll_grads against the closed form and against finite differences of the loss."""
diagnose("gaussian_nll_grads", gaussian_nll_grads)
yg = np.array([1.0, -2.0, 0.5, 3.0])
fg = np.array([0.0, -1.0, 0.5, 1.0])
ag = np.log(np.array([1.0, 4.0, 0.25, 2.0]))
grads_g = call(gaussian_nll_grads, yg, fg, ag, what="gaussian_nll_grads(yg, fg, ag)")
assert isinstance(grads_g, tuple) and len(grads_g) == 2, "gaussian_nll_grads should return a pair (df, dlog_var)"
df_g, da_g = grads_g
assert_shape(df_g, (4,), what="df from gaussian_nll_grads for 4 examples")
assert_shape(da_g, (4,), what="dlog_var from gaussian_nll_grads for 4 examples")
# per example: (f - y) / v = [-1, 1/4, 0, -1];  1/2 - r^2 / (2 v) = [0, 3/8, 1/2, -1/2];  then divide by N = 4
assert_close(df_g, np.array([-1.0, 0.25, 0.0, -1.0]) / 4, rtol=1e-10, atol=1e-15, what="df for the example above",
             hint="df_n = (f_n - y_n) / v_n, divided by N because the loss is a mean.")
assert_close(da_g, np.array([0.0, 0.375, 0.5, -0.5]) / 4, rtol=1e-10, atol=1e-15, what="dlog_var for the example above",
             hint="The gradient is with respect to a = log v: multiply dC/dv by dv/da = v, which gives "
                  "1/2 - r^2 / (2 v) per example (keep the 1/2), divided by N.")


def nll_written_out(f, a):
    """The mean NLL for targets yg, written out here so that the check does not depend on exercise 1."""
    return np.mean(0.5 * a + 0.5 * (yg - f) ** 2 / np.exp(a)) + 0.5 * np.log(2 * np.pi)


assert_close(da_g, numerical_gradient(lambda a: nll_written_out(fg, a), ag.copy()), rtol=1e-6, atol=1e-9,
             what="dlog_var compared with finite differences of the loss")
assert_close(df_g, numerical_gradient(lambda f: nll_written_out(f, ag), fg.copy()), rtol=1e-6, atol=1e-9,
             what="df compared with finite differences of the loss")
### BEGIN HIDDEN TESTS
from coursekit.heteroscedastic import gaussian_nll_grads as _ref_gaussian_nll_grads

_rng = np.random.default_rng(9202)
for _n in (1, 5, 23):
    _y, _f, _a = _rng.normal(0, 1.5, _n), _rng.normal(0, 1.5, _n), _rng.uniform(-2.5, 2.5, _n)
    _y_saved = _y.copy()
    _df, _da = call(gaussian_nll_grads, _y, _f, _a, what=f"gaussian_nll_grads on {_n} random examples")

    def _C(f, a, _y=_y):
        return np.mean(0.5 * a + 0.5 * (_y - f) ** 2 * np.exp(-a)) + 0.5 * np.log(2 * np.pi)

    assert_close(_df, numerical_gradient(lambda f: _C(f, _a), _f.copy()), rtol=1e-5, atol=1e-8,
                 what=f"df on {_n} random examples (finite differences)")
    assert_close(_da, numerical_gradient(lambda a: _C(_f, a), _a.copy()), rtol=1e-5, atol=1e-8,
                 what=f"dlog_var on {_n} random examples (finite differences)")
    _rdf, _rda = _ref_gaussian_nll_grads(_y, _f, _a)
    assert_close(_df, _rdf, rtol=1e-9, atol=1e-14, what=f"df on {_n} random examples")
    assert_close(_da, _rda, rtol=1e-9, atol=1e-14, what=f"dlog_var on {_n} random examples")
    assert np.array_equal(_y, _y_saved), "gaussian_nll_grads must not modify its inputs"
# at v = r^2 the log-variance gradient vanishes; a perfect mean gives df = 0 and dlog_var = 1/(2N)
_df, _da = call(gaussian_nll_grads, np.array([0.7, 2.0]), np.array([0.0, 2.0]), np.array([np.log(0.49), 20.0]),
                what="gaussian_nll_grads at v = r^2")
assert_close(_da, [0.0, 0.25], atol=1e-12, what="dlog_var where v = r^2 and where r = 0")
assert_close(_df, [-0.7 / 0.49 / 2, 0.0], rtol=1e-10, atol=1e-15, what="df where v = r^2 and where r = 0")
# a variance far too small: large but finite gradients
_df, _da = call(gaussian_nll_grads, np.array([1.0]), np.array([0.0]), np.array([-20.0]),
                what="gaussian_nll_grads with log_var = -20")
assert_close(_da, [0.5 - 0.5 * np.exp(20.0)], rtol=1e-10, what="dlog_var with r = 1 and log_var = -20")
### END HIDDEN TESTS

# %% [markdown]
# ### Why the log-variance?
#
# The notes let the network output $a$ and set $v = e^{a}$. Two other choices look simpler.
#
# **Question (1 point).** Why not let the variance *be* the activation, $v = a = w_a^\top h + b_a$?

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_variance_is_activation", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# *Model answer.* A linear output unit can take any real value, but a variance must be strictly positive. Nothing
# stops gradient descent from pushing $a$ to zero or below for some input, and there the model is not a
# probability distribution at all: $\log v$ is undefined for $v \le 0$, and at $v = 0$ the loss is $-\infty$ or
# $+\infty$. One would need constraints or clipping. The exponential maps every real $a$ to a positive $v$, and
# reaches $v = 0$ only in the limit $a \to -\infty$. Grading: 1 point for "must be positive, a linear output
# can be negative or zero" with its consequence for the loss.

# %% [markdown]
# **Question (2 points).** Why not the square, $v = a^2$, which is never negative? Look at what happens near
# $a = 0$ (use the chain rule with $\partial v/\partial a = 2a$ and $\bar v$ from above), and at $a$ versus $-a$.

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_variance_is_square", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# *Model answer.* $a^2$ is zero at $a = 0$, an ordinary value that the network crosses easily (it is where a linear
# unit changes sign). Near it the variance collapses: the loss term $r^2/(2a^2)$ explodes for any nonzero
# residual, and the gradient $\bar a = \bar v \cdot 2a = \frac1a - \frac{r^2}{a^3}$ grows like $1/a^3$. Steps become
# huge and training unstable; a zero-residual example could even drive its loss to $-\infty$. Second, the map is
# not one-to-one: $a$ and $-a$ give the same variance, so the loss is symmetric in $a$, and to move from one sign to
# the other the model must pass through $v = 0$, the worst point. With $v = e^{a}$ the map is monotone, zero
# variance is infinitely far away, equal steps in $a$ change $v$ by equal *factors* (the natural scale for a
# quantity that spans orders of magnitude), and $\bar a = \frac12 - \frac{r^2}{2v}$ is bounded above by $\frac12$.
# Grading: 1 point for the collapse to zero variance at $a = 0$ with the exploding gradient, 1 for the
# non-monotonicity ($\pm a$) or the multiplicative-scale argument.

# %% [markdown]
# ## 4. One network, two heads
#
# The mean and the log-variance come from one hidden layer that both heads read:
#
# $$H = \tanh(X W_1 + b_1), \qquad f = H w_f + b_f, \qquad a = H w_a + b_a,$$
#
# with `X` $(N, d)$, $W_1$ $(d, K)$, $b_1$ $(K,)$, $H$ $(N, K)$, $w_f, w_a$ $(K,)$ and $b_f, b_a$ $(1,)$ (we use $K$
# for the hidden width). A tanh keeps both curves smooth. The variance head starts at zero, $w_a = 0$ and $b_a = 0$,
# so the untrained model predicts $v = 1$ everywhere.
#
# **Backward pass.** Following the module API of the notes, `backward` receives the gradients of the loss with
# respect to the two outputs, $\bar f$ and $\bar a$ (from exercise 2), and works back:
#
# * heads: $\bar w_f = H^\top \bar f$, $\bar b_f = \sum_n \bar f_n$, and likewise $\bar w_a = H^\top \bar a$,
#   $\bar b_a = \sum_n \bar a_n$;
# * shared layer: $H$ feeds **both** heads, so its gradient is the sum of the two contributions,
#   $$\bar H = \bar H^{(f)} + \bar H^{(\sigma)} = \bar f\, w_f^\top + \bar a\, w_a^\top \qquad (N, K),$$
#   the notes' $\bar h^{(L)} = \bar h^{(\sigma)} + \bar h^{(f)}$; in numpy `np.outer(df, wf) + np.outer(dlog_var, wa)`;
# * through the tanh: $\bar Z_1 = \bar H \odot (1 - H^2)$;
# * first layer: $\bar W_1 = X^\top \bar Z_1$, $\bar b_1 = \sum_n \bar Z_{1,n}$, and $\bar X = \bar Z_1 W_1^\top$ (returned).

# %% [markdown]
# ### Exercise 3: `HeteroscedasticMLP.backward` (3 points)
#
# Complete `backward(self, df, dlog_var)` below: set the six gradients `self.dW1, self.db1, self.dwf, self.dbf,
# self.dwa, self.dba` (each with the shape of its parameter) and return `dX`. `forward` has stored `self.X`
# and `self.H` for you. (`coursekit.heteroscedastic.HeteroscedasticMLP` is the same model with input checks.)

# %% nbgrader={"grade": false, "grade_id": "HeteroscedasticMLP_backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
class HeteroscedasticMLP:
    """A shared tanh hidden layer with a mean head and a log-variance head.

    H = tanh(X @ W1 + b1),  f = H @ wf + bf,  a = H @ wa + ba  (a = log v).
    Shapes: X (N, d), W1 (d, K), b1 (K,), H (N, K), wf and wa (K,), bf and ba (1,), f and a (N,).
    """

    def __init__(self, n_in, n_hidden, *, rng):
        self.W1 = rng.standard_normal((n_in, n_hidden)) / np.sqrt(n_in)
        self.b1 = np.zeros(n_hidden)
        self.wf = rng.standard_normal(n_hidden) / np.sqrt(n_hidden)
        self.bf = np.zeros(1)
        self.wa = np.zeros(n_hidden)   # the variance head starts at v = 1 everywhere
        self.ba = np.zeros(1)
        self.dW1, self.db1 = np.zeros_like(self.W1), np.zeros_like(self.b1)
        self.dwf, self.dbf = np.zeros_like(self.wf), np.zeros_like(self.bf)
        self.dwa, self.dba = np.zeros_like(self.wa), np.zeros_like(self.ba)

    def forward(self, X):
        """Return (f, log_var), both of shape (N,), for inputs X of shape (N, d); remember X and H."""
        self.X = X
        self.H = np.tanh(X @ self.W1 + self.b1)
        return self.H @ self.wf + self.bf, self.H @ self.wa + self.ba

    def backward(self, df, dlog_var):
        """Back-propagate dC/df and dC/da (both of shape (N,)) through the last forward pass.

        Sets self.dW1 (d, K), self.db1 (K,), self.dwf (K,), self.dbf (1,), self.dwa (K,), self.dba (1,).

        Returns
        -------
        dX : ndarray, shape (N, d)
            dC/dX.
        """
        ### BEGIN SOLUTION
        H = self.H
        self.dwf = H.T @ df
        self.dbf = np.array([df.sum()])
        self.dwa = H.T @ dlog_var
        self.dba = np.array([dlog_var.sum()])
        dH = np.outer(df, self.wf) + np.outer(dlog_var, self.wa)   # both heads read H
        dZ1 = dH * (1.0 - H**2)
        self.dW1 = self.X.T @ dZ1
        self.db1 = dZ1.sum(axis=0)
        return dZ1 @ self.W1.T
        ### END SOLUTION

    def params(self):
        """[W1, b1, wf, bf, wa, ba]: the arrays themselves (an optimizer updates them in place)."""
        return [self.W1, self.b1, self.wf, self.bf, self.wa, self.ba]

    def grads(self):
        """[dW1, db1, dwf, dbf, dwa, dba], in the order of params()."""
        return [self.dW1, self.db1, self.dwf, self.dbf, self.dwa, self.dba]


# %%
# Try it: the shapes of the gradients for 4 inputs with d = 1 and K = 3 hidden units.
net_try = HeteroscedasticMLP(1, 3, rng=np.random.default_rng(1))
f_try, a_try = net_try.forward(np.array([[-1.0], [0.0], [0.5], [2.0]]))
dX_try = net_try.backward(np.ones(4) / 4, np.ones(4) / 4)
print("dX:", dX_try.shape, " grads:", [g.shape for g in net_try.grads()])

# %% nbgrader={"grade": true, "grade_id": "test_HeteroscedasticMLP_backward", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""Check HeteroscedasticMLP.backward against finite differences, parameter by parameter."""
diagnose("HeteroscedasticMLP_backward", HeteroscedasticMLP)
rng_b = np.random.default_rng(7)
net_b = HeteroscedasticMLP(2, 3, rng=rng_b)
for p in net_b.params():
    p[...] = rng_b.standard_normal(p.shape)   # nonzero everywhere, also the variance head
Xb = rng_b.standard_normal((5, 2))
gf_b, ga_b = rng_b.standard_normal(5), rng_b.standard_normal(5)


def probe_b(X):
    """L = sum(gf_b * f + ga_b * a), with the forward pass written out here; backward(gf_b, ga_b) is dL/d(...)."""
    H = np.tanh(X @ net_b.W1 + net_b.b1)
    return gf_b @ (H @ net_b.wf + net_b.bf) + ga_b @ (H @ net_b.wa + net_b.ba)


net_b.forward(Xb)
dX_b = call(net_b.backward, gf_b, ga_b, what="net.backward(df, dlog_var)")
assert_shape(dX_b, (5, 2), what="the dX returned by backward for X of shape (5, 2)")
hints_b = {
    "dwf": "dwf = H.T @ df.", "dbf": "dbf is the sum of df over the batch, shape (1,).",
    "dwa": "dwa = H.T @ dlog_var.", "dba": "dba is the sum of dlog_var over the batch, shape (1,).",
    "dW1": "H feeds both heads: dH = outer(df, wf) + outer(dlog_var, wa); then dZ1 = dH * (1 - H**2), dW1 = X.T @ dZ1.",
    "db1": "db1 is the sum of dZ1 over the batch (axis 0), shape (K,).",
}
for name in ("dwf", "dbf", "dwa", "dba", "dW1", "db1"):
    param = getattr(net_b, name[1:])
    numeric = numerical_gradient(lambda _: probe_b(Xb), param)
    assert_close(getattr(net_b, name), numeric, rtol=1e-6, atol=1e-9, what=f"net.{name} (finite differences)",
                 hint=hints_b[name])
assert_close(dX_b, numerical_gradient(probe_b, Xb.copy()), rtol=1e-6, atol=1e-9, what="dX (finite differences)",
             hint="dX = dZ1 @ W1.T.")
### BEGIN HIDDEN TESTS
from coursekit.heteroscedastic import HeteroscedasticMLP as _RefMLP

_rng = np.random.default_rng(9303)
for _d, _K, _N in ((3, 7, 11), (1, 4, 1), (2, 1, 6)):
    _net = HeteroscedasticMLP(_d, _K, rng=np.random.default_rng(_N))
    _ref = _RefMLP(_d, _K, rng=np.random.default_rng(_N))
    for _p, _q in zip(_net.params(), _ref.params()):
        _p[...] = _rng.standard_normal(_p.shape)
        _q[...] = _p
    _X = _rng.standard_normal((_N, _d))
    _X_saved = _X.copy()
    _gf, _ga = _rng.standard_normal(_N), _rng.standard_normal(_N)
    _gf_saved = _gf.copy()
    _net.forward(_X)
    _ref.forward(_X)
    _dX = call(_net.backward, _gf, _ga, what=f"backward with d={_d}, K={_K}, N={_N}")
    _rdX = _ref.backward(_gf, _ga)
    assert_close(_dX, _rdX, rtol=1e-9, atol=1e-12, what=f"dX with d={_d}, K={_K}, N={_N}")
    for _name in ("dW1", "db1", "dwf", "dbf", "dwa", "dba"):
        assert_close(getattr(_net, _name), getattr(_ref, _name), rtol=1e-9, atol=1e-12,
                     what=f"net.{_name} with d={_d}, K={_K}, N={_N}")
    assert np.array_equal(_X, _X_saved) and np.array_equal(_gf, _gf_saved), "backward must not modify its inputs"
# only the variance head receives a gradient: the shared layer must still get its share
_net = HeteroscedasticMLP(2, 5, rng=np.random.default_rng(3))
for _p in _net.params():
    _p[...] = _rng.standard_normal(_p.shape)
_X, _ga = _rng.standard_normal((8, 2)), _rng.standard_normal(8)
_net.forward(_X)
call(_net.backward, np.zeros(8), _ga, what="backward with df = 0")


def _La(_unused):
    _H = np.tanh(_X @ _net.W1 + _net.b1)
    return _ga @ (_H @ _net.wa + _net.ba)


assert_close(_net.dW1, numerical_gradient(_La, _net.W1), rtol=1e-6, atol=1e-9,
             what="dW1 when only the variance head has a gradient (df = 0)")
assert_close(_net.dwf, np.zeros(5), atol=1e-15, what="dwf when df = 0")
### END HIDDEN TESTS

# %% [markdown]
# ### The whole chain, checked once
#
# Exercises 2 and 3 together give the gradient of the loss with respect to every weight. One more finite-
# difference check, now of the actual loss of a small random network:

# %%
net_check = HeteroscedasticMLP(1, 5, rng=np.random.default_rng(2))
net_check.wa[...] = 0.3 * np.random.default_rng(3).standard_normal(5)   # switch the variance head on
X_small, y_small = X_train[:20], y_train[:20]
net_check.backward(*gaussian_nll_grads(y_small, *net_check.forward(X_small)))
for name in ("W1", "wf", "wa"):
    numeric = numerical_gradient(lambda _: gaussian_nll(y_small, *net_check.forward(X_small)), getattr(net_check, name))
    analytic = getattr(net_check, "d" + name)
    err = np.max(np.abs(analytic - numeric)) / max(np.max(np.abs(analytic) + np.abs(numeric)), 1e-300)
    print(f"d{name}: relative error {err:.0e}" if err > 1e-8 else f"d{name}: relative error below 1e-8")

# %% [markdown]
# ## 5. Training, and the error bars it learns
#
# `coursekit.heteroscedastic.fit_heteroscedastic` runs the loop: each step calls `forward`, your
# `gaussian_nll_grads` (passed in as `loss_grads`), your `backward`, and then updates every parameter with Adam
# (the optimiser of notebook 06). Step size 0.005 for the shared layer and the mean head, half of that for the
# variance head (`lr_var`). It returns the training loss after every epoch. Section 8 explains why plain
# gradient descent is not used here.

# %% tags=["nbval-ignore-output"]
def new_model(seed=1):
    """A fresh network with 24 hidden units; the same seed gives the same initial weights."""
    return HeteroscedasticMLP(1, 24, rng=np.random.default_rng(seed))


def mean_and_std(model, X):
    """The model's mean f(x) and standard deviation sqrt(v(x)) = exp(a(x) / 2), both of shape (M,)."""
    f, a = model.forward(X)
    return f, np.exp(0.5 * a)


het = new_model()
history_het = fit_heteroscedastic(het, X_train, y_train, lr=0.005, epochs=EPOCHS, rng=rng,
                                  loss_grads=gaussian_nll_grads)
f_het, sd_het = mean_and_std(het, X_grid)

fig, (ax_fit, ax_sd) = plt.subplots(1, 2, figsize=(12, 4.3))
ax_fit.scatter(X_train[:, 0], y_train, s=10, color="0.7", label="training data")
ax_fit.plot(x_grid, mu_grid, "k-", linewidth=1.5, label="true mean")
ax_fit.plot(x_grid, mu_grid + 2 * s_grid, "k:", linewidth=1.5, label="true $\\pm 2 s(x)$")
ax_fit.plot(x_grid, mu_grid - 2 * s_grid, "k:", linewidth=1.5)
ax_fit.plot(x_grid, f_het, "C0--", linewidth=2, label="network mean $f(x)$")
ax_fit.fill_between(x_grid, f_het - 2 * sd_het, f_het + 2 * sd_het, color="C0", alpha=0.25,
                    label="network $f \\pm 2\\sigma(x)$")
ax_fit.set_title("Heteroscedastic network: mean $\\pm$ two standard deviations")
ax_fit.set_xlabel("input $x$")
ax_fit.set_ylabel("target $y$")
ax_fit.legend(loc="upper left", fontsize=9)
plot_curves(x_grid, {"true $s(x)$": s_grid, "learned $\\sigma(x)$": sd_het}, ax=ax_sd,
            title="Noise level: learned versus true", xlabel="input $x$", ylabel="standard deviation")
fig.tight_layout()
plt.show()


def report(name, sd):
    """Print and return how well a standard-deviation curve on x_grid matches the true s(x)."""
    corr = np.corrcoef(sd, s_grid)[0, 1]
    rmse_log = np.sqrt(np.mean((np.log(sd) - np.log(s_grid)) ** 2))
    print(f"{name:<34} correlation with true s(x): {corr:.3f}   RMS error of log sigma: {rmse_log:.3f}")
    return corr, rmse_log


corr_het, rmse_log_het = report("heteroscedastic network", sd_het)
print(f"so the error bar is typically within about {100 * rmse_log_het:.0f} % of the true noise level")
print(f"RMS error of the mean on the grid: {np.sqrt(np.mean((f_het - mu_grid) ** 2)):.3f}")
edge = X_train[:, 0] > 2.5
print(f"the {edge.sum()} training points with x > 2.5 scatter around the true mean with RMS "
      f"{np.sqrt(np.mean((y_train[edge] - true_mean(X_train[edge, 0])) ** 2)):.2f}; "
      f"the true s(x) there is {np.sqrt(np.mean(true_std(X_train[edge, 0]) ** 2)):.2f}")
# The exact numbers above depend on the last bits of floating point (they differ between CPUs), so nbval does
# not compare this cell's output. These checks hold the claims of the text below, with room to spare (for the
# full-length run: under grading the demos are shorter).
if not GRADING:
    assert corr_het > 0.95 and rmse_log_het < 0.2, "the learned sigma(x) should follow the true s(x) closely"
    assert np.all(sd_het[x_grid > 2.5] < s_grid[x_grid > 2.5]), "at the right edge sigma(x) should fall short of s(x)"

# %% [markdown]
# On a grid across the input range the learned $\sigma(x)$ follows the true $s(x)$ closely, across a tenfold change
# in the noise level: the correlation is close to 1, and the RMS error in $\log\sigma$ is small. For small errors a
# difference of logs is a relative difference, so an RMS error of, say, 0.1 in $\log\sigma$ means an error bar
# typically within about 10 % of the truth (the cell prints the figure for this run). At the right edge the learned
# $\sigma(x)$ falls short of the truth, and that is mostly the data's doing: the few training points there happen to
# scatter less than the true $s(x)$ says, and a model can only learn the noise it sees. (The log-residual fit of
# section 7 dips there too.)

# %% [markdown]
# ## 6. Compared with one variance for all inputs
#
# The usual least-squares network has a constant variance. We get it from the same code: keep the variance head
# frozen for the whole run (`warmup_epochs=EPOCHS`), so that $v = 1$ and the loss is least squares up to
# constants, and afterwards set the single variance to the mean squared training residual, which is its
# maximum-likelihood value.
#
# We score both models on 5000 fresh test points in two ways: the mean test NLL (lower is better; the true
# model sets the floor), and the **coverage** of the $\pm 2\sigma$ band, which for a Gaussian should contain
# about 95 % of the points, everywhere.

# %% tags=["nbval-ignore-output"]
hom = new_model()
fit_heteroscedastic(hom, X_train, y_train, lr=0.005, epochs=EPOCHS, warmup_epochs=EPOCHS, rng=rng,
                    loss_grads=gaussian_nll_grads)
resid_train = y_train - hom.forward(X_train)[0]
sd_hom_const = np.sqrt(np.mean(resid_train**2))
f_hom = hom.forward(X_grid)[0]


def coverage(f, sd, region):
    """Fraction of the test points in `region` (a boolean mask) that fall inside f +- 2 sd."""
    inside = np.abs(y_test - f) <= 2 * sd
    return np.mean(inside[region])


f_het_test, sd_het_test = mean_and_std(het, X_test)
f_hom_test = hom.forward(X_test)[0]
left, right = X_test[:, 0] < 0, X_test[:, 0] >= 0
everywhere = np.ones(len(y_test), dtype=bool)
rows = [("true model", mean_test, std_test), ("heteroscedastic network", f_het_test, sd_het_test),
        ("constant variance", f_hom_test, np.full(len(y_test), sd_hom_const))]
scores = {}  # name -> (test NLL, coverage everywhere, for x < 0, for x >= 0)
print(f"{'':<26}{'test NLL':>9}{'coverage: all':>15}{'x < 0':>8}{'x >= 0':>8}")
for name, f, sd in rows:
    scores[name] = (gaussian_nll(y_test, f, 2 * np.log(sd)),
                    coverage(f, sd, everywhere), coverage(f, sd, left), coverage(f, sd, right))
    print(f"{name:<26}{scores[name][0]:>9.3f}{scores[name][1]:>15.3f}{scores[name][2]:>8.3f}{scores[name][3]:>8.3f}")
print(f"constant variance, x >= 0: one point in {1 / (1 - scores['constant variance'][3]):.0f} lands outside "
      "the band (for a Gaussian: one in 20)")
# The text below, checked with margins wide enough for any CPU's rounding (nbval skips this cell's output).
nll_het, _, *cover_het = scores["heteroscedastic network"]
nll_hom, cover_hom, left_hom, right_hom = scores["constant variance"]
if not GRADING:
    assert all(0.9 < c < 0.98 for c in cover_het), "the learned band should cover about 95 % on both sides"
    assert 0.9 < cover_hom < 0.97 and left_hom > 0.98 and right_hom < 0.9, "the constant band: right on average only"
    assert nll_hom > nll_het + 0.2, "the constant-variance model's test NLL should be much worse"

fig, ax = plt.subplots(figsize=(8, 4.3))
ax.scatter(X_train[:, 0], y_train, s=10, color="0.7", label="training data")
ax.plot(x_grid, mu_grid + 2 * s_grid, "k:", linewidth=1.5, label="true $\\pm 2 s(x)$")
ax.plot(x_grid, mu_grid - 2 * s_grid, "k:", linewidth=1.5)
ax.plot(x_grid, f_hom + 2 * sd_hom_const, "C3-.", linewidth=2, label="constant variance $\\pm 2\\sigma$")
ax.plot(x_grid, f_hom - 2 * sd_hom_const, "C3-.", linewidth=2)
ax.plot(x_grid, f_het + 2 * sd_het, "C0--", linewidth=2, label="heteroscedastic $\\pm 2\\sigma(x)$")
ax.plot(x_grid, f_het - 2 * sd_het, "C0--", linewidth=2)
ax.set_title("Error bars: one variance for all inputs versus a learned $\\sigma(x)$")
ax.set_xlabel("input $x$")
ax.set_ylabel("target $y$")
ax.legend(loc="upper left", fontsize=9)
plt.show()

# %% [markdown]
# The constant-variance model's band is roughly right *on average* (its overall coverage is not far below 95 %),
# but it is far too wide on the left, where the data are precise (almost every point is inside), and too narrow
# on the right, where points land outside several times as often as the one in twenty a Gaussian band allows.
# Its test NLL is much worse. The heteroscedastic network's band covers close to 95 % on both sides, like the
# true model's.

# %% [markdown]
# ## 7. The notes' alternative: regress the log squared residuals
#
# The notes suggest a two-stage shortcut: fit the mean first (least squares), then fit a second model to the
# *log squared residuals* $t_n = \log r_n^2$, $r_n = y_n - f(x_n)$, and use its prediction as $\log v(x)$.
#
# **A bias the notes do not mention.** If $r = s(x)\,\varepsilon$ with $\varepsilon \sim \mathcal N(0, 1)$, then
#
# $$\log r^2 = \log s(x)^2 + \log \varepsilon^2, \qquad
#   \mathbb E[\log \varepsilon^2] = \psi(\tfrac12) + \log 2 = -\gamma - \log 2 \approx -1.2704,$$
#
# ($\gamma$ is Euler's constant, $\psi$ the digamma function). The average of a log is below the log of the
# average ($\log$ is concave, Jensen's inequality), and $\log \varepsilon^2$ has a long tail towards $-\infty$ from
# residuals that happen to be near zero. A regression of $\log r^2$ therefore estimates $\log s(x)^2 - 1.27$: taken
# literally, the shortcut underestimates every variance by a factor $e^{1.27} \approx 3.6$ (every standard deviation
# by 1.9). The fix is to add $\gamma + \log 2$ to the prediction. The next cell checks the constant by simulation.

# %%
eps = rng.standard_normal(1_000_000)
print(f"mean of log(eps^2) over 10^6 draws: {np.mean(np.log(eps**2)):.3f}   "
      f"-(gamma + log 2) = {-(np.euler_gamma + np.log(2)):.4f}")

# %% [markdown]
# **The second model.** The notes fit "a neural network" to the $t_n$. We use the simplest network that can be
# fitted in closed form: one hidden layer of Gaussian bumps (radial basis functions) with *fixed* centres
# $c_k$ and width $s$,
#
# $$\Phi_{nk} = \exp\!\Big(-\frac{\lVert x_n - c_k\rVert^2}{2 s^2}\Big) \qquad
#   \text{(`rbf_features(X, centres, width)`, shape } (N, K)\text{)},$$
#
# and a linear output layer $\Phi\beta + \beta_0$ fitted by ridge regression:
#
# $$(\hat\beta, \hat\beta_0) = \arg\min_{\beta,\beta_0} \sum_n \big(t_n - \Phi_n\beta - \beta_0\big)^2 + \lambda N\lVert\beta\rVert^2 .$$
#
# The intercept $\beta_0$ is not penalised. With the design matrix $A = [\Phi, \mathbf 1]$ of shape $(N, K+1)$ and
# $\theta = (\beta, \beta_0)$, the minimiser solves $(A^\top A + P)\,\theta = A^\top t$, where $P$ is diagonal with
# $\lambda N$ in the first $K$ entries and 0 in the last.
#
# One practical detail: a residual that is exactly zero has $\log 0 = -\infty$. Replace each $r_n^2$ by
# $\max(r_n^2,\ \text{floor}\cdot\overline{r^2})$ first, with $\overline{r^2}$ the mean squared residual and a tiny `floor`.

# %% [markdown]
# ### Exercise 4: `fit_log_residuals` (3 points)
#
# Write `fit_log_residuals(X, residuals, centres, width, *, ridge=1e-3, correct_bias=True, floor=1e-12)`. It
# returns a **function** `log_var(X_new)` that maps inputs of shape `(M, d)` to the predicted log-variance,
# shape `(M,)`: $\phi(x)^\top\hat\beta + \hat\beta_0$, plus $\gamma + \log 2$ (`np.euler_gamma + np.log(2)`) when
# `correct_bias` is true. Use `rbf_features` (imported above) for $\Phi$.

# %% nbgrader={"grade": false, "grade_id": "fit_log_residuals", "locked": false, "schema_version": 3, "solution": true, "task": false}
def fit_log_residuals(X, residuals, centres, width, *, ridge=1e-3, correct_bias=True, floor=1e-12):
    """Fit log squared residuals by ridge regression on RBF features; return a log-variance function.

    t_n = log(max(r_n**2, floor * mean(r**2))); minimise sum_n (t_n - Phi_n @ beta - beta0)**2
    + ridge * N * |beta|**2 with Phi = rbf_features(X, centres, width) (beta0 not penalised).

    Parameters
    ----------
    X : ndarray, shape (N, d)
        Inputs.
    residuals : ndarray, shape (N,)
        Residuals r_n = y_n - f(x_n) of a fitted mean model (not all zero).
    centres : ndarray, shape (K, d)
        RBF centres.
    width : float
        RBF width s > 0.
    ridge : float
        The penalty lambda >= 0 (multiplied by N).
    correct_bias : bool
        Add gamma + log 2 (about 1.2704) to the predictions: E[log eps^2] = -(gamma + log 2) for eps ~ N(0, 1).
    floor : float
        Squared residuals below floor * mean(r**2) are raised to that value before the log.

    Returns
    -------
    callable
        log_var(X_new) with X_new of shape (M, d) returns the predicted log-variances, shape (M,).
    """
    ### BEGIN SOLUTION
    r2 = residuals**2
    t = np.log(np.maximum(r2, floor * np.mean(r2)))
    Phi = rbf_features(X, centres, width)
    n, k = Phi.shape
    A = np.column_stack([Phi, np.ones(n)])
    penalty = np.diag(np.append(np.full(k, ridge * n), 0.0))
    theta = np.linalg.solve(A.T @ A + penalty, A.T @ t)
    offset = np.euler_gamma + np.log(2.0) if correct_bias else 0.0

    def log_var(X_new):
        return rbf_features(X_new, centres, width) @ theta[:k] + theta[k] + offset

    return log_var
    ### END SOLUTION


# %%
# Try it: residuals of size 0.5 everywhere give log(0.25) + 1.2704 = -0.116 at every input.
print(np.round(fit_log_residuals(np.linspace(-1, 1, 10)[:, None], np.full(10, 0.5) * (-1) ** np.arange(10),
                                 np.array([[-0.5], [0.5]]), 0.5)(np.array([[-2.0], [0.0], [3.0]])), 4))

# %% nbgrader={"grade": true, "grade_id": "test_fit_log_residuals", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""Check fit_log_residuals on residuals of constant size and on a log-variance the features represent exactly."""
diagnose("fit_log_residuals", fit_log_residuals)
X_lr = np.linspace(-2.0, 2.0, 40)[:, None]
centres_lr, width_lr = np.array([[-1.0], [0.0], [1.5]]), 0.9
X_new_lr = np.array([[-3.0], [0.25], [2.5]])
signs = np.where(np.arange(40) % 2 == 0, 1.0, -1.0)
gamma_log2 = np.euler_gamma + np.log(2.0)
fitted = call(fit_log_residuals, X_lr, 0.5 * signs, centres_lr, width_lr, what="fit_log_residuals(...)")
assert callable(fitted), "fit_log_residuals should return a function log_var(X_new)"
out_lr = call(fitted, X_new_lr, what="log_var(X_new) for residuals of constant size")
assert_shape(out_lr, (3,), what="log_var(X_new) for X_new of shape (3, 1)")
assert_close(out_lr, np.full(3, np.log(0.25) + gamma_log2), rtol=1e-8, atol=1e-10,
             what="log_var when every residual is +-0.5 (correct_bias=True)",
             hint="log r^2 = log 0.25 for every example, so the fit is that constant; then add gamma + log 2. "
                  "Square the residuals (log r^2, not log |r|).")
uncorrected = call(fit_log_residuals, X_lr, 0.5 * signs, centres_lr, width_lr, correct_bias=False,
                   what="fit_log_residuals(..., correct_bias=False)")
assert_close(call(uncorrected, X_new_lr, what="log_var(X_new)"), np.full(3, np.log(0.25)), rtol=1e-8, atol=1e-10,
             what="log_var for residuals +-0.5 with correct_bias=False")
# log r^2 = Phi @ beta + beta0 exactly: with ridge = 0 the fit must return exactly that (plus the correction)
beta_lr, beta0_lr = np.array([0.7, -1.2, 0.4]), -0.3
exact = rbf_features(X_lr, centres_lr, width_lr) @ beta_lr + beta0_lr
fit_exact = call(fit_log_residuals, X_lr, np.exp(0.5 * exact) * signs, centres_lr, width_lr, ridge=0.0,
                 what="fit_log_residuals(..., ridge=0)")
assert_close(call(fit_exact, X_new_lr, what="log_var(X_new)"),
             rbf_features(X_new_lr, centres_lr, width_lr) @ beta_lr + beta0_lr + gamma_log2, rtol=1e-6, atol=1e-8,
             what="log_var when log r^2 is exactly Phi @ beta + beta0 (ridge=0)",
             hint="Fit beta and the intercept beta0 together, e.g. with the design matrix [Phi, 1].")
### BEGIN HIDDEN TESTS
from coursekit.heteroscedastic import fit_log_residuals as _ref_fit_log_residuals

_rng = np.random.default_rng(9404)
# statistics: many residuals from a known noise level
_X = _rng.uniform(-3, 3, (20000, 1))
_r = true_std(_X[:, 0]) * _rng.standard_normal(20000)
_c = np.linspace(-3, 3, 9)[:, None]
_xg = np.linspace(-2.8, 2.8, 57)[:, None]
_truth = 2 * np.log(true_std(_xg[:, 0]))
_fit = call(fit_log_residuals, _X, _r, _c, 0.75, what="fit_log_residuals on 20000 residuals")
_pred = call(_fit, _xg, what="log_var on a grid")
assert np.sqrt(np.mean((_pred - _truth) ** 2)) < 0.15, "with the bias corrected, the fit should recover log s(x)^2"
assert_close(_pred, _ref_fit_log_residuals(_X, _r, _c, 0.75)(_xg), rtol=1e-6, atol=1e-8,
             what="log_var on a grid (20000 residuals)")
_raw = call(fit_log_residuals, _X, _r, _c, 0.75, correct_bias=False, what="fit_log_residuals")
assert_close(_pred - call(_raw, _xg, what="log_var"), np.full(57, np.euler_gamma + np.log(2.0)), rtol=1e-8,
             what="difference between correct_bias=True and False")
# two inputs, a larger ridge, and one residual that is exactly zero
_X2 = _rng.uniform(-1, 1, (60, 2))
_r2 = _rng.standard_normal(60) * np.exp(_X2[:, 0])
_r2[5] = 0.0
_c2 = np.array([[a, b] for a in (-0.5, 0.5) for b in (-0.5, 0.5)])
_new = _rng.uniform(-1, 1, (7, 2))
_out = call(call(fit_log_residuals, _X2, _r2, _c2, 0.6, ridge=0.05, what="fit_log_residuals in 2-D"), _new,
            what="log_var in 2-D")
assert_shape(_out, (7,), what="log_var for 7 new inputs in 2-D")
assert_close(_out, _ref_fit_log_residuals(_X2, _r2, _c2, 0.6, ridge=0.05)(_new), rtol=1e-6, atol=1e-8,
             what="log_var in 2-D with ridge=0.05 and one zero residual",
             hint="The intercept is not penalised; zero residuals are raised to floor * mean(r**2) before the log.")
_r_saved = _r2.copy()
call(fit_log_residuals, _X2, _r2, _c2, 0.6, what="fit_log_residuals")
assert np.array_equal(_r2, _r_saved), "fit_log_residuals must not modify the residuals"
### END HIDDEN TESTS

# %% [markdown]
# ### The shortcut on our data
#
# Take the residuals of the constant-variance network of section 6, fit their log squares with 7 centres
# spread over $[-3, 3]$ (width 1, `ridge=0.01`), with and without the correction, and compare all noise models on
# the grid and on the test set. The mean comes from the least-squares network in both shortcut rows.

# %% tags=["nbval-ignore-output"]
needs("resid_train", "sd_hom_const", "f_hom_test", "sd_het", "f_het_test", "sd_het_test",
      exercise="each of gaussian_nll_grads and HeteroscedasticMLP.backward")
centres_7 = np.linspace(-3.0, 3.0, 7)[:, None]
log_var_fit = fit_log_residuals(X_train, resid_train, centres_7, 1.0, ridge=0.01)
log_var_raw = fit_log_residuals(X_train, resid_train, centres_7, 1.0, ridge=0.01, correct_bias=False)
sd_lr, sd_lr_raw = np.exp(0.5 * log_var_fit(X_grid)), np.exp(0.5 * log_var_raw(X_grid))

fig, ax = plt.subplots(figsize=(8, 4.3))
plot_curves(x_grid, {"true $s(x)$": s_grid, "heteroscedastic network": sd_het,
                     "log residuals, corrected": sd_lr, "log residuals, as in the notes": sd_lr_raw,
                     "constant variance": np.full_like(x_grid, sd_hom_const)}, ax=ax,
            title="Learned noise levels compared", xlabel="input $x$", ylabel="standard deviation $\\sigma(x)$")
ax.legend(loc="upper left", fontsize=9)
plt.show()

log_errors = {name: report(name, sd)[1] for name, sd in (("heteroscedastic network", sd_het),
                                                            ("log residuals, corrected", sd_lr),
                                                            ("log residuals, uncorrected", sd_lr_raw))}
print()
test_nll = {}
for name, f, log_v in (("heteroscedastic network", f_het_test, 2 * np.log(sd_het_test)),
                       ("log residuals, corrected", f_hom_test, log_var_fit(X_test)),
                       ("log residuals, uncorrected", f_hom_test, log_var_raw(X_test)),
                       ("constant variance", f_hom_test, np.full(len(y_test), 2 * np.log(sd_hom_const)))):
    test_nll[name] = gaussian_nll(y_test, f, log_v)
    print(f"{name:<28} test NLL {test_nll[name]:.3f}")
# The text below, checked with margins wide enough for any CPU's rounding (nbval skips this cell's output).
if not GRADING:
    assert log_errors["log residuals, uncorrected"] > 2 * log_errors["log residuals, corrected"]
    assert test_nll["log residuals, uncorrected"] > test_nll["constant variance"] + 0.1
    assert test_nll["heteroscedastic network"] < test_nll["log residuals, corrected"] < test_nll["constant variance"] - 0.2

# %% [markdown]
# Correlation cannot see the bias (a constant factor in $\sigma$ leaves it unchanged), but the log error and the
# test NLL can: uncorrected, the shortcut's error bars are about half as wide as they should be, and its test NLL
# is worse than the constant-variance model's. Corrected, it comes close to the jointly trained network. The
# network still wins here, for two reasons: it fits the mean and the variance together (weighting the precise
# region more when it fits the mean), and the log of a squared residual is a very noisy target (its standard
# deviation is $\pi/\sqrt2 \approx 2.2$ whatever $s(x)$), which costs the regression data. The shortcut also inherits
# every error of the mean fit: where the noise is small, even a slight bias in $f$ dominates the residuals and
# inflates the variance estimate there. Its strength is that it needs nothing but least squares and a linear
# solve: no new gradients, no learning-rate trouble.

# %% [markdown]
# ## 8. The instability the notes warn about
#
# The notes warn that the variance network is hard to fit, and that the learning rates are the sticking point. Here
# is why, and what to do. Take plain gradient descent, $\theta \leftarrow \theta - \eta\,\bar\theta$, with a step
# $\eta = 0.1$ that works well for least squares on this data. Add the variance head with the same step and:
#
# * the variance shrinks where the data are precise, and with it $\bar f = (f - y)/(N v)$ grows by $1/v$: the mean
#   is effectively trained with step $\eta / v$, up to 400 times the least-squares step once $\sigma \approx 0.05$;
# * once the mean overshoots, some residual becomes large where $v$ is small, and $\bar a \approx -r^2/(2Nv)$ is
#   then huge too: the variance head jumps, and the loss explodes within a few steps.
#
# A smaller step for the variance head (`lr_var`) delays the collapse of $v$ and avoids the blow-up here, but
# the fit crawls. The remedy used in section 5 is **Adam**: it divides each parameter's step by a running
# root-mean-square of its gradient, so multiplying the gradients by $1/v$ no longer changes the step size.
# (Other remedies: fit the mean first with the variance frozen, clip gradients, bound $\log v$ from below.)
#
# In the figure, the least-squares run keeps $v = 1$, so its NLL cannot fall much below
# $\frac12\log 2\pi + \frac12\overline{r^2} \approx 1$; it is there to show that the step itself is harmless without the
# variance head.

# %% tags=["nbval-ignore-output"]
def train_sgd(lr_var, epochs=EPOCHS_SGD, warmup=0):
    """Plain gradient descent with step 0.1 (lr_var for the variance head); returns (model, history, epoch of
    divergence or None)."""
    model = new_model()
    try:
        history = fit_heteroscedastic(model, X_train, y_train, optimizer="sgd", lr=0.1, lr_var=lr_var,
                                      epochs=epochs, warmup_epochs=warmup, rng=rng, loss_grads=gaussian_nll_grads)
        return model, history, None
    except TrainingDiverged as err:
        return model, err.history, len(err.history) + 1


_, hist_ls, _ = train_sgd(0.1, warmup=EPOCHS_SGD)             # variance head frozen: least squares
_, hist_same, diverged_at = train_sgd(0.1)                     # the same step for the variance head
_, hist_small, small_failed = train_sgd(0.005)                 # a twenty times smaller step for the variance head
print(f"gradient descent, step 0.1 on both heads: diverged in epoch {diverged_at}")
print(f"final training loss: least squares {hist_ls[-1]:.3f}, small variance step {hist_small[-1]:.3f}, "
      f"Adam (section 5) {history_het[-1]:.3f}")
# The text above, checked (the exact epoch and losses differ between CPUs in their last digits; nbval skips them).
if not GRADING:
    assert diverged_at is not None and small_failed is None, "the same step should diverge, the smaller one not"
    assert history_het[-1] < hist_small[-1] < hist_ls[-1] - 0.1, "Adam should beat the slow run, and least squares"

best_possible = gaussian_nll(y_train, true_mean(X_train[:, 0]), 2 * np.log(true_std(X_train[:, 0])))
fig, ax = plt.subplots(figsize=(8, 4.3))
ax.plot(np.arange(1, len(hist_ls) + 1), hist_ls, "k-", label="GD, variance frozen (least squares)")
ax.plot(np.arange(1, len(hist_same) + 1), hist_same, "C3--", linewidth=2, label="GD, same step for the variance head")
ax.plot(len(hist_same), 1.9, "C3X", markersize=12, label=f"loss infinite from epoch {diverged_at}")
ax.plot(np.arange(1, len(hist_small) + 1), hist_small, "C1-.", linewidth=2, label="GD, variance step / 20")
ax.plot(np.arange(1, len(history_het) + 1), history_het, "C0:", linewidth=2.5, label="Adam")
ax.axhline(best_possible, color="0.5", linewidth=1, label="loss of the true model")
ax.set_ylim(best_possible - 0.3, 2.0)
ax.set_title("Training loss: plain gradient descent versus Adam")
ax.set_xlabel("epoch")
ax.set_ylabel("mean NLL on the training data")
ax.legend(loc="upper right", fontsize=9)
plt.show()

# %% [markdown]
# ### Slider: the variance head's step size
#
# With the mean's step fixed at 0.1, move the variance head's step. Large steps blow up (the curve stops
# where the loss became infinite); small ones are stable, but after the same number of epochs the noise level
# is still far from the truth.

# %% tags=["nbval-ignore-output"]
def show_lr_var(lr_var=0.005):
    """Train with plain gradient descent for one variance-head step size and draw the loss and sigma(x)."""
    model, history, failed = train_sgd(lr_var)
    fig, (ax_l, ax_s) = plt.subplots(1, 2, figsize=(11, 3.8))
    ax_l.plot(np.arange(1, len(history) + 1), history, "C0-", label="training loss")
    ax_l.axhline(best_possible, color="0.5", linestyle="--", label="loss of the true model")
    ax_l.set_ylim(best_possible - 0.3, 2.0)
    ax_l.set_xlim(0, EPOCHS_SGD)
    ax_l.set_title(f"lr_var = {lr_var}: " + (f"diverged in epoch {failed}" if failed else "stable"))
    ax_l.set_xlabel("epoch")
    ax_l.set_ylabel("mean NLL")
    ax_l.legend()
    curves = {"true $s(x)$": s_grid}
    if not failed:
        curves["learned $\\sigma(x)$"] = mean_and_std(model, X_grid)[1]
    plot_curves(x_grid, curves, ax=ax_s, title="Noise level after training", xlabel="input $x$",
                ylabel="standard deviation")
    fig.tight_layout()
    plt.show()


lr_var_slider = widgets.SelectionSlider(options=[0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2], value=0.005,
                                        description="lr_var", continuous_update=False)
if "best_possible" in globals():  # made by the cells above once the exercises are done
    widgets.interact(show_lr_var, lr_var=lr_var_slider)
else:  # shown, but greyed out, with what to do
    lr_var_slider.disabled = True
    display(widgets.VBox([lr_var_slider, widgets.HTML(
        "<i>This slider trains the network with your gaussian_nll, gaussian_nll_grads and "
        "HeteroscedasticMLP.backward: finish them, then run the notebook from the top.</i>")]))

# %% [markdown]
# ## 9. What the error bar does and does not know
#
# Our network's $\sigma(x)$ estimates how noisy the *data* are at $x$. It says nothing about how sure the network
# is of its own *mean* $f(x)$. To see the difference, look beyond the range of the data, at the network of
# section 5 and at a second one trained the same way from different initial weights.

# %%
x_wide = np.linspace(-7.0, 7.0, 281)
fig, ax = plt.subplots(figsize=(9, 4.5))
ax.axvspan(-3.0, 3.0, color="0.92", label="where the training data are")
ax.plot(x_wide, true_mean(x_wide), "k-", linewidth=1.5, label="true mean")
for seed, style in zip((1, 21), ("--", "-.")):
    net = het if seed == 1 else new_model(seed)
    if seed != 1:
        fit_heteroscedastic(net, X_train, y_train, lr=0.005, epochs=EPOCHS, rng=rng, loss_grads=gaussian_nll_grads)
    f_w, sd_w = mean_and_std(net, x_wide[:, None])
    line, = ax.plot(x_wide, f_w, linestyle=style, linewidth=2, label=f"network, seed {seed}: $f \\pm 2\\sigma$")
    ax.fill_between(x_wide, f_w - 2 * sd_w, f_w + 2 * sd_w, color=line.get_color(), alpha=0.15)
ax.set_ylim(-3.5, 3.5)
ax.set_title("Away from the data the error bars stay narrow, and the truth leaves them")
ax.set_xlabel("input $x$")
ax.set_ylabel("$y$")
ax.legend(loc="lower right", fontsize=9)
plt.show()

# %% [markdown]
# Inside $[-3, 3]$ the two networks agree, with each other and with the truth. Outside, each simply continues
# its curves: the $\pm 2\sigma$ bands stay about as wide as at the nearest data, the two networks start to drift
# apart, and the true curve soon leaves both bands by far more than their width. Nothing in $\sigma(x)$ warns that
# the networks know nothing there.
#
# **A slip in the notes.** The notes' answer to question (c) counts it as an advantage of the network that it can
# extrapolate the variance into regions without data. That gets it backwards. The network does produce *some*
# $\sigma(x)$ anywhere, but away from the data that number is an untested extrapolation, and it measures only noise,
# not ignorance. The error bars of Bayesian linear regression and of a Gaussian process include the uncertainty
# about the function itself, which is why they widen away from the data. (The notes also say those models assume
# a fixed noise level: true of the versions from the lectures, but both can be given an input-dependent noise
# model too.)
#
# **Question (3 points).** The network gives a guess $f(x^*)$ and an error bar $\sigma(x^*)$, and so do Bayesian
# linear regression and Gaussian processes. Give the main pros and cons of the network approach compared with
# them (think of what the error bars contain, cost as $N$ grows, the input dimension, how well the training
# behaves). Would you use this network to decide where to run the next experiment? Why or why not, and what
# would you use instead?

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_error_bars_vs_bayesian", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# *Model answer.* **Pros of the network.** The noise level is learned as a function of the input
# (heteroscedastic), while standard BLR and GPs assume one noise variance. It is flexible in both the mean and
# the noise without choosing basis functions or a kernel by hand, it copes with many input dimensions, and its
# cost grows linearly with the data: $O(NDK)$ per pass (times the number of epochs), against $O(N^3)$ for an exact
# GP and a cost cubic in the number of basis functions for BLR. Predictions are cheap.
#
# **Cons.** Its $\sigma(x)$ is only the noise in the data (aleatoric uncertainty); it carries no uncertainty
# about $f$ itself (epistemic uncertainty), because $f$ is a single point estimate. So the error bars do not
# widen away from the data or where data are scarce, and there $f$ and $\sigma$ are arbitrary extrapolations
# (section 9). The variance is fitted to the same data, so it can be overconfident (it can shrink $v$ around
# training points, especially with a large network or little data), and it needs a fair amount of data per
# region to estimate a variance at all. Training is fiddly (section 8), and there is no marginal likelihood to
# set hyperparameters as for BLR and GPs, which also come with closed-form posteriors on small data sets.
#
# **Experiments.** No, not on its own. To choose the next experiment we want to measure where we would learn
# the most about the function, i.e. where *epistemic* uncertainty is large, typically away from existing data.
# The network cannot tell us where that is; its large $\sigma$ marks places where measurements are noisy,
# which are, if anything, the least informative places to measure. I would use a GP or BLR (possibly with an
# input-dependent noise model), or make the network Bayesian or use an ensemble of networks, whose
# disagreement estimates epistemic uncertainty, and keep the heteroscedastic noise model inside it.
# Grading: 1 point for sound pros/cons (heteroscedastic noise, cost/scaling), 1 for the aleatoric-versus-
# epistemic distinction (error bars do not grow away from data), 1 for the experiment-design answer with a
# reason and an alternative.

# %% [markdown]
# ## Where to go from here: the building blocks of larger networks
#
# Every network in this course is a stack of fully connected layers. Notes 004 (section 3) sketch what larger
# networks add; each is a change to *which* layers are stacked, trained with the same back-propagation and
# optimizers:
#
# * **Embeddings.** A categorical input (a word, a product, a user) is a one-hot vector $x$; a linear layer then
#   simply picks the column of its weight matrix for that category. So an *embedding layer* stores one learned
#   vector per category and looks it up instead of multiplying; after training, similar categories tend to
#   have similar vectors.
# * **Residual layers.** $r(h) = h + g(W h + b)$: the layer learns a *correction* to its input, and the identity
#   path lets gradients reach early layers without passing through every activation. That eases the vanishing
#   and exploding gradients of notebook 02, and is what makes networks of a hundred layers trainable.
# * **Convolutions and pooling.** For images, a small kernel of weights slides across the picture, so the same
#   few weights look for the same pattern (an edge, a texture) everywhere; pooling then summarises
#   neighbourhoods. Far fewer parameters than a dense layer, and a pattern is found wherever it is.
# * **Pooling over sequences and attention.** Inputs of varying length (a sentence) can be summarised by the
#   mean, sum or maximum of their elements' embeddings. *Attention* uses a weighted mean instead, with weights
#   from a softmax of scores (notebook 02's softmax), so that the network decides which elements matter.
# * **Recurrent networks** read a sequence one element at a time, carrying a hidden state from step to step, so
#   the same weights handle any length.
# * **Transformers** are built from attention layers (with residual connections and layer normalisation)
#   applied to all positions of a sequence at once. Notes 004 call a transformer "a special type of RNN"; it is
#   not: there is no hidden state carried from one position to the next (which is why transformers train in
#   parallel over a whole sequence), and the order of the elements enters through position encodings instead.

# %% [markdown]
# ## Summary
#
# * A Gaussian likelihood with an input-dependent variance turns least squares into weighted least squares with
#   a $\frac12 \log v$ penalty; its minimum for a single residual is at $v = r^2$.
# * With $v = e^{a}$: $\bar f = (f - y)/v$ and $\bar a = \bar v\, v = \frac12 - \frac{(y-f)^2}{2v}$, each divided by $N$
#   for a mean loss. The exponential keeps $v$ positive, and zero variance infinitely far away.
# * Two heads sharing a hidden layer send their gradients back into it together: $\bar H = \bar f\, w_f^\top + \bar a\, w_a^\top$.
# * Trained by maximum likelihood, the network's error bars follow the true noise level, where a constant variance
#   is too wide in some places and too narrow in others.
# * Regressing $\log r^2$ is a cheap alternative, but it underestimates the variance by a factor of about 3.6
#   unless one adds $\gamma + \log 2 \approx 1.27$.
# * The $1/v$ in the gradients makes plain gradient descent blow up; Adam's scale-free steps fix it.
# * $\sigma(x)$ measures noise, not ignorance: for deciding where to measure next, use a model whose error bars
#   include uncertainty about the function (a GP, BLR, or an ensemble).
