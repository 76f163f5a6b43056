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
# # 01 · Linear collapse: why a network needs a nonlinearity
#
# A neural network is a chain of layers. If every layer in the chain is linear, the whole chain
# is still linear, and all the extra layers buy nothing. This notebook makes that precise and
# then shows what a nonlinearity adds.
#
# After this notebook you will be able to
#
# - show, numerically and algebraically, that a stack of linear (or affine) layers equals one layer;
# - write a ReLU network and show that it is *not* linear;
# - explain why the output layer of a regression network has no nonlinearity;
# - explain why least squares cannot fit XOR, and solve XOR with two ReLU units;
# - build a hard-threshold network for the wedge $x_2 \ge |x_1|$, a region no linear classifier can carve out;
# - say what one hidden layer can represent in principle, and why training a network is not a convex problem.
#
# **Points:** six exercises worth 10 points (autograded) and five written questions worth 9 points
# (graded by hand). Lecture material: notes 000, 001, 002, 003 (sections 1–3), 004 (sections 1.1, 1.2 and
# tutorial question 3).

# %% [markdown]
# ## Conventions
#
# Samples are **rows**. A layer maps a batch $A$ of shape `(n, n_in)` to
#
# $$Z = A W + b, \qquad W \text{ of shape } (n_\text{in}, n_\text{out}),\quad b \text{ of shape } (n_\text{out},),$$
#
# where $b$ is added to every row (numpy broadcasting). Notes 003 write the same layer for a single
# column vector as $Z = W^T A + W_0$: transpose both sides and you get our row form with the same $W$.
# Notes 002 and many textbooks instead write $z = W x + b$ with $W$ of shape $(n_\text{out}, n_\text{in})$;
# their $W$ is our $W^T$. In code that means `A @ W + b`, never `W @ A`.

# %% [markdown]
# ## What we ask of a model, and the words for its parts
#
# Linear regression and logistic regression use the prediction $f(x) = x W$ (plus a bias). A neural network
# replaces it by a richer function, and notes 000 list what that function should have:
#
# 1. **many parameters**, so that gradient descent has many knobs to turn;
# 2. **no collapse into something simpler**: extra parameters are useless if the function they build can be
#    rewritten with fewer (section 1 shows that stacking linear layers fails exactly here);
# 3. **speed**: it should be built from matrix products, which computers do fast.
#
# Stacking layers with a nonlinearity between them meets all three. Some vocabulary, used from now on:
#
# * A **unit** computes one number from its inputs: a weighted sum plus a bias, then an activation function.
#   A **layer** is a set of units that read the same inputs. The inputs and the outputs are the **visible**
#   units (we see their values in the data); the units in between are **hidden** (notes 004 call only the
#   inputs visible; the outputs are observed too, in the training targets).
# * Networks are counted by their weight matrices: $f = \phi(\phi(X W_1) W_2) W_3$ is a **3-layer network**
#   (notes 000), though it has only two hidden layers.
# * Shapes (notes 002's example): 3 inputs, one hidden layer of 4 units, 1 output give $W_1$ of shape $(3, 4)$,
#   $b_1$ of shape $(4,)$, $W_2$ of shape $(4, 1)$ and $b_2$ of shape $(1,)$: $12 + 4 + 4 + 1 = 21$ parameters.
#   (Notes 002 write $W_1$ as $4 \times 3$: their matrices are our transposes.)
#
# **Why "neural"?** Notes 001 draw the analogy with a nerve cell: the *dendrites* collect signals from other
# cells (the unit's inputs, each with its own strength: the weights), the *soma* adds them up and fires when
# the total passes a threshold (the weighted sum and the activation), and the *axon* carries the result on to
# the dendrites of other cells (the unit's output, an input of the next layer). The analogy inspired the
# field, but it is loose: real neurons send spikes in time, and nothing like back-propagation is known to run
# in the brain. A network is best thought of as a flexible function with many parameters.

# %%
import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from coursekit.checks import assert_close, assert_shape, call, diagnose
from coursekit.datasets import wedge_data, xor_data
from coursekit.plotting import decision_regions, plot_curves

SEED = 0
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## 1. A stack of linear layers is one linear layer
#
# Take three layers with no activation function: $A_1 = X W_1$, $A_2 = A_1 W_2$, $f = A_2 W_3$.
# Substituting one into the next gives
#
# $$f = ((X W_1) W_2) W_3 = X\,(W_1 W_2 W_3) = X W .$$
#
# The only fact used is that matrix multiplication is associative, so the brackets may move.
# $W = W_1 W_2 W_3$ has shape $(n_0, n_3)$: it is *one* layer from the same inputs to the same outputs.
#
# Biases do not rescue the stack. With $A_1 = X W_1 + b_1$ and $f = A_1 W_2 + b_2$,
#
# $$f = X\,(W_1 W_2) + (b_1 W_2 + b_2),$$
#
# which is again one layer (an *affine* map: a matrix product plus a constant row). The written question at
# the end of this section asks you to turn this into an argument for any number of layers.

# %% [markdown]
# ### Exercise 1: `collapse_linear` (1 point)
#
# Write `collapse_linear(weights)` that returns the single matrix $W = W_1 W_2 \cdots W_L$ for a list
# `[W1, W2, ..., WL]` of weight matrices, `W_l` of shape `(n_{l-1}, n_l)`. Keep the order: the first
# layer's matrix comes first. Do not modify the matrices you are given.

# %% nbgrader={"grade": false, "grade_id": "collapse_linear", "locked": false, "schema_version": 3, "solution": true, "task": false}
def collapse_linear(weights):
    """Return the one matrix equivalent to a stack of linear layers: W = W1 @ W2 @ ... @ WL.

    Parameters
    ----------
    weights : list of ndarray
        [W1, ..., WL]; W_l has shape (n_{l-1}, n_l).

    Returns
    -------
    ndarray, shape (n_0, n_L)
        The product, as a new array (the matrices in ``weights`` stay unchanged).
    """
    ### BEGIN SOLUTION
    W = np.array(weights[0], dtype=float)
    for W_next in weights[1:]:
        W = W @ W_next
    return W
    ### END SOLUTION


# %%
# Try it: [[1, 2], [0, 1]] @ [[2, 0], [1, 3]] should be [[4, 6], [1, 3]].
print(collapse_linear([np.array([[1.0, 2.0], [0.0, 1.0]]), np.array([[2.0, 0.0], [1.0, 3.0]])]))

# %% nbgrader={"grade": true, "grade_id": "test_collapse_linear", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Check collapse_linear on a hand-multiplied example, the order of the factors and the output shape."""
diagnose("collapse_linear", collapse_linear)
Wa = np.array([[1.0, 2.0], [0.0, 1.0]])
Wb = np.array([[2.0, 0.0], [1.0, 3.0]])
assert_close(call(collapse_linear, [Wa, Wb], what="collapse_linear([Wa, Wb])"), [[4.0, 6.0], [1.0, 3.0]],
             what="collapse_linear([Wa, Wb])", hint="Use the matrix product @ (not *), first layer first: Wa @ Wb.")
assert_close(call(collapse_linear, [Wb, Wa], what="collapse_linear([Wb, Wa])"), [[2.0, 4.0], [1.0, 5.0]],
             what="collapse_linear([Wb, Wa])", hint="The order matters: the result is W1 @ W2 @ ..., first layer first.")
shapes_out = call(collapse_linear, [np.ones((3, 4)), np.ones((4, 2))], what="collapse_linear([ones(3, 4), ones(4, 2)])")
assert_shape(shapes_out, (3, 2), what="collapse_linear([ones(3, 4), ones(4, 2)])")
assert_close(shapes_out, np.full((3, 2), 4.0), what="collapse_linear([ones(3, 4), ones(4, 2)])")
### BEGIN HIDDEN TESTS
from coursekit.linear import collapse_linear as _ref_collapse_linear

