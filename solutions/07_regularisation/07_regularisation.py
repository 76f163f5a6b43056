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
# # 07 · Regularisation: early stopping, weight decay, input noise, dropout and batch norm
#
# A network with enough weights can fit its training set perfectly, wrong labels and all. What it learns
# that way does not carry over to new data: the training loss keeps falling while the loss on held-out
# data turns round and climbs. Regularisation is the family of tricks that trade a little training fit
# for better behaviour on unseen data. This notebook builds five of them and tries them on real images.
#
# After this notebook you will be able to
#
# - read over-fitting off a pair of training and validation curves, and stop training at the right
#   epoch with a *patience* rule;
# - write weight decay as "shrink, then take the gradient step", and see it is ridge regression in disguise;
# - show that noise added to the inputs acts like a penalty on the weights;
# - implement inverted dropout, forward and backward, and say what to do at test time (correcting a slip
#   in the notes);
# - implement batch normalisation and its full backward pass, check it against finite differences, and
#   watch it speed up training;
# - say why batch norm switches to running statistics at test time, what layer norm does instead, and why
#   weight decay is decoupled under Adam (AdamW).
#
# **Points:** seven exercises worth 12 points (autograded) and four written questions worth 7 points
# (graded by hand). Lecture material: notes 003 section 8 and notes 004 section 4.2.

# %% [markdown]
# ## Conventions
#
# Samples are **rows**: a batch of pre-activations $Z$ has shape `(N, n)`, one row per example and one
# column per unit, and a layer computes $Z = A W + b$ with $W$ of shape `(n_in, n_out)`. Notes 003 store a
# batch the other way round, as an $n \times K$ matrix with one *column* per example; every formula below
# is the notes' formula transposed, and "sum over the batch" means `axis=0` here.
#
# Two conventions are fixed for the whole course:
#
# * in dropout, $p$ is the probability of **dropping** a unit (as in the notes), so a unit survives with
#   probability $1 - p$;
# * batch normalisation uses the batch mean and the **biased** variance (divide by $N$, not $N - 1$) and
#   divides by $\sqrt{\sigma^2 + \varepsilon}$.
#
# No function you write may modify the arrays it is given: return new arrays.

# %%
import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from coursekit.checks import assert_close, assert_shape, call, diagnose
from coursekit.gradcheck import numerical_gradient, relative_error
from coursekit.progress import GRADING
from coursekit.datasets import load_digits_split
from coursekit.regularised_training import mlp_logits, train_mlp

SEED = 0
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## 1. Watching a network over-fit
#
# The data are scikit-learn's 8×8 handwritten digits: 1797 greyscale images of 64 pixels each, with
# intensities scaled to $[0, 1]$. We keep only **200** images for training, **500** for validation (to
# choose things like the stopping epoch) and the remaining 1097 as a **test** set that no decision ever
# looks at.
#
# To make over-fitting easy to see with a small network and a few seconds of training, 30% of the
# *training* labels are replaced by a wrong digit. Real data sets contain mislabelled examples too,
# just fewer. A wrong label carries no information about new images; the only way to fit it is to
# memorise that particular image, which is exactly the behaviour we want to catch. Validation and test
# labels are left clean.

# %%
digits = load_digits_split(200, 500, rng, label_noise=0.3)
print(f"training {digits.X_train.shape}, validation {digits.X_val.shape}, test {digits.X_test.shape}")
print(f"training labels replaced by a wrong digit: {digits.flipped.sum()} of {len(digits.y_train)}")

# the first 16 training images in one picture, 2 rows of 8 tiles of 12 x 10 pixels: a gap on top for the label
mosaic = np.zeros((2 * 12, 8 * 10))
for index, image in enumerate(digits.X_train[:16]):
    row, col = divmod(index, 8)
    mosaic[row * 12 + 3 : row * 12 + 11, col * 10 + 1 : col * 10 + 9] = image.reshape(8, 8)
fig, ax = plt.subplots(figsize=(10, 3.4))
ax.imshow(mosaic, cmap="gray_r", vmin=0.0, vmax=1.0)
for index, (label, wrong) in enumerate(zip(digits.y_train[:16], digits.flipped[:16])):
    row, col = divmod(index, 8)
    ax.text(col * 10 + 4.5, row * 12 + 2.2, f"{label}" + (" (wrong)" if wrong else ""), ha="center",
            va="bottom", fontsize=9)
ax.set_xticks([])
ax.set_yticks([])
ax.set_title("The first 16 training images with the labels the network is given")
plt.show()

# %% [markdown]
# The network has one hidden layer of 256 ReLU units and a softmax output, trained by mini-batch SGD
# (batches of 20, step size 0.2) on the mean cross-entropy. After every epoch (one pass over the 200
# training images) `train_mlp` from `coursekit.regularised_training` measures the loss on the whole training
# set and on the validation set, and, with `keep_weights=True`, keeps a copy of the weights.
# (While the notebook is being graded the runs are shorter.)

# %% tags=["nbval-ignore-output"]
EPOCHS = 20 if GRADING else 60
SETUP = dict(hidden=(256,), lr=0.2, batch_size=20, epochs=EPOCHS)

plain = train_mlp(digits.X_train, digits.y_train, digits.X_val, digits.y_val, np.random.default_rng(1),
                  keep_weights=True, desc="no regularisation", **SETUP)

# %%
epochs = np.arange(EPOCHS)
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(12, 4.2))
ax_loss.plot(epochs, plain.train_loss, "-", label="training set")
ax_loss.plot(epochs, plain.val_loss, "--", marker="o", markevery=5, label="validation set")
ax_loss.set_title("Cross-entropy: training keeps falling, validation turns round")
ax_loss.set_xlabel("epoch")
ax_loss.set_ylabel("mean cross-entropy")
ax_loss.legend()
ax_acc.plot(epochs, plain.train_accuracy, "-", label="training set (30% wrong labels)")
ax_acc.plot(epochs, plain.val_accuracy, "--", marker="o", markevery=5, label="validation set")
ax_acc.set_title("Accuracy: the network learns the wrong labels by heart")
ax_acc.set_xlabel("epoch")
ax_acc.set_ylabel("fraction correct")
ax_acc.legend()
fig.tight_layout()
plt.show()
print(f"lowest validation loss {plain.val_loss.min():.3f} at epoch {plain.val_loss.argmin()}; "
      f"after the last epoch {plain.val_loss[-1]:.3f}")

# %% [markdown]
# Early on, both losses fall together: the network is learning what digits look like. Later the
# training accuracy climbs past 70%, which is only possible by memorising wrong labels, and the
# validation loss rises. The network becomes confidently wrong on new images that resemble a memorised
# mislabelled one, and the cross-entropy punishes confident mistakes heavily.

# %% [markdown]
# ## 2. Early stopping
#
# The simplest cure is to stop before the rise (notes 003, section 8.1; notes 004, section 4.2): after
# every epoch, evaluate the validation loss; whenever it is the best so far, save the weights; once it
# has failed to improve for a number of epochs in a row, stop and return the saved weights. That number
# is the **patience**. Some patience is needed because validation curves are noisy: a single bad epoch
# is not yet the "systematic increase" the notes speak of.
#
# ### Exercise 1: `early_stopping` (2 points)
#
# Given the whole validation curve `val_losses` (entry `e` is the loss after epoch `e`, counting from 0)
# and the patience, return `(best_epoch, stop_epoch)`: walk through the epochs in order, keeping the
# best epoch so far. Only a **strictly** lower loss is an improvement (on a tie the earlier epoch stays
# best). Training stops at the first epoch `e` with `e - best_epoch == patience`; if that never happens,
# training runs to the last epoch, `len(val_losses) - 1`. The weights you would keep are those of
# `best_epoch`, the best epoch seen *up to the stop*; a better epoch after the stop is never seen.
#
# Example: for the losses `[5, 4, 3, 3.5, 3.2, 3.1, 2.0]` and patience 3, epoch 2 is best, epochs 3, 4
# and 5 fail to beat it, so training stops after epoch 5 and the answer is `(2, 5)`; the 2.0 of epoch 6
# is never reached. Return two Python `int`s.

# %% nbgrader={"grade": false, "grade_id": "early_stopping", "locked": false, "schema_version": 3, "solution": true, "task": false}
def early_stopping(val_losses, patience):
    """Best epoch and stopping epoch of early stopping with the given patience.

    Parameters
    ----------
    val_losses : sequence of float, length E >= 1
        Validation loss after each epoch, epochs counted from 0.
    patience : int
        Number of epochs in a row without a strict improvement that ends training (>= 1).

    Returns
    -------
    best_epoch : int
        The epoch with the lowest loss among epochs 0..stop_epoch (the earliest one on ties).
    stop_epoch : int
        The first epoch e with e - best_epoch == patience, or E - 1 if there is none.
    """
    ### BEGIN SOLUTION
    best = 0
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] < val_losses[best]:
            best = epoch
        elif epoch - best >= patience:
            return best, epoch
    return best, len(val_losses) - 1
    ### END SOLUTION


# %%
# Try it: the example above should give (2, 5); with patience 4 the later minimum is found: (6, 6).
print(early_stopping([5, 4, 3, 3.5, 3.2, 3.1, 2.0], 3), early_stopping([5, 4, 3, 3.5, 3.2, 3.1, 2.0], 4))

# %% nbgrader={"grade": true, "grade_id": "test_early_stopping", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check early_stopping on hand-made validation curves."""
diagnose("early_stopping", early_stopping)


def check_stop(losses, patience, expected, why):
    got = call(early_stopping, losses, patience, what=f"early_stopping({losses}, patience={patience})")
    assert isinstance(got, tuple) and len(got) == 2, (
        f"early_stopping({losses}, patience={patience}) should return a tuple (best_epoch, stop_epoch), got {got!r}")
    assert all(isinstance(v, int | np.integer) for v in got), f"both epochs should be integers, got {got!r}"
    assert tuple(int(v) for v in got) == expected, (
        f"early_stopping({losses}, patience={patience}) should be {expected} ({why}), got {tuple(got)}")


check_stop([5.0, 4.0, 3.0, 3.5, 3.2, 3.1, 2.0], 3, (2, 5),
           "epochs 3, 4, 5 do not beat epoch 2, so training stops after epoch 5 and never sees epoch 6")
check_stop([5.0, 4.0, 3.0, 3.5, 3.2, 3.1, 2.0], 4, (6, 6), "with patience 4 training reaches epoch 6")
check_stop([3.0, 2.0, 1.0, 0.5], 1, (3, 3), "the loss always improves, so training runs to the last epoch")
check_stop([1.0, 2.0, 3.0, 4.0], 2, (0, 2), "epochs 1 and 2 are worse than epoch 0")
check_stop([2.0, 1.0, 1.0, 1.0, 1.0], 3, (1, 4), "an equal loss is not an improvement")
### BEGIN HIDDEN TESTS
from coursekit.regularisation import early_stopping as _ref_early_stopping


