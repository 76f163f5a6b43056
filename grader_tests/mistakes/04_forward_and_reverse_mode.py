"""Classic student mistakes for notebook 04 (forward and reverse mode).

Each entry maps an exercise name to ``(description, replacement source of the solution cell[, key])``.
The grading harness substitutes the source for the solution cell and checks that exactly the
exercise's own test cell fails, naming the misconception ``key`` of ``coursekit.misconceptions``.

The solution cells of ``Dual`` and ``Var`` are whole classes. Their mistakes are made from the
solution cell itself (read from the notebook source, solution markers dropped) by replacing one
line, so each entry below shows exactly what the student got wrong and stays in step with the
notebook. ``grad_forward`` and ``grad_reverse`` are short and written out in full.

The mistakes also prove that grading is independent across exercises: a wrong ``Dual`` must not
fail ``test_grad_forward`` (which runs on ``ad.Dual``), a wrong ``Var`` must not fail
``test_grad_reverse`` (which runs on ``ad.Var``), and a ``grad_forward`` built on the notebook's own
``Dual`` is rejected by its test even when that ``Dual`` is right.
"""

from __future__ import annotations

import re
from pathlib import Path

_SOURCE = (
    Path(__file__).resolve().parents[2] / "solutions" / "04_forward_and_reverse_mode" / "04_forward_and_reverse_mode.py"
)
_MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")


def _solution_cell(grade_id: str) -> str:
    """The source of the solution cell ``grade_id`` in the notebook's jupytext source, without markers."""
    text = _SOURCE.read_text(encoding="utf-8")
    header = re.search(rf'^# %% nbgrader=\{{[^\n]*"grade_id": "{re.escape(grade_id)}"[^\n]*$', text, re.M)
    if header is None:
        raise LookupError(f"{_SOURCE.name}: no cell with grade_id {grade_id!r}")
    end = text.find("\n# %%", header.end())
    body = text[header.end() + 1 : end if end >= 0 else len(text)]
    return "\n".join(line for line in body.splitlines() if not _MARKER.match(line)).strip() + "\n"


def _variant(grade_id: str, old: str, new: str) -> str:
    """The solution cell ``grade_id`` with the one occurrence of ``old`` replaced by ``new``."""
    source = _solution_cell(grade_id)
    if source.count(old) != 1:
        raise LookupError(f"mistake for {grade_id!r}: {old!r} occurs {source.count(old)} times in the solution cell")
    return source.replace(old, new)