_rng = np.random.default_rng(1001)
for _sizes in ([5, 3], [2, 7, 1, 4], [3, 3, 3, 3, 3, 3], [1, 6, 2]):
    _Ws = [_rng.standard_normal((a, c)) for a, c in zip(_sizes[:-1], _sizes[1:])]
    _saved = [W.copy() for W in _Ws]
    _expected = _Ws[0]
    for _W in _Ws[1:]:
        _expected = np.einsum("ij,jk->ik", _expected, _W)
    _out = call(collapse_linear, _Ws, what=f"collapse_linear for layer widths {_sizes}")
    assert_close(_out, _expected, rtol=1e-10, atol=1e-12, what=f"collapse_linear for layer widths {_sizes}")
    assert_close(_out, _ref_collapse_linear(_Ws), rtol=1e-10, atol=1e-12, what=f"collapse_linear ({_sizes})")
    for _W, _S in zip(_Ws, _saved):
        assert np.array_equal(_W, _S), "collapse_linear must not modify the matrices it is given"
_single = _rng.standard_normal((2, 3))
assert_close(call(collapse_linear, [_single], what="collapse_linear([W])"), _single,
             what="collapse_linear of a single matrix")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2: `linear_network` (1 point)
#
# Now run the stack the way a network does, one layer at a time and without any activation:
# $A_0 = X$, $A_l = A_{l-1} W_l$, output $A_L$. `X` has shape `(n, n_0)`, one sample per row.
# Multiply from the left, `X` first, and never form the product of the weight matrices: a network runs
# this way, and section 1b shows that the order is not a detail. (So do not call `collapse_linear` here.)

# %% nbgrader={"grade": false, "grade_id": "linear_network", "locked": false, "schema_version": 3, "solution": true, "task": false}
def linear_network(X, weights):
    """Apply linear layers one after another, with no activation anywhere: A_l = A_{l-1} @ W_l.

    Parameters
    ----------
    X : ndarray, shape (n, n_0)
        Inputs, one sample per row.
    weights : list of ndarray
        [W1, ..., WL]; W_l has shape (n_{l-1}, n_l).

    Returns
    -------
    ndarray, shape (n, n_L)
        The output of the last layer.
    """
    ### BEGIN SOLUTION
    A = X
    for W in weights:
        A = A @ W
    return A
    ### END SOLUTION


# %%
# Try it: two samples through a 2 -> 3 -> 1 network; the answer should be [[3], [6]].
print(linear_network(np.array([[1.0, 1.0], [2.0, -1.0]]),
                     [np.array([[1.0, 0.0, 2.0], [0.0, 1.0, -1.0]]), np.ones((3, 1))]))

# %% nbgrader={"grade": true, "grade_id": "test_linear_network", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Check linear_network on a hand-computed example and against layer-by-layer products."""
diagnose("linear_network", linear_network)
Xt = np.array([[1.0, 1.0], [2.0, -1.0]])
Wt = [np.array([[1.0, 0.0, 2.0], [0.0, 1.0, -1.0]]), np.array([[1.0], [1.0], [1.0]])]
# hidden layer [[1, 1, 1], [2, -1, 5]], then the row sums
Wsq = [np.array([[0.0, 1.0], [2.0, 0.0]]), np.array([[1.0, 1.0], [0.0, 3.0]])]
assert_close(call(linear_network, np.array([[1.0, 2.0]]), Wsq, what="linear_network([[1, 2]], Wsq)"),
             [[4.0, 7.0]], what="linear_network([[1, 2]], Wsq)",
             hint="[1, 2] @ W1 = [4, 1], then [4, 1] @ W2 = [4, 7]. Samples are rows: use A @ W, not A @ W.T.")
assert_close(call(linear_network, Xt, Wt, what="linear_network(Xt, Wt)"), [[3.0], [6.0]],
             what="linear_network(Xt, Wt) for the example above",
             hint="Apply every layer in turn: A = A @ W for each W in weights.")
### BEGIN HIDDEN TESTS
from coursekit.linear import linear_network as _ref_linear_network

_rng = np.random.default_rng(2002)
for _sizes, _n in (([4, 6, 5, 3], 8), ([3, 1], 1), ([2, 5, 5, 5, 2], 3)):
    _Ws = [_rng.standard_normal((a, c)) for a, c in zip(_sizes[:-1], _sizes[1:])]
    _X = _rng.standard_normal((_n, _sizes[0]))
    _X_saved = _X.copy()
    _out = call(linear_network, _X, _Ws, what=f"linear_network for widths {_sizes}")
    assert_close(_out, _X @ np.linalg.multi_dot(_Ws) if len(_Ws) > 1 else _X @ _Ws[0], rtol=1e-10, atol=1e-12,
                 what=f"linear_network with layer widths {_sizes} and {_n} samples")
    assert_close(_out, _ref_linear_network(_X, _Ws), rtol=1e-10, atol=1e-12, what="linear_network")
    assert np.array_equal(_X, _X_saved), "linear_network must not modify X"
### END HIDDEN TESTS

# %% [markdown]
# ### Seeing the collapse in numbers
#
# Three random layers $4 \to 6 \to 5 \to 3$ applied one by one give the same outputs as the single
# collapsed matrix. The second half adds biases and checks the affine formula
# $W = W_1 W_2 W_3$, $b = b_1 W_2 W_3 + b_2 W_3 + b_3$.

# %%
Ws = [rng.standard_normal((4, 6)), rng.standard_normal((6, 5)), rng.standard_normal((5, 3))]
X_demo = rng.standard_normal((8, 4))

deep = linear_network(X_demo, Ws)
W_total = collapse_linear(Ws)
print("collapsed matrix has shape", W_total.shape)
print("3 layers == 1 layer (to 1e-12):", np.allclose(deep, X_demo @ W_total, rtol=0, atol=1e-12))

# with biases: run the affine layers one by one ...
bs = [rng.standard_normal(6), rng.standard_normal(5), rng.standard_normal(3)]
A = X_demo
for W, b in zip(Ws, bs):
    A = A @ W + b
# ... and compare with the one affine layer predicted by the algebra
b_total = bs[0] @ Ws[1] @ Ws[2] + bs[1] @ Ws[2] + bs[2]
print("3 affine layers == 1 affine layer (to 1e-12):", np.allclose(A, X_demo @ W_total + b_total, rtol=0, atol=1e-12))

# %% [markdown]
# **Question (2 points).** The notes ask you to convince yourself that whatever any number of linear
# layers computes, a single layer can compute too. Write the argument for $L$ layers *with biases*
# (induction over the layers is the cleanest route) and state the single layer's $W$ and $b$ with
# their shapes. Then the converse: is a stack ever *more* expressive than one layer, and can it be
# *less*? (Hint: think of a stack $5 \to 1 \to 5$.)

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_linear_layers_collapse", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# *Model answer.* Claim: after $l$ affine layers, $A_l = X V_l + c_l$ with $V_l = W_1 \cdots W_l$ (shape
# $n_0 \times n_l$) and $c_l = \sum_{k=1}^{l} b_k W_{k+1} \cdots W_l$ (shape $n_l$; the empty product for
# $k = l$ is the identity). For $l = 1$ this is the definition $A_1 = X W_1 + b_1$. If it holds for $l$, then
# $A_{l+1} = (X V_l + c_l) W_{l+1} + b_{l+1} = X (V_l W_{l+1}) + (c_l W_{l+1} + b_{l+1})$, which is the claim for
# $l+1$. So the network equals the single layer $X W + b$ with $W = W_1 W_2 \cdots W_L$ of shape $(n_0, n_L)$
# and $b = \sum_k b_k W_{k+1}\cdots W_L$ of shape $(n_L,)$; without biases $b = 0$. The only tools are
# associativity and distributivity of the matrix product.
#
# Converse: a stack is never more expressive (by the above), but it can be less. The product's rank is at most
# the smallest width in the stack, so $5 \to 1 \to 5$ can only produce rank-1 maps, while one $5 \to 5$ layer can
# be any $5 \times 5$ matrix. Grading: 1 point for the induction with biases and the formulas, 1 for the
# rank/bottleneck remark.