def _brute_force(losses, patience):
    """Independent rule: the earliest minimum of the prefix, checked at every epoch."""
    for e in range(len(losses)):
        b = int(np.argmin(losses[: e + 1]))
        if e - b >= patience:
            return b, e
    return int(np.argmin(losses)), len(losses) - 1


check_stop([7.0], 5, (0, 0), "a single epoch is both best and last")
check_stop([1.0, 2.0, 3.0, 4.0], 1, (0, 1), "patience 1 stops at the first epoch without improvement")
check_stop([2.0, 1.0, 1.0, 1.0, 1.0], 4, (1, 4), "the rule is never triggered and the run ends at the last epoch")
check_stop([1.0, 1.5, 0.9, 1.2, 1.3, 0.1], 2, (2, 4), "the better epoch 5 comes after the stop")
check_stop([1.0, 1.5, 0.9, 1.2, 1.3, 0.1], 3, (5, 5), "patience 3 reaches the minimum at epoch 5")
_u = (np.arange(100) - 40.0) ** 2 / 100 + 1.0
check_stop(list(_u), 10, (40, 50), "a U-shaped curve with its minimum at epoch 40")
_rng = np.random.default_rng(7070)
for _ in range(60):
    _E = int(_rng.integers(1, 40))
    _losses = list(np.round(_rng.uniform(0.0, 3.0, _E), 1))  # rounding makes ties common
    _pat = int(_rng.integers(1, 8))
    _expected = _brute_force(_losses, _pat)
    assert _expected == _ref_early_stopping(_losses, _pat)
    check_stop(_losses, _pat, _expected, "random curve: best epoch among those seen, first epoch out of patience")
_arr = np.array([3.0, 2.0, 2.5, 2.6, 2.7])
assert tuple(int(v) for v in call(early_stopping, _arr, 2, what="early_stopping(numpy array, 2)")) == (1, 3), (
    "early_stopping should also accept a numpy array of losses")
### END HIDDEN TESTS

# %% [markdown]
# ### Early stopping on the digits
#
# Apply your rule to the validation curve of section 1 with a patience of 10 epochs, then go back to the
# saved weights. The test set decides whether it helped.

# %%
best_epoch, stop_epoch = early_stopping(list(plain.val_loss), 10)


def test_accuracy(weights):
    """Fraction of the 1097 test images that the network classifies correctly."""
    return float(np.mean(np.argmax(mlp_logits(weights, digits.X_test), axis=1) == digits.y_test))


print(f"best epoch {best_epoch}, training stops after epoch {stop_epoch}")
print(f"test accuracy with the weights of epoch {best_epoch}: {test_accuracy(plain.weights[best_epoch]):.3f}")
print(f"test accuracy after all {EPOCHS} epochs:          {test_accuracy(plain.weights[-1]):.3f}")

fig, ax = plt.subplots(figsize=(7, 4.2))
ax.plot(epochs, plain.train_loss, "-", label="training loss")
ax.plot(epochs, plain.val_loss, "--", label="validation loss")
ax.axvline(best_epoch, color="k", linestyle=":", label=f"best epoch ({best_epoch}): weights kept")
ax.axvline(stop_epoch, color="0.5", linestyle="-.", label=f"stop ({stop_epoch}): patience 10 used up")
ax.set_title("Early stopping with patience 10")
ax.set_xlabel("epoch")
ax.set_ylabel("mean cross-entropy")
ax.legend()
plt.show()

# %% [markdown]
# **Question (1 point).** The validation loss at `best_epoch` is the lowest of the whole run. Why is it
# an *optimistic* estimate of how well the early-stopped network does on new data, and why does this
# notebook report test accuracy instead?

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_validation_vs_test", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# *Model answer.* The best epoch was *chosen* because its validation loss was the smallest among many
# candidates (one per epoch). Each validation loss is the true loss plus noise from the particular 500
# images; picking the minimum picks, in part, the epoch whose noise happened to be most favourable, so
# the selected value is biased downwards (the same effect as taking the best of many noisy measurements).
# The validation set has been used to make a decision and is no longer independent of the model. The
# test set played no part in any choice, so its accuracy is an unbiased estimate for new images.
# Grading: 1 point for "selected as a minimum over many epochs, so biased low / validation data were used
# for the choice; the test set was not".

# %% [markdown]
# ## 3. Weight decay
#
# The second method of notes 003, section 8.1, is the penalty of ridge regression applied to a network:
# minimise $J(W) = \text{loss}(W) + \lambda \lVert W \rVert^2$. The penalty's gradient is $2\lambda W$, so one
# gradient step with step size $\eta$ and loss gradient $g = \nabla_W \text{loss}(W_{t-1})$ is
#
# $$W_t = W_{t-1} - \eta\,\bigl(g + 2\lambda W_{t-1}\bigr) = (1 - 2\lambda\eta)\,W_{t-1} - \eta\, g .$$
#
# Read from the right: first shrink ("decay") every weight by the factor $1 - 2\lambda\eta$, slightly less
# than 1, then take the ordinary gradient step. Weights that the loss does not keep pushing up fade
# away geometrically.
#
# Two remarks. The notes' $J$ *sums* the loss over the $n$ training examples, while our losses are means;
# the update has the same form, but a given $\lambda$ means $n$ times more with a mean loss. And in
# practice the penalty is usually put on the weight matrices only, not on the biases (a bias does not
# make the function any more wiggly); `train_mlp` does that.
#
# ### Exercise 2: `weight_decay_step` (1 point)
#
# Write one weight-decay step for an array `w` of any shape and its loss gradient `dw`. Return a **new**
# array; do not change `w` in place (no `w -= ...`).

# %% nbgrader={"grade": false, "grade_id": "weight_decay_step", "locked": false, "schema_version": 3, "solution": true, "task": false}
def weight_decay_step(w, dw, lr, lam):
    """One gradient step on loss + lam * ||w||^2: shrink by (1 - 2*lam*lr), then step along -dw.

    Parameters
    ----------
    w : ndarray, any shape
        Current weights.
    dw : ndarray, shape of w
        Gradient of the loss *without* the penalty, at w.
    lr : float
        Step size eta > 0.
    lam : float
        Penalty strength lambda >= 0 (lam = 0 is plain gradient descent).

    Returns
    -------
    ndarray, shape of w
        The new weights (w itself is left unchanged).
    """
    ### BEGIN SOLUTION
    return (1.0 - 2.0 * lam * lr) * w - lr * dw
    ### END SOLUTION


# %%
# Try it: with no gradient, lam = 0.5 and lr = 0.1 shrink the weights by the factor 0.9.
print(weight_decay_step(np.array([1.0, -2.0]), np.zeros(2), 0.1, 0.5))

# %% nbgrader={"grade": true, "grade_id": "test_weight_decay_step", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Check weight_decay_step against hand-computed steps, and that it leaves its input alone."""
diagnose("weight_decay_step", weight_decay_step)
w_wd = np.array([1.0, -2.0])
dw_wd = np.array([0.5, 0.0])
w_wd_before = w_wd.copy()
out_wd = call(weight_decay_step, w_wd, dw_wd, 0.1, 0.5, what="weight_decay_step(w, dw, lr=0.1, lam=0.5)")
assert np.array_equal(w_wd, w_wd_before), (
    "weight_decay_step changed the array w it was given; compute and return a new array instead (no w -= ...)")
assert_close(out_wd, [0.85, -1.8], what="weight_decay_step([1, -2], [0.5, 0], lr=0.1, lam=0.5)",
             hint="Shrink by 1 - 2*lam*lr = 0.9 (note the factor 2 from the gradient of lam*w**2), then subtract lr*dw.")
assert_close(call(weight_decay_step, w_wd, dw_wd, 0.1, 0.0, what="weight_decay_step(w, dw, 0.1, 0.0)"),
             [0.95, -2.0], what="weight_decay_step with lam = 0 (plain gradient step)")
### BEGIN HIDDEN TESTS
from coursekit.regularisation import weight_decay_step as _ref_weight_decay_step

_rng = np.random.default_rng(7171)
_A, _b = _rng.standard_normal((12, 4)), _rng.standard_normal(12)


def _loss(v):
    return np.mean((_A @ v - _b) ** 2)


for _lam, _lr in ((0.3, 0.05), (1e-3, 0.5), (2.0, 0.01)):
    _w = _rng.standard_normal(4)
    _g = numerical_gradient(_loss, _w.copy())
    _penalised = numerical_gradient(lambda v, lam=_lam: _loss(v) + lam * np.sum(v**2), _w.copy())
    _out = call(weight_decay_step, _w, _g, _lr, _lam, what=f"weight_decay_step(w, dw, {_lr}, {_lam})")
    assert_close(_out, _w - _lr * _penalised, rtol=1e-6, atol=1e-9,
                 what=f"weight_decay_step as a gradient step on loss + {_lam}*||w||^2")
for _shape in ((3, 5), (2, 3, 2), (1,)):
    _w, _g = _rng.standard_normal(_shape), _rng.standard_normal(_shape)
    _w0, _g0 = _w.copy(), _g.copy()
    _out = call(weight_decay_step, _w, _g, 0.2, 0.25, what=f"weight_decay_step on shape {_shape}")
    assert_shape(_out, _shape, what=f"weight_decay_step on shape {_shape}")
    assert_close(_out, 0.9 * _w0 - 0.2 * _g0, rtol=1e-12, atol=1e-15, what=f"weight_decay_step on shape {_shape}")
    assert_close(_out, _ref_weight_decay_step(_w0, _g0, 0.2, 0.25), rtol=1e-12, atol=1e-15, what="weight_decay_step")
    assert np.array_equal(_w, _w0) and np.array_equal(_g, _g0), "weight_decay_step must not modify w or dw"
    assert not np.shares_memory(_out, _w), "weight_decay_step must return a new array, not w itself"
### END HIDDEN TESTS

# %% [markdown]
# ### Weight decay is ridge regression
#
# For a linear model with mean squared error, $\text{loss}(w) = \frac1N \lVert X w - y\rVert^2$, repeating
# your step until nothing moves lands where the gradient of $J$ vanishes:
# $\frac{2}{N} X^\top (Xw - y) + 2\lambda w = 0$, i.e. the ridge solution
# $w_\lambda = (X^\top X / N + \lambda I)^{-1} X^\top y / N$. The picture shows gradient descent with weight
# decay from the same start for three values of $\lambda$, over the contours of the *unpenalised* loss:
# the larger $\lambda$, the further the end point is pulled from the least-squares solution towards 0.

