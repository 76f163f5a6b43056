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
# # 04 · Forward and reverse mode: two ways to run the chain rule
#
# Training a network needs the derivative of one number, the loss, with respect to every weight.
# The chain rule gives it, and a computer can apply the chain rule mechanically to any program
# built from operations whose derivatives it knows: that is *automatic differentiation*. There are
# two natural orders in which to apply it. **Forward mode** goes from the inputs to the output and
# carries, next to every value, its derivative with respect to *one input*. **Reverse mode** goes
# from the output back to the inputs and carries the derivative of *one output* with respect to
# every intermediate value. Back-propagation is reverse mode. Both give the same numbers; their
# costs are very different, and which one is cheaper depends on the shape of the problem.
#
# After this notebook you will be able to
#
# - draw the computational graph of a formula and compute forward-mode ($\dot\theta$) and reverse-mode
#   ($\bar\theta$) derivatives on it step by step;
# - implement forward mode with dual numbers, and reverse mode with a recorded graph and a backward pass;
# - compute a gradient both ways and check the two against each other and against a closed form;
# - predict and measure what each mode costs for $f: \mathbb{R}^n \to \mathbb{R}$ and for
#   $f: \mathbb{R} \to \mathbb{R}^m$, and how much memory reverse mode needs;
# - explain why networks are trained with reverse mode, and when forward mode is the better tool.
#
# **Points:** four exercises worth 11 points (autograded) and two written questions worth 4 points
# (graded by hand). Lecture material: notes 004, sections 2.1–2.2, and the back-propagation example of
# notes 002 (one neuron with a squared error, worked through at the end of section 5).

# %%
import gc
import math
import time
import tracemalloc
from functools import partial

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from coursekit import autodiff as ad
from coursekit.autodiff import cos, exp, log, sin, tanh
from coursekit.checks import assert_close, assert_shape, call, diagnose
from coursekit.progress import GRADING, progress

SEED = 4
rng = np.random.default_rng(SEED)

# %% [markdown]
# `ad` is the course library's module `coursekit.autodiff`: it holds reference versions of everything
# you write here (`ad.Dual`, `ad.Var`, `ad.grad_forward`, `ad.grad_reverse`). The functions
# `sin, cos, exp, log, tanh` imported from it work on plain numbers and on every kind of dual number
# or graph node in this notebook, including the ones you write (more on that in section 2).

# %% [markdown]
# ## 1. The example and its graph
#
# The notes work through one formula,
#
# $$z = \exp\bigl(\sin(u^2)\,\log(u^2)\bigr), \qquad u \neq 0$$
#
# (the logarithm needs $u^2 > 0$, a condition the notes leave implicit). A program computes it in
# elementary steps, each with a derivative we know by heart:
#
# | step | local derivatives |
# |---|---|
# | $v = u^2$ | $\partial v/\partial u = 2u$ |
# | $w = \sin v$ | $\partial w/\partial v = \cos v$ |
# | $x = \log v$ | $\partial x/\partial v = 1/v$ |
# | $y = w\,x$ | $\partial y/\partial w = x$, $\;\partial y/\partial x = w$ |
# | $z = e^{y}$ | $\partial z/\partial y = e^{y} = z$ |
#
# Drawn as a graph, every intermediate quantity is a node and an arrow runs from $\theta$ to $\varphi$
# when $\varphi$ is computed from $\theta$; the arrow carries the local derivative
# $\partial\varphi/\partial\theta$. The graph is a DAG (directed, no cycles). Note that $v$ has *two*
# outgoing arrows: it is used twice. That detail matters in both modes.
#
# For checking, the closed form. Since $z = (u^2)^{\sin(u^2)}$, differentiating $\log z = \sin(u^2)\log(u^2)$ gives
#
# $$\frac{dz}{du} = z\left(2u\cos(u^2)\log(u^2) + \frac{2\sin(u^2)}{u}\right).$$

# %%
def notes_example(u):
    """The notes' z = exp(sin(u^2) log(u^2)) in elementary steps; returns every step by name.

    Works for a float, a dual number or a graph node: the operations dispatch on the type of u.
    """
    v = u**2
    w = sin(v)
    x = log(v)
    y = w * x
    z = exp(y)
    return {"u": u, "v": v, "w": w, "x": x, "y": y, "z": z}


def dz_du(u):
    """Closed form of dz/du for the notes' example (u != 0), computed with plain floats."""
    z = math.exp(math.sin(u * u) * math.log(u * u))
    return z * (2 * u * math.cos(u * u) * math.log(u * u) + 2 * math.sin(u * u) / u)


print(f"z(1.5)     = {notes_example(1.5)['z']:.6f}")
print(f"dz/du(1.5) = {dz_du(1.5):.6f}")

# %% [markdown]
# The drawing below is not made by hand. It is the record that the library's reverse-mode node
# `ad.Var` keeps while it evaluates $z$ at $u = 1.5$: every operation remembers its inputs (its
# *parents*). `ad.topological_order(z)` lists the recorded nodes so that each comes after its parents,
# which is the order of evaluation; the picture places the nodes left to right in that order.

# %%
NODE_TEXT = {"u": "$u$", "v": "$v = u^2$", "w": r"$w = \sin v$", "x": r"$x = \log v$", "y": "$y = wx$",
             "z": "$z = e^y$"}
EDGE_TEXT = {("u", "v"): "$2u$", ("v", "w"): r"$\cos v$", ("v", "x"): "$1/v$", ("w", "y"): "$x$",
             ("x", "y"): "$w$", ("y", "z"): "$z$"}