# %% [markdown]
# ## 1b. The same function at a different price
#
# `linear_network` and `X @ collapse_linear(weights)` return the same numbers, but they do different work.
# Multiplying an $(n \times a)$ matrix by an $(a \times b)$ one takes $n\,a\,b$ multiply-adds, so running
# the layers one by one costs $n \sum_l n_{l-1} n_l$ per batch of $n$ samples, while the collapsed layer
# costs $n\, n_0 n_L$ (plus forming $W$ once). Which is cheaper depends on the widths, and the widths also
# limit what the stack can represent.
#
# Take a stack $784 \to 32 \to 784$, the shape of a linear *autoencoder* that squeezes a $28 \times 28$
# image through 32 numbers and back.
#
# **Question (2 points). Predict before you run the next cell.** (a) How many multiply-adds per sample do
# `linear_network` and the collapsed layer each need, and how many weights does each store? (b) What is the
# rank of the collapsed $784 \times 784$ matrix? (c) From (a) and (b): when is it worth keeping a stack of
# linear layers instead of its collapse, although it computes nothing a single layer could not? Then run the
# cell and compare with your prediction.

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_bottleneck_cost", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# *Model answer.* (a) Layer by layer: $784 \cdot 32 + 32 \cdot 784 = 50{,}176$ multiply-adds per sample and as
# many weights; the collapsed layer: $784 \cdot 784 = 614{,}656$ of each, about 12 times more. (b) The rank is
# at most the narrowest width, 32 (every output is a combination of the 32 middle values; with random
# weights it is exactly 32), so the $784 \times 784$ matrix is far from a general one. (c) Keep the factored
# stack when a middle width $k$ is small, $k (n_0 + n_L) < n_0 n_L$: it is cheaper to store and to run, and
# the rank limit is often what one wants (compression: a linear autoencoder trained on squared error finds
# the same subspace as PCA, Baldi and Hornik 1989; or a low-rank update of a large layer, as in LoRA).
# Collapse only when every width is large, where the single matrix is the cheaper form. Grading: 1 point for
# the two counts (or the formulas with the right totals) and rank 32; 1 point for (c), the condition on the
# width or its reasons.

# %%
def multiply_adds(widths):
    """Multiply-adds per sample of running the layers one by one, and of the collapsed single layer."""
    layer_by_layer = sum(a * b for a, b in zip(widths[:-1], widths[1:]))
    return layer_by_layer, widths[0] * widths[-1]


widths = [784, 32, 784]
stack_rng = np.random.default_rng(7)  # its own generator: the later cells' draws stay as they were
stack = [stack_rng.standard_normal((a, b)) for a, b in zip(widths[:-1], widths[1:])]
W_total = stack[0] @ stack[1]  # the collapsed layer, what collapse_linear(stack) returns
singular_values = np.linalg.svd(W_total, compute_uv=False)
# count the singular values that are not rounding noise (the gap is about 13 orders of magnitude)
rank = int(np.sum(singular_values > 1e-8 * singular_values[0]))
by_layers, collapsed = multiply_adds(widths)
print(f"widths {widths}: layer by layer {by_layers:,} multiply-adds per sample, collapsed {collapsed:,}")
print(f"rank of the collapsed {W_total.shape[0]} x {W_total.shape[1]} matrix: {rank}")
for middle in (32, 392, 784):
    by_layers, collapsed = multiply_adds([784, middle, 784])
    print(f"784 -> {middle:3d} -> 784: the stack costs {by_layers / collapsed:.2f} times the collapsed layer")

# %% [markdown]
# ## 2. A nonlinearity stops the collapse
#
# Put an elementwise function $\phi$ between the layers and the substitution above no longer works:
# $\phi(X W_1) W_2$ cannot be rewritten as $X (W_1 W_2)$ unless $\phi$ is itself linear. The most common
# choice is the rectified linear unit
#
# $$\mathrm{ReLU}(z) = \max(0, z) \quad\text{(elementwise)}.$$
#
# ReLU is linear on each half-line, but *which* half-line a hidden unit is on depends on the input. So the
# network is linear only piece by piece, with different pieces in different regions of input space: that is
# exactly what lets it bend. The network of notes 000 (eq. 4), with biases added, reads
#
# $$A_0 = X,\qquad Z_l = A_{l-1} W_l + b_l,\qquad A_l = \mathrm{ReLU}(Z_l)\ \ (l < L),\qquad f(X) = Z_L .$$
#
# There is **no** ReLU after the last layer; section 3 asks you why.

# %% [markdown]
# ### Exercise 3: `relu_network` (2 points)
#
# Write `relu_network(X, weights, biases)` for lists `weights = [W1, ..., WL]` and
# `biases = [b1, ..., bL]` (`b_l` of shape `(n_l,)`): ReLU after every layer except the last.

# %% nbgrader={"grade": false, "grade_id": "relu_network", "locked": false, "schema_version": 3, "solution": true, "task": false}
def relu_network(X, weights, biases):
    """Fully connected network with ReLU between the layers and no activation after the last one.

    Z_l = A_{l-1} @ W_l + b_l, A_l = max(0, Z_l) for l < L, and the output is Z_L (A_0 = X).

    Parameters
    ----------
    X : ndarray, shape (n, n_0)
        Inputs, one sample per row.
    weights : list of ndarray
        [W1, ..., WL]; W_l has shape (n_{l-1}, n_l).
    biases : list of ndarray
        [b1, ..., bL]; b_l has shape (n_l,) and is added to every row.

    Returns
    -------
    ndarray, shape (n, n_L)
        The last layer's Z_L (it may be negative).
    """
    ### BEGIN SOLUTION
    A = X
    for W, b in zip(weights[:-1], biases[:-1]):
        A = np.maximum(A @ W + b, 0.0)
    return A @ weights[-1] + biases[-1]
    ### END SOLUTION


# %%
# Try it: the first row should give 2 and the second -1 (see the test below for the arithmetic).
print(relu_network(np.array([[1.0, 2.0], [-1.0, 0.5]]),
                   [np.array([[1.0, -1.0], [1.0, 1.0]]), np.array([[1.0], [3.0]])],
                   [np.array([0.0, -2.0]), np.array([-1.0])]))

# %% nbgrader={"grade": true, "grade_id": "test_relu_network", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check relu_network on a small hand-computed network."""
diagnose("relu_network", relu_network)
Xr = np.array([[1.0, 2.0], [-1.0, 0.5]])
Wr = [np.array([[1.0, -1.0], [1.0, 1.0]]), np.array([[1.0], [3.0]])]
br = [np.array([0.0, -2.0]), np.array([-1.0])]
# row 1: Z1 = [3, -1] -> A1 = [3, 0] -> output 3 - 1 = 2
# row 2: Z1 = [-0.5, -0.5] -> A1 = [0, 0] -> output 0 - 1 = -1
out_r = call(relu_network, Xr, Wr, br, what="relu_network(Xr, Wr, br)")
assert_shape(out_r, (2, 1), what="relu_network(Xr, Wr, br)")
assert_close(out_r[0], [2.0], what="relu_network(Xr, Wr, br), first row",
             hint="Hidden pre-activations [3, -1] become [3, 0] after ReLU; then add the output bias -1.")
assert_close(out_r[1], [-1.0], what="relu_network(Xr, Wr, br), second row",
             hint="A negative output is right here: there is no ReLU after the last layer.")
### BEGIN HIDDEN TESTS
from coursekit.linear import relu_network as _ref_relu_network

