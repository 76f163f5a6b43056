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
# # 08 · Rare events: training on subsampled negatives
#
# Clicks, fraud and disease are rare: for every positive example there are dozens or thousands of
# negatives. Storing them all is expensive, so a common shortcut keeps **every** positive and only a
# fraction $f$ of the negatives. A classifier trained on the kept data without further thought sees far
# more positives than the world contains, and says "positive" far too often. This notebook works through
# tutorial question 1 of note 004: what exactly goes wrong, and two ways to put it right.
#
# After this notebook you will be able to
#
# - derive $P(y = 1 \mid x, \text{kept})$ after subsampling, and see that it is a sigmoid whose
#   argument is shifted by $-\log f$;
# - repair a logistic regression fitted to subsampled data by adding $\log f$ to its bias (method b);
# - fit the original data's loss directly by weighting the negatives by $1/f$ (method c, importance weights);
# - judge the models on data from the original distribution: test log loss, calibration (reliability
#   diagrams), precision and recall, and how each changes with $f$;
# - explain why the importance-weighted gradient gets noisier as $f$ shrinks, and weigh the two methods.
#
# **Points:** four exercises worth 7 points (autograded) and three written questions worth 6 points
# (graded by hand). Lecture material: note 004, section 6 (tutorial), question 1.

# %% [markdown]
# ## Conventions
#
# Samples are **rows**: `X` has shape `(N, d)`, labels `y` have shape `(N,)` and hold the numbers 0.0 and 1.0.
# Logistic regression models
#
# $$P(y = 1 \mid x) = \sigma(x^\top w + b), \qquad \sigma(z) = \frac{1}{1 + e^{-z}},$$
#
# with `w` of shape `(d,)` and a scalar bias `b`; for a batch that is `sigmoid(X @ w + b)`. The notes write
# $\sigma(w^\top x + b)$ for one column vector $x$: the same number. Losses are means over the examples,
# in nats (natural logarithms).
#
# Two helpers come with the notebook. `sigmoid(z)` below computes $\sigma$ as $\tfrac12(1 + \tanh(z/2))$,
# which is the same function (multiply top and bottom of $1/(1+e^{-z})$ by $e^{z/2}$) but cannot overflow
# and is quick; use it inside training loops. `predict_proba(X, w, b)` from `coursekit` computes
# $\sigma(X w + b)$ accurate to the last digit even for tiny probabilities; the evaluations use it.

# %%
import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from coursekit.checks import assert_close, assert_shape, call, diagnose, needs
from coursekit.plotting import LINESTYLES, MARKERS, plot_curves
from coursekit.progress import GRADING, progress
from coursekit.subsampling import (
    excess_log_loss,
    log_loss,
    make_rare_events,
    precision_recall,
    precision_recall_curve,
    predict_proba,
    reliability_curve,
    safe_step_size,
)

SEED = 8
rng = np.random.default_rng(SEED)


def sigmoid(z):
    """Logistic function 1 / (1 + exp(-z)), computed as (1 + tanh(z / 2)) / 2: never overflows."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


# %% [markdown]
# ## 1. A rare-event data set whose truth we know
#
# To judge calibration *exactly* we need to know the true $P(y = 1 \mid x)$, so the data are generated:
# two standard normal inputs and
#
# $$p(x) = P(y = 1 \mid x) = \sigma(1.5\,x_1 - x_2 - 4.5), \qquad y \sim \text{Bernoulli}\big(p(x)\big).$$
#
# About 4 % of the labels are 1. Logistic regression is the right model family here (section 9 looks at
# data where it is not), so a model trained on all the data should land close to $w = (1.5, -1)$,
# $b = -4.5$. The test set is drawn from the same, original distribution: that is where the models will be used.

# %%
N_TRAIN = 20_000
N_TEST = 20_000 if GRADING else 50_000
X_train, y_train, p_train = make_rare_events(N_TRAIN, rng)
X_test, y_test, p_test = make_rare_events(N_TEST, rng)
print(f"training set: {N_TRAIN} examples, {int(y_train.sum())} positives ({y_train.mean():.2%})")
print(f"test set:     {N_TEST} examples, {int(y_test.sum())} positives ({y_test.mean():.2%})")

# %%
show = slice(0, 4000)
fig, ax = plt.subplots(figsize=(6.4, 5.2))
neg, pos = y_train[show] == 0, y_train[show] == 1
ax.scatter(X_train[show][neg, 0], X_train[show][neg, 1], s=6, c="0.65", marker=MARKERS[0], label="$y = 0$")
ax.scatter(X_train[show][pos, 0], X_train[show][pos, 1], s=30, c="k", marker=MARKERS[1], label="$y = 1$")
g1, g2 = np.meshgrid(np.linspace(-4, 4, 200), np.linspace(-4, 4, 200))
true_logit = 1.5 * g1 - g2 - 4.5
levels = np.log(np.array([0.05, 0.5]) / (1 - np.array([0.05, 0.5])))
contours = ax.contour(g1, g2, true_logit, levels=levels, colors="k", linestyles=["--", "-"])
ax.clabel(contours, fmt={levels[0]: "p = 0.05", levels[1]: "p = 0.5"})
ax.set_xlim(-4, 4)
ax.set_ylim(-4, 4)
ax.set_xlabel("$x_1$")
ax.set_ylabel("$x_2$")
ax.set_title("4000 training examples and contours of the true $P(y=1 \\mid x)$")
ax.legend(loc="upper left")
plt.show()

# %% [markdown]
# Most positives sit beyond the $p = 0.05$ contour, but even there negatives are the majority: rare events
# are hard to predict with confidence, which is why probabilities (not hard labels) matter here.
#
# ## 2. Subsampling the negatives
#
# The storage-saving rule of the tutorial: keep every example with $y = 1$; keep each example with $y = 0$
# independently with probability $f$ and throw it away otherwise. Write $k$ for the event "this example was
# kept". Then
#
# $$P(k \mid x, y = 1) = 1, \qquad P(k \mid x, y = 0) = f .$$
#
# ### Exercise 1: `subsample_negatives` (2 points)
#
# Write `subsample_negatives(X, y, f, rng)`. Use the generator `rng` for all randomness (for instance one
# call `rng.random(N)` and a comparison with `f`), so that the same seed always gives the same subsample.
# The kept rows must stay whole (a row of `X` with its own label) and in their original order.
# Do not modify `X` or `y`.

# %% nbgrader={"grade": false, "grade_id": "subsample_negatives", "locked": false, "schema_version": 3, "solution": true, "task": false}
def subsample_negatives(X, y, f, rng):
    """Keep every positive example and each negative one independently with probability f.

    Parameters
    ----------
    X : ndarray, shape (N, d)
        Inputs, one example per row.
    y : ndarray, shape (N,)
        Labels, 0.0 or 1.0.
    f : float
        Probability of keeping a negative example, 0 < f <= 1.
    rng : numpy.random.Generator
        The only source of randomness.

    Returns
    -------
    X_kept : ndarray, shape (M, d)
        The kept rows of X, in their original order.
    y_kept : ndarray, shape (M,)
        Their labels.
    """
    ### BEGIN SOLUTION
    u = rng.random(len(y))
    keep = (y == 1) | (u < f)
    return X[keep], y[keep]
    ### END SOLUTION


# %%
# Try it: keep 10 % of the negatives. All positives survive, so their share grows.
F = 0.1
X_kept, y_kept = subsample_negatives(X_train, y_train, F, rng)
print(f"kept {len(y_kept)} of {N_TRAIN} rows: {int(y_kept.sum())} positives, {int((y_kept == 0).sum())} negatives")
print(f"share of positives: {y_train.mean():.2%} before, {y_kept.mean():.2%} after")

# %% nbgrader={"grade": true, "grade_id": "test_subsample_negatives", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check subsample_negatives: every positive kept, about f of the negatives, rows whole and in order."""
diagnose("subsample_negatives", subsample_negatives)
row_ids = np.arange(20_000.0)
y_chk = (np.random.default_rng(80).random(20_000) < 0.05).astype(float)
X_chk = np.column_stack([row_ids, -2.0 * row_ids])  # column 0 numbers the rows, so we can see which were kept
out = call(subsample_negatives, X_chk, y_chk, 0.2, np.random.default_rng(81), what="subsample_negatives(X, y, 0.2, rng)")
assert isinstance(out, tuple) and len(out) == 2, "subsample_negatives should return a pair (X_kept, y_kept)"
X_k, y_k = out
assert_shape(X_k, (np.shape(X_k)[0], 2), what="X_kept")
assert_shape(y_k, (X_k.shape[0],), what="y_kept (one label per kept row)")
kept_rows = X_k[:, 0].astype(int)
assert np.array_equal(X_k[:, 1], -2.0 * X_k[:, 0]), "each kept row of X must be kept whole"
assert np.all(np.diff(kept_rows) > 0), "the kept rows must stay in their original order, each row at most once"
assert np.array_equal(y_k, y_chk[kept_rows]), "each kept label must be the label of its kept row"
n_pos, n_neg = int(y_chk.sum()), int((y_chk == 0).sum())
assert int(y_k.sum()) == n_pos, f"every positive must be kept: {n_pos} positives went in, {int(y_k.sum())} came out"
kept_neg = int((y_k == 0).sum())
assert abs(kept_neg - 0.2 * n_neg) < 5 * np.sqrt(n_neg * 0.2 * 0.8), (
    f"with f = 0.2 about {0.2 * n_neg:.0f} of the {n_neg} negatives should be kept, got {kept_neg}. "
    "Keep each negative with probability f (not 1 - f)."
)
mean_row = kept_rows[y_k == 0].mean()
assert abs(mean_row - np.flatnonzero(y_chk == 0).mean()) < 500, (
    f"the kept negatives should be a random subset spread over the whole data set (their mean row number "
    f"is {mean_row:.0f}, expected about {np.flatnonzero(y_chk == 0).mean():.0f}), not the first or last ones"
)
again = call(subsample_negatives, X_chk, y_chk, 0.2, np.random.default_rng(81), what="subsample_negatives, again")
assert np.array_equal(again[0], X_k), (
    "the same seed must give the same subsample: draw all random numbers from the rng argument, "
    "not from np.random"
)
### BEGIN HIDDEN TESTS
from coursekit.subsampling import subsample_negatives as _ref_subsample_negatives