def draw_graph(output, names, ax):
    """Draw the graph recorded behind the ad.Var `output`; `names` maps id(node) -> short name."""
    order = ad.topological_order(output)
    depth = {}
    for node in order:  # depth = length of the longest path from an input
        depth[id(node)] = 1 + max((depth[id(p)] for p in node.parents), default=-1)
    columns = {}
    for node in order:
        columns.setdefault(depth[id(node)], []).append(node)
    pos = {id(node): (d, (len(col) - 1) / 2 - k) for d, col in columns.items() for k, node in enumerate(col)}
    for node in order:
        for parent in dict.fromkeys(node.parents):  # each parent once, in order
            (x0, y0), (x1, y1) = pos[id(parent)], pos[id(node)]
            ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                        arrowprops={"arrowstyle": "-|>", "color": "0.25", "shrinkA": 30, "shrinkB": 30, "lw": 1.4})
            label = EDGE_TEXT.get((names[id(parent)], names[id(node)]), "")
            below = (y0 + y1) / 2 < 0  # labels on the outer side of their arrow
            ax.text((x0 + x1) / 2, (y0 + y1) / 2 + (-0.12 if below else 0.12), label, ha="center",
                    va="top" if below else "bottom", fontsize=11,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"})
    for node in order:
        ax.text(*pos[id(node)], NODE_TEXT[names[id(node)]], ha="center", va="center", fontsize=12,
                bbox={"boxstyle": "round,pad=0.5", "fc": "0.92", "ec": "0.2"})
    ax.set_xlim(-0.6, max(columns) + 0.6)
    ax.set_ylim(-1.0, 1.0)
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel("order of evaluation (forward pass) $\\rightarrow$")


recorded = notes_example(ad.Var(1.5))
fig, ax = plt.subplots(figsize=(10, 3.4))
draw_graph(recorded["z"], {id(node): name for name, node in recorded.items()}, ax)
ax.set_title(r"Computational graph of $z = \exp(\sin(u^2)\log(u^2))$; arrows carry local derivatives")
plt.show()
print("nodes recorded by ad.Var:", [node.op or "input" for node in ad.topological_order(recorded["z"])])

# %% [markdown]
# ## 2. Forward mode: carry the derivative along with the value
#
# Choose one input, here $u$, and write $\dot\theta = \partial\theta/\partial u$ for every quantity
# $\theta$ in the graph. The chain rule says that a node's dot is the sum, over its parents $p$, of
# (local derivative) × (parent's dot): $\dot\theta = \sum_p \frac{\partial\theta}{\partial p}\,\dot p$.
# Starting from $\dot u = 1$:
#
# | node | forward-mode derivative |
# |---|---|
# | $u$ | $\dot u = 1$ |
# | $v = u^2$ | $\dot v = 2u\,\dot u$ |
# | $w = \sin v$ | $\dot w = \cos(v)\,\dot v$ |
# | $x = \log v$ | $\dot x = \dot v / v$ |
# | $y = wx$ | $\dot y = x\,\dot w + w\,\dot x$ |
# | $z = e^y$ | $\dot z = z\,\dot y$ |
#
# Each dot needs only the values and dots of the node's parents, so it can be computed *at the same
# moment as the value itself*, in the same left-to-right pass. Nothing has to be stored for later:
# once a value and its dot have been used by all their children they can be forgotten.
#
# **Dual numbers** package this. A dual number is a pair $(a, \dot a)$, a value and its derivative,
# and arithmetic on pairs follows the rules of differentiation:
#
# | operation | value | derivative |
# |---|---|---|
# | $a \pm b$ | $a \pm b$ | $\dot a \pm \dot b$ |
# | $a\,b$ | $ab$ | $\dot a\, b + a\,\dot b$ |
# | $a / b$ | $a/b$ | $(\dot a\, b - a\,\dot b)/b^2$ |
# | $a^c$ ($c$ a constant) | $a^c$ | $c\,a^{c-1}\,\dot a$ |
# | $-a$ | $-a$ | $-\dot a$ |
# | $\sin a$, $\cos a$ | $\sin a$, $\cos a$ | $\cos(a)\,\dot a$, $\;-\sin(a)\,\dot a$ |
# | $e^a$, $\log a$, $\tanh a$ | $e^a$, $\log a$, $\tanh a$ | $e^a\,\dot a$, $\;\dot a / a$, $\;(1 - \tanh^2 a)\,\dot a$ |
#
# A plain number $c$ is the constant $(c, 0)$. Evaluate any formula on $(u_0, 1)$ and you get the pair
# $(f(u_0), f'(u_0))$. (Algebraically, $(a, \dot a)$ is $a + \dot a\,\varepsilon$ with the rule
# $\varepsilon^2 = 0$: multiplying out $(a + \dot a\varepsilon)(b + \dot b\varepsilon)$ gives exactly the product rule.)

# %% [markdown]
# ### Exercise 1: `Dual` (4 points)
#
# Complete the class `Dual` below: the arithmetic methods `__add__`, `__sub__`, `__rsub__`, `__mul__`,
# `__truediv__`, `__rtruediv__`, `__neg__`, `__pow__` (for a constant exponent) and the elementary
# functions `exp`, `log`, `sin`, `cos`, `tanh`. Each returns a **new** `Dual` and leaves its operands
# unchanged. Given: the constructor, `lift` (which turns a plain number into a constant), and
# `__radd__` / `__rmul__` (addition and multiplication commute, so `2 + d` can reuse `d + 2`).
#
# Two things to know about Python:
#
# * `2.0 - d` first asks the float `2.0` to subtract a `Dual`; it cannot, so Python calls
#   `d.__rsub__(2.0)`. Inside `__rsub__(self, other)` the result is `other - self`, not `self - other`.
#   The same holds for `__rtruediv__`.
# * **Design decision:** the elementary functions are *methods* (`d.sin()`), all in this one class. The
#   functions `sin, cos, exp, log, tanh` imported at the top call the method of that name when their
#   argument has one, so `sin(d)` works for your `Dual` as it does for `ad.Dual` (numpy's `np.sin`
#   does the same for objects). Use `math.sin` etc. on the float values inside the methods.

# %% nbgrader={"grade": false, "grade_id": "Dual", "locked": false, "schema_version": 3, "solution": true, "task": false}
class Dual:
    """A dual number (value, deriv): a value a together with its derivative a' with respect to one input.

    Arithmetic on Duals applies the rules of differentiation, so evaluating a formula on Dual(u0, 1.0)
    gives the formula's value at u0 and its derivative there. A plain number on either side of an
    operator is a constant (derivative 0). The elementary functions are methods: d.sin(), d.cos(),
    d.exp(), d.log(), d.tanh(); the functions sin(d), cos(d), ... from coursekit.autodiff call them.

    Parameters
    ----------
    value : float
        The value a.
    deriv : float, default 0.0
        Its derivative a' (0.0: a constant).
    """

    def __init__(self, value, deriv=0.0):
        self.value = float(value)
        self.deriv = float(deriv)

    def __repr__(self):
        return f"Dual(value={self.value!r}, deriv={self.deriv!r})"

    @staticmethod
    def lift(other):
        """other itself if it is a Dual, else the constant Dual(other, 0.0)."""
        return other if isinstance(other, Dual) else Dual(other, 0.0)

    def __add__(self, other):
        """self + other: (a + b, a' + b')."""
        other = Dual.lift(other)
        ### BEGIN SOLUTION
        return Dual(self.value + other.value, self.deriv + other.deriv)
        ### END SOLUTION

    def __radd__(self, other):
        """other + self, for a plain number other."""
        return self + other

    def __sub__(self, other):
        """self - other: (a - b, a' - b')."""
        other = Dual.lift(other)
        ### BEGIN SOLUTION
        return Dual(self.value - other.value, self.deriv - other.deriv)
        ### END SOLUTION

    def __rsub__(self, other):
        """other - self, for a plain number other."""
        other = Dual.lift(other)
        ### BEGIN SOLUTION
        return Dual(other.value - self.value, other.deriv - self.deriv)
        ### END SOLUTION

    def __mul__(self, other):
        """self * other: (a b, a' b + a b')."""
        other = Dual.lift(other)
        ### BEGIN SOLUTION
        return Dual(self.value * other.value, self.deriv * other.value + self.value * other.deriv)
        ### END SOLUTION

    def __rmul__(self, other):
        """other * self, for a plain number other."""
        return self * other

    def __truediv__(self, other):
        """self / other: (a / b, (a' b - a b') / b^2)."""
        other = Dual.lift(other)
        ### BEGIN SOLUTION
        q = self.value / other.value
        return Dual(q, (self.deriv - q * other.deriv) / other.value)
        ### END SOLUTION

    def __rtruediv__(self, other):
        """other / self, for a plain number other."""
        other = Dual.lift(other)
        ### BEGIN SOLUTION
        return other / self
        ### END SOLUTION

    def __neg__(self):
        """-self: (-a, -a')."""
        ### BEGIN SOLUTION
        return Dual(-self.value, -self.deriv)
        ### END SOLUTION

    def __pow__(self, c):
        """self ** c for a constant number c (not a Dual): (a^c, c a^(c-1) a')."""
        ### BEGIN SOLUTION
        return Dual(self.value**c, c * self.value ** (c - 1) * self.deriv)
        ### END SOLUTION

    def exp(self):
        """(e^a, e^a a')."""
        ### BEGIN SOLUTION
        e = math.exp(self.value)
        return Dual(e, e * self.deriv)
        ### END SOLUTION

    def log(self):
        """(log a, a' / a), for a > 0."""
        ### BEGIN SOLUTION
        return Dual(math.log(self.value), self.deriv / self.value)
        ### END SOLUTION

    def sin(self):
        """(sin a, cos(a) a')."""
        ### BEGIN SOLUTION
        return Dual(math.sin(self.value), math.cos(self.value) * self.deriv)
        ### END SOLUTION

    def cos(self):
        """(cos a, -sin(a) a')."""
        ### BEGIN SOLUTION
        return Dual(math.cos(self.value), -math.sin(self.value) * self.deriv)
        ### END SOLUTION

    def tanh(self):
        """(tanh a, (1 - tanh^2 a) a')."""
        ### BEGIN SOLUTION
        t = math.tanh(self.value)
        return Dual(t, (1.0 - t * t) * self.deriv)
        ### END SOLUTION


# %%
# Try it: the forward-mode table of the notes at u = 1.5, computed by your Dual.
for name, node in notes_example(Dual(1.5, 1.0)).items():
    print(f"{name} = {node.value:9.5f}    d{name}/du = {node.deriv:9.5f}")
print(f"closed form:   dz/du = {dz_du(1.5):9.5f}")

# %% nbgrader={"grade": true, "grade_id": "test_Dual", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
"""Check Dual's arithmetic and elementary functions against derivatives worked out by hand."""
diagnose("Dual", Dual)


def _check(d, value, deriv, what, hint="", rtol=1e-12, atol=1e-14):
    assert isinstance(d, Dual), f"{what} should return a Dual, got {type(d).__name__}"
    assert_close(d.value, value, rtol=rtol, atol=atol, what=f"{what}: the value", hint=hint)
    assert_close(d.deriv, deriv, rtol=rtol, atol=atol, what=f"{what}: the derivative", hint=hint)


_u = Dual(3.0, 1.0)
_check(_u + 2.0, 5.0, 1.0, "Dual(3, 1) + 2", hint="A plain number is a constant: derivative 0.")
_check(_u + Dual(1.0, 4.0), 4.0, 5.0, "Dual(3, 1) + Dual(1, 4)")
_check(_u - Dual(1.0, 4.0), 2.0, -3.0, "Dual(3, 1) - Dual(1, 4)")
_check(2.0 - _u, -1.0, -1.0, "2 - Dual(3, 1)", hint="__rsub__(self, other) computes other - self.")
_check(-_u, -3.0, -1.0, "-Dual(3, 1)")
_check(_u * Dual(2.0, 5.0), 6.0, 17.0, "Dual(3, 1) * Dual(2, 5)", hint="Product rule: (ab)' = a'b + ab' = 1*2 + 3*5.")
_check(_u * _u, 9.0, 6.0, "Dual(3, 1) * Dual(3, 1)")
_check(4.0 * _u, 12.0, 4.0, "4 * Dual(3, 1)")
_check(_u / Dual(2.0, 1.0), 1.5, -0.25, "Dual(3, 1) / Dual(2, 1)",
       hint="Quotient rule: (a/b)' = (a'b - ab')/b^2 = (2 - 3)/4.")
_check(1.0 / _u, 1 / 3, -1 / 9, "1 / Dual(3, 1)", hint="__rtruediv__(self, other) computes other / self.")
_check(_u**3, 27.0, 27.0, "Dual(3, 1) ** 3", hint="(a^c)' = c a^(c-1) a'.")
_check(_u**-1, 1 / 3, -1 / 9, "Dual(3, 1) ** -1")
_check(sin(_u), math.sin(3.0), math.cos(3.0), "sin(Dual(3, 1))")
_check(cos(_u), math.cos(3.0), -math.sin(3.0), "cos(Dual(3, 1))", hint="(cos a)' = -sin(a) a'.")
_check(exp(_u), math.exp(3.0), math.exp(3.0), "exp(Dual(3, 1))")
_check(log(_u), math.log(3.0), 1 / 3, "log(Dual(3, 1))")
_check(tanh(_u), math.tanh(3.0), 1 - math.tanh(3.0) ** 2, "tanh(Dual(3, 1))")
_check(notes_example(Dual(1.5, 1.0))["z"], notes_example(1.5)["z"], dz_du(1.5), "the notes' z at Dual(1.5, 1)",
       rtol=1e-10)
### BEGIN HIDDEN TESTS
from coursekit.autodiff import Dual as _RefDual

# derivatives other than 1: every rule must carry the chain-rule factor a'
_a, _b = Dual(0.7, -1.3), Dual(-2.1, 0.4)
_check(_a * _b, 0.7 * -2.1, -1.3 * -2.1 + 0.7 * 0.4, "Dual(0.7, -1.3) * Dual(-2.1, 0.4)")
_check(_a / _b, 0.7 / -2.1, (-1.3 * -2.1 - 0.7 * 0.4) / 2.1**2, "Dual(0.7, -1.3) / Dual(-2.1, 0.4)")
_check(_a - _b, 2.8, -1.7, "Dual(0.7, -1.3) - Dual(-2.1, 0.4)")
_check(3.0 / _b, 3.0 / -2.1, -3.0 * 0.4 / 2.1**2, "3 / Dual(-2.1, 0.4)")
_check(5.0 - _b, 7.1, -0.4, "5 - Dual(-2.1, 0.4)")
_check(_b + 1.5, -0.6, 0.4, "Dual(-2.1, 0.4) + 1.5")
_check(-_b, 2.1, -0.4, "-Dual(-2.1, 0.4)")
_check(_a**3, 0.7**3, 3 * 0.7**2 * -1.3, "Dual(0.7, -1.3) ** 3")
_check(_a**0.5, math.sqrt(0.7), 0.5 / math.sqrt(0.7) * -1.3, "Dual(0.7, -1.3) ** 0.5")
_check(_b**2, 4.41, 2 * -2.1 * 0.4, "Dual(-2.1, 0.4) ** 2")
_check(_b**-2, 2.1**-2, -2 * (-2.1) ** -3 * 0.4, "Dual(-2.1, 0.4) ** -2")
_check(_a**0, 1.0, 0.0, "Dual(0.7, -1.3) ** 0")
_check(sin(_a), math.sin(0.7), math.cos(0.7) * -1.3, "sin(Dual(0.7, -1.3))")
_check(cos(_b), math.cos(-2.1), -math.sin(-2.1) * 0.4, "cos(Dual(-2.1, 0.4))")
_check(exp(_b), math.exp(-2.1), math.exp(-2.1) * 0.4, "exp(Dual(-2.1, 0.4))")
_check(log(_a), math.log(0.7), -1.3 / 0.7, "log(Dual(0.7, -1.3))")
_check(tanh(_b), math.tanh(-2.1), (1 - math.tanh(-2.1) ** 2) * 0.4, "tanh(Dual(-2.1, 0.4))")
assert (_a.value, _a.deriv, _b.value, _b.deriv) == (0.7, -1.3, -2.1, 0.4), (
    "Dual operations must return a new Dual and leave their operands unchanged")


def _every_rule(p, q, r):
    return (p * q - r / (1.0 + q * q) + (2.0 - p) ** 3 + exp(tanh(r)) * log(1.0 + p * p) - cos(q) / 3.0
            + 1.0 / (2.0 + sin(p)) - (-r) * 0.5 + 4.0 * q + r**2 - 1.0)


_rng = np.random.default_rng(4004)
for _ in range(25):
    _p0, _dir = _rng.uniform(-2.0, 2.0, 3), _rng.normal(size=3)
    _out = _every_rule(*(Dual(v, d) for v, d in zip(_p0, _dir)))
    _ref = _every_rule(*(_RefDual(v, d) for v, d in zip(_p0, _dir)))
    _where = f"a formula using every rule, at {np.round(_p0, 3)} in direction {np.round(_dir, 3)}"
    _check(_out, _ref.value, _ref.deriv, _where, rtol=1e-9, atol=1e-11)
    _h = 1e-6
    _fd = (_every_rule(*(_p0 + _h * _dir)) - _every_rule(*(_p0 - _h * _dir))) / (2 * _h)
    assert abs(_out.deriv - _fd) <= 1e-5 * (1 + abs(_fd)), f"{_where}: derivative {_out.deriv} vs differences {_fd}"
### END HIDDEN TESTS

# %% [markdown]
# ## 3. Reverse mode: carry the derivative of the output backwards
#
# Now fix the *output* $z$ and write $\bar\theta = \partial z/\partial\theta$ for every node. The chain
# rule runs the other way: a node's bar is the sum, over its *children* $c$ (the nodes computed from it),
# of (child's bar) × (local derivative): $\bar\theta = \sum_c \bar c\,\frac{\partial c}{\partial\theta}$.
# Starting from $\bar z = 1$ at the output:
#
# | node | reverse-mode derivative |
# |---|---|
# | $z$ | $\bar z = 1$ |
# | $y$ | $\bar y = \bar z\, z$ |
# | $w$ | $\bar w = \bar y\, x$ |
# | $x$ | $\bar x = \bar y\, w$ |
# | $v$ | $\bar v = \bar w \cos v + \bar x / v$ |
# | $u$ | $\bar u = \bar v\; 2u$ |
#
# $v$ has two children, $w$ and $x$, so $\bar v$ has two terms, one per use; forgetting one, or
# overwriting one with the other, is the classic bug. And $\bar v$ is complete only after *both*
# $\bar w$ and $\bar x$ are known: nodes must be processed so that every node comes after all of its
# children, i.e. in **reverse topological order**.
#
# The local derivatives ($\cos v$, $1/v$, $w$, $x$, $z$) need the values of the forward pass. So reverse
# mode runs in two phases: a forward pass that computes the values and *records the graph*, then a
# backward sweep over the record. The record has to be kept in memory until the sweep is over.
#
# *A correction to the notes.* They say that reverse mode cannot run in parallel with the evaluation
# because "to compute $\bar x$ we need to know what has happened to $y$ and $z$, which still haven't been
# computed". By the time of the sweep $y$ and $z$ *have* been computed: the forward pass is finished.
# What is not yet known are their *bars*. The real constraint is that the sweep can only start at the
# output, after the whole forward pass, and that it needs every stored intermediate value.

# %% [markdown]
# ### Exercise 2: `Var.backward` (3 points)
#
# `Var` below is a scalar graph node. Every operation creates a new node that records its parents
# *together with the local derivative* with respect to each: `z = x * y` stores
# `z.parents = ((x, y.value), (y, x.value))`. A plain number is turned into a constant node with no
# parents. All of that is given. Write `backward()`, which fills in `node.grad` $= \partial\,\text{self}/\partial\,\text{node}$
# for every node that `self` was computed from:
#
# 1. list every node reachable from `self` through `.parents`, each node **once**, every node after all of
#    its parents (a *topological order*: a depth-first search that appends a node after visiting its
#    parents produces one);
# 2. set `grad = 0.0` on every listed node, then `self.grad = 1.0`;
# 3. walk the list **backwards** (`self` first) and, for each node and each `(parent, local)` in its
#    `parents`, **add** `local * node.grad` to `parent.grad`.
#
# Step 2 makes a second call of `backward()` give the same result instead of doubling the gradients.
# (The library's `ad.Var` does the same with closures instead of numbers, because for an array the local
# derivative is a linear map rather than one number; it also works without recursion, for graphs
# millions of nodes deep. A recursive search is fine here.)

# %% nbgrader={"grade": false, "grade_id": "Var_backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
class Var:
    """A scalar node of a computational graph, for reverse mode.

    Attributes
    ----------
    value : float
        The node's value, computed in the forward pass.
    grad : float
        d(out)/d(node) after out.backward() for a node `out` computed from this one; 0.0 before.
    parents : tuple of (Var, float)
        The nodes this one was computed from, each paired with the local derivative
        d(this node)/d(parent). Inputs and constants have no parents.
    """

    def __init__(self, value, parents=()):
        self.value = float(value)
        self.grad = 0.0
        self.parents = tuple(parents)

    def __repr__(self):
        return f"Var(value={self.value!r}, grad={self.grad!r})"

    @staticmethod
    def lift(other):
        """other itself if it is a Var, else a constant node Var(other)."""
        return other if isinstance(other, Var) else Var(other)

    # the forward pass: every operation records (parent, local derivative) pairs
    def __add__(self, other):
        other = Var.lift(other)
        return Var(self.value + other.value, [(self, 1.0), (other, 1.0)])

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        other = Var.lift(other)
        return Var(self.value - other.value, [(self, 1.0), (other, -1.0)])

    def __rsub__(self, other):
        return Var.lift(other) - self

    def __mul__(self, other):
        other = Var.lift(other)
        return Var(self.value * other.value, [(self, other.value), (other, self.value)])

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        other = Var.lift(other)
        q = self.value / other.value
        return Var(q, [(self, 1.0 / other.value), (other, -q / other.value)])

    def __rtruediv__(self, other):
        return Var.lift(other) / self

    def __neg__(self):
        return Var(-self.value, [(self, -1.0)])

    def __pow__(self, c):
        """self ** c for a constant number c."""
        return Var(self.value**c, [(self, c * self.value ** (c - 1))])

    def exp(self):
        e = math.exp(self.value)
        return Var(e, [(self, e)])

    def log(self):
        return Var(math.log(self.value), [(self, 1.0 / self.value)])

    def sin(self):
        return Var(math.sin(self.value), [(self, math.cos(self.value))])

    def cos(self):
        return Var(math.cos(self.value), [(self, -math.sin(self.value))])

    def tanh(self):
        t = math.tanh(self.value)
        return Var(t, [(self, 1.0 - t * t)])

    # the backward pass
    def backward(self):
        """Set node.grad = d(self)/d(node) for every node that self was computed from (self included).

        1. List the reachable nodes once each, every node after its parents (topological order).
        2. Set every listed node's grad to 0.0, then self.grad = 1.0.
        3. In reverse order, for each node and each (parent, local) in node.parents:
           parent.grad += local * node.grad.
        Returns None.
        """
        ### BEGIN SOLUTION
        order, seen = [], set()

        def visit(node):
            if id(node) in seen:
                return
            seen.add(id(node))
            for parent, _ in node.parents:
                visit(parent)
            order.append(node)  # after all of its parents

        visit(self)
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):  # every node after all of its children: its grad is complete
            for parent, local in node.parents:
                parent.grad += local * node.grad
        ### END SOLUTION