_rng = np.random.default_rng(3003)
for _sizes, _n in (([3, 7, 4, 2], 9), ([2, 1], 1), ([1, 16, 16, 16, 1], 5)):
    _Ws = [_rng.standard_normal((a, c)) for a, c in zip(_sizes[:-1], _sizes[1:])]
    _bs = [_rng.standard_normal(c) for c in _sizes[1:]]
    _X = _rng.standard_normal((_n, _sizes[0]))
    _X_saved = _X.copy()
    _A = _X
    for _W, _b in zip(_Ws[:-1], _bs[:-1]):
        _Z = _A @ _W + _b
        _A = np.where(_Z > 0, _Z, 0.0)
    _expected = _A @ _Ws[-1] + _bs[-1]
    _out = call(relu_network, _X, _Ws, _bs, what=f"relu_network for widths {_sizes}")
    assert_close(_out, _expected, rtol=1e-10, atol=1e-12, what=f"relu_network with layer widths {_sizes}")
    assert_close(_out, _ref_relu_network(_X, _Ws, _bs), rtol=1e-10, atol=1e-12, what="relu_network")
    assert np.array_equal(_X, _X_saved), "relu_network must not modify X"
# all hidden units off: the output is the last bias
_out = call(relu_network, np.array([[1.0, 2.0, 3.0]]), [-np.eye(3), np.ones((3, 2))], [np.zeros(3), np.array([-0.5, 0.25])],
            what="relu_network with every hidden unit negative")
assert_close(_out, [[-0.5, 0.25]], what="relu_network when every hidden pre-activation is negative")
### END HIDDEN TESTS

# %% [markdown]
# ### Seeing that it is not linear
#
# Take a random ReLU network $2 \to 16 \to 16 \to 1$ and walk along a straight line in input space,
# $x(s) = x_0 + s\,d$. A linear (or affine) network traces a straight line along any such walk; the ReLU
# network traces a *polyline*: straight pieces joined at kinks, one wherever some hidden unit switches
# on or off. Below, the same weights and biases are used with and without ReLU; the right panel shows the
# slope, which a linear map keeps constant and the ReLU network changes at every kink.

# %%
sizes = [2, 16, 16, 1]
slice_W = [rng.standard_normal((a, c)) * np.sqrt(2.0 / a) for a, c in zip(sizes[:-1], sizes[1:])]
slice_b = [rng.standard_normal(c) for c in sizes[1:]]
x0, direction = np.array([0.0, 0.0]), np.array([0.8, 0.6])
s = np.linspace(-3.0, 3.0, 601)
X_line = x0 + s[:, None] * direction


def affine_stack(X, weights, biases):
    """The same layers with the ReLU removed (a demo helper, not an exercise)."""
    A = X
    for W, b in zip(weights, biases):
        A = A @ W + b
    return A


f_affine = affine_stack(X_line, slice_W, slice_b)[:, 0]
f_relu = relu_network(X_line, slice_W, slice_b)[:, 0]
s_mid = 0.5 * (s[1:] + s[:-1])
fig, (ax_f, ax_slope) = plt.subplots(1, 2, figsize=(11, 4.2))
plot_curves(s, {"with ReLU between layers": f_relu, "same weights, no ReLU": f_affine}, ax=ax_f,
            title="Network output along a line in input space",
            xlabel="position $s$ along the line $x_0 + s\\,d$", ylabel="network output $f$")
plot_curves(s_mid, {"with ReLU between layers": np.diff(f_relu) / np.diff(s),
                    "same weights, no ReLU": np.diff(f_affine) / np.diff(s)}, ax=ax_slope,
            title="Its slope: constant without ReLU, jumps with ReLU",
            xlabel="position $s$ along the line", ylabel="slope $df/ds$")
fig.tight_layout()
plt.show()

# additivity, f(u + v) = f(u) + f(v), holds for a linear map and fails with ReLU (biases set to zero)
zero_b = [np.zeros(c) for c in sizes[1:]]
u, v = np.array([[1.0, 0.5]]), np.array([[-0.5, 1.5]])
gap_relu = relu_network(u + v, slice_W, zero_b) - relu_network(u, slice_W, zero_b) - relu_network(v, slice_W, zero_b)
gap_linear = linear_network(u + v, slice_W) - linear_network(u, slice_W) - linear_network(v, slice_W)
print(f"|f(u+v) - f(u) - f(v)| without ReLU: {abs(gap_linear[0, 0]):.4f}")
print(f"|f(u+v) - f(u) - f(v)| with ReLU:    {abs(gap_relu[0, 0]):.4f}")

# %% [markdown]
# ### Slider: how much nonlinearity is needed?
#
# Replace ReLU by $\phi_\alpha(z) = \max(z, \alpha z)$. At $\alpha = 0$ this is ReLU, at $\alpha = 1$ it is the
# identity, and in between it is a "leaky" ReLU whose negative side has slope $\alpha$. Move the slider
# and watch the kinks flatten out: at $\alpha = 1$ the network collapses to the straight dashed line.
# Every $\alpha < 1$ keeps some bend, so a leaky ReLU is a genuine nonlinearity; only $\alpha = 1$ brings the collapse back.

# %% tags=["nbval-ignore-output"]
def leaky_slice(alpha):
    """The network above along the same line, with phi_alpha between the layers."""
    A = X_line
    for W, b in zip(slice_W[:-1], slice_b[:-1]):
        Z = A @ W + b
        A = np.maximum(Z, alpha * Z)
    return (A @ slice_W[-1] + slice_b[-1])[:, 0]


# fixed axis limits, so that the picture does not jump while the slider moves
all_slices = np.array([leaky_slice(a) for a in np.linspace(0.0, 1.0, 21)])
pad = 0.05 * (all_slices.max() - all_slices.min())
y_limits = (all_slices.min() - pad, all_slices.max() + pad)


def draw_leaky_slice(alpha=0.0):
    """Plot the slice for one value of alpha next to the alpha = 1 (identity) line."""
    f_alpha = leaky_slice(alpha)
    plt.figure(figsize=(7, 4))
    plot_curves(s, {f"$\\phi_\\alpha$ with $\\alpha$ = {alpha:.2f}": f_alpha, "identity ($\\alpha$ = 1)": f_affine},
                title="Leaky ReLU network along a line: the bends fade as $\\alpha \\to 1$",
                xlabel="position $s$ along the line $x_0 + s\\,d$", ylabel="network output $f(x)$")
    plt.ylim(*y_limits)
    plt.show()


widgets.interact(draw_leaky_slice, alpha=widgets.FloatSlider(value=0.0, min=0.0, max=1.0, step=0.05,
                                                             description="alpha", continuous_update=False));

# %% [markdown]
# ## 3. Why the output layer has no nonlinearity
#
# Every hidden layer above ends in ReLU, but the output $f = Z_L$ does not. (Notes 000 make this point
# with a small slip of wording, "we don't apply the output at the final layer": they mean that no
# *nonlinearity* is applied there.)
#
# **Question (2 points).** Why does a network for regression leave its last layer linear? Use concrete
# cases: what happens with ReLU on the output when a target is $y = -3.2$, and with a sigmoid on the
# output when a target is $y = 5$? Then say when an output nonlinearity *is* the right choice (look at
# the table of losses and final activations in section 6 of notes 003).

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_why_no_output_nonlinearity", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# *Model answer.* A nonlinearity on the output fixes the range of values the network can produce, and the
# hidden layers already supply all the nonlinearity the model needs. ReLU outputs are never negative, so a
# target of $-3.2$ cannot be reached: the best it can do is 0, and once the last pre-activation is negative
# the ReLU's slope is 0, so no gradient flows back to push it towards the target. A sigmoid output lies in
# $(0, 1)$, so a target of 5 is out of reach; the network would drive the pre-activation to $+\infty$ and the
# sigmoid would saturate with a vanishing gradient. A linear output can take any real value, which is what a
# squared-error loss on real targets needs.
#
# An output nonlinearity is right when the *target itself* lives in a restricted range and the loss is
# built for it: sigmoid for a probability of class 1 (with the negative log-likelihood), softmax for a
# distribution over classes (with the multi-class NLL); the notes' table pairs squared and hinge loss
# with a linear output. Grading: 1 point for the range argument with an example, 1 for when an output
# activation is appropriate.