_rng = np.random.default_rng(8008)
# another fraction, three inputs, integer labels; the data must not be modified
_N = 50_000
_y = (_rng.random(_N) < 0.1).astype(int)
_X = np.column_stack([np.arange(_N, dtype=float), _rng.standard_normal((_N, 2))])
_X_saved, _y_saved = _X.copy(), _y.copy()
_Xk, _yk = call(subsample_negatives, _X, _y, 0.03, np.random.default_rng(5), what="subsample_negatives(f=0.03)")
assert np.array_equal(_X, _X_saved) and np.array_equal(_y, _y_saved), "subsample_negatives must not modify X or y"
assert_shape(_Xk, (len(_yk), 3), what="X_kept for X with 3 columns")
_rows = _Xk[:, 0].astype(int)
assert np.all(np.diff(_rows) > 0), "kept rows must stay in order (f = 0.03)"
assert np.array_equal(_Xk, _X[_rows]), "kept rows must be copied whole (f = 0.03)"
assert np.array_equal(np.asarray(_yk), _y[_rows]), "labels must travel with their rows (f = 0.03)"
assert set(np.flatnonzero(_y == 1)) <= set(_rows), "every positive must be kept (f = 0.03, integer labels)"
_n0 = int((_y == 0).sum())
_k0 = int((np.asarray(_yk) == 0).sum())
assert abs(_k0 - 0.03 * _n0) < 5 * np.sqrt(_n0 * 0.03 * 0.97), f"f = 0.03: expected about {0.03 * _n0:.0f} negatives, got {_k0}"
# the reference keeps a number of negatives from the same distribution
_ref_k0 = int((_ref_subsample_negatives(_X, _y, 0.03, np.random.default_rng(6))[1] == 0).sum())
assert abs(_k0 - _ref_k0) < 8 * np.sqrt(_n0 * 0.03 * 0.97), "f = 0.03: the number of kept negatives is off"
# f = 1 keeps everything
_Xa, _ya = call(subsample_negatives, _X[:100], _y[:100], 1.0, np.random.default_rng(7), what="subsample_negatives(f=1)")
assert np.array_equal(_Xa, _X[:100]) and np.array_equal(np.asarray(_ya), _y[:100]), "f = 1 must keep every row"
# each negative is kept independently with probability f: per-row keep frequencies over 300 draws
_ys = np.array([0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0])
_Xs = np.arange(10.0)[:, None]
_counts = np.zeros(10)
_draw_rng = np.random.default_rng(9)
for _ in range(300):
    _counts[call(subsample_negatives, _Xs, _ys, 0.3, _draw_rng, what="subsample_negatives on 10 rows")[0][:, 0].astype(int)] += 1
assert np.all(_counts[_ys == 1] == 300), "positives must be kept in every draw"
assert np.all(np.abs(_counts[_ys == 0] / 300 - 0.3) < 5 * np.sqrt(0.3 * 0.7 / 300)), (
    f"each negative should be kept in about 30 % of the draws with f = 0.3, got {np.round(_counts[_ys == 0] / 300, 2)}"
)
# different seeds give different subsets
_first = call(subsample_negatives, _X, _y, 0.5, np.random.default_rng(10), what="subsample_negatives, seed 10")[0]
_second = call(subsample_negatives, _X, _y, 0.5, np.random.default_rng(11), what="subsample_negatives, seed 11")[0]
assert not np.array_equal(_first[:, 0], _second[:, 0]), "different seeds should give different subsamples"
### END HIDDEN TESTS

# %% [markdown]
# ## 3. Logistic regression by gradient descent, with optional weights
#
# We fit $w$ and $b$ by minimising a weighted mean log loss. Give example $n$ a weight $s_n \ge 0$
# (all $s_n = 1$ for the ordinary fit; section 5 needs other weights) and write $z_n = x_n^\top w + b$,
# $p_n = \sigma(z_n)$:
#
# $$J(w, b) = \frac{1}{N} \sum_{n=1}^{N} s_n\,\ell_n, \qquad
# \ell_n = -y_n \log p_n - (1 - y_n) \log(1 - p_n).$$
#
# With $\sigma'(z) = \sigma(z)(1 - \sigma(z))$ the derivative of $\ell_n$ with respect to $z_n$ collapses to
# $p_n - y_n$ (the prediction minus the label), so
#
# $$\frac{\partial J}{\partial w} = \frac{1}{N} \sum_n s_n (p_n - y_n)\, x_n = X^\top r, \qquad
# \frac{\partial J}{\partial b} = \frac{1}{N} \sum_n s_n (p_n - y_n) = \textstyle\sum_n r_n, \qquad
# r = \frac{s \odot (p - y)}{N}.$$
#
# Note that the sum is divided by $N$, the number of rows, not by $\sum_n s_n$: this is the tutorial's
# estimate term by term, and it means a weight of $1/f$ multiplies that example's gradient by exactly $1/f$.
#
# **Step size.** The curvature of $J$ is at most
# $L = \tfrac14 \lambda_{\max}\big(\tfrac1N A^\top \mathrm{diag}(s) A\big)$ with $A = [X, \mathbf 1]$, because
# $p(1-p) \le \tfrac14$. Gradient descent with step $1/L$ never overshoots. `safe_step_size(X, s)` (imported
# above) returns $1/L$; large weights make $L$ larger and the safe step smaller.