# %%
# Try it: the reverse-mode table of the notes at u = 1.5, computed by your Var.
nodes = notes_example(Var(1.5))
nodes["z"].backward()
for name, node in reversed(nodes.items()):
    print(f"{name} = {node.value:9.5f}    dz/d{name} = {node.grad:9.5f}")
print(f"closed form:   dz/du = {dz_du(1.5):9.5f}")

# %% nbgrader={"grade": true, "grade_id": "test_Var_backward", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""Check Var.backward on x * x, on the notes' example (v is used twice) and when it is called twice."""
diagnose("Var_backward", Var)
_x = Var(3.0)
_y = _x * _x
call(_y.backward, what="(x * x).backward()")
assert_close(_y.grad, 1.0, what="the output's own grad after backward()", hint="Start the sweep with self.grad = 1.0.")
assert_close(_x.grad, 6.0, what="d(x * x)/dx at x = 3",
             hint="x is a parent twice: add the contributions (+=) instead of overwriting.")
_nodes = notes_example(Var(1.5))
call(_nodes["z"].backward, what="z.backward() for the notes' example")
_zv = notes_example(1.5)["z"]
for _name, _expected in [("z", 1.0), ("y", _zv), ("w", _zv * math.log(2.25)), ("x", _zv * math.sin(2.25)),
                         ("u", dz_du(1.5))]:
    assert_close(_nodes[_name].grad, _expected, rtol=1e-10, what=f"{_name}.grad = dz/d{_name} in the notes' example",
                 hint="v feeds both w and x: its grad must hold both contributions before it is passed on to u.")