# %% [markdown]
# ## 4. XOR: no straight line fits it
#
# The XOR data set has four points and labels $y = x_1 \oplus x_2$:
#
# | $x_1$ | $x_2$ | $y$ |
# |:---:|:---:|:---:|
# | 0 | 0 | 0 |
# | 0 | 1 | 1 |
# | 1 | 0 | 1 |
# | 1 | 1 | 0 |
#
# Notes 002 suggest trying linear regression on it. Least squares looks for the affine function with the
# smallest mean squared error,
#
# $$(w, b) = \arg\min_{w,\,b}\ \frac1n \sum_{i=1}^{n} \left(x_i \cdot w + b - y_i\right)^2 .$$
#
# A standard trick handles the bias: append a column of ones to $X$, giving the design matrix
# $\tilde X = [X, \mathbf 1]$ of shape $(n, d+1)$, so that $X w + b = \tilde X \theta$ with $\theta = (w, b)$.
# The minimiser solves the normal equations $\tilde X^T \tilde X\,\theta = \tilde X^T y$. You may solve those,
# but `np.linalg.lstsq` (pass `rcond=None`) minimises $\lVert \tilde X \theta - y \rVert^2$ directly without forming
# $\tilde X^T \tilde X$, which is numerically kinder; it returns a tuple whose first entry is $\theta$.

# %% [markdown]
# ### Exercise 4: `least_squares_fit` (2 points)
#
# Write `least_squares_fit(X, y)` returning `(w, b)`: `w` of shape `(d,)` and `b` a Python float.

# %% nbgrader={"grade": false, "grade_id": "least_squares_fit", "locked": false, "schema_version": 3, "solution": true, "task": false}
def least_squares_fit(X, y):
    """The affine fit with the smallest mean squared error: argmin over (w, b) of mean((X @ w + b - y)**2).

    Parameters
    ----------
    X : ndarray, shape (n, d)
        Inputs, one sample per row.
    y : ndarray, shape (n,)
        Targets.

    Returns
    -------
    w : ndarray, shape (d,)
        Weights.
    b : float
        Bias.
    """
    ### BEGIN SOLUTION
    design = np.column_stack([X, np.ones(len(X))])
    theta = np.linalg.lstsq(design, y, rcond=None)[0]
    return theta[:-1], float(theta[-1])
    ### END SOLUTION


# %%
# Try it: points on the line y = 2 x + 1 should give w = [2], b = 1.
w_try, b_try = least_squares_fit(np.array([[0.0], [1.0], [3.0]]), np.array([1.0, 3.0, 7.0]))
print(f"w = {np.round(w_try, 6)}, b = {b_try:.6f}")

# %% nbgrader={"grade": true, "grade_id": "test_least_squares_fit", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check least_squares_fit on data that lie exactly on a plane: it must recover the plane."""
diagnose("least_squares_fit", least_squares_fit)
Xl = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [2.0, 1.0], [1.0, 3.0]])
yl = 2.0 * Xl[:, 0] - 3.0 * Xl[:, 1] + 1.0
fit = call(least_squares_fit, Xl, yl, what="least_squares_fit(Xl, yl)")
assert isinstance(fit, tuple) and len(fit) == 2, "least_squares_fit should return a pair (w, b)"
wl, bl = fit
assert np.ndim(bl) == 0, f"b should be a single number (a float), got {type(bl).__name__} of shape {np.shape(bl)}"
assert_close(wl, [2.0, -3.0], rtol=1e-8, atol=1e-10, what="w for y = 2 x1 - 3 x2 + 1",
             hint="Did you include a column of ones for the bias?")
assert_close(bl, 1.0, rtol=1e-8, atol=1e-10, what="b for y = 2 x1 - 3 x2 + 1",
             hint="Did you include a column of ones for the bias?")
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(4004)
for _n, _d in ((30, 4), (7, 1), (12, 3)):
    _X = _rng.standard_normal((_n, _d)) + 2.0
    _y = _rng.standard_normal(_n) + 5.0
    _X_saved, _y_saved = _X.copy(), _y.copy()
    _design = np.column_stack([_X, np.ones(_n)])
    _theta = np.linalg.solve(_design.T @ _design, _design.T @ _y)
    _w, _b = call(least_squares_fit, _X, _y, what=f"least_squares_fit on random data of shape {(_n, _d)}")
    assert_close(_w, _theta[:_d], rtol=1e-7, atol=1e-9, what=f"w on random data of shape {(_n, _d)} (normal equations)")
    assert_close(_b, _theta[_d], rtol=1e-7, atol=1e-9, what=f"b on random data of shape {(_n, _d)} (normal equations)")
    assert np.array_equal(_X, _X_saved) and np.array_equal(_y, _y_saved), "least_squares_fit must not modify X or y"
# XOR: the best affine fit is the constant 0.5
_Xx = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
_w, _b = call(least_squares_fit, _Xx, np.array([0.0, 1.0, 1.0, 0.0]), what="least_squares_fit on XOR")
assert_close(_w, [0.0, 0.0], atol=1e-10, what="w on XOR")
assert_close(_b, 0.5, atol=1e-10, what="b on XOR")
### END HIDDEN TESTS

# %% [markdown]
# ### The best line predicts 0.5 everywhere

# %%
X_xor, y_xor = xor_data()
w_ls, b_ls = least_squares_fit(X_xor, y_xor)
pred_ls = X_xor @ w_ls + b_ls
print(" x1  x2 |  y | least-squares prediction")
for (a1, a2), target, p in zip(X_xor, y_xor, pred_ls):
    print(f" {a1:2.0f}  {a2:2.0f} | {target:2.0f} | {p:6.3f}")
w_shown = np.round(w_ls, 3) + 0.0  # + 0.0 turns a printed -0.0 into 0.0
print(f"w = ({w_shown[0]:.3f}, {w_shown[1]:.3f}), b = {b_ls:.3f}, "
      f"mean squared error = {np.mean((pred_ls - y_xor) ** 2):.3f} (the variance of y is {np.var(y_xor):.3f})")

# %% [markdown]
# The fit is the constant $0.5$: it explains none of the variance of $y$. This is forced by symmetry, not
# an accident of the solver:
#
# 1. The design matrix $[X, \mathbf 1]$ has three linearly independent columns, so the minimiser is **unique**.
# 2. Swapping $x_1 \leftrightarrow x_2$ maps the data set onto itself with the same labels. So
#    $(w_2, w_1, b)$ has the same loss as $(w_1, w_2, b)$, and uniqueness gives $w_1 = w_2$.
# 3. Flipping both inputs, $x \mapsto (1 - x_1, 1 - x_2)$, also maps the data set onto itself with the same
#    labels, since $(1-x_1) \oplus (1-x_2) = x_1 \oplus x_2$. The prediction of $(w, b)$ at a flipped point equals
#    the prediction of $(-w,\ b + w_1 + w_2)$ at the original point, so those two parameter vectors have the
#    same loss; uniqueness gives $w = -w$, i.e. $w = 0$.
# 4. With $w = 0$ the best constant is the mean of the targets, $b = 0.5$.
#
# Put differently, each input on its own carries no information about $y$: among the points with
# $x_1 = 0$ half have $y = 1$, and the same holds for $x_1 = 1$ (and for $x_2$). A linear model can only
# exploit such one-input-at-a-time trends. Viewed as classification, no line separates the classes either:
# the segment joining the two class-1 points and the segment joining the two class-0 points cross at
# $(0.5, 0.5)$.