# %%
X_lin = rng.standard_normal((30, 2)) @ np.array([[1.0, 0.8], [0.0, 0.6]])  # correlated inputs
y_lin = X_lin @ np.array([2.0, -1.0]) + 0.3 * rng.standard_normal(30)


def mse_grad(w):
    """Gradient of the mean squared error of the linear model X_lin @ w."""
    return 2.0 / len(y_lin) * X_lin.T @ (X_lin @ w - y_lin)


g1, g2 = np.meshgrid(np.linspace(-1.5, 3.0, 120), np.linspace(-2.5, 2.0, 120))
grid_w = np.stack([g1.ravel(), g2.ravel()], axis=1)
mse_grid = np.mean((grid_w @ X_lin.T - y_lin) ** 2, axis=1).reshape(g1.shape)

fig, ax = plt.subplots(figsize=(6.5, 5.5))
ax.contour(g1, g2, mse_grid, levels=np.geomspace(mse_grid.min() + 0.02, mse_grid.max(), 12), colors="0.6",
           linewidths=0.8)
for lam, style, marker in ((0.0, "-", "o"), (0.2, "--", "s"), (1.0, ":", "^")):
    w = np.array([-1.0, 1.5])
    path = [w]
    for _ in range(300):
        w = weight_decay_step(w, mse_grad(w), 0.05, lam)
        path.append(w)
    path = np.array(path)
    ridge = np.linalg.solve(X_lin.T @ X_lin / len(y_lin) + lam * np.eye(2), X_lin.T @ y_lin / len(y_lin))
    ax.plot(path[:, 0], path[:, 1], style, color="k", label=f"$\\lambda$ = {lam}: path of weight_decay_step")
    ax.plot(*ridge, marker=marker, markersize=11, markerfacecolor="none", color="k", linestyle="none",
            label=f"$\\lambda$ = {lam}: ridge closed form")
    print(f"lambda = {lam}: end of path {np.round(path[-1], 4)}, ridge solution {np.round(ridge, 4)}")
ax.plot(0, 0, "k+", markersize=12)
ax.set_title("Weight decay pulls the solution towards 0 (contours: unpenalised MSE)")
ax.set_xlabel("$w_1$")
ax.set_ylabel("$w_2$")
ax.legend(fontsize=8, loc="lower left")
plt.show()

# %% [markdown]
# ## 4. Input noise
#
# The third method of section 8.1: before each gradient computation, add fresh zero-mean Gaussian noise to
# the inputs, $\tilde x = x + \epsilon$ with $\epsilon \sim \mathcal N(0, s^2 I)$. For a linear model and the
# squared error the effect can be computed exactly. Expanding the square and using $\mathbb E[\epsilon] = 0$
# and $\mathbb E[\epsilon\epsilon^\top] = s^2 I$,
#
# $$\mathbb E_\epsilon\bigl[(w^\top (x + \epsilon) - y)^2\bigr] = (w^\top x - y)^2 + 2 (w^\top x - y)\, w^\top
#   \mathbb E[\epsilon] + w^\top \mathbb E[\epsilon \epsilon^\top] w = (w^\top x - y)^2 + s^2 \lVert w\rVert^2 ,$$
#
# so on average training on noisy inputs minimises the ridge objective with $\lambda = s^2$. For a network
# the equivalence holds only approximately, for small noise (Bishop, 1995, the reference in the notes'
# margin): the noise then penalises how steeply the output changes with the input.
#
# Notes 004 write the noise as $\varepsilon \sim \mathcal N(0, 1)$. The variance is not a detail: by the
# calculation above it *is* the penalty strength. On our digits, whose pixels lie in $[0, 1]$, noise of
# standard deviation 1 would bury the images; useful values are a fraction of the inputs' spread, and
# $s$ is tuned on validation data like $\lambda$.
#
# ### Exercise 3: `add_input_noise` (1 point)
#
# Return `X` plus independent $\mathcal N(0, s^2)$ noise in every entry, where `std` is $s$ (the standard
# deviation, not the variance). Draw the noise from the generator `rng` (e.g. `rng.normal`), so that a
# seed fixes the result, and return a new array: `X` must not change.

# %% nbgrader={"grade": false, "grade_id": "add_input_noise", "locked": false, "schema_version": 3, "solution": true, "task": false}
def add_input_noise(X, std, rng):
    """Return X + noise, with independent N(0, std**2) noise in every entry.

    Parameters
    ----------
    X : ndarray, any shape, e.g. (N, D)
        Inputs, one sample per row.
    std : float
        Standard deviation s >= 0 of the noise.
    rng : numpy.random.Generator
        Source of the noise.

    Returns
    -------
    ndarray, shape of X
        A new array; X itself is unchanged.
    """
    ### BEGIN SOLUTION
    return X + rng.normal(0.0, std, size=np.shape(X))
    ### END SOLUTION


# %%
# Try it: three noisy copies of the same row.
print(np.round(add_input_noise(np.ones((3, 4)), 0.1, np.random.default_rng(0)), 3))

# %% nbgrader={"grade": true, "grade_id": "test_add_input_noise", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Check the statistics of add_input_noise: shape, mean 0, standard deviation std, X unchanged."""
diagnose("add_input_noise", add_input_noise)
X_noise_in = np.tile(np.array([[1.0, -2.0, 5.0]]), (20000, 1))
X_noise_before = X_noise_in.copy()
noisy = call(add_input_noise, X_noise_in, 0.5, np.random.default_rng(11), what="add_input_noise(X, 0.5, rng)")
assert np.array_equal(X_noise_in, X_noise_before), "add_input_noise changed X; return X + noise as a new array"
assert_shape(noisy, (20000, 3), what="add_input_noise(X, 0.5, rng) for X of shape (20000, 3)")
noise_drawn = noisy - X_noise_in
assert_close(noise_drawn.mean(axis=0), np.zeros(3), atol=0.02, what="the mean of the noise in each column",
             hint="The noise must have mean 0.")
assert_close(noise_drawn.std(axis=0), np.full(3, 0.5), rtol=0.03,
             what="the standard deviation of the noise in each column (std = 0.5)",
             hint="std is the standard deviation, not the variance: rng.normal(0.0, std, ...) or std * rng.standard_normal(...).")
assert_close(call(add_input_noise, X_noise_before[:5], 0.0, np.random.default_rng(0), what="add_input_noise(X, 0.0, rng)"),
             X_noise_before[:5], what="add_input_noise with std = 0 (should return X unchanged)")
### BEGIN HIDDEN TESTS
_X = np.zeros((4000, 5))
_n1 = call(add_input_noise, _X, 2.0, np.random.default_rng(21), what="add_input_noise(zeros((4000, 5)), 2.0, rng)")
assert_shape(_n1, (4000, 5), what="add_input_noise on shape (4000, 5)")
assert_close(_n1.std(axis=0), np.full(5, 2.0), rtol=0.06, what="noise standard deviation for std = 2")
_corr = np.corrcoef(_n1.T)
assert np.max(np.abs(_corr - np.eye(5))) < 0.08, "the noise in different columns should be independent"
_rows = np.corrcoef(_n1[:-1].ravel(), _n1[1:].ravel())[0, 1]
assert abs(_rows) < 0.05, "the noise in different rows should be independent (fresh noise for every sample)"
assert not np.allclose(_n1[0], _n1[1]), "every row (sample) needs its own noise"
_within = np.mean(np.abs(_n1) < 2.0)
assert abs(_within - 0.6827) < 0.02, f"about 68% of Gaussian noise lies within one std of 0, got {_within:.3f}"
_a = call(add_input_noise, _X[:10], 1.0, np.random.default_rng(5), what="add_input_noise with seed 5")
_b = call(add_input_noise, _X[:10], 1.0, np.random.default_rng(5), what="add_input_noise with seed 5 again")
assert np.array_equal(_a, _b), "the noise must come from rng: the same seed should give the same noise"
_gen = np.random.default_rng(6)
_c1 = call(add_input_noise, _X[:10], 1.0, _gen, what="add_input_noise, first call")
_c2 = call(add_input_noise, _X[:10], 1.0, _gen, what="add_input_noise, second call")
assert not np.allclose(_c1, _c2), "each call must draw fresh noise from rng"
for _shape in ((7,), (2, 3, 4), (1, 1)):
    _Xs = np.random.default_rng(1).standard_normal(_shape)
    _Xs0 = _Xs.copy()
    _out = call(add_input_noise, _Xs, 0.1, np.random.default_rng(2), what=f"add_input_noise on shape {_shape}")
    assert_shape(_out, _shape, what=f"add_input_noise on shape {_shape}")
    assert np.array_equal(_Xs, _Xs0), "add_input_noise must not modify X"
    assert np.max(np.abs(_out - _Xs0)) < 0.6, "noise with std 0.1 should stay small"
### END HIDDEN TESTS

# %% [markdown]
# ### Noise on the inputs is ridge regression, numerically
#
# Fit ordinary least squares to 2000 noisy copies of the 30 points of section 3 and compare with the ridge
# solution for $\lambda = s^2$. (With finitely many copies the agreement is close, not exact.)

# %%
w_ols = np.linalg.lstsq(X_lin, y_lin, rcond=None)[0]
print(f"least squares, no noise:  {np.round(w_ols, 3)}")
for s in (0.3, 0.6):
    X_copies = add_input_noise(np.tile(X_lin, (2000, 1)), s, rng)
    w_noisy = np.linalg.lstsq(X_copies, np.tile(y_lin, 2000), rcond=None)[0]
    w_ridge = np.linalg.solve(X_lin.T @ X_lin / len(y_lin) + s**2 * np.eye(2), X_lin.T @ y_lin / len(y_lin))
    print(f"s = {s}: least squares on noisy copies {np.round(w_noisy, 3)}, ridge with lambda = s^2 {np.round(w_ridge, 3)}")