call(_nodes["z"].backward, what="a second z.backward()")
assert_close(_nodes["u"].grad, dz_du(1.5), rtol=1e-10, what="u.grad after calling z.backward() twice",
             hint="Set every grad to 0.0 before the sweep.")
### BEGIN HIDDEN TESTS
from coursekit.autodiff import Var as _RefVar


def _formula(p, q, r):
    a = p * q + sin(r)
    b = a * a - q / (1.0 + r * r)
    return exp(tanh(b) * 0.5) + log(1.0 + a * a) * cos(p) - (2.0 - b) ** 2 / 10.0 + 3.0 / (2.0 + sin(q))


_rng = np.random.default_rng(4104)
for _ in range(15):
    _p0 = _rng.uniform(-1.5, 1.5, 3)
    _mine, _ref = [Var(v) for v in _p0], [_RefVar(float(v)) for v in _p0]
    _out = _formula(*_mine)
    call(_out.backward, what="backward() of a formula of three inputs")
    _formula(*_ref).backward()
    for _k in range(3):
        _h = 1e-6
        _e = np.eye(3)[_k] * _h
        _fd = (_formula(*(_p0 + _e)) - _formula(*(_p0 - _e))) / (2 * _h)
        assert_close(_mine[_k].grad, _ref[_k].grad, rtol=1e-9, atol=1e-11,
                     what=f"d f/d input {_k} at {np.round(_p0, 3)} for a formula with shared subexpressions")
        assert abs(_mine[_k].grad - _fd) <= 1e-5 * (1 + abs(_fd))

# a ladder: every node is used twice, so there are 2^16 paths from the output back to x. A sweep in
# reverse topological order applies each recorded local derivative once; pushing gradients along
# every path applies them up to 2^16 times (exponential time), or double-counts.


class _Counted(float):
    """A local derivative that counts how often it is multiplied."""
    uses = 0

    def __mul__(self, other):
        _Counted.uses += 1
        return float(self) * other

    __rmul__ = __mul__


_x = Var(0.3)
_a = _x
for _ in range(16):
    _a = Var(_a.value * 0.95, [(_a, _Counted(0.9)), (_a, _Counted(0.05))])
_Counted.uses = 0
call(_a.backward, what="backward() of a 16-step ladder")
assert_close(_x.grad, 0.95**16, rtol=1e-10, what="the gradient through a ladder where every node is used twice")
assert _Counted.uses == 32, (
    f"backward() used the 32 local derivatives of a 16-step ladder {_Counted.uses} times: visit every node once, "
    "in reverse topological order, instead of following every path")
# a deep chain: d sin(sin(...sin(x)))/dx is the product of the cosines along the way
_x = Var(0.4)
_a, _expected, _t = _x, 1.0, 0.4
for _ in range(300):
    _expected *= math.cos(_t)
    _t = math.sin(_t)
    _a = sin(_a)
call(_a.backward, what="backward() of 300 nested sines")
assert_close(_x.grad, _expected, rtol=1e-10, what="d/dx of 300 nested sines")
# backward() from an intermediate node: only what that node depends on
_x, _z = Var(2.0), Var(5.0)
_y = _x * _x * 3.0
_w = _y * _z
call(_w.backward, what="w.backward()")
call(_y.backward, what="y.backward() after w.backward()")
assert_close(_y.grad, 1.0, what="y.grad after y.backward()")
assert_close(_x.grad, 12.0, what="dy/dx for y = 3 x^2 at x = 2 (after an earlier w.backward())",
             hint="Each call starts from zero gradients on every node it reaches.")
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Both tables side by side, and the closed form
#
# Here are the two tables of the notes at $u = 1.5$, computed by the library's `ad.Dual` (dots) and
# `ad.Var` (bars), next to the same quantities worked out by hand as formulas in $u$:
#
# * dots: $\dot v = 2u$, $\dot w = 2u\cos u^2$, $\dot x = 2/u$, $\dot y = 2u\cos(u^2)\log(u^2) + 2\sin(u^2)/u$, $\dot z = z\,\dot y$;
# * bars: $\bar y = z$, $\bar w = z\log u^2$, $\bar x = z\sin u^2$, $\bar v = z\,(\cos(u^2)\log(u^2) + \sin(u^2)/u^2)$, $\bar u = 2u\,\bar v$.

# %%
def table(u0):
    """Values, forward-mode dots and reverse-mode bars of the notes' example, by library and by hand."""
    dots = notes_example(ad.Dual(u0, 1.0))
    bars = notes_example(ad.Var(u0))
    bars["z"].backward()
    s, c, L = math.sin(u0**2), math.cos(u0**2), math.log(u0**2)
    z = math.exp(s * L)
    dot_by_hand = {"u": 1.0, "v": 2 * u0, "w": 2 * u0 * c, "x": 2 / u0, "y": 2 * u0 * c * L + 2 * s / u0}
    dot_by_hand["z"] = z * dot_by_hand["y"]
    bar_by_hand = {"z": 1.0, "y": z, "w": z * L, "x": z * s, "v": z * (c * L + s / u0**2)}
    bar_by_hand["u"] = 2 * u0 * bar_by_hand["v"]
    rows = [(name, dots[name].value, dots[name].deriv, dot_by_hand[name], bars[name].grad, bar_by_hand[name])
            for name in "uvwxyz"]
    return rows, dots, bars