# %% [markdown]
# ### Exercise 2: `fit_logistic_regression` (3 points)
#
# Write full-batch gradient descent: start from $w = 0$, $b = 0$ and take `epochs` steps
# $w \leftarrow w - \eta\,\partial J/\partial w$, $b \leftarrow b - \eta\,\partial J/\partial b$. When
# `lr` is `None`, use $\eta$ = `safe_step_size(X, s)`. Use the notebook's `sigmoid`
# (no overflow warnings). Return `w` as an array of shape `(d,)` and `b` as a float.
# Tip: a vectorised step is three lines; a Python loop over the examples would be hundreds of times slower.

# %% nbgrader={"grade": false, "grade_id": "fit_logistic_regression", "locked": false, "schema_version": 3, "solution": true, "task": false}
def fit_logistic_regression(X, y, sample_weight=None, lr=None, epochs=1000):
    """Fit P(y=1 | x) = sigmoid(x @ w + b) by gradient descent on the weighted mean log loss.

    J(w, b) = (1/N) sum_n s_n * [-y_n log p_n - (1 - y_n) log(1 - p_n)],  p_n = sigmoid(x_n @ w + b),
    dJ/dw = X.T @ r,  dJ/db = sum(r),  with r = s * (p - y) / N.

    Parameters
    ----------
    X : ndarray, shape (N, d)
        Inputs, one example per row.
    y : ndarray, shape (N,)
        Labels, 0.0 or 1.0.
    sample_weight : ndarray, shape (N,), optional
        Weights s_n >= 0; None means all ones.
    lr : float, optional
        Step size; None means safe_step_size(X, s).
    epochs : int
        Number of gradient steps, starting from w = 0, b = 0.

    Returns
    -------
    w : ndarray, shape (d,)
        Weights.
    b : float
        Bias.
    """
    ### BEGIN SOLUTION
    N, d = X.shape
    s = np.ones(N) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    if lr is None:
        lr = safe_step_size(X, s)
    w, b = np.zeros(d), 0.0
    for _ in range(epochs):
        r = s * (sigmoid(X @ w + b) - y) / N
        w = w - lr * (X.T @ r)
        b = b - lr * float(np.sum(r))
    return w, b
    ### END SOLUTION


# %%
# Try it: on all the training data the fit should land near the truth w = (1.5, -1), b = -4.5.
w_full, b_full = fit_logistic_regression(X_train, y_train)
print(f"all data:  w = {np.round(w_full, 3)}, b = {b_full:.3f}")

# %% nbgrader={"grade": true, "grade_id": "test_fit_logistic_regression", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""Check fit_logistic_regression: at its answer the gradient of the (weighted) mean log loss must vanish."""
diagnose("fit_logistic_regression", fit_logistic_regression)
rng_fit = np.random.default_rng(82)
X_fit = rng_fit.standard_normal((300, 2))
y_fit = (rng_fit.random(300) < 1.0 / (1.0 + np.exp(-(X_fit @ np.array([2.0, -1.0]) - 1.0)))).astype(float)


def _objective(theta, s):
    """J(w, b) for theta = (w1, w2, b), computed stably: softplus(z) - y z."""
    z = X_fit @ theta[:2] + theta[2]
    return np.sum(s * (np.logaddexp(0.0, z) - y_fit * z)) / len(y_fit)


def _fd_gradient(theta, s, h=1e-5):
    """Central finite differences of _objective, one coordinate at a time."""
    return np.array([(_objective(theta + h * e, s) - _objective(theta - h * e, s)) / (2 * h) for e in np.eye(3)])


for label, weights_fit, lr_fit in (("no weights", None, 1.0),
                                   ("weight 5 on every negative", np.where(y_fit == 1, 1.0, 5.0), 0.3)):
    result = call(fit_logistic_regression, X_fit, y_fit, sample_weight=weights_fit, lr=lr_fit, epochs=2000,
                  what=f"fit_logistic_regression ({label})")
    assert isinstance(result, tuple) and len(result) == 2, "fit_logistic_regression should return a pair (w, b)"
    w_chk, b_chk = result
    assert_shape(w_chk, (2,), what=f"w ({label})")
    assert np.ndim(b_chk) == 0, f"b should be a single number, got shape {np.shape(b_chk)}"
    theta_chk = np.array([*w_chk, float(b_chk)])
    assert_close(_fd_gradient(theta_chk, np.ones(300) if weights_fit is None else weights_fit), np.zeros(3),
                 atol=1e-6, what=f"the finite-difference gradient of J at your (w, b), {label}",
                 hint="At the minimum of J the gradient is zero. Check the sign of (p - y), that every s_n "
                      "multiplies its example's residual, that b is updated too, and that you divide by N.")
### BEGIN HIDDEN TESTS
from coursekit.subsampling import fit_logistic_regression as _ref_fit_logistic_regression


def _newton(_A, _yy, _ss):
    """Minimiser of the weighted mean log loss by Newton's method (A has a column of ones last)."""
    _th = np.zeros(_A.shape[1])
    for _ in range(60):
        _p = 0.5 * (1.0 + np.tanh(0.5 * (_A @ _th)))
        _g = _A.T @ (_ss * (_p - _yy)) / len(_yy)
        _H = (_A * (_ss * _p * (1.0 - _p))[:, None]).T @ _A / len(_yy)
        _th = _th - np.linalg.solve(_H, _g)
    return _th


_rng = np.random.default_rng(8082)
for _d, _n, _f in ((3, 500, 0.1), (1, 200, 1.0), (4, 400, 0.25)):
    _X = _rng.standard_normal((_n, _d)) * 0.8
    _logit = _X @ np.linspace(1.0, -1.0, _d) - 1.5
    _y = (_rng.random(_n) < 1.0 / (1.0 + np.exp(-_logit))).astype(float)
    _s = np.where(_y == 1, 1.0, 1.0 / _f)
    _saved = (_X.copy(), _y.copy(), _s.copy())
    _w, _b = call(fit_logistic_regression, _X, _y, sample_weight=_s, lr=3.0 * _f, epochs=2000,
                  what=f"fit_logistic_regression, d = {_d}, weights 1/{1 / _f:g}")
    assert all(np.array_equal(a, b) for a, b in zip(_saved, (_X, _y, _s))), "fit_logistic_regression must not modify its inputs"
    assert_shape(_w, (_d,), what=f"w for d = {_d}")
    _theta = _newton(np.column_stack([_X, np.ones(_n)]), _y, _s)
    assert_close(np.array([*_w, float(_b)]), _theta, rtol=1e-5, atol=1e-5,
                 what=f"(w, b) against Newton's method, d = {_d}, n = {_n}, weights 1/{1 / _f:g}")
    _w_ref, _b_ref = _ref_fit_logistic_regression(_X, _y, sample_weight=_s, epochs=2000)
    assert_close(np.array([*_w, float(_b)]), np.array([*_w_ref, _b_ref]), rtol=1e-4, atol=1e-4,
                 what=f"(w, b) against the converged reference, d = {_d}")