# %% [markdown]
# ### Exercise 5: `xor_relu_network` (2 points)
#
# Notes 002 give a network with one hidden layer of two ReLU units that solves XOR:
#
# $$W = \begin{bmatrix} 1 & 1 \\ 1 & 1 \end{bmatrix},\qquad b = \begin{bmatrix} 0 & -1 \end{bmatrix},\qquad
# w = \begin{bmatrix} 1 \\ -2 \end{bmatrix},\qquad \text{no output bias},$$
#
# $$f(X) = \max(0,\ X W + b)\; w .$$
#
# The notes write the output as $w^T \max\{0, XW + b^T\}$. For a batch $X$ of shape $(4, 2)$ that product does
# not fit together ($w^T$ is $1 \times 2$, the hidden matrix is $4 \times 2$); with samples as rows the hidden
# matrix must be multiplied by $w$ on the right, as above. (Here $W$ is symmetric, so the $W$ versus $W^T$
# question does not arise.) Write `xor_relu_network(X)` for `X` of shape `(n, 2)`, returning shape `(n,)`.

# %% nbgrader={"grade": false, "grade_id": "xor_relu_network", "locked": false, "schema_version": 3, "solution": true, "task": false}
def xor_relu_network(X):
    """The notes' hand-set network with two ReLU units that computes XOR on {0, 1}^2.

    f(X) = max(0, X @ W + b) @ w with W = [[1, 1], [1, 1]], b = [0, -1], w = [1, -2], no output bias.

    Parameters
    ----------
    X : ndarray, shape (n, 2)
        Inputs, one sample per row.

    Returns
    -------
    ndarray, shape (n,)
        The network's output for each row.
    """
    ### BEGIN SOLUTION
    W = np.array([[1.0, 1.0], [1.0, 1.0]])
    b = np.array([0.0, -1.0])
    w = np.array([1.0, -2.0])
    return np.maximum(X @ W + b, 0.0) @ w
    ### END SOLUTION


# %%
# Try it: should print [0. 1. 1. 0.]
print(xor_relu_network(X_xor))

# %% nbgrader={"grade": true, "grade_id": "test_xor_relu_network", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check xor_relu_network on the XOR truth table."""
diagnose("xor_relu_network", xor_relu_network)
X4 = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
out4 = call(xor_relu_network, X4, what="xor_relu_network(X) on the four XOR inputs")
assert_shape(out4, (4,), what="xor_relu_network(X) for X of shape (4, 2)")
assert_close(out4, [0.0, 1.0, 1.0, 0.0], atol=1e-12, what="xor_relu_network on (0,0), (0,1), (1,0), (1,1)",
             hint="Hidden layer max(0, X @ W + b) with b = [0, -1], then @ w with w = [1, -2].")
### BEGIN HIDDEN TESTS
from coursekit.linear import xor_relu_network as _ref_xor_relu_network

_rng = np.random.default_rng(5005)
for _X in (_rng.uniform(-3.0, 3.0, (50, 2)), np.array([[0.5, 0.5]]), np.array([[2.0, 2.0], [-1.0, -1.0], [0.25, 0.0]])):
    _s = _X[:, 0] + _X[:, 1]
    _expected = np.maximum(_s, 0.0) - 2.0 * np.maximum(_s - 1.0, 0.0)
    _out = call(xor_relu_network, _X, what=f"xor_relu_network on {len(_X)} points")
    assert_close(_out, _expected, rtol=1e-12, atol=1e-12, what=f"xor_relu_network on {len(_X)} points off the grid")
    assert_close(_out, _ref_xor_relu_network(_X), rtol=1e-12, atol=1e-12, what="xor_relu_network")
### END HIDDEN TESTS

# %% [markdown]
# ### What the hidden layer does
#
# The hidden units compute $h_1 = \max(0, x_1 + x_2)$ and $h_2 = \max(0, x_1 + x_2 - 1)$. In the plane of
# $(h_1, h_2)$ the four points land at $(0,0)$, $(1,0)$, $(1,0)$ and $(2,1)$: the two class-1 inputs are
# sent to the **same** point, and the two classes can now be split by a straight line. The output unit
# $f = h_1 - 2 h_2$ is exactly such a linear read-out; its level $f = 0.5$ is drawn on the right. On the
# left the same boundary is pulled back into input space, where it is no longer a single line.

# %%
W_xor, b_xor = np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([0.0, -1.0])
H_xor = np.maximum(X_xor @ W_xor + b_xor, 0.0)
labels_xor = y_xor.astype(int)

fig, (ax_in, ax_h) = plt.subplots(1, 2, figsize=(11, 4.6))
decision_regions(lambda G: (xor_relu_network(G) >= 0.5).astype(int), X_xor, labels_xor,
                 title="Input space: the ReLU net's regions ($f \\geq 0.5$ shaded)",
                 bounds=(-0.5, 1.5, -0.5, 1.5), ax=ax_in)
for (a1, a2) in X_xor:
    ax_in.annotate(f"({a1:.0f},{a2:.0f})", (a1, a2), textcoords="offset points", xytext=(8, -14))

for c, marker in ((0, "o"), (1, "^")):
    pts = H_xor[labels_xor == c]
    ax_h.scatter(pts[:, 0], pts[:, 1], marker=marker, s=90, edgecolors="k", label=f"class {c}")
h1_line = np.linspace(-0.5, 2.5, 50)
ax_h.plot(h1_line, (h1_line - 0.5) / 2.0, "k--", label="$h_1 - 2h_2 = 0.5$")
ax_h.annotate("(0,1) and (1,0)\nboth land here", (1.0, 0.0), textcoords="offset points", xytext=(10, 18))
ax_h.annotate("(1,1)", (2.0, 1.0), textcoords="offset points", xytext=(-30, 8))
ax_h.annotate("(0,0)", (0.0, 0.0), textcoords="offset points", xytext=(8, 8))
ax_h.set_xlim(-0.5, 2.5)
ax_h.set_ylim(-0.5, 1.5)
ax_h.set_title("Hidden space: the classes become linearly separable")
ax_h.set_xlabel("$h_1 = \\max(0, x_1 + x_2)$")
ax_h.set_ylabel("$h_2 = \\max(0, x_1 + x_2 - 1)$")
ax_h.legend(loc="upper left")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 5. A wedge: two half-planes and an AND
#
# Tutorial question 3 of note 004 labels points of the plane by
#
# $$y = \begin{cases} 1 & \text{if } x_2 \ge |x_1|, \\ 0 & \text{otherwise,} \end{cases}$$
#
# a wedge opening upwards with its tip at the origin (boundary included).
#
# **Question (2 points).** Can logistic regression, i.e. a network without a hidden layer, represent this
# labelling exactly? Answer with a concrete argument that uses specific points, not only "the boundary is
# not a line". (Hint: what does the set of inputs that logistic regression assigns to class 0 look like,
# and is the wedge problem's class-0 set of that kind?)

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_wedge_logistic_regression", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# *Model answer.* No. Logistic regression predicts class 1 exactly when $\sigma(w \cdot x + b) \ge 0.5$, i.e. when
# $w \cdot x + b \ge 0$. Its class-1 set is a half-plane and its class-0 set the opposite half-plane; both are
# convex. The wedge problem's class-0 set is not convex: $(-1, 0)$ and $(1, 0)$ are class 0 (since
# $0 < 1 = |x_1|$), but their midpoint $(0, 0)$ is class 1 ($0 \ge 0$). Concretely, $w \cdot x + b$ is affine, so its
# value at the midpoint is the average of its values at the two endpoints; if both are negative, so is the
# average, and logistic regression must call $(0,0)$ class 0. Making $w$ larger only sharpens the sigmoid; the
# boundary stays a straight line.
#
# A remark on the notes: their example ($y = 1$ at $x_2 = 2$ with $x_1 = 1$ and with $x_1 = -1$) does not by itself
# prove the claim, because the class-1 region (the intersection of two half-planes) *is* convex; the obstruction
# lies on the class-0 side. Grading: 1 point for "no" with the half-plane/linear-boundary reason, 1 for a valid
# concrete counterexample.