rows, dots, bars = table(1.5)
print(f"{'node':>4} {'value':>9} | {'dot (Dual)':>11} {'by hand':>9} | {'bar (Var)':>10} {'by hand':>9}")
for name, value, dot, dot_hand, bar, bar_hand in rows:
    print(f"{name:>4} {value:9.5f} | {dot:11.5f} {dot_hand:9.5f} | {bar:10.5f} {bar_hand:9.5f}")
agree = all(math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-14) for r in rows for a, b in ((r[2], r[3]), (r[4], r[5])))
print("every dot and bar agrees with its formula to 1e-12:", agree)
print(f"z-dot = u-bar = closed form dz/du: {dots['z'].deriv:.10f} {bars['u'].grad:.10f} {dz_du(1.5):.10f}")

# %% [markdown]
# The two derivative columns are different numbers: a dot says how a node moves when $u$ moves, a bar
# says how $z$ moves when the node moves. They meet at the two ends, where both are $dz/du$. In
# between they are tied together by the chain rule through any *cut* of the graph, a set of nodes
# that every path from $u$ to $z$ crosses exactly once:
#
# $$\frac{dz}{du} = \sum_{\theta \in \text{cut}} \bar\theta\,\dot\theta .$$
#
# For the cut $\{w, x\}$ this is $\bar w\dot w + \bar x\dot x$; for $\{v\}$ it is $\bar v\dot v$.

# %%
for cut in (["u"], ["v"], ["w", "x"], ["y"], ["z"]):
    total = sum(bars[name].grad * dots[name].deriv for name in cut)
    print(f"cut {{{', '.join(cut)}}}: sum of bar * dot = {total:.10f}")

# %% [markdown]
# *A second correction to the notes.* They write that one backward sweep computes "all derivatives",
# including "the derivatives with respect to the input ($\dot\theta$)". It does not: the sweep
# produces the bars. Only at the input do the two coincide ($\bar u = \dot z$); the intermediate dots
# such as $\dot w = \partial w/\partial u$ never appear in a backward sweep, and they are not needed for
# training. What the sweep does give is $\partial z/\partial\theta$ for *every* node at once, which is
# the point of section 6.
#
# Across a range of $u$ the two modes trace the closed form; move the slider to see the tangent line
# whose slope forward mode computes, and the table at that point.

# %%
grid = np.linspace(0.2, 2.6, 400)
probe = np.linspace(0.25, 2.55, 17)
fig, (ax_z, ax_d) = plt.subplots(1, 2, figsize=(11, 4))
ax_z.plot(grid, [notes_example(u)["z"] for u in grid], "k-", lw=2, label="$z(u)$")
ax_z.set_title(r"$z = \exp(\sin(u^2)\log(u^2))$")
ax_z.set_xlabel("$u$")
ax_z.set_ylabel("$z$")
ax_z.legend()
ax_d.plot(grid, [dz_du(u) for u in grid], "k-", lw=2, label="closed form")
ax_d.plot(probe, [ad.grad_forward(lambda t: notes_example(t[0])["z"], [u])[0] for u in probe], "o", ms=8,
          mfc="none", mec="tab:blue", mew=1.6, label="forward mode (ad.grad_forward)")
ax_d.plot(probe, [ad.grad_reverse(lambda t: notes_example(t[0])["z"], [u])[0] for u in probe], "x", ms=7,
          color="tab:red", mew=1.6, label="reverse mode (ad.grad_reverse)")
ax_d.set_title("$dz/du$: both modes against the closed form")
ax_d.set_xlabel("$u$")
ax_d.set_ylabel("$dz/du$")
ax_d.legend()
fig.tight_layout()
plt.show()


# %% tags=["nbval-ignore-output"]
def show_point(u0=1.5):
    rows, dots, _ = table(u0)
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.plot(grid, [notes_example(u)["z"] for u in grid], "k-", lw=2, label="$z(u)$")
    z0, slope = dots["z"].value, dots["z"].deriv
    span = np.array([u0 - 0.25, u0 + 0.25])
    ax.plot(span, z0 + slope * (span - u0), "--", color="tab:blue", lw=2, label=f"tangent, slope $\\dot z$ = {slope:.3f}")
    ax.plot([u0], [z0], "o", color="tab:blue")
    ax.set_xlabel("$u$")
    ax.set_ylabel("$z$")
    ax.set_title(f"Forward mode at u = {u0:.2f}")
    ax.legend(loc="upper left")
    plt.show()
    print(f"{'node':>4} {'value':>9} {'dot':>10} {'bar':>10}")
    for name, value, dot, _, bar, _ in rows:
        print(f"{name:>4} {value:9.4f} {dot:10.4f} {bar:10.4f}")


widgets.interact(show_point, u0=widgets.FloatSlider(value=1.5, min=0.3, max=2.5, step=0.05, description="u"));

# %% [markdown]
# ## 5. Many inputs: gradients both ways
#
# A network's loss depends on many numbers. Take $f: \mathbb{R}^n \to \mathbb{R}$ with inputs
# $x_0, \dots, x_{n-1}$; we want the whole gradient $\nabla f = (\partial f/\partial x_0, \dots)$.
#
# * **Forward mode** differentiates with respect to one input per pass. Pass $i$ seeds $\dot x_i = 1$ and
#   $\dot x_j = 0$ for $j \neq i$; the output's dot is then $\partial f/\partial x_i$. The gradient takes
#   **$n$ passes**.
# * **Reverse mode** records one forward pass and runs one backward sweep from the output; afterwards
#   *every* input holds its $\partial f/\partial x_i$. The gradient takes **one pass of each kind**.
#
# The convention for this section (the same as the library's): `f` receives one tuple of $n$ scalars
# `(x[0], ..., x[n-1])`, uses `+ - * / **` and `sin, cos, exp, log, tanh` on them, and returns one scalar.
# For example `f = lambda x: x[0] * x[1] + sin(x[2])`.
#
# **Use the library's numbers here: `ad.Dual` in `grad_forward` and `ad.Var` in `grad_reverse`, not your
# classes from exercises 1 and 2.** This is what keeps grading fair: a slip in your `Dual` costs you the
# points of exercise 1 and nothing here, and the other way round. The tests check that `f` receives
# `ad.Dual` / `ad.Var` numbers. (`ad.Dual(value, deriv)` has `.value` and `.deriv` like yours;
# `ad.Var(value)` has `.value`, `.grad` and `.backward()`, and also works on arrays.)

# %% [markdown]
# ### Exercise 3: `grad_forward` (2 points)
#
# Write `grad_forward(f, x)`: the gradient by forward mode, one pass per input, each pass calling `f` once
# on a tuple of `ad.Dual` numbers. If `f` returns a plain number, it does not depend on its inputs and
# that entry of the gradient is 0.

# %% nbgrader={"grade": false, "grade_id": "grad_forward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def grad_forward(f, x):
    """Gradient of a scalar function of n scalars by forward mode: n passes, one per input.

    Pass i calls f once on (ad.Dual(x[0], 0.0), ..., ad.Dual(x[i], 1.0), ..., ad.Dual(x[n-1], 0.0));
    the derivative carried by the output is df/dx_i.

    Parameters
    ----------
    f : callable
        f(xs) with xs a tuple of n ad.Dual; returns one ad.Dual, or a plain number if it does not
        depend on xs.
    x : array_like, shape (n,)
        The point.

    Returns
    -------
    ndarray, shape (n,)
        The gradient, float64.
    """
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=float)
    n = x.shape[0]
    grad = np.zeros(n)
    for i in range(n):
        xs = tuple(ad.Dual(x[j], 1.0 if j == i else 0.0) for j in range(n))
        out = f(xs)
        grad[i] = out.deriv if isinstance(out, ad.Dual) else 0.0
    return grad
    ### END SOLUTION


# %%
# Try it: f(x) = x0 * x1 + sin(x2) has gradient (x1, x0, cos x2) = [-1, 2, 0.87758] at (2, -1, 0.5).
print(grad_forward(lambda x: x[0] * x[1] + sin(x[2]), [2.0, -1.0, 0.5]).round(5))

# %% nbgrader={"grade": true, "grade_id": "test_grad_forward", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check grad_forward on known gradients, and that it makes one pass per input with ad.Dual numbers."""
diagnose("grad_forward", grad_forward)
_g = call(grad_forward, lambda x: x[0] * x[1] + ad.sin(x[2]), np.array([2.0, -1.0, 0.5]),
          what="grad_forward(f, [2, -1, 0.5]) for f(x) = x0 x1 + sin(x2)")
assert_shape(_g, (3,), what="grad_forward(f, x) for x of shape (3,)")
assert_close(_g, [-1.0, 2.0, math.cos(0.5)], rtol=1e-12, what="grad_forward(f, [2, -1, 0.5]) for f(x) = x0 x1 + sin(x2)",
             hint="Pass i seeds input i with derivative 1 and all others with 0; entry i is the output's deriv.")