# unweighted data: sample_weight=None must mean all ones
_X = _rng.standard_normal((250, 2))
_y = (_rng.random(250) < 0.3).astype(float)
_w0, _b0 = call(fit_logistic_regression, _X, _y, lr=1.5, epochs=2000, what="fit_logistic_regression, no weights")
assert_close(np.array([*_w0, float(_b0)]), _newton(np.column_stack([_X, np.ones(250)]), _y, np.ones(250)),
             rtol=1e-5, atol=1e-5, what="(w, b) without weights against Newton's method")
### END HIDDEN TESTS

# %% [markdown]
# ### The naive fit to the kept data
#
# Now fit the same model to the subsample of section 2 ($f = 0.1$), as if nothing had happened, and ask
# what it predicts on average for test examples from the original distribution.

# %%
needs("X_kept", "y_kept", exercise="subsample_negatives")
w_naive, b_naive = fit_logistic_regression(X_kept, y_kept)
print(f"kept data: w = {np.round(w_naive, 3)}, b = {b_naive:.3f}   (all data: b = {b_full:.3f})")
print(f"b(kept) - b(all) = {b_naive - b_full:.3f};  -log f = {-np.log(F):.3f}")
print(f"mean predicted P(y=1) on the test set: naive {predict_proba(X_test, w_naive, b_naive).mean():.4f}, "
      f"all-data model {predict_proba(X_test, w_full, b_full).mean():.4f}, truth {p_test.mean():.4f}")

# %% [markdown]
# The weights barely move, but the bias grows by about $-\log f \approx 2.3$, and the naive model predicts
# positives several times too often. The next section explains both facts.
#
# ## 4. What subsampling does to $P(y \mid x)$
#
# The notes start from a proportionality: for a fixed input $x$, the kept data's label distribution is
#
# $$P(y \mid x, k) \;\propto\; P(x, y, k) = \begin{cases} P(x, y), & y = 1, \\ f\,P(x, y), & y = 0, \end{cases}$$
#
# because a positive is kept with certainty and a negative with probability $f$. Dividing both cases by
# $P(x)$ gives weights $p$ and $f(1-p)$, where $p = P(y = 1 \mid x)$. Part (a) of the tutorial says that
# weights $c$ (for $y=1$) and $d$ (for $y=0$) correspond to the probability $\sigma(\log c - \log d)$. So
#
# $$P(y = 1 \mid x, k) = \frac{p}{p + f(1-p)} = \sigma\Big(\log P(y=1 \mid x) - \log P(y=0 \mid x) - \log f\Big).$$
#
# The first two terms are the **log-odds** of the world. If the world is a logistic regression,
# $\log\frac{p}{1-p} = x^\top w + b_\text{world}$, then the kept data are a logistic regression with the same $w$
# and the bias $b_\text{world} - \log f$: larger by $\log(1/f)$. Turned around, a model $\sigma(x^\top w + b)$
# fitted to the kept data describes the world once its bias is replaced by $b + \log f$ (a negative shift).
#
# **A slip in the notes.** The worked answer to 1(b) writes the argument as
# $\log P(y=1 \mid x) - P(y=0 \mid x) - \log f$, dropping the $\log$ in front of $P(y = 0 \mid x)$, and repeats
# the slip in the next two lines. The quantity that appears is the log-odds
# $\log P(y=1 \mid x) - \log P(y=0 \mid x)$, as above; the conclusion (add $\log f$ to the bias) is right.
#
# The figure shows the effect on a probability: each curve maps the world's probability to the kept data's
# probability. Rare events become much less rare after subsampling; $f = 1$ is the diagonal.

# %%
p_world = np.logspace(-4, 0, 400)[:-1]
curves = {f"$f = {f:g}$": p_world / (p_world + f * (1 - p_world)) for f in (1.0, 0.3, 0.1, 0.01)}
fig, ax = plt.subplots(figsize=(6.8, 4.4))
plot_curves(p_world, curves, ax=ax, title="Subsampling negatives inflates the probability of a positive",
            xlabel="$P(y=1 \\mid x)$ in the world", ylabel="$P(y=1 \\mid x, k)$ in the kept data")
ax.set_xscale("log")
ax.legend(loc="upper left")
plt.show()

# %% [markdown]
# **Question (2 points).** The correction above assumes that every negative is kept with the same probability
# $f$ and every positive is kept. Other designs are common. (a) Positives are kept with probability $g$ and
# negatives with probability $f$ (both in $(0, 1]$). What must be added to the bias of a logistic regression
# fitted to the kept data? Check that your answer gives $\log f$ when $g = 1$. (b) Negatives are kept with a
# probability $f(x)$ that depends on the input, say $f(x) = 0.01$ where $x_1 > 0$ and $f(x) = 1$ elsewhere
# (one region was sampled sparsely). Can adding a constant to the bias still turn the fitted model into a
# model of the world? If not, what could the correction be instead?

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_other_sampling_rates", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# *Model answer.* (a) Given $x$, a kept example is a positive with weight $g\,p$ and a negative with weight
# $f\,(1-p)$, so the kept log-odds are $\log\frac{p}{1-p} + \log g - \log f$: the world's log-odds shifted by the
# constant $\log(g/f)$. Add $\log f - \log g = \log(f/g)$ to the fitted bias; for $g = 1$ that is $\log f$, and for
# $g = f$ nothing (keeping both classes at the same rate changes no odds).
# (b) Now the kept log-odds are the world's minus $\log f(x)$, a shift that differs from region to region
# ($\log 0.01$ where $x_1 > 0$, $0$ elsewhere), so no single constant corrects it, and a linear $x^\top w + b$ may
# not even fit the kept data's log-odds (the shift jumps at $x_1 = 0$). Corrections that work: add $\log f(x_n)$
# per example, as a known offset in the model's input to the sigmoid ($\sigma(x^\top w + b + \log f(x))$ on the kept
# data, then drop the offset for the world), or weight each kept negative by $1/f(x_n)$ when fitting, the
# importance weights of section 5 with a weight per example. Grading: 1 point for $\log(f/g)$ with the
# reasoning, 1 point for "the shift depends on $x$, so no constant works" with one working fix.

# %% [markdown]
# ### Exercise 3: `bias_correction` (1 point)
#
# Write `bias_correction(b, f)`: the bias of the world's model, given the bias `b` fitted to data whose
# negatives were kept with probability `f`. Return a float.

# %% nbgrader={"grade": false, "grade_id": "bias_correction", "locked": false, "schema_version": 3, "solution": true, "task": false}
def bias_correction(b, f):
    """The world's bias from a bias b fitted to data whose negatives were kept with probability f.

    Parameters
    ----------
    b : float
        Bias fitted to the subsampled data.
    f : float
        Probability with which each negative was kept, 0 < f <= 1.

    Returns
    -------
    float
        The corrected bias b + log f.
    """
    ### BEGIN SOLUTION
    return float(b + np.log(f))
    ### END SOLUTION


# %%
# Try it: the corrected bias of the naive fit should be close to the all-data bias (and to the truth, -4.5).
needs("b_naive", "b_full", exercise="each of subsample_negatives and fit_logistic_regression")
print(f"naive b = {b_naive:.3f}, corrected b = {bias_correction(b_naive, F):.3f}, all-data b = {b_full:.3f}")

# %% nbgrader={"grade": true, "grade_id": "test_bias_correction", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Check bias_correction: b + log f, which turns the kept data's log-odds back into the world's."""
diagnose("bias_correction", bias_correction)
assert_close(call(bias_correction, 0.7, 1.0, what="bias_correction(0.7, 1.0)"), 0.7, rtol=1e-12,
             what="bias_correction(0.7, 1.0)", hint="With f = 1 nothing was thrown away, so b must not change.")