# %% [markdown]
# ## 5. Dropout
#
# Dropout perturbs the network instead of the data (notes 003, section 8.2): on every training step each
# hidden unit is switched off (its activation set to 0) with probability $p$, independently for every unit
# and every example. No unit can rely on a particular partner being present, so the network cannot build
# fragile co-adapted combinations; it behaves like an average over the many thinned networks that the
# masks select.
#
# **Train and test behaviour.** Multiply the activations by a random mask $d$ whose entries are 0 with
# probability $p$ and 1 with probability $1 - p$. A unit's expected output during training is then
# $(1-p)\,a$, while at test time, with every unit present, it would be $a$. To make the two agree, the
# notes scale at test time: "multiply all weights by $p$". **That factor is a slip.** With $p$ the
# probability of *dropping*, a unit is present in a fraction $1 - p$ of the training steps, so the
# outgoing weights must be multiplied by $1 - p$, the probability of *keeping*. The two coincide only for
# the popular $p = 0.5$, which hides the mistake. With $p = 0.2$ the notes' rule would shrink the test-time
# activations to a quarter of what the next layer saw during training.
#
# **Inverted dropout** moves the correction to training time, where it belongs to the noise: kept units
# are divided by $1 - p$,
#
# $$\text{out} = a \odot d, \qquad d_{ij} = \begin{cases} 0 & \text{with probability } p,\\
#   \dfrac{1}{1-p} & \text{with probability } 1 - p, \end{cases} \qquad \mathbb E[\text{out}] = a .$$
#
# At test time nothing is dropped and nothing is rescaled: the trained network is used exactly as it
# is. Both versions give the next layer the same average input; inverted dropout is what libraries do,
# because the test-time code then needs no knowledge of $p$.
#
# ### Exercise 4: `dropout_forward` (2 points)
#
# Write inverted dropout. In training mode (`train=True`) draw a fresh mask from `rng`, each entry kept
# independently with probability `1 - p` (for instance keep where `rng.random(a.shape) >= p`), and return
# `(out, mask)` where `mask` already contains the scaling: 0 for dropped entries, `1 / (1 - p)` for kept
# ones, and `out = a * mask`. In test mode (`train=False`) return `a` unchanged (a copy) and a mask of
# ones; `rng` is not used and may be `None`. `p` lies in $[0, 1)$. Do not modify `a`.

# %% nbgrader={"grade": false, "grade_id": "dropout_forward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def dropout_forward(a, p, rng, train=True):
    """Inverted dropout: drop each entry with probability p and scale the kept ones by 1/(1-p).

    Parameters
    ----------
    a : ndarray, any shape, e.g. (N, n)
        Activations of a layer.
    p : float
        Probability of dropping an entry, 0 <= p < 1.
    rng : numpy.random.Generator or None
        Source of the mask (unused, may be None, when train is False).
    train : bool
        Training mode (drop and rescale) or test mode (identity).

    Returns
    -------
    out : ndarray, shape of a
        a * mask.
    mask : ndarray, shape of a
        0 for dropped entries and 1/(1-p) for kept ones in training mode; all ones in test mode.
    """
    ### BEGIN SOLUTION
    if not train:
        return np.array(a, dtype=float), np.ones(np.shape(a))
    mask = (rng.random(np.shape(a)) >= p) / (1.0 - p)
    return a * mask, mask
    ### END SOLUTION


# %%
# Try it: about a quarter of the ones should become 0, the rest 1/0.75 = 1.333.
print(np.round(dropout_forward(np.ones((3, 6)), 0.25, np.random.default_rng(0))[0], 3))

# %% nbgrader={"grade": true, "grade_id": "test_dropout_forward", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check the statistics of dropout_forward in training mode, and test mode."""
diagnose("dropout_forward", dropout_forward)
a_do = np.full((400, 500), 2.0)
out_do, mask_do = call(dropout_forward, a_do, 0.3, np.random.default_rng(3), what="dropout_forward(a, 0.3, rng)")
assert_shape(out_do, (400, 500), what="out of dropout_forward(a, 0.3, rng) for a of shape (400, 500)")
assert_shape(mask_do, (400, 500), what="mask of dropout_forward(a, 0.3, rng)")
assert np.array_equal(a_do, np.full((400, 500), 2.0)), "dropout_forward changed a; return new arrays"
dropped_do = np.mean(out_do == 0.0)
assert abs(dropped_do - 0.3) < 0.005, (
    f"with p = 0.3 about 30% of the entries should be dropped, got {dropped_do:.1%}. "
    "Remember that p is the probability of DROPPING a unit.")
kept_do = out_do[out_do != 0.0]
assert_close(kept_do, np.full(kept_do.shape, 2.0 / 0.7), rtol=1e-12,
             what="the kept entries of out (a = 2, p = 0.3)",
             hint="Inverted dropout divides the kept entries by 1 - p, so that E[out] = a.")
assert_close(out_do, a_do * mask_do, rtol=1e-12, what="out compared with a * mask",
             hint="mask includes the scaling: 0 or 1/(1-p), and out = a * mask.")
assert abs(out_do.mean() - 2.0) < 0.02, f"the mean of out should stay close to the mean of a (2.0), got {out_do.mean():.4f}"
out_test, mask_test = call(dropout_forward, a_do[:3, :4], 0.3, None, train=False,
                           what="dropout_forward(a, 0.3, None, train=False)")
assert_close(out_test, np.full((3, 4), 2.0), what="dropout_forward in test mode (should return a unchanged)",
             hint="At test time inverted dropout does nothing: no drop, no rescaling.")
assert_close(mask_test, np.ones((3, 4)), what="the mask in test mode (all ones)")
### BEGIN HIDDEN TESTS
for _p in (0.8, 0.1, 0.5):
    _a = np.random.default_rng(31).uniform(0.5, 1.5, (300, 400))
    _a0 = _a.copy()
    _out, _mask = call(dropout_forward, _a, _p, np.random.default_rng(32), what=f"dropout_forward(a, {_p}, rng)")
    assert np.array_equal(_a, _a0), "dropout_forward must not modify a"
    _frac = np.mean(_mask == 0.0)
    assert abs(_frac - _p) < 6 * np.sqrt(_p * (1 - _p) / _a.size), f"p = {_p}: dropped fraction {_frac:.3f}"
    assert_close(_mask[_mask != 0.0], np.full(int(np.sum(_mask != 0.0)), 1.0 / (1.0 - _p)), rtol=1e-12,
                 what=f"the nonzero mask entries for p = {_p}")
    assert_close(_out, _a0 * _mask, rtol=1e-12, what=f"out = a * mask for p = {_p}")
    _keep = (_mask != 0.0).astype(float)
    assert abs(np.corrcoef(_keep[:, :-1].ravel(), _keep[:, 1:].ravel())[0, 1]) < 0.03, "mask entries must be independent"
    assert abs(np.corrcoef(_keep[:-1].ravel(), _keep[1:].ravel())[0, 1]) < 0.03, (
        "every example (row) needs its own mask")
_o1, _m1 = call(dropout_forward, np.ones((5, 6)), 0.4, np.random.default_rng(9), what="dropout_forward, seed 9")
_o2, _m2 = call(dropout_forward, np.ones((5, 6)), 0.4, np.random.default_rng(9), what="dropout_forward, seed 9 again")
assert np.array_equal(_m1, _m2), "the mask must come from rng: the same seed should give the same mask"
_gen = np.random.default_rng(10)
_m3 = call(dropout_forward, np.ones((20, 20)), 0.5, _gen, what="dropout_forward, first call")[1]
_m4 = call(dropout_forward, np.ones((20, 20)), 0.5, _gen, what="dropout_forward, second call")[1]
assert not np.array_equal(_m3, _m4), "each call must draw a fresh mask"
_a3 = np.random.default_rng(12).standard_normal((4, 3, 5))
_out3, _mask3 = call(dropout_forward, _a3, 0.0, np.random.default_rng(0), what="dropout_forward with p = 0")
assert_close(_out3, _a3, rtol=1e-12, what="dropout_forward with p = 0 (keeps everything)")
assert_close(_mask3, np.ones((4, 3, 5)), what="the mask for p = 0")
_out4, _mask4 = call(dropout_forward, _a3, 0.9, np.random.default_rng(1), train=False, what="test mode, p = 0.9")
assert_close(_out4, _a3, rtol=1e-12, what="dropout_forward in test mode with p = 0.9")
assert_close(_mask4, np.ones((4, 3, 5)), what="the test-mode mask for p = 0.9")
_one, _ = call(dropout_forward, np.array([3.0]), 0.5, np.random.default_rng(4), what="dropout_forward on one entry")
assert_shape(_one, (1,), what="dropout_forward on an array of one entry")
assert float(_one[0]) in (0.0, 6.0), f"one entry 3.0 with p = 0.5 should become 0 or 6, got {_one}"
### END HIDDEN TESTS

# %% [markdown]
# ### Slider: the dropout mask
#
# A block of activations (8 examples × 16 units) before and after dropout. Move $p$ and watch both the
# holes and the brighter survivors: the average over the block stays near its original value.

# %% tags=["nbval-ignore-output"]
block = np.abs(np.random.default_rng(70).normal(1.0, 0.5, (8, 16)))


def show_dropout(p=0.5):
    """Draw the block before and after one inverted-dropout mask with drop probability p."""
    out, mask = dropout_forward(block, p, np.random.default_rng(71))
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(11, 3.2))
    vmax = 2.0 / (1.0 - 0.9) * block.max() / 10
    for ax, values, title in ((ax0, block, "activations a"),
                              (ax1, out, f"a * mask, p = {p:.1f}: {np.mean(mask == 0):.0%} dropped")):
        image = ax.imshow(values, cmap="gray_r", vmin=0.0, vmax=vmax)
        ax.set_title(f"{title}\n(mean {values.mean():.2f})")
        ax.set_xlabel("unit")
        ax.set_ylabel("example")
    fig.colorbar(image, ax=[ax0, ax1], label="activation")
    plt.show()


widgets.interact(show_dropout, p=widgets.FloatSlider(value=0.5, min=0.0, max=0.9, step=0.1,
                                                     description="p (drop)"));

# %% [markdown]
# ### The test-time factor, in numbers
#
# Plain dropout (a 0/1 mask, the notes' version) for $p = 0.2$ on activations that are all 1: the average
# activation during training, and what the test-time activation would be after the notes' factor $p$ and
# after the correct factor $1 - p$. Then inverted dropout, which needs no factor.

# %%
p_demo = 0.2
ones = np.ones((1000, 1000))
out_inv, mask_inv = dropout_forward(ones, p_demo, rng)
plain_mask = (mask_inv > 0).astype(float)  # the same draw, without the 1/(1-p) scaling
print(f"plain dropout:    training mean {np.mean(ones * plain_mask):.3f};"
      f" test with factor p: {p_demo:.3f}, with factor 1-p: {1 - p_demo:.3f}")
print(f"inverted dropout: training mean {np.mean(out_inv):.3f}; test (no factor): 1.000")

# %% [markdown]
# ### Exercise 5: `dropout_backward` (1 point)
#
# With the mask fixed, $\text{out} = a \odot \text{mask}$ is an elementwise product, so each entry of the
# upstream gradient $\partial L / \partial\,\text{out}$ (`dout`) is multiplied by the same mask entry:
# nothing flows back through a dropped unit, and kept units pass the gradient on scaled by $1/(1-p)$.
# The notes remark that "the backwards pass depends on $a^\ell$, so we do not need to make any further
# changes". That is true of the weight gradients of the next layer (they are computed from the dropped
# activations, zeros included), but the gradient passed further down must go through the mask as well,
# which is this function's job. Return a new array.