assert_close(call(grad_forward, lambda x: notes_example(x[0])["z"], [1.5], what="grad_forward(notes' z, [1.5])"),
             [dz_du(1.5)], rtol=1e-10, what="grad_forward of the notes' z at u = 1.5")
_seen = []


def _spy(x):
    _seen.append(tuple(type(t) for t in x))
    return x[0] * x[1]


call(grad_forward, _spy, [1.0, 2.0], what="grad_forward(f, [1, 2])")
assert len(_seen) == 2, f"forward mode makes one pass per input: f should run 2 times for 2 inputs, it ran {len(_seen)}"
assert all(t is ad.Dual for _types in _seen for t in _types), (
    f"grad_forward must hand f a tuple of ad.Dual numbers (coursekit.autodiff.Dual), got {_seen[0]}: "
    "see the note above exercise 3")
assert_close(call(grad_forward, lambda x: 3.0, [1.0, 2.0], what="grad_forward(constant f, [1, 2])"), [0.0, 0.0],
             what="the gradient of a constant function", hint="A plain number returned by f has derivative 0.")
### BEGIN HIDDEN TESTS
from coursekit.autodiff import grad_reverse as _ref_grad_reverse


def _chain(x):
    return sum((ad.sin(x[i]) * x[(i + 1) % len(x)] for i in range(len(x))), 0.0)


def _chain_grad(x):
    return np.cos(x) * np.roll(x, -1) + np.sin(np.roll(x, 1))


_rng = np.random.default_rng(4204)
for _n in (1, 2, 7, 40):
    _p0 = _rng.uniform(-2.0, 2.0, _n)
    _saved = _p0.copy()
    _seen.clear()
    _g = call(grad_forward, lambda x: (_seen.append(1), _chain(x))[1], _p0, what=f"grad_forward for n = {_n}")
    assert_shape(_g, (_n,), what=f"grad_forward for n = {_n}")
    assert_close(_g, _chain_grad(_p0), rtol=1e-10, atol=1e-12, what=f"the gradient of sum sin(x_i) x_(i+1), n = {_n}")
    assert len(_seen) == _n, f"grad_forward should call f once per input ({_n}), it called it {len(_seen)} times"
    assert np.array_equal(_p0, _saved), "grad_forward must not modify x"
    assert _g.dtype == np.float64, f"grad_forward should return float64, got {_g.dtype}"


def _mixed(x):
    return ad.exp(x[0] * x[1]) / (1.0 + x[2] ** 2) - ad.log(1.0 + x[3] ** 2) * ad.tanh(x[1]) + 2.0 / (3.0 + ad.cos(x[0]))


for _ in range(5):
    _p0 = _rng.uniform(-1.0, 1.0, 4)
    assert_close(call(grad_forward, _mixed, _p0, what="grad_forward"), _ref_grad_reverse(_mixed, _p0), rtol=1e-10,
                 atol=1e-12, what=f"grad_forward of a mixed formula at {np.round(_p0, 3)}")
assert_close(call(grad_forward, lambda x: x[0] * x[1] - x[1], [3, 4], what="grad_forward at integers"), [4.0, 2.0],
             what="grad_forward at the integer point [3, 4] given as a list")
assert_close(call(grad_forward, lambda x: x[1] * 2.0 + 1.0, [5.0, 6.0], what="grad_forward"), [0.0, 2.0],
             what="grad_forward of a function that ignores x0")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4: `grad_reverse` (2 points)
#
# Write `grad_reverse(f, x)`: the gradient by reverse mode. Make one `ad.Var` per input, call `f` **once**
# on the tuple of them (this records the graph), run `backward()` on the output, and read every input's
# `.grad`. If `f` returns a plain number, the gradient is 0.

# %% nbgrader={"grade": false, "grade_id": "grad_reverse", "locked": false, "schema_version": 3, "solution": true, "task": false}
def grad_reverse(f, x):
    """Gradient of a scalar function of n scalars by reverse mode: one recorded forward pass, one backward sweep.

    Parameters
    ----------
    f : callable
        f(xs) with xs a tuple of n ad.Var; returns one scalar ad.Var, or a plain number if it does not
        depend on xs.
    x : array_like, shape (n,)
        The point.

    Returns
    -------
    ndarray, shape (n,)
        The gradient, float64.
    """
    ### BEGIN SOLUTION
    xs = tuple(ad.Var(float(v)) for v in np.asarray(x, dtype=float))
    out = f(xs)
    if isinstance(out, ad.Var):
        out.backward()
    return np.array([v.grad for v in xs], dtype=float)
    ### END SOLUTION


# %%
# Try it: the same function as above; the answer should again be [-1, 2, 0.87758].
print(grad_reverse(lambda x: x[0] * x[1] + sin(x[2]), [2.0, -1.0, 0.5]).round(5))

# %% nbgrader={"grade": true, "grade_id": "test_grad_reverse", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check grad_reverse on known gradients, and that it calls f once, with ad.Var numbers."""
diagnose("grad_reverse", grad_reverse)
_g = call(grad_reverse, lambda x: x[0] * x[1] + ad.sin(x[2]), np.array([2.0, -1.0, 0.5]),
          what="grad_reverse(f, [2, -1, 0.5]) for f(x) = x0 x1 + sin(x2)")
assert_shape(_g, (3,), what="grad_reverse(f, x) for x of shape (3,)")
assert_close(_g, [-1.0, 2.0, math.cos(0.5)], rtol=1e-12, what="grad_reverse(f, [2, -1, 0.5]) for f(x) = x0 x1 + sin(x2)",
             hint="Call backward() on f's output, then read .grad of every input Var.")
assert_close(call(grad_reverse, lambda x: notes_example(x[0])["z"], [1.5], what="grad_reverse(notes' z, [1.5])"),
             [dz_du(1.5)], rtol=1e-10, what="grad_reverse of the notes' z at u = 1.5")
_seen = []


def _spy(x):
    _seen.append(tuple(type(t) for t in x))
    return x[0] * x[1]


assert_close(call(grad_reverse, _spy, [1.0, 2.0], what="grad_reverse(f, [1, 2])"), [2.0, 1.0],
             what="grad_reverse of x0 x1 at (1, 2)")
assert len(_seen) == 1, f"reverse mode records one forward pass: f should run once, it ran {len(_seen)} times"
assert all(t is ad.Var for t in _seen[0]), (
    f"grad_reverse must hand f a tuple of ad.Var nodes (coursekit.autodiff.Var), got {_seen[0]}: "
    "see the note above exercise 3")
assert_close(call(grad_reverse, lambda x: 3.0, [1.0, 2.0], what="grad_reverse(constant f, [1, 2])"), [0.0, 0.0],
             what="the gradient of a constant function")
### BEGIN HIDDEN TESTS
from coursekit.autodiff import grad_forward as _ref_grad_forward


def _chain(x):
    return sum((ad.sin(x[i]) * x[(i + 1) % len(x)] for i in range(len(x))), 0.0)


def _chain_grad(x):
    return np.cos(x) * np.roll(x, -1) + np.sin(np.roll(x, 1))


_rng = np.random.default_rng(4304)
for _n in (1, 3, 8, 500):
    _p0 = _rng.uniform(-2.0, 2.0, _n)
    _saved = _p0.copy()
    _seen.clear()
    _g = call(grad_reverse, lambda x: (_seen.append(1), _chain(x))[1], _p0, what=f"grad_reverse for n = {_n}")
    assert_shape(_g, (_n,), what=f"grad_reverse for n = {_n}")
    assert_close(_g, _chain_grad(_p0), rtol=1e-10, atol=1e-12, what=f"the gradient of sum sin(x_i) x_(i+1), n = {_n}")
    assert len(_seen) == 1, f"grad_reverse should call f exactly once, it called it {len(_seen)} times"
    assert np.array_equal(_p0, _saved), "grad_reverse must not modify x"
    assert _g.dtype == np.float64, f"grad_reverse should return float64, got {_g.dtype}"


def _mixed(x):
    return ad.exp(x[0] * x[1]) / (1.0 + x[2] ** 2) - ad.log(1.0 + x[3] ** 2) * ad.tanh(x[1]) + 2.0 / (3.0 + ad.cos(x[0]))


for _ in range(5):
    _p0 = _rng.uniform(-1.0, 1.0, 4)
    assert_close(call(grad_reverse, _mixed, _p0, what="grad_reverse"), _ref_grad_forward(_mixed, _p0), rtol=1e-10,
                 atol=1e-12, what=f"grad_reverse of a mixed formula at {np.round(_p0, 3)}")
assert_close(call(grad_reverse, lambda x: x[0] * x[1] - x[1], [3, 4], what="grad_reverse at integers"), [4.0, 2.0],
             what="grad_reverse at the integer point [3, 4] given as a list")
assert_close(call(grad_reverse, lambda x: x[1] * 2.0 + 1.0, [5.0, 6.0], what="grad_reverse"), [0.0, 2.0],
             what="grad_reverse of a function that ignores x0")
### END HIDDEN TESTS