# %% [markdown]
# ### Building the network by hand
#
# With the hard threshold $\Theta(a) = 1$ if $a \ge 0$ and $0$ otherwise (so $\Theta(0) = 1$, as in this tutorial
# question; the notes are not consistent here: their section 5.1 of note 004 puts $\Theta(0) = 0$, and notebook 02
# says more):
#
# * one unit tests $x_2 \ge x_1$: $\;h_1 = \Theta(-x_1 + x_2)$ (weights $(-1, 1)$, bias 0);
# * one unit tests $x_2 \ge -x_1$: $\;h_2 = \Theta(x_1 + x_2)$ (weights $(1, 1)$, bias 0);
# * both hold exactly when $x_2 \ge |x_1|$, so the output is an AND: $\;f = \Theta(0.5\,h_1 + 0.5\,h_2 - 0.6)$.
#
# Check the AND: $h_1 + h_2 = 2$ gives $0.4 \ge 0$; $h_1 + h_2 = 1$ gives $-0.1 < 0$; $0$ gives $-0.6$. Any output
# bias in $[-1, -0.5)$ would do. In our convention the hidden layer is $H = \Theta(X W)$ with
# $W = \begin{bmatrix} -1 & 1 \\ 1 & 1 \end{bmatrix}$ (column $j$ holds the weights of unit $j$).

# %% [markdown]
# ### Exercise 6: `wedge_classifier` (2 points)
#
# Write `wedge_classifier(X)` for `X` of shape `(n, 2)`: the network above, returning 0.0 or 1.0 per row
# (shape `(n,)`). Use $\Theta(0) = 1$, so that points on the boundary $x_2 = |x_1|$ get 1.

# %% nbgrader={"grade": false, "grade_id": "wedge_classifier", "locked": false, "schema_version": 3, "solution": true, "task": false}
def wedge_classifier(X):
    """Hard-threshold network that outputs 1.0 where x2 >= |x1| and 0.0 elsewhere.

    h1 = step(x2 - x1), h2 = step(x2 + x1), output step(0.5 h1 + 0.5 h2 - 0.6),
    with step(a) = 1 for a >= 0 and 0 otherwise.

    Parameters
    ----------
    X : ndarray, shape (n, 2)
        Inputs, one sample per row.

    Returns
    -------
    ndarray, shape (n,)
        0.0 or 1.0 for each row.
    """
    ### BEGIN SOLUTION
    def threshold(a):
        return (a >= 0).astype(float)

    W = np.array([[-1.0, 1.0], [1.0, 1.0]])  # column j: weights of hidden unit j
    H = threshold(X @ W)
    return threshold(H @ np.array([0.5, 0.5]) - 0.6)
    ### END SOLUTION


# %%
# Try it: should print [1. 0. 0. 1.]
print(wedge_classifier(np.array([[0.0, 1.0], [0.0, -1.0], [1.0, 0.5], [-2.0, 2.0]])))

# %% nbgrader={"grade": true, "grade_id": "test_wedge_classifier", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check wedge_classifier inside, outside and on the boundary of the wedge x2 >= |x1|."""
diagnose("wedge_classifier", wedge_classifier)
Xw = np.array([[0.0, 1.0], [0.0, -1.0], [1.0, 0.5], [-3.0, 2.9], [0.5, 3.0]])
out_w = call(wedge_classifier, Xw, what="wedge_classifier(Xw)")
assert_shape(out_w, (5,), what="wedge_classifier(Xw) for Xw of shape (5, 2)")
assert_close(out_w, [1.0, 0.0, 0.0, 0.0, 1.0], what="wedge_classifier at (0,1), (0,-1), (1,0.5), (-3,2.9), (0.5,3)",
             hint="Both hidden units must be on (an AND): x2 >= x1 and x2 >= -x1.")
X_edge = np.array([[1.0, 1.0], [-2.0, 2.0], [0.0, 0.0]])
assert_close(call(wedge_classifier, X_edge, what="wedge_classifier(X_edge)"), [1.0, 1.0, 1.0],
             what="wedge_classifier on the boundary x2 = |x1|: (1,1), (-2,2), (0,0)",
             hint="Points on the boundary belong to class 1: the threshold is 1 at 0 (use >= 0, not > 0).")
### BEGIN HIDDEN TESTS
from coursekit.linear import wedge_classifier as _ref_wedge_classifier

_rng = np.random.default_rng(6006)
_X = _rng.uniform(-5.0, 5.0, (500, 2))
_out = call(wedge_classifier, _X, what="wedge_classifier on 500 random points")
assert_shape(_out, (500,), what="wedge_classifier on 500 random points")
assert_close(_out, (_X[:, 1] >= np.abs(_X[:, 0])).astype(float), what="wedge_classifier on 500 random points")
assert_close(_out, _ref_wedge_classifier(_X), what="wedge_classifier on 500 random points")
_x1 = _rng.uniform(-100.0, 100.0, 20)
_on = np.column_stack([_x1, np.abs(_x1)])
_below = np.column_stack([_x1, np.nextafter(np.abs(_x1), -np.inf)])
assert_close(call(wedge_classifier, _on, what="wedge_classifier on the boundary"), np.ones(20),
             what="wedge_classifier on 20 random boundary points x2 = |x1|")
assert_close(call(wedge_classifier, _below, what="wedge_classifier just below the boundary"), np.zeros(20),
             what="wedge_classifier just below the boundary")
assert_close(call(wedge_classifier, np.array([[-1e6, 1e6 + 1.0]]), what="wedge_classifier far away"), [1.0],
             what="wedge_classifier at (-1e6, 1e6 + 1)")
### END HIDDEN TESTS

# %% [markdown]
# ### The wedge versus the best straight line
#
# On 300 random points of the square $[-1, 1]^2$, compare a linear classifier with the network. For the linear
# classifier we reuse least squares on the 0/1 labels and threshold its output at 0.5 (logistic regression would
# also draw a single straight line, just a differently placed one). About a quarter of the square is class 1.

# %%
X_w, y_w = wedge_data(300, rng)
w_lin, b_lin = least_squares_fit(X_w, y_w.astype(float))


def linear_rule(G):
    """Least-squares linear classifier: class 1 where G @ w + b >= 0.5."""
    return (G @ w_lin + b_lin >= 0.5).astype(int)


acc_lin = np.mean(linear_rule(X_w) == y_w)
acc_net = np.mean(wedge_classifier(X_w) == y_w)
fig, (ax_lin, ax_net) = plt.subplots(1, 2, figsize=(11, 4.8))
window = (-1.0, 1.0, -1.0, 1.0)
decision_regions(linear_rule, X_w, y_w, bounds=window, ax=ax_lin,
                 title=f"Best straight line (least squares): accuracy {acc_lin:.2f}")
decision_regions(lambda G: wedge_classifier(G).astype(int), X_w, y_w, bounds=window, ax=ax_net,
                 title=f"Hard-threshold network: accuracy {acc_net:.2f}")
for ax in (ax_lin, ax_net):
    ax.legend(loc="lower left")
fig.tight_layout()
plt.show()