# %% nbgrader={"grade": false, "grade_id": "dropout_backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def dropout_backward(dout, mask):
    """Gradient through inverted dropout: dL/da = dout * mask.

    Parameters
    ----------
    dout : ndarray, any shape
        Gradient of the loss with respect to the dropout output.
    mask : ndarray, shape of dout
        The mask returned by dropout_forward (scaling included).

    Returns
    -------
    ndarray, shape of dout
        dL/da (a new array; dout is unchanged).
    """
    ### BEGIN SOLUTION
    return dout * mask
    ### END SOLUTION


# %%
# Try it: the dropped entry gets no gradient, the kept ones get 2 * dout.
print(dropout_backward(np.array([[1.0, 2.0, 3.0]]), np.array([[2.0, 0.0, 2.0]])))

# %% nbgrader={"grade": true, "grade_id": "test_dropout_backward", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Check dropout_backward by hand and against central differences with a fixed mask."""
diagnose("dropout_backward", dropout_backward)
dout_db = np.array([[1.0, 2.0], [3.0, 4.0]])
mask_db = np.array([[2.0, 0.0], [0.0, 2.0]])  # p = 0.5: kept entries carry 1/(1-p) = 2
dout_db_before = dout_db.copy()
assert_close(call(dropout_backward, dout_db, mask_db, what="dropout_backward(dout, mask)"), [[2.0, 0.0], [0.0, 8.0]],
             what="dropout_backward([[1, 2], [3, 4]], [[2, 0], [0, 2]])",
             hint="Multiply dout by the mask itself, including its 1/(1-p) scaling.")
assert np.array_equal(dout_db, dout_db_before), "dropout_backward changed dout; return a new array"
a_db = np.random.default_rng(41).standard_normal((3, 4))
up_db = np.random.default_rng(42).standard_normal((3, 4))
mask_fd = (np.random.default_rng(43).random((3, 4)) >= 0.75) / 0.25  # p = 0.75
numeric_db = numerical_gradient(lambda a: np.sum(up_db * (a * mask_fd)), a_db.copy())
assert_close(call(dropout_backward, up_db, mask_fd, what="dropout_backward(up, mask)"), numeric_db, rtol=1e-6, atol=1e-8,
             what="dropout_backward compared with central differences of sum(up * a * mask)")
### BEGIN HIDDEN TESTS
from coursekit.regularisation import dropout_backward as _ref_dropout_backward

_rng = np.random.default_rng(7474)
for _shape, _p in (((6, 5), 0.2), ((2, 3, 4), 0.9), ((1,), 0.5)):
    _a = _rng.standard_normal(_shape)
    _up = _rng.standard_normal(_shape)
    _mask = (_rng.random(_shape) >= _p) / (1.0 - _p)
    _up0, _mask0 = _up.copy(), _mask.copy()
    _num = numerical_gradient(lambda a, m=_mask, u=_up: np.sum(u * a * m), _a.copy())
    _out = call(dropout_backward, _up, _mask, what=f"dropout_backward on shape {_shape}")
    assert_shape(_out, _shape, what=f"dropout_backward on shape {_shape}")
    assert_close(_out, _num, rtol=1e-6, atol=1e-8, what=f"dropout_backward vs central differences, shape {_shape}")
    assert_close(_out, _ref_dropout_backward(_up0, _mask0), rtol=1e-12, what="dropout_backward")
    assert np.array_equal(_up, _up0) and np.array_equal(_mask, _mask0), "dropout_backward must not modify its inputs"
    assert np.all(_out[_mask0 == 0.0] == 0.0), "dropped units must get exactly zero gradient"
_up = _rng.standard_normal((3, 3))
assert_close(call(dropout_backward, _up, np.ones((3, 3)), what="dropout_backward with a test-mode mask"), _up,
             rtol=1e-12, what="dropout_backward with a mask of ones (identity)")
### END HIDDEN TESTS

# %% [markdown]
# ### A dropped unit gets no update
#
# One training example through `Linear -> ReLU -> dropout -> Linear` with a squared-error loss, forward and
# backward by hand with your two functions. For the units that were dropped, look at the row of $W_2$
# leaving the unit and the column of $W_1$ entering it.

# %%
x_one = rng.standard_normal((1, 5))
target_one = rng.standard_normal((1, 2))
W1_one, b1_one = rng.standard_normal((5, 8)) / np.sqrt(5), np.full(8, 0.5)
W2_one, b2_one = rng.standard_normal((8, 2)) / np.sqrt(8), np.zeros(2)

z1_one = x_one @ W1_one + b1_one
h_one = np.maximum(z1_one, 0.0)
hd_one, mask_one = dropout_forward(h_one, 0.5, np.random.default_rng(5))
f_one = hd_one @ W2_one + b2_one
df_one = f_one - target_one                       # gradient of 0.5 * ||f - target||^2
dW2_one = hd_one.T @ df_one                       # row j: gradient of the weights leaving unit j
dh_one = dropout_backward(df_one @ W2_one.T, mask_one)
dW1_one = x_one.T @ (dh_one * (z1_one > 0))       # column j: gradient of the weights entering unit j

dropped_units = np.flatnonzero(mask_one[0] == 0.0)
print("dropped hidden units:", dropped_units)
print("largest |dW2| in their rows:   ", np.round(np.abs(dW2_one[dropped_units]).max(axis=1), 6))
print("largest |dW1| in their columns:", np.round(np.abs(dW1_one[:, dropped_units]).max(axis=0), 6))
print("largest |dW2| over kept units: ", np.round(np.abs(np.delete(dW2_one, dropped_units, axis=0)).max(), 4))

# %% [markdown]
# **Question (2 points).** The notes ask you to make sure you understand why, with SGD, setting a unit's
# activation to 0 means that its weights are not updated on that step. Explain it with the chain rule for
# *both* the weights leaving the unit and the weights entering it, as in the printout above. Then say
# what changes with a mini-batch of several examples.

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_dropped_unit_no_update", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# *Model answer.* Weights leaving unit $j$: the next layer computes $z_k = \sum_j \tilde a_j W_{jk} + b_k$ with
# $\tilde a_j = a_j d_j$, so $\partial L/\partial W_{jk} = \tilde a_j\,\partial L/\partial z_k$. A dropped unit
# has $\tilde a_j = 0$, so the whole row $j$ of the gradient is 0. Weights entering unit $j$: the gradient
# that reaches $a_j$ is $\partial L/\partial a_j = d_j\,\partial L/\partial \tilde a_j = 0$ because $d_j = 0$ (the
# mask blocks the backward pass just as it blocks the forward pass); then
# $\partial L/\partial z_j = f'(z_j)\cdot 0 = 0$ and $\partial L/\partial W_{ij} = a_i^{\text{prev}}\,\partial L/\partial z_j = 0$,
# and the bias of unit $j$ gets 0 too. With zero gradient, the SGD step $W \leftarrow W - \eta\,\nabla L$ leaves
# these weights where they are (weight decay, if used, still shrinks them).
#
# With a mini-batch the gradient is the average over the examples, and each example has its own mask:
# a unit's weights receive contributions only from the examples in which it was kept. They are usually
# still updated, just on a random subset of the batch. Grading: 1 point for the two chain-rule arguments,
# 1 for the mini-batch remark.

# %% [markdown]
# ## 6. Batch normalisation
#
# Batch normalisation (notes 003, section 8.3) standardises every unit over the mini-batch, and then lets
# the layer choose a new scale and shift. For a batch $Z$ of shape $(N, n)$ (row $k$ = example, column
# $i$ = unit):
#
# $$\mu_i = \frac1N \sum_{k} Z_{ki}, \qquad \sigma_i^2 = \frac1N \sum_{k} (Z_{ki} - \mu_i)^2, \qquad
#   \bar Z_{ki} = \frac{Z_{ki} - \mu_i}{\sqrt{\sigma_i^2 + \varepsilon}}, \qquad
#   \hat Z_{ki} = G_i\, \bar Z_{ki} + B_i .$$
#
# The layer sits between the product with $W$ and the activation. Whatever the earlier layers do to the
# scale and offset of a unit's input, the next layer sees the same standardised range, which the notes
# motivate by *covariate shift*. Because $\mu$ and $\sigma$ come from whichever examples share the batch,
# each example's output is jittered a little by its companions: a mild noise, hence a mild regularising
# effect.
#
# Three differences from the notes' text:
#
# * The notes' formula for $\mu$ sums over $i$ from 1 to $K$ while $i$ is also the unit index; the sum runs
#   over the examples $j$ of the batch.
# * The variance is the *biased* one, dividing by $N$ (the notes do this too); `np.var` does it by default,
#   `ddof=1` would not.
# * The notes divide by $\sigma_i + \varepsilon$; we divide by $\sqrt{\sigma_i^2 + \varepsilon}$, as in Ioffe and
#   Szegedy's paper and every library. For a unit whose spread is well above $\sqrt\varepsilon$ the two agree.
#   When a unit barely varies over the batch they do not: $\sigma + \varepsilon$ divides by almost $\sigma$ and
#   blows tiny differences up to unit size, while $\sqrt{\sigma^2 + \varepsilon}$ never divides by less than
#   $\sqrt\varepsilon$. The second form is also smooth in $Z$ at $\sigma = 0$, where $\sigma$ itself has no
#   derivative, and it makes the notes' own backward formula exact, as section 7 shows.

# %%
eps_bn = 1e-5
print(" sigma     sigma + eps   sqrt(sigma^2 + eps)   ratio")
for sigma in (1.0, 0.1, 0.01, 1e-3, 1e-4):
    notes_form, our_form = sigma + eps_bn, np.sqrt(sigma**2 + eps_bn)
    print(f"{sigma:7.0e}   {notes_form:10.3e}   {our_form:18.3e}   {our_form / notes_form:7.3f}")

# %% [markdown]
# ### Exercise 6: `batchnorm_forward` (2 points)
#
# Implement the forward pass at training time for `z` of shape `(N, n)`, `gamma` and `beta` of shape `(n,)`.
# Return `(out, cache)` where `cache` is the tuple **`(z_bar, gamma, std)`**: the standardised batch
# $\bar Z$ (shape `(N, n)`), `gamma` (shape `(n,)`) and `std` $= \sqrt{\sigma^2 + \varepsilon}$ (shape `(n,)`).
# That is all the backward pass will need. Do not modify `z`.
#
# (A complete layer would also keep running averages of $\mu$ and $\sigma^2$ to use at test time, when
# there may be no batch; `train_mlp` does that. This exercise is the training-time computation only.)