# %% [markdown]
# ### The notes' neuron, forward then backward
#
# Notes 002 illustrate back-propagation on one neuron with a squared error, $E = (\hat y - y)^2$ for one example:
#
# $$u^{(1)} = \mathbf w^\top \mathbf x, \qquad u^{(2)} = u^{(1)} + b, \qquad \hat y = \sigma(u^{(2)}), \qquad E = (\hat y - y)^2 .$$
#
# Going backwards through the same graph, each node multiplies the gradient arriving from its child by its own
# local derivative: $\bar{\hat y} = 2(\hat y - y)$, then $\bar u^{(2)} = \bar{\hat y}\,\sigma'(u^{(2)})$ with
# $\sigma' = \sigma(1 - \sigma)$, then $\bar b = \bar u^{(1)} = \bar u^{(2)}$ (an addition passes the gradient on
# unchanged), and finally $\bar{\mathbf w} = \bar u^{(1)}\,\mathbf x$. Reverse mode does exactly these steps; the
# cell below writes them out by hand and compares them with `ad.grad_reverse` over the four parameters
# $(w_1, w_2, w_3, b)$. (The notes call $E$ an MSE; for one example it is simply the squared error.)

# %%
x_n, y_n = np.array([1.0, -2.0, 0.5]), 1.0
w_n, b_n = np.array([0.3, 0.1, -0.4]), 0.2
# forward pass, node by node
u1 = w_n @ x_n
u2 = u1 + b_n
y_hat = 1.0 / (1.0 + math.exp(-u2))
E = (y_hat - y_n) ** 2
print(f"forward:  u1 = {u1:.4f}, u2 = {u2:.4f}, y_hat = {y_hat:.6f}, E = {E:.6f}")
# backward pass, node by node, from the output to the parameters
dy_hat = 2.0 * (y_hat - y_n)
du2 = dy_hat * y_hat * (1.0 - y_hat)
du1, db = du2, du2
dw = du1 * x_n
print(f"by hand:  dE/dw = {np.round(dw, 6)}, dE/db = {db:.6f}")


def neuron_error(p):
    """E as a function of (w1, w2, w3, b), written with ad's operations so that reverse mode can trace it."""
    u = p[0] * x_n[0] + p[1] * x_n[1] + p[2] * x_n[2] + p[3]
    return (1.0 / (1.0 + ad.exp(-u)) - y_n) ** 2


g_n = ad.grad_reverse(neuron_error, np.append(w_n, b_n))
print(f"reverse:  dE/dw = {np.round(g_n[:3], 6)}, dE/db = {g_n[3]:.6f}")
assert np.allclose(g_n, np.append(dw, db), rtol=1e-12, atol=1e-15)

# %% [markdown]
# ## 6. What each mode costs
#
# ### 6.1 Many inputs, one output: $f: \mathbb{R}^n \to \mathbb{R}$
#
# Take $f(x) = \sum_{i} \sin(x_i)\, x_{i+1}$ (indices modulo $n$): about $3n$ elementary operations.
# One forward-mode pass costs a small multiple of one evaluation of $f$, and the gradient needs $n$ of
# them, so **forward mode costs about $n$ evaluations**. Reverse mode records one pass and sweeps back
# once, visiting every recorded operation once: **a constant number of evaluations, whatever $n$**.
#
# How we measure (timings are noisy and depend on the machine, so we plot them and never print them):
#
# * each time is CPU time (`time.process_time`), the best of a few repeats, with the garbage collector
#   paused as `timeit` does; each is divided by the time of one plain evaluation of $f$ on floats;
# * the implementations are the library's `ad.grad_forward` and `ad.grad_reverse` (they work like yours);
# * the full forward-mode gradient is timed up to a moderate $n$. Beyond, running it would take seconds,
#   so we time **one** forward pass (`ad.jvp` with the seed $e_0$) and multiply by $n$: `grad_forward` is
#   exactly $n$ such passes. Where both are measured the two curves agree, except at very small $n$,
#   where each `ad.jvp` call pays a fixed price for checking its arguments that `grad_forward` pays once.
#
# The counts behind the times are exact and printed below the plot: the number of calls of $f$ and the
# number of nodes that reverse mode records.

# %%
def cyclic_chain(x):
    """f(x) = sum_i sin(x_i) x_(i+1), indices modulo n: about 3n operations and one output."""
    n = len(x)
    s = 0.0
    for i in range(n):
        s = s + sin(x[i]) * x[(i + 1) % n]
    return s


def cpu_time(fn, repeats=3, min_total=2e-3):
    """CPU seconds of one call of fn(): best of `repeats` rounds, each round calling fn() for >= min_total s."""
    gc.disable()  # as timeit does: a collection would be charged to whichever call triggers it
    try:
        best = math.inf
        for _ in range(repeats):
            calls, start = 0, time.process_time()
            while True:
                fn()
                calls += 1
                spent = time.process_time() - start
                if spent >= min_total:
                    break
            best = min(best, spent / calls)
        return best
    finally:
        gc.enable()


REPEATS = 1 if GRADING else 3
sizes = [1, 10, 100, 1000] if GRADING else [1, 3, 10, 30, 100, 300, 1000]
FULL_FORWARD_UP_TO = 30 if GRADING else 100  # beyond: n x (one forward pass)

# %% tags=["nbval-ignore-output"]
ratio = {"reverse": {}, "forward": {}, "forward, n x one pass": {}}
for n in progress(sizes, desc="f: R^n -> R"):
    point = np.linspace(-1.0, 1.0, n)
    floats = tuple(point.tolist())
    seed = np.zeros(n)
    seed[0] = 1.0
    t_eval = cpu_time(partial(cyclic_chain, floats), REPEATS)
    ratio["reverse"][n] = cpu_time(partial(ad.grad_reverse, cyclic_chain, point), REPEATS) / t_eval
    ratio["forward, n x one pass"][n] = n * cpu_time(partial(ad.jvp, cyclic_chain, point, seed), REPEATS) / t_eval
    if n <= FULL_FORWARD_UP_TO:
        ratio["forward"][n] = cpu_time(partial(ad.grad_forward, cyclic_chain, point), min(REPEATS, 2)) / t_eval

fig, ax = plt.subplots(figsize=(7.5, 4.6))
styles = {"forward": ("o-", "forward mode, measured"),
          "forward, n x one pass": ("s--", "forward mode, n x one measured pass"),
          "reverse": ("^-", "reverse mode, measured")}
for key, (style, label) in styles.items():
    ns = list(ratio[key])
    ax.loglog(ns, [ratio[key][n] for n in ns], style, mfc="none", ms=7, lw=1.8, label=label)
top = ratio["forward, n x one pass"][sizes[-1]]
ax.loglog(sizes, [top * n / sizes[-1] for n in sizes], ":", color="0.5", label="proportional to $n$")
ax.set_xlabel("number of inputs $n$")
ax.set_ylabel("time of the gradient / time of one evaluation of $f$")
ax.set_title(r"Cost of $\nabla f$ for $f: \mathbb{R}^n \to \mathbb{R}$")
ax.legend()
plt.show()
print(f"at n = {sizes[-1]}: reverse mode costs {ratio['reverse'][sizes[-1]]:.0f} evaluations of f, "
      f"forward mode about {ratio['forward, n x one pass'][sizes[-1]]:.0f}")

# %%
def counting(f):
    """f, wrapped so that wrapped.calls counts how often it runs."""
    def wrapped(x):
        wrapped.calls += 1
        return f(x)

    wrapped.calls = 0
    return wrapped


# The same story in exact counts, which do not depend on the machine.
for n in (1, 10, 100):
    f_forward, f_reverse = counting(cyclic_chain), counting(cyclic_chain)
    ad.grad_forward(f_forward, np.zeros(n))
    ad.grad_reverse(f_reverse, np.zeros(n))
    graph = ad.topological_order(cyclic_chain(tuple(ad.Var(0.0) for _ in range(n))))
    print(f"n = {n:3d}: forward mode runs f {f_forward.calls:3d} times; reverse mode runs it "
          f"{f_reverse.calls} time and records {len(graph):3d} nodes (n inputs, 3 operations per term)")

# %% [markdown]
# The reverse-mode curve is flat: the price of the whole gradient does not depend on $n$. Its level, a
# few tens of evaluations here, says more about Python than about reverse mode. Counted in arithmetic,
# the sweep does one multiply-add per recorded edge, a small multiple of the work of the evaluation
# (the "cheap gradient principle": a gradient costs at most a few function evaluations). But every
# node of our graph is a Python object holding small functions, and creating one takes far longer than
# one multiplication of two floats. Libraries such as PyTorch or JAX record one node per *array*
# operation, so that overhead is shared by thousands of numbers and the measured ratio comes close to
# the operation count. Forward mode's curve climbs along the line $\propto n$: at a million weights it
# would cost a million passes.

