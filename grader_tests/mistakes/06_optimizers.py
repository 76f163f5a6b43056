"""Classic student mistakes for notebook 06 (optimizers).

``MISTAKES[name]`` lists ``(description, source[, key])`` entries: ``source`` is a complete
replacement for the solution cell of exercise ``name`` (a full ``def`` with the same signature)
that implements the mistake; ``key``, when given, is the misconception of
``coursekit.misconceptions`` the test cell should name. The grading harness substitutes each one
into the solution notebook and checks that exactly the test cell ``test_<name>`` fails, with
that diagnosis (and with none when no key is given). The notebook's setup cell has already
imported numpy as ``np``.

``ALTERNATIVES[name]`` lists correct answers written differently from the reference: they must
pass every test and get no diagnosis. The graded tests deliberately *accept* what the notes
allow: Adam's (and adadelta's) eps inside or outside the square root, and momentum kept in the
moving-average form with the step lr / (1 - gamma) * M (the notebook says so).
"""

from __future__ import annotations

MISTAKES: dict[str, list[tuple[str, str]]] = {
    "moving_average": [
        (
            "starts the average at the first term (A_1 = a_1) instead of A_0 = 0",
            """def moving_average(a, gamma):
    a = np.asarray(a, dtype=float)
    out = np.empty_like(a)
    A = a[0]
    out[0] = A
    for t in range(1, a.shape[0]):
        A = gamma * A + (1.0 - gamma) * a[t]
        out[t] = A
    return out
""",
        ),
        (
            "swaps the weights: gamma on the new term, 1 - gamma on the old average",
            """def moving_average(a, gamma):
    a = np.asarray(a, dtype=float)
    out = np.empty_like(a)
    A = np.zeros(a.shape[1:])
    for t in range(a.shape[0]):
        A = (1.0 - gamma) * A + gamma * a[t]
        out[t] = A
    return out
""",
        ),
        (
            "returns only the final average A_T",
            """def moving_average(a, gamma):
    A = 0.0
    for a_t in a:
        A = gamma * A + (1.0 - gamma) * a_t
    return A
""",
        ),
        (
            "overwrites the input array with the averages (in place)",
            """def moving_average(a, gamma):
    A = 0.0
    for t in range(len(a)):
        A = gamma * A + (1.0 - gamma) * a[t]
        a[t] = A
    return a
""",
        ),
    ],
    "running_mean": [
        (
            "off by one: gamma_t = t / (t + 1) with t counted from 1 (A_1 = a_1 / 2)",
            """def running_mean(a):
    a = np.asarray(a, dtype=float)
    out = np.empty_like(a)
    A = np.zeros(a.shape[1:])
    for t in range(1, a.shape[0] + 1):
        gamma_t = t / (t + 1)
        A = gamma_t * A + (1.0 - gamma_t) * a[t - 1]
        out[t - 1] = A
    return out
""",
        ),
        (
            "divides the running sum by the total length T instead of by t",
            """def running_mean(a):
    a = np.asarray(a, dtype=float)
    return np.cumsum(a, axis=0) / a.shape[0]
""",
        ),
        (
            "uses a fixed-gamma moving average (gamma = 0.5) instead of gamma_t = (t-1)/t",
            """def running_mean(a):
    a = np.asarray(a, dtype=float)
    out = np.empty_like(a)
    A = np.zeros(a.shape[1:])
    for t in range(a.shape[0]):
        A = 0.5 * A + 0.5 * a[t]
        out[t] = A
    return out
""",
        ),
    ],
    "minibatch_indices": [
        (
            "forgets to shuffle (batches of 0..n-1 in order)",
            """def minibatch_indices(n, k, rng):
    idx = np.arange(n)
    return [idx[i:i + k] for i in range(0, n, k)]
""",
        ),
        (
            "drops the last, smaller batch (n // k batches)",
            """def minibatch_indices(n, k, rng):
    perm = rng.permutation(n)
    return [perm[i * k:(i + 1) * k] for i in range(n // k)]
""",
        ),
        (
            "samples indices with replacement (rng.integers) instead of shuffling",
            """def minibatch_indices(n, k, rng):
    idx = rng.integers(0, n, size=n)
    return [idx[i:i + k] for i in range(0, n, k)]
""",
        ),
        (
            "shuffles with numpy's global random state instead of rng",
            """def minibatch_indices(n, k, rng):
    perm = np.random.permutation(n)
    return [perm[i:i + k] for i in range(0, n, k)]
""",
        ),
        (
            "always makes n // k + 1 batches (an empty batch when k divides n)",
            """def minibatch_indices(n, k, rng):
    perm = rng.permutation(n)
    return [perm[i * k:(i + 1) * k] for i in range(n // k + 1)]
""",
        ),
    ],
    "sgd_step": [
        (
            "wrong sign: steps uphill (w + lr * dw)",
            """def sgd_step(w, dw, lr):
    return w + lr * dw
""",
        ),
        (
            "updates w in place and returns the input array",
            """def sgd_step(w, dw, lr):
    w -= lr * dw
    return w
""",
        ),
        (
            "forgets the learning rate",
            """def sgd_step(w, dw, lr):
    return w - dw
""",
        ),
    ],
    "momentum_step": [
        (
            "wrong sign: the velocity subtracts the gradient and the weights then move uphill",
            """def momentum_step(w, dw, v, lr, gamma=0.9):
    v_new = gamma * v - lr * dw
    return w - v_new, v_new
""",
        ),
        (
            "updates w and v in place and returns the input arrays",
            """def momentum_step(w, dw, v, lr, gamma=0.9):
    v *= gamma
    v += lr * dw
    w -= v
    return w, v
""",
        ),
        (
            "moving-average form with lr used as eta' (steps 1 - gamma times too small)",
            """def momentum_step(w, dw, v, lr, gamma=0.9):
    m_new = gamma * v + (1.0 - gamma) * dw
    return w - lr * m_new, m_new
""",
        ),
        (
            "steps with the old velocity (W_t = W_{t-1} - V_{t-1})",
            """def momentum_step(w, dw, v, lr, gamma=0.9):
    v_new = gamma * v + lr * dw
    return w - v, v_new
""",
        ),
        (
            "multiplies the velocity by lr a second time (W = W - lr * V)",
            """def momentum_step(w, dw, v, lr, gamma=0.9):
    v_new = gamma * v + lr * dw
    return w - lr * v_new, v_new
""",
        ),
    ],
    "adadelta_step": [
        (
            "forgets the square root (divides by G + eps)",
            """def adadelta_step(w, dw, G, lr, gamma=0.9, eps=1e-8):
    G_new = gamma * G + (1.0 - gamma) * dw**2
    return w - lr * dw / (G_new + eps), G_new
""",
        ),
        (
            "divides by the old G (without this step's gradient)",
            """def adadelta_step(w, dw, G, lr, gamma=0.9, eps=1e-8):
    G_new = gamma * G + (1.0 - gamma) * dw**2
    return w - lr * dw / np.sqrt(G + eps), G_new
""",
        ),
        (
            "averages the gradient instead of its square",
            """def adadelta_step(w, dw, G, lr, gamma=0.9, eps=1e-8):
    G_new = gamma * G + (1.0 - gamma) * dw
    return w - lr * dw / np.sqrt(np.abs(G_new) + eps), G_new
""",
        ),
        (
            "updates w and G in place and returns the input arrays",
            """def adadelta_step(w, dw, G, lr, gamma=0.9, eps=1e-8):
    G *= gamma
    G += (1.0 - gamma) * dw**2
    w -= lr * dw / np.sqrt(G + eps)
    return w, G
""",
        ),
        (
            "leaves out eps (0 / 0 for a zero gradient from G = 0)",
            """def adadelta_step(w, dw, G, lr, gamma=0.9, eps=1e-8):
    G_new = gamma * G + (1.0 - gamma) * dw**2
    return w - lr * dw / np.sqrt(G_new), G_new
""",
        ),
    ],
    "adam_step": [
        (
            "no bias correction (uses m and v directly)",
            """def adam_step(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m_new = beta1 * m + (1.0 - beta1) * dw
    v_new = beta2 * v + (1.0 - beta2) * dw**2
    return w - lr * m_new / (np.sqrt(v_new) + eps), m_new, v_new
""",
            "no_bias_correction",
        ),
        (
            "counts t from 0: corrects with beta**(t - 1) (division by zero at t = 1)",
            """def adam_step(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m_new = beta1 * m + (1.0 - beta1) * dw
    v_new = beta2 * v + (1.0 - beta2) * dw**2
    m_hat = m_new / (1.0 - beta1 ** (t - 1))
    v_hat = v_new / (1.0 - beta2 ** (t - 1))
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m_new, v_new
""",
            "t_from_zero",
        ),
        (
            "treats the given t as 0-based: corrects with beta**(t + 1)",
            """def adam_step(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m_new = beta1 * m + (1.0 - beta1) * dw
    v_new = beta2 * v + (1.0 - beta2) * dw**2
    m_hat = m_new / (1.0 - beta1 ** (t + 1))
    v_hat = v_new / (1.0 - beta2 ** (t + 1))
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m_new, v_new
""",
            "t_plus_one",
        ),
        (
            "wrong sign: steps uphill",
            """def adam_step(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m_new = beta1 * m + (1.0 - beta1) * dw
    v_new = beta2 * v + (1.0 - beta2) * dw**2
    m_hat = m_new / (1.0 - beta1**t)
    v_hat = v_new / (1.0 - beta2**t)
    return w + lr * m_hat / (np.sqrt(v_hat) + eps), m_new, v_new
""",
            "uphill",
        ),
        (
            "updates w, m and v in place and returns the input arrays",
            """def adam_step(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m *= beta1
    m += (1.0 - beta1) * dw
    v *= beta2
    v += (1.0 - beta2) * dw**2
    w -= lr * (m / (1.0 - beta1**t)) / (np.sqrt(v / (1.0 - beta2**t)) + eps)
    return w, m, v
""",
            "in_place",
        ),
        (
            "stores the bias-corrected m_hat and v_hat as the state",
            """def adam_step(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m_hat = (beta1 * m + (1.0 - beta1) * dw) / (1.0 - beta1**t)
    v_hat = (beta2 * v + (1.0 - beta2) * dw**2) / (1.0 - beta2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m_hat, v_hat
""",
            "stores_hat",
        ),
    ],
}

ALTERNATIVES: dict[str, list[tuple[str, str]]] = {
    "adam_step": [
        (
            "eps inside the square root, as in the notes",
            """def adam_step(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m_t = beta1 * m + (1 - beta1) * dw
    v_t = beta2 * v + (1 - beta2) * dw * dw
    step = lr * (m_t / (1 - beta1**t)) / np.sqrt(v_t / (1 - beta2**t) + eps)
    return w - step, m_t, v_t
""",
        ),
    ],
}