# %% nbgrader={"grade": false, "grade_id": "batchnorm_forward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def batchnorm_forward(z, gamma, beta, eps=1e-5):
    """Batch normalisation at training time, statistics over the batch (axis 0).

    Parameters
    ----------
    z : ndarray, shape (N, n)
        Pre-activations, one example per row.
    gamma : ndarray, shape (n,)
        Scale G.
    beta : ndarray, shape (n,)
        Shift B.
    eps : float
        Small constant inside the square root.

    Returns
    -------
    out : ndarray, shape (N, n)
        gamma * z_bar + beta.
    cache : tuple (z_bar, gamma, std)
        z_bar = (z - mean) / std, shape (N, n); gamma, shape (n,); std = sqrt(biased variance + eps), shape (n,).
    """
    ### BEGIN SOLUTION
    mu = z.mean(axis=0)
    std = np.sqrt(np.mean((z - mu) ** 2, axis=0) + eps)
    z_bar = (z - mu) / std
    return gamma * z_bar + beta, (z_bar, gamma, std)
    ### END SOLUTION


# %%
# Try it: every column of the output should have mean beta and standard deviation close to |gamma|.
z_try = rng.normal([5.0, -3.0, 0.0], [2.0, 0.5, 10.0], size=(64, 3))
out_try, _ = batchnorm_forward(z_try, np.array([1.0, 2.0, 0.5]), np.array([0.0, 1.0, -1.0]))
print("column means:", np.round(out_try.mean(axis=0), 4) + 0.0, " column stds:", np.round(out_try.std(axis=0), 4))

# %% nbgrader={"grade": true, "grade_id": "test_batchnorm_forward", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check batchnorm_forward on a hand-computed batch and the cache it returns."""
diagnose("batchnorm_forward", batchnorm_forward)
z_bf = np.array([[1.0, 0.0], [3.0, 4.0]])  # column 0: mean 2, biased variance 1; column 1: mean 2, variance 4
z_bf_before = z_bf.copy()
res_bf = call(batchnorm_forward, z_bf, np.array([2.0, 1.0]), np.array([0.5, -1.0]), 1e-5,
              what="batchnorm_forward(z, gamma=[2, 1], beta=[0.5, -1])")
assert isinstance(res_bf, tuple) and len(res_bf) == 2, "batchnorm_forward should return a tuple (out, cache)"
out_bf, cache_bf = res_bf
assert np.array_equal(z_bf, z_bf_before), "batchnorm_forward changed z; compute new arrays instead"
s0, s1 = np.sqrt(1.0 + 1e-5), np.sqrt(4.0 + 1e-5)
assert_close(out_bf, [[0.5 - 2.0 / s0, -1.0 - 2.0 / s1], [0.5 + 2.0 / s0, -1.0 + 2.0 / s1]], rtol=1e-10,
             what="batchnorm_forward([[1, 0], [3, 4]], gamma=[2, 1], beta=[0.5, -1])",
             hint="Statistics per column (axis=0); the biased variance (divide by N, np.var's default); "
                  "divide by sqrt(var + eps), then multiply by gamma and add beta.")
assert isinstance(cache_bf, tuple) and len(cache_bf) == 3, "the cache should be the tuple (z_bar, gamma, std)"
assert_close(cache_bf[0], [[-1.0 / s0, -2.0 / s1], [1.0 / s0, 2.0 / s1]], rtol=1e-10, what="cache[0], z_bar")
assert_close(cache_bf[1], [2.0, 1.0], what="cache[1], gamma")
assert_close(cache_bf[2], [s0, s1], rtol=1e-12, what="cache[2], std = sqrt(var + eps)")
### BEGIN HIDDEN TESTS
from coursekit.regularisation import batchnorm_forward as _ref_batchnorm_forward

_rng = np.random.default_rng(7676)
for _N, _n, _eps in ((7, 4, 1e-5), (2, 1, 1e-3), (50, 3, 1e-8)):
    _z = _rng.normal(3.0, 2.0, (_N, _n))
    _g, _be = _rng.normal(1.0, 0.5, _n), _rng.standard_normal(_n)
    _z0 = _z.copy()
    _out, _cache = call(batchnorm_forward, _z, _g, _be, _eps, what=f"batchnorm_forward on shape {(_N, _n)}")
    _std = np.sqrt(np.var(_z0, axis=0) + _eps)
    _zb = (_z0 - _z0.mean(axis=0)) / _std
    assert_shape(_out, (_N, _n), what=f"batchnorm_forward out for shape {(_N, _n)}")
    assert_close(_out, _g * _zb + _be, rtol=1e-9, atol=1e-12, what=f"batchnorm_forward on shape {(_N, _n)}")
    assert_close(_cache[0], _zb, rtol=1e-9, atol=1e-12, what="cache z_bar")
    assert_close(_cache[1], _g, rtol=1e-12, what="cache gamma")
    assert_close(_cache[2], _std, rtol=1e-12, what="cache std")
    assert_close(_out, _ref_batchnorm_forward(_z0, _g, _be, _eps)[0], rtol=1e-9, atol=1e-12, what="batchnorm_forward")
    assert np.array_equal(_z, _z0), "batchnorm_forward must not modify z"
# default eps
_z = _rng.standard_normal((5, 2))
_out = call(batchnorm_forward, _z, np.ones(2), np.zeros(2), what="batchnorm_forward with the default eps")[0]
assert_close(_out, (_z - _z.mean(0)) / np.sqrt(_z.var(0) + 1e-5), rtol=1e-9, what="batchnorm_forward, default eps=1e-5")
# a unit that barely varies: eps must sit inside the square root
_z = np.array([[1.0, 10.0], [1.002, 10.0], [0.998, 10.0], [1.0, 10.0]])
_out, _cache = call(batchnorm_forward, _z, np.ones(2), np.array([0.0, 3.0]), 1e-5, what="batchnorm_forward, tiny spread")
_s = np.sqrt(np.var(_z[:, 0]) + 1e-5)
assert_close(_out[:, 0], (_z[:, 0] - 1.0) / _s, rtol=1e-8, atol=1e-12, what="a column with spread 1.4e-3",
             hint="Divide by sqrt(var + eps), not by sqrt(var) + eps.")
assert_close(_out[:, 1], np.full(4, 3.0), atol=1e-12, what="a constant column (should become beta)")
# one example: z_bar = 0, out = beta
_out = call(batchnorm_forward, np.array([[5.0, -7.0]]), np.array([3.0, 3.0]), np.array([0.5, 0.25]), 1e-5,
            what="batchnorm_forward on a batch of one")[0]
assert_close(_out, [[0.5, 0.25]], atol=1e-12, what="batchnorm_forward on a batch of one example")
### END HIDDEN TESTS

# %% [markdown]
# ## 7. The backward pass of batch normalisation
#
# Given $D = \partial L / \partial \hat Z$ (`dout`, shape $(N, n)$), we need $\partial L/\partial B$,
# $\partial L/\partial G$ and $\partial L/\partial Z$. Every column is independent of the others, so fix a unit
# $i$ and drop the index; sums run over the examples of the batch.
#
# **Scale and shift.** $B$ and $G$ touch every example of the column, so their gradients are sums:
#
# $$\frac{\partial L}{\partial B} = \sum_k D_k, \qquad \frac{\partial L}{\partial G} = \sum_k D_k\, \bar Z_k .$$
#
# **The input.** Write $\bar D_k = G D_k$ for the gradient with respect to $\bar Z_k$ and
# $s = \sqrt{\sigma^2 + \varepsilon}$. The new difficulty is that $Z_j$ influences *every* $\bar Z_k$ of its
# column, through $\mu$ and through $s$:
#
# $$\frac{\partial \mu}{\partial Z_j} = \frac1N, \qquad
#   \frac{\partial s}{\partial Z_j} = \frac{1}{2s}\,\frac{\partial \sigma^2}{\partial Z_j} = \frac{Z_j - \mu}{N s}
#   = \frac{\bar Z_j}{N}, \qquad
#   \frac{\partial \bar Z_k}{\partial Z_j} = \frac{\delta_{jk} - \frac1N}{s} - \frac{\bar Z_k\, \bar Z_j}{N s}.$$
#
# (In $\partial\sigma^2/\partial Z_j = \frac2N (Z_j - \mu) - \frac2N \sum_k (Z_k - \mu)\frac{1}{N}$ the second part
# vanishes because deviations from the mean sum to zero.) Summing over $k$ with weights $\bar D_k$:
#
# $$\frac{\partial L}{\partial Z_j} = \frac1s \Bigl( \bar D_j \;-\; \underbrace{\frac1N \sum_k \bar D_k}_{\text{via } \mu}
#   \;-\; \bar Z_j\, \underbrace{\frac1N \sum_k \bar D_k \bar Z_k}_{\text{via } \sigma^2} \Bigr).$$
#
# The first term is the naive answer, as if $\mu$ and $s$ were constants; the other two are the paths through
# the batch statistics. This is the notes' final formula,
# $\frac{1}{K\sigma}\sum_k D_k G \bigl(K\delta_{jk} - 1 - \frac{(Z_k-\mu)(Z_j-\mu)}{\sigma^2}\bigr)$, with their $\sigma$
# replaced by $s$. With $\varepsilon$ inside the root that replacement is exact, because $\partial s / \partial Z_j$
# has the same form as $\partial\sigma/\partial Z_j$. With the notes' $\sigma + \varepsilon$ in the forward pass, their
# formula (which divides by $\sigma$ and $\sigma^2$) is the derivative only in the limit $\varepsilon = 0$.
#
# ### Exercise 7: `batchnorm_backward` (3 points)
#
# Implement the three gradients from `dout` and the cache `(z_bar, gamma, std)` of `batchnorm_forward`,
# vectorised over the columns (no Python loops). Do not modify `dout` or the cache.

