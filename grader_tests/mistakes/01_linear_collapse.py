"""Classic student mistakes for notebook 01 (linear collapse).

Each entry maps an exercise name to ``(description, replacement source of the solution cell, key)``.
The grading harness substitutes the source for the solution cell and checks that exactly the
exercise's own test cell fails, naming the misconception ``key`` of ``coursekit.misconceptions``.
"""

from __future__ import annotations

MISTAKES: dict[str, list[tuple[str, ...]]] = {
    "collapse_linear": [
        (
            "multiplies the matrices in reverse order (WL @ ... @ W1)",
            """def collapse_linear(weights):
    W = np.array(weights[-1], dtype=float)
    for W_prev in weights[-2::-1]:
        W = W @ W_prev
    return W
""",
            "reversed",
        ),
        (
            "uses the elementwise product * instead of the matrix product @",
            """def collapse_linear(weights):
    W = np.array(weights[0], dtype=float)
    for W_next in weights[1:]:
        W = W * W_next
    return W
""",
            "elementwise",
        ),
        (
            "returns only the last matrix (loop overwrites instead of multiplying)",
            """def collapse_linear(weights):
    for W in weights:
        out = np.array(W, dtype=float)
    return out
""",
            "last_only",
        ),
    ],
    "linear_network": [
        (
            "uses the W x convention: multiplies by W.T (samples treated as columns)",
            """def linear_network(X, weights):
    A = X
    for W in weights:
        A = A @ W.T
    return A
""",
            "transposed",
        ),
        (
            "applies only the first layer",
            """def linear_network(X, weights):
    return X @ weights[0]
""",
            "first_layer_only",
        ),
    ],
    "relu_network": [
        (
            "applies ReLU after the output layer as well",
            """def relu_network(X, weights, biases):
    A = X
    for W, b in zip(weights, biases):
        A = np.maximum(A @ W + b, 0.0)
    return A
""",
            "relu_last",
        ),
        (
            "applies ReLU before adding the bias",
            """def relu_network(X, weights, biases):
    A = X
    for W, b in zip(weights[:-1], biases[:-1]):
        A = np.maximum(A @ W, 0.0) + b
    return A @ weights[-1] + biases[-1]
""",
            "bias_after",
        ),
        (
            "forgets the biases",
            """def relu_network(X, weights, biases):
    A = X
    for W in weights[:-1]:
        A = np.maximum(A @ W, 0.0)
    return A @ weights[-1]
""",
            "no_bias",
        ),
    ],
    "least_squares_fit": [
        (
            "fits without a bias (no column of ones) and returns b = 0",
            """def least_squares_fit(X, y):
    w = np.linalg.lstsq(X, y, rcond=None)[0]
    return w, 0.0
""",
            "no_bias",
        ),
        (
            "sets the bias to mean(y) after fitting w without a bias",
            """def least_squares_fit(X, y):
    w = np.linalg.lstsq(X, y, rcond=None)[0]
    return w, float(np.mean(y))
""",
            "bias_mean",
        ),
        (
            "returns the whole lstsq result tuple instead of (w, b)",
            """def least_squares_fit(X, y):
    design = np.column_stack([X, np.ones(len(X))])
    return np.linalg.lstsq(design, y, rcond=None)
""",
            "lstsq_tuple",
        ),
    ],
    "xor_relu_network": [
        (
            "forgets the ReLU (a purely linear network)",
            """def xor_relu_network(X):
    W = np.array([[1.0, 1.0], [1.0, 1.0]])
    b = np.array([0.0, -1.0])
    w = np.array([1.0, -2.0])
    return (X @ W + b) @ w
""",
            "no_relu",
        ),
        (
            "hidden bias with the wrong sign (b = [0, +1])",
            """def xor_relu_network(X):
    W = np.array([[1.0, 1.0], [1.0, 1.0]])
    b = np.array([0.0, 1.0])
    w = np.array([1.0, -2.0])
    return np.maximum(X @ W + b, 0.0) @ w
""",
            "bias_sign",
        ),
        (
            "returns shape (n, 1) (w as a column vector)",
            """def xor_relu_network(X):
    W = np.array([[1.0, 1.0], [1.0, 1.0]])
    b = np.array([0.0, -1.0])
    w = np.array([[1.0], [-2.0]])
    return np.maximum(X @ W + b, 0.0) @ w
""",
            "column",
        ),
    ],
    "wedge_classifier": [
        (
            "strict threshold (step(0) = 0): boundary points x2 = |x1| get 0",
            """def wedge_classifier(X):
    W = np.array([[-1.0, 1.0], [1.0, 1.0]])
    H = (X @ W > 0).astype(float)
    return (H @ np.array([0.5, 0.5]) - 0.6 > 0).astype(float)
""",
            "strict",
        ),
        (
            "OR instead of AND at the output (bias -0.4)",
            """def wedge_classifier(X):
    W = np.array([[-1.0, 1.0], [1.0, 1.0]])
    H = (X @ W >= 0).astype(float)
    return (H @ np.array([0.5, 0.5]) - 0.4 >= 0).astype(float)
""",
            "or",
        ),
        (
            "only the unit for x2 >= x1 (forgets x2 >= -x1)",
            """def wedge_classifier(X):
    return (X[:, 1] - X[:, 0] >= 0).astype(float)
""",
            "one_line",
        ),
    ],
}

# Correct answers written differently from the reference: they pass every test and get no diagnosis.
ALTERNATIVES: dict[str, list[tuple[str, str]]] = {
    "collapse_linear": [
        (
            "functools.reduce over the matrix product",
            "def collapse_linear(weights):\n    import functools\n"
            "    return functools.reduce(np.matmul, [np.asarray(W, dtype=float) for W in weights])\n",
        )
    ],
    "linear_network": [
        (
            "through the collapsed matrix",
            "def linear_network(X, weights):\n    import functools\n    return np.asarray(X, dtype=float) @ functools.reduce(np.matmul, weights)\n",
        )
    ],
    "least_squares_fit": [
        (
            "the normal equations with the design matrix",
            """def least_squares_fit(X, y):
    D = np.column_stack([X, np.ones(len(X))])
    theta = np.linalg.solve(D.T @ D, D.T @ y)
    return theta[:-1], float(theta[-1])
""",
        )
    ],
}