assert_close(call(bias_correction, -1.0, 0.1, what="bias_correction(-1.0, 0.1)"), -1.0 + np.log(0.1), rtol=1e-12,
             what="bias_correction(-1.0, 0.1)",
             hint="Add log f, a negative number: the world has fewer positives than the kept data.")
# a model that exactly matches kept data with P(y=1|x,k) = p / (p + f (1 - p)) must give back p = 0.02
q_kept = 0.02 / (0.02 + 0.05 * 0.98)
corrected = call(bias_correction, np.log(q_kept / (1 - q_kept)), 0.05, what="bias_correction(logit(q), 0.05)")
assert np.ndim(corrected) == 0, f"bias_correction should return a single number, got shape {np.shape(corrected)}"
assert_close(0.5 * (1.0 + np.tanh(0.5 * corrected)), 0.02, rtol=1e-10, what="sigmoid(bias_correction(logit(q), f = 0.05))",
             hint="The kept data's log-odds are the world's log-odds minus log f.")
### BEGIN HIDDEN TESTS
import math as _math

from coursekit.subsampling import bias_correction as _ref_bias_correction

for _bb in (-20.0, -4.5, 0.0, 3.25):
    for _ff in (1e-8, 0.003, 0.5, 0.999999, 1.0):
        _got = call(bias_correction, _bb, _ff, what=f"bias_correction({_bb}, {_ff})")
        assert np.ndim(_got) == 0, "bias_correction must return a single number"
        assert_close(_got, _bb + _math.log(_ff), rtol=1e-12, atol=1e-12, what=f"bias_correction({_bb}, {_ff})")
        assert_close(_got, _ref_bias_correction(_bb, _ff), rtol=1e-12, atol=1e-12, what="bias_correction")
_rng = np.random.default_rng(8083)
for _p, _ff in zip(_rng.uniform(1e-5, 0.5, 20), _rng.uniform(1e-4, 1.0, 20)):
    _q = _p / (_p + _ff * (1 - _p))
    _z = call(bias_correction, np.log(_q) - np.log1p(-_q), _ff, what="bias_correction on a random (p, f)")
    assert_close(0.5 * (1.0 + np.tanh(0.5 * _z)), _p, rtol=1e-8, what=f"sigmoid(bias_correction) for p = {_p:.3g}, f = {_ff:.3g}")
assert_close(call(bias_correction, np.float64(2.0), np.float64(0.25), what="bias_correction(np.float64)"),
             2.0 + _math.log(0.25), rtol=1e-12, what="bias_correction with numpy scalars")
### END HIDDEN TESTS

# %% [markdown]
# ## 5. Importance weights: fit the world's loss with the kept data
#
# Method (b) trains the wrong objective and repairs the result afterwards. Method (c) changes the objective.
# What we want to minimise is the expected log loss under the original distribution,
#
# $$L = -\,\mathbb{E}_{P(x, y)}\big[\log P(y \mid x)\big].$$
#
# Multiplying and dividing by $P(x, y \mid k)$ inside the expectation turns it into an expectation over the
# *kept* data, which we can average over:
#
# $$L = -\,\mathbb{E}_{P(x, y \mid k)}\Big[\frac{P(x, y)}{P(x, y \mid k)} \log P(y \mid x)\Big]
# \approx -\frac{1}{N_k} \sum_{n \in \text{kept}} \frac{P(x_n, y_n)}{P(x_n, y_n \mid k)} \log P(y_n \mid x_n).$$
#
# This is **importance sampling**. Since $P(x, y \mid k) = P(x, y, k)/P(k)$ and $P(x, y, k)$ is $P(x, y)$ or
# $f P(x, y)$, the ratio is $P(k)$ for a positive and $P(k)/f$ for a negative: up to one constant, weight 1
# for positives and $1/f$ for negatives. In gradient descent on $J$ with these weights, each negative's
# gradient is multiplied by $1/f$: every kept negative stands in for $1/f$ negatives of the world, about
# $1/f - 1$ of which were thrown away.
#
# ### Exercise 4: `importance_weights` (1 point)
#
# Write `importance_weights(y, f)`: an array of shape `(N,)` with 1.0 for every positive and $1/f$ for every negative.

# %% nbgrader={"grade": false, "grade_id": "importance_weights", "locked": false, "schema_version": 3, "solution": true, "task": false}
def importance_weights(y, f):
    """Importance weights of kept examples: 1 for y = 1, 1/f for y = 0.

    Parameters
    ----------
    y : ndarray, shape (N,)
        Labels of the kept examples, 0 or 1.
    f : float
        Probability with which each negative was kept, 0 < f <= 1.

    Returns
    -------
    ndarray, shape (N,)
        1.0 where y == 1 and 1/f where y == 0.
    """
    ### BEGIN SOLUTION
    return np.where(np.asarray(y) == 1, 1.0, 1.0 / f)
    ### END SOLUTION


# %%
# Try it: fit the kept data again, now with weights 1/f on the negatives.
needs("X_kept", "y_kept", exercise="subsample_negatives")
weights_kept = importance_weights(y_kept, F)
print(f"weights: {np.unique(weights_kept)}; their sum {weights_kept.sum():.0f} estimates N = {N_TRAIN}")
w_iw, b_iw = fit_logistic_regression(X_kept, y_kept, sample_weight=weights_kept)
print(f"importance-weighted fit: w = {np.round(w_iw, 3)}, b = {b_iw:.3f}   (all data: b = {b_full:.3f})")
print(f"safe step size: {safe_step_size(X_kept):.3f} without weights, {safe_step_size(X_kept, weights_kept):.3f} with them")

# %% nbgrader={"grade": true, "grade_id": "test_importance_weights", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Check importance_weights: 1 for every positive, 1/f for every negative."""
diagnose("importance_weights", importance_weights)
y_w = np.array([1.0, 0.0, 0.0, 1.0, 0.0])
w_out = call(importance_weights, y_w, 0.25, what="importance_weights(y, 0.25)")
assert_shape(w_out, (5,), what="importance_weights(y, 0.25) for 5 labels")
assert_close(w_out, [1.0, 4.0, 4.0, 1.0, 4.0], rtol=1e-12, what="importance_weights([1, 0, 0, 1, 0], 0.25)",
             hint="Only a fraction f of the negatives was kept, so each kept negative counts 1/f times; "
                  "positives were all kept and count once.")
assert_close(call(importance_weights, y_w, 1.0, what="importance_weights(y, 1.0)"), np.ones(5), rtol=1e-12,
             what="importance_weights(y, 1.0)", hint="With f = 1 nothing was thrown away: every weight is 1.")
### BEGIN HIDDEN TESTS
from coursekit.subsampling import importance_weights as _ref_importance_weights

_rng = np.random.default_rng(8084)
_y = (_rng.random(1000) < 0.2).astype(int)
_y_saved = _y.copy()
_out = call(importance_weights, _y, 0.07, what="importance_weights on 1000 integer labels")
assert np.array_equal(_y, _y_saved), "importance_weights must not modify y"
assert_shape(np.asarray(_out), (1000,), what="importance_weights on 1000 labels")
assert_close(_out, np.where(_y == 1, 1.0, 1.0 / 0.07), rtol=1e-12, what="importance_weights(y, 0.07) with integer labels")
assert_close(_out, _ref_importance_weights(_y, 0.07), rtol=1e-12, what="importance_weights(y, 0.07)")
assert_close(call(importance_weights, np.ones(3), 0.01, what="importance_weights(all positive)"), np.ones(3),
             rtol=1e-12, what="importance_weights of three positives")