# %% nbgrader={"grade": false, "grade_id": "batchnorm_backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def batchnorm_backward(dout, cache):
    """Backward pass of batchnorm_forward, including the paths through the batch mean and variance.

    Parameters
    ----------
    dout : ndarray, shape (N, n)
        dL/d(out).
    cache : tuple (z_bar, gamma, std)
        As returned by batchnorm_forward: shapes (N, n), (n,), (n,).

    Returns
    -------
    dz : ndarray, shape (N, n)
    dgamma : ndarray, shape (n,)
    dbeta : ndarray, shape (n,)
    """
    ### BEGIN SOLUTION
    z_bar, gamma, std = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * z_bar).sum(axis=0)
    d_bar = dout * gamma
    dz = (d_bar - d_bar.mean(axis=0) - z_bar * (d_bar * z_bar).mean(axis=0)) / std
    return dz, dgamma, dbeta
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_batchnorm_backward", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""Check batchnorm_backward on a small batch whose gradients were computed by central differences."""
diagnose("batchnorm_backward", batchnorm_backward)
z_bb = np.array([[1.0, 2.0], [3.0, 2.0], [5.0, 4.0], [7.0, 0.0]])
gamma_bb = np.array([1.5, -0.5])
dout_bb = np.array([[1.0, 0.0], [0.0, 2.0], [-1.0, 1.0], [3.0, -1.0]])
# the cache as batchnorm_forward documents it: (z_bar, gamma, std) with eps = 1e-5
std_bb = np.sqrt(z_bb.var(axis=0) + 1e-5)
cache_bb = ((z_bb - z_bb.mean(axis=0)) / std_bb, gamma_bb.copy(), std_bb)
saved_bb = [c.copy() for c in cache_bb] + [dout_bb.copy()]
res_bb = call(batchnorm_backward, dout_bb, cache_bb, what="batchnorm_backward(dout, cache)")
assert isinstance(res_bb, tuple) and len(res_bb) == 3, "batchnorm_backward should return a tuple (dz, dgamma, dbeta)"
dz_bb, dgamma_bb, dbeta_bb = res_bb
assert_close(dbeta_bb, [3.0, 2.0], rtol=1e-10, what="dbeta", hint="dbeta is the sum of dout over the batch (axis 0).")
assert_close(dgamma_bb, np.sum(dout_bb * cache_bb[0], axis=0), rtol=1e-10, what="dgamma",
             hint="dgamma is the sum over the batch of dout * z_bar.")
# dL/dz of L = sum(dout * out), from central differences of the forward pass (h = 1e-5), rounded to 8 digits
dz_expected = np.array([[0.67081872, 0.17677625], [-0.3354102, -0.53032876], [-1.34163911, 0.17677449],
                        [1.00623059, 0.17677802]])
assert_shape(dz_bb, (4, 2), what="dz")
assert_close(dz_bb, dz_expected, rtol=1e-6, atol=1e-7, what="dz of batchnorm_backward",
             hint="Besides the direct term gamma * dout / std, dz has a term through the batch mean and one through "
                  "the batch variance (section 7); means are over the batch, axis 0, and everything is divided by std.")
for c, c0 in zip(list(cache_bb) + [dout_bb], saved_bb):
    assert np.array_equal(c, c0), "batchnorm_backward changed dout or an array of the cache"
### BEGIN HIDDEN TESTS
from coursekit.regularisation import batchnorm_backward as _ref_batchnorm_backward


def _bn_out(z, g, b, eps):
    return g * (z - z.mean(axis=0)) / np.sqrt(z.var(axis=0) + eps) + b


_rng = np.random.default_rng(7777)
for _N, _n, _eps in ((6, 3, 1e-5), (2, 1, 1e-3), (16, 4, 1e-5), (3, 2, 0.5)):
    _z = _rng.normal(1.0, 2.0, (_N, _n))
    _g, _be = _rng.normal(1.0, 0.5, _n), _rng.standard_normal(_n)
    _up = _rng.standard_normal((_N, _n))
    _std = np.sqrt(_z.var(axis=0) + _eps)
    _cache = ((_z - _z.mean(axis=0)) / _std, _g.copy(), _std)
    _saved = [c.copy() for c in _cache] + [_up.copy()]
    _dz, _dg, _db = call(batchnorm_backward, _up, _cache, what=f"batchnorm_backward on shape {(_N, _n)}")
    _num_z = numerical_gradient(lambda z: np.sum(_up * _bn_out(z, _g, _be, _eps)), _z.copy())
    _num_g = numerical_gradient(lambda g: np.sum(_up * _bn_out(_z, g, _be, _eps)), _g.copy())
    _num_b = numerical_gradient(lambda b: np.sum(_up * _bn_out(_z, _g, b, _eps)), _be.copy())
    assert_shape(_dz, (_N, _n), what=f"dz for shape {(_N, _n)}")
    assert_close(_dz, _num_z, rtol=1e-5, atol=1e-7, what=f"dz vs central differences, shape {(_N, _n)}, eps {_eps}")
    assert_close(_dg, _num_g, rtol=1e-6, atol=1e-8, what=f"dgamma vs central differences, shape {(_N, _n)}")
    assert_close(_db, _num_b, rtol=1e-6, atol=1e-8, what=f"dbeta vs central differences, shape {(_N, _n)}")
    _ref = _ref_batchnorm_backward(_up, _cache)
    assert_close(_dz, _ref[0], rtol=1e-9, atol=1e-12, what="dz")
    assert_close(np.sum(_dz, axis=0), np.zeros(_n), atol=1e-10, what="column sums of dz (must vanish)")
    for _c, _c0 in zip(list(_cache) + [_up], _saved):
        assert np.array_equal(_c, _c0), "batchnorm_backward must not modify dout or the cache"
### END HIDDEN TESTS

# %% [markdown]
# ### Gradient check of your two functions together
#
# Central differences of $L(Z, G, B) = \sum_{ki} U_{ki}\hat Z_{ki}$ for a random upstream gradient $U$, using
# your forward pass, against your backward pass. The relative error should be around $10^{-9}$ or smaller.

# %%
z_gc = rng.normal(2.0, 3.0, (10, 4))
g_gc, b_gc = rng.normal(1.0, 0.3, 4), rng.standard_normal(4)
up_gc = rng.standard_normal((10, 4))
dz_gc, dg_gc, db_gc = batchnorm_backward(up_gc, batchnorm_forward(z_gc, g_gc, b_gc)[1])
checks = {
    "dz": (dz_gc, numerical_gradient(lambda z: np.sum(up_gc * batchnorm_forward(z, g_gc, b_gc)[0]), z_gc.copy())),
    "dgamma": (dg_gc, numerical_gradient(lambda g: np.sum(up_gc * batchnorm_forward(z_gc, g, b_gc)[0]), g_gc.copy())),
    "dbeta": (db_gc, numerical_gradient(lambda b: np.sum(up_gc * batchnorm_forward(z_gc, g_gc, b)[0]), b_gc.copy())),
}
for name, (analytic, numeric) in checks.items():
    print(f"{name:7s} relative error below 1e-7: {relative_error(analytic, numeric) < 1e-7}")
naive = g_gc * up_gc / batchnorm_forward(z_gc, g_gc, b_gc)[1][2]
print(f"naive dz (mean and variance paths left out), relative error: {relative_error(naive, checks['dz'][1]):.2f}")

# %% [markdown]
# **Question (2 points).** Show from the formula for $\partial L/\partial Z$ that in every column
# $\sum_j \partial L/\partial Z_j = 0$ and, for $\varepsilon \to 0$, $\sum_j \bar Z_j\, \partial L/\partial Z_j = 0$. Then explain
# both facts without any algebra: which changes of a column of $Z$ cannot change the output of batch norm?

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_batchnorm_gradient_directions", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# *Model answer.* Write $m_1 = \frac1N\sum_k \bar D_k$ and $m_2 = \frac1N \sum_k \bar D_k \bar Z_k$, so that
# $s\,\partial L/\partial Z_j = \bar D_j - m_1 - \bar Z_j m_2$. Summing over $j$: $\sum_j \bar D_j - N m_1 - m_2 \sum_j \bar Z_j
# = N m_1 - N m_1 - 0 = 0$, since the standardised values have mean zero. Multiplying by $\bar Z_j$ and summing:
# $\sum_j \bar D_j \bar Z_j - m_1 \sum_j \bar Z_j - m_2 \sum_j \bar Z_j^2 = N m_2 - 0 - m_2 \sum_j \bar Z_j^2$, and
# $\sum_j \bar Z_j^2 = N \sigma^2/(\sigma^2+\varepsilon) \to N$, so this tends to 0.
#
# Without algebra: adding the same constant to a whole column moves $\mu$ by that constant and leaves
# $\bar Z$ unchanged; scaling a column by $c > 0$ scales $Z - \mu$ and $\sigma$ alike and (for
# $\varepsilon \to 0$) leaves $\bar Z$ unchanged. So the loss does not change along the directions
# $(1, \dots, 1)$ and $Z - \mu \propto \bar Z$, and the gradient has no component along them: it is orthogonal to
# both. Grading: 1 point for the two sums, 1 for the shift/scale invariance.

# %% [markdown]
# ### Batch norm speeds up training
#
# A deeper, narrower network (four hidden layers of 32 units) on 500 training digits with clean labels,
# trained with and without batch norm at a small and at a large step size. Watch the training loss.

# %% tags=["nbval-ignore-output"]
SPEED_EPOCHS = 6 if GRADING else 15
speed_data = load_digits_split(500, 300, np.random.default_rng(8))
speed_runs = {}
for lr in (0.05, 0.5):
    for use_bn in (False, True):
        speed_runs[lr, use_bn] = train_mlp(
            speed_data.X_train, speed_data.y_train, speed_data.X_val, speed_data.y_val, np.random.default_rng(9),
            hidden=(32, 32, 32, 32), lr=lr, batch_size=50, epochs=SPEED_EPOCHS, batchnorm=use_bn,
            desc=f"lr {lr}, batch norm {use_bn}")

# %% tags=["nbval-ignore-output"]
fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), sharey=True)
for ax, lr in zip(axes, (0.05, 0.5)):
    for use_bn, style, marker in ((False, "--", "o"), (True, "-", "s")):
        run = speed_runs[lr, use_bn]
        ax.plot(np.arange(SPEED_EPOCHS), run.train_loss, style, marker=marker, markersize=4,
                label="with batch norm" if use_bn else "without batch norm")
    ax.set_yscale("log")
    ax.set_title(f"Training loss, 4 hidden layers, step size {lr}")
    ax.set_xlabel("epoch")
    ax.legend()
axes[0].set_ylabel("mean cross-entropy (log scale)")
fig.tight_layout()
plt.show()
for (lr, use_bn), run in speed_runs.items():
    print(f"step size {lr:4}, batch norm {use_bn!s:5}: training loss after epoch 5 {run.train_loss[5]:.3f}, "
          f"validation accuracy at the end {run.val_accuracy[-1]:.3f}")
# The run at step size 0.5 without batch norm is chaotic: a change in the 13th digit of the data moves its final
# validation accuracy by several points, and so does another CPU's rounding. So nbval does not compare this
# cell's output; the claims of the text below are checked here instead, with wide margins.
if not GRADING:
    stuck, fast = speed_runs[0.5, False], speed_runs[0.5, True]
    assert stuck.train_loss[5] > 0.8 * np.log(10), "without batch norm the loss should stay near log 10"
    assert fast.train_loss[5] < 0.03 * stuck.train_loss[5], "with batch norm it should fall far below"
    assert stuck.val_accuracy[-1] < 0.7 < speed_runs[0.05, False].val_accuracy[-1] < speed_runs[0.05, True].val_accuracy[-1]

