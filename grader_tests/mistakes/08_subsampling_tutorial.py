"""Classic student mistakes for notebook 08 (training on subsampled rare events).

Each entry maps an exercise name to ``(description, replacement source of the solution cell, key)``.
The grading harness substitutes the source for the solution cell and checks that exactly the
exercise's own test cell fails, naming the misconception ``key`` of ``coursekit.misconceptions``. The definitions may use what the notebook's setup cell provides
(``np``, ``sigmoid``, ``safe_step_size``).
"""

from __future__ import annotations

MISTAKES: dict[str, list[tuple[str, ...]]] = {
    "subsample_negatives": [
        (
            "keeps each negative with probability 1 - f (throws away a fraction f instead of keeping it)",
            """def subsample_negatives(X, y, f, rng):
    u = rng.random(len(y))
    keep = (y == 1) | (u >= f)
    return X[keep], y[keep]
""",
            "keeps_one_minus_f",
        ),
        (
            "subsamples every row with probability f, positives included",
            """def subsample_negatives(X, y, f, rng):
    keep = rng.random(len(y)) < f
    return X[keep], y[keep]
""",
            "subsamples_positives",
        ),
        (
            "keeps the first round(f * N0) negatives instead of a random subset",
            """def subsample_negatives(X, y, f, rng):
    negatives = np.flatnonzero(y == 0)
    keep = y == 1
    keep[negatives[:int(round(f * len(negatives)))]] = True
    return X[keep], y[keep]
""",
            "first_negatives",
        ),
        (
            "draws from the global np.random instead of the rng argument (not reproducible)",
            """def subsample_negatives(X, y, f, rng):
    keep = (y == 1) | (np.random.random(len(y)) < f)
    return X[keep], y[keep]
""",
            "global_state",
        ),
    ],
    "bias_correction": [
        (
            "subtracts log f: the correction with the wrong sign",
            """def bias_correction(b, f):
    return float(b - np.log(f))
""",
            "sign",
        ),
        (
            "multiplies the bias by f instead of adding log f",
            """def bias_correction(b, f):
    return float(b * f)
""",
            "times_f",
        ),
        (
            "adds log(1 - f) instead of log f",
            """def bias_correction(b, f):
    return float(b + np.log(1.0 - f))
""",
            "log_one_minus_f",
        ),
    ],
    "importance_weights": [
        (
            "puts the weight 1/f on the positives instead of the negatives",
            """def importance_weights(y, f):
    return np.where(np.asarray(y) == 1, 1.0 / f, 1.0)
""",
            "on_positives",
        ),
        (
            "weights the negatives by f instead of 1/f",
            """def importance_weights(y, f):
    return np.where(np.asarray(y) == 1, 1.0, f)
""",
            "f_not_inverse",
        ),
        (
            "gives every example the weight 1/f",
            """def importance_weights(y, f):
    return np.full(np.shape(y), 1.0 / f)
""",
            "all_one_over_f",
        ),
    ],
    "fit_logistic_regression": [
        (
            "ignores sample_weight (fits the unweighted loss)",
            """def fit_logistic_regression(X, y, sample_weight=None, lr=None, epochs=1000):
    N, d = X.shape
    if lr is None:
        lr = safe_step_size(X)
    w, b = np.zeros(d), 0.0
    for _ in range(epochs):
        r = (sigmoid(X @ w + b) - y) / N
        w = w - lr * (X.T @ r)
        b = b - lr * float(np.sum(r))
    return w, b
""",
            "ignores_weights",
        ),
        (
            "gradient with the wrong sign, y - p: climbs the loss instead of descending",
            """def fit_logistic_regression(X, y, sample_weight=None, lr=None, epochs=1000):
    N, d = X.shape
    s = np.ones(N) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    if lr is None:
        lr = safe_step_size(X, s)
    w, b = np.zeros(d), 0.0
    for _ in range(epochs):
        r = s * (y - sigmoid(X @ w + b)) / N
        w = w - lr * (X.T @ r)
        b = b - lr * float(np.sum(r))
    return w, b
""",
            "uphill",
        ),
        (
            "never updates the bias",
            """def fit_logistic_regression(X, y, sample_weight=None, lr=None, epochs=1000):
    N, d = X.shape
    s = np.ones(N) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    if lr is None:
        lr = safe_step_size(X, s)
    w, b = np.zeros(d), 0.0
    for _ in range(epochs):
        r = s * (sigmoid(X @ w + b) - y) / N
        w = w - lr * (X.T @ r)
    return w, b
""",
            "no_bias",
        ),
        (
            "sums the gradient over the examples instead of averaging (steps N times too large)",
            """def fit_logistic_regression(X, y, sample_weight=None, lr=None, epochs=1000):
    N, d = X.shape
    s = np.ones(N) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    if lr is None:
        lr = safe_step_size(X, s)
    w, b = np.zeros(d), 0.0
    for _ in range(epochs):
        r = s * (sigmoid(X @ w + b) - y)
        w = w - lr * (X.T @ r)
        b = b - lr * float(np.sum(r))
    return w, b
""",
            "sum",
        ),
    ],
}

# Correct answers written differently from the reference: they pass every test and get no diagnosis.
ALTERNATIVES: dict[str, list[tuple[str, str]]] = {
    "bias_correction": [("through the odds", "def bias_correction(b, f):\n    return float(np.log(np.exp(b) * f))\n")],
    "importance_weights": [
        (
            "1 + (1/f - 1) for the negatives",
            "def importance_weights(y, f):\n    y = np.asarray(y)\n    return 1.0 + (1.0 / f - 1.0) * (y == 0)\n",
        )
    ],
}