MISTAKES: dict[str, list[tuple[str, ...]]] = {
    "Dual": [
        (
            "product rule replaced by the product of the derivatives: (ab)' = a'b'",
            _variant(
                "Dual",
                "return Dual(self.value * other.value, self.deriv * other.value + self.value * other.deriv)",
                "return Dual(self.value * other.value, self.deriv * other.deriv)",
            ),
            "product",
        ),
        (
            "__rsub__ computes self - other instead of other - self",
            _variant(
                "Dual",
                "return Dual(other.value - self.value, other.deriv - self.deriv)",
                "return Dual(self.value - other.value, self.deriv - other.deriv)",
            ),
            "rsub",
        ),
        (
            "quotient rule with a plus sign: (a'b + ab')/b^2",
            _variant(
                "Dual",
                "return Dual(q, (self.deriv - q * other.deriv) / other.value)",
                "return Dual(q, (self.deriv + q * other.deriv) / other.value)",
            ),
            "quotient",
        ),
        (
            "power rule without the chain factor a': c a^(c-1)",
            _variant(
                "Dual",
                "return Dual(self.value**c, c * self.value ** (c - 1) * self.deriv)",
                "return Dual(self.value**c, c * self.value ** (c - 1))",
            ),
            "power_chain",
        ),
        (
            "sin without the chain factor a' (correct only when the seed is 1)",
            _variant(
                "Dual",
                "return Dual(math.sin(self.value), math.cos(self.value) * self.deriv)",
                "return Dual(math.sin(self.value), math.cos(self.value))",
            ),
            "sin_chain",
        ),
        (
            "cos with the wrong sign: (cos a)' = sin(a) a'",
            _variant(
                "Dual",
                "return Dual(math.cos(self.value), -math.sin(self.value) * self.deriv)",
                "return Dual(math.cos(self.value), math.sin(self.value) * self.deriv)",
            ),
            "cos_sign",
        ),
        (
            "__add__ updates self in place instead of returning a new Dual",
            _variant(
                "Dual",
                "return Dual(self.value + other.value, self.deriv + other.deriv)",
                "self.value += other.value\n        self.deriv += other.deriv\n        return self",
            ),
            "add_in_place",
        ),
    ],
    "Var_backward": [
        (
            "overwrites parent.grad instead of accumulating: a node used twice keeps one contribution",
            _variant(
                "Var_backward",
                "                parent.grad += local * node.grad\n",
                "                parent.grad = local * node.grad\n",
            ),
            "overwrites",
        ),
        (
            "walks the topological order forwards (inputs first) instead of backwards",
            _variant(
                "Var_backward",
                "for node in reversed(order):  # every node after all of its children: its grad is complete",
                "for node in order:",
            ),
            "forwards",
        ),
        (
            "does not reset the gradients: a second backward() doubles them",
            _variant("Var_backward", "            node.grad = 0.0\n", "            pass\n"),
            "no_reset",
        ),
        (
            "no topological order: pushes each node's gradient on as soon as it is reached (double counts shared nodes)",
            _variant(
                "Var_backward",
                "        visit(self)\n",
                "        visit(self)\n"
                "        for node in order:\n"
                "            node.grad = 0.0\n"
                "        self.grad = 1.0\n"
                "        stack = [self]\n"
                "        while stack:\n"
                "            node = stack.pop()\n"
                "            for parent, local in node.parents:\n"
                "                parent.grad += local * node.grad\n"
                "                stack.append(parent)\n"
                "        return\n",
            ),
            "no_order",
        ),
        # Not diagnosed: its numbers are right; only its time (exponential in the number of shared
        # nodes) is wrong, which the test cell measures and a quick probe cannot.
        (
            "follows every path recursively: right numbers, but exponential time on shared nodes",
            _variant(
                "Var_backward",
                "        visit(self)\n",
                "        def reset(node):\n"
                "            node.grad = 0.0\n"
                "            for parent, _ in node.parents:\n"
                "                reset(parent)\n"
                "\n"
                "        def push(node, g):\n"
                "            node.grad += g\n"
                "            for parent, local in node.parents:\n"
                "                push(parent, local * g)\n"
                "\n"
                "        reset(self)\n"
                "        push(self, 1.0)\n"
                "        return\n",
            ),
        ),
    ],
    "grad_forward": [
        (
            "seeds every input with derivative 1 in each pass (a directional derivative, not a partial one)",
            """def grad_forward(f, x):
    x = np.asarray(x, dtype=float)
    n = x.shape[0]
    grad = np.zeros(n)
    for i in range(n):
        out = f(tuple(ad.Dual(x[j], 1.0) for j in range(n)))
        grad[i] = out.deriv if isinstance(out, ad.Dual) else 0.0
    return grad
""",
            "all_seeds",
        ),
        (
            "returns the value of f instead of its derivative",
            """def grad_forward(f, x):
    x = np.asarray(x, dtype=float)
    n = x.shape[0]
    grad = np.zeros(n)
    for i in range(n):
        out = f(tuple(ad.Dual(x[j], 1.0 if j == i else 0.0) for j in range(n)))
        grad[i] = out.value if isinstance(out, ad.Dual) else 0.0
    return grad
""",
            "value",
        ),
        (
            "uses the notebook's own Dual instead of ad.Dual (grading would then depend on exercise 1)",
            """def grad_forward(f, x):
    x = np.asarray(x, dtype=float)
    n = x.shape[0]
    grad = np.zeros(n)
    for i in range(n):
        out = f(tuple(Dual(x[j], 1.0 if j == i else 0.0) for j in range(n)))
        grad[i] = out.deriv if isinstance(out, Dual) else 0.0
    return grad
""",
            "own_dual",
        ),
        (
            "crashes when f returns a plain number (a constant function)",
            """def grad_forward(f, x):
    x = np.asarray(x, dtype=float)
    n = x.shape[0]
    grad = np.zeros(n)
    for i in range(n):
        grad[i] = f(tuple(ad.Dual(x[j], 1.0 if j == i else 0.0) for j in range(n))).deriv
    return grad
""",
            "constant_crash",
        ),
    ],
    "grad_reverse": [
        (
            "forgets to call backward(): every gradient stays 0",
            """def grad_reverse(f, x):
    xs = tuple(ad.Var(float(v)) for v in np.asarray(x, dtype=float))
    f(xs)
    return np.array([v.grad for v in xs], dtype=float)
""",
            "no_backward",
        ),
        (
            "one backward sweep per input, each on a fresh graph (right numbers, forward mode's cost)",
            """def grad_reverse(f, x):
    x = np.asarray(x, dtype=float)
    grad = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        xs = tuple(ad.Var(float(v)) for v in x)
        out = f(xs)
        if isinstance(out, ad.Var):
            out.backward()
        grad[i] = xs[i].grad
    return grad
""",
            "per_input",
        ),
        (
            "reads the output's grad (always 1) instead of the inputs' grads",
            """def grad_reverse(f, x):
    xs = tuple(ad.Var(float(v)) for v in np.asarray(x, dtype=float))
    out = f(xs)
    if isinstance(out, ad.Var):
        out.backward()
        return np.full(len(xs), float(out.grad))
    return np.zeros(len(xs))
""",
            "output_grad",
        ),
        (
            "builds the graph with the notebook's own Var instead of ad.Var",
            """def grad_reverse(f, x):
    xs = tuple(Var(float(v)) for v in np.asarray(x, dtype=float))
    out = f(xs)
    if isinstance(out, Var):
        out.backward()
    return np.array([v.grad for v in xs], dtype=float)
""",
            "own_var",
        ),
    ],
}

# Correct answers written differently from the reference: they pass every test and get no diagnosis.
ALTERNATIVES: dict[str, list[tuple[str, str]]] = {
    "grad_forward": [
        (
            "one seed vector per pass, with np.eye",
            """def grad_forward(f, x):
    x = np.asarray(x, dtype=float)
    out = []
    for seed in np.eye(len(x)):
        y = f(tuple(ad.Dual(v, s) for v, s in zip(x, seed)))
        out.append(y.deriv if isinstance(y, ad.Dual) else 0.0)
    return np.array(out)
""",
        )
    ],
    "grad_reverse": [
        (
            "a list comprehension after one backward sweep",
            """def grad_reverse(f, x):
    inputs = [ad.Var(float(v)) for v in np.asarray(x, dtype=float)]
    out = f(tuple(inputs))
    if not isinstance(out, ad.Var):
        return np.zeros(len(inputs))
    out.backward()
    return np.array([v.grad for v in inputs])
""",
        )
    ],
}
