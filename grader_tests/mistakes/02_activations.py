"""Classic student mistakes for notebook 02 (activations).

``MISTAKES[name]`` lists ``(description, source, key)`` entries: ``source`` is a complete
replacement for the solution cell of exercise ``name`` (a full ``def`` with the
same signature) that implements the mistake, ``key`` the misconception of
``coursekit.misconceptions`` its test must name. The grading harness substitutes each
one into the solution notebook and checks that exactly the test cell
``test_<name>`` fails, with that diagnosis. ``ALTERNATIVES[name]`` lists correct answers
written differently from the reference: they must pass and get no diagnosis. The notebook's setup cell has already imported numpy as
``np``; ``SELU_LAMBDA`` and ``SELU_ALPHA`` are defined in a plain cell before ``selu``.
"""

from __future__ import annotations

MISTAKES: dict[str, list[tuple[str, ...]]] = {
    "step": [
        (
            "step(0) = 0: uses z > 0 for the branch that gives 1",
            '''def step(z):
    """Step with the wrong value at 0."""
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, 1.0, 0.0)
''',
            "zero_at_zero",
        ),
        (
            "returns a boolean array instead of floats",
            '''def step(z):
    """Step returning booleans."""
    return np.asarray(z) >= 0
''',
            "booleans",
        ),
    ],
    "relu": [
        (
            "uses Python's built-in max, which cannot compare an array with 0 elementwise",
            '''def relu(z):
    """ReLU with the built-in max."""
    return max(z, 0)
''',
            "builtin_max",
        ),
        (
            "overwrites the negative entries of the caller's array in place",
            '''def relu(z):
    """ReLU that mutates its argument."""
    z[z < 0] = 0.0
    return z
''',
            "in_place",
        ),
        (
            "absolute value instead of the positive part",
            '''def relu(z):
    """|z| instead of max(0, z)."""
    return np.abs(np.asarray(z, dtype=float))
''',
            "absolute",
        ),
    ],
    "sigmoid": [
        (
            "exp(z) instead of exp(-z)",
            '''def sigmoid(z):
    """Sign error in the exponent."""
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, e / (1.0 + e), 1.0 / (1.0 + e))
''',
            "sign",
        ),
        (
            "the textbook formula 1 / (1 + exp(-z)): exp overflows for z = -1000",
            '''def sigmoid(z):
    """Naive sigmoid."""
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))
''',
            "naive",
        ),
        (
            "notes 001's form exp(z) / (1 + exp(z)): inf / inf = nan at z = 1000",
            '''def sigmoid(z):
    """Naive sigmoid, other form."""
    e = np.exp(np.asarray(z, dtype=float))
    return e / (1.0 + e)
''',
            "naive_other",
        ),
        (
            "np.where over the two textbook forms: both branches are evaluated, so exp still overflows",
            '''def sigmoid(z):
    """A 'stable' sigmoid that is not."""
    z = np.asarray(z, dtype=float)
    return np.where(z >= 0, 1.0 / (1.0 + np.exp(-z)), np.exp(z) / (1.0 + np.exp(z)))
''',
            "where_both",
        ),
    ],
    "tanh": [
        (
            "the literal exponential formula: overflows for |z| > 710",
            '''def tanh(z):
    """Naive tanh."""
    z = np.asarray(z, dtype=float)
    return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))
''',
            "naive",
        ),
        (
            "2 sigma(z) - 1 instead of 2 sigma(2z) - 1",
            '''def tanh(z):
    """Rescaled sigmoid without the factor 2 inside."""
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    s = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return 2.0 * s - 1.0
''',
            "no_factor_two",
        ),
        (
            "2 sigma(2z) - 1 with a stable sigmoid: no overflow, but it cancels near 0",
            '''def tanh(z):
    """The identity with the stable sigmoid."""
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(2 * z))
    s = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return 2.0 * s - 1.0
''',
            "cancels",
        ),
        (
            "sign(z) (1 - e) / (1 + e) with 1 - e written as a subtraction",
            '''def tanh(z):
    """Stable against overflow, not against cancellation."""
    z = np.asarray(z, dtype=float)
    e = np.exp(-2.0 * np.abs(z))
    return np.sign(z) * (1.0 - e) / (1.0 + e)
''',
            "cancels",
        ),
    ],
    "leaky_relu": [
        (
            "ignores the alpha argument (always 0.01)",
            '''def leaky_relu(z, alpha=0.01):
    """Hard-coded slope."""
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, 0.01 * z)
''',
            "fixed_alpha",
        ),
        (
            "applies alpha on the positive side instead of the negative side",
            '''def leaky_relu(z, alpha=0.01):
    """Slope on the wrong side."""
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, alpha * z, z)
''',
            "wrong_side",
        ),
    ],
    "elu": [
        (
            "np.where(z > 0, z, alpha * (exp(z) - 1)): exp is evaluated for large positive z and overflows",
            '''def elu(z, alpha=1.0):
    """ELU whose unused branch overflows."""
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, alpha * (np.exp(z) - 1.0))
''',
            "overflow",
        ),
        (
            "forgets alpha on the negative side",
            '''def elu(z, alpha=1.0):
    """ELU without alpha."""
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, np.expm1(np.minimum(z, 0.0)))
''',
            "no_alpha",
        ),
    ],
    "selu": [
        (
            "lambda and alpha swapped",
            '''def selu(z):
    """SELU with the constants exchanged."""
    z = np.asarray(z, dtype=float)
    return SELU_ALPHA * np.where(z > 0, z, SELU_LAMBDA * np.expm1(np.minimum(z, 0.0)))
''',
            "swapped",
        ),
        (
            "lambda applied only to the negative side",
            '''def selu(z):
    """SELU without the scale on the positive side."""
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, SELU_LAMBDA * SELU_ALPHA * np.expm1(np.minimum(z, 0.0)))
''',
            "lambda_negative_only",
        ),
    ],
    "softmax": [
        (
            "no max shift: exp overflows for large logits (nan)",
            '''def softmax(z, axis=-1):
    """Naive softmax."""
    e = np.exp(np.asarray(z, dtype=float))
    return e / np.sum(e, axis=axis, keepdims=True)
''',
            "no_shift",
        ),
        (
            "normalises over the whole array instead of along the axis",
            '''def softmax(z, axis=-1):
    """Softmax with one global sum."""
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max())
    return e / e.sum()
''',
            "global_sum",
        ),
        (
            "ignores the axis argument (always the last axis)",
            '''def softmax(z, axis=-1):
    """Softmax along the last axis only."""
    z = np.asarray(z, dtype=float)
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)
''',
            "last_axis_only",
        ),
        (
            "subtracts one global maximum: rows far below it underflow to 0 / 0",
            '''def softmax(z, axis=-1):
    """Softmax with a global shift."""
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max())
    return e / np.sum(e, axis=axis, keepdims=True)
''',
            "global_shift",
        ),
    ],
    "relu_grad": [
        (
            "returns 1 at z = 0 (z >= 0)",
            '''def relu_grad(z):
    """Right branch at the kink."""
    z = np.asarray(z, dtype=float)
    return np.where(z >= 0, 1.0, 0.0)
''',
            "one_at_zero",
        ),
        (
            "returns relu(z) instead of its derivative",
            '''def relu_grad(z):
    """The function, not the derivative."""
    return np.maximum(np.asarray(z, dtype=float), 0.0)
''',
            "function",
        ),
    ],
    "sigmoid_grad": [
        (
            "sigma (1 - sigma) with the naive sigmoid: exp overflows at z = -1000",
            '''def sigmoid_grad(z):
    """Derivative through an unstable sigmoid."""
    s = 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))
    return s * (1.0 - s)
''',
            "unstable",
        ),
        (
            "applies a (1 - a) to the pre-activation z instead of to sigma(z)",
            '''def sigmoid_grad(z):
    """z (1 - z)."""
    z = np.asarray(z, dtype=float)
    return z * (1.0 - z)
''',
            "on_z",
        ),
        (
            "forgets the factor (1 - sigma): returns sigma(z)",
            '''def sigmoid_grad(z):
    """Returns the sigmoid itself."""
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
''',
            "sigma_only",
        ),
    ],
    "tanh_grad": [
        (
            "1 - tanh(z): the square is missing",
            '''def tanh_grad(z):
    """Forgot the square."""
    return 1.0 - np.tanh(np.asarray(z, dtype=float))
''',
            "no_square",
        ),
        (
            "1 - z**2: the formula applied to the pre-activation",
            '''def tanh_grad(z):
    """1 - z^2."""
    z = np.asarray(z, dtype=float)
    return 1.0 - z**2
''',
            "on_z",
        ),
    ],
    "leaky_relu_grad": [
        (
            "0 on the negative side (ReLU's derivative)",
            '''def leaky_relu_grad(z, alpha=0.01):
    """Forgets the leak."""
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, 1.0, 0.0)
''',
            "no_leak",
        ),
        (
            "returns 1 at z = 0 (right branch at the kink)",
            '''def leaky_relu_grad(z, alpha=0.01):
    """Right branch at the kink."""
    z = np.asarray(z, dtype=float)
    return np.where(z >= 0, 1.0, alpha)
''',
            "one_at_zero",
        ),
        (
            "ignores the alpha argument (always 0.01)",
            '''def leaky_relu_grad(z, alpha=0.01):
    """Hard-coded slope."""
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, 1.0, 0.01)
''',
            "fixed_alpha",
        ),
    ],
    "elu_grad": [
        (
            "exp of the unclipped z: overflows for large positive z",
            '''def elu_grad(z, alpha=1.0):
    """Unused branch overflows."""
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, 1.0, alpha * np.exp(z))
''',
            "overflow",
        ),
        (
            "forgets alpha on the negative side",
            '''def elu_grad(z, alpha=1.0):
    """Derivative without alpha."""
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, 1.0, np.exp(np.minimum(z, 0.0)))
''',
            "no_alpha",
        ),
        (
            "returns ELU itself, alpha (exp(z) - 1), on the negative side",
            '''def elu_grad(z, alpha=1.0):
    """Function instead of derivative on the negative side."""
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, 1.0, alpha * np.expm1(np.minimum(z, 0.0)))
''',
            "function",
        ),
    ],
    "selu_grad": [
        (
            "forgets lambda on the positive side (returns 1 there)",
            '''def selu_grad(z):
    """Scale missing for z > 0."""
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, 1.0, SELU_LAMBDA * SELU_ALPHA * np.exp(np.minimum(z, 0.0)))
''',
            "lambda_missing_positive",
        ),
        (
            "forgets lambda on the negative side",
            '''def selu_grad(z):
    """Scale missing for z <= 0."""
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, SELU_LAMBDA, SELU_ALPHA * np.exp(np.minimum(z, 0.0)))
''',
            "lambda_missing_negative",
        ),
    ],
    "softmax_jacobian": [
        (
            "returns only the diagonal diag(p)",
            '''def softmax_jacobian(z):
    """Off-diagonal terms missing."""
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max())
    p = e / e.sum()
    return np.diag(p)
''',
            "diagonal_only",
        ),
        (
            "sign flipped: outer(p, p) - diag(p)",
            '''def softmax_jacobian(z):
    """Wrong sign."""
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max())
    p = e / e.sum()
    return np.outer(p, p) - np.diag(p)
''',
            "sign",
        ),
        (
            "subtracts the scalar p . p instead of the outer product p p^T",
            '''def softmax_jacobian(z):
    """Inner instead of outer product."""
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max())
    p = e / e.sum()
    return np.diag(p) - p @ p
''',
            "inner",
        ),
        (
            "no max shift: exp overflows for large logits",
            '''def softmax_jacobian(z):
    """Naive softmax inside."""
    e = np.exp(np.asarray(z, dtype=float))
    p = e / e.sum()
    return np.diag(p) - np.outer(p, p)
''',
            "no_shift",
        ),
    ],
}