# %% [markdown]
# **Question (1 point).** (a) Could a network with a *single* hidden threshold unit (and a threshold output
# unit) represent the wedge exactly? (b) Keep the two hidden units of your `wedge_classifier` and change only the
# output unit's weights and bias so that the network computes the complement, $1$ where $x_2 < |x_1|$. Which
# values work, and why? (Notebook 02 asks why such networks cannot be *trained* by gradient descent.)

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_wedge_variations", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# *Model answer.* (a) No. One hidden unit outputs $h = \Theta(w^\top x + b)$, 1 on a half-plane and 0 on the other;
# the output unit then sees a single number $h \in \{0, 1\}$ and can only return $h$, $1 - h$ or a constant. So the
# network's class-1 set is a half-plane, its complement, the whole plane or nothing, never a wedge (the
# midpoint argument of the question on logistic regression applies to it as well).
# (b) With $h_1 = \Theta(x_2 - x_1)$ and $h_2 = \Theta(x_2 + x_1)$ (1 on each half-plane, boundary included), the wedge
# is "$h_1$ AND $h_2$", e.g. $\Theta(h_1 + h_2 - 1.5)$. The complement is "NOT($h_1$ AND $h_2$)" $=$ "$h_1 + h_2 \le 1$",
# which a threshold unit computes as $\Theta(1.5 - h_1 - h_2)$: output weights $(-1, -1)$ and bias $1.5$ (any bias in
# $(1, 2)$ works). On the boundary $h_1 = h_2 = 1$ gives 0, as the complement requires. Grading: 0.5 for (a)
# (one unit gives one half-plane), 0.5 for (b) with working weights and the AND/NOT reasoning.

# %% [markdown]
# ## 6. How much can a network represent, and what does that cost?
#
# **Universal approximation.** A network with one hidden layer can approximate any continuous function on a
# bounded region as closely as you like, given enough hidden units (notes 002; the precise theorems need a
# nonconstant activation such as the sigmoid or ReLU). Section 2's polylines show the idea in one dimension: each
# ReLU unit adds a kink, and enough kinks follow any curve. The theorem says such weights *exist*; it says
# nothing about how many units that takes, whether gradient descent finds them, or whether the result
# predicts well between the training points.
#
# **Depth versus width.** "Enough units" can be a great many: to tell apart every one of the input
# configurations that matter, a single hidden layer may need about one unit per configuration, which can
# grow exponentially with the number of inputs. Deeper networks can reuse what earlier layers computed, and in
# practice they often generalise better for the same number of parameters, at the price of being harder to
# train (notebooks 05 and 06).
#
# **Learned basis functions.** Regression with basis functions uses features $\phi_k(x)$ whose parameters
# someone chose by hand, say $\phi_k(x) = \sigma(v_k^\top x + c_k)$ with fixed $v_k, c_k$, and fits only the output
# weights. A network with one hidden layer is the same model with *every* parameter fitted: the hidden layer
# is a set of basis functions learned from the data (notes 004, section 1.1), and the output layer is a
# linear model on them. The XOR network of section 4 is an example: its hidden layer computes two features in
# which the classes become linearly separable.
#
# **Swapping hidden units.** Take a network with one hidden layer of $H$ units and swap units 1 and 2: swap
# columns 1 and 2 of $W_1$, entries 1 and 2 of $b_1$, and rows 1 and 2 of $W_2$. Every input meets the same
# weights in a different order, so the network computes exactly the same function, and its loss is the same.

# %% [markdown]
# **Question (2 points).** (a) For a network with one hidden layer of $H$ units, how many different weight
# settings compute the same function as a given one, counting only such swaps? (b) A convex loss satisfies
# $L\big(\tfrac12(\theta + \theta')\big) \le \tfrac12 \big(L(\theta) + L(\theta')\big)$ for all weight settings $\theta$, $\theta'$.
# Let $\theta$ be a minimum of the loss and $\theta'$ the same network with two hidden units swapped. What does the
# network at the midpoint $\tfrac12(\theta + \theta')$ compute, and why does that suggest the loss of a network is
# not convex? Predict, then check with the cell below.

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_swapped_units", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# *Model answer.* (a) Every reordering of the $H$ hidden units gives the same function: $H!$ settings (with tanh
# units also every sign flip of a unit's incoming and outgoing weights, $2^H H!$ in all). (b) At the midpoint the
# two swapped units get the *same* weights (the average of the two), and so do their outgoing weights: they
# compute identical features, so the network has in effect only $H - 1$ different hidden units. It has lost a
# feature and fits worse, so its loss is higher than $L(\theta) = L(\theta')$, the minimum. Convexity would demand
# a loss no higher than that minimum at the midpoint; the loss is therefore not convex, and gradient descent can
# end in different minima (at least $H!$ equivalent ones) depending on where it starts. Grading: 1 point for
# $H!$ (accept $2^H H!$ with the sign argument), 1 point for "the two units become identical, the midpoint loses
# a feature and its loss is higher, which breaks the convexity inequality".

# %% tags=["nbval-ignore-output"]
# Check: a 1-8-1 tanh network fitted to a wiggly curve (hidden weights drawn at random, output layer fitted by
# ridge regression: a good fit; the argument needs no exact minimum), the same network with its two most
# important hidden units swapped, and the network halfway between the two.
x_curve = np.linspace(-3.0, 3.0, 60)[:, None]
y_curve = np.sin(2.0 * x_curve) + 0.3 * x_curve
curve_rng = np.random.default_rng(SEED + 6)
W1, b1 = curve_rng.normal(0.0, 1.5, (1, 8)), curve_rng.uniform(-3.0, 3.0, 8)
features = np.hstack([np.tanh(x_curve @ W1 + b1), np.ones((60, 1))])
coef = np.linalg.solve(features.T @ features + 1e-2 * np.eye(9), features.T @ y_curve)
W2, b2 = coef[:8], coef[8]


def curve_loss(W1, b1, W2, b2):
    """Half the mean squared error of the 1-8-1 tanh network with these weights on the curve."""
    return 0.5 * float(np.mean((np.tanh(x_curve @ W1 + b1) @ W2 + b2 - y_curve) ** 2))


i, j = np.argsort(-np.abs(W2.ravel()))[:2]  # the two units with the largest outgoing weights
swap = np.arange(8)
swap[[i, j]] = [j, i]
loss_fit = curve_loss(W1, b1, W2, b2)
loss_swapped = curve_loss(W1[:, swap], b1[swap], W2[swap], b2)
loss_mid = curve_loss((W1 + W1[:, swap]) / 2, (b1 + b1[swap]) / 2, (W2 + W2[swap]) / 2, b2)
for label, value in [("loss of the fitted network", loss_fit),
                     (f"loss with hidden units {i} and {j} swapped", loss_swapped),
                     ("loss halfway between the two", loss_mid)]:
    print(f"{label:<42}{value:.4f}")
assert abs(loss_swapped - loss_fit) < 1e-12, "swapping hidden units must not change the function"
assert loss_mid > 2 * loss_fit, "the midpoint should fit clearly worse"

# %% [markdown]
# The swapped network's loss equals the fitted one's (up to the order of a floating-point sum), and the network
# halfway between them fits clearly worse: a convex loss could not do that. Notes 004 make this argument with
# the swap alone ("the optimum wasn't unique, so the function can't be convex"); that step is not enough on its
# own, because a convex function may have many minima, as long as they form a flat valley (every point
# between two minima is a minimum too). It is the midpoint's *higher* loss that rules convexity out.

# %% [markdown]
# ## Summary
#
# * Without a nonlinearity, $L$ layers compute $X\,W_1 \cdots W_L + b$: one affine layer, never more expressive and
#   possibly less (a narrow layer limits the rank).
# * With ReLU between layers the network is piecewise linear: its pieces change where hidden units switch,
#   and that is what lets it bend. The output layer stays linear so that its range matches real-valued targets.
# * On XOR the best affine fit is the constant 0.5, forced by the data's symmetries. Two ReLU units fix it by
#   mapping the inputs to a hidden space where the classes are linearly separable.
# * The wedge $x_2 \ge |x_1|$ needs two half-planes joined by an AND: one hidden layer of threshold units
#   suffices, while logistic regression (a single half-plane) cannot represent it.
# * Threshold units are fine for hand-built networks but give no gradient; trainable networks use smooth or
#   piecewise-linear activations instead, which is the subject of the next notebook.
# * One hidden layer can approximate any continuous function, but may need very many units; its hidden units
#   are basis functions learned from the data. Swapping hidden units leaves the function unchanged while the
#   weights between two such equivalent minima fit worse: the loss is not convex in the weights.
