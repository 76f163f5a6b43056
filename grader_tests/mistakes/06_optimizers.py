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

MISTAKES: dict[str, list[tuple[str, ...]]] = {
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
            "starts_at_first",
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
            "swapped_weights",
        ),
        (
            "returns only the final average A_T",
            """def moving_average(a, gamma):
    A = 0.0
    for a_t in a:
        A = gamma * A + (1.0 - gamma) * a_t
    return A
""",
            "last_only",
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
            "in_place",
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
            "off_by_one",
        ),
        (
            "divides the running sum by the total length T instead of by t",
            """def running_mean(a):
    a = np.asarray(a, dtype=float)
    return np.cumsum(a, axis=0) / a.shape[0]
""",
            "divides_by_length",
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
            "fixed_gamma",
        ),
        (
            "a moving average with a fixed gamma = 0.9 (any constant gamma is the same mistake)",
            """def running_mean(a):
    averages, A = [], 0.0
    for a_t in a:
        A = 0.9 * A + 0.1 * a_t
        averages.append(A)
    return np.array(averages)
""",
            "fixed_gamma",
        ),
    ],
    "minibatch_indices": [
        (
            "forgets to shuffle (batches of 0..n-1 in order)",
            """def minibatch_indices(n, k, rng):
    idx = np.arange(n)
    return [idx[i:i + k] for i in range(0, n, k)]
""",
            "no_shuffle",
        ),
        (
            "drops the last, smaller batch (n // k batches)",
            """def minibatch_indices(n, k, rng):
    perm = rng.permutation(n)
    return [perm[i * k:(i + 1) * k] for i in range(n // k)]
""",
            "drops_last",
        ),
        (
            "samples indices with replacement (rng.integers) instead of shuffling",
            """def minibatch_indices(n, k, rng):
    idx = rng.integers(0, n, size=n)
    return [idx[i:i + k] for i in range(0, n, k)]
""",
            "with_replacement",
        ),
        (
            "shuffles with numpy's global random state instead of rng",
            """def minibatch_indices(n, k, rng):
    perm = np.random.permutation(n)
    return [perm[i:i + k] for i in range(0, n, k)]
""",
            "global_rng",
        ),
        (
            "always makes n // k + 1 batches (an empty batch when k divides n)",
            """def minibatch_indices(n, k, rng):
    perm = rng.permutation(n)
    return [perm[i * k:(i + 1) * k] for i in range(n // k + 1)]
""",
            "extra_batch",
        ),
        (
            "shuffles in place with np.random.shuffle (the global random state, not rng)",
            """def minibatch_indices(n, k, rng):
    idx = np.arange(n)
    np.random.shuffle(idx)
    return [idx[start:start + k] for start in range(0, n, k)]
""",
            "global_rng",
        ),
    ],
    "sgd_step": [
        (
            "wrong sign: steps uphill (w + lr * dw)",
            """def sgd_step(w, dw, lr):
    return w + lr * dw
""",
            "uphill",
        ),
        (
            "updates w in place and returns the input array",
            """def sgd_step(w, dw, lr):
    w -= lr * dw
    return w
""",
            "in_place",
        ),
        (
            "forgets the learning rate",
            """def sgd_step(w, dw, lr):
    return w - dw
""",
            "no_lr",
        ),
    ],
    "momentum_step": [
        (
            "wrong sign: the velocity subtracts the gradient and the weights then move uphill",
            """def momentum_step(w, dw, v, lr, gamma=0.9):
    v_new = gamma * v - lr * dw
    return w - v_new, v_new
""",
            "uphill",
        ),
        (
            "updates w and v in place and returns the input arrays",
            """def momentum_step(w, dw, v, lr, gamma=0.9):
    v *= gamma
    v += lr * dw
    w -= v
    return w, v
""",
            "in_place",
        ),
        (
            "moving-average form with lr used as eta' (steps 1 - gamma times too small)",
            """def momentum_step(w, dw, v, lr, gamma=0.9):
    m_new = gamma * v + (1.0 - gamma) * dw
    return w - lr * m_new, m_new
""",
            "ema_with_lr",
        ),
        (
            "steps with the old velocity (W_t = W_{t-1} - V_{t-1})",
            """def momentum_step(w, dw, v, lr, gamma=0.9):
    v_new = gamma * v + lr * dw
    return w - v, v_new
""",
            "old_velocity",
        ),
        (
            "multiplies the velocity by lr a second time (W = W - lr * V)",
            """def momentum_step(w, dw, v, lr, gamma=0.9):
    v_new = gamma * v + lr * dw
    return w - lr * v_new, v_new
""",
            "lr_twice",
        ),
    ],
    "adadelta_step": [
        (
            "forgets the square root (divides by G + eps)",
            """def adadelta_step(w, dw, G, lr, gamma=0.9, eps=1e-8):
    G_new = gamma * G + (1.0 - gamma) * dw**2
    return w - lr * dw / (G_new + eps), G_new
""",
            "no_sqrt",
        ),
        (
            "divides by the old G (without this step's gradient)",
            """def adadelta_step(w, dw, G, lr, gamma=0.9, eps=1e-8):
    G_new = gamma * G + (1.0 - gamma) * dw**2
    return w - lr * dw / np.sqrt(G + eps), G_new
""",
            "old_G",
        ),
        (
            "averages the gradient instead of its square",
            """def adadelta_step(w, dw, G, lr, gamma=0.9, eps=1e-8):
    G_new = gamma * G + (1.0 - gamma) * dw
    return w - lr * dw / np.sqrt(np.abs(G_new) + eps), G_new
""",
            "not_squared",
        ),
        (
            "updates w and G in place and returns the input arrays",
            """def adadelta_step(w, dw, G, lr, gamma=0.9, eps=1e-8):
    G *= gamma
    G += (1.0 - gamma) * dw**2
    w -= lr * dw / np.sqrt(G + eps)
    return w, G
""",
            "in_place",
        ),
        (
            "leaves out eps (0 / 0 for a zero gradient from G = 0)",
            """def adadelta_step(w, dw, G, lr, gamma=0.9, eps=1e-8):
    G_new = gamma * G + (1.0 - gamma) * dw**2
    return w - lr * dw / np.sqrt(G_new), G_new
""",
            "no_eps",
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
    "moving_average": [
        (
            "the unrolled sum A_t = sum_s (1 - gamma) gamma**(t - s) a_s as one matrix product",
            """def moving_average(a, gamma):
    a = np.asarray(a, dtype=float)
    T = a.shape[0]
    lags = np.subtract.outer(np.arange(T), np.arange(T))
    weights = np.where(lags >= 0, (1.0 - gamma) * gamma ** np.clip(lags, 0, None), 0.0)
    return np.tensordot(weights, a, axes=1)
""",
        ),
        (
            "a loop that appends each average to a list",
            """def moving_average(a, gamma):
    averages, A = [], 0.0
    for a_t in np.asarray(a, dtype=float):
        A = gamma * A + (1 - gamma) * a_t
        averages.append(A)
    return np.array(averages)
""",
        ),
    ],
    "running_mean": [
        (
            "the incremental form A_t = A_{t-1} + (a_t - A_{t-1}) / t",
            """def running_mean(a):
    a = np.asarray(a, dtype=float)
    out, A = [], np.zeros(a.shape[1:])
    for t, a_t in enumerate(a, start=1):
        A = A + (a_t - A) / t
        out.append(A)
    return np.array(out)
""",
        ),
    ],
    "minibatch_indices": [
        (
            "rng.shuffle of 0..n-1, cut with np.split",
            """def minibatch_indices(n, k, rng):
    idx = np.arange(n)
    rng.shuffle(idx)
    return np.split(idx, np.arange(k, n, k))
""",
        ),
        (
            "a permutation drawn with rng.choice without replacement (another shuffle of the same seed)",
            """def minibatch_indices(n, k, rng):
    perm = rng.choice(n, size=n, replace=False)
    return [perm[start:start + k] for start in range(0, n, k)]
""",
        ),
    ],
    "sgd_step": [
        (
            "converts to float arrays first, then steps",
            """def sgd_step(w, dw, lr):
    w = np.asarray(w, dtype=float)
    return w + (-lr) * np.asarray(dw, dtype=float)
""",
        ),
    ],
    "momentum_step": [
        (
            "the notes' moving-average form, with the step lr / (1 - gamma) (the state is M)",
            """def momentum_step(w, dw, v, lr, gamma=0.9):
    m_new = gamma * v + (1.0 - gamma) * dw
    return w - lr / (1.0 - gamma) * m_new, m_new
""",
        ),
    ],
    "adadelta_step": [
        (
            "eps added to the root instead of inside it",
            """def adadelta_step(w, dw, G, lr, gamma=0.9, eps=1e-8):
    G_t = gamma * G + (1 - gamma) * np.square(dw)
    return w - lr * dw / (np.sqrt(G_t) + eps), G_t
""",
        ),
    ],
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