assert_close(call(importance_weights, np.zeros(2), 0.01, what="importance_weights(all negative)"), [100.0, 100.0],
             rtol=1e-12, what="importance_weights of two negatives, f = 0.01")
assert_close(call(importance_weights, np.array([0.0]), 0.3, what="importance_weights([0], 0.3)"), [1.0 / 0.3],
             rtol=1e-12, what="importance_weights of one negative")
# importance sampling: over a subsample, the weights add up to about the number of original rows
_yy = (_rng.random(40_000) < 0.05).astype(float)
_kept = (_yy == 1) | (_rng.random(40_000) < 0.2)
_total = float(np.sum(call(importance_weights, _yy[_kept], 0.2, what="importance_weights on a subsample")))
assert abs(_total - 40_000) < 5 * np.sqrt((_yy == 0).sum() * 0.8 / 0.2), (
    f"the weights of a subsample should add up to about the original size 40000, got {_total:.0f}"
)
### END HIDDEN TESTS

# %% [markdown]
# **Question (1 point).** The notes only claim $\frac{P(x, y)}{P(x, y \mid k)} \propto 1$ or $\frac1f$.
# What is the constant they leave out (express it through $P(y = 1)$ and $f$), and why may we drop it
# without changing the fitted model? What does dropping it (or keeping it) change in practice?

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_importance_constant", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# *Model answer.* $P(x, y \mid k) = P(x, y, k) / P(k)$, where $P(k) = P(y=1) + f\,P(y=0)$ is the probability that a
# random example is kept (the fraction of the data that survives). So the exact ratio is $P(k)$ for positives
# and $P(k)/f$ for negatives. The constant multiplies the whole objective by one positive number; its
# minimiser (and the direction of every gradient) is the same, so the fitted $w, b$ do not change. In practice it
# only rescales the objective and its gradient, i.e. the effective step size: with weights $1, 1/f$ and a mean
# over the $N_k$ kept rows the objective is about $1/P(k)$ times the world's loss, which is why the safe step
# shrinks. (It would matter again if combined with a penalty such as weight decay, whose strength is
# relative to the scale of the loss.) Grading: 1/2 point for the constant $P(k) = P(y=1) + f\,P(y=0)$ (or an
# equivalent form), 1/2 point for "it scales the objective, so the minimiser is unchanged" with its practical
# effect (the step size, or the strength of a penalty).

# %% [markdown]
# ## 6. The three models side by side, on data from the world
#
# A table for $f = 0.1$. *Test log loss* is the mean log loss on test labels from the original distribution;
# the next column compares it with the model trained on all the data. Because we know the truth we can also
# measure calibration exactly: *excess* is how much the expected log loss exceeds that of the true
# probabilities, $\frac1N\sum_n \mathrm{KL}\big(\mathrm{Bern}(p_n) \Vert \mathrm{Bern}(\hat p_n)\big)$
# (`excess_log_loss`, printed in thousandths of a nat), zero only for a perfect model. Precision and recall are for the rule "flag an example
# when $\hat p \ge 0.5$".

# %%
needs("w_full", "b_full", "w_naive", "b_naive", "w_iw", "b_iw",
      exercise="each of subsample_negatives, fit_logistic_regression and importance_weights")


def evaluate(w, b, X=X_test, y=y_test, p_true=p_test):
    """Test metrics of the logistic regression (w, b) on data with known true probabilities."""
    p_hat = predict_proba(X, w, b)
    precision, recall = precision_recall(y, p_hat, 0.5)
    return {"log loss": log_loss(y, p_hat), "excess": excess_log_loss(p_true, p_hat),
            "mean p": p_hat.mean(), "precision": precision, "recall": recall}


def print_table(models, y=y_test, p_true=p_test):
    """One line per model: test log loss (also relative to the all-data model), excess, mean p, precision, recall."""
    reference = models["all data"]["log loss"]
    print(f"{'model':<26}{'log loss':>9}{'vs all data':>13}{'excess x1000':>14}{'mean p':>9}{'precision':>11}"
          f"{'recall':>8}")
    truth_precision, truth_recall = precision_recall(y, p_true, 0.5)
    print(f"{'true P(y|x)':<26}{log_loss(y, p_true):>9.4f}{'':>13}{0.0:>14.2f}{p_true.mean():>9.4f}"
          f"{truth_precision:>11.3f}{truth_recall:>8.3f}")
    for name, m in models.items():
        rel = f"{100 * (m['log loss'] / reference - 1):+.1f} %"
        print(f"{name:<26}{m['log loss']:>9.4f}{rel:>13}{1000 * m['excess']:>14.2f}{m['mean p']:>9.4f}"
              f"{m['precision']:>11.3f}{m['recall']:>8.3f}")


results = {
    "all data": evaluate(w_full, b_full),
    "naive (kept data)": evaluate(w_naive, b_naive),
    "(b) bias + log f": evaluate(w_naive, bias_correction(b_naive, F)),
    "(c) weights 1/f": evaluate(w_iw, b_iw),
}
print(f"f = {F}: kept {len(y_kept)} of {N_TRAIN} training rows; test set of {N_TEST}, base rate {y_test.mean():.4f}\n")
print_table(results)

# %% [markdown]
# Both corrections recover the all-data model's test log loss to within a fraction of a percent, with a tenth
# of the negatives; the naive model's log loss is about twice as large, and its mean prediction several times
# the base rate. At the 0.5 threshold the naive model flags more examples: higher recall, lower precision.
#
# Two pictures of the same models. Left, a **reliability diagram**: test examples are grouped into ten bins
# of equal size by their predicted probability, and each bin's mean prediction is plotted against the fraction
# of positives in it. A calibrated model lies on the diagonal (log scales, because almost all probabilities are
# small). Right, the **precision-recall curve**, traced by moving the threshold. The naive model and method (b)
# share exactly one curve, since adding a constant to the bias does not change the *order* of the predictions;
# it only changes which threshold gives which point (markers: threshold 0.5). Here all four curves nearly
# coincide, because all four models have almost the same weights: what subsampling spoils is calibration,
# not the ranking.

# %%
needs("w_full", "b_full", "w_naive", "b_naive", "w_iw", "b_iw",
      exercise="each of subsample_negatives, fit_logistic_regression and importance_weights")
test_predictions = {
    "all data": predict_proba(X_test, w_full, b_full),
    "naive (kept data)": predict_proba(X_test, w_naive, b_naive),
    "(b) bias + log f": predict_proba(X_test, w_naive, bias_correction(b_naive, F)),
    "(c) weights 1/f": predict_proba(X_test, w_iw, b_iw),
}
fig, (ax_rel, ax_pr) = plt.subplots(1, 2, figsize=(12, 4.8))
ax_rel.plot([1e-4, 1], [1e-4, 1], color="0.6", linewidth=1, label="perfect calibration")
for i, (name, p_hat) in enumerate(test_predictions.items()):
    curve = reliability_curve(y_test, p_hat, 10, strategy="quantile")
    ok = curve.observed_frequency > 0
    ax_rel.plot(curve.mean_predicted[ok], curve.observed_frequency[ok], linestyle=LINESTYLES[i], marker=MARKERS[i],
                label=name)
    _, precision, recall = precision_recall_curve(y_test, p_hat)
    every = np.unique(np.geomspace(1, len(recall), 300).astype(int)) - 1  # 300 points are enough to draw it
    ax_pr.plot(recall[every], precision[every], linestyle=LINESTYLES[i], linewidth=2, label=name)
    ax_pr.plot(*precision_recall(y_test, p_hat, 0.5)[::-1], marker=MARKERS[i], markersize=9, color="k", linestyle="none")