# %% [markdown]
# At the small step size batch norm lowers the training loss faster from the first epochs on. At the
# large step size the difference is dramatic: without batch norm the training loss stays near the value of
# random guessing, $\log 10 \approx 2.3$, and the network classifies far worse than any other run (its final
# validation accuracy, better than the 0.1 of guessing but erratic: the run is chaotic, and the last digits of
# the arithmetic change it by several points from one CPU to another), while with batch norm the same
# step size drives the loss down by well over an order of magnitude. Standardising each unit keeps the inputs of
# every layer in a range where one step size suits all layers at once, so larger steps become safe.

# %% [markdown]
# ## 8. The regularisers side by side
#
# Back to the 200 digits with 30% wrong labels and the network of section 1. Same initial weights, same
# step size and number of epochs; one change at a time: weight decay with $\lambda = 0.003$, dropout with
# $p = 0.5$ after the hidden layer, input noise with $s = 0.3$, and batch norm before the hidden ReLU.

# %% tags=["nbval-ignore-output"]
variants = {
    "none": dict(),
    "weight decay, lambda = 0.003": dict(weight_decay=3e-3),
    "dropout, p = 0.5": dict(dropout=0.5),
    "input noise, s = 0.3": dict(input_noise=0.3),
    "batch norm": dict(batchnorm=True),
}
runs = {"none": plain}
for name, extra in variants.items():
    if name != "none":
        runs[name] = train_mlp(digits.X_train, digits.y_train, digits.X_val, digits.y_val, np.random.default_rng(1),
                               keep_weights=True, desc=name, **SETUP, **extra)

# %%
styles = {"none": ("-", "o"), "weight decay, lambda = 0.003": ("--", "s"), "dropout, p = 0.5": ("-.", "^"),
          "input noise, s = 0.3": (":", "D"), "batch norm": ((0, (5, 1, 1, 1)), "v")}
fig, (ax_tr, ax_va) = plt.subplots(1, 2, figsize=(13, 4.8), sharey=True)
for name, run in runs.items():
    line, marker = styles[name]
    for ax, curve in ((ax_tr, run.train_loss), (ax_va, run.val_loss)):
        ax.plot(epochs, curve, linestyle=line, marker=marker, markevery=8, markersize=5,
                label=name.replace("lambda", "$\\lambda$"))
ax_tr.set_title("Training loss (30% of the labels wrong)")
ax_va.set_title("Validation loss (clean labels)")
for ax in (ax_tr, ax_va):
    ax.set_xlabel("epoch")
    ax.legend(fontsize=9)
ax_tr.set_ylabel("mean cross-entropy")
fig.tight_layout()
plt.show()

print(f"{'':30s} {'min val loss':>12s} {'at epoch':>9s} {'final val loss':>15s} {'test acc, end':>14s}"
      f" {'test acc, early stop':>21s}")
for name, run in runs.items():
    best, _ = early_stopping(list(run.val_loss), 10)
    print(f"{name:30s} {run.val_loss.min():12.3f} {run.val_loss.argmin():9d} {run.val_loss[-1]:15.3f}"
          f" {test_accuracy(run.weights[-1]):14.3f} {test_accuracy(run.weights[best]):21.3f}")

# %% [markdown]
# **Question (2 points).** Describe what the two panels show for each method: which ones keep the network
# from memorising the wrong labels, and how you can tell from the *training* curve alone? Why does batch norm,
# which the notes also list as a regulariser, not help here? Would you combine early stopping with the others?

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_compare_regularisers", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# *Model answer.* Without regularisation the training loss keeps falling towards 0 (the network memorises the
# wrong labels: its training accuracy approaches 100% although 30% of the labels are wrong) and the validation
# loss rises after an early minimum. Weight decay, dropout and input noise slow the fall of the training loss
# and leave it clearly above the unregularised curve: fitting wrong labels needs large weights (penalised by
# weight decay) or fine detail that does not survive random masks or jittered pixels. Their validation loss
# rises less, or hardly at all, and their test accuracy at the end is higher; input noise helps most here. A
# training loss that stays well above 0 on data with wrong labels is the visible sign of less memorisation.
#
# Batch norm mainly makes optimisation easier: its training loss falls fastest of all, so the network
# memorises the wrong labels *sooner* and its validation loss rises earliest and highest. The noise from
# sharing a batch, its regularising side effect, is small next to that. Early stopping combines well with
# the others: it costs nothing and removes most of the damage that is left (compare the last two columns
# of the table). Grading: 1 point for reading the curves (training loss floor, validation rise, test
# accuracy), 1 for batch norm as an optimisation aid that here speeds up memorisation, with a sensible remark
# on early stopping.

# %% [markdown]
# ## 9. Batch norm at test time, layer norm, and weight decay under Adam
#
# **Training mode and test mode.** During training, batch norm standardises each unit with the mean and variance
# of the current mini-batch. At test time that is the wrong thing to do: a single image has no batch, and a
# prediction for one image should not depend on which other images happen to be processed with it. So a batch-norm
# layer keeps *running averages* of the batch means and variances during training
# ($m \leftarrow 0.9\, m + 0.1\, \mu_B$, likewise for the variance) and uses them, fixed, at test time. Libraries
# call the two behaviours train and eval mode; forgetting to switch to eval mode is a classic bug. The cell below
# feeds the test images through the network of section 8 trained with batch norm, once in eval mode (running
# statistics, `mlp_logits`) and once in training mode, standardising each batch of test images with its own
# statistics using your `batchnorm_forward`, for batches of several sizes.

# %% tags=["nbval-ignore-output"]
bn_weights = runs["batch norm"].weights[-1]


def logits_with_batch_statistics(weights, X):
    """The batch-norm network in training mode: every layer standardised with the statistics of X itself."""
    A = X
    for layer in range(len(weights.W) - 1):
        gamma, beta, _, _ = weights.bn[layer]
        Z, _ = batchnorm_forward(A @ weights.W[layer] + weights.b[layer], gamma, beta)
        A = np.maximum(Z, 0.0)
    return A @ weights.W[-1] + weights.b[-1]


eval_accuracy = float(np.mean(np.argmax(mlp_logits(bn_weights, digits.X_test), axis=1) == digits.y_test))
print(f"eval mode (running statistics)            test accuracy {eval_accuracy:.3f}")
batch_accuracy = {}
for size in (len(digits.y_test), 100, 10, 2):
    correct = 0
    for start in range(0, len(digits.y_test), size):
        chunk = slice(start, start + size)
        predicted = np.argmax(logits_with_batch_statistics(bn_weights, digits.X_test[chunk]), axis=1)
        correct += int(np.sum(predicted == digits.y_test[chunk]))
    batch_accuracy[size] = correct / len(digits.y_test)
    print(f"training mode, test batches of {size:4d}         test accuracy {batch_accuracy[size]:.3f}")
assert abs(batch_accuracy[len(digits.y_test)] - eval_accuracy) < 0.1, "a large batch's statistics are close to the running ones"
assert batch_accuracy[2] < eval_accuracy - 0.1, "batches of two should hurt clearly"

# %% [markdown]
# With all the test images in one batch, the batch statistics are close to the running averages and the two
# modes agree closely. With batches of two, every unit is standardised using just two values: after subtracting
# their mean and dividing by their spread, each becomes about $+1$ or $-1$, whatever the image showed, and the
# accuracy collapses. The same noise, milder, affects *training* with small batches, which is one reason batch
# norm is used with batches of dozens of examples or more.
#
# **Layer norm.** Layer normalisation standardises each example across its own units instead: for one row $z$ of
# $Z$, subtract the mean of its $n$ entries and divide by their standard deviation (in numpy, the same formulas
# with `axis=1, keepdims=True` instead of `axis=0`), then scale and shift by $\gamma$ and $\beta$ as before. No
# statistic is shared between examples, so it behaves the same at training and test time, needs no running
# averages, and works with batches of one and with sequences of any length. That is why recurrent networks and
# transformers use layer norm rather than batch norm.
#
# **Weight decay under Adam (AdamW).** Section 3 showed that, for plain gradient descent, an L2 penalty
# $\lambda \lVert W \rVert^2$ in the loss and "shrink every weight by a factor $1 - 2\lambda\eta$" are the same step.
# Under Adam they are not. With the penalty in the loss, its gradient $2\lambda W$ is added to the loss gradient and
# then divided by $\sqrt{\hat v}$, the running size of the gradients: a weight whose loss gradients are large gets
# its decay divided by a large number and is hardly decayed at all, while a weight with tiny gradients is decayed
# strongly. The decay no longer does what $\lambda$ says. *Decoupled* weight decay (Loshchilov and Hutter's AdamW)
# applies the shrinking outside the adaptive step, $W \leftarrow W - \eta\,\big(\hat m / (\sqrt{\hat v} + \varepsilon) +
# \lambda W\big)$, so that every weight decays at the same rate, as in section 3. It is the usual choice for
# training with Adam.

# %% [markdown]
# ## Summary
#
# * Over-fitting shows as a widening gap: the training loss keeps falling while the validation loss turns
#   round. **Early stopping** keeps the weights of the best validation epoch and stops once the patience is
#   used up; judge the result on a test set that played no part in the choice.
# * **Weight decay** is one gradient step on loss $+\ \lambda\lVert W\rVert^2$: shrink by $1 - 2\lambda\eta$, then step.
#   For a linear model it converges to the ridge solution.
# * **Input noise** of variance $s^2$ is, on average, ridge regression with $\lambda = s^2$ for a linear model
#   (approximately so for a network); the variance is the penalty strength.
# * **Dropout** with drop probability $p$: inverted dropout scales the kept units by $1/(1-p)$ during training
#   and does nothing at test time. The equivalent test-time factor for plain dropout is $1 - p$, not $p$ as the
#   notes write. A dropped unit passes no gradient, so its weights get no update from that example.
# * **Batch norm** standardises each unit over the batch with the biased variance and $\sqrt{\sigma^2+\varepsilon}$, then
#   scales and shifts. Its backward pass has three paths (direct, through $\mu$, through $\sigma^2$); the last
#   two remove the gradient's column mean and its component along $\bar Z$. It speeds training up a lot, and
#   regularises only mildly.
# * At test time batch norm uses running averages of the batch statistics (eval mode); batches of test images
#   standardised with their own statistics give predictions that depend on the batch, badly so for small ones.
#   Layer norm standardises each example over its own units and behaves the same in training and at test time.
# * Under Adam an L2 penalty in the loss is rescaled weight by weight; decoupled weight decay (AdamW) shrinks
#   every weight at the same rate, as plain weight decay does under gradient descent.