ALTERNATIVES: dict[str, list[tuple[str, str]]] = {
    "step": [("a comparison cast to float", "def step(z):\n    return (np.asarray(z) >= 0).astype(float)\n")],
    "relu": [
        ("z times the indicator of z > 0", "def relu(z):\n    z = np.asarray(z, dtype=float)\n    return z * (z > 0)\n")
    ],
    "sigmoid": [
        (
            "through tanh: (1 + tanh(z / 2)) / 2, which cannot overflow",
            "def sigmoid(z):\n    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))\n",
        ),
        (
            "through logaddexp: exp(-log(1 + exp(-z)))",
            "def sigmoid(z):\n    return np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=float)))\n",
        ),
    ],
    "tanh": [
        ("numpy's own (the text asks for exponentials, but it is right)", "def tanh(z):\n    return np.tanh(z)\n"),
        (
            "expm1 in both numerator and denominator: (1 - e) / (1 + e) = -expm1(a) / (2 + expm1(a))",
            """def tanh(z):
    z = np.asarray(z, dtype=float)
    d = np.expm1(-2.0 * np.abs(z))
    return np.sign(z) * -d / (2.0 + d)
""",
        ),
        (
            "odd symmetry by np.where on z >= 0",
            """def tanh(z):
    z = np.asarray(z, dtype=float)
    t = -np.expm1(-2.0 * np.abs(z)) / (1.0 + np.exp(-2.0 * np.abs(z)))
    return np.where(z >= 0, t, -t)
""",
        ),
    ],
    "leaky_relu": [
        (
            "np.maximum of z and alpha z (for alpha <= 1)",
            "def leaky_relu(z, alpha=0.01):\n    z = np.asarray(z, dtype=float)\n    return np.maximum(z, alpha * z)\n",
        )
    ],
    "softmax": [
        (
            "through the log-sum-exp",
            """def softmax(z, axis=-1):
    z = np.asarray(z, dtype=float)
    m = np.max(z, axis=axis, keepdims=True)
    lse = m + np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True))
    return np.exp(z - lse)
""",
        )
    ],
    "sigmoid_grad": [
        (
            "exp(-|z|) / (1 + exp(-|z|))**2, symmetric in z",
            "def sigmoid_grad(z):\n    e = np.exp(-np.abs(np.asarray(z, dtype=float)))\n    return e / (1.0 + e) ** 2\n",
        )
    ],
    "tanh_grad": [
        (
            "1 / cosh(z)**2, overflow-safe through tanh",
            "def tanh_grad(z):\n    t = np.tanh(np.asarray(z, dtype=float))\n    return (1.0 - t) * (1.0 + t)\n",
        )
    ],
    "softmax_jacobian": [
        (
            "entry by entry, with the Kronecker delta",
            """def softmax_jacobian(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max())
    p = e / e.sum()
    n = len(p)
    J = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            J[i, j] = p[i] * ((1.0 if i == j else 0.0) - p[j])
    return J
""",
        )
    ],
}