ax_rel.set_xscale("log")
ax_rel.set_yscale("log")
ax_rel.set_xlim(1e-4, 1)
ax_rel.set_ylim(1e-4, 1)
ax_rel.set_xlabel("mean predicted $P(y=1)$ in the bin")
ax_rel.set_ylabel("fraction of positives in the bin")
ax_rel.set_title(f"Reliability on test data, f = {F}")
ax_rel.legend(loc="upper left", fontsize=9)
ax_pr.set_xlabel("recall")
ax_pr.set_ylabel("precision")
ax_pr.set_title("Precision-recall curves (markers: threshold 0.5)")
ax_pr.legend(loc="lower left", fontsize=9)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 7. How the three models change with $f$
#
# Repeat the experiment for several keep-probabilities, with a fresh subsample each time (and a few
# repetitions, to see the luck of the draw). The left panel plots the exact excess log loss on a log scale;
# the right panel the mean predicted probability, against the base rate.

# %% tags=["nbval-ignore-output"]
F_GRID = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5)
REPEATS = 1 if GRADING else 3
fits_by_f = {f: [] for f in F_GRID}
for f, _ in progress([(f, r) for f in F_GRID for r in range(REPEATS)], desc="fits"):
    Xs, ys = subsample_negatives(X_train, y_train, f, rng)
    wn, bn = fit_logistic_regression(Xs, ys, epochs=500)
    wi, bi = fit_logistic_regression(Xs, ys, sample_weight=importance_weights(ys, f), epochs=500)
    fits_by_f[f].append({"naive (kept data)": (wn, bn), "(b) bias + log f": (wn, bias_correction(bn, f)),
                         "(c) weights 1/f": (wi, bi)})
sweep = fits_by_f  # only once every fit has finished

# %%
needs("sweep", "results",
      exercise="each of subsample_negatives, fit_logistic_regression, importance_weights and bias_correction")
methods = ("naive (kept data)", "(b) bias + log f", "(c) weights 1/f")
excess = {m: np.zeros(len(F_GRID)) for m in methods}
mean_p = {m: np.zeros(len(F_GRID)) for m in methods}
for i, f in enumerate(F_GRID):
    for fits in sweep[f]:
        for m in methods:
            p_hat = predict_proba(X_test, *fits[m])
            excess[m][i] += excess_log_loss(p_test, p_hat) / len(sweep[f])
            mean_p[m][i] += p_hat.mean() / len(sweep[f])
full_excess = results["all data"]["excess"]

fig, (ax_ex, ax_mp) = plt.subplots(1, 2, figsize=(12, 4.6))
for i, m in enumerate(methods):
    ax_ex.plot(F_GRID, excess[m], linestyle=LINESTYLES[i], marker=MARKERS[i], label=m)
    ax_mp.plot(F_GRID, mean_p[m], linestyle=LINESTYLES[i], marker=MARKERS[i], label=m)
ax_ex.axhline(full_excess, color="k", linestyle=LINESTYLES[3], label="all data")
ax_mp.axhline(p_test.mean(), color="k", linestyle=LINESTYLES[3], label="true base rate")
for ax in (ax_ex, ax_mp):
    ax.set_xscale("log")
    ax.set_xlabel("fraction $f$ of negatives kept")
    ax.legend(fontsize=9)
ax_ex.set_yscale("log")
ax_ex.set_ylabel("excess test log loss over the truth (nats)")
ax_ex.set_title(f"Distance to the true model (mean over subsamples: {REPEATS} per $f$)")
ax_mp.set_ylabel("mean predicted $P(y=1)$ on the test set")
ax_mp.set_title("Only the naive model drifts away from the base rate")
fig.tight_layout()
plt.show()
print("f:              " + "".join(f"{f:>8g}" for f in F_GRID))
for m in methods:
    print(f"{m:<16}" + "".join(f"{1000 * v:>8.2f}" for v in excess[m]) + "   (excess x 1000)")
print(f"{'all data':<16}{1000 * full_excess:>8.2f}")

# %% [markdown]
# The naive model's error grows steadily as $f$ shrinks: its bias is off by $-\log f$. Both corrections stay
# within a fraction of a thousandth of a nat of the truth over the whole range, even at $f = 0.01$, where fewer
# than 200 negatives are kept. Of the two, the importance-weighted fit is usually the farther from the truth,
# more so for small $f$; section 8 explains why.
#
# With the slider you can look at the exact reliability diagram of each model for each $f$ of the sweep
# (first repetition). "Exact" because the vertical axis shows the mean *true* probability in each bin, which
# we know for generated data, instead of a noisy fraction of positives.

# %% tags=["nbval-ignore-output"]
needs("w_full", "b_full", "sweep",
      exercise="each of subsample_negatives, fit_logistic_regression, importance_weights and bias_correction")


def draw_reliability(f=0.1):
    """Exact reliability diagram of the four models for one f of the sweep."""
    fig, ax = plt.subplots(figsize=(6.4, 5))
    ax.plot([1e-4, 1], [1e-4, 1], color="0.6", linewidth=1, label="perfect calibration")
    params = {"all data": (w_full, b_full), **sweep[f][0]}
    for i, (name, (w, b)) in enumerate(params.items()):
        curve = reliability_curve(p_test, predict_proba(X_test, w, b), 12, strategy="quantile")
        ax.plot(curve.mean_predicted, curve.observed_frequency, linestyle=LINESTYLES[i], marker=MARKERS[i], label=name)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(1e-4, 1)
    ax.set_ylim(1e-4, 1)
    ax.set_xlabel("mean predicted $P(y=1)$ in the bin")
    ax.set_ylabel("mean true $P(y=1 \\mid x)$ in the bin")
    ax.set_title(f"Exact reliability diagram, f = {f:g}")
    ax.legend(loc="upper left", fontsize=9)
    plt.show()


widgets.interact(draw_reliability, f=widgets.SelectionSlider(options=F_GRID, value=0.1, description="f",
                                                             continuous_update=False));

# %% [markdown]
# ## 8. The price of importance weights: a noisier gradient
#
# The weighted objective is an *estimate* of the world's loss built from a random subsample, and so is its
# gradient. Take the per-example gradients $g_n = (p_n - y_n)\,[x_n, 1]$ of the all-data model, at its own
# optimum, where their mean over all $N$ rows is zero. From a subsample, the importance-weighted estimate of
# that mean is
#
# $$\hat G = \frac{1}{N} \sum_{n \in \text{kept}} s_n\, g_n, \qquad
# \operatorname{Var}\hat G_j = \frac{1}{N^2}\,\frac{1 - f}{f} \sum_{n:\, y_n = 0} g_{nj}^2 ,$$
#
# because each negative's term is $g_n / f$ with probability $f$ and 0 otherwise (variance
# $g_n^2 (1-f)/f$), and positives, always kept, add no randomness. The standard deviation therefore grows like
# $1/\sqrt f$ for small $f$. Below, many subsamples are drawn for each $f$ and the spread of $\hat G$ is
# measured. A trick: handing the per-example gradients to `subsample_negatives` in place of `X` subsamples them
# along with the labels.

# %%
needs("w_full", "b_full", exercise="fit_logistic_regression")
draws = 50 if GRADING else 200
A_train = np.column_stack([X_train, np.ones(N_TRAIN)])
per_example = (predict_proba(X_train, w_full, b_full) - y_train)[:, None] * A_train  # g_n, shape (N, 3)
measured_sd = []
for f in F_GRID:
    estimates = []
    for _ in range(draws):
        g_kept, y_g = subsample_negatives(per_example, y_train, f, rng)
        estimates.append(importance_weights(y_g, f) @ g_kept / N_TRAIN)
    measured_sd.append(np.std(estimates, axis=0))