# %% [markdown]
# ### 6.2 One input, many outputs: $g: \mathbb{R} \to \mathbb{R}^m$
#
# Now the opposite shape. A parameter $t$ drives a trajectory $h_0 = t$,
# $h_k = h_{k-1} + 0.1\,\sin(t\,h_{k-1})$, and we want the sensitivity $dh_k/dt$ of every state
# $h_1, \dots, h_m$: a Jacobian with $m$ rows and one column. Forward mode seeds $\dot t = 1$ and gets all
# $m$ derivatives in **one pass**. Reverse mode needs **one backward sweep per output**, since each sweep
# serves one output; sweep $k$ walks back through the $k$ steps that $h_k$ depends on. The library's
# `ad.jacobian_forward` (one pass per input) and `ad.jacobian_reverse` (one sweep per output) do exactly that.

# %%
def trajectory(t, m):
    """States h_1..h_m of h_k = h_(k-1) + 0.1 sin(t h_(k-1)), h_0 = t, for the input tuple t = (t,)."""
    t = t[0]
    h, states = t, []
    for _ in range(m):
        h = h + 0.1 * sin(t * h)
        states.append(h)
    return states


J_forward = ad.jacobian_forward(partial(trajectory, m=50), [0.8])
J_reverse = ad.jacobian_reverse(partial(trajectory, m=50), [0.8])
print("Jacobian shape:", J_forward.shape, " both modes agree:", np.allclose(J_forward, J_reverse, rtol=1e-12))
print("dh_k/dt for k = 1, 10, 50:", J_forward[[0, 9, 49], 0].round(5))

# %% tags=["nbval-ignore-output"]
outputs = [1, 10, 30] if GRADING else [1, 3, 10, 30, 100]
ratio_m = {"forward": {}, "reverse": {}}
for m in progress(outputs, desc="g: R -> R^m"):
    g = partial(trajectory, m=m)
    t_eval = cpu_time(partial(g, (0.8,)), REPEATS)
    ratio_m["forward"][m] = cpu_time(partial(ad.jacobian_forward, g, [0.8]), REPEATS) / t_eval
    ratio_m["reverse"][m] = cpu_time(partial(ad.jacobian_reverse, g, [0.8]), min(REPEATS, 2)) / t_eval

fig, ax = plt.subplots(figsize=(7.5, 4.6))
ax.loglog(outputs, [ratio_m["forward"][m] for m in outputs], "o-", mfc="none", ms=7, lw=1.8,
          label="forward mode: one pass")
ax.loglog(outputs, [ratio_m["reverse"][m] for m in outputs], "^-", mfc="none", ms=7, lw=1.8,
          label="reverse mode: one sweep per output")
top = ratio_m["reverse"][outputs[-1]]
ax.loglog(outputs, [top * m / outputs[-1] for m in outputs], ":", color="0.5", label="proportional to $m$")
ax.set_xlabel("number of outputs $m$")
ax.set_ylabel("time of the Jacobian / time of one evaluation of $g$")
ax.set_title(r"Cost of the Jacobian of $g: \mathbb{R} \to \mathbb{R}^m$")
ax.legend()
plt.show()

# %% [markdown]
# The roles have swapped: forward mode stays at a constant multiple of one evaluation, reverse mode grows
# with $m$. In general, a Jacobian of shape $m \times n$ costs about $n$ forward passes or $m$ backward
# sweeps; pick the mode whose count is smaller. A loss is the extreme case $m = 1$.
#
# ### 6.3 Memory: reverse mode keeps the graph
#
# Forward mode can forget every value as soon as its children have used it. Reverse mode must keep every
# node, with its value and local derivatives, until the backward sweep has passed it. Below, the final
# state $h_L$ of the trajectory is differentiated with respect to $t$ (one input, one output, so both modes
# need one pass) and the peak memory allocated during the computation is measured with `tracemalloc`.

# %%
def final_state(t, steps):
    """h_L of the trajectory above, keeping only the current state (L = steps)."""
    t = t[0]
    h = t
    for _ in range(steps):
        h = h + 0.1 * sin(t * h)
    return h


def peak_bytes(fn):
    """Peak memory allocated by Python while fn() runs."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


for steps in (10, 1000):
    graph = ad.topological_order(final_state((ad.Var(0.8),), steps))
    print(f"L = {steps:4d} steps: reverse mode keeps {len(graph)} nodes until the sweep ends")

# %% tags=["nbval-ignore-output"]
lengths = [10, 100, 300] if GRADING else [10, 30, 100, 300, 1000]
memory = {"forward": [], "reverse": []}
for steps in progress(lengths, desc="memory"):
    memory["forward"].append(peak_bytes(partial(ad.grad_forward, partial(final_state, steps=steps), [0.8])))
    memory["reverse"].append(peak_bytes(partial(ad.grad_reverse, partial(final_state, steps=steps), [0.8])))

fig, ax = plt.subplots(figsize=(7.5, 4.6))
ax.loglog(lengths, np.array(memory["forward"]) / 1024, "o-", mfc="none", ms=7, lw=1.8, label="forward mode")
ax.loglog(lengths, np.array(memory["reverse"]) / 1024, "^-", mfc="none", ms=7, lw=1.8, label="reverse mode")
ax.set_xlabel("number of steps $L$ (about 4 operations each)")
ax.set_ylabel("peak memory allocated (KiB)")
ax.set_title(r"Memory of one derivative $dh_L/dt$")
ax.legend()
plt.show()

# %% [markdown]
# Forward mode's memory does not grow with the length of the computation; reverse mode's grows in
# proportion to it. For a network this is the memory for the activations of every layer of a
# mini-batch, kept from the forward pass for the backward pass. It is usually affordable; when it is
# not, frameworks recompute parts of the forward pass during the sweep instead of storing them
# (checkpointing), trading time for memory.

# %% [markdown]
# ## 7. Questions
#
# **Question (2 points).** Why is reverse mode (back-propagation) the method of choice for training
# neural networks? Argue with the cost of one gradient of the loss with respect to $P$ parameters in each
# mode, estimate what forward mode would cost for a network with a million weights, and name the price
# reverse mode pays.

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_why_backprop", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# *Model answer.* Training needs the gradient of one scalar, the loss, with respect to all $P$ weights:
# a function $\mathbb{R}^P \to \mathbb{R}$. Reverse mode gets the whole gradient from one forward pass (which
# records the graph) and one backward sweep, which visits every operation once, so its cost is a small
# constant times one evaluation of the loss, independent of $P$ (section 6.1: flat curve). Forward mode
# gives the derivative with respect to one weight per pass, so it needs $P$ passes: for $P = 10^6$ about a
# million forward passes per gradient step instead of roughly two or three, which makes training
# infeasible. In matrix form the backward sweep is matrix products of the same sizes as the forward
# pass ($\bar A = \bar C B^T$, $\bar B = A^T\bar C$), so it runs just as efficiently on the hardware.
# The price is memory: every intermediate value (the activations of all layers for the mini-batch) must be
# stored until the backward sweep uses it, and the sweep can only start after the forward pass has ended.
# Grading: 1 point for the $P$ passes versus one sweep argument with the estimate, 1 point for the memory price.

# %% [markdown]
# **Question (2 points).** When is forward mode the better choice? Give two situations and explain each with
# the cost or memory argument of section 6.

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_when_forward", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# *Model answer.* (1) Few inputs and many outputs. A Jacobian $m \times n$ costs $n$ forward passes or $m$ backward
# sweeps; when $n \ll m$ forward mode is cheaper. Examples: the sensitivity of a whole simulated
# trajectory, or of every output of a network, to one parameter or hyperparameter (section 6.2); any
# directional derivative or Jacobian-vector product $J v$, which one forward pass gives for any number of
# outputs. (2) When memory is short or the computation is very long or streamed: forward mode stores no
# graph, its extra memory is one derivative per live value, and it produces derivatives alongside the values
# in the same pass (section 6.3), so it suits long loops, online computation and simple implementations
# (dual numbers need no graph and no second pass). Other accepted answers: Hessian-vector products computed
# as forward mode applied to a reverse-mode gradient; checking a reverse-mode implementation with a few
# forward passes. Grading: 1 point per situation with its justification.

# %% [markdown]
# ## Summary
#
# * Automatic differentiation applies the chain rule to a program's elementary steps, drawn as a DAG whose
#   edges carry local derivatives. A node used twice contributes once per use.
# * Forward mode carries $\dot\theta = \partial\theta/\partial u$ with every value; dual numbers implement it
#   by overloading arithmetic. One pass per input, no stored graph.
# * Reverse mode records the graph in a forward pass and sweeps back once, in reverse topological order,
#   accumulating $\bar\theta = \partial z/\partial\theta$. One sweep per output, and the graph must be kept.
# * Dots and bars are different quantities; they agree at the ends ($\dot z = \bar u = dz/du$) and are tied by
#   $\sum_{\theta \in \text{cut}} \bar\theta\,\dot\theta = dz/du$ for any cut of the graph.
# * For $f: \mathbb{R}^n \to \mathbb{R}$ the gradient costs about $n$ evaluations by forward mode and a
#   constant number by reverse mode; for $g: \mathbb{R} \to \mathbb{R}^m$ it is the other way round. A loss has one
#   output and millions of inputs, hence back-propagation.
# * Corrections to the notes: the reverse sweep waits for the whole forward pass (the values of $y$ and $z$
#   exist; their bars do not), and a backward sweep yields the bars only, not the forward-mode dots.