measured_sd = np.array(measured_sd)
f_line = np.logspace(-2.1, np.log10(0.6), 100)
negatives_sq = np.sum(per_example[y_train == 0] ** 2, axis=0)

fig, ax = plt.subplots(figsize=(6.8, 4.6))
for j, name in enumerate(("$w_1$", "$w_2$", "$b$")):
    ax.plot(F_GRID, measured_sd[:, j], linestyle="none", marker=MARKERS[j], markersize=8, label=f"measured, {name}")
    ax.plot(f_line, np.sqrt((1 - f_line) / f_line * negatives_sq[j]) / N_TRAIN, linestyle=LINESTYLES[j], color="0.3",
            linewidth=1, label=f"theory, {name}")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("fraction $f$ of negatives kept")
ax.set_ylabel("standard deviation of $\\hat G$")
ax.set_title(f"Importance-weighted gradient noise ({draws} subsamples per $f$)")
ax.legend(fontsize=8, ncol=2)
plt.show()
print("sd of the bias component, measured / theory:",
      " ".join(f"{m / np.sqrt((1 - f) / f * negatives_sq[2]) * N_TRAIN:.2f}" for f, m in zip(F_GRID, measured_sd[:, 2])))

# %% [markdown]
# The measurements follow the formula. A fit stops where its estimated gradient is zero, so the noise in
# $\hat G$ becomes noise in the fitted parameters, roughly (inverse curvature) $\times\,\hat G$: the
# importance-weighted fit wobbles more from one subsample to the next as $f$ shrinks. Method (b) does not
# weight, so no single example counts $1/f$ times; it is the lower-variance method. The weights also make the
# curvature larger (section 5: the safe step shrank five-fold at $f = 0.1$), so with a fixed step size
# the weighted fit can diverge, and with stochastic gradients its steps are noisier still.
#
# ## 9. When the model is wrong, the two corrections part ways
#
# So far logistic regression was the true model, and both corrections aim at the same answer. Real data are
# rarely so kind. Here the true log-odds bend: $\log\frac{p}{1-p} = 1.5\,x_1 - x_2 - 5 + 0.8\,x_1^2$, which no
# logistic regression in $x$ can represent. Now the "best" straight-line model depends on which inputs the
# loss cares about. Method (c) weights every input as the world does, so it aims at the all-data fit. Method (b)
# fits the kept data, where regions rich in positives are over-represented, and only shifts the bias afterwards.

# %%
X_curved, y_curved, p_curved = make_rare_events(N_TRAIN, rng, b_true=-5.0, curvature=0.8)
X_curved_test, y_curved_test, p_curved_test = make_rare_events(N_TEST, rng, b_true=-5.0, curvature=0.8)
Xc_kept, yc_kept = subsample_negatives(X_curved, y_curved, F, rng)
wc_full, bc_full = fit_logistic_regression(X_curved, y_curved)
wc_naive, bc_naive = fit_logistic_regression(Xc_kept, yc_kept)
wc_iw, bc_iw = fit_logistic_regression(Xc_kept, yc_kept, sample_weight=importance_weights(yc_kept, F))
curved_data = {"X": X_curved_test, "y": y_curved_test, "p_true": p_curved_test}
curved = {
    "all data": evaluate(wc_full, bc_full, **curved_data),
    "naive (kept data)": evaluate(wc_naive, bc_naive, **curved_data),
    "(b) bias + log f": evaluate(wc_naive, bias_correction(bc_naive, F), **curved_data),
    "(c) weights 1/f": evaluate(wc_iw, bc_iw, **curved_data),
}
print(f"curved log-odds, f = {F}: {y_curved.mean():.2%} positives, kept {len(yc_kept)} of {N_TRAIN} rows\n")
print_table(curved, y=y_curved_test, p_true=p_curved_test)
print(f"\nweights: all data {np.round(wc_full, 3)}, (b) {np.round(wc_naive, 3)}, (c) {np.round(wc_iw, 3)}")

# %% [markdown]
# Method (c) still matches the all-data model, but method (b) is now measurably worse: about 2 % higher test
# log loss and a larger excess over the truth. Its weights differ, and no bias shift can fix that. At the 0.5 threshold it
# trades recall for precision, because it was fitted to be accurate where the positives are. This is the
# tutorial's point (d) made visible: (b) tries to match the right $P(y \mid x)$ but weights the inputs by
# $P(x \mid k)$ instead of $P(x)$, which matters exactly when the model cannot match $P(y \mid x)$ everywhere.

# %% [markdown]
# **Question (3 points, tutorial part d).** Compare the two methods for training on subsampled data, (b) adding
# $\log f$ to the bias and (c) weighting the negatives by $1/f$. Give at least two advantages and two
# drawbacks of each, and back at least two of your points with numbers or figures from this notebook.

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_compare_methods", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# *Model answer.* **(b) bias correction.** Pros: training is the standard, unweighted fit with any software; the
# correction is one addition after training; the step size needs no change; no example is up-weighted, so the
# fit is less noisy (section 8: the weighted gradient's standard deviation grows like $\sqrt{(1-f)/f}$, and in
# section 7 (b) is usually at least as close to the truth as (c) when the model is right). Cons: it is exact only
# if the model family contains the true $P(y \mid x)$ (or the shift of the log-odds is the only difference): the fit
# minimises the loss under $P(x \mid k)$, which over-weights regions rich in positives, so with a wrong model it
# ends at a different, worse model for the world (section 9: about 2 % higher test log loss at $f = 0.1$,
# different weights); it relies on a bias/logit to shift, so it applies to logistic/softmax outputs, not to an
# arbitrary model or loss.
#
# **(c) importance weights.** Pros: it minimises an unbiased estimate of the original loss, so with enough data
# it converges to the same model as training on all the data, whether or not the model is right (section 9:
# (c) matches the all-data model); it works for any model and any loss. Cons: weights $1/f$ inflate the
# variance of the loss and gradient estimates, so fits are noisier for small $f$ (effectively fewer
# negatives); the curvature grows, so step sizes must shrink (five-fold at $f = 0.1$ in section 5) or
# training diverges, and SGD converges more slowly.
#
# Also acceptable: (b)'s different operating point can give higher precision at a fixed threshold, which may be
# what an application wants (the notes' remark that rebalancing changes the loss implicitly); both need the value
# of $f$ recorded. Grading: 1 point for the pros/cons of (b), 1 for (c), 1 for using evidence from the notebook
# (variance/step size, or the misspecified comparison).

# %% [markdown]
# ## Summary
#
# * Keeping every positive and a fraction $f$ of the negatives turns $P(y = 1 \mid x)$ into
#   $\frac{p}{p + f(1-p)} = \sigma\big(\log P(y=1\mid x) - \log P(y=0\mid x) - \log f\big)$: the log-odds grow by $-\log f$
#   at every input (the notes drop the second $\log$ in this line).
# * Method (b): fit as usual, then add $\log f$ to the bias. Weights are unchanged and the ranking of the examples
#   too, so the precision-recall curve is the naive model's; only calibration is repaired.
# * Method (c): weight each kept negative by $1/f$ (importance sampling), which estimates the original loss
#   without bias; its gradient is noisier, with a standard deviation growing like $1/\sqrt f$, and it needs smaller steps.
# * With a correct model both recover the all-data model's test log loss within a fraction of a percent at
#   $f = 0.1$, while the naive model's is about twice as large. With a wrong model only (c) aims at the all-data
#   answer; (b) fits the regions where positives live.
